/// Focal liver lesion detection inside a liver mask (see lesion_segmentation.h). Candidates are
/// found and weighed on a coarse grid of box means over the liver's bounding box (the CT's voxels
/// grouped by whole factors, so every CT voxel belongs to exactly one grid cell), then the kept
/// lesions are outlined on the CT's own grid.

#include <liver/segmentation/lesion_segmentation.h>

#include <liver/imaging/voxel_grid.h>

#include <Eigen/Eigenvalues>
#include <itkSignedMaurerDistanceMapImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace liver
{
namespace
{

/// A box of voxels, x fastest, with its spacing (mm).
struct Grid
{
  long nx = 0, ny = 0, nz = 0;
  std::array<double, 3> mm{ 1.0, 1.0, 1.0 };
  std::size_t size() const { return static_cast<std::size_t>(nx) * ny * nz; }
  std::size_t at(long x, long y, long z) const
  {
    return (static_cast<std::size_t>(z) * ny + y) * nx + x;
  }
  std::array<long, 3> xyz(std::size_t i) const
  {
    return { static_cast<long>(i % nx),
             static_cast<long>((i / nx) % ny),
             static_cast<long>(i / (static_cast<std::size_t>(nx) * ny)) };
  }
  bool contains(long x, long y, long z) const
  {
    return x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz;
  }
};

/// The same box as imaging's VoxelGrid (its one component labelling).
VoxelGrid voxelGridOf(const Grid& g)
{
  return VoxelGrid{ { g.nx, g.ny, g.nz }, g.mm };
}

constexpr long FaceOffsets[6][3] = { { -1, 0, 0 }, { 1, 0, 0 },  { 0, -1, 0 },
                                     { 0, 1, 0 },  { 0, 0, -1 }, { 0, 0, 1 } };

/// Call visit(j, axis) for each face neighbour j of cell i inside the grid.
template<typename Visit>
void forEachFaceNeighbour(const Grid& g, std::size_t i, Visit visit)
{
  const auto p = g.xyz(i);
  for (int k = 0; k < 6; ++k)
  {
    const long x = p[0] + FaceOffsets[k][0], y = p[1] + FaceOffsets[k][1],
               z = p[2] + FaceOffsets[k][2];
    if (g.contains(x, y, z))
      visit(g.at(x, y, z), k / 2);
  }
}

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0)
{
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c, d);
  return text;
}

double medianOf(std::vector<float> v)
{
  if (v.empty())
    return 0.0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return static_cast<double>(v[v.size() / 2]);
}

/// Distance (mm) from each cell of `mask` to the nearest cell outside it, counted from the
/// boundary cells' centres (0 there), plus half a cell: the radius of the largest ball centred
/// there that stays inside. 0 outside the mask.
std::vector<float> insideDistanceMm(const std::vector<std::uint8_t>& mask, const Grid& g)
{
  auto image = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ static_cast<unsigned long>(g.nx),
                   static_cast<unsigned long>(g.ny),
                   static_cast<unsigned long>(g.nz) });
  image->SetRegions(region);
  LabelImage::SpacingType spacing;
  for (int a = 0; a < 3; ++a)
    spacing[a] = g.mm[a];
  image->SetSpacing(spacing);
  image->Allocate();
  std::copy(mask.begin(), mask.end(), image->GetBufferPointer());
  auto distance = itk::SignedMaurerDistanceMapImageFilter<LabelImage, FloatImage>::New();
  distance->SetInput(image);
  distance->SetUseImageSpacing(true);
  distance->SetInsideIsPositive(true);
  distance->SetSquaredDistance(false);
  distance->Update();
  const float* d = distance->GetOutput()->GetBufferPointer();
  const float half = static_cast<float>(0.5 * std::min({ g.mm[0], g.mm[1], g.mm[2] }));
  std::vector<float> out(g.size(), 0.0f);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (mask[i])
      out[i] = std::max(0.0f, d[i]) + half;
  return out;
}

/// 1 / (1 + exp(-(x - centre) / width)): a soft step from 0 to 1 around `centre`.
double softStep(double x, double centre, double width)
{
  return 1.0 / (1.0 + std::exp(-(x - centre) / width));
}

/// Least-squares sphere through `points` (mm): centre and radius, and the RMS distance of the
/// points to it; radius 0 when degenerate.
struct Sphere
{
  Eigen::Vector3d centre = Eigen::Vector3d::Zero();
  double radiusMm = 0.0;
  double rmsMm = 0.0;
};

Sphere fitSphere(const std::vector<Eigen::Vector3d>& points)
{
  // x^2 + y^2 + z^2 = 2 a x + 2 b y + 2 c z + d
  Eigen::Matrix4d ata = Eigen::Matrix4d::Zero();
  Eigen::Vector4d atb = Eigen::Vector4d::Zero();
  for (const auto& p : points)
  {
    const Eigen::Vector4d row(2 * p[0], 2 * p[1], 2 * p[2], 1.0);
    ata += row * row.transpose();
    atb += row * p.squaredNorm();
  }
  const Eigen::Vector4d s = ata.ldlt().solve(atb);
  Sphere sphere;
  sphere.centre = s.head<3>();
  const double r2 = s[3] + sphere.centre.squaredNorm();
  if (!(r2 > 0))
    return sphere;
  sphere.radiusMm = std::sqrt(r2);
  double sum = 0.0;
  for (const auto& p : points)
    sum += std::pow((p - sphere.centre).norm() - sphere.radiusMm, 2);
  sphere.rmsMm = std::sqrt(sum / static_cast<double>(points.size()));
  return sphere;
}

