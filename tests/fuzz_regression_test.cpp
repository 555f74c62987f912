/// Replays every input the fuzzers found a problem with (tests/fuzz_regression/TARGET/) and the
/// committed hand-made seeds (fuzz/seeds/TARGET/) through the same entry functions the libFuzzer
/// harnesses call: each must end in a documented refusal or success, never a crash or another
/// exception.

#include "fuzz_entries.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
// Under scripts/test-sanitize: the leak suppression for GDCM's JPEG 2000 header check
// (scripts/sanitize/lsan.supp, tests/fuzz_regression/dicom_file/jpeg2000-siz-components-gdcm-leak)
// names a GDCM frame that only the slow unwinder finds (libopenjp2 has no frame pointers).
// ASAN_OPTIONS from the environment still apply on top of this default.
extern "C" const char* __asan_default_options()
{
  return "fast_unwind_on_malloc=0";
}
#endif

namespace
{

std::vector<fs::path> inputsOf(const std::string& target)
{
  std::vector<fs::path> files;
  for (const char* root : { LIVERPLAN_FUZZ_REGRESSION_DIR, LIVERPLAN_FUZZ_SEED_DIR })
    if (fs::is_directory(fs::path(root) / target))
      for (const auto& e : fs::directory_iterator(fs::path(root) / target))
        if (e.is_regular_file())
          files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzRegression : public ::testing::TestWithParam<liver::fuzz::Target>
{
};

TEST_P(FuzzRegression, EveryStoredInputIsRefusedOrAcceptedWithoutCrashing)
{
  const liver::fuzz::Target& target = GetParam();
  const std::vector<fs::path> files = inputsOf(target.name);
  ASSERT_FALSE(files.empty()) << "no seeds or regression inputs for " << target.name;
  for (const fs::path& file : files)
  {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NO_THROW(target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()))
      << file;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets,
                         FuzzRegression,
                         ::testing::ValuesIn(liver::fuzz::targets()),
                         [](const auto& info) { return info.param.name; });

} // namespace
