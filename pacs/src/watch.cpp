/// Watching a PACS: Orthanc's change log or polls by StudyDate, each new study's round trip.

#include <liver/pacs/watch.h>

#include <liver/pacs/date_poll.h>

#include <liver/imaging/errors.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

namespace liver::pacs
{
namespace
{

namespace fs = std::filesystem;
using pipeline::reportStep;

/// A watch under way: its state file, its hooks and what it has done.
class Watcher
{
public:
  Watcher(const WatchOptions& options,
          pipeline::PacsWatchState& state,
          const Server& server,
          const WatchHooks& hooks)
    : o(options)
    , state(state)
    , server(server)
    , hooks(hooks)
    , m_path((fs::path(options.run.batch.out) / "pacs-watch.json").string())
  {
  }

  bool stopped() const { return hooks.stopRequested && hooks.stopRequested(); }
  bool enough() const { return o.exitAfter && outcome.analysed >= o.exitAfter; }
  void save() const { pipeline::writePacsWatchState(m_path, state); }

  double now() const
  {
    if (hooks.now)
      return hooks.now();
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
  }

  void pause() const
  {
    if (hooks.pause)
      return hooks.pause(o.intervalSeconds);
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<long>(o.intervalSeconds * 1000));
    while (!stopped() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  /// Try study `uid` (new, or tried before: `state.failures`) and record its outcome. A failed
  /// analysis is final; an error of the server goes to `state.failures`, tried again at the next
  /// poll until `maxAttempts`. False when interrupted inside the analysis (the study runs again
  /// on restart).
  bool run(const std::string& uid)
  {
    const auto before = state.failures.find(uid);
    const std::int64_t attempt = (before == state.failures.end() ? 0 : before->second.attempts) + 1;
    reportStep(hooks.progress,
               "pacs watch: " + std::string(attempt == 1 ? "new " : "") + "study " + uid +
                 (attempt == 1 ? "" : ", attempt " + std::to_string(attempt)));
    StudyRun run;
    std::optional<std::string> serverError; // an exception: the server's (or the network's)
    try
    {
      run = runRoundTrip(o.run, server, uid, hooks.runBatch, hooks.progress);
    }
    catch (const std::exception& e)
    {
      serverError = e.what();
      run.status = "error: " + *serverError;
    }
    if (run.interrupted && run.status != "ok")
    {
      outcome.interrupted = true;
      return false;
    }
    if (run.status.rfind("skipped", 0) != 0)
      ++outcome.analysed;
    if (serverError)
      failed(uid, *serverError, attempt, false);
    else
    {
      state.failures.erase(uid);
      state.studies[uid] = run.status;
      if (run.status.rfind("error", 0) == 0)
      {
        pipeline::reportWarning(hooks.progress, "pacs watch: study " + uid + ": " + run.status);
        outcome.someFailed = true;
      }
    }
    save();
    if (hooks.onStudy)
      hooks.onStudy(uid, run);
    return true;
  }

  /// Try `key` (a StudyInstanceUID, or Orthanc's study id) again later, or, its tries used up,
  /// record it as failed.
  void failed(const std::string& key,
              const std::string& error,
              std::int64_t attempt,
              bool orthancStudy)
  {
    outcome.someFailed = true;
    const std::string tries = std::to_string(attempt) + " of " + std::to_string(o.maxAttempts);
    if (attempt < o.maxAttempts || orthancStudy)
      state.failures[key] = { error, attempt, orthancStudy };
    if (attempt < o.maxAttempts)
    {
      pipeline::reportWarning(hooks.progress,
                              "pacs watch: study " + key + ": attempt " + tries + ": " + error +
                                " (tried again at the next poll)");
      return;
    }
    pipeline::reportWarning(hooks.progress,
                            "pacs watch: study " + key + ": attempt " + tries + ": " + error +
                              " (given up)");
    if (!orthancStudy)
    {
      state.failures.erase(key);
      state.studies[key] = "error: " + error + " (" + std::to_string(attempt) + " attempt" +
                           (attempt == 1 ? "" : "s") + ")";
    }
  }

  /// The StudyInstanceUID of change log resource `id` (Orthanc's study id), or "" when it cannot
  /// be read: then `id` is tried again at the next poll (`state.failures`).
  std::string lookUp(const ChangeLog& log, const std::string& id)
  {
    const auto before = state.failures.find(id);
    const std::int64_t attempt = (before == state.failures.end() ? 0 : before->second.attempts) + 1;
    try
    {
      const std::string uid = log.studyUid(id);
      if (before != state.failures.end()) // read at last: the study's own tries begin
      {
        state.failures.erase(before);
        save();
      }
      return uid;
    }
    catch (const std::exception& e)
    {
      failed(id, e.what(), attempt, true); // the message names the study's URL
      save();
      return "";
    }
  }

  /// The studies whose last try failed, tried again (once per poll, up to maxAttempts). False
  /// when the watch is to end (interrupted, --exit-after reached).
  bool retryFailures(const ChangeLog* log)
  {
    const std::map<std::string, pipeline::PacsWatchFailure> due = state.failures;
    for (const auto& [key, f] : due)
    {
      if (stopped())
        return true;
      if (f.attempts >= o.maxAttempts)
        continue;
      const std::string uid = f.orthancStudy ? (log ? lookUp(*log, key) : "") : key;
      if (uid.empty() || state.studies.count(uid))
        continue;
      if (!run(uid))
        return false;
      if (enough())
        return false;
    }
    return true;
  }

  const WatchOptions& o;
  pipeline::PacsWatchState& state;
  const Server& server;
  const WatchHooks& hooks;
  WatchOutcome outcome;

private:
  std::string m_path;
};

/// Follow the change log: every StableStudy not seen before.
void followChanges(Watcher& w, const ChangeLog& log, bool fresh)
{
  pipeline::PacsWatchState& state = w.state;
  if (w.o.since >= 0)
    state.since = w.o.since;
  else if (fresh)
    state.since = log.lastChange(); // new: only studies from now on
  w.save();
  reportStep(w.hooks.progress,
             "pacs watch: " + log.name() + " from " + std::to_string(state.since));
  // Failed studies are tried again once per poll, when the log has answered (a server that is
  // down uses up no tries), before its changes.
  bool newPoll = true;
  while (!w.stopped())
  {
    const std::int64_t before = state.since;
    const OrthancChanges changes = log.changesSince(state.since);
    if (newPoll && !w.retryFailures(&log))
      return;
    newPoll = false;
    for (const OrthancChange& change : changes.changes)
    {
      if (w.stopped())
        break;
      if (change.changeType == "StableStudy")
      {
        const std::string uid = w.lookUp(log, change.id);
        // Our own SEG/SR/PDF make the study stable again: a study is run once (a failed one is
        // tried again at the next poll).
        if (!uid.empty() && state.studies.count(uid) == 0 && state.failures.count(uid) == 0 &&
            !w.run(uid))
          return;
      }
      state.since = change.seq;
      w.save();
      if (w.enough())
        return;
    }
    state.since = std::max(state.since, changes.last);
    w.save();
    if (!changes.done)
    {
      // Asked again at once: a log that never gets done without advancing would be asked forever.
      if (state.since <= before && !w.stopped())
        throw ProcessingError(log.name() + ": \"Done\": false, but no change after " +
                              std::to_string(before));
      continue;
    }
    if (w.o.once)
      break;
    w.pause();
    newPoll = true;
  }
}

/// Poll the CT studies of the last `days` by StudyDate: every study not seen before, once its
/// instance count has settled.
void followDates(Watcher& w, bool fresh)
{
  pipeline::PacsWatchState& state = w.state;
  const auto poll = [&]
  {
    return w.server.findStudies(recentDateRange(static_cast<std::time_t>(w.now()), w.o.days), "CT");
  };
  if (fresh && w.o.since != 0)
    for (const FoundStudy& study : poll()) // new: only studies from now on
      state.studies[study.studyInstanceUid] = "skipped: in the PACS when the watch started";
  w.save();
  reportStep(w.hooks.progress,
             "pacs watch: CT studies of the last " + std::to_string(w.o.days) + " day(s) on " +
               w.server.name() + " by StudyDate");

  std::map<std::string, PendingStudy> pending;
  for (const auto& [uid, p] : state.pending)
    pending[uid] = { static_cast<int>(p.instances), p.since };
  while (!w.stopped())
  {
    const std::vector<FoundStudy> found = poll();
    // Failed studies are tried again once per poll, when the server has answered.
    if (!w.retryFailures(nullptr))
      return;
    const double now = w.now();
    // A wait that started in the future would never end.
    for (auto& [uid, p] : pending)
      if (p.since > now)
      {
        pipeline::reportWarning(w.hooks.progress,
                                "pacs watch: study " + uid + ": settling since " +
                                  std::to_string(std::llround(p.since - now)) +
                                  " s from now (the clock set back, or pacs-watch.json from "
                                  "another machine): counted from now");
        p.since = now;
      }
    const std::vector<std::string> settled = settledStudies(
      found,
      [&](const std::string& uid)
      { return state.studies.count(uid) > 0 || state.failures.count(uid) > 0; },
      pending,
      now,
      w.o.settleSeconds);
    state.pending.clear();
    for (const auto& [uid, p] : pending)
      state.pending[uid] = { p.instances, p.since };
    w.save();
    for (const std::string& uid : settled)
    {
      if (w.stopped())
        break;
      state.pending.erase(uid);
      if (!w.run(uid) || w.enough())
        return;
    }
    if (w.o.once)
      break;
    w.pause();
  }
}

} // namespace

pipeline::PacsWatchState openWatch(const std::string& out, const std::string& follow, bool& fresh)
{
  std::error_code ec;
  fs::create_directories(out, ec);
  const std::string path = (fs::path(out) / "pacs-watch.json").string();
  const std::optional<pipeline::PacsWatchState> saved = pipeline::readPacsWatchState(path);
  if (saved && saved->follow != follow)
    throw InputError(path,
                     "follow: this watch followed \"" + saved->follow + "\", not \"" + follow +
                       "\" (use another --out)");
  fresh = !saved;
  pipeline::PacsWatchState state = saved.value_or(pipeline::PacsWatchState{});
  state.follow = follow;
  return state;
}

WatchOutcome watch(const WatchOptions& options,
                   pipeline::PacsWatchState& state,
                   bool fresh,
                   const Server& server,
                   const ChangeLog* changes,
                   const WatchHooks& hooks)
{
  Watcher w(options, state, server, hooks);
  if (options.follow == "changes")
  {
    if (!changes)
      throw std::invalid_argument("pacs::watch: following \"changes\" needs a change log");
    followChanges(w, *changes, fresh);
    return w.outcome;
  }
  if (options.follow != "date")
    throw std::invalid_argument("pacs::watch: follow must be \"changes\" or \"date\"");
  if (options.since > 0)
    throw InputError("", "--since: a watch by date takes only --since 0 (every study found)");
  followDates(w, fresh);
  return w.outcome;
}

} // namespace liver::pacs
