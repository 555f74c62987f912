#pragma once
/// The exact Euclidean distance transform and the connected components of a box of voxels: the
/// one home of both for the planner (margins, heat-sink distances, remnant pieces, contiguity)
/// and the segmentation metrics (surface distances). The segmentation algorithms themselves use
/// ITK's filters on images.

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

/// Face-connected (6-neighbour) components of the voxels with mask[i] != 0: labels 1..n in
/// `labels` (0 outside the mask), numbered in the order of their first voxel; returns n.
int labelComponents(const std::vector<std::uint8_t>& mask,
                    const VoxelGrid& grid,
                    std::vector<std::int32_t>& labels);

} // namespace liver
