/// liver::editing: the segmentation editor's operations on the phantom, with exact voxel counts,
/// byte-identical undo/redo and the plan's FLR as `liverplan plan` computes it. No display.

#include "phantom_support.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/editing/label_editor.h>
#include <liver/editing/review.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/planning/resection.h>
#include <liver/segmentation/label_import.h>
#include <liver/volumetry/label_stats.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

using namespace liver;
using namespace liver::editing;

namespace
{

/// The phantom at 4 mm, made once.
const Phantom& phantom()
{
  return test::phantomAt(4.0);
}

LiverLabels phantomLabels()
{
  return test::labelsOf(phantom());
}

std::size_t voxels(const LabelImage& image)
{
  return image.GetLargestPossibleRegion().GetNumberOfPixels();
}

bool sameBytes(const LabelImage& a, const LabelImage& b)
{
  return std::equal(a.GetBufferPointer(), a.GetBufferPointer() + voxels(a), b.GetBufferPointer());
}

bool labelsEqualPhantom(const LabelEditor& editor)
{
  const LiverLabels now = editor.labels();
  return sameBytes(*now.liver, *phantom().liver) && sameBytes(*now.lesions, *phantom().lesions) &&
         sameBytes(*now.segments, *phantom().segments);
}

/// Voxels of the phantom's grid whose centres lie within `radiusMm` of `centre` and pass `keep`.
template<typename Keep>
std::size_t countInSphere(const std::array<double, 3>& centre, double radiusMm, Keep keep)
{
  const LabelImage& grid = *phantom().liver;
  std::size_t n = 0;
  for (std::size_t v = 0; v < voxels(grid); ++v)
  {
    LabelImage::PointType p;
    grid.TransformIndexToPhysicalPoint(
      grid.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v)), p);
    const double d2 =
      std::pow(p[0] - centre[0], 2) + std::pow(p[1] - centre[1], 2) + std::pow(p[2] - centre[2], 2);
    n += d2 <= radiusMm * radiusMm && keep(v);
  }
  return n;
}

const LabelChange* changeOf(const EditRecord& r, const std::string& label)
{
  for (const LabelChange& c : r.changes)
    if (c.label == label)
      return &c;
  return nullptr;
}

/// A point of the liver away from every lesion: the liver voxel furthest from all lesion centres.
std::array<double, 3> liverPointAwayFromLesions()
{
  const LabelImage& liver = *phantom().liver;
  std::array<double, 3> best{};
  double bestDistance = -1.0;
  for (std::size_t v = 0; v < voxels(liver); v += 7)
  {
    if (!liver.GetBufferPointer()[v])
      continue;
    LabelImage::PointType p;
    liver.TransformIndexToPhysicalPoint(
      liver.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v)), p);
    double nearest = 1e300;
    for (const PhantomLesion& l : phantom().truth.lesions)
      nearest = std::min(
        nearest,
        std::hypot(p[0] - l.centreLpsMm[0], p[1] - l.centreLpsMm[1], p[2] - l.centreLpsMm[2]) -
          l.radiusMm);
    // Deep enough inside the liver for a 10 mm sphere: all 26 neighbours at 3 voxels are liver.
    bool deep = true;
    const auto index = liver.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v));
    for (int a = 0; a < 3 && deep; ++a)
      for (int sign : { -3, 3 })
      {
        auto n = index;
        n[a] += sign;
        if (!liver.GetLargestPossibleRegion().IsInside(n) || !liver.GetPixel(n))
          deep = false;
      }
    if (deep && nearest > bestDistance)
    {
      bestDistance = nearest;
      best = { p[0], p[1], p[2] };
    }
  }
  return best;
}

} // namespace

TEST(LabelEditor, LesionBrushAddsExactlyTheSphereAndUndoRedoRestoreBytes)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  const LiveNumbers start = editor.numbers();
  const double voxelMl = voxelVolumeMl(*phantom().liver);
  EXPECT_EQ(start.lesionCount, phantom().truth.lesions.size());
  const std::array<double, 3> centre = liverPointAwayFromLesions();

  Brush brush;
  brush.centreLpsMm = centre;
  brush.radiusMm = 10.0;
  brush.target = EditTarget::Lesion; // value 0: a new lesion id
  const EditRecord r = editor.paint(brush);
  const std::size_t sphere = countInSphere(centre, 10.0, [](std::size_t) { return true; });
  const std::uint16_t newId = static_cast<std::uint16_t>(phantom().truth.lesions.size() + 1);
  const LabelChange* added = changeOf(r, "lesion " + std::to_string(newId));
  ASSERT_NE(added, nullptr) << r.operation;
  EXPECT_EQ(static_cast<std::size_t>(added->voxelsAdded), sphere);
  EXPECT_NEAR(added->mlAdded, sphere * voxelMl, 1e-9);
  EXPECT_EQ(changeOf(r, "liver"), nullptr); // the sphere lies inside the liver already
  const LiveNumbers after = editor.numbers();
  EXPECT_DOUBLE_EQ(after.totalLiverMl, start.totalLiverMl);
  EXPECT_NEAR(after.tumourMl - start.tumourMl, sphere * voxelMl, 1e-9);
  EXPECT_EQ(after.lesionCount, start.lesionCount + 1);

  // Undo: the phantom's bytes again; redo: the painted ones.
  ASSERT_TRUE(editor.undo());
  EXPECT_TRUE(labelsEqualPhantom(editor));
  EXPECT_DOUBLE_EQ(editor.numbers().tumourMl, start.tumourMl);
  EXPECT_FALSE(editor.undo());
  ASSERT_TRUE(editor.redo());
  EXPECT_NEAR(editor.numbers().tumourMl - start.tumourMl, sphere * voxelMl, 1e-9);
  EXPECT_FALSE(editor.redo());
  EXPECT_EQ(editor.log().size(), 1u);

  // A threshold-limited brush whose HU range holds no voxel changes nothing.
  brush.huRange = std::make_pair(3000.0, 3001.0);
  const EditRecord none = editor.paint(brush);
  EXPECT_EQ(none.voxelsChanged, 0u);
  EXPECT_TRUE(none.changes.empty());
}

