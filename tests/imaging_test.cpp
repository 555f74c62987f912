/// liver::imaging on synthetic inputs with exact answers: slice-stack geometry and resampling,
/// label maps, grid checks, atomic writers.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/safe_path.h>
#include <liver/imaging/slice_stack.h>

#include <itkImageFileWriter.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

const std::array<double, 6> Axial{ 1, 0, 0, 0, 1, 0 };

std::vector<SliceGeometry> slicesAtZ(const std::vector<double>& z)
{
  std::vector<SliceGeometry> slices;
  for (double v : z)
    slices.push_back({ { -100.0, -50.0, v } });
  return slices;
}

/// A linear intensity field: linear and bilinear interpolation reproduce it exactly.
double ramp(const Vec3& p)
{
  return 2.0 * p[0] - 3.0 * p[1] + 5.0 * p[2];
}

template<typename TImage>
typename TImage::Pointer makeImage(std::array<unsigned, 3> size, std::array<double, 3> spacing)
{
  auto image = TImage::New();
  typename TImage::RegionType region;
  region.SetSize({ size[0], size[1], size[2] });
  image->SetRegions(region);
  typename TImage::SpacingType s;
  for (int a = 0; a < 3; ++a)
    s[a] = spacing[a];
  image->SetSpacing(s);
  image->Allocate(true);
  return image;
}

} // namespace

TEST(SliceStack, SortsByPositionAlongTheNormalNotByInputOrder)
{
  const auto stack = analyzeStack(slicesAtZ({ 4.0, 0.0, 8.0, 2.0, 6.0 }), Axial, { 1, 1 }, "test");
  EXPECT_EQ(stack.order, (std::vector<std::size_t>{ 1, 3, 0, 4, 2 }));
  EXPECT_DOUBLE_EQ(stack.medianStepMm, 2.0);
  EXPECT_TRUE(stack.uniform);
  EXPECT_FALSE(stack.sheared);
  EXPECT_EQ(stack.missingSlices, 0u);
  EXPECT_TRUE(isRegular(stack));
}

TEST(SliceStack, FeetFirstOrientationSortsAlongItsOwnNormal)
{
  // Row cosines -x: the normal is -z, so the most superior slice comes first.
  const auto stack =
    analyzeStack(slicesAtZ({ 0.0, 3.0, 6.0 }), { -1, 0, 0, 0, 1, 0 }, { 1, 1 }, "test");
  EXPECT_EQ(stack.order, (std::vector<std::size_t>{ 2, 1, 0 }));
  EXPECT_DOUBLE_EQ(stack.normal[2], -1.0);
  EXPECT_DOUBLE_EQ(stack.medianStepMm, 3.0);
}

TEST(SliceStack, DetectsNonUniformSpacingAndMissingSlices)
{
  // Steps 2, 2, 4 (one slice missing), 2, 2.
  const auto gap = analyzeStack(slicesAtZ({ 0, 2, 4, 8, 10, 12 }), Axial, { 1, 1 }, "test");
  EXPECT_FALSE(gap.uniform);
  EXPECT_EQ(gap.missingSlices, 1u);
  EXPECT_EQ(gap.distinctStepsMm, (std::vector<double>{ 2.0, 4.0 }));
  // Steps 1.5 and 2.5: not uniform, but no whole-multiple gap.
  const auto mixed = analyzeStack(slicesAtZ({ 0, 1.5, 4, 5.5, 8 }), Axial, { 1, 1 }, "test");
  EXPECT_FALSE(mixed.uniform);
  EXPECT_EQ(mixed.missingSlices, 0u);
  // DS rounding of a few micrometres is not non-uniformity.
  const auto rounded = analyzeStack(slicesAtZ({ 0, 0.8001, 1.5998, 2.4 }), Axial, { 1, 1 }, "test");
  EXPECT_TRUE(rounded.uniform);
}

