#pragma once
/// Margins between voxels on anisotropic grids (private to liver::planning).

#include <liver/imaging/voxel_grid.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace liver::planning_detail
{

/// The planner's voxel boxes; the distance transform and the components are imaging's
/// (liver/imaging/voxel_grid.h).
using Grid3 = liver::VoxelGrid;
using liver::labelComponents;
using liver::squaredDistanceTransform;

/// Margin in mm between voxels `a` and `b` (linear indices) seen as the two sides of a surface:
/// the distance between their centres less half a voxel at each end, measured along the line
/// that joins them (a voxel taken as the ellipsoid with semi-axes spacing / 2). 0 when the
/// voxels touch (share a face, an edge or a corner), so a lesion touching the cut has margin 0.
double voxelMarginMm(const Grid3& grid, std::size_t a, std::size_t b);

} // namespace liver::planning_detail