TEST(LabelEditor, ManyStepsUndoneGiveTheOriginalBytesAndTheLogFollows)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  const PhantomLesion& first = phantom().truth.lesions.at(0);
  const std::array<double, 3> away = liverPointAwayFromLesions();

  // 1. remove lesion 1 by a click at its centre: its voxels stay liver.
  const std::size_t lesion1 = static_cast<std::size_t>(
    std::count(phantom().lesions->GetBufferPointer(),
               phantom().lesions->GetBufferPointer() + voxels(*phantom().lesions),
               1));
  const EditRecord removed = editor.removeLesion(first.centreLpsMm);
  ASSERT_NE(changeOf(removed, "lesion 1"), nullptr);
  EXPECT_EQ(static_cast<std::size_t>(changeOf(removed, "lesion 1")->voxelsRemoved), lesion1);
  EXPECT_EQ(changeOf(removed, "liver"), nullptr);
  // 2. grow it back from its centre ("add lesion here"): previewed first, nothing changes.
  GrowthOptions growth;
  growth.maxRadiusMm = first.radiusMm + 8.0;
  const LesionPreview preview = editor.previewLesion(first.centreLpsMm, growth);
  EXPECT_EQ(editor.log().size(), 1u);
  std::size_t overlap = 0;
  for (std::size_t v : preview.voxels)
    overlap += phantom().lesions->GetBufferPointer()[v] == 1;
  // The phantom's lesion differs from its liver by more than the noise (12 HU SD); the grown
  // region recovers most of it and little else (Dice >= 0.8).
  const double dice = 2.0 * overlap / static_cast<double>(preview.voxels.size() + lesion1);
  std::printf("regrown lesion 1: %zu voxels (%.2f mL), truth %zu, Dice %.3f, range %.0f..%.0f HU\n",
              preview.voxels.size(),
              preview.volumeMl,
              lesion1,
              dice,
              preview.huRange.first,
              preview.huRange.second);
  EXPECT_GE(dice, 0.8);
  editor.acceptLesion(preview);
  // 3. erase part of the liver and include it again by region growth over its HU.
  Brush erase;
  erase.centreLpsMm = away;
  erase.radiusMm = 8.0;
  erase.erase = true;
  const EditRecord erased = editor.paint(erase);
  ASSERT_NE(changeOf(erased, "liver"), nullptr);
  const std::int64_t hole = changeOf(erased, "liver")->voxelsRemoved;
  EXPECT_EQ(static_cast<std::size_t>(hole),
            countInSphere(away, 8.0, [](std::size_t) { return true; }));
  GrowthOptions include;
  include.huRange = std::make_pair(-1000.0, 3000.0); // any HU: bounded by the radius alone
  include.maxRadiusMm = 8.0;
  const EditRecord back = editor.includeRegion(away, include);
  ASSERT_NE(changeOf(back, "liver"), nullptr);
  EXPECT_EQ(changeOf(back, "liver")->voxelsAdded, hole);
  // 4. exclude a region of the liver.
  GrowthOptions exclude;
  exclude.huRange = std::make_pair(-1000.0, 3000.0);
  exclude.maxRadiusMm = 6.0;
  const EditRecord excluded = editor.excludeRegion(away, exclude);
  EXPECT_GT(changeOf(excluded, "liver")->voxelsRemoved, 0);
  // 5. paint segment 3 there... only inside the liver: the excluded hole stays unsegmented.
  Brush segment;
  segment.centreLpsMm = away;
  segment.radiusMm = 12.0;
  segment.target = EditTarget::Segment;
  segment.value = 3;
  editor.paint(segment);
  const LiverLabels now = editor.labels();
  for (std::size_t v = 0; v < voxels(*now.liver); ++v)
  {
    if (now.segments->GetBufferPointer()[v] || now.lesions->GetBufferPointer()[v])
    {
      ASSERT_TRUE(now.liver->GetBufferPointer()[v]) << "label outside the liver at " << v;
    }
  }

  ASSERT_EQ(editor.log().size(), 6u);
  EXPECT_TRUE(editor.log()[0].operation.rfind("remove lesion 1", 0) == 0)
    << editor.log()[0].operation;
  const nlohmann::json log = editor.logJson();
  EXPECT_EQ(log["operations"].size(), 6u);
  EXPECT_FALSE(log["netChange"].empty());

  // Undo everything: the original bytes, no net change; redo all, undo two, a new edit drops
  // the redo branch.
  while (editor.undo())
    ;
  EXPECT_TRUE(labelsEqualPhantom(editor));
  EXPECT_TRUE(editor.netChange().empty());
  EXPECT_TRUE(editor.log().empty());
  while (editor.redo())
    ;
  EXPECT_EQ(editor.log().size(), 6u);
  editor.undo();
  editor.undo();
  editor.paint(segment);
  EXPECT_FALSE(editor.canRedo());
  EXPECT_EQ(editor.log().size(), 5u);
}

