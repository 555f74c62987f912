/// End-to-end: `liverplan plan` on the phantom as a user runs it - the comparison table,
/// result.json, the remnant maps, plan files, and every bad-input path with its exit code.

#include "test_support.h"

#include <liver/imaging/io.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace liver::test; // test_support.h: runLiverplan, readJson, exit codes, ...

namespace
{

/// A 4 mm phantom made once for the tests in this file.
const std::string& phantomDir()
{
  static const std::string dir = [] {
    return liver::test::writePhantomFolder("plan-phantom", { "--spacing", "4" });
  }();
  return dir;
}

/// `plan` on the phantom's CT and labels, plus `extra` arguments.
std::vector<std::string> planArgs(const std::vector<std::string>& extra, bool withSegments = true)
{
  const std::string& p = phantomDir();
  std::vector<std::string> args = { "plan",      p + "/ct.nii.gz",
                                    "--liver",   p + "/liver.nii.gz",
                                    "--lesions", p + "/lesions.nii.gz" };
  if (withSegments)
  {
    args.push_back("--segments");
    args.push_back(p + "/segments.nii.gz");
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

} // namespace

TEST(PlanCli, ComparesPlansSideBySideAndWritesResultAndRemnantMaps)
{
  const std::string out = liver::test::makeTempDir("plan-out") + "/out";
  const CommandResult r =
    runLiverplan(planArgs({ "--plan",
                            "right-hemihepatectomy",
                            "--plan",
                            "lls=left-lateral-sectionectomy+wedge:2@5+ablate:3",
                            "--plan",
                            "wedge:1@10",
                            "--plan",
                            "plane:-40,0,0;-1,0,0",
                            "--height",
                            "175",
                            "--weight",
                            "80",
                            "--liver-condition",
                            "normal",
                            "--out",
                            out }));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char* column : { "remnant mL", "FLR %", "sFLR %", "pass", "margin", "lesions" })
    EXPECT_TRUE(contains(r.out, column)) << column << "\n" << r.out;
  for (const char* plan : { "right-hemihepatectomy", "lls", "wedge:1@10", "plane:-40,0,0" })
    EXPECT_TRUE(contains(r.out, plan)) << plan;
  EXPECT_TRUE(contains(r.out, "not a clinical order"));

  const nlohmann::json truth = readJson(phantomDir() + "/truth.json");
  const nlohmann::json j = readJson(out + "/result.json");
  EXPECT_EQ(j["units"]["volume"], "mL");
  EXPECT_TRUE(contains(j["coordinates"].get<std::string>(), "LPS"));
  EXPECT_TRUE(contains(j["disclaimer"].get<std::string>(), "multidisciplinary team"));
  ASSERT_EQ(j["plans"].size(), 4u);
  ASSERT_EQ(j["comparison"].size(), 4u);

  // Right hemihepatectomy keeps segments 1-4: the remnant is exactly their true volume.
  const nlohmann::json& hemi = j["plans"][0];
  EXPECT_EQ(hemi["segments"], (std::vector<int>{ 5, 6, 7, 8 }));
  double keptMl = 0.0;
  for (const char* s : { "1", "2", "3", "4" })
    keptMl += truth["segments"][s].get<double>();
  EXPECT_NEAR(hemi["result"]["remnantMl"].get<double>(), keptMl, 1e-9 * keptMl);
  EXPECT_EQ(hemi["result"]["segmentsLeft"], (std::vector<int>{ 1, 2, 3, 4 }));
  EXPECT_EQ(hemi["result"]["threshold"]["percent"], 20.0);
  EXPECT_EQ(hemi["result"]["threshold"]["source"], "Kishi 2009");
  const double bsa = std::sqrt(175.0 * 80.0 / 3600.0);
  const double slv = -794.41 + 1267.28 * bsa;
  EXPECT_NEAR(hemi["result"]["sflrPercent"].get<double>(),
              hemi["result"]["flrMl"].get<double>() / slv * 100.0,
              1e-9);
  EXPECT_NEAR(j["body"]["standardLiverVolumeMl"].get<double>(), slv, 1e-9);

  // The combination names lesion 3 ablated and lesion 1 resected by its own wedge plan.
  const nlohmann::json& combo = j["plans"][1];
  EXPECT_EQ(combo["name"], "lls");
  bool sawAblated = false;
  for (const nlohmann::json& l : combo["result"]["lesions"])
    if (l["id"] == 3)
    {
      EXPECT_EQ(l["fate"], "ablated");
      sawAblated = true;
    }
  EXPECT_TRUE(sawAblated);
  bool sawWedge = false;
  for (const nlohmann::json& l : j["plans"][2]["result"]["lesions"])
    if (l["id"] == 1)
    {
      EXPECT_EQ(l["fate"], "resected");
      EXPECT_NEAR(l["marginMm"].get<double>(), 10.0, 4.0); // within one 4 mm voxel
      sawWedge = true;
    }
  EXPECT_TRUE(sawWedge);

  // One remnant map per plan, on the CT's grid, agreeing with the JSON.
  for (const nlohmann::json& plan : j["plans"])
  {
    const std::string file = out + "/" + plan["remnantFile"].get<std::string>();
    ASSERT_TRUE(fs::exists(file)) << file;
    const auto map = liver::loadLabels(file);
    std::uint64_t kept = 0;
    const std::uint16_t* p = map->GetBufferPointer();
    for (std::size_t i = 0; i < map->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
      kept += p[i] == 1;
    EXPECT_EQ(kept, plan["result"]["remnantVoxels"].get<std::uint64_t>()) << file;
  }
}

TEST(PlanCli, PlanFileMatchesTheCommandLine)
{
  const std::string dir = liver::test::makeTempDir("plan-file");
  {
    std::ofstream file(dir + "/plan.json");
    file << R"({"plans": [{"name": "hemi", "resection": "right-hemihepatectomy"},
                          {"name": "two wedges", "wedges": [{"lesions": [1, 2], "marginMm": 10}]}]})";
  }
  const CommandResult fromFile =
    runLiverplan(planArgs({ "--plan-file", dir + "/plan.json", "--out", dir + "/a" }));
  ASSERT_EQ(fromFile.exitCode, 0) << fromFile.err;
  const CommandResult fromArgs = runLiverplan(
    planArgs({ "--plan", "right-hemihepatectomy", "--plan", "wedge:1,2", "--out", dir + "/b" }));
  ASSERT_EQ(fromArgs.exitCode, 0) << fromArgs.err;
  const nlohmann::json a = readJson(dir + "/a/result.json");
  const nlohmann::json b = readJson(dir + "/b/result.json");
  ASSERT_EQ(a["plans"].size(), 2u);
  EXPECT_EQ(a["plans"][1]["name"], "two wedges");
  for (int k = 0; k < 2; ++k)
    EXPECT_EQ(a["plans"][k]["result"]["remnantVoxels"], b["plans"][k]["result"]["remnantVoxels"]);
  // Without height and weight the measured FLR % is judged against the default 30 %.
  EXPECT_EQ(a["plans"][0]["result"]["sflrPercent"], nullptr);
  EXPECT_EQ(a["plans"][0]["result"]["threshold"]["basis"], "measured FLR");
  EXPECT_EQ(a["plans"][0]["result"]["threshold"]["percent"], 30.0);
}

