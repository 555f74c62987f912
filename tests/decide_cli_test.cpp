/// End-to-end: `liverplan decide` on a result.json that `liverplan analyze` wrote for the phantom,
/// as a user runs it - the printed decision, the JSON the report writer reads, flags over the
/// clinical file, and every bad-input path with its exit code and one-line message.

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace liver::test; // test_support.h: runLiverplan, readJson, exit codes, ...

namespace
{

/// The phantom (4 mm) analysed once with its own labels, a right hemihepatectomy, 175 cm and
/// 80 kg: result.json in the returned folder.
const std::string& analysedPhantom()
{
  static const std::string dir = []
  {
    const std::string d = liver::test::writePhantomFolder("decide-phantom", { "--spacing", "4" });
    const CommandResult r = runLiverplan({ "analyze",
                                           d + "/ct.nii.gz",
                                           "--liver",
                                           d + "/liver.nii.gz",
                                           "--lesions",
                                           d + "/lesions.nii.gz",
                                           "--segments",
                                           d + "/segments.nii.gz",
                                           "--plan",
                                           "right-hemihepatectomy",
                                           "--height",
                                           "175",
                                           "--weight",
                                           "80",
                                           "--out",
                                           d + "/analysis" });
    if (r.exitCode != 0)
      throw std::runtime_error("analyze failed: " + r.err);
    return d;
  }();
  return dir;
}

std::string resultPath()
{
  return analysedPhantom() + "/analysis/result.json";
}

std::string writeFile(const std::string& dir, const std::string& name, const std::string& text)
{
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const char* const fitColorectal = R"({
  "comment": "fit patient, colorectal, no poor prognostic factor",
  "heightCm": 175, "weightKg": 80, "sex": "male", "ageYears": 61,
  "primaryTumour": "colorectal", "ecog": 0, "extrahepaticDisease": "none",
  "liverCondition": null, "chemotherapyStatus": "none",
  "mmr": "pMMR", "ras": "wild-type", "braf": "wild-type", "sidedness": "left",
  "synchronous": false, "nodePositivePrimary": false, "ceaNgMl": 3.1,
  "diseaseFreeIntervalMonths": 20, "comorbidityPreventsSurgery": false,
  "patientRefusesSurgery": false
})";

} // namespace

