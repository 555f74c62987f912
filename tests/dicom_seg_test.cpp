/// DICOM SEG in: dcmqi's liver SEG (plain, RLE and JPEG 2000 copies from pydicom) read on its own
/// grid and imported onto the CT it was drawn on, voxel for voxel against the hand-drawn NRRD,
/// and every refusal with the file and the attribute named.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/segmentation/dicom_seg.h>
#include <liver/segmentation/label_import.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

std::uint64_t countNonZero(const LabelImage& image)
{
  const std::uint16_t* p = image.GetBufferPointer();
  std::uint64_t n = 0;
  for (std::size_t i = 0, size = image.GetLargestPossibleRegion().GetNumberOfPixels(); i < size;
       ++i)
    n += p[i] != 0;
  return n;
}

/// Whether two maps on one grid are non-zero at exactly the same voxels.
bool sameSupport(const LabelImage& a, const LabelImage& b)
{
  const std::size_t n = a.GetLargestPossibleRegion().GetNumberOfPixels();
  if (n != b.GetLargestPossibleRegion().GetNumberOfPixels())
    return false;
  for (std::size_t i = 0; i < n; ++i)
    if ((a.GetBufferPointer()[i] != 0) != (b.GetBufferPointer()[i] != 0))
      return false;
  return true;
}

std::string inputErrorOf(const std::function<void()>& f)
{
  try
  {
    f();
  }
  catch (const InputError& e)
  {
    return e.what();
  }
  return "(no InputError)";
}

std::string readBytes(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void writeBytes(const std::string& path, const std::string& bytes)
{
  std::ofstream(path, std::ios::binary) << bytes;
}

} // namespace

TEST(DicomSegCodes, CouinaudSegmentsAreCid7170)
{
  EXPECT_EQ(codes::couinaudSegment(1).value, "71133005");
  EXPECT_EQ(codes::couinaudSegment(8).value, "277962002");
  EXPECT_EQ(codes::couinaudSegment(4).meaning, "Couinaud hepatic segment IV");
  EXPECT_THROW(codes::couinaudSegment(9), std::invalid_argument);
  EXPECT_EQ(codes::liver().value, "10200004");
}

TEST(DicomSegRealData, DcmqiLiverOnItsOwnGridMatchesTheNrrd)
{
  LIVER_REQUIRE_DATA(segPath, "dcmqi/liver.dcm");
  LIVER_REQUIRE_DATA(nrrdPath, "dcmqi/liver_seg.nrrd");
  ASSERT_TRUE(isDicomSegmentation(segPath));
  EXPECT_FALSE(isDicomSegmentation(nrrdPath));
  const DicomSegmentation seg = readDicomSegmentation(segPath);
  ASSERT_EQ(seg.segments.size(), 1u);
  EXPECT_EQ(seg.segments[0].label, "Liver");
  EXPECT_EQ(seg.segments[0].type.value, "T-62000");
  EXPECT_EQ(seg.segments[0].codeRole, "liver");
  EXPECT_EQ(seg.segmentationType, "BINARY");
  EXPECT_EQ(seg.frameOfReferenceUid, "1.2.392.200103.20080913.113635.3.2009.6.22.21.44.34.23882.1");
  EXPECT_EQ(seg.referencedSeriesUid, "1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1");
  ASSERT_EQ(seg.layers.size(), 1u);
  // The hand-drawn NRRD has 107,098 liver voxels (../shared/data/README.md).
  EXPECT_EQ(seg.segments[0].voxels, 107098u);
  const LabelImage::Pointer nrrd = loadLabels(nrrdPath);
  EXPECT_EQ(describeGridMismatch(*nrrd, *seg.layers[0]), "");
  EXPECT_TRUE(sameSupport(*nrrd, *seg.layers[0]));
}

TEST(DicomSegRealData, RleAndJpeg2000CopiesDecodeToTheSameVoxels)
{
  LIVER_REQUIRE_DATA(plain, "dicom_misc/liver.dcm");
  LIVER_REQUIRE_DATA(rle, "dicom_misc/liver_rle.dcm");
  LIVER_REQUIRE_DATA(j2k, "dicom_misc/liver_j2k.dcm");
  const DicomSegmentation reference = readDicomSegmentation(plain);
  EXPECT_EQ(reference.segments.at(0).voxels, 107098u);
  for (const std::string& path : { rle, j2k })
  {
    const DicomSegmentation seg = readDicomSegmentation(path);
    EXPECT_NE(seg.transferSyntax, reference.transferSyntax) << path;
    ASSERT_EQ(seg.layers.size(), 1u) << path;
    EXPECT_EQ(seg.segments.at(0).voxels, 107098u) << path;
    EXPECT_EQ(describeGridMismatch(*reference.layers[0], *seg.layers[0]), "") << path;
    EXPECT_TRUE(sameSupport(*reference.layers[0], *seg.layers[0])) << path;
  }
}

