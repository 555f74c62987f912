/// `liverplan hypertrophy --before A --after B`: measured growth of the future remnant between two
/// analyses (result.json of `plan`/`analyze` on the study before and after PVE): DH, KGR and
/// Shindoh's verdict (DESIGN.md section 3 FLR augmentation). With `--after-ct` the remnant is
/// re-measured on the second study: A's plans are evaluated there by the `analyze` pipeline,
/// anatomical plans with the second study's own segments, plane plans with their planes mapped by
/// a rigid registration of the second CT onto the first (issue 5).

#include "analysis.h"
#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/registration.h>
#include <liver/planning/augmentation.h>
#include <liver/volumetry/liver_function.h>

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace liver::cli
{
namespace
{

/// The plan named `name` (or the first) of a plan/analyze result, with its sFLR.
const model::PlanRecord& planResult(const model::AnalysisResult& j,
                                    const std::string& name,
                                    const std::string& path)
{
  if (j.plans.empty())
    throw InputError(path, "field 'plans' missing or empty: give a result.json of plan/analyze");
  for (const model::PlanRecord& plan : j.plans)
    if (name.empty() || plan.result.name == name)
    {
      if (!plan.result.sflrPercent)
        throw InputError(path,
                         "plan '" + plan.result.name +
                           "' has no sFLR: run plan/analyze with --height and --weight");
      return plan;
    }
  throw InputError(path, "no plan named '" + name + "'");
}

/// Days since the epoch of a DICOM date YYYYMMDD; empty when absent or malformed.
std::optional<double> dicomDays(const model::AnalysisResult& j)
{
  const std::string& date = j.ct.study.studyDate;
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  std::tm t{};
  t.tm_year = std::stoi(date.substr(0, 4)) - 1900;
  t.tm_mon = std::stoi(date.substr(4, 2)) - 1;
  t.tm_mday = std::stoi(date.substr(6, 2));
  t.tm_hour = 12;
  return static_cast<double>(timegm(&t)) / 86400.0;
}

/// Weeks between the StudyDates of two results; InputError naming the file that has none.
double weeksBetween(const model::AnalysisResult& before,
                    const std::string& beforePath,
                    const model::AnalysisResult& after,
                    const std::string& afterPath)
{
  const auto d0 = dicomDays(before), d1 = dicomDays(after);
  if (!d0 || !d1)
    throw InputError(!d0 ? beforePath : afterPath,
                     "no StudyDate (ct.study.studyDate): give --weeks");
  if (*d1 <= *d0)
    throw InputError(afterPath,
                     "StudyDate is not after the first study's (" + before.ct.study.studyDate +
                       "): give --weeks");
  return (*d1 - *d0) / 7.0;
}

/// Options of the re-measurement on the second study.
struct RemeasureArgs
{
  std::string afterCt;
  LabelImportOptions afterImport;
  std::string afterFormat = "auto";
  std::string beforeCt;
  std::string beforeLiver;
  std::string afterOut;
  std::string metric = "mattes";
};

/// `file` as given when it exists, else beside `jsonPath` (result.json's own folder); "" if
/// neither exists.
std::string besideResult(const std::string& file, const std::string& jsonPath)
{
  namespace fs = std::filesystem;
  std::error_code ec;
  if (file.empty())
    return "";
  if (fs::exists(file, ec))
    return file;
  const fs::path beside = fs::path(jsonPath).parent_path() / file;
  return fs::exists(beside, ec) ? beside.string() : "";
}

/// One plan of the first analysis: the plan (planes with their exact numbers from "planes") and
/// its result there.
struct BeforePlan
{
  ResectionPlan plan;
  PlanResult result;
};

std::vector<BeforePlan> beforePlans(const model::AnalysisResult& j,
                                    const std::string& path,
                                    const std::string& only)
{
  planResult(j, only, path); // checks 'plans' and the sFLR of the chosen plan
  std::vector<BeforePlan> plans;
  for (std::size_t k = 0; k < j.plans.size(); ++k)
  {
    const model::PlanRecord& p = j.plans[k];
    const std::string& name = p.result.name;
    if (!only.empty() && name != only)
      continue;
    if (p.spec.empty())
      throw InputError(
        path, "plans[" + std::to_string(k) + "].spec missing: give a result.json of plan/analyze");
    BeforePlan b{ p.plan, p.result };
    b.plan.name = name;
    if (!b.result.sflrPercent)
      throw InputError(path,
                       "plan '" + name +
                         "' has no sFLR: run plan/analyze with --height and "
                         "--weight");
    plans.push_back(std::move(b));
  }
  return plans;
}

/// Height, weight, formulas, liver condition and a user threshold as the first analysis had them.
PlanOptions planOptionsOf(const model::AnalysisResult& j,
                          const std::string& path,
                          const std::vector<BeforePlan>& plans)
{
  if (!j.body || !j.body->heightCm || !j.body->weightKg)
    throw InputError(path, "body: no height and weight (run analyze with --height and --weight)");
  PlanOptions o;
  o.heightCm = j.body->heightCm;
  o.weightKg = j.body->weightKg;
  o.bsaFormula = j.body->bsaFormula.value_or(BsaFormula::Mosteller);
  o.slvFormula = j.body->slvFormula.value_or(SlvFormula::Vauthey);
  o.condition = j.liverCondition;
  for (const BeforePlan& p : plans)
    if (p.result.thresholdSource == "user")
      o.thresholdPercent = p.result.thresholdPercent;
  return o;
}

nlohmann::json transformJson(const RigidTransform& t)
{
  const auto& r = t.rotation;
  return { { "rotation", { { r[0], r[1], r[2] }, { r[3], r[4], r[5] }, { r[6], r[7], r[8] } } },
           { "translationMm", t.translationMm },
           { "centreLpsMm", t.centreLpsMm },
           { "rotationDeg", t.rotationAngleDeg() } };
}

nlohmann::json optionalNumber(const std::optional<double>& v)
{
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

/// The first study's CT and liver for the registration: --before-ct / --before-liver, else what
/// result.json names (ct.load.source; files.liver beside it, or the imported liver source).
std::pair<CtVolume, LabelImage::Pointer> beforeStudy(const RemeasureArgs& args,
                                                     const model::AnalysisResult& before,
                                                     const std::string& path,
                                                     std::string& ctPath,
                                                     std::string& liverPath)
{
  ctPath = args.beforeCt;
  if (ctPath.empty())
    ctPath = besideResult(before.ct.load.source, path);
  if (ctPath.empty())
    throw InputError(path,
                     "ct.load.source: the first CT is not found; give --before-ct (needed to map "
                     "plane plans onto the second study)");
  liverPath = args.beforeLiver;
  const auto liverFile = before.files.find("liver");
  if (liverPath.empty() && liverFile != before.files.end())
    liverPath = besideResult(liverFile->second, path);
  if (liverPath.empty())
    for (const model::LabelSourceRecord& source : before.labels.sources)
      if (source.role == "liver")
        liverPath = besideResult(source.path, path);
  if (liverPath.empty())
    throw InputError(path,
                     "files.liver: the first study's liver is not found; give --before-liver");
  CtVolume ct = loadCtLogged(ctPath, {});
  LabelImportOptions import;
  import.liverPath = liverPath;
  const ImportedLabels labels = importLabelsLogged(import, "auto", *ct.image);
  return { ct, labels.labels.liver };
}

/// The registration as JSON.
nlohmann::json registrationJson(const RigidRegistration& r,
                                const std::string& fixedCt,
                                const std::string& fixedLiver,
                                const std::string& movingCt)
{
  return { { "method",
             "ITK versor rigid 3D, ImageRegistrationMethodv4, " +
               std::to_string(r.iterationsPerLevel.size()) +
               " levels, regular step gradient descent, on the first liver's box + 10 mm" },
           { "fixed", { { "ct", fixedCt }, { "liver", fixedLiver } } },
           { "moving", { { "ct", movingCt } } },
           { "convention",
             "fixedToMoving maps a point of the first study (where the plans were drawn) to the "
             "second: p' = R (p - centre) + centre + translation (LPS mm)" },
           { "metric", r.metric },
           { "metricValue", r.metricValue },
           { "iterations", r.iterations },
           { "iterationsPerLevel", r.iterationsPerLevel },
           { "stopCondition", r.stopCondition },
           { "fixedToMoving", transformJson(r.fixedToMoving) },
           { "movingToFixed", transformJson(r.movingToFixed) },
           { "quality",
             { { "liverDice", optionalNumber(r.quality.liverDice) },
               { "centroidResidualMm", optionalNumber(r.quality.centroidResidualMm) },
               { "fixedLiverMl", optionalNumber(r.quality.fixedLiverMl) },
               { "movingLiverMl", optionalNumber(r.quality.movingLiverMl) },
               { "note",
                 "Dice of the first liver and the second mapped onto it; the centroid residual "
                 "includes real growth" } } },
           { "seconds", r.seconds } };
}

/// Evaluate the first analysis's plans on the second study: see the file comment.
ExitCode remeasure(const RemeasureArgs& args,
                   const std::string& beforePath,
                   const std::string& planName,
                   std::optional<double> weeksGiven,
                   const std::string& jsonOut)
{
  const model::AnalysisResult before = model::readResult(beforePath);
  const std::vector<BeforePlan> plans = beforePlans(before, beforePath, planName);
  const PlanOptions planOptions = planOptionsOf(before, beforePath, plans);
  const bool anyPlane = std::any_of(
    plans.begin(), plans.end(), [](const BeforePlan& p) { return !p.plan.planes.empty(); });
  RigidRegistrationOptions registrationOptions;
  if (args.metric == "mean-squares")
    registrationOptions.metric = RegistrationMetric::MeanSquares;
  else if (args.metric != "mattes")
    throw CLI::ValidationError("--registration-metric", "expected mattes or mean-squares");

  for (const BeforePlan& p : plans)
    if (!p.plan.segments.empty() && args.afterImport.segmentsPath.empty() &&
        args.afterImport.totalsegPath.empty())
      throw InputError(beforePath,
                       "plan '" + p.plan.name +
                         "' resects Couinaud segments: give the second study's segment map "
                         "(--after-segments or --after-totalseg)");

  AnalysisRequest request;
  request.analyze = true; // what is not imported is segmented, as `analyze` does
  request.ct = args.afterCt;
  request.out = args.afterOut;
  request.import = args.afterImport;
  request.format = args.afterFormat;
  request.planOptions = planOptions;
  for (const BeforePlan& p : plans)
    request.plans.push_back(p.plan);

  // Plane plans: register the second CT (moving) onto the first (fixed) and map the planes.
  nlohmann::json registration = nullptr;
  if (anyPlane || !args.beforeCt.empty())
  {
    std::string fixedCtPath, fixedLiverPath;
    const auto [fixedCt, fixedLiver] =
      beforeStudy(args, before, beforePath, fixedCtPath, fixedLiverPath);
    const CtVolume movingCt = loadCtLogged(args.afterCt, {});
    request.loadedCt = movingCt; // loaded once, for the registration and the analysis
    // The second liver, for the registration's quality (lesions and segments are not needed).
    LabelImportOptions liverOnly = args.afterImport;
    liverOnly.lesionsPath.clear();
    liverOnly.segmentsPath.clear();
    LabelImage::Pointer movingLiver;
    if (!liverOnly.liverPath.empty() || !liverOnly.totalsegPath.empty())
      movingLiver = importLabelsLogged(liverOnly, args.afterFormat, *movingCt.image).labels.liver;
    logInfo("registering " + args.afterCt + " onto " + fixedCtPath);
    const RigidRegistration r = registerRigid(*fixedCt.image,
                                              *movingCt.image,
                                              fixedLiver.GetPointer(),
                                              registrationOptions,
                                              movingLiver.GetPointer());
    registration = registrationJson(r, fixedCtPath, fixedLiverPath, args.afterCt);
    if (!movingLiver)
      registration["quality"]["note"] = "no --after-liver: Dice not measured";
    for (ResectionPlan& plan : request.plans)
      for (CutPlane& plane : plan.planes)
      {
        plane.pointLpsMm = r.fixedToMoving.apply(plane.pointLpsMm);
        plane.normal = r.fixedToMoving.applyToVector(plane.normal);
      }
  }

  AnalysisOutcome outcome = runAnalysis(request, cliProgress());
  if (!args.afterOut.empty())
  {
    std::error_code ec;
    std::filesystem::create_directories(args.afterOut, ec);
    if (ec)
      throw OutputError(args.afterOut + ": cannot create the folder: " + ec.message());
    writeAnalysis(request, outcome, cliProgress());
  }

  double weeks = weeksGiven.value_or(0.0);
  std::string weeksSource = "--weeks";
  if (!weeksGiven)
  {
    weeks = weeksBetween(before, beforePath, outcome.result, args.afterCt);
    weeksSource = "StudyDate";
  }

  nlohmann::json j = jsonHeader("hypertrophy");
  j["disclaimer"] = DecisionSupportDisclaimer;
  j["weeks"] = weeks;
  j["weeksFrom"] = weeksSource;
  j["remeasured"] = {
    { "method",
      "the first analysis's plans evaluated on the second study: segments from its own labels, "
      "planes mapped by the rigid registration" },
    { "ct", args.afterCt },
    { "study", model::toJson(outcome.result.ct)["study"] },
    { "labels", model::toJson(outcome.result.labels) },
    { "out", args.afterOut.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.afterOut) }
  };
  j["registration"] = registration;
  if (registration.is_null())
    j["registrationNote"] = "no plane plan: segment plans use the second study's own segments";
  j["plans"] = nlohmann::json::array();

  std::printf("%-32s %9s %9s %8s %8s %7s %8s  %s\n",
              "plan",
              "FLR0 mL",
              "FLR1 mL",
              "sFLR0 %",
              "sFLR1 %",
              "DH pts",
              "KGR %/wk",
              "verdict (Shindoh)");
  for (std::size_t k = 0; k < plans.size(); ++k)
  {
    const PlanResult& r = outcome.results[k];
    if (!r.sflrPercent)
      throw ProcessingError("plan '" + r.name + "': no sFLR on the second study");
    const double sflr0 = *plans[k].result.sflrPercent;
    const HypertrophyAssessment h =
      assessHypertrophy(sflr0, *r.sflrPercent, weeks, r.thresholdPercent);
    const double flr0 = plans[k].result.flrMl;
    nlohmann::json planes = nlohmann::json::array();
    for (const CutPlane& p : outcome.plans[k].planes)
      planes.push_back({ { "pointLpsMm", p.pointLpsMm }, { "normal", p.normal } });
    nlohmann::json p = {
      { "name", r.name },
      { "spec", planSpec(plans[k].plan) },
      { "planesOnSecondStudy", planes },
      { "before", { { "file", beforePath }, { "flrMl", flr0 }, { "sflrPercent", sflr0 } } },
      { "after",
        { { "file", args.afterCt },
          { "flrMl", r.flrMl },
          { "remnantMl", r.remnantMl },
          { "totalLiverMl", r.totalLiverMl },
          { "sflrPercent", *r.sflrPercent },
          { "segmentsLeft", r.segmentsLeft },
          { "marginStatus", r.marginStatus } } },
      { "degreeOfHypertrophyPoints", h.degreeOfHypertrophyPoints },
      { "relativeGrowthPercent", h.relativeGrowthPercent },
      { "kineticGrowthRatePercentPerWeek", h.kineticGrowthRatePercentPerWeek },
      { "adequate", h.adequate },
      { "reasons", h.reasons },
      { "source", h.source }
    };
    if (!outcome.plans[k].wedges.empty() || !outcome.plans[k].ablations.empty())
      p["warning"] = "wedge and ablation lesion ids refer to the second study's lesion map";
    j["plans"].push_back(p);
    if (k == 0) // the chosen (or first) plan at the top level, as without --after-ct
    {
      j["before"] = p["before"];
      j["after"] = p["after"];
      j["degreeOfHypertrophyPoints"] = h.degreeOfHypertrophyPoints;
      j["relativeGrowthPercent"] = h.relativeGrowthPercent;
      j["kineticGrowthRatePercentPerWeek"] = h.kineticGrowthRatePercentPerWeek;
      j["adequate"] = h.adequate;
      j["reasons"] = h.reasons;
      j["source"] = h.source;
    }
    const std::string name = r.name.size() > 32 ? r.name.substr(0, 29) + "..." : r.name;
    std::printf("%-32s %9.1f %9.1f %8.1f %8.1f %7.1f %8.2f  %s\n",
                name.c_str(),
                flr0,
                r.flrMl,
                sflr0,
                *r.sflrPercent,
                h.degreeOfHypertrophyPoints,
                h.kineticGrowthRatePercentPerWeek,
                h.adequate ? "adequate" : "not adequate");
  }
  std::printf("weeks      %.1f (%s)\n", weeks, weeksSource.c_str());
  if (!registration.is_null())
  {
    const nlohmann::json& q = registration["quality"];
    const auto& t = registration["fixedToMoving"];
    std::printf("registration %s: metric %.4f, %u iterations, rotation %.2f deg, translation "
                "%.1f,%.1f,%.1f mm, liver Dice %s, centroid residual %s mm\n",
                registration["metric"].get<std::string>().c_str(),
                registration["metricValue"].get<double>(),
                registration["iterations"].get<unsigned>(),
                t["rotationDeg"].get<double>(),
                t["translationMm"][0].get<double>(),
                t["translationMm"][1].get<double>(),
                t["translationMm"][2].get<double>(),
                q["liverDice"].is_null()
                  ? "-"
                  : std::to_string(q["liverDice"].get<double>()).substr(0, 5).c_str(),
                q["centroidResidualMm"].is_null()
                  ? "-"
                  : std::to_string(q["centroidResidualMm"].get<double>()).substr(0, 4).c_str());
  }
  for (const nlohmann::json& reason : j["reasons"])
    std::printf("  %s\n", reason.get<std::string>().c_str());
  std::printf("%s\n", DecisionSupportDisclaimer);
  if (!jsonOut.empty())
    writeJson(jsonOut, j);
  return ExitOk;
}

} // namespace

void registerHypertrophy(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string before, after, plan, json;
    double weeks = 0.0;
    RemeasureArgs remeasure;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "hypertrophy",
    "Measured FLR growth between two analyses (before and after PVE): DH, KGR, Shindoh's verdict");
  cmd->add_option("--before", options->before, "result.json of plan/analyze before")->required();
  CLI::Option* after =
    cmd->add_option("--after", options->after, "result.json of plan/analyze after");
  cmd->add_option("--plan", options->plan, "Plan name in both results (default: the first)");
  cmd->add_option(
    "--weeks", options->weeks, "Weeks between the studies (default: from their DICOM StudyDate)");
  cmd->add_option("--json", options->json, "Write the assessment as JSON");
  // Re-measurement on the second study instead of --after.
  RemeasureArgs& m = options->remeasure;
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
      "--registration-metric", m.metric, "Rigid registration metric: mattes or mean-squares")
    ->capture_default_str();
  cmd->callback(
    [options, cmd, &exitCode]
    {
      if (options->after.empty() && options->remeasure.afterCt.empty())
        throw CLI::ValidationError("--after", "give --after RESULT or --after-ct CT");
      if (options->after.empty() == false)
        for (const char* name : { "--after-liver",
                                  "--after-lesions",
                                  "--after-segments",
                                  "--after-totalseg",
                                  "--before-ct",
                                  "--before-liver",
                                  "--after-out" })
          if (cmd->count(name) > 0)
            throw CLI::ValidationError(name, "needs --after-ct");
      exitCode = runGuarded(
        [&]
        {
          if (!options->remeasure.afterCt.empty())
            return remeasure(options->remeasure,
                             options->before,
                             options->plan,
                             cmd->count("--weeks") ? std::optional<double>(options->weeks)
                                                   : std::nullopt,
                             options->json);
          const model::AnalysisResult before = model::readResult(options->before);
          const model::AnalysisResult after = model::readResult(options->after);
          const PlanResult& a = planResult(before, options->plan, options->before).result;
          const PlanResult& b = planResult(after, options->plan, options->after).result;
          double weeks = options->weeks;
          std::string weeksSource = "--weeks";
          if (cmd->count("--weeks") == 0)
          {
            weeks = weeksBetween(before, options->before, after, options->after);
            weeksSource = "StudyDate";
          }
          // The sFLR after growth is judged by the threshold of that study's plan result (the
          // liver condition's or the user's).
          const HypertrophyAssessment h =
            assessHypertrophy(*a.sflrPercent, *b.sflrPercent, weeks, b.thresholdPercent);
          const double flrBefore = a.flrMl, flrAfter = b.flrMl;

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
