/// `liverplan pacs run --server URL --study UID --out DIR`: pull a study's CT series from a
/// DICOMweb server (QIDO-RS, WADO-RS) or a DIMSE one (dicom://AET@host:port: C-FIND, C-GET),
/// analyse it as `batch --dicom-out` does (worker process, clinical CSV) and store its SEG, SR
/// and PDF back into the study (STOW-RS or C-STORE).
/// `liverplan pacs watch --server URL --out DIR`: the same for every study that becomes stable
/// on an Orthanc server (its /changes log) or, for any server, every CT study a poll by
/// StudyDate finds once it has settled; resumable from OUT/pacs-watch.json.

#include "batch.h"
#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/safe_path.h>
#include <liver/pacs/date_poll.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pacs/dimse.h>
#include <liver/pacs/study_seg.h>
#include <liver/pipeline/pacs_watch.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

namespace liver::cli
{
namespace
{

namespace fs = std::filesystem;

struct PacsOptions
{
  std::string server;
  std::string orthanc; ///< watch: Orthanc's REST API; default: server without "/dicom-web"
  std::string study;
  std::string credentials;
  std::string aeTitle = "LIVERPLAN"; ///< ours, for a dicom:// server
  pacs::TlsOptions tls;
  long timeoutSeconds = 300;
  bool noStore = false;
  bool useStudySeg = false; ///< the liver from the study's own DICOM SEG when it has one
  BatchOptions batch;
  double intervalSeconds = 10;
  std::size_t exitAfter = 0;
  bool once = false;
  long long since = -1;
  std::string follow; ///< "changes" or "date"; default by the server
  int days = 2;
  double settleSeconds = 60;
};

std::atomic<bool> g_stop{ false };

extern "C" void onStop(int)
{
  g_stop.store(true);
}

/// SIGINT/SIGTERM end the watch after the current study (the batch installs its own handlers
/// while it runs, so these are installed again after every study).
void installStopHandlers()
{
  struct sigaction action
  {
  };
  action.sa_handler = onStop;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void addConnectionOptions(CLI::App& cmd, PacsOptions& o)
{
  cmd
    .add_option("--server",
                o.server,
                "DICOMweb base URL (https://pacs:8042/dicom-web) or a DIMSE service "
                "(dicom://AET@host:port)")
    ->required();
  cmd.add_option("--aet", o.aeTitle, "LiverPlan's AE title towards a dicom:// server")
    ->capture_default_str();
  cmd.add_option("--credentials",
                 o.credentials,
                 "JSON file {\"username\":...,\"password\":...} or {\"token\":...} (default: "
                 "$LIVERPLAN_PACS_USER/$LIVERPLAN_PACS_PASSWORD or $LIVERPLAN_PACS_TOKEN)");
  cmd.add_option("--ca-cert", o.tls.caCert, "PEM file of the CAs to trust (TLS)");
  cmd.add_option("--client-cert", o.tls.clientCert, "client certificate, PEM (TLS)");
  cmd.add_option("--client-key", o.tls.clientKey, "client certificate's key, PEM (TLS)");
  cmd.add_flag(
    "--insecure", o.tls.insecure, "do not verify the server's certificate (testing only)");
  cmd.add_option("--timeout", o.timeoutSeconds, "seconds per HTTP request")->capture_default_str();
  cmd.add_option("--out", o.batch.request.out, "output folder (one folder per study, as batch)")
    ->required();
  cmd.add_flag(
    "--no-store", o.noStore, "analyse and write OUT/<study>/dicom/ but store nothing back");
  cmd.add_flag("--use-study-seg",
               o.useStudySeg,
               "take the liver from the study's own DICOM SEG (TotalSegmentator's, Slicer's; "
               "never LiverPlan's) when it holds one with a liver, instead of segmenting it");
  addStudyAnalysisOptions(cmd, o.batch);
}

/// What one study's run gave.
struct StudyRun
{
  int exitCode = ExitOk;
  std::string status; ///< "ok", "error: ...", "skipped: ..."
};

/// The study's own DICOM SEG with a liver (TotalSegmentator's, Slicer's; never LiverPlan's): with
/// --use-study-seg the worker imports the liver from it (result.json's labels name the file, its
/// SHA-256 in inputFiles; the file stays under OUT/.pacs/seg/<study>/), else it is offered.
/// Whether it is used.
bool useStudySegmentation(const PacsOptions& o,
                          const std::string& studyUid,
                          const fs::path& segs,
                          BatchOptions& batch)
{
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(segs, ec))
    for (const auto& e : fs::recursive_directory_iterator(segs))
      if (e.is_regular_file())
        files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> notes;
  const std::optional<pacs::StudySegmentation> seg = pacs::studyLiverSegmentation(files, notes);
  for (const std::string& note : notes)
    logInfo("pacs: " + note);
  if (!seg)
  {
    if (o.useStudySeg)
      logInfo("pacs: --use-study-seg: study " + studyUid +
              " holds no DICOM SEG with a liver: the liver is segmented automatically");
    return false;
  }
  const std::string which = "DICOM SEG series " + seg->seriesInstanceUid + " (" +
                            seg->manufacturer + ", \"" + seg->seriesDescription + "\", segment \"" +
                            seg->liverSegment + "\")";
  if (!o.useStudySeg)
  {
    logInfo("pacs: study " + studyUid + " holds a liver in " + which +
            ": --use-study-seg takes it instead of segmenting the liver");
    return false;
  }
  logInfo("pacs: the liver from the study's " + which);
  batch.request.liverFiles[studyUid] = seg->file;
  return true;
}

/// Pull, analyse and store back one study.
StudyRun runStudy(const PacsOptions& o, const pacs::Server& server, const std::string& studyUid)
{
  pacs::checkUid(studyUid, "--study");
  const std::vector<pacs::SeriesInfo> series = server.studySeries(studyUid);
  if (series.empty())
    throw InputError(server.name(), "study " + studyUid + " not found");
  const fs::path input =
    outputPathInside(fs::path(o.batch.request.out) / ".pacs", safePathComponent(studyUid));
  // The study's own segmentations (SEG series) apart: the batch reads CT only.
  const fs::path segs =
    outputPathInside(fs::path(o.batch.request.out) / ".pacs" / "seg", safePathComponent(studyUid));
  std::error_code ec;
  fs::remove_all(input, ec);
  fs::remove_all(segs, ec);
  std::size_t files = 0;
  for (const pacs::SeriesInfo& s : series)
    if (s.modality == "CT" || s.modality == "SEG")
    {
      logInfo("pacs: retrieving " + s.modality + " series " + s.seriesInstanceUid + " (" +
              s.description + ")");
      const std::size_t n = server.retrieveSeries(
        studyUid,
        s.seriesInstanceUid,
        ((s.modality == "CT" ? input : segs) / safePathComponent(s.seriesInstanceUid)).string());
      files += s.modality == "CT" ? n : 0;
    }
  if (files == 0)
  {
    fs::remove_all(input, ec);
    fs::remove_all(segs, ec);
    return { ExitOk, "skipped: no CT series" };
  }
  logInfo("pacs: " + std::to_string(files) + " CT image(s) of study " + studyUid);

  BatchOptions batch = o.batch;
  batch.request.root = input.string();
  batch.request.dicomOut = true;
  batch.request.resume = false;
  if (!useStudySegmentation(o, studyUid, segs, batch))
    fs::remove_all(segs, ec);
  const int code = runBatch(batch);
  fs::remove_all(input, ec);
  const fs::path studyDir = outputPathInside(batch.request.out, safePathComponent(studyUid));
  std::string status = "error: no analysis";
  if (const std::optional<nlohmann::json> row = pipeline::studyStatus(batch.request.out, studyUid))
    status = row->value("status", "") == "ok"
               ? "ok"
               : "error: " + row->value("error", std::string("analysis failed"));
  if (status != "ok")
    return { code == ExitOk ? static_cast<int>(ExitProcessing) : code, status };
  if (o.noStore)
    return { ExitOk, "ok" };

  std::vector<std::string> objects;
  for (const char* name : { "seg.dcm", "sr.dcm", "report-pdf.dcm" })
    if (fs::is_regular_file(studyDir / "dicom" / name, ec))
      objects.push_back((studyDir / "dicom" / name).string());
  const pacs::StoreResult stored = server.store(studyUid, objects);
  if (!stored.failures.empty())
    throw ProcessingError(server.name() + ": storing into study " + studyUid +
                          " refused: " + stored.failures.front());
  std::printf("pacs: stored %zu object(s) (SEG, SR%s) into study %s\n",
              stored.stored,
              objects.size() == 3 ? ", PDF" : "",
              studyUid.c_str());
  return { ExitOk, "ok" };
}

pacs::HttpClient httpClient(const PacsOptions& o)
{
  if (o.tls.insecure)
    logWarning("pacs: --insecure: the server's certificate is not verified");
  return pacs::HttpClient(pacs::loadCredentials(o.credentials), o.tls, o.timeoutSeconds);
}

/// The PACS --server names, DICOMweb or DIMSE, and the HTTP client for DICOMweb or Orthanc's
/// REST API (`httpToo`: a DIMSE server's watch reads Orthanc's change log over HTTP).
struct Connection
{
  std::unique_ptr<pacs::HttpClient> http;
  std::unique_ptr<pacs::Server> server;
};

Connection connect(const PacsOptions& o, bool httpToo)
{
  Connection c;
  if (!pacs::isDimseUrl(o.server))
  {
    c.http = std::make_unique<pacs::HttpClient>(httpClient(o));
    c.server = std::make_unique<pacs::DicomWebServer>(o.server, *c.http);
    return c;
  }
  const bool tls = !o.tls.caCert.empty() || !o.tls.clientCert.empty() || !o.tls.clientKey.empty() ||
                   o.tls.insecure;
  if (!httpToo && tls)
    throw InputError("",
                     "--ca-cert, --client-cert, --client-key, --insecure: TLS over DIMSE "
                     "(dicom://) is not supported");
  if (!httpToo && !o.credentials.empty())
    throw InputError(o.credentials,
                     "--credentials: a DIMSE server (dicom://) knows LiverPlan by its AE title "
                     "(--aet), not by password");
  c.server = std::make_unique<pacs::DimseServer>(o.server,
                                                 pacs::DimseOptions{ o.aeTitle, o.timeoutSeconds });
  if (httpToo)
    c.http = std::make_unique<pacs::HttpClient>(httpClient(o));
  return c;
}

// ---- watch ------------------------------------------------------------------------------------

/// Where a watch is: its state, the studies analysed, the worst exit code so far.
struct Watch
{
  std::string path; ///< OUT/pacs-watch.json
  pipeline::PacsWatchState state;
  std::size_t processed = 0;
  int worst = ExitOk;
  void save() const { pipeline::writePacsWatchState(path, state); }
};

/// Run one new study of a watch and record its outcome (a failure is that study's: noted, the
/// watch goes on). False when interrupted inside the analysis (the study runs again on restart).
bool watchStudy(const PacsOptions& o, const pacs::Server& server, const std::string& uid, Watch& w)
{
  logInfo("pacs watch: new study " + uid);
  StudyRun run;
  try
  {
    run = runStudy(o, server, uid);
  }
  catch (const std::exception& e)
  {
    run = { ExitProcessing, std::string("error: ") + e.what() };
  }
  installStopHandlers();
  if (run.exitCode == 130)
    return false;
  w.state.studies[uid] = run.status;
  if (run.status.rfind("error", 0) == 0)
  {
    logWarning("pacs watch: study " + uid + ": " + run.status);
    w.worst = ExitProcessing;
  }
  if (run.status.rfind("skipped", 0) != 0)
    ++w.processed;
  w.save();
  return true;
}

/// Sleep `seconds` unless stopped.
void pause(double seconds)
{
  const auto until =
    std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (!g_stop.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

/// Follow Orthanc's change log: every StableStudy not seen before.
int followChanges(const PacsOptions& o, const Connection& connection, Watch& w, bool fresh)
{
  const pacs::HttpClient& http = *connection.http;
  const pacs::Server& server = *connection.server;
  std::string orthanc = o.orthanc;
  if (orthanc.empty())
  {
    orthanc = server.name();
    const std::string suffix = "/dicom-web";
    if (orthanc.size() > suffix.size() &&
        orthanc.compare(orthanc.size() - suffix.size(), suffix.size(), suffix) == 0)
      orthanc.resize(orthanc.size() - suffix.size());
  }
  while (!orthanc.empty() && orthanc.back() == '/')
    orthanc.pop_back();
  pipeline::PacsWatchState& state = w.state;
  if (o.since >= 0)
    state.since = o.since;
  else if (fresh)
    state.since = pacs::orthancLastChange(http, orthanc); // new: only studies from now on
  w.save();
  logInfo("pacs watch: " + orthanc + "/changes from " + std::to_string(state.since));

  installStopHandlers();
  while (!g_stop.load())
  {
    const pacs::OrthancChanges changes = pacs::orthancChanges(http, orthanc, state.since);
    for (const pacs::OrthancChange& change : changes.changes)
    {
      if (g_stop.load())
        break;
      if (change.changeType == "StableStudy")
      {
        const std::string uid = pacs::orthancStudyUid(http, orthanc, change.id);
        // Our own SEG/SR/PDF make the study stable again: a study is run once.
        if (state.studies.count(uid) == 0 && !watchStudy(o, server, uid, w))
          return 130;
      }
      state.since = change.seq;
      w.save();
      if (o.exitAfter && w.processed >= o.exitAfter)
        return w.worst;
    }
    state.since = std::max(state.since, changes.last);
    w.save();
    if (!changes.done)
      continue;
    if (o.once)
      break;
    pause(o.intervalSeconds);
  }
  return w.worst;
}

/// Poll the CT studies of the last --days by StudyDate (QIDO-RS or C-FIND): every study not
/// seen before, once its instance count has settled.
int followDates(const PacsOptions& o, const pacs::Server& server, Watch& w, bool fresh)
{
  pipeline::PacsWatchState& state = w.state;
  const auto poll = [&]
  { return server.findStudies(pacs::recentDateRange(std::time(nullptr), o.days), "CT"); };
  if (o.since > 0)
    throw InputError("", "--since: a watch by date takes only --since 0 (every study found)");
  if (fresh && o.since != 0)
    for (const pacs::FoundStudy& study : poll()) // new: only studies from now on
      state.studies[study.studyInstanceUid] = "skipped: in the PACS when the watch started";
  w.save();
  logInfo("pacs watch: CT studies of the last " + std::to_string(o.days) + " day(s) on " +
          server.name() + " by StudyDate");

  std::map<std::string, pacs::PendingStudy> pending;
  for (const auto& [uid, p] : state.pending)
    pending[uid] = { static_cast<int>(p.instances), p.since };
  installStopHandlers();
  while (!g_stop.load())
  {
    const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::vector<std::string> settled = pacs::settledStudies(
      poll(),
      [&](const std::string& uid) { return state.studies.count(uid) > 0; },
      pending,
      now,
      o.settleSeconds);
    state.pending.clear();
    for (const auto& [uid, p] : pending)
      state.pending[uid] = { p.instances, p.since };
    w.save();
    for (const std::string& uid : settled)
    {
      if (g_stop.load())
        break;
      state.pending.erase(uid);
      if (!watchStudy(o, server, uid, w))
        return 130;
      if (o.exitAfter && w.processed >= o.exitAfter)
        return w.worst;
    }
    if (o.once)
      break;
    pause(o.intervalSeconds);
  }
  return w.worst;
}

int runWatch(const PacsOptions& o)
{
  std::string follow = o.follow;
  if (follow.empty())
    follow = pacs::isDimseUrl(o.server) && o.orthanc.empty() ? "date" : "changes";
  if (follow == "changes" && pacs::isDimseUrl(o.server) && o.orthanc.empty())
    throw InputError("",
                     "pacs watch --follow changes with a dicom:// server: --orthanc URL needed");
  std::error_code ec;
  fs::create_directories(o.batch.request.out, ec);
  Watch w;
  w.path = (fs::path(o.batch.request.out) / "pacs-watch.json").string();
  const std::optional<pipeline::PacsWatchState> saved = pipeline::readPacsWatchState(w.path);
  if (saved && saved->follow != follow)
    throw InputError(w.path,
                     "follow: this watch followed \"" + saved->follow + "\", not \"" + follow +
                       "\" (use another --out)");
  w.state = saved.value_or(pipeline::PacsWatchState{});
  w.state.follow = follow;
  const Connection connection = connect(o, follow == "changes");
  return follow == "changes" ? followChanges(o, connection, w, !saved)
                             : followDates(o, *connection.server, w, !saved);
}

} // namespace

void registerPacs(CLI::App& app, int& exitCode)
{
  CLI::App* pacsCmd = app.add_subcommand(
    "pacs",
    "Round trip with a PACS over DICOMweb or DIMSE: pull a study, analyse it, store SEG, SR and "
    "PDF back");
  pacsCmd->require_subcommand(1);
  pacsCmd->footer("Credentials never go on the command line: --credentials FILE or the "
                  "environment. Exit codes as for batch; 2 also for an unknown study.");

  auto run = std::make_shared<PacsOptions>();
  CLI::App* runCmd = pacsCmd->add_subcommand(
    "run",
    "Pull one study (QIDO-RS and WADO-RS, or C-FIND and C-GET), analyse it, store its SEG, SR "
    "and PDF (STOW-RS or C-STORE)");
  addConnectionOptions(*runCmd, *run);
  runCmd->add_option("--study", run->study, "StudyInstanceUID")->required();
  runCmd->callback(
    [run, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          pacs::checkUid(run->study, "--study");
          const Connection connection = connect(*run, false);
          const StudyRun r = runStudy(*run, *connection.server, run->study);
          if (r.status != "ok")
            std::fprintf(
              stderr, "liverplan: pacs run: study %s: %s\n", run->study.c_str(), r.status.c_str());
          return r.exitCode;
        });
    });

