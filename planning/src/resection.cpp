#include "distance.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/planning/resection.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/volumetry.h>

#include <algorithm>
#include <bitset>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace liver
{
namespace
{

using planning_detail::Grid3;

enum State : std::uint8_t
{
  Outside = RemnantNone,
  Kept = RemnantKept,
  Resected = RemnantResected,
  Ablated = RemnantAblated
};

/// One lesion inside the working box.
struct LesionVoxels
{
  std::vector<std::size_t> inLiver; ///< box indices of its voxels inside the liver
  std::array<long, 3> lo{ std::numeric_limits<long>::max(),
                          std::numeric_limits<long>::max(),
                          std::numeric_limits<long>::max() };
  std::array<long, 3> hi{ -1, -1, -1 };
};

/// The liver's bounding box (grown by one voxel where the image allows) with copies of the
/// labels inside it; every liver voxel lies in it.
struct Workspace
{
  Grid3 grid;
  std::array<long, 3> offset{}; ///< index of the box's first voxel in the image
  std::vector<std::uint8_t> liver;
  std::vector<std::uint16_t> lesion;
  std::vector<std::uint8_t> segment;
  std::map<int, LesionVoxels> lesions; ///< every id of the lesion map (voxels in the box)
  std::set<int> lesionIdsInImage;      ///< every id anywhere in the lesion map
  std::uint64_t liverCount = 0;
  std::uint64_t tumourCount = 0; ///< lesion voxels inside the liver
};

std::string fmt(double value, int decimals = 1)
{
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << value;
  return out.str();
}

std::string joinIds(const std::vector<int>& ids)
{
  std::string s;
  for (int id : ids)
    s += (s.empty() ? "" : ", ") + std::to_string(id);
  return s;
}

void requireSameGrid(const LabelImage* image, const LabelImage& liver, const char* name)
{
  if (image == nullptr)
    return;
  if (image->GetLargestPossibleRegion() != liver.GetLargestPossibleRegion())
    throw std::invalid_argument(std::string("evaluatePlan: the ") + name +
                                " map's size differs from the liver's");
  const std::string mismatch = describeGridMismatch(liver, *image);
  if (!mismatch.empty())
    throw std::invalid_argument(std::string("evaluatePlan: the ") + name +
                                " map is not on the liver's grid: " + mismatch);
}

Workspace makeWorkspace(const LiverLabels& labels)
{
  const LabelImage& liverImage = *labels.liver;
  const auto size = liverImage.GetLargestPossibleRegion().GetSize();
  const long n[3] = { static_cast<long>(size[0]),
                      static_cast<long>(size[1]),
                      static_cast<long>(size[2]) };
  const std::uint16_t* liver = liverImage.GetBufferPointer();
  const std::uint16_t* lesion = labels.lesions ? labels.lesions->GetBufferPointer() : nullptr;
  Workspace ws;
  std::array<long, 3> lo{ n[0], n[1], n[2] }, hi{ -1, -1, -1 };
  std::bitset<65536> present;
  std::size_t i = 0;
  for (long z = 0; z < n[2]; ++z)
    for (long y = 0; y < n[1]; ++y)
      for (long x = 0; x < n[0]; ++x, ++i)
      {
        if (lesion && lesion[i])
          present.set(lesion[i]);
        if (!liver[i])
          continue;
        lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
        hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
      }
  if (hi[0] < 0)
    throw InputError("", "the liver mask is empty");
  for (std::size_t id = 1; id < present.size(); ++id)
    if (present.test(id))
      ws.lesionIdsInImage.insert(static_cast<int>(id));
  for (int a = 0; a < 3; ++a)
  {
    lo[a] = std::max(lo[a] - 1, 0L);
    hi[a] = std::min(hi[a] + 1, n[a] - 1);
    ws.offset[a] = lo[a];
    ws.grid.size[a] = hi[a] - lo[a] + 1;
    ws.grid.spacingMm[a] = liverImage.GetSpacing()[a];
  }
  const std::size_t count = ws.grid.count();
  ws.liver.assign(count, 0);
  ws.lesion.assign(count, 0);
  ws.segment.assign(count, 0);
  const std::uint16_t* segment = labels.segments ? labels.segments->GetBufferPointer() : nullptr;
  std::size_t b = 0;
  for (long z = 0; z < ws.grid.size[2]; ++z)
    for (long y = 0; y < ws.grid.size[1]; ++y)
    {
      const std::size_t row =
        (static_cast<std::size_t>(z + lo[2]) * n[1] + static_cast<std::size_t>(y + lo[1])) * n[0] +
        static_cast<std::size_t>(lo[0]);
      for (long x = 0; x < ws.grid.size[0]; ++x, ++b)
      {
        const std::size_t f = row + static_cast<std::size_t>(x);
        const bool inLiver = liver[f] != 0;
        ws.liver[b] = inLiver;
        ws.liverCount += inLiver;
        if (segment && inLiver && segment[f] >= 1 && segment[f] <= 8)
          ws.segment[b] = static_cast<std::uint8_t>(segment[f]);
        if (lesion && lesion[f])
        {
          ws.lesion[b] = lesion[f];
          LesionVoxels& l = ws.lesions[lesion[f]];
          l.lo = { std::min(l.lo[0], x), std::min(l.lo[1], y), std::min(l.lo[2], z) };
          l.hi = { std::max(l.hi[0], x), std::max(l.hi[1], y), std::max(l.hi[2], z) };
          if (inLiver)
          {
            l.inLiver.push_back(b);
            ++ws.tumourCount;
          }
        }
      }
    }
  return ws;
}

/// Set `to` on the liver voxels within `marginMm` of lesion `id` (centre distances, physical mm)
/// whose state is one of `from`; works in the lesion's box grown by the margin.
void markAroundLesion(const Workspace& ws,
                      int id,
                      double marginMm,
                      std::vector<std::uint8_t>& state,
                      std::initializer_list<State> from,
                      State to)
{
  const auto it = ws.lesions.find(id);
  if (it == ws.lesions.end() || it->second.hi[0] < 0)
    return;
  const LesionVoxels& l = it->second;
  Grid3 box;
  std::array<long, 3> lo{};
  for (int a = 0; a < 3; ++a)
  {
    const long grow = static_cast<long>(std::ceil(marginMm / ws.grid.spacingMm[a])) + 1;
    lo[a] = std::max(l.lo[a] - grow, 0L);
    const long hi = std::min(l.hi[a] + grow, ws.grid.size[a] - 1);
    box.size[a] = hi - lo[a] + 1;
    box.spacingMm[a] = ws.grid.spacingMm[a];
  }
  std::vector<std::uint8_t> feature(box.count(), 0);
  std::size_t i = 0;
  for (long z = 0; z < box.size[2]; ++z)
    for (long y = 0; y < box.size[1]; ++y)
      for (long x = 0; x < box.size[0]; ++x, ++i)
        feature[i] = ws.lesion[ws.grid.index(x + lo[0], y + lo[1], z + lo[2])] == id;
  std::vector<float> distance2;
  planning_detail::squaredDistanceTransform(feature, box, distance2, nullptr);
  // A relative slack of 1e-9 keeps voxels exactly at the margin (e.g. 10 mm on a 1 mm grid).
  const double limit2 = marginMm * marginMm * (1.0 + 1e-9) + 1e-9;
  i = 0;
  for (long z = 0; z < box.size[2]; ++z)
    for (long y = 0; y < box.size[1]; ++y)
      for (long x = 0; x < box.size[0]; ++x, ++i)
      {
        if (!(distance2[i] <= limit2))
          continue;
        const std::size_t b = ws.grid.index(x + lo[0], y + lo[1], z + lo[2]);
        if (!ws.liver[b])
          continue;
        for (State s : from)
          if (state[b] == s)
          {
            state[b] = to;
            break;
          }
      }
}

/// Resect the liver voxels on the normal's side of `plane`.
void applyPlane(const Workspace& ws,
                const LabelImage& grid,
                const CutPlane& plane,
                std::vector<std::uint8_t>& state)
{
  // Signed distance along the normal is affine in the index: d = c + g . index.
  const double norm =
    std::sqrt(plane.normal[0] * plane.normal[0] + plane.normal[1] * plane.normal[1] +
              plane.normal[2] * plane.normal[2]);
  const double n[3] = { plane.normal[0] / norm, plane.normal[1] / norm, plane.normal[2] / norm };
  itk::Index<3> first;
  for (int a = 0; a < 3; ++a)
    first[a] = ws.offset[a];
  LabelImage::PointType origin;
  grid.TransformIndexToPhysicalPoint(first, origin);
  double c = 0.0;
  for (int a = 0; a < 3; ++a)
    c += n[a] * (origin[a] - plane.pointLpsMm[a]);
  const auto& direction = grid.GetDirection();
  double g[3];
  for (int axis = 0; axis < 3; ++axis)
  {
    g[axis] = 0.0;
    for (int r = 0; r < 3; ++r)
      g[axis] += n[r] * direction[r][axis] * ws.grid.spacingMm[axis];
  }
  std::size_t i = 0;
  for (long z = 0; z < ws.grid.size[2]; ++z)
    for (long y = 0; y < ws.grid.size[1]; ++y)
    {
      const double rowStart = c + g[1] * y + g[2] * z;
      for (long x = 0; x < ws.grid.size[0]; ++x, ++i)
        if (ws.liver[i] && state[i] == Kept && rowStart + g[0] * x > 0.0)
          state[i] = Resected;
    }
}

/// Smallest margin (mm, voxelMarginMm) from the voxels `from` to their nearest feature voxels;
/// empty when the grid has no feature.
std::optional<double> minimumMarginMm(const Grid3& grid,
                                      const std::vector<std::int32_t>& nearest,
                                      const std::vector<std::size_t>& from)
{
  std::optional<double> best;
  for (std::size_t v : from)
  {
    if (nearest[v] < 0)
      continue;
    const double gap =
      planning_detail::voxelMarginMm(grid, v, static_cast<std::size_t>(nearest[v]));
    if (!best || gap < *best)
      best = gap;
  }
  return best;
}

/// Distance in mm (voxelMarginMm) from lesion `id` to the nearest vessel voxel, looked for within
/// `withinMm`; empty when there is none that close.
std::optional<double> vesselDistanceMm(const LiverLabels& labels, int id, double withinMm)
{
  const LabelImage& lesions = *labels.lesions;
  const auto size = lesions.GetLargestPossibleRegion().GetSize();
  Grid3 image;
  for (int a = 0; a < 3; ++a)
  {
    image.size[a] = static_cast<long>(size[a]);
    image.spacingMm[a] = lesions.GetSpacing()[a];
  }
  const std::uint16_t* lesion = lesions.GetBufferPointer();
  const std::uint16_t* vessel = labels.vessels->GetBufferPointer();
  std::array<long, 3> lo{ image.size[0], image.size[1], image.size[2] }, hi{ -1, -1, -1 };
  std::size_t i = 0;
  for (long z = 0; z < image.size[2]; ++z)
    for (long y = 0; y < image.size[1]; ++y)
      for (long x = 0; x < image.size[0]; ++x, ++i)
        if (lesion[i] == id)
        {
          lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
          hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
        }
  if (hi[0] < 0)
    return std::nullopt;
  Grid3 box;
  for (int a = 0; a < 3; ++a)
  {
    const long grow = static_cast<long>(std::ceil(withinMm / image.spacingMm[a])) + 1;
    lo[a] = std::max(lo[a] - grow, 0L);
    box.size[a] = std::min(hi[a] + grow, image.size[a] - 1) - lo[a] + 1;
    box.spacingMm[a] = image.spacingMm[a];
  }
  std::vector<std::uint8_t> feature(box.count(), 0);
  std::vector<std::size_t> vesselVoxels;
  i = 0;
  for (long z = 0; z < box.size[2]; ++z)
    for (long y = 0; y < box.size[1]; ++y)
      for (long x = 0; x < box.size[0]; ++x, ++i)
      {
        const std::size_t f = image.index(x + lo[0], y + lo[1], z + lo[2]);
        feature[i] = lesion[f] == id;
        if (vessel[f] && lesion[f] != id)
          vesselVoxels.push_back(i);
      }
  std::vector<float> distance2;
  std::vector<std::int32_t> nearest;
  planning_detail::squaredDistanceTransform(feature, box, distance2, &nearest);
  const std::optional<double> gap = minimumMarginMm(box, nearest, vesselVoxels);
  if (gap && *gap <= withinMm)
    return gap;
  return std::nullopt;
}

} // namespace

std::string toString(LesionFate fate)
{
  switch (fate)
  {
    case LesionFate::Resected:
      return "resected";
    case LesionFate::Ablated:
      return "ablated";
    case LesionFate::Left:
      return "left";
  }
  return "unknown";
}

PlanResult evaluatePlan(const LiverLabels& labels,
                        const ResectionPlan& plan,
                        const PlanOptions& options)
{
  validatePlan(plan);
  if (!labels.liver)
    throw std::invalid_argument("evaluatePlan: no liver mask");
  requireSameGrid(labels.lesions.GetPointer(), *labels.liver, "lesion");
  requireSameGrid(labels.segments.GetPointer(), *labels.liver, "segment");
  requireSameGrid(labels.vessels.GetPointer(), *labels.liver, "vessel");
  const std::string planName = "plan \"" + plan.name + "\"";

  // Body figures first: absurd values are refused before any work.
  std::optional<double> slvMl;
  if (options.heightCm.has_value() != options.weightKg.has_value() && options.heightCm)
    throw std::invalid_argument("height given without weight: sFLR needs both");
  if (options.heightCm && options.weightKg)
    slvMl = standardLiverVolumeMl(
      bodySurfaceAreaM2(*options.heightCm, *options.weightKg, options.bsaFormula),
      options.slvFormula);
  if (options.weightKg)
    flrBodyWeightPercent(0.0, *options.weightKg); // checks the weight's range
  if (options.thresholdPercent &&
      !(*options.thresholdPercent > 0.0 && *options.thresholdPercent < 100.0))
    throw std::invalid_argument("sFLR threshold " + fmt(*options.thresholdPercent) +
                                " % is outside 0..100 %");
  if (!(options.segmentKeptFraction > 0.0 && options.segmentKeptFraction <= 1.0))
    throw std::invalid_argument("segmentKeptFraction must be in (0, 1]");

  if (!plan.segments.empty() && !labels.segments)
    throw InputError(
      "",
      planName + " resects Couinaud segments " + joinIds(plan.segments) +
        " but no segment map was given (--segments, --totalseg, --landmarks or --auto-segments)");
  const Workspace ws = makeWorkspace(labels);

  std::set<int> namedLesions;
  for (const WedgeResection& w : plan.wedges)
    namedLesions.insert(w.lesionIds.begin(), w.lesionIds.end());
  for (const Ablation& a : plan.ablations)
    namedLesions.insert(a.lesionId);
  for (int id : namedLesions)
  {
    if (!labels.lesions)
      throw InputError("",
                       planName + " names lesion " + std::to_string(id) +
                         " but no lesion map was given (--lesions or --totalseg)");
    if (ws.lesionIdsInImage.count(id) == 0)
    {
      std::vector<int> ids(ws.lesionIdsInImage.begin(), ws.lesionIdsInImage.end());
      throw InputError("",
                       planName + ": lesion " + std::to_string(id) +
                         " is not in the lesion map (lesions: " +
                         (ids.empty() ? std::string("none") : joinIds(ids)) + ")");
    }
  }

  PlanResult r;
  r.name = plan.name;
  r.spec = planSpec(plan);
  const std::size_t count = ws.grid.count();

  // The resected region: segments, planes and wedges united; then ablation zones.
  std::vector<std::uint8_t> state(count, Outside);
  for (std::size_t i = 0; i < count; ++i)
    state[i] = ws.liver[i] ? Kept : Outside;
  if (!plan.segments.empty())
  {
    bool resect[9] = {};
    for (int s : plan.segments)
      resect[s] = true;
    for (std::size_t i = 0; i < count; ++i)
      if (ws.liver[i] && resect[ws.segment[i]])
        state[i] = Resected;
  }
  for (const CutPlane& p : plan.planes)
    applyPlane(ws, *labels.liver, p, state);
  for (const WedgeResection& w : plan.wedges)
    for (int id : w.lesionIds)
      markAroundLesion(ws, id, w.marginMm, state, { Kept, Ablated }, Resected);
  std::set<int> ablatedIds;
  for (const Ablation& a : plan.ablations)
  {
    ablatedIds.insert(a.lesionId);
    markAroundLesion(ws, a.lesionId, a.zoneMarginMm, state, { Kept }, Ablated);
  }

  // Volumes (DESIGN.md §3 Volumes: TLV counts vessels and lesions; functional = TLV - tumour).
  const double voxelMl = voxelVolumeMl(*labels.liver);
  std::uint64_t tumourLeft = 0;
  for (std::size_t i = 0; i < count; ++i)
  {
    r.remnantVoxels += state[i] == Kept;
    r.resectedVoxels += state[i] == Resected;
    r.ablatedVoxels += state[i] == Ablated;
    tumourLeft += state[i] == Kept && ws.lesion[i] != 0;
  }
  r.totalLiverMl = static_cast<double>(ws.liverCount) * voxelMl;
  r.tumourMl = static_cast<double>(ws.tumourCount) * voxelMl;
  r.functionalMl = r.totalLiverMl - r.tumourMl;
  r.remnantMl = static_cast<double>(r.remnantVoxels) * voxelMl;
  r.resectedMl = static_cast<double>(r.resectedVoxels) * voxelMl;
  r.ablatedMl = static_cast<double>(r.ablatedVoxels) * voxelMl;
  r.flrMl = static_cast<double>(r.remnantVoxels - tumourLeft) * voxelMl;
  if (r.functionalMl <= 0.0)
    throw InputError("", "the lesions fill the whole liver: no functional volume");
  // Measured FLR % = FLR / (TLV - tumour) x 100 (DESIGN.md §3 Volumes).
  r.flrPercent = measuredFlrPercent(r.flrMl, r.totalLiverMl, r.tumourMl);
  if (slvMl)
  {
    r.standardLiverVolumeMl = slvMl;
    // sFLR % = FLR / SLV x 100 (DESIGN.md §3 Volumes).
    r.sflrPercent = standardizedFlrPercent(r.flrMl, *slvMl);
  }
  if (options.weightKg)
    r.flrBodyWeightPercent = flrBodyWeightPercent(r.flrMl, *options.weightKg);

  // Threshold: by liver condition (DESIGN.md §3 Thresholds) unless the user overrides it.
  if (options.thresholdPercent)
  {
    r.thresholdPercent = *options.thresholdPercent;
    r.thresholdSource = "user";
    r.thresholdRationale = "threshold given by the user";
  }
  else
  {
    const FlrThreshold t = flrThreshold(options.condition);
    r.thresholdPercent = t.minimumPercent;
    r.thresholdSource = t.source;
    r.thresholdRationale = t.rationale + " (liver condition: " + toString(options.condition) + ")";
  }
  const double basisPercent = r.sflrPercent ? *r.sflrPercent : r.flrPercent;
  r.thresholdBasis = r.sflrPercent ? "sFLR" : "measured FLR";
  r.volumeAdequate = basisPercent >= r.thresholdPercent;
  r.passReasons.push_back(r.thresholdBasis + " " + fmt(basisPercent) + " % " +
                          (r.volumeAdequate ? ">= " : "< ") + fmt(r.thresholdPercent) +
                          " % threshold (" + r.thresholdSource + ")");
  if (!r.sflrPercent)
    r.passReasons.push_back("no height and weight: judged on the measured FLR %, not the sFLR");

  // Segments left and their contiguity (DESIGN.md §3 Thresholds: >= 2 contiguous segments).
  r.hasSegments = labels.segments.GetPointer() != nullptr;
  if (r.hasSegments)
  {
    std::array<std::uint64_t, 9> total{}, kept{};
    for (std::size_t i = 0; i < count; ++i)
      if (ws.segment[i])
      {
        ++total[ws.segment[i]];
        kept[ws.segment[i]] += state[i] == Kept;
      }
    bool left[9] = {};
    for (int s = 1; s <= 8; ++s)
    {
      r.segmentRemnantFraction[s] =
        total[s] ? static_cast<double>(kept[s]) / static_cast<double>(total[s]) : 0.0;
      left[s] = total[s] > 0 && r.segmentRemnantFraction[s] >= options.segmentKeptFraction;
      if (left[s])
        r.segmentsLeft.push_back(s);
    }
    std::vector<std::uint8_t> mask(count, 0);
    for (std::size_t i = 0; i < count; ++i)
      mask[i] = state[i] == Kept && left[ws.segment[i]];
    std::vector<std::int32_t> component;
    const int components = planning_detail::labelComponents(mask, ws.grid, component);
    std::vector<std::uint16_t> segmentsOf(static_cast<std::size_t>(components) + 1, 0);
    for (std::size_t i = 0; i < count; ++i)
      if (component[i])
        segmentsOf[component[i]] |= static_cast<std::uint16_t>(1u << ws.segment[i]);
    std::set<std::uint16_t> groups(segmentsOf.begin() + 1, segmentsOf.end());
    bool contiguous = false;
    for (std::uint16_t bits : groups)
    {
      std::vector<int> group;
      for (int s = 1; s <= 8; ++s)
        if (bits & (1u << s))
          group.push_back(s);
      contiguous = contiguous || group.size() >= 2;
      r.segmentGroups.push_back(group);
    }
    r.contiguous = contiguous;
    r.passReasons.push_back(
      std::string(contiguous ? "keeps" : "does not keep") +
      " >= 2 contiguous segments (segments left: " +
      (r.segmentsLeft.empty() ? std::string("none") : joinIds(r.segmentsLeft)) + ")");
  }
  else
    r.passReasons.push_back("contiguity not checked: no Couinaud segment map");
  r.pass = r.volumeAdequate && r.contiguous.value_or(true);

  // Pieces of the remnant (of at least 1 mL).
  {
    std::vector<std::uint8_t> mask(count, 0);
    for (std::size_t i = 0; i < count; ++i)
      mask[i] = state[i] == Kept;
    std::vector<std::int32_t> component;
    const int components = planning_detail::labelComponents(mask, ws.grid, component);
    const std::vector<std::size_t> sizes = componentSizes(component, components);
    for (int c = 1; c <= components; ++c)
      r.remnantPieces += static_cast<double>(sizes[c]) * voxelMl >= 1.0;
    if (r.remnantPieces > 1)
      r.warnings.push_back("the remnant is in " + std::to_string(r.remnantPieces) +
                           " separate pieces");
  }

  // Lesion fates.
  bool needKeptSide = false, needResectedSide = false;
  for (const auto& [id, voxels] : ws.lesions)
  {
    LesionOutcome o;
    o.id = id;
    o.voxelCount = voxels.inLiver.size();
    o.volumeMl = static_cast<double>(o.voxelCount) * voxelMl;
    std::uint64_t inState[4] = {};
    for (std::size_t v : voxels.inLiver)
      ++inState[state[v]];
    if (o.voxelCount == 0)
    {
      o.fate = LesionFate::Left;
      o.warnings.push_back("lesion " + std::to_string(id) + " lies outside the liver mask");
    }
    else if (inState[Kept] == 0 && inState[Resected] == o.voxelCount)
    {
      o.fate = LesionFate::Resected;
      needKeptSide = true;
    }
    else if (inState[Kept] == 0)
    {
      o.fate = LesionFate::Ablated;
      if (!ablatedIds.count(id))
        o.warnings.push_back("lesion " + std::to_string(id) +
                             " lies in another lesion's ablation zone");
    }
    else
    {
      o.fate = LesionFate::Left;
      o.transected = inState[Resected] > 0 || inState[Ablated] > 0;
      if (o.transected)
        o.marginMm = 0.0;
      else if (r.resectedVoxels > 0)
        needResectedSide = true;
    }
    r.lesions.push_back(o);
  }
  // Margins: gap to the nearest voxel across the cut (DESIGN.md §3 Margin).
  auto marginsFor = [&](bool resectedLesions)
  {
    std::vector<std::uint8_t> feature(count, 0);
    for (std::size_t i = 0; i < count; ++i)
      feature[i] =
        resectedLesions ? (state[i] == Kept || state[i] == Ablated) : state[i] == Resected;
    std::vector<float> distance2;
    std::vector<std::int32_t> nearest;
    planning_detail::squaredDistanceTransform(feature, ws.grid, distance2, &nearest);
    for (LesionOutcome& o : r.lesions)
    {
      const bool wanted = resectedLesions
                            ? o.fate == LesionFate::Resected
                            : (o.fate == LesionFate::Left && !o.transected && o.voxelCount > 0);
      if (wanted)
        o.marginMm = minimumMarginMm(ws.grid, nearest, ws.lesions.at(o.id).inLiver);
    }
  };
  if (needKeptSide)
    marginsFor(true);
  if (needResectedSide)
    marginsFor(false);

  // Ablation warnings (DESIGN.md §3 Decision rules, Ablation: efficacy falls above 2-3 cm; a
  // lesion next to a large vessel raises local recurrence; thresholds from issue 4).
  for (LesionOutcome& o : r.lesions)
  {
    if (!ablatedIds.count(o.id) || o.voxelCount == 0)
      continue;
    o.maxDiameterMm = maxDiameterMm(*labels.lesions, static_cast<std::uint16_t>(o.id));
    if (*o.maxDiameterMm > AblationMaxDiameterMm)
      o.warnings.push_back("lesion " + std::to_string(o.id) + " measures " + fmt(*o.maxDiameterMm) +
                           " mm (> " + fmt(AblationMaxDiameterMm, 0) +
                           " mm): ablation efficacy falls above " +
                           fmt(AblationEfficacyFallsFromMm / 10.0, 0) + "-" +
                           fmt(AblationMaxDiameterMm / 10.0, 0) + " cm");
    if (labels.vessels)
    {
      o.vesselDistanceMm = vesselDistanceMm(labels, o.id, AblationVesselDistanceMm);
      if (o.vesselDistanceMm)
        o.warnings.push_back("lesion " + std::to_string(o.id) + " lies " +
                             fmt(*o.vesselDistanceMm) +
                             " mm from a vessel (<= " + fmt(AblationVesselDistanceMm, 0) +
                             " mm): heat sink raises the risk of local recurrence after "
                             "ablation");
    }
  }
  for (const LesionOutcome& o : r.lesions)
    r.warnings.insert(r.warnings.end(), o.warnings.begin(), o.warnings.end());

  // R0 = no lesion left in the remnant and a margin > 0; sub-millimetre counts as R1
  // (DESIGN.md §3 Margin). Tumour left in the remnant is reported as R2.
  std::vector<int> left, transected, close;
  for (const LesionOutcome& o : r.lesions)
  {
    if (o.voxelCount == 0)
      continue;
    if (o.fate == LesionFate::Left)
    {
      left.push_back(o.id);
      if (o.transected)
        transected.push_back(o.id);
    }
    else if (o.fate == LesionFate::Resected && o.marginMm && *o.marginMm < MinimumR0MarginMm)
      close.push_back(o.id);
  }
  if (!left.empty())
  {
    r.marginStatus = "R2";
    r.marginReason = "tumour left in the remnant: lesion(s) " + joinIds(left) +
                     (transected.empty() ? "" : " (cut through: " + joinIds(transected) + ")");
  }
  else if (!close.empty())
  {
    r.marginStatus = "R1";
    r.marginReason = "margin below 1 mm for lesion(s) " + joinIds(close);
  }
  else
  {
    r.marginStatus = "R0";
    r.marginReason = r.lesions.empty()
                       ? "no lesions in the lesion map"
                       : "every lesion resected with a margin of at least 1 mm, or ablated";
  }
  r.r0 = r.marginStatus == "R0";

  // Uncertainty: the liver's outer boundary moved by one voxel in and out (face neighbours).
  {
    const long nx = ws.grid.size[0], ny = ws.grid.size[1], nz = ws.grid.size[2];
    std::uint64_t liverIn = 0, liverOut = 0, keptIn = 0, keptOut = 0;
    std::size_t i = 0;
    for (long z = 0; z < nz; ++z)
      for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x, ++i)
        {
          bool liverNeighbourMissing = false, liverNeighbour = false, keptNeighbour = false;
          const long step[6][3] = { { -1, 0, 0 }, { 1, 0, 0 },  { 0, -1, 0 },
                                    { 0, 1, 0 },  { 0, 0, -1 }, { 0, 0, 1 } };
          for (const auto& d : step)
          {
            const long qx = x + d[0], qy = y + d[1], qz = z + d[2];
            if (qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny || qz >= nz)
            {
              liverNeighbourMissing = true;
              continue;
            }
            const std::size_t q = ws.grid.index(qx, qy, qz);
            liverNeighbourMissing = liverNeighbourMissing || !ws.liver[q];
            liverNeighbour = liverNeighbour || ws.liver[q];
            keptNeighbour = keptNeighbour || state[q] == Kept;
          }
          if (ws.liver[i])
          {
            liverIn += !liverNeighbourMissing;
            keptIn += state[i] == Kept && !liverNeighbourMissing;
          }
          else
          {
            liverOut += liverNeighbour;
            keptOut += keptNeighbour;
          }
        }
    FlrBand band;
    const double tumourLeftMl = static_cast<double>(tumourLeft) * voxelMl;
    const double flrLowMl = std::max(static_cast<double>(keptIn) * voxelMl - tumourLeftMl, 0.0);
    const double flrHighMl =
      static_cast<double>(r.remnantVoxels + keptOut) * voxelMl - tumourLeftMl;
    const double functionalLow = static_cast<double>(liverIn) * voxelMl - r.tumourMl;
    const double functionalHigh =
      static_cast<double>(ws.liverCount + liverOut) * voxelMl - r.tumourMl;
    band.remnantMlLow = static_cast<double>(keptIn) * voxelMl;
    band.remnantMlHigh = static_cast<double>(r.remnantVoxels + keptOut) * voxelMl;
    // The moved volumes need not pass measuredFlrPercent's checks (the eroded remnant may exceed
    // the eroded functional volume), so the formula itself (volumetry) of each pair.
    std::vector<double> flr = { r.flrPercent, flrPercentOfFunctional(flrHighMl, functionalHigh) };
    if (functionalLow > 0.0)
      flr.push_back(flrPercentOfFunctional(flrLowMl, functionalLow));
    band.flrPercentLow = *std::min_element(flr.begin(), flr.end());
    band.flrPercentHigh = *std::max_element(flr.begin(), flr.end());
    if (slvMl)
    {
      band.sflrPercentLow = standardizedFlrPercent(flrLowMl, *slvMl);
      band.sflrPercentHigh = standardizedFlrPercent(flrHighMl, *slvMl);
    }
    r.band = band;
    const double low = slvMl ? *band.sflrPercentLow : band.flrPercentLow;
    const double high = slvMl ? *band.sflrPercentHigh : band.flrPercentHigh;
    if (low < r.thresholdPercent && high >= r.thresholdPercent)
      r.warnings.push_back(r.thresholdBasis + " " + fmt(basisPercent) + " % (" + fmt(low) + "-" +
                           fmt(high) +
                           " % with the liver boundary moved by one voxel) is "
                           "within the uncertainty of the threshold " +
                           fmt(r.thresholdPercent) + " %");
  }

  if (options.makeRemnantMap)
  {
    auto map = LabelImage::New();
    map->CopyInformation(labels.liver);
    map->SetRegions(labels.liver->GetLargestPossibleRegion());
    map->Allocate();
    map->FillBuffer(RemnantNone);
    std::uint16_t* out = map->GetBufferPointer();
    const auto size = labels.liver->GetLargestPossibleRegion().GetSize();
    std::size_t b = 0;
    for (long z = 0; z < ws.grid.size[2]; ++z)
      for (long y = 0; y < ws.grid.size[1]; ++y)
      {
        const std::size_t row = (static_cast<std::size_t>(z + ws.offset[2]) * size[1] +
                                 static_cast<std::size_t>(y + ws.offset[1])) *
                                  size[0] +
                                static_cast<std::size_t>(ws.offset[0]);
        for (long x = 0; x < ws.grid.size[0]; ++x, ++b)
          out[row + static_cast<std::size_t>(x)] = state[b];
      }
    r.remnantMap = map;
  }
  return r;
}

