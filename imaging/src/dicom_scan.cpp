/// DICOM discovery with GDCM's scanner: only the header tags needed are read.

#include "dicom_stream.h"

#include <liver/imaging/dicom.h>
#include <liver/imaging/errors.h>

#include <gdcmDirectory.h>
#include <gdcmReader.h>
#include <gdcmScanner.h>
#include <gdcmStringFilter.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

const gdcm::Tag TagSopClass(0x0008, 0x0016);
const gdcm::Tag TagSopInstance(0x0008, 0x0018);
const gdcm::Tag TagModality(0x0008, 0x0060);
const gdcm::Tag TagImageType(0x0008, 0x0008);
const gdcm::Tag TagStudyUid(0x0020, 0x000d);
const gdcm::Tag TagSeriesUid(0x0020, 0x000e);
const gdcm::Tag TagSeriesDescription(0x0008, 0x103e);
const gdcm::Tag TagPosition(0x0020, 0x0032);
const gdcm::Tag TagOrientation(0x0020, 0x0037);
const gdcm::Tag TagFrames(0x0028, 0x0008);
const gdcm::Tag TagRows(0x0028, 0x0010);
const gdcm::Tag TagColumns(0x0028, 0x0011);
const gdcm::Tag TagPixelSpacing(0x0028, 0x0030);
const gdcm::Tag TagPatientId(0x0010, 0x0020);
const gdcm::Tag TagStudyDate(0x0008, 0x0020);
const gdcm::Tag TagStudyDescription(0x0008, 0x1030);
const gdcm::Tag TagSliceThickness(0x0018, 0x0050);
const gdcm::Tag TagSeriesNumber(0x0020, 0x0011);

std::string trim(const std::string& s)
{
  std::size_t b = 0, e = s.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(s[b])) || s[b] == '\0'))
    ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(s[e - 1])) || s[e - 1] == '\0'))
    --e;
  return s.substr(b, e - b);
}

/// Parse a backslash-separated decimal string; returns false unless exactly `count` numbers.
template<std::size_t N>
bool parseNumbers(const char* text, std::array<double, N>& values)
{
  if (text == nullptr)
    return false;
  std::string s(text);
  std::replace(s.begin(), s.end(), '\\', ' ');
  std::istringstream in(s);
  for (std::size_t i = 0; i < N; ++i)
    if (!(in >> values[i]) || !std::isfinite(values[i]))
      return false;
  return true;
}

std::string value(const gdcm::Scanner& scanner, const std::string& file, const gdcm::Tag& tag)
{
  const char* v = scanner.GetValue(file.c_str(), tag);
  return v ? trim(v) : std::string();
}

std::string upper(std::string s)
{
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// SOP classes that are not images to load as CT: SEG, SR, PR, RT structures, DICOMDIR, KO.
bool isNonImageSopClass(const std::string& uid)
{
  static const char* prefixes[] = {
    "1.2.840.10008.5.1.4.1.1.66",  // segmentation, registration, fiducials
    "1.2.840.10008.5.1.4.1.1.88",  // structured reports
    "1.2.840.10008.5.1.4.1.1.11",  // presentation states
    "1.2.840.10008.5.1.4.1.1.481", // RT objects
    "1.2.840.10008.1.3.10",        // DICOMDIR
    "1.2.840.10008.5.1.4.1.1.104", // encapsulated documents
  };
  return std::any_of(
    std::begin(prefixes), std::end(prefixes), [&](const char* p) { return uid.rfind(p, 0) == 0; });
}

} // namespace

std::vector<DicomSeries> scanDicomDirectory(const std::string& directory)
{
  if (!fs::is_directory(directory))
    throw InputError(directory, "not a directory");
  gdcm::Directory dir;
  dir.Load(directory, true);
  std::vector<std::string> files = dir.GetFilenames();
  std::sort(files.begin(), files.end());
  return scanDicomFiles(files, directory);
}

