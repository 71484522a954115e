# test_renew.py: renewing a container token through the (fake) Migration API, and recording renewals
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    DAY, IFACE_CONNECTION, ServiceTestCase, SignalRecorder, main, now, scaled, secret)

TOKEN_STATE = ('RenewedAt', 'ExpiresAt', 'Status', 'CloudAccount', 'Server', 'CloudSiteUrl',
               'Product', 'AutoRenew', 'AutoRenewConsentAt')


class RenewCase(ServiceTestCase):

    def token_state(self, conn):
        p = self.client.props(conn)
        return {k: p[k] for k in TOKEN_STATE}

    def lifetime(self):
        return self.client.manager('ContainerTokenLifetime')


class TestRenew(RenewCase):
    valgrind_subset = {'test_renew_jira_with_pat', 'test_renew_confluence_with_password', 'test_consent_required', 'test_change_account', 'test_single_flight', 'test_cancel_renew', 'test_renew_step_goes_to_save_token'}
    daemon_per_class = True


    def check_renewal(self, server, site='acme', kind='pat'):
        acc = self.add_account(site)
        srv = self.add_server(server, kind)
        conn = self.client.add_connection(srv, acc, self.fake.site_url(site))
        lifetime = self.lifetime()
        before = self.fake.counters()
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            t0 = now()
            expires = self.client.renew(conn)
            t1 = now()
            self.client.wait_until(
                lambda: any('RenewedAt' in c for c in rec.properties_changed(conn,
                                                                              IFACE_CONNECTION)),
                10, 'PropertiesChanged with RenewedAt')
            # Give a second, wrongly split signal the chance to arrive.
            time.sleep(0.3)
            self.client.iterate()

        self.assertGreaterEqual(expires, t0 + lifetime)
        self.assertLessEqual(expires, t1 + lifetime)
        p = self.client.props(conn)
        self.assertEqual(p['ExpiresAt'], expires)
        self.assertEqual(p['RenewedAt'], expires - lifetime)
        self.assertEqual(p['Status'], 'valid')
        self.assertEqual(p['LastError'], '')
        self.assertFalse(p['AttentionNeeded'])
        self.assertFalse(p['Renewing'])
        self.assertEqual(p['RenewStep'], '')

        # RenewedAt, ExpiresAt, Status, LastError, AttentionNeeded: one PropertiesChanged.
        with_renewed = [c for c in rec.properties_changed(conn, IFACE_CONNECTION)
                        if 'RenewedAt' in c]
        self.assertEqual(len(with_renewed), 1, rec.properties_changed(conn))
        change = with_renewed[0]
        self.assertEqual(change['RenewedAt'], p['RenewedAt'])
        self.assertEqual(change.get('ExpiresAt'), expires)
        for name in ('Status', 'LastError', 'AttentionNeeded'):
            # Either in the same signal or not changed at all (it was already so).
            others = [c for c in rec.properties_changed(conn, IFACE_CONNECTION)
                      if name in c and c is not change]
            self.assertTrue(name in change or not others,
                            '%s changed in another signal: %r' % (name,
                                                                  rec.properties_changed(conn)))
        self.assertEqual(change.get('Status', 'valid'), 'valid')

        # The fake server holds a token for the connection's cloud site, from that account.
        holds = self.fake.holds(server)
        self.assertEqual(len(holds), 1, holds)
        self.assertEqual(holds[0]['cloudUrl'], self.fake.site_url(site))
        self.assertEqual(holds[0]['email'], self.sc.user(site)['email'])
        after = self.fake.counters()
        self.assertEqual(after['token_requests'], before['token_requests'] + 1)
        self.assertEqual(after['tokens_issued'], before['tokens_issued'] + 1)
        self.assertEqual(after['save_requests:' + server], before['save_requests:' + server] + 1)
        return conn

    def test_renew_jira_with_pat(self):
        self.check_renewal('jira', 'acme', 'pat')

    def test_renew_confluence_with_password(self):
        self.check_renewal('wiki', 'acme', 'basic')

    def test_renew_on_a_confluence_only_site(self):
        self.check_renewal('wiki', 'wikionly', 'pat')

    def test_renew_again_moves_expiry(self):
        conn = self.check_renewal('jira2')
        first = self.client.props(conn)['ExpiresAt']
        first_saved = self.fake.holds('jira2')[0]['saved_at']
        time.sleep(1.1)
        second = self.client.renew(conn)
        self.assertGreater(second, first)
        # The server holds one token per cloud site: the new one.
        holds = self.fake.holds('jira2')
        self.assertEqual(len(holds), 1)
        self.assertGreater(holds[0]['saved_at'], first_saved)
        self.assertEqual(self.fake.counters()['save_requests:jira2'], 2)

    def test_renew_fixes_an_expiring_connection(self):
        lifetime = self.lifetime()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + 60)
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')
        self.assertTrue(self.client.props(conn)['AttentionNeeded'])
        expires = self.client.renew(conn)
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['AttentionNeeded'], p['ExpiresAt']),
                         ('valid', False, expires))

    def test_consent_required(self):
        conn = self.add_connection('jira', 'acme')
        before_state = self.token_state(conn)
        before = self.fake.counters()
        for consent in (None, False):
            with self.assertRaisesDBus('ConsentRequired') as cm:
                self.client.renew(conn, consent=consent)
            self.assertNoSecrets(cm.exception.message)
        self.assertEqual(self.fake.counters(), before)
        self.assertEqual(self.token_state(conn), before_state)
        self.assertEqual(self.fake.holds('jira'), [])

    def test_change_account(self):
        acc1 = self.add_account('acme', 'admin@acme.test')
        acc2 = self.add_account('acme', 'admin2@acme.test')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc1, self.fake.site_url('acme'))
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            self.client.renew(conn, account=acc2)
            self.client.wait_until(lambda: any('CloudAccount' in c for c in
                                               rec.properties_changed(conn, IFACE_CONNECTION)),
                                   10, 'CloudAccount to change')
        self.assertEqual(self.client.props(conn)['CloudAccount'], acc2)
        holds = self.fake.holds('jira')
        self.assertEqual([h['email'] for h in holds], ['admin2@acme.test'])
        self.assertEqual(holds[0]['cloudUrl'], self.fake.site_url('acme'))
        # The next renewal uses the new account.
        self.client.renew(conn)
        self.assertEqual([h['email'] for h in self.fake.holds('jira')], ['admin2@acme.test'])
        self.assertEqual(self.fake.counters()['save_requests:jira'], 2)

    def test_change_account_that_fails_keeps_the_old_one(self):
        acc1 = self.add_account('acme', 'admin@acme.test')
        dev = self.add_account('acme', 'dev@acme.test')  # not a site admin: 403
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc1, self.fake.site_url('acme'))
        before = self.token_state(conn)
        with self.assertRaisesDBus('CloudAuthFailed'):
            self.client.renew(conn, account=dev)
        self.assertEqual(self.token_state(conn), before)
        self.assertEqual(self.client.props(conn)['CloudAccount'], acc1)
        self.assertEqual(self.fake.holds('jira'), [])

    def test_change_to_an_account_of_another_site(self):
        acc1 = self.add_account('acme')
        other = self.add_account('other')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc1, self.fake.site_url('acme'))
        before = self.token_state(conn)
        with self.assertRaisesDBus('InvalidArgument', 'CloudAuthFailed'):
            self.client.renew(conn, account=other)
        self.assertEqual(self.token_state(conn), before)
        self.assertEqual(self.fake.holds('jira'), [])

    def test_single_flight(self):
        conn = self.add_connection('jira', 'acme')
        # Slow the first step down so that all ten calls meet in flight.
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': int(1500 * min(scaled(1), 3)),
                             'count': 1})
        before = self.fake.counters()
        pendings = [self.client.renew_async(conn) for _ in range(10)]
        self.client.wait_pending(pendings, 60)
        errors = [p.error for p in pendings if p.error]
        self.assertEqual(errors, [])
        results = {p.result[0] for p in pendings}
        self.assertEqual(len(results), 1, results)
        self.assertEqual(self.client.props(conn)['ExpiresAt'], results.pop())
        after = self.fake.counters()
        self.assertEqual(after['token_requests'] - before['token_requests'], 1)
        self.assertEqual(after['tokens_issued'] - before['tokens_issued'], 1)
        self.assertEqual(after['save_requests:jira'] - before['save_requests:jira'], 1)
        self.assertEqual(len(self.fake.holds('jira')), 1)

    def test_parallel_renewals_of_different_connections(self):
        conns = [self.add_connection(srv, 'acme') for srv in ('jira', 'wiki', 'jira2')]
        conns.append(self.add_connection('jira', 'other'))
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': 500, 'count': 4})
        pendings = [self.client.renew_async(c) for c in conns]
        self.client.wait_pending(pendings, 60)
        self.assertEqual([p.error for p in pendings], [None] * 4)
        self.assertEqual(self.fake.counters()['token_requests'], 4)
        self.assertEqual(sorted(h['cloudUrl'] for h in self.fake.holds('jira')),
                         sorted([self.fake.site_url('acme'), self.fake.site_url('other')]))
        for c in conns:
            self.assertEqual(self.client.props(c)['Status'], 'valid')

    def test_cancel_renew(self):
        conn = self.add_connection('jira', 'acme')
        before = self.token_state(conn)
        delay = 2500
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': delay, 'count': 1})
        started = time.monotonic()
        pending = self.client.renew_async(conn)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Renewing', True, 10)
        self.assertEqual(self.client.get_property(conn, IFACE_CONNECTION, 'RenewStep'),
                         'create-token')
        # While renewing, the object is busy.
        with self.assertRaisesDBus('Busy'):
            self.client.remove(conn)
        self.client.cancel_renew(conn)
        self.client.wait_pending(pending, 30)
        self.assertIsNotNone(pending.error, pending)
        self.assertEqual(pending.error.name, 'Cancelled', pending.error)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Renewing', False, 10)
        # Let the delayed request finish: the token must not be saved afterwards.
        left = delay / 1000 + 0.5 - (time.monotonic() - started)
        if left > 0:
            time.sleep(left)
        self.client.iterate()
        self.assertEqual(self.token_state(conn), before)
        self.assertEqual(self.fake.counters()['save'], 0)
        self.assertEqual(self.fake.holds('jira'), [])
        self.assertEqual(self.client.get_property(conn, IFACE_CONNECTION, 'RenewStep'), '')
        # And it renews normally afterwards.
        self.client.renew(conn)
        self.assertEqual(len(self.fake.holds('jira')), 1)

    def test_cancel_without_renewal_is_harmless(self):
        conn = self.add_connection('jira', 'acme')
        before = self.snapshot()
        try:
            self.client.cancel_renew(conn)
        except Exception as e:  # a named error is fine too, as long as nothing changes
            self.assertIn(getattr(e, 'name', ''), ('NotFound', 'InvalidArgument', 'Failed'),
                          e)
        self.assertUnchanged(before)

    def test_answers_while_a_request_is_stalled(self):
        """The HTTP requests run off the main loop: while one hangs, every
        other call is answered (before the stalled renewal ends)."""
        conn = self.add_connection('jira', 'acme')
        other = self.add_connection('wiki', 'acme')
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': int(3000 * min(scaled(1), 3)),
                             'count': 1})
        pending = self.client.renew_async(conn)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Renewing', True, 10)
        self.client.managed_objects()
        self.client.mark_renewed(other, 0)
        self.client.check(self.client.props(other)['Server'])
        self.client.iterate()
        self.assertFalse(pending.done, 'the calls were answered only after the stalled request')
        self.client.wait_pending(pending, 30)
        self.assertIsNone(pending.error)

    def test_renew_step_goes_to_save_token(self):
        conn = self.add_connection('jira', 'acme')
        self.fake.add_fault({'endpoint': 'save', 'delay_ms': 1500, 'count': 1})
        pending = self.client.renew_async(conn)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'RenewStep', 'save-token', 10)
        self.client.wait_pending(pending, 30)
        self.assertIsNone(pending.error)
        self.assertEqual(self.client.get_property(conn, IFACE_CONNECTION, 'RenewStep'), '')


