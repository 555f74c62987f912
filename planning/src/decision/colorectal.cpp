/// Colorectal liver metastases (DESIGN.md §3 Decision rules, colorectal; Fong, Ann Surg 1999).

#include "context.h"

#include <algorithm>

namespace liver::decision
{

void colorectalSystemic(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  // Systemic therapy by MMR/RAS/BRAF/sidedness (seed guideline).
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
}

namespace
{

/// crc.prior-chemotherapy: chemotherapy already given changes what comes first. Resectable after
/// it: re-stage and resect, no new neoadjuvant course (the seed's "neoadjuvant chemotherapy" and
/// the "before" half of perioperative FOLFOX are what was given); progressing on it: the MDT
/// reviews the progression before any resection (Adam, Ann Surg 2004). Not resectable: the seed's
/// regimens are chosen by tumour biology; the next line after a course is oncology's choice.
void priorChemotherapy(Decider& d, bool resectable)
{
  const Clinical& c = d.k.c;
  const std::string given = chemotherapyGivenText(c);
  Eval e;
  e.inputs = { { "chemotherapyStatus", value(c.chemotherapyStatus) },
               { "chemotherapyWeeks", value(c.chemotherapyWeeks) },
               { "chemotherapyResponse", value(c.chemotherapyResponse) } };
  if (given.empty())
  {
    if (c.chemotherapyStatus)
      e.status = RuleStatus::NotApplicable, e.conclusion = "not applicable: chemotherapy-naive";
    else
    {
      e.notAssessableFor({ "chemotherapyStatus" });
      e.conclusion += " (the advice assumes no chemotherapy yet)";
    }
  }
  else if (!resectable)
    e.status = RuleStatus::Applies,
    e.conclusion = "applies: not resectable " + given +
                   ": the systemic regimen below is the seed guideline's choice by tumour "
                   "biology; after a course, oncology chooses the next line";
  else if (c.chemotherapyResponse == ChemotherapyResponse::Progressing)
    e.status = RuleStatus::Applies,
    e.conclusion = "applies: progressing " + given +
                   ": the MDT reviews the progression before any resection (Adam, Ann Surg 2004)";
  else
    e.status = RuleStatus::Applies,
    e.conclusion = "applies: resectable " + given +
                   (c.chemotherapyResponse ? ", response " + toString(*c.chemotherapyResponse)
                                           : std::string(", response not given")) +
                   ": re-stage and resect, no new neoadjuvant course";
  d.b.add("crc.prior-chemotherapy", e);
}

} // namespace

void colorectalRules(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  const Option* tech = d.t.tech();
  const std::string months = std::to_string(PerioperativeFolfoxMonths);
  const std::string folfox = months + " months before and after";
  const std::string given = chemotherapyGivenText(c);
  d.out.category = d.techCategory();
  if (d.out.category == CategorySystemicReassess)
  {
    priorChemotherapy(d, false);
    colorectalSystemic(d);
    b.strategy("reassess",
               "Re-assess resectability at the MDT after systemic therapy (expanders: PVE, "
               "two-stage, resection + ablation)");
  }
  else if (tech)
  {
    Eval res{ RuleStatus::Applies,
              "resectable (" + std::string(categoryText(tech->category)) + "): resection, " +
                (given.empty() ? "consider perioperative FOLFOX (" + folfox + ")"
                               : given + ": consider the " + months +
                                   " months of perioperative FOLFOX after the resection"),
              { { "technical", std::string(tech->category) } },
              {} };
    b.add("crc.resectable", res);
    priorChemotherapy(d, true);
    const bool progressing =
      !given.empty() && c.chemotherapyResponse == ChemotherapyResponse::Progressing;
    // Poor prognostic factors: > 5 metastases, synchronous, node-positive primary, CEA.
    Eval poor;
    poor.inputs = { { "numberOfMetastases", count(d.k.lesionCount) },
                    { "metastasesFrom",
                      std::string(c.numberOfMetastases ? "clinical" : "lesion map") },
                    { "synchronous", value(c.synchronous) },
                    { "nodePositivePrimary", value(c.nodePositivePrimary) },
                    { "ceaNgMl", value(c.ceaNgMl) } };
    std::vector<std::string> factors;
    if (d.k.lesionCount > static_cast<std::size_t>(PoorPrognosisMetastases))
      factors.push_back(std::to_string(d.k.lesionCount) + " metastases (> " +
                        std::to_string(PoorPrognosisMetastases) + ")");
    if (c.synchronous == true)
      factors.push_back("synchronous");
    if (c.nodePositivePrimary == true)
      factors.push_back("node-positive primary");
    if (c.ceaNgMl && *c.ceaNgMl > CeaUpperLimitNgMl)
      factors.push_back("elevated CEA " + fmt1(*c.ceaNgMl) + " ng/mL (> " + num(CeaUpperLimitNgMl) +
                        ")");
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
        "met: " + joinTexts(factors) + " -> neoadjuvant chemotherapy even though resectable" +
        (given.empty() ? "" : "; already given (" + given + "), see crc.prior-chemotherapy");
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
    const std::string poorText =
      factors.empty() ? "" : " (poor prognostic factors: " + joinTexts(factors) + ")";
    if (progressing)
      b.strategy("mdt-progression",
                 "MDT review of the progression before any resection: progressing " + given +
                   "; a change of systemic therapy and re-assessment is usually considered "
                   "first (Adam, Ann Surg 2004)");
    else if (!given.empty())
      b.strategy("restage-then-resect",
                 (c.chemotherapyStatus == ChemotherapyStatus::Ongoing
                    ? "Chemotherapy under way: re-stage " + given +
                        " against the imaging before chemotherapy (every original site) and "
                        "resect when the preoperative course (" +
                        months + " months) ends"
                    : "Re-stage " + given +
                        " against the imaging before chemotherapy (every original site), then "
                        "resect") +
                   "; no new neoadjuvant course" + poorText);
    else if (poor.status == RuleStatus::Met)
      b.strategy("neoadjuvant-chemotherapy",
                 "Neoadjuvant chemotherapy first although resectable (" + joinTexts(factors) +
                   "); perioperative FOLFOX (" + folfox + "), then re-assess and resect");
    d.techStrategies();
    if (!given.empty() && !progressing)
      b.strategy("perioperative-folfox",
                 "Consider the " + months +
                   " months of perioperative FOLFOX after the resection (the preoperative "
                   "part is the chemotherapy already given)");
    else if (given.empty() && poor.status != RuleStatus::Met)
      b.strategy("perioperative-folfox",
                 "Consider perioperative FOLFOX (" + months + " months before and " + months +
                   " months after the resection)");
    if (poor.status == RuleStatus::NotAssessable && given.empty())
      b.warn("crc.poor-prognosis",
             "Poor prognostic factors not fully assessable (needs " + joinTexts(poor.needs) +
               "): neoadjuvant chemotherapy may be indicated even though resectable");
  }
}

void fongScore(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  if (!d.k.crc)
    return;
  Eval fong;
  std::optional<bool> dfiShort;
  if (c.diseaseFreeIntervalMonths)
    dfiShort = *c.diseaseFreeIntervalMonths < FongDiseaseFreeMonths;
  else if (c.synchronous == true)
    dfiShort = true; // synchronous: the interval is 0 months
  fong.inputs = { { "nodePositivePrimary", value(c.nodePositivePrimary) },
                  { "diseaseFreeIntervalMonths", value(c.diseaseFreeIntervalMonths) },
                  { "synchronous", value(c.synchronous) },
                  { "numberOfMetastases", count(d.k.lesionCount) },
                  { "largestDiameterMm", value(d.k.largestMm) },
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
  const std::string dfi = "DFI < " + num(FongDiseaseFreeMonths) + " months";
  const std::string largest = "largest > " + num(FongLargestMm / 10.0) + " cm";
  const std::string cea = "CEA > " + num(FongCeaNgMl) + " ng/mL";
  point(dfiShort, dfi.c_str(), "diseaseFreeIntervalMonths");
  point(std::optional<bool>(d.k.lesionCount > 1), "> 1 tumour", "numberOfMetastases");
  point(d.k.largestMm ? std::optional<bool>(*d.k.largestMm > FongLargestMm) : std::nullopt,
        largest.c_str(),
        "lesion diameters");
  point(c.ceaNgMl ? std::optional<bool>(*c.ceaNgMl > FongCeaNgMl) : std::nullopt,
        cea.c_str(),
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

} // namespace liver::decision
