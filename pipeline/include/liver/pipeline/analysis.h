#pragma once
/// The analysis pipeline: what `analyze`, `plan`, `demo`, the `batch` workers and `hypertrophy
/// --after-ct` share. Load the CT, import or segment the liver and lesions, the contrast phase
/// and quality control, Couinaud segments, volumetry, the plans and their FLR augmentation
/// predictions, the decision, as the result model; then the files (labels, remnant maps, the
/// report, result.json). Says what it does through a progress callback; prints nothing.

#include <liver/imaging/io.h>
#include <liver/model/result.h>
#include <liver/pipeline/progress.h>
#include <liver/planning/augmentation.h>
#include <liver/planning/clinical.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/segmentation/label_import.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace liver::pipeline
{

/// Everything one analysis needs, already parsed and checked.
struct AnalysisRequest
{
  bool analyze = true; ///< analyze: segment what is not imported; plan: a liver must be given
  std::string ct;      ///< file or DICOM folder
  std::string out;     ///< output folder (created by the caller)
  CtLoadOptions load;
  LabelImportOptions import;
  std::string format = "auto"; ///< --format text
  std::string vessels;         ///< optional vessel mask
  std::vector<ResectionPlan> plans;
  std::size_t autoPlans = 0;
  std::string landmarks; ///< landmarks.json for Couinaud segments
  bool autoSegments = false;
  bool slicerSegmentation = false; ///< also write segmentation.seg.nrrd (labels and remnants)
  PlanOptions planOptions;
  AugmentationParameters augmentation;
  /// analyze: the clinical data the resectability decision reads (empty fields: "not
  /// assessable"); the decision reads the result model (model::decisionInputs), as `liverplan
  /// decide` does.
  Clinical clinical;
  /// analyze: files the result does not name but the report's provenance lists with their
  /// SHA-256, as {role, path} (e.g. {"clinical", clinical.json}); empty paths are ignored.
  std::vector<std::pair<std::string, std::string>> moreInputs;
  /// An edit log (edits.json) that `liverplan view` saved beside corrected labels: its labels are
  /// measured when no liver is given (else the given ones must be the saved ones, voxel for
  /// voxel), and the result records the review (reviewer, time, edit totals) as its provenance.
  std::string review;
  /// The CT of `ct` when the caller has loaded it already (it is not loaded again).
  std::optional<CtVolume> loadedCt;
};

/// PVE, ALPPS and two-stage predictions for one plan (DESIGN.md §3 FLR augmentation).
struct PlanAugmentation
{
  AugmentationPrediction pve, alpps, twoStage;
  /// "adequate now", else the first strategy whose median qualifies (augmentationVerdict: reaches
  /// the threshold with KGR >= its cut-off, as `decide` judges the expanders)
  std::string verdict;
};

/// What one analysis computed; `result` is what result.json holds (the model).
struct AnalysisOutcome
{
  CtVolume ct;
  LiverLabels labels;
  std::vector<ResectionPlan> plans;
  std::vector<PlanResult> results;
  std::vector<std::optional<PlanAugmentation>> augmented;
  std::vector<std::string> remnantFiles; ///< one per result, relative to the output folder
  model::AnalysisResult result;
};

/// Run the pipeline; writes nothing. Steps and warnings go to `progress`. Throws InputError /
/// ProcessingError like the libraries.
AnalysisOutcome runAnalysis(const AnalysisRequest& request, const ProgressCallback& progress);

/// Write the labels (analyze), the remnant maps, segmentation.seg.nrrd when asked, for analyze the
/// report (report.html and images/, the input files' SHA-256 added to the result) and result.json
/// into request.out, each atomically, result.json last. Image warnings go to `progress`.
void writeAnalysis(const AnalysisRequest& request,
                   AnalysisOutcome& outcome,
                   const ProgressCallback& progress);

/// Load a CT (file or DICOM folder), reporting what the loader did: the series choice as a step,
/// every other loader note as a warning.
CtVolume loadCtReporting(const std::string& path,
                         const CtLoadOptions& options,
                         const ProgressCallback& progress);

/// Import the labels `options` names onto the CT's grid (`format`: --format's text), reporting
/// the import notes as warnings.
ImportedLabels importLabelsReporting(LabelImportOptions& options,
                                     const std::string& format,
                                     const CtImage& grid,
                                     const ProgressCallback& progress);

/// Replace the lesions of `imported` by the lesion id map LiverPlan saved at `path` (a review's
/// or an analysis's lesions.nii.gz), read with its ids as they are, gaps included: the label
/// import would take a map holding one id for a mask and number its components from 1. `saved`
/// says by whom, for the source record. InputError naming the file when it cannot be read or is
/// not on the grid.
void useSavedLesionIds(ImportedLabels& imported,
                       const std::string& path,
                       const itk::ImageBase<3>& grid,
                       const std::string& saved);

/// Apply plan.json's optional "augmentation" object (AugmentationParameters field names to
/// numbers); InputError naming the file and key for anything else.
void applyAugmentationOverrides(const std::string& planFile, AugmentationParameters& p);

} // namespace liver::pipeline
