# test_renew.py: renew (progress, consent, change account, Ctrl+C), mark-renewed, auto-renew, check, replace-secret, remove
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import (  # noqa: E402
    DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, CliTestCase, ctl_env, ctl_path, main, now,
    parse_table, scaled, secret, table_section)
from cmtharness import IFACE_MANAGER, MANAGER_PATH, Keyring  # noqa: E402


class TestRenew(CliTestCase):

    def test_renew_end_to_end(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - 18 * DAY)
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')
        start = now()
        res = self.ctl('renew', self.fake.server_url('jira'), '--allow-migrations-data-access')
        self.assertCtl(res, 0, 'Creating an auth token at Atlassian…',
                       'Saving it on %s…' % self.fake.server_url('jira').split('://', 1)[1])
        self.assertLess(res.err.index('Creating'), res.err.index('Saving'))
        self.assertIn('Renewed: the JCMA token on', res.out)
        props = self.client.props(conn)
        self.assertEqual(props['Status'], 'valid')
        self.assertGreaterEqual(props['RenewedAt'], start)
        holds = self.fake.holds('jira')
        self.assertEqual([h['cloudUrl'] for h in holds], [self.fake.site_url('acme')])
        self.assertEqual(holds[0]['email'], 'admin@acme.test')
        c = self.json_object('connections', conn)
        self.assertEqual(c['renewed_at'], props['RenewedAt'])
        self.assertEqual(c['status'], 'valid')

    def test_renew_without_consent_changes_nothing(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - 18 * DAY)
        before = self.client.props(conn)
        res = self.ctl('renew', conn)
        self.assertUsage(res, '--allow-migrations-data-access')
        self.assertEqual(self.fake.counters()['token_requests'], 0)
        self.assertEqual(self.fake.holds('jira'), [])
        self.assertEqual(self.client.props(conn)['RenewedAt'], before['RenewedAt'])

    def test_renew_as_another_account(self):
        conn = self.cli_add_connection('wiki', 'acme')
        other = self.cli_add_account('acme', 'admin2@acme.test')
        res = self.ctl('renew', conn.rsplit('/', 1)[1], '--allow-migrations-data-access',
                       '--cloud-account', 'admin2@acme.test')
        self.assertCtl(res, 0, 'Renewed: the CCMA token', stream='out')
        self.assertEqual(self.client.props(conn)['CloudAccount'], other)
        self.assertEqual(self.fake.holds('wiki')[0]['email'], 'admin2@acme.test')
        self.assertEqual(self.json_object('connections', conn)['cloud_account_email'],
                         'admin2@acme.test')

    def test_renew_with_an_unknown_account(self):
        conn = self.cli_add_connection('jira', 'acme')
        res = self.ctl('renew', conn, '--allow-migrations-data-access', '--cloud-account',
                       'nobody@acme.test')
        self.assertFailed(res, 'No cloud account is called “nobody@acme.test”')
        self.assertEqual(self.fake.counters()['token_requests'], 0)

    def test_renew_failure_shows_the_service_message(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - 18 * DAY)
        self.rotate_token('acme')
        res = self.ctl('renew', conn, '--allow-migrations-data-access')
        self.assertFailed(res)
        last_error = self.client.props(conn)['LastError']
        self.assertTrue(last_error)
        self.assertIn('Creating an auth token at Atlassian…', res.err)
        self.assertEqual(self.fake.holds('jira'), [])
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')

    def test_a_renewal_only_the_assistant_can_do_says_what_next(self):
        # An assistant too old for the Migration API: renew by hand, then record it.
        conn = self.cli_add_connection('oldjira', 'acme')
        cid = conn.rsplit('/', 1)[1]
        res = self.ctl('renew', cid, '--allow-migrations-data-access')
        self.assertFailed(res)
        self.assertIn('cmatokenctl open %s' % cid, res.err)
        self.assertIn('cmatokenctl mark-renewed %s' % cid, res.err)
        # A transient failure does not send the admin to the browser.
        conn2 = self.cli_add_connection('jira', 'acme')
        self.fake.add_fault({'endpoint': 'save', 'status': 503, 'count': 1})
        res = self.ctl('renew', conn2.rsplit('/', 1)[1], '--allow-migrations-data-access')
        self.assertFailed(res)
        self.assertNotIn('mark-renewed', res.err)

    def test_future_or_too_old_messages_name_no_api_detail(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - DAY)
        for when in (now() + 3 * DAY, -5):
            with self.subTest(when=when):
                res = self.ctl('mark-renewed', conn, '--at', str(when))
                self.assertNotIn('or 0', res.err)
                self.assertNotIn('seconds since', res.err)

    def test_ctrl_c_cancels(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - 18 * DAY)
        before = self.client.props(conn)['RenewedAt']
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': 15000, 'count': 1})
        proc, files = self.ctl_start('renew', conn, '--allow-migrations-data-access')
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Renewing', True, timeout=30)
        # The handler is installed before the call goes out; give the CLI its first step line.
        deadline = time.monotonic() + scaled(10)
        while time.monotonic() < deadline:
            files[1].seek(0)
            if b'Creating' in files[1].read():
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        res = self.ctl_wait(proc, files, timeout=60)
        self.assertFailed(res, 'Cancelling the renewal')
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Renewing', False, timeout=30)
        self.assertEqual(self.client.props(conn)['RenewedAt'], before)
        self.assertEqual(self.fake.holds('jira'), [])


