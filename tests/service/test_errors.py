# test_errors.py: every error the cloud, the servers and the network can cause, provoked for real
import email.utils
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    DAY, IFACE_CONNECTION, Hygiene, Scenario, ServiceTestCase, free_closed_port,
    main, now, scaled, secret)

# What a failed renewal must leave alone.
TOKEN_STATE = ('RenewedAt', 'ExpiresAt', 'Status', 'CloudAccount', 'Server', 'CloudSiteUrl',
               'Product', 'AutoRenew', 'AutoRenewConsentAt', 'Renewing')
# What a failed renewal may change: its record of the failure.
FAILURE_RECORD = ('LastError', 'LastErrorName', 'AttentionNeeded', 'LastCheckedAt', 'Status', 'DisplayName')


class ErrorCase(ServiceTestCase):
    daemon_per_class = True

    def renewal_fails(self, conn, *names, account=None, consent=True, refused=False):
        """Renew fails with one of @names; the token state, the other objects and
        the fake servers are unchanged; LastError is set. With @refused (bad
        arguments, no consent), nothing at all changes. Returns the error."""
        objs_before = self.snapshot()
        holds_before = {n: s['holds'] for n, s in self.fake.state()['servers'].items()}
        with self.assertRaisesDBus(*names) as cm:
            self.client.renew(conn, consent=consent, account=account)
        err = cm.exception
        self.assertNoSecrets(err.message, 'the error message')
        if refused:
            self.assertUnchanged(objs_before)
            return err
        objs_after = self.snapshot()
        self.assertEqual(set(objs_before), set(objs_after))
        for path, ifaces in objs_before.items():
            if IFACE_CONNECTION in ifaces and path == conn:
                b = ifaces[IFACE_CONNECTION]
                a = objs_after[path][IFACE_CONNECTION]
                self.assertEqual({k: b[k] for k in TOKEN_STATE}, {k: a[k] for k in TOKEN_STATE})
                self.assertNotEqual(a['LastError'], '', 'LastError not set after %s' % err.name)
                self.assertNoSecrets(a['LastError'], 'LastError')
            else:
                # Accounts and servers may record the failure (e.g. "invalid"), nothing else.
                for iface, props in ifaces.items():
                    a = objs_after[path][iface]
                    self.assertEqual({k: v for k, v in props.items() if k not in FAILURE_RECORD},
                                     {k: v for k, v in a.items() if k not in FAILURE_RECORD},
                                     path)
        holds_after = {n: s['holds'] for n, s in self.fake.state()['servers'].items()}
        self.assertEqual(holds_before, holds_after)
        return err

    def add_fails(self, fn, *names, ignore=()):
        """An Add* that fails with one of @names adds nothing and changes
        nothing (but the properties in @ignore)."""
        before = self.snapshot()
        with self.assertRaisesDBus(*names) as cm:
            fn()
        self.assertNoSecrets(cm.exception.message, 'the error message')
        self.assertUnchanged(before, ignore=ignore)
        return cm.exception


