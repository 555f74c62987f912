#include "distance.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace liver::planning_detail
{
namespace
{

constexpr double Infinity = std::numeric_limits<double>::infinity();

/// One line: f[q] (squared mm, may be +inf) sampled every `stepMm`; out: d[q] = min over r of
/// f[r] + ((q - r) stepMm)² and arg[q] = that r (-1 where every f is infinite).
void lowerEnvelope1d(const std::vector<double>& f,
                     long n,
                     double stepMm,
                     std::vector<double>& d,
                     std::vector<long>& arg,
                     std::vector<long>& v,
                     std::vector<double>& z)
{
  long k = -1;
  for (long q = 0; q < n; ++q)
  {
    if (!std::isfinite(f[q]))
      continue;
    const double pq = q * stepMm;
    if (k < 0)
    {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // z[0] = -inf, so the loop stops at k = 0 at the latest.
    double pv = v[k] * stepMm;
    double s = ((f[q] + pq * pq) - (f[v[k]] + pv * pv)) / (2.0 * (pq - pv));
    while (s <= z[k])
    {
      --k;
      pv = v[k] * stepMm;
      s = ((f[q] + pq * pq) - (f[v[k]] + pv * pv)) / (2.0 * (pq - pv));
    }
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0)
  {
    std::fill(d.begin(), d.begin() + n, Infinity);
    std::fill(arg.begin(), arg.begin() + n, -1L);
    return;
  }
  long j = 0;
  for (long q = 0; q < n; ++q)
  {
    const double pq = q * stepMm;
    while (z[j + 1] < pq)
      ++j;
    const double diff = pq - v[j] * stepMm;
    d[q] = diff * diff + f[v[j]];
    arg[q] = v[j];
  }
}

} // namespace

void squaredDistanceTransform(const std::vector<std::uint8_t>& feature,
                              const Grid3& grid,
                              std::vector<float>& distance2,
                              std::vector<std::int32_t>* nearest)
{
  const std::size_t count = grid.count();
  distance2.assign(count, std::numeric_limits<float>::infinity());
  for (std::size_t i = 0; i < count; ++i)
    if (feature[i])
      distance2[i] = 0.0f;
  if (nearest)
  {
    nearest->assign(count, -1);
    for (std::size_t i = 0; i < count; ++i)
      if (feature[i])
        (*nearest)[i] = static_cast<std::int32_t>(i);
  }
  const long longest = std::max({ grid.size[0], grid.size[1], grid.size[2] });
  std::vector<double> f(longest), d(longest), z(longest + 1);
  std::vector<long> arg(longest), v(longest);
  std::vector<std::int32_t> lineNearest(longest);
  const std::array<std::size_t, 3> stride = { 1,
                                              static_cast<std::size_t>(grid.size[0]),
                                              static_cast<std::size_t>(grid.size[0]) *
                                                static_cast<std::size_t>(grid.size[1]) };
  for (int axis = 0; axis < 3; ++axis)
  {
    const int a1 = axis == 0 ? 1 : 0;
    const int a2 = axis == 2 ? 1 : 2;
    const long n = grid.size[axis];
    for (long j2 = 0; j2 < grid.size[a2]; ++j2)
      for (long j1 = 0; j1 < grid.size[a1]; ++j1)
      {
        const std::size_t base = j1 * stride[a1] + j2 * stride[a2];
        bool any = false;
        for (long q = 0; q < n; ++q)
        {
          const float value = distance2[base + q * stride[axis]];
          f[q] = std::isfinite(value) ? static_cast<double>(value) : Infinity;
          any = any || std::isfinite(value);
          if (nearest)
            lineNearest[q] = (*nearest)[base + q * stride[axis]];
        }
        if (!any)
          continue;
        lowerEnvelope1d(f, n, grid.spacingMm[axis], d, arg, v, z);
        for (long q = 0; q < n; ++q)
        {
          const std::size_t i = base + q * stride[axis];
          distance2[i] =
            std::isfinite(d[q]) ? static_cast<float>(d[q]) : std::numeric_limits<float>::infinity();
          if (nearest)
            (*nearest)[i] = arg[q] < 0 ? -1 : lineNearest[arg[q]];
        }
      }
  }
}

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

int labelComponents(const std::vector<std::uint8_t>& mask,
                    const Grid3& grid,
                    std::vector<std::int32_t>& labels)
{
  const std::size_t count = grid.count();
  labels.assign(count, 0);
  const long nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
  std::vector<std::size_t> stack;
  int current = 0;
  for (std::size_t start = 0; start < count; ++start)
  {
    if (!mask[start] || labels[start])
      continue;
    labels[start] = ++current;
    stack.push_back(start);
    while (!stack.empty())
    {
      const std::size_t i = stack.back();
      stack.pop_back();
      const long x = static_cast<long>(i % nx), y = static_cast<long>((i / nx) % ny),
                 z = static_cast<long>(i / (nx * ny));
      auto visit = [&](std::size_t j)
      {
        if (mask[j] && !labels[j])
        {
          labels[j] = current;
          stack.push_back(j);
        }
      };
      if (x > 0)
        visit(i - 1);
      if (x + 1 < nx)
        visit(i + 1);
      if (y > 0)
        visit(i - nx);
      if (y + 1 < ny)
        visit(i + nx);
      if (z > 0)
        visit(i - nx * ny);
      if (z + 1 < nz)
        visit(i + nx * ny);
    }
  }
  return current;
}

} // namespace liver::planning_detail
