#pragma once
/// The exact Euclidean distance transform and the connected components of a box of voxels: the
/// one home of both for the planner (margins, heat-sink distances, remnant pieces, contiguity),
/// the segmentation metrics (surface distances) and the segmentation algorithms' own grids
/// (components); on ITK images the segmentation uses ITK's filters.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace liver
{

/// A box of voxels, x fastest, with its spacing in mm.
struct VoxelGrid
{
  std::array<long, 3> size{ 0, 0, 0 };
  std::array<double, 3> spacingMm{ 1.0, 1.0, 1.0 };
  std::size_t count() const
  {
    return static_cast<std::size_t>(size[0]) * static_cast<std::size_t>(size[1]) *
           static_cast<std::size_t>(size[2]);
  }
  std::size_t index(long x, long y, long z) const
  {
    return (static_cast<std::size_t>(z) * static_cast<std::size_t>(size[1]) +
            static_cast<std::size_t>(y)) *
             static_cast<std::size_t>(size[0]) +
           static_cast<std::size_t>(x);
  }
};

/// Squared distance in mm² from every voxel centre to the nearest centre of a voxel with
/// feature[i] != 0 (exact, separable lower-envelope algorithm of Felzenszwalb & Huttenlocher,
/// Theory of Computing 2012; lines run in parallel), +infinity where the grid has no feature.
/// When `nearest` is given it receives the linear index of that nearest feature voxel (-1 where
/// there is none). Distances are physical for an orthonormal direction matrix (rotations keep
/// lengths). Real is float or double.
template<typename Real>
void squaredDistanceTransform(const std::vector<std::uint8_t>& feature,
                              const VoxelGrid& grid,
                              std::vector<Real>& distance2,
                              std::vector<std::int32_t>* nearest = nullptr);

/// Which neighbours connect: the 6 that share a face, or all 26 that share a face, an edge or a
/// corner. On a grid one voxel thick (a slice) they are the 4 and the 8 neighbours.
enum class Connectivity
{
  Face, ///< 6 neighbours (4 in a slice)
  Full  ///< 26 neighbours (8 in a slice)
};

/// Connected components of the voxels with mask[i] != 0: labels 1..n in `labels` (0 outside the
/// mask), numbered in the order of their first voxel (x fastest); returns n. The one labelling
/// on voxel boxes: the planner's remnant pieces and contiguity, the segmentation metrics, the
/// lesion detector's cores and pieces, lesion ids from a mask, the contrast-phase estimate's
/// bone sections.
int labelComponents(const std::vector<std::uint8_t>& mask,
                    const VoxelGrid& grid,
                    std::vector<std::int32_t>& labels,
                    Connectivity connectivity = Connectivity::Face);

/// Fill the holes of `mask`: its background (mask[i] == 0) pieces, face-connected, that do not
/// reach the edge of the box become 1. The edge is the box's faces across the axes more than one
/// voxel long, so a slice (one voxel thick) is filled in its plane.
void fillHoles(std::vector<std::uint8_t>& mask, const VoxelGrid& grid);

/// The voxel count of each component of `labels` (as labelComponents numbers them, n of them):
/// index 0 counts the voxels outside the mask.
std::vector<std::size_t> componentSizes(const std::vector<std::int32_t>& labels, int n);

} // namespace liver
