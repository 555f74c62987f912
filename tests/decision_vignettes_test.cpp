/// End-to-end patient vignettes written from the guideline text (DESIGN.md §3 Decision rules):
/// each gives a patient and the imaging summary of the plans evaluated, and checks the category,
/// the strategies in order and the rules that decided.

#include <liver/planning/augmentation.h>
#include <liver/planning/decision.h>

#include "decision_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace liver;
using liver::test::lesion;
using liver::test::strategyIds;
using liver::test::warns;

namespace
{

Clinical colorectal()
{
  Clinical c;
  c.primaryTumour = PrimaryTumour::Colorectal;
  c.ageYears = 62.0;
  c.sex = Sex::Male;
  c.ecog = 0;
  c.extrahepaticDisease = ExtrahepaticDisease::None;
  c.synchronous = false;
  c.nodePositivePrimary = false;
  c.ceaNgMl = 4.0;
  c.diseaseFreeIntervalMonths = 30.0;
  c.mmr = MmrStatus::Proficient;
  c.ras = MutationStatus::WildType;
  c.braf = MutationStatus::WildType;
  c.sidedness = Sidedness::Left;
  return c;
}

/// An R0 or R2 resection of 700 mL with >= 2 contiguous segments left and the default PVE /
/// ALPPS predictions (planning/augmentation.h) for its sFLR.
PlanSummary plan(const std::string& name, bool r0, double sflr, double threshold = 30.0)
{
  PlanSummary p;
  p.name = name;
  p.r0 = r0;
  p.marginStatus = r0 ? "R0" : "R2";
  p.flrMl = sflr * 17.0;
  p.flrPercent = sflr;
  p.resectedMl = 700.0;
  p.sflrPercent = sflr;
  p.flrBodyWeightPercent = p.flrMl / 750.0;
  p.thresholdPercent = threshold;
  p.thresholdSource = threshold == 30.0 ? "seed guideline" : "user";
  p.pass = sflr >= threshold;
  p.contiguous = true;
  p.segmentsLeft = { 2, 3, 4 };
  p.pveMedianSflrPercent = predictPve(sflr, threshold).median.predictedSflrPercent;
  p.alppsMedianSflrPercent = predictAlpps(sflr, threshold).median.predictedSflrPercent;
  return p;
}

DecisionInputs imaging(std::vector<LesionSummary> lesions, std::vector<PlanSummary> plans)
{
  DecisionInputs in;
  in.lesions = std::move(lesions);
  in.bilobar = false;
  in.vesselsKnown = true;
  in.bodyHeightCm = 172.0;
  in.bodyWeightKg = 75.0;
  in.plans = std::move(plans);
  return in;
}

/// Three lesions in the right liver, resectable by a right hemihepatectomy leaving 36 %.
DecisionInputs rightLiverDisease()
{
  return imaging({ lesion(1, 32.0, { 6 }), lesion(2, 21.0, { 7 }), lesion(3, 14.0, { 8 }) },
                 { plan("right-hemihepatectomy", true, 36.0) });
}

/// Bilobar disease no plan can treat: R2 left in the remnant and nothing reaches the threshold.
DecisionInputs unresectableDisease()
{
  PlanSummary p = plan("extended-right-hemihepatectomy", false, 14.0);
  p.leftLesionIds = { 4, 5 };
  p.twoStageMedianSflrPercent = 17.0;
  DecisionInputs in = imaging({ lesion(1, 62.0, { 5, 8 }),
                                lesion(2, 45.0, { 4 }),
                                lesion(3, 30.0, { 7 }),
                                lesion(4, 22.0, { 2 }),
                                lesion(5, 19.0, { 3 }) },
                              { p });
  in.bilobar = true;
  return in;
}

/// The decision has `category`, exactly `strategies` in order, and every rule of `rules` in its
/// trace with the given status.
void expectDecision(const Decision& d,
                    const std::string& category,
                    const std::vector<std::string>& strategies,
                    const std::vector<std::pair<std::string, RuleStatus>>& rules)
{
  EXPECT_EQ(d.category, category) << d.categoryText;
  EXPECT_EQ(strategyIds(d), strategies);
  for (const auto& [id, status] : rules)
  {
    const TraceEntry* e = findRule(d, id);
    ASSERT_NE(e, nullptr) << id << " not in the trace";
    EXPECT_EQ(e->status, status) << id << ": " << e->conclusion;
  }
  EXPECT_NE(findRule(d, "mdt.referral"), nullptr);
  EXPECT_FALSE(d.sources.empty());
}

} // namespace

