/// liver::pipeline: the analysis as a library call on the phantom (imported labels and segments,
/// one plan), its steps and warnings through the progress callback, the model it returns against
/// the libraries' own figures, and writeAnalysis's result.json read back by the model.

#include "json_schema.h"
#include "phantom_support.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/editing/label_editor.h>
#include <liver/editing/review.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/model/result.h>
#include <liver/pipeline/analysis.h>
#include <liver/pipeline/batch.h>
#include <liver/pipeline/demo.h>
#include <liver/pipeline/pacs_watch.h>
#include <liver/planning/decision.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace liver;

namespace
{

/// A request on the phantom at `spacing` with its liver, lesions and segments written to a new
/// folder and imported (nothing is segmented), 175 cm and 75 kg.
pipeline::AnalysisRequest phantomRequest(const Phantom& phantom, const std::string& name)
{
  const std::string dir = test::makeTempDir(name);
  writeImage(phantom.liver.GetPointer(), dir + "/liver.nii.gz");
  writeImage(phantom.lesions.GetPointer(), dir + "/lesions.nii.gz");
  writeImage(phantom.segments.GetPointer(), dir + "/segments.nii.gz");
  pipeline::AnalysisRequest request;
  request.ct = "phantom";
  request.out = dir + "/out";
  request.loadedCt = CtVolume{ phantom.ct, phantom.study, {} };
  request.import.liverPath = dir + "/liver.nii.gz";
  request.import.lesionsPath = dir + "/lesions.nii.gz";
  request.import.segmentsPath = dir + "/segments.nii.gz";
  request.planOptions.heightCm = 175.0;
  request.planOptions.weightKg = 75.0;
  return request;
}

} // namespace

TEST(Pipeline, PlanOnThePhantomReportsItsStepsAndReturnsTheModel)
{
  const Phantom& phantom = test::phantomAt(2.0);
  pipeline::AnalysisRequest request = phantomRequest(phantom, "pipeline");
  request.analyze = false; // `plan`: the labels are given, nothing is segmented
  request.plans = { parsePlanSpec("right=right-hemihepatectomy") };

  std::vector<pipeline::ProgressEvent> events;
  pipeline::AnalysisOutcome outcome =
    pipeline::runAnalysis(request, [&](const pipeline::ProgressEvent& e) { events.push_back(e); });

  // The model holds what the libraries compute on the same labels.
  LiverLabels labels;
  labels.liver = outcome.labels.liver;
  labels.lesions = outcome.labels.lesions;
  labels.segments = outcome.labels.segments;
  const Volumetry measured = measureLiver(labels, *phantom.ct);
  EXPECT_EQ(outcome.result.kind, "resection-plans");
  EXPECT_DOUBLE_EQ(outcome.result.volumetry.totalLiverMl, measured.totalLiverMl);
  EXPECT_DOUBLE_EQ(outcome.result.volumetry.tumourMl, measured.tumourMl);
  ASSERT_EQ(outcome.result.plans.size(), 1u);
  PlanOptions options = request.planOptions;
  options.makeRemnantMap = false;
  const PlanResult expected = evaluatePlan(labels, request.plans[0], options);
  EXPECT_DOUBLE_EQ(outcome.result.plans[0].result.flrPercent, expected.flrPercent);
  ASSERT_TRUE(outcome.result.plans[0].result.sflrPercent.has_value());
  EXPECT_DOUBLE_EQ(*outcome.result.plans[0].result.sflrPercent, *expected.sflrPercent);
  EXPECT_FALSE(outcome.result.decision.has_value()); // `plan` makes no decision
  EXPECT_EQ(outcome.result.segmentation.liver, model::LabelOrigin::Imported);

  // Its steps came through the callback, in order: the phase before the plan.
  auto step = [&](const std::string& prefix)
  {
    return std::find_if(events.begin(),
                        events.end(),
                        [&](const pipeline::ProgressEvent& e) {
                          return e.level == pipeline::ProgressLevel::Step &&
                                 e.message.rfind(prefix, 0) == 0;
                        });
  };
  const auto phase = step("contrast phase: ");
  const auto plan = step("plan \"right\": ");
  ASSERT_NE(phase, events.end());
  ASSERT_NE(plan, events.end());
  EXPECT_LT(phase - events.begin(), plan - events.begin());

  // No callback is fine too; the same figures.
  const pipeline::AnalysisOutcome quiet = pipeline::runAnalysis(request, {});
  EXPECT_DOUBLE_EQ(quiet.result.plans[0].result.flrPercent, expected.flrPercent);

  // writeAnalysis: the remnant map and result.json, which the model reads back.
  std::filesystem::create_directories(request.out);
  pipeline::writeAnalysis(request, outcome, {});
  const model::AnalysisResult read = model::readResult(request.out);
  EXPECT_DOUBLE_EQ(read.volumetry.totalLiverMl, measured.totalLiverMl);
  ASSERT_EQ(read.plans.size(), 1u);
  EXPECT_DOUBLE_EQ(read.plans[0].result.flrPercent, expected.flrPercent);
  EXPECT_TRUE(std::filesystem::exists(request.out + "/" + read.plans[0].remnantFile));
}

