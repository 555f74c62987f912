#include <liver/imaging/errors.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/volumetry.h>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace liver
{
namespace
{

void requireSameGrid(const LabelImage* image, const CtImage& ct, const char* name)
{
  if (image == nullptr)
    return;
  if (image->GetLargestPossibleRegion() != ct.GetLargestPossibleRegion() ||
      !image->GetSpacing().GetVnlVector().is_equal(ct.GetSpacing().GetVnlVector(), 1e-9) ||
      image->GetOrigin().EuclideanDistanceTo(ct.GetOrigin()) > 1e-6 ||
      !image->GetDirection().GetVnlMatrix().is_equal(ct.GetDirection().GetVnlMatrix(), 1e-9))
    throw std::invalid_argument(std::string("measureLiver: ") + name +
                                " labels are not on the CT's grid");
}

/// Voxels of `label` with a 6-neighbour of another value (or on the image border), in LPS mm.
std::vector<Eigen::Vector3d> boundaryPoints(const LabelImage& labels, std::uint16_t label)
{
  const auto size = labels.GetBufferedRegion().GetSize();
  const auto start = labels.GetBufferedRegion().GetIndex();
  const long nx = size[0], ny = size[1], nz = size[2];
  const std::uint16_t* p = labels.GetBufferPointer();
  std::vector<Eigen::Vector3d> points;
  auto at = [&](long x, long y, long z)
  {
    if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz)
      return std::uint16_t(0);
    return p[(z * ny + y) * nx + x];
  };
  for (long z = 0; z < nz; ++z)
    for (long y = 0; y < ny; ++y)
      for (long x = 0; x < nx; ++x)
      {
        if (p[(z * ny + y) * nx + x] != label)
          continue;
        if (at(x - 1, y, z) == label && at(x + 1, y, z) == label && at(x, y - 1, z) == label &&
            at(x, y + 1, z) == label && at(x, y, z - 1) == label && at(x, y, z + 1) == label)
          continue;
        LabelImage::PointType q;
        labels.TransformIndexToPhysicalPoint({ { start[0] + x, start[1] + y, start[2] + z } }, q);
        points.emplace_back(q[0], q[1], q[2]);
      }
  return points;
}

/// Size of one voxel along the unit direction u: the spacing-weighted length of u in voxel axes
/// (the spacing itself along an axis). Voxel centres of a round shape sit about half a voxel
/// inside its surface at both ends, so centre distance + this size approximates its diameter.
double voxelSizeAlongMm(const LabelImage& labels, const Eigen::Vector3d& u)
{
  double squared = 0.0;
  for (int a = 0; a < 3; ++a)
  {
    Eigen::Vector3d axis;
    for (int r = 0; r < 3; ++r)
      axis[r] = labels.GetDirection()[r][a];
    const double component = u.dot(axis) * labels.GetSpacing()[a];
    squared += component * component;
  }
  return std::sqrt(squared);
}

} // namespace

double maxDiameterMm(const LabelImage& labels, std::uint16_t label)
{
  const std::vector<Eigen::Vector3d> points = boundaryPoints(labels, label);
  if (points.empty())
    return 0.0;
  double best = 0.0;
  Eigen::Vector3d bestDirection(1, 0, 0);
  // Exact over all pairs while that is cheap; above, the largest width over 4000 directions
  // spread evenly on the sphere (max width = diameter; the angular step of ~3.2° bounds the
  // underestimate to 1 - cos(1.6°) < 0.04 %).
  constexpr std::size_t ExactLimit = 3000;
  if (points.size() <= ExactLimit)
  {
    for (std::size_t i = 0; i < points.size(); ++i)
      for (std::size_t j = i + 1; j < points.size(); ++j)
      {
        const double d = (points[i] - points[j]).squaredNorm();
        if (d > best)
        {
          best = d;
          bestDirection = points[i] - points[j];
        }
      }
    best = std::sqrt(best);
  }
  else
  {
    constexpr int Directions = 4000;
    const double golden = M_PI * (3.0 - std::sqrt(5.0));
    for (int k = 0; k < Directions; ++k)
    {
      const double z = 1.0 - (k + 0.5) / Directions; // hemisphere suffices: width(u) = width(-u)
      const double r = std::sqrt(1.0 - z * z);
      const Eigen::Vector3d u(r * std::cos(golden * k), r * std::sin(golden * k), z);
      double lo = 1e300, hi = -1e300;
      for (const auto& q : points)
      {
        const double t = q.dot(u);
        lo = std::min(lo, t);
        hi = std::max(hi, t);
      }
      if (hi - lo > best)
      {
        best = hi - lo;
        bestDirection = u;
      }
    }
  }
  if (bestDirection.norm() > 0)
    bestDirection.normalize();
  return best + voxelSizeAlongMm(labels, bestDirection);
}

