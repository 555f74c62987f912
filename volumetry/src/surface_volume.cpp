/// Surface-based volume of a label: flying edges on the binary mask, then vtkMassProperties.

#include <liver/volumetry/label_stats.h>

#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkMassProperties.h>
#include <vtkNew.h>
#include <vtkPolyData.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace liver
{

double surfaceVolumeMl(const LabelImage& labels, std::uint16_t label)
{
  const auto& region = labels.GetBufferedRegion();
  const auto size = region.GetSize();
  if (region.GetNumberOfPixels() == 0)
  {
    return 0.0;
  }
  const std::uint16_t* buffer = labels.GetBufferPointer();
  if (buffer == nullptr)
  {
    throw std::invalid_argument(
      "surfaceVolumeMl: the label image has a region but no pixel buffer");
  }
  // Validates spacing and direction. VTK sees no direction, so its volume divided by the spacing
  // product is a volume in voxels, and voxelVolumeMl carries the |det(direction)| factor.
  const double voxelMl = voxelVolumeMl(labels);
  const auto& spacing = labels.GetSpacing();

  const auto sizeX = static_cast<std::int64_t>(size[0]);
  const auto sizeY = static_cast<std::int64_t>(size[1]);
  const auto sizeZ = static_cast<std::int64_t>(size[2]);

  // Index bounding box of the label (buffer-relative).
  std::int64_t lo[3] = { std::numeric_limits<std::int64_t>::max(),
                         std::numeric_limits<std::int64_t>::max(),
                         std::numeric_limits<std::int64_t>::max() };
  std::int64_t hi[3] = { -1, -1, -1 };
  std::size_t offset = 0;
  for (std::int64_t z = 0; z < sizeZ; ++z)
  {
    for (std::int64_t y = 0; y < sizeY; ++y)
    {
      bool rowHasLabel = false;
      for (std::int64_t x = 0; x < sizeX; ++x, ++offset)
      {
        if (buffer[offset] == label)
        {
          lo[0] = std::min(lo[0], x);
          hi[0] = std::max(hi[0], x);
          rowHasLabel = true;
        }
      }
      if (rowHasLabel)
      {
        lo[1] = std::min(lo[1], y);
        hi[1] = std::max(hi[1], y);
        lo[2] = std::min(lo[2], z);
        hi[2] = std::max(hi[2], z);
      }
    }
  }
  if (hi[0] < 0)
  {
    return 0.0;
  }

  // The mask cropped to the box plus one voxel of background on every side, so the surface closes.
  const int dims[3] = { static_cast<int>(hi[0] - lo[0] + 3),
                        static_cast<int>(hi[1] - lo[1] + 3),
                        static_cast<int>(hi[2] - lo[2] + 3) };
  vtkNew<vtkImageData> mask;
  mask->SetDimensions(dims[0], dims[1], dims[2]);
  mask->SetSpacing(spacing[0], spacing[1], spacing[2]);
  mask->SetOrigin(0.0, 0.0, 0.0);
  mask->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
  auto* maskPixel = static_cast<unsigned char*>(mask->GetScalarPointer());
  std::fill(maskPixel, maskPixel + static_cast<std::size_t>(dims[0]) * dims[1] * dims[2], 0);
  for (std::int64_t z = lo[2]; z <= hi[2]; ++z)
  {
    for (std::int64_t y = lo[1]; y <= hi[1]; ++y)
    {
      const std::uint16_t* row = buffer + (z * sizeY + y) * sizeX;
      unsigned char* maskRow =
        maskPixel + ((z - lo[2] + 1) * dims[1] + (y - lo[1] + 1)) * dims[0] + 1;
      for (std::int64_t x = lo[0]; x <= hi[0]; ++x)
      {
        maskRow[x - lo[0]] = row[x] == label ? 1 : 0;
      }
    }
  }

  vtkNew<vtkFlyingEdges3D> surface;
  surface->SetInputData(mask);
  surface->SetValue(0, 0.5);
  surface->ComputeNormalsOff();
  surface->ComputeGradientsOff();
  surface->ComputeScalarsOff();
  vtkNew<vtkMassProperties> mass;
  mass->SetInputConnection(surface->GetOutputPort());
  mass->Update();
  const double volumeVoxels = std::abs(mass->GetVolume()) / (spacing[0] * spacing[1] * spacing[2]);
  return volumeVoxels * voxelMl;
}

} // namespace liver
