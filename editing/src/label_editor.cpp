/// LabelEditor: brush, lesion growth and region operations with undo/redo (see label_editor.h).

#include <liver/editing/label_editor.h>
#include <liver/imaging/io.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/liver_function.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <stdexcept>

namespace liver::editing
{
namespace
{

constexpr int LiverIndex = 0, LesionIndex = 1, SegmentIndex = 2;

LabelImage::Pointer copyOf(const LabelImage& image)
{
  auto copy = LabelImage::New();
  copy->CopyInformation(&image);
  copy->SetRegions(image.GetLargestPossibleRegion());
  copy->Allocate();
  std::copy_n(image.GetBufferPointer(),
              image.GetLargestPossibleRegion().GetNumberOfPixels(),
              copy->GetBufferPointer());
  return copy;
}

LabelImage::Pointer blankOn(const itk::ImageBase<3>& grid)
{
  auto image = LabelImage::New();
  image->CopyInformation(&grid);
  image->SetRegions(grid.GetLargestPossibleRegion());
  image->Allocate(true);
  return image;
}

std::string formatPoint(const std::array<double, 3>& p)
{
  char text[96];
  std::snprintf(text, sizeof text, "(%.1f, %.1f, %.1f)", p[0], p[1], p[2]);
  return text;
}

std::string formatRange(const std::pair<double, double>& range)
{
  char text[64];
  std::snprintf(text, sizeof text, "%.0f..%.0f HU", range.first, range.second);
  return text;
}

void checkRange(const std::pair<double, double>& range)
{
  if (!(range.first <= range.second) || !std::isfinite(range.first) || !std::isfinite(range.second))
    throw std::invalid_argument("HU range must be finite with low <= high");
}

/// Per-label voxel changes between two value triples, accumulated by label name.
void tally(std::map<std::string, LabelChange>& changes,
           const std::array<std::uint16_t, 3>& before,
           const std::array<std::uint16_t, 3>& after)
{
  auto add = [&changes](const std::string& label, int sign)
  {
    LabelChange& c = changes[label];
    c.label = label;
    (sign > 0 ? c.voxelsAdded : c.voxelsRemoved) += 1;
  };
  if ((before[LiverIndex] != 0) != (after[LiverIndex] != 0))
    add("liver", after[LiverIndex] ? 1 : -1);
  if ((before[LesionIndex] != 0) != (after[LesionIndex] != 0))
    add("tumour", after[LesionIndex] ? 1 : -1);
  if (before[LesionIndex] != after[LesionIndex])
  {
    if (before[LesionIndex])
      add("lesion " + std::to_string(before[LesionIndex]), -1);
    if (after[LesionIndex])
      add("lesion " + std::to_string(after[LesionIndex]), 1);
  }
  if (before[SegmentIndex] != after[SegmentIndex])
  {
    if (before[SegmentIndex])
      add("segment " + std::to_string(before[SegmentIndex]), -1);
    if (after[SegmentIndex])
      add("segment " + std::to_string(after[SegmentIndex]), 1);
  }
}

std::vector<LabelChange> finish(std::map<std::string, LabelChange>&& changes, double voxelMl)
{
  std::vector<LabelChange> out;
  for (auto& [label, c] : changes)
  {
    c.mlAdded = static_cast<double>(c.voxelsAdded) * voxelMl;
    c.mlRemoved = static_cast<double>(c.voxelsRemoved) * voxelMl;
    out.push_back(c);
  }
  return out;
}

nlohmann::json changesJson(const std::vector<LabelChange>& changes)
{
  nlohmann::json out = nlohmann::json::array();
  for (const LabelChange& c : changes)
    out.push_back({ { "label", c.label },
                    { "voxelsAdded", c.voxelsAdded },
                    { "voxelsRemoved", c.voxelsRemoved },
                    { "mlAdded", c.mlAdded },
                    { "mlRemoved", c.mlRemoved } });
  return out;
}

} // namespace

LabelEditor::LabelEditor(CtImage::ConstPointer ct, const LiverLabels& labels)
  : m_ct(std::move(ct))
{
  if (!m_ct || !labels.liver)
    throw std::invalid_argument("LabelEditor: a CT and a liver are needed");
  for (const LabelImage* map :
       { labels.liver.GetPointer(), labels.lesions.GetPointer(), labels.segments.GetPointer() })
    if (map && !describeGridMismatch(*m_ct, *map).empty())
      throw std::invalid_argument("LabelEditor: a label map is not on the CT's grid: " +
                                  describeGridMismatch(*m_ct, *map));
  m_liver = copyOf(*labels.liver);
  m_lesions = labels.lesions ? copyOf(*labels.lesions) : blankOn(*m_ct);
  m_hadLesions = static_cast<bool>(labels.lesions);
  m_hadSegments = static_cast<bool>(labels.segments);
  m_segments = labels.segments ? copyOf(*labels.segments) : blankOn(*m_ct);
  m_originalLiver = copyOf(*m_liver);
  m_originalLesions = copyOf(*m_lesions);
  m_originalSegments = copyOf(*m_segments);
  m_voxelMl = voxelVolumeMl(*m_ct);
  m_lesionVoxels.assign(65536, 0);
  const std::size_t n = m_ct->GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t v = 0; v < n; ++v)
    setCounts(valuesAt(v), +1);
  m_originalLesionVoxels = m_lesionVoxels;
}

