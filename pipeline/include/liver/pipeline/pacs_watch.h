#pragma once
/// OUT/pacs-watch.json, the state of `liverplan pacs watch` (schema:
/// docs/schemas/pacs-watch.schema.json): where in Orthanc's change log the watch is and each
/// study's outcome, so a restarted watch goes on where it stopped and never runs a study twice.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace liver::pipeline
{

struct PacsWatchState
{
  std::int64_t since = 0; ///< the last change of Orthanc's /changes log handled (>= 0)
  /// StudyInstanceUID -> its outcome: "ok", "error: ...", "skipped: ...".
  std::map<std::string, std::string> studies;
  /// Fields this version does not know, kept and written back.
  nlohmann::json extra = nlohmann::json::object();
};

/// The state in `path`; std::nullopt when there is no such file (a new watch). InputError
/// "PATH: FIELD: problem" (one line) for a file that cannot be read, is not JSON or not an
/// object, or whose `since` is not a non-negative integer or `studies` not an object of strings.
std::optional<PacsWatchState> readPacsWatchState(const std::string& path);

/// The file's JSON: {"since": ..., "studies": {...}} and the extra fields.
nlohmann::json toJson(const PacsWatchState& state);

/// Write `state` to `path` atomically (imaging's one atomic writer).
void writePacsWatchState(const std::string& path, const PacsWatchState& state);

} // namespace liver::pipeline
