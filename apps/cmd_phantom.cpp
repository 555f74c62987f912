/// `liverplan phantom`: write the deterministic synthetic abdominal CT phantom and its truth.

#include "cli_common.h"

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace liver::cli
{
namespace
{

struct PhantomArgs
{
  std::string out;
  std::uint32_t seed = 1;
  std::vector<double> spacingMm;
  std::vector<unsigned> size;
  double noiseSdHu = PhantomOptions{}.noiseSdHu;
  bool dicom = false;
  unsigned studyTree = 0;
  bool noFaults = false;
  double leftLobeGrowthPercent = 0.0;
  std::vector<double> shiftMm;
  double rotationDeg = 0.0;
};

/// --spacing (S or SX,SY,SZ) and --size onto a grid's spacing and size.
void applyGrid(const PhantomArgs& args,
               std::array<double, 3>& spacingMm,
               std::array<unsigned, 3>& size)
{
  for (std::size_t a = 0; a < 3; ++a)
  {
    if (!args.spacingMm.empty())
      spacingMm[a] = args.spacingMm[args.spacingMm.size() == 3 ? a : 0];
    if (!args.size.empty())
      size[a] = args.size[a];
  }
}

/// `--study-tree N`: a folder of N phantom DICOM studies with the faults of a real export, and
/// OUT/expected.json saying which series each study should be analysed with.
int runStudyTree(const PhantomArgs& args)
{
  StudyTreeOptions options;
  options.studies = args.studyTree;
  options.firstSeed = args.seed;
  options.faults = !args.noFaults;
  applyGrid(args, options.spacingMm, options.size);
  logInfo("writing " + std::to_string(args.studyTree) + " phantom studies into " + args.out);
  const std::vector<StudyTreeEntry> entries = writePhantomStudyTree(args.out, options);
  nlohmann::json j = jsonHeader("phantom-study-tree");
  j["studies"] = nlohmann::json::array();
  for (const StudyTreeEntry& e : entries)
    j["studies"].push_back({ { "studyInstanceUid", e.studyInstanceUid },
                             { "patientId", e.patientId },
                             { "expectedSeries", e.expectedSeriesUid },
                             { "expectedStatus", e.expectedStatus },
                             { "fault", e.fault } });
  writeJson(args.out + "/expected.json", j);
  std::cout << "wrote " << entries.size() << " studies into " << args.out
            << " (expected.json lists the series and status each should give)\n";
  return ExitOk;
}

int runPhantom(const PhantomArgs& args)
{
  PhantomOptions options;
  options.seed = args.seed;
  options.noiseSdHu = args.noiseSdHu;
  options.leftLobeGrowthPercent = args.leftLobeGrowthPercent;
  options.rotationDeg = args.rotationDeg;
  if (!args.shiftMm.empty())
    options.shiftMm = { args.shiftMm[0], args.shiftMm[1], args.shiftMm[2] };
  applyGrid(args, options.spacingMm, options.size);
  const std::string dicomDir = (std::filesystem::path(args.out) / "dicom").string();
  std::error_code ec;
  if (args.dicom && std::filesystem::exists(dicomDir, ec) &&
      !std::filesystem::is_empty(dicomDir, ec))
    throw OutputError(dicomDir + ": DICOM output folder exists and is not empty");
  logInfo("generating phantom, seed " + std::to_string(args.seed));
  const Phantom phantom = makePhantom(options);
  writePhantom(phantom, args.out);
  if (args.dicom)
    writePhantomDicom(phantom, dicomDir);

  const auto size = phantom.ct->GetLargestPossibleRegion().GetSize();
  const auto& spacing = phantom.ct->GetSpacing();
  char line[256];
  std::snprintf(line,
                sizeof(line),
                "grid %lux%lux%lu voxels, spacing %gx%gx%g mm\n",
                static_cast<unsigned long>(size[0]),
                static_cast<unsigned long>(size[1]),
                static_cast<unsigned long>(size[2]),
                spacing[0],
                spacing[1],
                spacing[2]);
  std::cout << "phantom seed " << args.seed << ": " << line;
  std::snprintf(line,
                sizeof(line),
                "liver %.1f mL, %zu lesions, tumour %.1f mL\n",
                phantom.truth.liverVolumeMl,
                phantom.truth.lesions.size(),
                phantom.truth.tumourVolumeMl);
  std::cout << line << "wrote " << args.out
            << ": ct.nii.gz liver.nii.gz lesions.nii.gz segments.nii.gz organs.nii.gz truth.json";
  if (args.dicom)
    std::cout << " dicom/ (" << size[2] << " files)";
  std::cout << '\n';
  return ExitOk;
}

} // namespace

void registerPhantom(CLI::App& app, int& exitCode)
{
  auto args = std::make_shared<PhantomArgs>();
  CLI::App* cmd = app.add_subcommand(
    "phantom",
    "Write the synthetic abdominal CT phantom (CT, liver, lesion, segment and organ "
    "labels, truth.json) over a fixed 400x400x240 mm field of view");
  cmd->add_option("--out", args->out, "Output folder")->required();
  cmd->add_option("--seed", args->seed, "Seed of the lesions, noise and UIDs")
    ->capture_default_str();
  CLI::Option* spacing =
    cmd->add_option("--spacing", args->spacingMm, "Voxel spacing in mm: S or SX,SY,SZ (default 2)")
      ->delimiter(',');
  cmd->add_option("--size", args->size, "Grid size NX,NY,NZ (sets the spacing)")
    ->delimiter(',')
    ->expected(3)
    ->excludes(spacing);
  cmd->add_option("--noise", args->noiseSdHu, "Gaussian noise SD in HU")->capture_default_str();
  cmd->add_flag("--dicom", args->dicom, "Also write the CT as a DICOM series into OUT/dicom");
  cmd
    ->add_option("--study-tree",
                 args->studyTree,
                 "Instead, write N DICOM studies (seeds SEED..SEED+N-1) with a localizer, a thick "
                 "series, MR series and faults (truncated file, missing slice, no CT) into OUT, "
                 "and OUT/expected.json (default spacing 4 mm)")
    ->check(CLI::Range(1, 10000))
    ->excludes("--dicom");
  cmd->add_flag("--no-faults",
                args->noFaults,
                "With --study-tree: one clean CT series per study (for throughput benchmarks)");
  // A second study "after PVE" of the same patient: grown left lobe, known rigid motion.
  cmd->add_option("--left-lobe-growth",
                  args->leftLobeGrowthPercent,
                  "Grow the left lateral section (segments 2, 3) by PCT % of its volume (0..100)");
  cmd->add_option("--shift", args->shiftMm, "Shift the whole patient by X,Y,Z mm (LPS, -50..50)")
    ->delimiter(',')
    ->expected(3);
  cmd->add_option("--rotate",
                  args->rotationDeg,
                  "Rotate the whole patient by DEG about the z axis through the centre (-45..45)");
  cmd->footer("Example: liverplan phantom --out phantom --seed 3 --spacing 1,1,2.5 --dicom\n"
              "After PVE: liverplan phantom --out after --left-lobe-growth 30 --shift 6,-4,3 "
              "--rotate 3");
  cmd->callback(
    [args, &exitCode]
    {
      if (args->spacingMm.size() != 0 && args->spacingMm.size() != 1 && args->spacingMm.size() != 3)
        throw CLI::ValidationError("--spacing", "expected S or SX,SY,SZ");
      exitCode =
        runGuarded([&args] { return args->studyTree ? runStudyTree(*args) : runPhantom(*args); });
    });
}

} // namespace liver::cli
