/// A tree of phantom DICOM studies with the faults of a real export (writePhantomStudyTree).

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>

#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmReader.h>
#include <gdcmTag.h>
#include <gdcmWriter.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

using TagValues = std::vector<std::tuple<std::uint16_t, std::uint16_t, std::string>>;

/// Copy the DICOM file `from` to `to` with the given text elements replaced (even-padded).
void rewriteDicom(const fs::path& from, const fs::path& to, const TagValues& tags)
{
  gdcm::Reader reader;
  reader.SetFileName(from.string().c_str());
  if (!reader.Read())
    throw OutputError(from.string() + ": cannot read back the DICOM file just written");
  gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  for (const auto& [group, element, text] : tags)
  {
    const bool uid = (group == 0x0008 && (element == 0x0016 || element == 0x0018)) ||
                     (group == 0x0020 && element == 0x000E);
    std::string value = text;
    if (value.size() % 2 != 0)
      value.push_back(uid ? '\0' : ' ');
    gdcm::DataElement de(gdcm::Tag(group, element));
    de.SetByteValue(value.data(), static_cast<std::uint32_t>(value.size()));
    ds.Replace(de);
  }
  gdcm::Writer writer;
  writer.SetFile(reader.GetFile());
  writer.SetFileName(to.string().c_str());
  if (!writer.Write())
    throw OutputError(to.string() + ": cannot write DICOM file");
}

std::vector<fs::path> sortedFiles(const fs::path& directory)
{
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(directory))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

/// Rewrite every file of `from` as another series in `to`: new series UID, SOP UIDs and the
/// extra tags.
void copyAsSeries(const fs::path& from,
                  const fs::path& to,
                  std::uint32_t seed,
                  const std::string& role,
                  const std::string& description,
                  const TagValues& extra,
                  std::size_t maxFiles = 0)
{
  fs::create_directories(to);
  const std::string seriesUid = phantomUid(seed, role);
  std::size_t k = 0;
  for (const fs::path& file : sortedFiles(from))
  {
    if (maxFiles && k >= maxFiles)
      break;
    TagValues tags = { { 0x0020, 0x000E, seriesUid },
                       { 0x0008, 0x0018, phantomUid(seed, role + "/sop", k) },
                       { 0x0008, 0x103E, description } };
    for (const auto& [group, element, text] : extra)
    {
      std::string value = text;
      const std::string index = "{k}";
      if (const std::size_t at = value.find(index); at != std::string::npos)
        value.replace(at, index.size(), std::to_string(k));
      tags.emplace_back(group, element, value);
    }
    rewriteDicom(file, to / file.filename(), tags);
    ++k;
  }
}

} // namespace

std::vector<StudyTreeEntry> writePhantomStudyTree(const std::string& root,
                                                  const StudyTreeOptions& options)
{
  std::error_code ec;
  if (fs::exists(root, ec) && (!fs::is_directory(root, ec) || !fs::is_empty(root, ec)))
    throw OutputError(root + ": study tree folder exists and is not empty");
  fs::create_directories(root, ec);
  if (ec)
    throw OutputError(root + ": cannot create folder: " + ec.message());

  std::vector<StudyTreeEntry> entries;
  for (unsigned k = 0; k < options.studies; ++k)
  {
    const std::uint32_t seed = options.firstSeed + k;
    const unsigned number = k + 1; // studies are numbered from 1 in the fault list
    const bool noCt = options.faults && number == 7;
    PhantomOptions main;
    main.seed = seed;
    main.spacingMm = options.spacingMm;
    main.size = options.size;
    Phantom phantom = makePhantom(main);
    char name[32];
    std::snprintf(name, sizeof name, "patient-%02u", number);
    const fs::path studyDir = fs::path(root) / name / "study";
    const fs::path mainDir = studyDir / "series-1";
    writePhantomDicom(phantom, mainDir.string());

    StudyTreeEntry entry;
    entry.studyInstanceUid = phantom.study.studyInstanceUid;
    entry.patientId = phantom.study.patientId;
    entry.expectedSeriesUid = phantom.study.seriesInstanceUid;
    entry.expectedStatus = "ok";
    if (options.faults)
    {
      // A sagittal localizer of a few images.
      copyAsSeries(mainDir,
                   studyDir / "series-0-scout",
                   seed,
                   "localizer",
                   "Scout",
                   { { 0x0008, 0x0008, "ORIGINAL\\PRIMARY\\LOCALIZER" },
                     { 0x0020, 0x0037, "0\\1\\0\\0\\0\\-1" },
                     { 0x0020, 0x0032, "{k}\\0\\0" } },
                   3);
      if (number % 4 == 0 || noCt)
        copyAsSeries(mainDir,
                     studyDir / "series-3-mr",
                     seed,
                     "mr",
                     "T2 axial",
                     { { 0x0008, 0x0016, "1.2.840.10008.5.1.4.1.1.4" }, { 0x0008, 0x0060, "MR" } });
      if (noCt)
      {
        fs::remove_all(mainDir);
        entry.expectedSeriesUid.clear();
        entry.expectedStatus = "error";
        entry.fault = "no CT series (MR and a localizer only)";
      }
      else
      {
        // A thicker reconstruction of the same patient: the thin one must be chosen.
        PhantomOptions thick = main;
        thick.size = { 0, 0, 0 };
        thick.spacingMm = { options.spacingMm[0], options.spacingMm[1], 2 * options.spacingMm[2] };
        if (options.size[0] != 0)
          thick.size = { options.size[0], options.size[1], std::max(3u, options.size[2] / 2) };
        Phantom thickPhantom = makePhantom(thick);
        thickPhantom.study.seriesInstanceUid = phantomUid(seed, "thick-series");
        thickPhantom.study.seriesDescription = "Abdomen thick";
        writePhantomDicom(thickPhantom, (studyDir / "series-2-thick").string());
      }
      const std::vector<fs::path> slices =
        fs::exists(mainDir) ? sortedFiles(mainDir) : std::vector<fs::path>{};
      if (number == 3 && slices.size() > 2)
      {
        const fs::path& victim = slices[slices.size() / 2];
        fs::resize_file(victim, fs::file_size(victim) * 6 / 10);
        entry.expectedStatus = "error";
        entry.fault = "truncated slice " + victim.filename().string();
      }
      if (number == 5 && slices.size() > 2)
      {
        fs::remove(slices[slices.size() / 2]);
        entry.fault = "missing slice " + slices[slices.size() / 2].filename().string();
      }
    }
    entries.push_back(entry);
  }
  if (options.faults)
  {
    std::ofstream(fs::path(root) / "notes.txt") << "export notes: not DICOM\n";
    std::ofstream(fs::path(root) / "DICOMDIR.bak") << "garbage that is not DICOM";
  }
  std::sort(entries.begin(),
            entries.end(),
            [](const StudyTreeEntry& a, const StudyTreeEntry& b)
            { return a.studyInstanceUid < b.studyInstanceUid; });
  return entries;
}

} // namespace liver
