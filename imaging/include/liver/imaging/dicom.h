#pragma once
/// DICOM discovery: reading only the tags needed to group files into series and choose one.

#include <liver/imaging/types.h>

#include <array>
#include <string>
#include <vector>

namespace liver
{

/// One DICOM image file as seen by the scanner.
struct DicomFileInfo
{
  std::string path;
  std::string sopClassUid;
  std::string modality;
  std::string imageType;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string seriesDescription;
  std::array<double, 3> position{};     ///< ImagePositionPatient (LPS mm)
  std::array<double, 6> orientation{};  ///< ImageOrientationPatient (row, column cosines)
  std::array<double, 2> pixelSpacing{}; ///< PixelSpacing: row spacing (y), column spacing (x)
  bool hasPosition = false;
  bool hasOrientation = false;
  bool hasPixelSpacing = false;
  int numberOfFrames = 1;
  int rows = 0;
  int columns = 0;
};

/// A group of files sharing a SeriesInstanceUID.
struct DicomSeries
{
  std::string seriesInstanceUid;
  std::string studyInstanceUid;
  std::string modality;
  std::string description;
  std::vector<DicomFileInfo> files;
  bool isLocalizer = false;
  bool isAxial = false;
  int frameCount = 0; ///< total frames over all files
};

/// Scan `directory` recursively; non-DICOM files are skipped. Throws InputError when no DICOM
/// image file is found.
std::vector<DicomSeries> scanDicomDirectory(const std::string& directory);

/// Scan the given files and group them by series; `source` names the input in errors.
std::vector<DicomSeries> scanDicomFiles(const std::vector<std::string>& files,
                                        const std::string& source);

/// Study metadata from one DICOM file's header (pixel data is not read).
StudyInfo readStudyInfo(const std::string& file);

/// Guess the contrast phase from a series description and the contrast agent tag.
std::string guessContrastPhase(const std::string& seriesDescription,
                               const std::string& contrastAgent);

/// Choose the CT series to load: `seriesUid` when given (InputError if absent), else the axial,
/// non-localizer CT series with the most frames. Sets `reason` to why it was chosen.
const DicomSeries& chooseCtSeries(const std::vector<DicomSeries>& series,
                                  const std::string& seriesUid,
                                  const std::string& directory,
                                  std::string& reason);

} // namespace liver