TEST(Vignette, ColorectalResectableUpfrontGoodPrognosis)
{
  const Decision d = decide(colorectal(), rightLiverDisease());
  expectDecision(d,
                 CategoryResectableUpfront,
                 { "resection", "perioperative-folfox" },
                 { { "candidacy.all", RuleStatus::Met },
                   { "resection.upfront", RuleStatus::Met },
                   { "crc.resectable", RuleStatus::Applies },
                   { "crc.poor-prognosis", RuleStatus::NotMet },
                   { "fong.score", RuleStatus::Applies } });
  EXPECT_TRUE(warns(d, "warning.no-biopsy"));
  EXPECT_TRUE(warns(d, "warning.surgery-before-chemo"));
}

namespace
{
/// A colorectal patient with poor prognostic factors: synchronous (DFI 0), node-positive primary,
/// CEA 85 ng/mL.
Clinical poorPrognosisColorectal()
{
  Clinical c = colorectal();
  c.synchronous = true;
  c.diseaseFreeIntervalMonths = 0.0;
  c.nodePositivePrimary = true;
  c.ceaNgMl = 85.0;
  return c;
}
} // namespace

TEST(Vignette, ColorectalResectablePoorPrognosisGetsNeoadjuvantChemotherapy)
{
  const Clinical c = poorPrognosisColorectal();
  const Decision d = decide(c, rightLiverDisease());
  expectDecision(
    d,
    CategoryResectableUpfront,
    { "neoadjuvant-chemotherapy", "resection" },
    { { "crc.poor-prognosis", RuleStatus::Met }, { "fong.score", RuleStatus::Applies } });
  // node-positive, synchronous (DFI 0), > 1 tumour: 3 points.
  EXPECT_NE(findRule(d, "fong.score")->conclusion.find("3/5"), std::string::npos);
  // No chemotherapy status: the advice assumes none yet, and the trace says so.
  EXPECT_EQ(findRule(d, "crc.prior-chemotherapy")->status, RuleStatus::NotAssessable);
}

namespace
{
/// The strategy `id` of `d` ("" when absent).
std::string strategyText(const Decision& d, const std::string& id)
{
  for (const Strategy& s : d.strategies)
    if (s.id == id)
      return s.text;
  return "";
}

/// The warning of `ruleId` in `d` ("" when absent).
std::string warningText(const Decision& d, const std::string& ruleId)
{
  for (const DecisionWarning& w : d.warnings)
    if (w.ruleId == ruleId)
      return w.text;
  return "";
}
} // namespace

TEST(Vignette, ColorectalPoorPrognosisAfterCompletedChemotherapyIsRestagedAndResected)
{
  // The poor-prognosis patient above, seen after 16 weeks of preoperative chemotherapy with a
  // partial response: the neoadjuvant course the seed asks for is what was given. Re-stage against
  // the imaging before chemotherapy and resect; no second neoadjuvant course; the 3 months after
  // the resection remain. (Issue 14 follow-up: this patient was told "neoadjuvant chemotherapy
  // first".)
  Clinical c = poorPrognosisColorectal();
  c.chemotherapyStatus = ChemotherapyStatus::Completed;
  c.chemotherapyWeeks = 16.0;
  c.chemotherapyResponse = ChemotherapyResponse::Partial;
  const Decision d = decide(c, rightLiverDisease());
  expectDecision(d,
                 CategoryResectableUpfront,
                 { "restage-then-resect", "resection", "perioperative-folfox" },
                 { { "crc.resectable", RuleStatus::Applies },
                   { "crc.prior-chemotherapy", RuleStatus::Applies },
                   { "crc.poor-prognosis", RuleStatus::Met },
                   { "warning.surgery-before-chemo", RuleStatus::Applies } });
  const std::string restage = strategyText(d, "restage-then-resect");
  EXPECT_NE(restage.find("after 16 weeks of chemotherapy (completed)"), std::string::npos)
    << restage;
  EXPECT_NE(restage.find("no new neoadjuvant course"), std::string::npos) << restage;
  EXPECT_NE(restage.find("poor prognostic factors: synchronous"), std::string::npos) << restage;
  EXPECT_NE(strategyText(d, "perioperative-folfox").find("3 months of perioperative FOLFOX after"),
            std::string::npos);
  EXPECT_NE(findRule(d, "crc.prior-chemotherapy")->conclusion.find("response partial"),
            std::string::npos);
  const std::string w = warningText(d, "warning.surgery-before-chemo");
  EXPECT_NE(w.find("Evaluated after 16 weeks of chemotherapy"), std::string::npos) << w;
  EXPECT_NE(w.find("compare with the imaging before chemotherapy"), std::string::npos) << w;
  // 16 weeks (> 12) also make the liver chemotherapy-exposed: 30 % (36 % passes).
  EXPECT_EQ(findRule(d, "candidacy.flr")->status, RuleStatus::Met);
}

