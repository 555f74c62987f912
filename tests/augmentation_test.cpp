/// liver::planning FLR augmentation: PVE, ALPPS and two-stage predictions reproduced by hand from
/// DESIGN.md §3 FLR augmentation, every parameter override, the earliest week under linear
/// growth, DH / KGR with Shindoh's verdict, and bad inputs naming the parameter.

#include <liver/planning/augmentation.h>

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace liver;

namespace
{

/// Products and quotients of a few decimals: exact up to double rounding, so 1e-9 is ample.
constexpr double Tolerance = 1e-9;

/// The message of the std::invalid_argument `call` throws; a test failure when it throws none.
std::string invalidArgumentMessage(const std::function<void()>& call)
{
  try
  {
    call();
  }
  catch (const std::invalid_argument& e)
  {
    return e.what();
  }
  ADD_FAILURE() << "no std::invalid_argument thrown";
  return {};
}

::testing::AssertionResult mentions(const std::string& message, const std::string& name)
{
  if (message.find(name) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << message << "\" does not mention \"" << name << "\"";
}

} // namespace

TEST(AugmentationParameters, DefaultsAreDesignNumbersAndStatedAssumptions)
{
  const AugmentationParameters p;
  EXPECT_DOUBLE_EQ(p.pveMedianHypertrophyPercent, 37.9);
  EXPECT_DOUBLE_EQ(p.pveLowHypertrophyPercent, 0.5 * 37.9);
  EXPECT_DOUBLE_EQ(p.pveHighHypertrophyPercent, 1.5 * 37.9);
  EXPECT_DOUBLE_EQ(p.pveWaitWeeks, 4.0);
  EXPECT_DOUBLE_EQ(p.pveDropoutLowPercent, 20.0);
  EXPECT_DOUBLE_EQ(p.pveDropoutHighPercent, 40.0);
  EXPECT_DOUBLE_EQ(p.alppsMedianHypertrophyPercent, 84.0);
  EXPECT_DOUBLE_EQ(p.alppsLowHypertrophyPercent, 42.0);
  EXPECT_DOUBLE_EQ(p.alppsHighHypertrophyPercent, 126.0);
  EXPECT_DOUBLE_EQ(p.alppsWaitWeeks, 2.0);
  EXPECT_DOUBLE_EQ(p.twoStageMinIntervalWeeks, 4.0);
  EXPECT_DOUBLE_EQ(p.twoStageMaxIntervalWeeks, 8.0);
  EXPECT_DOUBLE_EQ(p.twoStageCompletionLowPercent, 78.0);
  EXPECT_DOUBLE_EQ(p.twoStageCompletionHighPercent, 82.0);
  EXPECT_DOUBLE_EQ(p.shindohMinKgrPercentPerWeek, 2.0);
  EXPECT_DOUBLE_EQ(p.shindohMinDhPoints, 7.5);
  EXPECT_NO_THROW(validateAugmentationParameters(p));
}

TEST(AugmentationPve, IssueExampleTwentyFivePercentGivesThirtyFourPointFive)
{
  // Issue 5: sFLR 25 % with 37.9 % mean PVE hypertrophy gives 34.5 % (25 x 1.379 = 34.475).
  const AugmentationPrediction p = predictPve(25.0, 30.0);
  EXPECT_EQ(p.strategy, AugmentationStrategy::Pve);
  EXPECT_EQ(toString(p.strategy), "pve");
  EXPECT_DOUBLE_EQ(p.currentSflrPercent, 25.0);
  EXPECT_DOUBLE_EQ(p.startSflrPercent, 25.0);
  EXPECT_NEAR(p.median.predictedSflrPercent, 34.475, Tolerance);
  EXPECT_NEAR(std::round(p.median.predictedSflrPercent * 10.0) / 10.0, 34.5, Tolerance);
  EXPECT_NEAR(p.low.predictedSflrPercent, 25.0 * 1.1895, Tolerance);  // 29.7375
  EXPECT_NEAR(p.high.predictedSflrPercent, 25.0 * 1.5685, Tolerance); // 39.2125
  EXPECT_EQ(p.low.name, "low");
  EXPECT_EQ(p.median.name, "median");
  EXPECT_EQ(p.high.name, "high");
  EXPECT_FALSE(p.low.reachesThreshold);
  EXPECT_TRUE(p.median.reachesThreshold);
  EXPECT_TRUE(p.high.reachesThreshold);
  EXPECT_EQ(scenariosReachingThreshold(p), (std::vector<std::string>{ "median", "high" }));
  EXPECT_DOUBLE_EQ(p.waitWeeks, 4.0);
  EXPECT_FALSE(p.low.predictedFlrMl.has_value());
  ASSERT_TRUE(p.notCompletedLowPercent && p.notCompletedHighPercent);
  EXPECT_DOUBLE_EQ(*p.notCompletedLowPercent, 20.0);
  EXPECT_DOUBLE_EQ(*p.notCompletedHighPercent, 40.0);
  EXPECT_TRUE(mentions(p.note, "population estimates"));
  EXPECT_EQ(p.sources.front(), "van Lienden, CVIR 2013");
}

TEST(AugmentationPve, EarliestMedianWeekAssumesLinearGrowth)
{
  // 25 % grows linearly to 34.475 % over 4 weeks: 30 % is reached at 4 x 5 / 9.475 weeks.
  const AugmentationPrediction p = predictPve(25.0, 30.0);
  ASSERT_TRUE(p.earliestMedianWeek.has_value());
  EXPECT_NEAR(*p.earliestMedianWeek, 4.0 * 5.0 / 9.475, Tolerance); // 2.1108 weeks

  // Already at the threshold: week 0.
  const AugmentationPrediction atThreshold = predictPve(30.0, 30.0);
  ASSERT_TRUE(atThreshold.earliestMedianWeek.has_value());
  EXPECT_DOUBLE_EQ(*atThreshold.earliestMedianWeek, 0.0);

  // Exactly the median prediction as threshold: the whole wait.
  const double medianFromTwenty = predictPve(20.0, 30.0).median.predictedSflrPercent;
  EXPECT_NEAR(medianFromTwenty, 27.58, Tolerance);
  const AugmentationPrediction atMedian = predictPve(20.0, medianFromTwenty);
  ASSERT_TRUE(atMedian.earliestMedianWeek.has_value());
  EXPECT_NEAR(*atMedian.earliestMedianWeek, 4.0, 1e-9);

  // 20 % x 1.379 = 27.58 % never reaches 40 %: no week, and only no scenario reaches it.
  const AugmentationPrediction never = predictPve(20.0, 40.0);
  EXPECT_FALSE(never.earliestMedianWeek.has_value());
  EXPECT_TRUE(scenariosReachingThreshold(never).empty());

  // A zero remnant never grows.
  const AugmentationPrediction zero = predictPve(0.0, 20.0);
  EXPECT_DOUBLE_EQ(zero.high.predictedSflrPercent, 0.0);
  EXPECT_FALSE(zero.earliestMedianWeek.has_value());
}

TEST(AugmentationAlpps, MedianIsEightyFourPercentRelativeInTwoWeeks)
{
  const AugmentationPrediction p = predictAlpps(25.0, 40.0);
  EXPECT_EQ(toString(p.strategy), "alpps");
  EXPECT_NEAR(p.median.predictedSflrPercent, 46.0, Tolerance); // 25 x 1.84
  EXPECT_NEAR(p.low.predictedSflrPercent, 35.5, Tolerance);    // 25 x 1.42
  EXPECT_NEAR(p.high.predictedSflrPercent, 56.5, Tolerance);   // 25 x 2.26
  EXPECT_EQ(scenariosReachingThreshold(p), (std::vector<std::string>{ "median", "high" }));
  EXPECT_DOUBLE_EQ(p.waitWeeks, 2.0);
  ASSERT_TRUE(p.earliestMedianWeek.has_value());
  EXPECT_NEAR(*p.earliestMedianWeek, 2.0 * 15.0 / 21.0, Tolerance); // 1.43 weeks
  EXPECT_FALSE(p.notCompletedLowPercent.has_value());
  EXPECT_FALSE(p.stageOneFlrMl.has_value());
  EXPECT_TRUE(mentions(p.note, "population estimates"));
}

TEST(AugmentationTwoStage, StageOneRemnantIsRestandardizedThenGrowsByPve)
{
  // Before stage 1: sFLR 18 %. Stage 1 leaves 300 mL of a 1500 mL SLV: 20 %, then PVE growth.
  const AugmentationPrediction p = predictTwoStage(18.0, 300.0, 1500.0, 30.0);
  EXPECT_EQ(toString(p.strategy), "two-stage");
  EXPECT_DOUBLE_EQ(p.currentSflrPercent, 18.0);
  EXPECT_NEAR(p.startSflrPercent, 20.0, Tolerance);
  EXPECT_NEAR(p.low.predictedSflrPercent, 23.79, Tolerance);    // 20 x 1.1895
  EXPECT_NEAR(p.median.predictedSflrPercent, 27.58, Tolerance); // 20 x 1.379
  EXPECT_NEAR(p.high.predictedSflrPercent, 31.37, Tolerance);   // 20 x 1.5685
  ASSERT_TRUE(p.median.predictedFlrMl.has_value());
  EXPECT_NEAR(*p.low.predictedFlrMl, 356.85, Tolerance);
  EXPECT_NEAR(*p.median.predictedFlrMl, 413.7, Tolerance);
  EXPECT_NEAR(*p.high.predictedFlrMl, 470.55, Tolerance);
  EXPECT_EQ(scenariosReachingThreshold(p), (std::vector<std::string>{ "high" }));
  EXPECT_FALSE(p.earliestMedianWeek.has_value());
  EXPECT_DOUBLE_EQ(*p.stageOneFlrMl, 300.0);
  EXPECT_DOUBLE_EQ(*p.standardLiverVolumeMl, 1500.0);
  EXPECT_DOUBLE_EQ(*p.stageTwoEarliestWeek, 4.0);
  EXPECT_DOUBLE_EQ(*p.stageTwoLatestWeek, 8.0);
  EXPECT_NEAR(*p.notCompletedLowPercent, 18.0, Tolerance);  // 100 - 82
  EXPECT_NEAR(*p.notCompletedHighPercent, 22.0, Tolerance); // 100 - 78
  EXPECT_TRUE(mentions(p.note, "population estimates"));
}

TEST(AugmentationTwoStage, EarliestWeekIsNoEarlierThanTheStageTwoInterval)
{
  // Median reaches 25 % at 4 x 5 / 7.58 = 2.64 weeks, but stage 2 waits at least 4 weeks.
  const AugmentationPrediction p = predictTwoStage(18.0, 300.0, 1500.0, 25.0);
  ASSERT_TRUE(p.earliestMedianWeek.has_value());
  EXPECT_DOUBLE_EQ(*p.earliestMedianWeek, 4.0);

  // With a 2-week minimum interval the linear-growth week shows.
  AugmentationParameters shortInterval;
  shortInterval.twoStageMinIntervalWeeks = 2.0;
  const AugmentationPrediction q = predictTwoStage(18.0, 300.0, 1500.0, 25.0, shortInterval);
  EXPECT_NEAR(*q.earliestMedianWeek, 4.0 * 5.0 / 7.58, Tolerance);
  EXPECT_DOUBLE_EQ(*q.stageTwoEarliestWeek, 2.0);
}

TEST(AugmentationParameters, EveryPveOverrideChangesThePrediction)
{
  AugmentationParameters p;
  p.pveLowHypertrophyPercent = 10.0;
  p.pveMedianHypertrophyPercent = 50.0;
  p.pveHighHypertrophyPercent = 80.0;
  p.pveWaitWeeks = 6.0;
  p.pveDropoutLowPercent = 10.0;
  p.pveDropoutHighPercent = 15.0;
  const AugmentationPrediction r = predictPve(25.0, 30.0, p);
  EXPECT_NEAR(r.low.predictedSflrPercent, 27.5, Tolerance);
  EXPECT_NEAR(r.median.predictedSflrPercent, 37.5, Tolerance);
  EXPECT_NEAR(r.high.predictedSflrPercent, 45.0, Tolerance);
  EXPECT_DOUBLE_EQ(r.waitWeeks, 6.0);
  EXPECT_NEAR(*r.earliestMedianWeek, 6.0 * 5.0 / 12.5, Tolerance); // 2.4 weeks
  EXPECT_DOUBLE_EQ(*r.notCompletedLowPercent, 10.0);
  EXPECT_DOUBLE_EQ(*r.notCompletedHighPercent, 15.0);

  // The two-stage prediction uses the same PVE growth.
  const AugmentationPrediction t = predictTwoStage(18.0, 300.0, 1500.0, 30.0, p);
  EXPECT_NEAR(t.median.predictedSflrPercent, 30.0, Tolerance); // 20 x 1.5
  EXPECT_NEAR(*t.high.predictedFlrMl, 540.0, Tolerance);       // 300 x 1.8
}

TEST(AugmentationParameters, EveryAlppsOverrideChangesThePrediction)
{
  AugmentationParameters p;
  p.alppsLowHypertrophyPercent = 60.0;
  p.alppsMedianHypertrophyPercent = 100.0;
  p.alppsHighHypertrophyPercent = 150.0;
  p.alppsWaitWeeks = 1.0;
  const AugmentationPrediction r = predictAlpps(20.0, 30.0, p);
  EXPECT_NEAR(r.low.predictedSflrPercent, 32.0, Tolerance);
  EXPECT_NEAR(r.median.predictedSflrPercent, 40.0, Tolerance);
  EXPECT_NEAR(r.high.predictedSflrPercent, 50.0, Tolerance);
  EXPECT_DOUBLE_EQ(r.waitWeeks, 1.0);
  EXPECT_NEAR(*r.earliestMedianWeek, 0.5, Tolerance); // 10 of 20 points in 1 week
  EXPECT_EQ(scenariosReachingThreshold(r), (std::vector<std::string>{ "low", "median", "high" }));
}

TEST(AugmentationParameters, EveryTwoStageOverrideChangesThePrediction)
{
  AugmentationParameters p;
  p.twoStageMinIntervalWeeks = 5.0;
  p.twoStageMaxIntervalWeeks = 10.0;
  p.twoStageCompletionLowPercent = 60.0;
  p.twoStageCompletionHighPercent = 70.0;
  const AugmentationPrediction r = predictTwoStage(18.0, 300.0, 1500.0, 25.0, p);
  EXPECT_DOUBLE_EQ(*r.stageTwoEarliestWeek, 5.0);
  EXPECT_DOUBLE_EQ(*r.stageTwoLatestWeek, 10.0);
  EXPECT_DOUBLE_EQ(*r.earliestMedianWeek, 5.0);
  EXPECT_NEAR(*r.notCompletedLowPercent, 30.0, Tolerance);
  EXPECT_NEAR(*r.notCompletedHighPercent, 40.0, Tolerance);
}

TEST(AugmentationParameters, EveryShindohOverrideChangesTheVerdict)
{
  // 25 -> 33 % in 4 weeks: DH 8 points, KGR 2 %/week, sFLR 33 %: adequate by default.
  ASSERT_TRUE(assessHypertrophy(25.0, 33.0, 4.0, 30.0).adequate);
  AugmentationParameters kgr;
  kgr.shindohMinKgrPercentPerWeek = 2.5;
  const HypertrophyAssessment a = assessHypertrophy(25.0, 33.0, 4.0, 30.0, kgr);
  EXPECT_FALSE(a.kgrMet);
  EXPECT_FALSE(a.adequate);
  // DH is reported beside the primary KGR criterion: a stricter DH changes dhMet, not the verdict.
  AugmentationParameters dh;
  dh.shindohMinDhPoints = 9.0;
  const HypertrophyAssessment b = assessHypertrophy(25.0, 33.0, 4.0, 30.0, dh);
  EXPECT_FALSE(b.dhMet);
  EXPECT_TRUE(b.adequate);
  EXPECT_EQ(b.reasons[2], "not met: DH 8 points < 9 points (reported beside)");
}

TEST(HypertrophyAssessment, DegreeAndKineticGrowthRateByHand)
{
  const HypertrophyAssessment a = assessHypertrophy(25.0, 33.0, 4.0, 30.0);
  EXPECT_NEAR(a.degreeOfHypertrophyPoints, 8.0, Tolerance);
  EXPECT_NEAR(a.relativeGrowthPercent, 32.0, Tolerance); // 8 / 25
  EXPECT_NEAR(a.kineticGrowthRatePercentPerWeek, 2.0, Tolerance);
  EXPECT_TRUE(a.kgrMet);
  EXPECT_TRUE(a.dhMet);
  EXPECT_TRUE(a.sflrMet);
  EXPECT_TRUE(a.adequate);
  EXPECT_EQ(a.source, "Shindoh, JACS 2013");
  ASSERT_EQ(a.reasons.size(), 3u);
  EXPECT_EQ(a.reasons[0], "met: KGR 2 %/week >= 2 %/week (primary criterion)");
  EXPECT_EQ(a.reasons[1], "met: sFLR 33 % >= 30 % (the liver's threshold)");
  EXPECT_EQ(a.reasons[2], "met: DH 8 points >= 7.5 points (reported beside)");

  // Shrinking remnant: negative DH and KGR, nothing met.
  const HypertrophyAssessment s = assessHypertrophy(30.0, 27.0, 3.0, 30.0);
  EXPECT_NEAR(s.degreeOfHypertrophyPoints, -3.0, Tolerance);
  EXPECT_NEAR(s.kineticGrowthRatePercentPerWeek, -1.0, Tolerance);
  EXPECT_NEAR(s.relativeGrowthPercent, -10.0, Tolerance);
  EXPECT_FALSE(s.kgrMet || s.dhMet || s.sflrMet || s.adequate);
}

TEST(HypertrophyAssessment, KgrCutOffBothSides)
{
  // DH 8 and sFLR 33 % are met in both; only the weeks change KGR.
  const HypertrophyAssessment at = assessHypertrophy(25.0, 33.0, 4.0, 30.0); // 2.0 %/week
  EXPECT_TRUE(at.kgrMet);
  EXPECT_TRUE(at.adequate);
  const HypertrophyAssessment below = assessHypertrophy(25.0, 33.0, 5.0, 30.0); // 1.6 %/week
  EXPECT_NEAR(below.kineticGrowthRatePercentPerWeek, 1.6, Tolerance);
  EXPECT_FALSE(below.kgrMet);
  EXPECT_TRUE(below.dhMet);
  EXPECT_TRUE(below.sflrMet);
  EXPECT_FALSE(below.adequate);
  EXPECT_EQ(below.reasons[0], "not met: KGR 1.6 %/week < 2 %/week (primary criterion)");
}

TEST(HypertrophyAssessment, DhIsReportedBesideTheVerdict)
{
  const HypertrophyAssessment at = assessHypertrophy(25.0, 32.5, 2.0, 30.0); // DH 7.5, KGR 3.75
  EXPECT_TRUE(at.dhMet);
  EXPECT_TRUE(at.adequate);
  const HypertrophyAssessment below = assessHypertrophy(25.0, 32.4, 2.0, 30.0); // DH 7.4, KGR 3.7
  EXPECT_NEAR(below.degreeOfHypertrophyPoints, 7.4, Tolerance);
  EXPECT_FALSE(below.dhMet);
  EXPECT_TRUE(below.kgrMet);
  EXPECT_TRUE(below.sflrMet);
  EXPECT_TRUE(below.adequate); // KGR is the primary criterion (Shindoh, JACS 2013)
}

TEST(HypertrophyAssessment, SflrCutOffIsTheGivenThresholdBothSides)
{
  const HypertrophyAssessment at = assessHypertrophy(22.0, 30.0, 3.0, 30.0); // KGR 2.67
  EXPECT_TRUE(at.sflrMet);
  EXPECT_TRUE(at.adequate);
  const HypertrophyAssessment below = assessHypertrophy(21.9, 29.9, 3.0, 30.0); // KGR 2.67
  EXPECT_FALSE(below.sflrMet);
  EXPECT_TRUE(below.kgrMet);
  EXPECT_FALSE(below.adequate);
  EXPECT_EQ(below.reasons[1], "not met: sFLR 29.9 % < 30 % (the liver's threshold)");
}

TEST(DecisionCorrections, HypertrophyJudgesKgrFirstAgainstTheLiverConditionsThreshold)
{
  // Normal liver (20 %, Kishi 2009): 15 -> 21 % in 2 weeks is KGR 3 %/week, DH 6 points. The old
  // verdict (all three cut-offs, sFLR >= 29.6 %) called this inadequate.
  const HypertrophyAssessment normal = assessHypertrophy(15.0, 21.0, 2.0, 20.0);
  EXPECT_NEAR(normal.kineticGrowthRatePercentPerWeek, 3.0, Tolerance);
  EXPECT_TRUE(normal.kgrMet);
  EXPECT_FALSE(normal.dhMet);
  EXPECT_TRUE(normal.sflrMet);
  EXPECT_TRUE(normal.adequate);
  EXPECT_DOUBLE_EQ(normal.thresholdPercent, 20.0);
  // Cirrhosis (40 %, Azoulay): 25 -> 33 % grows fast enough but the remnant stays too small.
  const HypertrophyAssessment cirrhotic = assessHypertrophy(25.0, 33.0, 4.0, 40.0);
  EXPECT_TRUE(cirrhotic.kgrMet);
  EXPECT_FALSE(cirrhotic.sflrMet);
  EXPECT_FALSE(cirrhotic.adequate);
  // Slow growth fails whatever the remnant: 20 -> 35 % over 10 weeks is KGR 1.5 %/week.
  EXPECT_FALSE(assessHypertrophy(20.0, 35.0, 10.0, 30.0).adequate);
  EXPECT_TRUE(mentions(invalidArgumentMessage([] { assessHypertrophy(25.0, 30.0, 4.0, 0.0); }),
                       "thresholdPercent = 0"));
}

TEST(DecisionCorrections, PredictedGrowthGivesTheKgrOfAPrediction)
{
  // PVE from 15 %: 15 x 1.379 = 20.685 % after 4 weeks: DH 5.685 points, KGR 1.42 %/week.
  const AugmentationParameters p;
  const PredictedGrowth g = predictedGrowth(15.0 * 1.379, 37.9, 4.0, p);
  EXPECT_NEAR(g.startSflrPercent, 15.0, Tolerance);
  EXPECT_NEAR(g.degreeOfHypertrophyPoints, 5.685, Tolerance);
  EXPECT_NEAR(g.kineticGrowthRatePercentPerWeek, 1.42125, Tolerance);
  EXPECT_FALSE(g.kgrMet);
  EXPECT_FALSE(g.dhMet);
  // ALPPS from 15 %: 27.6 % after 2 weeks: KGR 6.3 %/week.
  const PredictedGrowth a = predictedGrowth(15.0 * 1.84, 84.0, 2.0, p);
  EXPECT_NEAR(a.kineticGrowthRatePercentPerWeek, 6.3, Tolerance);
  EXPECT_TRUE(a.kgrMet);
  EXPECT_TRUE(a.dhMet);
}

TEST(DecisionCorrections, AugmentationVerdictCountsAMedianOnlyWhenItAlsoGrowsFastEnough)
{
  // Issue 14 follow-up: analyze's verdict judged the threshold only, decide the threshold and
  // KGR. Normal liver (20 %), sFLR 18 %: PVE's median 18 x 1.379 = 24.8 % reaches 20 % but grows
  // 6.822 / 4 = 1.7 %/week (< 2.0); ALPPS's 33.1 % grows 15.12 / 2 = 7.6 %/week and reaches 20 %
  // at week 2 x 2 / 15.12 = 0.26 (linear); two-stage (stage 1 leaves 180 of 1000 mL SLV, 18 %)
  // grows as PVE does.
  const AugmentationParameters p;
  const AugmentationPrediction pve = predictPve(18.0, 20.0, p);
  const AugmentationPrediction alpps = predictAlpps(18.0, 20.0, p);
  const AugmentationPrediction two = predictTwoStage(18.0, 180.0, 1000.0, 20.0, p);
  const MedianQualification q =
    qualifyMedian(AugmentationStrategy::Pve, pve.median.predictedSflrPercent, 20.0, p);
  EXPECT_TRUE(q.reachesThreshold);
  EXPECT_NEAR(q.growth.kineticGrowthRatePercentPerWeek, 18.0 * 0.379 / 4.0, Tolerance);
  EXPECT_FALSE(q.qualifies);
  EXPECT_TRUE(qualifyMedian(AugmentationStrategy::Alpps, alpps.median.predictedSflrPercent, 20.0, p)
                .qualifies);
  EXPECT_EQ(augmentationVerdict(false, pve, alpps, two, p),
            "ALPPS (median, week 0.3); PVE: median 24.8 % reaches 20.0 % but grows 1.7 %/week "
            "(< 2.0, primary criterion)");
  // A KGR cut-off of 8 %/week: none qualifies, and the verdict says why for each.
  AugmentationParameters strict;
  strict.shindohMinKgrPercentPerWeek = 8.0;
  EXPECT_EQ(augmentationVerdict(false, pve, alpps, two, strict),
            "no strategy qualifies (median): PVE: median 24.8 % reaches 20.0 % but grows 1.7 "
            "%/week (< 8.0, primary criterion); ALPPS: median 33.1 % reaches 20.0 % but grows 7.6 "
            "%/week (< 8.0, primary criterion); two-stage: median 24.8 % reaches 20.0 % but grows "
            "1.7 %/week (< 8.0, primary criterion)");
  // 25 % against 30 %: PVE's 34.5 % grows 2.4 %/week and reaches 30 % at 4 x 5 / 9.475 = 2.1.
  EXPECT_EQ(augmentationVerdict(false,
                                predictPve(25.0, 30.0, p),
                                predictAlpps(25.0, 30.0, p),
                                predictTwoStage(25.0, 250.0, 1000.0, 30.0, p),
                                p),
            "PVE (median, week 2.1)");
  // 5 % against 30 %: no median reaches it; an adequate remnant needs nothing.
  const AugmentationPrediction low = predictPve(5.0, 30.0, p);
  EXPECT_EQ(
    augmentationVerdict(
      false, low, predictAlpps(5.0, 30.0, p), predictTwoStage(5.0, 50.0, 1000.0, 30.0, p), p),
    "not reached by any strategy (median)");
  EXPECT_EQ(augmentationVerdict(true, pve, alpps, two, p), "adequate now");
  EXPECT_EQ(qualifyMedian(AugmentationStrategy::Pve, low.median.predictedSflrPercent, 30.0, p).why,
            "median 6.9 % < 30.0 %");
}

TEST(AugmentationParameters, FieldNamesCoverEveryParameterOnce)
{
  // Setting every named field to a distinct value must change a distinct member.
  AugmentationParameters p;
  std::set<std::string> names;
  double v = 1000.0;
  for (const auto& [name, field] : augmentationParameterFields())
  {
    EXPECT_TRUE(names.insert(name).second) << name;
    p.*field = ++v;
  }
  std::set<double> values;
  for (const auto& [name, field] : augmentationParameterFields())
    values.insert(p.*field);
  EXPECT_EQ(values.size(), names.size());
  EXPECT_EQ(names.size(), sizeof(AugmentationParameters) / sizeof(double));
}

TEST(AugmentationErrors, BadInputsThrowNamingTheArgument)
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(
    mentions(invalidArgumentMessage([] { predictPve(-1.0, 30.0); }), "currentSflrPercent = -1"));
  EXPECT_TRUE(
    mentions(invalidArgumentMessage([&] { predictAlpps(nan, 30.0); }), "currentSflrPercent"));
  EXPECT_TRUE(
    mentions(invalidArgumentMessage([] { predictPve(25.0, 0.0); }), "thresholdPercent = 0"));
  EXPECT_TRUE(
    mentions(invalidArgumentMessage([] { predictPve(25.0, 120.0); }), "thresholdPercent = 120"));
  EXPECT_TRUE(
    mentions(invalidArgumentMessage([&] { predictAlpps(25.0, inf); }), "thresholdPercent"));
  EXPECT_TRUE(mentions(invalidArgumentMessage([] { predictTwoStage(18.0, -5.0, 1500.0, 30.0); }),
                       "stageOneFlrMl = -5"));
  EXPECT_TRUE(mentions(invalidArgumentMessage([] { predictTwoStage(18.0, 300.0, 0.0, 30.0); }),
                       "standardLiverVolumeMl = 0"));
  EXPECT_TRUE(mentions(invalidArgumentMessage([&] { predictTwoStage(18.0, 300.0, nan, 30.0); }),
                       "standardLiverVolumeMl"));
  EXPECT_TRUE(mentions(invalidArgumentMessage([] { assessHypertrophy(0.0, 30.0, 4.0, 30.0); }),
                       "sflrBeforePercent = 0"));
  EXPECT_TRUE(mentions(invalidArgumentMessage([] { assessHypertrophy(25.0, -1.0, 4.0, 30.0); }),
                       "sflrAfterPercent = -1"));
  EXPECT_TRUE(mentions(invalidArgumentMessage([] { assessHypertrophy(25.0, 30.0, 0.0, 30.0); }),
                       "weeks = 0"));
  EXPECT_TRUE(
    mentions(invalidArgumentMessage([&] { assessHypertrophy(25.0, 30.0, nan, 30.0); }), "weeks"));
}

