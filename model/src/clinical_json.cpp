#include <liver/model/clinical_json.h>

#include <liver/imaging/errors.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

namespace liver::model
{

namespace
{

using Json = nlohmann::json;

std::string typeName(const Json& j)
{
  return j.type_name();
}

// ---- clinical.json ------------------------------------------------------------------------------

double numberField(const Json& j, const std::string& file, const std::string& key)
{
  if (!j.is_number())
    throw InputError(file, key + ": must be a number, not " + typeName(j));
  return j.get<double>();
}

int integerField(const Json& j, const std::string& file, const std::string& key)
{
  if (j.is_number_integer())
    return j.get<int>();
  if (j.is_number_float() && std::floor(j.get<double>()) == j.get<double>() &&
      std::abs(j.get<double>()) < 1e9)
    return static_cast<int>(j.get<double>());
  throw InputError(file,
                   key + ": must be an integer, not " + (j.is_number() ? j.dump() : typeName(j)));
}

bool boolField(const Json& j, const std::string& file, const std::string& key)
{
  if (!j.is_boolean())
    throw InputError(file, key + ": must be true or false, not " + typeName(j));
  return j.get<bool>();
}

template<typename E>
E enumField(const Json& j,
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

struct ClinicalKey
{
  const char* key;
  std::function<void(const Json&, Clinical&, const std::string& file, const std::string& key)> read;
  std::function<Json(const Clinical&)> write;
};

template<typename T>
Json optionalJson(const std::optional<T>& v)
{
  return v ? Json(*v) : Json(nullptr);
}

template<typename E>
Json optionalName(const std::optional<E>& v)
{
  return v ? Json(toString(*v)) : Json(nullptr);
}

ClinicalKey numberKey(const char* key, std::optional<double> Clinical::*field)
{
  return { key,
           [field](const Json& j, Clinical& c, const std::string& file, const std::string& k)
           { c.*field = numberField(j, file, k); },
           [field](const Clinical& c) { return optionalJson(c.*field); } };
}

ClinicalKey integerKey(const char* key, std::optional<int> Clinical::*field)
{
  return { key,
           [field](const Json& j, Clinical& c, const std::string& file, const std::string& k)
           { c.*field = integerField(j, file, k); },
           [field](const Clinical& c) { return optionalJson(c.*field); } };
}

ClinicalKey boolKey(const char* key, std::optional<bool> Clinical::*field)
{
  return { key,
           [field](const Json& j, Clinical& c, const std::string& file, const std::string& k)
           { c.*field = boolField(j, file, k); },
           [field](const Clinical& c) { return optionalJson(c.*field); } };
}

template<typename E>
ClinicalKey enumKey(const char* key,
                    std::optional<E> Clinical::*field,
                    E (*parse)(const std::string&))
{
  return { key,
           [field, parse](const Json& j, Clinical& c, const std::string& file, const std::string& k)
           { c.*field = enumField(j, file, k, parse); },
           [field](const Clinical& c) { return optionalName(c.*field); } };
}

const std::vector<ClinicalKey>& clinicalKeys()
{
  static const std::vector<ClinicalKey> keys = {
    numberKey("heightCm", &Clinical::heightCm),
    numberKey("weightKg", &Clinical::weightKg),
    enumKey("sex", &Clinical::sex, &parseSex),
    numberKey("ageYears", &Clinical::ageYears),
    enumKey("primaryTumour", &Clinical::primaryTumour, &parsePrimaryTumour),
    integerKey("ecog", &Clinical::ecog),
    enumKey("extrahepaticDisease", &Clinical::extrahepaticDisease, &parseExtrahepaticDisease),
    boolKey("extrahepaticR0Achievable", &Clinical::extrahepaticR0Achievable),
    enumKey("liverCondition", &Clinical::liverCondition, &parseLiverCondition),
    enumKey("chemotherapyStatus", &Clinical::chemotherapyStatus, &parseChemotherapyStatus),
    enumKey("chemotherapyResponse", &Clinical::chemotherapyResponse, &parseChemotherapyResponse),
    numberKey("chemotherapyWeeks", &Clinical::chemotherapyWeeks),
    enumKey("mmr", &Clinical::mmr, &parseMmrStatus),
    enumKey("ras", &Clinical::ras, &parseMutationStatus),
    enumKey("braf", &Clinical::braf, &parseMutationStatus),
    enumKey("sidedness", &Clinical::sidedness, &parseSidedness),
    boolKey("synchronous", &Clinical::synchronous),
    boolKey("nodePositivePrimary", &Clinical::nodePositivePrimary),
    numberKey("ceaNgMl", &Clinical::ceaNgMl),
    numberKey("diseaseFreeIntervalMonths", &Clinical::diseaseFreeIntervalMonths),
    enumKey("hormoneReceptor", &Clinical::hormoneReceptor, &parseReceptorStatus),
    enumKey("her2", &Clinical::her2, &parseReceptorStatus),
    integerKey("netGrade", &Clinical::netGrade),
    enumKey("sstr", &Clinical::sstr, &parseReceptorStatus),
    boolKey("symptomatic", &Clinical::symptomatic),
    boolKey("progressive", &Clinical::progressive),
    boolKey("hypervascular", &Clinical::hypervascular),
    boolKey("comorbidityPreventsSurgery", &Clinical::comorbidityPreventsSurgery),
    boolKey("patientRefusesSurgery", &Clinical::patientRefusesSurgery),
    integerKey("numberOfMetastases", &Clinical::numberOfMetastases),
  };
  return keys;
}

} // namespace

Clinical parseClinicalJson(const std::string& text, const std::string& file)
{
  Json root;
  try
  {
    root = Json::parse(text);
  }
  catch (const Json::exception& e) // syntax errors and numbers too large for a double
  {
    std::string what = e.what();
    const auto colon = what.find("]: ");
    throw InputError(
      file, "malformed JSON: " + (colon == std::string::npos ? what : what.substr(colon + 3)));
  }
  return clinicalFromJson(root, file);
}

Clinical clinicalFromJson(const Json& root, const std::string& file)
{
  if (!root.is_object())
    throw InputError(file, "must be a JSON object of clinical fields, not " + typeName(root));
  Clinical c;
  for (const auto& item : root.items())
  {
    if (item.key() == "comment")
    {
      if (!item.value().is_string() && !item.value().is_null())
        throw InputError(file, "comment: must be a string");
      continue;
    }
    const auto& keys = clinicalKeys();
    const auto key = std::find_if(
      keys.begin(), keys.end(), [&](const ClinicalKey& k) { return item.key() == k.key; });
    if (key == keys.end())
      throw InputError(file, item.key() + ": unknown field (see the README for clinical.json)");
    if (item.value().is_null())
      continue;
    key->read(item.value(), c, file, item.key());
  }
  try
  {
    validateClinical(c);
  }
  catch (const std::invalid_argument& e)
  {
    throw InputError(file, e.what());
  }
  return c;
}

Clinical loadClinicalFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot read the clinical file");
  std::ostringstream text;
  text << in.rdbuf();
  return parseClinicalJson(text.str(), path);
}

Json clinicalJson(const Clinical& clinical)
{
  Json j = Json::object();
  for (const ClinicalKey& k : clinicalKeys())
  {
    Json v = k.write(clinical);
    if (!v.is_null())
      j[k.key] = v;
  }
  return j;
}

} // namespace liver::model
