/// Plausibility checks of a liver segmentation: volume, HU, surface, coverage, pieces, lesions.

#include <liver/segmentation/quality_control.h>

#include <liver/imaging/io.h>

#include <itkConnectedComponentImageFilter.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace liver
{
namespace
{

constexpr double Pi = 3.14159265358979323846;

std::string format(const char* pattern, double a, double b = 0.0, double c = 0.0)
{
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

QualityCheck named(const char* id)
{
  QualityCheck c;
  c.id = id;
  return c;
}

void add(QualityControl& qc, QualityCheck check)
{
  if (!check.passed)
  {
    qc.status = "review";
    qc.reasons.push_back(check.reason);
  }
  qc.checks.push_back(std::move(check));
}

QualityCheck volumeCheck(const QualityControl& qc, const QualityControlOptions& o)
{
  QualityCheck c = named("liver-volume");
  if (o.standardLiverVolumeMl && *o.standardLiverVolumeMl > 0.0)
  {
    const double ratio = qc.liverVolumeMl / *o.standardLiverVolumeMl;
    c.value = format("%.0f mL = %.2f x the standard liver volume (%.0f mL)",
                     qc.liverVolumeMl,
                     ratio,
                     *o.standardLiverVolumeMl);
    c.passed = ratio >= o.minSlvRatio && ratio <= o.maxSlvRatio;
    if (!c.passed)
      c.reason = format("liver volume %.0f mL is %.2f x the standard liver volume, outside "
                        "%.2f-%.2f: part of the liver missed or other organs included",
                        qc.liverVolumeMl,
                        ratio,
                        o.minSlvRatio) +
                 format(" (max %.2f)", o.maxSlvRatio);
    return c;
  }
  c.value = format("%.0f mL (no height/weight: adult range %.0f-%.0f mL)",
                   qc.liverVolumeMl,
                   o.minVolumeMl,
                   o.maxVolumeMl);
  c.passed = qc.liverVolumeMl >= o.minVolumeMl && qc.liverVolumeMl <= o.maxVolumeMl;
  if (!c.passed)
    c.reason = format("liver volume %.0f mL is outside the plausible adult range %.0f-%.0f mL",
                      qc.liverVolumeMl,
                      o.minVolumeMl,
                      o.maxVolumeMl);
  return c;
}

QualityCheck huCheck(const QualityControl& qc, const QualityControlOptions& o)
{
  QualityCheck c = named("liver-hu");
  const auto [low, high] = expectedLiverHu(o.phase);
  c.value = format("mean %.0f HU, SD %.0f HU, skewness %.2f", qc.meanHu, qc.sdHu, qc.skewness) +
            format("; %.1f %% below -30 HU, %.2f %% above 300 HU",
                   100.0 * qc.fatFraction,
                   100.0 * qc.boneFraction);
  std::vector<std::string> problems;
  if (qc.meanHu < low || qc.meanHu > high)
    problems.push_back(format("mean %.0f HU outside %.0f-%.0f HU", qc.meanHu, low, high) +
                       " expected in the " + toString(o.phase) + " phase");
  if (qc.fatFraction > o.maxFatFraction)
    problems.push_back(format("%.1f %% of the mask is fat or air (max %.1f %%)",
                              100.0 * qc.fatFraction,
                              100.0 * o.maxFatFraction));
  if (qc.boneFraction > o.maxBoneFraction)
    problems.push_back(format("%.2f %% of the mask is bone or dense contrast (max %.2f %%)",
                              100.0 * qc.boneFraction,
                              100.0 * o.maxBoneFraction));
  c.passed = problems.empty();
  for (const std::string& p : problems)
    c.reason += (c.reason.empty() ? "liver HU implausible: " : "; ") + p;
  return c;
}

QualityCheck surfaceCheck(const QualityControl& qc, const QualityControlOptions& o)
{
  QualityCheck c = named("surface");
  c.value = format("surface %.2f x that of the sphere of the same volume", qc.surfaceRatio);
  c.passed = qc.surfaceRatio <= o.maxSurfaceRatio;
  if (!c.passed)
    c.reason = format("ragged surface: %.2f x the equivalent sphere's area (max %.2f): holes "
                      "where tumours or vessels were left out, a leak "
                      "along vessels or a fragmented mask",
                      qc.surfaceRatio,
                      o.maxSurfaceRatio);
  return c;
}

} // namespace

std::pair<double, double> expectedLiverHu(ContrastPhase phase)
{
  switch (phase)
  {
    case ContrastPhase::NonContrast:
      return { 10.0, 85.0 };
    case ContrastPhase::Arterial:
      return { 40.0, 140.0 };
    case ContrastPhase::PortalVenous:
      return { 70.0, 170.0 };
    case ContrastPhase::Delayed:
      return { 50.0, 150.0 };
    case ContrastPhase::Unknown:
      break;
  }
  return { 10.0, 170.0 };
}

QualityControl checkSegmentationQuality(const CtImage& ct,
                                        const LabelImage& liver,
                                        const LabelImage* lesions,
                                        const QualityControlOptions& options)
{
  std::string mismatch = describeGridMismatch(ct, liver);
  if (mismatch.empty() && lesions)
    mismatch = describeGridMismatch(ct, *lesions);
  if (!mismatch.empty())
    throw std::invalid_argument("checkSegmentationQuality: label grid differs from the CT: " +
                                mismatch);
  const auto size = ct.GetLargestPossibleRegion().GetSize();
  const auto& sp = ct.GetSpacing();
  const std::size_t nx = size[0], ny = size[1], nz = size[2];
  const double voxelMl = sp[0] * sp[1] * sp[2] / 1000.0;
  const double faceMm2[3] = { sp[1] * sp[2], sp[0] * sp[2], sp[0] * sp[1] };
  const std::int16_t* hu = ct.GetBufferPointer();
  const std::uint16_t* m = liver.GetBufferPointer();

  QualityControl qc;
  // One pass: HU moments, fractions, exposed faces, border sections.
  double sum = 0, sum2 = 0, sum3 = 0, surfaceMm2 = 0;
  std::size_t voxels = 0, fat = 0, bone = 0;
  double firstSliceMm2 = 0, lastSliceMm2 = 0, sideMm2 = 0;
  const std::size_t stride[3] = { 1, nx, nx * ny };
  for (std::size_t z = 0, v = 0; z < nz; ++z)
    for (std::size_t y = 0; y < ny; ++y)
      for (std::size_t x = 0; x < nx; ++x, ++v)
      {
        if (!m[v])
          continue;
        const double h = hu[v];
        ++voxels;
        sum += h;
        sum2 += h * h;
        sum3 += h * h * h;
        fat += h < FatHu;
        bone += h > BoneHu;
        const std::size_t idx[3] = { x, y, z };
        for (int a = 0; a < 3; ++a)
        {
          const std::size_t n = a == 0 ? nx : (a == 1 ? ny : nz);
          surfaceMm2 += (idx[a] == 0 || !m[v - stride[a]]) ? faceMm2[a] : 0.0;
          surfaceMm2 += (idx[a] + 1 == n || !m[v + stride[a]]) ? faceMm2[a] : 0.0;
        }
        if (z == 0)
          firstSliceMm2 += faceMm2[2];
        if (z + 1 == nz)
          lastSliceMm2 += faceMm2[2];
        if (x == 0 || x + 1 == nx)
          sideMm2 += faceMm2[0];
        if (y == 0 || y + 1 == ny)
          sideMm2 += faceMm2[1];
      }
  if (voxels == 0)
    throw std::invalid_argument("checkSegmentationQuality: the liver mask is empty");
  const double n = double(voxels);
  qc.liverVolumeMl = n * voxelMl;
  qc.meanHu = sum / n;
  const double variance = std::max(0.0, sum2 / n - qc.meanHu * qc.meanHu);
  qc.sdHu = std::sqrt(variance);
  qc.skewness = qc.sdHu > 0.0
                  ? (sum3 / n - 3.0 * qc.meanHu * variance - qc.meanHu * qc.meanHu * qc.meanHu) /
                      (variance * qc.sdHu)
                  : 0.0;
  qc.fatFraction = double(fat) / n;
  qc.boneFraction = double(bone) / n;
  const double sphereMm2 = std::cbrt(36.0 * Pi * std::pow(qc.liverVolumeMl * 1000.0, 2.0));
  qc.surfaceRatio = surfaceMm2 / sphereMm2;

  add(qc, volumeCheck(qc, options));
  add(qc, huCheck(qc, options));
  add(qc, surfaceCheck(qc, options));

  QualityCheck coverage = named("coverage");
  coverage.value = format("liver section on the first slice %.0f mm², last slice %.0f mm², "
                          "field-of-view border %.0f mm²",
                          firstSliceMm2,
                          lastSliceMm2,
                          sideMm2);
  std::vector<std::string> cut;
  if (firstSliceMm2 > options.maxBorderAreaMm2)
    cut.push_back(format("the first slice (%.0f mm²)", firstSliceMm2));
  if (lastSliceMm2 > options.maxBorderAreaMm2)
    cut.push_back(format("the last slice (%.0f mm²)", lastSliceMm2));
  if (sideMm2 > options.maxBorderAreaMm2)
    cut.push_back(format("the field-of-view border (%.0f mm²)", sideMm2));
  coverage.passed = cut.empty();
  for (const std::string& part : cut)
    coverage.reason +=
      (coverage.reason.empty() ? "incomplete coverage: the liver touches " : " and ") + part;
  if (!coverage.passed)
    coverage.reason += ", so part of it may lie outside the scan";
  add(qc, coverage);

  // Pieces: face-and-corner connected components; what lies apart from the largest.
  using Components = itk::ConnectedComponentImageFilter<LabelImage, LabelImage>;
  auto components = Components::New();
  components->SetInput(&liver);
  components->FullyConnectedOn();
  components->Update();
  qc.components = components->GetObjectCount();
  std::vector<std::size_t> counts(qc.components + 1, 0);
  const std::uint16_t* c = components->GetOutput()->GetBufferPointer();
  for (std::size_t v = 0; v < nx * ny * nz; ++v)
    ++counts[c[v]];
  std::size_t largest = 0;
  for (std::size_t k = 1; k < counts.size(); ++k)
    largest = std::max(largest, counts[k]);
  qc.detachedMl = double(voxels - largest) * voxelMl;
  QualityCheck pieces = named("components");
  pieces.value =
    format("%.0f piece(s); %.1f mL apart from the largest", double(qc.components), qc.detachedMl);
  pieces.passed = qc.detachedMl <= options.maxDetachedMl;
  if (!pieces.passed)
    pieces.reason = format("the liver is in %.0f pieces with %.1f mL apart from the largest "
                           "(max %.0f mL): other organs or a split liver",
                           double(qc.components),
                           qc.detachedMl,
                           options.maxDetachedMl);
  add(qc, pieces);

  QualityCheck lesionCheck = named("lesions");
  if (!lesions)
  {
    lesionCheck.assessed = false;
    lesionCheck.value = "no lesion map";
  }
  else
  {
    std::set<std::uint16_t> ids;
    std::size_t tumourVoxels = 0;
    const std::uint16_t* l = lesions->GetBufferPointer();
    for (std::size_t v = 0; v < nx * ny * nz; ++v)
      if (l[v])
      {
        ids.insert(l[v]);
        ++tumourVoxels;
      }
    qc.lesionCount = ids.size();
    qc.tumourMl = double(tumourVoxels) * voxelMl;
    lesionCheck.value = format("%.0f lesion(s), %.1f mL (%.0f %% of the liver)",
                               double(qc.lesionCount),
                               qc.tumourMl,
                               100.0 * qc.tumourMl / qc.liverVolumeMl);
    std::vector<std::string> problems;
    if (qc.lesionCount > options.maxLesions)
      problems.push_back(format("%.0f lesions (more than %.0f: vessels or fissures taken for "
                                "lesions?)",
                                double(qc.lesionCount),
                                double(options.maxLesions)));
    if (qc.tumourMl > options.maxTumourFraction * qc.liverVolumeMl)
      problems.push_back(format("lesions fill %.0f %% of the liver (more than %.0f %%)",
                                100.0 * qc.tumourMl / qc.liverVolumeMl,
                                100.0 * options.maxTumourFraction));
    lesionCheck.passed = problems.empty();
    for (const std::string& p : problems)
      lesionCheck.reason += (lesionCheck.reason.empty() ? "implausible lesions: " : "; ") + p;
  }
  add(qc, lesionCheck);
  return qc;
}

} // namespace liver
