# test_inputs.py: bad input to every method gets a named error and changes nothing
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi.repository import GLib  # noqa: E402

from cmtharness import (  # noqa: E402
    IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_MANAGER, MANAGER_PATH, Hygiene, ServiceTestCase,
    main, now, secret)

MIB = 1024 * 1024


def bad_urls(port):
    """URLs every method must refuse, whatever the (loopback-allowing) environment."""
    return [
        '',
        ' ',
        'not a url',
        'acme.atlassian.net',                       # no scheme
        'http://example.com',                       # plain http, not loopback
        'http://acme.atlassian.net/site/acme',
        'ftp://127.0.0.1:%d/site/acme' % port,
        'file:///etc/passwd',
        'javascript:alert(1)',
        'https://',
        'https:///site/acme',
        'https://user:pw@acme.example.com',          # userinfo
        'http://admin@127.0.0.1:%d/site/acme' % port,
        'https://acme.example.com/?x=1',            # query
        'http://127.0.0.1:%d/site/acme?x=1' % port,
        'https://acme.example.com/#top',            # fragment
        'https://acme.example.com/a b',
        'https://acme.example.com/\n',
        'https://%s.example.com' % ('a' * MIB),     # huge
    ]


class TestInputs(ServiceTestCase):
    daemon_per_class = True

    def setUp(self):
        super().setUp()
        # Something already there, which bad input must leave alone.
        self.acc = self.add_account('acme')
        self.srv = self.add_server('jira')
        self.conn = self.client.add_connection(self.srv, self.acc, self.fake.site_url('acme'))
        self.client.renew(self.conn)
        self.fake.reset()

    def refused(self, fn, *names, what=''):
        names = names or ('InvalidArgument',)
        before = self.snapshot()
        counters = self.fake.counters()
        with self.assertRaisesDBus(*names) as cm:
            fn()
        msg = cm.exception.message
        self.assertNoSecrets(msg, 'the error message')
        self.assertLess(len(msg), 4096, 'an error message of %d bytes (%s)' % (len(msg), what))
        self.assertUnchanged(before)
        self.assertEqual(self.fake.counters(), counters, 'bad input reached the network (%s)'
                         % what)
        return cm.exception

    def test_add_cloud_account_bad_urls(self):
        tok = self.sc.token('acme', 'admin2@acme.test')
        for url in bad_urls(self.fake.port):
            for check in (True, False):
                self.refused(lambda: self.client.add_cloud_account(
                    'admin2@acme.test', url, tok, 0, check=check), what=url[:60])

    def test_add_cloud_account_not_a_cloud_site(self):
        # A typo or a look-alike never receives the API token.
        tok = self.sc.token('acme', 'admin2@acme.test')
        for url in ('https://acme.atlasian.net', 'https://acme.atlassian.net.evil.example',
                    'https://evil.example%2f.acme.atlassian.net', 'https://jira.example.com',
                    'https://acme.atlassian.net/wiki', 'https://acme.atlassian.net:8443'):
            for check in (True, False):
                e = self.refused(lambda: self.client.add_cloud_account(
                    'admin2@acme.test', url, tok, 0, check=check), what=url)
                self.assertTrue('atlassian.net' in e.message or 'percent' in e.message, e.message)

    def test_add_connection_not_a_cloud_site(self):
        for url in ('https://acme.atlasian.net', 'https://jira.example.com'):
            self.refused(lambda: self.client.add_connection(self.srv, self.acc, url, check=False),
                         what=url)

    def test_add_cloud_account_bad_email(self):
        tok = self.sc.token('acme', 'admin2@acme.test')
        site = self.fake.site_url('acme')
        for email in ('', ' ', 'no-at-sign', 'a\n@acme.test', 'x' * MIB + '@acme.test'):
            self.refused(lambda: self.client.add_cloud_account(email, site, tok, 0, check=False),
                         what=repr(email[:40]))

    def test_add_cloud_account_bad_token(self):
        site = self.fake.site_url('acme')
        huge = Hygiene.register(secret('hugetoken')) + 'x' * MIB
        for tok in ('', huge):
            self.refused(lambda: self.client.add_cloud_account('admin2@acme.test', site, tok, 0,
                                                               check=False),
                         what='token of %d bytes' % len(tok))
        self.refused(lambda: self.client.add_cloud_account(
            'admin2@acme.test', site, self.sc.token('acme', 'admin2@acme.test'), -5,
            check=False), what='negative expiry')

    def test_add_cloud_account_bad_options(self):
        site = self.fake.site_url('acme')
        tok = self.sc.token('acme', 'admin2@acme.test')
        for value in (GLib.Variant('s', 'false'), GLib.Variant('i', 0), GLib.Variant('as', [])):
            self.refused(lambda: self.client.add_cloud_account('admin2@acme.test', site, tok, 0,
                                                               check=value),
                         what='check=%s' % value.print_(True))

    def test_add_server_bad_urls(self):
        pat = self.sc.pat('jira2')
        for url in bad_urls(self.fake.port):
            for check in (True, False):
                self.refused(lambda: self.client.add_server('jira', url, 'pat', '', pat, 0,
                                                            check=check), what=url[:60])

    def test_add_server_bad_product_and_kind(self):
        url = self.fake.server_url('jira2')
        pat = self.sc.pat('jira2')
        for product in ('', 'bamboo', 'jira ', 'x' * MIB):
            self.refused(lambda: self.client.add_server(product, url, 'pat', '', pat, 0,
                                                        check=False), what=product[:20])
        for kind in ('', 'oauth', 'bearer', 'x' * MIB):
            self.refused(lambda: self.client.add_server('jira', url, kind, 'admin', pat, 0,
                                                        check=False), what=kind[:20])

    def test_add_server_bad_credentials(self):
        url = self.fake.server_url('wiki')
        pw = self.sc.server_user('wiki')['password']
        huge = Hygiene.register(secret('hugesecret')) + 'y' * MIB
        cases = [
            ('pat', '', ''),                       # empty PAT
            ('basic', '', pw),                     # basic without a username
            ('basic', 'cadmin', ''),               # basic without a password
            ('basic', 'x' * MIB, pw),              # huge username
            ('basic', 'cad\nmin', pw),             # control characters in a username
            ('pat', '', huge),                     # huge secret
        ]
        for kind, user, sec in cases:
            self.refused(lambda: self.client.add_server('confluence', url, kind, user, sec, 0,
                                                        check=False),
                         what='%s %r %d' % (kind, user[:10], len(sec)))
        self.refused(lambda: self.client.add_server('confluence', url, 'basic', 'cadmin', pw, -1,
                                                    check=False), what='negative expiry')

    def test_add_connection_bad_inputs(self):
        srv2 = self.add_server('jira2')
        for url in bad_urls(self.fake.port):
            self.refused(lambda: self.client.add_connection(srv2, self.acc, url), what=url[:60])
        for opts in ({'renewed_at': now() + 3600},
                     {'renewed_at': -1},
                     {'renewed_at': GLib.Variant('s', 'yesterday')},
                     {'check': GLib.Variant('s', 'no')}):
            self.refused(lambda: self.client.add_connection(srv2, self.acc,
                                                            self.fake.site_url('acme'), **opts),
                         what=repr(opts))
        for path in ('/io/github/cmatoken/Servers/' + 'a' * 100000,
                     '/io/github/cmatoken/Servers/x/y',
                     '/io/github/cmatoken/CloudAccounts'):
            self.refused(lambda: self.client.add_connection(path, self.acc,
                                                            self.fake.site_url('acme')),
                         'InvalidArgument', 'NotFound', what=path[:60])

    def test_renew_bad_options(self):
        self.refused(lambda: self.client.renew(self.conn, consent=GLib.Variant('s', 'true')),
                     'InvalidArgument', 'ConsentRequired', what='consent as a string')
        self.refused(lambda: self.client.renew(self.conn, consent=GLib.Variant('i', 1)),
                     'InvalidArgument', 'ConsentRequired', what='consent as an int')
        self.refused(lambda: self.client.renew(
            self.conn, extra={'cloud-account': GLib.Variant('s', self.acc)}),
            'InvalidArgument', what='cloud-account as a string')
        self.refused(lambda: self.client.renew(
            self.conn, extra={'cloud-account': GLib.Variant('o', '/')}),
            'InvalidArgument', 'NotFound', what='cloud-account /')

    def test_replace_with_bad_inputs(self):
        huge = Hygiene.register(secret('hugereplacement')) + 'z' * MIB
        for tok, exp in (('', 0), (huge, 0), (self.sc.token('acme'), -7)):
            self.refused(lambda: self.client.replace_token(self.acc, tok, exp),
                         what='ReplaceToken %d %d' % (len(tok), exp))
        for kind, user, sec in (('', '', self.sc.pat('jira')), ('oauth', '', self.sc.pat('jira')),
                                ('pat', '', ''), ('basic', '', 'pw'), ('pat', '', huge)):
            self.refused(lambda: self.client.replace_secret(self.srv, kind, user, sec),
                         what='ReplaceSecret %s %d' % (kind, len(sec)))

    def test_wrong_object_kinds_for_methods(self):
        # A method of another interface on an object: the bus refuses it, the daemon lives on.
        for path, iface, method in ((self.acc, IFACE_CONNECTION, 'CancelRenew'),
                                    (self.conn, IFACE_ACCOUNT, 'Check'),
                                    (MANAGER_PATH, IFACE_CONNECTION, 'Remove'),
                                    ('/io/github/cmatoken/Connections/nope', IFACE_CONNECTION,
                                     'CancelRenew')):
            self.refused(lambda: self.client.call(path, iface, method),
                         'org.freedesktop.DBus.Error.UnknownMethod',
                         'org.freedesktop.DBus.Error.UnknownObject',
                         'org.freedesktop.DBus.Error.UnknownInterface', 'NotFound',
                         what='%s.%s on %s' % (iface, method, path))

    def test_wrong_signatures(self):
        self.refused(lambda: self.client.call(MANAGER_PATH, IFACE_MANAGER, 'AddCloudAccount',
                                              GLib.Variant('(ss)', ('a', 'b'))),
                     'org.freedesktop.DBus.Error.InvalidArgs', what='short signature')
        self.refused(lambda: self.client.call(self.conn, IFACE_CONNECTION, 'MarkRenewed',
                                              GLib.Variant('(s)', ('now',))),
                     'org.freedesktop.DBus.Error.InvalidArgs', what='MarkRenewed(s)')

    def test_properties_are_read_only(self):
        with self.assertRaisesDBus('org.freedesktop.DBus.Error.PropertyReadOnly',
                                   'org.freedesktop.DBus.Error.InvalidArgs',
                                   'org.freedesktop.DBus.Error.AccessDenied'):
            self.client.call(self.conn, 'org.freedesktop.DBus.Properties', 'Set',
                             GLib.Variant('(ssv)', (IFACE_CONNECTION, 'RenewedAt',
                                                    GLib.Variant('x', 1))))

    def test_still_works_after_all_that(self):
        expires = self.client.renew(self.conn)
        self.assertEqual(self.client.props(self.conn)['ExpiresAt'], expires)


class TestApiBaseUrl(ServiceTestCase):
    autostart_daemon = False

    def test_api_base_url_only_on_loopback(self):
        # Never contacted: no connection exists, and the test makes no call
        # that would reach the Migration API.
        self.start_daemon(env={'CMATOKEN_API_BASE_URL': 'https://api.example.invalid/api'})
        self.client.wait_until(lambda: 'CMATOKEN_API_BASE_URL is ignored' in self.daemon.log_text(),
                               10, 'the daemon to say it ignores a remote API base URL')


if __name__ == '__main__':
    main()
