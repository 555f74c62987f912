/// DICOM SEG in: dcmqi's liver SEG (plain, RLE and JPEG 2000 copies from pydicom) read on its own
/// grid and imported onto the CT it was drawn on, voxel for voxel against the hand-drawn NRRD,
/// and every refusal with the file and the attribute named.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/segmentation/dicom_seg.h>
#include <liver/segmentation/label_import.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmseg/segdoc.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <itkImageRegionConstIteratorWithIndex.h>

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

/// The message of the InputError `f` throws ("" when it throws none).
constexpr auto inputErrorOf = &liver::test::errorOf<InputError>;

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

TEST(DicomSegRealData, FractionalFramesHoldTheVoxelsAtLeastHalfTheMaximum)
{
  LIVER_REQUIRE_DATA(segPath, "dcmqi/liver.dcm");
  const DicomSegmentation binary = readDicomSegmentation(segPath);
  ASSERT_EQ(binary.layers.size(), 1u);
  // The same SEG made FRACTIONAL: a liver voxel 100 or 200, any other 0 or 99.
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(segPath.c_str()).good());
  DcmDataset& ds = *file.getDataset();
  const Uint8* packed = nullptr;
  unsigned long packedBytes = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, packed, &packedBytes).good());
  const std::size_t voxels = 512 * 512 * 3;
  ASSERT_EQ(packedBytes, voxels / 8);
  std::vector<Uint8> fractional(voxels);
  for (std::size_t p = 0; p < voxels; ++p)
    fractional[p] = (packed[p / 8] >> (p % 8)) & 1 ? (p % 2 ? 200 : 100) : (p % 3 ? 0 : 99);
  ASSERT_TRUE(ds.putAndInsertString(DCM_SegmentationType, "FRACTIONAL").good());
  ASSERT_TRUE(ds.putAndInsertString(DCM_SegmentationFractionalType, "PROBABILITY").good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_BitsAllocated, 8).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_BitsStored, 8).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_HighBit, 7).good());
  ASSERT_TRUE(ds.putAndInsertUint8Array(DCM_PixelData, fractional.data(), voxels).good());
  const std::string dir = test::makeTempDir("dicom_seg_fractional");
  // Maximum 200: at least 100 is in (every liver voxel); maximum 201: at least 100.5 (the 200s).
  for (const Uint16 maximum : { 200, 201 })
  {
    ASSERT_TRUE(ds.putAndInsertUint16(DCM_MaximumFractionalValue, maximum).good());
    const std::string path = dir + "/fractional-" + std::to_string(maximum) + ".dcm";
    ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
    const DicomSegmentation seg = readDicomSegmentation(path);
    EXPECT_EQ(seg.segmentationType, "FRACTIONAL");
    ASSERT_EQ(seg.layers.size(), 1u);
    ASSERT_EQ(seg.layers[0]->GetLargestPossibleRegion(),
              binary.layers[0]->GetLargestPossibleRegion());
    const std::uint16_t* in = binary.layers[0]->GetBufferPointer();
    const std::uint16_t* out = seg.layers[0]->GetBufferPointer();
    std::uint64_t expected = 0, mismatches = 0;
    for (std::size_t p = 0; p < voxels; ++p)
    {
      // A frame has 512 x 512 voxels (even): a voxel's parity is the same in the frames and in the
      // layer, whatever order the frames come in.
      const bool inSegment = in[p] != 0 && (maximum == 200 || p % 2 == 1);
      expected += inSegment;
      mismatches += (out[p] != 0) != inSegment;
    }
    EXPECT_EQ(mismatches, 0u) << maximum;
    EXPECT_EQ(seg.segments.at(0).voxels, expected) << maximum;
    if (maximum == 200)
      EXPECT_EQ(expected, 107098u);
    else
      EXPECT_TRUE(expected > 50000 && expected < 57000) << expected; // about half
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

// ---------------------------------------------------------------------------------------------
// SEG out: an analysis of the phantom's DICOM series written as one SEG, validated by dciodvfy,
// re-read by DCMTK's dcmseg and by LiverPlan's own import, voxel for voxel.

namespace
{

/// The phantom (4 mm voxels) as a DICOM series, analysed with its true labels and two plans,
/// and the analysis written as a DICOM SEG: made once for the tests below.
struct SegCase
{
  std::string phantom, analysis, seg;
  test::CommandResult analyze, export_;
};

const SegCase& segCase()
{
  static const SegCase c = []
  {
    SegCase s;
    s.phantom =
      test::writePhantomFolder("dicom-seg-phantom", { "--spacing", "4", "--seed", "3", "--dicom" });
    s.analysis = s.phantom + "/analysis";
    s.analyze = test::runLiverplan({ "analyze",
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
                                     "--out",
                                     s.analysis });
    s.seg = s.analysis + "/dicom/seg.dcm";
    if (s.analyze.exitCode == 0)
      s.export_ = test::runLiverplan({ "dicom-seg", s.analysis });
    return s;
  }();
  return c;
}

std::uint64_t countValue(const LabelImage& image, std::uint16_t value)
{
  const std::uint16_t* p = image.GetBufferPointer();
  std::uint64_t n = 0;
  for (std::size_t i = 0, size = image.GetLargestPossibleRegion().GetNumberOfPixels(); i < size;
       ++i)
    n += value == 0 ? p[i] != 0 : p[i] == value;
  return n;
}

/// A SEG layer (its own grid: the slices that have frames) placed on `grid` by physical position.
LabelImage::Pointer onGrid(const LabelImage& layer, const LabelImage& grid)
{
  auto out = LabelImage::New();
  out->CopyInformation(&grid);
  out->SetRegions(grid.GetLargestPossibleRegion());
  out->Allocate(true);
  itk::ImageRegionConstIteratorWithIndex<LabelImage> it(&layer, layer.GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    if (it.Get() == 0)
      continue;
    LabelImage::PointType point;
    layer.TransformIndexToPhysicalPoint(it.GetIndex(), point);
    LabelImage::IndexType index;
    if (!grid.TransformPhysicalPointToIndex(point, index))
      ADD_FAILURE() << "SEG voxel outside the CT grid";
    else
      out->SetPixel(index, it.Get());
  }
  return out;
}

const DicomSegSegment* segmentLabelled(const DicomSegmentation& seg, const std::string& label)
{
  for (const DicomSegSegment& s : seg.segments)
    if (s.label == label)
      return &s;
  return nullptr;
}

/// Voxels of `layer` equal to `value` are exactly the voxels of `map` equal to `mapValue`.
bool sameVoxels(const LabelImage& layer,
                std::uint16_t value,
                const LabelImage& map,
                std::uint16_t mapValue)
{
  const std::size_t n = map.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    if ((layer.GetBufferPointer()[i] == value) !=
        (mapValue == 0 ? map.GetBufferPointer()[i] != 0 : map.GetBufferPointer()[i] == mapValue))
      return false;
  return true;
}

} // namespace

TEST(DicomSegOut, EverySegmentRereadsVoxelForVoxel)
{
  const SegCase& c = segCase();
  ASSERT_EQ(c.analyze.exitCode, 0) << c.analyze.err;
  ASSERT_EQ(c.export_.exitCode, 0) << c.export_.err;
  ASSERT_TRUE(isDicomSegmentation(c.seg));
  const DicomSegmentation seg = readDicomSegmentation(c.seg);
  const LabelImage::Pointer liver = loadLabels(c.analysis + "/liver.nii.gz");
  const LabelImage::Pointer lesions = loadLabels(c.analysis + "/lesions.nii.gz");
  const LabelImage::Pointer segments = loadLabels(c.analysis + "/segments.nii.gz");
  ASSERT_GE(seg.layers.size(), 2u); // the liver overlaps its lesions and segments
  // The SEG's own grid: the CT's slices that hold a frame, on the CT's lattice.
  EXPECT_EQ(seg.layers[0]->GetSpacing(), liver->GetSpacing());
  EXPECT_EQ(seg.layers[0]->GetDirection(), liver->GetDirection());
  std::vector<LabelImage::Pointer> layers;
  for (const auto& layer : seg.layers)
    layers.push_back(onGrid(*layer, *liver));

  const DicomSegSegment* l = segmentLabelled(seg, "Liver");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->type.value, "10200004");
  EXPECT_EQ(l->category.value, "123037004");
  EXPECT_EQ(l->voxels, countValue(*liver, 0));
  EXPECT_TRUE(sameVoxels(*layers[l->layer], l->value, *liver, 0));

  const nlohmann::json result = test::readJson(c.analysis + "/result.json");
  const auto lesionCount = result["volumetry"]["lesions"].size();
  ASSERT_GT(lesionCount, 0u);
  for (std::size_t k = 1; k <= lesionCount; ++k)
  {
    const DicomSegSegment* s = segmentLabelled(seg, "Lesion " + std::to_string(k));
    ASSERT_NE(s, nullptr) << k;
    EXPECT_EQ(s->type.value, "108369006");
    EXPECT_EQ(s->codeRole, "tumour");
    EXPECT_TRUE(sameVoxels(*layers[s->layer], s->value, *lesions, static_cast<std::uint16_t>(k)))
      << k;
  }
  for (int k = 1; k <= 8; ++k)
  {
    const DicomSegSegment* s = segmentLabelled(seg, "Couinaud segment " + std::to_string(k));
    ASSERT_NE(s, nullptr) << k;
    EXPECT_EQ(s->type.value, codes::couinaudSegment(k).value);
    EXPECT_TRUE(sameVoxels(*layers[s->layer], s->value, *segments, static_cast<std::uint16_t>(k)))
      << k;
  }
  // Plans: remnant (1), resected (2), ablation zone (3) of each remnant map.
  for (std::size_t p = 0; p < result["plans"].size(); ++p)
  {
    const std::string file = result["plans"][p]["remnantFile"].get<std::string>();
    const LabelImage::Pointer map = loadLabels(c.analysis + "/" + file);
    const char* parts[] = { "remnant", "resected", "ablation zone" };
    for (std::uint16_t v = 1; v <= 3; ++v)
    {
      const DicomSegSegment* s =
        segmentLabelled(seg, "Plan " + std::to_string(p + 1) + " " + parts[v - 1]);
      if (countValue(*map, v) == 0)
      {
        EXPECT_EQ(s, nullptr) << "empty segment written: " << parts[v - 1];
        continue;
      }
      ASSERT_NE(s, nullptr) << p << " " << parts[v - 1];
      EXPECT_TRUE(s->planSegment);
      EXPECT_TRUE(sameVoxels(*layers[s->layer], s->value, *map, v)) << p << " " << v;
    }
  }
  EXPECT_NE(segmentLabelled(seg, "Plan 2 ablation zone"), nullptr);
}

