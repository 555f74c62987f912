/// The PACS clients' parts that need no server: multipart bodies both ways (the STOW-RS request,
/// the WADO-RS answer), credentials from a file or the environment, UIDs in URLs, DIMSE addresses
/// (dicom://AET@host:port) and AE titles, what --server connects to, polling by StudyDate; and,
/// against a PACS in memory with a stand-in for the batch, one study's round trip and the watch
/// by StudyDate and by change log (the real ones: pacs_orthanc_test).

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/safe_path.h>
#include <liver/pacs/connection.h>
#include <liver/pacs/date_poll.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pacs/dimse.h>
#include <liver/pacs/round_trip.h>
#include <liver/pacs/watch.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
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
  EXPECT_THROW(pacs::dimseServer("dicom://PACS@h:104", { "TOO_LONG_AE_TITLE", 10 }), InputError);
  EXPECT_THROW(pacs::dimseServer("dicom://PACS@h:104", { "LIVERPLAN", 0 }), InputError);
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

TEST(Connection, DimseRefusesPasswordsAndTlsAndOrthancsUrlIsDerived)
{
  pacs::ConnectionOptions o;
  o.server = "dicom://PACS@h:104";
  EXPECT_EQ(pacs::connect(o, false).server->name(), "dicom://PACS@h:104");
  EXPECT_EQ(pacs::connect(o, false).http, nullptr);
  o.tls.insecure = true;
  EXPECT_THROW(pacs::connect(o, false), InputError);
  EXPECT_NE(pacs::connect(o, true).http, nullptr); // a watch reads Orthanc's log over HTTP
  o.tls.insecure = false;
  o.credentials = "/etc/liverplan/pacs.json";
  try
  {
    pacs::connect(o, false);
    ADD_FAILURE() << "no InputError";
  }
  catch (const InputError& e)
  {
    EXPECT_TRUE(test::contains(e.what(), "AE title")) << e.what();
  }
  o = {};
  o.server = "https://pacs:8042/dicom-web/";
  const pacs::Connection web = pacs::connect(o, false);
  EXPECT_EQ(web.server->name(), "https://pacs:8042/dicom-web");
  EXPECT_NE(web.http, nullptr);
  o.server = "ftp://pacs";
  EXPECT_THROW(pacs::connect(o, false), InputError);

  EXPECT_EQ(pacs::orthancRestUrl("https://pacs:8042/dicom-web/", ""), "https://pacs:8042");
  EXPECT_EQ(pacs::orthancRestUrl("https://pacs:8042/dicom-web", "http://o:8042//"),
            "http://o:8042");
}

namespace
{

namespace fs = std::filesystem;

constexpr pacs::Tag StudyUidTag = 0x0020000D;

/// A PACS in memory: its studies' series and what a query by date finds; a series retrieved is
/// that many small files; what is stored is recorded.
class MemoryPacs : public pacs::Server
{
public:
  std::map<std::string, std::vector<pacs::SeriesInfo>> series;    ///< by StudyInstanceUID
  std::vector<pacs::FoundStudy> studies;                          ///< any date range finds them
  mutable std::map<std::string, std::vector<std::string>> stored; ///< file names by study
  mutable std::vector<std::string> levels;                        ///< the levels queried
  std::set<std::string> unreachable; ///< series whose retrieval fails (the server's error)

  std::string name() const override { return "memory://pacs"; }

  std::vector<pacs::Attributes> find(const pacs::Query& query) const override
  {
    levels.push_back(query.level);
    std::vector<pacs::Attributes> answers;
    if (query.level == "STUDY")
      for (const pacs::FoundStudy& s : studies)
        answers.push_back({ { StudyUidTag, s.studyInstanceUid },
                            { 0x00080020, s.studyDate },
                            { 0x00201208, std::to_string(s.instances) } });
    std::string uid;
    for (const pacs::QueryKey& key : query.match)
      uid = key.tag == StudyUidTag ? key.value : uid;
    if (query.level == "SERIES" && series.count(uid))
      for (const pacs::SeriesInfo& s : series.at(uid))
        answers.push_back({ { 0x0020000E, s.seriesInstanceUid },
                            { 0x00080060, s.modality },
                            { 0x0008103E, s.description },
                            { 0x00201209, std::to_string(s.instances) } });
    return answers;
  }

protected:
  std::size_t retrieve(const std::string& /*studyUid*/,
                       const std::string& seriesUid,
                       const std::string& folder) const override
  {
    if (unreachable.count(seriesUid))
      throw ProcessingError("memory://pacs: series " + seriesUid + ": HTTP 503");
    fs::create_directories(folder);
    int n = 0;
    for (const auto& [study, list] : series)
      for (const pacs::SeriesInfo& s : list)
        n = s.seriesInstanceUid == seriesUid ? s.instances : n;
    for (int k = 0; k < n; ++k)
      std::ofstream(folder + "/" + std::to_string(k) + ".dcm") << "DICM";
    return static_cast<std::size_t>(n);
  }