class TestCloudAuth(ErrorCase):

    def test_add_account_with_a_wrong_token(self):
        wrong = secret('ATATT-wrong')
        self.add_fails(lambda: self.client.add_cloud_account(
            'admin@acme.test', self.fake.site_url('acme'), wrong, 0), 'CloudAuthFailed')
        self.add_fails(lambda: self.client.add_cloud_account(
            'nobody@acme.test', self.fake.site_url('acme'), self.sc.token('acme'), 0),
            'CloudAuthFailed')
        # The token of another site's user.
        self.add_fails(lambda: self.client.add_cloud_account(
            'admin@other.test', self.fake.site_url('acme'), self.sc.token('other'), 0),
            'CloudAuthFailed')

    def test_renew_as_a_non_admin(self):
        dev = self.add_account('acme', 'dev@acme.test')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, dev, self.fake.site_url('acme'))
        self.renewal_fails(conn, 'CloudAuthFailed')
        p = self.client.props(conn)
        self.assertTrue(p['AttentionNeeded'])
        self.assertEqual(self.fake.counters()['save'], 0)

    def test_renew_after_the_token_was_revoked(self):
        conn = self.add_connection('jira', 'acme', 'admin2@acme.test')
        acc = self.client.props(conn)['CloudAccount']
        user = dict(self.sc.user('acme', 'admin2@acme.test'))
        user['api_token'] = secret('ATATT-rotated')
        self.fake.set_user('acme', user)
        try:
            self.renewal_fails(conn, 'CloudAuthFailed')
            self.assertTrue(self.client.props(conn)['AttentionNeeded'])
            # Checking the account now finds it invalid.
            try:
                self.client.check(acc)
            except Exception as e:
                self.assertEqual(getattr(e, 'name', None), 'CloudAuthFailed', e)
            a = self.client.props(acc)
            self.assertEqual(a['Status'], 'invalid')
            self.assertTrue(a['AttentionNeeded'])
            self.assertNotEqual(a['LastError'], '')
            # ReplaceToken with the new token repairs it.
            self.client.replace_token(acc, user['api_token'])
            self.client.renew(conn)
            a = self.client.props(acc)
            self.assertEqual(a['Status'], 'valid')
            self.assertFalse(a['AttentionNeeded'])
            p = self.client.props(conn)
            self.assertEqual((p['Status'], p['LastError'], p['AttentionNeeded']),
                             ('valid', '', False))
        finally:
            self.fake.set_user('acme', self.sc.user('acme', 'admin2@acme.test'))

    def test_add_connection_checks_both_credentials(self):
        acc = self.add_account('acme', 'admin2@acme.test')
        srv = self.add_server('jira')
        bad_srv = self.client.add_server('jira', self.fake.server_url('jira2'), 'pat', '',
                                         secret('stale-pat'), 0, check=False)
        # The checks may record what they found on the account and server.
        self.add_fails(lambda: self.client.add_connection(bad_srv, acc,
                                                          self.fake.site_url('acme')),
                       'ServerAuthFailed', ignore=FAILURE_RECORD)
        user = dict(self.sc.user('acme', 'admin2@acme.test'))
        user['api_token'] = secret('ATATT-rotated')
        self.fake.set_user('acme', user)
        try:
            self.add_fails(lambda: self.client.add_connection(srv, acc,
                                                              self.fake.site_url('acme')),
                           'CloudAuthFailed', ignore=FAILURE_RECORD)
        finally:
            self.fake.set_user('acme', self.sc.user('acme', 'admin2@acme.test'))
        self.client.add_connection(srv, acc, self.fake.site_url('acme'))

    def test_replace_token_with_a_wrong_one_keeps_the_old(self):
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        before = self.snapshot()
        with self.assertRaisesDBus('CloudAuthFailed') as cm:
            self.client.replace_token(acc, secret('ATATT-bad'))
        self.assertNoSecrets(cm.exception.message)
        self.assertUnchanged(before, ignore=FAILURE_RECORD)
        self.client.renew(conn)  # the old token still works


class TestServerAuth(ErrorCase):

    def test_add_server_with_bad_credentials(self):
        self.add_fails(lambda: self.client.add_server(
            'jira', self.fake.server_url('jira'), 'pat', '', secret('badpat'), 0),
            'ServerAuthFailed')
        self.add_fails(lambda: self.client.add_server(
            'confluence', self.fake.server_url('wiki'), 'basic', 'cadmin', secret('badpw'), 0),
            'ServerAuthFailed')
        self.add_fails(lambda: self.client.add_server(
            'confluence', self.fake.server_url('wiki'), 'basic', 'nobody',
            self.sc.server_user('wiki')['password'], 0), 'ServerAuthFailed')
        # A PAT of another server.
        self.add_fails(lambda: self.client.add_server(
            'jira', self.fake.server_url('jira'), 'pat', '', self.sc.pat('jira2'), 0),
            'ServerAuthFailed')

    def test_renew_with_a_bad_pat(self):
        acc = self.add_account('acme')
        srv = self.client.add_server('jira', self.fake.server_url('jira'), 'pat', '',
                                     secret('stalepat'), 0, check=False)
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'), check=False)
        self.renewal_fails(conn, 'ServerAuthFailed')
        self.assertTrue(self.client.props(conn)['AttentionNeeded'])
        # Checking the server finds its credential invalid.
        with self.assertRaisesDBus('ServerAuthFailed'):
            self.client.check(srv)
        p = self.client.props(srv)
        self.assertEqual((p['Status'], p['AttentionNeeded']), ('invalid', True))
        self.assertNotEqual(p['LastError'], '')
        # The fix: a new secret, after which renewal works.
        self.client.replace_secret(srv, 'pat', '', self.sc.pat('jira'))
        p = self.client.props(srv)
        self.assertEqual((p['Status'], p['AttentionNeeded'], p['LastError']),
                         ('valid', False, ''))
        self.client.renew(conn)
        self.assertEqual(len(self.fake.holds('jira')), 1)

    def test_replace_secret_with_a_wrong_one_keeps_the_old(self):
        conn = self.add_connection('wiki', 'acme')
        srv = self.client.props(conn)['Server']
        before = self.snapshot()
        with self.assertRaisesDBus('ServerAuthFailed'):
            self.client.replace_secret(srv, 'basic', 'cadmin', secret('wrongpw'))
        self.assertUnchanged(before, ignore=FAILURE_RECORD)
        self.client.renew(conn)


