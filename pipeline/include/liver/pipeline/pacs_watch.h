#pragma once
/// OUT/pacs-watch.json, the state of `liverplan pacs watch` (schema:
/// docs/schemas/pacs-watch.schema.json): what the watch follows (Orthanc's change log and where
/// in it, or polls by StudyDate and the studies still settling) and each study's outcome, so a
/// restarted watch goes on where it stopped and never runs a study twice.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace liver::pipeline
{

/// A study a watch by date has seen but not run yet: its instance count and since when (seconds
/// since the epoch) it has had that count.
struct PacsWatchPending
{
  std::int64_t instances = 0;
  double since = 0;
};

/// A study whose last try failed with an error of the server (its retrieval, its store, its
/// lookup in the change log), tried again at the watch's next poll until `attempts` reaches the
/// watch's limit.
struct PacsWatchFailure
{
  std::string error;         ///< the last try's error
  std::int64_t attempts = 0; ///< tries so far (>= 1)
  bool orthancStudy = false; ///< keyed by Orthanc's study id: its StudyInstanceUID was not read
};

struct PacsWatchState
{
  /// "changes" (Orthanc's /changes log) or "date" (polls by StudyDate); absent in older files:
  /// "changes".
  std::string follow = "changes";
  std::int64_t since = 0; ///< the last change of Orthanc's /changes log handled (>= 0)
  /// follow "date": the studies seen that have not settled yet, by StudyInstanceUID.
  std::map<std::string, PacsWatchPending> pending;
  /// StudyInstanceUID -> its outcome: "ok", "error: ...", "skipped: ...".
  std::map<std::string, std::string> studies;
  /// The studies to try again, by StudyInstanceUID (or Orthanc's study id, `orthancStudy`); one
  /// whose tries are used up goes to `studies` as "error: ... (N attempts)", or, without a
  /// StudyInstanceUID, stays here with its attempts.
  std::map<std::string, PacsWatchFailure> failures;
  /// Fields this version does not know, kept and written back.
  nlohmann::json extra = nlohmann::json::object();
};

/// The state in `path`; std::nullopt when there is no such file (a new watch). InputError
/// "PATH: FIELD: problem" (one line) for a file that cannot be read, is not JSON or not an
/// object, or whose `since` is not a non-negative integer, `studies` not an object of strings,
/// `follow` not "changes" or "date", or `pending` not an object of {"instances": integer >= 0,
/// "since": number}, or `failures` not an object of {"error": string, "attempts": integer >= 1,
/// "orthancStudy": boolean (optional)}.
std::optional<PacsWatchState> readPacsWatchState(const std::string& path);

/// The file's JSON: {"follow": ..., "since": ..., "studies": {...}}, "pending" for a watch by
/// date, "failures" when there are any, and the extra fields.
nlohmann::json toJson(const PacsWatchState& state);

/// Write `state` to `path` atomically (imaging's one atomic writer).
void writePacsWatchState(const std::string& path, const PacsWatchState& state);

} // namespace liver::pipeline