TEST(SliceStack, DetectsShearFromGantryTilt)
{
  // Tilted columns (as GE writes gantry tilt): positions move along z, not along the normal.
  const double t = 18.5 * M_PI / 180.0;
  const std::array<double, 6> tilted{ 1, 0, 0, 0, std::cos(t), -std::sin(t) };
  const auto stack = analyzeStack(slicesAtZ({ 0, 5, 10, 15 }), tilted, { 0.5, 0.5 }, "test");
  EXPECT_TRUE(stack.sheared);
  EXPECT_TRUE(stack.uniform);
  EXPECT_NEAR(stack.medianStepMm, 5.0 * std::cos(t), 1e-9);
  EXPECT_NEAR(stack.inPlaneOffsetMm[1][1], -5.0 * std::sin(t), 1e-9);
  EXPECT_FALSE(isRegular(stack));
}

TEST(SliceStack, RejectsDuplicatePositionsAndBadOrientation)
{
  EXPECT_THROW(analyzeStack(slicesAtZ({ 0, 2, 2, 4 }), Axial, { 1, 1 }, "dup"), InputError);
  EXPECT_THROW(analyzeStack(slicesAtZ({ 0, 2 }), { 1, 0, 0, 1, 0, 0 }, { 1, 1 }, "bad"),
               InputError);
  EXPECT_THROW(analyzeStack({}, Axial, { 1, 1 }, "empty"), InputError);
  try
  {
    analyzeStack(slicesAtZ({ 0, 2, 2 }), Axial, { 1, 1 }, "series-dir");
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("series-dir"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("--series"), std::string::npos);
  }
}

TEST(SliceStack, ResamplingReproducesALinearFieldOnShearedNonUniformSlices)
{
  // Sheared (tilted) slices with steps 3, 1, 5, 3 mm sample a linear field; both the through-
  // plane linear and the in-plane bilinear interpolation are exact for it, so every output voxel
  // covered by slices must equal the field at its physical point (within the 0.5 HU rounding).
  const double t = 15.0 * M_PI / 180.0;
  const std::array<double, 6> orientation{ 1, 0, 0, 0, std::cos(t), -std::sin(t) };
  const std::vector<double> z{ 0, 3, 4, 9, 12 };
  const unsigned columns = 20, rows = 16;
  const std::array<double, 2> pixel{ 1.0, 1.25 };
  const Vec3 row{ 1, 0, 0 }, col{ 0, std::cos(t), -std::sin(t) };
  std::vector<SliceGeometry> slices;
  std::vector<std::vector<float>> pixels;
  for (double zz : z)
  {
    const Vec3 p0{ -10.0, -8.0, zz };
    slices.push_back({ p0 });
    std::vector<float> s(columns * rows);
    for (unsigned j = 0; j < rows; ++j)
      for (unsigned i = 0; i < columns; ++i)
      {
        Vec3 p;
        for (int a = 0; a < 3; ++a)
          p[a] = p0[a] + i * pixel[0] * row[a] + j * pixel[1] * col[a];
        s[j * columns + i] = static_cast<float>(ramp(p));
      }
    pixels.push_back(s);
  }
  const auto stack = analyzeStack(slices, orientation, pixel, "test");
  ASSERT_TRUE(stack.sheared);
  ASSERT_FALSE(stack.uniform);
  const auto image =
    resampleStack(pixels, columns, rows, pixel, slices[0].positionLpsMm, stack, -1024.0f);
  EXPECT_DOUBLE_EQ(image->GetSpacing()[2], stack.medianStepMm);
  std::size_t checked = 0;
  const auto size = image->GetLargestPossibleRegion().GetSize();
  for (unsigned k = 0; k < size[2]; ++k)
    for (unsigned j = 0; j < size[1]; ++j)
      for (unsigned i = 0; i < size[0]; ++i)
      {
        const CtImage::IndexType index{ { i, j, k } };
        const std::int16_t v = image->GetPixel(index);
        if (v == -1024)
          continue; // not covered by both neighbouring slices
        CtImage::PointType p;
        image->TransformIndexToPhysicalPoint(index, p);
        ASSERT_NEAR(v, ramp({ p[0], p[1], p[2] }), 0.5 + 1e-6)
          << "voxel " << i << "," << j << "," << k;
        ++checked;
      }
  // Most of the volume is covered; the uncovered rim is the shear's wedge.
  EXPECT_GT(checked, size[0] * size[1] * size[2] / 2);
}