  pacs::StoreResult storeFiles(const std::string& studyUid,
                               const std::vector<std::string>& files) const override
  {
    for (const std::string& f : files)
      stored[studyUid].push_back(fs::path(f).filename().string());
    return { files.size(), {} };
  }
};

/// A CT study of `images` images (and a SEG of LiverPlan's that is not taken).
std::vector<pacs::SeriesInfo> ctStudy(const std::string& uid, int images)
{
  return { { uid + ".1", "CT", "abdomen", images }, { uid + ".2", "SR", "an old report", 1 } };
}

/// The batch's stand-in: what it was asked, and a study folder with status.json (`status`) and
/// dicom/seg.dcm and sr.dcm as a worker writes them; `complete` false: interrupted before the end.
struct FakeBatch
{
  std::string status = "ok";
  bool complete = true;
  std::vector<pipeline::BatchRequest> requests;
  std::vector<std::size_t> images; ///< CT files under each request's root

  pacs::BatchRunner runner()
  {
    return [this](const pipeline::BatchRequest& r)
    {
      requests.push_back(r);
      std::size_t n = 0;
      for (const auto& e : fs::recursive_directory_iterator(r.root))
        n += e.is_regular_file();
      images.push_back(n);
      const std::string uid = fs::path(r.root).filename().string();
      if (!complete)
        return pipeline::BatchOutcome{ 1, 1, 0, 0, true };
      const fs::path dir = fs::path(r.out) / safePathComponent(uid);
      fs::create_directories(dir / "dicom");
      std::ofstream(dir / "status.json") << nlohmann::json{
        { "studyInstanceUid", uid }, { "status", status }, { "error", "segmentation failed" }
      }.dump();
      std::ofstream(dir / "dicom" / "seg.dcm") << "SEG";
      std::ofstream(dir / "dicom" / "sr.dcm") << "SR";
      return pipeline::BatchOutcome{ 1, 1, 1, status == "ok" ? 0u : 1u, false };
    };
  }
};

pacs::RoundTripOptions roundTripInto(const std::string& out)
{
  pacs::RoundTripOptions o;
  o.batch.out = out;
  o.batch.plans = { "right-hemihepatectomy" };
  return o;
}

} // namespace

TEST(RoundTrip, PullsTheCtAnalysesItAndStoresSegAndSrBack)
{
  MemoryPacs pacs;
  pacs.series["1.2.3"] = ctStudy("1.2.3", 7);
  FakeBatch batch;
  const std::string out = test::makeTempDir("pacs_round_trip");
  std::vector<std::string> steps;
  const pacs::StudyRun run =
    pacs::runRoundTrip(roundTripInto(out),
                       pacs,
                       "1.2.3",
                       batch.runner(),
                       [&](const pipeline::ProgressEvent& e) { steps.push_back(e.message); });
  EXPECT_EQ(run.status, "ok");
  EXPECT_FALSE(run.interrupted);
  EXPECT_EQ(run.stored, 2u);
  ASSERT_EQ(run.objects.size(), 2u);
  EXPECT_EQ(fs::path(run.objects[0]).filename(), "seg.dcm");
  EXPECT_EQ(pacs.stored.at("1.2.3"), (std::vector<std::string>{ "seg.dcm", "sr.dcm" }));
  EXPECT_EQ(pacs.levels, std::vector<std::string>{ "SERIES" });
  // The batch ran over the pulled CT (the SR series not pulled) as batch --dicom-out does.
  ASSERT_EQ(batch.requests.size(), 1u);
  EXPECT_EQ(batch.images, std::vector<std::size_t>{ 7 });
  EXPECT_EQ(batch.requests[0].root, out + "/.pacs/1.2.3");
  EXPECT_TRUE(batch.requests[0].dicomOut);
  EXPECT_EQ(batch.requests[0].plans, std::vector<std::string>{ "right-hemihepatectomy" });
  EXPECT_TRUE(batch.requests[0].liverFiles.empty());
  EXPECT_FALSE(fs::exists(out + "/.pacs/1.2.3")); // the pulled images are not kept
  EXPECT_NE(std::find(steps.begin(), steps.end(), "pacs: 7 CT image(s) of study 1.2.3"),
            steps.end());

  // --no-store: analysed, nothing stored.
  pacs.stored.clear();
  pacs::RoundTripOptions noStore = roundTripInto(test::makeTempDir("pacs_no_store"));
  noStore.store = false;
  EXPECT_EQ(pacs::runRoundTrip(noStore, pacs, "1.2.3", batch.runner(), {}).status, "ok");
  EXPECT_TRUE(pacs.stored.empty());
}

