/// Quality control of a liver segmentation: the experts' livers pass, deliberately wrong ones
/// (half a liver, a mask cut by the scan range, a leak into fat, a detached piece, a lesion
/// storm) get "review" with the reason that names what is wrong.

#include "test_support.h"

#include <liver/imaging/io.h>
#include <liver/segmentation/quality_control.h>

#include <algorithm>
#include <cstdio>

using namespace liver;

namespace
{

bool hasReason(const QualityControl& qc, const std::string& part)
{
  return std::any_of(qc.reasons.begin(),
                     qc.reasons.end(),
                     [&](const std::string& r) { return r.find(part) != std::string::npos; });
}

std::string describe(const QualityControl& qc)
{
  std::string text = qc.status;
  for (const QualityCheck& c : qc.checks)
    text += "\n  " + c.id + ": " + c.value + (c.passed ? "" : "  -> " + c.reason);
  return text;
}

/// A 1 mm grid of `size` with a CT of `backgroundHu` and an ellipsoid liver of `liverHu`.
struct Synthetic
{
  CtImage::Pointer ct;
  LabelImage::Pointer liver;
};

Synthetic makeLiver(std::array<long, 3> size, std::array<double, 3> semiAxesMm)
{
  Synthetic s;
  s.ct = CtImage::New();
  s.liver = LabelImage::New();
  CtImage::RegionType region;
  region.SetSize({ { std::size_t(size[0]), std::size_t(size[1]), std::size_t(size[2]) } });
  CtImage::SpacingType spacing;
  spacing.Fill(2.0);
  s.ct->SetRegions(region);
  s.ct->SetSpacing(spacing);
  s.ct->Allocate();
  s.ct->FillBuffer(40);
  s.liver->SetRegions(region);
  s.liver->SetSpacing(spacing);
  s.liver->Allocate(true);
  for (long z = 0; z < size[2]; ++z)
    for (long y = 0; y < size[1]; ++y)
      for (long x = 0; x < size[0]; ++x)
      {
        const double dx = (x - size[0] / 2.0 + 0.5) * 2.0 / semiAxesMm[0];
        const double dy = (y - size[1] / 2.0 + 0.5) * 2.0 / semiAxesMm[1];
        const double dz = (z - size[2] / 2.0 + 0.5) * 2.0 / semiAxesMm[2];
        if (dx * dx + dy * dy + dz * dz <= 1.0)
        {
          s.liver->SetPixel({ { x, y, z } }, 1);
          s.ct->SetPixel({ { x, y, z } }, static_cast<std::int16_t>(110 + (x + y + z) % 7 - 3));
        }
      }
  return s;
}

/// The synthetic liver: an ellipsoid of 100 x 80 x 70 mm semi-axes, 2.35 L, 110 HU.
Synthetic plausibleLiver()
{
  return makeLiver({ 120, 100, 90 }, { 100.0, 80.0, 70.0 });
}

QualityControlOptions venous()
{
  QualityControlOptions o;
  o.phase = ContrastPhase::PortalVenous;
  return o;
}

} // namespace

TEST(QualityControl, PlausibleEllipsoidLiverIsOk)
{
  const Synthetic s = plausibleLiver();
  const QualityControl qc = checkSegmentationQuality(*s.ct, *s.liver, nullptr, venous());
  EXPECT_EQ(qc.status, "ok") << describe(qc);
  EXPECT_TRUE(qc.reasons.empty());
  EXPECT_EQ(qc.checks.size(), 6u);
  EXPECT_NEAR(qc.liverVolumeMl, 4.0 / 3.0 * 3.14159265 * 100 * 80 * 70 / 1000.0, 30.0);
  EXPECT_NEAR(qc.meanHu, 110.0, 1.0);
  EXPECT_EQ(qc.components, 1u);
  // Voxel faces of a sphere-like body overestimate its area by about 1.5 (the mean |cos|).
  EXPECT_GT(qc.surfaceRatio, 1.0);
  EXPECT_LT(qc.surfaceRatio, 1.8);
}

TEST(QualityControl, VolumeAgainstStandardLiverVolumeOrAdultRange)
{
  const Synthetic s = plausibleLiver(); // 2.35 L
  QualityControlOptions o = venous();
  o.standardLiverVolumeMl = 1000.0; // 2.35 x SLV
  QualityControl qc = checkSegmentationQuality(*s.ct, *s.liver, nullptr, o);
  EXPECT_EQ(qc.status, "review");
  EXPECT_TRUE(hasReason(qc, "standard liver volume")) << describe(qc);
  o.standardLiverVolumeMl = 2000.0;
  EXPECT_EQ(checkSegmentationQuality(*s.ct, *s.liver, nullptr, o).status, "ok");
  // Without SLV: a 0.3 L "liver" is outside the adult range.
  const Synthetic small = makeLiver({ 60, 60, 60 }, { 50.0, 40.0, 35.0 });
  qc = checkSegmentationQuality(*small.ct, *small.liver, nullptr, venous());
  EXPECT_EQ(qc.status, "review");
  EXPECT_TRUE(hasReason(qc, "plausible adult range")) << describe(qc);
}

