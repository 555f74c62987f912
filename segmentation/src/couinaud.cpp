/// Couinaud segments from landmark planes (DESIGN.md §3 Anatomy: MHV + IVC = Cantlie, RHV splits
/// 5/8 from 6/7, LHV / umbilical fissure splits 4 from 2/3, a transverse plane through the portal
/// bifurcation splits superior from inferior, segment 1 around the IVC) or approximated from the
/// liver mask's geometry.

#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>
#include <liver/segmentation/couinaud.h>
#include <liver/segmentation/label_import.h>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace liver
{
namespace
{

constexpr double Pi = 3.14159265358979323846;

constexpr const char* LandmarksKind = "landmarks file";

/// Minimum spread (RMS distance from the best line, mm) of a plane's points: below it the
/// points are collinear and do not define a plane.
constexpr double MinPlaneSpreadMm = 1.0;
/// A dividing plane must be within 60 degrees of vertical: |normal.z| <= sin(60 degrees).
constexpr double MaxNormalZ = 0.866;

/// Population-average tilts and volume fractions of the approximation (Couinaud anatomy as drawn
/// in standard atlases; left liver ~ one third of the volume, left lateral section ~ 16 %, right
/// posterior section ~ 42 % of the right liver). They are not patient measurements.
constexpr double ApproxCantlieTiltDeg = 15.0;    ///< normal rotated from +x towards anterior
constexpr double ApproxUmbilicalTiltDeg = 5.0;   ///< normal rotated from +x towards posterior
constexpr double ApproxRightTiltDeg = 20.0;      ///< normal rotated from +y towards patient right
constexpr double ApproxLeftFraction = 0.33;      ///< liver volume on the left of Cantlie (incl. 1)
constexpr double ApproxLateralFraction = 0.16;   ///< liver volume left of the umbilical plane
constexpr double ApproxPosteriorFraction = 0.42; ///< of the right liver, posterior to the RHV plane
constexpr double ApproxSuperiorFraction = 0.5;   ///< liver volume above the transverse plane
constexpr double ApproxBifurcationAnteriorMm = 25.0; ///< portal bifurcation in front of the IVC
constexpr double ApproxCaudateTopFraction = 0.25;    ///< confluence above the transverse plane, of
                                                     ///< the craniocaudal extent

std::string pointText(const Eigen::Vector3d& p)
{
  std::ostringstream s;
  s << "(" << p.x() << ", " << p.y() << ", " << p.z() << ")";
  return s.str();
}

Eigen::Vector3d parsePoint(const nlohmann::json& value,
                           const std::string& file,
                           const std::string& key)
{
  if (!value.is_array() || value.size() != 3)
    throw InputError(file,
                     "landmarks: \"" + key + "\" must be a point [x, y, z] in LPS mm, got " +
                       jsonExcerpt(value));
  Eigen::Vector3d p;
  for (int a = 0; a < 3; ++a)
  {
    if (!value[a].is_number())
      throw InputError(
        file, "landmarks: \"" + key + "\" has a non-numeric coordinate " + jsonExcerpt(value[a]));
    p[a] = value[a].get<double>();
    if (!std::isfinite(p[a]))
      throw InputError(file, "landmarks: \"" + key + "\" has a non-finite coordinate");
  }
  return p;
}

std::vector<Eigen::Vector3d> parsePoints(const nlohmann::json& doc,
                                         const std::string& file,
                                         const std::string& key,
                                         std::size_t minimum)
{
  if (!doc.contains(key))
    throw InputError(file, "landmarks: missing key \"" + key + "\"");
  const nlohmann::json& list = doc.at(key);
  if (!list.is_array())
    throw InputError(file, "landmarks: \"" + key + "\" must be a list of [x, y, z] points");
  if (list.size() < minimum)
    throw InputError(file,
                     "landmarks: \"" + key + "\" needs at least " + std::to_string(minimum) +
                       " point(s), got " + std::to_string(list.size()));
  std::vector<Eigen::Vector3d> points;
  for (std::size_t i = 0; i < list.size(); ++i)
    points.push_back(parsePoint(list[i], file, key + "[" + std::to_string(i) + "]"));
  return points;
}

double optionalPositive(const nlohmann::json& doc,
                        const std::string& file,
                        const std::string& key,
                        double fallback)
{
  if (!doc.contains(key))
    return fallback;
  const nlohmann::json& v = doc.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0.0)
    throw InputError(
      file, "landmarks: \"" + key + "\" must be a positive number of mm, got " + jsonExcerpt(v));
  return v.get<double>();
}

/// Least-squares plane through `points` (SVD of the centred points); InputError when they are
/// collinear or the plane is nearly horizontal.
SegmentPlane fitPlane(const std::vector<Eigen::Vector3d>& points,
                      const std::string& name,
                      const std::string& file,
                      const std::string& keys)
{
  Eigen::Vector3d centroid = Eigen::Vector3d::Zero();
  for (const auto& p : points)
    centroid += p;
  centroid /= static_cast<double>(points.size());
  Eigen::MatrixXd centred(points.size(), 3);
  for (std::size_t i = 0; i < points.size(); ++i)
    centred.row(static_cast<Eigen::Index>(i)) = (points[i] - centroid).transpose();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeFullV);
  const Eigen::Vector3d singular = svd.singularValues();
  const double n = static_cast<double>(points.size());
  if (singular.size() < 2 || singular[1] / std::sqrt(n) < MinPlaneSpreadMm)
    throw InputError(file,
                     "landmarks: " + keys +
                       " are collinear (or coincide) and do not define "
                       "the " +
                       name + " plane: add points off the line");
  SegmentPlane plane;
  plane.name = name;
  plane.pointLpsMm = centroid;
  plane.normal = svd.matrixV().col(2).normalized();
  plane.rmsResidualMm = singular.size() > 2 ? singular[2] / std::sqrt(n) : 0.0;
  if (std::abs(plane.normal.z()) > MaxNormalZ)
    throw InputError(file,
                     "landmarks: " + keys + " give a " + name +
                       " plane within 30 degrees of horizontal (normal " + pointText(plane.normal) +
                       "); check the points");
  return plane;
}

