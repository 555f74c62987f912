#pragma once
/// The project phantom for the tests: made once per spacing and seed in a test binary, and its
/// labels as the planner and the editor take them.

#include <liver/data/phantom.h>

#include <cstdint>
#include <map>
#include <utility>

namespace liver::test
{

/// The default phantom with cubic `spacingMm` voxels and `seed`, made at its first use in this
/// test binary and kept (making one takes up to a few seconds).
inline const Phantom& phantomAt(double spacingMm, std::uint32_t seed = PhantomOptions{}.seed)
{
  static std::map<std::pair<double, std::uint32_t>, Phantom> made;
  const auto key = std::make_pair(spacingMm, seed);
  auto found = made.find(key);
  if (found == made.end())
  {
    PhantomOptions options;
    options.spacingMm = { spacingMm, spacingMm, spacingMm };
    options.seed = seed;
    found = made.emplace(key, makePhantom(options)).first;
  }
  return found->second;
}

/// The phantom's liver, lesions and Couinaud segments (its images, shared, not copied).
inline LiverLabels labelsOf(const Phantom& phantom)
{
  LiverLabels labels;
  labels.liver = phantom.liver;
  labels.lesions = phantom.lesions;
  labels.segments = phantom.segments;
  return labels;
}

} // namespace liver::test
