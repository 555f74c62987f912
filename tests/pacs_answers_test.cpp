/// Malformed answers of a PACS (QIDO-RS study and series lists, STOW-RS answers, Orthanc's change
/// log and study resources) and malformed OUT/pacs-watch.json files: each is refused with one
/// line naming the URL (or file) and the field, as a ProcessingError (exit code 3) for a server
/// and an InputError (exit code 2) for the state file; never a crash, another exception, or an
/// answer skipped without a word. The exact messages are asserted.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pacs/watch.h>
#include <liver/pipeline/pacs_watch.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

using namespace liver;

namespace
{

const std::string ServerUrl = "http://pacs/dicom-web";
/// The first QIDO-RS page findStudies("20261201-20261206", "CT") and studySeries("1.2.3") ask for.
const std::string Page = ServerUrl +
                         "/studies?StudyDate=20261201-20261206&ModalitiesInStudy=CT&includefield="
                         "0020000D&includefield=00201208&limit=100&offset=0";
const std::string SeriesPage = ServerUrl +
                               "/studies/1.2.3/series?includefield=0020000E&includefield=00080060&"
                               "includefield=0008103E&includefield=00201209&limit=100&offset=0";

/// A DICOMweb server that answers every request with `body` (HTTP 200).
class ReplayServer
{
public:
  explicit ReplayServer(std::string body)
    : m_http(
        [body](const std::string&, const std::string&) -> pacs::HttpResponse {
          return { 200, "application/dicom+json", body };
        })
    , m_server(pacs::dicomWebServer(ServerUrl, m_http))
  {
  }
  std::vector<pacs::FoundStudy> findStudies(const std::string& range,
                                            const std::string& modality) const
  {
    return m_server->findStudies(range, modality);
  }
  std::vector<pacs::SeriesInfo> studySeries(const std::string& studyUid) const
  {
    return m_server->studySeries(studyUid);
  }
  const pacs::Server& server() const { return *m_server; }

private:
  pacs::CannedHttpClient m_http;
  std::unique_ptr<pacs::Server> m_server;
};

std::string studiesError(const std::string& body)
{
  return test::errorOf<ProcessingError>(
    [&] { ReplayServer(body).findStudies("20261201-20261206", "CT"); });
}

std::string seriesError(const std::string& body)
{
  return test::errorOf<ProcessingError>([&] { ReplayServer(body).studySeries("1.2.3"); });
}

/// A study answer with StudyInstanceUID attribute `uid` (DICOM JSON) and more attributes.
std::string study(const std::string& uid, const std::string& more = "")
{
  return "{\"0020000D\": " + uid + (more.empty() ? "" : ", " + more) + "}";
}

} // namespace

TEST(QidoAnswers, WellFormedStudiesAndSeriesAreRead)
{
  const ReplayServer studies(
    "[" +
    study(
      R"({"vr": "UI", "Value": ["1.2.3"]})",
      R"("00080020": {"vr": "DA", "Value": ["20261205"]}, "00201208": {"vr": "IS", "Value": [12]})") +
    ", " +
    study(R"({"vr": "UI", "Value": ["1.2.4"]})", R"("00201208": {"vr": "IS", "Value": [" 7 "]})") +
    ", " +
    study(R"({"vr": "UI", "Value": ["1.2.5"]})",
          R"("00201208": {"vr": "IS", "Value": []}, "00080020": {"vr": "DA"})") +
    "]");
  const std::vector<pacs::FoundStudy> found = studies.findStudies("20261201-20261206", "CT");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].studyInstanceUid, "1.2.3");
  EXPECT_EQ(found[0].studyDate, "20261205");
  EXPECT_EQ(found[0].instances, 12);
  EXPECT_EQ(found[1].instances, 7); // IS as a string, padded
  EXPECT_EQ(found[2].instances, 0); // Value [] : not given
  EXPECT_EQ(found[2].studyDate, "");

  const ReplayServer series(
    R"([{"0020000E": {"vr": "UI", "Value": ["1.2.3.1"]}, "00080060": {"vr": "CS", "Value": ["CT"]},
         "0008103E": {"vr": "LO", "Value": ["abdomen\nportal"]}, "00201209": {"vr": "IS", "Value": [300]},
         "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^Jane"}]}}])");
  const std::vector<pacs::SeriesInfo> s = series.studySeries("1.2.3");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].seriesInstanceUid, "1.2.3.1");
  EXPECT_EQ(s[0].modality, "CT");
  EXPECT_EQ(s[0].description, "abdomen portal"); // a control character is not logged
  EXPECT_EQ(s[0].instances, 300);
}

