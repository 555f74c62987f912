#pragma once
/// Deterministic synthetic abdominal CT phantom with known labels and volumes.

#include <liver/imaging/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace liver
{

struct PhantomOptions
{
  std::uint32_t seed = 1;
  /// Voxel spacing in mm (x, y, z). The field of view is fixed (see PhantomFieldOfViewMm), so
  /// spacing sets the grid size; `size` overrides it when non-zero.
  std::array<double, 3> spacingMm{ 2.0, 2.0, 2.0 };
  std::array<unsigned, 3> size{ 0, 0, 0 };
  double noiseSdHu = 12.0;
  /// Growth of the left lateral section (segments 2 and 3) in percent of its volume, 0..100, as
  /// after portal vein embolization: the liver beyond the umbilical fissure plane is stretched
  /// away from that plane by 1 + percent/100 (so is the small part of the caudate beyond it),
  /// without covering other organs; lesions keep their size. Truth reports the voxel volumes.
  double leftLobeGrowthPercent = 0.0;
  /// Rigid pose of the whole patient, for a second study with a known motion: a rotation about the
  /// z axis through the field-of-view centre (degrees, -45..45, from +x towards +y), then a shift
  /// in LPS mm (-50..50 each). World point = R(rotationDeg) anatomy point + shiftMm. Lesion
  /// centres in truth are in world coordinates; phantomLandmarksJson describes the default pose.
  double rotationDeg = 0.0;
  std::array<double, 3> shiftMm{ 0.0, 0.0, 0.0 };
};

/// Fixed field of view of the phantom in mm (x, y, z).
constexpr std::array<double, 3> PhantomFieldOfViewMm{ 400.0, 400.0, 240.0 };

/// Label values of the phantom's organ map.
enum PhantomOrgan : std::uint16_t
{
  OrganNone = 0,
  OrganBody = 1,
  OrganLiver = 2,
  OrganSpleen = 3,
  OrganKidneyRight = 4,
  OrganKidneyLeft = 5,
  OrganSpine = 6,
  OrganPortalVein = 7,
  OrganHepaticVein = 8,
  OrganIvc = 9,
  OrganAorta = 10
};

/// A spherical lesion of the phantom.
struct PhantomLesion
{
  int id = 0;
  std::array<double, 3> centreLpsMm{};
  double radiusMm = 0.0;
  double analyticVolumeMl = 0.0; ///< 4/3 pi r^3
  std::uint64_t voxelCount = 0;
  double voxelVolumeMl = 0.0;
  int segment = 0; ///< Couinaud segment containing the centre
  bool nearLargeVessel = false;
};

/// Ground truth of a generated phantom.
struct PhantomTruth
{
  std::uint32_t seed = 0;
  double liverVolumeMl = 0.0; ///< voxel count x voxel volume (incl. lesions, vessels)
  std::uint64_t liverVoxelCount = 0;
  double tumourVolumeMl = 0.0;             ///< sum of lesion voxel volumes
  std::array<double, 9> segmentVolumeMl{}; ///< index 1..8 (0 unused)
  std::vector<PhantomLesion> lesions;
};

/// The phantom's images: CT in HU and ground-truth label maps on the same grid.
struct Phantom
{
  CtImage::Pointer ct;
  LabelImage::Pointer liver;    ///< 1 = liver (incl. intrahepatic vessels and lesions)
  LabelImage::Pointer lesions;  ///< 0 none, k lesion id
  LabelImage::Pointer segments; ///< 0 outside the liver, 1..8 Couinaud-like regions
  LabelImage::Pointer organs;   ///< PhantomOrgan values
  StudyInfo study;              ///< deterministic UIDs derived from the seed
  PhantomTruth truth;
};

/// Generate the phantom. Same options, same voxels, on every run and platform.
/// std::invalid_argument for non-positive or NaN spacing, a grid over 1024 voxels per axis, a
/// partly zero `size`, a negative noise SD, or a growth, rotation or shift out of its range.
Phantom makePhantom(const PhantomOptions& options);

/// Write ct.nii.gz, liver.nii.gz, lesions.nii.gz, segments.nii.gz, organs.nii.gz and truth.json
/// into `directory` (created if needed). Each file is written atomically.
void writePhantom(const Phantom& phantom, const std::string& directory);

/// Write the CT as a DICOM series (one file per slice, one study, one series, unique UIDs,
/// ImagePositionPatient, ImageOrientationPatient, PixelSpacing, SliceThickness, RescaleSlope 1 and
/// RescaleIntercept -1024 over unsigned stored values) into `directory`, written in a temporary
/// sibling folder and renamed into place. OutputError when `directory` exists and is not empty.
void writePhantomDicom(const Phantom& phantom, const std::string& directory);

/// Deterministic DICOM UID "2.25.<128-bit decimal>" of the phantom with `seed`, one per `role`
/// ("study", "series", "frame-of-reference", "sop", ...) and `index` (e.g. the slice).
std::string phantomUid(std::uint32_t seed, const std::string& role, std::uint64_t index = 0);

/// landmarks.json text (LPS mm) on the phantom's true dividing planes, portal bifurcation, IVC
/// axis and caudate bounds: the segments they define reproduce the phantom's segment map.
std::string phantomLandmarksJson();

/// Truth as JSON text (units mL and mm, LPS convention stated at the top).
std::string phantomTruthJson(const PhantomTruth& truth, const CtImage& grid);

} // namespace liver

namespace liver
{

/// A folder of phantom DICOM studies as a PACS export delivers them, for batch processing tests
/// and throughput benchmarks.
struct StudyTreeOptions
{
  unsigned studies = 20;                            ///< number of studies (one patient each)
  std::uint32_t firstSeed = 101;                    ///< study k uses seed firstSeed + k
  std::array<double, 3> spacingMm{ 4.0, 4.0, 4.0 }; ///< of the main series
  std::array<unsigned, 3> size{ 0, 0, 0 };          ///< grid of the main series; overrides spacing
  /// Add the faults a real export has: a localizer and a thicker CT series in every study, an MR
  /// series in every fourth, a truncated slice (study 3), a missing slice (study 5), a study with
  /// no CT (study 7), a non-DICOM file and a SEG-like object at the root.
  bool faults = true;
};

/// What a study of the tree should give.
struct StudyTreeEntry
{
  std::string studyInstanceUid;
  std::string patientId;
  std::string expectedSeriesUid; ///< the series to analyse; empty when none qualifies
  std::string expectedStatus;    ///< "ok" or "error"
  std::string fault;             ///< "" or what was done to the study
};

/// Write the tree into `root` (created; OutputError when it exists and is not empty) as
/// root/patient-NN/study/series-M/IMxxxxx.dcm and return the expectations, in study order.
std::vector<StudyTreeEntry> writePhantomStudyTree(const std::string& root,
                                                  const StudyTreeOptions& options);

} // namespace liver
