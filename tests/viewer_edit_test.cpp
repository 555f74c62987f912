/// Edit mode of the planner window (liver::editing behind the window's events), run under
/// xvfb-run: a replayed brush stroke on the phantom with live numbers and byte-identical undo, a
/// lesion added by click with its preview and one removed by click, the saved review re-run by
/// `liverplan plan --review` with the window's TLV and FLR, the brush budget on a 512x512x300 CT,
/// and the must-show session on IRCAD patient 1 replayed from recorded events
/// (tests/data/ircad01-edit-session.log; skipped without the real data).

#include "phantom_support.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/editing/label_editor.h>
#include <liver/editing/review.h>
#include <liver/imaging/io.h>
#include <liver/planning/resection.h>
#include <liver/segmentation/label_import.h>
#include <liver/viewer/plan_window.h>
#include <liver/volumetry/label_stats.h>

#include <vtkRenderWindow.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>

using namespace liver;

namespace
{

using Point = std::array<double, 3>;

std::string event(const std::string& name,
                  double x,
                  double y,
                  int keyCode = 0,
                  const std::string& keySym = "0")
{
  std::ostringstream line;
  line << name << " " << std::lround(x) << " " << std::lround(y) << " 0 " << keyCode << " 0 "
       << keySym << "\n";
  return line.str();
}

/// A key as the window gets it (press, char, release), over the 3D view.
std::string key(char c)
{
  const std::string sym(1, c);
  return event("KeyPressEvent", 10, 10, c, sym) + event("CharEvent", 10, 10, c, sym) +
         event("KeyReleaseEvent", 10, 10, c, sym);
}

std::string click(const std::array<double, 2>& at)
{
  return event("MouseMoveEvent", at[0], at[1]) + event("LeftButtonPressEvent", at[0], at[1]) +
         event("LeftButtonReleaseEvent", at[0], at[1]);
}

/// The positions of the left-button presses of an event log, in order.
std::vector<std::array<long, 2>> pressesIn(const std::string& eventLog)
{
  std::vector<std::array<long, 2>> presses;
  std::istringstream lines(eventLog);
  std::string name;
  for (std::string line; std::getline(lines, line);)
  {
    std::istringstream fields(line);
    std::array<long, 2> at{};
    if (fields >> name >> at[0] >> at[1] && name == "LeftButtonPressEvent")
      presses.push_back(at);
  }
  return presses;
}

bool sameBytes(const LabelImage* a, const LabelImage* b)
{
  if (!a || !b)
    return a == b;
  const std::size_t n = a->GetLargestPossibleRegion().GetNumberOfPixels();
  return n == b->GetLargestPossibleRegion().GetNumberOfPixels() &&
         std::equal(a->GetBufferPointer(), a->GetBufferPointer() + n, b->GetBufferPointer());
}

/// A liver voxel centre at least `clearanceMm` from every lesion voxel and the liver's edge
/// (searched on a coarse stride), nearest to `near`.
Point deepLiverPoint(const LiverLabels& labels, double clearanceMm, const Point& near)
{
  const LabelImage& liver = *labels.liver;
  const auto size = liver.GetLargestPossibleRegion().GetSize();
  const auto sp = liver.GetSpacing();
  const int rx = static_cast<int>(std::ceil(clearanceMm / sp[0]));
  const int ry = static_cast<int>(std::ceil(clearanceMm / sp[1]));
  const int rz = static_cast<int>(std::ceil(clearanceMm / sp[2]));
  Point best{};
  double bestDistance = 1e300;
  const int stride = 4;
  for (long z = rz; z + rz < static_cast<long>(size[2]); z += stride)
    for (long y = ry; y + ry < static_cast<long>(size[1]); y += stride)
      for (long x = rx; x + rx < static_cast<long>(size[0]); x += stride)
      {
        auto ok = [&](long i, long j, long k)
        {
          const LabelImage::IndexType index{ { i, j, k } };
          return liver.GetPixel(index) && (!labels.lesions || !labels.lesions->GetPixel(index));
        };
        if (!ok(x, y, z))
          continue;
        bool clear = true;
        for (int dz = -rz; dz <= rz && clear; dz += std::max(1, rz / 2))
          for (int dy = -ry; dy <= ry && clear; dy += std::max(1, ry / 2))
            for (int dx = -rx; dx <= rx && clear; dx += std::max(1, rx / 2))
              clear = ok(x + dx, y + dy, z + dz);
        if (!clear)
          continue;
        LabelImage::PointType p;
        liver.TransformIndexToPhysicalPoint(LabelImage::IndexType{ { x, y, z } }, p);
        const double d = std::hypot(p[0] - near[0], p[1] - near[1], p[2] - near[2]);
        if (d < bestDistance)
        {
          bestDistance = d;
          best = { p[0], p[1], p[2] };
        }
      }
  if (bestDistance > 1e299)
    throw std::runtime_error("no deep liver point");
  return best;
}

/// The number after `label` in `text` (e.g. "TLV " -> 1234.56), NaN when absent.
double numberAfter(const std::string& text, const std::string& label)
{
  const auto at = text.find(label);
  return at == std::string::npos ? std::nan("")
                                 : std::strtod(text.c_str() + at + label.size(), nullptr);
}

/// `liverplan plan --plan` for a cut plane, to the last bit.
std::string planeSpec(const CutPlane& plane)
{
  char spec[200];
  std::snprintf(spec,
                sizeof spec,
                "plane:%.17g,%.17g,%.17g;%.17g,%.17g,%.17g",
                plane.pointLpsMm[0],
                plane.pointLpsMm[1],
                plane.pointLpsMm[2],
                plane.normal[0],
                plane.normal[1],
                plane.normal[2]);
  return spec;
}

PlanWindowOptions windowOptions(const std::string& dir)
{
  PlanWindowOptions o;
  o.offScreen = true;
  o.widthPx = 1000;
  o.heightPx = 700;
  o.reviewFolder = dir + "/reviewed";
  o.reviewer = "test reviewer";
  return o;
}

class EditModeTest : public ::testing::Test
{
protected:
  static void SetUpTestSuite()
  {
    PhantomOptions options;
    options.spacingMm = { 3.0, 3.0, 3.0 };
    s_phantom = std::make_unique<Phantom>(makePhantom(options));
    s_labels = test::labelsOf(*s_phantom);
    s_dir = test::makeTempDir("edit-mode");
  }
  static void TearDownTestSuite() { s_phantom.reset(); }

  static std::unique_ptr<Phantom> s_phantom;
  static LiverLabels s_labels;
  static std::string s_dir;
};

std::unique_ptr<Phantom> EditModeTest::s_phantom;
LiverLabels EditModeTest::s_labels;
std::string EditModeTest::s_dir;

} // namespace

