/// liver::segmentation: label-map helpers on tiny images with exact answers, and the automatic
/// liver segmentation on the phantom and on real CT.

#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_labels.h>
#include <liver/segmentation/liver_segmentation.h>

#include <itkRegionOfInterestImageFilter.h>

#include <map>
#include <set>

using namespace liver;

namespace
{
LabelImage::Pointer threeByThree()
{
  auto image = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ 3, 3, 3 });
  image->SetRegions(region);
  LabelImage::SpacingType spacing;
  spacing[0] = 0.5;
  spacing[1] = 0.7;
  spacing[2] = 3.0;
  image->SetSpacing(spacing);
  image->Allocate(true);
  image->SetPixel({ { 0, 0, 0 } }, 5);
  image->SetPixel({ { 1, 1, 1 } }, 5);
  image->SetPixel({ { 2, 2, 2 } }, 63);
  image->SetPixel({ { 2, 1, 0 } }, 1000);
  return image;
}
} // namespace

TEST(ExtractLabel, KeepsOnlyThatValueAsOneOnTheSameGrid)
{
  const auto labels = threeByThree();
  const auto liver = extractLabel(*labels, 5);
  EXPECT_EQ(liver->GetSpacing(), labels->GetSpacing());
  EXPECT_EQ(liver->GetPixel({ { 0, 0, 0 } }), 1);
  EXPECT_EQ(liver->GetPixel({ { 1, 1, 1 } }), 1);
  EXPECT_EQ(liver->GetPixel({ { 2, 2, 2 } }), 0);
  EXPECT_EQ(liver->GetPixel({ { 2, 1, 0 } }), 0);
  const auto* p = liver->GetBufferPointer();
  EXPECT_EQ(std::count(p, p + 27, 1), 2);
  const auto none = extractLabel(*labels, 7);
  EXPECT_EQ(std::count(none->GetBufferPointer(), none->GetBufferPointer() + 27, 0), 27);
}

TEST(LabelValuesPresent, ListsDistinctNonZeroValues)
{
  EXPECT_EQ(labelValuesPresent(*threeByThree()), (std::set<std::uint16_t>{ 5, 63, 1000 }));
  auto empty = threeByThree();
  empty->FillBuffer(0);
  EXPECT_TRUE(labelValuesPresent(*empty).empty());
}

// ---------------------------------------------------------------------------------------------
// Automatic liver segmentation
// ---------------------------------------------------------------------------------------------

namespace
{
struct Overlap
{
  double dice = 0;
  double rvd = 0; ///< (pred - ref) / ref
};

Overlap overlap(const LabelImage& ref, std::uint16_t refLabel, const LabelImage& pred)
{
  const std::size_t n = ref.GetLargestPossibleRegion().GetNumberOfPixels();
  std::size_t r = 0, p = 0, both = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const bool a = ref.GetBufferPointer()[i] == refLabel;
    const bool b = pred.GetBufferPointer()[i] != 0;
    r += a;
    p += b;
    both += a && b;
  }
  return { 2.0 * both / static_cast<double>(r + p), (static_cast<double>(p) - r) / r };
}
} // namespace