TEST(SliceStack, RegularStackResamplesToTheSameSamples)
{
  const unsigned columns = 4, rows = 3;
  std::vector<std::vector<float>> pixels;
  for (int k = 0; k < 3; ++k)
  {
    std::vector<float> s(columns * rows);
    for (unsigned i = 0; i < s.size(); ++i)
      s[i] = static_cast<float>(100 * k + i);
    pixels.push_back(s);
  }
  const auto stack = analyzeStack(slicesAtZ({ 0, 2.5, 5 }), Axial, { 0.7, 0.7 }, "test");
  const auto image = resampleStack(pixels, columns, rows, { 0.7, 0.7 }, { -100, -50, 0 }, stack);
  ASSERT_EQ(image->GetLargestPossibleRegion().GetSize()[2], 3u);
  for (int k = 0; k < 3; ++k)
    for (unsigned i = 0; i < columns * rows; ++i)
      EXPECT_EQ(image->GetBufferPointer()[k * columns * rows + i], 100 * k + static_cast<int>(i));
  EXPECT_DOUBLE_EQ(image->GetOrigin()[0], -100.0);
}

TEST(GridMatch, ReportsEachKindOfMismatch)
{
  auto a = makeImage<LabelImage>({ 4, 5, 6 }, { 1, 1, 2 });
  auto b = makeImage<LabelImage>({ 4, 5, 6 }, { 1, 1, 2 });
  EXPECT_EQ(describeGridMismatch(*a, *b), "");
  auto c = makeImage<LabelImage>({ 4, 5, 7 }, { 1, 1, 2 });
  EXPECT_NE(describeGridMismatch(*a, *c).find("size 4x5x7"), std::string::npos);
  auto d = makeImage<LabelImage>({ 4, 5, 6 }, { 1, 1, 2.5 });
  EXPECT_NE(describeGridMismatch(*a, *d).find("spacing"), std::string::npos);
  auto e = makeImage<LabelImage>({ 4, 5, 6 }, { 1, 1, 2 });
  LabelImage::PointType origin;
  origin.Fill(0.0);
  origin[2] = 0.5;
  e->SetOrigin(origin);
  EXPECT_NE(describeGridMismatch(*a, *e).find("origin"), std::string::npos);
  // An origin within 5 % of a voxel is the same grid (float rounding in headers).
  origin[2] = 0.01;
  e->SetOrigin(origin);
  EXPECT_EQ(describeGridMismatch(*a, *e), "");
}

TEST(GridMatch, LabelsOnGridRefusesOrResamplesWithNearestNeighbour)
{
  auto ct = makeImage<CtImage>({ 4, 4, 4 }, { 2, 2, 2 });
  auto fine = makeImage<LabelImage>({ 8, 8, 8 }, { 1, 1, 1 });
  LabelImage::PointType origin;
  origin.Fill(-0.5); // voxel centres of the fine grid straddle the coarse ones
  fine->SetOrigin(origin);
  for (unsigned k = 0; k < 8; ++k)
    for (unsigned j = 0; j < 8; ++j)
      for (unsigned i = 0; i < 8; ++i)
        fine->SetPixel({ { i, j, k } }, static_cast<std::uint16_t>(i < 4 ? 3 : 7));
  EXPECT_THROW(labelsOnGrid(fine, *ct, "fine.nrrd", false), InputError);
  try
  {
    labelsOnGrid(fine, *ct, "fine.nrrd", false);
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("fine.nrrd"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("--resample-labels"), std::string::npos);
  }
  const auto onCt = labelsOnGrid(fine, *ct, "fine.nrrd", true);
  EXPECT_EQ(describeGridMismatch(*ct, *onCt), "");
  // Coarse voxel i sits at x = 2i mm = fine index 2i + 0.5; nearest neighbour keeps label values.
  EXPECT_EQ(onCt->GetPixel({ { 0, 0, 0 } }), 3);
  EXPECT_EQ(onCt->GetPixel({ { 1, 2, 3 } }), 3);
  EXPECT_EQ(onCt->GetPixel({ { 2, 0, 0 } }), 7);
  EXPECT_EQ(onCt->GetPixel({ { 3, 3, 3 } }), 7);
}

