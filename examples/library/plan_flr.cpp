/// The FLR of a right hemihepatectomy on a box liver, with LiverPlan as a library: 40 x 20 x 20
/// voxels of 2 mm, segments 5-8 in the right half (x < 20) and 2-4 in the left. Removing 5-8
/// leaves half the liver: FLR 50.0 %.
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>

#include <cstdio>

int main()
{
  using liver::LabelImage;
  auto makeImage = []
  {
    auto image = LabelImage::New();
    image->SetRegions(LabelImage::RegionType({ { 0, 0, 0 } }, { { 40, 20, 20 } }));
    const double spacing[3] = { 2.0, 2.0, 2.0 };
    image->SetSpacing(spacing);
    image->Allocate(true);
    return image;
  };
  liver::LiverLabels labels;
  labels.liver = makeImage();
  labels.segments = makeImage();
  labels.liver->FillBuffer(1);
  for (itk::IndexValueType z = 0; z < 20; ++z)
    for (itk::IndexValueType y = 0; y < 20; ++y)
      for (itk::IndexValueType x = 0; x < 40; ++x)
        labels.segments->SetPixel({ { x, y, z } }, x < 20 ? 5 + (y >= 10) + 2 * (z >= 10) : 2 + (y >= 10) + (z >= 10));
  const liver::PlanResult r =
    liver::evaluatePlan(labels, liver::parsePlanSpec("right-hemihepatectomy"));
  std::printf("%s: remnant %.1f mL, FLR %.1f %%\n", r.name.c_str(), r.remnantMl, r.flrPercent);
  return r.flrPercent > 49.9 && r.flrPercent < 50.1 ? 0 : 1;
}