/// The sphere of a lesion's outer surface from its interface with the parenchyma: a least-squares
/// fit, refitted up to three times to the points within 2 RMS of the last fit. A large lesion's
/// interface also runs along bright septa and vessels inside it (IRCAD patient01's 84 mL
/// metastasis: RMS 5.8 mm over all 3,930 points, 4.5 mm without them); those lie well inside its
/// sphere. `keptFraction` is the share of the points the final fit used.
Sphere fitOuterSphere(const std::vector<Eigen::Vector3d>& points, double& keptFraction)
{
  Sphere sphere = fitSphere(points);
  std::size_t kept = points.size();
  for (int refit = 0; refit < 3 && sphere.radiusMm > 0; ++refit)
  {
    std::vector<Eigen::Vector3d> near;
    for (const auto& p : points)
      if (std::abs((p - sphere.centre).norm() - sphere.radiusMm) <= 2.0 * sphere.rmsMm)
        near.push_back(p);
    if (near.size() < 20 || near.size() == kept)
      break;
    kept = near.size();
    sphere = fitSphere(near);
  }
  keptFraction = static_cast<double>(kept) / static_cast<double>(points.size());
  return sphere;
}

/// Holes inside a candidate (noisy cells above its limit, a vessel crossing it) are part of it:
/// cells outside every candidate (label 0) that the grid's border cannot reach through such cells
/// take the label of a candidate around them.
void fillHoles(std::vector<int>& label, const Grid& g)
{
  const std::size_t n = g.size();
  std::vector<std::uint8_t> reached(n, 0);
  std::vector<std::size_t> front;
  for (std::size_t c = 0; c < n; ++c)
  {
    const auto p = g.xyz(c);
    if (!label[c] && (p[0] == 0 || p[1] == 0 || p[2] == 0 || p[0] == g.nx - 1 || p[1] == g.ny - 1 ||
                      p[2] == g.nz - 1))
    {
      reached[c] = 1;
      front.push_back(c);
    }
  }
  while (!front.empty())
  {
    const std::size_t i = front.back();
    front.pop_back();
    forEachFaceNeighbour(g,
                         i,
                         [&](std::size_t j, int)
                         {
                           if (!label[j] && !reached[j])
                           {
                             reached[j] = 1;
                             front.push_back(j);
                           }
                         });
  }
  for (std::size_t c = 0; c < n; ++c)
    if (!label[c] && !reached[c])
    {
      // Flood the hole, then give it the label of a candidate around it.
      std::vector<std::size_t> hole{ c };
      reached[c] = 1;
      int owner = 0;
      for (std::size_t k = 0; k < hole.size(); ++k)
        forEachFaceNeighbour(g,
                             hole[k],
                             [&](std::size_t j, int)
                             {
                               if (label[j])
                                 owner = label[j];
                               else if (!reached[j])
                               {
                                 reached[j] = 1;
                                 hole.push_back(j);
                               }
                             });
      for (const std::size_t j : hole)
        label[j] = owner;
    }
}

/// A cell at or below this HU holds fat (fat is about -190..-30 HU).
constexpr double FatCellHu = -30.0;

/// A sphere fitted to a candidate's interface with the parenchyma that is larger than this (a
/// 9 cm mass) or that would add more than 4 times what is inside the liver describes a mass of
/// the neighbourhood pressing on the liver (adrenal, renal), not a liver lesion the mask cut.
constexpr double MaxCompletionRadiusMm = 45.0;

/// A candidate grows over the cells darker than the liver's median by this fraction of its core's
/// contrast: 0.35 keeps the rim that experts include (IRCAD patient01's metastases: per-lesion
/// Dice 0.70-0.89 against 0.60-0.77 at the midpoint) and the phantom's sharp lesions within 15 %
/// of their volume (0.25 overgrows a 129-voxel one by 25 %).
constexpr double GrowthContrastFraction = 0.35;

/// A hypodense candidate at least this thick (the diameter of the largest ball inside it) is
/// shaped like a lesion whatever its blobness: the gaps between enhanced intrahepatic vessels, the
/// dark tubes and sheets the blobness term refuses, are at most 9.9 mm thick in IRCAD patients
/// 1 and 7 and the TotalSegmentator example, and intrahepatic portal and hepatic veins are at
/// most about 15 mm across.
constexpr double ThickLesionMm = 16.0;

/// The parenchyma around each candidate: the median of the liver cells LocalRingInnerMm to
/// LocalRingOuterMm away from it (each cell counted for its nearest candidate, by a breadth-first
/// walk through the liver). Enhancement varies across the liver, and a lesion's edge fades into
/// the parenchyma beside it, not into the liver's median (IRCAD patient01: median 113 HU, 123 HU
/// around a 10 mL metastasis in segment 8, whose expert outline reaches 120 HU). A candidate with
/// fewer than 20 such cells keeps `fallback`.
constexpr double LocalRingInnerMm = 3.0, LocalRingOuterMm = 8.0;
std::vector<double> localParenchymaHu(const Grid& g,
                                      const std::vector<int>& candidate,
                                      int candidates,
                                      const std::vector<std::uint8_t>& inLiver,
                                      const std::vector<float>& hu,
                                      double fallback)
{
  std::vector<int> owner(candidate);
  std::vector<float> reach(g.size(), 0.0f);
  std::vector<std::size_t> frontier;
  for (std::size_t c = 0; c < g.size(); ++c)
    if (candidate[c])
      frontier.push_back(c);
  std::vector<std::vector<float>> ring(candidates + 1);
  for (std::size_t k = 0; k < frontier.size(); ++k) // breadth first: frontier grows behind k
  {
    const std::size_t i = frontier[k];
    forEachFaceNeighbour(g,
                         i,
                         [&](std::size_t j, int axis)
                         {
                           const float r = reach[i] + static_cast<float>(g.mm[axis]);
                           if (owner[j] || !inLiver[j] || r > LocalRingOuterMm)
                             return;
                           owner[j] = owner[i];
                           reach[j] = r;
                           frontier.push_back(j);
                           if (r >= LocalRingInnerMm)
                             ring[owner[j]].push_back(hu[j]);
                         });
  }
  std::vector<double> local(candidates + 1, fallback);
  for (int c = 1; c <= candidates; ++c)
    if (ring[c].size() >= 20)
      local[c] = medianOf(ring[c]);
  return local;
}

