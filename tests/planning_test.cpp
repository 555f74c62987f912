/// liver::planning: Brisbane names, plan specs, plane cuts on analytic ellipsoids, wedges,
/// ablations, margins and R0, contiguity, and exact remnants on the project phantom.

#include "phantom_support.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

using namespace liver;

namespace
{

using Vec = std::array<double, 3>;

double dot(const Vec& a, const Vec& b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

Vec normalized(const Vec& v)
{
  const double n = std::sqrt(dot(v, v));
  return { v[0] / n, v[1] / n, v[2] / n };
}

/// A label image of `size` voxels of `spacingMm`, centred on `centreMm`, with `direction`
/// (identity by default); voxel values from `value(physical point)`.
LabelImage::Pointer makeImage(const std::array<unsigned, 3>& size,
                              double spacingMm,
                              const Vec& centreMm,
                              const std::function<std::uint16_t(const Vec&)>& value,
                              const LabelImage::DirectionType* direction = nullptr)
{
  auto image = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ size[0], size[1], size[2] });
  image->SetRegions(region);
  image->SetSpacing(spacingMm);
  LabelImage::DirectionType d;
  d.SetIdentity();
  if (direction)
    d = *direction;
  image->SetDirection(d);
  LabelImage::PointType origin;
  for (int r = 0; r < 3; ++r)
  {
    origin[r] = centreMm[r];
    for (int c = 0; c < 3; ++c)
      origin[r] -= d[r][c] * spacingMm * (size[c] - 1) / 2.0;
  }
  image->SetOrigin(origin);
  image->Allocate();
  std::uint16_t* p = image->GetBufferPointer();
  std::size_t i = 0;
  for (unsigned z = 0; z < size[2]; ++z)
    for (unsigned y = 0; y < size[1]; ++y)
      for (unsigned x = 0; x < size[0]; ++x, ++i)
      {
        LabelImage::PointType point;
        image->TransformIndexToPhysicalPoint({ { x, y, z } }, point);
        p[i] = value({ point[0], point[1], point[2] });
      }
  return image;
}

/// A rotation: `degZ` about z, then `degX` about x.
LabelImage::DirectionType rotation(double degZ, double degX)
{
  const double a = degZ * M_PI / 180.0, b = degX * M_PI / 180.0;
  LabelImage::DirectionType rz, rx;
  rz.SetIdentity();
  rx.SetIdentity();
  rz[0][0] = std::cos(a);
  rz[0][1] = -std::sin(a);
  rz[1][0] = std::sin(a);
  rz[1][1] = std::cos(a);
  rx[1][1] = std::cos(b);
  rx[1][2] = -std::sin(b);
  rx[2][1] = std::sin(b);
  rx[2][2] = std::cos(b);
  return rx * rz;
}

/// Volume in mL of the part of the ellipsoid (centre, semi-axes along LPS) on the normal's side of
/// the plane: the unit-ball cap pi (1 - h)^2 (2 + h) / 3 scaled by abc, h the plane's distance
/// from the centre in ball coordinates.
double ellipsoidCapMl(const Vec& centre, const Vec& semiAxes, const CutPlane& plane)
{
  const Vec n = normalized(plane.normal);
  const Vec m = { semiAxes[0] * n[0], semiAxes[1] * n[1], semiAxes[2] * n[2] };
  const Vec offset = { plane.pointLpsMm[0] - centre[0],
                       plane.pointLpsMm[1] - centre[1],
                       plane.pointLpsMm[2] - centre[2] };
  const double h = dot(n, offset) / std::sqrt(dot(m, m));
  return M_PI * (1.0 - h) * (1.0 - h) * (2.0 + h) / 3.0 * semiAxes[0] * semiAxes[1] * semiAxes[2] /
         1000.0;
}

bool insideEllipsoid(const Vec& p, const Vec& centre, const Vec& semiAxes)
{
  double s = 0.0;
  for (int a = 0; a < 3; ++a)
    s += std::pow((p[a] - centre[a]) / semiAxes[a], 2);
  return s <= 1.0;
}

double distance(const Vec& a, const Vec& b)
{
  return std::sqrt(std::pow(a[0] - b[0], 2) + std::pow(a[1] - b[1], 2) + std::pow(a[2] - b[2], 2));
}

/// A 1 mm box liver of 81^3 voxels centred at the origin with one spherical lesion (id 1).
LiverLabels boxWithLesion(const Vec& lesionCentre, double radiusMm, double liverHalfMm = 40.0)
{
  LiverLabels labels;
  const std::array<unsigned, 3> size{ 81, 81, 81 };
  labels.liver = makeImage(size,
                           1.0,
                           { 0, 0, 0 },
                           [&](const Vec& p)
                           {
                             return std::abs(p[0]) <= liverHalfMm &&
                                    std::abs(p[1]) <= liverHalfMm && std::abs(p[2]) <= liverHalfMm;
                           });
  labels.lesions =
    makeImage(size,
              1.0,
              { 0, 0, 0 },
              [&](const Vec& p) { return distance(p, lesionCentre) <= radiusMm ? 1 : 0; });
  return labels;
}