std::vector<RankedPlan> proposePlans(const LiverLabels& labels,
                                     const PlanOptions& options,
                                     std::size_t count)
{
  if (!labels.liver)
    throw std::invalid_argument("proposePlans: no liver mask");
  if (!labels.lesions)
    return {};
  PlanOptions quick = options;
  quick.makeRemnantMap = false;
  const Workspace ws = makeWorkspace(labels);
  std::vector<int> ids;
  for (const auto& [id, voxels] : ws.lesions)
    if (!voxels.inLiver.empty())
      ids.push_back(id);
  if (ids.empty())
    return {};

  std::vector<ResectionPlan> candidates;
  ResectionPlan wedges;
  wedges.name = "auto: wedges " + fmt(DefaultWedgeMarginMm, 0) + " mm";
  wedges.wedges.push_back({ ids, DefaultWedgeMarginMm });
  candidates.push_back(wedges);

  // Lesions small enough for ablation (DESIGN.md §3 Ablation: efficacy falls above 2-3 cm).
  std::vector<int> small, large;
  for (int id : ids)
    (maxDiameterMm(*labels.lesions, static_cast<std::uint16_t>(id)) <= AblationMaxDiameterMm
       ? small
       : large)
      .push_back(id);
  if (!small.empty())
  {
    ResectionPlan mixed;
    mixed.name = "auto: wedges + ablation";
    if (!large.empty())
      mixed.wedges.push_back({ large, DefaultWedgeMarginMm });
    for (int id : small)
      mixed.ablations.push_back({ id, DefaultAblationMarginMm });
    candidates.push_back(mixed);
  }

  if (labels.segments)
  {
    std::vector<std::string> names = anatomicalResectionNames();
    for (int s = 1; s <= 8; ++s)
      names.push_back("segmentectomy-" + std::to_string(s));
    std::set<std::vector<int>> seen;
    for (const std::string& name : names)
    {
      ResectionPlan anatomical;
      anatomical.name = "auto: " + name;
      anatomical.segments = anatomicalSegments(name);
      if (!seen.insert(anatomical.segments).second)
        continue;
      const PlanResult r = evaluatePlan(labels, anatomical, quick);
      if (r.r0)
      {
        candidates.push_back(anatomical);
        continue;
      }
      std::vector<int> left;
      for (const LesionOutcome& o : r.lesions)
        if (o.fate == LesionFate::Left && o.voxelCount > 0)
          left.push_back(o.id);
      if (left.empty() || left.size() == ids.size())
        continue; // R1 only, or the resection removes no lesion: the wedge plan covers it
      ResectionPlan combined = anatomical;
      combined.name += " + wedge " + joinIds(left);
      combined.wedges.push_back({ left, DefaultWedgeMarginMm });
      candidates.push_back(combined);
    }
  }

  std::vector<RankedPlan> ranked;
  for (const ResectionPlan& plan : candidates)
  {
    PlanResult r = evaluatePlan(labels, plan, quick);
    if (r.r0)
      ranked.push_back({ plan, std::move(r) });
  }
  std::stable_sort(ranked.begin(),
                   ranked.end(),
                   [](const RankedPlan& a, const RankedPlan& b)
                   {
                     if (a.result.pass != b.result.pass)
                       return a.result.pass;
                     return a.result.flrMl > b.result.flrMl;
                   });
  if (ranked.size() > count)
    ranked.resize(count);
  if (options.makeRemnantMap)
    for (RankedPlan& p : ranked)
      p.result = evaluatePlan(labels, p.plan, options);
  return ranked;
}

} // namespace liver
