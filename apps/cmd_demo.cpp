/// `liverplan demo`: make the built-in phantom, then run the pipeline that exists on it as a user
/// would (load the written CT and labels back, measure, standardize) and check against the truth.

#include "analysis.h"
#include "cli_common.h"
#include "decision_io.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>
#include <liver/segmentation/evaluation.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace liver::cli
{

nlohmann::json bodyJson(double heightCm,
                        double weightKg,
                        BsaFormula bsa,
                        SlvFormula slv,
                        LiverCondition condition)
{
  const double bsaM2 = bodySurfaceAreaM2(heightCm, weightKg, bsa);
  const FlrThreshold threshold = flrThreshold(condition);
  return { { "heightCm", heightCm },
           { "weightKg", weightKg },
           { "bsaFormula", toString(bsa) },
           { "bsaM2", bsaM2 },
           { "slvFormula", toString(slv) },
           { "standardLiverVolumeMl", standardLiverVolumeMl(bsaM2, slv) },
           { "liverCondition", toString(condition) },
           { "sflrThresholdPercent", threshold.minimumPercent },
           { "thresholdSource", threshold.source },
           { "thresholdRationale", threshold.rationale } };
}

/// The demo's patient (clinical.json): colorectal liver metastases, fit, no extrahepatic disease.
constexpr const char* DemoClinicalJson = R"({
  "comment": "LiverPlan demo patient: synthetic, not a real person",
  "sex": "male",
  "ageYears": 62,
  "primaryTumour": "colorectal",
  "ecog": 0,
  "extrahepaticDisease": "none",
  "chemotherapyStatus": "none",
  "synchronous": false,
  "nodePositivePrimary": true,
  "ceaNgMl": 12,
  "diseaseFreeIntervalMonths": 18,
  "mmr": "proficient",
  "ras": "wild-type",
  "braf": "wild-type",
  "sidedness": "left"
}
)";

