# test_resume.py: after a resume (logind's PrepareForSleep on the system bus) cmatokend re-evaluates at once; no system bus is fine
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi.repository import GLib  # noqa: E402

from watchlib import (  # noqa: E402
    IFACE_CONNECTION, MockService, PrivateBus, WatchTestCase, main, now)

LOGIN1 = 'org.freedesktop.login1'
LOGIN1_PATH = '/org/freedesktop/login1'
LOGIN1_MANAGER = 'org.freedesktop.login1.Manager'
RESUMED = 'The machine resumed: re-evaluating every deadline'
WAKE_ALL = 'the clock was set or the machine resumed'


class TestResume(WatchTestCase):
    valgrind_subset = {'test_prepare_for_sleep_false_re_evaluates_everything', 'test_no_system_bus'}
    autostart_daemon = False

    def system_bus(self):
        bus = PrivateBus()
        self.addCleanup(bus.stop)
        return bus

    def logind(self, bus):
        logind = MockService(bus.client, LOGIN1, LOGIN1_PATH, ['--template', 'logind'],
                             env=dict(bus.env(), DBUS_SESSION_BUS_ADDRESS=bus.address),
                             log_name='logind')
        self.addCleanup(logind.stop)
        return logind

    def sleep(self, logind, going_to_sleep):
        logind.emit(LOGIN1_MANAGER, 'PrepareForSleep', 'b',
                    [GLib.Variant('b', going_to_sleep)])

    def test_prepare_for_sleep_false_re_evaluates_everything(self):
        bus = self.system_bus()
        logind = self.logind(bus)
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': bus.address})
        self.client.wait_until(lambda: self.log_lines('Watching logind for resumes'), 10,
                               'the service to watch logind')
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)

        # Going to sleep: nothing to do.
        self.sleep(logind, True)
        self.quiet(1)
        self.assertEqual(self.log_lines(RESUMED), [])

        # Back: every deadline is looked at again, at once.
        self.sleep(logind, False)
        self.client.wait_until(lambda: self.log_lines(RESUMED), 10, 'the resume to be noticed')
        self.client.wait_until(lambda: self.log_lines(WAKE_ALL), 10, 'every object re-evaluated')
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['AttentionNeeded']), ('valid', False))
        # And the service goes on as before.
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')

    def test_a_stranger_cannot_fake_a_resume(self):
        bus = self.system_bus()
        self.logind(bus)
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': bus.address})
        self.client.wait_until(lambda: self.log_lines('Watching logind for resumes'), 10,
                               'the service to watch logind')
        # The same signal from a connection that does not own org.freedesktop.login1.
        bus.bus.emit_signal(None, LOGIN1_PATH, LOGIN1_MANAGER, 'PrepareForSleep',
                            GLib.Variant('(b)', (False,)))
        bus.bus.flush_sync(None)
        self.quiet(1)
        self.assertEqual(self.log_lines(RESUMED), [])

    def test_the_system_bus_going_away(self):
        bus = self.system_bus()
        self.logind(bus)
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': bus.address})
        self.client.wait_until(lambda: self.log_lines('Watching logind for resumes'), 10,
                               'the service to watch logind')
        bus.stop()
        self.client.wait_until(lambda: self.log_lines('The system bus went away'), 10,
                               'the service to notice')
        # Still here (GDBus would have ended the process), and working.
        self.quiet(1)
        self.assertTrue(self.daemon.running())
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')

    def test_a_system_bus_without_logind(self):
        bus = self.system_bus()
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': bus.address})
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')

    def test_no_system_bus(self):
        missing = os.path.join(os.environ.get('CMT_SESSION_DIR', '/tmp'), 'no-such-bus')
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=' + missing})
        self.client.wait_until(lambda: self.log_lines('No system bus'), 10,
                               'the service to note the missing system bus')
        lifetime, warn = self.times()
        flip_at = now() + 3
        conn = self.add_connection('jira', 'acme', renewed_at=flip_at - lifetime + warn,
                                   check=False)
        # Time still moves statuses on.
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Status', 'expiring', 15)
        self.notifications.wait_notifies(1, 10)


if __name__ == '__main__':
    main()
