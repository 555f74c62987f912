/// Tests of the synthetic abdominal CT phantom: determinism, anatomy, lesions, files and DICOM.

#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImageFileReader.h>
#include <itkImageSeriesReader.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

namespace fs = std::filesystem;
using liver::CtImage;
using liver::LabelImage;
using liver::Phantom;
using liver::PhantomOptions;

namespace
{

using Vec3 = std::array<double, 3>;

constexpr double Pi = 3.14159265358979323846;

/// The default 2 mm phantom of seed 1, made once for the tests that only read it.
const Phantom& phantom2mm()
{
  static const Phantom phantom = liver::makePhantom(PhantomOptions{});
  return phantom;
}

Phantom makeWithSpacing(double spacingMm, std::uint32_t seed = 1, double noiseSdHu = 12.0)
{
  PhantomOptions options;
  options.seed = seed;
  options.spacingMm = { spacingMm, spacingMm, spacingMm };
  options.noiseSdHu = noiseSdHu;
  return liver::makePhantom(options);
}

std::size_t voxelCount(const itk::ImageBase<3>& image)
{
  const auto size = image.GetLargestPossibleRegion().GetSize();
  return size[0] * size[1] * size[2];
}

template<typename TImage>
bool sameVoxels(const TImage& a, const TImage& b)
{
  return voxelCount(a) == voxelCount(b) &&
         std::memcmp(a.GetBufferPointer(),
                     b.GetBufferPointer(),
                     voxelCount(a) * sizeof(typename TImage::PixelType)) == 0;
}

/// Visit every voxel: f(linear index, LPS point in mm).
template<typename F>
void forEachVoxel(const itk::ImageBase<3>& image, F f)
{
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto& origin = image.GetOrigin();
  const auto& spacing = image.GetSpacing();
  std::size_t v = 0;
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i, ++v)
        f(v,
          Vec3{
            origin[0] + i * spacing[0], origin[1] + j * spacing[1], origin[2] + k * spacing[2] });
}

double distanceMm(const Vec3& a, const Vec3& b)
{
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                   (a[2] - b[2]) * (a[2] - b[2]));
}

/// Number of 6-connected components of the voxels where labels == value.
int componentCount(const LabelImage& labels, std::uint16_t value)
{
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  const std::uint16_t* data = labels.GetBufferPointer();
  std::vector<bool> seen(voxelCount(labels), false);
  int components = 0;
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < seen.size(); ++start)
  {
    if (data[start] != value || seen[start])
      continue;
    ++components;
    seen[start] = true;
    stack.push_back(start);
    while (!stack.empty())
    {
      const std::size_t v = stack.back();
      stack.pop_back();
      const std::size_t i = v % size[0], j = (v / size[0]) % size[1], k = v / (size[0] * size[1]);
      const std::size_t sliceSize = size[0] * size[1];
      const std::array<std::pair<bool, std::size_t>, 6> neighbours{
        { { i > 0, v - 1 },
          { i + 1 < size[0], v + 1 },
          { j > 0, v - size[0] },
          { j + 1 < size[1], v + size[0] },
          { k > 0, v - sliceSize },
          { k + 1 < size[2], v + sliceSize } }
      };
      for (const auto& [valid, n] : neighbours)
        if (valid && !seen[n] && data[n] == value)
        {
          seen[n] = true;
          stack.push_back(n);
        }
    }
  }
  return components;
}

} // namespace

TEST(PhantomOptions, RejectsNonPositiveOrNanSpacing)
{
  for (const double bad : { 0.0,
                            -2.0,
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity() })
  {
    PhantomOptions options;
    options.spacingMm = { 2.0, bad, 2.0 };
    EXPECT_THROW(liver::makePhantom(options), std::invalid_argument) << "spacing " << bad;
  }
}