std::vector<DicomSeries> scanDicomFiles(const std::vector<std::string>& files,
                                        const std::string& source)
{
  // GDCM allocates what an element's length claims: only files whose elements fit are scanned.
  std::vector<std::string> sound;
  std::vector<DicomFileInfo> broken;
  std::map<std::string, std::string> pixelProblems; // GDCM may scan these, never decode them
  for (const std::string& file : files)
  {
    const detail::DicomStreamCheck check = detail::checkDicomStream(file);
    if (check.verdict == detail::DicomStreamCheck::Verdict::Sound)
    {
      sound.push_back(file);
      if (!check.pixelProblem.empty())
        pixelProblems[file] = check.pixelProblem;
    }
    else if (check.verdict == detail::DicomStreamCheck::Verdict::Broken &&
             !isNonImageSopClass(check.sopClassUid))
    {
      DicomFileInfo info;
      info.path = file;
      info.problem = check.problem;
      info.sopClassUid = check.sopClassUid;
      info.sopInstanceUid = check.sopInstanceUid;
      info.studyInstanceUid = check.studyInstanceUid;
      info.seriesInstanceUid = check.seriesInstanceUid;
      info.modality = check.modality;
      broken.push_back(std::move(info));
    }
  }

  gdcm::Scanner scanner;
  for (const gdcm::Tag& t : { TagPatientId,
                              TagStudyDate,
                              TagStudyDescription,
                              TagSliceThickness,
                              TagSeriesNumber,
                              TagSopClass,
                              TagSopInstance,
                              TagModality,
                              TagImageType,
                              TagStudyUid,
                              TagSeriesUid,
                              TagSeriesDescription,
                              TagPosition,
                              TagOrientation,
                              TagFrames,
                              TagRows,
                              TagColumns,
                              TagPixelSpacing })
    scanner.AddTag(t);
  scanner.Scan(sound);

  std::map<std::string, DicomSeries> bySeries;
  for (const std::string& file : sound)
  {
    if (!scanner.IsKey(file.c_str()))
      continue; // not DICOM
    DicomFileInfo info;
    info.path = file;
    if (const auto p = pixelProblems.find(file); p != pixelProblems.end())
      info.problem = p->second;
    info.sopClassUid = value(scanner, file, TagSopClass);
    if (isNonImageSopClass(info.sopClassUid))
      continue;
    info.rows = std::atoi(value(scanner, file, TagRows).c_str());
    info.columns = std::atoi(value(scanner, file, TagColumns).c_str());
    if (info.rows <= 0 || info.columns <= 0)
      continue; // no image
    info.sopInstanceUid = value(scanner, file, TagSopInstance);
    info.modality = value(scanner, file, TagModality);
    info.imageType = value(scanner, file, TagImageType);
    info.studyInstanceUid = value(scanner, file, TagStudyUid);
    info.seriesInstanceUid = value(scanner, file, TagSeriesUid);
    info.seriesDescription = value(scanner, file, TagSeriesDescription);
    info.patientId = value(scanner, file, TagPatientId);
    info.studyDate = value(scanner, file, TagStudyDate);
    info.studyDescription = value(scanner, file, TagStudyDescription);
    info.sliceThicknessMm = std::atof(value(scanner, file, TagSliceThickness).c_str());
    info.seriesNumber = std::atoi(value(scanner, file, TagSeriesNumber).c_str());
    info.hasPosition = parseNumbers(scanner.GetValue(file.c_str(), TagPosition), info.position);
    info.hasOrientation =
      parseNumbers(scanner.GetValue(file.c_str(), TagOrientation), info.orientation);
    info.hasPixelSpacing =
      parseNumbers(scanner.GetValue(file.c_str(), TagPixelSpacing), info.pixelSpacing) &&
      info.pixelSpacing[0] > 0 && info.pixelSpacing[1] > 0;
    const int frames = std::atoi(value(scanner, file, TagFrames).c_str());
    info.numberOfFrames = frames > 0 ? frames : 1;

    DicomSeries& series = bySeries[info.seriesInstanceUid];
    series.seriesInstanceUid = info.seriesInstanceUid;
    series.studyInstanceUid = info.studyInstanceUid;
    series.modality = info.modality;
    series.description = info.seriesDescription;
    series.frameCount += info.numberOfFrames;
    series.files.push_back(std::move(info));
  }
  // Broken files after the readable ones of their series, so that those describe the series.
  for (DicomFileInfo& info : broken)
  {
    DicomSeries& series = bySeries[info.seriesInstanceUid];
    if (series.files.empty())
    {
      series.seriesInstanceUid = info.seriesInstanceUid;
      series.studyInstanceUid = info.studyInstanceUid;
      series.modality = info.modality;
    }
    // A slice of its own (loading the series reports the problem), unless another copy of it is.
    const bool copy =
      !info.sopInstanceUid.empty() &&
      std::any_of(series.files.begin(),
                  series.files.end(),
                  [&](const DicomFileInfo& f) { return f.sopInstanceUid == info.sopInstanceUid; });
    series.frameCount += copy ? 0 : 1;
    series.files.push_back(std::move(info));
  }
  if (bySeries.empty())
    throw InputError(
      source, "no DICOM image files found (" + std::to_string(files.size()) + " files scanned)");

  std::vector<DicomSeries> result;
  for (auto& [uid, series] : bySeries)
  {
    const DicomFileInfo& first = series.files.front();
    series.patientId = first.patientId;
    series.studyDate = first.studyDate;
    series.studyDescription = first.studyDescription;
    series.seriesNumber = first.seriesNumber;
    series.sliceThicknessMm = first.sliceThicknessMm;
    series.isLocalizer = upper(first.imageType).find("LOCALIZER") != std::string::npos;
    series.isOriginalPrimary = upper(first.imageType).rfind("ORIGINAL\\PRIMARY", 0) == 0;
    series.isPortalVenous = guessContrastPhase(series.description, "") == "portal-venous";
    if (first.hasOrientation)
    {
      const auto& o = first.orientation;
      const std::array<double, 3> normal{ o[1] * o[5] - o[2] * o[4],
                                          o[2] * o[3] - o[0] * o[5],
                                          o[0] * o[4] - o[1] * o[3] };
      double lo = 1e300, hi = -1e300;
      for (const DicomFileInfo& f : series.files)
      {
        if (!f.problem.empty())
          continue;
        const double along =
          f.position[0] * normal[0] + f.position[1] * normal[1] + f.position[2] * normal[2];
        lo = std::min(lo, along);
        hi = std::max(hi, along);
      }
      series.zExtentMm = lo < hi ? hi - lo : 0.0;
      if (series.files.size() == 1 && first.numberOfFrames > 1)
        series.zExtentMm = first.numberOfFrames * first.sliceThicknessMm; // enhanced: estimate
    }
    if (first.hasOrientation)
    {
      const auto& o = first.orientation;
      const double nz = o[0] * o[4] - o[1] * o[3];
      series.isAxial = std::abs(nz) >= 0.7; // within ~45 degrees of the scanner axis
    }
    else
      series.isAxial = first.numberOfFrames > 1; // enhanced multi-frame: orientation per frame
    result.push_back(std::move(series));
  }
  return result;
}

