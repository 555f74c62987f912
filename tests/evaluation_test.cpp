/// LiTS segmentation metrics on phantoms with known answers (boxes shifted by whole voxels,
/// plates, offset spheres), against a brute-force reference on random blobs, and the real
/// `liverplan evaluate` on TotalSegmentator's masks and on bad input.

#include "test_support.h"

#include <liver/imaging/io.h>
#include <liver/segmentation/evaluation.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace liver;
namespace fs = std::filesystem;
using namespace liver::test; // test_support.h: runLiverplan, readJson, exit codes, ...

namespace
{

constexpr double Pi = 3.14159265358979323846;

LabelImage::Pointer makeGrid(const std::array<unsigned, 3>& size,
                             const std::array<double, 3>& spacingMm)
{
  auto image = LabelImage::New();
  LabelImage::RegionType region;
  LabelImage::SpacingType spacing;
  for (unsigned a = 0; a < 3; ++a)
  {
    region.SetSize(a, size[a]);
    spacing[a] = spacingMm[a];
  }
  image->SetRegions(region);
  image->SetSpacing(spacing);
  image->Allocate(true);
  return image;
}

/// Set the voxels of [lo, hi) (index bounds) to `value`.
void paintBox(LabelImage& image,
              const std::array<long, 3>& lo,
              const std::array<long, 3>& hi,
              std::uint16_t value = 1)
{
  for (long z = lo[2]; z < hi[2]; ++z)
    for (long y = lo[1]; y < hi[1]; ++y)
      for (long x = lo[0]; x < hi[0]; ++x)
        image.SetPixel({ { x, y, z } }, value);
}

/// Ball of radius `radiusMm` around the physical point `centreMm`.
void paintBall(LabelImage& image, const std::array<double, 3>& centreMm, double radiusMm)
{
  const auto size = image.GetLargestPossibleRegion().GetSize();
  for (long z = 0; z < static_cast<long>(size[2]); ++z)
    for (long y = 0; y < static_cast<long>(size[1]); ++y)
      for (long x = 0; x < static_cast<long>(size[0]); ++x)
      {
        LabelImage::PointType p;
        image.TransformIndexToPhysicalPoint({ { x, y, z } }, p);
        const double d2 = (p[0] - centreMm[0]) * (p[0] - centreMm[0]) +
                          (p[1] - centreMm[1]) * (p[1] - centreMm[1]) +
                          (p[2] - centreMm[2]) * (p[2] - centreMm[2]);
        if (d2 <= radiusMm * radiusMm)
          image.SetPixel({ { x, y, z } }, 1);
      }
}

/// Reference implementation, written independently of the library: surface voxels by explicit
/// neighbour tests, distances by comparing every pair of surface voxels in physical space.
struct BruteForce
{
  std::size_t referenceSurface = 0, predictionSurface = 0;
  double assdMm = 0.0, mssdMm = 0.0, rmssdMm = 0.0;
};

std::vector<LabelImage::PointType> surfacePoints(const LabelImage& image, int connectivity)
{
  const auto size = image.GetLargestPossibleRegion().GetSize();
  auto inside = [&](long x, long y, long z)
  {
    return x >= 0 && y >= 0 && z >= 0 && x < static_cast<long>(size[0]) &&
           y < static_cast<long>(size[1]) && z < static_cast<long>(size[2]) &&
           image.GetPixel({ { x, y, z } }) != 0;
  };
  std::vector<LabelImage::PointType> points;
  for (long z = 0; z < static_cast<long>(size[2]); ++z)
    for (long y = 0; y < static_cast<long>(size[1]); ++y)
      for (long x = 0; x < static_cast<long>(size[0]); ++x)
      {
        if (!inside(x, y, z))
          continue;
        bool surface = false;
        for (int dz = -1; dz <= 1; ++dz)
          for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx)
            {
              const int order = std::abs(dx) + std::abs(dy) + std::abs(dz);
              if (order == 0 || (connectivity == 6 && order > 1) ||
                  (connectivity == 18 && order > 2))
                continue;
              surface = surface || !inside(x + dx, y + dy, z + dz);
            }
        if (surface)
        {
          LabelImage::PointType p;
          image.TransformIndexToPhysicalPoint({ { x, y, z } }, p);
          points.push_back(p);
        }
      }
  return points;
}

BruteForce bruteForce(const LabelImage& reference, const LabelImage& prediction, int connectivity)
{
  const auto r = surfacePoints(reference, connectivity);
  const auto p = surfacePoints(prediction, connectivity);
  BruteForce b;
  b.referenceSurface = r.size();
  b.predictionSurface = p.size();
  double sum = 0.0, sumSquares = 0.0;
  for (const auto* from : { &r, &p })
  {
    const auto& to = from == &r ? p : r;
    for (const auto& a : *from)
    {
      double best = std::numeric_limits<double>::infinity();
      for (const auto& c : to)
        best = std::min(best, a.SquaredEuclideanDistanceTo(c));
      sum += std::sqrt(best);
      sumSquares += best;
      b.mssdMm = std::max(b.mssdMm, std::sqrt(best));
    }
  }
  b.assdMm = sum / static_cast<double>(r.size() + p.size());
  b.rmssdMm = std::sqrt(sumSquares / static_cast<double>(r.size() + p.size()));
  return b;
}

