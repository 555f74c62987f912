/// DICOM discovery with GDCM's scanner: only the header tags needed are read.

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

namespace fs = std::filesystem;

namespace liver
{
namespace
{

const gdcm::Tag TagSopClass(0x0008, 0x0016);
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

  gdcm::Scanner scanner;
  for (const gdcm::Tag& t : { TagSopClass,
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
  scanner.Scan(files);

  std::map<std::string, DicomSeries> bySeries;
  for (const std::string& file : files)
  {
    if (!scanner.IsKey(file.c_str()))
      continue; // not DICOM
    DicomFileInfo info;
    info.path = file;
    info.sopClassUid = value(scanner, file, TagSopClass);
    if (isNonImageSopClass(info.sopClassUid))
      continue;
    info.rows = std::atoi(value(scanner, file, TagRows).c_str());
    info.columns = std::atoi(value(scanner, file, TagColumns).c_str());
    if (info.rows <= 0 || info.columns <= 0)
      continue; // no image
    info.modality = value(scanner, file, TagModality);
    info.imageType = value(scanner, file, TagImageType);
    info.studyInstanceUid = value(scanner, file, TagStudyUid);
    info.seriesInstanceUid = value(scanner, file, TagSeriesUid);
    info.seriesDescription = value(scanner, file, TagSeriesDescription);
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
  if (bySeries.empty())
    throw InputError(
      source, "no DICOM image files found (" + std::to_string(files.size()) + " files scanned)");

  std::vector<DicomSeries> result;
  for (auto& [uid, series] : bySeries)
  {
    const DicomFileInfo& first = series.files.front();
    series.isLocalizer = upper(first.imageType).find("LOCALIZER") != std::string::npos;
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
  const DicomSeries* best = nullptr;
  std::ostringstream seen;
  for (const DicomSeries& s : series)
  {
    seen << (seen.tellp() > 0 ? ", " : "") << (s.modality.empty() ? "?" : s.modality) << " "
         << s.frameCount << (s.isLocalizer ? " localizer" : "") << (s.isAxial ? "" : " non-axial");
    if (s.modality != "CT" || s.isLocalizer || !s.isAxial)
      continue;
    if (best == nullptr || s.frameCount > best->frameCount)
      best = &s;
  }
  if (best == nullptr)
    throw InputError(directory, "no axial CT series (found: " + seen.str() + ")");
  reason = "axial CT series with the most slices (" + std::to_string(best->frameCount) + ") of " +
           std::to_string(series.size()) + " series";
  return *best;
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
