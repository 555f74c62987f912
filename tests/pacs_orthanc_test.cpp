/// The PACS round trip against a real Orthanc (Debian orthanc + orthanc-dicomweb) on 127.0.0.1
/// with a temporary configuration and storage under the build folder: a phantom study uploaded,
/// `liverplan pacs run` pulls it over DICOMweb, analyses it and stores SEG, SR and PDF back;
/// `liverplan pacs watch` analyses a second study that arrives while it watches; `pacs run` over
/// DIMSE (Orthanc's DICOM port: C-FIND, C-GET, C-STORE) does the same round trip. Asserted in
/// Orthanc: the objects are in the right study, the SR's FLR equals result.json's, the SEG's
/// liver voxels equal the label map's. Exit code 77 (skipped) when Orthanc is not installed.

#include "test_support.h"

#include <liver/imaging/io.h>
#include <liver/pacs/date_poll.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pacs/dimse.h>
#include <liver/pacs/study_seg.h>
#include <liver/report/dicom_export.h>
#include <liver/segmentation/dicom_seg.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace liver;
namespace fs = std::filesystem;

namespace
{

const char* const OrthancBinary = "/usr/sbin/Orthanc";
const char* const DicomWebPlugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
const char* const User = "liverplan";
const char* const Password = "round-trip-test";

std::string g_work;                          ///< under the build folder
std::string g_orthanc;                       ///< http://127.0.0.1:PORT
std::string g_dimse;                         ///< dicom://ORTHANCTEST@127.0.0.1:PORT
const char* const OurAet = "LIVERPLAN-TEST"; ///< registered in Orthanc as a modality
pid_t g_orthancPid = 0;

std::string readBytes(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

int freePort()
{
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  close(s);
  return ntohs(address.sin_port);
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log)
{
  const pid_t pid = fork();
  if (pid == 0)
  {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(args[0].c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

pacs::HttpClient client()
{
  return pacs::HttpClient({ User, Password, "" }, {}, 120);
}

/// Start Orthanc with a fresh configuration and storage; false when it does not answer in 60 s.
bool startOrthanc()
{
  g_work = std::string(LIVERPLAN_PACS_WORK_DIR);
  fs::remove_all(g_work);
  fs::create_directories(g_work);
  const int port = freePort();
  g_orthanc = "http://127.0.0.1:" + std::to_string(port);
  int dicomPort = freePort();
  while (dicomPort == port)
    dicomPort = freePort();
  g_dimse = "dicom://ORTHANCTEST@127.0.0.1:" + std::to_string(dicomPort);
  const nlohmann::json config = {
    { "Name", "LiverPlanTest" },
    { "StorageDirectory", g_work + "/storage" },
    { "IndexDirectory", g_work + "/index" },
    { "HttpPort", port },
    { "DicomServerEnabled", true },
    { "DicomAet", "ORTHANCTEST" },
    { "DicomPort", dicomPort },
    { "DicomCheckCalledAet", true },
    // LiverPlan known to the PACS by its AE title, as a hospital registers it; C-GET needs no
    // port of ours (the images come back on LiverPlan's own association).
    { "DicomModalities",
      { { "liverplan",
          { { "AET", OurAet },
            { "Host", "127.0.0.1" },
            { "Port", 104 },
            { "AllowFind", true },
            { "AllowGet", true },
            { "AllowStore", true } } } } },
    { "RemoteAccessAllowed", false },
    { "AuthenticationEnabled", true },
    { "RegisteredUsers", { { User, Password } } },
    { "Plugins", { DicomWebPlugin } },
    { "StableAge", 1 },
    { "SaveJobs", false },
    { "DicomWeb", { { "Enable", true }, { "Root", "/dicom-web/" } } },
  };
  std::ofstream(g_work + "/orthanc.json") << config.dump(2);
  g_orthancPid = spawn({ OrthancBinary, g_work + "/orthanc.json" }, g_work + "/orthanc.log");
  const pacs::HttpClient http = client();
  for (int k = 0; k < 600; ++k)
  {
    try
    {
      if (http.get(g_orthanc + "/system", "application/json").status == 200)
        return true;
    }
    catch (const std::exception&)
    {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void stopOrthanc()
{
  if (g_orthancPid > 0)
  {
    kill(g_orthancPid, SIGTERM);
    int status = 0;
    waitpid(g_orthancPid, &status, 0);
  }
}

/// Upload every file of a folder through Orthanc's REST API.
void upload(const std::string& folder)
{
  const pacs::HttpClient http = client();
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file())
      http.post(g_orthanc + "/instances",
                "application/dicom",
                readBytes(e.path().string()),
                "application/json");
}

/// Wait until Orthanc calls every study stable (no StableStudy change still to come).
void waitUntilStable()
{
  const pacs::HttpClient http = client();
  for (int k = 0; k < 600; ++k)
  {
    const nlohmann::json studies =
      nlohmann::json::parse(http.get(g_orthanc + "/studies?expand", "application/json").body);
    bool stable = true;
    for (const nlohmann::json& study : studies)
      stable = stable && study.value("IsStable", false);
    if (stable)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "Orthanc's studies did not become stable";
}

std::string credentialsFile()
{
  const std::string path = g_work + "/credentials.json";
  std::ofstream(path) << nlohmann::json{ { "username", User }, { "password", Password } }.dump();
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return path;
}

/// The phantom study of `seed` as a DICOM series; returns its folder.
std::string phantomStudy(int seed)
{
  return test::writePhantomFolder("pacs-phantom-" + std::to_string(seed),
                                  { "--spacing", "4", "--seed", std::to_string(seed), "--dicom" });
}

std::string studyUidOf(const std::string& phantomDir)
{
  for (const auto& e : fs::directory_iterator(phantomDir + "/dicom"))
  {
    DcmFileFormat ff;
    OFString uid;
    if (ff.loadFile(e.path().c_str()).good() &&
        ff.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, uid).good())
      return uid.c_str();
  }
  return "";
}

/// Today's date (local), as a watch by date sees it.
std::string today()
{
  const std::string range = pacs::recentDateRange(std::time(nullptr), 1);
  return range.substr(0, range.find('-'));
}

/// Every DICOM file of `dicomDir` given StudyDate `date` (a study acquired that day).
void setStudyDate(const std::string& dicomDir, const std::string& date)
{
  for (const auto& e : fs::directory_iterator(dicomDir))
  {
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(e.path().c_str()).good()) << e.path();
    ff.loadAllDataIntoMemory(); // saved over the file it was read from
    ff.getDataset()->putAndInsertOFStringArray(DCM_StudyDate, date.c_str());
    ASSERT_TRUE(ff.saveFile(e.path().c_str()).good()) << e.path();
  }
}

/// Wait up to 10 min for `pid` to end: its exit code, -1 (and killed) when it did not.
int waitFor(pid_t pid)
{
  int status = -1;
  for (int k = 0; k < 6000 && waitpid(pid, &status, WNOHANG) == 0; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!WIFEXITED(status))
  {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  }
  return WEXITSTATUS(status);
}

/// A DICOM SEG of the phantom's ground-truth liver as another tool stores it in the study (its own
/// series, Manufacturer "TotalSegmentator"), in a folder of its own; returns the file.
std::string foreignLiverSeg(const std::string& phantomDir)
{
  const CtVolume ct = loadCt(phantomDir + "/dicom");
  SegmentToWrite segment;
  segment.label = "liver";
  segment.category = codes::anatomicalStructure();
  segment.type = codes::liver();
  segment.algorithmName = "TotalSegmentator";
  segment.map = loadLabels(phantomDir + "/liver.nii.gz");
  DicomSegWriteOptions options;
  options.seriesDescription = "TotalSegmentator";
  options.contentLabel = "TOTALSEG";
  options.seriesNumber = "42";
  fs::create_directories(phantomDir + "/totalseg");
  const std::string path = phantomDir + "/totalseg/seg.dcm";
  writeDicomSegmentation(
    { segment },
    findDicomSourceSeries(phantomDir + "/dicom", ct.study.seriesInstanceUid, *ct.image),
    *ct.image,
    path,
    options);
  DcmFileFormat ff;
  EXPECT_TRUE(ff.loadFile(path.c_str()).good());
  ff.loadAllDataIntoMemory(); // saved over the file it was read from
  ff.getDataset()->putAndInsertOFStringArray(DCM_Manufacturer, "TotalSegmentator");
  EXPECT_TRUE(ff.saveFile(path.c_str()).good());
  return path;
}

/// The clinical CSV for the studies (height and weight: sFLR).
std::string clinicalCsv(const std::vector<std::string>& studies)
{
  const std::string path = g_work + "/clinical.csv";
  std::ofstream out(path);
  out << "StudyInstanceUID,heightCm,weightKg\n";
  for (const std::string& uid : studies)
    out << uid << ",175,80\n";
  return path;
}

/// Every instance of study `uid` in Orthanc, by modality ("SEG" LiverPlan's, "SEG by X" another
/// tool's): file bytes, downloaded to g_work.
std::map<std::string, std::vector<std::string>> instancesByModality(const std::string& uid)
{
  const pacs::HttpClient http = client();
  const nlohmann::json found =
    nlohmann::json::parse(http
                            .post(g_orthanc + "/tools/find",
                                  "application/json",
                                  nlohmann::json{ { "Level", "Instance" },
                                                  { "Query", { { "StudyInstanceUID", uid } } },
                                                  { "Expand", true } }
                                    .dump(),
                                  "application/json")
                            .body);
  std::map<std::string, std::vector<std::string>> files;
  for (const nlohmann::json& instance : found)
  {
    const std::string id = instance.at("ID").get<std::string>();
    const nlohmann::json series = nlohmann::json::parse(
      http.get(g_orthanc + "/instances/" + id + "/series", "application/json").body);
    std::string modality = series.at("MainDicomTags").value("Modality", std::string());
    const std::string path = g_work + "/download-" + id + ".dcm";
    std::ofstream(path, std::ios::binary)
      << http.get(g_orthanc + "/instances/" + id + "/file", "application/dicom").body;
    DcmFileFormat ff;
    OFString manufacturer;
    if (modality == "SEG" && ff.loadFile(path.c_str()).good() &&
        ff.getDataset()->findAndGetOFString(DCM_Manufacturer, manufacturer).good() &&
        manufacturer != "LiverPlan")
      modality = "SEG by " + std::string(manufacturer.c_str());
    files[modality].push_back(path);
  }
  return files;
}

std::uint64_t nonZero(const LabelImage& image)
{
  std::uint64_t n = 0;
  const std::uint16_t* p = image.GetBufferPointer();
  for (std::size_t i = 0, size = image.GetLargestPossibleRegion().GetNumberOfPixels(); i < size;
       ++i)
    n += p[i] != 0;
  return n;
}

/// In Orthanc: one SEG, one SR (and one PDF with Chromium) in study `uid`; the SR's FLR % of every
/// plan equals result.json's, the SEG's liver voxels equal the label map's.
void expectRoundTrip(const std::string& uid, const std::string& studyDir)
{
  SCOPED_TRACE(uid);
  const auto files = instancesByModality(uid);
  ASSERT_EQ(files.count("CT"), 1u);
  ASSERT_EQ(files.count("SEG"), 1u);
  ASSERT_EQ(files.count("SR"), 1u);
  EXPECT_EQ(files.at("SEG").size(), 1u);
  EXPECT_EQ(files.at("SR").size(), 1u);
  if (!report::findChromium().empty())
  {
    ASSERT_EQ(files.count("DOC"), 1u);
    EXPECT_EQ(readBytes(files.at("DOC")[0]).find("%PDF-") != std::string::npos, true);
  }

  const nlohmann::json result = test::readJson(studyDir + "/result.json");
  EXPECT_EQ(result["ct"]["study"]["studyInstanceUid"], uid);
  const report::MeasurementReportContent sr = report::readMeasurementReport(files.at("SR")[0]);
  EXPECT_EQ(sr.studyInstanceUid, uid);
  const nlohmann::json& plans = result["plans"];
  ASSERT_GT(plans.size(), 0u);
  for (std::size_t k = 0; k < plans.size(); ++k)
  {
    const report::SrMeasurementGroup* g = sr.group("Plan " + std::to_string(k + 1) + " remnant");
    ASSERT_NE(g, nullptr) << k;
    const report::SrMeasurement* flr = g->find("FLR-PCT");
    ASSERT_NE(flr, nullptr) << k;
    const double expected = plans[k]["result"]["flrPercent"].get<double>();
    EXPECT_NEAR(flr->value, expected, 1e-12 * std::max(1.0, expected)) << k;
    ASSERT_NE(g->find("SFLR-PCT"), nullptr) << "clinical CSV's height and weight not used";
  }

  const DicomSegmentation seg = readDicomSegmentation(files.at("SEG")[0]);
  const LabelImage::Pointer liver = loadLabels(studyDir + "/liver.nii.gz");
  bool found = false;
  for (const DicomSegSegment& s : seg.segments)
    if (s.label == "Liver")
    {
      found = true;
      EXPECT_EQ(s.voxels, nonZero(*liver));
      EXPECT_GT(s.voxels, 1000u);
    }
  EXPECT_TRUE(found);
}

/// `pacs SUBCOMMAND`, the `connection` options, --out `out`, then `extra`.
std::vector<std::string> commandArgs(const std::string& subcommand,
                                     const std::vector<std::string>& connection,
                                     const std::string& out,
                                     const std::vector<std::string>& extra)
{
  std::vector<std::string> args = { "pacs", subcommand };
  args.insert(args.end(), connection.begin(), connection.end());
  args.insert(args.end(), { "--out", out });
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// `pacs SUBCOMMAND` against the test's Orthanc over DICOMweb with its credentials.
std::vector<std::string> pacsArgs(const std::string& subcommand,
                                  const std::string& out,
                                  const std::vector<std::string>& extra)
{
  return commandArgs(subcommand,
                     { "--server", g_orthanc + "/dicom-web", "--credentials", credentialsFile() },
                     out,
                     extra);
}

/// `pacs SUBCOMMAND` against the test's Orthanc over DIMSE as AE title `aet`.
std::vector<std::string> dimseArgs(const std::string& subcommand,
                                   const std::string& out,
                                   const std::vector<std::string>& extra,
                                   const std::string& aet = OurAet)
{
  return commandArgs(subcommand, { "--server", g_dimse, "--aet", aet }, out, extra);
}

std::string studyDirOf(const std::string& out, const std::string& uid)
{
  return out + "/" + uid;
}

} // namespace

/// `pacs run` of the phantom study of `seed`, uploaded first, through `connection` (--server and
/// its options) into `out`: done, the pulled images not kept, the round trip found in Orthanc.
void expectPacsRun(int seed, const std::string& out, const std::vector<std::string>& connection)
{
  const std::string phantom = phantomStudy(seed);
  const std::string uid = studyUidOf(phantom);
  ASSERT_FALSE(uid.empty());
  upload(phantom + "/dicom");
  std::vector<std::string> args = { "pacs", "run", "--out", out, "--study", uid };
  args.insert(args.end(), connection.begin(), connection.end());
  for (const char* a : { "--plan", "right-hemihepatectomy", "--auto-segments", "--clinical-csv" })
    args.push_back(a);
  args.push_back(clinicalCsv({ uid }));
  const test::CommandResult r = test::runLiverplan(args);
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_TRUE(test::contains(r.out, "stored 3 object(s)") ||
              (report::findChromium().empty() && test::contains(r.out, "stored 2 object(s)")))
    << r.out;
  EXPECT_FALSE(fs::exists(out + "/.pacs/" + uid)); // the pulled images are not kept
  expectRoundTrip(uid, studyDirOf(out, uid));
}

/// Start the watch `watch` (`pacs watch` and its options, into `out`) polling every 0.5 s, planning
/// with the clinical CSV `csv` and stopping after one study, wait until it has written its state
/// (it has said where it starts), upload the phantom study `phantom` (StudyInstanceUID `uid`),
/// wait for the watch to end with exit 0 and find the study's round trip in Orthanc; `state` is
/// the watch's state file then.
void watchWhileAStudyArrives(std::vector<std::string> args,
                             const std::string& csv,
                             const std::string& out,
                             const std::string& phantom,
                             const std::string& uid,
                             nlohmann::json& state)
{
  args.insert(args.begin(), LIVERPLAN_BINARY);
  for (const std::string& a : { std::string("--interval"),
                                std::string("0.5"),
                                std::string("--exit-after"),
                                std::string("1"),
                                std::string("--plan"),
                                std::string("right-hemihepatectomy"),
                                std::string("--auto-segments"),
                                std::string("--clinical-csv"),
                                csv })
    args.push_back(a);
  const std::string log = out + ".log";
  const pid_t watch = spawn(args, log);
  for (int k = 0; k < 300 && !fs::exists(out + "/pacs-watch.json"); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(out + "/pacs-watch.json")) << readBytes(log);
  upload(phantom + "/dicom");
  ASSERT_EQ(waitFor(watch), 0) << readBytes(log);
  expectRoundTrip(uid, studyDirOf(out, uid));
  state = test::readJson(out + "/pacs-watch.json");
}

TEST(PacsOrthanc, RunPullsAnalysesAndStoresBackIntoTheStudy)
{
  expectPacsRun(3,
                g_work + "/run",
                { "--server", g_orthanc + "/dicom-web", "--credentials", credentialsFile() });
}

TEST(PacsOrthanc, RunOverDimseFindsGetsAndStoresBackIntoTheStudy)
{
  expectPacsRun(7, g_work + "/dimse", { "--server", g_dimse, "--aet", OurAet });
}

TEST(PacsOrthanc, DimseRefusalsAreOneLineErrors)
{
  // An AE title Orthanc does not know: refused, the message names the AE title to register.
  const test::CommandResult stranger = test::runLiverplan(
    dimseArgs("run", g_work + "/stranger", { "--study", "1.2.3.4" }, "STRANGER"));
  EXPECT_EQ(stranger.exitCode, test::ExitProcessing) << stranger.err;
  EXPECT_TRUE(test::contains(stranger.err, g_dimse + ": C-FIND")) << stranger.err;
  EXPECT_TRUE(test::contains(stranger.err, "AE title STRANGER")) << stranger.err;
  // A study Orthanc does not have.
  const test::CommandResult unknown =
    test::runLiverplan(dimseArgs("run", g_work + "/dimse-unknown", { "--study", "1.2.3.4.5.6" }));
  test::expectOneLineError(unknown, test::ExitBadInput, "1.2.3.4.5.6");
  // Nobody listening.
  const test::CommandResult closed = test::runLiverplan(
    commandArgs("run",
                { "--server", "dicom://NOBODY@127.0.0.1:" + std::to_string(freePort()) },
                g_work + "/closed",
                { "--study", "1.2.3.4" }));
  EXPECT_EQ(closed.exitCode, test::ExitProcessing) << closed.err;
  EXPECT_TRUE(test::contains(closed.err, "Connection refused")) << closed.err;
  // A password means nothing to DIMSE: refused rather than ignored.
  const test::CommandResult password =
    test::runLiverplan(commandArgs("run",
                                   { "--server", g_dimse, "--credentials", credentialsFile() },
                                   g_work + "/password",
                                   { "--study", "1.2.3.4" }));
  test::expectOneLineError(password, test::ExitBadInput, "AE title");
}

TEST(PacsOrthanc, BadCredentialsAndAnUnknownStudyAreRefused)
{
  const std::string wrong = g_work + "/wrong.json";
  std::ofstream(wrong) << R"({"username": "liverplan", "password": "nope"})";
  const test::CommandResult denied = test::runLiverplan({ "pacs",
                                                          "run",
                                                          "--server",
                                                          g_orthanc + "/dicom-web",
                                                          "--study",
                                                          "1.2.3",
                                                          "--credentials",
                                                          wrong,
                                                          "--out",
                                                          g_work + "/denied" });
  EXPECT_EQ(denied.exitCode, test::ExitProcessing) << denied.err;
  EXPECT_TRUE(test::contains(denied.err, "HTTP 401")) << denied.err;
  EXPECT_FALSE(test::contains(denied.err, "nope")) << denied.err;

  const test::CommandResult unknown =
    test::runLiverplan(pacsArgs("run", g_work + "/unknown", { "--study", "1.2.3.4.5.6" }));
  test::expectOneLineError(unknown, test::ExitBadInput, "1.2.3.4.5.6");

  const test::CommandResult notUid =
    test::runLiverplan(pacsArgs("run", g_work + "/bad", { "--study", "../etc" }));
  test::expectOneLineError(notUid, test::ExitBadInput, "not a DICOM UID");
}

TEST(PacsOrthanc, WatchAnalysesAStudyArrivingWhileItWatchesAndResumes)
{
  const std::string phantom = phantomStudy(5);
  const std::string uid = studyUidOf(phantom);
  ASSERT_FALSE(uid.empty());
  const std::string out = g_work + "/watch";
  const std::string csv = clinicalCsv({ uid });
  waitUntilStable(); // the earlier tests' studies: their StableStudy changes come before the watch
  nlohmann::json state;
  watchWhileAStudyArrives(pacsArgs("watch", out, {}), csv, out, phantom, uid, state);
  if (HasFatalFailure())
    return;
  EXPECT_EQ(state["studies"][uid], "ok") << state.dump();
  // The study from the run test was there before the watch started: left alone.
  EXPECT_EQ(state["studies"].size(), 1u) << state.dump();

  // Resumed: the changes our own SEG/SR/PDF caused are read, nothing is analysed again.
  waitUntilStable();
  const test::CommandResult again = test::runLiverplan(
    pacsArgs("watch", out, { "--once", "--plan", "right-hemihepatectomy", "--auto-segments" }));
  EXPECT_EQ(again.exitCode, 0) << again.err;
  EXPECT_FALSE(test::contains(again.err, "new study")) << again.err;
  EXPECT_EQ(instancesByModality(uid).at("SR").size(), 1u);
  EXPECT_GT(test::readJson(out + "/pacs-watch.json")["since"].get<long long>(),
            state["since"].get<long long>());
}

TEST(PacsOrthanc, WatchByStudyDateOverDimseAnalysesANewStudyOnceSettled)
{
  // Two studies of today: one in the PACS before the watch starts (left alone), one arriving.
  const std::string before = phantomStudy(11);
  const std::string arriving = phantomStudy(9);
  setStudyDate(before + "/dicom", today());
  setStudyDate(arriving + "/dicom", today());
  const std::string beforeUid = studyUidOf(before);
  const std::string uid = studyUidOf(arriving);
  upload(before + "/dicom");

  // Both protocols list today's CT studies alike (the older phantoms' 20260101 is not today).
  const std::string range = pacs::recentDateRange(std::time(nullptr), 1);
  const pacs::HttpClient http = client();
  const auto uids = [](const std::vector<pacs::FoundStudy>& studies)
  {
    std::map<std::string, int> m;
    for (const pacs::FoundStudy& s : studies)
      m[s.studyInstanceUid] = s.instances;
    return m;
  };
  const auto byQido =
    uids(pacs::dicomWebServer(g_orthanc + "/dicom-web", http)->findStudies(range, "CT"));
  const auto byCFind = uids(pacs::dimseServer(g_dimse, { OurAet, 60 })->findStudies(range, "CT"));
  ASSERT_EQ(byQido.size(), 1u);
  EXPECT_EQ(byQido.count(beforeUid), 1u);
  EXPECT_GT(byQido.at(beforeUid), 10);
  EXPECT_EQ(byCFind, byQido);

  const std::string out = g_work + "/watch-date";
  nlohmann::json state;
  watchWhileAStudyArrives(dimseArgs("watch", out, { "--settle", "2" }),
                          clinicalCsv({ uid, beforeUid }),
                          out,
                          arriving,
                          uid,
                          state);
  if (HasFatalFailure())
    return;
  EXPECT_EQ(state["follow"], "date") << state.dump();
  EXPECT_EQ(state["studies"][uid], "ok") << state.dump();
  EXPECT_EQ(state["studies"][beforeUid], "skipped: in the PACS when the watch started")
    << state.dump();
  EXPECT_EQ(instancesByModality(beforeUid).count("SEG"), 0u);

  // Resumed (as cron would, --once): both studies are decided, nothing is analysed again.
  const test::CommandResult again =
    test::runLiverplan(dimseArgs("watch", out, { "--once", "--settle", "0" }));
  EXPECT_EQ(again.exitCode, 0) << again.err;
  EXPECT_FALSE(test::contains(again.err, "new study")) << again.err;
  EXPECT_EQ(instancesByModality(uid).at("SR").size(), 1u);
  // The state of a watch by date is not one of the change log's.
  const test::CommandResult other =
    test::runLiverplan(pacsArgs("watch", out, { "--once", "--follow", "changes" }));
  test::expectOneLineError(other, test::ExitBadInput, "pacs-watch.json: follow");
}

TEST(PacsOrthanc, RunTakesTheLiverFromTheStudysOwnSegWhenAsked)
{
  const std::string phantom = phantomStudy(13);
  const std::string uid = studyUidOf(phantom);
  ASSERT_FALSE(uid.empty());
  const std::string foreign = foreignLiverSeg(phantom);
  upload(phantom + "/dicom");
  upload(phantom + "/totalseg");
  const std::string out = g_work + "/study-seg";
  const test::CommandResult r = test::runLiverplan(pacsArgs("run",
                                                            out,
                                                            { "--study",
                                                              uid,
                                                              "--use-study-seg",
                                                              "--plan",
                                                              "right-hemihepatectomy",
                                                              "--auto-segments",
                                                              "--clinical-csv",
                                                              clinicalCsv({ uid }) }));
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_TRUE(test::contains(r.err, "the liver from the study's DICOM SEG series")) << r.err;
  const std::string dir = studyDirOf(out, uid);
  expectRoundTrip(uid, dir);

  // result.json says where the liver came from: the SEG as retrieved (kept), its SHA-256.
  const nlohmann::json result = test::readJson(dir + "/result.json");
  EXPECT_EQ(result["segmentation"]["liver"], "imported") << result["segmentation"].dump();
  const nlohmann::json& source = result["labels"]["sources"][0];
  EXPECT_EQ(source["role"], "liver") << source.dump();
  EXPECT_EQ(source["format"], "dicom-seg") << source.dump();
  const std::string used = source["path"].get<std::string>();
  EXPECT_TRUE(test::contains(used, ".pacs/seg/" + uid + "/")) << used;
  EXPECT_EQ(readBytes(used), readBytes(foreign));
  bool hashed = false;
  for (const nlohmann::json& input : result["inputFiles"])
    hashed =
      hashed || (input["role"] == "liver" && input["path"] == used && input["sha256"].is_string());
  EXPECT_TRUE(hashed) << result["inputFiles"].dump();
  // The analysis measured the SEG's liver, voxel for voxel the ground truth it was made of.
  EXPECT_EQ(nonZero(*loadLabels(dir + "/liver.nii.gz")),
            nonZero(*loadLabels(phantom + "/liver.nii.gz")));
  const auto files = instancesByModality(uid);
  ASSERT_EQ(files.count("SEG by TotalSegmentator"), 1u);

  // LiverPlan's own SEG, now in the study too, is never taken for the study's own.
  std::vector<std::string> notes;
  const auto chosen = pacs::studyLiverSegmentation({ files.at("SEG")[0], foreign }, notes);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->file, foreign);
  EXPECT_EQ(chosen->manufacturer, "TotalSegmentator");
  EXPECT_EQ(chosen->liverSegment, "liver");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(test::contains(notes[0], "LiverPlan's own SEG")) << notes[0];
  EXPECT_FALSE(pacs::studyLiverSegmentation({ files.at("SEG")[0] }, notes).has_value());
}

int main(int argc, char** argv)
{
  ::testing::InitGoogleTest(&argc, argv);
  if (!fs::exists(OrthancBinary) || !fs::exists(DicomWebPlugin))
  {
    std::printf("Orthanc (%s) or its DICOMweb plugin (%s) not installed: skipped "
                "(scripts/bootstrap installs orthanc and orthanc-dicomweb)\n",
                OrthancBinary,
                DicomWebPlugin);
    return 77;
  }
  if (!startOrthanc())
  {
    std::printf("Orthanc did not start:\n%s\n", readBytes(g_work + "/orthanc.log").c_str());
    stopOrthanc();
    return 1;
  }
  const int code = RUN_ALL_TESTS();
  stopOrthanc();
  return code;
}
