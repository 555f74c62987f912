#pragma once
/// Geometry of a stack of parallel 2D slices (a DICOM series) and its resampling onto a regular,
/// orthogonal 3D grid. Handles unsorted files, non-uniform spacing, missing slices and the sheared
/// stacks that gantry tilt produces.

#include <liver/imaging/types.h>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace liver
{

using Vec3 = std::array<double, 3>;

/// What is known of each slice before reading its pixels.
struct SliceGeometry
{
  Vec3 positionLpsMm{}; ///< ImagePositionPatient: centre of the first transmitted pixel
};

/// The stack as a whole, after sorting along the slice normal.
struct StackGeometry
{
  Vec3 rowDirection{};                ///< direction of increasing column index (DICOM row cosines)
  Vec3 columnDirection{};             ///< direction of increasing row index (DICOM column cosines)
  Vec3 normal{};                      ///< rowDirection x columnDirection
  std::vector<std::size_t> order;     ///< input indices sorted by position along the normal
  std::vector<double> normalOffsetMm; ///< position of each sorted slice along the normal, first = 0
  std::vector<std::array<double, 2>> inPlaneOffsetMm; ///< shift of each sorted slice along
                                                      ///< (row, column) directions vs the first
  double medianStepMm = 0.0;
  double minStepMm = 0.0;
  double maxStepMm = 0.0;
  bool uniform = true;                 ///< every step within tolerance of the median
  bool sheared = false;                ///< slices shifted in-plane (gantry tilt)
  std::size_t missingSlices = 0;       ///< gaps that are whole multiples of the median step
  std::vector<double> distinctStepsMm; ///< steps rounded to 0.01 mm, sorted, unique
};

/// Sort slices along the normal of `orientation` (row cosines, column cosines) and describe the
/// stack; `pixelSpacingMm` (along row, along column) sets the tolerance for shear. Throws
/// InputError (naming `source`) for no slice, a degenerate orientation, or two slices at the same
/// position.
StackGeometry analyzeStack(const std::vector<SliceGeometry>& slices,
                           const std::array<double, 6>& orientation,
                           const std::array<double, 2>& pixelSpacingMm,
                           const std::string& source);

/// True when the stack can be used as it is: uniform, not sheared, nothing missing.
bool isRegular(const StackGeometry& stack);

/// An allocated CT on the stack's orthogonal grid: axes (row, column, normal).
CtImage::Pointer makeStackImage(const std::array<unsigned, 3>& size,
                                const std::array<double, 3>& spacingMm,
                                const Vec3& originLpsMm,
                                const StackGeometry& stack);

/// Resample sorted slices (each `columns` x `rows` floats in HU, in stack.order) onto an
/// orthogonal grid with axes (row, column, normal), in-plane spacing (`pixelSpacingMm` = [along
/// row, along column]) and slice spacing = the median step: linear between slices, bilinear
/// in-plane where the stack is sheared; voxels no slice covers get `paddingHu`.
CtImage::Pointer resampleStack(const std::vector<std::vector<float>>& sortedSlices,
                               unsigned columns,
                               unsigned rows,
                               const std::array<double, 2>& pixelSpacingMm,
                               const Vec3& firstPositionLpsMm,
                               const StackGeometry& stack,
                               float paddingHu = -1024.0f);

} // namespace liver
