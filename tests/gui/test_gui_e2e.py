#!/usr/bin/python3
# test_gui_e2e.py: the real app under Xvfb through AT-SPI, with the real service, keyring and fake Atlassian
"""End-to-end tests of the main window (run inside cmt-session; see atspi_harness.py).

Each run saves screenshots of the main pages (connections, cloud accounts,
servers, preferences, the empty state) in $CMT_SCREENSHOT_DIR or
BUILDDIR/tests/screenshots.
"""

import subprocess
import time
import unittest

import pyatspi

from atspi_harness import App, Display, log, text_of, wait_until
from cmtharness import DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, ServiceTestCase, main, now


def url_display(url):
    """What the app shows for a URL (cmt_url_display): host[:port][/path], no scheme."""
    return url.split('://', 1)[1].rstrip('/')


def object_id(path):
    return path.rsplit('/', 1)[1]


def top_of(acc):
    return acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS).y


class GuiTestCase(ServiceTestCase):
    """A display and a fake per class, one daemon per class (emptied between
    tests), and the app started by each test."""

    daemon_per_class = True
    lang = 'C.UTF-8'

    @classmethod
    def setUpClass(cls):
        cls.display = Display().start()
        try:
            super().setUpClass()
        except Exception:
            cls.display.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.display.stop()

    def setUp(self):
        super().setUp()
        self.app = None
        # Runs before the daemon checks (cleanups run last in, first out).
        self.addCleanup(self.quit_app)

    def quit_app(self):
        if self.app is None:
            return
        # Inside a cleanup _outcome.success reads True: look at the result instead.
        result = getattr(self._outcome, 'result', None)
        failed = result is not None and any(t is self for t, _ in result.failures + result.errors)
        if failed:
            log('app log (%s):\n%s' % (self.app.log_path, self.app.log_text()[-6000:]))
            if self.app.running():
                self.app.screenshot('FAILED-' + self._testMethodName)
        self.app.quit()
        output = self.app.log_text()
        self.assertNoSecrets(output, 'the app\'s output')
        for problem in ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', '-CRITICAL **'):
            self.assertNotIn(problem, output, 'the app\'s output:\n' + output[-4000:])
        self.app = None

    def start_app(self):
        self.app = App(self.display, lang=self.lang).start()
        return self.app

    def app_setting(self, key):
        """A key of io.github.cmatoken as the app sees it."""
        return subprocess.run(['gsettings', 'get', 'io.github.cmatoken', key], env=self.app.env,
                              check=True, stdout=subprocess.PIPE).stdout.decode().strip()

    # --- the scenario: a Jira connection expiring in 3 days, a Confluence one valid ---

    def add_two_connections(self):
        t = now()
        jira = self.add_connection('jira', 'acme', renewed_at=t - 18 * DAY - 3600)
        wiki = self.add_connection('wiki', 'acme', renewed_at=t - 2 * DAY)
        site = url_display(self.fake.site_url('acme'))
        self.jira_title = '%s → %s' % (url_display(self.fake.server_url('jira')), site)
        self.wiki_title = '%s → %s' % (url_display(self.fake.server_url('wiki')), site)
        return jira, wiki

    def open_row_menu(self, app, host, item):
        """Opens a connection row's menu with the pointer (GTK 4.8 menu
        buttons have no AT-SPI action) and picks @item."""
        app.pointer_click(app.find('push button', 'More actions for ' + host))
        entry = app.find('menu item', item)
        actions = entry.queryAction()
        names = [actions.getName(i) for i in range(actions.nActions)]
        if names:
            app.do_action(entry, names[0])
        else:
            app.pointer_click(entry)

    @staticmethod
    def day(seconds):
        # C locale, this year (the app's "12 December"; another year adds it).
        when = time.localtime(seconds)
        fmt = '%-d %B' if when.tm_year == time.localtime().tm_year else '%-d %B %Y'
        return time.strftime(fmt, when)

    def valid_until(self, connection):
        return 'Valid until ' + self.day(self.client.get_property(connection, IFACE_CONNECTION, 'ExpiresAt'))