/// Flip `plane` so that `towards` has a positive component along its normal.
void orient(SegmentPlane& plane, const Eigen::Vector3d& towards, const std::string& positiveSide)
{
  if (plane.normal.dot(towards) < 0.0)
    plane.normal = -plane.normal;
  plane.positiveSide = positiveSide;
}

double side(const SegmentPlane& plane, const Eigen::Vector3d& p)
{
  return (p - plane.pointLpsMm).dot(plane.normal);
}

/// A vertical plane with unit axial normal `normal` placed so that `fraction` of `points` lie on
/// its positive side.
SegmentPlane quantilePlane(const std::vector<Eigen::Vector3d>& points,
                           const Eigen::Vector3d& normal,
                           double fraction,
                           const std::string& name,
                           const std::string& positiveSide)
{
  std::vector<double> s(points.size());
  for (std::size_t i = 0; i < points.size(); ++i)
    s[i] = points[i].dot(normal);
  const auto k = static_cast<std::size_t>(
    std::clamp((1.0 - fraction) * static_cast<double>(s.size()), 0.0, s.size() - 1.0));
  std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(k), s.end());
  Eigen::Vector3d centroid = Eigen::Vector3d::Zero();
  for (const auto& p : points)
    centroid += p;
  centroid /= static_cast<double>(points.size());
  SegmentPlane plane;
  plane.name = name;
  plane.normal = normal.normalized();
  plane.pointLpsMm = centroid + (s[k] - centroid.dot(plane.normal)) * plane.normal;
  plane.positiveSide = positiveSide;
  return plane;
}

/// Physical centre (LPS mm) of every voxel of `image` with a value accepted by `keep`.
template<typename Keep>
std::vector<Eigen::Vector3d> voxelPoints(const LabelImage& image, Keep keep)
{
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto start = image.GetLargestPossibleRegion().GetIndex();
  Eigen::Matrix3d m;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      m(r, c) = image.GetDirection()[r][c] * image.GetSpacing()[c];
  const Eigen::Vector3d origin(image.GetOrigin()[0], image.GetOrigin()[1], image.GetOrigin()[2]);
  const std::uint16_t* v = image.GetBufferPointer();
  std::vector<Eigen::Vector3d> points;
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i, ++v)
        if (keep(*v))
          points.push_back(origin + m * Eigen::Vector3d(static_cast<double>(i + start[0]),
                                                        static_cast<double>(j + start[1]),
                                                        static_cast<double>(k + start[2])));
  return points;
}