void registerDemo(CLI::App& app, int& exitCode)
{
  struct Options
  {
    std::string out = "liverplan-demo";
    PhantomOptions phantom;
    std::vector<double> spacing;
    BodyArgs body{ 170.0, 70.0 };
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
    "demo", "Make the built-in phantom and run the whole pipeline on it (writes result.json)");
  cmd->add_option("--out", options->out, "Output folder")->capture_default_str();
  cmd->add_option("--seed", options->phantom.seed, "Phantom seed")->capture_default_str();
  cmd->add_option("--spacing", options->spacing, "Phantom voxel spacing in mm: S or SX,SY,SZ")
    ->delimiter(',')
    ->expected(1, 3);
  addBodyOptions(*cmd, options->body);
  cmd->callback(
    [options, &exitCode]
    {
      exitCode = runGuarded(
        [&]
        {
          using Clock = std::chrono::steady_clock;
          const auto started = Clock::now();
          Options& o = *options;
          if (o.spacing.size() == 1)
            o.phantom.spacingMm = { o.spacing[0], o.spacing[0], o.spacing[0] };
          else if (o.spacing.size() == 3)
            o.phantom.spacingMm = { o.spacing[0], o.spacing[1], o.spacing[2] };
          else if (!o.spacing.empty())
            throw std::invalid_argument("--spacing takes 1 or 3 values");
          // Validate everything the user typed before any work or output.
          const nlohmann::json body = bodyJson(o.body.heightCm,
                                               o.body.weightKg,
                                               parseBsaFormula(o.body.bsa),
                                               parseSlvFormula(o.body.slv),
                                               parseLiverCondition(o.body.condition));

          const std::string phantomDir = o.out + "/phantom";
          logInfo("making the phantom (seed " + std::to_string(o.phantom.seed) + ")");
          const Phantom phantom = makePhantom(o.phantom);
          writePhantom(phantom, phantomDir);
          // The CT also as a DICOM series (the demo's own output: a previous run's is replaced),
          // so that the analysis reads a study with its identifiers, as from a PACS.
          std::filesystem::remove_all(phantomDir + "/dicom");
          writePhantomDicom(phantom, phantomDir + "/dicom");

          logInfo("loading " + phantomDir + "/ct.nii.gz and its labels");
          const CtVolume ct = loadCtLogged(phantomDir + "/ct.nii.gz", {});
          LiverLabels labels;
          for (auto [image, name] : { std::pair{ &labels.liver, "liver" },
                                      std::pair{ &labels.lesions, "lesions" },
                                      std::pair{ &labels.segments, "segments" } })
          {
            const std::string path = phantomDir + "/" + name + ".nii.gz";
            *image = labelsOnGrid(loadLabels(path), *ct.image, path, false);
          }
          const Volumetry v = measureLiver(labels, *ct.image);

          // The automatic pipeline on the same CT, scored against the phantom's truth.
          logInfo("segmenting the liver and its lesions automatically");
          const LiverSegmentation automatic = segmentLiver(*ct.image);
          const LesionSegmentation detected = segmentLesions(*ct.image, *automatic.liver);
          addLesionsToLiver(*automatic.liver, detected);
          const SegmentationMetrics liverScore =
            evaluateSegmentation(*labels.liver, *automatic.liver);
          const Volumetry measured =
            measureLiver({ automatic.liver, detected.lesions, nullptr, nullptr }, *ct.image);
          // A true lesion counts as found when a detected lesion covers half of it.
          std::size_t found = 0;
          for (const PhantomLesion& lesion : phantom.truth.lesions)
          {
            std::size_t covered = 0;
            const std::size_t n = ct.image->GetLargestPossibleRegion().GetNumberOfPixels();
            for (std::size_t i = 0; i < n; ++i)
              covered += labels.lesions->GetBufferPointer()[i] == lesion.id &&
                         detected.lesions->GetBufferPointer()[i] != 0;
            found += 2 * covered >= lesion.voxelCount;
          }

          const double slvMl = body["standardLiverVolumeMl"].get<double>();
          nlohmann::json j = jsonHeader("demo-result");
          j["disclaimer"] = DecisionSupportDisclaimer;
          j["input"] = { { "phantomFolder", phantomDir },
                         { "seed", o.phantom.seed },
                         { "truthFile", phantomDir + "/truth.json" } };
          j["ct"] = ctJson(ct);
          j["volumetry"] = volumetryJson(v);
          j["body"] = body;
          j["volumetry"]["totalLiverPercentOfSlv"] = volumePercent(v.totalLiverMl, slvMl);
          j["truthCheck"] = { { "liverMlTruth", phantom.truth.liverVolumeMl },
                              { "liverMlMeasured", v.totalLiverMl },
                              { "tumourMlTruth", phantom.truth.tumourVolumeMl },
                              { "tumourMlMeasured", v.tumourMl },
                              { "lesionsTruth", phantom.truth.lesions.size() },
                              { "lesionsMeasured", v.lesions.size() },
                              { "exact",
                                std::abs(phantom.truth.liverVolumeMl - v.totalLiverMl) < 1e-9 &&
                                  std::abs(phantom.truth.tumourVolumeMl - v.tumourMl) < 1e-9 &&
                                  phantom.truth.lesions.size() == v.lesions.size() } };
          j["automaticSegmentation"] = { { "liverMl", measured.totalLiverMl },
                                         { "liverDice", liverScore.dice },
                                         { "liverRvd", liverScore.rvd.value_or(0.0) },
                                         { "liverAssdMm", liverScore.assdMm.value_or(0.0) },
                                         { "lesionsDetected", measured.lesions.size() },
                                         { "trueLesionsFound", found },
                                         { "tumourMl", measured.tumourMl },
                                         { "huBand",
                                           { automatic.report.huLow, automatic.report.huHigh } },
                                         { "steps", automatic.report.steps } };

          // The whole pipeline as `analyze` runs it, on the phantom's CT and true labels: plans,
          // FLR augmentation, the decision for a demo patient, and the report.
          const std::string clinicalPath = o.out + "/clinical.json";
          writeTextFile(clinicalPath, DemoClinicalJson);
          AnalysisRequest request;
          request.ct = phantomDir + "/dicom";
          request.out = o.out + "/analysis";
          request.import.liverPath = phantomDir + "/liver.nii.gz";
          request.import.lesionsPath = phantomDir + "/lesions.nii.gz";
          request.import.segmentsPath = phantomDir + "/segments.nii.gz";
          for (const char* spec : { "right-hemihepatectomy",
                                    "extended-right-hemihepatectomy",
                                    "left-lateral-sectionectomy" })
            request.plans.push_back(parsePlanSpec(spec));
          request.autoPlans = 3;
          request.planOptions.heightCm = o.body.heightCm;
          request.planOptions.weightKg = o.body.weightKg;
          request.planOptions.bsaFormula = parseBsaFormula(o.body.bsa);
          request.planOptions.slvFormula = parseSlvFormula(o.body.slv);
          request.planOptions.condition = parseLiverCondition(o.body.condition);
          request.clinical = loadClinicalFile(clinicalPath);
          request.moreInputs = { { "clinical", clinicalPath } };
          logInfo("analysing the phantom: plans, FLR augmentation, decision");
          AnalysisOutcome analysis = runAnalysis(request, cliProgress());
          writeAnalysis(request, analysis, cliProgress());
          j["analysis"] = { { "folder", "analysis" },
                            { "result", "analysis/result.json" },
                            { "clinical", "clinical.json" },
                            { "decision",
                              analysis.result.decision
                                ? nlohmann::json(analysis.result.decision->category)
                                : nlohmann::json(nullptr) } };

          j["seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
          writeJson(o.out + "/result.json", j);

          std::printf("LiverPlan demo on the built-in phantom (seed %u)\n", o.phantom.seed);
          std::printf("  total liver volume   %9.1f mL (surface estimate %.1f mL)\n",
                      v.totalLiverMl,
                      v.liverSurfaceMl);
          std::printf(
            "  tumour volume        %9.1f mL in %zu lesions\n", v.tumourMl, v.lesions.size());
          std::printf("  functional volume    %9.1f mL\n", v.functionalMl);
          for (int s = 1; s <= 8; ++s)
            std::printf("  segment %d            %9.1f mL (%4.1f %% of functional)\n",
                        s,
                        v.segmentMl[s],
                        volumePercent(v.segmentMl[s], v.functionalMl));
          for (const LesionMeasurement& l : v.lesions)
          {
            std::string segments;
            for (int seg : l.segments)
              segments += " " + std::to_string(seg);
            std::printf("  lesion %d: %.2f mL, %.1f mm, mean %.0f HU, segment(s)%s\n",
                        l.id,
                        l.volumeMl,
                        l.maxDiameterMm,
                        l.meanHu,
                        segments.c_str());
          }
          std::printf("  standard liver volume %8.1f mL (%s, BSA %.2f m2, %s)\n",
                      slvMl,
                      o.body.slv.c_str(),
                      body["bsaM2"].get<double>(),
                      o.body.bsa.c_str());
          std::printf("  automatic segmentation: liver %.1f mL, Dice %.3f vs truth, %zu lesion(s) "
                      "detected, %zu of %zu true lesions found\n",
                      measured.totalLiverMl,
                      liverScore.dice,
                      measured.lesions.size(),
                      found,
                      phantom.truth.lesions.size());
          std::printf("  matches phantom truth: %s\n",
                      j["truthCheck"]["exact"].get<bool>() ? "yes" : "NO");
          std::printf("\nThe analysis of the phantom (%s/analysis/result.json), for the demo "
                      "patient in %s:\n",
                      o.out.c_str(),
                      clinicalPath.c_str());
          printAnalysisTables(analysis);
          std::printf("  wrote %s/result.json and %s/analysis/\n", o.out.c_str(), o.out.c_str());
          if (!j["truthCheck"]["exact"].get<bool>())
            throw ProcessingError("measured volumes differ from the phantom's truth");
          return ExitOk;
        });
    });
}

} // namespace liver::cli