TEST(LabelEditor, FlrFollowsThePlanOnTheEditedLabels)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  const ResectionPlan plan = parsePlanSpec("right-hemihepatectomy");
  const LiveNumbers before = editor.numbers(&plan);
  const PlanResult planned = evaluatePlan(phantomLabels(), plan);
  ASSERT_TRUE(before.flrPercent.has_value());
  EXPECT_DOUBLE_EQ(*before.flrPercent, planned.flrPercent);
  EXPECT_DOUBLE_EQ(before.totalLiverMl, planned.totalLiverMl);
  EXPECT_DOUBLE_EQ(before.tumourMl, planned.tumourMl);

  // A new lesion changes the tumour volume and so the FLR % (here it lies in the resected part:
  // the functional volume shrinks, the FLR % rises); the numbers equal what evaluatePlan gives on
  // the edited labels.
  Brush brush;
  brush.centreLpsMm = liverPointAwayFromLesions();
  brush.radiusMm = 8.0;
  brush.target = EditTarget::Lesion;
  const auto start = std::chrono::steady_clock::now();
  editor.paint(brush);
  const double brushMs =
    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const LiveNumbers after = editor.numbers(&plan);
  const PlanResult replanned = evaluatePlan(editor.labels(), plan);
  EXPECT_DOUBLE_EQ(*after.flrPercent, replanned.flrPercent);
  EXPECT_DOUBLE_EQ(*after.flrMl, replanned.flrMl);
  EXPECT_DOUBLE_EQ(after.tumourMl, replanned.tumourMl);
  EXPECT_NE(*after.flrPercent, *before.flrPercent);
  std::printf("brush stroke (8 mm sphere, 4 mm phantom): %.2f ms; FLR %.2f %% -> %.2f %%\n",
              brushMs,
              *before.flrPercent,
              *after.flrPercent);
}

namespace
{

/// Liver voxel centres with a face neighbour outside the liver, on either side of x = `xMm`
/// (first: x below, second: above), nearest to the plane.
std::pair<std::array<double, 3>, std::array<double, 3>> surfacePointsAround(double xMm)
{
  const LabelImage& liver = *phantom().liver;
  std::pair<std::array<double, 3>, std::array<double, 3>> best;
  double below = 1e300, above = 1e300;
  for (std::size_t v = 0; v < voxels(liver); ++v)
  {
    if (!liver.GetBufferPointer()[v])
      continue;
    const auto index = liver.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v));
    bool edge = false;
    for (int a = 0; a < 3 && !edge; ++a)
      for (int sign : { -1, 1 })
      {
        auto n = index;
        n[a] += sign;
        edge = edge || !liver.GetLargestPossibleRegion().IsInside(n) || !liver.GetPixel(n);
      }
    if (!edge)
      continue;
    LabelImage::PointType p;
    liver.TransformIndexToPhysicalPoint(index, p);
    const double d = std::abs(p[0] - xMm);
    if (p[0] < xMm - 12.0 && d < below)
    {
      below = d;
      best.first = { p[0], p[1], p[2] };
    }
    if (p[0] > xMm + 12.0 && d < above)
    {
      above = d;
      best.second = { p[0], p[1], p[2] };
    }
  }
  return best;
}

} // namespace

