/// Hypodense lesion detection inside a liver mask (see lesion_segmentation.h). Works on the liver's
/// bounding box at the CT's own resolution.

#include <liver/segmentation/lesion_segmentation.h>

#include <Eigen/Eigenvalues>
#include <itkMedianImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <deque>
#include <stdexcept>

namespace liver
{
namespace
{

struct Box
{
  long x0 = 0, y0 = 0, z0 = 0, nx = 0, ny = 0, nz = 0;
  std::size_t size() const { return static_cast<std::size_t>(nx) * ny * nz; }
  std::size_t at(long x, long y, long z) const
  {
    return (static_cast<std::size_t>(z) * ny + y) * nx + x;
  }
};

std::string format(const char* pattern, double a, double b = 0, double c = 0)
{
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

} // namespace

LesionSegmentation segmentLesions(const CtImage& ct,
                                  const LabelImage& liver,
                                  const LesionSegmentationOptions& options)
{
  if (ct.GetLargestPossibleRegion() != liver.GetLargestPossibleRegion())
    throw std::invalid_argument("segmentLesions: liver mask and CT differ in size");
  const auto full = ct.GetLargestPossibleRegion().GetSize();
  const long fx = static_cast<long>(full[0]), fy = static_cast<long>(full[1]),
             fz = static_cast<long>(full[2]);
  const std::uint16_t* lv = liver.GetBufferPointer();

  // Bounding box of the liver, padded by one voxel.
  long lo[3] = { fx, fy, fz }, hi[3] = { -1, -1, -1 };
  for (long z = 0; z < fz; ++z)
    for (long y = 0; y < fy; ++y)
      for (long x = 0; x < fx; ++x)
        if (lv[(static_cast<std::size_t>(z) * fy + y) * fx + x])
        {
          lo[0] = std::min(lo[0], x), hi[0] = std::max(hi[0], x);
          lo[1] = std::min(lo[1], y), hi[1] = std::max(hi[1], y);
          lo[2] = std::min(lo[2], z), hi[2] = std::max(hi[2], z);
        }
  if (hi[0] < 0)
    throw std::invalid_argument("segmentLesions: the liver mask is empty");
  Box b;
  b.x0 = std::max(0L, lo[0] - 1);
  b.y0 = std::max(0L, lo[1] - 1);
  b.z0 = std::max(0L, lo[2] - 1);
  b.nx = std::min(fx - 1, hi[0] + 1) - b.x0 + 1;
  b.ny = std::min(fy - 1, hi[1] + 1) - b.y0 + 1;
  b.nz = std::min(fz - 1, hi[2] + 1) - b.z0 + 1;
  auto fullIndex = [&](long x, long y, long z)
  { return (static_cast<std::size_t>(z + b.z0) * fy + (y + b.y0)) * fx + (x + b.x0); };

  // Median-filtered HU in the box (3x3x3): lesions are judged on it, not on single noisy voxels.
  auto cropped = FloatImage::New();
  FloatImage::RegionType region;
  region.SetSize({ static_cast<unsigned long>(b.nx),
                   static_cast<unsigned long>(b.ny),
                   static_cast<unsigned long>(b.nz) });
  cropped->SetRegions(region);
  cropped->SetSpacing(ct.GetSpacing());
  cropped->Allocate();
  std::vector<std::uint8_t> inLiver(b.size());
  for (long z = 0; z < b.nz; ++z)
    for (long y = 0; y < b.ny; ++y)
      for (long x = 0; x < b.nx; ++x)
      {
        const std::size_t i = b.at(x, y, z), f = fullIndex(x, y, z);
        cropped->GetBufferPointer()[i] = ct.GetBufferPointer()[f];
        inLiver[i] = lv[f] != 0;
      }
  auto median = itk::MedianImageFilter<FloatImage, FloatImage>::New();
  median->SetInput(cropped);
  median->SetRadius(1);
  median->Update();
  // Hyperdense detection runs the same steps on negated HU: "darker" then means brighter.
  const float sign = options.hyperdense ? -1.0f : 1.0f;
  float* hu = median->GetOutput()->GetBufferPointer();
  for (std::size_t i = 0; i < b.size(); ++i)
    hu[i] *= sign;
  // The growth decides on a lighter filter, the median of a voxel and its 6 face neighbours:
  // the 3x3x3 median rounds off a small lesion's edge (a 16 mm lesion at 2.5 mm lost ~20 %).
  std::vector<float> edgeHu(b.size());
  {
    const float* raw = cropped->GetBufferPointer();
    const std::size_t plane = static_cast<std::size_t>(b.nx) * b.ny;
    for (long z = 0; z < b.nz; ++z)
      for (long y = 0; y < b.ny; ++y)
        for (long x = 0; x < b.nx; ++x)
        {
          const std::size_t i = b.at(x, y, z);
          std::array<float, 7> v;
          int k = 0;
          v[k++] = raw[i];
          if (x > 0)
            v[k++] = raw[i - 1];
          if (x + 1 < b.nx)
            v[k++] = raw[i + 1];
          if (y > 0)
            v[k++] = raw[i - b.nx];
          if (y + 1 < b.ny)
            v[k++] = raw[i + b.nx];
          if (z > 0)
            v[k++] = raw[i - plane];
          if (z + 1 < b.nz)
            v[k++] = raw[i + plane];
          std::nth_element(v.begin(), v.begin() + k / 2, v.begin() + k);
          edgeHu[i] = sign * v[k / 2];
        }
  }
  // Beyond this (signed) HU a voxel is fat or air (hypodense search) or bone, calcification or
  // dense contrast (hyperdense search), never a lesion.
  const float exclusion = options.hyperdense ? -400.0f : -50.0f;

  LesionSegmentation result;
  LesionSegmentationReport& report = result.report;
  std::vector<float> liverHu;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (inLiver[i])
      liverHu.push_back(hu[i]);
  auto medianOf = [](std::vector<float> v)
  {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return static_cast<double>(v[v.size() / 2]);
  };
  const double signedMedian = medianOf(liverHu);
  for (float& v : liverHu)
    v = std::abs(v - static_cast<float>(signedMedian));
  report.liverSigmaHu = std::max(3.0, 1.4826 * medianOf(liverHu));
  const double signedThreshold = signedMedian - std::max(3.0 * report.liverSigmaHu, 20.0);
  report.liverMedianHu = sign * signedMedian;
  report.coreThresholdHu = sign * signedThreshold;
  report.steps.push_back(format(options.hyperdense
                                  ? "liver median %.0f HU, robust SD %.1f HU: cores above %.0f HU"
                                  : "liver median %.0f HU, robust SD %.1f HU: cores below %.0f HU",
                                report.liverMedianHu,
                                report.liverSigmaHu,
                                report.coreThresholdHu));

  // Cores start one voxel inside the liver's surface: the outermost layer mixes liver with what
  // surrounds it (partial volume) and would otherwise yield crescents of "lesion" along the
  // capsule. Lesions still grow out to the surface from their cores.
  std::vector<std::uint8_t> interior(b.size(), 0);
  for (long z = 1; z + 1 < b.nz; ++z)
    for (long y = 1; y + 1 < b.ny; ++y)
      for (long x = 1; x + 1 < b.nx; ++x)
      {
        const std::size_t i = b.at(x, y, z);
        interior[i] = inLiver[i] && inLiver[i - 1] && inLiver[i + 1] && inLiver[i - b.nx] &&
                      inLiver[i + b.nx] && inLiver[i - static_cast<std::size_t>(b.nx) * b.ny] &&
                      inLiver[i + static_cast<std::size_t>(b.nx) * b.ny];
      }

  // Dark cores inside the liver (not fat or air), as face-connected components.
  std::vector<int> core(b.size(), 0);
  int cores = 0;
  const long offsets[6][3] = { { -1, 0, 0 }, { 1, 0, 0 },  { 0, -1, 0 },
                               { 0, 1, 0 },  { 0, 0, -1 }, { 0, 0, 1 } };
  for (long z = 0; z < b.nz; ++z)
    for (long y = 0; y < b.ny; ++y)
      for (long x = 0; x < b.nx; ++x)
      {
        const std::size_t i = b.at(x, y, z);
        auto isCore = [&](std::size_t j)
        { return interior[j] && hu[j] < signedThreshold && hu[j] > exclusion; };
        if (core[i] || !isCore(i))
          continue;
        core[i] = ++cores;
        std::deque<std::array<long, 3>> queue{ { x, y, z } };
        while (!queue.empty())
        {
          const auto p = queue.front();
          queue.pop_front();
          for (const auto& o : offsets)
          {
            const long qx = p[0] + o[0], qy = p[1] + o[1], qz = p[2] + o[2];
            if (qx < 0 || qy < 0 || qz < 0 || qx >= b.nx || qy >= b.ny || qz >= b.nz)
              continue;
            const std::size_t j = b.at(qx, qy, qz);
            if (!core[j] && isCore(j))
            {
              core[j] = cores;
              queue.push_back({ qx, qy, qz });
            }
          }
        }
      }
  report.candidates = static_cast<std::size_t>(cores);
  // A core must hold at least one voxel whose 6 neighbours are all core: noise specks and
  // vessels one voxel across never do.
  std::vector<std::uint8_t> solid(cores + 1, 0);
  for (long z = 1; z + 1 < b.nz; ++z)
    for (long y = 1; y + 1 < b.ny; ++y)
      for (long x = 1; x + 1 < b.nx; ++x)
      {
        const std::size_t i = b.at(x, y, z);
        const int c = core[i];
        if (c == 0 || solid[c])
          continue;
        bool all = true;
        for (const auto& o : offsets)
          all = all && core[b.at(x + o[0], y + o[1], z + o[2])] == c;
        solid[c] = all;
      }

  // Grow each core to the midpoint between its mean HU and the liver's, within marginMm of it.
  std::vector<double> coreSum(cores + 1, 0.0);
  std::vector<std::size_t> coreCount(cores + 1, 0);
  for (std::size_t i = 0; i < b.size(); ++i)
    if (core[i])
    {
      coreSum[core[i]] += hu[i];
      ++coreCount[core[i]];
    }
  const auto& s = ct.GetSpacing();
  const double voxelMm3 = s[0] * s[1] * s[2];
  std::vector<int> grown = core;
  std::vector<float> reach(b.size(), 0.0f); // distance walked from the core, mm (approximate)
  std::deque<std::size_t> frontier;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (core[i])
      frontier.push_back(i);
  while (!frontier.empty())
  {
    const std::size_t i = frontier.front();
    frontier.pop_front();
    const int c = grown[i];
    const double limit = 0.5 * (coreSum[c] / coreCount[c] + signedMedian);
    const long x = static_cast<long>(i % b.nx), y = static_cast<long>((i / b.nx) % b.ny),
               z = static_cast<long>(i / (static_cast<std::size_t>(b.nx) * b.ny));
    for (int k = 0; k < 6; ++k)
    {
      const long qx = x + offsets[k][0], qy = y + offsets[k][1], qz = z + offsets[k][2];
      if (qx < 0 || qy < 0 || qz < 0 || qx >= b.nx || qy >= b.ny || qz >= b.nz)
        continue;
      const std::size_t j = b.at(qx, qy, qz);
      const float step = static_cast<float>(s[k / 2]);
      if (grown[j] || !inLiver[j] || edgeHu[j] >= limit || reach[i] + step > options.marginMm)
        continue;
      grown[j] = c;
      reach[j] = reach[i] + step;
      frontier.push_back(j);
    }
  }

  // Size and shape filters, then ids by volume (1 = largest).
  std::vector<std::size_t> count(cores + 1, 0);
  std::vector<Eigen::Vector3d> sum(cores + 1, Eigen::Vector3d::Zero());
  std::vector<Eigen::Matrix3d> outer(cores + 1, Eigen::Matrix3d::Zero());
  std::vector<double> huSum(cores + 1, 0.0);
  for (long z = 0; z < b.nz; ++z)
    for (long y = 0; y < b.ny; ++y)
      for (long x = 0; x < b.nx; ++x)
      {
        const int c = grown[b.at(x, y, z)];
        if (!c)
          continue;
        const Eigen::Vector3d p(x * s[0], y * s[1], z * s[2]);
        ++count[c];
        huSum[c] += ct.GetBufferPointer()[fullIndex(x, y, z)];
        sum[c] += p;
        outer[c] += p * p.transpose();
      }
  std::vector<std::pair<std::size_t, int>> kept;
  const double minVolumeMm3 = M_PI / 6.0 * std::pow(options.minDiameterMm, 3);
  for (int c = 1; c <= cores; ++c)
  {
    if (!solid[c] || count[c] * voxelMm3 < minVolumeMm3)
    {
      ++report.rejectedSmall;
      continue;
    }
    const Eigen::Vector3d mean = sum[c] / static_cast<double>(count[c]);
    const Eigen::Matrix3d covariance =
      outer[c] / static_cast<double>(count[c]) - mean * mean.transpose();
    const Eigen::Vector3d eigen =
      Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d>(covariance).eigenvalues();
    const double elongation = std::sqrt(std::max(eigen[2], 1e-9) / std::max(eigen[0], 1e-9));
    if (elongation > options.maxElongation)
    {
      ++report.rejectedElongated;
      continue;
    }
    if (!options.hyperdense && huSum[c] / static_cast<double>(count[c]) < FatMaxHu)
    {
      ++report.rejectedFat;
      continue;
    }
    kept.emplace_back(count[c], c);
  }
  std::sort(
    kept.begin(), kept.end(), [](const auto& a, const auto& b2) { return a.first > b2.first; });
  std::vector<std::uint16_t> id(cores + 1, 0);
  for (std::size_t k = 0; k < kept.size(); ++k)
    id[kept[k].second] = static_cast<std::uint16_t>(k + 1);

  result.lesions = LabelImage::New();
  result.lesions->CopyInformation(&ct);
  result.lesions->SetRegions(ct.GetLargestPossibleRegion());
  result.lesions->Allocate(true);
  for (long z = 0; z < b.nz; ++z)
    for (long y = 0; y < b.ny; ++y)
      for (long x = 0; x < b.nx; ++x)
        if (const int c = grown[b.at(x, y, z)])
          result.lesions->GetBufferPointer()[fullIndex(x, y, z)] = id[c];
  result.count = kept.size();
  report.steps.push_back(
    format("%.0f dark cores: %.0f kept, %.0f too small",
           cores,
           static_cast<double>(kept.size()),
           static_cast<double>(report.rejectedSmall)) +
    format(", %.0f elongated (vessel-like)", static_cast<double>(report.rejectedElongated)) +
    format(", %.0f of fat density (mean below -10 HU)", static_cast<double>(report.rejectedFat)));
  return result;
}

} // namespace liver