TEST_F(EditModeTest, AReplayedBrushStrokePaintsALesionWithLiveNumbersAndUndoGivesTheBytesBack)
{
  PlanWindow window(*s_phantom->ct, s_labels, {}, {}, windowOptions(s_dir));
  const Point p = deepLiverPoint(s_labels, 12.0, s_phantom->truth.lesions.at(0).centreLpsMm);
  window.setCursor(p);
  window.render();
  const editing::LiveNumbers start = window.liveNumbers();
  const auto a = window.sliceToDisplay(0, p);
  const auto b = window.sliceToDisplay(0, { p[0] + 6.0, p[1], p[2] });
  window.replay("# StreamVersion 1.1\n" + key('m') + key('b') + key('t') +
                event("MouseMoveEvent", a[0], a[1]) + event("LeftButtonPressEvent", a[0], a[1]) +
                event("MouseMoveEvent", (a[0] + b[0]) / 2, (a[1] + b[1]) / 2) +
                event("MouseMoveEvent", b[0], b[1]));
  ASSERT_TRUE(window.editMode());
  // During the stroke: the tumour grows, the liver does not (inside it), and the FLR is counted
  // live: what evaluatePlan gives on the labels as they are mid-stroke.
  const editing::LiveNumbers during = window.liveNumbers();
  EXPECT_GT(during.tumourMl, start.tumourMl + 0.1);
  EXPECT_DOUBLE_EQ(during.totalLiverMl, start.totalLiverMl);
  EXPECT_EQ(during.lesionCount, start.lesionCount + 1) << "one stroke is one new lesion";
  {
    PlanOptions o;
    o.makeRemnantMap = false;
    const PlanResult midStroke = evaluatePlan(window.editor().labels(), window.currentPlan(), o);
    ASSERT_TRUE(during.flrPercent.has_value());
    EXPECT_NEAR(*during.flrPercent, midStroke.flrPercent, 1e-9);
    EXPECT_NE(*during.flrPercent, *start.flrPercent) << "the new lesion moves the FLR";
  }
  EXPECT_TRUE(test::contains(window.editText(), "(live; exact on release)")) << window.editText();
  char tumour[64], flr[64];
  std::snprintf(tumour, sizeof tumour, "tumour %.2f mL", during.tumourMl);
  std::snprintf(flr, sizeof flr, "FLR %.2f %%", *during.flrPercent);
  EXPECT_TRUE(test::contains(window.editText(), tumour)) << window.editText();
  EXPECT_TRUE(test::contains(window.editText(), flr)) << window.editText();
  // A 2D brush: every painted voxel lies in the axial slice through p.
  const LabelImage& lesions = *window.editor().labels().lesions;
  LabelImage::PointType pp;
  for (int k = 0; k < 3; ++k)
    pp[k] = p[k];
  const auto slice = lesions.TransformPhysicalPointToIndex(pp)[2];
  const std::uint16_t newId = static_cast<std::uint16_t>(s_phantom->truth.lesions.size() + 1);
  std::size_t painted = 0, offSlice = 0;
  for (std::size_t v = 0; v < lesions.GetLargestPossibleRegion().GetNumberOfPixels(); ++v)
    if (lesions.GetBufferPointer()[v] == newId)
    {
      ++painted;
      offSlice += lesions.ComputeIndex(static_cast<LabelImage::OffsetValueType>(v))[2] != slice;
    }
  EXPECT_GT(painted, 3u);
  EXPECT_EQ(offSlice, 0u);

  window.replay("# StreamVersion 1.1\n" + event("LeftButtonReleaseEvent", b[0], b[1]));
  // On release: the exact FLR of the current plan on the edited labels, as `plan` computes it.
  PlanOptions o;
  o.makeRemnantMap = false;
  const PlanResult expected = evaluatePlan(window.editor().labels(), window.currentPlan(), o);
  const editing::LiveNumbers after = window.liveNumbers();
  ASSERT_TRUE(after.flrPercent.has_value());
  EXPECT_DOUBLE_EQ(*after.flrPercent, expected.flrPercent);
  EXPECT_FALSE(test::contains(window.editText(), "exact on release"));
  // The stroke (press, two drags, release) is one step in the log, with all its voxels.
  ASSERT_EQ(window.editor().log().size(), 1u);
  EXPECT_EQ(window.editor().log().front().voxelsChanged, painted);
  EXPECT_TRUE(test::contains(window.editor().log().front().operation, "dabs"))
    << window.editor().log().front().operation;

  // One `u` undoes the whole stroke: the labels are the phantom's, byte for byte; `U` redoes it.
  window.replay("# StreamVersion 1.1\n" + key('u'));
  EXPECT_FALSE(window.editor().canUndo());
  const LiverLabels back = window.editor().labels();
  EXPECT_TRUE(sameBytes(back.liver, s_labels.liver));
  EXPECT_TRUE(sameBytes(back.lesions, s_labels.lesions));
  EXPECT_TRUE(sameBytes(back.segments, s_labels.segments));
  EXPECT_DOUBLE_EQ(window.liveNumbers().tumourMl, start.tumourMl);
  EXPECT_DOUBLE_EQ(*window.liveNumbers().flrPercent, *start.flrPercent);
  window.replay("# StreamVersion 1.1\n" + key('U'));
  EXPECT_EQ(window.editor().log().size(), 1u);
  EXPECT_FALSE(window.editor().canRedo());
  EXPECT_DOUBLE_EQ(window.liveNumbers().tumourMl, during.tumourMl);
}

TEST_F(EditModeTest, SavingWithTheButtonStillDownSavesTheStrokeClosed)
{
  const std::string dir = s_dir + "/mid-drag";
  PlanWindow window(*s_phantom->ct, s_labels, {}, {}, windowOptions(dir));
  const Point p = deepLiverPoint(s_labels, 12.0, s_phantom->truth.lesions.at(0).centreLpsMm);
  window.setCursor(p);
  window.render();
  const auto a = window.sliceToDisplay(0, p);
  const auto b = window.sliceToDisplay(0, { p[0] + 6.0, p[1], p[2] });
  // Press, drag, then `l` before the release.
  window.replay("# StreamVersion 1.1\n" + key('m') + key('b') + key('t') +
                event("MouseMoveEvent", a[0], a[1]) + event("LeftButtonPressEvent", a[0], a[1]) +
                event("MouseMoveEvent", b[0], b[1]) + key('l'));
  EXPECT_TRUE(test::contains(window.editText(), "saved")) << window.editText();
  EXPECT_FALSE(window.editor().inStroke()) << "saving closes the stroke";
  ASSERT_EQ(window.editor().log().size(), 1u);
  const nlohmann::json saved = test::readJson(dir + "/reviewed/edits.json");
  ASSERT_EQ(saved.at("operations").size(), 1u) << saved.dump(2);
  EXPECT_TRUE(test::contains(saved.at("operations").at(0).at("operation"), "dabs"));
  EXPECT_EQ(saved.at("operations").at(0).at("voxelsChanged").get<std::size_t>(),
            window.editor().log().front().voxelsChanged);
  EXPECT_EQ(saved.at("review").at("edits").at("lesionsAdded"), 1);
  EXPECT_EQ(saved.at("files").at("lesions").at("digest"),
            editing::labelDigest(window.editor().labels().lesions, *s_phantom->ct));
  // The release that follows changes nothing; the exact FLR is shown (the stroke is closed).
  window.replay("# StreamVersion 1.1\n" + event("LeftButtonReleaseEvent", b[0], b[1]));
  EXPECT_EQ(window.editor().log().size(), 1u);
  EXPECT_FALSE(test::contains(window.editText(), "exact on release")) << window.editText();
}

