/// DICOM out (issue 16): `liverplan dicom-out` on an analysis of the phantom's DICOM series writes
/// a SEG, a TID 1500 SR and an Encapsulated PDF into the CT's study. The SR read back through
/// DCMTK holds result.json's figures and references the SEG's segments; dciodvfy finds no error
/// in any object; the PDF inside is report.html printed.

#include "test_support.h"

#include <liver/report/dicom_export.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

/// The phantom (4 mm voxels) as a DICOM series, analysed with its true labels, body figures and
/// two plans, then written as DICOM by `dicom-out`: made once for the tests below.
struct OutCase
{
  std::string phantom, analysis, dicom;
  test::CommandResult analyze, out;
  nlohmann::json result;
};

const OutCase& outCase()
{
  static const OutCase c = []
  {
    OutCase s;
    s.phantom =
      test::writePhantomFolder("dicom-out-phantom", { "--spacing", "4", "--seed", "3", "--dicom" });
    s.analysis = s.phantom + "/analysis";
    s.dicom = s.analysis + "/dicom";
    s.analyze = test::runLiverplan({ "-q",
                                     "analyze",
                                     s.phantom + "/dicom",
                                     "--liver",
                                     s.phantom + "/liver.nii.gz",
                                     "--lesions",
                                     s.phantom + "/lesions.nii.gz",
                                     "--segments",
                                     s.phantom + "/segments.nii.gz",
                                     "--plan",
                                     "right-hemihepatectomy",
                                     "--plan",
                                     "left-lateral-sectionectomy+ablate:1@5",
                                     "--height",
                                     "175",
                                     "--weight",
                                     "80",
                                     "--out",
                                     s.analysis });
    if (s.analyze.exitCode == 0)
    {
      s.out = test::runLiverplan({ "dicom-out", s.analysis });
      s.result = test::readJson(s.analysis + "/result.json");
    }
    return s;
  }();
  return c;
}

std::string readBytes(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

/// `value` as the SR holds it: a DS of 16 characters keeps at least 13 significant digits here.
void expectSameNumber(const report::SrMeasurement* m,
                      const nlohmann::json& value,
                      const std::string& what)
{
  ASSERT_NE(m, nullptr) << what;
  ASSERT_TRUE(value.is_number()) << what;
  const double expected = value.get<double>();
  EXPECT_NEAR(m->value, expected, 1e-12 * std::max(1.0, std::abs(expected))) << what;
}

std::string dciodvfyErrors(const std::string& file, const std::string& log)
{
  std::system(("dciodvfy '" + file + "' > '" + log + "' 2>&1").c_str());
  std::ifstream in(log);
  std::string line, errors;
  while (std::getline(in, line))
    if (line.rfind("Error", 0) == 0)
      errors += line + "\n";
  return errors;
}

} // namespace

TEST(DicomOut, WritesSegSrAndPdfIntoTheCtsStudy)
{
  const OutCase& c = outCase();
  ASSERT_EQ(c.analyze.exitCode, 0) << c.analyze.err;
  ASSERT_EQ(c.out.exitCode, 0) << c.out.err;
  const std::string study = c.result["ct"]["study"]["studyInstanceUid"].get<std::string>();
  ASSERT_FALSE(study.empty());
  const report::SegReference seg = report::readSegReference(c.dicom + "/seg.dcm");
  EXPECT_EQ(seg.studyInstanceUid, study);
  const report::MeasurementReportContent sr = report::readMeasurementReport(c.dicom + "/sr.dcm");
  EXPECT_EQ(sr.sopClassUid, UID_EnhancedSRStorage);
  EXPECT_EQ(sr.studyInstanceUid, study);
  EXPECT_NE(sr.seriesInstanceUid, seg.seriesInstanceUid);
  EXPECT_EQ(sr.title.value, "126000"); // Imaging Measurement Report (CID 7021)
  EXPECT_TRUE(test::contains(c.out.out, sr.sopInstanceUid)) << c.out.out;
  // Evidence: the SEG and every CT slice.
  const auto& evidence = sr.evidenceSopInstanceUids;
  EXPECT_NE(std::find(evidence.begin(), evidence.end(), seg.sopInstanceUid), evidence.end());
  EXPECT_EQ(evidence.size(), 1 + c.result["ct"]["grid"]["size"][2].get<std::size_t>());
}

