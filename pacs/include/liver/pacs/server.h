#pragma once
/// What `liverplan pacs` asks of a PACS, whichever protocol it speaks: DICOMweb (dicomweb.h) or
/// DIMSE (dimse.h). Find studies by date, find a study's series, retrieve one series into a
/// folder, store files into the study.

#include <cstddef>
#include <string>
#include <vector>

namespace liver::pacs
{

/// One series of a study as the server lists it (QIDO-RS or C-FIND at SERIES level).
struct SeriesInfo
{
  std::string seriesInstanceUid;
  std::string modality;
  std::string description;
  int instances = 0;
};

/// One study as the server lists it (QIDO-RS or C-FIND at STUDY level).
struct FoundStudy
{
  std::string studyInstanceUid;
  std::string studyDate; ///< YYYYMMDD
  int instances = 0;     ///< NumberOfStudyRelatedInstances (0 when the server does not say)
};

/// What the server said about the instances sent.
struct StoreResult
{
  std::size_t stored = 0;
  std::vector<std::string> failures; ///< "SOPInstanceUID: reason" per failed instance
};

class Server
{
public:
  virtual ~Server() = default;

  /// The studies with a StudyDate in `dateRange` (a DICOM range, "YYYYMMDD-YYYYMMDD") holding a
  /// series of `modality`.
  virtual std::vector<FoundStudy> findStudies(const std::string& dateRange,
                                              const std::string& modality) const = 0;

  /// The study's series; empty when the server does not know the study.
  virtual std::vector<SeriesInfo> studySeries(const std::string& studyUid) const = 0;

  /// Every instance of one series written to `folder` as NNNNN.dcm. Returns the number of files.
  virtual std::size_t retrieveSeries(const std::string& studyUid,
                                     const std::string& seriesUid,
                                     const std::string& folder) const = 0;

  /// The DICOM files given stored into study `studyUid` (each file must belong to it).
  virtual StoreResult store(const std::string& studyUid,
                            const std::vector<std::string>& files) const = 0;

  /// The server as the user named it (a URL), for messages.
  virtual std::string name() const = 0;
};

} // namespace liver::pacs
