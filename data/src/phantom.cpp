/// Deterministic synthetic abdominal CT phantom: analytic anatomy in LPS mm painted on a voxel
/// grid. +x = patient left, +y = posterior, +z = superior; HU values are typical portal venous
/// phase.

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>

namespace liver
{
namespace
{

using Vec3 = std::array<double, 3>;

constexpr double Pi = 3.14159265358979323846;

double sq(double v)
{
  return v * v;
}

Vec3 minus(const Vec3& a, const Vec3& b)
{
  return { a[0] - b[0], a[1] - b[1], a[2] - b[2] };
}

double dot(const Vec3& a, const Vec3& b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

double norm(const Vec3& a)
{
  return std::sqrt(dot(a, a));
}

/// splitmix64 (Steele, Lea, Flood 2014): integer-only, so the same stream on every platform.
struct SplitMix64
{
  std::uint64_t state;

  std::uint64_t next()
  {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
};

/// A number as printf's %g, for error messages.
std::string formatNumber(double value)
{
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::uint64_t mix64(std::uint64_t value)
{
  return SplitMix64{ value }.next();
}

/// FNV-1a hash of a short role name, used to separate the random streams of one seed.
std::uint64_t hashName(const std::string& name)
{
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const unsigned char c : name)
    h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

SplitMix64 streamFor(std::uint32_t seed, const std::string& role)
{
  return SplitMix64{ mix64(hashName(role) ^ mix64(seed)) };
}

// ---------------------------------------------------------------------------------------------
// Tissues: HU and organ label of every material the phantom paints.

enum Tissue : std::uint16_t
{
  TissueAir,
  TissueFat,
  TissueMuscle,
  TissueCavity,
  TissueLung,
  TissueHeart,
  TissueSpleen,
  TissueKidneyRight,
  TissueKidneyLeft,
  TissueBoneCortex,
  TissueBoneCancellous,
  TissueDisc,
  TissueCanal,
  TissueAorta,
  TissueIvc,
  TissueLiver,
  TissuePortalVein,
  TissueHepaticVein,
  TissueLesion,
  TissueCount
};

struct TissueInfo
{
  double hu;
  PhantomOrgan organ;
};

constexpr std::array<TissueInfo, TissueCount> Tissues{ {
  { -1000.0, OrganNone },      // air
  { -100.0, OrganBody },       // subcutaneous fat
  { 50.0, OrganBody },         // abdominal wall muscle
  { 40.0, OrganBody },         // abdominal cavity soft tissue (bowel, mesentery, diaphragm)
  { -850.0, OrganBody },       // lung bases
  { 120.0, OrganBody },        // heart (blood pool and myocardium)
  { 110.0, OrganSpleen },      // spleen
  { 150.0, OrganKidneyRight }, // right kidney
  { 150.0, OrganKidneyLeft },  // left kidney
  { 700.0, OrganSpine },       // cortical bone
  { 400.0, OrganSpine },       // vertebral body
  { 90.0, OrganSpine },        // intervertebral disc
  { 15.0, OrganBody },         // spinal canal
  { 160.0, OrganAorta },       // aorta
  { 150.0, OrganIvc },         // inferior vena cava
  { 100.0, OrganLiver },       // liver parenchyma
  { 180.0, OrganPortalVein },  // portal vein
  { 175.0, OrganHepaticVein }, // hepatic veins
  { 40.0, OrganLiver },        // hypodense lesion
} };

// ---------------------------------------------------------------------------------------------
// Anatomy in LPS mm. The body is an elliptic cylinder along z; the field of view is centred on 0.

struct Ellipsoid
{
  Vec3 centreMm;
  Vec3 semiAxesMm;
};

/// True when p is inside the ellipsoid whose semi-axes are grown by growMm (negative shrinks).
bool insideEllipsoid(const Ellipsoid& e, const Vec3& p, double growMm = 0.0)
{
  return sq((p[0] - e.centreMm[0]) / (e.semiAxesMm[0] + growMm)) +
           sq((p[1] - e.centreMm[1]) / (e.semiAxesMm[1] + growMm)) +
           sq((p[2] - e.centreMm[2]) / (e.semiAxesMm[2] + growMm)) <=
         1.0;
}

/// True when (x, y) is inside the axial ellipse with the given centre and semi-axes.
bool insideEllipse(double x, double y, double cx, double cy, double ax, double ay)
{
  return sq((x - cx) / ax) + sq((y - cy) / ay) <= 1.0;
}

struct Capsule
{
  Vec3 startMm;
  Vec3 endMm;
  double radiusMm;
};

/// Signed distance in mm from p to the capsule surface (negative inside).
double capsuleDistanceMm(const Capsule& c, const Vec3& p)
{
  const Vec3 axis = minus(c.endMm, c.startMm);
  const Vec3 rel = minus(p, c.startMm);
  const double t = std::clamp(dot(rel, axis) / dot(axis, axis), 0.0, 1.0);
  const Vec3 closest{ c.startMm[0] + t * axis[0],
                      c.startMm[1] + t * axis[1],
                      c.startMm[2] + t * axis[2] };
  return norm(minus(p, closest)) - c.radiusMm;
}

constexpr double SkinSemiXMm = 170.0, SkinSemiYMm = 130.0;
constexpr double WallSemiXMm = 155.0, WallSemiYMm = 115.0;     // inside 15 mm of fat
constexpr double CavitySemiXMm = 145.0, CavitySemiYMm = 105.0; // inside 10 mm of muscle

/// Hemidiaphragm domes: the abdomen is below z = 0 or inside either dome.
constexpr Ellipsoid DomeRight{ { -60.0, -20.0, 0.0 }, { 110.0, 140.0, 105.0 } };
constexpr Ellipsoid DomeLeft{ { 60.0, -20.0, 0.0 }, { 110.0, 140.0, 92.0 } };
constexpr double DiaphragmMm = 5.0;

constexpr double VertebraXMm = 0.0, VertebraYMm = 62.0, VertebraSemiXMm = 22.0,
                 VertebraSemiYMm = 18.0, CortexMm = 2.5;
constexpr double CanalYMm = 95.0, CanalRadiusMm = 9.0, ArchRadiusMm = 15.0;
constexpr double SpinousHalfWidthMm = 4.0, SpinousEndYMm = 113.0;
constexpr double DiscPeriodMm = 36.0, DiscMm = 8.0;
constexpr double AortaXMm = 15.0, AortaYMm = 30.0, AortaRadiusMm = 11.0;
constexpr double IvcXMm = -24.0, IvcYMm = 22.0, IvcRadiusMm = 12.0;

constexpr Ellipsoid Heart{ { 10.0, -25.0, 135.0 }, { 70.0, 55.0, 50.0 } };
constexpr Ellipsoid Spleen{ { 95.0, 30.0, 40.0 }, { 24.0, 45.0, 55.0 } };
constexpr Ellipsoid KidneyRight{ { -72.0, 52.0, -55.0 }, { 27.0, 24.0, 55.0 } };
constexpr Ellipsoid KidneyLeft{ { 72.0, 48.0, -42.0 }, { 27.0, 24.0, 55.0 } };

/// Liver envelope: an ellipsoid whose left part tapers (thinner and more anterior) towards the
/// left lateral segment. Parameters give ~1.6 L after the cuts by neighbouring organs.
constexpr Vec3 LiverCentreMm{ -40.0, -5.0, 25.0 };
constexpr Vec3 LiverSemiAxesMm{ 102.0, 72.0, 70.0 };
constexpr double LiverTaperY = 0.45, LiverTaperZ = 0.65, LiverShiftYMm = -25.0;

/// Gaps in mm that keep the liver off the crura, kidneys and spleen.
constexpr double CrusGapMm = 7.0, OrganGapMm = 4.0;

bool belowDiaphragm(const Vec3& p, double growMm)
{
  return p[2] < 0.0 || insideEllipsoid(DomeRight, p, growMm) ||
         insideEllipsoid(DomeLeft, p, growMm);
}

bool insideLiverEnvelope(const Vec3& p)
{
  const double u = (p[0] - LiverCentreMm[0]) / LiverSemiAxesMm[0];
  if (u < -1.0 || u > 1.0)
    return false;
  const double t = std::max(u, 0.0);
  const double cy = LiverCentreMm[1] + LiverShiftYMm * t;
  const double by = LiverSemiAxesMm[1] * (1.0 - LiverTaperY * t);
  const double bz = LiverSemiAxesMm[2] * (1.0 - LiverTaperZ * t);
  return u * u + sq((p[1] - cy) / by) + sq((p[2] - LiverCentreMm[2]) / bz) <= 1.0;
}

/// The liver: the envelope minus everything it must not touch. Used both to paint and to check
/// that lesions lie inside, so voxels and analytic checks agree.
bool insideLiver(const Vec3& p)
{
  if (!insideLiverEnvelope(p))
    return false;
  if (!insideEllipse(p[0], p[1], 0.0, 0.0, CavitySemiXMm - 3.0, CavitySemiYMm - 3.0))
    return false;
  if (!belowDiaphragm(p, -1.0))
    return false;
  if (sq(p[0] - IvcXMm) + sq(p[1] - IvcYMm) <= sq(IvcRadiusMm))
    return false;
  // Nothing behind the IVC or between it and the aorta: that is where the crura run.
  if (p[1] > IvcYMm && p[0] > IvcXMm - IvcRadiusMm && p[0] < AortaXMm + AortaRadiusMm + CrusGapMm)
    return false;
  if (sq(p[0] - AortaXMm) + sq(p[1] - AortaYMm) <= sq(AortaRadiusMm + CrusGapMm))
    return false;
  if (insideEllipse(p[0],
                    p[1],
                    VertebraXMm,
                    VertebraYMm,
                    VertebraSemiXMm + CrusGapMm,
                    VertebraSemiYMm + CrusGapMm))
    return false;
  return !insideEllipsoid(KidneyRight, p, OrganGapMm) &&
         !insideEllipsoid(KidneyLeft, p, OrganGapMm) && !insideEllipsoid(Spleen, p, OrganGapMm);
}

/// Vertical plane through (xMm, yMm) with axial normal (nx, ny); the sign tells the side.
struct AxialPlane
{
  double xMm, yMm, nx, ny;
};

double side(const AxialPlane& plane, const Vec3& p)
{
  return (p[0] - plane.xMm) * plane.nx + (p[1] - plane.yMm) * plane.ny;
}

constexpr Vec3 PortalBifurcationMm{ -15.0, -2.0, 22.0 };
/// Cantlie plane (middle hepatic vein to gallbladder fossa); positive = left liver.
constexpr AxialPlane CantliePlane{ -24.0, 25.0, 105.0, -20.0 };
/// Right hepatic vein plane; positive = right posterior sector (6, 7).
constexpr AxialPlane RightSectorPlane{ -30.0, 22.0, -42.0, 120.0 };
/// Umbilical fissure / left hepatic vein plane; positive = left lateral section (2, 3).
constexpr AxialPlane UmbilicalPlane{ -6.0, 20.0, 110.0, 12.0 };
/// Caudate (segment 1): the liver posterior to y = 0 mm between the IVC and the aorta, below the
/// hepatic vein confluence.
constexpr double CaudateMinYMm = 0.0, CaudateMinXMm = -36.0, CaudateMaxXMm = 8.0,
                 CaudateMaxZMm = 55.0;

/// Couinaud-like segment (1..8) of a liver point.
int couinaudSegment(const Vec3& p)
{
  if (p[1] > CaudateMinYMm && p[0] > CaudateMinXMm && p[0] < CaudateMaxXMm && p[2] < CaudateMaxZMm)
    return 1;
  const bool superior = p[2] > PortalBifurcationMm[2];
  if (side(CantliePlane, p) > 0.0)
  {
    if (side(UmbilicalPlane, p) > 0.0)
      return superior ? 2 : 3;
    return 4;
  }
  if (side(RightSectorPlane, p) > 0.0)
    return superior ? 7 : 6;
  return superior ? 8 : 5;
}

struct Vessel
{
  Capsule capsule;
  Tissue tissue;
  bool intrahepatic; ///< painted only inside the liver
};

/// Portal vein tree from the confluence to segmental branches, and the three hepatic veins
/// converging on the IVC.
const std::vector<Vessel>& vessels()
{
  static const std::vector<Vessel> tree = []
  {
    const Vec3 p = PortalBifurcationMm;
    const Vec3 right{ -55.0, 0.0, 22.0 }, anterior{ -78.0, -30.0, 26.0 },
      posterior{ -95.0, 20.0, 18.0 };
    const Vec3 left{ 5.0, -18.0, 26.0 }, umbilical{ 15.0, -50.0, 28.0 };
    const Vec3 rhv{ -75.0, 4.0, 55.0 }, mhv{ -34.0, -25.0, 45.0 }, lhv{ 12.0, -10.0, 70.0 };
    return std::vector<Vessel>{
      { { { 5.0, 0.0, -70.0 }, p, 7.0 }, TissuePortalVein, false },
      { { p, right, 6.0 }, TissuePortalVein, true },
      { { right, anterior, 4.5 }, TissuePortalVein, true },
      { { anterior, { -85.0, -50.0, 55.0 }, 3.5 }, TissuePortalVein, true },
      { { anterior, { -80.0, -48.0, -8.0 }, 3.5 }, TissuePortalVein, true },
      { { right, posterior, 4.5 }, TissuePortalVein, true },
      { { posterior, { -112.0, 35.0, 45.0 }, 3.5 }, TissuePortalVein, true },
      { { posterior, { -112.0, 22.0, -15.0 }, 3.5 }, TissuePortalVein, true },
      { { p, left, 5.5 }, TissuePortalVein, true },
      { { left, umbilical, 5.0 }, TissuePortalVein, true },
      { { umbilical, { 42.0, -38.0, 45.0 }, 3.5 }, TissuePortalVein, true },
      { { umbilical, { 45.0, -62.0, 15.0 }, 3.5 }, TissuePortalVein, true },
      { { umbilical, { -8.0, -62.0, 30.0 }, 3.5 }, TissuePortalVein, true },
      { { { -33.0, 16.0, 78.0 }, rhv, 6.0 }, TissueHepaticVein, true },
      { { rhv, { -122.0, -8.0, 18.0 }, 4.5 }, TissueHepaticVein, true },
      { { { -26.0, 12.0, 80.0 }, mhv, 5.5 }, TissueHepaticVein, true },
      { { mhv, { -42.0, -65.0, 5.0 }, 4.0 }, TissueHepaticVein, true },
      { { { -14.0, 13.0, 82.0 }, lhv, 5.0 }, TissueHepaticVein, true },
      { { lhv, { 40.0, -28.0, 55.0 }, 3.5 }, TissueHepaticVein, true },
    };
  }();
  return tree;
}

/// Smallest signed gap in mm between a sphere and any portal or hepatic vein.
double vesselGapMm(const Vec3& centreMm, double radiusMm)
{
  double gap = std::numeric_limits<double>::infinity();
  for (const Vessel& v : vessels())
    gap = std::min(gap, capsuleDistanceMm(v.capsule, centreMm) - radiusMm);
  return gap;
}

// ---------------------------------------------------------------------------------------------
// Lesions: placed analytically from the seed, independent of the grid.

constexpr double LesionMinRadiusMm = 5.0, LesionMaxRadiusMm = 25.0;
/// Parenchyma kept around every lesion, so the whole sphere is inside the liver on any grid.
constexpr double LesionLiverMarginMm = 3.0;
constexpr double LesionSeparationMm = 5.0;
/// A "near" lesion's surface lies 0.5-1.5 mm from a vein; any other lesion keeps 6 mm, so the
/// 5 mm near-vessel flag is never borderline.
constexpr double NearGapMinMm = 0.5, NearGapMaxMm = 1.5, FarGapMinMm = 6.0;
constexpr double NearVesselMm = 5.0;

/// True when the ball of radius `radiusMm` is inside the liver, checked on concentric shells of
/// points about 2 mm apart.
bool ballInsideLiver(const Vec3& centreMm, double radiusMm)
{
  if (!insideLiver(centreMm))
    return false;
  constexpr double goldenAngle = 2.39996322972865332;
  for (int shell = 1; shell <= 4; ++shell)
  {
    const double r = radiusMm * shell / 4.0;
    const int count = std::max(12, static_cast<int>(std::ceil(Pi * r * r)));
    for (int i = 0; i < count; ++i)
    {
      const double z = 1.0 - 2.0 * (i + 0.5) / count;
      const double ring = std::sqrt(1.0 - z * z);
      const double phi = goldenAngle * i;
      const Vec3 q{ centreMm[0] + r * ring * std::cos(phi),
                    centreMm[1] + r * ring * std::sin(phi),
                    centreMm[2] + r * z };
      if (!insideLiver(q))
        return false;
    }
  }
  return true;
}

Vec3 randomUnitVector(SplitMix64& rng)
{
  const double z = rng.uniform(-1.0, 1.0);
  const double phi = rng.uniform(0.0, 2.0 * Pi);
  const double ring = std::sqrt(1.0 - z * z);
  return { ring * std::cos(phi), ring * std::sin(phi), z };
}

/// A candidate lesion touching (within NearGapMinMm..NearGapMaxMm) a large intrahepatic vein.
Vec3 nearVesselCandidate(SplitMix64& rng, double radiusMm)
{
  std::vector<const Capsule*> large;
  for (const Vessel& v : vessels())
    if (v.intrahepatic && v.capsule.radiusMm >= 4.5)
      large.push_back(&v.capsule);
  const Capsule& c = *large[rng.next() % large.size()];
  const Vec3 axis = minus(c.endMm, c.startMm);
  const double t = rng.uniform(0.15, 0.85);
  const Vec3 onAxis{ c.startMm[0] + t * axis[0],
                     c.startMm[1] + t * axis[1],
                     c.startMm[2] + t * axis[2] };
  Vec3 dir = randomUnitVector(rng);
  const double along = dot(dir, axis) / dot(axis, axis);
  dir = { dir[0] - along * axis[0], dir[1] - along * axis[1], dir[2] - along * axis[2] };
  const double length = norm(dir);
  const double offset = c.radiusMm + rng.uniform(NearGapMinMm, NearGapMaxMm) + radiusMm;
  return { onAxis[0] + dir[0] / length * offset,
           onAxis[1] + dir[1] / length * offset,
           onAxis[2] + dir[2] / length * offset };
}

/// 3-6 non-overlapping spherical lesions inside the liver; the first always near a large vein.
std::vector<PhantomLesion> placeLesions(std::uint32_t seed)
{
  SplitMix64 rng = streamFor(seed, "lesions");
  const int count = 3 + static_cast<int>(rng.next() % 4);
  const Vec3 lo{ LiverCentreMm[0] - LiverSemiAxesMm[0],
                 LiverCentreMm[1] + LiverShiftYMm - 75.0,
                 LiverCentreMm[2] - LiverSemiAxesMm[2] };
  const Vec3 hi{ LiverCentreMm[0] + LiverSemiAxesMm[0],
                 LiverCentreMm[1] + LiverSemiAxesMm[1],
                 LiverCentreMm[2] + LiverSemiAxesMm[2] };
  std::vector<PhantomLesion> lesions;
  for (int id = 1; id <= count; ++id)
  {
    const bool nearVessel = id == 1 || rng.uniform() < 0.25;
    double radiusMm = rng.uniform(LesionMinRadiusMm, LesionMaxRadiusMm);
    bool placed = false;
    for (int attempt = 0; !placed; ++attempt)
    {
      if (attempt > 0 && attempt % 2000 == 0)
        radiusMm = std::max(LesionMinRadiusMm, 0.9 * radiusMm);
      if (attempt == 100000)
        throw ProcessingError("phantom: cannot place lesion " + std::to_string(id) + " for seed " +
                              std::to_string(seed));
      const Vec3 centre =
        nearVessel
          ? nearVesselCandidate(rng, radiusMm)
          : Vec3{ rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1]), rng.uniform(lo[2], hi[2]) };
      const double gapMm = vesselGapMm(centre, radiusMm);
      if (nearVessel ? (gapMm < NearGapMinMm || gapMm > NearGapMaxMm) : gapMm < FarGapMinMm)
        continue;
      const bool overlaps = std::any_of(lesions.begin(),
                                        lesions.end(),
                                        [&](const auto& other)
                                        {
                                          return norm(minus(centre, other.centreLpsMm)) <
                                                 radiusMm + other.radiusMm + LesionSeparationMm;
                                        });
      if (overlaps || !ballInsideLiver(centre, radiusMm + LesionLiverMarginMm))
        continue;
      PhantomLesion lesion;
      lesion.id = id;
      lesion.centreLpsMm = centre;
      lesion.radiusMm = radiusMm;
      lesion.analyticVolumeMl = 4.0 / 3.0 * Pi * radiusMm * radiusMm * radiusMm / 1000.0;
      lesion.segment = couinaudSegment(centre);
      lesion.nearLargeVessel = gapMm <= NearVesselMm;
      lesions.push_back(lesion);
      placed = true;
    }
  }
  return lesions;
}

// ---------------------------------------------------------------------------------------------
// Voxel grid and painting. Shapes are evaluated only inside their bounding boxes, slab by slab.

struct Grid
{
  std::array<std::size_t, 3> size{};
  Vec3 spacingMm{};
  Vec3 originMm{};
  std::array<std::vector<double>, 3> coordMm; ///< voxel-centre coordinate along each axis

  std::size_t index(std::size_t i, std::size_t j, std::size_t k) const
  {
    return (k * size[1] + j) * size[0] + i;
  }
};

Grid makeGrid(const PhantomOptions& options)
{
  constexpr unsigned maxVoxels = 1024;
  Grid grid;
  const bool bySize = options.size[0] != 0 || options.size[1] != 0 || options.size[2] != 0;
  for (int a = 0; a < 3; ++a)
  {
    const std::string axis(1, "xyz"[a]);
    if (bySize)
    {
      if (options.size[a] == 0 || options.size[a] > maxVoxels)
        throw std::invalid_argument("phantom: size " + axis + " = " +
                                    std::to_string(options.size[a]) + " must be 1..1024");
      grid.size[a] = options.size[a];
      grid.spacingMm[a] = PhantomFieldOfViewMm[a] / options.size[a];
    }
    else
    {
      const double s = options.spacingMm[a];
      if (!std::isfinite(s) || s <= 0.0)
        throw std::invalid_argument("phantom: spacing " + axis + " = " + formatNumber(s) +
                                    " mm must be finite and positive");
      const double n = std::round(PhantomFieldOfViewMm[a] / s);
      if (n < 1.0 || n > maxVoxels)
        throw std::invalid_argument("phantom: spacing " + axis + " = " + formatNumber(s) +
                                    " mm gives " + formatNumber(n) +
                                    " voxels over the field of view; allowed 1..1024");
      grid.size[a] = static_cast<std::size_t>(n);
      grid.spacingMm[a] = s;
    }
    grid.originMm[a] = -0.5 * static_cast<double>(grid.size[a] - 1) * grid.spacingMm[a];
    grid.coordMm[a].resize(grid.size[a]);
    for (std::size_t i = 0; i < grid.size[a]; ++i)
      grid.coordMm[a][i] = grid.originMm[a] + static_cast<double>(i) * grid.spacingMm[a];
  }
  if (!std::isfinite(options.noiseSdHu) || options.noiseSdHu < 0.0)
    throw std::invalid_argument("phantom: noise SD " + formatNumber(options.noiseSdHu) +
                                " HU must be finite and >= 0");
  return grid;
}

/// Where the anatomy lands on the grid: the patient's rigid pose (rotation about z through the
/// field-of-view centre, then a shift) and the stretch of the liver beyond the umbilical fissure
/// plane (left lobe growth). Painting evaluates the anatomy at the pre-image of each voxel centre;
/// with the default options every mapping is the identity and returns its input unchanged.
struct Placement
{
  bool posed = false;
  double cosZ = 1.0, sinZ = 0.0;
  Vec3 shiftMm{};
  bool grown = false;
  double stretch = 1.0; ///< factor along the umbilical plane's normal, beyond the plane
  Vec3 normal{};        ///< unit normal of the umbilical plane (towards segments 2 and 3)

  /// World point to body anatomy (pose only).
  Vec3 toBody(const Vec3& p) const
  {
    if (!posed)
      return p;
    const double x = p[0] - shiftMm[0], y = p[1] - shiftMm[1];
    return { cosZ * x + sinZ * y, -sinZ * x + cosZ * y, p[2] - shiftMm[2] };
  }
  /// Body anatomy to world point.
  Vec3 bodyToWorld(const Vec3& q) const
  {
    if (!posed)
      return q;
    return { cosZ * q[0] - sinZ * q[1] + shiftMm[0],
             sinZ * q[0] + cosZ * q[1] + shiftMm[1],
             q[2] + shiftMm[2] };
  }
  /// Signed distance in mm from the umbilical fissure plane (positive: segments 2 and 3).
  double beyondMm(const Vec3& q) const
  {
    return (q[0] - UmbilicalPlane.xMm) * normal[0] + (q[1] - UmbilicalPlane.yMm) * normal[1];
  }
  /// World point to the point of the original (ungrown) liver that is painted there.
  Vec3 toLiver(const Vec3& p) const
  {
    const Vec3 q = toBody(p);
    if (!grown)
      return q;
    const double d = beyondMm(q);
    if (d <= 0.0)
      return q;
    const double back = d * (1.0 - 1.0 / stretch);
    return { q[0] - back * normal[0], q[1] - back * normal[1], q[2] };
  }
  /// Original liver point to world point.
  Vec3 liverToWorld(const Vec3& q) const
  {
    if (!grown)
      return bodyToWorld(q);
    const double d = beyondMm(q);
    if (d <= 0.0)
      return bodyToWorld(q);
    const double out = d * (stretch - 1.0);
    return bodyToWorld({ q[0] + out * normal[0], q[1] + out * normal[1], q[2] });
  }
  /// World box holding the image of the anatomy box [lo, hi] (liver: with the stretch).
  std::pair<Vec3, Vec3> worldBox(const Vec3& lo, const Vec3& hi, bool liver) const
  {
    if (!posed && !(liver && grown))
      return { lo, hi };
    // A stretched point moves by t n with 0 <= t <= the largest move of a corner.
    Vec3 alo = lo, ahi = hi;
    if (liver && grown)
    {
      double moveMm = 0.0;
      for (int corner = 0; corner < 8; ++corner)
        moveMm =
          std::max(moveMm,
                   beyondMm({ (corner & 1) ? hi[0] : lo[0], (corner & 2) ? hi[1] : lo[1], 0.0 }) *
                     (stretch - 1.0));
      for (int a = 0; a < 3; ++a)
      {
        alo[a] += std::min(0.0, moveMm * normal[a]);
        ahi[a] += std::max(0.0, moveMm * normal[a]);
      }
    }
    Vec3 wlo{ std::numeric_limits<double>::infinity(),
              std::numeric_limits<double>::infinity(),
              std::numeric_limits<double>::infinity() };
    Vec3 whi{ -wlo[0], -wlo[1], -wlo[2] };
    for (int corner = 0; corner < 8; ++corner)
    {
      const Vec3 w = bodyToWorld({ (corner & 1) ? ahi[0] : alo[0],
                                   (corner & 2) ? ahi[1] : alo[1],
                                   (corner & 4) ? ahi[2] : alo[2] });
      for (int a = 0; a < 3; ++a)
      {
        wlo[a] = std::min(wlo[a], w[a]);
        whi[a] = std::max(whi[a], w[a]);
      }
    }
    return { wlo, whi };
  }
};

Placement makePlacement(const PhantomOptions& options)
{
  const auto fail = [](const std::string& what)
  { throw std::invalid_argument("phantom: " + what); };
  if (!std::isfinite(options.leftLobeGrowthPercent) || options.leftLobeGrowthPercent < 0.0 ||
      options.leftLobeGrowthPercent > 100.0)
    fail("left lobe growth " + formatNumber(options.leftLobeGrowthPercent) +
         " % must be within 0..100");
  if (!std::isfinite(options.rotationDeg) || std::abs(options.rotationDeg) > 45.0)
    fail("rotation " + formatNumber(options.rotationDeg) + " degrees must be within -45..45");
  for (int a = 0; a < 3; ++a)
    if (!std::isfinite(options.shiftMm[a]) || std::abs(options.shiftMm[a]) > 50.0)
      fail("shift " + std::string(1, "xyz"[a]) + " = " + formatNumber(options.shiftMm[a]) +
           " mm must be within -50..50");
  Placement place;
  place.posed = options.rotationDeg != 0.0 || options.shiftMm[0] != 0.0 ||
                options.shiftMm[1] != 0.0 || options.shiftMm[2] != 0.0;
  place.cosZ = std::cos(options.rotationDeg * Pi / 180.0);
  place.sinZ = std::sin(options.rotationDeg * Pi / 180.0);
  place.shiftMm = options.shiftMm;
  place.grown = options.leftLobeGrowthPercent > 0.0;
  place.stretch = 1.0 + options.leftLobeGrowthPercent / 100.0;
  const double n = std::hypot(UmbilicalPlane.nx, UmbilicalPlane.ny);
  place.normal = { UmbilicalPlane.nx / n, UmbilicalPlane.ny / n, 0.0 };
  return place;
}

/// Voxel index range [first, last) whose centres fall in [loMm, hiMm] along one axis.
std::pair<std::size_t, std::size_t> indexRange(const Grid& grid, int axis, double loMm, double hiMm)
{
  const double s = grid.spacingMm[axis];
  const double first = std::max(0.0, std::ceil((loMm - grid.originMm[axis]) / s));
  const double last = std::min(static_cast<double>(grid.size[axis]),
                               std::floor((hiMm - grid.originMm[axis]) / s) + 1);
  if (last <= first)
    return { 0, 0 };
  return { static_cast<std::size_t>(first), static_cast<std::size_t>(last) };
}

/// Call visit(voxelIndex, pointMm) for every voxel centre in the box [lo, hi].
template<typename Visit>
void forEachVoxel(const Grid& grid, const Vec3& lo, const Vec3& hi, Visit visit)
{
  const auto [i0, i1] = indexRange(grid, 0, lo[0], hi[0]);
  const auto [j0, j1] = indexRange(grid, 1, lo[1], hi[1]);
  const auto [k0, k1] = indexRange(grid, 2, lo[2], hi[2]);
  for (std::size_t k = k0; k < k1; ++k)
    for (std::size_t j = j0; j < j1; ++j)
    {
      std::size_t index = grid.index(i0, j, k);
      for (std::size_t i = i0; i < i1; ++i, ++index)
        visit(index, Vec3{ grid.coordMm[0][i], grid.coordMm[1][j], grid.coordMm[2][k] });
    }
}

Vec3 boxLo(const Ellipsoid& e, double growMm = 0.0)
{
  return { e.centreMm[0] - e.semiAxesMm[0] - growMm,
           e.centreMm[1] - e.semiAxesMm[1] - growMm,
           e.centreMm[2] - e.semiAxesMm[2] - growMm };
}

Vec3 boxHi(const Ellipsoid& e, double growMm = 0.0)
{
  return { e.centreMm[0] + e.semiAxesMm[0] + growMm,
           e.centreMm[1] + e.semiAxesMm[1] + growMm,
           e.centreMm[2] + e.semiAxesMm[2] + growMm };
}

/// Tissue of the z-invariant axial cross-section: body wall, spine, aorta and IVC.
Tissue crossSectionTissue(double x, double y, bool disc)
{
  if (!insideEllipse(x, y, 0.0, 0.0, SkinSemiXMm, SkinSemiYMm))
    return TissueAir;
  if (insideEllipse(x, y, VertebraXMm, VertebraYMm, VertebraSemiXMm, VertebraSemiYMm))
  {
    if (disc)
      return TissueDisc;
    return insideEllipse(
             x, y, VertebraXMm, VertebraYMm, VertebraSemiXMm - CortexMm, VertebraSemiYMm - CortexMm)
             ? TissueBoneCancellous
             : TissueBoneCortex;
  }
  const double canalR2 = sq(x - VertebraXMm) + sq(y - CanalYMm);
  if (canalR2 <= sq(CanalRadiusMm))
    return TissueCanal;
  if (canalR2 <= sq(ArchRadiusMm) ||
      (std::abs(x - VertebraXMm) <= SpinousHalfWidthMm && y >= CanalYMm && y <= SpinousEndYMm))
    return TissueBoneCortex;
  if (sq(x - AortaXMm) + sq(y - AortaYMm) <= sq(AortaRadiusMm))
    return TissueAorta;
  if (sq(x - IvcXMm) + sq(y - IvcYMm) <= sq(IvcRadiusMm))
    return TissueIvc;
  if (!insideEllipse(x, y, 0.0, 0.0, WallSemiXMm, WallSemiYMm))
    return TissueFat;
  if (!insideEllipse(x, y, 0.0, 0.0, CavitySemiXMm, CavitySemiYMm))
    return TissueMuscle;
  return TissueCavity;
}

bool discSlice(double zMm)
{
  const double phase = std::fmod(zMm + 10.0 * DiscPeriodMm, DiscPeriodMm);
  return phase < DiscMm;
}

/// Per-voxel buffers being painted; `tissue` is later converted in place to organ labels.
struct Canvas
{
  const Grid& grid;
  std::uint16_t* tissue;
  std::uint16_t* liver;
  std::uint16_t* segments;
  std::uint16_t* lesions;
  const Placement& place;
};

void paintBody(const Canvas& c)
{
  const Grid& g = c.grid;
  const std::size_t sliceSize = g.size[0] * g.size[1];
  std::vector<std::uint16_t> bone(sliceSize), disc(sliceSize);
  for (std::size_t j = 0; j < g.size[1]; ++j)
    for (std::size_t i = 0; i < g.size[0]; ++i)
    {
      // The pose rotates about z only: the cross-section stays the same on every slice.
      const Vec3 q = c.place.toBody({ g.coordMm[0][i], g.coordMm[1][j], 0.0 });
      bone[j * g.size[0] + i] = crossSectionTissue(q[0], q[1], false);
      disc[j * g.size[0] + i] = crossSectionTissue(q[0], q[1], true);
    }
  for (std::size_t k = 0; k < g.size[2]; ++k)
  {
    const auto& slice = discSlice(c.place.toBody({ 0.0, 0.0, g.coordMm[2][k] })[2]) ? disc : bone;
    std::copy(slice.begin(), slice.end(), c.tissue + k * sliceSize);
  }
}

void paintThoraxAndOrgans(const Canvas& c)
{
  const Grid& g = c.grid;
  const Placement& place = c.place;
  const double inf = 1e9;
  const auto thorax = place.worldBox({ -inf, -inf, 0.0 }, { inf, inf, inf }, false);
  forEachVoxel(g,
               thorax.first,
               thorax.second,
               [&](std::size_t v, const Vec3& p)
               {
                 if (c.tissue[v] == TissueCavity && !belowDiaphragm(place.toBody(p), DiaphragmMm))
                   c.tissue[v] = TissueLung;
               });
  const auto heart = place.worldBox(boxLo(Heart), boxHi(Heart), false);
  forEachVoxel(g,
               heart.first,
               heart.second,
               [&](std::size_t v, const Vec3& p)
               {
                 if (c.tissue[v] == TissueLung && insideEllipsoid(Heart, place.toBody(p)))
                   c.tissue[v] = TissueHeart;
               });
  for (const auto& organ :
       { std::pair{ KidneyRight, TissueKidneyRight }, std::pair{ KidneyLeft, TissueKidneyLeft } })
  {
    // Named copies, not a structured binding: clang 14 (the fuzz build) cannot capture those.
    const auto& kidney = organ.first;
    const auto tissue = organ.second;
    const auto box = place.worldBox(boxLo(kidney), boxHi(kidney), false);
    forEachVoxel(g,
                 box.first,
                 box.second,
                 [&](std::size_t v, const Vec3& p)
                 {
                   if (c.tissue[v] == TissueCavity && insideEllipsoid(kidney, place.toBody(p)))
                     c.tissue[v] = tissue;
                 });
  }
  const auto spleen = place.worldBox(boxLo(Spleen), boxHi(Spleen), false);
  forEachVoxel(g,
               spleen.first,
               spleen.second,
               [&](std::size_t v, const Vec3& p)
               {
                 const Vec3 q = place.toBody(p);
                 if (c.tissue[v] == TissueCavity && insideEllipsoid(Spleen, q) &&
                     belowDiaphragm(q, -2.0))
                   c.tissue[v] = TissueSpleen;
               });
}

void paintLiver(const Canvas& c)
{
  const Vec3 lo{ LiverCentreMm[0] - LiverSemiAxesMm[0],
                 LiverCentreMm[1] + LiverShiftYMm - 80.0,
                 LiverCentreMm[2] - LiverSemiAxesMm[2] };
  const Vec3 hi{ LiverCentreMm[0] + LiverSemiAxesMm[0],
                 LiverCentreMm[1] + LiverSemiAxesMm[1],
                 LiverCentreMm[2] + LiverSemiAxesMm[2] };
  const auto box = c.place.worldBox(lo, hi, true);
  forEachVoxel(c.grid,
               box.first,
               box.second,
               [&](std::size_t v, const Vec3& p)
               {
                 const Vec3 q = c.place.toLiver(p);
                 if (!insideLiver(q))
                   return;
                 // A grown lobe pushes against the spleen instead of covering it.
                 if (c.place.grown && c.tissue[v] != TissueCavity)
                   return;
                 c.tissue[v] = TissueLiver;
                 c.liver[v] = 1;
                 c.segments[v] = static_cast<std::uint16_t>(couinaudSegment(q));
               });
}

void paintVessels(const Canvas& c)
{
  for (const Vessel& vessel : vessels())
  {
    const Capsule& cap = vessel.capsule;
    Vec3 lo, hi;
    for (int a = 0; a < 3; ++a)
    {
      lo[a] = std::min(cap.startMm[a], cap.endMm[a]) - cap.radiusMm;
      hi[a] = std::max(cap.startMm[a], cap.endMm[a]) + cap.radiusMm;
    }
    // Intrahepatic veins grow with the liver; the extrahepatic trunk only moves with the body.
    const auto box = c.place.worldBox(lo, hi, vessel.intrahepatic);
    forEachVoxel(c.grid,
                 box.first,
                 box.second,
                 [&](std::size_t v, const Vec3& p)
                 {
                   const bool allowed = vessel.intrahepatic
                                          ? c.liver[v] != 0
                                          : (c.tissue[v] == TissueCavity || c.liver[v] != 0);
                   const Vec3 q = vessel.intrahepatic ? c.place.toLiver(p) : c.place.toBody(p);
                   if (allowed && capsuleDistanceMm(cap, q) <= 0.0)
                     c.tissue[v] = vessel.tissue;
                 });
  }
}

void paintLesions(const Canvas& c, std::vector<PhantomLesion>& lesions)
{
  for (PhantomLesion& lesion : lesions)
  {
    const Vec3& m = lesion.centreLpsMm;
    const double r = lesion.radiusMm;
    forEachVoxel(c.grid,
                 { m[0] - r, m[1] - r, m[2] - r },
                 { m[0] + r, m[1] + r, m[2] + r },
                 [&](std::size_t v, const Vec3& p)
                 {
                   if (sq(p[0] - m[0]) + sq(p[1] - m[1]) + sq(p[2] - m[2]) > r * r)
                     return;
                   c.tissue[v] = TissueLesion;
                   c.lesions[v] = static_cast<std::uint16_t>(lesion.id);
                   ++lesion.voxelCount;
                 });
  }
}

/// CT = tissue HU + Gaussian noise (Marsaglia polar method over splitmix64), rounded and clamped
/// to the CT range -1024..3071 HU (so stored DICOM values HU + 1024 stay unsigned).
void renderCt(const Canvas& c, std::int16_t* ct, std::uint32_t seed, double noiseSdHu)
{
  const std::size_t count = c.grid.size[0] * c.grid.size[1] * c.grid.size[2];
  SplitMix64 rng = streamFor(seed, "noise");
  double spare = 0.0;
  for (std::size_t v = 0; v < count; ++v)
  {
    double noise = 0.0;
    if (noiseSdHu > 0.0)
    {
      if ((v & 1U) == 0)
      {
        double x = 0.0, y = 0.0, r2 = 0.0;
        do
        {
          x = rng.uniform(-1.0, 1.0);
          y = rng.uniform(-1.0, 1.0);
          r2 = x * x + y * y;
        } while (r2 >= 1.0 || r2 == 0.0);
        const double scale = std::sqrt(-2.0 * std::log(r2) / r2);
        noise = x * scale;
        spare = y * scale;
      }
      else
        noise = spare;
    }
    const double hu = std::floor(Tissues[c.tissue[v]].hu + noiseSdHu * noise + 0.5);
    ct[v] = static_cast<std::int16_t>(std::clamp(hu, -1024.0, 3071.0));
  }
}

template<typename TImage>
typename TImage::Pointer allocate(const Grid& grid, bool zero)
{
  auto image = TImage::New();
  typename TImage::RegionType region;
  typename TImage::SpacingType spacing;
  typename TImage::PointType origin;
  for (unsigned a = 0; a < 3; ++a)
  {
    region.SetSize(a, grid.size[a]);
    spacing[a] = grid.spacingMm[a];
    origin[a] = grid.originMm[a];
  }
  image->SetRegions(region);
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->Allocate(zero);
  return image;
}

/// 128-bit unsigned integer (two 64-bit halves) in decimal.
std::string toDecimal(std::uint64_t high, std::uint64_t low)
{
  std::array<std::uint32_t, 4> limbs{ static_cast<std::uint32_t>(high >> 32),
                                      static_cast<std::uint32_t>(high),
                                      static_cast<std::uint32_t>(low >> 32),
                                      static_cast<std::uint32_t>(low) };
  std::string digits;
  while (std::any_of(limbs.begin(), limbs.end(), [](std::uint32_t l) { return l != 0; }))
  {
    std::uint64_t remainder = 0;
    for (std::uint32_t& limb : limbs)
    {
      const std::uint64_t value = (remainder << 32) | limb;
      limb = static_cast<std::uint32_t>(value / 10);
      remainder = value % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  if (digits.empty())
    digits = "0";
  return { digits.rbegin(), digits.rend() };
}

} // namespace

std::string phantomUid(std::uint32_t seed, const std::string& role, std::uint64_t index)
{
  SplitMix64 rng = streamFor(seed, "uid:" + role);
  rng.state ^= mix64(index);
  const std::uint64_t high = rng.next();
  const std::uint64_t low = rng.next();
  return "2.25." + toDecimal(high, low);
}

Phantom makePhantom(const PhantomOptions& options)
{
  const Grid grid = makeGrid(options);
  const Placement place = makePlacement(options);
  Phantom phantom;
  phantom.ct = allocate<CtImage>(grid, false);
  phantom.liver = allocate<LabelImage>(grid, true);
  phantom.lesions = allocate<LabelImage>(grid, true);
  phantom.segments = allocate<LabelImage>(grid, true);
  phantom.organs = allocate<LabelImage>(grid, false);

  const Canvas canvas{ grid,
                       phantom.organs->GetBufferPointer(),
                       phantom.liver->GetBufferPointer(),
                       phantom.segments->GetBufferPointer(),
                       phantom.lesions->GetBufferPointer(),
                       place };
  std::vector<PhantomLesion> lesions = placeLesions(options.seed);
  // Lesions keep their size and move with the (grown, posed) liver around their centre.
  for (PhantomLesion& lesion : lesions)
    lesion.centreLpsMm = place.liverToWorld(lesion.centreLpsMm);
  paintBody(canvas);
  paintThoraxAndOrgans(canvas);
  paintLiver(canvas);
  paintVessels(canvas);
  paintLesions(canvas, lesions);
  renderCt(canvas, phantom.ct->GetBufferPointer(), options.seed, options.noiseSdHu);

  const double voxelMl = grid.spacingMm[0] * grid.spacingMm[1] * grid.spacingMm[2] / 1000.0;
  std::array<std::uint64_t, 9> segmentCounts{};
  std::uint64_t liverCount = 0;
  const std::size_t count = grid.size[0] * grid.size[1] * grid.size[2];
  for (std::size_t v = 0; v < count; ++v)
  {
    canvas.tissue[v] = Tissues[canvas.tissue[v]].organ;
    liverCount += canvas.liver[v];
    ++segmentCounts[canvas.segments[v]];
  }

  PhantomTruth& truth = phantom.truth;
  truth.seed = options.seed;
  truth.liverVoxelCount = liverCount;
  truth.liverVolumeMl = static_cast<double>(liverCount) * voxelMl;
  for (int s = 1; s <= 8; ++s)
    truth.segmentVolumeMl[s] = static_cast<double>(segmentCounts[s]) * voxelMl;
  for (PhantomLesion& lesion : lesions)
  {
    lesion.voxelVolumeMl = static_cast<double>(lesion.voxelCount) * voxelMl;
    truth.tumourVolumeMl += lesion.voxelVolumeMl;
  }
  truth.lesions = std::move(lesions);

  StudyInfo& study = phantom.study;
  const std::string seed = std::to_string(options.seed);
  study.patientId = "PHANTOM-" + seed;
  study.patientName = "PHANTOM^" + seed;
  study.studyInstanceUid = phantomUid(options.seed, "study");
  study.seriesInstanceUid = phantomUid(options.seed, "series");
  study.studyDate = "20260101";
  study.studyDescription = "LiverPlan synthetic abdomen";
  study.seriesDescription = "Phantom abdomen portal venous";
  study.modality = "CT";
  study.manufacturer = "LiverPlan phantom";
  study.sliceThicknessMm = grid.spacingMm[2];
  study.kvp = 120.0;
  study.contrastAgent = "IV iodinated contrast (synthetic)";
  study.contrastPhaseGuess = "portal-venous";
  return phantom;
}

void writePhantom(const Phantom& phantom, const std::string& directory)
{
  if (!phantom.ct || !phantom.liver || !phantom.lesions || !phantom.segments || !phantom.organs)
    throw std::invalid_argument("writePhantom: phantom has missing images");
  const std::filesystem::path dir(directory);
  writeImage(phantom.ct.GetPointer(), (dir / "ct.nii.gz").string());
  writeImage(phantom.liver.GetPointer(), (dir / "liver.nii.gz").string());
  writeImage(phantom.lesions.GetPointer(), (dir / "lesions.nii.gz").string());
  writeImage(phantom.segments.GetPointer(), (dir / "segments.nii.gz").string());
  writeImage(phantom.organs.GetPointer(), (dir / "organs.nii.gz").string());
  writeTextFile((dir / "truth.json").string(), phantomTruthJson(phantom.truth, *phantom.ct) + "\n");
}

std::string phantomLandmarksJson()
{
  using nlohmann::json;
  // Points on a vertical plane: `along` mm along its axial line from its point, at height z.
  const auto onPlane = [](const AxialPlane& plane, double along, double zMm)
  {
    const double length = std::hypot(plane.nx, plane.ny);
    return Vec3{ plane.xMm - plane.ny / length * along,
                 plane.yMm + plane.nx / length * along,
                 zMm };
  };
  json j;
  j["coordinates"] = "LPS";
  j["units"] = "mm";
  j["middleHepaticVein"] = { onPlane(CantliePlane, -15.0, 60.0),
                             onPlane(CantliePlane, -40.0, 45.0),
                             onPlane(CantliePlane, -65.0, 30.0) };
  j["rightHepaticVein"] = { onPlane(RightSectorPlane, 20.0, 60.0),
                            onPlane(RightSectorPlane, 45.0, 50.0),
                            onPlane(RightSectorPlane, 70.0, 40.0) };
  j["leftHepaticVein"] = { onPlane(UmbilicalPlane, 0.0, 70.0),
                           onPlane(UmbilicalPlane, -20.0, 60.0) };
  j["umbilicalFissure"] = { onPlane(UmbilicalPlane, -50.0, 15.0) };
  j["ivc"] = { Vec3{ IvcXMm, IvcYMm, -30.0 }, Vec3{ IvcXMm, IvcYMm, CaudateMaxZMm } };
  j["portalBifurcation"] = PortalBifurcationMm;
  // Segment 1 spans x from the IVC's right wall to CaudateMaxXMm: radius = that reach.
  j["caudateRadiusMm"] = CaudateMaxXMm - IvcXMm;
  j["ivcRadiusMm"] = IvcXMm - CaudateMinXMm;
  return j.dump(2);
}

std::string phantomTruthJson(const PhantomTruth& truth, const CtImage& grid)
{
  using nlohmann::json;
  const auto size = grid.GetLargestPossibleRegion().GetSize();
  json j;
  j["units"] = { { "volume", "mL" }, { "length", "mm" }, { "intensity", "HU" } };
  j["coordinates"] = "LPS";
  j["seed"] = truth.seed;
  j["grid"] = { { "size", { size[0], size[1], size[2] } },
                { "spacing", { grid.GetSpacing()[0], grid.GetSpacing()[1], grid.GetSpacing()[2] } },
                { "origin", { grid.GetOrigin()[0], grid.GetOrigin()[1], grid.GetOrigin()[2] } } };
  j["liver"] = { { "voxelCount", truth.liverVoxelCount }, { "volumeMl", truth.liverVolumeMl } };
  j["tumourVolumeMl"] = truth.tumourVolumeMl;
  json segments = json::object();
  for (int s = 1; s <= 8; ++s)
    segments[std::to_string(s)] = truth.segmentVolumeMl[s];
  j["segments"] = segments;
  json lesions = json::array();
  for (const PhantomLesion& l : truth.lesions)
    lesions.push_back({ { "id", l.id },
                        { "centreLpsMm", l.centreLpsMm },
                        { "radiusMm", l.radiusMm },
                        { "analyticVolumeMl", l.analyticVolumeMl },
                        { "voxelCount", l.voxelCount },
                        { "volumeMl", l.voxelVolumeMl },
                        { "segment", l.segment },
                        { "nearLargeVessel", l.nearLargeVessel } });
  j["lesions"] = lesions;
  j["organLabels"] = { { "0", "none" },         { "1", "body" },
                       { "2", "liver" },        { "3", "spleen" },
                       { "4", "kidney right" }, { "5", "kidney left" },
                       { "6", "spine" },        { "7", "portal vein" },
                       { "8", "hepatic vein" }, { "9", "inferior vena cava" },
                       { "10", "aorta" } };
  return j.dump(2);
}

} // namespace liver