class TestRefusedLogins(ErrorCase):
    """Real servers say "not you" in ways that look like success or like
    something else (issue: real Atlassian answers). Each is ServerAuthFailed
    (CloudAuthFailed on the site) with a message that names the fix, at the
    add check and at Check(), and the add stores nothing."""
    wipe_between_tests = True
    CASES = [
        # body of the fault, what the message must say
        ('anonymous', 'anonymous user'),
        ('seraph-failed', 'did not accept'),
        ('seraph-captcha', 'CAPTCHA'),
        ('basic-disabled', 'Basic authentication turned off'),
        ('login-html', 'login page'),
    ]

    def test_add_server(self):
        for body, needle in self.CASES:
            with self.subTest(body):
                self.fake.clear_faults()
                self.fake.add_fault({'endpoint': 'server-myself', 'body': body})
                items = len(self.keyring.items())
                err = self.add_fails(lambda: self.client.add_server(
                    'confluence', self.fake.server_url('wiki'), 'basic', 'cadmin',
                    self.sc.server_user('wiki')['password'], 0), 'ServerAuthFailed')
                self.assertIn(needle, err.message)
                self.assertEqual(len(self.keyring.items()), items)
        self.fake.clear_faults()
        err_pat = None
        self.fake.add_fault({'endpoint': 'server-myself', 'body': 'basic-disabled'})
        err_pat = self.add_fails(lambda: self.client.add_server(
            'jira', self.fake.server_url('jira'), 'basic', 'admin',
            self.sc.server_user('jira')['password'], 0), 'ServerAuthFailed')
        self.assertIn('personal access token', err_pat.message)
        self.fake.clear_faults()

    def test_check(self):
        srv = self.add_server('wiki', 'basic')
        for body, needle in self.CASES:
            with self.subTest(body):
                self.fake.clear_faults()
                self.fake.add_fault({'endpoint': 'server-myself', 'body': body})
                with self.assertRaisesDBus('ServerAuthFailed') as cm:
                    self.client.check(srv)
                self.assertIn(needle, cm.exception.message)
                p = self.client.props(srv)
                self.assertEqual((p['Status'], p['AttentionNeeded']), ('invalid', True))
        self.fake.clear_faults()
        self.client.check(srv)
        self.assertEqual(self.client.props(srv)['Status'], 'valid')

    def test_cloud_site(self):
        for body, needle in (('seraph-failed', 'did not accept'), ('seraph-captcha', 'CAPTCHA'),
                             ('login-html', 'login page')):
            with self.subTest(body):
                self.fake.clear_faults()
                self.fake.add_fault({'endpoint': 'cloud-myself', 'body': body})
                u = self.sc.user('acme')
                err = self.add_fails(lambda: self.client.add_cloud_account(
                    u['email'], self.fake.site_url('acme'), u['api_token'], 0), 'CloudAuthFailed')
                self.assertIn(needle, err.message)
        # And at Check() of a stored account: invalid, the fix named; valid again after.
        self.fake.clear_faults()
        acc = self.add_account('acme')
        for body, needle in (('seraph-failed', 'did not accept'), ('seraph-captcha', 'CAPTCHA'),
                             ('login-html', 'login page')):
            with self.subTest('check ' + body):
                self.fake.clear_faults()
                self.fake.add_fault({'endpoint': 'cloud-myself', 'body': body})
                with self.assertRaisesDBus('CloudAuthFailed') as cm:
                    self.client.check(acc)
                self.assertIn(needle, cm.exception.message)
                p = self.client.props(acc)
                self.assertEqual((p['Status'], p['AttentionNeeded']), ('invalid', True))
        self.fake.clear_faults()
        self.client.check(acc)
        self.assertEqual(self.client.props(acc)['Status'], 'valid')


class TestRefusedLoginsAtRenewal(ErrorCase):
    """The same refusals when the server answers the save of a renewal (its
    credential changed on the server since it was checked): ServerAuthFailed
    naming the fix, the token state unchanged, the server marked invalid; the
    cloud site's refusals of the token request likewise CloudAuthFailed."""
    wipe_between_tests = True
    SAVE_CASES = [
        ('seraph-failed', 'did not accept'),
        ('seraph-captcha', 'CAPTCHA'),
        ('basic-disabled', 'Basic authentication turned off'),
        ('login-html', 'login page'),
        ('anonymous', 'anonymous user'),
    ]

    def test_renew_save(self):
        for body, needle in self.SAVE_CASES:
            with self.subTest(body):
                self.fake.clear_faults()
                self.wipe()
                srv = self.add_server('wiki', 'basic')
                conn = self.add_connection('wiki', 'acme')
                self.fake.add_fault({'endpoint': 'save', 'body': body})
                err = self.renewal_fails(conn, 'ServerAuthFailed')
                self.assertIn(needle, err.message)
                self.assertIn(needle, self.client.props(conn)['LastError'])
                self.assertEqual(self.client.props(srv)['Status'], 'invalid')
        self.fake.clear_faults()
