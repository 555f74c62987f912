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
