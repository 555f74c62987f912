/// libFuzzer entry: the target named by LIVERPLAN_FUZZ_TARGET (a compile definition) or, without
/// it, by the executable's name (fuzz_NAME), so one object serves every harness.

#include "fuzz_entries.h"

#include <gdcmTrace.h>
#include <itkObject.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace
{
void (*g_run)(const std::uint8_t*, std::size_t) = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
  gdcm::Trace::SetWarning(false); // GDCM's warnings on every broken input drown the fuzzer's
  gdcm::Trace::SetError(false);
  itk::Object::GlobalWarningDisplayOff();
#ifdef LIVERPLAN_FUZZ_TARGET
  const std::string name = LIVERPLAN_FUZZ_TARGET;
#else
  std::string name = *argc > 0 ? (*argv)[0] : "";
  name = name.substr(name.find_last_of('/') + 1);
  if (name.rfind("fuzz_", 0) == 0)
    name = name.substr(5);
#endif
  for (const liver::fuzz::Target& t : liver::fuzz::targets())
    if (t.name == name)
      g_run = t.run;
  if (!g_run)
  {
    std::fprintf(stderr, "fuzz: no target named '%s'\n", name.c_str());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  g_run(data, size);
  return 0;
}