TEST(RoundTrip, AFailedOrInterruptedAnalysisStoresNothing)
{
  MemoryPacs pacs;
  pacs.series["1.2.3"] = ctStudy("1.2.3", 3);
  FakeBatch batch;
  batch.status = "error";
  const pacs::StudyRun failed = pacs::runRoundTrip(
    roundTripInto(test::makeTempDir("pacs_failed")), pacs, "1.2.3", batch.runner(), {});
  EXPECT_EQ(failed.status, "error: segmentation failed");
  EXPECT_FALSE(failed.interrupted);
  EXPECT_TRUE(pacs.stored.empty());

  batch.complete = false;
  const pacs::StudyRun interrupted = pacs::runRoundTrip(
    roundTripInto(test::makeTempDir("pacs_interrupted")), pacs, "1.2.3", batch.runner(), {});
  EXPECT_EQ(interrupted.status, "error: no analysis");
  EXPECT_TRUE(interrupted.interrupted);
  EXPECT_TRUE(pacs.stored.empty());
}

TEST(RoundTrip, AStudyWithoutCtIsSkippedAnUnknownOneRefused)
{
  MemoryPacs pacs;
  pacs.series["1.2.3"] = { { "1.2.3.9", "MR", "liver", 20 } };
  FakeBatch batch;
  const std::string out = test::makeTempDir("pacs_skipped");
  EXPECT_EQ(pacs::runRoundTrip(roundTripInto(out), pacs, "1.2.3", batch.runner(), {}).status,
            "skipped: no CT series");
  EXPECT_TRUE(batch.requests.empty());
  try
  {
    pacs::runRoundTrip(roundTripInto(out), pacs, "1.2.4", batch.runner(), {});
    ADD_FAILURE() << "no InputError";
  }
  catch (const InputError& e)
  {
    EXPECT_EQ(std::string(e.what()), "memory://pacs: study 1.2.4 not found");
  }
  EXPECT_THROW(pacs::runRoundTrip(roundTripInto(out), pacs, "../etc", batch.runner(), {}),
               InputError);
  EXPECT_TRUE(batch.requests.empty());
}

TEST(Watch, ByDateRunsEachSettledStudyOnceAndResumes)
{
  MemoryPacs pacs;
  pacs.series["1.1"] = ctStudy("1.1", 4);
  pacs.series["2.2"] = ctStudy("2.2", 5);
  pacs.studies = { { "1.1", "20260101", 5 } }; // there before the watch
  FakeBatch batch;
  pacs::WatchOptions o;
  o.run = roundTripInto(test::makeTempDir("pacs_watch_date"));
  o.follow = "date";
  o.settleSeconds = 10;
  o.exitAfter = 1;
  double clock = 1000;
  int pauses = 0;
  pacs::WatchHooks hooks;
  hooks.runBatch = batch.runner();
  hooks.now = [&] { return clock; };
  hooks.pause = [&](double)
  {
    clock += 5;
    if (++pauses == 1) // a study arrives while the watch waits
      pacs.studies.push_back({ "2.2", "20260101", 6 });
  };
  std::vector<std::string> run;
  hooks.onStudy = [&](const std::string& uid, const pacs::StudyRun&) { run.push_back(uid); };

  bool fresh = false;
  pipeline::PacsWatchState state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_TRUE(fresh);
  const pacs::WatchOutcome outcome = pacs::watch(o, state, fresh, pacs, nullptr, hooks);
  EXPECT_EQ(outcome.analysed, 1u);
  EXPECT_FALSE(outcome.someFailed);
  EXPECT_FALSE(outcome.interrupted);
  EXPECT_EQ(run, std::vector<std::string>{ "2.2" });
  // Seen at 1005, unchanged at 1010 (5 s) and 1015 (10 s: settled).
  EXPECT_EQ(pauses, 3);
  EXPECT_EQ(state.studies.at("1.1"), "skipped: in the PACS when the watch started");
  EXPECT_EQ(state.studies.at("2.2"), "ok");
  EXPECT_EQ(pacs.stored.count("1.1"), 0u);
  EXPECT_EQ(pacs.stored.at("2.2").size(), 2u);

  // Resumed from pacs-watch.json (as cron would, --once): nothing runs again.
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(state.studies.size(), 2u);
  o.once = true;
  EXPECT_EQ(pacs::watch(o, state, fresh, pacs, nullptr, hooks).analysed, 0u);
  EXPECT_EQ(batch.requests.size(), 1u);
  // A watch by date takes only --since 0; the state of one kind is not the other's.
  o.since = 5;
  EXPECT_THROW(pacs::watch(o, state, fresh, pacs, nullptr, hooks), InputError);
  EXPECT_THROW(pacs::openWatch(o.run.batch.out, "changes", fresh), InputError);
}