TEST(DicomOut, SrMeasurementsEqualResultJsonAndReferenceTheSegSegments)
{
  const OutCase& c = outCase();
  ASSERT_EQ(c.out.exitCode, 0) << c.out.err;
  const report::SegReference seg = report::readSegReference(c.dicom + "/seg.dcm");
  const report::MeasurementReportContent sr = report::readMeasurementReport(c.dicom + "/sr.dcm");
  const nlohmann::json& v = c.result["volumetry"];
  auto onSegment = [&](const report::SrMeasurementGroup* g, const std::string& label)
  {
    ASSERT_NE(g, nullptr) << label;
    EXPECT_EQ(g->segmentationUid, seg.sopInstanceUid) << label;
    ASSERT_EQ(seg.segmentNumbers.count(label), 1u) << label;
    EXPECT_EQ(g->segmentNumber, seg.segmentNumbers.at(label)) << label;
  };

  const report::SrMeasurementGroup* liver = sr.group("Liver");
  onSegment(liver, "Liver");
  EXPECT_EQ(liver->finding.value, "10200004");
  expectSameNumber(liver->find("118565006"), v["totalLiverMl"], "TLV");
  EXPECT_EQ(liver->find("118565006")->unit.value, "ml");

  ASSERT_GT(v["lesions"].size(), 0u);
  for (const auto& lesion : v["lesions"])
  {
    const std::string label = "Lesion " + std::to_string(lesion["id"].get<int>());
    const report::SrMeasurementGroup* g = sr.group(label);
    onSegment(g, label);
    expectSameNumber(g->find("118565006"), lesion["volumeMl"], label);
  }

  const report::SrMeasurementGroup* body = sr.group("Liver volumetry");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->segmentNumber, 0);
  expectSameNumber(body->find("TUM-ML"), v["tumourMl"], "tumour");
  expectSameNumber(body->find("FLV-ML"), v["functionalMl"], "functional");
  const nlohmann::json& b = c.result["body"];
  expectSameNumber(body->find("SLV-ML"), b["standardLiverVolumeMl"], "SLV");
  EXPECT_EQ(body->find("SLV-ML")->method.value, "SLV-VAUTHEY");
  expectSameNumber(body->find("BSA"), b["bsaM2"], "BSA");

  const nlohmann::json& plans = c.result["plans"];
  ASSERT_EQ(plans.size(), 2u);
  for (std::size_t k = 0; k < plans.size(); ++k)
  {
    const std::string label = "Plan " + std::to_string(k + 1) + " remnant";
    const nlohmann::json& p = plans[k]["result"];
    const report::SrMeasurementGroup* g = sr.group(label);
    onSegment(g, label);
    expectSameNumber(g->find("118565006"), p["remnantMl"], label + " remnant");
    expectSameNumber(g->find("FLR-ML"), p["flrMl"], label + " FLR mL");
    expectSameNumber(g->find("FLR-PCT"), p["flrPercent"], label + " FLR %");
    expectSameNumber(g->find("SFLR-PCT"), p["sflrPercent"], label + " sFLR %");
    expectSameNumber(g->find("FLR-MIN"), p["threshold"]["percent"], label + " threshold");
    expectSameNumber(g->find("RES-ML"), p["resectedMl"], label + " resected");
    EXPECT_EQ(g->evaluations.at("Resection margin status"), p["marginStatus"].get<std::string>());
    EXPECT_EQ(g->evaluations.at("Resection plan"), plans[k]["name"].get<std::string>());
    EXPECT_EQ(g->evaluations.at("Remnant threshold basis"),
              p["threshold"]["basis"].get<std::string>());
    EXPECT_EQ(g->evaluations.at("Remnant volume adequate"),
              p["volumeAdequate"].get<bool>() ? "yes" : "no");
  }
  // The phantom's two plans differ: the comparison cannot pass by accident.
  EXPECT_NE(sr.group("Plan 1 remnant")->find("FLR-PCT")->value,
            sr.group("Plan 2 remnant")->find("FLR-PCT")->value);

  const nlohmann::json& decision = c.result["decision"];
  ASSERT_TRUE(decision.is_object());
  EXPECT_EQ(sr.evaluations.at("Resectability category"),
            decision["categoryText"].get<std::string>() + " (" +
              decision["category"].get<std::string>() + ")");
  EXPECT_EQ(sr.evaluations.at("Decision support disclaimer"),
            c.result["disclaimer"].get<std::string>());
}

