#include <liver/imaging/image_filters.h>

#include "parallel.h"

#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

namespace liver
{
namespace
{

FloatImage::Pointer allocateOn(const itk::ImageBase<3>& geometry)
{
  auto image = FloatImage::New();
  image->SetOrigin(geometry.GetOrigin());
  image->SetSpacing(geometry.GetSpacing());
  image->SetDirection(geometry.GetDirection());
  image->SetRegions(geometry.GetLargestPossibleRegion());
  image->Allocate();
  return image;
}

// ---- median ----------------------------------------------------------------------------------

constexpr int Taps = 27;      // a 3×3×3 neighbourhood
constexpr int MedianTap = 13; // nth_element's middle of 27, as itk::MedianImageFilter takes
constexpr int Lanes = 8;      // voxels per network pass (the compiler vectorises across them)

/// The comparators of Batcher's odd-even merge sort of 32 wires that sort 27 values (the wires
/// above 26 would hold +infinity, so the comparators touching them never swap), reduced to
/// those the middle output depends on.
std::vector<std::pair<int, int>> medianNetwork()
{
  constexpr int Wires = 32;
  std::vector<std::pair<int, int>> all;
  for (int p = 1; p < Wires; p <<= 1)
    for (int k = p; k >= 1; k >>= 1)
      for (int j = k % p; j + k < Wires; j += 2 * k)
        for (int i = 0; i < std::min(k, Wires - j - k); ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p) && i + j + k < Taps)
            all.emplace_back(i + j, i + j + k);
  std::vector<bool> needed(Taps, false);
  needed[MedianTap] = true;
  std::vector<std::pair<int, int>> kept;
  for (auto c = all.rbegin(); c != all.rend(); ++c)
    if (needed[c->first] || needed[c->second])
    {
      needed[c->first] = needed[c->second] = true;
      kept.push_back(*c);
    }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

// ---- linear resampling -----------------------------------------------------------------------

/// Per output index along one output axis: the two input offsets (along the input axis parallel
/// to it, times that axis' stride), the weight of the second, and whether the position is inside.
struct AxisTable
{
  std::vector<std::size_t> first, second;
  std::vector<double> weight;
  std::vector<std::uint8_t> inside;
};

/// Tables for the three output axes, or nothing when the grids' axes are not parallel.
template<typename TInput>
bool axisTables(const TInput& image, const itk::ImageBase<3>& geometry, std::array<AxisTable, 3>& t)
{
  using Matrix = itk::Matrix<double, 3, 3>;
  Matrix inScaled, outScaled;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
    {
      inScaled[r][c] = image.GetDirection()[r][c] * image.GetSpacing()[c];
      outScaled[r][c] = geometry.GetDirection()[r][c] * geometry.GetSpacing()[c];
    }
  const Matrix inverse(inScaled.GetInverse());
  const Matrix m = inverse * outScaled; // output index -> input continuous index
  itk::Vector<double, 3> shift;
  for (int a = 0; a < 3; ++a)
    shift[a] = geometry.GetOrigin()[a] - image.GetOrigin()[a];
  const itk::Vector<double, 3> base = inverse * shift;

  const auto inSize = image.GetLargestPossibleRegion().GetSize();
  const auto outSize = geometry.GetLargestPossibleRegion().GetSize();
  const std::array<std::size_t, 3> stride{ 1, inSize[0], inSize[0] * inSize[1] };
  std::array<bool, 3> used{ false, false, false };
  for (int a = 0; a < 3; ++a) // input axis a follows output axis b
  {
    int b = 0;
    for (int c = 1; c < 3; ++c)
      if (std::abs(m[a][c]) > std::abs(m[a][b]))
        b = c;
    for (int c = 0; c < 3; ++c)
      if (c != b && std::abs(m[a][c]) > 1e-9 * std::abs(m[a][b]))
        return false;
    if (used[b] || m[a][b] == 0.0)
      return false;
    used[b] = true;
    AxisTable& table = t[b];
    const long n = static_cast<long>(inSize[a]);
    for (std::size_t k = 0; k < outSize[b]; ++k)
    {
      const double c = base[a] + m[a][b] * static_cast<double>(k);
      // ITK's interpolators: inside from -0.5 to n - 0.5 (exclusive), edge voxels repeated.
      const bool inside = c >= -0.5 && c < n - 0.5;
      long i0 = static_cast<long>(std::floor(c));
      double w = c - static_cast<double>(i0);
      if (i0 < 0)
      {
        i0 = 0;
        w = 0.0;
      }
      if (i0 >= n - 1)
      {
        i0 = n - 1;
        w = 0.0;
      }
      const long i1 = std::min(i0 + 1, n - 1);
      table.first.push_back(static_cast<std::size_t>(i0) * stride[a]);
      table.second.push_back(static_cast<std::size_t>(i1) * stride[a]);
      table.weight.push_back(w);
      table.inside.push_back(inside);
    }
  }
  return true;
}

template<typename TInput>
FloatImage::Pointer resample(const TInput& image, const itk::ImageBase<3>& geometry, float outside)
{
  std::array<AxisTable, 3> t;
  if (!axisTables(image, geometry, t))
  {
    auto resampler = itk::ResampleImageFilter<TInput, FloatImage>::New();
    resampler->SetInput(&image);
    resampler->SetInterpolator(itk::LinearInterpolateImageFunction<TInput, double>::New());
    resampler->SetOutputOrigin(geometry.GetOrigin());
    resampler->SetOutputSpacing(geometry.GetSpacing());
    resampler->SetOutputDirection(geometry.GetDirection());
    resampler->SetSize(geometry.GetLargestPossibleRegion().GetSize());
    resampler->SetOutputStartIndex(geometry.GetLargestPossibleRegion().GetIndex());
    resampler->SetDefaultPixelValue(outside);
    resampler->Update();
    return resampler->GetOutput();
  }
  FloatImage::Pointer out = allocateOn(geometry);
  const auto size = geometry.GetLargestPossibleRegion().GetSize();
  const std::size_t nx = size[0], ny = size[1];
  const typename TInput::PixelType* in = image.GetBufferPointer();
  float* o = out->GetBufferPointer();
  parallelRange(size[2],
                [&](std::size_t z0, std::size_t z1)
                {
                  for (std::size_t z = z0; z < z1; ++z)
                    for (std::size_t y = 0; y < ny; ++y)
                    {
                      float* row = o + (z * ny + y) * nx;
                      if (!t[2].inside[z] || !t[1].inside[y])
                      {
                        std::fill(row, row + nx, outside);
                        continue;
                      }
                      const double wy = t[1].weight[y], wz = t[2].weight[z];
                      const std::size_t yz[4] = { t[1].first[y] + t[2].first[z],
                                                  t[1].second[y] + t[2].first[z],
                                                  t[1].first[y] + t[2].second[z],
                                                  t[1].second[y] + t[2].second[z] };
                      for (std::size_t x = 0; x < nx; ++x)
                      {
                        if (!t[0].inside[x])
                        {
                          row[x] = outside;
                          continue;
                        }
                        const std::size_t x0 = t[0].first[x], x1 = t[0].second[x];
                        const double wx = t[0].weight[x];
                        double corner[4];
                        for (int c = 0; c < 4; ++c)
                          corner[c] = static_cast<double>(in[yz[c] + x0]) +
                                      wx * (static_cast<double>(in[yz[c] + x1]) -
                                            static_cast<double>(in[yz[c] + x0]));
                        const double low = corner[0] + wy * (corner[1] - corner[0]);
                        const double high = corner[2] + wy * (corner[3] - corner[2]);
                        row[x] = static_cast<float>(low + wz * (high - low));
                      }
                    }
                });
  return out;
}

} // namespace

FloatImage::Pointer median3x3x3(const FloatImage& image)
{
  static const std::vector<std::pair<int, int>> network = medianNetwork();
  FloatImage::Pointer out = allocateOn(image);
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]),
             nz = static_cast<long>(size[2]);
  const float* in = image.GetBufferPointer();
  float* o = out->GetBufferPointer();
  parallelRange(static_cast<std::size_t>(nz),
                [&](std::size_t z0, std::size_t z1)
                {
                  alignas(32) float v[Taps][Lanes];
                  for (long z = static_cast<long>(z0); z < static_cast<long>(z1); ++z)
                    for (long y = 0; y < ny; ++y)
                    {
                      // The 9 rows of the neighbourhood, edges repeated.
                      const float* rows[9];
                      int r = 0;
                      for (long dz = -1; dz <= 1; ++dz)
                        for (long dy = -1; dy <= 1; ++dy)
                        {
                          const long zz = std::clamp(z + dz, 0L, nz - 1);
                          const long yy = std::clamp(y + dy, 0L, ny - 1);
                          rows[r++] = in + (zz * ny + yy) * nx;
                        }
                      for (long x0 = 0; x0 < nx; x0 += Lanes)
                      {
                        for (int lane = 0; lane < Lanes; ++lane)
                        {
                          const long x = std::min(x0 + lane, nx - 1);
                          const long xm = std::max(x - 1, 0L), xp = std::min(x + 1, nx - 1);
                          for (int k = 0; k < 9; ++k)
                          {
                            v[3 * k][lane] = rows[k][xm];
                            v[3 * k + 1][lane] = rows[k][x];
                            v[3 * k + 2][lane] = rows[k][xp];
                          }
                        }
                        for (const auto& [a, b] : network)
                          for (int lane = 0; lane < Lanes; ++lane)
                          {
                            const float low = std::min(v[a][lane], v[b][lane]);
                            const float high = std::max(v[a][lane], v[b][lane]);
                            v[a][lane] = low;
                            v[b][lane] = high;
                          }
                        float* row = o + (z * ny + y) * nx;
                        for (int lane = 0; lane < Lanes && x0 + lane < nx; ++lane)
                          row[x0 + lane] = v[MedianTap][lane];
                      }
                    }
                });
  return out;
}

FloatImage::Pointer resampleLinear(const CtImage& image,
                                   const itk::ImageBase<3>& geometry,
                                   float outside)
{
  return resample(image, geometry, outside);
}

FloatImage::Pointer resampleLinear(const FloatImage& image,
                                   const itk::ImageBase<3>& geometry,
                                   float outside)
{
  return resample(image, geometry, outside);
}

} // namespace liver