class TestRejectedAndUnsupported(ErrorCase):

    def test_save_refused(self):
        conn = self.add_connection('jira', 'acme')
        self.fake.add_fault({'endpoint': 'save', 'status': 500})
        self.renewal_fails(conn, 'TokenRejected')
        self.assertTrue(self.client.props(conn)['AttentionNeeded'])
        self.fake.clear_faults()
        self.client.renew(conn)
        p = self.client.props(conn)
        self.assertEqual((p['LastError'], p['AttentionNeeded']), ('', False))

    def test_no_migration_api(self):
        conn = self.add_connection('oldjira', 'acme')
        err = self.renewal_fails(conn, 'NotSupported')
        self.assertEqual(self.fake.holds('oldjira'), [])
        self.assertNoSecrets(err.message)


class TestRenewalAnswers(ErrorCase):
    """How the Migration API and the assistant say no, as they really do
    (issue: real Atlassian answers)."""
    wipe_between_tests = True

    def setUp(self):
        super().setUp()
        self.conn = self.add_connection('jira', 'acme')

    def tearDown(self):
        self.fake.clear_faults()
        super().tearDown()

    def test_exception_in_saving_token_is_rejected(self):
        self.fake.add_fault({'endpoint': 'save', 'status': 500, 'count': 1})
        err = self.renewal_fails(self.conn, 'TokenRejected')
        self.assertIn('Exception in saving token', err.message)
        self.assertTrue(self.client.props(self.conn)['AttentionNeeded'])

    def test_other_server_errors_are_transient(self):
        for fault in ({'endpoint': 'save', 'body': 'tomcat-500'},
                      {'endpoint': 'save', 'status': 502}, {'endpoint': 'save', 'status': 503},
                      {'endpoint': 'save', 'status': 504}, {'endpoint': 'token', 'status': 500}):
            with self.subTest(fault=fault):
                self.fake.clear_faults()
                self.fake.add_fault(dict(fault, count=1))
                err = self.renewal_fails(self.conn, 'Network')
                self.assertIn('server error', err.message)
        self.fake.clear_faults()
        self.client.renew(self.conn)

    def test_retry_after_seconds_and_http_date(self):
        for value in ('120', email.utils.formatdate(time.time() + 120, usegmt=True)):
            with self.subTest(value=value):
                self.fake.clear_faults()
                self.fake.reset()
                self.fake.add_fault({'endpoint': 'token', 'status': 429, 'retry_after': value,
                                     'count': 1})
                err = self.renewal_fails(self.conn, 'Network')
                self.assertIn('asks cmatoken to wait', err.message)
                self.assertRegex(err.message, r'until \d\d:\d\d')
                # Asked again at once: refused without a request, for the same reason.
                requests = self.fake.counters()['token_requests']
                err = self.renewal_fails(self.conn, 'Network')
                self.assertIn('asks cmatoken to wait', err.message)
                self.assertEqual(self.fake.counters()['token_requests'], requests)
                self.daemon.restart()

    def test_a_short_retry_after_is_waited_for(self):
        # Bulk renewals slow down for that host instead of failing.
        self.fake.add_fault({'endpoint': 'save', 'status': 503, 'retry_after': '2', 'count': 1})
        self.renewal_fails(self.conn, 'Network')
        t0 = time.monotonic()
        self.client.renew(self.conn)
        self.assertGreaterEqual(time.monotonic() - t0, 1.0, 'the request did not wait for the host')

    def test_the_token_endpoints_own_words(self):
        self.fake.add_fault({'endpoint': 'token', 'status': 400, 'body': 'error-messages', 'count': 1})
        err = self.renewal_fails(self.conn, 'InvalidArgument')
        self.assertIn('Atlassian said: “The cloud site is being  migrated — try again in a while”',
                      err.message)
        self.fake.add_fault({'endpoint': 'token', 'status': 401, 'count': 1})
        err = self.renewal_fails(self.conn, 'CloudAuthFailed')
        self.assertIn('Atlassian said: “Fault injected by the fake Atlassian”', err.message)

    def test_a_redirect_is_named_and_needs_the_admin(self):
        server = self.fake.server_url('jira')
        https = 'https://' + server.split('://', 1)[1]
        self.fake.add_fault({'endpoint': 'save', 'status': 301,
                             'location': https + '/rest/migration/latest/token', 'count': 1})
        err = self.renewal_fails(self.conn, 'NotSupported')
        self.assertIn('never follows a redirect', err.message)
        self.assertIn('use %s as the address' % https, err.message)
        self.assertTrue(self.client.props(self.conn)['AttentionNeeded'])
        self.fake.add_fault({'endpoint': 'save', 'status': 302,
                             'location': 'https://sso.example.com/login?next=%2F&token=abc', 'count': 1})
        err = self.renewal_fails(self.conn, 'NotSupported')
        self.assertIn('https://sso.example.com/login', err.message)
        self.assertNotIn('token=abc', err.message)
        self.assertIn('base address', err.message)

    def test_a_redirect_at_the_add_check(self):
        self.fake.add_fault({'endpoint': 'server-myself', 'status': 302,
                             'location': '/login.jsp?os_destination=%2Frest', 'count': 1})
        err = self.add_fails(lambda: self.client.add_server(
            'jira', self.fake.server_url('jira2'), 'pat', '', self.sc.pat('jira2'), 0),
            'NotSupported')
        self.assertIn('/login.jsp', err.message)
        self.assertNotIn('os_destination', err.message)


    def test_a_redirect_at_check(self):
        # A stored server that now redirects (moved to https): Check() names
        # where it points and says to use it.
        srv = self.add_server('jira2')
        server = self.fake.server_url('jira2')
        https = 'https://' + server.split('://', 1)[1]
        self.fake.add_fault({'endpoint': 'server-myself', 'status': 301,
                             'location': https + '/rest/api/2/myself', 'count': 1})
        with self.assertRaisesDBus('NotSupported') as cm:
            self.client.check(srv)
        self.assertIn('use %s' % https, cm.exception.message)
        self.assertNoSecrets(cm.exception.message)
        # The address is wrong, not the credential: it is not marked invalid,
        # and the server's LastError says what to do until a check passes.
        p = self.client.props(srv)
        self.assertEqual(p['Status'], 'valid')
        self.assertIn('use %s' % https, p['LastError'])
        self.fake.clear_faults()
        self.client.check(srv)
        self.assertEqual(self.client.props(srv)['LastError'], '')