TEST(QualityControl, FatInsideTheMaskAndPhaseMismatchAreHuReasons)
{
  Synthetic s = plausibleLiver();
  // 10 % of the liver voxels turned to fat: a leak into the omentum.
  std::int16_t* hu = s.ct->GetBufferPointer();
  const std::uint16_t* m = s.liver->GetBufferPointer();
  std::size_t k = 0;
  for (std::size_t v = 0; v < s.ct->GetLargestPossibleRegion().GetNumberOfPixels(); ++v)
    if (m[v] && (k++ % 10) == 0)
      hu[v] = -100;
  QualityControl qc = checkSegmentationQuality(*s.ct, *s.liver, nullptr, venous());
  EXPECT_EQ(qc.status, "review");
  EXPECT_TRUE(hasReason(qc, "fat or air")) << describe(qc);
  // A 110 HU liver is not unenhanced.
  const Synthetic clean = plausibleLiver();
  QualityControlOptions native;
  native.phase = ContrastPhase::NonContrast;
  qc = checkSegmentationQuality(*clean.ct, *clean.liver, nullptr, native);
  EXPECT_TRUE(hasReason(qc, "non-contrast phase")) << describe(qc);
}

TEST(QualityControl, LiverTouchingTheLastSliceIsIncompleteCoverage)
{
  // The same ellipsoid on a grid that ends 30 mm above its lower pole... and one that ends at it.
  const Synthetic cut = makeLiver({ 120, 100, 60 }, { 100.0, 80.0, 70.0 });
  const QualityControl qc = checkSegmentationQuality(*cut.ct, *cut.liver, nullptr, venous());
  EXPECT_EQ(qc.status, "review");
  EXPECT_TRUE(hasReason(qc, "incomplete coverage")) << describe(qc);
  EXPECT_TRUE(hasReason(qc, "first slice")) << describe(qc);
  EXPECT_TRUE(hasReason(qc, "last slice")) << describe(qc);
}

TEST(QualityControl, DetachedPieceAndLesionStormAreFlagged)
{
  Synthetic s = plausibleLiver();
  // A 4 x 4 x 4 cm block apart from the liver (64 mL): the stomach or the spleen.
  for (long z = 2; z < 22; ++z)
    for (long y = 2; y < 22; ++y)
      for (long x = 2; x < 22; ++x)
        s.liver->SetPixel({ { x, y, z } }, 1);
  QualityControl qc = checkSegmentationQuality(*s.ct, *s.liver, nullptr, venous());
  EXPECT_EQ(qc.status, "review");
  EXPECT_TRUE(hasReason(qc, "pieces")) << describe(qc);
  EXPECT_EQ(qc.components, 2u);
  EXPECT_NEAR(qc.detachedMl, 64.0, 1e-9);

  const Synthetic clean = plausibleLiver();
  auto lesions = LabelImage::New();
  lesions->CopyInformation(clean.liver);
  lesions->SetRegions(clean.liver->GetLargestPossibleRegion());
  lesions->Allocate(true);
  for (std::uint16_t id = 1; id <= 20; ++id) // twenty 8 mm³ "lesions"
    lesions->SetPixel({ { 40 + 2 * long(id), 50, 45 } }, id);
  qc = checkSegmentationQuality(*clean.ct, *clean.liver, lesions.GetPointer(), venous());
  EXPECT_EQ(qc.lesionCount, 20u);
  EXPECT_TRUE(hasReason(qc, "20 lesions")) << describe(qc);
}

TEST(QualityControl, RefusesEmptyMaskAndMismatchedGrid)
{
  const Synthetic s = plausibleLiver();
  auto empty = LabelImage::New();
  empty->CopyInformation(s.liver);
  empty->SetRegions(s.liver->GetLargestPossibleRegion());
  empty->Allocate(true);
  EXPECT_THROW(checkSegmentationQuality(*s.ct, *empty, nullptr), std::invalid_argument);
  const Synthetic other = makeLiver({ 10, 10, 10 }, { 5.0, 5.0, 5.0 });
  EXPECT_THROW(checkSegmentationQuality(*s.ct, *other.liver, nullptr), std::invalid_argument);
}

// Real data: the experts' livers of IRCAD patients 1 and 7 on their CT are ok; half of one, or
// one extended to the last slice, is not.

