/// `liverplan report RESULT_JSON [--out report.html] [--render-images]`: report.html again from
/// an existing result.json, embedding the images it lists (or renders them again).

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/report/report.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace liver::cli
{

using namespace liver::report; // the report library's functions and types
namespace
{

namespace fs = std::filesystem;

/// `relative` as given when it exists, else under `dir`.
std::string locate(const std::string& dir, const std::string& relative)
{
  std::error_code ec;
  if (fs::path(relative).is_relative() && !fs::exists(relative, ec))
    return (fs::path(dir) / relative).string();
  return relative;
}

/// The images of `result` rendered again from the CT it names and the label files beside it.
std::vector<ReportImage> renderAgain(const std::string& dir, const model::AnalysisResult& result)
{
  const std::string& ctPath = result.ct.load.source;
  if (ctPath.empty())
    throw InputError("", "result.json names no CT (ct.load.source): cannot render the images");
  CtLoadOptions load;
  load.seriesUid = result.ct.study.seriesInstanceUid;
  const CtVolume volume = loadCtLogged(locate(dir, ctPath), load);

  // The labels analyze wrote beside result.json, else the label files plan imported (a liver
  // from any single map but TotalSegmentator's; lesions only from an id map, whose ids are
  // those of result.json).
  auto labelFile = [&](const std::string& role) -> std::string
  {
    const auto file = result.files.find(role);
    if (file != result.files.end())
      return (fs::path(dir) / file->second).string();
    for (const model::LabelSourceRecord& s : result.labels.sources)
      if (s.role == role &&
          (role == "liver" ? s.format != "totalsegmentator" : s.format == "id-map"))
        return locate(dir, s.path);
    return "";
  };
  LiverLabels labels;
  for (const auto& [role, image] :
       { std::pair<std::string, LabelImage::Pointer*>{ "liver", &labels.liver },
         { "lesions", &labels.lesions } })
  {
    const std::string path = labelFile(role);
    if (!path.empty())
      *image = labelsOnGrid(loadLabels(path), *volume.image, path, false);
  }
  std::vector<LabelImage::Pointer> remnantMaps;
  for (const model::PlanRecord& plan : result.plans)
  {
    const std::string& file = plan.remnantFile;
    const fs::path path = fs::path(dir) / file;
    std::error_code ec;
    if (file.empty() || !fs::exists(path, ec))
    {
      logWarning("report: no remnant map for plan \"" + plan.result.name +
                 "\": its images are left out");
      remnantMaps.push_back(nullptr);
      continue;
    }
    remnantMaps.push_back(labelsOnGrid(loadLabels(path.string()), *volume.image, file, false));
  }
  return renderReportImages(dir, result, *volume.image, labels, remnantMaps, logWarning);
}

} // namespace

void registerReport(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string result;
    std::string out;
    bool renderImages = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "report",
    "Write report.html (self-contained, printable) from an existing result.json of analyze, plan "
    "or demo, embedding the images it lists from DIR/images/");
  cmd->add_option("result", options->result, "result.json")->required();
  cmd->add_option("--out", options->out, "Report file (default: report.html beside result.json)");
  cmd->add_flag("--render-images",
                options->renderImages,
                "Render the images again into DIR/images/ from the CT result.json names and the "
                "label and remnant maps beside it (3D views need an X display: xvfb-run -a)");
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const Options& o = *options;
          const model::AnalysisResult result = model::readResult(o.result);
          const std::string dir = fs::path(o.result).parent_path().empty()
                                    ? std::string(".")
                                    : fs::path(o.result).parent_path().string();
          const std::string out = o.out.empty() ? (fs::path(dir) / "report.html").string() : o.out;
          const std::vector<ReportImage> images =
            o.renderImages ? renderAgain(dir, result) : loadReportImages(dir, result);
          model::AnalysisResult withInputs = result;
          if (result.inputFiles.empty())
          {
            withInputs.inputFiles = inputDigests(result, dir);
            withInputs.inputFilesHashedBy = "report";
          }
          std::size_t embedded = 0;
          for (const ReportImage& image : images)
          {
            if (!image.png.empty())
              ++embedded;
            else if (!o.renderImages) // renderReportImages has already warned
              logWarning("report: " + (image.file.empty() ? image.caption : image.file) + ": " +
                         image.skipped);
          }
          writeTextFile(out, renderReportHtml(withInputs, images));
          std::printf("wrote %s (%zu image(s) embedded)\n", out.c_str(), embedded);
          return static_cast<int>(ExitOk);
        });
    });
}

} // namespace liver::cli
