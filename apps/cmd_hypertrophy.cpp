/// `liverplan hypertrophy --before A --after B`: measured growth of the future remnant between two
/// analyses (result.json of `plan`/`analyze` on the study before and after PVE): DH, KGR and
/// Shindoh's verdict. With `--after-ct` the first analysis's plans are re-measured on the second
/// study. The measurement is liver::pipeline's (liver/pipeline/hypertrophy.h); this file has the
/// options, the printed tables and the exit codes.

#include "cli_common.h"

#include <liver/pipeline/hypertrophy.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

namespace liver::cli
{
namespace
{

struct Options
{
  std::string before, after, plan, json;
  double weeks = 0.0;
  std::string metric = "mattes";
  pipeline::RemeasureRequest remeasure;
};

/// "-" for an empty value, else its first `width` characters of std::to_string.
std::string shortNumber(const std::optional<double>& v, std::size_t width)
{
  return v ? std::to_string(*v).substr(0, width) : "-";
}

/// The line naming the KGR and DH cut-offs and whose they are.
void printCutOffs(const pipeline::GrowthCutOffs& c)
{
  std::printf("cut-offs   KGR >= %.1f %%/week (primary), DH >= %.1f points: %s\n",
              c.parameters.shindohMinKgrPercentPerWeek,
              c.parameters.shindohMinDhPoints,
              c.text.c_str());
}

void printRemeasured(const pipeline::RemeasureOutcome& outcome)
{
  std::printf("%-32s %9s %9s %8s %8s %7s %8s  %s\n",
              "plan",
              "FLR0 mL",
              "FLR1 mL",
              "sFLR0 %",
              "sFLR1 %",
              "DH pts",
              "KGR %/wk",
              "verdict (Shindoh)");
  for (const pipeline::RemeasuredPlan& p : outcome.plans)
  {
    const HypertrophyAssessment& h = p.assessment;
    const std::string& full = p.after.name;
    const std::string name = full.size() > 32 ? full.substr(0, 29) + "..." : full;
    std::printf("%-32s %9.1f %9.1f %8.1f %8.1f %7.1f %8.2f  %s\n",
                name.c_str(),
                p.before.flrMl,
                p.after.flrMl,
                *p.before.sflrPercent,
                *p.after.sflrPercent,
                h.degreeOfHypertrophyPoints,
                h.kineticGrowthRatePercentPerWeek,
                h.adequate ? "adequate" : "not adequate");
  }
  std::printf("weeks      %.1f (%s)\n", outcome.weeks, outcome.weeksFrom.c_str());
  printCutOffs(outcome.cutOffs);
  if (outcome.registration)
  {
    const RigidRegistration& r = outcome.registration->registration;
    const RigidTransform& t = r.fixedToMoving;
    std::printf("registration %s: metric %.4f, %u iterations, rotation %.2f deg, translation "
                "%.1f,%.1f,%.1f mm, liver Dice %s, centroid residual %s mm\n",
                r.metric.c_str(),
                r.metricValue,
                r.iterations,
                t.rotationAngleDeg(),
                t.translationMm[0],
                t.translationMm[1],
                t.translationMm[2],
                shortNumber(r.quality.liverDice, 5).c_str(),
                shortNumber(r.quality.centroidResidualMm, 4).c_str());
  }
  if (!outcome.plans.empty())
    for (const std::string& reason : outcome.plans.front().assessment.reasons)
      std::printf("  %s\n", reason.c_str());
  std::printf("%s\n", DecisionSupportDisclaimer);
}

ExitCode remeasure(Options& o)
{
  pipeline::RemeasureRequest& request = o.remeasure;
  request.beforeResult = o.before;
  request.planName = o.plan;
  if (o.metric == "mean-squares")
    request.registration.metric = RegistrationMetric::MeanSquares;
  pipeline::RemeasureOutcome outcome = pipeline::remeasurePlans(request, cliProgress());
  if (!request.afterOut.empty())
  {
    std::error_code ec;
    std::filesystem::create_directories(request.afterOut, ec);
    if (ec)
      throw OutputError(request.afterOut + ": cannot create the folder: " + ec.message());
    pipeline::writeAnalysis(outcome.analysisRequest, outcome.analysis, cliProgress());
  }
  printRemeasured(outcome);
  if (!o.json.empty())
    writeJson(o.json, pipeline::toJson(request, outcome));
  return ExitOk;
}

ExitCode compare(const Options& o, std::optional<double> weeks)
{
  const pipeline::HypertrophyComparison c = pipeline::compareAnalyses(
    model::readResult(o.before), o.before, model::readResult(o.after), o.after, o.plan, weeks);
  const HypertrophyAssessment& h = c.assessment;
  std::printf("FLR        %8.1f mL -> %8.1f mL\n", c.flrBeforeMl, c.flrAfterMl);
  std::printf("sFLR       %8.1f %%  -> %8.1f %%  over %.1f weeks (%s)\n",
              h.sflrBeforePercent,
              h.sflrAfterPercent,
              c.weeks,
              c.weeksFrom.c_str());
  std::printf("DH         %8.1f points, relative growth %.1f %%\n",
              h.degreeOfHypertrophyPoints,
              h.relativeGrowthPercent);
  std::printf("KGR        %8.2f %%/week\n", h.kineticGrowthRatePercentPerWeek);
  printCutOffs(c.cutOffs);
  for (const std::string& reason : h.reasons)
    std::printf("  %s\n", reason.c_str());
  std::printf(
    "verdict    %s (%s)\n", h.adequate ? "adequate hypertrophy" : "not adequate", h.source.c_str());
  std::printf("%s\n", DecisionSupportDisclaimer);
  if (!o.json.empty())
    writeJson(o.json, pipeline::toJson(c));
  return ExitOk;
}

} // namespace

void registerHypertrophy(CLI::App& app, int& exitCode)
{
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "hypertrophy",
    "Measured FLR growth between two analyses (before and after PVE): DH, KGR, Shindoh's verdict "
    "(by the cut-offs the first analysis recorded, else the defaults)");
  cmd->add_option("--before", options->before, "result.json of plan/analyze before")->required();
  CLI::Option* after =
    cmd->add_option("--after", options->after, "result.json of plan/analyze after");
  cmd->add_option("--plan", options->plan, "Plan name in both results (default: the first)");
  cmd->add_option(
    "--weeks", options->weeks, "Weeks between the studies (default: from their DICOM StudyDate)");
  cmd->add_option("--json", options->json, "Write the assessment as JSON");
  // Re-measurement on the second study instead of --after.
  pipeline::RemeasureRequest& m = options->remeasure;
  cmd
    ->add_option("--after-ct",
                 m.afterCt,
                 "Instead of --after: the second CT; the plans of --before are evaluated on it")
    ->excludes(after);
  cmd->add_option("--after-liver", m.afterImport.liverPath, "Liver of the second CT");
  cmd->add_option("--after-lesions",
                  m.afterImport.lesionsPath,
                  "Lesions of the second CT (default: segmented, as analyze does)");
  cmd->add_option(
    "--after-segments", m.afterImport.segmentsPath, "Couinaud map (1..8) of the second CT");
  cmd->add_option("--after-totalseg",
                  m.afterImport.totalsegPath,
                  "TotalSegmentator output of the second CT (liver, segments)");
  cmd->add_option("--after-format", m.afterFormat, "How --after-liver is read (as --format)")
    ->capture_default_str();
  cmd->add_option("--before-ct",
                  m.beforeCt,
                  "The first CT, for the registration (default: ct.load.source of --before)");
  cmd->add_option("--before-liver",
                  m.beforeLiver,
                  "The first liver, for the registration (default: files.liver beside --before)");
  cmd->add_option("--after-out",
                  m.afterOut,
                  "Also write the second study's analysis (result.json, labels, remnant maps)");
  cmd
    ->add_option(
      "--registration-metric", options->metric, "Rigid registration metric: mattes or mean-squares")
    ->check(CLI::IsMember({ "mattes", "mean-squares" }))
    ->capture_default_str();
  cmd->callback(
    [options, cmd, &exitCode]
    {
      if (options->after.empty() && options->remeasure.afterCt.empty())
        throw CLI::ValidationError("--after", "give --after RESULT or --after-ct CT");
      if (!options->after.empty())
        for (const char* name : { "--after-liver",
                                  "--after-lesions",
                                  "--after-segments",
                                  "--after-totalseg",
                                  "--before-ct",
                                  "--before-liver",
                                  "--after-out" })
          if (cmd->count(name) > 0)
            throw CLI::ValidationError(name, "needs --after-ct");
      const std::optional<double> weeks =
        cmd->count("--weeks") ? std::optional<double>(options->weeks) : std::nullopt;
      options->remeasure.weeks = weeks;
      exitCode = runGuarded(
        [&] {
          return options->remeasure.afterCt.empty() ? compare(*options, weeks)
                                                    : remeasure(*options);
        });
    });
}

} // namespace liver::cli
