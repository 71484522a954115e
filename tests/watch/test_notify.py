# test_notify.py: cmatokend tells the desktop about expiries at their time, once, and opens the app from a click
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from watchlib import (  # noqa: E402
    APP_ID, DAY, NOTIFICATIONS, NOTIFICATIONS_PATH, URGENCY_CRITICAL, URGENCY_NORMAL, AppStandIn,
    MockService, NotificationServer, WatchTestCase, main, now, scaled, secret)

# Seconds until a crossing: enough for the set-up to finish first, even under valgrind.
MARGIN = int(4 + scaled(1))


class NotifyCase(WatchTestCase):

    def host(self, server='jira'):
        # As cmt_url_display() shows a server: host:port/path.
        return self.fake.server_url(server).split('://', 1)[1]

    def assertNotifiesClean(self, notifies):
        for n in notifies:
            self.assertNoSecrets(n['summary'] + n['body'], 'a notification')
            self.assertEqual(n['hints'].get('desktop-entry'), APP_ID, n)


class TestConnectionNotifications(NotifyCase):
    valgrind_subset = {'test_expired_replaces_expiring_and_a_renewal_closes_it'}

    def test_expiring_is_announced_at_its_time_once_also_across_restarts(self):
        lifetime, warn = self.times()
        flip_at = now() + MARGIN
        conn = self.add_connection('jira', 'acme', renewed_at=flip_at - lifetime + warn,
                                   check=False)
        if now() < flip_at - 1:
            self.assertEqual(self.notifications.notifies(), [], 'announced before its time')
        notifies = self.notifications.wait_notifies(1, MARGIN + 10, 'the expiring announcement')
        # Not before the moment (the mock records when it was called, too late is fine).
        self.assertGreaterEqual(now(), flip_at)
        self.quiet(2)
        notifies = self.notifications.notifies()
        self.assertEqual(len(notifies), 1, notifies)
        n = notifies[0]
        self.assertEqual(n['summary'], 'The JCMA token for %s expires in %d days'
                         % (self.host('jira'), warn // DAY))
        self.assertIn('acme', n['body'])
        self.assertEqual(n['hints']['urgency'], URGENCY_NORMAL)
        self.assertEqual(n['replaces_id'], 0)
        self.assertIn('renew', n['action_keys'])
        self.assertIn('later', n['action_keys'])
        self.assertNotifiesClean(notifies)
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')

        # A restart does not announce it again (remembered on disk).
        self.daemon.restart()
        self.quiet(3)
        self.assertEqual(len(self.notifications.notifies()), 1, self.notifications.notifies())
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')

    def test_expired_replaces_expiring_and_a_renewal_closes_it(self):
        lifetime, _warn = self.times()
        expire_at = now() + MARGIN
        # Inside the warning window already: expiring at once, expired soon.
        conn = self.add_connection('wiki', 'acme', renewed_at=expire_at - lifetime, check=False)
        first = self.notifications.wait_notifies(1, 10, 'the expiring announcement')[0]
        self.assertEqual(first['summary'], 'The CCMA token for %s expires in 1 hour'
                         % self.host('wiki'))
        first_id = NotificationServer.ids([first])[0]

        notifies = self.notifications.wait_notifies(2, MARGIN + 10, 'the expired announcement')
        self.assertGreaterEqual(now(), expire_at)
        second = notifies[1]
        self.assertEqual(second['replaces_id'], first_id)
        self.assertEqual(second['hints']['urgency'], URGENCY_CRITICAL)
        self.assertEqual(second['summary'], 'The CCMA token for %s has expired' % self.host('wiki'))
        self.assertEqual(self.client.props(conn)['Status'], 'expired')
        self.assertNotifiesClean(notifies)

        # Renewed: the problem is gone, and so is its notification.
        self.client.renew(conn)
        self.client.wait_until(lambda: first_id in self.notifications.closes(), 10,
                               'CloseNotification(%d)' % first_id)
        self.quiet(1)
        self.assertEqual(len(self.notifications.notifies()), 2, 'a manual renewal is not announced')

    def test_removing_a_connection_closes_its_notification(self):
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60,
                                   check=False)
        nid = NotificationServer.ids(self.notifications.wait_notifies(1, 10))[0]
        self.client.remove(conn)
        self.client.wait_until(lambda: nid in self.notifications.closes(), 10, 'CloseNotification')

    def test_many_crossing_together_give_one_summary(self):
        lifetime, warn = self.times()
        flip_at = now() + MARGIN + 2
        pairs = [('jira', 'acme'), ('wiki', 'acme'), ('jira2', 'acme'), ('jira', 'other'),
                 ('wiki', 'other')]
        conns = [self.add_connection(srv, site, renewed_at=flip_at - lifetime + warn, check=False)
                 for srv, site in pairs]
        self.notifications.wait_notifies(1, MARGIN + 12, 'the summary')
        self.quiet(2)
        notifies = self.notifications.notifies()
        self.assertEqual(len(notifies), 1, [n['summary'] for n in notifies])
        self.assertEqual(notifies[0]['summary'], '5 migration tokens expire this week')
        self.assertNotifiesClean(notifies)
        for conn in conns:
            self.assertEqual(self.client.props(conn)['Status'], 'expiring')

    def test_turned_off_in_the_settings(self):
        self.daemon.stop()
        self.daemon.set_setting('notifications-enabled', 'false')
        self.daemon.start()
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60,
                                   check=False)
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')
        self.quiet(2)
        self.assertEqual(self.notifications.notifies(), [])


