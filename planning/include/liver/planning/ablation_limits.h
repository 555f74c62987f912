#pragma once
/// Ablation limits shared by the resection planner's warnings and the decision rules, defined
/// once (DESIGN.md §3 Decision rules, Ablation; thresholds from issue 4).

namespace liver
{

/// Ablation efficacy falls above 2-3 cm (seed guideline): it starts to fall above this diameter
/// (mm), and the warning applies above AblationMaxDiameterMm (project reading of the range).
inline constexpr double AblationEfficacyFallsFromMm = 20.0;
inline constexpr double AblationMaxDiameterMm = 30.0;
/// A lesion within this gap (mm) of a large vessel: heat sink raises local recurrence.
inline constexpr double AblationVesselDistanceMm = 5.0;

} // namespace liver
