/// Label import: every format written from the phantom (whose lesions, segments and organs are
/// known voxel for voxel), TotalSegmentator's and dcmqi's real files, and every refusal.

#include "phantom_support.h"
#include "test_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/segmentation/label_import.h>
#include <liver/segmentation/liver_labels.h>
#include <liver/segmentation/slicer_export.h>

#include <itkImageRegionIteratorWithIndex.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

/// The phantom at 2.5 mm (160 x 160 x 96), made once: lesions are at least 5 mm apart, so they
/// stay separate 26-connected components on this grid.
const Phantom& phantom()
{
  static const Phantom p = []
  {
    PhantomOptions options;
    options.seed = 11;
    options.spacingMm = { 2.5, 2.5, 2.5 };
    return makePhantom(options);
  }();
  return p;
}

std::size_t voxels(const itk::ImageBase<3>& image)
{
  return image.GetLargestPossibleRegion().GetNumberOfPixels();
}

/// A new map on the phantom's grid with value f(i) at voxel i.
LabelImage::Pointer mapOf(const std::function<std::uint16_t(std::size_t)>& f)
{
  auto image = LabelImage::New();
  image->CopyInformation(phantom().liver);
  image->SetRegions(phantom().liver->GetLargestPossibleRegion());
  image->Allocate();
  std::uint16_t* out = image->GetBufferPointer();
  for (std::size_t i = 0; i < voxels(*image); ++i)
    out[i] = f(i);
  return image;
}

std::uint16_t liverAt(std::size_t i)
{
  return phantom().liver->GetBufferPointer()[i];
}
std::uint16_t lesionAt(std::size_t i)
{
  return phantom().lesions->GetBufferPointer()[i];
}
std::uint16_t segmentAt(std::size_t i)
{
  return phantom().segments->GetBufferPointer()[i];
}
std::uint16_t organAt(std::size_t i)
{
  return phantom().organs->GetBufferPointer()[i];
}

std::uint64_t countWhere(const LabelImage& image, const std::function<bool(std::uint16_t)>& keep)
{
  const std::uint16_t* p = image.GetBufferPointer();
  return static_cast<std::uint64_t>(std::count_if(p, p + voxels(image), keep));
}

/// Voxels where the non-zero-ness of `a` and `b` differ.
std::uint64_t maskDifference(const LabelImage& a, const LabelImage& b)
{
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < voxels(a); ++i)
    d += (a.GetBufferPointer()[i] != 0) != (b.GetBufferPointer()[i] != 0);
  return d;
}

/// Voxels where the values differ.
std::uint64_t valueDifference(const LabelImage& a, const LabelImage& b)
{
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < voxels(a); ++i)
    d += a.GetBufferPointer()[i] != b.GetBufferPointer()[i];
  return d;
}

bool anyNoteContains(const ImportedLabels& imported, const std::string& part)
{
  return std::any_of(imported.notes.begin(),
                     imported.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

std::string allNotes(const ImportedLabels& imported)
{
  std::ostringstream out;
  for (const auto& n : imported.notes)
    out << n << '\n';
  return out.str();
}

/// The message of the InputError that `body` throws ("" when it throws nothing).
constexpr auto inputErrorOf = &test::errorOf<InputError>;

/// Lesion voxel counts of the phantom, largest first (the order lesionIdsFromMask numbers them).
std::vector<std::uint64_t> truthLesionSizes()
{
  std::vector<std::uint64_t> sizes;
  for (const PhantomLesion& l : phantom().truth.lesions)
    sizes.push_back(l.voxelCount);
  std::sort(sizes.rbegin(), sizes.rend());
  return sizes;
}

std::vector<std::uint64_t> lesionSizes(const LabelImage& lesions, std::size_t count)
{
  std::vector<std::uint64_t> sizes(count, 0);
  for (std::size_t i = 0; i < voxels(lesions); ++i)
    if (const std::uint16_t id = lesions.GetBufferPointer()[i]; id != 0)
      ++sizes.at(id - 1u);
  return sizes;
}

void expectPhantomLesions(const ImportedLabels& imported)
{
  ASSERT_TRUE(imported.labels.lesions);
  EXPECT_EQ(imported.lesionCount, phantom().truth.lesions.size());
  EXPECT_EQ(maskDifference(*imported.labels.lesions, *phantom().lesions), 0u);
  EXPECT_EQ(lesionSizes(*imported.labels.lesions, imported.lesionCount), truthLesionSizes());
}

/// Write `image` as an uncompressed NIfTI with TotalSegmentator's label-name extension (a
/// CaretExtension XML label table after the 348-byte header, vox_offset moved past it).
void writeNiftiWithLabelNames(const LabelImage& image,
                              const std::string& path,
                              const std::map<int, std::string>& names)
{
  writeImage(&image, path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  float voxOffset = 0.0f;
  std::memcpy(&voxOffset, bytes.data() + 108, 4);
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?> <CaretExtension> <VolumeInformation "
         "Index=\"0\"> <LabelTable>\n";
  for (const auto& [key, name] : names)
    xml << "<Label Key=\"" << key << "\" Red=\"1\" Green=\"0\" Blue=\"0\" Alpha=\"1\"><![CDATA["
        << name << "]]></Label>\n";
  xml << "</LabelTable> </VolumeInformation> </CaretExtension>";
  std::string body = xml.str();
  body.resize((body.size() + 8 + 15) / 16 * 16 - 8, '\0');
  const std::int32_t esize = static_cast<std::int32_t>(body.size() + 8), ecode = 0;
  std::string extension(8, '\0');
  std::memcpy(extension.data(), &esize, 4);
  std::memcpy(extension.data() + 4, &ecode, 4);
  extension += body;
  std::string out = bytes.substr(0, 348);
  out += std::string("\x01\x00\x00\x00", 4);
  out += extension;
  out += bytes.substr(static_cast<std::size_t>(voxOffset));
  const float newOffset = static_cast<float>(352 + extension.size());
  std::memcpy(out.data() + 108, &newOffset, 4);
  std::ofstream(path, std::ios::binary) << out;
}

/// Write a 4D Slicer .seg.nrrd (raw encoding) with one layer per image in `layers` and the given
/// segment keys: the layout Slicer uses when segments overlap.
void writeMultiLayerSegNrrd(const std::vector<LabelImage::Pointer>& layers,
                            const std::vector<SlicerSegment>& segments,
                            const std::string& path)
{
  const LabelImage& g = *layers.front();
  const auto size = g.GetLargestPossibleRegion().GetSize();
  std::ostringstream h;
  h.precision(17);
  h << "NRRD0004\ntype: unsigned char\ndimension: 4\nspace: left-posterior-superior\n"
    << "sizes: " << layers.size() << ' ' << size[0] << ' ' << size[1] << ' ' << size[2] << '\n'
    << "space directions: none";
  for (int a = 0; a < 3; ++a)
    h << " (" << g.GetDirection()[0][a] * g.GetSpacing()[a] << ','
      << g.GetDirection()[1][a] * g.GetSpacing()[a] << ','
      << g.GetDirection()[2][a] * g.GetSpacing()[a] << ')';
  h << "\nkinds: list domain domain domain\nendian: little\nencoding: raw\n"
    << "space origin: (" << g.GetOrigin()[0] << ',' << g.GetOrigin()[1] << ',' << g.GetOrigin()[2]
    << ")\n";
  for (std::size_t i = 0; i < segments.size(); ++i)
  {
    const SlicerSegment& s = segments[i];
    h << "Segment" << i << "_ID:=" << s.id << "\nSegment" << i << "_Name:=" << s.name << "\nSegment"
      << i << "_LabelValue:=" << s.labelValue << "\nSegment" << i << "_Layer:=" << s.layer
      << "\nSegment" << i << "_Color:=0.5 0.5 0.5\n";
  }
  h << "Segmentation_MasterRepresentation:=Binary labelmap\n\n";
  std::string data(voxels(g) * layers.size(), '\0');
  for (std::size_t v = 0; v < voxels(g); ++v)
    for (std::size_t l = 0; l < layers.size(); ++l)
      data[v * layers.size() + l] = static_cast<char>(layers[l]->GetBufferPointer()[v]);
  std::ofstream(path, std::ios::binary) << h.str() << data;
}

LabelImportOptions liverOnly(const std::string& path)
{
  LabelImportOptions o;
  o.liverPath = path;
  return o;
}

} // namespace

TEST(LesionIdsFromMask, NumbersComponentsBySizeThenRasterPosition)
{
  auto mask = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ 8, 6, 4 });
  mask->SetRegions(region);
  mask->Allocate(true);
  // A: 2 voxels touching only at a corner (one 26-connected component), first in raster order.
  mask->SetPixel({ { 0, 0, 0 } }, 1);
  mask->SetPixel({ { 1, 1, 1 } }, 7);
  // B: 5 voxels in a row.
  for (long x = 3; x < 8; ++x)
    mask->SetPixel({ { x, 4, 2 } }, 1);
  // C: 2 voxels, later in raster order than A.
  mask->SetPixel({ { 6, 0, 3 } }, 1);
  mask->SetPixel({ { 7, 0, 3 } }, 1);
  std::size_t count = 0;
  const auto ids = lesionIdsFromMask(*mask, &count);
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(ids->GetPixel({ { 5, 4, 2 } }), 1); // largest
  EXPECT_EQ(ids->GetPixel({ { 0, 0, 0 } }), 2); // tie with C, first voxel earlier
  EXPECT_EQ(ids->GetPixel({ { 1, 1, 1 } }), 2);
  EXPECT_EQ(ids->GetPixel({ { 7, 0, 3 } }), 3);
  EXPECT_EQ(ids->GetPixel({ { 2, 2, 2 } }), 0);
  mask->FillBuffer(0);
  EXPECT_EQ(countWhere(*lesionIdsFromMask(*mask, &count), [](auto v) { return v != 0; }), 0u);
  EXPECT_EQ(count, 0u);
}