TEST(QidoAnswers, MalformedAnswersAreRefusedNamingTheUrlAndTheAttribute)
{
  const std::string a = Page + ": answer [0]: StudyInstanceUID (0020000D): ";
  const std::string v = ServerUrl + ": the CT studies of 20261201-20261206: answer [0]: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
    { "[{\"0020000D\": ",
      Page + ": not JSON (line 1, column 15: syntax error while parsing value - unexpected end "
             "of input; expected '[', '{', or a literal)" },
    { "[1e999]", Page + ": not JSON (line 1, column 6: a number out of range)" },
    { study(R"({"vr": "UI", "Value": ["1.2.3"]})"),
      Page + ": QIDO-RS answer must be a JSON array of data sets, not object" },
    { R"(["1.2.3"])", Page + ": answer [0]: must be a JSON object (a DICOM data set), not string" },
    // The attribute itself a string (jsonValue's .value() threw nlohmann's type_error).
    { "[" + study(R"("1.2.3")") + "]",
      a + "must be an object {\"vr\": ..., \"Value\": [...]}, not string" },
    { "[" + study(R"({"vr": "UI", "Value": "1.2.3"})") + "]",
      a + "Value must be an array, not string" },
    { "[" + study(R"({"vr": "UI", "Value": [123]})") + "]",
      a + "Value[0] must be a string, not 123" },
    { "[" + study(R"({"vr": "UI", "Value": [1e300]})") + "]",
      a + "Value[0] must be a string, not 1e+300" },
    { "[" + study(R"({"vr": "PN", "Value": [{"Alphabetic": "Doe^John"}]})") + "]",
      a + "Value[0] must be a string, not object" },
    { "[" + study(R"({"vr": "UI", "Value": [true]})") + "]",
      a + "Value[0] must be a string, not boolean" },
    { "[" + study(R"({"vr": "UI", "Value": [["1.2"]]})") + "]",
      a + "Value[0] must be a string, not array" },
    { "[" + study(R"({"vr": "UI", "BulkDataURI": "http://pacs/bulk/1"})") + "]",
      a + "given as BulkDataURI, not as Value" },
    // Formerly skipped without a word.
    { "[{}]", v + "StudyInstanceUID (0020000D): missing" },
    { "[" + study(R"({"vr": "UI"})") + "]", v + "StudyInstanceUID (0020000D): missing" },
    { "[" + study(R"({"vr": "UI", "Value": []})") + "]",
      v + "StudyInstanceUID (0020000D): missing" },
    { "[" + study(R"({"vr": "UI", "Value": [null]})") + "]",
      v + "StudyInstanceUID (0020000D): missing" },
    { "[" + study(R"({"vr": "UI", "Value": ["../../etc"]})") + "]",
      v + "StudyInstanceUID (0020000D): \"../../etc\" is not a DICOM UID (1-64 digits and dots)" },
    { "[" + study(R"({"vr": "UI", "Value": ["1.2.3", "1.2.4"]})") + "]",
      v + "StudyInstanceUID (0020000D): \"1.2.3\\\\1.2.4\" is not a DICOM UID (1-64 digits and "
          "dots)" },
    { "[" + study("{\"vr\": \"UI\", \"Value\": [\"" + std::string(70, '1') + "\"]}") + "]",
      v + "StudyInstanceUID (0020000D): \"" + std::string(64, '1') +
        "...\" is not a DICOM UID (1-64 digits and dots)" },
    { "[" + study(R"({"vr": "UI", "Value": ["1.2\u0000\n"]})") + "]",
      v + "StudyInstanceUID (0020000D): \"1.2\\u0000\\n\" is not a DICOM UID (1-64 digits and "
          "dots)" },
    // Counts: huge, negative, fractional, text (atoi read them as 1, -3, 2 and 0).
    { "[" +
        study(R"({"vr": "UI", "Value": ["1.2.3"]})",
              R"("00201208": {"vr": "IS", "Value": [1e300]})") +
        "]",
      v + "NumberOfStudyRelatedInstances (00201208): \"1e+300\" is not a number of instances (0 to "
          "2147483647)" },
    { "[" +
        study(R"({"vr": "UI", "Value": ["1.2.3"]})", R"("00201208": {"vr": "IS", "Value": [-3]})") +
        "]",
      v + "NumberOfStudyRelatedInstances (00201208): \"-3\" is not a number of instances (0 to "
          "2147483647)" },
    { "[" +
        study(R"({"vr": "UI", "Value": ["1.2.3"]})",
              R"("00201208": {"vr": "IS", "Value": [2.5]})") +
        "]",
      v + "NumberOfStudyRelatedInstances (00201208): \"2.5\" is not a number of instances (0 to "
          "2147483647)" },
    { "[" +
        study(R"({"vr": "UI", "Value": ["1.2.3"]})",
              R"("00201208": {"vr": "IS", "Value": [2147483648]})") +
        "]",
      v + "NumberOfStudyRelatedInstances (00201208): \"2147483648\" is not a number of instances "
          "(0 to 2147483647)" },
    { "[" +
        study(R"({"vr": "UI", "Value": ["1.2.3"]})",
              R"("00201208": {"vr": "IS", "Value": ["many"]})") +
        "]",
      v + "NumberOfStudyRelatedInstances (00201208): \"many\" is not a number of instances (0 to "
          "2147483647)" },
    { "[" +
        study(R"({"vr": "UI", "Value": ["1.2.3"]})",
              R"("00201208": {"vr": "IS", "Value": [{"n": 1}]})") +
        "]",
      Page + ": answer [0]: NumberOfStudyRelatedInstances (00201208): Value[0] must be a string or "
             "a number, not object" },
  };
  for (const auto& [body, message] : cases)
    EXPECT_EQ(studiesError(body), message) << body;
}