TEST(PhantomOptions, RejectsGridsOver1024VoxelsAndNegativeNoise)
{
  PhantomOptions fine;
  fine.spacingMm = { 0.3, 2.0, 2.0 }; // 400 / 0.3 = 1333 voxels
  EXPECT_THROW(liver::makePhantom(fine), std::invalid_argument);
  PhantomOptions big;
  big.size = { 64, 1025, 64 };
  EXPECT_THROW(liver::makePhantom(big), std::invalid_argument);
  PhantomOptions partial;
  partial.size = { 64, 0, 64 };
  EXPECT_THROW(liver::makePhantom(partial), std::invalid_argument);
  PhantomOptions noisy;
  noisy.noiseSdHu = -1.0;
  EXPECT_THROW(liver::makePhantom(noisy), std::invalid_argument);
}

TEST(PhantomGrid, SpacingSetsSizeOverTheFixedFieldOfViewCentredOnZero)
{
  PhantomOptions options;
  options.spacingMm = { 4.0, 5.0, 8.0 };
  const Phantom p = liver::makePhantom(options);
  const auto size = p.ct->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 100u);
  EXPECT_EQ(size[1], 80u);
  EXPECT_EQ(size[2], 30u);
  for (unsigned a = 0; a < 3; ++a)
  {
    EXPECT_DOUBLE_EQ(p.ct->GetSpacing()[a], options.spacingMm[a]);
    EXPECT_NEAR(p.ct->GetOrigin()[a] + 0.5 * (size[a] - 1) * options.spacingMm[a], 0.0, 1e-9);
  }
  EXPECT_EQ(p.ct->GetDirection(), CtImage::DirectionType::GetIdentity());
  for (const LabelImage* labels : { p.liver.GetPointer(),
                                    p.lesions.GetPointer(),
                                    p.segments.GetPointer(),
                                    p.organs.GetPointer() })
  {
    EXPECT_EQ(labels->GetLargestPossibleRegion(), p.ct->GetLargestPossibleRegion());
    EXPECT_EQ(labels->GetOrigin(), p.ct->GetOrigin());
    EXPECT_EQ(labels->GetSpacing(), p.ct->GetSpacing());
  }
}

TEST(PhantomGrid, SizeOverridesSpacing)
{
  PhantomOptions options;
  options.size = { 64, 50, 40 };
  const Phantom p = liver::makePhantom(options);
  EXPECT_EQ(p.ct->GetLargestPossibleRegion().GetSize()[1], 50u);
  EXPECT_DOUBLE_EQ(p.ct->GetSpacing()[0], 6.25);
  EXPECT_DOUBLE_EQ(p.ct->GetSpacing()[1], 8.0);
  EXPECT_DOUBLE_EQ(p.ct->GetSpacing()[2], 6.0);
  EXPECT_DOUBLE_EQ(p.study.sliceThicknessMm, 6.0);
}

TEST(Phantom, SameSeedGivesIdenticalVoxelsAndTruth)
{
  const Phantom a = makeWithSpacing(5.0, 7);
  const Phantom b = makeWithSpacing(5.0, 7);
  EXPECT_TRUE(sameVoxels(*a.ct, *b.ct));
  EXPECT_TRUE(sameVoxels(*a.liver, *b.liver));
  EXPECT_TRUE(sameVoxels(*a.lesions, *b.lesions));
  EXPECT_TRUE(sameVoxels(*a.segments, *b.segments));
  EXPECT_TRUE(sameVoxels(*a.organs, *b.organs));
  EXPECT_EQ(liver::phantomTruthJson(a.truth, *a.ct), liver::phantomTruthJson(b.truth, *b.ct));
  EXPECT_EQ(a.study.studyInstanceUid, b.study.studyInstanceUid);
}

TEST(Phantom, DifferentSeedGivesDifferentLesionsAndNoise)
{
  const Phantom a = makeWithSpacing(8.0, 1);
  const Phantom b = makeWithSpacing(8.0, 2);
  const bool sameLesions =
    a.truth.lesions.size() == b.truth.lesions.size() &&
    std::equal(a.truth.lesions.begin(),
               a.truth.lesions.end(),
               b.truth.lesions.begin(),
               [](const auto& x, const auto& y) { return x.centreLpsMm == y.centreLpsMm; });
  EXPECT_FALSE(sameLesions);
  EXPECT_FALSE(sameVoxels(*a.ct, *b.ct));
  EXPECT_NE(a.study.studyInstanceUid, b.study.studyInstanceUid);
  // The anatomy does not depend on the seed.
  EXPECT_TRUE(sameVoxels(*a.segments, *b.segments));
}

