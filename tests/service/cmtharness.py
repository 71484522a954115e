# cmtharness.py: runs the real cmatokend against the fake Atlassian on a private bus, for the tests
"""Test harness for cmatoken's integration tests (service, CLI, GUI, benchmark).

Run inside ``cmt-session`` (private session bus, unlocked gnome-keyring,
throwaway XDG dirs; it exports CMT_BUILDDIR, CMT_SRCDIR, CMT_SESSION_DIR).
Only the Python standard library and gi (Gio/GLib) are used.

The pieces:

``FakeAtlassian(scenario)``
    Starts ``cmatoken-fake-atlassian`` (env CMT_FAKE_ATLASSIAN, else
    CMT_BUILDDIR/tests/fake-atlassian/cmatoken-fake-atlassian) on a scenario
    dict (see tests/fake-atlassian/README.md) and talks to its control
    endpoints: ``state()``, ``add_fault()``, ``clear_faults()``, ``reset()``,
    ``set_user()``. URLs: ``api_url()``, ``site_url(name)``, ``server_url(name)``.

``Daemon(fake)``
    Starts CMT_BUILDDIR/service/cmatokend --verbose with its own XDG data,
    config, cache and state dirs under ``daemon.root`` (so every file it
    writes can be searched for secrets) and the fake as Atlassian. Honours
    CMT_DAEMON_WRAPPER (e.g. valgrind; its logs are checked at ``stop()``).
    ``start()``, ``stop()`` (SIGTERM, asserts a clean exit), ``kill9()``,
    ``restart()``, ``log_text()``, ``set_setting()``.

``Client()``
    The session bus, with the cmatoken API as Python calls. Calls never
    auto-start the service (a dead daemon shows up as an error, not as a
    fresh activated one). Failed calls raise ``DBusCallError`` (``.name`` is
    the short name, e.g. "Exists", for our errors). Waiting helpers iterate
    the default GLib main context: ``wait_until()``, ``wait_for_property()``;
    ``SignalRecorder`` collects signals.

``Keyring(client)``
    The Secret Service as seen by the tests: cmatoken's items, lock/unlock
    the login collection, make the Secret Service unavailable and bring it
    back.

``Hygiene``
    Every secret a test uses is registered (``secret()`` makes unique ones;
    ``Scenario`` registers its own). Everything the daemon says on the bus
    through ``Client`` is checked as it arrives; ``Hygiene.check_daemon()``
    searches the daemon's log and files and checks the key file's mode.

``ServiceTestCase``
    unittest base class: a fake per class (``scenario()`` builds it), a
    fresh daemon per test (``daemon_per_class = True`` shares one), hygiene
    checks after each test, and ``assertRaisesDBus()``.

Time limits are multiplied by $CMT_TIMEOUT_MULTIPLIER (the valgrind setup sets 10).

Example (a CLI or GUI test; run as ``cmt-session /usr/bin/python3 test_x.py``)::

    sys.path.insert(0, os.path.join(os.environ['CMT_SRCDIR'], 'tests', 'service'))
    from cmtharness import ServiceTestCase, main

    class TestStatus(ServiceTestCase):
        daemon_per_class = True

        def test_status(self):
            conn = self.add_connection('jira', 'acme')    # account + server + connection
            self.client.renew(conn)
            out = subprocess.run([os.path.join(os.environ['CMT_BUILDDIR'], 'cli',
                                               'cmatokenctl'), 'status'], ...)
            self.assertNoSecrets(out.stdout)

    if __name__ == '__main__':
        main()

Without unittest: ``fake = FakeAtlassian(Scenario.standard()); daemon =
Daemon(fake).start(); client = Client(); ...; daemon.stop(); fake.stop()``.
"""

import atexit
import contextlib
import http.client
import json
import os
import re
import secrets as _random
import select
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import gi
gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = 'io.github.cmatoken.Daemon'
ROOT_PATH = '/io/github/cmatoken'
MANAGER_PATH = ROOT_PATH + '/Manager'
IFACE_MANAGER = 'io.github.cmatoken.Manager1'
IFACE_ACCOUNT = 'io.github.cmatoken.CloudAccount1'
IFACE_SERVER = 'io.github.cmatoken.Server1'
IFACE_CONNECTION = 'io.github.cmatoken.Connection1'
IFACE_PROPERTIES = 'org.freedesktop.DBus.Properties'
IFACE_OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager'
ERROR_PREFIX = 'io.github.cmatoken.Error.'
ERROR_NAMES = ('InvalidArgument', 'NotFound', 'Exists', 'InUse', 'ConsentRequired',
               'CloudAuthFailed', 'ServerAuthFailed', 'TokenRejected', 'NotSupported',
               'Network', 'KeyringLocked', 'KeyringUnavailable', 'Cancelled', 'Busy',
               'Failed')
ID_RE = re.compile(r'^[A-Za-z0-9_]+$')
DAY = 86400

MULTIPLIER = float(os.environ.get('CMT_TIMEOUT_MULTIPLIER', '1') or '1')


def scaled(seconds):
    """A time limit, stretched for slow runs (valgrind)."""
    return seconds * MULTIPLIER


def log(*args):
    print('[harness %s]' % time.strftime('%H:%M:%S'), *args, file=sys.stderr, flush=True)


def builddir():
    path = os.environ.get('CMT_BUILDDIR')
    if not path:
        raise RuntimeError('CMT_BUILDDIR is not set: run the tests inside tests/cmt-session')
    return path


def _scratch_parent():
    return os.environ.get('CMT_SESSION_DIR') or tempfile.gettempdir()


def now():
    return int(time.time())


def free_closed_port():
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# Secrets

