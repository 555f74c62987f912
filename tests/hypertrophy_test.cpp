/// liver::pipeline's measured hypertrophy as library calls: two results compared (DH, KGR and
/// Shindoh's verdict, the weeks from the StudyDates, the errors naming the file), and the first
/// analysis's plans re-measured on a second CT (here the same phantom: no growth, an identity
/// registration), without the command line.

#include "phantom_support.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/model/result.h>
#include <liver/pipeline/analysis.h>
#include <liver/pipeline/hypertrophy.h>
#include <liver/planning/plan.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace liver;

namespace
{

/// A result with one plan "rh" of the given sFLR and FLR, dated `date`.
model::AnalysisResult result(const std::string& date,
                             std::optional<double> sflr,
                             double flrMl,
                             double thresholdPercent = 30.0)
{
  model::AnalysisResult r;
  r.ct.study.studyDate = date;
  model::PlanRecord p;
  p.spec = "right-hemihepatectomy";
  p.result.name = "rh";
  p.result.sflrPercent = sflr;
  p.result.flrMl = flrMl;
  p.result.thresholdPercent = thresholdPercent;
  r.plans.push_back(p);
  return r;
}

/// The message of the InputError `f` throws ("" when it throws none).
constexpr auto inputError = &test::errorOf<InputError>;

} // namespace

TEST(Hypertrophy, ComparesTwoResultsWithWeeksFromTheirStudyDates)
{
  // 25 % -> 34 % in 28 days: DH 9 points, KGR 2.25 %/week, relative growth 36 %.
  const model::AnalysisResult before = result("20260101", 25.0, 400.0);
  const model::AnalysisResult after = result("20260129", 34.0, 544.0);
  const pipeline::HypertrophyComparison c =
    pipeline::compareAnalyses(before, "a.json", after, "b.json", "", std::nullopt);
  EXPECT_EQ(c.planName, "rh");
  EXPECT_DOUBLE_EQ(c.weeks, 4.0);
  EXPECT_EQ(c.weeksFrom, "StudyDate");
  EXPECT_DOUBLE_EQ(c.flrBeforeMl, 400.0);
  EXPECT_DOUBLE_EQ(c.flrAfterMl, 544.0);
  EXPECT_DOUBLE_EQ(c.assessment.degreeOfHypertrophyPoints, 9.0);
  EXPECT_DOUBLE_EQ(c.assessment.kineticGrowthRatePercentPerWeek, 2.25);
  EXPECT_DOUBLE_EQ(c.assessment.relativeGrowthPercent, 36.0);
  EXPECT_TRUE(c.assessment.adequate);

  const nlohmann::json j = pipeline::toJson(c);
  EXPECT_EQ(j["before"]["file"], "a.json");
  EXPECT_DOUBLE_EQ(j["after"]["flrMl"].get<double>(), 544.0);
  EXPECT_DOUBLE_EQ(j["after"]["sflrPercent"].get<double>(), 34.0);
  EXPECT_DOUBLE_EQ(j["kineticGrowthRatePercentPerWeek"].get<double>(), 2.25);
  EXPECT_EQ(j["weeksFrom"], "StudyDate");
  EXPECT_TRUE(j["adequate"].get<bool>());
  EXPECT_TRUE(j.contains("disclaimer"));

  // Weeks given: 6 weeks make KGR 1.5 %/week, under Shindoh's 2 %/week.
  const pipeline::HypertrophyComparison slow =
    pipeline::compareAnalyses(before, "a.json", after, "b.json", "rh", 6.0);
  EXPECT_EQ(slow.weeksFrom, "--weeks");
  EXPECT_DOUBLE_EQ(slow.assessment.kineticGrowthRatePercentPerWeek, 1.5);
  EXPECT_FALSE(slow.assessment.adequate);

  // The sFLR after growth is judged by the second study's threshold: 34 % under a 40 % one.
  const pipeline::HypertrophyComparison strict = pipeline::compareAnalyses(
    before, "a.json", result("20260129", 34.0, 544.0, 40.0), "b.json", "", std::nullopt);
  EXPECT_DOUBLE_EQ(strict.assessment.thresholdPercent, 40.0);
  EXPECT_FALSE(strict.assessment.sflrMet);
  EXPECT_FALSE(strict.assessment.adequate);
}

