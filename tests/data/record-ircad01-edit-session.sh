#!/usr/bin/env bash
# Record tests/data/ircad01-edit-session.log, the events that the IRCAD patient 1 edit session of
# tests/viewer_edit_test.cpp (EditModeReal) replays: `liverplan view --record` on the test's start
# labels, in a real window on Xvfb, driven by xdotool at the positions the test scripts. The mouse
# moves, clicks and keys go through the X server and VTK's X interactor into the recorder; the
# closing `q` is left out of the log. Run it again when the window's layout changes (the test then
# fails saying so). Needs xvfb, xdotool, a build (scripts/build) and the real data
# ($LIVERPLAN_TEST_DATA, default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${LIVERPLAN_RECORDING_UNDER_XVFB:-}" ]; then
  exec env LIVERPLAN_RECORDING_UNDER_XVFB=1 xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" "$0"
fi
build="${LIVERPLAN_BUILD_DIR:-build}"
data="${LIVERPLAN_TEST_DATA:-../shared/data}"
work="$(mktemp -d)"
viewer=""
trap 'if [ -n "$viewer" ]; then kill "$viewer" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

# 1. The start labels and the scripted session (the test writes them there and skips).
LIVERPLAN_RECORD_EDIT_SESSION="$work" "$build/tests/viewer_edit_test" \
  --gtest_filter='EditModeReal.*' >/dev/null
test -s "$work/scripted.log"

# 2. The window, recording, driven event by event.
"$build/apps/liverplan" view "$data/ircad/patient01/dicom" --liver "$work/liver.nii.gz" \
  --lesions "$work/lesions.nii.gz" --size 1000x700 --record "$work/recorded.log" \
  --review-out "$work/out" &
viewer=$!
window="$(xdotool search --sync --name '^LiverPlan$' | head -n 1)"
sleep 15 # the first render of the CT's slices and surfaces
height=700
to_x() { xdotool mousemove --window "$window" "$1" $((height - 1 - $2)); }
grep -v '^#' "$work/scripted.log" | while read -r name x y _ _ _ sym; do
  case "$name" in
    MouseMoveEvent) to_x "$x" "$y" ;;
    LeftButtonPressEvent) xdotool mousedown 1 ;;
    LeftButtonReleaseEvent) xdotool mouseup 1 ;;
    KeyPressEvent)
      to_x "$x" "$y"
      case "$sym" in
        "[") xdotool key bracketleft ;;
        *) xdotool key "$sym" ;;
      esac
      ;;
    *) continue ;;
  esac
  # As slowly as a person: VTK reads a mouse move's position from the pointer when it gets to
  # the move (XQueryPointer), so a driver running ahead of a busy window records later positions.
  sleep 4
done
sleep 5
to_x 10 10
xdotool key q
wait "$viewer"
viewer=""

# 3. The log without the closing q.
grep -v -E '^(KeyPressEvent|CharEvent|KeyReleaseEvent) .* q$' "$work/recorded.log" \
  >tests/data/ircad01-edit-session.log
echo "wrote tests/data/ircad01-edit-session.log ($(wc -l <tests/data/ircad01-edit-session.log) events)"
