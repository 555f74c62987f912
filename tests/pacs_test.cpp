/// The DICOMweb client's parts that need no server: multipart bodies both ways (the STOW-RS
/// request, the WADO-RS answer), credentials from a file or the environment, UIDs in URLs, DIMSE
/// addresses (dicom://AET@host:port) and AE titles, polling by StudyDate.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/pacs/date_poll.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pacs/dimse.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

using namespace liver;

TEST(Multipart, WhatIsBuiltParsesBackPartForPart)
{
  // Binary parts with CR, LF and dashes inside: only the boundary delimits.
  const std::vector<std::string> parts = { std::string("DICM\0\r\n--x\r\n", 12),
                                           "second",
                                           std::string(1000, '\xff') };
  const std::string body = pacs::buildMultipart(parts, "application/dicom", "b0und4ry");
  const auto parsed = pacs::parseMultipart(
    "multipart/related; type=\"application/dicom\"; boundary=\"b0und4ry\"", body);
  ASSERT_EQ(parsed.size(), 3u);
  for (std::size_t k = 0; k < parts.size(); ++k)
  {
    EXPECT_EQ(parsed[k].body, parts[k]) << k;
    EXPECT_EQ(parsed[k].contentType, "application/dicom") << k;
  }
  // Unquoted boundary, as Orthanc sends it.
  EXPECT_EQ(
    pacs::parseMultipart("multipart/related; boundary=b0und4ry; type=application/dicom", body)
      .size(),
    3u);
  EXPECT_THROW(pacs::buildMultipart({ "a--b0und4ryb" }, "application/dicom", "b0und4ry"),
               std::invalid_argument);
}

TEST(Multipart, CutOffOrBoundaryLessAnswersAreRefused)
{
  const std::string body = pacs::buildMultipart({ "abc", "def" }, "application/dicom", "zz");
  EXPECT_THROW(pacs::parseMultipart("multipart/related", body), ProcessingError);
  EXPECT_THROW(pacs::parseMultipart("multipart/related; boundary=zz", body.substr(0, 30)),
               ProcessingError);
  EXPECT_TRUE(pacs::parseMultipart("multipart/related; boundary=zz", "--zz--\r\n").empty());
}

TEST(Credentials, FromAFileElseFromTheEnvironment)
{
  const std::string dir = test::makeTempDir("pacs_credentials");
  std::ofstream(dir + "/basic.json") << R"({"username": "ris", "password": "s3cret"})";
  const pacs::Credentials basic = pacs::loadCredentials(dir + "/basic.json");
  EXPECT_EQ(basic.username, "ris");
  EXPECT_EQ(basic.password, "s3cret");
  std::ofstream(dir + "/token.json") << R"({"token": "abc.def"})";
  EXPECT_EQ(pacs::loadCredentials(dir + "/token.json").bearerToken, "abc.def");
  std::ofstream(dir + "/empty.json") << R"({"password": "x"})";
  EXPECT_THROW(pacs::loadCredentials(dir + "/empty.json"), InputError);
  std::ofstream(dir + "/bad.json") << "user:pass";
  try
  {
    pacs::loadCredentials(dir + "/bad.json");
    ADD_FAILURE() << "no InputError";
  }
  catch (const InputError& e)
  {
    EXPECT_TRUE(test::contains(e.what(), "bad.json")) << e.what();
    EXPECT_FALSE(test::contains(e.what(), "user:pass")) << "the file's content is not repeated";
  }
  setenv("LIVERPLAN_PACS_USER", "env-user", 1);
  setenv("LIVERPLAN_PACS_PASSWORD", "env-pass", 1);
  const pacs::Credentials env = pacs::loadCredentials("");
  EXPECT_EQ(env.username, "env-user");
  EXPECT_EQ(env.password, "env-pass");
  unsetenv("LIVERPLAN_PACS_USER");
  unsetenv("LIVERPLAN_PACS_PASSWORD");
  EXPECT_EQ(pacs::loadCredentials("").username, "");
}

TEST(Uids, OnlyDigitsAndDotsGoIntoAUrl)
{
  EXPECT_NO_THROW(pacs::checkUid("1.2.840.10008.5.1.4.1.1.2", "study"));
  for (const std::string& bad :
       std::vector<std::string>{ "", "../../etc", "1.2?x=1", "1.2/3", std::string(65, '1') })
    EXPECT_THROW(pacs::checkUid(bad, "study"), InputError) << bad;
}

