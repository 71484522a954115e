# test_auto_renew.py: a connection with AutoRenew renews itself at its time, backs off on transient failures, stops on refusals
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from watchlib import (  # noqa: E402
    DAY, IFACE_CONNECTION, URGENCY_LOW, URGENCY_NORMAL, WatchTestCase, main, now, scaled)

MARGIN = int(3 + scaled(1))
# $CMATOKEN_BACKOFF_BASE_SECONDS: retries after 2, 4, 8 … s instead of minutes.
BACKOFF = 2
AUTO_DAYS = 6  # the default of auto-renew-days-before-expiry


from gi.repository import GLib  # noqa: E402


class AutoRenewCase(WatchTestCase):
    daemon_env = {'CMATOKEN_BACKOFF_BASE_SECONDS': str(BACKOFF)}

    def host(self, server='jira'):
        return self.fake.server_url(server).split('://', 1)[1]

    def auto_on(self, conn):
        self.client.set_auto_renew(conn, True, consent=True)

    def wait_renewed(self, conn, since, timeout):
        return self.client.wait_for_property(conn, IFACE_CONNECTION, 'RenewedAt',
                                             lambda v: v is not None and v >= since, timeout)

    def token_requests(self):
        return self.fake.counters()['token_requests']


class TestAutoRenew(AutoRenewCase):
    valgrind_subset = {'test_renews_at_its_time'}

    def test_renews_at_its_time(self):
        lifetime, _warn = self.times()
        due_at = now() + MARGIN
        renewed_at = due_at - lifetime + AUTO_DAYS * DAY
        conn = self.add_connection('jira', 'acme', renewed_at=renewed_at, check=False)
        self.auto_on(conn)
        p = self.client.props(conn)
        self.assertTrue(p['AutoRenew'])
        if now() < due_at - 1:
            self.assertEqual(p['RenewedAt'], renewed_at, 'renewed before its time')
            self.assertEqual(self.token_requests(), 0)

        self.wait_renewed(conn, due_at, MARGIN + 20)
        self.assertGreaterEqual(now(), due_at)
        holds = self.fake.holds('jira')
        self.assertEqual([h['cloudUrl'] for h in holds], [self.fake.site_url('acme')])
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['AttentionNeeded'], p['LastError']), ('valid', False, ''))

        notifies = self.notifications.wait_notifies(1, 10, 'the RENEWED notification')
        self.quiet(1)
        notifies = self.notifications.notifies()
        self.assertEqual(len(notifies), 1, notifies)
        self.assertEqual(notifies[0]['summary'], 'The JCMA token for %s was renewed automatically'
                         % self.host('jira'))
        self.assertEqual(notifies[0]['hints']['urgency'], URGENCY_LOW)
        # Once: the next attempt is a lifetime away.
        self.quiet(2)
        self.assertEqual(self.token_requests(), 1)
        self.assertEqual(len(self.notifications.notifies()), 1)

    def test_a_never_renewed_connection_renews_at_once(self):
        conn = self.add_connection('wiki', 'acme')
        self.assertEqual(self.client.props(conn)['RenewedAt'], 0)
        t0 = now()
        self.auto_on(conn)
        self.wait_renewed(conn, t0, 20)
        self.assertEqual(len(self.fake.holds('wiki')), 1)
        # Recorded as the service's own doing.
        history = self.client.call('/io/github/cmatoken/Manager', 'io.github.cmatoken.Manager1',
                                   'GetHistory', GLib.Variant('(a{sv})', ({'object': GLib.Variant('o', conn)},)),
                                   '(aa{sv})')[0]
        self.assertEqual([(e['kind'], e['result'], e['caller']) for e in history][-1:],
                         [('auto-renew', 'ok', 'cmatokend')])

    def test_an_expired_connection_renews_at_once_and_the_problem_is_closed(self):
        lifetime, _warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime - DAY, check=False)
        self.notifications.wait_notifies(1, 10, 'the expired announcement')
        t0 = now()
        self.auto_on(conn)
        self.wait_renewed(conn, t0, 20)
        self.client.wait_until(lambda: len(self.notifications.notifies()) >= 2, 10, 'RENEWED')
        renewed = self.notifications.notifies()[1]
        self.assertIn('renewed automatically', renewed['summary'])

    def test_turning_it_off_drops_the_scheduled_renewal(self):
        lifetime, _warn = self.times()
        due_at = now() + MARGIN
        conn = self.add_connection('jira', 'acme', renewed_at=due_at - lifetime + AUTO_DAYS * DAY,
                                   check=False)
        self.auto_on(conn)
        self.client.set_auto_renew(conn, False)
        p = self.client.props(conn)
        self.assertEqual((p['AutoRenew'], p['AutoRenewConsentAt']), (False, 0))
        self.quiet(MARGIN + 2)
        self.assertEqual(self.token_requests(), 0)
        self.assertEqual(self.client.props(conn)['RenewedAt'], due_at - lifetime + AUTO_DAYS * DAY)

    def test_due_while_the_service_was_stopped(self):
        lifetime, _warn = self.times()
        conn = self.add_connection('jira', 'acme',
                                   renewed_at=now() - lifetime + AUTO_DAYS * DAY + 3600,
                                   check=False)
        self.auto_on(conn)
        self.daemon.stop()
        # Due an hour ago by the service's clock: it renews as soon as it runs.
        self.daemon.extra_env['CMATOKEN_NOW_OFFSET'] = str(2 * 3600)
        t0 = now()
        self.daemon.start()
        self.wait_renewed(conn, t0, 20)
        self.assertTrue(self.client.props(conn)['AutoRenew'])


