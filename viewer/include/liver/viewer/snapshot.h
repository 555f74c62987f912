#pragma once
/// Off-screen 3D snapshots of a liver and its lesions (VTK stays inside liver::viewer).

#include <liver/imaging/palette.h> // LiverColour, LesionColour (tests and legends use them)
#include <liver/imaging/types.h>

#include <array>
#include <string>

namespace liver
{

enum class SnapshotView
{
  Anterior,  ///< looking from the patient's front (+y direction of view)
  Posterior, ///< from the back
  Superior   ///< from the head, looking down
};

/// "anterior", "posterior" or "superior"; std::invalid_argument otherwise.
SnapshotView parseSnapshotView(const std::string& name);

struct SnapshotOptions
{
  SnapshotView view = SnapshotView::Anterior;
  unsigned widthPx = 800;
  unsigned heightPx = 600;
};

/// Render the liver's smooth surface (and the lesions and vessels inside it, seen through a
/// translucent, depth-peeled liver) lit by a key light on black, with an orientation marker,
/// off-screen, and write a PNG to `pngPath` atomically. Needs an X display (run under
/// `xvfb-run -a` without one): throws ProcessingError when no OpenGL context can be made.
/// `lesions` and `vessels` (non-zero = vessel, on the liver's grid) may be null.
void renderSnapshot(const LabelImage& liver,
                    const LabelImage* lesions,
                    const SnapshotOptions& options,
                    const std::string& pngPath,
                    const LabelImage* vessels = nullptr);

} // namespace liver
