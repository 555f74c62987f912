/// Liver shape prior: build, store, fit (see shape_prior.h).

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/segmentation/shape_prior.h>

#include <itkImageFileReader.h>
#include <itkMetaDataObject.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace liver
{
namespace
{

constexpr int N = ShapePrior::GridSize;

std::size_t gridIndex(int i, int j, int k)
{
  return (static_cast<std::size_t>(k) * N + j) * N + i;
}

/// Trilinear value of a 0/1 (non-zero) label image at a continuous index; 0 outside.
double maskAt(const LabelImage& mask, const itk::ContinuousIndex<double, 3>& index)
{
  const auto size = mask.GetLargestPossibleRegion().GetSize();
  const std::uint16_t* p = mask.GetBufferPointer();
  const long base[3] = { static_cast<long>(std::floor(index[0])),
                         static_cast<long>(std::floor(index[1])),
                         static_cast<long>(std::floor(index[2])) };
  double value = 0.0;
  for (int corner = 0; corner < 8; ++corner)
  {
    double weight = 1.0;
    long q[3];
    for (int a = 0; a < 3; ++a)
    {
      const int bit = corner >> a & 1;
      q[a] = base[a] + bit;
      const double f = index[a] - base[a];
      weight *= bit ? f : 1.0 - f;
    }
    if (weight == 0.0 || q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= static_cast<long>(size[0]) ||
        q[1] >= static_cast<long>(size[1]) || q[2] >= static_cast<long>(size[2]))
      continue;
    if (p[(static_cast<std::size_t>(q[2]) * size[1] + q[1]) * size[0] + q[0]])
      value += weight;
  }
  return value;
}

std::string joinNames(const std::vector<std::string>& names)
{
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ",") + n;
  return out;
}

} // namespace

double ShapePrior::at(double u, double v, double w) const
{
  const double f[3] = { (u - GridMin) / GridStep, (v - GridMin) / GridStep, (w - GridMin) / GridStep };
  if (!(f[0] >= 0 && f[1] >= 0 && f[2] >= 0 && f[0] < N - 1 && f[1] < N - 1 && f[2] < N - 1))
    return 0.0;
  const int i = static_cast<int>(f[0]), j = static_cast<int>(f[1]), k = static_cast<int>(f[2]);
  const double a = f[0] - i, b = f[1] - j, c = f[2] - k;
  const float* p = probability.data();
  const std::size_t s = gridIndex(i, j, k), dy = N, dz = static_cast<std::size_t>(N) * N;
  const double x00 = p[s] + a * (p[s + 1] - p[s]);
  const double x10 = p[s + dy] + a * (p[s + dy + 1] - p[s + dy]);
  const double x01 = p[s + dz] + a * (p[s + dz + 1] - p[s + dz]);
  const double x11 = p[s + dy + dz] + a * (p[s + dy + dz + 1] - p[s + dy + dz]);
  const double y0 = x00 + b * (x10 - x00), y1 = x01 + b * (x11 - x01);
  return y0 + c * (y1 - y0);
}

ShapePrior buildShapePrior(const std::vector<std::string>& maskPaths)
{
  if (maskPaths.empty())
    throw std::invalid_argument("shape prior: no mask given");
  ShapePrior prior;
  prior.probability.assign(static_cast<std::size_t>(N) * N * N, 0.0f);
  std::vector<std::string> sorted(maskPaths);
  std::sort(sorted.begin(), sorted.end()); // the same prior whatever order the files come in
  for (const std::string& path : sorted)
  {
    const LabelImage::Pointer mask = loadLabels(path);
    const auto size = mask->GetLargestPossibleRegion().GetSize();
    const std::uint16_t* p = mask->GetBufferPointer();
    double sum[3] = {}, sum2[3] = {};
    std::size_t count = 0;
    LabelImage::IndexType index;
    LabelImage::PointType point;
    for (std::size_t k = 0; k < size[2]; ++k)
      for (std::size_t j = 0; j < size[1]; ++j)
        for (std::size_t i = 0; i < size[0]; ++i)
        {
          if (!p[(k * size[1] + j) * size[0] + i])
            continue;
          index[0] = static_cast<long>(i);
          index[1] = static_cast<long>(j);
          index[2] = static_cast<long>(k);
          mask->TransformIndexToPhysicalPoint(index, point);
          for (int a = 0; a < 3; ++a)
          {
            sum[a] += point[a];
            sum2[a] += point[a] * point[a];
          }
          ++count;
        }
    if (count < 1000)
      throw InputError(path, "liver mask has " + std::to_string(count) +
                       " voxels; a shape prior needs whole livers");
    double centre[3], sd[3];
    for (int a = 0; a < 3; ++a)
    {
      centre[a] = sum[a] / count;
      sd[a] = std::sqrt(std::max(1e-6, sum2[a] / count - centre[a] * centre[a]));
      prior.meanStdMm[a] += sd[a] / static_cast<double>(sorted.size());
    }
    for (int k = 0; k < N; ++k)
      for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i)
        {
          const int g[3] = { i, j, k };
          LabelImage::PointType q;
          for (int a = 0; a < 3; ++a)
            q[a] = centre[a] + (ShapePrior::GridMin + g[a] * ShapePrior::GridStep) * sd[a];
          itk::ContinuousIndex<double, 3> ci;
          mask->TransformPhysicalPointToContinuousIndex(q, ci);
          prior.probability[gridIndex(i, j, k)] += static_cast<float>(maskAt(*mask, ci));
        }
    prior.sources.push_back(std::filesystem::path(path).filename().string());
  }
  prior.shapes = static_cast<int>(sorted.size());
  for (float& v : prior.probability)
    v /= static_cast<float>(prior.shapes);
  return prior;
}