namespace
{

/// A change log in memory: `changes` after `since`, all in one answer.
class MemoryChangeLog : public pacs::ChangeLog
{
public:
  std::vector<pacs::OrthancChange> changes;
  std::map<std::string, std::string> uids; ///< resource id -> StudyInstanceUID

  std::int64_t lastChange() const override { return changes.empty() ? 0 : changes.back().seq; }
  pacs::OrthancChanges changesSince(std::int64_t since) const override
  {
    pacs::OrthancChanges c;
    for (const pacs::OrthancChange& change : changes)
      if (change.seq > since)
        c.changes.push_back(change);
    c.last = lastChange();
    return c;
  }
  std::string studyUid(const std::string& id) const override
  {
    if (uids.count(id) == 0) // e.g. a study deleted since its change
      throw ProcessingError("memory://studies/" + id + ": HTTP 404");
    return uids.at(id);
  }
  std::string name() const override { return "memory://changes"; }
};

} // namespace

TEST(Watch, ByChangeLogRunsEachStableStudyOnceAndRecordsFailures)
{
  MemoryPacs pacs;
  pacs.series["1.1"] = ctStudy("1.1", 4);
  pacs.series["2.2"] = { { "2.2.1", "MR", "liver", 9 } };
  MemoryChangeLog log;
  log.changes = { { 4, "StableStudy", "old" } };
  log.uids = { { "old", "9.9" }, { "a", "1.1" }, { "b", "2.2" }, { "c", "3.3" } };
  FakeBatch batch;
  pacs::WatchOptions o;
  o.run = roundTripInto(test::makeTempDir("pacs_watch_changes"));
  o.follow = "changes";
  o.once = true;
  pacs::WatchHooks hooks;
  hooks.runBatch = batch.runner();
  bool fresh = false;
  pipeline::PacsWatchState state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  // A first watch starts at the newest change: the study of change 4 is left alone.
  EXPECT_EQ(pacs::watch(o, state, fresh, pacs, &log, hooks).analysed, 0u);
  EXPECT_EQ(state.since, 4);

  // Then: a CT study (stable twice: our own objects make it stable again), a study without CT,
  // a study the PACS no longer has.
  log.changes = { { 5, "NewInstance", "x" },
                  { 6, "StableStudy", "a" },
                  { 7, "StableStudy", "b" },
                  { 8, "StableStudy", "a" },
                  { 9, "StableStudy", "c" } };
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  const pacs::WatchOutcome outcome = pacs::watch(o, state, fresh, pacs, &log, hooks);
  EXPECT_EQ(outcome.analysed, 2u); // 1.1 and the failed 3.3; 2.2 skipped
  EXPECT_TRUE(outcome.someFailed);
  EXPECT_EQ(batch.requests.size(), 1u);
  EXPECT_EQ(state.since, 9);
  EXPECT_EQ(state.studies.at("1.1"), "ok");
  EXPECT_EQ(state.studies.at("2.2"), "skipped: no CT series");
  // The server's error: tried again at the next poll.
  EXPECT_EQ(state.studies.count("3.3"), 0u);
  EXPECT_EQ(state.failures.at("3.3").error, "memory://pacs: study 3.3 not found");
  EXPECT_EQ(state.failures.at("3.3").attempts, 1);
  EXPECT_EQ(state.studies.count("9.9"), 0u);
  const nlohmann::json saved = test::readJson(o.run.batch.out + "/pacs-watch.json");
  EXPECT_EQ(saved["since"], 9);
  EXPECT_EQ(saved["studies"].size(), 2u);
  EXPECT_EQ(saved["failures"].size(), 1u);

  // Interrupted inside an analysis: the study is not recorded, so a restart runs it again.
  log.changes.push_back({ 10, "StableStudy", "d" });
  log.uids["d"] = "4.4";
  pacs.series["4.4"] = ctStudy("4.4", 2);
  batch.complete = false;
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_TRUE(pacs::watch(o, state, fresh, pacs, &log, hooks).interrupted);
  EXPECT_EQ(state.studies.count("4.4"), 0u);
  EXPECT_EQ(state.since, 9);
}

