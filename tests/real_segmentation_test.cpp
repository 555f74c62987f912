/// Issue 12, the real-data segmentation suite: the real `liverplan segment` on every labelled case
/// of ../shared/data (and the phantom), scored by the real `liverplan evaluate` (LiTS liver metrics
/// and per-lesion detection), against the bars in `Bars` below. Skips without the data.
/// scripts/evaluate-real prints the same figures as one table.

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

using liver::test::CommandResult;
using liver::test::readJson;
using liver::test::runLiverplan;

namespace
{

enum class Direction
{
  AtLeast,
  AtMost
};

/// One figure of one case. `issueBar` is issue 12's target ("Must show"); `asserted` is what this
/// test enforces: the issue bar where main meets it, else the level main reaches today (a
/// regression floor, `note` says "floor"), or nothing yet where today's level is the trivial
/// bound (no large tumour found: a floor of 0 could not fail). Raise `asserted` towards
/// `issueBar` as the segmentation improves; never lower it to make a change pass.
struct Bar
{
  const char* caseName;
  const char* metric;
  Direction direction;
  double issueBar;
  std::optional<double> asserted;
  const char* note;
};

// Metrics (computed from `liverplan evaluate --json` in `measure` below):
//   liverDice, absRvdPct   liver with its tumours (IRCAD: label > 0) against the reference
//   largeTumoursFound      reference tumours >= 10 mL detected (LiTS: IoU > 0.5); patient01 has 2
//   largeTumourMinDice     lowest per-lesion Dice among the tumours >= 10 mL
//   predictedLesions       every predicted lesion (patient07 has no liver lesion)
//   largeFalseLesions      predicted lesions >= 1 mL overlapping no reference lesion
//   falseLesions           predicted lesions (connected components) overlapping no reference
//   lesionsFound           reference lesions detected (the phantom has 5)
// Measured on main b6f5334 (scripts/evaluate-real): patient01 Dice 0.779, RVD -30.8 %, 0/2 large
// tumours, 2 false lesions < 1 mL; patient07 Dice 0.884, RVD -16.8 %, 1 false lesion of 0.12 mL;
// TotalSegmentator example 0.927; phantom 0.992, 5/5.
// Measured on main 3b4f610 (shape prior, leave-one-out for IRCAD; new lesion detector):
// patient01 Dice 0.929, RVD -4.0 %, 1/8 tumours, 0/2 large (84.4 mL missed, 10.1 mL Dice 0.65),
// no false lesion; patient07 Dice 0.925, RVD -4.5 %, no lesion; example 0.923; phantom 0.991.
// Measured on 5763ddb (deeper erosion where the prior doubts): patient01 Dice 0.935, RVD -2.7 %,
// 2/8 tumours, 0/2 large; patient07 Dice 0.930, RVD -2.7 %; example 0.923; phantom 0.993.
// Measured with the hypodense masses the prior places in the liver: patient01 Dice 0.954, RVD
// +2.0 %, 3/8 tumours, 1/2 large (84.4 mL Dice 0.78; 10.1 mL Dice 0.63, IoU below 0.5), no false
// lesion; patient07 Dice 0.930, RVD -2.6 %, no lesion; example 0.923; phantom 0.993, 5/5.
// Measured with lesion outlines redrawn against the parenchyma around each lesion: patient01
// 4/8 tumours, 2/2 large (84.4 mL Dice 0.79 IoU 0.65; 10.1 mL Dice 0.72 IoU 0.56), no false
// lesion; livers unchanged.
// Measured with the left lobe kept above the fitted liver's centre (watershed against the spleen's
// core): patient07 Dice 0.937, RVD -1.2 %, ASSD 2.68 mm; patient01, example, phantom unchanged.
// Measured with what the spleen's core does not explain given back to the liver (the lobe around
// it): patient07 Dice 0.953, RVD +4.7 %, ASSD 1.08 mm; patient01, example, phantom unchanged.
// clang-format off
const std::vector<Bar> Bars = {
  // case               metric                direction           issue  asserted      note
  { "ircad/patient01", "liverDice",          Direction::AtLeast, 0.94,  0.94,         "issue bar" },
  { "ircad/patient01", "absRvdPct",          Direction::AtMost,  6.0,   6.0,          "issue bar" },
  { "ircad/patient01", "largeTumoursFound",  Direction::AtLeast, 2,     2,            "issue bar" },
  { "ircad/patient01", "largeTumourMinDice", Direction::AtLeast, 0.6,   0.6,          "issue bar" },
  { "ircad/patient01", "largeFalseLesions",  Direction::AtMost,  0,     0,            "issue bar" },
  { "ircad/patient07", "liverDice",          Direction::AtLeast, 0.94,  0.94,         "issue bar" },
  { "ircad/patient07", "absRvdPct",          Direction::AtMost,  6.0,   6.0,          "issue bar" },
  { "ircad/patient07", "predictedLesions",   Direction::AtMost,  0,     0,            "issue bar" },
  { "ircad/patient07", "largeFalseLesions",  Direction::AtMost,  0,     0,            "issue bar" },
  { "totalseg",        "liverDice",          Direction::AtLeast, 0.92,  0.92,         "issue bar" },
  { "phantom",         "liverDice",          Direction::AtLeast, 0.97,  0.97,         "issue bar" },
  { "phantom",         "lesionsFound",       Direction::AtLeast, 5,     5,            "issue bar" },
  { "phantom",         "largeFalseLesions",  Direction::AtMost,  0,     0,            "issue bar" },
  { "phantom",         "falseLesions",       Direction::AtMost,  0,     0,            "beyond the issue: no specks" },
};
// clang-format on

/// Segment `ct` with the real binary and score it; the figures `Bars` names, by metric.
/// `priorArgs` are extra `segment` arguments (the leave-one-out shape prior of an IRCAD case).
std::map<std::string, double> measure(const std::string& tag,
                                      const std::string& ct,
                                      const std::vector<std::string>& evaluateArgs,
                                      const std::vector<std::string>& priorArgs = {})
{
  const std::string dir = liver::test::makeTempDir(tag);
  std::vector<std::string> segmentArgs = { "-q", "segment", ct, "--out", dir + "/seg" };
  segmentArgs.insert(segmentArgs.end(), priorArgs.begin(), priorArgs.end());
  const CommandResult segment = runLiverplan(segmentArgs);
  if (segment.exitCode != 0)
    throw std::runtime_error("segment " + ct + " failed: " + segment.err);
  std::vector<std::string> args = { "-q", "evaluate", "--json", dir + "/eval.json" };
  for (std::string a : evaluateArgs)
  {
    if (a == "@liver")
      a = dir + "/seg/liver.nii.gz";
    if (a == "@lesions")
      a = dir + "/seg/lesions.nii.gz";
    args.push_back(a);
  }
  const CommandResult evaluate = runLiverplan(args);
  if (evaluate.exitCode != 0)
    throw std::runtime_error("evaluate failed: " + evaluate.err);
  const nlohmann::json j = readJson(dir + "/eval.json");
  std::map<std::string, double> m;
  m["liverDice"] = j["metrics"]["dice"].get<double>();
  m["absRvdPct"] = 100.0 * std::abs(j["metrics"]["rvd"].get<double>());
  if (j.contains("lesionDetection"))
  {
    const nlohmann::json& d = j["lesionDetection"];
    m["lesionsFound"] = d["detected"].get<double>();
    m["predictedLesions"] = d["predictedCount"].get<double>();
    m["largeFalseLesions"] = d["largeFalsePositives"].get<double>();
    m["falseLesions"] = d["falsePositives"].get<double>();
    double found = 0.0, minDice = 1.0;
    for (const auto& lesion : d["reference"])
      if (lesion["volumeMl"].get<double>() >= 10.0)
      {
        found += lesion["detected"].get<bool>() ? 1.0 : 0.0;
        minDice = std::min(minDice, lesion["dice"].get<double>());
      }
    m["largeTumoursFound"] = found;
    m["largeTumourMinDice"] = minDice;
  }
  return m;
}

/// Check every bar of `caseName` against the measured figures.
void expectBars(const std::string& caseName, const std::map<std::string, double>& measured)
{
  int checked = 0;
  for (const Bar& bar : Bars)
  {
    if (caseName != bar.caseName)
      continue;
    ++checked;
    const auto it = measured.find(bar.metric);
    ASSERT_NE(it, measured.end()) << caseName << ": " << bar.metric << " not measured";
    const double value = it->second;
    const bool meetsIssue =
      bar.direction == Direction::AtLeast ? value >= bar.issueBar : value <= bar.issueBar;
    const char* sign = bar.direction == Direction::AtLeast ? ">=" : "<=";
    std::printf("%-16s %-20s %10.4f  issue bar %s %g: %s; asserted: %s\n",
                caseName.c_str(),
                bar.metric,
                value,
                sign,
                bar.issueBar,
                meetsIssue ? "met" : "NOT MET",
                bar.asserted ? (std::string(sign) + " " + std::to_string(*bar.asserted)).c_str()
                             : "nothing yet");
    if (!bar.asserted)
      continue;
    if (bar.direction == Direction::AtLeast)
      EXPECT_GE(value, *bar.asserted) << caseName << " " << bar.metric << " (" << bar.note << ")";
    else
      EXPECT_LE(value, *bar.asserted) << caseName << " " << bar.metric << " (" << bar.note << ")";
  }
  EXPECT_GT(checked, 0) << "no bar for " << caseName;
}

} // namespace

