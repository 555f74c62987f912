#pragma once
/// report.html: a self-contained, printable report made from the analysis result (issue 7), its
/// images (3D plan views and axial lesion slices, PNG) and the SHA-256 of the input files.

#include <liver/imaging/types.h>
#include <liver/model/result.h>
#include <liver/report/encoding.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace liver::report
{

/// One image of the report: a PNG in the output folder and what it shows.
struct ReportImage
{
  std::string file;    ///< relative to the output folder, e.g. "images/plan-1-anterior.png"
  std::string kind;    ///< "plan-3d" or "lesion-axial"
  std::string view;    ///< "anterior", "posterior" or "axial"
  std::string caption; ///< one line for the figure
  int plan = 0;        ///< 1-based index in result["plans"]; 0 = no plan
  int lesion = 0;      ///< lesion id; 0 = none
  unsigned widthPx = 0;
  unsigned heightPx = 0;
  std::string png;     ///< the file's bytes (kept out of JSON); empty when skipped
  std::string skipped; ///< why the image is missing (e.g. no X display); empty when present
};

/// Where warnings go (the apps pass logWarning); may be empty.
using ReportWarn = std::function<void(const std::string&)>;

/// Lesion slices per plan at most (the report says when lesions are left out).
inline constexpr std::size_t MaxLesionSlicesPerPlan = 12;

/// The input files the result names (the CT: ct.load.source; labels: labels.sources[].path)
/// with their SHA-256 (one record per {role, path}). A folder (DICOM series, TotalSegmentator
/// output) gets the SHA-256 of its `sha256sum`-style listing ("<digest>  <relative path>\n" per
/// regular file, sorted by path) and its file count. Relative paths are tried as given, then
/// under `baseDir`. A missing file gets an error text, not an exception. `moreInputs` adds files
/// the result does not name, as {role, path} (e.g. {"clinical", clinical.json}, {"plan-file",
/// plan.json}); empty paths are ignored.
std::vector<model::InputFileRecord> inputDigests(
  const model::AnalysisResult& result,
  const std::string& baseDir = "",
  const std::vector<std::pair<std::string, std::string>>& moreInputs = {});

/// The images as the model's records (every field but the bytes).
std::vector<model::ImageRecord> imageRecords(const std::vector<ReportImage>& images);

/// The images as result.json's "images" list: every field but the bytes.
nlohmann::json reportImagesJson(const std::vector<ReportImage>& images);

/// The images result.json lists in "images" (else those DIR/images/index.json lists), with the
/// bytes of each file under `dir`; a missing or non-PNG file becomes a skipped image with the
/// reason.
std::vector<ReportImage> loadReportImages(const std::string& dir,
                                          const model::AnalysisResult& result);

/// The report as one HTML document made only from `result` (the model's types; what the result
/// does not hold is shown as "-") and `images` (embedded as data URIs): title, the
/// decision-support disclaimer, the review and QC banners, patient/study identifiers, input
/// provenance (files with their SHA-256 from result.inputFiles, study/series UIDs, software
/// version), volumetry, each plan (remnant, FLR %, sFLR % with its band, threshold, pass, R0,
/// lesion fates and margins, augmentation, images), the decision with its trace and sources ("no
/// clinical data: decision not made" without one). Inline CSS with print rules, no script, every
/// text HTML-escaped.
std::string renderReportHtml(const model::AnalysisResult& result,
                             const std::vector<ReportImage>& images);

/// Render the report's images into `outDir`/images/ (PNG, each written atomically) and list them
/// in `outDir`/images/index.json: per plan K (result["plans"][K-1], remnant map
/// `remnantMaps[K-1]`) a 3D anterior and posterior view (plan-K-anterior.png,
/// plan-K-posterior.png) and an axial slice through each lesion's centroid
/// (plan-K-lesion-N-axial.png); without plans, axial slices with the liver outlined
/// (lesion-N-axial.png). Lesion centroids and fates come from `result`. The 3D views need an X
/// display: without one they are skipped with a warning (and the report says so); no image
/// failure is thrown, each becomes a skipped image with its reason.
std::vector<ReportImage> renderReportImages(const std::string& outDir,
                                            const model::AnalysisResult& result,
                                            const CtImage& ct,
                                            const LiverLabels& labels,
                                            const std::vector<LabelImage::Pointer>& remnantMaps,
                                            const ReportWarn& warn = {});

/// renderReportImages, then `outDir`/report.html from renderReportHtml, written atomically. When
/// `result` has no input files, they are hashed now (inputDigests) for the report.
/// Returns the images (for result.json's "images": reportImagesJson). Throws OutputError when
/// report.html cannot be written.
std::vector<ReportImage> writeAnalysisReport(const std::string& outDir,
                                             const model::AnalysisResult& result,
                                             const CtImage& ct,
                                             const LiverLabels& labels,
                                             const std::vector<LabelImage::Pointer>& remnantMaps,
                                             const ReportWarn& warn = {});

} // namespace liver::report
