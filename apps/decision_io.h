#pragma once
/// The resectability decision at the CLI boundary: the clinical flags declared on a subcommand, and
/// the decision printed as a text table (README, "Clinical data and `liverplan decide`").
/// clinical.json, the flags' values and the clinical CSV are read by the model
/// (liver/model/clinical_json.h, clinical_flags.h, clinical_csv.h).

#include <liver/model/clinical_flags.h>
#include <liver/model/clinical_json.h>
#include <liver/planning/clinical.h>
#include <liver/planning/decision.h>

#include <ostream>
#include <string>

namespace CLI
{
class App;
}

namespace liver::cli
{

using model::clinicalJson;

/// Print the decision as text: category, strategies, warnings, then the trace as a table.
void printDecision(const Decision& decision, std::ostream& out);

/// --clinical FILE and the clinical flags' texts as typed. --height, --weight and
/// --liver-condition are not declared by addClinicalOptions (`analyze` has them already as body
/// options): the caller declares them into `flags` or fills them ("" = not given).
struct ClinicalArgs
{
  std::string clinicalFile;
  model::ClinicalFlagValues flags;
};

/// Add --clinical FILE and a flag for each clinical field with a help text (--primary, --sex,
/// --age, --ecog, --extrahepatic, --cea, ...; model::clinicalFlags()) to a subcommand.
void addClinicalOptions(CLI::App& command, ClinicalArgs& args);

/// clinical.json first (when given), then the flags over it (model::resolveClinical).
Clinical resolveClinical(const ClinicalArgs& args);

} // namespace liver::cli