TEST(QidoAnswers, MalformedSeriesAreRefusedNotSkipped)
{
  const std::string v = ServerUrl + ": study 1.2.3's series: answer [1]: ";
  const std::string first =
    R"({"0020000E": {"vr": "UI", "Value": ["1.2.3.1"]}, "00080060": {"vr": "CS", "Value": ["CT"]}})";
  // A series without its UID was skipped: with no other, "study not found" (exit 2) followed.
  EXPECT_EQ(seriesError("[" + first + R"(, {"00080060": {"vr": "CS", "Value": ["CT"]}}])"),
            v + "SeriesInstanceUID (0020000E): missing");
  EXPECT_EQ(
    seriesError(
      "[" + first +
      R"(, {"0020000E": {"vr": "UI", "Value": ["1.9"]}, "00080060": {"vr": "CS", "Value": ["ct"]}}])"),
    v + "Modality (00080060): \"ct\" is not a DICOM code string (up to 16 of A-Z, 0-9, space, _)");
  EXPECT_EQ(
    seriesError(
      "[" + first +
      R"(, {"0020000E": {"vr": "UI", "Value": ["1.9"]}, "00080060": {"vr": "CS", "Value": ["CT", "MR"]}}])"),
    v + "Modality (00080060): \"CT\\\\MR\" is not a DICOM code string (up to 16 of A-Z, 0-9, "
        "space, _)");
  EXPECT_EQ(
    seriesError(
      "[" + first +
      R"(, {"0020000E": {"vr": "UI", "Value": ["1.9"]}, "0008103E": {"vr": "LO", "Value": [7]}}])"),
    SeriesPage + ": answer [1]: SeriesDescription (0008103E): Value[0] must be a string, not 7");
  EXPECT_EQ(
    seriesError(
      "[" + first +
      R"(, {"0020000E": {"vr": "UI", "Value": ["1.9"]}, "00201209": {"vr": "IS", "Value": [-1]}}])"),
    v + "NumberOfSeriesRelatedInstances (00201209): \"-1\" is not a number of instances (0 to "
        "2147483647)");
}

