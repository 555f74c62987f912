/// Neuroendocrine liver metastases (DESIGN.md §3 Decision rules, neuroendocrine) and debulking,
/// which is outside the seed guideline (Sarmiento 2003; Graff-Baker 2014).

#include "context.h"

#include <algorithm>

namespace liver::decision
{

Eval netOptions(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  Eval ssa{ RuleStatus::NotApplicable, "", { { "symptomatic", value(c.symptomatic) } }, {} };
  if (!c.symptomatic)
    ssa.notAssessableFor({ "symptomatic" });
  else if (*c.symptomatic)
    ssa.status = RuleStatus::Applies,
    ssa.conclusion = "applies: symptomatic -> somatostatin analogue";
  else
    ssa.conclusion = "not applicable: no symptoms";
  b.add("net.somatostatin", ssa);
  if (ssa.status == RuleStatus::Applies)
    b.strategy("somatostatin-analogue", "Somatostatin analogue for the symptoms");

  Eval emb{ RuleStatus::NotApplicable,
            "",
            { { "progressive", value(c.progressive) },
              { "symptomatic", value(c.symptomatic) },
              { "hypervascular", value(c.hypervascular) } },
            {} };
  const bool anyFalse =
    c.progressive == false || c.symptomatic == false || c.hypervascular == false;
  if (anyFalse)
    emb.conclusion = "not applicable: needs progressive, symptomatic and vascular tumours";
  else if (c.progressive && c.symptomatic && c.hypervascular)
    emb.status = RuleStatus::Applies,
    emb.conclusion = "applies: progressive symptomatic vascular tumours -> (chemo)embolization";
  else
  {
    for (const auto& [name, v] :
         { std::pair<const char*, std::optional<bool>>{ "progressive", c.progressive },
           { "symptomatic", c.symptomatic },
           { "hypervascular", c.hypervascular } })
      if (!v)
        emb.needs.push_back(name);
    emb.notAssessableFor(emb.needs);
  }
  b.add("net.embolization", emb);
  if (emb.status == RuleStatus::Applies)
    b.strategy("embolization",
               "(Chemo)embolization of the progressive symptomatic vascular "
               "liver metastases");

  Eval prrt{ RuleStatus::NotApplicable,
             "",
             { { "sstr", value(c.sstr) }, { "progressive", value(c.progressive) } },
             {} };
  if (c.sstr == ReceptorStatus::Negative)
    prrt.conclusion = "not applicable: somatostatin-receptor-negative";
  else if (c.progressive == false)
    prrt.conclusion = "not applicable: not progressive";
  else if (!c.sstr || !c.progressive)
  {
    if (!c.sstr)
      prrt.needs.push_back("sstr");
    if (!c.progressive)
      prrt.needs.push_back("progressive");
    prrt.notAssessableFor(prrt.needs);
  }
  else
    prrt.status = RuleStatus::Applies,
    prrt.conclusion = "applies: progressive somatostatin-receptor-positive disease -> PRRT";
  b.add("net.prrt", prrt);
  if (prrt.status == RuleStatus::Applies)
    b.strategy("prrt", "PRRT (progressive, somatostatin-receptor-positive)");

  Eval obs{ RuleStatus::NotApplicable,
            "",
            { { "symptomatic", value(c.symptomatic) },
              { "progressive", value(c.progressive) },
              { "netGrade", value(c.netGrade) } },
            {} };
  if (c.netGrade == 3)
    obs.conclusion = "not applicable: grade 3 - not a disease to observe";
  else if (c.symptomatic == true || c.progressive == true)
    obs.conclusion =
      std::string("not applicable: ") + (c.symptomatic == true ? "symptomatic" : "progressive");
  else if (!c.symptomatic || !c.progressive)
  {
    if (!c.symptomatic)
      obs.needs.push_back("symptomatic");
    if (!c.progressive)
      obs.needs.push_back("progressive");
    obs.notAssessableFor(obs.needs);
  }
  else
  {
    obs.status = RuleStatus::Applies;
    obs.conclusion = "applies: asymptomatic and not progressive -> observation often appropriate";
  }
  b.add("net.observation", obs);
  return obs;
}

void netRules(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  const Option* tech = d.t.tech();
  Eval res;
  res.inputs = { { "lesionCount", count(d.k.lesionCount) },
                 { "bilobar", value(d.k.in.bilobar) },
                 { "technical", tech ? TraceValue(std::string(tech->category)) : TraceValue() } };
  std::optional<bool> isolated;
  if (d.k.lesionCount == 1)
    isolated = true;
  else if (d.k.lesionCount == 0 || d.k.lesionCount > static_cast<std::size_t>(NetIsolatedMaxCount))
    isolated = false;
  else if (d.k.in.bilobar)
    isolated = !*d.k.in.bilobar;
  if (isolated == false)
    res.status = RuleStatus::NotMet,
    res.conclusion =
      "not met: " + std::to_string(d.k.lesionCount) +
      " metastases are not solitary/isolated (isolated: <= " + std::to_string(NetIsolatedMaxCount) +
      " in one lobe)";
  else if (!isolated)
    res.notAssessableFor({ "a Couinaud segment map (bilobar)" });
  else if (d.t.none)
    res.status = RuleStatus::NotMet,
    res.conclusion = "not met: solitary/isolated but no plan reaches R0 with an adequate remnant";
  else if (!d.t.feasible)
    res.status = RuleStatus::NotAssessable, res.needs = d.t.needs,
    res.conclusion = notAssessable(res.needs);
  else
    res.status = RuleStatus::Met,
    res.conclusion = "met: " + std::string(d.k.lesionCount == 1 ? "solitary" : "isolated") +
                     " metastasis/es, " + categoryText(tech->category);
  b.add("net.resection", res);
  // Debulking (outside the seed): the plan with an adequate remnant that removes the largest
  // share of the tumour volume, when it reaches 70 % (Sarmiento 2003; Graff-Baker 2014).
  Eval debulk{ RuleStatus::NotApplicable, "", {}, {} };
  std::string debulkText;
  const PlanEval* debulkPlan = nullptr;
  double debulkPercent = 0.0;
  double tumourMl = 0.0;
  bool volumesKnown = !d.k.in.lesions.empty();
  for (const LesionSummary& l : d.k.in.lesions)
    if (l.volumeMl)
      tumourMl += *l.volumeMl;
    else
      volumesKnown = false;
  if (res.status != RuleStatus::Met && volumesKnown && tumourMl > 0.0)
    for (const PlanEval& p : d.k.plans)
    {
      double leftMl = 0.0;
      for (const LesionSummary& l : d.k.in.lesions)
        if (std::count(p.plan->leftLesionIds.begin(), p.plan->leftLesionIds.end(), l.id))
          leftMl += *l.volumeMl;
      const double removed = 100.0 * (tumourMl - leftMl) / tumourMl;
      if (p.pass() == true && removed > debulkPercent)
        debulkPlan = &p, debulkPercent = removed;
    }
  debulk.inputs = { { "net.resection", toString(res.status) },
                    { "tumourVolumeMl", volumesKnown ? TraceValue(tumourMl) : TraceValue() },
                    { "plan", debulkPlan ? TraceValue(debulkPlan->plan->name) : TraceValue() },
                    { "removedPercent", debulkPlan ? TraceValue(debulkPercent) : TraceValue() } };
  if (res.status == RuleStatus::Met)
    debulk.conclusion = "not applicable: solitary/isolated disease is resected";
  else if (!volumesKnown)
    debulk.notAssessableFor({ "lesion volumes (volumetry.lesions[].volumeMl)" });
  else if (debulkPlan && debulkPercent >= NetDebulkingMinPercent)
  {
    debulk.status = RuleStatus::Applies;
    debulk.conclusion = "applies (outside the seed guideline): plan \"" + debulkPlan->plan->name +
                        "\" removes " + fmt1(debulkPercent) +
                        " % of the tumour volume (>= " + num(NetDebulkingMinPercent) +
                        " %) with an adequate remnant";
    debulkText = "Outside the seed guideline, for the MDT: debulking by " + debulkPlan->summary() +
                 ", removing " + fmt1(debulkPercent) +
                 " % of the tumour volume (>= " + num(NetDebulkingMinPercent) +
                 " %: Sarmiento, JACS 2003; Graff-Baker, Surgery 2014)";
  }
  else
    debulk.conclusion =
      "not applicable: no plan with an adequate remnant removes >= " + num(NetDebulkingMinPercent) +
      " % of the tumour volume";
  if (res.status == RuleStatus::Met)
  {
    d.out.category = d.techCategory();
    d.techStrategies();
    b.add("net.debulking", debulk);
    netOptions(d);
  }
  else
  {
    b.add("net.debulking", debulk);
    const Eval obs = netOptions(d);
    d.out.nonSurgicalWhy = "neuroendocrine: " + res.conclusion;
    if (obs.status == RuleStatus::Applies)
    {
      d.out.category = CategoryObservation;
      b.strategy("observation", "Observation with imaging follow-up");
    }
    else if (c.netGrade == 3 || c.symptomatic == true || c.progressive == true)
    {
      d.out.category = CategorySystemicReassess;
      if (c.netGrade == 3)
        b.strategy("systemic-therapy",
                   "Systemic therapy chosen by oncology (grade 3 neuroendocrine)");
      b.strategy("reassess", "Re-assess at the MDT after treatment");
    }
    else
    {
      d.out.category = CategoryIncomplete;
      d.out.blockers = obs.needs;
      if (res.status == RuleStatus::NotAssessable)
        for (const std::string& n : res.needs)
          addUnique(d.out.blockers, n);
    }
    if (!debulkText.empty())
      b.strategy("debulking", debulkText);
  }
}

} // namespace liver::decision