void expectMatchesBruteForce(const LabelImage& reference,
                             const LabelImage& prediction,
                             int connectivity)
{
  EvaluationOptions options;
  options.surfaceConnectivity = connectivity;
  const SegmentationMetrics m = evaluateSegmentation(reference, prediction, options);
  const BruteForce b = bruteForce(reference, prediction, connectivity);
  EXPECT_EQ(m.referenceSurfaceVoxels, b.referenceSurface) << "connectivity " << connectivity;
  EXPECT_EQ(m.predictionSurfaceVoxels, b.predictionSurface) << "connectivity " << connectivity;
  ASSERT_TRUE(m.assdMm && m.mssdMm && m.rmssdMm);
  // Both sides are exact; only floating-point summation order differs.
  EXPECT_NEAR(*m.assdMm, b.assdMm, 1e-9) << "connectivity " << connectivity;
  EXPECT_NEAR(*m.mssdMm, b.mssdMm, 1e-9) << "connectivity " << connectivity;
  EXPECT_NEAR(*m.rmssdMm, b.rmssdMm, 1e-9) << "connectivity " << connectivity;
}

} // namespace

TEST(Evaluation, IdenticalMasksArePerfect)
{
  auto mask = makeGrid({ 30, 28, 20 }, { 0.8, 0.8, 2.0 });
  paintBall(*mask, { 12.0, 11.0, 20.0 }, 9.0);
  paintBox(*mask, { 2, 2, 2 }, { 6, 5, 4 });
  const SegmentationMetrics m = evaluateSegmentation(*mask, *mask);
  EXPECT_GT(m.referenceVoxels, 500u);
  EXPECT_EQ(m.predictionVoxels, m.referenceVoxels);
  EXPECT_EQ(m.intersectionVoxels, m.referenceVoxels);
  EXPECT_DOUBLE_EQ(m.dice, 1.0);
  EXPECT_DOUBLE_EQ(m.jaccard, 1.0);
  EXPECT_DOUBLE_EQ(m.voe, 0.0);
  ASSERT_TRUE(m.rvd && m.assdMm && m.mssdMm && m.rmssdMm);
  EXPECT_DOUBLE_EQ(*m.rvd, 0.0);
  EXPECT_DOUBLE_EQ(*m.assdMm, 0.0);
  EXPECT_DOUBLE_EQ(*m.mssdMm, 0.0);
  EXPECT_DOUBLE_EQ(*m.rmssdMm, 0.0);
  EXPECT_EQ(m.referenceSurfaceVoxels, m.predictionSurfaceVoxels);
  EXPECT_NEAR(m.referenceVolumeMl, static_cast<double>(m.referenceVoxels) * 1.28 / 1000.0, 1e-12);
}

TEST(Evaluation, BoxShiftedByKVoxelsHasExactMetrics)
{
  // A box a x b x c voxels and the same box shifted by k voxels along x, anisotropic spacing.
  const long a = 20, b = 14, c = 10, k = 3;
  const double sx = 0.8, sy = 0.9, sz = 2.5;
  auto reference = makeGrid({ 40, 24, 18 }, { sx, sy, sz });
  auto prediction = makeGrid({ 40, 24, 18 }, { sx, sy, sz });
  paintBox(*reference, { 5, 4, 3 }, { 5 + a, 4 + b, 3 + c });
  paintBox(*prediction, { 5 + k, 4, 3 }, { 5 + a + k, 4 + b, 3 + c });
  const SegmentationMetrics m = evaluateSegmentation(*reference, *prediction);

  EXPECT_EQ(m.referenceVoxels, static_cast<std::uint64_t>(a * b * c));
  EXPECT_EQ(m.intersectionVoxels, static_cast<std::uint64_t>((a - k) * b * c));
  EXPECT_DOUBLE_EQ(m.dice, static_cast<double>(a - k) / a);
  EXPECT_DOUBLE_EQ(m.jaccard, static_cast<double>(a - k) / (a + k));
  EXPECT_DOUBLE_EQ(m.voe, 2.0 * k / (a + k));
  ASSERT_TRUE(m.rvd && m.assdMm && m.mssdMm && m.rmssdMm);
  EXPECT_EQ(*m.rvd, 0.0);
  // Every surface voxel of one box is within k voxels along x of the other's surface, and the
  // end face x = 0 is exactly k voxels from it: Hausdorff = k * sx.
  EXPECT_NEAR(*m.mssdMm, k * sx, 1e-12);

  // ASSD by hand. Surface of a box = its shell. Cross-section ring R (|R| = bc - (b-2)(c-2))
  // and interior I. For the reference:
  //  side voxels (x, ring): distance 0 when x >= k, else (k - x) sx;
  //  end face x = 0 over I: k sx;
  //  end face x = a-1 over I: min(k sx, (a-1-k) sx, distance to the ring in the y-z plane).
  // The prediction's surface mirrors this exactly (reflection x -> a+k-1-x), so the pooled mean
  // equals the reference's one-sided mean.
  const long ring = b * c - (b - 2) * (c - 2), interior = (b - 2) * (c - 2);
  double sum = 0.0, sumSquares = 0.0;
  for (long x = 0; x < k; ++x)
  {
    sum += static_cast<double>(ring) * (k - x) * sx;
    sumSquares += static_cast<double>(ring) * (k - x) * sx * (k - x) * sx;
  }
  sum += static_cast<double>(interior) * k * sx;
  sumSquares += static_cast<double>(interior) * k * sx * k * sx;
  for (long y = 1; y < b - 1; ++y)
    for (long z = 1; z < c - 1; ++z)
    {
      const double d = std::min({ k * sx,
                                  (a - 1 - k) * sx,
                                  static_cast<double>(std::min(y, b - 1 - y)) * sy,
                                  static_cast<double>(std::min(z, c - 1 - z)) * sz });
      sum += d;
      sumSquares += d * d;
    }
  const double surface = static_cast<double>(a * ring + 2 * interior);
  EXPECT_EQ(m.referenceSurfaceVoxels, static_cast<std::uint64_t>(surface));
  EXPECT_EQ(m.predictionSurfaceVoxels, static_cast<std::uint64_t>(surface));
  EXPECT_NEAR(*m.assdMm, sum / surface, 1e-12);
  EXPECT_NEAR(*m.rmssdMm, std::sqrt(sumSquares / surface), 1e-12);
}