namespace
{

std::string pageOf(int first, int n)
{
  std::string body = "[";
  for (int k = 0; k < n; ++k)
    body += (k ? "," : "") +
            study(R"({"vr": "UI", "Value": ["1.2.)" + std::to_string(first + k) + "\"]}");
  return body + "]";
}

} // namespace

TEST(QidoAnswers, PagesAreReadUntilTheLastAndAServerIgnoringOffsetIsRefused)
{
  std::vector<std::string> asked;
  const pacs::CannedHttpClient paged(
    [&](const std::string&, const std::string& url) -> pacs::HttpResponse
    {
      asked.push_back(url);
      const int offset = std::stoi(url.substr(url.rfind('=') + 1));
      return { 200, "application/dicom+json", pageOf(offset, offset < 200 ? 100 : 17) };
    });
  const auto server = pacs::dicomWebServer(ServerUrl, paged);
  const std::vector<pacs::FoundStudy> found = server->findStudies("20261201", "CT");
  ASSERT_EQ(found.size(), 217u);
  EXPECT_EQ(found[216].studyInstanceUid, "1.2.216");
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_EQ(asked[2],
            ServerUrl + "/studies?StudyDate=20261201&ModalitiesInStudy=CT&includefield=0020000D&"
                        "includefield=00201208&limit=100&offset=200");

  const pacs::CannedHttpClient ignoresOffset(
    [&](const std::string&, const std::string&) -> pacs::HttpResponse {
      return { 200, "application/dicom+json", pageOf(0, 100) };
    });
  EXPECT_EQ(
    test::errorOf<ProcessingError>(
      [&] { pacs::dicomWebServer(ServerUrl, ignoresOffset)->findStudies("20261201", "CT"); }),
    ServerUrl + "/studies?StudyDate=20261201&ModalitiesInStudy=CT&includefield=0020000D&"
                "includefield=00201208&limit=100&offset=100: QIDO-RS answers 100..199 repeat "
                "the ones before: the server ignores offset");

  // A malformed page through the client names the page's URL.
  const pacs::CannedHttpClient broken(
    [&](const std::string&, const std::string&) -> pacs::HttpResponse {
      return { 200, "application/dicom+json", R"([{"0020000E": 5}])" };
    });
  EXPECT_EQ(
    test::errorOf<ProcessingError>(
      [&] { pacs::dicomWebServer(ServerUrl, broken)->studySeries("1.2.3"); }),
    ServerUrl +
      "/studies/1.2.3/series?includefield=0020000E&includefield=00080060&"
      "includefield=0008103E&includefield=00201209&limit=100&offset=0: answer [0]: "
      "SeriesInstanceUID (0020000E): must be an object {\"vr\": ..., \"Value\": [...]}, not 5");
}

TEST(WadoAnswers, AnAnswerThatIsNotMultipartIsRefusedNamingTheUrl)
{
  const pacs::CannedHttpClient notMultipart(
    [&](const std::string&, const std::string&) -> pacs::HttpResponse {
      return { 200, "multipart/related\r\n; type=application/dicom", "DICM" };
    });
  EXPECT_EQ(test::errorOf<ProcessingError>(
              [&]
              {
                pacs::dicomWebServer(ServerUrl, notMultipart)
                  ->retrieveSeries("1.2.3", "1.2.3.1", test::makeTempDir("pacs_wado"));
              }),
            ServerUrl + "/studies/1.2.3/series/1.2.3.1: multipart answer without a boundary "
                        "(Content-Type \"multipart/related\\r\\n; type=application/dicom\")");
}

