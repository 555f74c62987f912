/// Contrast phase measured from the CT: synthetic axial sections with a known aorta, portal vein
/// and liver HU in every phase, the project's phantom, and the real cases (IRCAD venous, the
/// TotalSegmentator example non-contrast), with the experts' vessel labels as the reference HU.

#include "test_support.h"

#include <liver/imaging/io.h>
#include <liver/segmentation/contrast_phase.h>

#include <cmath>
#include <random>
#include <vector>

using namespace liver;

namespace
{

/// HU of a synthetic abdomen: body ellipse of fat and soft tissue, a vertebral body (cortex 700,
/// cancellous 250, canal 15), the aorta anterior-left of it, the IVC to its right, and a liver
/// with a portal vein running along z. Noise SD 10 HU, seeded.
struct SyntheticPhase
{
  double aortaHu, portalHu, liverHu, ivcHu;
};

struct Synthetic
{
  CtImage::Pointer ct;
  LabelImage::Pointer liver;
};

Synthetic makeAbdomen(const SyntheticPhase& phase)
{
  constexpr long Nx = 220, Ny = 180, Nz = 16;
  Synthetic s;
  s.ct = CtImage::New();
  s.liver = LabelImage::New();
  CtImage::RegionType region;
  region.SetSize({ { Nx, Ny, Nz } });
  CtImage::SpacingType spacing;
  spacing[0] = 1.5;
  spacing[1] = 1.5;
  spacing[2] = 3.0;
  CtImage::PointType origin;
  origin[0] = -0.5 * (Nx - 1) * spacing[0];
  origin[1] = -0.5 * (Ny - 1) * spacing[1];
  origin[2] = 0.0;
  for (auto* image :
       { static_cast<itk::ImageBase<3>*>(s.ct), static_cast<itk::ImageBase<3>*>(s.liver) })
  {
    image->SetRegions(region);
    image->SetSpacing(spacing);
    image->SetOrigin(origin);
  }
  s.ct->Allocate();
  s.liver->Allocate(true);
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0.0, 10.0);
  auto inEllipse = [](double x, double y, double cx, double cy, double ax, double ay)
  { return (x - cx) * (x - cx) / (ax * ax) + (y - cy) * (y - cy) / (ay * ay) <= 1.0; };
  for (long z = 0; z < Nz; ++z)
    for (long y = 0; y < Ny; ++y)
      for (long x = 0; x < Nx; ++x)
      {
        const double px = origin[0] + x * spacing[0], py = origin[1] + y * spacing[1];
        double hu = -1000.0;
        bool liver = false;
        if (inEllipse(px, py, 0, 0, 155, 125))
          hu = -100.0;
        if (inEllipse(px, py, 0, 0, 140, 110))
          hu = 40.0;
        if (inEllipse(px, py, 0, 55, 22, 18))
          hu = inEllipse(px, py, 0, 55, 19.5, 15.5) ? 250.0 : 700.0;
        if (inEllipse(px, py, 0, 85, 9, 9))
          hu = 15.0;
        else if (inEllipse(px, py, 0, 85, 15, 15))
          hu = 700.0;
        if (inEllipse(px, py, 15, 23, 11, 11))
          hu = phase.aortaHu;
        if (inEllipse(px, py, -24, 15, 11, 11))
          hu = phase.ivcHu;
        if (inEllipse(px, py, -80, -15, 55, 60))
        {
          liver = true;
          hu = inEllipse(px, py, -60, 0, 7, 7) ? phase.portalHu : phase.liverHu;
        }
        s.ct->SetPixel({ { x, y, z } }, static_cast<std::int16_t>(std::lround(hu + noise(random))));
        s.liver->SetPixel({ { x, y, z } }, liver ? 1 : 0);
      }
  return s;
}

} // namespace

TEST(ContrastPhaseRule, EachPhaseFromGivenValues)
{
  EXPECT_EQ(classifyContrastPhase(45.0, 40.0, 55.0).phase, ContrastPhase::NonContrast);
  EXPECT_EQ(classifyContrastPhase(320.0, 130.0, 75.0).phase, ContrastPhase::Arterial);
  EXPECT_EQ(classifyContrastPhase(170.0, 180.0, 110.0).phase, ContrastPhase::PortalVenous);
  EXPECT_EQ(classifyContrastPhase(115.0, 110.0, 90.0).phase, ContrastPhase::Delayed);
  EXPECT_EQ(classifyContrastPhase(std::nullopt, 180.0, 110.0).phase, ContrastPhase::Unknown);
  EXPECT_EQ(classifyContrastPhase(std::nullopt, 180.0, 110.0).confidence, 0.0);
  // The aorta alone.
  EXPECT_EQ(classifyContrastPhase(300.0, std::nullopt, std::nullopt).phase,
            ContrastPhase::Arterial);
  EXPECT_EQ(classifyContrastPhase(180.0, std::nullopt, std::nullopt).phase,
            ContrastPhase::PortalVenous);
  EXPECT_EQ(classifyContrastPhase(120.0, std::nullopt, std::nullopt).phase, ContrastPhase::Delayed);
  // Confidence grows with the margin to the deciding threshold, within (0.5, 1].
  const double near = classifyContrastPhase(85.0, std::nullopt, std::nullopt).confidence;
  const double far = classifyContrastPhase(40.0, std::nullopt, std::nullopt).confidence;
  EXPECT_GT(far, near);
  EXPECT_DOUBLE_EQ(far, 1.0);
  EXPECT_GT(near, 0.5);
  EXPECT_EQ(toString(ContrastPhase::PortalVenous), "portal-venous");
  EXPECT_EQ(toString(ContrastPhase::NonContrast), "non-contrast");
}

