/// `liverplan segment CT --out DIR`: automatic liver segmentation, with every decision in JSON.

#include "cli_common.h"

#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>
#include <liver/volumetry/volumetry.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

namespace liver::cli
{

nlohmann::json segmentationReportJson(const LiverSegmentationReport& r)
{
  return { { "workingSpacingMm", r.workingSpacingMm },
           { "bodyVolumeMl", r.bodyVolumeMl },
           { "lungsFound", r.lungsFound },
           { "lungBaseZMm", r.lungBaseZMm },
           { "priorZRangeMm", r.priorZRangeMm },
           { "huMode", r.huMode },
           { "huSigma", r.huSigma },
           { "huBand", { r.huLow, r.huHigh } },
           { "componentsAfterErosion", r.componentsAfterErosion },
           { "choice", r.choice },
           { "chosenComponentMl", r.chosenComponentMl },
           { "chosenCentroidLpsMm", r.chosenCentroidLpsMm },
           { "liverVolumeMl", r.volumeMl },
           { "steps", r.steps } };
}

void registerSegment(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string ct;
    std::string out;
    std::vector<std::vector<double>> seeds;
    CtLoadOptions load;
    LiverSegmentationOptions segmentation;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "segment",
    "Segment the liver automatically (writes OUT/liver.nii.gz and OUT/segmentation.json)");
  cmd->add_option("ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--out", options->out, "Output folder")->required();
  cmd
    ->add_option("--seed",
                 options->seeds,
                 "A point inside the liver, x,y,z in LPS mm (repeatable): makes it semi-automatic")
    ->delimiter(',')
    ->expected(1, 100);
  cmd
    ->add_option(
      "--working-spacing", options->segmentation.workingSpacingMm, "Working grid spacing in mm")
    ->capture_default_str()
    ->check(CLI::Range(0.5, 5.0));
  addCtLoadOptions(*cmd, options->load);
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const auto started = std::chrono::steady_clock::now();
          for (const auto& s : options->seeds)
          {
            if (s.size() != 3)
              throw std::invalid_argument("--seed takes x,y,z in LPS mm");
            options->segmentation.seedsLpsMm.push_back({ s[0], s[1], s[2] });
          }
          const CtVolume ct = loadCtLogged(options->ct, options->load);
          nlohmann::json j = jsonHeader("segmentation");
          j["ct"] = ctJson(ct);
          LiverSegmentation result;
          try
          {
            result = segmentLiver(*ct.image, options->segmentation);
          }
          catch (const LiverSegmentationError& e)
          {
            // The reasons are the output a user needs here: write them, but no mask.
            for (const std::string& step : e.report().steps)
              logInfo(step);
            j["status"] = "failed";
            j["reason"] = e.what();
            j["liver"] = segmentationReportJson(e.report());
            writeJson(options->out + "/segmentation.json", j);
            throw;
          }
          for (const std::string& step : result.report.steps)
            logInfo(step);
          const LesionSegmentation lesions = segmentLesions(*ct.image, *result.liver);
          for (const std::string& step : lesions.report.steps)
            logInfo(step);
          const Volumetry volumetry =
            measureLiver({ result.liver, lesions.lesions, nullptr, nullptr }, *ct.image);
          j["status"] = "ok";
          j["liver"] = segmentationReportJson(result.report);
          j["lesionDetection"] = { { "liverMedianHu", lesions.report.liverMedianHu },
                                   { "liverSigmaHu", lesions.report.liverSigmaHu },
                                   { "coreThresholdHu", lesions.report.coreThresholdHu },
                                   { "candidates", lesions.report.candidates },
                                   { "rejectedSmall", lesions.report.rejectedSmall },
                                   { "rejectedElongated", lesions.report.rejectedElongated },
                                   { "steps", lesions.report.steps } };
          j["volumetry"] = volumetryJson(volumetry);
          j["files"] = { { "liver", "liver.nii.gz" } };
          j["seconds"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          writeImage(result.liver.GetPointer(), options->out + "/liver.nii.gz");
          writeImage(lesions.lesions.GetPointer(), options->out + "/lesions.nii.gz");
          writeJson(options->out + "/segmentation.json", j);
          std::printf("liver %.1f mL (HU band %.0f..%.0f), %zu lesion(s), %.1f mL tumour\n",
                      volumetry.totalLiverMl,
                      result.report.huLow,
                      result.report.huHigh,
                      volumetry.lesions.size(),
                      volumetry.tumourMl);
          for (const LesionMeasurement& l : volumetry.lesions)
            std::printf("  lesion %d: %.2f mL, %.1f mm, mean %.0f HU, at (%.0f, %.0f, %.0f) mm\n",
                        l.id,
                        l.volumeMl,
                        l.maxDiameterMm,
                        l.meanHu,
                        l.centroidLpsMm[0],
                        l.centroidLpsMm[1],
                        l.centroidLpsMm[2]);
          std::printf("wrote %s/liver.nii.gz, lesions.nii.gz, segmentation.json\n",
                      options->out.c_str());
          return ExitOk;
        });
    });
}

} // namespace liver::cli