TEST(LabelEditor, AFollowedPlanCountsEvaluatePlansFlrThroughEveryKindOfEdit)
{
  // The live FLR (followPlan, counted voxel by voxel) against evaluatePlan on the edited labels
  // after each operation, for a tilted plane, a segment resection and both together; a wedge
  // plan is flagged as an estimate. Tolerance 1e-9 %: the same voxel counts, rounding only.
  const std::array<double, 3> centre = liverPointAwayFromLesions();
  CutPlane tilted;
  tilted.pointLpsMm = { centre[0] + 0.37, centre[1], centre[2] };
  tilted.normal = { 1.0, 0.21, -0.13 };
  ResectionPlan plane;
  plane.name = "plane";
  plane.planes = { tilted };
  const ResectionPlan segments = parsePlanSpec("right-hemihepatectomy");
  ResectionPlan both = parsePlanSpec("left-lateral-sectionectomy");
  both.planes = { tilted };
  const auto [kept, cut] = surfacePointsAround(tilted.pointLpsMm[0]);
  const std::array<double, 3> lesion2 = phantom().truth.lesions.at(1).centreLpsMm;
  for (const ResectionPlan& plan : { plane, segments, both })
  {
    SCOPED_TRACE(plan.name);
    LabelEditor editor(phantom().ct, phantomLabels());
    PlanOptions options;
    options.makeRemnantMap = true;
    editor.followPlan(plan, evaluatePlan(editor.labels(), plan, options));
    options.makeRemnantMap = false;
    const auto check = [&](const std::string& step)
    {
      const LiveNumbers live = editor.numbers();
      const PlanResult exact = evaluatePlan(editor.labels(), plan, options);
      ASSERT_TRUE(live.flrPercent && live.flrMl) << step;
      EXPECT_FALSE(live.flrEstimated);
      EXPECT_NEAR(*live.flrMl, exact.flrMl, 1e-9) << step;
      EXPECT_NEAR(*live.flrPercent, exact.flrPercent, 1e-9) << step;
    };
    check("start");
    double flrBefore = *editor.numbers().flrPercent;
    Brush brush;
    brush.radiusMm = 12.0;
    // Liver painted over the surface on both sides of the plane (new liver voxels), as strokes.
    for (const auto& at : { kept, cut })
    {
      editor.beginStroke();
      for (int k = 0; k < 3; ++k)
      {
        brush.centreLpsMm = { at[0], at[1] + 4.0 * k, at[2] };
        editor.paint(brush);
        check("liver paint dab " + std::to_string(k));
      }
      editor.endStroke();
      check("liver stroke closed");
    }
    EXPECT_NE(*editor.numbers().flrPercent, flrBefore) << "the edits moved the FLR";
    // Liver erased across the plane, a lesion painted in each part, one erased, a lesion removed.
    brush.centreLpsMm = tilted.pointLpsMm;
    brush.erase = true;
    editor.paint(brush);
    check("liver erased across the plane");
    brush.erase = false;
    brush.radiusMm = 6.0;
    brush.target = EditTarget::Lesion;
    for (const auto& at : { kept, cut })
    {
      brush.centreLpsMm = at;
      editor.paint(brush);
      check("lesion painted");
    }
    brush.erase = true;
    brush.radiusMm = 3.0;
    editor.paint(brush);
    check("lesion erased");
    editor.removeLesion(lesion2);
    check("lesion removed");
    // Couinaud segments repainted: a resected segment becomes a kept one and back.
    brush.erase = false;
    brush.target = EditTarget::Segment;
    brush.radiusMm = 10.0;
    for (std::uint16_t s : { 2, 6 })
    {
      brush.value = s;
      brush.centreLpsMm = s == 2 ? kept : cut;
      editor.paint(brush);
      check("segment " + std::to_string(s) + " painted");
    }
    // Regions, then undo and redo of all of it.
    GrowthOptions growth;
    growth.maxRadiusMm = 15.0;
    editor.excludeRegion(cut, growth);
    check("region excluded");
    while (editor.undo())
      check("undo");
    EXPECT_DOUBLE_EQ(*editor.numbers().flrPercent, flrBefore);
    while (editor.redo())
      check("redo");
  }

  // Wedge zones are held where they were evaluated: flagged as an estimate.
  const ResectionPlan wedge = parsePlanSpec("wedge:1@10");
  LabelEditor editor(phantom().ct, phantomLabels());
  editor.followPlan(wedge, evaluatePlan(editor.labels(), wedge));
  EXPECT_TRUE(editor.numbers().flrEstimated);
  EXPECT_DOUBLE_EQ(*editor.numbers().flrPercent, evaluatePlan(editor.labels(), wedge).flrPercent);
  // Without a remnant map there is nothing to follow.
  PlanOptions noMap;
  noMap.makeRemnantMap = false;
  EXPECT_THROW(editor.followPlan(wedge, evaluatePlan(editor.labels(), wedge, noMap)),
               std::invalid_argument);
  editor.stopFollowingPlan();
  EXPECT_FALSE(editor.numbers().flrPercent.has_value());
}

TEST(LabelEditor, BadClicksAndBrushesAreRefusedWithoutAChange)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  EXPECT_THROW(editor.removeLesion(liverPointAwayFromLesions()), std::invalid_argument);
  EXPECT_THROW(editor.removeLesion({ 1e5, 0, 0 }), std::invalid_argument);
  Brush segment;
  segment.target = EditTarget::Segment;
  segment.value = 9;
  EXPECT_THROW(editor.paint(segment), std::invalid_argument);
  Brush zero;
  zero.radiusMm = 0.0;
  EXPECT_THROW(editor.paint(zero), std::invalid_argument);
  Brush inverted;
  inverted.huRange = std::make_pair(100.0, 50.0);
  EXPECT_THROW(editor.paint(inverted), std::invalid_argument);
  // A lesion seed in an existing lesion or outside the liver.
  EXPECT_THROW(editor.previewLesion(phantom().truth.lesions.at(0).centreLpsMm, {}),
               std::invalid_argument);
  EXPECT_THROW(editor.includeRegion(liverPointAwayFromLesions(), {}), std::invalid_argument);
  EXPECT_THROW(editor.acceptLesion(LesionPreview{}), std::invalid_argument);
  EXPECT_TRUE(editor.log().empty());
  EXPECT_TRUE(labelsEqualPhantom(editor));
  EXPECT_THROW(LabelEditor(phantom().ct, LiverLabels{}), std::invalid_argument);
}

