/// liver::viewer PlanWindow: the interactive planner driven without its event loop on the 2 mm
/// phantom (run under xvfb-run): coarse and exact FLR against evaluatePlan, update time, a
/// replayed plane drag, the image where the cut moves, lesion picking, and `w` plan files that
/// `liverplan plan` reads back.

#include "phantom_support.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/planning/resection.h>
#include <liver/viewer/plan_window.h>

#include <itkImageRegionConstIteratorWithIndex.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

using namespace liver;

namespace
{

/// One phantom and one window for every case (making them takes a few seconds).
class PlanWindowTest : public ::testing::Test
{
protected:
  static void SetUpTestSuite()
  {
    PhantomOptions options;
    options.spacingMm = { 2.0, 2.0, 2.0 };
    s_phantom = std::make_unique<Phantom>(makePhantom(options));
    s_labels = test::labelsOf(*s_phantom);
    // Vessels: the phantom's portal and hepatic veins.
    auto vessels = LabelImage::New();
    vessels->CopyInformation(s_phantom->organs);
    vessels->SetRegions(s_phantom->organs->GetLargestPossibleRegion());
    vessels->Allocate();
    const std::size_t voxels = s_phantom->organs->GetLargestPossibleRegion().GetNumberOfPixels();
    for (std::size_t i = 0; i < voxels; ++i)
    {
      const std::uint16_t organ = s_phantom->organs->GetBufferPointer()[i];
      vessels->GetBufferPointer()[i] = organ == OrganPortalVein || organ == OrganHepaticVein;
    }
    s_labels.vessels = vessels;
    s_dir = test::makeTempDir("plan-window");
    PlanWindowOptions windowOptions;
    windowOptions.offScreen = true;
    windowOptions.widthPx = 1000;
    windowOptions.heightPx = 700;
    windowOptions.savePlanPath = s_dir + "/saved/plan.json";
    s_options.heightCm = 175.0;
    s_options.weightKg = 80.0;
    ResectionPlan plane;
    plane.name = "plane";
    plane.planes.push_back({ centre(), { 1.0, 0.0, 0.0 } });
    ResectionPlan anatomical = parsePlanSpec("right-hemihepatectomy");
    anatomical.name = "right hemi";
    s_window = std::make_unique<PlanWindow>(*s_phantom->ct,
                                            s_labels,
                                            s_options,
                                            std::vector<ResectionPlan>{ plane, anatomical },
                                            windowOptions);
  }
  static void TearDownTestSuite()
  {
    s_window.reset();
    s_phantom.reset();
  }
  void SetUp() override
  {
    s_window->showPlan(0);
    s_window->resetCamera();
  }

  /// The centroid of the phantom's liver (LPS mm).
  static std::array<double, 3> centre()
  {
    const LabelImage& liver = *s_phantom->liver;
    std::array<double, 3> sum{};
    std::size_t count = 0;
    itk::ImageRegionConstIteratorWithIndex<LabelImage> it(&liver, liver.GetBufferedRegion());
    for (; !it.IsAtEnd(); ++it)
      if (it.Get())
      {
        LabelImage::PointType p;
        liver.TransformIndexToPhysicalPoint(it.GetIndex(), p);
        for (int a = 0; a < 3; ++a)
          sum[a] += p[a];
        ++count;
      }
    return { sum[0] / count, sum[1] / count, sum[2] / count };
  }

  static PlanResult planned(const CutPlane& plane)
  {
    ResectionPlan plan;
    plan.name = "plane";
    plan.planes.push_back(plane);
    PlanOptions o = s_options;
    o.makeRemnantMap = false;
    return evaluatePlan(s_labels, plan, o);
  }

  static std::string flrText(double percent)
  {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "FLR %.1f %%", percent);
    return buffer;
  }

  static std::unique_ptr<Phantom> s_phantom;
  static LiverLabels s_labels;
  static PlanOptions s_options;
  static std::unique_ptr<PlanWindow> s_window;
  static std::string s_dir;
};

