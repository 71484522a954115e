# watchlib.py: the desktop around cmatokend for the watch tests: a notification server, the app, a system bus with logind
"""Helpers for tests/watch/ (run inside cmt-session, like tests/service/).

``MockService``
    A python-dbusmock process on the session bus (or on another bus given
    by its address), with its org.freedesktop.DBus.Mock interface as calls:
    ``calls(method)``, ``clear()``, ``emit(...)``, ``add_method(...)``.

``NotificationServer(client)``
    dbusmock's notification_daemon template with the "body actions"
    capabilities: ``notifies()`` (the Notify calls as dicts),
    ``closes()``, ``wait_notifies(n)``, ``invoke(id, action)`` (as a click).

``AppStandIn(client)``
    Owns io.github.cmatoken at /io/github/cmatoken with
    org.freedesktop.Application's methods, recording what the service asks
    of the app: ``activate_actions()``.

``PrivateBus``
    A second dbus-daemon, to play the system bus (DBUS_SYSTEM_BUS_ADDRESS).

``WatchTestCase``
    ServiceTestCase with a notification server started before each test's
    daemon (``notification_server = False`` to start without one).
"""

import contextlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'service'))

from cmtharness import (  # noqa: E402,F401
    DAY, IFACE_CONNECTION, Client, Daemon, DBusCallError, ServiceTestCase, SignalRecorder, log, main,
    now, scaled, secret)

from gi.repository import Gio, GLib  # noqa: E402

PYTHON = '/usr/bin/python3'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'
NOTIFICATIONS = 'org.freedesktop.Notifications'
NOTIFICATIONS_PATH = '/org/freedesktop/Notifications'
APP_ID = 'io.github.cmatoken'
APP_PATH = '/io/github/cmatoken'
APP_IFACE = 'org.freedesktop.Application'

CHANGE_CATEGORY = 'x-cmatoken.change'
URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL = 0, 1, 2


