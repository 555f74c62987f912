/// DICOM folders as PACS exports deliver them: several series, a localizer, a SEG object and
/// stray files. Built from the phantom's own DICOM writer, modified with GDCM.

#include "test_support.h"

#include "dicom_stream.h" // imaging/src: the walk itself

#include <liver/data/phantom.h>
#include <liver/imaging/dicom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <gdcmAttribute.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmImageWriter.h>
#include <gdcmReader.h>
#include <gdcmWriter.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

void setText(gdcm::DataSet& ds, std::uint16_t group, std::uint16_t element, std::string value)
{
  if (value.size() % 2)
    value.push_back(' ');
  gdcm::DataElement de(gdcm::Tag(group, element));
  de.SetByteValue(value.data(), static_cast<std::uint32_t>(value.size()));
  ds.Replace(de);
}

/// Rewrite `file` into `target` with the given tags replaced.
void rewrite(const std::string& file,
             const std::string& target,
             const std::vector<std::tuple<std::uint16_t, std::uint16_t, std::string>>& tags)
{
  gdcm::Reader reader;
  reader.SetFileName(file.c_str());
  if (!reader.Read())
    throw std::runtime_error("cannot read " + file);
  for (const auto& [group, element, value] : tags)
    setText(reader.GetFile().GetDataSet(), group, element, value);
  gdcm::Writer writer;
  writer.SetFile(reader.GetFile());
  writer.SetFileName(target.c_str());
  if (!writer.Write())
    throw std::runtime_error("cannot write " + target);
}

/// A study folder: the main 8 mm series (30 slices), a 12 mm series of the same patient
/// (20 slices), a sagittal localizer, a SEG-like object, a text file, all in nested folders.
struct Study
{
  std::string root;
  std::string mainSeriesUid;
  std::string thickSeriesUid;
  std::size_t mainSlices = 0;
};

const Study& study()
{
  static const Study s = []
  {
    Study st;
    st.root = test::makeTempDir("study");
    PhantomOptions fine;
    fine.spacingMm = { 8.0, 8.0, 8.0 };
    const Phantom a = makePhantom(fine);
    writePhantomDicom(a, st.root + "/series-a");
    st.mainSeriesUid = a.study.seriesInstanceUid;
    st.mainSlices = a.ct->GetLargestPossibleRegion().GetSize()[2];

    PhantomOptions thick = fine;
    thick.spacingMm = { 8.0, 8.0, 12.0 };
    thick.seed = 2;
    const Phantom b = makePhantom(thick);
    writePhantomDicom(b, st.root + "/nested/deeper/series-b");
    st.thickSeriesUid = b.study.seriesInstanceUid;

    // A localizer: 40 "slices" so it has more than either series, sagittal, LOCALIZER.
    fs::create_directories(st.root + "/scout");
    const std::vector<std::string> files = test::listDir(st.root + "/series-a");
    for (std::size_t i = 0; i < 40; ++i)
      rewrite(st.root + "/series-a/" + files[std::min(i, files.size() - 1)],
              st.root + "/scout/" + std::to_string(i) + ".dcm",
              { { 0x0008, 0x0008, "ORIGINAL\\PRIMARY\\LOCALIZER" },
                { 0x0020, 0x000e, "2.25.1234567890" },
                { 0x0008, 0x0018, "2.25.99" + std::to_string(i) },
                { 0x0020, 0x0037, "0\\1\\0\\0\\0\\-1" },
                { 0x0020, 0x0032, std::to_string(i) + "\\0\\0" } });
    // A segmentation object with many "frames" must be ignored by SOP class.
    rewrite(st.root + "/series-a/" + files[0],
            st.root + "/seg.dcm",
            { { 0x0008, 0x0016, "1.2.840.10008.5.1.4.1.1.66.4" },
              { 0x0008, 0x0060, "SEG" },
              { 0x0020, 0x000e, "2.25.555" },
              { 0x0028, 0x0008, "500" } });
    std::ofstream(st.root + "/README.txt") << "export notes\n";
    std::ofstream(st.root + "/DICOMDIR.bak") << "garbage that is not DICOM";
    return st;
  }();
  return s;
}

} // namespace