TEST(DicomSegOut, ImportedBackItGivesTheAnalysisLabels)
{
  const SegCase& c = segCase();
  ASSERT_EQ(c.export_.exitCode, 0) << c.export_.err;
  const LabelImage::Pointer liver = loadLabels(c.analysis + "/liver.nii.gz");
  const LabelImage::Pointer lesions = loadLabels(c.analysis + "/lesions.nii.gz");
  const LabelImage::Pointer segments = loadLabels(c.analysis + "/segments.nii.gz");
  LabelImportOptions options;
  options.liverPath = c.seg;
  const ImportedLabels imported = importLabels(options, *liver);
  ASSERT_TRUE(imported.labels.liver && imported.labels.lesions && imported.labels.segments);
  EXPECT_TRUE(sameVoxels(*imported.labels.liver, 1, *liver, 0));
  for (std::uint16_t k = 1; k <= 8; ++k)
    EXPECT_TRUE(sameVoxels(*imported.labels.segments, k, *segments, k)) << k;
  // One lesion per lesion segment, in file order: the same ids.
  const nlohmann::json result = test::readJson(c.analysis + "/result.json");
  EXPECT_EQ(imported.lesionCount, result["volumetry"]["lesions"].size());
  for (std::uint16_t k = 1; k <= imported.lesionCount; ++k)
    EXPECT_TRUE(sameVoxels(*imported.labels.lesions, k, *lesions, k)) << k;
  bool planIgnored = false;
  for (const std::string& note : imported.notes)
    planIgnored = planIgnored || note.find("Plan 1 remnant") != std::string::npos;
  EXPECT_TRUE(planIgnored);
}