TEST(Pipeline, AReviewedSegmentationIsMeasuredAsSavedAndRecordedAsEdited)
{
  const Phantom& phantom = test::phantomAt(3.0);
  const std::string dir = test::makeTempDir("pipeline-review");
  const LiverLabels start = test::labelsOf(phantom);
  editing::LabelEditor editor(phantom.ct, start);
  editor.removeLesion(phantom.truth.lesions.at(0).centreLpsMm);
  model::SegmentationProvenance before;
  before.liver = before.lesions = before.segments = model::LabelOrigin::Imported;
  editing::saveReview(dir + "/reviewed", editor, before, "Dr C", "2026-12-06T09:00:00Z");

  pipeline::AnalysisRequest request;
  request.analyze = false;
  request.ct = "phantom";
  request.out = dir + "/out";
  request.loadedCt = CtVolume{ phantom.ct, phantom.study, {} };
  request.review = dir + "/reviewed/edits.json"; // the labels come from the review
  request.plans = { parsePlanSpec("right=right-hemihepatectomy") };
  const pipeline::AnalysisOutcome outcome = pipeline::runAnalysis(request, {});

  // The saved labels were measured: the editor's numbers and its plan FLR.
  const editing::LiveNumbers shown = editor.numbers(&request.plans[0], request.planOptions);
  EXPECT_DOUBLE_EQ(outcome.result.volumetry.totalLiverMl, shown.totalLiverMl);
  EXPECT_DOUBLE_EQ(outcome.result.volumetry.tumourMl, shown.tumourMl);
  ASSERT_TRUE(shown.flrPercent.has_value());
  EXPECT_DOUBLE_EQ(outcome.result.plans.at(0).result.flrPercent, *shown.flrPercent);
  const model::SegmentationProvenance& p = outcome.result.segmentation;
  EXPECT_EQ(p.review, model::ReviewStatus::Edited);
  EXPECT_EQ(p.reviewedBy, "Dr C");
  EXPECT_EQ(p.lesions, model::LabelOrigin::Edited);
  EXPECT_EQ(p.liver, model::LabelOrigin::Imported);
  ASSERT_TRUE(p.edits.has_value());
  EXPECT_EQ(p.edits->lesionsRemoved, 1u);
  EXPECT_EQ(p.edits->logFile, "../reviewed/edits.json");

  // Labels other than the reviewed ones are refused, naming the edit log.
  writeImage(phantom.lesions.GetPointer(), dir + "/lesions.nii.gz");
  request.import.liverPath = dir + "/reviewed/liver.nii.gz";
  request.import.lesionsPath = dir + "/lesions.nii.gz";
  try
  {
    pipeline::runAnalysis(request, {});
    ADD_FAILURE() << "labels other than the reviewed ones accepted";
  }
  catch (const InputError& e)
  {
    EXPECT_TRUE(test::contains(e.what(), "edits.json")) << e.what();
  }
}

