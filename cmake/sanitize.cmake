# -DLIVERPLAN_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on everything this project
# compiles and links (scripts/test-sanitize builds it into build-sanitize/ and runs every test).
# An undefined-behaviour report aborts like an ASan one (-fno-sanitize-recover), so a test fails.
option(LIVERPLAN_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(LIVERPLAN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# Sanitized code runs 2-5 times slower: tests/ scales its time limits by this.
if(LIVERPLAN_SANITIZE)
  set(LIVERPLAN_TIMEOUT_SCALE 4)
else()
  set(LIVERPLAN_TIMEOUT_SCALE 1)
endif()