/// Brute force: liver voxels whose centre lies within `marginMm` of a voxel centre of lesion 1.
std::uint64_t voxelsWithin(const LiverLabels& labels, double marginMm)
{
  std::vector<Vec> lesionPoints, liverPoints;
  const std::uint16_t* lesions = labels.lesions->GetBufferPointer();
  const std::uint16_t* liver = labels.liver->GetBufferPointer();
  for (std::size_t i = 0; i < labels.liver->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    LabelImage::PointType p;
    labels.liver->TransformIndexToPhysicalPoint(labels.liver->ComputeIndex(i), p);
    if (lesions[i] == 1)
      lesionPoints.push_back({ p[0], p[1], p[2] });
    if (liver[i])
      liverPoints.push_back({ p[0], p[1], p[2] });
  }
  Vec lo{ 1e9, 1e9, 1e9 }, hi{ -1e9, -1e9, -1e9 };
  for (const Vec& l : lesionPoints)
    for (int a = 0; a < 3; ++a)
    {
      lo[a] = std::min(lo[a], l[a] - marginMm - 1.0);
      hi[a] = std::max(hi[a], l[a] + marginMm + 1.0);
    }
  std::uint64_t count = 0;
  for (const Vec& q : liverPoints)
  {
    if (q[0] < lo[0] || q[1] < lo[1] || q[2] < lo[2] || q[0] > hi[0] || q[1] > hi[1] ||
        q[2] > hi[2])
      continue;
    for (const Vec& l : lesionPoints)
      if (distance(q, l) <= marginMm + 1e-9)
      {
        ++count;
        break;
      }
  }
  return count;
}

const LesionOutcome& lesion(const PlanResult& r, int id)
{
  for (const LesionOutcome& o : r.lesions)
    if (o.id == id)
      return o;
  throw std::runtime_error("no lesion " + std::to_string(id));
}

ResectionPlan planePlan(const Vec& point, const Vec& normal)
{
  ResectionPlan plan;
  plan.name = "plane";
  plan.planes.push_back({ point, normal });
  return plan;
}

} // namespace

TEST(AnatomicalResection, BrisbaneNamesGiveTheDesignSegments)
{
  // DESIGN.md §3 Anatomy.
  EXPECT_EQ(anatomicalSegments("right-hemihepatectomy"), (std::vector<int>{ 5, 6, 7, 8 }));
  EXPECT_EQ(anatomicalSegments("extended-right-hemihepatectomy"),
            (std::vector<int>{ 4, 5, 6, 7, 8 }));
  EXPECT_EQ(anatomicalSegments("right-trisectionectomy"), (std::vector<int>{ 4, 5, 6, 7, 8 }));
  EXPECT_EQ(anatomicalSegments("left-hemihepatectomy"), (std::vector<int>{ 2, 3, 4 }));
  EXPECT_EQ(anatomicalSegments("extended-left-hemihepatectomy"),
            (std::vector<int>{ 2, 3, 4, 5, 8 }));
  EXPECT_EQ(anatomicalSegments("left-trisectionectomy"), (std::vector<int>{ 2, 3, 4, 5, 8 }));
  EXPECT_EQ(anatomicalSegments("left-lateral-sectionectomy"), (std::vector<int>{ 2, 3 }));
  EXPECT_EQ(anatomicalSegments("right-anterior-sectionectomy"), (std::vector<int>{ 5, 8 }));
  EXPECT_EQ(anatomicalSegments("right-posterior-sectionectomy"), (std::vector<int>{ 6, 7 }));
  EXPECT_EQ(anatomicalSegments("central-hepatectomy"), (std::vector<int>{ 4, 5, 8 }));
  for (int n = 1; n <= 8; ++n)
    EXPECT_EQ(anatomicalSegments("segmentectomy-" + std::to_string(n)), (std::vector<int>{ n }));
  EXPECT_EQ(anatomicalSegments("Right-Hemihepatectomy-with-caudate"),
            (std::vector<int>{ 1, 5, 6, 7, 8 }));
  EXPECT_EQ(anatomicalSegments("caudate-lobectomy"), (std::vector<int>{ 1 }));
}

TEST(AnatomicalResection, UnknownNamesAreRefusedWithTheList)
{
  try
  {
    anatomicalSegments("right-lobectomy");
    FAIL() << "no exception";
  }
  catch (const std::invalid_argument& e)
  {
    EXPECT_NE(std::string(e.what()).find("unknown resection \"right-lobectomy\""),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("left-lateral-sectionectomy"), std::string::npos);
  }
  EXPECT_THROW(anatomicalSegments("segmentectomy-9"), std::invalid_argument);
  EXPECT_THROW(anatomicalSegments("segmentectomy-0"), std::invalid_argument);
}

TEST(PlanSpec, ParsesEveryPartAndCombination)
{
  const ResectionPlan combo =
    parsePlanSpec("left-lateral-sectionectomy+wedge:4@10+ablate:5+plane:1,-2.5,3;0,0,-1");
  EXPECT_EQ(combo.name, "left-lateral-sectionectomy+wedge:4@10+ablate:5+plane:1,-2.5,3;0,0,-1");
  EXPECT_EQ(combo.segments, (std::vector<int>{ 2, 3 }));
  ASSERT_EQ(combo.wedges.size(), 1u);
  EXPECT_EQ(combo.wedges[0].lesionIds, (std::vector<int>{ 4 }));
  EXPECT_DOUBLE_EQ(combo.wedges[0].marginMm, 10.0);
  ASSERT_EQ(combo.ablations.size(), 1u);
  EXPECT_EQ(combo.ablations[0].lesionId, 5);
  EXPECT_DOUBLE_EQ(combo.ablations[0].zoneMarginMm, 5.0); // default (issue 4)
  ASSERT_EQ(combo.planes.size(), 1u);
  EXPECT_EQ(combo.planes[0].pointLpsMm, (Vec{ 1.0, -2.5, 3.0 }));
  EXPECT_EQ(combo.planes[0].normal, (Vec{ 0.0, 0.0, -1.0 }));

  const ResectionPlan named = parsePlanSpec("my plan = segments:3,2,2 + wedge:2,4@7.5 + caudate");
  EXPECT_EQ(named.name, "my plan");
  EXPECT_EQ(named.segments, (std::vector<int>{ 1, 2, 3 }));
  EXPECT_EQ(named.wedges[0].lesionIds, (std::vector<int>{ 2, 4 }));
  EXPECT_DOUBLE_EQ(named.wedges[0].marginMm, 7.5);
  EXPECT_EQ(parsePlanSpec("wedge:1").wedges[0].marginMm, 10.0);
  EXPECT_EQ(parsePlanSpec("plane:+1,2,3;0,+1,0").planes[0].normal, (Vec{ 0, 1, 0 }));
  EXPECT_EQ(planSpec(combo), "segments:2,3+plane:1,-2.5,3;0,0,-1+wedge:4@10+ablate:5@5");
  const ResectionPlan roundTrip = parsePlanSpec(planSpec(combo));
  EXPECT_EQ(planSpec(roundTrip), planSpec(combo));
}

