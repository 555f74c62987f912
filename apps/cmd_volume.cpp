/// `liverplan volume`: label volumes (voxel count and surface), HU statistics and positions.

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/segmentation/liver_labels.h>
#include <liver/volumetry/label_stats.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace liver::cli
{

nlohmann::json labelStatsJson(const LabelStats& s, double surfaceMl)
{
  nlohmann::json j = { { "label", s.label },
                       { "voxelCount", s.voxelCount },
                       { "volumeMl", s.volumeMl },
                       { "meanHu", s.meanHu },
                       { "sdHu", s.sdHu },
                       { "centroidLpsMm", s.centroidLpsMm },
                       { "bboxMinLpsMm", s.bboxMinLpsMm },
                       { "bboxMaxLpsMm", s.bboxMaxLpsMm },
                       { "bboxMinIndex", s.bboxMinIndex },
                       { "bboxMaxIndex", s.bboxMaxIndex } };
  if (surfaceMl >= 0)
  {
    j["surfaceVolumeMl"] = surfaceMl;
    j["surfaceDifferencePercent"] =
      s.volumeMl > 0 ? 100.0 * (surfaceMl - s.volumeMl) / s.volumeMl : 0.0;
  }
  return j;
}

void registerVolume(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string ct;
    std::string labels;
    std::vector<int> only;
    std::string json;
    bool resample = false;
    bool noSurface = false;
    CtLoadOptions load;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "volume", "Volume (mL), mean/SD HU and position of each label of a label map on a CT");
  cmd->add_option("--ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--labels", options->labels, "Label map (.nii/.nii.gz/.nrrd/.mha, any type)")
    ->required();
  cmd->add_option("--label", options->only, "Only these label values (repeatable)")
    ->check(CLI::Range(1, 65535));
  cmd->add_option("--json", options->json, "Write the results as JSON to this file");
  cmd->add_flag("--resample-labels",
                options->resample,
                "Resample labels onto the CT grid (nearest neighbour) when the grids differ");
  cmd->add_flag("--no-surface", options->noSurface, "Skip the surface-based second estimate");
  addCtLoadOptions(*cmd, options->load);
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const CtVolume ct = loadCtLogged(options->ct, options->load);
          const LabelImage::Pointer labels = labelsOnGrid(
            loadLabels(options->labels), *ct.image, options->labels, options->resample);
          const auto all = computeLabelStats(*labels, ct.image.GetPointer());
          if (all.empty())
            throw InputError(options->labels, "empty label map: no voxel has a non-zero label");
          std::vector<std::uint16_t> chosen;
          for (int value : options->only)
          {
            if (all.count(static_cast<std::uint16_t>(value)) == 0)
            {
              std::ostringstream present;
              for (const auto& [label, stats] : all)
                present << (present.tellp() > 0 ? ", " : "") << label;
              throw InputError(options->labels,
                               "label " + std::to_string(value) +
                                 " not present (present: " + present.str() + ")");
            }
            chosen.push_back(static_cast<std::uint16_t>(value));
          }
          if (chosen.empty())
            for (const auto& [label, stats] : all)
              chosen.push_back(label);

          nlohmann::json j = jsonHeader("volume");
          j["ct"] = ctJson(ct);
          j["labelsFile"] = options->labels;
          j["labels"] = nlohmann::json::array();
          std::printf("%6s %10s %12s %12s %8s %9s %7s  %s\n",
                      "label",
                      "voxels",
                      "volume mL",
                      "surface mL",
                      "diff %",
                      "mean HU",
                      "SD HU",
                      "centroid LPS mm");
          for (std::uint16_t label : chosen)
          {
            const LabelStats& s = all.at(label);
            const double surfaceMl = options->noSurface ? -1.0 : surfaceVolumeMl(*labels, label);
            const nlohmann::json row = labelStatsJson(s, surfaceMl);
            j["labels"].push_back(row);
            char surface[32] = "-";
            char difference[32] = "-";
            if (surfaceMl >= 0)
            {
              std::snprintf(surface, sizeof surface, "%.3f", surfaceMl);
              std::snprintf(difference,
                            sizeof difference,
                            "%+.2f",
                            row["surfaceDifferencePercent"].get<double>());
            }
            std::printf("%6u %10llu %12.3f %12s %8s %9.2f %7.2f  (%.1f, %.1f, %.1f)\n",
                        static_cast<unsigned>(label),
                        static_cast<unsigned long long>(s.voxelCount),
                        s.volumeMl,
                        surface,
                        difference,
                        s.meanHu,
                        s.sdHu,
                        s.centroidLpsMm[0],
                        s.centroidLpsMm[1],
                        s.centroidLpsMm[2]);
          }
          if (!options->json.empty())
            writeJson(options->json, j);
          return ExitOk;
        });
    });
}

} // namespace liver::cli