class MainWindowTest(GuiTestCase):

    def test_empty_state(self):
        app = self.start_app()
        app.find_text('No Connections Yet')
        page_button = app.find('push button', 'Add Connection',
                               match=lambda a: 'Add Connection Add Connection' in (a.name or ''))
        app.screenshot('empty')
        self.assertEqual(app.unnamed_controls(), [])

        # "Add Connection" opens the add-connection flow over the window; Escape closes it.
        main_window = app.window('Cloud Migration Tokens')
        app.click(page_button)
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window],
                            10, 'the add-connection dialog')[0]
        app.screenshot('add-connection')
        app.key('Escape')
        app.wait_window_gone(dialog)

    def test_connections_accounts_servers(self):
        jira, wiki = self.add_two_connections()
        app = self.start_app()

        # Wording: the product, server → site, the state in words.
        jira_label = app.find_text(self.jira_title)
        wiki_label = app.find_text(self.wiki_title)
        app.find_text('Expires in 3 days')
        app.find_text(self.valid_until(wiki))
        # When each was last renewed, beside its state.
        app.find_text('· last renewed ' + self.day(self.client.get_property(jira, IFACE_CONNECTION, 'RenewedAt')))
        self.assertIn('JCMA', app.texts())
        self.assertIn('CCMA', app.texts())
        self.assertIn('Cloud account: admin@acme.test', app.texts())
        # What needs attention comes first.
        self.assertLess(top_of(jira_label), top_of(wiki_label))
        # Each row's buttons are named after its server, for screen readers and tests.
        app.find('push button', 'Renew ' + url_display(self.fake.server_url('jira')))
        app.find('push button', 'More actions for ' + url_display(self.fake.server_url('wiki')))
        # Two levels of lifetime: the expiring one has less left.
        bars = {b.name: b.queryValue().currentValue for b in app.find_all('level bar')}
        self.assertLess(bars['Time left on ' + url_display(self.fake.server_url('jira'))],
                        bars['Time left on ' + url_display(self.fake.server_url('wiki'))])
        app.screenshot('connections')
        self.assertEqual(app.unnamed_controls(), [])

        # Live: renewed elsewhere (here: marked renewed over D-Bus), the row follows and moves.
        self.client.mark_renewed(jira, 0)
        app.find_text(self.valid_until(jira))
        app.wait_text_gone('Expires in 3 days')
        wait_until(lambda: top_of(app.find_text(self.wiki_title)) < top_of(app.find_text(self.jira_title)),
                   10, 'the Confluence connection to move up')

        # The cloud accounts and the servers, by keyboard.
        app.key('alt+2')
        app.find_text('admin@acme.test')
        app.find('push button', 'Check admin@acme.test')
        app.find('push button', 'Replace the API token of admin@acme.test')
        app.screenshot('accounts')
        self.assertEqual(app.unnamed_controls(), [])
        app.key('alt+3')
        app.find_text(url_display(self.fake.server_url('jira')))
        app.find_text(url_display(self.fake.server_url('wiki')))
        app.find('push button', 'Remove ' + url_display(self.fake.server_url('wiki')))
        app.screenshot('servers')
        self.assertEqual(app.unnamed_controls(), [])

        # Preferences (Ctrl+,), both pages; Escape closes.
        app.key('ctrl+comma')
        app.find_text('Token lifetime in days')
        app.screenshot('preferences')
        self.assertEqual(app.unnamed_controls(), [])
        # Watch in the background: on by default; the switch sets the key
        # that the service and its autostart entry read.
        # (Below the fold of the page: found without scrolling. GTK 4.8
        # gives a GtkSwitch the role "check box" and its name twice.)
        background = app.find('check box', 'Watch in the background', visible=False)
        self.assertTrue(background.getState().contains(pyatspi.STATE_CHECKED))
        self.assertEqual(self.app_setting('watch-in-background'), 'true')
        actions = background.queryAction()
        toggle = [actions.getName(i) for i in range(actions.nActions)][0]
        app.do_action(background, toggle)
        wait_until(lambda: self.app_setting('watch-in-background') == 'false', 10,
                   'the preference to be turned off')
        app.do_action(background, toggle)
        wait_until(lambda: self.app_setting('watch-in-background') == 'true', 10,
                   'the preference to be turned on again')
        app.press('page tab', 'Automatic Renewal')
        app.find_text(self.jira_title)
        app.screenshot('preferences-auto-renew')
        self.assertEqual(app.unnamed_controls(), [])
        app.key('Escape')
        app.wait_text_gone('Token lifetime in days')
        app.key('alt+1')
        app.find_text(self.jira_title)

    def test_forget_everything(self):
        jira, wiki = self.add_two_connections()
        self.add_account('other')
        self.assertEqual(len(self.keyring.items()), 4)
        app = self.start_app()
        app.find_text(self.jira_title)
        app.key('ctrl+comma')
        prefs = app.window('Preferences')
        # Below the fold of the page: found without scrolling.
        forget = app.find('push button', 'Forget Everything…', root=prefs, visible=False)
        self.assertTrue(app.has_state(forget, pyatspi.STATE_SENSITIVE))

        # Cancel changes nothing.
        app.click(forget)
        dialog = app.window('Forget Everything?')
        app.find_text('2 connections, 2 servers and 2 cloud accounts will be removed, and their credentials '
                      'deleted from the keyring. The migration assistants keep their tokens; this cannot be undone.',
                      root=dialog)
        self.assertEqual(app.unnamed_controls(dialog), [])
        app.press('push button', 'Cancel')
        app.wait_window_gone(dialog)
        self.assertEqual(len(self.client.objects(IFACE_CONNECTION)), 2)
        self.assertEqual(len(self.keyring.items()), 4)

        # Forget Everything: every object and every credential.
        app.click(forget)
        dialog = app.window('Forget Everything?')
        app.press('push button', 'Forget Everything')
        app.wait_window_gone(dialog)
        app.find_text('Everything was forgotten, and the credentials deleted from the keyring.', timeout=20)
        self.assertEqual(self.client.objects(IFACE_CONNECTION), {})
        self.assertEqual(self.client.objects(IFACE_SERVER), {})
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})
        self.assertEqual(self.keyring.items(), [])
        # Nothing left to forget.
        wait_until(lambda: not app.has_state(forget, pyatspi.STATE_SENSITIVE), 10, 'the button to be insensitive')
        app.key('Escape')
        app.wait_window_gone(prefs)

    def test_show_connection(self):
        jira, wiki = self.add_two_connections()
        # Many connections, so that the one asked for starts out of view.
        for name in ('jira2', 'oldjira'):
            self.add_connection(name, 'acme', check=False)
            self.add_connection(name, 'other', check=False)
        app = self.start_app()
        app.find_text(self.jira_title)

        app.activate_action('show-connection', object_id(wiki))

        def selected_titles():
            items = app.find_all('list item', match=lambda a: a.getState().contains(pyatspi.STATE_SELECTED))
            return [text_of(label) for item in items for label in app.find_all('label', root=item)]
        titles = wait_until(selected_titles, 10, 'a selected row')
        self.assertIn(self.wiki_title, titles)
        self.assertNotIn(self.jira_title, titles)

        app.activate_action('show-connection', object_id(jira))
        wait_until(lambda: self.jira_title in selected_titles(), 10, 'the Jira row to be selected')

        # app.renew-connection opens the product's renewal flow over the window (Escape closes it).
        main_window = app.window('Cloud Migration Tokens')
        app.activate_action('renew-connection', object_id(wiki))
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the renewal flow')[0]
        app.find_text(self.wiki_title, root=dialog)
        wait_until(lambda: self.wiki_title in selected_titles(), 10, 'the Confluence row to be selected')
        app.screenshot('renew-connection')
        app.key('Escape')
        app.wait_window_gone(dialog)

    def test_renewing_shows_live(self):
        jira, wiki = self.add_two_connections()
        app = self.start_app()
        app.find_text('Expires in 3 days')
        renew = app.find('push button', 'Renew ' + url_display(self.fake.server_url('jira')))
        self.assertTrue(renew.getState().contains(pyatspi.STATE_SENSITIVE))

        # A renewal from elsewhere (the command line, automatic renewal), slowed down at
        # Atlassian, shows its steps in the row; then the new state.
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': 3000, 'count': 1})
        pending = self.client.renew_async(jira)
        app.find_text('Creating an auth token at Atlassian…')
        wait_until(lambda: not renew.getState().contains(pyatspi.STATE_SENSITIVE), 5,
                   'Renew to be insensitive while renewing')
        app.screenshot('renewing')
        self.client.wait_pending([pending])
        self.assertIsNone(pending.error)
        app.find_text(self.valid_until(jira))
        app.wait_text_gone('Creating an auth token at Atlassian…')
        self.assertTrue(app.find('push button', 'Renew ' + url_display(self.fake.server_url('jira')))
                        .getState().contains(pyatspi.STATE_SENSITIVE))

        # A renewal that fails: the row shows the service's own words.
        self.fake.add_fault({'endpoint': 'save', 'target': 'jira', 'status': 404, 'count': 1})
        with self.assertRaisesDBus('NotSupported', 'Failed', 'TokenRejected'):
            self.client.renew(jira)
        message = self.client.get_property(jira, IFACE_CONNECTION, 'LastError')
        self.assertTrue(message)
        app.find_text(message)
        app.screenshot('row-error')

    def test_a_refused_credential_shows_on_its_connection(self):
        jira, wiki = self.add_two_connections()
        server = self.find_server('jira')
        host = url_display(self.fake.server_url('jira'))
        app = self.start_app()
        app.find_text(self.jira_title)
        # The summary at the top counts every connection once.
        app.find_text('1 expires this week · 1 valid')
        # The server refuses the stored PAT (revoked): its connection says it
        # cannot be renewed, and what to do, before anyone presses Renew.
        self.fake.add_fault({'endpoint': 'server-myself', 'status': 401})
        with self.assertRaisesDBus('ServerAuthFailed'):
            self.client.check(server)
        blocker = ('Cannot renew: %s rejected the stored credential. Replace it under Servers.' % host)
        app.find_text(blocker)
        app.find_text('1 cannot renew (server credential refused) · 1 valid')
        self.assertTrue(self.client.get_property(jira, IFACE_CONNECTION, 'AttentionNeeded'))
        app.screenshot('row-credential-refused')
        # Fixed: the check passes again and the row says nothing more.
        self.fake.clear_faults()
        self.client.check(server)
        app.wait_text_gone(blocker)
        app.find_text('1 expires this week · 1 valid')

    def test_labels_show_first_and_are_searched(self):
        jira, wiki = self.add_two_connections()
        self.client.set_label(self.find_server('jira'), '本番 Jira')
        wiki_host = url_display(self.fake.server_url('wiki'))
        app = self.start_app()
        main_window = app.window('Cloud Migration Tokens')
        # The label first, what it is below.
        app.find_text('本番 Jira')
        app.find_text('%s · Cloud account: admin@acme.test' % self.jira_title)

        # Label the Confluence connection from its menu.
        self.open_row_menu(app, wiki_host, 'Label…')
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the label dialog')[0]
        entry = app.find('text', 'Label', root=dialog)
        app.set_text(entry, 'Staging wiki')
        app.press('push button', 'Save')
        app.wait_window_gone(dialog)
        wait_until(lambda: self.client.get_property(wiki, IFACE_CONNECTION, 'Label') == 'Staging wiki',
                   10, 'the label to be stored')
        app.find_text('Staging wiki')
        app.screenshot('labels')

        # The search finds labels (and account emails).
        app.key('ctrl+f')
        search = app.find(None, 'Search connections')
        app.set_text(search, 'staging')
        app.wait_text_gone('本番 Jira')
        app.find_text('Staging wiki')
        app.set_text(search, 'admin@acme')
        app.find_text('本番 Jira')
        app.find_text('Staging wiki')

        # Filter by state, the summary's parts: Jira expires this week, the wiki is valid.
        app.set_text(search, '')
        self.pick_state_filter(app, 'Expiring This Week')
        app.wait_text_gone('Staging wiki')
        app.find_text('本番 Jira')
        self.pick_state_filter(app, 'Valid')
        app.wait_text_gone('本番 Jira')
        app.find_text('Staging wiki')
        app.screenshot('filter-valid')
        # Closing the search (Ctrl+F again) shows everything again.
        app.key('ctrl+f')
        app.find_text('本番 Jira')
        app.find_text('Staging wiki')

    STATE_FILTER_ITEMS = ['All States', 'Needing Attention', 'Expired', 'Cannot Renew',
                          'Expiring This Week', 'Never Renewed Here', 'Valid']

    def pick_state_filter(self, app, item):
        """Picks @item in the search bar's state filter (a drop-down): it opens
        with the pointer, and its list (a popup surface, whose items AT-SPI
        places relative to it) is walked with the keyboard from the item
        chosen now."""
        button = app.find(None, 'Show connections')
        current = next(i for i, name in enumerate(self.STATE_FILTER_ITEMS)
                       if any(text_of(a) == name for a in app.find_all('label', None, root=button)))
        app.pointer_click(button)
        time.sleep(0.3)
        target = self.STATE_FILTER_ITEMS.index(item)
        for _ in range(abs(target - current)):
            app.key('Down' if target > current else 'Up')
        app.key('Return')
        wait_until(lambda: any(text_of(a) == item for a in app.find_all('label', None, root=button)),
                   10, 'the filter to show ' + item)

    def test_focus_returns_to_renew_after_the_dialog(self):
        self.add_two_connections()
        name = 'Renew ' + url_display(self.fake.server_url('jira'))
        app = self.start_app()
        main_window = app.window('Cloud Migration Tokens')
        app.press('push button', name)
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the renewal')[0]
        app.key('Escape')
        app.wait_window_gone(dialog)
        # The keyboard is back where it was: on that row's Renew button.
        wait_until(lambda: app.has_state(app.find('push button', name), pyatspi.STATE_FOCUSED), 10,
                   'the Renew button to have the focus again')

    def test_connection_history(self):
        jira, wiki = self.add_two_connections()
        self.client.renew(jira)
        self.fake.add_fault({'endpoint': 'save', 'status': 401, 'count': 1})
        with self.assertRaisesDBus('ServerAuthFailed'):
            self.client.renew(jira)
        app = self.start_app()
        main_window = app.window('Cloud Migration Tokens')
        self.open_row_menu(app, url_display(self.fake.server_url('jira')), 'History')
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the history')[0]
        texts = wait_until(lambda: [t for t in app.texts(dialog) if ' — ' in t] or None, 10, 'the entries')
        # Newest first: the failure, the renewal, the addition.
        self.assertTrue(texts[0].endswith(' — renewed, failed'), texts)
        self.assertTrue(texts[1].endswith(' — renewed'), texts)
        self.assertTrue(texts[-1].endswith(' — added'), texts)
        details = app.texts(dialog)
        self.assertTrue(any(t.startswith('ServerAuthFailed · by ') for t in details), details)
        app.screenshot('history', dialog)
        self.assertEqual(app.unnamed_controls(dialog), [])
        app.key('Escape')
        app.wait_window_gone(dialog)

    def test_row_menu_renew_in_the_browser_opens_the_manual_steps(self):
        self.add_two_connections()
        app = self.start_app()
        main_window = app.window('Cloud Migration Tokens')
        self.open_row_menu(app, url_display(self.fake.server_url('jira')), 'Renew in the Browser…')
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the renewal dialog')[0]
        app.find_text('Renew in the Browser', role='heading', root=dialog)
        app.key('Escape')
        app.wait_window_gone(dialog)
        # "Automatic Renewal…" opens the preferences at that page, not at the first.
        self.open_row_menu(app, url_display(self.fake.server_url('jira')), 'Automatic Renewal…')
        prefs = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the preferences')[0]
        app.find_text('The service can renew a connection’s container token by itself before it expires, '
                      'with the connection’s cloud account. Turn it on for each connection you allow.',
                      root=prefs)
        self.assertNotIn('Token lifetime in days', app.texts(prefs))
        app.key('Escape')
        app.wait_window_gone(prefs)

    def open_renew_all(self, app, n):
        main_window = app.window('Cloud Migration Tokens')
        app.press('push button', 'Renew All That Need It…')
        dialog = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the bulk renewal')[0]
        app.find_text('Renew %d Connections' % n, root=dialog)
        renew = app.find('push button', 'Renew %d Connections' % n, root=dialog)
        # One consent for the batch, asked before anything is sent.
        self.assertFalse(renew.getState().contains(pyatspi.STATE_SENSITIVE))
        app.toggle(app.find('check box', 'Allow Atlassian to access migrations data', root=dialog))
        wait_until(lambda: renew.getState().contains(pyatspi.STATE_SENSITIVE), 5, 'Renew to be enabled')
        return dialog, renew

    def test_renew_all_that_need_it(self):
        jira, wiki = self.add_two_connections()                                  # expiring, valid
        jira2 = self.add_connection('jira2', 'acme', renewed_at=now() - 23 * DAY)  # expired
        app = self.start_app()
        app.find_text('1 expired · 1 expires this week · 1 valid')
        dialog, renew = self.open_renew_all(app, 2)
        app.screenshot('renew-all', dialog)
        before = now()
        app.click(renew)
        app.find_text('All 2 renewed.', root=dialog, timeout=60)
        for conn in (jira, jira2):
            self.assertGreaterEqual(self.client.get_property(conn, IFACE_CONNECTION, 'RenewedAt'), before - 1)
        # The valid one was left alone.
        self.assertEqual(self.fake.holds('wiki'), [])
        app.screenshot('renew-all-done', dialog)
        app.press('push button', 'Done')
        app.wait_window_gone(dialog)
        app.find_text('All 3 valid')

    def test_renew_all_with_a_failure_leads_to_its_fix(self):
        jira, wiki = self.add_two_connections()
        jira2 = self.add_connection('jira2', 'acme', renewed_at=now() - 23 * DAY)
        # jira2 refuses its stored credential when the token is saved.
        self.fake.add_fault({'endpoint': 'save', 'target': 'jira2', 'status': 401})
        host2 = url_display(self.fake.server_url('jira2'))
        app = self.start_app()
        main_window = app.window('Cloud Migration Tokens')
        dialog, renew = self.open_renew_all(app, 2)
        app.click(renew)
        wait_until(lambda: any(t.startswith('1 renewed, 1 failed.') for t in app.texts(dialog)), 60,
                   'the mixed outcome')
        error = self.client.get_property(jira2, IFACE_CONNECTION, 'LastError')
        self.assertTrue(error)
        app.find_text(error, root=dialog)
        app.screenshot('renew-all-mixed', dialog)
        self.assertEqual(len(self.fake.holds('jira')), 1)
        self.assertEqual(self.fake.holds('jira2'), [])
        # Its Fix button opens that connection's own renewal.
        app.press('push button', 'Fix ' + host2)
        app.wait_window_gone(dialog)
        flow = wait_until(lambda: [w for w in app.windows() if w != main_window], 10, 'the renewal flow')[0]
        app.find('push button', 'Connect to cloud', root=flow)
        app.key('Escape')
        app.wait_window_gone(flow)

    def test_replace_server_credential(self):
        self.add_two_connections()
        server = self.find_server('jira')
        name = url_display(self.fake.server_url('jira'))
        # What the service says about a wrong token, to find it in the dialog.
        with self.assertRaisesDBus('ServerAuthFailed', 'InvalidArgument') as refused:
            self.client.replace_secret(server, 'pat', '', 'not-the-pat')
        app = self.start_app()
        app.key('alt+3')
        app.press('push button', 'Replace the credential of ' + name)
        dialog = app.window('Replace Server Credential')
        self.assertEqual(app.unnamed_controls(dialog), [])
        replace = app.find('push button', 'Replace', root=dialog)
        self.assertFalse(replace.getState().contains(pyatspi.STATE_SENSITIVE))

        # A wrong token: the service's message, inline; the dialog stays.
        field = app.find('text', 'Personal access token', root=dialog)
        app.set_text(field, 'not-the-pat')
        wait_until(lambda: replace.getState().contains(pyatspi.STATE_SENSITIVE), 5, 'Replace to be enabled')
        app.click(replace)
        app.find_text(refused.exception.message, root=dialog)
        app.screenshot('replace-credential-error')

        # The right one: the dialog closes and the service has it.
        app.set_text(field, self.sc.pat('jira'))
        app.click(replace)
        app.wait_window_gone(dialog)
        self.client.check(server)
        self.assertEqual(self.client.get_property(server, 'io.github.cmatoken.Server1', 'Status'), 'valid')

    def test_keyring_locked(self):
        jira, wiki = self.add_two_connections()
        account = self.find_account('acme')
        app = self.start_app()
        app.find_text(self.jira_title)
        self.assertFalse(app.find_all('label', None, match=lambda a: text_of(a) == 'The keyring is locked'))

        # The service finds the keyring locked when it next needs a secret.
        self.keyring.lock()
        self.addCleanup(self.keyring.unlock)
        with self.assertRaisesDBus('KeyringLocked'):
            self.client.check(account)
        app.find_text('The keyring is locked')
        app.screenshot('keyring-locked')

        # Unlocked again: the warning goes once the service sees it.
        self.keyring.unlock()
        self.client.check(account)
        self.client.wait_until(lambda: self.client.manager('KeyringState') == 'unlocked', 10,
                               'the service to see the keyring unlocked')
        app.wait_text_gone('The keyring is locked')

    def test_service_gone_and_back(self):
        jira, wiki = self.add_two_connections()
        app = self.start_app()
        app.find_text(self.jira_title)

        # The service dies: the window says so and offers to start it again.
        self.daemon.kill9()
        app.find_text('The Service Is Not Running')
        app.find('push button', 'Retry')
        self.assertEqual(app.unnamed_controls(), [])
        app.screenshot('service-not-running')

        # Back (as after Retry, or another client starting it): the connections come back by themselves.
        self.daemon.start()
        app.find_text(self.jira_title)
        app.wait_text_gone('The Service Is Not Running')

    def test_show_connection_activates_the_app(self):
        jira, wiki = self.add_two_connections()
        # Nothing runs: the action D-Bus-activates the app (as a notification's button does).
        self.app = App(self.display, lang=self.lang)
        self.app.activate_action('show-connection', object_id(wiki))
        self.app.window()
        self.app.find_text(self.wiki_title)
        self.app.screenshot('activated')


if __name__ == '__main__':
    main()
