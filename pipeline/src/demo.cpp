/// The demo on the built-in phantom.

#include <liver/pipeline/demo.h>

#include <liver/imaging/io.h>
#include <liver/model/clinical_json.h>
#include <liver/model/result.h>
#include <liver/planning/plan.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <utility>

namespace liver::pipeline
{
namespace
{

/// The demo's patient (clinical.json): colorectal liver metastases, fit, no extrahepatic disease.
constexpr const char* DemoClinicalJson = R"({
  "comment": "LiverPlan demo patient: synthetic, not a real person",
  "sex": "male",
  "ageYears": 62,
  "primaryTumour": "colorectal",
  "ecog": 0,
  "extrahepaticDisease": "none",
  "chemotherapyStatus": "none",
  "synchronous": false,
  "nodePositivePrimary": true,
  "ceaNgMl": 12,
  "diseaseFreeIntervalMonths": 18,
  "mmr": "proficient",
  "ras": "wild-type",
  "braf": "wild-type",
  "sidedness": "left"
}
)";

nlohmann::json bodyJson(const DemoRequest& r)
{
  const double bsaM2 = bodySurfaceAreaM2(r.heightCm, r.weightKg, r.bsa);
  const FlrThreshold threshold = flrThreshold(r.condition);
  return { { "heightCm", r.heightCm },
           { "weightKg", r.weightKg },
           { "bsaFormula", toString(r.bsa) },
           { "bsaM2", bsaM2 },
           { "slvFormula", toString(r.slv) },
           { "standardLiverVolumeMl", standardLiverVolumeMl(bsaM2, r.slv) },
           { "liverCondition", toString(r.condition) },
           { "sflrThresholdPercent", threshold.minimumPercent },
           { "thresholdSource", threshold.source },
           { "thresholdRationale", threshold.rationale } };
}

/// The true lesions that a detected lesion covers at least half of.
std::size_t lesionsFound(const Phantom& phantom,
                         const LabelImage& trueLesions,
                         const LabelImage& detected)
{
  std::size_t found = 0;
  const std::size_t n = trueLesions.GetLargestPossibleRegion().GetNumberOfPixels();
  for (const PhantomLesion& lesion : phantom.truth.lesions)
  {
    std::size_t covered = 0;
    for (std::size_t i = 0; i < n; ++i)
      covered +=
        trueLesions.GetBufferPointer()[i] == lesion.id && detected.GetBufferPointer()[i] != 0;
    found += 2 * covered >= lesion.voxelCount;
  }
  return found;
}

} // namespace

