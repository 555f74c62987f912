/// Surgical candidacy (DESIGN.md §3 Decision rules): R0, remnant, performance status,
/// extrahepatic disease, surgery possible - and candidacy.all, settled against the category.

#include "context.h"

namespace liver::decision
{

namespace
{

Eval candidacyR0(const CaseContext& k, const Technical& t)
{
  Eval r0;
  std::size_t r0Count = 0;
  std::vector<std::string> names;
  for (const PlanEval& p : k.plans)
    if (p.plan->r0)
      ++r0Count, names.push_back("\"" + p.plan->name + "\"");
  r0.inputs = { { "plans", count(k.plans.size()) }, { "plansR0", count(r0Count) } };
  const Option& two = t.at(Technical::TwoStage);
  if (k.plans.empty())
    r0.notAssessableFor({ NeedPlan });
  else if (k.imagingCount == 0)
    r0.notAssessableFor({ NeedLesionMap });
  else if (r0Count > 0)
    r0.status = RuleStatus::Met, r0.conclusion = "met: R0 achievable by " + joinTexts(names);
  else if (two.eval.status == RuleStatus::Met)
    r0.status = RuleStatus::Met,
    r0.conclusion = "met over two stages: plan \"" + two.plan->plan->name +
                    "\" after stage 1 clears lesion(s) " + joinInts(two.plan->plan->leftLesionIds);
  else
  {
    std::string statuses;
    for (const PlanEval& p : k.plans)
      statuses += (statuses.empty() ? "" : ", ") + p.plan->name + " " + p.plan->marginStatus;
    r0.status = RuleStatus::NotMet;
    r0.conclusion = "not met: no plan reaches R0 (" + statuses + ")";
  }
  return r0;
}

Eval candidacyFlr(const CaseContext& k, const Technical& t, const Eval& r0)
{
  Eval flr;
  const Option& upfront = t.at(Technical::Upfront);
  const Option& combined = t.at(Technical::Combined);
  const Option& now = upfront.eval.status == RuleStatus::Met ? upfront : combined;
  const PlanEval* p = now.plan ? now.plan : (upfront.plan ? upfront.plan : combined.plan);
  planInputs(flr, p);
  flr.inputs.push_back({ "sflrFrom", p ? TraceValue(p->sflrFrom) : TraceValue() });
  flr.inputs.push_back({ "thresholdSource", p ? TraceValue(p->thresholdSource) : TraceValue() });
  flr.inputs.push_back({ "liverCondition", value(k.liver.condition) });
  if (now.eval.status == RuleStatus::Met)
    flr.status = RuleStatus::Met, flr.conclusion = "met now: " + now.plan->summary();
  else if (r0.status == RuleStatus::NotAssessable)
    flr.notAssessableFor(r0.needs);
  else if (upfront.eval.status == RuleStatus::NotAssessable ||
           combined.eval.status == RuleStatus::NotAssessable)
  {
    for (const Option* o : { &upfront, &combined })
      for (const std::string& n : o->eval.needs)
        addUnique(flr.needs, n);
    flr.notAssessableFor(flr.needs);
  }
  else
  {
    flr.status = RuleStatus::NotMet;
    flr.conclusion = t.r0Any.empty() ? "not met: no plan reaches R0 in one stage"
                                     : "not met now: best " + (p ? p->summary() : std::string());
    if (t.tech())
      flr.conclusion += "; reachable: " + std::string(categoryText(t.tech()->category));
  }
  return flr;
}

Eval candidacyPerformance(const Clinical& c)
{
  Eval e;
  e.inputs = { { "ecog", value(c.ecog) } };
  const std::string good = "0-" + std::to_string(MaxGoodEcog);
  if (!c.ecog)
    e.notAssessableFor({ "ecog" });
  else if (*c.ecog <= MaxGoodEcog)
    e.status = RuleStatus::Met,
    e.conclusion = "met: ECOG " + std::to_string(*c.ecog) + " (good: " + good + ")";
  else
    e.status = RuleStatus::NotMet, e.conclusion = "not met: ECOG " + std::to_string(*c.ecog) +
                                                  " is not good performance status (" + good + ")";
  return e;
}

Eval candidacyExtrahepatic(const Clinical& c)
{
  Eval e;
  e.inputs = { { "extrahepaticDisease", value(c.extrahepaticDisease) },
               { "primaryTumour", value(c.primaryTumour) },
               { "extrahepaticR0Achievable", value(c.extrahepaticR0Achievable) } };
  // Any primary: not an absolute contraindication when R0 of every site is achievable.
  const auto allSites = [&](const std::string& what)
  {
    if (c.extrahepaticR0Achievable == true)
      e.status = RuleStatus::Met,
      e.conclusion =
        "met: " + what + ", but R0 of all sites is achievable (not an absolute contraindication)";
    else
      e.status = RuleStatus::NotMet,
      e.conclusion = "not met: " + what +
                     (c.extrahepaticR0Achievable ? " and R0 of all sites is not achievable"
                                                 : " (unless R0 of all sites is achievable: "
                                                   "extrahepaticR0Achievable not given)");
  };
  if (!c.extrahepaticDisease)
  {
    e.notAssessableFor({ "extrahepaticDisease" });
    return e;
  }
  const ExtrahepaticDisease x = *c.extrahepaticDisease;
  if (x == ExtrahepaticDisease::None || x == ExtrahepaticDisease::Controlled)
    e.status = RuleStatus::Met, e.conclusion = "met: " + toString(x);
  else if (x == ExtrahepaticDisease::Uncontrolled)
    allSites("uncontrolled extrahepatic disease");
  else
  {
    // The seed states both exceptions for breast cancer, and only there (DESIGN.md §3).
    const std::string what = x == ExtrahepaticDisease::IsolatedBoneRadiotherapy
                               ? "isolated bone metastases controllable with radiation"
                               : "a solitary pulmonary metastasis";
    if (!c.primaryTumour)
      e.notAssessableFor(
        { "primaryTumour (the bone and solitary pulmonary exceptions are for breast)" });
    else if (*c.primaryTumour == PrimaryTumour::Breast)
      e.status = RuleStatus::Met, e.conclusion = "met by exception: " + what + " in breast cancer";
    else
      allSites(what + " (an exception only in breast cancer)");
  }
  return e;
}

Eval candidacySurgeryPossible(const Clinical& c)
{
  Eval e;
  e.inputs = { { "comorbidityPreventsSurgery", value(c.comorbidityPreventsSurgery) },
               { "patientRefusesSurgery", value(c.patientRefusesSurgery) } };
  const bool comorbid = c.comorbidityPreventsSurgery.value_or(false);
  const bool refuses = c.patientRefusesSurgery.value_or(false);
  if (comorbid || refuses)
    e.status = RuleStatus::NotMet, e.conclusion = std::string("not met: ") +
                                                  (comorbid ? "comorbidity prevents surgery" : "") +
                                                  (comorbid && refuses ? "; " : "") +
                                                  (refuses ? "the patient refuses surgery" : "");
  else
    e.status = RuleStatus::Met,
    e.conclusion =
      c.comorbidityPreventsSurgery && c.patientRefusesSurgery
        ? "met: no comorbidity preventing surgery, no refusal"
        : "met: no comorbidity preventing surgery or refusal recorded (flags not given)";
  return e;
}

Eval candidacyAll(const Technical& t, const Candidacy& k)
{
  Eval all;
  all.inputs = { { "candidacy.r0", toString(k.r0.status) },
                 { "candidacy.flr", toString(k.flr.status) },
                 { "candidacy.performance", toString(k.performance.status) },
                 { "candidacy.extrahepatic", toString(k.extrahepatic.status) },
                 { "candidacy.surgery-possible", toString(k.surgeryPossible.status) },
                 { "technical",
                   t.tech() ? TraceValue(std::string(t.tech()->category)) : TraceValue() } };
  if (k.patientFails)
  {
    std::vector<std::string> why;
    for (const Eval* e : { &k.performance, &k.extrahepatic, &k.surgeryPossible })
      if (e->status == RuleStatus::NotMet)
        why.push_back(e->conclusion.substr(std::string("not met: ").size()));
    all.status = RuleStatus::NotMet;
    all.conclusion = "not a surgical candidate: " + joinTexts(why, "; ");
  }
  else if (t.none)
    all.status = RuleStatus::NotMet, all.conclusion = "not a candidate now: " + t.imagingAlone;
  else if (t.unknown || !k.patientNeeds.empty())
  {
    std::vector<std::string> needs = t.needs;
    for (const std::string& n : k.patientNeeds)
      addUnique(needs, n);
    all.notAssessableFor(needs);
  }
  else
    all.status = RuleStatus::Met,
    all.conclusion = std::string("surgical candidate: ") + categoryText(t.tech()->category);
  return all;
}

} // namespace

Candidacy evaluateCandidacy(const CaseContext& k, const Technical& t, Builder& b)
{
  Candidacy c;
  c.r0 = candidacyR0(k, t);
  c.flr = candidacyFlr(k, t, c.r0);
  c.performance = candidacyPerformance(k.c);
  c.extrahepatic = candidacyExtrahepatic(k.c);
  c.surgeryPossible = candidacySurgeryPossible(k.c);
  c.patientFails = c.performance.status == RuleStatus::NotMet ||
                   c.extrahepatic.status == RuleStatus::NotMet ||
                   c.surgeryPossible.status == RuleStatus::NotMet;
  for (const Eval* e : { &c.performance, &c.extrahepatic })
    for (const std::string& n : e->needs)
      addUnique(c.patientNeeds, n);
  b.add("candidacy.r0", c.r0);
  b.add("candidacy.flr", c.flr);
  b.add("candidacy.performance", c.performance);
  b.add("candidacy.extrahepatic", c.extrahepatic);
  b.add("candidacy.surgery-possible", c.surgeryPossible);
  for (const Option& o : t.options)
    b.add(o.ruleId, o.eval);
  c.all = candidacyAll(t, c);
  b.add("candidacy.all", c.all);
  return c;
}

void settleCandidacy(Decider& d)
{
  // candidacy.all agrees with the category: a non-surgical category never reads "surgical
  // candidate" (issue 14).
  if (d.cand.all.status != RuleStatus::Met || isSurgicalCategory(d.out.category))
    return;
  Eval settled = d.cand.all;
  settled.inputs.push_back({ "category", d.out.category });
  if (d.out.category == CategoryIncomplete)
    settled.notAssessableFor(d.out.blockers.empty()
                               ? std::vector<std::string>{ "the data the category names" }
                               : d.out.blockers);
  else
    settled.status = RuleStatus::NotMet,
    settled.conclusion =
      "not a surgical candidate now: " + std::string(categoryText(d.out.category)) +
      (d.out.nonSurgicalWhy.empty() ? "" : " (" + d.out.nonSurgicalWhy + ")");
  d.b.replace("candidacy.all", settled);
}

} // namespace liver::decision