TEST(PlanCli, BadInputIsOneLineWithExitCodeTwoAndNoOutput)
{
  struct Case
  {
    std::vector<std::string> extra;
    bool withSegments;
    std::string message;
  };
  const std::vector<Case> cases = {
    { { "--plan", "right-lobectomy" }, true, "unknown resection \"right-lobectomy\"" },
    { { "--plan", "segments:2,9" }, true, "segment 9 is outside 1..8" },
    { { "--plan", "wedge:42@10" }, true, "lesion 42 is not in the lesion map" },
    { { "--plan", "ablate:42" }, true, "lesion 42 is not in the lesion map" },
    { { "--plan", "right-hemihepatectomy" }, false, "resects Couinaud segments: give --segments" },
    { { "--plan", "wedge:1", "--height", "500", "--weight", "70" }, true, "heightCm" },
    { { "--plan", "wedge:1", "--height", "170", "--weight", "5" }, true, "weightKg" },
    { { "--plan", "wedge:1", "--height", "170" }, true, "--height needs --weight" },
    { { "--plan", "wedge:1", "--liver-condition", "tired" }, true, "tired" },
    { { "--plan-file", "/nonexistent/plan.json" }, true, "cannot read the plan file" },
    { { "--plan", "plane:0,0,0;0,0,0" }, true, "non-zero normal" },
  };
  for (const Case& c : cases)
  {
    const std::string out = liver::test::makeTempDir("plan-bad") + "/out";
    std::vector<std::string> extra = c.extra;
    extra.push_back("--out");
    extra.push_back(out);
    const CommandResult r = runLiverplan(planArgs(extra, c.withSegments));
    EXPECT_EQ(r.exitCode, ExitBadInput) << c.message << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    const auto at = r.err.find("liverplan: error");
    ASSERT_NE(at, std::string::npos) << r.err;
    const std::string errors = r.err.substr(at);
    EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.message;
  }
}

TEST(PlanCli, UsageErrorsAndHelp)
{
  const CommandResult help = runLiverplan({ "plan", "--help" });
  EXPECT_EQ(help.exitCode, 0);
  for (const char* option : { "--plan", "--plan-file", "--height", "--liver-condition" })
    EXPECT_TRUE(contains(help.out, option)) << option;
  const std::string out = liver::test::makeTempDir("plan-usage") + "/out";
  const CommandResult none = runLiverplan(planArgs({ "--out", out }));
  EXPECT_EQ(none.exitCode, ExitUsage) << none.err;
  EXPECT_TRUE(contains(none.err, "give at least one --plan, --plan-file or --auto-plan"))
    << none.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(runLiverplan({ "plan", "--plan", "wedge:1" }).exitCode, ExitUsage);
}

TEST(PlanCli, AutoPlanAddsRankedR0Proposals)
{
  const std::string out = liver::test::makeTempDir("plan-auto") + "/out";
  const CommandResult r =
    runLiverplan(planArgs({ "--plan", "right-hemihepatectomy", "--auto-plan", "2", "--out", out }));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(out + "/result.json");
  ASSERT_EQ(j["plans"].size(), 3u);
  EXPECT_EQ(j["plans"][0]["proposed"], false);
  for (int k = 1; k <= 2; ++k)
  {
    const nlohmann::json& p = j["plans"][k];
    EXPECT_EQ(p["proposed"], true);
    EXPECT_EQ(p["rank"], k);
    EXPECT_EQ(p["result"]["marginStatus"], "R0");
    EXPECT_TRUE(fs::exists(out + "/" + p["remnantFile"].get<std::string>()));
    EXPECT_TRUE(contains(r.out, p["name"].get<std::string>().substr(0, 30)));
  }
  EXPECT_GE(j["plans"][1]["result"]["flrMl"].get<double>(),
            j["plans"][2]["result"]["flrMl"].get<double>());
}
