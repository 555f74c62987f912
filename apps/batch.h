#pragma once
/// The batch run (cmd_batch.cpp) as a function, for `batch` and `pacs`: every DICOM study under a
/// folder through `analyze`, each in its own worker process.

#include <cstddef>
#include <string>
#include <vector>

namespace CLI
{
class App;
}

namespace liver::cli
{

struct BatchOptions
{
  std::string root;
  std::string out;
  unsigned jobs = 1;
  std::vector<std::string> plans;
  std::string planFile;
  std::size_t autoPlans = 0;
  bool autoSegments = false;
  std::string condition;
  std::string clinicalCsv;
  bool resume = false;
  std::string shard;
  bool dicomOut = false;
};

/// Run the batch: OUT/<study>/ per study (status.json, result.json, ...) and OUT/summary.csv.
/// Returns the exit code: 0 all ok, 3 some studies failed, 130 interrupted.
int runBatch(const BatchOptions& options);

/// The per-study analysis options batch and pacs share: --plan, --plan-file, --auto-plan,
/// --auto-segments, --liver-condition, --clinical-csv.
void addStudyAnalysisOptions(CLI::App& command, BatchOptions& options);

} // namespace liver::cli
