/// `liverplan decide --clinical clinical.json --result result.json [--json out.json]`: apply the
/// resectability rules (DESIGN.md §3 Decision rules) to a patient and an analyze/plan result.

#include "cli_common.h"
#include "decision_io.h"

#include <liver/imaging/errors.h>
#include <liver/model/result.h>

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace liver::cli
{

void registerDecide(CLI::App& app, int& exitCode)
{
  struct Options
  {
    ClinicalArgs clinical;
    std::string result;
    std::string json;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "decide",
    "Resectability decision support: apply the guideline's rules to clinical data and a "
    "result.json of analyze/plan (category, strategies, warnings, sourced trace)");
  cmd->add_option("--result", options->result, "result.json written by analyze or plan")
    ->required();
  cmd->add_option("--json", options->json, "Write the decision as JSON to this file");
  addClinicalOptions(*cmd, options->clinical);
  cmd->add_option(
    "--height", options->clinical.flags["--height"], "Patient height in cm (overrides)");
  cmd->add_option(
    "--weight", options->clinical.flags["--weight"], "Patient weight in kg (overrides)");
  cmd->add_option("--liver-condition",
                  options->clinical.flags["--liver-condition"],
                  "normal, chemotherapy, steatosis, cirrhosis or unknown (sets the sFLR "
                  "threshold)");
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const Options& o = *options;
          const Clinical clinical = resolveClinical(o.clinical);
          const model::AnalysisResult result = model::readResult(o.result);
          const Decision decision = decide(clinical, model::decisionInputs(result));
          if (!o.json.empty())
          {
            nlohmann::json j = jsonHeader("decision");
            j["disclaimer"] = DecisionSupportDisclaimer;
            j["inputs"] = { { "result", o.result },
                            { "clinicalFile",
                              o.clinical.clinicalFile.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(o.clinical.clinicalFile) } };
            j["clinical"] = clinicalJson(clinical);
            j["decision"] = model::toJson(decision);
            writeJson(o.json, j);
          }
          printDecision(decision, std::cout);
          if (!o.json.empty())
            logInfo("wrote " + o.json);
          return static_cast<int>(ExitOk);
        });
    });
}

} // namespace liver::cli
