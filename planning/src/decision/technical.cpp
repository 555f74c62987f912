/// Technical options from the imaging alone (DESIGN.md §3 Decision rules, expanders): resection
/// now, resection + ablation, PVE, ALPPS, two-stage - and the borderline routes kept for the MDT.

#include "context.h"

namespace liver::decision
{

namespace
{

using Ok = std::function<std::optional<bool>(const PlanEval&)>;
using Needs = std::function<std::vector<std::string>(const PlanEval&)>;

/// Among `candidates`, the plan with the largest sFLR for which `ok` is true: Met; otherwise
/// NotAssessable when some is unknown, else NotMet with the closest plan.
void chooseOption(Option& o,
                  const std::vector<const PlanEval*>& candidates,
                  const Ok& ok,
                  const Needs& needs,
                  const std::string& noCandidate)
{
  if (candidates.empty())
  {
    o.eval.status = RuleStatus::NotMet;
    o.eval.conclusion = noCandidate;
    return;
  }
  const PlanEval* best = nullptr;
  const PlanEval* closest = nullptr;
  std::vector<std::string> unknownNeeds;
  for (const PlanEval* p : candidates)
  {
    const std::optional<bool> r = ok(*p);
    const double s = p->sflr.value_or(-1.0);
    if (r && *r && (!best || s > best->sflr.value_or(-1.0)))
      best = p;
    if (!r)
      for (const std::string& n : needs(*p))
        addUnique(unknownNeeds, n);
    if (!closest || s > closest->sflr.value_or(-1.0))
      closest = p;
  }
  if (best)
    o.eval.status = RuleStatus::Met, o.plan = best;
  else if (!unknownNeeds.empty())
    o.eval.notAssessableFor(unknownNeeds);
  else
    o.eval.status = RuleStatus::NotMet, o.plan = closest;
}

void describe(Option& o, const std::string& metText, const std::string& failText, bool expander)
{
  planInputs(o.eval, o.plan);
  if (o.eval.status == RuleStatus::Met)
    o.eval.conclusion = metText;
  else if (o.eval.status == RuleStatus::NotMet && o.eval.conclusion.empty())
    o.eval.conclusion =
      expander && o.plan && o.plan->pass() == true
        ? "not needed: the remnant is adequate without augmentation (" + o.plan->summary() + ")"
        : failText;
}

/// A prediction qualifies when the median reaches the threshold and meets the growth criterion
/// it is judged by (qualifyMedian: KGR, Shindoh JACS 2013); not needed when the remnant is
/// adequate now.
Ok grows(std::optional<double> PlanEval::*median)
{
  return [median](const PlanEval& p) -> std::optional<bool>
  {
    if (p.pass() == true || p.plan->contiguous == false)
      return false;
    if (!(p.*median) || !p.plan->contiguous)
      return std::nullopt;
    return p.qualification(median)->qualifies;
  };
}

Needs growNeeds(std::optional<double> PlanEval::*median, const char* what)
{
  return [median, what](const PlanEval& p)
  {
    std::vector<std::string> needs = p.passNeeds();
    if (p.sflr && !(p.*median))
      needs.push_back(what);
    return needs;
  };
}

/// The strategy texts, built from the parameters the predictions were made with.
void strategyTexts(Technical& t, const AugmentationParameters& a)
{
  Option& up = t.options[Technical::Upfront];
  Option& combined = t.options[Technical::Combined];
  Option& pve = t.options[Technical::Pve];
  Option& alpps = t.options[Technical::Alpps];
  Option& two = t.options[Technical::TwoStage];
  const std::string proceedWhen =
    "proceed when KGR >= " + fmt1(a.shindohMinKgrPercentPerWeek) +
    " %/week (primary criterion) and sFLR >= threshold, DH >= " + fmt1(a.shindohMinDhPoints) +
    " points reported beside (Shindoh, JACS 2013)";
  if (up.plan)
    up.text = "Resection: " + up.plan->summary();
  if (combined.plan)
    combined.text = "Resection + ablation of lesion(s) " +
                    joinInts(combined.plan->plan->ablatedLesionIds) + ": " +
                    combined.plan->summary();
  if (pve.plan && pve.plan->pve)
    pve.text = "PVE, then resection (" + pve.plan->summary() + "); predicted median sFLR " +
               fmt1(*pve.plan->pve) + " % after ~" + fmt1(a.pveWaitWeeks) + " weeks (" +
               growthText(*pve.plan->growth(&PlanEval::pve), a) + "; population estimate; " +
               fmt1(a.pveDropoutLowPercent) + "-" + fmt1(a.pveDropoutHighPercent) +
               " % never reach resection, Heil & Schadde 2020); " + proceedWhen;
  if (alpps.plan && alpps.plan->alpps)
    alpps.text = "ALPPS (" + alpps.plan->summary() + "); predicted median sFLR " +
                 fmt1(*alpps.plan->alpps) + " % after " + fmt1(a.alppsWaitWeeks) + " weeks (" +
                 growthText(*alpps.plan->growth(&PlanEval::alpps), a) + "; population estimate); " +
                 proceedWhen;
  if (two.plan && two.plan->twoStage)
    two.text =
      "Two-stage hepatectomy: stage 1 clears lesion(s) " + joinInts(two.plan->plan->leftLesionIds) +
      " from the future remnant (wedges/ablation), then PVE, stage 2 (" + two.plan->summary() +
      ") after " + fmt1(a.twoStageMinIntervalWeeks) + "-" + fmt1(a.twoStageMaxIntervalWeeks) +
      " weeks; predicted median sFLR " + fmt1(*two.plan->twoStage) + " % (" +
      growthText(*two.plan->growth(&PlanEval::twoStage), a) + "); completed in ~" +
      fmt1(a.twoStageCompletionLowPercent) + "-" + fmt1(a.twoStageCompletionHighPercent) +
      " % (Tsai, HPB 2010; Passot, JACS 2016)";
}

/// The trace conclusions of PVE, ALPPS and two-stage: the prediction, its growth, the verdict.
void describeExpanders(Technical& t, const AugmentationParameters& a)
{
  struct Expander
  {
    Technical::Index index;
    std::optional<double> PlanEval::*median;
    const char* name;
    const char* inputName;
  };
  for (const Expander& x :
       { Expander{ Technical::Pve, &PlanEval::pve, "PVE", "pveMedianSflrPercent" },
         Expander{ Technical::Alpps, &PlanEval::alpps, "ALPPS", "alppsMedianSflrPercent" },
         Expander{ Technical::TwoStage,
                   &PlanEval::twoStage,
                   "stage 1 and PVE",
                   "twoStageMedianSflrPercent" } })
  {
    Option& o = t.options[x.index];
    const PlanEval* p = o.plan;
    const bool twoStage = x.index == Technical::TwoStage;
    if (p && twoStage)
      o.eval.inputs.push_back({ "leftLesions", joinInts(p->plan->leftLesionIds) });
    if (p)
      o.eval.inputs.push_back({ x.inputName, value(p->*x.median) });
    const std::optional<MedianQualification> q = p ? p->qualification(x.median) : std::nullopt;
    std::string metText, failText = twoStage ? "not met" : "not met: no plan needing augmentation";
    if (q)
    {
      const PredictedGrowth* g = &q->growth;
      o.eval.inputs.push_back({ "predictedKgrPercentPerWeek", g->kineticGrowthRatePercentPerWeek });
      o.eval.inputs.push_back({ "predictedDhPoints", g->degreeOfHypertrophyPoints });
      const std::string predicted =
        "predicted median sFLR after " + std::string(x.name) + " " + fmt1(*(p->*x.median)) + " %";
      metText = "met: " + predicted + " >= " + fmt1(p->threshold) + " %, " + growthText(*g, a);
      if (twoStage)
        metText = "met: stage 1 clears lesion(s) " + joinInts(p->plan->leftLesionIds) + "; " +
                  metText.substr(5);
      failText = q->reachesThreshold && !q->qualifies
                   ? "not met: " + predicted + " reaches " + fmt1(p->threshold) + " % but " +
                       growthText(*g, a) + " for " + p->summary()
                   : "not met: " + predicted + " for " + p->summary();
    }
    describe(o, metText, failText, !twoStage);
  }
}

/// The first option met, the needs of those not assessable, and the imaging-alone verdict.
void verdict(Technical& t, const CaseContext& k)
{
  for (std::size_t i = 0; i < t.options.size(); ++i)
  {
    const Option& o = t.options[i];
    if (o.eval.status == RuleStatus::Met)
    {
      t.chosen = static_cast<int>(i);
      break;
    }
    if (o.eval.status == RuleStatus::NotAssessable)
      for (const std::string& n : o.eval.needs)
        addUnique(t.needs, n);
  }
  t.unknown = !t.needs.empty();
  t.feasible = t.tech() && !t.unknown;
  t.none = !t.tech() && !t.unknown;
  t.chosenPlan = t.tech() ? t.tech()->plan : nullptr;
  if (!t.chosenPlan && !t.r0Any.empty())
    t.chosenPlan = t.r0Any.front();
  if (!t.chosenPlan && !k.plans.empty())
    t.chosenPlan = &k.plans.front();
  if (t.tech())
    t.imagingAlone = std::string(categoryText(t.tech()->category)) + " (plan \"" +
                     t.tech()->plan->plan->name + "\")";
  else if (t.none)
    t.imagingAlone = "no plan evaluated reaches R0 with an adequate remnant, even with PVE, "
                     "ALPPS or two stages";
}

} // namespace

Technical evaluateTechnical(const CaseContext& k)
{
  Technical t;
  t.options = {
    { {}, nullptr, "resection.upfront", CategoryResectableUpfront, "resection", {} },
    { {},
      nullptr,
      "expander.resection-ablation",
      CategoryResectionAblation,
      "resection-ablation",
      {} },
    { {}, nullptr, "expander.pve", CategoryAfterPve, "pve", {} },
    { {}, nullptr, "expander.alpps", CategoryAfterAlpps, "alpps", {} },
    { {}, nullptr, "expander.two-stage", CategoryTwoStage, "two-stage", {} },
  };
  std::vector<const PlanEval*> r0Resection, r0Combined;
  for (const PlanEval& p : k.plans)
  {
    if (p.plan->r0 && p.resects())
      (p.ablates() ? r0Combined : r0Resection).push_back(&p), t.r0Any.push_back(&p);
    if (!p.plan->r0 && p.resects() && !p.plan->leftLesionIds.empty())
      t.leavesLesions.push_back(&p);
  }
  const Ok passOk = [](const PlanEval& p) { return p.pass(); };
  const Needs passNeeds = [](const PlanEval& p) { return p.passNeeds(); };
  std::vector<Option>& o = t.options;
  chooseOption(o[Technical::Upfront],
               r0Resection,
               passOk,
               passNeeds,
               k.plans.empty() ? "no plan in the result" : "no plan reaches R0 by resection alone");
  chooseOption(o[Technical::Combined],
               r0Combined,
               passOk,
               passNeeds,
               "no R0 plan combines resection and ablation");
  chooseOption(o[Technical::Pve],
               t.r0Any,
               grows(&PlanEval::pve),
               growNeeds(&PlanEval::pve, "a PVE prediction"),
               "no plan reaches R0");
  chooseOption(o[Technical::Alpps],
               t.r0Any,
               grows(&PlanEval::alpps),
               growNeeds(&PlanEval::alpps, "an ALPPS prediction"),
               "no plan reaches R0");
  chooseOption(
    o[Technical::TwoStage],
    t.leavesLesions,
    grows(&PlanEval::twoStage),
    growNeeds(&PlanEval::twoStage,
              "a two-stage prediction (result.json from analyze/plan with --height/--weight)"),
    "no plan leaves lesions in the remnant for a first stage to clear");
  if (k.plans.empty() || k.imagingCount == 0)
    for (Option& each : o)
      each.eval.notAssessableFor({ k.plans.empty() ? NeedPlan : NeedLesionMap });
  // A PVE that works makes ALPPS unnecessary (ALPPS only when PVE falls short).
  Option& pve = o[Technical::Pve];
  Option& alpps = o[Technical::Alpps];
  if (pve.eval.status == RuleStatus::Met && alpps.eval.status == RuleStatus::Met &&
      pve.plan == alpps.plan)
  {
    alpps.eval.status = RuleStatus::NotMet;
    alpps.eval.conclusion =
      "not needed: PVE reaches the threshold for plan \"" + pve.plan->plan->name + "\"";
  }
  strategyTexts(t, k.in.augmentation);
  for (Technical::Index i : { Technical::Upfront, Technical::Combined })
  {
    const PlanEval* p = o[i].plan;
    const std::string ablates = i == Technical::Combined && p
                                  ? "; ablates lesion(s) " + joinInts(p->plan->ablatedLesionIds)
                                  : std::string();
    describe(o[i],
             "met: " + (p ? p->summary() : std::string()) + ablates,
             p ? "not met: best " + p->summary() : std::string(),
             false);
  }
  describeExpanders(t, k.in.augmentation);
  verdict(t, k);
  return t;
}

void borderlineExpansion(Decider& d)
{
  // No median reaches the threshold, but ALPPS's or two-stage's high scenario does: the route
  // stays listed for the MDT with its numbers (DESIGN.md §3: low / median / high scenarios).
  Eval bl{ RuleStatus::NotApplicable, "", { { "category", d.out.category } }, {} };
  if (d.out.category != CategorySystemicReassess || !d.t.none)
  {
    bl.conclusion = "not applicable: the category is not \"systemic therapy and re-assess\" for "
                    "want of a technical option";
    d.b.add("expander.borderline", bl);
    return;
  }
  struct Route
  {
    const char* strategyId;
    AugmentationStrategy strategy;
    const char* name;
    const std::vector<const PlanEval*>* candidates;
    std::optional<double> PlanEval::*median;
    double medianPercent, highPercent, weeks;
  };
  const AugmentationParameters& a = d.k.in.augmentation;
  std::vector<std::string> found;
  for (const Route& r : { Route{ "alpps-borderline",
                                 AugmentationStrategy::Alpps,
                                 "ALPPS",
                                 &d.t.r0Any,
                                 &PlanEval::alpps,
                                 a.alppsMedianHypertrophyPercent,
                                 a.alppsHighHypertrophyPercent,
                                 a.alppsWaitWeeks },
                          Route{ "two-stage-borderline",
                                 AugmentationStrategy::TwoStage,
                                 "two-stage hepatectomy",
                                 &d.t.leavesLesions,
                                 &PlanEval::twoStage,
                                 a.pveMedianHypertrophyPercent,
                                 a.pveHighHypertrophyPercent,
                                 a.pveWaitWeeks } })
  {
    const PlanEval* best = nullptr;
    double bestHigh = 0.0;
    for (const PlanEval* p : *r.candidates)
    {
      if (!(p->*r.median) || p->plan->contiguous == false)
        continue;
      const double start = *(p->*r.median) / (1.0 + r.medianPercent / 100.0);
      const double high = start * (1.0 + r.highPercent / 100.0);
      if (high >= p->threshold && (high - start) / r.weeks >= a.shindohMinKgrPercentPerWeek &&
          high > bestHigh)
        best = p, bestHigh = high;
    }
    if (!best)
      continue;
    // The median misses the threshold, or reaches it growing slower than the KGR criterion.
    const double median = *(best->*r.median);
    const std::string medianText =
      median < best->threshold
        ? "median " + fmt1(median) + " % falls short"
        : "median " + fmt1(median) + " % reaches it but grows " +
            formatAgainst(medianGrowth(r.strategy, median, a).kineticGrowthRatePercentPerWeek,
                          a.shindohMinKgrPercentPerWeek) +
            " %/week (< " + fmt1(a.shindohMinKgrPercentPerWeek) + ", primary criterion)";
    const std::string numbers = std::string(r.name) + " for " + best->summary() +
                                ": high scenario " + fmt1(bestHigh) + " % reaches " +
                                fmt1(best->threshold) + " %, " + medianText;
    found.push_back(numbers);
    d.b.strategy(r.strategyId,
                 "Borderline, for the MDT: " + numbers +
                   " (population estimates; re-measure after systemic therapy)");
  }
  bl.conclusion = found.empty() ? "not applicable: no high scenario reaches the threshold"
                                : "applies: " + joinTexts(found, "; ");
  if (!found.empty())
    bl.status = RuleStatus::Applies;
  d.b.add("expander.borderline", bl);
}

} // namespace liver::decision
