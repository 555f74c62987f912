/// `liverplan dicom-seg RESULT [--out FILE]`: one DICOM SEG of an analysis (liver, each lesion,
/// Couinaud segments, and per plan its remnant, resected part and ablation zones) that references
/// the CT series it was made on. `liverplan dicom-out RESULT [--out DIR]`: the SEG, the SR TID 1500
/// measurement report and the Encapsulated PDF of report.html, all in the CT's study. Both read
/// result.json through the model and the label and remnant maps beside it (report/dicom_export.h).

#include "cli_common.h"

#include <liver/model/result.h>
#include <liver/report/dicom_export.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace liver::cli
{
namespace
{

namespace fs = std::filesystem;

/// The analysis folder of RESULT (a folder or its result.json).
std::string analysisDir(const std::string& result)
{
  std::error_code ec;
  if (fs::is_directory(result, ec))
    return result;
  const fs::path parent = fs::path(result).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

} // namespace

void registerDicomSeg(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string result;
    std::string out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "dicom-seg",
    "Write a DICOM SEG of an analyze output (liver, lesions, Couinaud segments, each plan's "
    "remnant/resected/ablation) referencing the DICOM CT series it was made on");
  cmd->add_option("result", options->result, "analyze output folder or its result.json")
    ->required();
  cmd->add_option("--out", options->out, "SEG file (default: DIR/dicom/seg.dcm)");
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const Options& o = *options;
          const std::string dir = analysisDir(o.result);
          const std::string out =
            o.out.empty() ? (fs::path(dir) / "dicom" / "seg.dcm").string() : o.out;
          const report::DicomAnalysis analysis =
            report::loadDicomAnalysis(dir, model::readResult(o.result));
          const std::string uid = report::writeAnalysisSeg(analysis, out);
          std::printf("wrote %s (SOPInstanceUID %s, referencing series %s)\n",
                      out.c_str(),
                      uid.c_str(),
                      analysis.source.seriesInstanceUid.c_str());
          return static_cast<int>(ExitOk);
        });
    });
}

} // namespace liver::cli

namespace liver::cli
{

bool isNonDicomImageFile(const std::string& path)
{
  std::string lower = path;
  std::transform(
    lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : { ".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd" })
  {
    const std::string e = ext;
    if (lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

void printDicomExport(const report::DicomExportResult& r)
{
  std::printf("DICOM out into study %s\n", r.studyInstanceUid.c_str());
  std::printf("wrote %s (SEG %s)\n", r.segPath.c_str(), r.segUid.c_str());
  std::printf("wrote %s (SR %s)\n", r.srPath.c_str(), r.srUid.c_str());
  if (r.pdfPath.empty())
    logWarning("no Encapsulated PDF: " + r.pdfSkipped);
  else
    std::printf("wrote %s (PDF %s)\n", r.pdfPath.c_str(), r.pdfUid.c_str());
}

void registerDicomOut(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string result;
    std::string out;
    bool noPdf = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "dicom-out",
    "Write an analyze output as DICOM in its CT's study: SEG (labels and plans), SR TID 1500 "
    "measurement report (volumes, FLR, sFLR, margins, decision) and the report as an "
    "Encapsulated PDF (when Chromium is present)");
  cmd->add_option("result", options->result, "analyze output folder or its result.json")
    ->required();
  cmd->add_option("--out", options->out, "output folder (default: DIR/dicom)");
  cmd->add_flag("--no-pdf", options->noPdf, "do not print and encapsulate report.html");
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const Options& o = *options;
          const std::string dir = analysisDir(o.result);
          report::DicomExportOptions exportOptions;
          exportOptions.pdf = !o.noPdf;
          const report::DicomExportResult r = report::exportAnalysisDicom(
            dir, o.out.empty() ? (fs::path(dir) / "dicom").string() : o.out, exportOptions);
          printDicomExport(r);
          return static_cast<int>(ExitOk);
        });
    });
}

} // namespace liver::cli
