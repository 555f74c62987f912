#pragma once
/// Pieces shared by the off-screen snapshots, the report's 3D view and the planner window:
/// the X connection, the off-screen window, the standard cameras, the read-back and atomic PNG
/// writing, and label masks as surfaces in LPS. Internal to liver::viewer (VTK stays here).

#include <liver/imaging/types.h>
#include <liver/viewer/snapshot.h>

#include <vtkSmartPointer.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

class vtkActor;
class vtkCamera;
class vtkImageData;
class vtkMatrix4x4;
class vtkPolyDataAlgorithm;
class vtkProperty;
class vtkRenderWindow;
class vtkRenderer;
class vtkWindowToImageFilter;

// Xlib's own declaration, without its macros (None, Status, Bool, ...) in every includer.
struct _XDisplay;
typedef struct _XDisplay Display;

namespace liver::detail
{

struct DisplayCloser
{
  void operator()(Display* display) const;
};
using DisplayConnection = std::unique_ptr<Display, DisplayCloser>;

/// How often and how patiently to connect to the X server: an Xvfb under load, or resetting
/// after its last client left, refuses connections for a moment.
struct ConnectRetry
{
  int attempts = 5;                           ///< tries in all
  std::chrono::milliseconds firstWait{ 100 }; ///< before the second try, doubled for each next
};

/// Call `open` until it gives a connection, at most retry.attempts times, with sleep(wait)
/// between tries and the wait doubled each time (100, 200, 400, 800 ms: 1.5 s at most by
/// default); the last result (null when every try failed).
Display* openWithRetry(const std::function<Display*()>& open,
                       const ConnectRetry& retry = {},
                       const std::function<void(std::chrono::milliseconds)>& sleep = {});

/// A connection to the X server that DISPLAY names (openWithRetry's tries); null when there is
/// none, at once when DISPLAY is unset or empty.
DisplayConnection openDisplay();

/// As openDisplay, but throws ProcessingError (run under `xvfb-run -a`) when there is no X server.
/// VTK 9.1 aborts the process when it cannot reach one, so connect first; hand this connection to
/// VTK and keep it open until the image is read back: closing it in between lets Xvfb reset (it
/// does when its last client leaves), and VTK's own connection then fails during the reset.
DisplayConnection openOffScreenDisplay();

/// std::invalid_argument unless both sides of the snapshot are 16..8192 px.
void checkSnapshotSize(const SnapshotOptions& options);

/// ProcessingError ("no OpenGL context for `what`") when `window` cannot make an OpenGL context.
void requireOpenGl(vtkRenderWindow* window, const std::string& what);

/// Make `window` an off-screen window on `display` of the snapshot's size, with `layers` as its
/// renderers in layers 0, 1, ..., the first one (the scene) depth-peeled (enableDepthPeeling);
/// ProcessingError when it has no OpenGL context.
void setUpOffScreenWindow(vtkRenderWindow* window,
                          Display* display,
                          const SnapshotOptions& options,
                          std::initializer_list<vtkRenderer*> layers);

/// A parallel projection looking at the origin from `view`'s side. LPS: anterior is -y, superior
/// +z; an anterior view puts the patient's right on screen left. The caller resets the camera.
void placeCamera(vtkCamera* camera, SnapshotView view);

/// The window's back buffer read back as RGB (rendered again first when `rerender`), updated.
vtkSmartPointer<vtkWindowToImageFilter> grabRgb(vtkRenderWindow* window, bool rerender = true);

/// Write `image` as PNG to `pngPath` through a temporary file in the same folder (created when
/// missing); OutputError when it cannot.
void writePngAtomically(vtkImageData* image, const std::string& pngPath);

/// Render `window` and write its back buffer as PNG to `pngPath` (as writePngAtomically).
void writeWindowPng(vtkRenderWindow* window, const std::string& pngPath);

/// Which non-zero label values a mask keeps; an empty test keeps them all.
using VoxelTest = std::function<bool(std::uint16_t)>;

/// The non-zero voxels of `labels` that pass `test` as a binary vtkImageData in index units,
/// cropped to their bounding box and padded by one voxel, and the 4x4 matrix that maps those
/// index coordinates to LPS mm. False when no voxel passes.
bool maskToVtk(const LabelImage& labels,
               const VoxelTest& test,
               vtkImageData* image,
               vtkMatrix4x4* indexToLps);

/// The smooth surface of the binary `image` in LPS mm (`toLps` maps the image's coordinates,
/// index units or mm, to LPS): the mask resampled linearly to cubic voxels of at least 1 mm
/// when its voxels are not, the 0.5 iso-surface (flying edges), windowed-sinc smoothed (20
/// iterations, pass band 0.01, as 3D Slicer's default smoothing factor 0.5: no voxel staircase,
/// volume kept within a few percent), mapped through `toLps`, with point normals pointing out of
/// the mask (also under a mirroring direction matrix). Not updated.
vtkSmartPointer<vtkPolyDataAlgorithm> smoothSurfaceInLps(vtkImageData* image, vtkMatrix4x4* toLps);

/// The material of every lit surface: `rgb` (0..1) with a soft specular highlight, `opacity`.
void setSurfaceMaterial(vtkProperty* property, const std::array<double, 3>& rgb, double opacity);

/// A smooth, lit surface actor of the voxels of `labels` passing `test` (smoothSurfaceInLps and
/// setSurfaceMaterial), colour 0..255; null when there are none.
vtkSmartPointer<vtkActor> surfaceActor(const LabelImage& labels,
                                       const VoxelTest& test,
                                       const std::array<unsigned char, 3>& rgb,
                                       double opacity);

/// Light `renderer` as a surgeon's 3D view: a key light above and to the side of the camera and
/// a weaker head light filling its shadows, both following the camera.
void addKeyLight(vtkRenderer* renderer);

/// Draw the translucent surfaces of `renderer` in correct depth order (depth peeling; the
/// window needs alpha bit planes and no multisampling, which this sets).
void enableDepthPeeling(vtkRenderWindow* window, vtkRenderer* renderer);

/// Where the snapshots put the orientation marker: a square of 18 % of the height in the lower
/// right corner of a widthPx x heightPx window (xmin, ymin, xmax, ymax as window fractions).
std::array<double, 4> markerViewport(unsigned widthPx, unsigned heightPx);

/// An orientation marker: a small cube with the patient's A/P/R/L/S/I on its faces (LPS: +x is
/// L, +y P, +z S), drawn in its own renderer in a corner of the window.
struct OrientationMarker
{
  vtkSmartPointer<vtkRenderer> renderer;

  /// The marker in `viewport` (xmin, ymin, xmax, ymax, window fractions) of layer `layer`.
  OrientationMarker(const std::array<double, 4>& viewport, int layer);
  /// Turn the cube as `camera` looks at the scene (call after each camera change, or follow).
  void syncTo(vtkCamera* camera) const;
  /// Re-sync whenever `camera` changes (the interactive window).
  void follow(vtkCamera* camera) const;
};

} // namespace liver::detail
