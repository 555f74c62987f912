#!/bin/sh
# Run a rendering test under Xvfb: `xvfb_run.sh TEST [ARGS...]`. Without xvfb-run or the Xvfb
# server it starts, the test is skipped (exit 77, ctest's SKIP_RETURN_CODE) instead of failing the
# configuration or the run. An Xvfb that is installed but cannot start fails the test.
for program in xvfb-run Xvfb; do
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "$program not found: rendering test skipped (apt-get install xvfb)"
    exit 77
  fi
done
# Under scripts/test-sanitize (ASAN_OPTIONS set): no leak check in rendering tests. Mesa's llvmpipe
# driver (dri/swrast_dri.so) callocs 2 x 56 bytes per X display it opens and never frees them;
# libGLX_mesa dlcloses the driver when VTK closes the display, so at exit LeakSanitizer sees the
# leak in an unloaded module ("<unknown module>") and no lsan.supp line can match it. Address and
# undefined-behaviour checks stay on.
if [ -n "${ASAN_OPTIONS:-}" ]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi
# 24-bit visual for OpenGL, and no server reset between the test's own connections.
exec xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" "$@"
