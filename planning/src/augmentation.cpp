#include <liver/planning/augmentation.h>

#include <liver/volumetry/liver_function.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace liver
{

const char* const AugmentationPopulationNote =
  "population estimates from published series (DESIGN.md §3 FLR augmentation), not a "
  "prediction for this patient; decision support for the multidisciplinary team";

namespace
{

std::string formatNumber(double value)
{
  std::ostringstream out;
  out << value;
  return out.str();
}

[[noreturn]] void fail(const std::string& name, double value, const std::string& requirement)
{
  throw std::invalid_argument(name + " = " + formatNumber(value) + ": " + requirement);
}

void requireNonNegative(const std::string& name, double value)
{
  if (!std::isfinite(value) || value < 0.0)
    fail(name, value, "must be a finite number >= 0");
}

void requirePositive(const std::string& name, double value)
{
  if (!std::isfinite(value) || value <= 0.0)
    fail(name, value, "must be a finite number > 0");
}

void requirePatientPercent(const std::string& name, double value)
{
  if (!std::isfinite(value) || value < 0.0 || value > 100.0)
    fail(name, value, "must be a percentage of patients in 0..100");
}

void requireWaitWeeks(const std::string& name, double value)
{
  if (!std::isfinite(value) || value <= 0.0 || value > 52.0)
    fail(name, value, "must be a number of weeks in (0, 52]");
}

void requireOrdered(const std::string& lowName,
                    double low,
                    const std::string& highName,
                    double high)
{
  if (low > high)
    throw std::invalid_argument(lowName + " = " + formatNumber(low) + " must not exceed " +
                                highName + " = " + formatNumber(high));
}

void validateThreshold(double thresholdPercent)
{
  if (!std::isfinite(thresholdPercent) || thresholdPercent <= 0.0 || thresholdPercent > 100.0)
    fail("thresholdPercent", thresholdPercent, "must be a percentage in (0, 100]");
}

AugmentationScenario scenario(const std::string& name,
                              double startSflrPercent,
                              double relativeHypertrophyPercent,
                              double thresholdPercent)
{
  AugmentationScenario s;
  s.name = name;
  s.relativeHypertrophyPercent = relativeHypertrophyPercent;
  s.predictedSflrPercent = startSflrPercent * (1.0 + relativeHypertrophyPercent / 100.0);
  s.reachesThreshold = s.predictedSflrPercent >= thresholdPercent;
  return s;
}

/// Linear growth from start (week 0) to the median prediction (waitWeeks).
std::optional<double> earliestWeek(double startSflrPercent,
                                   double medianSflrPercent,
                                   double waitWeeks,
                                   double thresholdPercent)
{
  if (startSflrPercent >= thresholdPercent)
    return 0.0;
  if (medianSflrPercent < thresholdPercent)
    return std::nullopt;
  return waitWeeks * (thresholdPercent - startSflrPercent) / (medianSflrPercent - startSflrPercent);
}

AugmentationPrediction predictGrowth(AugmentationStrategy strategy,
                                     double currentSflrPercent,
                                     double startSflrPercent,
                                     double thresholdPercent,
                                     double lowPercent,
                                     double medianPercent,
                                     double highPercent,
                                     double waitWeeks)
{
  AugmentationPrediction p;
  p.strategy = strategy;
  p.currentSflrPercent = currentSflrPercent;
  p.startSflrPercent = startSflrPercent;
  p.thresholdPercent = thresholdPercent;
  p.low = scenario("low", startSflrPercent, lowPercent, thresholdPercent);
  p.median = scenario("median", startSflrPercent, medianPercent, thresholdPercent);
  p.high = scenario("high", startSflrPercent, highPercent, thresholdPercent);
  p.waitWeeks = waitWeeks;
  p.earliestMedianWeek =
    earliestWeek(startSflrPercent, p.median.predictedSflrPercent, waitWeeks, thresholdPercent);
  p.note = AugmentationPopulationNote;
  return p;
}

void validateInputs(double currentSflrPercent,
                    double thresholdPercent,
                    const AugmentationParameters& parameters)
{
  requireNonNegative("currentSflrPercent", currentSflrPercent);
  validateThreshold(thresholdPercent);
  validateAugmentationParameters(parameters);
}

/// Low, median and high relative hypertrophy % of one strategy: non-negative and ordered.
void requireScenarios(const std::string& prefix, double low, double median, double high)
{
  requireNonNegative(prefix + "LowHypertrophyPercent", low);
  requireNonNegative(prefix + "MedianHypertrophyPercent", median);
  requireNonNegative(prefix + "HighHypertrophyPercent", high);
  requireOrdered(
    prefix + "LowHypertrophyPercent", low, prefix + "MedianHypertrophyPercent", median);
  requireOrdered(
    prefix + "MedianHypertrophyPercent", median, prefix + "HighHypertrophyPercent", high);
}

} // namespace

void validateAugmentationParameters(const AugmentationParameters& p)
{
  requireScenarios(
    "pve", p.pveLowHypertrophyPercent, p.pveMedianHypertrophyPercent, p.pveHighHypertrophyPercent);
  requireWaitWeeks("pveWaitWeeks", p.pveWaitWeeks);
  requirePatientPercent("pveDropoutLowPercent", p.pveDropoutLowPercent);
  requirePatientPercent("pveDropoutHighPercent", p.pveDropoutHighPercent);
  requireOrdered("pveDropoutLowPercent",
                 p.pveDropoutLowPercent,
                 "pveDropoutHighPercent",
                 p.pveDropoutHighPercent);

  requireScenarios("alpps",
                   p.alppsLowHypertrophyPercent,
                   p.alppsMedianHypertrophyPercent,
                   p.alppsHighHypertrophyPercent);
  requireWaitWeeks("alppsWaitWeeks", p.alppsWaitWeeks);

  requireWaitWeeks("twoStageMinIntervalWeeks", p.twoStageMinIntervalWeeks);
  requireWaitWeeks("twoStageMaxIntervalWeeks", p.twoStageMaxIntervalWeeks);
  requireOrdered("twoStageMinIntervalWeeks",
                 p.twoStageMinIntervalWeeks,
                 "twoStageMaxIntervalWeeks",
                 p.twoStageMaxIntervalWeeks);
  requirePatientPercent("twoStageCompletionLowPercent", p.twoStageCompletionLowPercent);
  requirePatientPercent("twoStageCompletionHighPercent", p.twoStageCompletionHighPercent);
  requireOrdered("twoStageCompletionLowPercent",
                 p.twoStageCompletionLowPercent,
                 "twoStageCompletionHighPercent",
                 p.twoStageCompletionHighPercent);

  requireNonNegative("shindohMinKgrPercentPerWeek", p.shindohMinKgrPercentPerWeek);
  requireNonNegative("shindohMinDhPoints", p.shindohMinDhPoints);
}

const std::vector<std::pair<const char*, double AugmentationParameters::*>>&
augmentationParameterFields()
{
  using P = AugmentationParameters;
  static const std::vector<std::pair<const char*, double P::*>> fields = {
    { "pveMedianHypertrophyPercent", &P::pveMedianHypertrophyPercent },
    { "pveLowHypertrophyPercent", &P::pveLowHypertrophyPercent },
    { "pveHighHypertrophyPercent", &P::pveHighHypertrophyPercent },
    { "pveWaitWeeks", &P::pveWaitWeeks },
    { "pveDropoutLowPercent", &P::pveDropoutLowPercent },
    { "pveDropoutHighPercent", &P::pveDropoutHighPercent },
    { "alppsMedianHypertrophyPercent", &P::alppsMedianHypertrophyPercent },
    { "alppsLowHypertrophyPercent", &P::alppsLowHypertrophyPercent },
    { "alppsHighHypertrophyPercent", &P::alppsHighHypertrophyPercent },
    { "alppsWaitWeeks", &P::alppsWaitWeeks },
    { "twoStageMinIntervalWeeks", &P::twoStageMinIntervalWeeks },
    { "twoStageMaxIntervalWeeks", &P::twoStageMaxIntervalWeeks },
    { "twoStageCompletionLowPercent", &P::twoStageCompletionLowPercent },
    { "twoStageCompletionHighPercent", &P::twoStageCompletionHighPercent },
    { "shindohMinKgrPercentPerWeek", &P::shindohMinKgrPercentPerWeek },
    { "shindohMinDhPoints", &P::shindohMinDhPoints },
  };
  return fields;
}

PredictedGrowth predictedGrowth(double predictedSflrPercent,
                                double relativeHypertrophyPercent,
                                double weeks,
                                const AugmentationParameters& parameters)
{
  requireNonNegative("predictedSflrPercent", predictedSflrPercent);
  requireNonNegative("relativeHypertrophyPercent", relativeHypertrophyPercent);
  requirePositive("weeks", weeks);
  PredictedGrowth g;
  g.startSflrPercent = predictedSflrPercent / (1.0 + relativeHypertrophyPercent / 100.0);
  g.degreeOfHypertrophyPoints = predictedSflrPercent - g.startSflrPercent;
  g.kineticGrowthRatePercentPerWeek = g.degreeOfHypertrophyPoints / weeks;
  g.kgrMet = g.kineticGrowthRatePercentPerWeek >= parameters.shindohMinKgrPercentPerWeek;
  g.dhMet = g.degreeOfHypertrophyPoints >= parameters.shindohMinDhPoints;
  return g;
}

PredictedGrowth medianGrowth(AugmentationStrategy strategy,
                             double medianSflrPercent,
                             const AugmentationParameters& parameters)
{
  return strategy == AugmentationStrategy::Alpps
           ? predictedGrowth(medianSflrPercent,
                             parameters.alppsMedianHypertrophyPercent,
                             parameters.alppsWaitWeeks,
                             parameters)
           : predictedGrowth(medianSflrPercent,
                             parameters.pveMedianHypertrophyPercent,
                             parameters.pveWaitWeeks,
                             parameters);
}

std::string formatAgainst(double value, double cutOff)
{
  char text[48], reference[48];
  std::snprintf(reference, sizeof reference, "%.1f", cutOff);
  for (int decimals = 1;; ++decimals)
  {
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    char same[48];
    std::snprintf(same, sizeof same, "%.*f", decimals, cutOff);
    if (value == cutOff || decimals == 4 || std::string(text) != same)
      return text;
  }
}

MedianQualification qualifyMedian(AugmentationStrategy strategy,
                                  double medianSflrPercent,
                                  double thresholdPercent,
                                  const AugmentationParameters& parameters)
{
  MedianQualification q;
  q.growth = medianGrowth(strategy, medianSflrPercent, parameters);
  q.reachesThreshold = medianSflrPercent >= thresholdPercent;
  q.qualifies = q.reachesThreshold && q.growth.kgrMet;
  char text[160];
  const double cutOff = parameters.shindohMinKgrPercentPerWeek;
  const std::string kgr = formatAgainst(q.growth.kineticGrowthRatePercentPerWeek, cutOff);
  if (!q.reachesThreshold)
    std::snprintf(
      text, sizeof text, "median %.1f %% < %.1f %%", medianSflrPercent, thresholdPercent);
  else if (!q.qualifies)
    std::snprintf(text,
                  sizeof text,
                  "median %.1f %% reaches %.1f %% but grows %s %%/week (< %.1f, primary "
                  "criterion)",
                  medianSflrPercent,
                  thresholdPercent,
                  kgr.c_str(),
                  cutOff);
  else
    std::snprintf(text,
                  sizeof text,
                  "median %.1f %% >= %.1f %%, grows %s %%/week (>= %.1f)",
                  medianSflrPercent,
                  thresholdPercent,
                  kgr.c_str(),
                  cutOff);
  q.why = text;
  return q;
}

std::string augmentationVerdict(bool adequateNow,
                                const AugmentationPrediction& pve,
                                const AugmentationPrediction& alpps,
                                const AugmentationPrediction& twoStage,
                                const AugmentationParameters& parameters)
{
  if (adequateNow)
    return "adequate now";
  std::string tooSlow; // strategies whose median reaches the threshold growing too slowly
  for (const AugmentationPrediction* p : { &pve, &alpps, &twoStage })
  {
    const char* name = p == &pve ? "PVE" : p == &alpps ? "ALPPS" : "two-stage";
    const MedianQualification q =
      qualifyMedian(p->strategy, p->median.predictedSflrPercent, p->thresholdPercent, parameters);
    if (q.qualifies)
    {
      char text[64];
      std::snprintf(
        text, sizeof text, "%s (median, week %.1f)", name, p->earliestMedianWeek.value_or(0.0));
      return text + tooSlow;
    }
    if (q.reachesThreshold)
      tooSlow += "; " + std::string(name) + ": " + q.why;
  }
  return tooSlow.empty() ? "not reached by any strategy (median)"
                         : "no strategy qualifies (median):" + tooSlow.substr(1);
}

std::string toString(AugmentationStrategy strategy)
{
  switch (strategy)
  {
    case AugmentationStrategy::Pve:
      return "pve";
    case AugmentationStrategy::Alpps:
      return "alpps";
    case AugmentationStrategy::TwoStage:
      return "two-stage";
  }
  return "unknown";
}

std::vector<std::string> scenariosReachingThreshold(const AugmentationPrediction& prediction)
{
  std::vector<std::string> names;
  for (const AugmentationScenario* s : { &prediction.low, &prediction.median, &prediction.high })
    if (s->reachesThreshold)
      names.push_back(s->name);
  return names;
}

AugmentationPrediction predictPve(double currentSflrPercent,
                                  double thresholdPercent,
                                  const AugmentationParameters& parameters)
{
  validateInputs(currentSflrPercent, thresholdPercent, parameters);
  AugmentationPrediction p = predictGrowth(AugmentationStrategy::Pve,
                                           currentSflrPercent,
                                           currentSflrPercent,
                                           thresholdPercent,
                                           parameters.pveLowHypertrophyPercent,
                                           parameters.pveMedianHypertrophyPercent,
                                           parameters.pveHighHypertrophyPercent,
                                           parameters.pveWaitWeeks);
  p.notCompletedLowPercent = parameters.pveDropoutLowPercent;
  p.notCompletedHighPercent = parameters.pveDropoutHighPercent;
  p.sources = { "van Lienden, CVIR 2013", "Vauthey, Surgery 2000", "Heil & Schadde 2020" };
  return p;
}

AugmentationPrediction predictAlpps(double currentSflrPercent,
                                    double thresholdPercent,
                                    const AugmentationParameters& parameters)
{
  validateInputs(currentSflrPercent, thresholdPercent, parameters);
  AugmentationPrediction p = predictGrowth(AugmentationStrategy::Alpps,
                                           currentSflrPercent,
                                           currentSflrPercent,
                                           thresholdPercent,
                                           parameters.alppsLowHypertrophyPercent,
                                           parameters.alppsMedianHypertrophyPercent,
                                           parameters.alppsHighHypertrophyPercent,
                                           parameters.alppsWaitWeeks);
  p.sources = { "DESIGN.md §3 FLR augmentation (ALPPS ~84 % in 1-2 weeks)" };
  return p;
}

AugmentationPrediction predictTwoStage(double currentSflrPercent,
                                       double stageOneFlrMl,
                                       double standardLiverVolumeMl,
                                       double thresholdPercent,
                                       const AugmentationParameters& parameters)
{
  validateInputs(currentSflrPercent, thresholdPercent, parameters);
  requireNonNegative("stageOneFlrMl", stageOneFlrMl);
  requirePositive("standardLiverVolumeMl", standardLiverVolumeMl);

  const double startSflrPercent = standardizedFlrPercent(stageOneFlrMl, standardLiverVolumeMl);
  AugmentationPrediction p = predictGrowth(AugmentationStrategy::TwoStage,
                                           currentSflrPercent,
                                           startSflrPercent,
                                           thresholdPercent,
                                           parameters.pveLowHypertrophyPercent,
                                           parameters.pveMedianHypertrophyPercent,
                                           parameters.pveHighHypertrophyPercent,
                                           parameters.pveWaitWeeks);
  for (AugmentationScenario* s : { &p.low, &p.median, &p.high })
    s->predictedFlrMl = stageOneFlrMl * (1.0 + s->relativeHypertrophyPercent / 100.0);
  // Stage 2 cannot come before the minimum interval, however fast the remnant grows.
  if (p.earliestMedianWeek)
    p.earliestMedianWeek = std::max(*p.earliestMedianWeek, parameters.twoStageMinIntervalWeeks);
  p.stageOneFlrMl = stageOneFlrMl;
  p.standardLiverVolumeMl = standardLiverVolumeMl;
  p.stageTwoEarliestWeek = parameters.twoStageMinIntervalWeeks;
  p.stageTwoLatestWeek = parameters.twoStageMaxIntervalWeeks;
  p.notCompletedLowPercent = 100.0 - parameters.twoStageCompletionHighPercent;
  p.notCompletedHighPercent = 100.0 - parameters.twoStageCompletionLowPercent;
  p.sources = {
    "van Lienden, CVIR 2013", "Vauthey, Surgery 2000", "Tsai, HPB 2010", "Passot, JACS 2016"
  };
  return p;
}

HypertrophyAssessment assessHypertrophy(double sflrBeforePercent,
                                        double sflrAfterPercent,
                                        double weeks,
                                        double thresholdPercent,
                                        const AugmentationParameters& parameters)
{
  requirePositive("sflrBeforePercent", sflrBeforePercent);
  requireNonNegative("sflrAfterPercent", sflrAfterPercent);
  requirePositive("weeks", weeks);
  validateThreshold(thresholdPercent);
  validateAugmentationParameters(parameters);

  HypertrophyAssessment a;
  a.sflrBeforePercent = sflrBeforePercent;
  a.sflrAfterPercent = sflrAfterPercent;
  a.weeks = weeks;
  a.thresholdPercent = thresholdPercent;
  a.degreeOfHypertrophyPoints = sflrAfterPercent - sflrBeforePercent;
  a.relativeGrowthPercent = a.degreeOfHypertrophyPoints / sflrBeforePercent * 100.0;
  a.kineticGrowthRatePercentPerWeek = a.degreeOfHypertrophyPoints / weeks;
  a.kgrMet = a.kineticGrowthRatePercentPerWeek >= parameters.shindohMinKgrPercentPerWeek;
  a.dhMet = a.degreeOfHypertrophyPoints >= parameters.shindohMinDhPoints;
  a.sflrMet = sflrAfterPercent >= thresholdPercent;
  a.adequate = a.kgrMet && a.sflrMet;
  const auto line = [](bool met,
                       const std::string& what,
                       double value,
                       const std::string& unit,
                       double cutoff,
                       const std::string& role)
  {
    return std::string(met ? "met: " : "not met: ") + what + " " + formatNumber(value) + unit +
           (met ? " >= " : " < ") + formatNumber(cutoff) + unit + " (" + role + ")";
  };
  a.reasons = {
    line(a.kgrMet,
         "KGR",
         a.kineticGrowthRatePercentPerWeek,
         " %/week",
         parameters.shindohMinKgrPercentPerWeek,
         "primary criterion"),
    line(a.sflrMet, "sFLR", sflrAfterPercent, " %", thresholdPercent, "the liver's threshold"),
    line(a.dhMet,
         "DH",
         a.degreeOfHypertrophyPoints,
         " points",
         parameters.shindohMinDhPoints,
         "reported beside"),
  };
  a.source = "Shindoh, JACS 2013";
  return a;
}

PortalEmbolization portalEmbolizationFor(const std::vector<int>& resectedSegments)
{
  std::array<bool, 9> r{};
  for (const int s : resectedSegments)
    if (s >= 1 && s <= 8)
      r[static_cast<std::size_t>(s)] = true;
  PortalEmbolization e;
  for (int s = 2; s <= 8; ++s)
    if (r[static_cast<std::size_t>(s)])
      e.segments.push_back(s);
  const bool right = r[5] && r[6] && r[7] && r[8];
  const bool left = r[2] && r[3] && r[4];
  std::string list;
  for (const int s : e.segments)
    list += (list.empty() ? "" : ", ") + std::to_string(s);
  if (e.segments.empty())
  {
    e.target = "none";
    e.note = "no segment is resected: PVE does not apply";
  }
  else if (right && r[4])
  {
    e.target = "right portal vein + segment 4 branches";
    e.note = "extended right hepatectomy: right PVE extended to segment 4 (the remnant is 2-3)";
  }
  else if (right)
  {
    e.target = "right portal vein";
    e.note = "right hemihepatectomy: right PVE (the remnant is 2-4)";
  }
  else if (left && r[5] && r[8])
  {
    e.target = "left portal vein + right anterior (5, 8) branches";
    e.note = "extended left hepatectomy: the remnant is 6-7";
  }
  else if (left)
  {
    e.target = "left portal vein";
    e.note = "left hemihepatectomy: left PVE is rarely needed (the right liver is usually large)";
  }
  else
  {
    e.target = "segmental portal branches of segments " + list;
    e.note = "no lobar PVE matches this resection: selective embolization of the branches of "
             "the resected segments";
  }
  return e;
}

} // namespace liver
