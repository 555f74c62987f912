#pragma once
/// An analysis back into the hospital's systems as DICOM objects in the CT's own study: the
/// Segmentation (SEG), a TID 1500 Measurement Report (Enhanced SR) whose measurement groups
/// reference the SEG's segments, and report.html as an Encapsulated PDF. Everything is made from
/// result.json (the model) and the label and remnant maps beside it.

#include <liver/imaging/types.h>
#include <liver/model/result.h>
#include <liver/segmentation/dicom_seg.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace liver::report
{

/// Private coding scheme of the concepts DICOM has no code for (FLR %, sFLR %, threshold, ...).
inline constexpr const char* LiverPlanCodingScheme = "99LIVERPLAN";

/// The analysis in `dir` (an `analyze` output whose CT was a DICOM series) with the source series
/// its SEG and SR reference. InputError naming dir/result.json when the CT is not a DICOM series
/// or the label maps are missing; as findDicomSourceSeries when the series cannot be matched.
struct DicomAnalysis
{
  std::string dir;
  model::AnalysisResult result;
  LabelImage::Pointer liver; ///< the grid every object is written on
  DicomSourceSeries source;
};
DicomAnalysis loadDicomAnalysis(const std::string& dir, const model::AnalysisResult& result);

/// The SEG's segments of an analysis: the liver, each lesion, the Couinaud segments and per plan
/// K its remnant, resected part and ablation zones ("Plan K remnant", ...), every map on the
/// liver's grid (InputError naming the file otherwise).
std::vector<SegmentToWrite> analysisSegments(const DicomAnalysis& analysis);

/// Write the SEG of an analysis to `path` (writeDicomSegmentation); returns its SOPInstanceUID.
std::string writeAnalysisSeg(const DicomAnalysis& analysis, const std::string& path);

/// What an SR needs of a SEG it references: its UIDs and its segments' numbers by label.
struct SegReference
{
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string sopInstanceUid;
  std::map<std::string, std::uint16_t> segmentNumbers; ///< SegmentLabel -> SegmentNumber
};

/// The header of a SEG file (pixel data is not read). InputError naming the file when it is not a
/// readable Segmentation object.
SegReference readSegReference(const std::string& segPath);

struct DicomSeriesOptions
{
  std::string seriesNumber;
  std::string seriesDescription;
};

/// Write the TID 1500 Imaging Measurement Report of `analysis` (Enhanced SR, explicit little
/// endian, atomic) in the CT's study: patient and study copied from the source series; one
/// volumetric ROI group per SEG segment measured (liver: TLV; each lesion: its volume; per plan
/// K, on "Plan K remnant": remnant mL, FLR mL, FLR %, sFLR % (with height and weight), the
/// threshold %, the threshold basis, volume adequacy and the margin status), one group without
/// image reference for tumour, functional and standard liver volume (its formula as the method)
/// and BSA, and, as report-level qualitative evaluations, the decision category and the
/// disclaimer. The SEG and the CT images are the evidence. Returns the SOPInstanceUID.
/// ProcessingError when DCMTK refuses the content; OutputError when the file cannot be written.
std::string writeMeasurementReport(
  const DicomAnalysis& analysis,
  const SegReference& seg,
  const std::string& path,
  const DicomSeriesOptions& options = { "902", "LiverPlan measurements" });

/// One numeric measurement of an SR as read back.
struct SrMeasurement
{
  CodedConcept concept;
  std::string valueText; ///< the DS value as written
  double value = 0.0;
  CodedConcept unit;
  CodedConcept method; ///< empty value without a measurement method
};

/// One measurement group (TID 1411 or TID 1501) of an SR as read back.
struct SrMeasurementGroup
{
  std::string trackingIdentifier;
  std::string trackingUid;
  CodedConcept finding;
  std::string segmentationUid; ///< referenced SEG SOPInstanceUID; empty for TID 1501
  int segmentNumber = 0;       ///< referenced segment; 0 for TID 1501
  std::vector<SrMeasurement> measurements;
  std::map<std::string, std::string> evaluations; ///< concept meaning -> text (or code meaning)

  /// The measurement with concept value `code`, or nullptr.
  const SrMeasurement* find(const std::string& code) const;
};

/// A TID 1500 Measurement Report as DCMTK reads it back.
struct MeasurementReportContent
{
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string patientId;
  CodedConcept title;
  std::vector<SrMeasurementGroup> groups;
  std::map<std::string, std::string> evaluations; ///< report level: concept meaning -> text
  std::vector<std::string> evidenceSopInstanceUids;

  /// The group with this tracking identifier, or nullptr.
  const SrMeasurementGroup* group(const std::string& trackingIdentifier) const;
};

/// Read an SR written by writeMeasurementReport (or any TID 1500 report) through DCMTK's dcmsr.
/// InputError naming the file when it is not a readable structured report.
MeasurementReportContent readMeasurementReport(const std::string& path);

/// The Chromium (or Chrome) that prints report.html: $LIVERPLAN_CHROMIUM, else the first of
/// chromium, chromium-browser, google-chrome on PATH; empty when there is none.
std::string findChromium();

/// Print `htmlPath` to `pdfPath` with headless Chromium (no shell; fresh profile in a temporary
/// folder; 180 s limit). ProcessingError with Chromium's last stderr line when it fails or
/// writes no PDF.
void printHtmlToPdf(const std::string& chromium,
                    const std::string& htmlPath,
                    const std::string& pdfPath);

/// Write `pdfPath` as a DICOM Encapsulated PDF (DCMTK) in the source series' study (patient and
/// study copied from it), atomic; returns the SOPInstanceUID. InputError when `pdfPath` is not a
/// PDF; OutputError when the file cannot be written.
std::string writeEncapsulatedPdf(const DicomAnalysis& analysis,
                                 const std::string& pdfPath,
                                 const std::string& path,
                                 const DicomSeriesOptions& options = { "903", "LiverPlan report" });

/// What exportAnalysisDicom wrote.
struct DicomExportResult
{
  std::string segPath, srPath, pdfPath; ///< pdfPath empty when the PDF was skipped
  std::string segUid, srUid, pdfUid;
  std::string studyInstanceUid;
  std::string pdfSkipped; ///< why there is no PDF (no Chromium, no report.html, --no-pdf)
};

struct DicomExportOptions
{
  bool pdf = true;      ///< print report.html and encapsulate it when Chromium is present
  std::string chromium; ///< empty: findChromium()
};

/// SEG, SR and (when Chromium is present and the analysis has report.html) the Encapsulated PDF
/// of the analysis in `dir`, written to `outDir` as seg.dcm, sr.dcm and report-pdf.dcm.
DicomExportResult exportAnalysisDicom(const std::string& dir,
                                      const std::string& outDir,
                                      const DicomExportOptions& options = {});

} // namespace liver::report