TEST(LabelFormat, ParsesEveryNameAndRefusesOthers)
{
  for (const char* name : { "auto", "totalseg", "lits", "slicer", "mask", "dicom-seg" })
    EXPECT_EQ(labelFormatName(parseLabelFormat(name)), name);
  EXPECT_EQ(parseLabelFormat("TotalSegmentator"), LabelFormat::TotalSegmentator);
  EXPECT_THROW(parseLabelFormat("dicom-rt"), std::invalid_argument);
}

TEST(LabelImport, BinaryMaskWithAnyNonZeroValueIsTheLiver)
{
  const std::string dir = liver::test::makeTempDir("import-mask");
  writeImage(mapOf([](std::size_t i) -> std::uint16_t { return liverAt(i) ? 255 : 0; }),
             dir + "/liver.nrrd");
  const ImportedLabels imported = importLabels(liverOnly(dir + "/liver.nrrd"), *phantom().ct);
  ASSERT_TRUE(imported.labels.liver);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  EXPECT_EQ(countWhere(*imported.labels.liver, [](auto v) { return v == 1; }),
            phantom().truth.liverVoxelCount);
  EXPECT_FALSE(imported.labels.lesions);
  EXPECT_FALSE(imported.labels.segments);
  ASSERT_EQ(imported.sources.size(), 1u);
  EXPECT_EQ(imported.sources[0].role, "liver");
  EXPECT_EQ(imported.sources[0].format, "mask");
}

TEST(LabelImport, LitsMapGivesLiverAndLesionComponents)
{
  const std::string dir = liver::test::makeTempDir("import-lits");
  writeImage(
    mapOf([](std::size_t i) -> std::uint16_t { return lesionAt(i)  ? 2
                                                      : liverAt(i) ? 1
                                                                   : 0; }),
    dir + "/segmentation-0.nii.gz");
  for (LabelFormat format : { LabelFormat::Auto, LabelFormat::Lits })
  {
    LabelImportOptions options = liverOnly(dir + "/segmentation-0.nii.gz");
    options.format = format;
    const ImportedLabels imported = importLabels(options, *phantom().ct);
    ASSERT_TRUE(imported.labels.liver);
    EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
    expectPhantomLesions(imported);
    EXPECT_EQ(format == LabelFormat::Auto, anyNoteContains(imported, "LiTS")) << allNotes(imported);
    EXPECT_FALSE(anyNoteContains(imported, "outside the liver")) << allNotes(imported);
  }
  // The same file as --lesions only.
  LabelImportOptions lesionsOnly;
  lesionsOnly.lesionsPath = dir + "/segmentation-0.nii.gz";
  const ImportedLabels lesions = importLabels(lesionsOnly, *phantom().ct);
  EXPECT_FALSE(lesions.labels.liver);
  expectPhantomLesions(lesions);
}

TEST(LabelImport, TotalSegmentatorTotalMapByNumber)
{
  const std::string dir = liver::test::makeTempDir("import-total");
  // TotalSegmentator v2 numbering: 5 liver, 1 spleen, 2/3 kidneys, 52 aorta, 63 IVC, 64 portal.
  const auto total = mapOf(
    [](std::size_t i) -> std::uint16_t
    {
      if (liverAt(i))
        return 5;
      switch (organAt(i))
      {
        case OrganSpleen:
          return 1;
        case OrganKidneyRight:
          return 2;
        case OrganKidneyLeft:
          return 3;
        case OrganAorta:
          return 52;
        case OrganIvc:
          return 63;
        case OrganPortalVein:
          return 64;
        default:
          return 0;
      }
    });
  writeImage(total, dir + "/total.nii.gz");
  LabelImportOptions options;
  options.totalsegPath = dir + "/total.nii.gz";
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.vessels);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  const std::uint64_t ivc = countWhere(*total, [](auto v) { return v == 63; });
  const std::uint64_t portal = countWhere(*total, [](auto v) { return v == 64; });
  EXPECT_GT(ivc, 100u);
  EXPECT_GT(portal, 10u);
  EXPECT_EQ(
    countWhere(*imported.labels.vessels, [](auto v) { return v == VesselInferiorVenaCava; }), ivc);
  EXPECT_EQ(countWhere(*imported.labels.vessels, [](auto v) { return v == VesselPortalVein; }),
            portal);
  EXPECT_EQ(countWhere(*imported.labels.vessels, [](auto v) { return v != 0; }), ivc + portal);
  EXPECT_TRUE(anyNoteContains(imported, "v2 numbering assumed")) << allNotes(imported);

  // Without label 5 the map has no liver.
  writeImage(
    mapOf([](std::size_t i) -> std::uint16_t { return organAt(i) == OrganSpleen ? 1 : 0; }),
    dir + "/no-liver.nii.gz");
  options.totalsegPath = dir + "/no-liver.nii.gz";
  const std::string error = inputErrorOf([&] { importLabels(options, *phantom().ct); });
  EXPECT_NE(error.find("no-liver.nii.gz: label 5 (liver) absent from TotalSegmentator map "
                       "(present: 1)"),
            std::string::npos)
    << error;
}