TEST(DicomFolder, ScanGroupsSeriesAndFlagsLocalizerAndSkipsOthers)
{
  const auto series = scanDicomDirectory(study().root);
  ASSERT_EQ(series.size(), 3u); // main, thick, localizer; SEG and text files skipped
  int localizers = 0;
  for (const DicomSeries& s : series)
  {
    localizers += s.isLocalizer;
    EXPECT_EQ(s.modality, "CT");
  }
  EXPECT_EQ(localizers, 1);
}

TEST(DicomFolder, ChoosesTheThinnestCoveringCtSeries)
{
  const CtVolume ct = loadCt(study().root);
  EXPECT_EQ(ct.study.seriesInstanceUid, study().mainSeriesUid);
  EXPECT_EQ(ct.image->GetLargestPossibleRegion().GetSize()[2], study().mainSlices);
  // Both series cover 228+ mm and are portal venous ORIGINAL/PRIMARY: the 8 mm one is thinner.
  EXPECT_NE(ct.load.warnings.front().find("covers the liver"), std::string::npos);
  EXPECT_NE(ct.load.warnings.front().find("portal venous"), std::string::npos);
  EXPECT_EQ(ct.study.contrastPhaseGuess, "portal-venous");
  EXPECT_EQ(ct.study.studyDate, "20260101");
}

TEST(DicomFolder, SeriesOptionPicksAnotherSeriesOrFailsByName)
{
  CtLoadOptions options;
  options.seriesUid = study().thickSeriesUid;
  const CtVolume ct = loadCt(study().root, options);
  EXPECT_EQ(ct.study.seriesInstanceUid, study().thickSeriesUid);
  EXPECT_DOUBLE_EQ(ct.image->GetSpacing()[2], 12.0);
  options.seriesUid = "1.2.3.4.5";
  try
  {
    loadCt(study().root, options);
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("1.2.3.4.5 not found"), std::string::npos);
  }
}

TEST(DicomFolder, LoadedSeriesEqualsThePhantomVoxelForVoxel)
{
  PhantomOptions fine;
  fine.spacingMm = { 8.0, 8.0, 8.0 };
  const Phantom a = makePhantom(fine);
  const CtVolume ct = loadCt(study().root + "/series-a");
  ASSERT_EQ(ct.image->GetLargestPossibleRegion(), a.ct->GetLargestPossibleRegion());
  const std::size_t n = a.ct->GetLargestPossibleRegion().GetNumberOfPixels();
  EXPECT_TRUE(std::equal(
    a.ct->GetBufferPointer(), a.ct->GetBufferPointer() + n, ct.image->GetBufferPointer()));
  EXPECT_LT(ct.image->GetOrigin().EuclideanDistanceTo(a.ct->GetOrigin()), 1e-4);
  EXPECT_TRUE(ct.load.uniformSpacing);
  EXPECT_FALSE(ct.load.resampled);
}

namespace
{
DicomSeries candidate(const std::string& uid, double thicknessMm, int slices)
{
  DicomSeries s;
  s.seriesInstanceUid = uid;
  s.modality = "CT";
  s.isAxial = true;
  s.isOriginalPrimary = true;
  s.sliceThicknessMm = thicknessMm;
  s.frameCount = slices;
  s.zExtentMm = thicknessMm * (slices - 1);
  return s;
}
} // namespace

