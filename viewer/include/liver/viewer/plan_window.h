#pragma once
/// The interactive planner window: a 3D view of a plan (remnant, translucent resected part,
/// lesions, vessels, optional segment colours, legend) beside axial, coronal and sagittal CT
/// slices with label overlays and a linked cursor, and an implicit plane widget that moves the
/// cut of plane plans. While the plane is dragged the remnant, FLR %, sFLR % and lesion margins
/// are estimated on a coarse grid (PlaneDragEstimator); on release they are computed exactly with
/// evaluatePlan.
/// Needs an X display (throws ProcessingError without one). Prints nothing.

#include <liver/editing/label_editor.h>
#include <liver/imaging/types.h>
#include <liver/model/result.h>
#include <liver/planning/plan.h>
#include <liver/planning/plane_estimate.h>
#include <liver/planning/resection.h>
#include <liver/viewer/snapshot.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

class vtkRenderWindow;
class vtkRenderWindowInteractor;

namespace liver
{

/// Whether an X display can be opened (DISPLAY set and reachable), without which the window
/// cannot be made.
bool xDisplayAvailable();

struct PlanWindowOptions
{
  unsigned widthPx = 1400;
  unsigned heightPx = 900;
  /// Render without mapping a window and without X event handling: for tests and --replay, which
  /// drive the window through its methods and recorded events.
  bool offScreen = false;
  double coarseSpacingMm = 4.0;            ///< grid of the estimate shown while dragging
  std::string savePlanPath = "plan.json";  ///< where `w` writes the current plan
  std::string screenshotPath = "view.png"; ///< where `s` writes the window
  /// Edit mode: where `l` saves the corrected labels, the .seg.nrrd and edits.json.
  std::string reviewFolder = "reviewed";
  std::string reviewer; ///< who reviews (required to save a review)
  /// The provenance of the labels given (their origins; the review's starting point).
  model::SegmentationProvenance provenance;
  /// The threshold-limited brush's HU range (`h` toggles it).
  std::pair<double, double> brushHuRange{ -50.0, 250.0 };
};

/// What a left click (and drag) in a slice view does in edit mode (keys b, x, a, d, i, o).
enum class EditTool
{
  Paint,        ///< b: brush paints the target
  Erase,        ///< x: brush erases the target
  AddLesion,    ///< a: grow a lesion from the click, previewed; Enter/k accepts, c cancels
  RemoveLesion, ///< d: remove the lesion clicked
  Include,      ///< i: add the region grown from the click to the liver
  Exclude       ///< o: remove the region grown from the click from the liver
};

/// Structures that keys 1..5 toggle.
enum class PlanStructure
{
  Remnant = 1,
  Resected = 2,
  Lesions = 3,
  Vessels = 4,
  SegmentColours = 5
};

class PlanWindow
{
public:
  /// `plans` are shown in order (n/p switch); when none has a plane, a plane plan through the
  /// liver's centre (resecting its +x, patient-left, side) is appended. The plane widget edits
  /// the first plane of the current plan and is hidden for plans without one. Labels must be on
  /// the CT's grid (InputError otherwise); std::invalid_argument without a liver or for bad
  /// options; InputError / invalid_argument from evaluatePlan for plans that cannot be
  /// evaluated; ProcessingError without an X display or OpenGL context.
  PlanWindow(const CtImage& ct,
             const LiverLabels& labels,
             const PlanOptions& planOptions,
             std::vector<ResectionPlan> plans,
             const PlanWindowOptions& options = {});
  ~PlanWindow();
  PlanWindow(const PlanWindow&) = delete;
  PlanWindow& operator=(const PlanWindow&) = delete;

  /// Render, then run the event loop until the window is closed or `q` is pressed (not in
  /// off-screen mode).
  void start();
  void render();

  /// The text of the results panel (plan, remnant mL, FLR %, sFLR %, lesion fates and margins).
  std::string displayedText() const;
  /// The text of the lesion panel (empty until a lesion is picked).
  std::string lesionText() const;

  std::size_t planCount() const;
  std::size_t currentPlanIndex() const;
  const ResectionPlan& currentPlan() const; ///< with the plane as currently placed
  void showPlan(std::size_t index);         ///< evaluates it exactly

