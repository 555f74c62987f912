/// liver/imaging/image_filters.h: the fast 3×3×3 median and linear resampling give ITK's
/// filters' result (MedianImageFilter radius 1; ResampleImageFilter with a linear interpolator)
/// on random images, flipped and permuted axes, and fall back to ITK on oblique grids.

#include <liver/imaging/image_filters.h>

#include <itkLinearInterpolateImageFunction.h>
#include <itkMedianImageFilter.h>
#include <itkResampleImageFilter.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace liver;

namespace
{

template<typename TImage>
typename TImage::Pointer randomImage(std::array<unsigned long, 3> size, unsigned seed)
{
  auto image = TImage::New();
  typename TImage::SizeType s;
  for (int a = 0; a < 3; ++a)
    s[a] = size[a];
  image->SetRegions(s);
  image->Allocate();
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> hu(-1000, 1500);
  auto* p = image->GetBufferPointer();
  for (std::size_t i = 0; i < image->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    p[i] = static_cast<typename TImage::PixelType>(hu(random));
  return image;
}

/// A direction matrix whose columns are the axes permuted and flipped.
FloatImage::DirectionType permutedFlipped()
{
  FloatImage::DirectionType d;
  d.Fill(0.0);
  d[0][1] = -1.0; // image axis 1 runs to patient right
  d[1][2] = 1.0;  // image axis 2 runs posterior
  d[2][0] = -1.0; // image axis 0 runs inferior
  return d;
}

template<typename TInput>
FloatImage::Pointer itkLinear(const TInput& image, const itk::ImageBase<3>& geometry, float outside)
{
  auto resampler = itk::ResampleImageFilter<TInput, FloatImage>::New();
  resampler->SetInput(&image);
  resampler->SetInterpolator(itk::LinearInterpolateImageFunction<TInput, double>::New());
  resampler->SetOutputParametersFromImage(&geometry);
  resampler->SetDefaultPixelValue(outside);
  resampler->Update();
  return resampler->GetOutput();
}

/// Largest absolute difference; infinity when the images differ in size.
double maxDifference(const FloatImage& a, const FloatImage& b)
{
  const std::size_t n = a.GetLargestPossibleRegion().GetNumberOfPixels();
  if (n != b.GetLargestPossibleRegion().GetNumberOfPixels())
    return INFINITY;
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(double(a.GetBufferPointer()[i]) - b.GetBufferPointer()[i]));
  return worst;
}

FloatImage::Pointer grid(std::array<unsigned long, 3> size,
                         std::array<double, 3> spacing,
                         std::array<double, 3> origin,
                         const FloatImage::DirectionType& direction)
{
  auto g = FloatImage::New();
  FloatImage::SizeType s;
  FloatImage::SpacingType sp;
  FloatImage::PointType o;
  for (int a = 0; a < 3; ++a)
  {
    s[a] = size[a];
    sp[a] = spacing[a];
    o[a] = origin[a];
  }
  g->SetRegions(s);
  g->SetSpacing(sp);
  g->SetOrigin(o);
  g->SetDirection(direction);
  return g; // geometry only, no buffer
}

} // namespace

TEST(ImageFilters, MedianIsItksBitForBitIncludingTheEdges)
{
  for (const auto& size : { std::array<unsigned long, 3>{ 19, 11, 7 },
                            std::array<unsigned long, 3>{ 8, 3, 2 },
                            std::array<unsigned long, 3>{ 1, 5, 4 } })
  {
    const FloatImage::Pointer image = randomImage<FloatImage>(size, 3);
    // Ties too: a quarter of the voxels share one value.
    for (std::size_t i = 0; i < image->GetLargestPossibleRegion().GetNumberOfPixels(); i += 4)
      image->GetBufferPointer()[i] = 40.0f;
    auto reference = itk::MedianImageFilter<FloatImage, FloatImage>::New();
    reference->SetInput(image);
    reference->SetRadius(1);
    reference->Update();
    const FloatImage::Pointer fast = median3x3x3(*image);
    EXPECT_EQ(maxDifference(*fast, *reference->GetOutput()), 0.0) << size[0] << "x" << size[1];
  }
}

TEST(ImageFilters, LinearResamplingIsItksOnParallelAxesFlippedAndPermuted)
{
  CtImage::Pointer ct = randomImage<CtImage>({ 23, 17, 9 }, 5);
  CtImage::SpacingType spacing;
  spacing[0] = 0.7;
  spacing[1] = 0.8;
  spacing[2] = 2.5;
  ct->SetSpacing(spacing);
  CtImage::PointType origin;
  origin[0] = -3.0;
  origin[1] = 4.0;
  origin[2] = 10.0;
  ct->SetOrigin(origin);
  FloatImage::DirectionType identity;
  identity.SetIdentity();
  // A coarser LPS grid that overhangs the CT (outside value), and a finer one, flipped and
  // permuted, as the working grid and the CT grid of the automatic segmentation are.
  const auto coarse = grid({ 12, 11, 12 }, { 1.5, 1.5, 1.5 }, { -4.0, 3.0, 9.0 }, identity);
  const auto fine = grid({ 30, 11, 20 }, { 0.5, 1.1, 0.9 }, { 8.0, 2.0, 15.0 }, permutedFlipped());
  for (const FloatImage::Pointer& geometry : { coarse, fine })
  {
    const FloatImage::Pointer expected = itkLinear(*ct, *geometry, -1024.0f);
    const FloatImage::Pointer fast = resampleLinear(*ct, *geometry, -1024.0f);
    EXPECT_LT(maxDifference(*fast, *expected), 1e-3);
    // And back from float onto the CT grid.
    const FloatImage::Pointer back = resampleLinear(*fast, *ct, 1e6f);
    EXPECT_LT(maxDifference(*back, *itkLinear(*fast, *ct, 1e6f)), 1e-3);
  }
  // The outside value is used: the coarse grid starts before the CT.
  const FloatImage::Pointer fast = resampleLinear(*ct, *coarse, -1024.0f);
  EXPECT_EQ(fast->GetBufferPointer()[0], -1024.0f);
}

TEST(ImageFilters, ObliqueGridsFallBackToItk)
{
  CtImage::Pointer ct = randomImage<CtImage>({ 15, 14, 6 }, 9);
  FloatImage::DirectionType tilted;
  const double a = 0.3;
  tilted.SetIdentity();
  tilted[0][0] = std::cos(a);
  tilted[0][1] = -std::sin(a);
  tilted[1][0] = std::sin(a);
  tilted[1][1] = std::cos(a);
  const auto geometry = grid({ 10, 10, 5 }, { 1.2, 1.2, 1.0 }, { 1.0, -2.0, 0.5 }, tilted);
  EXPECT_LT(
    maxDifference(*resampleLinear(*ct, *geometry, -1024.0f), *itkLinear(*ct, *geometry, -1024.0f)),
    1e-3);
}
