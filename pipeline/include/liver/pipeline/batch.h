#pragma once
/// Batch orchestration: every DICOM study under a folder through the analysis, N at a time, each
/// in its own worker process (a crash or a corrupt study costs that study only), resumable,
/// shardable; and the merge of several batch outputs into one summary.
///
/// Layout of the output folder: one folder per study, named by its StudyInstanceUID (a UID that
/// is not 1..64 characters of [0-9.] becomes a sanitized prefix and a hash, see
/// safePathComponent), holding result.json, labels, remnant maps, log.txt and status.json. A study
/// folder appears only complete: the worker writes into OUT/.partial/NAME and the folder is
/// renamed into place after status.json (the completion marker). summary.csv and summary.html are
/// rebuilt from the status files at the end of every run.

#include <liver/pipeline/progress.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace liver::pipeline
{

/// What one batch run does, already parsed (the front end checks its own options).
struct BatchRequest
{
  std::string root; ///< folder of DICOM studies, searched recursively
  std::string out;  ///< output folder (created)
  unsigned jobs = 1;
  std::vector<std::string> plans; ///< --plan of every worker
  std::string planFile;
  std::size_t autoPlans = 0;
  bool autoSegments = false;
  bool dicomOut = false; ///< each worker also writes DICOM SEG, SR and PDF (OUT/<study>/dicom/)
  std::string condition; ///< liver condition when the clinical row has none
  /// Clinical rows (clinical.json objects) keyed by StudyInstanceUID or, with keyColumn
  /// "PatientID", by PatientID.
  std::string clinicalKeyColumn = "StudyInstanceUID";
  std::map<std::string, nlohmann::json> clinicalRows;
  /// Label files keyed by StudyInstanceUID that a worker imports its liver from (analyze
  /// --liver; e.g. the study's own DICOM SEG) instead of segmenting it.
  std::map<std::string, std::string> liverFiles;
  bool resume = false; ///< skip the studies `out` already holds complete
  std::string shard;   ///< "i/N" (empty: all); std::invalid_argument when malformed
  /// The worker: a program taking `analyze INPUT --series UID --out DIR [--plan ...]` (the
  /// liverplan executable; "/proc/self/exe" is the running program) and its argv[0].
  std::string workerExecutable = "/proc/self/exe";
  std::string workerName = "liverplan";
  /// How many times the user asked to stop (e.g. SIGINT count): 1 lets running studies finish
  /// and starts no more, 2 kills them. May be empty (never).
  std::function<int()> interrupts;
};

/// One study done (or given up on): its summary row as status.json stores it.
struct StudyFinished
{
  std::string studyInstanceUid;
  std::string status; ///< "ok" or "error"
  std::string error;
  double seconds = 0.0;
  std::size_t done = 0;    ///< studies of the shard complete so far (the skipped ones included)
  std::size_t total = 0;   ///< studies in the shard
  std::size_t skipped = 0; ///< already complete before this run (--resume)
  std::size_t errors = 0;  ///< studies of this run that ended in an error so far
};

using StudyCallback = std::function<void(const StudyFinished&)>;

/// What a batch run did.
struct BatchOutcome
{
  std::size_t studiesFound = 0;
  std::size_t inShard = 0;  ///< studies of this shard
  std::size_t complete = 0; ///< of those, complete in `out` (ok or error)
  std::size_t failed = 0;   ///< of those, with an error
  bool interrupted = false;
};

/// Run the batch; steps (scanning, the plan of the run, interruptions) go to `progress`, each
/// finished study to `onStudy`. InputError for bad input (an unreadable root, a malformed shard,
/// a corrupt status.json under --resume), OutputError when `out` cannot be written or another
/// batch holds it, ProcessingError when no worker can be started.
BatchOutcome runBatch(const BatchRequest& request,
                      const ProgressCallback& progress,
                      const StudyCallback& onStudy);

/// Join the completed studies of several batch output folders into `out`/summary.csv and
/// summary.html (linking each study in its own folder); returns the number of studies. InputError
/// for a folder that is not a batch output or a study found in two folders.
std::size_t mergeBatches(const std::vector<std::string>& dirs, const std::string& out);

/// The completed studies of a batch output folder (OUT/*/status.json), by StudyInstanceUID.
std::map<std::string, nlohmann::json> completedStudies(const std::string& dir);

/// The status row (status.json) of one study in a batch output folder; empty when the study has
/// no complete folder there or its status.json is not JSON.
std::optional<nlohmann::json> studyStatus(const std::string& dir,
                                          const std::string& studyInstanceUid);

/// summary.csv of the status rows: fixed columns, then plan columns for the most plans any row
/// has, the decision when any row has one, seconds and peak memory.
std::string summaryCsv(const std::vector<nlohmann::json>& rows);

} // namespace liver::pipeline
