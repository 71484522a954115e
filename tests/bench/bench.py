# bench.py: measures cmatokend and the app beside goa-daemon, the bus's floor, curl and a bare libadwaita window
"""The cmatoken benchmark (issue 6). Run it with build-aux/bench.sh, which
builds, installs what is missing and runs this inside tests/cmt-session (a
private session bus, throwaway XDG dirs); the script starts the real
gnome-keyring itself (see World.start_keyring):

    BUILDDIR/tests/cmt-session --no-keyring /usr/bin/python3 tests/bench/bench.py [--quick] [--out DIR]

Every figure is measured in the same run as its anchor:

  start        exec → bus name owned: cmatokend vs goa-daemon, N objects each
  rss          VmRSS after settling: cmatokend vs goa-daemon
  gmo          GetManagedObjects round trip: cmatokend vs goa-daemon
  get          Properties.Get of one property vs org.freedesktop.DBus.Peer.Ping
               to the bus daemon (the floor: one round trip to the bus)
  renew        Connection1.Renew against the fake Atlassian vs the same two
               HTTP requests made with curl (curl's own time_total, so process
               start-up is not counted against the floor)
  renew_all    every renewable connection renewed at once: total time, all
               succeed, observed parallelism (RenewStep set at the same time)
  wakeups      voluntary context switches of all threads over an idle window
  gui_frame    launch → first frame showing the content (the connection rows,
               or the empty page at N=0) vs launch → first frame of a minimal
               libadwaita window; both timed by the same LD_PRELOAD hook
  gui_rss      the app's VmRSS with N connections vs the minimal window's

N connections means N cloud accounts, N servers and N connections for
cmatokend, N IMAP/SMTP accounts for goa-daemon. The first R of them (R =
--renew, default 1000) are added through the D-Bus API with real secrets in
the keyring and exist in the fake; the rest are written into the daemon's key
file directly (their secrets are never read unless they are renewed).
goa-daemon's accounts have no keyring secret, so its start-up credentials check
fails at the keyring, before any network; org.gnome.Identity (Kerberos) is
kept from starting. That only makes goa-daemon's numbers better.

Writes DIR/results.json and DIR/results.md (DIR: --out, default
$CMT_BUILDDIR/bench) and prints the Markdown table. These are measurements,
not tests: with --validate the script only checks that every figure was
produced and is well-formed (the smoke test), never how fast anything is.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import secrets as _random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'service'))

import gi  # noqa: E402
gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

import cmtharness as h  # noqa: E402

CMT_NAME = 'io.github.cmatoken.Daemon'
CMT_ROOT = '/io/github/cmatoken'
GOA_NAME = 'org.gnome.OnlineAccounts'
GOA_ROOT = '/org/gnome/OnlineAccounts'
GOA_DAEMON = '/usr/libexec/goa-daemon'
IFACE_CONNECTION = 'io.github.cmatoken.Connection1'
DAY = 86400

# gui_timeout: the longest wait for the app's content frame; gui_slow: after a
# launch slower than this, that N gets no more app launches (one is enough to
# see it, and five would blow the time budget).
# slow_settle: a daemon that took longer than this to settle after its first
# start is only timed to its name in the other runs (goa-daemon checks the
# credentials of its 10,000 accounts one by one at start: minutes).
FULL = dict(ns=[0, 1000, 10000], runs=5, renew=1000, renew_samples=30, idle=60,
            get_rounds=1000, quiet=2.0, gui_timeout=180, gui_slow=30, slow_settle=60)
QUICK = dict(ns=[0, 20], runs=2, renew=20, renew_samples=3, idle=3,
             get_rounds=100, quiet=0.5, gui_timeout=120, gui_slow=30, slow_settle=60)

TICK = os.sysconf('SC_CLK_TCK')


def log(*args):
    print('[bench %s]' % time.strftime('%H:%M:%S'), *args, file=sys.stderr, flush=True)


def now_us():
    """CLOCK_MONOTONIC in microseconds: g_get_monotonic_time() in the programs we start."""
    return time.monotonic_ns() // 1000


# --------------------------------------------------------------------------
# Numbers

def percentile(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    if not v:
        return None
    k = max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))
    return v[k]


def summary(values, p99=False):
    values = [float(x) for x in values]
    out = {'median': statistics.median(values), 'min': min(values), 'max': max(values),
           'samples': len(values)}
    if p99:
        out['p99'] = percentile(values, 99)
    if len(values) <= 50:
        out['values'] = values
    return out


# --------------------------------------------------------------------------
# Processes

def proc_times(pid):
    """utime + stime of the whole process, in clock ticks."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def thread_switches(pid):
    """{tid: (voluntary, nonvoluntary)} of every thread."""
    out = {}
    try:
        tids = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open('/proc/%d/task/%s/status' % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue
        v = re.search(r'^voluntary_ctxt_switches:\s*(\d+)', text, re.M)
        n = re.search(r'^nonvoluntary_ctxt_switches:\s*(\d+)', text, re.M)
        if v and n:
            out[tid] = (int(v.group(1)), int(n.group(1)))
    return out


def vm_rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        return int(re.search(r'^VmRSS:\s*(\d+) kB', f.read(), re.M).group(1))


class SwitchCounter:
    """Context switches of a process's threads between start() and stop().
    Threads that come and go are counted too (an exit is a wake-up)."""

    def __init__(self, pid):
        self.pid = pid
        self.first = thread_switches(pid)
        self.last = dict(self.first)
        self.exited = set()

    def sample(self):
        now = thread_switches(self.pid)
        for tid in self.last:
            if tid not in now:
                self.exited.add(tid)
        self.last.update(now)

    def result(self):
        self.sample()
        vol = nonvol = 0
        for tid, (v, n) in self.last.items():
            v0, n0 = self.first.get(tid, (0, 0))
            vol += v - v0
            nonvol += n - n0
        return {'voluntary': vol + len(self.exited), 'nonvoluntary': nonvol,
                'threads_exited': len(self.exited),
                'threads_started': len(set(self.last) - set(self.first))}


class HttpConnectionSampler(threading.Thread):
    """Samples how many TCP connections a process has open to a loopback
    port: the parallelism the HTTP client really uses."""

    def __init__(self, pid, port):
        super().__init__(daemon=True)
        self.pid = pid
        self.port = port
        self.peak = 0
        self.samples = 0
        self._halt = threading.Event()

    def count(self):
        inodes = set()
        try:
            for fd in os.listdir('/proc/%d/fd' % self.pid):
                with_suppressed(lambda: inodes.add(
                    re.match(r'socket:\[(\d+)\]', os.readlink('/proc/%d/fd/%s' % (self.pid, fd)))
                    .group(1)))
            with open('/proc/%d/net/tcp' % self.pid) as f:
                lines = f.readlines()[1:]
        except OSError:
            return 0
        n = 0
        for line in lines:
            fields = line.split()
            if (fields[3] == '01' and int(fields[2].split(':')[1], 16) == self.port
                    and fields[9] in inodes):
                n += 1
        return n

    def run(self):
        while not self._halt.is_set():
            self.peak = max(self.peak, self.count())
            self.samples += 1
            time.sleep(0.002)

    def finish(self):
        self._halt.set()
        self.join()


class Service:
    """A D-Bus service started by exec, timed until it owns its name."""

    def __init__(self, label, argv, bus_name, root_path, env, log_path, bus):
        self.label = label
        self.argv = argv
        self.bus_name = bus_name
        self.root_path = root_path
        self.env = env
        self.log_path = log_path
        self.bus = bus
        self.proc = None

    def start(self, timeout=300):
        """Starts the service; returns seconds from exec to the name being owned."""
        owned = {}
        loop = GLib.MainLoop()

        def on_owner(_c, _s, _p, _i, _m, params):
            name, _old, new = params.unpack()
            if name == self.bus_name and new:
                owned['t'] = time.monotonic()
                owned['owner'] = new
                loop.quit()

        def on_poll():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                loop.quit()
            return GLib.SOURCE_CONTINUE

        sub = self.bus.signal_subscribe('org.freedesktop.DBus', 'org.freedesktop.DBus',
                                        'NameOwnerChanged', '/org/freedesktop/DBus',
                                        self.bus_name, Gio.DBusSignalFlags.NONE, on_owner)
        # The subscription is in place once the bus has answered a call after it.
        self.name_owner_pid()
        logf = open(self.log_path, 'ab')
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=logf, stderr=logf)
        logf.close()
        deadline = t0 + timeout
        poll_id = GLib.timeout_add(50, on_poll)
        loop.run()
        GLib.source_remove(poll_id)
        self.bus.signal_unsubscribe(sub)
        if 't' not in owned:
            self.stop()
            raise RuntimeError('%s did not own %s (exit status %s); log %s:\n%s'
                               % (self.label, self.bus_name, self.proc.returncode,
                                  self.log_path, tail(self.log_path)))
        pid = self.name_owner_pid()
        if pid != self.proc.pid:
            raise RuntimeError('%s is owned by pid %s, not by the %s we started (%d)'
                               % (self.bus_name, pid, self.label, self.proc.pid))
        return owned['t'] - t0

    def name_owner_pid(self):
        try:
            return self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                      'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                                      GLib.Variant('(s)', (self.bus_name,)),
                                      GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE,
                                      10000, None).unpack()[0]
        except GLib.Error:
            return None

    @property
    def pid(self):
        return self.proc.pid

    def settle(self, quiet, timeout=600):
        """Waits until the process has used no CPU and switched no context for
        @quiet seconds; returns the seconds it took."""
        return settle(self.pid, quiet, timeout, self.label)

    def rss_kb(self):
        return vm_rss_kb(self.pid)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # The name goes with the process; wait for the bus to notice.
        deadline = time.monotonic() + 10
        while self.name_owner_pid() is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        self.proc = None


