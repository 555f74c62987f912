/// Label maps: reading any pixel type into integer labels, and checking them against a CT grid.

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include "file_checks.h"

#include <itkImageFileReader.h>
#include <itkImageIOFactory.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace liver
{
namespace
{

template<typename TImage>
typename TImage::Pointer readLabelFile(const std::string& path, itk::ImageIOBase* io)
{
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(path);
  reader->SetImageIO(io);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject& e)
  {
    throw InputError(path, std::string("cannot read label map: ") + e.GetDescription());
  }
  return reader->GetOutput();
}

/// Convert any numeric label map to LabelImage, refusing values that are not labels.
LabelImage::Pointer checkedLabels(const FloatImage& input, const std::string& path)
{
  auto labels = LabelImage::New();
  labels->CopyInformation(&input);
  labels->SetRegions(input.GetLargestPossibleRegion());
  labels->Allocate();
  const float* in = input.GetBufferPointer();
  std::uint16_t* out = labels->GetBufferPointer();
  const std::size_t n = input.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
  {
    const float v = in[i];
    const float r = std::round(v);
    if (!std::isfinite(v) || std::abs(v - r) > 1e-3f || r < 0.0f || r > 65535.0f)
    {
      std::ostringstream msg;
      msg << "voxel " << i << " has value " << v << ", not a label (labels are integers 0..65535)";
      throw InputError(path, msg.str());
    }
    out[i] = static_cast<std::uint16_t>(r);
  }
  return labels;
}

} // namespace

itk::ImageIOBase::Pointer readImageHeader(const std::string& path)
{
  if (!std::filesystem::is_regular_file(path))
    throw InputError(path, "no such file");
  itk::ImageIOBase::Pointer io =
    itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  if (!io)
    throw InputError(path, "unrecognized or unreadable image file");
  try
  {
    io->SetFileName(path);
    io->ReadImageInformation();
  }
  catch (const itk::ExceptionObject& e)
  {
    throw InputError(path, std::string("cannot read image header: ") + e.GetDescription());
  }
  return io;
}

LabelImage::Pointer loadLabels(const std::string& path)
{
  const itk::ImageIOBase::Pointer io = readImageHeader(path);
  if (io->GetNumberOfDimensions() != 3 || io->GetNumberOfComponents() != 1)
    throw InputError(path, "expected a 3D single-component label map");
  detail::checkImageFileComplete(path, *io);
  LabelImage::Pointer labels;
  const auto component = io->GetComponentType();
  if (component == itk::IOComponentEnum::UCHAR || component == itk::IOComponentEnum::USHORT)
    labels = readLabelFile<LabelImage>(path, io);
  else
    labels = checkedLabels(*readLabelFile<FloatImage>(path, io), path);
  checkGeometry(*labels, path);
  return labels;
}

std::string describeGridMismatch(const itk::ImageBase<3>& reference,
                                 const itk::ImageBase<3>& other,
                                 const GridTolerance& tolerance)
{
  std::ostringstream msg;
  const auto rs = reference.GetLargestPossibleRegion().GetSize();
  const auto os = other.GetLargestPossibleRegion().GetSize();
  if (rs != os)
  {
    msg << "size " << os[0] << "x" << os[1] << "x" << os[2] << " differs from the CT's " << rs[0]
        << "x" << rs[1] << "x" << rs[2];
    return msg.str();
  }
  const auto& rsp = reference.GetSpacing();
  const auto& osp = other.GetSpacing();
  for (int a = 0; a < 3; ++a)
    if (std::abs(rsp[a] - osp[a]) > tolerance.spacingRelative * rsp[a])
    {
      msg << "spacing " << osp[0] << "," << osp[1] << "," << osp[2] << " mm differs from the CT's "
          << rsp[0] << "," << rsp[1] << "," << rsp[2];
      return msg.str();
    }
  const double minSpacing = std::min({ rsp[0], rsp[1], rsp[2] });
  const double originDistance = reference.GetOrigin().EuclideanDistanceTo(other.GetOrigin());
  if (originDistance > tolerance.originVoxels * minSpacing)
  {
    msg << "origin " << other.GetOrigin() << " is " << originDistance << " mm from the CT's origin "
        << reference.GetOrigin();
    return msg.str();
  }
  const auto& rd = reference.GetDirection();
  const auto& od = other.GetDirection();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (std::abs(rd[r][c] - od[r][c]) > tolerance.direction)
        return "direction matrix differs from the CT's";
  return {};
}

LabelImage::Pointer labelsOnGrid(const LabelImage::Pointer& labels,
                                 const itk::ImageBase<3>& grid,
                                 const std::string& labelsPath,
                                 bool resample)
{
  const std::string mismatch = describeGridMismatch(grid, *labels);
  if (mismatch.empty())
  {
    // Same grid within tolerance: adopt the CT's exact geometry so later checks are exact.
    labels->CopyInformation(&grid);
    return labels;
  }
  if (!resample)
    throw InputError(labelsPath,
                     "label grid does not match the CT: " + mismatch +
                       " (use --resample-labels to resample with nearest neighbour)");
  using Resampler = itk::ResampleImageFilter<LabelImage, LabelImage>;
  auto resampler = Resampler::New();
  resampler->SetInput(labels);
  resampler->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<LabelImage>::New());
  resampler->SetOutputParametersFromImage(&grid);
  resampler->SetDefaultPixelValue(0);
  resampler->Update();
  return resampler->GetOutput();
}

} // namespace liver
