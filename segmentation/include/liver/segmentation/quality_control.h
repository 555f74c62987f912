#pragma once
/// Quality control of a liver segmentation (automatic or imported): plausibility checks that tell
/// a user when not to trust the result. Status "ok" when every check passes, else "review" with
/// one reason per failed check. The limits are this project's reading of typical adult anatomy
/// (assumptions, each named below) calibrated so that the 19 IRCAD expert livers and the two IRCAD
/// patients' expert labels pass; they flag gross errors, not fine ones.

#include <liver/imaging/types.h>
#include <liver/segmentation/contrast_phase.h>

#include <optional>
#include <string>
#include <vector>

namespace liver
{

/// Limits of the checks (assumptions unless cited).
struct QualityControlOptions
{
  /// Standard liver volume of this patient (DESIGN.md §3, from height and weight), if known.
  std::optional<double> standardLiverVolumeMl;
  /// TLV / SLV outside this range: review. Healthy adults lie within about ±25 % of SLV
  /// (formula error, Vauthey et al. 2002); tumours and hypertrophy widen it (assumption).
  double minSlvRatio = 0.6;
  double maxSlvRatio = 1.8;
  /// Without SLV: plausible adult liver volume (assumption; IRCAD experts 1.0-2.9 L).
  double minVolumeMl = 800.0;
  double maxVolumeMl = 3500.0;
  /// The measured phase, for the HU expectation; unknown when not measured.
  ContrastPhase phase = ContrastPhase::Unknown;
  /// Voxels below FatHu (fat, air: not liver) or above BoneHu (bone, oral contrast, metal):
  /// more than these fractions of the mask means a leak (assumption).
  double maxFatFraction = 0.03;
  double maxBoneFraction = 0.005;
  /// Surface roughness: voxel-face area over the area of the sphere of the same volume; the
  /// 19 IRCAD expert livers give 2.0-2.7 at their own resolution (measured, see the tests); the
  /// limit is 10 % above the roughest. Tumours cut out of the mask leave inner surfaces.
  double maxSurfaceRatio = 3.0;
  /// Liver section on the first or last axial slice, or on the field-of-view border: at least
  /// this much area means the scan does not cover the whole liver.
  double maxBorderAreaMm2 = 100.0;
  /// Liver pieces apart from the largest: at most this volume in total.
  double maxDetachedMl = 10.0;
  /// Lesions: at most this many, and their total at most this fraction of the liver.
  std::size_t maxLesions = 15;
  double maxTumourFraction = 0.5;
};

constexpr double FatHu = -30.0;
constexpr double BoneHu = 300.0;

/// One check: its id, whether it passed, the value it read, and the reason when it did not.
struct QualityCheck
{
  std::string id; ///< "liver-volume", "liver-hu", "surface", "coverage", "components", "lesions"
  bool passed = true;
  bool assessed = true; ///< false when the input it needs is missing (then it passes)
  std::string value;    ///< what it measured, in words with units
  std::string reason;   ///< why a review is needed; empty when passed
};

struct QualityControl
{
  std::string status = "ok"; ///< "ok" or "review"
  std::vector<std::string> reasons;
  std::vector<QualityCheck> checks;
  // Figures behind the checks.
  double liverVolumeMl = 0.0;
  double meanHu = 0.0, sdHu = 0.0, skewness = 0.0;
  double fatFraction = 0.0, boneFraction = 0.0;
  double surfaceRatio = 0.0;
  std::size_t components = 0;
  double detachedMl = 0.0;
  std::size_t lesionCount = 0;
  double tumourMl = 0.0;
};

/// Run every check on `liver` (non-zero = liver) and optional `lesions` (0 none, k = lesion k;
/// may be null) over `ct`, all on one grid. std::invalid_argument when the grids differ.
QualityControl checkSegmentationQuality(const CtImage& ct,
                                        const LabelImage& liver,
                                        const LabelImage* lesions,
                                        const QualityControlOptions& options = {});

/// The liver HU range expected in a phase (assumption from typical values: unenhanced 40-75 HU,
/// portal-venous 80-150 HU; Naruo et al., Radiat Med 2007: PV enhancement 56 ± 14 HU), widened
/// for steatosis and cirrhosis; {min, max} in HU.
std::pair<double, double> expectedLiverHu(ContrastPhase phase);

} // namespace liver