std::vector<DicomStudy> groupByStudy(const std::vector<DicomSeries>& series)
{
  std::map<std::string, DicomStudy> byStudy;
  for (const DicomSeries& s : series)
  {
    DicomStudy& study = byStudy[s.studyInstanceUid];
    study.studyInstanceUid = s.studyInstanceUid;
    study.patientId = s.patientId;
    study.studyDate = s.studyDate;
    study.description = s.studyDescription;
    study.series.push_back(s);
  }
  std::vector<DicomStudy> studies;
  for (auto& [uid, study] : byStudy)
    studies.push_back(std::move(study));
  return studies;
}

SeriesChoice chooseSeriesForAnalysis(const std::vector<DicomSeries>& series)
{
  SeriesChoice choice;
  std::vector<const DicomSeries*> candidates;
  for (const DicomSeries& s : series)
  {
    std::string why;
    if (!s.files.empty() && std::all_of(s.files.begin(),
                                        s.files.end(),
                                        [](const DicomFileInfo& f) { return !f.problem.empty(); }))
      why = s.files.front().path + ": " + s.files.front().problem; // no file of it is readable
    else if (s.modality != "CT")
      why = "modality " + (s.modality.empty() ? std::string("unknown") : s.modality);
    else if (s.isLocalizer)
      why = "localizer";
    else if (!s.isAxial)
      why = "not axial";
    else if (s.frameCount < 3)
      why = std::to_string(s.frameCount) + " slice(s)";
    else if (s.files.size() > 1 && s.zExtentMm < 1e-3)
      why = "all " + std::to_string(s.files.size()) + " files at one position (not a volume)";
    if (why.empty())
      candidates.push_back(&s);
    else
      choice.passedOver.emplace_back(s.seriesInstanceUid, why);
  }
  if (candidates.empty())
    return choice;
  // Lexicographic preference; thickness compared to 0.1 mm so rounding does not decide.
  auto key = [](const DicomSeries* s)
  {
    const double thickness = s->sliceThicknessMm > 0 ? s->sliceThicknessMm : 1e9;
    return std::make_tuple(s->zExtentMm >= FullLiverCoverageMm,
                           s->isOriginalPrimary,
                           s->isPortalVenous,
                           -std::round(thickness * 10.0),
                           s->frameCount,
                           -s->seriesNumber);
  };
  std::stable_sort(candidates.begin(),
                   candidates.end(),
                   [&](const DicomSeries* a, const DicomSeries* b)
                   {
                     const auto ka = key(a), kb = key(b);
                     return ka != kb ? ka > kb : a->seriesInstanceUid < b->seriesInstanceUid;
                   });
  const DicomSeries& best = *candidates.front();
  choice.chosen = &best;
  std::ostringstream reason;
  reason << "axial CT, " << best.frameCount << " slices of " << best.sliceThicknessMm << " mm over "
         << std::lround(best.zExtentMm) << " mm"
         << (best.zExtentMm >= FullLiverCoverageMm ? " (covers the liver)" : " (short coverage)")
         << (best.isOriginalPrimary ? ", ORIGINAL/PRIMARY" : "")
         << (best.isPortalVenous ? ", portal venous" : "") << "; best of " << candidates.size()
         << " candidate(s) by coverage, ORIGINAL/PRIMARY, portal venous, thinner then more slices";
  choice.reason = reason.str();
  for (std::size_t i = 1; i < candidates.size(); ++i)
  {
    const DicomSeries& s = *candidates[i];
    std::ostringstream why;
    why << "ranked " << i + 1 << ": " << s.frameCount << " slices of " << s.sliceThicknessMm
        << " mm over " << std::lround(s.zExtentMm) << " mm";
    choice.passedOver.emplace_back(s.seriesInstanceUid, why.str());
  }
  return choice;
}