TEST(LabelEditor, ReviewProvenanceIsReviewedWithoutChangeAndEditedWithTheNetTotals)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  model::SegmentationProvenance before;
  before.liver = model::LabelOrigin::Automatic;
  before.lesions = model::LabelOrigin::Automatic;
  before.segments = model::LabelOrigin::Imported;
  const auto unchanged = reviewedProvenance(editor, before, "Dr A", "2026-12-06T07:00:00Z");
  EXPECT_EQ(unchanged.review, model::ReviewStatus::Reviewed);
  EXPECT_FALSE(unchanged.edits.has_value());
  EXPECT_EQ(unchanged.liver, model::LabelOrigin::Automatic);
  EXPECT_THROW(reviewedProvenance(editor, before, "", "2026-12-06T07:00:00Z"),
               std::invalid_argument);

  // Remove lesion 1, then paint a new lesion: one id gone, one added; the tumour totals are the
  // voxel counts times the voxel volume.
  const double voxelMl = voxelVolumeMl(*phantom().liver);
  const std::size_t lesion1 = static_cast<std::size_t>(
    std::count(phantom().lesions->GetBufferPointer(),
               phantom().lesions->GetBufferPointer() + voxels(*phantom().lesions),
               1));
  editor.removeLesion(phantom().truth.lesions.at(0).centreLpsMm);
  Brush brush;
  brush.centreLpsMm = liverPointAwayFromLesions();
  brush.radiusMm = 8.0;
  brush.target = EditTarget::Lesion;
  const EditRecord painted = editor.paint(brush);
  const auto edited =
    reviewedProvenance(editor, before, "Dr A", "2026-12-06T07:00:00Z", "edits.json");
  EXPECT_EQ(edited.review, model::ReviewStatus::Edited);
  ASSERT_TRUE(edited.edits.has_value());
  EXPECT_EQ(edited.edits->operations, 2u);
  EXPECT_EQ(edited.edits->lesionsAdded, 1u);
  EXPECT_EQ(edited.edits->lesionsRemoved, 1u);
  EXPECT_NEAR(edited.edits->tumourRemovedMl, lesion1 * voxelMl, 1e-9);
  EXPECT_NEAR(edited.edits->tumourAddedMl, changeOf(painted, "tumour")->mlAdded, 1e-9);
  EXPECT_DOUBLE_EQ(edited.edits->liverAddedMl, 0.0);
  EXPECT_EQ(edited.lesions, model::LabelOrigin::Edited);
  EXPECT_EQ(edited.liver, model::LabelOrigin::Automatic);
  EXPECT_EQ(edited.segments, model::LabelOrigin::Imported);
  EXPECT_EQ(edited.edits->logFile, "edits.json");
}

TEST(Review, SavedLabelsReadBackIdenticalAndTheLogChecksThem)
{
  const std::string dir = liver::test::makeTempDir("review-save");
  LabelEditor editor(phantom().ct, phantomLabels());
  model::SegmentationProvenance before;
  before.liver = model::LabelOrigin::Automatic;
  before.lesions = model::LabelOrigin::Automatic;
  before.segments = model::LabelOrigin::Automatic;
  editor.removeLesion(phantom().truth.lesions.at(0).centreLpsMm);
  const nlohmann::json review = saveReview(dir, editor, before, "Dr B", "2026-12-06T08:00:00Z");
  EXPECT_EQ(review.at("status"), "edited");
  EXPECT_EQ(review.at("edits").at("lesionsRemoved"), 1);

  // The NIfTI maps are the editor's bytes; the .seg.nrrd is there.
  const LiverLabels now = editor.labels();
  EXPECT_TRUE(sameBytes(*loadLabels(dir + "/liver.nii.gz"), *now.liver));
  EXPECT_TRUE(sameBytes(*loadLabels(dir + "/lesions.nii.gz"), *now.lesions));
  EXPECT_TRUE(sameBytes(*loadLabels(dir + "/segments.nii.gz"), *now.segments));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir + "/segmentation.seg.nrrd"));

  const SavedReview saved = readReview(dir + "/edits.json");
  EXPECT_EQ(saved.provenance.review, model::ReviewStatus::Edited);
  EXPECT_EQ(saved.provenance.reviewedBy, "Dr B");
  EXPECT_EQ(saved.provenance.lesions, model::LabelOrigin::Edited);
  EXPECT_EQ(saved.provenance.liver, model::LabelOrigin::Automatic);
  ASSERT_TRUE(saved.provenance.edits.has_value());
  EXPECT_EQ(saved.provenance.edits->lesionsRemoved, 1u);
  EXPECT_EQ(saved.files.at("liver"), (std::filesystem::absolute(dir) / "liver.nii.gz").string());

  // The saved labels pass; the phantom's (the lesion still there) are refused by name.
  LiverLabels reread;
  reread.liver = loadLabels(saved.files.at("liver"));
  reread.lesions = loadLabels(saved.files.at("lesions"));
  reread.segments = loadLabels(saved.files.at("segments"));
  EXPECT_EQ(provenanceOfReviewed(saved, reread, *phantom().ct).review, model::ReviewStatus::Edited);
  try
  {
    provenanceOfReviewed(saved, phantomLabels(), *phantom().ct);
    ADD_FAILURE() << "other lesions accepted";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("lesions"), std::string::npos) << e.what();
  }

  // Undo everything and save again: reviewed, unchanged.
  ASSERT_TRUE(editor.undo());
  EXPECT_EQ(saveReview(dir, editor, before, "Dr B", "2026-12-06T08:05:00Z").at("status"),
            "reviewed");
  EXPECT_EQ(readReview(dir + "/edits.json").provenance.review, model::ReviewStatus::Reviewed);

  // Not an edit log: one line naming the file and the field.
  std::ofstream(dir + "/bad.json") << "{\"kind\": \"liverplan-edit-log\"}";
  try
  {
    readReview(dir + "/bad.json");
    ADD_FAILURE() << "accepted";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("review"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
  }
}