Eigen::Vector3d axial(double angleDeg, const Eigen::Vector3d& from, const Eigen::Vector3d& to)
{
  const double a = angleDeg * Pi / 180.0;
  return (std::cos(a) * from + std::sin(a) * to).normalized();
}

bool sameGrid(const LabelImage& a, const LabelImage& b)
{
  return a.GetLargestPossibleRegion() == b.GetLargestPossibleRegion() &&
         a.GetOrigin().GetVnlVector().is_equal(b.GetOrigin().GetVnlVector(), 1e-6) &&
         a.GetSpacing().GetVnlVector().is_equal(b.GetSpacing().GetVnlVector(), 1e-6) &&
         a.GetDirection().GetVnlMatrix().is_equal(b.GetDirection().GetVnlMatrix(), 1e-6);
}

} // namespace

std::string toString(SegmentMethod method)
{
  switch (method)
  {
    case SegmentMethod::Imported:
      return "imported";
    case SegmentMethod::Landmarks:
      return "landmarks";
    case SegmentMethod::Approximation:
      return "approximation";
  }
  return "unknown";
}

HepaticLandmarks parseLandmarks(const std::string& text, const std::string& file)
{
  const nlohmann::json doc = parseJsonInput(text, file, LandmarksKind);
  if (!doc.is_object())
    throw InputError(file, "landmarks: the top level must be a JSON object");
  if (doc.contains("coordinates") &&
      (!doc["coordinates"].is_string() || doc["coordinates"].get<std::string>() != "LPS"))
    throw InputError(
      file, "landmarks: \"coordinates\" must be \"LPS\", got " + jsonExcerpt(doc["coordinates"]));
  HepaticLandmarks l;
  l.rightHepaticVein = parsePoints(doc, file, "rightHepaticVein", 2);
  l.middleHepaticVein = parsePoints(doc, file, "middleHepaticVein", 2);
  l.leftHepaticVein = parsePoints(doc, file, "leftHepaticVein", 2);
  l.ivc = parsePoints(doc, file, "ivc", 2);
  l.umbilicalFissure = parsePoints(doc, file, "umbilicalFissure", 1);
  if (!doc.contains("portalBifurcation"))
    throw InputError(file, "landmarks: missing key \"portalBifurcation\"");
  l.portalBifurcation = parsePoint(doc["portalBifurcation"], file, "portalBifurcation");
  l.caudateRadiusMm = optionalPositive(doc, file, "caudateRadiusMm", l.caudateRadiusMm);
  l.ivcRadiusMm = optionalPositive(doc, file, "ivcRadiusMm", l.ivcRadiusMm);
  return l;
}

HepaticLandmarks loadLandmarks(const std::string& path)
{
  return parseLandmarks(readJsonInputFile(path, LandmarksKind, MaxSmallJsonFileBytes), path);
}