void LabelEditor::setCounts(const std::array<std::uint16_t, 3>& values, int sign)
{
  m_liverCount += static_cast<std::int64_t>(sign) * (values[LiverIndex] != 0);
  m_tumourCount += static_cast<std::int64_t>(sign) * (values[LesionIndex] != 0);
  m_segmentCount += static_cast<std::int64_t>(sign) * (values[SegmentIndex] != 0);
  m_tumourInLiverCount +=
    static_cast<std::int64_t>(sign) * (values[LesionIndex] != 0 && values[LiverIndex] != 0);
  if (values[LesionIndex])
  {
    std::int64_t& count = m_lesionVoxels[values[LesionIndex]];
    if (count == 0 && sign > 0)
      ++m_lesionCount;
    count += sign;
    if (count == 0)
      --m_lesionCount;
  }
}

LiverLabels LabelEditor::labels() const
{
  LiverLabels labels;
  labels.liver = m_liver;
  labels.lesions = m_hadLesions || m_tumourCount > 0 ? m_lesions : nullptr;
  labels.segments = m_hadSegments || m_segmentCount > 0 ? m_segments : nullptr;
  return labels;
}

std::size_t LabelEditor::offsetAt(const std::array<double, 3>& lps) const
{
  CtImage::PointType p;
  for (int a = 0; a < 3; ++a)
    p[a] = lps[a];
  const auto index = m_ct->TransformPhysicalPointToIndex(p);
  const auto region = m_ct->GetLargestPossibleRegion();
  if (!region.IsInside(index))
    throw std::invalid_argument("the point " + formatPoint(lps) + " mm is outside the CT");
  return static_cast<std::size_t>(m_ct->ComputeOffset(index));
}

std::array<std::uint16_t, 3> LabelEditor::valuesAt(std::size_t offset) const
{
  return { m_liver->GetBufferPointer()[offset],
           m_lesions->GetBufferPointer()[offset],
           m_segments->GetBufferPointer()[offset] };
}

void LabelEditor::setValues(std::size_t offset, const std::array<std::uint16_t, 3>& values)
{
  const auto old = valuesAt(offset);
  setCounts(old, -1);
  m_liver->GetBufferPointer()[offset] = values[LiverIndex];
  m_lesions->GetBufferPointer()[offset] = values[LesionIndex];
  m_segments->GetBufferPointer()[offset] = values[SegmentIndex];
  setCounts(values, +1);
  if (!m_follow)
    return;
  // The followed plan's counts: the voxel's state before and after, by one rule.
  FollowedPlan& f = *m_follow;
  const FollowStart& start =
    f.touched.try_emplace(offset, FollowStart{ f.remnantMap->GetBufferPointer()[offset], old })
      .first->second;
  const std::uint16_t was = followedState(offset, old, start);
  const std::uint16_t now = followedState(offset, values, start);
  f.keptVoxels += (now == RemnantKept) - (was == RemnantKept);
  f.tumourKeptVoxels += (now == RemnantKept && values[LesionIndex] != 0) -
                        (was == RemnantKept && old[LesionIndex] != 0);
}