TEST(PlanSpec, RefusesBadPartsWithAClearMessage)
{
  auto message = [](const std::string& spec)
  {
    try
    {
      parsePlanSpec(spec);
    }
    catch (const std::invalid_argument& e)
    {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_NE(message("segments:2,9").find("segment 9 is outside 1..8"), std::string::npos);
  EXPECT_NE(message("segments:0").find("segment 0 is outside 1..8"), std::string::npos);
  EXPECT_NE(message("right-hepatectomy").find("unknown resection"), std::string::npos);
  EXPECT_NE(message("wedge:").find("no lesion id given"), std::string::npos);
  EXPECT_NE(message("wedge:1@-3").find("margin -3 mm is outside"), std::string::npos);
  EXPECT_NE(message("wedge:0").find("lesion id 0"), std::string::npos);
  EXPECT_NE(message("plane:1,2;0,0,1").find("is not x,y,z"), std::string::npos);
  EXPECT_NE(message("plane:0,0,0;0,0,0").find("non-zero normal"), std::string::npos);
  EXPECT_NE(message("cut:1").find("unknown kind \"cut\""), std::string::npos);
  EXPECT_NE(message("segments:2++wedge:1").find("empty plan part"), std::string::npos);
  EXPECT_NE(message("").find("empty plan"), std::string::npos);
}

TEST(PlanFile, ReadsEveryFieldAndNamesTheFileOnErrors)
{
  const std::string text = R"({"plans": [
    {"name": "hemi", "resection": "right-hemihepatectomy", "withCaudate": true},
    {"spec": "segments:2,3", "wedges": [{"lesions": [4], "marginMm": 5}],
     "ablations": [{"lesion": 2}], "planes": [{"pointLpsMm": [0, 1, 2], "normal": [1, 0, 0]}]}
  ]})";
  const std::vector<ResectionPlan> plans = parsePlanJson(text, "plan.json");
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].name, "hemi");
  EXPECT_EQ(plans[0].segments, (std::vector<int>{ 1, 5, 6, 7, 8 }));
  EXPECT_EQ(plans[1].segments, (std::vector<int>{ 2, 3 }));
  EXPECT_DOUBLE_EQ(plans[1].wedges[0].marginMm, 5.0);
  EXPECT_DOUBLE_EQ(plans[1].ablations[0].zoneMarginMm, 5.0);
  EXPECT_EQ(plans[1].planes[0].pointLpsMm, (Vec{ 0, 1, 2 }));
  for (const std::string& bad : { std::string("{"),
                                  std::string(R"({"plans": []})"),
                                  std::string(R"({"plans": [{"segments": [9]}]})"),
                                  std::string(R"({"plans": [{"segment": [2]}]})") })
  {
    try
    {
      parsePlanJson(bad, "plan.json");
      ADD_FAILURE() << "accepted " << bad;
    }
    catch (const InputError& e)
    {
      EXPECT_EQ(std::string(e.what()).rfind("plan.json: ", 0), 0u) << e.what();
    }
  }
}

TEST(PlaneCut, EllipsoidCapVolumeWithinOnePercentAtOneMillimetre)
{
  // Voxel counting converges to the analytic volume; at 1 mm the staircase error on these
  // 60-100 mm axes is well under 1 % (tolerance stated by issue 4).
  const Vec centre{ 10.3, -20.7, 30.2 };
  const Vec axes{ 50.0, 40.0, 30.0 };
  LiverLabels labels;
  labels.liver = makeImage(
    { 110, 90, 70 }, 1.0, centre, [&](const Vec& p) { return insideEllipsoid(p, centre, axes); });
  for (const CutPlane& plane :
       { CutPlane{ { centre[0] + 20.0, centre[1], centre[2] }, { 1.0, 0.0, 0.0 } },
         CutPlane{ { centre[0] - 5.0, centre[1] + 10.0, centre[2] }, { -0.3, 1.0, 0.4 } } })
  {
    ResectionPlan plan;
    plan.name = "cap";
    plan.planes = { plane };
    const PlanResult r = evaluatePlan(labels, plan);
    const double ellipsoidMl = 4.0 / 3.0 * M_PI * axes[0] * axes[1] * axes[2] / 1000.0;
    const double capMl = ellipsoidCapMl(centre, axes, plane);
    EXPECT_NEAR(r.resectedMl, capMl, 0.01 * capMl);
    EXPECT_NEAR(r.remnantMl, ellipsoidMl - capMl, 0.01 * (ellipsoidMl - capMl));
    EXPECT_NEAR(r.remnantMl + r.resectedMl, r.totalLiverMl, 1e-9);
    EXPECT_NEAR(r.flrPercent, 100.0 * r.remnantMl / r.totalLiverMl, 1e-9);
  }
}