namespace
{

struct Expert
{
  CtVolume ct;
  LabelImage::Pointer liver;   ///< label > 0 (tumours included)
  LabelImage::Pointer tumours; ///< label 2
};

Expert loadExpert(const std::string& dicom, const std::string& label)
{
  Expert e;
  e.ct = loadCt(dicom);
  const LabelImage::Pointer labels = loadLabels(label);
  e.liver = LabelImage::New();
  e.tumours = LabelImage::New();
  for (auto& image : { e.liver, e.tumours })
  {
    image->CopyInformation(labels);
    image->SetRegions(labels->GetLargestPossibleRegion());
    image->Allocate(true);
  }
  for (std::size_t v = 0; v < labels->GetLargestPossibleRegion().GetNumberOfPixels(); ++v)
  {
    e.liver->GetBufferPointer()[v] = labels->GetBufferPointer()[v] != 0;
    e.tumours->GetBufferPointer()[v] = labels->GetBufferPointer()[v] == 2;
  }
  return e;
}

} // namespace

TEST(QualityControl, ExpertLiversOfIrcadPatientsAreOk)
{
  for (const std::string patient : { "patient01", "patient07" })
  {
    LIVER_REQUIRE_DATA(dicom, "ircad/" + patient + "/dicom");
    LIVER_REQUIRE_DATA(label, "ircad/" + patient + "/label.nii.gz");
    const Expert e = loadExpert(dicom, label);
    const QualityControl qc =
      checkSegmentationQuality(*e.ct.image, *e.liver, e.tumours.GetPointer(), venous());
    EXPECT_EQ(qc.status, "ok") << patient << ": " << describe(qc);
    std::printf("%s expert liver: %s\n", patient.c_str(), describe(qc).c_str());
  }
}

TEST(QualityControl, HalfOfTheExpertLiverNeedsReview)
{
  LIVER_REQUIRE_DATA(dicom, "ircad/patient07/dicom");
  LIVER_REQUIRE_DATA(label, "ircad/patient07/label.nii.gz");
  Expert e = loadExpert(dicom, label);
  // Drop the lower half of the liver's voxels, slice by slice from the bottom: 0.7 of 1.4 L.
  std::uint16_t* m = e.liver->GetBufferPointer();
  const std::size_t n = e.liver->GetLargestPossibleRegion().GetNumberOfPixels();
  const std::size_t total = std::size_t(std::count(m, m + n, std::uint16_t(1)));
  for (std::size_t v = 0, dropped = 0; v < n && 2 * dropped < total; ++v)
    if (m[v])
    {
      m[v] = 0;
      ++dropped;
    }
  QualityControlOptions o = venous();
  o.standardLiverVolumeMl = 1450.0; // a 175 cm, 75 kg adult (Vauthey: 1.91 m² -> 1626 mL)
  const QualityControl qc = checkSegmentationQuality(*e.ct.image, *e.liver, nullptr, o);
  EXPECT_EQ(qc.status, "review") << describe(qc);
  EXPECT_TRUE(hasReason(qc, "standard liver volume")) << describe(qc);
  // Without height and weight, 0.7 L is below the adult range.
  const QualityControl unknownBody =
    checkSegmentationQuality(*e.ct.image, *e.liver, nullptr, venous());
  EXPECT_TRUE(hasReason(unknownBody, "plausible adult range")) << describe(unknownBody);
}

TEST(QualityControl, ExpertLiverExtendedToTheLastSliceNeedsReview)
{
  LIVER_REQUIRE_DATA(dicom, "ircad/patient01/dicom");
  LIVER_REQUIRE_DATA(label, "ircad/patient01/label.nii.gz");
  Expert e = loadExpert(dicom, label);
  // Copy the liver's largest axial section onto every slice above the liver's top.
  const auto size = e.liver->GetLargestPossibleRegion().GetSize();
  const std::size_t plane = size[0] * size[1];
  std::size_t best = 0, bestArea = 0, top = 0;
  for (std::size_t z = 0; z < size[2]; ++z)
  {
    const std::uint16_t* p = e.liver->GetBufferPointer() + z * plane;
    const std::size_t area = std::size_t(std::count(p, p + plane, std::uint16_t(1)));
    if (area > bestArea)
    {
      bestArea = area;
      best = z;
    }
    if (area > 0)
      top = z;
  }
  for (std::size_t z = top + 1; z < size[2]; ++z)
    std::copy(e.liver->GetBufferPointer() + best * plane,
              e.liver->GetBufferPointer() + (best + 1) * plane,
              e.liver->GetBufferPointer() + z * plane);
  const QualityControl qc =
    checkSegmentationQuality(*e.ct.image, *e.liver, e.tumours.GetPointer(), venous());
  EXPECT_EQ(qc.status, "review") << describe(qc);
  EXPECT_TRUE(hasReason(qc, "last slice")) << describe(qc);
}