std::uint16_t LabelEditor::followedState(std::size_t offset,
                                         const std::array<std::uint16_t, 3>& values,
                                         const FollowStart& start) const
{
  const FollowedPlan& f = *m_follow;
  if (!values[LiverIndex])
    return RemnantNone;
  const auto resects = [&f](std::uint16_t segment)
  { return segment >= 1 && segment <= 8 && f.resectsSegment[segment]; };
  const bool resected = resects(values[SegmentIndex]);
  if (start.values[LiverIndex] && resected == resects(start.values[SegmentIndex]))
    return start.state; // as evaluated: its position and its segment's fate are the same
  if (resected)
    return RemnantResected;
  CtImage::PointType p;
  m_ct->TransformIndexToPhysicalPoint(
    m_ct->ComputeIndex(static_cast<CtImage::OffsetValueType>(offset)), p);
  for (const auto& plane : f.planes)
    if (plane[0] * p[0] + plane[1] * p[1] + plane[2] * p[2] - plane[3] > 0.0)
      return RemnantResected; // evaluatePlan: the side the normal points to is resected
  return RemnantKept;
}

void LabelEditor::followPlan(const ResectionPlan& plan, const PlanResult& exact)
{
  if (!exact.remnantMap || exact.remnantMap->GetLargestPossibleRegion().GetNumberOfPixels() !=
                             m_ct->GetLargestPossibleRegion().GetNumberOfPixels())
    throw std::invalid_argument("followPlan: the evaluation has no remnant map on the CT's grid");
  FollowedPlan f;
  f.remnantMap = exact.remnantMap;
  for (int s : plan.segments)
    if (s >= 1 && s <= 8)
      f.resectsSegment[static_cast<std::size_t>(s)] = true;
  for (const CutPlane& c : plan.planes)
  {
    const double norm =
      std::sqrt(c.normal[0] * c.normal[0] + c.normal[1] * c.normal[1] + c.normal[2] * c.normal[2]);
    const std::array<double, 3> n{ c.normal[0] / norm, c.normal[1] / norm, c.normal[2] / norm };
    f.planes.push_back(
      { n[0],
        n[1],
        n[2],
        n[0] * c.pointLpsMm[0] + n[1] * c.pointLpsMm[1] + n[2] * c.pointLpsMm[2] });
  }
  f.zones = !plan.wedges.empty() || !plan.ablations.empty();
  f.keptVoxels = static_cast<std::int64_t>(exact.remnantVoxels);
  f.tumourKeptVoxels = static_cast<std::int64_t>(
    std::llround((exact.remnantMl - exact.flrMl) / m_voxelMl)); // lesion voxels left
  m_follow = std::move(f);
}

EditRecord LabelEditor::record(const std::string& operation,
                               const std::vector<VoxelChange>& voxels) const
{
  std::map<std::string, LabelChange> changes;
  for (const VoxelChange& c : voxels)
    tally(changes, c.before, c.after);
  EditRecord r;
  r.operation = operation;
  r.changes = finish(std::move(changes), m_voxelMl);
  r.voxelsChanged = voxels.size();
  return r;
}

void LabelEditor::pushStep(Step step)
{
  m_steps.resize(m_applied); // a new edit drops what was undone
  m_steps.push_back(std::move(step));
  ++m_applied;
}

EditRecord LabelEditor::commit(const std::string& operation, std::vector<VoxelChange> voxels)
{
  Step step;
  step.record = record(operation, voxels);
  for (const VoxelChange& c : voxels)
    setValues(c.offset, c.after);
  if (voxels.empty())
    return step.record; // nothing changed: no undo step, nothing in the log
  if (m_strokeOpen)
  {
    // Part of a stroke: each voxel keeps its value from before the stroke and takes the new one.
    if (m_strokeDabs++ == 0)
      m_strokeOperation = operation;
    for (const VoxelChange& c : voxels)
    {
      const auto [at, added] = m_strokeIndex.emplace(c.offset, m_strokeVoxels.size());
      if (added)
        m_strokeVoxels.push_back(c);
      else
        m_strokeVoxels[at->second].after = c.after;
    }
    return step.record;
  }
  step.voxels = std::move(voxels);
  pushStep(std::move(step));
  return m_steps.back().record;
}

void LabelEditor::beginStroke()
{
  if (m_strokeOpen)
    return;
  m_strokeOpen = true;
  m_strokeVoxels.clear();
  m_strokeIndex.clear();
  m_strokeOperation.clear();
  m_strokeDabs = 0;
  m_strokeLesionId = 0;
}