TEST(PhantomLesions, ThreeToSixSeparatedLesionsWithOneNearAVesselForEverySeed)
{
  std::set<std::size_t> counts;
  for (std::uint32_t seed = 1; seed <= 30; ++seed)
  {
    const Phantom p = makeWithSpacing(10.0, seed);
    const auto& lesions = p.truth.lesions;
    counts.insert(lesions.size());
    ASSERT_GE(lesions.size(), 3u) << "seed " << seed;
    ASSERT_LE(lesions.size(), 6u) << "seed " << seed;
    int nearCount = 0;
    for (std::size_t n = 0; n < lesions.size(); ++n)
    {
      EXPECT_EQ(lesions[n].id, static_cast<int>(n + 1));
      EXPECT_GE(lesions[n].radiusMm, 5.0);
      EXPECT_LE(lesions[n].radiusMm, 25.0);
      EXPECT_GE(lesions[n].segment, 1);
      EXPECT_LE(lesions[n].segment, 8);
      EXPECT_NEAR(lesions[n].analyticVolumeMl,
                  4.0 / 3.0 * Pi * std::pow(lesions[n].radiusMm, 3) / 1000.0,
                  1e-12);
      nearCount += lesions[n].nearLargeVessel ? 1 : 0;
      for (std::size_t m = 0; m < n; ++m)
        EXPECT_GT(distanceMm(lesions[n].centreLpsMm, lesions[m].centreLpsMm),
                  lesions[n].radiusMm + lesions[m].radiusMm)
          << "seed " << seed << " lesions " << m + 1 << " and " << n + 1 << " overlap";
    }
    EXPECT_GE(nearCount, 1) << "seed " << seed;
  }
  EXPECT_GE(counts.size(), 3u) << "the lesion count should vary with the seed";
}

TEST(PhantomLesions, EverySphereLiesInsideTheLiverAndCarriesItsOwnLabel)
{
  const Phantom& p = phantom2mm();
  const std::uint16_t* liver = p.liver->GetBufferPointer();
  const std::uint16_t* lesions = p.lesions->GetBufferPointer();
  const double halfDiagonalMm = std::sqrt(3.0) / 2.0 * p.ct->GetSpacing()[0];
  std::vector<std::uint64_t> labelled(p.truth.lesions.size() + 1, 0);
  forEachVoxel(*p.ct,
               [&](std::size_t v, const Vec3& point)
               {
                 if (lesions[v] != 0)
                 {
                   ASSERT_LE(lesions[v], p.truth.lesions.size());
                   ++labelled[lesions[v]];
                   const auto& lesion = p.truth.lesions[lesions[v] - 1];
                   EXPECT_LE(distanceMm(point, lesion.centreLpsMm), lesion.radiusMm + 1e-9);
                 }
                 for (const auto& lesion : p.truth.lesions)
                 {
                   const double d = distanceMm(point, lesion.centreLpsMm);
                   if (d <= lesion.radiusMm)
                   {
                     EXPECT_EQ(lesions[v], lesion.id);
                   }
                   // Every voxel the sphere touches, not only those whose centre it holds.
                   if (d <= lesion.radiusMm + halfDiagonalMm)
                   {
                     EXPECT_EQ(liver[v], 1) << "lesion " << lesion.id << " leaves the liver";
                   }
                 }
               });
  for (const auto& lesion : p.truth.lesions)
    EXPECT_EQ(labelled[lesion.id], lesion.voxelCount) << "lesion " << lesion.id;
}

