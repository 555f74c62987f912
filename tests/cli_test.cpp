/// End-to-end: the real `liverplan` binary as a user runs it — published figures, the phantom
/// pipeline, DICOM written by the phantom, and every bad-input path with its exit code.

#include "test_support.h"

#include <liver/imaging/io.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using namespace liver::test; // test_support.h: runLiverplan, readJson, exit codes, ...

namespace
{

/// A small phantom (8 mm voxels) made once for the tests in this file.
const std::string& smallPhantom()
{
  static const std::string dir = []
  {
    return liver::test::writePhantomFolder("cli-phantom",
                                           { "--spacing", "4", "--seed", "3", "--dicom" });
  }();
  return dir;
}

} // namespace

TEST(Cli, HelpAndUsageErrors)
{
  const CommandResult help = runLiverplan({ "--help" });
  EXPECT_EQ(help.exitCode, 0);
  for (const char* sub : { "demo", "phantom", "volume", "info" })
    EXPECT_TRUE(contains(help.out, sub)) << sub;
  EXPECT_EQ(runLiverplan({}).exitCode, ExitUsage);
  EXPECT_EQ(runLiverplan({ "no-such-command" }).exitCode, ExitUsage);
  EXPECT_EQ(runLiverplan({ "volume", "--ct" }).exitCode, ExitUsage);
}

TEST(CliInfo, NiftiWithZeroPixdimAndNoTransformIsRefusedNotReadAsOneMillimetre)
{
  // ITK reads pixdim[1] = 0 without qform/sform as 1 mm; the README promises exit 2.
  const std::string dir = liver::test::makeTempDir("pixdim");
  auto image = liver::CtImage::New();
  liver::CtImage::RegionType region;
  region.SetSize({ 4, 4, 3 });
  image->SetRegions(region);
  image->Allocate(true);
  liver::writeImage(image.GetPointer(), dir + "/ct.nii");
  std::fstream f(dir + "/ct.nii", std::ios::in | std::ios::out | std::ios::binary);
  const float zero = 0.0f;
  const std::int16_t none = 0;
  f.seekp(80); // pixdim[1]
  f.write(reinterpret_cast<const char*>(&zero), sizeof zero);
  f.seekp(252); // qform_code, sform_code
  f.write(reinterpret_cast<const char*>(&none), sizeof none);
  f.write(reinterpret_cast<const char*>(&none), sizeof none);
  f.close();
  const CommandResult r = runLiverplan({ "info", dir + "/ct.nii" });
  expectOneLineError(r, ExitBadInput, "pixdim[1] = 0");
  EXPECT_TRUE(contains(r.err, dir + "/ct.nii")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliVolume, TotalSegmentatorFastLiverReproducesPublishedFigures)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg_fast_liver_v2.nii.gz");
  const std::string json = liver::test::makeTempDir("vol") + "/liver.json";
  const CommandResult r = runLiverplan({ "volume", "--ct", ct, "--labels", seg, "--json", json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "1062.450")) << r.out;
  EXPECT_TRUE(contains(r.out, "44.86")) << r.out;
  const nlohmann::json j = readJson(json);
  EXPECT_EQ(j["units"]["volume"], "mL");
  ASSERT_EQ(j["labels"].size(), 1u);
  EXPECT_EQ(j["labels"][0]["voxelCount"], 39350);
  EXPECT_NEAR(j["labels"][0]["volumeMl"].get<double>() * 1000.0, 1062450.0, 1e-6);
  EXPECT_NEAR(j["labels"][0]["meanHu"].get<double>(), 44.85855, 5e-6);
  // The surface estimate is a second opinion, close to the voxel count on a smooth organ.
  EXPECT_NEAR(j["labels"][0]["surfaceDifferencePercent"].get<double>(), 0.0, 5.0);
}

TEST(CliVolume, MultiLabelMapSelectsLabelFive)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg.nii.gz");
  const CommandResult r =
    runLiverplan({ "volume", "--ct", ct, "--labels", seg, "--label", "5", "--no-surface" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "38634")) << r.out;
  EXPECT_TRUE(contains(r.out, "1043.118")) << r.out;
  const CommandResult missing = runLiverplan({ "volume",
                                               "--ct",
                                               ct,
                                               "--labels",
                                               seg,
                                               "--label",
                                               "200",
                                               "--json",
                                               "/tmp/liverplan-never.json" });
  expectOneLineError(missing, ExitBadInput, "label 200 not present");
  EXPECT_FALSE(fs::exists("/tmp/liverplan-never.json"));
}