LabelEditor::Step LabelEditor::openStroke() const
{
  Step step;
  for (const VoxelChange& c : m_strokeVoxels)
    if (c.before != c.after) // a voxel painted and erased again in the stroke is no change
      step.voxels.push_back(c);
  std::string operation = m_strokeOperation;
  if (m_strokeDabs > 1)
    operation += " (stroke of " + std::to_string(m_strokeDabs) + " dabs)";
  step.record = record(operation, step.voxels);
  return step;
}

EditRecord LabelEditor::endStroke()
{
  if (!m_strokeOpen)
    return {};
  Step step = openStroke();
  m_strokeOpen = false;
  m_strokeVoxels.clear();
  m_strokeIndex.clear();
  m_strokeOperation.clear();
  m_strokeDabs = 0;
  m_strokeLesionId = 0;
  if (step.voxels.empty())
    return step.record;
  pushStep(std::move(step));
  return m_steps.back().record;
}

bool LabelEditor::strokeChanged() const
{
  return m_strokeOpen && std::any_of(m_strokeVoxels.begin(),
                                     m_strokeVoxels.end(),
                                     [](const VoxelChange& c) { return c.before != c.after; });
}

std::uint16_t LabelEditor::nextLesionId() const
{
  for (std::size_t id = m_lesionVoxels.size() - 1; id > 0; --id)
    if (m_lesionVoxels[id] > 0)
    {
      if (id == 65535)
        throw std::invalid_argument("no free lesion id (65535 in use)");
      return static_cast<std::uint16_t>(id + 1);
    }
  return 1;
}