class TestActions(NotifyCase):
    valgrind_subset = {'test_renew_action_opens_the_renewal_in_the_app'}

    def setUp(self):
        super().setUp()
        self.app = AppStandIn(self.client)
        self.addCleanup(self.app.stop)

    def test_renew_action_opens_the_renewal_in_the_app(self):
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60,
                                   check=False)
        n = self.notifications.wait_notifies(1, 10)[0]
        self.assertEqual(n['actions']['renew'], 'Renew…')
        self.assertEqual(n['actions']['later'], 'Later')
        nid = NotificationServer.ids([n])[0]

        self.notifications.invoke(nid, 'renew')
        self.client.wait_until(lambda: self.app.activate_actions(), 10, 'ActivateAction')
        self.assertEqual(self.app.activate_actions(),
                         [('renew-connection', [self.connection_id(conn)])])

    def test_clicking_the_notification_shows_the_connection(self):
        lifetime, warn = self.times()
        conn = self.add_connection('wiki', 'acme', renewed_at=now() - lifetime + warn - 60,
                                   check=False)
        nid = NotificationServer.ids(self.notifications.wait_notifies(1, 10))[0]
        self.notifications.invoke(nid, 'later')
        self.notifications.invoke(nid, 'default')
        self.client.wait_until(lambda: self.app.activate_actions(), 10, 'ActivateAction')
        self.quiet(1)
        self.assertEqual(self.app.activate_actions(),
                         [('show-connection', [self.connection_id(conn)])])


class TestCredentials(NotifyCase):
    valgrind_subset = set()

    def test_a_refused_api_token_is_announced_and_closed_when_replaced(self):
        acc = self.add_account('acme')
        new_token = self.rotate('acme')
        with self.assertRaisesDBus('CloudAuthFailed'):
            self.client.check(acc)
        self.assertEqual(self.client.props(acc)['Status'], 'invalid')
        n = self.notifications.wait_notifies(1, 10)[0]
        self.assertIn('admin@acme.test', n['summary'])
        self.assertEqual(n['hints']['urgency'], URGENCY_CRITICAL)
        self.assertTrue(n['body'].strip())
        self.assertNotifiesClean([n])

        self.client.replace_token(acc, new_token)
        self.assertEqual(self.client.props(acc)['Status'], 'valid')
        self.client.wait_until(lambda: n['id'] in self.notifications.closes(), 10,
                               'CloseNotification')

    def test_a_server_credential_entering_its_warning_window(self):
        warn = self.client.manager('CredentialWarnBefore')
        srv = self.client.add_server('jira', self.fake.server_url('jira'), 'pat', '',
                                     self.sc.pat('jira'), now() + warn - 3600)
        self.assertEqual(self.client.props(srv)['Status'], 'expiring')
        n = self.notifications.wait_notifies(1, 10)[0]
        self.assertIn(self.host('jira'), n['summary'])
        self.assertNotifiesClean([n])


