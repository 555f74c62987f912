#include <liver/segmentation/liver_labels.h>

#include <itkImageRegionConstIterator.h>
#include <itkImageRegionIterator.h>

namespace liver
{

LabelImage::Pointer extractLabel(const LabelImage& labels, std::uint16_t value)
{
  auto mask = LabelImage::New();
  mask->CopyInformation(&labels);
  mask->SetRegions(labels.GetLargestPossibleRegion());
  mask->Allocate();
  itk::ImageRegionConstIterator<LabelImage> in(&labels, labels.GetLargestPossibleRegion());
  itk::ImageRegionIterator<LabelImage> out(mask, mask->GetLargestPossibleRegion());
  for (; !in.IsAtEnd(); ++in, ++out)
    out.Set(in.Get() == value ? 1 : 0);
  return mask;
}

std::set<std::uint16_t> labelValuesPresent(const LabelImage& labels)
{
  std::vector<bool> seen(65536, false);
  itk::ImageRegionConstIterator<LabelImage> it(&labels, labels.GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
    seen[it.Get()] = true;
  std::set<std::uint16_t> values;
  for (std::size_t v = 1; v < seen.size(); ++v)
    if (seen[v])
      values.insert(static_cast<std::uint16_t>(v));
  return values;
}

} // namespace liver
