# test_add.py: adding accounts, servers and connections with cmatokenctl; secrets only from stdin
import datetime
import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import (  # noqa: E402
    DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, CliTestCase, ctl_env, ctl_path, main,
    now, scaled, secret)


def local_end_of_day(date_text):
    d = datetime.date.fromisoformat(date_text)
    nxt = datetime.datetime(d.year, d.month, d.day) + datetime.timedelta(days=1)
    return int(time.mktime(nxt.timetuple())) - 1


def local_midnight(date_text):
    d = datetime.date.fromisoformat(date_text)
    return int(time.mktime(datetime.datetime(d.year, d.month, d.day).timetuple()))


class TestAddAccount(CliTestCase):

    def test_add_checked(self):
        before = self.fake.counters()
        path = self.cli_add_account('acme', expires=False)
        self.assertGreater(self.fake.counters()['cloud-myself'], before['cloud-myself'])
        props = self.client.props(path)
        self.assertEqual(props['Email'], 'admin@acme.test')
        self.assertEqual(props['SiteUrl'], self.fake.site_url('acme'))
        self.assertEqual(props['DisplayName'], 'Ada Admin')
        self.assertEqual(props['TokenExpiresAt'], 0)
        # The token went to the keyring, as typed (no newline).
        items = self.keyring.items()
        self.assertTrue(any(self.keyring.secret_of(i['path']) == self.sc.token('acme') for i in items))

    def test_expires_is_the_end_of_that_day(self):
        day = (datetime.date.today() + datetime.timedelta(days=200)).isoformat()
        path = self.cli_add_account('acme', None, '--expires', day)
        self.assertEqual(self.client.props(path)['TokenExpiresAt'], local_end_of_day(day))

    def test_expires_as_timestamp(self):
        when = now() + 300 * DAY
        path = self.cli_add_account('acme', None, '--expires', str(when))
        self.assertEqual(self.client.props(path)['TokenExpiresAt'], when)

    def test_crlf_line_ending_is_stripped(self):
        u = self.sc.user('acme')
        res = self.ctl('add-cloud-account', u['email'], self.fake.site_url('acme'),
                       input=u['api_token'] + '\r\n')
        self.assertCtl(res, 0, stream='out')

    def test_only_the_first_line_is_the_secret(self):
        u = self.sc.user('acme')
        res = self.ctl('add-cloud-account', u['email'], self.fake.site_url('acme'),
                       input=u['api_token'] + '\nsomething else\n')
        self.assertCtl(res, 0, stream='out')

    def test_wrong_token_is_refused(self):
        res = self.ctl('add-cloud-account', 'admin@acme.test', self.fake.site_url('acme'),
                       input=secret('wrong') + '\n')
        self.assertFailed(res)
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})

    def test_no_check_stores_without_asking(self):
        before = self.fake.counters()
        res = self.ctl('add-cloud-account', 'admin@acme.test', self.fake.site_url('acme'),
                       '--no-check', input=secret('unchecked') + '\n')
        self.assertCtl(res, 0, stream='out')
        self.assertEqual(self.fake.counters()['cloud-myself'], before['cloud-myself'])
        self.assertEqual(len(self.client.objects(IFACE_ACCOUNT)), 1)

    def test_no_secret(self):
        for stdin in (None, '', '\n'):
            with self.subTest(stdin=stdin):
                res = self.ctl('add-cloud-account', 'admin@acme.test', self.fake.site_url('acme'),
                               input=stdin)
                self.assertFailed(res, 'No secret was given')
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})

    def test_secret_too_long_or_not_text(self):
        res = self.ctl('add-cloud-account', 'admin@acme.test', self.fake.site_url('acme'),
                       input='x' * 9000 + '\n')
        self.assertFailed(res, 'longer than')
        proc = subprocess.run([ctl_path(), 'add-cloud-account', 'admin@acme.test',
                               self.fake.site_url('acme')], input=b'\xff\xfe\x00bad\n',
                              capture_output=True, env=ctl_env(), timeout=60)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b'not valid text', proc.stderr)
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})

    def test_duplicate_is_refused(self):
        self.cli_add_account('acme')
        u = self.sc.user('acme')
        res = self.ctl('add-cloud-account', u['email'], self.fake.site_url('acme'),
                       input=u['api_token'] + '\n')
        self.assertFailed(res)
        self.assertEqual(len(self.client.objects(IFACE_ACCOUNT)), 1)

    def test_bad_url_is_refused_by_the_service(self):
        for url in ('ftp://acme.example.com', 'https://user:pw@acme.example.com', 'not a url'):
            with self.subTest(url=url):
                res = self.ctl('add-cloud-account', 'admin@acme.test', url, '--no-check',
                               input=secret('t') + '\n')
                self.assertFailed(res)
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})

    def test_prompt_on_a_terminal_does_not_echo(self):
        """On a terminal the token is typed at a prompt with echo off."""
        u = self.sc.user('acme')
        master, slave = os.openpty()
        proc = subprocess.Popen([ctl_path(), 'add-cloud-account', u['email'],
                                 self.fake.site_url('acme')],
                                stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                                env=ctl_env())
        os.close(slave)
        seen = b''
        deadline = time.monotonic() + scaled(30)
        while b'API token for admin@acme.test: ' not in seen:
            self.assertLess(time.monotonic(), deadline, 'no prompt; saw %r' % seen)
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                seen += os.read(master, 4096)
        os.write(master, u['api_token'].encode() + b'\n')
        while proc.poll() is None or select.select([master], [], [], 0)[0]:
            self.assertLess(time.monotonic(), deadline + scaled(30), 'no exit; saw %r' % seen)
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
        out = proc.stdout.read().decode()
        proc.stdout.close()
        os.close(master)
        self.assertEqual(proc.wait(), 0, seen)
        self.assertIn('Added cloud account', out)
        self.assertNotIn(u['api_token'].encode(), seen)
        self.assertEqual(len(self.client.objects(IFACE_ACCOUNT)), 1)