TEST(CliVolume, HandDrawnLiverOnTheDicomGrid)
{
  LIVER_REQUIRE_DATA(dir, "dcmqi");
  LIVER_REQUIRE_DATA(seg, "dcmqi/liver_seg.nrrd");
  const CommandResult r = runLiverplan({ "volume", "--ct", dir, "--labels", seg, "--no-surface" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "107098")) << r.out;
  EXPECT_TRUE(contains(r.out, "70.36")) << r.out;
}

TEST(CliVolume, GridMismatchIsRefusedUnlessResampled)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "dcmqi/liver_seg.nrrd");
  const std::string out = liver::test::makeTempDir("mismatch");
  const CommandResult r =
    runLiverplan({ "volume", "--ct", ct, "--labels", seg, "--json", out + "/r.json" });
  expectOneLineError(r, ExitBadInput, "label grid does not match the CT");
  EXPECT_TRUE(contains(r.err, "liver_seg.nrrd"));
  EXPECT_TRUE(liver::test::listDir(out).empty());
  // Resampled onto a CT it does not overlap: nothing labelled is left, which is an error too.
  const CommandResult resampled =
    runLiverplan({ "volume", "--ct", ct, "--labels", seg, "--resample-labels" });
  expectOneLineError(resampled, ExitBadInput, "empty label map");
}

