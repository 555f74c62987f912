/// liver/imaging/voxel_grid.h: the one exact distance transform (against brute force on an
/// anisotropic grid, float and double, with the nearest feature) and the one 6-connected
/// component labelling.

#include <liver/imaging/voxel_grid.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace liver;

TEST(VoxelGrid, DistanceTransformEqualsBruteForceWithTheNearestFeature)
{
  VoxelGrid grid;
  grid.size = { 13, 9, 7 };
  grid.spacingMm = { 0.7, 1.3, 2.5 };
  std::mt19937 random(7);
  std::vector<std::uint8_t> feature(grid.count(), 0);
  for (std::uint8_t& f : feature)
    f = random() % 23 == 0;
  std::vector<double> d2;
  std::vector<float> f2;
  std::vector<std::int32_t> nearest;
  squaredDistanceTransform(feature, grid, d2, &nearest);
  squaredDistanceTransform(feature, grid, f2);
  auto distance2 = [&](std::size_t a, std::size_t b)
  {
    const long ax = static_cast<long>(a) % grid.size[0],
               ay = static_cast<long>(a) / grid.size[0] % grid.size[1],
               az = static_cast<long>(a) / (grid.size[0] * grid.size[1]);
    const long bx = static_cast<long>(b) % grid.size[0],
               by = static_cast<long>(b) / grid.size[0] % grid.size[1],
               bz = static_cast<long>(b) / (grid.size[0] * grid.size[1]);
    const double dx = (ax - bx) * grid.spacingMm[0], dy = (ay - by) * grid.spacingMm[1],
                 dz = (az - bz) * grid.spacingMm[2];
    return dx * dx + dy * dy + dz * dz;
  };
  for (std::size_t v = 0; v < grid.count(); ++v)
  {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t u = 0; u < grid.count(); ++u)
      if (feature[u])
        best = std::min(best, distance2(v, u));
    EXPECT_NEAR(d2[v], best, 1e-9) << "voxel " << v;
    EXPECT_NEAR(f2[v], best, 1e-4 * (1.0 + best)) << "voxel " << v;
    ASSERT_GE(nearest[v], 0);
    EXPECT_TRUE(feature[static_cast<std::size_t>(nearest[v])]);
    EXPECT_NEAR(distance2(v, static_cast<std::size_t>(nearest[v])), best, 1e-9);
  }
  // No feature: infinite everywhere, no nearest voxel.
  std::fill(feature.begin(), feature.end(), 0);
  squaredDistanceTransform(feature, grid, d2, &nearest);
  EXPECT_TRUE(std::isinf(d2[0]) && std::isinf(d2.back()));
  EXPECT_EQ(nearest[5], -1);
}

TEST(VoxelGrid, ComponentsAreFaceConnected)
{
  VoxelGrid grid;
  grid.size = { 5, 4, 3 };
  std::vector<std::uint8_t> mask(grid.count(), 0);
  mask[grid.index(0, 0, 0)] = mask[grid.index(1, 0, 0)] = 1; // one piece of two voxels
  mask[grid.index(2, 1, 0)] = 1;                             // edge neighbour only: another
  mask[grid.index(4, 3, 2)] = mask[grid.index(4, 3, 1)] = 1; // a third, along z
  std::vector<std::int32_t> labels;
  EXPECT_EQ(labelComponents(mask, grid, labels), 3);
  EXPECT_EQ(labels[grid.index(0, 0, 0)], 1);
  EXPECT_EQ(labels[grid.index(1, 0, 0)], 1);
  EXPECT_EQ(labels[grid.index(2, 1, 0)], 2);
  EXPECT_EQ(labels[grid.index(4, 3, 1)], 3);
  EXPECT_EQ(labels[grid.index(4, 3, 2)], 3);
  EXPECT_EQ(labels[grid.index(3, 3, 2)], 0);
}
