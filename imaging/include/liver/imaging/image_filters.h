#pragma once
/// Two filters the automatic segmentation runs on whole scans, where ITK's generic versions cost
/// seconds: a 3×3×3 median and linear resampling between grids whose axes are parallel. Both
/// give ITK's result (MedianImageFilter with radius 1; ResampleImageFilter with a linear
/// interpolator) and run on ITK's threads.

#include <liver/imaging/types.h>

namespace liver
{

/// Median of each voxel's 3×3×3 neighbourhood, the image's edge voxels repeated beyond it
/// (itk::MedianImageFilter, radius 1, zero-flux Neumann boundary): the same voxels, bit for bit.
/// A selection network over 8 voxels at a time.
FloatImage::Pointer median3x3x3(const FloatImage& image);

/// `image` resampled onto the grid of `geometry` (origin, spacing, direction, region) with linear
/// interpolation and `outside` where a voxel centre falls outside the image (beyond half a voxel
/// from its edge voxels' centres), as itk::ResampleImageFilter with a linear interpolator does.
/// When each axis of one grid is parallel to an axis of the other (any order and sign: axial CTs
/// and the LPS-aligned working grids), the interpolation runs separably from per-axis tables;
/// otherwise ITK's filter does the work.
FloatImage::Pointer resampleLinear(const CtImage& image,
                                   const itk::ImageBase<3>& geometry,
                                   float outside);
FloatImage::Pointer resampleLinear(const FloatImage& image,
                                   const itk::ImageBase<3>& geometry,
                                   float outside);

} // namespace liver
