#pragma once
/// Segmentation accuracy as the LiTS benchmark defines it (Bilic et al., "The Liver Tumor
/// Segmentation Benchmark (LiTS)", Med Image Anal 84:102680, 2023; reference code
/// PatrickChrist/lits-challenge-scoring, helpers/calc_metric.py and helpers/surface.py, whose
/// surface metrics follow Heimann et al., IEEE TMI 28(8):1251-1265, 2009).
///
/// With R the reference voxels, P the predicted voxels and S(X) the surface voxels of X:
/// - Dice = 2|R∩P| / (|R|+|P|); Jaccard = |R∩P| / |R∪P|; VOE = 1 − Jaccard.
/// - RVD = (|P| − |R|) / |R| (issue 3; signed, > 0 = over-segmentation). Beware: the challenge
///   script calls medpy's ravd(R, P), i.e. (|R| − |P|) / |P|, opposite in sign and with the
///   prediction as denominator.
/// - S(X) = X minus its erosion by the 18-neighbourhood (face and edge neighbours; LiTS's
///   Surface.compute_contour), voxels outside the image counting as background.
/// - d(v, S) = Euclidean distance in mm between voxel centres, honouring anisotropic spacing.
/// - ASSD = (Σ_{s∈S(P)} d(s,S(R)) + Σ_{s∈S(R)} d(s,S(P))) / (|S(P)| + |S(R)|)  (pooled mean, as
///   LiTS; medpy.metric.binary.assd instead averages the two directed means).
/// - MSSD = max(max_{s∈S(P)} d(s,S(R)), max_{s∈S(R)} d(s,S(P))), the Hausdorff distance between
///   the surfaces; RMSSD = sqrt of the pooled mean of squared distances.
/// Distances come from an exact Euclidean distance transform (Felzenszwalb & Huttenlocher,
/// Theory of Computing 8:415-428, 2012), not an approximation.
///
/// Empty masks (LiTS assigns an arbitrary penalty instead; we report "undefined"):
/// - both empty: Dice = Jaccard = 1, VOE = 0, distances 0, RVD undefined (reference empty);
/// - one empty: Dice = Jaccard = 0, VOE = 1, distances undefined; RVD = −1 when only the
///   prediction is empty, undefined when the reference is empty.

