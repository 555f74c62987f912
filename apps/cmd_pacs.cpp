/// `liverplan pacs run` and `liverplan pacs watch`: the options, the log, SIGINT/SIGTERM and the
/// exit codes; the round trip (pull, analyse as `batch --dicom-out`, store SEG, SR and PDF back)
/// and the watch are liver::pacs's (round_trip.h, watch.h).

#include "batch.h"
#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/pacs/connection.h>
#include <liver/pacs/dimse.h>
#include <liver/pacs/round_trip.h>
#include <liver/pacs/watch.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

namespace liver::cli
{
namespace
{

struct PacsOptions
{
  pacs::ConnectionOptions connection;
  std::string orthanc; ///< watch: Orthanc's REST API; default: server without "/dicom-web"
  std::string study;
  bool noStore = false;
  bool useStudySeg = false;
  BatchOptions batch;
  pacs::WatchOptions watch;
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
  pacs::ConnectionOptions& c = o.connection;
  cmd
    .add_option("--server",
                c.server,
                "DICOMweb base URL (https://pacs:8042/dicom-web) or a DIMSE service "
                "(dicom://AET@host:port)")
    ->required();
  cmd.add_option("--aet", c.aeTitle, "LiverPlan's AE title towards a dicom:// server")
    ->capture_default_str();
  cmd.add_option("--credentials",
                 c.credentials,
                 "JSON file {\"username\":...,\"password\":...} or {\"token\":...} (default: "
                 "$LIVERPLAN_PACS_USER/$LIVERPLAN_PACS_PASSWORD or $LIVERPLAN_PACS_TOKEN)");
  cmd.add_option("--ca-cert", c.tls.caCert, "PEM file of the CAs to trust (TLS)");
  cmd.add_option("--client-cert", c.tls.clientCert, "client certificate, PEM (TLS)");
  cmd.add_option("--client-key", c.tls.clientKey, "client certificate's key, PEM (TLS)");
  cmd.add_flag(
    "--insecure", c.tls.insecure, "do not verify the server's certificate (testing only)");
  cmd
    .add_option("--timeout",
                c.timeoutSeconds,
                "seconds one exchange with the server may take: an HTTP request as a whole (a "
                "series' download included; connecting at most 30 s of it), or over DIMSE the "
                "connection, the association and each DIMSE message")
    ->capture_default_str()
    ->check(CLI::Range(1L, 86400L));
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

pacs::Connection connect(const PacsOptions& o, bool httpToo)
{
  if (o.connection.tls.insecure)
    logWarning("pacs: --insecure: the server's certificate is not verified");
  return pacs::connect(o.connection, httpToo);
}

pacs::RoundTripOptions roundTrip(const PacsOptions& o)
{
  return { o.batch.request, !o.noStore, o.useStudySeg };
}

/// The batch of one study, with the clinical CSV and batch's progress bar.
pacs::BatchRunner batchRunner(const PacsOptions& o, bool watching)
{
  return [&o, watching](const pipeline::BatchRequest& request)
  {
    const pipeline::BatchOutcome outcome = runBatchReporting({ request, o.batch.clinicalCsv });
    if (watching)
      installStopHandlers();
    return outcome;
  };
}

void printStored(const std::string& studyUid, const pacs::StudyRun& run)
{
  if (!run.objects.empty())
    std::printf("pacs: stored %zu object(s) (SEG, SR%s) into study %s\n",
                run.stored,
                run.objects.size() == 3 ? ", PDF" : "",
                studyUid.c_str());
}

int runStudy(const PacsOptions& o)
{
  pacs::checkUid(o.study, "--study");
  const pacs::Connection connection = connect(o, false);
  const pacs::StudyRun run = pacs::runRoundTrip(
    roundTrip(o), *connection.server, o.study, batchRunner(o, false), cliProgress());
  printStored(o.study, run);
  if (run.status == "ok")
    return ExitOk;
  std::fprintf(stderr, "liverplan: pacs run: study %s: %s\n", o.study.c_str(), run.status.c_str());
  if (run.status.rfind("skipped", 0) == 0)
    return ExitOk;
  return run.interrupted ? 130 : static_cast<int>(ExitProcessing);
}

/// What the watch did and what its state holds: the studies that failed and those still to be
/// tried (each failed try was logged as it happened).
void printWatchSummary(const std::string& out,
                       const pipeline::PacsWatchState& state,
                       const pacs::WatchOutcome& outcome,
                       int maxAttempts)
{
  std::size_t failed = 0;
  std::size_t again = 0;
  for (const auto& [uid, status] : state.studies)
    failed += status.rfind("error", 0) == 0;
  for (const auto& [key, f] : state.failures)
    f.attempts < maxAttempts ? ++again : ++failed;
  std::printf("pacs watch: %zu stud%s analysed; %s/pacs-watch.json: %zu failed, %zu to be tried "
              "again\n",
              outcome.analysed,
              outcome.analysed == 1 ? "y" : "ies",
              out.c_str(),
              failed,
              again);
}

int runWatch(PacsOptions& o)
{
  const std::string& server = o.connection.server;
  pacs::WatchOptions& w = o.watch;
  if (w.follow.empty())
    w.follow = pacs::isDimseUrl(server) && o.orthanc.empty() ? "date" : "changes";
  if (w.follow == "changes" && pacs::isDimseUrl(server) && o.orthanc.empty())
    throw InputError("",
                     "pacs watch --follow changes with a dicom:// server: --orthanc URL needed");
  bool fresh = false;
  pipeline::PacsWatchState state = pacs::openWatch(o.batch.request.out, w.follow, fresh);
  const pacs::Connection connection = connect(o, w.follow == "changes");
  std::unique_ptr<pacs::ChangeLog> changes;
  if (w.follow == "changes")
    changes = std::make_unique<pacs::OrthancChangeLog>(
      *connection.http, pacs::orthancRestUrl(connection.server->name(), o.orthanc));
  w.run = roundTrip(o);
  pacs::WatchHooks hooks;
  hooks.runBatch = batchRunner(o, true);
  hooks.progress = cliProgress();
  hooks.stopRequested = [] { return g_stop.load(); };
  hooks.onStudy = printStored;
  installStopHandlers();
  const pacs::WatchOutcome outcome =
    pacs::watch(w, state, fresh, *connection.server, changes.get(), hooks);
  printWatchSummary(o.batch.request.out, state, outcome, w.maxAttempts);
  if (outcome.interrupted)
    return 130;
  return outcome.someFailed ? static_cast<int>(ExitProcessing) : static_cast<int>(ExitOk);
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
  runCmd->callback([run, &exitCode] { exitCode = runGuarded([&] { return runStudy(*run); }); });

  auto watch = std::make_shared<PacsOptions>();
  pacs::WatchOptions& w = watch->watch;
  CLI::App* watchCmd = pacsCmd->add_subcommand(
    "watch",
    "Analyse every new CT study (Orthanc's /changes log, or polls by StudyDate), storing SEG, SR "
    "and PDF back; resumable (OUT/pacs-watch.json)");
  addConnectionOptions(*watchCmd, *watch);
  watchCmd->add_option(
    "--orthanc", watch->orthanc, "Orthanc's REST API URL (default: --server without /dicom-web)");
  watchCmd
    ->add_option("--follow",
                 w.follow,
                 "changes: Orthanc's change log; date: poll the CT studies of the last --days by "
                 "StudyDate (QIDO-RS or C-FIND), for a PACS without a change log (default: "
                 "changes, date for a dicom:// server without --orthanc). A study whose StudyDate "
                 "is older than --days is never seen by date, however late it arrives: take it "
                 "with pacs run --study UID")
    ->check(CLI::IsMember({ "changes", "date" }));
  watchCmd->add_option("--days", w.days, "--follow date: StudyDates of the last N days")
    ->capture_default_str()
    ->check(CLI::Range(1, 3660));
  watchCmd
    ->add_option("--settle",
                 w.settleSeconds,
                 "--follow date: seconds a study's instance count must stay the same before it is "
                 "analysed")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 86400.0));
  watchCmd->add_option("--interval", w.intervalSeconds, "seconds between polls")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 86400.0));
  watchCmd
    ->add_option("--attempts",
                 w.maxAttempts,
                 "tries of a study the server fails (its retrieval or store, its lookup in the "
                 "change log), one per poll, before it is recorded as failed (a failed analysis "
                 "is not tried again)")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  watchCmd->add_option("--exit-after", w.exitAfter, "stop after N studies analysed");
  watchCmd->add_flag("--once", w.once, "process the changes there are, then stop");
  watchCmd->add_option("--since",
                       w.since,
                       "start at this change number (default: where the last watch stopped; "
                       "a first watch starts at the newest change; --follow date: only 0, the "
                       "studies already there too)");
  watchCmd->callback([watch, &exitCode]
                     { exitCode = runGuarded([&] { return runWatch(*watch); }); });
}

} // namespace liver::cli