TEST(Evaluation, ShiftedPlateHasClosedFormAssdAlongEachAxis)
{
  // A plate two voxels thick is all surface. Shifted by k along its long axis (length n), the
  // first k columns are 1..k voxels from the other plate and the rest coincide:
  // ASSD = s k (k + 1) / (2 n), Hausdorff = k s, where s is the spacing along the shift.
  const std::array<double, 3> spacing{ 0.7, 1.9, 3.1 };
  const long n = 12, k = 4;
  for (int axis = 0; axis < 3; ++axis)
  {
    std::array<unsigned, 3> size{ 8, 8, 8 };
    size[axis] = 20;
    auto reference = makeGrid(size, spacing);
    auto prediction = makeGrid(size, spacing);
    std::array<long, 3> lo{ 2, 2, 2 }, hi{ 4, 7, 7 }; // thin along the axis after `axis`
    hi[(axis + 1) % 3] = 4;
    hi[(axis + 2) % 3] = 7;
    lo[axis] = 1;
    hi[axis] = 1 + n;
    paintBox(*reference, lo, hi);
    lo[axis] += k;
    hi[axis] += k;
    paintBox(*prediction, lo, hi);
    const SegmentationMetrics m = evaluateSegmentation(*reference, *prediction);
    ASSERT_TRUE(m.assdMm && m.mssdMm);
    const double s = spacing[axis];
    EXPECT_EQ(m.referenceSurfaceVoxels, m.referenceVoxels) << "axis " << axis;
    EXPECT_NEAR(*m.assdMm, s * k * (k + 1) / (2.0 * n), 1e-12) << "axis " << axis;
    EXPECT_NEAR(*m.mssdMm, k * s, 1e-12) << "axis " << axis;
    EXPECT_DOUBLE_EQ(m.dice, static_cast<double>(n - k) / n) << "axis " << axis;
  }
}

TEST(Evaluation, TwoOffsetSpheresMatchTheLensVolume)
{
  // Spheres of radius r whose centres are d apart overlap in a lens of volume
  // pi (4r + d)(2r - d)^2 / 12, so Dice = lens / sphere. At 0.5 mm voxels (r = 30 voxels) the
  // voxelised volumes are within 0.3 % of analytic; tolerance 0.005 on Dice.
  const double r = 15.0, d = 10.0, spacing = 0.5;
  auto reference = makeGrid({ 90, 70, 70 }, { spacing, spacing, spacing });
  auto prediction = makeGrid({ 90, 70, 70 }, { spacing, spacing, spacing });
  paintBall(*reference, { 17.25, 17.25, 17.25 }, r);
  paintBall(*prediction, { 17.25 + d, 17.25, 17.25 }, r);
  const SegmentationMetrics m = evaluateSegmentation(*reference, *prediction);
  const double sphere = 4.0 / 3.0 * Pi * r * r * r;
  const double lens = Pi * (4 * r + d) * (2 * r - d) * (2 * r - d) / 12.0;
  EXPECT_NEAR(m.referenceVolumeMl * 1000.0, sphere, 0.003 * sphere);
  EXPECT_NEAR(m.dice, lens / sphere, 0.005);
  EXPECT_NEAR(m.jaccard, lens / (2 * sphere - lens), 0.005);
  ASSERT_TRUE(m.rvd && m.mssdMm && m.assdMm);
  EXPECT_EQ(*m.rvd, 0.0); // the same ball shifted by 20 whole voxels
  // Hausdorff between the spheres is d; voxel surfaces shift it by at most half a voxel
  // diagonal on each side.
  EXPECT_NEAR(*m.mssdMm, d, std::sqrt(3.0) * spacing);
  // ASSD: mean over one sphere's area of ||p - c'| - r|, by quadrature over the polar angle;
  // voxel surfaces sample area unevenly, so 10 %.
  double integral = 0.0;
  const int steps = 20000;
  for (int i = 0; i < steps; ++i)
  {
    const double u = -1.0 + (i + 0.5) * 2.0 / steps;
    integral += std::abs(std::sqrt(r * r + d * d - 2 * r * d * u) - r) * 2.0 / steps / 2.0;
  }
  EXPECT_NEAR(*m.assdMm, integral, 0.10 * integral);
}

