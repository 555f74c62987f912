/// `liverplan batch ROOT --out DIR` and `liverplan merge DIR... --out DIR`: the options, the
/// progress bar and the exit code; the orchestration (worker processes, resume, shards, the
/// summary) is liver::pipeline's (liver/pipeline/batch.h).

#include "batch.h"
#include "cli_common.h"

#include <liver/model/clinical_csv.h>
#include <liver/pipeline/batch.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

namespace liver::cli
{
namespace
{

std::atomic<int> g_interrupts{ 0 };

extern "C" void onInterrupt(int)
{
  g_interrupts.fetch_add(1);
}

/// The batch's progress on stderr: a bar on a terminal, a log line per study otherwise.
class Progress
{
public:
  Progress()
    : tty_(isatty(STDERR_FILENO) != 0)
    , started_(std::chrono::steady_clock::now())
  {
  }

  void finished(const pipeline::StudyFinished& s)
  {
    const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const std::size_t run = s.done - s.skipped;
    // A rate needs some time to mean anything (studies without a series end at once).
    const bool rated = run > 0 && elapsed >= 1.0;
    const double perHour = rated ? 3600.0 * static_cast<double>(run) / elapsed : 0.0;
    const double etaMin =
      rated ? elapsed / static_cast<double>(run) * static_cast<double>(s.total - s.done) / 60.0
            : 0.0;
    char rate[96] = "rate and ETA after the first second";
    if (rated)
      std::snprintf(rate, sizeof rate, "%.1f studies/h, ETA %.1f min", perHour, etaMin);
    char text[256];
    if (tty_)
    {
      const int width = 30;
      const int filled = s.total ? static_cast<int>(width * s.done / s.total) : width;
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(width, '.');
      std::snprintf(text,
                    sizeof text,
                    "\r[%s] %zu/%zu  %zu error(s)  %s   ",
                    bar.c_str(),
                    s.done,
                    s.total,
                    s.errors,
                    rate);
      std::cerr << text << (s.done == s.total ? "\n" : "") << std::flush;
    }
    else
    {
      std::snprintf(text,
                    sizeof text,
                    "batch: %zu/%zu %s %s (%.1f s; %s)",
                    s.done,
                    s.total,
                    s.studyInstanceUid.c_str(),
                    s.status.c_str(),
                    s.seconds,
                    rate);
      logInfo(text);
    }
  }

private:
  bool tty_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace

pipeline::BatchOutcome runBatchReporting(const BatchOptions& o)
{
  pipeline::BatchRequest request = o.request;
  if (!o.clinicalCsv.empty())
  {
    model::ClinicalTable clinical = model::loadClinicalCsv(o.clinicalCsv);
    request.clinicalKeyColumn = clinical.keyColumn;
    request.clinicalRows = std::move(clinical.rows);
  }
  struct sigaction action
  {
  };
  action.sa_handler = onInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  request.interrupts = [] { return g_interrupts.load(); };
  Progress bar;
  const pipeline::BatchOutcome outcome = pipeline::runBatch(
    request, cliProgress(), [&](const pipeline::StudyFinished& study) { bar.finished(study); });
  std::printf("batch: %zu of %zu stud%s complete, %zu with errors; wrote %s/summary.csv\n",
              outcome.complete,
              outcome.inShard,
              outcome.inShard == 1 ? "y" : "ies",
              outcome.failed,
              request.out.c_str());
  std::printf("%s\n", DecisionSupportDisclaimer);
  return outcome;
}

int batchExitCode(const pipeline::BatchOutcome& outcome)
{
  if (outcome.interrupted || outcome.complete < outcome.inShard)
    return 130; // interrupted: --resume completes the run
  return outcome.failed ? static_cast<int>(ExitProcessing) : static_cast<int>(ExitOk);
}

void addStudyAnalysisOptions(CLI::App& cmd, BatchOptions& o)
{
  pipeline::BatchRequest& r = o.request;
  cmd.add_option("--plan", r.plans, "A plan for every study (repeatable; as for analyze)");
  cmd.add_option("--plan-file", r.planFile, "Plans as JSON for every study");
  cmd.add_option("--auto-plan", r.autoPlans, "Also propose up to N plans per study");
  cmd.add_flag("--auto-segments",
               r.autoSegments,
               "Approximate the Couinaud segments (needed by anatomical plans)");
  cmd.add_option("--liver-condition",
                 r.condition,
                 "normal, chemotherapy, steatosis, cirrhosis (the CSV's column wins)");
  cmd.add_option(
    "--clinical-csv",
    o.clinicalCsv,
    "CSV keyed by StudyInstanceUID or PatientID; the other columns are "
    "clinical.json fields (heightCm, weightKg, liverCondition, primaryTumour, ecog, ...)");
}

void registerBatch(CLI::App& app, int& exitCode)
{
  auto o = std::make_shared<BatchOptions>();
  CLI::App* cmd = app.add_subcommand(
    "batch",
    "Analyse every DICOM study under ROOT (one worker process per study, N at a time): "
    "OUT/<StudyInstanceUID>/ and OUT/summary.csv");
  cmd->add_option("root", o->request.root, "Folder of DICOM studies, searched recursively")
    ->required();
  cmd->add_option("--out", o->request.out, "Output folder")->required();
  cmd->add_option("-j,--jobs", o->request.jobs, "Studies analysed at a time")
    ->capture_default_str();
  addStudyAnalysisOptions(*cmd, *o);
  cmd->add_flag("--resume", o->request.resume, "Skip the studies OUT already holds complete");
  cmd->add_flag(
    "--dicom-out",
    o->request.dicomOut,
    "Also write each study's SEG, SR TID 1500 and Encapsulated PDF (OUT/<study>/dicom/)");
  cmd->add_option("--shard",
                  o->request.shard,
                  "i/N: only the studies whose UID hash modulo N is i (0 <= i < N); merge the "
                  "shard folders with `liverplan merge`");
  cmd->footer("Exit code: 0 all studies ok, 3 some studies failed (see summary.csv), 130 "
              "interrupted (run again with --resume), 2 bad input.\n"
              "Example: liverplan batch /pacs/export --out results -j 2 --plan "
              "right-hemihepatectomy --auto-segments --clinical-csv clinical.csv");
  cmd->callback([o, &exitCode]
                { exitCode = runGuarded([&] { return batchExitCode(runBatchReporting(*o)); }); });

  auto dirs = std::make_shared<std::vector<std::string>>();
  auto mergedOut = std::make_shared<std::string>();
  CLI::App* merge = app.add_subcommand(
    "merge", "Join the study folders of several batch outputs (e.g. shards) into one summary.csv");
  merge->add_option("dirs", *dirs, "Batch output folders")->required();
  merge->add_option("--out", *mergedOut, "Folder for the merged summary.csv")->required();
  merge->callback(
    [dirs, mergedOut, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const std::size_t merged = pipeline::mergeBatches(*dirs, *mergedOut);
          std::printf("merged %zu stud%s from %zu folder(s) into %s/summary.csv\n",
                      merged,
                      merged == 1 ? "y" : "ies",
                      dirs->size(),
                      mergedOut->c_str());
          return ExitOk;
        });
    });
}

} // namespace liver::cli
