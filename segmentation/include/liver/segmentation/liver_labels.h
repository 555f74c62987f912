#pragma once
/// Label-map helpers shared by segmentation and import.

#include <liver/imaging/types.h>

#include <cstdint>
#include <set>

namespace liver
{

/// Binary mask (0/1) of the voxels equal to `value`, on the same grid.
LabelImage::Pointer extractLabel(const LabelImage& labels, std::uint16_t value);

/// The distinct non-zero values present in a label map.
std::set<std::uint16_t> labelValuesPresent(const LabelImage& labels);

} // namespace liver
