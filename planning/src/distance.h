#pragma once
/// Exact Euclidean distance transforms on anisotropic voxel grids (private to liver::planning).

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace liver::planning_detail
{

/// A box of voxels, x fastest, with its spacing in mm.
struct Grid3
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
/// Theory of Computing 2012), +infinity where the grid has no feature. When `nearest` is given it
/// receives the linear index of that nearest feature voxel (-1 where there is none).
/// Distances are physical for an orthonormal direction matrix (rotations keep lengths).
void squaredDistanceTransform(const std::vector<std::uint8_t>& feature,
                              const Grid3& grid,
                              std::vector<float>& distance2,
                              std::vector<std::int32_t>* nearest);

/// Margin in mm between voxels `a` and `b` (linear indices) seen as the two sides of a surface:
/// the distance between their centres less half a voxel at each end, measured along the line
/// that joins them (a voxel taken as the ellipsoid with semi-axes spacing / 2). 0 when the
/// voxels touch (share a face, an edge or a corner), so a lesion touching the cut has margin 0.
double voxelMarginMm(const Grid3& grid, std::size_t a, std::size_t b);

/// Face-connected (6-neighbour) components of the voxels with mask[i] != 0: labels 1..n in
/// `labels` (0 outside the mask); returns n.
int labelComponents(const std::vector<std::uint8_t>& mask,
                    const Grid3& grid,
                    std::vector<std::int32_t>& labels);

} // namespace liver::planning_detail
