# test_login.py: the watch starts at login without anyone opening anything,
# through the XDG autostart entry (sessions without a systemd user instance)
# or the systemd user unit, which the service enables and disables as the
# "watch in the background" preference and the stored connections say
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from watchlib import (  # noqa: E402
    DAY, Daemon, MockService, WatchTestCase, main, now, scaled)

from gi.repository import GLib  # noqa: E402

AUTOSTART_FILE = os.environ.get('CMT_AUTOSTART_FILE')
MARGIN = int(3 + scaled(1))
SYSTEMD = 'org.freedesktop.systemd1'
SYSTEMD_PATH = '/org/freedesktop/systemd1'
SYSTEMD_MANAGER = 'org.freedesktop.systemd1.Manager'
UNIT = 'cmatokend.service'


class LoginCase(WatchTestCase):
    autostart_daemon = False

    def entry(self):
        kf = GLib.KeyFile()
        kf.load_from_file(AUTOSTART_FILE, GLib.KeyFileFlags.NONE)
        argv = shlex.split(kf.get_string('Desktop Entry', 'Exec'))
        condition = kf.get_string('Desktop Entry', 'X-GNOME-Autostart-Condition')
        return argv, condition

    def condition_holds(self, daemon, condition):
        """What gnome-session does with 'GSettings SCHEMA KEY'."""
        kind, schema, key = condition.split()
        self.assertEqual(kind, 'GSettings')
        out = subprocess.run(['gsettings', 'get', schema, key], env=daemon.env(),
                             check=True, stdout=subprocess.PIPE).stdout.decode().strip()
        return out == 'true'

    def store_expiring_connection(self):
        """A connection whose token crosses its warning time MARGIN s from
        now, stored by a daemon that is then stopped."""
        d = self.start_daemon()
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() + MARGIN - lifetime + warn)
        d.stop()
        return conn, warn

    def login(self, stays=True):
        """Logs in: evaluates the entry's condition and runs its Exec (the
        built cmatokend in place of the installed one). Returns None if the
        condition says no; else the running Daemon (@stays) or, when it is
        expected to exit by itself, (exit status, output)."""
        argv, condition = self.entry()
        self.assertTrue(argv[0].endswith('/cmatokend'), argv)
        # The same home as the daemon that stored the connections, if any.
        root = self.daemon.root if self.daemon is not None else None
        d = Daemon(self.fake, self.client, env=dict(self.daemon_env), args=argv[1:], root=root)
        type(self).daemon = d
        if not self.condition_holds(d, condition):
            return None
        if stays:
            return d.start()
        proc = subprocess.run([d.binary] + argv[1:], env=d.env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=scaled(20))
        return proc.returncode, proc.stdout.decode('utf-8', 'replace')


