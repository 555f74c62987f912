/// `liverplan plan CT --liver L --plan NAME ... --out DIR` and `liverplan analyze`: the command
/// line of the pipeline in analysis.cpp (virtual resections compared side by side: remnant,
/// FLR %, sFLR %, threshold, pass, R0, lesion fates and margins, FLR augmentation).

#include "analysis.h"
#include "decision_io.h"

#include <liver/imaging/errors.h>
#include <liver/report/dicom_export.h>
#include <liver/volumetry/liver_function.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace liver::cli
{

/// `plan` and `analyze` share one implementation: `analyze` also segments the liver and its
/// lesions when none are imported, and plans are optional there.
void addPlanCommand(CLI::App& app, int& exitCode, bool analyze)
{
  struct Options
  {
    std::string ct;
    std::string out;
    std::vector<std::string> plans;
    std::string planFile;
    LabelImportOptions import;
    std::string format = "auto";
    std::string vessels;
    BodyArgs body;
    double thresholdPercent = 0.0;
    std::size_t autoPlans = 0;
    std::string landmarks;
    bool autoSegments = false;
    bool slicerSegmentation = false;
    std::string review;
    CtLoadOptions load;
    AugmentationParameters augmentation;
    std::vector<double> pveHypertrophy, alppsHypertrophy, pveDropout, twoStageInterval,
      twoStageCompletion;
    double pveWaitWeeks = 0.0, alppsWaitWeeks = 0.0; ///< set only when given
    ClinicalArgs clinical;                           ///< analyze only
    bool dicomOut = false;                           ///< analyze only
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
    analyze
      ? app.add_subcommand(
          "analyze",
          "The whole pipeline on one CT: import or segment the liver and lesions, volumetry, "
          "Couinaud segments, and the plans given (writes OUT/result.json, labels, remnant maps)")
      : app.add_subcommand(
          "plan",
          "Simulate resections (anatomical, plane, wedge, ablation, combined) and compare "
          "remnant, FLR %, sFLR %, R0 and margins side by side (writes OUT/result.json and "
          "remnant maps)");
  cmd->add_option("ct", options->ct, "CT: .nii/.nii.gz/.nrrd/.mha file, DICOM file or folder")
    ->required();
  cmd->add_option("--out", options->out, "Output folder")->required();
  cmd->add_option("--plan",
                  options->plans,
                  "A plan (repeatable): a Brisbane name (right-hemihepatectomy, "
                  "left-lateral-sectionectomy, segmentectomy-4, ...-with-caudate), "
                  "\"segments:2,3\", \"wedge:2,4@10\", \"ablate:3@5\", \"plane:x,y,z;nx,ny,nz\" "
                  "(LPS mm; the normal's side is resected), parts joined with '+', optionally "
                  "\"NAME=\" first");
  cmd->add_option("--plan-file", options->planFile, "Plans as JSON (schema in the README)");
  addLabelImportOptions(*cmd, options->import, options->format);
  cmd->add_option("--vessels",
                  options->vessels,
                  "Vessel mask (non-zero = vessel) for the ablation heat-sink warning");
  addBodyOptions(*cmd, options->body);
  cmd->add_option("--sflr-threshold",
                  options->thresholdPercent,
                  "Override the minimum sFLR % (default: by liver condition)");
  cmd
    ->add_option("--auto-plan",
                 options->autoPlans,
                 "Also propose up to N plans that reach R0 with the largest remnant (wedges, "
                 "wedges + ablation, Brisbane resections alone or with wedges), ranked")
    ->check(CLI::Range(1, 20));
  auto* landmarks = cmd->add_option(
    "--landmarks",
    options->landmarks,
    "Make the Couinaud segments from landmarks.json (LPS mm) when no segment map is imported");
  auto* autoSegments = cmd->add_flag(
    "--auto-segments",
    options->autoSegments,
    "Approximate the Couinaud segments from the liver's geometry when no segment map is imported");
  landmarks->excludes(autoSegments);
  cmd->add_option(
    "--review",
    options->review,
    "edits.json that `liverplan view` saved with corrected labels: measure those labels (unless "
    "--liver is given: then they must be the saved ones) and record the review (reviewer, time, "
    "edit totals) in result.json and the report");
  cmd->add_flag(
    "--seg-nrrd",
    options->slicerSegmentation,
    "Also write OUT/segmentation.seg.nrrd for 3D Slicer: the liver by Couinaud segment, "
    "each lesion and each plan's remnant, named and coloured");
  // FLR augmentation parameters (DESIGN.md section 3; defaults in planning/augmentation.h).
  cmd
    ->add_option("--pve-hypertrophy",
                 options->pveHypertrophy,
                 "PVE relative FLR hypertrophy % LOW,MEDIAN,HIGH (default 18.95,37.9,56.85)")
    ->delimiter(',')
    ->expected(3);
  cmd->add_option(
    "--pve-wait-weeks", options->pveWaitWeeks, "Weeks from PVE to the growth (default 4)");
  cmd
    ->add_option("--pve-dropout",
                 options->pveDropout,
                 "% never reaching resection after PVE LOW,HIGH (default 20,40)")
    ->delimiter(',')
    ->expected(2);
  cmd
    ->add_option("--alpps-hypertrophy",
                 options->alppsHypertrophy,
                 "ALPPS relative FLR hypertrophy % LOW,MEDIAN,HIGH (default 42,84,126)")
    ->delimiter(',')
    ->expected(3);
  cmd->add_option("--alpps-wait-weeks",
                  options->alppsWaitWeeks,
                  "Weeks from ALPPS stage 1 to the growth (default 2)");
  cmd
    ->add_option("--two-stage-interval-weeks",
                 options->twoStageInterval,
                 "Weeks between the stages MIN,MAX (default 4,8)")
    ->delimiter(',')
    ->expected(2);
  cmd
    ->add_option("--two-stage-completion",
                 options->twoStageCompletion,
                 "% completing stage 2 LOW,HIGH (default 78,82)")
    ->delimiter(',')
    ->expected(2);
  addCtLoadOptions(*cmd, options->load);
  if (analyze)
  {
    addClinicalOptions(*cmd, options->clinical);
    cmd->add_flag("--dicom-out",
                  options->dicomOut,
                  "Also write OUT/dicom/: SEG, SR TID 1500 and the report as Encapsulated PDF in "
                  "the CT's study (a DICOM CT; the PDF when Chromium is present)");
  }
  cmd->callback(
    [options, cmd, analyze, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          Options& o = *options;
          // Everything the user typed is checked before any work or output.
          std::vector<ResectionPlan> plans;
          for (const std::string& spec : o.plans)
            plans.push_back(parsePlanSpec(spec));
          if (!o.planFile.empty())
            for (const ResectionPlan& p : loadPlanFile(o.planFile))
              plans.push_back(p);
          if (!o.planFile.empty()) // command-line values below take precedence over the file
            applyAugmentationOverrides(o.planFile, o.augmentation);
          if (!analyze && plans.empty() && o.autoPlans == 0)
          {
            std::cerr << "liverplan: error: plan: give at least one --plan, --plan-file or "
                         "--auto-plan\n";
            return static_cast<int>(ExitUsage);
          }
          PlanOptions planOptions;
          applyBodyOptions(*cmd, o.body, planOptions);
          if (cmd->count("--sflr-threshold"))
            planOptions.thresholdPercent = o.thresholdPercent;
          if (cmd->count("--pve-wait-weeks"))
            o.augmentation.pveWaitWeeks = o.pveWaitWeeks;
          if (cmd->count("--alpps-wait-weeks"))
            o.augmentation.alppsWaitWeeks = o.alppsWaitWeeks;
          if (o.pveHypertrophy.size() == 3)
          {
            o.augmentation.pveLowHypertrophyPercent = o.pveHypertrophy[0];
            o.augmentation.pveMedianHypertrophyPercent = o.pveHypertrophy[1];
            o.augmentation.pveHighHypertrophyPercent = o.pveHypertrophy[2];
          }
          if (o.alppsHypertrophy.size() == 3)
          {
            o.augmentation.alppsLowHypertrophyPercent = o.alppsHypertrophy[0];
            o.augmentation.alppsMedianHypertrophyPercent = o.alppsHypertrophy[1];
            o.augmentation.alppsHighHypertrophyPercent = o.alppsHypertrophy[2];
          }
          if (o.pveDropout.size() == 2)
          {
            o.augmentation.pveDropoutLowPercent = o.pveDropout[0];
            o.augmentation.pveDropoutHighPercent = o.pveDropout[1];
          }
          if (o.twoStageInterval.size() == 2)
          {
            o.augmentation.twoStageMinIntervalWeeks = o.twoStageInterval[0];
            o.augmentation.twoStageMaxIntervalWeeks = o.twoStageInterval[1];
          }
          if (o.twoStageCompletion.size() == 2)
          {
            o.augmentation.twoStageCompletionLowPercent = o.twoStageCompletion[0];
            o.augmentation.twoStageCompletionHighPercent = o.twoStageCompletion[1];
          }
          if (analyze)
          {
            // The body flags are the clinical data's too; clinical.json fills what they omit.
            if (cmd->count("--height"))
              o.clinical.flags["--height"] = std::to_string(o.body.heightCm);
            if (cmd->count("--weight"))
              o.clinical.flags["--weight"] = std::to_string(o.body.weightKg);
            if (cmd->count("--liver-condition"))
              o.clinical.flags["--liver-condition"] = o.body.condition;
          }
          const Clinical clinical = analyze ? resolveClinical(o.clinical) : Clinical{};
          if (!planOptions.heightCm && !planOptions.weightKg && clinical.heightCm &&
              clinical.weightKg)
          {
            planOptions.heightCm = clinical.heightCm;
            planOptions.weightKg = clinical.weightKg;
          }
          if (!cmd->count("--liver-condition") && clinical.liverCondition)
            planOptions.condition = *clinical.liverCondition;
          if (o.dicomOut && isNonDicomImageFile(o.ct))
            throw InputError(o.ct,
                             "--dicom-out writes into the study of a DICOM CT series; this CT is "
                             "an image file");
          // Anatomical plans need segments: say so before loading or segmenting anything.
          const bool segmentSource = !o.import.segmentsPath.empty() ||
                                     !o.import.totalsegPath.empty() || !o.landmarks.empty() ||
                                     o.autoSegments || !o.review.empty();
          for (const ResectionPlan& p : plans)
            if (!p.segments.empty() && !segmentSource)
              throw InputError("",
                               "plan \"" + p.name +
                                 "\" resects Couinaud segments: give --segments, --totalseg, "
                                 "--landmarks or --auto-segments");
          AnalysisRequest request;
          request.clinical = clinical;
          request.moreInputs = { { "clinical", o.clinical.clinicalFile },
                                 { "plan-file", o.planFile } };
          request.analyze = analyze;
          request.ct = o.ct;
          request.out = o.out;
          request.load = o.load;
          request.import = o.import;
          request.format = o.format;
          request.vessels = o.vessels;
          request.plans = std::move(plans);
          request.autoPlans = o.autoPlans;
          request.landmarks = o.landmarks;
          request.autoSegments = o.autoSegments;
          request.slicerSegmentation = o.slicerSegmentation;
          request.review = o.review;
          request.planOptions = planOptions;
          request.augmentation = o.augmentation;
          AnalysisOutcome outcome = runAnalysis(request, cliProgress());
          writeAnalysis(request, outcome, cliProgress());
          printAnalysisTables(outcome);
          std::printf("wrote %s/result.json and %zu remnant map(s)\n",
                      o.out.c_str(),
                      outcome.remnantFiles.size());
          if (o.dicomOut)
            printDicomExport(report::exportAnalysisDicom(
              o.out, (std::filesystem::path(o.out) / "dicom").string()));
          return static_cast<int>(ExitOk);
        });
    });
}

void registerPlan(CLI::App& app, int& exitCode)
{
  addPlanCommand(app, exitCode, false);
}

void registerAnalyze(CLI::App& app, int& exitCode)
{
  addPlanCommand(app, exitCode, true);
}

} // namespace liver::cli
