/// Loading CT volumes from image files and DICOM series into HU, geometry in LPS.

#include <liver/imaging/dicom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/slice_stack.h>

#include "dicom_stream.h"
#include "file_checks.h"

#include <gdcmAttribute.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmTrace.h>
#include <itkGDCMImageIO.h>
#include <itkImageFileReader.h>
#include <itkImageIOFactory.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

std::string lowerExtension(const std::string& path)
{
  std::string name = fs::path(path).filename().string();
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* ext : { ".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd" })
  {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return e;
  }
  return fs::path(name).extension().string();
}

std::string formatOf(const std::string& extension)
{
  if (extension == ".nii" || extension == ".nii.gz")
    return "nifti";
  if (extension == ".nrrd" || extension == ".nhdr")
    return "nrrd";
  if (extension == ".mha" || extension == ".mhd")
    return "metaimage";
  return "";
}

std::int16_t toHu(double value)
{
  return static_cast<std::int16_t>(std::clamp(std::round(value), -32768.0, 32767.0));
}

/// Round a float image to int16 HU on the same grid.
CtImage::Pointer roundToCt(const FloatImage& input)
{
  auto ct = CtImage::New();
  ct->CopyInformation(&input);
  ct->SetRegions(input.GetLargestPossibleRegion());
  ct->Allocate();
  const float* in = input.GetBufferPointer();
  std::int16_t* out = ct->GetBufferPointer();
  const std::size_t n = input.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
  {
    if (!std::isfinite(in[i]))
      throw InputError("", "non-finite intensity at voxel " + std::to_string(i));
    out[i] = toHu(in[i]);
  }
  return ct;
}

template<typename TImage>
typename TImage::Pointer readWith(const std::string& path, itk::ImageIOBase* io)
{
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(path);
  if (io != nullptr)
    reader->SetImageIO(io);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject& e)
  {
    throw InputError(path, std::string("cannot read image: ") + e.GetDescription());
  }
  return reader->GetOutput();
}

CtVolume loadImageFile(const std::string& path, const std::string& format)
{
  const itk::ImageIOBase::Pointer io = readImageHeader(path);
  if (io->GetNumberOfDimensions() != 3)
    throw InputError(path,
                     "expected a 3D image, got " + std::to_string(io->GetNumberOfDimensions()) +
                       " dimensions");
  if (io->GetNumberOfComponents() != 1)
    throw InputError(
      path, "expected one component per voxel, got " + std::to_string(io->GetNumberOfComponents()));
  detail::checkImageFileComplete(path, *io);

  CtVolume volume;
  const auto component = io->GetComponentType();
  if (component == itk::IOComponentEnum::SHORT || component == itk::IOComponentEnum::CHAR ||
      component == itk::IOComponentEnum::UCHAR)
    volume.image = readWith<CtImage>(path, io);
  else
  {
    try
    {
      volume.image = roundToCt(*readWith<FloatImage>(path, io));
    }
    catch (const InputError& e)
    {
      throw InputError(path, e.what());
    }
  }
  checkGeometry(*volume.image, path);
  volume.load.source = path;
  volume.load.format = format;
  volume.load.fileCount = 1;
  return volume;
}

/// Convert `count` stored values of GDCM scalar type `type` to HU with slope and intercept.
template<typename T>
void rescaleTo(const char* raw, std::size_t count, double slope, double intercept, float* out)
{
  const T* in = reinterpret_cast<const T*>(raw);
  for (std::size_t i = 0; i < count; ++i)
    out[i] = static_cast<float>(slope * static_cast<double>(in[i]) + intercept);
}

