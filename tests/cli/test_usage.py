# test_usage.py: cmatokenctl's help, usage errors (exit 2), and a service that cannot be reached
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import IFACE_SERVER, CliTestCase, builddir, main, run_on_empty_bus, secret  # noqa: E402

COMMANDS = ['status', 'add-cloud-account', 'add-server', 'add-connection', 'check', 'renew',
            'mark-renewed', 'auto-renew', 'replace-secret', 'remove', 'history', 'export', 'open']


class TestUsage(CliTestCase):
    daemon_per_class = True

    def test_no_command(self):
        res = self.ctl()
        self.assertEqual(res.rc, 2)
        self.assertIn('Usage:', res.err)
        self.assertEqual(res.out, '')

    def test_help_lists_every_command(self):
        res = self.ctl('--help')
        self.assertCtl(res, 0, 'Usage:', stream='out')
        for command in COMMANDS:
            self.assertIn('  ' + command + ' ', res.out)
        self.assertIn('Exit status', res.out)

    def test_each_command_has_help(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                res = self.ctl(command, '--help')
                self.assertCtl(res, 0, 'Usage:', 'cmatokenctl ' + command, stream='out')

    def test_renew_help_names_the_consent(self):
        res = self.ctl('renew', '--help')
        self.assertCtl(res, 0, '--allow-migrations-data-access', '--cloud-account', stream='out')

    def test_unknown_command(self):
        self.assertUsage(self.ctl('frobnicate'), 'Unknown command “frobnicate”')

    def test_unknown_option(self):
        self.assertUsage(self.ctl('status', '--frob'), '--frob')

    def test_missing_and_extra_arguments(self):
        self.assertUsage(self.ctl('add-cloud-account', 'a@example.com'), 'Some arguments are missing')
        self.assertUsage(self.ctl('renew'), 'Some arguments are missing')
        self.assertUsage(self.ctl('status', 'extra'), 'Too many arguments')
        self.assertUsage(self.ctl('remove', 'a', 'b'), 'Too many arguments')

    def test_secret_on_the_command_line_is_not_echoed(self):
        # A secret typed where it does not belong is never repeated.
        pat = secret('typedpat')
        for args in (('add-server', 'jira', 'https://jira.example.com', '--pat', pat),
                     ('add-cloud-account', 'a@acme.test', 'https://acme.atlassian.net', pat),
                     ('add-server', 'jira', 'https://jira.example.com', '--password=' + pat),
                     ('status', '--token=' + pat)):
            res = self.ctl(*args)
            self.assertEqual(res.rc, 2, res)
            self.assertNotIn(pat, res.out + res.err, 'a secret given on the command line was echoed')

    def test_bad_dates(self):
        for bad in ('tomorrow', '2026-13-01', '2026-02-30', '26-1-1', '-5', '0', '12abc'):
            with self.subTest(date=bad):
                res = self.ctl('add-cloud-account', 'a@example.com', self.fake.site_url('acme'),
                               '--expires', bad, input='whatever\n')
                self.assertUsage(res, 'is not a date', 'YYYY-MM-DD')

    def test_add_server_arguments(self):
        url = self.fake.server_url('jira')
        self.assertUsage(self.ctl('add-server', 'bamboo', url, '--pat'), 'Unknown product “bamboo”')
        self.assertUsage(self.ctl('add-server', 'jira', url), '--pat', '--basic')
        self.assertUsage(self.ctl('add-server', 'jira', url, '--pat', '--basic', 'admin'),
                         '--pat', '--basic')
        self.assertUsage(self.ctl('add-server', 'jira', url, '--basic', ''), 'empty')
        self.assertEqual(self.client.objects(IFACE_SERVER), {})

    def test_renew_needs_consent(self):
        before = self.fake.counters()
        res = self.ctl('renew', 'anything')
        self.assertUsage(res, '--allow-migrations-data-access',
                         'Allow Atlassian to access migrations data')
        self.assertEqual(self.fake.counters()['token_requests'], before['token_requests'])

    def test_auto_renew_arguments(self):
        self.assertUsage(self.ctl('auto-renew', 'x', 'maybe'), '“maybe”')
        self.assertUsage(self.ctl('auto-renew', 'x', 'on'), '--allow-migrations-data-access')

    def test_version(self):
        res = self.ctl('--version')
        self.assertCtl(res, 0, 'cmatokenctl ', stream='out')



class TestNoService(CliTestCase):
    """On a bus of its own where the service is not running and cannot be started."""
    autostart_daemon = False

    def test_not_installed(self):
        rc, out, err = run_on_empty_bus(['status'])
        self.assertEqual(rc, 1, err)
        self.assertIn('cmatokenctl: The cmatoken service (io.github.cmatoken.Daemon) is not running', err)
        self.assertIn('cmatokend', err)
        self.assertEqual(out, '')

    def test_activation_fails(self):
        rc, out, err = run_on_empty_bus(['status'], {'io.github.cmatoken.Daemon': '/bin/false'})
        self.assertEqual(rc, 1, err)
        self.assertIn('is not running and could not be started', err)
        self.assertEqual(out, '')

    def test_daemon_started_by_hand(self):
        # No activation file: a cmatokend started by hand ("cmatokend &") is
        # used as it is, even while it is still on its way to its name.
        daemon = os.environ.get('CMT_DAEMON') or os.path.join(builddir(), 'service', 'cmatokend')
        rc, out, err = run_on_empty_bus(['status'], before=daemon)
        self.assertNotIn('not running', err)
        self.assertIn(rc, (0, 3), err)


if __name__ == '__main__':
    main()
