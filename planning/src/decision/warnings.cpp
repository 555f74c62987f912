/// The warnings always checked (DESIGN.md §3 Decision rules) and the MDT referral.

#include "context.h"

#include <algorithm>
#include <cmath>

namespace liver::decision
{

namespace
{

void warnBodyMismatch(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  Eval e;
  e.inputs = { { "bodyHeightCm", value(d.k.in.bodyHeightCm) },
               { "bodyWeightKg", value(d.k.in.bodyWeightKg) },
               { "heightCm", value(c.heightCm) },
               { "weightKg", value(c.weightKg) } };
  if (d.k.bodyMismatch)
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: sFLR recomputed with the clinical height and weight";
    b.warn("warning.body-mismatch",
           "The clinical height/weight (" + fmt1(*c.heightCm) + " cm, " + fmt1(*c.weightKg) +
             " kg) differ from the result's (" + fmt1(*d.k.in.bodyHeightCm) + " cm, " +
             fmt1(*d.k.in.bodyWeightKg) + " kg): sFLR recomputed with the clinical values");
  }
  else
  {
    e.status = RuleStatus::NotApplicable;
    e.conclusion = d.k.recompute
                     ? "not applicable: sFLR computed from the clinical height and weight"
                     : "not applicable";
  }
  b.add("warning.body-mismatch", e);
}

void warnChemotherapyLiver(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  const LiverConditionEval& liver = d.k.liver;
  Eval e;
  e.inputs = { { "chemotherapyStatus", value(c.chemotherapyStatus) },
               { "chemotherapyWeeks", value(c.chemotherapyWeeks) },
               { "liverConditionGiven", value(liver.given) },
               { "liverConditionUsed", value(liver.condition) } };
  std::vector<std::string> why;
  const double chemoMin = flrThreshold(LiverCondition::Chemotherapy).minimumPercent;
  if (liver.chemotherapyExposed && liver.given == LiverCondition::Normal)
    why.push_back("the liver was called normal after chemotherapy " +
                  (c.chemotherapyWeeks ? "of " + fmt1(*c.chemotherapyWeeks) + " weeks"
                                       : std::string("of unknown duration")) +
                  ": the " + fmt1(chemoMin) +
                  " % threshold of a chemotherapy-exposed liver "
                  "applies (Shindoh, Ann Surg Oncol 2013)");
  if (liver.chemotherapyExposed)
    for (const PlanEval& p : d.k.plans)
      if (p.plan->thresholdSource == "user" && p.threshold < chemoMin)
        why.push_back("plan \"" + p.plan->name + "\" uses a user threshold of " +
                      fmt1(p.threshold) + " %, below the " + fmt1(chemoMin) +
                      " % for a liver after > " + num(ChemotherapyInjuryWeeks) +
                      " weeks of chemotherapy");
  if (!why.empty())
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: " + joinTexts(why, "; ");
    b.warn("warning.chemotherapy-liver", "Chemotherapy-exposed liver: " + joinTexts(why, "; "));
  }
  else if (!c.chemotherapyStatus && !chemotherapyGiven(c))
    e.notAssessableFor({ "chemotherapyStatus" });
  else
  {
    e.status = RuleStatus::NotApplicable;
    e.conclusion =
      liver.chemotherapyExposed
        ? "not applicable: the chemotherapy-exposed threshold is in use"
        : "not applicable: no chemotherapy > " + num(ChemotherapyInjuryWeeks) + " weeks";
  }
  b.add("warning.chemotherapy-liver", e);
}

