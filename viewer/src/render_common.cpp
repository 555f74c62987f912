/// Shared rendering pieces of liver::viewer (see render_common.h).

#include "render_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkWindowToImageFilter.h>

#include <X11/Xlib.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace liver::detail
{

void DisplayCloser::operator()(Display* display) const
{
  XCloseDisplay(display);
}

DisplayConnection openDisplay()
{
  return DisplayConnection(XOpenDisplay(nullptr));
}

DisplayConnection openOffScreenDisplay()
{
  DisplayConnection display = openDisplay();
  if (!display)
    throw ProcessingError("no X display for off-screen rendering (DISPLAY is unset or "
                          "unreachable): run under `xvfb-run -a`");
  return display;
}

void checkSnapshotSize(const SnapshotOptions& options)
{
  if (options.widthPx < 16 || options.heightPx < 16 || options.widthPx > 8192 ||
      options.heightPx > 8192)
    throw std::invalid_argument("snapshot size must be 16..8192 pixels per side");
}

void requireOpenGl(vtkRenderWindow* window, const std::string& what)
{
  if (!window->SupportsOpenGL())
    throw ProcessingError("no OpenGL context for " + what +
                          " (run under `xvfb-run -a` when there is no display)");
}

void setUpOffScreenWindow(vtkRenderWindow* window,
                          Display* display,
                          const SnapshotOptions& options,
                          std::initializer_list<vtkRenderer*> layers)
{
  window->SetDisplayId(display);
  window->SetOffScreenRendering(1);
  window->SetNumberOfLayers(static_cast<int>(layers.size()));
  window->SetSize(static_cast<int>(options.widthPx), static_cast<int>(options.heightPx));
  for (vtkRenderer* renderer : layers)
    window->AddRenderer(renderer);
  requireOpenGl(window, "off-screen rendering");
}

void placeCamera(vtkCamera* camera, SnapshotView view)
{
  camera->ParallelProjectionOn();
  camera->SetFocalPoint(0, 0, 0);
  switch (view)
  {
    case SnapshotView::Anterior:
      camera->SetPosition(0, -1, 0);
      camera->SetViewUp(0, 0, 1);
      break;
    case SnapshotView::Posterior:
      camera->SetPosition(0, 1, 0);
      camera->SetViewUp(0, 0, 1);
      break;
    case SnapshotView::Superior:
      camera->SetPosition(0, 0, 1);
      camera->SetViewUp(0, -1, 0);
      break;
  }
}

vtkSmartPointer<vtkWindowToImageFilter> grabRgb(vtkRenderWindow* window, bool rerender)
{
  auto grab = vtkSmartPointer<vtkWindowToImageFilter>::New();
  grab->SetInput(window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->SetShouldRerender(rerender);
  grab->Update();
  return grab;
}

void writePngAtomically(vtkImageData* image, const std::string& pngPath)
{
  writeFileAtomically(pngPath,
                      [&](const std::string& temporary)
                      {
                        vtkNew<vtkPNGWriter> writer;
                        writer->SetInputData(image);
                        writer->SetFileName(temporary.c_str());
                        writer->Write();
                        if (writer->GetErrorCode() != 0)
                          throw OutputError(pngPath + ": cannot write PNG");
                      });
}

void writeWindowPng(vtkRenderWindow* window, const std::string& pngPath)
{
  const auto grab = grabRgb(window);
  writePngAtomically(grab->GetOutput(), pngPath);
}

bool maskToVtk(const LabelImage& labels,
               const VoxelTest& test,
               vtkImageData* image,
               vtkMatrix4x4* indexToLps)
{
  const auto size = labels.GetBufferedRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]),
             nz = static_cast<long>(size[2]);
  const std::uint16_t* p = labels.GetBufferPointer();
  auto kept = [&test](std::uint16_t v) { return v && (!test || test(v)); };
  long lo[3] = { nx, ny, nz }, hi[3] = { -1, -1, -1 };
  for (long z = 0; z < nz; ++z)
    for (long y = 0; y < ny; ++y)
      for (long x = 0; x < nx; ++x)
        if (kept(p[(z * ny + y) * nx + x]))
        {
          const long v[3] = { x, y, z };
          for (int a = 0; a < 3; ++a)
          {
            lo[a] = std::min(lo[a], v[a]);
            hi[a] = std::max(hi[a], v[a]);
          }
        }
  if (hi[0] < 0)
    return false;
  // One voxel of background on every side closes the surface at the image border.
  image->SetDimensions(static_cast<int>(hi[0] - lo[0] + 3),
                       static_cast<int>(hi[1] - lo[1] + 3),
                       static_cast<int>(hi[2] - lo[2] + 3));
  image->SetOrigin(
    static_cast<double>(lo[0] - 1), static_cast<double>(lo[1] - 1), static_cast<double>(lo[2] - 1));
  image->SetSpacing(1.0, 1.0, 1.0);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
  auto* out = static_cast<unsigned char*>(image->GetScalarPointer());
  const int* dims = image->GetDimensions();
  std::fill(out, out + static_cast<std::size_t>(dims[0]) * dims[1] * dims[2], 0);
  for (long z = lo[2]; z <= hi[2]; ++z)
    for (long y = lo[1]; y <= hi[1]; ++y)
      for (long x = lo[0]; x <= hi[0]; ++x)
        if (kept(p[(z * ny + y) * nx + x]))
          out[(static_cast<std::size_t>(z - lo[2] + 1) * dims[1] + (y - lo[1] + 1)) * dims[0] +
              (x - lo[0] + 1)] = 1;
  const auto& d = labels.GetDirection();
  const auto& s = labels.GetSpacing();
  const auto& o = labels.GetOrigin();
  const auto start = labels.GetBufferedRegion().GetIndex();
  indexToLps->Identity();
  for (int r = 0; r < 3; ++r)
  {
    double translation = o[r];
    for (int c = 0; c < 3; ++c)
    {
      indexToLps->SetElement(r, c, d[r][c] * s[c]);
      translation += d[r][c] * s[c] * static_cast<double>(start[c]);
    }
    indexToLps->SetElement(r, 3, translation);
  }
  return true;
}

vtkSmartPointer<vtkTransformPolyDataFilter> isoSurfaceInLps(vtkImageData* image,
                                                            vtkMatrix4x4* toLps,
                                                            bool computeNormals)
{
  vtkNew<vtkFlyingEdges3D> surface;
  surface->SetInputData(image);
  surface->SetValue(0, 0.5);
  surface->SetComputeNormals(computeNormals);
  vtkNew<vtkTransform> transform;
  transform->SetMatrix(toLps);
  auto transformed = vtkSmartPointer<vtkTransformPolyDataFilter>::New();
  transformed->SetInputConnection(surface->GetOutputPort());
  transformed->SetTransform(transform);
  return transformed;
}

vtkSmartPointer<vtkActor> flatSurfaceActor(const LabelImage& labels,
                                           const VoxelTest& test,
                                           const std::array<unsigned char, 3>& rgb,
                                           double opacity)
{
  vtkNew<vtkImageData> image;
  vtkNew<vtkMatrix4x4> matrix;
  if (!maskToVtk(labels, test, image, matrix))
    return nullptr;
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(isoSurfaceInLps(image, matrix, false)->GetOutputPort());
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  actor->GetProperty()->SetOpacity(opacity);
  actor->GetProperty()->LightingOff();
  return actor;
}

} // namespace liver::detail
