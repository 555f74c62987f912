#pragma once
/// The result of one analysis (`liverplan analyze`, `plan`, the demo's analysis, a batch worker)
/// as value types, with its one JSON writer and its one reader (result.json, schema in
/// docs/schemas/result.schema.json). Every consumer - decide, hypertrophy, batch and merge, the
/// report, the viewer's `--result` - reads result.json through `readResult`.
///
/// schemaVersion: 2 is the first version that names itself; a file without the field is a
/// version 1 file (written before the model existed, same fields) and loads. A file naming a
/// version this build does not know is refused with the version named.

#include <liver/imaging/types.h>
#include <liver/planning/augmentation.h>
#include <liver/planning/clinical.h>
#include <liver/planning/decision.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace liver::model
{

/// The schema version this build writes; it reads 1 (no field) to this one.
inline constexpr int CurrentSchemaVersion = 2;

/// Every output says what it is: decision support, not an order (DESIGN.md §3).
inline constexpr const char* DecisionSupportDisclaimer =
  "Decision support for a multidisciplinary team at a hepatobiliary centre; not a clinical order. "
  "Volumes are measurements on the given images and labels and must be reviewed by a clinician.";

/// The liverplan version that writes results (the CMake project version).
std::string toolVersion();

/// The header every liverplan JSON output carries: tool, version, kind, units, coordinates.
nlohmann::json jsonHeader(const std::string& kind);

/// The CT's voxel grid in LPS physical space.
struct Grid
{
  std::array<std::uint64_t, 3> size{};
  std::array<double, 3> spacingMm{};
  std::array<double, 3> originLpsMm{};
  std::array<std::array<double, 3>, 3> direction{}; ///< rows of the direction matrix
};

/// The CT: its grid, its study (DICOM identifiers, empty where the source has none) and what the
/// loader did.
struct CtRecord
{
  Grid grid;
  StudyInfo study; ///< patientName and patientSex are not written to result.json
  LoadReport load;
};

/// The grid of a loaded CT.
Grid gridOf(const CtImage& image);

/// The record of a loaded CT (grid, study, load report).
CtRecord ctRecord(const CtVolume& ct);

/// One imported label map.
struct LabelSourceRecord
{
  std::string role; ///< "liver", "lesions", "segments" or "vessels"
  std::string path;
  std::string format;
  std::string detail;
  /// How the file was put on the CT's grid by an exact axis permutation/flip (label import's
  /// "labelGridMapping" note); empty when it was on the grid already.
  std::string labelGridMapping;
};

/// Where the labels came from.
struct LabelsRecord
{
  std::vector<LabelSourceRecord> sources;
  std::vector<std::string> notes;
};

/// Where each label of the analysis came from.
enum class LabelOrigin
{
  None,      ///< not present
  Imported,  ///< a file given by the user (TotalSegmentator, LiTS, Slicer, mask)
  Automatic, ///< liverplan's automatic segmentation
  Edited     ///< automatic or imported, then edited in the viewer
};

/// Review state of the segmentation the volumes were measured on.
enum class ReviewStatus
{
  AutomaticUnreviewed, ///< some label is automatic and nobody has reviewed it
  ImportedUnreviewed,  ///< every label was imported; liverplan has no record of a review
  Reviewed,            ///< a named reviewer accepted the labels as they are
  Edited               ///< a reviewer edited the labels
};

/// Quality control of an automatic result (DESIGN.md §5): ok, or review with the reasons.
enum class QcStatus
{
  Ok,
  Review
};

struct QualityControl
{
  QcStatus status = QcStatus::Ok;
  std::vector<std::string> reasons; ///< why a review is needed (empty for ok)
  /// The segmentation module's whole QC report (checks, measured values), written as it is with
  /// status and reasons set from the fields above.
  nlohmann::json detail = nlohmann::json::object();
};

/// What a reviewer's edits changed, net (the totals of the edit log beside the labels).
struct EditTotals
{
  std::size_t operations = 0; ///< edit operations in effect (undone ones excluded)
  double liverAddedMl = 0.0;
  double liverRemovedMl = 0.0;
  double tumourAddedMl = 0.0;     ///< voxels that became lesion (any id)
  double tumourRemovedMl = 0.0;   ///< voxels that stopped being lesion
  std::size_t lesionsAdded = 0;   ///< lesion ids that appeared
  std::size_t lesionsRemoved = 0; ///< lesion ids that disappeared
  std::string logFile;            ///< the edit log, relative to the result's folder; may be empty
};

/// Provenance and review of the segmentation.
struct SegmentationProvenance
{
  LabelOrigin liver = LabelOrigin::None;
  LabelOrigin lesions = LabelOrigin::None;
  LabelOrigin segments = LabelOrigin::None;
  ReviewStatus review = ReviewStatus::AutomaticUnreviewed;
  std::string reviewedBy;          ///< empty unless reviewed or edited
  std::string reviewedAt;          ///< ISO 8601, empty unless reviewed or edited
  std::optional<EditTotals> edits; ///< with review Edited
};

/// The contrast phase of the CT the analysis used.
struct ContrastPhase
{
  std::string phase; ///< "portal-venous", "arterial", "delayed", "non-contrast" or "unknown"
  std::optional<double> confidence; ///< 0..1 when the estimate gives one
  /// The segmentation module's whole estimate (how, HU measured), written as it is with phase and
  /// confidence set from the fields above.
  nlohmann::json detail = nlohmann::json::object();
};

/// One lesion of the lesion map (volumetry).
struct LesionRecord
{
  int id = 0;
  std::uint64_t voxelCount = 0;
  std::optional<double> volumeMl;      ///< empty in a hand-written result that has none
  std::optional<double> maxDiameterMm; ///< empty in a hand-written result that has none
  double meanHu = 0.0;
  std::array<double, 3> centroidLpsMm{};
  std::vector<int> segments; ///< Couinaud segments the lesion touches (empty without segments)
};

/// Whole-liver volumetry (DESIGN.md §2 Volumetry), mL, HU, LPS mm.
struct VolumetryRecord
{
  double totalLiverMl = 0.0;
  std::uint64_t liverVoxelCount = 0;
  double liverSurfaceMl = 0.0;
  double liverMeanHu = 0.0;
  double tumourMl = 0.0;
  double functionalMl = 0.0;
  std::optional<std::array<double, 9>> segmentsMl; ///< index 1..8, with a segment map
  std::vector<LesionRecord> lesions;
};

/// The record of a measured liver.
VolumetryRecord volumetryRecord(const Volumetry& volumetry);

/// The body figures the ratios were computed with (absent: no height or weight given).
struct BodyRecord
{
  std::optional<double> heightCm;
  std::optional<double> weightKg;       ///< always written; empty only in a hand-written result
  std::optional<BsaFormula> bsaFormula; ///< with height
  std::optional<double> bsaM2;
  std::optional<SlvFormula> slvFormula;
  std::optional<double> standardLiverVolumeMl;
};

/// The body record for PlanOptions' height, weight and formulas; empty without a weight.
std::optional<BodyRecord> bodyRecord(const PlanOptions& options);

/// FLR augmentation for one plan (DESIGN.md §3): predictions when the plan has an sFLR.
struct PlanAugmentationRecord
{
  std::string note; ///< population-estimate note, or why there are no predictions
  std::optional<std::string> verdict;
  std::optional<AugmentationPrediction> pve, alpps, twoStage;
  /// Which portal branches a PVE would embolize; target "not named" when the resected segments
  /// are unknown (then `segments` is not written).
  std::optional<PortalEmbolization> portalEmbolization;
};

/// One plan of the result: what it is, what it gives, and its augmentation.
struct PlanRecord
{
  ResectionPlan plan;
  std::string spec; ///< canonical command-line form (planSpec)
  bool proposed = false;
  std::optional<int> rank; ///< 1-based among proposed plans
  PlanResult result;       ///< remnantMap is not part of the model (see remnantFile)
  std::string remnantFile; ///< relative to the result's folder
  PlanAugmentationRecord augmentation;
};

/// One input file with its SHA-256 (the report's provenance).
struct InputFileRecord
{
  std::string role; ///< "ct", "liver", "lesions", "segments", "vessels", "clinical", ...
  std::string path;
  std::string kind;                   ///< "file" or "folder"; empty when not found
  std::optional<std::uint64_t> bytes; ///< total size
  std::optional<std::string> sha256;  ///< file: its digest; folder: of its sha256sum listing
  std::optional<std::uint64_t> files; ///< folder: regular files hashed
  std::string error;                  ///< why there is no digest; empty when there is one
};

/// One image of the report (a PNG in the output folder).
struct ImageRecord
{
  std::string file; ///< relative to the result's folder, e.g. "images/plan-1-anterior.png"
  std::string kind; ///< "plan-3d" or "lesion-axial"
  std::string view; ///< "anterior", "posterior" or "axial"
  std::string caption;
  int plan = 0;   ///< 1-based index in plans; 0 = none
  int lesion = 0; ///< lesion id; 0 = none
  unsigned widthPx = 0;
  unsigned heightPx = 0;
  std::string skipped; ///< why the image is missing; empty when present
};

/// The result of one analysis: what result.json holds.
struct AnalysisResult
{
  int schemaVersion = CurrentSchemaVersion; ///< as read; the writer always writes the current one
  std::string kind = "analysis";            ///< "analysis" (analyze) or "resection-plans" (plan)
  std::string toolVersion;                  ///< liverplan version that wrote it
  CtRecord ct;
  LabelsRecord labels;
  /// The automatic segmentation's own report (segmentation module's decisions: HU band,
  /// components, lesion candidates); null when every label was imported. Kept as JSON: its
  /// fields are the segmentation module's.
  nlohmann::json automaticSegmentation;
  SegmentationProvenance segmentation;
  std::optional<QualityControl> qc; ///< the automatic segmentation's QC; empty when not assessed
  std::optional<ContrastPhase> contrastPhase;
  VolumetryRecord volumetry;
  /// The Couinaud segment report ({"method": "none"} without segments); kept as JSON: its fields
  /// are the segmentation module's.
  nlohmann::json segments = { { "method", "none" } };
  std::optional<BodyRecord> body;
  LiverCondition liverCondition = LiverCondition::Unknown;
  /// The parameters the augmentation predictions were made with (the decision judges the
  /// predictions by them); empty in a file written before they were recorded.
  std::optional<AugmentationParameters> augmentationParameters;
  std::vector<PlanRecord> plans;
  std::map<std::string, std::string> files; ///< role -> file relative to the result's folder
  std::optional<Clinical> clinical;         ///< analyze: the clinical data the decision read
  std::optional<Decision> decision;         ///< analyze: the resectability decision
  std::vector<InputFileRecord> inputFiles;
  std::string inputFilesHashedBy; ///< "" (analyze) or "report" (hashed when the report was made)
  std::vector<ImageRecord> images;
  std::optional<double> seconds; ///< wall time of the analysis
  /// Top-level fields this version does not know (written by a newer minor change or by hand),
  /// kept so that a read-modify-write does not drop them.
  nlohmann::json extra = nlohmann::json::object();
};

/// The input error a result file gives: the file, the JSON path and what is wrong.
/// Thrown as liver::InputError (imaging/errors.h).

/// result.json as JSON (the one writer): header, disclaimer, every field, the plan comparison
/// table and the conventions. Deterministic: the same result gives the same text.
nlohmann::json toJson(const AnalysisResult& result);

/// Read result.json content (the one reader). Lenient where hand-written files are: only what
/// the consumers need is required (volumetry with its lesions; per plan its name and the result
/// fields the decision reads); everything else defaults. InputError naming `file` and the JSON
/// path for a missing or mistyped field, and naming the version for an unknown schemaVersion.
AnalysisResult fromJson(const nlohmann::json& json, const std::string& file = "result.json");

/// Read a result file, or DIR/result.json when `path` is a folder. InputError naming the file
/// when it cannot be read or is not JSON ("malformed JSON"), else as fromJson.
AnalysisResult readResult(const std::string& path);

/// Write result.json atomically (toJson, 2-space indent, trailing newline).
void writeResult(const std::string& path, const AnalysisResult& result);

/// The lesion ids of the result's volumetry with their fates in `r`: "R 1 (12.0), 2 (5.3); A 3;
/// L 4 (8.1)" (resected, ablated, left; margins in mm).
std::string lesionFatesSummary(const PlanResult& r);

/// The imaging summary the decision reads (liver::decide), from the result: lesions with
/// diameters, segments and the smallest vessel distance of any plan; bilobar from the lesions'
/// segments (only with a segment volumetry); whether a vessel map was given; body; liver
/// condition; and per plan its result and median augmentation predictions.
DecisionInputs decisionInputs(const AnalysisResult& result);

// ---- parts with their own JSON form (also used by other outputs) ------------------------------

nlohmann::json toJson(const CtRecord& ct);
nlohmann::json toJson(const LabelsRecord& labels);
nlohmann::json toJson(const VolumetryRecord& volumetry);
nlohmann::json toJson(const ResectionPlan& plan); ///< name, spec, segments, planes, wedges...
nlohmann::json toJson(const PlanResult& result);
nlohmann::json toJson(const AugmentationPrediction& prediction);
nlohmann::json toJson(const Decision& decision); ///< with the disclaimer; `missing` is not written
nlohmann::json toJson(const std::vector<InputFileRecord>& files);
nlohmann::json toJson(const std::vector<ImageRecord>& images);

/// A value a decision rule read, as JSON (null, bool, integer, number or text).
nlohmann::json traceValueJson(const TraceValue& value);

/// Read a decision object ("decision" of result.json, or of `liverplan decide --json`).
Decision decisionFromJson(const nlohmann::json& json, const std::string& file);

/// Names as written in JSON; parse* throw std::invalid_argument listing the names.
std::string toString(LabelOrigin origin);
std::string toString(ReviewStatus status);
std::string toString(QcStatus status);
LabelOrigin parseLabelOrigin(const std::string& name);
ReviewStatus parseReviewStatus(const std::string& name);
QcStatus parseQcStatus(const std::string& name);

} // namespace liver::model