TEST(AugmentationErrors, BadParametersThrowNamingTheField)
{
  const auto messageFor = [](const std::function<void(AugmentationParameters&)>& change)
  {
    AugmentationParameters p;
    change(p);
    return invalidArgumentMessage([&] { predictPve(25.0, 30.0, p); });
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.pveLowHypertrophyPercent = -1.0; }),
                       "pveLowHypertrophyPercent = -1"));
  EXPECT_TRUE(mentions(messageFor([&](auto& p) { p.pveMedianHypertrophyPercent = nan; }),
                       "pveMedianHypertrophyPercent"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.pveHighHypertrophyPercent = 30.0; }),
                       "pveMedianHypertrophyPercent = 37.9 must not exceed "
                       "pveHighHypertrophyPercent = 30"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.pveWaitWeeks = 0.0; }), "pveWaitWeeks = 0"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.pveWaitWeeks = 60.0; }), "pveWaitWeeks = 60"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.pveDropoutHighPercent = 140.0; }),
                       "pveDropoutHighPercent = 140"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.pveDropoutLowPercent = 50.0; }),
                       "pveDropoutLowPercent = 50 must not exceed"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.alppsLowHypertrophyPercent = 90.0; }),
                       "alppsLowHypertrophyPercent = 90 must not exceed"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.alppsHighHypertrophyPercent = -3.0; }),
                       "alppsHighHypertrophyPercent = -3"));
  EXPECT_TRUE(
    mentions(messageFor([](auto& p) { p.alppsWaitWeeks = -1.0; }), "alppsWaitWeeks = -1"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.twoStageMinIntervalWeeks = 9.0; }),
                       "twoStageMinIntervalWeeks = 9 must not exceed"));
  EXPECT_TRUE(mentions(messageFor([&](auto& p) { p.twoStageMaxIntervalWeeks = nan; }),
                       "twoStageMaxIntervalWeeks"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.twoStageCompletionLowPercent = -1.0; }),
                       "twoStageCompletionLowPercent = -1"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.twoStageCompletionHighPercent = 101.0; }),
                       "twoStageCompletionHighPercent = 101"));
  EXPECT_TRUE(mentions(messageFor([](auto& p) { p.shindohMinKgrPercentPerWeek = -2.0; }),
                       "shindohMinKgrPercentPerWeek = -2"));
  EXPECT_TRUE(
    mentions(messageFor([&](auto& p) { p.shindohMinDhPoints = nan; }), "shindohMinDhPoints"));
}