  auto watch = std::make_shared<PacsOptions>();
  CLI::App* watchCmd = pacsCmd->add_subcommand(
    "watch",
    "Analyse every new CT study (Orthanc's /changes log, or polls by StudyDate), storing SEG, SR "
    "and PDF back; resumable (OUT/pacs-watch.json)");
  addConnectionOptions(*watchCmd, *watch);
  watchCmd->add_option(
    "--orthanc", watch->orthanc, "Orthanc's REST API URL (default: --server without /dicom-web)");
  watchCmd
    ->add_option("--follow",
                 watch->follow,
                 "changes: Orthanc's change log; date: poll the CT studies of the last --days by "
                 "StudyDate (QIDO-RS or C-FIND), for a PACS without a change log (default: "
                 "changes, date for a dicom:// server without --orthanc)")
    ->check(CLI::IsMember({ "changes", "date" }));
  watchCmd->add_option("--days", watch->days, "--follow date: StudyDates of the last N days")
    ->capture_default_str()
    ->check(CLI::Range(1, 3660));
  watchCmd
    ->add_option("--settle",
                 watch->settleSeconds,
                 "--follow date: seconds a study's instance count must stay the same before it is "
                 "analysed")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 86400.0));
  watchCmd->add_option("--interval", watch->intervalSeconds, "seconds between polls")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 86400.0));
  watchCmd->add_option("--exit-after", watch->exitAfter, "stop after N studies analysed");
  watchCmd->add_flag("--once", watch->once, "process the changes there are, then stop");
  watchCmd->add_option("--since",
                       watch->since,
                       "start at this change number (default: where the last watch stopped; "
                       "a first watch starts at the newest change; --follow date: only 0, the "
                       "studies already there too)");
  watchCmd->callback([watch, &exitCode]
                     { exitCode = runGuarded([&] { return runWatch(*watch); }); });
}

} // namespace liver::cli
