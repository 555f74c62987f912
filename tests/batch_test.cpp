/// `liverplan batch` and `liverplan merge` end to end on a generated tree of 20 phantom studies
/// with the faults of a real export: series choice, error reasons, kill-and-resume, Ctrl-C,
/// shards and merge, clinical CSV.

#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/safe_path.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace liver::test;

namespace
{

const std::vector<std::string> Plan = { "--plan", "right-hemihepatectomy", "--auto-segments" };

struct Tree
{
  std::string root;
  nlohmann::json expected; ///< expected.json of `phantom --study-tree`
};

const Tree& tree()
{
  static const Tree t = []
  {
    Tree tr;
    tr.root = makeTempDir("batch-tree") + "/tree";
    const CommandResult r =
      runLiverplan({ "phantom", "--study-tree", "20", "--spacing", "4", "--out", tr.root });
    if (r.exitCode != 0)
      throw std::runtime_error("phantom --study-tree failed: " + r.err);
    tr.expected = readJson(tr.root + "/expected.json");
    return tr;
  }();
  return t;
}

std::string readText(const std::string& path)
{
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// summary.csv without its last two columns (seconds and peak memory, which are timings).
std::string withoutTimings(const std::string& csv)
{
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line))
  {
    for (int k = 0; k < 2; ++k)
      line = line.substr(0, line.rfind(','));
    out += line + "\n";
  }
  return out;
}

/// The plain run every other run is compared with (exit 3: some studies fail on purpose).
const std::string& plainSummary()
{
  static const std::string summary = []
  {
    const std::string out = makeTempDir("batch-plain") + "/out";
    std::vector<std::string> args = { "batch", tree().root, "--out", out, "-j", "2" };
    args.insert(args.end(), Plan.begin(), Plan.end());
    const CommandResult r = runLiverplan(args);
    if (r.exitCode != 3)
      throw std::runtime_error("plain batch: exit " + std::to_string(r.exitCode) + ": " + r.err);
    return readText(out + "/summary.csv");
  }();
  return summary;
}

std::map<std::string, std::map<std::string, std::string>> rowsByStudy(const std::string& csv)
{
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream h(line);
  for (std::string cell; std::getline(h, cell, ',');)
    header.push_back(cell);
  std::map<std::string, std::map<std::string, std::string>> rows;
  while (std::getline(in, line))
  {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (char c : line)
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted)
        cells.emplace_back();
      else
        cells.back() += c;
    auto& row = rows[cells[0]];
    for (std::size_t k = 0; k < header.size() && k < cells.size(); ++k)
      row[header[k]] = cells[k];
  }
  return rows;
}

/// Run `liverplan batch` in the background and SIGKILL (or SIGINT) it as soon as the first
/// study is complete; returns the shell's view of the batch's exit status.
int interruptAfterFirstStudy(const std::string& out, const std::string& signal)
{
  std::string command =
    "'" LIVERPLAN_BINARY "' -q batch '" + tree().root + "' --out '" + out + "' -j 1";
  for (const std::string& a : Plan)
    command += " '" + a + "'";
  // Waits for the first complete study however long it takes (a study takes seconds in Release,
  // over half a minute under scripts/test-sanitize on a loaded machine), or until the batch ends
  // by itself; the test's own time limit bounds the wait.
  const std::string script = "set -m; " + command +
                             " >/dev/null 2>&1 & pid=$!; "
                             "while kill -0 $pid 2>/dev/null; do "
                             "  ls '" +
                             out +
                             "'/*/status.json >/dev/null 2>&1 && break; sleep 0.05; "
                             "done; kill -" +
                             signal + " $pid; wait $pid; exit $?";
  const std::string file = out + ".sh";
  std::ofstream(file) << script << "\n";
  const int status = std::system(("bash '" + file + "'").c_str());
  return WEXITSTATUS(status);
}

std::size_t completeStudies(const std::string& out)
{
  std::size_t n = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(out))
    n += fs::exists(e.path() / "status.json");
  return n;
}

} // namespace

TEST(Batch, ChoosesTheRightSeriesAndReportsBrokenStudiesWithReasons)
{
  const auto rows = rowsByStudy(plainSummary());
  ASSERT_EQ(rows.size(), 20u);
  std::size_t errors = 0;
  for (const nlohmann::json& e : tree().expected["studies"])
  {
    const std::string uid = e["studyInstanceUid"];
    ASSERT_TRUE(rows.count(uid)) << uid;
    const auto& row = rows.at(uid);
    EXPECT_EQ(row.at("seriesInstanceUid"), e["expectedSeries"].get<std::string>()) << uid;
    EXPECT_EQ(row.at("status"), e["expectedStatus"].get<std::string>())
      << uid << " " << e["fault"] << ": " << row.at("error");
    EXPECT_EQ(row.at("patientId"), e["patientId"].get<std::string>());
    if (row.at("status") == "ok")
    {
      // A phantom liver is about 1600 mL; the right hemihepatectomy leaves about a third.
      EXPECT_NEAR(std::stod(row.at("totalLiverMl")), 1600.0, 120.0) << uid;
      EXPECT_NEAR(std::stod(row.at("plan1_flrPercent")), 36.0, 5.0) << uid;
      EXPECT_EQ(row.at("plan1_name"), "right-hemihepatectomy");
    }
    else
    {
      ++errors;
      const std::string fault = e["fault"];
      if (contains(fault, "truncated"))
      {
        EXPECT_TRUE(contains(row.at("error"), "truncated")) << row.at("error");
      }
      if (contains(fault, "no CT"))
      {
        EXPECT_TRUE(contains(row.at("error"), "no series qualifies")) << row.at("error");
      }
      // Errors name the study's own files, never the batch's temporary links.
      EXPECT_FALSE(contains(row.at("error"), ".partial")) << row.at("error");
    }
  }
  EXPECT_EQ(errors, 2u); // the truncated slice and the study without CT
}

