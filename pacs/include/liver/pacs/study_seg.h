#pragma once
/// A study's own segmentation (issue 16): among the DICOM SEG objects a study holds (e.g.
/// TotalSegmentator's or 3D Slicer's), the one to take the liver from instead of segmenting it
/// automatically. LiverPlan's own SEGs (results of an earlier run) never count.

#include <optional>
#include <string>
#include <vector>

namespace liver::pacs
{

/// A DICOM SEG with a liver segment.
struct StudySegmentation
{
  std::string file;
  std::string seriesInstanceUid;
  std::string manufacturer;      ///< (0008,0070), e.g. the tool that made it
  std::string seriesDescription; ///< (0008,103E)
  std::string liverSegment;      ///< SegmentLabel of the liver segment
};

/// The first of `files` (in order) that is a DICOM SEG not written by LiverPlan (Manufacturer
/// "LiverPlan") with a liver segment (SNOMED 10200004 or a label the label import reads as the
/// liver; never a plan's remnant/resected segment). Files that are not SEGs or cannot be read
/// are passed over; `notes` says why each SEG was.
std::optional<StudySegmentation> studyLiverSegmentation(const std::vector<std::string>& files,
                                                        std::vector<std::string>& notes);

} // namespace liver::pacs
