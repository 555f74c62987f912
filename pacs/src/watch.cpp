/// Watching a PACS: Orthanc's change log or polls by StudyDate, each new study's round trip.

#include <liver/pacs/watch.h>

#include <liver/pacs/date_poll.h>

#include <liver/imaging/errors.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
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

  /// Run one new study and record its outcome (a failure is that study's: noted, the watch goes
  /// on). False when interrupted inside the analysis (the study runs again on restart).
  bool run(const std::string& uid)
  {
    reportStep(hooks.progress, "pacs watch: new study " + uid);
    StudyRun run;
    try
    {
      run = runRoundTrip(o.run, server, uid, hooks.runBatch, hooks.progress);
    }
    catch (const std::exception& e)
    {
      run.status = std::string("error: ") + e.what();
    }
    if (run.interrupted && run.status != "ok")
    {
      outcome.interrupted = true;
      return false;
    }
    state.studies[uid] = run.status;
    if (run.status.rfind("error", 0) == 0)
    {
      pipeline::reportWarning(hooks.progress, "pacs watch: study " + uid + ": " + run.status);
      outcome.someFailed = true;
    }
    if (run.status.rfind("skipped", 0) != 0)
      ++outcome.analysed;
    save();
    if (hooks.onStudy)
      hooks.onStudy(uid, run);
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
  while (!w.stopped())
  {
    const std::int64_t before = state.since;
    const OrthancChanges changes = log.changesSince(state.since);
    for (const OrthancChange& change : changes.changes)
    {
      if (w.stopped())
        break;
      if (change.changeType == "StableStudy")
      {
        const std::string uid = log.studyUid(change.id);
        // Our own SEG/SR/PDF make the study stable again: a study is run once.
        if (state.studies.count(uid) == 0 && !w.run(uid))
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
    const std::vector<std::string> settled = settledStudies(
      poll(),
      [&](const std::string& uid) { return state.studies.count(uid) > 0; },
      pending,
      w.now(),
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
