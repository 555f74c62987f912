#include "decision_io.h"

#include "cli_common.h"

#include <liver/imaging/errors.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace liver::cli
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

// ---- result.json --------------------------------------------------------------------------------

/// Reads fields of result.json with errors naming the file and the JSON path.
class ResultReader
{
public:
  explicit ResultReader(std::string file)
    : m_file(std::move(file))
  {
  }
  const Json& at(const Json& j, const std::string& key, const std::string& path) const
  {
    if (!j.is_object() || !j.contains(key))
      throw InputError(m_file, path + key + ": missing (not a result.json of analyze/plan?)");
    return j.at(key);
  }
  double number(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_number())
      throw InputError(m_file, path + key + ": must be a number, not " + typeName(v));
    return v.get<double>();
  }
  std::optional<double> optionalNumber(const Json& j,
                                       const std::string& key,
                                       const std::string& path) const
  {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null())
      return std::nullopt;
    return number(j, key, path);
  }
  bool boolean(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_boolean())
      throw InputError(m_file, path + key + ": must be true or false, not " + typeName(v));
    return v.get<bool>();
  }
  std::string text(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_string())
      throw InputError(m_file, path + key + ": must be a string, not " + typeName(v));
    return v.get<std::string>();
  }
  const Json& array(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_array())
      throw InputError(m_file, path + key + ": must be an array, not " + typeName(v));
    return v;
  }
  std::vector<int> ints(const Json& j, const std::string& key, const std::string& path) const
  {
    std::vector<int> values;
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null())
      return values;
    for (const Json& v : array(j, key, path))
    {
      if (!v.is_number_integer())
        throw InputError(m_file, path + key + ": must hold integers");
      values.push_back(v.get<int>());
    }
    return values;
  }
  const std::string& file() const { return m_file; }

private:
  std::string m_file;
};

std::optional<double> medianPrediction(const ResultReader& r,
                                       const Json& augmentation,
                                       const std::string& key,
                                       const std::string& path)
{
  if (!augmentation.is_object() || !augmentation.contains(key))
    return std::nullopt;
  const Json& prediction = augmentation.at(key);
  for (const Json& s : r.array(prediction, "scenarios", path + key + "."))
    if (s.is_object() && s.value("scenario", "") == "median")
      return r.number(s, "predictedSflrPercent", path + key + ".scenarios[median].");
  return std::nullopt;
}

Json traceValueJson(const TraceValue& v)
{
  return std::visit(
    [](const auto& x) -> Json
    {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, std::monostate>)
        return nullptr;
      else
        return x;
    },
    v);
}

// ---- flags --------------------------------------------------------------------------------------

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

std::string joinNames(const std::vector<std::string>& names)
{
  std::string s;
  for (const std::string& n : names)
    s += (s.empty() ? "" : ", ") + n;
  return s;
}

} // namespace