TEST(DecisionCorrections, AnalyzeSetsThePlanThresholdsForAChemotherapyExposedLiver)
{
  // Issue 14, correction 4, through analyze: a liver called normal after 16 weeks of
  // chemotherapy is judged at 30 % (Shindoh, Ann Surg Oncol 2013) by the plans, their
  // augmentation verdicts, result.json's liverCondition and the decision alike; after 8 weeks it
  // stays normal (20 %, Kishi 2009).
  pipeline::AnalysisRequest request = phantomRequest(test::phantomAt(4.0), "pipeline-chemo");
  request.plans = { parsePlanSpec("right-hemihepatectomy") };
  request.autoPlans = 1;                                  // an R0 plan, which candidacy.flr reads
  request.planOptions.condition = LiverCondition::Normal; // as analyze sets it from the clinic
  request.clinical.primaryTumour = PrimaryTumour::Colorectal;
  request.clinical.liverCondition = LiverCondition::Normal;
  request.clinical.chemotherapyStatus = ChemotherapyStatus::Completed;
  request.clinical.chemotherapyWeeks = 16.0;

  const pipeline::AnalysisOutcome exposed = pipeline::runAnalysis(request, {});
  EXPECT_EQ(exposed.result.liverCondition, LiverCondition::Chemotherapy);
  ASSERT_EQ(exposed.results.size(), 2u);
  for (const PlanResult& r : exposed.results)
  {
    EXPECT_EQ(r.thresholdPercent, 30.0) << r.name;
    EXPECT_EQ(r.thresholdSource, "Shindoh, Ann Surg Oncol 2013") << r.name;
  }
  ASSERT_TRUE(exposed.results[1].r0);
  ASSERT_TRUE(exposed.augmented[0].has_value());
  EXPECT_EQ(exposed.augmented[0]->pve.thresholdPercent, 30.0);
  ASSERT_TRUE(exposed.result.decision.has_value());
  const TraceEntry* flr = findRule(*exposed.result.decision, "candidacy.flr");
  ASSERT_NE(flr, nullptr);
  for (const auto& [name, v] : flr->inputs)
  {
    if (name == "thresholdPercent")
    {
      EXPECT_EQ(std::get<double>(v), 30.0) << flr->conclusion;
    }
    else if (name == "liverCondition")
    {
      EXPECT_EQ(std::get<std::string>(v), "chemotherapy") << flr->conclusion;
    }
  }
  const TraceEntry* warning = findRule(*exposed.result.decision, "warning.chemotherapy-liver");
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ(warning->status, RuleStatus::Applies) << warning->conclusion;

  request.clinical.chemotherapyWeeks = 8.0;
  const pipeline::AnalysisOutcome shortCourse = pipeline::runAnalysis(request, {});
  EXPECT_EQ(shortCourse.result.liverCondition, LiverCondition::Normal);
  EXPECT_EQ(shortCourse.results[0].thresholdPercent, 20.0);
  EXPECT_EQ(shortCourse.results[0].thresholdSource, "Kishi 2009");

  // A threshold the user sets is kept (and the decision warns about it).
  request.clinical.chemotherapyWeeks.reset();
  request.planOptions.thresholdPercent = 20.0;
  const pipeline::AnalysisOutcome user = pipeline::runAnalysis(request, {});
  EXPECT_EQ(user.results[0].thresholdPercent, 20.0);
  EXPECT_EQ(user.results[0].thresholdSource, "user");
  EXPECT_EQ(findRule(*user.result.decision, "warning.chemotherapy-liver")->status,
            RuleStatus::Applies);
}

TEST(PipelineBatch, StudyStatusReadsOneStudysRowOfABatchFolder)
{
  const std::string dir = test::makeTempDir("pipeline-status");
  std::filesystem::create_directories(dir + "/1.2.3");
  std::ofstream(dir + "/1.2.3/status.json")
    << R"({"studyInstanceUid": "1.2.3", "status": "error", "error": "no liver"})";
  std::filesystem::create_directories(dir + "/1.2.5");
  std::ofstream(dir + "/1.2.5/status.json") << "{";
  const std::optional<nlohmann::json> row = pipeline::studyStatus(dir, "1.2.3");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->value("status", ""), "error");
  EXPECT_EQ(row->value("error", ""), "no liver");
  EXPECT_FALSE(pipeline::studyStatus(dir, "1.2.4").has_value()); // no folder
  EXPECT_FALSE(pipeline::studyStatus(dir, "1.2.5").has_value()); // not JSON
}

