
#include <liver/pipeline/analysis.h>
#include <liver/pipeline/segmentation_json.h>

#include <liver/editing/review.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>
#include <liver/imaging/safe_path.h>
#include <liver/planning/augmentation.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/report/report.h>
#include <liver/segmentation/couinaud.h>
#include <liver/segmentation/label_import.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>
#include <liver/segmentation/slicer_export.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace liver::pipeline
{

namespace
{

namespace fs = std::filesystem;

/// An all-zero label map on the CT's grid.
LabelImage::Pointer blankLabelsOn(const CtImage& grid)
{
  auto image = LabelImage::New();
  image->CopyInformation(&grid);
  image->SetRegions(grid.GetLargestPossibleRegion());
  image->Allocate(true);
  return image;
}

/// Predictions for a plan with an sFLR: stage 1 of the two-stage plan wedges (10 mm) the lesions
/// the plan leaves in the remnant, and its functional remnant is the stage-1 FLR.
std::optional<PlanAugmentation> augmentPlan(const LiverLabels& labels,
                                            const ResectionPlan& plan,
                                            const PlanResult& r,
                                            const PlanOptions& options,
                                            const AugmentationParameters& parameters)
{
  if (!r.sflrPercent || !r.standardLiverVolumeMl)
    return std::nullopt;
  PlanAugmentation a;
  a.pve = predictPve(*r.sflrPercent, r.thresholdPercent, parameters);
  a.alpps = predictAlpps(*r.sflrPercent, r.thresholdPercent, parameters);
  std::vector<int> left;
  for (const LesionOutcome& o : r.lesions)
    if (o.fate == LesionFate::Left)
      left.push_back(o.id);
  double stageOneFlrMl = r.flrMl;
  if (!left.empty())
  {
    ResectionPlan stageOne = plan;
    stageOne.wedges.push_back({ left, 10.0 });
    stageOneFlrMl = evaluatePlan(labels, stageOne, options).flrMl;
  }
  a.twoStage = predictTwoStage(
    *r.sflrPercent, stageOneFlrMl, *r.standardLiverVolumeMl, r.thresholdPercent, parameters);
  a.verdict = augmentationVerdict(r.pass, a.pve, a.alpps, a.twoStage, parameters);
  return a;
}

} // namespace

CtVolume loadCtReporting(const std::string& path,
                         const CtLoadOptions& options,
                         const ProgressCallback& progress)
{
  CtVolume ct = loadCt(path, options);
  for (const std::string& w : ct.load.warnings)
  {
    if (w.rfind("series chosen", 0) == 0)
      reportStep(progress, w);
    else
      reportWarning(progress, w);
  }
  return ct;
}

ImportedLabels importLabelsReporting(LabelImportOptions& options,
                                     const std::string& format,
                                     const CtImage& grid,
                                     const ProgressCallback& progress)
{
  options.format = parseLabelFormat(format);
  ImportedLabels imported = importLabels(options, grid);
  for (const std::string& note : imported.notes)
    reportWarning(progress, note);
  return imported;
}

void useSavedLesionIds(ImportedLabels& imported,
                       const std::string& path,
                       const itk::ImageBase<3>& grid,
                       const std::string& saved)
{
  imported.labels.lesions = labelsOnGrid(loadLabels(path), grid, path, false);
  const std::uint16_t* ids = imported.labels.lesions->GetBufferPointer();
  const std::size_t n = imported.labels.lesions->GetLargestPossibleRegion().GetNumberOfPixels();
  imported.lesionCount = n ? *std::max_element(ids, ids + n) : 0;
  imported.sources.erase(std::remove_if(imported.sources.begin(),
                                        imported.sources.end(),
                                        [](const LabelSource& s) { return s.role == "lesions"; }),
                         imported.sources.end());
  imported.sources.push_back(
    { "lesions", path, "id-map", "lesion ids as " + saved + " saved them" });
}

/// Apply plan.json's optional "augmentation" object: keys are the AugmentationParameters field
/// names (e.g. "pveMedianHypertrophyPercent"), values numbers. InputError naming the file and key
/// for anything else.
void applyAugmentationOverrides(const std::string& planFile, AugmentationParameters& p)
{
  const nlohmann::json root = loadJsonInput(planFile, "plan file", MaxSmallJsonFileBytes);
  if (!root.is_object() || !root.contains("augmentation"))
    return;
  const nlohmann::json& overrides = root["augmentation"];
  if (!overrides.is_object())
    throw InputError(planFile, "augmentation: must be an object of parameter names to numbers");
  for (const auto& item : overrides.items())
  {
    const auto& fields = augmentationParameterFields();
    const auto field = std::find_if(
      fields.begin(), fields.end(), [&](const auto& f) { return item.key() == f.first; });
    if (field == fields.end())
      throw InputError(planFile, "augmentation." + jsonKeyName(item.key()) + ": unknown parameter");
    if (!item.value().is_number())
      throw InputError(planFile,
                       "augmentation." + item.key() + ": must be a number, not " +
                         std::string(item.value().type_name()));
    p.*(field->second) = item.value().get<double>();
  }
}

AnalysisOutcome runAnalysis(const AnalysisRequest& request, const ProgressCallback& progress)
{
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const AnalysisRequest& o = request;
  const bool analyze = o.analyze;
  PlanOptions planOptions = o.planOptions;
  // A liver given > 12 weeks of chemotherapy (or for an unknown time) is judged at 30 % by the
  // plans as by the decision (DESIGN.md §3 Thresholds).
  planOptions.condition = thresholdLiverCondition(o.clinical, planOptions.condition);
  std::vector<ResectionPlan> plans = o.plans;
  LabelImportOptions import = o.import;
  std::optional<model::BodyRecord> body = model::bodyRecord(planOptions);
  validateAugmentationParameters(o.augmentation);
  import.format = parseLabelFormat(o.format);
  const bool makeSegments = !o.landmarks.empty() || o.autoSegments;
  if (makeSegments && !import.segmentsPath.empty())
    throw InputError("",
                     "plan: give either --segments or --landmarks/--auto-segments, "
                     "not both");
  HepaticLandmarks marks;
  if (!o.landmarks.empty())
    marks = loadLandmarks(o.landmarks);

  std::optional<editing::SavedReview> review;
  std::string reviewLesions; ///< the review's lesion id map, read as saved (not interpreted)
  if (!o.review.empty())
  {
    review = editing::readReview(o.review);
    if (import.liverPath.empty() && import.totalsegPath.empty())
    {
      const auto fileOf = [&](const char* role)
      { return review->files.count(role) ? review->files.at(role) : std::string(); };
      import.liverPath = fileOf("liver");
      if (import.lesionsPath.empty())
        reviewLesions = fileOf("lesions");
      import.segmentsPath =
        import.segmentsPath.empty() && !makeSegments ? fileOf("segments") : import.segmentsPath;
    }
  }

  const CtVolume ct = o.loadedCt ? *o.loadedCt : loadCtReporting(o.ct, o.load, progress);
  ImportedLabels imported = importLabelsReporting(import, o.format, *ct.image, progress);
  if (!reviewLesions.empty())
    useSavedLesionIds(imported, reviewLesions, *ct.image, "the review"); // the ids it saw
  LiverLabels labels = imported.labels;
  nlohmann::json automatic = nullptr;
  model::SegmentationProvenance provenance;
  provenance.liver = labels.liver ? model::LabelOrigin::Imported : model::LabelOrigin::Automatic;
  provenance.lesions = labels.lesions ? model::LabelOrigin::Imported : model::LabelOrigin::None;
  provenance.segments = labels.segments ? model::LabelOrigin::Imported : model::LabelOrigin::None;
  if (review)
  {
    // The reviewed labels as they were saved: no automatic lesions added to them.
    provenance = editing::provenanceOfReviewed(*review, labels, *ct.image);
    if (provenance.edits)
    {
      const fs::path log = fs::absolute(o.review);
      provenance.edits->logFile =
        o.out.empty() ? log.string() : fs::proximate(log, fs::absolute(o.out)).string();
    }
    if (!labels.lesions)
      labels.lesions = blankLabelsOn(*ct.image);
    reportStep(progress,
               "segmentation: " + model::toString(provenance.review) + " by " +
                 provenance.reviewedBy + " at " + provenance.reviewedAt + " (" + o.review + ")");
  }
  if (!labels.liver && !analyze)
    throw InputError("", "plan needs a liver: give --liver or --totalseg");
  if (!labels.liver)
  {
    const LiverSegmentation liver = segmentLiver(*ct.image);
    for (const std::string& step : liver.report.steps)
      reportStep(progress, step);
    labels.liver = liver.liver;
    automatic = { { "liver", segmentationReportJson(liver.report) } };
  }
  if (!labels.lesions && analyze)
  {
    LesionSegmentationOptions lesionOptions;
    lesionOptions.completeAtSurface = !imported.labels.liver; // an imported liver is the user's
    const LesionSegmentation lesions = segmentLesions(*ct.image, *labels.liver, lesionOptions);
    for (const std::string& step : lesions.report.steps)
      reportStep(progress, step);
    labels.lesions = lesions.lesions;
    provenance.lesions = model::LabelOrigin::Automatic;
    automatic["lesions"] = lesionDetectionJson(lesions);
    addLesionsToLiver(*labels.liver, lesions);
  }
  // The phase measured on the CT; quality control of what was segmented automatically.
  const ContrastPhaseEstimate phase = estimateContrastPhase(*ct.image, *labels.liver);
  reportStep(progress, "contrast phase: " + toString(phase.phase) + " (" + phase.how + ")");
  nlohmann::json qualityControl = nullptr;
  if (!automatic.is_null())
  {
    QualityControlOptions qcOptions;
    qcOptions.phase = phase.phase;
    if (body && body->standardLiverVolumeMl)
      qcOptions.standardLiverVolumeMl = *body->standardLiverVolumeMl;
    const QualityControl qc =
      checkSegmentationQuality(*ct.image, *labels.liver, labels.lesions.GetPointer(), qcOptions);
    for (const std::string& reason : qc.reasons)
      reportWarning(progress, "quality control: review: " + reason);
    qualityControl = qualityControlJson(qc);
  }
  if (!o.vessels.empty())
    labels.vessels =
      labelsOnGrid(loadLabels(o.vessels), *ct.image, o.vessels, import.resampleLabels);
  nlohmann::json segmentsJson = { { "method", "none" } };
  if (makeSegments && labels.segments)
    throw InputError("",
                     "plan: the imported labels already hold a segment map (from "
                     "--totalseg); drop --landmarks/--auto-segments");
  if (makeSegments)
  {
    const CouinaudResult made =
      o.autoSegments ? approximateSegments(*labels.liver, imported.labels.vessels.GetPointer())
                     : segmentsFromLandmarks(*labels.liver, marks, o.landmarks);
    labels.segments = made.segments;
    provenance.segments = model::LabelOrigin::Automatic;
    segmentsJson = couinaudJson(made);
    reportStep(progress, "segments: " + made.report.description);
    for (const std::string& w : made.report.warnings)
      reportWarning(progress, "segments: " + w);
  }
  else if (labels.segments)
    segmentsJson = segmentReportJson(reportSegments(
      *labels.liver, *labels.segments, SegmentMethod::Imported, "imported segment map"));

  std::vector<PlanResult> results;
  for (const ResectionPlan& plan : plans)
  {
    reportStep(progress, "plan \"" + plan.name + "\": " + planSpec(plan));
    results.push_back(evaluatePlan(labels, plan, planOptions));
  }
  const std::size_t given = plans.size();
  if (o.autoPlans > 0)
  {
    reportStep(progress, "auto-plan: evaluating candidate plans");
    const std::vector<RankedPlan> proposed = proposePlans(labels, planOptions, o.autoPlans);
    if (proposed.empty())
      reportWarning(progress, "auto-plan: no candidate plan reaches R0");
    for (const RankedPlan& p : proposed)
    {
      plans.push_back(p.plan);
      results.push_back(p.result);
    }
  }

  std::vector<std::optional<PlanAugmentation>> augmented;
  for (std::size_t k = 0; k < results.size(); ++k)
    augmented.push_back(augmentPlan(labels, plans[k], results[k], planOptions, o.augmentation));

  model::AnalysisResult j;
  j.kind = analyze ? "analysis" : "resection-plans";
  j.ct = model::ctRecord(ct);
  j.labels = labelsRecord(imported);
  if (!o.vessels.empty())
    j.labels.sources.push_back({ "vessels", o.vessels, "mask", "", "" });
  j.automaticSegmentation = automatic;
  j.contrastPhase =
    model::ContrastPhase{ toString(phase.phase), phase.confidence, contrastPhaseJson(phase) };
  if (!qualityControl.is_null())
    j.qc = model::QualityControl{ model::parseQcStatus(qualityControl["status"].get<std::string>()),
                                  qualityControl["reasons"].get<std::vector<std::string>>(),
                                  qualityControl };
  const bool anyAutomatic = provenance.liver == model::LabelOrigin::Automatic ||
                            provenance.lesions == model::LabelOrigin::Automatic;
  if (!review)
    provenance.review = anyAutomatic ? model::ReviewStatus::AutomaticUnreviewed
                                     : model::ReviewStatus::ImportedUnreviewed;
  j.segmentation = provenance;
  j.volumetry = model::volumetryRecord(measureLiver(labels, *ct.image));
  j.segments = segmentsJson;
  j.body = body;
  j.liverCondition = planOptions.condition;
  j.augmentationParameters = o.augmentation; // `decide` judges the predictions by these
  std::vector<std::string> files;
  for (std::size_t k = 0; k < results.size(); ++k)
  {
    const PlanResult& r = results[k];
    files.push_back("remnant-" + std::to_string(k + 1) + "-" + fileNameSlug(r.name, "plan") +
                    ".nii.gz");
    model::PlanRecord p;
    p.plan = plans[k];
    p.spec = planSpec(plans[k]);
    p.proposed = k >= given;
    if (k >= given)
      p.rank = static_cast<int>(k - given + 1);
    p.result = r;
    p.result.remnantMap = nullptr; // the map is written to remnantFile, not kept in the model
    p.remnantFile = files.back();
    if (augmented[k])
    {
      p.augmentation.note = AugmentationPopulationNote;
      p.augmentation.verdict = augmented[k]->verdict;
      p.augmentation.pve = augmented[k]->pve;
      p.augmentation.alpps = augmented[k]->alpps;
      p.augmentation.twoStage = augmented[k]->twoStage;
    }
    else
      p.augmentation.note = "needs --height and --weight (sFLR)";
    // The PVE embolizes the branches of the resected segments: growth goes to the remnant only.
    std::vector<int> resected;
    if (r.hasSegments)
    {
      for (int s = 1; s <= 8; ++s)
        if (std::find(r.segmentsLeft.begin(), r.segmentsLeft.end(), s) == r.segmentsLeft.end())
          resected.push_back(s);
    }
    else
      resected = plans[k].segments;
    if (r.hasSegments || !resected.empty())
      p.augmentation.portalEmbolization = portalEmbolizationFor(resected);
    else
      p.augmentation.portalEmbolization =
        PortalEmbolization{ "not named", {}, "no segment map: the resected segments are unknown" };
    j.plans.push_back(std::move(p));
  }
  if (analyze)
  {
    j.files["liver"] = "liver.nii.gz";
    if (labels.lesions)
      j.files["lesions"] = "lesions.nii.gz";
    if (labels.segments)
      j.files["segments"] = "segments.nii.gz";
    j.clinical = o.clinical;
    j.decision = decide(o.clinical, model::decisionInputs(j));
  }
  j.seconds = std::chrono::duration<double>(Clock::now() - started).count();

  AnalysisOutcome outcome;
  outcome.ct = ct;
  outcome.labels = labels;
  outcome.plans = std::move(plans);
  outcome.results = std::move(results);
  outcome.augmented = std::move(augmented);
  outcome.remnantFiles = std::move(files);
  outcome.result = std::move(j);
  return outcome;
}

void writeAnalysis(const AnalysisRequest& request,
                   AnalysisOutcome& outcome,
                   const ProgressCallback& progress)
{
  const std::string& out = request.out;
  // Every file goes to OUT itself; a symlink placed in OUT must not lead the writes elsewhere.
  auto inside = [&out](const std::string& name) { return outputPathInside(out, name).string(); };
  if (request.analyze)
    for (const char* checked : { "report.html", "images/index.json" }) // before the first write
      inside(checked);
  const LiverLabels& labels = outcome.labels;
  if (request.analyze)
  {
    writeImage(labels.liver.GetPointer(), inside("liver.nii.gz"));
    if (labels.lesions)
      writeImage(labels.lesions.GetPointer(), inside("lesions.nii.gz"));
    if (labels.segments)
      writeImage(labels.segments.GetPointer(), inside("segments.nii.gz"));
  }
  for (std::size_t k = 0; k < outcome.results.size(); ++k)
    writeImage(outcome.results[k].remnantMap.GetPointer(), inside(outcome.remnantFiles[k]));
  if (request.slicerSegmentation)
  {
    std::vector<SlicerRemnant> remnants;
    for (std::size_t k = 0; k < outcome.results.size(); ++k)
      remnants.push_back({ outcome.results[k].name, outcome.results[k].remnantMap });
    writeSlicerLayers(slicerSegmentationOf(labels, remnants), inside("segmentation.seg.nrrd"));
    outcome.result.files["slicerSegmentation"] = "segmentation.seg.nrrd";
  }
  if (request.analyze)
  {
    outcome.result.inputFiles = report::inputDigests(outcome.result, out, request.moreInputs);
    std::vector<LabelImage::Pointer> maps;
    for (const PlanResult& r : outcome.results)
      maps.push_back(r.remnantMap);
    const std::vector<report::ReportImage> images =
      report::writeAnalysisReport(out,
                                  outcome.result,
                                  *outcome.ct.image,
                                  labels,
                                  maps,
                                  [&](const std::string& w) { reportWarning(progress, w); });
    outcome.result.images = report::imageRecords(images);
    outcome.result.files["report"] = "report.html";
  }
  model::writeResult(inside("result.json"), outcome.result); // last: its presence means complete
}

} // namespace liver::pipeline
