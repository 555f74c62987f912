/// Report images: a plan's 3D view (VTK, off-screen through X) and axial CT slices with overlays
/// (drawn into an RGB buffer here, written with vtkPNGWriter: no display needed).

#include "render_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/viewer/report_images.h>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <vector>

namespace liver
{
namespace
{

// ---- 2D drawing into an RGB buffer (row 0 at the top) ----

struct Canvas
{
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgb; ///< width * height * 3, row 0 at the top

  void set(long x, long y, const Rgb& c)
  {
    if (x < 0 || y < 0 || x >= static_cast<long>(width) || y >= static_cast<long>(height))
      return;
    unsigned char* p = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
    p[0] = c[0], p[1] = c[1], p[2] = c[2];
  }
  void blend(std::size_t pixel, const Rgb& c, double alpha)
  {
    unsigned char* p = &rgb[pixel * 3];
    for (int k = 0; k < 3; ++k)
      p[k] = static_cast<unsigned char>(std::lround((1.0 - alpha) * p[k] + alpha * c[k]));
  }
  void fill(long x0, long y0, long x1, long y1, const Rgb& c)
  {
    for (long y = y0; y <= y1; ++y)
      for (long x = x0; x <= x1; ++x)
        set(x, y, c);
  }
};

/// 5x7 glyphs (one row per byte, bit 4 = leftmost column) of the few characters the
/// annotations use.
const std::uint8_t* glyph(char c)
{
  static const std::uint8_t digits[10][7] = {
    { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E }, { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E },
    { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F }, { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E },
    { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 }, { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E },
    { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E }, { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
    { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E }, { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C }
  };
  static const std::uint8_t dot[7] = { 0, 0, 0, 0, 0, 0x0C, 0x0C };
  static const std::uint8_t minus[7] = { 0, 0, 0, 0x1F, 0, 0, 0 };
  static const std::uint8_t m[7] = { 0, 0, 0x1A, 0x15, 0x15, 0x11, 0x11 };
  static const std::uint8_t z[7] = { 0, 0, 0x1F, 0x02, 0x04, 0x08, 0x1F };
  static const std::uint8_t a[7] = { 0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 };
  static const std::uint8_t l[7] = { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F };
  static const std::uint8_t p[7] = { 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10 };
  static const std::uint8_t r[7] = { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 };
  static const std::uint8_t w[7] = { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A };
  static const std::uint8_t blank[7] = { 0, 0, 0, 0, 0, 0, 0 };
  if (c >= '0' && c <= '9')
    return digits[c - '0'];
  switch (c)
  {
    case '.':
      return dot;
    case '-':
      return minus;
    case 'm':
      return m;
    case 'z':
      return z;
    case 'A':
      return a;
    case 'L':
      return l;
    case 'P':
      return p;
    case 'R':
      return r;
    case 'W':
      return w;
    default:
      return blank;
  }
}

constexpr long GlyphScale = 2;
constexpr long GlyphAdvance = 6 * GlyphScale;

long textWidth(const std::string& text)
{
  return static_cast<long>(text.size()) * GlyphAdvance - GlyphScale;
}

/// Draw `text` with its top-left corner at (x, y), with a black shadow for contrast.
void drawText(Canvas& canvas, long x, long y, const std::string& text, const Rgb& colour)
{
  for (const auto& [dx, c] : { std::pair<long, Rgb>{ 1, Rgb{ 0, 0, 0 } }, { 0, colour } })
    for (std::size_t i = 0; i < text.size(); ++i)
    {
      const std::uint8_t* g = glyph(text[i]);
      for (long row = 0; row < 7; ++row)
        for (long col = 0; col < 5; ++col)
          if (g[row] & (0x10 >> col))
            canvas.fill(x + dx + static_cast<long>(i) * GlyphAdvance + col * GlyphScale,
                        y + dx + row * GlyphScale,
                        x + dx + static_cast<long>(i) * GlyphAdvance + col * GlyphScale +
                          GlyphScale - 1,
                        y + dx + row * GlyphScale + GlyphScale - 1,
                        c);
    }
}

std::string formatMm(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

void checkOnGrid(const CtImage& ct, const LabelImage* labels, const std::string& what)
{
  if (!labels)
    return;
  const std::string mismatch = describeGridMismatch(ct, *labels);
  if (!mismatch.empty())
    throw InputError("", what + " is not on the CT's grid: " + mismatch);
}

} // namespace

LesionMark parseLesionMark(const std::string& fate)
{
  if (fate == "resected")
    return LesionMark::Resected;
  if (fate == "ablated")
    return LesionMark::Ablated;
  if (fate == "left")
    return LesionMark::Left;
  throw std::invalid_argument("unknown lesion fate '" + fate + "' (resected, ablated, left)");
}

void renderPlanSnapshot(const LabelImage& remnantMap,
                        const LabelImage* lesions,
                        const std::map<unsigned, LesionMark>& marks,
                        const SnapshotOptions& options,
                        const std::string& pngPath,
                        const LabelImage* vessels)
{
  detail::checkSnapshotSize(options);
  const detail::DisplayConnection display = detail::openOffScreenDisplay();

  // Layer 0: the remnant (opaque) and the resected part (translucent). Layer 1, drawn over it
  // with its own depth buffer: ablation zones and lesions, so that the ones inside the remnant
  // stay visible.
  vtkNew<vtkRenderer> liverLayer;
  liverLayer->SetBackground(0.0, 0.0, 0.0);
  vtkNew<vtkRenderer> lesionLayer;
  lesionLayer->SetLayer(1);
  lesionLayer->SetActiveCamera(liverLayer->GetActiveCamera());

  auto remnant = detail::surfaceActor(
    remnantMap, [](std::uint16_t v) { return v == 1; }, RemnantColour, 1.0);
  auto resected = detail::surfaceActor(
    remnantMap, [](std::uint16_t v) { return v == 2; }, ResectedColour, 0.4);
  if (!remnant && !resected)
    throw InputError("", "the remnant map has no remnant or resected voxel: nothing to render");
  if (remnant)
    liverLayer->AddActor(remnant);
  if (resected)
    liverLayer->AddActor(resected);
  if (auto ablation = detail::surfaceActor(
        remnantMap, [](std::uint16_t v) { return v == 3; }, AblationColour, 0.5))
    lesionLayer->AddActor(ablation);
  if (lesions)
    for (const LesionMark mark : { LesionMark::Resected, LesionMark::Ablated, LesionMark::Left })
    {
      auto actor = detail::surfaceActor(
        *lesions,
        [&marks, mark](std::uint16_t id)
        {
          const auto found = marks.find(id);
          return (found == marks.end() ? LesionMark::Left : found->second) == mark;
        },
        lesionColour(mark),
        1.0);
      if (actor)
        lesionLayer->AddActor(actor);
    }
  if (vessels)
    if (auto actor = detail::surfaceActor(*vessels, {}, VesselColour, 1.0))
      lesionLayer->AddActor(actor);

  detail::addKeyLight(liverLayer);
  detail::addKeyLight(lesionLayer);
  const detail::OrientationMarker marker(detail::markerViewport(options.widthPx, options.heightPx),
                                         2);

  vtkNew<vtkRenderWindow> window;
  detail::setUpOffScreenWindow(
    window, display.get(), options, { liverLayer, lesionLayer, marker.renderer });
  detail::placeCamera(liverLayer->GetActiveCamera(), options.view);
  liverLayer->ResetCamera(); // frames the whole liver (remnant and resected part)
  liverLayer->ResetCameraClippingRange();
  // The overlay shares the camera; its clipping range must hold its own actors too.
  double bounds[6];
  liverLayer->ComputeVisiblePropBounds(bounds);
  lesionLayer->ResetCameraClippingRange(bounds);
  marker.syncTo(liverLayer->GetActiveCamera());
  window->Render();
  detail::writeWindowPng(window, pngPath);
}

AxialSliceGeometry renderAxialSlice(const CtImage& ct,
                                    const SliceOverlays& overlays,
                                    const std::array<double, 3>& throughLps,
                                    const AxialSliceOptions& options,
                                    const std::string& pngPath)
{
  if (options.widthPx < 64 || options.widthPx > 4096)
    throw std::invalid_argument("axial slice width must be 64..4096 pixels");
  if (!(options.windowHu > 0.0) || !std::isfinite(options.levelHu) || !(options.marginMm >= 0.0))
    throw std::invalid_argument("axial slice: the window must be > 0 HU and the margin >= 0 mm");
  checkOnGrid(ct, overlays.remnantMap, "the remnant map");
  checkOnGrid(ct, overlays.liver, "the liver mask");
  checkOnGrid(ct, overlays.lesions, "the lesion map");

  const auto region = ct.GetBufferedRegion();
  const auto size = region.GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]),
             nz = static_cast<long>(size[2]);
  // The CT's extent in LPS (voxel centres at the corners of the index box).
  double lo[3] = { std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::max() };
  double hi[3] = { std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::lowest() };
  auto extend = [&lo, &hi](const CtImage::PointType& p)
  {
    for (int a = 0; a < 3; ++a)
      lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
  };
  for (int corner = 0; corner < 8; ++corner)
  {
    CtImage::IndexType index = region.GetIndex();
    index[0] += (corner & 1) ? nx - 1 : 0;
    index[1] += (corner & 2) ? ny - 1 : 0;
    index[2] += (corner & 4) ? nz - 1 : 0;
    CtImage::PointType p;
    ct.TransformIndexToPhysicalPoint(index, p);
    extend(p);
  }
  const double halfVoxel =
    0.5 * std::max({ ct.GetSpacing()[0], ct.GetSpacing()[1], ct.GetSpacing()[2] });
  if (!std::isfinite(throughLps[2]) || throughLps[2] < lo[2] - halfVoxel ||
      throughLps[2] > hi[2] + halfVoxel)
    throw InputError("",
                     "axial slice: z = " + formatMm(throughLps[2]) + " mm is outside the CT (" +
                       formatMm(lo[2]) + " to " + formatMm(hi[2]) + " mm)");

