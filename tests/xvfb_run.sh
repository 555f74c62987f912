#!/bin/sh
# Run a rendering test under Xvfb: `xvfb_run.sh TEST [ARGS...]`. Without xvfb-run the test is
# skipped (exit 77, ctest's SKIP_RETURN_CODE) instead of failing the configuration or the run.
if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "xvfb-run not found: rendering test skipped (apt-get install xvfb)"
  exit 77
fi
# 24-bit visual for OpenGL, and no server reset between the test's own connections.
exec xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" "$@"
