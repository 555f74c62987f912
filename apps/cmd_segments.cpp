/// `liverplan segments CT --liver L (--landmarks landmarks.json | --auto) --out DIR`: Couinaud
/// segments 1..8 from landmark planes or as a geometric approximation (OUT/segments.nii.gz and
/// OUT/segments.json).

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/segmentation/couinaud.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

namespace liver::cli
{

void registerSegments(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string ct;
    std::string out;
    std::string landmarks;
    bool automatic = false;
    LabelImportOptions import;
    std::string format = "auto";
    CtLoadOptions load;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "segments",
    "Couinaud segments 1..8 from landmarks (hepatic veins, IVC, portal bifurcation, umbilical "
    "fissure) or as a geometric approximation (writes OUT/segments.nii.gz and segments.json)");
  cmd->add_option("ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--out", options->out, "Output folder")->required();
  auto* landmarks = cmd->add_option(
    "--landmarks", options->landmarks, "landmarks.json in LPS mm (schema in the README)");
  auto* automatic = cmd->add_flag(
    "--auto",
    options->automatic,
    "Approximate the segments from the liver's geometry (and the IVC of --totalseg if present)");
  landmarks->excludes(automatic);
  addLabelImportOptions(*cmd, options->import, options->format);
  addCtLoadOptions(*cmd, options->load);
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          Options& o = *options;
          if (o.landmarks.empty() && !o.automatic)
          {
            std::cerr << "liverplan: error: segments: give --landmarks FILE or --auto\n";
            return static_cast<int>(ExitUsage);
          }
          if (!o.import.segmentsPath.empty())
          {
            std::cerr << "liverplan: error: segments: --segments imports a segment map; this "
                         "command makes one (drop --segments)\n";
            return static_cast<int>(ExitUsage);
          }
          // Everything the user typed is checked before any work or output.
          HepaticLandmarks marks;
          if (!o.landmarks.empty())
            marks = loadLandmarks(o.landmarks);
          o.import.format = parseLabelFormat(o.format);

          const CtVolume ct = loadCtLogged(o.ct, o.load);
          const ImportedLabels imported = importLabelsLogged(o.import, o.format, *ct.image);
          const LiverLabels& labels = imported.labels;
          if (!labels.liver)
            throw InputError("", "segments needs a liver: give --liver or --totalseg");
          const CouinaudResult result =
            o.automatic ? approximateSegments(*labels.liver, labels.vessels.GetPointer())
                        : segmentsFromLandmarks(*labels.liver, marks, o.landmarks);

          nlohmann::json j = jsonHeader("couinaud-segments");
          j["disclaimer"] = DecisionSupportDisclaimer;
          j["ct"] = ctJson(ct);
          j["labels"] = importedLabelsJson(imported);
          if (!o.landmarks.empty())
            j["landmarks"] = o.landmarks;
          j["segments"] = couinaudJson(result);
          j["segmentsFile"] = "segments.nii.gz";

          writeImage(result.segments.GetPointer(), o.out + "/segments.nii.gz");
          writeJson(o.out + "/segments.json", j);

          std::printf("Couinaud segments (%s)\n", toString(result.report.method).c_str());
          for (int s = 1; s <= 8; ++s)
            std::printf("  segment %d  %9.1f mL\n", s, result.report.volumeMl[s]);
          for (const std::string& w : result.report.warnings)
            logWarning("segments: " + w);
          if (result.report.method == SegmentMethod::Approximation)
            logWarning(result.report.description);
          std::printf(
            "wrote %s/segments.nii.gz and %s/segments.json\n", o.out.c_str(), o.out.c_str());
          return static_cast<int>(ExitOk);
        });
    });
}

} // namespace liver::cli