TEST(PhantomLesions, VoxelVolumeMatchesAnalyticVolumeWithinDiscretisationError)
{
  // Each voxel cut by a sphere's surface is counted whole or not at all: an error uniform in
  // +-h^3/2 for about 1.5 * 4 pi R^2 / h^2 cut voxels, so the total error has an SD of about
  // h^3 * sqrt(1.5 * 4 pi R^2 / h^2 / 12) = 1.25 h^2 R (measured over the 132 lesions of seeds
  // 1-30 on this grid: RMS 0.97 h^2 R, worst 4.5 h^2 R). We allow 6 h^2 R mm^3.
  const Phantom& p = phantom2mm();
  const double h = p.ct->GetSpacing()[0];
  double sumMl = 0.0;
  for (const auto& lesion : p.truth.lesions)
  {
    const double toleranceMl = 6.0 * h * h * lesion.radiusMm / 1000.0;
    EXPECT_NEAR(lesion.voxelVolumeMl, lesion.analyticVolumeMl, toleranceMl)
      << "lesion " << lesion.id << " radius " << lesion.radiusMm;
    EXPECT_DOUBLE_EQ(lesion.voxelVolumeMl, lesion.voxelCount * h * h * h / 1000.0);
    sumMl += lesion.voxelVolumeMl;
  }
  EXPECT_NEAR(p.truth.tumourVolumeMl, sumMl, 1e-9);
}

TEST(PhantomLesions, FlaggedLesionSurfaceIsWithin5MmOfAVesselVoxel)
{
  const Phantom& p = phantom2mm();
  const std::uint16_t* organs = p.organs->GetBufferPointer();
  std::vector<double> gapMm(p.truth.lesions.size(), std::numeric_limits<double>::infinity());
  forEachVoxel(*p.ct,
               [&](std::size_t v, const Vec3& point)
               {
                 if (organs[v] != liver::OrganPortalVein && organs[v] != liver::OrganHepaticVein)
                   return;
                 for (std::size_t n = 0; n < gapMm.size(); ++n)
                 {
                   const auto& lesion = p.truth.lesions[n];
                   gapMm[n] =
                     std::min(gapMm[n], distanceMm(point, lesion.centreLpsMm) - lesion.radiusMm);
                 }
               });
  int flagged = 0;
  for (std::size_t n = 0; n < gapMm.size(); ++n)
  {
    // Vessel voxels lie inside the vessels, so an unflagged lesion (>= 6 mm analytic gap) stays
    // over 5 mm away; a flagged one (<= 1.5 mm) has a vessel voxel within 1.5 + h sqrt(3) mm.
    EXPECT_GT(gapMm[n], 0.0) << "lesion " << n + 1 << " overlaps a vessel";
    if (p.truth.lesions[n].nearLargeVessel)
    {
      ++flagged;
      EXPECT_LE(gapMm[n], 5.0) << "lesion " << n + 1;
    }
    else
      EXPECT_GT(gapMm[n], 5.0) << "lesion " << n + 1;
  }
  EXPECT_GE(flagged, 1);
}

TEST(PhantomSegments, AllEightPresentContiguousAndExactlyCoveringTheLiver)
{
  const Phantom& p = phantom2mm();
  const std::uint16_t* liver = p.liver->GetBufferPointer();
  const std::uint16_t* segments = p.segments->GetBufferPointer();
  std::array<std::uint64_t, 9> counts{};
  std::uint64_t liverCount = 0;
  for (std::size_t v = 0; v < voxelCount(*p.liver); ++v)
  {
    ASSERT_LE(segments[v], 8);
    ASSERT_EQ(segments[v] != 0, liver[v] == 1) << "voxel " << v;
    ++counts[segments[v]];
    liverCount += liver[v];
  }
  EXPECT_EQ(liverCount, p.truth.liverVoxelCount);
  const double voxelMl = 0.008;
  double sumMl = 0.0;
  for (std::uint16_t s = 1; s <= 8; ++s)
  {
    EXPECT_GT(counts[s] * voxelMl, 20.0) << "segment " << s;
    EXPECT_NEAR(p.truth.segmentVolumeMl[s], counts[s] * voxelMl, 1e-9) << "segment " << s;
    EXPECT_EQ(componentCount(*p.segments, s), 1) << "segment " << s << " is not contiguous";
    sumMl += p.truth.segmentVolumeMl[s];
  }
  EXPECT_NEAR(sumMl, p.truth.liverVolumeMl, 1e-6);
  EXPECT_EQ(componentCount(*p.liver, 1), 1);
}