TEST(CliVolume, BadFilesGiveOneLineErrorsAndNoOutput)
{
  const std::string& phantom = smallPhantom();
  const std::string dir = liver::test::makeTempDir("bad");
  const std::string json = dir + "/out.json";

  // Truncated .nii.gz
  const std::string truncated = dir + "/truncated.nii.gz";
  fs::copy_file(phantom + "/ct.nii.gz", truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  expectOneLineError(
    runLiverplan(
      { "volume", "--ct", truncated, "--labels", phantom + "/liver.nii.gz", "--json", json }),
    ExitBadInput,
    "truncated.nii.gz");

  // A compressed MetaImage whose zlib stream is corrupt: MetaIO only printed "Uncompress failed"
  // and handed over garbage as voxels (exit 0 for info, 3 later); bad input, exit code 2.
  const std::string corrupt = dir + "/corrupt.mha";
  std::ofstream(corrupt, std::ios::binary)
    << "ObjectType = Image\nNDims = 3\nDimSize = 4 4 4\nElementSpacing = 1 1 1\n"
       "ElementType = MET_SHORT\nCompressedData = True\nCompressedDataSize = 16\n"
       "ElementDataFile = LOCAL\n"
    << std::string("\x78\x9c\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a", 16);
  expectOneLineError(
    runLiverplan({ "info", corrupt }), ExitBadInput, "corrupt.mha: CompressedData");
  expectOneLineError(
    runLiverplan(
      { "volume", "--ct", corrupt, "--labels", phantom + "/liver.nii.gz", "--json", json }),
    ExitBadInput,
    "the zlib stream inflates to an error");

  // A folder with no DICOM in it
  const std::string empty = dir + "/nodicom";
  fs::create_directory(empty);
  std::ofstream(empty + "/notes.txt") << "no images here\n";
  expectOneLineError(
    runLiverplan(
      { "volume", "--ct", empty, "--labels", phantom + "/liver.nii.gz", "--json", json }),
    ExitBadInput,
    "no DICOM image files");

  // Zero and NaN spacing in a label header
  for (const std::string spacing : { "0", "nan" })
  {
    const std::string nhdr = dir + "/spacing_" + spacing + ".nhdr";
    std::ofstream(dir + "/raw.raw", std::ios::binary) << std::string(8, '\1');
    std::ofstream(nhdr) << "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\n"
                           "space: left-posterior-superior\nspace directions: ("
                        << spacing
                        << ",0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: raw\n"
                           "data file: raw.raw\n\n";
    const CommandResult r =
      runLiverplan({ "volume", "--ct", phantom + "/ct.nii.gz", "--labels", nhdr, "--json", json });
    EXPECT_EQ(r.exitCode, ExitBadInput) << spacing << r.err;
    EXPECT_TRUE(contains(r.err, "spacing_" + spacing)) << r.err;
  }

  // An empty mask on the right grid
  const auto mask = liver::loadLabels(phantom + "/liver.nii.gz");
  mask->FillBuffer(0);
  liver::writeImage(mask.GetPointer(), dir + "/empty.nii.gz");
  expectOneLineError(runLiverplan({ "volume",
                                    "--ct",
                                    phantom + "/ct.nii.gz",
                                    "--labels",
                                    dir + "/empty.nii.gz",
                                    "--json",
                                    json }),
                     ExitBadInput,
                     "empty label map");
  EXPECT_FALSE(fs::exists(json));
}

TEST(CliPhantom, DicomSeriesLoadsToTheSameVolumeAsTheNifti)
{
  const std::string& phantom = smallPhantom();
  const nlohmann::json truth = readJson(phantom + "/truth.json");
  const std::string a = liver::test::makeTempDir("nifti") + "/a.json";
  const std::string b = liver::test::makeTempDir("dicom") + "/b.json";
  ASSERT_EQ(runLiverplan({ "volume",
                           "--ct",
                           phantom + "/ct.nii.gz",
                           "--labels",
                           phantom + "/liver.nii.gz",
                           "--json",
                           a })
              .exitCode,
            0);
  const CommandResult r = runLiverplan(
    { "volume", "--ct", phantom + "/dicom", "--labels", phantom + "/liver.nii.gz", "--json", b });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json ja = readJson(a), jb = readJson(b);
  EXPECT_EQ(ja["labels"][0]["voxelCount"], truth["liver"]["voxelCount"]);
  EXPECT_DOUBLE_EQ(ja["labels"][0]["volumeMl"].get<double>(),
                   truth["liver"]["volumeMl"].get<double>());
  EXPECT_EQ(jb["labels"][0]["voxelCount"], ja["labels"][0]["voxelCount"]);
  EXPECT_DOUBLE_EQ(jb["labels"][0]["meanHu"].get<double>(),
                   ja["labels"][0]["meanHu"].get<double>());
  EXPECT_EQ(jb["ct"]["load"]["format"], "dicom-series");
  EXPECT_EQ(jb["ct"]["study"]["modality"], "CT");
}

TEST(CliPhantom, MissingSliceIsReportedAndStrictRefuses)
{
  const std::string& phantom = smallPhantom();
  const std::string dir = liver::test::makeTempDir("missing");
  std::vector<std::string> files = liver::test::listDir(phantom + "/dicom");
  ASSERT_GT(files.size(), 20u);
  for (std::size_t i = 0; i < files.size(); ++i)
    if (i != 10)
      fs::copy_file(phantom + "/dicom/" + files[i], dir + "/" + files[i]);
  const std::string json = liver::test::makeTempDir("missing-json") + "/info.json";
  const CommandResult r = runLiverplan({ "info", dir, "--json", json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "1 slice(s) appear to be missing")) << r.err;
  const nlohmann::json j = readJson(json);
  EXPECT_EQ(j["load"]["missingSlices"], 1);
  EXPECT_EQ(j["grid"]["size"][2], files.size()); // the gap is filled by interpolation
  expectOneLineError(runLiverplan({ "info", dir, "--strict" }), ExitBadInput, "--strict");
}

TEST(CliDemo, RunsThePipelineAndMatchesTheTruth)
{
  const std::string out = liver::test::makeTempDir("demo") + "/demo";
  const CommandResult r = runLiverplan({ "demo", "--out", out, "--spacing", "4" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(out + "/result.json");
  EXPECT_TRUE(j["truthCheck"]["exact"].get<bool>());
  // The automatic pipeline is scored against the truth on the same run (measured 0.95 at 4 mm).
  EXPECT_GT(j["automaticSegmentation"]["liverDice"].get<double>(), 0.9);
  EXPECT_LE(j["automaticSegmentation"]["trueLesionsFound"].get<int>(),
            static_cast<int>(j["volumetry"]["lesions"].size()));
  EXPECT_TRUE(contains(j["disclaimer"].get<std::string>(), "multidisciplinary"));
  const double tlv = j["volumetry"]["totalLiverMl"].get<double>();
  EXPECT_GT(tlv, 1000.0);
  EXPECT_NEAR(j["volumetry"]["functionalMl"].get<double>(),
              tlv - j["volumetry"]["tumourMl"].get<double>(),
              1e-9);
  double segments = 0;
  for (const auto& [name, ml] : j["volumetry"]["segmentsMl"].items())
    segments += ml.get<double>();
  EXPECT_NEAR(segments, tlv, 1e-6);
  // Mosteller 170 cm 70 kg: sqrt(170 * 70 / 3600) = 1.8181 m²; Vauthey SLV = 1509.68 mL.
  EXPECT_NEAR(j["body"]["standardLiverVolumeMl"].get<double>(), -794.41 + 1267.28 * 1.818118, 0.01);
  // The whole pipeline: plans (3 given + proposed), augmentation, and a decision for the demo
  // patient, as `analyze` writes them.
  const nlohmann::json a = readJson(out + "/analysis/result.json");
  EXPECT_EQ(a["kind"], "analysis");
  EXPECT_GE(a["plans"].size(), 3u);
  EXPECT_EQ(a["plans"][0]["name"], "right-hemihepatectomy");
  EXPECT_EQ(a["clinical"]["primaryTumour"], "colorectal");
  EXPECT_EQ(a["decision"]["category"], j["analysis"]["decision"]);
  EXPECT_FALSE(a["decision"]["trace"].empty());
  EXPECT_TRUE(fs::exists(out + "/analysis/" + a["plans"][0]["remnantFile"].get<std::string>()));
}

TEST(CliDemo, AbsurdBodyMeasurementsAreRefusedBeforeAnyOutput)
{
  const std::string out = liver::test::makeTempDir("demo-bad") + "/demo";
  expectOneLineError(
    runLiverplan({ "demo", "--out", out, "--height", "4000" }), ExitBadInput, "height");
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliSegment, WritesTheMaskAndEveryDecision)
{
  const std::string& phantom = smallPhantom();
  const std::string out = liver::test::makeTempDir("segment");
  const CommandResult r = runLiverplan({ "segment", phantom + "/ct.nii.gz", "--out", out });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(liver::test::listDir(out),
            (std::vector<std::string>{ "lesions.nii.gz", "liver.nii.gz", "segmentation.json" }));
  const nlohmann::json j = readJson(out + "/segmentation.json");
  EXPECT_EQ(j["status"], "ok");
  EXPECT_GT(j["liver"]["liverVolumeMl"].get<double>(), 1000.0);
  EXPECT_EQ(j["liver"]["huBand"].size(), 2u);
  EXPECT_FALSE(j["liver"]["steps"].empty());
}

TEST(CliSegment, NoLiverFailsWithTheReasonsAndNoMask)
{
  const std::string& phantom = smallPhantom();
  const std::string dir = liver::test::makeTempDir("segment-air");
  liver::CtVolume ct = liver::loadCt(phantom + "/ct.nii.gz");
  ct.image->FillBuffer(-1000);
  liver::writeImage(ct.image.GetPointer(), dir + "/air.nii.gz");
  const std::string out = dir + "/out";
  const CommandResult r = runLiverplan({ "segment", dir + "/air.nii.gz", "--out", out });
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "no body found")) << r.err;
  EXPECT_EQ(liver::test::listDir(out), (std::vector<std::string>{ "segmentation.json" }));
  EXPECT_EQ(readJson(out + "/segmentation.json")["status"], "failed");
}

TEST(CliSegment, ImportsTotalSegmentatorInsteadOfSegmenting)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg.nii.gz");
  const std::string out = liver::test::makeTempDir("segment-import");
  const CommandResult r = runLiverplan({ "segment", ct, "--totalseg", seg, "--out", out });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(out + "/segmentation.json");
  EXPECT_EQ(j["liver"]["method"], "imported");
  EXPECT_EQ(j["volumetry"]["liverVoxelCount"], 38634);
  EXPECT_NEAR(j["volumetry"]["totalLiverMl"].get<double>(), 1043.118, 1e-9);
  EXPECT_TRUE(fs::exists(out + "/vessels.nii.gz")); // IVC 63 and portal/splenic vein 64
}

