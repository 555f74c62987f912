/// libFuzzer entry: the target named by LIVERPLAN_FUZZ_TARGET (a compile definition).

#include "fuzz_entries.h"

#include <cstdlib>
#include <gdcmTrace.h>
#include <itkObject.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const auto run = []
  {
    gdcm::Trace::SetWarning(false); // GDCM's warnings on every broken input drown the fuzzer's
    gdcm::Trace::SetError(false);
    itk::Object::GlobalWarningDisplayOff();
    for (const liver::fuzz::Target& t : liver::fuzz::targets())
      if (t.name == LIVERPLAN_FUZZ_TARGET)
        return t.run;
    std::abort();
  }();
  run(data, size);
  return 0;
}