TEST(PhantomLiver, VolumeIs1400To1800MlOnEveryGridAndLiesOnThePatientsRight)
{
  const Phantom& p = phantom2mm();
  EXPECT_GE(p.truth.liverVolumeMl, 1400.0);
  EXPECT_LE(p.truth.liverVolumeMl, 1800.0);
  EXPECT_DOUBLE_EQ(p.truth.liverVolumeMl, p.truth.liverVoxelCount * 0.008);
  // The analytic shape does not depend on the grid: a 5 mm grid gives the same mL within 2 %.
  const Phantom coarse = makeWithSpacing(5.0);
  EXPECT_NEAR(coarse.truth.liverVolumeMl, p.truth.liverVolumeMl, 0.02 * p.truth.liverVolumeMl);

  const std::uint16_t* liver = p.liver->GetBufferPointer();
  const std::uint16_t* organs = p.organs->GetBufferPointer();
  Vec3 liverSum{}, spleenSum{};
  std::uint64_t liverCount = 0, spleenCount = 0;
  forEachVoxel(*p.ct,
               [&](std::size_t v, const Vec3& point)
               {
                 if (liver[v] == 1)
                 {
                   ++liverCount;
                   for (int a = 0; a < 3; ++a)
                     liverSum[a] += point[a];
                   EXPECT_TRUE(organs[v] == liver::OrganLiver ||
                               organs[v] == liver::OrganPortalVein ||
                               organs[v] == liver::OrganHepaticVein);
                 }
                 else
                   EXPECT_NE(organs[v], liver::OrganLiver);
                 if (organs[v] == liver::OrganSpleen)
                 {
                   ++spleenCount;
                   spleenSum[0] += point[0];
                 }
               });
  ASSERT_GT(spleenCount, 0u);
  EXPECT_LT(liverSum[0] / liverCount, -20.0) << "liver centroid x (LPS: negative = right)";
  EXPECT_GT(spleenSum[0] / spleenCount, 40.0) << "spleen centroid x (LPS: positive = left)";
  EXPECT_GT(liverSum[2] / liverCount, 0.0) << "liver in the upper abdomen";
}

TEST(PhantomIntensities, ParenchymaNear100HuAndLesionsNear40Hu)
{
  const Phantom& p = phantom2mm();
  const std::int16_t* ct = p.ct->GetBufferPointer();
  const std::uint16_t* organs = p.organs->GetBufferPointer();
  const std::uint16_t* lesions = p.lesions->GetBufferPointer();
  double parenchymaSum = 0.0, parenchymaSq = 0.0, lesionSum = 0.0;
  std::uint64_t parenchymaCount = 0, lesionCount = 0;
  for (std::size_t v = 0; v < voxelCount(*p.ct); ++v)
  {
    if (lesions[v] != 0)
    {
      lesionSum += ct[v];
      ++lesionCount;
    }
    else if (organs[v] == liver::OrganLiver)
    {
      parenchymaSum += ct[v];
      parenchymaSq += static_cast<double>(ct[v]) * ct[v];
      ++parenchymaCount;
    }
  }
  // Standard errors: 12 / sqrt(200000) = 0.03 HU and 12 / sqrt(lesion voxels > 500) < 0.6 HU.
  ASSERT_GT(lesionCount, 500u);
  const double parenchymaMean = parenchymaSum / parenchymaCount;
  EXPECT_NEAR(parenchymaMean, 100.0, 0.5);
  EXPECT_NEAR(
    std::sqrt(parenchymaSq / parenchymaCount - parenchymaMean * parenchymaMean), 12.0, 0.5);
  EXPECT_NEAR(lesionSum / lesionCount, 40.0, 2.0);
}

TEST(PhantomIntensities, NoiselessPhantomHasExactTissueValues)
{
  const Phantom p = makeWithSpacing(5.0, 1, 0.0);
  const std::int16_t* ct = p.ct->GetBufferPointer();
  const std::uint16_t* organs = p.organs->GetBufferPointer();
  const std::uint16_t* lesions = p.lesions->GetBufferPointer();
  for (std::size_t v = 0; v < voxelCount(*p.ct); ++v)
  {
    const int expectedHu = lesions[v] != 0                  ? 40
                           : organs[v] == liver::OrganLiver ? 100
                           : organs[v] == liver::OrganNone  ? -1000
                           : organs[v] == liver::OrganIvc   ? 150
                                                            : ct[v];
    ASSERT_EQ(ct[v], expectedHu) << "voxel " << v << " organ " << organs[v];
    if (organs[v] == liver::OrganSpine)
    {
      ASSERT_GE(ct[v], 90);
    }
  }
}