class TestAutostart(LoginCase):
    valgrind_subset = {'test_a_stored_connection_is_watched_from_login'}

    def test_the_entry_starts_the_service_for_login(self):
        argv, condition = self.entry()
        self.assertEqual(argv[1:], ['--login'])
        self.assertEqual(condition, 'GSettings io.github.cmatoken watch-in-background')
        kf = GLib.KeyFile()
        kf.load_from_file(AUTOSTART_FILE, GLib.KeyFileFlags.NONE)
        # Under systemd the unit does it; never two daemons.
        self.assertTrue(kf.get_boolean('Desktop Entry', 'X-GNOME-HiddenUnderSystemd'))

    def test_a_stored_connection_is_watched_from_login(self):
        conn, warn = self.store_expiring_connection()
        self.notifications.clear()
        d = self.login()
        self.assertIsInstance(d, Daemon)
        # Nobody calls the service: it announces the token at its time.
        notifies = self.notifications.wait_notifies(1, MARGIN + 15, 'the expiring announcement')
        self.assertIn('expires in %d days' % (warn // DAY), notifies[0]['summary'])
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')

    def test_nothing_stored_nothing_runs(self):
        rc, log = self.login(stays=False)
        self.assertEqual(rc, 0, log)
        self.assertIn('Not watching in the background', log)
        self.assertIsNone(self.client.name_owner())

    def test_the_preference_off_nothing_runs(self):
        self.store_expiring_connection()
        self.daemon.set_setting('watch-in-background', 'false')
        self.assertIsNone(self.login(), 'the session would start it: the condition holds')
        # And a session that ignores the condition: --login exits by itself.
        proc = subprocess.run([self.daemon.binary, '--login'], env=self.daemon.env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=scaled(20))
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIsNone(self.client.name_owner())

    def test_already_running_is_fine(self):
        self.store_expiring_connection()
        running = self.start_daemon()
        proc = subprocess.run([running.binary, '--login'], env=running.env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=scaled(20))
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(self.client.owner_pid(), running.proc.pid)


class SystemdUser(MockService):
    """The systemd user instance's manager, as far as the service uses it."""

    def __init__(self, client, state='disabled'):
        super().__init__(client, SYSTEMD, SYSTEMD_PATH, [SYSTEMD, SYSTEMD_PATH, SYSTEMD_MANAGER],
                         log_name='systemd')
        self.add_method(SYSTEMD_MANAGER, 'GetUnitFileState', 's', 's',
                        'ret = getattr(self, "unit_state", "%s")' % state)
        self.add_method(SYSTEMD_MANAGER, 'EnableUnitFiles', 'asbb', 'ba(sss)',
                        'self.unit_state = "enabled"; ret = (True, [])')
        self.add_method(SYSTEMD_MANAGER, 'DisableUnitFiles', 'asb', 'a(sss)',
                        'self.unit_state = "disabled"; ret = []')
        self.add_method(SYSTEMD_MANAGER, 'Reload', '', '')


class TestSystemdUnit(LoginCase):
    valgrind_subset = {'test_the_unit_follows_the_preference_and_the_connections'}

    def wait_calls(self, systemd, method, n):
        self.client.wait_until(lambda: len(systemd.calls(method)) >= n, 10,
                               '%d call(s) of %s' % (n, method))
        return systemd.calls(method)

    def test_the_unit_follows_the_preference_and_the_connections(self):
        systemd = SystemdUser(self.client)
        self.addCleanup(systemd.stop)
        self.start_daemon()
        self.wait_calls(systemd, 'GetUnitFileState', 1)
        # Nothing to watch: the unit stays disabled.
        self.quiet(1)
        self.assertEqual(systemd.calls('EnableUnitFiles'), [])

        conn = self.add_connection('jira', 'acme')
        calls = self.wait_calls(systemd, 'EnableUnitFiles', 1)
        self.assertEqual([list(calls[0][0]), calls[0][1]], [[UNIT], False])

        self.daemon.set_setting('watch-in-background', 'false')
        calls = self.wait_calls(systemd, 'DisableUnitFiles', 1)
        self.assertEqual(list(calls[0][0]), [UNIT])

        self.daemon.set_setting('watch-in-background', 'true')
        self.wait_calls(systemd, 'EnableUnitFiles', 2)
        self.client.remove(conn)
        self.wait_calls(systemd, 'DisableUnitFiles', 2)
        self.assertIn('Watching in the background is off', self.daemon.log_text())

    def test_an_administrators_global_choice_is_left_alone(self):
        systemd = SystemdUser(self.client, state='masked')
        self.addCleanup(systemd.stop)
        self.start_daemon()
        self.add_connection('jira', 'acme')
        self.wait_calls(systemd, 'GetUnitFileState', 2)
        self.quiet(1)
        self.assertEqual(systemd.calls('EnableUnitFiles'), [])
        self.assertEqual(systemd.calls('DisableUnitFiles'), [])

    def test_without_systemd_the_service_runs_as_ever(self):
        self.start_daemon()
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        self.assertIn('No systemd user unit', self.daemon.log_text())


if __name__ == '__main__':
    main()