class TestMarkRenewed(CliTestCase):

    def test_now(self):
        conn = self.cli_add_connection('jira', 'acme')
        start = now()
        res = self.ctl('mark-renewed', conn)
        self.assertCtl(res, 0, 'Recorded: the JCMA token on', 'valid until', stream='out')
        props = self.client.props(conn)
        self.assertGreaterEqual(props['RenewedAt'], start)
        self.assertEqual(props['Status'], 'valid')

    def test_at_a_date(self):
        conn = self.cli_add_connection('wiki', 'acme')
        day = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
        res = self.ctl('mark-renewed', self.fake.server_url('wiki'), '--at', day)
        self.assertCtl(res, 0, stream='out')
        d = datetime.date.fromisoformat(day)
        midnight = int(time.mktime(datetime.datetime(d.year, d.month, d.day).timetuple()))
        self.assertEqual(self.client.props(conn)['RenewedAt'], midnight)

    def test_future_or_too_old_is_refused(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - DAY)
        before = self.client.props(conn)['RenewedAt']
        for when in (now() + 3 * DAY, now() - 30 * DAY):
            with self.subTest(when=when):
                res = self.ctl('mark-renewed', conn, '--at', str(when))
                self.assertFailed(res)
        self.assertEqual(self.client.props(conn)['RenewedAt'], before)


class TestAutoRenew(CliTestCase):

    def test_on_and_off(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - DAY)
        res = self.ctl('auto-renew', conn, 'on', '--allow-migrations-data-access')
        self.assertCtl(res, 0, 'Automatic renewal is on', stream='out')
        c = self.json_object('connections', conn)
        self.assertTrue(c['auto_renew'])
        self.assertGreater(c['auto_renew_consent_at'], 0)
        res = self.ctl('status')
        rows = parse_table(table_section(res.out, 'Connections'))
        self.assertEqual(rows[0]['AUTO-RENEW'][0], 'on')
        res = self.ctl('auto-renew', conn, 'off')
        self.assertCtl(res, 0, 'Automatic renewal is off', stream='out')
        c = self.json_object('connections', conn)
        self.assertFalse(c['auto_renew'])

    def test_on_needs_consent(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - DAY)
        res = self.ctl('auto-renew', conn, 'on')
        self.assertUsage(res, '--allow-migrations-data-access')
        self.assertFalse(self.client.props(conn)['AutoRenew'])