EditRecord LabelEditor::paint(const Brush& brush)
{
  if (!(brush.radiusMm > 0.0) || !std::isfinite(brush.radiusMm))
    throw std::invalid_argument("brush radius must be > 0 mm");
  if (brush.huRange)
    checkRange(*brush.huRange);
  if (brush.target == EditTarget::Segment && !brush.erase && (brush.value < 1 || brush.value > 8))
    throw std::invalid_argument("a Couinaud segment is 1..8, not " + std::to_string(brush.value));
  if (brush.target == EditTarget::Segment && brush.erase && brush.value > 8)
    throw std::invalid_argument("a Couinaud segment is 1..8, not " + std::to_string(brush.value));
  std::uint16_t lesionId = brush.value;
  if (brush.target == EditTarget::Lesion && !brush.erase && !brush.value)
  {
    // A new lesion; within a stroke, the stroke's one.
    lesionId = m_strokeOpen && m_strokeLesionId ? m_strokeLesionId : nextLesionId();
    if (m_strokeOpen)
      m_strokeLesionId = lesionId;
  }

  // The index box holding the sphere (any direction matrix): its LPS box's corners in index space.
  const auto region = m_ct->GetLargestPossibleRegion();
  long lo[3] = { static_cast<long>(region.GetSize()[0]) - 1,
                 static_cast<long>(region.GetSize()[1]) - 1,
                 static_cast<long>(region.GetSize()[2]) - 1 };
  long hi[3] = { 0, 0, 0 };
  for (int corner = 0; corner < 8; ++corner)
  {
    CtImage::PointType p;
    for (int a = 0; a < 3; ++a)
      p[a] = brush.centreLpsMm[a] + ((corner >> a) & 1 ? brush.radiusMm : -brush.radiusMm);
    itk::ContinuousIndex<double, 3> index;
    m_ct->TransformPhysicalPointToContinuousIndex(p, index);
    for (int a = 0; a < 3; ++a)
    {
      lo[a] = std::min(lo[a], static_cast<long>(std::floor(index[a])));
      hi[a] = std::max(hi[a], static_cast<long>(std::ceil(index[a])));
    }
  }
  for (int a = 0; a < 3; ++a)
  {
    lo[a] = std::max(lo[a], 0L);
    hi[a] = std::min(hi[a], static_cast<long>(region.GetSize()[a]) - 1);
  }
  if (brush.sliceAxis)
  {
    const int a = *brush.sliceAxis;
    if (a < 0 || a > 2)
      throw std::invalid_argument("a 2D brush's slice axis is 0, 1 or 2");
    CtImage::PointType c;
    for (int k = 0; k < 3; ++k)
      c[k] = brush.centreLpsMm[k];
    itk::ContinuousIndex<double, 3> index;
    m_ct->TransformPhysicalPointToContinuousIndex(c, index);
    const long slice = std::lround(index[a]);
    lo[a] = std::max(lo[a], slice);
    hi[a] = std::min(hi[a], slice);
  }
  const std::int16_t* hu = m_ct->GetBufferPointer();
  std::vector<VoxelChange> voxels;
  for (long z = lo[2]; z <= hi[2]; ++z)
    for (long y = lo[1]; y <= hi[1]; ++y)
      for (long x = lo[0]; x <= hi[0]; ++x)
      {
        const CtImage::IndexType index{ { x, y, z } };
        CtImage::PointType p;
        m_ct->TransformIndexToPhysicalPoint(index, p);
        const double d2 = std::pow(p[0] - brush.centreLpsMm[0], 2) +
                          std::pow(p[1] - brush.centreLpsMm[1], 2) +
                          std::pow(p[2] - brush.centreLpsMm[2], 2);
        if (d2 > brush.radiusMm * brush.radiusMm)
          continue;
        const auto offset = static_cast<std::size_t>(m_ct->ComputeOffset(index));
        if (brush.huRange &&
            (hu[offset] < brush.huRange->first || hu[offset] > brush.huRange->second))
          continue;
        const auto before = valuesAt(offset);
        auto after = before;
        switch (brush.target)
        {
          case EditTarget::Liver:
            after = brush.erase ? std::array<std::uint16_t, 3>{ 0, 0, 0 }
                                : std::array<std::uint16_t, 3>{ 1, before[1], before[2] };
            break;
          case EditTarget::Lesion:
            if (!brush.erase)
              after = { 1, lesionId, before[SegmentIndex] };
            else if (brush.value == 0 || before[LesionIndex] == brush.value)
              after[LesionIndex] = 0;
            break;
          case EditTarget::Segment:
            if (!brush.erase && before[LiverIndex])
              after[SegmentIndex] = brush.value;
            else if (brush.erase && (brush.value == 0 || before[SegmentIndex] == brush.value))
              after[SegmentIndex] = 0;
            break;
        }
        if (after != before)
          voxels.push_back({ offset, before, after });
      }
  const char* what = brush.target == EditTarget::Liver    ? "liver"
                     : brush.target == EditTarget::Lesion ? "lesion"
                                                          : "segment";
  char text[200];
  std::snprintf(
    text,
    sizeof text,
    "%s %s%s, %s %.1f mm at %s",
    brush.erase ? "erase" : "paint",
    what,
    brush.target == EditTarget::Liver || (brush.erase && !brush.value)
      ? ""
      : (" " + std::to_string(brush.target == EditTarget::Lesion ? lesionId : brush.value)).c_str(),
    brush.sliceAxis ? "disc" : "sphere",
    brush.radiusMm,
    formatPoint(brush.centreLpsMm).c_str());
  std::string operation = text;
  if (brush.huRange)
    operation += ", " + formatRange(*brush.huRange);
  return commit(operation, std::move(voxels));
}

std::pair<double, double> LabelEditor::rangeAround(std::size_t seed,
                                                   const GrowthOptions& options) const
{
  if (options.huRange)
  {
    checkRange(*options.huRange);
    return *options.huRange;
  }
  if (!(options.toleranceHu >= 0.0))
    throw std::invalid_argument("HU tolerance must be >= 0");
  const auto size = m_ct->GetLargestPossibleRegion().GetSize();
  const auto index = m_ct->ComputeIndex(static_cast<CtImage::OffsetValueType>(seed));
  double sum = 0.0;
  int n = 0;
  for (long dz = -1; dz <= 1; ++dz)
    for (long dy = -1; dy <= 1; ++dy)
      for (long dx = -1; dx <= 1; ++dx)
      {
        const long x = index[0] + dx, y = index[1] + dy, z = index[2] + dz;
        if (x < 0 || y < 0 || z < 0 || x >= static_cast<long>(size[0]) ||
            y >= static_cast<long>(size[1]) || z >= static_cast<long>(size[2]))
          continue;
        sum += m_ct->GetPixel({ { x, y, z } });
        ++n;
      }
  const double mean = sum / n;
  // The clicked voxel always belongs to its region: the range reaches its HU when the
  // neighbourhood's mean lies further than the tolerance from it (a noisy or mixed voxel).
  const double seedHu = m_ct->GetBufferPointer()[seed];
  return { std::min(mean - options.toleranceHu, seedHu),
           std::max(mean + options.toleranceHu, seedHu) };
}