  // Field of view: the liver's bounding box in x and y, grown by the margin, within the CT.
  const LabelImage* liverLike = overlays.remnantMap ? overlays.remnantMap : overlays.liver;
  double fovLo[2] = { lo[0] - halfVoxel, lo[1] - halfVoxel };
  double fovHi[2] = { hi[0] + halfVoxel, hi[1] + halfVoxel };
  if (liverLike)
  {
    double liverLo[2] = { std::numeric_limits<double>::max(), std::numeric_limits<double>::max() };
    double liverHi[2] = { std::numeric_limits<double>::lowest(),
                          std::numeric_limits<double>::lowest() };
    const std::uint16_t* p = liverLike->GetBufferPointer();
    for (long z = 0; z < nz; ++z)
      for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x)
          if (p[(z * ny + y) * nx + x])
          {
            CtImage::IndexType index = region.GetIndex();
            index[0] += x, index[1] += y, index[2] += z;
            CtImage::PointType q;
            ct.TransformIndexToPhysicalPoint(index, q);
            for (int a = 0; a < 2; ++a)
              liverLo[a] = std::min(liverLo[a], q[a]), liverHi[a] = std::max(liverHi[a], q[a]);
          }
    if (liverLo[0] <= liverHi[0])
      for (int a = 0; a < 2; ++a)
      {
        fovLo[a] = std::max(fovLo[a], liverLo[a] - options.marginMm);
        fovHi[a] = std::min(fovHi[a], liverHi[a] + options.marginMm);
      }
  }
  const double pixelMm = (fovHi[0] - fovLo[0]) / options.widthPx;
  if (!(pixelMm > 0.0))
    throw InputError("", "axial slice: the CT has no extent in x");
  const unsigned heightPx =
    static_cast<unsigned>(std::clamp(std::lround((fovHi[1] - fovLo[1]) / pixelMm), 16L, 4096L));

