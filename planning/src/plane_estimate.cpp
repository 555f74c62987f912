#include <liver/planning/plane_estimate.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/liver_function.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace liver
{

PlaneDragEstimator::PlaneDragEstimator(const LiverLabels& labels,
                                       const LabelImage* fixedRemnant,
                                       const PlanOptions& options,
                                       double coarseSpacingMm)
{
  if (!labels.liver)
    throw std::invalid_argument("PlaneDragEstimator: no liver");
  if (!(coarseSpacingMm > 0.0) || !std::isfinite(coarseSpacingMm))
    throw std::invalid_argument("PlaneDragEstimator: the coarse spacing must be positive");
  const LabelImage& liverImage = *labels.liver;
  const auto size = liverImage.GetLargestPossibleRegion().GetSize();
  if (fixedRemnant && fixedRemnant->GetLargestPossibleRegion().GetSize() != size)
    throw std::invalid_argument("PlaneDragEstimator: the remnant map is not on the liver's grid");
  if (labels.lesions && labels.lesions->GetLargestPossibleRegion().GetSize() != size)
    throw std::invalid_argument("PlaneDragEstimator: the lesion map is not on the liver's grid");
  const long n[3] = { static_cast<long>(size[0]),
                      static_cast<long>(size[1]),
                      static_cast<long>(size[2]) };
  Vec3 origin{};
  for (int a = 0; a < 3; ++a)
  {
    m_spacing[a] = liverImage.GetSpacing()[a];
    origin[a] = liverImage.GetOrigin()[a];
    for (int b = 0; b < 3; ++b)
      m_direction[a][b] = liverImage.GetDirection()[a][b];
  }
  const std::uint16_t* liver = liverImage.GetBufferPointer();
  const std::uint16_t* lesion = labels.lesions ? labels.lesions->GetBufferPointer() : nullptr;
  const std::uint16_t* fixed = fixedRemnant ? fixedRemnant->GetBufferPointer() : nullptr;

  // The liver's box (2 voxels of margin, as the planner window's): the blocks start at its corner.
  std::array<long, 3> lo{ n[0], n[1], n[2] }, hi{ -1, -1, -1 };
  std::size_t i = 0;
  for (long z = 0; z < n[2]; ++z)
    for (long y = 0; y < n[1]; ++y)
      for (long x = 0; x < n[0]; ++x, ++i)
        if (liver[i])
        {
          lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
          hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
        }
  if (hi[0] < 0)
    throw std::invalid_argument("PlaneDragEstimator: the liver mask is empty");
  std::array<long, 3> boxSize{};
  for (int a = 0; a < 3; ++a)
  {
    lo[a] = std::max(lo[a] - 2, 0L);
    boxSize[a] = std::min(hi[a] + 2, n[a] - 1) - lo[a] + 1;
  }
  auto lpsOf = [&](const Vec3& boxIndex)
  {
    Vec3 frame{};
    for (int a = 0; a < 3; ++a)
      frame[a] = (boxIndex[a] + static_cast<double>(lo[a])) * m_spacing[a];
    Vec3 p = origin;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        p[r] += m_direction[r][c] * frame[c];
    return p;
  };

  std::array<long, 3> f{};
  for (int a = 0; a < 3; ++a)
    f[a] = std::max(1L, std::lround(coarseSpacingMm / m_spacing[a]));
  const std::array<long, 3> blocks = { (boxSize[0] + f[0] - 1) / f[0],
                                       (boxSize[1] + f[1] - 1) / f[1],
                                       (boxSize[2] + f[2] - 1) / f[2] };
  std::vector<std::array<double, 5>> sums(
    static_cast<std::size_t>(blocks[0] * blocks[1] * blocks[2]), { 0, 0, 0, 0, 0 });
  std::map<int, LesionVoxels> lesions;
  for (long z = 0; z < boxSize[2]; ++z)
    for (long y = 0; y < boxSize[1]; ++y)
      for (long x = 0; x < boxSize[0]; ++x)
      {
        const std::size_t v =
          (static_cast<std::size_t>(z + lo[2]) * static_cast<std::size_t>(n[1]) +
           static_cast<std::size_t>(y + lo[1])) *
            static_cast<std::size_t>(n[0]) +
          static_cast<std::size_t>(x + lo[0]);
        if (!liver[v])
          continue;
        const std::uint16_t state = fixed ? fixed[v] : std::uint16_t(RemnantKept);
        const int id = lesion ? lesion[v] : 0;
        m_liverVoxels += 1.0;
        m_tumourVoxels += id != 0;
        m_fixedResectsSomething =
          m_fixedResectsSomething || state == RemnantResected || state == RemnantAblated;
        if (state == RemnantKept)
        {
          auto& s = sums[static_cast<std::size_t>(((z / f[2]) * blocks[1] + y / f[1]) * blocks[0] +
                                                  x / f[0])];
          s[0] += x;
          s[1] += y;
          s[2] += z;
          s[3] += 1.0;
          s[4] += id != 0;
        }
        if (id != 0)
        {
          LesionVoxels& l = lesions[id];
          l.id = id;
          if (state == RemnantResected)
            ++l.resected;
          else if (state == RemnantAblated)
            ++l.ablated;
          else
            l.keptLps.push_back(
              lpsOf({ static_cast<double>(x), static_cast<double>(y), static_cast<double>(z) }));
        }
      }
  for (const auto& s : sums)
    if (s[3] > 0)
      m_cells.push_back({ lpsOf({ s[0] / s[3], s[1] / s[3], s[2] / s[3] }), s[3], s[4] });
  for (auto& [id, l] : lesions)
    m_lesions.push_back(std::move(l));
  m_voxelMl = voxelVolumeMl(liverImage);
  if (options.heightCm && options.weightKg)
    m_slvMl = standardLiverVolumeMl(
      bodySurfaceAreaM2(*options.heightCm, *options.weightKg, options.bsaFormula),
      options.slvFormula);
}

PlanEstimate PlaneDragEstimator::estimate(const std::optional<CutPlane>& plane,
                                          const PlanResult* exact) const
{
  PlanEstimate e;
  e.exact = false;
  Vec3 n{ 0, 0, 1 }, p{};
  if (plane)
  {
    const double length =
      std::sqrt(plane->normal[0] * plane->normal[0] + plane->normal[1] * plane->normal[1] +
                plane->normal[2] * plane->normal[2]);
    if (!(length > 0.0))
      throw std::invalid_argument("PlaneDragEstimator: the plane's normal is zero");
    n = { plane->normal[0] / length, plane->normal[1] / length, plane->normal[2] / length };
    p = plane->pointLpsMm;
  }
  // Signed distance to the plane: > 0 on the resected side.
  auto side = [&](const Vec3& q)
  { return n[0] * (q[0] - p[0]) + n[1] * (q[1] - p[1]) + n[2] * (q[2] - p[2]); };
  double keptVoxels = 0.0, keptTumour = 0.0;
  bool planeResectsSomething = false;
  for (const Cell& c : m_cells)
    if (plane && side(c.centreLps) > 0.0)
      planeResectsSomething = true;
    else
    {
      keptVoxels += c.liverVoxels;
      keptTumour += c.tumourVoxels;
    }
  e.remnantMl = keptVoxels * m_voxelMl;
  e.flrMl = (keptVoxels - keptTumour) * m_voxelMl;
  // The FLR formulas are volumetry's (DESIGN.md section 3 Volumes).
  const double functionalMl = (m_liverVoxels - m_tumourVoxels) * m_voxelMl;
  e.flrPercent =
    functionalMl > 0.0
      ? measuredFlrPercent(e.flrMl, m_liverVoxels * m_voxelMl, m_tumourVoxels * m_voxelMl)
      : 0.0;
  if (m_slvMl)
    e.sflrPercent = standardizedFlrPercent(e.flrMl, *m_slvMl);

  // Half a voxel along the normal: the voxel seen as the ellipsoid with semi-axes spacing / 2.
  Vec3 nf{};
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r)
      nf[c] += m_direction[r][c] * n[r];
  const double halfVoxel =
    0.5 / std::sqrt(std::pow(nf[0] / m_spacing[0], 2) + std::pow(nf[1] / m_spacing[1], 2) +
                    std::pow(nf[2] / m_spacing[2], 2));
  std::map<int, std::optional<double>> exactMargins;
  if (exact)
    for (const LesionOutcome& o : exact->lesions)
      exactMargins[o.id] = o.marginMm;
  for (const LesionVoxels& info : m_lesions)
  {
    PlanEstimate::Lesion l;
    l.id = info.id;
    std::size_t kept = 0, planeResected = 0;
    double minKeptDistance = 1e300, minResectedDistance = 1e300;
    for (const Vec3& q : info.keptLps)
    {
      const double d = plane ? side(q) : -1e300;
      if (d > 0.0)
      {
        ++planeResected;
        minResectedDistance = std::min(minResectedDistance, d);
      }
      else
      {
        ++kept;
        minKeptDistance = std::min(minKeptDistance, -d);
      }
    }
    const std::size_t resected = info.resected + planeResected;
    if (kept > 0)
    {
      l.fate = LesionFate::Left;
      if (resected + info.ablated > 0)
        l.marginMm = 0.0;
      else if (plane && planeResectsSomething)
        l.marginMm = std::max(0.0, minKeptDistance - halfVoxel);
      else if (m_fixedResectsSomething)
        l.marginMm = exactMargins[info.id];
    }
    else if (info.ablated == 0)
    {
      l.fate = LesionFate::Resected;
      l.marginMm = planeResected > 0
                     ? std::optional<double>(std::max(0.0, minResectedDistance - halfVoxel))
                     : exactMargins[info.id];
    }
    else
      l.fate = LesionFate::Ablated;
    e.lesions.push_back(l);
  }
  return e;
}

} // namespace liver
