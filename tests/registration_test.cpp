/// Rigid registration (liver::imaging registerRigid): the phantom against the same phantom moved
/// by a known rotation about z and shift recovers that motion; quality is reported; bad input and
/// failure throw with a message that says why.

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/registration.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace
{

using liver::RigidTransform;
using Vec3 = std::array<double, 3>;

constexpr double Pi = 3.14159265358979323846;

/// The phantom at 3 mm (fast, and fine enough for sub-millimetre registration of a liver).
liver::Phantom phantom(double rotationDeg = 0.0, Vec3 shiftMm = {}, double growthPercent = 0.0)
{
  liver::PhantomOptions o;
  o.spacingMm = { 3.0, 3.0, 3.0 };
  o.rotationDeg = rotationDeg;
  o.shiftMm = shiftMm;
  o.leftLobeGrowthPercent = growthPercent;
  return liver::makePhantom(o);
}

/// The phantom's own pose: anatomy point p (= the unmoved phantom's world point) to R p + shift.
RigidTransform truePose(double rotationDeg, const Vec3& shiftMm)
{
  const double c = std::cos(rotationDeg * Pi / 180.0), s = std::sin(rotationDeg * Pi / 180.0);
  RigidTransform t;
  t.rotation = { c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0 };
  t.translationMm = shiftMm;
  return t;
}

double distance(const Vec3& a, const Vec3& b)
{
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                   (a[2] - b[2]) * (a[2] - b[2]));
}

/// Largest mismatch in mm of two transforms over the corners of the phantom liver's box
/// (x -142..62, y -105..67, z -45..95 mm) and its centre.
double maxErrorOverLiverMm(const RigidTransform& a, const RigidTransform& b)
{
  double worst = 0.0;
  for (int corner = 0; corner < 9; ++corner)
  {
    const Vec3 p = corner == 8 ? Vec3{ -40.0, -5.0, 25.0 }
                               : Vec3{ (corner & 1) ? 62.0 : -142.0,
                                       (corner & 2) ? 67.0 : -105.0,
                                       (corner & 4) ? 95.0 : -45.0 };
    worst = std::max(worst, distance(a.apply(p), b.apply(p)));
  }
  return worst;
}

/// Angle in degrees of the rotation between two transforms.
double rotationErrorDeg(const RigidTransform& a, const RigidTransform& b)
{
  RigidTransform relative;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
    {
      double sum = 0.0;
      for (int k = 0; k < 3; ++k)
        sum += a.rotation[3 * i + k] * b.rotation[3 * j + k];
      relative.rotation[3 * i + j] = sum;
    }
  return relative.rotationAngleDeg();
}

} // namespace

TEST(RigidTransform, AppliesRotationAboutItsCentreAndInverts)
{
  RigidTransform t; // 90 degrees about z through (10, 0, 0), then +5 mm in z
  t.rotation = { 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0 };
  t.centreLpsMm = { 10.0, 0.0, 0.0 };
  t.translationMm = { 0.0, 0.0, 5.0 };
  const Vec3 q = t.apply({ 20.0, 0.0, 1.0 });
  EXPECT_NEAR(q[0], 10.0, 1e-12);
  EXPECT_NEAR(q[1], 10.0, 1e-12);
  EXPECT_NEAR(q[2], 6.0, 1e-12);
  EXPECT_NEAR(t.rotationAngleDeg(), 90.0, 1e-9);
  const Vec3 back = t.inverse().apply(q);
  EXPECT_NEAR(distance(back, { 20.0, 0.0, 1.0 }), 0.0, 1e-12);
  const Vec3 n = t.applyToVector({ 1.0, 0.0, 0.0 });
  EXPECT_NEAR(n[1], 1.0, 1e-12);
}

