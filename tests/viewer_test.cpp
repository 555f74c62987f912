/// liver::viewer: off-screen snapshots of the phantom, checked by content (run under xvfb-run).

#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/viewer/snapshot.h>

#include <itkImageFileReader.h>
#include <itkRGBPixel.h>

#include <cstdlib>
#include <filesystem>

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