class Hygiene:
    """Collects the secrets tests use and finds them where they must not be."""

    secrets = set()
    violations = []

    @classmethod
    def register(cls, value):
        if value:
            cls.secrets.add(value)
        return value

    @classmethod
    def scan_text(cls, text, where):
        """Records a violation for each secret found in @text."""
        found = [s for s in cls.secrets if s in text]
        for s in found:
            cls.violations.append('%s contains the secret %s…' % (where, s[:6]))
        return found

    @classmethod
    def take_violations(cls):
        v, cls.violations = cls.violations, []
        return v

    @classmethod
    def check_daemon(cls, daemon):
        """Returns a list of problems: secrets in the daemon's log or files,
        a key file that is not 0600."""
        problems = []
        for dirpath, _dirs, files in os.walk(daemon.root):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    with open(path, 'rb') as f:
                        data = f.read()
                except OSError:
                    continue
                text = data.decode('utf-8', 'replace')
                for s in cls.secrets:
                    if s in text:
                        problems.append('%s contains the secret %s…' % (
                            os.path.relpath(path, daemon.root), s[:6]))
        state_dir = daemon.state_dir()
        if os.path.isdir(state_dir):
            for name in os.listdir(state_dir):
                path = os.path.join(state_dir, name)
                mode = stat.S_IMODE(os.stat(path).st_mode)
                if os.path.isfile(path) and mode != 0o600:
                    problems.append('%s has mode %o, not 600' % (path, mode))
        return problems


def secret(prefix='sekrit'):
    """A new unique secret, registered for the hygiene checks."""
    return Hygiene.register('%s-%s' % (prefix, _random.token_hex(10)))


# --------------------------------------------------------------------------
# Scenarios

class Scenario:
    """A fake Atlassian scenario with unique secrets (all registered).

    ``Scenario.standard()`` has:
      sites: acme (admin@acme.test and admin2@acme.test site admins,
             dev@acme.test not an admin), other (admin@other.test),
             wikionly (confluence_only; admin@wikionly.test)
      servers: jira (jira; a PAT and user "admin"), wiki (confluence; a PAT
             and user "cadmin"), jira2 (jira; a PAT), oldjira (jira, no
             migration API; a PAT)
    """

    def __init__(self, data):
        self.data = data
        for site in data.get('sites', []):
            for user in site.get('users', []):
                Hygiene.register(user.get('api_token'))
        for server in data.get('servers', []):
            for pat in server.get('pats', []):
                Hygiene.register(pat)
            for user in server.get('users', []):
                Hygiene.register(user.get('password'))

    @classmethod
    def standard(cls, **top):
        def user(email, name, admin=True):
            return {'email': email, 'api_token': secret('ATATT'), 'display_name': name,
                    'site_admin': admin}
        data = {
            'auth_token_lifetime_seconds': 300,
            'sites': [
                {'name': 'acme', 'confluence_only': False, 'users': [
                    user('admin@acme.test', 'Ada Admin'),
                    user('admin2@acme.test', 'Bea Second'),
                    user('dev@acme.test', 'Dev Eloper', admin=False)]},
                {'name': 'other', 'confluence_only': False, 'users': [
                    user('admin@other.test', 'Otto Other')]},
                {'name': 'wikionly', 'confluence_only': True, 'users': [
                    user('admin@wikionly.test', 'Wiki Only')]},
            ],
            'servers': [
                {'name': 'jira', 'product': 'jira', 'migration_api': True,
                 'pats': [secret('jirapat')],
                 'users': [{'username': 'admin', 'password': secret('jirapw'),
                            'display_name': 'Jira Admin'}]},
                {'name': 'wiki', 'product': 'confluence', 'migration_api': True,
                 'pats': [secret('wikipat')],
                 'users': [{'username': 'cadmin', 'password': secret('wikipw'),
                            'display_name': 'Confluence Admin'}]},
                {'name': 'jira2', 'product': 'jira', 'migration_api': True,
                 'pats': [secret('jira2pat')], 'users': []},
                {'name': 'oldjira', 'product': 'jira', 'migration_api': False,
                 'pats': [secret('oldpat')], 'users': []},
            ],
            'faults': [],
        }
        data.update(top)
        return cls(data)

    def site(self, name):
        for s in self.data['sites']:
            if s['name'] == name:
                return s
        raise KeyError(name)

    def server(self, name):
        for s in self.data['servers']:
            if s['name'] == name:
                return s
        raise KeyError(name)

    def user(self, site, email=None):
        """A site's user (the first one when @email is None)."""
        users = self.site(site)['users']
        if email is None:
            return users[0]
        for u in users:
            if u['email'] == email:
                return u
        raise KeyError(email)

    def token(self, site, email=None):
        return self.user(site, email)['api_token']

    def pat(self, server):
        return self.server(server)['pats'][0]

    def server_user(self, server):
        return self.server(server)['users'][0]

    def product(self, server):
        return self.server(server)['product']


# --------------------------------------------------------------------------
# The fake Atlassian

