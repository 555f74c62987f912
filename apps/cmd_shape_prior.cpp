/// `liverplan shape-prior --masks DIR --out FILE`: the liver shape prior the automatic
/// segmentation fits, built from expert liver masks.

#include "cli_common.h"

#include <liver/segmentation/shape_prior.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace liver::cli
{

void registerShapePrior(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string masks;
    std::string out;
    std::vector<std::string> exclude;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "shape-prior",
    "Build the liver shape prior for automatic segmentation from a folder of expert liver masks");
  cmd->add_option("--masks", options->masks, "Folder of binary liver masks (.nii, .nii.gz, .nrrd)")
    ->required();
  cmd->add_option("--out", options->out, "Prior file to write (.nrrd)")->required();
  cmd->add_option("--exclude",
                  options->exclude,
                  "Leave out masks whose file name contains this text (repeatable; for "
                  "leave-one-out evaluation)");
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          namespace fs = std::filesystem;
          if (!fs::is_directory(options->masks))
            throw InputError(options->masks, "--masks is not a folder");
          std::vector<std::string> paths;
          for (const auto& entry : fs::directory_iterator(options->masks))
          {
            const std::string name = entry.path().filename().string();
            const bool image = name.size() > 4 &&
                               (name.rfind(".nii") == name.size() - 4 ||
                                name.rfind(".nii.gz") == name.size() - 7 ||
                                name.rfind(".nrrd") == name.size() - 5);
            const bool excluded =
              std::any_of(options->exclude.begin(),
                          options->exclude.end(),
                          [&](const std::string& e) { return name.find(e) != std::string::npos; });
            if (entry.is_regular_file() && image && !excluded)
              paths.push_back(entry.path().string());
          }
          if (paths.size() < 3)
            throw InputError(options->masks, "a shape prior needs at least 3 masks, found " +
                             std::to_string(paths.size()));
          const ShapePrior prior = buildShapePrior(paths);
          writeShapePrior(prior, options->out);
          std::printf("shape prior from %d masks, mean std (%.1f, %.1f, %.1f) mm: wrote %s\n",
                      prior.shapes,
                      prior.meanStdMm[0],
                      prior.meanStdMm[1],
                      prior.meanStdMm[2],
                      options->out.c_str());
          return ExitOk;
        });
    });
}

} // namespace liver::cli