class TestFailures(AutoRenewCase):
    valgrind_subset = {'test_stops_and_notifies_when_the_api_token_is_refused'}

    def test_backs_off_on_transient_failures(self):
        self.fake.add_fault({'endpoint': 'token', 'status': 503, 'count': 2})
        conn = self.add_connection('jira', 'acme')
        t0 = now()
        self.auto_on(conn)
        self.wait_renewed(conn, t0, 3 * BACKOFF + 30)
        self.assertEqual(self.token_requests(), 3)
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['AttentionNeeded'], p['LastError']), ('valid', False, ''))
        delays = [int(m) for m in re.findall(r'automatic renewal tries again in (\d+) s',
                                             self.daemon.log_text())]
        self.assertEqual(delays, [BACKOFF, 2 * BACKOFF])
        # Transient failures are not announced; the success is.
        self.notifications.wait_notifies(1, 10)
        self.quiet(1)
        self.assertEqual([n['summary'] for n in self.notifications.notifies()],
                         ['The JCMA token for %s was renewed automatically' % self.host('jira')])

    def test_a_redirect_stops_it_until_the_admin_acts(self):
        # A server that moved to https: never followed, never retried every
        # hour; the admin is told which address to use.
        server = self.fake.server_url('jira')
        https = 'https://' + server.split('://', 1)[1]
        self.fake.add_fault({'endpoint': 'save', 'status': 301,
                             'location': https + '/rest/migration/latest/cloud/save/token'})
        conn = self.add_connection('jira', 'acme')
        self.auto_on(conn)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'AttentionNeeded', True, 20)
        self.assertIn('use %s' % https, self.client.props(conn)['LastError'])
        failed = self.notifications.wait_notifies(1, 10, 'the failure')
        self.assertIn('could not be renewed automatically', failed[0]['summary'])
        requests = self.token_requests()
        self.quiet(4 * BACKOFF)
        self.assertEqual(self.token_requests(), requests, 'a redirect was retried')

    def test_waits_as_long_as_retry_after_says(self):
        # 503 with Retry-After: 8 s, more than the backoff's 2 s: the next
        # attempt waits for the host, then renews.
        wait = 4 * BACKOFF
        self.fake.add_fault({'endpoint': 'token', 'status': 503, 'retry_after': str(wait),
                             'count': 1})
        conn = self.add_connection('jira', 'acme')
        t0 = now()
        self.auto_on(conn)
        self.client.wait_until(lambda: self.token_requests() >= 1, 10, 'the first attempt')
        self.quiet(2 * BACKOFF)
        self.assertEqual(self.token_requests(), 1, 'asked again before Retry-After')
        self.wait_renewed(conn, t0, wait + 30)
        self.assertEqual(self.token_requests(), 2)
        delays = [int(m) for m in re.findall(r'automatic renewal tries again in (\d+) s',
                                             self.daemon.log_text())]
        self.assertEqual(len(delays), 1)
        self.assertGreaterEqual(delays[0], wait)

    def test_stops_and_notifies_when_the_api_token_is_refused(self):
        conn = self.add_connection('jira', 'acme')
        acc = self.find_account('acme')
        new_token = self.rotate('acme')
        self.auto_on(conn)
        p = self.client.wait_for_property(conn, IFACE_CONNECTION, 'AttentionNeeded', True, 20)
        p = self.client.props(conn)
        self.assertEqual(p['RenewedAt'], 0)
        self.assertTrue(p['LastError'].strip())
        self.assertNoSecrets(p['LastError'])
        self.assertEqual(self.client.props(acc)['Status'], 'invalid')

        self.notifications.wait_notifies(2, 10, 'RENEW_FAILED and the refused account')
        self.quiet(1)
        notifies = self.notifications.notifies()
        failed = [n for n in notifies if 'could not be renewed automatically' in n['summary']]
        self.assertEqual(len(failed), 1, [n['summary'] for n in notifies])
        self.assertEqual(failed[0]['summary'],
                         'The JCMA token for %s could not be renewed automatically'
                         % self.host('jira'))
        # The cause (the error's first sentence), then one piece of advice:
        # not the error's own advice ("…enter it again") too.
        cause = p['LastError'].split('. ')[0] + '.'
        self.assertTrue(failed[0]['body'].startswith(cause + '\n'), failed[0]['body'])
        self.assertNotIn('enter it again', failed[0]['body'])
        self.assertEqual(failed[0]['hints']['urgency'], URGENCY_NORMAL)
        self.assertEqual(len(notifies), 2, [n['summary'] for n in notifies])

        # No more attempts (the backoff would have retried several times by now).
        requests = self.token_requests()
        self.assertEqual(requests, 1)
        self.quiet(4 * BACKOFF)
        self.assertEqual(self.token_requests(), requests)
        self.assertEqual(len(self.notifications.notifies()), 2)

        # The admin replaces the API token: automatic renewal goes on by itself.
        t0 = now()
        self.client.replace_token(acc, new_token)
        self.wait_renewed(conn, t0, 20)
        p = self.client.props(conn)
        self.assertEqual((p['AttentionNeeded'], p['LastError']), (False, ''))

    def test_a_token_replaced_during_an_automatic_renewal_keeps_it_going(self):
        # The old token is refused while the renewal that took it is in
        # flight, but it was replaced meanwhile: automatic renewal does not
        # stop, does not notify, and the retry renews with the new token.
        conn = self.add_connection('jira', 'acme')
        acc = self.find_account('acme')
        self.fake.add_fault({'endpoint': 'token', 'delay_ms': int(2000 * min(scaled(1), 3)),
                             'count': 1})
        t0 = now()
        self.auto_on(conn)
        self.client.wait_until(lambda: self.token_requests() >= 1, 10, 'the token request')
        new_token = self.rotate('acme')
        self.client.replace_token(acc, new_token)
        self.wait_renewed(conn, t0, 30)
        p = self.client.props(conn)
        self.assertEqual((p['AttentionNeeded'], p['LastError']), (False, ''))
        self.assertEqual(self.client.props(acc)['Status'], 'valid')
        self.assertEqual(self.token_requests(), 2)
        self.assertFalse([n for n in self.notifications.notifies()
                          if 'could not be renewed automatically' in n['summary']])
        self.assertNotIn('stops until the admin acts', self.daemon.log_text())

    def test_a_refused_server_login_stops_it_until_the_admin_acts(self):
        # The server refuses its credential when the token is saved, in the
        # ways real servers do (test_errors TestRefusedLoginsAtRenewal has
        # the messages): no retry every few seconds, the admin is told why.
        cases = [('seraph-failed', 'did not accept'), ('seraph-captcha', 'CAPTCHA'),
                 ('basic-disabled', 'Basic authentication turned off'),
                 ('login-html', 'login page'), ('anonymous', 'anonymous user')]
        for n, (body, needle) in enumerate(cases):
            with self.subTest(body):
                self.fake.clear_faults()
                self.fake.add_fault({'endpoint': 'save', 'body': body})
                srv = self.add_server('wiki', 'basic')
                conn = self.add_connection('wiki', 'acme')
                self.auto_on(conn)
                self.client.wait_for_property(conn, IFACE_CONNECTION, 'AttentionNeeded', True, 20)
                self.assertIn(needle, self.client.props(conn)['LastError'])
                self.assertEqual(self.client.props(conn)['RenewedAt'], 0)
                self.assertEqual(self.client.props(srv)['Status'], 'invalid')
                def failures():
                    return [x for x in self.notifications.notifies()
                            if 'could not be renewed automatically' in x['summary']]
                self.client.wait_until(lambda: len(failures()) == n + 1, 10, 'the failure notified')
                self.assertIn(needle, failures()[-1]['body'])
                requests = self.token_requests()
                self.quiet(3 * BACKOFF)
                self.assertEqual(self.token_requests(), requests, 'a refused login was retried')
                self.client.remove(conn)
                self.client.remove(srv)
        self.fake.clear_faults()

    def test_exception_in_saving_token_stops_it(self):
        # The assistant's own "Exception in saving token." (TokenRejected):
        # the admin must act, so no retry; any other 500 would be retried.
        self.fake.add_fault({'endpoint': 'save', 'status': 500})
        conn = self.add_connection('jira', 'acme')
        self.auto_on(conn)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'AttentionNeeded', True, 20)
        self.assertIn('Exception in saving token', self.client.props(conn)['LastError'])
        requests = self.token_requests()
        self.quiet(3 * BACKOFF)
        self.assertEqual(self.token_requests(), requests, 'a rejected token was retried')
        self.fake.clear_faults()

    def test_a_rejected_token_stops_until_the_admin_renews(self):
        # A server without the migration API: nothing to retry.
        conn = self.add_connection('oldjira', 'acme', check=False)
        self.auto_on(conn)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'AttentionNeeded', True, 20)
        requests = self.token_requests()
        self.quiet(3 * BACKOFF)
        self.assertEqual(self.token_requests(), requests)
        # Stays stopped across a restart.
        self.daemon.restart()
        self.quiet(2 * BACKOFF)
        self.assertEqual(self.token_requests(), requests)
        self.assertTrue(self.client.props(conn)['AttentionNeeded'])

    def test_waits_for_a_locked_keyring(self):
        conn = self.add_connection('jira', 'acme')
        self.keyring.lock()
        self.addCleanup(lambda: self.keyring.is_locked() and self.keyring.unlock())
        self.client.wait_until(lambda: self.client.manager('KeyringState') == 'locked', 10,
                               'KeyringState locked')
        self.auto_on(conn)
        self.quiet(2 * BACKOFF)
        self.assertEqual(self.token_requests(), 0)
        self.assertEqual(self.client.props(conn)['RenewedAt'], 0)
        t0 = now()
        self.keyring.unlock()
        self.wait_renewed(conn, t0, 20)
        self.assertEqual(self.notifications.wait_notifies(1, 10)[0]['summary'],
                         'The JCMA token for %s was renewed automatically' % self.host('jira'))


