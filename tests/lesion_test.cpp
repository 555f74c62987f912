/// liver::segmentLesions on real venous-phase CT with expert labels (3D-IRCADb-01): every tumour
/// of 10 mL or more found with a per-lesion Dice of 0.6 or more, no false lesion of 1 mL or more,
/// inside the expert liver and inside a liver that lost the tumours' subcapsular part.

#include "test_support.h"

#include <liver/imaging/io.h>
#include <liver/segmentation/lesion_segmentation.h>

#include <itkConnectedComponentImageFilter.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <tuple>

using namespace liver;

namespace
{

struct RealCase
{
  CtVolume ct;
  LabelImage::Pointer label; ///< 1 liver, 2 tumour (expert)
};

RealCase loadCase(const std::string& folder)
{
  RealCase c;
  c.ct = loadCt(folder + "/dicom");
  c.label = labelsOnGrid(loadLabels(folder + "/label.nii.gz"), *c.ct.image, folder, false);
  return c;
}

LabelImage::Pointer emptyLike(const LabelImage& grid)
{
  auto image = LabelImage::New();
  image->CopyInformation(&grid);
  image->SetRegions(grid.GetLargestPossibleRegion());
  image->Allocate(true);
  return image;
}

/// label > 0: the expert liver with its tumours.
LabelImage::Pointer expertLiver(const LabelImage& label)
{
  auto liver = emptyLike(label);
  const std::size_t n = label.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    liver->GetBufferPointer()[i] = label.GetBufferPointer()[i] != 0;
  return liver;
}

/// The expert liver without the tumour voxels within `depthMm` of its surface: an automatic
/// liver that cut the subcapsular part of the tumours off (the HU band excludes them).
LabelImage::Pointer liverWithoutTumourRim(const LabelImage& label, double depthMm)
{
  auto liver = expertLiver(label);
  using Distance = itk::SignedMaurerDistanceMapImageFilter<LabelImage, FloatImage>;
  auto distance = Distance::New();
  distance->SetInput(liver);
  distance->SetUseImageSpacing(true);
  distance->SetInsideIsPositive(true);
  distance->SetSquaredDistance(false);
  distance->Update();
  const float* d = distance->GetOutput()->GetBufferPointer();
  const std::size_t n = label.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    if (label.GetBufferPointer()[i] == 2 && d[i] < depthMm)
      liver->GetBufferPointer()[i] = 0;
  return liver;
}

struct ReferenceLesion
{
  double ml = 0;
  double overlapFraction = 0; ///< of the reference lesion covered by found lesions
  double dice = 0;            ///< against the found lesions that touch it
  bool detected() const { return overlapFraction >= 0.5; }
};

struct LesionScore
{
  std::vector<ReferenceLesion> reference; ///< by decreasing volume
  std::vector<double> falseMl;            ///< found lesions touching no reference lesion
};

/// LiTS-style lesion matching: reference lesions are the 26-connected components of label 2; one
/// is detected when found lesions cover at least half of it; its Dice is taken against the found
/// lesions that touch it; a found lesion touching none is a false positive.
LesionScore scoreLesions(const LabelImage& label, const LabelImage& found)
{
  auto tumour = emptyLike(label);
  const std::size_t n = label.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    tumour->GetBufferPointer()[i] = label.GetBufferPointer()[i] == 2;
  using Components = itk::ConnectedComponentImageFilter<LabelImage, LabelImage>;
  auto components = Components::New();
  components->SetInput(tumour);
  components->SetFullyConnected(true);
  components->Update();
  const std::uint16_t* ref = components->GetOutput()->GetBufferPointer();
  const std::uint16_t* pred = found.GetBufferPointer();
  std::map<std::uint16_t, std::size_t> refVoxels, predVoxels;
  std::map<std::uint16_t, std::map<std::uint16_t, std::size_t>> both; // ref -> pred -> voxels
  for (std::size_t i = 0; i < n; ++i)
  {
    if (ref[i])
      ++refVoxels[ref[i]];
    if (pred[i])
      ++predVoxels[pred[i]];
    if (ref[i] && pred[i])
      ++both[ref[i]][pred[i]];
  }
  const auto& s = label.GetSpacing();
  const double voxelMl = s[0] * s[1] * s[2] / 1000.0;
  LesionScore score;
  std::set<std::uint16_t> touching;
  for (const auto& [r, voxels] : refVoxels)
  {
    ReferenceLesion l;
    l.ml = voxels * voxelMl;
    std::size_t covered = 0, predicted = 0;
    for (const auto& [p, common] : both[r])
    {
      covered += common;
      predicted += predVoxels[p];
      touching.insert(p);
    }
    l.overlapFraction = static_cast<double>(covered) / voxels;
    l.dice = 2.0 * covered / static_cast<double>(voxels + predicted);
    score.reference.push_back(l);
  }
  std::sort(score.reference.begin(),
            score.reference.end(),
            [](const ReferenceLesion& a, const ReferenceLesion& b) { return a.ml > b.ml; });
  for (const auto& [p, voxels] : predVoxels)
    if (!touching.count(p))
      score.falseMl.push_back(voxels * voxelMl);
  std::sort(score.falseMl.rbegin(), score.falseMl.rend());
  return score;
}

void printScore(const std::string& title, const LesionScore& score, double seconds)
{
  std::printf("%s (%.2f s)\n  reference mL | covered | Dice | detected\n", title.c_str(), seconds);
  for (const ReferenceLesion& l : score.reference)
    std::printf("  %12.2f | %7.2f | %4.2f | %s\n",
                l.ml,
                l.overlapFraction,
                l.dice,
                l.detected() ? "yes" : "no");
  std::printf("  false lesions:");
  for (const double ml : score.falseMl)
    std::printf(" %.2f mL", ml);
  std::printf("%s\n", score.falseMl.empty() ? " none" : "");
}

struct LesionRun
{
  LesionSegmentation found;
  LesionScore score;
  double seconds = 0;
};

LesionRun runOn(const RealCase& c,
                const LabelImage& liver,
                const std::string& title,
                const LesionSegmentationOptions& options = {})
{
  LesionRun run;
  const auto started = std::chrono::steady_clock::now();
  run.found = segmentLesions(*c.ct.image, liver, options);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const std::string& step : run.found.report.steps)
    std::printf("  %s\n", step.c_str());
  // Every candidate of reportable size with its features: what to look at when a bar fails.
  for (const LesionCandidate& f : run.found.report.weighed)
    std::printf(
      "  %2d %-18s %7.2f mL %5.1f mm %4.0f HU contrast %4.1f edge %4.1f SD blob %.2f elong %4.1f "
      "depth %4.1f mm rim %.2f out %5.2f mL conf %.2f at (%.0f, %.0f, %.0f)\n",
      f.id,
      f.decision.c_str(),
      f.volumeMl,
      f.diameterMm,
      f.meanHu,
      f.contrastSd,
      f.edgeContrastSd,
      f.blobness,
      f.elongation,
      f.depthMm,
      f.vesselRimFraction,
      f.outsideMl,
      f.confidence,
      f.centroidLpsMm[0],
      f.centroidLpsMm[1],
      f.centroidLpsMm[2]);
  run.score = scoreLesions(*c.label, *run.found.lesions);
  if (const char* dump = std::getenv("LESION_TEST_DUMP"))
  {
    std::string name = title.substr(0, title.find(','));
    writeImage(run.found.lesions.GetPointer(), std::string(dump) + "/" + name + "_found.nii.gz");
    writeImage(&liver, std::string(dump) + "/" + name + "_liver.nii.gz");
    auto tumour = emptyLike(*c.label);
    for (std::size_t i = 0; i < c.label->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
      tumour->GetBufferPointer()[i] = c.label->GetBufferPointer()[i] == 2;
    writeImage(tumour.GetPointer(), std::string(dump) + "/" + name + "_tumour.nii.gz");
  }
  printScore(title, run.score, run.seconds);
  return run;
}

/// Issue 12's bars for one run: each tumour of 10 mL or more detected with Dice >= 0.6, no false
/// lesion of 1 mL or more.
void expectIssueBars(const LesionScore& score)
{
  for (const ReferenceLesion& l : score.reference)
    if (l.ml >= 10.0)
    {
      EXPECT_TRUE(l.detected()) << l.ml << " mL tumour";
      EXPECT_GE(l.dice, 0.6) << l.ml << " mL tumour";
    }
  for (const double ml : score.falseMl)
    EXPECT_LT(ml, 1.0) << "false lesion";
}

} // namespace

