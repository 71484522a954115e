# test_history.py: `cmatokenctl history [OBJECT] [--json]` and `cmatokenctl export --format csv|json`
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import CliTestCase, main, now  # noqa: E402


class TestHistory(CliTestCase):

    def populate(self):
        conn = self.cli_add_connection('jira', 'acme')
        cid = conn.rsplit('/', 1)[1]
        self.assertCtl(self.ctl('renew', cid, '--allow-migrations-data-access'), 0)
        self.assertCtl(self.ctl('mark-renewed', cid), 0)
        return conn, cid

    def test_history_in_words(self):
        conn, cid = self.populate()
        res = self.ctl('history')
        self.assertCtl(res, 0, stream='out')
        lines = res.out.splitlines()
        self.assertEqual(len(lines), 5, res.out)
        host = self.fake.server_url('jira').split('://', 1)[1]
        self.assertIn('added — cmatokenctl', lines[0])
        self.assertIn(host, lines[2])
        self.assertIn('renewed — cmatokenctl', lines[3])
        self.assertIn('marked as renewed — cmatokenctl', lines[4])
        self.assertRegex(lines[3], r'^\d{4}-\d\d-\d\d \d\d:\d\d  ')
        self.assertNoSecrets(res.out + res.err)
        # One object, by any of its names.
        res = self.ctl('history', cid)
        self.assertCtl(res, 0, stream='out')
        self.assertEqual(len(res.out.splitlines()), 3, res.out)
        res = self.ctl('history', cid, '--limit', '1')
        self.assertEqual(len(res.out.splitlines()), 1, res.out)
        self.assertIn('marked as renewed', res.out)

    def test_a_failure_names_its_error_and_a_removed_object_keeps_its_history(self):
        conn, cid = self.populate()
        self.fake.add_fault({'endpoint': 'save', 'status': 500, 'count': 1})
        self.assertCtl(self.ctl('renew', cid, '--allow-migrations-data-access'), 1)
        self.assertCtl(self.ctl('remove', cid), 0)
        res = self.ctl('history', conn, '--json')
        self.assertCtl(res, 0, stream='out')
        data = json.loads(res.out)
        self.assertEqual([e['kind'] for e in data],
                         ['add', 'renew', 'mark-renewed', 'renew', 'remove'])
        failed = data[3]
        self.assertEqual((failed['result'], failed['error_code']),
                         ('failed', 'io.github.cmatoken.Error.TokenRejected'))
        self.assertRegex(failed['time_iso'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertLessEqual(abs(failed['time'] - now()), 60)
        res = self.ctl('history', conn)
        self.assertIn('failed (io.github.cmatoken.Error.TokenRejected)', res.out)

    def test_export(self):
        self.populate()
        res = self.ctl('export', '--format', 'csv')
        self.assertCtl(res, 0, stream='out')
        rows = list(csv.DictReader(io.StringIO(res.out)))
        self.assertEqual(len(rows), 5)
        self.assertEqual(list(rows[0].keys()), ['time', 'time_iso', 'object', 'kind', 'result',
                                                'error_code', 'caller', 'account', 'subject'])
        self.assertEqual([r['kind'] for r in rows], ['add', 'add', 'add', 'renew', 'mark-renewed'])
        self.assertEqual(rows[0]['account'], self.sc.user('acme')['email'])
        res = self.ctl('export', '--format', 'json')
        self.assertCtl(res, 0, stream='out')
        self.assertEqual(len(json.loads(res.out)), 5)
        self.assertNoSecrets(res.out)
        res = self.ctl('export', '--since', '2999-01-01', '--format', 'json')
        self.assertEqual(json.loads(res.out), [])

    def test_usage_errors(self):
        self.assertCtl(self.ctl('export', '--format', 'xml'), 2, 'csv or json')
        self.assertCtl(self.ctl('history', '--since', 'someday'), 2)
        self.assertCtl(self.ctl('history', 'no-such-thing'), 1)
        res = self.ctl('history')
        self.assertCtl(res, 0, 'Nothing recorded yet.', stream='out')


if __name__ == '__main__':
    main()