TEST(RealSegmentation, BarsTableIsConsistent)
{
  // A floor never asks for more than the issue; the note says which kind of row it is (a bar
  // "beyond the issue" asserts what the issue does not ask, at the value given as its bar).
  for (const Bar& bar : Bars)
  {
    const std::string note = bar.note;
    if (!bar.asserted)
    {
      EXPECT_EQ(note.rfind("not asserted yet", 0), 0u) << bar.caseName << " " << bar.metric;
      continue;
    }
    if (bar.direction == Direction::AtLeast)
      EXPECT_LE(*bar.asserted, bar.issueBar) << bar.caseName << " " << bar.metric;
    else
      EXPECT_GE(*bar.asserted, bar.issueBar) << bar.caseName << " " << bar.metric;
    const bool isFloor = note.rfind("floor", 0) == 0;
    EXPECT_EQ(isFloor, *bar.asserted != bar.issueBar) << bar.caseName << " " << bar.metric;
    EXPECT_TRUE(isFloor || note == "issue bar" || note.rfind("beyond the issue", 0) == 0)
      << bar.caseName << " " << bar.metric;
  }
}

namespace
{

/// `evaluate` arguments for an IRCAD case: liver = label > 0 (tumours included), tumours = 2.
std::vector<std::string> ircadEvaluation(const std::string& label)
{
  return { "--ref",
           label,
           "--pred",
           "@liver",
           "--lesions-ref",
           label,
           "--ref-lesion-label",
           "2",
           "--pred-lesions",
           "@lesions" };
}

/// `segment` arguments for a shape prior built from the IRCAD liver masks without this patient's
/// own (ircad_eNN is patientNN): leave-one-out, so the figures are those of an unseen patient.
std::vector<std::string> leaveOneOutPrior(const std::string& tag, const std::string& patient)
{
  const std::string masks = liver::test::testDataPath("ircad/liver_masks");
  if (masks.empty()) // no masks: no prior at all, rather than one that may hold this patient
    return { "--shape-prior", "none" };
  const std::string prior = liver::test::makeTempDir(tag + "-prior") + "/prior.nrrd";
  const CommandResult built = runLiverplan(
    { "-q", "shape-prior", "--masks", masks, "--exclude", "ircad_e" + patient, "--out", prior });
  if (built.exitCode != 0)
    throw std::runtime_error("shape-prior failed: " + built.err);
  return { "--shape-prior", prior };
}

} // namespace

