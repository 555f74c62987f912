/// Contrast phase from the CT: the aorta found beside the vertebral body on each axial slice, the
/// portal vein and the liver HU mode inside a liver mask, then the rule in contrast_phase.h.

#include <liver/segmentation/contrast_phase.h>

#include <liver/imaging/io.h>
#include <liver/imaging/voxel_grid.h>

#include <itkConnectedComponentImageFilter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace liver
{
namespace
{

constexpr double BoneMinHu = 180.0;          ///< bone, cancellous included
constexpr double CortexMinHu = 300.0;        ///< dense bone: 10 % of a vertebral section
constexpr double MinBoneSectionMm2 = 20.0;   ///< smaller bone sections are ignored
constexpr double MinVertebraAreaMm2 = 300.0; ///< filled area of a vertebral section at least
constexpr double CoreRadiusMm = 5.0;         ///< disc whose HU is the aorta's
constexpr double ClearanceMm = 7.0;          ///< a core centre this far from the vertebra
constexpr double MaxCoreSdHu = 40.0;         ///< a homogeneous lumen (noise, no bone edge)
constexpr double CalcifiedHu = 500.0;        ///< plaque or bone, not contrast-filled blood
constexpr double AgreementMm = 15.0;         ///< aorta positions within this of the median
constexpr double AgreementZMm = 40.0;        ///< ... of the slices this close in z
constexpr std::size_t MinAortaSlices = 3;
constexpr double MinPortalVeinMl = 1.0;

double median(std::vector<double> v)
{
  if (v.empty())
    return 0.0;
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0)
    m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2.0;
  return m;
}

std::string format(const char* pattern, double a, double b = 0.0, double c = 0.0)
{
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

/// One axial slice with the physical x (patient left) and y (posterior) of every pixel.
struct Slice
{
  std::size_t nx = 0, ny = 0;
  const std::int16_t* hu = nullptr;
  double x0 = 0, y0 = 0, z = 0;          ///< LPS of pixel (0, 0)
  double xi = 0, yi = 0, xj = 0, yj = 0; ///< change of x, y per step in i and j
  double x(std::size_t i, std::size_t j) const { return x0 + xi * double(i) + xj * double(j); }
  double y(std::size_t i, std::size_t j) const { return y0 + yi * double(i) + yj * double(j); }
};

/// Pixel offsets of a disc of `radiusMm` on a slice with these pixel sizes.
std::vector<std::pair<int, int>> discOffsets(double radiusMm, double si, double sj)
{
  std::vector<std::pair<int, int>> offsets;
  const int ri = static_cast<int>(radiusMm / si), rj = static_cast<int>(radiusMm / sj);
  for (int dj = -rj; dj <= rj; ++dj)
    for (int di = -ri; di <= ri; ++di)
      if ((di * si) * (di * si) + (dj * sj) * (dj * sj) <= radiusMm * radiusMm)
        offsets.emplace_back(di, dj);
  return offsets;
}

/// Where the aorta was found on one slice.
struct AortaSample
{
  double x = 0, y = 0, z = 0, hu = 0;
};

/// The vertebral body of one slice: its filled mask, front (most anterior y) and midline x.
struct Vertebra
{
  std::vector<std::uint8_t> mask;
  double frontY = 0, midX = 0;
};

/// A bone section filled: its pixels and the holes it encloses, within its bounding box.
struct FilledSection
{
  std::size_t i0 = 0, j0 = 0, w = 0, h = 0; ///< bounding box (one pixel of padding)
  std::vector<std::uint8_t> mask;           ///< w x h, 1 = bone or enclosed
  std::size_t area = 0;                     ///< pixels set in mask
  double sumX = 0;                          ///< sum of x over the bone pixels
  std::size_t bonePixels = 0;
};

/// Fill the section `pixels` (slice indices) by flooding its padded bounding box from outside.
FilledSection fillSection(const Slice& s, const std::vector<std::size_t>& pixels)
{
  FilledSection f;
  std::size_t i0 = s.nx, j0 = s.ny, i1 = 0, j1 = 0;
  for (std::size_t v : pixels)
  {
    i0 = std::min(i0, v % s.nx);
    i1 = std::max(i1, v % s.nx);
    j0 = std::min(j0, v / s.nx);
    j1 = std::max(j1, v / s.nx);
    f.sumX += s.x(v % s.nx, v / s.nx);
  }
  f.bonePixels = pixels.size();
  f.i0 = i0 > 0 ? i0 - 1 : 0;
  f.j0 = j0 > 0 ? j0 - 1 : 0;
  f.w = std::min(s.nx - 1, i1 + 1) - f.i0 + 1;
  f.h = std::min(s.ny - 1, j1 + 1) - f.j0 + 1;
  f.mask.assign(f.w * f.h, 0);
  for (std::size_t v : pixels)
    f.mask[(v % s.nx - f.i0) + f.w * (v / s.nx - f.j0)] = 1;
  VoxelGrid box;
  box.size = { long(f.w), long(f.h), 1 };
  fillHoles(f.mask, box); // the rest of the box not reached from its edge (4-connected)
  for (std::uint8_t m : f.mask)
    f.area += m;
  return f;
}

/// The bone section of the slice (>= 180 HU, at least 10 % of it >= 300 HU) with the largest
/// filled area (the vertebral body encloses its cancellous bone and the canal; ribs enclose
/// nothing); none when too small. No midline or body
/// outline is assumed: fields of view are often cropped off-centre.
std::optional<Vertebra> findVertebra(const Slice& s, double si, double sj)
{
  const std::size_t n = s.nx * s.ny;
  std::optional<FilledSection> best;
  // Bone sections: 8-connected pieces of the slice's bone.
  VoxelGrid slice;
  slice.size = { long(s.nx), long(s.ny), 1 };
  std::vector<std::uint8_t> bone(n);
  for (std::size_t v = 0; v < n; ++v)
    bone[v] = s.hu[v] >= BoneMinHu;
  std::vector<std::int32_t> section;
  const int sections = labelComponents(bone, slice, section, Connectivity::Full);
  std::vector<std::vector<std::size_t>> pixelsOf(std::size_t(sections) + 1);
  for (std::size_t v = 0; v < n; ++v)
    if (section[v])
      pixelsOf[std::size_t(section[v])].push_back(v);
  for (int k = 1; k <= sections; ++k)
  {
    const std::vector<std::size_t>& pixels = pixelsOf[std::size_t(k)];
    if (double(pixels.size()) * si * sj < MinBoneSectionMm2)
      continue;
    // Bone has a dense part (the cortex); enhancing organs (kidney, vessels) mostly do not.
    std::size_t dense = 0;
    for (std::size_t v : pixels)
      dense += s.hu[v] >= CortexMinHu;
    if (double(dense) < 0.1 * double(pixels.size()))
      continue;
    FilledSection f = fillSection(s, pixels);
    if (!best || f.area > best->area)
      best = std::move(f);
  }
  if (!best || double(best->area) * si * sj < MinVertebraAreaMm2)
    return std::nullopt;
  Vertebra v;
  v.mask.assign(n, 0);
  for (std::size_t b = 0; b < best->w * best->h; ++b)
    if (best->mask[b])
      v.mask[(best->i0 + b % best->w) + s.nx * (best->j0 + b / best->w)] = 1;
  v.midX = best->sumX / double(best->bonePixels);
  v.frontY = 1e300;
  for (std::size_t w = 0; w < n; ++w)
    if (v.mask[w] && std::abs(s.x(w % s.nx, w / s.nx) - v.midX) < 10.0)
      v.frontY = std::min(v.frontY, s.y(w % s.nx, w / s.nx));
  if (v.frontY == 1e300)
    return std::nullopt;
  return v;
}

/// The brightest homogeneous disc anterior-left of the vertebral body, if any.
std::optional<AortaSample> findAorta(const Slice& s, double si, double sj)
{
  const std::optional<Vertebra> vertebra = findVertebra(s, si, sj);
  if (!vertebra)
    return std::nullopt;
  const std::vector<std::pair<int, int>> core = discOffsets(CoreRadiusMm, si, sj);
  const std::vector<std::pair<int, int>> clearance = discOffsets(ClearanceMm, si, sj);
  const int stepI = std::max(1, int(1.5 / si)), stepJ = std::max(1, int(1.5 / sj));
  std::optional<AortaSample> best;
  for (std::size_t j = 0; j < s.ny; j += std::size_t(stepJ))
    for (std::size_t i = 0; i < s.nx; i += std::size_t(stepI))
    {
      const double dx = s.x(i, j) - vertebra->midX, dy = s.y(i, j) - vertebra->frontY;
      // In front of the vertebral body (abdomen), or beside it on the left (the descending
      // thoracic aorta); never over the body itself, whose cancellous bone may not be enclosed.
      const bool inFront = dx >= -10.0 && dx <= 45.0 && dy >= -45.0 && dy <= -8.0;
      const bool beside = dx >= 30.0 && dx <= 45.0 && dy > -8.0 && dy <= 15.0;
      if (!inFront && !beside)
        continue;
      bool clear = true;
      for (const auto& [di, dj] : clearance)
      {
        const long a = long(i) + di, b = long(j) + dj;
        if (a < 0 || b < 0 || a >= long(s.nx) || b >= long(s.ny) ||
            vertebra->mask[std::size_t(a) + s.nx * std::size_t(b)])
        {
          clear = false;
          break;
        }
      }
      if (!clear)
        continue;
      double sum = 0, sum2 = 0;
      std::size_t calcified = 0;
      for (const auto& [di, dj] : core)
      {
        const double h = s.hu[std::size_t(long(i) + di) + s.nx * std::size_t(long(j) + dj)];
        sum += h;
        sum2 += h * h;
        calcified += h >= CalcifiedHu;
      }
      const double count = double(core.size());
      const double mean = sum / count;
      const double sd = std::sqrt(std::max(0.0, sum2 / count - mean * mean));
      if (mean <= 0.0 || sd > MaxCoreSdHu || double(calcified) > 0.05 * count)
        continue;
      if (!best || mean > best->hu)
        best = AortaSample{ s.x(i, j), s.y(i, j), s.z, mean };
    }
  return best;
}

struct AortaMeasurement
{
  std::optional<double> hu;
  std::array<double, 3> pointLpsMm{};
  std::size_t slices = 0;     ///< agreeing slices
  std::size_t candidates = 0; ///< slices with a candidate at all
};

AortaMeasurement measureAorta(const CtImage& ct)
{
  const auto size = ct.GetLargestPossibleRegion().GetSize();
  const auto& d = ct.GetDirection();
  const auto& sp = ct.GetSpacing();
  AortaMeasurement m;
  // Axial slices only: the third grid axis must run along z.
  if (std::abs(d[2][2]) < 0.9)
    return m;
  std::vector<AortaSample> samples;
  // Every slice of a thick-slice scan, about every 3 mm of a thin-slice one.
  const std::size_t step = std::max<std::size_t>(1, std::size_t(std::lround(3.0 / sp[2])));
  for (std::size_t k = 0; k < size[2]; k += step)
  {
    Slice s;
    s.nx = size[0];
    s.ny = size[1];
    s.hu = ct.GetBufferPointer() + k * size[0] * size[1];
    CtImage::PointType p0;
    ct.TransformIndexToPhysicalPoint({ { 0, 0, long(k) } }, p0);
    s.x0 = p0[0];
    s.y0 = p0[1];
    s.z = p0[2];
    s.xi = d[0][0] * sp[0];
    s.yi = d[1][0] * sp[0];
    s.xj = d[0][1] * sp[1];
    s.yj = d[1][1] * sp[1];
    if (const auto sample = findAorta(s, sp[0], sp[1]))
      samples.push_back(*sample);
  }
  m.candidates = samples.size();
  if (samples.size() < MinAortaSlices)
    return m;
  // The aorta runs nearly along z: each slice's position must agree with the median position of
  // the slices within AgreementZMm of it (picks of other structures scatter).
  std::vector<double> hus, xs, ys, zs;
  for (const AortaSample& a : samples)
  {
    std::vector<double> nx, ny;
    for (const AortaSample& b : samples)
      if (std::abs(b.z - a.z) <= AgreementZMm)
      {
        nx.push_back(b.x);
        ny.push_back(b.y);
      }
    if (std::hypot(a.x - median(nx), a.y - median(ny)) > AgreementMm)
      continue;
    hus.push_back(a.hu);
    xs.push_back(a.x);
    ys.push_back(a.y);
    zs.push_back(a.z);
  }
  m.slices = hus.size();
  if (m.slices < MinAortaSlices)
    return m;
  m.hu = median(hus);
  m.pointLpsMm = { median(xs), median(ys), median(zs) };
  return m;
}

/// Mode of the HU histogram (1 HU bins, 5-bin box smoothing) and robust SD inside the liver.
struct LiverHu
{
  double modeHu = 0, sigmaHu = 0;
  std::size_t voxels = 0;
};

LiverHu measureLiverHu(const CtImage& ct, const LabelImage& liver)
{
  constexpr int Low = -200, High = 400;
  std::vector<double> histogram(High - Low + 1, 0.0);
  const std::size_t n = ct.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::int16_t* hu = ct.GetBufferPointer();
  const std::uint16_t* mask = liver.GetBufferPointer();
  LiverHu result;
  for (std::size_t v = 0; v < n; ++v)
    if (mask[v] && hu[v] >= Low && hu[v] <= High)
    {
      histogram[std::size_t(hu[v] - Low)] += 1.0;
      ++result.voxels;
    }
  if (result.voxels == 0)
    return result;
  double bestCount = -1;
  for (int b = 2; b + 2 < int(histogram.size()); ++b)
  {
    double c = 0;
    for (int o = -2; o <= 2; ++o)
      c += histogram[std::size_t(b + o)];
    if (c > bestCount)
    {
      bestCount = c;
      result.modeHu = b + Low;
    }
  }
  // Robust SD: 1.4826 x the median absolute deviation from the mode, from the histogram.
  std::vector<double> deviation(High - Low + 1, 0.0);
  for (int b = 0; b < int(histogram.size()); ++b)
    deviation[std::size_t(std::abs(b + Low - int(result.modeHu)))] += histogram[std::size_t(b)];
  double cumulative = 0;
  for (std::size_t dHu = 0; dHu < deviation.size(); ++dHu)
  {
    cumulative += deviation[dHu];
    if (cumulative >= 0.5 * double(result.voxels))
    {
      result.sigmaHu = std::max(1.0, 1.4826 * double(dHu));
      break;
    }
  }
  return result;
}

/// Median HU of the largest vessel brighter than the liver inside the liver mask (the portal
/// tree; in the portal-venous phase possibly the hepatic veins, as bright); none when smaller
/// than MinPortalVeinMl (no enhanced vessel: non-contrast, or vessels left out of the mask).
std::optional<double> measurePortalVein(const CtImage& ct,
                                        const LabelImage& liver,
                                        const LiverHu& liverHu)
{
  const auto size = ct.GetLargestPossibleRegion().GetSize();
  const auto& sp = ct.GetSpacing();
  const double threshold = liverHu.modeHu + std::max(3.0 * liverHu.sigmaHu, 30.0);
  using ByteImage = itk::Image<std::uint8_t, 3>;
  auto bright = ByteImage::New();
  bright->SetRegions(ct.GetLargestPossibleRegion());
  bright->Allocate();
  const std::int16_t* hu = ct.GetBufferPointer();
  const std::uint16_t* mask = liver.GetBufferPointer();
  std::uint8_t* b = bright->GetBufferPointer();
  const std::size_t n = size[0] * size[1] * size[2];
  for (std::size_t v = 0; v < n; ++v)
    b[v] = mask[v] && hu[v] > threshold && hu[v] < CalcifiedHu;
  using Components = itk::ConnectedComponentImageFilter<ByteImage, LabelImage>;
  auto components = Components::New();
  components->SetInput(bright);
  components->Update();
  const std::uint16_t* c = components->GetOutput()->GetBufferPointer();
  std::vector<std::size_t> counts(std::size_t(components->GetObjectCount()) + 1, 0);
  for (std::size_t v = 0; v < n; ++v)
    ++counts[c[v]];
  if (counts.size() < 2)
    return std::nullopt;
  const auto largest =
    std::size_t(std::max_element(counts.begin() + 1, counts.end()) - counts.begin());
  if (double(counts[largest]) * sp[0] * sp[1] * sp[2] / 1000.0 < MinPortalVeinMl)
    return std::nullopt;
  std::vector<double> values;
  values.reserve(counts[largest]);
  for (std::size_t v = 0; v < n; ++v)
    if (c[v] == largest)
      values.push_back(hu[v]);
  return median(values);
}

/// 0.5 at the threshold, 1 at `scale` or more from it.
double marginConfidence(double value, double threshold, double scale)
{
  return 0.5 + 0.5 * std::min(1.0, std::abs(value - threshold) / scale);
}

} // namespace

std::string toString(ContrastPhase phase)
{
  switch (phase)
  {
    case ContrastPhase::NonContrast:
      return "non-contrast";
    case ContrastPhase::Arterial:
      return "arterial";
    case ContrastPhase::PortalVenous:
      return "portal-venous";
    case ContrastPhase::Delayed:
      return "delayed";
    case ContrastPhase::Unknown:
      break;
  }
  return "unknown";
}

ContrastPhaseEstimate classifyContrastPhase(std::optional<double> aortaHu,
                                            std::optional<double> portalVeinHu,
                                            std::optional<double> liverHu)
{
  ContrastPhaseEstimate e;
  e.aortaHu = aortaHu;
  e.portalVeinHu = portalVeinHu;
  e.liverHu = liverHu;
  if (!aortaHu)
  {
    e.how = "no aorta found: phase unknown";
    return e;
  }
  const double a = *aortaHu;
  if (a < NonContrastMaxAortaHu)
  {
    e.phase = ContrastPhase::NonContrast;
    e.confidence = marginConfidence(a, NonContrastMaxAortaHu, 30.0);
    e.how = format("aorta %.0f HU < %.0f HU: unenhanced blood", a, NonContrastMaxAortaHu);
    return e;
  }
  if (portalVeinHu)
  {
    const double ratio = (*portalVeinHu - UnenhancedBloodHu) / (a - UnenhancedBloodHu);
    if (ratio < ArterialMaxPortalRatio)
    {
      e.phase = ContrastPhase::Arterial;
      e.confidence = marginConfidence(ratio, ArterialMaxPortalRatio, 0.2);
      e.how = format("portal vein enhancement %.2f of the aorta's (< %.2f): arterial",
                     ratio,
                     ArterialMaxPortalRatio);
      return e;
    }
    e.phase = a >= PortalMinAortaHu ? ContrastPhase::PortalVenous : ContrastPhase::Delayed;
    e.confidence = std::min(marginConfidence(ratio, ArterialMaxPortalRatio, 0.2),
                            marginConfidence(a, PortalMinAortaHu, 30.0));
    e.how = format("portal vein enhancement %.2f of the aorta's (>= %.2f), aorta %.0f HU",
                   ratio,
                   ArterialMaxPortalRatio,
                   a) +
            (a >= PortalMinAortaHu ? format(" >= %.0f HU: portal-venous", PortalMinAortaHu)
                                   : format(" < %.0f HU: delayed", PortalMinAortaHu));
    return e;
  }
  // The aorta alone: its level decides, with less confidence than a portal vein comparison.
  if (a >= ArterialMinAortaHu)
  {
    e.phase = ContrastPhase::Arterial;
    e.confidence = 0.8 * marginConfidence(a, ArterialMinAortaHu, 60.0);
    e.how =
      format("aorta %.0f HU >= %.0f HU (no portal vein measured): arterial", a, ArterialMinAortaHu);
  }
  else if (a >= PortalMinAortaHu)
  {
    e.phase = ContrastPhase::PortalVenous;
    e.confidence = 0.8 * std::min(marginConfidence(a, PortalMinAortaHu, 30.0),
                                  marginConfidence(a, ArterialMinAortaHu, 30.0));
    e.how = format("aorta %.0f HU in [%.0f, %.0f) HU (no portal vein measured): portal-venous",
                   a,
                   PortalMinAortaHu,
                   ArterialMinAortaHu);
  }
  else
  {
    e.phase = ContrastPhase::Delayed;
    e.confidence = 0.8 * std::min(marginConfidence(a, PortalMinAortaHu, 30.0),
                                  marginConfidence(a, NonContrastMaxAortaHu, 30.0));
    e.how = format("aorta %.0f HU in [%.0f, %.0f) HU (no portal vein measured): delayed",
                   a,
                   NonContrastMaxAortaHu,
                   PortalMinAortaHu);
  }
  return e;
}

namespace
{

/// Classify and scale the confidence by how many slices agreed on the aorta.
ContrastPhaseEstimate conclude(const AortaMeasurement& aorta,
                               std::optional<double> portalVeinHu,
                               std::optional<double> liverHu)
{
  ContrastPhaseEstimate e = classifyContrastPhase(aorta.hu, portalVeinHu, liverHu);
  e.aortaLpsMm = aorta.pointLpsMm;
  e.aortaSlices = aorta.slices;
  if (!aorta.hu)
  {
    e.how = format("no aorta found beside the vertebral body (%.0f slice(s) with a candidate, "
                   "fewer than %.0f agreeing): phase unknown",
                   double(aorta.candidates),
                   double(MinAortaSlices));
    return e;
  }
  const double agreement =
    double(aorta.slices) / double(std::max<std::size_t>(1, aorta.candidates));
  const double coverage = std::min(1.0, double(aorta.slices) / 10.0);
  e.confidence *= std::min(agreement, coverage);
  e.how = format("aorta median %.0f HU on %.0f axial slice(s) anterior-left of the vertebral body"
                 " (%.0f%% of the slices agree on its position)",
                 *aorta.hu,
                 double(aorta.slices),
                 100.0 * agreement) +
          (portalVeinHu ? format(", portal vein %.0f HU", *portalVeinHu) : std::string()) +
          (liverHu ? format(", liver mode %.0f HU", *liverHu) : std::string()) + "; " + e.how;
  return e;
}

} // namespace

ContrastPhaseEstimate estimateContrastPhase(const CtImage& ct)
{
  return conclude(measureAorta(ct), std::nullopt, std::nullopt);
}

ContrastPhaseEstimate estimateContrastPhase(const CtImage& ct, const LabelImage& liver)
{
  const std::string mismatch = describeGridMismatch(ct, liver);
  if (!mismatch.empty())
    throw std::invalid_argument("estimateContrastPhase: liver grid differs from the CT: " +
                                mismatch);
  const LiverHu liverHu = measureLiverHu(ct, liver);
  if (liverHu.voxels == 0)
    return estimateContrastPhase(ct);
  return conclude(measureAorta(ct), measurePortalVein(ct, liver, liverHu), liverHu.modeHu);
}

} // namespace liver