#include <liver/imaging/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace liver
{

/// Which voxels are compared and how surfaces are found.
struct EvaluationOptions
{
  std::uint16_t referenceLabel = 0;  ///< reference voxels equal to this value; 0 = any non-zero
  std::uint16_t predictionLabel = 0; ///< predicted voxels equal to this value; 0 = any non-zero
  int surfaceConnectivity = 18;      ///< erosion neighbourhood for S(X): 6, 18 (LiTS) or 26
};

/// Overlap, volume and surface-distance metrics of a prediction against a reference.
struct SegmentationMetrics
{
  std::uint64_t referenceVoxels = 0;
  std::uint64_t predictionVoxels = 0;
  std::uint64_t intersectionVoxels = 0;
  double referenceVolumeMl = 0.0;
  double predictionVolumeMl = 0.0;
  double dice = 0.0;
  double jaccard = 0.0;
  double voe = 1.0;          ///< volumetric overlap error, 1 − Jaccard
  std::optional<double> rvd; ///< relative volume difference (fraction, not %); none if |R| = 0
  std::uint64_t referenceSurfaceVoxels = 0;
  std::uint64_t predictionSurfaceVoxels = 0;
  std::optional<double> assdMm;  ///< average symmetric surface distance; none if one mask empty
  std::optional<double> mssdMm;  ///< maximum symmetric surface distance (Hausdorff)
  std::optional<double> rmssdMm; ///< root mean square symmetric surface distance
};

/// Compare `prediction` with `reference` (both on the same grid, orthonormal direction).
/// std::invalid_argument when the grids differ (see describeGridMismatch) or the direction matrix
/// is not orthonormal, or the connectivity is not 6, 18 or 26.
/// Memory: one byte per voxel of the masks' joint bounding box plus eight for the distances.
SegmentationMetrics evaluateSegmentation(const LabelImage& reference,
                                         const LabelImage& prediction,
                                         const EvaluationOptions& options = {});

/// Per-lesion detection as LiTS scores it (Bilic et al., Med Image Anal 84:102680, 2023;
/// reference code lits-challenge-scoring, evaluate.py and helpers/calc_metric.py detect_lesions):
/// - lesions are the connected components (face neighbours, scipy.ndimage.label's default) of the
///   reference lesion mask and of the predicted lesion mask;
/// - reference lesions overlapped most by the same predicted lesion are merged into one group,
///   each predicted lesion is matched to the group it overlaps most, and the predicted lesions
///   matched to one group are merged;
/// - a group's reference lesions are detected when the group's intersection over union with its
///   matched predictions exceeds 0.5 (strictly, as `overlap_fraction <= min_overlap` rejects;
///   IoU > 0.5 is Dice > 2/3);
/// - per-lesion Dice and IoU are those of the lesion's group with its matched predictions (0 when
///   none is matched); coverage is the fraction of the lesion's own voxels inside any prediction.
/// False positives here are predicted lesions that overlap no reference lesion at all (LiTS also
/// counts a prediction that overlaps a missed lesion as FP; those are counted apart, as
/// `unmatchedOverlapping`).
struct LesionDetectionOptions
{
  std::uint16_t referenceLabel = 0;  ///< lesion voxels of the reference; 0 = any non-zero
  std::uint16_t predictionLabel = 0; ///< lesion voxels of the prediction; 0 = any non-zero
  double minIou = 0.5;               ///< detected when IoU > minIou (LiTS: 0.5)
  double largeFalsePositiveMl = 1.0; ///< false positives at least this large are counted apart
};

/// One reference lesion (connected component; id 1 = largest).
struct ReferenceLesion
{
  int id = 0;
  std::uint64_t voxels = 0;
  double volumeMl = 0.0;
  std::array<double, 3> centroidLpsMm{};
  int group = 0;         ///< lesions merged by one prediction share a group (smallest member id)
  bool detected = false; ///< its group's IoU with the matched predictions > minIou
  double iou = 0.0;      ///< of the group with its matched predictions
  double dice = 0.0;     ///< of the group with its matched predictions
  double coverage = 0.0; ///< fraction of this lesion's voxels inside any predicted lesion
  std::vector<int> predictions; ///< ids of the predicted lesions matched to its group
};

/// One predicted lesion (connected component; id 1 = largest).
struct PredictedLesion
{
  int id = 0;
  std::uint64_t voxels = 0;
  double volumeMl = 0.0;
  std::array<double, 3> centroidLpsMm{};
  int matchedGroup = 0;         ///< group of the reference lesions it overlaps most; 0 = none
  bool truePositive = false;    ///< its group was detected
  bool falsePositive = false;   ///< overlaps no reference lesion at all
  double overlapFraction = 0.0; ///< fraction of its voxels inside any reference lesion
};

/// LiTS detection counts and the lesions behind them.
struct LesionDetectionMetrics
{
  std::vector<ReferenceLesion> reference;
  std::vector<PredictedLesion> predicted;
  std::size_t detected = 0;             ///< reference lesions detected
  std::size_t missed = 0;               ///< reference lesions not detected
  std::size_t falsePositives = 0;       ///< predicted lesions overlapping no reference lesion
  std::size_t largeFalsePositives = 0;  ///< of those, at least largeFalsePositiveMl
  double falsePositiveMl = 0.0;         ///< their total volume
  std::size_t unmatchedOverlapping = 0; ///< predictions touching a reference lesion, not detected
};

/// Score the lesions of `prediction` against those of `reference` (same grid) as described
/// above. std::invalid_argument when the grids differ or minIou is outside [0, 1).
LesionDetectionMetrics evaluateLesionDetection(const LabelImage& reference,
                                               const LabelImage& prediction,
                                               const LesionDetectionOptions& options = {});

} // namespace liver
