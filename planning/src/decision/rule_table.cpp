/// The rule table (each rule points to the function that evaluates it) and decide(), which runs
/// the rule families in a fixed order over one immutable case context (DESIGN.md §3).

#include "context.h"

#include <algorithm>

namespace liver
{

using namespace decision;

namespace
{

/// Every rule: id, what it checks, its source, and the function that evaluates it.
const std::vector<RuleInfo> Rules = {
  { "candidacy.r0",
    "a plan reaches R0 (no lesion left, every margin >= 1 mm)",
    SrcSeed,
    "candidacyR0 (decision/candidacy.cpp)" },
  { "candidacy.flr",
    "a plan reaching R0 keeps sFLR >= the threshold with >= 2 contiguous segments",
    "seed guideline; Kishi 2009; Shindoh, Ann Surg Oncol 2013; Abdalla et al., Ann Surg Oncol "
    "2006 (consensus); Azoulay",
    "candidacyFlr (decision/candidacy.cpp)" },
  { "candidacy.performance",
    "good performance status (ECOG 0-" + std::to_string(MaxGoodEcog) + ")",
    SrcSeed,
    "candidacyPerformance (decision/candidacy.cpp)" },
  { "candidacy.extrahepatic",
    "extrahepatic disease absent or controlled (breast cancer only: isolated bone metastases "
    "controllable with radiation, a solitary pulmonary metastasis; any primary: R0 of all "
    "sites achievable)",
    SrcSeed,
    "candidacyExtrahepatic (decision/candidacy.cpp)" },
  { "candidacy.surgery-possible",
    "no comorbidity preventing surgery and no refusal by the patient",
    SrcSeed,
    "candidacySurgeryPossible (decision/candidacy.cpp)" },
  { "resection.upfront",
    "an R0 plan by resection alone with an adequate remnant now",
    SrcSeed,
    "evaluateTechnical (decision/technical.cpp)" },
  { "expander.resection-ablation",
    "an R0 plan combining resection and ablation with an adequate remnant now",
    "seed guideline (expanders: resection + RFA)",
    "evaluateTechnical (decision/technical.cpp)" },
  { "expander.pve",
    "an R0 plan whose remnant reaches the threshold after PVE (median prediction)",
    "seed guideline (expanders: PVE); van Lienden, CVIR 2013; Vauthey, Surgery 2000; Shindoh, "
    "JACS 2013",
    "evaluateTechnical, describeExpanders (decision/technical.cpp)" },
  { "expander.alpps",
    "an R0 plan whose remnant reaches the threshold after ALPPS but not after PVE (median)",
    "DESIGN.md §3 FLR augmentation (ALPPS ~84 % in 1-2 weeks)",
    "evaluateTechnical, describeExpanders (decision/technical.cpp)" },
  { "expander.two-stage",
    "a plan leaving lesions in the remnant that stage 1 can clear, reaching the threshold "
    "after PVE (median)",
    "seed guideline (expanders: two-stage); Tsai, HPB 2010; Passot, JACS 2016",
    "evaluateTechnical, describeExpanders (decision/technical.cpp)" },
  { "expander.borderline",
    "no median reaches the threshold but ALPPS's or two-stage's high scenario does: listed "
    "for the MDT as a borderline option",
    "DESIGN.md §3 FLR augmentation (low / median / high scenarios)",
    "borderlineExpansion (decision/technical.cpp)" },
  { "candidacy.all",
    "surgical candidate only when all criteria hold and the primary's rules give a surgical "
    "category",
    SrcSeed,
    "candidacyAll, settleCandidacy (decision/candidacy.cpp)" },
  { "crc.resectable",
    "colorectal, resectable: resection, consider perioperative FOLFOX (" +
      std::to_string(PerioperativeFolfoxMonths) + " months before and after)",
    SrcSeed,
    "colorectalRules (decision/colorectal.cpp)" },
  { "crc.poor-prognosis",
    "colorectal poor prognostic factors (> " + std::to_string(PoorPrognosisMetastases) +
      " metastases, synchronous, node-positive primary, elevated CEA): neoadjuvant chemotherapy "
      "even if resectable",
    SrcSeed,
    "colorectalRules (decision/colorectal.cpp)" },
  { "crc.prior-chemotherapy",
    "colorectal, chemotherapy already given (ongoing or completed, or weeks recorded): resectable "
    "-> re-stage and resect, no new neoadjuvant course, the " +
      std::to_string(PerioperativeFolfoxMonths) +
      " months after the resection; progressing -> MDT review before any resection",
    "project reading of the seed guideline (chemotherapy already given); Nordlinger, Lancet 2008 "
    "(EPOC); Adam, Ann Surg 2004",
    "colorectalRules, priorChemotherapy (decision/colorectal.cpp)" },
  { "crc.systemic.left-wt",
    "unresectable colorectal, pMMR/MSS RAS/BRAF wild-type left-sided: chemotherapy + anti-EGFR",
    SrcSeed,
    "colorectalSystemic (decision/colorectal.cpp)" },
  { "crc.systemic.right-wt",
    "unresectable colorectal, pMMR/MSS RAS/BRAF wild-type right-sided: triplet (FOLFOXIRI)",
    SrcSeed,
    "colorectalSystemic (decision/colorectal.cpp)" },
  { "crc.systemic.mutated",
    "unresectable colorectal, pMMR/MSS RAS or BRAF mutated: triplet + bevacizumab",
    SrcSeed,
    "colorectalSystemic (decision/colorectal.cpp)" },
  { "crc.systemic.dmmr",
    "unresectable colorectal, dMMR/MSI-H: outside the guideline's systemic rules",
    SrcSeed,
    "colorectalSystemic (decision/colorectal.cpp)" },
  { "fong.score",
    "Fong clinical risk score: node-positive primary, DFI < " + num(FongDiseaseFreeMonths) +
      " months, > 1 tumour, largest > " + num(FongLargestMm / 10.0) + " cm, CEA > " +
      num(FongCeaNgMl) + " ng/mL",
    "Fong, Ann Surg 1999",
    "fongScore (decision/colorectal.cpp)" },
  { "breast.systemic-first",
    "breast: systemic therapy first",
    SrcSeed,
    "breastSystemic (decision/breast.cpp)" },
  { "breast.receptors",
    "breast: HR/HER2 guide systemic therapy",
    SrcSeed,
    "breastSystemic (decision/breast.cpp)" },
  { "breast.surgery",
    "breast: surgery only for liver-limited or oligometastatic disease not progressing on "
    "chemotherapy",
    SrcSeed,
    "breastRules (decision/breast.cpp)" },
  { "net.resection",
    "neuroendocrine: resection for solitary/isolated metastases (isolated: <= " +
      std::to_string(NetIsolatedMaxCount) + " in one lobe)",
    SrcSeed,
    "netRules (decision/net.cpp)" },
  { "net.observation",
    "neuroendocrine: observation often appropriate (not for grade 3)",
    SrcSeed,
    "netOptions (decision/net.cpp)" },
  { "net.somatostatin",
    "neuroendocrine: somatostatin analogue for symptoms",
    SrcSeed,
    "netOptions (decision/net.cpp)" },
  { "net.embolization",
    "neuroendocrine: (chemo)embolization for progressive symptomatic vascular tumours",
    SrcSeed,
    "netOptions (decision/net.cpp)" },
  { "net.prrt",
    "neuroendocrine: PRRT for progressive somatostatin-receptor-positive tumours",
    "seed guideline; NETTER-1 (Strosberg, NEJM 2017): progressive SSTR-positive disease",
    "netOptions (decision/net.cpp)" },
  { "net.debulking",
    "neuroendocrine, not solitary/isolated: a plan removing >= " + num(NetDebulkingMinPercent) +
      " % of the tumour volume (outside the seed guideline)",
    "Sarmiento, JACS 2003; Graff-Baker, Surgery 2014",
    "netRules (decision/net.cpp)" },
  { "ablation.primary",
    "primary ablation only when the patient cannot have surgery (poor performance status or "
    "comorbidity) or refuses it: up to " +
      std::to_string(AblationMaxCount) + " metastases <= " +
      num(AblationMaxPrimaryDiameterMm / 10.0) + " cm without extrahepatic disease",
    SrcSeed,
    "primaryAblationRules (decision/ablation.cpp)" },
  { "ablation.size",
    "ablation efficacy falls above " + num(AblationEfficacyFallsFromMm / 10.0) + "-" +
      num(AblationMaxDiameterMm / 10.0) + " cm",
    SrcSeed,
    "ablationCriteria (decision/ablation.cpp)" },
  { "ablation.heat-sink",
    "a lesion next to a large vessel (heat sink) raises local recurrence after ablation",
    SrcSeed,
    "ablationCriteria (decision/ablation.cpp)" },
  { "warning.other-primary",
    "no primary-specific rule for this primary",
    SrcSeed,
    "otherPrimaryRules (decision/other_primary.cpp)" },
  { "warning.body-mismatch",
    "the clinical height/weight differ from the ones the result's sFLR used",
    "DESIGN.md §3 Volumes (sFLR from BSA and SLV)",
    "warningRules (decision/warnings.cpp)" },
  { "warning.chemotherapy-liver",
    "chemotherapy > " + num(ChemotherapyInjuryWeeks) +
      " weeks (or of unknown duration) makes "
      "the threshold " +
      num(flrThreshold(LiverCondition::Chemotherapy).minimumPercent) +
      " %; a liver called normal, or a lower user threshold, after such chemotherapy is warned "
      "about",
    "Shindoh, Ann Surg Oncol 2013",
    "warningRules (decision/warnings.cpp)" },
  { "warning.flr-body-weight",
    "FLR / body weight <= " + num(FlrBodyWeightMinPercent) + " % raises morbidity",
    "Truant, JACS 2007",
    "warningRules (decision/warnings.cpp)" },
  { "warning.surgery-before-chemo",
    "surgical evaluation before chemotherapy (20 % of resectable tumours progress during "
    "neoadjuvant chemotherapy; responding lesions vanish on imaging)",
    SrcSeed,
    "warningRules (decision/warnings.cpp)" },
  { "warning.no-biopsy",
    "never biopsy suspected colorectal liver metastases",
    SrcSeed,
    "warningRules (decision/warnings.cpp)" },
  { "warning.complete-response",
    "complete radiological response is not absence of disease",
    SrcSeed,
    "warningRules (decision/warnings.cpp)" },
  { "warning.imaging-mismatch",
    "the clinical number of metastases differs from the lesion map's",
    "project reading (issue 14)",
    "warningRules (decision/warnings.cpp)" },
  { "warning.judge-remnant",
    "judge what remains, not only what is removed",
    SrcSeed,
    "warningRules (decision/warnings.cpp)" },
  { "mdt.referral",
    "every case goes to a multidisciplinary team at a hepatobiliary centre",
    SrcSeed,
    "warningRules (decision/warnings.cpp)" },
};

} // namespace

const std::vector<RuleInfo>& decisionRules()
{
  return Rules;
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

namespace
{

/// The category text and, for an incomplete category, "complete the data" first.
void finish(Decider& d)
{
  Decision& out = d.b.decision();
  out.category = d.out.category;
  out.categoryText = categoryText(d.out.category);
  if (d.k.breast && isSurgicalCategory(d.out.category))
    out.categoryText += " - as an adjunct to systemic therapy (breast)";
  if (d.out.category != CategoryIncomplete)
    return;
  std::vector<std::string> blockers = d.out.blockers.empty() ? out.missing : d.out.blockers;
  out.categoryText += " (needs " + joinTexts(blockers) + ")";
  if (!d.t.imagingAlone.empty())
    out.categoryText += "; imaging alone: " + d.t.imagingAlone;
  std::vector<Strategy> rest = out.strategies;
  out.strategies = {
    { "complete-data", "Complete the missing data and re-run the decision: " + joinTexts(blockers) }
  };
  if (rest.empty() && d.t.tech() && !d.cand.patientFails)
  {
    d.techStrategies();
    rest = std::vector<Strategy>(out.strategies.begin() + 1, out.strategies.end());
    out.strategies.resize(1);
  }
  for (const Strategy& s : rest)
    out.strategies.push_back({ s.id, "If the missing data allow: " + s.text });
}

/// The category by primary tumour, once the patient can have surgery.
void primaryRules(Decider& d)
{
  const Clinical& c = d.k.c;
  if (primaryAblationRules(d))
    return;
  if (d.cand.patientFails)
  {
    d.out.category = CategoryNotCandidate;
    if (d.k.crc)
      colorectalSystemic(d);
    else if (d.k.breast)
      breastSystemic(d);
    else if (d.k.net)
      netOptions(d);
    else
      d.b.strategy("systemic-therapy",
                   "Systemic therapy chosen by oncology (extrahepatic disease)");
  }
  else if (!c.primaryTumour)
  {
    d.out.category = CategoryIncomplete;
    d.out.blockers = { "primaryTumour" };
    for (const std::string& n : d.cand.patientNeeds)
      addUnique(d.out.blockers, n);
  }
  else if (d.k.crc)
    colorectalRules(d);
  else if (d.k.breast)
    breastRules(d);
  else if (d.k.net)
    netRules(d);
  else
    otherPrimaryRules(d);
}

} // namespace

Decision decide(const Clinical& clinical, const DecisionInputs& inputs)
{
  validateClinical(clinical);
  const CaseContext k(clinical, inputs);
  const Technical t = evaluateTechnical(k);
  Builder b;
  const Candidacy cand = evaluateCandidacy(k, t, b);
  Outcome out;
  Decider d{ k, t, cand, b, out };
  primaryRules(d);
  borderlineExpansion(d);
  settleCandidacy(d);
  fongScore(d);
  ablationCriteria(d);
  warningRules(d);
  finish(d);
  return b.decision();
}

} // namespace liver
