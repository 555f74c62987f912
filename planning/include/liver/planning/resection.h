#pragma once
/// Virtual resection: the remnant of a plan, its volumes and FLR ratios, lesion fates and
/// margins, R0, and Couinaud contiguity (DESIGN.md §2 PlanResult, §3 Volumes/Thresholds/Margin).

#include <liver/imaging/types.h>
#include <liver/planning/ablation_limits.h>
#include <liver/planning/plan.h>
#include <liver/volumetry/liver_function.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace liver
{

/// Smallest margin in mm that counts as R0: "sub-millimetre counts as R1; 1 mm acceptable"
/// (DESIGN.md §3 Margin).
inline constexpr double MinimumR0MarginMm = 1.0;

/// Values of PlanResult::remnantMap.
enum RemnantLabel : std::uint16_t
{
  RemnantNone = 0,     ///< outside the liver
  RemnantKept = 1,     ///< the remnant
  RemnantResected = 2, ///< resected by segments, planes or wedges
  RemnantAblated = 3   ///< ablation zone (lost from the remnant)
};

enum class LesionFate
{
  Resected, ///< every voxel of the lesion inside the liver is resected
  Ablated,  ///< in an ablation zone (and not left in the remnant)
  Left      ///< at least partly in the remnant
};

/// "resected", "ablated" or "left".
std::string toString(LesionFate fate);

/// What a plan does to one lesion.
struct LesionOutcome
{
  int id = 0;
  LesionFate fate = LesionFate::Left;
  bool transected = false; ///< the cut passes through the lesion (part resected, part left)
  /// Minimum distance in mm between the lesion and the cut surface (the boundary between resected
  /// and non-resected liver): for a resected lesion its margin in the specimen, for a lesion left
  /// in the remnant how far the cut passes from it; 0 when transected; empty when nothing is
  /// resected or the lesion is ablated. For each lesion voxel and its nearest voxel across the cut
  /// (by centre distance): the centre distance less half a voxel at each end along that line, 0
  /// when the two voxels touch; the minimum over the lesion's voxels.
  std::optional<double> marginMm;
  std::uint64_t voxelCount = 0; ///< lesion voxels inside the liver
  double volumeMl = 0.0;
  std::optional<double> maxDiameterMm;    ///< computed for ablated lesions (ablation warning)
  std::optional<double> vesselDistanceMm; ///< ablated lesions with vessels given: gap to the
                                          ///< nearest vessel voxel, empty when > 5 mm
  std::vector<std::string> warnings;
};

/// FLR with the liver boundary moved by one voxel in and out (the cuts do not move), so a result
/// near the threshold is reported as such.
struct FlrBand
{
  double flrPercentLow = 0.0;
  double flrPercentHigh = 0.0;
  std::optional<double> sflrPercentLow;
  std::optional<double> sflrPercentHigh;
  double remnantMlLow = 0.0;  ///< remnant with its outer surface eroded by one voxel
  double remnantMlHigh = 0.0; ///< remnant with its outer surface dilated by one voxel
};

/// Patient figures and thresholds for a plan's FLR ratios.
struct PlanOptions
{
  std::optional<double> heightCm; ///< with weightKg: BSA, SLV and sFLR
  std::optional<double> weightKg; ///< FLR / body weight %
  BsaFormula bsaFormula = BsaFormula::Mosteller;
  SlvFormula slvFormula = SlvFormula::Vauthey;
  LiverCondition condition = LiverCondition::Unknown;
  std::optional<double> thresholdPercent; ///< overrides the threshold of `condition`
  /// A segment is "left" when at least this fraction of its voxels stays in the remnant.
  double segmentKeptFraction = 0.5;
  bool makeRemnantMap = true; ///< fill PlanResult::remnantMap
};

/// The outcome of one plan (DESIGN.md §2 PlanResult). Volumes in mL.
struct PlanResult
{
  std::string name;
  std::string spec; ///< canonical command-line form of the plan

  double totalLiverMl = 0.0; ///< TLV incl. vessels and lesions (DESIGN.md §3 Volumes)
  double tumourMl = 0.0;     ///< lesion voxels inside the liver
  double functionalMl = 0.0; ///< TLV - tumour
  double remnantMl = 0.0;    ///< remnant incl. lesions left in it
  double flrMl = 0.0;        ///< functional remnant: remnant - tumour left in it
  double resectedMl = 0.0;   ///< resected by segments, planes and wedges
  double ablatedMl = 0.0;    ///< ablation zones not otherwise resected
  std::uint64_t remnantVoxels = 0;
  std::uint64_t resectedVoxels = 0;
  std::uint64_t ablatedVoxels = 0;

  double flrPercent = 0.0; ///< FLR / (TLV - tumour) x 100
  std::optional<double> standardLiverVolumeMl;
  std::optional<double> sflrPercent;          ///< FLR / SLV x 100 (height and weight given)
  std::optional<double> flrBodyWeightPercent; ///< FLR / (weight x 1000) x 100 (weight given)
  double thresholdPercent = 0.0;
  std::string thresholdBasis;     ///< "sFLR" or "measured FLR" (no height/weight)
  std::string thresholdSource;    ///< e.g. "Kishi 2009", "user"
  std::string thresholdRationale; ///< why this threshold
  bool volumeAdequate = false;    ///< the basis ratio >= threshold
  bool pass = false; ///< volumeAdequate and (without segments) >= 2 contiguous segments
  std::vector<std::string> passReasons; ///< one line per criterion, met or not

  bool hasSegments = false;
  std::array<double, 9> segmentRemnantFraction{}; ///< index 1..8: fraction of each segment kept
  std::vector<int> segmentsLeft;                  ///< fraction >= PlanOptions::segmentKeptFraction
  /// Face-connected groups of the left segments in the remnant (each sorted).
  std::vector<std::vector<int>> segmentGroups;
  std::optional<bool> contiguous; ///< some group has >= 2 segments; empty without segments
  int remnantPieces = 0;          ///< face-connected pieces of the remnant of at least 1 mL

  std::vector<LesionOutcome> lesions; ///< by id
  bool r0 = false;
  std::string marginStatus; ///< "R0", "R1" (margin < 1 mm) or "R2" (tumour left in the remnant)
  std::string marginReason; ///< one line

  std::optional<FlrBand> band;
  std::vector<std::string> warnings;
  LabelImage::Pointer remnantMap; ///< RemnantLabel values on the liver's grid
};

/// Apply `plan` to `labels` (liver required; lesions, segments and vessels optional; all on one
/// grid) and measure the result. InputError when the liver is empty, the plan needs segments and
/// there are none, or it names a lesion absent from the lesion map; std::invalid_argument for a
/// grid mismatch, bad plan values or absurd height/weight (bodySurfaceAreaM2's ranges).
PlanResult evaluatePlan(const LiverLabels& labels,
                        const ResectionPlan& plan,
                        const PlanOptions& options = {});

/// A proposed plan with its evaluation.
struct RankedPlan
{
  ResectionPlan plan;
  PlanResult result;
};

/// Auto-plan: candidate plans are built from the lesions and evaluated - wedges of every lesion
/// (10 mm, DESIGN.md §3 Margin default); wedges with ablation (5 mm zone) of the lesions of at
/// most 30 mm (DESIGN.md §3 Ablation); and, with a segment map, every Brisbane resection, alone
/// or with wedges of the lesions it leaves. The candidates that reach R0 are returned best first
/// (pass before fail, then the largest functional remnant), at most `count`, with remnant maps
/// when options.makeRemnantMap. Empty when there are no lesions or no candidate reaches R0.
std::vector<RankedPlan> proposePlans(const LiverLabels& labels,
                                     const PlanOptions& options,
                                     std::size_t count = 3);

} // namespace liver
