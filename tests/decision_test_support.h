#pragma once
/// Small builders and lookups shared by the decision rule tests and the patient vignettes.

#include <liver/planning/decision.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace liver::test
{

inline LesionSummary lesion(int id, double diameterMm, std::vector<int> segments)
{
  LesionSummary l;
  l.id = id;
  l.maxDiameterMm = diameterMm;
  l.segments = std::move(segments);
  return l;
}

/// The strategies' ids, in order.
inline std::vector<std::string> strategyIds(const Decision& d)
{
  std::vector<std::string> ids;
  for (const Strategy& s : d.strategies)
    ids.push_back(s.id);
  return ids;
}

/// Whether the decision carries a warning from `ruleId`.
inline bool warns(const Decision& d, const std::string& ruleId)
{
  return std::any_of(d.warnings.begin(),
                     d.warnings.end(),
                     [&](const DecisionWarning& w) { return w.ruleId == ruleId; });
}

} // namespace liver::test