TEST(LabelImport, TotalSegmentatorLabelNamesWinOverNumbers)
{
  const std::string dir = liver::test::makeTempDir("import-names");
  // TotalSegmentator v1 numbering (8 IVC, 9 portal vein) with the names in the NIfTI extension.
  const auto total = mapOf(
    [](std::size_t i) -> std::uint16_t
    {
      if (liverAt(i))
        return 5;
      return organAt(i) == OrganIvc          ? 8
             : organAt(i) == OrganPortalVein ? 9
             : organAt(i) == OrganAorta      ? 7
                                             : 0;
    });
  writeNiftiWithLabelNames(*total,
                           dir + "/total_v1.nii",
                           { { 5, "liver" },
                             { 7, "aorta" },
                             { 8, "inferior_vena_cava" },
                             { 9, "portal_vein_and_splenic_vein" } });
  LabelImportOptions options;
  options.totalsegPath = dir + "/total_v1.nii";
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.vessels);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  EXPECT_EQ(
    countWhere(*imported.labels.vessels, [](auto v) { return v == VesselInferiorVenaCava; }),
    countWhere(*total, [](auto v) { return v == 8; }));
  EXPECT_EQ(countWhere(*imported.labels.vessels, [](auto v) { return v == VesselPortalVein; }),
            countWhere(*total, [](auto v) { return v == 9; }));
  EXPECT_EQ(countWhere(*imported.labels.vessels, [](auto v) { return v != 0; }),
            countWhere(*total, [](auto v) { return v == 8 || v == 9; })); // not the aorta
  EXPECT_FALSE(anyNoteContains(imported, "numbering assumed")) << allNotes(imported);

  // The liver_vessels multi-label output (1 liver_vessels, 2 liver_tumor) given as --lesions.
  writeNiftiWithLabelNames(
    *mapOf(
      [](std::size_t i) -> std::uint16_t
      {
        if (lesionAt(i))
          return 2;
        return liverAt(i) && (organAt(i) == OrganPortalVein || organAt(i) == OrganHepaticVein) ? 1
                                                                                               : 0;
      }),
    dir + "/liver_vessels.nii",
    { { 1, "liver_vessels" }, { 2, "liver_tumor" } });
  LabelImportOptions lesions;
  lesions.liverPath = dir + "/total_v1.nii";
  lesions.lesionsPath = dir + "/liver_vessels.nii";
  const ImportedLabels withLesions = importLabels(lesions, *phantom().ct);
  expectPhantomLesions(withLesions);
}

TEST(LabelImport, TotalSegmentatorFolderOfPerStructureMasks)
{
  const std::string dir = liver::test::makeTempDir("import-folder");
  auto binary = [](std::function<bool(std::size_t)> f)
  { return mapOf([f](std::size_t i) -> std::uint16_t { return f(i) ? 1 : 0; }); };
  writeImage(binary([](std::size_t i) { return liverAt(i) != 0; }), dir + "/liver.nii.gz");
  writeImage(binary([](std::size_t i) { return organAt(i) == OrganSpleen; }),
             dir + "/spleen.nii.gz");
  writeImage(binary([](std::size_t i) { return organAt(i) == OrganIvc; }),
             dir + "/inferior_vena_cava.nii.gz");
  writeImage(binary([](std::size_t i) { return organAt(i) == OrganPortalVein && !liverAt(i); }),
             dir + "/portal_vein_and_splenic_vein.nii.gz");
  writeImage(binary(
               [](std::size_t i) {
                 return liverAt(i) &&
                        (organAt(i) == OrganPortalVein || organAt(i) == OrganHepaticVein);
               }),
             dir + "/liver_vessels.nii.gz");
  writeImage(binary([](std::size_t i) { return lesionAt(i) != 0; }), dir + "/liver_tumor.nii.gz");
  for (int s = 1; s <= 8; ++s)
    writeImage(binary([s](std::size_t i) { return segmentAt(i) == s; }),
               dir + "/liver_segment_" + std::to_string(s) + ".nii.gz");

  LabelImportOptions options;
  options.totalsegPath = dir;
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.segments && imported.labels.vessels);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  expectPhantomLesions(imported);
  EXPECT_EQ(valueDifference(*imported.labels.segments, *phantom().segments), 0u);
  const auto& vessels = *imported.labels.vessels;
  EXPECT_EQ(countWhere(vessels, [](auto v) { return v == VesselInferiorVenaCava; }),
            countWhere(*phantom().organs, [](auto v) { return v == OrganIvc; }));
  EXPECT_EQ(countWhere(vessels, [](auto v) { return v == VesselIntrahepatic; }),
            countWhere(*mapOf(
                         [](std::size_t i) -> std::uint16_t {
                           return liverAt(i) &&
                                  (organAt(i) == OrganPortalVein || organAt(i) == OrganHepaticVein);
                         }),
                       [](auto v) { return v != 0; }));
  EXPECT_GT(countWhere(vessels, [](auto v) { return v == VesselPortalVein; }), 0u);
  for (const LabelSource& s : imported.sources)
    EXPECT_EQ(s.format, "totalseg-folder") << s.role;
  EXPECT_TRUE(anyNoteContains(imported, "\"liver_segment_N\"")) << allNotes(imported);

  // The liver_segments multi-label map as --segments.
  writeImage(phantom().segments, dir + "/liver_segments_ml.nii.gz");
  LabelImportOptions segments;
  segments.liverPath = dir + "/liver.nii.gz";
  segments.segmentsPath = dir + "/liver_segments_ml.nii.gz";
  const ImportedLabels withSegments = importLabels(segments, *phantom().ct);
  ASSERT_TRUE(withSegments.labels.segments);
  EXPECT_EQ(valueDifference(*withSegments.labels.segments, *phantom().segments), 0u);
  EXPECT_FALSE(anyNoteContains(withSegments, "no Couinaud segment")) << allNotes(withSegments);

  // A folder with segments but no liver, and a folder with nothing TotalSegmentator wrote.
  const std::string partial = liver::test::makeTempDir("import-partial");
  fs::copy_file(dir + "/liver_segment_1.nii.gz", partial + "/liver_segment_1.nii.gz");
  options.totalsegPath = partial;
  EXPECT_NE(inputErrorOf([&] { importLabels(options, *phantom().ct); }).find("no liver"),
            std::string::npos);
  options.totalsegPath = liver::test::makeTempDir("import-empty");
  EXPECT_NE(inputErrorOf([&] { importLabels(options, *phantom().ct); })
              .find("no TotalSegmentator output found"),
            std::string::npos);
  options.totalsegPath = dir + "/nowhere";
  EXPECT_NE(
    inputErrorOf([&] { importLabels(options, *phantom().ct); }).find("no such file or folder"),
    std::string::npos);
}

