/// liver::viewer: off-screen snapshots of the phantom, checked by content (run under xvfb-run).

#include "render_common.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/viewer/report_images.h>
#include <liver/viewer/snapshot.h>

#include <itkImageFileReader.h>
#include <itkImageRegionIteratorWithIndex.h>
#include <itkRGBPixel.h>

#include <vtkDataArray.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkMassProperties.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataAlgorithm.h>
#include <vtkPolyDataNormals.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <vector>

using namespace liver;

namespace
{
using RgbImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;

struct Coverage
{
  std::size_t liverPixels = 0;
  std::size_t lesionPixels = 0;
  double liverCentreX = 0;
  double liverLumaSpread = 0; ///< 90th minus 10th percentile of the liver's luminance, 0..255 ///<
                              ///< mean column of liver-coloured pixels, as a fraction of the width
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
  std::vector<double> luma;
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
        luma.push_back(0.299 * r + 0.587 * g + 0.114 * b);
      }
    }
  c.liverCentreX = c.liverPixels ? sumX / c.liverPixels / width : 0.0;
  std::sort(luma.begin(), luma.end());
  if (!luma.empty())
    c.liverLumaSpread = luma[luma.size() * 9 / 10] - luma[luma.size() / 10];
  return c;
}
} // namespace

namespace
{

/// A ball of `radiusMm` around the grid's centre on a 48x48x30 grid of (1, 1, 2) mm voxels with
/// the given direction matrix.
LabelImage::Pointer ballMask(double radiusMm, const LabelImage::DirectionType& direction)
{
  auto mask = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ 48, 48, 30 });
  mask->SetRegions(region);
  mask->SetSpacing(itk::Vector<double, 3>(std::array<double, 3>{ 1.0, 1.0, 2.0 }.data()));
  mask->SetDirection(direction);
  mask->Allocate(true);
  for (long z = 0; z < 30; ++z)
    for (long y = 0; y < 48; ++y)
      for (long x = 0; x < 48; ++x)
      {
        const double dx = x - 23.5, dy = y - 23.5, dz = 2.0 * (z - 14.5);
        if (dx * dx + dy * dy + dz * dz <= radiusMm * radiusMm)
          mask->SetPixel({ { x, y, z } }, 1);
      }
  return mask;
}

struct SurfaceCheck
{
  double meanAngleDeg = 0;    ///< mean angle between the point normals and the ball's radius
  double outwardFraction = 0; ///< points whose normal points away from the centre
  double volumeMm3 = 0;
};

SurfaceCheck checkBallSurface(vtkPolyData* poly, const LabelImage& mask)
{
  // The ball's centre in LPS.
  LabelImage::PointType centre;
  itk::ContinuousIndex<double, 3> middle;
  middle[0] = 23.5, middle[1] = 23.5, middle[2] = 14.5;
  mask.TransformContinuousIndexToPhysicalPoint(middle, centre);
  vtkDataArray* normals = poly->GetPointData()->GetNormals();
  SurfaceCheck c;
  double angleSum = 0;
  std::size_t outward = 0;
  const vtkIdType n = poly->GetNumberOfPoints();
  for (vtkIdType i = 0; i < n; ++i)
  {
    double p[3], q[3];
    poly->GetPoint(i, p);
    normals->GetTuple(i, q);
    double r[3] = { p[0] - centre[0], p[1] - centre[1], p[2] - centre[2] };
    const double rn = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    const double qn = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
    const double cosine = (r[0] * q[0] + r[1] * q[1] + r[2] * q[2]) / (rn * qn);
    angleSum += std::acos(std::clamp(std::abs(cosine), 0.0, 1.0)) * 180.0 / M_PI;
    outward += cosine > 0;
  }
  c.meanAngleDeg = angleSum / static_cast<double>(n);
  c.outwardFraction = static_cast<double>(outward) / static_cast<double>(n);
  vtkNew<vtkMassProperties> mass;
  mass->SetInputData(poly);
  mass->Update();
  c.volumeMm3 = mass->GetVolume();
  return c;
}

} // namespace

