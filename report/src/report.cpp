/// The report's images (rendered, or read back with the list result.json or images/index.json
/// gives), input-file SHA-256, and report.html written beside them (its HTML: report_html.cpp).

#include <liver/report/encoding.h>
#include <liver/report/report.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/json_input.h>
#include <liver/imaging/safe_path.h>
#include <liver/viewer/report_images.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace liver::report
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

// ---- images/index.json, read without throwing on absent fields ----

const json& field(const json& j, const char* key)
{
  static const json null;
  return j.is_object() && j.contains(key) ? j.at(key) : null;
}

std::string text(const json& value)
{
  return value.is_string() ? value.get<std::string>() : value.is_null() ? "-" : value.dump();
}

/// Width and height of a PNG from its IHDR chunk; false when `bytes` is not a PNG.
bool pngSize(const std::string& bytes, unsigned& width, unsigned& height)
{
  static const std::string signature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() < 24 || bytes.compare(0, 8, signature) != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return false;
  auto be32 = [&bytes](std::size_t at)
  {
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i)
      v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  width = be32(16);
  height = be32(20);
  return true;
}

std::string readBinary(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

model::InputFileRecord digestOf(const std::string& role,
                                const std::string& path,
                                const std::string& baseDir)
{
  model::InputFileRecord entry;
  entry.role = role;
  entry.path = path;
  fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec) && p.is_relative() && !baseDir.empty() && fs::exists(baseDir / p, ec))
    p = fs::path(baseDir) / p;
  try
  {
    if (fs::is_regular_file(p, ec))
    {
      entry.kind = "file";
      entry.bytes = fs::file_size(p);
      entry.sha256 = sha256File(p.string());
    }
    else if (fs::is_directory(p, ec))
    {
      std::vector<std::pair<std::string, fs::path>> files;
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file())
          files.emplace_back(fs::relative(e.path(), p).generic_string(), e.path());
      std::sort(files.begin(), files.end());
      std::string listing;
      std::uintmax_t bytes = 0;
      for (const auto& [relative, full] : files)
      {
        listing += sha256File(full.string()) + "  " + relative + "\n";
        bytes += fs::file_size(full);
      }
      entry.kind = "folder";
      entry.files = files.size();
      entry.bytes = bytes;
      entry.sha256 = sha256Hex(listing);
    }
    else
      entry.error = "not found when hashed";
  }
  catch (const std::exception& e)
  {
    entry.sha256.reset();
    entry.error = e.what();
  }
  return entry;
}

} // namespace

std::vector<model::InputFileRecord> inputDigests(
  const model::AnalysisResult& result,
  const std::string& baseDir,
  const std::vector<std::pair<std::string, std::string>>& moreInputs)
{
  std::vector<model::InputFileRecord> inputs;
  std::map<std::string, model::InputFileRecord> done; // the same file under two roles: hashed once
  auto add = [&](const std::string& role, const std::string& path)
  {
    if (path.empty())
      return;
    auto found = done.find(path);
    if (found == done.end())
      found = done.emplace(path, digestOf(role, path, baseDir)).first;
    model::InputFileRecord entry = found->second;
    entry.role = role;
    inputs.push_back(entry);
  };
  add("ct", result.ct.load.source);
  for (const model::LabelSourceRecord& s : result.labels.sources)
    add(s.role, s.path);
  for (const auto& [role, path] : moreInputs)
    add(role, path);
  return inputs;
}

std::vector<model::ImageRecord> imageRecords(const std::vector<ReportImage>& images)
{
  std::vector<model::ImageRecord> records;
  for (const ReportImage& i : images)
    records.push_back(
      { i.file, i.kind, i.view, i.caption, i.plan, i.lesion, i.widthPx, i.heightPx, i.skipped });
  return records;
}

json reportImagesJson(const std::vector<ReportImage>& images)
{
  return model::toJson(imageRecords(images));
}

