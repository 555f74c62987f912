/// Real CT, DICOM and label files from other projects (../shared/data, see its README): the
/// published figures reproduced, and what real scanners produce handled. Each test skips with a
/// message when the data folder is absent, so a plain clone still passes.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/volumetry/label_stats.h>

#include <gdcmReader.h>
#include <gdcmWriter.h>

#include <filesystem>
#include <fstream>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

LabelStats statsOf(const std::string& ctPath, const std::string& labelPath, std::uint16_t label)
{
  const CtVolume ct = loadCt(ctPath);
  const auto labels = labelsOnGrid(loadLabels(labelPath), *ct.image, labelPath, false);
  const auto all = computeLabelStats(*labels, ct.image.GetPointer());
  const auto it = all.find(label);
  if (it == all.end())
    throw std::runtime_error("label absent");
  return it->second;
}

bool sameVoxels(const CtImage& a, const CtImage& b)
{
  const std::size_t n = a.GetLargestPossibleRegion().GetNumberOfPixels();
  return a.GetLargestPossibleRegion() == b.GetLargestPossibleRegion() &&
         std::equal(a.GetBufferPointer(), a.GetBufferPointer() + n, b.GetBufferPointer());
}

int maxAbsDifference(const CtImage& a, const CtImage& b)
{
  const std::size_t n = a.GetLargestPossibleRegion().GetNumberOfPixels();
  int worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(a.GetBufferPointer()[i] - b.GetBufferPointer()[i]));
  return worst;
}

} // namespace

TEST(TotalSegmentator, FastLiverMaskReproducesPublishedStatistics)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg_fast_liver_v2.nii.gz");
  const LabelStats liver = statsOf(ct, seg, 1);
  // TotalSegmentator publishes 1062450.0 mm³ and 44.85855 HU for this mask.
  EXPECT_EQ(liver.voxelCount, 39350u);
  EXPECT_NEAR(liver.volumeMl * 1000.0, 1062450.0, 1e-6);
  EXPECT_NEAR(liver.meanHu, 44.85855, 5e-6);
}

TEST(TotalSegmentator, MultiLabelMapLiverLabelFive)
{
  LIVER_REQUIRE_DATA(ct, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg.nii.gz");
  LIVER_REQUIRE_DATA(roi, "totalsegmentator/example_seg_roi_subset.nii.gz");
  const LabelStats liver = statsOf(ct, seg, 5);
  EXPECT_EQ(liver.voxelCount, 38634u);
  EXPECT_NEAR(liver.volumeMl, 1043.118, 1e-9);
  EXPECT_NEAR(liver.meanHu, 45.29, 0.005);
  const LabelStats subset = statsOf(ct, roi, 5);
  EXPECT_EQ(subset.voxelCount, 38631u);
  EXPECT_NEAR(subset.volumeMl, 1043.037, 1e-9);
}

TEST(TotalSegmentator, OddHeaderLoadsWithItsOwnLabelsOnTheSameGrid)
{
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(segPath, "totalsegmentator/example_seg.nii.gz");
  const CtVolume ct = loadCt(ctPath);
  const auto size = ct.image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 122u);
  EXPECT_EQ(size[1], 101u);
  EXPECT_EQ(size[2], 30u);
  for (int a = 0; a < 3; ++a)
    EXPECT_DOUBLE_EQ(ct.image->GetSpacing()[a], 3.0);
  EXPECT_EQ(describeGridMismatch(*ct.image, *loadLabels(segPath)), "");
}

TEST(Dcmqi, HandDrawnLiverOnThreeSliceDicomSeries)
{
  LIVER_REQUIRE_DATA(dir, "dcmqi");
  LIVER_REQUIRE_DATA(seg, "dcmqi/liver_seg.nrrd");
  // The folder also holds a DICOM SEG object (liver.dcm) and NRRD files: both are skipped.
  const CtVolume ct = loadCt(dir);
  EXPECT_EQ(ct.load.fileCount, 3u);
  EXPECT_EQ(ct.load.format, "dicom-series");
  EXPECT_NEAR(ct.image->GetSpacing()[0], 0.810547, 1e-6);
  EXPECT_NEAR(ct.image->GetSpacing()[2], 1.0, 1e-6);
  const LabelStats liver = statsOf(dir, seg, 1);
  EXPECT_EQ(liver.voxelCount, 107098u);
  EXPECT_NEAR(liver.volumeMl, 70.36, 0.005);
}

