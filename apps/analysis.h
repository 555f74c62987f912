#pragma once
/// The `plan` / `analyze` pipeline as a function, so that `analyze`, `demo` and `batch` run the
/// same steps: load the CT, import or segment the liver and lesions, Couinaud segments,
/// volumetry, the plans and their FLR augmentation predictions, and the result JSON.

#include "cli_common.h"

#include <liver/model/result.h>
#include <liver/planning/augmentation.h>
#include <liver/planning/clinical.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace liver::cli
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
  PlanOptions planOptions;
  AugmentationParameters augmentation;
  /// analyze: the clinical data the resectability decision reads (empty fields: "not
  /// assessable"); the decision is made from the result JSON, as `liverplan decide` makes it.
  Clinical clinical;
  /// analyze: files the result does not name but the report's provenance lists with their
  /// SHA-256, as {role, path} (e.g. {"clinical", clinical.json}); empty paths are ignored.
  std::vector<std::pair<std::string, std::string>> moreInputs;
  /// The CT of `ct` when the caller has loaded it already (it is not loaded again).
  std::optional<CtVolume> loadedCt;
};

/// PVE, ALPPS and two-stage predictions for one plan (DESIGN.md §3 FLR augmentation).
struct PlanAugmentation
{
  AugmentationPrediction pve, alpps, twoStage;
  std::string verdict; ///< "adequate now", the first strategy whose median reaches the threshold
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

/// Run the pipeline; writes nothing. Throws InputError / ProcessingError like the libraries.
AnalysisOutcome runAnalysis(const AnalysisRequest& request);

/// Write the labels (analyze), the remnant maps, for analyze the report (report.html and
/// images/, the input files' SHA-256 added to the result) and result.json into request.out, each
/// atomically, result.json last.
void writeAnalysis(const AnalysisRequest& request, AnalysisOutcome& outcome);

/// The comparison tables of the plans and their augmentation predictions, on stdout.
void printAnalysisTables(const AnalysisOutcome& outcome);

/// Apply plan.json's optional "augmentation" object (AugmentationParameters field names to
/// numbers); InputError naming the file and key for anything else.
void applyAugmentationOverrides(const std::string& planFile, AugmentationParameters& p);

} // namespace liver::cli
