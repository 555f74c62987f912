/// `liverplan demo`: the options, the printed summary and the exit code; the demo itself (the
/// phantom made, measured and checked against its truth, the automatic segmentation scored, the
/// whole analysis run on it) is liver::pipeline's (liver/pipeline/demo.h).

#include "analysis.h"
#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/pipeline/demo.h>
#include <liver/volumetry/liver_function.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace liver::cli
{

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
          Options& o = *options;
          if (o.spacing.size() == 1)
            o.phantom.spacingMm = { o.spacing[0], o.spacing[0], o.spacing[0] };
          else if (o.spacing.size() == 3)
            o.phantom.spacingMm = { o.spacing[0], o.spacing[1], o.spacing[2] };
          else if (!o.spacing.empty())
            throw std::invalid_argument("--spacing takes 1 or 3 values");
          pipeline::DemoRequest request;
          request.out = o.out;
          request.phantom = o.phantom;
          request.heightCm = o.body.heightCm;
          request.weightKg = o.body.weightKg;
          request.bsa = parseBsaFormula(o.body.bsa);
          request.slv = parseSlvFormula(o.body.slv);
          request.condition = parseLiverCondition(o.body.condition);
          const pipeline::DemoOutcome demo = pipeline::runDemo(request, cliProgress());
          const Volumetry& v = demo.volumetry;

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
                      demo.standardLiverVolumeMl,
                      o.body.slv.c_str(),
                      demo.bsaM2,
                      o.body.bsa.c_str());
          std::printf("  automatic segmentation: liver %.1f mL, Dice %.3f vs truth, %zu lesion(s) "
                      "detected, %zu of %zu true lesions found\n",
                      demo.automatic.totalLiverMl,
                      demo.liverScore.dice,
                      demo.automatic.lesions.size(),
                      demo.trueLesionsFound,
                      demo.trueLesions);
          std::printf("  matches phantom truth: %s\n", demo.matchesTruth ? "yes" : "NO");
          std::printf("\nThe analysis of the phantom (%s/analysis/result.json), for the demo "
                      "patient in %s:\n",
                      o.out.c_str(),
                      demo.clinicalPath.c_str());
          printAnalysisTables(demo.analysis);
          std::printf("  wrote %s/result.json and %s/analysis/\n", o.out.c_str(), o.out.c_str());
          if (!demo.matchesTruth)
            throw ProcessingError("measured volumes differ from the phantom's truth");
          return ExitOk;
        });
    });
}

} // namespace liver::cli
