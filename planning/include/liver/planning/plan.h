#pragma once
/// Resection plans: anatomical resections by Brisbane 2000 name or segment list, plane cuts,
/// wedges with a margin and ablations, alone or combined (DESIGN.md §2 ResectionPlan, §3 Anatomy).
/// Geometry is in LPS mm.

#include <array>
#include <string>
#include <vector>

namespace liver
{

/// A cutting plane in LPS mm: the part of the liver on the side the normal points to is resected
/// (the side it points away from is kept, DESIGN.md §2). The normal need not be unit length.
struct CutPlane
{
  std::array<double, 3> pointLpsMm{};
  std::array<double, 3> normal{ 0.0, 0.0, 1.0 };
};

/// Default wedge margin in mm: "the classic 10 mm rule is a default plan margin, not an R0
/// criterion" (DESIGN.md §3 Margin).
inline constexpr double DefaultWedgeMarginMm = 10.0;
/// Default ablation zone margin in mm around the lesion (issue 4, Plans).
inline constexpr double DefaultAblationMarginMm = 5.0;

/// Non-anatomical resection: the lesions plus every liver voxel within `marginMm` of them
/// (Euclidean distance between voxel centres in physical mm), clipped to the liver.
struct WedgeResection
{
  std::vector<int> lesionIds;
  double marginMm = DefaultWedgeMarginMm;
};

/// Ablation of one lesion: the zone (the lesion grown by `zoneMarginMm`, clipped to the liver) is
/// lost from the remnant and the lesion counts as treated.
struct Ablation
{
  int lesionId = 0;
  double zoneMarginMm = DefaultAblationMarginMm;
};

/// A plan: every part that is filled is applied and the resected regions are united, so a plan
/// with several parts is a combination (e.g. left lateral sectionectomy + wedge + ablation).
struct ResectionPlan
{
  std::string name;             ///< shown in tables and file names; the spec when not given
  std::vector<int> segments;    ///< Couinaud segments resected (1..8), sorted and unique
  std::vector<CutPlane> planes; ///< each plane resects the liver on its normal's side
  std::vector<WedgeResection> wedges;
  std::vector<Ablation> ablations;
};

/// The Brisbane 2000 names `anatomicalSegments` accepts (without the "-with-caudate" suffix and
/// the "segmentectomy-N" family).
std::vector<std::string> anatomicalResectionNames();

/// Couinaud segments resected by a Brisbane 2000 resection (DESIGN.md §3 Anatomy): e.g.
/// "right-hemihepatectomy" 5-8, "extended-left-hemihepatectomy" 2-5 + 8, "segmentectomy-4" 4;
/// the suffix "-with-caudate" adds segment 1. std::invalid_argument listing the names otherwise.
std::vector<int> anatomicalSegments(const std::string& name);

/// Parse one plan from its command-line form: parts joined with '+', optionally "NAME=" first.
/// Parts: a Brisbane name; "segments:2,3"; "wedge:2,4@10" (lesion ids, margin mm, default 10);
/// "ablate:3@5" (lesion ids, zone margin mm, default 5); "plane:x,y,z;nx,ny,nz" (LPS mm).
/// std::invalid_argument naming the part and what is wrong (unknown name, segment outside 1..8,
/// lesion id < 1, negative or non-finite margin, zero normal).
ResectionPlan parsePlanSpec(const std::string& spec);

/// Plans from the JSON text of a plan file (schema in the README): {"plans": [{"name", "spec",
/// "resection", "withCaudate", "segments", "planes", "wedges", "ablations"}]}. InputError naming
/// `file` and the field for malformed JSON or bad values.
std::vector<ResectionPlan> parsePlanJson(const std::string& text, const std::string& file);

/// Read and parse a plan file; InputError naming the file when it cannot be read.
std::vector<ResectionPlan> loadPlanFile(const std::string& path);

/// The canonical command-line form of a plan (parsePlanSpec reads it back).
std::string planSpec(const ResectionPlan& plan);

/// Check a plan's values; std::invalid_argument naming the plan and the field otherwise.
void validatePlan(const ResectionPlan& plan);

} // namespace liver
