/// The case context, the builder and the small helpers the rule families share.

#include "context.h"

#include <liver/volumetry/liver_function.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace liver::decision
{

std::string fmt1(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string num(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string fmt2(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

std::string joinInts(const std::vector<int>& values)
{
  std::string s;
  for (int v : values)
    s += (s.empty() ? "" : ", ") + std::to_string(v);
  return s;
}

std::string joinTexts(const std::vector<std::string>& values, const char* separator)
{
  std::string s;
  for (const std::string& v : values)
    s += (s.empty() ? "" : separator) + v;
  return s;
}

void addUnique(std::vector<std::string>& list, const std::string& item)
{
  if (std::find(list.begin(), list.end(), item) == list.end())
    list.push_back(item);
}

std::string notAssessable(const std::vector<std::string>& needs)
{
  return "not assessable: needs " + joinTexts(needs);
}

std::string growthText(const PredictedGrowth& g, const AugmentationParameters& a)
{
  return "predicted KGR " +
         formatAgainst(g.kineticGrowthRatePercentPerWeek, a.shindohMinKgrPercentPerWeek) +
         " %/week (" + (g.kgrMet ? ">= " : "< ") + fmt1(a.shindohMinKgrPercentPerWeek) +
         ", primary criterion), DH " +
         formatAgainst(g.degreeOfHypertrophyPoints, a.shindohMinDhPoints) + " points (" +
         (g.dhMet ? ">= " : "< ") + fmt1(a.shindohMinDhPoints) + ")";
}

std::string chemotherapyGivenText(const Clinical& c)
{
  if (!chemotherapyGiven(c))
    return "";
  const std::string weeks = c.chemotherapyWeeks ? num(*c.chemotherapyWeeks) + " weeks" : "";
  if (c.chemotherapyStatus == ChemotherapyStatus::Ongoing)
    return weeks.empty() ? "on chemotherapy of unknown duration (ongoing)"
                         : "on chemotherapy for " + weeks + " (ongoing)";
  const std::string status =
    c.chemotherapyStatus ? " (" + toString(*c.chemotherapyStatus) + ")" : " (status not given)";
  return (weeks.empty() ? "after chemotherapy of unknown duration"
                        : "after " + weeks + " of chemotherapy") +
         status;
}

const char* categoryText(const std::string& id)
{
  static const std::map<std::string, const char*> texts = {
    { CategoryResectableUpfront, "Resectable upfront" },
    { CategoryAfterPve, "Resectable after FLR augmentation: portal vein embolization (PVE)" },
    { CategoryAfterAlpps, "Resectable after FLR augmentation: ALPPS" },
    { CategoryTwoStage, "Two-stage hepatectomy" },
    { CategoryResectionAblation, "Resection + ablation" },
    { CategoryAblationOnly, "Ablation only" },
    { CategorySystemicReassess, "Not resectable now - systemic therapy and re-assessment" },
    { CategoryObservation, "Observation (neuroendocrine)" },
    { CategoryNotCandidate, "Not a surgical candidate" },
    { CategoryIncomplete, "Not assessable - missing data" }
  };
  return texts.at(id);
}

bool isSurgicalCategory(const std::string& id)
{
  return id == CategoryResectableUpfront || id == CategoryAfterPve || id == CategoryAfterAlpps ||
         id == CategoryTwoStage || id == CategoryResectionAblation;
}

void Eval::notAssessableFor(std::vector<std::string> missing)
{
  status = RuleStatus::NotAssessable;
  needs = std::move(missing);
  conclusion = notAssessable(needs);
}

void Builder::add(const std::string& ruleId, const Eval& e)
{
  const auto& rules = decisionRules();
  const auto rule =
    std::find_if(rules.begin(), rules.end(), [&](const RuleInfo& r) { return r.id == ruleId; });
  if (rule == rules.end())
    throw std::logic_error("decision rule '" + ruleId + "' is not in decisionRules()");
  m_d.trace.push_back({ ruleId, e.inputs, e.conclusion, rule->source, e.status });
  // A rule's source may name several ("A; B"): the decision lists each once.
  std::string::size_type start = 0;
  while (start < rule->source.size())
  {
    const auto end = rule->source.find("; ", start);
    addUnique(m_d.sources, rule->source.substr(start, end - start));
    start = end == std::string::npos ? std::string::npos : end + 2;
  }
  for (const std::string& n : e.needs)
    addUnique(m_d.missing, n);
}

void Builder::replace(const std::string& ruleId, const Eval& e)
{
  for (TraceEntry& t : m_d.trace)
    if (t.ruleId == ruleId)
    {
      t.inputs = e.inputs;
      t.conclusion = e.conclusion;
      t.status = e.status;
    }
  for (const std::string& n : e.needs)
    addUnique(m_d.missing, n);
}

void Builder::warn(const std::string& ruleId, const std::string& text)
{
  m_d.warnings.push_back({ ruleId, text });
}

void Builder::strategy(const std::string& id, const std::string& text)
{
  for (const Strategy& s : m_d.strategies)
    if (s.id == id)
      return;
  m_d.strategies.push_back({ id, text });
}

bool Builder::hasStrategy(const std::string& idPrefix) const
{
  return std::any_of(m_d.strategies.begin(),
                     m_d.strategies.end(),
                     [&](const Strategy& s) { return s.id.rfind(idPrefix, 0) == 0; });
}

namespace
{
AugmentationStrategy strategyOf(const std::optional<double> PlanEval::*median)
{
  return median == &PlanEval::alpps      ? AugmentationStrategy::Alpps
         : median == &PlanEval::twoStage ? AugmentationStrategy::TwoStage
                                         : AugmentationStrategy::Pve;
}
} // namespace

std::optional<PredictedGrowth> PlanEval::growth(const std::optional<double> PlanEval::*median) const
{
  const std::optional<MedianQualification> q = qualification(median);
  return q ? std::optional<PredictedGrowth>(q->growth) : std::nullopt;
}

std::optional<MedianQualification> PlanEval::qualification(
  const std::optional<double> PlanEval::*median) const
{
  if (!(this->*median))
    return std::nullopt;
  return qualifyMedian(strategyOf(median), *(this->*median), threshold, *augmentation);
}

std::optional<bool> PlanEval::pass() const
{
  if (plan->contiguous && !*plan->contiguous)
    return false;
  if (sflr && *sflr < threshold)
    return false;
  if (!sflr || !plan->contiguous)
    return std::nullopt;
  return true;
}

std::vector<std::string> PlanEval::passNeeds() const
{
  std::vector<std::string> needs;
  if (!sflr)
    needs.push_back("heightCm and weightKg (sFLR)");
  if (!plan->contiguous)
    needs.push_back("a Couinaud segment map (contiguity)");
  return needs;
}

std::string PlanEval::summary() const
{
  std::string s = "plan \"" + plan->name + "\": " + plan->marginStatus + ", sFLR ";
  s += sflr ? fmt1(*sflr) + " %" : std::string("unknown");
  s += " (threshold " + fmt1(threshold) + " %, " + thresholdSource + ")";
  s += plan->contiguous
         ? (*plan->contiguous ? ", >= 2 contiguous segments" : ", fewer than 2 contiguous segments")
         : ", contiguity unknown";
  return s;
}

void planInputs(Eval& e, const PlanEval* p)
{
  e.inputs.push_back({ "plan", p ? TraceValue(p->plan->name) : TraceValue() });
  e.inputs.push_back({ "marginStatus", p ? TraceValue(p->plan->marginStatus) : TraceValue() });
  e.inputs.push_back({ "sflrPercent", p ? value(p->sflr) : TraceValue() });
  e.inputs.push_back({ "thresholdPercent", p ? TraceValue(p->threshold) : TraceValue() });
  e.inputs.push_back({ "contiguous", p ? value(p->plan->contiguous) : TraceValue() });
}

namespace
{

LiverConditionEval liverConditionFor(const Clinical& c, const DecisionInputs& in)
{
  const auto known = [](const std::optional<LiverCondition>& v)
  { return v && *v != LiverCondition::Unknown ? v : std::nullopt; };
  LiverConditionEval e;
  e.given = known(c.liverCondition) ? known(c.liverCondition) : known(in.liverCondition);
  e.chemotherapyExposed = chemotherapyExposedLiver(c);
  e.condition = known(thresholdLiverCondition(c, e.given.value_or(LiverCondition::Unknown)));
  return e;
}

/// sFLR from the result, or from the clinical height/weight; the threshold of the liver
/// condition unless the user set one; FLR/BW with the weight the sFLR used.
PlanEval planEval(const PlanSummary& p, const CaseContext& k, const std::optional<double>& slvMl)
{
  const Clinical& c = k.c;
  PlanEval e;
  e.plan = &p;
  e.augmentation = &k.in.augmentation;
  e.threshold = p.thresholdPercent;
  e.thresholdSource = p.thresholdSource.empty() ? "result.json" : p.thresholdSource;
  if (k.liver.condition && p.thresholdSource != "user")
  {
    const FlrThreshold t = flrThreshold(*k.liver.condition);
    e.threshold = t.minimumPercent;
    e.thresholdSource = t.source;
  }
  e.flrBodyWeight = p.flrBodyWeightPercent;
  e.flrBodyWeightFrom = "result.json";
  if (c.weightKg && (k.recompute || !p.flrBodyWeightPercent))
  {
    e.flrBodyWeight = flrBodyWeightPercent(p.flrMl, *c.weightKg);
    e.flrBodyWeightFrom = "clinical weightKg";
  }
  if (!k.recompute)
  {
    e.sflr = p.sflrPercent;
    e.sflrFrom = "result.json";
    e.pve = p.pveMedianSflrPercent;
    e.alpps = p.alppsMedianSflrPercent;
    e.twoStage = p.twoStageMedianSflrPercent;
    return e;
  }
  e.sflr = standardizedFlrPercent(p.flrMl, *slvMl);
  e.sflrFrom = "clinical heightCm/weightKg";
  if (p.sflrPercent && *p.sflrPercent > 0.0)
  {
    // Every prediction is a volume over the SLV, so a new SLV rescales it exactly.
    const double scale = *e.sflr / *p.sflrPercent;
    const auto rescale = [scale](const std::optional<double>& v)
    { return v ? std::optional<double>(*v * scale) : std::nullopt; };
    e.pve = rescale(p.pveMedianSflrPercent);
    e.alpps = rescale(p.alppsMedianSflrPercent);
    e.twoStage = rescale(p.twoStageMedianSflrPercent);
  }
  else if (e.threshold > 0.0 && e.threshold <= 100.0)
  {
    e.pve = predictPve(*e.sflr, e.threshold, k.in.augmentation).median.predictedSflrPercent;
    e.alpps = predictAlpps(*e.sflr, e.threshold, k.in.augmentation).median.predictedSflrPercent;
  }
  return e;
}

} // namespace

CaseContext::CaseContext(const Clinical& clinical, const DecisionInputs& inputs)
  : c(clinical)
  , in(inputs)
{
  const bool clinicalBody = c.heightCm && c.weightKg;
  bodyMismatch = clinicalBody && in.bodyHeightCm && in.bodyWeightKg &&
                 (std::abs(*in.bodyHeightCm - *c.heightCm) > BodyFiguresToleranceCmKg ||
                  std::abs(*in.bodyWeightKg - *c.weightKg) > BodyFiguresToleranceCmKg);
  recompute = clinicalBody && (!in.bodyHeightCm || !in.bodyWeightKg || bodyMismatch);
  std::optional<double> slvMl;
  if (recompute)
    slvMl = standardLiverVolumeMl(bodySurfaceAreaM2(*c.heightCm, *c.weightKg, in.bsaFormula),
                                  in.slvFormula);
  liver = liverConditionFor(c, in);
  for (const PlanSummary& p : in.plans)
    plans.push_back(planEval(p, *this, slvMl));

  imagingCount = in.lesions.size();
  lesionCount =
    c.numberOfMetastases ? static_cast<std::size_t>(*c.numberOfMetastases) : imagingCount;
  // Unknown when the map shows fewer lesions than are known clinically, or a diameter is missing.
  largestMm = 0.0;
  if (imagingCount < lesionCount)
    largestMm.reset();
  for (const LesionSummary& l : in.lesions)
    if (!l.maxDiameterMm)
      largestMm.reset();
    else if (largestMm)
      largestMm = std::max(*largestMm, *l.maxDiameterMm);
  crc = c.primaryTumour == PrimaryTumour::Colorectal;
  breast = c.primaryTumour == PrimaryTumour::Breast;
  net = c.primaryTumour == PrimaryTumour::Neuroendocrine;
}

std::string Decider::techCategory()
{
  if (t.feasible && cand.patientNeeds.empty())
    return t.tech()->category;
  if (t.none)
    return CategorySystemicReassess;
  out.blockers.insert(out.blockers.end(), t.needs.begin(), t.needs.end());
  for (const std::string& n : cand.patientNeeds)
    addUnique(out.blockers, n);
  return CategoryIncomplete;
}

void Decider::techStrategies(const std::string& prefix)
{
  if (!t.tech())
    return;
  bool first = true;
  for (const Option& o : t.options)
    if (o.eval.status == RuleStatus::Met)
    {
      b.strategy(o.strategyId, prefix + (first ? "" : "Alternative: ") + o.text);
      first = false;
    }
}

void Decider::nonSurgical(const std::string& why)
{
  b.strategy("non-surgical-care", "Non-surgical management by the oncology team (" + why + ")");
}

} // namespace liver::decision