TEST(SmoothSurface, BallHasRadialOutwardNormalsAndKeepsItsVolumeUnderAnyDirectionMatrix)
{
  LabelImage::DirectionType identity, mirrored;
  identity.SetIdentity();
  mirrored.SetIdentity();
  mirrored[0][0] = -1.0; // a mirroring (determinant -1) matrix, as many NIfTI files have
  mirrored[1][1] = -1.0;
  mirrored[2][2] = -1.0;
  const double radiusMm = 16.0;
  const double analyticMm3 = 4.0 / 3.0 * M_PI * radiusMm * radiusMm * radiusMm;
  for (const auto& direction : { identity, mirrored })
  {
    const auto mask = ballMask(radiusMm, direction);
    vtkNew<vtkImageData> image;
    vtkNew<vtkMatrix4x4> toLps;
    ASSERT_TRUE(liver::detail::maskToVtk(*mask, {}, image, toLps));
    const auto smooth = liver::detail::smoothSurfaceInLps(image, toLps);
    smooth->Update();
    const SurfaceCheck s = checkBallSurface(smooth->GetOutput(), *mask);
    // The voxel staircase without smoothing (normals from the triangles, as the old unlit
    // pipeline had): its normals lean ~20 degrees off the radius.
    vtkNew<vtkFlyingEdges3D> raw;
    raw->SetInputData(image);
    raw->SetValue(0, 0.5);
    vtkNew<vtkTransform> transform;
    transform->SetMatrix(toLps);
    vtkNew<vtkTransformPolyDataFilter> rawLps;
    rawLps->SetInputConnection(raw->GetOutputPort());
    rawLps->SetTransform(transform);
    vtkNew<vtkPolyDataNormals> rawNormals;
    rawNormals->SetInputConnection(rawLps->GetOutputPort());
    rawNormals->SplittingOff();
    rawNormals->Update();
    const SurfaceCheck r = checkBallSurface(rawNormals->GetOutput(), *mask);
    std::printf("ball r=%.0f mm (det %+.0f): smoothed mean normal angle %.1f deg, outward %.4f, "
                "volume %.0f mm3 (analytic %.0f); staircase %.1f deg\n",
                radiusMm,
                toLps->Determinant() > 0 ? 1.0 : -1.0,
                s.meanAngleDeg,
                s.outwardFraction,
                s.volumeMm3,
                analyticMm3,
                r.meanAngleDeg);
    EXPECT_LT(s.meanAngleDeg, 6.0);
    EXPECT_GT(r.meanAngleDeg, 12.0);
    EXPECT_GT(s.outwardFraction, 0.999);
    // Flying edges at 0.5 on a voxelised ball, smoothed: within 4 % of the analytic volume.
    EXPECT_NEAR(s.volumeMm3, analyticMm3, 0.04 * analyticMm3);
  }
}

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
  // Lit surfaces: the liver's brightness varies (an unlit one is one colour over black).
  EXPECT_GT(posterior.liverLumaSpread, 10.0);
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

/// Pixels of a plan snapshot, classified by hue (the surfaces are lit: their brightness varies,
/// their hue stays): the remnant green, the translucent resected part (40 % over black) clearly
/// blue, lesions drawn over everything yellow (resected) or red (left), ablation zones orange.
/// The orientation marker is grey and white ("other").
struct PlanCoverage
{
  std::size_t remnant = 0, resected = 0, lesionResected = 0, lesionLeft = 0, vessel = 0, other = 0;
  double vesselMeanX = 0; ///< mean column of vessel pixels, fraction of the width
  double remnantMeanX = 0, resectedMeanX = 0; ///< mean columns as fractions of the width
  double remnantLeftEdgeX = 0;  ///< 2nd percentile column of remnant pixels, fraction of the width
  double remnantLumaSpread = 0; ///< 90th minus 10th percentile of the remnant's luminance, 0..255
  std::size_t markerCorner = 0; ///< grey or white pixels in the lower right 18 % square
  std::size_t neutralElsewhere = 0; ///< grey or white pixels outside it
};

