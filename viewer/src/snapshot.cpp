/// Off-screen snapshots with VTK: the liver's and lesions' surfaces by flying edges, placed in LPS
/// space through the image's direction matrix, rendered unlit on black.

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
                    const std::string& pngPath)
{
  detail::checkSnapshotSize(options);
  const detail::DisplayConnection display = detail::openOffScreenDisplay();
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(0.0, 0.0, 0.0);
  // A translucent liver when there are lesions to see through it.
  const bool showLesions = lesions != nullptr;
  auto liverActor = detail::flatSurfaceActor(liver, {}, LiverColour, showLesions ? 0.45 : 1.0);
  if (!liverActor)
    throw InputError("", "the liver mask is empty: nothing to render");
  if (showLesions)
    if (auto lesionActor = detail::flatSurfaceActor(*lesions, {}, LesionColour, 1.0))
      renderer->AddActor(lesionActor);
  renderer->AddActor(liverActor);

  vtkNew<vtkRenderWindow> window;
  detail::setUpOffScreenWindow(window, display.get(), options, { renderer });
  detail::placeCamera(renderer->GetActiveCamera(), options.view);
  renderer->ResetCamera();
  window->Render();
  detail::writeWindowPng(window, pngPath);
}

} // namespace liver
