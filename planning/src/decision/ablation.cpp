/// Ablation (DESIGN.md §3 Decision rules, ablation): primary for the patient who cannot have
/// surgery, and the size and heat-sink criteria for every lesion a strategy ablates.

#include "context.h"

#include <algorithm>

namespace liver::decision
{

namespace
{

std::string cm(double mm)
{
  return num(mm / 10.0);
}

} // namespace

bool primaryAblationRules(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  const Eval& performance = d.cand.performance;
  const Eval& surgeryPossible = d.cand.surgeryPossible;
  // Why the patient cannot have surgery: poor performance status, comorbidity or refusal.
  std::vector<std::string> noSurgeryWhy;
  for (const Eval* e : { &performance, &surgeryPossible })
    if (e->status == RuleStatus::NotMet)
      noSurgeryWhy.push_back(e->conclusion.substr(std::string("not met: ").size()));
  if (noSurgeryWhy.empty())
    return false;
  {
    // Primary ablation when the patient cannot have surgery or refuses it (seed guideline).
    Eval abl;
    abl.inputs = { { "lesionCount", count(d.k.lesionCount) },
                   { "ecog", value(c.ecog) },
                   { "largestDiameterMm", value(d.k.largestMm) },
                   { "extrahepaticDisease", value(c.extrahepaticDisease) },
                   { "comorbidityPreventsSurgery", value(c.comorbidityPreventsSurgery) },
                   { "patientRefusesSurgery", value(c.patientRefusesSurgery) } };
    std::vector<std::string> fails;
    if (d.k.lesionCount == 0)
      fails.push_back("no lesion to ablate");
    if (d.k.lesionCount > static_cast<std::size_t>(AblationMaxCount))
      fails.push_back(std::to_string(d.k.lesionCount) + " metastases > " +
                      std::to_string(AblationMaxCount));
    if (d.k.largestMm && *d.k.largestMm > AblationMaxPrimaryDiameterMm)
      fails.push_back("largest " + fmt1(*d.k.largestMm) + " mm > " +
                      num(AblationMaxPrimaryDiameterMm) + " mm");
    if (c.extrahepaticDisease && *c.extrahepaticDisease != ExtrahepaticDisease::None)
      fails.push_back("extrahepatic disease (" + toString(*c.extrahepaticDisease) + ")");
    if (!fails.empty())
      abl.status = RuleStatus::NotMet, abl.conclusion = "not met: " + joinTexts(fails, "; ");
    else if (!d.k.largestMm || !c.extrahepaticDisease)
    {
      if (!d.k.largestMm)
        abl.needs.push_back("lesion diameters");
      if (!c.extrahepaticDisease)
        abl.needs.push_back("extrahepaticDisease");
      abl.notAssessableFor(abl.needs);
    }
    else
      abl.status = RuleStatus::Met,
      abl.conclusion = "met: " + std::to_string(d.k.lesionCount) + " metastases, largest " +
                       fmt1(*d.k.largestMm) + " mm, no extrahepatic disease";
    b.add("ablation.primary", abl);
    if (abl.status == RuleStatus::Met)
    {
      d.out.category = CategoryAblationOnly;
      b.strategy("ablation",
                 "Ablation (RFA) of the " + std::to_string(d.k.lesionCount) +
                   " liver metastases as primary treatment (surgery not possible: " +
                   joinTexts(noSurgeryWhy, "; ") + ")");
    }
    else if (abl.status == RuleStatus::NotAssessable)
    {
      d.out.category = CategoryIncomplete;
      d.out.blockers = abl.needs;
    }
    else
    {
      d.out.category = CategoryNotCandidate;
      d.nonSurgical(joinTexts(noSurgeryWhy, "; "));
    }
  }
  return true;
}

void ablationCriteria(Decider& d)
{
  Builder& b = d.b;
  // Ablation criteria for the lesions the strategy ablates.
  const PlanEval* combined = d.t.at(Technical::Combined).plan;
  std::vector<const LesionSummary*> ablated;
  if (d.out.category == CategoryAblationOnly)
    for (const LesionSummary& l : d.k.in.lesions)
      ablated.push_back(&l);
  else if (b.hasStrategy("resection-ablation") && combined)
    for (int id : combined->plan->ablatedLesionIds)
      for (const LesionSummary& l : d.k.in.lesions)
        if (l.id == id)
          ablated.push_back(&l);
  if (!ablated.empty())
  {
    Eval size;
    Eval sink;
    std::vector<std::string> large, borderline, near, unknownSize;
    for (const LesionSummary* l : ablated)
    {
      const std::string name = "lesion " + std::to_string(l->id);
      size.inputs.push_back({ name + ".maxDiameterMm", value(l->maxDiameterMm) });
      sink.inputs.push_back({ name + ".vesselDistanceMm", value(l->vesselDistanceMm) });
      if (!l->maxDiameterMm)
        unknownSize.push_back(name);
      else if (*l->maxDiameterMm > AblationMaxDiameterMm)
        large.push_back(name + " (" + fmt1(*l->maxDiameterMm) + " mm)");
      else if (*l->maxDiameterMm > AblationEfficacyFallsFromMm)
        borderline.push_back(name + " (" + fmt1(*l->maxDiameterMm) + " mm)");
      if (l->vesselDistanceMm && *l->vesselDistanceMm <= AblationVesselDistanceMm)
        near.push_back(name + " (" + fmt1(*l->vesselDistanceMm) + " mm from a vessel)");
    }
    sink.inputs.push_back({ "vesselMapGiven", d.k.in.vesselsKnown });
    if (!large.empty())
    {
      size.status = RuleStatus::Applies;
      size.conclusion = "applies: " + joinTexts(large) + " above " + cm(AblationMaxDiameterMm) +
                        " cm: ablation efficacy falls";
      b.warn("ablation.size",
             "Ablation efficacy falls above " + cm(AblationEfficacyFallsFromMm) + "-" +
               cm(AblationMaxDiameterMm) + " cm: " + joinTexts(large) +
               "; consider resection or another plan for these lesions");
    }
    else if (!unknownSize.empty())
      size.status = RuleStatus::NotAssessable,
      size.needs = { "lesion diameters (" + joinTexts(unknownSize) + ")" },
      size.conclusion = notAssessable(size.needs);
    else
      size.status = RuleStatus::NotApplicable,
      size.conclusion =
        borderline.empty()
          ? "not applicable: every ablated lesion <= " + cm(AblationEfficacyFallsFromMm) + " cm"
          : "not applicable (<= " + cm(AblationMaxDiameterMm) +
              " cm), but efficacy starts to fall above " + cm(AblationEfficacyFallsFromMm) +
              " cm: " + joinTexts(borderline);
    b.add("ablation.size", size);
    if (!near.empty())
    {
      sink.status = RuleStatus::Applies;
      sink.conclusion = "applies: " + joinTexts(near) + ": heat sink raises local recurrence";
      b.warn("ablation.heat-sink",
             "Heat sink: " + joinTexts(near) + " - higher local recurrence after ablation");
    }
    else if (!d.k.in.vesselsKnown)
      sink.status = RuleStatus::NotAssessable,
      sink.needs = { "a vessel map (--vessels) for the heat-sink check" },
      sink.conclusion = notAssessable(sink.needs);
    else
      sink.status = RuleStatus::NotApplicable,
      sink.conclusion = "not applicable: no ablated lesion within " +
                        fmt1(AblationVesselDistanceMm) + " mm of a vessel";
    b.add("ablation.heat-sink", sink);
  }
}

} // namespace liver::decision