TEST(LabelImport, SlicerSegmentationByName)
{
  const std::string dir = liver::test::makeTempDir("import-slicer");
  // One layer, exclusive labels: the tumour and the extrahepatic vessels are not "Liver".
  const auto map = mapOf(
    [](std::size_t i) -> std::uint16_t
    {
      if (lesionAt(i))
        return 2;
      if (liverAt(i))
        return 1;
      switch (organAt(i))
      {
        case OrganPortalVein:
          return 3;
        case OrganSpine:
          return 4;
        case OrganIvc:
          return 7;
        default:
          return 0;
      }
    });
  const std::vector<SlicerSegment> segments = {
    { "Segment_1", "Liver", 1, 0, { 0.9, 0.6, 0.5 } },
    { "Segment_2", "Tumor", 2, 0, { 1.0, 1.0, 0.0 } },
    { "Segment_3", "Portal vein", 3, 0, { 0.0, 0.5, 1.0 } },
    { "Segment_4", "Spine", 4, 0, { 1.0, 1.0, 1.0 } },
    { "Segment_5", "Inferior Vena Cava", 7, 0, { 0.0, 0.0, 1.0 } },
  };
  writeSlicerSegmentation(*map, segments, dir + "/case.seg.nrrd");

  const SlicerSegmentation read = readSlicerSegmentation(dir + "/case.seg.nrrd");
  ASSERT_EQ(read.segments.size(), 5u);
  EXPECT_EQ(read.segments[4].name, "Inferior Vena Cava");
  EXPECT_EQ(read.segments[4].labelValue, 7);
  EXPECT_EQ(read.segments[4].id, "Segment_5");
  EXPECT_DOUBLE_EQ(read.segments[0].colorRgb[1], 0.6);
  ASSERT_EQ(read.layers.size(), 1u);
  EXPECT_EQ(valueDifference(*read.layers[0], *map), 0u);

  const ImportedLabels imported = importLabels(liverOnly(dir + "/case.seg.nrrd"), *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.vessels);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  expectPhantomLesions(imported);
  EXPECT_EQ(countWhere(*imported.labels.vessels, [](auto v) { return v == VesselPortalVein; }),
            countWhere(*map, [](auto v) { return v == 3; }));
  EXPECT_EQ(
    countWhere(*imported.labels.vessels, [](auto v) { return v == VesselInferiorVenaCava; }),
    countWhere(*map, [](auto v) { return v == 7; }));
  EXPECT_TRUE(anyNoteContains(imported, "segments ignored (name not recognised): \"Spine\""))
    << allNotes(imported);
  EXPECT_TRUE(anyNoteContains(imported, "tumour voxels outside the liver label added"))
    << allNotes(imported);
  EXPECT_EQ(imported.sources[0].format, "slicer");

  // A Slicer file with no liver segment names what it has.
  writeSlicerSegmentation(
    *mapOf([](std::size_t i) -> std::uint16_t { return organAt(i) == OrganSpine ? 1 : 0; }),
    { { "Segment_1", "Spine", 1, 0, {} } },
    dir + "/spine.seg.nrrd");
  const std::string error =
    inputErrorOf([&] { importLabels(liverOnly(dir + "/spine.seg.nrrd"), *phantom().ct); });
  EXPECT_NE(error.find("spine.seg.nrrd: no liver among its labels (\"Spine\")"), std::string::npos)
    << error;
}

TEST(LabelImport, SeveralTumourSegmentsAreOneLesionEachInFileOrderSkippingEmptyOnes)
{
  // Tumour segments not all named "Lesion k": segment order gives the ids, 1, 2, ... over the
  // non-empty ones ("tumour empty" has no voxel); phantom lesion 1 -> "Tumor A", 2 -> "Tumour
  // C", the others together -> "Lesion left" (one lesion, however many pieces).
  const std::string dir = liver::test::makeTempDir("import-tumours");
  const auto map = mapOf(
    [](std::size_t i) -> std::uint16_t
    {
      const std::uint16_t lesion = lesionAt(i);
      return lesion == 1 ? 2 : lesion == 2 ? 5 : lesion ? 3 : liverAt(i) ? 1 : 0;
    });
  writeSlicerSegmentation(*map,
                          { { "Segment_1", "Liver", 1, 0, {} },
                            { "Segment_2", "Tumor A", 2, 0, {} },
                            { "Segment_3", "tumour empty", 4, 0, {} },
                            { "Segment_4", "Lesion left", 3, 0, {} },
                            { "Segment_5", "Tumour C", 5, 0, {} } },
                          dir + "/case.seg.nrrd");
  const ImportedLabels imported = importLabels(liverOnly(dir + "/case.seg.nrrd"), *phantom().ct);
  ASSERT_TRUE(imported.labels.lesions);
  const auto expected = mapOf(
    [](std::size_t i) -> std::uint16_t
    {
      const std::uint16_t lesion = lesionAt(i);
      return lesion == 1 ? 1 : lesion == 2 ? 3 : lesion ? 2 : 0;
    });
  EXPECT_EQ(valueDifference(*imported.labels.lesions, *expected), 0u);
  EXPECT_EQ(imported.lesionCount, 3u);
  const auto lesions = std::find_if(imported.sources.begin(),
                                    imported.sources.end(),
                                    [](const LabelSource& s) { return s.role == "lesions"; });
  ASSERT_NE(lesions, imported.sources.end());
  EXPECT_EQ(lesions->detail,
            "one lesion per tumour segment (\"Tumor A\", \"tumour empty\", \"Lesion left\", "
            "\"Tumour C\") -> 3 lesions");
}

TEST(LabelImport, SlicerCouinaudSegmentNamesAndDefaultNames)
{
  const std::string dir = liver::test::makeTempDir("import-couinaud");
  const std::vector<std::string> names = {
    "Couinaud 1",      "Segment II", "S3",    "segment_4",
    "Liver segment 5", "Segment VI", "Seg 7", "Segment VIII"
  };
  std::vector<SlicerSegment> segments;
  for (int s = 1; s <= 8; ++s)
    segments.push_back({ "Segment_" + std::to_string(s),
                         names[static_cast<std::size_t>(s - 1)],
                         static_cast<std::uint16_t>(10 + s),
                         0,
                         {} });
  segments.push_back({ "Segment_9", "Lesions", 30, 0, {} });
  SlicerSegment unnamed{ "Segment_10", "Segment_10", 40, 0, {} };
  unnamed.nameAutoGenerated = true;
  segments.push_back(unnamed);
  const auto map = mapOf(
    [](std::size_t i) -> std::uint16_t
    {
      if (lesionAt(i))
        return 30;
      if (segmentAt(i))
        return static_cast<std::uint16_t>(10 + segmentAt(i));
      return organAt(i) == OrganSpleen ? 40 : 0;
    });
  writeSlicerSegmentation(*map, segments, dir + "/couinaud.seg.nrrd");
  LabelImportOptions options = liverOnly(dir + "/couinaud.seg.nrrd");
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.segments);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  expectPhantomLesions(imported);
  // Couinaud values wherever no tumour was drawn over them.
  const auto expected =
    mapOf([](std::size_t i) -> std::uint16_t { return lesionAt(i) ? 0 : segmentAt(i); });
  EXPECT_EQ(valueDifference(*imported.labels.segments, *expected), 0u);
  EXPECT_TRUE(anyNoteContains(imported, "\"Segment_10\"")) << allNotes(imported);
  EXPECT_TRUE(anyNoteContains(imported, "have no Couinaud segment")) << allNotes(imported);
}

TEST(LabelImport, SlicerMultiLayerSegmentation)
{
  const std::string dir = liver::test::makeTempDir("import-layers");
  // Overlapping segments: Slicer stores them in layers, a 4D NRRD with a leading list axis.
  const auto liverLayer = mapOf([](std::size_t i) -> std::uint16_t { return liverAt(i) ? 1 : 0; });
  const auto tumourLayer = mapOf([](std::size_t i) -> std::uint16_t
                                 { return lesionAt(i)              ? 1
                                          : organAt(i) == OrganIvc ? 2
                                                                   : 0; });
  writeMultiLayerSegNrrd({ liverLayer, tumourLayer },
                         { { "Segment_1", "liver", 1, 0, {} },
                           { "Segment_2", "tumour", 1, 1, {} },
                           { "Segment_3", "IVC", 2, 1, {} } },
                         dir + "/layers.seg.nrrd");
  const SlicerSegmentation read = readSlicerSegmentation(dir + "/layers.seg.nrrd");
  ASSERT_EQ(read.layers.size(), 2u);
  EXPECT_EQ(read.segments[1].layer, 1u);
  const ImportedLabels imported = importLabels(liverOnly(dir + "/layers.seg.nrrd"), *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.vessels);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  expectPhantomLesions(imported);
  EXPECT_EQ(
    countWhere(*imported.labels.vessels, [](auto v) { return v == VesselInferiorVenaCava; }),
    countWhere(*phantom().organs, [](auto v) { return v == OrganIvc; }));
  EXPECT_FALSE(anyNoteContains(imported, "added to the liver")) << allNotes(imported);
}

