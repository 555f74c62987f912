/// The interactive planner window (see plan_window.h). Geometry: "frame" coordinates are index x
/// spacing (mm along the image axes); LPS = origin + direction x frame. Image slices carry that
/// frame as their user matrix; surfaces are transformed to LPS, so clipping planes are in LPS.

#include "render_common.h"

#include <liver/editing/review.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/palette.h>
#include <liver/imaging/voxel_grid.h>
#include <liver/viewer/plan_window.h>
#include <liver/viewer/report_images.h>
#include <liver/viewer/snapshot.h>
#include <liver/volumetry/label_stats.h>
#include <liver/volumetry/volumetry.h>

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellPicker.h>
#include <vtkCommand.h>
#include <vtkCutter.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkImplicitPlaneRepresentation.h>
#include <vtkImplicitPlaneWidget2.h>
#include <vtkInteractorEventRecorder.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkPlane.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace liver
{
namespace
{

using Vec3 = std::array<double, 3>;
using Rgb01 = std::array<double, 3>;

constexpr Rgb01 rgb(int r, int g, int b)
{
  return { r / 255.0, g / 255.0, b / 255.0 };
}

// LiverPlan's palette (liver/imaging/palette.h), so the window reads like the report.
constexpr Rgb01 RemnantRgb = unitRgb(RemnantColour);
constexpr Rgb01 ResectedRgb = unitRgb(ResectedColour);
constexpr Rgb01 AblationRgb = unitRgb(AblationColour);
constexpr Rgb01 LesionLeftRgb = unitRgb(LesionLeftColour);
constexpr Rgb01 LesionResectedRgb = unitRgb(LesionResectedColour);
constexpr Rgb01 LesionAblatedRgb = unitRgb(LesionAblatedColour);
constexpr Rgb01 VesselRgb = unitRgb(VesselColour);
constexpr Rgb01 CutRgb = rgb(255, 255, 255);
constexpr Rgb01 CursorRgb = rgb(255, 200, 0);
constexpr Rgb01 PreviewRgb = rgb(255, 0, 255); ///< a lesion grown, not yet accepted
/// Couinaud segments 1..8 (index 0 unused).
Rgb01 segmentRgb(std::size_t segment)
{
  return unitRgb(CouinaudColours.at(segment));
}

Rgb01 fateRgb(LesionFate fate)
{
  return fate == LesionFate::Resected  ? LesionResectedRgb
         : fate == LesionFate::Ablated ? LesionAblatedRgb
                                       : LesionLeftRgb;
}

std::string fmt(double value, int decimals = 1)
{
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

/// Now in UTC, ISO 8601 (the time a review is saved).
std::string isoTimeNow()
{
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

double dot(const Vec3& a, const Vec3& b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

Vec3 unit(const Vec3& v)
{
  const double n = std::sqrt(dot(v, v));
  if (!(n > 0.0))
    throw std::invalid_argument("plane normal must not be zero");
  return { v[0] / n, v[1] / n, v[2] / n };
}

/// The liver's bounding box grown by two voxels (clamped to the image), so that surfaces and
/// overlays close inside it: a VoxelGrid (size, count, index; x fastest) placed at `lo` in the
/// image.
struct Box : VoxelGrid
{
  std::array<long, 3> lo{};
};

struct LesionInfo
{
  std::vector<std::size_t> voxels; ///< box indices inside the liver
  Vec3 centroidLps{};
  double volumeMl = 0.0;
  std::optional<double> diameterMm; ///< computed when first shown
  std::set<int> segments;
  vtkSmartPointer<vtkActor> actor;
};

/// One slice view: the CT and the overlay through the cursor, a crosshair and the cut line.
struct SliceView
{
  int axis = 2;                 ///< frame axis across the slice
  int u = 0, v = 1;             ///< in-plane frame axes
  Vec3 directionOfProjection{}; ///< in frame coordinates
  Vec3 viewUp{};                ///< in frame coordinates
  vtkSmartPointer<vtkRenderer> renderer;
  vtkSmartPointer<vtkImageSlice> ct;
  vtkSmartPointer<vtkImageSlice> overlay;
  vtkSmartPointer<vtkPolyData> crosshair;
  vtkSmartPointer<vtkPolyData> cutLine;
  vtkSmartPointer<vtkActor> crosshairActor;
  vtkSmartPointer<vtkActor> cutLineActor;
};

class PlanStyle;

} // namespace

struct PlanWindow::Impl
{
  // Inputs.
  CtImage::ConstPointer ct;
  LiverLabels labels;
  PlanOptions planOptions;
  std::vector<ResectionPlan> plans;
  PlanWindowOptions options;
  detail::DisplayConnection display;

  // Geometry.
  std::array<double, 3> spacing{};
  double direction[3][3]{};
  Vec3 origin{};
  vtkNew<vtkMatrix4x4> frameToLps;
  Box box;
  std::vector<std::uint8_t> liver, segment, vessel;
  std::vector<std::uint16_t> lesion;
  double voxelMl = 0.0;
  std::uint64_t liverCount = 0;
  std::map<int, LesionInfo> lesions;
  Vec3 liverCentreLps{};
  std::array<double, 6> liverBoundsLps{};

  // The current plan.
  std::size_t current = 0;
  std::optional<std::size_t> editedPlane; ///< index in plans[current].planes
  std::vector<std::uint8_t> fixedState;   ///< RemnantLabel of the plan without the edited plane
  std::optional<PlaneDragEstimator> estimator; ///< the plan without the edited plane
  PlanResult exact;
  PlanEstimate shown;
  std::optional<int> selectedLesion;
  std::array<bool, 6> visibility{ false, true, true, true, true, false };

  // VTK.
  vtkNew<vtkRenderWindow> window;
  vtkSmartPointer<vtkRenderWindowInteractor> iren;
  vtkSmartPointer<PlanStyle> style;
  vtkNew<vtkRenderer> view3d;
  /// Lesions and vessels, drawn over the liver (a layer above view3d with the same camera) so
  /// they stay visible through an opaque remnant; translucency is costly under llvmpipe.
  vtkNew<vtkRenderer> structures3d;
  /// A/P/R/L/S/I cube in the 3D view's lower right corner, turning with its camera.
  detail::OrientationMarker marker{ { 0.52, 0.0, 0.62, 0.14 }, 2 };
  std::array<SliceView, 3> slices;
  vtkNew<vtkImageData> ctImage;
  vtkNew<vtkImageData> overlayImage;
  vtkNew<vtkImplicitPlaneRepresentation> planeRep;
  vtkNew<vtkImplicitPlaneWidget2> planeWidget;
  vtkNew<vtkPlane> keepPlane;   ///< clips away the resected side (normal = -cut normal)
  vtkNew<vtkPlane> resectPlane; ///< clips away the kept side
  vtkNew<vtkPlane> cutPlane;
  vtkNew<vtkCutter> cutter;
  vtkNew<vtkCellPicker> lesionPicker;
  vtkNew<vtkTextActor> text;
  vtkNew<vtkTextActor> lesionPanel;
  vtkNew<vtkTextActor> help;
  vtkSmartPointer<vtkActor> remnantActor, planeResectedActor, fixedResectedActor, ablatedActor,
    cutActor, vesselActor;
  std::vector<vtkSmartPointer<vtkActor>> segmentActors;
  vtkSmartPointer<vtkInteractorEventRecorder> recorder;
  Vec3 cursorLps{};
  bool coarseNewerThanExact = false;

  // Edit mode: liver::editing does the editing; the window maps events and shows the result.
  std::unique_ptr<editing::LabelEditor> editor; ///< made when edit mode is first entered
  bool editMode = false;
  EditTool tool = EditTool::Paint;
  editing::EditTarget target = editing::EditTarget::Liver;
  std::uint16_t segmentValue = 1; ///< the Couinaud segment the segment brush paints
  double brushRadiusMm = 5.0;
  bool brushFlat = true; ///< a disc on the slice (2D) rather than a sphere (3D)
  bool brushHu = false;  ///< threshold-limited to options.brushHuRange
  double toleranceHu = 40.0;
  std::optional<editing::LesionPreview> preview;
  std::optional<Vec3> previewSeed;
  bool stroking = false;
  int strokeView = 0;
  std::uint16_t strokeLesionId = 0;
  bool surfacesBehind = false; ///< a stroke changed voxels the 3D surfaces do not show yet
  std::string editMessage;
  vtkNew<vtkTextActor> editPanel;
  /// The edit panel's own strip over the 3D view (drawn in edit mode): it stays current while a
  /// brush stroke leaves the 3D view undrawn.
  vtkNew<vtkRenderer> editRenderer;

  void loadGeometry(const CtImage& image);
  void copyLabels();
  vtkSmartPointer<vtkActor> surfaceActor(const std::vector<std::uint8_t>& mask,
                                         const Rgb01& colour,
                                         double opacity);
  vtkSmartPointer<vtkPolyData> surface(const std::vector<std::uint8_t>& mask);
  Vec3 frameOf(const Vec3& lps) const;
  Vec3 lpsOfFrame(const Vec3& frame) const;
  Vec3 lpsOfBox(std::size_t i) const;
  Vec3 frameVector(const Vec3& lpsVector) const;
  Vec3 lpsVector(const Vec3& frameVector) const;

  void buildScene();
  void buildSlices();
  void setupPlan();
  void applyPlaneToScene();
  void showEstimate();
  double coarse();
  double exactNow();
  editing::LiveNumbers liveNumbers() const;
  void updateOverlay();
  void updateSlices();
  void applyVisibility();
  void resetCamera3d(SnapshotView view, bool oblique);
  void onWidgetMoved(bool release);
  void onLeftPress(int x, int y);
  void onWheel(int x, int y, int steps);
  void onChar(char key);
  std::string formatText() const;
  std::string formatLesion(int id);
  std::string planJsonText() const;
  ResectionPlan planWithoutEdited() const;
  SliceView* sliceAt(int x, int y);

  void buildLesionActors();
  void allocateOverlay();
  unsigned char overlayValue(std::size_t b,
                             std::size_t full,
                             const std::uint16_t* map,
                             const std::map<int, LesionFate>& fates) const;
  void ensureEditor();
  void reloadLabels();
  void refreshAround(const Vec3& lps, double radiusMm);
  void showPreview();
  Vec3 pointOnSlice(const SliceView& s, int x, int y) const;
  double editAt(const Vec3& lps, int view);
  double dab(const Vec3& lps);
  double finishStroke();
  void onEditPress(int x, int y);
  void onEditMove(int x, int y);
  bool onEditChar(char key);
  std::string formatEditText() const;
  void showEditPanel();
};

namespace
{

/// Trackball camera in the 3D view; in the slice views a click sets the cursor, the wheel moves
/// the slice. Keys are the planner's (the default VTK keys are not used).
class PlanStyle : public vtkInteractorStyleTrackballCamera
{
public:
  static PlanStyle* New();
  vtkTypeMacro(PlanStyle, vtkInteractorStyleTrackballCamera) PlanWindow::Impl* impl = nullptr;

  void OnLeftButtonDown() override
  {
    // In a slice: set the cursor (no rotation), or in edit mode apply the tool there. In 3D:
    // pick a lesion, then rotate as usual.
    const int* p = this->Interactor->GetEventPosition();
    const bool inSlice = impl->sliceAt(p[0], p[1]) != nullptr;
    if (inSlice && impl->editMode)
    {
      impl->onEditPress(p[0], p[1]);
      return;
    }
    impl->onLeftPress(p[0], p[1]);
    if (!inSlice)
      vtkInteractorStyleTrackballCamera::OnLeftButtonDown();
  }
  void OnMouseMove() override
  {
    if (impl->stroking)
    {
      const int* p = this->Interactor->GetEventPosition();
      impl->onEditMove(p[0], p[1]);
      return;
    }
    vtkInteractorStyleTrackballCamera::OnMouseMove();
  }
  void OnLeftButtonUp() override
  {
    if (impl->stroking)
    {
      impl->finishStroke();
      impl->iren->Render();
      return;
    }
    vtkInteractorStyleTrackballCamera::OnLeftButtonUp();
  }
  void OnMouseWheelForward() override { wheel(1); }
  void OnMouseWheelBackward() override { wheel(-1); }
  void OnChar() override { impl->onChar(this->Interactor->GetKeyCode()); }

private:
  void wheel(int steps)
  {
    const int* p = this->Interactor->GetEventPosition();
    if (impl->sliceAt(p[0], p[1]))
      impl->onWheel(p[0], p[1], steps);
    else if (steps > 0)
      vtkInteractorStyleTrackballCamera::OnMouseWheelForward();
    else
      vtkInteractorStyleTrackballCamera::OnMouseWheelBackward();
  }
};
vtkStandardNewMacro(PlanStyle);

/// The segment [a, b] of the line {(s, t): ns * s + nt * t = d} inside [s0, s1] x [t0, t1].
std::optional<std::array<double, 4>>
clipLine(double ns, double nt, double d, double s0, double s1, double t0, double t1)
{
  std::vector<std::array<double, 2>> hits;
  if (std::abs(nt) > 1e-9)
    for (double s : { s0, s1 })
    {
      const double t = (d - ns * s) / nt;
      if (t >= t0 - 1e-9 && t <= t1 + 1e-9)
        hits.push_back({ s, t });
    }
  if (std::abs(ns) > 1e-9)
    for (double t : { t0, t1 })
    {
      const double s = (d - nt * t) / ns;
      if (s >= s0 - 1e-9 && s <= s1 + 1e-9)
        hits.push_back({ s, t });
    }
  if (hits.size() < 2)
    return std::nullopt;
  // The two hits furthest apart (corners may be found twice).
  std::array<double, 4> best{ hits[0][0], hits[0][1], hits[1][0], hits[1][1] };
  double bestLength = -1.0;
  for (std::size_t i = 0; i < hits.size(); ++i)
    for (std::size_t j = i + 1; j < hits.size(); ++j)
    {
      const double ds = hits[i][0] - hits[j][0], dt = hits[i][1] - hits[j][1];
      if (ds * ds + dt * dt > bestLength)
      {
        bestLength = ds * ds + dt * dt;
        best = { hits[i][0], hits[i][1], hits[j][0], hits[j][1] };
      }
    }
  return best;
}

void setLines(vtkPolyData* poly, const std::vector<std::array<Vec3, 2>>& lines)
{
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> cells;
  for (const auto& line : lines)
  {
    const vtkIdType a = points->InsertNextPoint(line[0].data());
    const vtkIdType b = points->InsertNextPoint(line[1].data());
    const vtkIdType ids[2] = { a, b };
    cells->InsertNextCell(2, ids);
  }
  poly->SetPoints(points);
  poly->SetLines(cells);
  poly->Modified();
}

vtkSmartPointer<vtkActor> lineActor(vtkPolyData* poly, const Rgb01& colour, double width)
{
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputData(poly);
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(colour[0], colour[1], colour[2]);
  actor->GetProperty()->SetLineWidth(static_cast<float>(width));
  actor->GetProperty()->LightingOff();
  actor->PickableOff();
  return actor;
}

std::string jsonString(const std::string& s)
{
  std::string out = "\"";
  for (char c : s)
  {
    if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else if (static_cast<unsigned char>(c) < 0x20)
    {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    }
    else
      out += c;
  }
  return out + "\"";
}

std::string jsonNumber(double value)
{
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Geometry and labels

void PlanWindow::Impl::loadGeometry(const CtImage& image)
{
  for (int a = 0; a < 3; ++a)
  {
    spacing[a] = image.GetSpacing()[a];
    origin[a] = image.GetOrigin()[a];
    for (int b = 0; b < 3; ++b)
      direction[a][b] = image.GetDirection()[a][b];
  }
  frameToLps->Identity();
  for (int r = 0; r < 3; ++r)
  {
    for (int c = 0; c < 3; ++c)
      frameToLps->SetElement(r, c, direction[r][c]);
    frameToLps->SetElement(r, 3, origin[r]);
  }
}

Vec3 PlanWindow::Impl::frameVector(const Vec3& w) const
{
  Vec3 f{};
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r)
      f[c] += direction[r][c] * w[r];
  return f;
}

Vec3 PlanWindow::Impl::lpsVector(const Vec3& f) const
{
  Vec3 w{};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      w[r] += direction[r][c] * f[c];
  return w;
}

Vec3 PlanWindow::Impl::frameOf(const Vec3& lps) const
{
  return frameVector({ lps[0] - origin[0], lps[1] - origin[1], lps[2] - origin[2] });
}

Vec3 PlanWindow::Impl::lpsOfFrame(const Vec3& frame) const
{
  const Vec3 w = lpsVector(frame);
  return { w[0] + origin[0], w[1] + origin[1], w[2] + origin[2] };
}

Vec3 PlanWindow::Impl::lpsOfBox(std::size_t i) const
{
  const long nx = box.size[0], ny = box.size[1];
  const long x = static_cast<long>(i % static_cast<std::size_t>(nx));
  const long y =
    static_cast<long>((i / static_cast<std::size_t>(nx)) % static_cast<std::size_t>(ny));
  const long z = static_cast<long>(i / static_cast<std::size_t>(nx * ny));
  return lpsOfFrame(
    { (x + box.lo[0]) * spacing[0], (y + box.lo[1]) * spacing[1], (z + box.lo[2]) * spacing[2] });
}

void PlanWindow::Impl::copyLabels()
{
  const LabelImage& liverImage = *labels.liver;
  const auto size = liverImage.GetLargestPossibleRegion().GetSize();
  const long n[3] = { static_cast<long>(size[0]),
                      static_cast<long>(size[1]),
                      static_cast<long>(size[2]) };
  const std::uint16_t* p = liverImage.GetBufferPointer();
  std::array<long, 3> lo{ n[0], n[1], n[2] }, hi{ -1, -1, -1 };
  std::size_t i = 0;
  for (long z = 0; z < n[2]; ++z)
    for (long y = 0; y < n[1]; ++y)
      for (long x = 0; x < n[0]; ++x, ++i)
        if (p[i])
        {
          lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
          hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
        }
  if (hi[0] < 0)
    throw InputError("", "the liver mask is empty: nothing to show");
  for (int a = 0; a < 3; ++a)
  {
    box.lo[a] = std::max(lo[a] - 2, 0L);
    box.size[a] = std::min(hi[a] + 2, n[a] - 1) - box.lo[a] + 1;
  }
  const std::size_t count = box.count();
  liver.assign(count, 0);
  segment.assign(count, 0);
  vessel.assign(count, 0);
  lesion.assign(count, 0);
  const std::uint16_t* les = labels.lesions ? labels.lesions->GetBufferPointer() : nullptr;
  const std::uint16_t* seg = labels.segments ? labels.segments->GetBufferPointer() : nullptr;
  const std::uint16_t* ves = labels.vessels ? labels.vessels->GetBufferPointer() : nullptr;
  Vec3 sum{};
  std::size_t b = 0;
  for (long z = 0; z < box.size[2]; ++z)
    for (long y = 0; y < box.size[1]; ++y)
      for (long x = 0; x < box.size[0]; ++x, ++b)
      {
        const std::size_t f =
          (static_cast<std::size_t>(z + box.lo[2]) * static_cast<std::size_t>(n[1]) +
           static_cast<std::size_t>(y + box.lo[1])) *
            static_cast<std::size_t>(n[0]) +
          static_cast<std::size_t>(x + box.lo[0]);
        liver[b] = p[f] != 0;
        if (liver[b])
        {
          ++liverCount;
          sum = { sum[0] + x, sum[1] + y, sum[2] + z };
        }
        if (seg && liver[b] && seg[f] >= 1 && seg[f] <= 8)
          segment[b] = static_cast<std::uint8_t>(seg[f]);
        if (ves && ves[f])
          vessel[b] = 1;
        if (les && les[f])
        {
          lesion[b] = les[f];
          LesionInfo& info = lesions[les[f]];
          if (liver[b])
          {
            info.voxels.push_back(b);
            if (segment[b])
              info.segments.insert(segment[b]);
          }
        }
      }
  voxelMl = voxelVolumeMl(liverImage);
  liverCentreLps = lpsOfFrame({ (sum[0] / liverCount + box.lo[0]) * spacing[0],
                                (sum[1] / liverCount + box.lo[1]) * spacing[1],
                                (sum[2] / liverCount + box.lo[2]) * spacing[2] });
  for (auto& [id, info] : lesions)
  {
    Vec3 c{};
    for (std::size_t v : info.voxels)
    {
      const Vec3 q = lpsOfBox(v);
      c = { c[0] + q[0], c[1] + q[1], c[2] + q[2] };
    }
    const double k = info.voxels.empty() ? 1.0 : static_cast<double>(info.voxels.size());
    info.centroidLps = { c[0] / k, c[1] / k, c[2] / k };
    info.volumeMl = static_cast<double>(info.voxels.size()) * voxelMl;
  }
  // Bounds of the box in LPS (its 8 corners).
  liverBoundsLps = { 1e300, -1e300, 1e300, -1e300, 1e300, -1e300 };
  for (int corner = 0; corner < 8; ++corner)
  {
    Vec3 f{};
    for (int a = 0; a < 3; ++a)
      f[a] = (box.lo[a] + ((corner >> a) & 1 ? box.size[a] - 1 : 0)) * spacing[a];
    const Vec3 w = lpsOfFrame(f);
    for (int a = 0; a < 3; ++a)
    {
      liverBoundsLps[2 * a] = std::min(liverBoundsLps[2 * a], w[a]);
      liverBoundsLps[2 * a + 1] = std::max(liverBoundsLps[2 * a + 1], w[a]);
    }
  }
}

vtkSmartPointer<vtkPolyData> PlanWindow::Impl::surface(const std::vector<std::uint8_t>& mask)
{
  if (std::find(mask.begin(), mask.end(), 1) == mask.end())
    return nullptr;
  // One voxel of background on every side closes the surface.
  vtkNew<vtkImageData> image;
  image->SetDimensions(static_cast<int>(box.size[0] + 2),
                       static_cast<int>(box.size[1] + 2),
                       static_cast<int>(box.size[2] + 2));
  image->SetSpacing(spacing[0], spacing[1], spacing[2]);
  image->SetOrigin(
    (box.lo[0] - 1) * spacing[0], (box.lo[1] - 1) * spacing[1], (box.lo[2] - 1) * spacing[2]);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
  auto* out = static_cast<unsigned char*>(image->GetScalarPointer());
  const int* dims = image->GetDimensions();
  std::fill(out, out + static_cast<std::size_t>(dims[0]) * dims[1] * dims[2], 0);
  std::size_t i = 0;
  for (long z = 0; z < box.size[2]; ++z)
    for (long y = 0; y < box.size[1]; ++y)
      for (long x = 0; x < box.size[0]; ++x, ++i)
        if (mask[i])
          out[(static_cast<std::size_t>(z + 1) * dims[1] + static_cast<std::size_t>(y + 1)) *
                dims[0] +
              static_cast<std::size_t>(x + 1)] = 1;
  const auto toLps = detail::smoothSurfaceInLps(image, frameToLps);
  toLps->Update();
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  poly->DeepCopy(toLps->GetOutput());
  return poly;
}

vtkSmartPointer<vtkActor> PlanWindow::Impl::surfaceActor(const std::vector<std::uint8_t>& mask,
                                                         const Rgb01& colour,
                                                         double opacity)
{
  vtkSmartPointer<vtkPolyData> poly = surface(mask);
  if (!poly)
    return nullptr;
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputData(poly);
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  detail::setSurfaceMaterial(actor->GetProperty(), colour, opacity);
  actor->PickableOff();
  return actor;
}

// ---------------------------------------------------------------------------------------------
// Scene

void PlanWindow::Impl::buildScene()
{
  window->SetDisplayId(display.get());
  window->SetSize(static_cast<int>(options.widthPx), static_cast<int>(options.heightPx));
  window->SetWindowName("LiverPlan");
  window->SetMultiSamples(0); // MSAA doubles the frame time under llvmpipe
  if (options.offScreen)
    window->SetOffScreenRendering(1);
  window->SetNumberOfLayers(2);
  window->AddRenderer(view3d);
  window->AddRenderer(structures3d);
  structures3d->SetLayer(1);
  structures3d->InteractiveOff();
  structures3d->SetActiveCamera(view3d->GetActiveCamera());
  view3d->SetViewport(0.0, 0.0, 0.62, 1.0);
  structures3d->SetViewport(0.0, 0.0, 0.62, 1.0);
  view3d->SetBackground(0.08, 0.08, 0.1);
  detail::addKeyLight(view3d);
  detail::addKeyLight(structures3d);
  // Translucent parts in correct depth order when the view is still; while the camera turns or
  // the plane is dragged, plain blending (depth peeling doubles a frame under llvmpipe).
  detail::enableDepthPeeling(window, view3d);
  window->SetNumberOfLayers(3);
  window->AddRenderer(marker.renderer);
  marker.follow(view3d->GetActiveCamera());
  // Off-screen there is no X window to listen to: a generic interactor takes the events the
  // tests and --replay invoke.
  if (options.offScreen)
    iren = vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
  else
    iren = vtkSmartPointer<vtkRenderWindowInteractor>::New();
  iren->SetRenderWindow(window);

  style = vtkSmartPointer<PlanStyle>::New();
  style->impl = this;
  iren->SetInteractorStyle(style);
  detail::requireOpenGl(window, "the viewer window");

  // Lesions (their fate only changes their colour; edits rebuild them) and vessels.
  buildLesionActors();
  lesionPicker->PickFromListOn();
  lesionPicker->SetTolerance(0.001);
  vesselActor = surfaceActor(vessel, VesselRgb, 1.0);
  if (vesselActor)
    structures3d->AddActor(vesselActor);

  cutter->SetCutFunction(cutPlane);
  cutter->SetInputData(vtkSmartPointer<vtkPolyData>::New());
  vtkNew<vtkPolyDataMapper> cutMapper;
  cutMapper->SetInputConnection(cutter->GetOutputPort());
  cutMapper->ScalarVisibilityOff();
  cutActor = vtkSmartPointer<vtkActor>::New();
  cutActor->SetMapper(cutMapper);
  cutActor->GetProperty()->SetColor(CutRgb[0], CutRgb[1], CutRgb[2]);
  cutActor->GetProperty()->SetLineWidth(3.0F);
  cutActor->GetProperty()->LightingOff();
  cutActor->PickableOff();
  view3d->AddActor(cutActor);

  text->GetTextProperty()->SetFontFamilyToCourier();
  text->GetTextProperty()->SetFontSize(15);
  text->GetTextProperty()->SetColor(1.0, 1.0, 1.0);
  text->GetTextProperty()->SetVerticalJustificationToTop();
  text->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  text->GetPositionCoordinate()->SetValue(0.01, 0.99);
  structures3d->AddActor2D(text);
  lesionPanel->GetTextProperty()->SetFontFamilyToCourier();
  lesionPanel->GetTextProperty()->SetFontSize(14);
  lesionPanel->GetTextProperty()->SetColor(1.0, 0.9, 0.5);
  lesionPanel->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  lesionPanel->GetPositionCoordinate()->SetValue(0.01, 0.06);
  structures3d->AddActor2D(lesionPanel);
  help->SetInput("n/p plan  1 remnant  2 resected  3 lesions  4 vessels  5 segments  "
                 "r camera  s screenshot  w save plan  m edit  q quit");
  editPanel->GetTextProperty()->SetFontFamilyToCourier();
  editPanel->GetTextProperty()->SetFontSize(12);
  editPanel->GetTextProperty()->SetColor(1.0, 0.7, 1.0);
  editPanel->GetTextProperty()->SetVerticalJustificationToTop();
  editPanel->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  editPanel->GetPositionCoordinate()->SetValue(0.01, 0.95);
  editRenderer->SetViewport(0.0, 0.09, 0.5, 0.2);
  editRenderer->SetBackground(0.16, 0.04, 0.16);
  editRenderer->InteractiveOff();
  editRenderer->AddActor2D(editPanel);
  editRenderer->SetLayer(2);
  editRenderer->SetPreserveColorBuffer(0); // its strip is cleared: over the 3D view
  editRenderer->SetPreserveDepthBuffer(0);
  editRenderer->DrawOff();
  window->AddRenderer(editRenderer);
  help->GetTextProperty()->SetFontSize(12);
  help->GetTextProperty()->SetColor(0.7, 0.7, 0.7);
  help->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  help->GetPositionCoordinate()->SetValue(0.01, 0.01);
  structures3d->AddActor2D(help);

  // Legend: each entry written in its colour, bottom right of the 3D view.
  const std::vector<std::pair<std::string, Rgb01>> entries = {
    { "remnant", RemnantRgb },
    { "resected (translucent)", ResectedRgb },
    { "ablation zone", AblationRgb },
    { "lesion left", LesionLeftRgb },
    { "lesion resected", LesionResectedRgb },
    { "lesion ablated", LesionAblatedRgb },
    { "vessels", VesselRgb },
    { "cut", CutRgb }
  };
  for (std::size_t k = 0; k < entries.size(); ++k)
  {
    vtkNew<vtkTextActor> entry;
    entry->SetInput(entries[k].first.c_str());
    entry->GetTextProperty()->SetFontSize(13);
    entry->GetTextProperty()->SetBold(1);
    entry->GetTextProperty()->SetColor(
      entries[k].second[0], entries[k].second[1], entries[k].second[2]);
    entry->GetTextProperty()->SetJustificationToRight();
    entry->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    entry->GetPositionCoordinate()->SetValue(
      0.99, 0.05 + 0.035 * static_cast<double>(entries.size() - k));
    entry->PickableOff();
    structures3d->AddActor2D(entry);
  }

  // The plane widget, in the 3D view only.
  planeRep->SetPlaceFactor(1.0);
  double bounds[6];
  for (int a = 0; a < 6; ++a)
    bounds[a] = liverBoundsLps[a] + (a % 2 ? 10.0 : -10.0);
  planeRep->SetRenderer(view3d);
  planeRep->PlaceWidget(bounds);
  planeRep->OutlineTranslationOff();
  planeRep->ScaleEnabledOff();
  planeRep->SetDrawOutline(1);
  planeRep->GetPlaneProperty()->SetOpacity(0.15);
  planeRep->GetSelectedPlaneProperty()->SetOpacity(0.25);
  planeWidget->SetInteractor(iren);
  planeWidget->SetDefaultRenderer(view3d);
  planeWidget->SetCurrentRenderer(view3d);
  planeWidget->SetRepresentation(planeRep);
  vtkNew<vtkCallbackCommand> moved;
  moved->SetClientData(this);
  moved->SetCallback(
    [](vtkObject*, unsigned long event, void* self, void*)
    { static_cast<Impl*>(self)->onWidgetMoved(event == vtkCommand::EndInteractionEvent); });
  planeWidget->AddObserver(vtkCommand::InteractionEvent, moved);
  planeWidget->AddObserver(vtkCommand::EndInteractionEvent, moved);
  vtkNew<vtkCallbackCommand> peeling;
  peeling->SetClientData(this);
  peeling->SetCallback(
    [](vtkObject*, unsigned long event, void* client, void*)
    {
      auto* self = static_cast<Impl*>(client);
      const bool still = event == vtkCommand::EndInteractionEvent;
      self->view3d->SetUseDepthPeeling(still ? 1 : 0);
      if (still)
        self->window->Render();
    });
  style->AddObserver(vtkCommand::StartInteractionEvent, peeling);
  style->AddObserver(vtkCommand::EndInteractionEvent, peeling);
  planeWidget->AddObserver(vtkCommand::StartInteractionEvent, peeling);
  planeWidget->AddObserver(vtkCommand::EndInteractionEvent, peeling);
  // Clicks in the slice views are not for the widget; arrow keys end with an exact update.
  vtkNew<vtkCallbackCommand> gate;
  gate->SetClientData(this);
  gate->SetCallback(
    [](vtkObject*, unsigned long event, void* client, void*)
    {
      auto* self = static_cast<Impl*>(client);
      const int* p = self->iren->GetEventPosition();
      if (event == vtkCommand::LeftButtonPressEvent)
        self->planeWidget->SetProcessEvents(self->sliceAt(p[0], p[1]) == nullptr);
      else if (event == vtkCommand::LeftButtonReleaseEvent)
        self->planeWidget->SetProcessEvents(1);
      else if (event == vtkCommand::KeyReleaseEvent && self->coarseNewerThanExact)
      {
        self->exactNow();
        self->iren->Render();
      }
    });
  iren->AddObserver(vtkCommand::LeftButtonPressEvent, gate, 10.0F);
  iren->AddObserver(vtkCommand::LeftButtonReleaseEvent, gate, 10.0F);
  iren->AddObserver(vtkCommand::KeyReleaseEvent, gate, 10.0F);
  iren->Initialize();

  buildSlices();
}

void PlanWindow::Impl::buildSlices()
{
  const auto size = ct->GetLargestPossibleRegion().GetSize();
  ctImage->SetDimensions(
    static_cast<int>(size[0]), static_cast<int>(size[1]), static_cast<int>(size[2]));
  ctImage->SetSpacing(spacing[0], spacing[1], spacing[2]);
  ctImage->SetOrigin(0.0, 0.0, 0.0);
  ctImage->AllocateScalars(VTK_SHORT, 1);
  std::memcpy(ctImage->GetScalarPointer(),
              ct->GetBufferPointer(),
              static_cast<std::size_t>(size[0]) * size[1] * size[2] * sizeof(std::int16_t));

  allocateOverlay();
  vtkNew<vtkLookupTable> lut;
  lut->SetNumberOfTableValues(8);
  lut->SetTableRange(0, 7);
  const std::array<std::pair<Rgb01, double>, 8> table = { { { rgb(0, 0, 0), 0.0 },
                                                            { RemnantRgb, 0.30 },
                                                            { ResectedRgb, 0.35 },
                                                            { AblationRgb, 0.45 },
                                                            { LesionLeftRgb, 0.8 },
                                                            { LesionResectedRgb, 0.8 },
                                                            { LesionAblatedRgb, 0.8 },
                                                            { PreviewRgb, 0.8 } } };
  for (int k = 0; k < 8; ++k)
    lut->SetTableValue(k, table[k].first[0], table[k].first[1], table[k].first[2], table[k].second);
  lut->Build();

  const std::array<std::array<int, 3>, 3> axes = { { { 2, 0, 1 }, { 1, 0, 2 }, { 0, 1, 2 } } };
  const std::array<Vec3, 3> dops = { { { 0, 0, 1 }, { 0, 1, 0 }, { -1, 0, 0 } } };
  const std::array<Vec3, 3> ups = { { { 0, -1, 0 }, { 0, 0, 1 }, { 0, 0, 1 } } };
  const char* names[3] = { "axial", "coronal", "sagittal" };
  for (int k = 0; k < 3; ++k)
  {
    SliceView& s = slices[k];
    s.axis = axes[k][0];
    s.u = axes[k][1];
    s.v = axes[k][2];
    s.directionOfProjection = dops[k];
    s.viewUp = ups[k];
    s.renderer = vtkSmartPointer<vtkRenderer>::New();
    s.renderer->SetViewport(0.62, 1.0 - (k + 1) / 3.0, 1.0, 1.0 - k / 3.0);
    s.renderer->SetBackground(0.0, 0.0, 0.0);
    window->AddRenderer(s.renderer);

    vtkNew<vtkImageSliceMapper> ctMapper;
    ctMapper->SetInputData(ctImage);
    ctMapper->SetOrientation(s.axis);
    ctMapper->SliceAtFocalPointOff();
    s.ct = vtkSmartPointer<vtkImageSlice>::New();
    s.ct->SetMapper(ctMapper);
    s.ct->GetProperty()->SetColorWindow(400.0);
    s.ct->GetProperty()->SetColorLevel(40.0);
    s.ct->GetProperty()->SetInterpolationTypeToLinear();
    s.ct->SetUserMatrix(frameToLps);
    s.ct->PickableOff();
    s.renderer->AddViewProp(s.ct);

    // The overlay half a voxel in front of the CT slice (towards the camera). The slice mapper
    // colours the one slice it shows through the property's table: an edit costs that slice,
    // not a colour pass over the whole overlay volume.
    vtkNew<vtkImageSliceMapper> overlayMapper;
    overlayMapper->SetInputData(overlayImage);
    overlayMapper->SetOrientation(s.axis);
    overlayMapper->SliceAtFocalPointOff();
    s.overlay = vtkSmartPointer<vtkImageSlice>::New();
    s.overlay->SetMapper(overlayMapper);
    s.overlay->GetProperty()->SetLookupTable(lut);
    s.overlay->GetProperty()->UseLookupTableScalarRangeOn();
    s.overlay->GetProperty()->SetInterpolationTypeToNearest();
    vtkNew<vtkMatrix4x4> shifted;
    shifted->DeepCopy(frameToLps);
    const Vec3 towardsCamera = lpsVector({ -dops[k][0] * 0.3 * spacing[0],
                                           -dops[k][1] * 0.3 * spacing[1],
                                           -dops[k][2] * 0.3 * spacing[2] });
    for (int r = 0; r < 3; ++r)
      shifted->SetElement(r, 3, shifted->GetElement(r, 3) + towardsCamera[r]);
    s.overlay->SetUserMatrix(shifted);
    s.overlay->PickableOff();
    s.renderer->AddViewProp(s.overlay);

    s.crosshair = vtkSmartPointer<vtkPolyData>::New();
    s.crosshairActor = lineActor(s.crosshair, CursorRgb, 1.0);
    s.crosshairActor->SetUserMatrix(frameToLps);
    s.renderer->AddActor(s.crosshairActor);
    s.cutLine = vtkSmartPointer<vtkPolyData>::New();
    s.cutLineActor = lineActor(s.cutLine, CutRgb, 2.0);
    s.cutLineActor->SetUserMatrix(frameToLps);
    s.renderer->AddActor(s.cutLineActor);

    vtkNew<vtkTextActor> label;
    label->SetInput(names[k]);
    label->GetTextProperty()->SetFontSize(13);
    label->GetTextProperty()->SetColor(0.8, 0.8, 0.8);
    label->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    label->GetPositionCoordinate()->SetValue(0.02, 0.9);
    s.renderer->AddActor2D(label);

    // Camera: radiological axial (patient right on screen left), coronal from the front,
    // sagittal from the patient's left (anterior on screen left).
    vtkCamera* camera = s.renderer->GetActiveCamera();
    camera->ParallelProjectionOn();
    const Vec3 dop = lpsVector(dops[k]);
    const Vec3 up = lpsVector(ups[k]);
    camera->SetFocalPoint(liverCentreLps.data());
    camera->SetPosition(liverCentreLps[0] - 500.0 * dop[0],
                        liverCentreLps[1] - 500.0 * dop[1],
                        liverCentreLps[2] - 500.0 * dop[2]);
    camera->SetViewUp(up.data());
    const double extentV = box.size[s.v] * spacing[s.v];
    const double extentU = box.size[s.u] * spacing[s.u];
    camera->SetParallelScale(0.5 * std::max(extentV, extentU / 1.3) + 10.0);
  }
  cursorLps = liverCentreLps;
}

ResectionPlan PlanWindow::Impl::planWithoutEdited() const
{
  ResectionPlan fixed = plans[current];
  if (editedPlane)
    fixed.planes.erase(fixed.planes.begin() + static_cast<long>(*editedPlane));
  return fixed;
}

void PlanWindow::Impl::setupPlan()
{
  const ResectionPlan& plan = plans[current];
  editedPlane = plan.planes.empty() ? std::nullopt : std::optional<std::size_t>(0);
  // What the plan resects without the edited plane ("fixed" while the plane moves).
  const ResectionPlan fixed = planWithoutEdited();
  LabelImage::Pointer fixedMap; // null: the fixed parts resect nothing
  fixedState.assign(box.count(), 0);
  for (std::size_t i = 0; i < fixedState.size(); ++i)
    fixedState[i] = liver[i] ? RemnantKept : RemnantNone;
  if (!fixed.segments.empty() || !fixed.planes.empty() || !fixed.wedges.empty() ||
      !fixed.ablations.empty())
  {
    PlanOptions o = planOptions;
    o.makeRemnantMap = true;
    const PlanResult r = evaluatePlan(labels, fixed, o);
    fixedMap = r.remnantMap;
    const auto size = labels.liver->GetLargestPossibleRegion().GetSize();
    const std::uint16_t* map = r.remnantMap->GetBufferPointer();
    std::size_t b = 0;
    for (long z = 0; z < box.size[2]; ++z)
      for (long y = 0; y < box.size[1]; ++y)
        for (long x = 0; x < box.size[0]; ++x, ++b)
          fixedState[b] =
            static_cast<std::uint8_t>(map[(static_cast<std::size_t>(z + box.lo[2]) * size[1] +
                                           static_cast<std::size_t>(y + box.lo[1])) *
                                            size[0] +
                                          static_cast<std::size_t>(x + box.lo[0])]);
  }

  // The estimate while the edited plane moves.
  estimator.emplace(labels, fixedMap.GetPointer(), planOptions, options.coarseSpacingMm);

  // Surfaces of this plan.
  for (vtkActor* a : { remnantActor.Get(),
                       planeResectedActor.Get(),
                       fixedResectedActor.Get(),
                       ablatedActor.Get() })
    if (a)
      view3d->RemoveActor(a);
  for (auto& a : segmentActors)
    view3d->RemoveActor(a);
  segmentActors.clear();
  std::vector<std::uint8_t> mask(box.count(), 0);
  for (std::size_t k = 0; k < mask.size(); ++k)
    mask[k] = fixedState[k] == RemnantKept;
  vtkSmartPointer<vtkPolyData> kept = surface(mask);
  remnantActor = nullptr;
  planeResectedActor = nullptr;
  if (kept)
  {
    vtkNew<vtkPolyDataMapper> keptMapper;
    keptMapper->SetInputData(kept);
    keptMapper->ScalarVisibilityOff();
    remnantActor = vtkSmartPointer<vtkActor>::New();
    remnantActor->SetMapper(keptMapper);
    detail::setSurfaceMaterial(remnantActor->GetProperty(), RemnantRgb, 1.0);
    remnantActor->PickableOff();
    view3d->AddActor(remnantActor);
    cutter->SetInputData(kept);
    if (editedPlane)
    {
      keptMapper->AddClippingPlane(keepPlane);
      vtkNew<vtkPolyDataMapper> resectedMapper;
      resectedMapper->SetInputData(kept);
      resectedMapper->ScalarVisibilityOff();
      resectedMapper->AddClippingPlane(resectPlane);
      planeResectedActor = vtkSmartPointer<vtkActor>::New();
      planeResectedActor->SetMapper(resectedMapper);
      detail::setSurfaceMaterial(planeResectedActor->GetProperty(), ResectedRgb, 0.2);
      planeResectedActor->PickableOff();
      view3d->AddActor(planeResectedActor);
    }
    if (labels.segments)
      for (int s = 1; s <= 8; ++s)
      {
        for (std::size_t k = 0; k < mask.size(); ++k)
          mask[k] = fixedState[k] == RemnantKept && segment[k] == s;
        vtkSmartPointer<vtkActor> a = surfaceActor(mask, segmentRgb(s), 1.0);
        if (!a)
          continue;
        if (editedPlane)
          static_cast<vtkPolyDataMapper*>(a->GetMapper())->AddClippingPlane(keepPlane);
        view3d->AddActor(a);
        segmentActors.push_back(a);
      }
  }
  for (std::size_t k = 0; k < mask.size(); ++k)
    mask[k] = fixedState[k] == RemnantResected;
  fixedResectedActor = surfaceActor(mask, ResectedRgb, 0.2);
  if (fixedResectedActor)
    view3d->AddActor(fixedResectedActor);
  for (std::size_t k = 0; k < mask.size(); ++k)
    mask[k] = fixedState[k] == RemnantAblated;
  ablatedActor = surfaceActor(mask, AblationRgb, 0.6);
  if (ablatedActor)
    view3d->AddActor(ablatedActor);

  if (editedPlane)
  {
    const CutPlane& p = plans[current].planes[*editedPlane];
    planeRep->SetOrigin(const_cast<double*>(p.pointLpsMm.data()));
    const Vec3 n = unit(p.normal);
    planeRep->SetNormal(const_cast<double*>(n.data()));
    planeRep->BuildRepresentation();
    planeWidget->On();
  }
  else
    planeWidget->Off();
  applyPlaneToScene();
  applyVisibility();
}

void PlanWindow::Impl::applyPlaneToScene()
{
  if (!editedPlane)
  {
    cutActor->SetVisibility(0);
    for (SliceView& s : slices)
      setLines(s.cutLine, {});
    return;
  }
  const CutPlane& p = plans[current].planes[*editedPlane];
  const Vec3 n = unit(p.normal);
  keepPlane->SetOrigin(p.pointLpsMm[0], p.pointLpsMm[1], p.pointLpsMm[2]);
  keepPlane->SetNormal(-n[0], -n[1], -n[2]);
  resectPlane->SetOrigin(p.pointLpsMm[0], p.pointLpsMm[1], p.pointLpsMm[2]);
  resectPlane->SetNormal(n[0], n[1], n[2]);
  cutPlane->SetOrigin(p.pointLpsMm[0], p.pointLpsMm[1], p.pointLpsMm[2]);
  cutPlane->SetNormal(n[0], n[1], n[2]);
  cutter->Modified();
  cutActor->SetVisibility(remnantActor != nullptr);
  updateSlices();
}

void PlanWindow::Impl::updateSlices()
{
  const Vec3 cf = frameOf(cursorLps);
  const auto size = ct->GetLargestPossibleRegion().GetSize();
  std::optional<CutPlane> plane;
  if (editedPlane)
    plane = plans[current].planes[*editedPlane];
  for (SliceView& s : slices)
  {
    // Keep each view's pan; move its focal plane through the cursor.
    vtkCamera* camera = s.renderer->GetActiveCamera();
    const Vec3 dop = lpsVector(s.directionOfProjection);
    Vec3 fp{}, pos{};
    camera->GetFocalPoint(fp.data());
    camera->GetPosition(pos.data());
    const double shift =
      dot(dop, { cursorLps[0] - fp[0], cursorLps[1] - fp[1], cursorLps[2] - fp[2] });
    for (int a = 0; a < 3; ++a)
    {
      fp[a] += shift * dop[a];
      pos[a] += shift * dop[a];
    }
    camera->SetFocalPoint(fp.data());
    camera->SetPosition(pos.data());

    // The slice shown is the nearest voxel plane; lines are drawn half a voxel in front of it.
    const long sliceIndex = static_cast<long>(std::clamp(
      std::round(cf[s.axis] / spacing[s.axis]), 0.0, static_cast<double>(size[s.axis] - 1)));
    const double sliceCoord = static_cast<double>(sliceIndex) * spacing[s.axis];
    static_cast<vtkImageSliceMapper*>(s.ct->GetMapper())
      ->SetSliceNumber(static_cast<int>(sliceIndex));
    const long overlaySlice = sliceIndex - box.lo[s.axis];
    const bool inBox = overlaySlice >= 0 && overlaySlice < box.size[s.axis];
    s.overlay->SetVisibility(inBox);
    if (inBox)
      static_cast<vtkImageSliceMapper*>(s.overlay->GetMapper())
        ->SetSliceNumber(static_cast<int>(overlaySlice));
    const double front = sliceCoord - s.directionOfProjection[s.axis] * 0.5 * spacing[s.axis];
    const double u0 = 0.0, u1 = (size[s.u] - 1) * spacing[s.u];
    const double v0 = 0.0, v1 = (size[s.v] - 1) * spacing[s.v];
    auto point = [&](double u, double v)
    {
      Vec3 q{};
      q[s.axis] = front;
      q[s.u] = u;
      q[s.v] = v;
      return q;
    };
    setLines(
      s.crosshair,
      { { point(u0, cf[s.v]), point(u1, cf[s.v]) }, { point(cf[s.u], v0), point(cf[s.u], v1) } });
    std::vector<std::array<Vec3, 2>> cut;
    if (plane)
    {
      const Vec3 nf = frameVector(unit(plane->normal));
      const Vec3 pf = frameOf(plane->pointLpsMm);
      const double d = dot(nf, pf) - nf[s.axis] * sliceCoord;
      if (const auto line = clipLine(nf[s.u], nf[s.v], d, u0, u1, v0, v1))
        cut.push_back({ point((*line)[0], (*line)[1]), point((*line)[2], (*line)[3]) });
    }
    setLines(s.cutLine, cut);
    s.renderer->ResetCameraClippingRange();
  }
}

void PlanWindow::Impl::updateOverlay()
{
  auto* out = static_cast<unsigned char*>(overlayImage->GetScalarPointer());
  const auto size = labels.liver->GetLargestPossibleRegion().GetSize();
  const std::uint16_t* map = exact.remnantMap ? exact.remnantMap->GetBufferPointer() : nullptr;
  std::map<int, LesionFate> fates;
  for (const LesionOutcome& o : exact.lesions)
    fates[o.id] = o.fate;
  std::size_t b = 0;
  for (long z = 0; z < box.size[2]; ++z)
    for (long y = 0; y < box.size[1]; ++y)
      for (long x = 0; x < box.size[0]; ++x, ++b)
        out[b] = overlayValue(b,
                              (static_cast<std::size_t>(z + box.lo[2]) * size[1] +
                               static_cast<std::size_t>(y + box.lo[1])) *
                                  size[0] +
                                static_cast<std::size_t>(x + box.lo[0]),
                              map,
                              fates);
  overlayImage->Modified();
  if (preview)
    showPreview();
}

unsigned char PlanWindow::Impl::overlayValue(std::size_t b,
                                             std::size_t full,
                                             const std::uint16_t* map,
                                             const std::map<int, LesionFate>& fates) const
{
  if (lesion[b])
  {
    const auto it = fates.find(lesion[b]);
    const LesionFate fate = it == fates.end() ? LesionFate::Left : it->second;
    return fate == LesionFate::Resected ? 5 : fate == LesionFate::Ablated ? 6 : 4;
  }
  if (!liver[b])
    return 0;
  // Liver the remnant map does not know yet (painted during a stroke) shows as remnant.
  const unsigned char v = map ? static_cast<unsigned char>(map[full]) : 1;
  return v ? v : 1;
}

void PlanWindow::Impl::applyVisibility()
{
  const bool segmentsOn = visibility[5] && !segmentActors.empty();
  if (remnantActor)
    remnantActor->SetVisibility(visibility[1] && !segmentsOn);
  for (auto& a : segmentActors)
    a->SetVisibility(visibility[1] && segmentsOn);
  for (vtkActor* a : { planeResectedActor.Get(), fixedResectedActor.Get(), ablatedActor.Get() })
    if (a)
      a->SetVisibility(visibility[2]);
  for (auto& [id, info] : lesions)
    if (info.actor)
      info.actor->SetVisibility(visibility[3]);
  if (vesselActor)
    vesselActor->SetVisibility(visibility[4]);
}

void PlanWindow::Impl::resetCamera3d(SnapshotView view, bool oblique)
{
  vtkCamera* camera = view3d->GetActiveCamera();
  // Parallel projection, as in the snapshots: sizes read the same at every depth, and a drag
  // moves the plane by the same amount wherever it was grabbed.
  detail::placeCamera(camera, view);
  if (oblique)
  {
    camera->Azimuth(-30.0);
    camera->Elevation(25.0);
    camera->OrthogonalizeViewUp();
  }
  double bounds[6];
  for (int a = 0; a < 6; ++a)
    bounds[a] = liverBoundsLps[a];
  // ResetCamera fits the bounds to the viewport's aspect, which VTK 9.1 caches by window size
  // and viewport in a member it does not initialize: a new window sometimes kept aspect 1 (and
  // replayed drags then differed). Set it from the window's size.
  const int* windowSize = window->GetSize();
  const double* viewport = view3d->GetViewport();
  const double widthPx = (viewport[2] - viewport[0]) * windowSize[0];
  const double heightPx = (viewport[3] - viewport[1]) * windowSize[1];
  if (widthPx > 0.0 && heightPx > 0.0)
    view3d->SetAspect(widthPx / heightPx, 1.0);
  view3d->ResetCamera(bounds);
  camera->Zoom(0.85); // room for the text above and the legend beside
  view3d->ResetCameraClippingRange(bounds);
}

// ---------------------------------------------------------------------------------------------
// Estimates

double PlanWindow::Impl::coarse()
{
  const auto start = std::chrono::steady_clock::now();
  const std::optional<CutPlane> plane =
    editedPlane ? std::optional<CutPlane>(plans[current].planes[*editedPlane]) : std::nullopt;
  shown = estimator->estimate(plane, &exact);
  const double ms =
    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  coarseNewerThanExact = true;
  showEstimate();
  return ms;
}

double PlanWindow::Impl::exactNow()
{
  const auto start = std::chrono::steady_clock::now();
  PlanOptions o = planOptions;
  o.makeRemnantMap = true;
  exact = evaluatePlan(labels, plans[current], o);
  const double ms =
    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  PlanEstimate e;
  e.exact = true;
  e.remnantMl = exact.remnantMl;
  e.flrMl = exact.flrMl;
  e.flrPercent = exact.flrPercent;
  e.sflrPercent = exact.sflrPercent;
  for (const LesionOutcome& l : exact.lesions)
    if (l.voxelCount > 0)
      e.lesions.push_back({ l.id, l.fate, l.marginMm });
  shown = e;
  coarseNewerThanExact = false;
  if (editor)
    editor->followPlan(plans[current], exact); // the FLR counted live from here
  updateOverlay();
  showEstimate();
  return ms;
}

std::string PlanWindow::Impl::formatText() const
{
  std::ostringstream t;
  const ResectionPlan& plan = plans[current];
  t << "Plan " << current + 1 << "/" << plans.size() << ": " << plan.name << "\n";
  t << (shown.exact
          ? "exact (full grid)"
          : "estimate (" + fmt(options.coarseSpacingMm, 0) + " mm grid; exact on release)")
    << "\n";
  t << "Remnant " << fmt(shown.remnantMl) << " mL   FLR " << fmt(shown.flrPercent) << " %   sFLR "
    << (shown.sflrPercent ? fmt(*shown.sflrPercent) + " %" : std::string("n/a (no height/weight)"))
    << "\n";
  if (shown.exact)
    t << exact.thresholdBasis << " threshold " << fmt(exact.thresholdPercent) << " % ("
      << exact.thresholdSource << "): " << (exact.pass ? "pass" : "fail") << "   "
      << exact.marginStatus << "\n";
  for (const PlanEstimate::Lesion& l : shown.lesions)
    t << "Lesion " << l.id << ": " << toString(l.fate) << ", margin "
      << (l.marginMm ? (shown.exact ? "" : "~") + fmt(*l.marginMm) + " mm" : std::string("-"))
      << "\n";
  if (editedPlane)
  {
    const CutPlane& p = plan.planes[*editedPlane];
    const Vec3 n = unit(p.normal);
    t << "Plane (LPS mm) " << fmt(p.pointLpsMm[0]) << "," << fmt(p.pointLpsMm[1]) << ","
      << fmt(p.pointLpsMm[2]) << "; normal " << fmt(n[0], 2) << "," << fmt(n[1], 2) << ","
      << fmt(n[2], 2) << "\n";
  }
  std::string s = t.str();
  if (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

void PlanWindow::Impl::showEstimate()
{
  text->SetInput(formatText().c_str());
  for (const PlanEstimate::Lesion& l : shown.lesions)
  {
    const auto it = lesions.find(l.id);
    if (it != lesions.end() && it->second.actor)
    {
      const Rgb01 c = fateRgb(l.fate);
      it->second.actor->GetProperty()->SetColor(c[0], c[1], c[2]);
    }
  }
  if (selectedLesion)
    lesionPanel->SetInput(formatLesion(*selectedLesion).c_str());
}

std::string PlanWindow::Impl::formatLesion(int id)
{
  LesionInfo& info = lesions.at(id);
  if (!info.diameterMm && labels.lesions)
    info.diameterMm = maxDiameterMm(*labels.lesions, static_cast<std::uint16_t>(id));
  std::ostringstream t;
  t << "Lesion " << id << ": " << fmt(info.volumeMl, 2) << " mL, diameter "
    << (info.diameterMm ? fmt(*info.diameterMm) + " mm" : std::string("-")) << ", segment(s) ";
  if (info.segments.empty())
    t << "-";
  for (auto it = info.segments.begin(); it != info.segments.end(); ++it)
    t << (it == info.segments.begin() ? "" : ", ") << *it;
  for (const PlanEstimate::Lesion& l : shown.lesions)
    if (l.id == id)
      t << "\n"
        << toString(l.fate) << (shown.exact ? "" : " (estimate)") << ", margin "
        << (l.marginMm ? fmt(*l.marginMm) + " mm" : std::string("-"));
  return t.str();
}

// ---------------------------------------------------------------------------------------------
// Interaction

SliceView* PlanWindow::Impl::sliceAt(int x, int y)
{
  vtkRenderer* poked = iren->FindPokedRenderer(x, y);
  for (SliceView& s : slices)
    if (s.renderer.Get() == poked)
      return &s;
  return nullptr;
}

void PlanWindow::Impl::onWidgetMoved(bool release)
{
  if (!editedPlane)
    return;
  CutPlane& p = plans[current].planes[*editedPlane];
  const double* o = planeRep->GetOrigin();
  const double* n = planeRep->GetNormal();
  p.pointLpsMm = { o[0], o[1], o[2] };
  p.normal = { n[0], n[1], n[2] };
  applyPlaneToScene();
  if (release)
    exactNow();
  else
    coarse();
}

void PlanWindow::Impl::onLeftPress(int x, int y)
{
  if (SliceView* s = sliceAt(x, y))
  {
    s->renderer->SetDisplayPoint(x, y, 0.0);
    s->renderer->DisplayToWorld();
    double w[4];
    s->renderer->GetWorldPoint(w);
    if (w[3] != 0.0)
      for (int a = 0; a < 3; ++a)
        w[a] /= w[3];
    const Vec3 clicked = frameOf({ w[0], w[1], w[2] });
    Vec3 f = frameOf(cursorLps);
    f[s->u] = clicked[s->u];
    f[s->v] = clicked[s->v];
    cursorLps = lpsOfFrame(f);
    updateSlices();
    iren->Render();
    return;
  }
  if (lesionPicker->Pick(x, y, 0.0, structures3d))
  {
    vtkActor* picked = lesionPicker->GetActor();
    for (auto& [id, info] : lesions)
      if (info.actor && info.actor.Get() == picked)
      {
        selectedLesion = id;
        lesionPanel->SetInput(formatLesion(id).c_str());
        cursorLps = info.centroidLps;
        updateSlices();
        break;
      }
  }
}

void PlanWindow::Impl::onWheel(int x, int y, int steps)
{
  SliceView* s = sliceAt(x, y);
  if (!s)
    return;
  Vec3 f = frameOf(cursorLps);
  f[s->axis] -= steps * s->directionOfProjection[s->axis] * spacing[s->axis];
  const auto size = ct->GetLargestPossibleRegion().GetSize();
  f[s->axis] = std::clamp(f[s->axis], 0.0, (size[s->axis] - 1) * spacing[s->axis]);
  cursorLps = lpsOfFrame(f);
  updateSlices();
  iren->Render();
}

void PlanWindow::Impl::onChar(char key)
{
  if (key == 'm')
  {
    ensureEditor();
    editMode = !editMode;
    if (!editMode && stroking)
      finishStroke();
    showEditPanel();
    iren->Render();
    return;
  }
  if (editMode && onEditChar(key))
  {
    showEditPanel();
    iren->Render();
    return;
  }
  switch (key)
  {
    case 'n':
    case 'p':
    {
      const std::size_t count = plans.size();
      current = key == 'n' ? (current + 1) % count : (current + count - 1) % count;
      setupPlan();
      exactNow();
      break;
    }
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
      visibility[static_cast<std::size_t>(key - '0')] =
        !visibility[static_cast<std::size_t>(key - '0')];
      applyVisibility();
      break;
    case 'r':
      resetCamera3d(SnapshotView::Anterior, true);
      break;
    case 's':
      window->Render();
      try
      {
        detail::writeWindowPng(window, options.screenshotPath);
        lesionPanel->SetInput(("wrote " + options.screenshotPath).c_str());
      }
      catch (const OutputError&)
      {
        lesionPanel->SetInput(("cannot write " + options.screenshotPath).c_str());
      }
      break;
    case 'w':
      try
      {
        writeTextFile(options.savePlanPath, planJsonText());
        lesionPanel->SetInput(("wrote " + options.savePlanPath).c_str());
      }
      catch (const std::exception& e)
      {
        lesionPanel->SetInput(e.what());
      }
      break;
    case 'q':
    case 'e':
      iren->TerminateApp();
      return;
    default:
      return;
  }
  iren->Render();
}

// ---------------------------------------------------------------------------------------------
// Edit mode

void PlanWindow::Impl::buildLesionActors()
{
  for (auto& [id, info] : lesions)
  {
    std::vector<std::uint8_t> mask(lesion.size(), 0);
    for (std::size_t i = 0; i < lesion.size(); ++i)
      mask[i] = lesion[i] == id;
    info.actor = surfaceActor(mask, LesionLeftRgb, 1.0);
    if (info.actor)
    {
      info.actor->PickableOn();
      structures3d->AddActor(info.actor);
      lesionPicker->AddPickList(info.actor);
    }
  }
}

void PlanWindow::Impl::allocateOverlay()
{
  overlayImage->SetDimensions(
    static_cast<int>(box.size[0]), static_cast<int>(box.size[1]), static_cast<int>(box.size[2]));
  overlayImage->SetSpacing(spacing[0], spacing[1], spacing[2]);
  overlayImage->SetOrigin(box.lo[0] * spacing[0], box.lo[1] * spacing[1], box.lo[2] * spacing[2]);
  overlayImage->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
  std::memset(overlayImage->GetScalarPointer(), 0, box.count());
  overlayImage->Modified();
}

void PlanWindow::Impl::ensureEditor()
{
  if (editor)
    return;
  editor = std::make_unique<editing::LabelEditor>(ct, labels);
  if (exact.remnantMap)
    editor->followPlan(plans[current], exact);
}

/// After an operation, an undo or a redo: the window's copies, the overlay, the lesion and plan
/// surfaces and the exact figures from the editor's labels.
void PlanWindow::Impl::reloadLabels()
{
  const LiverLabels edited = editor->labels();
  labels.liver = edited.liver;
  labels.lesions = edited.lesions;
  labels.segments = edited.segments;
  for (auto& [id, info] : lesions)
    if (info.actor)
      structures3d->RemoveActor(info.actor);
  lesionPicker->InitializePickList();
  lesions.clear();
  liverCount = 0;
  selectedLesion.reset();
  lesionPanel->SetInput("");
  copyLabels();
  allocateOverlay();
  buildLesionActors();
  setupPlan();
  exactNow();
  surfacesBehind = false;
}

/// The window's copies and the overlay in the index box around a brush dab (fast: no surfaces).
void PlanWindow::Impl::refreshAround(const Vec3& lps, double radiusMm)
{
  const Vec3 f = frameOf(lps);
  long lo[3], hi[3];
  for (int a = 0; a < 3; ++a)
  {
    lo[a] = std::max(static_cast<long>(std::floor((f[a] - radiusMm) / spacing[a])) - 1, box.lo[a]);
    hi[a] = std::min(static_cast<long>(std::ceil((f[a] + radiusMm) / spacing[a])) + 1,
                     box.lo[a] + box.size[a] - 1);
  }
  const auto size = ct->GetLargestPossibleRegion().GetSize();
  // The editor's maps: the window's copies of the labels follow them only on reloadLabels().
  const LiverLabels edited = editor->labels();
  const std::uint16_t* liv = edited.liver->GetBufferPointer();
  const std::uint16_t* les = edited.lesions ? edited.lesions->GetBufferPointer() : nullptr;
  const std::uint16_t* seg = edited.segments ? edited.segments->GetBufferPointer() : nullptr;
  const std::uint16_t* map = exact.remnantMap ? exact.remnantMap->GetBufferPointer() : nullptr;
  std::map<int, LesionFate> fates;
  for (const LesionOutcome& o : exact.lesions)
    fates[o.id] = o.fate;
  auto* out = static_cast<unsigned char*>(overlayImage->GetScalarPointer());
  for (long z = lo[2]; z <= hi[2]; ++z)
    for (long y = lo[1]; y <= hi[1]; ++y)
      for (long x = lo[0]; x <= hi[0]; ++x)
      {
        const std::size_t full =
          (static_cast<std::size_t>(z) * size[1] + static_cast<std::size_t>(y)) * size[0] +
          static_cast<std::size_t>(x);
        const std::size_t b = box.index(x - box.lo[0], y - box.lo[1], z - box.lo[2]);
        liver[b] = liv[full] != 0;
        lesion[b] = les ? les[full] : 0;
        segment[b] = seg && liver[b] && seg[full] >= 1 && seg[full] <= 8
                       ? static_cast<std::uint8_t>(seg[full])
                       : 0;
        out[b] = overlayValue(b, full, map, fates);
      }
  overlayImage->Modified();
}

void PlanWindow::Impl::showPreview()
{
  auto* out = static_cast<unsigned char*>(overlayImage->GetScalarPointer());
  const auto size = ct->GetLargestPossibleRegion().GetSize();
  for (std::size_t full : preview->voxels)
  {
    const long x = static_cast<long>(full % size[0]);
    const long y = static_cast<long>((full / size[0]) % size[1]);
    const long z = static_cast<long>(full / (static_cast<std::size_t>(size[0]) * size[1]));
    if (x < box.lo[0] || y < box.lo[1] || z < box.lo[2] || x >= box.lo[0] + box.size[0] ||
        y >= box.lo[1] + box.size[1] || z >= box.lo[2] + box.size[2])
      continue;
    out[box.index(x - box.lo[0], y - box.lo[1], z - box.lo[2])] = 7;
  }
  overlayImage->Modified();
}

Vec3 PlanWindow::Impl::pointOnSlice(const SliceView& s, int x, int y) const
{
  s.renderer->SetDisplayPoint(x, y, 0.0);
  s.renderer->DisplayToWorld();
  double w[4];
  s.renderer->GetWorldPoint(w);
  if (w[3] != 0.0)
    for (int a = 0; a < 3; ++a)
      w[a] /= w[3];
  // On the voxel plane the view shows (the nearest to the cursor).
  Vec3 f = frameOf({ w[0], w[1], w[2] });
  const auto size = ct->GetLargestPossibleRegion().GetSize();
  const Vec3 cf = frameOf(cursorLps);
  const double slice = std::clamp(
    std::round(cf[s.axis] / spacing[s.axis]), 0.0, static_cast<double>(size[s.axis] - 1));
  f[s.axis] = slice * spacing[s.axis];
  return lpsOfFrame(f);
}

double PlanWindow::Impl::dab(const Vec3& lps)
{
  const auto start = std::chrono::steady_clock::now();
  editing::Brush b;
  b.centreLpsMm = lps;
  b.radiusMm = brushRadiusMm;
  b.target = target;
  b.erase = tool == EditTool::Erase;
  b.value = target == editing::EditTarget::Lesion    ? (b.erase ? 0 : strokeLesionId)
            : target == editing::EditTarget::Segment ? segmentValue
                                                     : 0;
  if (brushHu)
    b.huRange = options.brushHuRange;
  if (brushFlat)
    b.sliceAxis = slices[static_cast<std::size_t>(strokeView)].axis;
  const editing::EditRecord r = editor->paint(b);
  if (r.voxelsChanged > 0)
  {
    surfacesBehind = true;
    refreshAround(lps, brushRadiusMm);
  }
  showEditPanel();
  window->Render();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
    .count();
}

double PlanWindow::Impl::editAt(const Vec3& lps, int view)
{
  ensureEditor();
  const auto start = std::chrono::steady_clock::now();
  editMessage.clear();
  editing::GrowthOptions growth;
  growth.toleranceHu = toleranceHu;
  try
  {
    switch (tool)
    {
      case EditTool::Paint:
      case EditTool::Erase:
        if (!stroking)
        {
          stroking = true;
          strokeView = view;
          strokeLesionId = editor->newLesionId();
          editor->beginStroke(); // the stroke's dabs are one undo step, closed on release
          // While the stroke lasts only the slice painted on and the edit panel are drawn; the
          // 3D view and the other slices keep their last picture and follow on release.
          for (vtkRenderer* r : { view3d.Get(), structures3d.Get(), marker.renderer.Get() })
            r->DrawOff();
          for (int k = 0; k < 3; ++k)
            slices[static_cast<std::size_t>(k)].renderer->SetDraw(k == view ? 1 : 0);
        }
        return dab(lps);
      case EditTool::AddLesion:
        preview = editor->previewLesion(lps, growth);
        previewSeed = lps;
        updateOverlay();
        editMessage = "preview " + fmt(preview->volumeMl, 2) + " mL (" +
                      fmt(preview->huRange.first, 0) + ".." + fmt(preview->huRange.second, 0) +
                      " HU): Enter/k accept, c cancel, [ ] tolerance";
        break;
      case EditTool::RemoveLesion:
        editor->removeLesion(lps);
        reloadLabels();
        break;
      case EditTool::Include:
        editor->includeRegion(lps, growth);
        reloadLabels();
        break;
      case EditTool::Exclude:
        editor->excludeRegion(lps, growth);
        reloadLabels();
        break;
    }
  }
  catch (const InputError& e)
  {
    // The window cannot show the edited labels (the liver emptied): the edit is taken back.
    editor->undo();
    reloadLabels();
    editMessage = std::string("undone: ") + e.what();
  }
  catch (const std::exception& e)
  {
    // A click that cannot be applied (outside the liver, no lesion there): nothing changes; the
    // panel says why.
    editMessage = e.what();
  }
  showEditPanel();
  window->Render();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
    .count();
}

double PlanWindow::Impl::finishStroke()
{
  const auto start = std::chrono::steady_clock::now();
  stroking = false;
  if (editor)
    editor->endStroke();
  for (vtkRenderer* r : { view3d.Get(), structures3d.Get(), marker.renderer.Get() })
    r->DrawOn();
  for (SliceView& v : slices)
    v.renderer->DrawOn();
  if (surfacesBehind)
    reloadLabels();
  showEditPanel();
  window->Render();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
    .count();
}

void PlanWindow::Impl::onEditPress(int x, int y)
{
  SliceView* s = sliceAt(x, y);
  if (!s)
    return;
  editAt(pointOnSlice(*s, x, y), static_cast<int>(s - slices.data()));
}

void PlanWindow::Impl::onEditMove(int x, int y)
{
  SliceView& s = slices[static_cast<std::size_t>(strokeView)];
  if (sliceAt(x, y) != &s)
    return;
  dab(pointOnSlice(s, x, y));
}

/// Edit-mode keys; false for the planner's own keys.
bool PlanWindow::Impl::onEditChar(char key)
{
  editMessage.clear();
  switch (key)
  {
    case 'b':
      tool = EditTool::Paint;
      return true;
    case 'x':
      tool = EditTool::Erase;
      return true;
    case 'a':
      tool = EditTool::AddLesion;
      return true;
    case 'd':
      tool = EditTool::RemoveLesion;
      return true;
    case 'i':
      tool = EditTool::Include;
      return true;
    case 'o':
      tool = EditTool::Exclude;
      return true;
    case 't':
      target = target == editing::EditTarget::Liver    ? editing::EditTarget::Lesion
               : target == editing::EditTarget::Lesion ? editing::EditTarget::Segment
                                                       : editing::EditTarget::Liver;
      return true;
    case 'g':
      segmentValue = static_cast<std::uint16_t>(segmentValue % 8 + 1);
      return true;
    case '+':
    case '=':
      brushRadiusMm = std::min(brushRadiusMm + 1.0, 50.0);
      return true;
    case '-':
      brushRadiusMm = std::max(brushRadiusMm - 1.0, 1.0);
      return true;
    case 'f':
      brushFlat = !brushFlat;
      return true;
    case 'h':
      brushHu = !brushHu;
      return true;
    case '[':
    case ']':
      toleranceHu = std::clamp(toleranceHu + (key == ']' ? 10.0 : -10.0), 10.0, 200.0);
      if (preview && previewSeed)
      {
        const Vec3 seed = *previewSeed;
        const EditTool was = tool;
        tool = EditTool::AddLesion;
        editAt(seed, 0);
        tool = was;
      }
      return true;
    case '\r':
    case 'k':
      if (preview)
      {
        try
        {
          editor->acceptLesion(*preview);
          reloadLabels();
        }
        catch (const std::invalid_argument& e)
        {
          editMessage = e.what(); // an empty preview: nothing to accept
        }
        preview.reset();
        previewSeed.reset();
        updateOverlay();
      }
      return true;
    case 'c':
    case 27: // Escape
      if (preview)
      {
        preview.reset();
        previewSeed.reset();
        updateOverlay();
      }
      return true;
    case 'u':
    case 26: // Ctrl+Z
      preview.reset();
      if (stroking)
        finishStroke(); // undo during a stroke takes back the whole stroke
      if (editor->undo())
        reloadLabels();
      else
        editMessage = "nothing to undo";
      return true;
    case 'U':
    case 25: // Ctrl+Y
      preview.reset();
      if (stroking)
        finishStroke();
      if (editor->redo())
        reloadLabels();
      else
        editMessage = "nothing to redo";
      return true;
    case 'l':
      if (stroking)
        finishStroke(); // the stroke under way is saved as one closed step
      try
      {
        const std::string folder = options.reviewFolder;
        const nlohmann::json review =
          editing::saveReview(folder, *editor, options.provenance, options.reviewer, isoTimeNow());
        editMessage =
          "saved " + folder + "/ (" + review.at("status").get<std::string>() + ", edits.json)";
      }
      catch (const std::exception& e)
      {
        editMessage = std::string("not saved: ") + e.what();
      }
      return true;
    default:
      return false;
  }
}

std::string PlanWindow::Impl::formatEditText() const
{
  if (!editor)
    return "";
  static const char* toolNames[] = { "paint",         "erase",          "add lesion",
                                     "remove lesion", "include region", "exclude region" };
  const char* targetName = target == editing::EditTarget::Liver    ? "liver"
                           : target == editing::EditTarget::Lesion ? "lesion"
                                                                   : "segment";
  const editing::LiveNumbers n = liveNumbers();
  std::ostringstream t;
  t << "EDIT " << toolNames[static_cast<int>(tool)] << " " << targetName;
  if (target == editing::EditTarget::Segment)
    t << " " << segmentValue;
  t << "  brush " << fmt(brushRadiusMm, 0) << " mm " << (brushFlat ? "2D" : "3D");
  if (brushHu)
    t << " " << fmt(options.brushHuRange.first, 0) << ".." << fmt(options.brushHuRange.second, 0)
      << " HU";
  t << "  tolerance " << fmt(toleranceHu, 0) << " HU\n";
  char numbers[200];
  std::snprintf(numbers,
                sizeof numbers,
                "TLV %.2f mL  tumour %.2f mL (%zu lesions)  FLR %s%.2f %%%s",
                n.totalLiverMl,
                n.tumourMl,
                n.lesionCount,
                n.flrEstimated ? "~" : "",
                n.flrPercent.value_or(exact.flrPercent),
                !surfacesBehind  ? ""
                : n.flrEstimated ? " (live, zones as evaluated; exact on release)"
                                 : " (live; exact on release)");
  t << numbers << "\n";
  t << editor->operationCount() << " edit(s) in effect"
    << (editor->canRedo() ? " (redo available)" : "");
  if (!editMessage.empty())
    t << "\n" << editMessage;
  return t.str();
}

void PlanWindow::Impl::showEditPanel()
{
  editRenderer->SetDraw(editMode ? 1 : 0);
  editPanel->SetInput(formatEditText().c_str());
  text->SetInput(formatText().c_str());
}

std::string PlanWindow::Impl::planJsonText() const
{
  const ResectionPlan& plan = plans[current];
  std::ostringstream j;
  auto vec = [](const std::array<double, 3>& v)
  { return "[" + jsonNumber(v[0]) + ", " + jsonNumber(v[1]) + ", " + jsonNumber(v[2]) + "]"; };
  j << "{\n  \"coordinates\": \"LPS\",\n  \"units\": \"mm\",\n  \"plans\": [\n    {\n"
    << "      \"name\": " << jsonString(plan.name);
  if (!plan.segments.empty())
  {
    j << ",\n      \"segments\": [";
    for (std::size_t k = 0; k < plan.segments.size(); ++k)
      j << (k ? ", " : "") << plan.segments[k];
    j << "]";
  }
  if (!plan.planes.empty())
  {
    j << ",\n      \"planes\": [";
    for (std::size_t k = 0; k < plan.planes.size(); ++k)
      j << (k ? ", " : "") << "{ \"pointLpsMm\": " << vec(plan.planes[k].pointLpsMm)
        << ", \"normal\": " << vec(plan.planes[k].normal) << " }";
    j << "]";
  }
  if (!plan.wedges.empty())
  {
    j << ",\n      \"wedges\": [";
    for (std::size_t k = 0; k < plan.wedges.size(); ++k)
    {
      j << (k ? ", " : "") << "{ \"lesions\": [";
      for (std::size_t m = 0; m < plan.wedges[k].lesionIds.size(); ++m)
        j << (m ? ", " : "") << plan.wedges[k].lesionIds[m];
      j << "], \"marginMm\": " << jsonNumber(plan.wedges[k].marginMm) << " }";
    }
    j << "]";
  }
  if (!plan.ablations.empty())
  {
    j << ",\n      \"ablations\": [";
    for (std::size_t k = 0; k < plan.ablations.size(); ++k)
      j << (k ? ", " : "") << "{ \"lesion\": " << plan.ablations[k].lesionId
        << ", \"zoneMarginMm\": " << jsonNumber(plan.ablations[k].zoneMarginMm) << " }";
    j << "]";
  }
  j << "\n    }\n  ]\n}\n";
  return j.str();
}

// ---------------------------------------------------------------------------------------------
// PlanWindow

bool xDisplayAvailable()
{
  return detail::openDisplay() != nullptr;
}

PlanWindow::PlanWindow(const CtImage& ct,
                       const LiverLabels& labels,
                       const PlanOptions& planOptions,
                       std::vector<ResectionPlan> plans,
                       const PlanWindowOptions& options)
  : m_impl(std::make_unique<Impl>())
{
  Impl& m = *m_impl;
  if (!labels.liver)
    throw std::invalid_argument("PlanWindow: no liver mask");
  if (!(options.coarseSpacingMm > 0.0) || options.widthPx < 64 || options.heightPx < 64 ||
      options.widthPx > 8192 || options.heightPx > 8192)
    throw std::invalid_argument("PlanWindow: bad window size or coarse spacing");
  for (const auto& [image, name] : { std::pair{ labels.liver.GetPointer(), "liver" },
                                     std::pair{ labels.lesions.GetPointer(), "lesion" },
                                     std::pair{ labels.segments.GetPointer(), "segment" },
                                     std::pair{ labels.vessels.GetPointer(), "vessel" } })
  {
    if (image == nullptr)
      continue;
    const std::string mismatch = image->GetLargestPossibleRegion() == ct.GetLargestPossibleRegion()
                                   ? describeGridMismatch(ct, *image)
                                   : std::string("its size differs from the CT's");
    if (!mismatch.empty())
      throw InputError("",
                       std::string("the ") + name + " map is not on the CT's grid: " + mismatch);
  }
  m.ct = &ct;
  m.labels = labels;
  m.planOptions = planOptions;
  m.options = options;
  m.loadGeometry(ct);
  m.copyLabels();
  bool anyPlane = false;
  for (const ResectionPlan& p : plans)
  {
    validatePlan(p);
    anyPlane = anyPlane || !p.planes.empty();
  }
  if (!anyPlane)
  {
    // A plane to move: through the liver's centre, resecting the patient's left (+x) side.
    ResectionPlan p;
    p.planes.push_back({ m.liverCentreLps, { 1.0, 0.0, 0.0 } });
    p.name = "plane (interactive)";
    plans.push_back(p);
  }
  m.plans = std::move(plans);
  // VTK 9.1 aborts the process when it cannot reach an X server: connect first.
  m.display = detail::openDisplay();
  if (!m.display)
    throw ProcessingError("no X display for the viewer window (DISPLAY is unset or "
                          "unreachable): use --screenshot with `xvfb-run -a` on a server");
  m.buildScene();
  m.setupPlan();
  m.exactNow();
  // The first render makes the window at its size: the camera reset below depends on its aspect.
  m.window->Render();
  m.resetCamera3d(SnapshotView::Anterior, true);
  m.updateSlices();
}

PlanWindow::~PlanWindow()
{
  if (!m_impl)
    return;
  if (m_impl->recorder)
  {
    m_impl->recorder->Stop();
    m_impl->recorder->Off();
    m_impl->recorder->SetInteractor(nullptr);
  }
  m_impl->planeWidget->Off();
  m_impl->planeWidget->SetInteractor(nullptr);
  m_impl->iren->SetRenderWindow(nullptr);
  m_impl->window->Finalize();
}

void PlanWindow::start()
{
  m_impl->window->Render();
  if (!m_impl->options.offScreen)
    m_impl->iren->Start();
}

void PlanWindow::render()
{
  m_impl->window->Render();
}

std::string PlanWindow::displayedText() const
{
  const char* t = m_impl->text->GetInput();
  return t ? t : "";
}

std::string PlanWindow::lesionText() const
{
  const char* t = m_impl->lesionPanel->GetInput();
  return t ? t : "";
}

std::size_t PlanWindow::planCount() const
{
  return m_impl->plans.size();
}

std::size_t PlanWindow::currentPlanIndex() const
{
  return m_impl->current;
}

const ResectionPlan& PlanWindow::currentPlan() const
{
  return m_impl->plans[m_impl->current];
}

void PlanWindow::showPlan(std::size_t index)
{
  if (index >= m_impl->plans.size())
    throw std::invalid_argument("PlanWindow::showPlan: no plan " + std::to_string(index));
  m_impl->current = index;
  m_impl->setupPlan();
  m_impl->exactNow();
}

std::optional<CutPlane> PlanWindow::plane() const
{
  if (!m_impl->editedPlane)
    return std::nullopt;
  return m_impl->plans[m_impl->current].planes[*m_impl->editedPlane];
}

void PlanWindow::setPlane(const CutPlane& plane, bool exact)
{
  Impl& m = *m_impl;
  if (!m.editedPlane)
    throw std::logic_error("PlanWindow::setPlane: the current plan has no plane");
  const Vec3 n = unit(plane.normal);
  m.plans[m.current].planes[*m.editedPlane] = { plane.pointLpsMm, n };
  m.planeRep->SetOrigin(const_cast<double*>(plane.pointLpsMm.data()));
  m.planeRep->SetNormal(const_cast<double*>(n.data()));
  m.planeRep->BuildRepresentation();
  m.applyPlaneToScene();
  m.coarse();
  if (exact)
    m.exactNow();
}

double PlanWindow::updateCoarse()
{
  return m_impl->coarse();
}

double PlanWindow::updateExact()
{
  return m_impl->exactNow();
}

const PlanEstimate& PlanWindow::displayedEstimate() const
{
  return m_impl->shown;
}

const PlanResult& PlanWindow::exactResult() const
{
  return m_impl->exact;
}

void PlanWindow::toggle(PlanStructure structure)
{
  m_impl->onChar(static_cast<char>('0' + static_cast<int>(structure)));
}

bool PlanWindow::visible(PlanStructure structure) const
{
  return m_impl->visibility[static_cast<std::size_t>(structure)];
}

void PlanWindow::resetCamera()
{
  m_impl->resetCamera3d(SnapshotView::Anterior, true);
}

void PlanWindow::setView(SnapshotView view)
{
  m_impl->resetCamera3d(view, false);
}

void PlanWindow::savePlan(const std::string& path) const
{
  writeTextFile(path, m_impl->planJsonText());
}

void PlanWindow::saveScreenshot(const std::string& path)
{
  const std::string previous = m_impl->options.screenshotPath;
  m_impl->options.screenshotPath = path;
  m_impl->onChar('s');
  m_impl->options.screenshotPath = previous;
  if (!std::filesystem::exists(path))
    throw OutputError(path + ": cannot write PNG");
}

std::vector<unsigned char> PlanWindow::captureRgb(int& widthPx, int& heightPx)
{
  m_impl->window->Render();
  const auto grab = detail::grabRgb(m_impl->window, false);
  vtkImageData* image = grab->GetOutput();
  const int* dims = image->GetDimensions();
  widthPx = dims[0];
  heightPx = dims[1];
  const auto* p = static_cast<const unsigned char*>(image->GetScalarPointer());
  return std::vector<unsigned char>(p, p + static_cast<std::size_t>(dims[0]) * dims[1] * 3);
}

std::array<double, 2> PlanWindow::worldToDisplay(const std::array<double, 3>& lps) const
{
  vtkRenderer* r = m_impl->view3d;
  r->SetWorldPoint(lps[0], lps[1], lps[2], 1.0);
  r->WorldToDisplay();
  const double* d = r->GetDisplayPoint();
  return { d[0], d[1] };
}

std::array<double, 3> PlanWindow::cursor() const
{
  return m_impl->cursorLps;
}

void PlanWindow::setCursor(const std::array<double, 3>& lps)
{
  m_impl->cursorLps = lps;
  m_impl->updateSlices();
}

void PlanWindow::selectLesion(int id)
{
  Impl& m = *m_impl;
  if (m.lesions.count(id) == 0)
    throw std::invalid_argument("PlanWindow::selectLesion: no lesion " + std::to_string(id));
  m.selectedLesion = id;
  m.lesionPanel->SetInput(m.formatLesion(id).c_str());
  m.cursorLps = m.lesions.at(id).centroidLps;
  m.updateSlices();
}

std::optional<int> PlanWindow::lesionAt(int x, int y)
{
  Impl& m = *m_impl;
  m.window->Render();
  if (!m.lesionPicker->Pick(x, y, 0.0, m.structures3d))
    return std::nullopt;
  for (auto& [id, info] : m.lesions)
    if (info.actor && info.actor.Get() == m.lesionPicker->GetActor())
      return id;
  return std::nullopt;
}

void PlanWindow::replay(const std::string& eventLog)
{
  Impl& m = *m_impl;
  vtkNew<vtkInteractorEventRecorder> player;
  player->SetInteractor(m.iren);
  player->ReadFromInputStringOn();
  player->SetInputString(eventLog.c_str());
  m.window->Render();
  player->Play();
  player->Stop();
  player->SetInteractor(nullptr);
}

void PlanWindow::record(const std::string& path)
{
  Impl& m = *m_impl;
  m.recorder = vtkSmartPointer<vtkInteractorEventRecorder>::New();
  m.recorder->SetInteractor(m.iren);
  m.recorder->SetFileName(path.c_str());
  m.recorder->On();
  m.recorder->Record();
}

void PlanWindow::setEditMode(bool on)
{
  Impl& m = *m_impl;
  m.ensureEditor();
  if (!on && m.stroking)
    m.finishStroke();
  m.editMode = on;
  m.showEditPanel();
}

bool PlanWindow::editMode() const
{
  return m_impl->editMode;
}

void PlanWindow::setEditTool(EditTool tool)
{
  m_impl->tool = tool;
  m_impl->showEditPanel();
}

EditTool PlanWindow::editTool() const
{
  return m_impl->tool;
}

void PlanWindow::setEditTarget(editing::EditTarget target, std::uint16_t value)
{
  if (target == editing::EditTarget::Segment && (value < 1 || value > 8))
    throw std::invalid_argument("a Couinaud segment is 1..8");
  m_impl->target = target;
  if (target == editing::EditTarget::Segment)
    m_impl->segmentValue = value;
  m_impl->showEditPanel();
}

void PlanWindow::setBrush(double radiusMm, bool flat, bool huLimited)
{
  if (!(radiusMm > 0.0) || !std::isfinite(radiusMm))
    throw std::invalid_argument("brush radius must be > 0 mm");
  m_impl->brushRadiusMm = radiusMm;
  m_impl->brushFlat = flat;
  m_impl->brushHu = huLimited;
  m_impl->showEditPanel();
}

double PlanWindow::editAt(const std::array<double, 3>& lps, int view)
{
  if (view < 0 || view > 2)
    throw std::invalid_argument("slice view is 0 (axial), 1 (coronal) or 2 (sagittal)");
  return m_impl->editAt(lps, view);
}

double PlanWindow::finishStroke()
{
  return m_impl->finishStroke();
}

bool PlanWindow::acceptPreview()
{
  Impl& m = *m_impl;
  if (!m.preview)
    return false;
  m.onEditChar('k');
  m.showEditPanel();
  return true;
}

void PlanWindow::cancelPreview()
{
  m_impl->onEditChar('c');
  m_impl->showEditPanel();
}

bool PlanWindow::undoEdit()
{
  Impl& m = *m_impl;
  m.ensureEditor();
  const bool could = m.editor->canUndo();
  m.onEditChar('u');
  m.showEditPanel();
  return could;
}

bool PlanWindow::redoEdit()
{
  Impl& m = *m_impl;
  m.ensureEditor();
  const bool could = m.editor->canRedo();
  m.onEditChar('U');
  m.showEditPanel();
  return could;
}

const editing::LabelEditor& PlanWindow::editor() const
{
  m_impl->ensureEditor();
  return *m_impl->editor;
}

editing::LiveNumbers PlanWindow::liveNumbers() const
{
  m_impl->ensureEditor();
  return m_impl->liveNumbers();
}

/// The editor's volumes with the FLR counted live during a stroke, the exact one otherwise.
editing::LiveNumbers PlanWindow::Impl::liveNumbers() const
{
  editing::LiveNumbers n = editor->numbers();
  if (!surfacesBehind || !n.flrPercent)
  {
    n.flrMl = exact.flrMl;
    n.flrPercent = exact.flrPercent;
    n.flrEstimated = false;
  }
  return n;
}

std::string PlanWindow::editText() const
{
  m_impl->ensureEditor();
  return m_impl->formatEditText();
}

nlohmann::json PlanWindow::saveReview(const std::string& folder)
{
  Impl& m = *m_impl;
  m.ensureEditor();
  if (m.stroking)
    m.finishStroke();
  return editing::saveReview(
    folder, *m.editor, m.options.provenance, m.options.reviewer, isoTimeNow());
}

std::array<double, 2> PlanWindow::sliceToDisplay(int view, const std::array<double, 3>& lps) const
{
  if (view < 0 || view > 2)
    throw std::invalid_argument("slice view is 0 (axial), 1 (coronal) or 2 (sagittal)");
  vtkRenderer* r = m_impl->slices[static_cast<std::size_t>(view)].renderer;
  r->SetWorldPoint(lps[0], lps[1], lps[2], 1.0);
  r->WorldToDisplay();
  const double* d = r->GetDisplayPoint();
  return { d[0], d[1] };
}

vtkRenderWindow* PlanWindow::renderWindow()
{
  return m_impl->window;
}

vtkRenderWindowInteractor* PlanWindow::interactor()
{
  return m_impl->iren;
}

} // namespace liver
