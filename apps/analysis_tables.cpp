/// The plan comparison tables `plan`, `analyze` and `demo` print.

#include "analysis.h"

#include <algorithm>
#include <cstdio>

namespace liver::cli
{
namespace
{

std::string percentCell(const std::optional<double>& value)
{
  if (!value)
    return "-";
  char cell[32];
  std::snprintf(cell, sizeof cell, "%.1f", *value);
  return cell;
}

} // namespace

void printAnalysisTables(const AnalysisOutcome& outcome)
{
  const std::vector<PlanResult>& results = outcome.results;
  const std::vector<std::optional<PlanAugmentation>>& augmented = outcome.augmented;
  std::printf("%-36s %10s %14s %7s %10s %5s %6s  %s\n",
              "plan",
              "remnant mL",
              "FLR % (+-1vx)",
              "sFLR %",
              "min %",
              "pass",
              "margin",
              "lesions: R resected, A ablated, L left (margin mm)");
  for (const PlanResult& r : results)
  {
    char flr[48];
    std::snprintf(flr,
                  sizeof flr,
                  "%.1f (%.1f-%.1f)",
                  r.flrPercent,
                  r.band ? r.band->flrPercentLow : r.flrPercent,
                  r.band ? r.band->flrPercentHigh : r.flrPercent);
    char threshold[32];
    std::snprintf(
      threshold, sizeof threshold, "%.0f %s", r.thresholdPercent, r.sflrPercent ? "sFLR" : "FLR");
    std::string name = r.name.size() > 36 ? r.name.substr(0, 33) + "..." : r.name;
    std::printf("%-36s %10.1f %14s %7s %10s %5s %6s  %s\n",
                name.c_str(),
                r.remnantMl,
                flr,
                percentCell(r.sflrPercent).c_str(),
                threshold,
                r.pass ? "yes" : "no",
                r.marginStatus.c_str(),
                model::lesionFatesSummary(r).c_str());
  }
  if (std::any_of(augmented.begin(), augmented.end(), [](const auto& a) { return a.has_value(); }))
  {
    std::printf("\nFLR augmentation, predicted sFLR %% (population estimates: %s)\n",
                "DESIGN.md section 3; low / median / high");
    std::printf(
      "%-36s %8s %20s %20s %20s  %s\n", "plan", "sFLR now", "PVE", "ALPPS", "two-stage", "verdict");
    for (std::size_t k = 0; k < results.size(); ++k)
    {
      if (!augmented[k])
        continue;
      const PlanAugmentation& a = *augmented[k];
      const bool adequate = results[k].pass; // predictions only matter when short
      auto cell = [adequate](const AugmentationPrediction& p)
      {
        if (adequate)
          return std::string("-");
        char text[48];
        std::snprintf(text,
                      sizeof text,
                      "%.1f/%.1f/%.1f",
                      p.low.predictedSflrPercent,
                      p.median.predictedSflrPercent,
                      p.high.predictedSflrPercent);
        return std::string(text);
      };
      const std::string& name = results[k].name;
      std::printf("%-36s %8.1f %20s %20s %20s  %s\n",
                  (name.size() > 36 ? name.substr(0, 33) + "..." : name).c_str(),
                  *results[k].sflrPercent,
                  cell(a.pve).c_str(),
                  cell(a.alpps).c_str(),
                  cell(a.twoStage).c_str(),
                  a.verdict.c_str());
    }
  }
  for (const PlanResult& r : results)
    for (const std::string& w : r.warnings)
      logWarning("plan \"" + r.name + "\": " + w);
  if (outcome.result.decision)
  {
    const Decision& d = *outcome.result.decision;
    std::printf("\nResectability (decision support, full trace in result.json and `liverplan "
                "decide`): %s\n",
                d.categoryText.c_str());
    int k = 0;
    for (const Strategy& s : d.strategies)
      std::printf("  %d. %s\n", ++k, s.text.c_str());
    for (const DecisionWarning& w : d.warnings)
      std::printf("  ! %s\n", w.text.c_str());
  }
  std::printf("%s\n", DecisionSupportDisclaimer);
}

} // namespace liver::cli