TEST(Dcmqi, FileNamesDoNotDecideSliceOrder)
{
  LIVER_REQUIRE_DATA(dir, "dcmqi/ct-3slice_01.dcm");
  const std::string src = fs::path(dir).parent_path().string();
  const std::string shuffled = test::makeTempDir("shuffled");
  // Reverse the names: slice 01 becomes "c.dcm", 03 becomes "a.dcm".
  fs::copy_file(src + "/ct-3slice_01.dcm", shuffled + "/c.dcm");
  fs::copy_file(src + "/ct-3slice_02.dcm", shuffled + "/b.dcm");
  fs::copy_file(src + "/ct-3slice_03.dcm", shuffled + "/a.dcm");
  const CtVolume original = loadCt(src);
  const CtVolume reordered = loadCt(shuffled);
  EXPECT_TRUE(sameVoxels(*original.image, *reordered.image));
  EXPECT_EQ(original.image->GetOrigin(), reordered.image->GetOrigin());
}

TEST(Dcmqi, TruncatedSliceIsReportedByName)
{
  LIVER_REQUIRE_DATA(dir, "dcmqi/ct-3slice_01.dcm");
  const std::string src = fs::path(dir).parent_path().string();
  const std::string broken = test::makeTempDir("truncated");
  for (const char* name : { "ct-3slice_01.dcm", "ct-3slice_02.dcm", "ct-3slice_03.dcm" })
    fs::copy_file(src + "/" + name, broken + "/" + name);
  fs::resize_file(broken + "/ct-3slice_02.dcm", 300000); // pixel data cut in half
  try
  {
    loadCt(broken);
    FAIL() << "a truncated slice must be refused";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("ct-3slice_02.dcm"), std::string::npos) << e.what();
  }
}

TEST(GantryTilt, GeTiltedVariableSpacingSeriesIsCorrectedOrRefused)
{
  LIVER_REQUIRE_DATA(dir, "dcm_qa_ct_ge");
  const CtVolume ct = loadCt(dir);
  EXPECT_EQ(ct.load.fileCount, 28u);
  EXPECT_NEAR(ct.study.gantryTiltDeg, 18.5, 1e-9);
  EXPECT_TRUE(ct.load.gantryTiltCorrected);
  EXPECT_FALSE(ct.load.uniformSpacing);
  EXPECT_TRUE(ct.load.resampled);
  // Steps along z are 4.22, 1.14 and 7.38 mm (data README); along the tilted normal they are
  // cos(18.5°) shorter: 4.0, 1.08, 7.0 mm.
  EXPECT_EQ(ct.load.sliceStepsMm.front(), 1.08);
  EXPECT_EQ(ct.load.sliceStepsMm.back(), 7.0);
  EXPECT_NEAR(ct.image->GetSpacing()[2], 4.0, 0.01);
  // The output grid is orthogonal: its slice axis is the acquisition normal.
  const auto& d = ct.image->GetDirection();
  EXPECT_NEAR(d[2][2], std::cos(18.5 * M_PI / 180.0), 1e-6);
  EXPECT_NEAR(d[0][1] * d[0][2] + d[1][1] * d[1][2] + d[2][1] * d[2][2], 0.0, 1e-9);

  // Every pixel of the first acquired slice keeps its value at its own physical position.
  const CtVolume first = loadCt(dir + "/28.dcm");
  CtVolume firstSorted = first;
  for (const char* name : { "01.dcm", "28.dcm" })
  {
    const CtVolume candidate = loadCt(dir + "/" + name);
    CtImage::IndexType index;
    if (ct.image->TransformPhysicalPointToIndex(candidate.image->GetOrigin(), index) &&
        index[2] == 0)
      firstSorted = candidate;
  }
  std::size_t compared = 0;
  const auto size = firstSorted.image->GetLargestPossibleRegion().GetSize();
  for (unsigned j = 0; j < size[1]; j += 7)
    for (unsigned i = 0; i < size[0]; i += 7)
    {
      CtImage::PointType p;
      firstSorted.image->TransformIndexToPhysicalPoint({ { i, j, 0 } }, p);
      CtImage::IndexType index;
      ASSERT_TRUE(ct.image->TransformPhysicalPointToIndex(p, index));
      ASSERT_EQ(index[2], 0);
      ASSERT_EQ(ct.image->GetPixel(index), firstSorted.image->GetPixel({ { i, j, 0 } }));
      ++compared;
    }
  EXPECT_GT(compared, 5000u);

  CtLoadOptions strict;
  strict.strict = true;
  try
  {
    loadCt(dir, strict);
    FAIL() << "--strict must refuse this series";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("--strict"), std::string::npos) << e.what();
  }
}