TEST(Watch, AStudyThatFailsEveryTimeIsTriedThreeTimesAndDoesNotHoldUpTheChangeLog)
{
  // Change 5: a study whose lookup fails every time (on Orthanc: a StudyInstanceUID that is not a
  // DICOM UID; here HTTP 404); 6: a CT study; 7: a CT study whose retrieval fails every time; 8:
  // one whose retrieval fails once.
  MemoryPacs pacs;
  pacs.series["1.1"] = ctStudy("1.1", 4);
  pacs.series["2.2"] = ctStudy("2.2", 3);
  pacs.series["3.3"] = ctStudy("3.3", 2);
  pacs.unreachable = { "2.2.1", "3.3.1" };
  MemoryChangeLog log;
  log.changes = { { 5, "StableStudy", "gone" },
                  { 6, "StableStudy", "a" },
                  { 7, "StableStudy", "b" },
                  { 8, "StableStudy", "c" } };
  log.uids = { { "a", "1.1" }, { "b", "2.2" }, { "c", "3.3" } };
  FakeBatch batch;
  pacs::WatchOptions o;
  o.run = roundTripInto(test::makeTempDir("pacs_watch_failing"));
  o.follow = "changes";
  o.once = true; // as from cron: one poll per run
  o.since = 4;
  std::vector<std::string> warnings;
  pacs::WatchHooks hooks;
  hooks.runBatch = batch.runner();
  hooks.progress = [&](const pipeline::ProgressEvent& e)
  {
    if (e.level == pipeline::ProgressLevel::Warning)
      warnings.push_back(e.message);
  };
  bool fresh = false;
  pipeline::PacsWatchState state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  pacs::WatchOutcome outcome;
  EXPECT_NO_THROW(outcome = pacs::watch(o, state, fresh, pacs, &log, hooks));
  // The watch went past every change: 1.1 analysed, the failures noted.
  EXPECT_EQ(state.since, 8);
  EXPECT_EQ(state.studies, (std::map<std::string, std::string>{ { "1.1", "ok" } }));
  EXPECT_TRUE(outcome.someFailed);
  EXPECT_EQ(batch.requests.size(), 1u);
  ASSERT_EQ(state.failures.size(), 3u);
  EXPECT_EQ(state.failures.at("gone").error, "memory://studies/gone: HTTP 404");
  EXPECT_TRUE(state.failures.at("gone").orthancStudy);
  EXPECT_EQ(state.failures.at("2.2").error, "memory://pacs: series 2.2.1: HTTP 503");
  EXPECT_FALSE(state.failures.at("2.2").orthancStudy);
  for (const auto& [key, f] : state.failures)
    EXPECT_EQ(f.attempts, 1) << key;
  EXPECT_EQ(warnings.at(0),
            "pacs watch: study gone: attempt 1 of 3: memory://studies/gone: HTTP 404 (tried "
            "again at the next poll)");
  const nlohmann::json saved = test::readJson(o.run.batch.out + "/pacs-watch.json");
  EXPECT_EQ(
    saved["failures"]["2.2"],
    (nlohmann::json{ { "error", "memory://pacs: series 2.2.1: HTTP 503" }, { "attempts", 1 } }));
  EXPECT_EQ(saved["failures"]["gone"]["orthancStudy"], true);

  // The next poll (a restarted watch: the tries come from pacs-watch.json): 3.3 retrieved now.
  pacs.unreachable.erase("3.3.1");
  o.since = -1;
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_TRUE(pacs::watch(o, state, fresh, pacs, &log, hooks).someFailed);
  EXPECT_EQ(state.studies.at("3.3"), "ok");
  EXPECT_EQ(state.failures.count("3.3"), 0u);
  EXPECT_EQ(state.failures.at("2.2").attempts, 2);
  EXPECT_EQ(state.failures.at("gone").attempts, 2);

  // The third try is the last: 2.2 is recorded as failed, "gone" stays in failures (it has no
  // StudyInstanceUID to be recorded under) and neither is tried again.
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_TRUE(pacs::watch(o, state, fresh, pacs, &log, hooks).someFailed);
  EXPECT_EQ(state.studies.at("2.2"), "error: memory://pacs: series 2.2.1: HTTP 503 (3 attempts)");
  ASSERT_EQ(state.failures.size(), 1u);
  EXPECT_EQ(state.failures.at("gone").attempts, 3);
  EXPECT_TRUE(std::count(warnings.begin(),
                         warnings.end(),
                         "pacs watch: study 2.2: attempt 3 of 3: memory://pacs: series 2.2.1: "
                         "HTTP 503 (given up)"));
  const std::size_t runs = batch.requests.size();
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  outcome = pacs::watch(o, state, fresh, pacs, &log, hooks);
  EXPECT_FALSE(outcome.someFailed);
  EXPECT_EQ(outcome.analysed, 0u);
  EXPECT_EQ(batch.requests.size(), runs);
  EXPECT_EQ(state.failures.at("gone").attempts, 3);
}