void warnFlrBodyWeight(Decider& d)
{
  Builder& b = d.b;
  const Option* tech = d.t.tech();
  // Only the plan a strategy recommends; the ratio is compared as printed (2 decimals).
  const std::string cutOff = fmt2(FlrBodyWeightMinPercent);
  Eval e;
  const PlanEval* recommended = tech ? tech->plan : nullptr;
  std::optional<double> ratio;
  if (recommended && recommended->flrBodyWeight)
    ratio = std::round(recommended->flrBodyWeight.value() * 100.0) / 100.0;
  e.inputs = { { "plan", recommended ? TraceValue(recommended->plan->name) : TraceValue() },
               { "flrBodyWeightPercent", value(ratio) },
               { "flrBodyWeightFrom",
                 recommended ? TraceValue(recommended->flrBodyWeightFrom) : TraceValue() } };
  if (!recommended)
    e.status = RuleStatus::NotApplicable, e.conclusion = "not applicable: no plan is recommended";
  else if (!ratio)
    e.notAssessableFor({ "weightKg" });
  else if (*ratio <= FlrBodyWeightMinPercent)
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: FLR/body weight " + fmt2(*ratio) + " % <= " + cutOff + " %";
    b.warn("warning.flr-body-weight",
           "FLR / body weight " + fmt2(*ratio) + " % <= " + cutOff + " % for plan \"" +
             recommended->plan->name + "\": higher morbidity (Truant, JACS 2007)");
  }
  else
    e.status = RuleStatus::NotApplicable,
    e.conclusion = "not applicable: FLR/body weight " + fmt2(*ratio) + " % > " + cutOff + " %";
  b.add("warning.flr-body-weight", e);
}

void warnSurgeryBeforeChemo(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  const bool chemoPlanned = b.hasStrategy("neoadjuvant-chemotherapy") ||
                            b.hasStrategy("perioperative-folfox") || b.hasStrategy("systemic");
  // Chemotherapy already given (ongoing or completed): the evaluation comes after (part of) it.
  const std::string given = chemotherapyGivenText(c);
  Eval e;
  e.inputs = { { "chemotherapyStatus", value(c.chemotherapyStatus) },
               { "chemotherapyWeeks", value(c.chemotherapyWeeks) },
               { "chemotherapyInStrategies", chemoPlanned } };
  if (!given.empty())
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: this evaluation comes " + given;
    b.warn("warning.surgery-before-chemo",
           "Evaluated " + given +
             ": responding lesions can vanish on imaging and about 20 % of resectable tumours "
             "progress during neoadjuvant chemotherapy - compare with the imaging before "
             "chemotherapy and treat every original site; evaluate surgically before any "
             "further chemotherapy");
  }
  else if (chemoPlanned)
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: chemotherapy is planned";
    b.warn("warning.surgery-before-chemo",
           "Surgical evaluation before chemotherapy: about 20 % of resectable tumours progress "
           "during neoadjuvant chemotherapy, and responding lesions can vanish on imaging - "
           "record (and mark) every lesion before chemotherapy");
  }
  else
    e.status = RuleStatus::NotApplicable,
    e.conclusion = "not applicable: no chemotherapy planned or given";
  b.add("warning.surgery-before-chemo", e);
}

void warnNoBiopsy(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  Eval e;
  e.inputs = { { "primaryTumour", value(c.primaryTumour) } };
  if (d.k.crc || !c.primaryTumour)
  {
    e.status = RuleStatus::Applies;
    e.conclusion = d.k.crc ? "applies: colorectal" : "applies: primary not given";
    b.warn("warning.no-biopsy", "Never biopsy suspected colorectal liver metastases");
  }
  else
    e.status = RuleStatus::NotApplicable,
    e.conclusion = "not applicable: " + toString(*c.primaryTumour) + " primary";
  b.add("warning.no-biopsy", e);
}

