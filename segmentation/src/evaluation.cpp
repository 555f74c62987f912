/// LiTS segmentation metrics: overlap counts in one pass over the grid, then surface distances on
/// the joint bounding box with an exact separable Euclidean distance transform in mm.

#include <liver/segmentation/evaluation.h>

#include <liver/imaging/io.h>
#include <liver/imaging/voxel_grid.h>

#include <itkConnectedComponentImageFilter.h>
#include <itkRelabelComponentImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace liver
{
namespace
{

constexpr std::uint8_t InReference = 1;
constexpr std::uint8_t InPrediction = 2;
constexpr std::uint8_t ReferenceSurface = 4;
constexpr std::uint8_t PredictionSurface = 8;

/// The two masks on their joint bounding box, padded by one background voxel on every side.
struct Box
{
  std::array<std::size_t, 3> size{}; ///< padded size
  std::vector<std::uint8_t> flags;   ///< InReference | InPrediction | *Surface bits
  std::size_t index(std::size_t x, std::size_t y, std::size_t z) const
  {
    return x + size[0] * (y + size[1] * z);
  }
};

void checkOrthonormal(const itk::ImageBase<3>& image)
{
  const auto& d = image.GetDirection();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
    {
      double dot = 0.0;
      for (int k = 0; k < 3; ++k)
        dot += d[k][r] * d[k][c];
      if (std::abs(dot - (r == c ? 1.0 : 0.0)) > 1e-4)
        throw std::invalid_argument("evaluateSegmentation: direction matrix is not orthonormal "
                                    "(sheared grid); resample first");
    }
}

/// Neighbour offsets (dx, dy, dz) of the erosion structuring element, centre excluded.
std::vector<std::array<int, 3>> neighbourhood(int connectivity)
{
  std::vector<std::array<int, 3>> offsets;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
      {
        const int order = std::abs(dx) + std::abs(dy) + std::abs(dz);
        // 6: faces (order 1); 18: faces and edges (order <= 2); 26: all.
        if (order == 0 || (connectivity == 6 && order > 1) || (connectivity == 18 && order > 2))
          continue;
        offsets.push_back({ dx, dy, dz });
      }
  return offsets;
}

/// Mark surface voxels: mask voxels with at least one structuring-element neighbour outside it.
std::uint64_t markSurface(Box& box, std::uint8_t maskBit, std::uint8_t surfaceBit, int connectivity)
{
  std::vector<std::ptrdiff_t> offsets;
  for (const auto& o : neighbourhood(connectivity))
    offsets.push_back(o[0] + static_cast<std::ptrdiff_t>(box.size[0]) *
                               (o[1] + static_cast<std::ptrdiff_t>(box.size[1]) * o[2]));
  std::uint64_t count = 0;
  std::uint8_t* f = box.flags.data();
  // The padding guarantees that every neighbour of a mask voxel is inside the box.
  for (std::size_t z = 1; z + 1 < box.size[2]; ++z)
    for (std::size_t y = 1; y + 1 < box.size[1]; ++y)
      for (std::size_t x = 1; x + 1 < box.size[0]; ++x)
      {
        const std::size_t v = box.index(x, y, z);
        if ((f[v] & maskBit) == 0)
          continue;
        for (std::ptrdiff_t o : offsets)
          if ((f[static_cast<std::ptrdiff_t>(v) + o] & maskBit) == 0)
          {
            f[v] |= surfaceBit;
            ++count;
            break;
          }
      }
  return count;
}

/// Squared distance in mm² from every voxel of the box to the nearest voxel with `featureBit`
/// (the one exact distance transform, liver/imaging/voxel_grid.h).
void squaredDistanceMm2(const Box& box,
                        std::uint8_t featureBit,
                        const std::array<double, 3>& spacing,
                        std::vector<double>& d2)
{
  std::vector<std::uint8_t> feature(box.flags.size());
  for (std::size_t v = 0; v < feature.size(); ++v)
    feature[v] = (box.flags[v] & featureBit) != 0;
  VoxelGrid grid;
  for (int a = 0; a < 3; ++a)
    grid.size[a] = static_cast<long>(box.size[a]);
  grid.spacingMm = spacing;
  squaredDistanceTransform(feature, grid, d2);
}

/// Sum, sum of squares and maximum of the distances from `fromBit` voxels to `toBit` voxels.
struct DirectedDistances
{
  double sumMm = 0.0;
  double sumSquaresMm2 = 0.0;
  double maxMm = 0.0;
};

DirectedDistances directedDistances(const Box& box,
                                    std::uint8_t fromBit,
                                    std::uint8_t toBit,
                                    const std::array<double, 3>& spacing,
                                    std::vector<double>& d2)
{
  squaredDistanceMm2(box, toBit, spacing, d2);
  DirectedDistances result;
  for (std::size_t v = 0; v < box.flags.size(); ++v)
    if (box.flags[v] & fromBit)
    {
      const double d = std::sqrt(d2[v]);
      result.sumMm += d;
      result.sumSquaresMm2 += d2[v];
      result.maxMm = std::max(result.maxMm, d);
    }
  return result;
}

using ComponentImage = itk::Image<std::uint32_t, 3>;

/// Connected components (face neighbours) of the voxels equal to `label` (0 = any non-zero), 1 =
/// largest.
ComponentImage::Pointer lesionComponents(const LabelImage& labels, std::uint16_t label)
{
  auto mask = LabelImage::New();
  mask->CopyInformation(&labels);
  mask->SetRegions(labels.GetLargestPossibleRegion());
  mask->Allocate();
  const std::size_t n = labels.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* in = labels.GetBufferPointer();
  std::uint16_t* out = mask->GetBufferPointer();
  for (std::size_t v = 0; v < n; ++v)
    out[v] = (label == 0 ? in[v] != 0 : in[v] == label) ? 1 : 0;
  using Components = itk::ConnectedComponentImageFilter<LabelImage, ComponentImage>;
  auto components = Components::New();
  components->SetInput(mask);
  components->FullyConnectedOff(); // face neighbours, as scipy.ndimage.label in LiTS
  using Relabel = itk::RelabelComponentImageFilter<ComponentImage, ComponentImage>;
  auto relabel = Relabel::New();
  relabel->SetInput(components->GetOutput());
  relabel->Update();
  return relabel->GetOutput();
}

/// Voxel count and physical centroid of every component 1..count.
struct ComponentStats
{
  std::vector<std::uint64_t> voxels;
  std::vector<std::array<double, 3>> centroidLpsMm;
};

ComponentStats componentStats(const ComponentImage& components, std::size_t count)
{
  ComponentStats stats;
  stats.voxels.assign(count + 1, 0);
  std::vector<std::array<double, 3>> indexSum(count + 1, { 0.0, 0.0, 0.0 });
  const auto size = components.GetLargestPossibleRegion().GetSize();
  const std::uint32_t* c = components.GetBufferPointer();
  for (std::size_t z = 0, v = 0; z < size[2]; ++z)
    for (std::size_t y = 0; y < size[1]; ++y)
      for (std::size_t x = 0; x < size[0]; ++x, ++v)
        if (c[v] != 0)
        {
          ++stats.voxels[c[v]];
          indexSum[c[v]][0] += static_cast<double>(x);
          indexSum[c[v]][1] += static_cast<double>(y);
          indexSum[c[v]][2] += static_cast<double>(z);
        }
  stats.centroidLpsMm.assign(count + 1, { 0.0, 0.0, 0.0 });
  for (std::size_t k = 1; k <= count; ++k)
  {
    if (stats.voxels[k] == 0)
      continue;
    itk::ContinuousIndex<double, 3> index;
    for (int a = 0; a < 3; ++a)
      index[a] = indexSum[k][a] / static_cast<double>(stats.voxels[k]);
    itk::Point<double, 3> point;
    components.TransformContinuousIndexToPhysicalPoint(index, point);
    stats.centroidLpsMm[k] = { point[0], point[1], point[2] };
  }
  return stats;
}

} // namespace

SegmentationMetrics evaluateSegmentation(const LabelImage& reference,
                                         const LabelImage& prediction,
                                         const EvaluationOptions& options)
{
  const std::string mismatch = describeGridMismatch(reference, prediction);
  if (!mismatch.empty())
    throw std::invalid_argument("evaluateSegmentation: prediction grid differs: " + mismatch);
  if (options.surfaceConnectivity != 6 && options.surfaceConnectivity != 18 &&
      options.surfaceConnectivity != 26)
    throw std::invalid_argument(
      "evaluateSegmentation: surface connectivity must be 6, 18 or 26, not " +
      std::to_string(options.surfaceConnectivity));
  checkOrthonormal(reference);

  const auto size = reference.GetLargestPossibleRegion().GetSize();
  const std::size_t nx = size[0], ny = size[1], nz = size[2];
  const std::uint16_t* r = reference.GetBufferPointer();
  const std::uint16_t* p = prediction.GetBufferPointer();
  const std::uint16_t refLabel = options.referenceLabel;
  const std::uint16_t predLabel = options.predictionLabel;
  auto inRef = [&](std::size_t v) { return refLabel == 0 ? r[v] != 0 : r[v] == refLabel; };
  auto inPred = [&](std::size_t v) { return predLabel == 0 ? p[v] != 0 : p[v] == predLabel; };

  SegmentationMetrics m;
  std::array<std::size_t, 3> lo{ nx, ny, nz }, hi{ 0, 0, 0 };
  for (std::size_t z = 0, v = 0; z < nz; ++z)
    for (std::size_t y = 0; y < ny; ++y)
      for (std::size_t x = 0; x < nx; ++x, ++v)
      {
        const bool a = inRef(v), b = inPred(v);
        if (!a && !b)
          continue;
        m.referenceVoxels += a;
        m.predictionVoxels += b;
        m.intersectionVoxels += a && b;
        lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
        hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
      }

  const auto& sp = reference.GetSpacing();
  const std::array<double, 3> spacing{ sp[0], sp[1], sp[2] };
  const double voxelMl = spacing[0] * spacing[1] * spacing[2] / 1000.0;
  m.referenceVolumeMl = static_cast<double>(m.referenceVoxels) * voxelMl;
  m.predictionVolumeMl = static_cast<double>(m.predictionVoxels) * voxelMl;
  if (m.referenceVoxels > 0)
    m.rvd = (static_cast<double>(m.predictionVoxels) - static_cast<double>(m.referenceVoxels)) /
            static_cast<double>(m.referenceVoxels);

  if (m.referenceVoxels == 0 && m.predictionVoxels == 0)
  {
    m.dice = 1.0;
    m.jaccard = 1.0;
    m.voe = 0.0;
    m.assdMm = m.mssdMm = m.rmssdMm = 0.0;
    return m;
  }
  const double unionVoxels =
    static_cast<double>(m.referenceVoxels + m.predictionVoxels - m.intersectionVoxels);
  m.dice = 2.0 * static_cast<double>(m.intersectionVoxels) /
           static_cast<double>(m.referenceVoxels + m.predictionVoxels);
  m.jaccard = static_cast<double>(m.intersectionVoxels) / unionVoxels;
  m.voe = 1.0 - m.jaccard;
  if (m.referenceVoxels == 0 || m.predictionVoxels == 0)
    return m; // surface distances undefined

  Box box;
  for (int a = 0; a < 3; ++a)
    box.size[a] = hi[a] - lo[a] + 3;
  box.flags.assign(box.size[0] * box.size[1] * box.size[2], 0);
  for (std::size_t z = lo[2]; z <= hi[2]; ++z)
    for (std::size_t y = lo[1]; y <= hi[1]; ++y)
    {
      const std::size_t row = nx * (y + ny * z);
      std::uint8_t* out = box.flags.data() + box.index(1, y - lo[1] + 1, z - lo[2] + 1);
      for (std::size_t x = lo[0]; x <= hi[0]; ++x)
        out[x - lo[0]] = static_cast<std::uint8_t>((inRef(row + x) ? InReference : 0) |
                                                   (inPred(row + x) ? InPrediction : 0));
    }
  m.referenceSurfaceVoxels =
    markSurface(box, InReference, ReferenceSurface, options.surfaceConnectivity);
  m.predictionSurfaceVoxels =
    markSurface(box, InPrediction, PredictionSurface, options.surfaceConnectivity);

  std::vector<double> d2;
  const DirectedDistances predToRef =
    directedDistances(box, PredictionSurface, ReferenceSurface, spacing, d2);
  const DirectedDistances refToPred =
    directedDistances(box, ReferenceSurface, PredictionSurface, spacing, d2);
  const double surfaceCount =
    static_cast<double>(m.referenceSurfaceVoxels + m.predictionSurfaceVoxels);
  m.assdMm = (predToRef.sumMm + refToPred.sumMm) / surfaceCount;
  m.rmssdMm = std::sqrt((predToRef.sumSquaresMm2 + refToPred.sumSquaresMm2) / surfaceCount);
  m.mssdMm = std::max(predToRef.maxMm, refToPred.maxMm);
  return m;
}

LesionDetectionMetrics evaluateLesionDetection(const LabelImage& reference,
                                               const LabelImage& prediction,
                                               const LesionDetectionOptions& options)
{
  const std::string mismatch = describeGridMismatch(reference, prediction);
  if (!mismatch.empty())
    throw std::invalid_argument("evaluateLesionDetection: prediction grid differs: " + mismatch);
  if (!(options.minIou >= 0.0 && options.minIou < 1.0))
    throw std::invalid_argument("evaluateLesionDetection: minIou must be in [0, 1), not " +
                                std::to_string(options.minIou));

  const ComponentImage::Pointer refComponents = lesionComponents(reference, options.referenceLabel);
  const ComponentImage::Pointer predComponents =
    lesionComponents(prediction, options.predictionLabel);
  std::uint32_t nRef = 0, nPred = 0;
  const std::size_t n = reference.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint32_t* r = refComponents->GetBufferPointer();
  const std::uint32_t* p = predComponents->GetBufferPointer();
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> overlap; // (pred, ref) -> voxels
  for (std::size_t v = 0; v < n; ++v)
  {
    nRef = std::max(nRef, r[v]);
    nPred = std::max(nPred, p[v]);
    if (r[v] != 0 && p[v] != 0)
      ++overlap[{ p[v], r[v] }];
  }
  const ComponentStats refStats = componentStats(*refComponents, nRef);
  const ComponentStats predStats = componentStats(*predComponents, nPred);
  const auto& sp = reference.GetSpacing();
  const double voxelMl = sp[0] * sp[1] * sp[2] / 1000.0;

  // Each reference lesion belongs to the prediction overlapping it most (first on ties); the
  // reference lesions one prediction owns form one group, named by its smallest member.
  std::vector<std::uint32_t> owner(nRef + 1, 0);
  std::vector<std::uint64_t> ownerOverlap(nRef + 1, 0);
  std::vector<std::uint64_t> refCovered(nRef + 1, 0), predCovered(nPred + 1, 0);
  for (const auto& [key, voxels] : overlap)
  {
    const auto [pi, rj] = key;
    refCovered[rj] += voxels;
    predCovered[pi] += voxels;
    if (voxels > ownerOverlap[rj])
    {
      ownerOverlap[rj] = voxels;
      owner[rj] = pi;
    }
  }
  std::vector<int> group(nRef + 1, 0);
  std::map<std::uint32_t, int> groupOfOwner;
  for (std::uint32_t j = 1; j <= nRef; ++j)
  {
    if (owner[j] == 0)
      group[j] = static_cast<int>(j);
    else
      group[j] = groupOfOwner.emplace(owner[j], static_cast<int>(j)).first->second;
  }

  // Each prediction is matched to the group it overlaps most; predictions of one group merge.
  std::vector<int> matched(nPred + 1, 0);
  for (std::uint32_t i = 1; i <= nPred; ++i)
  {
    std::map<int, std::uint64_t> byGroup;
    for (auto it = overlap.lower_bound({ i, 0 }); it != overlap.end() && it->first.first == i; ++it)
      byGroup[group[it->first.second]] += it->second;
    std::uint64_t best = 0;
    for (const auto& [g, voxels] : byGroup)
      if (voxels > best)
      {
        best = voxels;
        matched[i] = g;
      }
  }
  struct GroupSums
  {
    std::uint64_t referenceVoxels = 0, predictionVoxels = 0, intersection = 0;
  };
  std::map<int, GroupSums> sums;
  for (std::uint32_t j = 1; j <= nRef; ++j)
    sums[group[j]].referenceVoxels += refStats.voxels[j];
  for (std::uint32_t i = 1; i <= nPred; ++i)
    if (matched[i] != 0)
      sums[matched[i]].predictionVoxels += predStats.voxels[i];
  for (const auto& [key, voxels] : overlap)
    if (matched[key.first] != 0 && matched[key.first] == group[key.second])
      sums[group[key.second]].intersection += voxels;

  LesionDetectionMetrics m;
  std::map<int, bool> groupDetected;
  for (std::uint32_t j = 1; j <= nRef; ++j)
  {
    const GroupSums& s = sums[group[j]];
    ReferenceLesion lesion;
    lesion.id = static_cast<int>(j);
    lesion.voxels = refStats.voxels[j];
    lesion.volumeMl = static_cast<double>(lesion.voxels) * voxelMl;
    lesion.centroidLpsMm = refStats.centroidLpsMm[j];
    lesion.group = group[j];
    const double unionVoxels =
      static_cast<double>(s.referenceVoxels + s.predictionVoxels - s.intersection);
    lesion.iou = static_cast<double>(s.intersection) / unionVoxels;
    lesion.dice = 2.0 * static_cast<double>(s.intersection) /
                  static_cast<double>(s.referenceVoxels + s.predictionVoxels);
    lesion.detected = s.intersection > 0 && lesion.iou > options.minIou;
    lesion.coverage = static_cast<double>(refCovered[j]) /
                      static_cast<double>(std::max<std::uint64_t>(1, lesion.voxels));
    for (std::uint32_t i = 1; i <= nPred; ++i)
      if (matched[i] == group[j])
        lesion.predictions.push_back(static_cast<int>(i));
    groupDetected[group[j]] = lesion.detected;
    (lesion.detected ? m.detected : m.missed) += 1;
    m.reference.push_back(lesion);
  }
  for (std::uint32_t i = 1; i <= nPred; ++i)
  {
    PredictedLesion lesion;
    lesion.id = static_cast<int>(i);
    lesion.voxels = predStats.voxels[i];
    lesion.volumeMl = static_cast<double>(lesion.voxels) * voxelMl;
    lesion.centroidLpsMm = predStats.centroidLpsMm[i];
    lesion.matchedGroup = matched[i];
    lesion.truePositive = matched[i] != 0 && groupDetected[matched[i]];
    lesion.falsePositive = predCovered[i] == 0;
    lesion.overlapFraction = static_cast<double>(predCovered[i]) /
                             static_cast<double>(std::max<std::uint64_t>(1, lesion.voxels));
    if (lesion.falsePositive)
    {
      ++m.falsePositives;
      m.falsePositiveMl += lesion.volumeMl;
      m.largeFalsePositives += lesion.volumeMl >= options.largeFalsePositiveMl;
    }
    else if (!lesion.truePositive)
      ++m.unmatchedOverlapping;
    m.predicted.push_back(lesion);
  }
  return m;
}

} // namespace liver