CouinaudPlanes couinaudPlanesFromLandmarks(const HepaticLandmarks& l, const std::string& file)
{
  const auto require =
    [&](const std::vector<Eigen::Vector3d>& points, std::size_t minimum, const std::string& key)
  {
    if (points.size() < minimum)
      throw InputError(
        file, "landmarks: \"" + key + "\" needs at least " + std::to_string(minimum) + " point(s)");
  };
  require(l.rightHepaticVein, 2, "rightHepaticVein");
  require(l.middleHepaticVein, 2, "middleHepaticVein");
  require(l.leftHepaticVein, 2, "leftHepaticVein");
  require(l.ivc, 2, "ivc");
  require(l.umbilicalFissure, 1, "umbilicalFissure");

  // IVC axis: principal direction of its points, pointing superior.
  Eigen::Vector3d ivcCentre = Eigen::Vector3d::Zero();
  for (const auto& p : l.ivc)
    ivcCentre += p;
  ivcCentre /= static_cast<double>(l.ivc.size());
  Eigen::MatrixXd centred(l.ivc.size(), 3);
  for (std::size_t i = 0; i < l.ivc.size(); ++i)
    centred.row(static_cast<Eigen::Index>(i)) = (l.ivc[i] - ivcCentre).transpose();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeFullV);
  if (svd.singularValues()[0] < 1.0)
    throw InputError(file, "landmarks: \"ivc\" points coincide and do not define the IVC axis");
  Eigen::Vector3d ivcAxis = svd.matrixV().col(0).normalized();
  if (ivcAxis.z() < 0.0)
    ivcAxis = -ivcAxis;
  if (ivcAxis.z() < 0.5)
    throw InputError(file,
                     "landmarks: \"ivc\" axis " + pointText(ivcAxis) +
                       " is more than 60 degrees from craniocaudal");

  std::vector<Eigen::Vector3d> cantliePoints = l.middleHepaticVein;
  cantliePoints.insert(cantliePoints.end(), l.ivc.begin(), l.ivc.end());
  std::vector<Eigen::Vector3d> rightPoints = l.rightHepaticVein;
  rightPoints.insert(rightPoints.end(), l.ivc.begin(), l.ivc.end());
  std::vector<Eigen::Vector3d> leftPoints = l.leftHepaticVein;
  leftPoints.insert(leftPoints.end(), l.umbilicalFissure.begin(), l.umbilicalFissure.end());

  CouinaudPlanes planes;
  planes.cantlie =
    fitPlane(cantliePoints, "Cantlie (MHV + IVC)", file, "\"middleHepaticVein\" + \"ivc\"");
  orient(planes.cantlie, Eigen::Vector3d::UnitX(), "left liver (2, 3, 4)");
  planes.rightSector =
    fitPlane(rightPoints, "right sector (RHV + IVC)", file, "\"rightHepaticVein\" + \"ivc\"");
  orient(planes.rightSector, Eigen::Vector3d::UnitY(), "right posterior section (6, 7)");
  planes.umbilical = fitPlane(leftPoints,
                              "umbilical (LHV + umbilical fissure)",
                              file,
                              "\"leftHepaticVein\" + \"umbilicalFissure\"");
  orient(planes.umbilical, Eigen::Vector3d::UnitX(), "left lateral section (2, 3)");
  planes.transverse.name = "transverse (portal bifurcation)";
  planes.transverse.pointLpsMm = l.portalBifurcation;
  planes.transverse.normal = Eigen::Vector3d::UnitZ();
  planes.transverse.positiveSide = "superior (7, 8, 2, 4a)";

  CaudateRegion& c = planes.caudate;
  c.ivcPointLpsMm = ivcCentre;
  c.ivcDirection = ivcAxis;
  c.topAlongAxisMm = -1e300;
  for (const auto& p : l.ivc)
    c.topAlongAxisMm = std::max(c.topAlongAxisMm, (p - ivcCentre).dot(ivcAxis));
  c.radiusMm = l.caudateRadiusMm;
  c.ivcRadiusMm = l.ivcRadiusMm;
  c.bifurcationYMm = l.portalBifurcation.y();
  c.ivcSource = "landmarks";
  return planes;
}

int couinaudSegmentAt(const CouinaudPlanes& planes, const Eigen::Vector3d& p)
{
  const CaudateRegion& c = planes.caudate;
  const Eigen::Vector3d rel = p - c.ivcPointLpsMm;
  const double along = rel.dot(c.ivcDirection);
  const Eigen::Vector3d radial = rel - along * c.ivcDirection;
  if (along < c.topAlongAxisMm && radial.norm() <= c.radiusMm && p.y() > c.bifurcationYMm &&
      radial.x() >= -c.ivcRadiusMm)
    return 1;
  const bool superior = side(planes.transverse, p) > 0.0;
  if (side(planes.cantlie, p) > 0.0)
  {
    if (side(planes.umbilical, p) > 0.0)
      return superior ? 2 : 3;
    return 4;
  }
  if (side(planes.rightSector, p) > 0.0)
    return superior ? 7 : 6;
  return superior ? 8 : 5;
}

LabelImage::Pointer assignCouinaudSegments(const LabelImage& liver, const CouinaudPlanes& planes)
{
  auto out = LabelImage::New();
  out->CopyInformation(&liver);
  out->SetRegions(liver.GetLargestPossibleRegion());
  out->Allocate(true);
  const auto size = liver.GetLargestPossibleRegion().GetSize();
  const auto start = liver.GetLargestPossibleRegion().GetIndex();
  Eigen::Matrix3d m;
  for (int r = 0; r < 3; ++r)
    for (int col = 0; col < 3; ++col)
      m(r, col) = liver.GetDirection()[r][col] * liver.GetSpacing()[col];
  const Eigen::Vector3d origin(liver.GetOrigin()[0], liver.GetOrigin()[1], liver.GetOrigin()[2]);
  const std::uint16_t* in = liver.GetBufferPointer();
  std::uint16_t* seg = out->GetBufferPointer();
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i, ++in, ++seg)
        if (*in != 0)
        {
          const Eigen::Vector3d p = origin + m * Eigen::Vector3d(static_cast<double>(i + start[0]),
                                                                 static_cast<double>(j + start[1]),
                                                                 static_cast<double>(k + start[2]));
          *seg = static_cast<std::uint16_t>(couinaudSegmentAt(planes, p));
        }
  return out;
}

