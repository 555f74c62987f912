/// liver::model: result.json written and read back by the one writer and reader, schemaVersion
/// handling, errors naming the file and the JSON path, and the JSON Schemas of docs/schemas/
/// (result, clinical, plan, landmarks) checked against what the code writes and reads.

#include "json_schema.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/model/clinical_json.h>
#include <liver/model/result.h>
#include <liver/planning/plan.h>
#include <liver/segmentation/couinaud.h>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>

namespace
{

using liver::InputError;
using nlohmann::json;
namespace model = liver::model;

json schema(const std::string& name)
{
  return liver::test::readJson(std::string(LIVERPLAN_SOURCE_DIR) + "/docs/schemas/" + name);
}

std::string joined(const std::vector<std::string>& lines)
{
  std::string s;
  for (const std::string& l : lines)
    s += l + "\n";
  return s;
}

/// A result with every part filled: two plans (one with augmentation predictions), a decision
/// with every kind of trace value, QC, contrast phase, review, input files and images.
model::AnalysisResult filledResult()
{
  model::AnalysisResult r;
  r.toolVersion = "9.9.9";
  r.ct.grid = { { 10, 20, 30 },
                { 0.8, 0.8, 2.5 },
                { -100, -120.5, 40 },
                { { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } } };
  r.ct.study.patientId = "P1";
  r.ct.study.studyInstanceUid = "1.2.3";
  r.ct.study.seriesInstanceUid = "1.2.3.4";
  r.ct.study.studyDate = "20260101";
  r.ct.study.contrastPhaseGuess = "portal-venous";
  r.ct.study.sliceThicknessMm = 2.5;
  r.ct.load.source = "ct.nii.gz";
  r.ct.load.format = "nifti";
  r.ct.load.fileCount = 1;
  r.ct.load.warnings = { "a warning" };
  r.labels.sources = { { "liver", "liver.nii.gz", "mask", "label 1", "axes (1, 0, 2), flip L" },
                       { "vessels", "v.nii.gz", "mask", "", "" } };
  r.labels.notes = { "a note" };
  r.automaticSegmentation = {
    { "lesions",
      { { "found", 2 },
        { "candidatesWeighed",
          { { { "id", 1 }, { "decision", "lesion" }, { "confidence", 0.875 } } } } } }
  };
  r.segmentation.liver = model::LabelOrigin::Imported;
  r.segmentation.lesions = model::LabelOrigin::Automatic;
  r.segmentation.segments = model::LabelOrigin::Imported;
  r.segmentation.review = model::ReviewStatus::Edited;
  r.segmentation.reviewedBy = "Dr A";
  r.segmentation.reviewedAt = "2026-01-02T10:00:00Z";
  r.segmentation.edits = model::EditTotals{ 3, 12.5, 0.25, 4.0, 30.125, 1, 1, "edits.json" };
  r.qc = model::QualityControl{ model::QcStatus::Review, { "liver volume unusual" } };
  r.contrastPhase =
    model::ContrastPhase{ "portal-venous", 0.9, { { "how", "aorta and portal vein HU" } } };
  r.volumetry.totalLiverMl = 1600.25;
  r.volumetry.liverVoxelCount = 123456;
  r.volumetry.tumourMl = 20.5;
  r.volumetry.functionalMl = 1579.75;
  r.volumetry.segmentsMl = std::array<double, 9>{ 0, 30, 150, 160, 200, 210, 250, 300, 300 };
  r.volumetry.lesions = { { 1, 100, 12.5, 28.0, 40.0, { 1, 2, 3 }, { 6, 7 } },
                          { 2, 50, 8.0, std::nullopt, 35.0, { 4, 5, 6 }, { 3 } } };
  r.segments = { { "method", "imported" } };
  model::BodyRecord body;
  body.heightCm = 175;
  body.weightKg = 80;
  body.bsaFormula = liver::BsaFormula::Mosteller;
  body.bsaM2 = 1.97;
  body.slvFormula = liver::SlvFormula::Vauthey;
  body.standardLiverVolumeMl = 1700;
  r.body = body;
  r.liverCondition = liver::LiverCondition::Chemotherapy;
  r.augmentationParameters = liver::AugmentationParameters{};
  r.augmentationParameters->pveMedianHypertrophyPercent = 30.0;

  model::PlanRecord p;
  p.plan = liver::parsePlanSpec("right-hemihepatectomy+wedge:2@10+ablate:1");
  p.plan.planes.push_back({ { -40.125, 0.5, 20 }, { -1, 0, 0 } });
  p.spec = liver::planSpec(p.plan);
  p.result.name = "rh";
  p.result.spec = p.spec;
  p.result.remnantMl = 500;
  p.result.flrMl = 490;
  p.result.flrPercent = 31.01;
  p.result.sflrPercent = 28.8;
  p.result.flrBodyWeightPercent = 0.61;
  p.result.standardLiverVolumeMl = 1700;
  p.result.thresholdPercent = 30;
  p.result.thresholdBasis = "sFLR";
  p.result.thresholdSource = "Shindoh 2013";
  p.result.thresholdRationale = "chemotherapy";
  p.result.passReasons = { "not met: sFLR" };
  p.result.hasSegments = true;
  p.result.segmentRemnantFraction = { 0, 1, 1, 1, 1, 0, 0, 0, 0 };
  p.result.segmentsLeft = { 1, 2, 3, 4 };
  p.result.segmentGroups = { { 1, 2, 3, 4 } };
  p.result.contiguous = true;
  p.result.remnantPieces = 1;
  liver::LesionOutcome left;
  left.id = 2;
  left.fate = liver::LesionFate::Left;
  left.marginMm = 3.5;
  left.volumeMl = 8;
  liver::LesionOutcome ablated;
  ablated.id = 1;
  ablated.fate = liver::LesionFate::Ablated;
  ablated.vesselDistanceMm = 4.0;
  ablated.maxDiameterMm = 28;
  ablated.warnings = { "heat sink" };
  p.result.lesions = { ablated, left };
  p.result.marginStatus = "R2";
  p.result.marginReason = "lesion 2 left";
  p.result.band = liver::FlrBand{ 30.5, 31.5, 28.1, 29.4, 480, 520 };
  p.remnantFile = "remnant-1-rh.nii.gz";
  liver::AugmentationParameters parameters;
  p.augmentation.note = liver::AugmentationPopulationNote;
  p.augmentation.verdict = "PVE (median, week 2.0)";
  p.augmentation.pve = liver::predictPve(28.8, 30, parameters);
  p.augmentation.alpps = liver::predictAlpps(28.8, 30, parameters);
  p.augmentation.twoStage = liver::predictTwoStage(28.8, 470, 1700, 30, parameters);
  p.augmentation.portalEmbolization = liver::portalEmbolizationFor({ 5, 6, 7, 8 });
  r.plans.push_back(p);

  model::PlanRecord q;
  q.plan = liver::parsePlanSpec("segments:2,3");
  q.spec = liver::planSpec(q.plan);
  q.proposed = true;
  q.rank = 1;
  q.result.name = "lls";
  q.result.marginStatus = "R0";
  q.result.r0 = true;
  q.result.pass = true;
  q.result.thresholdBasis = "measured FLR";
  q.remnantFile = "remnant-2-lls.nii.gz";
  q.augmentation.note = "needs --height and --weight (sFLR)";
  q.augmentation.portalEmbolization = liver::PortalEmbolization{
    "not named", {}, "no segment map: the resected segments are unknown"
  };
  r.plans.push_back(q);

  r.files = { { "liver", "liver.nii.gz" }, { "report", "report.html" } };
  liver::Clinical clinical;
  clinical.primaryTumour = liver::PrimaryTumour::Colorectal;
  clinical.ecog = 1;
  clinical.heightCm = 175;
  r.clinical = clinical;
  liver::Decision d;
  d.category = "two-stage";
  d.categoryText = "Two-stage hepatectomy";
  d.strategies = { { "two-stage", "Two-stage hepatectomy" } };
  d.warnings = { { "mdt.referral", "MDT" } };
  liver::TraceEntry e;
  e.ruleId = "candidacy.r0";
  e.status = liver::RuleStatus::NotMet;
  e.inputs = { { "missing", std::monostate{} },
               { "flag", true },
               { "count", std::int64_t{ 3 } },
               { "sflrPercent", 27.5 },
               { "text", std::string("1") } };
  e.conclusion = "not met";
  e.source = "seed guideline";
  d.trace = { e };
  d.sources = { "seed guideline" };
  r.decision = d;
  r.inputFiles = {
    { "ct", "ct.nii.gz", "file", 10, std::string(64, 'a'), std::nullopt, "" },
    { "liver", "dicom/", "folder", 20, std::string(64, 'b'), 3, "" },
    { "vessels", "v.nii.gz", "", std::nullopt, std::nullopt, std::nullopt, "not found when hashed" }
  };
  r.images = {
    { "images/plan-1-anterior.png", "plan-3d", "anterior", "Plan 1", 1, 0, 640, 480, "" },
    { "images/plan-1-lesion-2-axial.png",
      "lesion-axial",
      "axial",
      "Lesion 2",
      1,
      2,
      0,
      0,
      "no display" }
  };
  r.seconds = 1.5;
  r.extra = { { "futureField", { { "x", 1 } } } };
  return r;
}

TEST(ModelJson, RoundTripKeepsEveryField)
{
  const json written = model::toJson(filledResult());
  const model::AnalysisResult read = model::fromJson(written, "r.json");
  EXPECT_EQ(model::toJson(read), written);
  EXPECT_EQ(read.schemaVersion, model::CurrentSchemaVersion);
  EXPECT_EQ(read.plans[0].plan.planes.size(), 1u);
  EXPECT_DOUBLE_EQ(read.plans[0].plan.planes[0].pointLpsMm[0], -40.125);
  EXPECT_EQ(read.plans[0].result.lesions[0].fate, liver::LesionFate::Ablated);
  EXPECT_FALSE(read.volumetry.lesions[1].maxDiameterMm.has_value());
  EXPECT_EQ(read.decision->trace[0].status, liver::RuleStatus::NotMet);
  EXPECT_EQ(std::get<std::int64_t>(read.decision->trace[0].inputs[0].second), 3); // sorted keys
  EXPECT_EQ(read.qc->status, model::QcStatus::Review);
  EXPECT_EQ(read.segmentation.review, model::ReviewStatus::Edited);
  ASSERT_TRUE(read.segmentation.edits.has_value());
  EXPECT_EQ(read.segmentation.edits->operations, 3u);
  EXPECT_DOUBLE_EQ(read.segmentation.edits->tumourRemovedMl, 30.125);
  EXPECT_EQ(read.segmentation.edits->lesionsRemoved, 1u);
  EXPECT_EQ(read.segmentation.edits->logFile, "edits.json");
  EXPECT_EQ(read.extra["futureField"]["x"], 1);
  EXPECT_EQ(read.labels.sources[0].labelGridMapping, "axes (1, 0, 2), flip L");
  EXPECT_FALSE(written["labels"]["sources"][1].contains("labelGridMapping"));
  EXPECT_EQ(read.automaticSegmentation["lesions"]["candidatesWeighed"][0]["confidence"], 0.875);
  EXPECT_EQ(written["schemaVersion"], model::CurrentSchemaVersion);
  EXPECT_EQ(written["comparison"][0]["lesions"], "A 1; L 2 (3.5)");
  EXPECT_EQ(written["comparison"][1]["augmentationVerdict"], nullptr);
  EXPECT_FALSE(written["plans"][1]["augmentation"]["portalEmbolization"].contains("segments"));
}

TEST(ModelJson, DecisionInputsComeFromTheModel)
{
  const liver::DecisionInputs in = model::decisionInputs(filledResult());
  ASSERT_EQ(in.lesions.size(), 2u);
  EXPECT_EQ(in.lesions[0].maxDiameterMm, 28.0);
  EXPECT_EQ(in.lesions[0].vesselDistanceMm, 4.0); // from the plan's ablated lesion
  EXPECT_EQ(in.bilobar, true);                    // segments 6/7 and 3, with a segment map
  EXPECT_TRUE(in.vesselsKnown);
  EXPECT_EQ(in.liverCondition, liver::LiverCondition::Chemotherapy);
  EXPECT_EQ(in.augmentation.pveMedianHypertrophyPercent, 30.0);
  ASSERT_EQ(in.plans.size(), 2u);
  EXPECT_EQ(in.plans[0].ablatedLesionIds, std::vector<int>{ 1 });
  EXPECT_EQ(in.plans[0].leftLesionIds, std::vector<int>{ 2 });
  EXPECT_NEAR(*in.plans[0].pveMedianSflrPercent, 28.8 * 1.379, 1e-9);
  EXPECT_FALSE(in.plans[1].pveMedianSflrPercent.has_value());
}

TEST(ModelJson, WrittenResultMatchesTheSchemaAndTheValidatorCanFail)
{
  const json s = schema("result.schema.json");
  json written = model::toJson(filledResult());
  EXPECT_EQ(joined(liver::test::validateJson(s, written)), "");
  EXPECT_EQ(joined(liver::test::validateJson(schema("clinical.schema.json"), written["clinical"])),
            "");
  written["plans"][0]["result"]["r0"] = "yes";
  written["qualityControl"]["status"] = "maybe";
  written.erase("volumetry");
  const std::string errors = joined(liver::test::validateJson(s, written));
  EXPECT_TRUE(liver::test::contains(errors, "$.plans[0].result.r0: expected \"boolean\""))
    << errors;
  EXPECT_TRUE(liver::test::contains(errors, "$.qualityControl.status: \"maybe\" is not one of"))
    << errors;
  EXPECT_TRUE(liver::test::contains(errors, "$: missing required 'volumetry'")) << errors;
}

TEST(ModelJson, Version1FilesLoadWithProvenanceFromTheirFields)
{
  json v1 = model::toJson(filledResult());
  for (const char* key : { "schemaVersion", "segmentation", "qualityControl", "contrastPhase" })
    v1.erase(key);
  v1["automaticSegmentation"] = { { "liver", { { "huBand", { 40, 200 } } } } };
  const model::AnalysisResult r = model::fromJson(v1, "old.json");
  EXPECT_EQ(r.schemaVersion, 1);
  EXPECT_EQ(r.segmentation.liver, model::LabelOrigin::Automatic);
  EXPECT_EQ(r.segmentation.review, model::ReviewStatus::AutomaticUnreviewed);
  EXPECT_FALSE(r.qc.has_value());
  EXPECT_EQ(r.plans.size(), 2u);
  // Written again, it is a current file.
  EXPECT_EQ(model::toJson(r)["schemaVersion"], model::CurrentSchemaVersion);
}

TEST(ModelJson, UnknownVersionsAndBadFieldsAreRefusedNamingFileAndPath)
{
  json future = model::toJson(filledResult());
  future["schemaVersion"] = 7;
  try
  {
    model::fromJson(future, "future.json");
    FAIL() << "version 7 accepted";
  }
  catch (const InputError& e)
  {
    EXPECT_TRUE(liver::test::contains(e.what(), "future.json: schemaVersion 7 is not one"))
      << e.what();
    EXPECT_TRUE(liver::test::contains(e.what(), "9.9.9")) << e.what(); // the writer's version
  }
  const struct
  {
    std::function<void(json&)> change;
    const char* message;
  } cases[] = {
    { [](json& j) { j.erase("volumetry"); }, "volumetry: missing" },
    { [](json& j) { j["plans"][0]["result"]["r0"] = 1; },
      "plans[0].result.r0: must be true or false" },
    { [](json& j) {
       j["plans"][1]["result"]["lesions"] = { { { "id", 1 }, { "fate", "gone" } } };
     },
      "plans[1].result.lesions[0].fate: unknown fate 'gone'" },
    { [](json& j) { j["volumetry"]["lesions"][0]["segments"] = { "six" }; },
      "volumetry.lesions[0].segments: must hold integers" },
    { [](json& j) { j["body"]["bsaFormula"] = "guess"; }, "body.bsaFormula:" },
    { [](json& j) { j["segmentation"]["review"] = "maybe"; },
      "segmentation.review: unknown review" },
    { [](json& j) { j["schemaVersion"] = "2"; }, "schemaVersion: must be an integer" },
    { [](json& j) { j["clinical"]["ecog"] = 9; }, "ecog: 9 is outside 0..4" },
  };
  for (const auto& c : cases)
  {
    json j = model::toJson(filledResult());
    c.change(j);
    try
    {
      model::fromJson(j, "bad.json");
      ADD_FAILURE() << "accepted: " << c.message;
    }
    catch (const InputError& e)
    {
      EXPECT_TRUE(liver::test::contains(e.what(), std::string("bad.json: ")) &&
                  liver::test::contains(e.what(), c.message))
        << e.what() << " / expected " << c.message;
    }
  }
}

TEST(ModelJson, ReadResultTakesAFolderAndNamesUnreadableFiles)
{
  const std::string dir = liver::test::makeTempDir("model-read");
  model::writeResult(dir + "/result.json", filledResult());
  EXPECT_EQ(model::readResult(dir).plans.size(), 2u);
  EXPECT_THROW(model::readResult(dir + "/none.json"), InputError);
  std::ofstream(dir + "/cut.json") << "{\"volumetry\": {";
  try
  {
    model::readResult(dir + "/cut.json");
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_EQ(std::string(e.what()),
              dir +
                "/cut.json: not JSON (line 1, column 16: syntax error while parsing object key - "
                "unexpected end of input; expected string literal)");
  }
}

// A number too large for a double (nlohmann::json's out_of_range, not a parse_error) is not JSON
// like a syntax error: exit 2 naming the file and where, not exit 3 (json_inputs fuzz finding,
// tests/fuzz_regression/json_inputs/clinical-number-overflow).
TEST(ModelJson, ANumberTooLargeForADoubleIsMalformedJson)
{
  try
  {
    model::parseClinicalJson(R"({"heightCm": 1e999})", "huge.json");
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_EQ(std::string(e.what()),
              "huge.json: not JSON (line 1, column 18: a number out of range)");
  }
  const std::string dir = liver::test::makeTempDir("model-huge");
  std::ofstream(dir + "/huge.json") << R"({"volumetry": {"totalLiverMl": 1e999}})";
  try
  {
    model::readResult(dir + "/huge.json");
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_EQ(std::string(e.what()),
              dir + "/huge.json: not JSON (line 1, column 36: a number out of range)");
  }
}

/// Every name the code accepts for an enum field is in the schema's enum, and the schema lists
/// exactly the fields clinical.json has.
TEST(ClinicalSchema, MatchesTheCode)
{
  const json s = schema("clinical.schema.json");
  const std::vector<std::pair<const char*, std::vector<std::string>>> fields = {
    { "sex", liver::sexNames() },
    { "primaryTumour", liver::primaryTumourNames() },
    { "extrahepaticDisease", liver::extrahepaticDiseaseNames() },
    { "chemotherapyStatus", liver::chemotherapyStatusNames() },
    { "chemotherapyResponse", liver::chemotherapyResponseNames() },
    { "mmr", liver::mmrStatusNames() },
    { "ras", liver::mutationStatusNames() },
    { "braf", liver::mutationStatusNames() },
    { "sidedness", liver::sidednessNames() },
    { "hormoneReceptor", liver::receptorStatusNames() },
    { "her2", liver::receptorStatusNames() },
    { "sstr", liver::receptorStatusNames() },
  };
  for (const auto& [field, names] : fields)
    for (const std::string& name : names)
    {
      const json& values = s["properties"][field]["enum"];
      EXPECT_NE(std::find(values.begin(), values.end(), json(name)), values.end())
        << field << ": " << name;
    }
  // A clinical.json with every field: the schema accepts it, the reader reads it back, and the
  // schema has no field the writer does not write.
  liver::Clinical c;
  c.heightCm = 170, c.weightKg = 70, c.sex = liver::Sex::Female, c.ageYears = 60;
  c.primaryTumour = liver::PrimaryTumour::Breast, c.ecog = 0;
  c.extrahepaticDisease = liver::ExtrahepaticDisease::Controlled, c.extrahepaticR0Achievable = true;
  c.liverCondition = liver::LiverCondition::Steatosis;
  c.chemotherapyStatus = liver::ChemotherapyStatus::Completed;
  c.chemotherapyResponse = liver::ChemotherapyResponse::Partial;
  c.chemotherapyWeeks = 16;
  c.mmr = liver::MmrStatus::Proficient, c.ras = liver::MutationStatus::WildType;
  c.braf = liver::MutationStatus::Mutated, c.sidedness = liver::Sidedness::Right;
  c.synchronous = true, c.nodePositivePrimary = false, c.ceaNgMl = 12.5;
  c.diseaseFreeIntervalMonths = 14, c.hormoneReceptor = liver::ReceptorStatus::Positive;
  c.her2 = liver::ReceptorStatus::Negative, c.netGrade = 2,
  c.sstr = liver::ReceptorStatus::Positive;
  c.symptomatic = true, c.progressive = false, c.hypervascular = true;
  c.comorbidityPreventsSurgery = false, c.patientRefusesSurgery = false, c.numberOfMetastases = 3;
  const json written = model::clinicalJson(c);
  EXPECT_EQ(joined(liver::test::validateJson(s, written)), "");
  EXPECT_EQ(model::clinicalJson(model::parseClinicalJson(written.dump(), "c.json")), written);
  std::set<std::string> schemaFields;
  for (const auto& item : s["properties"].items())
    if (item.key() != "comment")
      schemaFields.insert(item.key());
  std::set<std::string> writtenFields;
  for (const auto& item : written.items())
    writtenFields.insert(item.key());
  EXPECT_EQ(schemaFields, writtenFields);
  json bad = written;
  bad["ecog"] = 7;
  EXPECT_FALSE(liver::test::validateJson(s, bad).empty());
}

TEST(InputSchemas, ReadmeExamplesValidateAndLoad)
{
  const std::string dir = liver::test::makeTempDir("model-schemas");
  const std::string planJson = R"({ "plans": [
    { "name": "right hemi + caudate", "resection": "right-hemihepatectomy", "withCaudate": true },
    { "name": "LLS + wedge + RFA", "spec": "left-lateral-sectionectomy+wedge:4@10+ablate:5" },
    { "name": "custom", "segments": [2, 3],
      "planes": [ { "pointLpsMm": [-40, 0, 20], "normal": [-1, 0, 0] } ],
      "wedges": [ { "lesions": [2, 4], "marginMm": 10 } ],
      "ablations": [ { "lesion": 3, "zoneMarginMm": 5 } ] } ],
    "augmentation": { "pveMedianHypertrophyPercent": 30 } })";
  std::ofstream(dir + "/plan.json") << planJson;
  EXPECT_EQ(joined(liver::test::validateJson(schema("plan.schema.json"), json::parse(planJson))),
            "");
  EXPECT_EQ(liver::loadPlanFile(dir + "/plan.json").size(), 3u);
  json badPlan = json::parse(planJson);
  badPlan["plans"][2]["segments"] = { 9 };
  badPlan["plans"][0]["colour"] = "red";
  EXPECT_EQ(liver::test::validateJson(schema("plan.schema.json"), badPlan).size(), 2u);

  const std::string landmarks = liver::phantomLandmarksJson();
  EXPECT_EQ(
    joined(liver::test::validateJson(schema("landmarks.schema.json"), json::parse(landmarks))), "");
  EXPECT_NO_THROW(liver::parseLandmarks(landmarks, "landmarks.json"));
  json badLandmarks = json::parse(landmarks);
  badLandmarks["ivc"] = { { 1, 2, 3 } };
  EXPECT_FALSE(liver::test::validateJson(schema("landmarks.schema.json"), badLandmarks).empty());
}

