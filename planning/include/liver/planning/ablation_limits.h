#pragma once
/// Ablation limits shared by the resection planner's warnings and the decision rules, defined
/// once (DESIGN.md §3 Decision rules, Ablation; thresholds from issue 4).

namespace liver
{

/// Ablation efficacy falls above 2-3 cm: the warning applies above this diameter (mm).
inline constexpr double AblationMaxDiameterMm = 30.0;
/// A lesion within this gap (mm) of a large vessel: heat sink raises local recurrence.
inline constexpr double AblationVesselDistanceMm = 5.0;

} // namespace liver