TEST(Review, LesionIdsWithGapsReplayExactlyThroughPlanReview)
{
  // Removing lesions leaves gaps in the ids. Two reviews: only the last lesion left (one id, not
  // 1), and the first and the last left (a gap between them). `liverplan plan --review` must
  // read the saved ids as they are: the same voxels (its digest check passes), the same ids in
  // result.json and the window's tumour volume.
  const std::string dir = liver::test::makeTempDir("review-gaps");
  writeImage(phantom().ct.GetPointer(), dir + "/ct.nii.gz");
  const std::vector<PhantomLesion>& truth = phantom().truth.lesions;
  ASSERT_GE(truth.size(), 3u);
  const std::vector<std::vector<std::size_t>> removals = {
    [&]
    {
      std::vector<std::size_t> all;
      for (std::size_t k = 0; k + 1 < truth.size(); ++k)
        all.push_back(k);
      return all;
    }(),
    [&]
    {
      std::vector<std::size_t> middle;
      for (std::size_t k = 1; k + 1 < truth.size(); ++k)
        middle.push_back(k);
      return middle;
    }(),
  };
  for (std::size_t r = 0; r < removals.size(); ++r)
  {
    LabelEditor editor(phantom().ct, phantomLabels());
    for (std::size_t k : removals[r])
      editor.removeLesion(truth.at(k).centreLpsMm);
    std::vector<int> kept;
    for (std::size_t k = 0; k < truth.size(); ++k)
      if (std::find(removals[r].begin(), removals[r].end(), k) == removals[r].end())
        kept.push_back(static_cast<int>(k + 1));
    const std::string folder = dir + "/review" + std::to_string(r);
    saveReview(folder, editor, {}, "Dr G", "2026-12-06T09:00:00Z");
    const std::string out = folder + "/out";
    const test::CommandResult planned = test::runLiverplan({ "plan",
                                                             dir + "/ct.nii.gz",
                                                             "--review",
                                                             folder + "/edits.json",
                                                             "--plan",
                                                             "right-hemihepatectomy",
                                                             "--out",
                                                             out });
    ASSERT_EQ(planned.exitCode, 0)
      << "lesions " << ::testing::PrintToString(kept) << ": " << planned.err;
    const nlohmann::json result = test::readJson(out + "/result.json");
    std::vector<int> ids;
    for (const nlohmann::json& l : result.at("volumetry").at("lesions"))
      ids.push_back(l.at("id").get<int>());
    EXPECT_EQ(ids, kept);
    EXPECT_NEAR(
      result.at("volumetry").at("tumourMl").get<double>(), editor.numbers().tumourMl, 1e-9);

    // The .seg.nrrd beside it: its lesion layer holds the same ids voxel for voxel, one
    // "Lesion k" segment with label value k per id left.
    const SlicerSegmentation seg = readSlicerSegmentation(folder + "/segmentation.seg.nrrd");
    std::vector<int> named;
    unsigned layer = 0;
    for (const SlicerSegment& s : seg.segments)
      if (s.name.rfind("Lesion ", 0) == 0)
      {
        EXPECT_EQ(s.name, "Lesion " + std::to_string(s.labelValue));
        named.push_back(s.labelValue);
        layer = s.layer;
      }
    EXPECT_EQ(named, kept);
    ASSERT_LT(layer, seg.layers.size());
    EXPECT_TRUE(sameBytes(*seg.layers[layer], *editor.labels().lesions));
  }
}

TEST(LabelEditor, A2dBrushPaintsOnlyTheSliceThroughItsCentre)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  const std::array<double, 3> centre = liverPointAwayFromLesions();
  const LabelImage& grid = *phantom().liver;
  LabelImage::PointType c;
  for (int a = 0; a < 3; ++a)
    c[a] = centre[a];
  const auto z = grid.TransformPhysicalPointToIndex(c)[2];
  Brush brush;
  brush.centreLpsMm = centre;
  brush.radiusMm = 10.0;
  brush.target = EditTarget::Lesion;
  brush.sliceAxis = 2;
  const EditRecord r = editor.paint(brush);
  const std::size_t disc =
    countInSphere(centre,
                  10.0,
                  [&](std::size_t v) {
                    return grid.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v))[2] == z;
                  });
  ASSERT_GT(disc, 5u);
  EXPECT_EQ(r.voxelsChanged, disc);
  EXPECT_NE(r.operation.find("disc 10.0 mm"), std::string::npos) << r.operation;
  brush.sliceAxis = 3;
  EXPECT_THROW(editor.paint(brush), std::invalid_argument);
}