/// Issue 3's phantom bar at one spacing: liver Dice >= 0.97, every lesion found with its
/// volume within 15 %, no false lesion.
void checkPhantomSegmentation(double spacingMm, std::uint32_t seed = 1)
{
  SCOPED_TRACE(spacingMm);
  SCOPED_TRACE(seed);
  PhantomOptions options;
  options.seed = seed;
  options.spacingMm = { spacingMm, spacingMm, spacingMm };
  const Phantom phantom = makePhantom(options);
  const LiverSegmentation result = segmentLiver(*phantom.ct);
  const Overlap o = overlap(*phantom.liver, 1, *result.liver);
  // Issue 3's bar: 0.97. Measured 0.991 (0.986 at 1 mm): the lesions the surface cuts are
  // completed by the sphere fitted to their interface with the parenchyma.
  EXPECT_GE(o.dice, 0.97);
  // The shape prior, built from real livers, trims ~1 % off the analytic phantom liver at 1 mm
  // (RVD -1.9 % without it, -3.1 % with it); the phantom is not anatomy, so 4 % here.
  EXPECT_LE(std::abs(o.rvd), 0.04);
  // Portal venous liver at 100 HU: the band must bracket it and exclude the 40 HU background.
  EXPECT_LT(result.report.huLow, 100.0);
  EXPECT_GT(result.report.huHigh, 100.0);
  EXPECT_GT(result.report.huLow, 45.0);
  EXPECT_TRUE(result.report.lungsFound);
  EXPECT_LT(result.report.chosenCentroidLpsMm[0], 0.0); // patient's right
  EXPECT_FALSE(result.report.steps.empty());

  // Every true lesion (all >= 10 mm here) found, its volume within 15 %, nothing outside them.
  const LesionSegmentation lesions = segmentLesions(*phantom.ct, *result.liver);
  const std::size_t n = phantom.lesions->GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* truth = phantom.lesions->GetBufferPointer();
  const std::uint16_t* found = lesions.lesions->GetBufferPointer();
  std::map<std::uint16_t, std::set<std::uint16_t>> matches;
  std::map<std::uint16_t, std::size_t> foundVoxels, truthVoxels;
  for (std::size_t i = 0; i < n; ++i)
  {
    truthVoxels[truth[i]]++;
    foundVoxels[found[i]]++;
    if (truth[i] && found[i])
      matches[truth[i]].insert(found[i]);
  }
  EXPECT_GE(phantom.truth.lesions.size(), 3u);
  std::set<std::uint16_t> matched;
  for (const PhantomLesion& l : phantom.truth.lesions)
  {
    EXPECT_FALSE(matches[static_cast<std::uint16_t>(l.id)].empty()) << "lesion " << l.id;
    std::size_t voxels = 0;
    for (const std::uint16_t k : matches[static_cast<std::uint16_t>(l.id)])
    {
      voxels += foundVoxels[k];
      matched.insert(k);
    }
    EXPECT_NEAR(static_cast<double>(voxels), static_cast<double>(l.voxelCount), 0.15 * l.voxelCount)
      << "lesion " << l.id;
  }
  EXPECT_EQ(matched.size(), lesions.count) << "a found lesion overlaps no true lesion";
}

TEST(LiverSegmentation, PhantomLiverAndLesionsAtTwoAndAHalfMillimetres)
{
  checkPhantomSegmentation(2.5);
}

TEST(LiverSegmentation, PhantomLiverAndLesionsAtOneMillimetre)
{
  checkPhantomSegmentation(1.0);
}

TEST(LiverSegmentation, OtherPhantomSeedsIncludingSmallSubcapsularLesions)
{
  // Seed 2 has six lesions, three of 16-21 mm, one of them cut by the lateral surface.
  checkPhantomSegmentation(2.5, 2);
  checkPhantomSegmentation(2.5, 3);
}

TEST(LiverSegmentation, NonContrastTotalSegmentatorExampleMatchesItsLabel)
{
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(segPath, "totalsegmentator/example_seg.nii.gz");
  const CtVolume ct = loadCt(ctPath);
  const LiverSegmentation result = segmentLiver(*ct.image);
  const Overlap o = overlap(*loadLabels(segPath), 5, *result.liver);
  // Issue 3's bar: Dice >= 0.90 and |RVD| <= 8 % against TotalSegmentator's label 5
  // (measured 0.927 and +4.1 %).
  EXPECT_GE(o.dice, 0.90);
  EXPECT_LE(std::abs(o.rvd), 0.08);
  // Non-contrast liver is about 45 HU (data README).
  EXPECT_NEAR(result.report.huMode, 45.0, 10.0);
}

