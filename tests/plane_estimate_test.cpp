/// liver::PlaneDragEstimator (the planner's estimate while a cut plane moves), without a display:
/// exact figures on a box liver whose cut falls on block boundaries, the estimate against
/// evaluatePlan on the phantom (plane alone and plane with a fixed segmentectomy), lesion fates
/// and margins, exact margins reused for what the plane does not decide, and bad input.

#include "phantom_support.h"

#include <liver/data/phantom.h>
#include <liver/planning/plane_estimate.h>
#include <liver/planning/resection.h>
#include <liver/volumetry/liver_function.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>

using namespace liver;

namespace
{

/// A 40x30x30 grid of 1 mm voxels at the origin (identity direction): the liver is the box
/// x 5..34, y 5..24, z 5..24 (30x20x20 = 12000 voxels = 12 mL); lesion 1 is the cube x 8..11,
/// y 10..13, z 10..13 (64 voxels), lesion 2 the cube x 28..31, y 10..13, z 10..13.
LiverLabels boxLiver()
{
  auto make = []
  {
    auto image = LabelImage::New();
    LabelImage::RegionType region;
    region.SetSize({ 40, 30, 30 });
    image->SetRegions(region);
    image->SetSpacing(1.0);
    image->Allocate(true);
    return image;
  };
  LiverLabels labels;
  labels.liver = make();
  labels.lesions = make();
  for (unsigned z = 0; z < 30; ++z)
    for (unsigned y = 0; y < 30; ++y)
      for (unsigned x = 0; x < 40; ++x)
      {
        const LabelImage::IndexType i = { { x, y, z } };
        const bool liver = x >= 5 && x <= 34 && y >= 5 && y <= 24 && z >= 5 && z <= 24;
        labels.liver->SetPixel(i, liver);
        const bool core = y >= 10 && y <= 13 && z >= 10 && z <= 13;
        if (core && x >= 8 && x <= 11)
          labels.lesions->SetPixel(i, 1);
        if (core && x >= 28 && x <= 31)
          labels.lesions->SetPixel(i, 2);
      }
  return labels;
}

const PlanEstimate::Lesion& lesion(const PlanEstimate& e, int id)
{
  for (const PlanEstimate::Lesion& l : e.lesions)
    if (l.id == id)
      return l;
  throw std::runtime_error("no lesion " + std::to_string(id));
}

} // namespace

TEST(PlaneDragEstimator, BoxLiverCutOnBlockBoundariesIsExact)
{
  const LiverLabels labels = boxLiver();
  PlanOptions options;
  options.heightCm = 170.0;
  options.weightKg = 70.0;
  // Blocks of 4 voxels from the box corner x = 3 (2 voxels of margin): boundaries at x = 3, 7,
  // 11, 15, 19, 23, ...; a plane at x = 18.5 (normal +x) resects x >= 19 exactly.
  const PlaneDragEstimator estimator(labels, nullptr, options, 4.0);
  EXPECT_GT(estimator.cellCount(), 0u);
  const PlanEstimate e = estimator.estimate(CutPlane{ { 18.5, 0, 0 }, { 1, 0, 0 } });
  EXPECT_FALSE(e.exact);
  // Kept x 5..18: 14 x 20 x 20 = 5600 voxels, of which lesion 1's 64.
  EXPECT_DOUBLE_EQ(e.remnantMl, 5.6);
  EXPECT_DOUBLE_EQ(e.flrMl, (5600.0 - 64.0) / 1000.0);
  EXPECT_DOUBLE_EQ(e.flrPercent, measuredFlrPercent(e.flrMl, 12.0, 0.128));
  ASSERT_TRUE(e.sflrPercent.has_value());
  const double slv = standardLiverVolumeMl(bodySurfaceAreaM2(170.0, 70.0, BsaFormula::Mosteller),
                                           SlvFormula::Vauthey);
  EXPECT_DOUBLE_EQ(*e.sflrPercent, standardizedFlrPercent(e.flrMl, slv));
  ASSERT_EQ(e.lesions.size(), 2u);
  // Lesion 1 (x 8..11) kept: margin from x = 11 to the plane (7.5 mm) less half a voxel.
  EXPECT_EQ(lesion(e, 1).fate, LesionFate::Left);
  ASSERT_TRUE(lesion(e, 1).marginMm.has_value());
  EXPECT_DOUBLE_EQ(*lesion(e, 1).marginMm, 7.0);
  // Lesion 2 (x 28..31) resected by the plane: margin 28 - 18.5 - 0.5 = 9 mm.
  EXPECT_EQ(lesion(e, 2).fate, LesionFate::Resected);
  ASSERT_TRUE(lesion(e, 2).marginMm.has_value());
  EXPECT_DOUBLE_EQ(*lesion(e, 2).marginMm, 9.0);

  // No plane: the whole liver kept, no margins (nothing resected).
  const PlanEstimate none = estimator.estimate(std::nullopt);
  EXPECT_DOUBLE_EQ(none.remnantMl, 12.0);
  EXPECT_DOUBLE_EQ(none.flrPercent, 100.0);
  EXPECT_EQ(lesion(none, 1).fate, LesionFate::Left);
  EXPECT_FALSE(lesion(none, 1).marginMm.has_value());

  // A plane through lesion 2: it is left with margin 0.
  const PlanEstimate through = estimator.estimate(CutPlane{ { 29.5, 0, 0 }, { 1, 0, 0 } });
  EXPECT_EQ(lesion(through, 2).fate, LesionFate::Left);
  EXPECT_DOUBLE_EQ(*lesion(through, 2).marginMm, 0.0);
}