class TestAddServer(CliTestCase):

    def test_add_pat(self):
        path = self.cli_add_server('jira', 'pat')
        props = self.client.props(path)
        self.assertEqual(props['Product'], 'jira')
        self.assertEqual(props['BaseUrl'], self.fake.server_url('jira'))
        self.assertEqual(props['AuthKind'], 'pat')
        self.assertEqual(props['Username'], '')

    def test_add_basic(self):
        path = self.cli_add_server('wiki', 'basic')
        props = self.client.props(path)
        self.assertEqual(props['Product'], 'confluence')
        self.assertEqual(props['AuthKind'], 'basic')
        self.assertEqual(props['Username'], 'cadmin')

    def test_expires(self):
        day = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()
        path = self.cli_add_server('jira', 'pat', '--expires', day)
        self.assertEqual(self.client.props(path)['SecretExpiresAt'], local_end_of_day(day))

    def test_wrong_pat_is_refused(self):
        res = self.ctl('add-server', 'jira', self.fake.server_url('jira'), '--pat',
                       input=secret('badpat') + '\n')
        self.assertFailed(res)
        self.assertEqual(self.client.objects(IFACE_SERVER), {})

    def test_no_check(self):
        res = self.ctl('add-server', 'jira', self.fake.server_url('jira'), '--pat', '--no-check',
                       input=secret('badpat') + '\n')
        self.assertCtl(res, 0, stream='out')
        self.assertEqual(len(self.client.objects(IFACE_SERVER)), 1)

    def test_insecure_url_is_refused(self):
        res = self.ctl('add-server', 'jira', 'http://jira.example.com', '--pat', '--no-check',
                       input=secret('p') + '\n')
        self.assertFailed(res, 'https')
        self.assertEqual(self.client.objects(IFACE_SERVER), {})


class TestAddConnection(CliTestCase):

    def test_add_by_url_and_email(self):
        acc = self.cli_add_account('acme')
        srv = self.cli_add_server('jira')
        res = self.ctl('add-connection', self.fake.server_url('jira') + '/', 'admin@acme.test')
        self.assertCtl(res, 0, 'Added JCMA connection', stream='out')
        conn = '/io/github/cmatoken/Connections/' + self.new_id(res)
        props = self.client.props(conn)
        self.assertEqual(props['Server'], srv)
        self.assertEqual(props['CloudAccount'], acc)
        # Without a site: the account's own.
        self.assertEqual(props['CloudSiteUrl'], self.fake.site_url('acme'))
        self.assertEqual(props['RenewedAt'], 0)

    def test_add_by_ids_with_renewed_at(self):
        acc = self.cli_add_account('acme')
        srv = self.cli_add_server('wiki')
        when = now() - 4 * DAY
        res = self.ctl('add-connection', srv.rsplit('/', 1)[1], acc.rsplit('/', 1)[1],
                       self.fake.site_url('acme'), '--renewed-at', str(when))
        self.assertCtl(res, 0, 'Added CCMA connection', stream='out')
        props = self.client.props('/io/github/cmatoken/Connections/' + self.new_id(res))
        self.assertEqual(props['RenewedAt'], when)
        self.assertEqual(props['ExpiresAt'], when + 21 * DAY)
        self.assertEqual(props['Status'], 'valid')

    def test_renewed_at_date_is_local_midnight(self):
        day = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()
        self.cli_add_account('acme')
        self.cli_add_server('jira')
        res = self.ctl('add-connection', self.fake.server_url('jira'), 'admin@acme.test',
                       '--renewed-at', day)
        self.assertCtl(res, 0, stream='out')
        props = self.client.props('/io/github/cmatoken/Connections/' + self.new_id(res))
        self.assertEqual(props['RenewedAt'], local_midnight(day))

    def test_duplicate_is_refused(self):
        self.cli_add_connection('jira', 'acme')
        res = self.ctl('add-connection', self.fake.server_url('jira'), 'admin@acme.test')
        self.assertFailed(res)
        self.assertEqual(len(self.client.objects(IFACE_CONNECTION)), 1)

    def test_unknown_server_or_account(self):
        self.cli_add_account('acme')
        res = self.ctl('add-connection', self.fake.server_url('jira'), 'admin@acme.test')
        self.assertFailed(res, 'No server is called')
        self.cli_add_server('jira')
        res = self.ctl('add-connection', self.fake.server_url('jira'), 'nobody@acme.test')
        self.assertFailed(res, 'No cloud account is called “nobody@acme.test”')
        self.assertEqual(self.client.objects(IFACE_CONNECTION), {})


if __name__ == '__main__':
    main()
