#pragma once
/// Rigid registration of a second CT of the same patient onto a first one (issue 5: the remnant
/// re-measured on the study after PVE). ITK's versor rigid 3D transform, multi-resolution, on the
/// liver region; the result is returned as plain numbers in LPS mm.

#include <liver/imaging/types.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace liver
{

/// A rigid mapping of LPS points as ITK defines it: p' = R (p - centre) + centre + translation.
struct RigidTransform
{
  std::array<double, 9> rotation{ 1, 0, 0, 0, 1, 0, 0, 0, 1 }; ///< row-major 3x3
  std::array<double, 3> translationMm{};
  std::array<double, 3> centreLpsMm{};

  /// The mapped point (LPS mm).
  std::array<double, 3> apply(const std::array<double, 3>& pointLpsMm) const;
  /// The rotated direction (for plane normals; no translation).
  std::array<double, 3> applyToVector(const std::array<double, 3>& vector) const;
  /// Rotation angle in degrees (0..180) of R about its axis.
  double rotationAngleDeg() const;
  /// Where the origin of the rotation goes: R(-c) + c + t, i.e. the affine offset in mm.
  std::array<double, 3> offsetMm() const;
  /// The inverse mapping (same centre).
  RigidTransform inverse() const;
};

/// Image similarity the optimizer maximizes (Mattes) or minimizes (mean squares).
enum class RegistrationMetric
{
  MattesMutualInformation,
  MeanSquares
};

/// How the translation starts: centres of the two grids, or centres of mass of the windowed
/// intensities (ITK's CenteredTransformInitializer GeometryOn / MomentsOn).
enum class RegistrationInitializer
{
  Geometry,
  Moments
};

/// Settings of registerRigid, with the defaults that register the phantom (2-4 mm) in seconds.
struct RigidRegistrationOptions
{
  RegistrationMetric metric = RegistrationMetric::MattesMutualInformation;
  RegistrationInitializer initializer = RegistrationInitializer::Moments;
  /// Soft-tissue window in HU: intensities are clamped to it before matching, so bone, air and
  /// contrast changes in vessels do not dominate.
  double windowLowHu = -150.0;
  double windowHighHu = 250.0;
  /// The fixed region: the bounding box of the fixed liver grown by this margin in mm.
  double liverMarginMm = 10.0;
  /// Shrink factors from coarse to fine (one level each; the last should be 1).
  std::vector<unsigned> shrinkFactors{ 4, 2, 1 };
  /// Gaussian smoothing sigma in mm per level (same length as shrinkFactors).
  std::vector<double> smoothingSigmasMm{ 4.0, 2.0, 0.0 };
  /// Metric samples per level, at most (a random, seeded subset of the region's voxels).
  std::size_t maxSamplesPerLevel = 60000;
  unsigned histogramBins = 32;
  std::uint32_t samplingSeed = 121;
  /// Regular step gradient descent: first step, smallest step and iterations per level. Steps are
  /// in scaled parameter units (scales from the physical shift of each parameter, roughly mm).
  double initialStepMm = 2.0;
  double minimumStepMm = 0.001;
  unsigned maxIterationsPerLevel = 300;
  /// Quality limits: below this Dice, or above this residual at the liver centroid, the result
  /// is refused (ProcessingError).
  double minimumLiverDice = 0.7;
  double maximumCentroidResidualMm = 20.0;
};

/// How well the registration lines the two livers up; empty without a moving liver mask.
struct RegistrationQuality
{
  /// Dice of the fixed liver and the moving liver mapped onto the fixed grid (nearest neighbour).
  std::optional<double> liverDice;
  /// |T(fixed liver centroid) - moving liver centroid| in mm; includes real shape change (growth).
  std::optional<double> centroidResidualMm;
  std::optional<double> fixedLiverMl;
  std::optional<double> movingLiverMl;
};

/// The registration of `moving` onto `fixed`.
struct RigidRegistration
{
  /// ITK's registration transform: maps a fixed-image point to the matching moving-image point.
  RigidTransform fixedToMoving;
  /// The inverse: a moving-image point to the matching fixed-image point.
  RigidTransform movingToFixed;
  std::string metric;       ///< "mattes-mutual-information" or "mean-squares"
  double metricValue = 0.0; ///< at the end (ITK's sign: lower is better)
  unsigned iterations = 0;  ///< all levels
  std::vector<unsigned> iterationsPerLevel;
  std::string stopCondition;               ///< the optimizer's, at the last level
  std::array<std::size_t, 3> regionSize{}; ///< fixed region (voxels) the metric was computed on
  RegistrationQuality quality;
  double seconds = 0.0;
};

/// Register `moving` onto `fixed` with a versor rigid 3D transform (ITK ImageRegistrationMethodv4,
/// one level per shrink factor, regular step gradient descent, Mattes MI or mean squares on the
/// HU window), over the fixed liver's bounding box grown by options.liverMarginMm, or the whole
/// fixed image when `fixedLiverMask` is null. With `movingLiverMask` (on the moving grid) the
/// quality is measured. Masks are non-zero = liver.
/// std::invalid_argument for null images, a mask on another grid than its image, or bad options;
/// InputError for an empty mask; ProcessingError when the optimizer does not converge (the last
/// level ends by its iteration limit), ITK fails, or the quality is below the limits - the message
/// says which.
RigidRegistration registerRigid(const CtImage& fixed,
                                const CtImage& moving,
                                const LabelImage* fixedLiverMask,
                                const RigidRegistrationOptions& options = {},
                                const LabelImage* movingLiverMask = nullptr);

} // namespace liver
