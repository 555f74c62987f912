/// `liverplan evaluate`: Dice, Jaccard, VOE, RVD, ASSD, MSSD and RMSSD of a predicted label map
/// against a reference, as the LiTS benchmark defines them (see liver/segmentation/evaluation.h).

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/segmentation/evaluation.h>
#include <liver/segmentation/liver_labels.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <sstream>

namespace liver::cli
{
namespace
{

nlohmann::json optionalJson(const std::optional<double>& value)
{
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string optionalText(const std::optional<double>& value, const char* format)
{
  if (!value)
    return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, format, *value);
  return text;
}

std::string describeLabel(std::uint16_t label)
{
  return label == 0 ? std::string("any non-zero") : "label " + std::to_string(label);
}

/// Warn when a map has no voxel of the requested label (the metrics then follow the
/// documented empty-mask rules).
void warnIfEmpty(const LabelImage& labels,
                 std::uint16_t label,
                 std::uint64_t voxels,
                 const std::string& role,
                 const std::string& path)
{
  if (voxels > 0)
    return;
  std::ostringstream present;
  for (std::uint16_t v : labelValuesPresent(labels))
    present << (present.tellp() > 0 ? ", " : "") << v;
  logWarning(role + " mask is empty: " + path + " has no voxel with " + describeLabel(label) +
             " (present: " + (present.tellp() > 0 ? present.str() : std::string("none")) + ")");
}

struct EvaluateOptions
{
  std::string reference;
  std::string prediction;
  int label = 0;
  int predictionLabel = 0;
  int connectivity = 18;
  std::string json;
  bool resample = false;
  std::string lesionReference;
  std::string lesionPrediction;
  int referenceLesionLabel = 0;
  int predictionLesionLabel = 0;
};

/// Liver (or any label) overlap and surface distances: printed, and added to `j`.
void evaluateOverlap(const EvaluateOptions& options, nlohmann::json& j)
{
  const LabelImage::Pointer reference = loadLabels(options.reference);
  const LabelImage::Pointer prediction =
    labelsOnGrid(loadLabels(options.prediction), *reference, options.prediction, options.resample);
  EvaluationOptions evaluation;
  evaluation.referenceLabel = static_cast<std::uint16_t>(options.label);
  // --label selects in the reference; the prediction uses --pred-label, else the same
  // value, except that a binary prediction (one value) is compared as it is.
  evaluation.predictionLabel = static_cast<std::uint16_t>(
    options.predictionLabel != 0 ? options.predictionLabel : options.label);
  if (options.predictionLabel == 0 && options.label != 0 &&
      labelValuesPresent(*prediction).size() == 1)
  {
    evaluation.predictionLabel = 0;
    logInfo("prediction is a binary mask: --label " + std::to_string(options.label) +
            " applies to the reference only");
  }
  evaluation.surfaceConnectivity = options.connectivity;
  const SegmentationMetrics m = evaluateSegmentation(*reference, *prediction, evaluation);
  warnIfEmpty(
    *reference, evaluation.referenceLabel, m.referenceVoxels, "reference", options.reference);
  warnIfEmpty(
    *prediction, evaluation.predictionLabel, m.predictionVoxels, "prediction", options.prediction);

  std::printf("reference   %s (%s): %llu voxels, %.3f mL\n",
              options.reference.c_str(),
              describeLabel(evaluation.referenceLabel).c_str(),
              static_cast<unsigned long long>(m.referenceVoxels),
              m.referenceVolumeMl);
  std::printf("prediction  %s (%s): %llu voxels, %.3f mL\n",
              options.prediction.c_str(),
              describeLabel(evaluation.predictionLabel).c_str(),
              static_cast<unsigned long long>(m.predictionVoxels),
              m.predictionVolumeMl);
  std::printf("%-10s %12s  %s\n", "metric", "value", "definition");
  std::printf("%-10s %12.6f  %s\n", "Dice", m.dice, "2 |R and P| / (|R| + |P|)");
  std::printf("%-10s %12.6f  %s\n", "Jaccard", m.jaccard, "|R and P| / |R or P|");
  std::printf("%-10s %12.6f  %s\n", "VOE", m.voe, "1 - Jaccard");
  std::printf("%-10s %12s  %s\n", "RVD", optionalText(m.rvd, "%+.6f").c_str(), "(|P| - |R|) / |R|");
  std::printf("%-10s %12s  %s\n",
              "ASSD mm",
              optionalText(m.assdMm, "%.4f").c_str(),
              "mean surface distance, both directions pooled");
  std::printf("%-10s %12s  %s\n",
              "MSSD mm",
              optionalText(m.mssdMm, "%.4f").c_str(),
              "maximum symmetric surface distance (Hausdorff)");
  std::printf("%-10s %12s  %s\n",
              "RMSSD mm",
              optionalText(m.rmssdMm, "%.4f").c_str(),
              "root mean square symmetric surface distance");

  j["definitions"] = {
    { "source",
      "LiTS benchmark (Bilic et al., Med Image Anal 84:102680, 2023; "
      "PatrickChrist/lits-challenge-scoring), surface metrics after Heimann et al., "
      "IEEE TMI 2009" },
    { "rvd", "(|P| - |R|) / |R|, a fraction; null when the reference is empty" },
    { "surfaceVoxels",
      "mask voxels with a neighbour outside the mask (erosion), outside the image "
      "counting as background" },
    { "surfaceConnectivity", options.connectivity },
    { "distances",
      "between voxel centres in mm, honouring the voxel spacing; null when "
      "exactly one mask is empty, 0 when both are" }
  };
  j["reference"] = { { "file", options.reference },
                     { "label",
                       evaluation.referenceLabel == 0 ? nlohmann::json("any non-zero")
                                                      : nlohmann::json(evaluation.referenceLabel) },
                     { "voxelCount", m.referenceVoxels },
                     { "volumeMl", m.referenceVolumeMl },
                     { "surfaceVoxelCount", m.referenceSurfaceVoxels } };
  j["prediction"] = { { "file", options.prediction },
                      { "label",
                        evaluation.predictionLabel == 0
                          ? nlohmann::json("any non-zero")
                          : nlohmann::json(evaluation.predictionLabel) },
                      { "voxelCount", m.predictionVoxels },
                      { "volumeMl", m.predictionVolumeMl },
                      { "surfaceVoxelCount", m.predictionSurfaceVoxels },
                      { "resampled", options.resample } };
  const auto& spacing = reference->GetSpacing();
  j["spacingMm"] = { spacing[0], spacing[1], spacing[2] };
  j["metrics"] = { { "intersectionVoxelCount", m.intersectionVoxels },
                   { "dice", m.dice },
                   { "jaccard", m.jaccard },
                   { "voe", m.voe },
                   { "rvd", optionalJson(m.rvd) },
                   { "assdMm", optionalJson(m.assdMm) },
                   { "mssdMm", optionalJson(m.mssdMm) },
                   { "rmssdMm", optionalJson(m.rmssdMm) } };
}

nlohmann::json centroidJson(const std::array<double, 3>& c)
{
  return { c[0], c[1], c[2] };
}

/// LiTS per-lesion detection: printed as one row per lesion, and added to `j`.
void evaluateLesions(const EvaluateOptions& options, nlohmann::json& j)
{
  const LabelImage::Pointer reference = loadLabels(options.lesionReference);
  const LabelImage::Pointer prediction = labelsOnGrid(
    loadLabels(options.lesionPrediction), *reference, options.lesionPrediction, options.resample);
  LesionDetectionOptions detection;
  detection.referenceLabel = static_cast<std::uint16_t>(options.referenceLesionLabel);
  detection.predictionLabel = static_cast<std::uint16_t>(options.predictionLesionLabel);
  const LesionDetectionMetrics m = evaluateLesionDetection(*reference, *prediction, detection);

  std::printf("lesions: %zu reference (%s, %s), %zu predicted (%s, %s)\n",
              m.reference.size(),
              options.lesionReference.c_str(),
              describeLabel(detection.referenceLabel).c_str(),
              m.predicted.size(),
              options.lesionPrediction.c_str(),
              describeLabel(detection.predictionLabel).c_str());
  std::printf("detected %zu of %zu (IoU > %.2f); false positives %zu (%.2f mL), %zu >= %.1f mL; "
              "%zu other prediction(s) touching a missed lesion\n",
              m.detected,
              m.reference.size(),
              detection.minIou,
              m.falsePositives,
              m.falsePositiveMl,
              m.largeFalsePositives,
              detection.largeFalsePositiveMl,
              m.unmatchedOverlapping);
  std::printf("%-10s %4s %10s %9s %7s %7s %8s  %s\n",
              "lesion",
              "id",
              "volume mL",
              "detected",
              "Dice",
              "IoU",
              "covered",
              "centroid LPS mm");
  for (const ReferenceLesion& l : m.reference)
    std::printf("%-10s %4d %10.2f %9s %7.3f %7.3f %7.0f%%  (%.0f, %.0f, %.0f)\n",
                "reference",
                l.id,
                l.volumeMl,
                l.detected ? "yes" : "no",
                l.dice,
                l.iou,
                100.0 * l.coverage,
                l.centroidLpsMm[0],
                l.centroidLpsMm[1],
                l.centroidLpsMm[2]);
  for (const PredictedLesion& l : m.predicted)
    std::printf("%-10s %4d %10.2f %9s %7s %7s %7.0f%%  (%.0f, %.0f, %.0f)\n",
                "predicted",
                l.id,
                l.volumeMl,
                l.truePositive ? "match" : (l.falsePositive ? "FALSE" : "partial"),
                "",
                "",
                100.0 * l.overlapFraction,
                l.centroidLpsMm[0],
                l.centroidLpsMm[1],
                l.centroidLpsMm[2]);

  nlohmann::json referenceLesions = nlohmann::json::array(), predicted = nlohmann::json::array();
  for (const ReferenceLesion& l : m.reference)
    referenceLesions.push_back({ { "id", l.id },
                                 { "voxelCount", l.voxels },
                                 { "volumeMl", l.volumeMl },
                                 { "centroidLpsMm", centroidJson(l.centroidLpsMm) },
                                 { "group", l.group },
                                 { "detected", l.detected },
                                 { "dice", l.dice },
                                 { "iou", l.iou },
                                 { "coverage", l.coverage },
                                 { "predictions", l.predictions } });
  for (const PredictedLesion& l : m.predicted)
    predicted.push_back({ { "id", l.id },
                          { "voxelCount", l.voxels },
                          { "volumeMl", l.volumeMl },
                          { "centroidLpsMm", centroidJson(l.centroidLpsMm) },
                          { "matchedGroup", l.matchedGroup },
                          { "truePositive", l.truePositive },
                          { "falsePositive", l.falsePositive },
                          { "overlapFraction", l.overlapFraction } });
  j["lesionDetection"] = {
    { "definition",
      "LiTS (Bilic et al., Med Image Anal 84:102680, 2023; lits-challenge-scoring "
      "detect_lesions): lesions are face-connected components; reference lesions overlapped "
      "most by one prediction are merged into a group, each prediction is matched to the group "
      "it overlaps most; a group is detected when IoU with its matched predictions > minIou. "
      "Per-lesion Dice/IoU are the group's. falsePositives: predictions overlapping no "
      "reference lesion (LiTS also counts unmatchedOverlapping ones)." },
    { "minIou", detection.minIou },
    { "largeFalsePositiveMl", detection.largeFalsePositiveMl },
    { "referenceFile", options.lesionReference },
    { "referenceLabel",
      detection.referenceLabel == 0 ? nlohmann::json("any non-zero")
                                    : nlohmann::json(detection.referenceLabel) },
    { "predictionFile", options.lesionPrediction },
    { "predictionLabel",
      detection.predictionLabel == 0 ? nlohmann::json("any non-zero")
                                     : nlohmann::json(detection.predictionLabel) },
    { "referenceCount", m.reference.size() },
    { "predictedCount", m.predicted.size() },
    { "detected", m.detected },
    { "missed", m.missed },
    { "falsePositives", m.falsePositives },
    { "largeFalsePositives", m.largeFalsePositives },
    { "falsePositiveMl", m.falsePositiveMl },
    { "unmatchedOverlapping", m.unmatchedOverlapping },
    { "reference", referenceLesions },
    { "predicted", predicted }
  };
}
} // namespace

void registerEvaluate(CLI::App& app, int& exitCode)
{
  auto options = std::make_shared<EvaluateOptions>();
  CLI::App* cmd = app.add_subcommand(
    "evaluate",
    "Dice, Jaccard, VOE, RVD, ASSD, MSSD (Hausdorff) and RMSSD of a prediction against a "
    "reference, as the LiTS benchmark defines them (Bilic et al., Med Image Anal 2023)");
  CLI::Option* ref =
    cmd->add_option("--ref", options->reference, "Reference label map (.nii/.nii.gz/.nrrd/.mha)");
  CLI::Option* pred =
    cmd->add_option("--pred", options->prediction, "Predicted label map on the same grid");
  ref->needs(pred);
  pred->needs(ref);
  CLI::Option* lesionsRef = cmd->add_option(
    "--lesions-ref",
    options->lesionReference,
    "Reference lesion map: its connected components are the reference lesions (LiTS detection)");
  CLI::Option* lesionsPred =
    cmd->add_option("--pred-lesions",
                    options->lesionPrediction,
                    "Predicted lesion map on the same grid: its connected components are the "
                    "predicted lesions");
  lesionsRef->needs(lesionsPred);
  lesionsPred->needs(lesionsRef);
  cmd
    ->add_option("--ref-lesion-label",
                 options->referenceLesionLabel,
                 "Lesion voxels of --lesions-ref have this value (default: any non-zero; LiTS "
                 "and IRCAD tumours: 2)")
    ->check(CLI::Range(1, 65535));
  cmd
    ->add_option("--pred-lesion-label",
                 options->predictionLesionLabel,
                 "Lesion voxels of --pred-lesions have this value (default: any non-zero)")
    ->check(CLI::Range(1, 65535));
  cmd
    ->add_option("--label",
                 options->label,
                 "Compare voxels with this value (in both maps unless --pred-label, or a binary "
                 "prediction); default: "
                 "any non-zero voxel")
    ->check(CLI::Range(1, 65535));
  cmd->add_option("--pred-label", options->predictionLabel, "Value to use in the prediction")
    ->check(CLI::Range(1, 65535));
  cmd
    ->add_option("--surface-connectivity",
                 options->connectivity,
                 "Neighbourhood defining surface voxels: 6, 18 (LiTS, default) or 26")
    ->check(CLI::IsMember({ 6, 18, 26 }));
  cmd->add_option("--json", options->json, "Write the metrics as JSON to this file");
  cmd->add_flag("--resample-labels",
                options->resample,
                "Resample the prediction onto the reference grid (nearest neighbour) when the "
                "grids differ");
  cmd->footer("Empty masks: both empty -> Dice 1, distances 0; one empty -> Dice 0, distances "
              "n/a (JSON null); RVD = (pred - ref) / ref is n/a when the reference is empty.\n"
              "Example: liverplan evaluate --ref example_seg.nii.gz --label 5 --pred "
              "example_seg_fast_liver_v2.nii.gz --pred-label 1 --json eval.json");
  cmd->callback(
    [options, &exitCode]
    {
      if (options->reference.empty() && options->lesionReference.empty())
        throw CLI::RequiredError("--ref and --pred, or --lesions-ref and --pred-lesions,");
      exitCode = runGuarded(
        [&]
        {
          nlohmann::json j = jsonHeader("evaluation");
          if (!options->reference.empty())
            evaluateOverlap(*options, j);
          if (!options->lesionReference.empty())
            evaluateLesions(*options, j);
          if (!options->json.empty())
            writeJson(options->json, j);
          return ExitOk;
        });
    });
}

} // namespace liver::cli