/// Read one single-frame DICOM image into a float buffer in HU. Truncated or undecodable pixel
/// data is an InputError naming the file: GDCM itself only warns and reads what is there.
std::vector<float> readDicomSlice(const std::string& file, unsigned columns, unsigned rows)
{
  gdcm::ImageReader reader;
  reader.SetFileName(file.c_str());
  if (!reader.Read())
    throw InputError(file, "cannot read DICOM image (corrupt or truncated file)");
  const gdcm::Image& image = reader.GetImage();
  const gdcm::PixelFormat& format = image.GetPixelFormat();
  if (format.GetSamplesPerPixel() != 1)
    throw InputError(file,
                     "SamplesPerPixel (0028,0002) is " +
                       std::to_string(format.GetSamplesPerPixel()) + ", not a CT image");
  // The pixel format as the header declares it (GDCM's PixelFormat quietly repairs some lies).
  const gdcm::DataSet& dataSet = reader.GetFile().GetDataSet();
  gdcm::Attribute<0x0028, 0x0100> allocatedTag{ static_cast<std::uint16_t>(
    format.GetBitsAllocated()) };
  gdcm::Attribute<0x0028, 0x0101> storedTag{ static_cast<std::uint16_t>(format.GetBitsStored()) };
  gdcm::Attribute<0x0028, 0x0102> highTag{ static_cast<std::uint16_t>(format.GetHighBit()) };
  if (dataSet.FindDataElement(allocatedTag.GetTag()) &&
      !dataSet.GetDataElement(allocatedTag.GetTag()).IsEmpty())
    allocatedTag.SetFromDataSet(dataSet);
  if (dataSet.FindDataElement(storedTag.GetTag()) &&
      !dataSet.GetDataElement(storedTag.GetTag()).IsEmpty())
    storedTag.SetFromDataSet(dataSet);
  if (dataSet.FindDataElement(highTag.GetTag()) &&
      !dataSet.GetDataElement(highTag.GetTag()).IsEmpty())
    highTag.SetFromDataSet(dataSet);
  const unsigned bitsAllocated = allocatedTag.GetValue();
  if (bitsAllocated != 8 && bitsAllocated != 16 && bitsAllocated != 32)
    throw InputError(
      file, "BitsAllocated (0028,0100) is " + std::to_string(bitsAllocated) + ", not 8, 16 or 32");
  if (storedTag.GetValue() == 0 || storedTag.GetValue() > bitsAllocated ||
      highTag.GetValue() >= bitsAllocated)
    throw InputError(file,
                     "BitsStored (0028,0101) " + std::to_string(storedTag.GetValue()) +
                       " / HighBit (0028,0102) " + std::to_string(highTag.GetValue()) +
                       " do not fit BitsAllocated " + std::to_string(bitsAllocated));
  if (image.GetDimension(0) != columns || image.GetDimension(1) != rows)
  {
    std::ostringstream msg;
    msg << "slice is " << image.GetDimension(0) << "x" << image.GetDimension(1) << ", expected "
        << columns << "x" << rows << " like the rest of the series";
    throw InputError(file, msg.str());
  }
  const std::size_t count = static_cast<std::size_t>(columns) * rows;
  const std::size_t length = image.GetBufferLength();
  const gdcm::DataElement& pixelData =
    reader.GetFile().GetDataSet().GetDataElement(gdcm::Tag(0x7fe0, 0x0010));
  if (pixelData.IsEmpty())
    throw InputError(file, "no PixelData (7FE0,0010)");
  const bool deflated =
    image.GetTransferSyntax() == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian;
  if (const gdcm::ByteValue* native = pixelData.GetByteValue(); native != nullptr && !deflated)
  {
    // GDCM sizes the value from its header length even when the file ends early, so compare the
    // file's size with where the pixel data value starts (skipping the value leaves the stream
    // there) plus that length.
    gdcm::Reader header;
    header.SetFileName(file.c_str());
    header.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010), { gdcm::Tag(0x7fe0, 0x0010) });
    const std::size_t start = header.GetStreamCurrentPosition();
    const auto fileSize = static_cast<std::size_t>(fs::file_size(file));
    if (start + native->GetLength() > fileSize)
      throw InputError(file,
                       "PixelData (7FE0,0010) truncated: file ends " +
                         std::to_string(start + native->GetLength() - fileSize) + " bytes early");
    const std::size_t declaredBytes = count * (bitsAllocated / 8);
    if (native->GetLength() < length || native->GetLength() < declaredBytes ||
        native->GetLength() > declaredBytes + 1)
      throw InputError(file,
                       "PixelData (7FE0,0010) holds " + std::to_string(native->GetLength()) +
                         " bytes, but Rows x Columns x BitsAllocated (0028,0100) give " +
                         std::to_string(declaredBytes));
  }
  std::vector<char> raw(length);
  if (!image.GetBuffer(raw.data()))
    throw InputError(file,
                     "cannot decode PixelData (transfer syntax " +
                       std::string(image.GetTransferSyntax().GetString()
                                     ? image.GetTransferSyntax().GetString()
                                     : "?") +
                       ")");
  const double slope = image.GetSlope();
  const double intercept = image.GetIntercept();
  std::vector<float> hu(count);
  switch (format.GetScalarType())
  {
    case gdcm::PixelFormat::UINT8:
      rescaleTo<std::uint8_t>(raw.data(), count, slope, intercept, hu.data());
      break;
    case gdcm::PixelFormat::INT8:
      rescaleTo<std::int8_t>(raw.data(), count, slope, intercept, hu.data());
      break;
    case gdcm::PixelFormat::UINT12:
    case gdcm::PixelFormat::UINT16:
      rescaleTo<std::uint16_t>(raw.data(), count, slope, intercept, hu.data());
      break;
    case gdcm::PixelFormat::INT12:
    case gdcm::PixelFormat::INT16:
      rescaleTo<std::int16_t>(raw.data(), count, slope, intercept, hu.data());
      break;
    case gdcm::PixelFormat::UINT32:
      rescaleTo<std::uint32_t>(raw.data(), count, slope, intercept, hu.data());
      break;
    case gdcm::PixelFormat::INT32:
      rescaleTo<std::int32_t>(raw.data(), count, slope, intercept, hu.data());
      break;
    default:
      throw InputError(file,
                       std::string("unsupported pixel format ") + format.GetScalarTypeAsString());
  }
  return hu;
}