TEST(LabelIo, FloatLabelMapsLoadAsIntegerLabels)
{
  const std::string dir = test::makeTempDir("labels");
  auto f = makeImage<FloatImage>({ 3, 3, 3 }, { 1, 1, 1 });
  f->FillBuffer(0.0f);
  f->SetPixel({ { 1, 1, 1 } }, 5.0f);
  f->SetPixel({ { 0, 0, 0 } }, 2.0000001f);
  auto writer = itk::ImageFileWriter<FloatImage>::New();
  writer->SetInput(f);
  writer->SetFileName(dir + "/float.nii.gz");
  writer->Update();
  const auto labels = loadLabels(dir + "/float.nii.gz");
  EXPECT_EQ(labels->GetPixel({ { 1, 1, 1 } }), 5);
  EXPECT_EQ(labels->GetPixel({ { 0, 0, 0 } }), 2);
  EXPECT_EQ(labels->GetPixel({ { 2, 2, 2 } }), 0);

  f->SetPixel({ { 2, 2, 2 } }, 0.5f);
  writer->SetFileName(dir + "/fraction.nii.gz");
  writer->Update();
  try
  {
    loadLabels(dir + "/fraction.nii.gz");
    FAIL() << "a fractional label must be refused";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("fraction.nii.gz"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("0.5"), std::string::npos);
  }
}

TEST(Geometry, RejectsZeroAndNaNSpacing)
{
  auto image = makeImage<LabelImage>({ 2, 2, 2 }, { 1, 1, 1 });
  EXPECT_NO_THROW(checkGeometry(*image, "ok"));
  // ITK refuses to set a zero spacing, so corrupt it through the header of a file instead.
  const std::string dir = test::makeTempDir("geometry");
  for (const std::string spacing : { "0", "nan" })
  {
    const std::string path = dir + "/bad_" + spacing + ".nhdr";
    writeTextFile(dir + "/raw.raw", std::string(8, '\0'));
    writeTextFile(path,
                  "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\nspace: "
                  "left-posterior-superior\nspace directions: (" +
                    spacing +
                    ",0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: raw\n"
                    "data file: raw.raw\n\n");
    EXPECT_THROW(loadLabels(path), InputError) << spacing;
  }
}

TEST(AtomicWrite, LeavesOnlyTheFinalFile)
{
  const std::string dir = test::makeTempDir("write");
  auto image = makeImage<LabelImage>({ 3, 3, 3 }, { 1, 1, 1 });
  writeImage(image.GetPointer(), dir + "/mask.nii.gz");
  writeTextFile(dir + "/a.json", "{}\n");
  EXPECT_EQ(test::listDir(dir), (std::vector<std::string>{ "a.json", "mask.nii.gz" }));
  EXPECT_THROW(writeTextFile("/proc/liverplan-cannot-write/x.json", "{}"), OutputError);
}

TEST(CtLoading, MissingPathAndUnknownFileAreInputErrors)
{
  EXPECT_THROW(loadCt("/nonexistent/ct.nii.gz"), InputError);
  const std::string dir = test::makeTempDir("notdicom");
  writeTextFile(dir + "/readme.txt", "not an image\n");
  EXPECT_THROW(loadCt(dir + "/readme.txt"), InputError);
  try
  {
    loadCt(dir);
    FAIL() << "a folder without DICOM must be refused";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("no DICOM image files"), std::string::npos);
  }
}

