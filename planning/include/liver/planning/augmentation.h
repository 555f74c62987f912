#pragma once
/// FLR augmentation (DESIGN.md §3 FLR augmentation, issue 5): predicted sFLR after portal vein
/// embolization (PVE), ALPPS and a two-stage hepatectomy as low / median / high scenarios, and
/// measured hypertrophy (DH, KGR) against Shindoh's cut-offs. All percentages are in percent
/// (37.9 means 37.9 %), times in weeks. Predictions are population estimates, never a forecast
/// for one patient.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace liver
{

/// Every parameter of DESIGN.md §3 FLR augmentation, with its default. Numbers marked
/// "DESIGN.md" are the design's, with its source; numbers marked "assumption" are not in
/// DESIGN.md and should be replaced when the team has better ones. Every field can be overridden.
struct AugmentationParameters
{
  /// PVE median relative FLR hypertrophy %: the mean 37.9 % of 1,791 patients (DESIGN.md; van
  /// Lienden, CVIR 2013). Vauthey (Surgery 2000) agrees: sFLR 26 -> 36 % is +38.5 % relative.
  double pveMedianHypertrophyPercent = 37.9;
  /// PVE low scenario %: assumption, half the median (0.5 x 37.9). A stated spread, not a
  /// published percentile: the review reports the mean, not a distribution we could quote.
  double pveLowHypertrophyPercent = 18.95;
  /// PVE high scenario %: assumption, 1.5 x the median (1.5 x 37.9), symmetric to the low one.
  double pveHighHypertrophyPercent = 56.85;
  /// Weeks from PVE to the predicted growth: about 4 (DESIGN.md; Vauthey, Surgery 2000).
  double pveWaitWeeks = 4.0;
  /// % of PVE patients who never reach the resection (stage two): 20-40 % (DESIGN.md; Heil &
  /// Schadde 2020).
  double pveDropoutLowPercent = 20.0;
  double pveDropoutHighPercent = 40.0;

  /// ALPPS median relative FLR hypertrophy %: ~84 % vs 36 % for PVE (DESIGN.md).
  double alppsMedianHypertrophyPercent = 84.0;
  /// ALPPS low scenario %: assumption, half the median (0.5 x 84), the same spread as for PVE.
  double alppsLowHypertrophyPercent = 42.0;
  /// ALPPS high scenario %: assumption, 1.5 x the median (1.5 x 84).
  double alppsHighHypertrophyPercent = 126.0;
  /// Weeks from ALPPS stage 1 to the predicted growth: DESIGN.md gives 1-2 weeks; we credit the
  /// growth at the end of that range, 2 weeks (assumption: the conservative end).
  double alppsWaitWeeks = 2.0;

  /// Two-stage hepatectomy: stage 2 no earlier than 4 and usually by 8 weeks after the PVE that
  /// follows stage 1 (DESIGN.md; Tsai HPB 2010, Passot JACS 2016). Growth between the stages is
  /// the PVE growth above, reached after pveWaitWeeks.
  double twoStageMinIntervalWeeks = 4.0;
  double twoStageMaxIntervalWeeks = 8.0;
  /// % of two-stage patients who complete stage 2: ~78-82 % (DESIGN.md; Tsai HPB 2010, Passot
  /// JACS 2016).
  double twoStageCompletionLowPercent = 78.0;
  double twoStageCompletionHighPercent = 82.0;

  /// Shindoh's cut-offs for hypertrophy (DESIGN.md; Shindoh, JACS 2013): the kinetic growth rate
  /// %/week is the primary criterion; the degree of hypertrophy in percentage points is reported
  /// beside it. The sFLR after growth is judged against the liver condition's threshold
  /// (flrThreshold), not a fixed number.
  double shindohMinKgrPercentPerWeek = 2.0;
  double shindohMinDhPoints = 7.5;
};

/// Every parameter by its field name (the keys of plan.json's "augmentation" object and of
/// result.json's "augmentationParameters"), in declaration order.
const std::vector<std::pair<const char*, double AugmentationParameters::*>>&
augmentationParameterFields();

/// Growth a prediction implies: start sFLR = predicted / (1 + relative %), DH = predicted - start,
/// KGR = DH / weeks, and whether it meets the growth criterion it is judged by (KGR >=
/// shindohMinKgrPercentPerWeek; DH reported beside, DESIGN.md §3 FLR augmentation).
struct PredictedGrowth
{
  double startSflrPercent = 0;
  double degreeOfHypertrophyPoints = 0;
  double kineticGrowthRatePercentPerWeek = 0;
  bool kgrMet = false;
  bool dhMet = false;
};
/// std::invalid_argument unless predictedSflrPercent >= 0, relativeHypertrophyPercent >= 0 and
/// weeks > 0 (finite).
PredictedGrowth predictedGrowth(double predictedSflrPercent,
                                double relativeHypertrophyPercent,
                                double weeks,
                                const AugmentationParameters& parameters);

/// std::invalid_argument naming the field when a parameter is negative, not finite, out of
/// range (percentages of patients outside 0..100, waits outside (0, 52] weeks) or when
/// low > median > high / min > max are out of order.
void validateAugmentationParameters(const AugmentationParameters& parameters);

enum class AugmentationStrategy
{
  Pve,     ///< portal vein embolization, then the resection
  Alpps,   ///< associating liver partition and portal vein ligation, stage 2 after 1-2 weeks
  TwoStage ///< stage 1 clears the FLR (wedges/ablation), PVE, stage 2 after 4-8 weeks
};

/// "pve", "alpps", "two-stage".
std::string toString(AugmentationStrategy strategy);

/// One scenario: predicted sFLR % = start sFLR % x (1 + relative hypertrophy % / 100).
struct AugmentationScenario
{
  std::string name;                      ///< "low", "median" or "high"
  double relativeHypertrophyPercent = 0; ///< growth of the future remnant, relative %
  double predictedSflrPercent = 0;
  std::optional<double> predictedFlrMl; ///< when the start FLR in mL is known (two-stage)
  bool reachesThreshold = false;        ///< predictedSflrPercent >= threshold
};

/// The prediction of one strategy for one future remnant.
struct AugmentationPrediction
{
  AugmentationStrategy strategy = AugmentationStrategy::Pve;
  double currentSflrPercent = 0; ///< sFLR before any procedure
  double startSflrPercent = 0;   ///< sFLR the growth starts from (two-stage: after stage 1)
  double thresholdPercent = 0;
  AugmentationScenario low;
  AugmentationScenario median;
  AugmentationScenario high;
  /// Weeks over which the growth accrues (linearly, see earliestMedianWeek).
  double waitWeeks = 0;
  /// Earliest week at which the median scenario reaches the threshold, assuming linear growth
  /// from startSflrPercent (week 0) to the median prediction (waitWeeks); for two-stage no
  /// earlier than twoStageMinIntervalWeeks. 0 when the start already reaches it; empty when the
  /// median never does.
  std::optional<double> earliestMedianWeek;
  /// % of patients who do not reach the resection (PVE: 20-40 %; two-stage: 100 - completion);
  /// empty when DESIGN.md gives no number (ALPPS).
  std::optional<double> notCompletedLowPercent;
  std::optional<double> notCompletedHighPercent;

  /// Two-stage only: the FLR after stage 1 in mL, the SLV used, and the stage-2 window.
  std::optional<double> stageOneFlrMl;
  std::optional<double> standardLiverVolumeMl;
  std::optional<double> stageTwoEarliestWeek;
  std::optional<double> stageTwoLatestWeek;

  std::vector<std::string> sources; ///< source ids of the numbers used
  std::string note;                 ///< always says these are population estimates
};

/// The note every prediction carries.
extern const char* const AugmentationPopulationNote;

/// The growth a strategy's median prediction implies (predictedGrowth): PVE and two-stage grow by
/// the PVE median over pveWaitWeeks (two-stage: the PVE after stage 1), ALPPS by its median over
/// alppsWaitWeeks. std::invalid_argument as predictedGrowth.
PredictedGrowth medianGrowth(AugmentationStrategy strategy,
                             double medianSflrPercent,
                             const AugmentationParameters& parameters);

/// `value` printed beside the `cutOff` it is compared with: one decimal, or as many more (up to
/// four) as it takes for the printed value not to equal the printed cut-off when the two differ
/// (a KGR of 1.99 %/week is "1.99" beside "2.0", never "2.0 (< 2.0)").
std::string formatAgainst(double value, double cutOff);

/// Whether a strategy's median prediction qualifies it (DESIGN.md §3 FLR augmentation: a
/// predicted scenario qualifies only if it also meets the growth criterion it is judged by): the
/// median reaches the threshold AND the KGR it implies is >= shindohMinKgrPercentPerWeek (Shindoh,
/// JACS 2013). The one rule `analyze`'s augmentation verdict and `decide`'s expanders judge by.
struct MedianQualification
{
  bool reachesThreshold = false; ///< median sFLR >= threshold
  PredictedGrowth growth;        ///< what the median implies (medianGrowth)
  bool qualifies = false;        ///< reachesThreshold and growth.kgrMet
  /// "median 24.8 % reaches 20.0 % but grows 1.7 %/week (< 2.0, primary criterion)", "median
  /// 17.2 % < 20.0 %" or "median 24.8 % >= 20.0 %, grows 2.4 %/week (>= 2.0)".
  std::string why;
};
MedianQualification qualifyMedian(AugmentationStrategy strategy,
                                  double medianSflrPercent,
                                  double thresholdPercent,
                                  const AugmentationParameters& parameters);

/// The verdict on one plan's predictions (result.json plans[].augmentation.verdict, analyze's
/// table): "adequate now" when the remnant already passes; else the first of PVE, ALPPS and
/// two-stage whose median qualifies (qualifyMedian), "PVE (median, week 2.9)", followed by why any
/// strategy before it that reaches the threshold does not count ("; PVE: median 24.8 % reaches
/// 20.0 % but grows 1.7 %/week (< 2.0, primary criterion)"); else "no strategy qualifies
/// (median): " with those reasons, or "not reached by any strategy (median)".
std::string augmentationVerdict(bool adequateNow,
                                const AugmentationPrediction& pve,
                                const AugmentationPrediction& alpps,
                                const AugmentationPrediction& twoStage,
                                const AugmentationParameters& parameters);

/// Names of the scenarios that reach the threshold ("low", "median", "high"), in that order.
std::vector<std::string> scenariosReachingThreshold(const AugmentationPrediction& prediction);

/// Predicted sFLR after PVE from the current sFLR %. std::invalid_argument naming the argument
/// when currentSflrPercent is negative or not finite, thresholdPercent is not in (0, 100], or a
/// parameter is invalid (validateAugmentationParameters).
AugmentationPrediction predictPve(double currentSflrPercent,
                                  double thresholdPercent,
                                  const AugmentationParameters& parameters = {});

/// Predicted sFLR after ALPPS from the current sFLR %; errors as predictPve.
AugmentationPrediction predictAlpps(double currentSflrPercent,
                                    double thresholdPercent,
                                    const AugmentationParameters& parameters = {});

/// Two-stage hepatectomy: stage 1 leaves `stageOneFlrMl` of functional remnant (wedges/ablation
/// of the lesions in it), its sFLR is recomputed as stageOneFlrMl / SLV x 100, PVE growth follows
/// and stage 2 comes after twoStageMinIntervalWeeks..twoStageMaxIntervalWeeks. currentSflrPercent
/// is the sFLR before stage 1 (reported only). std::invalid_argument naming the argument for
/// negative or non-finite volumes, a non-positive SLV, or as predictPve.
AugmentationPrediction predictTwoStage(double currentSflrPercent,
                                       double stageOneFlrMl,
                                       double standardLiverVolumeMl,
                                       double thresholdPercent,
                                       const AugmentationParameters& parameters = {});

/// The portal branches a PVE before this resection embolizes: those feeding the segments to be
/// resected, so that the growth goes to the future remnant only (right PVE for a right
/// hemihepatectomy, right + segment 4 branches for an extended right hepatectomy). Segments 1..8;
/// segment 1 is not embolized (it drains to the IVC and has its own small branches).
struct PortalEmbolization
{
  std::string target;        ///< e.g. "right portal vein + segment 4 branches"
  std::vector<int> segments; ///< resected segments whose branches are embolized (1 excluded)
  std::string note;          ///< why, or why no standard PVE fits
};
PortalEmbolization portalEmbolizationFor(const std::vector<int>& resectedSegments);

/// Measured hypertrophy between two studies and the verdict: KGR >= 2 %/week is the primary
/// criterion (Shindoh, JACS 2013: the best single predictor); the sFLR after growth must reach the
/// liver condition's threshold; DH >= 7.5 points is reported beside them (DESIGN.md §3).
struct HypertrophyAssessment
{
  double sflrBeforePercent = 0;
  double sflrAfterPercent = 0;
  double weeks = 0;
  double thresholdPercent = 0;                ///< the liver condition's minimum sFLR %
  double degreeOfHypertrophyPoints = 0;       ///< DH = sFLR after - sFLR before
  double relativeGrowthPercent = 0;           ///< (after - before) / before x 100
  double kineticGrowthRatePercentPerWeek = 0; ///< KGR = DH / weeks
  bool kgrMet = false;                        ///< KGR >= shindohMinKgrPercentPerWeek (primary)
  bool dhMet = false;                         ///< DH >= shindohMinDhPoints (reported beside)
  bool sflrMet = false;                       ///< sFLR after >= thresholdPercent
  bool adequate = false;                      ///< KGR met and sFLR met
  std::vector<std::string> reasons;           ///< KGR, sFLR, DH lines, met or not
  std::string source;                         ///< "Shindoh, JACS 2013"
};

/// DH, KGR and the verdict against the liver condition's threshold (flrThreshold, or the user's).
/// std::invalid_argument naming the argument unless sFLR before > 0, sFLR after >= 0 (both
/// finite), weeks > 0 and finite, thresholdPercent in (0, 100], and the parameters are valid.
HypertrophyAssessment assessHypertrophy(double sflrBeforePercent,
                                        double sflrAfterPercent,
                                        double weeks,
                                        double thresholdPercent,
                                        const AugmentationParameters& parameters = {});

} // namespace liver