TEST(PortalEmbolization, FollowsThePlan)
{
  using liver::portalEmbolizationFor;
  // Right hemihepatectomy (5-8): right PVE; segment 1 is never listed.
  EXPECT_EQ(portalEmbolizationFor({ 5, 6, 7, 8 }).target, "right portal vein");
  EXPECT_EQ(portalEmbolizationFor({ 1, 5, 6, 7, 8 }).segments, (std::vector<int>{ 5, 6, 7, 8 }));
  // Extended right (4-8): right + segment 4.
  EXPECT_EQ(portalEmbolizationFor({ 4, 5, 6, 7, 8 }).target,
            "right portal vein + segment 4 branches");
  EXPECT_EQ(portalEmbolizationFor({ 2, 3, 4 }).target, "left portal vein");
  EXPECT_EQ(portalEmbolizationFor({ 2, 3, 4, 5, 8 }).target,
            "left portal vein + right anterior (5, 8) branches");
  EXPECT_EQ(portalEmbolizationFor({ 6, 7 }).target, "segmental portal branches of segments 6, 7");
  EXPECT_EQ(portalEmbolizationFor({}).target, "none");
}

TEST(Augmentation, ValuesArePrintedSoThatTheComparisonWithTheCutOffShows)
{
  // A KGR of 1.99 %/week misses the 2.0 cut-off: "1.99 (< 2.0)", never "2.0 (< 2.0)".
  EXPECT_EQ(formatAgainst(1.99, 2.0), "1.99");
  EXPECT_EQ(formatAgainst(2.04, 2.0), "2.04");
  EXPECT_EQ(formatAgainst(2.0004, 2.0), "2.0004");
  EXPECT_EQ(formatAgainst(2.5, 2.0), "2.5");
  EXPECT_EQ(formatAgainst(2.0, 2.0), "2.0");
  EXPECT_EQ(formatAgainst(7.46, 7.5), "7.46"); // DH 7.46 points beside 7.5
}