TEST(SeriesChoice, RanksCoverageThenOriginalThenPortalVenousThenThinnerThenMoreSlices)
{
  DicomSeries thinShort = candidate("thin-short", 0.625, 100); // 62 mm: not the whole liver
  DicomSeries thick = candidate("thick", 5.0, 60);             // 295 mm
  DicomSeries medium = candidate("medium", 2.0, 150);          // 298 mm
  DicomSeries derived = candidate("derived", 1.0, 300);        // a reformat
  derived.isOriginalPrimary = false;
  DicomSeries arterial = candidate("arterial", 2.0, 150);
  DicomSeries venous = candidate("venous", 2.0, 150);
  venous.isPortalVenous = true;
  DicomSeries scout = candidate("scout", 1.0, 3);
  scout.isLocalizer = true;
  DicomSeries sagittal = candidate("sagittal", 1.0, 300);
  sagittal.isAxial = false;
  DicomSeries seg = candidate("seg", 1.0, 300);
  seg.modality = "SEG";
  DicomSeries single = candidate("single", 1.0, 1);

  auto chosen = [](const std::vector<DicomSeries>& series)
  { return chooseSeriesForAnalysis(series).chosen->seriesInstanceUid; };
  EXPECT_EQ(chosen({ thinShort, thick }), "thick");  // coverage first
  EXPECT_EQ(chosen({ derived, thick }), "thick");    // ORIGINAL/PRIMARY before thinness
  EXPECT_EQ(chosen({ arterial, venous }), "venous"); // portal venous preferred
  EXPECT_EQ(chosen({ thick, medium }), "medium");    // thinner
  DicomSeries more = candidate("more", 2.0, 160);
  EXPECT_EQ(chosen({ medium, more }), "more"); // then more slices
  const SeriesChoice none = chooseSeriesForAnalysis({ scout, sagittal, seg, single });
  EXPECT_EQ(none.chosen, nullptr);
  ASSERT_EQ(none.passedOver.size(), 4u);
  EXPECT_EQ(none.passedOver[0].second, "localizer");
  EXPECT_EQ(none.passedOver[1].second, "not axial");
  EXPECT_EQ(none.passedOver[2].second, "modality SEG");
  EXPECT_EQ(none.passedOver[3].second, "1 slice(s)");
}

TEST(DicomFolder, ScanPrintsTheInventoryAndTheChoice)
{
  const std::string json = test::makeTempDir("scan") + "/inventory.json";
  const test::CommandResult r = test::runLiverplan({ "scan", study().root, "--json", json });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // Two studies: the phantom of seed 1 (main series and its localizer) and that of seed 2.
  EXPECT_TRUE(test::contains(r.out, "2 studies, 2 analysable")) << r.out;
  const nlohmann::json j = test::readJson(json);
  ASSERT_EQ(j["studies"].size(), 2u);
  std::map<std::string, std::string> status, chosen;
  for (const auto& s : j["studies"])
    for (const auto& series : s["series"])
    {
      status[series["seriesInstanceUid"].get<std::string>()] = series["status"].get<std::string>();
      chosen[series["seriesInstanceUid"].get<std::string>()] =
        s["chosenSeries"].is_null() ? "" : s["chosenSeries"].get<std::string>();
    }
  EXPECT_EQ(status[study().mainSeriesUid], "chosen");
  EXPECT_EQ(status[study().thickSeriesUid], "chosen"); // alone in its study
  EXPECT_EQ(status["2.25.1234567890"], "localizer");
  EXPECT_EQ(chosen["2.25.1234567890"], study().mainSeriesUid);
  // An empty folder is bad input.
  const std::string empty = test::makeTempDir("scan-empty");
  EXPECT_EQ(test::runLiverplan({ "scan", empty }).exitCode, 2);
}