  // Nearest-neighbour sampling: the buffer offset of each pixel's voxel, -1 outside the CT.
  Canvas canvas;
  canvas.width = options.widthPx;
  canvas.height = heightPx;
  canvas.rgb.assign(static_cast<std::size_t>(canvas.width) * heightPx * 3, 0);
  std::vector<long> offsets(static_cast<std::size_t>(canvas.width) * heightPx, -1);
  for (unsigned v = 0; v < heightPx; ++v)
    for (unsigned u = 0; u < canvas.width; ++u)
    {
      CtImage::PointType q;
      q[0] = fovLo[0] + (u + 0.5) * pixelMm; // patient right (low x) on the left
      q[1] = fovLo[1] + (v + 0.5) * pixelMm; // anterior (low y) at the top
      q[2] = throughLps[2];
      const auto index = ct.TransformPhysicalPointToIndex(q);
      if (region.IsInside(index))
        offsets[static_cast<std::size_t>(v) * canvas.width + u] =
          ((index[2] - region.GetIndex()[2]) * ny + (index[1] - region.GetIndex()[1])) * nx +
          (index[0] - region.GetIndex()[0]);
    }
  auto sample = [&offsets, &canvas](const LabelImage* labels, long u, long v) -> std::uint16_t
  {
    if (!labels || u < 0 || v < 0 || u >= static_cast<long>(canvas.width) ||
        v >= static_cast<long>(canvas.height))
      return 0;
    const long offset = offsets[static_cast<std::size_t>(v) * canvas.width + u];
    return offset < 0 ? 0 : labels->GetBufferPointer()[offset];
  };

  const std::int16_t* hu = ct.GetBufferPointer();
  const double low = options.levelHu - 0.5 * options.windowHu;
  for (std::size_t pixel = 0; pixel < offsets.size(); ++pixel)
    if (offsets[pixel] >= 0)
    {
      const double grey = std::clamp((hu[offsets[pixel]] - low) / options.windowHu, 0.0, 1.0);
      const auto g = static_cast<unsigned char>(std::lround(255.0 * grey));
      canvas.rgb[pixel * 3] = canvas.rgb[pixel * 3 + 1] = canvas.rgb[pixel * 3 + 2] = g;
    }

