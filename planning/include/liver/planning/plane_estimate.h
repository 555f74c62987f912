#pragma once
/// The estimate the planner shows while one cut plane of a plan moves (the viewer's drag): the
/// plan's other parts are evaluated once (evaluatePlan with a remnant map); each position of the
/// plane then only sorts coarse blocks of the kept liver and the lesions' kept voxels by side, in
/// about a millisecond. The exact figures are evaluatePlan's (on release). No display needed.

#include <liver/imaging/types.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace liver
{

/// The remnant figures shown on screen: exact (evaluatePlan) or estimated on the coarse grid.
struct PlanEstimate
{
  bool exact = false;
  double remnantMl = 0.0;
  double flrMl = 0.0;
  double flrPercent = 0.0;
  std::optional<double> sflrPercent;
  struct Lesion
  {
    int id = 0;
    LesionFate fate = LesionFate::Left;
    std::optional<double> marginMm;
  };
  std::vector<Lesion> lesions;
};

/// Estimates of a plan whose one cut plane moves.
class PlaneDragEstimator
{
public:
  /// `labels`: the liver (required, not empty) and the lesions, on one grid. `fixedRemnant`: the
  /// remnant map (RemnantLabel values) of the plan without the moving plane, from evaluatePlan
  /// with makeRemnantMap, on the liver's grid; nullptr when that plan resects nothing (the whole
  /// liver is kept). `options`: height, weight and formulas (the sFLR). `coarseSpacingMm`: the
  /// blocks' edge (rounded to whole voxels per axis). std::invalid_argument for an empty liver, a
  /// spacing that is not positive or a remnant map of another size.
  PlaneDragEstimator(const LiverLabels& labels,
                     const LabelImage* fixedRemnant,
                     const PlanOptions& options,
                     double coarseSpacingMm);

  /// The estimate with the moving plane at `plane` (none: the fixed plan alone). Remnant and FLR
  /// from the blocks whose centre of kept liver lies on the kept side (FLR % and sFLR % by
  /// volumetry's formulas); a lesion's fate from its voxels' sides and its margin from its kept
  /// (or plane-resected) voxels' distance to the plane less half a voxel along the normal. Margins
  /// the moving plane does not decide are taken from `exact` (the plan's last exact result) when
  /// given, else left empty.
  PlanEstimate estimate(const std::optional<CutPlane>& plane,
                        const PlanResult* exact = nullptr) const;

  std::size_t cellCount() const { return m_cells.size(); }

private:
  using Vec3 = std::array<double, 3>;
  struct Cell
  {
    Vec3 centreLps{};
    double liverVoxels = 0.0;
    double tumourVoxels = 0.0;
  };
  struct LesionVoxels
  {
    int id = 0;
    std::vector<Vec3> keptLps; ///< voxels the fixed plan keeps
    std::size_t resected = 0;  ///< voxels the fixed plan resects
    std::size_t ablated = 0;   ///< voxels the fixed plan ablates
  };

  std::vector<Cell> m_cells;
  std::vector<LesionVoxels> m_lesions; ///< by id
  std::array<double, 3> m_spacing{};
  std::array<std::array<double, 3>, 3> m_direction{};
  double m_voxelMl = 0.0;
  double m_liverVoxels = 0.0;
  double m_tumourVoxels = 0.0;
  std::optional<double> m_slvMl;
  bool m_fixedResectsSomething = false;
};

} // namespace liver
