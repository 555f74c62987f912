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
  std::string sopInstanceUid; ///< (0008,0018); empty when absent
  std::string modality;
  std::string imageType;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string seriesDescription;
  std::string patientId;
  std::string studyDate;
  std::string studyDescription;
  double sliceThicknessMm = 0.0; ///< 0 when absent
  int seriesNumber = 0;
  std::array<double, 3> position{};     ///< ImagePositionPatient (LPS mm)
  std::array<double, 6> orientation{};  ///< ImageOrientationPatient (row, column cosines)
  std::array<double, 2> pixelSpacing{}; ///< PixelSpacing: row spacing (y), column spacing (x)
  bool hasPosition = false;
  bool hasOrientation = false;
  bool hasPixelSpacing = false;
  int numberOfFrames = 1;
  int rows = 0;
  int columns = 0;
  /// Non-empty when the file's data elements do not fit the file (a length past its end, found
  /// before GDCM reads anything): then only its UIDs and modality are known, GDCM never reads it,
  /// and loading it is an InputError with this text (an intact duplicate is kept instead). Also
  /// set, with everything else known, when its pixel description contradicts its compressed
  /// pixel data (GDCM's decoders would abort on it): GDCM never decodes it.
  std::string problem;
};

/// A group of files sharing a SeriesInstanceUID.
struct DicomSeries
{
  std::string seriesInstanceUid;
  std::string studyInstanceUid;
  std::string modality;
  std::string description;
  std::vector<DicomFileInfo> files;
  std::string patientId;
  std::string studyDate;
  std::string studyDescription;
  int seriesNumber = 0;
  bool isLocalizer = false;
  bool isAxial = false;
  bool isOriginalPrimary = false; ///< ImageType starts ORIGINAL\PRIMARY
  bool isPortalVenous = false;    ///< the description names the portal venous phase
  double sliceThicknessMm = 0.0;  ///< SliceThickness of the first file (0 when absent)
  double zExtentMm = 0.0;         ///< extent of the slice positions along the slice normal
  int frameCount = 0;             ///< total frames over all files
};

/// The series of one StudyInstanceUID.
struct DicomStudy
{
  std::string studyInstanceUid;
  std::string patientId;
  std::string studyDate;
  std::string description;
  std::vector<DicomSeries> series;
};

/// The series chosen for analysis and why, with why each other series was passed over.
struct SeriesChoice
{
  const DicomSeries* chosen = nullptr; ///< null when no series qualifies
  std::string reason;
  std::vector<std::pair<std::string, std::string>> passedOver; ///< series UID, why
};

/// Scan length along the slice normal that counts as covering the whole liver (an adult liver
/// spans about 15 cm craniocaudally).
constexpr double FullLiverCoverageMm = 150.0;

/// Scan `directory` recursively; non-DICOM files are skipped. Throws InputError when no DICOM
/// image file is found. Every file's data elements are walked first (lengths against the file's
/// size): a file that fails joins its series with DicomFileInfo::problem set, unread by GDCM.
std::vector<DicomSeries> scanDicomDirectory(const std::string& directory);

/// Scan the given files and group them by series; `source` names the input in errors.
std::vector<DicomSeries> scanDicomFiles(const std::vector<std::string>& files,
                                        const std::string& source);

/// Study metadata from one DICOM file's header (pixel data is not read).
StudyInfo readStudyInfo(const std::string& file);

/// Guess the contrast phase from a series description and the contrast agent tag.
std::string guessContrastPhase(const std::string& seriesDescription,
                               const std::string& contrastAgent);

/// Group series by StudyInstanceUID (studies and their series in UID order).
std::vector<DicomStudy> groupByStudy(const std::vector<DicomSeries>& series);

/// Rank the series of one study for liver analysis: only axial, non-localizer CT with at least 3
/// slices qualifies; then full liver coverage, ORIGINAL/PRIMARY, portal venous by description,
/// thinner slices, more slices, lower series number, in that order.
SeriesChoice chooseSeriesForAnalysis(const std::vector<DicomSeries>& series);

/// Choose the CT series to load: `seriesUid` when given (InputError if absent), else the first
/// by chooseSeriesForAnalysis (InputError when none qualifies). Sets `reason` to why.
const DicomSeries& chooseCtSeries(const std::vector<DicomSeries>& series,
                                  const std::string& seriesUid,
                                  const std::string& directory,
                                  std::string& reason);

} // namespace liver
