#include "json_fields.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/model/clinical_json.h>
#include <liver/model/result.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace liver::model
{

using detail::Fields;
using detail::Json;
using detail::optionalJson;

namespace
{

const char* const NoAugmentationNote = "needs --height and --weight (sFLR)";

Json conventionsJson()
{
  return { { "planes", "the part of the liver on the side the normal points to is resected" },
           { "marginMm",
             "gap between the lesion's voxels and the nearest voxel across the cut surface" },
           { "r0",
             "no lesion left in the remnant and every margin >= 1 mm (sub-millimetre is "
             "R1; DESIGN.md section 3 Margin); tumour left in the remnant is R2" },
           { "remnantMap", "0 outside the liver, 1 remnant, 2 resected, 3 ablation zone" },
           { "proposed",
             "plans proposed by --auto-plan: candidates that reach R0, pass before fail, then "
             "the largest functional remnant" } };
}

/// Top-level keys the model reads; anything else is kept in AnalysisResult::extra.
const std::set<std::string>& knownKeys()
{
  static const std::set<std::string> keys = { "tool",
                                              "version",
                                              "kind",
                                              "units",
                                              "coordinates",
                                              "schemaVersion",
                                              "disclaimer",
                                              "ct",
                                              "labels",
                                              "automaticSegmentation",
                                              "segmentation",
                                              "qualityControl",
                                              "contrastPhase",
                                              "volumetry",
                                              "segments",
                                              "body",
                                              "liverCondition",
                                              "conventions",
                                              "plans",
                                              "comparison",
                                              "files",
                                              "clinical",
                                              "decision",
                                              "inputFiles",
                                              "inputFilesHashedBy",
                                              "augmentationParameters",
                                              "images",
                                              "seconds" };
  return keys;
}

template<typename E>
std::string enumName(E value, const std::vector<std::pair<E, const char*>>& names)
{
  for (const auto& [v, n] : names)
    if (v == value)
      return n;
  return "unknown";
}

template<typename E>
E parseEnum(const std::string& text,
            const std::vector<std::pair<E, const char*>>& names,
            const char* what)
{
  std::string list;
  for (const auto& [v, n] : names)
  {
    if (text == n)
      return v;
    list += (list.empty() ? "" : ", ") + std::string(n);
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + messageText(text) +
                              "' (one of " + list + ")");
}

const std::vector<std::pair<LabelOrigin, const char*>>& originNames()
{
  static const std::vector<std::pair<LabelOrigin, const char*>> n = {
    { LabelOrigin::None, "none" },
    { LabelOrigin::Imported, "imported" },
    { LabelOrigin::Automatic, "automatic" },
    { LabelOrigin::Edited, "edited" }
  };
  return n;
}

const std::vector<std::pair<ReviewStatus, const char*>>& reviewNames()
{
  static const std::vector<std::pair<ReviewStatus, const char*>> n = {
    { ReviewStatus::AutomaticUnreviewed, "automatic-unreviewed" },
    { ReviewStatus::ImportedUnreviewed, "imported-unreviewed" },
    { ReviewStatus::Reviewed, "reviewed" },
    { ReviewStatus::Edited, "edited" }
  };
  return n;
}

const std::vector<std::pair<QcStatus, const char*>>& qcNames()
{
  static const std::vector<std::pair<QcStatus, const char*>> n = { { QcStatus::Ok, "ok" },
                                                                   { QcStatus::Review, "review" } };
  return n;
}

const std::vector<std::pair<AugmentationStrategy, const char*>>& strategyNames()
{
  static const std::vector<std::pair<AugmentationStrategy, const char*>> n = {
    { AugmentationStrategy::Pve, "pve" },
    { AugmentationStrategy::Alpps, "alpps" },
    { AugmentationStrategy::TwoStage, "two-stage" }
  };
  return n;
}

const std::vector<std::pair<RuleStatus, const char*>>& ruleStatusNames()
{
  static const std::vector<std::pair<RuleStatus, const char*>> n = {
    { RuleStatus::Met, "met" },
    { RuleStatus::NotMet, "not met" },
    { RuleStatus::NotAssessable, "not assessable" },
    { RuleStatus::Applies, "applies" },
    { RuleStatus::NotApplicable, "not applicable" }
  };
  return n;
}

LesionFate parseFate(const std::string& fate)
{
  if (fate == "resected")
    return LesionFate::Resected;
  if (fate == "ablated")
    return LesionFate::Ablated;
  if (fate == "left")
    return LesionFate::Left;
  throw std::invalid_argument("unknown fate '" + fate + "'");
}

// ---- writer -------------------------------------------------------------------------------------

Json bodyJson(const BodyRecord& b)
{
  if (!b.heightCm)
    return { { "weightKg", optionalJson(b.weightKg) } };
  return { { "heightCm", *b.heightCm },
           { "weightKg", optionalJson(b.weightKg) },
           { "bsaFormula", b.bsaFormula ? toString(*b.bsaFormula) : "" },
           { "bsaM2", optionalJson(b.bsaM2) },
           { "slvFormula", b.slvFormula ? toString(*b.slvFormula) : "" },
           { "standardLiverVolumeMl", optionalJson(b.standardLiverVolumeMl) } };
}

Json augmentationJson(const PlanAugmentationRecord& a)
{
  Json j = { { "note", a.note } };
  if (a.verdict)
    j["verdict"] = *a.verdict;
  if (a.pve)
    j["pve"] = toJson(*a.pve);
  if (a.alpps)
    j["alpps"] = toJson(*a.alpps);
  if (a.twoStage)
    j["twoStage"] = toJson(*a.twoStage);
  if (a.portalEmbolization)
  {
    const PortalEmbolization& pve = *a.portalEmbolization;
    j["portalEmbolization"] = { { "target", pve.target }, { "note", pve.note } };
    if (pve.target != "not named")
      j["portalEmbolization"]["segments"] = pve.segments;
  }
  return j;
}

Json comparisonJson(const PlanRecord& p)
{
  const PlanResult& r = p.result;
  const PlanAugmentationRecord& a = p.augmentation;
  const auto median = [](const std::optional<AugmentationPrediction>& prediction)
  { return prediction ? Json(prediction->median.predictedSflrPercent) : Json(nullptr); };
  return { { "plan", r.name },
           { "remnantMl", r.remnantMl },
           { "flrPercent", r.flrPercent },
           { "sflrPercent", optionalJson(r.sflrPercent) },
           { "thresholdPercent", r.thresholdPercent },
           { "thresholdBasis", r.thresholdBasis },
           { "pass", r.pass },
           { "marginStatus", r.marginStatus },
           { "lesions", lesionFatesSummary(r) },
           { "pveMedianSflrPercent", median(a.pve) },
           { "alppsMedianSflrPercent", median(a.alpps) },
           { "twoStageMedianSflrPercent", median(a.twoStage) },
           { "augmentationVerdict", a.pve && a.verdict ? Json(*a.verdict) : Json(nullptr) } };
}

// ---- reader -------------------------------------------------------------------------------------

StudyInfo studyFrom(const Fields& f, const Json& j, const std::string& path)
{
  StudyInfo s;
  s.patientId = f.textOr(j, "patientId", path);
  s.studyInstanceUid = f.textOr(j, "studyInstanceUid", path);
  s.seriesInstanceUid = f.textOr(j, "seriesInstanceUid", path);
  s.studyDate = f.textOr(j, "studyDate", path);
  s.studyDescription = f.textOr(j, "studyDescription", path);
  s.seriesDescription = f.textOr(j, "seriesDescription", path);
  s.modality = f.textOr(j, "modality", path);
  s.manufacturer = f.textOr(j, "manufacturer", path);
  s.transferSyntaxUid = f.textOr(j, "transferSyntaxUid", path);
  s.sliceThicknessMm = f.numberOr(j, "sliceThicknessMm", path, 0.0);
  s.kvp = f.numberOr(j, "kvp", path, 0.0);
  s.gantryTiltDeg = f.numberOr(j, "gantryTiltDeg", path, 0.0);
  s.contrastAgent = f.textOr(j, "contrastAgent", path);
  s.contrastPhaseGuess = f.textOr(j, "contrastPhaseGuess", path);
  return s;
}

CtRecord ctFrom(const Fields& f, const Json& j)
{
  CtRecord ct;
  const Json& grid = f.object(j, "grid", "ct.");
  if (grid.is_object())
  {
    const std::string p = "ct.grid.";
    const std::vector<double> size = f.numbers(grid, "size", p);
    for (std::size_t i = 0; i < 3 && i < size.size(); ++i)
      ct.grid.size[i] = static_cast<std::uint64_t>(size[i]);
    ct.grid.spacingMm = f.vec3(grid, "spacingMm", p);
    ct.grid.originLpsMm = f.vec3(grid, "originLpsMm", p);
    const Json& rows = f.arrayOr(grid, "direction", p);
    for (std::size_t r = 0; r < 3 && r < rows.size(); ++r)
      ct.grid.direction[r] = f.vec3(Json{ { "row", rows[r] } }, "row", p + "direction.");
  }
  const Json& study = f.object(j, "study", "ct.");
  if (study.is_object())
    ct.study = studyFrom(f, study, "ct.study.");
  const Json& load = f.object(j, "load", "ct.");
  if (load.is_object())
  {
    const std::string p = "ct.load.";
    LoadReport& l = ct.load;
    l.source = f.textOr(load, "source", p);
    l.format = f.textOr(load, "format", p);
    l.fileCount = f.count(load, "fileCount", p);
    l.uniformSpacing = f.booleanOr(load, "uniformSpacing", p, true);
    l.sliceStepsMm = f.numbers(load, "sliceStepsMm", p);
    l.missingSlices = f.count(load, "missingSlices", p);
    l.gantryTiltCorrected = f.booleanOr(load, "gantryTiltCorrected", p, false);
    l.resampled = f.booleanOr(load, "resampled", p, false);
    l.warnings = f.texts(load, "warnings", p);
  }
  return ct;
}

LabelsRecord labelsFrom(const Fields& f, const Json& j)
{
  LabelsRecord labels;
  const Json& sources = f.arrayOr(j, "sources", "labels.");
  for (std::size_t k = 0; k < sources.size(); ++k)
  {
    const std::string p = "labels.sources[" + std::to_string(k) + "].";
    labels.sources.push_back({ f.textOr(sources[k], "role", p),
                               f.textOr(sources[k], "path", p),
                               f.textOr(sources[k], "format", p),
                               f.textOr(sources[k], "detail", p),
                               f.textOr(sources[k], "labelGridMapping", p) });
  }
  labels.notes = f.texts(j, "notes", "labels.");
  return labels;
}

VolumetryRecord volumetryFrom(const Fields& f, const Json& j)
{
  const std::string p = "volumetry.";
  VolumetryRecord v;
  const Json& lesions = f.array(j, "lesions", p);
  v.totalLiverMl = f.numberOr(j, "totalLiverMl", p, 0.0);
  v.liverVoxelCount = f.count(j, "liverVoxelCount", p);
  v.liverSurfaceMl = f.numberOr(j, "liverSurfaceMl", p, 0.0);
  v.liverMeanHu = f.numberOr(j, "liverMeanHu", p, 0.0);
  v.tumourMl = f.numberOr(j, "tumourMl", p, 0.0);
  v.functionalMl = f.numberOr(j, "functionalMl", p, 0.0);
  const Json& segments = f.object(j, "segmentsMl", p);
  if (segments.is_object())
  {
    std::array<double, 9> ml{};
    for (int s = 1; s <= 8; ++s)
      ml[s] = f.numberOr(segments, std::to_string(s), p + "segmentsMl.", 0.0);
    v.segmentsMl = ml;
  }
  for (std::size_t k = 0; k < lesions.size(); ++k)
  {
    const std::string lp = p + "lesions[" + std::to_string(k) + "].";
    const Json& l = lesions[k];
    LesionRecord r;
    r.id = f.integer(l, "id", lp);
    r.maxDiameterMm = f.optionalNumber(l, "maxDiameterMm", lp);
    r.segments = f.ints(l, "segments", lp);
    r.voxelCount = f.count(l, "voxelCount", lp);
    r.volumeMl = f.optionalNumber(l, "volumeMl", lp);
    r.meanHu = f.numberOr(l, "meanHu", lp, 0.0);
    r.centroidLpsMm = f.vec3(l, "centroidLpsMm", lp);
    v.lesions.push_back(r);
  }
  return v;
}

std::optional<BodyRecord> bodyFrom(const Fields& f, const Json& j)
{
  if (!j.is_object())
    return std::nullopt;
  const std::string p = "body.";
  BodyRecord b;
  b.heightCm = f.optionalNumber(j, "heightCm", p);
  b.weightKg = f.optionalNumber(j, "weightKg", p);
  if (Fields::has(j, "bsaFormula") && !f.text(j, "bsaFormula", p).empty())
    b.bsaFormula = f.named(j, "bsaFormula", p, &parseBsaFormula);
  b.bsaM2 = f.optionalNumber(j, "bsaM2", p);
  if (Fields::has(j, "slvFormula") && !f.text(j, "slvFormula", p).empty())
    b.slvFormula = f.named(j, "slvFormula", p, &parseSlvFormula);
  b.standardLiverVolumeMl = f.optionalNumber(j, "standardLiverVolumeMl", p);
  return b;
}

AugmentationPrediction predictionFrom(const Fields& f, const Json& j, const std::string& p)
{
  AugmentationPrediction a;
  if (Fields::has(j, "strategy"))
    a.strategy =
      f.named(j,
              "strategy",
              p,
              [](const std::string& t) { return parseEnum(t, strategyNames(), "strategy"); });
  a.startSflrPercent = f.numberOr(j, "startSflrPercent", p, 0.0);
  a.thresholdPercent = f.numberOr(j, "thresholdPercent", p, 0.0);
  const Json& scenarios = f.array(j, "scenarios", p);
  for (std::size_t k = 0; k < scenarios.size(); ++k)
  {
    const std::string sp = p + "scenarios[" + std::to_string(k) + "].";
    AugmentationScenario s;
    s.name = f.textOr(scenarios[k], "scenario", sp);
    s.relativeHypertrophyPercent = f.numberOr(scenarios[k], "relativeHypertrophyPercent", sp, 0);
    s.predictedFlrMl = f.optionalNumber(scenarios[k], "predictedFlrMl", sp);
    s.reachesThreshold = f.booleanOr(scenarios[k], "reachesThreshold", sp, false);
    if (s.name == "median")
      s.predictedSflrPercent =
        f.number(scenarios[k], "predictedSflrPercent", p + "scenarios[median].");
    else
      s.predictedSflrPercent = f.numberOr(scenarios[k], "predictedSflrPercent", sp, 0);
    if (s.name == "low")
      a.low = s;
    else if (s.name == "median")
      a.median = s;
    else if (s.name == "high")
      a.high = s;
  }
  a.waitWeeks = f.numberOr(j, "waitWeeks", p, 0.0);
  a.earliestMedianWeek = f.optionalNumber(j, "earliestMedianWeek", p);
  const Json& notCompleted = f.arrayOr(j, "notCompletedPercent", p);
  if (notCompleted.size() == 2)
  {
    if (notCompleted[0].is_number())
      a.notCompletedLowPercent = notCompleted[0].get<double>();
    if (notCompleted[1].is_number())
      a.notCompletedHighPercent = notCompleted[1].get<double>();
  }
  a.stageOneFlrMl = f.optionalNumber(j, "stageOneFlrMl", p);
  a.sources = f.texts(j, "sources", p);
  return a;
}

/// The plan's result; the fields the decision reads first, in the order it always read them (so
/// that the first error named is the same).
PlanResult planResultFrom(const Fields& f, const Json& res, const std::string& rp)
{
  PlanResult s;
  s.r0 = f.boolean(res, "r0", rp);
  s.marginStatus = f.text(res, "marginStatus", rp);
  s.flrMl = f.number(res, "flrMl", rp);
  s.flrPercent = f.number(res, "flrPercent", rp);
  s.resectedMl = f.number(res, "resectedMl", rp);
  s.sflrPercent = f.optionalNumber(res, "sflrPercent", rp);
  s.flrBodyWeightPercent = f.optionalNumber(res, "flrBodyWeightPercent", rp);
  const Json& threshold = f.at(res, "threshold", rp);
  s.thresholdPercent = f.number(threshold, "percent", rp + "threshold.");
  s.thresholdSource = f.text(threshold, "source", rp + "threshold.");
  s.thresholdBasis = f.textOr(threshold, "basis", rp + "threshold.");
  s.thresholdRationale = f.textOr(threshold, "rationale", rp + "threshold.");
  s.pass = f.boolean(res, "pass", rp);
  if (Fields::has(res, "contiguous"))
    s.contiguous = f.boolean(res, "contiguous", rp);
  s.segmentsLeft = f.ints(res, "segmentsLeft", rp);
  const Json& outcomes = f.array(res, "lesions", rp);
  for (std::size_t m = 0; m < outcomes.size(); ++m)
  {
    const std::string lp = rp + "lesions[" + std::to_string(m) + "].";
    const Json& o = outcomes[m];
    LesionOutcome l;
    l.id = f.integer(o, "id", lp);
    l.fate = f.named(o, "fate", lp, &parseFate);
    l.vesselDistanceMm = f.optionalNumber(o, "vesselDistanceMm", lp);
    l.transected = f.booleanOr(o, "transected", lp, false);
    l.marginMm = f.optionalNumber(o, "marginMm", lp);
    l.voxelCount = f.count(o, "voxelCount", lp);
    l.volumeMl = f.numberOr(o, "volumeMl", lp, 0.0);
    l.maxDiameterMm = f.optionalNumber(o, "maxDiameterMm", lp);
    l.warnings = f.texts(o, "warnings", lp);
    s.lesions.push_back(l);
  }
  s.remnantMl = f.numberOr(res, "remnantMl", rp, 0.0);
  s.ablatedMl = f.numberOr(res, "ablatedMl", rp, 0.0);
  s.totalLiverMl = f.numberOr(res, "totalLiverMl", rp, 0.0);
  s.tumourMl = f.numberOr(res, "tumourMl", rp, 0.0);
  s.functionalMl = f.numberOr(res, "functionalMl", rp, 0.0);
  s.remnantVoxels = f.count(res, "remnantVoxels", rp);
  s.resectedVoxels = f.count(res, "resectedVoxels", rp);
  s.ablatedVoxels = f.count(res, "ablatedVoxels", rp);
  s.standardLiverVolumeMl = f.optionalNumber(res, "standardLiverVolumeMl", rp);
  s.volumeAdequate = f.booleanOr(res, "volumeAdequate", rp, false);
  s.passReasons = f.texts(res, "passReasons", rp);
  for (const Json& group : f.arrayOr(res, "segmentGroups", rp))
    s.segmentGroups.push_back(f.ints(Json{ { "g", group } }, "g", rp + "segmentGroups."));
  s.remnantPieces = f.integerOr(res, "remnantPieces", rp, 0);
  s.marginReason = f.textOr(res, "marginReason", rp);
  s.warnings = f.texts(res, "warnings", rp);
  const Json& fractions = f.object(res, "segmentRemnantFraction", rp);
  if (fractions.is_object())
  {
    s.hasSegments = true;
    for (int k = 1; k <= 8; ++k)
      s.segmentRemnantFraction[k] =
        f.numberOr(fractions, std::to_string(k), rp + "segmentRemnantFraction.", 0.0);
  }
  const Json& band = f.object(res, "uncertainty", rp);
  if (band.is_object())
  {
    const std::string bp = rp + "uncertainty.";
    FlrBand b;
    b.flrPercentLow = f.numberOr(band, "flrPercentLow", bp, 0.0);
    b.flrPercentHigh = f.numberOr(band, "flrPercentHigh", bp, 0.0);
    b.sflrPercentLow = f.optionalNumber(band, "sflrPercentLow", bp);
    b.sflrPercentHigh = f.optionalNumber(band, "sflrPercentHigh", bp);
    b.remnantMlLow = f.numberOr(band, "remnantMlLow", bp, 0.0);
    b.remnantMlHigh = f.numberOr(band, "remnantMlHigh", bp, 0.0);
    s.band = b;
  }
  return s;
}

ResectionPlan planFrom(const Fields& f, const Json& p, const std::string& path, bool& explicitParts)
{
  ResectionPlan plan;
  explicitParts = Fields::has(p, "segments") || Fields::has(p, "planes") ||
                  Fields::has(p, "wedges") || Fields::has(p, "ablations");
  plan.segments = f.ints(p, "segments", path);
  const Json& planes = f.arrayOr(p, "planes", path);
  for (std::size_t i = 0; i < planes.size(); ++i)
  {
    const std::string pp = path + "planes[" + std::to_string(i) + "].";
    plan.planes.push_back({ f.vec3(planes[i], "pointLpsMm", pp), f.vec3(planes[i], "normal", pp) });
  }
  const Json& wedges = f.arrayOr(p, "wedges", path);
  for (std::size_t i = 0; i < wedges.size(); ++i)
  {
    const std::string wp = path + "wedges[" + std::to_string(i) + "].";
    plan.wedges.push_back({ f.ints(wedges[i], "lesions", wp),
                            f.numberOr(wedges[i], "marginMm", wp, DefaultWedgeMarginMm) });
  }
  const Json& ablations = f.arrayOr(p, "ablations", path);
  for (std::size_t i = 0; i < ablations.size(); ++i)
  {
    const std::string ap = path + "ablations[" + std::to_string(i) + "].";
    plan.ablations.push_back(
      { f.integer(ablations[i], "lesion", ap),
        f.numberOr(ablations[i], "zoneMarginMm", ap, DefaultAblationMarginMm) });
  }
  return plan;
}

PlanAugmentationRecord augmentationFrom(const Fields& f, const Json& a, const std::string& ap)
{
  PlanAugmentationRecord r;
  if (!a.is_object())
    return r;
  r.note = f.textOr(a, "note", ap);
  if (Fields::has(a, "pve"))
    r.pve = predictionFrom(f, a["pve"], ap + "pve.");
  if (Fields::has(a, "alpps"))
    r.alpps = predictionFrom(f, a["alpps"], ap + "alpps.");
  if (Fields::has(a, "twoStage"))
    r.twoStage = predictionFrom(f, a["twoStage"], ap + "twoStage.");
  if (Fields::has(a, "verdict") && a["verdict"].is_string())
    r.verdict = a["verdict"].get<std::string>();
  const Json& pve = f.object(a, "portalEmbolization", ap);
  if (pve.is_object())
  {
    const std::string pp = ap + "portalEmbolization.";
    r.portalEmbolization = PortalEmbolization{ f.textOr(pve, "target", pp),
                                               f.ints(pve, "segments", pp),
                                               f.textOr(pve, "note", pp) };
  }
  return r;
}

PlanRecord planRecordFrom(const Fields& f, const Json& p, std::size_t k)
{
  const std::string path = "plans[" + std::to_string(k) + "].";
  const Json& res = f.at(p, "result", path);
  PlanRecord record;
  const std::string name = f.text(p, "name", path);
  record.result = planResultFrom(f, res, path + "result.");
  record.result.name = name;
  bool explicitParts = false;
  record.plan = planFrom(f, p, path, explicitParts);
  record.spec = f.textOr(p, "spec", path);
  if (!explicitParts && !record.spec.empty())
  {
    try
    {
      record.plan = parsePlanSpec(record.spec);
    }
    catch (const std::invalid_argument& e)
    {
      f.fail(path, std::string("spec: ") + e.what());
    }
  }
  record.plan.name = name;
  record.result.spec = record.spec;
  record.proposed = f.booleanOr(p, "proposed", path, false);
  if (Fields::has(p, "rank"))
    record.rank = f.integer(p, "rank", path);
  record.remnantFile = f.textOr(p, "remnantFile", path);
  record.augmentation =
    augmentationFrom(f, f.object(p, "augmentation", path), path + "augmentation.");
  return record;
}

TraceValue traceValueFrom(const Json& v)
{
  if (v.is_boolean())
    return v.get<bool>();
  if (v.is_number_integer())
    return v.get<std::int64_t>();
  if (v.is_number())
    return v.get<double>();
  if (v.is_string())
    return v.get<std::string>();
  return std::monostate{};
}

std::vector<InputFileRecord> inputFilesFrom(const Fields& f, const Json& j)
{
  std::vector<InputFileRecord> files;
  if (!j.is_array())
    return files;
  for (std::size_t k = 0; k < j.size(); ++k)
  {
    const std::string p = "inputFiles[" + std::to_string(k) + "].";
    InputFileRecord r;
    r.role = f.textOr(j[k], "role", p);
    r.path = f.textOr(j[k], "path", p);
    r.kind = f.textOr(j[k], "kind", p);
    if (Fields::has(j[k], "bytes"))
      r.bytes = f.count(j[k], "bytes", p);
    if (Fields::has(j[k], "sha256"))
      r.sha256 = f.text(j[k], "sha256", p);
    if (Fields::has(j[k], "files"))
      r.files = f.count(j[k], "files", p);
    r.error = f.textOr(j[k], "error", p);
    files.push_back(r);
  }
  return files;
}

std::vector<ImageRecord> imagesFrom(const Fields& f, const Json& j)
{
  std::vector<ImageRecord> images;
  if (!j.is_array())
    return images;
  for (std::size_t k = 0; k < j.size(); ++k)
  {
    const std::string p = "images[" + std::to_string(k) + "].";
    ImageRecord i;
    i.file = f.textOr(j[k], "file", p);
    i.kind = f.textOr(j[k], "kind", p);
    i.view = f.textOr(j[k], "view", p);
    i.caption = f.textOr(j[k], "caption", p);
    i.plan = f.integerOr(j[k], "plan", p, 0);
    i.lesion = f.integerOr(j[k], "lesion", p, 0);
    i.widthPx = static_cast<unsigned>(f.count(j[k], "widthPx", p, UINT_MAX));
    i.heightPx = static_cast<unsigned>(f.count(j[k], "heightPx", p, UINT_MAX));
    i.skipped = f.textOr(j[k], "skipped", p);
    images.push_back(i);
  }
  return images;
}

} // namespace

// ---- names --------------------------------------------------------------------------------------

std::string toString(LabelOrigin origin)
{
  return enumName(origin, originNames());
}
std::string toString(ReviewStatus status)
{
  return enumName(status, reviewNames());
}
std::string toString(QcStatus status)
{
  return enumName(status, qcNames());
}
LabelOrigin parseLabelOrigin(const std::string& name)
{
  return parseEnum(name, originNames(), "label origin");
}
ReviewStatus parseReviewStatus(const std::string& name)
{
  return parseEnum(name, reviewNames(), "review status");
}
QcStatus parseQcStatus(const std::string& name)
{
  return parseEnum(name, qcNames(), "QC status");
}

std::string toolVersion()
{
  return LIVERPLAN_VERSION;
}

Json jsonHeader(const std::string& kind)
{
  Json j;
  j["tool"] = "liverplan";
  j["version"] = toolVersion();
  j["kind"] = kind;
  j["units"] = { { "volume", "mL" }, { "length", "mm" }, { "intensity", "HU" } };
  j["coordinates"] = "LPS (DICOM/ITK patient coordinates: +x left, +y posterior, +z superior)";
  return j;
}

Grid gridOf(const CtImage& image)
{
  Grid g;
  const auto size = image.GetLargestPossibleRegion().GetSize();
  for (int i = 0; i < 3; ++i)
  {
    g.size[i] = size[i];
    g.spacingMm[i] = image.GetSpacing()[i];
    g.originLpsMm[i] = image.GetOrigin()[i];
    for (int c = 0; c < 3; ++c)
      g.direction[i][c] = image.GetDirection()[i][c];
  }
  return g;
}

CtRecord ctRecord(const CtVolume& ct)
{
  return { gridOf(*ct.image), ct.study, ct.load };
}

VolumetryRecord volumetryRecord(const Volumetry& v)
{
  VolumetryRecord r;
  r.totalLiverMl = v.totalLiverMl;
  r.liverVoxelCount = v.liverVoxelCount;
  r.liverSurfaceMl = v.liverSurfaceMl;
  r.liverMeanHu = v.liverMeanHu;
  r.tumourMl = v.tumourMl;
  r.functionalMl = v.functionalMl;
  if (v.hasSegments)
    r.segmentsMl = v.segmentMl;
  for (const LesionMeasurement& l : v.lesions)
    r.lesions.push_back(
      { l.id, l.voxelCount, l.volumeMl, l.maxDiameterMm, l.meanHu, l.centroidLpsMm, l.segments });
  return r;
}

std::optional<BodyRecord> bodyRecord(const PlanOptions& o)
{
  if (!o.weightKg)
    return std::nullopt;
  BodyRecord b;
  b.weightKg = *o.weightKg;
  if (o.heightCm)
  {
    b.heightCm = *o.heightCm;
    b.bsaFormula = o.bsaFormula;
    b.bsaM2 = bodySurfaceAreaM2(*o.heightCm, *o.weightKg, o.bsaFormula);
    b.slvFormula = o.slvFormula;
    b.standardLiverVolumeMl = standardLiverVolumeMl(*b.bsaM2, o.slvFormula);
  }
  else
    flrBodyWeightPercent(0.0, *o.weightKg); // range check
  return b;
}

std::string lesionFatesSummary(const PlanResult& r)
{
  std::string resected, ablated, left;
  for (const LesionOutcome& o : r.lesions)
  {
    std::string item = std::to_string(o.id);
    if (o.transected)
      item += " (cut)";
    else if (o.marginMm && o.fate != LesionFate::Ablated)
    {
      char margin[32];
      std::snprintf(margin, sizeof margin, " (%.1f)", *o.marginMm);
      item += margin;
    }
    std::string& list = o.fate == LesionFate::Resected  ? resected
                        : o.fate == LesionFate::Ablated ? ablated
                                                        : left;
    list += (list.empty() ? "" : ", ") + item;
  }
  std::string s;
  for (const auto& [tag, list] : { std::pair<const char*, const std::string&>{ "R ", resected },
                                   { "A ", ablated },
                                   { "L ", left } })
    if (!list.empty())
      s += (s.empty() ? "" : "; ") + std::string(tag) + list;
  return s.empty() ? "-" : s;
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

// ---- parts --------------------------------------------------------------------------------------

Json toJson(const CtRecord& ct)
{
  Json grid;
  grid["size"] = ct.grid.size;
  grid["spacingMm"] = ct.grid.spacingMm;
  grid["originLpsMm"] = ct.grid.originLpsMm;
  grid["direction"] = ct.grid.direction;
  const StudyInfo& s = ct.study;
  Json study = { { "patientId", s.patientId },
                 { "studyInstanceUid", s.studyInstanceUid },
                 { "seriesInstanceUid", s.seriesInstanceUid },
                 { "studyDate", s.studyDate },
                 { "studyDescription", s.studyDescription },
                 { "seriesDescription", s.seriesDescription },
                 { "modality", s.modality },
                 { "manufacturer", s.manufacturer },
                 { "transferSyntaxUid", s.transferSyntaxUid },
                 { "sliceThicknessMm", s.sliceThicknessMm },
                 { "kvp", s.kvp },
                 { "gantryTiltDeg", s.gantryTiltDeg },
                 { "contrastAgent", s.contrastAgent },
                 { "contrastPhaseGuess", s.contrastPhaseGuess } };
  const LoadReport& l = ct.load;
  Json load = { { "source", l.source },
                { "format", l.format },
                { "fileCount", l.fileCount },
                { "uniformSpacing", l.uniformSpacing },
                { "sliceStepsMm", l.sliceStepsMm },
                { "missingSlices", l.missingSlices },
                { "gantryTiltCorrected", l.gantryTiltCorrected },
                { "resampled", l.resampled },
                { "warnings", l.warnings } };
  return { { "grid", grid }, { "study", study }, { "load", load } };
}

Json toJson(const LabelsRecord& labels)
{
  Json sources = Json::array();
  for (const LabelSourceRecord& s : labels.sources)
  {
    Json source = {
      { "role", s.role }, { "path", s.path }, { "format", s.format }, { "detail", s.detail }
    };
    if (!s.labelGridMapping.empty())
      source["labelGridMapping"] = s.labelGridMapping;
    sources.push_back(source);
  }
  return { { "sources", sources }, { "notes", labels.notes } };
}

Json toJson(const VolumetryRecord& v)
{
  Json j = { { "totalLiverMl", v.totalLiverMl },
             { "liverVoxelCount", v.liverVoxelCount },
             { "liverSurfaceMl", v.liverSurfaceMl },
             { "liverMeanHu", v.liverMeanHu },
             { "tumourMl", v.tumourMl },
             { "functionalMl", v.functionalMl } };
  if (v.segmentsMl)
    for (int s = 1; s <= 8; ++s)
      j["segmentsMl"][std::to_string(s)] = (*v.segmentsMl)[s];
  j["lesions"] = Json::array();
  for (const LesionRecord& l : v.lesions)
    j["lesions"].push_back({ { "id", l.id },
                             { "voxelCount", l.voxelCount },
                             { "volumeMl", optionalJson(l.volumeMl) },
                             { "maxDiameterMm", optionalJson(l.maxDiameterMm) },
                             { "meanHu", l.meanHu },
                             { "centroidLpsMm", l.centroidLpsMm },
                             { "segments", l.segments } });
  return j;
}

Json toJson(const ResectionPlan& plan)
{
  Json planes = Json::array();
  for (const CutPlane& p : plan.planes)
    planes.push_back({ { "pointLpsMm", p.pointLpsMm }, { "normal", p.normal } });
  Json wedges = Json::array();
  for (const WedgeResection& w : plan.wedges)
    wedges.push_back({ { "lesions", w.lesionIds }, { "marginMm", w.marginMm } });
  Json ablations = Json::array();
  for (const Ablation& a : plan.ablations)
    ablations.push_back({ { "lesion", a.lesionId }, { "zoneMarginMm", a.zoneMarginMm } });
  return { { "name", plan.name }, { "spec", planSpec(plan) }, { "segments", plan.segments },
           { "planes", planes },  { "wedges", wedges },       { "ablations", ablations } };
}

Json toJson(const PlanResult& r)
{
  Json lesions = Json::array();
  for (const LesionOutcome& o : r.lesions)
    lesions.push_back({ { "id", o.id },
                        { "fate", toString(o.fate) },
                        { "transected", o.transected },
                        { "marginMm", optionalJson(o.marginMm) },
                        { "voxelCount", o.voxelCount },
                        { "volumeMl", o.volumeMl },
                        { "maxDiameterMm", optionalJson(o.maxDiameterMm) },
                        { "vesselDistanceMm", optionalJson(o.vesselDistanceMm) },
                        { "warnings", o.warnings } });
  Json j = { { "remnantMl", r.remnantMl },
             { "flrMl", r.flrMl },
             { "resectedMl", r.resectedMl },
             { "ablatedMl", r.ablatedMl },
             { "totalLiverMl", r.totalLiverMl },
             { "tumourMl", r.tumourMl },
             { "functionalMl", r.functionalMl },
             { "remnantVoxels", r.remnantVoxels },
             { "resectedVoxels", r.resectedVoxels },
             { "ablatedVoxels", r.ablatedVoxels },
             { "flrPercent", r.flrPercent },
             { "standardLiverVolumeMl", optionalJson(r.standardLiverVolumeMl) },
             { "sflrPercent", optionalJson(r.sflrPercent) },
             { "flrBodyWeightPercent", optionalJson(r.flrBodyWeightPercent) },
             { "threshold",
               { { "percent", r.thresholdPercent },
                 { "basis", r.thresholdBasis },
                 { "source", r.thresholdSource },
                 { "rationale", r.thresholdRationale } } },
             { "volumeAdequate", r.volumeAdequate },
             { "pass", r.pass },
             { "passReasons", r.passReasons },
             { "segmentsLeft", r.segmentsLeft },
             { "segmentGroups", r.segmentGroups },
             { "contiguous", r.contiguous ? Json(*r.contiguous) : Json(nullptr) },
             { "remnantPieces", r.remnantPieces },
             { "lesions", lesions },
             { "r0", r.r0 },
             { "marginStatus", r.marginStatus },
             { "marginReason", r.marginReason },
             { "warnings", r.warnings } };
  if (r.hasSegments)
    for (int s = 1; s <= 8; ++s)
      j["segmentRemnantFraction"][std::to_string(s)] = r.segmentRemnantFraction[s];
  if (r.band)
    j["uncertainty"] = { { "method", "liver boundary moved by one voxel in and out" },
                         { "flrPercentLow", r.band->flrPercentLow },
                         { "flrPercentHigh", r.band->flrPercentHigh },
                         { "sflrPercentLow", optionalJson(r.band->sflrPercentLow) },
                         { "sflrPercentHigh", optionalJson(r.band->sflrPercentHigh) },
                         { "remnantMlLow", r.band->remnantMlLow },
                         { "remnantMlHigh", r.band->remnantMlHigh } };
  return j;
}

Json toJson(const AugmentationPrediction& a)
{
  Json scenarios = Json::array();
  for (const AugmentationScenario* sc : { &a.low, &a.median, &a.high })
    scenarios.push_back({ { "scenario", sc->name },
                          { "relativeHypertrophyPercent", sc->relativeHypertrophyPercent },
                          { "predictedSflrPercent", sc->predictedSflrPercent },
                          { "predictedFlrMl", optionalJson(sc->predictedFlrMl) },
                          { "reachesThreshold", sc->reachesThreshold } });
  return { { "strategy", toString(a.strategy) },
           { "startSflrPercent", a.startSflrPercent },
           { "thresholdPercent", a.thresholdPercent },
           { "scenarios", scenarios },
           { "waitWeeks", a.waitWeeks },
           { "earliestMedianWeek", optionalJson(a.earliestMedianWeek) },
           { "notCompletedPercent",
             { optionalJson(a.notCompletedLowPercent), optionalJson(a.notCompletedHighPercent) } },
           { "stageOneFlrMl", optionalJson(a.stageOneFlrMl) },
           { "sources", a.sources } };
}

Json toJson(const Decision& d)
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
                      { "status", toString(e.status) },
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

Decision decisionFromJson(const Json& j, const std::string& file)
{
  const Fields f(file);
  const std::string p = "decision.";
  if (!j.is_object())
    f.fail("", "decision: must be an object");
  Decision d;
  d.category = f.text(j, "category", p);
  d.categoryText = f.textOr(j, "categoryText", p);
  const Json& strategies = f.arrayOr(j, "strategies", p);
  for (std::size_t k = 0; k < strategies.size(); ++k)
  {
    const std::string sp = p + "strategies[" + std::to_string(k) + "].";
    d.strategies.push_back(
      { f.textOr(strategies[k], "id", sp), f.textOr(strategies[k], "text", sp) });
  }
  const Json& warnings = f.arrayOr(j, "warnings", p);
  for (std::size_t k = 0; k < warnings.size(); ++k)
  {
    const std::string wp = p + "warnings[" + std::to_string(k) + "].";
    d.warnings.push_back(
      { f.textOr(warnings[k], "ruleId", wp), f.textOr(warnings[k], "text", wp) });
  }
  const Json& trace = f.arrayOr(j, "trace", p);
  for (std::size_t k = 0; k < trace.size(); ++k)
  {
    const std::string tp = p + "trace[" + std::to_string(k) + "].";
    TraceEntry e;
    e.ruleId = f.textOr(trace[k], "ruleId", tp);
    e.conclusion = f.textOr(trace[k], "conclusion", tp);
    e.source = f.textOr(trace[k], "source", tp);
    if (Fields::has(trace[k], "status"))
      e.status = f.named(trace[k],
                         "status",
                         tp,
                         [](const std::string& t)
                         { return parseEnum(t, ruleStatusNames(), "rule status"); });
    const Json& inputs = f.object(trace[k], "inputs", tp);
    if (inputs.is_object())
      for (const auto& item : inputs.items())
        e.inputs.emplace_back(item.key(), traceValueFrom(item.value()));
    d.trace.push_back(e);
  }
  d.sources = f.texts(j, "sources", p);
  return d;
}

Json toJson(const std::vector<InputFileRecord>& files)
{
  Json list = Json::array();
  for (const InputFileRecord& r : files)
  {
    Json entry = { { "role", r.role }, { "path", r.path } };
    if (!r.kind.empty())
      entry["kind"] = r.kind;
    if (r.bytes)
      entry["bytes"] = *r.bytes;
    if (r.files)
      entry["files"] = *r.files;
    entry["sha256"] = r.sha256 ? Json(*r.sha256) : Json(nullptr);
    if (!r.error.empty())
      entry["error"] = r.error;
    list.push_back(entry);
  }
  return list;
}

Json toJson(const std::vector<ImageRecord>& images)
{
  Json list = Json::array();
  for (const ImageRecord& i : images)
  {
    Json j = { { "file", i.file },       { "kind", i.kind },        { "view", i.view },
               { "caption", i.caption }, { "plan", i.plan },        { "lesion", i.lesion },
               { "widthPx", i.widthPx }, { "heightPx", i.heightPx } };
    if (!i.skipped.empty())
      j["skipped"] = i.skipped;
    list.push_back(j);
  }
  return list;
}

// ---- the document -------------------------------------------------------------------------------

Json toJson(const AnalysisResult& r)
{
  Json j = jsonHeader(r.kind);
  if (!r.toolVersion.empty())
    j["version"] = r.toolVersion;
  j["schemaVersion"] = CurrentSchemaVersion;
  j["disclaimer"] = DecisionSupportDisclaimer;
  j["ct"] = toJson(r.ct);
  j["labels"] = toJson(r.labels);
  if (!r.automaticSegmentation.is_null())
    j["automaticSegmentation"] = r.automaticSegmentation;
  j["segmentation"] = { { "liver", toString(r.segmentation.liver) },
                        { "lesions", toString(r.segmentation.lesions) },
                        { "segments", toString(r.segmentation.segments) },
                        { "review", toString(r.segmentation.review) } };
  if (!r.segmentation.reviewedBy.empty())
    j["segmentation"]["reviewedBy"] = r.segmentation.reviewedBy;
  if (!r.segmentation.reviewedAt.empty())
    j["segmentation"]["reviewedAt"] = r.segmentation.reviewedAt;
  if (const auto& e = r.segmentation.edits)
    j["segmentation"]["edits"] = {
      { "operations", e->operations },           { "liverAddedMl", e->liverAddedMl },
      { "liverRemovedMl", e->liverRemovedMl },   { "tumourAddedMl", e->tumourAddedMl },
      { "tumourRemovedMl", e->tumourRemovedMl }, { "lesionsAdded", e->lesionsAdded },
      { "lesionsRemoved", e->lesionsRemoved },   { "logFile", e->logFile }
    };
  if (r.qc)
  {
    Json qc = r.qc->detail.is_object() ? r.qc->detail : Json::object();
    qc["status"] = toString(r.qc->status);
    qc["reasons"] = r.qc->reasons;
    j["qualityControl"] = qc;
  }
  if (r.contrastPhase)
  {
    Json phase = r.contrastPhase->detail.is_object() ? r.contrastPhase->detail : Json::object();
    phase["phase"] = r.contrastPhase->phase;
    phase["confidence"] = optionalJson(r.contrastPhase->confidence);
    j["contrastPhase"] = phase;
  }
  j["volumetry"] = toJson(r.volumetry);
  j["segments"] = r.segments;
  j["body"] = r.body ? bodyJson(*r.body) : Json(nullptr);
  j["liverCondition"] = toString(r.liverCondition);
  if (r.augmentationParameters)
  {
    j["augmentationParameters"] = Json::object();
    for (const auto& [name, field] : augmentationParameterFields())
      j["augmentationParameters"][name] = (*r.augmentationParameters).*field;
  }
  j["conventions"] = conventionsJson();
  j["plans"] = Json::array();
  j["comparison"] = Json::array();
  for (const PlanRecord& p : r.plans)
  {
    ResectionPlan named = p.plan;
    named.name = p.result.name;
    Json pj = toJson(named);
    if (!p.spec.empty())
      pj["spec"] = p.spec;
    pj["proposed"] = p.proposed;
    if (p.rank)
      pj["rank"] = *p.rank;
    pj["result"] = toJson(p.result);
    pj["remnantFile"] = p.remnantFile;
    pj["augmentation"] = augmentationJson(p.augmentation);
    j["plans"].push_back(pj);
    j["comparison"].push_back(comparisonJson(p));
  }
  if (!r.files.empty())
    j["files"] = r.files;
  if (r.clinical)
    j["clinical"] = clinicalJson(*r.clinical);
  if (r.decision)
    j["decision"] = toJson(*r.decision);
  if (r.seconds)
    j["seconds"] = *r.seconds;
  if (!r.inputFiles.empty())
    j["inputFiles"] = toJson(r.inputFiles);
  if (!r.inputFilesHashedBy.empty())
    j["inputFilesHashedBy"] = r.inputFilesHashedBy;
  if (!r.images.empty() || r.kind == "analysis")
    j["images"] = toJson(r.images);
  for (const auto& item : r.extra.items())
    if (!j.contains(item.key()))
      j[item.key()] = item.value();
  return j;
}

AnalysisResult fromJson(const Json& j, const std::string& file)
{
  const Fields f(file);
  if (!j.is_object())
    throw InputError(file, "must be a JSON object (a result.json of analyze/plan)");
  AnalysisResult r;
  r.schemaVersion = 1;
  if (Fields::has(j, "schemaVersion"))
  {
    const Json& v = j["schemaVersion"];
    if (!v.is_number_integer())
      f.fail("", "schemaVersion: must be an integer, not " + jsonExcerpt(v));
    r.schemaVersion = f.integer(j, "schemaVersion", "");
    if (r.schemaVersion < 1 || r.schemaVersion > CurrentSchemaVersion)
      f.fail("",
             "schemaVersion " + std::to_string(r.schemaVersion) +
               " is not one this liverplan reads (1 to " + std::to_string(CurrentSchemaVersion) +
               "); written by liverplan " +
               (j.contains("version") ? jsonExcerpt(j["version"]) : "?"));
  }
  r.kind = f.textOr(j, "kind", "", "analysis");
  r.toolVersion = f.textOr(j, "version", "");
  const Json& volumetry = f.at(j, "volumetry", "");
  r.volumetry = volumetryFrom(f, volumetry);
  if (Fields::has(j, "ct"))
    r.ct = ctFrom(f, f.object(j, "ct", ""));
  if (Fields::has(j, "labels"))
    r.labels = labelsFrom(f, f.object(j, "labels", ""));
  if (Fields::has(j, "automaticSegmentation"))
    r.automaticSegmentation = j["automaticSegmentation"];
  const Json& seg = f.object(j, "segmentation", "");
  if (seg.is_object())
  {
    const std::string p = "segmentation.";
    const auto origin = [&](const char* key)
    { return Fields::has(seg, key) ? f.named(seg, key, p, &parseLabelOrigin) : LabelOrigin::None; };
    r.segmentation.liver = origin("liver");
    r.segmentation.lesions = origin("lesions");
    r.segmentation.segments = origin("segments");
    if (Fields::has(seg, "review"))
      r.segmentation.review = f.named(seg, "review", p, &parseReviewStatus);
    r.segmentation.reviewedBy = f.textOr(seg, "reviewedBy", p);
    r.segmentation.reviewedAt = f.textOr(seg, "reviewedAt", p);
    const Json& edits = f.object(seg, "edits", p);
    if (edits.is_object())
    {
      const std::string q = p + "edits.";
      EditTotals e;
      e.operations = f.count(edits, "operations", q);
      e.liverAddedMl = f.numberOr(edits, "liverAddedMl", q, 0.0);
      e.liverRemovedMl = f.numberOr(edits, "liverRemovedMl", q, 0.0);
      e.tumourAddedMl = f.numberOr(edits, "tumourAddedMl", q, 0.0);
      e.tumourRemovedMl = f.numberOr(edits, "tumourRemovedMl", q, 0.0);
      e.lesionsAdded = f.count(edits, "lesionsAdded", q);
      e.lesionsRemoved = f.count(edits, "lesionsRemoved", q);
      e.logFile = f.textOr(edits, "logFile", q);
      r.segmentation.edits = e;
    }
  }
  else
  {
    // Version 1: provenance from what the file says was imported or segmented.
    const bool automaticLiver =
      r.automaticSegmentation.is_object() && r.automaticSegmentation.contains("liver");
    const bool automaticLesions =
      r.automaticSegmentation.is_object() && r.automaticSegmentation.contains("lesions");
    bool importedLesions = false;
    for (const LabelSourceRecord& s : r.labels.sources)
      importedLesions = importedLesions || s.role == "lesions";
    r.segmentation.liver = automaticLiver ? LabelOrigin::Automatic : LabelOrigin::Imported;
    r.segmentation.lesions = automaticLesions  ? LabelOrigin::Automatic
                             : importedLesions ? LabelOrigin::Imported
                                               : LabelOrigin::None;
    r.segmentation.review = automaticLiver || automaticLesions ? ReviewStatus::AutomaticUnreviewed
                                                               : ReviewStatus::ImportedUnreviewed;
  }
  const Json& qc = f.object(j, "qualityControl", "");
  if (qc.is_object())
    r.qc = QualityControl{ f.named(qc, "status", "qualityControl.", &parseQcStatus),
                           f.texts(qc, "reasons", "qualityControl."),
                           qc };
  const Json& phase = f.object(j, "contrastPhase", "");
  if (phase.is_object())
    r.contrastPhase = ContrastPhase{ f.textOr(phase, "phase", "contrastPhase."),
                                     f.optionalNumber(phase, "confidence", "contrastPhase."),
                                     phase };
  if (Fields::has(j, "segments"))
    r.segments = f.object(j, "segments", "");
  r.body = bodyFrom(f, f.object(j, "body", ""));
  if (Fields::has(j, "liverCondition"))
    r.liverCondition = f.named(j, "liverCondition", "", &parseLiverCondition);
  const Json& parameters = f.object(j, "augmentationParameters", "");
  if (parameters.is_object())
  {
    AugmentationParameters a;
    for (const auto& [name, field] : augmentationParameterFields())
      if (const auto v = f.optionalNumber(parameters, name, "augmentationParameters."))
        a.*field = *v;
    try
    {
      validateAugmentationParameters(a);
    }
    catch (const std::invalid_argument& e)
    {
      f.fail("", std::string("augmentationParameters: ") + e.what());
    }
    r.augmentationParameters = a;
  }
  const Json& plans = f.arrayOr(j, "plans", "");
  for (std::size_t k = 0; k < plans.size(); ++k)
    r.plans.push_back(planRecordFrom(f, plans[k], k));
  const Json& files = f.object(j, "files", "");
  if (files.is_object())
    for (const auto& item : files.items())
      r.files[item.key()] = f.text(files, item.key(), "files.");
  if (Fields::has(j, "clinical"))
    r.clinical = clinicalFromJson(j["clinical"], file);
  if (Fields::has(j, "decision"))
    r.decision = decisionFromJson(j["decision"], file);
  r.inputFiles = inputFilesFrom(f, f.arrayOr(j, "inputFiles", ""));
  r.inputFilesHashedBy = f.textOr(j, "inputFilesHashedBy", "");
  r.images = imagesFrom(f, f.arrayOr(j, "images", ""));
  r.seconds = f.optionalNumber(j, "seconds", "");
  for (const auto& item : j.items())
    if (!knownKeys().count(item.key()))
      r.extra[item.key()] = item.value();
  return r;
}

AnalysisResult readResult(const std::string& path)
{
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string file =
    fs::is_directory(path, ec) ? (fs::path(path) / "result.json").string() : path;
  return fromJson(loadJsonInput(file, "result file", MaxJsonFileBytes), file);
}

void writeResult(const std::string& path, const AnalysisResult& result)
{
  writeTextFile(path, toJson(result).dump(2) + "\n");
}

DecisionInputs decisionInputs(const AnalysisResult& result)
{
  DecisionInputs in;
  bool right = false;
  bool left = false;
  for (const LesionRecord& r : result.volumetry.lesions)
  {
    LesionSummary l;
    l.id = r.id;
    l.maxDiameterMm = r.maxDiameterMm;
    l.volumeMl = r.volumeMl;
    l.segments = r.segments;
    for (int s : l.segments)
    {
      right = right || (s >= 5 && s <= 8);
      left = left || (s >= 2 && s <= 4);
    }
    in.lesions.push_back(l);
  }
  if (result.volumetry.segmentsMl)
    in.bilobar = right && left;
  for (const LabelSourceRecord& s : result.labels.sources)
    in.vesselsKnown = in.vesselsKnown || s.role == "vessels";
  if (result.body)
  {
    in.bodyHeightCm = result.body->heightCm;
    in.bodyWeightKg = result.body->weightKg;
    if (result.body->bsaFormula)
      in.bsaFormula = *result.body->bsaFormula;
    if (result.body->slvFormula)
      in.slvFormula = *result.body->slvFormula;
  }
  if (result.liverCondition != LiverCondition::Unknown)
    in.liverCondition = result.liverCondition;
  if (result.augmentationParameters)
    in.augmentation = *result.augmentationParameters;
  std::map<int, double> vesselMm;
  for (const PlanRecord& p : result.plans)
  {
    const PlanResult& r = p.result;
    PlanSummary s;
    s.name = r.name;
    s.r0 = r.r0;
    s.marginStatus = r.marginStatus;
    s.flrMl = r.flrMl;
    s.flrPercent = r.flrPercent;
    s.resectedMl = r.resectedMl;
    s.sflrPercent = r.sflrPercent;
    s.flrBodyWeightPercent = r.flrBodyWeightPercent;
    s.thresholdPercent = r.thresholdPercent;
    s.thresholdSource = r.thresholdSource;
    s.pass = r.pass;
    s.contiguous = r.contiguous;
    s.segmentsLeft = r.segmentsLeft;
    for (const LesionOutcome& o : r.lesions)
    {
      if (o.fate == LesionFate::Ablated)
        s.ablatedLesionIds.push_back(o.id);
      else if (o.fate == LesionFate::Left)
        s.leftLesionIds.push_back(o.id);
      if (o.vesselDistanceMm)
        vesselMm[o.id] = vesselMm.count(o.id) ? std::min(vesselMm[o.id], *o.vesselDistanceMm)
                                              : *o.vesselDistanceMm;
    }
    const PlanAugmentationRecord& a = p.augmentation;
    if (a.pve && a.pve->median.name == "median")
      s.pveMedianSflrPercent = a.pve->median.predictedSflrPercent;
    if (a.alpps && a.alpps->median.name == "median")
      s.alppsMedianSflrPercent = a.alpps->median.predictedSflrPercent;
    if (a.twoStage && a.twoStage->median.name == "median")
      s.twoStageMedianSflrPercent = a.twoStage->median.predictedSflrPercent;
    if (a.verdict)
      s.augmentationVerdict = *a.verdict;
    in.plans.push_back(s);
  }
  for (LesionSummary& l : in.lesions)
    if (vesselMm.count(l.id))
      l.vesselDistanceMm = vesselMm[l.id];
  return in;
}

} // namespace liver::model
