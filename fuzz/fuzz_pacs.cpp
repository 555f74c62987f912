/// The PACS's answers and the watch's state file as fuzz targets (fuzz_entries.h): what a server
/// sends is refused as a ProcessingError (exit code 3) of one line naming the URL; a state file
/// as an InputError (exit code 2) of one line naming the file. Anything else is a finding, and so
/// is a refusal of several lines or of another kind, or a state that does not read back as it was
/// written.

#include "fuzz_entries.h"

#include <liver/imaging/errors.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pacs/watch.h>
#include <liver/pipeline/pacs_watch.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace liver::fuzz
{
namespace
{

const std::string Base = "http://pacs:8042";

/// A server (DICOMweb at Base/dicom-web, Orthanc's REST API at Base) answering every request
/// with `body`, HTTP 200.
pacs::CannedHttpClient answering(const std::string& body)
{
  return pacs::CannedHttpClient(
    [body](const std::string&, const std::string&) -> pacs::HttpResponse {
      return { 200, "application/json", body };
    });
}

/// A refusal's message must be one line that starts with `start` (the URL, the file).
void checkRefusal(const std::exception& e, const std::string& start)
{
  const std::string message = e.what();
  if (message.find_first_of("\r\n") != std::string::npos || message.size() > 2000 ||
      message.rfind(start, 0) != 0)
    throw std::logic_error("fuzz: a refusal that is not one line starting with " + start + ": " +
                           message.substr(0, 2000));
}

/// Run `body`: a ProcessingError naming `start` is the documented refusal of a server's answer.
template<typename F>
void answerRefusalAllowed(const std::string& start, F&& body)
{
  try
  {
    body();
  }
  catch (const ProcessingError& e)
  {
    checkRefusal(e, start);
  }
}

/// OUT of the watch: PROCESS_SCRATCH/watch (as fuzz_entries.cpp's scratch folder, in /dev/shm
/// when there is one), removed with the scratch folder, if empty, when the process exits normally
/// (scripts/fuzz removes it after a crash).
class WatchFolder
{
public:
  WatchFolder()
  {
    const fs::path base =
      fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    m_dir = base / ("liverplan-fuzz-" + std::to_string(getpid())) / "watch";
    fs::create_directories(m_dir);
  }
  ~WatchFolder()
  {
    std::error_code ignored;
    fs::remove_all(m_dir, ignored);
    fs::remove(m_dir.parent_path(), ignored);
  }
  WatchFolder(const WatchFolder&) = delete;
  WatchFolder& operator=(const WatchFolder&) = delete;
  const fs::path& dir() const { return m_dir; }

private:
  fs::path m_dir;
};

} // namespace

void pacsDicomweb(const std::uint8_t* data, std::size_t size)
{
  if (size < 1)
    return;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const pacs::CannedHttpClient http = answering(body);
  switch (data[0] % 7)
  {
    case 0:
      answerRefusalAllowed(
        Base,
        [&] {
          pacs::dicomWebServer(Base + "/dicom-web", http)->findStudies("20261201-20261206", "CT");
        });
      break;
    case 1:
      answerRefusalAllowed(
        Base, [&] { pacs::dicomWebServer(Base + "/dicom-web", http)->studySeries("1.2.3"); });
      break;
    case 2:
      answerRefusalAllowed(Base,
                           [&] { pacs::parseStowAnswer(body, 200, 3, Base + "/studies/1.2.3"); });
      break;
    case 3:
      answerRefusalAllowed(Base, [&] { pacs::orthancChanges(http, Base, 4); });
      break;
    case 4:
      answerRefusalAllowed(Base, [&] { pacs::orthancLastChange(http, Base); });
      break;
    case 5:
      answerRefusalAllowed(Base, [&] { pacs::orthancStudyUid(http, Base, "ab-cd"); });
      break;
    default:
    {
      // WADO-RS: the first line is the Content-Type header, the rest the multipart body.
      const std::size_t eol = body.find('\n');
      const std::string type = body.substr(0, eol);
      const std::string parts = eol == std::string::npos ? "" : body.substr(eol + 1);
      answerRefusalAllowed("multipart", [&] { pacs::parseMultipart(type, parts); });
    }
  }
}

void pacsWatchState(const std::uint8_t* data, std::size_t size)
{
  if (size < 1)
    return;
  static const WatchFolder folder;
  const fs::path& out = folder.dir();
  const fs::path path = out / "pacs-watch.json";
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  pipeline::PacsWatchState state;
  bool fresh = false;
  try
  {
    state = pacs::openWatch(out.string(), data[0] % 2 ? "date" : "changes", fresh);
  }
  catch (const InputError& e)
  {
    checkRefusal(e, path.string() + ": ");
    return;
  }
  // Accepted: what the watch writes back reads back the same.
  pipeline::writePacsWatchState(path.string(), state);
  const std::optional<pipeline::PacsWatchState> again = pipeline::readPacsWatchState(path.string());
  if (!again || again->follow != state.follow || again->since != state.since ||
      again->studies != state.studies || again->extra != state.extra ||
      pipeline::toJson(*again) != pipeline::toJson(state))
    throw std::logic_error("fuzz: pacs-watch.json does not read back as it was written");
}

} // namespace liver::fuzz