TEST(CliSegment, FindsEveryPhantomLesionInsideAnImportedLiver)
{
  const std::string dir = liver::test::makeTempDir("segment-lesions");
  ASSERT_EQ(runLiverplan({ "phantom", "--out", dir, "--spacing", "2.5" }).exitCode, 0);
  const nlohmann::json truth = readJson(dir + "/truth.json");
  const CommandResult r = runLiverplan(
    { "segment", dir + "/ct.nii.gz", "--liver", dir + "/liver.nii.gz", "--out", dir + "/out" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json found = readJson(dir + "/out/segmentation.json")["volumetry"]["lesions"];
  ASSERT_EQ(found.size(), truth["lesions"].size());
  // Each true lesion is matched by the detected lesion nearest its centre, within 3 mm, and its
  // volume within 15 % (issue 3; measured within 2.5 %).
  for (const auto& lesion : truth["lesions"])
  {
    double best = 1e9, volume = 0;
    for (const auto& f : found)
    {
      double d2 = 0;
      for (int a = 0; a < 3; ++a)
        d2 +=
          std::pow(f["centroidLpsMm"][a].get<double>() - lesion["centreLpsMm"][a].get<double>(), 2);
      if (d2 < best)
      {
        best = d2;
        volume = f["volumeMl"].get<double>();
      }
    }
    EXPECT_LT(std::sqrt(best), 3.0) << lesion["id"];
    EXPECT_NEAR(volume, lesion["volumeMl"].get<double>(), 0.15 * lesion["volumeMl"].get<double>())
      << lesion["id"];
  }
}

TEST(CliAnalyze, WholePipelineFromTheCtAlone)
{
  const std::string& phantom = smallPhantom();
  const std::string out = liver::test::makeTempDir("analyze") + "/out";
  const CommandResult r = runLiverplan({ "analyze",
                                         phantom + "/ct.nii.gz",
                                         "--auto-segments",
                                         "--plan",
                                         "right-hemihepatectomy",
                                         "--height",
                                         "175",
                                         "--weight",
                                         "80",
                                         "--out",
                                         out });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "right-hemihepatectomy")) << r.out;
  const nlohmann::json j = readJson(out + "/result.json");
  EXPECT_EQ(j["kind"], "analysis");
  EXPECT_TRUE(contains(j["disclaimer"].get<std::string>(), "multidisciplinary"));
  EXPECT_EQ(j["segments"]["method"], "approximation");
  EXPECT_FALSE(j["automaticSegmentation"]["liver"]["steps"].empty());
  const nlohmann::json truth = readJson(phantom + "/truth.json");
  // The automatic liver of the 4 mm phantom is within 10 % of the truth (measured about 3 %).
  EXPECT_NEAR(j["volumetry"]["totalLiverMl"].get<double>(),
              truth["liver"]["volumeMl"].get<double>(),
              0.1 * truth["liver"]["volumeMl"].get<double>());
  ASSERT_EQ(j["plans"].size(), 1u);
  const nlohmann::json& plan = j["plans"][0]["result"];
  EXPECT_NEAR(plan["remnantMl"].get<double>() + plan["resectedMl"].get<double>() +
                plan["ablatedMl"].get<double>(),
              j["volumetry"]["totalLiverMl"].get<double>(),
              1e-6);
  for (const char* file : { "liver.nii.gz", "lesions.nii.gz", "segments.nii.gz", "result.json" })
    EXPECT_TRUE(fs::exists(out + "/" + file)) << file;
  // Without plans, analyze still measures; plan without plans is a usage error.
  EXPECT_EQ(runLiverplan({ "analyze",
                           phantom + "/ct.nii.gz",
                           "--liver",
                           phantom + "/liver.nii.gz",
                           "--out",
                           out + "2" })
              .exitCode,
            0);
  EXPECT_EQ(
    runLiverplan(
      { "plan", phantom + "/ct.nii.gz", "--liver", phantom + "/liver.nii.gz", "--out", out + "3" })
      .exitCode,
    ExitUsage);
}

