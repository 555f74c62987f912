/// Saving a review (labels, .seg.nrrd, edit log) and reading it back (see review.h).

#include <liver/editing/review.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/json_input.h>
#include <liver/segmentation/slicer_export.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace liver::editing
{
namespace
{

namespace fs = std::filesystem;

constexpr const char* LogKind = "liverplan-edit-log";

nlohmann::json provenanceJson(const model::SegmentationProvenance& p)
{
  nlohmann::json j = { { "status", model::toString(p.review) },
                       { "reviewedBy", p.reviewedBy },
                       { "reviewedAt", p.reviewedAt },
                       { "liver", model::toString(p.liver) },
                       { "lesions", model::toString(p.lesions) },
                       { "segments", model::toString(p.segments) } };
  if (p.edits)
    j["edits"] = {
      { "operations", p.edits->operations },           { "liverAddedMl", p.edits->liverAddedMl },
      { "liverRemovedMl", p.edits->liverRemovedMl },   { "tumourAddedMl", p.edits->tumourAddedMl },
      { "tumourRemovedMl", p.edits->tumourRemovedMl }, { "lesionsAdded", p.edits->lesionsAdded },
      { "lesionsRemoved", p.edits->lesionsRemoved }
    };
  return j;
}

/// A field of the review object, or InputError naming the file and the field.
const nlohmann::json& member(const nlohmann::json& object,
                             const char* key,
                             const std::string& where,
                             const std::string& file)
{
  if (!object.is_object() || !object.contains(key))
    throw InputError(file, where + key + ": missing");
  return object.at(key);
}

std::string textOf(const nlohmann::json& object,
                   const char* key,
                   const std::string& where,
                   const std::string& file)
{
  const nlohmann::json& v = member(object, key, where, file);
  if (!v.is_string())
    throw InputError(file, where + key + ": must be text");
  return v.get<std::string>();
}

double numberOf(const nlohmann::json& object,
                const char* key,
                const std::string& where,
                const std::string& file)
{
  const nlohmann::json& v = member(object, key, where, file);
  if (!v.is_number() || v.get<double>() < 0.0)
    throw InputError(file, where + key + ": must be a number >= 0");
  return v.get<double>();
}

/// A count: an integer >= 0 that a size_t holds exactly (a cast of 1e300 is undefined).
std::size_t countOf(const nlohmann::json& object,
                    const char* key,
                    const std::string& where,
                    const std::string& file)
{
  const double v = numberOf(object, key, where, file);
  if (std::floor(v) != v || v > 9007199254740992.0) // 2^53
    throw InputError(file,
                     where + key + ": must be an integer >= 0, not " + jsonExcerpt(object.at(key)));
  return static_cast<std::size_t>(v);
}

template<typename T, typename Parse>
T named(const nlohmann::json& object,
        const char* key,
        const std::string& where,
        const std::string& file,
        Parse parse)
{
  const std::string name = textOf(object, key, where, file);
  try
  {
    return parse(name);
  }
  catch (const std::exception&)
  {
    throw InputError(file, where + key + ": unknown value '" + messageText(name) + "'");
  }
}

} // namespace

std::string labelDigest(const LabelImage* map, const itk::ImageBase<3>& grid)
{
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::uint64_t byte)
  {
    h ^= byte;
    h *= 1099511628211ULL;
  };
  const auto size = grid.GetLargestPossibleRegion().GetSize();
  for (unsigned a = 0; a < 3; ++a)
    for (int b = 0; b < 8; ++b)
      mix((static_cast<std::uint64_t>(size[a]) >> (8 * b)) & 0xFF);
  const std::size_t n = grid.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint16_t* p = map ? map->GetBufferPointer() : nullptr;
  for (std::size_t i = 0; i < n; ++i)
  {
    const std::uint16_t v = p ? p[i] : 0;
    mix(v & 0xFF);
    mix(v >> 8);
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

nlohmann::json saveReview(const std::string& folder,
                          const LabelEditor& editor,
                          const model::SegmentationProvenance& before,
                          const std::string& reviewer,
                          const std::string& isoTime)
{
  const model::SegmentationProvenance after =
    reviewedProvenance(editor, before, reviewer, isoTime, "edits.json");
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    throw OutputError(folder + ": cannot create the folder (" + ec.message() + ")");
  const LiverLabels labels = editor.labels();
  const fs::path dir(folder);
  nlohmann::json files = nlohmann::json::object();
  const auto save = [&](const char* role, const LabelImage* map)
  {
    if (!map)
      return;
    const std::string name = std::string(role) + ".nii.gz";
    writeImage(map, (dir / name).string());
    files[role] = { { "file", name }, { "digest", labelDigest(map, *labels.liver) } };
  };
  save("liver", labels.liver.GetPointer());
  save("lesions", labels.lesions.GetPointer());
  save("segments", labels.segments.GetPointer());
  writeSlicerLayers(slicerSegmentationOf(labels), (dir / "segmentation.seg.nrrd").string());
  files["slicerSegmentation"] = { { "file", "segmentation.seg.nrrd" } };

  nlohmann::json log = editor.logJson();
  log["review"] = provenanceJson(after);
  log["files"] = files;
  writeTextFile((dir / "edits.json").string(), log.dump(2) + "\n");
  return log["review"];
}

SavedReview readReview(const std::string& path)
{
  const nlohmann::json log = loadJsonInput(path, "review log", MaxJsonFileBytes);
  const auto kind = log.is_object() ? log.find("kind") : log.end();
  if (kind == log.end() || *kind != LogKind)
    throw InputError(path,
                     std::string("kind: must be \"") + LogKind + "\" (an edits.json of `view`)");
  SavedReview r;
  r.logPath = path;
  const nlohmann::json& review = member(log, "review", "", path);
  const std::string w = "review.";
  model::SegmentationProvenance& p = r.provenance;
  p.review = named<model::ReviewStatus>(review, "status", w, path, &model::parseReviewStatus);
  if (p.review != model::ReviewStatus::Reviewed && p.review != model::ReviewStatus::Edited)
    throw InputError(path, "review.status: must be reviewed or edited");
  p.reviewedBy = textOf(review, "reviewedBy", w, path);
  p.reviewedAt = textOf(review, "reviewedAt", w, path);
  if (p.reviewedBy.empty() || p.reviewedAt.empty())
    throw InputError(path, "review.reviewedBy/reviewedAt: must not be empty");
  p.liver = named<model::LabelOrigin>(review, "liver", w, path, &model::parseLabelOrigin);
  p.lesions = named<model::LabelOrigin>(review, "lesions", w, path, &model::parseLabelOrigin);
  p.segments = named<model::LabelOrigin>(review, "segments", w, path, &model::parseLabelOrigin);
  if (p.review == model::ReviewStatus::Edited)
  {
    const nlohmann::json& e = member(review, "edits", w, path);
    const std::string q = w + "edits.";
    model::EditTotals t;
    t.operations = countOf(e, "operations", q, path);
    t.liverAddedMl = numberOf(e, "liverAddedMl", q, path);
    t.liverRemovedMl = numberOf(e, "liverRemovedMl", q, path);
    t.tumourAddedMl = numberOf(e, "tumourAddedMl", q, path);
    t.tumourRemovedMl = numberOf(e, "tumourRemovedMl", q, path);
    t.lesionsAdded = countOf(e, "lesionsAdded", q, path);
    t.lesionsRemoved = countOf(e, "lesionsRemoved", q, path);
    t.logFile = path;
    p.edits = t;
  }
  const nlohmann::json& files = member(log, "files", "", path);
  const fs::path dir = fs::absolute(fs::path(path)).parent_path();
  for (const char* role : { "liver", "lesions", "segments" })
  {
    if (!files.is_object() || !files.contains(role))
      continue;
    const std::string where = std::string("files.") + role + ".";
    r.files[role] = (dir / textOf(files.at(role), "file", where, path)).string();
    r.digests[role] = textOf(files.at(role), "digest", where, path);
  }
  if (!r.files.count("liver"))
    throw InputError(path, "files.liver: missing");
  return r;
}

model::SegmentationProvenance provenanceOfReviewed(const SavedReview& review,
                                                   const LiverLabels& labels,
                                                   const itk::ImageBase<3>& grid)
{
  const std::map<std::string, const LabelImage*> maps = {
    { "liver", labels.liver.GetPointer() },
    { "lesions", labels.lesions.GetPointer() },
    { "segments", labels.segments.GetPointer() }
  };
  for (const auto& [role, map] : maps)
  {
    const auto saved = review.digests.find(role);
    const std::string expected =
      saved == review.digests.end() ? labelDigest(nullptr, grid) : saved->second;
    if (labelDigest(map, grid) != expected)
      throw InputError(review.logPath,
                       "the " + role +
                         " labels given are not the ones this review saved (their voxels differ)");
  }
  return review.provenance;
}

} // namespace liver::editing
