# test_naming.py: naming objects by id, object path, URL or email; missing and ambiguous names
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import (  # noqa: E402
    IFACE_ACCOUNT, IFACE_SERVER, CliTestCase, main, parse_table, secret, table_section)


class TestNaming(CliTestCase):

    def test_connection_by_id_path_and_server_url(self):
        conn = self.cli_add_connection('jira', 'acme')
        url = self.fake.server_url('jira')
        variants = [conn, conn.rsplit('/', 1)[1], url, url + '/', url.replace('http://', 'HTTP://')]
        for name in variants:
            with self.subTest(name=name):
                res = self.ctl('mark-renewed', name)
                self.assertCtl(res, 0, 'Recorded', stream='out')

    def test_server_url_is_normalised(self):
        srv = self.cli_add_server('jira')
        host_port, path = self.fake.server_url('jira').split('://', 1)[1].split('/', 1)
        res = self.ctl('check', 'HTTP://%s/%s//' % (host_port, path))
        self.assertCtl(res, 0, 'Jira server', stream='out')
        self.assertGreater(self.client.props(srv)['LastCheckedAt'], 0)

    def test_missing(self):
        self.cli_add_connection('jira', 'acme')
        for name, words in [('nosuchid', 'Nothing is called “nosuchid”'),
                            ('nobody@acme.test', 'Nothing is called “nobody@acme.test”'),
                            (self.fake.server_url('wiki'), 'Nothing is called'),
                            ('/io/github/cmatoken/Servers/nope', 'Nothing is called'),
                            ('/not/ours', 'Nothing is called'),
                            ('', 'Nothing is called')]:
            with self.subTest(name=name):
                res = self.ctl('remove', name)
                self.assertFailed(res, words, 'status')
        res = self.ctl('renew', 'nosuchid', '--allow-migrations-data-access')
        self.assertFailed(res, 'No connection is called “nosuchid”')

    def test_not_a_url(self):
        res = self.ctl('remove', 'ftp://x.example.com')
        self.assertFailed(res)
        res = self.ctl('remove', 'http://jira.example.com')
        self.assertFailed(res, 'https')

    def test_wrong_kind(self):
        acc = self.cli_add_account('acme')
        res = self.ctl('renew', acc, '--allow-migrations-data-access')
        self.assertFailed(res, 'No connection is called')
        self.assertEqual(self.fake.counters()['token_requests'], 0)

    def test_ambiguous_email_needs_the_site(self):
        first = self.cli_add_account('acme')
        # The same email on another site (stored without a check).
        res = self.ctl('add-cloud-account', 'admin@acme.test', self.fake.site_url('other'),
                       '--no-check', input=secret('ATATT-other') + '\n')
        self.assertCtl(res, 0, stream='out')
        second = '/io/github/cmatoken/CloudAccounts/' + self.new_id(res)
        res = self.ctl('check', 'admin@acme.test')
        self.assertFailed(res, 'could mean more than one thing', first, second)
        # email@site, by URL or as displayed
        res = self.ctl('check', 'admin@acme.test@' + self.fake.site_url('acme'))
        self.assertCtl(res, 0, ': valid', stream='out')
        shown = self.fake.site_url('other').split('://', 1)[1]
        res = self.ctl('remove', 'admin@acme.test@' + shown)
        self.assertCtl(res, 0, 'Removed cloud account admin@acme.test', stream='out')
        self.assertEqual(list(self.client.objects(IFACE_ACCOUNT)), [first])

    def test_add_connection_picks_the_account_of_the_site(self):
        self.cli_add_account('acme')
        res = self.ctl('add-cloud-account', 'admin@acme.test', self.fake.site_url('other'),
                       '--no-check', input=secret('ATATT-other') + '\n')
        other = '/io/github/cmatoken/CloudAccounts/' + self.new_id(res)
        self.cli_add_server('jira')
        res = self.ctl('add-connection', self.fake.server_url('jira'), 'admin@acme.test',
                       self.fake.site_url('other'), '--no-check')
        self.assertCtl(res, 0, stream='out')
        conn = '/io/github/cmatoken/Connections/' + self.new_id(res)
        self.assertEqual(self.client.props(conn)['CloudAccount'], other)

    def test_jira_and_confluence_on_one_url(self):
        url = self.fake.server_url('jira')
        res = self.ctl('add-server', 'jira', url, '--pat', '--no-check', input=secret('p1') + '\n')
        jira = '/io/github/cmatoken/Servers/' + self.new_id(res)
        res = self.ctl('add-server', 'confluence', url, '--pat', '--no-check',
                       input=secret('p2') + '\n')
        wiki = '/io/github/cmatoken/Servers/' + self.new_id(res)
        res = self.ctl('remove', url)
        self.assertFailed(res, 'could mean more than one thing', jira, wiki, 'Jira server',
                          'Confluence server')
        self.assertEqual(len(self.client.objects(IFACE_SERVER)), 2)
        res = self.ctl('remove', wiki.rsplit('/', 1)[1])
        self.assertCtl(res, 0, 'Removed Confluence server', stream='out')

    def test_server_with_two_connections(self):
        a = self.cli_add_connection('jira', 'acme')
        b = self.cli_add_connection('jira', 'other')
        res = self.ctl('mark-renewed', self.fake.server_url('jira'))
        self.assertFailed(res, 'could mean more than one thing', a, b)
        res = self.ctl('mark-renewed', b.rsplit('/', 1)[1])
        self.assertCtl(res, 0, stream='out')


