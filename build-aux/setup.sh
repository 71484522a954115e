#!/bin/sh
# setup.sh: installs whichever Debian packages from debian-packages.txt are
# missing, generates the locales the tests use, and configures + builds with
# meson. Idempotent; sourced by test.sh and demo.sh, or run on its own.
#
#   build-aux/setup.sh [BUILDDIR [MESON-OPTIONS...]]
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$srcdir/build"}
[ $# -gt 0 ] && shift

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

cmt_install_packages() {
  pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$srcdir/build-aux/debian-packages.txt")
  missing=""
  for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
      missing="$missing $p"
    fi
  done
  if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
}

cmt_generate_locales() {
  need=""
  for l in ja_JP en_US; do
    locale -a 2>/dev/null | grep -qi "^$l\.utf-\?8$" || need="$need $l"
  done
  if [ -n "$need" ]; then
    echo "setup: generating locales$need"
    for l in $need; do
      as_root sed -i "s/^# *\($l.UTF-8 UTF-8\)/\1/" /etc/locale.gen
      grep -q "^$l.UTF-8 UTF-8" /etc/locale.gen || echo "$l.UTF-8 UTF-8" | as_root tee -a /etc/locale.gen >/dev/null
    done
    as_root locale-gen >/dev/null
  fi
}

cmt_configure_and_build() {
  dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$srcdir" "$@"
  fi
  ninja -C "$dir"
}

cmt_install_packages
cmt_generate_locales
cmt_configure_and_build "$builddir" "$@"
