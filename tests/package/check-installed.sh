#!/bin/sh
# check-installed.sh DEB: runs inside the fresh Debian 12 root of test-package.sh.
# Installs DEB with apt, checks the installed files work alone, purges it.
set -eu
deb=$1
fail() { echo "check-installed: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' cmatoken 2>/dev/null | grep -q "ok installed"; then
  fail "cmatoken is already installed on this system; the test needs a root without it"
fi
for f in /usr/bin/cmatokenctl /usr/libexec/cmatokend /usr/local/bin/cmatokenctl /usr/local/libexec/cmatokend; do
  [ ! -e "$f" ] || fail "$f exists before the package is installed"
done

# The tools the checks use, not needed by cmatoken itself.
echo "-- apt install the checks' tools (libglib2.0-bin for gsettings and gdbus, man-db, dbus)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Use-Pty=0 libglib2.0-bin man-db dbus >/dev/null

echo "-- apt install ./$(basename "$deb")"
cd "$(dirname "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  -o Dpkg::Use-Pty=0 "./$(basename "$deb")" 2>&1 | sed 's/^/   /'
dpkg-query -W -f='${Status}\n' cmatoken | grep -q "install ok installed" || fail "dpkg does not list cmatoken as installed"

echo "-- cmatokenctl --version"
version=$(cmatokenctl --version)
echo "   $version"
case $version in cmatokenctl\ [0-9]*) ;; *) fail "cmatokenctl --version printed \"$version\"";; esac

echo "-- gsettings list-keys io.github.cmatoken (the schema was compiled by the trigger)"
keys=$(gsettings list-keys io.github.cmatoken) || fail "gsettings does not know io.github.cmatoken"
echo "$keys" | sed 's/^/   /'
[ -n "$keys" ] || fail "the schema has no keys"

echo "-- the systemd user unit, enabled for graphical sessions"
[ -f /usr/lib/systemd/user/cmatokend.service ] || fail "no /usr/lib/systemd/user/cmatokend.service"
[ -L /etc/systemd/user/graphical-session.target.wants/cmatokend.service ] ||
  fail "cmatokend.service is not enabled for graphical-session.target"
grep -q '^ExecStart=/usr/libexec/cmatokend --login$' /usr/lib/systemd/user/cmatokend.service || fail "the unit's ExecStart"
grep -q '^Documentation=.*man:cmatokend(8)' /usr/lib/systemd/user/cmatokend.service || fail "the unit's Documentation="
# D-Bus activation runs the daemon itself, whatever the unit's state.
! grep -q '^SystemdService=' /usr/share/dbus-1/services/io.github.cmatoken.Daemon.service ||
  fail "the D-Bus service file hands activation to the unit"

echo "-- the autostart entry, the app's desktop file, icons, AppStream, translations"
for f in /etc/xdg/autostart/io.github.cmatoken.Daemon.desktop \
         /usr/share/applications/io.github.cmatoken.desktop \
         /usr/share/icons/hicolor/scalable/apps/io.github.cmatoken.svg \
         /usr/share/icons/hicolor/symbolic/apps/io.github.cmatoken-symbolic.svg \
         /usr/share/metainfo/io.github.cmatoken.metainfo.xml \
         /usr/share/locale/ja/LC_MESSAGES/cmatoken.mo \
         /usr/share/dbus-1/services/io.github.cmatoken.Daemon.service \
         /usr/share/dbus-1/services/io.github.cmatoken.service \
         /usr/share/bash-completion/completions/cmatokenctl \
         /usr/share/zsh/vendor-completions/_cmatokenctl; do
  [ -e "$f" ] || fail "$f is missing"
done
LANGUAGE=ja cmatokenctl --help | grep -q 'コマンド' || fail "cmatokenctl --help is not in Japanese with LANGUAGE=ja"

echo "-- man pages"
for page in cmatokenctl.1 cmatokend.8 cmatoken.1; do
  path=$(man -w "${page%.*}" 2>/dev/null) || fail "man -w ${page%.*}: no page"
  echo "   $path"
  case $path in /usr/share/man/*) ;; *) fail "${page%.*}'s page is at $path";; esac
done

echo "-- D-Bus activation of the daemon from the installed files"
home=$(mktemp -d)
out=$(env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 XDG_RUNTIME_DIR="$home" \
  dbus-run-session -- sh -c '
    # At login with nothing stored, the unit and the autostart entry start nothing.
    timeout 20 /usr/libexec/cmatokend --login || { echo "cmatokend --login exited with $?"; exit 1; }
    if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
         --method org.freedesktop.DBus.NameHasOwner io.github.cmatoken.Daemon | grep -q true; then
      echo "cmatokend --login left a service running with nothing to watch"; exit 1
    fi
    cmatokenctl status >/dev/null 2>&1 || [ $? -eq 3 ] || { echo "status failed: $?"; cmatokenctl status 2>&1; exit 1; }
    pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
          --method org.freedesktop.DBus.GetConnectionUnixProcessID io.github.cmatoken.Daemon |
          sed -n "s/.*uint32 \([0-9]*\).*/\1/p")
    echo "daemon pid $pid: $(readlink /proc/$pid/exe)"
  ') || fail "D-Bus activation: $out"
echo "   $out"
case $out in *"/usr/libexec/cmatokend") ;; *) fail "the daemon that answered is not /usr/libexec/cmatokend: $out";; esac
rm -rf "$home"

echo "-- apt purge cmatoken"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -o Dpkg::Use-Pty=0 cmatoken 2>&1 | sed 's/^/   /'
for f in /usr/bin/cmatokenctl /usr/libexec/cmatokend /etc/xdg/autostart/io.github.cmatoken.Daemon.desktop \
         /etc/systemd/user/graphical-session.target.wants/cmatokend.service; do
  [ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f is still there after apt purge"
done
if gsettings list-keys io.github.cmatoken >/dev/null 2>&1; then
  fail "the schema is still compiled in after apt purge"
fi
echo "check-installed: ok"
