# test_keyring.py: a locked or missing Secret Service, recovery, and what cmatokend keeps in the keyring
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    IFACE_CONNECTION, IFACE_MANAGER, MANAGER_PATH, Keyring, ServiceTestCase, main, secret)

TOKEN_STATE = ('RenewedAt', 'ExpiresAt', 'Status', 'CloudAccount', 'Server', 'CloudSiteUrl')


class KeyringCase(ServiceTestCase):

    def keyring_state(self, value, timeout=10):
        return self.client.wait_for_property(MANAGER_PATH, IFACE_MANAGER, 'KeyringState', value,
                                             timeout)

    def token_state(self, conn):
        p = self.client.props(conn)
        return {k: p[k] for k in TOKEN_STATE}

    def refused_for_keyring(self, name, conn):
        """Every call that needs a secret fails with @name; nothing changes."""
        before = self.snapshot()
        calls = [
            ('AddCloudAccount', lambda: self.add_account('acme', 'admin2@acme.test',
                                                         check=False)),
            ('AddCloudAccount checked', lambda: self.add_account('other')),
            ('AddServer', lambda: self.add_server('jira2', check=False)),
            ('Renew', lambda: self.client.renew(conn)),
            ('ReplaceToken', lambda: self.client.replace_token(
                self.client.props(conn)['CloudAccount'], self.sc.token('acme'))),
        ]
        for what, call in calls:
            with self.subTest(what):
                with self.assertRaisesDBus(name) as cm:
                    call()
                self.assertNoSecrets(cm.exception.message)
        after = self.snapshot()
        self.assertEqual(set(before), set(after))
        self.assertEqual(self.token_state(conn), {k: before[conn][IFACE_CONNECTION][k]
                                                  for k in TOKEN_STATE})
        # The daemon is still there and answers.
        self.assertEqual(self.client.manager('Version'), '0.1.0')


class TestLocked(KeyringCase):
    valgrind_subset = {'test_locked_and_unlocked_again'}

    def setUp(self):
        super().setUp()
        self.addCleanup(self.restore)

    def restore(self):
        if self.keyring.is_locked():
            self.keyring.unlock()

    def test_locked_and_unlocked_again(self):
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        self.assertEqual(self.client.manager('KeyringState'), 'unlocked')
        self.keyring.lock()
        self.refused_for_keyring('KeyringLocked', conn)
        self.keyring_state('locked')
        self.assertEqual(self.fake.counters()['save_requests:jira'], 1)

        self.keyring.unlock()
        self.client.renew(conn)
        self.keyring_state('unlocked')
        self.assertEqual(self.fake.counters()['save_requests:jira'], 2)
        self.add_server('jira2')

    def test_start_with_a_locked_keyring(self):
        conn = self.add_connection('wiki', 'acme')
        before = self.snapshot()
        self.daemon.stop()
        self.keyring.lock()
        self.daemon.start()
        # Everything is listed: the key file holds all but the secrets.
        self.assertEqual(set(before), set(self.snapshot()))
        with self.assertRaisesDBus('KeyringLocked'):
            self.client.renew(conn)
        self.keyring_state('locked')
        self.keyring.unlock()
        self.client.renew(conn)
        self.keyring_state('unlocked')


class TestUnavailable(KeyringCase):
    valgrind_subset = {'test_unavailable_and_back'}

    def setUp(self):
        super().setUp()
        self.addCleanup(self.restore)

    def restore(self):
        if not self.keyring.available():
            self.keyring.make_available()

    def test_unavailable_and_back(self):
        conn = self.add_connection('jira', 'acme')
        self.keyring.make_unavailable()
        self.refused_for_keyring('KeyringUnavailable', conn)
        self.keyring_state('unavailable')

        self.keyring.make_available()
        self.client.renew(conn)
        self.keyring_state('unlocked')
        self.assertEqual(len(self.fake.holds('jira')), 1)
        self.add_server('jira2')

    def test_a_keyring_that_restarts_locked(self):
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        before = self.client.props(conn)
        state = os.path.join(self.daemon.state_dir(), 'state.ini')
        with open(state, 'rb') as f:
            state_before = f.read()

        self.keyring.make_unavailable()
        self.keyring.make_available(locked=True)
        self.assertTrue(self.keyring.is_locked())
        with self.assertRaisesDBus('KeyringLocked') as cm:
            self.client.renew(conn)
        self.assertNotIn('missing', cm.exception.message)
        self.keyring_state('locked')
        # Nothing of it is recorded against the connection.
        after = self.client.props(conn)
        for name in ('LastError', 'AttentionNeeded', 'RenewedAt', 'Status'):
            self.assertEqual(after[name], before[name], name)
        with open(state, 'rb') as f:
            self.assertEqual(f.read(), state_before)

        self.keyring.unlock()
        self.keyring_state('unlocked')
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['LastError'], '')

    def test_start_without_a_keyring(self):
        conn = self.add_connection('wiki', 'acme')
        before = self.snapshot()
        self.daemon.stop()
        self.keyring.make_unavailable()
        self.daemon.start()
        self.assertEqual(set(before), set(self.snapshot()))
        with self.assertRaisesDBus('KeyringUnavailable'):
            self.client.renew(conn)
        self.keyring_state('unavailable')
        self.keyring.make_available()
        self.client.renew(conn)
        self.keyring_state('unlocked')


