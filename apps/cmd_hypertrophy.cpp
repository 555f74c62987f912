/// `liverplan hypertrophy --before A --after B`: measured growth of the future remnant between two
/// analyses (result.json of `plan`/`analyze` on the study before and after PVE): DH, KGR and
/// Shindoh's verdict (DESIGN.md section 3 FLR augmentation).

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/planning/augmentation.h>

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>

namespace liver::cli
{
namespace
{

nlohmann::json readResult(const std::string& path)
{
  std::ifstream in(path);
  if (!in)
    throw InputError(path, "cannot open");
  try
  {
    return nlohmann::json::parse(in);
  }
  catch (const nlohmann::json::exception& e)
  {
    throw InputError(path, std::string("not JSON: ") + e.what());
  }
}

/// The plan named `name` (or the first) of a plan/analyze result, with its sFLR.
const nlohmann::json& planResult(const nlohmann::json& j,
                                 const std::string& name,
                                 const std::string& path)
{
  if (!j.contains("plans") || !j["plans"].is_array() || j["plans"].empty())
    throw InputError(path, "field 'plans' missing or empty: give a result.json of plan/analyze");
  for (const auto& plan : j["plans"])
    if (name.empty() || plan.value("name", "") == name)
    {
      const auto& result = plan.at("result");
      if (!result.contains("sflrPercent") || !result["sflrPercent"].is_number())
        throw InputError(path,
                         "plan '" + plan.value("name", "") +
                           "' has no sFLR: run plan/analyze with --height and --weight");
      return result;
    }
  throw InputError(path, "no plan named '" + name + "'");
}

/// Days since the epoch of a DICOM date YYYYMMDD; empty when absent or malformed.
std::optional<double> dicomDays(const nlohmann::json& j)
{
  const std::string date = j.value("/ct/study/studyDate"_json_pointer, std::string());
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  std::tm t{};
  t.tm_year = std::stoi(date.substr(0, 4)) - 1900;
  t.tm_mon = std::stoi(date.substr(4, 2)) - 1;
  t.tm_mday = std::stoi(date.substr(6, 2));
  t.tm_hour = 12;
  return static_cast<double>(timegm(&t)) / 86400.0;
}

} // namespace

void registerHypertrophy(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string before, after, plan, json;
    double weeks = 0.0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "hypertrophy",
    "Measured FLR growth between two analyses (before and after PVE): DH, KGR, Shindoh's verdict");
  cmd->add_option("--before", options->before, "result.json of plan/analyze before")->required();
  cmd->add_option("--after", options->after, "result.json of plan/analyze after")->required();
  cmd->add_option("--plan", options->plan, "Plan name in both results (default: the first)");
  cmd->add_option(
    "--weeks", options->weeks, "Weeks between the studies (default: from their DICOM StudyDate)");
  cmd->add_option("--json", options->json, "Write the assessment as JSON");
  cmd->callback(
    [options, cmd, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const nlohmann::json before = readResult(options->before);
          const nlohmann::json after = readResult(options->after);
          const nlohmann::json& a = planResult(before, options->plan, options->before);
          const nlohmann::json& b = planResult(after, options->plan, options->after);
          double weeks = options->weeks;
          std::string weeksSource = "--weeks";
          if (cmd->count("--weeks") == 0)
          {
            const auto d0 = dicomDays(before), d1 = dicomDays(after);
            if (!d0 || !d1)
              throw InputError(!d0 ? options->before : options->after,
                               "no StudyDate (ct.study.studyDate): give --weeks");
            weeks = (*d1 - *d0) / 7.0;
            weeksSource = "StudyDate";
          }
          const HypertrophyAssessment h = assessHypertrophy(
            a["sflrPercent"].get<double>(), b["sflrPercent"].get<double>(), weeks);
          const double flrBefore = a.value("flrMl", 0.0), flrAfter = b.value("flrMl", 0.0);

          nlohmann::json j = jsonHeader("hypertrophy");
          j["disclaimer"] = DecisionSupportDisclaimer;
          j["before"] = { { "file", options->before },
                          { "flrMl", flrBefore },
                          { "sflrPercent", h.sflrBeforePercent } };
          j["after"] = { { "file", options->after },
                         { "flrMl", flrAfter },
                         { "sflrPercent", h.sflrAfterPercent } };
          j["weeks"] = weeks;
          j["weeksFrom"] = weeksSource;
          j["degreeOfHypertrophyPoints"] = h.degreeOfHypertrophyPoints;
          j["relativeGrowthPercent"] = h.relativeGrowthPercent;
          j["kineticGrowthRatePercentPerWeek"] = h.kineticGrowthRatePercentPerWeek;
          j["adequate"] = h.adequate;
          j["reasons"] = h.reasons;
          j["source"] = h.source;

          std::printf("FLR        %8.1f mL -> %8.1f mL\n", flrBefore, flrAfter);
          std::printf("sFLR       %8.1f %%  -> %8.1f %%  over %.1f weeks (%s)\n",
                      h.sflrBeforePercent,
                      h.sflrAfterPercent,
                      weeks,
                      weeksSource.c_str());
          std::printf("DH         %8.1f points, relative growth %.1f %%\n",
                      h.degreeOfHypertrophyPoints,
                      h.relativeGrowthPercent);
          std::printf("KGR        %8.2f %%/week\n", h.kineticGrowthRatePercentPerWeek);
          for (const std::string& reason : h.reasons)
            std::printf("  %s\n", reason.c_str());
          std::printf("verdict    %s (%s)\n",
                      h.adequate ? "adequate hypertrophy" : "not adequate",
                      h.source.c_str());
          std::printf("%s\n", DecisionSupportDisclaimer);
          if (!options->json.empty())
            writeJson(options->json, j);
          return ExitOk;
        });
    });
}

} // namespace liver::cli
