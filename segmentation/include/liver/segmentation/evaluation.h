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

#include <cstdint>
#include <optional>

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

} // namespace liver
