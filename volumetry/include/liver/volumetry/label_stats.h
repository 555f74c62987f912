#pragma once
/// Volumes and intensity statistics of labels, in mL, HU and LPS mm.

#include <liver/imaging/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace liver
{

/// Volume of one voxel in mL: spacing product x |det(direction)| / 1000.
double voxelVolumeMl(const itk::ImageBase<3>& grid);

/// Statistics of one label value.
struct LabelStats
{
  std::uint16_t label = 0;
  std::uint64_t voxelCount = 0;
  double volumeMl = 0.0;  ///< voxelCount x voxelVolumeMl
  double meanHu = 0.0;    ///< 0 when no CT was given or the label is empty
  double sdHu = 0.0;      ///< population standard deviation
  std::array<double, 3> centroidLpsMm{};  ///< mean physical position of the voxels
  std::array<long, 3> bboxMinIndex{};     ///< inclusive index bounds
  std::array<long, 3> bboxMaxIndex{};
  std::array<double, 3> bboxMinLpsMm{};   ///< physical bounding box of voxel centres
  std::array<double, 3> bboxMaxLpsMm{};
};

/// Statistics for every non-zero label value present (one pass over the image).
/// `ct` may be null; when given it must be on the same grid (std::invalid_argument otherwise).
std::map<std::uint16_t, LabelStats> computeLabelStats(const LabelImage& labels, const CtImage* ct);

/// Enclosed volume in mL of the surface of one label (flying edges at iso-level 0.5 on the binary
/// mask, then the divergence-theorem volume), a second estimate beside the voxel count. 0 for an
/// empty label.
double surfaceVolumeMl(const LabelImage& labels, std::uint16_t label);

} // namespace liver