std::vector<std::size_t> LabelEditor::grow(std::size_t seed,
                                           const std::pair<double, double>& huRange,
                                           double maxRadiusMm,
                                           bool insideLiver,
                                           bool avoidLesions) const
{
  if (!(maxRadiusMm > 0.0))
    throw std::invalid_argument("growth radius must be > 0 mm");
  const auto size = m_ct->GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]),
             nz = static_cast<long>(size[2]);
  // Index steps to mm: the columns of direction x spacing.
  double m[3][3];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      m[r][c] = m_ct->GetDirection()[r][c] * m_ct->GetSpacing()[c];
  const auto seedIndex = m_ct->ComputeIndex(static_cast<CtImage::OffsetValueType>(seed));
  const std::int16_t* hu = m_ct->GetBufferPointer();
  const std::uint16_t* liver = m_liver->GetBufferPointer();
  const std::uint16_t* lesion = m_lesions->GetBufferPointer();
  auto accepted = [&](std::size_t v, long x, long y, long z)
  {
    if (hu[v] < huRange.first || hu[v] > huRange.second)
      return false;
    if ((liver[v] != 0) != insideLiver || (avoidLesions && lesion[v]))
      return false;
    const double d[3] = { static_cast<double>(x - seedIndex[0]),
                          static_cast<double>(y - seedIndex[1]),
                          static_cast<double>(z - seedIndex[2]) };
    double r2 = 0.0;
    for (int r = 0; r < 3; ++r)
    {
      const double mm = m[r][0] * d[0] + m[r][1] * d[1] + m[r][2] * d[2];
      r2 += mm * mm;
    }
    return r2 <= maxRadiusMm * maxRadiusMm;
  };
  std::vector<std::size_t> region;
  if (!accepted(seed, seedIndex[0], seedIndex[1], seedIndex[2]))
    return region;
  std::vector<bool> seen(static_cast<std::size_t>(nx * ny * nz), false);
  std::deque<std::size_t> queue{ seed };
  seen[seed] = true;
  while (!queue.empty())
  {
    const std::size_t v = queue.front();
    queue.pop_front();
    region.push_back(v);
    const long x = static_cast<long>(v % nx), y = static_cast<long>((v / nx) % ny),
               z = static_cast<long>(v / (nx * ny));
    const long step[6][3] = { { 1, 0, 0 },  { -1, 0, 0 }, { 0, 1, 0 },
                              { 0, -1, 0 }, { 0, 0, 1 },  { 0, 0, -1 } };
    for (const auto& s : step)
    {
      const long a = x + s[0], b = y + s[1], c = z + s[2];
      if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz)
        continue;
      const auto w = static_cast<std::size_t>((c * ny + b) * nx + a);
      if (seen[w])
        continue;
      seen[w] = true;
      if (accepted(w, a, b, c))
        queue.push_back(w);
    }
  }
  std::sort(region.begin(), region.end());
  return region;
}

LesionPreview LabelEditor::previewLesion(const std::array<double, 3>& seedLps,
                                         const GrowthOptions& options) const
{
  const std::size_t seed = offsetAt(seedLps);
  if (!m_liver->GetBufferPointer()[seed])
    throw std::invalid_argument("the seed " + formatPoint(seedLps) + " mm is outside the liver");
  if (m_lesions->GetBufferPointer()[seed])
    throw std::invalid_argument("the seed " + formatPoint(seedLps) + " mm is in lesion " +
                                std::to_string(m_lesions->GetBufferPointer()[seed]));
  LesionPreview preview;
  preview.huRange = rangeAround(seed, options);
  preview.voxels = grow(seed, preview.huRange, options.maxRadiusMm, true, true);
  preview.volumeMl = static_cast<double>(preview.voxels.size()) * m_voxelMl;
  return preview;
}

