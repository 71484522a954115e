# test_persistence.py: everything survives kill -9 and restarts; the key file holds no secret
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi.repository import GLib  # noqa: E402

from cmtharness import (  # noqa: E402
    DAY, ERROR_NAMES, IFACE_CONNECTION, Daemon, DBusCallError, ServiceTestCase, main, now, scaled,
    secret)


def read_text(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


class TestPersistence(ServiceTestCase):
    valgrind_subset = {'test_kill_and_restart', 'test_kill_during_replace_token_keeps_the_old', 'test_key_file', 'test_unparsable_key_file_is_not_overwritten'}
    daemon_per_class = True


    def populate(self):
        """A bit of everything; returns the connections."""
        a1 = self.add_account('acme')
        a2 = self.client.add_cloud_account('admin2@acme.test', self.fake.site_url('acme'),
                                           self.sc.token('acme', 'admin2@acme.test'),
                                           now() + 90 * DAY, check=False)
        a3 = self.add_account('other')
        jira = self.add_server('jira', 'pat')
        wiki = self.add_server('wiki', 'basic')
        jira2 = self.client.add_server('jira', self.fake.server_url('jira2'), 'pat', '',
                                       self.sc.pat('jira2'), now() + 30 * DAY, check=False)
        c1 = self.client.add_connection(jira, a1, self.fake.site_url('acme'))
        c2 = self.client.add_connection(wiki, a1, self.fake.site_url('acme'),
                                        renewed_at=now() - 3 * DAY)
        c3 = self.client.add_connection(jira2, a2, self.fake.site_url('acme'), check=False)
        c4 = self.client.add_connection(jira, a3, self.fake.site_url('other'))
        self.client.renew(c1)
        self.client.renew(c3, account=a1)          # changes the account of c3
        self.client.mark_renewed(c4, now() - 20 * DAY)
        self.client.set_auto_renew(c2, True, True)
        self.fake.add_fault({'endpoint': 'save', 'status': 500, 'count': 1})
        with self.assertRaisesDBus('TokenRejected'):
            self.client.renew(c4)                  # leaves LastError and AttentionNeeded
        return [c1, c2, c3, c4]

    def assert_same_after(self, before, restart):
        restart()
        after = self.snapshot()
        self.assertEqual(sorted(before), sorted(after))
        self.assertEqual(before, after)

    def renew_all(self, conns):
        for c in conns:
            expires = self.client.renew(c)
            p = self.client.props(c)
            self.assertEqual((p['ExpiresAt'], p['Status'], p['LastError']),
                             (expires, 'valid', ''))

    def test_kill_and_restart(self):
        conns = self.populate()
        before = self.snapshot()
        self.assertEqual(self.client.props(conns[2])['CloudAccount'],
                         self.find_account('acme'))
        self.assert_same_after(before, lambda: self.daemon.restart(kill=True))
        # The secrets came back too: every connection renews again.
        saves = self.fake.counters()
        self.renew_all(conns)
        after = self.fake.counters()
        self.assertEqual(after['save_requests:jira'], saves['save_requests:jira'] + 2)
        self.assertEqual(after['save_requests:wiki'], saves['save_requests:wiki'] + 1)
        self.assertEqual(after['save_requests:jira2'], saves['save_requests:jira2'] + 1)
        self.assertEqual(sorted(h['cloudUrl'] for h in self.fake.holds('jira')),
                         sorted([self.fake.site_url('acme'), self.fake.site_url('other')]))
        # And a clean restart keeps it all as well.
        before = self.snapshot()
        self.assert_same_after(before, lambda: self.daemon.restart(kill=False))

    def test_kill_right_after_each_change(self):
        """A reply means it is stored: kill -9 at once after each call loses nothing."""
        steps = [
            lambda: self.add_account('acme'),
            lambda: self.add_server('jira'),
            lambda: self.add_server('wiki', 'basic'),
            lambda: self.client.add_connection(self.find_server('jira'), self.find_account('acme'),
                                               self.fake.site_url('acme')),
            lambda: self.client.add_connection(self.find_server('wiki'), self.find_account('acme'),
                                               self.fake.site_url('acme')),
            lambda: self.client.renew(self.conn_of('jira')),
            lambda: self.client.mark_renewed(self.conn_of('wiki'), now() - DAY),
            lambda: self.client.set_auto_renew(self.conn_of('jira'), True, True),
            lambda: self.client.remove(self.conn_of('wiki')),
            lambda: self.client.remove(self.find_server('wiki')),
        ]
        for i, step in enumerate(steps):
            step()
            before = self.snapshot()
            self.daemon.kill9()
            self.daemon.start()
            self.assertEqual(before, self.snapshot(), 'lost by a kill after step %d' % i)
        self.renew_all([self.conn_of('jira')])

    def conn_of(self, server):
        srv = self.find_server(server)
        for p, props in self.client.objects(IFACE_CONNECTION).items():
            if props['Server'] == srv:
                return p
        raise AssertionError('no connection for %s' % server)

    def test_replaced_secrets_survive_a_kill(self):
        conn = self.add_connection('jira', 'acme', 'admin2@acme.test')
        acc = self.client.props(conn)['CloudAccount']
        user = dict(self.sc.user('acme', 'admin2@acme.test'))
        user['api_token'] = secret('ATATT-new')
        self.fake.set_user('acme', user)           # the old token is revoked at the site
        try:
            self.client.replace_token(acc, user['api_token'])
            self.daemon.kill9()
            self.daemon.start()
            self.client.renew(conn)
            # No stale slot: exactly one keyring item for the account, holding the new token.
            items = self.keyring.items(kind='cloud-account', object=acc.rsplit('/', 1)[1])
            self.client.wait_until(
                lambda: len(self.keyring.items(kind='cloud-account',
                                               object=acc.rsplit('/', 1)[1])) == 1,
                10, 'one keyring item for the account')
            items = self.keyring.items(kind='cloud-account', object=acc.rsplit('/', 1)[1])
            self.assertEqual(self.keyring.secret_of(items[0]['path']), user['api_token'])
        finally:
            self.fake.set_user('acme', self.sc.user('acme', 'admin2@acme.test'))

    def test_kill_during_replace_token_keeps_the_old(self):
        """Killed while ReplaceToken checks the new token: the old one is still there."""
        conn = self.add_connection('jira', 'acme')
        acc = self.client.props(conn)['CloudAccount']
        self.fake.add_fault({'endpoint': 'cloud-myself', 'delay_ms': 3000, 'count': 1})
        pending = self.client.call_async(acc, 'io.github.cmatoken.CloudAccount1', 'ReplaceToken',
                                         GLib.Variant('(sx)', (secret('ATATT-never'), 0)))
        self.client.wait_until(lambda: self.fake.counters()['cloud-myself'] >= 1, 10,
                               'the check of the new token to start')
        self.daemon.kill9()
        self.client.wait_pending(pending, 10)
        self.daemon.start()
        self.client.renew(conn)                    # with the old token
        aid = acc.rsplit('/', 1)[1]
        self.client.wait_until(lambda: len(self.keyring.items(object=aid)) == 1, 10,
                               'one keyring item for the account')
        item = self.keyring.items(object=aid)[0]
        self.assertEqual(self.keyring.secret_of(item['path']), self.sc.token('acme'))

    def test_removal_survives_a_kill(self):
        conn = self.add_connection('wiki', 'acme')
        srv = self.client.props(conn)['Server']
        self.client.remove(conn)
        self.client.remove(srv)
        self.daemon.kill9()
        self.daemon.start()
        objs = self.snapshot()
        self.assertNotIn(conn, objs)
        self.assertNotIn(srv, objs)
        self.client.wait_until(
            lambda: not self.keyring.items(kind='server', object=srv.rsplit('/', 1)[1]),
            10, 'the removed server\'s secret to be gone')

    def test_ids_are_stable_and_distinct(self):
        conns = self.populate()
        ids = [p.rsplit('/', 1)[1] for p in self.snapshot()]
        self.assertEqual(len(ids), len(set(ids)))
        self.daemon.restart(kill=True)
        # New objects after a restart never reuse an id still in use.
        c5 = self.add_connection('jira2', 'other')
        self.assertNotIn(c5, conns)
        self.assertEqual(len(self.snapshot()), len(ids) + 1)

    def test_replace(self):
        """cmatokend --replace takes over from a running daemon, which exits."""
        conn = self.add_connection('jira', 'acme')
        before = self.snapshot()
        old = self.daemon
        new = Daemon(self.fake, self.client, root=old.root, args=['--replace']).start()
        try:
            old.proc.wait(scaled(20))
            self.assertEqual(old.proc.returncode, 0, 'the replaced daemon exited with %s'
                             % old.proc.returncode)
            old._log.close()
            self.assertEqual(before, self.snapshot())
            self.client.renew(conn)
        finally:
            type(self).daemon = new

    def test_second_daemon_does_not_steal_the_name(self):
        self.add_account('acme')
        pid = self.client.owner_pid()
        state = [f for f in self.daemon.state_files() if '[CloudAccount ' in read_text(f)][0]
        stat_before = os.stat(state)
        second = Daemon(self.fake, self.client, root=self.daemon.root)
        with self.assertRaises((RuntimeError, AssertionError)):
            second.start(timeout=10)
        try:
            second.proc.wait(scaled(20))
        finally:
            second.kill9()
        self.assertNotEqual(second.proc.returncode, 0)
        self.assertEqual(self.client.owner_pid(), pid)
        self.assertTrue(self.daemon.running())
        # The instance that did not get the name must not write the state
        # file: it would put back what it read, over newer changes.
        stat_after = os.stat(state)
        self.assertEqual((stat_before.st_ino, stat_before.st_mtime_ns),
                         (stat_after.st_ino, stat_after.st_mtime_ns),
                         'the refused second instance rewrote %s' % state)

    def test_unwritable_state(self):
        """When the key file cannot be written, a change fails with Failed and
        is not made (a reply means the change is on disk)."""
        acc = self.add_account('acme')
        before = self.snapshot()
        state_dir = self.daemon.state_dir()
        aside = state_dir + '.aside'
        os.rename(state_dir, aside)
        with open(state_dir, 'w') as f:        # a file where the directory was
            f.write('not a directory\n')
        try:
            with self.assertRaisesDBus('Failed') as cm:
                self.add_server('jira', check=False)
            self.assertNoSecrets(cm.exception.message)
            with self.assertRaisesDBus('Failed'):      # a removal that cannot be stored
                self.client.remove(acc)
            self.assertUnchanged(before)
        finally:
            os.unlink(state_dir)
            os.rename(aside, state_dir)
        # Writable again: changes go through, and nothing half-done came back.
        self.add_server('jira', check=False)
        self.daemon.restart(kill=True)
        objs = self.snapshot()
        self.assertIn(acc, objs)
        self.assertEqual(len(self.client.objects('io.github.cmatoken.Server1')), 1)
        # The refused removal did not delete the account's token either.
        self.client.check(acc)
        self.assertEqual(self.client.props(acc)['Status'], 'valid')

    def test_key_file(self):
        self.populate()
        self.daemon.stop()
        files = self.daemon.state_files()
        self.assertTrue(files, 'no state file under %s' % self.daemon.state_dir())
        for path in files:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(mode, 0o600, '%s has mode %o' % (path, mode))
            with open(path, 'rb') as f:
                text = f.read().decode('utf-8', 'replace')
            self.assertNoSecrets(text, path)
        dir_mode = stat.S_IMODE(os.stat(self.daemon.state_dir()).st_mode)
        self.assertEqual(dir_mode & 0o077, 0, 'the state dir is open to others: %o' % dir_mode)
        self.daemon.start()

    def test_unparsable_key_file_is_not_overwritten(self):
        self.add_account('acme')
        self.daemon.stop()
        files = [f for f in self.daemon.state_files() if '[CloudAccount ' in read_text(f)]
        self.assertEqual(len(files), 1, self.daemon.state_files())
        with open(files[0], 'wb') as f:
            f.write(b'\x00\xff garbage [[[\n')
        # The daemon starts; what it could not read is kept aside, never
        # overwritten, and changes go to a new state file.
        self.daemon.start()
        broken = [f for f in self.daemon.state_files() if '.broken-' in f]
        self.assertEqual(len(broken), 1, self.daemon.state_files())
        self.add_server('jira')
        with open(broken[0], 'rb') as f:
            self.assertEqual(f.read(), b'\x00\xff garbage [[[\n',
                             'the unreadable state file was overwritten')
        self.daemon.kill9()
        # A clean slate for the next test: without the keyring items too
        # (the service would rebuild the objects from them, test_recovery.py).
        for f in self.daemon.state_files():
            os.unlink(f)
        self.keyring.delete_all()
        self.daemon.start()


if __name__ == '__main__':
    main()
