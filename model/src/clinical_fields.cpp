#include "clinical_fields.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>

#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace liver::model::detail
{

namespace
{

using Json = nlohmann::json;

// ---- clinical.json values -----------------------------------------------------------------------

std::string typeName(const Json& j)
{
  return j.type_name();
}

double jsonNumber(const Json& j, const std::string& file, const std::string& key)
{
  if (!j.is_number())
    throw InputError(file, key + ": must be a number, not " + typeName(j));
  return j.get<double>();
}

/// An integer (2.0 is 2) of at most 10^9 in size: 4294967296 was read as 0 (int wraps), an ECOG 0.
int jsonInteger(const Json& j, const std::string& file, const std::string& key)
{
  if (j.is_number() && std::floor(j.get<double>()) == j.get<double>() &&
      std::abs(j.get<double>()) < 1e9)
    return static_cast<int>(j.get<double>());
  throw InputError(
    file, key + ": must be an integer, not " + (j.is_number() ? jsonExcerpt(j) : typeName(j)));
}

bool jsonBool(const Json& j, const std::string& file, const std::string& key)
{
  if (!j.is_boolean())
    throw InputError(file, key + ": must be true or false, not " + typeName(j));
  return j.get<bool>();
}

template<typename E>
E jsonEnum(const Json& j,
           const std::string& file,
           const std::string& key,
           E (*parse)(const std::string&))
{
  if (!j.is_string())
    throw InputError(file, key + ": must be a string, not " + typeName(j));
  try
  {
    return parse(j.get<std::string>());
  }
  catch (const std::invalid_argument& e)
  {
    throw InputError(file, key + ": " + e.what());
  }
}

// ---- flag texts ---------------------------------------------------------------------------------

double flagNumber(const std::string& text, const std::string& flag)
{
  std::size_t used = 0;
  double v = 0.0;
  try
  {
    v = std::stod(text, &used);
  }
  catch (const std::exception&)
  {
    used = 0;
  }
  if (used != text.size() || text.empty())
    throw std::invalid_argument(flag + ": '" + text + "' is not a number");
  return v;
}

int flagInteger(const std::string& text, const std::string& flag)
{
  const double v = flagNumber(text, flag);
  if (std::floor(v) != v || std::abs(v) > 1e9)
    throw std::invalid_argument(flag + ": '" + text + "' is not an integer");
  return static_cast<int>(v);
}

bool flagBool(const std::string& text, const std::string& flag)
{
  if (text == "yes" || text == "true" || text == "1")
    return true;
  if (text == "no" || text == "false" || text == "0")
    return false;
  throw std::invalid_argument(flag + ": '" + text + "' must be yes or no");
}

template<typename E>
E flagEnum(const std::string& text, const std::string& flag, E (*parse)(const std::string&))
{
  try
  {
    return parse(text);
  }
  catch (const std::invalid_argument& e)
  {
    throw std::invalid_argument(flag + ": " + e.what());
  }
}

// ---- the rows -----------------------------------------------------------------------------------

/// A given value as clinical.json: the number or boolean, or an enumeration's name.
template<typename T>
Json optionalJson(const std::optional<T>& v)
{
  if (!v)
    return nullptr;
  if constexpr (std::is_enum_v<T>)
    return toString(*v);
  else
    return *v;
}

std::string joinNames(const std::vector<std::string>& names)
{
  std::string s;
  for (const std::string& n : names)
    s += (s.empty() ? "" : ", ") + n;
  return s;
}

/// The row of `member`: its JSON value read by `fromJson(json, file, key)`, its flag's text by
/// `fromFlag(text, flag)`.
template<typename T, typename FromJson, typename FromFlag>
ClinicalField field(const char* key,
                    const char* flag,
                    std::string help,
                    std::optional<T> Clinical::*member,
                    FromJson fromJson,
                    FromFlag fromFlag)
{
  return { key,
           flag,
           std::move(help),
           [=](const Json& j, Clinical& c, const std::string& file)
           { c.*member = fromJson(j, file, key); },
           [=](const std::string& text, Clinical& c) { c.*member = fromFlag(text, flag); },
           [=](const Clinical& c) { return optionalJson(c.*member); } };
}

ClinicalField numberField(const char* key,
                          const char* flag,
                          std::string help,
                          std::optional<double> Clinical::*member)
{
  return field(key, flag, std::move(help), member, &jsonNumber, &flagNumber);
}

ClinicalField integerField(const char* key,
                           const char* flag,
                           std::string help,
                           std::optional<int> Clinical::*member)
{
  return field(key, flag, std::move(help), member, &jsonInteger, &flagInteger);
}

ClinicalField boolField(const char* key,
                        const char* flag,
                        std::string help,
                        std::optional<bool> Clinical::*member)
{
  return field(key, flag, std::move(help), member, &jsonBool, &flagBool);
}

template<typename E>
ClinicalField enumField(const char* key,
                        const char* flag,
                        std::string help,
                        std::optional<E> Clinical::*member,
                        E (*parse)(const std::string&))
{
  return field(
    key,
    flag,
    std::move(help),
    member,
    [parse](const Json& j, const std::string& file, const std::string& k)
    { return jsonEnum(j, file, k, parse); },
    [parse](const std::string& text, const std::string& f) { return flagEnum(text, f, parse); });
}

/// --liver-condition unknown is "not given" (LiverCondition::Unknown counts as not given).
ClinicalField liverConditionField()
{
  ClinicalField f = enumField(
    "liverCondition", "--liver-condition", "", &Clinical::liverCondition, &parseLiverCondition);
  f.readFlag = [](const std::string& text, Clinical& c)
  {
    const LiverCondition v = flagEnum(text, "--liver-condition", &parseLiverCondition);
    c.liverCondition =
      v == LiverCondition::Unknown ? std::nullopt : std::optional<LiverCondition>(v);
  };
  return f;
}

} // namespace

const std::vector<ClinicalField>& clinicalFields()
{
  using C = Clinical;
  static const std::vector<ClinicalField> fields = {
    // Declared by the commands with their body options (analyze: --height, --weight,
    // --liver-condition for the volumetry; decide: as overrides).
    numberField("heightCm", "--height", "", &C::heightCm),
    numberField("weightKg", "--weight", "", &C::weightKg),
    liverConditionField(),
    enumField("primaryTumour",
              "--primary",
              "Primary tumour: " + joinNames(primaryTumourNames()),
              &C::primaryTumour,
              &parsePrimaryTumour),
    enumField("sex", "--sex", "Sex: " + joinNames(sexNames()), &C::sex, &parseSex),
    numberField("ageYears", "--age", "Age in years", &C::ageYears),
    integerField("ecog", "--ecog", "ECOG performance status 0-4", &C::ecog),
    enumField("extrahepaticDisease",
              "--extrahepatic",
              "Extrahepatic disease: " + joinNames(extrahepaticDiseaseNames()),
              &C::extrahepaticDisease,
              &parseExtrahepaticDisease),
    boolField("extrahepaticR0Achievable",
              "--extrahepatic-r0",
              "yes/no: R0 resection of every extrahepatic site is achievable",
              &C::extrahepaticR0Achievable),
    enumField("chemotherapyStatus",
              "--chemotherapy",
              "Chemotherapy status: " + joinNames(chemotherapyStatusNames()),
              &C::chemotherapyStatus,
              &parseChemotherapyStatus),
    numberField("chemotherapyWeeks",
                "--chemotherapy-weeks",
                "Weeks of chemotherapy given (unknown counts as > 12 for the threshold)",
                &C::chemotherapyWeeks),
    enumField("chemotherapyResponse",
              "--response",
              "Response to chemotherapy: " + joinNames(chemotherapyResponseNames()),
              &C::chemotherapyResponse,
              &parseChemotherapyResponse),
    enumField(
      "mmr", "--mmr", "proficient (pMMR/MSS) or deficient (dMMR/MSI-H)", &C::mmr, &parseMmrStatus),
    enumField("ras", "--ras", "RAS: wild-type or mutated", &C::ras, &parseMutationStatus),
    enumField("braf", "--braf", "BRAF: wild-type or mutated", &C::braf, &parseMutationStatus),
    enumField("sidedness",
              "--sidedness",
              "Colorectal primary side: left (incl. rectum) or right",
              &C::sidedness,
              &parseSidedness),
    boolField("synchronous",
              "--synchronous",
              "yes/no: liver metastases found with the primary",
              &C::synchronous),
    boolField("nodePositivePrimary",
              "--node-positive",
              "yes/no: node-positive primary",
              &C::nodePositivePrimary),
    numberField("ceaNgMl", "--cea", "CEA in ng/mL", &C::ceaNgMl),
    numberField("diseaseFreeIntervalMonths",
                "--dfi-months",
                "Disease-free interval in months",
                &C::diseaseFreeIntervalMonths),
    enumField("hormoneReceptor",
              "--hr",
              "Breast hormone receptor: positive or negative",
              &C::hormoneReceptor,
              &parseReceptorStatus),
    enumField(
      "her2", "--her2", "Breast HER2: positive or negative", &C::her2, &parseReceptorStatus),
    integerField("netGrade", "--net-grade", "Neuroendocrine WHO grade 1-3", &C::netGrade),
    enumField("sstr",
              "--sstr",
              "Somatostatin receptor imaging: positive or negative",
              &C::sstr,
              &parseReceptorStatus),
    boolField("symptomatic",
              "--symptomatic",
              "yes/no: hormonal symptoms (neuroendocrine)",
              &C::symptomatic),
    boolField("progressive", "--progressive", "yes/no: progressive liver disease", &C::progressive),
    boolField(
      "hypervascular", "--hypervascular", "yes/no: vascular liver metastases", &C::hypervascular),
    boolField("comorbidityPreventsSurgery",
              "--comorbidity-prevents-surgery",
              "yes/no: comorbidity prevents surgery",
              &C::comorbidityPreventsSurgery),
    boolField("patientRefusesSurgery",
              "--refuses-surgery",
              "yes/no: the patient refuses surgery",
              &C::patientRefusesSurgery),
    integerField("numberOfMetastases",
                 "--metastases",
                 "Number of liver metastases known clinically",
                 &C::numberOfMetastases),
  };
  return fields;
}

} // namespace liver::model::detail
