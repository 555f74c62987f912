#include <liver/imaging/errors.h>
#include <liver/imaging/slice_stack.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

namespace liver
{
namespace
{

double dot(const Vec3& a, const Vec3& b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

Vec3 cross(const Vec3& a, const Vec3& b)
{
  return { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0] };
}

Vec3 difference(const Vec3& a, const Vec3& b)
{
  return { a[0] - b[0], a[1] - b[1], a[2] - b[2] };
}

double median(std::vector<double> values)
{
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// Steps may differ from the median by this much and still count as uniform: DICOM DS values
/// carry rounding of a few micrometres; scanners that vary spacing differ by far more.
double stepTolerance(double medianStepMm)
{
  return std::max(0.01, 0.01 * medianStepMm);
}

/// An in-plane shift below this fraction of a pixel is rounding, not shear.
constexpr double ShearTolerancePixels = 0.05;

} // namespace

StackGeometry analyzeStack(const std::vector<SliceGeometry>& slices,
                           const std::array<double, 6>& orientation,
                           const std::array<double, 2>& pixelSpacingMm,
                           const std::string& source)
{
  if (slices.empty())
    throw InputError(source, "no image slices");
  StackGeometry stack;
  stack.rowDirection = { orientation[0], orientation[1], orientation[2] };
  stack.columnDirection = { orientation[3], orientation[4], orientation[5] };
  const double rowNorm = std::sqrt(dot(stack.rowDirection, stack.rowDirection));
  const double colNorm = std::sqrt(dot(stack.columnDirection, stack.columnDirection));
  if (!(rowNorm > 0.5) || !(colNorm > 0.5) ||
      std::abs(dot(stack.rowDirection, stack.columnDirection)) > 1e-3 * rowNorm * colNorm)
  {
    std::ostringstream msg;
    msg << "ImageOrientationPatient (0020,0037) is not two orthogonal unit vectors:";
    for (double v : orientation)
      msg << ' ' << v;
    throw InputError(source, msg.str());
  }
  for (int a = 0; a < 3; ++a)
  {
    stack.rowDirection[a] /= rowNorm;
    stack.columnDirection[a] /= colNorm;
  }
  stack.normal = cross(stack.rowDirection, stack.columnDirection);

  std::vector<double> along(slices.size());
  for (std::size_t i = 0; i < slices.size(); ++i)
    along[i] = dot(slices[i].positionLpsMm, stack.normal);
  stack.order.resize(slices.size());
  std::iota(stack.order.begin(), stack.order.end(), 0);
  std::stable_sort(stack.order.begin(),
                   stack.order.end(),
                   [&](std::size_t a, std::size_t b) { return along[a] < along[b]; });

  const Vec3& first = slices[stack.order.front()].positionLpsMm;
  for (std::size_t k = 0; k < stack.order.size(); ++k)
  {
    const Vec3 d = difference(slices[stack.order[k]].positionLpsMm, first);
    stack.normalOffsetMm.push_back(dot(d, stack.normal));
    stack.inPlaneOffsetMm.push_back({ dot(d, stack.rowDirection), dot(d, stack.columnDirection) });
  }
  const double shearTolerance =
    ShearTolerancePixels * std::min(pixelSpacingMm[0], pixelSpacingMm[1]);
  stack.sheared =
    std::any_of(stack.inPlaneOffsetMm.begin(),
                stack.inPlaneOffsetMm.end(),
                [&](const std::array<double, 2>& o)
                { return std::abs(o[0]) > shearTolerance || std::abs(o[1]) > shearTolerance; });
  if (slices.size() == 1)
    return stack;

  std::vector<double> steps;
  for (std::size_t k = 1; k < stack.normalOffsetMm.size(); ++k)
  {
    const double step = stack.normalOffsetMm[k] - stack.normalOffsetMm[k - 1];
    if (step < 1e-3)
    {
      std::ostringstream msg;
      msg << "two slices at the same position along the slice normal (" << along[stack.order[k]]
          << " mm): the series holds more than one acquisition; choose one with --series";
      throw InputError(source, msg.str());
    }
    steps.push_back(step);
  }
  stack.medianStepMm = median(steps);
  stack.minStepMm = *std::min_element(steps.begin(), steps.end());
  stack.maxStepMm = *std::max_element(steps.begin(), steps.end());
  const double tolerance = stepTolerance(stack.medianStepMm);
  for (double step : steps)
  {
    const double rounded = std::round(step * 100.0) / 100.0;
    if (std::find(stack.distinctStepsMm.begin(), stack.distinctStepsMm.end(), rounded) ==
        stack.distinctStepsMm.end())
      stack.distinctStepsMm.push_back(rounded);
    if (std::abs(step - stack.medianStepMm) <= tolerance)
      continue;
    stack.uniform = false;
    const double multiple = step / stack.medianStepMm;
    const double whole = std::round(multiple);
    if (whole >= 2.0 && std::abs(multiple - whole) * stack.medianStepMm <= tolerance)
      stack.missingSlices += static_cast<std::size_t>(whole) - 1;
  }
  std::sort(stack.distinctStepsMm.begin(), stack.distinctStepsMm.end());
  return stack;
}

CtImage::Pointer makeStackImage(const std::array<unsigned, 3>& size,
                                const std::array<double, 3>& spacingMm,
                                const Vec3& originLpsMm,
                                const StackGeometry& stack)
{
  auto image = CtImage::New();
  CtImage::RegionType region;
  region.SetSize({ size[0], size[1], size[2] });
  image->SetRegions(region);
  CtImage::SpacingType spacing;
  CtImage::PointType origin;
  CtImage::DirectionType direction;
  for (int a = 0; a < 3; ++a)
  {
    spacing[a] = spacingMm[a];
    origin[a] = originLpsMm[a];
    direction[a][0] = stack.rowDirection[a];
    direction[a][1] = stack.columnDirection[a];
    direction[a][2] = stack.normal[a];
  }
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  return image;
}

bool isRegular(const StackGeometry& stack)
{
  return stack.uniform && !stack.sheared;
}

CtImage::Pointer resampleStack(const std::vector<std::vector<float>>& sortedSlices,
                               unsigned columns,
                               unsigned rows,
                               const std::array<double, 2>& pixelSpacingMm,
                               const Vec3& firstPositionLpsMm,
                               const StackGeometry& stack,
                               float paddingHu)
{
  const std::size_t n = sortedSlices.size();
  if (n == 0 || n != stack.normalOffsetMm.size())
    throw std::invalid_argument("resampleStack: slice count does not match the stack geometry");
  const double dx = pixelSpacingMm[0];
  const double dy = pixelSpacingMm[1];

  // In-plane extent: the union of every slice's footprint.
  double minX = 0.0, maxX = 0.0, minY = 0.0, maxY = 0.0;
  for (const auto& o : stack.inPlaneOffsetMm)
  {
    minX = std::min(minX, o[0]);
    maxX = std::max(maxX, o[0]);
    minY = std::min(minY, o[1]);
    maxY = std::max(maxY, o[1]);
  }
  // Keep the first slice's pixel grid: its samples are then copied, not interpolated.
  minX = std::floor(minX / dx + 1e-6) * dx;
  minY = std::floor(minY / dy + 1e-6) * dy;
  maxX = std::ceil(maxX / dx - 1e-6) * dx;
  maxY = std::ceil(maxY / dy - 1e-6) * dy;
  const auto nx = static_cast<unsigned>(std::ceil((maxX - minX) / dx - 1e-6)) + columns;
  const auto ny = static_cast<unsigned>(std::ceil((maxY - minY) / dy - 1e-6)) + rows;
  const double dz = n > 1 ? stack.medianStepMm : 1.0;
  const double depth = stack.normalOffsetMm.back();
  const auto nz = static_cast<unsigned>(std::floor(depth / dz + 1e-3)) + 1;

  Vec3 origin;
  for (int a = 0; a < 3; ++a)
    origin[a] =
      firstPositionLpsMm[a] + minX * stack.rowDirection[a] + minY * stack.columnDirection[a];
  const CtImage::Pointer image = makeStackImage({ nx, ny, nz }, { dx, dy, dz }, origin, stack);
  std::int16_t* out = image->GetBufferPointer();

  // Bilinear sample of sorted slice k at in-plane position (x, y) mm in the output frame; NaN
  // outside the slice.
  auto sample = [&](std::size_t k, double x, double y) -> float
  {
    const double u = (x - stack.inPlaneOffsetMm[k][0]) / dx;
    const double v = (y - stack.inPlaneOffsetMm[k][1]) / dy;
    if (u < -1e-6 || v < -1e-6 || u > columns - 1 + 1e-6 || v > rows - 1 + 1e-6)
      return std::numeric_limits<float>::quiet_NaN();
    const long u0 =
      std::clamp(static_cast<long>(std::floor(u)), 0L, static_cast<long>(columns) - 1);
    const long v0 = std::clamp(static_cast<long>(std::floor(v)), 0L, static_cast<long>(rows) - 1);
    const long u1 = std::min(u0 + 1, static_cast<long>(columns) - 1);
    const long v1 = std::min(v0 + 1, static_cast<long>(rows) - 1);
    const double fu = std::clamp(u - u0, 0.0, 1.0);
    const double fv = std::clamp(v - v0, 0.0, 1.0);
    const float* s = sortedSlices[k].data();
    const double top = (1 - fu) * s[v0 * columns + u0] + fu * s[v0 * columns + u1];
    const double bottom = (1 - fu) * s[v1 * columns + u0] + fu * s[v1 * columns + u1];
    return static_cast<float>((1 - fv) * top + fv * bottom);
  };

  std::size_t k = 0;
  for (unsigned m = 0; m < nz; ++m)
  {
    const double d = m * dz;
    while (k + 1 < n - 1 && stack.normalOffsetMm[k + 1] <= d)
      ++k;
    const std::size_t k1 = std::min(k + 1, n - 1);
    const double span = stack.normalOffsetMm[k1] - stack.normalOffsetMm[k];
    const double w = span > 0 ? std::clamp((d - stack.normalOffsetMm[k]) / span, 0.0, 1.0) : 0.0;
    std::int16_t* plane = out + static_cast<std::size_t>(m) * nx * ny;
    for (unsigned j = 0; j < ny; ++j)
    {
      const double y = minY + j * dy;
      for (unsigned i = 0; i < nx; ++i)
      {
        const double x = minX + i * dx;
        const float a = sample(k, x, y);
        const float b = w > 0 ? sample(k1, x, y) : a;
        // A voxel is only as good as both slices around it: no extrapolation into the wedge.
        const double value =
          std::isnan(a) || std::isnan(b) ? paddingHu : std::round((1 - w) * a + w * b);
        plane[static_cast<std::size_t>(j) * nx + i] =
          static_cast<std::int16_t>(std::clamp(value, -32768.0, 32767.0));
      }
    }
  }
  return image;
}

} // namespace liver