TEST(LiverSegmentation, ScanThatCutsOffTheDomeStillReadsTheLiversIntensity)
{
  // IRCAD patient 7 without the top quarter of its slices (the dome and most of the lungs cut
  // off): the lung base found is 27 mm lower, and the liver's intensity must still be read from
  // the liver under it, not from the muscle and bowel below. With a 120 mm histogram window the
  // band peaked at 29 HU and the liver was not found (Dice 0); with 80 mm it peaks at 120 HU.
  LIVER_REQUIRE_DATA(dicom, "ircad/patient07/dicom");
  LIVER_REQUIRE_DATA(labelPath, "ircad/patient07/label.nii.gz");
  const CtVolume ct = loadCt(dicom);
  const LabelImage::Pointer label =
    labelsOnGrid(loadLabels(labelPath), *ct.image, labelPath, false);
  CtImage::RegionType kept = ct.image->GetLargestPossibleRegion();
  const auto slices = kept.GetSize(2);
  kept.SetSize(2, slices - slices / 4);
  if (ct.image->GetDirection()[2][2] < 0) // index 0 is the top: drop the first quarter
    kept.SetIndex(2, kept.GetIndex(2) + static_cast<long>(slices / 4));
  auto crop = [&kept](const auto& image)
  {
    using Image = typename std::remove_reference_t<decltype(*image)>;
    auto filter = itk::RegionOfInterestImageFilter<Image, Image>::New();
    filter->SetInput(image);
    filter->SetRegionOfInterest(kept);
    filter->Update();
    return typename Image::Pointer(filter->GetOutput());
  };
  const CtImage::Pointer croppedCt = crop(ct.image);
  const LabelImage::Pointer croppedLabel = crop(label);
  const LiverSegmentation result = segmentLiver(*croppedCt);
  EXPECT_NEAR(result.report.huMode, 119.0, 10.0); // the whole scan's liver peak
  // Measured: Dice 0.91 against the liver inside the cropped scan with the default prior (which
  // holds this patient's shape), 0.63 with the leave-one-out prior (not used then: a third of
  // its shape lies outside the scan); the quality control flags such a scan for review.
  EXPECT_GE(overlap(*croppedLabel, 1, *result.liver).dice, 0.6);
}

TEST(LiverSegmentation, SeedOutsideTheImageIsRefused)
{
  PhantomOptions options;
  options.spacingMm = { 5.0, 5.0, 5.0 };
  const Phantom phantom = makePhantom(options);
  LiverSegmentationOptions seeded;
  seeded.seedsLpsMm.push_back({ 0.0, 0.0, 5000.0 });
  EXPECT_THROW(segmentLiver(*phantom.ct, seeded), std::invalid_argument);
}

TEST(LiverSegmentation, FailsLoudlyWithTheReportWhenThereIsNoLiver)
{
  PhantomOptions options;
  options.spacingMm = { 4.0, 4.0, 4.0 };
  const Phantom phantom = makePhantom(options);
  // Replace the liver by the surrounding 40 HU tissue: nothing liver-like is left.
  auto ct = phantom.ct;
  const std::size_t n = ct->GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    if (phantom.liver->GetBufferPointer()[i])
      ct->GetBufferPointer()[i] = 40;
  try
  {
    segmentLiver(*ct);
    FAIL() << "a CT without a liver must not give a liver";
  }
  catch (const LiverSegmentationError& e)
  {
    EXPECT_NE(std::string(e.what()).find("liver segmentation"), std::string::npos);
    EXPECT_FALSE(e.report().steps.empty());
  }
  // An empty (all air) CT has no body.
  ct->FillBuffer(-1000);
  EXPECT_THROW(segmentLiver(*ct), LiverSegmentationError);
}