TEST(Codecs, EveryLosslessTransferSyntaxDecodesToIdenticalHu)
{
  LIVER_REQUIRE_DATA(reference, "dicom_codecs/CTImage.dcm");
  const CtVolume ref = loadCt(reference);
  const std::string base = reference + ".dcm_";
  const std::vector<std::string> lossless = {
    "LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm",
    "LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm",
    "BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm",
    "DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm",
    "RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm",
    "JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm",
    "JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm",
    "JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm",
    "JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm"
  };
  for (const std::string& name : lossless)
  {
    const std::string path = fs::path(reference).parent_path().string() + "/CTImage.dcm_" + name;
    ASSERT_TRUE(fs::exists(path)) << path;
    const CtVolume ct = loadCt(path);
    EXPECT_TRUE(sameVoxels(*ref.image, *ct.image)) << name;
    EXPECT_EQ(ref.image->GetOrigin(), ct.image->GetOrigin()) << name;
    EXPECT_EQ(ref.image->GetSpacing(), ct.image->GetSpacing()) << name;
  }
  // Lossy syntaxes decode too, close to the original (not identical by design).
  for (const std::string name : { "JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm",
                                  "JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm",
                                  "JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm" })
  {
    const CtVolume ct = loadCt(fs::path(reference).parent_path().string() + "/CTImage.dcm_" + name);
    EXPECT_EQ(ref.image->GetLargestPossibleRegion(), ct.image->GetLargestPossibleRegion()) << name;
    EXPECT_LT(maxAbsDifference(*ref.image, *ct.image), 400) << name;
  }
}

TEST(Codecs, Jpeg2000ReversibleNemaImagesDecode)
{
  LIVER_REQUIRE_DATA(ct1, "dicom_codecs/CT1_J2KR");
  LIVER_REQUIRE_DATA(ct2, "dicom_codecs/CT2_J2KR");
  for (const std::string& path : { ct1, ct2 })
  {
    const CtVolume ct = loadCt(path);
    EXPECT_EQ(ct.image->GetLargestPossibleRegion().GetSize()[0], 512u) << path;
    const auto* p = ct.image->GetBufferPointer();
    const auto [lo, hi] =
      std::minmax_element(p, p + ct.image->GetLargestPossibleRegion().GetNumberOfPixels());
    // A CT slice: air near -1000 HU and dense tissue or bone above 200 HU.
    EXPECT_LT(*lo, -500) << path;
    EXPECT_GT(*hi, 200) << path;
  }
}

TEST(MultiFrame, EnhancedCtLoadsEveryFrame)
{
  LIVER_REQUIRE_DATA(path, "dicom_misc/eCT_Supplemental.dcm");
  const CtVolume ct = loadCt(path);
  EXPECT_EQ(ct.load.format, "dicom-multiframe");
  const auto size = ct.image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 512u);
  EXPECT_EQ(size[1], 512u);
  EXPECT_EQ(size[2], 2u);
  EXPECT_NEAR(ct.image->GetSpacing()[0], 0.388672, 1e-6);
  EXPECT_GT(ct.image->GetSpacing()[2], 0.0);
  EXPECT_EQ(ct.study.modality, "CT");
}

TEST(BadDicom, MissingPixelSpacingIsRefusedNamingTheTag)
{
  LIVER_REQUIRE_DATA(reference, "dicom_codecs/CTImage.dcm");
  const std::string dir = test::makeTempDir("nospacing");
  gdcm::Reader reader;
  reader.SetFileName(reference.c_str());
  ASSERT_TRUE(reader.Read());
  reader.GetFile().GetDataSet().Remove(gdcm::Tag(0x0028, 0x0030));
  gdcm::Writer writer;
  writer.SetFile(reader.GetFile());
  writer.SetFileName((dir + "/slice.dcm").c_str());
  ASSERT_TRUE(writer.Write());
  try
  {
    loadCt(dir + "/slice.dcm");
    FAIL() << "a CT without PixelSpacing must be refused";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("PixelSpacing (0028,0030)"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("slice.dcm"), std::string::npos);
  }
}

TEST(BadDicom, NonCtFileIsRefused)
{
  LIVER_REQUIRE_DATA(path, "dicom_codecs/no-pixel-spacing.dcm");
  try
  {
    loadCt(path);
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("not CT"), std::string::npos);
  }
}