class TestSettings(AutoRenewCase):
    valgrind_subset = set()

    def test_a_longer_lead_makes_it_due(self):
        lifetime, _warn = self.times()
        # Due in an hour with 6 days' lead; overdue with 7.
        renewed_at = now() - lifetime + AUTO_DAYS * DAY + 3600
        conn = self.add_connection('jira', 'acme', renewed_at=renewed_at, check=False)
        self.auto_on(conn)
        self.quiet(1)
        self.assertEqual(self.token_requests(), 0)
        t0 = now()
        self.daemon.set_setting('auto-renew-days-before-expiry', AUTO_DAYS + 1)
        self.wait_renewed(conn, t0, 20)

    def test_a_longer_warning_announces(self):
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn + DAY,
                                   check=False)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')
        self.daemon.set_setting('warn-days-before-expiry', warn // DAY + 2)
        self.client.wait_for_property(conn, IFACE_CONNECTION, 'Status', 'expiring', 10)
        n = self.notifications.wait_notifies(1, 10)[0]
        self.assertEqual(n['summary'], 'The JCMA token for %s expires in %d days'
                         % (self.host('jira'), warn // DAY + 1))


class TestCli(AutoRenewCase):
    valgrind_subset = set()

    def ctl(self, *args):
        return subprocess.run([os.path.join(os.environ['CMT_BUILDDIR'], 'cli', 'cmatokenctl')]
                              + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, env=dict(os.environ, LANGUAGE='C'))

    def test_cmatokenctl_turns_it_on(self):
        conn = self.add_connection('jira', 'acme')
        cid = self.connection_id(conn)
        out = self.ctl('auto-renew', cid, 'on')
        self.assertNotEqual(out.returncode, 0, 'turned on without consent')
        t0 = now()
        out = self.ctl('auto-renew', cid, 'on', '--allow-migrations-data-access')
        self.assertEqual(out.returncode, 0, out.stderr)
        self.wait_renewed(conn, t0, 20)
        status = self.ctl('status')
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertNoSecrets(status.stdout + status.stderr)
        self.assertIn('AUTO-RENEW', status.stdout)
        row = [line for line in status.stdout.splitlines() if cid in line]
        self.assertEqual(len(row), 1, status.stdout)
        self.assertRegex(row[0], r'\bon\b')
        out = self.ctl('auto-renew', cid, 'off')
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertFalse(self.client.props(conn)['AutoRenew'])


if __name__ == '__main__':
    main()