TEST(DicomOut, DciodvfyFindsNoErrorInTheSrAndThePdf)
{
  const OutCase& c = outCase();
  ASSERT_EQ(c.out.exitCode, 0) << c.out.err;
  if (std::system("command -v dciodvfy >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "dciodvfy (Debian dicom3tools) not installed";
  EXPECT_EQ(dciodvfyErrors(c.dicom + "/sr.dcm", c.analysis + "/sr-dciodvfy.txt"), "");
  EXPECT_TRUE(test::contains(readBytes(c.analysis + "/sr-dciodvfy.txt"), "EnhancedSR"));
  if (!fs::exists(c.dicom + "/report-pdf.dcm"))
    GTEST_SKIP() << "no Encapsulated PDF (no Chromium): " << c.out.err;
  EXPECT_EQ(dciodvfyErrors(c.dicom + "/report-pdf.dcm", c.analysis + "/pdf-dciodvfy.txt"), "");
  EXPECT_TRUE(test::contains(readBytes(c.analysis + "/pdf-dciodvfy.txt"), "EncapsulatedPDF"));
}

TEST(DicomOut, TheEncapsulatedPdfIsTheReportPrinted)
{
  const OutCase& c = outCase();
  ASSERT_EQ(c.out.exitCode, 0) << c.out.err;
  if (report::findChromium().empty())
  {
    // Skipped cleanly: SEG and SR written, a warning says why there is no PDF.
    EXPECT_FALSE(fs::exists(c.dicom + "/report-pdf.dcm"));
    EXPECT_TRUE(test::contains(c.out.err, "no Encapsulated PDF")) << c.out.err;
    GTEST_SKIP() << "no Chromium: the PDF is skipped";
  }
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile((c.dicom + "/report-pdf.dcm").c_str()).good());
  DcmDataset& ds = *ff.getDataset();
  OFString value;
  ASSERT_TRUE(ds.findAndGetOFString(DCM_SOPClassUID, value).good());
  EXPECT_EQ(value, UID_EncapsulatedPDFStorage);
  ASSERT_TRUE(ds.findAndGetOFString(DCM_StudyInstanceUID, value).good());
  EXPECT_EQ(std::string(value.c_str()),
            c.result["ct"]["study"]["studyInstanceUid"].get<std::string>());
  const Uint8* bytes = nullptr;
  unsigned long length = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_EncapsulatedDocument, bytes, &length).good());
  Uint32 documentLength = 0;
  ASSERT_TRUE(ds.findAndGetUint32(DCM_EncapsulatedDocumentLength, documentLength).good());
  const std::string pdf = readBytes(c.dicom + "/report.pdf");
  ASSERT_EQ(documentLength, pdf.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes), documentLength), pdf);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_GT(pdf.size(), 20000u); // text and tables of several pages
}

