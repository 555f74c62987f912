#include "distance.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace liver::planning_detail
{
double voxelMarginMm(const Grid3& grid, std::size_t a, std::size_t b)
{
  const long nx = grid.size[0], ny = grid.size[1];
  const long ax = static_cast<long>(a % nx), ay = static_cast<long>((a / nx) % ny),
             az = static_cast<long>(a / (nx * ny));
  const long bx = static_cast<long>(b % nx), by = static_cast<long>((b / nx) % ny),
             bz = static_cast<long>(b / (nx * ny));
  const long step[3] = { std::labs(ax - bx), std::labs(ay - by), std::labs(az - bz) };
  if (step[0] <= 1 && step[1] <= 1 && step[2] <= 1)
    return 0.0; // the voxels touch (face, edge or corner)
  double d[3], length2 = 0.0;
  for (int i = 0; i < 3; ++i)
  {
    d[i] = static_cast<double>(step[i]) * grid.spacingMm[i];
    length2 += d[i] * d[i];
  }
  const double length = std::sqrt(length2);
  // Half the chord of a voxel (an ellipsoid with semi-axes spacing / 2) along the line: the two
  // surfaces lie that far inside the two centres.
  double inverse2 = 0.0;
  for (int i = 0; i < 3; ++i)
  {
    const double u = d[i] / length / (0.5 * grid.spacingMm[i]);
    inverse2 += u * u;
  }
  return std::max(length - 2.0 / std::sqrt(inverse2), 0.0);
}

} // namespace liver::planning_detail