TEST_F(EditModeTest, ClickAddsAPreviewedLesionAndRemovesAnotherAndPlanReadsTheSavedReview)
{
  // The phantom with lesion 1 "missed" (its voxels plain liver): the add-lesion click grows it
  // back from its centre; lesion 2 removed by a click. Saved, then re-run by `liverplan plan`.
  LiverLabels missed = s_labels;
  missed.lesions = LabelImage::New();
  missed.lesions->CopyInformation(s_labels.lesions);
  missed.lesions->SetRegions(s_labels.lesions->GetLargestPossibleRegion());
  missed.lesions->Allocate();
  const std::size_t n = s_labels.lesions->GetLargestPossibleRegion().GetNumberOfPixels();
  std::size_t lesion1 = 0;
  for (std::size_t v = 0; v < n; ++v)
  {
    const std::uint16_t id = s_labels.lesions->GetBufferPointer()[v];
    lesion1 += id == 1;
    missed.lesions->GetBufferPointer()[v] = id == 1 ? 0 : id;
  }
  const std::string dir = s_dir + "/click";
  std::filesystem::create_directories(dir);
  writeImage(s_phantom->ct.GetPointer(), dir + "/ct.nii.gz");
  writeImage(missed.liver.GetPointer(), dir + "/liver.nii.gz");
  writeImage(missed.lesions.GetPointer(), dir + "/lesions.nii.gz");

  PlanWindowOptions options = windowOptions(dir);
  PlanWindow window(*s_phantom->ct, missed, {}, {}, options);
  const Point seed = s_phantom->truth.lesions.at(0).centreLpsMm;
  const Point other = s_phantom->truth.lesions.at(1).centreLpsMm;
  const double voxelMl = voxelVolumeMl(*s_labels.liver);
  const editing::LiveNumbers start = window.liveNumbers();

  // Coronal click (not editing) brings the axial slice to the seed; then add a lesion there.
  std::string log = "# StreamVersion 1.1\n" + click(window.sliceToDisplay(1, seed)) + key('m') +
                    key('a') + click(window.sliceToDisplay(0, seed));
  window.replay(log);
  EXPECT_TRUE(test::contains(window.editText(), "preview")) << window.editText();
  EXPECT_DOUBLE_EQ(window.liveNumbers().tumourMl, start.tumourMl) << "a preview changes nothing";
  window.replay("# StreamVersion 1.1\n" + key('k'));
  const double grown = window.liveNumbers().tumourMl - start.tumourMl;
  // The phantom's lesion is darker than the parenchyma: the growth finds it, about its size.
  EXPECT_NEAR(grown, lesion1 * voxelMl, 0.35 * lesion1 * voxelMl) << window.editText();
  EXPECT_EQ(window.liveNumbers().lesionCount, start.lesionCount + 1);

  // Remove lesion 2 by a click on it.
  window.replay("# StreamVersion 1.1\n" + key('m') + click(window.sliceToDisplay(1, other)) +
                key('m') + key('d') + click(window.sliceToDisplay(0, other)));
  EXPECT_EQ(window.liveNumbers().lesionCount, start.lesionCount);
  const editing::LiveNumbers shown = window.liveNumbers();
  window.replay("# StreamVersion 1.1\n" + key('l'));
  EXPECT_TRUE(test::contains(window.editText(), "saved")) << window.editText();
  const nlohmann::json review = test::readJson(options.reviewFolder + "/edits.json");
  EXPECT_EQ(review.at("review").at("status"), "edited");
  EXPECT_EQ(review.at("review").at("reviewedBy"), "test reviewer");
  EXPECT_EQ(review.at("review").at("edits").at("lesionsAdded"), 1);
  EXPECT_EQ(review.at("review").at("edits").at("lesionsRemoved"), 1);

  // `liverplan plan` on the saved review: the window's TLV, tumour and FLR; provenance edited.
  const CutPlane plane = *window.plane();
  const std::string spec = planeSpec(plane);
  const test::CommandResult r = test::runLiverplan({ "plan",
                                                     dir + "/ct.nii.gz",
                                                     "--review",
                                                     options.reviewFolder + "/edits.json",
                                                     "--plan",
                                                     spec,
                                                     "--out",
                                                     dir + "/out" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json result = test::readJson(dir + "/out/result.json");
  EXPECT_NEAR(result.at("volumetry").at("totalLiverMl").get<double>(), shown.totalLiverMl, 1e-6);
  EXPECT_NEAR(result.at("volumetry").at("tumourMl").get<double>(), shown.tumourMl, 1e-6);
  EXPECT_NEAR(
    result.at("plans").at(0).at("result").at("flrPercent").get<double>(), *shown.flrPercent, 1e-6);
  EXPECT_EQ(result.at("segmentation").at("review"), "edited");
  EXPECT_EQ(result.at("segmentation").at("reviewedBy"), "test reviewer");

  // `analyze --review`: the report says at its top that a reviewer edited the segmentation.
  const test::CommandResult analyzed = test::runLiverplan({ "analyze",
                                                            dir + "/ct.nii.gz",
                                                            "--review",
                                                            options.reviewFolder + "/edits.json",
                                                            "--out",
                                                            dir + "/analyzed" });
  ASSERT_EQ(analyzed.exitCode, 0) << analyzed.err;
  const nlohmann::json analysis = test::readJson(dir + "/analyzed/result.json");
  EXPECT_EQ(analysis.at("segmentation").at("review"), "edited");
  EXPECT_FALSE(analysis.contains("qualityControl")) << "nothing was segmented automatically";
  std::ifstream in(dir + "/analyzed/report.html");
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto banner = html.find("<section id=\"review\" class=\"review-edited\"");
  ASSERT_NE(banner, std::string::npos);
  EXPECT_LT(banner, html.find("id=\"volumetry\""));
  EXPECT_TRUE(test::contains(html, "Edited by <b>test reviewer"));
  EXPECT_TRUE(test::contains(html, "lesions added 1, removed 1"));
}

TEST_F(EditModeTest, AnAnalysisOpenedWithResultIsEditedSavedAndReplayedThroughPlanReview)
{
  // `view CT --result OUT` on an analysis: lesions 1..K-1 removed by clicks (lesion K alone is
  // left, a gap below it) and liver erased by a brush stroke, saved with `l` through the real
  // binary; `plan --review` gives the numbers the window printed. Then the edited analysis
  // (`analyze --review`) opened the same way and saved unchanged: the lone lesion keeps its id.
  const std::string dir = s_dir + "/result-edit";
  std::filesystem::create_directories(dir);
  writeImage(s_phantom->ct.GetPointer(), dir + "/ct.nii.gz");
  writeImage(s_labels.liver.GetPointer(), dir + "/liver.nii.gz");
  writeImage(s_labels.lesions.GetPointer(), dir + "/lesions.nii.gz");
  writeImage(s_labels.segments.GetPointer(), dir + "/segments.nii.gz");
  const test::CommandResult analyzed = test::runLiverplan({ "analyze",
                                                            dir + "/ct.nii.gz",
                                                            "--liver",
                                                            dir + "/liver.nii.gz",
                                                            "--lesions",
                                                            dir + "/lesions.nii.gz",
                                                            "--segments",
                                                            dir + "/segments.nii.gz",
                                                            "--plan",
                                                            "right-hemihepatectomy",
                                                            "--out",
                                                            dir + "/analysis" });
  ASSERT_EQ(analyzed.exitCode, 0) << analyzed.err;

  // The session's display positions, from a window laid out as `view` will lay it out.
  const std::vector<PhantomLesion>& truth = s_phantom->truth.lesions;
  ASSERT_GE(truth.size(), 3u);
  PlanWindowOptions layout = windowOptions(dir);
  PlanWindow window(
    *s_phantom->ct, s_labels, {}, { parsePlanSpec("right-hemihepatectomy") }, layout);
  std::string session = "# StreamVersion 1.1\n";
  for (std::size_t k = 0; k + 1 < truth.size(); ++k)
  {
    const Point c = truth[k].centreLpsMm;
    session += click(window.sliceToDisplay(1, c)) + key('m') + key('d') +
               click(window.sliceToDisplay(0, c)) + key('m');
  }
  const Point p = deepLiverPoint(s_labels, 12.0, truth.back().centreLpsMm);
  const auto a = window.sliceToDisplay(0, p);
  const auto b = window.sliceToDisplay(0, { p[0], p[1] + 6.0, p[2] });
  session += click(window.sliceToDisplay(1, p)) + key('m') + key('x') +
             event("MouseMoveEvent", a[0], a[1]) + event("LeftButtonPressEvent", a[0], a[1]) +
             event("MouseMoveEvent", b[0], b[1]) + event("LeftButtonReleaseEvent", b[0], b[1]) +
             key('l');
  std::ofstream(dir + "/session.log") << session;
  const auto view = [&](const std::string& analysis, const std::string& log, const std::string& out)
  {
    return test::runLiverplan({ "view",
                                dir + "/ct.nii.gz",
                                "--result",
                                analysis,
                                "--size",
                                "1000x700",
                                "--replay",
                                log,
                                "--reviewer",
                                "result reviewer",
                                "--review-out",
                                out });
  };
  const test::CommandResult edited = view(dir + "/analysis", dir + "/session.log", dir + "/r1");
  ASSERT_EQ(edited.exitCode, 0) << edited.err;
  const auto panel = edited.out.find("EDIT");
  ASSERT_NE(panel, std::string::npos) << edited.out;
  EXPECT_TRUE(test::contains(edited.out, "saved")) << edited.out;
  EXPECT_TRUE(test::contains(edited.out, "(1 lesions)")) << edited.out;
  const double shownTlv = numberAfter(edited.out.substr(panel), "TLV ");
  const double shownFlr = numberAfter(edited.out.substr(panel), "FLR ");
  const nlohmann::json log = test::readJson(dir + "/r1/edits.json");
  EXPECT_EQ(log.at("review").at("status"), "edited");
  EXPECT_EQ(log.at("review").at("reviewedBy"), "result reviewer");
  EXPECT_EQ(log.at("review").at("liver"), "edited");
  EXPECT_EQ(log.at("review").at("lesions"), "edited");
  EXPECT_EQ(log.at("review").at("segments"), "edited") << "the erased liver had segments";
  EXPECT_EQ(log.at("review").at("edits").at("lesionsRemoved"), truth.size() - 1);
  EXPECT_EQ(log.at("operations").size(), truth.size()) << log.dump(2);
  const double erased = log.at("review").at("edits").at("liverRemovedMl").get<double>();
  EXPECT_GT(erased, 0.1);
  const LabelImage::Pointer savedLesions = loadLabels(dir + "/r1/lesions.nii.gz");
  {
    const std::uint16_t* ids = savedLesions->GetBufferPointer();
    const std::size_t n = savedLesions->GetLargestPossibleRegion().GetNumberOfPixels();
    std::set<int> left(ids, ids + n);
    EXPECT_EQ(left, (std::set<int>{ 0, static_cast<int>(truth.size()) }));
  }

  // `liverplan plan --review` with the analysis's plan: the window's TLV and FLR.
  const test::CommandResult planned = test::runLiverplan({ "plan",
                                                           dir + "/ct.nii.gz",
                                                           "--review",
                                                           dir + "/r1/edits.json",
                                                           "--plan",
                                                           "right-hemihepatectomy",
                                                           "--out",
                                                           dir + "/planned" });
  ASSERT_EQ(planned.exitCode, 0) << planned.err;
  const nlohmann::json result = test::readJson(dir + "/planned/result.json");
  const double tlv = result.at("volumetry").at("totalLiverMl").get<double>();
  const double flr = result.at("plans").at(0).at("result").at("flrPercent").get<double>();
  EXPECT_NEAR(tlv, shownTlv, 0.006) << edited.out;
  EXPECT_NEAR(flr, shownFlr, 0.006) << edited.out;
  const double analysisTlv =
    test::readJson(dir + "/analysis/result.json").at("volumetry").at("totalLiverMl").get<double>();
  EXPECT_NEAR(tlv, analysisTlv - erased, 1e-6);
  EXPECT_EQ(result.at("segmentation").at("review"), "edited");

  // The edited analysis, opened with --result and saved without a change: reviewed, the same
  // bytes (lesion K stays K).
  const test::CommandResult reanalyzed = test::runLiverplan({ "analyze",
                                                              dir + "/ct.nii.gz",
                                                              "--review",
                                                              dir + "/r1/edits.json",
                                                              "--plan",
                                                              "right-hemihepatectomy",
                                                              "--out",
                                                              dir + "/analysis2" });
  ASSERT_EQ(reanalyzed.exitCode, 0) << reanalyzed.err;
  std::ofstream(dir + "/save.log") << "# StreamVersion 1.1\n" + key('m') + key('l');
  const test::CommandResult again = view(dir + "/analysis2", dir + "/save.log", dir + "/r2");
  ASSERT_EQ(again.exitCode, 0) << again.err;
  const nlohmann::json log2 = test::readJson(dir + "/r2/edits.json");
  EXPECT_EQ(log2.at("review").at("status"), "reviewed") << log2.dump(2);
  // The origins the window started from are the analysis's (edited), not "imported" files.
  EXPECT_EQ(log2.at("review").at("liver"), "edited") << log2.dump(2);
  EXPECT_EQ(log2.at("review").at("lesions"), "edited");
  EXPECT_TRUE(sameBytes(loadLabels(dir + "/r2/lesions.nii.gz"), savedLesions));
  EXPECT_TRUE(
    sameBytes(loadLabels(dir + "/r2/liver.nii.gz"), loadLabels(dir + "/r1/liver.nii.gz")));
}

TEST_F(EditModeTest, TheThresholdBrushChangesOnlyVoxelsInTheBrushHuRange)
{
  // `liverplan view --brush-hu LO,HI`: with `h` on, a lesion stroke over parenchyma paints it when
  // the range holds the parenchyma's HU (the default -50..250) and nothing when it does not.
  const std::string dir = test::makeTempDir("brush-hu");
  writeImage(s_phantom->ct.GetPointer(), dir + "/ct.nii.gz");
  writeImage(s_labels.liver.GetPointer(), dir + "/liver.nii.gz");
  writeImage(s_labels.lesions.GetPointer(), dir + "/lesions.nii.gz");
  PlanWindow window(*s_phantom->ct, s_labels, {}, {}, windowOptions(dir));
  const Point p = deepLiverPoint(s_labels, 12.0, s_phantom->truth.lesions.at(0).centreLpsMm);
  const auto a = window.sliceToDisplay(0, p);
  const auto b = window.sliceToDisplay(0, { p[0] + 6.0, p[1], p[2] });
  std::ofstream(dir + "/stroke.log")
    << "# StreamVersion 1.1\n" + click(window.sliceToDisplay(1, p)) + key('m') + key('b') +
         key('t') + key('h') + event("MouseMoveEvent", a[0], a[1]) +
         event("LeftButtonPressEvent", a[0], a[1]) + event("MouseMoveEvent", b[0], b[1]) +
         event("LeftButtonReleaseEvent", b[0], b[1]);
  const auto view = [&](const std::vector<std::string>& extra)
  {
    std::vector<std::string> args = { "view",      dir + "/ct.nii.gz",
                                      "--liver",   dir + "/liver.nii.gz",
                                      "--lesions", dir + "/lesions.nii.gz",
                                      "--size",    "1000x700",
                                      "--replay",  dir + "/stroke.log" };
    args.insert(args.end(), extra.begin(), extra.end());
    return test::runLiverplan(args);
  };
  const double startTumour = window.liveNumbers().tumourMl;
  const test::CommandResult inRange = view({});
  ASSERT_EQ(inRange.exitCode, 0) << inRange.err;
  EXPECT_TRUE(test::contains(inRange.out, "-50..250 HU")) << inRange.out;
  // The edit panel's tumour (printed after the plan's results text).
  const auto panelTumour = [](const std::string& out)
  { return numberAfter(out.substr(std::min(out.find("EDIT"), out.size())), "tumour "); };
  EXPECT_GT(panelTumour(inRange.out), startTumour + 0.1) << inRange.out;
  const test::CommandResult outOfRange = view({ "--brush-hu", "500,600" });
  ASSERT_EQ(outOfRange.exitCode, 0) << outOfRange.err;
  EXPECT_TRUE(test::contains(outOfRange.out, "500..600 HU")) << outOfRange.out;
  EXPECT_NEAR(panelTumour(outOfRange.out), startTumour, 0.006) << outOfRange.out;
  // A range that is not LO,HI with LO < HI: exit 2 naming the option, before any window.
  for (const std::string bad : { "250,-50", "-50", "a,b", "-50,250,1" })
  {
    const test::CommandResult refused = view({ "--brush-hu", bad });
    EXPECT_EQ(refused.exitCode, 2) << bad;
    EXPECT_TRUE(test::contains(refused.err, "--brush-hu must be LO,HI")) << refused.err;
  }
}

TEST_F(EditModeTest, IncludeExcludeAndTheSegmentBrushChangeTheLiverAndTheNumbersFollow)
{
  PlanWindow window(*s_phantom->ct, s_labels, {}, {}, windowOptions(s_dir + "/regions"));
  const Point p = deepLiverPoint(s_labels, 12.0, s_phantom->truth.lesions.at(0).centreLpsMm);
  window.setCursor(p);
  window.setEditMode(true);
  const editing::LiveNumbers start = window.liveNumbers();
  // Exclude the region grown from p (parenchyma HU +- 40): the liver shrinks by what the log says.
  window.setEditTool(EditTool::Exclude);
  window.editAt(p, 0);
  ASSERT_EQ(window.editor().log().size(), 1u) << window.editText();
  const auto liverChange = [&]
  {
    const std::vector<editing::EditRecord> log = window.editor().log();
    for (const editing::LabelChange& c : log.back().changes)
      if (c.label == "liver")
        return c;
    return editing::LabelChange{};
  };
  const double removed = liverChange().mlRemoved;
  EXPECT_GT(removed, 1.0);
  EXPECT_NEAR(window.liveNumbers().totalLiverMl, start.totalLiverMl - removed, 1e-6);
  PlanOptions o;
  o.makeRemnantMap = false;
  EXPECT_DOUBLE_EQ(*window.liveNumbers().flrPercent,
                   evaluatePlan(window.editor().labels(), window.currentPlan(), o).flrPercent);
  // Include it back from the same point: the region grows over the voxels outside the liver,
  // the excluded ones first.
  window.setEditTool(EditTool::Include);
  window.editAt(p, 0);
  ASSERT_EQ(window.editor().log().size(), 2u) << window.editText();
  EXPECT_GE(liverChange().mlAdded, removed);
  const double included = window.liveNumbers().totalLiverMl;
  EXPECT_GE(included, start.totalLiverMl);
  // Segment brush: a 3D sphere painting segment 2 inside the liver.
  window.setEditTarget(editing::EditTarget::Segment, 2);
  window.setEditTool(EditTool::Paint);
  window.setBrush(6.0, false, false);
  window.editAt(p, 0);
  window.finishStroke();
  const LabelImage& segments = *window.editor().labels().segments;
  LabelImage::PointType q;
  for (int a = 0; a < 3; ++a)
    q[a] = p[a];
  EXPECT_EQ(segments.GetPixel(segments.TransformPhysicalPointToIndex(q)), 2);
  EXPECT_DOUBLE_EQ(window.liveNumbers().totalLiverMl, included);
  EXPECT_THROW(window.setEditTarget(editing::EditTarget::Segment, 9), std::invalid_argument);
  // Clicks that cannot apply change nothing and say why.
  window.setEditTool(EditTool::RemoveLesion);
  const std::size_t steps = window.editor().log().size();
  window.editAt(p, 0);
  EXPECT_EQ(window.editor().log().size(), steps);
  EXPECT_TRUE(test::contains(window.editText(), "lesion")) << window.editText();
}

TEST(EditModeBudget, ABrushDabOnA512x512x300CtUpdatesSlicesAndNumbersQuickly)
{
  // A 512x512x300 CT (0.75 x 0.75 x 1 mm) with an ellipsoidal liver (100 HU in -100 HU fat);
  // the window at its default size, a 5 mm 2D brush painting liver across the axial slice.
  auto ct = CtImage::New();
  CtImage::SizeType size{ { 512, 512, 300 } };
  ct->SetRegions(CtImage::RegionType(size));
  const double spacing[3] = { 0.75, 0.75, 1.0 };
  ct->SetSpacing(spacing);
  ct->Allocate();
  auto liver = LabelImage::New();
  liver->CopyInformation(ct);
  liver->SetRegions(ct->GetLargestPossibleRegion());
  liver->Allocate();
  const Point centre{ 192.0, 192.0, 150.0 };
  const Point radii{ 90.0, 70.0, 80.0 };
  std::size_t v = 0;
  for (unsigned z = 0; z < size[2]; ++z)
    for (unsigned y = 0; y < size[1]; ++y)
      for (unsigned x = 0; x < size[0]; ++x, ++v)
      {
        const double dx = (x * spacing[0] - centre[0]) / radii[0];
        const double dy = (y * spacing[1] - centre[1]) / radii[1];
        const double dz = (z * spacing[2] - centre[2]) / radii[2];
        const bool inside = dx * dx + dy * dy + dz * dz <= 1.0;
        liver->GetBufferPointer()[v] = inside;
        ct->GetBufferPointer()[v] = static_cast<std::int16_t>(inside ? 100 + (x + y) % 7 : -100);
      }
  LiverLabels labels;
  labels.liver = liver;
  PlanWindowOptions options;
  options.offScreen = true; // the window's default 1400x900
  PlanWindow window(*ct, labels, {}, {}, options);
  window.setCursor(centre);
  window.setEditMode(true);
  window.setEditTool(EditTool::Erase);
  window.setBrush(5.0, true, false);
  window.render();
  // The dab centres, and the axial view's pixels there before the stroke: the liver tinted by
  // the overlay (remnant or resected colour over the grey CT).
  std::vector<Point> dabs;
  for (int k = 0; k < 25; ++k)
    dabs.push_back({ centre[0] - 60.0 + 5.0 * k, centre[1], centre[2] });
  const auto greyness = [](const std::vector<unsigned char>& rgb, int w, std::array<double, 2> d)
  {
    const unsigned char* q =
      &rgb[(static_cast<std::size_t>(std::lround(d[1])) * w + std::lround(d[0])) * 3];
    return std::max({ q[0], q[1], q[2] }) - std::min({ q[0], q[1], q[2] });
  };
  int w = 0, h = 0;
  const std::vector<unsigned char> before = window.captureRgb(w, h);
  // Each dab timed from the call until the frame is finished (glFinish): the edit, the numbers,
  // the painted slice and its drawing.
  std::vector<double> ms;
  for (const Point& p : dabs)
  {
    const auto start = std::chrono::steady_clock::now();
    window.editAt(p, 0);
    window.renderWindow()->WaitForCompletion();
    ms.push_back(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  // The numbers shown during the stroke: the FLR counted live equals the plan evaluated on the
  // labels as they are now.
  const editing::LiveNumbers during = window.liveNumbers();
  PlanOptions exactOptions;
  exactOptions.makeRemnantMap = false;
  const PlanResult midStroke =
    evaluatePlan(window.editor().labels(), window.currentPlan(), exactOptions);
  ASSERT_TRUE(during.flrPercent.has_value());
  EXPECT_NEAR(*during.flrPercent, midStroke.flrPercent, 1e-9);
  EXPECT_NEAR(during.totalLiverMl, midStroke.totalLiverMl, 1e-9);
  // During the stroke the 3D view keeps its last picture (the green remnant), not a blank; the
  // axial view shows the erased liver untinted where it was tinted.
  const std::vector<unsigned char> rgb = window.captureRgb(w, h);
  for (std::size_t k = 2; k + 2 < dabs.size(); ++k)
  {
    // 2.5 mm off the dab's centre, off the cursor's cross and the cut line through the centre.
    const std::array<double, 2> d =
      window.sliceToDisplay(0, { dabs[k][0] + 2.5, dabs[k][1] + 2.5, dabs[k][2] });
    EXPECT_GT(greyness(before, w, d), 20) << "dab " << k << " was not on tinted liver";
    EXPECT_LT(greyness(rgb, w, d), 6) << "dab " << k << ": the axial view still shows liver";
  }
  std::size_t green = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 62 / 100; ++x)
    {
      const unsigned char* q = &rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      green += q[1] > q[0] + 40 && q[1] > q[2] + 20;
    }
  EXPECT_GT(green, 5000u) << "the 3D view went blank during the stroke";
  const double released = window.finishStroke();
  const double erased = window.editor().netChange().at(0).mlRemoved;
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  std::printf("brush dab on 512x512x300 (5 mm 2D, window 1400x900, llvmpipe): median %.1f ms, "
              "max %.1f ms over %zu dabs (edit, the painted slice, TLV/tumour/FLR, render); stroke "
              "release (exact FLR, the other slices, 3D surfaces): %.0f ms\n",
              median,
              sorted.back(),
              sorted.size(),
              released);
  EXPECT_GT(erased, 1.0) << "the stroke erased liver";
  EXPECT_NEAR(window.liveNumbers().totalLiverMl,
              4.0 / 3.0 * M_PI * radii[0] * radii[1] * radii[2] / 1000.0 - erased,
              2.0);
  // Target 100 ms (issue 13). Measured 10-16 ms with the two cores loaded 4x (load 8), 32 ms in
  // a full ctest -j2 beside other builds; recolouring the whole overlay volume per dab (before)
  // took 23-46 ms at load 6-8. Bounded below the target with room for a loaded CI machine.
  EXPECT_LE(median, 75.0);
}

TEST(EditModeReal, IrcadPatient01MissedLesionAddedFalseOneRemovedAndPlanAgreesWithTheWindow)
{
  LIVER_REQUIRE_DATA(dicom, "ircad/patient01/dicom");
  LIVER_REQUIRE_DATA(label, "ircad/patient01/label.nii.gz");
  const std::string dir = test::makeTempDir("edit-ircad01");
  const CtVolume ct = loadCt(dicom);
  LabelImportOptions expertImport;
  expertImport.liverPath = label;
  expertImport.format = LabelFormat::Lits;
  const LiverLabels expert = importLabels(expertImport, *ct.image).labels;

  // The segmentation to correct: the experts' with one metastasis missed (its voxels plain liver)
  // and a false 6 mm lesion in plain parenchyma. The missed one: the lesion of 1..20 mL whose
  // mean HU is furthest below the parenchyma's (a hypodense metastasis, as a reader sees it).
  const std::size_t n = ct.image->GetLargestPossibleRegion().GetNumberOfPixels();
  const std::int16_t* hu = ct.image->GetBufferPointer();
  const std::uint16_t* ids = expert.lesions->GetBufferPointer();
  const std::uint16_t* liv = expert.liver->GetBufferPointer();
  std::map<int, std::pair<double, std::size_t>> stats; // id -> HU sum, voxels
  double parenchymaSum = 0.0;
  std::size_t parenchyma = 0;
  for (std::size_t v = 0; v < n; ++v)
  {
    if (ids[v])
    {
      stats[ids[v]].first += hu[v];
      ++stats[ids[v]].second;
    }
    else if (liv[v])
    {
      parenchymaSum += hu[v];
      ++parenchyma;
    }
  }
  const double voxelMl = voxelVolumeMl(*ct.image);
  const double parenchymaHu = parenchymaSum / static_cast<double>(parenchyma);
  int missedId = 0;
  double bestContrast = 0.0;
  for (const auto& [id, s] : stats)
  {
    const double ml = s.second * voxelMl, contrast = parenchymaHu - s.first / s.second;
    if (ml >= 1.0 && ml <= 20.0 && contrast > bestContrast)
    {
      bestContrast = contrast;
      missedId = id;
    }
  }
  ASSERT_NE(missedId, 0);
  const double missedHu = stats[missedId].first / stats[missedId].second;
  const double missedMl = stats[missedId].second * voxelMl;
  LiverLabels start;
  start.liver = expert.liver;
  start.lesions = LabelImage::New();
  start.lesions->CopyInformation(expert.lesions);
  start.lesions->SetRegions(expert.lesions->GetLargestPossibleRegion());
  start.lesions->Allocate();
  Point missedSeed{};
  {
    // The seed: the missed lesion's voxel nearest its centroid, with HU near the lesion's mean.
    Point c{};
    for (std::size_t v = 0; v < n; ++v)
      if (ids[v] == missedId)
      {
        LabelImage::PointType p;
        expert.lesions->TransformIndexToPhysicalPoint(
          expert.lesions->ComputeIndex(static_cast<LabelImage::OffsetValueType>(v)), p);
        for (int a = 0; a < 3; ++a)
          c[a] += p[a] / stats[missedId].second;
      }
    double best = 1e300;
    for (std::size_t v = 0; v < n; ++v)
      if (ids[v] == missedId && std::abs(hu[v] - missedHu) < 15.0)
      {
        LabelImage::PointType p;
        expert.lesions->TransformIndexToPhysicalPoint(
          expert.lesions->ComputeIndex(static_cast<LabelImage::OffsetValueType>(v)), p);
        const double d = std::hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
        if (d < best)
        {
          best = d;
          missedSeed = { p[0], p[1], p[2] };
        }
      }
  }
  for (std::size_t v = 0; v < n; ++v)
    start.lesions->GetBufferPointer()[v] = ids[v] == missedId ? 0 : ids[v];
  {
    editing::LabelEditor painter(ct.image, start);
    editing::Brush falseLesion;
    falseLesion.centreLpsMm = deepLiverPoint(expert, 20.0, missedSeed);
    falseLesion.radiusMm = 6.0;
    falseLesion.target = editing::EditTarget::Lesion;
    painter.paint(falseLesion);
    start.lesions = painter.labels().lesions;
    writeImage(start.liver.GetPointer(), dir + "/liver.nii.gz");
    writeImage(start.lesions.GetPointer(), dir + "/lesions.nii.gz");
  }
  LabelImportOptions startImport;
  startImport.liverPath = dir + "/liver.nii.gz";
  startImport.lesionsPath = dir + "/lesions.nii.gz";
  const LiverLabels opened = importLabels(startImport, *ct.image).labels;
  std::uint16_t falseId = 0;
  Point falseCentre{};
  {
    // The false lesion as the window sees it (the id map read back): the highest id.
    const std::uint16_t* o = opened.lesions->GetBufferPointer();
    falseId = *std::max_element(o, o + n);
    double best = -1.0;
    for (std::size_t v = 0; v < n; ++v)
      if (o[v] == falseId && best < 0.0)
      {
        best = 1.0;
        LabelImage::PointType p;
        opened.lesions->TransformIndexToPhysicalPoint(
          opened.lesions->ComputeIndex(static_cast<LabelImage::OffsetValueType>(v)), p);
        falseCentre = { p[0], p[1], p[2] };
      }
  }

  // The session: a coronal click brings the axial slice to the missed lesion; edit mode; add
  // lesion, narrowed to the lesion's contrast; click it; accept; to the false lesion; remove it by
  // a click. Replayed from events recorded under Xvfb from `liverplan view --record` on these
  // start labels, driven by xdotool at the positions scripted here
  // (tests/data/record-ircad01-edit-session.sh makes the recording again).
  PlanWindowOptions options = windowOptions(dir);
  PlanWindow window(*ct.image, opened, {}, {}, options);
  // Tolerance: the default 40 HU, narrowed in 10 HU steps when the lesion's contrast is low
  // (the parenchyma must stay outside the range).
  const int narrower =
    std::clamp(static_cast<int>(std::lround((40.0 - bestContrast) / 10.0)), 0, 2);
  std::string scripted =
    "# StreamVersion 1.1\n" + click(window.sliceToDisplay(1, missedSeed)) + key('m') + key('a');
  for (int k = 0; k < narrower; ++k)
    scripted += key('[');
  scripted += click(window.sliceToDisplay(0, missedSeed)) + key('k') + key('m') +
              click(window.sliceToDisplay(1, falseCentre)) + key('m') + key('d') +
              click(window.sliceToDisplay(0, falseCentre));
  if (const char* out = std::getenv("LIVERPLAN_RECORD_EDIT_SESSION"))
  {
    // For the recording script: the start labels and the scripted session.
    std::filesystem::create_directories(out);
    for (const char* name : { "liver.nii.gz", "lesions.nii.gz" })
      std::filesystem::copy_file(dir + "/" + name,
                                 std::string(out) + "/" + name,
                                 std::filesystem::copy_options::overwrite_existing);
    std::ofstream(std::string(out) + "/scripted.log") << scripted;
    GTEST_SKIP() << "wrote the start labels and scripted.log to " << out;
  }
  const std::string recordedPath =
    std::string(LIVERPLAN_SOURCE_DIR) + "/tests/data/ircad01-edit-session.log";
  std::ifstream recordedFile(recordedPath, std::ios::binary);
  ASSERT_TRUE(recordedFile) << recordedPath;
  const std::string session((std::istreambuf_iterator<char>(recordedFile)),
                            std::istreambuf_iterator<char>());
  // The recording clicks where this session aims (a changed window layout needs a new one).
  EXPECT_EQ(pressesIn(session), pressesIn(scripted))
    << recordedPath << " no longer matches the window: record it again";
  const editing::LiveNumbers before = window.liveNumbers();
  window.replay(session);
  std::printf("after the recorded session (%zu events after the header):\n%s\n",
              static_cast<std::size_t>(std::count(session.begin(), session.end(), '\n')) - 1,
              window.editText().c_str());
  const editing::LiveNumbers shown = window.liveNumbers();
  std::size_t grown = 0, overlap = 0;
  {
    const std::uint16_t* now = window.editor().labels().lesions->GetBufferPointer();
    const std::uint16_t* was = opened.lesions->GetBufferPointer();
    for (std::size_t v = 0; v < n; ++v)
      if (now[v] && !was[v])
      {
        ++grown;
        overlap += ids[v] == missedId;
      }
  }
  const double dice = 2.0 * overlap / static_cast<double>(grown + stats[missedId].second);
  std::printf("IRCAD patient 1: missed lesion %d (%.2f mL, %.0f HU vs parenchyma %.0f HU) grown "
              "back as %.2f mL, Dice %.3f with the experts' (tolerance %d HU); false lesion %u "
              "removed; window: TLV %.2f mL, tumour %.2f mL, FLR %.2f %%\n",
              missedId,
              missedMl,
              missedHu,
              parenchymaHu,
              grown * voxelMl,
              dice,
              40 - 10 * narrower,
              falseId,
              shown.totalLiverMl,
              shown.tumourMl,
              *shown.flrPercent);
  EXPECT_EQ(shown.lesionCount, before.lesionCount) << "one lesion added, one removed";
  EXPECT_GT(dice, 0.5) << window.editText();
  EXPECT_DOUBLE_EQ(shown.totalLiverMl, before.totalLiverMl); // lesions are liver already

  // The same events through `liverplan view --replay` (a session file), saved with `l`.
  // `liverplan view --replay LOG` on the files the window opened, saving into OUT.
  const auto replayInView = [&](const std::string& log, const std::string& out)
  {
    std::fflush(stdout);
    return test::runLiverplan({ "view",
                                dicom,
                                "--liver",
                                dir + "/liver.nii.gz",
                                "--lesions",
                                dir + "/lesions.nii.gz",
                                "--size",
                                "1000x700",
                                "--replay",
                                log,
                                "--reviewer",
                                "test reviewer",
                                "--review-out",
                                out });
  };
  std::ofstream(dir + "/session.log") << session + key('l');
  const test::CommandResult viewed = replayInView(dir + "/session.log", dir + "/reviewed");
  ASSERT_EQ(viewed.exitCode, 0) << viewed.err;
  const double viewTlv = numberAfter(viewed.out, "TLV ");
  EXPECT_NEAR(viewTlv, shown.totalLiverMl, 0.006) << viewed.out;
  const auto flrAt = viewed.out.find("FLR ", viewed.out.find("EDIT"));
  ASSERT_NE(flrAt, std::string::npos) << viewed.out;
  const double editFlr = std::strtod(viewed.out.c_str() + flrAt + 4, nullptr);
  EXPECT_NEAR(editFlr, *shown.flrPercent, 0.006) << viewed.out;

  // `liverplan plan` on the saved review with the window's plane: the same TLV and FLR.
  const CutPlane plane = *window.plane();
  const std::string spec = planeSpec(plane);
  const test::CommandResult planned = test::runLiverplan({ "plan",
                                                           dicom,
                                                           "--review",
                                                           dir + "/reviewed/edits.json",
                                                           "--plan",
                                                           spec,
                                                           "--out",
                                                           dir + "/out" });
  ASSERT_EQ(planned.exitCode, 0) << planned.err;
  const nlohmann::json result = test::readJson(dir + "/out/result.json");
  const double planTlv = result.at("volumetry").at("totalLiverMl").get<double>();
  const double planFlr = result.at("plans").at(0).at("result").at("flrPercent").get<double>();
  std::printf("liverplan plan --review: TLV %.3f mL, FLR %.3f %% (window %.3f mL, %.3f %%)\n",
              planTlv,
              planFlr,
              shown.totalLiverMl,
              *shown.flrPercent);
  EXPECT_NEAR(planTlv, shown.totalLiverMl, 1e-6);
  EXPECT_NEAR(planFlr, *shown.flrPercent, 1e-6);
  EXPECT_EQ(result.at("segmentation").at("review"), "edited");

  // Undo back to the start: byte-identical labels, in the window and as `view` saves them.
  ASSERT_TRUE(window.undoEdit());
  ASSERT_TRUE(window.undoEdit());
  EXPECT_FALSE(window.editor().canUndo());
  EXPECT_TRUE(sameBytes(window.editor().labels().liver, opened.liver));
  EXPECT_TRUE(sameBytes(window.editor().labels().lesions, opened.lesions));
  std::ofstream(dir + "/undone.log") << session + key('u') + key('u') + key('l');
  const test::CommandResult undone = replayInView(dir + "/undone.log", dir + "/undone");
  ASSERT_EQ(undone.exitCode, 0) << undone.err;
  EXPECT_TRUE(sameBytes(loadLabels(dir + "/undone/liver.nii.gz"), opened.liver));
  EXPECT_TRUE(sameBytes(loadLabels(dir + "/undone/lesions.nii.gz"), opened.lesions));
  EXPECT_EQ(test::readJson(dir + "/undone/edits.json").at("review").at("status"), "reviewed");
}