TEST(LesionSegmentationRealCt, Patient01MetastasesInTheExpertLiver)
{
  // An imported liver is kept as it is (no completion beyond it), as `segment --liver` does.
  LIVER_REQUIRE_DATA(folder, "ircad/patient01");
  const RealCase c = loadCase(folder);
  LesionSegmentationOptions options;
  options.completeAtSurface = false;
  const LesionRun run = runOn(c, *expertLiver(*c.label), "patient01, expert liver", options);
  expectIssueBars(run.score);
  // Measured: 84.4, 10.1, 7.5 and 2.7 mL found (Dice 0.70-0.89); the 3.7 mL one is weighed at
  // confidence 0.45, the 2.5 mL one is isodense, the 0.4 and 0.06 mL ones are below reach.
  std::size_t detected = 0;
  for (const ReferenceLesion& l : run.score.reference)
    detected += l.detected();
  EXPECT_GE(detected, 4u);
  EXPECT_TRUE(run.score.falseMl.empty());
  EXPECT_EQ(run.found.addedToLiverMl, 0.0);
  EXPECT_EQ(run.found.report.minDiameterMm, 5.0);
  ASSERT_EQ(run.found.report.weighed.size() >= run.found.count, true);
  for (std::size_t k = 0; k < run.found.count; ++k)
  {
    const LesionCandidate& l = run.found.report.weighed[k];
    EXPECT_EQ(l.id, static_cast<int>(k + 1));
    EXPECT_EQ(l.decision, "lesion");
    EXPECT_GE(l.confidence, 0.5);
    EXPECT_LE(l.confidence, 1.0);
    EXPECT_GE(l.diameterMm, 5.0);
  }
}