TEST(LabelImport, SlicerSegmentationCroppedOnTheCtLatticeIsPlacedExactly)
{
  const std::string dir = liver::test::makeTempDir("import-crop");
  // Crop the liver to its bounding box (Slicer saves segmentations cropped to their extent).
  const auto size = phantom().liver->GetLargestPossibleRegion().GetSize();
  std::array<long, 3> lo{ 10000, 10000, 10000 }, hi{ -1, -1, -1 };
  for (long z = 0; z < static_cast<long>(size[2]); ++z)
    for (long y = 0; y < static_cast<long>(size[1]); ++y)
      for (long x = 0; x < static_cast<long>(size[0]); ++x)
        if (phantom().liver->GetPixel({ { x, y, z } }))
        {
          lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
          hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
        }
  auto cropped = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ static_cast<unsigned long>(hi[0] - lo[0] + 1),
                   static_cast<unsigned long>(hi[1] - lo[1] + 1),
                   static_cast<unsigned long>(hi[2] - lo[2] + 1) });
  cropped->SetRegions(region);
  cropped->SetSpacing(phantom().liver->GetSpacing());
  cropped->SetDirection(phantom().liver->GetDirection());
  LabelImage::PointType origin;
  phantom().liver->TransformIndexToPhysicalPoint({ { lo[0], lo[1], lo[2] } }, origin);
  cropped->SetOrigin(origin);
  cropped->Allocate(true);
  for (long z = lo[2]; z <= hi[2]; ++z)
    for (long y = lo[1]; y <= hi[1]; ++y)
      for (long x = lo[0]; x <= hi[0]; ++x)
        cropped->SetPixel({ { x - lo[0], y - lo[1], z - lo[2] } },
                          phantom().liver->GetPixel({ { x, y, z } }));
  writeSlicerSegmentation(*cropped, { { "Segment_1", "Liver", 1, 0, {} } }, dir + "/crop.seg.nrrd");
  const ImportedLabels imported = importLabels(liverOnly(dir + "/crop.seg.nrrd"), *phantom().ct);
  ASSERT_TRUE(imported.labels.liver);
  EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
  EXPECT_TRUE(anyNoteContains(imported, "placed exactly on the CT grid")) << allNotes(imported);

  // The same crop as a plain mask is a grid mismatch.
  writeImage(cropped, dir + "/crop.nii.gz");
  const std::string error =
    inputErrorOf([&] { importLabels(liverOnly(dir + "/crop.nii.gz"), *phantom().ct); });
  EXPECT_NE(error.find("--resample-labels"), std::string::npos) << error;
}

TEST(LabelImport, RefusalsNameTheFileAndTheProblem)
{
  const std::string dir = liver::test::makeTempDir("import-errors");
  const CtImage& ct = *phantom().ct;
  // Empty liver.
  writeImage(mapOf([](std::size_t) -> std::uint16_t { return 0; }), dir + "/empty.nii.gz");
  EXPECT_NE(inputErrorOf([&] { importLabels(liverOnly(dir + "/empty.nii.gz"), ct); })
              .find("empty.nii.gz: empty label map"),
            std::string::npos);
  LabelImportOptions maskFormat = liverOnly(dir + "/empty.nii.gz");
  maskFormat.format = LabelFormat::Mask;
  EXPECT_NE(inputErrorOf([&] { importLabels(maskFormat, ct); }).find("empty liver mask"),
            std::string::npos);

  // A multi-label map without names is not guessed.
  writeImage(mapOf([](std::size_t i) -> std::uint16_t
                   { return liverAt(i)                 ? 1
                            : organAt(i) == OrganSpine ? 5
                                                       : 0; }),
             dir + "/liver_spine.nii.gz");
  const std::string ambiguous =
    inputErrorOf([&] { importLabels(liverOnly(dir + "/liver_spine.nii.gz"), ct); });
  EXPECT_NE(ambiguous.find("values 1, 5 and no label names"), std::string::npos) << ambiguous;
  EXPECT_NE(ambiguous.find("--liver-label"), std::string::npos) << ambiguous;
  LabelImportOptions byLabel = liverOnly(dir + "/liver_spine.nii.gz");
  byLabel.liverLabel = 1;
  const ImportedLabels chosen = importLabels(byLabel, ct);
  EXPECT_EQ(maskDifference(*chosen.labels.liver, *phantom().liver), 0u);
  byLabel.liverLabel = 9;
  EXPECT_NE(inputErrorOf([&] { importLabels(byLabel, ct); }).find("liver label 9 absent"),
            std::string::npos);
  LabelImportOptions lits = liverOnly(dir + "/liver_spine.nii.gz");
  lits.format = LabelFormat::Lits;
  EXPECT_NE(inputErrorOf([&] { importLabels(lits, ct); }).find("not a LiTS/MSD map"),
            std::string::npos);

  // Couinaud values outside 1..8.
  writeImage(mapOf([](std::size_t i) -> std::uint16_t { return segmentAt(i) ? 9 : 0; }),
             dir + "/segments9.nii.gz");
  LabelImportOptions badSegments = liverOnly(dir + "/liver_spine.nii.gz");
  badSegments.liverLabel = 1;
  badSegments.segmentsPath = dir + "/segments9.nii.gz";
  EXPECT_NE(inputErrorOf([&] { importLabels(badSegments, ct); }).find("expected 1..8"),
            std::string::npos);

  // Slicer format asked of a plain NRRD.
  writeImage(phantom().liver, dir + "/plain.nrrd");
  LabelImportOptions slicer = liverOnly(dir + "/plain.nrrd");
  slicer.format = LabelFormat::Slicer;
  EXPECT_NE(inputErrorOf([&] { importLabels(slicer, ct); }).find("no Segment0_Name"),
            std::string::npos);

  // Another grid: refused with the hint, accepted when resampling is asked for.
  PhantomOptions coarse;
  coarse.seed = 11;
  coarse.spacingMm = { 5.0, 5.0, 5.0 };
  writeImage(makePhantom(coarse).liver, dir + "/liver5mm.nii.gz");
  const std::string mismatch =
    inputErrorOf([&] { importLabels(liverOnly(dir + "/liver5mm.nii.gz"), ct); });
  EXPECT_NE(mismatch.find("liver5mm.nii.gz: label grid does not match the CT"), std::string::npos)
    << mismatch;
  EXPECT_NE(mismatch.find("--resample-labels"), std::string::npos) << mismatch;
  LabelImportOptions resampled = liverOnly(dir + "/liver5mm.nii.gz");
  resampled.resampleLabels = true;
  const ImportedLabels r = importLabels(resampled, ct);
  const double ratio =
    static_cast<double>(countWhere(*r.labels.liver, [](auto v) { return v != 0; })) /
    static_cast<double>(phantom().truth.liverVoxelCount);
  EXPECT_NEAR(ratio, 1.0, 0.05); // the same analytic liver at 5 mm, nearest neighbour

  EXPECT_THROW(importLabels(liverOnly(dir + "/absent.nii.gz"), ct), InputError);
}