TEST(Vignette, ColorectalOnChemotherapyResectsWhenTheCourseEnds)
{
  // On chemotherapy for 8 weeks, stable, no poor factor: the preoperative course is under way.
  Clinical c = colorectal();
  c.chemotherapyStatus = ChemotherapyStatus::Ongoing;
  c.chemotherapyWeeks = 8.0;
  c.chemotherapyResponse = ChemotherapyResponse::Stable;
  const Decision d = decide(c, rightLiverDisease());
  expectDecision(d,
                 CategoryResectableUpfront,
                 { "restage-then-resect", "resection", "perioperative-folfox" },
                 { { "crc.prior-chemotherapy", RuleStatus::Applies },
                   { "crc.poor-prognosis", RuleStatus::NotMet } });
  const std::string restage = strategyText(d, "restage-then-resect");
  EXPECT_NE(restage.find("on chemotherapy for 8 weeks (ongoing)"), std::string::npos) << restage;
  EXPECT_NE(restage.find("when the preoperative course (3 months) ends"), std::string::npos)
    << restage;
}

TEST(Vignette, ColorectalProgressingAfterChemotherapyGoesToTheMdtBeforeResection)
{
  // Progression on chemotherapy (Adam, Ann Surg 2004): the MDT reviews it before any resection;
  // neither a new neoadjuvant course nor postoperative FOLFOX is proposed.
  Clinical c = colorectal();
  c.ceaNgMl = 40.0;
  c.chemotherapyStatus = ChemotherapyStatus::Completed;
  c.chemotherapyWeeks = 12.0;
  c.chemotherapyResponse = ChemotherapyResponse::Progressing;
  const Decision d = decide(c, rightLiverDisease());
  expectDecision(d,
                 CategoryResectableUpfront,
                 { "mdt-progression", "resection" },
                 { { "crc.prior-chemotherapy", RuleStatus::Applies },
                   { "crc.poor-prognosis", RuleStatus::Met } });
  const std::string mdt = strategyText(d, "mdt-progression");
  EXPECT_NE(mdt.find("progressing after 12 weeks of chemotherapy (completed)"), std::string::npos)
    << mdt;
}

TEST(Vignette, ColorectalUnresectableLeftSidedWildTypeGetsAntiEgfr)
{
  expectDecision(decide(colorectal(), unresectableDisease()),
                 CategorySystemicReassess,
                 { "systemic-anti-egfr", "reassess" },
                 { { "candidacy.r0", RuleStatus::NotMet },
                   { "expander.two-stage", RuleStatus::NotMet },
                   { "crc.systemic.left-wt", RuleStatus::Met } });
}

TEST(Vignette, ColorectalUnresectableRightSidedGetsTriplet)
{
  Clinical c = colorectal();
  c.sidedness = Sidedness::Right;
  expectDecision(decide(c, unresectableDisease()),
                 CategorySystemicReassess,
                 { "systemic-folfoxiri", "reassess" },
                 { { "crc.systemic.right-wt", RuleStatus::Met },
                   { "crc.systemic.left-wt", RuleStatus::NotMet } });
}

TEST(Vignette, ColorectalUnresectableRasMutatedGetsTripletAndBevacizumab)
{
  Clinical c = colorectal();
  c.ras = MutationStatus::Mutated;
  expectDecision(decide(c, unresectableDisease()),
                 CategorySystemicReassess,
                 { "systemic-folfoxiri-bevacizumab", "reassess" },
                 { { "crc.systemic.mutated", RuleStatus::Met } });
}