TEST(PlaneCut, EllipsoidCapWithObliqueDirectionMatrix)
{
  // Same analytic answer when the image axes are rotated (30° about z, 20° about x): geometry
  // lives in LPS mm, not in voxel indices.
  const Vec centre{ -15.0, 5.0, 12.0 };
  const Vec axes{ 50.0, 40.0, 30.0 };
  const LabelImage::DirectionType d = rotation(30.0, 20.0);
  LiverLabels labels;
  labels.liver = makeImage(
    { 112, 112, 112 },
    1.0,
    centre,
    [&](const Vec& p) { return insideEllipsoid(p, centre, axes); },
    &d);
  const CutPlane plane{ { centre[0] + 10.0, centre[1] - 5.0, centre[2] + 3.0 },
                        { 0.5, -0.2, 1.0 } };
  ResectionPlan plan;
  plan.name = "oblique";
  plan.planes = { plane };
  const PlanResult r = evaluatePlan(labels, plan);
  const double ellipsoidMl = 4.0 / 3.0 * M_PI * axes[0] * axes[1] * axes[2] / 1000.0;
  const double capMl = ellipsoidCapMl(centre, axes, plane);
  EXPECT_NEAR(r.totalLiverMl, ellipsoidMl, 0.01 * ellipsoidMl);
  EXPECT_NEAR(r.resectedMl, capMl, 0.01 * capMl);
  EXPECT_NEAR(r.remnantMl, ellipsoidMl - capMl, 0.01 * (ellipsoidMl - capMl));
  // The remnant map carries the same answer on the same oblique grid.
  ASSERT_TRUE(r.remnantMap);
  EXPECT_EQ(r.remnantMap->GetDirection(), d);
  std::uint64_t kept = 0;
  const std::uint16_t* p = r.remnantMap->GetBufferPointer();
  for (std::size_t i = 0; i < r.remnantMap->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    kept += p[i] == RemnantKept;
  EXPECT_EQ(kept, r.remnantVoxels);
}

TEST(Margin, LesionAtKnownDistanceFromAPlaneWithinOneVoxel)
{
  // Sphere of radius 8 mm at the origin on a 1 mm grid; planes 2.5-12.5 mm from its surface.
  const LiverLabels labels = boxWithLesion({ 0.0, 0.0, 0.0 }, 8.0);
  for (const Vec& direction : { Vec{ 1.0, 0.0, 0.0 },
                                Vec{ 0.0, -1.0, 0.0 },
                                normalized({ 1.0, 1.0, 1.0 }),
                                normalized({ 0.3, -0.5, 0.8 }) })
    for (double gapMm : { 2.5, 6.3, 12.5 })
    {
      const double s = 8.0 + gapMm;
      const Vec point{ s * direction[0], s * direction[1], s * direction[2] };
      // Normal away from the lesion: the far side is resected, the lesion stays in the remnant.
      const PlanResult away = evaluatePlan(labels, planePlan(point, direction));
      const LesionOutcome& kept = lesion(away, 1);
      EXPECT_EQ(kept.fate, LesionFate::Left);
      ASSERT_TRUE(kept.marginMm.has_value());
      EXPECT_NEAR(*kept.marginMm, gapMm, 1.0) << "left, gap " << gapMm;
      EXPECT_EQ(away.marginStatus, "R2");
      EXPECT_FALSE(away.r0);
      // Normal towards the lesion: the lesion side is resected with that margin.
      const Vec towards{ -direction[0], -direction[1], -direction[2] };
      const PlanResult cut = evaluatePlan(labels, planePlan(point, towards));
      const LesionOutcome& resected = lesion(cut, 1);
      EXPECT_EQ(resected.fate, LesionFate::Resected);
      ASSERT_TRUE(resected.marginMm.has_value());
      EXPECT_NEAR(*resected.marginMm, gapMm, 1.0) << "resected, gap " << gapMm;
      EXPECT_TRUE(cut.r0);
      EXPECT_EQ(cut.marginStatus, "R0");
    }
}

TEST(Margin, SubMillimetreMarginIsR1AndACutThroughTheLesionIsR2)
{
  // Lesion voxels reach x = 8 exactly; a plane at x = 8.4 resects from x = 9 on: the lesion
  // touches the cut (margin 0) - R1 (DESIGN.md §3 Margin: sub-millimetre counts as R1).
  const LiverLabels labels = boxWithLesion({ 0.0, 0.0, 0.0 }, 8.0);
  const PlanResult touching = evaluatePlan(labels, planePlan({ 8.4, 0, 0 }, { -1, 0, 0 }));
  EXPECT_EQ(lesion(touching, 1).fate, LesionFate::Resected);
  EXPECT_DOUBLE_EQ(*lesion(touching, 1).marginMm, 0.0);
  EXPECT_EQ(touching.marginStatus, "R1");
  EXPECT_FALSE(touching.r0);
  // Plane at x = 9.4: first remnant voxel at x = 10, one free voxel between: margin 1 mm, R0.
  const PlanResult oneMm = evaluatePlan(labels, planePlan({ 9.4, 0, 0 }, { -1, 0, 0 }));
  EXPECT_NEAR(*lesion(oneMm, 1).marginMm, 1.0, 1e-9);
  EXPECT_EQ(oneMm.marginStatus, "R0");
  // Through the centre: part resected, part left.
  const PlanResult through = evaluatePlan(labels, planePlan({ 0.2, 0, 0 }, { 1, 0, 0 }));
  EXPECT_EQ(lesion(through, 1).fate, LesionFate::Left);
  EXPECT_TRUE(lesion(through, 1).transected);
  EXPECT_DOUBLE_EQ(*lesion(through, 1).marginMm, 0.0);
  EXPECT_EQ(through.marginStatus, "R2");
  // Tumour left in the remnant is not functional: FLR = remnant - tumour left.
  EXPECT_LT(through.flrMl, through.remnantMl);
}

TEST(Wedge, TenMillimetreMarginAroundTheLesionClippedToTheLiver)
{
  const double radiusMm = 6.0;
  const LiverLabels labels = boxWithLesion({ 0.0, 0.0, 0.0 }, radiusMm);
  const PlanResult r = evaluatePlan(labels, parsePlanSpec("wedge:1@10"));
  const LesionOutcome& o = lesion(r, 1);
  EXPECT_EQ(o.fate, LesionFate::Resected);
  ASSERT_TRUE(o.marginMm.has_value());
  EXPECT_NEAR(*o.marginMm, 10.0, 1.0); // within one voxel
  EXPECT_TRUE(r.r0);
  EXPECT_EQ(r.resectedVoxels, voxelsWithin(labels, 10.0));
  // The wedge is the lesion grown by 10 mm: a ball of radius 16 mm (digital: within 3 %).
  const double ballMl = 4.0 / 3.0 * M_PI * std::pow(radiusMm + 10.0, 3) / 1000.0;
  EXPECT_NEAR(r.resectedMl, ballMl, 0.03 * ballMl);

  // Lesion 2 mm under the liver's surface (x = 40): the wedge stops at the surface, so about
  // 14 % of the ball (the cap beyond 8.5 mm of its 16 mm radius) is not resected.
  const LiverLabels shallow = boxWithLesion({ 32.0, 0.0, 0.0 }, radiusMm);
  const PlanResult clipped = evaluatePlan(shallow, parsePlanSpec("wedge:1@10"));
  EXPECT_LT(clipped.resectedMl, 0.92 * ballMl);
  EXPECT_GT(clipped.resectedMl, 0.80 * ballMl);
  const std::uint16_t* map = clipped.remnantMap->GetBufferPointer();
  const std::uint16_t* liver = shallow.liver->GetBufferPointer();
  for (std::size_t i = 0; i < shallow.liver->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    ASSERT_TRUE(liver[i] != 0 || map[i] == RemnantNone);
  EXPECT_NEAR(clipped.remnantMl + clipped.resectedMl, clipped.totalLiverMl, 1e-9);
}

TEST(Ablation, ZoneIsLostFromTheRemnantAndWarnsForLargeOrVesselAdjacentLesions)
{
  LiverLabels small = boxWithLesion({ 0.0, 0.0, 0.0 }, 6.0);
  const PlanResult r = evaluatePlan(small, parsePlanSpec("ablate:1@5"));
  EXPECT_EQ(lesion(r, 1).fate, LesionFate::Ablated);
  EXPECT_TRUE(r.r0);
  // The zone is exactly the liver voxels whose centre lies within 5 mm of a lesion voxel centre.
  EXPECT_EQ(r.ablatedVoxels, voxelsWithin(small, 5.0));
  const double zoneMl = 4.0 / 3.0 * M_PI * std::pow(11.0, 3) / 1000.0;
  EXPECT_NEAR(r.ablatedMl, zoneMl, 0.06 * zoneMl); // the lesion's outer voxel centres lie up to
                                                   // one voxel inside its 6 mm sphere
  EXPECT_DOUBLE_EQ(r.resectedMl, 0.0);
  EXPECT_NEAR(r.remnantMl, r.totalLiverMl - r.ablatedMl, 1e-9);
  EXPECT_TRUE(lesion(r, 1).warnings.empty());

  // 34 mm across: above the 30 mm limit (DESIGN.md §3 Ablation, issue 4).
  const LiverLabels large = boxWithLesion({ 0.0, 0.0, 0.0 }, 17.0);
  const PlanResult big = evaluatePlan(large, parsePlanSpec("ablate:1"));
  ASSERT_EQ(lesion(big, 1).warnings.size(), 1u);
  EXPECT_NE(lesion(big, 1).warnings[0].find("> 30 mm"), std::string::npos);
  EXPECT_GT(*lesion(big, 1).maxDiameterMm, 30.0);

  // A vessel plane 3 voxels beyond the lesion's last voxel (x = 6): warned; 8 voxels: not.
  for (const auto& [vesselX, warned] : { std::pair{ 10.0, true }, std::pair{ 15.0, false } })
  {
    small.vessels = makeImage({ 81, 81, 81 },
                              1.0,
                              { 0, 0, 0 },
                              [vesselX = vesselX](const Vec& p)
                              { return std::abs(p[0] - vesselX) < 0.5 ? 1 : 0; });
    const PlanResult v = evaluatePlan(small, parsePlanSpec("ablate:1"));
    EXPECT_EQ(lesion(v, 1).vesselDistanceMm.has_value(), warned) << vesselX;
    EXPECT_EQ(lesion(v, 1).warnings.size(), warned ? 1u : 0u) << vesselX;
    if (warned)
    {
      EXPECT_NEAR(*lesion(v, 1).vesselDistanceMm, 3.0, 1e-9);
    }
  }
}

TEST(Contiguity, KeptSegmentsMustTouchInTheRemnant)
{
  // Four slabs of 10 voxels along x: segments 2, 3, 4, 5.
  LiverLabels labels;
  labels.liver = makeImage({ 40, 20, 20 }, 1.0, { 0, 0, 0 }, [](const Vec&) { return 1; });
  labels.segments =
    makeImage({ 40, 20, 20 },
              1.0,
              { 0, 0, 0 },
              [](const Vec& p) { return static_cast<std::uint16_t>(2 + (p[0] + 19.5) / 10); });
  const PlanResult middle = evaluatePlan(labels, parsePlanSpec("segments:3"));
  EXPECT_EQ(middle.segmentsLeft, (std::vector<int>{ 2, 4, 5 }));
  EXPECT_EQ(middle.segmentGroups, (std::vector<std::vector<int>>{ { 2 }, { 4, 5 } }));
  EXPECT_EQ(middle.contiguous, true);
  EXPECT_EQ(middle.remnantPieces, 2);
  EXPECT_DOUBLE_EQ(middle.segmentRemnantFraction[3], 0.0);
  EXPECT_DOUBLE_EQ(middle.segmentRemnantFraction[4], 1.0);

  const PlanResult apart = evaluatePlan(labels, parsePlanSpec("segments:3,5"));
  EXPECT_EQ(apart.segmentsLeft, (std::vector<int>{ 2, 4 }));
  EXPECT_EQ(apart.contiguous, false);
  EXPECT_FALSE(apart.pass); // 50 % remains, but no two contiguous segments

  const PlanResult one = evaluatePlan(labels, parsePlanSpec("segments:2,3,4"));
  EXPECT_EQ(one.segmentsLeft, (std::vector<int>{ 5 }));
  EXPECT_EQ(one.contiguous, false);

  // A plane taking 70 % of segment 4: it no longer counts as left.
  const PlanResult plane = evaluatePlan(labels, planePlan({ 2.5, 0, 0 }, { 1, 0, 0 }));
  EXPECT_NEAR(plane.segmentRemnantFraction[4], 0.3, 1e-12);
  EXPECT_EQ(plane.segmentsLeft, (std::vector<int>{ 2, 3 }));
  EXPECT_EQ(plane.contiguous, true);
}

TEST(EvaluatePlan, RefusesPlansTheLabelsCannotSupport)
{
  LiverLabels labels = boxWithLesion({ 0.0, 0.0, 0.0 }, 6.0);
  try
  {
    evaluatePlan(labels, parsePlanSpec("right-hemihepatectomy"));
    FAIL() << "no exception";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("no segment map was given"), std::string::npos);
  }
  try
  {
    evaluatePlan(labels, parsePlanSpec("wedge:1,7"));
    FAIL() << "no exception";
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("lesion 7 is not in the lesion map (lesions: 1)"),
              std::string::npos);
  }
  PlanOptions absurd;
  absurd.heightCm = 400.0;
  absurd.weightKg = 70.0;
  EXPECT_THROW(evaluatePlan(labels, parsePlanSpec("wedge:1"), absurd), std::invalid_argument);
  PlanOptions heightOnly;
  heightOnly.heightCm = 170.0;
  EXPECT_THROW(evaluatePlan(labels, parsePlanSpec("wedge:1"), heightOnly), std::invalid_argument);
  labels.lesions = nullptr;
  EXPECT_THROW(evaluatePlan(labels, parsePlanSpec("ablate:1")), InputError);
  labels.liver->FillBuffer(0);
  EXPECT_THROW(evaluatePlan(labels, parsePlanSpec("plane:0,0,0;1,0,0")), InputError);
}