TEST(DicomSegOut, DcmtkReadsItAndDciodvfyFindsNoError)
{
  const SegCase& c = segCase();
  ASSERT_EQ(c.export_.exitCode, 0) << c.export_.err;
  // DCMTK's own SEG reader: the same segments and, per segment, the same voxels set.
  DcmSegmentation* raw = nullptr;
  ASSERT_TRUE(DcmSegmentation::loadFile(c.seg.c_str(), raw).good());
  std::unique_ptr<DcmSegmentation> dcmtk(raw);
  const DicomSegmentation ours = readDicomSegmentation(c.seg);
  ASSERT_EQ(dcmtk->getNumberOfSegments(), ours.segments.size());
  for (const DicomSegSegment& s : ours.segments)
  {
    OFVector<size_t> frames;
    dcmtk->getFramesForSegment(s.number, frames);
    std::uint64_t set = 0;
    for (size_t f : frames)
    {
      const DcmIODTypes::Frame* frame = dcmtk->getFrame(f);
      ASSERT_NE(frame, nullptr);
      for (size_t b = 0; b < frame->length; ++b)
        set += static_cast<std::uint64_t>(__builtin_popcount(frame->pixData[b]));
    }
    EXPECT_EQ(set, s.voxels) << s.label;
  }

  // dciodvfy last: skipped (reported as such by ctest) where dicom3tools is absent.
  if (std::system("command -v dciodvfy >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "dciodvfy (Debian dicom3tools) not installed";
  const std::string log = c.analysis + "/dciodvfy.txt";
  std::system(("dciodvfy '" + c.seg + "' > '" + log + "' 2>&1").c_str());
  std::ifstream in(log);
  std::string line, errors;
  std::size_t lines = 0;
  while (std::getline(in, line))
  {
    ++lines;
    if (line.rfind("Error", 0) == 0)
      errors += line + "\n";
  }
  EXPECT_GT(lines, 0u);
  EXPECT_EQ(errors, "") << readBytes(log);
}

TEST(DicomSegOut, RefusesANonDicomCtWithExitCode2)
{
  const SegCase& c = segCase();
  ASSERT_EQ(c.analyze.exitCode, 0) << c.analyze.err;
  const std::string dir = test::makeTempDir("dicom_seg_nifti");
  const test::CommandResult analyze = test::runLiverplan({ "analyze",
                                                           c.phantom + "/ct.nii.gz",
                                                           "--liver",
                                                           c.phantom + "/liver.nii.gz",
                                                           "--out",
                                                           dir + "/a" });
  ASSERT_EQ(analyze.exitCode, 0) << analyze.err;
  const test::CommandResult r = test::runLiverplan({ "dicom-seg", dir + "/a" });
  test::expectOneLineError(r, test::ExitBadInput, "DICOM CT series");
  EXPECT_FALSE(fs::exists(dir + "/a/dicom/seg.dcm"));
}
