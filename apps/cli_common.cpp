#include "cli_common.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <itkMacro.h>

#include <iostream>
#include <stdexcept>

namespace liver::cli
{
namespace
{
bool g_quiet = false;
}

void setQuiet(bool quiet) { g_quiet = quiet; }

void logInfo(const std::string& message)
{
  if (!g_quiet)
    std::cerr << "liverplan: " << message << '\n';
}

void logWarning(const std::string& message) { std::cerr << "liverplan: warning: " << message << '\n'; }

namespace
{
int fail(int code, const std::string& kind, const std::string& message)
{
  // One line: collapse the multi-line messages ITK produces.
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r')
      c = ' ';
  std::cerr << "liverplan: " << kind << ": " << line << '\n';
  return code;
}
} // namespace

int runGuarded(const std::function<int()>& body)
{
  try
  {
    return body();
  }
  catch (const InputError& e)
  {
    return fail(ExitBadInput, "error", e.what());
  }
  catch (const std::invalid_argument& e)
  {
    return fail(ExitBadInput, "error", e.what());
  }
  catch (const OutputError& e)
  {
    return fail(ExitOutput, "error", e.what());
  }
  catch (const ProcessingError& e)
  {
    return fail(ExitProcessing, "processing failed", e.what());
  }
  catch (const itk::ExceptionObject& e)
  {
    return fail(ExitProcessing, "processing failed", e.GetDescription());
  }
  catch (const std::exception& e)
  {
    return fail(ExitProcessing, "processing failed", e.what());
  }
}

nlohmann::json jsonHeader(const std::string& kind)
{
  nlohmann::json j;
  j["tool"] = "liverplan";
  j["version"] = LIVERPLAN_VERSION;
  j["kind"] = kind;
  j["units"] = {{"volume", "mL"}, {"length", "mm"}, {"intensity", "HU"}};
  j["coordinates"] = "LPS (DICOM/ITK patient coordinates: +x left, +y posterior, +z superior)";
  return j;
}

void writeJson(const std::string& path, const nlohmann::json& json)
{
  writeTextFile(path, json.dump(2) + "\n");
}

} // namespace liver::cli
