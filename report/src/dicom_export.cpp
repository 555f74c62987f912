/// An analysis as DICOM objects in its CT's study: the SEG's segments from the label and remnant
/// maps, the Encapsulated PDF of report.html, and the export of SEG + SR + PDF together.

#include <liver/report/dicom_export.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/palette.h>
#include <liver/segmentation/liver_labels.h>

#include <dcmtk/config/osconfig.h> // must come first of DCMTK's headers

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmiod/modhelp.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace liver::report
{
namespace
{

namespace fs = std::filesystem;

std::string algorithmOf(model::LabelOrigin origin, const std::string& what)
{
  return origin == model::LabelOrigin::Automatic ? "LiverPlan " + model::toolVersion()
                                                 : what + " imported by LiverPlan";
}

std::string fileOf(const DicomAnalysis& a, const std::string& role)
{
  const auto it = a.result.files.find(role);
  return it == a.result.files.end() ? "" : (fs::path(a.dir) / it->second).string();
}

std::string readBinary(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

std::string lastLine(const std::string& text)
{
  std::string s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  const auto at = s.rfind('\n');
  return at == std::string::npos ? s : s.substr(at + 1);
}

void check(const OFCondition& status, const std::string& what)
{
  if (status.bad())
    throw ProcessingError("DICOM Encapsulated PDF: " + what + ": " + status.text());
}

} // namespace

DicomAnalysis loadDicomAnalysis(const std::string& dir, const model::AnalysisResult& result)
{
  DicomAnalysis a;
  a.dir = dir;
  a.result = result;
  const std::string json = (fs::path(dir) / "result.json").string();
  if (result.ct.load.format.rfind("dicom", 0) != 0)
    throw InputError(json,
                     "ct.load.format is \"" + result.ct.load.format +
                       "\": DICOM SEG/SR/PDF are written into the study of a DICOM CT series");
  const std::string liverPath = fileOf(a, "liver");
  if (liverPath.empty())
    throw InputError(json, "files.liver missing: DICOM output needs the label maps analyze writes");
  a.liver = loadLabels(liverPath);
  a.source =
    findDicomSourceSeries(result.ct.load.source, result.ct.study.seriesInstanceUid, *a.liver);
  return a;
}

std::vector<SegmentToWrite> analysisSegments(const DicomAnalysis& a)
{
  const model::AnalysisResult& result = a.result;
  auto onGrid = [&](const std::string& path)
  { return labelsOnGrid(loadLabels(path), *a.liver, path, false); };

  std::vector<SegmentToWrite> segments;
  segments.push_back({ "Liver",
                       "liver incl. intrahepatic vessels and lesions",
                       codes::anatomicalStructure(),
                       codes::liver(),
                       unitRgb(SliceLiverColour),
                       result.segmentation.liver == model::LabelOrigin::Automatic,
                       algorithmOf(result.segmentation.liver, "liver"),
                       a.liver,
                       0 });
  if (const std::string path = fileOf(a, "lesions"); !path.empty())
  {
    LabelImage::Pointer lesions = onGrid(path);
    for (const model::LesionRecord& lesion : result.volumetry.lesions)
      segments.push_back({ "Lesion " + std::to_string(lesion.id),
                           "",
                           codes::morphologicallyAbnormal(),
                           codes::neoplasm(),
                           unitRgb(LesionLeftColour),
                           result.segmentation.lesions == model::LabelOrigin::Automatic,
                           algorithmOf(result.segmentation.lesions, "lesions"),
                           lesions,
                           static_cast<std::uint16_t>(lesion.id) });
  }
  if (const std::string path = fileOf(a, "segments"); !path.empty())
  {
    LabelImage::Pointer couinaud = onGrid(path);
    // The segment report is the segmentation module's JSON, from result.json: "method" only when
    // it is text (json::value threw type_error on another type).
    const auto given =
      result.segments.is_object() ? result.segments.find("method") : result.segments.end();
    const std::string method = given != result.segments.end() && given->is_string()
                                 ? given->get<std::string>()
                                 : std::string("imported");
    for (int k = 1; k <= 8; ++k)
      segments.push_back({ "Couinaud segment " + std::to_string(k),
                           "method: " + method,
                           codes::anatomicalStructure(),
                           codes::couinaudSegment(k),
                           unitRgb(CouinaudColours[static_cast<std::size_t>(k)]),
                           result.segmentation.segments != model::LabelOrigin::Imported,
                           algorithmOf(result.segmentation.segments, "Couinaud segments"),
                           couinaud,
                           static_cast<std::uint16_t>(k) });
  }
  for (std::size_t i = 0; i < result.plans.size(); ++i)
  {
    const model::PlanRecord& plan = result.plans[i];
    if (plan.remnantFile.empty())
      continue;
    LabelImage::Pointer map = onGrid((fs::path(a.dir) / plan.remnantFile).string());
    const std::string prefix = "Plan " + std::to_string(i + 1) + " ";
    const struct
    {
      const char* part;
      Rgb colour;
      std::uint16_t value;
    } parts[] = { { "remnant", RemnantColour, 1 },
                  { "resected", ResectedColour, 2 },
                  { "ablation zone", AblationColour, 3 } };
    for (const auto& p : parts)
      segments.push_back({ prefix + p.part,
                           plan.result.name + ": " + p.part,
                           codes::anatomicalStructure(),
                           codes::liver(),
                           unitRgb(p.colour),
                           true,
                           "LiverPlan " + model::toolVersion() + " plan",
                           map,
                           p.value });
  }
  return segments;
}

std::string writeAnalysisSeg(const DicomAnalysis& a, const std::string& path)
{
  DicomSegWriteOptions options;
  options.softwareVersion = model::toolVersion();
  options.sliceThicknessMm = a.result.ct.study.sliceThicknessMm;
  return writeDicomSegmentation(analysisSegments(a), a.source, *a.liver, path, options);
}

std::string findChromium()
{
  if (const char* env = std::getenv("LIVERPLAN_CHROMIUM"); env && *env)
    return ::access(env, X_OK) == 0 ? env : "";
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/bin:/bin";
  for (const char* name : { "chromium", "chromium-browser", "google-chrome" })
  {
    std::size_t start = 0;
    while (start <= dirs.size())
    {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      const std::string candidate = dirs.substr(start, end - start) + "/" + name;
      if (end > start && ::access(candidate.c_str(), X_OK) == 0)
        return candidate;
      start = end + 1;
    }
  }
  return "";
}

void printHtmlToPdf(const std::string& chromium,
                    const std::string& htmlPath,
                    const std::string& pdfPath)
{
  std::error_code ec;
  const fs::path profile =
    fs::temp_directory_path(ec) /
    ("liverplan-chromium-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr)));
  fs::create_directories(profile, ec);
  const std::string log = (profile / "stderr.txt").string();
  const std::string url = "file://" + fs::absolute(htmlPath, ec).string();
  std::vector<std::string> args = { chromium,
                                    "--headless",
                                    "--no-sandbox",
                                    "--disable-gpu",
                                    "--no-first-run",
                                    "--disable-background-networking",
                                    "--disable-component-update",
                                    "--disable-sync",
                                    "--no-pdf-header-footer",
                                    "--user-data-dir=" + (profile / "profile").string(),
                                    "--print-to-pdf=" + pdfPath,
                                    url };
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, chromium.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
  {
    fs::remove_all(profile, ec);
    throw ProcessingError(chromium + ": cannot start: " + std::strerror(spawned));
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  bool timedOut = false;
  while (::waitpid(pid, &status, WNOHANG) == 0)
  {
    if (std::chrono::steady_clock::now() > deadline)
    {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      timedOut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string err = lastLine(readBinary(log));
  fs::remove_all(profile, ec);
  const bool ok = !timedOut && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok || readBinary(pdfPath).rfind("%PDF-", 0) != 0)
    throw ProcessingError(chromium + " did not print " + htmlPath + " to PDF" +
                          (timedOut ? " within 180 s" : "") + (err.empty() ? "" : ": " + err));
}

std::string writeEncapsulatedPdf(const DicomAnalysis& a,
                                 const std::string& pdfPath,
                                 const std::string& path,
                                 const DicomSeriesOptions& options)
{
  std::string pdf = readBinary(pdfPath);
  if (pdf.rfind("%PDF-", 0) != 0)
    throw InputError(pdfPath, "not a PDF (no %PDF- signature)");
  DcmFileFormat source;
  if (source.loadFile(a.source.firstFile.c_str(), EXS_Unknown, EGL_noChange, 256).bad())
    throw InputError(a.source.firstFile, "the CT's DICOM file cannot be read any more");
  DcmDataset& src = *source.getDataset();
  DcmFileFormat out;
  DcmDataset& ds = *out.getDataset();
  DcmModuleHelpers::copyPatientModule(src, ds);
  DcmModuleHelpers::copyPatientStudyModule(src, ds);
  DcmModuleHelpers::copyGeneralStudyModule(src, ds);
  OFString charset; // copied only with a value: an empty Type 1C attribute is an error
  if (src.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good() && !charset.empty())
    ds.putAndInsertOFStringArray(DCM_SpecificCharacterSet, charset);

  char uid[100];
  const std::string sopInstanceUid = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
  char date[16], time[16];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%Y%m%d", &tm);
  std::strftime(time, sizeof time, "%H%M%S", &tm);
  const std::string title =
    "LiverPlan report: " + dicomText(a.result.ct.study.seriesDescription, 40);
  const struct
  {
    DcmTagKey tag;
    std::string value;
  } values[] = {
    { DCM_SOPClassUID, UID_EncapsulatedPDFStorage },
    { DCM_SOPInstanceUID, sopInstanceUid },
    { DCM_Modality, "DOC" },
    { DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT) },
    { DCM_SeriesNumber, options.seriesNumber },
    { DCM_SeriesDescription, dicomText(options.seriesDescription, 64) },
    { DCM_Manufacturer, "LiverPlan" },
    { DCM_ManufacturerModelName, "liverplan" },
    { DCM_SoftwareVersions, dicomText(model::toolVersion(), 64) },
    { DCM_ConversionType, "WSD" },
    { DCM_InstanceNumber, "1" },
    { DCM_ContentDate, date },
    { DCM_ContentTime, time },
    { DCM_AcquisitionDateTime, std::string(date) + time },
    { DCM_BurnedInAnnotation, "YES" }, // the report names the patient and study
    { DCM_DocumentTitle, dicomText(title, 64) },
    { DCM_MIMETypeOfEncapsulatedDocument, "application/pdf" },
  };
  for (const auto& v : values)
    check(ds.putAndInsertString(v.tag, v.value.c_str()), DcmTag(v.tag).getTagName());
  check(ds.insertEmptyElement(DCM_ConceptNameCodeSequence), "ConceptNameCodeSequence");
  // The CT series it was made from.
  DcmItem* reference = nullptr;
  check(ds.findOrCreateSequenceItem(DCM_SourceInstanceSequence, reference, -2),
        "SourceInstanceSequence");
  check(reference->putAndInsertString(DCM_ReferencedSOPClassUID, a.source.sopClassUids[0].c_str()),
        "ReferencedSOPClassUID");
  check(reference->putAndInsertString(DCM_ReferencedSOPInstanceUID,
                                      a.source.sopInstanceUids[0].c_str()),
        "ReferencedSOPInstanceUID");
  check(ds.putAndInsertUint32(DCM_EncapsulatedDocumentLength, static_cast<Uint32>(pdf.size())),
        "EncapsulatedDocumentLength");
  if (pdf.size() % 2 != 0)
    pdf.push_back('\0'); // OB values have an even length
  check(ds.putAndInsertUint8Array(DCM_EncapsulatedDocument,
                                  reinterpret_cast<const Uint8*>(pdf.data()),
                                  static_cast<unsigned long>(pdf.size())),
        "EncapsulatedDocument");
  writeFileAtomically(path,
                      [&](const std::string& temporary)
                      {
                        if (out.saveFile(temporary.c_str(), EXS_LittleEndianExplicit).bad())
                          throw OutputError(path + ": DCMTK could not write the file");
                      });
  return sopInstanceUid;
}

DicomExportResult exportAnalysisDicom(const std::string& dir,
                                      const std::string& outDir,
                                      const DicomExportOptions& options)
{
  const DicomAnalysis analysis = loadDicomAnalysis(dir, model::readResult(dir));
  DicomExportResult r;
  r.studyInstanceUid = analysis.source.studyInstanceUid;
  r.segPath = (fs::path(outDir) / "seg.dcm").string();
  r.srPath = (fs::path(outDir) / "sr.dcm").string();
  r.segUid = writeAnalysisSeg(analysis, r.segPath);
  r.srUid = writeMeasurementReport(analysis, readSegReference(r.segPath), r.srPath);

  const std::string html = (fs::path(dir) / "report.html").string();
  std::error_code ec;
  const std::string chromium = options.chromium.empty() ? findChromium() : options.chromium;
  if (!options.pdf)
    r.pdfSkipped = "PDF not asked for";
  else if (!fs::is_regular_file(html, ec))
    r.pdfSkipped = "no report.html in " + dir;
  else if (chromium.empty())
    r.pdfSkipped = "no Chromium found (chromium on PATH or $LIVERPLAN_CHROMIUM) to print "
                   "report.html";
  if (!r.pdfSkipped.empty())
    return r;
  const std::string pdf = (fs::path(outDir) / "report.pdf").string();
  fs::create_directories(outDir, ec);
  const std::string printing = pdf + ".printing";
  try
  {
    printHtmlToPdf(chromium, html, printing);
  }
  catch (...)
  {
    fs::remove(printing, ec);
    throw;
  }
  fs::rename(printing, pdf, ec);
  if (ec)
    throw OutputError(pdf + ": " + ec.message());
  r.pdfPath = (fs::path(outDir) / "report-pdf.dcm").string();
  r.pdfUid = writeEncapsulatedPdf(analysis, pdf, r.pdfPath);
  return r;
}

} // namespace liver::report