class TestScopedTokens(ErrorCase):
    """Scoped API tokens (the only kind a service account can create) are
    refused by the site itself and valid through Atlassian's gateway."""
    wipe_between_tests = True
    ROBOT = 'robot@acme.test'

    @classmethod
    def scenario(cls):
        sc = Scenario.standard()
        token = secret('ATSTT')
        Hygiene.register(token)
        sc.site('acme')['users'].append({'email': cls.ROBOT, 'api_token': token,
                                         'display_name': 'Migration Robot', 'site_admin': True,
                                         'scoped': True})
        return sc

    def test_a_scoped_token_is_valid_through_the_gateway(self):
        acc = self.add_account('acme', self.ROBOT)
        p = self.client.props(acc)
        self.assertEqual((p['Status'], p['DisplayName'], p['TokenScoped']),
                         ('valid', 'Migration Robot', True))
        self.assertEqual(self.fake.counters()['gateway_requests'], 1)
        self.client.check(acc)
        self.assertTrue(self.client.props(acc)['TokenScoped'])
        self.daemon.restart()
        self.assertTrue(self.client.props(acc)['TokenScoped'])

    def test_a_classic_token_never_asks_the_gateway(self):
        acc = self.add_account('acme')
        self.assertFalse(self.client.props(acc)['TokenScoped'])
        self.assertEqual(self.fake.counters()['gateway_requests'], 0)

    def test_a_wrong_token_is_refused_at_the_gateway_too(self):
        err = self.add_fails(lambda: self.client.add_cloud_account(
            self.ROBOT, self.fake.site_url('acme'), secret('ATSTT-wrong'), 0), 'CloudAuthFailed')
        self.assertIn('did not accept', err.message)
        self.assertEqual(self.fake.counters()['gateway_requests'], 1)

    def test_the_migration_api_refusing_it_asks_for_a_classic_token(self):
        conn = self.add_connection('jira', 'acme', self.ROBOT)
        err = self.renewal_fails(conn, 'CloudAuthFailed')
        self.assertIn('scoped API token', err.message)
        self.assertIn('classic API token', err.message)


