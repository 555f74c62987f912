/// Voxel volume and one-pass label statistics over the raw pixel buffers.

#include <liver/volumetry/label_stats.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace liver
{
namespace
{

/// ITK's default tolerances for "same grid" (ImageToImageFilter): coordinates relative to the
/// first spacing, direction cosines absolute.
constexpr double kCoordinateTolerance = 1e-6;
constexpr double kDirectionTolerance = 1e-6;

/// Determinant of a 3x3 direction matrix (rows x columns as ITK stores it).
double determinant3(const itk::ImageBase<3>::DirectionType& d)
{
  return d(0, 0) * (d(1, 1) * d(2, 2) - d(1, 2) * d(2, 1)) -
         d(0, 1) * (d(1, 0) * d(2, 2) - d(1, 2) * d(2, 0)) +
         d(0, 2) * (d(1, 0) * d(2, 1) - d(1, 1) * d(2, 0));
}

/// "[a, b, c]" for messages.
template<typename Vector>
std::string formatVector(const Vector& v)
{
  std::ostringstream out;
  out.precision(17);
  out << '[' << v[0] << ", " << v[1] << ", " << v[2] << ']';
  return out.str();
}

/// "[[a, b, c], [d, e, f], [g, h, i]]" (rows) for messages.
std::string formatMatrix(const itk::ImageBase<3>::DirectionType& d)
{
  std::ostringstream out;
  out.precision(17);
  out << '[';
  for (unsigned int r = 0; r < 3; ++r)
  {
    out << (r ? ", [" : "[") << d(r, 0) << ", " << d(r, 1) << ", " << d(r, 2) << ']';
  }
  out << ']';
  return out.str();
}

/// Throws std::invalid_argument naming the first grid field in which `ct` differs from `labels`.
void requireSameGrid(const LabelImage& labels, const CtImage& ct)
{
  const auto fail =
    [](const std::string& field, const std::string& labelValue, const std::string& ctValue)
  {
    throw std::invalid_argument("computeLabelStats: the CT grid differs from the labels' grid in " +
                                field + ": labels " + labelValue + ", CT " + ctValue);
  };
  const auto& labelRegion = labels.GetLargestPossibleRegion();
  const auto& ctRegion = ct.GetLargestPossibleRegion();
  if (labelRegion.GetSize() != ctRegion.GetSize())
  {
    fail("size", formatVector(labelRegion.GetSize()), formatVector(ctRegion.GetSize()));
  }
  if (labelRegion.GetIndex() != ctRegion.GetIndex())
  {
    fail("start index", formatVector(labelRegion.GetIndex()), formatVector(ctRegion.GetIndex()));
  }
  const double coordinateTolerance = kCoordinateTolerance * std::abs(labels.GetSpacing()[0]);
  for (unsigned int i = 0; i < 3; ++i)
  {
    // Written as !(<=) so that a NaN compares as a difference.
    if (!(std::abs(labels.GetSpacing()[i] - ct.GetSpacing()[i]) <= coordinateTolerance))
    {
      fail("spacing (mm)", formatVector(labels.GetSpacing()), formatVector(ct.GetSpacing()));
    }
  }
  for (unsigned int i = 0; i < 3; ++i)
  {
    if (!(std::abs(labels.GetOrigin()[i] - ct.GetOrigin()[i]) <= coordinateTolerance))
    {
      fail("origin (LPS mm)", formatVector(labels.GetOrigin()), formatVector(ct.GetOrigin()));
    }
  }
  for (unsigned int r = 0; r < 3; ++r)
  {
    for (unsigned int c = 0; c < 3; ++c)
    {
      if (!(std::abs(labels.GetDirection()(r, c) - ct.GetDirection()(r, c)) <= kDirectionTolerance))
      {
        fail("direction", formatMatrix(labels.GetDirection()), formatMatrix(ct.GetDirection()));
      }
    }
  }
  if (labels.GetBufferedRegion() != ct.GetBufferedRegion())
  {
    fail("buffered region",
         formatVector(labels.GetBufferedRegion().GetSize()),
         formatVector(ct.GetBufferedRegion().GetSize()));
  }
}

/// Running sums of one label; integers keep every sum exact (|HU| <= 32768, so HU² <= 2^30 and
/// the sums of squares stay below 2^63 for up to 2^33 voxels).
struct Accumulator
{
  std::uint64_t count = 0;
  std::int64_t sumHu = 0;
  std::int64_t sumSquaredHu = 0;
  std::array<std::int64_t, 3> sumIndex{}; ///< relative to the buffered region's start
  std::array<std::int64_t, 3> minIndex{ std::numeric_limits<std::int64_t>::max(),
                                        std::numeric_limits<std::int64_t>::max(),
                                        std::numeric_limits<std::int64_t>::max() };
  std::array<std::int64_t, 3> maxIndex{ -1, -1, -1 };
};

} // namespace

double voxelVolumeMl(const itk::ImageBase<3>& grid)
{
  const auto& spacing = grid.GetSpacing();
  for (unsigned int i = 0; i < 3; ++i)
  {
    if (!(std::isfinite(spacing[i]) && spacing[i] > 0.0))
    {
      throw std::invalid_argument("voxelVolumeMl: spacing (mm) must be finite and positive, got " +
                                  formatVector(spacing));
    }
  }
  const double determinant = determinant3(grid.GetDirection());
  if (!(std::isfinite(determinant) && determinant != 0.0))
  {
    throw std::invalid_argument("voxelVolumeMl: direction matrix is singular or not finite: " +
                                formatMatrix(grid.GetDirection()));
  }
  return spacing[0] * spacing[1] * spacing[2] * std::abs(determinant) / 1000.0;
}

std::map<std::uint16_t, LabelStats> computeLabelStats(const LabelImage& labels, const CtImage* ct)
{
  if (ct != nullptr)
  {
    requireSameGrid(labels, *ct);
  }
  const auto& region = labels.GetBufferedRegion();
  const auto size = region.GetSize();
  const std::uint64_t voxelTotal = region.GetNumberOfPixels();
  std::map<std::uint16_t, LabelStats> result;
  if (voxelTotal == 0)
  {
    return result;
  }
  const std::uint16_t* labelBuffer = labels.GetBufferPointer();
  const std::int16_t* huBuffer = ct != nullptr ? ct->GetBufferPointer() : nullptr;
  if (labelBuffer == nullptr || (ct != nullptr && huBuffer == nullptr))
  {
    throw std::invalid_argument("computeLabelStats: an image has a region but no pixel buffer");
  }
  const double voxelMl = voxelVolumeMl(labels);

  // Label value -> slot in `accumulators` (-1 = not seen yet); labels are few, values up to 65535.
  std::vector<std::int32_t> slotOfLabel(std::numeric_limits<std::uint16_t>::max() + 1, -1);
  std::vector<Accumulator> accumulators;
  std::vector<std::uint16_t> labelOfSlot;

  // Walking the buffer in memory order, the index follows from the loop counters (x fastest).
  const auto sizeX = static_cast<std::int64_t>(size[0]);
  const auto sizeY = static_cast<std::int64_t>(size[1]);
  const auto sizeZ = static_cast<std::int64_t>(size[2]);
  std::size_t offset = 0;
  for (std::int64_t z = 0; z < sizeZ; ++z)
  {
    for (std::int64_t y = 0; y < sizeY; ++y)
    {
      for (std::int64_t x = 0; x < sizeX; ++x, ++offset)
      {
        const std::uint16_t value = labelBuffer[offset];
        if (value == 0)
        {
          continue;
        }
        std::int32_t slot = slotOfLabel[value];
        if (slot < 0)
        {
          slot = static_cast<std::int32_t>(accumulators.size());
          slotOfLabel[value] = slot;
          accumulators.emplace_back();
          labelOfSlot.push_back(value);
        }
        Accumulator& a = accumulators[static_cast<std::size_t>(slot)];
        ++a.count;
        if (huBuffer != nullptr)
        {
          const std::int64_t hu = huBuffer[offset];
          a.sumHu += hu;
          a.sumSquaredHu += hu * hu;
        }
        a.sumIndex[0] += x;
        a.sumIndex[1] += y;
        a.sumIndex[2] += z;
        a.minIndex[0] = std::min(a.minIndex[0], x);
        a.maxIndex[0] = std::max(a.maxIndex[0], x);
        a.minIndex[1] = std::min(a.minIndex[1], y);
        a.maxIndex[1] = std::max(a.maxIndex[1], y);
        a.minIndex[2] = std::min(a.minIndex[2], z);
        a.maxIndex[2] = std::max(a.maxIndex[2], z);
      }
    }
  }

  const auto start = region.GetIndex();
  for (std::size_t slot = 0; slot < accumulators.size(); ++slot)
  {
    const Accumulator& a = accumulators[slot];
    LabelStats stats;
    stats.label = labelOfSlot[slot];
    stats.voxelCount = a.count;
    stats.volumeMl = static_cast<double>(a.count) * voxelMl;
    const auto n = static_cast<long double>(a.count);
    if (huBuffer != nullptr)
    {
      // The integer sums convert exactly (64-bit mantissa); the cancellation below costs at most
      // about mean² x 1e-19 HU².
      const long double mean = static_cast<long double>(a.sumHu) / n;
      const long double variance = static_cast<long double>(a.sumSquaredHu) / n - mean * mean;
      stats.meanHu = static_cast<double>(mean);
      stats.sdHu = static_cast<double>(std::sqrt(std::max(variance, 0.0L)));
    }

    itk::ContinuousIndex<double, 3> centroidIndex;
    for (unsigned int i = 0; i < 3; ++i)
    {
      centroidIndex[i] = static_cast<double>(start[i]) +
                         static_cast<double>(static_cast<long double>(a.sumIndex[i]) / n);
      stats.bboxMinIndex[i] = static_cast<long>(start[i] + a.minIndex[i]);
      stats.bboxMaxIndex[i] = static_cast<long>(start[i] + a.maxIndex[i]);
    }
    LabelImage::PointType centroid;
    labels.TransformContinuousIndexToPhysicalPoint(centroidIndex, centroid);
    for (unsigned int i = 0; i < 3; ++i)
    {
      stats.centroidLpsMm[i] = centroid[i];
      stats.bboxMinLpsMm[i] = std::numeric_limits<double>::infinity();
      stats.bboxMaxLpsMm[i] = -std::numeric_limits<double>::infinity();
    }

    // The physical box of the voxel centres spans the images of the 8 index-box corners.
    for (unsigned int corner = 0; corner < 8; ++corner)
    {
      LabelImage::IndexType index;
      for (unsigned int i = 0; i < 3; ++i)
      {
        index[i] = (corner >> i) & 1U ? stats.bboxMaxIndex[i] : stats.bboxMinIndex[i];
      }
      LabelImage::PointType point;
      labels.TransformIndexToPhysicalPoint(index, point);
      for (unsigned int i = 0; i < 3; ++i)
      {
        stats.bboxMinLpsMm[i] = std::min(stats.bboxMinLpsMm[i], point[i]);
        stats.bboxMaxLpsMm[i] = std::max(stats.bboxMaxLpsMm[i], point[i]);
      }
    }
    result.emplace(stats.label, stats);
  }
  return result;
}

} // namespace liver
