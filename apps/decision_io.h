#pragma once
/// The resectability decision at the CLI boundary: clinical flags in, the decision out as a text
/// table (README, "Clinical data and `liverplan decide`"); clinical.json, result.json and the
/// decision's JSON are the model's (liver/model).

#include <liver/model/clinical_json.h>
#include <liver/planning/clinical.h>
#include <liver/planning/decision.h>

#include <nlohmann/json.hpp>

#include <map>
#include <ostream>
#include <string>

namespace CLI
{
class App;
}

namespace liver::cli
{

// clinical.json is read and written by the model (liver/model/clinical_json.h).
using model::clinicalJson;
using model::loadClinicalFile;
using model::parseClinicalJson;

/// Clinical values per study from a CSV keyed by StudyInstanceUID or PatientID.
struct ClinicalTable
{
  std::string keyColumn;                      ///< "StudyInstanceUID" or "PatientID"
  std::map<std::string, nlohmann::json> rows; ///< clinical.json of each key
};

/// Read a clinical CSV (`batch --clinical-csv`): a header row with a StudyInstanceUID or PatientID
/// key column, every other column a clinical.json field; each row checked like a clinical.json.
/// InputError naming the file, the line and the field.
ClinicalTable loadClinicalCsv(const std::string& path);

/// Print the decision as text: category, strategies, warnings, then the trace as a table.
void printDecision(const Decision& decision, std::ostream& out);

/// The common clinical fields as command-line flags. Text fields: "" = not given. heightCm,
/// weightKg and liverCondition are not registered by addClinicalOptions (`analyze` has --height,
/// --weight, --liver-condition already): the caller fills them ("" = not given).
struct ClinicalArgs
{
  std::string clinicalFile;
  std::string primary, sex, age, ecog, extrahepatic, extrahepaticR0, chemotherapy,
    chemotherapyWeeks, response;
  std::string mmr, ras, braf, sidedness, synchronous, nodePositive, cea, dfiMonths;
  std::string hormoneReceptor, her2, netGrade, sstr, symptomatic, progressive, hypervascular;
  std::string comorbidity, refuses, metastases;
  std::string heightCm, weightKg, liverCondition;
};

/// Add --clinical FILE and flags for the common fields (--primary, --sex, --age, --ecog,
/// --extrahepatic, --cea, ...; README) to a subcommand.
void addClinicalOptions(CLI::App& command, ClinicalArgs& args);

/// clinical.json first (when given), then the flags override. InputError naming the file and
/// field, or std::invalid_argument naming the flag, for bad values.
Clinical resolveClinical(const ClinicalArgs& args);

} // namespace liver::cli
