/// `liverplan dicom-seg RESULT [--out FILE]`: one DICOM SEG of an analysis (liver, each lesion,
/// Couinaud segments, and per plan its remnant, resected part and ablation zones) that references
/// the CT series it was made on, from result.json (read through the model) and the label and
/// remnant maps beside it.

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/model/result.h>
#include <liver/segmentation/dicom_seg.h>
#include <liver/segmentation/liver_labels.h>
#include <liver/viewer/report_images.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace liver::cli
{
namespace
{

namespace fs = std::filesystem;

std::array<double, 3> rgb(const Rgb& c)
{
  return { c[0] / 255.0, c[1] / 255.0, c[2] / 255.0 };
}

/// Couinaud segment colours 1..8 (distinct hues; a LiverPlan choice).
constexpr Rgb CouinaudColours[8] = { { 220, 180, 60 },  { 120, 180, 240 }, { 80, 130, 220 },
                                     { 150, 100, 210 }, { 230, 120, 90 },  { 200, 80, 80 },
                                     { 90, 190, 150 },  { 240, 200, 120 } };

std::string algorithmOf(model::LabelOrigin origin, const std::string& what)
{
  return origin == model::LabelOrigin::Automatic ? "LiverPlan " + model::toolVersion()
                                                 : what + " imported by LiverPlan";
}

/// The SEG's segments from the analysis in `dir`: every map is checked to lie on the liver's grid.
std::vector<SegmentToWrite> segmentsOf(const std::string& dir,
                                       const model::AnalysisResult& result,
                                       LabelImage::Pointer& liver)
{
  auto file = [&](const std::string& role) -> std::string
  {
    const auto it = result.files.find(role);
    return it == result.files.end() ? "" : (fs::path(dir) / it->second).string();
  };
  const std::string liverPath = file("liver");
  if (liverPath.empty())
    throw InputError(dir + "/result.json",
                     "files.liver missing: dicom-seg needs the label maps analyze writes");
  liver = loadLabels(liverPath);
  auto onGrid = [&](const std::string& path)
  { return labelsOnGrid(loadLabels(path), *liver, path, false); };

  std::vector<SegmentToWrite> segments;
  const bool liverAutomatic = result.segmentation.liver == model::LabelOrigin::Automatic;
  segments.push_back({ "Liver",
                       "liver incl. intrahepatic vessels and lesions",
                       codes::anatomicalStructure(),
                       codes::liver(),
                       rgb(SliceLiverColour),
                       liverAutomatic,
                       algorithmOf(result.segmentation.liver, "liver"),
                       liver,
                       0 });
  if (const std::string path = file("lesions"); !path.empty())
  {
    LabelImage::Pointer lesions = onGrid(path);
    for (const model::LesionRecord& lesion : result.volumetry.lesions)
      segments.push_back({ "Lesion " + std::to_string(lesion.id),
                           "",
                           codes::morphologicallyAbnormal(),
                           codes::neoplasm(),
                           rgb(LesionLeftColour),
                           result.segmentation.lesions == model::LabelOrigin::Automatic,
                           algorithmOf(result.segmentation.lesions, "lesions"),
                           lesions,
                           static_cast<std::uint16_t>(lesion.id) });
  }
  if (const std::string path = file("segments"); !path.empty())
  {
    LabelImage::Pointer couinaud = onGrid(path);
    const std::string method = result.segments.value("method", std::string("imported"));
    for (int k = 1; k <= 8; ++k)
      segments.push_back({ "Couinaud segment " + std::to_string(k),
                           "method: " + method,
                           codes::anatomicalStructure(),
                           codes::couinaudSegment(k),
                           rgb(CouinaudColours[k - 1]),
                           result.segmentation.segments != model::LabelOrigin::Imported,
                           algorithmOf(result.segmentation.segments, "Couinaud segments"),
                           couinaud,
                           static_cast<std::uint16_t>(k) });
  }
  for (std::size_t i = 0; i < result.plans.size(); ++i)
  {
    const model::PlanRecord& plan = result.plans[i];
    if (plan.remnantFile.empty())
      continue;
    const std::string path = (fs::path(dir) / plan.remnantFile).string();
    LabelImage::Pointer map = onGrid(path);
    const std::string prefix = "Plan " + std::to_string(i + 1) + " ";
    const std::string name = plan.result.name;
    const struct
    {
      const char* part;
      Rgb colour;
      std::uint16_t value;
    } parts[] = { { "remnant", RemnantColour, 1 },
                  { "resected", ResectedColour, 2 },
                  { "ablation zone", AblationColour, 3 } };
    for (const auto& p : parts)
      segments.push_back({ prefix + p.part,
                           name + ": " + p.part,
                           codes::anatomicalStructure(),
                           codes::liver(),
                           rgb(p.colour),
                           true,
                           "LiverPlan " + model::toolVersion() + " plan",
                           map,
                           p.value });
  }
  return segments;
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
          const model::AnalysisResult result = model::readResult(o.result);
          std::error_code ec;
          const std::string dir = fs::is_directory(o.result, ec)
                                    ? o.result
                                    : (fs::path(o.result).parent_path().empty()
                                         ? std::string(".")
                                         : fs::path(o.result).parent_path().string());
          const std::string out =
            o.out.empty() ? (fs::path(dir) / "dicom" / "seg.dcm").string() : o.out;
          if (result.ct.load.format.rfind("dicom", 0) != 0)
            throw InputError(dir + "/result.json",
                             "ct.load.format is \"" + result.ct.load.format +
                               "\": a DICOM SEG references a DICOM CT series");
          LabelImage::Pointer liver;
          const std::vector<SegmentToWrite> segments = segmentsOf(dir, result, liver);
          const DicomSourceSeries source =
            findDicomSourceSeries(result.ct.load.source, result.ct.study.seriesInstanceUid, *liver);
          DicomSegWriteOptions options;
          options.softwareVersion = model::toolVersion();
          options.sliceThicknessMm = result.ct.study.sliceThicknessMm;
          const std::string uid = writeDicomSegmentation(segments, source, *liver, out, options);
          std::printf("wrote %s (SOPInstanceUID %s, referencing series %s)\n",
                      out.c_str(),
                      uid.c_str(),
                      source.seriesInstanceUid.c_str());
          return static_cast<int>(ExitOk);
        });
    });
}

} // namespace liver::cli