TEST(RealSegmentation, IrcadPatient01FromDicom)
{
  LIVER_REQUIRE_DATA(dicom, "ircad/patient01/dicom");
  LIVER_REQUIRE_DATA(label, "ircad/patient01/label.nii.gz");
  expectBars(
    "ircad/patient01",
    measure("real-p01", dicom, ircadEvaluation(label), leaveOneOutPrior("real-p01", "01")));
}

TEST(RealSegmentation, IrcadPatient07FromDicom)
{
  LIVER_REQUIRE_DATA(dicom, "ircad/patient07/dicom");
  LIVER_REQUIRE_DATA(label, "ircad/patient07/label.nii.gz");
  expectBars(
    "ircad/patient07",
    measure("real-p07", dicom, ircadEvaluation(label), leaveOneOutPrior("real-p07", "07")));
}

TEST(RealSegmentation, TotalSegmentatorExampleAgainstLabelFive)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg.nii.gz");
  expectBars("totalseg",
             measure("real-ts", ct, { "--ref", seg, "--label", "5", "--pred", "@liver" }));
}

TEST(RealSegmentation, PhantomSeedOneAtTwoAndAHalfMillimetres)
{
  const std::string phantom =
    liver::test::writePhantomFolder("real-phantom", { "--seed", "1", "--spacing", "2.5" });
  expectBars("phantom",
             measure("real-phantom-seg",
                     phantom + "/ct.nii.gz",
                     { "--ref",
                       phantom + "/liver.nii.gz",
                       "--pred",
                       "@liver",
                       "--lesions-ref",
                       phantom + "/lesions.nii.gz",
                       "--pred-lesions",
                       "@lesions" }));
}