TEST(DicomFolder, CompressedSeriesDecodeInParallelToIdenticalHu)
{
  // The phantom's series re-encoded with each lossless codec decodes, slice by slice on all
  // cores, to exactly the voxels of the uncompressed series.
  const std::string source = study().root + "/series-a";
  const CtVolume reference = loadCt(source);
  const std::size_t n = reference.image->GetLargestPossibleRegion().GetNumberOfPixels();
  for (const gdcm::TransferSyntax::TSType syntax : { gdcm::TransferSyntax::JPEGLSLossless,
                                                     gdcm::TransferSyntax::JPEGLosslessProcess14_1,
                                                     gdcm::TransferSyntax::JPEG2000Lossless,
                                                     gdcm::TransferSyntax::RLELossless })
  {
    const std::string dir = test::makeTempDir("codec");
    for (const std::string& name : test::listDir(source))
    {
      gdcm::ImageReader reader;
      reader.SetFileName((source + "/" + name).c_str());
      ASSERT_TRUE(reader.Read()) << name;
      gdcm::ImageChangeTransferSyntax change;
      change.SetTransferSyntax(syntax);
      change.SetInput(reader.GetImage());
      ASSERT_TRUE(change.Change()) << gdcm::TransferSyntax::GetTSString(syntax);
      gdcm::ImageWriter writer;
      writer.SetFile(reader.GetFile());
      writer.SetImage(change.GetOutput());
      writer.SetFileName((dir + "/" + name).c_str());
      ASSERT_TRUE(writer.Write());
    }
    const CtVolume ct = loadCt(dir);
    EXPECT_EQ(ct.study.transferSyntaxUid, gdcm::TransferSyntax::GetTSString(syntax));
    ASSERT_EQ(ct.image->GetLargestPossibleRegion(), reference.image->GetLargestPossibleRegion());
    EXPECT_TRUE(std::equal(reference.image->GetBufferPointer(),
                           reference.image->GetBufferPointer() + n,
                           ct.image->GetBufferPointer()))
      << gdcm::TransferSyntax::GetTSString(syntax);
  }
}

namespace
{

/// A copy of the main series with `edit` applied to every file's data set.
std::string editedSeries(const std::string& tag, const std::function<void(gdcm::DataSet&)>& edit)
{
  const std::string dir = test::makeTempDir("dicom-" + tag);
  const std::string source = study().root + "/series-a";
  for (const std::string& name : test::listDir(source))
  {
    gdcm::Reader reader;
    reader.SetFileName((source + "/" + name).c_str());
    if (!reader.Read())
      throw std::runtime_error("cannot read " + name);
    edit(reader.GetFile().GetDataSet());
    gdcm::Writer writer;
    writer.SetFile(reader.GetFile());
    writer.SetFileName((dir + "/" + name).c_str());
    if (!writer.Write())
      throw std::runtime_error("cannot write " + name);
  }
  return dir;
}

} // namespace