EditRecord LabelEditor::acceptLesion(const LesionPreview& preview)
{
  if (preview.voxels.empty())
    throw std::invalid_argument("the lesion preview is empty");
  const std::uint16_t id = nextLesionId();
  const std::size_t n = m_ct->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<VoxelChange> voxels;
  for (const std::size_t v : preview.voxels)
  {
    if (v >= n)
      throw std::invalid_argument("the lesion preview is not on this CT");
    const auto before = valuesAt(v);
    if (!before[LiverIndex] || before[LesionIndex])
      continue; // changed since the preview
    voxels.push_back({ v, before, { before[0], id, before[2] } });
  }
  return commit("add lesion " + std::to_string(id) + " (grown, " + formatRange(preview.huRange) +
                  ")",
                std::move(voxels));
}

EditRecord LabelEditor::removeLesion(const std::array<double, 3>& pointLps)
{
  const std::size_t at = offsetAt(pointLps);
  const std::uint16_t id = m_lesions->GetBufferPointer()[at];
  if (!id)
    throw std::invalid_argument("no lesion at " + formatPoint(pointLps) + " mm");
  const std::size_t n = m_ct->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<VoxelChange> voxels;
  const std::uint16_t* lesion = m_lesions->GetBufferPointer();
  for (std::size_t v = 0; v < n; ++v)
    if (lesion[v] == id)
    {
      const auto before = valuesAt(v);
      voxels.push_back({ v, before, { before[0], 0, before[2] } });
    }
  return commit("remove lesion " + std::to_string(id) + " (clicked at " + formatPoint(pointLps) +
                  ")",
                std::move(voxels));
}

EditRecord LabelEditor::includeRegion(const std::array<double, 3>& pointLps,
                                      const GrowthOptions& options)
{
  const std::size_t seed = offsetAt(pointLps);
  if (m_liver->GetBufferPointer()[seed])
    throw std::invalid_argument("the point " + formatPoint(pointLps) +
                                " mm is in the liver already");
  const auto range = rangeAround(seed, options);
  std::vector<VoxelChange> voxels;
  for (const std::size_t v : grow(seed, range, options.maxRadiusMm, false, false))
  {
    const auto before = valuesAt(v);
    voxels.push_back({ v, before, { 1, before[1], before[2] } });
  }
  return commit("include region at " + formatPoint(pointLps) + " (" + formatRange(range) + ")",
                std::move(voxels));
}

EditRecord LabelEditor::excludeRegion(const std::array<double, 3>& pointLps,
                                      const GrowthOptions& options)
{
  const std::size_t seed = offsetAt(pointLps);
  if (!m_liver->GetBufferPointer()[seed])
    throw std::invalid_argument("the point " + formatPoint(pointLps) + " mm is not in the liver");
  const auto range = rangeAround(seed, options);
  std::vector<VoxelChange> voxels;
  for (const std::size_t v : grow(seed, range, options.maxRadiusMm, true, false))
    voxels.push_back({ v, valuesAt(v), { 0, 0, 0 } });
  return commit("exclude region at " + formatPoint(pointLps) + " (" + formatRange(range) + ")",
                std::move(voxels));
}

std::pair<std::size_t, std::size_t> LabelEditor::lesionIdsAddedRemoved() const
{
  std::pair<std::size_t, std::size_t> counts{ 0, 0 };
  for (std::size_t id = 1; id < m_lesionVoxels.size(); ++id)
  {
    counts.first += m_originalLesionVoxels[id] == 0 && m_lesionVoxels[id] > 0;
    counts.second += m_originalLesionVoxels[id] > 0 && m_lesionVoxels[id] == 0;
  }
  return counts;
}

bool LabelEditor::canUndo() const
{
  return m_applied > 0 || strokeChanged();
}

bool LabelEditor::canRedo() const
{
  return m_applied < m_steps.size() && !strokeChanged();
}

bool LabelEditor::undo()
{
  endStroke();
  if (!canUndo())
    return false;
  const Step& step = m_steps[--m_applied];
  for (auto it = step.voxels.rbegin(); it != step.voxels.rend(); ++it)
    setValues(it->offset, it->before);
  return true;
}

bool LabelEditor::redo()
{
  endStroke();
  if (!canRedo())
    return false;
  const Step& step = m_steps[m_applied++];
  for (const VoxelChange& c : step.voxels)
    setValues(c.offset, c.after);
  return true;
}