TEST(PacsWatchState, WrittenReadBackWithUnknownFieldsKeptAndTheSchemaAgrees)
{
  const std::string dir = test::makeTempDir("pacs-watch-state");
  const std::string path = dir + "/pacs-watch.json";
  EXPECT_FALSE(pipeline::readPacsWatchState(path).has_value()); // a new watch

  pipeline::PacsWatchState state;
  state.since = 1234;
  state.studies = { { "1.2.3", "ok" },
                    { "1.2.4", "error: no liver" },
                    { "1.2.5", "skipped: no CT series" } };
  state.extra["operator"] = "night shift"; // a later version's field
  pipeline::writePacsWatchState(path, state);
  const nlohmann::json written = test::readJson(path);
  EXPECT_EQ(written["follow"], "changes");
  EXPECT_FALSE(written.contains("pending"));
  EXPECT_EQ(written["since"], 1234);
  EXPECT_EQ(written["studies"]["1.2.4"], "error: no liver");
  const nlohmann::json schema =
    test::readJson(std::string(LIVERPLAN_SOURCE_DIR) + "/docs/schemas/pacs-watch.schema.json");
  std::string errors;
  for (const std::string& e : test::validateJson(schema, written))
    errors += e + "\n";
  EXPECT_EQ(errors, "");
  EXPECT_FALSE(
    test::validateJson(schema, nlohmann::json{ { "since", -1 }, { "studies", {} } }).empty());

  const std::optional<pipeline::PacsWatchState> read = pipeline::readPacsWatchState(path);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->since, 1234);
  EXPECT_EQ(read->studies, state.studies);
  EXPECT_EQ(read->extra, state.extra);
  EXPECT_EQ(pipeline::toJson(*read), written);

  // A watch by date: what it follows and the studies still settling.
  state.follow = "date";
  state.since = 0;
  state.pending = { { "1.2.6", { 120, 1764000000.5 } } };
  pipeline::writePacsWatchState(path, state);
  const nlohmann::json byDate = test::readJson(path);
  EXPECT_EQ(byDate["follow"], "date");
  EXPECT_EQ(byDate["pending"]["1.2.6"]["instances"], 120);
  EXPECT_TRUE(test::validateJson(schema, byDate).empty()) << byDate.dump();
  const std::optional<pipeline::PacsWatchState> dated = pipeline::readPacsWatchState(path);
  ASSERT_TRUE(dated.has_value());
  EXPECT_EQ(dated->follow, "date");
  ASSERT_EQ(dated->pending.count("1.2.6"), 1u);
  EXPECT_EQ(dated->pending.at("1.2.6").instances, 120);
  EXPECT_EQ(dated->pending.at("1.2.6").since, 1764000000.5);
  EXPECT_EQ(dated->extra, state.extra);
  // Studies to try again: by StudyInstanceUID, or by Orthanc's id when that could not be read.
  state.failures = { { "1.2.7", { "HTTP 503", 2, false } },
                     { "6e2c0ec2-5d99c8ca", { "HTTP 404", 3, true } } };
  pipeline::writePacsWatchState(path, state);
  const nlohmann::json failing = test::readJson(path);
  EXPECT_EQ(failing["failures"]["1.2.7"],
            (nlohmann::json{ { "error", "HTTP 503" }, { "attempts", 2 } }));
  EXPECT_EQ(failing["failures"]["6e2c0ec2-5d99c8ca"]["orthancStudy"], true);
  EXPECT_TRUE(test::validateJson(schema, failing).empty()) << failing.dump();
  const std::optional<pipeline::PacsWatchState> retried = pipeline::readPacsWatchState(path);
  ASSERT_TRUE(retried.has_value());
  ASSERT_EQ(retried->failures.size(), 2u);
  EXPECT_EQ(retried->failures.at("1.2.7").error, "HTTP 503");
  EXPECT_EQ(retried->failures.at("1.2.7").attempts, 2);
  EXPECT_FALSE(retried->failures.at("1.2.7").orthancStudy);
  EXPECT_TRUE(retried->failures.at("6e2c0ec2-5d99c8ca").orthancStudy);
  EXPECT_EQ(retried->extra, state.extra);
  EXPECT_EQ(pipeline::toJson(*retried), failing);
  // An older file (no follow) follows the change log.
  std::ofstream(path, std::ios::trunc) << R"({"since": 5, "studies": {}})";
  EXPECT_EQ(pipeline::readPacsWatchState(path)->follow, "changes");
}

