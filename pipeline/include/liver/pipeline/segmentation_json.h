#pragma once
/// The segmentation module's reports as JSON, as result.json, segmentation.json and segments.json
/// carry them: the automatic liver segmentation's decisions, the lesion detector's candidates
/// with their confidence, the measured contrast phase, quality control, Couinaud segments, and
/// where imported labels came from.

#include <liver/model/result.h>
#include <liver/segmentation/contrast_phase.h>
#include <liver/segmentation/couinaud.h>
#include <liver/segmentation/label_import.h>
#include <liver/segmentation/lesion_segmentation.h>
#include <liver/segmentation/liver_segmentation.h>
#include <liver/segmentation/quality_control.h>

#include <nlohmann/json.hpp>

namespace liver::pipeline
{

/// The imported labels' provenance as the result model's record (sources with their grid
/// mapping, notes).
model::LabelsRecord labelsRecord(const ImportedLabels& imported);

/// Where imported labels came from, as JSON: {"sources": [...], "notes": [...]}.
nlohmann::json importedLabelsJson(const ImportedLabels& imported);

/// Couinaud segments as JSON: the per-segment report (method, mL and voxels per segment,
/// warnings), and for segments made from planes the planes and the caudate rule.
nlohmann::json segmentReportJson(const SegmentReport& report);
nlohmann::json couinaudJson(const CouinaudResult& result);

/// The automatic liver segmentation's decisions as JSON.
nlohmann::json segmentationReportJson(const LiverSegmentationReport& report);

/// The lesion detector's decisions as JSON: minimum reportable size, phase, and every weighed
/// candidate with its features and confidence.
nlohmann::json lesionDetectionJson(const LesionSegmentation& detected);

/// The measured contrast phase as JSON.
nlohmann::json contrastPhaseJson(const ContrastPhaseEstimate& phase);

/// Quality control of a segmentation as JSON: status, reasons, every check.
nlohmann::json qualityControlJson(const QualityControl& qc);

} // namespace liver::pipeline