class FakeAtlassian:
    """The fake Atlassian on 127.0.0.1, started from a scenario (dict or Scenario)."""

    def __init__(self, scenario, workdir=None):
        if isinstance(scenario, Scenario):
            self.scenario = scenario
        else:
            self.scenario = Scenario(scenario)
        self.workdir = workdir or tempfile.mkdtemp(prefix='fake-', dir=_scratch_parent())
        self.scenario_path = os.path.join(self.workdir, 'scenario.json')
        with open(self.scenario_path, 'w') as f:
            json.dump(self.scenario.data, f, indent=2)
        self.log_path = os.path.join(self.workdir, 'fake.log')
        self.binary = os.environ.get('CMT_FAKE_ATLASSIAN') or os.path.join(
            builddir(), 'tests', 'fake-atlassian', 'cmatoken-fake-atlassian')
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError('the fake Atlassian is not built: %s' % self.binary)
        self._log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen([self.binary, '--scenario', self.scenario_path],
                                     stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL)
        self.base = self._read_ready(scaled(20))
        m = re.match(r'^http://127\.0\.0\.1:(\d+)$', self.base)
        if not m:
            self.stop()
            raise RuntimeError('the fake printed an unexpected base URL: %r' % self.base)
        self.port = int(m.group(1))

    def _read_ready(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b''
        fd = self.proc.stdout.fileno()
        while b'\n' not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError('the fake Atlassian did not get ready: %r; log:\n%s'
                                   % (buf, self.log_text()[-3000:]))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    continue
                buf += chunk
        line = buf.split(b'\n', 1)[0].decode().strip()
        if not line.startswith('READY '):
            self.stop()
            raise RuntimeError('the fake Atlassian said %r instead of READY' % line)
        return line[len('READY '):].rstrip('/')

    # URLs
    def api_url(self):
        return self.base + '/api'

    def site_url(self, name):
        return self.base + '/site/' + name

    def server_url(self, name):
        return self.base + '/server/' + name

    # Control endpoints
    def _request(self, method, path, body=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=scaled(10))
        try:
            headers = {}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers['Content-Type'] = 'application/json'
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode('utf-8', 'replace')
            if resp.status >= 300:
                raise RuntimeError('fake %s %s → %d %s' % (method, path, resp.status, text[:200]))
            return json.loads(text) if text.strip().startswith(('{', '[')) else text
        finally:
            conn.close()

    def state(self):
        return self._request('GET', '/_fake/state')

    def add_fault(self, fault):
        """fault: {"endpoint": "token"|"cloud-myself"|"server-myself"|"save"|"any",
        "target"?, "status"?, "delay_ms"?, "body"?: "malformed"|"huge", "drop"?, "count"?}"""
        return self._request('POST', '/_fake/faults', fault)

    def clear_faults(self):
        return self._request('DELETE', '/_fake/faults')

    def reset(self):
        return self._request('POST', '/_fake/reset')

    def set_user(self, site, user):
        """Adds or replaces a site user (e.g. a rotated API token)."""
        Hygiene.register(user.get('api_token'))
        return self._request('POST', '/_fake/sites/%s/users' % site, user)

    # Shortcuts on state()
    def holds(self, server):
        return self.state()['servers'][server]['holds']

    def counters(self):
        st = self.state()
        c = dict(st.get('requests', {}))
        c['token_requests'] = st.get('token_requests', 0)
        c['tokens_issued'] = st.get('tokens_issued', 0)
        c['gateway_requests'] = st.get('gateway_requests', 0)
        for name, srv in st.get('servers', {}).items():
            c['save_requests:' + name] = srv.get('save_requests', 0)
        return c

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(scaled(10))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()
        return self.proc.returncode


# --------------------------------------------------------------------------
# D-Bus

class DBusCallError(Exception):
    """A failed D-Bus call. name: "Exists" for io.github.cmatoken.Error.Exists,
    else the full D-Bus error name; message: without the GDBus prefix."""

    def __init__(self, full_name, message):
        self.full_name = full_name or ''
        self.name = (self.full_name[len(ERROR_PREFIX):]
                     if self.full_name.startswith(ERROR_PREFIX) else self.full_name)
        self.message = message
        super().__init__('%s: %s' % (self.full_name, message))

    @classmethod
    def from_glib(cls, error):
        name = Gio.DBusError.get_remote_error(error) or ''
        msg = error.message or ''
        prefix = 'GDBus.Error:%s: ' % name
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
        return cls(name, msg)


def _variant_text(value):
    try:
        return value.print_(False) if isinstance(value, GLib.Variant) else repr(value)
    except Exception:
        return repr(value)


def options(**kwargs):
    """a{sv} from keyword arguments: names use _ for -; bool→b, int→x, str→s,
    GLib.Variant as is. options(check=False, renewed_at=123)."""
    out = {}
    for key, value in kwargs.items():
        if value is None:
            continue
        name = key.replace('_', '-')
        if isinstance(value, GLib.Variant):
            out[name] = value
        elif isinstance(value, bool):
            out[name] = GLib.Variant('b', value)
        elif isinstance(value, int):
            out[name] = GLib.Variant('x', value)
        elif isinstance(value, str):
            out[name] = GLib.Variant('s', value)
        else:
            raise TypeError('option %s: %r' % (name, value))
    return out


def iface_for_path(path):
    if path.startswith(ROOT_PATH + '/CloudAccounts/'):
        return IFACE_ACCOUNT
    if path.startswith(ROOT_PATH + '/Servers/'):
        return IFACE_SERVER
    if path.startswith(ROOT_PATH + '/Connections/'):
        return IFACE_CONNECTION
    if path == MANAGER_PATH:
        return IFACE_MANAGER
    raise ValueError('not a cmatoken object path: %s' % path)


class Pending:
    """An asynchronous call in flight (Client.call_async)."""

    def __init__(self, what):
        self.what = what
        self.done = False
        self.result = None
        self.error = None

    def __repr__(self):
        return '<Pending %s done=%s result=%r error=%r>' % (self.what, self.done,
                                                           self.result, self.error)


class SignalRecorder:
    """Records signals from the session bus under /io/github/cmatoken (or @path_prefix).

    Each entry: dict(sender, path, interface, member, args (unpacked), time).
    Use as a context manager, or call close()."""

    def __init__(self, client, interface=None, member=None, path_prefix=ROOT_PATH):
        self.client = client
        self.path_prefix = path_prefix
        self.signals = []
        self._id = client.bus.signal_subscribe(
            None, interface, member, None, None, Gio.DBusSignalFlags.NONE, self._on_signal)

    def _on_signal(self, _conn, sender, path, interface, member, params):
        if self.path_prefix and not (path == self.path_prefix or
                                     path.startswith(self.path_prefix + '/')):
            return
        Hygiene.scan_text(_variant_text(params), 'signal %s.%s on %s' % (interface, member, path))
        self.signals.append({'sender': sender, 'path': path, 'interface': interface,
                             'member': member, 'args': params.unpack(),
                             'time': time.time()})

    def matching(self, member=None, path=None, interface=None):
        return [s for s in self.signals
                if (member is None or s['member'] == member) and
                (path is None or s['path'] == path) and
                (interface is None or s['interface'] == interface)]

    def properties_changed(self, path, iface=None):
        """The changed-properties dicts of PropertiesChanged on @path (for @iface)."""
        out = []
        for s in self.matching('PropertiesChanged', path, IFACE_PROPERTIES):
            if iface is None or s['args'][0] == iface:
                out.append(s['args'][1])
        return out

    def clear(self):
        self.signals = []

    def close(self):
        if self._id:
            self.client.bus.signal_unsubscribe(self._id)
            self._id = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client:
    """The cmatoken API on the session bus, for tests."""

    def __init__(self, bus=None):
        self.bus = bus or Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.default_timeout = scaled(60)

    # --- generic --------------------------------------------------------
    def call(self, path, iface, method, args=None, reply_type=None, timeout=None,
             dest=BUS_NAME):
        """Calls and returns the unpacked reply tuple; raises DBusCallError."""
        timeout_ms = int((timeout if timeout is not None else self.default_timeout) * 1000)
        try:
            reply = self.bus.call_sync(
                dest, path, iface, method, args,
                GLib.VariantType(reply_type) if reply_type else None,
                Gio.DBusCallFlags.NO_AUTO_START, timeout_ms, None)
        except GLib.Error as e:
            err = DBusCallError.from_glib(e)
            if dest == BUS_NAME:
                Hygiene.scan_text(err.message, 'the error of %s.%s' % (iface, method))
            raise err from None
        if reply is None:
            return ()
        if dest == BUS_NAME:
            Hygiene.scan_text(_variant_text(reply), 'the reply of %s.%s' % (iface, method))
        return reply.unpack()

    def call_async(self, path, iface, method, args=None, timeout=None, dest=BUS_NAME):
        """Starts a call; returns a Pending that wait_until() can watch."""
        timeout_ms = int((timeout if timeout is not None else self.default_timeout) * 1000)
        pending = Pending('%s.%s' % (iface, method))

        def done(conn, res, _data):
            try:
                reply = conn.call_finish(res)
                Hygiene.scan_text(_variant_text(reply), 'the reply of ' + pending.what)
                pending.result = reply.unpack()
            except GLib.Error as e:
                pending.error = DBusCallError.from_glib(e)
                Hygiene.scan_text(pending.error.message, 'the error of ' + pending.what)
            pending.done = True

        self.bus.call(dest, path, iface, method, args, None,
                      Gio.DBusCallFlags.NO_AUTO_START, timeout_ms, None, done, None)
        return pending

    def get_property(self, path, iface, name):
        return self.call(path, IFACE_PROPERTIES, 'Get',
                         GLib.Variant('(ss)', (iface, name)), '(v)')[0]

    def get_all(self, path, iface=None):
        iface = iface or iface_for_path(path)
        return self.call(path, IFACE_PROPERTIES, 'GetAll', GLib.Variant('(s)', (iface,)),
                         '(a{sv})')[0]

    def props(self, path):
        return self.get_all(path)

    def managed_objects(self):
        """{path: {interface: {property: value}}}"""
        return self.call(ROOT_PATH, IFACE_OBJECT_MANAGER, 'GetManagedObjects', None,
                         '(a{oa{sa{sv}}})')[0]

    def objects(self, iface):
        """{path: properties} of every managed object with @iface."""
        return {p: ifaces[iface] for p, ifaces in self.managed_objects().items()
                if iface in ifaces}

    def name_owner(self, name=BUS_NAME):
        try:
            return self.call('/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetNameOwner',
                             GLib.Variant('(s)', (name,)), '(s)',
                             dest='org.freedesktop.DBus')[0]
        except DBusCallError:
            return None

    def owner_pid(self, name=BUS_NAME):
        return self.call('/org/freedesktop/DBus', 'org.freedesktop.DBus',
                         'GetConnectionUnixProcessID', GLib.Variant('(s)', (name,)), '(u)',
                         dest='org.freedesktop.DBus')[0]

    # --- waiting --------------------------------------------------------
    @staticmethod
    def iterate():
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)

    def wait_until(self, predicate, timeout=10, what='a condition'):
        """Iterates the main context until predicate() is true; @timeout is scaled."""
        deadline = time.monotonic() + scaled(timeout)
        while True:
            self.iterate()
            if predicate():
                return
            if time.monotonic() > deadline:
                raise AssertionError('timed out after %.0f s waiting for %s'
                                     % (scaled(timeout), what))
            time.sleep(0.01)

    def wait_pending(self, pendings, timeout=60):
        if isinstance(pendings, Pending):
            pendings = [pendings]
        self.wait_until(lambda: all(p.done for p in pendings), timeout,
                        'replies to %s' % ', '.join(p.what for p in pendings))

    def wait_for_property(self, path, iface, name, value, timeout=10):
        """Waits until the property equals @value (or @value(prop) is true when
        callable), watching PropertiesChanged and re-reading it. Returns it."""
        pred = value if callable(value) else (lambda v: v == value)
        seen = {'v': None}
        changed = {'n': 1}

        def on_signal(_c, _s, _p, _i, _m, params):
            if params[0] == iface:
                changed['n'] += 1

        sub = self.bus.signal_subscribe(None, IFACE_PROPERTIES, 'PropertiesChanged', path,
                                        None, Gio.DBusSignalFlags.NONE, on_signal)
        last_poll = [0.0]
        try:
            def check():
                # Re-read on every signal, and every 0.5 s in case a signal went missing.
                if changed['n'] or time.monotonic() - last_poll[0] > 0.5:
                    changed['n'] = 0
                    last_poll[0] = time.monotonic()
                    seen['v'] = self.get_property(path, iface, name)
                return pred(seen['v'])
            try:
                self.wait_until(check, timeout, '%s.%s on %s to become %r'
                                % (iface, name, path, value))
            except AssertionError as e:
                raise AssertionError('%s (it is %r)' % (e, seen['v'])) from None
        finally:
            self.bus.signal_unsubscribe(sub)
        return seen['v']

    # --- the cmatoken API -------------------------------------------------
    def manager(self, name=None):
        props = self.get_all(MANAGER_PATH, IFACE_MANAGER)
        return props[name] if name else props

    def add_cloud_account(self, email, site_url, api_token, token_expires_at=0, **opts):
        return self.call(MANAGER_PATH, IFACE_MANAGER, 'AddCloudAccount',
                         GLib.Variant('(sssxa{sv})', (email, site_url, api_token,
                                                      token_expires_at, options(**opts))),
                         '(o)')[0]

    def add_server(self, product, base_url, auth_kind, username, secret_, secret_expires_at=0,
                   **opts):
        return self.call(MANAGER_PATH, IFACE_MANAGER, 'AddServer',
                         GLib.Variant('(sssssxa{sv})', (product, base_url, auth_kind, username,
                                                        secret_, secret_expires_at,
                                                        options(**opts))),
                         '(o)')[0]

    def add_connection(self, server, account, cloud_site_url, **opts):
        return self.call(MANAGER_PATH, IFACE_MANAGER, 'AddConnection',
                         GLib.Variant('(oosa{sv})', (server, account, cloud_site_url,
                                                     options(**opts))),
                         '(o)')[0]

    @staticmethod
    def renew_options(consent=True, account=None, extra=None):
        opts = {}
        if consent is not None:
            opts['allow-migrations-data-access'] = (consent if isinstance(consent, GLib.Variant)
                                                    else GLib.Variant('b', consent))
        if account is not None:
            opts['cloud-account'] = GLib.Variant('o', account)
        opts.update(extra or {})
        return GLib.Variant('(a{sv})', (opts,))

    def renew(self, connection, consent=True, account=None, extra=None, timeout=None):
        return self.call(connection, IFACE_CONNECTION, 'Renew',
                         self.renew_options(consent, account, extra), '(x)', timeout)[0]

    def renew_async(self, connection, consent=True, account=None, extra=None):
        return self.call_async(connection, IFACE_CONNECTION, 'Renew',
                               self.renew_options(consent, account, extra))

    def cancel_renew(self, connection):
        return self.call(connection, IFACE_CONNECTION, 'CancelRenew')

    def mark_renewed(self, connection, renewed_at):
        return self.call(connection, IFACE_CONNECTION, 'MarkRenewed',
                         GLib.Variant('(x)', (renewed_at,)))

    def set_auto_renew(self, connection, enabled, consent=None):
        opts = {}
        if consent is not None:
            opts['allow-migrations-data-access'] = GLib.Variant('b', consent)
        return self.call(connection, IFACE_CONNECTION, 'SetAutoRenew',
                         GLib.Variant('(ba{sv})', (enabled, opts)))

    def check(self, path):
        return self.call(path, iface_for_path(path), 'Check')

    def set_label(self, path, label):
        return self.call(path, iface_for_path(path), 'SetLabel', GLib.Variant('(s)', (label,)))

    def replace_token(self, account, api_token, token_expires_at=None):
        # As an admin enters it: a new token with its expiry date.
        if token_expires_at is None:
            token_expires_at = now() + 180 * DAY
        return self.call(account, IFACE_ACCOUNT, 'ReplaceToken',
                         GLib.Variant('(sx)', (api_token, token_expires_at)))

    def replace_secret(self, server, auth_kind, username, secret_, secret_expires_at=0):
        return self.call(server, IFACE_SERVER, 'ReplaceSecret',
                         GLib.Variant('(sssx)', (auth_kind, username, secret_,
                                                 secret_expires_at)))

    def remove(self, path):
        return self.call(path, iface_for_path(path), 'Remove')

    def remove_all(self):
        """Removes every connection, then every account and server."""
        objs = self.managed_objects()
        for path, ifaces in objs.items():
            if IFACE_CONNECTION in ifaces:
                self.remove(path)
        for path, ifaces in objs.items():
            if IFACE_ACCOUNT in ifaces or IFACE_SERVER in ifaces:
                self.remove(path)