void writeShapePrior(const ShapePrior& prior, const std::string& path)
{
  auto image = LabelImage::New();
  LabelImage::SizeType size;
  size.Fill(N);
  image->SetRegions(size);
  LabelImage::SpacingType spacing;
  spacing.Fill(ShapePrior::GridStep);
  image->SetSpacing(spacing);
  LabelImage::PointType origin;
  origin.Fill(ShapePrior::GridMin);
  image->SetOrigin(origin);
  image->Allocate();
  std::uint16_t* p = image->GetBufferPointer();
  for (std::size_t i = 0; i < prior.probability.size(); ++i)
    p[i] = static_cast<std::uint16_t>(std::lround(1000.0 * prior.probability[i]));
  auto& dictionary = image->GetMetaDataDictionary();
  std::ostringstream stdMm;
  stdMm.precision(6);
  stdMm << prior.meanStdMm[0] << ' ' << prior.meanStdMm[1] << ' ' << prior.meanStdMm[2];
  itk::EncapsulateMetaData<std::string>(dictionary, "liverplan_shape_prior", "1");
  itk::EncapsulateMetaData<std::string>(dictionary, "liverplan_shapes",
                                        std::to_string(prior.shapes));
  itk::EncapsulateMetaData<std::string>(dictionary, "liverplan_mean_std_mm", stdMm.str());
  itk::EncapsulateMetaData<std::string>(dictionary, "liverplan_sources", joinNames(prior.sources));
  writeImage(image.GetPointer(), path);
}

ShapePrior readShapePrior(const std::string& path)
{
  if (!std::filesystem::is_regular_file(path))
    throw InputError(path, "shape prior file not found");
  auto reader = itk::ImageFileReader<LabelImage>::New();
  reader->SetFileName(path);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject& e)
  {
    throw InputError(path, "unreadable shape prior (" + std::string(e.GetDescription()) + ")");
  }
  const LabelImage::Pointer image = reader->GetOutput();
  const auto size = image->GetLargestPossibleRegion().GetSize();
  if (size[0] != N || size[1] != N || size[2] != N)
    throw InputError(path, "shape prior grid must be " + std::to_string(N) + "^3");
  const auto& dictionary = image->GetMetaDataDictionary();
  auto field = [&](const char* key)
  {
    std::string value;
    if (!itk::ExposeMetaData<std::string>(dictionary, key, value))
      throw InputError(path, std::string("not a LiverPlan shape prior (no ") + key + ")");
    return value;
  };
  ShapePrior prior;
  field("liverplan_shape_prior");
  prior.shapes = std::atoi(field("liverplan_shapes").c_str());
  std::istringstream stdMm(field("liverplan_mean_std_mm"));
  stdMm >> prior.meanStdMm[0] >> prior.meanStdMm[1] >> prior.meanStdMm[2];
  if (!stdMm || prior.shapes < 1 ||
      !std::all_of(prior.meanStdMm.begin(), prior.meanStdMm.end(),
                   [](double s) { return s > 5.0 && s < 200.0; }))
    throw InputError(path, "bad liverplan_shapes or liverplan_mean_std_mm");
  std::istringstream sources(field("liverplan_sources"));
  for (std::string name; std::getline(sources, name, ',');)
    prior.sources.push_back(name);
  prior.probability.resize(static_cast<std::size_t>(N) * N * N);
  const std::uint16_t* p = image->GetBufferPointer();
  for (std::size_t i = 0; i < prior.probability.size(); ++i)
    prior.probability[i] = std::min(1.0f, p[i] / 1000.0f);
  return prior;
}