class TestCheck(CliTestCase):

    def test_check_account_and_server(self):
        acc = self.cli_add_account('acme')
        srv = self.cli_add_server('jira')
        before = self.fake.counters()
        res = self.ctl('check', 'admin@acme.test')
        self.assertCtl(res, 0, 'cloud account admin@acme.test on', ': valid', stream='out')
        res = self.ctl('check', self.fake.server_url('jira'))
        self.assertCtl(res, 0, 'Jira server', ': valid', stream='out')
        after = self.fake.counters()
        self.assertGreater(after['cloud-myself'], before['cloud-myself'])
        self.assertGreater(after['server-myself'], before['server-myself'])
        self.assertGreater(self.client.props(acc)['LastCheckedAt'], 0)
        self.assertGreater(self.client.props(srv)['LastCheckedAt'], 0)

    def test_check_a_connection_checks_both(self):
        conn = self.cli_add_connection('wiki', 'acme')
        before = self.fake.counters()
        res = self.ctl('check', conn)
        self.assertCtl(res, 0, 'cloud account admin@acme.test', 'Confluence server', stream='out')
        after = self.fake.counters()
        self.assertGreater(after['cloud-myself'], before['cloud-myself'])
        self.assertGreater(after['server-myself'], before['server-myself'])

    def test_check_a_bad_credential(self):
        res = self.ctl('add-server', 'jira', self.fake.server_url('jira'), '--pat', '--no-check',
                       input=secret('badpat') + '\n')
        self.assertCtl(res, 0, stream='out')
        res = self.ctl('check', self.fake.server_url('jira'))
        self.assertEqual(res.rc, 1, res)
        self.assertTrue(res.out + res.err)
        self.assertEqual(list(self.client.objects(IFACE_SERVER).values())[0]['Status'], 'invalid')


class TestReplaceSecret(CliTestCase):

    def test_replace_account_token(self):
        acc = self.cli_add_account('acme')
        new_token = self.rotate_token('acme')
        when = now() + 100 * DAY
        res = self.ctl('replace-secret', 'admin@acme.test', '--expires', str(when),
                       input=new_token + '\n')
        self.assertCtl(res, 0, 'Replaced the secret of cloud account admin@acme.test', stream='out')
        self.assertEqual(self.client.props(acc)['TokenExpiresAt'], when)
        tokens = [self.keyring.secret_of(i['path']) for i in self.keyring.items()]
        self.assertIn(new_token, tokens)
        self.assertNotIn(self.sc.token('acme'), tokens)

    def test_replace_server_secret_switching_to_basic(self):
        srv = self.cli_add_server('jira', 'pat')
        user = self.sc.server_user('jira')
        res = self.ctl('replace-secret', srv, '--basic', user['username'],
                       input=user['password'] + '\n')
        self.assertCtl(res, 0, 'Replaced the secret of Jira server', stream='out')
        props = self.client.props(srv)
        self.assertEqual(props['AuthKind'], 'basic')
        self.assertEqual(props['Username'], user['username'])

    def test_wrong_new_token_keeps_the_old_one(self):
        acc = self.cli_add_account('acme')
        res = self.ctl('replace-secret', acc, input=secret('wrong') + '\n')
        self.assertFailed(res)
        tokens = [self.keyring.secret_of(i['path']) for i in self.keyring.items()]
        self.assertIn(self.sc.token('acme'), tokens)

    def test_options_for_servers_only(self):
        self.cli_add_account('acme')
        res = self.ctl('replace-secret', 'admin@acme.test', '--pat', input='x\n')
        self.assertUsage(res, 'for servers')


class TestRemove(CliTestCase):

    def test_remove_in_order(self):
        conn = self.cli_add_connection('jira', 'acme')
        res = self.ctl('remove', 'admin@acme.test')
        self.assertFailed(res)
        self.assertEqual(len(self.client.objects(IFACE_ACCOUNT)), 1)
        res = self.ctl('remove', conn)
        self.assertCtl(res, 0, 'Removed JCMA connection', stream='out')
        res = self.ctl('remove', 'admin@acme.test')
        self.assertCtl(res, 0, 'Removed cloud account admin@acme.test', stream='out')
        res = self.ctl('remove', self.fake.server_url('jira'))
        self.assertCtl(res, 0, 'Removed Jira server', stream='out')
        self.assertEqual(self.client.objects(IFACE_CONNECTION), {})
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})
        self.assertEqual(self.client.objects(IFACE_SERVER), {})
        self.assertEqual(self.keyring.items(), [])