enum class Hue
{
  Background,
  Green,
  Blue,
  Yellow,
  Red,
  Orange,
  Cyan,
  Other
};

Hue hueOf(int r, int g, int b)
{
  if (r + g + b < 30)
    return Hue::Background;
  if (g > r + 40 && g > b + 30)
    return Hue::Green;
  if (b > 60 && b > g + 30 && b > r + 30)
    return Hue::Blue;
  if (r > 100 && b < 0.5 * r)
  {
    if (g > 0.78 * r)
      return Hue::Yellow;
    if (g < 0.4 * r && b < 0.4 * r)
      return Hue::Red;
    if (g > 0.45 * r && g < 0.72 * r)
      return Hue::Orange;
  }
  if (g > 60 && b > 60 && r < 0.5 * std::min(g, b) && std::abs(g - b) < 0.25 * std::max(g, b))
    return Hue::Cyan;
  return Hue::Other;
}

PlanCoverage planCoverage(const std::string& png)
{
  const auto image = readPng(png);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  PlanCoverage c;
  std::vector<unsigned> remnantColumns;
  std::vector<double> remnantLuma;
  double resectedSum = 0, vesselSum = 0;
  for (unsigned y = 0; y < size[1]; ++y)
    for (unsigned x = 0; x < size[0]; ++x)
    {
      const auto p = image->GetPixel({ { x, y } });
      const int r = p[0], g = p[1], b = p[2];
      const bool neutral = std::max({ r, g, b }) - std::min({ r, g, b }) < 20 && r + g + b > 150;
      const double corner = 0.18 * size[1];
      if (neutral)
        (x >= size[0] - corner && y >= size[1] - corner ? c.markerCorner : c.neutralElsewhere)++;
      switch (hueOf(r, g, b))
      {
        case Hue::Green:
          ++c.remnant;
          remnantColumns.push_back(x);
          remnantLuma.push_back(0.299 * r + 0.587 * g + 0.114 * b);
          break;
        case Hue::Yellow:
          ++c.lesionResected;
          break;
        case Hue::Red:
          ++c.lesionLeft;
          break;
        case Hue::Cyan:
          ++c.vessel;
          vesselSum += x;
          break;
        case Hue::Blue:
          ++c.resected;
          resectedSum += x;
          break;
        case Hue::Background:
          break;
        default:
          ++c.other;
      }
    }
  if (!remnantColumns.empty())
  {
    double sum = 0;
    for (unsigned x : remnantColumns)
      sum += x;
    c.remnantMeanX = sum / remnantColumns.size() / size[0];
    std::sort(remnantColumns.begin(), remnantColumns.end());
    c.remnantLeftEdgeX = static_cast<double>(remnantColumns[remnantColumns.size() / 50]) / size[0];
    std::sort(remnantLuma.begin(), remnantLuma.end());
    c.remnantLumaSpread =
      remnantLuma[remnantLuma.size() * 9 / 10] - remnantLuma[remnantLuma.size() / 10];
  }
  c.resectedMeanX = c.resected ? resectedSum / c.resected / size[0] : 0.0;
  c.vesselMeanX = c.vessel ? vesselSum / c.vessel / size[0] : 0.0;
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
    // Lit, not flat: the remnant's brightness varies across its surface (a flat, unlit remnant
    // is one colour: spread 0). Key light and Gouraud shading on a curved liver: tens of levels.
    std::printf(
      "remnant %zu px, luminance spread (p90 - p10) %.1f\n", c.remnant, c.remnantLumaSpread);
    EXPECT_GT(c.remnantLumaSpread, 20.0);
    // The orientation marker (grey cube, white letters) in the lower right corner, nowhere else.
    EXPECT_GT(c.markerCorner, 150u);
    EXPECT_LT(c.neutralElsewhere, frame / 200);
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

/// The phantom's vessels (portal and hepatic veins, IVC) as a mask, and the part of them right
/// (patient right, x < 0) of the midline.
LabelImage::Pointer phantomVessels(const Phantom& phantom)
{
  auto vessels = LabelImage::New();
  vessels->CopyInformation(phantom.organs);
  vessels->SetRegions(phantom.organs->GetLargestPossibleRegion());
  vessels->Allocate(true);
  const std::uint16_t* organ = phantom.organs->GetBufferPointer();
  for (std::size_t i = 0; i < phantom.organs->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    vessels->GetBufferPointer()[i] =
      organ[i] == OrganPortalVein || organ[i] == OrganHepaticVein || organ[i] == OrganIvc;
  return vessels;
}

TEST(PlanSnapshot, VesselsWhenGivenShowInCyanOverTheLiverInThePlanViewAndTheSnapshot)
{
  PhantomOptions options;
  options.spacingMm = { 4.0, 4.0, 4.0 };
  const Phantom phantom = makePhantom(options);
  const auto vessels = phantomVessels(phantom);
  const auto map = planeRemnantMap(phantom, -20.0, 3);
  const auto marks = marksFor(phantom, *map, 3);
  const std::string dir = test::makeTempDir("vessel-snapshot");
  SnapshotOptions snapshot;
  snapshot.widthPx = 320;
  snapshot.heightPx = 240;
  renderPlanSnapshot(*map, phantom.lesions.GetPointer(), marks, snapshot, dir + "/plain.png");
  renderPlanSnapshot(
    *map, phantom.lesions.GetPointer(), marks, snapshot, dir + "/vessels.png", vessels);
  const PlanCoverage plain = planCoverage(dir + "/plain.png");
  const PlanCoverage with = planCoverage(dir + "/vessels.png");
  std::printf("plan view: vessel pixels %zu (without vessels %zu), mean column %.2f\n",
              with.vessel,
              plain.vessel,
              with.vesselMeanX);
  EXPECT_LT(plain.vessel, 20u) << "nothing cyan without vessels";
  EXPECT_GT(with.vessel, 1000u);
  // Drawn over the liver, they hide part of it; the picture stays lit (the remnant's spread).
  EXPECT_LT(with.remnant + with.resected, plain.remnant + plain.resected);
  EXPECT_GT(with.remnantLumaSpread, 20.0);
  // The IVC and the hepatic veins lie near the midline, the portal vein's right branch to the
  // right: from the front, the vessels' mean column is within the middle of the frame.
  EXPECT_GT(with.vesselMeanX, 0.25);
  EXPECT_LT(with.vesselMeanX, 0.75);

  // `renderSnapshot` (view --screenshot): cyan vessels through the translucent liver.
  renderSnapshot(*phantom.liver, nullptr, snapshot, dir + "/liver.png");
  renderSnapshot(*phantom.liver, nullptr, snapshot, dir + "/liver-vessels.png", vessels);
  EXPECT_LT(planCoverage(dir + "/liver.png").vessel, 20u);
  EXPECT_GT(planCoverage(dir + "/liver-vessels.png").vessel, 500u);

  // The same through `liverplan view --screenshot --vessels MASK`.
  writeImage(phantom.ct.GetPointer(), dir + "/ct.nii.gz");
  writeImage(phantom.liver.GetPointer(), dir + "/liver.nii.gz");
  writeImage(vessels.GetPointer(), dir + "/vessels.nii.gz");
  const test::CommandResult shot = test::runLiverplan({ "view",
                                                        dir + "/ct.nii.gz",
                                                        "--liver",
                                                        dir + "/liver.nii.gz",
                                                        "--vessels",
                                                        dir + "/vessels.nii.gz",
                                                        "--size",
                                                        "320x240",
                                                        "--screenshot",
                                                        dir + "/cli.png" });
  ASSERT_EQ(shot.exitCode, 0) << shot.err;
  EXPECT_GT(planCoverage(dir + "/cli.png").vessel, 500u);
}

namespace
{

/// A depth-ordering scene in LPS mm (1.5 mm voxels, identity direction), seen from the front
/// (anterior, -y towards the viewer): balls of label 1..4 given by centre and radius.
struct Ball
{
  std::uint16_t label;
  std::array<double, 3> centreMm;
  double radiusMm;
};

LabelImage::Pointer ballScene(const std::vector<Ball>& balls)
{
  auto scene = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ 84, 64, 44 });
  scene->SetRegions(region);
  scene->SetSpacing(itk::Vector<double, 3>(std::array<double, 3>{ 1.5, 1.5, 1.5 }.data()));
  scene->SetOrigin(itk::Point<double, 3>(std::array<double, 3>{ -62.25, -47.25, -32.25 }.data()));
  scene->Allocate(true);
  itk::ImageRegionIteratorWithIndex<LabelImage> it(scene, region);
  for (; !it.IsAtEnd(); ++it)
  {
    LabelImage::PointType p;
    scene->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    for (const Ball& ball : balls) // later balls win where they overlap (a lesion in a part)
      if (std::hypot(p[0] - ball.centreMm[0], p[1] - ball.centreMm[1], p[2] - ball.centreMm[2]) <=
          ball.radiusMm)
        it.Set(ball.label);
  }
  return scene;
}

struct ScenePart
{
  std::uint16_t label;
  Rgb colour;
  double opacity;
};

/// The parts of `scene` as the off-screen snapshots draw them (smooth lit surfaces, key light,
/// the off-screen window of setUpOffScreenWindow, depth-peeled), added in the order given, seen
/// from the front on a 320x240 window; the mean RGB of the 5x5 pixels around each of `probesLps`.
/// `usedPeeling` says whether VTK drew the translucent parts by depth peeling.
std::vector<std::array<double, 3>> renderProbes(const LabelImage& scene,
                                                const std::vector<ScenePart>& parts,
                                                const std::vector<std::array<double, 3>>& probesLps,
                                                bool& usedPeeling)
{
  const liver::detail::DisplayConnection display = liver::detail::openOffScreenDisplay();
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(0.0, 0.0, 0.0);
  for (const ScenePart& part : parts)
    renderer->AddActor(liver::detail::surfaceActor(
      scene, [&part](std::uint16_t v) { return v == part.label; }, part.colour, part.opacity));
  liver::detail::addKeyLight(renderer);
  vtkNew<vtkRenderWindow> window;
  SnapshotOptions options;
  options.widthPx = 320;
  options.heightPx = 240;
  liver::detail::setUpOffScreenWindow(window, display.get(), options, { renderer });
  liver::detail::placeCamera(renderer->GetActiveCamera(), SnapshotView::Anterior);
  // The same frame whatever parts are drawn: the camera fits the whole scene's box.
  const double box[6] = { -62.0, 62.0, -47.0, 47.0, -32.0, 32.0 };
  renderer->ResetCamera(box);
  window->Render();
  usedPeeling = renderer->GetLastRenderingUsedDepthPeeling() != 0;
  const auto grab = liver::detail::grabRgb(window);
  vtkImageData* rgb = grab->GetOutput();
  std::vector<std::array<double, 3>> means;
  for (const auto& probe : probesLps)
  {
    renderer->SetWorldPoint(probe[0], probe[1], probe[2], 1.0);
    renderer->WorldToDisplay();
    const double* d = renderer->GetDisplayPoint();
    const int cx = static_cast<int>(std::lround(d[0])), cy = static_cast<int>(std::lround(d[1]));
    std::array<double, 3> mean{};
    for (int y = cy - 2; y <= cy + 2; ++y)
      for (int x = cx - 2; x <= cx + 2; ++x)
        for (int c = 0; c < 3; ++c)
          mean[c] += rgb->GetScalarComponentAsDouble(x, y, 0, c) / 25.0;
    means.push_back(mean);
  }
  return means;
}

double largestChannelDifference(const std::array<double, 3>& a, const std::array<double, 3>& b)
{
  return std::max({ std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2]) });
}