TEST(CliAnalyze, SymlinkInTheOutputFolderCannotLeadWritesElsewhere)
{
  const std::string& phantom = smallPhantom();
  const std::string base = liver::test::makeTempDir("analyze-symlink");
  const std::string out = base + "/out";
  fs::create_directories(out);
  fs::create_directories(base + "/elsewhere");
  fs::create_directory_symlink(base + "/elsewhere", out + "/images");
  const CommandResult r = runLiverplan({ "analyze",
                                         phantom + "/ct.nii.gz",
                                         "--liver",
                                         phantom + "/liver.nii.gz",
                                         "--lesions",
                                         phantom + "/lesions.nii.gz",
                                         "--out",
                                         out });
  liver::test::expectOneLineError(r, liver::test::ExitOutput, "leaves the output folder");
  EXPECT_TRUE(contains(r.err, "images")) << r.err;
  EXPECT_TRUE(fs::is_empty(base + "/elsewhere"));
  EXPECT_FALSE(fs::exists(out + "/liver.nii.gz")) << "refused before the first write";
  EXPECT_FALSE(fs::exists(out + "/result.json"));
}

TEST(CliAnalyze, PlansCarryPveAlppsAndTwoStagePredictions)
{
  const std::string& phantom = smallPhantom();
  const std::string out = liver::test::makeTempDir("augment") + "/out";
  const CommandResult r = runLiverplan({ "plan",
                                         phantom + "/ct.nii.gz",
                                         "--liver",
                                         phantom + "/liver.nii.gz",
                                         "--lesions",
                                         phantom + "/lesions.nii.gz",
                                         "--segments",
                                         phantom + "/segments.nii.gz",
                                         "--plan",
                                         "right-hemihepatectomy",
                                         "--height",
                                         "175",
                                         "--weight",
                                         "80",
                                         "--out",
                                         out });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "FLR augmentation")) << r.out;
  const nlohmann::json plan = readJson(out + "/result.json")["plans"][0];
  const double sflr = plan["result"]["sflrPercent"].get<double>();
  const nlohmann::json& a = plan["augmentation"];
  EXPECT_TRUE(contains(a["note"].get<std::string>(), "population"));
  // Median PVE growth 37.9 % and ALPPS 84 % of the future remnant (DESIGN.md section 3).
  EXPECT_NEAR(a["pve"]["scenarios"][1]["predictedSflrPercent"].get<double>(), sflr * 1.379, 1e-9);
  EXPECT_NEAR(a["alpps"]["scenarios"][1]["predictedSflrPercent"].get<double>(), sflr * 1.84, 1e-9);
  EXPECT_FALSE(a["verdict"].get<std::string>().empty());
  // Without height and weight there is no sFLR, and the JSON says what is missing.
  const std::string out2 = out + "-nobody";
  ASSERT_EQ(runLiverplan({ "plan",
                           phantom + "/ct.nii.gz",
                           "--liver",
                           phantom + "/liver.nii.gz",
                           "--segments",
                           phantom + "/segments.nii.gz",
                           "--plan",
                           "right-hemihepatectomy",
                           "--out",
                           out2 })
              .exitCode,
            0);
  EXPECT_TRUE(
    contains(readJson(out2 + "/result.json")["plans"][0]["augmentation"]["note"], "--height"));
}