void warnCompleteResponse(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  Eval e;
  e.inputs = { { "chemotherapyResponse", value(c.chemotherapyResponse) },
               { "lesionsOnImaging", count(d.k.imagingCount) },
               { "numberOfMetastases", value(c.numberOfMetastases) } };
  std::vector<std::string> why;
  if (c.chemotherapyResponse == ChemotherapyResponse::Complete)
    why.push_back("complete radiological response");
  if (d.k.imagingCount == 0)
    why.push_back("no lesion in the lesion map");
  if (c.numberOfMetastases && static_cast<std::size_t>(*c.numberOfMetastases) > d.k.imagingCount)
    why.push_back(std::to_string(*c.numberOfMetastases) + " metastases known, " +
                  std::to_string(d.k.imagingCount) + " in the lesion map");
  if (!why.empty())
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: " + joinTexts(why, "; ");
    b.warn("warning.complete-response",
           "Complete radiological response is not absence of disease (" + joinTexts(why, "; ") +
             "): treat the original sites of every lesion");
  }
  else
    e.status = RuleStatus::NotApplicable, e.conclusion = "not applicable";
  b.add("warning.complete-response", e);
}

void warnImagingMismatch(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  Eval e;
  e.inputs = { { "numberOfMetastases", value(c.numberOfMetastases) },
               { "lesionsOnImaging", count(d.k.imagingCount) } };
  if (!c.numberOfMetastases)
    e.status = RuleStatus::NotApplicable,
    e.conclusion = "not applicable: no clinical number of metastases";
  else if (static_cast<std::size_t>(*c.numberOfMetastases) != d.k.imagingCount)
  {
    e.status = RuleStatus::Applies;
    e.conclusion = "applies: " + std::to_string(*c.numberOfMetastases) +
                   " metastases known clinically, " + std::to_string(d.k.imagingCount) +
                   " in the lesion map";
    b.warn("warning.imaging-mismatch",
           "Imaging and clinic disagree: " + e.conclusion.substr(9) +
             " - check the lesion map (or the clinical count) before relying on the plans" +
             (d.k.imagingCount == 0 ? "; an empty map makes every plan R0 by definition" : ""));
  }
  else
    e.status = RuleStatus::NotApplicable,
    e.conclusion = "not applicable: the lesion map shows the " + std::to_string(d.k.imagingCount) +
                   " metastases known clinically";
  b.add("warning.imaging-mismatch", e);
}

void warnJudgeRemnant(Decider& d)
{
  Builder& b = d.b;
  const PlanEval* chosenPlan = d.t.chosenPlan;
  Eval e{ RuleStatus::Applies, "", {}, {} };
  if (chosenPlan)
  {
    const PlanSummary& p = *chosenPlan->plan;
    e.inputs = { { "plan", p.name },
                 { "flrMl", p.flrMl },
                 { "sflrPercent", value(chosenPlan->sflr) },
                 { "segmentsLeft", joinInts(p.segmentsLeft) },
                 { "contiguous", value(p.contiguous) } };
    e.conclusion = "applies: remnant of \"" + p.name + "\": " + fmt1(p.flrMl) +
                   " mL functional, sFLR " +
                   (chosenPlan->sflr ? fmt1(*chosenPlan->sflr) + " %" : std::string("unknown")) +
                   ", segments left " +
                   (p.segmentsLeft.empty() ? std::string("unknown") : joinInts(p.segmentsLeft));
    b.warn("warning.judge-remnant",
           "Judge what remains, not only what is removed: " + e.conclusion.substr(9) +
             " - check its inflow, outflow and biliary drainage");
  }
  else
  {
    e.conclusion = "applies: no plan evaluated, the remnant has not been judged";
    b.warn("warning.judge-remnant",
           "Judge what remains, not only what is removed: no resection plan was evaluated");
  }
  b.add("warning.judge-remnant", e);
}

} // namespace

void warningRules(Decider& d)
{
  warnBodyMismatch(d);
  warnChemotherapyLiver(d);
  warnFlrBodyWeight(d);
  warnSurgeryBeforeChemo(d);
  warnNoBiopsy(d);
  warnCompleteResponse(d);
  warnImagingMismatch(d);
  warnJudgeRemnant(d);
  Builder& b = d.b;
  b.add("mdt.referral", { RuleStatus::Applies, "applies: every case", {}, {} });
  b.warn("mdt.referral",
         "Every case goes to a multidisciplinary team at a hepatobiliary centre; this is decision "
         "support, not an order");
}

} // namespace liver::decision