class TestReplacedDuringRenewal(RenewCase):
    """A renewal keeps the credential it started with (auth kind, user name,
    keyring slot); the replaced item outlives it; its failure never marks
    the new credential bad."""
    valgrind_subset = {'test_server_replaced_while_renewing',
                       'test_a_refused_old_api_token_does_not_mark_the_new_one'}

    def start_stalled_renewal(self, conn):
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': int(2500 * min(scaled(1), 3)),
                             'count': 1})
        pending = self.client.renew_async(conn)
        self.client.wait_until(lambda: self.fake.counters()['token_requests'] >= 1, 10,
                               'the token request to arrive')
        return pending

    def test_server_replaced_while_renewing(self):
        conn = self.add_connection('jira', 'acme')
        srv = self.client.props(conn)['Server']
        sid = srv.rsplit('/', 1)[1]
        old_item = self.keyring.items(object=sid)[0]['path']
        pending = self.start_stalled_renewal(conn)
        u = self.sc.server_user('jira')
        self.client.replace_secret(srv, 'basic', u['username'], u['password'])
        self.assertFalse(pending.done)
        self.assertIn(old_item, [i['path'] for i in self.keyring.items(object=sid)],
                      'the item a renewal in flight uses was deleted')
        self.client.wait_pending(pending, 30)
        self.assertIsNone(pending.error)
        self.assertEqual(self.fake.counters()['save_requests:jira'], 1)
        self.client.wait_until(lambda: len(self.keyring.items(object=sid)) == 1, 10,
                               'the replaced item to be cleared after the renewal')
        item = self.keyring.items(object=sid)[0]
        self.assertNotEqual(item['path'], old_item)
        self.assertEqual(self.keyring.secret_of(item['path']), u['password'])
        self.assertEqual(self.client.props(srv)['AuthKind'], 'basic')
        self.client.renew(conn)

    def test_a_refused_old_server_credential_does_not_mark_the_new_one(self):
        conn = self.add_connection('jira', 'acme')
        srv = self.client.props(conn)['Server']
        pending = self.start_stalled_renewal(conn)
        self.fake.add_fault({'endpoint': 'save', 'status': 401, 'count': 1})
        u = self.sc.server_user('jira')
        self.client.replace_secret(srv, 'basic', u['username'], u['password'])
        self.client.wait_pending(pending, 30)
        self.assertIsNotNone(pending.error)
        self.assertEqual(pending.error.name, 'ServerAuthFailed')
        self.assertIn('replaced while it ran', pending.error.message)
        p = self.client.props(srv)
        self.assertEqual((p['Status'], p['LastError'], p['AttentionNeeded']), ('valid', '', False))
        self.assertEqual(self.client.props(conn)['LastError'], '')
        self.client.renew(conn)

    def test_a_refused_old_api_token_does_not_mark_the_new_one(self):
        conn = self.add_connection('jira', 'acme')
        acc = self.client.props(conn)['CloudAccount']
        aid = acc.rsplit('/', 1)[1]
        pending = self.start_stalled_renewal(conn)
        # The admin revokes the old token at the site and enters a new one.
        user = dict(self.sc.user('acme'))
        user['api_token'] = secret('ATATT-rotated')
        self.fake.set_user('acme', user)
        self.addCleanup(self.fake.set_user, 'acme', self.sc.user('acme'))
        self.client.replace_token(acc, user['api_token'])
        self.assertEqual(len(self.keyring.items(object=aid)), 2)
        self.client.wait_pending(pending, 30)
        self.assertIsNotNone(pending.error)
        self.assertEqual(pending.error.name, 'CloudAuthFailed')
        self.assertIn('replaced while it ran', pending.error.message)
        p = self.client.props(acc)
        self.assertEqual((p['Status'], p['LastError'], p['AttentionNeeded']), ('valid', '', False))
        self.assertEqual(self.client.props(conn)['LastError'], '')
        self.client.wait_until(lambda: len(self.keyring.items(object=aid)) == 1, 10,
                               'the replaced item to be cleared after the renewal')
        self.client.renew(conn)