Clinical parseClinicalJson(const std::string& text, const std::string& file)
{
  Json root;
  try
  {
    root = Json::parse(text);
  }
  catch (const Json::parse_error& e)
  {
    std::string what = e.what();
    const auto colon = what.find("]: ");
    throw InputError(
      file, "malformed JSON: " + (colon == std::string::npos ? what : what.substr(colon + 3)));
  }
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

DecisionInputs decisionInputsFromResult(const Json& result, const std::string& file)
{
  const ResultReader r(file);
  if (!result.is_object())
    throw InputError(file, "must be a JSON object (a result.json of analyze/plan)");
  DecisionInputs in;
  const Json& volumetry = r.at(result, "volumetry", "");
  const bool hasSegments = volumetry.contains("segmentsMl") && !volumetry["segmentsMl"].is_null();
  const Json& lesions = r.array(volumetry, "lesions", "volumetry.");
  bool right = false;
  bool left = false;
  for (std::size_t k = 0; k < lesions.size(); ++k)
  {
    const std::string path = "volumetry.lesions[" + std::to_string(k) + "].";
    LesionSummary l;
    l.id = static_cast<int>(r.number(lesions[k], "id", path));
    l.maxDiameterMm = r.optionalNumber(lesions[k], "maxDiameterMm", path);
    l.volumeMl = r.optionalNumber(lesions[k], "volumeMl", path);
    l.segments = r.ints(lesions[k], "segments", path);
    for (int s : l.segments)
    {
      right = right || (s >= 5 && s <= 8);
      left = left || (s >= 2 && s <= 4);
    }
    in.lesions.push_back(l);
  }
  if (hasSegments)
    in.bilobar = right && left;
  if (result.contains("labels") && result["labels"].is_object() &&
      result["labels"].contains("sources") && result["labels"]["sources"].is_array())
    for (const Json& s : result["labels"]["sources"])
      if (s.is_object() && s.value("role", "") == "vessels")
        in.vesselsKnown = true;
  if (result.contains("body") && result["body"].is_object())
  {
    const Json& body = result["body"];
    in.bodyHeightCm = r.optionalNumber(body, "heightCm", "body.");
    in.bodyWeightKg = r.optionalNumber(body, "weightKg", "body.");
    try
    {
      if (body.contains("bsaFormula") && body["bsaFormula"].is_string())
        in.bsaFormula = parseBsaFormula(body["bsaFormula"].get<std::string>());
      if (body.contains("slvFormula") && body["slvFormula"].is_string())
        in.slvFormula = parseSlvFormula(body["slvFormula"].get<std::string>());
    }
    catch (const std::invalid_argument& e)
    {
      throw InputError(file, std::string("body: ") + e.what());
    }
  }
  if (result.contains("liverCondition") && result["liverCondition"].is_string())
  {
    try
    {
      const LiverCondition condition =
        parseLiverCondition(result["liverCondition"].get<std::string>());
      if (condition != LiverCondition::Unknown)
        in.liverCondition = condition;
    }
    catch (const std::invalid_argument& e)
    {
      throw InputError(file, std::string("liverCondition: ") + e.what());
    }
  }
  if (result.contains("augmentationParameters"))
  {
    const Json& given = result["augmentationParameters"];
    for (const auto& [name, field] : augmentationParameterFields())
      if (const auto v = r.optionalNumber(given, name, "augmentationParameters."))
        in.augmentation.*field = *v;
    try
    {
      validateAugmentationParameters(in.augmentation);
    }
    catch (const std::invalid_argument& e)
    {
      throw InputError(file, std::string("augmentationParameters: ") + e.what());
    }
  }
  const Json& plans = result.contains("plans") ? r.array(result, "plans", "") : Json::array();
  std::map<int, double> vesselMm;
  for (std::size_t k = 0; k < plans.size(); ++k)
  {
    const std::string path = "plans[" + std::to_string(k) + "].";
    const Json& p = plans[k];
    const Json& res = r.at(p, "result", path);
    const std::string rp = path + "result.";
    PlanSummary s;
    s.name = r.text(p, "name", path);
    s.r0 = r.boolean(res, "r0", rp);
    s.marginStatus = r.text(res, "marginStatus", rp);
    s.flrMl = r.number(res, "flrMl", rp);
    s.flrPercent = r.number(res, "flrPercent", rp);
    s.resectedMl = r.number(res, "resectedMl", rp);
    s.sflrPercent = r.optionalNumber(res, "sflrPercent", rp);
    s.flrBodyWeightPercent = r.optionalNumber(res, "flrBodyWeightPercent", rp);
    const Json& threshold = r.at(res, "threshold", rp);
    s.thresholdPercent = r.number(threshold, "percent", rp + "threshold.");
    s.thresholdSource = r.text(threshold, "source", rp + "threshold.");
    s.pass = r.boolean(res, "pass", rp);
    if (res.contains("contiguous") && !res["contiguous"].is_null())
      s.contiguous = r.boolean(res, "contiguous", rp);
    s.segmentsLeft = r.ints(res, "segmentsLeft", rp);
    const Json& outcomes = r.array(res, "lesions", rp);
    for (std::size_t m = 0; m < outcomes.size(); ++m)
    {
      const std::string lp = rp + "lesions[" + std::to_string(m) + "].";
      const int id = static_cast<int>(r.number(outcomes[m], "id", lp));
      const std::string fate = r.text(outcomes[m], "fate", lp);
      if (fate == "ablated")
        s.ablatedLesionIds.push_back(id);
      else if (fate == "left")
        s.leftLesionIds.push_back(id);
      else if (fate != "resected")
        throw InputError(file, lp + "fate: unknown fate '" + fate + "'");
      if (const auto mm = r.optionalNumber(outcomes[m], "vesselDistanceMm", lp))
        vesselMm[id] = vesselMm.count(id) ? std::min(vesselMm[id], *mm) : *mm;
    }
    if (p.contains("augmentation") && p["augmentation"].is_object())
    {
      const Json& a = p["augmentation"];
      const std::string ap = path + "augmentation.";
      s.pveMedianSflrPercent = medianPrediction(r, a, "pve", ap);
      s.alppsMedianSflrPercent = medianPrediction(r, a, "alpps", ap);
      s.twoStageMedianSflrPercent = medianPrediction(r, a, "twoStage", ap);
      if (a.contains("verdict") && a["verdict"].is_string())
        s.augmentationVerdict = a["verdict"].get<std::string>();
    }
    in.plans.push_back(s);
  }
  for (LesionSummary& l : in.lesions)
    if (vesselMm.count(l.id))
      l.vesselDistanceMm = vesselMm[l.id];
  return in;
}

Json decisionJson(const Decision& d)
{
  Json strategies = Json::array();
  for (const Strategy& s : d.strategies)
    strategies.push_back({ { "id", s.id }, { "text", s.text } });
  Json warnings = Json::array();
  for (const DecisionWarning& w : d.warnings)
    warnings.push_back({ { "ruleId", w.ruleId }, { "text", w.text } });
  Json trace = Json::array();
  for (const TraceEntry& e : d.trace)
  {
    Json inputs = Json::object();
    for (const auto& [name, v] : e.inputs)
      inputs[name] = traceValueJson(v);
    trace.push_back({ { "ruleId", e.ruleId },
                      { "inputs", inputs },
                      { "conclusion", e.conclusion },
                      { "source", e.source } });
  }
  return { { "category", d.category },
           { "categoryText", d.categoryText },
           { "strategies", strategies },
           { "warnings", warnings },
           { "trace", trace },
           { "sources", d.sources },
           { "disclaimer", DecisionSupportDisclaimer } };
}

Json decideForResult(const Clinical& clinical, const Json& result)
{
  return decisionJson(decide(clinical, decisionInputsFromResult(result)));
}

void printDecision(const Decision& d, std::ostream& out)
{
  out << "Decision: " << d.categoryText << " [" << d.category << "]\n";
  out << "\nStrategies (in order):\n";
  if (d.strategies.empty())
    out << "  -\n";
  for (std::size_t k = 0; k < d.strategies.size(); ++k)
    out << "  " << k + 1 << ". " << d.strategies[k].text << " [" << d.strategies[k].id << "]\n";
  out << "\nWarnings:\n";
  for (const DecisionWarning& w : d.warnings)
    out << "  ! " << w.text << " [" << w.ruleId << "]\n";
  out << "\nTrace:\n";
  char line[64];
  std::snprintf(line, sizeof line, "  %-30s %-16s %s\n", "rule", "status", "conclusion");
  out << line;
  for (const TraceEntry& e : d.trace)
  {
    std::snprintf(
      line, sizeof line, "  %-30s %-16s ", e.ruleId.c_str(), toString(e.status).c_str());
    out << line << e.conclusion << "\n";
    std::string inputs;
    for (const auto& [name, v] : e.inputs)
      inputs += (inputs.empty() ? "" : ", ") + name + "=" + traceValueJson(v).dump();
    out << "  " << std::string(47, ' ') << "inputs: " << (inputs.empty() ? "-" : inputs)
        << "; source: " << e.source << "\n";
  }
  out << "\nSources: ";
  for (std::size_t k = 0; k < d.sources.size(); ++k)
    out << (k ? "; " : "") << d.sources[k];
  out << "\n" << DecisionSupportDisclaimer << "\n";
}

void addClinicalOptions(CLI::App& command, ClinicalArgs& a)
{
  command.add_option("--clinical", a.clinicalFile, "clinical.json (README); flags override it");
  command.add_option("--primary", a.primary, "Primary tumour: " + joinNames(primaryTumourNames()));
  command.add_option("--sex", a.sex, "Sex: " + joinNames(sexNames()));
  command.add_option("--age", a.age, "Age in years");
  command.add_option("--ecog", a.ecog, "ECOG performance status 0-4");
  command.add_option("--extrahepatic",
                     a.extrahepatic,
                     "Extrahepatic disease: " + joinNames(extrahepaticDiseaseNames()));
  command.add_option("--extrahepatic-r0",
                     a.extrahepaticR0,
                     "yes/no: R0 resection of every extrahepatic site is achievable");
  command.add_option("--chemotherapy",
                     a.chemotherapy,
                     "Chemotherapy status: " + joinNames(chemotherapyStatusNames()));
  command.add_option("--chemotherapy-weeks",
                     a.chemotherapyWeeks,
                     "Weeks of chemotherapy given (unknown counts as > 12 for the threshold)");
  command.add_option("--response",
                     a.response,
                     "Response to chemotherapy: " + joinNames(chemotherapyResponseNames()));
  command.add_option("--mmr", a.mmr, "proficient (pMMR/MSS) or deficient (dMMR/MSI-H)");
  command.add_option("--ras", a.ras, "RAS: wild-type or mutated");
  command.add_option("--braf", a.braf, "BRAF: wild-type or mutated");
  command.add_option(
    "--sidedness", a.sidedness, "Colorectal primary side: left (incl. rectum) or right");
  command.add_option(
    "--synchronous", a.synchronous, "yes/no: liver metastases found with the primary");
  command.add_option("--node-positive", a.nodePositive, "yes/no: node-positive primary");
  command.add_option("--cea", a.cea, "CEA in ng/mL");
  command.add_option("--dfi-months", a.dfiMonths, "Disease-free interval in months");
  command.add_option("--hr", a.hormoneReceptor, "Breast hormone receptor: positive or negative");
  command.add_option("--her2", a.her2, "Breast HER2: positive or negative");
  command.add_option("--net-grade", a.netGrade, "Neuroendocrine WHO grade 1-3");
  command.add_option("--sstr", a.sstr, "Somatostatin receptor imaging: positive or negative");
  command.add_option("--symptomatic", a.symptomatic, "yes/no: hormonal symptoms (neuroendocrine)");
  command.add_option("--progressive", a.progressive, "yes/no: progressive liver disease");
  command.add_option("--hypervascular", a.hypervascular, "yes/no: vascular liver metastases");
  command.add_option(
    "--comorbidity-prevents-surgery", a.comorbidity, "yes/no: comorbidity prevents surgery");
  command.add_option("--refuses-surgery", a.refuses, "yes/no: the patient refuses surgery");
  command.add_option("--metastases", a.metastases, "Number of liver metastases known clinically");
}

Clinical resolveClinical(const ClinicalArgs& a)
{
  Clinical c = a.clinicalFile.empty() ? Clinical{} : loadClinicalFile(a.clinicalFile);
  const auto set = [](const std::string& text, const auto& apply)
  {
    if (!text.empty())
      apply(text);
  };
  set(a.heightCm, [&](const std::string& t) { c.heightCm = flagNumber(t, "--height"); });
  set(a.weightKg, [&](const std::string& t) { c.weightKg = flagNumber(t, "--weight"); });
  set(a.liverCondition,
      [&](const std::string& t)
      {
        const LiverCondition v = flagEnum(t, "--liver-condition", &parseLiverCondition);
        c.liverCondition =
          v == LiverCondition::Unknown ? std::nullopt : std::optional<LiverCondition>(v);
      });
  set(a.primary,
      [&](const std::string& t)
      { c.primaryTumour = flagEnum(t, "--primary", &parsePrimaryTumour); });
  set(a.sex, [&](const std::string& t) { c.sex = flagEnum(t, "--sex", &parseSex); });
  set(a.age, [&](const std::string& t) { c.ageYears = flagNumber(t, "--age"); });
  set(a.ecog, [&](const std::string& t) { c.ecog = flagInteger(t, "--ecog"); });
  set(a.extrahepatic,
      [&](const std::string& t)
      { c.extrahepaticDisease = flagEnum(t, "--extrahepatic", &parseExtrahepaticDisease); });
  set(a.extrahepaticR0,
      [&](const std::string& t) { c.extrahepaticR0Achievable = flagBool(t, "--extrahepatic-r0"); });
  set(a.chemotherapy,
      [&](const std::string& t)
      { c.chemotherapyStatus = flagEnum(t, "--chemotherapy", &parseChemotherapyStatus); });
  set(a.chemotherapyWeeks,
      [&](const std::string& t) { c.chemotherapyWeeks = flagNumber(t, "--chemotherapy-weeks"); });
  set(a.response,
      [&](const std::string& t)
      { c.chemotherapyResponse = flagEnum(t, "--response", &parseChemotherapyResponse); });
  set(a.mmr, [&](const std::string& t) { c.mmr = flagEnum(t, "--mmr", &parseMmrStatus); });
  set(a.ras, [&](const std::string& t) { c.ras = flagEnum(t, "--ras", &parseMutationStatus); });
  set(a.braf, [&](const std::string& t) { c.braf = flagEnum(t, "--braf", &parseMutationStatus); });
  set(a.sidedness,
      [&](const std::string& t) { c.sidedness = flagEnum(t, "--sidedness", &parseSidedness); });
  set(a.synchronous, [&](const std::string& t) { c.synchronous = flagBool(t, "--synchronous"); });
  set(a.nodePositive,
      [&](const std::string& t) { c.nodePositivePrimary = flagBool(t, "--node-positive"); });
  set(a.cea, [&](const std::string& t) { c.ceaNgMl = flagNumber(t, "--cea"); });
  set(a.dfiMonths,
      [&](const std::string& t) { c.diseaseFreeIntervalMonths = flagNumber(t, "--dfi-months"); });
  set(a.hormoneReceptor,
      [&](const std::string& t) { c.hormoneReceptor = flagEnum(t, "--hr", &parseReceptorStatus); });
  set(a.her2, [&](const std::string& t) { c.her2 = flagEnum(t, "--her2", &parseReceptorStatus); });
  set(a.netGrade, [&](const std::string& t) { c.netGrade = flagInteger(t, "--net-grade"); });
  set(a.sstr, [&](const std::string& t) { c.sstr = flagEnum(t, "--sstr", &parseReceptorStatus); });
  set(a.symptomatic, [&](const std::string& t) { c.symptomatic = flagBool(t, "--symptomatic"); });
  set(a.progressive, [&](const std::string& t) { c.progressive = flagBool(t, "--progressive"); });
  set(a.hypervascular,
      [&](const std::string& t) { c.hypervascular = flagBool(t, "--hypervascular"); });
  set(a.comorbidity,
      [&](const std::string& t)
      { c.comorbidityPreventsSurgery = flagBool(t, "--comorbidity-prevents-surgery"); });
  set(a.refuses,
      [&](const std::string& t) { c.patientRefusesSurgery = flagBool(t, "--refuses-surgery"); });
  set(a.metastases,
      [&](const std::string& t) { c.numberOfMetastases = flagInteger(t, "--metastases"); });
  try
  {
    validateClinical(c);
  }
  catch (const std::invalid_argument& e)
  {
    // The file alone passed validation in loadClinicalFile: the value came from a flag.
    throw std::invalid_argument(std::string("clinical flags: ") + e.what());
  }
  return c;
}

namespace
{

std::vector<std::string> splitCsvLine(const std::string& line)
{
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i)
  {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      cells.back() += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      cells.emplace_back();
    else if (c != '\r')
      cells.back() += c;
  }
  return cells;
}

} // namespace

