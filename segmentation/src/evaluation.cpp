/// LiTS segmentation metrics: overlap counts in one pass over the grid, then surface distances on
/// the joint bounding box with an exact separable Euclidean distance transform in mm.

#include <liver/segmentation/evaluation.h>

#include <liver/imaging/io.h>

#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
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
constexpr double Infinity = std::numeric_limits<double>::infinity();

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

/// Run `body(first, last)` over [0, count) split into chunks across ITK's threads.
template<typename Body>
void parallelChunks(std::size_t count, const Body& body)
{
  const std::size_t chunks = std::min<std::size_t>(count, 64);
  if (chunks <= 1)
  {
    body(0, count);
    return;
  }
  auto threader = itk::MultiThreaderBase::New();
  threader->ParallelizeArray(
    0,
    chunks,
    [&](itk::SizeValueType chunk) { body(count * chunk / chunks, count * (chunk + 1) / chunks); },
    nullptr);
}

/// Exact 1D squared distance transform of a sampled function (Felzenszwalb & Huttenlocher 2012):
/// out[q] = min_p (f[p] + w (q − p)²), skipping infinite samples. `f` and `out` are strided.
void envelope1d(const double* f,
                double* out,
                std::size_t n,
                std::ptrdiff_t stride,
                double w,
                std::vector<double>& g,
                std::vector<std::size_t>& v,
                std::vector<double>& zs)
{
  g.resize(n);
  v.resize(n);
  zs.resize(n + 1);
  for (std::size_t q = 0; q < n; ++q)
    g[q] = f[static_cast<std::ptrdiff_t>(q) * stride];
  std::ptrdiff_t k = -1;
  for (std::size_t q = 0; q < n; ++q)
  {
    if (g[q] == Infinity)
      continue;
    if (k < 0)
    {
      k = 0;
      v[0] = q;
      zs[0] = -Infinity;
      zs[1] = Infinity;
      continue;
    }
    const double fq = g[q] + w * static_cast<double>(q) * static_cast<double>(q);
    double s = 0.0;
    while (true)
    {
      const double p = static_cast<double>(v[static_cast<std::size_t>(k)]);
      s = (fq - (g[v[static_cast<std::size_t>(k)]] + w * p * p)) /
          (2.0 * w * (static_cast<double>(q) - p));
      if (s > zs[static_cast<std::size_t>(k)])
        break;
      --k; // never below 0: zs[0] is -infinity
    }
    ++k;
    v[static_cast<std::size_t>(k)] = q;
    zs[static_cast<std::size_t>(k)] = s;
    zs[static_cast<std::size_t>(k) + 1] = Infinity;
  }
  if (k < 0)
    return; // no finite sample on this line: out stays infinite
  std::size_t j = 0;
  for (std::size_t q = 0; q < n; ++q)
  {
    while (zs[j + 1] < static_cast<double>(q))
      ++j;
    const double d = static_cast<double>(q) - static_cast<double>(v[j]);
    out[static_cast<std::ptrdiff_t>(q) * stride] = w * d * d + g[v[j]];
  }
}

/// Squared distance in mm² from every voxel of the box to the nearest voxel with `featureBit`.
void squaredDistanceMm2(const Box& box,
                        std::uint8_t featureBit,
                        const std::array<double, 3>& spacing,
                        std::vector<double>& d2)
{
  const std::size_t nx = box.size[0], ny = box.size[1], nz = box.size[2];
  d2.assign(nx * ny * nz, Infinity);
  const double wx = spacing[0] * spacing[0];
  // x: distance to the nearest feature on the row, by two sweeps.
  parallelChunks(ny * nz,
                 [&](std::size_t first, std::size_t last)
                 {
                   for (std::size_t row = first; row < last; ++row)
                   {
                     const std::size_t base = row * nx;
                     std::ptrdiff_t lastFeature = -1;
                     for (std::size_t x = 0; x < nx; ++x)
                     {
                       if (box.flags[base + x] & featureBit)
                         lastFeature = static_cast<std::ptrdiff_t>(x);
                       if (lastFeature >= 0)
                       {
                         const double d = static_cast<double>(x) - static_cast<double>(lastFeature);
                         d2[base + x] = wx * d * d;
                       }
                     }
                     lastFeature = -1;
                     for (std::size_t x = nx; x-- > 0;)
                     {
                       if (box.flags[base + x] & featureBit)
                         lastFeature = static_cast<std::ptrdiff_t>(x);
                       if (lastFeature >= 0)
                       {
                         const double d = static_cast<double>(lastFeature) - static_cast<double>(x);
                         d2[base + x] = std::min(d2[base + x], wx * d * d);
                       }
                     }
                   }
                 });
  // y then z: lower envelopes of parabolas along each line.
  parallelChunks(
    nx * nz,
    [&](std::size_t first, std::size_t last)
    {
      std::vector<double> g, zs;
      std::vector<std::size_t> v;
      for (std::size_t line = first; line < last; ++line)
      {
        const std::size_t x = line % nx, z = line / nx;
        double* start = d2.data() + box.index(x, 0, z);
        envelope1d(
          start, start, ny, static_cast<std::ptrdiff_t>(nx), spacing[1] * spacing[1], g, v, zs);
      }
    });
  parallelChunks(nx * ny,
                 [&](std::size_t first, std::size_t last)
                 {
                   std::vector<double> g, zs;
                   std::vector<std::size_t> v;
                   for (std::size_t line = first; line < last; ++line)
                   {
                     double* start = d2.data() + line;
                     envelope1d(start,
                                start,
                                nz,
                                static_cast<std::ptrdiff_t>(nx * ny),
                                spacing[2] * spacing[2],
                                g,
                                v,
                                zs);
                   }
                 });
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

} // namespace liver
