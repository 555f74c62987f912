#pragma once
/// Core image types and study metadata shared by every LiverPlan module.
/// All geometry is in ITK's LPS physical space, lengths in mm.

#include <itkImage.h>

#include <cstdint>
#include <string>
#include <vector>

namespace liver
{

/// CT intensities in Hounsfield units.
using CtImage = itk::Image<std::int16_t, 3>;
/// Label maps (binary masks, multi-label maps, lesion ids, Couinaud segments 1..8).
using LabelImage = itk::Image<std::uint16_t, 3>;
/// Single-precision scratch images (distance maps, resampled intensities).
using FloatImage = itk::Image<float, 3>;

/// Metadata of the study a CT came from; empty strings where the source has none.
struct StudyInfo
{
  std::string patientId;
  std::string patientName;
  std::string patientSex;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string studyDate; ///< YYYYMMDD as in DICOM
  std::string studyDescription;
  std::string seriesDescription;
  std::string modality;
  std::string manufacturer;
  std::string transferSyntaxUid;
  double sliceThicknessMm = 0.0; ///< 0 when unknown
  double kvp = 0.0;              ///< 0 when unknown
  double gantryTiltDeg = 0.0;
  std::string contrastAgent;
  std::string
    contrastPhaseGuess; ///< "portal-venous", "arterial", "delayed", "non-contrast" or "unknown"
};

/// What the loader found and did to the geometry, so a user can see it.
struct LoadReport
{
  std::string source;        ///< file or directory that was read
  std::string format;        ///< "nifti", "nrrd", "metaimage", "dicom-series", "dicom-multiframe"
  std::size_t fileCount = 0; ///< files that made the volume
  bool uniformSpacing = true;
  bool gantryTiltCorrected = false;
  bool resampled = false;
  std::vector<double> sliceStepsMm; ///< distinct steps between consecutive slices (DICOM only)
  std::size_t missingSlices = 0;    ///< estimated slices missing from gaps in the stack
  std::vector<std::string> warnings;
};

/// A CT volume in HU with its provenance.
struct CtVolume
{
  CtImage::Pointer image;
  StudyInfo study;
  LoadReport load;
};

/// The labels of one liver, each on its CT's exact grid (DESIGN.md §2).
struct LiverLabels
{
  LabelImage::Pointer liver;    ///< binary: parenchyma incl. intrahepatic vessels and lesions
  LabelImage::Pointer lesions;  ///< 0 none, k lesion k; may be null (no lesions)
  LabelImage::Pointer segments; ///< 0, 1..8 Couinaud; may be null
  LabelImage::Pointer vessels;  ///< non-zero = vessel; may be null
};

} // namespace liver
