#!/bin/sh
# test.sh: builds cmatoken and runs every test. Installs what is missing first.
#
#   1. an AddressSanitizer + UBSan build: every test (unit, fake Atlassian,
#      service, notifier, CLI, GUI widget and AT-SPI end-to-end, translations);
#   2. the plain build (-Werror): the service's tests with the daemon under
#      valgrind memcheck (a representative subset of the slowest files, see
#      valgrind_subset in tests/service/), and the benchmark's smoke run
#      (timings of a sanitized build mean nothing);
#   3. the Debian package (tests/package/): dpkg-buildpackage, lintian, apt
#      install into a throwaway root, and the installed files tried there.
#
# The asan run includes the fuzz test (tests/fuzz/: libFuzzer on the URL
# parser for CMT_FUZZ_SECONDS, 30 by default), built with clang.
#
# Ends with "N passed, N failed" summed from meson's own summaries; exits
# non-zero on any failure.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"

# -Werror here, not in project(): distributions build with newer compilers.
. "$srcdir/build-aux/setup.sh" "$srcdir/build" -Dwerror=true || exit 1
cmt_configure_and_build "$srcdir/build-asan" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false || exit 1

if ! command -v clang >/dev/null; then
  echo "test.sh: clang is missing (build-aux/debian-packages.txt): the fuzz test cannot run" >&2
  exit 1
fi

passed=0
failed=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run() {
  name=$1; shift
  echo "== $name: meson test $*"
  meson test --print-errorlogs "$@" 2>&1 | tee "$logs/$name.log"
  ok=$(sed -n 's/^Ok:[[:space:]]*\([0-9]*\).*/\1/p' "$logs/$name.log" | tail -1)
  xf=$(sed -n 's/^Expected Fail:[[:space:]]*\([0-9]*\).*/\1/p' "$logs/$name.log" | tail -1)
  fl=$(sed -n 's/^Fail:[[:space:]]*\([0-9]*\).*/\1/p' "$logs/$name.log" | tail -1)
  up=$(sed -n 's/^Unexpected Pass:[[:space:]]*\([0-9]*\).*/\1/p' "$logs/$name.log" | tail -1)
  to=$(sed -n 's/^Timeout:[[:space:]]*\([0-9]*\).*/\1/p' "$logs/$name.log" | tail -1)
  if [ -z "$ok" ] && [ -z "$fl" ]; then
    echo "$name: meson printed no summary" >&2
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + ${ok:-0} + ${xf:-0}))
  failed=$((failed + ${fl:-0} + ${up:-0} + ${to:-0}))
}

run asan -C build-asan --num-processes 2 --no-suite bench --no-suite package
run valgrind -C build --setup valgrind --suite service --num-processes 2
run bench -C build --suite bench --num-processes 2
run package -C build --suite package

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