namespace
{

/// The project phantom at 2 mm, made once.
const Phantom& phantom()
{
  return test::phantomAt(2.0);
}

LiverLabels phantomLabels()
{
  return test::labelsOf(phantom());
}

} // namespace

TEST(PhantomResection, EveryBrisbaneRemnantEqualsTheKeptSegmentsExactly)
{
  const Phantom& p = phantom();
  const std::size_t n = p.liver->GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* segments = p.segments->GetBufferPointer();
  const std::uint16_t* liver = p.liver->GetBufferPointer();
  const std::uint16_t* lesions = p.lesions->GetBufferPointer();
  std::array<std::uint64_t, 9> segmentVoxels{};
  std::map<int, std::set<int>> lesionSegments;
  for (std::size_t i = 0; i < n; ++i)
    if (liver[i])
    {
      ++segmentVoxels[segments[i]];
      if (lesions[i])
        lesionSegments[lesions[i]].insert(segments[i]);
    }
  ASSERT_EQ(segmentVoxels[0], 0u); // every liver voxel has a segment
  std::vector<std::string> names = anatomicalResectionNames();
  for (int s = 1; s <= 8; ++s)
    names.push_back("segmentectomy-" + std::to_string(s));
  names.push_back("right-hemihepatectomy-with-caudate");
  names.push_back("left-hemihepatectomy-with-caudate");
  for (const std::string& name : names)
  {
    const std::vector<int> resected = anatomicalSegments(name);
    const PlanResult r = evaluatePlan(phantomLabels(), parsePlanSpec(name));
    std::uint64_t keptVoxels = 0;
    double keptTruthMl = 0.0;
    std::vector<int> kept;
    for (int s = 1; s <= 8; ++s)
      if (std::find(resected.begin(), resected.end(), s) == resected.end())
      {
        keptVoxels += segmentVoxels[s];
        keptTruthMl += p.truth.segmentVolumeMl[s];
        kept.push_back(s);
      }
    EXPECT_EQ(r.remnantVoxels, keptVoxels) << name;
    EXPECT_NEAR(r.remnantMl, keptTruthMl, 1e-9 * keptTruthMl) << name;
    EXPECT_EQ(r.segmentsLeft, kept) << name;
    EXPECT_NEAR(r.totalLiverMl, p.truth.liverVolumeMl, 1e-9) << name;
    // Fates follow the segments each lesion touches.
    for (const auto& [id, touched] : lesionSegments)
    {
      bool all = true, any = false;
      for (int s : touched)
      {
        const bool out = std::find(resected.begin(), resected.end(), s) != resected.end();
        all = all && out;
        any = any || out;
      }
      const LesionOutcome& o = lesion(r, id);
      EXPECT_EQ(o.fate, all ? LesionFate::Resected : LesionFate::Left) << name << " lesion " << id;
      EXPECT_EQ(o.transected, any && !all) << name << " lesion " << id;
    }
  }
}

