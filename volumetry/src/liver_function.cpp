/// Body surface area, standard liver volume, remnant ratios and sFLR thresholds (DESIGN.md §3).

#include <liver/volumetry/liver_function.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace liver
{
namespace
{

/// Accepted body measurements (DESIGN.md §5: absurd height/weight is an error, never a guess).
constexpr double kMinHeightCm = 50.0;
constexpr double kMaxHeightCm = 250.0;
constexpr double kMinWeightKg = 20.0;
constexpr double kMaxWeightKg = 350.0;
/// Largest accepted BSA: both formulas stay below 4.93 m² at 250 cm and 350 kg.
constexpr double kMaxBsaM2 = 5.0;

/// A number in its shortest round-trip form, for messages.
std::string formatNumber(double value)
{
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

[[noreturn]] void reject(const std::string& function,
                         const std::string& parameter,
                         double value,
                         const std::string& requirement)
{
  throw std::invalid_argument(function + ": " + parameter + " = " + formatNumber(value) + " " +
                              requirement);
}

/// Throws unless lo <= value <= hi (NaN is rejected).
void requireInRange(const std::string& function,
                    const std::string& parameter,
                    double value,
                    double lo,
                    double hi)
{
  if (!(value >= lo && value <= hi))
  {
    reject(function,
           parameter,
           value,
           "is outside the accepted range [" + formatNumber(lo) + ", " + formatNumber(hi) + "]");
  }
}

/// Throws unless value is finite and >= 0.
void requireNonNegative(const std::string& function, const std::string& parameter, double value)
{
  if (!(std::isfinite(value) && value >= 0.0))
  {
    reject(function, parameter, value, "must be finite and non-negative");
  }
}

/// Throws unless value is finite and > 0.
void requirePositive(const std::string& function, const std::string& parameter, double value)
{
  if (!(std::isfinite(value) && value > 0.0))
  {
    reject(function, parameter, value, "must be finite and positive");
  }
}

std::string toLower(std::string text)
{
  std::transform(text.begin(),
                 text.end(),
                 text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

[[noreturn]] void rejectName(const std::string& what,
                             const std::string& name,
                             const std::string& accepted)
{
  throw std::invalid_argument("unknown " + what + " '" + name + "'; accepted values: " + accepted);
}

/// The SLV regression of `formula` at `bsaM2`, unchecked.
double slvFromBsaMl(double bsaM2, SlvFormula formula)
{
  switch (formula)
  {
    case SlvFormula::Vauthey:
      // Vauthey et al., Liver Transpl 2002.
      return -794.41 + 1267.28 * bsaM2;
    case SlvFormula::Urata:
      // Urata et al., Hepatology 1995.
      return 706.2 * bsaM2 + 2.4;
    case SlvFormula::Heinemann:
      // Heinemann et al., Liver Transpl Surg 1999.
      return 1072.8 * bsaM2 - 345.7;
  }
  throw std::invalid_argument("standardLiverVolumeMl: formula = " +
                              std::to_string(static_cast<int>(formula)) + " is not an SlvFormula");
}

} // namespace

double bodySurfaceAreaM2(double heightCm, double weightKg, BsaFormula formula)
{
  requireInRange("bodySurfaceAreaM2", "heightCm", heightCm, kMinHeightCm, kMaxHeightCm);
  requireInRange("bodySurfaceAreaM2", "weightKg", weightKg, kMinWeightKg, kMaxWeightKg);
  switch (formula)
  {
    case BsaFormula::Mosteller:
      // Mosteller, N Engl J Med 1987.
      return std::sqrt(heightCm * weightKg / 3600.0);
    case BsaFormula::DuBois:
      // DuBois & DuBois, Arch Intern Med 1916.
      return 0.007184 * std::pow(heightCm, 0.725) * std::pow(weightKg, 0.425);
  }
  throw std::invalid_argument("bodySurfaceAreaM2: formula = " +
                              std::to_string(static_cast<int>(formula)) + " is not a BsaFormula");
}

double standardLiverVolumeMl(double bsaM2, SlvFormula formula)
{
  if (!(bsaM2 > 0.0 && bsaM2 <= kMaxBsaM2))
  {
    reject("standardLiverVolumeMl",
           "bsaM2",
           bsaM2,
           "is outside the accepted range (0, " + formatNumber(kMaxBsaM2) + "]");
  }
  const double slvMl = slvFromBsaMl(bsaM2, formula);
  if (!(slvMl > 0.0))
  {
    // The linear fits cross zero for small bodies (Vauthey below BSA 0.627 m²).
    reject("standardLiverVolumeMl",
           "bsaM2",
           bsaM2,
           "gives a non-positive standard liver volume (" + formatNumber(slvMl) + " mL) with the " +
             toString(formula) + " formula");
  }
  return slvMl;
}

double measuredFlrPercent(double flrMl, double totalLiverMl, double tumourMl)
{
  requireNonNegative("measuredFlrPercent", "flrMl", flrMl);
  requirePositive("measuredFlrPercent", "totalLiverMl", totalLiverMl);
  requireNonNegative("measuredFlrPercent", "tumourMl", tumourMl);
  const double functionalMl = totalLiverMl - tumourMl;
  if (!(functionalMl > 0.0))
  {
    reject("measuredFlrPercent",
           "tumourMl",
           tumourMl,
           "leaves no functional liver (totalLiverMl = " + formatNumber(totalLiverMl) + ")");
  }
  // A relative slack of 1e-12 absorbs the rounding of volumes computed as count x voxel volume.
  if (flrMl > functionalMl * (1.0 + 1e-12))
  {
    reject("measuredFlrPercent",
           "flrMl",
           flrMl,
           "exceeds the functional liver volume (totalLiverMl - tumourMl = " +
             formatNumber(functionalMl) + ")");
  }
  return flrPercentOfFunctional(flrMl, functionalMl);
}

double volumePercent(double partMl, double wholeMl)
{
  requireNonNegative("volumePercent", "partMl", partMl);
  requirePositive("volumePercent", "wholeMl", wholeMl);
  return partMl / wholeMl * 100.0;
}

double flrPercentOfFunctional(double flrMl, double functionalMl)
{
  requireNonNegative("flrPercentOfFunctional", "flrMl", flrMl);
  requirePositive("flrPercentOfFunctional", "functionalMl", functionalMl);
  return volumePercent(flrMl, functionalMl);
}

double standardizedFlrPercent(double flrMl, double slvMl)
{
  requireNonNegative("standardizedFlrPercent", "flrMl", flrMl);
  requirePositive("standardizedFlrPercent", "slvMl", slvMl);
  return volumePercent(flrMl, slvMl);
}

double flrBodyWeightPercent(double flrMl, double weightKg)
{
  requireNonNegative("flrBodyWeightPercent", "flrMl", flrMl);
  requireInRange("flrBodyWeightPercent", "weightKg", weightKg, kMinWeightKg, kMaxWeightKg);
  // FLR mL / (weight kg x 1000) x 100, i.e. taking 1 mL of liver as 1 g (Truant, JACS 2007).
  return volumePercent(flrMl, weightKg * 1000.0);
}

FlrThreshold flrThreshold(LiverCondition condition)
{
  // Each number once: the rationale quotes the threshold it explains.
  const auto make =
    [](double percent, const char* source, const std::string& before, const std::string& after)
  {
    char number[32];
    std::snprintf(number, sizeof number, "%g %%", percent);
    return FlrThreshold{ percent, source, before + number + after };
  };
  switch (condition)
  {
    case LiverCondition::Normal:
      return make(20.0,
                  "Kishi 2009",
                  "A normal liver tolerates resection down to an sFLR of ",
                  "; below it postoperative liver insufficiency becomes frequent.");
    case LiverCondition::Chemotherapy:
    {
      char weeks[32];
      std::snprintf(weeks, sizeof weeks, "%g", ChemotherapyInjuryWeeks);
      return make(30.0,
                  "Shindoh, Ann Surg Oncol 2013",
                  std::string("More than ") + weeks +
                    " weeks of preoperative chemotherapy injures the parenchyma, so the remnant "
                    "must reach an sFLR of ",
                  ".");
    }
    case LiverCondition::Steatosis:
      return make(30.0,
                  "Abdalla et al., Ann Surg Oncol 2006 (consensus)",
                  "A steatotic liver functions and regenerates less well, so the remnant must "
                  "reach an sFLR of ",
                  ".");
    case LiverCondition::Cirrhosis:
      return make(40.0,
                  "Azoulay",
                  "A cirrhotic liver needs an sFLR of ",
                  " to keep the risk of postoperative liver failure acceptable.");
    case LiverCondition::Unknown:
      return make(DefaultMinimumSflrPercent,
                  "seed guideline",
                  "Without a known liver condition the seed rule applies: an adequate liver "
                  "remnant of at least ",
                  " of standard hepatic volume (approximately two segments minimum).");
  }
  throw std::invalid_argument(
    "flrThreshold: condition = " + std::to_string(static_cast<int>(condition)) +
    " is not a LiverCondition");
}

BsaFormula parseBsaFormula(const std::string& name)
{
  const std::string key = toLower(name);
  if (key == "mosteller")
    return BsaFormula::Mosteller;
  if (key == "dubois")
    return BsaFormula::DuBois;
  rejectName("BSA formula", name, "mosteller, dubois");
}

SlvFormula parseSlvFormula(const std::string& name)
{
  const std::string key = toLower(name);
  if (key == "vauthey")
    return SlvFormula::Vauthey;
  if (key == "urata")
    return SlvFormula::Urata;
  if (key == "heinemann")
    return SlvFormula::Heinemann;
  rejectName("SLV formula", name, "vauthey, urata, heinemann");
}

LiverCondition parseLiverCondition(const std::string& name)
{
  const std::string key = toLower(name);
  if (key == "normal")
    return LiverCondition::Normal;
  if (key == "chemotherapy")
    return LiverCondition::Chemotherapy;
  if (key == "steatosis")
    return LiverCondition::Steatosis;
  if (key == "cirrhosis")
    return LiverCondition::Cirrhosis;
  if (key == "unknown")
    return LiverCondition::Unknown;
  rejectName("liver condition", name, "normal, chemotherapy, steatosis, cirrhosis, unknown");
}

std::string toString(BsaFormula formula)
{
  switch (formula)
  {
    case BsaFormula::Mosteller:
      return "mosteller";
    case BsaFormula::DuBois:
      return "dubois";
  }
  throw std::invalid_argument("toString: " + std::to_string(static_cast<int>(formula)) +
                              " is not a BsaFormula");
}

std::string toString(SlvFormula formula)
{
  switch (formula)
  {
    case SlvFormula::Vauthey:
      return "vauthey";
    case SlvFormula::Urata:
      return "urata";
    case SlvFormula::Heinemann:
      return "heinemann";
  }
  throw std::invalid_argument("toString: " + std::to_string(static_cast<int>(formula)) +
                              " is not an SlvFormula");
}

std::string toString(LiverCondition condition)
{
  switch (condition)
  {
    case LiverCondition::Normal:
      return "normal";
    case LiverCondition::Chemotherapy:
      return "chemotherapy";
    case LiverCondition::Steatosis:
      return "steatosis";
    case LiverCondition::Cirrhosis:
      return "cirrhosis";
    case LiverCondition::Unknown:
      return "unknown";
  }
  throw std::invalid_argument("toString: " + std::to_string(static_cast<int>(condition)) +
                              " is not a LiverCondition");
}

} // namespace liver
