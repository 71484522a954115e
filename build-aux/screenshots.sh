#!/bin/sh
# screenshots.sh: the AppStream screenshots (data/screenshots/), taken by the
# test suite's screenshot run: the translation tests of the real app under
# Xvfb (tests/i18n/test_i18n_gui.py), in English and in Japanese, each window
# cut out of the screen. Run it after a change the screenshots show, and
# commit data/screenshots/.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$srcdir/build-aux/setup.sh" "$srcdir/build"

shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
CMT_SCREENSHOT_DIR=$shots meson test -C "$srcdir/build" --print-errorlogs i18n-gui-en i18n-gui-ja

mkdir -p "$srcdir/data/screenshots"
for lang in en ja; do
  for shot in connections:connections jcma-how:renew jcma-consent:renew-consent; do
    from=${shot%%:*}
    to=${shot#*:}
    # -strip: no timestamps in the files, so an unchanged picture stays unchanged in git.
    convert "$shots/i18n-$lang-$from-window.png" -strip "$srcdir/data/screenshots/$to-$lang.png"
    echo "data/screenshots/$to-$lang.png: $(identify -format '%wx%h' "$srcdir/data/screenshots/$to-$lang.png")"
  done
done
