/// DESIGN.md §3 Decision rules. Every rule is one named entry of decisionRules(); decide()
/// evaluates them in a fixed order and records each in the trace.

#include <liver/planning/augmentation.h>
#include <liver/planning/decision.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <tuple>

namespace liver
{

namespace
{

const char* const SrcSeed = "seed guideline";
const char* const NeedPlan = "a resection plan (analyze/plan with --plan or --auto-plan)";
/// An empty lesion map makes every plan "R0" by definition, which is no resection verdict.
const char* const NeedLesionMap =
  "a lesion map showing the metastases (the map has none: R0 there is by definition)";

using Inputs = std::vector<std::pair<std::string, TraceValue>>;

std::string fmt1(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

/// "predicted KGR 2.3 %/week (>= 2.0, primary criterion), DH 9.1 points (>= 7.5)".
std::string growthText(const PredictedGrowth& g, const AugmentationParameters& a)
{
  return "predicted KGR " + fmt1(g.kineticGrowthRatePercentPerWeek) + " %/week (" +
         (g.kgrMet ? ">= " : "< ") + fmt1(a.shindohMinKgrPercentPerWeek) +
         ", primary criterion), DH " + fmt1(g.degreeOfHypertrophyPoints) + " points (" +
         (g.dhMet ? ">= " : "< ") + fmt1(a.shindohMinDhPoints) + ")";
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

std::string joinTexts(const std::vector<std::string>& values, const char* separator = ", ")
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

TraceValue value(const std::optional<double>& v)
{
  return v ? TraceValue(*v) : TraceValue();
}
TraceValue value(const std::optional<int>& v)
{
  return v ? TraceValue(static_cast<std::int64_t>(*v)) : TraceValue();
}
TraceValue value(const std::optional<bool>& v)
{
  return v ? TraceValue(*v) : TraceValue();
}
template<typename E>
TraceValue value(const std::optional<E>& v)
{
  return v ? TraceValue(toString(*v)) : TraceValue();
}
TraceValue count(std::size_t n)
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

std::string notAssessable(const std::vector<std::string>& needs)
{
  return "not assessable: needs " + joinTexts(needs);
}

void Eval::notAssessableFor(std::vector<std::string> missing)
{
  status = RuleStatus::NotAssessable;
  needs = std::move(missing);
  conclusion = notAssessable(needs);
}

/// Collects the decision.
class Builder
{
public:
  void add(const std::string& ruleId, const Eval& e)
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
  /// Settle a rule already in the trace (candidacy.all once the category is known).
  void replace(const std::string& ruleId, const Eval& e)
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
  void warn(const std::string& ruleId, const std::string& text)
  {
    m_d.warnings.push_back({ ruleId, text });
  }
  void strategy(const std::string& id, const std::string& text)
  {
    for (const Strategy& s : m_d.strategies)
      if (s.id == id)
        return;
    m_d.strategies.push_back({ id, text });
  }
  bool hasStrategy(const std::string& id) const
  {
    return std::any_of(m_d.strategies.begin(),
                       m_d.strategies.end(),
                       [&](const Strategy& s) { return s.id.rfind(id, 0) == 0; });
  }
  Decision& decision() { return m_d; }

private:
  Decision m_d;
};

/// A plan with the sFLR, threshold and predictions the decision uses.
struct PlanEval
{
  const PlanSummary* plan = nullptr;
  std::optional<double> sflr;
  std::string sflrFrom;
  double threshold = 30.0;
  std::string thresholdSource;
  std::optional<double> flrBodyWeight; ///< FLR / body weight %, with the weight sFLR used
  std::string flrBodyWeightFrom;
  std::optional<double> pve, alpps, twoStage; ///< median predicted sFLR %
  const AugmentationParameters* augmentation = nullptr;

  /// The growth the median prediction of `median` (pve, alpps or twoStage) implies.
  std::optional<PredictedGrowth> growth(const std::optional<double> PlanEval::*median) const
  {
    if (!(this->*median))
      return std::nullopt;
    const AugmentationParameters& a = *augmentation;
    return median == &PlanEval::alpps
             ? predictedGrowth(*alpps, a.alppsMedianHypertrophyPercent, a.alppsWaitWeeks, a)
             : predictedGrowth(*(this->*median), a.pveMedianHypertrophyPercent, a.pveWaitWeeks, a);
  }

  bool resects() const { return plan->resectedMl > 0.0; }
  bool ablates() const { return !plan->ablatedLesionIds.empty(); }
  /// sFLR >= threshold and >= 2 contiguous segments; empty when either is unknown and neither
  /// fails.
  std::optional<bool> pass() const
  {
    if (plan->contiguous && !*plan->contiguous)
      return false;
    if (sflr && *sflr < threshold)
      return false;
    if (!sflr || !plan->contiguous)
      return std::nullopt;
    return true;
  }
  std::vector<std::string> passNeeds() const
  {
    std::vector<std::string> needs;
    if (!sflr)
      needs.push_back("heightCm and weightKg (sFLR)");
    if (!plan->contiguous)
      needs.push_back("a Couinaud segment map (contiguity)");
    return needs;
  }
  std::string summary() const
  {
    std::string s = "plan \"" + plan->name + "\": " + plan->marginStatus + ", sFLR ";
    s += sflr ? fmt1(*sflr) + " %" : std::string("unknown");
    s += " (threshold " + fmt1(threshold) + " %, " + thresholdSource + ")";
    s += plan->contiguous ? (*plan->contiguous ? ", >= 2 contiguous segments"
                                               : ", fewer than 2 contiguous segments")
                          : ", contiguity unknown";
    return s;
  }
};

/// A technical option (resection now, with ablation, after PVE/ALPPS, two-stage).
struct Option
{
  Eval eval;
  const PlanEval* plan = nullptr;
};

/// Among `candidates`, the first plan (largest sFLR) for which `ok` is true: Met; otherwise
/// NotAssessable when some is unknown, else NotMet with the closest plan.
Option chooseOption(const std::vector<const PlanEval*>& candidates,
                    const std::function<std::optional<bool>(const PlanEval&)>& ok,
                    const std::function<std::vector<std::string>(const PlanEval&)>& needs,
                    const std::string& noCandidate)
{
  Option o;
  if (candidates.empty())
  {
    o.eval.status = RuleStatus::NotMet;
    o.eval.conclusion = noCandidate;
    return o;
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
  {
    o.eval.status = RuleStatus::Met;
    o.plan = best;
  }
  else if (!unknownNeeds.empty())
  {
    o.eval.notAssessableFor(unknownNeeds);
  }
  else
  {
    o.eval.status = RuleStatus::NotMet;
    o.plan = closest;
  }
  return o;
}

void planInputs(Eval& e, const PlanEval* p)
{
  e.inputs.push_back({ "plan", p ? TraceValue(p->plan->name) : TraceValue() });
  e.inputs.push_back({ "marginStatus", p ? TraceValue(p->plan->marginStatus) : TraceValue() });
  e.inputs.push_back({ "sflrPercent", p ? value(p->sflr) : TraceValue() });
  e.inputs.push_back({ "thresholdPercent", p ? TraceValue(p->threshold) : TraceValue() });
  e.inputs.push_back({ "contiguous", p ? value(p->plan->contiguous) : TraceValue() });
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

/// The liver condition the thresholds are set for: the clinical one, else the result's; a liver
/// given > 12 weeks of chemotherapy (or for an unknown time) is chemotherapy-exposed when it is
/// otherwise called normal or unknown (Shindoh, Ann Surg Oncol 2013).
struct LiverConditionEval
{
  std::optional<LiverCondition> given;     ///< clinical, else result.json; empty when unknown
  std::optional<LiverCondition> condition; ///< the one the thresholds use
  bool chemotherapyExposed = false;        ///< chemotherapy given > 12 weeks or unknown duration
};

LiverConditionEval liverConditionFor(const Clinical& c, const DecisionInputs& in)
{
  const auto known = [](const std::optional<LiverCondition>& v)
  { return v && *v != LiverCondition::Unknown ? v : std::nullopt; };
  LiverConditionEval e;
  e.given = known(c.liverCondition) ? known(c.liverCondition) : known(in.liverCondition);
  e.chemotherapyExposed = (c.chemotherapyStatus == ChemotherapyStatus::Ongoing ||
                           c.chemotherapyStatus == ChemotherapyStatus::Completed) &&
                          (!c.chemotherapyWeeks || *c.chemotherapyWeeks > ChemotherapyInjuryWeeks);
  e.condition = e.given;
  if (e.chemotherapyExposed && (!e.given || *e.given == LiverCondition::Normal))
    e.condition = LiverCondition::Chemotherapy;
  return e;
}

} // namespace

const std::vector<RuleInfo>& decisionRules()
{
  static const std::vector<RuleInfo> rules = {
    { "candidacy.r0", "a plan reaches R0 (no lesion left, every margin >= 1 mm)", SrcSeed },
    { "candidacy.flr",
      "a plan reaching R0 keeps sFLR >= the threshold with >= 2 contiguous segments",
      "seed guideline; Kishi 2009; Shindoh, Ann Surg Oncol 2013; Abdalla et al., Ann Surg Oncol "
      "2006 (consensus); Azoulay" },
    { "candidacy.performance", "good performance status (ECOG 0-1)", SrcSeed },
    { "candidacy.extrahepatic",
      "extrahepatic disease absent or controlled (breast cancer only: isolated bone metastases "
      "controllable with radiation, a solitary pulmonary metastasis; any primary: R0 of all "
      "sites achievable)",
      SrcSeed },
    { "candidacy.surgery-possible",
      "no comorbidity preventing surgery and no refusal by the patient",
      SrcSeed },
    { "resection.upfront", "an R0 plan by resection alone with an adequate remnant now", SrcSeed },
    { "expander.resection-ablation",
      "an R0 plan combining resection and ablation with an adequate remnant now",
      "seed guideline (expanders: resection + RFA)" },
    { "expander.pve",
      "an R0 plan whose remnant reaches the threshold after PVE (median prediction)",
      "seed guideline (expanders: PVE); van Lienden, CVIR 2013; Vauthey, Surgery 2000; Shindoh, "
      "JACS 2013" },
    { "expander.alpps",
      "an R0 plan whose remnant reaches the threshold after ALPPS but not after PVE (median)",
      "DESIGN.md §3 FLR augmentation (ALPPS ~84 % in 1-2 weeks)" },
    { "expander.two-stage",
      "a plan leaving lesions in the remnant that stage 1 can clear, reaching the threshold "
      "after PVE (median)",
      "seed guideline (expanders: two-stage); Tsai, HPB 2010; Passot, JACS 2016" },
    { "expander.borderline",
      "no median reaches the threshold but ALPPS's or two-stage's high scenario does: listed "
      "for the MDT as a borderline option",
      "DESIGN.md §3 FLR augmentation (low / median / high scenarios)" },
    { "candidacy.all",
      "surgical candidate only when all criteria hold and the primary's rules give a surgical "
      "category",
      SrcSeed },
    { "crc.resectable",
      "colorectal, resectable: resection, consider perioperative FOLFOX (3 months before and "
      "after)",
      SrcSeed },
    { "crc.poor-prognosis",
      "colorectal poor prognostic factors (> 5 metastases, synchronous, node-positive primary, "
      "elevated CEA): neoadjuvant chemotherapy even if resectable",
      SrcSeed },
    { "crc.systemic.left-wt",
      "unresectable colorectal, pMMR/MSS RAS/BRAF wild-type left-sided: chemotherapy + anti-EGFR",
      SrcSeed },
    { "crc.systemic.right-wt",
      "unresectable colorectal, pMMR/MSS RAS/BRAF wild-type right-sided: triplet (FOLFOXIRI)",
      SrcSeed },
    { "crc.systemic.mutated",
      "unresectable colorectal, pMMR/MSS RAS or BRAF mutated: triplet + bevacizumab",
      SrcSeed },
    { "crc.systemic.dmmr",
      "unresectable colorectal, dMMR/MSI-H: outside the guideline's systemic rules",
      SrcSeed },
    { "fong.score",
      "Fong clinical risk score: node-positive primary, DFI < 12 months, > 1 tumour, largest > "
      "5 cm, CEA > 200 ng/mL",
      "Fong, Ann Surg 1999" },
    { "breast.systemic-first", "breast: systemic therapy first", SrcSeed },
    { "breast.receptors", "breast: HR/HER2 guide systemic therapy", SrcSeed },
    { "breast.surgery",
      "breast: surgery only for liver-limited or oligometastatic disease not progressing on "
      "chemotherapy",
      SrcSeed },
    { "net.resection", "neuroendocrine: resection for solitary/isolated metastases", SrcSeed },
    { "net.observation",
      "neuroendocrine: observation often appropriate (not for grade 3)",
      SrcSeed },
    { "net.somatostatin", "neuroendocrine: somatostatin analogue for symptoms", SrcSeed },
    { "net.embolization",
      "neuroendocrine: (chemo)embolization for progressive symptomatic vascular tumours",
      SrcSeed },
    { "net.prrt",
      "neuroendocrine: PRRT for progressive somatostatin-receptor-positive tumours",
      "seed guideline; NETTER-1 (Strosberg, NEJM 2017): progressive SSTR-positive disease" },
    { "net.debulking",
      "neuroendocrine, not solitary/isolated: a plan removing >= 70 % of the tumour volume "
      "(outside the seed guideline)",
      "Sarmiento, JACS 2003; Graff-Baker, Surgery 2014" },
    { "ablation.primary",
      "primary ablation only when the patient cannot have surgery (poor performance status or "
      "comorbidity) or refuses it: up to 9 metastases <= 4 cm without extrahepatic disease",
      SrcSeed },
    { "ablation.size", "ablation efficacy falls above 2-3 cm", SrcSeed },
    { "ablation.heat-sink",
      "a lesion next to a large vessel (heat sink) raises local recurrence after ablation",
      SrcSeed },
    { "warning.other-primary", "no primary-specific rule for this primary", SrcSeed },
    { "warning.body-mismatch",
      "the clinical height/weight differ from the ones the result's sFLR used",
      "DESIGN.md §3 Volumes (sFLR from BSA and SLV)" },
    { "warning.chemotherapy-liver",
      "chemotherapy > 12 weeks (or of unknown duration) makes the threshold 30 %; a liver called "
      "normal, or a lower user threshold, after such chemotherapy is warned about",
      "Shindoh, Ann Surg Oncol 2013" },
    { "warning.flr-body-weight",
      "FLR / body weight <= 0.5 % raises morbidity",
      "Truant, JACS 2007" },
    { "warning.surgery-before-chemo",
      "surgical evaluation before chemotherapy (20 % of resectable tumours progress during "
      "neoadjuvant chemotherapy; responding lesions vanish on imaging)",
      SrcSeed },
    { "warning.no-biopsy", "never biopsy suspected colorectal liver metastases", SrcSeed },
    { "warning.complete-response",
      "complete radiological response is not absence of disease",
      SrcSeed },
    { "warning.imaging-mismatch",
      "the clinical number of metastases differs from the lesion map's",
      "project reading (issue 14)" },
    { "warning.judge-remnant", "judge what remains, not only what is removed", SrcSeed },
    { "mdt.referral",
      "every case goes to a multidisciplinary team at a hepatobiliary centre",
      SrcSeed },
  };
  return rules;
}

std::string toString(RuleStatus status)
{
  switch (status)
  {
    case RuleStatus::Met:
      return "met";
    case RuleStatus::NotMet:
      return "not met";
    case RuleStatus::NotAssessable:
      return "not assessable";
    case RuleStatus::Applies:
      return "applies";
    case RuleStatus::NotApplicable:
      return "not applicable";
  }
  return "?";
}

const TraceEntry* findRule(const Decision& decision, const std::string& ruleId)
{
  for (const TraceEntry& e : decision.trace)
    if (e.ruleId == ruleId)
      return &e;
  return nullptr;
}

Decision decide(const Clinical& c, const DecisionInputs& in)
{
  validateClinical(c);
  Builder b;

  // ---- Plans: sFLR (from the result, or from the clinical height/weight), threshold -------------
  const bool clinicalBody = c.heightCm && c.weightKg;
  const bool bodyMismatch = clinicalBody && in.bodyHeightCm && in.bodyWeightKg &&
                            (std::abs(*in.bodyHeightCm - *c.heightCm) > 0.5 ||
                             std::abs(*in.bodyWeightKg - *c.weightKg) > 0.5);
  const bool recompute = clinicalBody && (!in.bodyHeightCm || !in.bodyWeightKg || bodyMismatch);
  std::optional<double> slvMl;
  if (recompute)
    slvMl = standardLiverVolumeMl(bodySurfaceAreaM2(*c.heightCm, *c.weightKg, in.bsaFormula),
                                  in.slvFormula);
  const LiverConditionEval liver = liverConditionFor(c, in);
  const std::optional<LiverCondition> condition = liver.condition;
  const TraceValue conditionName = value(condition);
  std::vector<PlanEval> plans;
  for (const PlanSummary& p : in.plans)
  {
    PlanEval e;
    e.plan = &p;
    e.augmentation = &in.augmentation;
    e.threshold = p.thresholdPercent;
    e.thresholdSource = p.thresholdSource.empty() ? "result.json" : p.thresholdSource;
    if (condition && p.thresholdSource != "user")
    {
      const FlrThreshold t = flrThreshold(*condition);
      e.threshold = t.minimumPercent;
      e.thresholdSource = t.source;
    }
    e.flrBodyWeight = p.flrBodyWeightPercent;
    e.flrBodyWeightFrom = "result.json";
    if (c.weightKg && (recompute || !p.flrBodyWeightPercent))
    {
      e.flrBodyWeight = flrBodyWeightPercent(p.flrMl, *c.weightKg);
      e.flrBodyWeightFrom = "clinical weightKg";
    }
    if (!recompute)
    {
      e.sflr = p.sflrPercent;
      e.sflrFrom = "result.json";
      e.pve = p.pveMedianSflrPercent;
      e.alpps = p.alppsMedianSflrPercent;
      e.twoStage = p.twoStageMedianSflrPercent;
    }
    else
    {
      e.sflr = 100.0 * p.flrMl / *slvMl;
      e.sflrFrom = "clinical heightCm/weightKg";
      if (p.sflrPercent && *p.sflrPercent > 0.0)
      {
        // Every prediction is a volume over the SLV, so a new SLV rescales it exactly.
        const double k = *e.sflr / *p.sflrPercent;
        const auto scale = [k](const std::optional<double>& v)
        { return v ? std::optional<double>(*v * k) : std::nullopt; };
        e.pve = scale(p.pveMedianSflrPercent);
        e.alpps = scale(p.alppsMedianSflrPercent);
        e.twoStage = scale(p.twoStageMedianSflrPercent);
      }
      else if (e.threshold > 0.0 && e.threshold <= 100.0)
      {
        e.pve = predictPve(*e.sflr, e.threshold, in.augmentation).median.predictedSflrPercent;
        e.alpps = predictAlpps(*e.sflr, e.threshold, in.augmentation).median.predictedSflrPercent;
      }
    }
    plans.push_back(e);
  }

  // ---- Lesions ---------------------------------------------------------------------------------
  const std::size_t imagingCount = in.lesions.size();
  const std::size_t lesionCount =
    c.numberOfMetastases ? static_cast<std::size_t>(*c.numberOfMetastases) : imagingCount;
  /// Largest lesion diameter in mm (0 without lesions); empty when a diameter is unknown.
  const std::optional<double> largestMm = [&]() -> std::optional<double>
  {
    if (imagingCount < lesionCount)
      return std::nullopt; // lesions known clinically that the map does not show
    double largest = 0.0;
    for (const LesionSummary& l : in.lesions)
    {
      if (!l.maxDiameterMm)
        return std::nullopt;
      largest = std::max(largest, *l.maxDiameterMm);
    }
    return largest;
  }();

  // ---- Technical options -----------------------------------------------------------------------
  std::vector<const PlanEval*> r0Resection, r0Combined, r0Any, leavesLesions;
  for (const PlanEval& p : plans)
  {
    if (p.plan->r0 && p.resects() && !p.ablates())
      r0Resection.push_back(&p);
    if (p.plan->r0 && p.resects() && p.ablates())
      r0Combined.push_back(&p);
    if (p.plan->r0 && p.resects())
      r0Any.push_back(&p);
    if (!p.plan->r0 && p.resects() && !p.plan->leftLesionIds.empty())
      leavesLesions.push_back(&p);
  }
  const auto passOk = [](const PlanEval& p) { return p.pass(); };
  const auto passNeeds = [](const PlanEval& p) { return p.passNeeds(); };
  const auto grows = [](const std::optional<double> PlanEval::*median)
  {
    return [median](const PlanEval& p) -> std::optional<bool>
    {
      if (p.pass() && *p.pass())
        return false; // adequate now: no augmentation needed
      if (p.plan->contiguous && !*p.plan->contiguous)
        return false;
      if (!(p.*median) || !p.plan->contiguous)
        return std::nullopt;
      // The prediction qualifies only if it also meets the growth criterion it is judged by.
      return *(p.*median) >= p.threshold && p.growth(median)->kgrMet;
    };
  };
  const auto growNeeds = [](const std::optional<double> PlanEval::*median, const char* what)
  {
    return [median, what](const PlanEval& p)
    {
      std::vector<std::string> needs = p.passNeeds();
      if (p.sflr && !(p.*median))
        needs.push_back(what);
      return needs;
    };
  };

  Option upfront =
    chooseOption(r0Resection,
                 passOk,
                 passNeeds,
                 plans.empty() ? "no plan in the result" : "no plan reaches R0 by resection alone");
  Option combined =
    chooseOption(r0Combined, passOk, passNeeds, "no R0 plan combines resection and ablation");
  Option pve = chooseOption(r0Any,
                            grows(&PlanEval::pve),
                            growNeeds(&PlanEval::pve, "a PVE prediction"),
                            "no plan reaches R0");
  Option alpps = chooseOption(r0Any,
                              grows(&PlanEval::alpps),
                              growNeeds(&PlanEval::alpps, "an ALPPS prediction"),
                              "no plan reaches R0");
  Option twoStage = chooseOption(
    leavesLesions,
    grows(&PlanEval::twoStage),
    growNeeds(&PlanEval::twoStage,
              "a two-stage prediction (result.json from analyze/plan with --height/--weight)"),
    "no plan leaves lesions in the remnant for a first stage to clear");
  if (plans.empty() || imagingCount == 0)
    for (Option* o : { &upfront, &combined, &pve, &alpps, &twoStage })
      o->eval.notAssessableFor({ plans.empty() ? NeedPlan : NeedLesionMap });
  // A PVE that works makes ALPPS unnecessary (ALPPS only when PVE falls short).
  if (pve.eval.status == RuleStatus::Met && alpps.eval.status == RuleStatus::Met &&
      pve.plan == alpps.plan)
  {
    alpps.eval.status = RuleStatus::NotMet;
    alpps.eval.conclusion =
      "not needed: PVE reaches the threshold for plan \"" + pve.plan->plan->name + "\"";
  }

  const auto describe =
    [](Option& o, const std::string& metText, const std::string& failText, bool expander = false)
  {
    planInputs(o.eval, o.plan);
    if (o.eval.status == RuleStatus::Met)
      o.eval.conclusion = metText;
    else if (o.eval.status == RuleStatus::NotMet && o.eval.conclusion.empty())
      o.eval.conclusion =
        expander && o.plan && o.plan->pass() == true
          ? "not needed: the remnant is adequate without augmentation (" + o.plan->summary() + ")"
          : failText;
  };
  std::string upfrontText, combinedText, pveText, alppsText, twoStageText;
  if (upfront.plan)
    upfrontText = "Resection: " + upfront.plan->summary();
  if (combined.plan)
    combinedText = "Resection + ablation of lesion(s) " +
                   joinInts(combined.plan->plan->ablatedLesionIds) + ": " +
                   combined.plan->summary();
  const AugmentationParameters& aug = in.augmentation;
  const std::string proceedWhen =
    "proceed when KGR >= " + fmt1(aug.shindohMinKgrPercentPerWeek) +
    " %/week (primary criterion) and sFLR >= threshold, DH >= " + fmt1(aug.shindohMinDhPoints) +
    " points reported beside (Shindoh, JACS 2013)";
  if (pve.plan && pve.plan->pve)
    pveText = "PVE, then resection (" + pve.plan->summary() + "); predicted median sFLR " +
              fmt1(*pve.plan->pve) + " % after ~" + fmt1(aug.pveWaitWeeks) + " weeks (" +
              growthText(*pve.plan->growth(&PlanEval::pve), aug) + "; population estimate; " +
              fmt1(aug.pveDropoutLowPercent) + "-" + fmt1(aug.pveDropoutHighPercent) +
              " % never reach resection, Heil & Schadde 2020); " + proceedWhen;
  if (alpps.plan && alpps.plan->alpps)
    alppsText = "ALPPS (" + alpps.plan->summary() + "); predicted median sFLR " +
                fmt1(*alpps.plan->alpps) + " % after " + fmt1(aug.alppsWaitWeeks) + " weeks (" +
                growthText(*alpps.plan->growth(&PlanEval::alpps), aug) +
                "; population estimate); " + proceedWhen;
  if (twoStage.plan && twoStage.plan->twoStage)
    twoStageText =
      "Two-stage hepatectomy: stage 1 clears lesion(s) " +
      joinInts(twoStage.plan->plan->leftLesionIds) +
      " from the future remnant (wedges/ablation), then PVE, stage 2 (" + twoStage.plan->summary() +
      ") after " + fmt1(aug.twoStageMinIntervalWeeks) + "-" + fmt1(aug.twoStageMaxIntervalWeeks) +
      " weeks; predicted median sFLR " + fmt1(*twoStage.plan->twoStage) + " % (" +
      growthText(*twoStage.plan->growth(&PlanEval::twoStage), aug) + "); completed in ~" +
      fmt1(aug.twoStageCompletionLowPercent) + "-" + fmt1(aug.twoStageCompletionHighPercent) +
      " % (Tsai, HPB 2010; Passot, JACS 2016)";
  describe(upfront,
           "met: " + (upfront.plan ? upfront.plan->summary() : std::string()),
           upfront.plan ? "not met: best " + upfront.plan->summary() : std::string());
  describe(combined,
           "met: " + (combined.plan ? combined.plan->summary() : std::string()) +
             "; ablates lesion(s) " +
             (combined.plan ? joinInts(combined.plan->plan->ablatedLesionIds) : std::string()),
           combined.plan ? "not met: best " + combined.plan->summary() : std::string());
  for (const auto& [option, median, name, inputName] :
       { std::tuple<Option*, std::optional<double> PlanEval::*, const char*, const char*>{
           &pve, &PlanEval::pve, "PVE", "pveMedianSflrPercent" },
         { &alpps, &PlanEval::alpps, "ALPPS", "alppsMedianSflrPercent" },
         { &twoStage, &PlanEval::twoStage, "stage 1 and PVE", "twoStageMedianSflrPercent" } })
  {
    const PlanEval* p = option->plan;
    if (p && median == &PlanEval::twoStage)
      option->eval.inputs.push_back({ "leftLesions", joinInts(p->plan->leftLesionIds) });
    if (p)
      option->eval.inputs.push_back({ inputName, value(p->*median) });
    const std::optional<PredictedGrowth> g = p ? p->growth(median) : std::nullopt;
    if (g)
    {
      option->eval.inputs.push_back(
        { "predictedKgrPercentPerWeek", g->kineticGrowthRatePercentPerWeek });
      option->eval.inputs.push_back({ "predictedDhPoints", g->degreeOfHypertrophyPoints });
    }
    const std::string predicted =
      g ? "predicted median sFLR after " + std::string(name) + " " + fmt1(*(p->*median)) + " %"
        : std::string();
    std::string metText, failText;
    if (g)
    {
      metText = "met: " + predicted + " >= " + fmt1(p->threshold) + " %, " + growthText(*g, aug);
      if (median == &PlanEval::twoStage)
        metText = "met: stage 1 clears lesion(s) " + joinInts(p->plan->leftLesionIds) + "; " +
                  metText.substr(5);
      failText = *(p->*median) >= p->threshold && !g->kgrMet
                   ? "not met: " + predicted + " reaches " + fmt1(p->threshold) + " % but " +
                       growthText(*g, aug) + " for " + p->summary()
                   : "not met: " + predicted + " for " + p->summary();
    }
    else
      failText =
        median == &PlanEval::twoStage ? "not met" : "not met: no plan needing augmentation";
    describe(*option, metText, failText, median != &PlanEval::twoStage);
  }

  struct TechOption
  {
    Option* option;
    const char* ruleId;
    const char* category;
    const char* strategyId;
    const std::string* text;
  };
  const std::vector<TechOption> techOrder = {
    { &upfront, "resection.upfront", CategoryResectableUpfront, "resection", &upfrontText },
    { &combined,
      "expander.resection-ablation",
      CategoryResectionAblation,
      "resection-ablation",
      &combinedText },
    { &pve, "expander.pve", CategoryAfterPve, "pve", &pveText },
    { &alpps, "expander.alpps", CategoryAfterAlpps, "alpps", &alppsText },
    { &twoStage, "expander.two-stage", CategoryTwoStage, "two-stage", &twoStageText },
  };
  const TechOption* tech = nullptr;
  std::vector<std::string> techNeeds;
  for (const TechOption& t : techOrder)
  {
    if (t.option->eval.status == RuleStatus::Met)
    {
      tech = &t;
      break;
    }
    if (t.option->eval.status == RuleStatus::NotAssessable)
      for (const std::string& n : t.option->eval.needs)
        addUnique(techNeeds, n);
  }
  // "met", "none" or "unknown": the imaging verdict.
  const bool techUnknown = !techNeeds.empty();
  const bool techFeasible = tech && !techUnknown;
  const bool techNone = !tech && !techUnknown;
  const PlanEval* chosenPlan = tech ? tech->option->plan : nullptr;
  if (!chosenPlan && !r0Any.empty())
    chosenPlan = r0Any.front();
  if (!chosenPlan && !plans.empty())
    chosenPlan = &plans.front();
  std::string imagingAlone;
  if (tech)
    imagingAlone = std::string(categoryText(tech->category)) + " (plan \"" +
                   tech->option->plan->plan->name + "\")";
  else if (techNone)
    imagingAlone = "no plan evaluated reaches R0 with an adequate remnant, even with PVE, ALPPS "
                   "or two stages";

  // ---- Candidacy -------------------------------------------------------------------------------
  Eval r0;
  {
    std::size_t r0Count = 0;
    std::vector<std::string> names;
    for (const PlanEval& p : plans)
      if (p.plan->r0)
      {
        ++r0Count;
        names.push_back("\"" + p.plan->name + "\"");
      }
    r0.inputs = { { "plans", count(plans.size()) }, { "plansR0", count(r0Count) } };
    if (plans.empty())
      r0.notAssessableFor({ NeedPlan });
    else if (imagingCount == 0)
      r0.notAssessableFor({ NeedLesionMap });
    else if (r0Count > 0)
    {
      r0.status = RuleStatus::Met;
      r0.conclusion = "met: R0 achievable by " + joinTexts(names);
    }
    else if (twoStage.eval.status == RuleStatus::Met)
    {
      r0.status = RuleStatus::Met;
      r0.conclusion = "met over two stages: plan \"" + twoStage.plan->plan->name +
                      "\" after stage 1 clears lesion(s) " +
                      joinInts(twoStage.plan->plan->leftLesionIds);
    }
    else
    {
      r0.status = RuleStatus::NotMet;
      std::string statuses;
      for (const PlanEval& p : plans)
        statuses += (statuses.empty() ? "" : ", ") + p.plan->name + " " + p.plan->marginStatus;
      r0.conclusion = "not met: no plan reaches R0 (" + statuses + ")";
    }
  }
  Eval flr;
  {
    const Option& now = upfront.eval.status == RuleStatus::Met ? upfront : combined;
    const PlanEval* p = now.plan ? now.plan : (upfront.plan ? upfront.plan : combined.plan);
    planInputs(flr, p);
    flr.inputs.push_back({ "sflrFrom", p ? TraceValue(p->sflrFrom) : TraceValue() });
    flr.inputs.push_back({ "thresholdSource", p ? TraceValue(p->thresholdSource) : TraceValue() });
    flr.inputs.push_back({ "liverCondition", conditionName });
    if (now.eval.status == RuleStatus::Met)
    {
      flr.status = RuleStatus::Met;
      flr.conclusion = "met now: " + now.plan->summary();
    }
    else if (r0.status == RuleStatus::NotAssessable)
    {
      flr.notAssessableFor(r0.needs);
    }
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
      flr.conclusion = r0Any.empty() ? "not met: no plan reaches R0 in one stage"
                                     : "not met now: best " + (p ? p->summary() : std::string());
      if (tech)
        flr.conclusion += "; reachable: " + std::string(categoryText(tech->category));
    }
  }
  Eval performance;
  performance.inputs = { { "ecog", value(c.ecog) } };
  if (!c.ecog)
  {
    performance.notAssessableFor({ "ecog" });
  }
  else if (*c.ecog <= MaxGoodEcog)
  {
    performance.status = RuleStatus::Met;
    performance.conclusion = "met: ECOG " + std::to_string(*c.ecog) + " (good: 0-1)";
  }
  else
  {
    performance.status = RuleStatus::NotMet;
    performance.conclusion =
      "not met: ECOG " + std::to_string(*c.ecog) + " is not good performance status (0-1)";
  }
  Eval extrahepatic;
  extrahepatic.inputs = { { "extrahepaticDisease", value(c.extrahepaticDisease) },
                          { "primaryTumour", value(c.primaryTumour) },
                          { "extrahepaticR0Achievable", value(c.extrahepaticR0Achievable) } };
  if (!c.extrahepaticDisease)
  {
    extrahepatic.notAssessableFor({ "extrahepaticDisease" });
  }
  else
  {
    const ExtrahepaticDisease x = *c.extrahepaticDisease;
    const auto allSites = [&](const std::string& what)
    {
      if (c.extrahepaticR0Achievable && *c.extrahepaticR0Achievable)
      {
        extrahepatic.status = RuleStatus::Met;
        extrahepatic.conclusion = "met: " + what +
                                  ", but R0 of all sites is achievable (not an absolute "
                                  "contraindication)";
      }
      else
      {
        extrahepatic.status = RuleStatus::NotMet;
        extrahepatic.conclusion =
          "not met: " + what +
          (c.extrahepaticR0Achievable ? " and R0 of all sites is not achievable"
                                      : " (unless R0 of all sites is achievable: "
                                        "extrahepaticR0Achievable not given)");
      }
    };
    if (x == ExtrahepaticDisease::None)
      extrahepatic.status = RuleStatus::Met, extrahepatic.conclusion = "met: none";
    else if (x == ExtrahepaticDisease::Controlled)
      extrahepatic.status = RuleStatus::Met, extrahepatic.conclusion = "met: controlled";
    else if (x == ExtrahepaticDisease::IsolatedBoneRadiotherapy ||
             x == ExtrahepaticDisease::SolitaryPulmonary)
    {
      // The seed states both exceptions for breast cancer, and only there (DESIGN.md §3).
      const std::string what = x == ExtrahepaticDisease::IsolatedBoneRadiotherapy
                                 ? "isolated bone metastases controllable with radiation"
                                 : "a solitary pulmonary metastasis";
      if (!c.primaryTumour)
        extrahepatic.notAssessableFor(
          { "primaryTumour (the bone and solitary pulmonary exceptions are for breast)" });
      else if (*c.primaryTumour == PrimaryTumour::Breast)
        extrahepatic.status = RuleStatus::Met,
        extrahepatic.conclusion = "met by exception: " + what + " in breast cancer";
      else
        allSites(what + " (an exception only in breast cancer)");
    }
    else
      allSites("uncontrolled extrahepatic disease");
  }
  Eval surgeryPossible;
  surgeryPossible.inputs = { { "comorbidityPreventsSurgery", value(c.comorbidityPreventsSurgery) },
                             { "patientRefusesSurgery", value(c.patientRefusesSurgery) } };
  const bool comorbid = c.comorbidityPreventsSurgery.value_or(false);
  const bool refuses = c.patientRefusesSurgery.value_or(false);
  if (comorbid || refuses)
  {
    surgeryPossible.status = RuleStatus::NotMet;
    surgeryPossible.conclusion =
      std::string("not met: ") + (comorbid ? "comorbidity prevents surgery" : "") +
      (comorbid && refuses ? "; " : "") + (refuses ? "the patient refuses surgery" : "");
  }
  else
  {
    surgeryPossible.status = RuleStatus::Met;
    surgeryPossible.conclusion =
      c.comorbidityPreventsSurgery && c.patientRefusesSurgery
        ? "met: no comorbidity preventing surgery, no refusal"
        : "met: no comorbidity preventing surgery or refusal recorded (flags not given)";
  }
  b.add("candidacy.r0", r0);
  b.add("candidacy.flr", flr);
  b.add("candidacy.performance", performance);
  b.add("candidacy.extrahepatic", extrahepatic);
  b.add("candidacy.surgery-possible", surgeryPossible);
  for (const TechOption& t : techOrder)
    b.add(t.ruleId, t.option->eval);

  const bool patientFails = performance.status == RuleStatus::NotMet ||
                            extrahepatic.status == RuleStatus::NotMet ||
                            surgeryPossible.status == RuleStatus::NotMet;
  std::vector<std::string> patientNeeds;
  for (const Eval* e : { &performance, &extrahepatic })
    for (const std::string& n : e->needs)
      addUnique(patientNeeds, n);
  Eval all;
  all.inputs = { { "candidacy.r0", toString(r0.status) },
                 { "candidacy.flr", toString(flr.status) },
                 { "candidacy.performance", toString(performance.status) },
                 { "candidacy.extrahepatic", toString(extrahepatic.status) },
                 { "candidacy.surgery-possible", toString(surgeryPossible.status) },
                 { "technical", tech ? TraceValue(std::string(tech->category)) : TraceValue() } };
  if (patientFails)
  {
    std::vector<std::string> why;
    for (const Eval* e : { &performance, &extrahepatic, &surgeryPossible })
      if (e->status == RuleStatus::NotMet)
        why.push_back(e->conclusion.substr(std::string("not met: ").size()));
    all.status = RuleStatus::NotMet;
    all.conclusion = "not a surgical candidate: " + joinTexts(why, "; ");
  }
  else if (techNone)
  {
    all.status = RuleStatus::NotMet;
    all.conclusion = "not a candidate now: " + imagingAlone;
  }
  else if (techUnknown || !patientNeeds.empty())
  {
    std::vector<std::string> needs = techNeeds;
    for (const std::string& n : patientNeeds)
      addUnique(needs, n);
    all.notAssessableFor(needs);
  }
  else
  {
    all.status = RuleStatus::Met;
    all.conclusion = std::string("surgical candidate: ") + categoryText(tech->category);
  }
  b.add("candidacy.all", all);

  // ---- Category by primary ---------------------------------------------------------------------
  std::string category;
  std::vector<std::string> blockers; ///< what makes the category "incomplete"
  const auto techCategory = [&]()
  {
    // Technical verdict, for a patient without a failed criterion.
    if (techFeasible && patientNeeds.empty())
      return std::string(tech->category);
    if (techNone)
      return std::string(CategorySystemicReassess);
    blockers.insert(blockers.end(), techNeeds.begin(), techNeeds.end());
    for (const std::string& n : patientNeeds)
      addUnique(blockers, n);
    return std::string(CategoryIncomplete);
  };
  const auto techStrategies = [&](const std::string& prefix = std::string())
  {
    if (!tech)
      return;
    bool first = true;
    for (const TechOption& t : techOrder)
      if (t.option->eval.status == RuleStatus::Met)
      {
        b.strategy(t.strategyId, prefix + (first ? "" : "Alternative: ") + *t.text);
        first = false;
      }
  };
  std::string nonSurgicalWhy; ///< why a primary's rule makes the category non-surgical
  const bool crc = c.primaryTumour == PrimaryTumour::Colorectal;
  const bool breast = c.primaryTumour == PrimaryTumour::Breast;
  const bool net = c.primaryTumour == PrimaryTumour::Neuroendocrine;

  // Colorectal systemic therapy by MMR/RAS/BRAF/sidedness (seed guideline).
  const auto crcSystemic = [&]()
  {
    const Inputs inputs = { { "mmr", value(c.mmr) },
                            { "ras", value(c.ras) },
                            { "braf", value(c.braf) },
                            { "sidedness", value(c.sidedness) } };
    const bool mutated = c.ras == MutationStatus::Mutated || c.braf == MutationStatus::Mutated;
    const bool wildType = c.ras == MutationStatus::WildType && c.braf == MutationStatus::WildType;
    bool chosen = false;
    if (c.mmr == MmrStatus::Deficient)
    {
      Eval e{ RuleStatus::Applies,
              "dMMR/MSI-H: the seed guideline's systemic rules are for pMMR/MSS; the MDT and "
              "oncology choose the systemic therapy",
              inputs,
              {} };
      b.add("crc.systemic.dmmr", e);
      b.strategy("systemic-therapy",
                 "Systemic therapy chosen by oncology for dMMR/MSI-H disease, then re-assess");
      return;
    }
    const auto needsFor = [&](bool needSide)
    {
      std::vector<std::string> n;
      if (!c.mmr)
        n.push_back("mmr");
      if (!c.ras)
        n.push_back("ras");
      if (!c.braf)
        n.push_back("braf");
      if (needSide && !c.sidedness)
        n.push_back("sidedness");
      return n;
    };
    // RAS/BRAF mutated -> triplet + bevacizumab.
    Eval m{ RuleStatus::NotMet, "", inputs, {} };
    if (mutated && c.mmr)
      m.status = RuleStatus::Met,
      m.conclusion = "met: pMMR/MSS, RAS/BRAF mutated -> triplet (FOLFOXIRI) + bevacizumab";
    else if (wildType)
      m.conclusion = "not met: RAS and BRAF wild-type";
    else
    {
      m.needs = needsFor(false);
      m.notAssessableFor(m.needs);
    }
    b.add("crc.systemic.mutated", m);
    if (m.status == RuleStatus::Met)
    {
      b.strategy("systemic-folfoxiri-bevacizumab",
                 "Systemic therapy: triplet (FOLFOXIRI) + bevacizumab (RAS/BRAF mutated)");
      chosen = true;
    }
    for (const Sidedness side : { Sidedness::Left, Sidedness::Right })
    {
      const bool left = side == Sidedness::Left;
      Eval e{ RuleStatus::NotMet, "", inputs, {} };
      if (mutated)
        e.conclusion = "not met: RAS/BRAF mutated";
      else if (c.sidedness && *c.sidedness != side)
        e.conclusion = "not met: " + toString(*c.sidedness) + "-sided primary";
      else if (wildType && c.mmr && c.sidedness)
      {
        e.status = RuleStatus::Met;
        e.conclusion = left ? "met: pMMR/MSS, RAS/BRAF wild-type, left-sided -> chemotherapy + "
                              "anti-EGFR"
                            : "met: pMMR/MSS, RAS/BRAF wild-type, right-sided -> triplet "
                              "(FOLFOXIRI)";
      }
      else
      {
        e.notAssessableFor(needsFor(true));
      }
      b.add(left ? "crc.systemic.left-wt" : "crc.systemic.right-wt", e);
      if (e.status == RuleStatus::Met)
      {
        chosen = true;
        if (left)
          b.strategy("systemic-anti-egfr",
                     "Systemic therapy: chemotherapy + anti-EGFR (RAS/BRAF wild-type, "
                     "left-sided)");
        else
          b.strategy("systemic-folfoxiri",
                     "Systemic therapy: triplet (FOLFOXIRI) (RAS/BRAF wild-type, right-sided)");
      }
    }
    if (!chosen)
      b.strategy("systemic-therapy",
                 "Systemic therapy; the regimen is not assessable: needs " +
                   joinTexts(needsFor(true)));
  };

  const auto breastSystemic = [&]()
  {
    Eval first{ RuleStatus::Applies,
                "systemic therapy first",
                { { "chemotherapyStatus", value(c.chemotherapyStatus) } },
                {} };
    b.add("breast.systemic-first", first);
    Eval rec{ RuleStatus::Applies,
              "",
              { { "hormoneReceptor", value(c.hormoneReceptor) }, { "her2", value(c.her2) } },
              {} };
    std::string regimen;
    if (!c.hormoneReceptor || !c.her2)
    {
      if (!c.hormoneReceptor)
        rec.needs.push_back("hormoneReceptor");
      if (!c.her2)
        rec.needs.push_back("her2");
      rec.notAssessableFor(rec.needs);
      regimen = "guided by HR/HER2 (not given)";
    }
    else
    {
      regimen = std::string(*c.hormoneReceptor == ReceptorStatus::Positive
                              ? "HR-positive: endocrine-based therapy"
                              : "HR-negative") +
                (*c.her2 == ReceptorStatus::Positive ? "; HER2-positive: HER2-targeted therapy"
                                                     : "; HER2-negative");
      rec.conclusion = "systemic therapy guided by " + regimen;
    }
    b.add("breast.receptors", rec);
    b.strategy("systemic-breast", "Systemic therapy first, " + regimen);
  };

  // NET liver-directed and systemic options; returns whether observation applies.
  const auto netOptions = [&]()
  {
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
  };

  const auto nonSurgical = [&](const std::string& why) {
    b.strategy("non-surgical-care", "Non-surgical management by the oncology team (" + why + ")");
  };

  // Why the patient cannot have surgery: poor performance status, comorbidity or refusal.
  std::vector<std::string> noSurgeryWhy;
  for (const Eval* e : { &performance, &surgeryPossible })
    if (e->status == RuleStatus::NotMet)
      noSurgeryWhy.push_back(e->conclusion.substr(std::string("not met: ").size()));
  if (!noSurgeryWhy.empty())
  {
    // Primary ablation when the patient cannot have surgery or refuses it (seed guideline).
    Eval abl;
    abl.inputs = { { "lesionCount", count(lesionCount) },
                   { "ecog", value(c.ecog) },
                   { "largestDiameterMm", value(largestMm) },
                   { "extrahepaticDisease", value(c.extrahepaticDisease) },
                   { "comorbidityPreventsSurgery", value(c.comorbidityPreventsSurgery) },
                   { "patientRefusesSurgery", value(c.patientRefusesSurgery) } };
    std::vector<std::string> fails;
    if (lesionCount == 0)
      fails.push_back("no lesion to ablate");
    if (lesionCount > static_cast<std::size_t>(AblationMaxCount))
      fails.push_back(std::to_string(lesionCount) + " metastases > 9");
    if (largestMm && *largestMm > AblationMaxPrimaryDiameterMm)
      fails.push_back("largest " + fmt1(*largestMm) + " mm > 40 mm");
    if (c.extrahepaticDisease && *c.extrahepaticDisease != ExtrahepaticDisease::None)
      fails.push_back("extrahepatic disease (" + toString(*c.extrahepaticDisease) + ")");
    if (!fails.empty())
      abl.status = RuleStatus::NotMet, abl.conclusion = "not met: " + joinTexts(fails, "; ");
    else if (!largestMm || !c.extrahepaticDisease)
    {
      if (!largestMm)
        abl.needs.push_back("lesion diameters");
      if (!c.extrahepaticDisease)
        abl.needs.push_back("extrahepaticDisease");
      abl.notAssessableFor(abl.needs);
    }
    else
      abl.status = RuleStatus::Met, abl.conclusion = "met: " + std::to_string(lesionCount) +
                                                     " metastases, largest " + fmt1(*largestMm) +
                                                     " mm, no extrahepatic disease";
    b.add("ablation.primary", abl);
    if (abl.status == RuleStatus::Met)
    {
      category = CategoryAblationOnly;
      b.strategy("ablation",
                 "Ablation (RFA) of the " + std::to_string(lesionCount) +
                   " liver metastases as primary treatment (surgery not possible: " +
                   joinTexts(noSurgeryWhy, "; ") + ")");
    }
    else if (abl.status == RuleStatus::NotAssessable)
    {
      category = CategoryIncomplete;
      blockers = abl.needs;
    }
    else
    {
      category = CategoryNotCandidate;
      nonSurgical(joinTexts(noSurgeryWhy, "; "));
    }
  }
  else if (patientFails)
  {
    category = CategoryNotCandidate;
    if (crc)
      crcSystemic();
    else if (breast)
      breastSystemic();
    else if (net)
      netOptions();
    else
      b.strategy("systemic-therapy", "Systemic therapy chosen by oncology (extrahepatic disease)");
  }
  else if (!c.primaryTumour)
  {
    category = CategoryIncomplete;
    blockers = { "primaryTumour" };
    for (const std::string& n : patientNeeds)
      addUnique(blockers, n);
  }
  else if (crc)
  {
    category = techCategory();
    if (category == CategorySystemicReassess)
    {
      crcSystemic();
      b.strategy("reassess",
                 "Re-assess resectability at the MDT after systemic therapy (expanders: PVE, "
                 "two-stage, resection + ablation)");
    }
    else if (tech)
    {
      Eval res{ RuleStatus::Applies,
                "resectable (" + std::string(categoryText(tech->category)) +
                  "): resection, consider perioperative FOLFOX (3 months before and after)",
                { { "technical", std::string(tech->category) } },
                {} };
      b.add("crc.resectable", res);
      // Poor prognostic factors: > 5 metastases, synchronous, node-positive primary, CEA.
      Eval poor;
      poor.inputs = { { "numberOfMetastases", count(lesionCount) },
                      { "metastasesFrom",
                        std::string(c.numberOfMetastases ? "clinical" : "lesion map") },
                      { "synchronous", value(c.synchronous) },
                      { "nodePositivePrimary", value(c.nodePositivePrimary) },
                      { "ceaNgMl", value(c.ceaNgMl) } };
      std::vector<std::string> factors;
      if (lesionCount > static_cast<std::size_t>(PoorPrognosisMetastases))
        factors.push_back(std::to_string(lesionCount) + " metastases (> 5)");
      if (c.synchronous == true)
        factors.push_back("synchronous");
      if (c.nodePositivePrimary == true)
        factors.push_back("node-positive primary");
      if (c.ceaNgMl && *c.ceaNgMl > CeaUpperLimitNgMl)
        factors.push_back("elevated CEA " + fmt1(*c.ceaNgMl) + " ng/mL (> 5)");
      if (!c.synchronous)
        poor.needs.push_back("synchronous");
      if (!c.nodePositivePrimary)
        poor.needs.push_back("nodePositivePrimary");
      if (!c.ceaNgMl)
        poor.needs.push_back("ceaNgMl");
      if (!factors.empty())
      {
        poor.status = RuleStatus::Met;
        poor.conclusion =
          "met: " + joinTexts(factors) + " -> neoadjuvant chemotherapy even though resectable";
        poor.needs.clear();
      }
      else if (!poor.needs.empty())
      {
        poor.status = RuleStatus::NotAssessable;
        poor.conclusion = notAssessable(poor.needs) + " (no poor factor among those given)";
      }
      else
      {
        poor.status = RuleStatus::NotMet;
        poor.conclusion = "not met: no poor prognostic factor";
      }
      b.add("crc.poor-prognosis", poor);
      if (poor.status == RuleStatus::Met)
        b.strategy("neoadjuvant-chemotherapy",
                   "Neoadjuvant chemotherapy first although resectable (" + joinTexts(factors) +
                     "); perioperative FOLFOX (3 months before and after), then re-assess and "
                     "resect");
      techStrategies();
      if (poor.status != RuleStatus::Met)
        b.strategy("perioperative-folfox",
                   "Consider perioperative FOLFOX (3 months before and 3 months after the "
                   "resection)");
      if (poor.status == RuleStatus::NotAssessable)
        b.warn("crc.poor-prognosis",
               "Poor prognostic factors not fully assessable (needs " + joinTexts(poor.needs) +
                 "): neoadjuvant chemotherapy may be indicated even though resectable");
    }
  }
  else if (breast)
  {
    // Systemic therapy is primary; surgery an adjunct for oligometastatic disease without
    // uncontrolled extrahepatic disease, not progressing on chemotherapy (seed guideline).
    breastSystemic();
    Eval surg;
    surg.inputs = { { "candidacy.extrahepatic", toString(extrahepatic.status) },
                    { "extrahepaticDisease", value(c.extrahepaticDisease) },
                    { "lesionCount", count(lesionCount) },
                    { "chemotherapyStatus", value(c.chemotherapyStatus) },
                    { "chemotherapyResponse", value(c.chemotherapyResponse) },
                    { "diseaseFreeIntervalMonths", value(c.diseaseFreeIntervalMonths) } };
    if (!c.chemotherapyStatus)
      surg.needs.push_back("chemotherapyStatus");
    else if (*c.chemotherapyStatus != ChemotherapyStatus::None && !c.chemotherapyResponse)
      surg.needs.push_back("chemotherapyResponse");
    if (extrahepatic.status == RuleStatus::NotAssessable)
      surg.needs.push_back("extrahepaticDisease");
    const bool oligometastatic =
      lesionCount <= static_cast<std::size_t>(BreastOligometastaticMaxLesions);
    if (c.chemotherapyStatus == ChemotherapyStatus::None)
      surg.status = RuleStatus::NotMet,
      surg.conclusion = "not yet: systemic therapy first, then re-assess (oligometastatic, "
                        "not progressing)";
    else if (c.chemotherapyResponse == ChemotherapyResponse::Progressing)
      surg.status = RuleStatus::NotMet, surg.conclusion = "not met: progressing on chemotherapy";
    else if (!oligometastatic)
      surg.status = RuleStatus::NotMet,
      surg.conclusion = "not met: " + std::to_string(lesionCount) +
                        " liver metastases are not oligometastatic disease (<= 5, project "
                        "reading)";
    else if (!surg.needs.empty())
      surg.notAssessableFor(surg.needs);
    else
      surg.status = RuleStatus::Met,
      surg.conclusion =
        "met: oligometastatic (" + std::to_string(lesionCount) + " <= 5), extrahepatic " +
        toString(*c.extrahepaticDisease) + ", " + toString(*c.chemotherapyResponse) +
        " on chemotherapy" +
        (c.diseaseFreeIntervalMonths
           ? ", disease-free interval " + fmt1(*c.diseaseFreeIntervalMonths) + " months"
           : std::string(", disease-free interval not given")) +
        ": surgery as an adjunct to systemic therapy";
    b.add("breast.surgery", surg);
    if (surg.status == RuleStatus::NotMet)
    {
      category = CategorySystemicReassess;
      nonSurgicalWhy = "breast: " + surg.conclusion;
      if (c.chemotherapyResponse == ChemotherapyResponse::Progressing)
        b.strategy("systemic-change",
                   "Change the systemic therapy (progressing); liver surgery not indicated while "
                   "progressing");
      b.strategy("reassess", "Re-assess at the MDT after systemic therapy");
    }
    else if (surg.status == RuleStatus::NotAssessable)
    {
      category = CategoryIncomplete;
      blockers = surg.needs;
    }
    else
    {
      category = techCategory();
      techStrategies("Adjunct to the systemic therapy: ");
      if (category == CategorySystemicReassess)
        b.strategy("reassess", "Re-assess at the MDT after systemic therapy");
    }
  }
  else if (net)
  {
    Eval res;
    res.inputs = { { "lesionCount", count(lesionCount) },
                   { "bilobar", value(in.bilobar) },
                   { "technical", tech ? TraceValue(std::string(tech->category)) : TraceValue() } };
    std::optional<bool> isolated;
    if (lesionCount == 1)
      isolated = true;
    else if (lesionCount == 0 || lesionCount > static_cast<std::size_t>(NetIsolatedMaxCount))
      isolated = false;
    else if (in.bilobar)
      isolated = !*in.bilobar;
    if (isolated == false)
      res.status = RuleStatus::NotMet,
      res.conclusion = "not met: " + std::to_string(lesionCount) +
                       " metastases are not solitary/isolated (isolated: <= 3 in one lobe)";
    else if (!isolated)
      res.notAssessableFor({ "a Couinaud segment map (bilobar)" });
    else if (techNone)
      res.status = RuleStatus::NotMet,
      res.conclusion = "not met: solitary/isolated but no plan reaches R0 with an adequate remnant";
    else if (!techFeasible)
      res.status = RuleStatus::NotAssessable, res.needs = techNeeds,
      res.conclusion = notAssessable(res.needs);
    else
      res.status = RuleStatus::Met,
      res.conclusion = "met: " + std::string(lesionCount == 1 ? "solitary" : "isolated") +
                       " metastasis/es, " + categoryText(tech->category);
    b.add("net.resection", res);
    // Debulking (outside the seed): the plan with an adequate remnant that removes the largest
    // share of the tumour volume, when it reaches 70 % (Sarmiento 2003; Graff-Baker 2014).
    Eval debulk{ RuleStatus::NotApplicable, "", {}, {} };
    std::string debulkText;
    const PlanEval* debulkPlan = nullptr;
    double debulkPercent = 0.0;
    double tumourMl = 0.0;
    bool volumesKnown = !in.lesions.empty();
    for (const LesionSummary& l : in.lesions)
      if (l.volumeMl)
        tumourMl += *l.volumeMl;
      else
        volumesKnown = false;
    if (res.status != RuleStatus::Met && volumesKnown && tumourMl > 0.0)
      for (const PlanEval& p : plans)
      {
        double leftMl = 0.0;
        for (const LesionSummary& l : in.lesions)
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
                          " % of the tumour volume (>= 70 %) with an adequate remnant";
      debulkText = "Outside the seed guideline, for the MDT: debulking by " +
                   debulkPlan->summary() + ", removing " + fmt1(debulkPercent) +
                   " % of the tumour volume (>= 70 %: Sarmiento, JACS 2003; Graff-Baker, "
                   "Surgery 2014)";
    }
    else
      debulk.conclusion = "not applicable: no plan with an adequate remnant removes >= 70 % of "
                          "the tumour volume";
    if (res.status == RuleStatus::Met)
    {
      category = techCategory();
      techStrategies();
      b.add("net.debulking", debulk);
      netOptions();
    }
    else
    {
      b.add("net.debulking", debulk);
      const Eval obs = netOptions();
      nonSurgicalWhy = "neuroendocrine: " + res.conclusion;
      if (obs.status == RuleStatus::Applies)
      {
        category = CategoryObservation;
        b.strategy("observation", "Observation with imaging follow-up");
      }
      else if (c.netGrade == 3 || c.symptomatic == true || c.progressive == true)
      {
        category = CategorySystemicReassess;
        if (c.netGrade == 3)
          b.strategy("systemic-therapy",
                     "Systemic therapy chosen by oncology (grade 3 neuroendocrine)");
        b.strategy("reassess", "Re-assess at the MDT after treatment");
      }
      else
      {
        category = CategoryIncomplete;
        blockers = obs.needs;
        if (res.status == RuleStatus::NotAssessable)
          for (const std::string& n : res.needs)
            addUnique(blockers, n);
      }
      if (!debulkText.empty())
        b.strategy("debulking", debulkText);
    }
  }
  else
  {
    category = techCategory();
    b.add("warning.other-primary",
          { RuleStatus::Applies,
            "no primary-specific rule in the seed guideline: only the general criteria applied",
            { { "primaryTumour", value(c.primaryTumour) } },
            {} });
    b.warn("warning.other-primary",
           "The seed guideline has no rule for this primary tumour: only the general candidacy "
           "criteria and the expanders were applied");
    techStrategies();
    if (category == CategorySystemicReassess)
      b.strategy("reassess", "Systemic therapy chosen by oncology, then re-assess at the MDT");
  }

  // Borderline expansion: no median reaches the threshold, but ALPPS's or two-stage's high
  // scenario does - the route stays listed for the MDT with its numbers.
  {
    Eval bl{ RuleStatus::NotApplicable, "", { { "category", category } }, {} };
    std::vector<std::string> found;
    if (category == CategorySystemicReassess && techNone)
    {
      struct Route
      {
        const char* strategyId;
        const char* name;
        const std::vector<const PlanEval*>* candidates;
        std::optional<double> PlanEval::*median;
        double medianPercent, highPercent, weeks;
      };
      const AugmentationParameters& a = in.augmentation;
      for (const Route& r : { Route{ "alpps-borderline",
                                     "ALPPS",
                                     &r0Any,
                                     &PlanEval::alpps,
                                     a.alppsMedianHypertrophyPercent,
                                     a.alppsHighHypertrophyPercent,
                                     a.alppsWaitWeeks },
                              Route{ "two-stage-borderline",
                                     "two-stage hepatectomy",
                                     &leavesLesions,
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
        const std::string numbers = std::string(r.name) + " for " + best->summary() +
                                    ": high scenario " + fmt1(bestHigh) + " % reaches " +
                                    fmt1(best->threshold) + " %, median " +
                                    fmt1(*(best->*r.median)) + " % falls short";
        found.push_back(numbers);
        b.strategy(r.strategyId,
                   "Borderline, for the MDT: " + numbers +
                     " (population estimates; re-measure after systemic therapy)");
      }
      bl.conclusion = found.empty() ? "not applicable: no high scenario reaches the threshold"
                                    : "applies: " + joinTexts(found, "; ");
      if (!found.empty())
        bl.status = RuleStatus::Applies;
    }
    else
      bl.conclusion = "not applicable: the category is not \"systemic therapy and re-assess\" for "
                      "want of a technical option";
    b.add("expander.borderline", bl);
  }

  // candidacy.all agrees with the category: a non-surgical category never reads "surgical
  // candidate" (issue 14).
  const bool surgicalCategory = category == CategoryResectableUpfront ||
                                category == CategoryAfterPve || category == CategoryAfterAlpps ||
                                category == CategoryTwoStage ||
                                category == CategoryResectionAblation;
  if (all.status == RuleStatus::Met && !surgicalCategory)
  {
    Eval settled = all;
    settled.inputs.push_back({ "category", category });
    if (category == CategoryIncomplete)
      settled.notAssessableFor(blockers.empty() ? std::vector<std::string>{ "the data the category "
                                                                            "names" }
                                                : blockers);
    else
    {
      settled.status = RuleStatus::NotMet;
      settled.conclusion = "not a surgical candidate now: " + std::string(categoryText(category)) +
                           (nonSurgicalWhy.empty() ? "" : " (" + nonSurgicalWhy + ")");
    }
    b.replace("candidacy.all", settled);
  }

  // Fong clinical risk score (colorectal): one point each (Fong, Ann Surg 1999).
  if (crc)
  {
    Eval fong;
    std::optional<bool> dfiShort;
    if (c.diseaseFreeIntervalMonths)
      dfiShort = *c.diseaseFreeIntervalMonths < FongDiseaseFreeMonths;
    else if (c.synchronous == true)
      dfiShort = true; // synchronous: the interval is 0 months
    fong.inputs = { { "nodePositivePrimary", value(c.nodePositivePrimary) },
                    { "diseaseFreeIntervalMonths", value(c.diseaseFreeIntervalMonths) },
                    { "synchronous", value(c.synchronous) },
                    { "numberOfMetastases", count(lesionCount) },
                    { "largestDiameterMm", value(largestMm) },
                    { "ceaNgMl", value(c.ceaNgMl) } };
    int points = 0;
    std::vector<std::string> why;
    const auto point = [&](const std::optional<bool>& v, const char* name, const char* need)
    {
      if (!v)
        fong.needs.push_back(need);
      else if (*v)
        ++points, why.push_back(name);
    };
    point(c.nodePositivePrimary, "node-positive primary", "nodePositivePrimary");
    point(dfiShort, "DFI < 12 months", "diseaseFreeIntervalMonths");
    point(std::optional<bool>(lesionCount > 1), "> 1 tumour", "numberOfMetastases");
    point(largestMm ? std::optional<bool>(*largestMm > FongLargestMm) : std::nullopt,
          "largest > 5 cm",
          "lesion diameters");
    point(c.ceaNgMl ? std::optional<bool>(*c.ceaNgMl > FongCeaNgMl) : std::nullopt,
          "CEA > 200 ng/mL",
          "ceaNgMl");
    const std::string detail = why.empty() ? "" : " (" + joinTexts(why) + ")";
    if (fong.needs.empty())
    {
      fong.status = RuleStatus::Applies;
      fong.conclusion = "Fong clinical risk score " + std::to_string(points) + "/5" + detail +
                        (points >= 3 ? ": high risk (3-5)" : ": low risk (0-2)");
    }
    else
    {
      fong.status = RuleStatus::NotAssessable;
      fong.conclusion = notAssessable(fong.needs) + "; at least " + std::to_string(points) +
                        "/5 from the factors given" + detail;
    }
    b.add("fong.score", fong);
  }

  // Ablation criteria for the lesions the strategy ablates.
  std::vector<const LesionSummary*> ablated;
  if (category == CategoryAblationOnly)
    for (const LesionSummary& l : in.lesions)
      ablated.push_back(&l);
  else if (b.hasStrategy("resection-ablation") && combined.plan)
    for (int id : combined.plan->plan->ablatedLesionIds)
      for (const LesionSummary& l : in.lesions)
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
      else if (*l->maxDiameterMm > AblationEfficacyDiameterMm)
        large.push_back(name + " (" + fmt1(*l->maxDiameterMm) + " mm)");
      else if (*l->maxDiameterMm > 20.0)
        borderline.push_back(name + " (" + fmt1(*l->maxDiameterMm) + " mm)");
      if (l->vesselDistanceMm && *l->vesselDistanceMm <= AblationHeatSinkMm)
        near.push_back(name + " (" + fmt1(*l->vesselDistanceMm) + " mm from a vessel)");
    }
    sink.inputs.push_back({ "vesselMapGiven", in.vesselsKnown });
    if (!large.empty())
    {
      size.status = RuleStatus::Applies;
      size.conclusion = "applies: " + joinTexts(large) + " above 3 cm: ablation efficacy falls";
      b.warn("ablation.size",
             "Ablation efficacy falls above 2-3 cm: " + joinTexts(large) +
               "; consider resection or another plan for these lesions");
    }
    else if (!unknownSize.empty())
      size.status = RuleStatus::NotAssessable,
      size.needs = { "lesion diameters (" + joinTexts(unknownSize) + ")" },
      size.conclusion = notAssessable(size.needs);
    else
      size.status = RuleStatus::NotApplicable,
      size.conclusion = borderline.empty()
                          ? "not applicable: every ablated lesion <= 2 cm"
                          : "not applicable (<= 3 cm), but efficacy starts to fall above 2 cm: " +
                              joinTexts(borderline);
    b.add("ablation.size", size);
    if (!near.empty())
    {
      sink.status = RuleStatus::Applies;
      sink.conclusion = "applies: " + joinTexts(near) + ": heat sink raises local recurrence";
      b.warn("ablation.heat-sink",
             "Heat sink: " + joinTexts(near) + " - higher local recurrence after ablation");
    }
    else if (!in.vesselsKnown)
      sink.status = RuleStatus::NotAssessable,
      sink.needs = { "a vessel map (--vessels) for the heat-sink check" },
      sink.conclusion = notAssessable(sink.needs);
    else
      sink.status = RuleStatus::NotApplicable,
      sink.conclusion = "not applicable: no ablated lesion within 5 mm of a vessel";
    b.add("ablation.heat-sink", sink);
  }

  // ---- Warnings always checked -----------------------------------------------------------------
  {
    Eval e;
    e.inputs = { { "bodyHeightCm", value(in.bodyHeightCm) },
                 { "bodyWeightKg", value(in.bodyWeightKg) },
                 { "heightCm", value(c.heightCm) },
                 { "weightKg", value(c.weightKg) } };
    if (bodyMismatch)
    {
      e.status = RuleStatus::Applies;
      e.conclusion = "applies: sFLR recomputed with the clinical height and weight";
      b.warn("warning.body-mismatch",
             "The clinical height/weight (" + fmt1(*c.heightCm) + " cm, " + fmt1(*c.weightKg) +
               " kg) differ from the result's (" + fmt1(*in.bodyHeightCm) + " cm, " +
               fmt1(*in.bodyWeightKg) + " kg): sFLR recomputed with the clinical values");
    }
    else
    {
      e.status = RuleStatus::NotApplicable;
      e.conclusion = recompute ? "not applicable: sFLR computed from the clinical height and weight"
                               : "not applicable";
    }
    b.add("warning.body-mismatch", e);
  }
  {
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
      for (const PlanEval& p : plans)
        if (p.plan->thresholdSource == "user" && p.threshold < chemoMin)
          why.push_back("plan \"" + p.plan->name + "\" uses a user threshold of " +
                        fmt1(p.threshold) + " %, below the " + fmt1(chemoMin) +
                        " % for a liver after > 12 weeks of chemotherapy");
    if (!why.empty())
    {
      e.status = RuleStatus::Applies;
      e.conclusion = "applies: " + joinTexts(why, "; ");
      b.warn("warning.chemotherapy-liver", "Chemotherapy-exposed liver: " + joinTexts(why, "; "));
    }
    else if (!c.chemotherapyStatus)
      e.notAssessableFor({ "chemotherapyStatus" });
    else
    {
      e.status = RuleStatus::NotApplicable;
      e.conclusion = liver.chemotherapyExposed
                       ? "not applicable: the chemotherapy-exposed threshold is in use"
                       : "not applicable: no chemotherapy > 12 weeks";
    }
    b.add("warning.chemotherapy-liver", e);
  }
  {
    // Only the plan a strategy recommends; the ratio is compared as printed (2 decimals).
    Eval e;
    const PlanEval* recommended = tech ? tech->option->plan : nullptr;
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
      e.conclusion = "applies: FLR/body weight " + fmt2(*ratio) + " % <= 0.50 %";
      b.warn("warning.flr-body-weight",
             "FLR / body weight " + fmt2(*ratio) + " % <= 0.50 % for plan \"" +
               recommended->plan->name + "\": higher morbidity (Truant, JACS 2007)");
    }
    else
      e.status = RuleStatus::NotApplicable,
      e.conclusion = "not applicable: FLR/body weight " + fmt2(*ratio) + " % > 0.50 %";
    b.add("warning.flr-body-weight", e);
  }
  {
    const bool chemoPlanned = b.hasStrategy("neoadjuvant-chemotherapy") ||
                              b.hasStrategy("perioperative-folfox") || b.hasStrategy("systemic");
    const bool onChemo = c.chemotherapyStatus == ChemotherapyStatus::Ongoing;
    Eval e;
    e.inputs = { { "chemotherapyStatus", value(c.chemotherapyStatus) },
                 { "chemotherapyInStrategies", chemoPlanned } };
    if (chemoPlanned || onChemo)
    {
      e.status = RuleStatus::Applies;
      e.conclusion = "applies: chemotherapy is planned or ongoing";
      b.warn("warning.surgery-before-chemo",
             "Surgical evaluation before chemotherapy: about 20 % of resectable tumours progress "
             "during neoadjuvant chemotherapy, and responding lesions can vanish on imaging - "
             "record (and mark) every lesion before chemotherapy");
    }
    else
      e.status = RuleStatus::NotApplicable,
      e.conclusion = "not applicable: no chemotherapy planned or ongoing";
    b.add("warning.surgery-before-chemo", e);
  }
  {
    Eval e;
    e.inputs = { { "primaryTumour", value(c.primaryTumour) } };
    if (crc || !c.primaryTumour)
    {
      e.status = RuleStatus::Applies;
      e.conclusion = crc ? "applies: colorectal" : "applies: primary not given";
      b.warn("warning.no-biopsy", "Never biopsy suspected colorectal liver metastases");
    }
    else
      e.status = RuleStatus::NotApplicable,
      e.conclusion = "not applicable: " + toString(*c.primaryTumour) + " primary";
    b.add("warning.no-biopsy", e);
  }
  {
    Eval e;
    e.inputs = { { "chemotherapyResponse", value(c.chemotherapyResponse) },
                 { "lesionsOnImaging", count(imagingCount) },
                 { "numberOfMetastases", value(c.numberOfMetastases) } };
    std::vector<std::string> why;
    if (c.chemotherapyResponse == ChemotherapyResponse::Complete)
      why.push_back("complete radiological response");
    if (imagingCount == 0)
      why.push_back("no lesion in the lesion map");
    if (c.numberOfMetastases && static_cast<std::size_t>(*c.numberOfMetastases) > imagingCount)
      why.push_back(std::to_string(*c.numberOfMetastases) + " metastases known, " +
                    std::to_string(imagingCount) + " in the lesion map");
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
  {
    Eval e;
    e.inputs = { { "numberOfMetastases", value(c.numberOfMetastases) },
                 { "lesionsOnImaging", count(imagingCount) } };
    if (!c.numberOfMetastases)
      e.status = RuleStatus::NotApplicable,
      e.conclusion = "not applicable: no clinical number of metastases";
    else if (static_cast<std::size_t>(*c.numberOfMetastases) != imagingCount)
    {
      e.status = RuleStatus::Applies;
      e.conclusion = "applies: " + std::to_string(*c.numberOfMetastases) +
                     " metastases known clinically, " + std::to_string(imagingCount) +
                     " in the lesion map";
      b.warn("warning.imaging-mismatch",
             "Imaging and clinic disagree: " + e.conclusion.substr(9) +
               " - check the lesion map (or the clinical count) before relying on the plans" +
               (imagingCount == 0 ? "; an empty map makes every plan R0 by definition" : ""));
    }
    else
      e.status = RuleStatus::NotApplicable,
      e.conclusion = "not applicable: the lesion map shows the " + std::to_string(imagingCount) +
                     " metastases known clinically";
    b.add("warning.imaging-mismatch", e);
  }
  {
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
  b.add("mdt.referral", { RuleStatus::Applies, "applies: every case", {}, {} });
  b.warn("mdt.referral",
         "Every case goes to a multidisciplinary team at a hepatobiliary centre; this is decision "
         "support, not an order");

  // ---- Category text ---------------------------------------------------------------------------
  Decision& d = b.decision();
  d.category = category;
  d.categoryText = categoryText(category);
  if (breast && surgicalCategory)
    d.categoryText += " - as an adjunct to systemic therapy (breast)";
  if (category == CategoryIncomplete)
  {
    if (blockers.empty())
      blockers = d.missing;
    d.categoryText += " (needs " + joinTexts(blockers) + ")";
    if (!imagingAlone.empty())
      d.categoryText += "; imaging alone: " + imagingAlone;
    std::vector<Strategy> rest = d.strategies;
    d.strategies = { { "complete-data",
                       "Complete the missing data and re-run the decision: " +
                         joinTexts(blockers) } };
    if (rest.empty() && tech && !patientFails)
    {
      techStrategies();
      rest = std::vector<Strategy>(d.strategies.begin() + 1, d.strategies.end());
      d.strategies.resize(1);
    }
    for (const Strategy& s : rest)
      d.strategies.push_back({ s.id, "If the missing data allow: " + s.text });
  }
  return d;
}

} // namespace liver