TEST(StowAnswers, StoredAndFailedInstancesAreReadAndMalformedAnswersRefused)
{
  const std::string url = ServerUrl + "/studies/1.2.3";
  pacs::StoreResult r = pacs::parseStowAnswer(
    R"({"00081199": {"vr": "SQ", "Value": [{}, {}]}, "00081198": {"vr": "SQ", "Value": [
         {"00081155": {"vr": "UI", "Value": ["1.2.3.4"]}, "00081197": {"vr": "US", "Value": [272]}},
         {"00081155": {"vr": "UI", "Value": ["a/b"]}},
         {}]}})",
    202,
    5,
    url);
  EXPECT_EQ(r.stored, 2u);
  EXPECT_EQ(r.failures,
            (std::vector<std::string>{ "1.2.3.4: failure reason 272",
                                       "\"a/b\": failure reason not given",
                                       "an instance: failure reason not given" }));
  EXPECT_EQ(pacs::parseStowAnswer("", 200, 3, url).stored, 3u); // nothing said: HTTP 200
  EXPECT_EQ(pacs::parseStowAnswer("", 202, 3, url).stored, 0u);
  EXPECT_EQ(pacs::parseStowAnswer("{}", 200, 3, url).stored, 3u);

  const auto stowError = [&](const std::string& body)
  { return test::errorOf<ProcessingError>([&] { pacs::parseStowAnswer(body, 200, 3, url); }); };
  EXPECT_EQ(stowError("[]"),
            url + ": STOW-RS answer must be a JSON object (a DICOM data set), not array");
  EXPECT_EQ(stowError("{\"00081199\": \"x\"}"),
            url + ": ReferencedSOPSequence (00081199): must be an object {\"vr\": \"SQ\", "
                  "\"Value\": [...]}, not string");
  // A Value that is an object counted 0 and "all stored" followed.
  EXPECT_EQ(stowError(R"({"00081199": {"vr": "SQ", "Value": {}}})"),
            url + ": ReferencedSOPSequence (00081199): Value must be an array, not object");
  EXPECT_EQ(
    stowError(R"({"00081199": {"vr": "SQ", "Value": [1]}})"),
    url +
      ": ReferencedSOPSequence (00081199): Value[0] must be an object (a sequence item), not 1");
  EXPECT_EQ(stowError(R"({"00081199": {"vr": "SQ", "Value": [{}, {}, {}, {}]}})"),
            url + ": ReferencedSOPSequence (00081199): 4 instances stored, 3 sent");
  EXPECT_EQ(
    stowError(
      R"({"00081198": {"vr": "SQ", "Value": [{"00081197": {"vr": "US", "Value": [{"Alphabetic": "x"}]}}]}})"),
    url + ": FailedSOPSequence (00081198) [0]: FailureReason (00081197): Value[0] must be a string "
          "or a number, not object");
  EXPECT_EQ(
    stowError(
      R"({"00081198": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": [1.5]}}]}})"),
    url + ": FailedSOPSequence (00081198) [0]: ReferencedSOPInstanceUID (00081155): Value[0] must "
          "be a string, not 1.5");
}

TEST(StowAnswers, ADeeplyNestedItemIsRefusedBeforeItIsBuilt)
{
  // 200,000 nested arrays in a sequence item: copying the items (recursively) overflowed the
  // stack. No DICOM JSON answer nests 64 levels (a sequence takes 3).
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(test::errorOf<ProcessingError>(
              [&]
              {
                pacs::parseStowAnswer(R"({"00081199": {"vr": "SQ", "Value": [{"x": )" + deep +
                                        "}]}}",
                                      200,
                                      3,
                                      ServerUrl + "/studies/1.2.3");
              }),
            ServerUrl + "/studies/1.2.3: nested deeper than 64 levels (not a PACS answer)");
}

