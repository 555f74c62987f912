/// End to end (issue 5, Must show): two phantoms of one patient - the second after PVE, with a
/// grown left lobe and a known rigid motion - and `liverplan hypertrophy --after-ct` re-measuring
/// the first analysis's plans on the second study recovers the DH and KGR that the phantoms'
/// truth segment volumes give, within 1 percentage point.

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace liver::test; // test_support.h: runLiverplan, readJson, exit codes, ...

namespace
{

constexpr double Pi = 3.14159265358979323846;
constexpr double HeightCm = 175.0, WeightKg = 80.0, Weeks = 4.0;
constexpr double RotationDeg = 3.0;
constexpr std::array<double, 3> ShiftMm{ 6.0, -4.0, 3.0 };
/// Cantlie's plane of the phantom (x, y of a point; the normal points into the resected right
/// liver), in the first study's coordinates.
constexpr std::array<double, 3> CantliePointMm{ -24.0, 25.0, 0.0 };

/// Phantom A, phantom B (left lobe +80 %, rotated 3 degrees about z, shifted 6,-4,3 mm) at 4 mm,
/// and `analyze` of A with a right hemihepatectomy and a plane plan on Cantlie's plane.
struct Studies
{
  std::string root, a, b, analysisA;
};

const Studies& studies()
{
  static const Studies s = []
  {
    Studies st;
    st.root = liver::test::makeTempDir("hypertrophy-phantoms");
    st.a = st.root + "/a";
    st.b = st.root + "/b";
    st.analysisA = st.root + "/analysis-a";
    const auto run = [](const std::vector<std::string>& args)
    {
      const CommandResult r = runLiverplan(args);
      if (r.exitCode != 0)
        throw std::runtime_error(args[0] + " failed: " + r.err);
    };
    run({ "phantom", "--out", st.a, "--spacing", "4" });
    run({ "phantom",
          "--out",
          st.b,
          "--spacing",
          "4",
          "--left-lobe-growth",
          "80",
          "--shift=6,-4,3",
          "--rotate",
          "3" });
    run({ "analyze",
          st.a + "/ct.nii.gz",
          "--liver",
          st.a + "/liver.nii.gz",
          "--lesions",
          st.a + "/lesions.nii.gz",
          "--segments",
          st.a + "/segments.nii.gz",
          "--plan",
          "right-hemihepatectomy",
          "--plan",
          "cantlie=plane:-24,25,0;-105,20,0",
          "--height",
          "175",
          "--weight",
          "80",
          "--out",
          st.analysisA });
    return st;
  }();
  return s;
}

/// sFLR % of the right hemihepatectomy from a phantom's truth: segments 1-4, less the lesions
/// whose centre lies there, over the SLV computed here by hand (Mosteller BSA, Vauthey SLV).
double truthSflrPercent(const std::string& phantomDir)
{
  const nlohmann::json t = readJson(phantomDir + "/truth.json");
  double flrMl = 0.0;
  for (int s = 1; s <= 4; ++s)
    flrMl += t["segments"][std::to_string(s)].get<double>();
  for (const auto& lesion : t["lesions"])
    if (lesion["segment"].get<int>() <= 4)
      flrMl -= lesion["volumeMl"].get<double>();
  const double bsaM2 = std::sqrt(HeightCm * WeightKg / 3600.0);
  const double slvMl = -794.41 + 1267.28 * bsaM2;
  return flrMl / slvMl * 100.0;
}

std::vector<std::string> hypertrophyArgs(const std::vector<std::string>& extra)
{
  const Studies& s = studies();
  std::vector<std::string> args = {
    "hypertrophy",           "--before",         s.analysisA + "/result.json", "--after-ct",
    s.b + "/ct.nii.gz",      "--after-liver",    s.b + "/liver.nii.gz",        "--after-lesions",
    s.b + "/lesions.nii.gz", "--after-segments", s.b + "/segments.nii.gz"
  };
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

} // namespace

// Tolerance: 1 percentage point of DH and 1 %/week of KGR (issue 5). The anatomical plan counts
// the same voxels as truth; the plane plan moves with the registration (~0.5 mm over the cut).
TEST(HypertrophyPhantom, RecoversTruthDhAndKgrFromTheSecondStudy)
{
  const std::string json = studies().root + "/h.json";
  const CommandResult r = runLiverplan(hypertrophyArgs({ "--weeks", "4", "--json", json }));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(json);

  const double sflrBefore = truthSflrPercent(studies().a);
  const double sflrAfter = truthSflrPercent(studies().b);
  const double dhTruth = sflrAfter - sflrBefore;
  const double kgrTruth = dhTruth / Weeks;
  // KGR >= 2 %/week is the primary criterion; the sFLR must reach the threshold of the run (no
  // liver condition given: the seed's 30 %); DH is reported beside (Shindoh, JACS 2013).
  const bool adequateTruth = kgrTruth >= 2.0 && sflrAfter >= 30.0;
  ASSERT_GT(dhTruth, 7.5 + 1.0); // the phantoms are made to pass Shindoh's cut-offs clearly
  ASSERT_TRUE(adequateTruth);

  ASSERT_EQ(j["plans"].size(), 2U);
  for (const nlohmann::json& p : j["plans"])
  {
    const double dh = p["degreeOfHypertrophyPoints"].get<double>();
    const double kgr = p["kineticGrowthRatePercentPerWeek"].get<double>();
    std::printf("%s: DH %.3f points (truth %.3f), KGR %.3f %%/week (truth %.3f)\n",
                p["name"].get<std::string>().c_str(),
                dh,
                dhTruth,
                kgr,
                kgrTruth);
    EXPECT_NEAR(dh, dhTruth, 1.0) << p["name"];
    EXPECT_NEAR(kgr, kgrTruth, 1.0) << p["name"];
    EXPECT_EQ(p["adequate"].get<bool>(), adequateTruth) << p["name"];
  }
  // The anatomical plan is measured on the second study's own segments: sFLR as truth says.
  EXPECT_NEAR(j["plans"][0]["before"]["sflrPercent"].get<double>(), sflrBefore, 0.05);
  EXPECT_NEAR(j["plans"][0]["after"]["sflrPercent"].get<double>(), sflrAfter, 0.05);
  EXPECT_DOUBLE_EQ(j["degreeOfHypertrophyPoints"].get<double>(),
                   j["plans"][0]["degreeOfHypertrophyPoints"].get<double>());
  EXPECT_EQ(j["weeksFrom"], "--weeks");
  EXPECT_DOUBLE_EQ(j["weeks"].get<double>(), Weeks);

  // The registration is reported with its quality, and maps Cantlie's plane where the pose says.
  const nlohmann::json& reg = j["registration"];
  ASSERT_TRUE(reg.is_object()) << j.dump(2);
  EXPECT_EQ(reg["metric"], "mattes-mutual-information");
  EXPECT_GT(reg["iterations"].get<unsigned>(), 0U);
  EXPECT_NEAR(reg["fixedToMoving"]["rotationDeg"].get<double>(), RotationDeg, 0.5);
  EXPECT_GT(reg["quality"]["liverDice"].get<double>(), 0.85);
  EXPECT_LT(reg["quality"]["liverDice"].get<double>(), 1.0); // the left lobe grew
  const auto mapped =
    j["plans"][1]["planesOnSecondStudy"][0]["pointLpsMm"].get<std::array<double, 3>>();
  const double c = std::cos(RotationDeg * Pi / 180.0), s = std::sin(RotationDeg * Pi / 180.0);
  const std::array<double, 3> expected{ c * CantliePointMm[0] - s * CantliePointMm[1] + ShiftMm[0],
                                        s * CantliePointMm[0] + c * CantliePointMm[1] + ShiftMm[1],
                                        CantliePointMm[2] + ShiftMm[2] };
  EXPECT_LT(std::hypot(mapped[0] - expected[0], mapped[1] - expected[1], mapped[2] - expected[2]),
            1.5);
  for (const char* column : { "DH pts", "KGR %/wk", "registration", "Dice" })
    EXPECT_TRUE(liver::test::contains(r.out, column)) << r.out;
}

TEST(HypertrophyPhantom, JudgesByTheCutOffsTheFirstAnalysisWasMadeWith)
{
  // Issue 14 follow-up, the whole path: `analyze` of A with plan.json's "augmentation" raising
  // Shindoh's KGR cut-off 1.5 %/week above the growth the phantoms were made with (the measured
  // KGR is within 1 %/week of truth); `hypertrophy` on B judges by that result's cut-off, as
  // `decide` does: the growth that passes the default 2 %/week is not adequate.
  const Studies& s = studies();
  const double kgrTruth = (truthSflrPercent(s.b) - truthSflrPercent(s.a)) / Weeks;
  const double cutOff = std::round((kgrTruth + 1.5) * 10.0) / 10.0;
  const std::string dir = liver::test::makeTempDir("hypertrophy-cutoffs");
  std::ofstream(dir + "/plan.json") << nlohmann::json{
    { "plans", { { { "resection", "right-hemihepatectomy" } } } },
    { "augmentation", { { "shindohMinKgrPercentPerWeek", cutOff } } }
  }.dump();
  const CommandResult a = runLiverplan({ "analyze",
                                         s.a + "/ct.nii.gz",
                                         "--liver",
                                         s.a + "/liver.nii.gz",
                                         "--lesions",
                                         s.a + "/lesions.nii.gz",
                                         "--segments",
                                         s.a + "/segments.nii.gz",
                                         "--plan-file",
                                         dir + "/plan.json",
                                         "--height",
                                         "175",
                                         "--weight",
                                         "80",
                                         "--out",
                                         dir + "/a" });
  ASSERT_EQ(a.exitCode, 0) << a.err;
  std::vector<std::string> args = hypertrophyArgs({ "--weeks", "4", "--json", dir + "/h.json" });
  args[2] = dir + "/a/result.json";
  const CommandResult r = runLiverplan(args);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(dir + "/h.json");
  const double kgr = j["kineticGrowthRatePercentPerWeek"].get<double>();
  EXPECT_GE(kgr, 2.0) << "adequate by the default cut-off";
  EXPECT_LT(kgr, cutOff);
  EXPECT_FALSE(j["adequate"].get<bool>());
  EXPECT_EQ(j["growthCutOffs"]["from"], "before");
  EXPECT_DOUBLE_EQ(j["growthCutOffs"]["shindohMinKgrPercentPerWeek"].get<double>(), cutOff);
  char line[96];
  std::snprintf(line, sizeof line, "cut-offs   KGR >= %.1f %%/week (primary)", cutOff);
  EXPECT_TRUE(liver::test::contains(r.out, line)) << r.out;
  EXPECT_TRUE(liver::test::contains(r.out, "augmentationParameters of " + dir + "/a/result.json"))
    << r.out;
}

TEST(HypertrophyPhantom, WritesTheSecondAnalysisWhenAsked)
{
  const std::string out = studies().root + "/analysis-b";
  const CommandResult r = runLiverplan(
    hypertrophyArgs({ "--weeks", "4", "--plan", "right-hemihepatectomy", "--after-out", out }));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json b = readJson(out + "/result.json");
  ASSERT_EQ(b["plans"].size(), 1U);
  EXPECT_NEAR(
    b["plans"][0]["result"]["sflrPercent"].get<double>(), truthSflrPercent(studies().b), 0.05);
  // No plane plan and no --before-ct: the segments carry the plan, nothing is registered.
  EXPECT_TRUE(liver::test::contains(r.out, "right-hemihepatectomy"));
  EXPECT_FALSE(liver::test::contains(r.out, "registration"));
}

TEST(HypertrophyPhantom, BadInputGetsOneLineAndItsExitCode)
{
  const Studies& s = studies();
  // --after and --after-ct together, or neither; re-measurement options without --after-ct.
  EXPECT_EQ(runLiverplan(hypertrophyArgs({ "--after", s.analysisA + "/result.json" })).exitCode,
            ExitUsage);
  EXPECT_EQ(runLiverplan({ "hypertrophy", "--before", s.analysisA + "/result.json" }).exitCode,
            ExitUsage);
  EXPECT_EQ(runLiverplan({ "hypertrophy",
                           "--before",
                           s.analysisA + "/result.json",
                           "--after",
                           s.analysisA + "/result.json",
                           "--after-liver",
                           s.b + "/liver.nii.gz" })
              .exitCode,
            ExitUsage);
  // An anatomical plan with no segment map for the second study.
  expectOneLineError(runLiverplan({ "hypertrophy",
                                    "--before",
                                    s.analysisA + "/result.json",
                                    "--after-ct",
                                    s.b + "/ct.nii.gz",
                                    "--after-liver",
                                    s.b + "/liver.nii.gz",
                                    "--weeks",
                                    "4" }),
                     ExitBadInput,
                     "--after-segments");
  // A first analysis without height and weight, and one whose CT cannot be found for the plane.
  nlohmann::json result = readJson(s.analysisA + "/result.json");
  const std::string dir = liver::test::makeTempDir("hypertrophy-bad");
  nlohmann::json noBody = result;
  noBody["body"] = nullptr;
  std::ofstream(dir + "/nobody.json") << noBody.dump();
  const std::vector<std::string> after = { "--after-ct",       s.b + "/ct.nii.gz",
                                           "--after-liver",    s.b + "/liver.nii.gz",
                                           "--after-segments", s.b + "/segments.nii.gz",
                                           "--weeks",          "4" };
  std::vector<std::string> args = { "hypertrophy", "--before", dir + "/nobody.json" };
  args.insert(args.end(), after.begin(), after.end());
  expectOneLineError(runLiverplan(args), ExitBadInput, "nobody.json");
  nlohmann::json noCt = result;
  noCt["ct"]["load"]["source"] = dir + "/missing.nii.gz";
  std::ofstream(dir + "/noct.json") << noCt.dump();
  args[2] = dir + "/noct.json";
  expectOneLineError(runLiverplan(args), ExitBadInput, "--before-ct");
  // Phantom options out of range: one line, nothing written.
  for (const std::vector<std::string>& bad : { std::vector<std::string>{ "--rotate", "50" },
                                               { "--left-lobe-growth", "150" },
                                               { "--shift=0,0,80" } })
  {
    std::vector<std::string> phantom = { "phantom", "--out", dir + "/p", "--spacing", "8" };
    phantom.insert(phantom.end(), bad.begin(), bad.end());
    expectOneLineError(runLiverplan(phantom), ExitBadInput, "phantom:");
    EXPECT_FALSE(fs::exists(dir + "/p/ct.nii.gz"));
  }
  // Study dates that do not advance.
  nlohmann::json dated = result;
  dated["ct"]["study"]["studyDate"] = "20260101";
  std::ofstream(dir + "/dated.json") << dated.dump();
  expectOneLineError(
    runLiverplan(
      { "hypertrophy", "--before", dir + "/dated.json", "--after", dir + "/dated.json" }),
    ExitBadInput,
    "not after");
}