std::unique_ptr<Phantom> PlanWindowTest::s_phantom;
LiverLabels PlanWindowTest::s_labels;
PlanOptions PlanWindowTest::s_options;
std::unique_ptr<PlanWindow> PlanWindowTest::s_window;
std::string PlanWindowTest::s_dir;

std::array<double, 3> add(const std::array<double, 3>& a, const std::array<double, 3>& b, double k)
{
  return { a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2] };
}

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

/// Remnant-green pixels (the remnant is drawn green, translucent and lit: hue, not exact value)
/// in columns [x0, x1) and rows [y0, y1) of an RGB image stored bottom row first.
std::size_t greenPixels(const std::vector<unsigned char>& rgb,
                        int width,
                        int x0,
                        int x1,
                        int y0,
                        int y1)
{
  std::size_t n = 0;
  for (int y = std::max(y0, 0); y < y1; ++y)
    for (int x = std::max(x0, 0); x < std::min(x1, width); ++x)
    {
      const unsigned char* p = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
      n += p[1] > p[0] + 40 && p[1] > p[2] + 20;
    }
  return n;
}

/// 90th minus 10th percentile of the luminance (0..255) of the green (remnant) pixels left of
/// column `x1`: 0 for a flat, unlit surface, tens of levels for a lit, curved one.
double greenLumaSpread(const std::vector<unsigned char>& rgb, int width, int height, int x1)
{
  std::vector<double> luma;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < std::min(x1, width); ++x)
    {
      const unsigned char* p = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
      if (p[1] > p[0] + 40 && p[1] > p[2] + 20)
        luma.push_back(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
    }
  if (luma.size() < 100)
    return 0.0;
  std::sort(luma.begin(), luma.end());
  return luma[luma.size() * 9 / 10] - luma[luma.size() / 10];
}

} // namespace

TEST_F(PlanWindowTest, ExactFlrEqualsThePlannerAndTheCoarseEstimateIsWithinTwoPoints)
{
  ASSERT_TRUE(s_window->plane().has_value());
  const std::array<double, 3> c = centre();
  // Tolerance: the coarse grid (4 mm blocks, each kept or resected as a whole, weighted by its
  // liver voxels) misplaces at most a thin layer along the cut: well under 2 points of FLR.
  for (const CutPlane& plane : { CutPlane{ add(c, { 1, 0, 0 }, -20.0), { 1, 0, 0.3 } },
                                 CutPlane{ add(c, { 0, 0, 1 }, 10.0), { 0.2, -0.3, 1 } },
                                 CutPlane{ add(c, { 1, 0, 0 }, 30.0), { -1, 0.1, 0 } } })
  {
    s_window->setPlane(plane, false);
    const PlanEstimate coarse = s_window->displayedEstimate();
    EXPECT_FALSE(coarse.exact);
    EXPECT_TRUE(test::contains(s_window->displayedText(), "estimate"));
    s_window->updateExact();
    const PlanResult& shown = s_window->exactResult();
    const PlanResult expected = planned(*s_window->plane());
    EXPECT_DOUBLE_EQ(shown.flrPercent, expected.flrPercent);
    EXPECT_DOUBLE_EQ(shown.remnantMl, expected.remnantMl);
    ASSERT_TRUE(shown.sflrPercent && expected.sflrPercent);
    EXPECT_DOUBLE_EQ(*shown.sflrPercent, *expected.sflrPercent);
    EXPECT_TRUE(s_window->displayedEstimate().exact);
    EXPECT_TRUE(test::contains(s_window->displayedText(), flrText(expected.flrPercent)))
      << s_window->displayedText();
    std::printf("FLR coarse %.2f %% exact %.2f %%\n", coarse.flrPercent, expected.flrPercent);
    EXPECT_NEAR(coarse.flrPercent, expected.flrPercent, 2.0);
    ASSERT_TRUE(coarse.sflrPercent.has_value());
    EXPECT_NEAR(*coarse.sflrPercent, *expected.sflrPercent, 2.0);
    EXPECT_NEAR(coarse.remnantMl, expected.remnantMl, 0.02 * expected.totalLiverMl);
    // Lesion fates agree except for lesions the cut passes within a coarse cell of.
    for (const PlanEstimate::Lesion& l : coarse.lesions)
      for (const LesionOutcome& o : expected.lesions)
      {
        if (o.id == l.id && o.marginMm && *o.marginMm > 6.0)
        {
          EXPECT_EQ(l.fate, o.fate) << "lesion " << l.id;
        }
      }
  }
}