class TestRenewMany(CliTestCase):
    """renew --expiring | --all [--dry-run]: every connection that needs it in
    one go, a line each, exit 1 if any failed."""

    def three(self):
        t = now()
        self.valid = self.cli_add_connection('jira', 'acme', renewed_at=t - 2 * DAY)
        self.expiring = self.cli_add_connection('wiki', 'acme', renewed_at=t - 18 * DAY)
        self.never = self.cli_add_connection('jira2', 'acme')
        self.assertEqual([self.client.props(c)['Status'] for c in (self.valid, self.expiring, self.never)],
                         ['valid', 'expiring', 'unknown'])

    def test_usage(self):
        self.assertUsage(self.ctl('renew', '--expiring', '--all', '--allow-migrations-data-access'), 'not both')
        self.assertUsage(self.ctl('renew', 'x', '--expiring', '--allow-migrations-data-access'), 'not both')
        self.assertUsage(self.ctl('renew', '--dry-run', 'x'), '--dry-run goes with')
        self.assertUsage(self.ctl('renew', '--allow-migrations-data-access'), 'Some arguments are missing',
                         '--expiring')
        self.assertUsage(self.ctl('renew', '--expiring', '--cloud-account', 'a@b.c',
                                  '--allow-migrations-data-access'), '--cloud-account goes with one')
        self.assertUsage(self.ctl('renew', '--expiring'), '--allow-migrations-data-access')

    def test_dry_run_sends_nothing(self):
        self.three()
        res = self.ctl('renew', '--expiring', '--dry-run')
        self.assertCtl(res, 0, 'Would renew: CCMA', 'Would renew: JCMA',
                       '2 connections would be renewed; nothing was sent.', stream='out')
        self.assertEqual(len([l for l in res.out.splitlines() if l.startswith('Would renew')]), 2)
        self.assertIn(self.fake.server_url('jira2').split('://', 1)[1], res.out)
        self.assertNotIn(self.fake.server_url('jira').split('://', 1)[1] + ' ', res.out)
        self.assertEqual(self.fake.counters()['token_requests'], 0)
        res = self.ctl('renew', '--all', '--dry-run')
        self.assertCtl(res, 0, '3 connections would be renewed', stream='out')

    def test_expiring_renews_what_needs_it(self):
        self.three()
        before = self.client.props(self.valid)['RenewedAt']
        start = now()
        res = self.ctl('renew', '--expiring', '--allow-migrations-data-access')
        self.assertCtl(res, 0, 'Renewing 2 connections…')
        self.assertIn('2 renewed, 0 failed.', res.out)
        self.assertEqual(len([l for l in res.out.splitlines() if l.startswith('Renewed: ')]), 2, res.out)
        for conn in (self.expiring, self.never):
            p = self.client.props(conn)
            self.assertEqual(p['Status'], 'valid')
            self.assertGreaterEqual(p['RenewedAt'], start)
        self.assertEqual(self.client.props(self.valid)['RenewedAt'], before)
        self.assertEqual(self.fake.counters()['token_requests'], 2)
        # Nothing left to do.
        res = self.ctl('renew', '--expiring', '--allow-migrations-data-access')
        self.assertCtl(res, 0, 'No connection needs renewing', stream='out')

    def test_a_mixed_batch_fails_with_each_reason(self):
        self.three()
        old = self.cli_add_connection('oldjira', 'acme')
        res = self.ctl('renew', '--all', '--allow-migrations-data-access')
        self.assertEqual(res.rc, 1, res)
        self.assertIn('3 renewed, 1 failed.', res.out)
        failed = [l for l in res.out.splitlines() if l.startswith('Failed: ')]
        self.assertEqual(len(failed), 1, res.out)
        self.assertIn(self.fake.server_url('oldjira').split('://', 1)[1], failed[0])
        self.assertIn('Cloud Migration Assistant', failed[0])
        self.assertTrue(self.client.props(old)['AttentionNeeded'])
        self.assertEqual(self.client.props(self.valid)['Status'], 'valid')


