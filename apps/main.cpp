/// liverplan: liver volumetry and resection planning on CT. One catch site: runGuarded.

#include "cli_common.h"

#include <CLI/CLI.hpp>

#include <dcmtk/config/osconfig.h> // must come first of DCMTK's headers
#include <dcmtk/oflog/oflog.h>

int main(int argc, char** argv)
{
  using namespace liver::cli;
  // DCMTK (DICOM SEG/SR/PDF) logs to stderr: its errors stay visible beside LiverPlan's own
  // one-line message; its warnings about the tolerated quirks of files it reads do not.
  OFLog::configure(OFLogger::ERROR_LOG_LEVEL);
  CLI::App app{ "LiverPlan " LIVERPLAN_VERSION
                " - liver volumetry and resection planning on CT (decision support for a "
                "multidisciplinary team)" };
  app.set_version_flag("--version", LIVERPLAN_VERSION);
  app.require_subcommand(1);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors on stderr");
  app.parse_complete_callback([&quiet] { setQuiet(quiet); });

  int exitCode = ExitOk;
  registerInfo(app, exitCode);
  registerScan(app, exitCode);
  registerView(app, exitCode);
  registerPhantom(app, exitCode);
  registerVolume(app, exitCode);
  registerDemo(app, exitCode);
  registerEvaluate(app, exitCode);
  registerSegment(app, exitCode);
  registerShapePrior(app, exitCode);
  registerPlan(app, exitCode);
  registerAnalyze(app, exitCode);
  registerHypertrophy(app, exitCode);
  registerSegments(app, exitCode);
  registerBatch(app, exitCode);
  registerDecide(app, exitCode);
  registerReport(app, exitCode);
  registerDicomSeg(app, exitCode);
  registerDicomOut(app, exitCode);
  registerPacs(app, exitCode);

  try
  {
    app.parse(argc, argv);
  }
  catch (const CLI::ParseError& e)
  {
    const int code = app.exit(e);
    return code == 0 ? ExitOk : ExitUsage;
  }
  return exitCode;
}