TEST(DimseUrl, AeTitleHostAndPortAreParsed)
{
  const pacs::DimsePeer peer = pacs::parseDimseUrl("dicom://ORTHANC@pacs.example.org:4242");
  EXPECT_EQ(peer.aeTitle, "ORTHANC");
  EXPECT_EQ(peer.host, "pacs.example.org");
  EXPECT_EQ(peer.port, 4242);
  // An AE title may hold '@' and ':'; an IPv6 host is bracketed; a trailing slash is dropped.
  const pacs::DimsePeer v6 = pacs::parseDimseUrl("dicom://A@B:C@[::1]:104/");
  EXPECT_EQ(v6.aeTitle, "A@B:C");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 104);
  EXPECT_TRUE(pacs::isDimseUrl("dicom://X@h:1"));
  EXPECT_FALSE(pacs::isDimseUrl("http://h/dicom-web"));
}

TEST(DimseUrl, MalformedUrlsAndAeTitlesAreRefused)
{
  for (const char* url : { "http://pacs:8042",
                           "dicom://pacs:4242",
                           "dicom://@pacs:4242",
                           "dicom://ORTHANC@:4242",
                           "dicom://ORTHANC@pacs",
                           "dicom://ORTHANC@pacs:0",
                           "dicom://ORTHANC@pacs:65536",
                           "dicom://ORTHANC@pacs:42a",
                           "dicom://ORTHANC@[::1",
                           "dicom://SEVENTEEN_CHARS_AE@pacs:104",
                           "dicom://BACK\\SLASH@pacs:104",
                           "dicom://   @pacs:104" })
    EXPECT_THROW(pacs::parseDimseUrl(url), InputError) << url;
  try
  {
    pacs::parseDimseUrl("dicom://ORTHANC@pacs");
    FAIL();
  }
  catch (const InputError& e)
  {
    EXPECT_NE(std::string(e.what()).find("--server \"dicom://ORTHANC@pacs\""), std::string::npos)
      << e.what();
    EXPECT_NE(std::string(e.what()).find("port"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(pacs::checkAeTitle("LIVERPLAN-01", "--aet"));
  EXPECT_THROW(pacs::checkAeTitle("", "--aet"), InputError);
  EXPECT_THROW(pacs::checkAeTitle("tab\there", "--aet"), InputError);
  // LiverPlan's own title (--aet) is checked when the client is made.
  EXPECT_THROW(pacs::DimseServer("dicom://PACS@h:104", { "TOO_LONG_AE_TITLE", 10 }), InputError);
}

TEST(DatePoll, RecentDateRangesEndTodayInLocalTime)
{
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  std::tm morning{};
  morning.tm_year = 2026 - 1900;
  morning.tm_mon = 2; // March: the clocks go forward on the 29th
  morning.tm_mday = 30;
  morning.tm_hour = 0;
  morning.tm_min = 30;
  morning.tm_isdst = -1;
  const std::time_t t = std::mktime(&morning);
  EXPECT_EQ(pacs::recentDateRange(t, 1), "20260330-20260330");
  EXPECT_EQ(pacs::recentDateRange(t, 2), "20260329-20260330");
  EXPECT_EQ(pacs::recentDateRange(t, 31), "20260228-20260330");
  EXPECT_THROW(pacs::recentDateRange(t, 0), InputError);
  unsetenv("TZ");
  tzset();

  EXPECT_NO_THROW(pacs::checkDateRange("20260101-20261231"));
  EXPECT_NO_THROW(pacs::checkDateRange("20260101"));
  for (const char* bad : { "", "2026-01-01", "20261301", "20260132", "20260102-20260101", "x" })
    EXPECT_THROW(pacs::checkDateRange(bad), InputError) << bad;
}

TEST(DatePoll, AStudyIsAnalysedOnceItsInstanceCountHasSettled)
{
  std::map<std::string, pacs::PendingStudy> pending;
  std::set<std::string> decided = { "9.9" };
  const auto isDecided = [&](const std::string& uid) { return decided.count(uid) > 0; };
  const auto poll = [&](std::vector<pacs::FoundStudy> found, double now)
  { return pacs::settledStudies(found, isDecided, pending, now, 10); };

  // First seen: never settled at once; a decided study is never pending.
  EXPECT_TRUE(poll({ { "1.1", "", 40 }, { "9.9", "", 5 } }, 0).empty());
  EXPECT_EQ(pending.size(), 1u);
  // Still arriving: the count changed, the wait starts again.
  EXPECT_TRUE(poll({ { "1.1", "", 80 } }, 8).empty());
  EXPECT_EQ(pending.at("1.1").since, 8);
  EXPECT_TRUE(poll({ { "1.1", "", 80 } }, 17.9).empty());
  const std::vector<std::string> settled = poll({ { "1.1", "", 80 }, { "2.2", "", 3 } }, 18);
  EXPECT_EQ(settled, std::vector<std::string>{ "1.1" });
  // Once decided it leaves the pending list; a study no longer found leaves it too.
  decided.insert("1.1");
  EXPECT_TRUE(poll({ { "1.1", "", 80 } }, 30).empty());
  EXPECT_TRUE(pending.empty());
}