TEST(LabelEditor, AStrokeOfOverlappingDabsIsOneUndoStepAndOneLogEntryWithItsTotals)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  const LiveNumbers start = editor.numbers();
  const double voxelMl = voxelVolumeMl(*phantom().liver);
  const std::array<double, 3> centre = liverPointAwayFromLesions();
  const LabelImage& liver = *phantom().liver;
  const LabelImage& lesions = *phantom().lesions;
  // Five 5 mm lesion dabs 3 mm apart along x (value 0: the stroke's one new lesion id).
  std::vector<std::array<double, 3>> dabs;
  for (int k = 0; k < 5; ++k)
    dabs.push_back({ centre[0] - 6.0 + 3.0 * k, centre[1], centre[2] });
  Brush brush;
  brush.radiusMm = 5.0;
  brush.target = EditTarget::Lesion;
  const std::uint16_t newId = static_cast<std::uint16_t>(phantom().truth.lesions.size() + 1);

  editor.beginStroke();
  EXPECT_TRUE(editor.inStroke());
  EXPECT_FALSE(editor.canUndo());
  std::size_t dabVoxels = 0;
  for (const auto& d : dabs)
  {
    brush.centreLpsMm = d;
    const EditRecord r = editor.paint(brush);
    ASSERT_NE(changeOf(r, "lesion " + std::to_string(newId)), nullptr) << r.operation;
    dabVoxels += r.voxelsChanged;
  }
  // While the stroke is open: the labels are painted, one new lesion, and the log shows the
  // stroke as it stands (one entry, as the labels hold it).
  EXPECT_TRUE(editor.canUndo());
  ASSERT_EQ(editor.log().size(), 1u);
  EXPECT_EQ(editor.operationCount(), 1u);
  EXPECT_EQ(editor.log().front().voxelsChanged, dabVoxels);
  EXPECT_NE(editor.log().front().operation.find("stroke of 5 dabs"), std::string::npos);
  EXPECT_EQ(editor.numbers().lesionCount, start.lesionCount + 1);

  // The union of the five spheres, and the part of it outside the liver (joins it).
  const auto inUnion = [&](std::size_t v)
  {
    LabelImage::PointType p;
    liver.TransformIndexToPhysicalPoint(
      liver.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v)), p);
    for (const auto& d : dabs)
      if (std::pow(p[0] - d[0], 2) + std::pow(p[1] - d[1], 2) + std::pow(p[2] - d[2], 2) <= 25.0)
        return true;
    return false;
  };
  std::size_t unionVoxels = 0, newLiver = 0, tumourBefore = 0;
  for (std::size_t v = 0; v < voxels(liver); ++v)
    if (inUnion(v))
    {
      ++unionVoxels;
      newLiver += liver.GetBufferPointer()[v] == 0;
      tumourBefore += lesions.GetBufferPointer()[v] != 0;
    }
  ASSERT_EQ(tumourBefore, 0u) << "the stroke lies away from the phantom's lesions";
  // The dabs overlap: each changes only the voxels its predecessors left.
  std::size_t separate = 0;
  for (const auto& d : dabs)
    separate += countInSphere(d, 5.0, [](std::size_t) { return true; });
  ASSERT_GT(separate, unionVoxels);
  EXPECT_EQ(dabVoxels, unionVoxels);

  const EditRecord stroke = editor.endStroke();
  EXPECT_FALSE(editor.inStroke());
  EXPECT_EQ(stroke.voxelsChanged, unionVoxels); // each voxel once
  EXPECT_NE(stroke.operation.find("stroke of 5 dabs"), std::string::npos) << stroke.operation;
  const LabelChange* lesion = changeOf(stroke, "lesion " + std::to_string(newId));
  ASSERT_NE(lesion, nullptr);
  EXPECT_EQ(static_cast<std::size_t>(lesion->voxelsAdded), unionVoxels);
  EXPECT_NEAR(lesion->mlAdded, unionVoxels * voxelMl, 1e-9);
  const LabelChange* tumour = changeOf(stroke, "tumour");
  ASSERT_NE(tumour, nullptr);
  EXPECT_EQ(static_cast<std::size_t>(tumour->voxelsAdded), unionVoxels);
  const LabelChange* liverChange = changeOf(stroke, "liver");
  EXPECT_EQ(liverChange ? static_cast<std::size_t>(liverChange->voxelsAdded) : 0u, newLiver);
  ASSERT_EQ(editor.log().size(), 1u);
  EXPECT_EQ(editor.log().front().operation, stroke.operation);
  EXPECT_EQ(editor.log().front().voxelsChanged, unionVoxels);
  const nlohmann::json log = editor.logJson();
  ASSERT_EQ(log.at("operations").size(), 1u);
  EXPECT_EQ(log.at("operations").at(0).at("voxelsChanged").get<std::size_t>(), unionVoxels);
  EXPECT_NEAR(editor.numbers().tumourMl - start.tumourMl, unionVoxels * voxelMl, 1e-9);

  // One undo takes the whole stroke back, byte for byte; one redo paints it all again.
  const LiverLabels painted = editor.labels();
  const std::vector<std::uint16_t> paintedLiver(painted.liver->GetBufferPointer(),
                                                painted.liver->GetBufferPointer() + voxels(liver));
  const std::vector<std::uint16_t> paintedLesions(
    painted.lesions->GetBufferPointer(), painted.lesions->GetBufferPointer() + voxels(liver));
  ASSERT_TRUE(editor.undo());
  EXPECT_TRUE(labelsEqualPhantom(editor));
  EXPECT_FALSE(editor.canUndo());
  EXPECT_DOUBLE_EQ(editor.numbers().tumourMl, start.tumourMl);
  EXPECT_EQ(editor.numbers().lesionCount, start.lesionCount);
  ASSERT_TRUE(editor.redo());
  EXPECT_FALSE(editor.canRedo());
  const LiverLabels again = editor.labels();
  EXPECT_TRUE(
    std::equal(paintedLiver.begin(), paintedLiver.end(), again.liver->GetBufferPointer()));
  EXPECT_TRUE(
    std::equal(paintedLesions.begin(), paintedLesions.end(), again.lesions->GetBufferPointer()));
  EXPECT_TRUE(sameBytes(*again.segments, *phantom().segments));
  EXPECT_EQ(editor.log().size(), 1u);
}