  // Tints and outlines: a pixel is on an outline when a neighbour within 1 px has another value.
  const LabelImage* regions = overlays.remnantMap ? overlays.remnantMap : overlays.liver;
  auto regionColour = [&overlays](std::uint16_t value) -> Rgb
  {
    if (!overlays.remnantMap)
      return SliceLiverColour;
    return value == 2 ? ResectedColour : value == 3 ? AblationColour : RemnantColour;
  };
  auto onOutline = [&sample](const LabelImage* labels, long u, long v, std::uint16_t value)
  {
    for (long dv = -1; dv <= 1; ++dv)
      for (long du = -1; du <= 1; ++du)
        if ((du || dv) && sample(labels, u + du, v + dv) != value)
          return true;
    return false;
  };
  for (long v = 0; v < static_cast<long>(heightPx); ++v)
    for (long u = 0; u < static_cast<long>(canvas.width); ++u)
    {
      const std::size_t pixel = static_cast<std::size_t>(v) * canvas.width + u;
      const std::uint16_t region = sample(regions, u, v);
      if (region && overlays.remnantMap)
        canvas.blend(pixel, regionColour(region), region == 3 ? 0.4 : 0.3);
      if (region && onOutline(regions, u, v, region))
        canvas.set(u, v, regionColour(region));
      const std::uint16_t lesion = sample(overlays.lesions, u, v);
      if (lesion && onOutline(overlays.lesions, u, v, lesion))
      {
        const auto mark = overlays.marks.find(lesion);
        canvas.set(
          u, v, lesionColour(mark == overlays.marks.end() ? LesionMark::Left : mark->second));
      }
    }

  // A cross (open in the middle) at the point the slice goes through.
  const long cu = std::lround((throughLps[0] - fovLo[0]) / pixelMm - 0.5);
  const long cv = std::lround((throughLps[1] - fovLo[1]) / pixelMm - 0.5);
  for (long d = 6; d <= 14; ++d)
  {
    canvas.set(cu - d, cv, AnnotationColour);
    canvas.set(cu + d, cv, AnnotationColour);
    canvas.set(cu, cv - d, AnnotationColour);
    canvas.set(cu, cv + d, AnnotationColour);
  }

  // Orientation letters, the slice position and window, and a scale bar.
  const long w = static_cast<long>(canvas.width), h = static_cast<long>(heightPx);
  drawText(canvas, 4, h / 2 - 7, "R", AnnotationColour);
  drawText(canvas, w - 4 - textWidth("L"), h / 2 - 7, "L", AnnotationColour);
  drawText(canvas, w / 2 - textWidth("A") / 2, 4, "A", AnnotationColour);
  drawText(canvas, w / 2 - textWidth("P") / 2, h - 18, "P", AnnotationColour);
  drawText(canvas, 4, 4, "z " + formatMm(throughLps[2]) + " mm", AnnotationColour);
  char window[48];
  std::snprintf(window, sizeof window, "W%.0f L%.0f", options.windowHu, options.levelHu);
  drawText(canvas, w - 4 - textWidth(window), 4, window, AnnotationColour);
  double barMm = 10.0;
  for (const double candidate : { 20.0, 50.0, 100.0, 200.0 })
    if (candidate / pixelMm <= 0.3 * w)
      barMm = candidate;
  const long barPx = std::lround(barMm / pixelMm);
  canvas.fill(8, h - 12, 8 + barPx, h - 9, AnnotationColour);
  canvas.fill(8, h - 18, 9, h - 9, AnnotationColour);
  canvas.fill(8 + barPx - 1, h - 18, 8 + barPx, h - 9, AnnotationColour);
  char bar[32];
  std::snprintf(bar, sizeof bar, "%.0f mm", barMm);
  drawText(canvas, 8, h - 34, bar, AnnotationColour);

  // vtkImageData rows run bottom-up: flip while copying.
  vtkNew<vtkImageData> image;
  image->SetDimensions(static_cast<int>(canvas.width), static_cast<int>(heightPx), 1);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* out = static_cast<unsigned char*>(image->GetScalarPointer());
  const std::size_t row = static_cast<std::size_t>(canvas.width) * 3;
  for (unsigned v = 0; v < heightPx; ++v)
    std::copy_n(&canvas.rgb[v * row], row, out + (heightPx - 1 - v) * row);
  detail::writePngAtomically(image, pngPath);
  AxialSliceGeometry geometry;
  geometry.widthPx = canvas.width;
  geometry.heightPx = heightPx;
  geometry.originLpsMm = { fovLo[0], fovLo[1] };
  geometry.pixelMm = pixelMm;
  geometry.zLpsMm = throughLps[2];
  return geometry;
}

} // namespace liver