TEST(Evaluation, MatchesBruteForceOnRandomBlobsForEveryConnectivity)
{
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  auto reference = makeGrid({ 22, 18, 12 }, { 0.9, 1.3, 2.0 });
  auto prediction = makeGrid({ 22, 18, 12 }, { 0.9, 1.3, 2.0 });
  for (auto* image : { &reference, &prediction })
  {
    for (int ball = 0; ball < 4; ++ball)
      paintBall(**image,
                { 2.0 + 16.0 * uniform(rng), 2.0 + 18.0 * uniform(rng), 2.0 + 18.0 * uniform(rng) },
                2.0 + 4.0 * uniform(rng));
    // Speckle, including voxels on the image border.
    for (int speck = 0; speck < 25; ++speck)
      (*image)->SetPixel({ { static_cast<long>(uniform(rng) * 22),
                             static_cast<long>(uniform(rng) * 18),
                             static_cast<long>(uniform(rng) * 12) } },
                         1);
  }
  for (int connectivity : { 6, 18, 26 })
    expectMatchesBruteForce(*reference, *prediction, connectivity);
}

TEST(Evaluation, RotatedAxesGiveTheSameDistances)
{
  // An orthonormal direction matrix (axes permuted and flipped) changes nothing: distances are
  // between voxel centres, and the brute force measures them in physical LPS space.
  auto reference = makeGrid({ 16, 14, 10 }, { 0.6, 1.1, 2.4 });
  auto prediction = makeGrid({ 16, 14, 10 }, { 0.6, 1.1, 2.4 });
  paintBall(*reference, { 4.5, 7.0, 11.0 }, 3.5);
  paintBall(*prediction, { 5.5, 8.2, 12.5 }, 3.2);
  LabelImage::DirectionType direction;
  direction.Fill(0.0);
  direction[0][1] = 1.0;
  direction[1][2] = -1.0;
  direction[2][0] = 1.0;
  const SegmentationMetrics straight = evaluateSegmentation(*reference, *prediction);
  reference->SetDirection(direction);
  prediction->SetDirection(direction);
  const SegmentationMetrics rotated = evaluateSegmentation(*reference, *prediction);
  ASSERT_TRUE(straight.assdMm && rotated.assdMm);
  EXPECT_DOUBLE_EQ(*rotated.assdMm, *straight.assdMm);
  EXPECT_DOUBLE_EQ(*rotated.mssdMm, *straight.mssdMm);
  expectMatchesBruteForce(*reference, *prediction, 18);

  direction[0][0] = 0.3; // sheared: not orthonormal
  reference->SetDirection(direction);
  prediction->SetDirection(direction);
  EXPECT_THROW(evaluateSegmentation(*reference, *prediction), std::invalid_argument);
}

TEST(Evaluation, EmptyMasksFollowTheDocumentedRules)
{
  auto empty = makeGrid({ 10, 10, 10 }, { 1.0, 1.0, 1.0 });
  auto box = makeGrid({ 10, 10, 10 }, { 1.0, 1.0, 1.0 });
  paintBox(*box, { 2, 2, 2 }, { 6, 6, 6 });

  const SegmentationMetrics both = evaluateSegmentation(*empty, *empty);
  EXPECT_EQ(both.dice, 1.0);
  EXPECT_EQ(both.jaccard, 1.0);
  EXPECT_EQ(both.voe, 0.0);
  EXPECT_FALSE(both.rvd);
  ASSERT_TRUE(both.assdMm && both.mssdMm && both.rmssdMm);
  EXPECT_EQ(*both.assdMm, 0.0);
  EXPECT_EQ(*both.mssdMm, 0.0);

  const SegmentationMetrics missed = evaluateSegmentation(*box, *empty);
  EXPECT_EQ(missed.dice, 0.0);
  EXPECT_EQ(missed.jaccard, 0.0);
  EXPECT_EQ(missed.voe, 1.0);
  ASSERT_TRUE(missed.rvd);
  EXPECT_EQ(*missed.rvd, -1.0);
  EXPECT_FALSE(missed.assdMm);
  EXPECT_FALSE(missed.mssdMm);
  EXPECT_FALSE(missed.rmssdMm);

  const SegmentationMetrics falseAlarm = evaluateSegmentation(*empty, *box);
  EXPECT_EQ(falseAlarm.dice, 0.0);
  EXPECT_EQ(falseAlarm.predictionVoxels, 64u);
  EXPECT_FALSE(falseAlarm.rvd);
  EXPECT_FALSE(falseAlarm.assdMm);
}