TEST(OrthancAnswers, ChangeLogAndStudyResourcesAreReadAndMalformedOnesRefused)
{
  const std::string url = "http://pacs:8042/changes?since=4&limit=100";
  const pacs::OrthancChanges c = pacs::parseOrthancChanges(
    R"({"Changes": [{"Seq": 5, "ChangeType": "StableStudy", "ID": "ab-cd", "Path": "/studies/ab-cd"}], "Done": true, "Last": 5})",
    4,
    url);
  ASSERT_EQ(c.changes.size(), 1u);
  EXPECT_EQ(c.changes[0].seq, 5);
  EXPECT_EQ(c.changes[0].changeType, "StableStudy");
  EXPECT_EQ(c.changes[0].id, "ab-cd");
  EXPECT_EQ(c.last, 5);
  EXPECT_TRUE(c.done);

  const auto changesError = [&](const std::string& body)
  { return test::errorOf<ProcessingError>([&] { pacs::parseOrthancChanges(body, 4, url); }); };
  const std::string change = R"("ChangeType": "StableStudy", "ID": "ab")";
  EXPECT_EQ(changesError("[]"),
            url + ": not Orthanc's change log: must be a JSON object, not array");
  EXPECT_EQ(changesError(""), url + ": empty (not a PACS answer)");
  EXPECT_EQ(changesError(R"({"Done": true, "Last": 5})"), url + ": Changes: missing");
  EXPECT_EQ(changesError(R"({"Changes": {}, "Done": true, "Last": 5})"),
            url + ": Changes: must be an array, not object");
  EXPECT_EQ(changesError(R"({"Changes": [7], "Done": true, "Last": 5})"),
            url + ": Changes[0]: must be an object, not 7");
  EXPECT_EQ(
    changesError(R"({"Changes": [{"Seq": "5", )" + change + "}], \"Done\": true, \"Last\": 5}"),
    url + ": Changes[0].Seq: must be an integer from 0 to 9223372036854775807, not string");
  EXPECT_EQ(changesError(R"({"Changes": [{"Seq": 18446744073709551615, )" + change +
                         "}], \"Done\": true, \"Last\": 5}"),
            url + ": Changes[0].Seq: must be an integer from 0 to 9223372036854775807, not "
                  "18446744073709551615");
  EXPECT_EQ(changesError(R"({"Changes": [{"Seq": 6, )" + change + R"(}, {"Seq": 6, )" + change +
                         "}], \"Done\": true, \"Last\": 6}"),
            url + ": Changes[1].Seq: must be greater than 6 (changes after 4, in order), not 6");
  EXPECT_EQ(
    changesError(R"({"Changes": [{"Seq": 3, )" + change + "}], \"Done\": true, \"Last\": 5}"),
    url + ": Changes[0].Seq: must be greater than 4 (changes after 4, in order), not 3");
  EXPECT_EQ(changesError(
              R"({"Changes": [{"Seq": 5, "ChangeType": "StableStudy"}], "Done": true, "Last": 5})"),
            url + ": Changes[0].ID: missing");
  EXPECT_EQ(changesError(
              R"({"Changes": [{"Seq": 5, "ChangeType": 1, "ID": "ab"}], "Done": true, "Last": 5})"),
            url + ": Changes[0].ChangeType: must be a string, not 1");
  EXPECT_EQ(changesError(R"({"Changes": [], "Done": "yes", "Last": 5})"),
            url + ": Done: must be true or false, not string");
  EXPECT_EQ(changesError(R"({"Changes": [], "Done": true})"), url + ": Last: missing");
  EXPECT_EQ(changesError(R"({"Changes": [], "Done": true, "Last": -2})"),
            url + ": Last: must be an integer from 0 to 9223372036854775807, not -2");

  const std::string last = "http://pacs:8042/changes?last";
  EXPECT_EQ(pacs::parseOrthancLastChange(R"({"Changes": [], "Done": true, "Last": 42})", last), 42);
  EXPECT_EQ(
    test::errorOf<ProcessingError>([&] { pacs::parseOrthancLastChange(R"({"Last": 4.5})", last); }),
    last + ": Last: must be an integer from 0 to 9223372036854775807, not 4.5");

  const std::string resource = "http://pacs:8042/studies/ab-cd";
  EXPECT_EQ(
    pacs::parseOrthancStudyUid(R"({"MainDicomTags": {"StudyInstanceUID": "1.2.3"}})", resource),
    "1.2.3");
  const auto studyError = [&](const std::string& body)
  { return test::errorOf<ProcessingError>([&] { pacs::parseOrthancStudyUid(body, resource); }); };
  EXPECT_EQ(studyError("{}"), resource + ": MainDicomTags: missing");
  // MainDicomTags a string: nlohmann's type_error escaped before.
  EXPECT_EQ(studyError(R"({"MainDicomTags": "1.2.3"})"),
            resource + ": MainDicomTags: must be an object, not string");
  EXPECT_EQ(studyError(R"({"MainDicomTags": {"StudyInstanceUID": 123}})"),
            resource + ": MainDicomTags.StudyInstanceUID: must be a string, not 123");
  // Formerly an InputError (exit 2, as if the user had given it) naming no URL.
  EXPECT_EQ(
    studyError(R"({"MainDicomTags": {"StudyInstanceUID": "1.2.x"}})"),
    resource +
      ": MainDicomTags.StudyInstanceUID: \"1.2.x\" is not a DICOM UID (1-64 digits and dots)");
  EXPECT_EQ(studyError(R"([{"MainDicomTags": {}}])"),
            resource + ": not an Orthanc study: must be a JSON object, not array");

  const pacs::CannedHttpClient orthanc(
    [&](const std::string&, const std::string&) -> pacs::HttpResponse {
      return { 200, "application/json", "{}" };
    });
  EXPECT_EQ(
    test::errorOf<ProcessingError>([&]
                                   { pacs::orthancStudyUid(orthanc, "http://pacs:8042", "../x"); }),
    "http://pacs:8042: Orthanc study id \"../x\" is not an Orthanc id (hexadecimal digits and "
    "dashes)");
  EXPECT_EQ(
    test::errorOf<ProcessingError>([&] { pacs::orthancStudyUid(orthanc, "http://pacs:8042", ""); }),
    "http://pacs:8042: Orthanc study id \"\" is not an Orthanc id (hexadecimal digits and dashes)");
}