TEST(PlaneDragEstimator, FixedPartsComeFromTheirRemnantMapAndExactMarginsAreReused)
{
  const LiverLabels labels = boxLiver();
  // The fixed plan: a plane resecting x >= 25 (lesion 2).
  ResectionPlan fixed;
  fixed.name = "fixed";
  fixed.planes.push_back({ { 24.5, 0, 0 }, { 1, 0, 0 } });
  PlanOptions options;
  options.makeRemnantMap = true;
  const PlanResult fixedResult = evaluatePlan(labels, fixed, options);
  const PlaneDragEstimator estimator(labels, fixedResult.remnantMap.GetPointer(), options, 4.0);
  // No moving plane: the fixed plan's remnant (x 5..24) exactly; lesion 2 resected with the
  // exact margin of the result it is given.
  const PlanEstimate e = estimator.estimate(std::nullopt, &fixedResult);
  EXPECT_DOUBLE_EQ(e.remnantMl, fixedResult.remnantMl);
  EXPECT_EQ(lesion(e, 2).fate, LesionFate::Resected);
  std::optional<double> exactMargin;
  for (const LesionOutcome& o : fixedResult.lesions)
    if (o.id == 2)
      exactMargin = o.marginMm;
  ASSERT_TRUE(exactMargin.has_value());
  EXPECT_EQ(lesion(e, 2).marginMm, exactMargin);
  // Lesion 1, left by a plan that resects something: its exact margin too.
  EXPECT_EQ(lesion(e, 1).fate, LesionFate::Left);
  EXPECT_TRUE(lesion(e, 1).marginMm.has_value());
  // Without the exact result those margins are unknown, not guessed.
  EXPECT_FALSE(lesion(estimator.estimate(std::nullopt), 2).marginMm.has_value());
  // A moving plane at x = 14.5 (normal -x) resects x <= 14 as well: remnant x 15..24.
  const PlanEstimate both = estimator.estimate(CutPlane{ { 14.5, 0, 0 }, { -1, 0, 0 } });
  EXPECT_NEAR(both.remnantMl, 4.0, 0.4 + 1e-9); // within one layer of 4 mm blocks
  EXPECT_EQ(lesion(both, 1).fate, LesionFate::Resected);
  EXPECT_EQ(lesion(both, 2).fate, LesionFate::Resected);
}