LiveNumbers LabelEditor::numbers(const ResectionPlan* plan, const PlanOptions& options) const
{
  LiveNumbers n;
  n.totalLiverMl = static_cast<double>(m_liverCount) * m_voxelMl;
  n.tumourMl = static_cast<double>(m_tumourCount) * m_voxelMl;
  n.functionalMl = n.totalLiverMl - n.tumourMl;
  n.lesionCount = m_lesionCount;
  if (plan)
  {
    const PlanResult result = evaluatePlan(labels(), *plan, options);
    n.flrMl = result.flrMl;
    n.flrPercent = result.flrPercent;
  }
  else if (m_follow)
  {
    // Measured FLR % = FLR / (TLV - tumour) x 100 (DESIGN.md §3 Volumes), with evaluatePlan's
    // tumour (lesion voxels inside the liver).
    n.flrMl = static_cast<double>(m_follow->keptVoxels - m_follow->tumourKeptVoxels) * m_voxelMl;
    n.flrPercent = measuredFlrPercent(
      *n.flrMl, n.totalLiverMl, static_cast<double>(m_tumourInLiverCount) * m_voxelMl);
    n.flrEstimated = m_follow->zones;
  }
  return n;
}

std::vector<EditRecord> LabelEditor::log() const
{
  std::vector<EditRecord> records;
  for (std::size_t k = 0; k < m_applied; ++k)
    records.push_back(m_steps[k].record);
  if (strokeChanged())
    records.push_back(openStroke().record); // the labels hold it already
  return records;
}

std::vector<LabelChange> LabelEditor::netChange() const
{
  std::map<std::string, LabelChange> changes;
  const std::size_t n = m_ct->GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t v = 0; v < n; ++v)
  {
    const std::array<std::uint16_t, 3> before{ m_originalLiver->GetBufferPointer()[v],
                                               m_originalLesions->GetBufferPointer()[v],
                                               m_originalSegments->GetBufferPointer()[v] };
    const auto after = valuesAt(v);
    if (before != after)
      tally(changes, before, after);
  }
  return finish(std::move(changes), m_voxelMl);
}

nlohmann::json LabelEditor::logJson() const
{
  nlohmann::json operations = nlohmann::json::array();
  for (const EditRecord& r : log())
    operations.push_back({ { "operation", r.operation },
                           { "voxelsChanged", r.voxelsChanged },
                           { "changes", changesJson(r.changes) } });
  const LiveNumbers now = numbers();
  return { { "kind", "liverplan-edit-log" },
           { "units", { { "volume", "mL" }, { "length", "mm" }, { "intensity", "HU" } } },
           { "coordinates", "LPS" },
           { "voxelMl", m_voxelMl },
           { "operations", operations },
           { "netChange", changesJson(netChange()) },
           { "totalLiverMl", now.totalLiverMl },
           { "tumourMl", now.tumourMl } };
}

model::SegmentationProvenance reviewedProvenance(const LabelEditor& editor,
                                                 model::SegmentationProvenance before,
                                                 const std::string& reviewer,
                                                 const std::string& isoTime,
                                                 const std::string& logFile)
{
  if (reviewer.empty() || isoTime.empty())
    throw std::invalid_argument("a review needs the reviewer and the time");
  model::SegmentationProvenance after = std::move(before);
  after.reviewedBy = reviewer;
  after.reviewedAt = isoTime;
  const std::vector<LabelChange> net = editor.netChange();
  if (net.empty())
  {
    after.review = model::ReviewStatus::Reviewed;
    after.edits.reset();
    return after;
  }
  after.review = model::ReviewStatus::Edited;
  model::EditTotals totals;
  totals.operations = editor.operationCount();
  totals.logFile = logFile;
  for (const LabelChange& c : net)
  {
    if (c.label == "liver")
    {
      totals.liverAddedMl = c.mlAdded;
      totals.liverRemovedMl = c.mlRemoved;
      after.liver = model::LabelOrigin::Edited;
    }
    else if (c.label == "tumour")
    {
      totals.tumourAddedMl = c.mlAdded;
      totals.tumourRemovedMl = c.mlRemoved;
    }
    else if (c.label.rfind("lesion ", 0) == 0)
      after.lesions = model::LabelOrigin::Edited;
    else if (c.label.rfind("segment ", 0) == 0)
      after.segments = model::LabelOrigin::Edited;
  }
  const auto [added, removed] = editor.lesionIdsAddedRemoved();
  totals.lesionsAdded = added;
  totals.lesionsRemoved = removed;
  after.edits = totals;
  return after;
}

} // namespace liver::editing
