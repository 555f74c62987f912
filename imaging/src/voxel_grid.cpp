#include <liver/imaging/voxel_grid.h>

#include "parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace liver
{
namespace
{

constexpr double Infinity = std::numeric_limits<double>::infinity();

/// Scratch buffers of one line.
struct LineScratch
{
  std::vector<double> f, d, z;
  std::vector<long> arg, v;
  std::vector<std::int32_t> nearest;
  explicit LineScratch(long longest)
    : f(static_cast<std::size_t>(longest))
    , d(static_cast<std::size_t>(longest))
    , z(static_cast<std::size_t>(longest) + 1)
    , arg(static_cast<std::size_t>(longest))
    , v(static_cast<std::size_t>(longest))
    , nearest(static_cast<std::size_t>(longest))
  {
  }
};

/// One line: f[q] (squared mm, may be +inf) sampled every `stepMm`; out: d[q] = min over r of
/// f[r] + ((q - r) stepMm)² and arg[q] = that r (-1 where every f is infinite).
void lowerEnvelope1d(long n, double stepMm, LineScratch& s)
{
  const std::vector<double>& f = s.f;
  std::vector<double>& z = s.z;
  std::vector<long>& v = s.v;
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
    double cut = ((f[q] + pq * pq) - (f[v[k]] + pv * pv)) / (2.0 * (pq - pv));
    while (cut <= z[k])
    {
      --k;
      pv = v[k] * stepMm;
      cut = ((f[q] + pq * pq) - (f[v[k]] + pv * pv)) / (2.0 * (pq - pv));
    }
    ++k;
    v[k] = q;
    z[k] = cut;
    z[k + 1] = Infinity;
  }
  if (k < 0)
  {
    std::fill(s.d.begin(), s.d.begin() + n, Infinity);
    std::fill(s.arg.begin(), s.arg.begin() + n, -1L);
    return;
  }
  long j = 0;
  for (long q = 0; q < n; ++q)
  {
    const double pq = q * stepMm;
    while (z[j + 1] < pq)
      ++j;
    const double diff = pq - v[j] * stepMm;
    s.d[q] = diff * diff + f[v[j]];
    s.arg[q] = v[j];
  }
}

/// Run `body(first, last, scratch)` over [0, count) lines in chunks on ITK's threads.
template<typename Body>
void parallelLines(std::size_t count, long longest, const Body& body)
{
  parallelRange(count,
                [&](std::size_t first, std::size_t last)
                {
                  LineScratch scratch(longest);
                  body(first, last, scratch);
                });
}

} // namespace

template<typename Real>
void squaredDistanceTransform(const std::vector<std::uint8_t>& feature,
                              const VoxelGrid& grid,
                              std::vector<Real>& distance2,
                              std::vector<std::int32_t>* nearest)
{
  constexpr Real RealInfinity = std::numeric_limits<Real>::infinity();
  const std::size_t count = grid.count();
  distance2.assign(count, RealInfinity);
  for (std::size_t i = 0; i < count; ++i)
    if (feature[i])
      distance2[i] = Real(0);
  if (nearest)
  {
    nearest->assign(count, -1);
    for (std::size_t i = 0; i < count; ++i)
      if (feature[i])
        (*nearest)[i] = static_cast<std::int32_t>(i);
  }
  const long longest = std::max({ grid.size[0], grid.size[1], grid.size[2] });
  const std::array<std::size_t, 3> stride = { 1,
                                              static_cast<std::size_t>(grid.size[0]),
                                              static_cast<std::size_t>(grid.size[0]) *
                                                static_cast<std::size_t>(grid.size[1]) };
  for (int axis = 0; axis < 3; ++axis)
  {
    const int a1 = axis == 0 ? 1 : 0;
    const int a2 = axis == 2 ? 1 : 2;
    const long n = grid.size[axis];
    const long n1 = grid.size[a1];
    const std::size_t lines =
      static_cast<std::size_t>(n1) * static_cast<std::size_t>(grid.size[a2]);
    parallelLines(lines,
                  longest,
                  [&](std::size_t first, std::size_t last, LineScratch& s)
                  {
                    for (std::size_t line = first; line < last; ++line)
                    {
                      const long j1 = static_cast<long>(line % static_cast<std::size_t>(n1));
                      const long j2 = static_cast<long>(line / static_cast<std::size_t>(n1));
                      const std::size_t base = j1 * stride[a1] + j2 * stride[a2];
                      bool any = false;
                      for (long q = 0; q < n; ++q)
                      {
                        const Real value = distance2[base + q * stride[axis]];
                        s.f[q] = std::isfinite(value) ? static_cast<double>(value) : Infinity;
                        any = any || std::isfinite(value);
                        if (nearest)
                          s.nearest[q] = (*nearest)[base + q * stride[axis]];
                      }
                      if (!any)
                        continue;
                      lowerEnvelope1d(n, grid.spacingMm[axis], s);
                      for (long q = 0; q < n; ++q)
                      {
                        const std::size_t i = base + q * stride[axis];
                        distance2[i] =
                          std::isfinite(s.d[q]) ? static_cast<Real>(s.d[q]) : RealInfinity;
                        if (nearest)
                          (*nearest)[i] = s.arg[q] < 0 ? -1 : s.nearest[s.arg[q]];
                      }
                    }
                  });
  }
}

