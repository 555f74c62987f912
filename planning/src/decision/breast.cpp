/// Breast cancer liver metastases: systemic therapy is primary, surgery an adjunct (DESIGN.md §3).

#include "context.h"

#include <algorithm>

namespace liver::decision
{

void breastSystemic(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
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
}

void breastRules(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  // Systemic therapy is primary; surgery an adjunct for oligometastatic disease without
  // uncontrolled extrahepatic disease, not progressing on chemotherapy (seed guideline).
  breastSystemic(d);
  Eval surg;
  surg.inputs = { { "candidacy.extrahepatic", toString(d.cand.extrahepatic.status) },
                  { "extrahepaticDisease", value(c.extrahepaticDisease) },
                  { "lesionCount", count(d.k.lesionCount) },
                  { "chemotherapyStatus", value(c.chemotherapyStatus) },
                  { "chemotherapyResponse", value(c.chemotherapyResponse) },
                  { "diseaseFreeIntervalMonths", value(c.diseaseFreeIntervalMonths) } };
  if (!c.chemotherapyStatus)
    surg.needs.push_back("chemotherapyStatus");
  else if (*c.chemotherapyStatus != ChemotherapyStatus::None && !c.chemotherapyResponse)
    surg.needs.push_back("chemotherapyResponse");
  if (d.cand.extrahepatic.status == RuleStatus::NotAssessable)
    surg.needs.push_back("extrahepaticDisease");
  const bool oligometastatic =
    d.k.lesionCount <= static_cast<std::size_t>(BreastOligometastaticMaxLesions);
  if (c.chemotherapyStatus == ChemotherapyStatus::None)
    surg.status = RuleStatus::NotMet,
    surg.conclusion = "not yet: systemic therapy first, then re-assess (oligometastatic, "
                      "not progressing)";
  else if (c.chemotherapyResponse == ChemotherapyResponse::Progressing)
    surg.status = RuleStatus::NotMet, surg.conclusion = "not met: progressing on chemotherapy";
  else if (!oligometastatic)
    surg.status = RuleStatus::NotMet,
    surg.conclusion = "not met: " + std::to_string(d.k.lesionCount) +
                      " liver metastases are not oligometastatic disease (<= " +
                      std::to_string(BreastOligometastaticMaxLesions) + ", project reading)";
  else if (!surg.needs.empty())
    surg.notAssessableFor(surg.needs);
  else
    surg.status = RuleStatus::Met,
    surg.conclusion =
      "met: oligometastatic (" + std::to_string(d.k.lesionCount) +
      " <= " + std::to_string(BreastOligometastaticMaxLesions) + "), extrahepatic " +
      toString(*c.extrahepaticDisease) + ", " + toString(*c.chemotherapyResponse) +
      " on chemotherapy" +
      (c.diseaseFreeIntervalMonths
         ? ", disease-free interval " + fmt1(*c.diseaseFreeIntervalMonths) + " months"
         : std::string(", disease-free interval not given")) +
      ": surgery as an adjunct to systemic therapy";
  b.add("breast.surgery", surg);
  if (surg.status == RuleStatus::NotMet)
  {
    d.out.category = CategorySystemicReassess;
    d.out.nonSurgicalWhy = "breast: " + surg.conclusion;
    if (c.chemotherapyResponse == ChemotherapyResponse::Progressing)
      b.strategy("systemic-change",
                 "Change the systemic therapy (progressing); liver surgery not indicated while "
                 "progressing");
    b.strategy("reassess", "Re-assess at the MDT after systemic therapy");
  }
  else if (surg.status == RuleStatus::NotAssessable)
  {
    d.out.category = CategoryIncomplete;
    d.out.blockers = surg.needs;
  }
  else
  {
    d.out.category = d.techCategory();
    d.techStrategies("Adjunct to the systemic therapy: ");
    if (d.out.category == CategorySystemicReassess)
      b.strategy("reassess", "Re-assess at the MDT after systemic therapy");
  }
}

} // namespace liver::decision