TEST(PacsWatchState, BadFilesAreRefusedNamingTheFileAndTheField)
{
  const std::string dir = test::makeTempDir("pacs-watch-bad");
  const std::string path = dir + "/pacs-watch.json";
  const std::vector<std::pair<std::string, std::string>> cases = {
    { "{\"since\": 3", "not JSON" },
    { "[1, 2]", "must be a JSON object" },
    { "{\"studies\": {}}", "since: missing" },
    { "{\"since\": \"12\", \"studies\": {}}", "since: must be a non-negative integer, not string" },
    { "{\"since\": -4, \"studies\": {}}", "since: must be a non-negative integer, not -4" },
    { "{\"since\": 2.5, \"studies\": {}}", "since: must be a non-negative integer, not 2.5" },
    { "{\"since\": 7}", "studies: missing" },
    { "{\"since\": 7, \"studies\": [\"1.2.3\"]}", "studies: must be an object" },
    { "{\"since\": 7, \"studies\": {\"1.2.3\": \"ok\", \"1.2.4\": 3}}",
      "studies[\"1.2.4\"]: must be a string" },
    { "{\"since\": 0, \"studies\": {}, \"follow\": \"dates\"}",
      "follow: must be \"changes\" or \"date\", not \"dates\"" },
    { "{\"since\": 0, \"studies\": {}, \"pending\": []}", "pending: must be an object" },
    { "{\"since\": 0, \"studies\": {}, \"pending\": {\"1.2\": {\"instances\": -1, \"since\": 0}}}",
      "pending[\"1.2\"].instances: must be an integer from 0 to 2147483647, not -1" },
    { "{\"since\": 0, \"studies\": {}, \"pending\": {\"1.2\": {\"instances\": 3}}}",
      "pending[\"1.2\"].since: missing" },
  };
  for (const auto& [text, problem] : cases)
  {
    std::ofstream(path, std::ios::trunc) << text;
    try
    {
      pipeline::readPacsWatchState(path);
      ADD_FAILURE() << "accepted: " << text;
    }
    catch (const InputError& e)
    {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      EXPECT_TRUE(test::contains(message, problem)) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(Demo, MeasuresThePhantomAsItsTruthScoresTheAutomaticPipelineAndAnalysesIt)
{
  const std::string out = test::makeTempDir("pipeline_demo") + "/demo";
  pipeline::DemoRequest request;
  request.out = out;
  request.phantom.spacingMm = { 4.0, 4.0, 4.0 };
  std::vector<std::string> steps;
  const pipeline::DemoOutcome d = pipeline::runDemo(
    request, [&](const pipeline::ProgressEvent& e) { steps.push_back(e.message); });
  EXPECT_TRUE(d.matchesTruth);
  EXPECT_EQ(d.trueLesions, d.volumetry.lesions.size());
  EXPECT_LE(d.trueLesionsFound, d.trueLesions);
  EXPECT_GT(d.liverScore.dice, 0.9); // measured 0.95 at 4 mm
  // Mosteller 170 cm 70 kg: sqrt(170 x 70 / 3600) = 1.818118 m²; Vauthey -794.41 + 1267.28 x BSA.
  EXPECT_NEAR(d.bsaM2, 1.818118, 1e-6);
  EXPECT_NEAR(d.standardLiverVolumeMl, -794.41 + 1267.28 * d.bsaM2, 1e-9);
  EXPECT_EQ(d.result["volumetry"]["totalLiverPercentOfSlv"].get<double>(),
            volumePercent(d.volumetry.totalLiverMl, d.standardLiverVolumeMl));
  EXPECT_EQ(d.result, test::readJson(out + "/result.json"));
  ASSERT_TRUE(d.analysis.result.decision.has_value());
  EXPECT_EQ(d.result["analysis"]["decision"], nlohmann::json(d.analysis.result.decision->category));
  ASSERT_GE(d.analysis.result.plans.size(), 3u); // 3 named, then the proposed ones
  EXPECT_EQ(d.analysis.result.plans[0].plan.name, "right-hemihepatectomy");
  EXPECT_EQ(steps.front(), "making the phantom (seed 1)");

  // Absurd body measurements: refused before anything is written.
  request.out = test::makeTempDir("pipeline_demo_bad") + "/demo";
  request.heightCm = 4000;
  EXPECT_THROW(pipeline::runDemo(request, {}), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(request.out));
}
