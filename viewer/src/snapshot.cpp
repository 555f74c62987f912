/// Off-screen snapshots with VTK: the liver's and lesions' smooth surfaces placed in LPS space
/// through the image's direction matrix, lit by a key light, with an orientation marker.

#include "render_common.h"

#include <liver/imaging/errors.h>
#include <liver/viewer/snapshot.h>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkNew.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>

#include <stdexcept>

namespace liver
{

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
                    const std::string& pngPath,
                    const LabelImage* vessels)
{
  detail::checkSnapshotSize(options);
  const detail::DisplayConnection display = detail::openOffScreenDisplay();
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(0.0, 0.0, 0.0);
  // A translucent liver when there are lesions or vessels to see through it.
  const bool seeThrough = lesions != nullptr || vessels != nullptr;
  auto liverActor = detail::surfaceActor(liver, {}, LiverColour, seeThrough ? 0.45 : 1.0);
  if (!liverActor)
    throw InputError("", "the liver mask is empty: nothing to render");
  if (lesions)
    if (auto lesionActor = detail::surfaceActor(*lesions, {}, LesionColour, 1.0))
      renderer->AddActor(lesionActor);
  if (vessels)
    if (auto vesselActor = detail::surfaceActor(*vessels, {}, VesselColour, 1.0))
      renderer->AddActor(vesselActor);
  renderer->AddActor(liverActor);

  detail::addKeyLight(renderer);
  const detail::OrientationMarker marker(detail::markerViewport(options.widthPx, options.heightPx),
                                         1);

  vtkNew<vtkRenderWindow> window;
  detail::setUpOffScreenWindow(window, display.get(), options, { renderer, marker.renderer });
  detail::placeCamera(renderer->GetActiveCamera(), options.view);
  renderer->ResetCamera();
  marker.syncTo(renderer->GetActiveCamera());
  window->Render();
  detail::writeWindowPng(window, pngPath);
}

} // namespace liver
