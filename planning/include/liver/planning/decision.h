#pragma once
/// Resectability decision (DESIGN.md §3 Decision rules): pure functions of the patient's clinical
/// data and a plain summary of the imaging results. Every rule is named by a stable id, and the
/// trace records what it read, what it concluded and its source. A rule whose input is missing
/// says "not assessable: needs X" and never guesses. Same inputs, same output.
///
/// The output is decision support for a multidisciplinary team, never an order.

#include <liver/planning/ablation_limits.h>
#include <liver/planning/augmentation.h>
#include <liver/planning/clinical.h>
#include <liver/volumetry/liver_function.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace liver
{

/// One lesion of the lesion map.
struct LesionSummary
{
  int id = 0;
  std::optional<double> maxDiameterMm;
  std::optional<double> volumeMl; ///< lesion volume (mL), for the NET debulking fraction
  /// Gap to the nearest vessel voxel in mm when a vessel map was given and the gap is small
  /// (<= AblationVesselDistanceMm); empty otherwise (see DecisionInputs::vesselsKnown).
  std::optional<double> vesselDistanceMm;
  std::vector<int> segments; ///< Couinaud segments the lesion touches (empty without a map)
};

/// One evaluated resection plan (PlanResult plus its FLR augmentation predictions).
struct PlanSummary
{
  std::string name;
  bool r0 = false;
  std::string marginStatus; ///< "R0", "R1" or "R2"
  double flrMl = 0.0;       ///< functional remnant, mL
  double flrPercent = 0.0;  ///< measured FLR %
  double resectedMl = 0.0;  ///< resected by segments, planes and wedges (0: ablation alone)
  std::optional<double> sflrPercent;
  std::optional<double> flrBodyWeightPercent;
  double thresholdPercent = DefaultMinimumSflrPercent;
  std::string thresholdSource;    ///< "user" when the threshold was overridden
  bool pass = false;              ///< the planner's verdict: volume adequate and contiguity
  std::optional<bool> contiguous; ///< >= 2 contiguous segments left; empty without segments
  std::vector<int> segmentsLeft;
  std::vector<int> ablatedLesionIds;
  std::vector<int> leftLesionIds; ///< lesions (at least partly) left in the remnant
  /// Median predicted sFLR % after PVE / ALPPS / two-stage (empty without sFLR).
  std::optional<double> pveMedianSflrPercent;
  std::optional<double> alppsMedianSflrPercent;
  std::optional<double> twoStageMedianSflrPercent;
  std::string augmentationVerdict;
};

/// A plain summary of the imaging results (no ITK): what the decision reads from result.json.
struct DecisionInputs
{
  std::vector<LesionSummary> lesions;
  /// Lesions in both the right (5-8) and left (2-4) liver; empty without a segment map.
  std::optional<bool> bilobar;
  bool vesselsKnown = false; ///< a vessel map was given (heat-sink distances are meaningful)
  std::optional<double> bodyHeightCm; ///< the body figures the result's sFLR was computed with
  std::optional<double> bodyWeightKg;
  BsaFormula bsaFormula = BsaFormula::Mosteller;
  SlvFormula slvFormula = SlvFormula::Vauthey;
  std::optional<LiverCondition> liverCondition; ///< the condition the thresholds were set for
  /// The parameters the plans' predictions were made with (result.json "augmentationParameters";
  /// the defaults for an older result): the expanders are judged and described by these.
  AugmentationParameters augmentation;
  std::vector<PlanSummary> plans;
};

/// The outcome of one rule.
enum class RuleStatus
{
  Met,           ///< the criterion holds
  NotMet,        ///< the criterion fails
  NotAssessable, ///< an input is missing ("not assessable: needs X")
  Applies,       ///< an informative rule or warning that applies
  NotApplicable  ///< a warning checked that does not apply
};

/// A value a rule read: null (missing), bool, integer, number or text.
using TraceValue = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

struct TraceEntry
{
  std::string ruleId;
  std::vector<std::pair<std::string, TraceValue>> inputs; ///< in the order read
  std::string conclusion;
  std::string source;
  RuleStatus status = RuleStatus::Applies;
};

struct Strategy
{
  std::string id;
  std::string text;
};

struct DecisionWarning
{
  std::string ruleId;
  std::string text;
};

/// DESIGN.md §2 Decision.
struct Decision
{
  std::string category; ///< one of the Category* ids below
  std::string categoryText;
  std::vector<Strategy> strategies; ///< in order
  std::vector<DecisionWarning> warnings;
  std::vector<TraceEntry> trace;    ///< every rule evaluated, in order
  std::vector<std::string> sources; ///< distinct sources of the trace, in order of first use
  std::vector<std::string> missing; ///< the inputs whose absence made a rule not assessable
};

/// Category ids (stable; the texts are categoryText).
inline constexpr const char* CategoryResectableUpfront = "resectable-upfront";
inline constexpr const char* CategoryAfterPve = "resectable-after-pve";
inline constexpr const char* CategoryAfterAlpps = "resectable-after-alpps";
inline constexpr const char* CategoryTwoStage = "two-stage";
inline constexpr const char* CategoryResectionAblation = "resection-ablation";
inline constexpr const char* CategoryAblationOnly = "ablation-only";
inline constexpr const char* CategorySystemicReassess = "systemic-reassess";
inline constexpr const char* CategoryObservation = "observation";
inline constexpr const char* CategoryNotCandidate = "not-candidate";
inline constexpr const char* CategoryIncomplete = "incomplete";

/// Good performance status: ECOG 0-1 (the seed guideline says "good performance status"; ECOG
/// 0-1 is the reading used here).
inline constexpr int MaxGoodEcog = 1;
/// CEA above this is "elevated" for the poor-prognosis rule (upper reference limit, ng/mL).
inline constexpr double CeaUpperLimitNgMl = 5.0;
/// Fong score: CEA > 200 ng/mL, largest > 50 mm, DFI < 12 months, > 1 tumour (Fong, Ann Surg 1999).
inline constexpr double FongCeaNgMl = 200.0;
inline constexpr double FongLargestMm = 50.0;
inline constexpr double FongDiseaseFreeMonths = 12.0;
/// Colorectal poor prognosis: more than 5 metastases (seed guideline).
inline constexpr int PoorPrognosisMetastases = 5;
/// Perioperative FOLFOX: 3 months before and 3 months after the resection (seed guideline).
inline constexpr int PerioperativeFolfoxMonths = 3;
/// Primary ablation: up to 9 metastases of at most 40 mm without extrahepatic disease (seed
/// guideline); the efficacy limits (20-30 mm) and the heat-sink gap (5 mm) are in
/// planning/ablation_limits.h.
inline constexpr int AblationMaxCount = 9;
inline constexpr double AblationMaxPrimaryDiameterMm = 40.0;
/// FLR / body weight <= 0.5 % raises morbidity (Truant, JACS 2007).
inline constexpr double FlrBodyWeightMinPercent = 0.5;
/// NET "isolated" metastases: at most this many, in one lobe (project reading).
inline constexpr int NetIsolatedMaxCount = 3;
/// NET debulking: a plan removing at least this % of the tumour volume (Sarmiento, JACS 2003;
/// Graff-Baker, Surgery 2014 lowered 90 % to 70 %). Outside the seed guideline.
inline constexpr double NetDebulkingMinPercent = 70.0;
/// Breast "oligometastatic": at most this many liver metastases (project reading of the seed).
inline constexpr int BreastOligometastaticMaxLesions = 5;
/// The clinical height (cm) or weight (kg) differs from the result's by more than this: the sFLR
/// is recomputed with the clinical figures (project reading: rounding, not a new patient).
inline constexpr double BodyFiguresToleranceCmKg = 0.5;

/// A rule's id, what it checks, and its source (for documentation and tests).
struct RuleInfo
{
  std::string id;
  std::string description;
  std::string source;
  std::string evaluatedBy; ///< the function that evaluates it (planning/src/decision/...)
};

/// Every rule `decide` can put in the trace, in evaluation order.
const std::vector<RuleInfo>& decisionRules();

/// Apply DESIGN.md §3 Decision rules to the patient and the imaging summary. Does not throw for
/// missing data; std::invalid_argument when `clinical` fails validateClinical.
Decision decide(const Clinical& clinical, const DecisionInputs& inputs);

/// "met", "not met", "not assessable", "applies", "not applicable".
std::string toString(RuleStatus status);

/// The trace entry of `ruleId`, or nullptr.
const TraceEntry* findRule(const Decision& decision, const std::string& ruleId);

} // namespace liver