TEST(Vignette, BreastLiverLimitedRespondingIsResected)
{
  Clinical c;
  c.primaryTumour = PrimaryTumour::Breast;
  c.sex = Sex::Female;
  c.ecog = 0;
  c.extrahepaticDisease = ExtrahepaticDisease::None;
  c.chemotherapyStatus = ChemotherapyStatus::Completed;
  c.chemotherapyResponse = ChemotherapyResponse::Partial;
  c.hormoneReceptor = ReceptorStatus::Positive;
  c.her2 = ReceptorStatus::Negative;
  const Decision d = decide(c, rightLiverDisease());
  // Issue 14 (correction 8): systemic therapy is primary and listed first; surgery the adjunct.
  expectDecision(d,
                 CategoryResectableUpfront,
                 { "systemic-breast", "resection" },
                 { { "breast.systemic-first", RuleStatus::Applies },
                   { "breast.receptors", RuleStatus::Applies },
                   { "breast.surgery", RuleStatus::Met } });
  EXPECT_FALSE(warns(d, "warning.no-biopsy"));
}

TEST(Vignette, BreastProgressingOnChemotherapyIsNotOperated)
{
  Clinical c;
  c.primaryTumour = PrimaryTumour::Breast;
  c.ecog = 1;
  c.extrahepaticDisease = ExtrahepaticDisease::SolitaryPulmonary; // the breast exception
  c.chemotherapyStatus = ChemotherapyStatus::Ongoing;
  c.chemotherapyResponse = ChemotherapyResponse::Progressing;
  c.hormoneReceptor = ReceptorStatus::Negative;
  c.her2 = ReceptorStatus::Positive;
  expectDecision(
    decide(c, rightLiverDisease()),
    CategorySystemicReassess,
    { "systemic-breast", "systemic-change", "reassess" },
    { { "candidacy.extrahepatic", RuleStatus::Met }, { "breast.surgery", RuleStatus::NotMet } });
}

TEST(Vignette, NeuroendocrineSolitaryMetastasisIsResected)
{
  Clinical c;
  c.primaryTumour = PrimaryTumour::Neuroendocrine;
  c.ecog = 0;
  c.extrahepaticDisease = ExtrahepaticDisease::None;
  c.netGrade = 1;
  c.symptomatic = false;
  c.progressive = false;
  c.sstr = ReceptorStatus::Negative;
  c.hypervascular = true;
  const DecisionInputs in =
    imaging({ lesion(1, 38.0, { 6 }) }, { plan("right-posterior-sectionectomy", true, 58.0) });
  expectDecision(decide(c, in),
                 CategoryResectableUpfront,
                 { "resection" },
                 { { "net.resection", RuleStatus::Met },
                   { "net.somatostatin", RuleStatus::NotApplicable },
                   { "net.prrt", RuleStatus::NotApplicable } });
}

TEST(Vignette, NeuroendocrineDiffuseSymptomaticProgressive)
{
  Clinical c;
  c.primaryTumour = PrimaryTumour::Neuroendocrine;
  c.ecog = 1;
  c.extrahepaticDisease = ExtrahepaticDisease::None;
  c.netGrade = 2;
  c.symptomatic = true;
  c.progressive = true;
  c.hypervascular = true;
  c.sstr = ReceptorStatus::Positive;
  expectDecision(decide(c, unresectableDisease()),
                 CategorySystemicReassess,
                 { "somatostatin-analogue", "embolization", "prrt", "reassess" },
                 { { "net.resection", RuleStatus::NotMet },
                   { "net.somatostatin", RuleStatus::Applies },
                   { "net.embolization", RuleStatus::Applies },
                   { "net.prrt", RuleStatus::Applies },
                   { "net.observation", RuleStatus::NotApplicable } });
}

TEST(Vignette, NeuroendocrineDiffuseAsymptomaticIsObserved)
{
  Clinical c;
  c.primaryTumour = PrimaryTumour::Neuroendocrine;
  c.ecog = 0;
  c.extrahepaticDisease = ExtrahepaticDisease::None;
  c.symptomatic = false;
  c.progressive = false;
  c.hypervascular = false;
  c.sstr = ReceptorStatus::Negative;
  expectDecision(decide(c, unresectableDisease()),
                 CategoryObservation,
                 { "observation" },
                 { { "net.observation", RuleStatus::Applies } });
}

