# Project warnings as an INTERFACE target; no global flags.
add_library(liver_warnings INTERFACE)
add_library(liver::warnings ALIAS liver_warnings)
target_compile_options(liver_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wno-deprecated-copy>)
option(LIVERPLAN_WARNINGS_AS_ERRORS "Treat the project's compiler warnings as errors" OFF)
if(LIVERPLAN_WARNINGS_AS_ERRORS)
  target_compile_options(liver_warnings INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-Werror>)
endif()
