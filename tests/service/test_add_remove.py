# test_add_remove.py: adding, listing and removing cloud accounts, servers and connections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    DAY, ID_RE, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_MANAGER, IFACE_OBJECT_MANAGER,
    IFACE_SERVER, MANAGER_PATH, ROOT_PATH, ServiceTestCase, SignalRecorder, main, now)


class TestManager(ServiceTestCase):
    daemon_per_class = True

    def test_manager_properties(self):
        props = self.client.manager()
        self.assertEqual(props['Version'], '0.1.0')
        self.assertEqual(props['ContainerTokenLifetime'], 21 * DAY)
        self.assertEqual(props['WarnBefore'], 5 * DAY)
        self.assertEqual(props['CredentialWarnBefore'], 14 * DAY)
        self.assertEqual(props['KeyringState'], 'unlocked')

    def test_empty_at_first(self):
        objs = self.client.managed_objects()
        self.assertEqual([p for p in objs if p != MANAGER_PATH], [])

    def test_object_manager_at_root(self):
        # The manager object itself is exported too (under the object manager).
        objs = self.client.managed_objects()
        self.assertIn(MANAGER_PATH, objs)
        self.assertIn(IFACE_MANAGER, objs[MANAGER_PATH])


class TestSettings(ServiceTestCase):
    """The lifetime and warning windows come from GSettings."""
    autostart_daemon = False

    def test_settings_are_read(self):
        def prepare(d):
            d.set_setting('container-token-lifetime-days', 30)
            d.set_setting('warn-days-before-expiry', 2)
            d.set_setting('credential-warn-days-before-expiry', 7)
        self.start_daemon(prepare)
        props = self.client.manager()
        self.assertEqual(props['ContainerTokenLifetime'], 30 * DAY)
        self.assertEqual(props['WarnBefore'], 2 * DAY)
        self.assertEqual(props['CredentialWarnBefore'], 7 * DAY)
        conn = self.add_connection('jira', 'acme', renewed_at=now() - DAY)
        self.assertEqual(self.client.props(conn)['ExpiresAt'] - self.client.props(conn)['RenewedAt'],
                         30 * DAY)


