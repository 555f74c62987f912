#pragma once
/// Automatic detection of hypodense liver lesions inside a liver mask.

#include <liver/imaging/types.h>

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
  double minDiameterMm = 5.0;    ///< smaller candidates are dropped (equivalent-sphere diameter)
  double maxElongation = 4.0;    ///< longest / shortest principal axis above this: a vessel
  double marginMm = 5.0;         ///< how far a lesion may grow beyond its dark core
  /// Look for lesions brighter than the liver (hypervascular metastases in the arterial phase)
  /// instead of darker; elongated bright structures (enhancing vessels) are dropped by shape.
  bool hyperdense = false;
};

/// What the detector decided, for the result JSON.
struct LesionSegmentationReport
{
  double liverMedianHu = 0.0;
  double liverSigmaHu = 0.0;      ///< robust SD (1.4826 x MAD) of the liver's HU
  double coreThresholdHu = 0.0;   ///< cores are darker than this
  std::size_t candidates = 0;
  std::size_t rejectedSmall = 0;
  std::size_t rejectedElongated = 0;
  std::size_t rejectedFat = 0; ///< mean below FatMaxHu: fat in a fissure or ligament, not a lesion
  std::vector<std::string> steps;
};

struct LesionSegmentation
{
  LabelImage::Pointer lesions; ///< 0 none, k = lesion k (1 = largest), on the CT's grid
  std::size_t count = 0;
  LesionSegmentationReport report;
};

/// Find hypodense lesions inside `liver` (non-zero = liver) on `ct`: dark cores (below the liver's
/// median by max(3 SD, 20 HU)) grown to the midpoint between their own HU and the liver's, then
/// filtered by size and shape. std::invalid_argument when the grids differ or the liver is empty.
LesionSegmentation segmentLesions(const CtImage& ct, const LabelImage& liver,
                                  const LesionSegmentationOptions& options = {});

} // namespace liver
