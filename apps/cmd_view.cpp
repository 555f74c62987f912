/// `liverplan view CT --liver L --screenshot out.png`: an off-screen 3D snapshot of the liver and
/// its lesions (the interactive window comes with the viewer issue).

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/viewer/snapshot.h>

#include <CLI/CLI.hpp>

#include <cstdio>

namespace liver::cli
{

void registerView(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string ct;
    std::string screenshot;
    std::string view = "anterior";
    std::string size = "800x600";
    CtLoadOptions load;
    LabelImportOptions import;
    std::string format = "auto";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "view",
    "Render the liver and its lesions in 3D off-screen to a PNG (needs an X display: "
    "use xvfb-run -a on a server)");
  cmd->add_option("ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--screenshot", options->screenshot, "PNG to write")->required();
  cmd->add_option("--view", options->view, "anterior, posterior or superior")
    ->capture_default_str();
  cmd->add_option("--size", options->size, "Image size WxH in pixels")->capture_default_str();
  addLabelImportOptions(*cmd, options->import, options->format);
  addCtLoadOptions(*cmd, options->load);
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          SnapshotOptions snapshot;
          snapshot.view = parseSnapshotView(options->view);
          unsigned width = 0, height = 0;
          char extra = 0;
          if (std::sscanf(options->size.c_str(), "%ux%u%c", &width, &height, &extra) != 2)
            throw std::invalid_argument("--size must be WxH, e.g. 800x600 (got '" + options->size +
                                        "')");
          snapshot.widthPx = width;
          snapshot.heightPx = height;
          const CtVolume ct = loadCtLogged(options->ct, options->load);
          const ImportedLabels imported =
            importLabelsLogged(options->import, options->format, *ct.image);
          if (!imported.labels.liver)
            throw InputError("", "view needs a liver: give --liver or --totalseg");
          renderSnapshot(*imported.labels.liver,
                         imported.labels.lesions.GetPointer(),
                         snapshot,
                         options->screenshot);
          std::printf("wrote %s (%s view, %ux%u)\n",
                      options->screenshot.c_str(),
                      options->view.c_str(),
                      width,
                      height);
          return ExitOk;
        });
    });
}

} // namespace liver::cli