class TestAddRemove(ServiceTestCase):
    daemon_per_class = True


    def test_an_api_token_without_a_date_asks_for_it(self):
        # Atlassian shows an API token's expiry only when it is made: an
        # account without the date is "expiry-unknown", never plain "valid";
        # entering the date (with the token) makes it valid.
        path = self.add_account('other', token_expires_at=0)
        p = self.client.props(path)
        self.assertEqual((p['Status'], p['AttentionNeeded']), ('expiry-unknown', False))
        self.client.replace_token(path, self.sc.token('other'), now() + 90 * 86400)
        self.assertEqual(self.client.props(path)['Status'], 'valid')
        self.client.replace_token(path, self.sc.token('other'), 0)
        self.assertEqual(self.client.props(path)['Status'], 'expiry-unknown')
        self.client.remove(path)

    def test_add_cloud_account_checked(self):
        before = self.fake.counters()
        with SignalRecorder(self.client, IFACE_OBJECT_MANAGER, 'InterfacesAdded') as rec:
            path = self.add_account('acme', token_expires_at=0)
            self.client.wait_until(lambda: rec.matching(path=ROOT_PATH), 10, 'InterfacesAdded')
        self.assertTrue(path.startswith(ROOT_PATH + '/CloudAccounts/'), path)
        self.assertRegex(path.rsplit('/', 1)[1], ID_RE)
        added = [s['args'] for s in rec.signals if s['args'][0] == path]
        self.assertEqual(len(added), 1, rec.signals)
        self.assertIn(IFACE_ACCOUNT, added[0][1])
        self.assertEqual(self.fake.counters()['cloud-myself'], before['cloud-myself'] + 1)

        props = self.client.props(path)
        self.assertEqual(props['Email'], 'admin@acme.test')
        self.assertEqual(props['SiteUrl'], self.fake.site_url('acme'))
        self.assertEqual(props['DisplayName'], 'Ada Admin')
        self.assertEqual(props['TokenExpiresAt'], 0)
        # The token works, but nobody said when it expires: not a plain
        # "valid", and not a problem either.
        self.assertEqual(props['Status'], 'expiry-unknown')
        self.assertNear(props['LastCheckedAt'], now())
        self.assertEqual(props['LastError'], '')
        self.assertFalse(props['AttentionNeeded'])

        self.assertEqual(added[0][1][IFACE_ACCOUNT]['Email'], 'admin@acme.test')

        objs = self.client.objects(IFACE_ACCOUNT)
        self.assertEqual(list(objs), [path])
        self.assertEqual(objs[path], props)

    def test_confluence_only_site_is_checked_through_wiki(self):
        path = self.add_account('wikionly')
        self.assertEqual(self.client.props(path)['DisplayName'], 'Wiki Only')

    def test_add_cloud_account_unchecked_makes_no_request(self):
        before = self.fake.counters()
        expires = now() + 100 * DAY
        path = self.client.add_cloud_account(
            'admin@acme.test', self.fake.site_url('acme'), self.sc.token('acme'), expires,
            check=False)
        self.assertEqual(self.fake.counters(), before)
        props = self.client.props(path)
        self.assertEqual(props['TokenExpiresAt'], expires)
        self.assertEqual(props['LastCheckedAt'], 0)
        self.assertIn(props['Status'], ('unknown', 'valid'))

    def test_add_server_pat_and_basic(self):
        before = self.fake.counters()
        jira = self.add_server('jira', 'pat')
        wiki = self.add_server('wiki', 'basic')
        self.assertEqual(self.fake.counters()['server-myself'], before['server-myself'] + 2)
        for path in (jira, wiki):
            self.assertTrue(path.startswith(ROOT_PATH + '/Servers/'), path)
            self.assertRegex(path.rsplit('/', 1)[1], ID_RE)
        j = self.client.props(jira)
        self.assertEqual((j['Product'], j['BaseUrl'], j['AuthKind'], j['Username']),
                         ('jira', self.fake.server_url('jira'), 'pat', ''))
        self.assertEqual(j['Status'], 'valid')
        self.assertEqual(j['SecretExpiresAt'], 0)
        self.assertNear(j['LastCheckedAt'], now())
        self.assertFalse(j['AttentionNeeded'])
        w = self.client.props(wiki)
        self.assertEqual((w['Product'], w['BaseUrl'], w['AuthKind'], w['Username']),
                         ('confluence', self.fake.server_url('wiki'), 'basic', 'cadmin'))
        self.assertEqual(set(self.client.objects(IFACE_SERVER)), {jira, wiki})

    def test_add_server_unchecked_makes_no_request(self):
        before = self.fake.counters()
        expires = now() + 50 * DAY
        path = self.client.add_server('jira', self.fake.server_url('jira2'), 'pat', '',
                                      self.sc.pat('jira2'), expires, check=False)
        self.assertEqual(self.fake.counters(), before)
        self.assertEqual(self.client.props(path)['SecretExpiresAt'], expires)

    def test_add_connection(self):
        acc = self.add_account('acme')
        srv = self.add_server('wiki')
        with SignalRecorder(self.client, IFACE_OBJECT_MANAGER, 'InterfacesAdded') as rec:
            conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
            self.client.wait_until(lambda: rec.matching(), 10, 'InterfacesAdded')
        self.assertEqual(rec.signals[0]['args'][0], conn)
        self.assertIn(IFACE_CONNECTION, rec.signals[0]['args'][1])
        self.assertTrue(conn.startswith(ROOT_PATH + '/Connections/'), conn)
        self.assertRegex(conn.rsplit('/', 1)[1], ID_RE)
        p = self.client.props(conn)
        self.assertEqual(p['Server'], srv)
        self.assertEqual(p['CloudAccount'], acc)
        self.assertEqual(p['Product'], 'confluence')
        self.assertEqual(p['CloudSiteUrl'], self.fake.site_url('acme'))
        self.assertEqual(p['RenewedAt'], 0)
        self.assertEqual(p['ExpiresAt'], 0)
        self.assertEqual(p['Status'], 'unknown')
        self.assertFalse(p['Renewing'])
        self.assertEqual(p['RenewStep'], '')
        self.assertEqual(p['LastError'], '')
        self.assertFalse(p['AutoRenew'])
        self.assertEqual(p['AutoRenewConsentAt'], 0)
        # Adding a connection renews nothing.
        self.assertEqual(self.fake.holds('wiki'), [])
        self.assertEqual(self.fake.counters()['token'], 0)

    def test_add_connection_with_renewed_at(self):
        lifetime = self.client.manager('ContainerTokenLifetime')
        renewed = now() - 2 * DAY
        conn = self.add_connection('jira', 'acme', renewed_at=renewed)
        p = self.client.props(conn)
        self.assertEqual(p['RenewedAt'], renewed)
        self.assertEqual(p['ExpiresAt'], renewed + lifetime)
        self.assertEqual(p['Status'], 'valid')
        self.assertFalse(p['AttentionNeeded'])

    def test_add_connection_unchecked_makes_no_request(self):
        acc = self.add_account('acme', check=False)
        srv = self.add_server('jira', check=False)
        before = self.fake.counters()
        self.client.add_connection(srv, acc, self.fake.site_url('acme'), check=False)
        self.assertEqual(self.fake.counters(), before)

    def test_urls_are_normalised(self):
        port = self.fake.port
        acc = self.client.add_cloud_account(
            'admin@acme.test', 'HTTP://127.0.0.1:%d/site/acme/' % port, self.sc.token('acme'),
            0, check=True)
        self.assertEqual(self.client.props(acc)['SiteUrl'], self.fake.site_url('acme'))
        srv = self.client.add_server('jira', 'http://127.0.0.1:%d/server/jira//' % port, 'pat',
                                     '', self.sc.pat('jira'), 0)
        self.assertEqual(self.client.props(srv)['BaseUrl'], self.fake.server_url('jira'))
        remote = self.client.add_server('jira', 'HTTPS://Jira.Example.COM:443/Jira/', 'pat', '',
                                        self.sc.pat('jira'), 0, check=False)
        # Scheme and host lower-cased, default port and trailing slash dropped, path kept as is.
        self.assertEqual(self.client.props(remote)['BaseUrl'], 'https://jira.example.com/Jira')
        other_port = self.client.add_server('confluence', 'https://wiki.example.com:8443/', 'pat',
                                            '', self.sc.pat('wiki'), 0, check=False)
        self.assertEqual(self.client.props(other_port)['BaseUrl'],
                         'https://wiki.example.com:8443')
        conn = self.client.add_connection(srv, acc, 'http://127.0.0.1:%d/site/acme/' % port)
        self.assertEqual(self.client.props(conn)['CloudSiteUrl'], self.fake.site_url('acme'))

    def test_duplicates_are_refused(self):
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        before = self.snapshot()
        port = self.fake.port
        with self.assertRaisesDBus('Exists'):
            self.add_account('acme')
        with self.assertRaisesDBus('Exists'):  # the same after normalisation, unchecked
            self.client.add_cloud_account('admin@acme.test',
                                          'http://127.0.0.1:%d/site/acme/' % port,
                                          self.sc.token('acme'), 0, check=False)
        with self.assertRaisesDBus('Exists'):  # the same server with another credential
            self.add_server('jira', 'basic')
        with self.assertRaisesDBus('Exists'):
            self.client.add_server('jira', 'HTTP://127.0.0.1:%d/server/jira/' % port, 'pat', '',
                                   self.sc.pat('jira'), 0, check=False)
        with self.assertRaisesDBus('Exists'):
            self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        # The same server connected through another account to the same site is still a duplicate.
        acc2 = self.add_account('acme', 'admin2@acme.test')
        before = self.snapshot()
        with self.assertRaisesDBus('Exists'):
            self.client.add_connection(srv, acc2, self.fake.site_url('acme') + '/')
        self.assertUnchanged(before)
        self.assertEqual(list(self.client.objects(IFACE_CONNECTION)), [conn])

    def test_same_email_on_another_site_is_not_a_duplicate(self):
        u = self.sc.user('acme')
        a1 = self.client.add_cloud_account(u['email'], self.fake.site_url('acme'),
                                           u['api_token'], 0, check=False)
        a2 = self.client.add_cloud_account(u['email'], self.fake.site_url('other'),
                                           u['api_token'], 0, check=False)
        self.assertNotEqual(a1, a2)

    def test_remove_in_use_and_in_order(self):
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        before = self.snapshot()
        with self.assertRaisesDBus('InUse'):
            self.client.remove(acc)
        with self.assertRaisesDBus('InUse'):
            self.client.remove(srv)
        self.assertUnchanged(before)

        with SignalRecorder(self.client, IFACE_OBJECT_MANAGER, 'InterfacesRemoved') as rec:
            self.client.remove(conn)
            self.client.wait_until(lambda: rec.matching(), 10, 'InterfacesRemoved')
            self.assertEqual(rec.signals[0]['args'][0], conn)
            self.assertIn(IFACE_CONNECTION, rec.signals[0]['args'][1])
            self.client.remove(acc)
            self.client.remove(srv)
            self.client.wait_until(lambda: len(rec.signals) >= 3, 10, 'InterfacesRemoved x3')
        self.assertEqual({s['args'][0] for s in rec.signals}, {conn, acc, srv})
        self.assertEqual([p for p in self.client.managed_objects() if p != MANAGER_PATH], [])
        # Removing a connection leaves the token on the server alone; removed objects are gone.
        with self.assertRaisesDBus('org.freedesktop.DBus.Error.UnknownObject',
                                   'org.freedesktop.DBus.Error.UnknownMethod', 'NotFound'):
            self.client.props(conn)

    def test_remove_deletes_the_secret(self):
        acc = self.add_account('acme')
        srv = self.add_server('wiki', 'basic')
        acc_id = acc.rsplit('/', 1)[1]
        srv_id = srv.rsplit('/', 1)[1]
        a_items = self.keyring.items(kind='cloud-account', object=acc_id)
        s_items = self.keyring.items(kind='server', object=srv_id)
        self.assertEqual(len(a_items), 1, a_items)
        self.assertEqual(len(s_items), 1, s_items)
        self.assertEqual(self.keyring.secret_of(a_items[0]['path']), self.sc.token('acme'))
        self.assertEqual(self.keyring.secret_of(s_items[0]['path']),
                         self.sc.server_user('wiki')['password'])
        self.assertIn('cmatoken', a_items[0]['label'])
        self.client.remove(acc)
        self.client.remove(srv)
        self.client.wait_until(lambda: not self.keyring.items(), 10,
                               'the keyring items to be deleted')

    def test_same_names_can_be_added_again_after_removal(self):
        acc = self.add_account('acme')
        self.client.remove(acc)
        acc2 = self.add_account('acme')
        self.assertEqual(self.client.props(acc2)['Email'], 'admin@acme.test')

    def test_many_objects(self):
        accs = [self.add_account(site, email) for site, email in (
            ('acme', 'admin@acme.test'), ('acme', 'admin2@acme.test'), ('acme', 'dev@acme.test'),
            ('other', None), ('wikionly', None))]
        srvs = [self.add_server(n) for n in ('jira', 'wiki', 'jira2', 'oldjira')]
        conns = []
        for srv in srvs:
            for site in ('acme', 'other'):
                acc = accs[0] if site == 'acme' else accs[3]
                conns.append(self.client.add_connection(srv, acc, self.fake.site_url(site)))
        objs = self.client.managed_objects()
        self.assertEqual(len(set(accs + srvs + conns)), 5 + 4 + 8)
        for p in accs + srvs + conns:
            self.assertIn(p, objs)
        self.assertEqual(len(objs), 5 + 4 + 8 + 1)


if __name__ == '__main__':
    main()
