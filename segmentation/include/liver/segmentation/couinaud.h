#pragma once
/// Couinaud segments 1..8 made from hepatic landmarks (classical planes, DESIGN.md §3 Anatomy) or
/// approximated from the liver mask's own geometry. All points in LPS mm: +x patient left,
/// +y posterior, +z superior.

#include <liver/imaging/types.h>

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace liver
{

/// Points a user placed on the CT (landmarks.json), LPS mm.
struct HepaticLandmarks
{
  std::vector<Eigen::Vector3d> rightHepaticVein;  ///< >= 2 points along the RHV
  std::vector<Eigen::Vector3d> middleHepaticVein; ///< >= 2 points along the MHV
  std::vector<Eigen::Vector3d> leftHepaticVein;   ///< >= 2 points along the LHV
  std::vector<Eigen::Vector3d> ivc; ///< >= 2 points on the IVC axis; the most superior one
                                    ///< marks the hepatic-vein confluence (top of segment 1)
  Eigen::Vector3d portalBifurcation = Eigen::Vector3d::Zero();
  std::vector<Eigen::Vector3d> umbilicalFissure; ///< >= 1 point in the umbilical fissure
  double caudateRadiusMm = 32.0; ///< segment 1 lies within this distance of the IVC axis
  double ivcRadiusMm = 12.0;     ///< segment 1 starts at the IVC's right wall (axis - radius)
};

/// A plane {point, unit normal}; `positiveSide` names what lies on the normal's side.
struct SegmentPlane
{
  std::string name;
  Eigen::Vector3d pointLpsMm = Eigen::Vector3d::Zero();
  Eigen::Vector3d normal = Eigen::Vector3d::UnitZ();
  std::string positiveSide;
  double rmsResidualMm = 0.0; ///< least-squares fit residual (0 for planes not fitted)
};

/// Segment 1 (caudate): liver voxels below the confluence (along the IVC axis), within
/// `radiusMm` of the IVC axis, posterior to the coronal plane through the portal bifurcation and
/// to the patient's left of the IVC's right wall (axis - ivcRadiusMm along x).
struct CaudateRegion
{
  Eigen::Vector3d ivcPointLpsMm = Eigen::Vector3d::Zero(); ///< a point on the IVC axis
  Eigen::Vector3d ivcDirection = Eigen::Vector3d::UnitZ(); ///< unit, pointing superior
  double topAlongAxisMm = 0.0; ///< confluence: offset of the top along ivcDirection
  double radiusMm = 32.0;
  double ivcRadiusMm = 12.0;
  double bifurcationYMm = 0.0; ///< y of the portal bifurcation (coronal bound)
  std::string ivcSource;       ///< "landmarks", "vessel map" or "assumed"
};

/// The four planes and the caudate rule that define segments 1..8.
struct CouinaudPlanes
{
  SegmentPlane cantlie;     ///< MHV + IVC; positive = left liver (2, 3, 4)
  SegmentPlane rightSector; ///< RHV + IVC; positive = right posterior section (6, 7)
  SegmentPlane umbilical;   ///< LHV + umbilical fissure; positive = left lateral section (2, 3)
  SegmentPlane transverse;  ///< through the portal bifurcation; positive = superior (7, 8, 2, 4a)
  CaudateRegion caudate;
};

/// How a segment map was made.
enum class SegmentMethod
{
  Imported,     ///< a map the user brought (--segments, --totalseg)
  Landmarks,    ///< planes from landmarks.json
  Approximation ///< from the liver mask's geometry (approximateCouinaudPlanes)
};

/// "imported", "landmarks" or "approximation".
std::string toString(SegmentMethod method);

/// What made a segment map, its per-segment volumes and warnings.
struct SegmentReport
{
  SegmentMethod method = SegmentMethod::Imported;
  std::string description;               ///< one line a reader can quote
  std::array<std::uint64_t, 9> voxels{}; ///< index 1..8 (0 = liver voxels without a segment)
  std::array<double, 9> volumeMl{};      ///< index 1..8 (0 = liver voxels without a segment)
  std::vector<std::string> warnings;     ///< empty segments, unassigned liver voxels
};

/// A segment map with the planes that made it and its report.
struct CouinaudResult
{
  LabelImage::Pointer segments; ///< 0 outside the liver, 1..8 inside; on the liver's grid
  CouinaudPlanes planes;
  SegmentReport report;
};

/// Read landmarks.json (schema in the README). InputError naming the file and key for an
/// unreadable file, a missing key, too few points, a non-numeric or non-finite coordinate.
HepaticLandmarks loadLandmarks(const std::string& path);

/// Parse landmarks.json text; `file` names the source in InputError messages.
HepaticLandmarks parseLandmarks(const std::string& text, const std::string& file);

/// Fit the planes (least squares, Eigen SVD) and orient them in LPS. InputError naming `file` and
/// the key for degenerate point sets (collinear, or a plane within 30 degrees of horizontal).
CouinaudPlanes couinaudPlanesFromLandmarks(const HepaticLandmarks& landmarks,
                                           const std::string& file = "");

/// Approximate planes from the liver mask alone: vertical planes at fixed tilts placed at
/// population-average volume fractions (left of Cantlie 33 %, left lateral 16 %, right posterior
/// 42 % of the right liver), a transverse plane halving the volume, segment 1 around the IVC of
/// `vessels` (VesselInferiorVenaCava) when on the liver's grid, else around an assumed IVC at the
/// liver's posterior border on the Cantlie plane. InputError for an empty liver.
CouinaudPlanes approximateCouinaudPlanes(const LabelImage& liver, const LabelImage* vessels);

/// Segment (1..8) of one point in LPS mm.
int couinaudSegmentAt(const CouinaudPlanes& planes, const Eigen::Vector3d& pointLpsMm);

/// Assign every liver voxel (non-zero) to 1..8; 0 elsewhere. Same grid as `liver`.
LabelImage::Pointer assignCouinaudSegments(const LabelImage& liver, const CouinaudPlanes& planes);

/// Per-segment voxels and mL of `segments` within `liver`; warns for empty segments 1..8 and for
/// liver voxels without a segment. std::invalid_argument when the grids differ.
SegmentReport reportSegments(const LabelImage& liver,
                             const LabelImage& segments,
                             SegmentMethod method,
                             const std::string& description);

/// Segments from landmarks: planes, assignment and report (method Landmarks).
CouinaudResult segmentsFromLandmarks(const LabelImage& liver,
                                     const HepaticLandmarks& landmarks,
                                     const std::string& file = "");

/// Segments approximated from the liver's geometry (method Approximation); the description says
/// "approximation" and the expected accuracy.
CouinaudResult approximateSegments(const LabelImage& liver, const LabelImage* vessels);

} // namespace liver