DemoOutcome runDemo(const DemoRequest& r, const ProgressCallback& progress)
{
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  DemoOutcome d;
  // Everything the user typed is checked before any work or output.
  const nlohmann::json body = bodyJson(r);
  d.bsaM2 = body["bsaM2"].get<double>();
  d.standardLiverVolumeMl = body["standardLiverVolumeMl"].get<double>();

  const std::string phantomDir = r.out + "/phantom";
  reportStep(progress, "making the phantom (seed " + std::to_string(r.phantom.seed) + ")");
  const Phantom phantom = makePhantom(r.phantom);
  writePhantom(phantom, phantomDir);
  // The CT also as a DICOM series (the demo's own output: a previous run's is replaced), so that
  // the analysis reads a study with its identifiers, as from a PACS.
  std::filesystem::remove_all(phantomDir + "/dicom");
  writePhantomDicom(phantom, phantomDir + "/dicom");

  reportStep(progress, "loading " + phantomDir + "/ct.nii.gz and its labels");
  const CtVolume ct = loadCtReporting(phantomDir + "/ct.nii.gz", {}, progress);
  LiverLabels labels;
  for (auto [image, name] : { std::pair{ &labels.liver, "liver" },
                              std::pair{ &labels.lesions, "lesions" },
                              std::pair{ &labels.segments, "segments" } })
  {
    const std::string path = phantomDir + "/" + name + ".nii.gz";
    *image = labelsOnGrid(loadLabels(path), *ct.image, path, false);
  }
  d.volumetry = measureLiver(labels, *ct.image);
  const Volumetry& v = d.volumetry;
  d.matchesTruth = std::abs(phantom.truth.liverVolumeMl - v.totalLiverMl) < 1e-9 &&
                   std::abs(phantom.truth.tumourVolumeMl - v.tumourMl) < 1e-9 &&
                   phantom.truth.lesions.size() == v.lesions.size();

  // The automatic pipeline on the same CT, scored against the phantom's truth.
  reportStep(progress, "segmenting the liver and its lesions automatically");
  const LiverSegmentation automatic = segmentLiver(*ct.image);
  const LesionSegmentation detected = segmentLesions(*ct.image, *automatic.liver);
  addLesionsToLiver(*automatic.liver, detected);
  d.liverScore = evaluateSegmentation(*labels.liver, *automatic.liver);
  d.automatic = measureLiver({ automatic.liver, detected.lesions, nullptr, nullptr }, *ct.image);
  d.trueLesions = phantom.truth.lesions.size();
  d.trueLesionsFound = lesionsFound(phantom, *labels.lesions, *detected.lesions);

  nlohmann::json& j = d.result;
  j = model::jsonHeader("demo-result");
  j["disclaimer"] = model::DecisionSupportDisclaimer;
  j["input"] = { { "phantomFolder", phantomDir },
                 { "seed", r.phantom.seed },
                 { "truthFile", phantomDir + "/truth.json" } };
  j["ct"] = model::toJson(model::ctRecord(ct));
  j["volumetry"] = model::toJson(model::volumetryRecord(v));
  j["body"] = body;
  j["volumetry"]["totalLiverPercentOfSlv"] = volumePercent(v.totalLiverMl, d.standardLiverVolumeMl);
  j["truthCheck"] = { { "liverMlTruth", phantom.truth.liverVolumeMl },
                      { "liverMlMeasured", v.totalLiverMl },
                      { "tumourMlTruth", phantom.truth.tumourVolumeMl },
                      { "tumourMlMeasured", v.tumourMl },
                      { "lesionsTruth", phantom.truth.lesions.size() },
                      { "lesionsMeasured", v.lesions.size() },
                      { "exact", d.matchesTruth } };
  j["automaticSegmentation"] = { { "liverMl", d.automatic.totalLiverMl },
                                 { "liverDice", d.liverScore.dice },
                                 { "liverRvd", d.liverScore.rvd.value_or(0.0) },
                                 { "liverAssdMm", d.liverScore.assdMm.value_or(0.0) },
                                 { "lesionsDetected", d.automatic.lesions.size() },
                                 { "trueLesionsFound", d.trueLesionsFound },
                                 { "tumourMl", d.automatic.tumourMl },
                                 { "huBand", { automatic.report.huLow, automatic.report.huHigh } },
                                 { "steps", automatic.report.steps } };

  // The whole pipeline as `analyze` runs it, on the phantom's CT and true labels: plans, FLR
  // augmentation, the decision for a demo patient, and the report.
  d.clinicalPath = r.out + "/clinical.json";
  writeTextFile(d.clinicalPath, DemoClinicalJson);
  AnalysisRequest request;
  request.ct = phantomDir + "/dicom";
  request.out = r.out + "/analysis";
  request.import.liverPath = phantomDir + "/liver.nii.gz";
  request.import.lesionsPath = phantomDir + "/lesions.nii.gz";
  request.import.segmentsPath = phantomDir + "/segments.nii.gz";
  for (const char* spec :
       { "right-hemihepatectomy", "extended-right-hemihepatectomy", "left-lateral-sectionectomy" })
    request.plans.push_back(parsePlanSpec(spec));
  request.autoPlans = 3;
  request.planOptions.heightCm = r.heightCm;
  request.planOptions.weightKg = r.weightKg;
  request.planOptions.bsaFormula = r.bsa;
  request.planOptions.slvFormula = r.slv;
  request.planOptions.condition = r.condition;
  request.clinical = model::loadClinicalFile(d.clinicalPath);
  request.moreInputs = { { "clinical", d.clinicalPath } };
  reportStep(progress, "analysing the phantom: plans, FLR augmentation, decision");
  d.analysis = runAnalysis(request, progress);
  writeAnalysis(request, d.analysis, progress);
  j["analysis"] = { { "folder", "analysis" },
                    { "result", "analysis/result.json" },
                    { "clinical", "clinical.json" },
                    { "decision",
                      d.analysis.result.decision
                        ? nlohmann::json(d.analysis.result.decision->category)
                        : nlohmann::json(nullptr) } };
  j["seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  writeTextFile(r.out + "/result.json", j.dump(2) + "\n");
  return d;
}

} // namespace liver::pipeline
