/// `liverplan scan ROOT`: the inventory of a folder of DICOM studies and the series each study
/// would be analysed with, and why — without processing anything.

#include "cli_common.h"

#include <liver/imaging/dicom.h>

#include <CLI/CLI.hpp>

#include <cstdio>

namespace liver::cli
{

void registerScan(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string root;
    std::string json;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "scan", "List the DICOM studies under a folder and the series each would be analysed with");
  cmd->add_option("root", options->root, "Folder searched recursively")->required();
  cmd->add_option("--json", options->json, "Also write the inventory as JSON");
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const std::vector<DicomStudy> studies = groupByStudy(scanDicomDirectory(options->root));
          nlohmann::json j = jsonHeader("dicom-inventory");
          j["root"] = options->root;
          j["studies"] = nlohmann::json::array();
          std::size_t analysable = 0;
          for (const DicomStudy& study : studies)
          {
            const SeriesChoice choice = chooseSeriesForAnalysis(study.series);
            analysable += choice.chosen != nullptr;
            nlohmann::json series = nlohmann::json::array();
            for (const DicomSeries& s : study.series)
            {
              std::string status = "chosen";
              for (const auto& [uid, why] : choice.passedOver)
                if (uid == s.seriesInstanceUid)
                  status = why;
              series.push_back({ { "seriesInstanceUid", s.seriesInstanceUid },
                                 { "seriesNumber", s.seriesNumber },
                                 { "description", s.description },
                                 { "modality", s.modality },
                                 { "files", s.files.size() },
                                 { "frames", s.frameCount },
                                 { "sliceThicknessMm", s.sliceThicknessMm },
                                 { "zExtentMm", s.zExtentMm },
                                 { "axial", s.isAxial },
                                 { "localizer", s.isLocalizer },
                                 { "originalPrimary", s.isOriginalPrimary },
                                 { "portalVenous", s.isPortalVenous },
                                 { "status", status } });
            }
            j["studies"].push_back(
              { { "studyInstanceUid", study.studyInstanceUid },
                { "patientId", study.patientId },
                { "studyDate", study.studyDate },
                { "description", study.description },
                { "chosenSeries",
                  choice.chosen ? nlohmann::json(choice.chosen->seriesInstanceUid)
                                : nlohmann::json(nullptr) },
                { "reason", choice.chosen ? choice.reason : "no series qualifies" },
                { "series", series } });

            std::printf("study %s  patient %s  date %s  %zu series\n",
                        study.studyInstanceUid.c_str(),
                        study.patientId.c_str(),
                        study.studyDate.c_str(),
                        study.series.size());
            for (const DicomSeries& s : study.series)
            {
              const bool chosen = choice.chosen == &s;
              std::string why = "chosen";
              for (const auto& [uid, reason] : choice.passedOver)
                if (uid == s.seriesInstanceUid)
                  why = reason;
              std::printf("  %s #%-4d %-5s %5d slices %6.2f mm %7.1f mm  %-28.28s %s\n",
                          chosen ? "*" : " ",
                          s.seriesNumber,
                          s.modality.c_str(),
                          s.frameCount,
                          s.sliceThicknessMm,
                          s.zExtentMm,
                          s.description.c_str(),
                          why.c_str());
            }
            std::printf("  -> %s\n", choice.chosen ? choice.reason.c_str() : "no series qualifies");
          }
          j["summary"] = { { "studies", studies.size() }, { "analysable", analysable } };
          std::printf("%zu stud%s, %zu analysable\n",
                      studies.size(),
                      studies.size() == 1 ? "y" : "ies",
                      analysable);
          if (!options->json.empty())
            writeJson(options->json, j);
          return ExitOk;
        });
    });
}

} // namespace liver::cli
