#!/bin/sh
# bench.sh: builds cmatoken and runs its benchmark beside GNOME Online Accounts and the bus's floor.
#
#   build-aux/bench.sh [--quick] [bench.py options...]
#
# Prints a Markdown table and writes the same numbers to
# build-bench/bench/results.md and results.json (see tests/bench/bench.py for
# what is measured and how). The full run takes about 15 minutes on two
# cores; --quick (small N, 2 runs) takes about one. Run it on a quiet machine:
# everything else running competes for the same cores.
#
# Like test.sh it uses setup.sh (the project's packages, locales, build),
# with its own build directory build-bench with the project's default build type
# (debugoptimized, no sanitizers: what users get). On top of that it installs
# with apt-get what only the benchmark needs: gnome-online-accounts, for
# goa-daemon, the anchor; deliberately not in debian-packages.txt, which
# setup.sh installs for everyone. (curl, the HTTP floor, and xvfb, for the
# app's window, are in that list already; they are checked here too.)
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"
builddir="$srcdir/build-bench"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Run, not sourced: dash's "." passes no arguments, and setup.sh needs ours.
sh "$srcdir/build-aux/setup.sh" "$builddir" -Dbuildtype=debugoptimized -Db_sanitize=none

bench_missing=""
for p in gnome-online-accounts curl xvfb; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    bench_missing="$bench_missing $p"
  fi
done
if [ -n "$bench_missing" ]; then
  echo "bench: installing$bench_missing (for the benchmark only)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $bench_missing
fi

load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: load average $load on $(nproc) cores before the run"

exec "$builddir/tests/cmt-session" --no-keyring /usr/bin/python3 "$srcdir/tests/bench/bench.py" \
  --out "$builddir/bench" "$@"
