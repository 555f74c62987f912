#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/json_input.h>
#include <liver/pipeline/pacs_watch.h>

#include <climits>
#include <cstdint>
#include <filesystem>
#include <initializer_list>

namespace liver::pipeline
{
namespace
{

/// A text from the file as it goes into a one-line message: JSON quoted, cut after 64 bytes.
std::string quoted(const std::string& text)
{
  const bool cut = text.size() > 64;
  const std::string shown = nlohmann::json(cut ? text.substr(0, 64) : text)
                              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return cut ? shown.substr(0, shown.size() - 1) + "...\"" : shown;
}

/// What a JSON value is, for messages: the number itself, else its type.
std::string kindOf(const nlohmann::json& value)
{
  return value.is_number() ? value.dump() : std::string(value.type_name());
}

/// `value`, field `field` of the file at `path`, as an object of StudyInstanceUID: `what`.
const nlohmann::json& uidObject(const std::string& path,
                                const std::string& field,
                                const nlohmann::json& value,
                                const std::string& what)
{
  if (!value.is_object())
    throw InputError(path,
                     field + ": must be an object of StudyInstanceUID: " + what + ", not " +
                       value.type_name());
  return value;
}

/// `value`, field `field` of the file at `path`, as an object that has `keys`.
const nlohmann::json& objectWith(const std::string& path,
                                 const std::string& field,
                                 const nlohmann::json& value,
                                 std::initializer_list<const char*> keys)
{
  if (!value.is_object())
  {
    std::string shape;
    for (const char* key : keys)
      shape += (shape.empty() ? "{\"" : ", \"") + std::string(key) + "\": ...";
    throw InputError(path, field + ": must be an object " + shape + "}, not " + value.type_name());
  }
  for (const char* key : keys)
    if (!value.contains(key))
      throw InputError(path, field + "." + key + ": missing");
  return value;
}

/// `value`, field `field` of the file at `path`, as an integer from `min` to INT_MAX (the watch
/// counts in int).
std::int64_t intFrom(const std::string& path,
                     const std::string& field,
                     const nlohmann::json& value,
                     int min)
{
  if (!value.is_number_integer() || value.get<double>() < min || value.get<double>() > INT_MAX)
    throw InputError(path,
                     field + ": must be an integer from " + std::to_string(min) + " to " +
                       std::to_string(INT_MAX) + ", not " + kindOf(value));
  return value.get<std::int64_t>();
}

/// One study still settling: {"instances": 0..INT_MAX, "since": >= 0}.
PacsWatchPending pendingStudy(const std::string& path,
                              const std::string& field,
                              const nlohmann::json& p)
{
  objectWith(path, field, p, { "instances", "since" });
  const std::int64_t instances = intFrom(path, field + ".instances", p.at("instances"), 0);
  const nlohmann::json& since = p.at("since");
  if (!since.is_number() || since.get<double>() < 0)
    throw InputError(path,
                     field + ".since: must be a number of seconds since the epoch (>= 0), not " +
                       kindOf(since));
  return { instances, since.get<double>() };
}

/// One study to try again: {"error": string, "attempts": integer >= 1, "orthancStudy": boolean}.
PacsWatchFailure failure(const std::string& path, const std::string& field, const nlohmann::json& f)
{
  objectWith(path, field, f, { "error", "attempts" });
  const nlohmann::json& error = f.at("error");
  if (!error.is_string())
    throw InputError(path, field + ".error: must be a string, not " + kindOf(error));
  const std::int64_t attempts = intFrom(path, field + ".attempts", f.at("attempts"), 1);
  const nlohmann::json orthancStudy = f.value("orthancStudy", nlohmann::json(false));
  if (!orthancStudy.is_boolean())
    throw InputError(path,
                     field + ".orthancStudy: must be true or false, not " + kindOf(orthancStudy));
  return { error.get<std::string>(), attempts, orthancStudy.get<bool>() };
}

} // namespace

std::optional<PacsWatchState> readPacsWatchState(const std::string& path)
{
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::nullopt;
  // Kept fields are copied and written back recursively: parseJsonInput refuses more than 64
  // levels.
  const nlohmann::json j = loadJsonInput(path, "pacs watch state", MaxJsonFileBytes);
  if (!j.is_object())
    throw InputError(path,
                     "must be a JSON object {\"since\": ..., \"studies\": {...}}, not " +
                       std::string(j.type_name()));
  PacsWatchState s;
  if (!j.contains("since"))
    throw InputError(path, "since: missing (the position in Orthanc's change log)");
  const nlohmann::json& since = j.at("since");
  if (!since.is_number_integer() || (!since.is_number_unsigned() && since.get<std::int64_t>() < 0))
    throw InputError(path, "since: must be a non-negative integer, not " + kindOf(since));
  if (since.is_number_unsigned() && since.get<std::uint64_t>() > INT64_MAX)
    throw InputError(path,
                     "since: must be a non-negative integer, not " + since.dump() + " (more than " +
                       std::to_string(INT64_MAX) + ")");
  s.since = since.get<std::int64_t>();
  if (!j.contains("studies"))
    throw InputError(path, "studies: missing (each study's outcome)");
  for (const auto& [uid, outcome] : uidObject(path, "studies", j.at("studies"), "outcome").items())
  {
    if (!outcome.is_string())
      throw InputError(path,
                       "studies[" + quoted(uid) +
                         "]: must be a string (\"ok\", \"error: ...\", "
                         "\"skipped: ...\"), not " +
                         std::string(outcome.type_name()));
    s.studies[uid] = outcome.get<std::string>();
  }
  if (j.contains("follow"))
  {
    const nlohmann::json& follow = j.at("follow");
    if (!follow.is_string() || (follow != "changes" && follow != "date"))
      throw InputError(path,
                       "follow: must be \"changes\" or \"date\", not " +
                         (follow.is_string() ? quoted(follow.get<std::string>()) : kindOf(follow)));
    s.follow = follow.get<std::string>();
  }
  if (j.contains("pending"))
  {
    const nlohmann::json& pending =
      uidObject(path, "pending", j.at("pending"), "{instances, since}");
    for (const auto& [uid, p] : pending.items())
      s.pending[uid] = pendingStudy(path, "pending[" + quoted(uid) + "]", p);
  }
  if (j.contains("failures"))
  {
    const nlohmann::json& failures =
      uidObject(path, "failures", j.at("failures"), "{error, attempts}");
    for (const auto& [uid, f] : failures.items())
      s.failures[uid] = failure(path, "failures[" + quoted(uid) + "]", f);
  }
  for (const auto& [key, value] : j.items())
    if (key != "since" && key != "studies" && key != "follow" && key != "pending" &&
        key != "failures")
      s.extra[key] = value;
  return s;
}

nlohmann::json toJson(const PacsWatchState& state)
{
  nlohmann::json j = state.extra.is_object() ? state.extra : nlohmann::json::object();
  j["follow"] = state.follow;
  j["since"] = state.since;
  j["studies"] = state.studies;
  if (state.follow == "date" || !state.pending.empty())
  {
    nlohmann::json pending = nlohmann::json::object();
    for (const auto& [uid, p] : state.pending)
      pending[uid] = { { "instances", p.instances }, { "since", p.since } };
    j["pending"] = pending;
  }
  if (!state.failures.empty())
  {
    nlohmann::json failures = nlohmann::json::object();
    for (const auto& [uid, f] : state.failures)
    {
      failures[uid] = { { "error", f.error }, { "attempts", f.attempts } };
      if (f.orthancStudy)
        failures[uid]["orthancStudy"] = true;
    }
    j["failures"] = failures;
  }
  return j;
}

void writePacsWatchState(const std::string& path, const PacsWatchState& state)
{
  writeTextFile(path, toJson(state).dump(2) + "\n");
}

} // namespace liver::pipeline