# --------------------------------------------------------------------------
# The daemon

class Daemon:
    """cmatokend under test. Its XDG dirs live under .root (kept across restarts)."""

    def __init__(self, fake=None, client=None, env=None, args=(), root=None, isolate_xdg=True):
        self.fake = fake
        self.client = client or Client()
        self.extra_env = dict(env or {})
        self.args = list(args)
        self.root = root or tempfile.mkdtemp(prefix='daemon-', dir=_scratch_parent())
        self.isolate_xdg = isolate_xdg
        self.binary = os.environ.get('CMT_DAEMON') or os.path.join(builddir(), 'service',
                                                                   'cmatokend')
        self.wrapper = shlex.split(os.environ.get('CMT_DAEMON_WRAPPER', ''))
        self.log_path = os.path.join(self.root, 'logs', 'daemon.log')
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.proc = None
        self.starts = 0
        self.valgrind_logs = []

    # Where things are
    def xdg(self, kind):
        """'data', 'config', 'cache' or 'state' home of the daemon."""
        if not self.isolate_xdg:
            return os.environ['XDG_%s_HOME' % kind.upper()]
        return os.path.join(self.root, kind)

    def state_dir(self):
        return os.path.join(self.xdg('data'), 'cmatoken')

    def state_files(self):
        d = self.state_dir()
        return [os.path.join(d, n) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []

    def env(self):
        env = dict(os.environ)
        if self.isolate_xdg:
            for kind in ('data', 'config', 'cache', 'state'):
                os.makedirs(self.xdg(kind), exist_ok=True)
                env['XDG_%s_HOME' % kind.upper()] = self.xdg(kind)
        if self.fake is not None:
            env['CMATOKEN_API_BASE_URL'] = self.fake.api_url()
        env['CMATOKEN_ALLOW_INSECURE_LOOPBACK'] = '1'
        debug = [d for d in env.get('G_DEBUG', '').split(',') if d]
        if 'fatal-criticals' not in debug:
            debug.append('fatal-criticals')
        env['G_DEBUG'] = ','.join(debug)
        env.update(self.extra_env)
        return env

    def set_setting(self, key, value):
        """gsettings set io.github.cmatoken KEY VALUE, as the daemon will see it."""
        subprocess.run(['gsettings', 'set', 'io.github.cmatoken', key, str(value)],
                       env=self.env(), check=True)

    def start(self, timeout=20):
        assert self.proc is None or self.proc.poll() is not None, 'already running'
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError('the service is not built: %s' % self.binary)
        self.starts += 1
        cmd = list(self.wrapper)
        if cmd:
            vlog = os.path.join(self.root, 'logs', 'valgrind.%d.%%p.log' % self.starts)
            cmd.append('--log-file=' + vlog)
        cmd += [self.binary, '--verbose'] + self.args
        with open(self.log_path, 'ab') as f:
            f.write(('==== start %d: %s\n' % (self.starts, ' '.join(cmd))).encode())
        self._log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=self._log, stderr=self._log,
                                     stdin=subprocess.DEVNULL)
        if cmd[0] != self.binary:
            self.valgrind_logs.append(os.path.join(self.root, 'logs',
                                                   'valgrind.%d.%d.log' % (self.starts,
                                                                           self.proc.pid)))

        def owned():
            if self.proc.poll() is not None:
                self._log.close()
                raise RuntimeError('cmatokend exited with %s at start; log:\n%s'
                                   % (self.proc.returncode, self.log_tail()))
            # Ours, not an older instance's (nor one the bus activated).
            try:
                return self.client.owner_pid() == self.proc.pid
            except DBusCallError:
                return False
        self.client.wait_until(owned, timeout, 'cmatokend (pid %d) to own %s'
                               % (self.proc.pid, BUS_NAME))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _wait_name_gone(self):
        try:
            self.client.wait_until(lambda: self.client.name_owner() is None, 10,
                                   '%s to be released' % BUS_NAME)
        except AssertionError:
            pass

    def stop(self, check=True, timeout=20):
        """SIGTERM; waits. With @check, asserts exit status 0 and, under
        valgrind, a clean memcheck log. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(scaled(timeout))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                raise AssertionError('cmatokend did not exit within %.0f s of SIGTERM; log:\n%s'
                                     % (scaled(timeout), self.log_tail()))
        self._log.close()
        rc = self.proc.returncode
        self._wait_name_gone()
        if check:
            problems = []
            if self.wrapper:
                if rc == 99:
                    problems.append('valgrind found errors (exit 99)')
                elif rc != 0:
                    problems.append('exit status %s' % rc)
                problems += self.valgrind_problems(self.valgrind_logs[-1:])
            elif rc != 0:
                problems.append('exit status %s' % rc)
            if problems:
                raise AssertionError('cmatokend did not stop cleanly: %s; log:\n%s'
                                     % ('; '.join(problems), self.log_tail()))
        return rc

    def valgrind_problems(self, paths):
        problems = []
        for path in paths:
            try:
                with open(path) as f:
                    text = f.read()
            except OSError:
                problems.append('no valgrind log %s' % path)
                continue
            if not re.search(r'ERROR SUMMARY: 0 errors', text):
                problems.append('valgrind: %s' % ' / '.join(
                    re.findall(r'ERROR SUMMARY: [^\n]*', text)) + '\n' + text[-6000:])
            m = re.search(r'definitely lost: ([\d,]+) bytes', text)
            if m and m.group(1) != '0':
                problems.append('valgrind: definitely lost %s bytes\n%s' % (m.group(1),
                                                                           text[-6000:]))
        return problems

    def kill9(self):
        """SIGKILL, as a crash or power cut would."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()
        self._wait_name_gone()

    def restart(self, kill=False):
        if kill:
            self.kill9()
        else:
            self.stop()
        return self.start()

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def log_tail(self, lines=120):
        return '\n'.join(self.log_text().splitlines()[-lines:])

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------
# The Secret Service