TEST(Evaluation, LabelsSelectTheComparedVoxels)
{
  auto reference = makeGrid({ 12, 12, 12 }, { 1.0, 1.0, 1.0 });
  auto prediction = makeGrid({ 12, 12, 12 }, { 1.0, 1.0, 1.0 });
  paintBox(*reference, { 1, 1, 1 }, { 5, 5, 5 }, 5);    // 64 voxels of label 5
  paintBox(*reference, { 6, 6, 6 }, { 10, 10, 10 }, 2); // another organ
  paintBox(*prediction, { 1, 1, 1 }, { 5, 5, 6 }, 1);   // 80 voxels of label 1
  EvaluationOptions options;
  options.referenceLabel = 5;
  options.predictionLabel = 1;
  const SegmentationMetrics m = evaluateSegmentation(*reference, *prediction, options);
  EXPECT_EQ(m.referenceVoxels, 64u);
  EXPECT_EQ(m.predictionVoxels, 80u);
  EXPECT_EQ(m.intersectionVoxels, 64u);
  ASSERT_TRUE(m.rvd && m.mssdMm);
  EXPECT_DOUBLE_EQ(*m.rvd, 0.25);
  EXPECT_DOUBLE_EQ(*m.mssdMm, 1.0);
  // Any non-zero: the reference now also holds the other organ.
  const SegmentationMetrics any = evaluateSegmentation(*reference, *prediction);
  EXPECT_EQ(any.referenceVoxels, 128u);
}

TEST(Evaluation, RefusesMismatchedGridsAndBadConnectivity)
{
  auto a = makeGrid({ 10, 10, 10 }, { 1.0, 1.0, 1.0 });
  auto b = makeGrid({ 10, 10, 11 }, { 1.0, 1.0, 1.0 });
  EXPECT_THROW(evaluateSegmentation(*a, *b), std::invalid_argument);
  auto c = makeGrid({ 10, 10, 10 }, { 1.0, 1.0, 1.5 });
  EXPECT_THROW(evaluateSegmentation(*a, *c), std::invalid_argument);
  EvaluationOptions options;
  options.surfaceConnectivity = 8;
  EXPECT_THROW(evaluateSegmentation(*a, *a, options), std::invalid_argument);
}

// ---- the real binary ---------------------------------------------------------------------------

namespace
{

/// A phantom at 4 mm and one at 8 mm (different grids), made once for this file.
const std::string& phantomAt(int spacingMm)
{
  static std::map<int, std::string> dirs;
  if (dirs.count(spacingMm) == 0)
  {
    const std::string d = liver::test::makeTempDir("eval-phantom");
    const CommandResult r = runLiverplan(
      { "phantom", "--out", d, "--spacing", std::to_string(spacingMm), "--seed", "5" });
    if (r.exitCode != 0)
      throw std::runtime_error("phantom failed: " + r.err);
    dirs[spacingMm] = d;
  }
  return dirs[spacingMm];
}

} // namespace

TEST(CliEvaluate, FastLiverAgainstTotalSegmentatorLabelFive)
{
  LIVER_REQUIRE_DATA(full, "totalsegmentator/example_seg.nii.gz");
  LIVER_REQUIRE_DATA(fast, "totalsegmentator/example_seg_fast_liver_v2.nii.gz");
  const std::string json = liver::test::makeTempDir("eval") + "/eval.json";
  const CommandResult r = runLiverplan({ "evaluate",
                                         "--ref",
                                         full,
                                         "--label",
                                         "5",
                                         "--pred",
                                         fast,
                                         "--pred-label",
                                         "1",
                                         "--json",
                                         json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "38634 voxels, 1043.118 mL")) << r.out;
  EXPECT_TRUE(contains(r.out, "39350 voxels, 1062.450 mL")) << r.out;
  const nlohmann::json j = readJson(json);
  EXPECT_EQ(j["kind"], "evaluation");
  EXPECT_EQ(j["units"]["length"], "mm");
  EXPECT_EQ(j["reference"]["voxelCount"], 38634);
  EXPECT_EQ(j["prediction"]["voxelCount"], 39350);
  EXPECT_EQ(j["reference"]["label"], 5);
  const nlohmann::json& m = j["metrics"];
  const double intersection = m["intersectionVoxelCount"].get<double>();
  EXPECT_DOUBLE_EQ(m["dice"].get<double>(), 2.0 * intersection / (38634.0 + 39350.0));
  EXPECT_GT(m["dice"].get<double>(), 0.9);
  EXPECT_LT(m["dice"].get<double>(), 1.0);
  EXPECT_NEAR(m["voe"].get<double>(), 1.0 - m["jaccard"].get<double>(), 1e-15);
  EXPECT_DOUBLE_EQ(m["rvd"].get<double>(), (39350.0 - 38634.0) / 38634.0);
  // Golden values from the LiTS reference algorithm (helpers/surface.py: scipy binary_erosion
  // with generate_binary_structure(3, 2), then cKDTree nearest neighbours over voxel centres
  // scaled by the spacing) run on these two files.
  EXPECT_EQ(m["intersectionVoxelCount"], 38265);
  EXPECT_EQ(j["reference"]["surfaceVoxelCount"], 10263);
  EXPECT_EQ(j["prediction"]["surfaceVoxelCount"], 10438);
  EXPECT_NEAR(m["assdMm"].get<double>(), 0.3827644404, 1e-9);
  EXPECT_NEAR(m["rmssdMm"].get<double>(), 1.0844492351, 1e-9);
  EXPECT_NEAR(m["mssdMm"].get<double>(), 3.0 * std::sqrt(10.0), 1e-9); // 9.4868329805

  // Face-connected surfaces (medpy's default), same reference algorithm: ASSD 0.5374281609.
  const CommandResult six = runLiverplan({ "evaluate",
                                           "--ref",
                                           full,
                                           "--label",
                                           "5",
                                           "--pred",
                                           fast,
                                           "--pred-label",
                                           "1",
                                           "--surface-connectivity",
                                           "6" });
  ASSERT_EQ(six.exitCode, 0) << six.err;
  EXPECT_TRUE(contains(six.out, "0.5374")) << six.out;
}