TEST(CtLoading, TruncatedFilesOfEveryFormatAreRefused)
{
  // Some readers (ITK's NIfTI) accept a file that ends early and leave voxels undefined; the
  // loader must refuse each format's truncated file by name.
  const std::string dir = test::makeTempDir("truncated");
  auto ct = makeImage<CtImage>({ 64, 64, 32 }, { 1, 1, 2 });
  for (std::size_t i = 0; i < 64 * 64 * 32; ++i)
    ct->GetBufferPointer()[i] = static_cast<std::int16_t>((i * 7919) % 2000 - 1000);
  for (const std::string name : { "ct.nii.gz", "ct.nii", "ct.nrrd", "ct.mha" })
  {
    const std::string path = dir + "/" + name;
    writeImage(ct.GetPointer(), path);
    const CtVolume whole = loadCt(path);
    EXPECT_TRUE(std::equal(ct->GetBufferPointer(),
                           ct->GetBufferPointer() + 64 * 64 * 32,
                           whole.image->GetBufferPointer()))
      << name;
    fs::resize_file(path, fs::file_size(path) * 2 / 3);
    try
    {
      loadCt(path);
      ADD_FAILURE() << name << ": truncated file loaded";
    }
    catch (const InputError& e)
    {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
    const std::string labelsPath = dir + "/labels_" + name;
    fs::copy_file(path, labelsPath);
    EXPECT_THROW(loadLabels(labelsPath), InputError) << name;
  }
}

TEST(SafePath, UidsStayAndEverythingElseBecomesAPlainNameWithAHash)
{
  EXPECT_EQ(safePathComponent("1.2.840.113619.2.55.3"), "1.2.840.113619.2.55.3");
  EXPECT_TRUE(isSafeUid(std::string(64, '1')));
  EXPECT_FALSE(isSafeUid(std::string(65, '1')));
  EXPECT_FALSE(isSafeUid(".."));
  EXPECT_FALSE(isSafeUid("."));
  EXPECT_FALSE(isSafeUid(""));
  EXPECT_FALSE(isSafeUid("1.2/3"));
  for (const std::string& hostile : std::vector<std::string>{ "../../escaped",
                                                              "..",
                                                              ".",
                                                              "",
                                                              "/etc/passwd",
                                                              "a/../../b",
                                                              "CT Abdomen (portal)",
                                                              std::string(300, 'x'),
                                                              std::string("a\0b", 3),
                                                              "\xff\xfe..",
                                                              ".hidden",
                                                              "C:\\x\\y" })
  {
    const std::string name = safePathComponent(hostile);
    SCOPED_TRACE(name);
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name.front(), '.');
    EXPECT_EQ(name.find('/'), std::string::npos);
    EXPECT_EQ(name.find('\\'), std::string::npos);
    EXPECT_EQ(name.find(".."), std::string::npos);
    EXPECT_LE(name.size(), 53u); // 40 + '-' + 12 hex digits
    EXPECT_FALSE(isSafeUid(name)) << "a mapped name never collides with a real UID";
  }
  EXPECT_EQ(safePathComponent("CT Abdomen (portal)").substr(0, 18), "CT_Abdomen_portal_");
  EXPECT_NE(safePathComponent("a b"), safePathComponent("a_b")) << "the hash keeps them apart";
  EXPECT_EQ(safePathComponent("../../escaped"), safePathComponent("../../escaped"));
  EXPECT_EQ(fileNameSlug("Right hemi + S1", "plan"), "right-hemi-s1");
  EXPECT_EQ(fileNameSlug("../..", "plan"), "plan");
}

TEST(SafePath, WritesLeavingTheOutputFolderAreRefusedAlsoThroughSymlinks)
{
  const fs::path base = test::makeTempDir("safe-path");
  const fs::path out = base / "out";
  fs::create_directories(out / "sub");
  fs::create_directories(base / "elsewhere");
  fs::create_directories(base / "out2");
  EXPECT_EQ(outputPathInside(out, "result.json"), out / "result.json");
  EXPECT_EQ(outputPathInside(out, "sub/new/x.nii.gz"), out / "sub/new/x.nii.gz");
  EXPECT_EQ(outputPathInside(out, "sub/../y"), out / "sub/../y");
  EXPECT_THROW(outputPathInside(out, "../escaped"), OutputError);
  EXPECT_THROW(outputPathInside(out, "../out2/x"), OutputError) << "a sibling sharing a prefix";
  EXPECT_THROW(outputPathInside(out, "/tmp/x"), OutputError);
  fs::create_directory_symlink(base / "elsewhere", out / "images");
  EXPECT_THROW(outputPathInside(out, "images/a.png"), OutputError);
  fs::create_symlink(base / "elsewhere" / "file", out / "result.json");
  EXPECT_THROW(outputPathInside(out, "result.json"), OutputError);
  fs::create_directory_symlink(out / "sub", out / "inner");
  EXPECT_EQ(outputPathInside(out, "inner/z"), out / "inner/z") << "a symlink staying inside";
  try
  {
    outputPathInside(out, "images/a.png");
  }
  catch (const OutputError& e)
  {
    EXPECT_TRUE(std::string(e.what()).find("leaves the output folder") != std::string::npos);
  }
  // The output folder itself may be reached through a symlink.
  fs::create_directory_symlink(out, base / "link-to-out");
  EXPECT_EQ(outputPathInside(base / "link-to-out", "r.json"), base / "link-to-out" / "r.json");
}