TEST(LabelImport, LesionsOutsideTheLiverAreNotedNotRefused)
{
  const std::string dir = liver::test::makeTempDir("import-outside");
  writeImage(phantom().liver, dir + "/liver.nii.gz");
  // The lesions plus a blob in the spleen (about the size of the lesions together).
  writeImage(mapOf([](std::size_t i) -> std::uint16_t
                   { return lesionAt(i) || organAt(i) == OrganSpleen ? 1 : 0; }),
             dir + "/lesions.nii.gz");
  LabelImportOptions options = liverOnly(dir + "/liver.nii.gz");
  options.lesionsPath = dir + "/lesions.nii.gz";
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  ASSERT_TRUE(imported.labels.lesions);
  EXPECT_EQ(imported.lesionCount, phantom().truth.lesions.size() + 1);
  EXPECT_TRUE(anyNoteContains(imported, "lie outside the liver")) << allNotes(imported);

  // The phantom's own lesions: no note.
  writeImage(phantom().lesions, dir + "/ids.nii.gz");
  options.lesionsPath = dir + "/ids.nii.gz";
  const ImportedLabels ids = importLabels(options, *phantom().ct);
  EXPECT_FALSE(anyNoteContains(ids, "outside the liver")) << allNotes(ids);
  ASSERT_TRUE(ids.labels.lesions);
  EXPECT_EQ(valueDifference(*ids.labels.lesions, *phantom().lesions), 0u); // ids kept as given
  EXPECT_EQ(ids.lesionCount, phantom().truth.lesions.size());
  EXPECT_EQ(ids.sources[1].format, "id-map");
}

// ---- real data -----------------------------------------------------------------------------

namespace
{
const CtVolume& totalSegmentatorCt(const std::string& path)
{
  static const CtVolume ct = loadCt(path);
  return ct;
}
} // namespace

TEST(LabelImportRealData, TotalSegmentatorMultiLabelMap)
{
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(seg, "totalsegmentator/example_seg.nii.gz");
  const CtImage& ct = *totalSegmentatorCt(ctPath).image;
  const LabelImage::Pointer raw = loadLabels(seg);
  LabelImportOptions options;
  options.totalsegPath = seg;
  const ImportedLabels imported = importLabels(options, ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.vessels);
  EXPECT_EQ(countWhere(*imported.labels.liver, [](auto v) { return v != 0; }), 38634u);
  EXPECT_EQ(
    countWhere(*imported.labels.vessels, [](auto v) { return v == VesselInferiorVenaCava; }),
    countWhere(*raw, [](auto v) { return v == 63; }));
  EXPECT_EQ(countWhere(*imported.labels.vessels, [](auto v) { return v == VesselPortalVein; }),
            countWhere(*raw, [](auto v) { return v == 64; }));
  EXPECT_GT(countWhere(*raw, [](auto v) { return v == 63; }), 0u);
  // Read by the names in the file's NIfTI extension, not by assumed numbers.
  EXPECT_FALSE(anyNoteContains(imported, "numbering assumed")) << allNotes(imported);
  EXPECT_NE(imported.sources[0].detail.find("\"liver\""), std::string::npos)
    << imported.sources[0].detail;

  // The same file given as --liver (auto) finds the liver by name too.
  const ImportedLabels asLiver = importLabels(liverOnly(seg), ct);
  EXPECT_EQ(countWhere(*asLiver.labels.liver, [](auto v) { return v != 0; }), 38634u);
}

TEST(LabelImportRealData, TotalSegmentatorLiverMasks)
{
  LIVER_REQUIRE_DATA(ctPath, "totalsegmentator/example_ct_sm.nii.gz");
  LIVER_REQUIRE_DATA(fast, "totalsegmentator/example_seg_fast_liver_v2.nii.gz");
  LIVER_REQUIRE_DATA(roi, "totalsegmentator/example_seg_roi_subset.nii.gz");
  const CtImage& ct = *totalSegmentatorCt(ctPath).image;
  const ImportedLabels f = importLabels(liverOnly(fast), ct);
  EXPECT_EQ(countWhere(*f.labels.liver, [](auto v) { return v == 1; }), 39350u);
  const ImportedLabels r = importLabels(liverOnly(roi), ct);
  EXPECT_EQ(countWhere(*r.labels.liver, [](auto v) { return v == 1; }), 38631u);
  LabelImportOptions asTotal;
  asTotal.totalsegPath = roi;
  const ImportedLabels t = importLabels(asTotal, ct);
  EXPECT_EQ(countWhere(*t.labels.liver, [](auto v) { return v == 1; }), 38631u);
}

TEST(LabelImportRealData, DcmqiNrrdLabelsOnTheDicomGrid)
{
  LIVER_REQUIRE_DATA(dicom, "dcmqi");
  LIVER_REQUIRE_DATA(liverSeg, "dcmqi/liver_seg.nrrd");
  LIVER_REQUIRE_DATA(liverSpine, "dcmqi/liver_spine_seg.nrrd");
  LIVER_REQUIRE_DATA(gapped, "dcmqi/liver_spine_gapped_seg.nrrd");
  const CtVolume ct = loadCt(dicom);
  const ImportedLabels hand = importLabels(liverOnly(liverSeg), *ct.image);
  EXPECT_EQ(countWhere(*hand.labels.liver, [](auto v) { return v == 1; }), 107098u);

  // Liver 1 and spine 2: the spine does not lie inside the liver, so it is not read as LiTS.
  const std::string error = inputErrorOf([&] { importLabels(liverOnly(liverSpine), *ct.image); });
  EXPECT_NE(error.find("--liver-label"), std::string::npos) << error;
  for (const std::string& path : { liverSpine, gapped })
  {
    LabelImportOptions options = liverOnly(path);
    options.liverLabel = 1;
    const ImportedLabels imported = importLabels(options, *ct.image);
    const LabelImage::Pointer raw = loadLabels(path);
    const std::uint64_t expected = countWhere(*raw, [](auto v) { return v == 1; });
    EXPECT_GT(expected, 50000u) << path;
    EXPECT_EQ(countWhere(*imported.labels.liver, [](auto v) { return v == 1; }), expected) << path;
  }
}

namespace
{

/// `source` stored with its axes in another order: label axis a is source axis perm[a], reversed
/// when flip[a]. The same voxel centres, as a TotalSegmentator NIfTI of a DICOM series with y
/// flipped, or a volume written x/y-transposed.
LabelImage::Pointer reordered(const LabelImage& source,
                              std::array<int, 3> perm,
                              std::array<bool, 3> flip)
{
  const auto ss = source.GetLargestPossibleRegion().GetSize();
  auto out = LabelImage::New();
  LabelImage::RegionType region;
  LabelImage::SpacingType spacing;
  LabelImage::DirectionType direction;
  LabelImage::IndexType corner;
  for (int a = 0; a < 3; ++a)
  {
    region.SetSize(a, ss[perm[a]]);
    spacing[a] = source.GetSpacing()[perm[a]];
    for (int r = 0; r < 3; ++r)
      direction[r][a] = (flip[a] ? -1.0 : 1.0) * source.GetDirection()[r][perm[a]];
    corner[perm[a]] = flip[a] ? static_cast<long>(ss[perm[a]]) - 1 : 0;
  }
  LabelImage::PointType origin;
  source.TransformIndexToPhysicalPoint(corner, origin);
  out->SetRegions(region);
  out->SetSpacing(spacing);
  out->SetDirection(direction);
  out->SetOrigin(origin);
  out->Allocate();
  itk::ImageRegionIteratorWithIndex<LabelImage> it(out, region);
  for (; !it.IsAtEnd(); ++it)
  {
    LabelImage::IndexType s;
    for (int a = 0; a < 3; ++a)
      s[perm[a]] = flip[a] ? corner[perm[a]] - it.GetIndex()[a] : it.GetIndex()[a];
    it.Set(source.GetPixel(s));
  }
  return out;
}

} // namespace

