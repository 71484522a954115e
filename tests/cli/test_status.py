# test_status.py: `cmatokenctl status`: the tables (wide characters too), --json, exit code 3
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import (  # noqa: E402
    DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, CliTestCase, main, now, parse_table,
    secret, table_section)


class TestStatus(CliTestCase):

    def test_empty(self):
        res = self.ctl('status')
        self.assertCtl(res, 0, stream='out')
        self.assertEqual(res.out.count('None yet'), 3, res.out)
        data = self.status_json()
        self.assertEqual(data['connections'], [])
        self.assertEqual(data['cloud_accounts'], [])
        self.assertEqual(data['servers'], [])
        self.assertFalse(data['attention_needed'])
        self.assertEqual(data['service']['keyring_state'], 'unlocked')

    def test_valid_connection_is_fine(self):
        conn = self.cli_add_connection('jira', 'acme', renewed_at=now() - 2 * DAY)
        res = self.ctl('status')
        self.assertCtl(res, 0, stream='out')
        rows = parse_table(table_section(res.out, 'Connections'))
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row['ID'][0], conn.rsplit('/', 1)[1])
        self.assertEqual(row['ASSISTANT'][0], 'JCMA')
        self.assertEqual(row['STATUS'][0], 'valid')
        # The date in ISO 8601 and the days left.
        expires = self.status_json()['connections'][0]['expires_at']
        self.assertEqual(row['EXPIRY'][0], time.strftime('%Y-%m-%d', time.localtime(expires)) + ' (19 d)')
        self.assertEqual(row['AUTO-RENEW'][0], 'off')
        host = self.fake.server_url('jira').split('://', 1)[1]
        site = self.fake.site_url('acme').split('://', 1)[1]
        self.assertEqual(row['SERVER → CLOUD SITE'][0], '%s → %s' % (host, site))
        self.assertNotIn('need', res.out)

    def test_expired_needs_attention(self):
        self.cli_add_connection('jira', 'acme', renewed_at=now() - 23 * DAY)
        self.cli_add_connection('wiki', 'acme', renewed_at=now() - 18 * DAY)
        res = self.ctl('status')
        self.assertCtl(res, 3, stream='out')
        rows = parse_table(table_section(res.out, 'Connections'))
        # What needs attention first.
        self.assertEqual([r['STATUS'][0] for r in rows], ['expired', 'expiring'])
        self.assertRegex(rows[0]['EXPIRY'][0], r'^\d{4}-\d\d-\d\d \(2 d ago\)$')
        self.assertTrue(rows[0]['!'])
        self.assertRegex(rows[1]['EXPIRY'][0], r'^\d{4}-\d\d-\d\d \(3 d\)$')
        self.assertIn('need attention (marked “!”)', res.out)
        data = self.status_json()
        self.assertTrue(data['attention_needed'])
        expired = [c for c in data['connections'] if c['status'] == 'expired']
        self.assertEqual(len(expired), 1)
        self.assertTrue(expired[0]['attention_needed'])

    def test_summary_counts_each_connection_once(self):
        self.cli_add_connection('jira', 'acme', renewed_at=now() - 23 * DAY)    # expired
        self.cli_add_connection('wiki', 'acme', renewed_at=now() - 18 * DAY)    # this week
        self.cli_add_connection('jira2', 'acme', renewed_at=now() - 1 * DAY)    # valid
        conn = self.cli_add_connection('jira', 'other', renewed_at=now() - 2 * DAY)
        res = self.ctl('status')
        first = res.out.splitlines()[0]
        self.assertEqual(first, '1 expired · 1 expires this week · 2 valid')
        # The other site's API token is rotated at Atlassian: a connection that
        # looked valid cannot be renewed any more, and says so.
        acc = self.status_json()
        acc = [c for c in acc['connections'] if c['path'] == conn][0]['cloud_account']
        self.rotate_token('other')
        self.assertEqual(self.ctl('check', acc).rc, 1)
        res = self.ctl('status')
        self.assertCtl(res, 3, stream='out')
        self.assertEqual(res.out.splitlines()[0],
                         '1 expired · 1 cannot renew (API token rejected) · 1 expires this week · 1 valid')
        summary = self.status_json()['summary']
        self.assertEqual({k: v for k, v in summary.items() if k != 'text'},
                         {'expired': 1, 'cannot_renew': 1, 'expires_this_week': 1,
                          'never_renewed': 0, 'valid': 1})
        self.assertEqual(summary['text'], res.out.splitlines()[0])
        rows = parse_table(table_section(res.out, 'Connections'))
        blocked = [r for r in rows if r['ID'][0] == conn.rsplit('/', 1)[1]][0]
        self.assertTrue(blocked['!'])

    def test_attention_only(self):
        expired = self.cli_add_connection('jira', 'acme', renewed_at=now() - 23 * DAY)
        valid = self.cli_add_connection('wiki', 'acme', renewed_at=now() - 1 * DAY)
        res = self.ctl('status', '--attention')
        self.assertCtl(res, 3, stream='out')
        rows = parse_table(table_section(res.out, 'Connections'))
        self.assertEqual([r['ID'][0] for r in rows], [expired.rsplit('/', 1)[1]])
        # Sections with nothing to do are left out; the summary still counts all.
        self.assertNotIn('Cloud accounts', res.out)
        self.assertTrue(res.out.startswith('1 expired · 1 valid'), res.out)
        res = self.ctl('status', '--attention', '--json')
        paths = [c['path'] for c in json.loads(res.out)['connections']]
        self.assertEqual(paths, [expired])
        self.ctl('mark-renewed', expired)
        res = self.ctl('status', '--attention')
        self.assertCtl(res, 0, 'Nothing needs attention.', stream='out')
        self.assertNotIn(valid.rsplit('/', 1)[1], res.out)

    def test_tables_fit_the_terminal(self):
        acc = self.cli_add_account('acme')
        conn = self.cli_add_connection('jira', 'acme')
        self.rotate_token('acme')
        self.ctl('check', acc)
        long_error = self.client.props(acc)['LastError']
        self.assertGreater(len(long_error), 60)
        res = self.ctl('status', env={'COLUMNS': '100'})
        for line in res.out.splitlines():
            self.assertLessEqual(len(line), 100, line)
        self.assertIn('…', res.out)
        self.assertNotIn(long_error, res.out)
        # --wide, and any pipe without COLUMNS, get everything.
        for args, env in ((('status', '--wide'), {'COLUMNS': '100'}), (('status',), None)):
            res = self.ctl(*args, env=env)
            self.assertIn(long_error, res.out)
        self.assertIn(conn.rsplit('/', 1)[1], res.out)

    def test_json_names_the_error(self):
        acc = self.cli_add_account('acme')
        srv = self.cli_add_server('jira', 'pat')
        conn = self.new_id(self.ctl('add-connection', srv, acc))
        self.fake.add_fault({'endpoint': 'save', 'status': 401})
        self.assertEqual(self.ctl('renew', conn, '--allow-migrations-data-access').rc, 1)
        c = [c for c in self.status_json()['connections'] if c['id'] == conn][0]
        self.assertEqual(c['error_code'], 'io.github.cmatoken.Error.ServerAuthFailed')
        self.assertTrue(c['last_error'])
        # Cleared with the error.
        self.fake.clear_faults()
        self.ctl('mark-renewed', conn)
        c = [c for c in self.status_json()['connections'] if c['id'] == conn][0]
        self.assertEqual((c['error_code'], c['last_error']), ('', ''))

    def test_attention_on_a_credential(self):
        """An account whose token was rejected needs attention too."""
        acc = self.cli_add_account('acme')
        # The token is rotated at Atlassian: the stored one no longer works.
        self.rotate_token('acme')
        res = self.ctl('check', acc)
        self.assertEqual(res.rc, 1, res)
        data = self.status_json()
        account = [a for a in data['cloud_accounts'] if a['path'] == acc][0]
        self.assertEqual(account['status'], 'invalid')
        res = self.ctl('status')
        self.assertEqual(res.rc, 3 if account['attention_needed'] else 0)
        rows = parse_table(table_section(res.out, 'Cloud accounts'))
        self.assertEqual(rows[0]['STATUS'][0], 'invalid')
        self.assertTrue(rows[0]['LAST ERROR'][0])

    def test_json_matches_the_service(self):
        self.cli_add_connection('jira', 'acme', renewed_at=now() - 5 * DAY)
        self.cli_add_server('wiki', 'basic')
        data = self.status_json()
        objs = self.client.managed_objects()
        self.assertEqual(data['service']['container_token_lifetime'], 21 * DAY)
        self.assertEqual(data['service']['warn_before'], 5 * DAY)
        self.assertIsInstance(data['now'], int)

        (c,) = data['connections']
        props = objs[c['path']][IFACE_CONNECTION]
        self.assertEqual(c['id'], c['path'].rsplit('/', 1)[1])
        for key, prop in [('server', 'Server'), ('cloud_account', 'CloudAccount'),
                          ('product', 'Product'), ('cloud_site_url', 'CloudSiteUrl'),
                          ('renewed_at', 'RenewedAt'), ('expires_at', 'ExpiresAt'),
                          ('status', 'Status'), ('renewing', 'Renewing'),
                          ('auto_renew', 'AutoRenew'), ('last_error', 'LastError'),
                          ('error_code', 'LastErrorName'), ('label', 'Label'),
                          ('attention_needed', 'AttentionNeeded')]:
            self.assertEqual(c[key], props[prop], key)
        # ISO 8601 beside every epoch ("" for 0).
        for key in ('renewed_at', 'expires_at'):
            self.assertEqual(c[key + '_iso'],
                             time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(c[key])), key)
        self.assertEqual(c['auto_renew_consent_at_iso'], '')
        self.assertRegex(data['now_iso'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertEqual(c['server_url'], self.fake.server_url('jira'))
        self.assertEqual(c['cloud_account_email'], 'admin@acme.test')
        self.assertEqual(c['assistant'], 'JCMA')

        self.assertEqual(len(data['cloud_accounts']), 1)
        for a in data['cloud_accounts']:
            props = objs[a['path']][IFACE_ACCOUNT]
            for key, prop in [('email', 'Email'), ('site_url', 'SiteUrl'),
                              ('display_name', 'DisplayName'), ('token_expires_at', 'TokenExpiresAt'),
                              ('status', 'Status'), ('last_checked_at', 'LastCheckedAt')]:
                self.assertEqual(a[key], props[prop], key)

        self.assertEqual(len(data['servers']), 2)
        for s in data['servers']:
            props = objs[s['path']][IFACE_SERVER]
            for key, prop in [('product', 'Product'), ('base_url', 'BaseUrl'),
                              ('auth_kind', 'AuthKind'), ('username', 'Username'),
                              ('secret_expires_at', 'SecretExpiresAt'), ('status', 'Status')]:
                self.assertEqual(s[key], props[prop], key)

    def test_columns_line_up_with_wide_characters(self):
        """A Japanese display name takes two columns a character; the columns after it
        must still start where their headings do."""
        user = {'email': 'yamada@acme.test', 'api_token': secret('ATATT'),
                'display_name': '山田 太郎（管理者）', 'site_admin': True}
        self.fake.set_user('acme', user)
        self.sc.site('acme')['users'].append(user)
        self.cli_add_account('acme')
        self.cli_add_account('acme', 'yamada@acme.test')
        res = self.ctl('status')
        self.assertCtl(res, 0, stream='out')
        rows = parse_table(table_section(res.out, 'Cloud accounts'))
        self.assertEqual(len(rows), 2)
        by_email = {r['EMAIL'][0]: r for r in rows}
        self.assertEqual(by_email['yamada@acme.test']['NAME'][0], '山田 太郎（管理者）')
        self.assertEqual(by_email['admin@acme.test']['NAME'][0], 'Ada Admin')
        for r in rows:
            for heading, (cell, aligned) in ((h, v) for h, v in r.items() if h != '!'):
                self.assertTrue(aligned, 'column %s is misaligned in %r' % (heading, r))
            self.assertEqual(r['STATUS'][0], 'valid', r)
            self.assertRegex(r['API TOKEN'][0], r'^\d{4}-\d\d-\d\d \(\d+ d\)$')

    def test_an_api_token_without_a_date_says_so(self):
        self.cli_add_account('acme', expires=False)
        res = self.ctl('status')
        self.assertCtl(res, 0, stream='out')
        rows = parse_table(table_section(res.out, 'Cloud accounts'))
        self.assertEqual(rows[0]['STATUS'][0], 'expiry unknown')
        self.assertEqual(self.status_json()['cloud_accounts'][0]['status'], 'expiry-unknown')

    def test_credential_expiry_words(self):
        soon = now() + 3 * DAY
        self.cli_add_server('jira', 'pat', '--expires', str(soon))
        res = self.ctl('status')
        rows = parse_table(table_section(res.out, 'Servers'))
        self.assertEqual(rows[0]['EXPIRY'][0], time.strftime('%Y-%m-%d', time.localtime(soon)) + ' (3 d)')
        self.assertEqual(rows[0]['STATUS'][0], 'expiring')
        self.assertEqual(rows[0]['CREDENTIAL'][0], 'PAT')


if __name__ == '__main__':
    main()
