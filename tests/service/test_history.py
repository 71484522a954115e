# test_history.py: every renewal, failure, addition, credential change and
# removal is recorded (time, object, account, kind, result, error name, caller),
# append-only in a 0600 file, bounded, never a secret; Manager1.GetHistory
import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    IFACE_MANAGER, MANAGER_PATH, ServiceTestCase, main, now)

from gi.repository import GLib  # noqa: E402

ERROR_PREFIX = 'io.github.cmatoken.Error.'
MAX_ENTRIES = 10000


class HistoryCase(ServiceTestCase):

    def history(self, **filter_):
        types = {'object': 'o', 'since': 'x', 'limit': 'u'}
        f = {k: GLib.Variant(types.get(k, 's'), v) for k, v in filter_.items()}
        return self.client.call(MANAGER_PATH, IFACE_MANAGER, 'GetHistory',
                                GLib.Variant('(a{sv})', (f,)), '(aa{sv})')[0]

    def history_path(self):
        return os.path.join(self.daemon.state_dir(), 'history.jsonl')

    def wait_entries(self, n):
        self.client.wait_until(lambda: len(self.history()) >= n, 10, '%d history entries' % n)
        return self.history()


class TestHistory(HistoryCase):
    valgrind_subset = {'test_everything_is_recorded'}

    def test_everything_is_recorded(self):
        t0 = now()
        acc = self.add_account('acme')
        srv = self.add_server('jira')
        conn = self.client.add_connection(srv, acc, self.fake.site_url('acme'))
        self.client.renew(conn)
        self.fake.add_fault({'endpoint': 'save', 'status': 500, 'count': 1})
        with self.assertRaisesDBus('TokenRejected'):
            self.client.renew(conn)
        self.client.mark_renewed(conn, 0)
        self.client.replace_token(acc, self.sc.token('acme'))
        self.client.remove(conn)
        entries = self.wait_entries(8)
        got = [(e['kind'], e['result'], e['object']) for e in entries]
        self.assertEqual(got, [
            ('add', 'ok', acc), ('add', 'ok', srv), ('add', 'ok', conn),
            ('renew', 'ok', conn), ('renew', 'failed', conn), ('mark-renewed', 'ok', conn),
            ('replace', 'ok', acc), ('remove', 'ok', conn)])
        email = self.client.props(acc)['Email']
        for e in entries:
            self.assertGreaterEqual(e['time'], t0 - 5)
            self.assertLessEqual(e['time'], now() + 5)
            # The test itself asked for every one of them.
            self.assertEqual(e['caller'], 'python3', e)
            self.assertTrue(e['subject'], e)
            self.assertNoSecrets(repr(e), 'a history entry')
        self.assertEqual(entries[4]['error'], ERROR_PREFIX + 'TokenRejected')
        self.assertEqual([e['error'] for e in entries if e is not entries[4]], [''] * 7)
        for e in entries:
            if e['object'] in (acc, conn):
                self.assertEqual(e['account'], email, e)
        self.assertIn('→', entries[2]['subject'])
        # The removed connection's entries stay, and name what it was.
        self.assertEqual(len(self.history(object=conn)), 5)

    def test_filters(self):
        acc = self.add_account('acme')
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        self.client.renew(conn)
        entries = self.wait_entries(5)
        self.assertEqual([e['kind'] for e in self.history(object=conn)], ['add', 'renew', 'renew'])
        self.assertEqual([e['kind'] for e in self.history(object=acc)], ['add'])
        self.assertEqual(self.history(limit=2), entries[-2:])
        self.assertEqual(self.history(since=entries[-1]['time'] + 1), [])
        self.assertEqual(self.history(since=entries[0]['time']), entries)
        self.assertEqual(self.history(object='/io/github/cmatoken/nothing'), [])

    def test_bad_filters_are_refused_and_change_nothing(self):
        self.add_connection('jira', 'acme')
        before = self.history()
        snapshot = self.snapshot()
        bad = [
            {'objekt': GLib.Variant('o', '/x')},
            {'limit': GLib.Variant('i', 3)},
            {'since': GLib.Variant('s', 'yesterday')},
            {'object': GLib.Variant('s', 'not a path')},
        ]
        for f in bad:
            with self.subTest(f=f), self.assertRaisesDBus('InvalidArgument') as cm:
                self.client.call(MANAGER_PATH, IFACE_MANAGER, 'GetHistory',
                                 GLib.Variant('(a{sv})', (f,)), '(aa{sv})')
            self.assertTrue(cm.exception.message)
        self.assertEqual(self.history(), before)
        self.assertUnchanged(snapshot)


class TestHistoryFile(HistoryCase):
    autostart_daemon = False

    def test_kept_across_restarts_0600_and_never_a_secret(self):
        self.start_daemon()
        conn = self.add_connection('jira', 'acme')
        self.client.renew(conn)
        before = self.wait_entries(4)
        self.daemon.stop()
        path = self.history_path()
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        self.assertNoSecrets(text, 'the history file')
        self.assertEqual(len(text.splitlines()), 4)
        for line in text.splitlines():
            json.loads(line)
        self.daemon.start()
        self.assertEqual(self.history(), before)

    def test_a_torn_or_broken_line_is_skipped(self):
        self.start_daemon()
        self.add_account('acme')
        before = self.wait_entries(1)
        self.daemon.stop()
        with open(self.history_path(), 'ab') as f:
            f.write(b'{"time": 1, "object": "not a path"}\n\xff\xfe garbage\n[1, 2]\n{"time": 17')
        self.daemon.start()
        self.assertEqual(self.history(), before)
        self.add_server('jira')
        self.assertEqual(len(self.wait_entries(2)), 2)

    def write_entries(self, n):
        os.makedirs(self.daemon.state_dir(), exist_ok=True)
        with open(self.history_path(), 'w', encoding='utf-8') as f:
            for i in range(n):
                f.write(json.dumps({'time': 1000 + i, 'object': '/io/github/cmatoken/Old%d' % i,
                                    'kind': 'renew', 'result': 'ok', 'error': '',
                                    'caller': 'old', 'account': '', 'subject': 'old %d' % i}) + '\n')
        os.chmod(self.history_path(), 0o600)

    def test_bounded_oldest_dropped(self):
        self.start_daemon(prepare=lambda d: None)
        self.daemon.stop()
        self.write_entries(MAX_ENTRIES + MAX_ENTRIES // 10 - 1)
        self.daemon.start()
        entries = self.history()
        self.assertEqual(len(entries), MAX_ENTRIES)
        self.assertEqual(entries[0]['subject'], 'old %d' % (MAX_ENTRIES // 10 - 1))
        self.assertEqual(len(self.history(limit=3)), 3)
        # One more: the file is rewritten with the newest entries only.
        acc = self.add_account('acme')
        entries = self.wait_entries(MAX_ENTRIES)
        self.assertEqual(len(entries), MAX_ENTRIES)
        self.assertEqual(entries[-1]['object'], acc)
        self.assertEqual(entries[0]['subject'], 'old %d' % (MAX_ENTRIES // 10))
        self.daemon.stop()
        with open(self.history_path(), encoding='utf-8') as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), MAX_ENTRIES)
        self.assertEqual(json.loads(lines[-1])['object'], acc)
        self.assertEqual(stat.S_IMODE(os.stat(self.history_path()).st_mode), 0o600)


if __name__ == '__main__':
    main()
