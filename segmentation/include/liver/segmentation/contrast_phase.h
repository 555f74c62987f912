#pragma once
/// Contrast phase measured from the CT itself: aorta, portal vein and liver HU, then a rule-based
/// classification (non-contrast, arterial, portal-venous, delayed) with a confidence.
///
/// Timing after injection (TotalSegmentator, resources/contrast_phase_prediction.md, which
/// classifies median HU of 20 structures with xgboost): native 0-10 s, arterial 10-60 s, portal
/// venous 60-100 s, delayed > 100 s. The classical equivalent used here (SEGMENTATION.md §6):
/// - unenhanced blood is about 40 HU (30-60), so an aorta below NonContrastMaxAortaHu is native;
/// - arterial: the aorta has taken up far more contrast than the portal vein (portal enhancement
///   below ArterialMaxPortalRatio of the aortic one, both above unenhanced blood), or, with no
///   portal vein measured, an aorta of at least ArterialMinAortaHu;
/// - portal-venous: portal vein about as enhanced as the aorta, aorta at least
///   PortalMinAortaHu (aorta typically 150-200 HU, liver 100-130 HU);
/// - delayed: portal vein and aorta equal and both only moderately enhanced (aorta below
///   PortalMinAortaHu).
/// The thresholds are this project's reading of typical values (assumption, not a cited cut-off).

#include <liver/imaging/types.h>

#include <array>
#include <optional>
#include <string>

namespace liver
{

enum class ContrastPhase
{
  Unknown,
  NonContrast,
  Arterial,
  PortalVenous,
  Delayed
};

/// "non-contrast", "arterial", "portal-venous", "delayed" or "unknown" (StudyInfo's vocabulary).
std::string toString(ContrastPhase phase);

constexpr double UnenhancedBloodHu = 40.0;     ///< assumption: typical unenhanced blood
constexpr double NonContrastMaxAortaHu = 90.0; ///< assumption: below = no intravascular contrast
constexpr double PortalMinAortaHu = 140.0;     ///< assumption: below (and enhanced) = delayed
constexpr double ArterialMinAortaHu = 250.0;   ///< assumption: aorta alone, no portal vein
constexpr double ArterialMaxPortalRatio = 0.6; ///< assumption: (PV − 40) / (aorta − 40) below

/// What was measured and concluded.
struct ContrastPhaseEstimate
{
  ContrastPhase phase = ContrastPhase::Unknown;
  std::optional<double> aortaHu;      ///< median over the slices where the aorta was found
  std::optional<double> portalVeinHu; ///< median of the portal vein at the liver hilum
  std::optional<double> liverHu;      ///< mode of the liver's HU histogram
  double confidence = 0.0;            ///< 0..1: margin to the deciding threshold and agreement
  std::string how;                    ///< one sentence: what was measured where, and the rule
  std::array<double, 3> aortaLpsMm{}; ///< a point of the aorta (median position), LPS mm
  std::size_t aortaSlices = 0;        ///< axial slices where the aorta was found and agreed
};

/// Phase from the aorta alone, before the liver is known: on every axial slice the vertebral
/// body is found (bone >= 300 HU near the posterior midline, holes filled) and the aorta is the
/// brightest homogeneous 5 mm disc 5-45 mm anterior and 10 mm right to 40 mm left of it; slices
/// that agree on its position give the median HU. Unknown (confidence 0) when no aorta is found.
ContrastPhaseEstimate estimateContrastPhase(const CtImage& ct);

/// The same, refined with a liver mask (non-zero = liver, on the CT's grid): the liver HU mode and
/// the portal vein (the largest vessel brighter than the liver entering the liver at its hilum)
/// are measured and used. std::invalid_argument when the grids differ.
ContrastPhaseEstimate estimateContrastPhase(const CtImage& ct, const LabelImage& liver);

/// The rule above on given values (exposed for tests and for callers that measured them).
ContrastPhaseEstimate classifyContrastPhase(std::optional<double> aortaHu,
                                            std::optional<double> portalVeinHu,
                                            std::optional<double> liverHu);

} // namespace liver
