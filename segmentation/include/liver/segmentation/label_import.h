#pragma once
/// Importing liver, lesion, Couinaud-segment and vessel labels that users bring (TotalSegmentator
/// outputs, LiTS/MSD maps, 3D Slicer .seg.nrrd, any binary mask) into LiverLabels on a CT's grid.

#include <liver/imaging/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace liver
{

/// How a label file given for the liver (`--liver`, or a single `--totalseg` file) is read.
/// - Auto: a Slicer .seg.nrrd, or a map with label names (TotalSegmentator's NIfTI XML
///   extension) is read by name; a single-valued map is a binary mask; a 1/2 map whose label 2
///   lies inside label 1 is LiTS; any other multi-label map without names needs an explicit
///   choice (InputError asking for --format or --liver-label).
/// - TotalSegmentator: `total` map, liver = 5 (by name when names are present), IVC 63 and
///   portal/splenic vein 64 (v2 numbering) become vessels.
/// - Lits: LiTS/MSD Task03 map, 1 liver, 2 tumour; liver = 1 or 2, lesions = components of 2.
/// - Slicer: segment names and label values from the .seg.nrrd header (Segment<N>_Name, ...).
/// - Mask: any non-zero voxel is liver.
/// - DicomSeg: a DICOM Segmentation object (dicom_seg.h; Auto recognises one by its SOP class):
///   segments by label, else by their SNOMED CT type code; plan segments (remnant, resected,
///   ablation) are ignored.
enum class LabelFormat
{
  Auto,
  TotalSegmentator,
  Lits,
  Slicer,
  Mask,
  DicomSeg
};

/// "auto", "totalseg", "lits", "slicer", "mask" or "dicom-seg"; std::invalid_argument otherwise.
LabelFormat parseLabelFormat(const std::string& name);

/// The name parseLabelFormat accepts for `format`.
std::string labelFormatName(LabelFormat format);

/// Values importLabels writes into LiverLabels::vessels (0 = no vessel). Where two sources
/// overlap, the later one in this list wins.
enum ImportedVessel : std::uint16_t
{
  VesselIntrahepatic = 1,    ///< unspecified liver vessels (TotalSegmentator liver_vessels)
  VesselOther = 2,           ///< a vessel segment of another or unknown kind (e.g. hepatic artery)
  VesselPortalVein = 3,      ///< portal vein (TotalSegmentator: portal and splenic vein)
  VesselHepaticVein = 4,     ///< hepatic veins
  VesselInferiorVenaCava = 5 ///< inferior vena cava
};

/// What the user brought. Explicit files (liver, lesions, segments) win over what `totalsegPath`
/// provides for the same role; every replacement is noted.
struct LabelImportOptions
{
  std::string liverPath;    ///< --liver: binary mask, multi-label map, LiTS map or .seg.nrrd
  std::string lesionsPath;  ///< --lesions: binary mask (components become lesions) or id map
  std::string segmentsPath; ///< --segments: Couinaud map 1..8 (or a .seg.nrrd with segments)
  std::string totalsegPath; ///< --totalseg: TotalSegmentator output folder or multi-label file
  LabelFormat format = LabelFormat::Auto; ///< how liverPath (and a totalseg file) is read
  std::uint16_t liverLabel = 0; ///< the liver's value in a multi-label liverPath; 0 = by format
  bool resampleLabels = false;  ///< resample maps on another grid (nearest neighbour)
  /// Fraction of lesion voxels outside the liver above which a note is added.
  double lesionOutsideLiverTolerance = 0.01;
};

/// Where one imported part came from.
struct LabelSource
{
  std::string role;   ///< "liver", "lesions", "segments" or "vessels"
  std::string path;   ///< file that provided it
  std::string format; ///< "mask", "lits", "totalseg", "totalseg-folder", "slicer", "id-map", ...
  std::string detail; ///< which labels or segments were used, e.g. "label 5 (liver)"
};

/// The word that starts a note (after "PATH: ") when a label file was put on the CT grid by an
/// exact axis permutation/flip; importedLabelsJson gives it as the source's labelGridMapping.
constexpr const char* LabelGridMappingNote = "labelGridMapping";

/// Imported labels on the grid, with their provenance and anything a user should know.
struct ImportedLabels
{
  LiverLabels labels;               ///< liver null only when no option names a liver source
  std::size_t lesionCount = 0;      ///< highest lesion id (ids are 1..lesionCount)
  std::vector<LabelSource> sources; ///< one per part that was filled
  std::vector<std::string> notes;   ///< decisions and warnings (one line each)
};

/// Import every label named in `options` onto `grid` (the CT). Lesion masks become ids by
/// lesionIdsFromMask; id maps are kept as they are. A map on another grid is refused
/// (InputError suggesting --resample-labels) unless options.resampleLabels; a Slicer
/// segmentation cropped on the CT's own voxel lattice is padded back exactly.
/// InputError (naming the file) for unreadable files, an empty liver, an absent liver label,
/// Couinaud values outside 1..8, a Slicer file with no usable segment (names listed), or an
/// ambiguous multi-label map. Lesion voxels outside the liver beyond the tolerance, Couinaud
/// voxels outside the liver and ignored Slicer segments are notes, not errors.
ImportedLabels importLabels(const LabelImportOptions& options, const itk::ImageBase<3>& grid);

/// Lesion ids from a mask: the 26-connected components of its non-zero voxels, numbered 1..n by
/// decreasing voxel count (ties: the component whose first voxel comes first in x-fastest raster
/// order gets the lower id). Same grid as `mask`. InputError when there are more than 65535.
LabelImage::Pointer lesionIdsFromMask(const LabelImage& mask,
                                      std::size_t* componentCount = nullptr);

/// One segment of a 3D Slicer segmentation (.seg.nrrd header keys Segment<N>_*).
struct SlicerSegment
{
  std::string id;                                  ///< Segment<N>_ID, e.g. "Segment_1"
  std::string name;                                ///< Segment<N>_Name, e.g. "Liver"
  std::uint16_t labelValue = 1;                    ///< Segment<N>_LabelValue (1 when absent)
  unsigned layer = 0;                              ///< Segment<N>_Layer (0 when absent)
  std::array<double, 3> colorRgb{ 0.5, 0.5, 0.5 }; ///< Segment<N>_Color, 0..1
  bool nameAutoGenerated = false; ///< Segment<N>_NameAutoGenerated: a default such as "Segment_1",
                                  ///< never read as a Couinaud segment
  std::string tags{}; ///< Segment<N>_Tags ("key:value|..."); empty: written as "in progress"
};

/// A Slicer segmentation: its segments and one label image per layer (all on one grid).
struct SlicerSegmentation
{
  std::vector<SlicerSegment> segments;
  std::vector<LabelImage::Pointer> layers;
};

/// Read a .seg.nrrd: 3D (one layer) or 4D with a leading "list" axis (one layer per index).
/// InputError when the file has no Segment0_Name key, or a segment names a missing layer.
SlicerSegmentation readSlicerSegmentation(const std::string& path);

/// Write `labelMap` as a one-layer .seg.nrrd (gzip) with the Slicer header keys for `segments`
/// (ID, Name, LabelValue, Layer 0, Color, Extent, Tags) so that 3D Slicer opens it as a
/// segmentation (writeSlicerLayers in slicer_export.h; several layers there).
/// std::invalid_argument for an empty segment list or a layer other than 0.
void writeSlicerSegmentation(const LabelImage& labelMap,
                             const std::vector<SlicerSegment>& segments,
                             const std::string& path);

} // namespace liver