TEST(PhantomStudy, UidsAreDeterministicValidAndDistinct)
{
  const Phantom& p = phantom2mm();
  EXPECT_EQ(p.study.patientId, "PHANTOM-1");
  EXPECT_EQ(p.study.modality, "CT");
  EXPECT_EQ(p.study.studyDate, "20260101");
  EXPECT_EQ(p.study.contrastPhaseGuess, "portal-venous");
  EXPECT_DOUBLE_EQ(p.study.sliceThicknessMm, 2.0);
  EXPECT_DOUBLE_EQ(p.study.kvp, 120.0);
  const std::vector<std::string> uids{ p.study.studyInstanceUid,
                                       p.study.seriesInstanceUid,
                                       liver::phantomUid(1, "sop", 0),
                                       liver::phantomUid(1, "sop", 1),
                                       liver::phantomUid(2, "sop", 0) };
  for (const std::string& uid : uids)
  {
    EXPECT_EQ(uid.rfind("2.25.", 0), 0u) << uid;
    EXPECT_LE(uid.size(), 64u) << uid;
    EXPECT_NE(uid[5], '0') << uid;
    EXPECT_EQ(uid.find_first_not_of("0123456789", 5), std::string::npos) << uid;
  }
  EXPECT_EQ(std::set<std::string>(uids.begin(), uids.end()).size(), uids.size());
  EXPECT_EQ(liver::phantomUid(1, "study"), p.study.studyInstanceUid);
}

TEST(PhantomFiles, WritesImagesAndTruthJson)
{
  const Phantom p = makeWithSpacing(8.0);
  const std::string dir = liver::test::makeTempDir("phantom-files") + "/out";
  liver::writePhantom(p, dir);
  EXPECT_EQ(liver::test::listDir(dir),
            (std::vector<std::string>{ "ct.nii.gz",
                                       "lesions.nii.gz",
                                       "liver.nii.gz",
                                       "organs.nii.gz",
                                       "segments.nii.gz",
                                       "truth.json" }));

  std::ifstream in(dir + "/truth.json");
  const nlohmann::json truth = nlohmann::json::parse(in);
  EXPECT_EQ(truth["units"]["volume"], "mL");
  EXPECT_EQ(truth["units"]["length"], "mm");
  EXPECT_EQ(truth["coordinates"], "LPS");
  EXPECT_EQ(truth["seed"], 1);
  EXPECT_EQ(truth["grid"]["size"], nlohmann::json({ 50, 50, 30 }));
  EXPECT_DOUBLE_EQ(truth["liver"]["volumeMl"].get<double>(), p.truth.liverVolumeMl);
  EXPECT_EQ(truth["liver"]["voxelCount"].get<std::uint64_t>(), p.truth.liverVoxelCount);
  EXPECT_DOUBLE_EQ(truth["segments"]["8"].get<double>(), p.truth.segmentVolumeMl[8]);
  ASSERT_EQ(truth["lesions"].size(), p.truth.lesions.size());
  EXPECT_DOUBLE_EQ(truth["lesions"][0]["radiusMm"].get<double>(), p.truth.lesions[0].radiusMm);
  EXPECT_EQ(truth["lesions"][0]["nearLargeVessel"].get<bool>(), p.truth.lesions[0].nearLargeVessel);

  auto reader = itk::ImageFileReader<LabelImage>::New();
  reader->SetFileName(dir + "/segments.nii.gz");
  reader->Update();
  EXPECT_TRUE(sameVoxels(*reader->GetOutput(), *p.segments));
  auto ctReader = itk::ImageFileReader<CtImage>::New();
  ctReader->SetFileName(dir + "/ct.nii.gz");
  ctReader->Update();
  EXPECT_TRUE(sameVoxels(*ctReader->GetOutput(), *p.ct));
  EXPECT_LT(ctReader->GetOutput()->GetOrigin().EuclideanDistanceTo(p.ct->GetOrigin()), 1e-4);
}