std::string defaultShapePriorPath()
{
  if (const char* env = std::getenv("LIVERPLAN_SHAPE_PRIOR"); env && *env)
    return env;
  for (const char* candidate : {
#ifdef LIVERPLAN_INSTALLED_SHAPE_PRIOR
         LIVERPLAN_INSTALLED_SHAPE_PRIOR,
#endif
#ifdef LIVERPLAN_BUILD_SHAPE_PRIOR
         LIVERPLAN_BUILD_SHAPE_PRIOR,
#endif
         "" })
    if (*candidate && std::filesystem::is_regular_file(candidate))
      return candidate;
  return {};
}

namespace
{

/// Sum of prior probability x weight for a placement (centre, scale).
double placementScore(const ShapePrior& prior,
                      const std::vector<WeightedPoint>& points,
                      const std::array<double, 6>& q)
{
  const double ix = 1.0 / q[3], iy = 1.0 / q[4], iz = 1.0 / q[5];
  double score = 0.0;
  for (const WeightedPoint& p : points)
  {
    const double u = (p.x - q[0]) * ix, v = (p.y - q[1]) * iy, w = (p.z - q[2]) * iz;
    if (std::abs(u) >= 3.0 || std::abs(v) >= 3.0 || std::abs(w) >= 3.0)
      continue;
    score += prior.at(u, v, w) * p.weight;
  }
  return score;
}

} // namespace

ShapePriorFit fitShapePrior(const ShapePrior& prior,
                            const std::vector<WeightedPoint>& coarse,
                            const std::vector<WeightedPoint>& fine,
                            const std::array<double, 3>& initialCentreLpsMm)
{
  ShapePriorFit fit;
  // 1. Grid search: translations within +-60 mm (x, y) and +-45 mm (z) of the initial centre in
  // 15 mm steps, isotropic scales 0.85, 1, 1.15 of the prior's mean size.
  std::array<double, 6> best{};
  double bestScore = -1e300;
  for (double scale : { 0.85, 1.0, 1.15 })
    for (int dx = -60; dx <= 60; dx += 15)
      for (int dy = -60; dy <= 60; dy += 15)
        for (int dz = -45; dz <= 45; dz += 15)
        {
          const std::array<double, 6> q{ initialCentreLpsMm[0] + dx,
                                         initialCentreLpsMm[1] + dy,
                                         initialCentreLpsMm[2] + dz,
                                         prior.meanStdMm[0] * scale,
                                         prior.meanStdMm[1] * scale,
                                         prior.meanStdMm[2] * scale };
          const double s = placementScore(prior, coarse, q);
          ++fit.evaluations;
          if (s > bestScore)
          {
            bestScore = s;
            best = q;
          }
        }
  // 2. Pattern search on the fine points: each parameter up and down by its step, halving the
  // steps when nothing improves, until 1 mm / 1 %.
  bestScore = placementScore(prior, fine, best);
  std::array<double, 6> step{ 8.0, 8.0, 8.0, 0.08, 0.08, 0.08 }; // mm, then relative scale
  while (step[0] >= 1.0)
  {
    bool improved = false;
    for (int a = 0; a < 6; ++a)
      for (int sign : { -1, 1 })
      {
        std::array<double, 6> q = best;
        if (a < 3)
          q[a] += sign * step[a];
        else
          q[a] *= 1.0 + sign * step[a];
        if (a >= 3 && (q[a] < 0.6 * prior.meanStdMm[a - 3] || q[a] > 1.6 * prior.meanStdMm[a - 3]))
          continue;
        const double s = placementScore(prior, fine, q);
        ++fit.evaluations;
        if (s > bestScore)
        {
          bestScore = s;
          best = q;
          improved = true;
        }
      }
    if (!improved)
      for (double& s : step)
        s *= 0.5;
  }
  fit.centreLpsMm = { best[0], best[1], best[2] };
  fit.scaleMm = { best[3], best[4], best[5] };
  fit.score = bestScore;
  return fit;
}

} // namespace liver