class TestMarkRenewed(RenewCase):
    daemon_per_class = True

    def test_mark_renewed_now(self):
        conn = self.add_connection('jira', 'acme')
        t0 = now()
        self.client.mark_renewed(conn, 0)
        p = self.client.props(conn)
        self.assertGreaterEqual(p['RenewedAt'], t0)
        self.assertLessEqual(p['RenewedAt'], now())
        self.assertEqual(p['ExpiresAt'], p['RenewedAt'] + self.lifetime())
        self.assertEqual(p['Status'], 'valid')
        self.assertFalse(p['AttentionNeeded'])
        # MarkRenewed makes no HTTP request.
        self.assertEqual(self.fake.counters()['token'], 0)

    def test_mark_renewed_in_the_past(self):
        conn = self.add_connection('wiki', 'acme')
        when = now() - 17 * DAY
        self.client.mark_renewed(conn, when)
        p = self.client.props(conn)
        self.assertEqual(p['RenewedAt'], when)
        self.assertEqual(p['ExpiresAt'], when + self.lifetime())
        self.assertEqual(p['Status'], 'expiring')
        self.assertTrue(p['AttentionNeeded'])

    def test_mark_renewed_refuses_bad_times(self):
        conn = self.add_connection('jira2', 'acme')
        self.client.mark_renewed(conn, now() - DAY)
        before = self.snapshot()
        for bad in (now() + 3600, now() + 365 * DAY, now() - self.lifetime() - 3600, -1,
                    -(2 ** 63)):
            with self.assertRaisesDBus('InvalidArgument'):
                self.client.mark_renewed(conn, bad)
        self.assertUnchanged(before)


class TestAutoRenew(RenewCase):
    daemon_per_class = True

    def test_auto_renew_needs_consent(self):
        conn = self.add_connection('jira', 'acme')
        before = self.snapshot()
        for consent in (None, False):
            with self.assertRaisesDBus('ConsentRequired'):
                self.client.set_auto_renew(conn, True, consent)
        self.assertUnchanged(before)

    def test_auto_renew_on_and_off(self):
        conn = self.add_connection('wiki', 'acme')
        t0 = now()
        self.client.set_auto_renew(conn, True, True)
        p = self.client.props(conn)
        self.assertTrue(p['AutoRenew'])
        self.assertGreaterEqual(p['AutoRenewConsentAt'], t0)
        self.assertLessEqual(p['AutoRenewConsentAt'], now())
        # Turning it off needs no consent and forgets it.
        self.client.set_auto_renew(conn, False)
        p = self.client.props(conn)
        self.assertFalse(p['AutoRenew'])
        self.assertEqual(p['AutoRenewConsentAt'], 0)


if __name__ == '__main__':
    main()