class TestLabelsAndNames(CliTestCase):

    def host(self, name):
        return self.fake.server_url(name).split('://', 1)[1]

    def test_label_set_shown_used_cleared(self):
        conn = self.cli_add_connection('jira', 'acme')
        srv = self.client.props(conn)['Server']
        res = self.ctl('label', srv, '本番 Jira')
        self.assertCtl(res, 0, 'Labelled', '“本番 Jira”', stream='out')
        self.assertEqual(self.client.props(srv)['Label'], '本番 Jira')
        # Shown first in status (text and JSON).
        res = self.ctl('status')
        self.assertIn('本番 Jira', res.out)
        rows = parse_table(table_section(res.out, 'Servers'))
        self.assertEqual(rows[0]['LABEL'][0], '本番 Jira')
        self.assertEqual(self.json_object('servers', srv)['label'], '本番 Jira')
        # A label names the object, any case; for a connection, its server's label too.
        self.assertCtl(self.ctl('check', '本番 jira'), 0, 'Jira server', stream='out')
        self.assertCtl(self.ctl('mark-renewed', '本番 Jira'), 0, 'Recorded', stream='out')
        self.assertCtl(self.ctl('label', conn, 'Prod → acme'), 0, stream='out')
        self.assertCtl(self.ctl('mark-renewed', 'prod → ACME'), 0, 'Recorded', stream='out')
        # --clear.
        res = self.ctl('label', srv, '--clear')
        self.assertCtl(res, 0, 'Removed the label', stream='out')
        self.assertEqual(self.client.props(srv)['Label'], '')

    def test_bad_labels_and_usage(self):
        srv = self.cli_add_server('jira')
        res = self.ctl('label', srv, 'x' * 65)
        self.assertFailed(res, '64')
        self.assertEqual(self.client.props(srv)['Label'], '')
        self.assertUsage(self.ctl('label', srv), 'missing')
        self.assertUsage(self.ctl('label', srv, 'a', '--clear'), '--clear')

    def test_names_as_status_prints_them_and_fragments(self):
        jira = self.cli_add_connection('jira', 'acme')
        jira2 = self.cli_add_connection('jira2', 'acme')
        # The server's address without the scheme, as status prints it.
        res = self.ctl('mark-renewed', self.host('jira2'))
        self.assertCtl(res, 0, 'Recorded', stream='out')
        self.assertGreater(self.client.props(jira2)['RenewedAt'], 0)
        self.assertEqual(self.client.props(jira)['RenewedAt'], 0)
        # A unique part of it.
        self.assertCtl(self.ctl('mark-renewed', 'server/jira2'), 0, 'Recorded', stream='out')
        # A part that fits two: both are listed, nothing happens.
        res = self.ctl('mark-renewed', 'server/jira')
        self.assertFailed(res, 'more than one', jira.rsplit('/', 1)[1], jira2.rsplit('/', 1)[1])
        self.assertEqual(self.client.props(jira)['RenewedAt'], 0)

    def test_a_server_id_where_a_connection_is_wanted(self):
        conn = self.cli_add_connection('jira', 'acme')
        srv = self.client.props(conn)['Server']
        res = self.ctl('mark-renewed', srv.rsplit('/', 1)[1])
        self.assertFailed(res, 'not a connection', conn.rsplit('/', 1)[1])
        self.assertEqual(self.client.props(conn)['RenewedAt'], 0)


if __name__ == '__main__':
    main()
