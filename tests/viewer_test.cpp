/// liver::viewer: off-screen snapshots of the phantom, checked by content (run under xvfb-run).

#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/viewer/report_images.h>
#include <liver/viewer/snapshot.h>

#include <itkImageFileReader.h>
#include <itkImageRegionIteratorWithIndex.h>
#include <itkRGBPixel.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

using namespace liver;

namespace
{
using RgbImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;

struct Coverage
{
  std::size_t liverPixels = 0;
  std::size_t lesionPixels = 0;
  double liverCentreX = 0; ///< mean column of liver-coloured pixels, as a fraction of the width
};

/// Lesion pixels are yellow-orange (G above 0.6 R, B low), liver pixels reddish (R clearly above G
/// and B); the translucent liver blends both with black, so hues are judged, not exact values.
Coverage coverage(const std::string& png, unsigned& width, unsigned& height)
{
  auto reader = itk::ImageFileReader<RgbImage>::New();
  reader->SetFileName(png);
  reader->Update();
  const RgbImage* image = reader->GetOutput();
  width = image->GetLargestPossibleRegion().GetSize()[0];
  height = image->GetLargestPossibleRegion().GetSize()[1];
  Coverage c;
  double sumX = 0;
  for (unsigned y = 0; y < height; ++y)
    for (unsigned x = 0; x < width; ++x)
    {
      const auto p = image->GetPixel({ { x, y } });
      const int r = p[0], g = p[1], b = p[2];
      if (r > 90 && g > 0.6 * r && b < 0.6 * g)
        ++c.lesionPixels;
      else if (r > 40 && r > g + 20 && r > b + 20)
      {
        ++c.liverPixels;
        sumX += x;
      }
    }
  c.liverCentreX = c.liverPixels ? sumX / c.liverPixels / width : 0.0;
  return c;
}
} // namespace

TEST(Snapshot, AnteriorAndPosteriorViewsShowTheLiverOnOppositeSidesWithItsLesions)
{
  PhantomOptions options;
  options.spacingMm = { 4.0, 4.0, 4.0 };
  const Phantom phantom = makePhantom(options);
  const std::string dir = test::makeTempDir("snapshot");
  SnapshotOptions snapshot;
  snapshot.widthPx = 320;
  snapshot.heightPx = 240;
  renderSnapshot(*phantom.liver, phantom.lesions.GetPointer(), snapshot, dir + "/anterior.png");
  snapshot.view = SnapshotView::Posterior;
  renderSnapshot(*phantom.liver, phantom.lesions.GetPointer(), snapshot, dir + "/posterior.png");
  EXPECT_EQ(test::listDir(dir), (std::vector<std::string>{ "anterior.png", "posterior.png" }));

  unsigned width = 0, height = 0;
  const Coverage anterior = coverage(dir + "/anterior.png", width, height);
  EXPECT_EQ(width, 320u);
  EXPECT_EQ(height, 240u);
  // The liver fills a good part of the frame (the camera is reset to it) and the lesions show
  // through it.
  EXPECT_GT(anterior.liverPixels, width * height / 10);
  EXPECT_GT(anterior.lesionPixels, 200u);
  const Coverage posterior = coverage(dir + "/posterior.png", width, height);
  EXPECT_GT(posterior.liverPixels, width * height / 10);
  // The liver's bulk (the right lobe) is on the patient's right: screen left from the front,
  // screen right from the back.
  EXPECT_LT(anterior.liverCentreX, 0.5);
  EXPECT_GT(posterior.liverCentreX, 0.5);
}

TEST(Snapshot, EmptyLiverAndBadSizesAreRefused)
{
  PhantomOptions options;
  options.spacingMm = { 8.0, 8.0, 8.0 };
  Phantom phantom = makePhantom(options);
  const std::string dir = test::makeTempDir("snapshot-bad");
  SnapshotOptions tiny;
  tiny.widthPx = 4;
  EXPECT_THROW(renderSnapshot(*phantom.liver, nullptr, tiny, dir + "/a.png"),
               std::invalid_argument);
  phantom.liver->FillBuffer(0);
  EXPECT_THROW(renderSnapshot(*phantom.liver, nullptr, {}, dir + "/b.png"), InputError);
  EXPECT_TRUE(test::listDir(dir).empty());
  EXPECT_THROW(parseSnapshotView("lateral"), std::invalid_argument);
}