TEST(Batch, KilledAndResumedRunGivesTheSameSummary)
{
  const std::string out = makeTempDir("batch-kill") + "/out";
  interruptAfterFirstStudy(out, "KILL");
  const std::size_t before = completeStudies(out);
  EXPECT_GE(before, 1u);
  EXPECT_LT(before, 20u) << "the batch finished before it could be killed";
  std::vector<std::string> args = { "batch", tree().root, "--out", out, "-j", "2", "--resume" };
  args.insert(args.end(), Plan.begin(), Plan.end());
  const CommandResult r = runLiverplan(args);
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_TRUE(contains(r.err, std::to_string(before) + " already complete")) << r.err;
  EXPECT_EQ(withoutTimings(readText(out + "/summary.csv")), withoutTimings(plainSummary()));
  EXPECT_FALSE(fs::exists(out + "/.partial"));
}

TEST(Batch, InterruptFinishesTheRunningStudyAndResumeCompletes)
{
  const std::string out = makeTempDir("batch-int") + "/out";
  const int code = interruptAfterFirstStudy(out, "INT");
  EXPECT_EQ(code, 130);
  const std::size_t before = completeStudies(out);
  EXPECT_GE(before, 1u);
  EXPECT_LT(before, 20u);
  // The summary of an interrupted run lists exactly the complete studies.
  EXPECT_EQ(rowsByStudy(readText(out + "/summary.csv")).size(), before);
  std::vector<std::string> args = { "batch", tree().root, "--out", out, "-j", "2", "--resume" };
  args.insert(args.end(), Plan.begin(), Plan.end());
  EXPECT_EQ(runLiverplan(args).exitCode, 3);
  EXPECT_EQ(withoutTimings(readText(out + "/summary.csv")), withoutTimings(plainSummary()));
}

TEST(Batch, ShardsMergedEqualThePlainRun)
{
  const std::string base = makeTempDir("batch-shards");
  std::vector<std::string> dirs;
  std::size_t total = 0;
  for (int i = 0; i < 3; ++i)
  {
    dirs.push_back(base + "/shard-" + std::to_string(i));
    std::vector<std::string> args = { "batch",     tree().root, "--out",
                                      dirs.back(), "--shard",   std::to_string(i) + "/3" };
    args.insert(args.end(), Plan.begin(), Plan.end());
    const CommandResult r = runLiverplan(args);
    EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 3) << r.err;
    total += completeStudies(dirs.back());
  }
  EXPECT_EQ(total, 20u); // every study in exactly one shard
  std::vector<std::string> merge = { "merge" };
  merge.insert(merge.end(), dirs.begin(), dirs.end());
  merge.insert(merge.end(), { "--out", base + "/merged" });
  const CommandResult r = runLiverplan(merge);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(withoutTimings(readText(base + "/merged/summary.csv")), withoutTimings(plainSummary()));
  // summary.html links every analysed study's report, wherever its shard folder is.
  const std::string html = readText(base + "/merged/summary.html");
  std::size_t links = 0;
  for (std::size_t at = html.find("href=\""); at != std::string::npos;
       at = html.find("href=\"", at + 1))
  {
    const std::size_t start = at + 6;
    const std::string target = html.substr(start, html.find('"', start) - start);
    EXPECT_TRUE(fs::exists(base + "/merged/" + target)) << target;
    ++links;
  }
  EXPECT_EQ(links, 18u); // the 20 studies but the truncated one and the one without CT
  EXPECT_TRUE(contains(html, "multidisciplinary"));
  // A study in two folders is refused.
  const CommandResult twice = runLiverplan({ "merge", dirs[0], dirs[0], "--out", base + "/m2" });
  expectOneLineError(twice, ExitBadInput, "also in another folder");
}