// Tolerances: 1 mm anywhere in the liver's box and 0.5 degree, the bar; the phantom is
// sampled at 3 mm, so this is a third of a voxel.
TEST(RegisterRigid, RecoversKnownRotationAndShiftOfThePhantom)
{
  const double rotationDeg = 4.0;
  const Vec3 shiftMm{ 7.0, -5.0, 4.0 };
  const liver::Phantom fixed = phantom();
  const liver::Phantom moving = phantom(rotationDeg, shiftMm);
  const liver::RigidRegistration r = liver::registerRigid(
    *fixed.ct, *moving.ct, fixed.liver.GetPointer(), {}, moving.liver.GetPointer());
  const RigidTransform truth = truePose(rotationDeg, shiftMm);
  std::printf("registration: max error %.3f mm over the liver box, rotation error %.3f deg, "
              "Dice %.4f, centroid residual %.3f mm, %u iterations, %.2f s\n",
              maxErrorOverLiverMm(r.fixedToMoving, truth),
              rotationErrorDeg(r.fixedToMoving, truth),
              r.quality.liverDice.value_or(-1.0),
              r.quality.centroidResidualMm.value_or(-1.0),
              r.iterations,
              r.seconds);
  EXPECT_LT(maxErrorOverLiverMm(r.fixedToMoving, truth), 1.0);
  EXPECT_LT(rotationErrorDeg(r.fixedToMoving, truth), 0.5);
  EXPECT_NEAR(r.fixedToMoving.rotationAngleDeg(), rotationDeg, 0.5);
  EXPECT_LT(maxErrorOverLiverMm(r.movingToFixed, truth.inverse()), 1.0);
  // Quality: the livers overlap and their centroids meet.
  ASSERT_TRUE(r.quality.liverDice.has_value());
  EXPECT_GT(*r.quality.liverDice, 0.95);
  ASSERT_TRUE(r.quality.centroidResidualMm.has_value());
  EXPECT_LT(*r.quality.centroidResidualMm, 1.0);
  EXPECT_EQ(r.metric, "mattes-mutual-information");
  EXPECT_GT(r.iterations, 0U);
  EXPECT_EQ(r.iterationsPerLevel.size(), 3U);
  EXPECT_FALSE(r.stopCondition.empty());
  // Generous: a few seconds on one core (Release); scaled for a sanitized build.
  EXPECT_LT(r.seconds, 60.0 * LIVERPLAN_TIMEOUT_SCALE);
}

TEST(RegisterRigid, MeanSquaresAndGeometryInitializerAlsoRecoverTheMotion)
{
  const double rotationDeg = -3.0;
  const Vec3 shiftMm{ -4.0, 6.0, -3.0 };
  const liver::Phantom fixed = phantom();
  const liver::Phantom moving = phantom(rotationDeg, shiftMm);
  liver::RigidRegistrationOptions o;
  o.metric = liver::RegistrationMetric::MeanSquares;
  o.initializer = liver::RegistrationInitializer::Geometry;
  const liver::RigidRegistration r =
    liver::registerRigid(*fixed.ct, *moving.ct, fixed.liver.GetPointer(), o);
  const RigidTransform truth = truePose(rotationDeg, shiftMm);
  EXPECT_LT(maxErrorOverLiverMm(r.fixedToMoving, truth), 1.0);
  EXPECT_LT(rotationErrorDeg(r.fixedToMoving, truth), 0.5);
  EXPECT_EQ(r.metric, "mean-squares");
  EXPECT_FALSE(r.quality.liverDice.has_value()); // no moving liver given
}

// A grown left lobe (the study after PVE) is not a rigid change: the rest of the liver still
// carries the registration; Dice falls with the growth but stays high.
TEST(RegisterRigid, GrownLeftLobeStillRegistersAndLowersDice)
{
  const double rotationDeg = 3.0;
  const Vec3 shiftMm{ 6.0, -4.0, 3.0 };
  const liver::Phantom fixed = phantom();
  const liver::Phantom moving = phantom(rotationDeg, shiftMm, 30.0);
  const liver::RigidRegistration r = liver::registerRigid(
    *fixed.ct, *moving.ct, fixed.liver.GetPointer(), {}, moving.liver.GetPointer());
  const RigidTransform truth = truePose(rotationDeg, shiftMm);
  std::printf(
    "grown lobe: max error %.3f mm, rotation error %.3f deg, Dice %.4f, residual %.2f mm\n",
    maxErrorOverLiverMm(r.fixedToMoving, truth),
    rotationErrorDeg(r.fixedToMoving, truth),
    r.quality.liverDice.value_or(-1.0),
    r.quality.centroidResidualMm.value_or(-1.0));
  EXPECT_LT(maxErrorOverLiverMm(r.fixedToMoving, truth), 1.5);
  EXPECT_LT(rotationErrorDeg(r.fixedToMoving, truth), 0.5);
  ASSERT_TRUE(r.quality.liverDice.has_value());
  EXPECT_GT(*r.quality.liverDice, 0.9);
  EXPECT_LT(*r.quality.liverDice, 0.99);
}