ClinicalTable loadClinicalCsv(const std::string& path)
{
  std::ifstream in(path);
  if (!in)
    throw InputError(path, "cannot open the clinical CSV");
  std::string line;
  if (!std::getline(in, line))
    throw InputError(path, "empty clinical CSV (needs a header row)");
  const std::vector<std::string> header = splitCsvLine(line);
  ClinicalTable table;
  std::size_t key = header.size();
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == "StudyInstanceUID" || header[c] == "PatientID")
    {
      key = c;
      table.keyColumn = header[c];
      break;
    }
  if (key == header.size())
    throw InputError(path, "header: needs a StudyInstanceUID or PatientID column");
  std::size_t lineNumber = 1;
  while (std::getline(in, line))
  {
    ++lineNumber;
    if (line.empty() || line == "\r")
      continue;
    const std::vector<std::string> cells = splitCsvLine(line);
    if (cells.size() != header.size())
      throw InputError(path,
                       "line " + std::to_string(lineNumber) + ": " + std::to_string(cells.size()) +
                         " cells, the header has " + std::to_string(header.size()));
    auto& row = table.rows[cells[key]];
    if (!row.empty())
      throw InputError(path,
                       "line " + std::to_string(lineNumber) + ": " + table.keyColumn + " '" +
                         cells[key] + "' appears twice");
    // The row as clinical.json (numbers, true/false/yes/no, text), checked like clinical.json.
    nlohmann::json clinical = nlohmann::json::object();
    for (std::size_t c = 0; c < header.size(); ++c)
    {
      if (c == key || cells[c].empty())
        continue;
      const std::string& cell = cells[c];
      char* end = nullptr;
      const double number = std::strtod(cell.c_str(), &end);
      if (end && *end == '\0')
        clinical[header[c]] = number;
      else if (cell == "true" || cell == "yes")
        clinical[header[c]] = true;
      else if (cell == "false" || cell == "no")
        clinical[header[c]] = false;
      else
        clinical[header[c]] = cell;
    }
    std::string text;
    try
    {
      text = clinical.dump();
    }
    catch (const nlohmann::json::type_error&) // found by fuzzing: it escaped as exit code 3
    {
      throw InputError(path, "line " + std::to_string(lineNumber) + ": not valid UTF-8 text");
    }
    parseClinicalJson(text, path + " line " + std::to_string(lineNumber));
    row = clinical;
  }
  return table;
}

} // namespace liver::cli
