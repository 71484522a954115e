#!/usr/bin/python3
# test_e2e_flows.py: the add-connection and renewal flows of the real app, driven through AT-SPI under Xvfb
"""End-to-end tests of the flows (issue 4, Tests), run inside cmt-session.

Everything the admin does goes through AT-SPI on the real window (buttons by
their "click" action, entries by EditableText, check boxes by a pointer click
at their extents, as GTK 4.8 gives them no action), against the real
cmatokend, the real gnome-keyring and the fake Atlassian. Only set-up that is
not the subject of a test (a second cloud account, the Confluence connection)
is made over D-Bus. The assertions read the service over D-Bus and the fake's
state. Each run saves screenshots of every page walked (flow-*.png) in
$CMT_SCREENSHOT_DIR or BUILDDIR/tests/screenshots.
"""

import time

import pyatspi

from atspi_harness import App, role_of, wait_until
from cmtharness import DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, main, scaled
from test_gui_e2e import GuiTestCase, url_display

ENTRY_ROLES = ('text', 'password text', 'entry')
CHECK_ROLES = ('check box', 'radio button')
FLOW_WAIT = 30   # seconds for anything that talks to the fake Atlassian


class FlowsTest(GuiTestCase):

    def start_app(self):
        # Opening a URL must never reach a real browser (nor hang): the manual
        # flow is walked without its Open button, and anything else fails quietly.
        self.app = App(self.display, lang=self.lang,
                       env={'BROWSER': '/bin/false', 'XDG_CURRENT_DESKTOP': 'none'}).start()
        return self.app

    # --- helpers on top of the harness ---

    def shot(self, name):
        self.app.screenshot('flow-' + name)

    def dialog(self):
        main_window = self.app.window('Cloud Migration Tokens')
        return wait_until(lambda: [w for w in self.app.windows() if w != main_window],
                          10, 'a dialog over the main window')[0]

    def entry(self, dialog, name):
        return self.app.find(None, name, root=dialog, timeout=FLOW_WAIT,
                             match=lambda a: role_of(a) in ENTRY_ROLES,
                             what='the entry "%s"' % name)

    def check_box(self, dialog, name):
        return self.app.find(None, name, root=dialog, timeout=FLOW_WAIT,
                             match=lambda a: role_of(a) in CHECK_ROLES,
                             what='the check box "%s"' % name)

    def button(self, dialog, name, timeout=FLOW_WAIT):
        return self.app.find('push button', name, root=dialog, timeout=timeout)

    def sensitive(self, acc):
        import pyatspi
        return self.app.has_state(acc, pyatspi.STATE_SENSITIVE)

    def press(self, dialog, name, timeout=FLOW_WAIT):
        """Waits until the button shows and can be pressed, then clicks it."""
        button = self.button(dialog, name, timeout)
        wait_until(lambda: self.sensitive(button), timeout, '"%s" to be enabled' % name)
        self.app.click(button)
        return button

    def tick(self, dialog, name):
        """Turns a check box on (a pointer click: GTK 4.8 check boxes have no action)."""
        import pyatspi
        box = self.check_box(dialog, name)
        if not self.app.has_state(box, pyatspi.STATE_CHECKED):
            self.app.toggle(box)
        wait_until(lambda: self.app.has_state(box, pyatspi.STATE_CHECKED), 10,
                   'the check box "%s" to be ticked' % name)
        return box

    def connection(self, path):
        return self.client.get_all(path, IFACE_CONNECTION)

    def open_renewal(self, server):
        """Presses the row's "Renew…" button; returns the renewal flow's window."""
        app = self.app
        app.press('push button', 'Renew ' + url_display(self.fake.server_url(server)), timeout=FLOW_WAIT)
        dialog = self.dialog()
        self.button(dialog, 'Connect to cloud')
        return dialog

    def walk_jcma(self, dialog, shots, change_to=None):
        """how → site → account [→ change account] → consent → Confirm → success."""
        app = self.app
        self.shot(shots + '-how')
        self.press(dialog, 'Connect to cloud')
        self.button(dialog, 'Choose cloud site')
        self.shot(shots + '-site')
        self.press(dialog, 'Choose cloud site')
        self.button(dialog, 'Change account')
        self.shot(shots + '-account')
        if change_to is not None:
            self.press(dialog, 'Change account')
            self.tick(dialog, change_to)
            self.shot(shots + '-change-account')
            self.press(dialog, 'Use this account')
        else:
            self.press(dialog, 'Continue')
        confirm = self.button(dialog, 'Confirm')
        # Confirm waits for the admin's consent.
        self.assertFalse(self.sensitive(confirm))
        self.tick(dialog, 'Allow Atlassian to access migrations data')
        wait_until(lambda: self.sensitive(confirm), 10, 'Confirm to be enabled by the consent')
        self.shot(shots + '-consent')
        app.click(confirm)
        app.find_text('Token Renewed', root=dialog, timeout=FLOW_WAIT)
        self.shot(shots + '-success')
        self.press(dialog, 'Done')
        app.wait_window_gone(dialog)

    # --- the tests ---

    def test_add_jira_connection_then_renew_with_another_account(self):
        user = self.sc.user('acme')
        app = self.start_app()
        app.find_text('No Connections Yet', timeout=FLOW_WAIT)
        self.shot('empty')
        app.click(app.find('push button', 'Add Connection',
                           match=lambda a: 'Add Connection Add Connection' in (a.name or '')))
        dialog = self.dialog()

        # Which product.
        self.check_box(dialog, 'Jira')
        self.shot('add-product')
        self.tick(dialog, 'Jira')
        self.press(dialog, 'Next')

        # The server and its credential (checked against the fake as entered).
        app.set_text(self.entry(dialog, 'Server URL'), self.fake.server_url('jira'))
        app.set_text(self.entry(dialog, 'Personal access token'), self.sc.pat('jira'))
        self.shot('add-server')
        self.press(dialog, 'Next')

        # The cloud site and a new account.
        app.set_text(self.entry(dialog, 'Cloud site URL'), self.fake.site_url('acme'))
        app.set_text(self.entry(dialog, 'Email address'), user['email'])
        app.set_text(self.entry(dialog, 'API token'), user['api_token'])
        self.shot('add-cloud')
        self.press(dialog, 'Next')

        # The last renewal: unknown; add.
        self.button(dialog, 'Add connection')
        self.shot('add-renewed')
        self.press(dialog, 'Add connection')
        app.find_text('Connection Added', root=dialog, timeout=FLOW_WAIT)
        self.shot('add-done')
        self.press(dialog, 'Done')
        app.wait_window_gone(dialog)

        # The service holds the server, the account and the connection.
        servers = self.client.objects(IFACE_SERVER)
        self.assertEqual(len(servers), 1, servers)
        server, server_props = next(iter(servers.items()))
        self.assertEqual(server_props['BaseUrl'], self.fake.server_url('jira'))
        self.assertEqual(server_props['Product'], 'jira')
        self.assertEqual(server_props['AuthKind'], 'pat')
        accounts = self.client.objects(IFACE_ACCOUNT)
        self.assertEqual(len(accounts), 1, accounts)
        first, account_props = next(iter(accounts.items()))
        self.assertEqual(account_props['Email'], user['email'])
        self.assertEqual(account_props['SiteUrl'], self.fake.site_url('acme'))
        connections = self.client.objects(IFACE_CONNECTION)
        self.assertEqual(len(connections), 1, connections)
        conn, props = next(iter(connections.items()))
        self.assertEqual(props['Product'], 'jira')
        self.assertEqual(props['Server'], server)
        self.assertEqual(props['CloudAccount'], first)
        self.assertEqual(props['CloudSiteUrl'], self.fake.site_url('acme'))
        self.assertEqual(props['RenewedAt'], 0)
        self.assertEqual(self.fake.holds('jira'), [])
        # The new row shows in the window.
        site = url_display(self.fake.site_url('acme'))
        app.find_text('%s → %s' % (url_display(self.fake.server_url('jira')), site), timeout=FLOW_WAIT)
        self.shot('connections')

        # A second admin of the site (set up over D-Bus: not what this test is about).
        second = self.add_account('acme', 'admin2@acme.test')
        self.client.check(second)
        self.client.wait_until(
            lambda: self.client.get_property(second, IFACE_ACCOUNT, 'DisplayName') == 'Bea Second',
            what='the second account checked')

        # Renew through the JCMA flow, changing to the second account.
        before = time.time()
        dialog = self.open_renewal('jira')
        self.walk_jcma(dialog, 'jcma', change_to='Bea Second')

        props = self.connection(conn)
        self.assertEqual(props['CloudAccount'], second)
        self.assertNear(props['RenewedAt'], before, slack=scaled(120))
        self.assertNear(props['ExpiresAt'], props['RenewedAt'] + 21 * DAY, slack=scaled(120))
        holds = self.fake.holds('jira')
        self.assertEqual([h['email'] for h in holds], ['admin2@acme.test'])
        self.assertEqual(holds[0]['cloudUrl'], self.fake.site_url('acme'))
        # The row follows: renewed with the second account.
        app.find_text('Cloud account: admin2@acme.test', timeout=FLOW_WAIT)
        self.shot('connections-renewed')

    def test_enter_on_add_connection_step_1_goes_on(self):
        app = self.start_app()
        app.find_text('No Connections Yet', timeout=FLOW_WAIT)
        app.click(app.find('push button', 'Add Connection',
                           match=lambda a: 'Add Connection Add Connection' in (a.name or '')))
        dialog = self.dialog()
        jira = self.check_box(dialog, 'Jira')
        wait_until(lambda: self.app.has_state(jira, pyatspi.STATE_FOCUSED), 10, 'Jira to have the focus')
        app.key('Return')
        self.entry(dialog, 'Server URL')
        app.key('Escape')
        app.wait_window_gone(dialog)

    def test_ccma_renewal(self):
        conn = self.add_connection('wiki', 'acme', check=False)
        app = self.start_app()
        app.find_text('%s → %s' % (url_display(self.fake.server_url('wiki')),
                                   url_display(self.fake.site_url('acme'))), timeout=FLOW_WAIT)
        before = time.time()
        dialog = self.open_renewal('wiki')
        self.walk_jcma(dialog, 'ccma')

        props = self.connection(conn)
        self.assertEqual(props['CloudAccount'], self.find_account('acme'))
        self.assertNear(props['RenewedAt'], before, slack=scaled(120))
        holds = self.fake.holds('wiki')
        self.assertEqual([h['email'] for h in holds], ['admin@acme.test'])
        self.assertEqual(holds[0]['cloudUrl'], self.fake.site_url('acme'))

    def test_renewal_warns_of_a_refused_server_credential(self):
        conn = self.add_connection('jira', 'acme')
        server = self.find_server('jira')
        self.fake.add_fault({'endpoint': 'server-myself', 'status': 401})
        with self.assertRaisesDBus('ServerAuthFailed'):
            self.client.check(server)
        app = self.start_app()
        app.find_text('%s → %s' % (url_display(self.fake.server_url('jira')),
                                   url_display(self.fake.site_url('acme'))), timeout=FLOW_WAIT)
        dialog = self.open_renewal('jira')
        self.press(dialog, 'Connect to cloud')
        self.press(dialog, 'Choose cloud site')
        # Before the admin consents and sends anything: the save step will
        # use the server's credential, which was refused.
        app.find_text('The server may refuse its stored credential: it was refused or had expired at the '
                      'last check. Replace it under Servers first, or continue to try it anyway.',
                      root=dialog, timeout=FLOW_WAIT)
        self.shot('renew-server-refused')
        app.key('Escape')
        app.wait_window_gone(dialog)
        self.assertEqual(self.connection(conn)['RenewedAt'], 0)
        self.assertEqual(self.fake.holds('jira'), [])

    def test_enter_on_the_consent_box_ticks_it_then_confirms(self):
        conn = self.add_connection('wiki', 'acme', check=False)
        app = self.start_app()
        app.find_text('%s → %s' % (url_display(self.fake.server_url('wiki')),
                                   url_display(self.fake.site_url('acme'))), timeout=FLOW_WAIT)
        dialog = self.open_renewal('wiki')
        self.press(dialog, 'Connect to cloud')
        self.press(dialog, 'Choose cloud site')
        self.press(dialog, 'Continue')
        confirm = self.button(dialog, 'Confirm')
        box = self.check_box(dialog, 'Allow Atlassian to access migrations data')
        wait_until(lambda: self.app.has_state(box, pyatspi.STATE_FOCUSED), 10, 'the consent box to have the focus')
        # Enter ticks the box (it never unticks it) ...
        app.key('Return')
        wait_until(lambda: self.app.has_state(box, pyatspi.STATE_CHECKED), 10, 'the box to be ticked')
        wait_until(lambda: self.sensitive(confirm), 10, 'Confirm to be enabled')
        self.assertEqual(self.fake.holds('wiki'), [])
        # ... and then confirms.
        app.key('Return')
        app.find_text('Token Renewed', root=dialog, timeout=FLOW_WAIT)
        self.assertEqual(len(self.fake.holds('wiki')), 1)
        self.assertGreater(self.connection(conn)['RenewedAt'], 0)
        self.press(dialog, 'Done')
        app.wait_window_gone(dialog)

    def test_manual_renewal(self):
        conn = self.add_connection('jira', 'acme')
        app = self.start_app()
        app.find_text('%s → %s' % (url_display(self.fake.server_url('jira')),
                                   url_display(self.fake.site_url('acme'))), timeout=FLOW_WAIT)
        self.assertEqual(self.connection(conn)['RenewedAt'], 0)
        before = time.time()
        dialog = self.open_renewal('jira')
        self.press(dialog, 'Renew in the browser')
        app.find_text('Renew in the Browser', role='heading', root=dialog, timeout=FLOW_WAIT)
        self.button(dialog, "I've renewed it")
        self.shot('manual')
        self.press(dialog, "I've renewed it")
        app.find_text('Renewal Recorded', root=dialog, timeout=FLOW_WAIT)
        self.shot('manual-done')
        self.press(dialog, 'Done')
        app.wait_window_gone(dialog)

        props = self.connection(conn)
        self.assertNear(props['RenewedAt'], before, slack=scaled(120))
        # Renewed by hand: cmatoken sent nothing to the server.
        self.assertEqual(self.fake.holds('jira'), [])
        self.assertEqual(self.fake.counters()['save'], 0)


if __name__ == '__main__':
    main()
