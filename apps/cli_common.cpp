#include "cli_common.h"

#include <liver/pipeline/analysis.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/planning/resection.h>
#include <liver/volumetry/liver_function.h>

#include <CLI/CLI.hpp>
#include <itkMacro.h>

#include <iostream>
#include <stdexcept>

namespace liver::cli
{
namespace
{
bool g_quiet = false;
}

void setQuiet(bool quiet)
{
  g_quiet = quiet;
}

void logInfo(const std::string& message)
{
  if (!g_quiet)
    std::cerr << "liverplan: " << message << '\n';
}

void logWarning(const std::string& message)
{
  std::cerr << "liverplan: warning: " << message << '\n';
}

namespace
{
int fail(int code, const std::string& kind, const std::string& message)
{
  // One line: collapse the multi-line messages ITK produces.
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r')
      c = ' ';
  std::cerr << "liverplan: " << kind << ": " << line << '\n';
  return code;
}
} // namespace

int runGuarded(const std::function<int()>& body)
{
  try
  {
    return body();
  }
  catch (const InputError& e)
  {
    return fail(ExitBadInput, "error", e.what());
  }
  catch (const std::invalid_argument& e)
  {
    return fail(ExitBadInput, "error", e.what());
  }
  catch (const OutputError& e)
  {
    return fail(ExitOutput, "error", e.what());
  }
  catch (const ProcessingError& e)
  {
    return fail(ExitProcessing, "processing failed", e.what());
  }
  catch (const itk::ExceptionObject& e)
  {
    return fail(ExitProcessing, "processing failed", e.GetDescription());
  }
  catch (const std::exception& e)
  {
    return fail(ExitProcessing, "processing failed", e.what());
  }
}

void writeJson(const std::string& path, const nlohmann::json& json)
{
  writeTextFile(path, json.dump(2) + "\n");
}

void addCtLoadOptions(CLI::App& command, CtLoadOptions& options)
{
  command.add_option("--series",
                     options.seriesUid,
                     "DICOM SeriesInstanceUID to load (default: the axial CT series with most "
                     "slices)");
  command.add_flag("--strict",
                   options.strict,
                   "Refuse non-uniform slice spacing, missing slices and gantry tilt instead of "
                   "resampling");
}

void addBodyOptions(CLI::App& command, BodyArgs& body)
{
  auto* height = command.add_option(
    "--height", body.heightCm, "Patient height in cm (with --weight: SLV, sFLR)");
  auto* weight =
    command.add_option("--weight", body.weightKg, "Patient weight in kg (sFLR, FLR/body weight)");
  if (body.heightCm > 0)
    height->capture_default_str();
  if (body.weightKg > 0)
    weight->capture_default_str();
  command.add_option("--bsa-formula", body.bsa, "mosteller or dubois")->capture_default_str();
  command.add_option("--slv-formula", body.slv, "vauthey, urata or heinemann")
    ->capture_default_str();
  command
    .add_option("--liver-condition",
                body.condition,
                "normal, chemotherapy, steatosis, cirrhosis or unknown (sets the sFLR threshold)")
    ->capture_default_str();
}

void applyBodyOptions(const CLI::App& command, const BodyArgs& body, PlanOptions& options)
{
  if (command.count("--height"))
    options.heightCm = body.heightCm;
  if (command.count("--weight"))
    options.weightKg = body.weightKg;
  if (options.heightCm && !options.weightKg)
    throw std::invalid_argument("--height needs --weight (sFLR needs both)");
  if (options.heightCm && options.weightKg)
    bodySurfaceAreaM2(*options.heightCm, *options.weightKg); // checks the ranges
  options.bsaFormula = parseBsaFormula(body.bsa);
  options.slvFormula = parseSlvFormula(body.slv);
  if (command.count("--liver-condition") || options.condition == LiverCondition::Unknown)
    options.condition = parseLiverCondition(body.condition);
}

void addLabelImportOptions(CLI::App& command, LabelImportOptions& options, std::string& format)
{
  command.add_option(
    "--liver",
    options.liverPath,
    "Liver: binary mask, multi-label map, LiTS/MSD map, Slicer .seg.nrrd or DICOM SEG");
  command.add_option("--lesions",
                     options.lesionsPath,
                     "Lesions: binary mask (components become lesions 1..n, largest first) or "
                     "id map");
  command.add_option("--segments", options.segmentsPath, "Couinaud map (1..8)");
  command.add_option(
    "--totalseg", options.totalsegPath, "TotalSegmentator output folder or multi-label file");
  command
    .add_option(
      "--format", format, "How --liver is read: auto, totalseg, lits, slicer, mask or dicom-seg")
    ->capture_default_str();
  command.add_option(
    "--liver-label", options.liverLabel, "The liver's value in a multi-label --liver map");
  command.add_flag("--resample-labels",
                   options.resampleLabels,
                   "Resample label maps on another grid (nearest neighbour)");
}

pipeline::ProgressCallback cliProgress()
{
  return [](const pipeline::ProgressEvent& event)
  {
    if (event.level == pipeline::ProgressLevel::Warning)
      logWarning(event.message);
    else
      logInfo(event.message);
  };
}

ImportedLabels importLabelsLogged(LabelImportOptions& options,
                                  const std::string& format,
                                  const CtImage& grid)
{
  return pipeline::importLabelsReporting(options, format, grid, cliProgress());
}

CtVolume loadCtLogged(const std::string& path, const CtLoadOptions& options)
{
  return pipeline::loadCtReporting(path, options, cliProgress());
}

nlohmann::json ctJson(const CtVolume& ct)
{
  return model::toJson(model::ctRecord(ct));
}

nlohmann::json volumetryJson(const Volumetry& volumetry)
{
  return model::toJson(model::volumetryRecord(volumetry));
}

} // namespace liver::cli