class TestNoNotificationServer(NotifyCase):
    valgrind_subset = {'test_the_service_works_without_one_and_delivers_when_one_appears'}
    notification_server = False

    def test_the_service_works_without_one_and_delivers_when_one_appears(self):
        lifetime, warn = self.times()
        flip_at = now() + MARGIN
        expiring = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60,
                                       check=False)
        later = self.add_connection('wiki', 'acme', renewed_at=flip_at - lifetime + warn,
                                    check=False)
        other = self.add_connection('jira2', 'acme')
        self.client.renew(other)
        self.assertEqual(self.client.props(other)['Status'], 'valid')
        self.assertEqual(self.client.props(expiring)['Status'], 'expiring')
        self.client.wait_for_property(later, 'io.github.cmatoken.Connection1', 'Status',
                                      'expiring', MARGIN + 10)

        server = NotificationServer(self.client)
        self.addCleanup(server.stop)
        notifies = server.wait_notifies(2, 10, 'the events kept for a notification server')
        self.quiet(1)
        notifies = server.notifies()
        self.assertEqual(sorted(n['summary'] for n in notifies), sorted([
            'The JCMA token for %s expires in %d days' % (self.host('jira'), warn // DAY),
            'The CCMA token for %s expires in %d days' % (self.host('wiki'), warn // DAY)]))
        self.assertNotifiesClean(notifies)

    def test_a_failing_server_does_not_break_the_service(self):
        # A server that answers every Notify with an error.
        broken = MockService(self.client, NOTIFICATIONS, NOTIFICATIONS_PATH,
                             [NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS])
        broken.add_method(NOTIFICATIONS, 'GetCapabilities', '', 'as', 'ret = ["body", "actions"]')
        broken.add_method(NOTIFICATIONS, 'Notify', 'susssasa{sv}i', 'u',
                          'raise dbus.exceptions.DBusException("broken", '
                          'name="org.freedesktop.DBus.Error.Failed")')
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60,
                                   check=False)
        self.client.wait_until(lambda: broken.calls('Notify'), 10, 'a Notify to the broken server')
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')
        broken.stop()
        self.assertTrue(self.daemon.running())


class TestJapanese(NotifyCase):
    valgrind_subset = set()
    daemon_env = {'LANG': 'C.UTF-8', 'LC_ALL': '', 'LANGUAGE': 'ja',
                  'CMT_LOCALEDIR': os.path.join(os.environ.get('CMT_BUILDDIR', ''), 'po')}

    def test_notifications_follow_the_session_language(self):
        mo = os.path.join(self.daemon_env['CMT_LOCALEDIR'], 'ja', 'LC_MESSAGES', 'cmatoken.mo')
        if not os.path.exists(mo):
            self.skipTest('the Japanese catalogue is not built (%s)' % mo)
        lifetime, warn = self.times()
        self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60, check=False)
        n = self.notifications.wait_notifies(1, 10)[0]
        self.assertEqual(n['summary'], '%s の JCMA トークンはあと %d 日で期限切れになります'
                         % (self.host('jira'), warn // DAY))
        self.assertNotEqual(n['actions']['renew'], 'Renew…', 'the action is not translated')


class TestChangeAnnouncements(NotifyCase):
    """Any process of the user's can call the service: every addition,
    credential replacement and removal is shown, with who asked for it."""

    def me(self):
        with open('/proc/self/comm') as f:
            return '%s (process %d)' % (f.read().strip(), os.getpid())

    def wait_changes(self, n):
        self.client.wait_until(lambda: len(self.notifications.changes()) >= n, 10,
                               '%d change announcement(s)' % n)
        return self.notifications.changes()

    def test_every_change_is_announced_with_the_caller(self):
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        changes = self.wait_changes(3)
        self.assertEqual([c['summary'] for c in changes],
                         ['New Cloud Account Added', 'New Server Added', 'New Connection Added'])
        me = self.me()
        self.assertEqual(changes[0]['body'],
                         'admin@acme.test on %s was added by %s. If you did not do this, remove '
                         'it in Cloud Migration Tokens.' % (self.fake.site_url('acme'), me))
        self.assertIn('%s (Jira) was added by %s.' % (self.fake.server_url('jira'), me),
                      changes[1]['body'])
        self.assertIn('%s → %s was added by %s.' % (self.fake.server_url('jira'),
                                                      self.fake.site_url('acme'), me),
                      changes[2]['body'])

        self.client.replace_secret(srv, 'pat', '', self.sc.pat('jira'))
        self.client.replace_token(acc, self.sc.token('acme'))
        self.client.remove(conn)
        self.client.remove(srv)
        self.client.remove(acc)
        changes = self.wait_changes(8)[3:]
        self.assertEqual([c['summary'] for c in changes],
                         ['Server Credential Replaced', 'API Token Replaced',
                          'Connection Removed', 'Server Removed', 'Cloud Account Removed'])
        for c in changes:
            self.assertIn(' by %s' % me, c['body'])
        for c in self.notifications.changes():
            self.assertEqual(c['hints']['urgency'], URGENCY_NORMAL)
            self.assertEqual(c['replaces_id'], 0)
        self.assertNotifiesClean(self.notifications.changes())
        # They are announcements, not problems: nothing about tokens was shown.
        self.assertEqual(self.notifications.notifies(), [])
        # ... and in the log.
        self.assertIn('New Server Added: %s (Jira) was added by %s' % (self.fake.server_url('jira'), me),
                      self.daemon.log_text())

    def test_a_refused_change_is_not_announced(self):
        acc = self.add_account('acme')
        self.wait_changes(1)
        with self.assertRaisesDBus('CloudAuthFailed'):
            self.client.replace_token(acc, secret('ATATT'))
        with self.assertRaisesDBus('Exists'):
            self.add_account('acme')
        self.quiet(1)
        self.assertEqual(len(self.notifications.changes()), 1)

    def test_clicking_an_announcement_opens_the_app(self):
        app = AppStandIn(self.client)
        self.addCleanup(app.stop)
        self.add_server('jira')
        c = self.wait_changes(1)[0]
        self.notifications.invoke(c['id'], 'default')
        self.client.wait_until(lambda: app.calls('Activate'), 10, 'the app activated')


class TestUnreadableStateFile(NotifyCase):
    autostart_daemon = False

    def test_an_unreadable_state_file_is_announced(self):
        def prepare(daemon):
            os.makedirs(daemon.state_dir(), exist_ok=True)
            path = os.path.join(daemon.state_dir(), 'state.ini')
            with open(path, 'wb') as f:
                f.write(b'[Server s1]\nbase-url=\xff\xfe\n')
            os.chmod(path, 0o600)
        self.start_daemon(prepare=prepare)
        self.client.wait_until(lambda: self.notifications.changes(), 10, 'the announcement')
        n = self.notifications.changes()[0]
        self.assertEqual(n['summary'], 'The State File Could Not Be Read')
        self.assertIn('state.ini.broken-', n['body'])
        self.assertIn('no stored credential was deleted', n['body'])
        moved = [p for p in self.daemon.state_files() if '.broken-' in p]
        self.assertEqual(len(moved), 1)
        self.assertIn(moved[0], n['body'])
        # Once: a restart with the (now good) state file says nothing more.
        self.daemon.restart()
        self.quiet(2)
        self.assertEqual(len(self.notifications.changes()), 1)

    def test_what_the_keyring_rebuilds_is_announced(self):
        self.start_daemon()
        self.add_account('acme')
        self.daemon.stop()
        os.unlink(os.path.join(self.daemon.state_dir(), 'state.ini'))
        self.daemon.start()

        def rebuilt():
            return [n for n in self.notifications.changes()
                    if n['summary'] == 'Recovered from the Keyring']
        self.client.wait_until(rebuilt, 10, 'the announcement')
        self.assertIn('cloud accounts 1, servers 0, connections 0', rebuilt()[0]['body'])
        self.assertIn('enter them again', rebuilt()[0]['body'])
        # Once: the rebuilt account is in the new state file.
        self.daemon.restart()
        self.quiet(2)
        self.assertEqual(len(rebuilt()), 1)


if __name__ == '__main__':
    main()