TEST(PhantomResection, MarginToAPlaneMatchesTheLesionGeometry)
{
  // A plane 6 mm beyond each true lesion sphere, towards the liver's centroid: within one voxel.
  const Phantom& p = phantom();
  Vec centroid{ 0, 0, 0 };
  std::uint64_t count = 0;
  const std::uint16_t* liver = p.liver->GetBufferPointer();
  for (std::size_t i = 0; i < p.liver->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    if (liver[i])
    {
      LabelImage::PointType point;
      p.liver->TransformIndexToPhysicalPoint(p.liver->ComputeIndex(i), point);
      for (int a = 0; a < 3; ++a)
        centroid[a] += point[a];
      ++count;
    }
  for (double& c : centroid)
    c /= static_cast<double>(count);
  for (const PhantomLesion& l : p.truth.lesions)
  {
    const Vec u = normalized({ centroid[0] - l.centreLpsMm[0],
                               centroid[1] - l.centreLpsMm[1],
                               centroid[2] - l.centreLpsMm[2] });
    const double s = l.radiusMm + 6.0;
    const Vec point{ l.centreLpsMm[0] + s * u[0],
                     l.centreLpsMm[1] + s * u[1],
                     l.centreLpsMm[2] + s * u[2] };
    const PlanResult r = evaluatePlan(phantomLabels(), planePlan(point, { -u[0], -u[1], -u[2] }));
    const LesionOutcome& o = lesion(r, l.id);
    ASSERT_EQ(o.fate, LesionFate::Resected) << l.id;
    EXPECT_NEAR(*o.marginMm, 6.0, 2.0) << l.id; // 2 mm voxels
  }
}

TEST(PhantomResection, FlrAndSflrMatchTheHandComputedFormulas)
{
  const Phantom& p = phantom();
  PlanOptions options;
  options.heightCm = 175.0;
  options.weightKg = 80.0;
  options.condition = LiverCondition::Normal;
  const PlanResult r =
    evaluatePlan(phantomLabels(), parsePlanSpec("right-hemihepatectomy"), options);
  // Functional remnant = segments 1-4 less the lesion voxels in them.
  const std::size_t n = p.liver->GetLargestPossibleRegion().GetNumberOfPixels();
  std::uint64_t flrVoxels = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const std::uint16_t s = p.segments->GetBufferPointer()[i];
    flrVoxels +=
      p.liver->GetBufferPointer()[i] && s >= 1 && s <= 4 && p.lesions->GetBufferPointer()[i] == 0;
  }
  const double voxelMl = 0.008; // 2 mm cubes
  const double flrMl = static_cast<double>(flrVoxels) * voxelMl;
  EXPECT_NEAR(r.flrMl, flrMl, 1e-9);
  // Measured FLR % = FLR / (TLV - tumour) x 100; sFLR with Mosteller BSA and Vauthey SLV
  // (DESIGN.md §3 Volumes).
  const double fromTruth = flrMl / (p.truth.liverVolumeMl - p.truth.tumourVolumeMl) * 100.0;
  EXPECT_NEAR(r.flrPercent, fromTruth, 1e-9);
  const double bsa = std::sqrt(175.0 * 80.0 / 3600.0);
  const double slv = -794.41 + 1267.28 * bsa;
  EXPECT_NEAR(*r.standardLiverVolumeMl, slv, 1e-9);
  EXPECT_NEAR(*r.sflrPercent, flrMl / slv * 100.0, 1e-9);
  EXPECT_NEAR(*r.flrBodyWeightPercent, flrMl / 80000.0 * 100.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.thresholdPercent, 20.0); // normal liver (Kishi 2009)
  EXPECT_EQ(r.thresholdSource, "Kishi 2009");
  EXPECT_EQ(r.thresholdBasis, "sFLR");
  EXPECT_EQ(r.volumeAdequate, *r.sflrPercent >= 20.0);
  ASSERT_TRUE(r.band.has_value());
  EXPECT_LT(*r.band->sflrPercentLow, *r.sflrPercent);
  EXPECT_GT(*r.band->sflrPercentHigh, *r.sflrPercent);

  // Cirrhosis raises the bar to 40 % (Azoulay); an explicit threshold wins.
  options.condition = LiverCondition::Cirrhosis;
  const PlanResult cirrhosis =
    evaluatePlan(phantomLabels(), parsePlanSpec("right-hemihepatectomy"), options);
  EXPECT_DOUBLE_EQ(cirrhosis.thresholdPercent, 40.0);
  EXPECT_EQ(cirrhosis.pass, *cirrhosis.sflrPercent >= 40.0 && *cirrhosis.contiguous);
  options.thresholdPercent = 90.0;
  const PlanResult strict =
    evaluatePlan(phantomLabels(), parsePlanSpec("right-hemihepatectomy"), options);
  EXPECT_FALSE(strict.pass);
  EXPECT_EQ(strict.thresholdSource, "user");
  // Without height and weight the measured FLR % is judged.
  const PlanResult plain = evaluatePlan(phantomLabels(), parsePlanSpec("right-hemihepatectomy"));
  EXPECT_FALSE(plain.sflrPercent.has_value());
  EXPECT_EQ(plain.thresholdBasis, "measured FLR");
  EXPECT_EQ(plain.volumeAdequate, plain.flrPercent >= 30.0);
}