TEST(CliEvaluate, PhantomLiverAgainstItselfAndAnAbsentLabel)
{
  const std::string dir = phantomAt(4);
  const std::string json = liver::test::makeTempDir("eval") + "/self.json";
  const CommandResult self = runLiverplan({ "evaluate",
                                            "--ref",
                                            dir + "/liver.nii.gz",
                                            "--pred",
                                            dir + "/liver.nii.gz",
                                            "--json",
                                            json });
  ASSERT_EQ(self.exitCode, 0) << self.err;
  const nlohmann::json j = readJson(json);
  EXPECT_EQ(j["metrics"]["dice"], 1.0);
  EXPECT_EQ(j["metrics"]["assdMm"], 0.0);
  EXPECT_EQ(j["metrics"]["rvd"], 0.0);
  EXPECT_EQ(j["reference"]["label"], "any non-zero");

  // Lesion 1 of the phantom against an absent label: a miss, distances undefined.
  const std::string missJson = liver::test::makeTempDir("eval") + "/miss.json";
  const CommandResult miss = runLiverplan({ "evaluate",
                                            "--ref",
                                            dir + "/lesions.nii.gz",
                                            "--label",
                                            "1",
                                            "--pred",
                                            dir + "/lesions.nii.gz",
                                            "--pred-label",
                                            "99",
                                            "--json",
                                            missJson });
  ASSERT_EQ(miss.exitCode, 0) << miss.err;
  EXPECT_TRUE(contains(miss.err, "prediction mask is empty")) << miss.err;
  EXPECT_TRUE(contains(miss.out, "n/a")) << miss.out;
  const nlohmann::json mj = readJson(missJson);
  EXPECT_EQ(mj["metrics"]["dice"], 0.0);
  EXPECT_EQ(mj["metrics"]["rvd"], -1.0);
  EXPECT_TRUE(mj["metrics"]["assdMm"].is_null());
  EXPECT_TRUE(mj["metrics"]["mssdMm"].is_null());
}