/// The real binary's result.json (analyze with clinical data, and plan) matches the schema, and
/// its clinical part matches clinical.schema.json.
TEST(ModelCli, AnalyzeAndPlanOutputsMatchTheSchema)
{
  const std::string d = liver::test::writePhantomFolder("model-phantom", { "--spacing", "5" });
  std::ofstream(d + "/clinical.json") << R"({"primaryTumour": "colorectal", "ecog": 0})";
  const liver::test::CommandResult analyze =
    liver::test::runLiverplan({ "analyze",     d + "/ct.nii.gz",
                                "--liver",     d + "/liver.nii.gz",
                                "--lesions",   d + "/lesions.nii.gz",
                                "--segments",  d + "/segments.nii.gz",
                                "--plan",      "right-hemihepatectomy",
                                "--auto-plan", "1",
                                "--height",    "175",
                                "--weight",    "80",
                                "--clinical",  d + "/clinical.json",
                                "--out",       d + "/a" });
  ASSERT_EQ(analyze.exitCode, 0) << analyze.err;
  const json a = liver::test::readJson(d + "/a/result.json");
  EXPECT_EQ(joined(liver::test::validateJson(schema("result.schema.json"), a)), "");
  EXPECT_EQ(joined(liver::test::validateJson(schema("clinical.schema.json"), a["clinical"])), "");
  EXPECT_EQ(a["segmentation"]["review"], "imported-unreviewed");
  EXPECT_EQ(model::toJson(model::readResult(d + "/a")), a); // read and written again: the same
  const liver::test::CommandResult plan = liver::test::runLiverplan({ "plan",
                                                                      d + "/ct.nii.gz",
                                                                      "--liver",
                                                                      d + "/liver.nii.gz",
                                                                      "--lesions",
                                                                      d + "/lesions.nii.gz",
                                                                      "--plan",
                                                                      "wedge:1@5",
                                                                      "--out",
                                                                      d + "/p" });
  ASSERT_EQ(plan.exitCode, 0) << plan.err;
  const json p = liver::test::readJson(d + "/p/result.json");
  EXPECT_EQ(joined(liver::test::validateJson(schema("result.schema.json"), p)), "");
  EXPECT_EQ(p["kind"], "resection-plans");
}

} // namespace