TEST(DicomOut, RefusesANonDicomCtWithExitCode2AndWritesNothing)
{
  const OutCase& c = outCase();
  ASSERT_EQ(c.analyze.exitCode, 0) << c.analyze.err;
  const std::string dir = test::makeTempDir("dicom_out_nifti");
  const test::CommandResult analyze = test::runLiverplan({ "-q",
                                                           "analyze",
                                                           c.phantom + "/ct.nii.gz",
                                                           "--liver",
                                                           c.phantom + "/liver.nii.gz",
                                                           "--out",
                                                           dir + "/a" });
  ASSERT_EQ(analyze.exitCode, 0) << analyze.err;
  const test::CommandResult r = test::runLiverplan({ "dicom-out", dir + "/a" });
  test::expectOneLineError(r, test::ExitBadInput, "DICOM CT series");
  EXPECT_FALSE(fs::exists(dir + "/a/dicom"));
}

TEST(DicomOut, AnalyzeWithDicomOutWritesTheObjectsAndRefusesAnImageFileFirst)
{
  const OutCase& c = outCase();
  ASSERT_EQ(c.analyze.exitCode, 0) << c.analyze.err;
  const std::string dir = test::makeTempDir("dicom_out_analyze");
  const test::CommandResult ok = test::runLiverplan({ "-q",
                                                      "analyze",
                                                      c.phantom + "/dicom",
                                                      "--liver",
                                                      c.phantom + "/liver.nii.gz",
                                                      "--dicom-out",
                                                      "--out",
                                                      dir + "/a" });
  ASSERT_EQ(ok.exitCode, 0) << ok.err;
  const report::SegReference seg = report::readSegReference(dir + "/a/dicom/seg.dcm");
  EXPECT_EQ(seg.segmentNumbers.count("Liver"), 1u);
  const report::MeasurementReportContent sr =
    report::readMeasurementReport(dir + "/a/dicom/sr.dcm");
  const nlohmann::json result = test::readJson(dir + "/a/result.json");
  ASSERT_NE(sr.group("Liver"), nullptr);
  expectSameNumber(
    sr.group("Liver")->find("118565006"), result["volumetry"]["totalLiverMl"], "TLV");

  // An image file cannot take DICOM out: refused before any work, nothing written.
  const test::CommandResult refused = test::runLiverplan({ "analyze",
                                                           c.phantom + "/ct.nii.gz",
                                                           "--liver",
                                                           c.phantom + "/liver.nii.gz",
                                                           "--dicom-out",
                                                           "--out",
                                                           dir + "/b" });
  test::expectOneLineError(refused, test::ExitBadInput, "--dicom-out");
  EXPECT_FALSE(fs::exists(dir + "/b/result.json"));
}

TEST(DicomOutRealData, DcmqiCtWithItsLiverSegGivesObjectsDciodvfyAccepts)
{
  LIVER_REQUIRE_DATA(dicom, "dcmqi");
  LIVER_REQUIRE_DATA(segPath, "dcmqi/liver.dcm");
  const std::string dir = test::makeTempDir("dicom_out_dcmqi");
  const test::CommandResult r = test::runLiverplan({ "-q",
                                                     "analyze",
                                                     dicom,
                                                     "--liver",
                                                     segPath,
                                                     "--height",
                                                     "175",
                                                     "--weight",
                                                     "80",
                                                     "--dicom-out",
                                                     "--out",
                                                     dir + "/a" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // The hand-drawn liver: 107,098 voxels = 70.36 mL, in the SR as in result.json.
  const report::MeasurementReportContent sr =
    report::readMeasurementReport(dir + "/a/dicom/sr.dcm");
  ASSERT_NE(sr.group("Liver"), nullptr);
  EXPECT_NEAR(sr.group("Liver")->find("118565006")->value, 70.36, 0.005);
  if (std::system("command -v dciodvfy >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "dciodvfy (Debian dicom3tools) not installed";
  // The source's SpecificCharacterSet is present but empty: not copied as an empty Type 1C.
  for (const char* name : { "seg.dcm", "sr.dcm", "report-pdf.dcm" })
  {
    const std::string file = dir + "/a/dicom/" + name;
    if (fs::exists(file))
    {
      EXPECT_EQ(dciodvfyErrors(file, file + ".txt"), "") << name;
    }
  }
}