std::vector<ReportImage> loadReportImages(const std::string& dir,
                                          const model::AnalysisResult& result)
{
  json list = result.images.empty() ? json(nullptr) : model::toJson(result.images);
  const fs::path index = fs::path(dir) / "images" / "index.json";
  std::error_code ec;
  if (!list.is_array() && fs::exists(index, ec))
    list = loadJsonInput(index.string(), "image index", MaxJsonFileBytes);
  std::vector<ReportImage> images;
  if (!list.is_array())
    return images;
  for (std::size_t k = 0; k < list.size(); ++k)
  {
    const json& j = list[k];
    // A plan or lesion number: an integer an int holds, else none (a cast of 1e300 is undefined).
    const auto number = [&](const char* key)
    {
      const json& v = field(j, key);
      if (v.is_null())
        return 0;
      const double d = v.is_number() ? v.get<double>() : 0.5;
      if (std::floor(d) != d || std::abs(d) > std::numeric_limits<int>::max())
        throw InputError(index.string(),
                         "[" + std::to_string(k) + "]." + key + ": must be an integer, not " +
                           jsonExcerpt(v));
      return static_cast<int>(d);
    };
    ReportImage i;
    i.file = text(field(j, "file"));
    i.kind = text(field(j, "kind"));
    i.view = text(field(j, "view"));
    i.caption = text(field(j, "caption"));
    i.plan = number("plan");
    i.lesion = number("lesion");
    if (field(j, "skipped").is_string())
      i.skipped = field(j, "skipped").get<std::string>();
    else if (!field(j, "file").is_string() || i.file.empty())
      i.skipped = "no file name";
    else if (resolveInside(dir, i.file).empty())
      i.skipped = i.file + " is outside the result's folder";
    else
    {
      const std::string bytes = readBinary((fs::path(dir) / i.file).string());
      unsigned width = 0, height = 0;
      if (bytes.empty())
        i.skipped = i.file + " not found";
      else if (!pngSize(bytes, width, height))
        i.skipped = i.file + " is not a PNG";
      else
        i.png = bytes, i.widthPx = width, i.heightPx = height;
    }
    images.push_back(i);
  }
  return images;
}