/// The parenchyma around each cell: the median of the interior liver cells in the
/// BackgroundBlockMm blocks around it (3x3x3 blocks, each summarised by its median; blocks with
/// fewer than a fifth interior cells are skipped). Enhancement varies across the liver, by tens of
/// HU from the hilum to the dome (IRCAD patient01: median 113 HU, 131 HU around a 2.7 mL
/// metastasis under the dome whose mean, 88 HU, is only 2.3 robust SD below the liver's median).
/// `fallback` where no block around has enough liver.
constexpr double BackgroundBlockMm = 10.0;
std::vector<float> parenchymaBackground(const Grid& g,
                                        const std::vector<std::uint8_t>& interior,
                                        const std::vector<float>& hu,
                                        double fallback)
{
  std::array<long, 3> per{}, blocks{};
  for (int a = 0; a < 3; ++a)
    per[a] = std::max(1L, std::lround(BackgroundBlockMm / g.mm[a]));
  blocks = { (g.nx + per[0] - 1) / per[0],
             (g.ny + per[1] - 1) / per[1],
             (g.nz + per[2] - 1) / per[2] };
  const Grid b{ blocks[0], blocks[1], blocks[2], { 1.0, 1.0, 1.0 } };
  std::vector<std::vector<float>> values(b.size());
  for (long z = 0; z < g.nz; ++z)
    for (long y = 0; y < g.ny; ++y)
      for (long x = 0; x < g.nx; ++x)
      {
        const std::size_t c = g.at(x, y, z);
        if (interior[c])
          values[b.at(x / per[0], y / per[1], z / per[2])].push_back(hu[c]);
      }
  const std::size_t minCells = static_cast<std::size_t>(per[0] * per[1] * per[2] / 5);
  std::vector<float> blockMedian(b.size(), std::numeric_limits<float>::quiet_NaN());
  for (std::size_t k = 0; k < b.size(); ++k)
    if (values[k].size() >= std::max<std::size_t>(minCells, 1))
      blockMedian[k] = static_cast<float>(medianOf(std::move(values[k])));
  std::vector<float> around(b.size(), static_cast<float>(fallback));
  for (long z = 0; z < b.nz; ++z)
    for (long y = 0; y < b.ny; ++y)
      for (long x = 0; x < b.nx; ++x)
      {
        std::vector<float> v;
        for (long dz = -1; dz <= 1; ++dz)
          for (long dy = -1; dy <= 1; ++dy)
            for (long dx = -1; dx <= 1; ++dx)
              if (b.contains(x + dx, y + dy, z + dz) &&
                  !std::isnan(blockMedian[b.at(x + dx, y + dy, z + dz)]))
                v.push_back(blockMedian[b.at(x + dx, y + dy, z + dz)]);
        if (!v.empty())
          around[b.at(x, y, z)] = static_cast<float>(medianOf(std::move(v)));
      }
  std::vector<float> background(g.size());
  for (long z = 0; z < g.nz; ++z)
    for (long y = 0; y < g.ny; ++y)
      for (long x = 0; x < g.nx; ++x)
        background[g.at(x, y, z)] = around[b.at(x / per[0], y / per[1], z / per[2])];
  return background;
}

/// The largest face-connected piece of `voxels` (the first in x-fastest order among equals),
/// which are all the voxels that carry their label in `labels`, in x-fastest order.
std::vector<std::size_t> largestPiece(const Grid& g,
                                      const std::vector<std::size_t>& voxels,
                                      const std::uint16_t* labels)
{
  if (voxels.empty())
    return {};
  // The components within the voxels' bounding box (imaging's labelComponents).
  std::array<long, 3> lo{ g.nx, g.ny, g.nz }, hi{ -1, -1, -1 };
  for (const std::size_t i : voxels)
  {
    const auto p = g.xyz(i);
    for (int a = 0; a < 3; ++a)
      lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
  }
  VoxelGrid box;
  box.size = { hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1 };
  auto local = [&](std::size_t i)
  {
    const auto p = g.xyz(i);
    return box.index(p[0] - lo[0], p[1] - lo[1], p[2] - lo[2]);
  };
  const std::uint16_t label = labels[voxels.front()];
  std::vector<std::uint8_t> mask(box.count(), 0);
  for (const std::size_t i : voxels)
    mask[local(i)] = labels[i] == label;
  std::vector<std::int32_t> component;
  const int n = labelComponents(mask, box, component);
  const std::vector<std::size_t> sizes = componentSizes(component, n);
  const auto largest = std::max_element(sizes.begin() + 1, sizes.end()) - sizes.begin();
  std::vector<std::size_t> best;
  best.reserve(sizes[static_cast<std::size_t>(largest)]);
  for (const std::size_t i : voxels)
    if (component[local(i)] == largest)
      best.push_back(i);
  return best;
}

} // namespace