TEST(Vignette, Ecog3IsNotASurgicalCandidate)
{
  // Issue 14 (correction 7): three lesions <= 32 mm without extrahepatic disease - ablation is
  // the primary treatment for a patient who cannot have surgery.
  Clinical c = colorectal();
  c.ecog = 3;
  expectDecision(decide(c, rightLiverDisease()),
                 CategoryAblationOnly,
                 { "ablation" },
                 { { "candidacy.performance", RuleStatus::NotMet },
                   { "candidacy.all", RuleStatus::NotMet },
                   { "resection.upfront", RuleStatus::Met },
                   { "ablation.primary", RuleStatus::Met } });
  // With a 62 mm lesion ablation is out too: non-surgical care.
  DecisionInputs big = rightLiverDisease();
  big.lesions[0].maxDiameterMm = 62.0;
  expectDecision(decide(c, big),
                 CategoryNotCandidate,
                 { "non-surgical-care" },
                 { { "ablation.primary", RuleStatus::NotMet } });
}

TEST(Vignette, UncontrolledExtrahepaticDiseaseGetsSystemicTherapy)
{
  Clinical c = colorectal();
  c.extrahepaticDisease = ExtrahepaticDisease::Uncontrolled;
  c.extrahepaticR0Achievable = false;
  expectDecision(decide(c, rightLiverDisease()),
                 CategoryNotCandidate,
                 { "systemic-anti-egfr" },
                 { { "candidacy.extrahepatic", RuleStatus::NotMet },
                   { "crc.systemic.left-wt", RuleStatus::Met } });
}

TEST(Vignette, IsolatedBoneMetastasisIsAnExceptionForBreastOnly)
{
  // Issue 14 (correction 3): the seed states the exception for breast cancer. A colorectal patient
  // with isolated bone metastases is not a candidate unless R0 of every site is achievable.
  Clinical c = colorectal();
  c.extrahepaticDisease = ExtrahepaticDisease::IsolatedBoneRadiotherapy;
  expectDecision(decide(c, rightLiverDisease()),
                 CategoryNotCandidate,
                 { "systemic-anti-egfr" },
                 { { "candidacy.extrahepatic", RuleStatus::NotMet } });
  c.extrahepaticR0Achievable = true;
  expectDecision(decide(c, rightLiverDisease()),
                 CategoryResectableUpfront,
                 { "resection", "perioperative-folfox" },
                 { { "candidacy.extrahepatic", RuleStatus::Met } });
}

TEST(Vignette, Sflr24PercentRescuedByPve)
{
  // 24 % x 1.379 = 33.1 % >= 30 % (van Lienden, CVIR 2013).
  const DecisionInputs in = imaging({ lesion(1, 55.0, { 5, 8 }), lesion(2, 30.0, { 4 }) },
                                    { plan("extended-right-hemihepatectomy", true, 24.0) });
  const Decision d = decide(colorectal(), in);
  expectDecision(d,
                 CategoryAfterPve,
                 { "pve", "perioperative-folfox" },
                 { { "candidacy.flr", RuleStatus::NotMet },
                   { "expander.pve", RuleStatus::Met },
                   { "expander.alpps", RuleStatus::NotMet },
                   { "candidacy.all", RuleStatus::Met } });
}

TEST(Vignette, Sflr15PercentNeedsAlpps)
{
  // Threshold 25 % (user): PVE 15 x 1.379 = 20.7 % falls short, ALPPS 15 x 1.84 = 27.6 % reaches
  // it.
  const DecisionInputs in = imaging({ lesion(1, 70.0, { 4, 5, 8 }), lesion(2, 25.0, { 6 }) },
                                    { plan("extended-right-hemihepatectomy", true, 15.0, 25.0) });
  expectDecision(decide(colorectal(), in),
                 CategoryAfterAlpps,
                 { "alpps", "perioperative-folfox" },
                 { { "expander.pve", RuleStatus::NotMet }, { "expander.alpps", RuleStatus::Met } });
}