template void squaredDistanceTransform<float>(const std::vector<std::uint8_t>&,
                                              const VoxelGrid&,
                                              std::vector<float>&,
                                              std::vector<std::int32_t>*);
template void squaredDistanceTransform<double>(const std::vector<std::uint8_t>&,
                                               const VoxelGrid&,
                                               std::vector<double>&,
                                               std::vector<std::int32_t>*);

int labelComponents(const std::vector<std::uint8_t>& mask,
                    const VoxelGrid& grid,
                    std::vector<std::int32_t>& labels,
                    Connectivity connectivity)
{
  const std::size_t count = grid.count();
  labels.assign(count, 0);
  const long nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
  const bool full = connectivity == Connectivity::Full;
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
      if (!full)
      {
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
        continue;
      }
      for (long dz = -1; dz <= 1; ++dz)
        for (long dy = -1; dy <= 1; ++dy)
          for (long dx = -1; dx <= 1; ++dx)
          {
            const long qx = x + dx, qy = y + dy, qz = z + dz;
            if ((dx | dy | dz) == 0 || qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny ||
                qz >= nz)
              continue;
            visit(grid.index(qx, qy, qz));
          }
    }
  }
  return current;
}

void fillHoles(std::vector<std::uint8_t>& mask, const VoxelGrid& grid)
{
  const std::size_t count = grid.count();
  std::vector<std::uint8_t> background(count);
  for (std::size_t i = 0; i < count; ++i)
    background[i] = !mask[i];
  std::vector<std::int32_t> piece;
  const int pieces = labelComponents(background, grid, piece);
  std::vector<std::uint8_t> reachesEdge(static_cast<std::size_t>(pieces) + 1, 0);
  std::size_t i = 0;
  for (long z = 0; z < grid.size[2]; ++z)
    for (long y = 0; y < grid.size[1]; ++y)
      for (long x = 0; x < grid.size[0]; ++x, ++i)
      {
        const bool edge = (grid.size[0] > 1 && (x == 0 || x + 1 == grid.size[0])) ||
                          (grid.size[1] > 1 && (y == 0 || y + 1 == grid.size[1])) ||
                          (grid.size[2] > 1 && (z == 0 || z + 1 == grid.size[2]));
        if (edge)
          reachesEdge[static_cast<std::size_t>(piece[i])] = 1;
      }
  for (std::size_t k = 0; k < count; ++k)
    if (piece[k] && !reachesEdge[static_cast<std::size_t>(piece[k])])
      mask[k] = 1;
}

std::vector<std::size_t> componentSizes(const std::vector<std::int32_t>& labels, int n)
{
  std::vector<std::size_t> sizes(static_cast<std::size_t>(n) + 1, 0);
  for (const std::int32_t l : labels)
    ++sizes[static_cast<std::size_t>(l)];
  return sizes;
}

} // namespace liver