TEST(ViewCli, WritesTheScreenshotOrFailsCleanlyWithoutADisplay)
{
  const std::string dir = test::makeTempDir("view-cli");
  ASSERT_EQ(test::runLiverplan({ "phantom", "--out", dir + "/p", "--spacing", "6" }).exitCode, 0);
  const std::vector<std::string> args = { "view",        dir + "/p/ct.nii.gz",
                                          "--liver",     dir + "/p/liver.nii.gz",
                                          "--lesions",   dir + "/p/lesions.nii.gz",
                                          "--size",      "200x150",
                                          "--screenshot" };
  std::vector<std::string> ok = args;
  ok.push_back(dir + "/shot.png");
  const test::CommandResult r = test::runLiverplan(ok);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  unsigned width = 0, height = 0;
  EXPECT_GT(coverage(dir + "/shot.png", width, height).liverPixels, 1000u);
  EXPECT_EQ(width, 200u);

  // Without an X display: exit code 3, a one-line reason, no file.
  const std::string display = std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "";
  unsetenv("DISPLAY");
  std::vector<std::string> noDisplay = args;
  noDisplay.push_back(dir + "/none.png");
  const test::CommandResult failed = test::runLiverplan(noDisplay);
  if (!display.empty())
    setenv("DISPLAY", display.c_str(), 1);
  EXPECT_EQ(failed.exitCode, 3) << failed.err;
  EXPECT_TRUE(test::contains(failed.err, "xvfb-run")) << failed.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/none.png"));
  EXPECT_EQ(test::runLiverplan({ "view",
                                 dir + "/p/ct.nii.gz",
                                 "--liver",
                                 dir + "/p/liver.nii.gz",
                                 "--size",
                                 "big",
                                 "--screenshot",
                                 dir + "/x.png" })
              .exitCode,
            2);
}

