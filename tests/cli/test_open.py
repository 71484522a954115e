# test_open.py: `cmatokenctl open` asks the app (org.freedesktop.Application on io.github.cmatoken) to show a connection
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gi  # noqa: E402
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

from cliharness import CliTestCase, main, run_on_empty_bus  # noqa: E402

APP_ID = 'io.github.cmatoken'
APP_PATH = '/io/github/cmatoken'
APP_XML = '''
<node>
  <interface name="org.freedesktop.Application">
    <method name="Activate"><arg type="a{sv}" name="platform_data" direction="in"/></method>
    <method name="Open">
      <arg type="as" name="uris" direction="in"/>
      <arg type="s" name="hint" direction="in"/>
      <arg type="a{sv}" name="platform_data" direction="in"/>
    </method>
    <method name="ActivateAction">
      <arg type="s" name="action_name" direction="in"/>
      <arg type="av" name="parameter" direction="in"/>
      <arg type="a{sv}" name="platform_data" direction="in"/>
    </method>
  </interface>
</node>
'''


class AppRecorder:
    """Stands in for the app on the test bus: owns its name and records the calls."""

    def __init__(self, bus):
        self.bus = bus
        self.calls = []
        info = Gio.DBusNodeInfo.new_for_xml(APP_XML).interfaces[0]
        self.reg = bus.register_object(APP_PATH, info, self._on_call, None, None)
        reply = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                              'RequestName', GLib.Variant('(su)', (APP_ID, 4)),
                              GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE, 10000, None)
        assert reply.unpack()[0] == 1, 'could not own %s' % APP_ID

    def _on_call(self, _conn, sender, path, iface, method, params, invocation):
        self.calls.append((method, params.unpack()))
        invocation.return_value(None)

    def close(self):
        self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                           'ReleaseName', GLib.Variant('(s)', (APP_ID,)), None,
                           Gio.DBusCallFlags.NONE, 10000, None)
        self.bus.unregister_object(self.reg)


class TestOpen(CliTestCase):

    def setUp(self):
        super().setUp()
        self.app = AppRecorder(self.client.bus)
        self.addCleanup(self.app.close)

    def test_open_a_connection(self):
        conn = self.cli_add_connection('jira', 'acme')
        res = self.ctl('open', self.fake.server_url('jira'), env={'DESKTOP_STARTUP_ID': 'test-123'})
        self.assertCtl(res, 0)
        self.assertEqual(self.app.calls, [
            ('ActivateAction', ('show-connection', [conn.rsplit('/', 1)[1]],
                                {'desktop-startup-id': 'test-123'}))])

    def test_open_by_id(self):
        conn = self.cli_add_connection('wiki', 'acme')
        res = self.ctl('open', conn.rsplit('/', 1)[1], env={'DESKTOP_STARTUP_ID': ''})
        self.assertCtl(res, 0)
        self.assertEqual(len(self.app.calls), 1)
        method, (action, target, _platform) = self.app.calls[0]
        self.assertEqual((method, action, target),
                         ('ActivateAction', 'show-connection', [conn.rsplit('/', 1)[1]]))

    def test_open_the_app(self):
        res = self.ctl('open')
        self.assertCtl(res, 0)
        self.assertEqual([c[0] for c in self.app.calls], ['Activate'])

    def test_unknown_connection_opens_nothing(self):
        res = self.ctl('open', 'nosuchid')
        self.assertFailed(res, 'No connection is called “nosuchid”')
        self.assertEqual(self.app.calls, [])


class TestOpenWithoutApp(CliTestCase):
    autostart_daemon = False

    def test_no_app(self):
        rc, out, err = run_on_empty_bus(['open'])
        self.assertEqual(rc, 1, err)
        self.assertIn('cmatokenctl: The cmatoken app (io.github.cmatoken) is not installed', err)
        self.assertEqual(out, '')

    def test_app_fails_to_start(self):
        rc, out, err = run_on_empty_bus(['open'], {APP_ID: '/bin/false'})
        self.assertEqual(rc, 1, err)
        self.assertIn('cmatokenctl: Could not open the cmatoken app', err)


if __name__ == '__main__':
    main()