class TestExpiredAuthToken(ErrorCase):
    """The 5-minute auth token expires before it is saved: the real server
    answers 500 "Exception in saving token." → TokenRejected."""

    @classmethod
    def scenario(cls):
        return Scenario.standard(auth_token_lifetime_seconds=1)

    def test_auth_token_expired_before_saving(self):
        conn = self.add_connection('jira', 'acme')
        self.fake.add_fault({'endpoint': 'save', 'delay_ms': 2500})
        self.renewal_fails(conn, 'TokenRejected')


class TestNetwork(ErrorCase):
    valgrind_subset = {'test_token_503', 'test_token_dropped', 'test_token_huge', 'test_save_503', 'test_closed_port'}
    timeout_s = None

    @classmethod
    def setUpClass(cls):
        # A short HTTP timeout so that a stalled answer fails fast.
        cls.timeout_s = int(max(2, scaled(2)))
        cls.daemon_env = {'CMATOKEN_HTTP_TIMEOUT': str(cls.timeout_s)}
        super().setUpClass()

    def network_renewal(self, fault, host='127.0.0.1'):
        conn = self.find_connection() or self.add_connection('jira', 'acme')
        self.fake.clear_faults()
        self.fake.add_fault(fault)
        err = self.renewal_fails(conn, 'Network')
        self.assertIn(host, err.message, 'the Network error does not name the host')
        self.assertIn(host, self.client.props(conn)['LastError'])
        self.fake.clear_faults()
        return err

    def find_connection(self):
        conns = list(self.client.objects(IFACE_CONNECTION))
        return conns[0] if conns else None

    def test_token_503(self):
        self.network_renewal({'endpoint': 'token', 'status': 503})

    def test_token_429(self):
        self.network_renewal({'endpoint': 'token', 'status': 429})

    def test_token_dropped(self):
        self.network_renewal({'endpoint': 'token', 'drop': True})

    def test_token_malformed(self):
        self.network_renewal({'endpoint': 'token', 'body': 'malformed'})

    def test_token_huge(self):
        self.network_renewal({'endpoint': 'token', 'body': 'huge'})

    def test_token_timeout(self):
        self.network_renewal({'endpoint': 'token', 'delay_ms': (self.timeout_s + 3) * 1000})

    def drip_renewal(self, endpoint):
        # One byte every half second: an idle timeout never trips, the
        # request's overall deadline does.
        started = time.monotonic()
        err = self.network_renewal({'endpoint': endpoint, 'body': 'drip'})
        self.assertIn('did not answer within %d seconds' % self.timeout_s, err.message)
        self.assertLess(time.monotonic() - started, self.timeout_s + max(5, scaled(5)))

    def test_token_drip(self):
        self.drip_renewal('token')

    def test_save_drip(self):
        self.drip_renewal('save')

    def test_save_503(self):
        self.network_renewal({'endpoint': 'save', 'status': 503})

    def test_save_dropped(self):
        self.network_renewal({'endpoint': 'save', 'drop': True})

    # Hostile or odd answers with 200: never a false "renewed".
    def hostile(self, fault, *names):
        conn = self.find_connection() or self.add_connection('jira', 'acme')
        self.fake.clear_faults()
        self.fake.add_fault(fault)
        err = self.renewal_fails(conn, *names)
        self.fake.clear_faults()
        return err

    def save_requests(self):
        return sum(v for k, v in self.fake.counters().items() if k.startswith('save_requests:'))

    def test_save_empty_object(self):
        err = self.hostile({'endpoint': 'save', 'body': 'empty-object'}, 'Network')
        self.assertIn('did not confirm', err.message)

    def test_save_not_logged_in(self):
        err = self.hostile({'endpoint': 'save', 'body': 'not-logged-in'}, 'ServerAuthFailed')
        self.assertIn('credential', err.message)

    def test_save_login_page(self):
        err = self.hostile({'endpoint': 'save', 'body': 'login-html'}, 'ServerAuthFailed')
        self.assertIn('login page', err.message)
        self.assertIn('personal access token', err.message)

    def test_save_for_another_site(self):
        err = self.hostile({'endpoint': 'save', 'body': 'wrong-cloud-url'}, 'TokenRejected')
        self.assertIn('someone-else.atlassian.net', err.message)

    def test_token_for_another_site_is_never_forwarded(self):
        saves = self.save_requests()
        err = self.hostile({'endpoint': 'token', 'body': 'wrong-cloud-url'}, 'TokenRejected')
        self.assertIn('someone-else.atlassian.net', err.message)
        self.assertEqual(self.save_requests(), saves,
                         'a token minted for another site was sent to the server')

    def test_token_with_a_control_character(self):
        saves = self.save_requests()
        self.hostile({'endpoint': 'token', 'body': 'control-token'}, 'Network')
        self.assertEqual(self.save_requests(), saves)

    def test_errors_name_the_host_that_failed(self):
        # The server under another loopback name than the Atlassian API.
        acc = self.add_account('acme')
        srv = self.client.add_server('jira', 'http://localhost:%d/server/jira' % self.fake.port,
                                     'pat', '', self.sc.pat('jira'), 0)
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        self.fake.add_fault({'endpoint': 'save', 'status': 503})
        err = self.renewal_fails(conn, 'Network')
        self.assertIn('localhost', err.message)
        self.fake.clear_faults()
        self.fake.add_fault({'endpoint': 'token', 'status': 503})
        err = self.renewal_fails(conn, 'Network')
        self.assertIn('127.0.0.1', err.message)
        self.assertNotIn('localhost', err.message)

    def test_recovers_after_network_errors(self):
        conn = self.add_connection('wiki', 'acme')
        self.fake.add_fault({'endpoint': 'token', 'status': 502})
        self.renewal_fails(conn, 'Network')
        self.fake.clear_faults()
        self.client.renew(conn)
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['LastError'], p['AttentionNeeded']),
                         ('valid', '', False))

    def test_add_account_check_network_errors(self):
        for fault in ({'endpoint': 'cloud-myself', 'status': 503},
                      {'endpoint': 'cloud-myself', 'drop': True},
                      {'endpoint': 'cloud-myself', 'body': 'huge'}):
            self.fake.clear_faults()
            self.fake.add_fault(fault)
            err = self.add_fails(lambda: self.add_account('acme'), 'Network')
            self.assertIn('127.0.0.1', err.message)

    def test_add_server_check_network_errors(self):
        for fault in ({'endpoint': 'server-myself', 'status': 500},
                      {'endpoint': 'server-myself', 'drop': True}):
            self.fake.clear_faults()
            self.fake.add_fault(fault)
            err = self.add_fails(lambda: self.add_server('jira'), 'Network')
            self.assertIn('127.0.0.1', err.message)

    def test_closed_port(self):
        port = free_closed_port()
        self.add_fails(lambda: self.client.add_cloud_account(
            'admin@acme.test', 'http://127.0.0.1:%d/site/acme' % port, self.sc.token('acme'), 0),
            'Network')
        self.add_fails(lambda: self.client.add_server(
            'jira', 'http://127.0.0.1:%d/server/jira' % port, 'pat', '', self.sc.pat('jira'), 0),
            'Network')
        # A server that went away after it was added.
        acc = self.add_account('acme')
        srv = self.client.add_server('jira', 'http://127.0.0.1:%d/server/jira' % port, 'pat', '',
                                     self.sc.pat('jira'), 0, check=False)
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'), check=False)
        err = self.renewal_fails(conn, 'Network')
        self.assertIn('127.0.0.1', err.message)
        # Checking the server reports the same, and records it.
        with self.assertRaisesDBus('Network'):
            self.client.check(srv)
        self.assertNotEqual(self.client.props(srv)['LastError'], '')

    def test_check_methods_record_network_errors(self):
        acc = self.add_account('acme')
        self.fake.add_fault({'endpoint': 'cloud-myself', 'status': 503})
        with self.assertRaisesDBus('Network'):
            self.client.check(acc)
        a = self.client.props(acc)
        self.assertNotEqual(a['LastError'], '')
        # A network failure says nothing about the token: it is not "invalid".
        self.assertNotEqual(a['Status'], 'invalid')
        self.fake.clear_faults()
        self.client.check(acc)
        a = self.client.props(acc)
        self.assertEqual((a['Status'], a['LastError']), ('valid', ''))
        self.assertNear(a['LastCheckedAt'], now())


