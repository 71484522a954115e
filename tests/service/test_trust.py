# test_trust.py: what another process on the session bus cannot make the daemon do
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import IFACE_ACCOUNT, IFACE_SERVER, ServiceTestCase, main  # noqa: E402


class TestTrust(ServiceTestCase):
    autostart_daemon = False

    def test_check_cannot_be_skipped_outside_test_mode(self):
        # Outside test mode an unverified credential (or a server at an
        # attacker's URL that was never asked anything) is never stored.
        self.start_daemon(env={'CMATOKEN_ALLOW_INSECURE_LOOPBACK': '0'})
        before = self.snapshot()
        items = self.keyring.items()
        calls = [
            lambda: self.client.add_server('jira', 'https://jira.example.com', 'pat', '',
                                           'not-checked-pat', 0, check=False),
            lambda: self.client.add_server('confluence', 'https://wiki.example.com', 'basic',
                                           'admin', 'not-checked-password', 0, check=False),
            lambda: self.client.add_cloud_account('admin@acme.test', 'https://acme.atlassian.net',
                                                  'not-checked-token', 0, check=False),
        ]
        for call in calls:
            with self.assertRaisesDBus('InvalidArgument') as cm:
                call()
            self.assertIn('“check”', cm.exception.message)
            self.assertIn('test mode', cm.exception.message)
        self.assertUnchanged(before)
        self.assertEqual(self.keyring.items(), items)
        self.assertEqual(self.client.objects(IFACE_SERVER), {})
        self.assertEqual(self.client.objects(IFACE_ACCOUNT), {})

    def test_check_can_be_skipped_in_test_mode(self):
        # The suite's own mode (the harness sets CMATOKEN_ALLOW_INSECURE_LOOPBACK=1).
        self.start_daemon()
        srv = self.add_server('jira', check=False)
        self.assertIn(srv, self.client.objects(IFACE_SERVER))
        self.assertEqual(self.fake.counters().get('server-myself', 0), 0)


if __name__ == '__main__':
    main()