TEST(CliAnalyze, AugmentationParametersCanBeOverridden)
{
  const std::string& phantom = smallPhantom();
  const std::string base = liver::test::makeTempDir("augment-override");
  const std::vector<std::string> common = { "plan",       phantom + "/ct.nii.gz",
                                            "--liver",    phantom + "/liver.nii.gz",
                                            "--segments", phantom + "/segments.nii.gz",
                                            "--plan",     "right-hemihepatectomy",
                                            "--height",   "175",
                                            "--weight",   "80" };
  std::vector<std::string> args = common;
  for (const std::string a :
       { "--pve-hypertrophy", "10,20,30", "--alpps-hypertrophy", "50,60,70", "--out" })
    args.push_back(a);
  args.push_back(base + "/a");
  ASSERT_EQ(runLiverplan(args).exitCode, 0);
  const nlohmann::json a = readJson(base + "/a/result.json")["plans"][0];
  const double sflr = a["result"]["sflrPercent"].get<double>();
  EXPECT_NEAR(a["augmentation"]["pve"]["scenarios"][1]["predictedSflrPercent"].get<double>(),
              sflr * 1.2,
              1e-9);
  EXPECT_NEAR(a["augmentation"]["alpps"]["scenarios"][0]["predictedSflrPercent"].get<double>(),
              sflr * 1.5,
              1e-9);
  // Scenarios out of order are refused by name, before any output.
  args = common;
  for (const std::string a : { "--pve-hypertrophy", "30,20,10", "--out" })
    args.push_back(a);
  args.push_back(base + "/b");
  liver::test::expectOneLineError(runLiverplan(args), ExitBadInput, "pveLowHypertrophyPercent");
  EXPECT_FALSE(fs::exists(base + "/b"));

  // plan.json's "augmentation" object overrides the defaults; an unknown key is refused by name.
  std::ofstream(base + "/plan.json") << R"({"plans": [{"resection": "right-hemihepatectomy"}],
          "augmentation": {"pveLowHypertrophyPercent": 10, "pveMedianHypertrophyPercent": 20}})";
  args = { "plan",        phantom + "/ct.nii.gz",
           "--liver",     phantom + "/liver.nii.gz",
           "--segments",  phantom + "/segments.nii.gz",
           "--plan-file", base + "/plan.json",
           "--height",    "175",
           "--weight",    "80",
           "--out",       base + "/c" };
  ASSERT_EQ(runLiverplan(args).exitCode, 0);
  const nlohmann::json c = readJson(base + "/c/result.json")["plans"][0];
  EXPECT_NEAR(c["augmentation"]["pve"]["scenarios"][1]["predictedSflrPercent"].get<double>(),
              c["result"]["sflrPercent"].get<double>() * 1.2,
              1e-9);
  std::ofstream(base + "/bad.json")
    << R"({"plans": [{"resection": "right-hemihepatectomy"}], "augmentation": {"pveFoo": 1}})";
  args[7] = base + "/bad.json";
  args.back() = base + "/d";
  liver::test::expectOneLineError(runLiverplan(args), ExitBadInput, "augmentation.pveFoo");
  EXPECT_FALSE(fs::exists(base + "/d"));
}