def with_suppressed(func, *args):
    try:
        func(*args)
    except Exception:
        pass


def settle(pid, quiet, timeout, label):
    start = time.monotonic()
    last = None
    since = start
    while True:
        state = (proc_times(pid), sum(v for v, _n in thread_switches(pid).values()))
        t = time.monotonic()
        if state != last:
            last = state
            since = t
        elif t - since >= quiet:
            return since - start
        if t - start > timeout:
            raise RuntimeError('%s did not settle within %d s' % (label, timeout))
        time.sleep(0.05)


def tail(path, lines=40):
    try:
        with open(path, 'rb') as f:
            return '\n'.join(f.read().decode('utf-8', 'replace').splitlines()[-lines:])
    except OSError:
        return ''


# --------------------------------------------------------------------------
# The world

class World:
    def __init__(self, args, cfg):
        self.args = args
        self.cfg = cfg
        self.builddir = h.builddir()
        self.srcdir = os.environ.get('CMT_SRCDIR') or os.path.abspath(os.path.join(HERE, '..', '..'))
        self.work = tempfile.mkdtemp(prefix='bench-', dir=os.environ.get('CMT_SESSION_DIR'))
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.tools = {
            'daemon': os.environ.get('CMT_DAEMON') or os.path.join(self.builddir, 'service', 'cmatokend'),
            'app': os.environ.get('CMT_APP') or os.path.join(self.builddir, 'gui', 'cmatoken'),
            'dbus': os.path.join(self.builddir, 'tests', 'bench', 'cmt-bench-dbus'),
            'floor': os.path.join(self.builddir, 'tests', 'bench', 'cmt-bench-floor'),
            'hook': os.environ.get('CMT_BENCH_FRAME_HOOK') or os.path.join(
                self.builddir, 'tests', 'bench', 'libcmt-bench-frame-hook.so'),
            'goa': GOA_DAEMON,
            'curl': shutil.which('curl') or '/usr/bin/curl',
            'xvfb': shutil.which('Xvfb') or '/usr/bin/Xvfb',
        }
        missing = [p for k, p in self.tools.items() if not os.access(p, os.X_OK if k != 'hook' else os.R_OK)]
        if missing:
            raise SystemExit('bench: missing %s (build-aux/bench.sh builds and installs them)'
                             % ', '.join(missing))
        self.xvfb = None
        self.display = None
        self.gui_warm = False
        self.fake = None
        self.renewable = []      # [(connection path, site name, server name)]
        self.real_state = ''     # the key file groups of the renewable objects
        self.populate_s = None
        self.keyring = None
        # Xvfb has only Mesa's software GL: shader compilation there would add
        # about a second to every launch, the floor's included, and flatter
        # the ratio. Cairo costs both the same little. GSK_RENDERER overrides.
        self.gsk_renderer = os.environ.get('GSK_RENDERER') or 'cairo'
        self.load_start = os.getloadavg()

    # --- the bus ----------------------------------------------------------
    def keep_goa_offline(self):
        """Nothing may D-Bus-activate a goa-daemon or goa-identity-service of
        its own: a user service file that runs /bin/false shadows the
        system's (the session bus reads $XDG_DATA_HOME/dbus-1/services)."""
        d = os.path.join(os.environ['XDG_DATA_HOME'], 'dbus-1', 'services')
        os.makedirs(d, exist_ok=True)
        for name in (GOA_NAME, 'org.gnome.Identity'):
            with open(os.path.join(d, name + '.service'), 'w') as f:
                f.write('[D-BUS Service]\nName=%s\nExec=/bin/false\n' % name)
        self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                           'ReloadConfig', None, None, Gio.DBusCallFlags.NONE, 10000, None)

    # --- the keyring ------------------------------------------------------
    def start_keyring(self):
        """gnome-keyring as our own child, unlocked, with its in-memory
        "session" collection as the default one.

        Our child, not a daemon whose parent is init: cmt-session's clean-up
        stops the newest such gnome-keyring-daemon of the user, and with
        other test sessions ending on the machine during a long run, that
        was ours. (Run under "cmt-session --no-keyring".)

        The session collection: gnome-keyring rewrites the whole login
        keyring file for every item it stores, so storing the 2,000 secrets
        of 1,000 renewable connections there takes minutes; in memory it
        takes seconds. Reading secrets, all the daemons here do, is the same.
        """
        if self.bus_owner('org.freedesktop.secrets') is None:
            self.keyring = subprocess.Popen(
                ['gnome-keyring-daemon', '--foreground', '--unlock', '--components=secrets'],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(self.work, 'gnome-keyring.log'), 'ab'))
            self.keyring.stdin.write(h.Keyring.PASSWORD.encode())
            self.keyring.stdin.close()
            deadline = time.monotonic() + 30
            while self.bus_owner('org.freedesktop.secrets') is None:
                if self.keyring.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError('gnome-keyring-daemon did not start')
                time.sleep(0.05)
        else:
            log('using the session\'s gnome-keyring: another test session ending may stop it; '
                'run under "cmt-session --no-keyring" to have one of our own')
        keyring = h.Keyring(h.Client(self.bus))
        deadline = time.monotonic() + 30
        while True:
            try:
                if keyring.is_locked():
                    keyring.unlock()
                break
            except h.DBusCallError:
                # The login collection is made just after the name is owned.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.bus.call_sync('org.freedesktop.secrets', '/org/freedesktop/secrets',
                           'org.freedesktop.Secret.Service', 'SetAlias',
                           GLib.Variant('(so)', ('default', '/org/freedesktop/secrets/collection/session')),
                           None, Gio.DBusCallFlags.NONE, 30000, None)

    def stop_keyring(self):
        if self.keyring is not None:
            self.keyring.terminate()
            self.keyring.wait()
            self.keyring = None

    def bus_owner(self, name):
        try:
            return self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                      'org.freedesktop.DBus', 'GetNameOwner',
                                      GLib.Variant('(s)', (name,)), GLib.VariantType('(s)'),
                                      Gio.DBusCallFlags.NONE, 10000, None).unpack()[0]
        except GLib.Error:
            return None

    def ensure_keyring(self, why):
        """The keyring, still there: a daemon started while it is gone would
        activate a locked one and tidy nothing, and renewals would fail."""
        if self.bus_owner('org.freedesktop.secrets') is None:
            raise RuntimeError('gnome-keyring went away (%s); see %s'
                               % (why, os.path.join(self.work, 'gnome-keyring.log')))

    # --- Xvfb -------------------------------------------------------------
    def start_xvfb(self):
        r, w = os.pipe()
        self.xvfb = subprocess.Popen([self.tools['xvfb'], '-displayfd', str(w), '-screen', '0',
                                      '1280x1024x24', '-nolisten', 'tcp', '-noreset'],
                                     pass_fds=(w,), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        data = b''
        deadline = time.monotonic() + 30
        while not data.endswith(b'\n') and time.monotonic() < deadline:
            chunk = os.read(r, 64)
            if not chunk:
                break
            data += chunk
        os.close(r)
        if not data.strip():
            raise RuntimeError('Xvfb did not start')
        self.display = ':' + data.decode().strip()

    def stop_xvfb(self):
        if self.xvfb is not None:
            self.xvfb.terminate()
            self.xvfb.wait()
            self.xvfb = None

    # --- the fake Atlassian ---------------------------------------------------
    def start_fake(self):
        sites, servers = [], []
        self.creds = []
        for i in range(self.args.renew):
            token = 'ATATT-bench-%s' % _random.token_hex(12)
            pat = 'pat-bench-%s' % _random.token_hex(12)
            sites.append({'name': 'site%d' % i, 'users': [
                {'email': 'admin@site%d.test' % i, 'api_token': token, 'site_admin': True}]})
            servers.append({'name': 'srv%d' % i, 'product': 'jira', 'pats': [pat]})
            self.creds.append(('site%d' % i, 'admin@site%d.test' % i, token, 'srv%d' % i, pat))
        data = {'auth_token_lifetime_seconds': 300, 'sites': sites, 'servers': servers}
        os.makedirs(os.path.join(self.work, 'fake'))
        self.fake = h.FakeAtlassian(h.Scenario(data), workdir=os.path.join(self.work, 'fake'))

    def stop_fake(self):
        if self.fake is not None:
            self.fake.stop()
            self.fake = None

    # --- cmatokend -----------------------------------------------------------
    def cmt_root(self, n):
        return os.path.join(self.work, 'cmatokend-%d' % n)

    def cmt_env(self, root):
        env = dict(os.environ)
        for kind in ('data', 'config', 'cache', 'state'):
            os.makedirs(os.path.join(root, kind), exist_ok=True)
            env['XDG_%s_HOME' % kind.upper()] = os.path.join(root, kind)
        env['CMATOKEN_API_BASE_URL'] = self.fake.api_url()
        env['CMATOKEN_ALLOW_INSECURE_LOOPBACK'] = '1'
        env.pop('G_DEBUG', None)
        env.pop('G_MESSAGES_DEBUG', None)
        return env

    def cmt_service(self, root):
        return Service('cmatokend', [self.tools['daemon']], CMT_NAME, CMT_ROOT,
                       self.cmt_env(root), os.path.join(self.work, 'cmatokend.log'), self.bus)

    def state_path(self, root):
        return os.path.join(root, 'data', 'cmatoken', 'state.ini')

    def populate(self):
        """The renewable connections, through the D-Bus API (secrets in the
        real keyring), into a daemon of their own; keeps its key file."""
        root = os.path.join(self.work, 'populate')
        self.ensure_keyring('before adding the renewable connections')
        svc = self.cmt_service(root)
        svc.start()
        t0 = time.monotonic()
        pending = {'n': 0}
        loop = GLib.MainLoop()
        errors, retry = [], []
        paths = {}
        renewed_at = int(time.time()) - DAY
        batch = 32

        def call(method, args, sig, key, then=None):
            pending['n'] += 1

            def done(conn, res, _data):
                pending['n'] -= 1
                try:
                    paths[key] = conn.call_finish(res).unpack()[0]
                    if then:
                        then()
                except GLib.Error as e:
                    # A keyring that went away refused the call and changed
                    # nothing: it can be made again.
                    if re.search(r'Error\.Keyring(Locked|Unavailable)', e.message):
                        retry.append((method, args, sig, key, then))
                    else:
                        errors.append('%s: %s' % (method, e.message))
                if pending['n'] == 0:
                    loop.quit()

            self.bus.call(CMT_NAME, CMT_ROOT + '/Manager', 'io.github.cmatoken.Manager1', method,
                          GLib.Variant(sig, args), None, Gio.DBusCallFlags.NO_AUTO_START,
                          120000, None, done, None)

        def add_connection(i):
            if ('a', i) in paths and ('s', i) in paths:
                site = self.creds[i][0]
                call('AddConnection', (paths[('s', i)], paths[('a', i)], self.fake.site_url(site),
                                       {'check': GLib.Variant('b', False),
                                        'renewed-at': GLib.Variant('x', renewed_at)}),
                     '(oosa{sv})', ('c', i))

        nocheck = {'check': GLib.Variant('b', False)}
        for start in range(0, len(self.creds), batch):
            for i in range(start, min(start + batch, len(self.creds))):
                site, email, token, srv, pat = self.creds[i]
                call('AddCloudAccount', (email, self.fake.site_url(site), token, 0, nocheck),
                     '(sssxa{sv})', ('a', i), lambda i=i: add_connection(i))
                call('AddServer', ('jira', self.fake.server_url(srv), 'pat', '', pat, 0, nocheck),
                     '(sssssxa{sv})', ('s', i), lambda i=i: add_connection(i))
            loop.run()
            for attempt in range(5):
                if not retry or errors:
                    break
                self.ensure_keyring('while adding the renewable connections')
                again, retry[:] = list(retry), []
                for c in again:
                    call(*c)
                loop.run()
            if errors or retry:
                break
        self.populate_s = time.monotonic() - t0
        if errors or retry:
            svc.stop()
            raise RuntimeError('adding the renewable connections failed: %s'
                               % (errors or ['the keyring kept going away'])[:3])
        self.renewable_ids = [paths[('c', i)].rsplit('/', 1)[1] for i in range(len(self.creds))]
        svc.settle(0.5)
        svc.stop()
        with open(self.state_path(root)) as f:
            self.real_state = f.read()
        log('added %d renewable connections (accounts, servers and keyring items) through D-Bus '
            'in %.1f s' % (len(self.creds), self.populate_s))

    def write_cmt_state(self, n):
        """A key file with N connections: the renewable ones, then generated ones."""
        root = self.cmt_root(n)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.dirname(self.state_path(root)), exist_ok=True)
        now = int(time.time())
        base = self.fake.base
        parts = [self.real_state if n > 0 else '']
        for i in range(len(self.creds) if n > 0 else 0, n):
            parts.append(
                '[CloudAccount bench%07d]\nemail=admin@gen%d.test\nsite_url=%s/site/gen%d\n'
                'display_name=Admin %d\ntoken_expires_at=0\nsecret_slot=bencha%07d\ncheck=ok\n'
                'last_checked_at=%d\nlast_error=\n\n'
                '[Server bench%07d]\nproduct=jira\nbase_url=%s/server/gen%d\nauth_kind=pat\n'
                'username=\nsecret_expires_at=0\nsecret_slot=benchs%07d\ncheck=ok\n'
                'last_checked_at=%d\nlast_error=\n\n'
                '[Connection benchc%07d]\nserver=bench%07d\ncloud_account=bench%07d\n'
                'cloud_site_url=%s/site/gen%d\nrenewed_at=%d\nlast_error=\nlast_error_code=\n'
                'auto_renew=false\nauto_renew_consent_at=0\n\n'
                % (i, i, base, i, i, i, now - 3600,
                   i + 5000000, base, i, i, now - 3600,
                   i, i + 5000000, i, base, i, now - DAY))
        # The servers' ids must differ from the accounts' (one namespace per kind
        # is enough for the daemon, but distinct ids keep the key file readable).
        text = ''.join(parts)
        self.pristine = os.path.join(self.work, 'state-%d.ini' % n)
        with open(self.pristine, 'w') as f:
            f.write(text)
        return root

    def reset_cmt_state(self, root):
        shutil.copyfile(self.pristine, self.state_path(root))
        os.chmod(self.state_path(root), 0o600)

    # --- goa-daemon ----------------------------------------------------------
    def goa_service(self, n):
        root = os.path.join(self.work, 'goa-%d' % n)
        conf = os.path.join(root, 'config', 'goa-1.0', 'accounts.conf')
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.dirname(conf))
        with open(conf, 'w') as f:
            for i in range(n):
                f.write('[Account account_1700000000_%d]\nProvider=imap_smtp\n'
                        'Identity=user%d@mail%d.invalid\nPresentationIdentity=user%d@mail%d.invalid\n'
                        'MailEnabled=true\nEnabled=true\nEmailAddress=user%d@mail%d.invalid\n'
                        'Name=User %d\nImapHost=imap.mail%d.invalid\nImapUserName=user%d\n'
                        'ImapUseSsl=true\nImapUseTls=false\nImapAcceptSslErrors=false\n'
                        'SmtpHost=smtp.mail%d.invalid\nSmtpUseAuth=true\nSmtpUserName=user%d\n'
                        'SmtpAuthLogin=false\nSmtpAuthPlain=true\nSmtpUseSsl=true\nSmtpUseTls=false\n'
                        'SmtpAcceptSslErrors=false\n\n'
                        % (i, i, i, i, i, i, i, i, i, i, i, i))
        env = dict(os.environ)
        env['XDG_CONFIG_HOME'] = os.path.join(root, 'config')
        env.pop('G_MESSAGES_DEBUG', None)
        return Service('goa-daemon', [self.tools['goa']], GOA_NAME, GOA_ROOT, env,
                       os.path.join(self.work, 'goa-daemon.log'), self.bus)

    # --- D-Bus calls, timed in C ----------------------------------------------
    def dbus_times(self, specs, count, warmup=3):
        out = subprocess.run([self.tools['dbus'], '--count', str(count), '--warmup', str(warmup)]
                             + specs, stdout=subprocess.PIPE, check=True, timeout=3600)
        result = json.loads(out.stdout)['specs']
        for r in result:
            if r['errors']:
                raise RuntimeError('%s failed %d times: %s' % (r['spec'], r['errors'],
                                                             r['first_error']))
        return result

    def first_object(self, iface):
        reply = self.bus.call_sync(CMT_NAME, CMT_ROOT, 'org.freedesktop.DBus.ObjectManager',
                                   'GetManagedObjects', None, None,
                                   Gio.DBusCallFlags.NO_AUTO_START, 120000, None).unpack()[0]
        for path in sorted(reply):
            if iface in reply[path]:
                return path
        return None

    def cpu_ticks(self):
        """CPU time so far of the processes a renewal runs through."""
        pids = {'cmatokend': getattr(self, 'cmt_pid', None),
                'gnome-keyring': self.owner_pid('org.freedesktop.secrets'),
                'fake Atlassian': self.fake.proc.pid if self.fake else None,
                'dbus-daemon': self.owner_pid('org.freedesktop.DBus')}
        out = {}
        for k, pid in pids.items():
            if pid:
                with_suppressed(lambda: out.__setitem__(k, proc_times(pid)))
        return out

    def owner_pid(self, name):
        try:
            return self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                      'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                                      GLib.Variant('(s)', (name,)), GLib.VariantType('(u)'),
                                      Gio.DBusCallFlags.NONE, 10000, None).unpack()[0]
        except GLib.Error:
            return None

    # --- the app ---------------------------------------------------------------
    def launch_gui(self, which, n):
        """Starts the app or the floor under Xvfb with the frame hook; returns
        (first frame s, content frame s, RSS kB after settling)."""
        frame_log = os.path.join(self.work, 'frames-%s-%d.log' % (which, n))
        with_suppressed(os.unlink, frame_log)
        env = dict(os.environ)
        env.update({'DISPLAY': self.display, 'GDK_BACKEND': 'x11', 'NO_AT_BRIDGE': '1',
                    'LD_PRELOAD': self.tools['hook'], 'CMT_BENCH_FRAME_LOG': frame_log})
        env.pop('WAYLAND_DISPLAY', None)
        env.pop('G_DEBUG', None)
        env['GSK_RENDERER'] = self.gsk_renderer
        if which == 'app':
            # A profiler's command line before the app's (e.g. "perf record -g -o FILE --");
            # the figures are then the profiler's, only its output counts.
            argv = shlex.split(os.environ.get('CMT_BENCH_APP_WRAP', '')) + [self.tools['app']]
            env['CMT_BENCH_EXPECT_ROWS'] = '1' if n > 0 else '0'
        else:
            argv = [self.tools['floor']]
            env['CMT_BENCH_EXPECT_ROWS'] = '0'
        logf = open(os.path.join(self.work, '%s.log' % which), 'ab')
        t0 = now_us()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf)
        logf.close()
        try:
            frames = {}
            deadline = time.monotonic() + self.cfg['gui_timeout']
            while 'content-frame' not in frames:
                if proc.poll() is not None:
                    raise RuntimeError('%s exited with %s before its content frame; log:\n%s'
                                       % (which, proc.returncode,
                                          tail(os.path.join(self.work, '%s.log' % which))))
                if time.monotonic() > deadline:
                    raise GuiTimeout('%s showed no content frame within %d s'
                                     % (which, self.cfg['gui_timeout']))
                time.sleep(0.005)
                with_suppressed(lambda: frames.update(read_frames(frame_log)))
            settle(proc.pid, self.cfg['quiet'], self.cfg['gui_timeout'], which)
            rss = vm_rss_kb(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return ((frames['first-frame'] - t0) / 1e6, (frames['content-frame'] - t0) / 1e6, rss)

    def cleanup(self):
        self.stop_xvfb()
        self.stop_fake()
        self.stop_keyring()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)


