#pragma once
/// The labels of one liver on its CT's grid (DESIGN.md §2).

#include <liver/imaging/types.h>

#include <cstdint>
#include <set>

namespace liver
{

/// Liver, lesions, and optional segments and vessels, each on the CT's exact grid.
struct LiverLabels
{
  LabelImage::Pointer liver;    ///< binary: parenchyma incl. intrahepatic vessels and lesions
  LabelImage::Pointer lesions;  ///< 0 none, k lesion k; may be null (no lesions)
  LabelImage::Pointer segments; ///< 0, 1..8 Couinaud; may be null
  LabelImage::Pointer vessels;  ///< non-zero = vessel; may be null
};

/// Binary mask (0/1) of the voxels equal to `value`, on the same grid.
LabelImage::Pointer extractLabel(const LabelImage& labels, std::uint16_t value);

/// The distinct non-zero values present in a label map.
std::set<std::uint16_t> labelValuesPresent(const LabelImage& labels);

} // namespace liver