TEST(FlrFormula, EveryRatioAndTheBandAreVolumetrysFormulasOfTheVolumes)
{
  // One FLR formula (liver::volumetry): evaluatePlan's FLR %, sFLR %, FLR / body weight and the
  // band's bounds are volumetry's functions of the plan's volumes, bit for bit, so a re-typed copy
  // (100 x a / b instead of a / b x 100, another denominator) fails here. The band's volumes are
  // counted from the remnant map: the liver's boundary moved by one voxel (face neighbours, the
  // image's edge counts as outside) in (low) and out (high).
  const LiverLabels labels = boxWithLesion({ 12.0, 3.0, -4.0 }, 7.0, 30.0);
  PlanOptions options;
  options.heightCm = 170.0;
  options.weightKg = 70.0;
  const double slvMl = standardLiverVolumeMl(bodySurfaceAreaM2(170.0, 70.0));
  const auto size = labels.liver->GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]),
             nz = static_cast<long>(size[2]);
  const std::uint16_t* liver = labels.liver->GetBufferPointer();
  const std::uint16_t* lesions = labels.lesions->GetBufferPointer();
  const double voxelMl = 0.001; // 1 mm cubes
  int planes = 0;
  for (const double at : { -17.0, -6.5, 0.0, 4.25, 9.0, 21.5 })
    for (const Vec& normal : std::vector<Vec>{ { 1, 0, 0 }, { 1, 1, 0.5 }, { -0.3, 1, -1 } })
    {
      const PlanResult r = evaluatePlan(labels, planePlan({ at, at / 2, 0 }, normal), options);
      const std::string where = "plane at " + std::to_string(at) + " #" + std::to_string(planes++);
      EXPECT_EQ(r.flrPercent, measuredFlrPercent(r.flrMl, r.totalLiverMl, r.tumourMl)) << where;
      ASSERT_TRUE(r.sflrPercent && r.flrBodyWeightPercent) << where;
      EXPECT_EQ(*r.sflrPercent, standardizedFlrPercent(r.flrMl, slvMl)) << where;
      EXPECT_EQ(*r.flrBodyWeightPercent, flrBodyWeightPercent(r.flrMl, 70.0)) << where;

      const std::uint16_t* state = r.remnantMap->GetBufferPointer();
      std::uint64_t liverAll = 0, tumourLeft = 0, liverIn = 0, keptIn = 0, liverOut = 0,
                    keptOut = 0;
      std::size_t i = 0;
      for (long z = 0; z < nz; ++z)
        for (long y = 0; y < ny; ++y)
          for (long x = 0; x < nx; ++x, ++i)
          {
            bool allLiver = true, anyLiver = false, anyKept = false;
            for (const std::array<long, 3>& d : std::vector<std::array<long, 3>>{ { -1, 0, 0 },
                                                                                  { 1, 0, 0 },
                                                                                  { 0, -1, 0 },
                                                                                  { 0, 1, 0 },
                                                                                  { 0, 0, -1 },
                                                                                  { 0, 0, 1 } })
            {
              const long qx = x + d[0], qy = y + d[1], qz = z + d[2];
              if (qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny || qz >= nz)
              {
                allLiver = false;
                continue;
              }
              const std::size_t q = static_cast<std::size_t>((qz * ny + qy) * nx + qx);
              allLiver = allLiver && liver[q];
              anyLiver = anyLiver || liver[q];
              anyKept = anyKept || state[q] == RemnantKept;
            }
            if (liver[i])
            {
              ++liverAll;
              tumourLeft += state[i] == RemnantKept && lesions[i];
              liverIn += allLiver;
              keptIn += allLiver && state[i] == RemnantKept;
            }
            else
            {
              liverOut += anyLiver;
              keptOut += anyKept;
            }
          }
      const double tumourLeftMl = static_cast<double>(tumourLeft) * voxelMl;
      const double flrLowMl = std::max(static_cast<double>(keptIn) * voxelMl - tumourLeftMl, 0.0);
      const double flrHighMl =
        static_cast<double>(r.remnantVoxels + keptOut) * voxelMl - tumourLeftMl;
      const double functionalLowMl = static_cast<double>(liverIn) * voxelMl - r.tumourMl;
      const double functionalHighMl =
        static_cast<double>(liverAll + liverOut) * voxelMl - r.tumourMl;
      ASSERT_GT(functionalLowMl, 0.0) << where;
      const double low = flrPercentOfFunctional(flrLowMl, functionalLowMl);
      const double high = flrPercentOfFunctional(flrHighMl, functionalHighMl);
      ASSERT_TRUE(r.band.has_value()) << where;
      EXPECT_EQ(r.band->flrPercentLow, std::min({ r.flrPercent, low, high })) << where;
      EXPECT_EQ(r.band->flrPercentHigh, std::max({ r.flrPercent, low, high })) << where;
      EXPECT_EQ(*r.band->sflrPercentLow, standardizedFlrPercent(flrLowMl, slvMl)) << where;
      EXPECT_EQ(*r.band->sflrPercentHigh, standardizedFlrPercent(flrHighMl, slvMl)) << where;
      EXPECT_EQ(r.band->remnantMlLow, static_cast<double>(keptIn) * voxelMl) << where;
      EXPECT_EQ(r.band->remnantMlHigh, static_cast<double>(r.remnantVoxels + keptOut) * voxelMl)
        << where;
      EXPECT_LT(r.band->flrPercentLow, r.band->flrPercentHigh) << where;
    }
}