TEST(Vignette, Sflr15PercentWithTumourInTheFutureRemnantNeedsTwoStages)
{
  // The right hemihepatectomy leaves lesion 3 in segment 3: stage 1 clears it, PVE grows the
  // remnant from 15 % to a predicted 31 %.
  PlanSummary rh = plan("right-hemihepatectomy", false, 15.0);
  rh.leftLesionIds = { 3 };
  rh.alppsMedianSflrPercent.reset(); // R2: ALPPS would leave tumour
  rh.twoStageMedianSflrPercent = 31.0;
  DecisionInputs in = imaging(
    { lesion(1, 48.0, { 5, 6 }), lesion(2, 40.0, { 7, 8 }), lesion(3, 12.0, { 3 }) }, { rh });
  in.bilobar = true;
  expectDecision(
    decide(colorectal(), in),
    CategoryTwoStage,
    { "two-stage", "perioperative-folfox" },
    { { "candidacy.r0", RuleStatus::Met }, { "expander.two-stage", RuleStatus::Met } });
}

TEST(Vignette, BilobarDiseaseTreatedByResectionPlusAblation)
{
  PlanSummary alone = plan("extended-right-hemihepatectomy", true, 16.0);
  alone.pveMedianSflrPercent = 22.0;
  alone.alppsMedianSflrPercent = 29.0;
  PlanSummary combined = plan("right-hemihepatectomy + ablate 3", true, 33.0);
  combined.ablatedLesionIds = { 3 };
  DecisionInputs in =
    imaging({ lesion(1, 35.0, { 7 }), lesion(2, 20.0, { 6 }), lesion(3, 18.0, { 4 }) },
            { alone, combined });
  in.bilobar = true;
  const Decision d = decide(colorectal(), in);
  expectDecision(d,
                 CategoryResectionAblation,
                 { "resection-ablation", "perioperative-folfox" },
                 { { "expander.resection-ablation", RuleStatus::Met },
                   { "ablation.size", RuleStatus::NotApplicable },
                   { "ablation.heat-sink", RuleStatus::NotApplicable } });
}

TEST(Vignette, MissingPerformanceStatusIsNotAssessable)
{
  Clinical c = colorectal();
  c.ecog.reset();
  const Decision d = decide(c, rightLiverDisease());
  expectDecision(d,
                 CategoryIncomplete,
                 { "complete-data", "resection", "perioperative-folfox" },
                 { { "candidacy.performance", RuleStatus::NotAssessable },
                   { "candidacy.all", RuleStatus::NotAssessable } });
  EXPECT_NE(d.categoryText.find("needs ecog"), std::string::npos) << d.categoryText;
  EXPECT_NE(d.categoryText.find("imaging alone: Resectable upfront"), std::string::npos);
  EXPECT_EQ(d.strategies[1].text.rfind("If the missing data allow: ", 0), 0u);
}

TEST(Vignette, ComorbidityPreventingSurgeryLeadsToAblationOnly)
{
  Clinical c = colorectal();
  c.ageYears = 84.0;
  c.comorbidityPreventsSurgery = true;
  DecisionInputs in = rightLiverDisease();
  in.lesions[1].vesselDistanceMm = 3.0;
  const Decision d = decide(c, in);
  expectDecision(d,
                 CategoryAblationOnly,
                 { "ablation" },
                 { { "candidacy.surgery-possible", RuleStatus::NotMet },
                   { "ablation.primary", RuleStatus::Met },
                   { "ablation.size", RuleStatus::Applies },
                   { "ablation.heat-sink", RuleStatus::Applies } });
  EXPECT_TRUE(warns(d, "ablation.size"));      // lesion 1 is 32 mm
  EXPECT_TRUE(warns(d, "ablation.heat-sink")); // lesion 2 is 3 mm from a vessel
}

TEST(Vignette, CirrhoticLiverNeedsFortyPercent)
{
  Clinical c = colorectal();
  c.liverCondition = LiverCondition::Cirrhosis;
  // 36 % < 40 % (Azoulay); PVE: 36 x 1.379 = 49.6 % >= 40 %.
  expectDecision(
    decide(c, rightLiverDisease()),
    CategoryAfterPve,
    { "pve", "perioperative-folfox" },
    { { "resection.upfront", RuleStatus::NotMet }, { "expander.pve", RuleStatus::Met } });
}