CouinaudPlanes approximateCouinaudPlanes(const LabelImage& liver, const LabelImage* vessels)
{
  const std::vector<Eigen::Vector3d> points =
    voxelPoints(liver, [](std::uint16_t v) { return v != 0; });
  if (points.empty())
    throw InputError("", "approximate segments: the liver mask is empty");
  const Eigen::Vector3d x = Eigen::Vector3d::UnitX(), y = Eigen::Vector3d::UnitY(),
                        z = Eigen::Vector3d::UnitZ();
  CouinaudPlanes planes;
  // Cantlie: normal towards patient left, tilted so its anterior end lies further right.
  planes.cantlie = quantilePlane(points,
                                 axial(ApproxCantlieTiltDeg, x, -y),
                                 ApproxLeftFraction,
                                 "Cantlie (approximation)",
                                 "left liver (2, 3, 4)");
  planes.umbilical = quantilePlane(points,
                                   axial(ApproxUmbilicalTiltDeg, x, y),
                                   ApproxLateralFraction,
                                   "umbilical (approximation)",
                                   "left lateral section (2, 3)");
  std::vector<Eigen::Vector3d> right;
  for (const auto& p : points)
    if (side(planes.cantlie, p) <= 0.0)
      right.push_back(p);
  if (right.empty())
    right = points;
  planes.rightSector = quantilePlane(right,
                                     axial(ApproxRightTiltDeg, y, -x),
                                     ApproxPosteriorFraction,
                                     "right sector (approximation)",
                                     "right posterior section (6, 7)");
  planes.transverse = quantilePlane(
    points, z, ApproxSuperiorFraction, "transverse (approximation)", "superior (7, 8, 2, 4a)");
  double zMin = points.front().z(), zMax = zMin;
  for (const auto& p : points)
  {
    zMin = std::min(zMin, p.z());
    zMax = std::max(zMax, p.z());
  }

  // IVC axis: from the vessel map's IVC where there is one, else a vertical line on the Cantlie
  // plane at the liver's posterior border along that plane (the IVC runs in that groove).
  CaudateRegion& c = planes.caudate;
  std::vector<Eigen::Vector3d> ivc;
  if (vessels && sameGrid(liver, *vessels))
    ivc = voxelPoints(*vessels, [](std::uint16_t v) { return v == VesselInferiorVenaCava; });
  std::vector<Eigen::Vector3d> ivcInLiverRange;
  for (const auto& p : ivc)
    if (p.z() >= zMin && p.z() <= zMax)
      ivcInLiverRange.push_back(p);
  if (ivcInLiverRange.size() >= 10)
  {
    Eigen::Vector3d centre = Eigen::Vector3d::Zero();
    for (const auto& p : ivcInLiverRange)
      centre += p;
    centre /= static_cast<double>(ivcInLiverRange.size());
    Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
    for (const auto& p : ivcInLiverRange)
      cov += (p - centre) * (p - centre).transpose();
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov);
    Eigen::Vector3d axis = eig.eigenvectors().col(2).normalized();
    if (axis.z() < 0.0)
      axis = -axis;
    c.ivcPointLpsMm = centre;
    c.ivcDirection = axis.z() > 0.5 ? axis : z;
    c.ivcSource = "vessel map";
  }
  else
  {
    std::vector<double> ys;
    for (const auto& p : points)
      if (std::abs(side(planes.cantlie, p)) <= 5.0)
        ys.push_back(p.y());
    if (ys.empty())
      ys.push_back(planes.cantlie.pointLpsMm.y());
    const auto k = static_cast<std::size_t>(0.98 * static_cast<double>(ys.size() - 1));
    std::nth_element(ys.begin(), ys.begin() + static_cast<std::ptrdiff_t>(k), ys.end());
    // Point of the Cantlie plane at that y and the transverse plane's height.
    const Eigen::Vector3d& n = planes.cantlie.normal;
    Eigen::Vector3d p(0.0, ys[k], planes.transverse.pointLpsMm.z());
    p.x() = planes.cantlie.pointLpsMm.x() - ((p.y() - planes.cantlie.pointLpsMm.y()) * n.y()) /
                                              (std::abs(n.x()) > 1e-9 ? n.x() : 1.0);
    c.ivcPointLpsMm = p;
    c.ivcDirection = z;
    c.ivcSource = "assumed";
  }
  const double topZ = planes.transverse.pointLpsMm.z() + ApproxCaudateTopFraction * (zMax - zMin);
  c.topAlongAxisMm = (Eigen::Vector3d(0, 0, topZ) - c.ivcPointLpsMm).dot(c.ivcDirection);
  c.bifurcationYMm = c.ivcPointLpsMm.y() - ApproxBifurcationAnteriorMm;
  return planes;
}