TEST(AutoPlan, ProposesOnlyR0PlansBestRemnantFirst)
{
  PlanOptions options;
  options.makeRemnantMap = false;
  const std::vector<RankedPlan> proposed = proposePlans(phantomLabels(), options, 50);
  ASSERT_GE(proposed.size(), 2u);
  for (std::size_t k = 0; k < proposed.size(); ++k)
  {
    EXPECT_TRUE(proposed[k].result.r0) << proposed[k].plan.name;
    EXPECT_EQ(proposed[k].result.marginStatus, "R0");
    if (k == 0)
      continue;
    EXPECT_TRUE(proposed[k - 1].result.pass || !proposed[k].result.pass) << k;
    if (proposed[k].result.pass == proposed[k - 1].result.pass)
    {
      EXPECT_LE(proposed[k].result.flrMl, proposed[k - 1].result.flrMl) << k;
    }
  }
  // Wedging every lesion by 10 mm is R0 on the phantom, so it is among the candidates and the
  // best proposal keeps at least as much functional liver.
  std::vector<int> ids;
  for (const PhantomLesion& l : phantom().truth.lesions)
    ids.push_back(l.id);
  ResectionPlan wedges;
  wedges.name = "wedges";
  wedges.wedges.push_back({ ids, 10.0 });
  const PlanResult all = evaluatePlan(phantomLabels(), wedges, options);
  ASSERT_TRUE(all.r0);
  ASSERT_TRUE(all.pass);
  EXPECT_GE(proposed[0].result.flrMl, all.flrMl);
  const bool listed =
    std::any_of(proposed.begin(),
                proposed.end(),
                [&](const RankedPlan& p) { return std::abs(p.result.flrMl - all.flrMl) < 1e-9; });
  EXPECT_TRUE(listed);
  // Only `count` are returned; none without lesions.
  EXPECT_EQ(proposePlans(phantomLabels(), options, 1).size(), 1u);
  LiverLabels noLesions = phantomLabels();
  noLesions.lesions = nullptr;
  EXPECT_TRUE(proposePlans(noLesions, options).empty());
}
