/// liver::volumetry: voxel and surface volumes on analytic phantoms, label statistics, and the
/// BSA / SLV / FLR formulas against hand-computed values.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <itkImageRegionIteratorWithIndex.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace
{

using liver::CtImage;
using liver::InputError;
using liver::LabelImage;
using liver::maxDiameterMm;
using liver::measureLiver;
using liver::Volumetry;
using Vec3 = std::array<double, 3>;

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegree = kPi / 180.0;

LabelImage::DirectionType identityDirection()
{
  LabelImage::DirectionType d;
  d.SetIdentity();
  return d;
}

/// Direction matrix from its three columns (the physical directions of the index axes).
LabelImage::DirectionType directionFromColumns(const Vec3& i, const Vec3& j, const Vec3& k)
{
  LabelImage::DirectionType d;
  for (unsigned int r = 0; r < 3; ++r)
  {
    d(r, 0) = i[r];
    d(r, 1) = j[r];
    d(r, 2) = k[r];
  }
  return d;
}

/// Rotation Rz(c) Ry(b) Rx(a), angles in degrees: an oblique but orthonormal direction.
LabelImage::DirectionType rotationDirection(double aDeg, double bDeg, double cDeg)
{
  const double ca = std::cos(aDeg * kDegree), sa = std::sin(aDeg * kDegree);
  const double cb = std::cos(bDeg * kDegree), sb = std::sin(bDeg * kDegree);
  const double cc = std::cos(cDeg * kDegree), sc = std::sin(cDeg * kDegree);
  LabelImage::DirectionType d;
  d(0, 0) = cc * cb;
  d(0, 1) = cc * sb * sa - sc * ca;
  d(0, 2) = cc * sb * ca + sc * sa;
  d(1, 0) = sc * cb;
  d(1, 1) = sc * sb * sa + cc * ca;
  d(1, 2) = sc * sb * ca - cc * sa;
  d(2, 0) = -sb;
  d(2, 1) = cb * sa;
  d(2, 2) = cb * ca;
  return d;
}

/// A zero-filled image of the given grid.
template<typename Image>
typename Image::Pointer makeImage(const std::array<unsigned long, 3>& size,
                                  const Vec3& spacingMm,
                                  const Vec3& originLpsMm,
                                  const LabelImage::DirectionType& direction,
                                  const std::array<long, 3>& startIndex = { 0, 0, 0 })
{
  auto image = Image::New();
  typename Image::RegionType region;
  for (unsigned int i = 0; i < 3; ++i)
  {
    region.SetIndex(i, startIndex[i]);
    region.SetSize(i, size[i]);
  }
  image->SetRegions(region);
  image->SetSpacing(spacingMm.data());
  image->SetOrigin(originLpsMm.data());
  image->SetDirection(direction);
  image->Allocate(true);
  return image;
}

/// Sets `label` on the index box [lo, hi] (inclusive).
template<typename Image>
void fillBox(Image& image,
             const std::array<long, 3>& lo,
             const std::array<long, 3>& hi,
             typename Image::PixelType value)
{
  for (long z = lo[2]; z <= hi[2]; ++z)
    for (long y = lo[1]; y <= hi[1]; ++y)
      for (long x = lo[0]; x <= hi[0]; ++x)
        image.SetPixel({ { x, y, z } }, value);
}

/// An empty label grid that covers a ball of `radiusMm` around `centreLps` for any direction
/// (sheared ones too), with the centre at a sub-voxel offset (0.37, 0.21, 0.13) from a voxel
/// centre so that no lattice symmetry lines up with the shape.
LabelImage::Pointer makeGridAround(const Vec3& centreLps,
                                   double radiusMm,
                                   const Vec3& spacingMm,
                                   const LabelImage::DirectionType& direction)
{
  const auto inverse = LabelImage::DirectionType(direction.GetInverse());
  const Vec3 offset{ 0.37, 0.21, 0.13 };
  std::array<unsigned long, 3> size{};
  Vec3 centreIndex{};
  for (unsigned int k = 0; k < 3; ++k)
  {
    // Index-space half extent of the ball along axis k: R x |row k of D^-1| / spacing k.
    const double rowNorm = std::sqrt(inverse(k, 0) * inverse(k, 0) + inverse(k, 1) * inverse(k, 1) +
                                     inverse(k, 2) * inverse(k, 2));
    const double half = std::ceil(radiusMm * rowNorm / spacingMm[k]) + 2.0;
    size[k] = static_cast<unsigned long>(2.0 * half + 1.0);
    centreIndex[k] = half + offset[k];
  }
  Vec3 origin{};
  for (unsigned int r = 0; r < 3; ++r)
  {
    origin[r] = centreLps[r];
    for (unsigned int k = 0; k < 3; ++k)
    {
      origin[r] -= direction(r, k) * spacingMm[k] * centreIndex[k];
    }
  }
  return makeImage<LabelImage>(size, spacingMm, origin, direction);
}

/// Labels with `label` every voxel whose centre lies in the axis-aligned (LPS) ellipsoid.
/// Returns the number of voxels set.
std::uint64_t rasterizeEllipsoid(LabelImage& image,
                                 const Vec3& centreLps,
                                 const Vec3& semiAxesMm,
                                 std::uint16_t label)
{
  std::uint64_t count = 0;
  itk::ImageRegionIteratorWithIndex<LabelImage> it(&image, image.GetBufferedRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    LabelImage::PointType p;
    image.TransformIndexToPhysicalPoint(it.GetIndex(), p);
    double q = 0.0;
    for (unsigned int i = 0; i < 3; ++i)
    {
      const double u = (p[i] - centreLps[i]) / semiAxesMm[i];
      q += u * u;
    }
    if (q <= 1.0)
    {
      it.Set(label);
      ++count;
    }
  }
  return count;
}

double ellipsoidVolumeMl(const Vec3& semiAxesMm)
{
  return 4.0 / 3.0 * kPi * semiAxesMm[0] * semiAxesMm[1] * semiAxesMm[2] / 1000.0;
}

struct VolumeErrors
{
  double voxel;   ///< |voxel volume - analytic| / analytic
  double surface; ///< |surface volume - analytic| / analytic
};

/// Rasterizes the ellipsoid on the given grid and returns the relative errors of both estimates,
/// printed so the test log shows the convergence.
VolumeErrors ellipsoidErrors(const std::string& name,
                             const Vec3& semiAxesMm,
                             const Vec3& spacingMm,
                             const LabelImage::DirectionType& direction)
{
  const Vec3 centre{ 12.5, -40.25, 101.75 };
  const double radius = std::max({ semiAxesMm[0], semiAxesMm[1], semiAxesMm[2] });
  auto image = makeGridAround(centre, radius, spacingMm, direction);
  rasterizeEllipsoid(*image, centre, semiAxesMm, 1);
  const double expected = ellipsoidVolumeMl(semiAxesMm);
  const auto stats = liver::computeLabelStats(*image, nullptr);
  const double voxelMl = stats.at(1).volumeMl;
  const double surfaceMl = liver::surfaceVolumeMl(*image, 1);
  const VolumeErrors errors{ std::abs(voxelMl - expected) / expected,
                             std::abs(surfaceMl - expected) / expected };
  std::cout << "  " << name << " spacing [" << spacingMm[0] << ", " << spacingMm[1] << ", "
            << spacingMm[2] << "] mm: analytic " << expected << " mL, voxel " << voxelMl
            << " mL (rel. error " << errors.voxel << "), surface " << surfaceMl
            << " mL (rel. error " << errors.surface << ")\n";
  return errors;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Voxel volume

TEST(VoxelVolume, IsSpacingProductInMl)
{
  auto image =
    makeImage<LabelImage>({ 2, 2, 2 }, { 0.7, 0.9, 2.5 }, { 0, 0, 0 }, identityDirection());
  EXPECT_DOUBLE_EQ(liver::voxelVolumeMl(*image), 0.7 * 0.9 * 2.5 / 1000.0);
}

TEST(VoxelVolume, ObliqueRotationKeepsSpacingProduct)
{
  auto image = makeImage<LabelImage>(
    { 2, 2, 2 }, { 0.7, 0.9, 2.5 }, { 0, 0, 0 }, rotationDirection(20.0, -35.0, 50.0));
  // |det| of a rotation is 1 up to rounding of the cosines: a few ulp.
  EXPECT_NEAR(liver::voxelVolumeMl(*image), 0.7 * 0.9 * 2.5 / 1000.0, 1e-15);
}

TEST(VoxelVolume, ShearedDirectionScalesByDeterminant)
{
  // A gantry-tilted stack: the slice axis leans 20 degrees towards y; |det| = cos 20°.
  const double tilt = 20.0 * kDegree;
  const auto sheared =
    directionFromColumns({ 1, 0, 0 }, { 0, 1, 0 }, { 0, std::sin(tilt), std::cos(tilt) });
  auto image = makeImage<LabelImage>({ 2, 2, 2 }, { 0.8, 0.8, 1.25 }, { 0, 0, 0 }, sheared);
  EXPECT_DOUBLE_EQ(liver::voxelVolumeMl(*image), 0.8 * 0.8 * 1.25 * std::cos(tilt) / 1000.0);
  // A mirrored (left-handed) direction has det -1: the volume stays positive.
  const auto mirrored = directionFromColumns({ -1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 });
  image->SetDirection(mirrored);
  EXPECT_DOUBLE_EQ(liver::voxelVolumeMl(*image), 0.8 * 0.8 * 1.25 / 1000.0);
}

TEST(VoxelVolume, NegativeSpacingThrows)
{
  // ITK itself refuses zero and NaN spacing; it only warns about a negative one.
  auto image = makeImage<LabelImage>({ 2, 2, 2 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  const bool warnings = itk::Object::GetGlobalWarningDisplay();
  itk::Object::SetGlobalWarningDisplay(false);
  image->SetSpacing(Vec3{ 1.0, -0.8, 1.0 }.data());
  itk::Object::SetGlobalWarningDisplay(warnings);
  EXPECT_THROW(liver::voxelVolumeMl(*image), std::invalid_argument);
  EXPECT_THROW(liver::computeLabelStats(*image, nullptr), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Label volume on phantoms

TEST(LabelVolume, BoxPhantomMatchesAnalyticVolumeIsotropic)
{
  auto image =
    makeImage<LabelImage>({ 20, 18, 16 }, { 1.5, 1.5, 1.5 }, { -10, 20, 5 }, identityDirection());
  fillBox(*image, { 3, 4, 5 }, { 12, 10, 13 }, 1); // 10 x 7 x 9 = 630 voxels
  const auto stats = liver::computeLabelStats(*image, nullptr);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats.at(1).voxelCount, 630u);
  EXPECT_DOUBLE_EQ(stats.at(1).volumeMl, 630 * 1.5 * 1.5 * 1.5 / 1000.0);
}

TEST(LabelVolume, BoxPhantomMatchesAnalyticVolumeAnisotropic)
{
  auto image =
    makeImage<LabelImage>({ 30, 25, 12 }, { 0.7, 0.9, 2.5 }, { 3, -7, 11 }, identityDirection());
  fillBox(*image, { 2, 3, 1 }, { 21, 17, 8 }, 7); // 20 x 15 x 8 = 2400 voxels
  const auto stats = liver::computeLabelStats(*image, nullptr);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats.at(7).voxelCount, 2400u);
  EXPECT_DOUBLE_EQ(stats.at(7).volumeMl, 2400 * (0.7 * 0.9 * 2.5 / 1000.0));
}

TEST(SurfaceVolume, BoxPhantomMatchesChamferedBox)
{
  // Flying edges on a binary n x m x k box puts the faces on the voxel boundaries and chamfers
  // the rest: each unit of the 12 edges between corner voxels loses a triangle of area 1/8, each
  // of the 8 corners loses 1/8 - 1/48 (a single voxel becomes an octahedron of volume 1/6).
  // Volume in voxels: nmk - (n + m + k - 3) / 2 - 5/6. Flying edges stores its points as float
  // (relative rounding 6e-8 per coordinate), so the tolerance is 1e-6 relative.
  const std::array<long, 3> n{ 10, 7, 9 };
  auto image = makeImage<LabelImage>(
    { 20, 18, 16 }, { 0.7, 0.9, 2.5 }, { -10, 20, 5 }, rotationDirection(10.0, 0.0, 30.0));
  fillBox(*image, { 3, 4, 5 }, { 3 + n[0] - 1, 4 + n[1] - 1, 5 + n[2] - 1 }, 2);
  const double voxels =
    static_cast<double>(n[0] * n[1] * n[2]) - (n[0] + n[1] + n[2] - 3) / 2.0 - 5.0 / 6.0;
  const double expectedMl = voxels * 0.7 * 0.9 * 2.5 / 1000.0;
  EXPECT_NEAR(liver::surfaceVolumeMl(*image, 2), expectedMl, 1e-6 * expectedMl);

  auto single = makeImage<LabelImage>({ 3, 3, 3 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  single->SetPixel({ { 1, 1, 1 } }, 1);
  EXPECT_NEAR(liver::surfaceVolumeMl(*single, 1), 1.0 / 6.0 / 1000.0, 1e-6 / 6.0 / 1000.0);
}

TEST(SurfaceVolume, EmptyOrAbsentLabelIsZero)
{
  auto image = makeImage<LabelImage>({ 5, 5, 5 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  EXPECT_EQ(liver::surfaceVolumeMl(*image, 1), 0.0);
  image->SetPixel({ { 2, 2, 2 } }, 3);
  EXPECT_EQ(liver::surfaceVolumeMl(*image, 1), 0.0);
  EXPECT_GT(liver::surfaceVolumeMl(*image, 3), 0.0);
}

TEST(SurfaceVolume, LabelTouchingTheImageBorderIsClosed)
{
  // The whole 4 x 4 x 4 image is label 1: the 1-voxel padding closes the surface, so the volume is
  // the chamfered box 64 - (4 + 4 + 4 - 3) / 2 - 5/6 voxels (tolerance as in the box test).
  auto image = makeImage<LabelImage>({ 4, 4, 4 }, { 2, 2, 2 }, { 0, 0, 0 }, identityDirection());
  image->FillBuffer(1);
  const double expectedMl = (64.0 - 4.5 - 5.0 / 6.0) * 8.0 / 1000.0;
  EXPECT_NEAR(liver::surfaceVolumeMl(*image, 1), expectedMl, 1e-6 * expectedMl);
}

// Relative error bounds of the phantom convergence tests, first order in the spacing h:
// voxel count 2.5e-3 x h / 1 mm, surface 5e-3 x h / 1 mm. Both estimates err only in the boundary
// shell (a fraction O(h / R) of the volume); the errors measured here, at a generic sub-voxel
// offset and R = 15..30 mm, sit 2.7 to 340 times below these bounds.
namespace
{
double voxelBound(double spacingMm)
{
  return 2.5e-3 * spacingMm;
}
double surfaceBound(double spacingMm)
{
  return 5e-3 * spacingMm;
}
} // namespace

TEST(LabelVolume, SphereConvergesToAnalyticVolume)
{
  const Vec3 r{ 20.0, 20.0, 20.0 };
  for (const double h : { 2.0, 1.0, 0.5 })
  {
    const auto e = ellipsoidErrors("sphere R 20 mm", r, { h, h, h }, identityDirection());
    EXPECT_LT(e.voxel, voxelBound(h)) << "spacing " << h << " mm";
    EXPECT_LT(e.surface, surfaceBound(h)) << "spacing " << h << " mm";
  }
}

TEST(LabelVolume, EllipsoidConvergesToAnalyticVolume)
{
  const Vec3 r{ 30.0, 20.0, 15.0 };
  for (const double h : { 2.0, 1.0, 0.5 })
  {
    const auto e = ellipsoidErrors("ellipsoid 30x20x15 mm", r, { h, h, h }, identityDirection());
    EXPECT_LT(e.voxel, voxelBound(h)) << "spacing " << h << " mm";
    EXPECT_LT(e.surface, surfaceBound(h)) << "spacing " << h << " mm";
  }
}

TEST(LabelVolume, SameEllipsoidOnAnisotropicObliqueAndShearedGrids)
{
  // Every grid has spacing <= 1 mm, so each must meet the 1 mm bounds against the analytic volume.
  const Vec3 r{ 30.0, 20.0, 15.0 };
  const double tilt = 20.0 * kDegree;
  const std::vector<std::pair<std::string, VolumeErrors>> grids{
    { "isotropic", ellipsoidErrors("isotropic", r, { 1.0, 1.0, 1.0 }, identityDirection()) },
    { "anisotropic", ellipsoidErrors("anisotropic", r, { 0.7, 0.9, 1.0 }, identityDirection()) },
    { "oblique",
      ellipsoidErrors("oblique", r, { 0.7, 0.9, 1.0 }, rotationDirection(20.0, -35.0, 50.0)) },
    { "sheared",
      ellipsoidErrors(
        "sheared (tilt 20 deg)",
        r,
        { 0.8, 0.8, 1.0 },
        directionFromColumns({ 1, 0, 0 }, { 0, 1, 0 }, { 0, std::sin(tilt), std::cos(tilt) })) },
  };
  for (const auto& [name, e] : grids)
  {
    EXPECT_LT(e.voxel, voxelBound(1.0)) << name;
    EXPECT_LT(e.surface, surfaceBound(1.0)) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// Label statistics

TEST(LabelStats, MeanAndSdHuAreExactForTwoLabels)
{
  // Label 1: 4 x 4 x 2 voxels alternating 100 / 200 HU -> mean 150, SD 50.
  // Label 2: 3 x 3 x 3 voxels, 26 at 40 HU and one at 67 HU -> mean 41, SD sqrt(26)
  // (variance = (26 x 1 + 26^2) / 27 = 26). Integer sums: EXPECT_DOUBLE_EQ.
  auto labels =
    makeImage<LabelImage>({ 10, 8, 6 }, { 0.8, 0.8, 2.0 }, { 0, 0, 0 }, identityDirection());
  auto ct = makeImage<CtImage>({ 10, 8, 6 }, { 0.8, 0.8, 2.0 }, { 0, 0, 0 }, identityDirection());
  ct->FillBuffer(-1000);
  for (long z = 0; z < 2; ++z)
    for (long y = 0; y < 4; ++y)
      for (long x = 0; x < 4; ++x)
      {
        labels->SetPixel({ { x, y, z } }, 1);
        ct->SetPixel({ { x, y, z } }, (x + y + z) % 2 == 0 ? 100 : 200);
      }
  fillBox(*labels, { 6, 4, 3 }, { 8, 6, 5 }, 2);
  fillBox(*ct, { 6, 4, 3 }, { 8, 6, 5 }, 40);
  ct->SetPixel({ { 7, 5, 4 } }, 67);

  const auto stats = liver::computeLabelStats(*labels, ct.GetPointer());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats.at(1).voxelCount, 32u);
  EXPECT_DOUBLE_EQ(stats.at(1).meanHu, 150.0);
  EXPECT_DOUBLE_EQ(stats.at(1).sdHu, 50.0);
  EXPECT_EQ(stats.at(2).voxelCount, 27u);
  EXPECT_DOUBLE_EQ(stats.at(2).meanHu, 41.0);
  EXPECT_DOUBLE_EQ(stats.at(2).sdHu, std::sqrt(26.0));

  const auto withoutCt = liver::computeLabelStats(*labels, nullptr);
  EXPECT_EQ(withoutCt.at(1).meanHu, 0.0);
  EXPECT_EQ(withoutCt.at(1).sdHu, 0.0);
  EXPECT_EQ(withoutCt.at(2).voxelCount, 27u);
}

TEST(LabelStats, SdStaysExactOnMillionsOfVoxelsWithLargeMean)
{
  // 200 x 100 x 100 = 2,000,000 voxels alternating 3000 / 3002 HU: mean 3001, SD exactly 1.
  // A naive float sum of squares (1.8e13) would lose the unit variance entirely.
  auto labels =
    makeImage<LabelImage>({ 200, 100, 100 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  auto ct = makeImage<CtImage>({ 200, 100, 100 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  labels->FillBuffer(5);
  std::int16_t* hu = ct->GetBufferPointer();
  for (std::size_t i = 0; i < 2000000; ++i)
  {
    hu[i] = i % 2 == 0 ? 3000 : 3002;
  }
  const auto stats = liver::computeLabelStats(*labels, ct.GetPointer());
  EXPECT_EQ(stats.at(5).voxelCount, 2000000u);
  EXPECT_DOUBLE_EQ(stats.at(5).meanHu, 3001.0);
  EXPECT_DOUBLE_EQ(stats.at(5).sdHu, 1.0);
}

TEST(LabelStats, CentroidAndBoundsOfRotatedBoxAreAnalytic)
{
  // Direction: index i -> LPS +y, index j -> LPS -x, index k -> LPS +z (90 degrees about z);
  // spacing (0.5, 2, 3) mm; origin (10, -20, 5) mm. Box index [2..5] x [3..7] x [1..4].
  // Centre index (3.5, 5, 2.5) -> scaled (1.75, 10, 7.5) -> rotated (-10, 1.75, 7.5)
  // -> LPS (0, -18.25, 12.5). Corner (2,3,1) -> (4, -19, 8); corner (5,7,4) -> (-4, -17.5, 17).
  // Every number is a sum of exact binary fractions: EXPECT_DOUBLE_EQ.
  const auto direction = directionFromColumns({ 0, 1, 0 }, { -1, 0, 0 }, { 0, 0, 1 });
  auto labels = makeImage<LabelImage>({ 9, 10, 7 }, { 0.5, 2.0, 3.0 }, { 10, -20, 5 }, direction);
  fillBox(*labels, { 2, 3, 1 }, { 5, 7, 4 }, 3);
  const auto stats = liver::computeLabelStats(*labels, nullptr);
  ASSERT_EQ(stats.size(), 1u);
  const auto& s = stats.at(3);
  EXPECT_EQ(s.label, 3);
  EXPECT_EQ(s.voxelCount, 4u * 5u * 4u);
  EXPECT_DOUBLE_EQ(s.volumeMl, 80 * 0.5 * 2.0 * 3.0 / 1000.0);
  EXPECT_DOUBLE_EQ(s.centroidLpsMm[0], 0.0);
  EXPECT_DOUBLE_EQ(s.centroidLpsMm[1], -18.25);
  EXPECT_DOUBLE_EQ(s.centroidLpsMm[2], 12.5);
  EXPECT_EQ(s.bboxMinIndex, (std::array<long, 3>{ 2, 3, 1 }));
  EXPECT_EQ(s.bboxMaxIndex, (std::array<long, 3>{ 5, 7, 4 }));
  EXPECT_DOUBLE_EQ(s.bboxMinLpsMm[0], -4.0);
  EXPECT_DOUBLE_EQ(s.bboxMinLpsMm[1], -19.0);
  EXPECT_DOUBLE_EQ(s.bboxMinLpsMm[2], 8.0);
  EXPECT_DOUBLE_EQ(s.bboxMaxLpsMm[0], 4.0);
  EXPECT_DOUBLE_EQ(s.bboxMaxLpsMm[1], -17.5);
  EXPECT_DOUBLE_EQ(s.bboxMaxLpsMm[2], 17.0);
}

TEST(LabelStats, CentroidOfObliqueBoxIsAnalytic)
{
  // An oblique rotation and a non-zero start index: the centroid must be origin +
  // D diag(spacing) (centre index), computed here independently of ITK. Coordinates reach 420 mm,
  // whose rounding is ~1e-13 mm per operation: tolerance 1e-9 mm.
  const auto direction = rotationDirection(20.0, -35.0, 50.0);
  const Vec3 spacing{ 0.7, 0.9, 2.5 };
  const Vec3 origin{ -120.5, 33.0, 410.25 };
  auto labels = makeImage<LabelImage>({ 12, 11, 10 }, spacing, origin, direction, { 5, -3, 2 });
  fillBox(*labels, { 7, -1, 4 }, { 12, 6, 9 }, 9);
  const Vec3 centreIndex{ 9.5, 2.5, 6.5 };
  const auto s = liver::computeLabelStats(*labels, nullptr).at(9);
  EXPECT_EQ(s.bboxMinIndex, (std::array<long, 3>{ 7, -1, 4 }));
  EXPECT_EQ(s.bboxMaxIndex, (std::array<long, 3>{ 12, 6, 9 }));
  for (unsigned int r = 0; r < 3; ++r)
  {
    double expected = origin[r];
    double lo = origin[r], hi = origin[r];
    for (unsigned int k = 0; k < 3; ++k)
    {
      const double step = direction(r, k) * spacing[k];
      expected += step * centreIndex[k];
      // Extreme corners: per axis, the box end that minimises / maximises this coordinate.
      const double a = step * s.bboxMinIndex[k], b = step * s.bboxMaxIndex[k];
      lo += std::min(a, b);
      hi += std::max(a, b);
    }
    EXPECT_NEAR(s.centroidLpsMm[r], expected, 1e-9) << "axis " << r;
    EXPECT_NEAR(s.bboxMinLpsMm[r], lo, 1e-9) << "axis " << r;
    EXPECT_NEAR(s.bboxMaxLpsMm[r], hi, 1e-9) << "axis " << r;
  }
}

TEST(LabelStats, MultiLabelImageReportsEveryLabelPresent)
{
  auto labels = makeImage<LabelImage>({ 6, 6, 6 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  labels->SetPixel({ { 0, 0, 0 } }, 8);
  labels->SetPixel({ { 5, 5, 5 } }, 8);
  labels->SetPixel({ { 2, 3, 4 } }, 1);
  labels->SetPixel({ { 1, 1, 1 } }, 65535);
  const auto stats = liver::computeLabelStats(*labels, nullptr);
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats.count(0), 0u);
  EXPECT_EQ(stats.at(1).voxelCount, 1u);
  EXPECT_EQ(stats.at(1).bboxMinIndex, (std::array<long, 3>{ 2, 3, 4 }));
  EXPECT_EQ(stats.at(1).bboxMaxIndex, (std::array<long, 3>{ 2, 3, 4 }));
  EXPECT_EQ(stats.at(8).voxelCount, 2u);
  EXPECT_EQ(stats.at(8).bboxMinIndex, (std::array<long, 3>{ 0, 0, 0 }));
  EXPECT_EQ(stats.at(8).bboxMaxIndex, (std::array<long, 3>{ 5, 5, 5 }));
  EXPECT_DOUBLE_EQ(stats.at(8).centroidLpsMm[0], 2.5);
  EXPECT_EQ(stats.at(65535).voxelCount, 1u);
}

TEST(LabelStats, EmptyImageGivesEmptyMap)
{
  auto labels = makeImage<LabelImage>({ 4, 5, 6 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  auto ct = makeImage<CtImage>({ 4, 5, 6 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  EXPECT_TRUE(liver::computeLabelStats(*labels, nullptr).empty());
  EXPECT_TRUE(liver::computeLabelStats(*labels, ct.GetPointer()).empty());
}

TEST(LabelStats, CtOnAnotherGridThrows)
{
  const std::array<unsigned long, 3> size{ 4, 5, 6 };
  const Vec3 spacing{ 0.8, 0.8, 2.0 };
  const Vec3 origin{ 1, 2, 3 };
  auto labels = makeImage<LabelImage>(size, spacing, origin, identityDirection());
  labels->SetPixel({ { 1, 1, 1 } }, 1);
  EXPECT_NO_THROW(liver::computeLabelStats(
    *labels, makeImage<CtImage>(size, spacing, origin, identityDirection()).GetPointer()));

  const auto expectMismatch = [&](const CtImage::Pointer& ct, const std::string& field)
  {
    try
    {
      liver::computeLabelStats(*labels, ct.GetPointer());
      ADD_FAILURE() << "no exception for a different " << field;
    }
    catch (const std::invalid_argument& e)
    {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expectMismatch(makeImage<CtImage>({ 4, 5, 7 }, spacing, origin, identityDirection()), "size");
  expectMismatch(makeImage<CtImage>(size, { 0.8, 0.8, 2.5 }, origin, identityDirection()),
                 "spacing");
  expectMismatch(makeImage<CtImage>(size, spacing, { 1, 2, 3.5 }, identityDirection()), "origin");
  expectMismatch(makeImage<CtImage>(size, spacing, origin, rotationDirection(0, 0, 5)),
                 "direction");
  expectMismatch(makeImage<CtImage>(size, spacing, origin, identityDirection(), { 1, 0, 0 }),
                 "start index");
}

// ---------------------------------------------------------------------------------------------
// Liver function formulas (DESIGN.md §3), against values computed by hand

TEST(LiverFunction, BodySurfaceAreaMatchesHandComputation)
{
  // 170 cm, 70 kg. Mosteller: sqrt(170 x 70 / 3600) = sqrt(3.30556) = 1.8181187.
  // DuBois: 170^0.725 = e^(0.725 x 5.135798) = 41.4136; 70^0.425 = e^(0.425 x 4.248495) = 6.08345;
  // 0.007184 x 41.4136 x 6.08345 = 1.809708. Tolerance 1e-6 m²: the hand values' last digit.
  EXPECT_NEAR(liver::bodySurfaceAreaM2(170, 70), 1.8181187, 1e-6);
  EXPECT_NEAR(liver::bodySurfaceAreaM2(170, 70, liver::BsaFormula::Mosteller), 1.8181187, 1e-6);
  EXPECT_NEAR(liver::bodySurfaceAreaM2(170, 70, liver::BsaFormula::DuBois), 1.809708, 1e-6);
  // Exact cases: 180 cm x 80 kg / 3600 = 4 -> 2 m².
  EXPECT_DOUBLE_EQ(liver::bodySurfaceAreaM2(180, 80), 2.0);
}

TEST(LiverFunction, StandardLiverVolumeMatchesHandComputation)
{
  // BSA 1.8181187 m² (170 cm, 70 kg, Mosteller). Tolerance 1e-3 mL: the hand values' last digit.
  // Vauthey: -794.41 + 1267.28 x 1.8181187 = 1509.655 mL.
  // Urata: 706.2 x 1.8181187 + 2.4 = 1286.355 mL.
  // Heinemann: 1072.8 x 1.8181187 - 345.7 = 1604.778 mL.
  const double bsa = liver::bodySurfaceAreaM2(170, 70);
  EXPECT_NEAR(liver::standardLiverVolumeMl(bsa), 1509.655, 1e-3);
  EXPECT_NEAR(liver::standardLiverVolumeMl(bsa, liver::SlvFormula::Vauthey), 1509.655, 1e-3);
  EXPECT_NEAR(liver::standardLiverVolumeMl(bsa, liver::SlvFormula::Urata), 1286.355, 1e-3);
  EXPECT_NEAR(liver::standardLiverVolumeMl(bsa, liver::SlvFormula::Heinemann), 1604.778, 1e-3);
  // BSA 2 m²: Vauthey -794.41 + 2534.56 = 1740.15 mL (rounding of the coefficients only).
  EXPECT_NEAR(liver::standardLiverVolumeMl(2.0), 1740.15, 1e-9);
}

TEST(LiverFunction, RemnantRatiosMatchHandComputation)
{
  // Measured FLR: 400 / (1600 - 100) x 100 = 26.6667 %. sFLR with the Vauthey SLV of 170 cm,
  // 70 kg: 400 / 1509.655 x 100 = 26.4961 %. FLR/BW: 400 / (70 x 1000) x 100 = 0.571429 %.
  // Tolerances: the last digit written.
  EXPECT_NEAR(liver::measuredFlrPercent(400, 1600, 100), 26.6667, 1e-4);
  EXPECT_DOUBLE_EQ(liver::measuredFlrPercent(450, 1000, 100), 50.0);
  const double slv = liver::standardLiverVolumeMl(liver::bodySurfaceAreaM2(170, 70));
  EXPECT_NEAR(liver::standardizedFlrPercent(400, slv), 26.4961, 1e-4);
  EXPECT_DOUBLE_EQ(liver::standardizedFlrPercent(300, 1200), 25.0);
  EXPECT_NEAR(liver::flrBodyWeightPercent(400, 70), 0.571429, 1e-6);
  EXPECT_DOUBLE_EQ(liver::flrBodyWeightPercent(400, 80), 0.5);
  // No resection: the whole functional volume remains.
  EXPECT_DOUBLE_EQ(liver::measuredFlrPercent(1500, 1600, 100), 100.0);
  // The formula itself, without the checks of one labelling: a band's eroded remnant may exceed
  // the eroded functional volume. measuredFlrPercent is it, bit for bit.
  EXPECT_NEAR(liver::flrPercentOfFunctional(400, 1500), 26.6667, 1e-4);
  EXPECT_DOUBLE_EQ(liver::flrPercentOfFunctional(1210, 1100), 110.0);
  for (const double flr : { 0.0, 0.001, 123.456, 470.128, 1499.999 })
    EXPECT_EQ(liver::measuredFlrPercent(flr, 1617.96, 108.904),
              liver::flrPercentOfFunctional(flr, 1617.96 - 108.904))
      << flr;
}

TEST(LiverFunction, EveryRatioIsTheOneVolumePercent)
{
  // 25 / 200 x 100 = 12.5 %: a segment's share of the functional volume, TLV as % of SLV.
  EXPECT_DOUBLE_EQ(liver::volumePercent(25, 200), 12.5);
  EXPECT_DOUBLE_EQ(liver::volumePercent(0, 200), 0.0);
  // FLR %, sFLR % and FLR / body weight are that ratio bit for bit.
  for (const double flr : { 0.0, 0.001, 123.456, 470.128, 1499.999 })
  {
    EXPECT_EQ(liver::flrPercentOfFunctional(flr, 1509.056), liver::volumePercent(flr, 1509.056));
    EXPECT_EQ(liver::standardizedFlrPercent(flr, 1509.655), liver::volumePercent(flr, 1509.655));
    EXPECT_EQ(liver::flrBodyWeightPercent(flr, 73.5), liver::volumePercent(flr, 73500.0));
  }
  EXPECT_THROW(liver::volumePercent(-1, 200), std::invalid_argument);
  EXPECT_THROW(liver::volumePercent(25, 0), std::invalid_argument);
}

TEST(LiverFunction, ThresholdsFollowLiverConditionWithSources)
{
  using liver::LiverCondition;
  const auto normal = liver::flrThreshold(LiverCondition::Normal);
  EXPECT_EQ(normal.minimumPercent, 20.0);
  EXPECT_EQ(normal.source, "Kishi 2009");
  const auto chemo = liver::flrThreshold(LiverCondition::Chemotherapy);
  EXPECT_EQ(chemo.minimumPercent, 30.0);
  EXPECT_EQ(chemo.source, "Shindoh, Ann Surg Oncol 2013");
  const auto steatosis = liver::flrThreshold(LiverCondition::Steatosis);
  EXPECT_EQ(steatosis.minimumPercent, 30.0);
  EXPECT_EQ(steatosis.source, "Abdalla et al., Ann Surg Oncol 2006 (consensus)");
  const auto cirrhosis = liver::flrThreshold(LiverCondition::Cirrhosis);
  EXPECT_EQ(cirrhosis.minimumPercent, 40.0);
  EXPECT_EQ(cirrhosis.source, "Azoulay");
  const auto unknown = liver::flrThreshold(LiverCondition::Unknown);
  EXPECT_EQ(unknown.minimumPercent, 30.0);
  EXPECT_EQ(unknown.source, "seed guideline");
  EXPECT_NE(unknown.rationale.find("at least 30 % of standard hepatic volume"), std::string::npos);
  for (const auto& t : { normal, chemo, steatosis, cirrhosis, unknown })
  {
    EXPECT_FALSE(t.rationale.empty()) << t.source;
  }
}

/// Expects std::invalid_argument whose message contains every one of `fragments`.
template<typename Call>
void expectInvalid(Call call, const std::vector<std::string>& fragments)
{
  try
  {
    call();
    ADD_FAILURE() << "no std::invalid_argument; expected one mentioning " << fragments.front();
  }
  catch (const std::invalid_argument& e)
  {
    for (const auto& fragment : fragments)
    {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "'" << e.what() << "' lacks '" << fragment << "'";
    }
  }
}

TEST(LiverFunction, InvalidInputsThrowNamingParameterAndValue)
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expectInvalid([] { liver::bodySurfaceAreaM2(49.5, 70); }, { "heightCm", "49.5" });
  expectInvalid([] { liver::bodySurfaceAreaM2(251, 70); }, { "heightCm", "251" });
  expectInvalid([] { liver::bodySurfaceAreaM2(170, 19); }, { "weightKg", "19" });
  expectInvalid([] { liver::bodySurfaceAreaM2(170, 351); }, { "weightKg", "351" });
  expectInvalid([&] { liver::bodySurfaceAreaM2(nan, 70); }, { "heightCm", "nan" });
  expectInvalid([&] { liver::bodySurfaceAreaM2(170, nan, liver::BsaFormula::DuBois); },
                { "weightKg", "nan" });
  // Boundaries are accepted.
  EXPECT_NO_THROW(liver::bodySurfaceAreaM2(50, 20));
  EXPECT_NO_THROW(liver::bodySurfaceAreaM2(250, 350, liver::BsaFormula::DuBois));

  expectInvalid([] { liver::standardLiverVolumeMl(0.0); }, { "bsaM2", "0" });
  expectInvalid([] { liver::standardLiverVolumeMl(-1.5); }, { "bsaM2", "-1.5" });
  expectInvalid([&] { liver::standardLiverVolumeMl(nan); }, { "bsaM2", "nan" });
  expectInvalid([] { liver::standardLiverVolumeMl(7.0); }, { "bsaM2", "7" });
  // Vauthey crosses zero at BSA 794.41 / 1267.28 = 0.627 m².
  expectInvalid([] { liver::standardLiverVolumeMl(0.6); }, { "bsaM2", "0.6", "vauthey" });
  EXPECT_GT(liver::standardLiverVolumeMl(0.6, liver::SlvFormula::Urata), 0.0);

  expectInvalid([] { liver::measuredFlrPercent(1600, 1600, 100); }, { "flrMl", "1600" });
  expectInvalid([] { liver::measuredFlrPercent(-1, 1600, 100); }, { "flrMl", "-1" });
  expectInvalid([] { liver::measuredFlrPercent(100, 500, 500); }, { "tumourMl", "500" });
  expectInvalid([] { liver::measuredFlrPercent(100, 0, 0); }, { "totalLiverMl", "0" });
  expectInvalid([] { liver::measuredFlrPercent(100, 1600, -5); }, { "tumourMl", "-5" });
  expectInvalid([&] { liver::measuredFlrPercent(nan, 1600, 100); }, { "flrMl", "nan" });
  expectInvalid([&] { liver::measuredFlrPercent(100, inf, 100); }, { "totalLiverMl", "inf" });

  expectInvalid([] { liver::flrPercentOfFunctional(400, 0); }, { "functionalMl", "0" });
  expectInvalid([] { liver::flrPercentOfFunctional(-1, 1500); }, { "flrMl", "-1" });
  expectInvalid([&] { liver::flrPercentOfFunctional(400, nan); }, { "functionalMl", "nan" });

  expectInvalid([] { liver::standardizedFlrPercent(400, 0); }, { "slvMl", "0" });
  expectInvalid([] { liver::standardizedFlrPercent(400, -20); }, { "slvMl", "-20" });
  expectInvalid([] { liver::standardizedFlrPercent(-400, 1500); }, { "flrMl", "-400" });
  expectInvalid([&] { liver::standardizedFlrPercent(400, nan); }, { "slvMl", "nan" });

  expectInvalid([] { liver::flrBodyWeightPercent(400, 0); }, { "weightKg", "0" });
  expectInvalid([] { liver::flrBodyWeightPercent(-1, 70); }, { "flrMl", "-1" });
  expectInvalid([&] { liver::flrBodyWeightPercent(400, nan); }, { "weightKg", "nan" });
}

TEST(LiverFunction, NamesRoundTripAndUnknownNamesThrow)
{
  for (const auto f : { liver::BsaFormula::Mosteller, liver::BsaFormula::DuBois })
  {
    EXPECT_EQ(liver::parseBsaFormula(liver::toString(f)), f);
  }
  for (const auto f :
       { liver::SlvFormula::Vauthey, liver::SlvFormula::Urata, liver::SlvFormula::Heinemann })
  {
    EXPECT_EQ(liver::parseSlvFormula(liver::toString(f)), f);
  }
  for (const auto c : { liver::LiverCondition::Normal,
                        liver::LiverCondition::Chemotherapy,
                        liver::LiverCondition::Steatosis,
                        liver::LiverCondition::Cirrhosis,
                        liver::LiverCondition::Unknown })
  {
    EXPECT_EQ(liver::parseLiverCondition(liver::toString(c)), c);
  }
  EXPECT_EQ(liver::toString(liver::BsaFormula::DuBois), "dubois");
  EXPECT_EQ(liver::toString(liver::SlvFormula::Heinemann), "heinemann");
  EXPECT_EQ(liver::toString(liver::LiverCondition::Chemotherapy), "chemotherapy");
  // Case-insensitive.
  EXPECT_EQ(liver::parseBsaFormula("DuBois"), liver::BsaFormula::DuBois);
  EXPECT_EQ(liver::parseSlvFormula("URATA"), liver::SlvFormula::Urata);
  EXPECT_EQ(liver::parseLiverCondition("Cirrhosis"), liver::LiverCondition::Cirrhosis);

  expectInvalid([] { liver::parseBsaFormula("haycock"); }, { "haycock", "mosteller", "dubois" });
  expectInvalid([] { liver::parseSlvFormula(""); }, { "vauthey", "urata", "heinemann" });
  expectInvalid([] { liver::parseLiverCondition("fibrosis"); },
                { "fibrosis", "normal", "chemotherapy", "steatosis", "cirrhosis", "unknown" });
}

// ---------------------------------------------------------------------------------------------
// Lesion diameter and whole-liver volumetry
// ---------------------------------------------------------------------------------------------

TEST(LesionDiameter, BoxDiagonalAndSingleVoxel)
{
  auto labels =
    makeImage<LabelImage>({ 20, 20, 20 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  labels->SetPixel({ { 3, 3, 3 } }, 9);
  // One voxel: its opposite faces are one spacing apart.
  EXPECT_DOUBLE_EQ(maxDiameterMm(*labels, 9), 1.0);
  EXPECT_DOUBLE_EQ(maxDiameterMm(*labels, 4), 0.0);
  // A 10 x 4 x 2 mm box: the farthest face centres are the x faces of opposite corner voxels,
  // sqrt(10² + 3² + 1²) apart; the corner diagonal sqrt(10² + 4² + 2²) = 10.954 is within half a
  // voxel of that (a marching-cubes mesh chamfers the corners the same way).
  fillBox(*labels, { 5, 5, 5 }, { 14, 8, 6 }, 2);
  EXPECT_NEAR(maxDiameterMm(*labels, 2), std::sqrt(110.0), 1e-9);
  EXPECT_NEAR(maxDiameterMm(*labels, 2), std::sqrt(120.0), 0.5);
}

TEST(LesionDiameter, SphereAndLargeEllipsoidMatchTheirAxes)
{
  // Within one voxel (0.5 mm) of the analytic diameter: each surface point lies within half a
  // voxel of the true surface.
  const Vec3 centre{ 10.0, -20.0, 30.0 };
  auto sphere = makeGridAround(centre, 10.0, { 0.5, 0.5, 0.5 }, identityDirection());
  rasterizeEllipsoid(*sphere, centre, { 10.0, 10.0, 10.0 }, 1);
  EXPECT_NEAR(maxDiameterMm(*sphere, 1), 20.0, 0.5);
  // Many boundary voxels: the directional-width path is used.
  auto ellipsoid = makeGridAround(centre, 30.0, { 0.5, 0.5, 0.5 }, identityDirection());
  rasterizeEllipsoid(*ellipsoid, centre, { 30.0, 20.0, 15.0 }, 1);
  EXPECT_NEAR(maxDiameterMm(*ellipsoid, 1), 60.0, 0.5);
}

TEST(MeasureLiver, TotalTumourFunctionalSegmentsAndLesions)
{
  const Vec3 spacing{ 1.0, 1.0, 2.0 }; // 2 uL voxels
  auto ct = makeImage<CtImage>({ 20, 20, 10 }, spacing, { 0, 0, 0 }, identityDirection());
  auto liver = makeImage<LabelImage>({ 20, 20, 10 }, spacing, { 0, 0, 0 }, identityDirection());
  auto lesions = makeImage<LabelImage>({ 20, 20, 10 }, spacing, { 0, 0, 0 }, identityDirection());
  auto segments = makeImage<LabelImage>({ 20, 20, 10 }, spacing, { 0, 0, 0 }, identityDirection());
  ct->FillBuffer(100);
  fillBox(*liver, { 0, 0, 0 }, { 9, 9, 9 }, std::uint16_t(255)); // any non-zero value is liver
  fillBox(*segments, { 0, 0, 0 }, { 4, 9, 9 }, std::uint16_t(7));
  fillBox(*segments, { 5, 0, 0 }, { 9, 9, 9 }, std::uint16_t(8));
  fillBox(*lesions, { 3, 3, 3 }, { 6, 4, 4 }, std::uint16_t(1)); // 4x2x2, straddles 7 | 8
  fillBox(*ct, { 3, 3, 3 }, { 6, 4, 4 }, std::int16_t(40));
  fillBox(*lesions, { 9, 9, 9 }, { 10, 9, 9 }, std::uint16_t(2)); // 1 voxel in, 1 out of liver

  const Volumetry v = measureLiver({ liver, lesions, segments, nullptr }, *ct);
  const double voxelMl = 0.002;
  EXPECT_EQ(v.liverVoxelCount, 1000u);
  EXPECT_DOUBLE_EQ(v.totalLiverMl, 1000 * voxelMl);
  EXPECT_DOUBLE_EQ(v.tumourMl, 17 * voxelMl); // lesion voxels inside the liver only
  EXPECT_DOUBLE_EQ(v.functionalMl, v.totalLiverMl - v.tumourMl);
  EXPECT_DOUBLE_EQ(v.liverMeanHu, (983 * 100.0 + 16 * 40.0 + 1 * 100.0) / 1000.0);
  EXPECT_TRUE(v.hasSegments);
  EXPECT_DOUBLE_EQ(v.segmentMl[7], 500 * voxelMl);
  EXPECT_DOUBLE_EQ(v.segmentMl[8], 500 * voxelMl);
  EXPECT_DOUBLE_EQ(v.segmentMl[1], 0.0);
  ASSERT_EQ(v.lesions.size(), 2u);
  EXPECT_EQ(v.lesions[0].id, 1);
  EXPECT_DOUBLE_EQ(v.lesions[0].volumeMl, 16 * voxelMl);
  EXPECT_DOUBLE_EQ(v.lesions[0].meanHu, 40.0);
  EXPECT_EQ(v.lesions[0].segments, (std::vector<int>{ 7, 8 }));
  EXPECT_EQ(v.lesions[1].segments, (std::vector<int>{ 8 }));
  // The liver surface estimate is within a few percent of the voxel count for a 10-voxel box.
  EXPECT_NEAR(v.liverSurfaceMl, v.totalLiverMl, 0.1 * v.totalLiverMl);
}

TEST(MeasureLiver, EmptyLiverAndForeignGridAreRefused)
{
  auto ct = makeImage<CtImage>({ 5, 5, 5 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  auto liver = makeImage<LabelImage>({ 5, 5, 5 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  EXPECT_THROW(measureLiver({ liver, nullptr, nullptr, nullptr }, *ct), InputError);
  auto other = makeImage<LabelImage>({ 5, 5, 6 }, { 1, 1, 1 }, { 0, 0, 0 }, identityDirection());
  EXPECT_THROW(measureLiver({ other, nullptr, nullptr, nullptr }, *ct), std::invalid_argument);
  EXPECT_THROW(measureLiver({}, *ct), std::invalid_argument);
}
