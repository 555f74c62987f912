/// Shared rendering pieces of liver::viewer (see render_common.h).

#include "render_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <vtkActor.h>
#include <vtkAnnotatedCubeActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageCast.h>
#include <vtkImageData.h>
#include <vtkImageResample.h>
#include <vtkLight.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkWindowToImageFilter.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <X11/Xlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace liver::detail
{
namespace
{
/// Whether flying edges orients its triangles with right-hand normals into the mask (it does
/// not: checked by the SmoothSurface test on a ball).
constexpr bool FlyingEdgesWindsInward = false;

/// The marker's camera looks at its cube from the direction `camera` looks at the scene.
void syncMarkerCamera(vtkRenderer* marker, vtkCamera* camera)
{
  double direction[3];
  camera->GetDirectionOfProjection(direction);
  vtkCamera* own = marker->GetActiveCamera();
  own->SetFocalPoint(0.0, 0.0, 0.0);
  own->SetPosition(-4.0 * direction[0], -4.0 * direction[1], -4.0 * direction[2]);
  own->SetViewUp(camera->GetViewUp());
  own->SetParallelScale(1.0);
  own->SetClippingRange(0.5, 8.0);
}
} // namespace

void DisplayCloser::operator()(Display* display) const
{
  XCloseDisplay(display);
}

Display* openWithRetry(const std::function<Display*()>& open,
                       const ConnectRetry& retry,
                       const std::function<void(std::chrono::milliseconds)>& sleep)
{
  std::chrono::milliseconds wait = retry.firstWait;
  Display* display = nullptr;
  for (int attempt = 1; attempt <= std::max(1, retry.attempts); ++attempt)
  {
    if (attempt > 1)
    {
      if (sleep)
        sleep(wait);
      else
        std::this_thread::sleep_for(wait);
      wait *= 2;
    }
    display = open();
    if (display)
      break;
  }
  return display;
}

DisplayConnection openDisplay()
{
  const char* name = std::getenv("DISPLAY");
  if (!name || !*name)
    return nullptr; // nothing to wait for
  return DisplayConnection(openWithRetry([] { return XOpenDisplay(nullptr); }));
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
  if (layers.size() > 0)
    enableDepthPeeling(window, *layers.begin());
  int layer = 0;
  for (vtkRenderer* renderer : layers)
  {
    renderer->SetLayer(layer++);
    window->AddRenderer(renderer);
  }
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

vtkSmartPointer<vtkPolyDataAlgorithm> smoothSurfaceInLps(vtkImageData* image, vtkMatrix4x4* toLps)
{
  // Anisotropic voxels (thin pixels, thick slices) leave terraces one slice high that smoothing
  // alone keeps, and sub-millimetre pixels make millions of triangles that a picture of a whole
  // liver does not need: resample the mask linearly to cubic voxels of the finest spacing but at
  // least 1 mm, so the iso-surface ramps between slices.
  double spacingMm[3];
  for (int a = 0; a < 3; ++a)
    spacingMm[a] =
      image->GetSpacing()[a] *
      std::hypot(toLps->GetElement(0, a), toLps->GetElement(1, a), toLps->GetElement(2, a));
  const double targetMm = std::max({ 1.0, std::min({ spacingMm[0], spacingMm[1], spacingMm[2] }) });
  vtkNew<vtkFlyingEdges3D> surface;
  if (std::any_of(spacingMm,
                  spacingMm + 3,
                  [targetMm](double s) { return std::abs(s - targetMm) > 0.25 * targetMm; }))
  {
    vtkNew<vtkImageCast> toFloat;
    toFloat->SetInputData(image);
    toFloat->SetOutputScalarTypeToFloat();
    vtkNew<vtkImageResample> resample;
    resample->SetInputConnection(toFloat->GetOutputPort());
    resample->SetInterpolationModeToLinear();
    for (int a = 0; a < 3; ++a)
      resample->SetAxisMagnificationFactor(a, spacingMm[a] / targetMm);
    surface->SetInputConnection(resample->GetOutputPort());
  }
  else
    surface->SetInputData(image);
  surface->SetValue(0, 0.5);
  surface->ComputeNormalsOff();
  surface->ComputeGradientsOff();
  surface->ComputeScalarsOff();
  // The filter's weights depend on the mesh's connectivity only, so smoothing in index units
  // equals smoothing in mm under the affine index-to-LPS map.
  vtkNew<vtkWindowedSincPolyDataFilter> smooth;
  smooth->SetInputConnection(surface->GetOutputPort());
  smooth->SetNumberOfIterations(20);
  smooth->SetPassBand(0.01);
  smooth->BoundarySmoothingOff();
  smooth->FeatureEdgeSmoothingOff();
  smooth->NonManifoldSmoothingOn();
  smooth->NormalizeCoordinatesOn();
  vtkNew<vtkTransform> transform;
  transform->SetMatrix(toLps);
  vtkNew<vtkTransformPolyDataFilter> transformed;
  transformed->SetInputConnection(smooth->GetOutputPort());
  transformed->SetTransform(transform);
  // Normals from the triangles' winding, computed in LPS: flying edges winds its triangles with
  // their normals into the mask, and a mirroring matrix reverses the winding.
  auto normals = vtkSmartPointer<vtkPolyDataNormals>::New();
  normals->SetInputConnection(transformed->GetOutputPort());
  normals->SplittingOff();
  normals->ConsistencyOn();
  normals->AutoOrientNormalsOff();
  normals->ComputeCellNormalsOff();
  normals->SetFlipNormals(FlyingEdgesWindsInward != (toLps->Determinant() < 0.0));
  return normals;
}

void setSurfaceMaterial(vtkProperty* property, const std::array<double, 3>& rgb, double opacity)
{
  property->SetColor(rgb[0], rgb[1], rgb[2]);
  property->SetOpacity(opacity);
  property->SetInterpolationToGouraud();
  property->SetAmbient(0.12);
  property->SetDiffuse(0.88);
  property->SetSpecular(0.2);
  property->SetSpecularPower(25.0);
}

vtkSmartPointer<vtkActor> surfaceActor(const LabelImage& labels,
                                       const VoxelTest& test,
                                       const std::array<unsigned char, 3>& rgb,
                                       double opacity)
{
  vtkNew<vtkImageData> image;
  vtkNew<vtkMatrix4x4> matrix;
  if (!maskToVtk(labels, test, image, matrix))
    return nullptr;
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(smoothSurfaceInLps(image, matrix)->GetOutputPort());
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  setSurfaceMaterial(
    actor->GetProperty(), { rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0 }, opacity);
  return actor;
}

void addKeyLight(vtkRenderer* renderer)
{
  // Two camera lights (each light costs a pass over the fragments under llvmpipe): a key light
  // from above and beside the camera, and a weaker head light that fills the key's shadows.
  vtkNew<vtkLight> key;
  key->SetLightTypeToCameraLight();
  key->SetDirectionAngle(50.0, 10.0); // vtkLightKit's key light: 50 deg up, 10 deg aside
  key->SetFocalPoint(0.0, 0.0, 0.0);
  key->SetIntensity(0.8);
  renderer->AddLight(key);
  vtkNew<vtkLight> head;
  head->SetLightTypeToHeadlight();
  head->SetIntensity(0.35);
  renderer->AddLight(head);
}

void enableDepthPeeling(vtkRenderWindow* window, vtkRenderer* renderer)
{
  window->SetAlphaBitPlanes(1);
  window->SetMultiSamples(0);
  renderer->SetUseDepthPeeling(1);
  // Few peels: the scenes hold one or two translucent layers in front of opaque surfaces.
  renderer->SetMaximumNumberOfPeels(4);
  renderer->SetOcclusionRatio(0.05);
}

std::array<double, 4> markerViewport(unsigned widthPx, unsigned heightPx)
{
  const double height = 0.18;
  const double width = std::min(height * heightPx / std::max(widthPx, 1U), 0.5);
  return { 1.0 - width, 0.0, 1.0, height };
}

OrientationMarker::OrientationMarker(const std::array<double, 4>& viewport, int layer)
  : renderer(vtkSmartPointer<vtkRenderer>::New())
{
  vtkNew<vtkAnnotatedCubeActor> cube;
  cube->SetXPlusFaceText("L");
  cube->SetXMinusFaceText("R");
  cube->SetYPlusFaceText("P");
  cube->SetYMinusFaceText("A");
  cube->SetZPlusFaceText("S");
  cube->SetZMinusFaceText("I");
  cube->SetFaceTextScale(0.6);
  cube->GetCubeProperty()->SetColor(0.32, 0.32, 0.34);
  cube->GetTextEdgesProperty()->SetColor(0.9, 0.9, 0.9);
  cube->GetTextEdgesProperty()->SetLineWidth(1.0F);
  for (vtkProperty* face : { cube->GetXPlusFaceProperty(),
                             cube->GetXMinusFaceProperty(),
                             cube->GetYPlusFaceProperty(),
                             cube->GetYMinusFaceProperty(),
                             cube->GetZPlusFaceProperty(),
                             cube->GetZMinusFaceProperty() })
  {
    face->SetColor(1.0, 1.0, 1.0);
    face->SetInterpolationToFlat();
  }
  renderer->AddActor(cube);
  renderer->SetViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  renderer->SetLayer(layer);
  renderer->InteractiveOff();
  renderer->GetActiveCamera()->ParallelProjectionOn();
}

void OrientationMarker::syncTo(vtkCamera* camera) const
{
  syncMarkerCamera(renderer, camera);
}

void OrientationMarker::follow(vtkCamera* camera) const
{
  vtkNew<vtkCallbackCommand> onChange;
  onChange->SetClientData(renderer.Get()); // the window holds the marker's renderer
  onChange->SetCallback(
    [](vtkObject* caller, unsigned long, void* marker, void*)
    { syncMarkerCamera(static_cast<vtkRenderer*>(marker), static_cast<vtkCamera*>(caller)); });
  camera->AddObserver(vtkCommand::ModifiedEvent, onChange);
  syncTo(camera);
}

} // namespace liver::detail