TEST(PlaneDragEstimator, PhantomEstimateIsWithinTwoPointsOfEvaluatePlanAndFast)
{
  const Phantom& phantom = test::phantomAt(2.0);
  const LiverLabels labels = test::labelsOf(phantom);
  PlanOptions options;
  options.heightCm = 175.0;
  options.weightKg = 75.0;
  options.makeRemnantMap = true;

  // The liver's centre of mass.
  double c[3] = { 0, 0, 0 }, count = 0;
  const auto size = phantom.liver->GetLargestPossibleRegion().GetSize();
  for (unsigned z = 0; z < size[2]; ++z)
    for (unsigned y = 0; y < size[1]; ++y)
      for (unsigned x = 0; x < size[0]; ++x)
        if (phantom.liver->GetPixel({ { x, y, z } }))
        {
          LabelImage::PointType p;
          phantom.liver->TransformIndexToPhysicalPoint({ { x, y, z } }, p);
          for (int a = 0; a < 3; ++a)
            c[a] += p[a];
          ++count;
        }
  const std::array<double, 3> centre = { c[0] / count, c[1] / count, c[2] / count };

  // Plane alone, and plane with a fixed segmentectomy of segment 2.
  for (const bool withSegment : { false, true })
  {
    ResectionPlan fixed;
    fixed.name = "fixed";
    if (withSegment)
      fixed.segments = { 2 };
    LabelImage::Pointer fixedMap;
    PlanResult fixedResult;
    if (withSegment)
    {
      fixedResult = evaluatePlan(labels, fixed, options);
      fixedMap = fixedResult.remnantMap;
    }
    const PlaneDragEstimator estimator(labels, fixedMap.GetPointer(), options, 4.0);
    for (const CutPlane& plane :
         { CutPlane{ { centre[0] - 20.0, centre[1], centre[2] }, { 1, 0, 0.3 } },
           CutPlane{ { centre[0], centre[1], centre[2] + 10.0 }, { 0.2, -0.3, 1 } },
           CutPlane{ { centre[0] + 30.0, centre[1], centre[2] }, { -1, 0.1, 0 } } })
    {
      ResectionPlan plan = fixed;
      plan.planes.push_back(plane);
      const PlanResult exact = evaluatePlan(labels, plan, options);
      const auto start = std::chrono::steady_clock::now();
      const PlanEstimate e = estimator.estimate(plane, &fixedResult);
      const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::printf(
        "FLR estimate %.2f %% exact %.2f %% (%.2f ms)\n", e.flrPercent, exact.flrPercent, ms);
      EXPECT_NEAR(e.flrPercent, exact.flrPercent, 2.0);
      ASSERT_TRUE(e.sflrPercent && exact.sflrPercent);
      EXPECT_NEAR(*e.sflrPercent, *exact.sflrPercent, 2.0);
      EXPECT_NEAR(e.remnantMl, exact.remnantMl, 0.02 * exact.totalLiverMl);
      std::size_t inLiver = 0;
      for (const LesionOutcome& o : exact.lesions)
        inLiver += o.voxelCount > 0;
      ASSERT_EQ(e.lesions.size(), inLiver);
      // Fates agree for lesions the cut does not pass within a coarse block of.
      for (const LesionOutcome& o : exact.lesions)
        if (o.voxelCount > 0 && o.marginMm && *o.marginMm > 6.0)
        {
          EXPECT_EQ(lesion(e, o.id).fate, o.fate) << "lesion " << o.id;
        }
    }
  }
}

TEST(PlaneDragEstimator, RefusesBadInput)
{
  const LiverLabels labels = boxLiver();
  EXPECT_THROW(PlaneDragEstimator(labels, nullptr, {}, 0.0), std::invalid_argument);
  EXPECT_THROW(PlaneDragEstimator(labels, nullptr, {}, std::nan("")), std::invalid_argument);
  LiverLabels noLiver;
  EXPECT_THROW(PlaneDragEstimator(noLiver, nullptr, {}, 4.0), std::invalid_argument);
  LiverLabels empty = boxLiver();
  empty.liver->FillBuffer(0);
  EXPECT_THROW(PlaneDragEstimator(empty, nullptr, {}, 4.0), std::invalid_argument);
  auto small = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ 4, 4, 4 });
  small->SetRegions(region);
  small->Allocate(true);
  EXPECT_THROW(PlaneDragEstimator(labels, small.GetPointer(), {}, 4.0), std::invalid_argument);
  const PlaneDragEstimator estimator(labels, nullptr, {}, 4.0);
  EXPECT_THROW(estimator.estimate(CutPlane{ { 0, 0, 0 }, { 0, 0, 0 } }), std::invalid_argument);
}
