# test_labels.py: SetLabel on servers, cloud accounts and connections: checked, stored, kept across restarts
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import ServiceTestCase, main  # noqa: E402


class TestLabels(ServiceTestCase):
    daemon_per_class = True

    def three(self):
        conn = self.add_connection('jira', 'acme')
        p = self.client.props(conn)
        return conn, p['Server'], p['CloudAccount']

    def test_set_show_clear(self):
        conn, srv, acc = self.three()
        for path in (conn, srv, acc):
            self.assertEqual(self.client.props(path)['Label'], '')
        self.client.set_label(srv, '本番 Jira')
        self.client.set_label(acc, 'Migration admin')
        # Spaces around are dropped.
        self.client.set_label(conn, '  本番 → acme  ')
        self.assertEqual(self.client.props(srv)['Label'], '本番 Jira')
        self.assertEqual(self.client.props(acc)['Label'], 'Migration admin')
        self.assertEqual(self.client.props(conn)['Label'], '本番 → acme')
        # Nothing else changed, and a renewal leaves the label alone.
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Label'], '本番 → acme')
        # "" clears.
        self.client.set_label(acc, '')
        self.assertEqual(self.client.props(acc)['Label'], '')

    def test_labels_survive_a_restart_and_a_kill(self):
        conn, srv, acc = self.three()
        self.client.set_label(srv, 'Staging wiki')
        self.client.set_label(conn, 'ステージング')
        self.daemon.restart()
        self.assertEqual(self.client.props(srv)['Label'], 'Staging wiki')
        self.assertEqual(self.client.props(conn)['Label'], 'ステージング')
        self.assertEqual(self.client.props(acc)['Label'], '')
        # Answered means written: a kill right after loses nothing.
        self.client.set_label(acc, 'Admin')
        self.daemon.restart(kill=True)
        self.assertEqual(self.client.props(acc)['Label'], 'Admin')

    def test_bad_labels_change_nothing(self):
        conn, srv, acc = self.three()
        self.client.set_label(srv, 'Good')
        before = self.snapshot()
        for bad in ('x' * 65, 'two\nlines', 'tab\there', 'bell\x07', 'nul\u2028sep'):
            with self.assertRaisesDBus('InvalidArgument') as cm:
                self.client.set_label(srv, bad)
            self.assertIn('64', cm.exception.message)
        self.assertUnchanged(before)
        # 64 characters, wide ones too, are fine.
        self.client.set_label(srv, '本' * 64)
        self.assertEqual(self.client.props(srv)['Label'], '本' * 64)

    def test_a_removed_object_takes_its_label_along(self):
        conn, srv, acc = self.three()
        self.client.set_label(conn, 'Gone soon')
        self.client.remove(conn)
        self.assertNotIn(conn, self.client.managed_objects())
        self.daemon.restart()
        self.assertNotIn(conn, self.client.managed_objects())

    def test_an_invalid_label_in_the_state_file_is_dropped(self):
        conn, srv, acc = self.three()
        self.client.set_label(srv, 'Fine')
        self.daemon.stop()
        path = os.path.join(self.daemon.state_dir(), 'state.ini')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        self.assertIn('label=Fine', text)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text.replace('label=Fine', 'label=' + 'y' * 200))
        self.daemon.start()
        # The server is still there, without the label the service never wrote.
        self.assertEqual(self.client.props(srv)['Label'], '')
        self.assertEqual(self.client.props(conn)['Server'], srv)


if __name__ == '__main__':
    main()