class TestHonestAttention(ErrorCase):
    """A connection shows the state of the credentials it renews with, and an
    error whose cause is fixed does not linger."""

    def test_a_rejected_server_credential_shows_on_its_connections(self):
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        srv = self.client.props(conn)['Server']
        self.assertFalse(self.client.props(conn)['AttentionNeeded'])
        # The server now refuses the PAT (revoked): a check finds out.
        self.fake.add_fault({'endpoint': 'server-myself', 'status': 401})
        with self.assertRaisesDBus('ServerAuthFailed'):
            self.client.check(srv)
        p = self.client.props(conn)
        # The token itself is still valid, but it cannot be renewed: the
        # connection needs the admin, and its own record is untouched.
        self.assertEqual((p['Status'], p['AttentionNeeded'], p['LastError']), ('valid', True, ''))
        # Fixed: the check passes again, and the connection is fine.
        self.fake.clear_faults()
        self.client.check(srv)
        self.assertFalse(self.client.props(conn)['AttentionNeeded'])

    def test_an_expiring_api_token_shows_on_its_connections(self):
        acc = self.add_account('acme', token_expires_at=now() + 2 * DAY)
        srv = self.add_server('wiki')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        self.client.renew(conn)
        self.assertEqual(self.client.props(acc)['Status'], 'expiring')
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['AttentionNeeded']), ('valid', True))
        # A new token with a later expiry: the connection is fine again.
        self.client.replace_token(acc, self.sc.token('acme'), now() + 90 * DAY)
        self.assertFalse(self.client.props(conn)['AttentionNeeded'])

    def test_a_stale_error_clears_when_its_credential_is_replaced(self):
        acc = self.add_account('acme')
        srv = self.client.add_server('jira', self.fake.server_url('jira'), 'pat', '',
                                     secret('stalepat'), 0, check=False)
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'), check=False)
        self.renewal_fails(conn, 'ServerAuthFailed')
        self.assertTrue(self.client.props(conn)['AttentionNeeded'])
        # Replacing the PAT by one that checks good fixes the cause: the
        # connection's error goes at once, not only after the next renewal.
        self.client.replace_secret(srv, 'pat', '', self.sc.pat('jira'))
        p = self.client.props(conn)
        self.assertEqual((p['LastError'], p['AttentionNeeded'], p['RenewedAt']), ('', False, 0))
        # And that is recorded: a restart does not bring the error back.
        self.daemon.restart()
        p = self.client.props(conn)
        self.assertEqual((p['LastError'], p['AttentionNeeded']), ('', False))

    def test_an_error_of_the_other_credential_stays(self):
        acc = self.add_account('acme')
        srv = self.client.add_server('jira', self.fake.server_url('jira'), 'pat', '',
                                     secret('stalepat'), 0, check=False)
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'), check=False)
        self.renewal_fails(conn, 'ServerAuthFailed')
        # A check of the cloud account says nothing about the server's PAT.
        self.client.check(acc)
        p = self.client.props(conn)
        self.assertNotEqual(p['LastError'], '')
        self.assertTrue(p['AttentionNeeded'])


