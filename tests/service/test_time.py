# test_time.py: Status and AttentionNeeded change by themselves as time passes, with PropertiesChanged
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, ServiceTestCase, SignalRecorder, main,
    now, scaled)

# Seconds until the change: enough for the set-up to finish first, even under valgrind.
MARGIN = int(3 + scaled(1))


class TestTime(ServiceTestCase):
    valgrind_subset = {'test_connection_becomes_expiring', 'test_status_is_right_after_a_restart'}
    daemon_per_class = True


    def manager_times(self):
        m = self.client.manager()
        return m['ContainerTokenLifetime'], m['WarnBefore'], m['CredentialWarnBefore']

    def assert_before_flip(self, path, flip_at, status, attention=None):
        """The state before the flip, if the set-up was quick enough to see it
        (a loaded machine under valgrind may not be)."""
        p = self.client.props(path)
        if now() < flip_at - 1:
            self.assertEqual(p['Status'], status)
            if attention is not None:
                self.assertEqual(p['AttentionNeeded'], attention)

    def wait_for_flip(self, rec, path, iface, status, attention):
        """Waits (without calling the daemon) for one PropertiesChanged that
        carries Status = @status together with AttentionNeeded."""
        def flipped():
            return [c for c in rec.properties_changed(path, iface) if c.get('Status') == status]
        self.client.wait_until(flipped, MARGIN + 10, '%s to become %s on its own' % (path, status))
        change = flipped()[0]
        if attention is not None:
            p = self.client.props(path)
            self.assertEqual(p['AttentionNeeded'], attention)
            # AttentionNeeded changes in the same signal as Status (if it changes).
            changed_alone = [c for c in rec.properties_changed(path, iface)
                             if 'AttentionNeeded' in c and 'Status' not in c]
            self.assertEqual(changed_alone, [], 'AttentionNeeded changed without Status')
        return change

    def test_connection_becomes_expiring(self):
        lifetime, warn, _ = self.manager_times()
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            t0 = now()
            conn = self.add_connection('jira', 'acme', renewed_at=t0 - lifetime + warn + MARGIN)
            self.assert_before_flip(conn, t0 + MARGIN, 'valid', False)
            change = self.wait_for_flip(rec, conn, IFACE_CONNECTION, 'expiring', True)
        self.assertTrue(change.get('AttentionNeeded'), change)

    def test_connection_becomes_expired(self):
        lifetime, warn, _ = self.manager_times()
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            t0 = now()
            conn = self.add_connection('wiki', 'acme', renewed_at=t0 - lifetime + MARGIN)
            self.assert_before_flip(conn, t0 + MARGIN, 'expiring', True)
            self.wait_for_flip(rec, conn, IFACE_CONNECTION, 'expired', True)
        # A renewal makes it valid again.
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')

    def test_mark_renewed_reschedules(self):
        lifetime, warn, _ = self.manager_times()
        conn = self.add_connection('jira2', 'acme', renewed_at=now() - lifetime + warn + MARGIN)
        # Renewed by hand now: the pending "expiring" moment must not fire any more.
        self.client.mark_renewed(conn, 0)
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            time.sleep(MARGIN + 2)
            self.client.iterate()
        statuses = [c['Status'] for c in rec.properties_changed(conn, IFACE_CONNECTION)
                    if c.get('Status', 'valid') != 'valid']
        self.assertEqual(statuses, [])
        self.assertEqual(self.client.props(conn)['Status'], 'valid')

    def test_account_token_becomes_expiring(self):
        _, _, cred_warn = self.manager_times()
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            u = self.sc.user('acme')
            t0 = now()
            acc = self.client.add_cloud_account(u['email'], self.fake.site_url('acme'),
                                                u['api_token'], t0 + cred_warn + MARGIN)
            self.assert_before_flip(acc, t0 + MARGIN, 'valid')
            self.wait_for_flip(rec, acc, IFACE_ACCOUNT, 'expiring', None)

    def test_server_secret_becomes_expired(self):
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            t0 = now()
            srv = self.client.add_server('jira', self.fake.server_url('jira'), 'pat', '',
                                         self.sc.pat('jira'), t0 + MARGIN)
            self.assert_before_flip(srv, t0 + MARGIN, 'expiring')
            self.wait_for_flip(rec, srv, IFACE_SERVER, 'expired', True)

    def test_status_is_right_after_a_restart(self):
        lifetime, warn, _ = self.manager_times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn + MARGIN)
        self.daemon.stop()
        time.sleep(MARGIN + 1)
        self.daemon.start()
        # It became expiring while the daemon was not running.
        p = self.client.props(conn)
        self.assertEqual((p['Status'], p['AttentionNeeded']), ('expiring', True))

    def test_renewed_a_day_before_the_end_is_expiring(self):
        lifetime, _, _ = self.manager_times()
        conn = self.add_connection('wiki', 'acme')
        self.client.mark_renewed(conn, now() - lifetime + DAY)
        self.assertEqual(self.client.props(conn)['Status'], 'expiring')


if __name__ == '__main__':
    main()
