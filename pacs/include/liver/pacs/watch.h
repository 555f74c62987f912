#pragma once
/// `liverplan pacs watch` as a library: every new CT study of a PACS through the round trip
/// (round_trip.h), found in Orthanc's change log or by polls by StudyDate, resumable from
/// OUT/pacs-watch.json (liver/pipeline/pacs_watch.h). A study that fails is recorded and the
/// watch goes on: a failed analysis at once, an error of the server (retrieval, store, the
/// study's lookup in the change log) after `maxAttempts` tries, one per poll.

#include <liver/pacs/dicomweb.h>
#include <liver/pacs/round_trip.h>
#include <liver/pipeline/pacs_watch.h>

#include <cstdint>
#include <functional>
#include <string>

namespace liver::pacs
{

/// A change log to follow: Orthanc's /changes, or any other with the same meaning.
class ChangeLog
{
public:
  virtual ~ChangeLog() = default;
  virtual std::int64_t lastChange() const = 0;
  virtual OrthancChanges changesSince(std::int64_t since) const = 0;
  /// The StudyInstanceUID of a change's resource.
  virtual std::string studyUid(const std::string& id) const = 0;
  virtual std::string name() const = 0;
};

/// Orthanc's change log over its REST API at `url` (dicomweb.h's orthancChanges & co.).
class OrthancChangeLog : public ChangeLog
{
public:
  OrthancChangeLog(const HttpClient& http, std::string url)
    : m_http(http)
    , m_url(std::move(url))
  {
  }
  std::int64_t lastChange() const override { return orthancLastChange(m_http, m_url); }
  OrthancChanges changesSince(std::int64_t since) const override
  {
    return orthancChanges(m_http, m_url, since);
  }
  std::string studyUid(const std::string& id) const override
  {
    return orthancStudyUid(m_http, m_url, id);
  }
  std::string name() const override { return m_url + "/changes"; }

private:
  const HttpClient& m_http;
  std::string m_url;
};

struct WatchOptions
{
  RoundTripOptions run; ///< each study's round trip; run.batch.out holds pacs-watch.json
  std::string follow;   ///< "changes" (a ChangeLog) or "date" (polls by StudyDate)
  double intervalSeconds = 10;
  std::size_t exitAfter = 0; ///< stop after this many studies analysed (0: never)
  bool once = false;         ///< one pass over what there is, then stop
  long long since = -1;      ///< changes: start here (-1: where the state says, or the newest)
  int days = 2;              ///< date: the StudyDates of the last `days` days (local)
  double settleSeconds = 60; ///< date: a study's instance count unchanged this long
  int maxAttempts = 3;       ///< tries of a study the server failed (one per poll), >= 1
};

/// What the front end gives a watch.
struct WatchHooks
{
  BatchRunner runBatch;
  pipeline::ProgressCallback progress;
  /// Asked between studies and polls: true ends the watch (e.g. after SIGINT). May be empty.
  std::function<bool()> stopRequested;
  /// Wait between polls; default: sleep in 0.1 s steps until stopRequested.
  std::function<void(double seconds)> pause;
  /// Seconds since the epoch; default: the system clock.
  std::function<double()> now;
  /// Each study run, after the state has been saved. May be empty.
  std::function<void(const std::string& studyUid, const StudyRun& run)> onStudy;
};

struct WatchOutcome
{
  std::size_t analysed = 0; ///< studies run (not skipped) by this watch
  bool someFailed = false;  ///< a study ended in an error, or a try of one failed
  bool interrupted = false; ///< interrupted inside an analysis (that study runs again)
};

/// The state of a watch in `out` following `follow`: the saved one (read field by field,
/// InputError as readPacsWatchState, and an InputError when it followed the other kind), or a
/// new one (`fresh`). Creates `out`.
pipeline::PacsWatchState openWatch(const std::string& out, const std::string& follow, bool& fresh);

/// Watch until stopped (or --once, --exit-after), saving `state` to OUT/pacs-watch.json after
/// every change or poll. A fresh watch starts at the newest change, or records the studies
/// already there as skipped (`since` 0: takes them all). `changes` is needed to follow
/// "changes". A study whose StudyDate lies before the last `days` days is never found by a
/// watch by date, however late it arrives. InputError for a `since` other than 0 with "date".
WatchOutcome watch(const WatchOptions& options,
                   pipeline::PacsWatchState& state,
                   bool fresh,
                   const Server& server,
                   const ChangeLog* changes,
                   const WatchHooks& hooks);

} // namespace liver::pacs
