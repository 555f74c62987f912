#pragma once
/// Helpers shared by the tests: where the real data is, and running the real binary.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace liver::test
{

/// Folder of the shared real data: $LIVERPLAN_TEST_DATA, else ../shared/data beside the source.
std::string testDataDir();

/// Path of `relative` inside the test data, or "" when that file or folder is absent.
std::string testDataPath(const std::string& relative);

/// A fresh empty temporary folder for one test, removed at exit.
std::string makeTempDir(const std::string& tag);

struct CommandResult
{
  int exitCode = -1;
  std::string out; ///< stdout
  std::string err; ///< stderr
};

/// Run the real `liverplan` binary with `args` (no shell; arguments are passed as given).
CommandResult runLiverplan(const std::vector<std::string>& args);

/// `liverplan phantom --out DIR ARGS...` into a fresh temporary folder named after `tag`, for a
/// test fixture: returns the folder; std::runtime_error with the binary's stderr when it fails.
std::string writePhantomFolder(const std::string& tag, const std::vector<std::string>& args);

/// Exit codes of the binary (README).
constexpr int ExitUsage = 1;
constexpr int ExitBadInput = 2;
constexpr int ExitProcessing = 3;
constexpr int ExitOutput = 4;

/// The run failed with `exitCode` and exactly one error line mentioning `part`.
void expectOneLineError(const CommandResult& r, int exitCode, const std::string& part);

/// Parse a JSON file the binary wrote.
nlohmann::json readJson(const std::string& path);

/// Whether `text` contains `part`.
bool contains(const std::string& text, const std::string& part);

/// Files in a folder (names only, sorted).
std::vector<std::string> listDir(const std::string& directory);

/// The message of the exception of type E that `call` throws; "" when it throws none.
template<typename E>
std::string errorOf(const std::function<void()>& call)
{
  try
  {
    call();
  }
  catch (const E& e)
  {
    return e.what();
  }
  return "";
}

} // namespace liver::test

/// Skip the current test with a clear message when a real-data file is absent.
#define LIVER_REQUIRE_DATA(var, relative)                                                          \
  const std::string var = ::liver::test::testDataPath(relative);                                   \
  if (var.empty())                                                                                 \
  GTEST_SKIP() << "real data not found: " << (relative) << " under "                               \
               << ::liver::test::testDataDir() << " (set LIVERPLAN_TEST_DATA)"