Volumetry measureLiver(const LiverLabels& labels, const CtImage& ct)
{
  if (!labels.liver)
    throw std::invalid_argument("measureLiver: no liver mask");
  requireSameGrid(labels.liver.GetPointer(), ct, "liver");
  requireSameGrid(labels.lesions.GetPointer(), ct, "lesion");
  requireSameGrid(labels.segments.GetPointer(), ct, "segment");

  const std::size_t n = ct.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* liver = labels.liver->GetBufferPointer();
  const std::uint16_t* lesions = labels.lesions ? labels.lesions->GetBufferPointer() : nullptr;
  const std::uint16_t* segments = labels.segments ? labels.segments->GetBufferPointer() : nullptr;
  const std::int16_t* hu = ct.GetBufferPointer();

  // One pass: liver voxels, HU, tumour voxels inside the liver, segment voxels, lesion-segment
  // contacts.
  auto binaryLiver = LabelImage::New();
  binaryLiver->CopyInformation(labels.liver);
  binaryLiver->SetRegions(labels.liver->GetLargestPossibleRegion());
  binaryLiver->Allocate();
  std::uint16_t* binary = binaryLiver->GetBufferPointer();
  std::uint64_t liverCount = 0, tumourCount = 0;
  long double huSum = 0;
  std::array<std::uint64_t, 9> segmentCount{};
  std::map<int, std::set<int>> touches;
  for (std::size_t i = 0; i < n; ++i)
  {
    binary[i] = liver[i] != 0;
    if (!binary[i])
      continue;
    ++liverCount;
    huSum += hu[i];
    const int lesion = lesions ? lesions[i] : 0;
    tumourCount += lesion != 0;
    if (segments && segments[i] >= 1 && segments[i] <= 8)
    {
      ++segmentCount[segments[i]];
      if (lesion != 0)
        touches[lesion].insert(segments[i]);
    }
  }
  if (liverCount == 0)
    throw InputError("", "the liver mask is empty");

  Volumetry v;
  const double voxelMl = voxelVolumeMl(ct);
  v.liverVoxelCount = liverCount;
  v.totalLiverMl = liverCount * voxelMl;
  v.liverMeanHu = static_cast<double>(huSum / liverCount);
  v.liverSurfaceMl = surfaceVolumeMl(*binaryLiver, 1);
  v.tumourMl = tumourCount * voxelMl;
  v.functionalMl = v.totalLiverMl - v.tumourMl;
  v.hasSegments = segments != nullptr;
  for (int s = 1; s <= 8; ++s)
    v.segmentMl[s] = segmentCount[s] * voxelMl;
  if (lesions)
    for (const auto& [id, stats] : computeLabelStats(*labels.lesions, &ct))
    {
      LesionMeasurement m;
      m.id = id;
      m.voxelCount = stats.voxelCount;
      m.volumeMl = stats.volumeMl;
      m.meanHu = stats.meanHu;
      m.centroidLpsMm = stats.centroidLpsMm;
      m.maxDiameterMm = maxDiameterMm(*labels.lesions, id);
      if (auto it = touches.find(id); it != touches.end())
        m.segments.assign(it->second.begin(), it->second.end());
      v.lesions.push_back(m);
    }
  return v;
}

} // namespace liver