class GuiTimeout(RuntimeError):
    pass


def read_frames(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                out.setdefault(parts[0], int(parts[1]))
    return out


# --------------------------------------------------------------------------
# Measurements

class Results:
    def __init__(self):
        self.figures = []

    def add(self, **fig):
        self.figures.append(fig)
        return fig


def ratio(a, b):
    return a / b if b else None


def measure_n(world, res, n, cfg):
    log('N=%d: preparing %d connections for cmatokend and %d accounts for goa-daemon' % (n, n, n))
    root = world.write_cmt_state(n)
    goa = world.goa_service(n)
    cmt = world.cmt_service(root)
    starts = {'cmatokend': [], 'goa-daemon': []}
    rss = {'cmatokend': [], 'goa-daemon': []}
    settle_s = {'cmatokend': [], 'goa-daemon': []}
    gmo = {'cmatokend': [], 'goa-daemon': []}
    gmo_bytes = {}
    get_us, ping_us = [], []
    gmo_calls = 50 if n == 0 else max(3, min(10, 10000 // n))
    get = {}
    ping_spec = 'org.freedesktop.DBus|/org/freedesktop/DBus|org.freedesktop.DBus.Peer.Ping'
    idle = None
    gmo_spec = {'cmatokend': '%s|%s|org.freedesktop.DBus.ObjectManager.GetManagedObjects'
                % (CMT_NAME, CMT_ROOT),
                'goa-daemon': '%s|%s|org.freedesktop.DBus.ObjectManager.GetManagedObjects'
                % (GOA_NAME, GOA_ROOT)}

    def measure(svc, run):
        """Start; then, unless settling is too slow to repeat, settle, RSS and calls."""
        label = svc.label
        t = svc.start()
        starts[label].append(t)
        if run > 0 and settle_s[label][0] > cfg['slow_settle']:
            log('N=%d run %d: %s owned its name after %.3f s' % (n, run + 1, label, t))
            return
        settle_s[label].append(svc.settle(cfg['quiet']))
        rss[label].append(svc.rss_kb())
        if label == 'cmatokend':
            if not get:
                path = world.first_object(IFACE_CONNECTION)
                if path:
                    get['spec'] = '%s|%s|org.freedesktop.DBus.Properties.Get|(%r, %r)' % (
                        CMT_NAME, path, IFACE_CONNECTION, 'Status')
                    get['what'] = 'Connection1.Status'
                else:
                    get['spec'] = '%s|%s/Manager|org.freedesktop.DBus.Properties.Get|(%r, %r)' % (
                        CMT_NAME, CMT_ROOT, 'io.github.cmatoken.Manager1', 'KeyringState')
                    get['what'] = 'Manager1.KeyringState'
                get['us'], get['ping'] = [], []
            r = world.dbus_times([get['spec'], ping_spec], cfg['get_rounds'], warmup=20)
            get['us'] += r[0]['us']
            get['ping'] += r[1]['us']
        r = world.dbus_times([gmo_spec[label]], gmo_calls, warmup=1)
        gmo[label] += [u / 1000 for u in r[0]['us']]
        gmo_bytes[label] = r[0]['reply_bytes']
        log('N=%d run %d: %s owned its name after %.3f s, settled %.1f s later, RSS %d kB'
            % (n, run + 1, label, t, settle_s[label][-1], rss[label][-1]))

    if cfg.get('only') == 'gui':
        world.reset_cmt_state(root)
        world.ensure_keyring('N=%d' % n)
        cmt.start()
        cmt.settle(cfg['quiet'])
        world.cmt_pid = cmt.pid
        measure_gui(world, res, n, cfg)
        cmt.stop()
        return
    for run in range(cfg['runs']):
        world.reset_cmt_state(root)
        world.ensure_keyring('N=%d run %d' % (n, run + 1))
        measure(cmt, run)
        measure(goa, run)
        if run == 0:
            # Both settled: now nothing should wake either of them.
            log('N=%d: both daemons idle for %d s' % (n, cfg['idle']))
            counters = {'cmatokend': SwitchCounter(cmt.pid), 'goa-daemon': SwitchCounter(goa.pid)}
            end = time.monotonic() + cfg['idle']
            while time.monotonic() < end:
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
                for c in counters.values():
                    c.sample()
            idle = {k: c.result() for k, c in counters.items()}
        goa.stop()
        if run == 0:
            world.cmt_pid = cmt.pid
            measure_gui(world, res, n, cfg)
            if n == world.renew_n:
                measure_renew(world, res, cfg)
        cmt.stop()
    get_us, ping_us, get_what = get['us'], get['ping'], get['what']

    gmo_note = 'reply %d kB (cmatokend), %d kB (goa-daemon); %d calls a run' % (
        gmo_bytes['cmatokend'] // 1024, gmo_bytes['goa-daemon'] // 1024, gmo_calls)
    for label in starts:
        if len(rss[label]) < len(starts[label]):
            gmo_note += ('; %s took %.0f s to settle, so only %d of its %d starts settled '
                         '(RSS, GetManagedObjects)' % (label, settle_s[label][0], len(rss[label]),
                                                        len(starts[label])))
    s_c, s_g = summary(starts['cmatokend']), summary(starts['goa-daemon'])
    res.add(id='start', n=n, title='start → bus name owned', unit='s',
            cmatoken=s_c, anchor=dict(s_g, name='goa-daemon'),
            ratio=ratio(s_c['median'], s_g['median']), target='≤ 0.1× goa-daemon',
            met=s_c['median'] <= 0.1 * s_g['median'],
            note='settled after %.1f s (cmatokend), %.1f s (goa-daemon), medians' % (
                statistics.median(settle_s['cmatokend']), statistics.median(settle_s['goa-daemon'])))
    r_c, r_g = summary(rss['cmatokend']), summary(rss['goa-daemon'])
    met = r_c['median'] <= 0.2 * r_g['median']
    target = '≤ 0.2× goa-daemon'
    if n == 1000:
        met = met and r_c['median'] <= 12 * 1024
        target += ' and ≤ 12 MB'
    res.add(id='rss', n=n, title='idle VmRSS after settling', unit='kB',
            cmatoken=r_c, anchor=dict(r_g, name='goa-daemon'),
            ratio=ratio(r_c['median'], r_g['median']), target=target, met=met)
    g_c, g_g = summary(gmo['cmatokend'], p99=True), summary(gmo['goa-daemon'], p99=True)
    res.add(id='gmo', n=n, title='GetManagedObjects', unit='ms',
            cmatoken=g_c, anchor=dict(g_g, name='goa-daemon'),
            ratio=ratio(g_c['median'], g_g['median']),
            ratio_p99=ratio(g_c['p99'], g_g['p99']), target='≤ 0.05× goa-daemon',
            met=g_c['median'] <= 0.05 * g_g['median'] and g_c['p99'] <= 0.05 * g_g['p99'],
            note=gmo_note)
    gu, pu = summary(get_us, p99=True), summary(ping_us, p99=True)
    res.add(id='get', n=n, title='property Get (%s)' % get_what, unit='µs',
            cmatoken=gu, anchor=dict(pu, name='Peer.Ping to the bus'),
            ratio=ratio(gu['median'], pu['median']), target='≤ 2× the floor',
            met=gu['median'] <= 2 * pu['median'])
    i_c, i_g = idle['cmatokend'], idle['goa-daemon']
    res.add(id='wakeups', n=n, title='wake-ups while idle %d s' % cfg['idle'], unit='switches',
            note='voluntary context switches of all threads; a thread that ends counts as one '
                 '(threads ended: cmatokend %d, goa-daemon %d)' % (i_c['threads_exited'],
                                                                  i_g['threads_exited']),
            cmatoken=dict(median=i_c['voluntary'], min=i_c['voluntary'], max=i_c['voluntary'],
                          samples=1, detail=i_c),
            anchor=dict(name='goa-daemon', median=i_g['voluntary'], min=i_g['voluntary'],
                        max=i_g['voluntary'], samples=1, detail=i_g),
            ratio=ratio(i_c['voluntary'], i_g['voluntary']), target='0',
            met=i_c['voluntary'] == 0)


def measure_gui(world, res, n, cfg):
    first, content, app_rss, floor_first, floor_rss = [], [], [], [], []
    notes = []
    if not world.gui_warm:
        # The first GTK program D-Bus-activates the accessibility bus (seconds);
        # on a desktop it is always running already.
        world.launch_gui('floor', n)
        world.gui_warm = True
    for run in range(cfg['runs']):
        f, _c, r = world.launch_gui('floor', n)
        floor_first.append(f)
        floor_rss.append(r)
        try:
            f, c, r = world.launch_gui('app', n)
        except GuiTimeout as e:
            notes.append(str(e))
            log('N=%d GUI run %d: %s' % (n, run + 1, e))
            break
        first.append(f)
        content.append(c)
        app_rss.append(r)
        log('N=%d GUI run %d: floor %.3f s, app first frame %.3f s, content %.3f s, RSS %d kB'
            % (n, run + 1, floor_first[-1], f, c, r))
        if c > cfg['gui_slow']:
            notes.append('one launch only: it took longer than %d s' % cfg['gui_slow'])
            break
    fl = summary(floor_first)
    if content:
        c = summary(content)
        notes.insert(0, 'first frame of any kind: %.3f s (median)' % statistics.median(first))
    else:
        c = {'median': None, 'min': None, 'max': None, 'samples': 0,
             'more_than': cfg['gui_timeout']}
    res.add(id='gui_frame', n=n, title='app launch → first frame with the content', unit='s',
            cmatoken=c, anchor=dict(fl, name='minimal libadwaita window'),
            ratio=ratio(c['median'], fl['median']) if content else None,
            target='≤ 2× the floor' + (' (at N=1000)' if n != 1000 else ''),
            met=(bool(content) and c['median'] <= 2 * fl['median']) if n == 1000 else None,
            note='; '.join(notes))
    fr = summary(floor_rss)
    a = summary(app_rss) if app_rss else {'median': None, 'min': None, 'max': None, 'samples': 0}
    res.add(id='gui_rss', n=n, title='app VmRSS with N connections', unit='kB',
            cmatoken=a, anchor=dict(fr, name='minimal libadwaita window'),
            ratio=ratio(a['median'], fr['median']) if app_rss else None,
            target='grows ≤ 20 kB a connection', met=None)


def measure_renew(world, res, cfg):
    """Renew end to end vs curl, then every renewable connection at once."""
    n = world.renew_n
    world.ensure_keyring('before renewing')
    reply = world.bus.call_sync(CMT_NAME, CMT_ROOT, 'org.freedesktop.DBus.ObjectManager',
                                'GetManagedObjects', None, None, Gio.DBusCallFlags.NO_AUTO_START,
                                120000, None).unpack()[0]
    ids = set(world.renewable_ids)
    paths = sorted(p for p in reply if IFACE_CONNECTION in reply[p] and p.rsplit('/', 1)[1] in ids)
    if len(paths) != n:
        raise RuntimeError('expected %d renewable connections, found %d' % (n, len(paths)))
    consent = GLib.Variant('(a{sv})', ({'allow-migrations-data-access': GLib.Variant('b', True)},))
    # The first connection: its site and server in the fake.
    site_url = reply[paths[0]][IFACE_CONNECTION]['CloudSiteUrl']
    site = site_url.rsplit('/', 1)[1]
    cred = next(c for c in world.creds if c[0] == site)
    renew_ms, curl_ms = [], []
    cpu_before = world.cpu_ticks()
    for i in range(cfg['renew_samples'] + 1):
        c = curl_floor(world, cred)
        t0 = time.monotonic()
        world.bus.call_sync(CMT_NAME, paths[0], IFACE_CONNECTION, 'Renew', consent,
                            GLib.VariantType('(x)'), Gio.DBusCallFlags.NO_AUTO_START, 120000, None)
        t = (time.monotonic() - t0) * 1000
        if i > 0:  # the first of each warms up connections and caches
            renew_ms.append(t)
            curl_ms.append(c)
    # Per renewal (curl's requests count towards the fake and dbus-daemon too).
    cpu = {k: (v - cpu_before.get(k, 0)) / TICK / (cfg['renew_samples'] + 1) * 1000
           for k, v in world.cpu_ticks().items()}
    r, cu = summary(renew_ms, p99=True), summary(curl_ms, p99=True)
    res.add(id='renew', n=n, cpu_ms_per_renewal=cpu, title='Renew end to end (fake Atlassian on loopback)', unit='ms',
            cmatoken=r, anchor=dict(cu, name='the two requests with curl'),
            ratio=ratio(r['median'], cu['median']), ratio_p99=ratio(r['p99'], cu['p99']),
            target='≤ 2× the floor',
            met=r['median'] <= 2 * cu['median'] and r['p99'] <= 2 * cu['p99'])
    log('Renew: median %.2f ms, curl %.2f ms' % (r['median'], cu['median']))

    # Every connection at once.
    steps, renewing = {}, set()
    peak = {'steps': 0, 'renewing': 0}

    def on_changed(_c, _s, path, _i, _m, params):
        iface, changed, _inv = params.unpack()
        if 'RenewStep' in changed:
            if changed['RenewStep']:
                steps[path] = changed['RenewStep']
            else:
                steps.pop(path, None)
            peak['steps'] = max(peak['steps'], len(steps))
        if 'Renewing' in changed:
            (renewing.add if changed['Renewing'] else renewing.discard)(path)
            peak['renewing'] = max(peak['renewing'], len(renewing))

    sub = world.bus.signal_subscribe(CMT_NAME, 'org.freedesktop.DBus.Properties',
                                     'PropertiesChanged', None, IFACE_CONNECTION,
                                     Gio.DBusSignalFlags.NONE, on_changed)
    before = world.fake.counters()
    cpu_before = world.cpu_ticks()
    sampler = HttpConnectionSampler(world.cmt_pid, world.fake.port)
    sampler.start()
    outcome = {'ok': 0, 'errors': [], 'left': len(paths)}
    loop = GLib.MainLoop()

    def done(conn, result, _data):
        try:
            conn.call_finish(result)
            outcome['ok'] += 1
        except GLib.Error as e:
            outcome['errors'].append(e.message)
        outcome['left'] -= 1
        if outcome['left'] == 0:
            outcome['t'] = time.monotonic()
            loop.quit()

    t0 = time.monotonic()
    for p in paths:
        world.bus.call(CMT_NAME, p, IFACE_CONNECTION, 'Renew', consent, GLib.VariantType('(x)'),
                       Gio.DBusCallFlags.NO_AUTO_START, 600000, None, done, None)
    loop.run()
    total = outcome['t'] - t0
    # Late PropertiesChanged signals still count towards the peak.
    ctx = GLib.MainContext.default()
    while ctx.iteration(False):
        pass
    world.bus.signal_unsubscribe(sub)
    sampler.finish()
    cpu = {k: (v - cpu_before.get(k, 0)) / TICK for k, v in world.cpu_ticks().items()}
    after = world.fake.counters()
    res.add(id='renew_all', n=n, title='%d connections renewed at once' % n, unit='s',
            cmatoken=dict(median=total, min=total, max=total, samples=1),
            anchor=None, ratio=None,
            succeeded=outcome['ok'], failed=len(outcome['errors']),
            first_error=outcome['errors'][0] if outcome['errors'] else None,
            max_parallel=sampler.peak, parallel_samples=sampler.samples,
            max_renewing=peak['renewing'], max_renew_step_set=peak['steps'],
            fake_requests={k: after[k] - before.get(k, 0) for k in after if ':' not in k},
            cpu_seconds=cpu,
            target='all succeed, bounded parallelism, total ≤ 5 s',
            met=(outcome['ok'] == n and 0 < sampler.peak < n and total <= 5.0),
            note='parallelism: most TCP connections from cmatokend to the fake open at once '
                 '(sampled every 2 ms); Renewing was true on %d connections at once' % peak['renewing'])
    log('%d at once: %d ok, %d failed, %.2f s, at most %d HTTP connections open at once '
        '(%d renewing or queued); CPU seconds meanwhile: %s'
        % (n, outcome['ok'], len(outcome['errors']), total, sampler.peak, peak['renewing'],
           ', '.join('%s %.1f' % kv for kv in sorted(cpu.items()))))


def curl_floor(world, cred):
    """The two requests of a renewal, made by curl: its time_total for each, in ms."""
    site, email, token, srv, pat = cred
    site_url = world.fake.site_url(site)

    def run(url, config, body):
        out = subprocess.run([world.tools['curl'], '-sS', '-K', '-', '-X', 'POST',
                              '-H', 'Content-Type: application/json',
                              '-H', 'Accept: application/json',
                              '--data-binary', body, '-w', '\n%{http_code} %{time_total}', url],
                             input=config.encode(), stdout=subprocess.PIPE, check=True, timeout=60)
        text = out.stdout.decode()
        body_text, last = text.rsplit('\n', 1)
        code, secs = last.split()
        if code != '200':
            raise RuntimeError('curl: HTTP %s from %s' % (code, url))
        return body_text, float(secs) * 1000

    # Secrets go to curl on stdin (-K -), never on its command line.
    reply, t1 = run(world.fake.api_url() + '/migrations/public/v1/token',
                    'user = "%s:%s"\n' % (email, token), json.dumps({'cloudUrl': site_url}))
    auth = json.loads(reply)['token']
    _reply, t2 = run(world.fake.server_url(srv) + '/rest/migration/latest/cloud/save/token',
                     'header = "Authorization: Bearer %s"\n' % pat,
                     json.dumps({'cloudUrl': site_url, 'token': auth}))
    return t1 + t2


# --------------------------------------------------------------------------
# The machine

def machine_info(world, cfg, args):
    def cmd(*argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  check=True).stdout.decode().strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    model = None
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem_kb = int(re.search(r'MemTotal:\s*(\d+)', f.read()).group(1))
    versions = {}
    for mod, name in (('glib-2.0', 'GLib'), ('gtk4', 'GTK'), ('libadwaita-1', 'libadwaita'),
                      ('libsoup-3.0', 'libsoup'), ('libsecret-1', 'libsecret')):
        versions[name] = cmd('pkg-config', '--modversion', mod)
    for pkg, name in (('gnome-online-accounts', 'goa-daemon'), ('gnome-keyring', 'gnome-keyring'),
                      ('dbus-daemon', 'dbus-daemon'), ('curl', 'curl')):
        versions[name] = cmd('dpkg-query', '-W', '-f=${Version}', pkg)
    buildtype = None
    try:
        with open(os.path.join(world.builddir, 'meson-info', 'intro-buildoptions.json')) as f:
            opts = {o['name']: o['value'] for o in json.load(f)}
        buildtype = opts.get('buildtype')
        if opts.get('b_sanitize') not in (None, 'none'):
            buildtype += ' + sanitize=%s' % opts['b_sanitize']
    except (OSError, ValueError, KeyError):
        pass
    commit = os.environ.get('CMT_BENCH_COMMIT') or cmd('git', '-C', world.srcdir, 'rev-parse',
                                                       '--short', 'HEAD')
    return {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'cpu': model, 'cores': os.cpu_count(), 'memory_mb': mem_kb // 1024,
        'kernel': platform.release(), 'os': cmd('sh', '-c', '. /etc/os-release && echo "$PRETTY_NAME"'),
        'versions': versions, 'buildtype': buildtype, 'commit': commit,
        'gsk_renderer': world.gsk_renderer,
        'loadavg_1min': {'start': world.load_start[0], 'end': os.getloadavg()[0]},
        'mode': 'quick' if args.quick else 'full',
        'runs': cfg['runs'], 'ns': cfg['ns'], 'renew_n': world.renew_n,
        'idle_seconds': cfg['idle'], 'populate_seconds': world.populate_s,
        'keyring': 'gnome-keyring, default collection: the in-memory session collection',
    }


# --------------------------------------------------------------------------
# Output

def fmt(value, unit):
    if value is None:
        return '—'
    if unit == 's':
        return '%.0f ms' % (value * 1000) if value < 1 else '%.2f s' % value
    if unit == 'ms':
        return '%.2f ms' % value if value < 10 else '%.0f ms' % value
    if unit == 'µs':
        return '%.0f µs' % value
    if unit == 'kB':
        return '%.1f MB' % (value / 1024)
    return '%d' % value


def cell(s, unit, p99=False):
    if not s:
        return '—'
    if s.get('median') is None:
        return 'no content within %s s' % s['more_than'] if s.get('more_than') else 'not measured'
    text = fmt(s['median'], unit)
    if p99 and 'p99' in s:
        text += ', p99 %s' % fmt(s['p99'], unit)
    if s.get('samples', 1) > 1:
        text += ' (%s–%s)' % (fmt(s['min'], unit), fmt(s['max'], unit))
    return text


def ratio_text(r):
    if r is None:
        return '—'
    return '%.3f×' % r if r < 0.1 else '%.2f×' % r


def markdown(data):
    m = data['meta']
    lines = []
    lines.append('| Figure | N | cmatoken | Anchor | Anchor value | Ratio | Target | Met |')
    lines.append('|---|---:|---|---|---|---:|---|---|')
    growth = data.get('gui_rss_growth', {})
    for f in data['figures']:
        unit = f['unit']
        p99 = f['id'] in ('gmo', 'renew', 'get')
        anchor = f.get('anchor')
        if f['id'] == 'renew_all':
            value = '%s; %d/%d succeeded; at most %d HTTP connections at once' % (
                fmt(f['cmatoken']['median'], 's'), f['succeeded'], f['n'], f['max_parallel'])
        else:
            value = cell(f['cmatoken'], unit, p99)
        r = ratio_text(f.get('ratio'))
        if f.get('ratio_p99') is not None:
            r += ' (p99 %s)' % ratio_text(f['ratio_p99'])
        met = {True: 'yes', False: '**no**', None: '—'}[f.get('met')]
        if f['id'] == 'gui_rss' and str(f['n']) in growth:
            g = growth[str(f['n'])]
            value += '; %+.2f kB a connection from N=%s' % (g['kb_per_connection'],
                                                             '{:,}'.format(g['from']))
            met = 'yes' if g['met'] else '**no**'
        lines.append('| %s | %s | %s | %s | %s | %s | %s | %s |' % (
            f['title'], '{:,}'.format(f['n']), value, anchor['name'] if anchor else '—',
            cell(anchor, unit, p99) if anchor else '—', r, f['target'], met))
    notes = []
    for f in data['figures']:
        parts = [f['note']] if f.get('note') else []
        if f.get('cpu_ms_per_renewal'):
            parts.append('CPU ms per renewal: ' + ', '.join(
                '%s %.1f' % kv for kv in sorted(f['cpu_ms_per_renewal'].items())))
        if f.get('cpu_seconds'):
            parts.append('CPU seconds meanwhile: ' + ', '.join(
                '%s %.1f' % kv for kv in sorted(f['cpu_seconds'].items())))
        if parts:
            notes.append('- %s, N=%s: %s.' % (f['title'], '{:,}'.format(f['n']), '; '.join(parts)))
    if notes:
        lines.append('')
        lines += notes
    v = m['versions']
    lines.append('')
    lines.append('Machine: %s, %d cores, %d MB; %s, kernel %s. Build: %s (commit %s). '
                 'GLib %s, GTK %s, libadwaita %s, libsoup %s, libsecret %s; goa-daemon %s, '
                 'gnome-keyring %s, dbus-daemon %s, curl %s; GSK renderer %s (Xvfb). '
                 'Mode %s: %d runs, median (min–max over all samples), p99 where shown; '
                 'idle window %d s; load average %.1f at the start, %.1f at the end; %s.'
                 % (m['cpu'], m['cores'], m['memory_mb'], m['os'], m['kernel'], m['buildtype'],
                    m['commit'], v['GLib'], v['GTK'], v['libadwaita'], v['libsoup'],
                    v['libsecret'], v['goa-daemon'], v['gnome-keyring'], v['dbus-daemon'],
                    v['curl'], m['gsk_renderer'], m['mode'], m['runs'], m['idle_seconds'],
                    m['loadavg_1min']['start'], m['loadavg_1min']['end'], m['date']))
    return '\n'.join(lines) + '\n'


def gui_growth(figures):
    """kB a connection the app's RSS grows by, from the N before to each N
    (medians): from 0 to 1,000, then from 1,000 to 10,000 (the marginal cost,
    where fixed costs such as the first row's icons and fonts no longer count)."""
    rss = {f['n']: f['cmatoken']['median'] for f in figures
           if f['id'] == 'gui_rss' and f['cmatoken']['median'] is not None}
    out = {}
    ns = sorted(rss)
    for prev, n in zip(ns, ns[1:]):
        per = (rss[n] - rss[prev]) / (n - prev)
        out[str(n)] = {'from': prev, 'kb_per_connection': per, 'met': per <= 20.0}
    return out


FIGURE_ORDER = ['start', 'rss', 'gmo', 'get', 'wakeups', 'renew', 'renew_all',
                'gui_frame', 'gui_rss']


def ordered(figures):
    return sorted(figures, key=lambda f: (FIGURE_ORDER.index(f['id']), f['n']))


def validate(data, cfg, renew_n):
    """The smoke test: every figure present, numbers finite. Never speed."""
    problems = []
    want = [(i, n) for n in cfg['ns']
            for i in ('start', 'rss', 'gmo', 'get', 'wakeups', 'gui_frame', 'gui_rss')]
    want += [('renew', renew_n), ('renew_all', renew_n)]
    have = {(f['id'], f['n']): f for f in data.get('figures', [])}
    for key in want:
        f = have.get(key)
        if f is None:
            problems.append('figure %s at N=%d is missing' % key)
            continue
        for side in ('cmatoken', 'anchor'):
            s = f.get(side)
            if s is None and side == 'anchor' and key[0] == 'renew_all':
                continue
            if not isinstance(s, dict):
                problems.append('%s N=%d: no %s values' % (key[0], key[1], side))
                continue
            for k in ('median', 'min', 'max'):
                v = s.get(k)
                if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                    problems.append('%s N=%d: %s.%s is %r' % (key[0], key[1], side, k, v))
            if isinstance(s.get('min'), (int, float)) and isinstance(s.get('max'), (int, float)) \
                    and not s['min'] <= s['median'] <= s['max']:
                problems.append('%s N=%d: %s median outside min–max' % (key[0], key[1], side))
        if f.get('met') not in (True, False, None):
            problems.append('%s N=%d: met is %r' % (key[0], key[1], f.get('met')))
        if key[0] == 'renew_all' and f.get('succeeded', 0) + f.get('failed', 0) != renew_n:
            problems.append('renew_all: %r succeeded + %r failed != %d'
                            % (f.get('succeeded'), f.get('failed'), renew_n))
    for n in cfg['ns']:
        if n > 0 and str(n) not in data.get('gui_rss_growth', {}):
            problems.append('no GUI memory growth for N=%d' % n)
    for k in ('cpu', 'cores', 'versions', 'buildtype'):
        if not data.get('meta', {}).get(k):
            problems.append('meta.%s is missing' % k)
    return problems


# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='small N, 2 runs: the smoke test')
    parser.add_argument('--out', help='where results.json and results.md go')
    parser.add_argument('--n', help='comma-separated N (default 0,1000,10000; quick 0,20)')
    parser.add_argument('--runs', type=int, help='runs per N (default 5; quick 2)')
    parser.add_argument('--renew', type=int, help='connections with real secrets, renewed at once')
    parser.add_argument('--idle', type=float, help='idle window in seconds (default 60; quick 3)')
    parser.add_argument('--validate', action='store_true',
                        help='check that results.json has every figure (exit 1 if not)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    parser.add_argument('--only', choices=['gui'],
                        help='only the app\'s figures (gui_frame, gui_rss), the daemon started once')
    args = parser.parse_args()

    cfg = dict(QUICK if args.quick else FULL)
    if args.n:
        cfg['ns'] = sorted({int(x) for x in args.n.split(',')})
    if args.runs:
        cfg['runs'] = args.runs
    if args.idle is not None:
        cfg['idle'] = args.idle
    cfg['only'] = args.only
    positive = [n for n in cfg['ns'] if n > 0]
    if not positive:
        raise SystemExit('bench: give at least one N > 0')
    # Every N must include all the renewable connections.
    args.renew = min(args.renew or cfg['renew'], min(positive))
    out_dir = args.out or os.path.join(h.builddir(), 'bench')
    os.makedirs(out_dir, exist_ok=True)

    if not os.access(GOA_DAEMON, os.X_OK):
        # Never a silent skip: build-aux/setup.sh installs it from the package list.
        print('bench: %s is missing: install gnome-online-accounts (build-aux/setup.sh does)'
              % GOA_DAEMON, file=sys.stderr)
        return 1

    world = World(args, cfg)
    world.renew_n = args.renew
    res = Results()
    t_start = time.monotonic()
    try:
        world.keep_goa_offline()
        world.start_keyring()
        world.start_xvfb()
        world.start_fake()
        populated = False
        for n in cfg['ns']:
            if n > 0 and not populated:
                world.populate()
                populated = True
            measure_n(world, res, n, cfg)
        meta = machine_info(world, cfg, args)
        meta['total_seconds'] = time.monotonic() - t_start
    finally:
        world.cleanup()

    data = {'meta': meta, 'figures': ordered(res.figures),
            'gui_rss_growth': gui_growth(res.figures)}
    with open(os.path.join(out_dir, 'results.json'), 'w') as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
    md = markdown(data)
    with open(os.path.join(out_dir, 'results.md'), 'w') as f:
        f.write(md)
    print(md)
    log('wrote %s and results.md in %.0f s' % (os.path.join(out_dir, 'results.json'),
                                                time.monotonic() - t_start))

    if args.validate:
        with open(os.path.join(out_dir, 'results.json')) as f:
            problems = validate(json.load(f), cfg, args.renew)
        if problems:
            print('bench: results.json is incomplete:\n  ' + '\n  '.join(problems), file=sys.stderr)
            return 1
        log('results.json has every figure')
    return 0


if __name__ == '__main__':
    sys.exit(main())