class TestArgumentErrors(ErrorCase):
    """The named errors about objects: NotFound, Exists, InUse, ConsentRequired."""

    def test_not_found(self):
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        ghost_srv = '/io/github/cmatoken/Servers/nope'
        ghost_acc = '/io/github/cmatoken/CloudAccounts/nope'
        self.add_fails(lambda: self.client.add_connection(ghost_srv, acc,
                                                          self.fake.site_url('acme')),
                       'NotFound')
        self.add_fails(lambda: self.client.add_connection(srv, ghost_acc,
                                                          self.fake.site_url('acme')),
                       'NotFound')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        self.renewal_fails(conn, 'NotFound', account=ghost_acc, refused=True)

    def test_wrong_kind_of_object(self):
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        self.add_fails(lambda: self.client.add_connection(acc, acc, self.fake.site_url('acme')),
                       'InvalidArgument', 'NotFound')
        self.add_fails(lambda: self.client.add_connection(srv, srv, self.fake.site_url('acme')),
                       'InvalidArgument', 'NotFound')
        self.add_fails(lambda: self.client.add_connection(
            '/io/github/cmatoken/Manager', acc, self.fake.site_url('acme')),
            'InvalidArgument', 'NotFound')
        self.add_fails(lambda: self.client.add_connection('/', acc, self.fake.site_url('acme')),
                       'InvalidArgument', 'NotFound')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        self.renewal_fails(conn, 'InvalidArgument', 'NotFound', account=srv, refused=True)
        self.renewal_fails(conn, 'InvalidArgument', 'NotFound', account=conn, refused=True)

    def test_errors_of_removed_objects(self):
        conn = self.add_connection('jira', 'acme')
        acc = self.client.props(conn)['CloudAccount']
        self.client.remove(conn)
        for call in (lambda: self.client.renew(conn), lambda: self.client.remove(conn)):
            with self.assertRaisesDBus('NotFound', 'org.freedesktop.DBus.Error.UnknownObject',
                                       'org.freedesktop.DBus.Error.UnknownMethod'):
                call()
        srv = self.find_server('jira')
        conn2 = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        self.assertNotEqual(conn2, '')

    def test_consent_is_checked_before_anything_else(self):
        conn = self.add_connection('jira', 'acme')
        before = self.fake.counters()
        self.renewal_fails(conn, 'ConsentRequired', consent=False, refused=True)
        self.assertEqual(self.fake.counters(), before)


if __name__ == '__main__':
    main()
