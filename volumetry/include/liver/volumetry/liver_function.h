#pragma once
/// Body surface area, standard liver volume, remnant ratios and sFLR thresholds (DESIGN.md §3).

#include <string>

namespace liver
{

enum class BsaFormula
{
  Mosteller, ///< sqrt(height cm x weight kg / 3600) (default)
  DuBois     ///< 0.007184 x H^0.725 x W^0.425
};

enum class SlvFormula
{
  Vauthey,  ///< -794.41 + 1267.28 x BSA (default; Vauthey, Liver Transpl 2002)
  Urata,    ///< 706.2 x BSA + 2.4
  Heinemann ///< 1072.8 x BSA - 345.7 (Liver Transpl Surg 1999)
};

enum class LiverCondition
{
  Normal,       ///< 20 % (Kishi 2009)
  Chemotherapy, ///< chemotherapy > 12 weeks: 30 % (Shindoh, Ann Surg Oncol 2013)
  Steatosis,    ///< 30 % (Abdalla et al., Ann Surg Oncol 2006, consensus)
  Cirrhosis,    ///< 40 % (Azoulay)
  Unknown       ///< default 30 % (seed guideline)
};

/// Body surface area in m². std::invalid_argument unless 50 <= height cm <= 250 and
/// 20 <= weight kg <= 350.
double bodySurfaceAreaM2(double heightCm,
                         double weightKg,
                         BsaFormula formula = BsaFormula::Mosteller);

/// Standard liver volume in mL from BSA in m².
double standardLiverVolumeMl(double bsaM2, SlvFormula formula = SlvFormula::Vauthey);

/// Measured FLR % = FLR / (TLV - tumour) x 100. std::invalid_argument when the functional volume
/// is not positive or the remnant is negative or exceeds it.
double measuredFlrPercent(double flrMl, double totalLiverMl, double tumourMl);

/// The FLR % formula itself: flrMl / functionalMl x 100, the one measuredFlrPercent applies after
/// checking its volumes against each other. For volumes that need not come from one labelling
/// (evaluatePlan's band: the liver boundary moved by one voxel, so the remnant may exceed the
/// moved functional volume). std::invalid_argument unless flrMl >= 0 and functionalMl > 0.
double flrPercentOfFunctional(double flrMl, double functionalMl);

/// A volume as a percentage of another: partMl / wholeMl x 100, the one ratio behind the FLR %,
/// the sFLR %, FLR / body weight, a Couinaud segment's share of the functional volume and TLV as
/// a percentage of SLV. std::invalid_argument unless partMl >= 0 and wholeMl > 0.
double volumePercent(double partMl, double wholeMl);

/// Standardized FLR % = FLR / SLV x 100.
double standardizedFlrPercent(double flrMl, double slvMl);

/// FLR / body weight % = FLR mL / (weight kg x 1000) x 100 (<= 0.5 % raises morbidity: Truant
/// 2007).
double flrBodyWeightPercent(double flrMl, double weightKg);

/// The seed rule's default minimum sFLR %: "an adequate liver remnant of at least 30 % of
/// standard hepatic volume" (DESIGN.md §3 Thresholds).
inline constexpr double DefaultMinimumSflrPercent = 30.0;

/// The minimum sFLR % for a liver condition, with the source id of the number.
struct FlrThreshold
{
  double minimumPercent;
  std::string source;
  std::string rationale;
};
FlrThreshold flrThreshold(LiverCondition condition);

/// Chemotherapy given for more than this many weeks (or for an unknown time) makes the liver a
/// chemotherapy-exposed one: LiverCondition::Chemotherapy, 30 % (Shindoh, Ann Surg Oncol 2013).
inline constexpr double ChemotherapyInjuryWeeks = 12.0;

/// Parse names used on the command line and in JSON ("mosteller", "vauthey", "cirrhosis", ...).
/// std::invalid_argument naming the accepted values otherwise.
BsaFormula parseBsaFormula(const std::string& name);
SlvFormula parseSlvFormula(const std::string& name);
LiverCondition parseLiverCondition(const std::string& name);
std::string toString(BsaFormula formula);
std::string toString(SlvFormula formula);
std::string toString(LiverCondition condition);

} // namespace liver
