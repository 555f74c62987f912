/// What a study and a series query ask for and how their answers are read, for every protocol.

#include <liver/pacs/server.h>

#include <liver/pacs/date_poll.h>
#include <liver/pacs/dicomweb.h>

#include <liver/imaging/errors.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <climits>
#include <cstdio>
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

/// Reads one answer of a query, naming the server, the query and the answer in its errors.
class AnswerReader
{
public:
  AnswerReader(const Server& server, const Query& query, std::size_t index, const Attributes& a)
    : m_where(server.name() + ": " + query.what + ": answer [" + std::to_string(index) + "]: ")
    , m_answer(a)
  {
  }

  [[noreturn]] void fail(Tag tag, const std::string& problem) const
  {
    throw ProcessingError(m_where + tagName(tag) + ": " + problem);
  }

  /// A DICOM UID (checkUid), required.
  std::string uid(Tag tag) const
  {
    const std::string value = valueOf(m_answer, tag);
    if (value.empty())
      fail(tag, "missing");
    try
    {
      checkUid(value, "");
    }
    catch (const InputError&)
    {
      fail(tag, quotedValue(value) + " is not a DICOM UID (1-64 digits and dots)");
    }
    return value;
  }

  /// A number of instances (IS, leading and trailing spaces allowed); 0 when not given.
  int count(Tag tag) const
  {
    std::string n = valueOf(m_answer, tag);
    const std::size_t first = n.find_first_not_of(' ');
    n = first == std::string::npos ? "" : n.substr(first, n.find_last_not_of(' ') - first + 1);
    if (n.empty())
      return 0;
    const bool digits = n.size() <= 10 && n.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoll(n) > INT_MAX)
      fail(tag,
           quotedValue(valueOf(m_answer, tag)) + " is not a number of instances (0 to " +
             std::to_string(INT_MAX) + ")");
    return static_cast<int>(std::stoll(n));
  }

  /// A code string (CS): up to 16 upper-case letters, digits, spaces and underscores.
  std::string code(Tag tag) const
  {
    const std::string value = valueOf(m_answer, tag);
    if (value.size() > 16 ||
        value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _") != std::string::npos)
      fail(tag,
           quotedValue(value) + " is not a DICOM code string (up to 16 of A-Z, 0-9, space, _)");
    return value;
  }

  /// Text for the log: control characters replaced by spaces.
  std::string text(Tag tag) const
  {
    std::string value = valueOf(m_answer, tag);
    for (char& c : value)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        c = ' ';
    return value;
  }

private:
  std::string m_where;
  const Attributes& m_answer;
};

} // namespace

std::string tagName(Tag tag)
{
  static const std::map<Tag, const char*> keywords = {
    { StudyInstanceUid, "StudyInstanceUID" },
    { SeriesInstanceUid, "SeriesInstanceUID" },
    { StudyDate, "StudyDate" },
    { Modality, "Modality" },
    { 0x00080061, "ModalitiesInStudy" },
    { SeriesDescription, "SeriesDescription" },
    { NumberOfStudyRelatedInstances, "NumberOfStudyRelatedInstances" },
    { NumberOfSeriesRelatedInstances, "NumberOfSeriesRelatedInstances" },
    { 0x00081155, "ReferencedSOPInstanceUID" },
    { 0x00081197, "FailureReason" },
    { 0x00081198, "FailedSOPSequence" },
    { 0x00081199, "ReferencedSOPSequence" },
  };
  char hex[16];
  std::snprintf(hex, sizeof hex, "(%08X)", static_cast<unsigned>(tag));
  const auto it = keywords.find(tag);
  return it == keywords.end() ? std::string(hex) : std::string(it->second) + " " + hex;
}

std::string quotedValue(const std::string& text)
{
  const bool cut = text.size() > 64;
  const std::string shown = nlohmann::json(cut ? text.substr(0, 64) : text)
                              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return cut ? shown.substr(0, shown.size() - 1) + "...\"" : shown;
}

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
  const std::vector<Attributes> answers = find(query);
  std::vector<FoundStudy> studies;
  for (std::size_t k = 0; k < answers.size(); ++k)
  {
    const AnswerReader answer(*this, query, k, answers[k]);
    studies.push_back({ answer.uid(StudyInstanceUid),
                        answer.text(StudyDate),
                        answer.count(NumberOfStudyRelatedInstances) });
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
  const std::vector<Attributes> answers = find(query);
  std::vector<SeriesInfo> series;
  for (std::size_t k = 0; k < answers.size(); ++k)
  {
    const AnswerReader answer(*this, query, k, answers[k]);
    series.push_back({ answer.uid(SeriesInstanceUid),
                       answer.code(Modality),
                       answer.text(SeriesDescription),
                       answer.count(NumberOfSeriesRelatedInstances) });
  }
  return series;
}

} // namespace liver::pacs
