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
# ITK 5.2's scanline filters (ConnectedComponentImageFilter, BinaryImageToLabelMapFilter,
# BinaryContourImageFilter, LabelContourImageFilter: itkScanlineFilterCommon.h SetupLineOffsets)
# walk a neighbourhood iterator over an image without a buffer to learn its offsets, so
# ConstNeighborhoodIterator::SetPixelPointers offsets a null pointer: UBSan's pointer-overflow
# check fires in every target that instantiates them, on any input. In those targets that one
# check reports and continues instead of aborting by itself, so that scripts/sanitize/ubsan.supp
# can suppress it in that ITK header; scripts/test-sanitize sets halt_on_error=1, so any
# unsuppressed report still stops the process. (A suppression cannot stop an aborting check.)
function(liver_sanitize_itk_scanline_filters target)
  if(LIVERPLAN_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize-recover=pointer-overflow)
  endif()
endfunction()
