#include "test_support.h"

#include <stdexcept>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace liver::test
{

std::string testDataDir()
{
  if (const char* env = std::getenv("LIVERPLAN_TEST_DATA"); env && *env)
    return env;
  return LIVERPLAN_TEST_DATA_DEFAULT;
}

std::string testDataPath(const std::string& relative)
{
  const fs::path p = fs::path(testDataDir()) / relative;
  return fs::exists(p) ? p.string() : std::string();
}

namespace
{
struct TempDirs
{
  std::vector<fs::path> dirs;
  ~TempDirs()
  {
    std::error_code ec;
    for (const auto& d : dirs)
      fs::remove_all(d, ec);
  }
};
TempDirs g_tempDirs;

std::string readAll(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
} // namespace

std::string makeTempDir(const std::string& tag)
{
  std::string pattern = (fs::temp_directory_path() / ("liverplan-" + tag + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed for " + pattern);
  g_tempDirs.dirs.emplace_back(pattern);
  return pattern;
}

CommandResult runLiverplan(const std::vector<std::string>& args)
{
  const std::string dir = makeTempDir("run");
  const std::string outPath = dir + "/stdout";
  const std::string errPath = dir + "/stderr";
  const pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0)
  {
    if (!std::freopen(outPath.c_str(), "w", stdout) || !std::freopen(errPath.c_str(), "w", stderr))
      _exit(127);
    std::vector<char*> argv;
    std::string binary = LIVERPLAN_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = readAll(outPath);
  result.err = readAll(errPath);
  return result;
}

std::string writePhantomFolder(const std::string& tag, const std::vector<std::string>& args)
{
  const std::string dir = makeTempDir(tag);
  std::vector<std::string> command = { "phantom", "--out", dir };
  command.insert(command.end(), args.begin(), args.end());
  const CommandResult r = runLiverplan(command);
  if (r.exitCode != 0)
    throw std::runtime_error("liverplan phantom failed: " + r.err);
  return dir;
}

void expectOneLineError(const CommandResult& r, int exitCode, const std::string& part)
{
  EXPECT_EQ(r.exitCode, exitCode) << r.err;
  EXPECT_TRUE(contains(r.err, part)) << r.err;
  const auto at = r.err.find("liverplan: error");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string errors = r.err.substr(at);
  EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << r.err;
}

nlohmann::json readJson(const std::string& path)
{
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

bool contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

std::vector<std::string> listDir(const std::string& directory)
{
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(directory))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace liver::test
