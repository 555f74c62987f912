#pragma once
/// The patient's clinical data for the resectability decision (DESIGN.md §2 Clinical). Every field
/// is optional: an empty field is "not given", and a rule that needs it says so instead of
/// guessing.

#include <liver/volumetry/liver_function.h>

#include <optional>
#include <string>
#include <vector>

namespace liver
{

enum class Sex
{
  Female,
  Male
};

enum class PrimaryTumour
{
  Colorectal,
  Breast,
  Neuroendocrine,
  Other
};

/// Extrahepatic disease, with the two exceptions of the seed guideline (DESIGN.md §3 Decision
/// rules: surgical candidacy).
enum class ExtrahepaticDisease
{
  None,
  Controlled,
  Uncontrolled,
  IsolatedBoneRadiotherapy, ///< isolated bone metastases controllable with radiation
  SolitaryPulmonary         ///< a solitary pulmonary metastasis (an exception in breast cancer)
};

enum class ChemotherapyStatus
{
  None,     ///< chemotherapy-naive
  Ongoing,  ///< on chemotherapy now
  Completed ///< chemotherapy given and finished
};

/// Radiological response to the current or last chemotherapy.
enum class ChemotherapyResponse
{
  Complete, ///< complete radiological response (not absence of disease)
  Partial,  ///< responding
  Stable,
  Progressing
};

/// Mismatch repair: proficient = pMMR/MSS, deficient = dMMR/MSI-H.
enum class MmrStatus
{
  Proficient,
  Deficient
};

enum class MutationStatus
{
  WildType,
  Mutated
};

/// Side of the colorectal primary (rectum counts as left).
enum class Sidedness
{
  Left,
  Right
};

enum class ReceptorStatus
{
  Negative,
  Positive
};

/// DESIGN.md §2 Clinical. Units in the names; every field optional.
struct Clinical
{
  std::optional<double> heightCm;
  std::optional<double> weightKg;
  std::optional<Sex> sex;
  std::optional<double> ageYears;
  std::optional<PrimaryTumour> primaryTumour;
  std::optional<int> ecog; ///< ECOG performance status 0..4
  std::optional<ExtrahepaticDisease> extrahepaticDisease;
  /// R0 resection of every extrahepatic site is achievable: extrahepatic disease is then not an
  /// absolute contraindication (DESIGN.md §3).
  std::optional<bool> extrahepaticR0Achievable;
  std::optional<LiverCondition> liverCondition; ///< LiverCondition::Unknown counts as not given
  std::optional<ChemotherapyStatus> chemotherapyStatus;
  std::optional<ChemotherapyResponse> chemotherapyResponse;
  /// Weeks of chemotherapy given (ongoing or completed); empty = duration unknown, which counts as
  /// more than 12 weeks for the remnant threshold (DESIGN.md §3 Thresholds).
  std::optional<double> chemotherapyWeeks;
  // Colorectal
  std::optional<MmrStatus> mmr;
  std::optional<MutationStatus> ras;
  std::optional<MutationStatus> braf;
  std::optional<Sidedness> sidedness;
  std::optional<bool> synchronous;                 ///< liver metastases found with the primary
  std::optional<bool> nodePositivePrimary;         ///< lymph-node-positive primary
  std::optional<double> ceaNgMl;                   ///< carcinoembryonic antigen, ng/mL
  std::optional<double> diseaseFreeIntervalMonths; ///< primary to liver metastases, months
  // Breast
  std::optional<ReceptorStatus> hormoneReceptor; ///< oestrogen/progesterone receptor
  std::optional<ReceptorStatus> her2;
  // Neuroendocrine
  std::optional<int> netGrade;        ///< WHO grade 1..3
  std::optional<ReceptorStatus> sstr; ///< somatostatin receptor imaging
  std::optional<bool> symptomatic;    ///< hormonal (functional) symptoms
  std::optional<bool> progressive;    ///< radiological progression of the liver disease
  std::optional<bool> hypervascular;  ///< vascular (arterially enhancing) liver metastases
  // Treatment limits
  std::optional<bool> comorbidityPreventsSurgery;
  std::optional<bool> patientRefusesSurgery;
  /// Number of liver metastases known clinically (takes precedence over the lesion map's count).
  std::optional<int> numberOfMetastases;
};

/// std::invalid_argument naming the field and value for absurd values: height outside 50..250 cm,
/// weight outside 20..350 kg (the ranges of bodySurfaceAreaM2), age outside 0..120 years, ECOG
/// outside 0..4, negative or non-finite CEA, disease-free interval outside 0..600 months,
/// chemotherapy duration outside 0..520 weeks, NET grade outside 1..3, negative number of
/// metastases.
void validateClinical(const Clinical& clinical);

/// Chemotherapy has been given before this evaluation: chemotherapyStatus ongoing or completed, or
/// no status but chemotherapyWeeks > 0. An explicit status "none" wins over a duration.
bool chemotherapyGiven(const Clinical& clinical);

/// Chemotherapy given (chemotherapyGiven) for more than ChemotherapyInjuryWeeks, or for an
/// unknown time, which counts as more (DESIGN.md §3 Thresholds; Shindoh, Ann Surg Oncol 2013).
bool chemotherapyExposedLiver(const Clinical& clinical);

/// The liver condition the sFLR threshold is set for (DESIGN.md §3 Thresholds): `given` (the
/// clinical condition, else the result's; Unknown when neither says), except that a
/// chemotherapy-exposed liver called normal or not described is LiverCondition::Chemotherapy
/// (30 %). Steatosis and cirrhosis keep their own thresholds. analyze's plans and `decide` both
/// use it, so the plan table, result.json and the decision judge the remnant by one threshold.
LiverCondition thresholdLiverCondition(const Clinical& clinical, LiverCondition given);

/// Names used in clinical.json and on the command line (e.g. "colorectal", "uncontrolled",
/// "isolated-bone-radiotherapy", "wild-type"); std::invalid_argument listing the accepted values
/// otherwise.
Sex parseSex(const std::string& name);
PrimaryTumour parsePrimaryTumour(const std::string& name);
ExtrahepaticDisease parseExtrahepaticDisease(const std::string& name);
ChemotherapyStatus parseChemotherapyStatus(const std::string& name);
ChemotherapyResponse parseChemotherapyResponse(const std::string& name);
MmrStatus parseMmrStatus(const std::string& name);
MutationStatus parseMutationStatus(const std::string& name);
Sidedness parseSidedness(const std::string& name);
ReceptorStatus parseReceptorStatus(const std::string& name);

std::string toString(Sex value);
std::string toString(PrimaryTumour value);
std::string toString(ExtrahepaticDisease value);
std::string toString(ChemotherapyStatus value);
std::string toString(ChemotherapyResponse value);
std::string toString(MmrStatus value);
std::string toString(MutationStatus value);
std::string toString(Sidedness value);
std::string toString(ReceptorStatus value);

/// The accepted names of each enumeration, in declaration order (for help texts and the README).
std::vector<std::string> sexNames();
std::vector<std::string> primaryTumourNames();
std::vector<std::string> extrahepaticDiseaseNames();
std::vector<std::string> chemotherapyStatusNames();
std::vector<std::string> chemotherapyResponseNames();
std::vector<std::string> mmrStatusNames();
std::vector<std::string> mutationStatusNames();
std::vector<std::string> sidednessNames();
std::vector<std::string> receptorStatusNames();

} // namespace liver