class Keyring:
    """gnome-keyring's Secret Service, as the tests see it."""

    SERVICE = 'org.freedesktop.secrets'
    PATH = '/org/freedesktop/secrets'
    LOGIN = '/org/freedesktop/secrets/collection/login'
    SCHEMA = 'io.github.cmatoken.Credential'
    PASSWORD = 'throwaway'

    def __init__(self, client):
        self.client = client
        self._session = None

    def _call(self, path, iface, method, args=None, reply_type=None):
        return self.client.call(path, iface, method, args, reply_type, timeout=scaled(20),
                                dest=self.SERVICE)

    def available(self):
        return self.client.name_owner(self.SERVICE) is not None

    def session(self):
        if self._session is None:
            self._session = self._call(self.PATH, 'org.freedesktop.Secret.Service', 'OpenSession',
                                       GLib.Variant('(sv)', ('plain', GLib.Variant('s', ''))),
                                       '(vo)')[1]
        return self._session

    def is_locked(self):
        return self._call(self.LOGIN, IFACE_PROPERTIES, 'Get',
                          GLib.Variant('(ss)', ('org.freedesktop.Secret.Collection', 'Locked')),
                          '(v)')[0]

    def lock(self):
        self._call(self.PATH, 'org.freedesktop.Secret.Service', 'Lock',
                   GLib.Variant('(ao)', ([self.LOGIN],)))
        assert self.is_locked()
        self.locked_by_test = True

    def unlock(self):
        # gnome-keyring's own interface unlocks without a prompter.
        self._call(self.PATH, 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface',
                   'UnlockWithMasterPassword',
                   GLib.Variant('(o(oayays))', (self.LOGIN, (self.session(), b'',
                                                            self.PASSWORD.encode(),
                                                            'text/plain'))))
        assert not self.is_locked()
        self.locked_by_test = False

    locked_by_test = False
    unavailable_by_test = False

    def heal(self):
        """Between tests: if the Secret Service came back locked without a
        test locking it (gnome-keyring killed from outside and re-activated
        by the bus), unlock it and say so. Returns True if it had to."""
        if self.locked_by_test or self.unavailable_by_test:
            return False
        self._session = None
        if not self.available():
            # Gone: let the bus start it again now, as the daemon's next call would.
            with contextlib.suppress(GLib.Error):
                self.client.bus.call_sync(self.SERVICE, self.PATH, 'org.freedesktop.DBus.Peer',
                                          'Ping', None, None, Gio.DBusCallFlags.NONE,
                                          int(scaled(20) * 1000), None)
            if not self.available():
                return False
        if not self.is_locked():
            return False
        log('WARNING: the session\'s gnome-keyring was restarted by something '
            'outside the test (and came back locked); unlocking it')
        self.unlock()
        return True

    def items(self, **attrs):
        """cmatoken's items: [{'path', 'label', 'attributes'}], filtered by @attrs
        (use kind='cloud-account', object=ID)."""
        paths = self._call(self.LOGIN, IFACE_PROPERTIES, 'Get',
                           GLib.Variant('(ss)', ('org.freedesktop.Secret.Collection', 'Items')),
                           '(v)')[0]
        out = []
        for p in paths:
            try:
                a = self._call(p, IFACE_PROPERTIES, 'Get',
                               GLib.Variant('(ss)', ('org.freedesktop.Secret.Item',
                                                     'Attributes')), '(v)')[0]
                if a.get('xdg:schema') != self.SCHEMA and not {'kind', 'object', 'slot'} <= set(a):
                    continue
                if any(a.get(k) != v for k, v in attrs.items()):
                    continue
                label = self._call(p, IFACE_PROPERTIES, 'Get',
                                   GLib.Variant('(ss)', ('org.freedesktop.Secret.Item', 'Label')),
                                   '(v)')[0]
            except DBusCallError as e:
                # Deleted meanwhile (by the daemon, e.g. reconciling orphans).
                if 'Unknown' in e.name:
                    continue
                raise
            out.append({'path': p, 'label': label, 'attributes': a})
        return out

    def secret_of(self, item_path):
        """The stored secret (the collection must be unlocked)."""
        value = self._call(item_path, 'org.freedesktop.Secret.Item', 'GetSecret',
                           GLib.Variant('(o)', (self.session(),)), '((oayays))')[0]
        return bytes(value[2]).decode('utf-8', 'replace')

    def create_item(self, attributes, label, value):
        props = {
            'org.freedesktop.Secret.Item.Label': GLib.Variant('s', label),
            'org.freedesktop.Secret.Item.Attributes': GLib.Variant('a{ss}', attributes),
        }
        item, _prompt = self._call(self.LOGIN, 'org.freedesktop.Secret.Collection', 'CreateItem',
                                   GLib.Variant('(a{sv}(oayays)b)', (
                                       props, (self.session(), b'', value.encode(),
                                               'text/plain'), True)),
                                   '(oo)')
        return item

    def delete_item(self, item_path):
        self._call(item_path, 'org.freedesktop.Secret.Item', 'Delete', None, '(o)')

    def delete_all(self):
        for item in self.items():
            self.delete_item(item['path'])

    # Unavailability: no Secret Service on the bus, and none can be activated.
    def _override_path(self):
        return os.path.join(os.environ['XDG_DATA_HOME'], 'dbus-1', 'services',
                            'org.freedesktop.secrets.service')

    def _reload_bus(self):
        self.client.call('/org/freedesktop/DBus', 'org.freedesktop.DBus', 'ReloadConfig',
                         dest='org.freedesktop.DBus')

    def make_unavailable(self):
        """Stops gnome-keyring and makes its activation fail (a user service
        file that runs /bin/false shadows the system one), as on a desktop
        without a Secret Service."""
        path = self._override_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write('[D-BUS Service]\nName=%s\nExec=/bin/false\n' % self.SERVICE)
        self._reload_bus()
        pid = self.client.owner_pid(self.SERVICE)
        os.kill(pid, signal.SIGTERM)
        self.client.wait_until(lambda: not self.available(), 10, 'gnome-keyring to stop')
        self._session = None
        self.unavailable_by_test = True

    def make_available(self, locked=False):
        """Starts gnome-keyring again, unlocked (or @locked, as after a restart
        without the login password); its keyring file (in the session's
        XDG_DATA_HOME) brings the stored items back. It runs in the
        foreground as a child of this process, which stops it at exit."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._override_path())
        self._reload_bus()
        args = ['gnome-keyring-daemon', '--foreground', '--components=secrets']
        if not locked:
            args.insert(2, '--unlock')
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        if not locked:
            proc.stdin.write(self.PASSWORD.encode())
        proc.stdin.close()
        Keyring._children.append(proc)
        self.client.wait_until(self.available, 20, 'gnome-keyring to be back')
        self._session = None
        self.unavailable_by_test = False

    _children = []

    @classmethod
    def _stop_children(cls):
        for proc in cls._children:
            if proc.poll() is None:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)


atexit.register(Keyring._stop_children)


# --------------------------------------------------------------------------
# unittest glue

class ServiceTestCase(unittest.TestCase):
    """A fake Atlassian per class; a fresh cmatokend per test, or one per
    class with daemon_per_class = True (emptied before each test unless
    wipe_between_tests = False); the fake is reset before each test; hygiene
    checks after each test (and at the end of each daemon)."""

    daemon_per_class = False
    wipe_between_tests = True
    autostart_daemon = True
    daemon_env = {}
    maxDiff = None

    @classmethod
    def scenario(cls):
        """Override to give the class another scenario."""
        return Scenario.standard()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = Client()
        cls.sc = cls.scenario()
        cls.fake = FakeAtlassian(cls.sc)
        cls.keyring = Keyring(cls.client)
        cls.daemon = None
        if cls.daemon_per_class:
            try:
                cls.daemon = cls.new_daemon()
            except Exception:
                cls.fake.stop()
                raise

    @classmethod
    def new_daemon(cls, **kwargs):
        env = dict(cls.daemon_env)
        env.update(kwargs.pop('env', {}))
        return Daemon(cls.fake, cls.client, env=env, **kwargs).start()

    @classmethod
    def tearDownClass(cls):
        problems = []
        try:
            if cls.daemon_per_class and cls.daemon is not None:
                problems += cls._finish_daemon(cls.daemon)
        finally:
            cls.fake.stop()
            super().tearDownClass()
        if problems:
            raise AssertionError('\n'.join(problems))

    @classmethod
    def _finish_daemon(cls, daemon):
        problems = []
        if daemon.running():
            try:
                daemon.stop(check=True)
            except AssertionError as e:
                problems.append(str(e))
        problems += Hygiene.check_daemon(daemon)
        problems += Hygiene.take_violations()
        # A clean keyring for whoever comes next (ids may repeat across daemons).
        with contextlib.suppress(Exception):
            if cls.keyring.available() and not cls.keyring.is_locked():
                cls.keyring.delete_all()
        return problems

    # Under valgrind (CMT_DAEMON_WRAPPER set) a class may run only the tests
    # named here: a representative one per code path, so that the memcheck
    # run fits the test command's time budget. Every test still runs in the
    # plain and the ASan builds. None = all of the class's tests.
    valgrind_subset = None

    def setUp(self):
        super().setUp()
        if (self.valgrind_subset is not None and os.environ.get('CMT_DAEMON_WRAPPER')
                and self._testMethodName not in self.valgrind_subset):
            self.skipTest('runs in the plain and ASan builds; valgrind runs a representative subset')
        Hygiene.take_violations()
        self.keyring.heal()
        self.fake.reset()
        if not self.daemon_per_class:
            type(self).daemon = self.new_daemon() if self.autostart_daemon else None
        elif self.wipe_between_tests:
            self.wipe()
        self.addCleanup(self._after_test)

    def wipe(self):
        """Brings a shared daemon back to no objects (cancelling renewals in
        flight, then removing everything); starts a fresh daemon if that fails."""
        try:
            for path, props in self.client.objects(IFACE_CONNECTION).items():
                if props.get('Renewing'):
                    with contextlib.suppress(DBusCallError):
                        self.client.cancel_renew(path)
            self.client.wait_until(
                lambda: not any(p.get('Renewing')
                                for p in self.client.objects(IFACE_CONNECTION).values()),
                30, 'renewals to end')
            self.client.remove_all()
        except (DBusCallError, AssertionError) as e:
            log('could not empty the shared daemon (%s); starting a fresh one' % e)
            problems = self._finish_daemon(self.daemon)
            type(self).daemon = self.new_daemon()
            if problems:
                self.fail('the shared daemon, left by the tests before:\n' + '\n'.join(problems))

    def start_daemon(self, prepare=None, **kwargs):
        """For autostart_daemon = False: makes a daemon, calls prepare(daemon)
        (e.g. to write settings), starts it; it is finished after the test."""
        d = Daemon(self.fake, self.client, env=dict(self.daemon_env, **kwargs.pop('env', {})),
                   **kwargs)
        if prepare:
            prepare(d)
        type(self).daemon = d
        return d.start()

    def _after_test(self):
        failed = not getattr(self._outcome, 'success', True)
        d = self.daemon
        if self.daemon_per_class or d is None:
            problems = Hygiene.take_violations()
        else:
            problems = self._finish_daemon(d)
            type(self).daemon = None
        if d is not None and (failed or problems):
            log('daemon log tail (%s):\n%s' % (d.log_path, d.log_tail(80)))
            log('fake log tail:\n%s' % '\n'.join(self.fake.log_text().splitlines()[-30:]))
        if problems:
            self.fail('after the test:\n' + '\n'.join(problems))

    # --- assertions -----------------------------------------------------
    @contextlib.contextmanager
    def assertRaisesDBus(self, *names):
        """with self.assertRaisesDBus('Exists') as cm: ...; cm.exception is the
        DBusCallError. Several names: any of them."""
        class Ctx:
            exception = None
        ctx = Ctx()
        try:
            yield ctx
        except DBusCallError as e:
            ctx.exception = e
            if e.name not in names and e.full_name not in names:
                raise AssertionError('expected D-Bus error %s, got %s: %s'
                                     % (' or '.join(names), e.full_name, e.message)) from None
            self.assertTrue(e.message.strip(), 'the %s error has no message' % e.name)
        else:
            raise AssertionError('expected D-Bus error %s, but the call succeeded'
                                 % ' or '.join(names))

    def assertNoSecrets(self, text, what='text'):
        found = [s[:6] + '…' for s in Hygiene.secrets if s in text]
        self.assertFalse(found, '%s contains secrets %s' % (what, found))

    def snapshot(self):
        """GetManagedObjects, to compare before/after a refused call. The
        Manager's KeyringState is left out (it follows the Secret Service,
        see test_keyring.py)."""
        objs = self.client.managed_objects()
        objs.get(MANAGER_PATH, {}).get(IFACE_MANAGER, {}).pop('KeyringState', None)
        return objs

    def assertUnchanged(self, before, after=None, ignore=()):
        """Same objects and properties (@ignore: property names left out)."""
        after = after if after is not None else self.snapshot()

        def strip(objs):
            return {p: {i: {k: v for k, v in props.items() if k not in ignore}
                        for i, props in ifaces.items()}
                    for p, ifaces in objs.items()}
        self.assertEqual(strip(before), strip(after))

    def assertNear(self, value, expected, slack=None, msg=None):
        slack = slack if slack is not None else max(5, scaled(5))
        self.assertLessEqual(abs(value - expected), slack,
                             msg or '%d is not within %d s of %d' % (value, slack, expected))

    # --- common set-ups ---------------------------------------------------
    # An API token's expiry as an admin enters it (Atlassian shows it when
    # the token is made): without one, an account is "expiry-unknown".
    TOKEN_LIFETIME = 180 * DAY

    def add_account(self, site='acme', email=None, token_expires_at=None, **opts):
        u = self.sc.user(site, email)
        if token_expires_at is None:
            token_expires_at = now() + self.TOKEN_LIFETIME
        return self.client.add_cloud_account(u['email'], self.fake.site_url(site),
                                             u['api_token'], token_expires_at, **opts)

    def add_server(self, name='jira', kind='pat', **opts):
        if kind == 'pat':
            return self.client.add_server(self.sc.product(name), self.fake.server_url(name),
                                          'pat', '', self.sc.pat(name), 0, **opts)
        u = self.sc.server_user(name)
        return self.client.add_server(self.sc.product(name), self.fake.server_url(name),
                                      'basic', u['username'], u['password'], 0, **opts)

    def add_connection(self, server='jira', site='acme', email=None, **opts):
        """Adds (or reuses) the account and server, then a connection between them."""
        acc = self.find_account(site, email) or self.add_account(site, email)
        srv = self.find_server(server) or self.add_server(server)
        return self.client.add_connection(srv, acc, self.fake.site_url(site), **opts)

    def find_account(self, site='acme', email=None):
        email = email or self.sc.user(site)['email']
        for p, props in self.client.objects(IFACE_ACCOUNT).items():
            if props['Email'] == email and props['SiteUrl'] == self.fake.site_url(site):
                return p
        return None

    def find_server(self, name):
        for p, props in self.client.objects(IFACE_SERVER).items():
            if props['BaseUrl'] == self.fake.server_url(name):
                return p
        return None


def main():
    """unittest.main with verbose output (meson shows it with --print-errorlogs)."""
    unittest.main(verbosity=2)
