/// `liverplan segment CT --out DIR`: automatic liver segmentation, with every decision in JSON.

#include "cli_common.h"

#include <liver/segmentation/contrast_phase.h>
#include <liver/segmentation/label_import.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>
#include <liver/segmentation/slicer_export.h>
#include <liver/volumetry/volumetry.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

namespace liver::cli
{

void registerSegment(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string ct;
    std::string out;
    std::vector<std::vector<double>> seeds;
    CtLoadOptions load;
    LiverSegmentationOptions segmentation;
    LabelImportOptions import;
    std::string format = "auto";
    bool detectLesions = false;
    bool slicerSegmentation = false;
    LesionSegmentationOptions lesions;
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
  cmd->add_option("--shape-prior",
                  options->segmentation.shapePriorPath,
                  "Liver shape prior file from `liverplan shape-prior` ('none' = no prior; "
                  "default: $LIVERPLAN_SHAPE_PRIOR, else the installed or built one)");
  addLabelImportOptions(*cmd, options->import, options->format);
  cmd->add_flag("--seg-nrrd",
                options->slicerSegmentation,
                "Also write OUT/segmentation.seg.nrrd for 3D Slicer: the liver by Couinaud segment "
                "and each lesion, named and coloured");
  cmd->add_flag("--detect-lesions",
                options->detectLesions,
                "Also detect lesions automatically when lesions are imported, and merge them");
  cmd->add_flag(
    "--hyperdense-lesions",
    options->lesions.hyperdense,
    "Detect lesions brighter than the liver (hypervascular metastases) instead of darker");
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
          const ImportedLabels imported =
            importLabelsLogged(options->import, options->format, *ct.image);
          j["imported"] = importedLabelsJson(imported);

          LiverLabels labels = imported.labels;
          if (labels.liver)
            j["liver"] = { { "method", "imported" } };
          else
          {
            try
            {
              LiverSegmentation automatic = segmentLiver(*ct.image, options->segmentation);
              for (const std::string& step : automatic.report.steps)
                logInfo(step);
              labels.liver = automatic.liver;
              j["liver"] = segmentationReportJson(automatic.report);
              j["liver"]["method"] = "automatic";
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
          }
          const ContrastPhaseEstimate phase = estimateContrastPhase(*ct.image, *labels.liver);
          logInfo("contrast phase: " + toString(phase.phase) + " (" + phase.how + ")");
          j["contrastPhase"] = contrastPhaseJson(phase);
          if (!labels.lesions || options->detectLesions)
          {
            // An imported liver is the user's: lesions stay inside it.
            LesionSegmentationOptions lesionOptions = options->lesions;
            lesionOptions.completeAtSurface = !imported.labels.liver;
            lesionOptions.phase = toString(phase.phase);
            const LesionSegmentation detected =
              segmentLesions(*ct.image, *labels.liver, lesionOptions);
            for (const std::string& step : detected.report.steps)
              logInfo(step);
            j["lesionDetection"] = lesionDetectionJson(detected);
            // Tumours belong to the liver: the parts of lesions the automatic liver's surface cut
            // are added to it.
            addLesionsToLiver(*labels.liver, detected);
            labels.lesions = labels.lesions ? mergeLesionMaps(*labels.lesions, *detected.lesions)
                                            : detected.lesions;
          }
          const Volumetry volumetry = measureLiver(labels, *ct.image);
          QualityControlOptions qcOptions;
          qcOptions.phase = phase.phase;
          const QualityControl qc = checkSegmentationQuality(
            *ct.image, *labels.liver, labels.lesions.GetPointer(), qcOptions);
          j["qualityControl"] = qualityControlJson(qc);
          j["status"] = "ok";
          j["volumetry"] = volumetryJson(volumetry);
          j["files"] = { { "liver", "liver.nii.gz" }, { "lesions", "lesions.nii.gz" } };
          if (labels.segments)
            j["files"]["segments"] = "segments.nii.gz";
          if (labels.vessels)
            j["files"]["vessels"] = "vessels.nii.gz";
          if (options->slicerSegmentation)
            j["files"]["slicerSegmentation"] = "segmentation.seg.nrrd";
          j["seconds"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          writeImage(labels.liver.GetPointer(), options->out + "/liver.nii.gz");
          writeImage(labels.lesions.GetPointer(), options->out + "/lesions.nii.gz");
          if (labels.segments)
            writeImage(labels.segments.GetPointer(), options->out + "/segments.nii.gz");
          if (labels.vessels)
            writeImage(labels.vessels.GetPointer(), options->out + "/vessels.nii.gz");
          if (options->slicerSegmentation)
            writeSlicerLayers(slicerSegmentationOf(labels),
                              options->out + "/segmentation.seg.nrrd");
          writeJson(options->out + "/segmentation.json", j);
          std::printf("quality control: %s\n", qc.status.c_str());
          for (const std::string& reason : qc.reasons)
            std::printf("  review: %s\n", reason.c_str());
          std::printf("liver %.1f mL (%s), %zu lesion(s), %.1f mL tumour\n",
                      volumetry.totalLiverMl,
                      j["liver"]["method"].get<std::string>().c_str(),
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
