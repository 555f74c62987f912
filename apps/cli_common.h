#pragma once
/// Shared pieces of the liverplan subcommands: exit codes, logging facade, JSON helpers.

#include <liver/imaging/io.h>
#include <liver/model/result.h>
#include <liver/pipeline/progress.h>
#include <liver/pipeline/segmentation_json.h>
#include <liver/segmentation/contrast_phase.h>
#include <liver/segmentation/couinaud.h>
#include <liver/segmentation/label_import.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>
#include <liver/segmentation/quality_control.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/volumetry.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace CLI
{
class App;
}

namespace liver
{
struct PlanOptions; // liver/planning/resection.h
}
namespace liver::report
{
struct DicomExportResult; // liver/report/dicom_export.h
}

namespace liver::cli
{

/// Exit codes documented in the README.
enum ExitCode : int
{
  ExitOk = 0,
  ExitUsage = 1,      ///< bad command line
  ExitBadInput = 2,   ///< an input file or value cannot be used
  ExitProcessing = 3, ///< valid input, but a step could not produce a valid result
  ExitOutput = 4      ///< an output could not be written
};

/// Every output says what it is: decision support, not an order (DESIGN.md §3).
using model::DecisionSupportDisclaimer;

/// Log facade: messages go to stderr; stdout is kept for results.
void logInfo(const std::string& message);
void logWarning(const std::string& message);
void setQuiet(bool quiet);

/// The pipeline's progress as the CLI's log: steps as info, warnings as warnings.
pipeline::ProgressCallback cliProgress();

/// Run a subcommand body, mapping exceptions to exit codes with a one-line message.
int runGuarded(const std::function<int()>& body);

/// JSON header every output carries: tool, version, units and coordinate convention.
using model::jsonHeader;

/// Serialize and write JSON atomically.
void writeJson(const std::string& path, const nlohmann::json& json);

/// Add --series and --strict (DICOM loading options) to a subcommand.
void addCtLoadOptions(CLI::App& command, CtLoadOptions& options);

/// The patient's body measurements and the formulas and liver condition to use with them.
struct BodyArgs
{
  double heightCm = 0.0; ///< 0 = not given
  double weightKg = 0.0; ///< 0 = not given
  std::string bsa = "mosteller";
  std::string slv = "vauthey";
  std::string condition = "unknown";
};

/// Add --height, --weight, --bsa-formula, --slv-formula and --liver-condition; non-zero height
/// and weight in `body` are shown as defaults.
void addBodyOptions(CLI::App& command, BodyArgs& body);

/// The body options given on `command` into `options`: height and weight when given (--height
/// needs --weight; ranges checked), the formulas, and the liver condition when given or when
/// `options` has none yet. std::invalid_argument naming the option for bad values.
void applyBodyOptions(const CLI::App& command, const BodyArgs& body, PlanOptions& options);

/// Add the label import options (--liver, --lesions, --segments, --totalseg, --format,
/// --liver-label, --resample-labels) to a subcommand; `format` receives --format's text.
void addLabelImportOptions(CLI::App& command, LabelImportOptions& options, std::string& format);

/// Import the labels the options name onto the CT's grid, logging the import notes.
ImportedLabels importLabelsLogged(LabelImportOptions& options,
                                  const std::string& format,
                                  const CtImage& grid);

/// Load a CT, logging what the loader did (warnings, series choice).
CtVolume loadCtLogged(const std::string& path, const CtLoadOptions& options);

/// The CT's provenance and geometry as JSON: source, format, grid, study, loader warnings.
nlohmann::json ctJson(const CtVolume& ct);

/// The segmentation module's reports as JSON (liver/pipeline/segmentation_json.h).
using pipeline::contrastPhaseJson;
using pipeline::couinaudJson;
using pipeline::importedLabelsJson;
using pipeline::labelsRecord;
using pipeline::lesionDetectionJson;
using pipeline::qualityControlJson;
using pipeline::segmentationReportJson;
using pipeline::segmentReportJson;

/// Each subcommand registers itself on `app`; its callback stores its exit code in `exitCode`.
void registerInfo(CLI::App& app, int& exitCode);
void registerScan(CLI::App& app, int& exitCode);
void registerView(CLI::App& app, int& exitCode);
void registerPhantom(CLI::App& app, int& exitCode);
void registerVolume(CLI::App& app, int& exitCode);
void registerDemo(CLI::App& app, int& exitCode);
void registerEvaluate(CLI::App& app, int& exitCode);
void registerSegment(CLI::App& app, int& exitCode);
void registerShapePrior(CLI::App& app, int& exitCode);
void registerPlan(CLI::App& app, int& exitCode);
void registerAnalyze(CLI::App& app, int& exitCode);
void registerHypertrophy(CLI::App& app, int& exitCode);
void registerSegments(CLI::App& app, int& exitCode);
void registerBatch(CLI::App& app, int& exitCode); // also registers `merge`
void registerDecide(CLI::App& app, int& exitCode);
void registerReport(CLI::App& app, int& exitCode);
void registerDicomSeg(CLI::App& app, int& exitCode); ///< cmd_dicom_seg.cpp
void registerDicomOut(CLI::App& app, int& exitCode); ///< cmd_dicom_seg.cpp
void registerPacs(CLI::App& app, int& exitCode);     ///< cmd_pacs.cpp

/// Whether `path` names a NIfTI, NRRD or MetaImage file by its extension (not a DICOM CT).
bool isNonDicomImageFile(const std::string& path);

/// What `dicom-out` / `--dicom-out` wrote, on stdout; a skipped PDF as a warning.
void printDicomExport(const report::DicomExportResult& result);

/// Whole-liver volumetry as JSON (the model's form).
nlohmann::json volumetryJson(const Volumetry& volumetry);

/// One label's statistics as JSON; `surfaceMl` < 0 leaves the surface estimate out.
nlohmann::json labelStatsJson(const LabelStats& stats, double surfaceMl);

} // namespace liver::cli
