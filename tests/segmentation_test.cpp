/// Label-map helpers of liver::segmentation on tiny images with exact answers.

#include "test_support.h"

#include <liver/segmentation/liver_labels.h>

using namespace liver;

namespace
{
LabelImage::Pointer threeByThree()
{
  auto image = LabelImage::New();
  LabelImage::RegionType region;
  region.SetSize({ 3, 3, 3 });
  image->SetRegions(region);
  LabelImage::SpacingType spacing;
  spacing[0] = 0.5;
  spacing[1] = 0.7;
  spacing[2] = 3.0;
  image->SetSpacing(spacing);
  image->Allocate(true);
  image->SetPixel({ { 0, 0, 0 } }, 5);
  image->SetPixel({ { 1, 1, 1 } }, 5);
  image->SetPixel({ { 2, 2, 2 } }, 63);
  image->SetPixel({ { 2, 1, 0 } }, 1000);
  return image;
}
} // namespace

TEST(ExtractLabel, KeepsOnlyThatValueAsOneOnTheSameGrid)
{
  const auto labels = threeByThree();
  const auto liver = extractLabel(*labels, 5);
  EXPECT_EQ(liver->GetSpacing(), labels->GetSpacing());
  EXPECT_EQ(liver->GetPixel({ { 0, 0, 0 } }), 1);
  EXPECT_EQ(liver->GetPixel({ { 1, 1, 1 } }), 1);
  EXPECT_EQ(liver->GetPixel({ { 2, 2, 2 } }), 0);
  EXPECT_EQ(liver->GetPixel({ { 2, 1, 0 } }), 0);
  const auto* p = liver->GetBufferPointer();
  EXPECT_EQ(std::count(p, p + 27, 1), 2);
  const auto none = extractLabel(*labels, 7);
  EXPECT_EQ(std::count(none->GetBufferPointer(), none->GetBufferPointer() + 27, 0), 27);
}

TEST(LabelValuesPresent, ListsDistinctNonZeroValues)
{
  EXPECT_EQ(labelValuesPresent(*threeByThree()), (std::set<std::uint16_t>{ 5, 63, 1000 }));
  auto empty = threeByThree();
  empty->FillBuffer(0);
  EXPECT_TRUE(labelValuesPresent(*empty).empty());
}
