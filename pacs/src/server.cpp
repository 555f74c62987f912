/// What a study and a series query ask for and how their answers are read, for every protocol.

#include <liver/pacs/server.h>

#include <liver/pacs/date_poll.h>
#include <liver/pacs/dicomweb.h>

#include <liver/imaging/errors.h>

#include <cctype>
#include <cstdlib>

namespace liver::pacs
{
namespace
{

constexpr Tag StudyInstanceUid = 0x0020000D;
constexpr Tag SeriesInstanceUid = 0x0020000E;
constexpr Tag StudyDate = 0x00080020;
constexpr Tag Modality = 0x00080060;
constexpr Tag SeriesDescription = 0x0008103E;
constexpr Tag NumberOfStudyRelatedInstances = 0x00201208;
constexpr Tag NumberOfSeriesRelatedInstances = 0x00201209;

std::string valueOf(const Attributes& answer, Tag tag)
{
  const auto it = answer.find(tag);
  return it == answer.end() ? std::string() : it->second;
}

int countOf(const Attributes& answer, Tag tag)
{
  const std::string n = valueOf(answer, tag);
  return n.empty() ? 0 : std::atoi(n.c_str());
}

} // namespace

Attributes answerOf(const Query& query, const std::function<std::string(Tag)>& valueOf)
{
  Attributes answer;
  for (const QueryKey& key : query.match)
    answer[key.tag] = valueOf(key.tag);
  for (Tag tag : query.returned)
    answer[tag] = valueOf(tag);
  return answer;
}

std::size_t Server::retrieveSeries(const std::string& studyUid,
                                   const std::string& seriesUid,
                                   const std::string& folder) const
{
  checkUid(studyUid, "study");
  checkUid(seriesUid, "series");
  return retrieve(studyUid, seriesUid, folder);
}

StoreResult Server::store(const std::string& studyUid, const std::vector<std::string>& files) const
{
  checkUid(studyUid, "study");
  return storeFiles(studyUid, files);
}

std::vector<FoundStudy> Server::findStudies(const std::string& dateRange,
                                            const std::string& modality) const
{
  checkDateRange(dateRange);
  for (char c : modality)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      throw InputError("", "modality \"" + modality + "\" is not a DICOM modality code");
  const Query query{ "STUDY",
                     { { StudyDate, "StudyDate", dateRange },
                       { 0x00080061, "ModalitiesInStudy", modality } },
                     { StudyInstanceUid, NumberOfStudyRelatedInstances },
                     "the " + modality + " studies of " + dateRange };
  std::vector<FoundStudy> studies;
  for (const Attributes& answer : find(query))
  {
    FoundStudy s{ valueOf(answer, StudyInstanceUid),
                  valueOf(answer, StudyDate),
                  countOf(answer, NumberOfStudyRelatedInstances) };
    if (!s.studyInstanceUid.empty())
      studies.push_back(s);
  }
  return studies;
}

std::vector<SeriesInfo> Server::studySeries(const std::string& studyUid) const
{
  checkUid(studyUid, "study");
  const Query query{
    "SERIES",
    { { StudyInstanceUid, "StudyInstanceUID", studyUid } },
    { SeriesInstanceUid, Modality, SeriesDescription, NumberOfSeriesRelatedInstances },
    "study " + studyUid + "'s series"
  };
  std::vector<SeriesInfo> series;
  for (const Attributes& answer : find(query))
  {
    SeriesInfo s{ valueOf(answer, SeriesInstanceUid),
                  valueOf(answer, Modality),
                  valueOf(answer, SeriesDescription),
                  countOf(answer, NumberOfSeriesRelatedInstances) };
    if (!s.seriesInstanceUid.empty())
      series.push_back(s);
  }
  return series;
}

} // namespace liver::pacs
