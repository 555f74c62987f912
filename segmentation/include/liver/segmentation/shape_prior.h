#pragma once
/// A statistical liver shape prior built from expert liver masks: each mask is normalised by its
/// centroid and per-axis standard deviation (LPS mm), and the prior is the fraction of masks
/// covering each point of that normalised space (a probabilistic atlas after a per-axis scaling
/// alignment; Heimann et al., IEEE TMI 2009 review such shape priors for liver CT). It is fitted
/// to a CT by the same six parameters (centre and per-axis scale) and gives, per voxel, how likely
/// liver is there. Expert masks are data: the prior is built from them by `liverplan shape-prior`
/// and read from a file, never compiled in.

#include <liver/imaging/types.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace liver
{

/// The prior: probability 0..1 on a cubic grid of normalised coordinates u = (p - centre) / std.
struct ShapePrior
{
  static constexpr int GridSize = 81;       ///< points per axis
  static constexpr double GridStep = 0.075; ///< normalised units between points
  static constexpr double GridMin = -3.0;   ///< normalised coordinate of the first point
  std::vector<float> probability;           ///< GridSize^3, x fastest
  std::array<double, 3> meanStdMm{};        ///< mean per-axis std of the masks (LPS mm)
  int shapes = 0;                           ///< number of masks averaged
  std::vector<std::string> sources;         ///< mask file names (no folders)

  /// Probability at normalised coordinates (trilinear; 0 outside the grid).
  double at(double u, double v, double w) const;
};

/// Build the prior from binary masks (non-zero = liver; any orientation ITK reads). Throws
/// InputError naming the file for an unreadable or empty mask, std::invalid_argument when no mask
/// is given.
ShapePrior buildShapePrior(const std::vector<std::string>& maskPaths);

/// Write to / read from a NRRD file (probability x 1000 as 16-bit labels, the metadata as NRRD
/// key/values). Reading throws InputError naming the file and the missing or bad field.
void writeShapePrior(const ShapePrior& prior, const std::string& path);
ShapePrior readShapePrior(const std::string& path);

/// Where the automatic segmentation finds a prior when none is given: $LIVERPLAN_SHAPE_PRIOR, then
/// the installed copy, then the one the build made. Empty when none exists.
std::string defaultShapePriorPath();

/// The fitted placement of the prior on a CT: prior point u sits at centre + u * scale (LPS mm).
struct ShapePriorFit
{
  std::array<double, 3> centreLpsMm{};
  std::array<double, 3> scaleMm{};
  double score = 0.0;      ///< sum over sampled voxels of probability x weight
  int evaluations = 0;     ///< score evaluations spent
  double massInScan = 0.0; ///< fraction of the fitted prior's mass inside the scan's extent
  double seconds = 0.0;    ///< wall time of the fit
};

/// A voxel of the CT with its evidence for liver: +1 liver-like, negative unlike liver.
struct WeightedPoint
{
  float x, y, z; ///< LPS mm
  float weight;
};

/// Fit centre and per-axis scale maximising the sum of probability x weight over `points`
/// (coarse grid search over translations and scales around `initialCentreLpsMm`, then a pattern
/// search). `fine` points refine the coarse result (may be the same set).
ShapePriorFit fitShapePrior(const ShapePrior& prior,
                            const std::vector<WeightedPoint>& coarse,
                            const std::vector<WeightedPoint>& fine,
                            const std::array<double, 3>& initialCentreLpsMm);

} // namespace liver
