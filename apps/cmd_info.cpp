/// `liverplan info CT`: what the loader sees — geometry, study, and what it did to the slices.

#include "cli_common.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace liver::cli
{

void registerInfo(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string ct;
    std::string json;
    CtLoadOptions load;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("info", "Load a CT (file or DICOM folder) and describe it");
  cmd->add_option("ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--json", options->json, "Also write the description as JSON");
  addCtLoadOptions(*cmd, options->load);
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          const CtVolume ct = loadCtLogged(options->ct, options->load);
          nlohmann::json j = jsonHeader("ct-info");
          j.update(ctJson(ct));
          const auto& g = j["grid"];
          std::cout << "source     " << ct.load.source << " (" << ct.load.format << ", "
                    << ct.load.fileCount << " file(s))\n"
                    << "size       " << g["size"].dump() << "\n"
                    << "spacing mm " << g["spacingMm"].dump() << "\n"
                    << "origin LPS " << g["originLpsMm"].dump() << "\n"
                    << "direction  " << g["direction"].dump() << "\n";
          if (!ct.study.seriesInstanceUid.empty())
            std::cout << "series     " << ct.study.seriesInstanceUid << " '"
                      << ct.study.seriesDescription << "'\n"
                      << "study      " << ct.study.studyInstanceUid << " date "
                      << ct.study.studyDate << "\n"
                      << "contrast   " << ct.study.contrastPhaseGuess << "\n";
          if (!options->json.empty())
            writeJson(options->json, j);
          return ExitOk;
        });
    });
}

} // namespace liver::cli