TEST_F(PlanWindowTest, CoarseUpdateIsFast)
{
  const std::array<double, 3> c = centre();
  std::vector<double> coarseMs, renderMs, exactMs;
  for (int k = 0; k < 9; ++k)
  {
    s_window->setPlane({ add(c, { 1, 0, 0 }, -20.0 + 5.0 * k), { 1, 0, 0.1 * k } }, false);
    coarseMs.push_back(s_window->updateCoarse());
    const auto start = std::chrono::steady_clock::now();
    s_window->render();
    renderMs.push_back(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (k % 3 == 0)
      exactMs.push_back(s_window->updateExact());
  }
  std::sort(coarseMs.begin(), coarseMs.end());
  std::sort(renderMs.begin(), renderMs.end());
  std::sort(exactMs.begin(), exactMs.end());
  const double median = coarseMs[coarseMs.size() / 2];
  std::printf("coarse update on the 2 mm phantom: median %.2f ms (max %.2f ms); render of the "
              "window (1000x700, llvmpipe): median %.0f ms; exact evaluatePlan: median %.0f ms\n",
              median,
              coarseMs.back(),
              renderMs[renderMs.size() / 2],
              exactMs[exactMs.size() / 2]);
  // Target 200 ms (issue 7); asserted loosely so that a loaded machine does not fail the test.
  EXPECT_LE(median, 1000.0);
}

TEST_F(PlanWindowTest, ReplayedDragMovesThePlaneAndShowsThePlannersFlr)
{
  const std::array<double, 3> c = centre();
  const CutPlane start{ c, { 1, 0, 0 } };
  s_window->setPlane(start);
  s_window->render();
  const std::string before = s_window->displayedText();
  // Press on the plane itself (away from its origin handle and normal arrow), drag along the
  // normal's screen direction, release.
  const auto grab = s_window->worldToDisplay(add(c, { 0, 0, 1 }, 30.0));
  const auto o = s_window->worldToDisplay(c);
  const auto tip = s_window->worldToDisplay(add(c, { 1, 0, 0 }, 25.0));
  const double dx = tip[0] - o[0], dy = tip[1] - o[1];
  std::string log = "# StreamVersion 1.1\n";
  log += event("MouseMoveEvent", grab[0], grab[1]);
  log += event("LeftButtonPressEvent", grab[0], grab[1]);
  for (int k = 1; k <= 5; ++k)
    log += event("MouseMoveEvent", grab[0] + dx * k / 5.0, grab[1] + dy * k / 5.0);
  s_window->replay(log);
  // While the button is down the figures are the coarse estimate of the moving plane.
  EXPECT_FALSE(s_window->displayedEstimate().exact);
  EXPECT_TRUE(test::contains(s_window->displayedText(), "estimate")) << s_window->displayedText();
  EXPECT_NE(s_window->plane()->pointLpsMm, start.pointLpsMm);
  s_window->replay("# StreamVersion 1.1\n" +
                   event("LeftButtonReleaseEvent", grab[0] + dx, grab[1] + dy));

  const CutPlane moved = *s_window->plane();
  const double shift = (moved.pointLpsMm[0] - c[0]) * moved.normal[0] +
                       (moved.pointLpsMm[1] - c[1]) * moved.normal[1] +
                       (moved.pointLpsMm[2] - c[2]) * moved.normal[2];
  EXPECT_GT(std::abs(shift), 5.0) << "the drag did not push the plane";
  const PlanResult expected = planned(moved);
  const std::string after = s_window->displayedText();
  EXPECT_TRUE(s_window->displayedEstimate().exact);
  EXPECT_TRUE(test::contains(after, flrText(expected.flrPercent))) << after;
  EXPECT_FALSE(test::contains(before, flrText(expected.flrPercent))) << before;
}

TEST_F(PlanWindowTest, TheRenderedRemnantFollowsTheCut)
{
  const std::array<double, 3> c = centre();
  s_window->setView(SnapshotView::Anterior);
  // Lesions and vessels (drawn over the liver) hidden: the image shows the cut alone.
  s_window->toggle(PlanStructure::Lesions);
  s_window->toggle(PlanStructure::Vessels);
  ASSERT_FALSE(s_window->visible(PlanStructure::Lesions));
  ASSERT_FALSE(s_window->visible(PlanStructure::Vessels));
  const std::array<double, 3> a = add(c, { 1, 0, 0 }, -20.0), b = add(c, { 1, 0, 0 }, 20.0);
  s_window->setPlane({ a, { 1, 0, 0 } });
  int width = 0, height = 0;
  const std::vector<unsigned char> first = s_window->captureRgb(width, height);
  // LIVERPLAN_TEST_IMAGES=DIR keeps the two images for a look.
  const char* keep = std::getenv("LIVERPLAN_TEST_IMAGES");
  const std::string images = keep ? keep : s_dir;
  s_window->saveScreenshot(images + "/cut-before.png");
  s_window->setPlane({ b, { 1, 0, 0 } });
  const std::vector<unsigned char> second = s_window->captureRgb(width, height);
  s_window->saveScreenshot(images + "/cut-after.png");
  ASSERT_TRUE(std::filesystem::exists(images + "/cut-after.png"));
  ASSERT_EQ(first.size(), second.size());
  // Anterior view: the patient's left (+x) is on screen right.
  const auto da = s_window->worldToDisplay(a), db = s_window->worldToDisplay(b);
  ASSERT_GT(db[0], da[0] + 20.0);
  const int rows0 = static_cast<int>(da[1]) - 30, rows1 = static_cast<int>(da[1]) + 30;
  const int band0 = static_cast<int>(da[0]) + 4, band1 = static_cast<int>(db[0]) - 4;
  const std::size_t bandBefore = greenPixels(first, width, band0, band1, rows0, rows1);
  const std::size_t bandAfter = greenPixels(second, width, band0, band1, rows0, rows1);
  const std::size_t bandArea = static_cast<std::size_t>((band1 - band0) * (rows1 - rows0));
  // Between the two cuts the liver turns from resected (translucent blue) to remnant (green).
  EXPECT_GT(bandAfter, bandArea * 2 / 3) << bandBefore << " -> " << bandAfter;
  EXPECT_LT(bandBefore, bandArea / 20) << bandBefore << " -> " << bandAfter;
  // Right of the old cut, the remnant stays as it was.
  const int left0 = static_cast<int>(da[0]) - 40, left1 = static_cast<int>(da[0]) - 8;
  const std::size_t leftBefore = greenPixels(first, width, left0, left1, rows0, rows1);
  const std::size_t leftAfter = greenPixels(second, width, left0, left1, rows0, rows1);
  EXPECT_GT(leftBefore, static_cast<std::size_t>((left1 - left0) * (rows1 - rows0)) * 2 / 3);
  EXPECT_NEAR(static_cast<double>(leftAfter),
              static_cast<double>(leftBefore),
              0.1 * static_cast<double>(leftBefore));
  // Lit, not flat: the window's remnant (its 3D view, the left 62 %) varies in brightness.
  const double spread = greenLumaSpread(second, width, height, width * 62 / 100);
  std::printf("window remnant luminance spread (p90 - p10): %.1f\n", spread);
  EXPECT_GT(spread, 20.0);
  s_window->toggle(PlanStructure::Lesions);
  s_window->toggle(PlanStructure::Vessels);
}

TEST_F(PlanWindowTest, ClickingALesionShowsItsDetails)
{
  s_window->setView(SnapshotView::Anterior);
  s_window->render();
  ASSERT_FALSE(s_phantom->truth.lesions.empty());
  int found = 0;
  for (const PhantomLesion& l : s_phantom->truth.lesions)
  {
    const auto d = s_window->worldToDisplay(l.centreLpsMm);
    const std::optional<int> picked =
      s_window->lesionAt(static_cast<int>(d[0]), static_cast<int>(d[1]));
    if (!picked)
      continue; // hidden behind another lesion
    ++found;
    s_window->selectLesion(*picked);
    const std::string text = s_window->lesionText();
    EXPECT_TRUE(test::contains(text, "Lesion " + std::to_string(*picked) + ":")) << text;
    EXPECT_TRUE(test::contains(text, "mL, diameter")) << text;
    EXPECT_TRUE(test::contains(text, "segment(s)")) << text;
    EXPECT_TRUE(test::contains(text, "margin")) << text;
  }
  EXPECT_GE(found, 1);
  // Between the lesions there is nothing to pick.
  EXPECT_FALSE(s_window->lesionAt(2, 2).has_value());
}

TEST_F(PlanWindowTest, KeysSwitchPlansAndToggleStructures)
{
  const std::string first = s_window->displayedText();
  s_window->replay("# StreamVersion 1.1\n" + event("KeyPressEvent", 10, 10, 'n', "n") +
                   event("CharEvent", 10, 10, 'n', "n") +
                   event("KeyReleaseEvent", 10, 10, 'n', "n"));
  EXPECT_EQ(s_window->currentPlanIndex(), 1u);
  EXPECT_TRUE(test::contains(s_window->displayedText(), "Plan 2/2: right hemi"))
    << s_window->displayedText();
  EXPECT_FALSE(s_window->plane().has_value());
  const bool lesionsShown = s_window->visible(PlanStructure::Lesions);
  s_window->replay("# StreamVersion 1.1\n" + event("CharEvent", 10, 10, '3', "3"));
  EXPECT_NE(s_window->visible(PlanStructure::Lesions), lesionsShown);
  s_window->toggle(PlanStructure::Lesions);
  EXPECT_EQ(s_window->visible(PlanStructure::Lesions), lesionsShown);
  const bool vesselsShown = s_window->visible(PlanStructure::Vessels);
  s_window->replay("# StreamVersion 1.1\n" + event("CharEvent", 10, 10, '4', "4"));
  EXPECT_NE(s_window->visible(PlanStructure::Vessels), vesselsShown);
  s_window->toggle(PlanStructure::Vessels);
  s_window->replay("# StreamVersion 1.1\n" + event("CharEvent", 10, 10, 'p', "p"));
  EXPECT_EQ(s_window->currentPlanIndex(), 0u);
  EXPECT_EQ(s_window->displayedText(), first);
}

TEST_F(PlanWindowTest, SavedPlaneIsAPlanFileTheCliAcceptsWithTheSameFlr)
{
  const std::array<double, 3> c = centre();
  s_window->setPlane({ add(c, { 1, 0, 0 }, -12.5), { 1, 0.15, -0.2 } });
  const double flr = s_window->exactResult().flrPercent;
  const std::string planPath = s_dir + "/saved/plan.json";
  std::filesystem::remove(planPath);
  s_window->replay("# StreamVersion 1.1\n" + event("CharEvent", 10, 10, 'w', "w"));
  ASSERT_TRUE(std::filesystem::exists(planPath));

  const std::string data = s_dir + "/phantom";
  writePhantom(*s_phantom, data);
  const test::CommandResult r = test::runLiverplan({ "plan",
                                                     data + "/ct.nii.gz",
                                                     "--liver",
                                                     data + "/liver.nii.gz",
                                                     "--lesions",
                                                     data + "/lesions.nii.gz",
                                                     "--plan-file",
                                                     planPath,
                                                     "--out",
                                                     s_dir + "/plans" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json result = test::readJson(s_dir + "/plans/result.json");
  ASSERT_EQ(result["comparison"].size(), 1u);
  EXPECT_NEAR(result["comparison"][0]["flrPercent"].get<double>(), flr, 1e-9);

  // The same plane through the command line: --plane, then --replay of a drag-free log prints
  // the exact text.
  const std::string events = s_dir + "/events.log";
  {
    std::FILE* f = std::fopen(events.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# StreamVersion 1.1\nMouseMoveEvent 5 5 0 0 0 0\n", f);
    std::fclose(f);
  }
  const CutPlane p = *s_window->plane();
  char plane[256];
  std::snprintf(plane,
                sizeof plane,
                "%.17g,%.17g,%.17g;%.17g,%.17g,%.17g",
                p.pointLpsMm[0],
                p.pointLpsMm[1],
                p.pointLpsMm[2],
                p.normal[0],
                p.normal[1],
                p.normal[2]);
  const test::CommandResult view = test::runLiverplan({ "view",
                                                        data + "/ct.nii.gz",
                                                        "--liver",
                                                        data + "/liver.nii.gz",
                                                        "--lesions",
                                                        data + "/lesions.nii.gz",
                                                        "--plane",
                                                        plane,
                                                        "--replay",
                                                        events });
  ASSERT_EQ(view.exitCode, 0) << view.err;
  EXPECT_TRUE(test::contains(view.out, flrText(flr))) << view.out;
  EXPECT_TRUE(test::contains(view.out, "exact")) << view.out;

  // Without a display: one line, exit code 3, no crash.
  const char* display = std::getenv("DISPLAY");
  const std::string saved = display ? display : "";
  unsetenv("DISPLAY");
  const test::CommandResult noDisplay = test::runLiverplan(
    { "view", data + "/ct.nii.gz", "--liver", data + "/liver.nii.gz", "--plane", plane });
  if (!saved.empty())
    setenv("DISPLAY", saved.c_str(), 1);
  EXPECT_EQ(noDisplay.exitCode, 3);
  EXPECT_TRUE(test::contains(noDisplay.err, "no X display")) << noDisplay.err;
  EXPECT_EQ(std::count(noDisplay.err.begin(), noDisplay.err.end(), '\n'), 1) << noDisplay.err;
}

TEST_F(PlanWindowTest, ResultOptionShowsThePlansOfAnAnalysis)
{
  // `view CT --result OUT` takes the plans, labels and body of an `analyze` output: the first
  // plan shown is the analysis's first, with its exact FLR.
  const std::string data = s_dir + "/phantom-result";
  writePhantom(*s_phantom, data);
  const test::CommandResult analysis = test::runLiverplan({ "analyze",
                                                            data + "/ct.nii.gz",
                                                            "--liver",
                                                            data + "/liver.nii.gz",
                                                            "--lesions",
                                                            data + "/lesions.nii.gz",
                                                            "--segments",
                                                            data + "/segments.nii.gz",
                                                            "--plan",
                                                            "right-hemihepatectomy",
                                                            "--plan",
                                                            "left-lateral-sectionectomy",
                                                            "--height",
                                                            "170",
                                                            "--weight",
                                                            "70",
                                                            "--out",
                                                            s_dir + "/analysis" });
  ASSERT_EQ(analysis.exitCode, 0) << analysis.err;
  const nlohmann::json result = test::readJson(s_dir + "/analysis/result.json");
  const std::string events = s_dir + "/result-events.log";
  {
    std::FILE* f = std::fopen(events.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# StreamVersion 1.1\nMouseMoveEvent 5 5 0 0 0 0\n", f);
    std::fclose(f);
  }
  const test::CommandResult view = test::runLiverplan(
    { "view", data + "/ct.nii.gz", "--result", s_dir + "/analysis", "--replay", events });
  ASSERT_EQ(view.exitCode, 0) << view.err;
  EXPECT_TRUE(test::contains(view.out, "right-hemihepatectomy")) << view.out;
  EXPECT_TRUE(
    test::contains(view.out, flrText(result["plans"][0]["result"]["flrPercent"].get<double>())))
    << view.out;
  EXPECT_TRUE(test::contains(view.out, "sFLR")) << "height and weight come from the result";
  const test::CommandResult bad = test::runLiverplan(
    { "view", data + "/ct.nii.gz", "--result", s_dir + "/nowhere", "--replay", events });
  EXPECT_EQ(bad.exitCode, 2) << bad.err;
}

TEST_F(PlanWindowTest, ClicksAndTheWheelInTheSlicesMoveTheLinkedCursor)
{
  // Window 1000x700: the slices fill x >= 620, axial on top, coronal in the middle.
  const std::array<double, 3> before = s_window->cursor();
  s_window->replay("# StreamVersion 1.1\n" + event("LeftButtonPressEvent", 700, 520) +
                   event("LeftButtonReleaseEvent", 700, 520));
  const std::array<double, 3> clicked = s_window->cursor();
  EXPECT_DOUBLE_EQ(clicked[2], before[2]); // the axial click keeps the slice
  EXPECT_GT(std::abs(clicked[0] - before[0]) + std::abs(clicked[1] - before[1]), 5.0);
  // Axial, radiological: screen left is the patient's right (-x); screen top is anterior (-y).
  EXPECT_LT(clicked[0], before[0]);
  EXPECT_GT(clicked[1], before[1]);
  s_window->replay("# StreamVersion 1.1\n" + event("MouseWheelForwardEvent", 800, 350) +
                   event("MouseWheelForwardEvent", 800, 350));
  const std::array<double, 3> scrolled = s_window->cursor();
  EXPECT_DOUBLE_EQ(scrolled[0], clicked[0]);
  EXPECT_DOUBLE_EQ(scrolled[2], clicked[2]);
  EXPECT_NEAR(std::abs(scrolled[1] - clicked[1]), 4.0, 1e-6); // two 2 mm coronal slices
  // The plane did not move: clicks in the slices are not for the widget.
  EXPECT_TRUE(s_window->displayedEstimate().exact);
}

TEST_F(PlanWindowTest, ArrowKeysOverTheWidgetPushThePlaneAndEndExact)
{
  const std::array<double, 3> c = centre();
  s_window->setPlane({ c, { 1, 0, 0 } });
  s_window->render();
  const auto over = s_window->worldToDisplay(add(c, { 0, 0, 1 }, 30.0));
  s_window->replay("# StreamVersion 1.1\n" + event("MouseMoveEvent", over[0], over[1]) +
                   event("KeyPressEvent", over[0], over[1], 0, "Up") +
                   event("KeyReleaseEvent", over[0], over[1], 0, "Up"));
  const CutPlane moved = *s_window->plane();
  EXPECT_GT(std::abs(moved.pointLpsMm[0] - c[0]), 0.1);
  EXPECT_TRUE(s_window->displayedEstimate().exact);
  EXPECT_TRUE(test::contains(s_window->displayedText(), flrText(planned(moved).flrPercent)));
}

TEST(PlanWindow, RefusesLabelsOffTheCtGridAndWindowsWithoutPlansToShow)
{
  PhantomOptions options;
  options.spacingMm = { 8.0, 8.0, 8.0 };
  const Phantom phantom = makePhantom(options);
  LiverLabels labels;
  labels.liver = phantom.liver;
  PhantomOptions finer = options;
  finer.spacingMm = { 6.0, 6.0, 6.0 };
  const Phantom other = makePhantom(finer);
  labels.lesions = other.lesions;
  PlanWindowOptions windowOptions;
  windowOptions.offScreen = true;
  EXPECT_THROW(PlanWindow(*phantom.ct, labels, {}, {}, windowOptions), InputError);
  labels.lesions = nullptr;
  labels.liver = nullptr;
  EXPECT_THROW(PlanWindow(*phantom.ct, labels, {}, {}, windowOptions), std::invalid_argument);
  // Without plans a plane through the liver is added.
  labels.liver = phantom.liver;
  PlanWindow window(*phantom.ct, labels, {}, {}, windowOptions);
  EXPECT_EQ(window.planCount(), 1u);
  ASSERT_TRUE(window.plane().has_value());
  EXPECT_TRUE(test::contains(window.displayedText(), "plane (interactive)"));
}

TEST(PlanWindow, ARecordedDragReplaysToTheSamePlane)
{
  PhantomOptions options;
  options.spacingMm = { 6.0, 6.0, 6.0 };
  const Phantom phantom = makePhantom(options);
  LiverLabels labels;
  labels.liver = phantom.liver;
  labels.lesions = phantom.lesions;
  PlanWindowOptions windowOptions;
  windowOptions.offScreen = true;
  windowOptions.widthPx = 800;
  windowOptions.heightPx = 600;
  const std::string path = test::makeTempDir("record") + "/drag.log";
  CutPlane recorded;
  {
    PlanWindow window(*phantom.ct, labels, {}, {}, windowOptions);
    window.render();
    const CutPlane start = *window.plane();
    window.record(path);
    const auto grab = window.worldToDisplay(add(start.pointLpsMm, { 0, 0, 1 }, 25.0));
    const auto o = window.worldToDisplay(start.pointLpsMm);
    const auto tip = window.worldToDisplay(add(start.pointLpsMm, { 1, 0, 0 }, 20.0));
    std::string log = "# StreamVersion 1.1\n" + event("MouseMoveEvent", grab[0], grab[1]) +
                      event("LeftButtonPressEvent", grab[0], grab[1]);
    for (int k = 1; k <= 4; ++k)
      log += event(
        "MouseMoveEvent", grab[0] + (tip[0] - o[0]) * k / 4.0, grab[1] + (tip[1] - o[1]) * k / 4.0);
    log += event("LeftButtonReleaseEvent", grab[0] + tip[0] - o[0], grab[1] + tip[1] - o[1]);
    window.replay(log);
    recorded = *window.plane();
    EXPECT_GT(std::abs(recorded.pointLpsMm[0] - start.pointLpsMm[0]), 3.0);
  } // closing the window completes the log
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_TRUE(test::contains(text.str(), "LeftButtonPressEvent")) << text.str();
  PlanWindow again(*phantom.ct, labels, {}, {}, windowOptions);
  again.replay(text.str());
  for (int a = 0; a < 3; ++a)
  {
    EXPECT_NEAR(again.plane()->pointLpsMm[a], recorded.pointLpsMm[a], 1e-6);
    EXPECT_NEAR(again.plane()->normal[a], recorded.normal[a], 1e-9);
  }
  EXPECT_TRUE(again.displayedEstimate().exact);
}

TEST(PlanWindow, ARotatedImageGivesTheSameCoarseAndExactFlrAsTheIdentity)
{
  // The coarse estimate works in LPS through the direction matrix, like evaluatePlan: a CT and
  // labels rotated by 30 degrees about z agree within the same 2 points.
  PhantomOptions options;
  options.spacingMm = { 2.5, 2.5, 2.5 };
  const Phantom phantom = makePhantom(options);
  LabelImage::DirectionType rotation;
  const double angle = 30.0 * 3.14159265358979 / 180.0;
  rotation.SetIdentity();
  rotation[0][0] = std::cos(angle);
  rotation[0][1] = -std::sin(angle);
  rotation[1][0] = std::sin(angle);
  rotation[1][1] = std::cos(angle);
  phantom.ct->SetDirection(rotation);
  phantom.liver->SetDirection(rotation);
  phantom.lesions->SetDirection(rotation);
  LiverLabels labels;
  labels.liver = phantom.liver;
  labels.lesions = phantom.lesions;
  PlanWindowOptions windowOptions;
  windowOptions.offScreen = true;
  windowOptions.widthPx = 640;
  windowOptions.heightPx = 480;
  PlanWindow window(*phantom.ct, labels, {}, {}, windowOptions);
  const CutPlane initial = *window.plane(); // through the liver's centre
  for (const std::array<double, 3>& normal :
       { std::array<double, 3>{ 1, 0.2, 0 }, std::array<double, 3>{ -0.3, 1, 0.4 } })
  {
    const CutPlane plane{ add(initial.pointLpsMm, normal, 5.0), normal };
    window.setPlane(plane, false);
    const double coarse = window.displayedEstimate().flrPercent;
    window.updateExact();
    ResectionPlan plan;
    plan.name = "plane";
    plan.planes.push_back(*window.plane());
    const PlanResult expected = evaluatePlan(labels, plan);
    EXPECT_DOUBLE_EQ(window.exactResult().flrPercent, expected.flrPercent);
    EXPECT_NEAR(coarse, expected.flrPercent, 2.0);
    EXPECT_GT(expected.flrPercent, 10.0);
    EXPECT_LT(expected.flrPercent, 90.0);
  }
}
