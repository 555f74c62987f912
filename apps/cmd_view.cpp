/// `liverplan view CT --liver L [--plan ...]`: the interactive planner window (3D view, slices,
/// a movable cut plane with live FLR); with `--screenshot out.png` an off-screen 3D snapshot of
/// the liver and its lesions instead.

#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/pipeline/analysis.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/viewer/plan_window.h>
#include <liver/viewer/report_images.h>
#include <liver/viewer/snapshot.h>
#include <liver/volumetry/liver_function.h>

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace liver::cli
{

namespace
{

/// What `view --result` takes from an `analyze` output: the plans (by their canonical specs and
/// names), the label files when no label option was given (its lesion id map into
/// `savedLesions`), and the body and liver condition.
model::SegmentationProvenance useAnalysis(const std::string& path,
                                          LabelImportOptions& import,
                                          std::string& savedLesions,
                                          std::vector<ResectionPlan>& plans,
                                          PlanOptions& planOptions,
                                          bool conditionGiven)
{
  namespace fs = std::filesystem;
  const fs::path file = fs::is_directory(path) ? fs::path(path) / "result.json" : fs::path(path);
  const model::AnalysisResult result = model::readResult(file.string());
  for (const model::PlanRecord& p : result.plans)
  {
    ResectionPlan plan = p.plan;
    plan.name = p.result.name;
    plans.push_back(plan);
  }
  const fs::path folder = file.parent_path();
  const bool labelsGiven = !import.liverPath.empty() || !import.totalsegPath.empty();
  const auto fileOf = [&](const std::string& role)
  {
    const auto found = result.files.find(role);
    return found == result.files.end() ? std::string() : (folder / found->second).string();
  };
  if (!labelsGiven && !fileOf("liver").empty())
  {
    import.liverPath = fileOf("liver");
    if (import.lesionsPath.empty())
      savedLesions = fileOf("lesions"); // read with its ids as saved (useSavedLesionIds)
    if (import.segmentsPath.empty())
      import.segmentsPath = fileOf("segments");
  }
  if (result.body && result.body->heightCm && result.body->weightKg)
  {
    planOptions.heightCm = result.body->heightCm;
    planOptions.weightKg = result.body->weightKg;
  }
  if (!conditionGiven)
    planOptions.condition = result.liverCondition;
  return labelsGiven ? model::SegmentationProvenance{} : result.segmentation;
}

} // namespace

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
    std::vector<std::string> plans;
    std::string planFile;
    std::string result; ///< an `analyze` output folder or its result.json
    BodyArgs body;
    std::string plane;
    std::string vessels;
    std::string savePlan = "plan.json";
    std::string replay;
    std::string record;
    std::string reviewFolder = "reviewed";
    std::string reviewer;
    std::string brushHu;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "view",
    "Open the interactive planner: 3D view, axial/coronal/sagittal slices and a movable cut "
    "plane with live remnant, FLR and margins (needs an X display); with --screenshot, render "
    "the liver and its lesions off-screen to a PNG instead (use xvfb-run -a on a server)");
  cmd->add_option("ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--screenshot", options->screenshot, "PNG to write (off-screen, no window)");
  cmd
    ->add_option(
      "--view",
      options->view,
      "anterior, posterior, superior, or axial:Z (a slice at LPS z mm, no X needed) (--screenshot)")
    ->capture_default_str();
  auto* size = cmd
                 ->add_option("--size",
                              options->size,
                              "Image size WxH in pixels (the window: 1400x900 unless given)")
                 ->capture_default_str();
  addLabelImportOptions(*cmd, options->import, options->format);
  addCtLoadOptions(*cmd, options->load);
  cmd->add_option("--plan",
                  options->plans,
                  "A plan to show (repeatable; the forms of `liverplan plan --plan`; n/p switch)");
  cmd->add_option("--plan-file", options->planFile, "Plans as JSON (schema in the README)");
  cmd->add_option("--result",
                  options->result,
                  "An `analyze` output folder (or its result.json): its plans (n/p switch), and "
                  "its liver, lesions and segments and the patient's height and weight unless "
                  "given here");
  cmd->add_option("--vessels", options->vessels, "Vessel mask (non-zero = vessel) to show");
  addBodyOptions(*cmd, options->body);
  cmd->add_option("--plane",
                  options->plane,
                  "Initial cut plane \"x,y,z;nx,ny,nz\" (LPS mm; the normal's side is resected), "
                  "shown first as its own plan");
  cmd->add_option("--save-plan", options->savePlan, "Where the w key writes the current plan")
    ->capture_default_str();
  cmd->add_option("--replay",
                  options->replay,
                  "Play a recorded event log (vtkInteractorEventRecorder) off-screen, print the "
                  "final results text and exit");
  cmd->add_option("--record", options->record, "Record the interaction to this event log");
  cmd
    ->add_option("--review-out",
                 options->reviewFolder,
                 "Edit mode (key m): where `l` saves the corrected liver/lesions/segments "
                 "(NIfTI), segmentation.seg.nrrd and edits.json (re-run them with `liverplan "
                 "plan/analyze --review FOLDER/edits.json`)")
    ->capture_default_str();
  cmd->add_option("--reviewer",
                  options->reviewer,
                  "Who reviews the segmentation (recorded with a saved review; default $USER)");
  cmd->add_option("--brush-hu",
                  options->brushHu,
                  "Edit mode: the threshold-limited brush's HU range \"LO,HI\" (key h; default "
                  "-50,250): the brush changes only voxels with LO <= HU <= HI");
  cmd->callback(
    [options, cmd, size, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          Options& o = *options;
          unsigned width = 0, height = 0;
          char extra = 0;
          if (std::sscanf(o.size.c_str(), "%ux%u%c", &width, &height, &extra) != 2)
            throw std::invalid_argument("--size must be WxH, e.g. 800x600 (got '" + o.size + "')");
          if (!o.screenshot.empty() && o.view.rfind("axial:", 0) == 0)
          {
            // An axial slice through z (LPS mm) with the liver and lesion outlines: drawn in
            // memory, no X display needed.
            char* end = nullptr;
            const std::string zText = o.view.substr(6);
            const double zMm = std::strtod(zText.c_str(), &end);
            if (zText.empty() || *end != '\0' || !std::isfinite(zMm))
              throw std::invalid_argument("--view axial:Z needs Z in LPS mm (got '" + o.view +
                                          "')");
            const CtVolume ct = loadCtLogged(o.ct, o.load);
            const ImportedLabels imported = importLabelsLogged(o.import, o.format, *ct.image);
            SliceOverlays overlays;
            overlays.liver = imported.labels.liver.GetPointer();
            overlays.lesions = imported.labels.lesions.GetPointer();
            AxialSliceOptions slice;
            slice.widthPx = width;
            // The slice's centre in x and y: the middle of the CT (the field of view follows the
            // liver when there is one).
            const auto size = ct.image->GetLargestPossibleRegion().GetSize();
            CtImage::IndexType middle;
            for (unsigned a = 0; a < 3; ++a)
              middle[a] = static_cast<itk::IndexValueType>(size[a] / 2);
            CtImage::PointType centre;
            ct.image->TransformIndexToPhysicalPoint(middle, centre);
            const AxialSliceGeometry g = renderAxialSlice(
              *ct.image, overlays, { centre[0], centre[1], zMm }, slice, o.screenshot);
            std::printf("wrote %s (axial slice at z %.1f mm, %ux%u)\n",
                        o.screenshot.c_str(),
                        g.zLpsMm,
                        g.widthPx,
                        g.heightPx);
            return ExitOk;
          }
          if (!o.screenshot.empty())
          {
            SnapshotOptions snapshot;
            snapshot.view = parseSnapshotView(o.view);
            snapshot.widthPx = width;
            snapshot.heightPx = height;
            const CtVolume ct = loadCtLogged(o.ct, o.load);
            const ImportedLabels imported = importLabelsLogged(o.import, o.format, *ct.image);
            if (!imported.labels.liver)
              throw InputError("", "view needs a liver: give --liver or --totalseg");
            LabelImage::Pointer vessels;
            if (!o.vessels.empty())
              vessels =
                labelsOnGrid(loadLabels(o.vessels), *ct.image, o.vessels, o.import.resampleLabels);
            renderSnapshot(*imported.labels.liver,
                           imported.labels.lesions.GetPointer(),
                           snapshot,
                           o.screenshot,
                           vessels.GetPointer());
            std::printf(
              "wrote %s (%s view, %ux%u)\n", o.screenshot.c_str(), o.view.c_str(), width, height);
            return ExitOk;
          }

          // The interactive window: check everything typed, then the display, before loading.
          std::vector<ResectionPlan> plans;
          if (!o.plane.empty())
          {
            ResectionPlan p = parsePlanSpec("plane:" + o.plane);
            p.name = "plane";
            plans.push_back(p);
          }
          for (const std::string& spec : o.plans)
            plans.push_back(parsePlanSpec(spec));
          if (!o.planFile.empty())
            for (const ResectionPlan& p : loadPlanFile(o.planFile))
              plans.push_back(p);
          PlanOptions planOptions;
          model::SegmentationProvenance provenance;
          std::string savedLesions;
          if (!o.result.empty())
            provenance = useAnalysis(o.result,
                                     o.import,
                                     savedLesions,
                                     plans,
                                     planOptions,
                                     cmd->count("--liver-condition"));
          applyBodyOptions(*cmd, o.body, planOptions);
          std::pair<double, double> brushHu = PlanWindowOptions{}.brushHuRange;
          if (!o.brushHu.empty())
          {
            char extra = 0;
            if (std::sscanf(
                  o.brushHu.c_str(), "%lf,%lf%c", &brushHu.first, &brushHu.second, &extra) != 2 ||
                !std::isfinite(brushHu.first) || !std::isfinite(brushHu.second) ||
                !(brushHu.first < brushHu.second))
              throw std::invalid_argument("--brush-hu must be LO,HI in HU with LO < HI, e.g. "
                                          "-50,250 (got '" +
                                          o.brushHu + "')");
          }
          std::string events;
          if (!o.replay.empty())
          {
            std::ifstream in(o.replay, std::ios::binary);
            if (!in)
              throw InputError(o.replay, "cannot read the event log");
            std::ostringstream text;
            text << in.rdbuf();
            events = text.str();
          }
          if (!xDisplayAvailable())
            throw ProcessingError("view: no X display (DISPLAY is unset or unreachable): the "
                                  "window needs one; use --screenshot under `xvfb-run -a` on a "
                                  "server");

          const CtVolume ct = loadCtLogged(o.ct, o.load);
          ImportedLabels imported = importLabelsLogged(o.import, o.format, *ct.image);
          if (!imported.labels.liver)
            throw InputError("", "view needs a liver: give --liver or --totalseg");
          if (!savedLesions.empty())
            pipeline::useSavedLesionIds(imported, savedLesions, *ct.image, "the analysis");
          LiverLabels labels = imported.labels;
          if (!o.vessels.empty())
            labels.vessels =
              labelsOnGrid(loadLabels(o.vessels), *ct.image, o.vessels, o.import.resampleLabels);
          PlanWindowOptions windowOptions;
          if (size->count() > 0)
          {
            windowOptions.widthPx = width;
            windowOptions.heightPx = height;
          }
          windowOptions.offScreen = !o.replay.empty();
          windowOptions.savePlanPath = o.savePlan;
          windowOptions.reviewFolder = o.reviewFolder;
          windowOptions.reviewer = o.reviewer;
          windowOptions.brushHuRange = brushHu;
          if (windowOptions.reviewer.empty())
            if (const char* user = std::getenv("USER"))
              windowOptions.reviewer = user;
          // The labels' origins before the review: the analysis's, else the files given.
          if (o.result.empty() || provenance.liver == model::LabelOrigin::None)
          {
            provenance = {};
            provenance.liver = model::LabelOrigin::Imported;
            provenance.lesions =
              labels.lesions ? model::LabelOrigin::Imported : model::LabelOrigin::None;
            provenance.segments =
              labels.segments ? model::LabelOrigin::Imported : model::LabelOrigin::None;
          }
          windowOptions.provenance = provenance;
          PlanWindow window(*ct.image, labels, planOptions, std::move(plans), windowOptions);
          if (!o.record.empty())
            window.record(o.record);
          if (!o.replay.empty())
          {
            window.replay(events);
            std::printf("%s\n", window.displayedText().c_str());
            if (window.editMode())
              std::printf("%s\n", window.editText().c_str());
            return ExitOk;
          }
          logInfo("view: n/p plan, 1-5 structures, r camera, s screenshot, w save plan, m edit "
                  "mode, q quit");
          logInfo("edit mode: b paint, x erase, a add lesion (Enter/k accept, c cancel), d remove "
                  "lesion, i/o include/exclude region, t target, +/- radius, f 2D/3D, h HU limit, "
                  "u undo, U redo, l save the review");
          window.start();
          return ExitOk;
        });
    });
}

} // namespace liver::cli
