#pragma once
/// The batch run (cmd_batch.cpp, over liver::pipeline::runBatch) as a function, for `batch` and
/// `pacs`: every DICOM study under a folder through `analyze`, each in its own worker process.

#include <liver/pipeline/batch.h>

#include <string>

namespace CLI
{
class App;
}

namespace liver::cli
{

/// The batch's options: the pipeline's request and the clinical CSV it is filled from.
struct BatchOptions
{
  pipeline::BatchRequest request;
  std::string clinicalCsv; ///< read into request.clinicalRows by runBatch
};

/// Run the batch: OUT/<study>/ per study (status.json, result.json, ...) and OUT/summary.csv,
/// with the progress bar, SIGINT/SIGTERM handling and the closing summary line.
pipeline::BatchOutcome runBatchReporting(const BatchOptions& options);

/// The batch's exit code: 0 all ok, 3 some studies failed, 130 interrupted.
int batchExitCode(const pipeline::BatchOutcome& outcome);

/// The per-study analysis options batch and pacs share: --plan, --plan-file, --auto-plan,
/// --auto-segments, --liver-condition, --clinical-csv.
void addStudyAnalysisOptions(CLI::App& command, BatchOptions& options);

} // namespace liver::cli