TEST(Hypertrophy, JudgesByTheCutOffsTheFirstAnalysisRecorded)
{
  // Issue 14 follow-up: 25 % -> 34 % in 4 weeks grows 2.25 %/week and 9 points, adequate by
  // Shindoh's defaults (2 %/week, 7.5 points). The first analysis was made with 2.5 %/week and 10
  // points (plan.json "augmentation", as `decide` reads them): the same growth is not adequate.
  model::AnalysisResult before = result("20260101", 25.0, 400.0);
  const model::AnalysisResult after = result("20260129", 34.0, 544.0);
  const pipeline::HypertrophyComparison byDefault =
    pipeline::compareAnalyses(before, "a.json", after, "b.json", "", std::nullopt);
  EXPECT_TRUE(byDefault.assessment.adequate);
  EXPECT_FALSE(byDefault.cutOffs.fromResult);
  const nlohmann::json d = pipeline::toJson(byDefault)["growthCutOffs"];
  EXPECT_EQ(d["from"], "defaults");
  EXPECT_DOUBLE_EQ(d["shindohMinKgrPercentPerWeek"].get<double>(), 2.0);
  EXPECT_TRUE(
    test::contains(d["text"].get<std::string>(), "a.json records no augmentationParameters"));

  AugmentationParameters recorded;
  recorded.shindohMinKgrPercentPerWeek = 2.5;
  recorded.shindohMinDhPoints = 10.0;
  before.augmentationParameters = recorded;
  const pipeline::HypertrophyComparison c =
    pipeline::compareAnalyses(before, "a.json", after, "b.json", "", std::nullopt);
  EXPECT_DOUBLE_EQ(c.assessment.kineticGrowthRatePercentPerWeek, 2.25);
  EXPECT_FALSE(c.assessment.kgrMet);
  EXPECT_FALSE(c.assessment.dhMet);
  EXPECT_FALSE(c.assessment.adequate);
  EXPECT_TRUE(c.cutOffs.fromResult);
  EXPECT_EQ(c.assessment.reasons.front(),
            "not met: KGR 2.25 %/week < 2.5 %/week (primary criterion)");
  const nlohmann::json j = pipeline::toJson(c)["growthCutOffs"];
  EXPECT_EQ(j["from"], "before");
  EXPECT_DOUBLE_EQ(j["shindohMinKgrPercentPerWeek"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(j["shindohMinDhPoints"].get<double>(), 10.0);
  EXPECT_EQ(j["text"], "augmentationParameters of a.json");
  // The second result's parameters are not the ones the growth is judged by.
  model::AnalysisResult afterStrict = after;
  afterStrict.augmentationParameters = recorded;
  EXPECT_TRUE(pipeline::compareAnalyses(
                result("20260101", 25.0, 400.0), "a.json", afterStrict, "b.json", "", std::nullopt)
                .assessment.adequate);
}

TEST(Hypertrophy, BadResultsAreRefusedNamingTheFile)
{
  const model::AnalysisResult before = result("20260101", 25.0, 400.0);
  const model::AnalysisResult after = result("20260129", 34.0, 544.0);
  const auto compare = [](const model::AnalysisResult& a,
                          const model::AnalysisResult& b,
                          const std::string& plan,
                          std::optional<double> weeks)
  { return inputError([&] { pipeline::compareAnalyses(a, "a.json", b, "b.json", plan, weeks); }); };
  EXPECT_NE(compare(result("", 25.0, 400.0), after, "", std::nullopt).find("a.json"),
            std::string::npos);
  EXPECT_NE(compare(before, result("2026-01-29", 34.0, 1.0), "", std::nullopt).find("b.json"),
            std::string::npos);
  // The second study dated before the first.
  const std::string earlier = compare(before, result("20251201", 34.0, 1.0), "", std::nullopt);
  EXPECT_NE(earlier.find("b.json"), std::string::npos) << earlier;
  EXPECT_NE(earlier.find("not after"), std::string::npos) << earlier;
  // A missing date is fine with --weeks.
  EXPECT_EQ(compare(result("", 25.0, 400.0), after, "", 4.0), "");
  // No sFLR, no such plan, no plans.
  EXPECT_NE(compare(result("20260101", std::nullopt, 400.0), after, "", 4.0).find("no sFLR"),
            std::string::npos);
  EXPECT_NE(compare(before, after, "left", 4.0).find("no plan named 'left'"), std::string::npos);
  model::AnalysisResult none = before;
  none.plans.clear();
  EXPECT_NE(compare(before, none, "", 4.0).find("b.json"), std::string::npos);
}

TEST(Hypertrophy, RemeasuresThePlansOfTheFirstAnalysisOnASecondCt)
{
  const Phantom& phantom = test::phantomAt(4.0);
  const std::string dir = test::makeTempDir("hypertrophy-lib");
  writePhantom(phantom, dir); // ct, liver, lesions, segments (.nii.gz), organs, truth.json

  // The first analysis: an anatomical plan and one on Cantlie's plane.
  pipeline::AnalysisRequest first;
  first.analyze = false;
  first.ct = dir + "/ct.nii.gz";
  first.out = dir + "/first";
  first.import.liverPath = dir + "/liver.nii.gz";
  first.import.lesionsPath = dir + "/lesions.nii.gz";
  first.import.segmentsPath = dir + "/segments.nii.gz";
  first.plans = { parsePlanSpec("right-hemihepatectomy"),
                  parsePlanSpec("cantlie=plane:-24,25,0;-105,20,0") };
  first.planOptions.heightCm = 175.0;
  first.planOptions.weightKg = 80.0;
  first.augmentation.shindohMinKgrPercentPerWeek = 1.5; // recorded in result.json
  pipeline::AnalysisOutcome firstOutcome = pipeline::runAnalysis(first, {});
  std::filesystem::create_directories(first.out);
  pipeline::writeAnalysis(first, firstOutcome, {});

  // Without the second study's segments the anatomical plan cannot be re-measured.
  pipeline::RemeasureRequest request;
  request.beforeResult = first.out + "/result.json";
  request.afterCt = dir + "/ct.nii.gz";
  request.afterImport.liverPath = dir + "/liver.nii.gz";
  request.afterImport.lesionsPath = dir + "/lesions.nii.gz";
  request.weeks = 4.0;
  const std::string noSegments = inputError([&] { pipeline::remeasurePlans(request, {}); });
  EXPECT_NE(noSegments.find("result.json"), std::string::npos) << noSegments;
  EXPECT_NE(noSegments.find("--after-segments"), std::string::npos) << noSegments;

  // The same CT as the second study: nothing grew, the registration is (nearly) the identity.
  request.afterImport.segmentsPath = dir + "/segments.nii.gz";
  request.beforeLiver = dir + "/liver.nii.gz";
  std::vector<pipeline::ProgressEvent> events;
  const pipeline::RemeasureOutcome outcome = pipeline::remeasurePlans(
    request, [&](const pipeline::ProgressEvent& e) { events.push_back(e); });
  ASSERT_EQ(outcome.plans.size(), 2u);
  EXPECT_EQ(outcome.weeksFrom, "--weeks");
  ASSERT_TRUE(outcome.registration.has_value());
  const RigidRegistration& r = outcome.registration->registration;
  EXPECT_LT(r.fixedToMoving.rotationAngleDeg(), 0.2);
  const auto& t = r.fixedToMoving.offsetMm();
  EXPECT_LT(std::hypot(t[0], t[1], t[2]), 0.5);
  ASSERT_TRUE(r.quality.liverDice.has_value());
  EXPECT_GT(*r.quality.liverDice, 0.98);
  EXPECT_EQ(outcome.registration->fixedLiver, dir + "/liver.nii.gz");

  // The anatomical plan counts the same voxels: the same sFLR, DH 0 and not adequate.
  const pipeline::RemeasuredPlan& rh = outcome.plans[0];
  EXPECT_DOUBLE_EQ(*rh.after.sflrPercent, *firstOutcome.results[0].sflrPercent);
  EXPECT_DOUBLE_EQ(rh.assessment.degreeOfHypertrophyPoints, 0.0);
  EXPECT_FALSE(rh.assessment.adequate);
  // The plane plan moved with the registration, by under a voxel.
  const pipeline::RemeasuredPlan& cantlie = outcome.plans[1];
  EXPECT_NEAR(*cantlie.after.sflrPercent, *firstOutcome.results[1].sflrPercent, 0.5);
  ASSERT_EQ(cantlie.planOnSecond.planes.size(), 1u);
  const auto& p0 = cantlie.plan.planes[0].pointLpsMm;
  const auto& p1 = cantlie.planOnSecond.planes[0].pointLpsMm;
  EXPECT_LT(std::hypot(p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]), 1.0);
  EXPECT_TRUE(std::any_of(events.begin(),
                          events.end(),
                          [](const pipeline::ProgressEvent& e)
                          { return e.message.rfind("registering ", 0) == 0; }));

  // Its JSON: every plan, the first at the top level, the registration with its quality.
  const nlohmann::json j = pipeline::toJson(request, outcome);
  ASSERT_EQ(j["plans"].size(), 2u);
  EXPECT_EQ(j["plans"][1]["name"], "cantlie");
  EXPECT_DOUBLE_EQ(j["degreeOfHypertrophyPoints"].get<double>(), 0.0);
  EXPECT_EQ(j["before"], j["plans"][0]["before"]);
  EXPECT_DOUBLE_EQ(j["registration"]["quality"]["liverDice"].get<double>(), *r.quality.liverDice);
  EXPECT_TRUE(j["remeasured"]["out"].is_null());
  // Judged, and the second study predicted, with the parameters the first analysis recorded.
  EXPECT_TRUE(outcome.cutOffs.fromResult);
  EXPECT_DOUBLE_EQ(outcome.cutOffs.parameters.shindohMinKgrPercentPerWeek, 1.5);
  EXPECT_DOUBLE_EQ(outcome.analysisRequest.augmentation.shindohMinKgrPercentPerWeek, 1.5);
  EXPECT_EQ(j["growthCutOffs"]["from"], "before");
  EXPECT_EQ(j["plans"][1]["growthCutOffs"], j["growthCutOffs"]);
  // Nothing was written: the second analysis is the caller's to write.
  EXPECT_FALSE(std::filesystem::exists(dir + "/second"));
}
