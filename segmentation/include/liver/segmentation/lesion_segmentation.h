#pragma once
/// Automatic detection of focal liver lesions (hypodense by default, hyperdense on request) inside
/// a liver mask, with a detection confidence per lesion.

#include <liver/imaging/types.h>

#include <array>
#include <string>
#include <vector>

namespace liver
{

/// A hypodense candidate whose mean is below this is fat (fat is about -190..-30 HU; -10 allows
/// for partial volume with the parenchyma): the falciform ligament, a fissure or the gallbladder
/// fossa, not a metastasis.
constexpr double FatMaxHu = -10.0;

struct LesionSegmentationOptions
{
  /// Minimum reportable size: candidates whose equivalent-sphere diameter is below this (mm) are
  /// not reported. 5 mm: below it lesions are not characterisable on 1-2 mm venous CT.
  double minDiameterMm = 5.0;
  double maxElongation = 4.0; ///< longest / shortest principal axis above this: a vessel
  /// How far a lesion may grow beyond its dark core (mm), in each of its two growths: against
  /// the liver's median (detection), then, once kept, against the parenchyma around it (outline).
  double marginMm = 5.0;
  /// Look for lesions brighter than the liver (hypervascular metastases in the arterial phase)
  /// instead of darker; elongated bright structures (enhancing vessels) are dropped by shape.
  bool hyperdense = false;
  /// Contrast phase assumed: "portal-venous", "arterial", "delayed", "non-contrast" or "unknown"
  /// (the QC estimate or the DICOM guess). Recorded in the report; in "non-contrast" vessels are
  /// darker than the parenchyma, so dark tubes are expected and refused more strictly.
  std::string phase = "unknown";
  /// Analysis grid: the CT's spacing times whole factors, each as close to this as possible (mm).
  double gridMm = 1.6;
  /// Lesions with a lower detection confidence (0-1, see LesionCandidate) are not reported.
  double minConfidence = 0.5;
  /// Lesions the liver's surface cuts are completed outside the mask with the sphere fitted to
  /// their interface with the parenchyma (LesionSegmentation::addedToLiver).
  bool completeAtSurface = true;
};

/// One candidate the detector weighed (every candidate at least the minimum reportable size),
/// with the features its decision and confidence came from. With S(x; c, w) = 1 / (1 + e^-(x-c)/w),
/// a soft step that is 0.5 at c:
///   confidence = S(min(contrastSd, edgeContrastSd); 3, 0.4) x shape
///              x S(diameterMm; minDiameterMm + 1, 1) x S(depthMm; 3, 1)
///              x (1 - S(vesselRimFraction; 0.5, 0.1)),
///   shape      = max(S(blobness; 0.45, 0.05), S(thicknessMm; 16, 2)),
/// with the blobness centre at 0.55 in the non-contrast phase (dark vessels). The thickness term
/// holds for hypodense candidates outside the non-contrast phase only: a dark region that a
/// 16 mm ball fits inside is thicker than any gap between enhanced vessels, so a large flat or
/// lobulated tumour (IRCAD patient01's 84 mL metastasis has blobness 0.48) is not judged a
/// sheet; without contrast the IVC and the portal trunk are dark tubes that thick, and in the
/// hyperdense search enhanced vessels are. Refused whatever the confidence: fat (mean below
/// FatMaxHu or a tenth of it at -30 HU or below), tubular (elongation above maxElongation, or
/// blobness 0.1 below its centre unless the thickness term is above 0.5), extrahepatic (see
/// completeAtSurface).
struct LesionCandidate
{
  int id = 0;              ///< lesion id in LesionSegmentation::lesions, 0 = not reported
  std::string decision;    ///< "lesion" or why not ("tubular", "fat", "low confidence", ...)
  double volumeMl = 0.0;   ///< on the analysis grid, including any part added outside the liver
  double diameterMm = 0.0; ///< equivalent-sphere diameter
  double meanHu = 0.0;
  double contrastSd = 0.0; ///< (parenchyma - mean) / liver robust SD (sign flipped if hyperdense);
                           ///< parenchyma: the liver's median or, where brighter, the median of
                           ///< the liver around the candidate (10 mm blocks, 3x3x3 of them)
  double edgeContrastSd = 0.0; ///< (median of the liver rim around it - mean) / liver robust SD
  double blobness = 0.0; ///< inscribed radius / equivalent-sphere radius: 1 ball, < 0.5 tube/sheet
  double thicknessMm = 0.0; ///< diameter of the largest ball inside it (twice the inscribed radius)
  double elongation = 0.0;  ///< longest / shortest principal axis
  double depthMm = 0.0;     ///< deepest point's distance to the liver surface
  double vesselRimFraction = 0.0; ///< of the rim around it that is vessel-bright, 3 SD above that
                                  ///< parenchyma (gap between vessels)
  double outsideMl = 0.0;         ///< part added beyond the given liver surface
  double confidence = 0.0;        ///< 0-1, product of the feature terms (lesion_segmentation.cpp)
  std::array<double, 3> centroidLpsMm{ 0.0, 0.0, 0.0 };
};

/// What the detector decided, for the result JSON.
struct LesionSegmentationReport
{
  std::string phase; ///< the phase assumed (options.phase)
  bool hyperdense = false;
  double minDiameterMm = 0.0;                    ///< the minimum reportable size used
  std::array<double, 3> gridMm{ 0.0, 0.0, 0.0 }; ///< analysis grid spacing
  double liverMedianHu = 0.0;
  double liverSigmaHu = 0.0;    ///< robust SD (1.4826 x MAD) of the liver's HU on the grid
  double coreThresholdHu = 0.0; ///< cores are darker than this (brighter if hyperdense)
  std::size_t candidates = 0;   ///< dark cores, of any size
  std::size_t rejectedSmall = 0;
  std::size_t rejectedElongated = 0; ///< tubular: elongated or thin (vessel, duct, fissure)
  std::size_t rejectedFat = 0; ///< mean below FatMaxHu: fat in a fissure or ligament, not a lesion
  std::size_t rejectedOther = 0; ///< low confidence, surface partial volume, extrahepatic mass
  std::vector<LesionCandidate> weighed; ///< candidates of reportable size, reported ones first
  std::vector<std::string> steps;
};

struct LesionSegmentation
{
  LabelImage::Pointer lesions; ///< 0 none, k = lesion k (1 = largest), on the CT's grid
  std::size_t count = 0;
  /// Voxels of reported lesions outside the given liver mask (1), on the CT's grid: lesions the
  /// mask's surface cut. Tumours belong to the liver: add them to it (TLV).
  LabelImage::Pointer addedToLiver;
  double addedToLiverMl = 0.0;
  LesionSegmentationReport report;
};

/// Find focal lesions inside `liver` (non-zero = liver) on `ct`. On a grid of about
/// options.gridMm (box means of the CT's voxels): cores darker than the liver's median by
/// max(3 robust SD, 10 HU), grown over cells darker than the liver by a third of their contrast,
/// completed beyond the liver surface where it cut them, weighed by contrast, blobness, size and
/// position (see LesionCandidate), then outlined on the CT's own grid. std::invalid_argument when
/// the grids differ, the liver is empty or an option is out of range.
LesionSegmentation segmentLesions(const CtImage& ct,
                                  const LabelImage& liver,
                                  const LesionSegmentationOptions& options = {});

/// Set `liver` (non-zero = liver) to 1 where `lesions.addedToLiver` is set.
void addLesionsToLiver(LabelImage& liver, const LesionSegmentation& lesions);

/// Imported lesion ids (`imported`) with the detected lesions (`detected`, on the same grid) that
/// touch none of them added after, as new ids from the highest imported id + 1 in the order their
/// first voxels come in the image. std::invalid_argument when the grids differ in size or more than
/// 65,535 ids would be needed.
LabelImage::Pointer mergeLesionMaps(const LabelImage& imported, const LabelImage& detected);

} // namespace liver