LesionSegmentation segmentLesions(const CtImage& ct,
                                  const LabelImage& liver,
                                  const LesionSegmentationOptions& options)
{
  if (ct.GetLargestPossibleRegion() != liver.GetLargestPossibleRegion())
    throw std::invalid_argument("segmentLesions: liver mask and CT differ in size");
  if (!(options.gridMm > 0) || !(options.minDiameterMm >= 0) || !(options.marginMm >= 0))
    throw std::invalid_argument("segmentLesions: grid, minimum diameter and margin must be >= 0");
  const std::array<const char*, 5> phases{
    "portal-venous", "arterial", "delayed", "non-contrast", "unknown"
  };
  if (std::find(phases.begin(), phases.end(), options.phase) == phases.end())
    throw std::invalid_argument("segmentLesions: unknown contrast phase \"" + options.phase +
                                "\" (portal-venous, arterial, delayed, non-contrast or unknown)");
  const auto full = ct.GetLargestPossibleRegion().GetSize();
  const std::array<long, 3> dims{ static_cast<long>(full[0]),
                                  static_cast<long>(full[1]),
                                  static_cast<long>(full[2]) };
  const Grid native{
    dims[0], dims[1], dims[2], { ct.GetSpacing()[0], ct.GetSpacing()[1], ct.GetSpacing()[2] }
  };
  const std::uint16_t* lv = liver.GetBufferPointer();
  const std::int16_t* ctHu = ct.GetBufferPointer();

  // Bounding box of the liver.
  std::array<long, 3> lo{ dims[0], dims[1], dims[2] }, hi{ -1, -1, -1 };
  for (long z = 0; z < dims[2]; ++z)
    for (long y = 0; y < dims[1]; ++y)
      for (long x = 0; x < dims[0]; ++x)
        if (lv[native.at(x, y, z)])
        {
          lo[0] = std::min(lo[0], x), hi[0] = std::max(hi[0], x);
          lo[1] = std::min(lo[1], y), hi[1] = std::max(hi[1], y);
          lo[2] = std::min(lo[2], z), hi[2] = std::max(hi[2], z);
        }
  if (hi[0] < 0)
    throw std::invalid_argument("segmentLesions: the liver mask is empty");

  // Analysis grid: whole factors of the CT's spacing over the box, padded so that lesions cut by
  // the surface can be completed outside it.
  LesionSegmentation result;
  LesionSegmentationReport& report = result.report;
  report.phase = options.phase;
  report.hyperdense = options.hyperdense;
  report.minDiameterMm = options.minDiameterMm;
  result.lesions = LabelImage::New();
  result.lesions->CopyInformation(&ct);
  result.lesions->SetRegions(ct.GetLargestPossibleRegion());
  result.lesions->Allocate(true);
  result.addedToLiver = LabelImage::New();
  result.addedToLiver->CopyInformation(&ct);
  result.addedToLiver->SetRegions(ct.GetLargestPossibleRegion());
  result.addedToLiver->Allocate(true);
  const double padMm = options.completeAtSurface ? 20.0 : 0.0;
  std::array<long, 3> factor{}, b0{}, b1{};
  Grid g;
  for (int a = 0; a < 3; ++a)
  {
    factor[a] = std::max(1L, std::lround(options.gridMm / native.mm[a]));
    const long pad = factor[a] + static_cast<long>(std::ceil(padMm / native.mm[a]));
    b0[a] = std::max(0L, lo[a] - pad);
    b1[a] = std::min(dims[a] - 1, hi[a] + pad);
    g.mm[a] = native.mm[a] * factor[a];
    report.gridMm[a] = g.mm[a];
  }
  g.nx = (b1[0] - b0[0]) / factor[0] + 1;
  g.ny = (b1[1] - b0[1]) / factor[1] + 1;
  g.nz = (b1[2] - b0[2]) / factor[2] + 1;
  const std::size_t n = g.size();
  auto cellOf = [&](long x, long y, long z)
  { return g.at((x - b0[0]) / factor[0], (y - b0[1]) / factor[1], (z - b0[2]) / factor[2]); };

  // Hyperdense detection runs the same steps on negated HU: "darker" then means brighter.
  const float sign = options.hyperdense ? -1.0f : 1.0f;
  std::vector<float> raw(n, 0.0f), liverFraction(n, 0.0f);
  {
    std::vector<std::uint32_t> cells(n, 0);
    for (long z = b0[2]; z <= b1[2]; ++z)
      for (long y = b0[1]; y <= b1[1]; ++y)
        for (long x = b0[0]; x <= b1[0]; ++x)
        {
          const std::size_t c = cellOf(x, y, z), i = native.at(x, y, z);
          raw[c] += ctHu[i];
          liverFraction[c] += lv[i] != 0;
          ++cells[c];
        }
    for (std::size_t c = 0; c < n; ++c)
    {
      raw[c] = sign * raw[c] / static_cast<float>(cells[c]);
      liverFraction[c] /= static_cast<float>(cells[c]);
    }
  }
  // Judged on the median of each cell and its 6 face neighbours: robust to single noisy cells,
  // and it keeps the edge of a lesion 3 cells across (a 3x3x3 median rounds it off).
  std::vector<float> hu(n);
  for (std::size_t c = 0; c < n; ++c)
  {
    std::array<float, 7> v;
    int k = 0;
    v[k++] = raw[c];
    forEachFaceNeighbour(g, c, [&](std::size_t j, int) { v[k++] = raw[j]; });
    std::nth_element(v.begin(), v.begin() + k / 2, v.begin() + k);
    hu[c] = v[k / 2];
  }
  std::vector<std::uint8_t> inLiver(n), interior(n, 0);
  for (std::size_t c = 0; c < n; ++c)
    inLiver[c] = liverFraction[c] >= 0.5f;
  // Cores start one cell inside the liver's surface: the outermost layer mixes liver with what
  // surrounds it (partial volume) and would otherwise yield crescents of "lesion" along the
  // capsule. Lesions still grow out to the surface from their cores.
  for (std::size_t c = 0; c < n; ++c)
    if (inLiver[c])
    {
      int inside = 0;
      forEachFaceNeighbour(g, c, [&](std::size_t j, int) { inside += inLiver[j]; });
      interior[c] = inside == 6;
    }

  // Parenchyma: median and robust SD of the interior cells.
  std::vector<float> liverHu;
  for (std::size_t c = 0; c < n; ++c)
    if (interior[c])
      liverHu.push_back(hu[c]);
  if (liverHu.empty())
  {
    report.steps.push_back("the liver is too thin for lesion detection on the grid: none sought");
    return result;
  }
  const double median = medianOf(liverHu);
  for (float& v : liverHu)
    v = std::abs(v - static_cast<float>(median));
  report.liverSigmaHu = std::max(2.0, 1.4826 * medianOf(liverHu));
  const double sigma = report.liverSigmaHu;
  const double threshold = median - std::max(3.0 * sigma, 10.0);
  report.liverMedianHu = sign * median;
  report.coreThresholdHu = sign * threshold;
  report.steps.push_back(format("grid %.2f x %.2f x %.2f mm over the liver's box (%.0f cells)",
                                g.mm[0],
                                g.mm[1],
                                g.mm[2],
                                static_cast<double>(n)));
  report.steps.push_back(format(options.hyperdense
                                  ? "liver median %.0f HU, robust SD %.1f HU: cores above %.0f HU "
                                    "or max(3 SD, 10 HU) above the parenchyma around them"
                                  : "liver median %.0f HU, robust SD %.1f HU: cores below %.0f HU "
                                    "or max(3 SD, 10 HU) below the parenchyma around them",
                                report.liverMedianHu,
                                report.liverSigmaHu,
                                report.coreThresholdHu));
  // Beyond this (signed) HU a cell is fat or air (hypodense search) or bone, calcification or
  // dense contrast (hyperdense search), never a lesion.
  const float exclusion = options.hyperdense ? -400.0f : -50.0f;

  // Dark cores inside the liver, as face-connected components.
  // A cell is also a core where it is that much darker than the parenchyma around it.
  const std::vector<float> background = parenchymaBackground(g, interior, hu, median);
  const double coreContrast = std::max(3.0 * sigma, 10.0);
  std::vector<std::uint8_t> isCore(n, 0);
  for (std::size_t c = 0; c < n; ++c)
    isCore[c] = interior[c] && hu[c] > exclusion &&
                (hu[c] < threshold || hu[c] < background[c] - coreContrast);
  std::vector<int> label;
  const int cores = labelComponents(isCore, voxelGridOf(g), label);
  std::vector<double> coreSum(cores + 1, 0.0);
  std::vector<std::size_t> coreCount(cores + 1, 0);
  for (std::size_t c = 0; c < n; ++c)
    if (label[c])
    {
      coreSum[label[c]] += hu[c];
      ++coreCount[label[c]];
    }
  report.candidates = static_cast<std::size_t>(cores);

  // Grow each core over cells darker than the liver by GrowthContrastFraction of its contrast,
  // within marginMm of it.
  std::vector<double> limit(cores + 1, 0.0);
  for (int c = 1; c <= cores; ++c)
    limit[c] =
      median - GrowthContrastFraction * (median - coreSum[c] / static_cast<double>(coreCount[c]));
  // Breadth first from the cells of the candidates in `grown`, up to marginMm from where each
  // started; returns the cells added.
  auto grow = [&](const std::vector<std::uint8_t>& grown)
  {
    std::vector<float> reach(n, 0.0f);
    std::vector<std::size_t> frontier;
    for (std::size_t c = 0; c < n; ++c)
      if (label[c] && grown[label[c]])
        frontier.push_back(c);
    const std::size_t started = frontier.size();
    for (std::size_t k = 0; k < frontier.size(); ++k) // frontier grows behind k
    {
      const std::size_t i = frontier[k];
      const int id = label[i];
      forEachFaceNeighbour(g,
                           i,
                           [&](std::size_t j, int axis)
                           {
                             const float step = static_cast<float>(g.mm[axis]);
                             if (label[j] || !inLiver[j] || hu[j] >= limit[id] ||
                                 reach[i] + step > options.marginMm)
                               return;
                             label[j] = id;
                             reach[j] = reach[i] + step;
                             frontier.push_back(j);
                           });
    }
    return std::vector<std::size_t>(frontier.begin() + static_cast<std::ptrdiff_t>(started),
                                    frontier.end());
  };
  grow(std::vector<std::uint8_t>(cores + 1, 1));

  fillHoles(label, g);

  // Members of each candidate.
  std::vector<std::vector<std::size_t>> members(cores + 1);
  for (std::size_t c = 0; c < n; ++c)
    if (label[c])
      members[label[c]].push_back(c);
  const double cellMl = g.mm[0] * g.mm[1] * g.mm[2] / 1000.0;
  const double minVolumeMl = M_PI / 6.0 * std::pow(options.minDiameterMm, 3) / 1000.0;
  auto positionMm = [&](std::size_t c)
  {
    const auto p = g.xyz(c);
    return Eigen::Vector3d(p[0] * g.mm[0], p[1] * g.mm[1], p[2] * g.mm[2]);
  };

  // Completion beyond the surface: a candidate that reaches the liver's surface is completed by
  // the sphere fitted to its outer interface with the parenchyma (fitOuterSphere), with the cells
  // outside the liver that lie in that sphere, connect to it and have the candidate's density
  // (between its core mean minus max(3 SD, 15 HU) and its growth limit: not fat, fluid or enhancing
  // organ). A sphere larger than MaxCompletionRadiusMm or adding more than 4 times what is inside
  // marks a mass of the neighbourhood (an adrenal or renal mass against the liver), not a liver
  // lesion.
  std::vector<std::uint8_t> extrahepatic(cores + 1, 0);
  std::vector<Sphere> completion(cores + 1); // radius 0: not completed
  std::vector<double> completionLow(cores + 1, 0.0);
  std::vector<double> outsideMl(cores + 1, 0.0);
  std::vector<std::uint8_t> outside(n, 0);
  if (options.completeAtSurface)
    for (int id = 1; id <= cores; ++id)
    {
      if (members[id].size() * cellMl < minVolumeMl)
        continue;
      bool atSurface = false;
      std::vector<Eigen::Vector3d> interface;
      for (const std::size_t i : members[id])
        forEachFaceNeighbour(g,
                             i,
                             [&](std::size_t j, int)
                             {
                               if (!inLiver[j])
                                 atSurface = true;
                               else if (label[j] != id && hu[j] >= limit[id])
                                 interface.push_back(0.5 * (positionMm(i) + positionMm(j)));
                             });
      if (!atSurface || interface.size() < 20)
        continue;
      double keptFraction = 0.0;
      const Sphere sphere = fitOuterSphere(interface, keptFraction);
      const double minSpacing = std::min({ g.mm[0], g.mm[1], g.mm[2] });
      if (sphere.radiusMm < 3.0 || keptFraction < 0.7 ||
          sphere.rmsMm > std::max(1.5 * minSpacing, 0.2 * sphere.radiusMm))
        continue;
      const double low =
        coreSum[id] / static_cast<double>(coreCount[id]) - std::max(3.0 * sigma, 15.0);
      const double reach2 = std::pow(sphere.radiusMm + 0.5 * minSpacing, 2);
      std::vector<std::size_t> added;
      std::vector<std::size_t> front(members[id]);
      while (!front.empty())
      {
        const std::size_t i = front.back();
        front.pop_back();
        forEachFaceNeighbour(g,
                             i,
                             [&](std::size_t j, int)
                             {
                               if (inLiver[j] || label[j] || hu[j] >= limit[id] || hu[j] <= low ||
                                   hu[j] <= exclusion ||
                                   (positionMm(j) - sphere.centre).squaredNorm() > reach2)
                                 return;
                               label[j] = id;
                               added.push_back(j);
                               front.push_back(j);
                             });
      }
      if (sphere.radiusMm > MaxCompletionRadiusMm || added.size() > 4 * members[id].size())
      {
        for (const std::size_t j : added)
          label[j] = 0;
        extrahepatic[id] = 1;
        continue;
      }
      for (const std::size_t j : added)
        members[id].push_back(j);
      completion[id] = sphere;
      completion[id].radiusMm += 0.5 * minSpacing;
      completionLow[id] = low;
    }

  // Once more with the completed parts; a hole outside the liver is part of the completion.
  fillHoles(label, g);
  for (auto& m : members)
    m.clear();
  std::fill(outsideMl.begin(), outsideMl.end(), 0.0);
  for (std::size_t c = 0; c < n; ++c)
    if (label[c])
    {
      members[label[c]].push_back(c);
      outside[c] = options.completeAtSurface && !inLiver[c];
      outsideMl[label[c]] += outside[c] * cellMl;
    }

  // Features of each candidate of reportable size.
  std::vector<std::uint8_t> anyCandidate(n, 0);
  for (std::size_t c = 0; c < n; ++c)
    anyCandidate[c] = label[c] != 0;
  const std::vector<float> candidateDepth = insideDistanceMm(anyCandidate, g);
  const std::vector<float> liverDepth = insideDistanceMm(inLiver, g);
  // Blobness and vessel terms: the non-contrast phase has dark vessels, so dark tubes are the
  // rule there and a lesion must be rounder.
  const double blobCentre = options.phase == "non-contrast" ? 0.55 : 0.45;
  const bool thickIsBlob = !options.hyperdense && options.phase != "non-contrast";
  std::vector<int> rimStamp(n, 0);
  std::vector<LesionCandidate> features(cores + 1);
  std::vector<std::pair<double, int>> kept; // (volume, candidate)
  for (int id = 1; id <= cores; ++id)
  {
    const auto& m = members[id];
    const double volumeMl = m.size() * cellMl;
    if (volumeMl < minVolumeMl)
    {
      ++report.rejectedSmall;
      continue;
    }
    LesionCandidate& f = features[id];
    f.volumeMl = volumeMl;
    f.diameterMm = std::cbrt(6.0 / M_PI * volumeMl * 1000.0);
    f.outsideMl = outsideMl[id];
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    Eigen::Matrix3d outer = Eigen::Matrix3d::Zero();
    double huSum = 0.0, inscribed = 0.0, depth = 0.0;
    for (const std::size_t c : m)
    {
      const Eigen::Vector3d p = positionMm(c);
      sum += p;
      outer += p * p.transpose();
      huSum += raw[c];
      inscribed = std::max(inscribed, static_cast<double>(candidateDepth[c]));
      depth = std::max(depth, static_cast<double>(liverDepth[c]));
    }
    const double count = static_cast<double>(m.size());
    const Eigen::Vector3d mean = sum / count;
    const Eigen::Matrix3d covariance = outer / count - mean * mean.transpose();
    const Eigen::Vector3d eigen =
      Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d>(covariance).eigenvalues();
    f.elongation = std::sqrt(std::max(eigen[2], 1e-9) / std::max(eigen[0], 1e-9));
    f.meanHu = sign * huSum / count;
    std::vector<float> around;
    around.reserve(m.size());
    for (const std::size_t c : m)
      around.push_back(background[c]);
    f.contrastSd = (std::max(median, medianOf(std::move(around))) - huSum / count) / sigma;
    f.blobness = std::min(1.0, inscribed / (0.5 * f.diameterMm));
    f.thicknessMm = 2.0 * inscribed;
    f.depthMm = depth;
    // Rim: the two layers of liver cells around the candidate. Vessel-bright cells there (in the
    // portal-venous phase) mark a dark gap between vessels rather than a lesion.
    std::vector<std::size_t> ring;
    for (const std::size_t c : m)
      rimStamp[c] = id;
    for (int layer = 0; layer < 2; ++layer)
    {
      const std::vector<std::size_t> from = layer == 0 ? m : ring;
      for (const std::size_t c : from)
        forEachFaceNeighbour(g,
                             c,
                             [&](std::size_t j, int)
                             {
                               if (rimStamp[j] == id || !inLiver[j])
                                 return;
                               rimStamp[j] = id;
                               ring.push_back(j);
                             });
    }
    std::size_t bright = 0;
    std::vector<float> ringHu;
    for (const std::size_t c : ring)
    {
      bright += hu[c] > std::max(median, static_cast<double>(background[c])) + 3.0 * sigma;
      ringHu.push_back(raw[c]);
    }
    f.edgeContrastSd = (medianOf(ringHu) - huSum / count) / sigma;
    f.vesselRimFraction =
      options.hyperdense || ring.empty() ? 0.0 : static_cast<double>(bright) / ring.size();
    // Position: native index of the cell centre, then LPS.
    itk::ContinuousIndex<double, 3> index;
    for (int a = 0; a < 3; ++a)
      index[a] = b0[a] + (mean[a] / g.mm[a] + 0.5) * factor[a] - 0.5;
    itk::Point<double, 3> point;
    ct.TransformContinuousIndexToPhysicalPoint(index, point);
    f.centroidLpsMm = { point[0], point[1], point[2] };

    // Confidence: the product of one soft step per feature, each 0.5 at its centre. Contrast: the
    // lower of the contrast to the parenchyma (the liver's median or, where brighter, the liver
    // around the candidate) and to the rim around the candidate (a diffuse
    // darker region, beam hardening near the diaphragm, has none at its edge), centre 3 SD, width
    // 0.4; blobness (tube or sheet below, ball above), width 0.05; diameter the minimum
    // reportable + 1 mm, width 1 mm; depth 3 mm below the surface (partial volume along the
    // capsule is shallower), width 1 mm; a rim at most half vessel-bright, width 0.1.
    const double thick = thickIsBlob ? softStep(f.thicknessMm, ThickLesionMm, 2.0) : 0.0;
    f.confidence = softStep(std::min(f.contrastSd, f.edgeContrastSd), 3.0, 0.4) *
                   std::max(softStep(f.blobness, blobCentre, 0.05), thick) *
                   softStep(f.diameterMm, options.minDiameterMm + 1.0, 1.0) *
                   softStep(f.depthMm, 3.0, 1.0) * (1.0 - softStep(f.vesselRimFraction, 0.5, 0.1));
    // Fat: a mean of fat density, or a tenth of the candidate at -30 HU or below (a fissure or
    // ligament whose fat is mixed with parenchyma; a cyst, at 0-20 HU, has no such cells).
    std::vector<float> cellHu;
    for (const std::size_t c : m)
      cellHu.push_back(sign * raw[c]);
    std::nth_element(cellHu.begin(), cellHu.begin() + cellHu.size() / 10, cellHu.end());
    const double lowDecileHu = cellHu[cellHu.size() / 10];
    if (!options.hyperdense && (f.meanHu < FatMaxHu || lowDecileHu <= FatCellHu))
    {
      f.decision = "fat";
      ++report.rejectedFat;
    }
    else if (f.elongation > options.maxElongation ||
             (f.blobness < blobCentre - 0.1 && thick <= 0.5))
    {
      f.decision = "tubular";
      ++report.rejectedElongated;
    }
    else if (extrahepatic[id])
    {
      f.decision = "extrahepatic mass";
      ++report.rejectedOther;
    }
    else if (f.confidence < options.minConfidence)
    {
      f.decision = "low confidence";
      ++report.rejectedOther;
    }
    else
    {
      f.decision = "lesion";
      kept.emplace_back(volumeMl, id);
    }
  }
  // The outline of each lesion kept, redrawn against the parenchyma around it rather than the
  // liver's median: its growth limit is raised to GrowthContrastFraction of its contrast to that
  // parenchyma (never lowered), and it grows on by up to marginMm more. Detection above is
  // judged on the first growth; this changes outlines only.
  {
    const std::vector<double> local = localParenchymaHu(g, label, cores, inLiver, hu, median);
    std::vector<std::uint8_t> regrown(cores + 1, 0);
    for (const auto& [volume, id] : kept)
    {
      const double coreMean = coreSum[id] / static_cast<double>(coreCount[id]);
      limit[id] = std::max(limit[id], local[id] - GrowthContrastFraction * (local[id] - coreMean));
      regrown[id] = 1;
    }
    for (const std::size_t c : grow(regrown))
      members[label[c]].push_back(c);
    for (auto& [volume, id] : kept)
      volume = members[id].size() * cellMl;
  }
  std::sort(
    kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::uint16_t> lesionId(cores + 1, 0);
  for (std::size_t k = 0; k < kept.size(); ++k)
    lesionId[kept[k].second] = static_cast<std::uint16_t>(k + 1);

  // Outline on the CT's grid: cells deep inside a kept candidate are lesion; in its boundary cells
  // and the cells next to them, each CT voxel is lesion when the box mean around it (the grid's
  // cell size) is below the candidate's growth limit.
  std::uint16_t* out = result.lesions->GetBufferPointer();
  std::uint16_t* added = result.addedToLiver->GetBufferPointer();
  const std::array<long, 3> half{ factor[0] / 2, factor[1] / 2, factor[2] / 2 };
  auto boxMean = [&](long x, long y, long z)
  {
    double s = 0.0;
    int k = 0;
    for (long dz = -half[2]; dz <= half[2]; ++dz)
      for (long dy = -half[1]; dy <= half[1]; ++dy)
        for (long dx = -half[0]; dx <= half[0]; ++dx)
          if (native.contains(x + dx, y + dy, z + dz))
          {
            s += ctHu[native.at(x + dx, y + dy, z + dz)];
            ++k;
          }
    return sign * s / k;
  };
  // Beyond the liver the window also holds fat: its median, not its mean, says the density.
  auto boxMedian = [&](long x, long y, long z)
  {
    std::vector<float> v;
    for (long dz = -half[2]; dz <= half[2]; ++dz)
      for (long dy = -half[1]; dy <= half[1]; ++dy)
        for (long dx = -half[0]; dx <= half[0]; ++dx)
          if (native.contains(x + dx, y + dy, z + dz))
            v.push_back(sign * ctHu[native.at(x + dx, y + dy, z + dz)]);
    return medianOf(v);
  };
  std::vector<std::size_t> nativeCount(kept.size() + 1, 0);
  std::vector<std::vector<std::size_t>> outlined(kept.size() + 1);
  for (const auto& [volume, id] : kept)
  {
    const std::uint16_t lesion = lesionId[id];
    std::array<long, 3> cLo{ g.nx, g.ny, g.nz }, cHi{ -1, -1, -1 };
    for (const std::size_t c : members[id])
    {
      const auto p = g.xyz(c);
      for (int a = 0; a < 3; ++a)
        cLo[a] = std::min(cLo[a], p[a] - 1), cHi[a] = std::max(cHi[a], p[a] + 1);
    }
    for (long z = std::max(b0[2], b0[2] + cLo[2] * factor[2]);
         z <= std::min(b1[2], b0[2] + (cHi[2] + 1) * factor[2] - 1);
         ++z)
      for (long y = std::max(b0[1], b0[1] + cLo[1] * factor[1]);
           y <= std::min(b1[1], b0[1] + (cHi[1] + 1) * factor[1] - 1);
           ++y)
        for (long x = std::max(b0[0], b0[0] + cLo[0] * factor[0]);
             x <= std::min(b1[0], b0[0] + (cHi[0] + 1) * factor[0] - 1);
             ++x)
        {
          const std::size_t i = native.at(x, y, z);
          if (out[i])
            continue;
          const std::size_t c = cellOf(x, y, z);
          int sameNeighbours = 0, neighbours = 0;
          forEachFaceNeighbour(g,
                               c,
                               [&, id = id](std::size_t j, int) // clang-14: no binding capture
                               {
                                 ++neighbours;
                                 sameNeighbours += label[j] == id;
                               });
          const bool own = label[c] == id;
          if (!own && sameNeighbours == 0)
            continue;
          // A CT voxel outside the liver belongs to the lesion only within its completion: in a
          // completed cell, or within the completion's sphere and density band and not fat.
          const bool completedCell = own && outside[c];
          if (!lv[i] && !completedCell)
          {
            const Eigen::Vector3d p((x - b0[0] + 0.5) / factor[0] - 0.5,
                                    (y - b0[1] + 0.5) / factor[1] - 0.5,
                                    (z - b0[2] + 0.5) / factor[2] - 0.5);
            const Eigen::Vector3d mm(p[0] * g.mm[0], p[1] * g.mm[1], p[2] * g.mm[2]);
            if (completion[id].radiusMm <= 0 ||
                (mm - completion[id].centre).norm() > completion[id].radiusMm ||
                boxMedian(x, y, z) <= completionLow[id] || sign * ctHu[i] <= FatCellHu)
              continue;
          }
          const bool deep = own && sameNeighbours == neighbours;
          if (deep || (boxMean(x, y, z) < limit[id] && boxMean(x, y, z) > exclusion))
          {
            out[i] = lesion;
            outlined[lesion].push_back(i);
            ++nativeCount[lesion];
            if (!lv[i])
            {
              added[i] = 1;
              result.addedToLiverMl += native.mm[0] * native.mm[1] * native.mm[2] / 1000.0;
            }
          }
        }
  }
  // A lesion is one piece: voxels of a boundary cell that the box mean admits but that touch no
  // other voxel of the lesion (noise specks beside it) leave again.
  const double voxelMl = native.mm[0] * native.mm[1] * native.mm[2] / 1000.0;
  for (std::uint16_t lesion = 1; lesion < outlined.size(); ++lesion)
  {
    const std::vector<std::size_t> piece = largestPiece(native, outlined[lesion], out);
    if (piece.size() == outlined[lesion].size())
      continue;
    for (const std::size_t i : outlined[lesion])
      out[i] = 0;
    for (const std::size_t i : piece)
      out[i] = lesion;
    for (const std::size_t i : outlined[lesion])
      if (!out[i] && added[i])
      {
        added[i] = 0;
        result.addedToLiverMl -= voxelMl;
      }
    nativeCount[lesion] = piece.size();
  }
  result.count = kept.size();

  // The weighed candidates for the report: reported lesions first (by id), then the others by
  // volume; reported volumes are those outlined on the CT's grid.
  for (const auto& [volume, id] : kept)
  {
    LesionCandidate f = features[id];
    f.id = lesionId[id];
    f.volumeMl = nativeCount[f.id] * voxelMl;
    report.weighed.push_back(f);
  }
  std::vector<LesionCandidate> others;
  for (int id = 1; id <= cores; ++id)
    if (!features[id].decision.empty() && !lesionId[id])
      others.push_back(features[id]);
  std::sort(others.begin(),
            others.end(),
            [](const LesionCandidate& a, const LesionCandidate& b)
            { return a.volumeMl > b.volumeMl; });
  report.weighed.insert(report.weighed.end(), others.begin(), others.end());
  report.steps.push_back(
    format("%.0f cores: %.0f lesion(s), %.0f below %.0f mm",
           cores,
           static_cast<double>(kept.size()),
           static_cast<double>(report.rejectedSmall),
           options.minDiameterMm) +
    format(", %.0f tubular (vessel-like), %.0f of fat density (mean below -10 HU), %.0f other "
           "(low confidence, extrahepatic)",
           static_cast<double>(report.rejectedElongated),
           static_cast<double>(report.rejectedFat),
           static_cast<double>(report.rejectedOther)));
  if (result.addedToLiverMl > 0)
    report.steps.push_back(
      format("lesions cut by the liver surface completed: %.1f mL added to the liver",
             result.addedToLiverMl));
  return result;
}

void addLesionsToLiver(LabelImage& liver, const LesionSegmentation& lesions)
{
  if (!lesions.addedToLiver)
    return;
  if (liver.GetLargestPossibleRegion() != lesions.addedToLiver->GetLargestPossibleRegion())
    throw std::invalid_argument("addLesionsToLiver: liver mask and lesions differ in size");
  const std::size_t n = liver.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* added = lesions.addedToLiver->GetBufferPointer();
  std::uint16_t* lv = liver.GetBufferPointer();
  for (std::size_t i = 0; i < n; ++i)
    if (added[i])
      lv[i] = 1;
}

LabelImage::Pointer mergeLesionMaps(const LabelImage& imported, const LabelImage& detected)
{
  if (imported.GetLargestPossibleRegion() != detected.GetLargestPossibleRegion())
    throw std::invalid_argument("mergeLesionMaps: imported and detected lesions differ in size");
  const std::size_t n = imported.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* a = imported.GetBufferPointer();
  const std::uint16_t* b = detected.GetBufferPointer();
  unsigned highest = 0;
  std::vector<bool> overlaps(65536, false);
  for (std::size_t i = 0; i < n; ++i)
  {
    highest = std::max<unsigned>(highest, a[i]);
    if (a[i] && b[i])
      overlaps[b[i]] = true;
  }
  std::vector<std::uint16_t> newId(65536, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (!a[i] && b[i] && !overlaps[b[i]] && !newId[b[i]])
    {
      if (highest == 65535)
        throw std::invalid_argument("mergeLesionMaps: more than 65535 lesion ids");
      newId[b[i]] = static_cast<std::uint16_t>(++highest);
    }
  auto merged = LabelImage::New();
  merged->CopyInformation(&imported);
  merged->SetRegions(imported.GetLargestPossibleRegion());
  merged->Allocate();
  std::uint16_t* out = merged->GetBufferPointer();
  for (std::size_t i = 0; i < n; ++i)
    out[i] = a[i] ? a[i] : newId[b[i]];
  return merged;
}

} // namespace liver
