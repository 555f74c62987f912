/// Label maps: reading any pixel type into integer labels, and checking them against a CT grid.

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include "file_checks.h"

#include <itkImageFileReader.h>
#include <itkImageIOFactory.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <optional>
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

/// How the voxels of a label map sit on a CT grid's lattice with the axes in another order:
/// grid index[perm[a]] = start[perm[a]] + sign[a] * label index[a].
struct AxisMap
{
  std::array<int, 3> perm{};
  std::array<int, 3> sign{};
  std::array<long, 3> start{};
};

/// The axis map when `labels` has the same voxel centres as `grid`, its axes permuted and/or
/// reversed (e.g. a NIfTI of a DICOM series stored with y flipped); nullopt otherwise.
std::optional<AxisMap> sameLatticeAxisMap(const itk::ImageBase<3>& grid,
                                          const itk::ImageBase<3>& labels,
                                          const GridTolerance& tolerance)
{
  const auto gs = grid.GetLargestPossibleRegion().GetSize();
  const auto ls = labels.GetLargestPossibleRegion().GetSize();
  AxisMap map;
  std::array<bool, 3> used{};
  for (int a = 0; a < 3; ++a)
  {
    bool found = false;
    for (int b = 0; b < 3 && !found; ++b)
    {
      if (used[b] || ls[a] != gs[b])
        continue;
      const double lsp = labels.GetSpacing()[a], gsp = grid.GetSpacing()[b];
      if (std::abs(lsp - gsp) > tolerance.spacingRelative * gsp)
        continue;
      for (int sign : { 1, -1 })
      {
        bool same = true;
        for (int r = 0; r < 3; ++r)
          same &= std::abs(labels.GetDirection()[r][a] - sign * grid.GetDirection()[r][b]) <=
                  tolerance.direction;
        if (same)
        {
          map.perm[a] = b, map.sign[a] = sign, used[b] = true, found = true;
          break;
        }
      }
    }
    if (!found)
      return std::nullopt;
  }
  itk::ContinuousIndex<double, 3> start;
  grid.TransformPhysicalPointToContinuousIndex(labels.GetOrigin(), start);
  for (int a = 0; a < 3; ++a)
  {
    const int b = map.perm[a];
    const long expected = map.sign[a] > 0 ? 0 : static_cast<long>(gs[b]) - 1;
    if (std::abs(start[b] - static_cast<double>(expected)) > tolerance.originVoxels)
      return std::nullopt;
    map.start[b] = expected;
  }
  return map;
}

/// `labels` copied voxel for voxel onto `grid` through `map` (no interpolation).
LabelImage::Pointer mapAxes(const LabelImage& labels,
                            const itk::ImageBase<3>& grid,
                            const AxisMap& map)
{
  auto out = LabelImage::New();
  out->CopyInformation(&grid);
  out->SetRegions(grid.GetLargestPossibleRegion());
  out->Allocate();
  const auto ls = labels.GetLargestPossibleRegion().GetSize();
  const auto gs = grid.GetLargestPossibleRegion().GetSize();
  const std::array<std::size_t, 3> stride{ 1, gs[0], gs[0] * gs[1] };
  const std::uint16_t* in = labels.GetBufferPointer();
  std::uint16_t* o = out->GetBufferPointer();
  std::array<std::size_t, 3> l{};
  for (l[2] = 0; l[2] < ls[2]; ++l[2])
    for (l[1] = 0; l[1] < ls[1]; ++l[1])
      for (l[0] = 0; l[0] < ls[0]; ++l[0], ++in)
      {
        std::size_t g = 0;
        for (int a = 0; a < 3; ++a)
          g +=
            stride[map.perm[a]] * static_cast<std::size_t>(map.start[map.perm[a]] +
                                                           map.sign[a] * static_cast<long>(l[a]));
        o[g] = *in;
      }
  return out;
}

std::string describeAxisMap(const AxisMap& map)
{
  std::string text = "exact axis permutation/flip (label axes i,j,k = CT axes ";
  for (int a = 0; a < 3; ++a)
    text += std::string(a ? "," : "") + (map.sign[a] > 0 ? "+" : "-") + "xyz"[map.perm[a]];
  return text + "; voxel for voxel, no interpolation)";
}

} // namespace

itk::ImageIOBase::Pointer readImageHeader(const std::string& path)
{
  if (!std::filesystem::is_regular_file(path))
    throw InputError(path, "no such file");
  detail::checkImageHeader(path); // before ITK reads a header that may lie
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
                                 bool resample,
                                 std::string* mapping)
{
  const std::string mismatch = describeGridMismatch(grid, *labels);
  if (mismatch.empty())
  {
    // Same grid within tolerance: adopt the CT's exact geometry so later checks are exact.
    labels->CopyInformation(&grid);
    return labels;
  }
  if (const auto map = sameLatticeAxisMap(grid, *labels, GridTolerance{}))
  {
    if (mapping)
      *mapping = describeAxisMap(*map);
    return mapAxes(*labels, grid, *map);
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
