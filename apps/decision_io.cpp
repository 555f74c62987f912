#include "decision_io.h"

#include "cli_common.h"

#include <liver/model/result.h>

#include <CLI/CLI.hpp>

#include <cstdio>

namespace liver::cli
{

void printDecision(const Decision& d, std::ostream& out)
{
  out << "Decision: " << d.categoryText << " [" << d.category << "]\n";
  out << "\nStrategies (in order):\n";
  if (d.strategies.empty())
    out << "  -\n";
  for (std::size_t k = 0; k < d.strategies.size(); ++k)
    out << "  " << k + 1 << ". " << d.strategies[k].text << " [" << d.strategies[k].id << "]\n";
  out << "\nWarnings:\n";
  for (const DecisionWarning& w : d.warnings)
    out << "  ! " << w.text << " [" << w.ruleId << "]\n";
  out << "\nTrace:\n";
  char line[64];
  std::snprintf(line, sizeof line, "  %-30s %-16s %s\n", "rule", "status", "conclusion");
  out << line;
  for (const TraceEntry& e : d.trace)
  {
    std::snprintf(
      line, sizeof line, "  %-30s %-16s ", e.ruleId.c_str(), toString(e.status).c_str());
    out << line << e.conclusion << "\n";
    std::string inputs;
    for (const auto& [name, v] : e.inputs)
      inputs += (inputs.empty() ? "" : ", ") + name + "=" + model::traceValueJson(v).dump();
    out << "  " << std::string(47, ' ') << "inputs: " << (inputs.empty() ? "-" : inputs)
        << "; source: " << e.source << "\n";
  }
  out << "\nSources: ";
  for (std::size_t k = 0; k < d.sources.size(); ++k)
    out << (k ? "; " : "") << d.sources[k];
  out << "\n" << DecisionSupportDisclaimer << "\n";
}

void addClinicalOptions(CLI::App& command, ClinicalArgs& a)
{
  command.add_option("--clinical", a.clinicalFile, "clinical.json (README); flags override it");
  for (const model::ClinicalFlag& flag : model::clinicalFlags())
    if (!flag.help.empty())
      command.add_option(flag.name, a.flags[flag.name], flag.help);
}

Clinical resolveClinical(const ClinicalArgs& a)
{
  return model::resolveClinical(a.clinicalFile, a.flags);
}

} // namespace liver::cli