TEST(Watch, ByDateAStudySettlingSinceATimeInTheFutureSettlesFromNow)
{
  // pacs-watch.json from a machine whose clock was ahead (or this clock set back): 2.2 has been
  // settling "since" 100,000 s from now.
  MemoryPacs pacs;
  pacs.series["2.2"] = ctStudy("2.2", 5);
  pacs.studies = { { "2.2", "20260101", 6 } };
  FakeBatch batch;
  pacs::WatchOptions o;
  o.run = roundTripInto(test::makeTempDir("pacs_watch_future"));
  o.follow = "date";
  o.settleSeconds = 10;
  o.exitAfter = 1;
  pipeline::PacsWatchState saved;
  saved.follow = "date";
  saved.pending["2.2"] = { 6, 101000 };
  pipeline::writePacsWatchState(o.run.batch.out + "/pacs-watch.json", saved);
  double clock = 1000;
  int pauses = 0;
  std::vector<std::string> warnings;
  pacs::WatchHooks hooks;
  hooks.runBatch = batch.runner();
  hooks.now = [&] { return clock; };
  hooks.pause = [&](double) { clock += 5, ++pauses; };
  hooks.stopRequested = [&] { return pauses > 20; }; // never settled: stopped by "the user"
  hooks.progress = [&](const pipeline::ProgressEvent& e)
  {
    if (e.level == pipeline::ProgressLevel::Warning)
      warnings.push_back(e.message);
  };
  bool fresh = true;
  pipeline::PacsWatchState state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  ASSERT_FALSE(fresh);
  EXPECT_EQ(pacs::watch(o, state, fresh, pacs, nullptr, hooks).analysed, 1u);
  // Counted from 1000: unchanged at 1005, settled at 1010.
  EXPECT_EQ(pauses, 2);
  EXPECT_EQ(state.studies.at("2.2"), "ok");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "pacs watch: study 2.2: settling since 100000 s from now (the clock set back, or "
            "pacs-watch.json from another machine): counted from now");
}

TEST(Watch, AFailedAnalysisIsRecordedAtOnceAndNotTriedAgain)
{
  // The analysis ran and failed (the worker's error): the same series would fail the same way.
  MemoryPacs pacs;
  pacs.series["1.1"] = ctStudy("1.1", 4);
  MemoryChangeLog log;
  log.changes = { { 5, "StableStudy", "a" } };
  log.uids = { { "a", "1.1" } };
  FakeBatch batch;
  batch.status = "error";
  pacs::WatchOptions o;
  o.run = roundTripInto(test::makeTempDir("pacs_watch_analysis_failed"));
  o.follow = "changes";
  o.once = true;
  o.since = 4;
  pacs::WatchHooks hooks;
  hooks.runBatch = batch.runner();
  bool fresh = false;
  pipeline::PacsWatchState state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_TRUE(pacs::watch(o, state, fresh, pacs, &log, hooks).someFailed);
  EXPECT_EQ(state.studies.at("1.1"), "error: segmentation failed");
  EXPECT_TRUE(state.failures.empty());
  o.since = -1;
  state = pacs::openWatch(o.run.batch.out, o.follow, fresh);
  EXPECT_FALSE(pacs::watch(o, state, fresh, pacs, &log, hooks).someFailed);
  EXPECT_EQ(batch.requests.size(), 1u);
}
