#include "fuzz_entries.h"

#include <liver/model/clinical_csv.h>
#include <liver/model/clinical_json.h>
#include <liver/model/result.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/json_input.h>
#include <liver/planning/decision.h>
#include <liver/planning/plan.h>
#include <liver/segmentation/couinaud.h>
#include <liver/segmentation/label_import.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace liver::fuzz
{
namespace
{

/// A scratch folder of this process (in /dev/shm when there is one: thousands of files a second),
/// removed when the process exits normally (a fuzzer's time is up, a test ends); scripts/fuzz
/// removes the folder of a fuzzer that crashed.
class Scratch
{
public:
  Scratch()
  {
    const fs::path base =
      fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    m_dir = base / ("liverplan-fuzz-" + std::to_string(getpid()));
    fs::create_directories(m_dir);
  }
  ~Scratch()
  {
    std::error_code ignored;
    fs::remove_all(m_dir, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const fs::path& dir() const { return m_dir; }

private:
  fs::path m_dir;
};

const fs::path& scratch()
{
  static const Scratch folder;
  return folder.dir();
}

fs::path writeFile(const std::string& name, const std::uint8_t* data, std::size_t size)
{
  const fs::path path = scratch() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

/// Run `body`; the documented refusals are fine, anything else propagates (a finding).
template<typename F>
void refusalsAllowed(F&& body)
{
  try
  {
    body();
  }
  catch (const InputError&)
  {
  }
  catch (const std::invalid_argument&)
  {
  }
}

/// A 16x16x16 CT grid of 2 mm voxels for label import.
const CtImage& grid()
{
  static const CtImage::Pointer image = []
  {
    auto ct = CtImage::New();
    CtImage::RegionType region;
    region.SetSize({ 16, 16, 16 });
    ct->SetRegions(region);
    CtImage::SpacingType spacing;
    spacing.Fill(2.0);
    ct->SetSpacing(spacing);
    ct->Allocate(true);
    return ct;
  }();
  return *image;
}

} // namespace

void imageHeader(const std::uint8_t* data, std::size_t size)
{
  if (size < 1)
    return;
  static const char* extensions[] = { ".nii", ".nii.gz", ".nrrd", ".mha" };
  const fs::path path =
    writeFile(std::string("image") + extensions[data[0] % 4], data + 1, size - 1);
  refusalsAllowed([&] { loadCt(path.string()); });
  refusalsAllowed([&] { loadLabels(path.string()); });
}

void dicomFile(const std::uint8_t* data, std::size_t size)
{
  const fs::path path = writeFile("slice.dcm", data, size);
  refusalsAllowed([&] { loadCt(path.string()); });
}

void dicomFolder(const std::uint8_t* data, std::size_t size)
{
  const fs::path dir = scratch() / "series";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string separator = "\n--FILE--\n";
  std::size_t start = 0;
  for (int n = 0; n < 8 && start <= bytes.size(); ++n)
  {
    std::size_t end = bytes.find(separator, start);
    if (end == std::string::npos || n == 7)
      end = bytes.size();
    std::ofstream(dir / ("f" + std::to_string(n) + ".dcm"), std::ios::binary)
      << bytes.substr(start, end - start);
    start = end + separator.size();
  }
  refusalsAllowed([&] { loadCt(dir.string()); });
}

void labelImport(const std::uint8_t* data, std::size_t size)
{
  if (size < 2)
    return;
  static const char* extensions[] = { ".nii.gz", ".nii", ".seg.nrrd", ".nrrd" };
  static const LabelFormat formats[] = { LabelFormat::Auto,
                                         LabelFormat::TotalSegmentator,
                                         LabelFormat::Lits,
                                         LabelFormat::Slicer,
                                         LabelFormat::Mask };
  const fs::path path =
    writeFile(std::string("labels") + extensions[data[0] % 4], data + 2, size - 2);
  LabelImportOptions options;
  options.liverPath = path.string();
  options.format = formats[data[1] % 5];
  options.resampleLabels = true;
  refusalsAllowed([&] { importLabels(options, grid()); });
}

void dicomSeg(const std::uint8_t* data, std::size_t size)
{
  const fs::path path = writeFile("seg.dcm", data, size);
  // importLabels reads the SEG with readDicomSegmentation first thing (same refusals): reading it
  // twice only halved the executions.
  LabelImportOptions options;
  options.liverPath = path.string();
  options.format = LabelFormat::DicomSeg;
  options.resampleLabels = true;
  refusalsAllowed([&] { importLabels(options, grid()); });
}

/// A refusal of a JSON input must be one line starting with the file's name, at most 1000 bytes
/// (nlohmann's messages echoed the token read: 2,500 characters from one unterminated string).
void checkOneLine(const InputError& e, const std::string& file)
{
  const std::string message = e.what();
  if (message.find_first_of("\r\n") != std::string::npos || message.size() > 1000 ||
      message.rfind(file + ": ", 0) != 0)
    throw std::logic_error("fuzz: a refusal that is not one line starting with " + file + ": " +
                           message.substr(0, 2000));
}

/// refusalsAllowed, with checkOneLine on an InputError.
template<typename F>
void jsonRefusalsAllowed(const std::string& file, F&& body)
{
  refusalsAllowed(
    [&]
    {
      try
      {
        body();
      }
      catch (const InputError& e)
      {
        checkOneLine(e, file);
        throw;
      }
    });
}

void jsonInputs(const std::uint8_t* data, std::size_t size)
{
  if (size < 1)
    return;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5)
  {
    case 0:
      jsonRefusalsAllowed("clinical.json",
                          [&] { model::parseClinicalJson(text, "clinical.json"); });
      break;
    case 1:
    {
      const fs::path path = writeFile("plan.json", data + 1, size - 1);
      jsonRefusalsAllowed(path.string(), [&] { loadPlanFile(path.string()); });
      break;
    }
    case 2:
      jsonRefusalsAllowed("landmarks.json", [&] { parseLandmarks(text, "landmarks.json"); });
      break;
    case 3:
      // As `decide --result` reads it (model::readResult, without the file).
      jsonRefusalsAllowed("result.json",
                          [&]
                          {
                            const model::AnalysisResult result = model::fromJson(
                              parseJsonInput(text, "result.json", "result file"), "result.json");
                            decide(Clinical{}, model::decisionInputs(result));
                          });
      break;
    default:
    {
      const fs::path path = writeFile("clinical.csv", data + 1, size - 1);
      refusalsAllowed([&] { model::loadClinicalCsv(path.string()); });
    }
  }
}

const std::vector<Target>& targets()
{
  static const std::vector<Target> all = {
    { "image_header", imageHeader },   { "dicom_file", dicomFile },
    { "dicom_folder", dicomFolder },   { "label_import", labelImport },
    { "json_inputs", jsonInputs },     { "dicom_seg", dicomSeg },
    { "pacs_dicomweb", pacsDicomweb }, { "pacs_watch_state", pacsWatchState },
  };
  return all;
}

} // namespace liver::fuzz