SegmentReport reportSegments(const LabelImage& liver,
                             const LabelImage& segments,
                             SegmentMethod method,
                             const std::string& description)
{
  if (!sameGrid(liver, segments))
    throw std::invalid_argument("reportSegments: the segment map is not on the liver's grid");
  SegmentReport r;
  r.method = method;
  r.description = description;
  const std::size_t count = liver.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* l = liver.GetBufferPointer();
  const std::uint16_t* s = segments.GetBufferPointer();
  std::uint64_t outside = 0;
  for (std::size_t v = 0; v < count; ++v)
    if (l[v] != 0)
    {
      if (s[v] >= 1 && s[v] <= 8)
        ++r.voxels[s[v]];
      else
        ++r.voxels[0];
    }
    else if (s[v] != 0)
      ++outside;
  const auto& sp = liver.GetSpacing();
  const double voxelMl = sp[0] * sp[1] * sp[2] / 1000.0;
  for (int k = 0; k <= 8; ++k)
    r.volumeMl[k] = static_cast<double>(r.voxels[k]) * voxelMl;
  for (int k = 1; k <= 8; ++k)
    if (r.voxels[k] == 0)
      r.warnings.push_back("segment " + std::to_string(k) + " is empty");
  if (r.voxels[0] > 0)
    r.warnings.push_back(std::to_string(r.voxels[0]) + " liver voxel(s) have no segment 1..8");
  if (outside > 0)
    r.warnings.push_back(std::to_string(outside) + " segment voxel(s) lie outside the liver");
  return r;
}

CouinaudResult segmentsFromLandmarks(const LabelImage& liver,
                                     const HepaticLandmarks& landmarks,
                                     const std::string& file)
{
  CouinaudResult result;
  result.planes = couinaudPlanesFromLandmarks(landmarks, file);
  result.segments = assignCouinaudSegments(liver, result.planes);
  result.report = reportSegments(
    liver,
    *result.segments,
    SegmentMethod::Landmarks,
    "Couinaud segments from landmark planes: Cantlie (MHV + IVC), right sector (RHV + IVC), "
    "umbilical (LHV + umbilical fissure), transverse through the portal bifurcation; segment 1 "
    "around the IVC below the confluence" +
      (file.empty() ? std::string() : " (" + file + ")"));
  return result;
}

CouinaudResult approximateSegments(const LabelImage& liver, const LabelImage* vessels)
{
  CouinaudResult result;
  result.planes = approximateCouinaudPlanes(liver, vessels);
  result.segments = assignCouinaudSegments(liver, result.planes);
  const bool ivc = result.planes.caudate.ivcSource == "vessel map";
  result.report = reportSegments(
    liver,
    *result.segments,
    SegmentMethod::Approximation,
    "approximation: Couinaud segments from the liver mask's geometry with population-average "
    "plane tilts and volume fractions, not from the patient's vessels; expect errors of a "
    "centimetre or more at segment borders (on the project phantom, drawn close to average "
    "anatomy: mean Dice 0.82, 0.88 with an IVC map; real livers will do worse) - check on the "
    "images or use landmarks");
  if (!ivc)
    result.report.warnings.push_back(
      "approximation: segment 1 placed around an assumed IVC at the liver's posterior border on "
      "the Cantlie plane (no IVC in a vessel map)");
  return result;
}

} // namespace liver
