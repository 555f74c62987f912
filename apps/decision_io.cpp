#include "decision_io.h"

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/model/result.h>

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
      inputs += (inputs.empty() ? "" : ", ") + name + "=" + model::traceValueJson(v).dump();
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
