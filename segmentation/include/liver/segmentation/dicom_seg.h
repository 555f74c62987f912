#pragma once
/// DICOM Segmentation objects (SEG, SOP class 1.2.840.10008.5.1.4.1.1.66.4) as label maps:
/// reading those of TotalSegmentator (highdicom), 3D Slicer (dcmqi) and LiverPlan itself, and the
/// coded concepts (SNOMED CT, DICOM CID 7150/7151/7170) both directions use.

#include <liver/imaging/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace liver
{

/// A coded concept (Code Sequence Macro): value, coding scheme and meaning, e.g.
/// {"10200004", "SCT", "Liver"}.
struct CodedConcept
{
  std::string value;
  std::string scheme;
  std::string meaning;
};

/// One segment of a DICOM SEG (an item of SegmentSequence) and where its voxels are.
struct DicomSegSegment
{
  std::uint16_t number = 0; ///< SegmentNumber (1..)
  std::string label;        ///< SegmentLabel as written
  CodedConcept category;    ///< SegmentedPropertyCategoryCodeSequence
  CodedConcept type;        ///< SegmentedPropertyTypeCodeSequence
  std::string codeRole;     ///< the type code's meaning in the label import's words ("liver",
                        ///< "tumour", "segment 5", "portal vein", "hepatic vein", "inferior vena
                        ///< cava"); empty for a code LiverPlan does not know
  bool planSegment = false; ///< a plan's remnant/resected/ablation segment (label says so): never
                            ///< read as anatomy
  unsigned layer = 0;       ///< index into DicomSegmentation::layers
  std::uint16_t value = 0;  ///< its voxels' value in that layer (= number)
  std::uint64_t voxels = 0; ///< voxels set
};

/// A DICOM SEG read as label layers on its own grid (LPS): segments that overlap go to different
/// layers, segments that do not share one; voxels outside every frame are 0.
struct DicomSegmentation
{
  std::vector<DicomSegSegment> segments;
  std::vector<LabelImage::Pointer> layers;
  std::string segmentationType;    ///< "BINARY" or "FRACTIONAL"
  std::string frameOfReferenceUid; ///< (0020,0052)
  std::string referencedSeriesUid; ///< ReferencedSeriesSequence[0] SeriesInstanceUID
  std::string transferSyntax;      ///< e.g. "1.2.840.10008.1.2.5" (RLE)
  std::vector<std::string> notes;  ///< e.g. the fractional threshold used
};

/// Whether `path` is a readable DICOM file whose SOP class is Segmentation Storage (only the
/// header is read; false for anything else, never throws for a missing or foreign file).
bool isDicomSegmentation(const std::string& path);

/// Read a DICOM SEG: BINARY (1 bit) or FRACTIONAL (8 bit, voxel in when >= half of
/// MaximumFractionalValue); native, RLE Lossless, or JPEG 2000 (lossless or not) pixel data;
/// frames in any order, sparse frames allowed. The grid: in-plane from the (shared or per-frame)
/// PixelMeasures and PlaneOrientation, slices along row x column at SpacingBetweenSlices (else the
/// smallest step between frame positions, else SliceThickness), origin at the lowest frame.
/// InputError naming the file and the attribute for anything unusable: not a SEG, a missing or
/// inconsistent attribute, frames off one regular stack, a frame naming an absent segment,
/// truncated or undecodable pixel data, more than 2^30 voxels, an unsupported transfer syntax.
DicomSegmentation readDicomSegmentation(const std::string& path);

/// The DICOM series a CT was loaded from, slice by slice on its grid: what a SEG or SR made on that
/// CT references.
struct DicomSourceSeries
{
  std::string folder; ///< where the series was found
  std::string seriesInstanceUid;
  std::string studyInstanceUid;
  std::string frameOfReferenceUid;
  std::vector<std::string> sopClassUids;    ///< per slice z of the grid
  std::vector<std::string> sopInstanceUids; ///< per slice z of the grid
  std::string firstFile; ///< a file of the series: patient and study attributes come from it
};

/// Find the files of series `seriesUid` under `folder` (a DICOM folder or file) that are the
/// slices of `grid` (the CT as loaded: position on slice z, in-plane origin within 0.05 voxel).
/// InputError naming the folder when the series is absent, a grid slice has no source image (the
/// loader resampled the series for spacing or tilt), the source is an enhanced multi-frame CT, or
/// FrameOfReferenceUID is missing.
DicomSourceSeries findDicomSourceSeries(const std::string& folder,
                                        const std::string& seriesUid,
                                        const itk::ImageBase<3>& grid);

/// One segment to write: the voxels of `map` equal to `value` (any non-zero one when `value` is 0).
struct SegmentToWrite
{
  std::string label;       ///< SegmentLabel, e.g. "Liver", "Lesion 2", "Plan 1 remnant"
  std::string description; ///< SegmentDescription (optional)
  CodedConcept category;   ///< SegmentedPropertyCategoryCodeSequence (CID 7150)
  CodedConcept type;       ///< SegmentedPropertyTypeCodeSequence
  std::array<double, 3> rgb{ 1, 1, 1 }; ///< recommended display colour, sRGB 0..1 (-> CIELab)
  bool automatic = true;                ///< SegmentAlgorithmType AUTOMATIC, else SEMIAUTOMATIC
  std::string algorithmName = "LiverPlan";
  LabelImage::ConstPointer map; ///< on the grid
  std::uint16_t value = 0;
};

struct DicomSegWriteOptions
{
  std::string seriesDescription = "LiverPlan segmentation";
  std::string seriesNumber = "901";
  std::string contentLabel = "LIVERPLAN";
  std::string contentDescription = "LiverPlan liver segmentation and plans";
  std::string softwareVersion = "unknown";
  double sliceThicknessMm = 0; ///< the CT's; 0 = the slice spacing
};

/// Write one BINARY DICOM SEG of `segments` on `grid`, referencing `source` (patient and study
/// copied from its first file, its frame of reference, per frame its source image; dimension
/// index segment number + ImagePositionPatient; frames only where a segment has voxels; empty
/// segments left out). Atomic (imaging writeFileAtomically). Returns the SOPInstanceUID.
/// ProcessingError when DCMTK refuses a value or every segment is empty; OutputError when the
/// file cannot be written.
std::string writeDicomSegmentation(const std::vector<SegmentToWrite>& segments,
                                   const DicomSourceSeries& source,
                                   const itk::ImageBase<3>& grid,
                                   const std::string& path,
                                   const DicomSegWriteOptions& options = {});

/// A text as a DICOM string value (LO, SH, ST, UT): at most `maxLength` characters, no backslash
/// (the value separator) or control characters.
std::string dicomText(const std::string& s, std::size_t maxLength);

/// The coded concepts LiverPlan writes and recognises (SNOMED CT, scheme "SCT").
namespace codes
{
CodedConcept anatomicalStructure();        ///< category 123037004
CodedConcept morphologicallyAbnormal();    ///< category 49755003
CodedConcept liver();                      ///< 10200004
CodedConcept neoplasm();                   ///< 108369006 (lesion type)
CodedConcept couinaudSegment(int segment); ///< CID 7170, segment 1..8
} // namespace codes

} // namespace liver