TEST(RegisterRigid, RefusesBadInputWithAReason)
{
  const liver::Phantom a = phantom();
  liver::PhantomOptions other;
  other.spacingMm = { 4.0, 4.0, 4.0 };
  const liver::Phantom b = liver::makePhantom(other);
  // A mask on another grid than its image.
  EXPECT_THROW(liver::registerRigid(*a.ct, *b.ct, b.liver.GetPointer()), std::invalid_argument);
  EXPECT_THROW(liver::registerRigid(*a.ct, *b.ct, a.liver.GetPointer(), {}, a.liver.GetPointer()),
               std::invalid_argument);
  // Bad options.
  liver::RigidRegistrationOptions o;
  o.windowHighHu = o.windowLowHu;
  EXPECT_THROW(liver::registerRigid(*a.ct, *a.ct, nullptr, o), std::invalid_argument);
  o = {};
  o.smoothingSigmasMm = { 1.0 };
  EXPECT_THROW(liver::registerRigid(*a.ct, *a.ct, nullptr, o), std::invalid_argument);
  // An empty liver mask is bad data.
  liver::LabelImage::Pointer empty = liver::LabelImage::New();
  empty->CopyInformation(a.liver);
  empty->SetRegions(a.liver->GetLargestPossibleRegion());
  empty->Allocate(true);
  try
  {
    liver::registerRigid(*a.ct, *a.ct, empty.GetPointer());
    FAIL() << "an empty mask was accepted";
  }
  catch (const liver::InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("fixed liver mask is empty"), std::string::npos);
  }
}

TEST(RegisterRigid, ThrowsWhenItDoesNotConverge)
{
  const liver::Phantom fixed = phantom();
  const liver::Phantom moving = phantom(5.0, { 8.0, 0.0, 0.0 });
  liver::RigidRegistrationOptions o;
  o.maxIterationsPerLevel = 2;
  try
  {
    liver::registerRigid(*fixed.ct, *moving.ct, fixed.liver.GetPointer(), o);
    FAIL() << "two iterations per level were reported as converged";
  }
  catch (const liver::ProcessingError& e)
  {
    EXPECT_NE(std::string(e.what()).find("did not converge"), std::string::npos) << e.what();
  }
}

TEST(RegisterRigid, ThrowsWhenTheLiversDoNotOverlap)
{
  const liver::Phantom fixed = phantom();
  // The moving "liver" is the spleen: the images register, the livers do not match.
  liver::LabelImage::Pointer spleen = liver::LabelImage::New();
  spleen->CopyInformation(fixed.organs);
  spleen->SetRegions(fixed.organs->GetLargestPossibleRegion());
  spleen->Allocate(true);
  const auto* organs = fixed.organs->GetBufferPointer();
  auto* mask = spleen->GetBufferPointer();
  for (std::size_t v = 0; v < fixed.organs->GetLargestPossibleRegion().GetNumberOfPixels(); ++v)
    mask[v] = organs[v] == liver::OrganSpleen ? 1 : 0;
  try
  {
    liver::registerRigid(*fixed.ct, *fixed.ct, fixed.liver.GetPointer(), {}, spleen.GetPointer());
    FAIL() << "a spleen was accepted as the moving liver";
  }
  catch (const liver::ProcessingError& e)
  {
    EXPECT_NE(std::string(e.what()).find("Dice"), std::string::npos) << e.what();
  }
}