TEST(Batch, ClinicalCsvGivesHeightAndWeightPerPatient)
{
  const std::string dir = makeTempDir("batch-csv");
  ASSERT_EQ(runLiverplan({ "phantom", "--study-tree", "2", "--seed", "50", "--out", dir + "/tree" })
              .exitCode,
            0);
  const nlohmann::json small = readJson(dir + "/tree/expected.json");
  const std::string patient = small["studies"][0]["patientId"];
  std::ofstream(dir + "/clinical.csv")
    << "PatientID,heightCm,weightKg,liverCondition,primaryTumour,ecog,extrahepaticDisease\n"
    << patient << ",175,80,normal,colorectal,0,none\n";
  std::vector<std::string> args = { "batch",      dir + "/tree",    "--out",
                                    dir + "/out", "--clinical-csv", dir + "/clinical.csv" };
  args.insert(args.end(), Plan.begin(), Plan.end());
  ASSERT_EQ(runLiverplan(args).exitCode, 0);
  const auto rows = rowsByStudy(readText(dir + "/out/summary.csv"));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [uid, row] : rows)
  {
    if (row.at("status") != "ok")
      continue;
    // Every analysis carries the resectability decision; with clinical data it can decide.
    EXPECT_FALSE(row.at("decision").empty());
    // The automatic segmentation's quality control and the measured phase (the phantom is
    // portal venous).
    EXPECT_TRUE(row.at("qc") == "ok" || row.at("qc") == "review") << row.at("qc");
    EXPECT_EQ(row.at("qc") == "review", !row.at("qcReasons").empty());
    EXPECT_EQ(row.at("contrastPhase"), "portal-venous");
    // Nobody reviewed the automatic segmentation of a batch.
    EXPECT_EQ(row.at("review"), "automatic-unreviewed");
    if (row.at("patientId") == patient)
    {
      EXPECT_FALSE(row.at("plan1_sflrPercent").empty()) << "height and weight give the sFLR";
      EXPECT_NE(row.at("decision"), "incomplete");
    }
    else
      EXPECT_TRUE(row.at("plan1_sflrPercent").empty());
  }

  std::ofstream(dir + "/bad.csv") << "PatientID,shoeSize\nX,42\n";
  expectOneLineError(
    runLiverplan(
      { "batch", tree().root, "--out", dir + "/bad", "--clinical-csv", dir + "/bad.csv" }),
    ExitBadInput,
    "shoeSize");
  EXPECT_FALSE(fs::exists(dir + "/bad/summary.csv"));
  std::ofstream(dir + "/absurd.csv") << "PatientID,ecog\nX,7\n";
  expectOneLineError(
    runLiverplan(
      { "batch", tree().root, "--out", dir + "/absurd", "--clinical-csv", dir + "/absurd.csv" }),
    ExitBadInput,
    "ecog");
  EXPECT_FALSE(fs::exists(dir + "/absurd"));
}

TEST(Batch, BadArgumentsAreRefusedBeforeAnyWork)
{
  const std::string dir = makeTempDir("batch-bad");
  expectOneLineError(
    runLiverplan({ "batch", tree().root, "--out", dir + "/o", "--shard", "3/3" }), 2, "--shard");
  expectOneLineError(
    runLiverplan({ "batch", dir + "/nothing-here", "--out", dir + "/o2" }), 2, "nothing-here");
}

TEST(Batch, HostileStudyUidCannotLeaveTheOutputFolder)
{
  // A StudyInstanceUID of "../../escaped" once put the study's folder two levels above --out.
  const std::string base = makeTempDir("batch-escape");
  liver::PhantomOptions options;
  options.seed = 31;
  options.spacingMm = { 4.0, 4.0, 4.0 };
  liver::Phantom phantom = liver::makePhantom(options);
  const std::string hostile = "../../escaped";
  phantom.study.studyInstanceUid = hostile;
  liver::writePhantomDicom(phantom, base + "/in/study");
  const std::string out = base + "/a/b/out";
  std::vector<std::string> args = { "batch", base + "/in", "--out", out };
  args.insert(args.end(), Plan.begin(), Plan.end());
  const CommandResult r = runLiverplan(args);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_FALSE(fs::exists(base + "/a/escaped"));
  EXPECT_FALSE(fs::exists(base + "/escaped"));
  const std::string folder = liver::safePathComponent(hostile);
  EXPECT_EQ(folder.find('/'), std::string::npos);
  EXPECT_EQ(folder.find(".."), std::string::npos);
  ASSERT_TRUE(fs::exists(out + "/" + folder + "/status.json")) << folder;
  // The original value stays in the JSON and the summary.
  const nlohmann::json status = readJson(out + "/" + folder + "/status.json");
  EXPECT_EQ(status["studyInstanceUid"], hostile);
  EXPECT_EQ(status["status"], "ok");
  const auto rows = rowsByStudy(readText(out + "/summary.csv"));
  ASSERT_EQ(rows.count(hostile), 1u);
  EXPECT_EQ(rows.at(hostile).at("status"), "ok");
  EXPECT_TRUE(contains(readText(out + "/summary.html"), "href=\"" + folder + "/report.html\""));
  std::vector<std::string> entries = listDir(out);
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{ ".lock", folder, "summary.csv", "summary.html" }));
}
