#include <liver/pipeline/hypertrophy.h>

#include <liver/imaging/errors.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

namespace liver::pipeline
{
namespace
{

namespace fs = std::filesystem;

/// The plan named `name` (or the first) of a plan/analyze result, with its sFLR.
const model::PlanRecord& planRecord(const model::AnalysisResult& result,
                                    const std::string& name,
                                    const std::string& path)
{
  if (result.plans.empty())
    throw InputError(path, "field 'plans' missing or empty: give a result.json of plan/analyze");
  for (const model::PlanRecord& plan : result.plans)
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
std::optional<double> dicomDays(const model::AnalysisResult& result)
{
  const std::string& date = result.ct.study.studyDate;
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  std::tm t{};
  t.tm_year = std::stoi(date.substr(0, 4)) - 1900;
  t.tm_mon = std::stoi(date.substr(4, 2)) - 1;
  t.tm_mday = std::stoi(date.substr(6, 2));
  t.tm_hour = 12;
  return static_cast<double>(timegm(&t)) / 86400.0;
}

/// `file` as given when it exists, else beside `resultPath` (result.json's own folder); "" if
/// neither exists.
std::string besideResult(const std::string& file, const std::string& resultPath)
{
  std::error_code ec;
  if (file.empty())
    return "";
  if (fs::exists(file, ec))
    return file;
  const fs::path beside = fs::path(resultPath).parent_path() / file;
  return fs::exists(beside, ec) ? beside.string() : "";
}

/// The plans of the first analysis to re-measure (all, or the one named), each with its sFLR.
std::vector<model::PlanRecord> beforePlans(const model::AnalysisResult& result,
                                           const std::string& path,
                                           const std::string& only)
{
  planRecord(result, only, path); // checks 'plans' and the sFLR of the chosen plan
  std::vector<model::PlanRecord> plans;
  for (std::size_t k = 0; k < result.plans.size(); ++k)
  {
    model::PlanRecord p = result.plans[k];
    if (!only.empty() && p.result.name != only)
      continue;
    if (p.spec.empty())
      throw InputError(
        path, "plans[" + std::to_string(k) + "].spec missing: give a result.json of plan/analyze");
    p.plan.name = p.result.name;
    if (!p.result.sflrPercent)
      throw InputError(path,
                       "plan '" + p.result.name +
                         "' has no sFLR: run plan/analyze with --height and --weight");
    plans.push_back(std::move(p));
  }
  return plans;
}

/// Height, weight, formulas, liver condition and a user threshold as the first analysis had them.
PlanOptions planOptionsOf(const model::AnalysisResult& result,
                          const std::string& path,
                          const std::vector<model::PlanRecord>& plans)
{
  if (!result.body || !result.body->heightCm || !result.body->weightKg)
    throw InputError(path, "body: no height and weight (run analyze with --height and --weight)");
  PlanOptions o;
  o.heightCm = result.body->heightCm;
  o.weightKg = result.body->weightKg;
  o.bsaFormula = result.body->bsaFormula.value_or(BsaFormula::Mosteller);
  o.slvFormula = result.body->slvFormula.value_or(SlvFormula::Vauthey);
  o.condition = result.liverCondition;
  for (const model::PlanRecord& p : plans)
    if (p.result.thresholdSource == "user")
      o.thresholdPercent = p.result.thresholdPercent;
  return o;
}

/// The first study's CT and liver for the registration: the request's, else what its result.json
/// names (ct.load.source; files.liver beside it, or the imported liver source).
std::pair<CtVolume, LabelImage::Pointer> beforeStudy(const RemeasureRequest& request,
                                                     const model::AnalysisResult& before,
                                                     std::string& ctPath,
                                                     std::string& liverPath,
                                                     const ProgressCallback& progress)
{
  const std::string& path = request.beforeResult;
  ctPath = request.beforeCt;
  if (ctPath.empty())
    ctPath = besideResult(before.ct.load.source, path);
  if (ctPath.empty())
    throw InputError(path,
                     "ct.load.source: the first CT is not found; give --before-ct (needed to map "
                     "plane plans onto the second study)");
  liverPath = request.beforeLiver;
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
  CtVolume ct = loadCtReporting(ctPath, {}, progress);
  LabelImportOptions import;
  import.liverPath = liverPath;
  const ImportedLabels labels = importLabelsReporting(import, "auto", *ct.image, progress);
  return { ct, labels.labels.liver };
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

/// DH, KGR, verdict and its reasons of one assessment, and the cut-offs it was judged by, as
/// both JSON forms carry them.
void putAssessment(nlohmann::json& j, const HypertrophyAssessment& h, const GrowthCutOffs& c)
{
  j["growthCutOffs"] = { { "shindohMinKgrPercentPerWeek",
                           c.parameters.shindohMinKgrPercentPerWeek },
                         { "shindohMinDhPoints", c.parameters.shindohMinDhPoints },
                         { "from", c.fromResult ? "before" : "defaults" },
                         { "text", c.text } };
  j["degreeOfHypertrophyPoints"] = h.degreeOfHypertrophyPoints;
  j["relativeGrowthPercent"] = h.relativeGrowthPercent;
  j["kineticGrowthRatePercentPerWeek"] = h.kineticGrowthRatePercentPerWeek;
  j["adequate"] = h.adequate;
  j["reasons"] = h.reasons;
  j["source"] = h.source;
}

} // namespace

GrowthCutOffs growthCutOffsOf(const model::AnalysisResult& before, const std::string& beforePath)
{
  GrowthCutOffs c;
  c.fromResult = before.augmentationParameters.has_value();
  if (c.fromResult)
  {
    c.parameters = *before.augmentationParameters;
    c.text = "augmentationParameters of " + beforePath;
  }
  else
    c.text = "defaults (Shindoh, JACS 2013): " + beforePath + " records no augmentationParameters";
  return c;
}

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

HypertrophyComparison compareAnalyses(const model::AnalysisResult& before,
                                      const std::string& beforePath,
                                      const model::AnalysisResult& after,
                                      const std::string& afterPath,
                                      const std::string& planName,
                                      std::optional<double> weeks)
{
  const PlanResult& a = planRecord(before, planName, beforePath).result;
  const PlanResult& b = planRecord(after, planName, afterPath).result;
  HypertrophyComparison c;
  c.beforeFile = beforePath;
  c.afterFile = afterPath;
  c.planName = a.name;
  c.flrBeforeMl = a.flrMl;
  c.flrAfterMl = b.flrMl;
  c.weeks = weeks ? *weeks : weeksBetween(before, beforePath, after, afterPath);
  c.weeksFrom = weeks ? "--weeks" : "StudyDate";
  c.cutOffs = growthCutOffsOf(before, beforePath);
  c.assessment = assessHypertrophy(
    *a.sflrPercent, *b.sflrPercent, c.weeks, b.thresholdPercent, c.cutOffs.parameters);
  return c;
}

nlohmann::json toJson(const HypertrophyComparison& c)
{
  nlohmann::json j = model::jsonHeader("hypertrophy");
  j["disclaimer"] = model::DecisionSupportDisclaimer;
  j["before"] = { { "file", c.beforeFile },
                  { "flrMl", c.flrBeforeMl },
                  { "sflrPercent", c.assessment.sflrBeforePercent } };
  j["after"] = { { "file", c.afterFile },
                 { "flrMl", c.flrAfterMl },
                 { "sflrPercent", c.assessment.sflrAfterPercent } };
  j["weeks"] = c.weeks;
  j["weeksFrom"] = c.weeksFrom;
  putAssessment(j, c.assessment, c.cutOffs);
  return j;
}

RemeasureOutcome remeasurePlans(const RemeasureRequest& request, const ProgressCallback& progress)
{
  const std::string& beforePath = request.beforeResult;
  const model::AnalysisResult before = model::readResult(beforePath);
  const std::vector<model::PlanRecord> plans = beforePlans(before, beforePath, request.planName);
  const PlanOptions planOptions = planOptionsOf(before, beforePath, plans);
  const bool anyPlane = std::any_of(
    plans.begin(), plans.end(), [](const model::PlanRecord& p) { return !p.plan.planes.empty(); });
  for (const model::PlanRecord& p : plans)
    if (!p.plan.segments.empty() && request.afterImport.segmentsPath.empty() &&
        request.afterImport.totalsegPath.empty())
      throw InputError(beforePath,
                       "plan '" + p.plan.name +
                         "' resects Couinaud segments: give the second study's segment map "
                         "(--after-segments or --after-totalseg)");

  RemeasureOutcome outcome;
  outcome.cutOffs = growthCutOffsOf(before, beforePath);
  AnalysisRequest& analysis = outcome.analysisRequest;
  analysis.analyze = true; // what is not imported is segmented, as `analyze` does
  analysis.ct = request.afterCt;
  analysis.out = request.afterOut;
  analysis.import = request.afterImport;
  analysis.format = request.afterFormat;
  analysis.planOptions = planOptions;
  analysis.augmentation = outcome.cutOffs.parameters; // predicted as the first analysis was
  for (const model::PlanRecord& p : plans)
    analysis.plans.push_back(p.plan);

  // Plane plans: register the second CT (moving) onto the first (fixed) and map the planes.
  if (anyPlane || !request.beforeCt.empty())
  {
    RemeasureRegistration reg;
    reg.movingCt = request.afterCt;
    const auto [fixedCt, fixedLiver] =
      beforeStudy(request, before, reg.fixedCt, reg.fixedLiver, progress);
    const CtVolume movingCt = loadCtReporting(request.afterCt, {}, progress);
    analysis.loadedCt = movingCt; // loaded once, for the registration and the analysis
    // The second liver, for the registration's quality (lesions and segments are not needed).
    LabelImportOptions liverOnly = request.afterImport;
    liverOnly.lesionsPath.clear();
    liverOnly.segmentsPath.clear();
    LabelImage::Pointer movingLiver;
    if (!liverOnly.liverPath.empty() || !liverOnly.totalsegPath.empty())
      movingLiver = importLabelsReporting(liverOnly, request.afterFormat, *movingCt.image, progress)
                      .labels.liver;
    reg.movingLiver = static_cast<bool>(movingLiver);
    reportStep(progress, "registering " + request.afterCt + " onto " + reg.fixedCt);
    reg.registration = registerRigid(*fixedCt.image,
                                     *movingCt.image,
                                     fixedLiver.GetPointer(),
                                     request.registration,
                                     movingLiver.GetPointer());
    for (ResectionPlan& plan : analysis.plans)
      for (CutPlane& plane : plan.planes)
      {
        plane.pointLpsMm = reg.registration.fixedToMoving.apply(plane.pointLpsMm);
        plane.normal = reg.registration.fixedToMoving.applyToVector(plane.normal);
      }
    outcome.registration = std::move(reg);
  }

  outcome.analysis = runAnalysis(analysis, progress);

  outcome.weeks = request.weeks.value_or(0.0);
  outcome.weeksFrom = "--weeks";
  if (!request.weeks)
  {
    outcome.weeks = weeksBetween(before, beforePath, outcome.analysis.result, request.afterCt);
    outcome.weeksFrom = "StudyDate";
  }

  for (std::size_t k = 0; k < plans.size(); ++k)
  {
    const PlanResult& r = outcome.analysis.results[k];
    if (!r.sflrPercent)
      throw ProcessingError("plan '" + r.name + "': no sFLR on the second study");
    RemeasuredPlan p;
    p.plan = plans[k].plan;
    p.planOnSecond = outcome.analysis.plans[k];
    p.before = plans[k].result;
    p.after = r;
    p.assessment = assessHypertrophy(*p.before.sflrPercent,
                                     *r.sflrPercent,
                                     outcome.weeks,
                                     r.thresholdPercent,
                                     outcome.cutOffs.parameters);
    outcome.plans.push_back(std::move(p));
  }
  return outcome;
}

nlohmann::json registrationJson(const RemeasureRegistration& reg)
{
  const RigidRegistration& r = reg.registration;
  nlohmann::json j = {
    { "method",
      "ITK versor rigid 3D, ImageRegistrationMethodv4, " +
        std::to_string(r.iterationsPerLevel.size()) +
        " levels, regular step gradient descent, on the first liver's box + 10 mm" },
    { "fixed", { { "ct", reg.fixedCt }, { "liver", reg.fixedLiver } } },
    { "moving", { { "ct", reg.movingCt } } },
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
    { "seconds", r.seconds }
  };
  if (!reg.movingLiver)
    j["quality"]["note"] = "no --after-liver: Dice not measured";
  return j;
}

nlohmann::json toJson(const RemeasureRequest& request, const RemeasureOutcome& outcome)
{
  nlohmann::json j = model::jsonHeader("hypertrophy");
  j["disclaimer"] = model::DecisionSupportDisclaimer;
  j["weeks"] = outcome.weeks;
  j["weeksFrom"] = outcome.weeksFrom;
  j["remeasured"] = {
    { "method",
      "the first analysis's plans evaluated on the second study: segments from its own labels, "
      "planes mapped by the rigid registration" },
    { "ct", request.afterCt },
    { "study", model::toJson(outcome.analysis.result.ct)["study"] },
    { "labels", model::toJson(outcome.analysis.result.labels) },
    { "out", request.afterOut.empty() ? nlohmann::json(nullptr) : nlohmann::json(request.afterOut) }
  };
  j["registration"] =
    outcome.registration ? registrationJson(*outcome.registration) : nlohmann::json(nullptr);
  if (!outcome.registration)
    j["registrationNote"] = "no plane plan: segment plans use the second study's own segments";
  j["plans"] = nlohmann::json::array();
  for (std::size_t k = 0; k < outcome.plans.size(); ++k)
  {
    const RemeasuredPlan& plan = outcome.plans[k];
    const PlanResult& r = plan.after;
    nlohmann::json planes = nlohmann::json::array();
    for (const CutPlane& c : plan.planOnSecond.planes)
      planes.push_back({ { "pointLpsMm", c.pointLpsMm }, { "normal", c.normal } });
    nlohmann::json p = {
      { "name", r.name },
      { "spec", planSpec(plan.plan) },
      { "planesOnSecondStudy", planes },
      { "before",
        { { "file", request.beforeResult },
          { "flrMl", plan.before.flrMl },
          { "sflrPercent", *plan.before.sflrPercent } } },
      { "after",
        { { "file", request.afterCt },
          { "flrMl", r.flrMl },
          { "remnantMl", r.remnantMl },
          { "totalLiverMl", r.totalLiverMl },
          { "sflrPercent", *r.sflrPercent },
          { "segmentsLeft", r.segmentsLeft },
          { "marginStatus", r.marginStatus } } },
    };
    putAssessment(p, plan.assessment, outcome.cutOffs);
    if (!plan.planOnSecond.wedges.empty() || !plan.planOnSecond.ablations.empty())
      p["warning"] = "wedge and ablation lesion ids refer to the second study's lesion map";
    j["plans"].push_back(p);
    if (k == 0) // the chosen (or first) plan at the top level, as a comparison has it
    {
      j["before"] = p["before"];
      j["after"] = p["after"];
      putAssessment(j, plan.assessment, outcome.cutOffs);
    }
  }
  return j;
}

} // namespace liver::pipeline