TEST(QualityControl, NineteenExpertLiverShapesPassTheShapeChecks)
{
  // The expert masks come without their CT: a uniform 110 HU CT on each mask's grid checks the
  // volume, surface, coverage and pieces, the checks that depend on the shape alone.
  int checked = 0;
  for (int k = 1; k <= 20; ++k)
  {
    char name[64];
    std::snprintf(name, sizeof name, "ircad/liver_masks/ircad_e%02d_liver.nii.gz", k);
    const std::string path = liver::test::testDataPath(name);
    if (path.empty())
      continue;
    const LabelImage::Pointer mask = loadLabels(path);
    auto ct = CtImage::New();
    ct->CopyInformation(mask);
    ct->SetRegions(mask->GetLargestPossibleRegion());
    ct->Allocate();
    ct->FillBuffer(110);
    const QualityControl qc = checkSegmentationQuality(*ct, *mask, nullptr, venous());
    std::printf("%s: %.0f mL, surface ratio %.2f, %zu piece(s), %.1f mL detached; %s\n",
                name,
                qc.liverVolumeMl,
                qc.surfaceRatio,
                qc.components,
                qc.detachedMl,
                qc.status.c_str());
    for (const QualityCheck& c : qc.checks)
    {
      if (c.id != "coverage") // some masks were cropped to the liver by their source
      {
        EXPECT_TRUE(c.passed) << name << " " << c.id << ": " << c.reason;
      }
    }
    ++checked;
  }
  if (checked == 0)
    GTEST_SKIP() << "real data not found: ircad/liver_masks under " << liver::test::testDataDir();
  EXPECT_EQ(checked, 19);
}

TEST(CliSegment, QualityControlInSegmentationJsonOkThenReviewWhenTheScanCutsTheLiver)
{
  const std::string dir = liver::test::writePhantomFolder("qc-cli", { "--spacing", "3" });
  const std::string out = liver::test::makeTempDir("qc-cli-seg");
  liver::test::CommandResult r =
    liver::test::runLiverplan({ "segment", dir + "/ct.nii.gz", "--out", out + "/full" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  nlohmann::json qc = liver::test::readJson(out + "/full/segmentation.json")["qualityControl"];
  EXPECT_EQ(qc["status"], "ok") << qc.dump(2);
  EXPECT_TRUE(qc["reasons"].empty());
  EXPECT_EQ(qc["checks"].size(), 6u);
  EXPECT_TRUE(liver::test::contains(r.out, "quality control: ok")) << r.out;

  // The same CT without the slices below the liver's middle: the liver reaches the first slice.
  const CtVolume ct = loadCt(dir + "/ct.nii.gz");
  const LabelImage::Pointer liver = loadLabels(dir + "/liver.nii.gz");
  const auto size = ct.image->GetLargestPossibleRegion().GetSize();
  long low = long(size[2]), high = 0;
  for (std::size_t v = 0; v < liver->GetLargestPossibleRegion().GetNumberOfPixels(); ++v)
    if (liver->GetBufferPointer()[v])
    {
      low = std::min(low, long(v / (size[0] * size[1])));
      high = std::max(high, long(v / (size[0] * size[1])));
    }
  CtImage::RegionType keep = ct.image->GetLargestPossibleRegion();
  keep.SetIndex(2, (low + high) / 2);
  keep.SetSize(2, size[2] - std::size_t((low + high) / 2));
  auto cropped = CtImage::New();
  cropped->SetRegions(CtImage::RegionType(keep.GetSize()));
  CtImage::PointType origin;
  ct.image->TransformIndexToPhysicalPoint(keep.GetIndex(), origin);
  cropped->SetOrigin(origin);
  cropped->SetSpacing(ct.image->GetSpacing());
  cropped->SetDirection(ct.image->GetDirection());
  cropped->Allocate();
  const std::size_t plane = size[0] * size[1];
  std::copy(ct.image->GetBufferPointer() + std::size_t(keep.GetIndex(2)) * plane,
            ct.image->GetBufferPointer() + size[2] * plane, cropped->GetBufferPointer());
  writeImage(cropped.GetPointer(), out + "/cropped.nii.gz");
  r = liver::test::runLiverplan({ "segment", out + "/cropped.nii.gz", "--out", out + "/cut" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  qc = liver::test::readJson(out + "/cut/segmentation.json")["qualityControl"];
  EXPECT_EQ(qc["status"], "review") << qc.dump(2);
  bool coverage = false;
  for (const auto& reason : qc["reasons"])
    coverage = coverage || liver::test::contains(reason.get<std::string>(), "incomplete coverage");
  EXPECT_TRUE(coverage) << qc.dump(2);
  EXPECT_TRUE(liver::test::contains(r.out, "review: incomplete coverage")) << r.out;
}