namespace
{

RgbImage::Pointer readPng(const std::string& png)
{
  auto reader = itk::ImageFileReader<RgbImage>::New();
  reader->SetFileName(png);
  reader->Update();
  return reader->GetOutput();
}

/// A plan cut by the plane x = cutXMm (LPS): the liver with x >= cut is the remnant (1), the rest
/// resected (2), and lesion `ablatedId`'s voxels an ablation zone (3).
LabelImage::Pointer planeRemnantMap(const Phantom& phantom, double cutXMm, unsigned ablatedId)
{
  auto map = LabelImage::New();
  map->CopyInformation(phantom.liver);
  map->SetRegions(phantom.liver->GetLargestPossibleRegion());
  map->Allocate();
  map->FillBuffer(0);
  itk::ImageRegionIteratorWithIndex<LabelImage> it(map, map->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    if (!phantom.liver->GetPixel(it.GetIndex()))
      continue;
    LabelImage::PointType p;
    map->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    it.Set(phantom.lesions->GetPixel(it.GetIndex()) == ablatedId ? 3 : p[0] >= cutXMm ? 1 : 2);
  }
  return map;
}

/// Each lesion's mark under `map`: ablated when it is `ablatedId`, resected when every voxel is
/// in the resected part, left otherwise.
std::map<unsigned, LesionMark> marksFor(const Phantom& phantom,
                                        const LabelImage& map,
                                        unsigned ablatedId)
{
  std::map<unsigned, LesionMark> marks;
  const std::uint16_t* lesion = phantom.lesions->GetBufferPointer();
  const std::uint16_t* region = map.GetBufferPointer();
  const std::size_t n = map.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    if (lesion[i] && lesion[i] != ablatedId)
    {
      auto [it, added] = marks.emplace(lesion[i], LesionMark::Resected);
      if (region[i] != 2)
        it->second = LesionMark::Left;
    }
  marks[ablatedId] = LesionMark::Ablated;
  return marks;
}

/// Pixels of a plan snapshot, classified by the report's flat colours (unlit, on black): the
/// opaque remnant exactly or nearly its colour, the translucent resected part (40 % over black)
/// clearly blue, lesions and ablation zones drawn over everything with a strong red channel.
struct PlanCoverage
{
  std::size_t remnant = 0, resected = 0, lesionResected = 0, lesionLeft = 0, other = 0;
  double remnantMeanX = 0, resectedMeanX = 0; ///< mean columns as fractions of the width
  double remnantLeftEdgeX = 0; ///< 2nd percentile column of remnant pixels, fraction of the width
};

PlanCoverage planCoverage(const std::string& png)
{
  const auto image = readPng(png);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  PlanCoverage c;
  std::vector<unsigned> remnantColumns;
  double resectedSum = 0;
  auto near = [](int value, int target) { return std::abs(value - target) <= 12; };
  for (unsigned y = 0; y < size[1]; ++y)
    for (unsigned x = 0; x < size[0]; ++x)
    {
      const auto p = image->GetPixel({ { x, y } });
      const int r = p[0], g = p[1], b = p[2];
      if (near(r, RemnantColour[0]) && near(g, RemnantColour[1]) && near(b, RemnantColour[2]))
      {
        ++c.remnant;
        remnantColumns.push_back(x);
      }
      else if (near(r, LesionResectedColour[0]) && near(g, LesionResectedColour[1]) &&
               near(b, LesionResectedColour[2]))
        ++c.lesionResected;
      else if (near(r, LesionLeftColour[0]) && near(g, LesionLeftColour[1]) &&
               near(b, LesionLeftColour[2]))
        ++c.lesionLeft;
      else if (b > 80 && b > g + 40 && b > r + 40)
      {
        ++c.resected;
        resectedSum += x;
      }
      else if (r || g || b)
        ++c.other;
    }
  if (!remnantColumns.empty())
  {
    double sum = 0;
    for (unsigned x : remnantColumns)
      sum += x;
    c.remnantMeanX = sum / remnantColumns.size() / size[0];
    std::sort(remnantColumns.begin(), remnantColumns.end());
    c.remnantLeftEdgeX = static_cast<double>(remnantColumns[remnantColumns.size() / 50]) / size[0];
  }
  c.resectedMeanX = c.resected ? resectedSum / c.resected / size[0] : 0.0;
  return c;
}

} // namespace

TEST(PlanSnapshot, RemnantResectedPartAndLesionsShowInTheirColoursOnTheRightSides)
{
  PhantomOptions options;
  options.spacingMm = { 4.0, 4.0, 4.0 };
  const Phantom phantom = makePhantom(options);
  // Lesions 2-5 lie in the phantom's right lobe at x < -30 mm; lesion 1 near the midline.
  const auto map = planeRemnantMap(phantom, -20.0, 3);
  const auto marks = marksFor(phantom, *map, 3);
  ASSERT_EQ(marks.at(1), LesionMark::Left);
  ASSERT_EQ(marks.at(2), LesionMark::Resected);
  const std::string dir = test::makeTempDir("plan-snapshot");
  SnapshotOptions snapshot;
  snapshot.widthPx = 320;
  snapshot.heightPx = 240;
  renderPlanSnapshot(*map, phantom.lesions.GetPointer(), marks, snapshot, dir + "/anterior.png");
  snapshot.view = SnapshotView::Posterior;
  renderPlanSnapshot(*map, phantom.lesions.GetPointer(), marks, snapshot, dir + "/posterior.png");
  EXPECT_EQ(test::listDir(dir), (std::vector<std::string>{ "anterior.png", "posterior.png" }));

  const PlanCoverage anterior = planCoverage(dir + "/anterior.png");
  const PlanCoverage posterior = planCoverage(dir + "/posterior.png");
  const std::size_t frame = 320 * 240;
  for (const PlanCoverage& c : { anterior, posterior })
  {
    EXPECT_GT(c.remnant, frame / 40);
    EXPECT_GT(c.resected, frame / 40);
    // Lesions are drawn over the liver: resected ones yellow, lesion 1 (inside the opaque
    // remnant) red.
    EXPECT_GT(c.lesionResected, 100u);
    EXPECT_GT(c.lesionLeft, 50u);
  }
  // Remnant = patient left (x >= -20): screen right from the front, screen left from the back.
  EXPECT_GT(anterior.remnantMeanX, anterior.resectedMeanX);
  EXPECT_LT(posterior.remnantMeanX, posterior.resectedMeanX);

  // Moving the plane 30 mm to the patient's left moves the cut right on an anterior view and
  // shrinks the remnant.
  const auto moved = planeRemnantMap(phantom, 10.0, 3);
  snapshot.view = SnapshotView::Anterior;
  renderPlanSnapshot(
    *moved, phantom.lesions.GetPointer(), marksFor(phantom, *moved, 3), snapshot, dir + "/m.png");
  const PlanCoverage after = planCoverage(dir + "/m.png");
  EXPECT_LT(after.remnant, anterior.remnant * 9 / 10);
  EXPECT_GT(after.resected, anterior.resected);
  // Parallel projection over the same liver: 30 mm is a visible shift of the cut's column.
  EXPECT_GT(after.remnantLeftEdgeX, anterior.remnantLeftEdgeX + 0.03);
}