TEST(LesionSegmentationRealCt, Patient01TumoursCutByTheLiverSurfaceAreCompleted)
{
  // A liver that lost every tumour voxel within 10 mm of its surface, as an automatic liver whose
  // HU band leaves the subcapsular tumours out: the 84 mL metastasis is completed beyond it.
  LIVER_REQUIRE_DATA(folder, "ircad/patient01");
  const RealCase c = loadCase(folder);
  const auto liver = liverWithoutTumourRim(*c.label, 10.0);
  const LesionRun run = runOn(c, *liver, "patient01, tumours cut 10 mm deep");
  ASSERT_FALSE(run.score.reference.empty());
  EXPECT_TRUE(run.score.reference[0].detected());
  EXPECT_GE(run.score.reference[0].dice, 0.6);
  for (const double ml : run.score.falseMl)
    EXPECT_LT(ml, 1.0) << "false lesion";
  // What was added to the liver is mostly the tumour that was cut away, and restores most of it.
  const std::size_t n = c.label->GetLargestPossibleRegion().GetNumberOfPixels();
  std::size_t cut = 0, added = 0, restored = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const bool wasCut = c.label->GetBufferPointer()[i] == 2 && !liver->GetBufferPointer()[i];
    const bool isAdded = run.found.addedToLiver->GetBufferPointer()[i] != 0;
    cut += wasCut;
    added += isAdded;
    restored += wasCut && isAdded;
    ASSERT_FALSE(isAdded && liver->GetBufferPointer()[i]) << "added where the liver already was";
  }
  std::printf("cut %zu voxels, added %zu, of which tumour %zu\n", cut, added, restored);
  EXPECT_GE(restored, cut / 2);
  EXPECT_GE(restored, 7 * added / 10);
  const auto& s = c.ct.image->GetSpacing();
  EXPECT_NEAR(run.found.addedToLiverMl, added * s[0] * s[1] * s[2] / 1000.0, 1e-6);
}