TEST(Review, SavedDuringAStrokeTheLogHoldsTheStrokeTheLabelsHold)
{
  // Saved while the brush is still down (a key pressed mid-drag): edits.json must describe the
  // labels saved beside it, the open stroke included, and agree with the same stroke closed.
  const std::string dir = liver::test::makeTempDir("review-mid-stroke");
  const std::array<double, 3> centre = liverPointAwayFromLesions();
  Brush brush;
  brush.radiusMm = 5.0;
  brush.target = EditTarget::Lesion;
  const auto paintStroke = [&](LabelEditor& editor)
  {
    editor.beginStroke();
    for (int k = 0; k < 3; ++k)
    {
      brush.centreLpsMm = { centre[0] - 4.0 + 4.0 * k, centre[1], centre[2] };
      editor.paint(brush);
    }
  };
  LabelEditor open(phantom().ct, phantomLabels());
  open.removeLesion(phantom().truth.lesions.at(0).centreLpsMm);
  paintStroke(open);
  ASSERT_TRUE(open.inStroke());
  saveReview(dir + "/open", open, {}, "Dr S", "2026-12-06T10:00:00Z");

  LabelEditor closed(phantom().ct, phantomLabels());
  closed.removeLesion(phantom().truth.lesions.at(0).centreLpsMm);
  paintStroke(closed);
  closed.endStroke();
  saveReview(dir + "/closed", closed, {}, "Dr S", "2026-12-06T10:00:00Z");

  const nlohmann::json a = liver::test::readJson(dir + "/open/edits.json");
  const nlohmann::json b = liver::test::readJson(dir + "/closed/edits.json");
  ASSERT_EQ(a.at("operations").size(), 2u) << a.dump(2);
  EXPECT_EQ(a.at("operations"), b.at("operations"));
  EXPECT_EQ(a.at("netChange"), b.at("netChange"));
  EXPECT_EQ(a.at("review").at("edits"), b.at("review").at("edits"));
  EXPECT_EQ(a.at("review").at("edits").at("operations"), 2);
  EXPECT_EQ(a.at("review").at("edits").at("lesionsAdded"), 1);
  EXPECT_EQ(a.at("files"), b.at("files")); // the same voxels (digests)
  // The per-operation totals add up to the net change of the saved labels.
  double tumourAdded = 0.0, tumourRemoved = 0.0;
  for (const nlohmann::json& op : a.at("operations"))
    for (const nlohmann::json& c : op.at("changes"))
      if (c.at("label") == "tumour")
      {
        tumourAdded += c.at("mlAdded").get<double>();
        tumourRemoved += c.at("mlRemoved").get<double>();
      }
  EXPECT_NEAR(tumourAdded, a.at("review").at("edits").at("tumourAddedMl").get<double>(), 1e-9);
  EXPECT_NEAR(tumourRemoved, a.at("review").at("edits").at("tumourRemovedMl").get<double>(), 1e-9);
}

TEST(LabelEditor, AStrokeThatEndsWhereItStartedOrIsUndoneOpenIsNoExtraStep)
{
  LabelEditor editor(phantom().ct, phantomLabels());
  const std::array<double, 3> centre = liverPointAwayFromLesions();
  Brush brush;
  brush.centreLpsMm = centre;
  brush.radiusMm = 6.0;
  brush.target = EditTarget::Lesion;
  // Painted and erased again in one stroke: no net change, no step, nothing logged.
  editor.beginStroke();
  ASSERT_GT(editor.paint(brush).voxelsChanged, 0u);
  brush.erase = true;
  ASSERT_GT(editor.paint(brush).voxelsChanged, 0u);
  EXPECT_FALSE(editor.canUndo());
  const EditRecord none = editor.endStroke();
  EXPECT_EQ(none.voxelsChanged, 0u);
  EXPECT_TRUE(none.changes.empty());
  EXPECT_TRUE(editor.log().empty());
  EXPECT_TRUE(labelsEqualPhantom(editor));
  EXPECT_EQ(editor.endStroke().voxelsChanged, 0u) << "no stroke open: nothing";

  // Painted 6 mm, then its core erased 3 mm: the step holds the shell, each voxel once.
  brush.erase = false;
  editor.beginStroke();
  editor.paint(brush);
  brush.erase = true;
  brush.radiusMm = 3.0;
  editor.paint(brush);
  const EditRecord shell = editor.endStroke();
  const std::size_t expected = countInSphere(centre, 6.0, [](std::size_t) { return true; }) -
                               countInSphere(centre, 3.0, [](std::size_t) { return true; });
  ASSERT_GT(expected, 0u);
  EXPECT_EQ(shell.voxelsChanged, expected);
  ASSERT_NE(changeOf(shell, "tumour"), nullptr);
  EXPECT_EQ(static_cast<std::size_t>(changeOf(shell, "tumour")->voxelsAdded), expected);
  EXPECT_EQ(changeOf(shell, "tumour")->voxelsRemoved, 0);
  ASSERT_EQ(editor.log().size(), 1u);
  ASSERT_TRUE(editor.undo());
  EXPECT_TRUE(labelsEqualPhantom(editor));
  brush.radiusMm = 6.0;

  // Undo while a stroke is open closes it and takes all of it back.
  brush.erase = false;
  editor.beginStroke();
  editor.paint(brush);
  brush.centreLpsMm[0] += 4.0;
  editor.paint(brush);
  ASSERT_TRUE(editor.undo());
  EXPECT_FALSE(editor.inStroke());
  EXPECT_TRUE(labelsEqualPhantom(editor));
  EXPECT_FALSE(editor.canUndo());
  ASSERT_TRUE(editor.redo());
  ASSERT_EQ(editor.log().size(), 1u);
  EXPECT_NE(editor.log().front().operation.find("stroke of 2 dabs"), std::string::npos)
    << editor.log().front().operation;
}