TEST(DicomHeader, LyingGeometryAndPixelFormatAreRefusedNamingTheTag)
{
  auto text = [](std::uint16_t g, std::uint16_t e, const std::string& v)
  { return [=](gdcm::DataSet& ds) { setText(ds, g, e, v); }; };
  const std::vector<std::tuple<std::string, std::function<void(gdcm::DataSet&)>, std::string>>
    cases = {
      { "spacing-zero", text(0x0028, 0x0030, "0\\0.8"), "PixelSpacing (0028,0030)" },
      { "spacing-negative", text(0x0028, 0x0030, "-8\\-8"), "PixelSpacing (0028,0030)" },
      { "spacing-nan", text(0x0028, 0x0030, "nan\\8"), "PixelSpacing (0028,0030)" },
      { "thickness-negative", text(0x0018, 0x0050, "-8"), "SliceThickness (0018,0050)" },
      { "thickness-nan", text(0x0018, 0x0050, "nan"), "SliceThickness (0018,0050)" },
      { "rows-absurd",
        [](gdcm::DataSet& ds)
        {
          gdcm::Attribute<0x0028, 0x0010> rows{ 60000 };
          ds.Replace(rows.GetAsDataElement());
        },
        "Rows x Columns" },
      { "bits-allocated",
        [](gdcm::DataSet& ds)
        {
          gdcm::Attribute<0x0028, 0x0100> bits{ 12 };
          ds.Replace(bits.GetAsDataElement());
        },
        "BitsAllocated (0028,0100)" },
      { "bits-stored",
        [](gdcm::DataSet& ds)
        {
          gdcm::Attribute<0x0028, 0x0101> bits{ 24 };
          ds.Replace(bits.GetAsDataElement());
        },
        "BitsStored (0028,0101)" },
      { "bits-allocated-8",
        [](gdcm::DataSet& ds)
        {
          gdcm::Attribute<0x0028, 0x0100> bits{ 8 };
          gdcm::Attribute<0x0028, 0x0101> stored{ 8 };
          gdcm::Attribute<0x0028, 0x0102> high{ 7 };
          ds.Replace(bits.GetAsDataElement());
          ds.Replace(stored.GetAsDataElement());
          ds.Replace(high.GetAsDataElement());
        },
        "PixelData" },
    };
  for (const auto& [name, edit, expected] : cases)
  {
    SCOPED_TRACE(name);
    const std::string dir = editedSeries(name, edit);
    try
    {
      loadCt(dir);
      ADD_FAILURE() << "loaded";
    }
    catch (const InputError& e)
    {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(DicomDuplicates, TruncatedSecondCopyOfAnInstanceIsSkippedWithAWarning)
{
  const std::string source = study().root + "/series-a";
  const std::vector<std::string> files = test::listDir(source);
  const CtVolume clean = loadCt(source);
  for (const std::string copyName : { "aa-copy.dcm", "zz-copy.dcm" }) // before and after
  {
    SCOPED_TRACE(copyName);
    const std::string dir = test::makeTempDir("dicom-duplicate");
    for (const std::string& f : files)
      fs::copy_file(source + "/" + f, dir + "/" + f);
    fs::copy_file(source + "/" + files[5], dir + "/" + copyName);
    fs::resize_file(dir + "/" + copyName, fs::file_size(dir + "/" + copyName) - 4000);
    const CtVolume ct = loadCt(dir);
    const std::size_t n = clean.image->GetLargestPossibleRegion().GetNumberOfPixels();
    ASSERT_EQ(ct.image->GetLargestPossibleRegion(), clean.image->GetLargestPossibleRegion());
    EXPECT_TRUE(std::equal(clean.image->GetBufferPointer(),
                           clean.image->GetBufferPointer() + n,
                           ct.image->GetBufferPointer()));
    bool warned = false;
    for (const std::string& w : ct.load.warnings)
      warned |= w.find("SOPInstanceUID") != std::string::npos &&
                w.find("kept " + dir + "/" + files[5]) != std::string::npos &&
                w.find("truncated") != std::string::npos;
    EXPECT_TRUE(warned) << ::testing::PrintToString(ct.load.warnings);
  }
  // An intact second "copy" with other pixel data (another slice given the same UID) is an error.
  const std::string dir = test::makeTempDir("dicom-duplicate-differs");
  for (const std::string& f : files)
    fs::copy_file(source + "/" + f, dir + "/" + f);
  gdcm::Reader reader;
  reader.SetFileName((source + "/" + files[5]).c_str());
  ASSERT_TRUE(reader.Read());
  const gdcm::DataElement& sop =
    reader.GetFile().GetDataSet().GetDataElement(gdcm::Tag(0x0008, 0x0018));
  const std::string uid(sop.GetByteValue()->GetPointer(), sop.GetByteValue()->GetLength());
  rewrite(source + "/" + files[9], dir + "/zz-other.dcm", { { 0x0008, 0x0018, uid } });
  try
  {
    loadCt(dir);
    ADD_FAILURE() << "two different images under one SOPInstanceUID loaded";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("different pixel data"), std::string::npos) << e.what();
  }
}

namespace
{

std::string readBytes(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void writeBytes(const std::string& path, const std::string& bytes)
{
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Little-endian bytes of a tag, optionally followed by an explicit VR.
std::string tagBytes(std::uint16_t group, std::uint16_t element, const std::string& vr = "")
{
  return std::string{ static_cast<char>(group & 0xff),
                      static_cast<char>(group >> 8),
                      static_cast<char>(element & 0xff),
                      static_cast<char>(element >> 8) } +
         vr;
}

std::string le32(std::uint32_t v)
{
  return { static_cast<char>(v & 0xff),
           static_cast<char>(v >> 8 & 0xff),
           static_cast<char>(v >> 16 & 0xff),
           static_cast<char>(v >> 24) };
}

/// 4294967040 bytes (4.3 GB): the length a mutated file claimed in a 200 kB file.
constexpr std::uint32_t HugeLength = 0xFFFFFF00;

/// `loadCt(path)` is an InputError naming `file` and `part`.
void expectRefused(const std::string& path, const std::string& file, const std::string& part)
{
  try
  {
    loadCt(path);
    ADD_FAILURE() << path << " loaded";
  }
  catch (const InputError& e)
  {
    EXPECT_EQ(e.file(), file) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

} // namespace

TEST(DicomStream, LengthsPastTheEndOfTheFileAreRefusedBeforeGdcmAllocatesThem)
{
  // GDCM allocates what an element's length claims before it notices the file is shorter: a
  // 4.3 GB claim in an 8 kB slice is refused by our walk of the elements, naming the element.
  const std::string source = study().root + "/series-a";
  const std::vector<std::string> files = test::listDir(source);
  const std::string slice = readBytes(source + "/" + files[3]);
  const std::size_t pixelData = slice.find(tagBytes(0x7fe0, 0x0010, "OW"));
  ASSERT_NE(pixelData, std::string::npos);
  const std::string claim = "claims " + std::to_string(HugeLength) + " bytes";

  // PixelData (7FE0,0010): one file, and that file within its series.
  std::string lying = slice;
  lying.replace(pixelData + 8, 4, le32(HugeLength));
  const std::string dir = test::makeTempDir("dicom-huge-length");
  writeBytes(dir + "/one.dcm", lying);
  expectRefused(dir + "/one.dcm",
                dir + "/one.dcm",
                "element (7FE0,0010) at byte " + std::to_string(pixelData) + " " + claim);
  const std::string series = test::makeTempDir("dicom-huge-length-series");
  for (const std::string& f : files)
    fs::copy_file(source + "/" + f, series + "/" + f);
  writeBytes(series + "/" + files[3], lying);
  expectRefused(series, series + "/" + files[3], "element (7FE0,0010)");

  // Inside an item of undefined length of a sequence of undefined length (inserted before the
  // pixel data): the nested UT element's claim is what is named.
  const std::string nested = tagBytes(0x0040, 0xa730, "SQ") + std::string(2, '\0') +
                             le32(0xFFFFFFFF) + tagBytes(0xfffe, 0xe000) + le32(0xFFFFFFFF) +
                             tagBytes(0x0040, 0xa160, "UT") + std::string(2, '\0') +
                             le32(HugeLength) + "text";
  std::string inSequence = slice;
  inSequence.insert(pixelData, nested);
  writeBytes(dir + "/nested.dcm", inSequence);
  expectRefused(dir + "/nested.dcm",
                dir + "/nested.dcm",
                "element (0040,A160) at byte " + std::to_string(pixelData + 20) + " " + claim);

  // Implicit VR little endian: PatientName (0010,0010) with a 4-byte length.
  gdcm::ImageReader reader;
  reader.SetFileName((source + "/" + files[3]).c_str());
  ASSERT_TRUE(reader.Read());
  gdcm::ImageChangeTransferSyntax change;
  change.SetTransferSyntax(gdcm::TransferSyntax::ImplicitVRLittleEndian);
  change.SetInput(reader.GetImage());
  ASSERT_TRUE(change.Change());
  gdcm::ImageWriter writer;
  writer.SetFile(reader.GetFile());
  writer.SetImage(change.GetOutput());
  writer.SetFileName((dir + "/implicit.dcm").c_str());
  ASSERT_TRUE(writer.Write());
  EXPECT_NO_THROW(loadCt(dir + "/implicit.dcm"));
  std::string implicit = readBytes(dir + "/implicit.dcm");
  const std::size_t name = implicit.find(tagBytes(0x0010, 0x0010), 132);
  ASSERT_NE(name, std::string::npos);
  implicit.replace(name + 4, 4, le32(HugeLength));
  writeBytes(dir + "/implicit.dcm", implicit);
  expectRefused(dir + "/implicit.dcm", dir + "/implicit.dcm", "element (0010,0010)");

  // A file that ends inside an element header (GDCM asserts, i.e. aborts, on some of those).
  writeBytes(dir + "/cut.dcm", slice.substr(0, pixelData + 7));
  expectRefused(dir + "/cut.dcm",
                dir + "/cut.dcm",
                "element header at byte " + std::to_string(pixelData) +
                  " cut off after 7 byte(s) by the end of the file");

  // SamplesPerPixel above 4 (GDCM asserts, i.e. aborts, on it).
  std::string samples = slice;
  const std::size_t spp = samples.find(tagBytes(0x0028, 0x0002, "US"));
  ASSERT_NE(spp, std::string::npos);
  samples[spp + 8] = 5;
  writeBytes(dir + "/samples.dcm", samples);
  expectRefused(dir + "/samples.dcm", dir + "/samples.dcm", "(SamplesPerPixel) is 5, more than 4");

  // Only a file meta group, no data set (GDCM's meta reader asserts, i.e. aborts, on it).
  writeBytes(dir + "/meta-only.dcm", slice.substr(0, 144));
  expectRefused(
    dir + "/meta-only.dcm", dir + "/meta-only.dcm", "ends after its file meta group: no data set");

  // The command line: exit 2, one line naming the file and the element.
  test::expectOneLineError(
    test::runLiverplan({ "info", dir + "/one.dcm" }), test::ExitBadInput, "(7FE0,0010)");
}

TEST(DicomStream, EveryRealDicomFileWalksClean)
{
  // Every real file (implicit, explicit, big endian and deflated transfer syntaxes, encapsulated
  // fragments, enhanced multi-frame, SEG objects with nested sequences) passes the walk.
  LIVER_REQUIRE_DATA(data, "dicom_codecs");
  std::size_t sound = 0;
  for (const char* folder :
       { "dicom_codecs", "dicom_misc", "dcmqi", "dcm_qa_ct_ge", "ircad/patient01/dicom" })
  {
    const std::string dir = test::testDataPath(folder);
    if (dir.empty())
      continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
    {
      if (!entry.is_regular_file())
        continue;
      const detail::DicomStreamCheck check = detail::checkDicomStream(entry.path().string());
      EXPECT_NE(check.verdict, detail::DicomStreamCheck::Verdict::Broken)
        << entry.path() << ": " << check.problem;
      if (check.sopClassUid != "1.2.840.10008.5.1.4.1.1.66.4") // SEG: 1 bit, never decoded by GDCM
      {
        EXPECT_EQ(check.pixelProblem, "") << entry.path();
      }
      sound += check.verdict == detail::DicomStreamCheck::Verdict::Sound;
    }
  }
  EXPECT_GT(sound, 150u);
}

TEST(DicomStream, CompressedPixelDescriptionLiesAreRefusedBeforeGdcmDecodes)
{
  // A compressed slice whose header contradicts its pixel data made GDCM's decoders assert
  // (abort liverplan) or write past their buffer: BitsAllocated 32 or 1 over a JPEG or JPEG-LS
  // stream, BitsStored selecting the wrong JPEG decoder, an RLE frame with more byte planes than
  // BitsAllocated, Rows/Columns other than the frame's, PALETTE COLOR over one sample. Each is an
  // InputError naming the file and the tag, found by the walk before GDCM decodes anything.
  // (Each of these aborted liverplan before; scripted header edits of the real test files found
  // more: SamplesPerPixel 0 or 2, colour models over one sample, 12-, 24- or 64-bit allocations,
  // a deflated or native value of the wrong size; all refused the same way.)
  const std::string source = study().root + "/series-a";
  const std::string slice = source + "/" + test::listDir(source)[3];
  gdcm::ImageReader image;
  image.SetFileName(slice.c_str());
  ASSERT_TRUE(image.Read());
  const unsigned rows = image.GetImage().GetDimension(1);
  const std::string dir = test::makeTempDir("dicom-pixel-lies");
  auto encoded = [&](gdcm::TransferSyntax::TSType syntax)
  {
    gdcm::ImageReader reader;
    reader.SetFileName(slice.c_str());
    EXPECT_TRUE(reader.Read());
    gdcm::ImageChangeTransferSyntax change;
    change.SetTransferSyntax(syntax);
    change.SetInput(reader.GetImage());
    EXPECT_TRUE(change.Change());
    gdcm::ImageWriter writer;
    writer.SetFile(reader.GetFile());
    writer.SetImage(change.GetOutput());
    const std::string path = dir + "/" + gdcm::TransferSyntax::GetTSString(syntax) + ".dcm";
    writer.SetFileName(path.c_str());
    EXPECT_TRUE(writer.Write());
    return path;
  };
  using TS = gdcm::TransferSyntax;
  std::map<TS::TSType, std::string> sources;
  for (const TS::TSType t :
       { TS::JPEGLosslessProcess14_1, TS::JPEGLSLossless, TS::JPEG2000Lossless, TS::RLELossless })
  {
    sources[t] = encoded(t);
    ASSERT_NO_THROW(loadCt(sources[t])) << TS::GetTSString(t);
  }
  auto us = [](std::uint16_t element, std::uint16_t value)
  {
    gdcm::DataElement de(gdcm::Tag(0x0028, element), 2, gdcm::VR::US);
    de.SetByteValue(reinterpret_cast<const char*>(&value), 2);
    return de;
  };
  struct Lie
  {
    std::string name;
    TS::TSType syntax;
    std::vector<gdcm::DataElement> elements;
    std::string expected;
  };
  gdcm::DataElement palette(gdcm::Tag(0x0028, 0x0004));
  palette.SetByteValue("PALETTE COLOR ", 14);
  const std::vector<Lie> lies = {
    { "jpeg-32-bits",
      TS::JPEGLosslessProcess14_1,
      { us(0x0100, 32) },
      "BitsAllocated (0028,0100) is 32: compressed pixel data" },
    { "jpeg-8-bit-decoder",
      TS::JPEGLosslessProcess14_1,
      { us(0x0101, 8), us(0x0102, 7) },
      "BitsStored (0028,0101) is 8, but the JPEG frame header gives precision" },
    { "jpeg-palette", TS::JPEGLosslessProcess14_1, { palette }, "is 'PALETTE COLOR' with one" },
    { "jpeg-ls-1-bit-signed",
      TS::JPEGLSLossless,
      { us(0x0100, 1), us(0x0101, 1), us(0x0102, 0), us(0x0103, 1) },
      "BitsAllocated (0028,0100) is 1" },
    { "jpeg-ls-rows",
      TS::JPEGLSLossless,
      { us(0x0010, static_cast<std::uint16_t>(2 * rows)) },
      "differ from the JPEG frame's" },
    { "j2k-rows",
      TS::JPEG2000Lossless,
      { us(0x0010, static_cast<std::uint16_t>(rows / 2)) },
      "differ from the JPEG 2000 frame's" },
    { "rle-8-bits",
      TS::RLELossless,
      { us(0x0100, 8), us(0x0101, 8), us(0x0102, 7) },
      "RLE header lists 2 segment(s), but BitsAllocated (0028,0100) 8" },
  };
  for (const Lie& lie : lies)
  {
    SCOPED_TRACE(lie.name);
    gdcm::Reader reader;
    reader.SetFileName(sources.at(lie.syntax).c_str());
    ASSERT_TRUE(reader.Read());
    for (const gdcm::DataElement& de : lie.elements)
      reader.GetFile().GetDataSet().Replace(de);
    const std::string path = dir + "/" + lie.name + ".dcm";
    gdcm::Writer writer;
    writer.SetFile(reader.GetFile());
    writer.SetFileName(path.c_str());
    ASSERT_TRUE(writer.Write());
    expectRefused(path, path, lie.expected);
    // In a folder too: the series scan reads its header; the load refuses it, naming the file.
    const std::string folder = test::makeTempDir("dicom-pixel-lie-" + lie.name);
    fs::copy_file(path, folder + "/slice.dcm");
    try
    {
      loadCt(folder);
      ADD_FAILURE() << folder << " loaded";
    }
    catch (const InputError& e)
    {
      EXPECT_NE(std::string(e.what()).find(folder + "/slice.dcm: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(lie.expected), std::string::npos) << e.what();
    }
  }
}