TEST(LesionSegmentationRealCt, Patient07HasNoLesion)
{
  // Healthy liver; a 669 mL adrenal mass presses on it from outside the expert mask.
  LIVER_REQUIRE_DATA(folder, "ircad/patient07");
  const RealCase c = loadCase(folder);
  const LesionRun run = runOn(c, *expertLiver(*c.label), "patient07, expert liver");
  EXPECT_EQ(run.found.count, 0u);
  EXPECT_EQ(run.found.addedToLiverMl, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Synthetic livers with exact answers
// ---------------------------------------------------------------------------------------------

namespace
{

/// A 1 mm CT of 100 x 100 x 60 voxels: liver (110 HU, noise SD 10) in the box x 10..59,
/// y 10..89, z 10..49, fat (-100 HU) around it, and a 60 HU ball of radius 10 mm centred at
/// (centreX, 50, 30): at x = 58 it bulges 9 mm beyond the liver's surface.
struct Synthetic
{
  CtImage::Pointer ct;
  LabelImage::Pointer liver; ///< the box only: the bulging part of the ball is cut off
  LabelImage::Pointer ball;
};

/// What a synthetic voxel holds: its mean HU, whether it is liver, and whether it is tissue
/// (noise is added to tissue only; fat stays exact).
struct SyntheticVoxel
{
  double hu = -100.0;
  bool liver = false;
  bool tissue = false;
};

/// A 1 mm CT of `size` voxels and its liver mask from `voxel(x, y, z)`, with Gaussian noise of
/// `noiseSd` (random engine seeded with `seed`) on the tissue.
template<typename VoxelAt>
std::pair<CtImage::Pointer, LabelImage::Pointer> syntheticCt(const CtImage::SizeType& size,
                                                             unsigned seed,
                                                             double noiseSd,
                                                             VoxelAt voxel)
{
  CtImage::RegionType region;
  region.SetSize(size);
  auto ct = CtImage::New();
  ct->SetRegions(region);
  ct->Allocate();
  auto liver = LabelImage::New();
  liver->SetRegions(region);
  liver->Allocate(true);
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0.0, noiseSd);
  for (long z = 0; z < static_cast<long>(size[2]); ++z)
    for (long y = 0; y < static_cast<long>(size[1]); ++y)
      for (long x = 0; x < static_cast<long>(size[0]); ++x)
      {
        const CtImage::IndexType index{ { x, y, z } };
        const SyntheticVoxel v = voxel(x, y, z);
        const double hu = v.tissue ? v.hu + noise(random) : v.hu;
        ct->SetPixel(index, static_cast<std::int16_t>(std::lround(hu)));
        liver->SetPixel(index, v.liver);
      }
  return { ct, liver };
}

Synthetic makeSynthetic(double centreX)
{
  auto inLiver = [](long x, long y, long z)
  { return x >= 10 && x <= 59 && y >= 10 && y <= 89 && z >= 10 && z <= 49; };
  auto inBall = [centreX](long x, long y, long z)
  { return std::pow(x - centreX, 2) + std::pow(y - 50.0, 2) + std::pow(z - 30.0, 2) <= 100.0; };
  Synthetic s;
  std::tie(s.ct, s.liver) = syntheticCt(
    { 100, 100, 60 },
    7,
    10.0,
    [&](long x, long y, long z)
    {
      const bool liver = inLiver(x, y, z);
      const bool ball = inBall(x, y, z);
      return SyntheticVoxel{ ball ? 60.0 : liver ? 110.0 : -100.0, liver, ball || liver };
    });
  s.ball = LabelImage::New();
  s.ball->SetRegions(s.ct->GetLargestPossibleRegion());
  s.ball->Allocate(true);
  for (long z = 0; z < 60; ++z)
    for (long y = 0; y < 100; ++y)
      for (long x = 0; x < 100; ++x)
        s.ball->SetPixel({ { x, y, z } }, inBall(x, y, z));
  return s;
}

std::size_t countNonZero(const LabelImage& image)
{
  const std::uint16_t* p = image.GetBufferPointer();
  return static_cast<std::size_t>(
    std::count_if(p,
                  p + image.GetLargestPossibleRegion().GetNumberOfPixels(),
                  [](std::uint16_t v) { return v != 0; }));
}

} // namespace

TEST(LesionSegmentationSynthetic, BallInsideTheLiverIsFoundWholeWithHighConfidence)
{
  const Synthetic s = makeSynthetic(35.0); // 15 mm deep: entirely inside
  const LesionSegmentation found = segmentLesions(*s.ct, *s.liver);
  ASSERT_EQ(found.count, 1u);
  const double ball = static_cast<double>(countNonZero(*s.ball));
  // Within 15 % of the ball's 4189 voxels (the phantom bar), nothing added to the liver.
  EXPECT_NEAR(static_cast<double>(countNonZero(*found.lesions)), ball, 0.15 * ball);
  EXPECT_EQ(found.addedToLiverMl, 0.0);
  const LesionCandidate& l = found.report.weighed.at(0);
  EXPECT_EQ(l.id, 1);
  EXPECT_EQ(l.decision, "lesion");
  EXPECT_GT(l.confidence, 0.9);
  EXPECT_GT(l.blobness, 0.6);
  EXPECT_LT(l.elongation, 1.3);
  EXPECT_NEAR(l.meanHu, 60.0, 15.0);
  EXPECT_GT(l.contrastSd, 3.0);
  EXPECT_NEAR(l.diameterMm, 20.0, 2.0);
  EXPECT_EQ(found.report.minDiameterMm, 5.0);
}

TEST(LesionSegmentationSynthetic, OutlineFollowsTheParenchymaAroundTheLesionNotTheLiversMedian)
{
  // A 1 mm liver (x 10..109) of 100 HU with a brighter region of 115 HU (x >= 75, a third of the
  // liver: the median stays 100), noise SD 20. In the bright region a lesion of 60 HU whose edge
  // rises linearly to the parenchyma between r = 5 and 11 mm (partial volume, blur). The outline
  // reaches 35 % of the contrast to the parenchyma around it: 60 + 0.65 x 55 = 95.75 HU at
  // r = 8.9 mm. Against the liver's median (100 HU) it would stop at 86 HU, r = 7.84 mm: a third
  // less volume.
  const auto [ct, liver] = syntheticCt(
    { 120, 100, 60 },
    11,
    20.0,
    [](long x, long y, long z)
    {
      const bool inLiver = x >= 10 && x <= 109 && y >= 10 && y <= 89 && z >= 10 && z <= 49;
      const double parenchyma = x >= 75 ? 115.0 : 100.0;
      const double r =
        std::sqrt(std::pow(x - 90.0, 2) + std::pow(y - 50.0, 2) + std::pow(z - 30.0, 2));
      return inLiver ? SyntheticVoxel{ parenchyma - 55.0 * std::clamp((11.0 - r) / 6.0, 0.0, 1.0),
                                       true,
                                       true }
                     : SyntheticVoxel{};
    });
  const LesionSegmentation found = segmentLesions(*ct, *liver);
  ASSERT_EQ(found.count, 1u);
  EXPECT_NEAR(found.report.liverMedianHu, 100.0, 5.0);
  // The outline on the CT's grid (box means at the edge cells) ends about half a voxel beyond the
  // analytic radius: the median-bound outline measures 0.85 of 8.9 mm's ball, this one 1.12.
  const double expected = 4.0 / 3.0 * M_PI * std::pow(8.9, 3); // voxels of 1 mm^3
  const double outlined = static_cast<double>(countNonZero(*found.lesions));
  EXPECT_GT(outlined, 0.95 * expected);
  EXPECT_LT(outlined, 1.3 * expected);
}

TEST(LesionSegmentationSynthetic, LesionDarkOnlyAgainstTheParenchymaAroundItIsFound)
{
  // A 1 mm liver (x 10..109) of 100 HU with a brighter third of 135 HU (x >= 75: the median
  // stays 100), noise SD 8, and in the bright part a 105 HU ball of radius 8 mm: brighter than
  // the liver's median, 30 HU darker than the parenchyma around it (IRCAD patient01's dome: a
  // metastasis of 88 HU in 131 HU parenchyma, liver median 113 HU). Judged against the median
  // alone it is no core and has no contrast; against the parenchyma around it, it is a lesion.
  // The step between the two parts is no lesion.
  auto inBall = [](long x, long y, long z)
  { return std::pow(x - 92.0, 2) + std::pow(y - 50.0, 2) + std::pow(z - 30.0, 2) <= 64.0; };
  const auto [ct, liver] = syntheticCt(
    { 120, 100, 60 },
    13,
    8.0,
    [&](long x, long y, long z)
    {
      const bool inLiver = x >= 10 && x <= 109 && y >= 10 && y <= 89 && z >= 10 && z <= 49;
      const double parenchyma = x >= 75 ? 135.0 : 100.0;
      return inLiver ? SyntheticVoxel{ inBall(x, y, z) ? 105.0 : parenchyma, true, true }
                     : SyntheticVoxel{};
    });
  const LesionSegmentation found = segmentLesions(*ct, *liver);
  EXPECT_NEAR(found.report.liverMedianHu, 100.0, 5.0);
  ASSERT_EQ(found.count, 1u);
  const LesionCandidate* lesion = nullptr;
  for (const LesionCandidate& c : found.report.weighed)
    if (c.decision == "lesion")
      lesion = &c;
  ASSERT_NE(lesion, nullptr);
  EXPECT_NEAR(lesion->centroidLpsMm[0], 92.0, 1.5);
  EXPECT_NEAR(lesion->meanHu, 105.0, 8.0);
  EXPECT_GT(lesion->contrastSd, 3.0);
  const double ball = 4.0 / 3.0 * M_PI * 512.0;
  EXPECT_NEAR(static_cast<double>(countNonZero(*found.lesions)), ball, 0.3 * ball);
}

TEST(LesionSegmentationSynthetic, BallCutByTheLiverSurfaceIsCompletedAndAddedToTheLiver)
{
  const Synthetic s = makeSynthetic(58.0);
  const std::size_t n = s.ct->GetLargestPossibleRegion().GetNumberOfPixels();
  std::size_t outsidePart = 0;
  for (std::size_t i = 0; i < n; ++i)
    outsidePart += s.ball->GetBufferPointer()[i] && !s.liver->GetBufferPointer()[i];
  const LesionSegmentation found = segmentLesions(*s.ct, *s.liver);
  ASSERT_EQ(found.count, 1u);
  const double ball = static_cast<double>(countNonZero(*s.ball));
  EXPECT_NEAR(static_cast<double>(countNonZero(*found.lesions)), ball, 0.15 * ball);
  // The part beyond the surface (~1,900 voxels) is added, and nothing else.
  const std::size_t added = countNonZero(*found.addedToLiver);
  EXPECT_NEAR(static_cast<double>(added), static_cast<double>(outsidePart), 0.2 * outsidePart);
  EXPECT_NEAR(found.addedToLiverMl, added / 1000.0, 1e-9);
  for (std::size_t i = 0; i < n; ++i)
    if (found.addedToLiver->GetBufferPointer()[i])
    {
      ASSERT_TRUE(s.ball->GetBufferPointer()[i] || s.ct->GetBufferPointer()[i] > -50);
      ASSERT_FALSE(s.liver->GetBufferPointer()[i]);
    }
  EXPECT_GT(found.report.weighed.at(0).outsideMl, 0.0);
  auto grown = LabelImage::New();
  grown->SetRegions(s.liver->GetLargestPossibleRegion());
  grown->Allocate();
  std::copy(
    s.liver->GetBufferPointer(), s.liver->GetBufferPointer() + n, grown->GetBufferPointer());
  addLesionsToLiver(*grown, found);
  EXPECT_EQ(countNonZero(*grown), countNonZero(*s.liver) + added);

  // Without completion (an imported liver), the lesion stays inside the mask.
  LesionSegmentationOptions inside;
  inside.completeAtSurface = false;
  const LesionSegmentation kept = segmentLesions(*s.ct, *s.liver, inside);
  ASSERT_EQ(kept.count, 1u);
  EXPECT_EQ(kept.addedToLiverMl, 0.0);
  EXPECT_EQ(countNonZero(*kept.addedToLiver), 0u);
  for (std::size_t i = 0; i < n; ++i)
  {
    if (kept.lesions->GetBufferPointer()[i])
    {
      ASSERT_TRUE(s.liver->GetBufferPointer()[i]);
    }
  }
}

TEST(LesionSegmentationSynthetic, ThickTumourCrossedByVesselsIsALesionWhateverItsBlobness)
{
  // A 1 mm liver of 110 HU (noise SD 10) with a 60 HU tumour of radius 24 mm (58 mL) crossed
  // through its centre by two enhanced vessels (170 HU, radius 3 mm, along x and y): what stays
  // dark is four wedges whose largest inner ball is about 18 mm across, so its blobness is
  // below 0.42 and its blobness term below 0.3 (IRCAD patient01's 84 mL metastasis, with bright
  // septa inside, has 0.48). Nothing that thick is a gap between enhanced vessels.
  auto tumour = [](double radius, double vesselRadius)
  {
    return syntheticCt(
      { 130, 130, 80 },
      5,
      10.0,
      [=](long x, long y, long z)
      {
        const bool liver = x >= 5 && x <= 124 && y >= 5 && y <= 124 && z >= 5 && z <= 74;
        const double dx = x - 65.0, dy = y - 65.0, dz = z - 40.0;
        const bool vessel = std::min(dy * dy, dx * dx) + dz * dz <= vesselRadius * vesselRadius;
        const bool inTumour = dx * dx + dy * dy + dz * dz <= radius * radius;
        const double hu = !liver ? -100.0 : vessel ? 170.0 : inTumour ? 60.0 : 110.0;
        return SyntheticVoxel{ hu, liver, liver };
      });
  };
  const auto [ct, liver] = tumour(24.0, 3.0);
  const LesionSegmentation found = segmentLesions(*ct, *liver);
  ASSERT_EQ(found.count, 1u);
  const LesionCandidate& l = found.report.weighed.at(0);
  EXPECT_EQ(l.decision, "lesion");
  EXPECT_LT(l.blobness, 0.42);
  EXPECT_NEAR(l.thicknessMm, 18.0, 3.0);
  EXPECT_GT(l.confidence, 0.7);

  // Without contrast, dark tubes that thick exist (the IVC, the portal trunk): the shape is
  // judged by blobness alone and the same region is refused.
  LesionSegmentationOptions plain;
  plain.phase = "non-contrast";
  const LesionSegmentation unenhanced = segmentLesions(*ct, *liver, plain);
  EXPECT_EQ(unenhanced.count, 0u);
  EXPECT_NE(unenhanced.report.weighed.at(0).decision, "lesion");
}

TEST(LesionSegmentationSynthetic, BallCutByTheSurfaceWithVesselsThroughItIsStillCompleted)
{
  // A ball of radius 12 mm cut by the liver's surface at x = 59, crossed by two enhanced vessels
  // (170 HU, radius 2 mm, along y, 7 mm above and below its centre). Its interface with the
  // parenchyma also runs along the vessels, 5 mm or more inside its sphere; fitted to every
  // interface point, the sphere comes out too small and a third of the part beyond the surface
  // (1,875 of 2,919 voxels) is lost; fitted to its outer interface it is completed within 20 %.
  auto inLiver = [](long x, long y, long z)
  { return x >= 10 && x <= 59 && y >= 10 && y <= 89 && z >= 10 && z <= 49; };
  auto inBall = [](long x, long y, long z)
  { return std::pow(x - 58.0, 2) + std::pow(y - 50.0, 2) + std::pow(z - 30.0, 2) <= 144.0; };
  const auto [ct, liver] = syntheticCt(
    { 100, 100, 60 },
    9,
    10.0,
    [&](long x, long y, long z)
    {
      const bool liverVoxel = inLiver(x, y, z);
      const bool vessel =
        liverVoxel &&
        std::min(std::pow(z - 37.0, 2), std::pow(z - 23.0, 2)) + std::pow(x - 56.0, 2) <= 4.0;
      const bool ball = inBall(x, y, z);
      const double hu = vessel ? 170.0 : ball ? 60.0 : liverVoxel ? 110.0 : -100.0;
      return SyntheticVoxel{ hu, liverVoxel, ball || liverVoxel };
    });
  std::size_t outsidePart = 0;
  for (long z = 0; z < 60; ++z)
    for (long y = 0; y < 100; ++y)
      for (long x = 0; x < 100; ++x)
        outsidePart += inBall(x, y, z) && !inLiver(x, y, z);
  const LesionSegmentation found = segmentLesions(*ct, *liver);
  ASSERT_EQ(found.count, 1u);
  EXPECT_NEAR(static_cast<double>(countNonZero(*found.addedToLiver)),
              static_cast<double>(outsidePart),
              0.2 * static_cast<double>(outsidePart));
}

TEST(LesionSegmentationSynthetic, DarkTubeIsRefusedAsTubular)
{
  // An unenhanced duct: a 60 HU cylinder of radius 2.5 mm along x, 40 mm long, in the liver.
  Synthetic s = makeSynthetic(-100.0); // no ball
  for (long z = 0; z < 60; ++z)
    for (long y = 0; y < 100; ++y)
      for (long x = 15; x <= 55; ++x)
        if (std::pow(y - 50.0, 2) + std::pow(z - 30.0, 2) <= 6.25)
          s.ct->SetPixel({ { x, y, z } }, 60);
  const LesionSegmentation found = segmentLesions(*s.ct, *s.liver);
  EXPECT_EQ(found.count, 0u);
  EXPECT_GE(found.report.rejectedElongated, 1u);
}

TEST(LesionSegmentationSynthetic, BadOptionsAndThinLiversAreHandled)
{
  const Synthetic s = makeSynthetic(35.0);
  LesionSegmentationOptions phase;
  phase.phase = "venous";
  EXPECT_THROW(segmentLesions(*s.ct, *s.liver, phase), std::invalid_argument);
  LesionSegmentationOptions grid;
  grid.gridMm = 0.0;
  EXPECT_THROW(segmentLesions(*s.ct, *s.liver, grid), std::invalid_argument);
  // A liver one voxel thick has no interior on the grid: no lesion, no error.
  auto sliver = LabelImage::New();
  sliver->SetRegions(s.liver->GetLargestPossibleRegion());
  sliver->Allocate(true);
  for (long x = 10; x < 60; ++x)
    sliver->SetPixel({ { x, 50, 30 } }, 1);
  const LesionSegmentation none = segmentLesions(*s.ct, *sliver);
  EXPECT_EQ(none.count, 0u);
  EXPECT_EQ(countNonZero(*none.lesions), 0u);
}

TEST(MergeLesionMaps, DetectedLesionsTouchingNoImportedOneAreAddedWithNewIds)
{
  // One row of 8 voxels: imported lesions 2 and 5; detected 1 overlaps imported 2, detected 7
  // and 3 touch nothing (7 comes first in the row).
  const auto row = [](std::initializer_list<std::uint16_t> values)
  {
    auto image = LabelImage::New();
    image->SetRegions(LabelImage::SizeType{ { 8, 1, 1 } });
    image->Allocate();
    std::copy(values.begin(), values.end(), image->GetBufferPointer());
    return image;
  };
  const LabelImage::Pointer imported = row({ 2, 2, 0, 0, 5, 0, 0, 0 });
  const LabelImage::Pointer detected = row({ 0, 1, 1, 7, 0, 3, 3, 0 });
  const LabelImage::Pointer merged = mergeLesionMaps(*imported, *detected);
  const std::vector<std::uint16_t> expected = { 2, 2, 0, 6, 5, 7, 7, 0 };
  EXPECT_EQ(std::vector<std::uint16_t>(merged->GetBufferPointer(), merged->GetBufferPointer() + 8),
            expected);
  auto other = LabelImage::New();
  other->SetRegions(LabelImage::SizeType{ { 4, 1, 1 } });
  other->Allocate();
  EXPECT_THROW(mergeLesionMaps(*imported, *other), std::invalid_argument);
}
