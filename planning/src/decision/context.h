#pragma once
/// Private to the decision module: the one immutable case context every rule family reads, the
/// technical verdict and candidacy it derives, the builder that records the trace, and the rule
/// families (one file each, DESIGN.md §3 Decision rules).

#include <liver/planning/augmentation.h>
#include <liver/planning/decision.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace liver::decision
{

inline constexpr const char* SrcSeed = "seed guideline";
inline constexpr const char* NeedPlan =
  "a resection plan (analyze/plan with --plan or --auto-plan)";
/// An empty lesion map makes every plan "R0" by definition, which is no resection verdict.
inline constexpr const char* NeedLesionMap =
  "a lesion map showing the metastases (the map has none: R0 there is by definition)";

using Inputs = std::vector<std::pair<std::string, TraceValue>>;

std::string fmt1(double value);
/// A constant as it reads in a text: 30 -> "30", 0.5 -> "0.5" (%g).
std::string num(double value);
std::string fmt2(double value);
std::string joinInts(const std::vector<int>& values);
std::string joinTexts(const std::vector<std::string>& values, const char* separator = ", ");
void addUnique(std::vector<std::string>& list, const std::string& item);
std::string notAssessable(const std::vector<std::string>& needs);
/// "predicted KGR 2.3 %/week (>= 2.0, primary criterion), DH 9.1 points (>= 7.5)".
std::string growthText(const PredictedGrowth& g, const AugmentationParameters& a);
/// The chemotherapy already given (chemotherapyGiven) as a text reads it: "after 16 weeks of
/// chemotherapy (completed)", "on chemotherapy for 8 weeks (ongoing)", "after chemotherapy of
/// unknown duration (completed)"; empty when none was given.
std::string chemotherapyGivenText(const Clinical& c);
const char* categoryText(const std::string& id);
bool isSurgicalCategory(const std::string& id);

inline TraceValue value(const std::optional<double>& v)
{
  return v ? TraceValue(*v) : TraceValue();
}
inline TraceValue value(const std::optional<int>& v)
{
  return v ? TraceValue(static_cast<std::int64_t>(*v)) : TraceValue();
}
inline TraceValue value(const std::optional<bool>& v)
{
  return v ? TraceValue(*v) : TraceValue();
}
template<typename E>
TraceValue value(const std::optional<E>& v)
{
  return v ? TraceValue(toString(*v)) : TraceValue();
}
inline TraceValue count(std::size_t n)
{
  return TraceValue(static_cast<std::int64_t>(n));
}

/// The result of one rule before it enters the trace.
struct Eval
{
  RuleStatus status = RuleStatus::Applies;
  std::string conclusion;
  Inputs inputs;
  std::vector<std::string> needs; ///< missing inputs (status NotAssessable)

  /// Not assessable for want of `missing`: the status, the needs and the conclusion saying so.
  void notAssessableFor(std::vector<std::string> missing);
};

/// Collects the decision: the trace in evaluation order, strategies, warnings.
class Builder
{
public:
  void add(const std::string& ruleId, const Eval& e);
  /// Settle a rule already in the trace (candidacy.all once the category is known).
  void replace(const std::string& ruleId, const Eval& e);
  void warn(const std::string& ruleId, const std::string& text);
  void strategy(const std::string& id, const std::string& text);
  bool hasStrategy(const std::string& idPrefix) const;
  Decision& decision() { return m_d; }

private:
  Decision m_d;
};

/// A plan with the sFLR, threshold, FLR/BW and predictions the decision uses.
struct PlanEval
{
  const PlanSummary* plan = nullptr;
  std::optional<double> sflr;
  std::string sflrFrom;
  double threshold = DefaultMinimumSflrPercent;
  std::string thresholdSource;
  std::optional<double> flrBodyWeight; ///< FLR / body weight %, with the weight sFLR used
  std::string flrBodyWeightFrom;
  std::optional<double> pve, alpps, twoStage; ///< median predicted sFLR %
  const AugmentationParameters* augmentation = nullptr;

  /// The growth the median prediction of `median` (pve, alpps or twoStage) implies.
  std::optional<PredictedGrowth> growth(const std::optional<double> PlanEval::*median) const;
  /// Whether that median qualifies (qualifyMedian: threshold and KGR); empty without it.
  std::optional<MedianQualification> qualification(
    const std::optional<double> PlanEval::*median) const;
  bool resects() const { return plan->resectedMl > 0.0; }
  bool ablates() const { return !plan->ablatedLesionIds.empty(); }
  /// sFLR >= threshold and >= 2 contiguous segments; empty when either is unknown and neither
  /// fails.
  std::optional<bool> pass() const;
  std::vector<std::string> passNeeds() const;
  std::string summary() const;
};

/// The plan, margin, sFLR, threshold and contiguity a rule read (all null without a plan).
void planInputs(Eval& e, const PlanEval* p);

/// The liver condition the thresholds are set for: the clinical one, else the result's; a liver
/// given > 12 weeks of chemotherapy (or for an unknown time) is chemotherapy-exposed when it is
/// otherwise called normal or unknown (Shindoh, Ann Surg Oncol 2013).
struct LiverConditionEval
{
  std::optional<LiverCondition> given;     ///< clinical, else result.json; empty when unknown
  std::optional<LiverCondition> condition; ///< the one the thresholds use
  bool chemotherapyExposed = false;        ///< chemotherapy given > 12 weeks or unknown duration
};

/// Everything the rules read, derived once from the clinical data and the imaging summary.
/// Immutable after construction (the families take it by const reference).
struct CaseContext
{
  CaseContext(const Clinical& clinical, const DecisionInputs& inputs);
  CaseContext(const CaseContext&) = delete;
  CaseContext& operator=(const CaseContext&) = delete;

  const Clinical& c;
  const DecisionInputs& in;
  bool bodyMismatch = false; ///< clinical height/weight differ from the result's
  bool recompute = false;    ///< sFLR recomputed from the clinical height/weight
  LiverConditionEval liver;
  std::vector<PlanEval> plans;
  std::size_t imagingCount = 0; ///< lesions in the lesion map
  std::size_t lesionCount = 0;  ///< clinical number of metastases, else the map's
  /// Largest lesion diameter in mm (0 without lesions); empty when a diameter is unknown.
  std::optional<double> largestMm;
  bool crc = false, breast = false, net = false;
};

/// A technical option (resection now, with ablation, after PVE/ALPPS, two-stage).
struct Option
{
  Eval eval;
  const PlanEval* plan = nullptr;
  const char* ruleId = "";
  const char* category = "";
  const char* strategyId = "";
  std::string text; ///< the strategy text when met
};

/// The technical verdict of the imaging alone (decision/technical.cpp).
struct Technical
{
  enum Index
  {
    Upfront,
    Combined,
    Pve,
    Alpps,
    TwoStage
  };
  std::vector<Option> options; ///< in the order tried: Upfront .. TwoStage
  std::vector<const PlanEval*> r0Any, leavesLesions;
  int chosen = -1; ///< the first option met, or -1
  std::vector<std::string> needs;
  bool unknown = false, feasible = false, none = false;
  const PlanEval* chosenPlan = nullptr; ///< the plan the remnant warnings describe
  std::string imagingAlone;

  const Option& at(Index i) const { return options[static_cast<std::size_t>(i)]; }
  const Option* tech() const { return chosen < 0 ? nullptr : &options[chosen]; }
};

/// The candidacy criteria (decision/candidacy.cpp).
struct Candidacy
{
  Eval r0, flr, performance, extrahepatic, surgeryPossible, all;
  bool patientFails = false;
  std::vector<std::string> patientNeeds;
};

/// What the families decide, filled while they run.
struct Outcome
{
  std::string category;
  std::vector<std::string> blockers; ///< what makes the category "incomplete"
  std::string nonSurgicalWhy;        ///< why a primary's rule makes the category non-surgical
};

/// The bundle every family works on: read-only case, technical verdict and candidacy; the
/// builder and outcome they fill.
struct Decider
{
  const CaseContext& k;
  const Technical& t;
  const Candidacy& cand;
  Builder& b;
  Outcome& out;

  /// The technical category for a patient without a failed criterion (or "incomplete").
  std::string techCategory();
  /// The technical options met, in order ("Alternative: " after the first).
  void techStrategies(const std::string& prefix = std::string());
  void nonSurgical(const std::string& why);
};

// The rule families, in evaluation order.
Technical evaluateTechnical(const CaseContext& k);
Candidacy evaluateCandidacy(const CaseContext& k, const Technical& t, Builder& b);
/// ablation.primary for a patient who cannot have surgery; false when surgery is possible.
bool primaryAblationRules(Decider& d);
void colorectalRules(Decider& d);
void colorectalSystemic(Decider& d);
void fongScore(Decider& d);
void breastRules(Decider& d);
void breastSystemic(Decider& d);
void netRules(Decider& d);
/// net.somatostatin, net.embolization, net.prrt, net.observation; returns net.observation.
Eval netOptions(Decider& d);
void otherPrimaryRules(Decider& d);
void borderlineExpansion(Decider& d);
void settleCandidacy(Decider& d);
void ablationCriteria(Decider& d);
void warningRules(Decider& d);

} // namespace liver::decision