std::string rgbText(const std::array<double, 3>& c)
{
  char text[64];
  std::snprintf(text, sizeof text, "(%.0f, %.0f, %.0f)", c[0], c[1], c[2]);
  return text;
}

} // namespace

/// The translucent resected part (blue, 40 %) in front of a translucent ablation zone (orange,
/// 50 %), a lesion inside the resected part and an opaque remnant in front of the ablation zone,
/// drawn as the snapshots draw them: in depth order, whatever order the parts were added in.
/// Without depth peeling VTK blends the translucent surfaces in drawing order, not depth order:
/// here the ablation zone behind comes out over the resected part in front (orange where blue
/// should lead), which this test catches.
TEST(DepthPeeling, TranslucentPartsAreDrawnInDepthOrderWhateverOrderTheyWereAddedIn)
{
  const std::uint16_t remnant = 1, resected = 2, ablation = 3, lesion = 4;
  // Seen from the front (-y): the resected part and the remnant lie in front of (at smaller y
  // than) the ablation zone and overlap it on screen; the lesion sits inside the resected part.
  const auto scene = ballScene({ { ablation, { 0.0, 22.0, 0.0 }, 24.0 },
                                 { resected, { -26.0, -16.0, 0.0 }, 16.0 },
                                 { remnant, { 30.0, -22.0, 0.0 }, 12.0 },
                                 { lesion, { -26.0, -16.0, 0.0 }, 6.0 } });
  const ScenePart remnantPart{ remnant, RemnantColour, 1.0 };
  const ScenePart resectedPart{ resected, ResectedColour, 0.4 };
  const ScenePart ablationPart{ ablation, AblationColour, 0.5 };
  const ScenePart lesionPart{ lesion, LesionResectedColour, 1.0 };
  // Probes (z = 0, the balls' equator): where the resected part covers the ablation zone, where
  // the lesion lies, and where the remnant covers the ablation zone.
  const std::vector<std::array<double, 3>> probes = { { -15.0, -40.0, 0.0 },
                                                      { -26.0, -40.0, 0.0 },
                                                      { 22.0, -40.0, 0.0 } };
  bool peeled = false;
  // Front parts added first, then the other way round.
  const auto frontFirst =
    renderProbes(*scene, { remnantPart, lesionPart, resectedPart, ablationPart }, probes, peeled);
  EXPECT_TRUE(peeled) << "the translucent parts were not depth-peeled";
  const auto backFirst =
    renderProbes(*scene, { ablationPart, lesionPart, resectedPart, remnantPart }, probes, peeled);
  // Each part alone over black.
  const auto resectedAlone = renderProbes(*scene, { resectedPart }, probes, peeled);
  const auto ablationAlone = renderProbes(*scene, { ablationPart }, probes, peeled);
  const auto remnantAlone = renderProbes(*scene, { remnantPart }, probes, peeled);
  std::printf("overlap: front part first %s, back part first %s, resected alone %s, ablation "
              "alone %s\n",
              rgbText(frontFirst[0]).c_str(),
              rgbText(backFirst[0]).c_str(),
              rgbText(resectedAlone[0]).c_str(),
              rgbText(ablationAlone[0]).c_str());

  // The same picture whatever order the parts were added in (a few levels of rounding: peeled
  // layers are blended in 8-bit steps).
  for (std::size_t p = 0; p < probes.size(); ++p)
    EXPECT_LT(largestChannelDifference(frontFirst[p], backFirst[p]), 6.0)
      << "probe " << p << ": " << rgbText(frontFirst[p]) << " vs " << rgbText(backFirst[p]);
  // Where the resected part covers the ablation zone: the resected part (both of its walls,
  // 40 % each, transmitting 0.6^2 = 36 %) over the ablation zone as seen alone.
  std::array<double, 3> composited{};
  for (int c = 0; c < 3; ++c)
    composited[c] = resectedAlone[0][c] + 0.36 * ablationAlone[0][c];
  EXPECT_LT(largestChannelDifference(frontFirst[0], composited), 12.0)
    << rgbText(frontFirst[0]) << " vs " << rgbText(composited);
  // ... so blue leads there; drawn in the wrong order the ablation's orange would.
  EXPECT_GT(frontFirst[0][2], frontFirst[0][0]);
  // The lesion shows through the resected part's front wall: its yellow (red and green) added
  // to the wall's blue, where the resected part alone is blue.
  std::printf("lesion: %s, resected alone there %s\n",
              rgbText(frontFirst[1]).c_str(),
              rgbText(resectedAlone[1]).c_str());
  EXPECT_GT(resectedAlone[1][2], resectedAlone[1][0] + 30.0) << rgbText(resectedAlone[1]);
  EXPECT_GT(frontFirst[1][0], resectedAlone[1][0] + 40.0) << rgbText(frontFirst[1]);
  EXPECT_GT(frontFirst[1][1], resectedAlone[1][1] + 30.0) << rgbText(frontFirst[1]);
  // The opaque remnant in front of the ablation zone is not tinted by it.
  EXPECT_LT(largestChannelDifference(frontFirst[2], remnantAlone[2]), 3.0)
    << rgbText(frontFirst[2]) << " vs " << rgbText(remnantAlone[2]);
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

TEST(OffScreenDisplay, ConnectingIsTriedAgainWithAGrowingWaitThenGivenUp)
{
  // An X server that refuses three times (Xvfb under load) is reached on the fourth try after
  // 100, 200 and 400 ms; one that never answers is given up after five tries and 1.5 s.
  int calls = 0;
  std::vector<long> waits;
  const auto sleep = [&](std::chrono::milliseconds wait) { waits.push_back(long(wait.count())); };
  int server = 0; // its address stands for a connection (never used as one)
  Display* const connection = reinterpret_cast<Display*>(&server);
  const auto refusesThrice = [&]() -> Display* { return ++calls <= 3 ? nullptr : connection; };
  EXPECT_EQ(liver::detail::openWithRetry(refusesThrice, {}, sleep), connection);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(waits, (std::vector<long>{ 100, 200, 400 }));

  calls = 0;
  waits.clear();
  const auto never = [&]() -> Display* { return ++calls, nullptr; };
  EXPECT_EQ(liver::detail::openWithRetry(never, {}, sleep), nullptr);
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(waits, (std::vector<long>{ 100, 200, 400, 800 }));

  calls = 0;
  waits.clear();
  EXPECT_EQ(liver::detail::openWithRetry(refusesThrice, { 2, std::chrono::milliseconds(30) }, sleep),
            nullptr);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(waits, (std::vector<long>{ 30 }));

  // Without DISPLAY there is nothing to wait for: null at once.
  const char* display = std::getenv("DISPLAY");
  const bool hadDisplay = display != nullptr;
  const std::string saved = hadDisplay ? display : "";
  unsetenv("DISPLAY");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(liver::detail::openDisplay(), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  if (hadDisplay)
    setenv("DISPLAY", saved.c_str(), 1);
  // Under xvfb-run the real server answers at the first try.
  if (!saved.empty())
  {
    EXPECT_NE(liver::detail::openDisplay(), nullptr);
  }
}