TEST(ContrastPhase, SyntheticAbdomenInEveryPhase)
{
  struct Case
  {
    SyntheticPhase hu;
    ContrastPhase expected;
  };
  const std::vector<Case> cases = {
    { { 45, 40, 55, 42 }, ContrastPhase::NonContrast },
    { { 320, 130, 75, 60 }, ContrastPhase::Arterial },
    { { 170, 180, 110, 160 }, ContrastPhase::PortalVenous },
    { { 115, 110, 90, 110 }, ContrastPhase::Delayed },
  };
  for (const Case& c : cases)
  {
    const Synthetic s = makeAbdomen(c.hu);
    const ContrastPhaseEstimate withLiver = estimateContrastPhase(*s.ct, *s.liver);
    SCOPED_TRACE(withLiver.how);
    EXPECT_EQ(withLiver.phase, c.expected);
    ASSERT_TRUE(withLiver.aortaHu.has_value());
    EXPECT_NEAR(*withLiver.aortaHu, c.hu.aortaHu, 6.0); // mean of a 5 mm disc, noise SD 10
    EXPECT_NEAR(withLiver.aortaLpsMm[0], 15.0, 6.0);
    EXPECT_NEAR(withLiver.aortaLpsMm[1], 23.0, 6.0);
    EXPECT_EQ(withLiver.aortaSlices, 16u);
    ASSERT_TRUE(withLiver.liverHu.has_value());
    EXPECT_NEAR(*withLiver.liverHu, c.hu.liverHu, 4.0);
    if (c.expected == ContrastPhase::NonContrast)
      EXPECT_FALSE(withLiver.portalVeinHu.has_value()); // no vessel brighter than the liver
    else if (c.expected != ContrastPhase::Delayed)
    {
      ASSERT_TRUE(withLiver.portalVeinHu.has_value());
      EXPECT_NEAR(*withLiver.portalVeinHu, c.hu.portalHu, 10.0);
    }
    EXPECT_GT(withLiver.confidence, 0.5);
    const ContrastPhaseEstimate aortaOnly = estimateContrastPhase(*s.ct);
    EXPECT_EQ(aortaOnly.phase, c.expected) << aortaOnly.how;
    EXPECT_FALSE(aortaOnly.liverHu.has_value());
  }
}

TEST(ContrastPhase, NoSpineNoAortaIsUnknown)
{
  Synthetic s = makeAbdomen({ 170, 180, 110, 160 });
  // Replace every bone voxel by soft tissue: nothing to anchor the aorta on.
  std::int16_t* hu = s.ct->GetBufferPointer();
  for (std::size_t v = 0; v < s.ct->GetLargestPossibleRegion().GetNumberOfPixels(); ++v)
    if (hu[v] > 200)
      hu[v] = 40;
  const ContrastPhaseEstimate e = estimateContrastPhase(*s.ct);
  EXPECT_EQ(e.phase, ContrastPhase::Unknown) << e.how;
  EXPECT_EQ(e.confidence, 0.0);
  EXPECT_FALSE(e.aortaHu.has_value());
}

TEST(ContrastPhase, RefusesALiverOnAnotherGrid)
{
  const Synthetic s = makeAbdomen({ 170, 180, 110, 160 });
  auto other = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ { 4, 4, 4 } });
  other->SetRegions(region);
  other->Allocate(true);
  EXPECT_THROW(estimateContrastPhase(*s.ct, *other), std::invalid_argument);
}