  /// The edited cut plane of the current plan (empty when the plan has no plane).
  std::optional<CutPlane> plane() const;
  /// Move the plane (and the widget): a coarse update, then an exact one when `exact`.
  /// std::logic_error when the current plan has no plane.
  void setPlane(const CutPlane& plane, bool exact = true);
  /// Recompute the coarse estimate for the current plane and show it; returns its time in ms
  /// (computation only, without rendering).
  double updateCoarse();
  /// Evaluate the current plan exactly and show it; returns its time in ms.
  double updateExact();
  const PlanEstimate& displayedEstimate() const;
  const PlanResult& exactResult() const; ///< the last exact result

  void toggle(PlanStructure structure);
  bool visible(PlanStructure structure) const;
  void resetCamera();              ///< the default oblique anterior view (key r)
  void setView(SnapshotView view); ///< a straight anterior, posterior or superior view

  /// Write the current plan (with the plane as placed) as plan.json, atomically.
  void savePlan(const std::string& path) const;
  /// Write the window as PNG, atomically.
  void saveScreenshot(const std::string& path);
  /// The window's pixels as RGB, rows bottom to top (VTK order).
  std::vector<unsigned char> captureRgb(int& widthPx, int& heightPx);

  /// Display position (pixels, origin bottom left) of an LPS point in the 3D view.
  std::array<double, 2> worldToDisplay(const std::array<double, 3>& lps) const;
  /// The cursor shared by the slice views (LPS mm).
  std::array<double, 3> cursor() const;
  void setCursor(const std::array<double, 3>& lps);
  /// Show lesion `id`'s details in the lesion panel (what clicking it does).
  void selectLesion(int id);
  /// The lesion drawn at display position (x, y) of the 3D view, if any (what a click picks).
  std::optional<int> lesionAt(int x, int y);

  // ---- Edit mode (key m): correcting the segmentation on the slices with liver::editing. ----
  // Keys in edit mode: b paint, x erase, a add lesion, d remove lesion, i include, o exclude,
  // t target (liver, lesion, segment), + / - brush radius, f 2D/3D brush, h HU-limited brush,
  // [ / ] growth tolerance, Enter or k accept the preview, c cancel it, u undo, U redo,
  // l save the review. The numbers panel shows TLV, tumour and the plan's FLR live.

  void setEditMode(bool on);
  bool editMode() const;
  void setEditTool(EditTool tool);
  EditTool editTool() const;
  void setEditTarget(editing::EditTarget target, std::uint16_t value = 0);
  void setBrush(double radiusMm, bool flat, bool huLimited);
  /// What a left press in a slice view at `lps` does with the current tool (the brush: one dab
  /// in the slice view `view`, 0 axial, 1 coronal, 2 sagittal). Returns the update's time in ms:
  /// the edit, the slice and the numbers (TLV, tumour and the FLR counted voxel by voxel:
  /// editing::LabelEditor::followPlan; exact again on finishStroke).
  double editAt(const std::array<double, 3>& lps, int view = 0);
  /// The end of a stroke (button release): its dabs become one undo step; the exact FLR and the
  /// 3D surfaces; time in ms.
  double finishStroke();
  bool acceptPreview();
  void cancelPreview();
  bool undoEdit(); ///< with the exact numbers and surfaces; false when there is nothing to undo
  bool redoEdit();
  const editing::LabelEditor& editor() const;
  /// TLV, tumour and the current plan's FLR on the labels as edited (as `liverplan plan` gives):
  /// counted live during a stroke (flrEstimated for plans with wedge or ablation zones), exact
  /// otherwise.
  editing::LiveNumbers liveNumbers() const;
  /// The edit panel's text (tool, target, brush, numbers).
  std::string editText() const;
  /// Close a stroke under way, then write the corrected labels, segmentation.seg.nrrd and
  /// edits.json into `folder` (see liver::editing::saveReview); std::invalid_argument without
  /// options.reviewer.
  nlohmann::json saveReview(const std::string& folder);
  /// Display position (pixels) of an LPS point in slice view `view` (0 axial, 1 coronal,
  /// 2 sagittal) once the cursor's slice passes through it.
  std::array<double, 2> sliceToDisplay(int view, const std::array<double, 3>& lps) const;

  /// Play a vtkInteractorEventRecorder log (text) on the interactor.
  void replay(const std::string& eventLog);
  /// Record the interaction to `path` (vtkInteractorEventRecorder format) until the window is
  /// destroyed or `q` / `e` is pressed (VTK's recorder stops there by itself).
  void record(const std::string& path);

  vtkRenderWindow* renderWindow();
  vtkRenderWindowInteractor* interactor();

  struct Impl;

private:
  std::unique_ptr<Impl> m_impl;
};

} // namespace liver