TEST(LiverSegmentation, SameLiverWhateverTheStorageOrientation)
{
  // The same physical phantom stored flipped in x and y (direction diag(-1, -1, 1), as NIfTI
  // files from RAS tools load): the working grid is LPS-aligned, so the liver must not change.
  PhantomOptions options;
  options.spacingMm = { 4.0, 4.0, 4.0 };
  const Phantom phantom = makePhantom(options);
  const CtImage& ct = *phantom.ct;
  const auto size = ct.GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]);
  auto flipped = CtImage::New();
  flipped->SetRegions(ct.GetLargestPossibleRegion());
  flipped->SetSpacing(ct.GetSpacing());
  CtImage::DirectionType direction;
  direction.SetIdentity();
  direction[0][0] = -1;
  direction[1][1] = -1;
  flipped->SetDirection(direction);
  CtImage::PointType origin;
  CtImage::IndexType last{ { static_cast<long>(size[0]) - 1, static_cast<long>(size[1]) - 1, 0 } };
  ct.TransformIndexToPhysicalPoint(last, origin);
  flipped->SetOrigin(origin);
  flipped->Allocate();
  for (long z = 0; z < static_cast<long>(size[2]); ++z)
    for (long y = 0; y < ny; ++y)
      for (long x = 0; x < nx; ++x)
        flipped->SetPixel({ { nx - 1 - x, ny - 1 - y, z } }, ct.GetPixel({ { x, y, z } }));

  const LiverSegmentation a = segmentLiver(ct);
  const LiverSegmentation b = segmentLiver(*flipped);
  EXPECT_NEAR(a.report.volumeMl, b.report.volumeMl, 1e-6 * a.report.volumeMl);
  std::size_t same = 0, total = 0;
  for (long z = 0; z < static_cast<long>(size[2]); ++z)
    for (long y = 0; y < ny; ++y)
      for (long x = 0; x < nx; ++x)
      {
        const bool pa = a.liver->GetPixel({ { x, y, z } });
        const bool pb = b.liver->GetPixel({ { nx - 1 - x, ny - 1 - y, z } });
        total += pa || pb;
        same += pa && pb;
      }
  EXPECT_EQ(same, total);
}

TEST(LesionSegmentation, HyperdenseOptionFindsABrightLesionAndNotTheVessels)
{
  PhantomOptions options;
  options.spacingMm = { 2.0, 2.0, 2.0 };
  const Phantom phantom = makePhantom(options);
  // Turn lesion 2 into a hypervascular one: 170 HU instead of 40.
  auto ct = phantom.ct;
  const std::size_t n = ct->GetLargestPossibleRegion().GetNumberOfPixels();
  std::size_t truth = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (phantom.lesions->GetBufferPointer()[i] == 2)
    {
      ct->GetBufferPointer()[i] = 170;
      ++truth;
    }
  LesionSegmentationOptions bright;
  bright.hyperdense = true;
  const LesionSegmentation found = segmentLesions(*ct, *phantom.liver, bright);
  EXPECT_GT(found.report.coreThresholdHu, found.report.liverMedianHu);
  // The largest bright finding is the lesion, within 15 % of its volume; the hypodense lesions
  // are not found by the bright search.
  ASSERT_GE(found.count, 1u);
  std::size_t largest = 0, overlap = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    largest += found.lesions->GetBufferPointer()[i] == 1;
    overlap +=
      found.lesions->GetBufferPointer()[i] == 1 && phantom.lesions->GetBufferPointer()[i] == 2;
  }
  EXPECT_NEAR(static_cast<double>(largest), static_cast<double>(truth), 0.15 * truth);
  EXPECT_GT(overlap, truth / 2);
  for (std::size_t i = 0; i < n; ++i)
  {
    if (found.lesions->GetBufferPointer()[i] != 0)
    {
      ASSERT_NE(phantom.lesions->GetBufferPointer()[i], 1) << "a hypodense lesion found as bright";
    }
  }
}

TEST(LesionSegmentation, NoLesionOnTheNonContrastExampleLiver)
{
  // TotalSegmentator's liver on a CT with no known lesion: the partial-volume rim along the
  // capsule once gave a 15 mL crescent "lesion"; cores now start one voxel inside the surface.
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(segPath, "totalsegmentator/example_seg.nii.gz");
  const CtVolume ct = loadCt(ctPath);
  const auto liver = extractLabel(*loadLabels(segPath), 5);
  const LesionSegmentation found = segmentLesions(*ct.image, *liver);
  EXPECT_EQ(found.count, 0u);
  EXPECT_NEAR(found.report.liverMedianHu, 45.0, 5.0);
}

TEST(LesionSegmentation, NoLesionInTheAutomaticExampleLiverFatIsNotALesion)
{
  // The automatic liver keeps a sliver of fissure fat (mean -23 HU, 2.5 mL) that the detector
  // once reported as a 32 mm lesion; fat density is now refused.
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  const CtVolume ct = loadCt(ctPath);
  const LiverSegmentation liver = segmentLiver(*ct.image);
  const LesionSegmentation found = segmentLesions(*ct.image, *liver.liver);
  EXPECT_EQ(found.count, 0u);
  EXPECT_GE(found.report.rejectedFat, 1u);
}
