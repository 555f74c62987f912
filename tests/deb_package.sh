#!/bin/sh
# ctest: `cpack -G DEB` in the build folder makes the CLI's .deb; it unpacks (dpkg -x) into an
# empty folder and the unpacked /usr/bin/liverplan runs (--help); its Depends are printed.
# deb_package.sh BUILD_DIR WORK_DIR
set -eu
build="$1"
work="$2"
if ! command -v dpkg-deb >/dev/null 2>&1 || ! command -v cpack >/dev/null 2>&1; then
  echo "dpkg-deb or cpack not found: skipped"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/root"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"
  exit 1
}
deb=$(ls "$work"/liverplan_*.deb)
echo "package: $deb"
dpkg-deb -f "$deb" Package Version Depends
dpkg-deb -c "$deb" | grep -q './usr/bin/liverplan$'
dpkg -x "$deb" "$work/root"
"$work/root/usr/bin/liverplan" --help | grep -q "liverplan"
"$work/root/usr/bin/liverplan" --version
echo "ok: $deb installs liverplan and it runs"
