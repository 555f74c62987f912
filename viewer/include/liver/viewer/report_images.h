#pragma once
/// Images for the report: a 3D view of a resection plan (needs an X display, like renderSnapshot)
/// and an axial CT slice with the plan's overlays (drawn in memory: no display needed).

#include <liver/imaging/palette.h> // the colours of the images (legends and tests use them)
#include <liver/imaging/types.h>
#include <liver/viewer/snapshot.h>

#include <array>
#include <map>
#include <string>

namespace liver
{

/// What a plan does to a lesion, for its colour.
enum class LesionMark
{
  Resected,
  Ablated,
  Left
};

/// The colour a lesion is drawn in.
constexpr Rgb lesionColour(LesionMark mark)
{
  return mark == LesionMark::Resected  ? LesionResectedColour
         : mark == LesionMark::Ablated ? LesionAblatedColour
                                       : LesionLeftColour;
}

/// "resected", "ablated" or "left" (as in result.json); std::invalid_argument otherwise.
LesionMark parseLesionMark(const std::string& fate);

/// Render a plan in 3D off-screen and write a PNG atomically: the remnant (value 1 of
/// `remnantMap`: 0 outside the liver, 1 remnant, 2 resected, 3 ablation zone) opaque, the resected
/// part translucent, ablation zones and lesions drawn over the liver so they stay visible from
/// every side, each lesion in its mark's colour (LesionLeftColour for ids missing from `marks`).
/// Smooth surfaces lit by a key light (colours vary in brightness across a surface, their hue
/// stays), the translucent part depth-peeled, on black with an orientation marker (A/P/R/L/S/I
/// cube) in the lower right corner; `options` gives the view (anterior or posterior for the report)
/// and size. `lesions` may be null; `vessels` (non-zero = vessel, on the map's grid), when given,
/// are drawn over the liver like the lesions, in VesselColour. Needs an X display: throws
/// ProcessingError without one, and InputError when the remnant map has no liver voxel.
void renderPlanSnapshot(const LabelImage& remnantMap,
                        const LabelImage* lesions,
                        const std::map<unsigned, LesionMark>& marks,
                        const SnapshotOptions& options,
                        const std::string& pngPath,
                        const LabelImage* vessels = nullptr);

struct AxialSliceOptions
{
  double windowHu = 400.0; ///< CT display window width (soft tissue)
  double levelHu = 40.0;   ///< window centre
  unsigned widthPx = 400;  ///< output width; the height follows the field of view's aspect
  double marginMm = 20.0;  ///< field of view: the liver's bounding box grown by this much
};

/// What to draw over the CT on an axial slice. Every image must be on the CT's grid; each may be
/// null. With a remnant map the remnant, resected part and ablation zones are tinted and the cut
/// outlined; otherwise the liver mask is outlined. Lesion outlines use the marks' colours.
struct SliceOverlays
{
  const LabelImage* remnantMap = nullptr;
  const LabelImage* liver = nullptr;
  const LabelImage* lesions = nullptr;
  std::map<unsigned, LesionMark> marks;
};

/// Where an axial slice image lies in LPS: pixel (u, v) (v = 0 at the top) covers
/// x = originLpsMm[0] + [u, u + 1) * pixelMm and y = originLpsMm[1] + [v, v + 1) * pixelMm.
struct AxialSliceGeometry
{
  unsigned widthPx = 0;
  unsigned heightPx = 0;
  std::array<double, 2> originLpsMm{}; ///< x (patient right edge) and y (anterior edge)
  double pixelMm = 0.0;
  double zLpsMm = 0.0;
};

/// Draw the axial (constant LPS z) plane through `throughLps` in memory and write an RGB PNG
/// atomically; no X display is needed. The CT is windowed (`options`), sampled by nearest
/// neighbour (any direction matrix) in radiological orientation: patient right on image left,
/// anterior at the top, with R/L/A/P letters, a scale bar and a cross at `throughLps`. The field
/// of view is the liver's (or the remnant map's) bounding box grown by `options.marginMm`, else
/// the whole CT. Throws InputError when an overlay is not on the CT's grid or `throughLps` is
/// outside the CT's z range, std::invalid_argument for a bad size or window.
AxialSliceGeometry renderAxialSlice(const CtImage& ct,
                                    const SliceOverlays& overlays,
                                    const std::array<double, 3>& throughLps,
                                    const AxialSliceOptions& options,
                                    const std::string& pngPath);

} // namespace liver