class TestItems(KeyringCase):
    valgrind_subset = {'test_orphans_are_reconciled_at_start'}
    autostart_daemon = False

    def test_items_name_their_objects(self):
        self.start_daemon()
        conn = self.add_connection('jira', 'acme')
        self.add_server('wiki', 'basic')
        self.client.renew(conn)
        acc = self.client.props(conn)['CloudAccount']
        items = self.keyring.items()
        # One per credential; the 5-minute auth token is never stored.
        self.assertEqual(len(items), 3, items)
        kinds = sorted(i['attributes']['kind'] for i in items)
        self.assertEqual(kinds, ['cloud-account', 'server', 'server'])
        for i in items:
            self.assertIn('cmatoken', i['label'])
            # Readable: it names the server's URL or the account's email.
            self.assertTrue('127.0.0.1' in i['label'] or 'admin@acme.test' in i['label'],
                            'the label does not say what the secret is for: %r' % i['label'])
            self.assertNoSecrets(i['label'], 'a keyring label')
            self.assertNoSecrets(repr(i['attributes']), 'keyring attributes')
        acc_items = self.keyring.items(object=acc.rsplit('/', 1)[1])
        self.assertEqual(len(acc_items), 1)
        self.assertEqual(self.keyring.secret_of(acc_items[0]['path']), self.sc.token('acme'))

    def test_items_describe_their_object(self):
        # What rebuilds an object when the state file is lost
        # (test_recovery.py): the item's attributes name it, and follow a
        # replacement that changes the kind of credential.
        self.start_daemon()
        acc = self.add_account('acme')
        srv = self.add_server('wiki', 'basic')
        a = self.keyring.items(object=acc.rsplit('/', 1)[1])[0]['attributes']
        self.assertEqual((a['site'], a['email']),
                         (self.client.props(acc)['SiteUrl'], self.client.props(acc)['Email']))
        self.assertRegex(a['stored'], r'^[0-9]+$')
        sid = srv.rsplit('/', 1)[1]
        a = self.keyring.items(object=sid)[0]['attributes']
        p = self.client.props(srv)
        self.assertEqual((a['product'], a['url'], a['auth'], a['user']),
                         (p['Product'], p['BaseUrl'], 'basic', p['Username']))
        self.client.replace_secret(srv, 'pat', '', self.sc.pat('wiki'))
        self.client.wait_until(lambda: len(self.keyring.items(object=sid)) == 1, 10,
                               'the old secret to be cleared')
        item = self.keyring.items(object=sid)[0]
        self.assertEqual(item['attributes']['auth'], 'pat')
        self.assertNotIn('user', item['attributes'])
        self.assertIn('personal access token', item['label'])
        self.assertNoSecrets(repr(item['attributes']), 'keyring attributes')

    def test_replaced_secret_leaves_one_item(self):
        self.start_daemon()
        srv = self.add_server('wiki', 'basic')
        sid = srv.rsplit('/', 1)[1]
        self.client.replace_secret(srv, 'pat', '', self.sc.pat('wiki'))
        self.client.wait_until(lambda: len(self.keyring.items(object=sid)) == 1, 10,
                               'the old secret to be cleared')
        item = self.keyring.items(object=sid)[0]
        self.assertEqual(self.keyring.secret_of(item['path']), self.sc.pat('wiki'))
        p = self.client.props(srv)
        self.assertEqual((p['AuthKind'], p['Username']), ('pat', ''))

    def test_orphans_are_reconciled_at_start(self):
        # A secret of an object the key file does not know (a crash between
        # storing it and writing the key file), and a slot of a known one that
        # the key file does not record as superseded: both are kept, counted
        # in StrayKeyringItems, never deleted (test_recovery.py has the rest).
        self.start_daemon()
        acc = self.add_account('acme')
        aid = acc.rsplit('/', 1)[1]
        self.daemon.stop()
        ghost = secret('orphan')
        stale = secret('stale')
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': 'Ghost0rphan', 'slot': 'x1'},
                                 'cmatoken: orphan', ghost)
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': aid, 'slot': 'stale0'},
                                 'cmatoken: stale', stale)
        self.daemon.start()
        self.client.wait_until(
            lambda: self.client.get_property(MANAGER_PATH, IFACE_MANAGER, 'StrayKeyringItems') == 2,
            10, 'the two unnamed items to be counted')
        self.assertEqual(len(self.keyring.items(object='Ghost0rphan')), 1)
        self.assertEqual(len(self.keyring.items(object=aid)), 2)
        self.client.check(acc)
        self.assertEqual(self.client.props(acc)['Status'], 'valid')

if __name__ == '__main__':
    main()
