#pragma once
/// The resectability decision at the CLI boundary: clinical.json and clinical flags in, the
/// summary of a result.json (from `liverplan analyze`/`plan`) in, the decision out as JSON and as
/// a text table (schema in the README, "Clinical data and `liverplan decide`").

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

/// Parse clinical.json text: an object whose keys are the Clinical fields (README); null means
/// "not given". InputError naming `file` and the field for malformed JSON, an unknown key, a
/// wrong type, an unknown name or an absurd value (validateClinical).
Clinical parseClinicalJson(const std::string& text, const std::string& file);

/// Read and parse a clinical.json file; InputError naming the file when it cannot be read.
Clinical loadClinicalFile(const std::string& path);

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

/// The Clinical fields that are given, as clinical.json (parseClinicalJson reads it back).
nlohmann::json clinicalJson(const Clinical& clinical);

/// The imaging summary the decision reads from a result.json of `analyze` or `plan`:
/// volumetry.lesions (id, maxDiameterMm, segments), the lesions' vesselDistanceMm from
/// plans[].result.lesions, bilobar from the lesions' segments (only with volumetry.segmentsMl),
/// whether labels.sources has a "vessels" map, body (heightCm, weightKg, formulas),
/// liverCondition, and for each plans[]: name, result (r0, marginStatus, flrMl, flrPercent,
/// resectedMl, sflrPercent, flrBodyWeightPercent, threshold.percent/source, pass, contiguous,
/// segmentsLeft, lesion fates) and augmentation (median predicted sFLR of pve, alpps, twoStage;
/// verdict). InputError naming `file` and the field when a required field is missing or mistyped.
DecisionInputs decisionInputsFromResult(const nlohmann::json& result,
                                        const std::string& file = "result.json");

/// The decision as {"category", "categoryText", "strategies", "warnings", "trace", "sources",
/// "disclaimer"}.
nlohmann::json decisionJson(const Decision& decision);

/// decisionJson(decide(clinical, decisionInputsFromResult(result))): the "decision" object for
/// a result.json. InputError as decisionInputsFromResult; std::invalid_argument as decide.
nlohmann::json decideForResult(const Clinical& clinical, const nlohmann::json& result);

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