TEST(ContrastPhase, PhantomIsPortalVenous)
{
  const std::string dir = liver::test::writePhantomFolder("phase-phantom", { "--spacing", "2.5" });
  const CtVolume ct = loadCt(dir + "/ct.nii.gz");
  const LabelImage::Pointer liver = loadLabels(dir + "/liver.nii.gz");
  const ContrastPhaseEstimate e = estimateContrastPhase(*ct.image, *liver);
  SCOPED_TRACE(e.how);
  EXPECT_EQ(e.phase, ContrastPhase::PortalVenous);
  ASSERT_TRUE(e.aortaHu.has_value());
  EXPECT_NEAR(*e.aortaHu, 160.0, 10.0); // the phantom's aorta (data/src/phantom.cpp)
  ASSERT_TRUE(e.liverHu.has_value());
  EXPECT_NEAR(*e.liverHu, 100.0, 10.0);
  EXPECT_EQ(estimateContrastPhase(*ct.image).phase, ContrastPhase::PortalVenous);
}

namespace
{

/// Median HU of the CT under `label` == value.
double medianUnder(const CtImage& ct, const LabelImage& labels, std::uint16_t value)
{
  std::vector<double> v;
  for (std::size_t i = 0; i < ct.GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    if (labels.GetBufferPointer()[i] == value)
      v.push_back(ct.GetBufferPointer()[i]);
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
  return v[v.size() / 2];
}

void expectIrcadVenous(const std::string& patient)
{
  const std::string dicom = liver::test::testDataPath("ircad/" + patient + "/dicom");
  const std::string label = liver::test::testDataPath("ircad/" + patient + "/label.nii.gz");
  const std::string vessels = liver::test::testDataPath("ircad/" + patient + "/vessels.nii.gz");
  if (dicom.empty() || label.empty() || vessels.empty())
    GTEST_SKIP() << "real data not found: ircad/" << patient << " under "
                 << liver::test::testDataDir();
  const CtVolume ct = loadCt(dicom);
  const LabelImage::Pointer liver = loadLabels(label);
  const ContrastPhaseEstimate before = estimateContrastPhase(*ct.image);
  EXPECT_EQ(before.phase, ContrastPhase::PortalVenous) << before.how;
  const ContrastPhaseEstimate e = estimateContrastPhase(*ct.image, *liver);
  SCOPED_TRACE(e.how);
  EXPECT_EQ(e.phase, ContrastPhase::PortalVenous);
  EXPECT_GT(e.confidence, 0.5);
  // The experts' portal vein (vessels label 1) is the reference for the measured one.
  const LabelImage::Pointer expertVessels = loadLabels(vessels);
  const double expertPortal = medianUnder(*ct.image, *expertVessels, 1);
  ASSERT_TRUE(e.portalVeinHu.has_value());
  EXPECT_NEAR(*e.portalVeinHu, expertPortal, 30.0) << "experts' portal vein " << expertPortal;
  std::printf(
    "%s: %s (expert portal vein median %.0f HU)\n", patient.c_str(), e.how.c_str(), expertPortal);
}

} // namespace

TEST(ContrastPhase, IrcadPatient01IsPortalVenous)
{
  expectIrcadVenous("patient01");
}

TEST(ContrastPhase, IrcadPatient07IsPortalVenous)
{
  expectIrcadVenous("patient07");
}

TEST(ContrastPhase, TotalSegmentatorExampleIsNonContrast)
{
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(segPath, "totalsegmentator/example_seg.nii.gz");
  const CtVolume ct = loadCt(ctPath);
  const LabelImage::Pointer seg = loadLabels(segPath);
  const ContrastPhaseEstimate e = estimateContrastPhase(*ct.image);
  SCOPED_TRACE(e.how);
  EXPECT_EQ(e.phase, ContrastPhase::NonContrast);
  ASSERT_TRUE(e.aortaHu.has_value());
  // TotalSegmentator's aorta (label 52) is the reference.
  EXPECT_NEAR(*e.aortaHu, medianUnder(*ct.image, *seg, 52), 20.0);
  std::printf("example: %s (TotalSegmentator aorta median %.0f HU)\n",
              e.how.c_str(),
              medianUnder(*ct.image, *seg, 52));
}

TEST(CliSegment, SegmentationJsonSaysWhichPhaseWasMeasured)
{
  const std::string dir = liver::test::writePhantomFolder("phase-cli", { "--spacing", "3" });
  const std::string out = liver::test::makeTempDir("phase-cli-seg");
  const liver::test::CommandResult r =
    liver::test::runLiverplan({ "segment", dir + "/ct.nii.gz", "--out", out });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json phase = liver::test::readJson(out + "/segmentation.json")["contrastPhase"];
  EXPECT_EQ(phase["phase"], "portal-venous");
  EXPECT_NEAR(phase["aortaHu"].get<double>(), 160.0, 10.0);
  EXPECT_GT(phase["confidence"].get<double>(), 0.5);
  EXPECT_TRUE(liver::test::contains(phase["how"].get<std::string>(), "aorta"));
  EXPECT_TRUE(liver::test::contains(r.err, "contrast phase: portal-venous")) << r.err;
}
