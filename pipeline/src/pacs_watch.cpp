#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/pipeline/pacs_watch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace liver::pipeline
{
namespace
{

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

} // namespace

std::optional<PacsWatchState> readPacsWatchState(const std::string& path)
{
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf()))
    throw InputError(path, "cannot be read (a pacs watch state, pacs-watch.json)");
  nlohmann::json j;
  try
  {
    j = nlohmann::json::parse(text.str());
  }
  catch (const nlohmann::json::exception& e) // syntax errors, numbers too large for a double
  {
    throw InputError(path, std::string("not JSON (") + e.what() + ")");
  }
  if (!j.is_object())
    throw InputError(path,
                     "must be a JSON object {\"since\": ..., \"studies\": {...}}, not " +
                       std::string(j.type_name()));
  PacsWatchState s;
  if (!j.contains("since"))
    throw InputError(path, "since: missing (the position in Orthanc's change log)");
  const nlohmann::json& since = j.at("since");
  if (!since.is_number_integer() || since.get<std::int64_t>() < 0)
    throw InputError(path,
                     "since: must be a non-negative integer, not " +
                       (since.is_number() ? since.dump() : std::string(since.type_name())));
  s.since = since.get<std::int64_t>();
  if (!j.contains("studies"))
    throw InputError(path, "studies: missing (each study's outcome)");
  for (const auto& [uid, outcome] : uidObject(path, "studies", j.at("studies"), "outcome").items())
  {
    if (!outcome.is_string())
      throw InputError(path,
                       "studies[" + nlohmann::json(uid).dump() +
                         "]: must be a string (\"ok\", \"error: ...\", "
                         "\"skipped: ...\"), not " +
                         std::string(outcome.type_name()));
    s.studies[uid] = outcome.get<std::string>();
  }
  if (j.contains("follow"))
  {
    const nlohmann::json& follow = j.at("follow");
    if (!follow.is_string() || (follow != "changes" && follow != "date"))
      throw InputError(path, "follow: must be \"changes\" or \"date\", not " + follow.dump());
    s.follow = follow.get<std::string>();
  }
  if (j.contains("pending"))
  {
    const nlohmann::json& pending =
      uidObject(path, "pending", j.at("pending"), "{instances, since}");
    for (const auto& [uid, p] : pending.items())
    {
      const std::string field = "pending[" + nlohmann::json(uid).dump() + "]";
      if (!p.is_object() || !p.contains("instances") || !p.at("instances").is_number_integer() ||
          p.at("instances").get<std::int64_t>() < 0 || !p.contains("since") ||
          !p.at("since").is_number())
        throw InputError(
          path,
          field + ": must be {\"instances\": integer >= 0, \"since\": number}, not " + p.dump());
      s.pending[uid] = { p.at("instances").get<std::int64_t>(), p.at("since").get<double>() };
    }
  }
  for (const auto& [key, value] : j.items())
    if (key != "since" && key != "studies" && key != "follow" && key != "pending")
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
  return j;
}

void writePacsWatchState(const std::string& path, const PacsWatchState& state)
{
  writeTextFile(path, toJson(state).dump(2) + "\n");
}

} // namespace liver::pipeline