namespace
{

/// A 4x4x3 .nii (NIfTI-1, little endian, uncompressed) of int16 with spacing (1, 1, 2).
std::string writeSmallNifti(const std::string& path)
{
  auto ct = makeImage<CtImage>({ 4, 4, 3 }, { 1, 1, 2 });
  writeImage(ct.GetPointer(), path);
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

template<typename T>
void put(std::string& bytes, std::size_t offset, T value)
{
  std::memcpy(&bytes[offset], &value, sizeof value);
}

/// What loading `path` as a CT and as labels says: both must refuse with `part` in the message.
void expectRefused(const std::string& path, const std::string& part)
{
  for (int asLabels = 0; asLabels < 2; ++asLabels)
    try
    {
      if (asLabels)
        loadLabels(path);
      else
        loadCt(path);
      ADD_FAILURE() << path << " loaded (" << part << ")";
    }
    catch (const InputError& e)
    {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

} // namespace

TEST(HeaderChecks, LyingNiftiHeadersAreRefusedBeforeItkReadsThem)
{
  const std::string dir = test::makeTempDir("nifti-header");
  const std::string good = writeSmallNifti(dir + "/good.nii");
  ASSERT_EQ(loadCt(dir + "/good.nii").image->GetSpacing()[2], 2.0);
  struct Lie
  {
    std::string name, expected;
    std::function<void(std::string&)> edit;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Lie> lies = {
    // ITK read pixdim[1] = 0 without qform/sform as 1 mm: volumes silently off.
    { "pixdim1-zero-noxform",
      "pixdim[1] = 0",
      [](std::string& b)
      {
        put<float>(b, 80, 0.0f);
        put<std::int16_t>(b, 252, 0);
        put<std::int16_t>(b, 254, 0);
      } },
    { "pixdim2-zero", "pixdim[2] = 0", [](std::string& b) { put<float>(b, 84, 0.0f); } },
    { "pixdim3-nan", "pixdim[3] = nan", [nan](std::string& b) { put<float>(b, 88, nan); } },
    { "pixdim1-negative", "pixdim[1] = -1", [](std::string& b) { put<float>(b, 80, -1.0f); } },
    { "dim0", "dim[0] = 9", [](std::string& b) { put<std::int16_t>(b, 40, 9); } },
    { "dim2-zero", "dim[2] = 0", [](std::string& b) { put<std::int16_t>(b, 44, 0); } },
    { "dim-bomb",
      "voxels claimed",
      [](std::string& b)
      {
        for (int i = 1; i <= 3; ++i)
          put<std::int16_t>(b, 40 + 2 * i, 32767);
      } },
    { "claims-more-slices", "truncated", [](std::string& b) { put<std::int16_t>(b, 46, 30); } },
    { "datatype-complex", "datatype 32", [](std::string& b) { put<std::int16_t>(b, 70, 32); } },
    { "bitpix", "bitpix 8 does not match", [](std::string& b) { put<std::int16_t>(b, 72, 8); } },
    { "voxoffset-nan", "vox_offset", [nan](std::string& b) { put<float>(b, 108, nan); } },
    { "voxoffset-negative", "vox_offset", [](std::string& b) { put<float>(b, 108, -4.0f); } },
    { "voxoffset-past-end", "truncated", [](std::string& b) { put<float>(b, 108, 1e6f); } },
    { "magic", "magic", [](std::string& b) { b.replace(344, 4, std::string("ni1\0", 4)); } },
    { "sizeof-hdr", "sizeof_hdr", [](std::string& b) { put<std::int32_t>(b, 0, 349); } },
    { "short", "header truncated", [](std::string& b) { b.resize(200); } },
  };
  for (const Lie& lie : lies)
  {
    SCOPED_TRACE(lie.name);
    std::string bytes = good;
    lie.edit(bytes);
    const std::string path = dir + "/" + lie.name + ".nii";
    writeTextFile(path, bytes);
    expectRefused(path, lie.expected);
  }
  // The same checks through gzip.
  std::string bytes = good;
  put<float>(bytes, 80, 0.0f);
  gzFile gz = gzopen((dir + "/zero.nii.gz").c_str(), "wb");
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  expectRefused(dir + "/zero.nii.gz", "pixdim[1] = 0");
}

TEST(HeaderChecks, LyingNrrdAndMetaImageHeadersAreRefused)
{
  const std::string dir = test::makeTempDir("nrrd-mha-header");
  writeTextFile(dir + "/raw.raw", std::string(8, '\0'));
  const std::string nrrd = "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\nspace: "
                           "left-posterior-superior\nspace directions: (1,0,0) (0,1,0) (0,0,1)\n"
                           "space origin: (0,0,0)\nencoding: raw\n";
  writeTextFile(dir + "/good.nhdr", nrrd + "data file: raw.raw\n\n");
  ASSERT_NO_THROW(loadLabels(dir + "/good.nhdr"));
  auto replaced = [&](const std::string& from, const std::string& to)
  {
    std::string text = nrrd + "data file: raw.raw\n\n";
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const std::vector<std::array<std::string, 3>> nrrdLies = {
    { "sizes-zero", replaced("sizes: 2 2 2", "sizes: 2 0 2"), "sizes: a zero dimension" },
    { "sizes-bomb", replaced("sizes: 2 2 2", "sizes: 100000 100000 100000"), "voxels claimed" },
    { "sizes-count", replaced("sizes: 2 2 2", "sizes: 2 2"), "sizes: 2 values" },
    { "type", replaced("type: uchar", "type: block"), "type:" },
    { "direction-zero", replaced("(1,0,0)", "(0,0,0)"), "axis 0 length = 0" },
    { "direction-nan", replaced("(0,1,0)", "(0,nan,0)"), "not a finite number" },
    { "spacings",
      replaced("space directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\n",
               "spacings: 1 -2 1\n"),
      "spacings[1] = -2" },
    { "encoding", replaced("encoding: raw", "encoding: lzw"), "encoding" },
    { "datafile-device",
      replaced("data file: raw.raw", "data file: /dev/zero"),
      "not a regular file" },
    { "datafile-missing",
      replaced("data file: raw.raw", "data file: nothere.raw"),
      "not a regular file" },
    { "magic", "NRRX0004\n", "magic" },
  };
  for (const auto& [name, text, expected] : nrrdLies)
  {
    SCOPED_TRACE(name);
    writeTextFile(dir + "/" + name + ".nhdr", text);
    expectRefused(dir + "/" + name + ".nhdr", expected);
  }
  // Compressed data that cannot hold what the header claims (a reader would allocate 500 MB).
  writeTextFile(dir + "/bomb.nhdr",
                "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 1000 1000 500\nspacings: 1 1 1\n"
                "encoding: gzip\ndata file: raw.raw\n\n");
  expectRefused(dir + "/bomb.nhdr", "compressed bytes cannot hold");
  writeTextFile(dir + "/bomb.mhd",
                "ObjectType = Image\nNDims = 3\nDimSize = 1000 1000 500\n"
                "ElementSpacing = 1 1 1\nElementType = MET_UCHAR\n"
                "CompressedData = True\nElementDataFile = raw.raw\n");
  expectRefused(dir + "/bomb.mhd", "compressed bytes cannot hold");
  // A field name over MetaIO's 255-byte buffer (its strcpy overflowed it; glibc aborted).
  writeTextFile(dir + "/long-name.mha",
                "ObjectType = Image\nNDims " + std::string(300, 'x') + "\nNDims = 3\n");
  expectRefused(dir + "/long-name.mha", "longer than 254 characters");
  // An attached NRRD that claims more voxels than it holds.
  writeTextFile(dir + "/short.nrrd", nrrd + "\n" + std::string(5, '\0'));
  expectRefused(dir + "/short.nrrd", "truncated");

  // Compressed MetaImage data that does not inflate to the voxels: MetaIO printed "Uncompress
  // failed" and handed over garbage as voxels (exit 0, or 3 later); now refused, exit code 2.
  const std::string header = "ObjectType = Image\nNDims = 3\nDimSize = 4 4 4\n"
                             "ElementSpacing = 1 1 1\nElementType = MET_UCHAR\n"
                             "CompressedData = True\n";
  auto zlibOf = [](const std::string& bytes)
  {
    uLongf size = compressBound(static_cast<uLong>(bytes.size()));
    std::string out(size, '\0');
    compress2(reinterpret_cast<Bytef*>(out.data()),
              &size,
              reinterpret_cast<const Bytef*>(bytes.data()),
              static_cast<uLong>(bytes.size()),
              6);
    out.resize(size);
    return out;
  };
  auto mhaOf = [&](const std::string& data)
  {
    return header + "CompressedDataSize = " + std::to_string(data.size()) +
           "\nElementDataFile = LOCAL\n" + data;
  };
  const std::string voxels = zlibOf(std::string(64, '\1'));
  writeTextFile(dir + "/zipped.mha", mhaOf(voxels));
  EXPECT_EQ(loadLabels(dir + "/zipped.mha")->GetLargestPossibleRegion().GetNumberOfPixels(), 64u);
  std::string corrupt = voxels;
  for (std::size_t i = 2; i < corrupt.size(); ++i)
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  writeTextFile(dir + "/corrupt.mha", mhaOf(corrupt));
  expectRefused(dir + "/corrupt.mha", "CompressedData: the zlib stream inflates to an error");
  writeTextFile(dir + "/few.mha", mhaOf(zlibOf(std::string(40, '\1'))));
  expectRefused(dir + "/few.mha", "inflates to 40 bytes, but DimSize x ElementType give 64");
  writeTextFile(dir + "/many.mha", mhaOf(zlibOf(std::string(100, '\1'))));
  expectRefused(dir + "/many.mha", "inflates to 100 bytes or more");

  const std::string mhd = "ObjectType = Image\nNDims = 3\nDimSize = 2 2 2\nElementSpacing = 1 1 1\n"
                          "ElementType = MET_UCHAR\nElementDataFile = raw.raw\n";
  writeTextFile(dir + "/good.mhd", mhd);
  ASSERT_NO_THROW(loadLabels(dir + "/good.mhd"));
  auto mhdWith = [&](const std::string& from, const std::string& to)
  {
    std::string text = mhd;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const std::vector<std::array<std::string, 3>> mhdLies = {
    { "spacing-zero",
      mhdWith("ElementSpacing = 1 1 1", "ElementSpacing = 1 0 1"),
      "ElementSpacing[1] = 0" },
    { "spacing-nan",
      mhdWith("ElementSpacing = 1 1 1", "ElementSpacing = nan 1 1"),
      "ElementSpacing[0] = nan" },
    { "dims-zero", mhdWith("DimSize = 2 2 2", "DimSize = 2 2 0"), "DimSize: a zero dimension" },
    { "dims-bomb", mhdWith("DimSize = 2 2 2", "DimSize = 4096 4096 4096"), "voxels claimed" },
    { "ndims", mhdWith("NDims = 3", "NDims = 99"), "NDims" },
    { "type", mhdWith("MET_UCHAR", "MET_FLOAT_MATRIX"), "ElementType" },
    { "datafile-device", mhdWith("raw.raw", "/dev/zero"), "not a regular file" },
    { "claims-more", mhdWith("DimSize = 2 2 2", "DimSize = 2 2 4"), "truncated" },
  };
  for (const auto& [name, text, expected] : mhdLies)
  {
    SCOPED_TRACE(name);
    writeTextFile(dir + "/" + name + ".mhd", text);
    expectRefused(dir + "/" + name + ".mhd", expected);
  }
}