TEST(CliHypertrophy, DhKgrAndShindohVerdictFromTwoResults)
{
  const std::string dir = liver::test::makeTempDir("hypertrophy");
  auto write = [&](const std::string& name, const std::string& date, double sflr, double flrMl)
  {
    // The smallest result.json the model reads: volumetry, and per plan the fields it requires.
    const nlohmann::json result = { { "sflrPercent", sflr },
                                    { "flrMl", flrMl },
                                    { "r0", true },
                                    { "marginStatus", "R0" },
                                    { "flrPercent", 40.0 },
                                    { "resectedMl", 600.0 },
                                    { "threshold", { { "percent", 30 }, { "source", "x" } } },
                                    { "pass", true },
                                    { "lesions", nlohmann::json::array() } };
    std::ofstream(dir + "/" + name) << nlohmann::json{
      { "ct", { { "study", { { "studyDate", date } } } } },
      { "volumetry", { { "lesions", nlohmann::json::array() } } },
      { "plans",
        { { { "name", "rh" }, { "spec", "right-hemihepatectomy" }, { "result", result } } } }
    }.dump();
  };
  // 25 % -> 34 % in 28 days: DH 9 points, KGR 2.25 %/week: all of Shindoh's cut-offs met.
  write("before.json", "20260101", 25.0, 400.0);
  write("after.json", "20260129", 34.0, 544.0);
  // `hypertrophy --before BEFORE --after after.json [extra...] --json dir/JSON`.
  const auto hypertrophy =
    [&](const std::string& before, const std::string& json, std::vector<std::string> extra = {})
  {
    std::vector<std::string> args = {
      "hypertrophy", "--before", dir + "/" + before, "--after", dir + "/after.json"
    };
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), { "--json", dir + "/" + json });
    return runLiverplan(args);
  };
  const CommandResult r = hypertrophy("before.json", "h.json");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const nlohmann::json j = readJson(dir + "/h.json");
  EXPECT_DOUBLE_EQ(j["weeks"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(j["degreeOfHypertrophyPoints"].get<double>(), 9.0);
  EXPECT_DOUBLE_EQ(j["kineticGrowthRatePercentPerWeek"].get<double>(), 2.25);
  EXPECT_TRUE(j["adequate"].get<bool>());
  EXPECT_TRUE(contains(r.out, "cut-offs   KGR >= 2.0 %/week (primary), DH >= 7.5 points: defaults"))
    << r.out;
  // 6 weeks given explicitly: KGR 1.5 %/week fails the 2 %/week cut-off.
  const CommandResult slow = hypertrophy("before.json", "slow.json", { "--weeks", "6" });
  ASSERT_EQ(slow.exitCode, 0) << slow.err;
  EXPECT_FALSE(readJson(dir + "/slow.json")["adequate"].get<bool>());
  EXPECT_TRUE(contains(slow.out, "not met: KGR")) << slow.out;
  // The first analysis recorded a KGR cut-off of 2.5 %/week (analyze's augmentationParameters):
  // the same 2.25 %/week is judged by it, as `decide` judges that analysis's predictions.
  nlohmann::json strict = readJson(dir + "/before.json");
  strict["augmentationParameters"] = { { "shindohMinKgrPercentPerWeek", 2.5 } };
  std::ofstream(dir + "/strict.json") << strict.dump();
  const CommandResult judged = hypertrophy("strict.json", "judged.json");
  ASSERT_EQ(judged.exitCode, 0) << judged.err;
  const nlohmann::json jj = readJson(dir + "/judged.json");
  EXPECT_FALSE(jj["adequate"].get<bool>());
  EXPECT_EQ(jj["growthCutOffs"]["from"], "before");
  EXPECT_TRUE(contains(judged.out, "not met: KGR 2.25 %/week < 2.5 %/week")) << judged.out;
  EXPECT_TRUE(contains(judged.out, "augmentationParameters of " + dir + "/strict.json"))
    << judged.out;
  // No dates and no --weeks, or a result without sFLR: exit 2 naming the file.
  write("nodate.json", "", 30.0, 500.0);
  expectOneLineError(
    runLiverplan(
      { "hypertrophy", "--before", dir + "/nodate.json", "--after", dir + "/after.json" }),
    ExitBadInput,
    "--weeks");
  nlohmann::json noSflr = readJson(dir + "/nodate.json");
  noSflr["plans"][0]["result"].erase("sflrPercent");
  std::ofstream(dir + "/nosflr.json") << noSflr.dump();
  expectOneLineError(runLiverplan({ "hypertrophy",
                                    "--before",
                                    dir + "/nosflr.json",
                                    "--after",
                                    dir + "/after.json",
                                    "--weeks",
                                    "4" }),
                     ExitBadInput,
                     "nosflr.json");
}

TEST(CliView, AxialScreenshotNeedsNoDisplay)
{
  const std::string& phantom = smallPhantom();
  const std::string out = liver::test::makeTempDir("view-axial");
  // No DISPLAY in the test environment is needed: the slice is drawn in memory.
  const CommandResult r = runLiverplan({ "view",
                                         phantom + "/ct.nii.gz",
                                         "--liver",
                                         phantom + "/liver.nii.gz",
                                         "--screenshot",
                                         out + "/axial.png",
                                         "--view",
                                         "axial:0",
                                         "--size",
                                         "300x300" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream png(out + "/axial.png", std::ios::binary);
  char signature[8] = {};
  png.read(signature, 8);
  EXPECT_EQ(std::string(signature + 1, 3), "PNG");
  expectOneLineError(
    runLiverplan(
      { "view", phantom + "/ct.nii.gz", "--screenshot", out + "/far.png", "--view", "axial:999" }),
    ExitBadInput,
    "outside the CT");
  EXPECT_FALSE(fs::exists(out + "/far.png"));
  expectOneLineError(
    runLiverplan(
      { "view", phantom + "/ct.nii.gz", "--screenshot", out + "/x.png", "--view", "axial:abc" }),
    ExitBadInput,
    "axial:Z");
}

TEST(CliPacs, AWatchStateThatIsNotOneIsRefusedBeforeAnyRequest)
{
  // The state file is read before anything is asked of the server (none listens on port 9):
  // exit 2, one line naming the file and the field, the file left as it was.
  const std::string out = liver::test::makeTempDir("cli-pacs-watch-state");
  const std::string state = out + "/pacs-watch.json";
  const std::string text = "{\"since\": \"yesterday\", \"studies\": {}}";
  std::ofstream(state) << text;
  const liver::test::CommandResult r = liver::test::runLiverplan(
    { "pacs", "watch", "--server", "http://127.0.0.1:9/dicom-web", "--out", out, "--once" });
  liver::test::expectOneLineError(
    r, liver::test::ExitBadInput, state + ": since: must be a non-negative integer, not string");
  std::ifstream in(state);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), text);
}