class MockService:
    """python3 -m dbusmock ARGS, owning @name on @client's bus."""

    def __init__(self, client, name, path, args, env=None, log_name='mock'):
        self.client = client
        self.name = name
        self.path = path
        self.log_path = tempfile.mktemp(prefix=log_name + '-', suffix='.log',
                                        dir=os.environ.get('CMT_SESSION_DIR'))
        self._log = open(self.log_path, 'wb')
        self.proc = subprocess.Popen([PYTHON, '-m', 'dbusmock'] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError('dbusmock exited at start:\n' + self.log_text())
            return self.client.name_owner(name) is not None
        self.client.wait_until(up, 20, 'dbusmock to own %s' % name)

    def _mock(self, method, args=None, reply_type=None):
        return self.client.call(self.path, MOCK_IFACE, method, args, reply_type, dest=self.name)

    def calls(self, method):
        """The arguments of each call of @method, oldest first."""
        return [list(args) for _ts, args in
                self._mock('GetMethodCalls', GLib.Variant('(s)', (method,)), '(a(tav))')[0]]

    def clear(self):
        self._mock('ClearCalls')

    def emit(self, interface, name, signature, args):
        """Emits a signal from the mock's main object; @args are GLib.Variants."""
        self._mock('EmitSignal', GLib.Variant('(sssav)', (interface, name, signature, args)))

    def add_method(self, interface, name, in_sig, out_sig, code=''):
        self._mock('AddMethod', GLib.Variant('(sssss)', (interface, name, in_sig, out_sig, code)))

    def log_text(self):
        with contextlib.suppress(OSError), open(self.log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
        return ''

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        with contextlib.suppress(AssertionError):
            self.client.wait_until(lambda: self.client.name_owner(self.name) is None, 10,
                                   '%s to leave the bus' % self.name)


class NotificationServer(MockService):
    """The desktop's notification server (dbusmock's notification_daemon)."""

    def __init__(self, client, capabilities='body actions'):
        super().__init__(client, NOTIFICATIONS, NOTIFICATIONS_PATH,
                         ['--template', 'notification_daemon',
                          '-p', '{"capabilities": "%s"}' % capabilities],
                         log_name='notifications')

    def all_notifies(self):
        """Every Notify call, each with the id the mock gave it ('id': it counts
        from 1; a replacement keeps its id)."""
        out, next_id = [], 1
        for args in self.calls('Notify'):
            app_name, replaces_id, icon, summary, body, actions, hints, timeout = args
            if replaces_id:
                nid = replaces_id
            else:
                nid, next_id = next_id, next_id + 1
            out.append({'id': nid, 'app_name': app_name, 'replaces_id': replaces_id,
                        'icon': icon, 'summary': summary, 'body': body,
                        'actions': dict(zip(actions[0::2], actions[1::2])),
                        'action_keys': actions[0::2], 'hints': hints, 'timeout': timeout,
                        'category': hints.get('category', '')})
        return out

    def notifies(self):
        """The Notify calls about tokens and credentials (expiring, expired,
        renewed...), without the announcements of changes (changes())."""
        return [n for n in self.all_notifies() if n['category'] != CHANGE_CATEGORY]

    def changes(self):
        """The announcements of additions, replacements and removals."""
        return [n for n in self.all_notifies() if n['category'] == CHANGE_CATEGORY]

    def closes(self):
        return [args[0] for args in self.calls('CloseNotification')]

    def wait_notifies(self, n, timeout=20, what=None):
        self.client.wait_until(lambda: len(self.notifies()) >= n, timeout,
                               what or '%d Notify call(s)' % n)
        return self.notifies()

    def invoke(self, notification_id, action):
        """As if the admin clicked @action on the notification."""
        self.emit(NOTIFICATIONS, 'ActionInvoked', 'us',
                  [GLib.Variant('u', notification_id), GLib.Variant('s', action)])

    @staticmethod
    def ids(notifies):
        """The id the mock gave each Notify."""
        return [n['id'] for n in notifies]


class AppStandIn(MockService):
    """Stands in for the GUI (io.github.cmatoken) and records its activations."""

    def __init__(self, client):
        super().__init__(client, APP_ID, APP_PATH, [APP_ID, APP_PATH, APP_IFACE],
                         log_name='app')
        self.add_method(APP_IFACE, 'Activate', 'a{sv}', '')
        self.add_method(APP_IFACE, 'Open', 'assa{sv}', '')
        self.add_method(APP_IFACE, 'ActivateAction', 'sava{sv}', '')

    def activate_actions(self):
        """[(action, [targets])]"""
        return [(args[0], list(args[1])) for args in self.calls('ActivateAction')]


class PrivateBus:
    """A dbus-daemon of our own (to play the system bus)."""

    def __init__(self):
        out = subprocess.run(['dbus-daemon', '--session', '--fork', '--print-address=1',
                              '--print-pid=1', '--nosyslog'],
                             check=True, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).stdout.decode().split()
        self.address, self.pid = out[0], int(out[1])
        self.bus = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.client = Client(self.bus)

    def env(self, **extra):
        """The environment for a process whose system bus this is."""
        env = dict(os.environ)
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        env.update(extra)
        return env

    def stop(self):
        with contextlib.suppress(Exception):
            self.bus.close_sync(None)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 15)


class WatchTestCase(ServiceTestCase):
    """A fresh daemon per test, started after the notification server."""

    notification_server = True

    def setUp(self):
        self.notifications = None
        if self.notification_server:
            self.notifications = NotificationServer(self.client)
            self.addCleanup(self.notifications.stop)
        super().setUp()

    def times(self):
        m = self.client.manager()
        return m['ContainerTokenLifetime'], m['WarnBefore']

    def quiet(self, seconds):
        """Lets @seconds pass (scaled) with the bus serviced."""
        deadline = time.monotonic() + scaled(seconds)
        while time.monotonic() < deadline:
            self.client.iterate()
            time.sleep(0.05)

    def connection_id(self, path):
        return path.rsplit('/', 1)[1]

    def log_lines(self, needle):
        return [line for line in self.daemon.log_text().splitlines() if needle in line]

    def rotate(self, site):
        """Gives the site's first user a new API token in the fake (the stored
        one is refused from now on); returns it. Undone after the test."""
        user = dict(self.sc.user(site))
        user['api_token'] = secret('ATATT')
        self.fake.set_user(site, user)
        self.addCleanup(self.fake.set_user, site, self.sc.user(site))
        return user['api_token']
