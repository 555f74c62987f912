#pragma once
/// Correcting a segmentation: brush, lesion growth and region operations on LiverLabels with an
/// undo/redo history, live volumes and an edit log. No display: the planner window (a later
/// step) calls these with the points its clicks land on.

#include <liver/imaging/types.h>
#include <liver/model/result.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace liver::editing
{

/// The label map a brush works on.
enum class EditTarget
{
  Liver,  ///< liver mask (erasing it also clears lesions and segments there)
  Lesion, ///< lesion ids (painting adds the voxels to the liver)
  Segment ///< Couinaud segments 1..8 (painted only inside the liver)
};

/// A spherical brush: the voxels whose centres lie within `radiusMm` of `centreLpsMm`.
struct Brush
{
  std::array<double, 3> centreLpsMm{};
  double radiusMm = 5.0;
  EditTarget target = EditTarget::Liver;
  /// Lesion id or Couinaud segment to paint (Lesion: 0 = a new id; erasing: 0 = any id);
  /// ignored for the liver.
  std::uint16_t value = 0;
  bool erase = false;
  /// Only voxels with HU in [low, high] (Slicer's threshold-limited brush).
  std::optional<std::pair<double, double>> huRange;
  /// A 2D brush: only the voxels of the image slice through the centre across this index axis
  /// (0, 1, 2; a disc of radiusMm on that slice). Unset: the 3D sphere.
  std::optional<int> sliceAxis;
};

/// A 3D growth from a clicked voxel: 6-connected voxels with HU in the range, within
/// `maxRadiusMm` of the seed.
struct GrowthOptions
{
  /// HU range; unset: the seed's 3x3x3 mean HU +- toleranceHu, widened to the seed's own HU.
  std::optional<std::pair<double, double>> huRange;
  double toleranceHu = 40.0;
  double maxRadiusMm = 40.0;
};

/// What one operation changed, per label: "liver", "tumour" (any lesion id), "lesion 3",
/// "segment 5".
struct LabelChange
{
  std::string label;
  std::int64_t voxelsAdded = 0;
  std::int64_t voxelsRemoved = 0;
  double mlAdded = 0.0;
  double mlRemoved = 0.0;
};

/// One entry of the edit log.
struct EditRecord
{
  std::string operation; ///< e.g. "paint lesion 2, 5.0 mm at (10.0, -3.0, 20.0)"
  std::vector<LabelChange> changes;
  std::size_t voxelsChanged = 0; ///< voxels where any map changed
};

/// Volumes while editing (DESIGN.md §3: TLV counts lesions; functional = TLV - tumour).
struct LiveNumbers
{
  double totalLiverMl = 0.0;
  double tumourMl = 0.0; ///< lesion voxels (inside the liver by construction)
  double functionalMl = 0.0;
  std::size_t lesionCount = 0;
  /// With a plan: planning::evaluatePlan on the current labels; else the followed plan's
  /// (LabelEditor::followPlan), counted voxel by voxel.
  std::optional<double> flrMl;
  std::optional<double> flrPercent; ///< FLR / (TLV - tumour) x 100, as `liverplan plan` gives it
  /// The followed plan has wedge or ablation zones, which keep the extent they had when it was
  /// last evaluated: the FLR is an estimate until the next evaluation.
  bool flrEstimated = false;
};

/// A lesion grown from a seed, shown before it is accepted.
struct LesionPreview
{
  std::vector<std::size_t> voxels; ///< buffer offsets
  double volumeMl = 0.0;
  std::pair<double, double> huRange;
};

/// Edits LiverLabels on the CT's grid. Keeps the invariants of LiverLabels: lesions and
/// segments only inside the liver. Every operation that changes a voxel is one undo step (one
/// that changes none is neither a step nor in the log), except within a stroke (beginStroke /
/// endStroke), which is one step; undo/redo restore the maps byte for byte.
class LabelEditor
{
public:
  /// Copies `labels` (liver required; lesions and segments may be null: empty maps are made).
  /// std::invalid_argument when the liver is null or a map is not on the CT's grid.
  LabelEditor(CtImage::ConstPointer ct, const LiverLabels& labels);

  /// The current labels (lesions and segments always present; segments null when the input had
  /// none and nothing was painted).
  LiverLabels labels() const;

  EditRecord paint(const Brush& brush);
  /// Grow a lesion from `seedLps` inside the liver, not into other lesions; nothing changes.
  /// std::invalid_argument when the seed is outside the CT or the liver.
  LesionPreview previewLesion(const std::array<double, 3>& seedLps,
                              const GrowthOptions& options) const;
  /// Make the preview a new lesion (the next free id). std::invalid_argument when it is empty.
  EditRecord acceptLesion(const LesionPreview& preview);
  /// Remove the lesion at `pointLps` (its voxels stay liver). std::invalid_argument when there is
  /// none there.
  EditRecord removeLesion(const std::array<double, 3>& pointLps);
  /// Add to the liver the region grown from `pointLps` over voxels outside it.
  EditRecord includeRegion(const std::array<double, 3>& pointLps, const GrowthOptions& options);
  /// Remove from the liver (and its lesions and segments) the region grown from `pointLps` over
  /// liver voxels.
  EditRecord excludeRegion(const std::array<double, 3>& pointLps, const GrowthOptions& options);

  /// Start a brush stroke (press, drags, release): the operations until endStroke() change the
  /// labels at once as usual but make one undo step and one log entry. A lesion brush with value
  /// 0 paints the whole stroke with one new id. No effect when a stroke is open.
  void beginStroke();
  /// Close the stroke: its record (the first changing operation's text with the number of dabs;
  /// per-label totals and voxels changed, each voxel counted once, from its value before the
  /// stroke to its value after). Empty when the stroke changed nothing in the end (then no step);
  /// no effect and an empty record when no stroke is open. undo() and redo() close an open stroke
  /// first.
  EditRecord endStroke();
  bool inStroke() const { return m_strokeOpen; }

  /// The id a lesion painted or accepted now would get (the next free one).
  std::uint16_t newLesionId() const { return nextLesionId(); }

  bool canUndo() const;
  bool canRedo() const;
  /// Step back (forward); false when there is nothing to undo (redo).
  bool undo();
  bool redo();

  /// TLV, tumour and functional volume now; with `plan`, its FLR on the current labels
  /// (evaluatePlan); without, the followed plan's FLR when one is followed.
  LiveNumbers numbers(const ResectionPlan* plan = nullptr, const PlanOptions& options = {}) const;

  /// Follow `plan`'s FLR through every later change without evaluating the plan again (live
  /// numbers during a stroke). `exact` is evaluatePlan(labels(), plan) with its remnant map. A
  /// changed voxel is classified again on its own: outside the liver; resected when its Couinaud
  /// segment is one the plan resects; else its state in `exact` when it was liver then and its
  /// segment's fate is the same; else resected on the far side of one of the plan's planes, else
  /// kept. So segment and plane plans give evaluatePlan's FLR (a newly painted voxel centred
  /// exactly on a plane may fall on the other side by rounding); wedge and ablation zones keep
  /// their extent (LiveNumbers::flrEstimated). Replaces a plan followed before.
  /// std::invalid_argument when `exact` has no remnant map on the CT's grid.
  void followPlan(const ResectionPlan& plan, const PlanResult& exact);
  void stopFollowingPlan() { m_follow.reset(); }

  /// The operations that made the current labels (undone ones excluded), oldest first; an open
  /// stroke with a net change is the last entry, as endStroke() would record it now.
  std::vector<EditRecord> log() const;
  /// log().size() without building the records.
  std::size_t operationCount() const { return m_applied + (strokeChanged() ? 1 : 0); }
  /// Net change of the current labels against the ones given, per label (only changed labels).
  std::vector<LabelChange> netChange() const;
  /// Lesion ids with voxels now but none at the start, and the reverse.
  std::pair<std::size_t, std::size_t> lesionIdsAddedRemoved() const;
  /// The edit log as JSON: operations, net change per label, units.
  nlohmann::json logJson() const;

private:
  struct VoxelChange
  {
    std::size_t offset;
    std::array<std::uint16_t, 3> before; ///< liver, lesion, segment
    std::array<std::uint16_t, 3> after;
  };
  struct Step
  {
    EditRecord record;
    std::vector<VoxelChange> voxels;
  };

  /// A voxel's first change since followPlan: its remnant state then and its labels then.
  struct FollowStart
  {
    std::uint16_t state;
    std::array<std::uint16_t, 3> values;
  };
  struct FollowedPlan
  {
    LabelImage::ConstPointer remnantMap;       ///< RemnantLabel values of the evaluation
    std::array<bool, 9> resectsSegment{};      ///< by Couinaud segment 1..8
    std::vector<std::array<double, 4>> planes; ///< unit normal (LPS) and its offset n . point
    bool zones = false;                        ///< wedges or ablations
    std::int64_t keptVoxels = 0;               ///< the remnant
    std::int64_t tumourKeptVoxels = 0;         ///< lesion voxels in the remnant
    std::unordered_map<std::size_t, FollowStart> touched;
  };

  CtImage::ConstPointer m_ct;
  LabelImage::Pointer m_liver, m_lesions, m_segments;
  LabelImage::Pointer m_originalLiver, m_originalLesions, m_originalSegments;
  bool m_hadLesions = false, m_hadSegments = false;
  double m_voxelMl = 0.0;
  std::int64_t m_liverCount = 0, m_tumourCount = 0, m_segmentCount = 0;
  std::int64_t m_tumourInLiverCount = 0; ///< evaluatePlan's tumour: lesion voxels in the liver
  std::optional<FollowedPlan> m_follow;
  std::vector<std::int64_t> m_lesionVoxels; ///< by lesion id
  std::vector<std::int64_t> m_originalLesionVoxels;
  std::size_t m_lesionCount = 0; ///< ids with voxels
  std::vector<Step> m_steps;
  std::size_t m_applied = 0; ///< steps [0, m_applied) are in effect
  bool m_strokeOpen = false;
  std::vector<VoxelChange> m_strokeVoxels; ///< one per voxel: before the stroke, now
  std::unordered_map<std::size_t, std::size_t> m_strokeIndex; ///< offset -> m_strokeVoxels
  std::string m_strokeOperation;                              ///< the first changing operation's
  std::size_t m_strokeDabs = 0;                               ///< operations that changed voxels
  std::uint16_t m_strokeLesionId = 0; ///< the new lesion id of the stroke (0: none yet)

  std::size_t offsetAt(const std::array<double, 3>& lps) const;
  std::array<std::uint16_t, 3> valuesAt(std::size_t offset) const;
  void setValues(std::size_t offset, const std::array<std::uint16_t, 3>& values);
  void setCounts(const std::array<std::uint16_t, 3>& values, int sign);
  /// The followed plan's state of the voxel at `offset` with `values` (RemnantLabel).
  std::uint16_t followedState(std::size_t offset,
                              const std::array<std::uint16_t, 3>& values,
                              const FollowStart& start) const;
  EditRecord commit(const std::string& operation, std::vector<VoxelChange> voxels);
  EditRecord record(const std::string& operation, const std::vector<VoxelChange>& voxels) const;
  void pushStep(Step step);
  bool strokeChanged() const; ///< an open stroke with a net change
  Step openStroke() const;    ///< the open stroke's net voxel changes and record
  std::vector<std::size_t> grow(std::size_t seed,
                                const std::pair<double, double>& huRange,
                                double maxRadiusMm,
                                bool insideLiver,
                                bool avoidLesions) const;
  std::pair<double, double> rangeAround(std::size_t seed, const GrowthOptions& options) const;
  std::uint16_t nextLesionId() const;
};

/// The segmentation's provenance after a review in the editor (the result model's record):
/// Reviewed when the labels have no net change, else Edited with the net totals, the origins of
/// the changed maps set to Edited. `reviewer` and `isoTime` are required (std::invalid_argument).
model::SegmentationProvenance reviewedProvenance(const LabelEditor& editor,
                                                 model::SegmentationProvenance before,
                                                 const std::string& reviewer,
                                                 const std::string& isoTime,
                                                 const std::string& logFile = {});

} // namespace liver::editing