std::vector<ReportImage> renderReportImages(const std::string& outDir,
                                            const model::AnalysisResult& result,
                                            const CtImage& ct,
                                            const LiverLabels& labels,
                                            const std::vector<LabelImage::Pointer>& remnantMaps,
                                            const ReportWarn& warn)
{
  std::vector<ReportImage> images;
  const fs::path imageDir = fs::path(outDir) / "images";
  std::error_code ec;
  fs::create_directories(imageDir, ec);
  std::string noDisplay; // set after the first 3D view that cannot be rendered
  auto attempt = [&](ReportImage image, const std::function<void(const std::string&)>& render)
  {
    const std::string path = (fs::path(outDir) / image.file).string();
    if (image.kind == "plan-3d" && !noDisplay.empty())
      image.skipped = noDisplay;
    else
      try
      {
        render(path);
        image.png = readBinary(path);
        if (!pngSize(image.png, image.widthPx, image.heightPx))
          image.png.clear(), image.skipped = "the PNG written could not be read back";
      }
      catch (const ProcessingError& e)
      {
        image.skipped = e.what();
        if (image.kind == "plan-3d")
        {
          noDisplay = "3D view skipped: " + image.skipped;
          image.skipped = noDisplay;
          if (warn)
            warn("report: 3D views skipped (" + std::string(e.what()) + ")");
        }
      }
      catch (const std::exception& e)
      {
        image.skipped = e.what();
        if (warn)
          warn("report: " + image.file + " not rendered: " + e.what());
      }
    images.push_back(image);
  };

  // Lesion centroids from result.json (the report shows what the analysis measured).
  std::vector<std::pair<int, std::array<double, 3>>> centroids;
  for (const model::LesionRecord& l : result.volumetry.lesions)
    centroids.push_back({ l.id, l.centroidLpsMm });
  if (centroids.size() > MaxLesionSlicesPerPlan && warn)
    warn("report: axial slices for the first " + std::to_string(MaxLesionSlicesPerPlan) + " of " +
         std::to_string(centroids.size()) + " lesions");
  const std::size_t slices = std::min(centroids.size(), MaxLesionSlicesPerPlan);
  char z[32];

  const std::size_t planCount = result.plans.size();
  for (std::size_t k = 0; k < planCount && k < remnantMaps.size(); ++k)
  {
    if (!remnantMaps[k])
      continue;
    const int planNo = static_cast<int>(k + 1);
    const std::string name = result.plans[k].result.name;
    const std::string prefix = "images/plan-" + std::to_string(planNo);
    std::map<unsigned, LesionMark> marks;
    for (const LesionOutcome& l : result.plans[k].result.lesions)
      marks[static_cast<unsigned>(l.id)] = parseLesionMark(toString(l.fate));
    for (const SnapshotView view : { SnapshotView::Anterior, SnapshotView::Posterior })
    {
      ReportImage image;
      image.kind = "plan-3d";
      image.view = view == SnapshotView::Anterior ? "anterior" : "posterior";
      image.file = prefix + "-" + image.view + ".png";
      image.plan = planNo;
      image.caption = "Plan " + std::to_string(planNo) + " (" + name + "), " + image.view +
                      " view: remnant opaque, resected part translucent" +
                      (labels.vessels ? ", vessels" : "");
      attempt(image,
              [&](const std::string& path)
              {
                SnapshotOptions options;
                options.view = view;
                options.widthPx = 640;
                options.heightPx = 480;
                renderPlanSnapshot(*remnantMaps[k],
                                   labels.lesions.GetPointer(),
                                   marks,
                                   options,
                                   path,
                                   labels.vessels.GetPointer());
              });
    }
    SliceOverlays overlays;
    overlays.remnantMap = remnantMaps[k].GetPointer();
    overlays.lesions = labels.lesions.GetPointer();
    overlays.marks = marks;
    for (std::size_t i = 0; i < slices; ++i)
    {
      const auto& [id, centre] = centroids[i];
      ReportImage image;
      image.kind = "lesion-axial";
      image.view = "axial";
      image.plan = planNo;
      image.lesion = id;
      image.file = prefix + "-lesion-" + std::to_string(id) + "-axial.png";
      std::snprintf(z, sizeof z, "%.1f", centre[2]);
      const auto mark = marks.find(static_cast<unsigned>(id));
      image.caption = "Plan " + std::to_string(planNo) + ", lesion " + std::to_string(id) +
                      (mark == marks.end()                    ? std::string()
                       : mark->second == LesionMark::Resected ? " (resected)"
                       : mark->second == LesionMark::Ablated  ? " (ablated)"
                                                              : " (left)") +
                      ": axial slice at z = " + z + " mm";
      attempt(image,
              [&, at = centre](const std::string& path)
              { renderAxialSlice(ct, overlays, at, AxialSliceOptions{}, path); });
    }
  }
  if (planCount == 0 && labels.liver)
  {
    SliceOverlays overlays;
    overlays.liver = labels.liver.GetPointer();
    overlays.lesions = labels.lesions.GetPointer();
    for (std::size_t i = 0; i < slices; ++i)
    {
      const auto& [id, centre] = centroids[i];
      ReportImage image;
      image.kind = "lesion-axial";
      image.view = "axial";
      image.lesion = id;
      image.file = "images/lesion-" + std::to_string(id) + "-axial.png";
      std::snprintf(z, sizeof z, "%.1f", centre[2]);
      image.caption = "Lesion " + std::to_string(id) + ": axial slice at z = " + z + " mm";
      attempt(image,
              [&, at = centre](const std::string& path)
              { renderAxialSlice(ct, overlays, at, AxialSliceOptions{}, path); });
    }
  }
  try
  {
    writeTextFile((imageDir / "index.json").string(), reportImagesJson(images).dump(2) + "\n");
  }
  catch (const std::exception& e)
  {
    if (warn)
      warn(std::string("report: images/index.json not written: ") + e.what());
  }
  return images;
}

std::vector<ReportImage> writeAnalysisReport(const std::string& outDir,
                                             const model::AnalysisResult& result,
                                             const CtImage& ct,
                                             const LiverLabels& labels,
                                             const std::vector<LabelImage::Pointer>& remnantMaps,
                                             const ReportWarn& warn)
{
  std::vector<ReportImage> images =
    renderReportImages(outDir, result, ct, labels, remnantMaps, warn);
  model::AnalysisResult withInputs = result;
  if (result.inputFiles.empty())
  {
    withInputs.inputFiles = inputDigests(result, outDir);
    withInputs.inputFilesHashedBy = "report";
  }
  writeTextFile((fs::path(outDir) / "report.html").string(), renderReportHtml(withInputs, images));
  return images;
}

} // namespace liver::report
