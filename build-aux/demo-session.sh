#!/bin/sh
# demo-session.sh: the demo's world, run by demo.sh inside tests/cmt-session (private bus,
# throwaway keyring and XDG dirs): the fake Atlassian, cmatokend, two cloud accounts, three
# servers and three connections (valid, expiring in 3 days, expired); then the app where
# there is a display, else a renewal end to end with cmatokenctl, status before and after.
set -eu

: "${CMT_BUILDDIR:?run me through tests/cmt-session (build-aux/demo.sh does)}"
: "${CMT_SRCDIR:?run me through tests/cmt-session}"
: "${CMT_SESSION_DIR:?run me through tests/cmt-session}"

ctl="$CMT_BUILDDIR/cli/cmatokenctl"
fake_bin="$CMT_BUILDDIR/tests/fake-atlassian/cmatoken-fake-atlassian"
daemon_bin="$CMT_BUILDDIR/service/cmatokend"
app_bin="$CMT_BUILDDIR/gui/cmatoken"
scenario="$CMT_SRCDIR/tests/fake-atlassian/demo-scenario.json"
work="$CMT_SESSION_DIR/demo"
mkdir -p "$work"

fake_pid=""
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }

# Waits up to $1 tenths of a second for the command that follows to succeed.
wait_for() {
  tries=$1; shift
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# status says 3 when something needs attention: that is the point of the demo.
status() {
  rc=0
  "$ctl" status || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || exit "$rc"
}

# The build tree's translations (LANG=ja_JP.UTF-8 shows the demo in Japanese).
export CMT_LOCALEDIR="${CMT_LOCALEDIR:-$CMT_BUILDDIR/po}"

say "Starting the fake Atlassian (loopback only)"
rm -f "$work/fake-url"
"$fake_bin" --scenario "$scenario" --ready-file "$work/fake-url" >"$work/fake.out" 2>"$work/fake.log" &
fake_pid=$!
wait_for 100 test -s "$work/fake-url" || { echo "demo: the fake Atlassian did not start; see $work/fake.log" >&2; exit 1; }
base=$(cat "$work/fake-url")
echo "Atlassian cloud and servers at $base"

# The service and anything D-Bus activates (the app, a restarted service) talk to the fake.
export CMATOKEN_API_BASE_URL="$base/api"
export CMATOKEN_ALLOW_INSECURE_LOOPBACK=1
dbus-update-activation-environment CMATOKEN_API_BASE_URL CMATOKEN_ALLOW_INSECURE_LOOPBACK CMT_LOCALEDIR >/dev/null 2>&1 || true

say "Starting cmatokend"
"$daemon_bin" >"$work/cmatokend.log" 2>&1 &
daemon_pid=$!
wait_for 200 gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.GetNameOwner io.github.cmatoken.Daemon \
  || { echo "demo: cmatokend did not start; see $work/cmatokend.log" >&2; exit 1; }

site="$base/site/acme"
day=86400
now=$(date +%s)

say "Adding two cloud site admins, three servers and three connections"
# The demo's secrets come from the demo scenario; cmatokenctl reads them on stdin only.
printf '%s\n' demo-admin-token | "$ctl" add-cloud-account admin@example.com "$site"
printf '%s\n' demo-ops-token | "$ctl" add-cloud-account ops@example.com "$site"
printf '%s\n' demo-jira-pat | "$ctl" add-server jira "$base/server/jira" --pat
printf '%s\n' demo-wiki-pat | "$ctl" add-server confluence "$base/server/wiki" --pat
printf '%s\n' demo-legacy-pat | "$ctl" add-server jira "$base/server/legacy" --pat
"$ctl" add-connection "$base/server/jira" admin@example.com "$site" --renewed-at $((now - 10 * day))
"$ctl" add-connection "$base/server/wiki" admin@example.com "$site" --renewed-at $((now - 18 * day))
"$ctl" add-connection "$base/server/legacy" ops@example.com "$site" --renewed-at $((now - 23 * day))

if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && [ -x "$app_bin" ]; then
  say "Opening the app; close its window to end the demo"
  "$app_bin"
  exit 0
fi

say "Status"
status

say "Renewing the expiring Confluence connection (CCMA) through the Migration API"
"$ctl" renew "$base/server/wiki" --allow-migrations-data-access

say "What the Confluence server holds now (from the fake's state)"
curl -s "$base/_fake/state" | /usr/bin/python3 -c '
import json, sys
for h in json.load(sys.stdin)["servers"]["wiki"]["holds"]:
    print("a container token for %s, saved %s, created by %s" % (h["cloudUrl"], h["saved_at"], h["email"]))
'

say "Status after the renewal"
status