TEST(LabelImport, SameLatticeInAnotherAxisOrderIsMappedExactlyWithoutResampling)
{
  const std::string dir = liver::test::makeTempDir("import-axes");
  const LabelImage::Pointer truth =
    mapOf([](std::size_t i) -> std::uint16_t { return liverAt(i) ? (lesionAt(i) ? 2 : 1) : 0; });
  const std::vector<std::tuple<std::string, std::array<int, 3>, std::array<bool, 3>>> orders = {
    { "flip-y", { 0, 1, 2 }, { false, true, false } },
    { "swap-xy", { 1, 0, 2 }, { false, false, false } },
    { "permute-flip", { 2, 0, 1 }, { true, false, true } },
  };
  for (const auto& [name, perm, flip] : orders)
  {
    SCOPED_TRACE(name);
    const LabelImage::Pointer stored = reordered(*truth, perm, flip);
    EXPECT_FALSE(describeGridMismatch(*phantom().ct, *stored).empty()) << "not the same grid";
    const std::string path = dir + "/" + name + ".nii.gz";
    writeImage(stored.GetPointer(), path);
    LabelImportOptions options = liverOnly(path);
    options.format = LabelFormat::Lits;
    const ImportedLabels imported = importLabels(options, *phantom().ct);
    ASSERT_TRUE(imported.labels.liver);
    EXPECT_EQ(maskDifference(*imported.labels.liver, *phantom().liver), 0u);
    EXPECT_TRUE(anyNoteContains(imported, "labelGridMapping: exact axis permutation/flip"))
      << allNotes(imported);
    // Also directly: identical voxels, no interpolation.
    std::string mapping;
    const LabelImage::Pointer mapped =
      labelsOnGrid(loadLabels(path), *phantom().ct, path, false, &mapping);
    EXPECT_TRUE(std::equal(truth->GetBufferPointer(),
                           truth->GetBufferPointer() + voxels(*truth),
                           mapped->GetBufferPointer()));
    EXPECT_EQ(describeGridMismatch(*phantom().ct, *mapped), "");
    EXPECT_NE(mapping.find("exact axis permutation/flip"), std::string::npos) << mapping;
  }
  // A flipped copy shifted by one voxel is not the same lattice: still refused.
  LabelImage::Pointer shifted = reordered(*truth, { 0, 1, 2 }, { false, true, false });
  auto origin = shifted->GetOrigin();
  origin[1] += phantom().ct->GetSpacing()[1];
  shifted->SetOrigin(origin);
  writeImage(shifted.GetPointer(), dir + "/shifted.nii.gz");
  EXPECT_NE(inputErrorOf([&] { importLabels(liverOnly(dir + "/shifted.nii.gz"), *phantom().ct); })
              .find("--resample-labels"),
            std::string::npos);
}

namespace
{

/// The header of a NRRD file: its text up to the blank line.
std::string nrrdHeaderText(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  std::string header, line;
  while (std::getline(in, line) && !line.empty())
    header += line + "\n";
  return header;
}

/// A remnant map cutting the phantom's liver at x = cutXMm (LPS): x >= cut remnant (1), else 2.
LabelImage::Pointer remnantAt(double cutXMm)
{
  auto map = mapOf([](std::size_t) -> std::uint16_t { return 0; });
  std::uint16_t* out = map->GetBufferPointer();
  for (std::size_t i = 0; i < voxels(*map); ++i)
    if (liverAt(i))
    {
      const auto index = map->ComputeIndex(static_cast<LabelImage::OffsetValueType>(i));
      LabelImage::PointType p;
      map->TransformIndexToPhysicalPoint(index, p);
      out[i] = p[0] >= cutXMm ? 1 : 2;
    }
  return map;
}

} // namespace

TEST(SlicerExport, LiverSegmentsLesionsAndRemnantRoundTripVoxelForVoxel)
{
  const std::string dir = test::makeTempDir("slicer-export");
  const LiverLabels labels = test::labelsOf(phantom());
  const auto remnant = remnantAt(-20.0);
  const SlicerSegmentation seg =
    slicerSegmentationOf(labels, { { "Right hemihepatectomy | with: caudate", remnant } });
  ASSERT_EQ(seg.layers.size(), 3u); // liver by segment, lesions, remnant
  const std::string path = dir + "/labels.seg.nrrd";
  writeSlicerLayers(seg, path);
  EXPECT_EQ(test::listDir(dir), (std::vector<std::string>{ "labels.seg.nrrd" }));

  // The header Slicer reads: a list of 3 layers, names, label values, layers, colours.
  const std::string header = nrrdHeaderText(path);
  EXPECT_TRUE(test::contains(header, "dimension: 4\n")) << header;
  EXPECT_TRUE(test::contains(header, "kinds: list domain domain domain\n")) << header;
  EXPECT_TRUE(test::contains(header, "encoding: gzip\n"));
  // Segment keys by position: Couinaud 1..8 (every phantom liver voxel has one, so no "Liver"
  // rest), lesions 1..K, the remnant.
  const std::size_t lesions = phantom().truth.lesions.size();
  ASSERT_EQ(seg.segments.size(), 8 + lesions + 1);
  EXPECT_TRUE(test::contains(header, "Segment0_Name:=Liver segment 1\n")) << header;
  EXPECT_TRUE(test::contains(header, "Segment0_LabelValue:=1\n"));
  EXPECT_TRUE(test::contains(header, "Segment0_Layer:=0\n"));
  EXPECT_TRUE(test::contains(header, "Segment7_Name:=Liver segment 8\n")) << header;
  EXPECT_TRUE(test::contains(header, "Segment8_Name:=Lesion 1\n")) << header;
  EXPECT_TRUE(test::contains(header, "Segment8_LabelValue:=1\n"));
  EXPECT_TRUE(test::contains(header, "Segment8_Layer:=1\n"));
  const std::string remnantKey = "Segment" + std::to_string(8 + lesions) + "_";
  EXPECT_TRUE(test::contains(header, remnantKey + "Name:=Remnant, plan 1\n")) << header;
  EXPECT_TRUE(test::contains(header, remnantKey + "Layer:=2\n"));
  // The plan's name in the tags, its separators defused.
  EXPECT_TRUE(test::contains(
    header, remnantKey + "Tags:=LiverPlan.Plan:Right hemihepatectomy   with  caudate|"))
    << header;
  EXPECT_TRUE(test::contains(header, "Segment0_Color:=0.666666666666666"));
  EXPECT_TRUE(test::contains(header, "Segmentation_MasterRepresentation:=Binary labelmap\n"));

  // Read back as layers: identical values.
  const SlicerSegmentation read = readSlicerSegmentation(path);
  ASSERT_EQ(read.layers.size(), 3u);
  ASSERT_EQ(read.segments.size(), seg.segments.size());
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_EQ(valueDifference(*read.layers[l], *seg.layers[l]), 0u) << "layer " << l;
  EXPECT_EQ(countWhere(*read.layers[2], [](auto v) { return v == 1; }),
            countWhere(*remnant, [](auto v) { return v == 1; }));

  // Through the label import, as `--liver labels.seg.nrrd`: the same liver, lesion ids and
  // Couinaud segments voxel for voxel; the remnant is named and left aside.
  LabelImportOptions options;
  options.liverPath = path;
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  ASSERT_TRUE(imported.labels.liver && imported.labels.lesions && imported.labels.segments);
  EXPECT_EQ(valueDifference(*imported.labels.liver, *phantom().liver), 0u);
  EXPECT_EQ(valueDifference(*imported.labels.lesions, *phantom().lesions), 0u);
  EXPECT_EQ(valueDifference(*imported.labels.segments, *phantom().segments), 0u);
  EXPECT_EQ(imported.lesionCount, lesions);
  EXPECT_TRUE(
    anyNoteContains(imported, "segments ignored (name not recognised): \"Remnant, plan 1\""))
    << allNotes(imported);
}

