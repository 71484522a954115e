# test_flows_e2e.py: the renewal and add-connection dialogs against the real cmatokend, keyring and fake Atlassian
"""End-to-end tests of gui/flows.

Run inside cmt-session under Xvfb (meson test flows-e2e). Each test starts
the real cmatokend on the private bus with the fake Atlassian (cmtharness),
then runs flows-e2e-driver, which opens a dialog and walks it as an admin
would (typing secrets it reads from stdin, clicking the controls by their
accessible names). The test then checks what the service holds over D-Bus and
what the fake server holds.
"""

import os
import subprocess
import time

from cmtharness import (DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, Hygiene,
                        ServiceTestCase, main, scaled)

DRIVER = os.environ.get('CMT_FLOWS_DRIVER')


class FlowsE2E(ServiceTestCase):

    def drive(self, command, secrets=None, shots=None, env=None, **options):
        """Runs the driver; returns its KEY=VALUE lines as a dict."""
        self.assertTrue(DRIVER and os.access(DRIVER, os.X_OK), 'flows-e2e-driver is not built')
        args = [DRIVER, command]
        for key, value in options.items():
            args += ['--' + key.replace('_', '-'), value]
        if shots:
            args += ['--screenshots', shots]
        stdin = ''.join('%s=%s\n' % (k, v) for k, v in (secrets or {}).items())
        proc = subprocess.run(args, input=stdin, capture_output=True, text=True,
                              timeout=scaled(180), env=dict(os.environ, **(env or {})))
        for stream in (proc.stdout, proc.stderr):
            Hygiene.scan_text(stream, 'the flows driver')
        self.assertEqual(proc.returncode, 0,
                         'driver %s failed:\n%s\n%s' % (command, proc.stdout, proc.stderr[-4000:]))
        result = {}
        for line in proc.stdout.splitlines():
            key, sep, value = line.partition('=')
            if sep:
                result[key] = value
        return result

    def connection(self, path):
        return self.client.get_all(path, IFACE_CONNECTION)

    def test_add_jira_connection(self):
        user = self.sc.user('acme')
        out = self.drive('add', shots='jcma',
                         secrets={'pat': self.sc.pat('jira'), 'api-token': user['api_token']},
                         product='jira', server_url=self.fake.server_url('jira'),
                         site_url=self.fake.site_url('acme'), email=user['email'])
        conn = self.connection(out['connection'])
        self.assertEqual(conn['Product'], 'jira')
        self.assertEqual(conn['CloudSiteUrl'], self.fake.site_url('acme'))
        self.assertEqual(conn['Server'], out['server'])
        self.assertEqual(conn['CloudAccount'], out['account'])
        self.assertEqual(conn['RenewedAt'], 0)
        server = self.client.get_all(out['server'], IFACE_SERVER)
        self.assertEqual(server['BaseUrl'], self.fake.server_url('jira'))
        self.assertEqual(server['AuthKind'], 'pat')
        account = self.client.get_all(out['account'], IFACE_ACCOUNT)
        self.assertEqual(account['Email'], user['email'])
        # Both credentials were checked as they were entered.
        counters = self.fake.counters()
        self.assertGreaterEqual(counters['server-myself'], 1)
        self.assertGreaterEqual(counters['cloud-myself'], 1)
        # Adding renews nothing.
        self.assertEqual(self.fake.holds('jira'), [])

    def test_jcma_renewal_with_change_account(self):
        conn = self.add_connection('jira', 'acme')
        second = self.add_account('acme', 'admin2@acme.test')
        self.client.check(second)   # so that its display name is known
        self.client.wait_until(
            lambda: self.client.get_property(second, IFACE_ACCOUNT, 'DisplayName') == 'Bea Second',
            what='the second account checked')
        # Slow answers, so that each step shows on the progress page.
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': 1500, 'count': 1})
        self.fake.add_fault({'endpoint': 'save', 'delay_ms': 1500, 'count': 1})
        before = time.time()

        out = self.drive('renew', shots='jcma', connection=conn, change_account='Bea Second')

        self.assertEqual(out['page'], 'success', out)
        self.assertEqual(out['saw-create-token'], '1')
        self.assertEqual(out['saw-save-token'], '1')
        props = self.connection(conn)
        self.assertEqual(props['CloudAccount'], second)
        self.assertNear(props['ExpiresAt'], before + 21 * DAY, slack=scaled(120))
        holds = self.fake.holds('jira')
        self.assertEqual([h['email'] for h in holds], ['admin2@acme.test'])
        self.assertEqual(holds[0]['cloudUrl'], self.fake.site_url('acme'))

    def test_jcma_renewal_in_japanese(self):
        conn = self.add_connection('jira', 'acme')
        out = self.drive('renew', shots='ja-jcma', connection=conn,
                         env={'LANGUAGE': 'ja', 'LANG': 'ja_JP.UTF-8', 'LC_ALL': 'ja_JP.UTF-8'})
        # The whole flow was walked by the Japanese names of its controls.
        self.assertEqual(out['page'], 'success', out)
        if out['window-title'] == 'Renew the JCMA Token':
            self.skipTest('po/ja.po does not translate the renewal flow yet')
        self.assertIn('JCMA', out['window-title'])
        self.assertRegex(out['window-title'], '[\u3040-\u30ff\u4e00-\u9fff]')

    def test_ccma_renewal(self):
        conn = self.add_connection('wiki', 'acme')
        before = time.time()
        out = self.drive('renew', shots='ccma', connection=conn)
        self.assertEqual(out['page'], 'success', out)
        props = self.connection(conn)
        self.assertNear(props['RenewedAt'], before, slack=scaled(120))
        self.assertEqual([h['email'] for h in self.fake.holds('wiki')], ['admin@acme.test'])

    def test_refused_api_token_replaced_then_renewed(self):
        user = self.sc.user('acme')
        account = self.client.add_cloud_account(user['email'], self.fake.site_url('acme'),
                                                'ATATT-revoked-long-ago', 0, check=False)
        server = self.add_server('jira')
        conn = self.client.add_connection(server, account, self.fake.site_url('acme'), check=False)

        out = self.drive('renew-replace', shots='jcma', connection=conn,
                         secrets={'api-token': user['api_token']})

        self.assertEqual(out['first-title'], 'Atlassian Refused the API Token')
        self.assertEqual(out['page'], 'success', out)
        self.assertEqual(self.connection(conn)['CloudAccount'], account)
        self.assertEqual([h['email'] for h in self.fake.holds('jira')], [user['email']])

    def test_manual_renewal(self):
        conn = self.add_connection('jira', 'acme')
        before = time.time()
        out = self.drive('manual', shots='jcma', connection=conn)
        self.assertEqual(out['page'], 'success')
        self.assertEqual(out['steps'], '10')
        props = self.connection(conn)
        self.assertNear(props['RenewedAt'], before, slack=scaled(120))
        # Renewed by hand: cmatoken sent nothing to the server.
        self.assertEqual(self.fake.holds('jira'), [])
        self.assertEqual(self.fake.counters()['save'], 0)

    def test_old_assistant_explains(self):
        conn = self.add_connection('oldjira', 'acme')
        out = self.drive('renew', shots='oldjcma', connection=conn)
        self.assertEqual(out['page'], 'error')
        self.assertEqual(out['title'], 'The Migration Assistant Is Too Old')
        self.assertEqual(self.connection(conn)['RenewedAt'], 0)

    def test_cancel_renewal(self):
        conn = self.add_connection('jira', 'acme')
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': 4000, 'count': 1})
        out = self.drive('cancel', connection=conn)
        self.assertEqual(out['page'], 'consent')
        self.assertEqual(self.connection(conn)['RenewedAt'], 0)
        self.assertEqual(self.fake.holds('jira'), [])

    def test_refused_api_token_shown_at_the_field(self):
        user = self.sc.user('acme')
        out = self.drive('add-bad-token',
                         secrets={'pat': self.sc.pat('jira'), 'api-token': 'ATATT-not-the-token'},
                         shots='jcma', product='jira', server_url=self.fake.server_url('jira'),
                         site_url=self.fake.site_url('acme'), email=user['email'])
        self.assertTrue(out['error'])
        # Nothing half-added stays behind the cancelled dialog.
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})
        self.assertEqual(self.client.objects(IFACE_SERVER), {})
        self.assertEqual(self.client.objects(IFACE_CONNECTION), {})


if __name__ == '__main__':
    main()