TEST(PlanSnapshot, EmptyMapsAndBadSizesAreRefused)
{
  PhantomOptions options;
  options.spacingMm = { 8.0, 8.0, 8.0 };
  const Phantom phantom = makePhantom(options);
  const std::string dir = test::makeTempDir("plan-snapshot-bad");
  auto empty = planeRemnantMap(phantom, -40.0, 3);
  SnapshotOptions tiny;
  tiny.widthPx = 8;
  EXPECT_THROW(renderPlanSnapshot(*empty, nullptr, {}, tiny, dir + "/a.png"),
               std::invalid_argument);
  empty->FillBuffer(0);
  EXPECT_THROW(renderPlanSnapshot(*empty, nullptr, {}, {}, dir + "/b.png"), InputError);
  EXPECT_TRUE(test::listDir(dir).empty());
  EXPECT_EQ(parseLesionMark("ablated"), LesionMark::Ablated);
  EXPECT_THROW(parseLesionMark("gone"), std::invalid_argument);
}

TEST(AxialSlice, DrawsTheCutAndTheLesionOutlineWhereTheyAreWithoutADisplay)
{
  PhantomOptions options;
  options.spacingMm = { 2.0, 2.0, 2.0 };
  const Phantom phantom = makePhantom(options);
  const auto map = planeRemnantMap(phantom, -20.0, 3);
  const PhantomLesion& lesion = phantom.truth.lesions.at(0); // lesion 1, left in the remnant
  ASSERT_EQ(lesion.id, 1);
  SliceOverlays overlays;
  overlays.remnantMap = map.GetPointer();
  overlays.lesions = phantom.lesions.GetPointer();
  overlays.marks = marksFor(phantom, *map, 3);
  const std::string dir = test::makeTempDir("axial");

  // Drawn in memory: works with no X display at all.
  const std::string display = std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "";
  unsetenv("DISPLAY");
  AxialSliceGeometry g;
  EXPECT_NO_THROW(
    g = renderAxialSlice(*phantom.ct, overlays, lesion.centreLpsMm, {}, dir + "/slice.png"));
  if (!display.empty())
    setenv("DISPLAY", display.c_str(), 1);
  ASSERT_EQ(test::listDir(dir), (std::vector<std::string>{ "slice.png" }));
  const auto image = readPng(dir + "/slice.png");
  const auto size = image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], g.widthPx);
  EXPECT_EQ(size[1], g.heightPx);
  EXPECT_EQ(g.widthPx, 400u);
  ASSERT_GT(g.pixelMm, 0.0);

  // The lesion's outline (red: left in the remnant) circles its centre at its radius.
  const double cu = (lesion.centreLpsMm[0] - g.originLpsMm[0]) / g.pixelMm;
  const double cv = (lesion.centreLpsMm[1] - g.originLpsMm[1]) / g.pixelMm;
  const double radiusPx = lesion.radiusMm / g.pixelMm;
  std::size_t onRing = 0, inside = 0;
  std::size_t remnantLeftOfCut = 0, remnantRightOfCut = 0, resectedLeftOfCut = 0,
              resectedRightOfCut = 0;
  const double cutU = (-20.0 - g.originLpsMm[0]) / g.pixelMm;
  for (unsigned v = 0; v < size[1]; ++v)
    for (unsigned u = 0; u < size[0]; ++u)
    {
      const auto p = image->GetPixel({ { u, v } });
      const int r = p[0], gr = p[1], b = p[2];
      const double d = std::hypot(u + 0.5 - cu, v + 0.5 - cv);
      if (r == LesionLeftColour[0] && gr == LesionLeftColour[1] && b == LesionLeftColour[2])
      {
        if (std::abs(d - radiusPx) < 4.0 + 2.0 / g.pixelMm)
          ++onRing;
        if (d < radiusPx - 4.0 - 2.0 / g.pixelMm)
          ++inside;
      }
      // Tints: remnant green, resected blue (30 % over the grey CT).
      if (gr > r + 25 && gr > b + 25)
        (u < cutU ? remnantLeftOfCut : remnantRightOfCut)++;
      if (b > r + 25 && b > gr + 25)
        (u < cutU ? resectedLeftOfCut : resectedRightOfCut)++;
    }
  // A 1-pixel-wide ring around a radius of ~radiusPx: at least half its circumference.
  EXPECT_GT(static_cast<double>(onRing), 3.14 * radiusPx) << "radius " << radiusPx << " px";
  EXPECT_EQ(inside, 0u);
  // Radiological orientation: patient right (the resected side, x < -20) on the image's left.
  EXPECT_GT(remnantRightOfCut, 5000u);
  EXPECT_GT(resectedLeftOfCut, 2000u);
  EXPECT_LT(remnantLeftOfCut, remnantRightOfCut / 50);
  EXPECT_LT(resectedRightOfCut, resectedLeftOfCut / 50);
}