TEST(DicomSegRealData, ImportedOnTheCtAs70Point36Ml)
{
  LIVER_REQUIRE_DATA(dicom, "dcmqi");
  LIVER_REQUIRE_DATA(segPath, "dcmqi/liver.dcm");
  const CtVolume ct = loadCt(dicom);
  LabelImportOptions options;
  options.liverPath = segPath;
  const ImportedLabels imported = importLabels(options, *ct.image);
  ASSERT_TRUE(imported.labels.liver);
  EXPECT_EQ(countNonZero(*imported.labels.liver), 107098u);
  const auto& s = ct.image->GetSpacing();
  const double ml = countNonZero(*imported.labels.liver) * s[0] * s[1] * s[2] / 1000.0;
  EXPECT_NEAR(ml, 70.36, 0.005); // 107,098 x 0.810547^2 x 1 mm^3
  ASSERT_EQ(imported.sources.size(), 1u);
  EXPECT_EQ(imported.sources[0].format, "dicom-seg");
  EXPECT_NE(imported.sources[0].detail.find("Liver"), std::string::npos)
    << imported.sources[0].detail;
}

TEST(DicomSeg, RefusalsNameTheFileAndTheAttribute)
{
  LIVER_REQUIRE_DATA(segPath, "dcmqi/liver.dcm");
  LIVER_REQUIRE_DATA(ctPath, "dcmqi/ct-3slice_01.dcm");
  const std::string dir = test::makeTempDir("dicom_seg_refusals");
  EXPECT_FALSE(isDicomSegmentation(ctPath));
  EXPECT_FALSE(isDicomSegmentation(dir + "/absent.dcm"));
  std::string error = inputErrorOf([&] { readDicomSegmentation(ctPath); });
  EXPECT_NE(error.find("SOPClassUID"), std::string::npos) << error;
  EXPECT_NE(error.find(ctPath), std::string::npos) << error;

  // Truncated pixel data: the file cut in the middle of its frames.
  const std::string bytes = readBytes(segPath);
  const std::string truncated = dir + "/truncated.dcm";
  writeBytes(truncated, bytes.substr(0, bytes.size() - 40000));
  error = inputErrorOf([&] { readDicomSegmentation(truncated); });
  EXPECT_NE(error.find(truncated), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;

  // A frame naming a segment the SegmentSequence lacks: ReferencedSegmentNumber 1 -> 7 in
  // frame 2 (the value follows the tag (0062,000B) US 2 in explicit little endian).
  std::string badRef = bytes;
  const std::string tag("\x62\x00\x0b\x00US\x02\x00\x01\x00", 10);
  std::size_t at = badRef.find(tag);
  ASSERT_NE(at, std::string::npos);
  at = badRef.find(tag, at + 1);
  ASSERT_NE(at, std::string::npos);
  badRef[at + 8] = 7;
  const std::string badRefPath = dir + "/bad_reference.dcm";
  writeBytes(badRefPath, badRef);
  error = inputErrorOf([&] { readDicomSegmentation(badRefPath); });
  EXPECT_NE(error.find("frame 2: ReferencedSegmentNumber 7"), std::string::npos) << error;
}

TEST(DicomSegCli, SegmentImportsTheSegAndRefusesABrokenOneWithExitCode2)
{
  LIVER_REQUIRE_DATA(dicom, "dcmqi");
  LIVER_REQUIRE_DATA(segPath, "dcmqi/liver.dcm");
  const std::string dir = test::makeTempDir("dicom_seg_cli");
  const test::CommandResult ok =
    test::runLiverplan({ "segment", dicom, "--liver", segPath, "--out", dir + "/seg" });
  ASSERT_EQ(ok.exitCode, 0) << ok.err;
  const nlohmann::json json = test::readJson(dir + "/seg/segmentation.json");
  EXPECT_NEAR(json["volumetry"]["totalLiverMl"].get<double>(), 70.36, 0.005) << json.dump(1);

  const std::string bytes = readBytes(segPath);
  writeBytes(dir + "/broken.dcm", bytes.substr(0, bytes.size() / 2));
  const test::CommandResult broken =
    test::runLiverplan({ "segment", dicom, "--liver", dir + "/broken.dcm", "--out", dir + "/b" });
  test::expectOneLineError(broken, test::ExitBadInput, "broken.dcm");
  EXPECT_FALSE(fs::exists(dir + "/b/segmentation.json"));
}
