/// Off-screen snapshots with VTK: the liver's and lesions' surfaces by flying edges, placed in LPS
/// space through the image's direction matrix, rendered unlit on black.

#include <liver/imaging/errors.h>
#include <liver/viewer/snapshot.h>

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
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace liver
{
namespace
{

/// The non-zero voxels of `labels` as a padded binary vtkImageData in index units, and the 4x4
/// matrix that maps those index coordinates to LPS mm. False when the mask is empty.
bool maskToVtk(const LabelImage& labels, vtkImageData* image, vtkMatrix4x4* indexToLps)
{
  const auto size = labels.GetBufferedRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]),
             nz = static_cast<long>(size[2]);
  const std::uint16_t* p = labels.GetBufferPointer();
  long lo[3] = { nx, ny, nz }, hi[3] = { -1, -1, -1 };
  for (long z = 0; z < nz; ++z)
    for (long y = 0; y < ny; ++y)
      for (long x = 0; x < nx; ++x)
        if (p[(z * ny + y) * nx + x])
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
        if (p[(z * ny + y) * nx + x])
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

vtkNew<vtkActor> surfaceActor(const LabelImage& labels,
                              const std::array<unsigned char, 3>& rgb,
                              double opacity,
                              bool& empty)
{
  vtkNew<vtkImageData> image;
  vtkNew<vtkMatrix4x4> matrix;
  vtkNew<vtkActor> actor;
  empty = !maskToVtk(labels, image, matrix);
  if (empty)
    return actor;
  vtkNew<vtkFlyingEdges3D> surface;
  surface->SetInputData(image);
  surface->SetValue(0, 0.5);
  surface->ComputeNormalsOff();
  vtkNew<vtkTransform> transform;
  transform->SetMatrix(matrix);
  vtkNew<vtkTransformPolyDataFilter> toLps;
  toLps->SetInputConnection(surface->GetOutputPort());
  toLps->SetTransform(transform);
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(toLps->GetOutputPort());
  mapper->ScalarVisibilityOff();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  actor->GetProperty()->SetOpacity(opacity);
  actor->GetProperty()->LightingOff();
  return actor;
}

} // namespace

SnapshotView parseSnapshotView(const std::string& name)
{
  if (name == "anterior")
    return SnapshotView::Anterior;
  if (name == "posterior")
    return SnapshotView::Posterior;
  if (name == "superior")
    return SnapshotView::Superior;
  throw std::invalid_argument("unknown view '" + name + "' (anterior, posterior, superior)");
}

void renderSnapshot(const LabelImage& liver,
                    const LabelImage* lesions,
                    const SnapshotOptions& options,
                    const std::string& pngPath)
{
  if (options.widthPx < 16 || options.heightPx < 16 || options.widthPx > 8192 ||
      options.heightPx > 8192)
    throw std::invalid_argument("snapshot size must be 16..8192 pixels per side");
  // VTK 9.1 renders off-screen through an X server and aborts the process when it cannot reach
  // one: connect first and fail with a message instead. The same connection is handed to VTK and
  // closed only after rendering: closing it in between lets Xvfb reset (it does when its last
  // client leaves), and VTK's own connection then fails during the reset.
  struct DisplayCloser
  {
    void operator()(Display* d) const { XCloseDisplay(d); }
  };
  const std::unique_ptr<Display, DisplayCloser> display(XOpenDisplay(nullptr));
  if (!display)
    throw ProcessingError("no X display for off-screen rendering (DISPLAY is unset or "
                          "unreachable): run under `xvfb-run -a`");
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(0.0, 0.0, 0.0);
  bool empty = false;
  // A translucent liver when there are lesions to see through it.
  const bool showLesions = lesions != nullptr;
  auto liverActor = surfaceActor(liver, LiverColour, showLesions ? 0.45 : 1.0, empty);
  if (empty)
    throw InputError("", "the liver mask is empty: nothing to render");
  if (showLesions)
  {
    bool noLesion = false;
    auto lesionActor = surfaceActor(*lesions, LesionColour, 1.0, noLesion);
    if (!noLesion)
      renderer->AddActor(lesionActor);
  }
  renderer->AddActor(liverActor);

  vtkNew<vtkRenderWindow> window;
  window->SetDisplayId(display.get());
  window->SetOffScreenRendering(1);
  window->SetSize(static_cast<int>(options.widthPx), static_cast<int>(options.heightPx));
  window->AddRenderer(renderer);
  if (!window->SupportsOpenGL())
    throw ProcessingError("no OpenGL context for off-screen rendering (run under `xvfb-run -a` "
                          "when there is no display)");

  // LPS: anterior is -y, superior +z. An anterior view puts the patient's right on screen left.
  vtkCamera* camera = renderer->GetActiveCamera();
  camera->SetFocalPoint(0, 0, 0);
  switch (options.view)
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
  camera->ParallelProjectionOn();
  renderer->ResetCamera();
  window->Render();

  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->Update();
  const std::filesystem::path target(pngPath);
  if (!target.parent_path().empty())
    std::filesystem::create_directories(target.parent_path());
  const std::filesystem::path temporary =
    target.parent_path() / (".tmp-" + target.filename().string());
  vtkNew<vtkPNGWriter> writer;
  writer->SetInputConnection(grab->GetOutputPort());
  writer->SetFileName(temporary.string().c_str());
  writer->Write();
  std::error_code ec;
  if (writer->GetErrorCode() != 0 || !std::filesystem::exists(temporary))
  {
    std::filesystem::remove(temporary, ec);
    throw OutputError(pngPath + ": cannot write PNG");
  }
  std::filesystem::rename(temporary, target, ec);
  if (ec)
    throw OutputError(pngPath + ": cannot write: " + ec.message());
}

} // namespace liver