TEST(CliEvaluate, ResampleLabelsComparesAcrossGrids)
{
  const std::string fine = phantomAt(4), coarse = phantomAt(8);
  const std::string json = liver::test::makeTempDir("eval") + "/resampled.json";
  const CommandResult refused = runLiverplan({ "evaluate",
                                               "--ref",
                                               fine + "/liver.nii.gz",
                                               "--pred",
                                               coarse + "/liver.nii.gz",
                                               "--json",
                                               json });
  expectOneLineError(refused, ExitBadInput, "--resample-labels");
  EXPECT_FALSE(fs::exists(json));
  const CommandResult r = runLiverplan({ "evaluate",
                                         "--ref",
                                         fine + "/liver.nii.gz",
                                         "--pred",
                                         coarse + "/liver.nii.gz",
                                         "--resample-labels",
                                         "--json",
                                         json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(json);
  // The same analytic liver voxelised at 8 mm and resampled to 4 mm: boundaries move by at most
  // about one coarse voxel.
  EXPECT_GT(j["metrics"]["dice"].get<double>(), 0.9);
  EXPECT_LT(j["metrics"]["dice"].get<double>(), 1.0);
  EXPECT_LT(j["metrics"]["mssdMm"].get<double>(), 16.0);
  EXPECT_EQ(j["prediction"]["resampled"], true);
}

TEST(CliEvaluate, BadInputGetsOneLineAndExitCode)
{
  const std::string dir = phantomAt(4);
  const std::string tmp = liver::test::makeTempDir("eval-bad");
  const std::string json = tmp + "/never.json";
  expectOneLineError(
    runLiverplan({ "evaluate", "--ref", tmp + "/missing.nii.gz", "--pred", dir + "/liver.nii.gz" }),
    ExitBadInput,
    "missing.nii.gz: no such file");
  {
    std::ofstream garbage(tmp + "/garbage.nii.gz");
    garbage << "not an image";
  }
  expectOneLineError(runLiverplan({ "evaluate",
                                    "--ref",
                                    dir + "/liver.nii.gz",
                                    "--pred",
                                    tmp + "/garbage.nii.gz",
                                    "--json",
                                    json }),
                     ExitBadInput,
                     "garbage.nii.gz");
  EXPECT_FALSE(fs::exists(json));
  EXPECT_EQ(runLiverplan({ "evaluate", "--ref", dir + "/liver.nii.gz" }).exitCode, ExitUsage);
  EXPECT_EQ(runLiverplan({ "evaluate",
                           "--ref",
                           dir + "/liver.nii.gz",
                           "--pred",
                           dir + "/liver.nii.gz",
                           "--label",
                           "0" })
              .exitCode,
            ExitUsage);
  EXPECT_EQ(runLiverplan({ "evaluate",
                           "--ref",
                           dir + "/liver.nii.gz",
                           "--pred",
                           dir + "/liver.nii.gz",
                           "--surface-connectivity",
                           "8" })
              .exitCode,
            ExitUsage);
}

TEST(CliEvaluate, LabelSelectsInTheReferenceWhenThePredictionIsBinary)
{
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg.nii.gz");
  LIVER_REQUIRE_DATA(fast, "totalsegmentator/example_seg_fast_liver_v2.nii.gz");
  const std::string json = liver::test::makeTempDir("eval") + "/binary.json";
  const CommandResult r =
    runLiverplan({ "evaluate", "--ref", seg, "--label", "5", "--pred", fast, "--json", json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(json);
  // The same figures as with an explicit --pred-label 1.
  EXPECT_NEAR(j["metrics"]["dice"].get<double>(), 0.981355, 1e-6);
  EXPECT_EQ(j["prediction"]["voxelCount"], 39350);
  EXPECT_EQ(j["prediction"]["label"], "any non-zero");
}

// Per-lesion detection (LiTS): boxes on a 1 mm grid, so 1000 voxels = 1 mL.

TEST(LesionDetection, ExactMatchPartialMissAndFalsePositiveAreCountedApart)
{
  auto reference = makeGrid({ 40, 20, 20 }, { 1.0, 1.0, 1.0 });
  auto prediction = makeGrid({ 40, 20, 20 }, { 1.0, 1.0, 1.0 });
  paintBox(*reference, { 0, 0, 0 }, { 10, 10, 10 }, 2);  // 1000 voxels, predicted exactly
  paintBox(*reference, { 20, 0, 0 }, { 30, 10, 10 }, 2); // 1000 voxels, 30 % predicted
  paintBox(*prediction, { 0, 0, 0 }, { 10, 10, 10 });
  paintBox(*prediction, { 20, 0, 0 }, { 23, 10, 10 }); // IoU 300 / 1000
  paintBox(*prediction, { 0, 12, 0 }, { 8, 20, 12 });  // 768 voxels, no reference lesion
  paintBox(*prediction, { 32, 0, 0 }, { 40, 10, 15 }); // 1200 voxels = 1.2 mL, false
  LesionDetectionOptions options;
  options.referenceLabel = 2;
  const LesionDetectionMetrics m = evaluateLesionDetection(*reference, *prediction, options);
  ASSERT_EQ(m.reference.size(), 2u);
  ASSERT_EQ(m.predicted.size(), 4u);
  EXPECT_EQ(m.detected, 1u);
  EXPECT_EQ(m.missed, 1u);
  // Reference ids follow size, ties in raster order: the left box is 1.
  EXPECT_TRUE(m.reference[0].detected);
  EXPECT_DOUBLE_EQ(m.reference[0].dice, 1.0);
  EXPECT_DOUBLE_EQ(m.reference[0].volumeMl, 1.0);
  EXPECT_NEAR(m.reference[0].centroidLpsMm[0], 4.5, 1e-12);
  EXPECT_FALSE(m.reference[1].detected);
  EXPECT_DOUBLE_EQ(m.reference[1].iou, 0.3);
  EXPECT_DOUBLE_EQ(m.reference[1].dice, 600.0 / 1300.0);
  EXPECT_DOUBLE_EQ(m.reference[1].coverage, 0.3);
  EXPECT_EQ(m.falsePositives, 2u);
  EXPECT_EQ(m.largeFalsePositives, 1u);
  EXPECT_DOUBLE_EQ(m.falsePositiveMl, 1.2 + 0.768);
  EXPECT_EQ(m.unmatchedOverlapping, 1u);
  // Predicted ids by size: 1.2 mL false, 1 mL match, 0.768 mL false, 0.3 mL partial.
  EXPECT_TRUE(m.predicted[0].falsePositive);
  EXPECT_TRUE(m.predicted[1].truePositive);
  EXPECT_TRUE(m.predicted[2].falsePositive);
  EXPECT_FALSE(m.predicted[3].truePositive);
  EXPECT_FALSE(m.predicted[3].falsePositive);
  EXPECT_DOUBLE_EQ(m.predicted[3].overlapFraction, 1.0);
}

TEST(LesionDetection, IouOfExactlyOneHalfIsNotDetected)
{
  auto reference = makeGrid({ 10, 4, 4 }, { 1.0, 1.0, 1.0 });
  auto half = makeGrid({ 10, 4, 4 }, { 1.0, 1.0, 1.0 });
  auto threeQuarters = makeGrid({ 10, 4, 4 }, { 1.0, 1.0, 1.0 });
  paintBox(*reference, { 0, 0, 0 }, { 4, 1, 1 });
  paintBox(*half, { 0, 0, 0 }, { 2, 1, 1 });
  paintBox(*threeQuarters, { 0, 0, 0 }, { 3, 1, 1 });
  EXPECT_EQ(evaluateLesionDetection(*reference, *half).detected, 0u); // LiTS: IoU > 0.5
  EXPECT_EQ(evaluateLesionDetection(*reference, *threeQuarters).detected, 1u);
}

TEST(LesionDetection, OnePredictionSpanningTwoLesionsMergesThem)
{
  auto reference = makeGrid({ 30, 10, 10 }, { 1.0, 1.0, 1.0 });
  auto prediction = makeGrid({ 30, 10, 10 }, { 1.0, 1.0, 1.0 });
  paintBox(*reference, { 0, 0, 0 }, { 10, 10, 10 });
  paintBox(*reference, { 12, 0, 0 }, { 22, 10, 10 });
  paintBox(*prediction, { 0, 0, 0 }, { 22, 10, 10 }); // both and the gap between them
  const LesionDetectionMetrics m = evaluateLesionDetection(*reference, *prediction);
  ASSERT_EQ(m.reference.size(), 2u);
  EXPECT_EQ(m.detected, 2u);
  EXPECT_EQ(m.reference[0].group, m.reference[1].group);
  EXPECT_DOUBLE_EQ(m.reference[0].iou, 2000.0 / 2200.0);
  EXPECT_DOUBLE_EQ(m.reference[1].dice, 4000.0 / 4200.0);
  EXPECT_EQ(m.falsePositives, 0u);
  ASSERT_EQ(m.predicted.size(), 1u);
  EXPECT_TRUE(m.predicted[0].truePositive);
}

TEST(LesionDetection, CornerContactMakesTwoLesionsAndEmptyReferenceMakesEveryPredictionFalse)
{
  auto reference = makeGrid({ 6, 6, 6 }, { 2.0, 2.0, 2.0 });
  auto prediction = makeGrid({ 6, 6, 6 }, { 2.0, 2.0, 2.0 });
  prediction->SetPixel({ { 1, 1, 1 } }, 3);
  prediction->SetPixel({ { 2, 2, 2 } }, 3); // touches the first at a corner only
  const LesionDetectionMetrics m = evaluateLesionDetection(*reference, *prediction);
  EXPECT_TRUE(m.reference.empty());
  EXPECT_EQ(m.detected, 0u);
  EXPECT_EQ(m.missed, 0u);
  EXPECT_EQ(m.falsePositives, 2u);
  EXPECT_DOUBLE_EQ(m.falsePositiveMl, 2 * 0.008);
  EXPECT_EQ(m.largeFalsePositives, 0u);
}

TEST(LesionDetection, RefusesMismatchedGridsAndBadThreshold)
{
  auto a = makeGrid({ 4, 4, 4 }, { 1.0, 1.0, 1.0 });
  auto b = makeGrid({ 4, 4, 5 }, { 1.0, 1.0, 1.0 });
  EXPECT_THROW(evaluateLesionDetection(*a, *b), std::invalid_argument);
  LesionDetectionOptions options;
  options.minIou = 1.0;
  EXPECT_THROW(evaluateLesionDetection(*a, *a, options), std::invalid_argument);
}

TEST(CliEvaluate, PhantomLesionsAgainstThemselvesAreAllDetected)
{
  const std::string dir = phantomAt(4);
  const std::string json = liver::test::makeTempDir("eval") + "/lesions.json";
  const CommandResult r = runLiverplan({ "evaluate",
                                         "--lesions-ref",
                                         dir + "/lesions.nii.gz",
                                         "--pred-lesions",
                                         dir + "/lesions.nii.gz",
                                         "--json",
                                         json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(json)["lesionDetection"];
  const nlohmann::json truth = readJson(dir + "/truth.json");
  EXPECT_EQ(j["referenceCount"], truth["lesions"].size());
  EXPECT_EQ(j["detected"], truth["lesions"].size());
  EXPECT_EQ(j["falsePositives"], 0);
  for (const auto& lesion : j["reference"])
    EXPECT_EQ(lesion["dice"], 1.0);
  EXPECT_FALSE(readJson(json).contains("metrics")); // no liver pair given
  // Neither pair: a usage error.
  EXPECT_EQ(runLiverplan({ "evaluate", "--json", json }).exitCode, ExitUsage);
  EXPECT_EQ(runLiverplan({ "evaluate", "--lesions-ref", dir + "/lesions.nii.gz" }).exitCode,
            ExitUsage);
}
