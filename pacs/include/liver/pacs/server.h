#pragma once
/// What `liverplan pacs` asks of a PACS, whichever protocol it speaks: DICOMweb (dicomweb.h) or
/// DIMSE (dimse.h). Find studies by date, find a study's series, retrieve one series into a
/// folder, store files into the study. A protocol answers one kind of query (QIDO-RS or C-FIND,
/// `find`); what is asked and how the answers are read is the same for both (`findStudies`,
/// `studySeries`).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

/// A DICOM attribute tag, group << 16 | element (0x0020000D: StudyInstanceUID).
using Tag = std::uint32_t;

/// A matching key of a query: the attribute (its tag and its keyword, as QIDO-RS names it) and
/// the value it must match.
struct QueryKey
{
  Tag tag = 0;
  std::string keyword;
  std::string value;
};

/// One query in the Study Root model: QIDO-RS or C-FIND.
struct Query
{
  std::string level;           ///< "STUDY" or "SERIES" (StudyInstanceUID among `match`)
  std::vector<QueryKey> match; ///< the values the answers match
  std::vector<Tag> returned;   ///< the attributes each answer gives
  std::string what;            ///< the query in messages ("the CT studies of ...")
};

/// One answer of a query: the values of the attributes asked for (matching and returned) as
/// text, by tag; an attribute the server did not give is empty.
using Attributes = std::map<Tag, std::string>;

/// The answer to `query` whose values `valueOf` gives, for every attribute the query names.
Attributes answerOf(const Query& query, const std::function<std::string(Tag)>& valueOf);

/// An attribute as messages name it: "StudyInstanceUID (0020000D)" for the attributes LiverPlan
/// asks for, else "(GGGGEEEE)".
std::string tagName(Tag tag);

/// A value from outside (a server's answer, a file) as it goes into a one-line message: JSON
/// quoted, control characters escaped, invalid UTF-8 replaced, cut after 64 bytes ("...").
std::string quotedValue(const std::string& text);

class Server
{
public:
  virtual ~Server() = default;

  /// The studies with a StudyDate in `dateRange` (a DICOM range, "YYYYMMDD-YYYYMMDD") holding a
  /// series of `modality`. InputError for a malformed range or modality code. ProcessingError
  /// "NAME: QUERY: answer [I]: StudyInstanceUID (0020000D): problem" (one line) for an answer
  /// without a StudyInstanceUID that is a DICOM UID, or whose NumberOfStudyRelatedInstances is
  /// given but not a whole number 0..2147483647.
  std::vector<FoundStudy> findStudies(const std::string& dateRange,
                                      const std::string& modality) const;

  /// The study's series; empty when the server does not know the study. ProcessingError as
  /// findStudies for an answer without a SeriesInstanceUID that is a DICOM UID, whose Modality
  /// is not a DICOM code string or whose NumberOfSeriesRelatedInstances is not a count. Control
  /// characters in a SeriesDescription (only shown in the log) become spaces.
  std::vector<SeriesInfo> studySeries(const std::string& studyUid) const;

  /// The answers of one query (none when the server knows nothing that matches).
  virtual std::vector<Attributes> find(const Query& query) const = 0;

  /// Every instance of one series written to `folder` as NNNNN.dcm. Returns the number of files.
  /// InputError for a UID that is not one (checkUid).
  std::size_t retrieveSeries(const std::string& studyUid,
                             const std::string& seriesUid,
                             const std::string& folder) const;

  /// The DICOM files given stored into study `studyUid` (each file must belong to it).
  /// InputError for a UID that is not one.
  StoreResult store(const std::string& studyUid, const std::vector<std::string>& files) const;

  /// The server as the user named it (a URL), for messages.
  virtual std::string name() const = 0;

protected:
  /// retrieveSeries and store with their UIDs checked.
  virtual std::size_t retrieve(const std::string& studyUid,
                               const std::string& seriesUid,
                               const std::string& folder) const = 0;
  virtual StoreResult storeFiles(const std::string& studyUid,
                                 const std::vector<std::string>& files) const = 0;
};

} // namespace liver::pacs