TEST(AxialSlice, RefusesLabelsOffTheGridAndPointsOutsideTheCt)
{
  PhantomOptions options;
  options.spacingMm = { 8.0, 8.0, 8.0 };
  const Phantom phantom = makePhantom(options);
  PhantomOptions other = options;
  other.spacingMm = { 10.0, 10.0, 10.0 };
  const Phantom coarse = makePhantom(other);
  const std::string dir = test::makeTempDir("axial-bad");
  SliceOverlays overlays;
  overlays.liver = coarse.liver.GetPointer();
  EXPECT_THROW(renderAxialSlice(*phantom.ct, overlays, { 0, 0, 0 }, {}, dir + "/a.png"),
               InputError);
  overlays.liver = phantom.liver.GetPointer();
  EXPECT_THROW(renderAxialSlice(*phantom.ct, overlays, { 0, 0, 500 }, {}, dir + "/b.png"),
               InputError);
  AxialSliceOptions narrow;
  narrow.widthPx = 10;
  EXPECT_THROW(renderAxialSlice(*phantom.ct, overlays, { 0, 0, 0 }, narrow, dir + "/c.png"),
               std::invalid_argument);
  EXPECT_TRUE(test::listDir(dir).empty());
  // Without a plan the liver is outlined in its colour.
  const AxialSliceGeometry g =
    renderAxialSlice(*phantom.ct, overlays, { 0, 0, 0 }, {}, dir + "/d.png");
  const auto image = readPng(dir + "/d.png");
  std::size_t outline = 0;
  for (unsigned v = 0; v < g.heightPx; ++v)
    for (unsigned u = 0; u < g.widthPx; ++u)
    {
      const auto p = image->GetPixel({ { u, v } });
      outline +=
        p[0] == SliceLiverColour[0] && p[1] == SliceLiverColour[1] && p[2] == SliceLiverColour[2];
    }
  EXPECT_GT(outline, 200u);
}
