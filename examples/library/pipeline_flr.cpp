/// The same plan through liver::pipeline, as `liverplan plan` runs it: the box liver of
/// plan_flr.cpp written as NIfTI label maps, imported onto a CT held in memory, the plan
/// evaluated; the pipeline's steps arrive through the progress callback.
#include <liver/imaging/io.h>
#include <liver/pipeline/analysis.h>

#include <cstdio>
#include <filesystem>

int main()
{
  auto box = [](auto image)
  {
    image->SetRegions({ { 0, 0, 0 }, { 40, 20, 20 } });
    const double spacing[3] = { 2.0, 2.0, 2.0 };
    image->SetSpacing(spacing);
    image->Allocate(true);
    return image;
  };
  const auto dir = std::filesystem::temp_directory_path() / "liverplan-pipeline-example";
  std::filesystem::create_directories(dir);
  auto liver = box(liver::LabelImage::New()), segments = box(liver::LabelImage::New());
  liver->FillBuffer(1);
  for (itk::IndexValueType z = 0; z < 20; ++z)
    for (itk::IndexValueType y = 0; y < 20; ++y)
      for (itk::IndexValueType x = 0; x < 40; ++x)
        segments->SetPixel({ { x, y, z } },
                           x < 20 ? 5 + (y >= 10) + 2 * (z >= 10) : 2 + (y >= 10) + (z >= 10));
  liver::writeImage(liver.GetPointer(), (dir / "liver.nii.gz").string());
  liver::writeImage(segments.GetPointer(), (dir / "segments.nii.gz").string());

  liver::pipeline::AnalysisRequest request;
  request.analyze = false; // `plan`: the liver is given, nothing is segmented
  request.loadedCt = liver::CtVolume{ box(liver::CtImage::New()), {}, {} };
  request.loadedCt->image->FillBuffer(60); // HU
  request.import.liverPath = (dir / "liver.nii.gz").string();
  request.import.segmentsPath = (dir / "segments.nii.gz").string();
  request.plans = { liver::parsePlanSpec("right-hemihepatectomy") };
  const auto outcome = liver::pipeline::runAnalysis(
    request,
    [](const liver::pipeline::ProgressEvent& e) { std::printf("step: %s\n", e.message.c_str()); });
  const liver::PlanResult& r = outcome.results.at(0);
  std::printf(
    "pipeline %s: remnant %.1f mL, FLR %.1f %%\n", r.name.c_str(), r.remnantMl, r.flrPercent);
  std::filesystem::remove_all(dir);
  return r.flrPercent > 49.9 && r.flrPercent < 50.1 ? 0 : 1;
}