TEST(DecideCli, DecidesOnAnAnalyzeResultAndWritesTheDecisionJson)
{
  const std::string dir = liver::test::makeTempDir("decide-run");
  const std::string clinical = writeFile(dir, "clinical.json", fitColorectal);
  const CommandResult r = runLiverplan(
    { "decide", "--clinical", clinical, "--result", resultPath(), "--json", dir + "/d.json" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // The phantom's right hemihepatectomy leaves lesion 1 in the remnant (R2) at sFLR 27.7 %:
  // stage 1 clears it, PVE brings the remnant to a predicted 33 % >= 30 %.
  EXPECT_TRUE(contains(r.out, "Decision: Two-stage hepatectomy [two-stage]")) << r.out;
  EXPECT_TRUE(contains(r.out, "expander.two-stage")) << r.out;
  EXPECT_TRUE(contains(r.out, "Decision support for a multidisciplinary team")) << r.out;

  const nlohmann::json j = readJson(dir + "/d.json");
  EXPECT_EQ(j["kind"], "decision");
  const nlohmann::json& d = j["decision"];
  std::vector<std::string> keys;
  for (const auto& item : d.items())
    keys.push_back(item.key());
  EXPECT_EQ(
    keys,
    (std::vector<std::string>{
      "category", "categoryText", "disclaimer", "sources", "strategies", "trace", "warnings" }));
  EXPECT_EQ(d["category"], "two-stage");
  EXPECT_EQ(d["strategies"][0]["id"], "two-stage");
  EXPECT_EQ(d["strategies"][1]["id"], "perioperative-folfox");
  EXPECT_TRUE(contains(d["disclaimer"].get<std::string>(), "not a clinical order"));
  bool twoStage = false;
  for (const nlohmann::json& e : d["trace"])
  {
    ASSERT_TRUE(e.contains("ruleId") && e.contains("inputs") && e.contains("conclusion") &&
                e.contains("source"))
      << e.dump();
    if (e["ruleId"] == "expander.two-stage")
    {
      twoStage = true;
      EXPECT_EQ(e["inputs"]["leftLesions"], "1");
      EXPECT_NEAR(e["inputs"]["sflrPercent"].get<double>(), 27.7, 0.05);
    }
  }
  EXPECT_TRUE(twoStage);
  bool fong = false;
  for (const nlohmann::json& s : d["sources"])
    fong = fong || s == "Fong, Ann Surg 1999";
  EXPECT_TRUE(fong);
  EXPECT_EQ(d["warnings"].back()["ruleId"], "mdt.referral");
  EXPECT_EQ(j["clinical"]["primaryTumour"], "colorectal");

  // Same inputs, same output.
  ASSERT_EQ(
    runLiverplan(
      { "decide", "--clinical", clinical, "--result", resultPath(), "--json", dir + "/again.json" })
      .exitCode,
    0);
  EXPECT_EQ(readJson(dir + "/again.json")["decision"], d);
}

TEST(DecideCli, FlagsSetTheCommonFieldsAndOverrideTheFile)
{
  const std::string dir = liver::test::makeTempDir("decide-flags");
  const std::string clinical = writeFile(dir, "clinical.json", fitColorectal);
  const CommandResult ecog3 =
    runLiverplan({ "decide", "--clinical", clinical, "--ecog", "3", "--result", resultPath() });
  ASSERT_EQ(ecog3.exitCode, 0) << ecog3.err;
  EXPECT_TRUE(contains(ecog3.out, "[not-candidate]")) << ecog3.out;

  // No file: only the flags; the missing fields make the decision incomplete and say which.
  const CommandResult flags = runLiverplan({ "decide",
                                             "--primary",
                                             "colorectal",
                                             "--extrahepatic",
                                             "none",
                                             "--result",
                                             resultPath(),
                                             "--json",
                                             dir + "/flags.json" });
  ASSERT_EQ(flags.exitCode, 0) << flags.err;
  const nlohmann::json d = readJson(dir + "/flags.json")["decision"];
  EXPECT_EQ(d["category"], "incomplete");
  EXPECT_TRUE(contains(d["categoryText"].get<std::string>(), "needs ecog")) << d.dump();
  EXPECT_EQ(d["strategies"][0]["id"], "complete-data");
  bool performance = false;
  for (const nlohmann::json& e : d["trace"])
    if (e["ruleId"] == "candidacy.performance")
    {
      performance = true;
      EXPECT_TRUE(e["inputs"]["ecog"].is_null()) << e.dump();
      EXPECT_EQ(e["conclusion"], "not assessable: needs ecog");
    }
  EXPECT_TRUE(performance);

  // --liver-condition cirrhosis raises the threshold to 40 %: two stages (33 %) no longer suffice.
  const CommandResult cirrhosis = runLiverplan({ "decide",
                                                 "--clinical",
                                                 clinical,
                                                 "--liver-condition",
                                                 "cirrhosis",
                                                 "--result",
                                                 resultPath() });
  ASSERT_EQ(cirrhosis.exitCode, 0) << cirrhosis.err;
  EXPECT_TRUE(contains(cirrhosis.out, "[systemic-reassess]")) << cirrhosis.out;
  EXPECT_TRUE(contains(cirrhosis.out, "anti-EGFR")) << cirrhosis.out;
}

TEST(DecideCli, BadClinicalDataIsAOneLineErrorNamingTheFieldAndNoOutput)
{
  const std::string dir = liver::test::makeTempDir("decide-bad");
  const struct
  {
    const char* text;
    const char* part;
  } cases[] = {
    { R"({"ecog": 7})", "ecog: 7 is outside 0..4" },
    { R"({"heightCm": 4000})", "heightCm" },
    { R"({"ceaNgMl": -5})", "ceaNgMl" },
    { R"({"ecgo": 1})", "ecgo: unknown field" },
    { R"({"ecog": "one"})", "ecog: must be an integer" },
    { R"({"synchronous": "yes"})", "synchronous: must be true or false" },
    { R"({"primaryTumour": "lung"})", "primaryTumour: unknown primary tumour 'lung'" },
    { R"({"ecog": 1,})",
      "not JSON (line 1, column 12: syntax error while parsing object key - unexpected '}'; "
      "expected string literal)" },
    { R"([1, 2])", "must be a JSON object" },
  };
  for (const auto& c : cases)
  {
    SCOPED_TRACE(c.text);
    const std::string clinical = writeFile(dir, "clinical.json", c.text);
    const CommandResult r = runLiverplan(
      { "decide", "--clinical", clinical, "--result", resultPath(), "--json", dir + "/out.json" });
    expectOneLineError(r, ExitBadInput, c.part);
    EXPECT_TRUE(contains(r.err, clinical)) << r.err; // names the file
    EXPECT_FALSE(fs::exists(dir + "/out.json"));
  }
  expectOneLineError(runLiverplan({ "decide", "--ecog", "9", "--result", resultPath() }),
                     ExitBadInput,
                     "ecog: 9 is outside 0..4");
  expectOneLineError(runLiverplan({ "decide", "--primary", "lung", "--result", resultPath() }),
                     ExitBadInput,
                     "--primary");
  expectOneLineError(
    runLiverplan({ "decide", "--clinical", dir + "/absent.json", "--result", resultPath() }),
    ExitBadInput,
    "absent.json: cannot read");
}

TEST(DecideCli, BadResultFilesAreOneLineErrors)
{
  const std::string dir = liver::test::makeTempDir("decide-result");
  expectOneLineError(runLiverplan({ "decide", "--result", dir + "/none.json" }),
                     ExitBadInput,
                     "none.json: cannot read the result file");
  const std::string notResult = writeFile(dir, "other.json", R"({"tool": "liverplan"})");
  expectOneLineError(
    runLiverplan({ "decide", "--result", notResult }), ExitBadInput, "volumetry: missing");
  const std::string badPlan = writeFile(
    dir,
    "plan.json",
    R"({"volumetry": {"lesions": []}, "plans": [{"name": "x", "result": {"r0": "yes"}}]})");
  expectOneLineError(runLiverplan({ "decide", "--result", badPlan }),
                     ExitBadInput,
                     "plans[0].result.r0: must be true or false");
  const std::string truncated = writeFile(dir, "cut.json", R"({"volumetry": {"lesi)");
  expectOneLineError(
    runLiverplan({ "decide", "--result", truncated }), ExitBadInput, "cut.json: not JSON (line 1");
  EXPECT_EQ(runLiverplan({ "decide" }).exitCode, ExitUsage); // --result is required
}

TEST(DecideCli, HandWrittenResultWithoutPlansIsNotAssessable)
{
  // The smallest result.json: volumetry without plans (analyze without --plan).
  const std::string dir = liver::test::makeTempDir("decide-fixture");
  const std::string result = writeFile(dir,
                                       "result.json",
                                       R"({"volumetry": {"totalLiverMl": 1600, "lesions": [
      {"id": 1, "maxDiameterMm": 22.5, "segments": [6]}]}, "plans": []})");
  const std::string clinical = writeFile(dir, "clinical.json", fitColorectal);
  const CommandResult r = runLiverplan(
    { "decide", "--clinical", clinical, "--result", result, "--json", dir + "/d.json" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json d = readJson(dir + "/d.json")["decision"];
  EXPECT_EQ(d["category"], "incomplete");
  EXPECT_TRUE(contains(d["categoryText"].get<std::string>(), "needs a resection plan"));
  EXPECT_EQ(d["trace"][0]["ruleId"], "candidacy.r0");
  EXPECT_EQ(d["trace"][0]["inputs"]["plans"], 0);
}

TEST(DecideCli, HelpListsTheClinicalFlags)
{
  const CommandResult help = runLiverplan({ "decide", "--help" });
  EXPECT_EQ(help.exitCode, 0);
  for (const char* flag : { "--clinical",
                            "--result",
                            "--json",
                            "--primary",
                            "--ecog",
                            "--extrahepatic",
                            "--cea",
                            "--age",
                            "--sex",
                            "--height" })
    EXPECT_TRUE(contains(help.out, flag)) << flag;
}

TEST(DecisionCorrections, DecideUsesTheAugmentationParametersTheResultWasMadeWith)
{
  const std::string dir = liver::test::makeTempDir("decide-augmentation");
  // analyze records the parameters its predictions used (here the defaults).
  nlohmann::json result = readJson(resultPath());
  ASSERT_TRUE(result.contains("augmentationParameters")) << "analyze must record them";
  EXPECT_DOUBLE_EQ(result["augmentationParameters"]["pveMedianHypertrophyPercent"].get<double>(),
                   37.9);
  EXPECT_DOUBLE_EQ(result["augmentationParameters"]["shindohMinKgrPercentPerWeek"].get<double>(),
                   2.0);
  // The same result made with a KGR cut-off of 5 %/week and 60-70 % two-stage completion: the
  // two-stage prediction (about 2.3 %/week) no longer qualifies, and the texts quote 5 %/week.
  result["augmentationParameters"]["shindohMinKgrPercentPerWeek"] = 5.0;
  result["augmentationParameters"]["twoStageCompletionLowPercent"] = 60.0;
  result["augmentationParameters"]["twoStageCompletionHighPercent"] = 70.0;
  std::ofstream(dir + "/result.json") << result.dump();
  const std::string clinical =
    writeFile(dir, "clinical.json", R"({"primaryTumour": "colorectal", "ecog": 0,
      "extrahepaticDisease": "none", "chemotherapyStatus": "completed", "chemotherapyWeeks": 6})");
  const CommandResult r = runLiverplan({ "decide",
                                         "--clinical",
                                         clinical,
                                         "--result",
                                         dir + "/result.json",
                                         "--json",
                                         dir + "/d.json" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(dir + "/d.json");
  EXPECT_NE(j["decision"]["category"], "two-stage") << r.out;
  bool twoStageJudged = false;
  for (const nlohmann::json& e : j["decision"]["trace"])
  {
    if (e["ruleId"] != "expander.two-stage")
      continue;
    twoStageJudged = true;
    EXPECT_TRUE(contains(e["conclusion"].get<std::string>(), "(< 5.0, primary criterion)"))
      << e["conclusion"];
  }
  EXPECT_TRUE(twoStageJudged);
  EXPECT_DOUBLE_EQ(j["clinical"]["chemotherapyWeeks"].get<double>(), 6.0);

  // A bad recorded parameter is a one-line error naming the field.
  result["augmentationParameters"]["pveWaitWeeks"] = -1.0;
  std::ofstream(dir + "/bad.json") << result.dump();
  expectOneLineError(
    runLiverplan({ "decide", "--clinical", clinical, "--result", dir + "/bad.json" }),
    ExitBadInput,
    "augmentationParameters: pveWaitWeeks = -1");
}

TEST(DecisionCorrections, AnalyzeOverridesReachDecideThroughResultJson)
{
  // As a user runs it: analyze with overridden augmentation parameters (flags and plan.json),
  // then decide on its result.json. The expander texts quote the overrides and the verdict uses
  // the overridden KGR cut-off, not the defaults.
  const std::string d = liver::test::writePhantomFolder("decide-override", { "--spacing", "4" });
  const std::string clinical =
    writeFile(d, "clinical.json", R"({"primaryTumour": "colorectal", "ecog": 0,
      "extrahepaticDisease": "none", "chemotherapyStatus": "none"})");
  const auto analyze = [&](const std::string& out, const std::vector<std::string>& more)
  {
    std::vector<std::string> args = { "analyze",    d + "/ct.nii.gz",
                                      "--liver",    d + "/liver.nii.gz",
                                      "--lesions",  d + "/lesions.nii.gz",
                                      "--segments", d + "/segments.nii.gz",
                                      "--height",   "175",
                                      "--weight",   "80",
                                      "--clinical", clinical,
                                      "--out",      d + "/" + out };
    args.insert(args.end(), more.begin(), more.end());
    const CommandResult r = runLiverplan(args);
    EXPECT_EQ(r.exitCode, 0) << r.err;
  };
  analyze("flags",
          { "--plan",
            "right-hemihepatectomy",
            "--pve-wait-weeks",
            "3",
            "--two-stage-interval-weeks",
            "5,9",
            "--two-stage-completion",
            "60,70" });
  const CommandResult flags =
    runLiverplan({ "decide", "--clinical", clinical, "--result", d + "/flags/result.json" });
  ASSERT_EQ(flags.exitCode, 0) << flags.err;
  // Two-stage: stage 2 after 5-9 weeks, ~60-70 % complete; DH over the 3-week PVE wait.
  EXPECT_TRUE(contains(flags.out, "after 5.0-9.0 weeks")) << flags.out;
  EXPECT_TRUE(contains(flags.out, "completed in ~60.0-70.0 %")) << flags.out;
  EXPECT_TRUE(contains(flags.out, "predicted KGR 3.1 %/week (>= 2.0, primary criterion)"))
    << flags.out;

  // plan.json raises the KGR cut-off to 4 %/week: the same two-stage no longer qualifies.
  const std::string planFile = writeFile(
    d,
    "plan.json",
    R"({"plans": [{"name": "right-hemihepatectomy", "resection": "right-hemihepatectomy"}],
        "augmentation": {"shindohMinKgrPercentPerWeek": 4}})");
  analyze("file", { "--plan-file", planFile, "--pve-wait-weeks", "3" });
  EXPECT_DOUBLE_EQ(
    readJson(d + "/file/result.json")["augmentationParameters"]["shindohMinKgrPercentPerWeek"]
      .get<double>(),
    4.0);
  const CommandResult file = runLiverplan({ "decide",
                                            "--clinical",
                                            clinical,
                                            "--result",
                                            d + "/file/result.json",
                                            "--json",
                                            d + "/file/decision.json" });
  ASSERT_EQ(file.exitCode, 0) << file.err;
  const nlohmann::json j = readJson(d + "/file/decision.json");
  EXPECT_NE(j["decision"]["category"], "two-stage") << file.out;
  bool judged = false;
  for (const nlohmann::json& e : j["decision"]["trace"])
    if (e["ruleId"] == "expander.two-stage")
    {
      judged = true;
      EXPECT_TRUE(contains(e["conclusion"].get<std::string>(),
                           "predicted KGR 3.1 %/week (< 4.0, primary criterion)"))
        << e["conclusion"];
    }
  EXPECT_TRUE(judged);
}