namespace
{

/// A change log that says it is not done but never advances.
class StuckChangeLog : public pacs::ChangeLog
{
public:
  std::int64_t lastChange() const override { return 5; }
  pacs::OrthancChanges changesSince(std::int64_t since) const override
  {
    ++asked;
    return { {}, since, false };
  }
  std::string studyUid(const std::string&) const override { return "1.2.3"; }
  std::string name() const override { return "http://pacs:8042/changes"; }
  mutable int asked = 0;
};

} // namespace

TEST(OrthancAnswers, AChangeLogThatIsNeverDoneAndNeverAdvancesIsRefused)
{
  const StuckChangeLog log;
  const ReplayServer replay("[]");
  pacs::WatchOptions o;
  o.run.batch.out = test::makeTempDir("pacs_watch_stuck");
  o.follow = "changes";
  o.once = true;
  bool fresh = false;
  pipeline::PacsWatchState state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_EQ(test::errorOf<ProcessingError>(
              [&] { pacs::watch(o, state, fresh, replay.server(), &log, {}); }),
            "http://pacs:8042/changes: \"Done\": false, but no change after 5");
  EXPECT_EQ(log.asked, 1);
}

TEST(PacsWatchStateFile, MalformedStatesAreRefusedNamingTheFileAndTheField)
{
  const std::string dir = test::makeTempDir("pacs_watch_state_bad");
  const std::string path = dir + "/pacs-watch.json";
  const std::string key = std::string(70, '7');
  const std::vector<std::pair<std::string, std::string>> cases = {
    { R"({"since": 9223372036854775808, "studies": {}})",
      "since: must be a non-negative integer, not 9223372036854775808 (more than "
      "9223372036854775807)" },
    { R"({"since": 1e400, "studies": {}})", "not JSON (line 1, column 15: a number out of range)" },
    { R"({"since": 0, "studies": {}, "follow": 100000})",
      "follow: must be \"changes\" or \"date\", not 100000" },
    { "{\"since\": 0, \"studies\": {}, \"follow\": \"" + key + "\"}",
      "follow: must be \"changes\" or \"date\", not \"" + std::string(64, '7') + "...\"" },
    { "{\"since\": 0, \"studies\": {\"" + key + "\": []}}",
      "studies[\"" + std::string(64, '7') +
        "...\"]: must be a string (\"ok\", \"error: ...\", \"skipped: ...\"), not array" },
    { R"({"since": 0, "studies": {}, "pending": {"1.2": [1, 2]}})",
      "pending[\"1.2\"]: must be an object {\"instances\": ..., \"since\": ...}, not array" },
    { R"({"since": 0, "studies": {}, "pending": {"1.2": {"since": 0}}})",
      "pending[\"1.2\"].instances: missing" },
    // Read as an int by the watch: 2^31 wrapped.
    { R"({"since": 0, "studies": {}, "pending": {"1.2": {"instances": 2147483648, "since": 0}}})",
      "pending[\"1.2\"].instances: must be an integer from 0 to 2147483647, not 2147483648" },
    { R"({"since": 0, "studies": {}, "pending": {"1.2": {"instances": 3.5, "since": 0}}})",
      "pending[\"1.2\"].instances: must be an integer from 0 to 2147483647, not 3.5" },
    { R"({"since": 0, "studies": {}, "pending": {"1.2": {"instances": 3, "since": "now"}}})",
      "pending[\"1.2\"].since: must be a number of seconds since the epoch (>= 0), not string" },
    { R"({"since": 0, "studies": {}, "pending": {"1.2": {"instances": 3, "since": -5}}})",
      "pending[\"1.2\"].since: must be a number of seconds since the epoch (>= 0), not -5" },
    { R"({"since": 0, "studies": {}, "failures": []})",
      "failures: must be an object of StudyInstanceUID: {error, attempts}, not array" },
    { R"({"since": 0, "studies": {}, "failures": {"1.2": "HTTP 503"}})",
      "failures[\"1.2\"]: must be an object {\"error\": ..., \"attempts\": ...}, not string" },
    { R"({"since": 0, "studies": {}, "failures": {"1.2": {"error": "HTTP 503"}}})",
      "failures[\"1.2\"].attempts: missing" },
    { R"({"since": 0, "studies": {}, "failures": {"1.2": {"error": 503, "attempts": 1}}})",
      "failures[\"1.2\"].error: must be a string, not 503" },
    { R"({"since": 0, "studies": {}, "failures": {"1.2": {"error": "", "attempts": 0}}})",
      "failures[\"1.2\"].attempts: must be an integer from 1 to 2147483647, not 0" },
    { R"({"since": 0, "studies": {}, "failures": {"1.2": {"error": "", "attempts": 1,
      "orthancStudy": "yes"}}})",
      "failures[\"1.2\"].orthancStudy: must be true or false, not string" },
    // nlohmann's message ends with the token read, here 5,000 bytes: cut before it.
    { "{\"since\": \"" + std::string(5000, 'x'),
      "not JSON (line 1, column 5012: syntax error while parsing value - invalid string: missing "
      "closing quote)" },
    // A field this version does not know is kept and written back: copied and written
    // recursively, 200,000 levels overflowed the stack.
    { "{\"since\": 0, \"studies\": {}, \"later\": " + std::string(200000, '[') +
        std::string(200000, ']') + "}",
      "nested deeper than 64 levels (not a pacs watch state)" },
    { "{\"since\": 0, \"studies\": {}, \"later\": " + std::string(64, '[') + std::string(64, ']') +
        "}",
      "nested deeper than 64 levels (not a pacs watch state)" },
  };
  for (const auto& [text, problem] : cases)
  {
    std::ofstream(path, std::ios::trunc) << text;
    EXPECT_EQ(test::errorOf<InputError>([&] { pipeline::readPacsWatchState(path); }),
              path + ": " + problem)
      << text;
  }
}