class TestRemoveAll(CliTestCase):
    """remove --all: every object and its credential, after a question on a
    terminal (or --yes); items no record names are kept and reported."""

    def add_everything(self):
        self.cli_add_connection('jira', 'acme')
        self.cli_add_connection('wiki', 'acme')
        self.cli_add_account('other')
        self.assertEqual(len(self.client.objects(IFACE_CONNECTION)), 2)
        self.assertEqual(len(self.keyring.items()), 4)

    def assertEverythingStays(self):
        self.assertEqual(len(self.client.objects(IFACE_CONNECTION)), 2)
        self.assertEqual(len(self.client.objects(IFACE_ACCOUNT)), 2)
        self.assertEqual(len(self.client.objects(IFACE_SERVER)), 2)
        self.assertEqual(len(self.keyring.items()), 4)

    def ctl_on_tty(self, *args, answer):
        """Runs cmatokenctl with a terminal as its standard input, and types @answer."""
        master, slave = os.openpty()
        try:
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            proc = subprocess.Popen([ctl_path()] + list(args), stdin=slave, stdout=out, stderr=err,
                                    env=ctl_env())
            os.write(master, answer.encode())
            return self.ctl_wait(proc, (out, err))
        finally:
            os.close(slave)
            os.close(master)

    def test_without_yes_and_without_a_terminal_nothing_is_removed(self):
        self.add_everything()
        self.assertUsage(self.ctl('remove', '--all'), '--yes')
        self.assertEverythingStays()

    def test_arguments(self):
        self.assertUsage(self.ctl('remove', '--all', 'admin@acme.test'), 'not both')
        self.assertUsage(self.ctl('remove', '--yes', 'admin@acme.test'), '--yes goes with --all')
        self.assertUsage(self.ctl('remove'), 'Some arguments are missing', '--all')

    def test_yes_removes_everything_and_its_credentials(self):
        self.add_everything()
        res = self.ctl('remove', '--all', '--yes')
        self.assertCtl(res, 0, 'Removed JCMA connection', 'Removed CCMA connection',
                       'Removed Jira server', 'Removed Confluence server',
                       'Removed cloud account admin@acme.test', 'Removed cloud account admin@other.test',
                       stream='out')
        # Connections first: nothing is removed while something refers to it.
        kinds = [line.split()[2] for line in res.out.splitlines()]
        self.assertEqual(kinds, ['connection'] * 2 + ['server'] * 2 + ['account'] * 2, res.out)
        self.assertNotIn('secret-tool', res.out)
        self.assertEqual(self.client.objects(IFACE_CONNECTION), {})
        self.assertEqual(self.client.objects(IFACE_SERVER), {})
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})
        self.assertEqual(self.keyring.items(), [])
        # Nothing left: it says so, and succeeds.
        self.assertCtl(self.ctl('remove', '--all', '--yes'), 0, 'stores no connection', stream='out')

    def test_a_terminal_is_asked_first(self):
        self.add_everything()
        res = self.ctl_on_tty('remove', '--all', answer='n\n')
        self.assertCtl(res, 1, 'Forget 2 connections, 2 servers and 2 cloud accounts',
                       'Nothing was removed.', stream='out')
        self.assertEverythingStays()
        res = self.ctl_on_tty('remove', '--all', answer='\n')
        self.assertEqual(res.rc, 1)
        self.assertEverythingStays()
        res = self.ctl_on_tty('remove', '--all', answer='y\n')
        self.assertCtl(res, 0, 'Removed Jira server', stream='out')
        self.assertEqual(self.keyring.items(), [])

    def test_items_no_record_names_are_kept_and_reported(self):
        self.cli_add_account('acme')
        ghost = secret('orphan')
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': 'Ghost0rphan', 'slot': 'x1'},
                                 'cmatoken: orphan', ghost)
        self.addCleanup(self.keyring.delete_all)
        # The service counts them when it starts.
        self.daemon.restart()
        self.client.wait_until(
            lambda: self.client.get_property(MANAGER_PATH, IFACE_MANAGER, 'StrayKeyringItems') == 1, 10,
                               'the unnamed item to be counted')
        res = self.ctl('remove', '--all', '--yes')
        self.assertCtl(res, 0, 'Removed cloud account admin@acme.test',
                       'The keyring still holds 1 cmatoken item',
                       'secret-tool clear xdg:schema io.github.cmatoken.Credential', stream='out')
        self.assertEqual(len(self.keyring.items()), 1)
        self.assertEqual(len(self.keyring.items(object='Ghost0rphan')), 1)


if __name__ == '__main__':
    main()
