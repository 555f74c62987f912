#pragma once
/// A finished review on disk: the corrected label maps (NIfTI and Slicer .seg.nrrd) and the edit
/// log beside them (edits.json), and reading that log back so that a re-run (`liverplan plan /
/// analyze --review FOLDER/edits.json`) measures the saved labels and records who reviewed them
/// and what the edits changed.

#include <liver/editing/label_editor.h>
#include <liver/imaging/types.h>
#include <liver/model/result.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace liver::editing
{

/// The voxel content of a label map as 16 hex digits (64-bit FNV-1a over the size and the
/// values); a null map counts as all zero on `grid`. Independent of the file's compression.
std::string labelDigest(const LabelImage* map, const itk::ImageBase<3>& grid);

/// What edits.json says about the review.
struct SavedReview
{
  std::string logPath;                        ///< the edits.json read
  model::SegmentationProvenance provenance;   ///< review status, reviewer, time, origins, totals
  std::map<std::string, std::string> files;   ///< role (liver, lesions, segments) -> absolute path
  std::map<std::string, std::string> digests; ///< role -> labelDigest of the saved map
};

/// Write into `folder` (created when missing): liver.nii.gz, lesions.nii.gz (when there are
/// lesion maps), segments.nii.gz (when there is a segment map), segmentation.seg.nrrd, and
/// edits.json (the edit log of `editor.logJson()` with a "review" object: status, reviewer,
/// time, label origins, the net totals, and the files with their labelDigest), each atomically,
/// edits.json last. `before` is the provenance of the labels the editor started from.
/// std::invalid_argument without reviewer or time; OutputError when a file cannot be written.
/// Returns the review record as written.
nlohmann::json saveReview(const std::string& folder,
                          const LabelEditor& editor,
                          const model::SegmentationProvenance& before,
                          const std::string& reviewer,
                          const std::string& isoTime);

/// Read an edits.json written by saveReview. InputError naming the file and the field when it is
/// not one.
SavedReview readReview(const std::string& path);

/// The provenance of `labels` after the review: InputError naming the log when a label map
/// differs from the one the review saved (the edit log would describe other labels).
model::SegmentationProvenance provenanceOfReviewed(const SavedReview& review,
                                                   const LiverLabels& labels,
                                                   const itk::ImageBase<3>& grid);

} // namespace liver::editing
