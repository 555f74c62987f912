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

TEST(VoxelGrid, FullConnectivityJoinsEdgeAndCornerNeighbours)
{
  VoxelGrid grid;
  grid.size = { 5, 4, 3 };
  std::vector<std::uint8_t> mask(grid.count(), 0);
  mask[grid.index(0, 0, 0)] = mask[grid.index(1, 0, 0)] = 1;
  mask[grid.index(2, 1, 0)] = 1;                             // an edge neighbour: joined
  mask[grid.index(3, 2, 1)] = 1;                             // a corner neighbour: joined
  mask[grid.index(0, 3, 2)] = 1;                             // apart
  mask[grid.index(4, 0, 2)] = mask[grid.index(0, 1, 2)] = 1; // two apart, x fastest
  std::vector<std::int32_t> labels;
  EXPECT_EQ(labelComponents(mask, grid, labels, Connectivity::Full), 4);
  for (const auto& [x, y, z] :
       std::vector<std::array<long, 3>>{ { 0, 0, 0 }, { 2, 1, 0 }, { 3, 2, 1 } })
    EXPECT_EQ(labels[grid.index(x, y, z)], 1) << x << "," << y << "," << z;
  EXPECT_EQ(labels[grid.index(4, 0, 2)], 2); // numbered by first voxel, x fastest
  EXPECT_EQ(labels[grid.index(0, 1, 2)], 3);
  EXPECT_EQ(labels[grid.index(0, 3, 2)], 4);
  const std::vector<std::size_t> sizes = componentSizes(labels, 4);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{ grid.count() - 7, 4, 1, 1, 1 }));
  // Face connectivity splits the first piece in three.
  EXPECT_EQ(labelComponents(mask, grid, labels), 6);

  // In a slice (one voxel thick), Full is the 8 neighbours and Face the 4.
  VoxelGrid slice;
  slice.size = { 3, 3, 1 };
  std::vector<std::uint8_t> diagonal{ 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  EXPECT_EQ(labelComponents(diagonal, slice, labels, Connectivity::Full), 1);
  EXPECT_EQ(labelComponents(diagonal, slice, labels, Connectivity::Face), 3);
}

TEST(VoxelGrid, FillHolesFillsWhatTheEdgeDoesNotReach)
{
  // A ring in a slice: its inside is filled, a notch open to the edge is not; a ring with a
  // diagonal gap still encloses (the background is 4-connected).
  VoxelGrid slice;
  slice.size = { 6, 5, 1 };
  const std::string rows = "011100"
                           "010110"
                           "010010"
                           "011100"
                           "000000";
  std::vector<std::uint8_t> mask(slice.count());
  for (std::size_t i = 0; i < mask.size(); ++i)
    mask[i] = rows[i] == '1';
  fillHoles(mask, slice);
  std::string filled;
  for (const std::uint8_t m : mask)
    filled += m ? '1' : '0';
  EXPECT_EQ(filled,
            "011100"
            "011110"
            "011110"
            "011100"
            "000000");

  // A hollow cube: filled in 3D; its hole opened to a face is not.
  VoxelGrid box;
  box.size = { 5, 5, 5 };
  std::vector<std::uint8_t> cube(box.count(), 0);
  for (long z = 1; z <= 3; ++z)
    for (long y = 1; y <= 3; ++y)
      for (long x = 1; x <= 3; ++x)
        cube[box.index(x, y, z)] = !(x == 2 && y == 2 && z == 2);
  std::vector<std::uint8_t> open = cube;
  fillHoles(cube, box);
  EXPECT_EQ(cube[box.index(2, 2, 2)], 1);
  open[box.index(2, 2, 1)] = 0; // a tunnel to the outside
  fillHoles(open, box);
  EXPECT_EQ(open[box.index(2, 2, 2)], 0);
  EXPECT_EQ(std::count(open.begin(), open.end(), 1), 25);
}