const DicomSeries& chooseCtSeries(const std::vector<DicomSeries>& series,
                                  const std::string& seriesUid,
                                  const std::string& directory,
                                  std::string& reason)
{
  if (!seriesUid.empty())
  {
    for (const DicomSeries& s : series)
      if (s.seriesInstanceUid == seriesUid)
      {
        reason = "series requested with --series";
        return s;
      }
    throw InputError(directory,
                     "SeriesInstanceUID " + seriesUid + " not found among " +
                       std::to_string(series.size()) + " series");
  }
  const SeriesChoice choice = chooseSeriesForAnalysis(series);
  if (choice.chosen == nullptr)
  {
    std::ostringstream seen;
    for (const auto& [uid, why] : choice.passedOver)
      seen << (seen.tellp() > 0 ? ", " : "") << why;
    throw InputError(directory, "no axial CT series (found: " + seen.str() + ")");
  }
  reason = choice.reason;
  return *choice.chosen;
}

std::string guessContrastPhase(const std::string& seriesDescription,
                               const std::string& contrastAgent)
{
  const std::string d = upper(seriesDescription);
  auto has = [&](const char* word) { return d.find(word) != std::string::npos; };
  if (has("PORTAL") || has("VENOUS") || has(" PV") || has("PVP"))
    return "portal-venous";
  if (has("ARTER"))
    return "arterial";
  if (has("DELAY") || has("LATE"))
    return "delayed";
  if (has("NATIV") || has("NON-CON") || has("NONCON") || has("W/O") || has("PLAIN") ||
      has("UNENHANCED"))
    return "non-contrast";
  if (!trim(contrastAgent).empty())
    return "contrast, phase unknown";
  return "unknown";
}

StudyInfo readStudyInfo(const std::string& file)
{
  gdcm::Reader reader;
  reader.SetFileName(file.c_str());
  if (!reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010)))
    throw InputError(file, "not a readable DICOM file");
  gdcm::StringFilter filter;
  filter.SetFile(reader.GetFile());
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  auto get = [&](std::uint16_t group, std::uint16_t element)
  {
    const gdcm::Tag tag(group, element);
    return ds.FindDataElement(tag) ? trim(filter.ToString(tag)) : std::string();
  };
  auto number = [&](std::uint16_t group, std::uint16_t element)
  {
    const std::string s = get(group, element);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    return end != s.c_str() && std::isfinite(v) ? v : 0.0;
  };
  StudyInfo info;
  info.patientId = get(0x0010, 0x0020);
  info.patientName = get(0x0010, 0x0010);
  info.patientSex = get(0x0010, 0x0040);
  info.studyInstanceUid = get(0x0020, 0x000d);
  info.seriesInstanceUid = get(0x0020, 0x000e);
  info.studyDate = get(0x0008, 0x0020);
  info.studyDescription = get(0x0008, 0x1030);
  info.seriesDescription = get(0x0008, 0x103e);
  info.modality = get(0x0008, 0x0060);
  info.manufacturer = get(0x0008, 0x0070);
  const gdcm::FileMetaInformation& meta = reader.GetFile().GetHeader();
  info.transferSyntaxUid = meta.GetDataSetTransferSyntax().GetString()
                             ? meta.GetDataSetTransferSyntax().GetString()
                             : std::string();
  info.sliceThicknessMm = number(0x0018, 0x0050);
  info.kvp = number(0x0018, 0x0060);
  info.gantryTiltDeg = number(0x0018, 0x1120);
  info.contrastAgent = get(0x0018, 0x0010);
  info.contrastPhaseGuess = guessContrastPhase(info.seriesDescription, info.contrastAgent);
  return info;
}

} // namespace liver