TEST(SlicerExport, LesionIdsWithGapsAndASplitLesionReadBackAsWritten)
{
  // After lesions are removed in a review the ids have gaps: {2, 5}; one id alone, 4; and a
  // lesion cut in two by an erase keeps its one id. Written and imported: the same ids, voxel
  // for voxel.
  const std::string dir = test::makeTempDir("slicer-export-gaps");
  const std::vector<std::map<std::uint16_t, std::uint16_t>> renumberings = {
    { { 2, 2 }, { 3, 5 } }, { { 4, 4 } }, { { 1, 7 }, { 2, 7 } }
  };
  for (std::size_t r = 0; r < renumberings.size(); ++r)
  {
    LiverLabels labels;
    labels.liver = phantom().liver;
    labels.lesions = mapOf(
      [&](std::size_t i) -> std::uint16_t
      {
        const auto found = renumberings[r].find(phantom().lesions->GetBufferPointer()[i]);
        return found == renumberings[r].end() ? 0 : found->second;
      });
    const std::string path = dir + "/gaps" + std::to_string(r) + ".seg.nrrd";
    writeSlicerLayers(slicerSegmentationOf(labels), path);
    LabelImportOptions options;
    options.liverPath = path;
    const ImportedLabels imported = importLabels(options, *phantom().ct);
    ASSERT_TRUE(imported.labels.lesions) << r;
    EXPECT_EQ(valueDifference(*imported.labels.lesions, *labels.lesions), 0u) << r;
    EXPECT_EQ(valueDifference(*imported.labels.liver, *phantom().liver), 0u) << r;
    std::uint16_t highest = 0;
    for (const auto& [from, to] : renumberings[r])
      highest = std::max(highest, to);
    EXPECT_EQ(imported.lesionCount, highest) << r;
  }
}

TEST(SlicerExport, LiverAloneIsOneLayerAndBadInputIsRefused)
{
  const std::string dir = test::makeTempDir("slicer-export-bad");
  LiverLabels labels;
  labels.liver = phantom().liver;
  const SlicerSegmentation seg = slicerSegmentationOf(labels);
  ASSERT_EQ(seg.layers.size(), 1u);
  ASSERT_EQ(seg.segments.size(), 1u);
  EXPECT_EQ(seg.segments[0].name, "Liver");
  EXPECT_EQ(seg.segments[0].labelValue, 1);
  writeSlicerLayers(seg, dir + "/liver.seg.nrrd");
  const std::string header = nrrdHeaderText(dir + "/liver.seg.nrrd");
  EXPECT_TRUE(test::contains(header, "dimension: 3\n")) << header;
  EXPECT_TRUE(test::contains(header, "kinds: domain domain domain\n")) << header;
  EXPECT_TRUE(test::contains(header, "type: unsigned char\n")) << header;
  LabelImportOptions options;
  options.liverPath = dir + "/liver.seg.nrrd";
  const ImportedLabels imported = importLabels(options, *phantom().ct);
  EXPECT_EQ(valueDifference(*imported.labels.liver, *phantom().liver), 0u);
  EXPECT_FALSE(imported.labels.lesions);

  // Lesion ids above 255 are kept: unsigned short voxels.
  LiverLabels many = labels;
  many.lesions = mapOf([](std::size_t i) -> std::uint16_t { return lesionAt(i) ? 300 : 0; });
  writeSlicerLayers(slicerSegmentationOf(many), dir + "/wide.seg.nrrd");
  EXPECT_TRUE(test::contains(nrrdHeaderText(dir + "/wide.seg.nrrd"), "type: unsigned short\n"));
  const SlicerSegmentation wide = readSlicerSegmentation(dir + "/wide.seg.nrrd");
  ASSERT_EQ(wide.layers.size(), 2u);
  EXPECT_EQ(valueDifference(*wide.layers[1], *many.lesions), 0u);

  EXPECT_THROW(slicerSegmentationOf(LiverLabels{}), std::invalid_argument);
  PhantomOptions coarse;
  coarse.spacingMm = { 8.0, 8.0, 8.0 };
  const Phantom other = makePhantom(coarse);
  LiverLabels mismatched = labels;
  mismatched.lesions = other.lesions;
  EXPECT_THROW(slicerSegmentationOf(mismatched), std::invalid_argument);
  EXPECT_THROW(slicerSegmentationOf(labels, { { "plan", other.liver } }), std::invalid_argument);
  EXPECT_THROW(writeSlicerLayers(SlicerSegmentation{}, dir + "/none.seg.nrrd"),
               std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(dir + "/none.seg.nrrd"));
}

TEST(SlicerExportCli, AnalyzeWritesASegNrrdThatAnalyzeReadsBackToTheSameLabelsAndFlr)
{
  const std::string p = test::writePhantomFolder("slicer-cli-phantom", { "--spacing", "4" });
  const std::string dir = test::makeTempDir("slicer-cli");
  const test::CommandResult first = test::runLiverplan({ "analyze",
                                                         p + "/ct.nii.gz",
                                                         "--liver",
                                                         p + "/liver.nii.gz",
                                                         "--lesions",
                                                         p + "/lesions.nii.gz",
                                                         "--segments",
                                                         p + "/segments.nii.gz",
                                                         "--plan",
                                                         "right-hemihepatectomy",
                                                         "--seg-nrrd",
                                                         "--out",
                                                         dir + "/a" });
  ASSERT_EQ(first.exitCode, 0) << first.err;
  const nlohmann::json a = test::readJson(dir + "/a/result.json");
  EXPECT_EQ(a["files"]["slicerSegmentation"], "segmentation.seg.nrrd");
  const SlicerSegmentation seg = readSlicerSegmentation(dir + "/a/segmentation.seg.nrrd");
  EXPECT_EQ(seg.layers.size(), 3u);
  EXPECT_EQ(seg.segments.back().name, "Remnant, plan 1");
  EXPECT_TRUE(test::contains(seg.segments.back().id, "remnant_1"));

  // The .seg.nrrd alone (as --liver, and as --segments since the plan needs segments): the same
  // liver, lesions and segments, the same plan result.
  const test::CommandResult second = test::runLiverplan({ "analyze",
                                                          p + "/ct.nii.gz",
                                                          "--liver",
                                                          dir + "/a/segmentation.seg.nrrd",
                                                          "--segments",
                                                          dir + "/a/segmentation.seg.nrrd",
                                                          "--plan",
                                                          "right-hemihepatectomy",
                                                          "--out",
                                                          dir + "/b" });
  ASSERT_EQ(second.exitCode, 0) << second.err;
  for (const char* file : { "liver.nii.gz", "lesions.nii.gz", "segments.nii.gz" })
    EXPECT_EQ(valueDifference(*loadLabels(dir + "/a/" + file), *loadLabels(dir + "/b/" + file)), 0u)
      << file;
  const nlohmann::json b = test::readJson(dir + "/b/result.json");
  EXPECT_EQ(a["volumetry"]["totalLiverMl"], b["volumetry"]["totalLiverMl"]);
  EXPECT_EQ(a["volumetry"]["tumourMl"], b["volumetry"]["tumourMl"]);
  EXPECT_EQ(a["plans"][0]["result"]["flrMl"], b["plans"][0]["result"]["flrMl"]);
  EXPECT_EQ(a["plans"][0]["result"]["flrPercent"], b["plans"][0]["result"]["flrPercent"]);
  EXPECT_FALSE(std::filesystem::exists(dir + "/b/segmentation.seg.nrrd"));
}
