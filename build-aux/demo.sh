#!/bin/sh
# demo.sh: the README's run command. Installs what is missing, builds into ./build, then runs
# the demo (build-aux/demo-session.sh) in a throwaway world: a private session bus, a
# throwaway keyring and XDG dirs, the fake Atlassian on 127.0.0.1. Nothing touches your own
# keyring, files or bus; every run starts afresh.
#
#   build-aux/demo.sh          the app where there is a display, else the command line demo
#   env -u DISPLAY -u WAYLAND_DISPLAY build-aux/demo.sh    the command line demo
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir="$srcdir/build"

. "$srcdir/build-aux/setup.sh" "$builddir"

# cmt-session gives the demo its own HOME and XDG_RUNTIME_DIR: keep the way to the display.
if [ -n "${DISPLAY:-}" ] && [ -z "${XAUTHORITY:-}" ] && [ -f "$HOME/.Xauthority" ]; then
  export XAUTHORITY="$HOME/.Xauthority"
fi
if [ -n "${WAYLAND_DISPLAY:-}" ] && [ -n "${XDG_RUNTIME_DIR:-}" ]; then
  case "$WAYLAND_DISPLAY" in
    /*) ;;
    *) export WAYLAND_DISPLAY="$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ;;
  esac
fi

exec "$builddir/tests/cmt-session" /bin/sh "$srcdir/build-aux/demo-session.sh"
