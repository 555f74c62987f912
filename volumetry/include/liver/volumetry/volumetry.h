#pragma once
/// Whole-liver volumetry: total, tumour and functional volume, segments and lesions (DESIGN.md §2).

#include <liver/imaging/types.h>

#include <array>
#include <vector>

namespace liver
{

/// One lesion's measurements.
struct LesionMeasurement
{
  int id = 0;
  std::uint64_t voxelCount = 0;
  double volumeMl = 0.0;
  double maxDiameterMm = 0.0; ///< maximum 3D diameter of its surface
  double meanHu = 0.0;
  std::array<double, 3> centroidLpsMm{};
  std::vector<int> segments; ///< Couinaud segments the lesion touches (empty without segments)
};

/// Volumetry of one liver (mL, HU, LPS mm). TLV counts intrahepatic vessels and lesions;
/// functional volume = TLV - tumour volume (DESIGN.md §3 Volumes).
struct Volumetry
{
  double totalLiverMl = 0.0;
  std::uint64_t liverVoxelCount = 0;
  double liverSurfaceMl = 0.0; ///< second estimate from the liver's surface
  double liverMeanHu = 0.0;
  double tumourMl = 0.0; ///< lesion voxels inside the liver
  double functionalMl = 0.0;
  bool hasSegments = false;
  std::array<double, 9> segmentMl{}; ///< index 1..8; includes the lesions inside each segment
  std::vector<LesionMeasurement> lesions;
};

/// Measure a liver. `labels.liver` is required and must not be empty (InputError otherwise);
/// lesions and segments are optional. All images must share the CT's grid
/// (std::invalid_argument otherwise).
Volumetry measureLiver(const LiverLabels& labels, const CtImage& ct);

/// Largest distance in mm between points of the surface of `label` in `labels` (the outer face
/// centres of its voxels, i.e. the vertices of its marching-cubes mesh, as radiomics tools
/// measure the maximum 3D diameter). 0 for an absent label.
double maxDiameterMm(const LabelImage& labels, std::uint16_t label);

} // namespace liver