/// Run body(0..count-1) on up to hardware_concurrency threads (slices decode independently).
/// When several calls throw, the exception of the lowest index is rethrown, so the error a user
/// sees does not depend on thread timing.
void forEachInParallel(std::size_t count, const std::function<void(std::size_t)>& body)
{
  const std::size_t workers =
    std::min<std::size_t>(count, std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  std::atomic<std::size_t> next{ 0 };
  std::vector<std::exception_ptr> errors(count);
  auto work = [&]
  {
    for (std::size_t i = next++; i < count; i = next++)
    {
      try
      {
        body(i);
      }
      catch (...)
      {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < workers; ++t)
    threads.emplace_back(work);
  work();
  for (auto& t : threads)
    t.join();
  for (const auto& e : errors)
    if (e)
      std::rethrow_exception(e);
}

/// Header values no CT has: Rows or Columns over 16384, more than MaxImageVoxels voxels in
/// `frames` frames, a negative or non-finite SliceThickness (0 is read as absent).
void checkDicomFields(const DicomFileInfo& f, std::uint64_t frames)
{
  if (!f.problem.empty())
    throw InputError(f.path, f.problem);
  constexpr int MaxRowsColumns = 16384;
  if (f.rows > MaxRowsColumns || f.columns > MaxRowsColumns)
    throw InputError(f.path,
                     "Rows x Columns (0028,0010/0011) " + std::to_string(f.rows) + "x" +
                       std::to_string(f.columns) + ": absurd (more than " +
                       std::to_string(MaxRowsColumns) + ")");
  const std::uint64_t voxels = static_cast<std::uint64_t>(f.rows) *
                               static_cast<std::uint64_t>(f.columns) *
                               std::max<std::uint64_t>(frames, 1);
  if (voxels > detail::MaxImageVoxels)
    throw InputError(f.path,
                     std::to_string(f.columns) + "x" + std::to_string(f.rows) + "x" +
                       std::to_string(frames) + " voxels: more than " +
                       std::to_string(detail::MaxImageVoxels) + " (refused before reading)");
  if (!std::isfinite(f.sliceThicknessMm) || f.sliceThicknessMm < 0)
    throw InputError(f.path,
                     "SliceThickness (0018,0050) = " + std::to_string(f.sliceThicknessMm) +
                       ": must be > 0");
}

CtVolume loadMultiFrame(const DicomFileInfo& file)
{
  checkDicomFields(file, static_cast<std::uint64_t>(file.numberOfFrames));
  auto io = itk::GDCMImageIO::New();
  CtVolume volume;
  volume.image = roundToCt(*readWith<FloatImage>(file.path, io));
  checkGeometry(*volume.image, file.path);
  volume.load.source = file.path;
  volume.load.format = "dicom-multiframe";
  volume.load.fileCount = 1;
  return volume;
}

void checkSeriesConsistency(const DicomSeries& series, const std::string& source)
{
  const DicomFileInfo& first = series.files.front();
  for (const DicomFileInfo& f : series.files)
  {
    checkDicomFields(f, series.files.size());
    if (!f.hasPosition)
      throw InputError(f.path, "ImagePositionPatient (0020,0032) missing or invalid");
    if (!f.hasOrientation)
      throw InputError(f.path, "ImageOrientationPatient (0020,0037) missing or invalid");
    if (!f.hasPixelSpacing)
      throw InputError(f.path,
                       "PixelSpacing (0028,0030) missing or not positive: cannot measure "
                       "volumes without it");
    if (f.rows != first.rows || f.columns != first.columns)
      throw InputError(source,
                       "series mixes image sizes (" + std::to_string(first.columns) + "x" +
                         std::to_string(first.rows) + " and " + std::to_string(f.columns) + "x" +
                         std::to_string(f.rows) + ")");
    for (int i = 0; i < 6; ++i)
      if (std::abs(f.orientation[i] - first.orientation[i]) > 1e-4)
        throw InputError(f.path, "ImageOrientationPatient differs within the series");
    for (int i = 0; i < 2; ++i)
      if (std::abs(f.pixelSpacing[i] - first.pixelSpacing[i]) > 1e-4 * first.pixelSpacing[i])
        throw InputError(f.path, "PixelSpacing differs within the series");
  }
}

std::string describeSteps(const StackGeometry& stack)
{
  std::ostringstream s;
  for (std::size_t i = 0; i < stack.distinctStepsMm.size(); ++i)
    s << (i ? ", " : "") << stack.distinctStepsMm[i];
  return s.str();
}

/// `series` with one file per SOPInstanceUID: of several copies of one instance (a PACS export
/// that sent it twice) the first intact one is kept and the others are reported in `warnings`.
/// Intact copies with different pixel data or positions are an InputError; when no copy is
/// intact the first is kept, and loading it reports its own error.
DicomSeries withoutDuplicateInstances(const DicomSeries& series, std::vector<std::string>& warnings)
{
  std::map<std::string, std::vector<std::size_t>> copies;
  for (std::size_t i = 0; i < series.files.size(); ++i)
    if (!series.files[i].sopInstanceUid.empty())
      copies[series.files[i].sopInstanceUid].push_back(i);
  std::set<std::size_t> dropped;
  for (const auto& [uid, files] : copies)
  {
    if (files.size() < 2)
      continue;
    std::optional<std::size_t> kept;
    std::vector<float> keptPixels;
    std::string why;
    for (std::size_t i : files)
    {
      const DicomFileInfo& f = series.files[i];
      if (!f.problem.empty())
      {
        why += std::string(why.empty() ? "" : "; ") + f.path + ": " + f.problem;
        continue;
      }
      std::vector<float> pixels;
      try
      {
        pixels =
          readDicomSlice(f.path, static_cast<unsigned>(f.columns), static_cast<unsigned>(f.rows));
      }
      catch (const InputError& e)
      {
        why += std::string(why.empty() ? "" : "; ") + e.what();
        continue;
      }
      if (!kept)
      {
        kept = i, keptPixels = std::move(pixels);
        continue;
      }
      const DicomFileInfo& k = series.files[*kept];
      if (pixels != keptPixels || f.position != k.position || f.hasPosition != k.hasPosition)
        throw InputError(f.path,
                         "SOPInstanceUID (0008,0018) " + uid + " is also " + k.path +
                           " with different pixel data or position");
      why += std::string(why.empty() ? "" : "; ") + f.path + ": identical copy";
    }
    const std::size_t keep = kept.value_or(files.front());
    for (std::size_t i : files)
      if (i != keep)
        dropped.insert(i);
    if (kept)
      warnings.push_back("SOPInstanceUID " + uid + " in " + std::to_string(files.size()) +
                         " files: kept " + series.files[keep].path + ", skipped the others (" +
                         why + ")");
  }
  if (dropped.empty())
    return series;
  DicomSeries unique = series;
  unique.files.clear();
  for (std::size_t i = 0; i < series.files.size(); ++i)
    if (!dropped.count(i))
      unique.files.push_back(series.files[i]);
  return unique;
}

CtVolume loadDicomSeries(const DicomSeries& allFiles,
                         const std::string& source,
                         const CtLoadOptions& options)
{
  std::vector<std::string> duplicateWarnings;
  const DicomSeries series = withoutDuplicateInstances(allFiles, duplicateWarnings);
  if (series.files.size() == 1 && series.files.front().numberOfFrames > 1)
  {
    CtVolume volume = loadMultiFrame(series.files.front());
    volume.study = readStudyInfo(series.files.front().path);
    return volume;
  }
  checkSeriesConsistency(series, source);
  const DicomFileInfo& first = series.files.front();
  const auto columns = static_cast<unsigned>(first.columns);
  const auto rows = static_cast<unsigned>(first.rows);
  // DICOM PixelSpacing is (row spacing = along columns, column spacing = along rows).
  const std::array<double, 2> spacingMm{ first.pixelSpacing[1], first.pixelSpacing[0] };

  std::vector<SliceGeometry> slices;
  for (const DicomFileInfo& f : series.files)
    slices.push_back({ { f.position[0], f.position[1], f.position[2] } });
  const StackGeometry stack = analyzeStack(slices, first.orientation, spacingMm, source);

  CtVolume volume;
  volume.study = readStudyInfo(series.files[stack.order.front()].path);
  LoadReport& report = volume.load;
  report.source = source;
  report.format = "dicom-series";
  report.fileCount = series.files.size();
  report.uniformSpacing = stack.uniform;
  report.sliceStepsMm = stack.distinctStepsMm;
  report.missingSlices = stack.missingSlices;
  report.warnings = duplicateWarnings;

  if (!stack.uniform)
  {
    std::ostringstream msg;
    msg << "non-uniform slice spacing (steps " << describeSteps(stack) << " mm";
    if (stack.missingSlices > 0)
      msg << "; " << stack.missingSlices << " slice(s) appear to be missing";
    msg << ")";
    if (options.strict)
      throw InputError(source, msg.str() + "; refused with --strict");
    report.warnings.push_back(msg.str() + ": resampled to the median spacing " +
                              std::to_string(stack.medianStepMm) + " mm");
  }
  if (stack.sheared)
  {
    std::ostringstream msg;
    msg << "slices are sheared (gantry tilt " << volume.study.gantryTiltDeg
        << " deg): positions do not follow the slice normal";
    if (options.strict)
      throw InputError(source, msg.str() + "; refused with --strict");
    report.warnings.push_back(msg.str() + ": resampled onto an orthogonal grid");
    report.gantryTiltCorrected = true;
  }

  std::vector<std::vector<float>> sorted;
  CtImage::Pointer image;
  if (isRegular(stack))
  {
    const double sliceSpacingMm = stack.order.size() > 1 ? stack.medianStepMm
                                  : volume.study.sliceThicknessMm > 0
                                    ? volume.study.sliceThicknessMm
                                    : 1.0;
    if (stack.order.size() == 1)
      report.warnings.push_back("single slice: slice spacing set to " +
                                std::to_string(sliceSpacingMm) + " mm (SliceThickness or 1 mm)");
    const auto& p = series.files[stack.order.front()].position;
    image = makeStackImage({ columns, rows, static_cast<unsigned>(stack.order.size()) },
                           { spacingMm[0], spacingMm[1], sliceSpacingMm },
                           { p[0], p[1], p[2] },
                           stack);
    std::int16_t* out = image->GetBufferPointer();
    const std::size_t planeSize = static_cast<std::size_t>(columns) * rows;
    forEachInParallel(stack.order.size(),
                      [&](std::size_t k)
                      {
                        const std::vector<float> slice =
                          readDicomSlice(series.files[stack.order[k]].path, columns, rows);
                        std::transform(slice.begin(),
                                       slice.end(),
                                       out + k * planeSize,
                                       [](float v) { return toHu(v); });
                      });
  }
  else
  {
    sorted.resize(stack.order.size());
    forEachInParallel(stack.order.size(),
                      [&](std::size_t k) {
                        sorted[k] =
                          readDicomSlice(series.files[stack.order[k]].path, columns, rows);
                      });
    const auto& p = series.files[stack.order.front()].position;
    image = resampleStack(sorted, columns, rows, spacingMm, { p[0], p[1], p[2] }, stack);
    report.resampled = true;
  }
  volume.image = image;
  checkGeometry(*volume.image, source);
  return volume;
}

} // namespace

void checkGeometry(const itk::ImageBase<3>& image, const std::string& path)
{
  const auto& spacing = image.GetSpacing();
  for (int a = 0; a < 3; ++a)
    if (!std::isfinite(spacing[a]) || !(spacing[a] > 0))
    {
      std::ostringstream msg;
      msg << "invalid voxel spacing " << spacing[a] << " mm on axis " << a
          << " (must be finite and > 0)";
      throw InputError(path, msg.str());
    }
  const auto& origin = image.GetOrigin();
  for (int a = 0; a < 3; ++a)
    if (!std::isfinite(origin[a]))
      throw InputError(path, "invalid origin (not finite)");
  const auto& d = image.GetDirection();
  const double det = d[0][0] * (d[1][1] * d[2][2] - d[1][2] * d[2][1]) -
                     d[0][1] * (d[1][0] * d[2][2] - d[1][2] * d[2][0]) +
                     d[0][2] * (d[1][0] * d[2][1] - d[1][1] * d[2][0]);
  if (!std::isfinite(det) || std::abs(det) < 1e-6)
    throw InputError(path, "invalid direction matrix (singular or not finite)");
  const auto size = image.GetLargestPossibleRegion().GetSize();
  if (size[0] == 0 || size[1] == 0 || size[2] == 0)
    throw InputError(path, "empty image");
}

CtVolume loadCt(const std::string& path, const CtLoadOptions& options)
{
  // GDCM prints multi-line warnings and carries on; every problem we care about is checked and
  // reported here instead.
  gdcm::Trace::WarningOff();
  gdcm::Trace::DebugOff();
  if (!fs::exists(path))
    throw InputError(path, "no such file or directory");
  if (fs::is_directory(path))
  {
    const std::vector<DicomSeries> series = scanDicomDirectory(path);
    std::string reason;
    const DicomSeries& chosen = chooseCtSeries(series, options.seriesUid, path, reason);
    CtVolume volume = loadDicomSeries(chosen, path, options);
    volume.load.warnings.insert(volume.load.warnings.begin(), "series chosen: " + reason);
    return volume;
  }
  const std::string format = formatOf(lowerExtension(path));
  if (!format.empty())
    return loadImageFile(path, format);

  // Anything else must be a single DICOM file, whose elements must fit it before GDCM reads it.
  const detail::DicomStreamCheck check = detail::checkDicomStream(path);
  if (check.verdict == detail::DicomStreamCheck::Verdict::Broken)
    throw InputError(path, check.problem);
  std::vector<DicomSeries> series;
  try
  {
    series = scanDicomFiles({ path }, path);
  }
  catch (const InputError&)
  {
    throw InputError(path, "not a DICOM image file, and not a .nii/.nii.gz/.nrrd/.mha image");
  }
  if (series.front().modality != "CT")
    throw InputError(path, "Modality (0008,0060) is '" + series.front().modality + "', not CT");
  return loadDicomSeries(series.front(), path, options);
}

} // namespace liver