TEST(PhantomDicom, RoundTripThroughItkKeepsVoxelsAndGeometry)
{
  PhantomOptions options;
  options.spacingMm = { 8.0, 6.25, 10.0 }; // 50 columns x 64 rows x 24 slices, all different
  const Phantom p = liver::makePhantom(options);
  const std::string dir = liver::test::makeTempDir("phantom-dicom") + "/dicom";
  liver::writePhantomDicom(p, dir);

  const std::vector<std::string> files = liver::test::listDir(dir);
  ASSERT_EQ(files.size(), 24u);
  EXPECT_EQ(files.front(), "IM00001.dcm");
  EXPECT_EQ(files.back(), "IM00024.dcm");

  auto names = itk::GDCMSeriesFileNames::New();
  names->SetDirectory(dir);
  const auto series = names->GetSeriesUIDs();
  ASSERT_EQ(series.size(), 1u);
  auto io = itk::GDCMImageIO::New();
  auto reader = itk::ImageSeriesReader<CtImage>::New();
  reader->SetImageIO(io);
  reader->SetFileNames(names->GetFileNames(series.front()));
  reader->Update();
  const CtImage& read = *reader->GetOutput();

  EXPECT_EQ(read.GetLargestPossibleRegion().GetSize(), p.ct->GetLargestPossibleRegion().GetSize());
  EXPECT_TRUE(sameVoxels(read, *p.ct));
  for (unsigned a = 0; a < 3; ++a)
  {
    EXPECT_NEAR(read.GetOrigin()[a], p.ct->GetOrigin()[a], 1e-4) << "axis " << a;
    EXPECT_NEAR(read.GetSpacing()[a], p.ct->GetSpacing()[a], 1e-4) << "axis " << a;
    for (unsigned b = 0; b < 3; ++b)
      EXPECT_NEAR(read.GetDirection()[a][b], p.ct->GetDirection()[a][b], 1e-6);
  }

  std::string value;
  EXPECT_TRUE(io->GetValueFromTag("0008|0016", value));
  EXPECT_EQ(value.substr(0, 25), "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_TRUE(io->GetValueFromTag("0020|000e", value));
  EXPECT_EQ(value.substr(0, p.study.seriesInstanceUid.size()), p.study.seriesInstanceUid);
  EXPECT_TRUE(io->GetValueFromTag("0028|0103", value));
  EXPECT_EQ(std::stoi(value), 0);
  EXPECT_TRUE(io->GetValueFromTag("0028|1052", value));
  EXPECT_DOUBLE_EQ(std::stod(value), -1024.0);
  EXPECT_TRUE(io->GetValueFromTag("0028|0030", value));
  EXPECT_EQ(value.substr(0, 6), "6.25\\8") << "PixelSpacing is row (y) then column (x) spacing";

  std::set<std::string> sopUids;
  for (const std::string& file : files)
  {
    auto fileIo = itk::GDCMImageIO::New();
    fileIo->SetFileName(dir + "/" + file);
    fileIo->ReadImageInformation();
    ASSERT_TRUE(fileIo->GetValueFromTag("0008|0018", value));
    sopUids.insert(value);
  }
  EXPECT_EQ(sopUids.size(), files.size());
}

TEST(PhantomDicom, RefusesANonEmptyTargetFolderAndLeavesNoTemporaryFolder)
{
  const Phantom p = makeWithSpacing(10.0);
  const std::string parent = liver::test::makeTempDir("phantom-dicom-busy");
  fs::create_directory(parent + "/dicom");
  std::ofstream(parent + "/dicom/keep.txt") << "user file";
  EXPECT_THROW(liver::writePhantomDicom(p, parent + "/dicom"), liver::OutputError);
  EXPECT_EQ(liver::test::listDir(parent + "/dicom"), std::vector<std::string>{ "keep.txt" });
  EXPECT_EQ(liver::test::listDir(parent), std::vector<std::string>{ "dicom" });

  fs::remove(parent + "/dicom/keep.txt"); // an empty folder is replaced
  liver::writePhantomDicom(p, parent + "/dicom");
  EXPECT_EQ(liver::test::listDir(parent + "/dicom").size(), 24u);
  EXPECT_EQ(liver::test::listDir(parent), std::vector<std::string>{ "dicom" });
}
