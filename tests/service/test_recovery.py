# test_recovery.py: a missing, empty, broken, truncated or huge state file never
# costs a keyring item; the broken file is kept aside, and putting the good one
# back brings everything back
import glob
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmtharness import (  # noqa: E402
    IFACE_MANAGER, MANAGER_PATH, Keyring, ServiceTestCase, main, now, secret)


class TestRecovery(ServiceTestCase):
    valgrind_subset = {'test_broken_state_is_moved_aside'}
    autostart_daemon = False

    def manager_prop(self, name):
        return self.client.get_property(MANAGER_PATH, IFACE_MANAGER, name)

    def populate(self):
        self.start_daemon()
        acc = self.add_account('acme')
        jira = self.add_server('jira', 'pat')
        wiki = self.add_server('wiki', 'basic')
        c1 = self.client.add_connection(jira, acc, self.fake.site_url('acme'))
        self.client.add_connection(wiki, acc, self.fake.site_url('acme'),
                                   renewed_at=now() - 3 * 86400)
        self.client.renew(c1)
        # A replaced secret: its old slot is retired and cleared at once.
        self.client.replace_secret(wiki, 'pat', '', self.sc.pat('wiki'))
        sid = wiki.rsplit('/', 1)[1]
        self.client.wait_until(lambda: len(self.keyring.items(object=sid)) == 1, 10,
                               'the replaced secret to be cleared')
        self.daemon.stop()
        state = os.path.join(self.daemon.state_dir(), 'state.ini')
        with open(state, 'rb') as f:
            good = f.read()
        return state, good

    def item_paths(self):
        return sorted(i['path'] for i in self.keyring.items())

    def this_start_log(self):
        text = self.daemon.log_text()
        return text[text.rfind('==== start '):]

    def settle(self):
        """The daemon owns its name and has gone through the keyring: the
        listing is logged after every deletion it decided on was sent (and
        each one is logged), so none can still be on its way unseen."""
        self.client.wait_until(lambda: self.manager_prop('KeyringState') == 'unlocked', 10,
                               'the keyring to be seen unlocked')
        self.client.wait_until(lambda: 'Keyring: ' in self.this_start_log(), 10,
                               'the keyring items to be gone through')
        self.assertNotIn('Removing the superseded keyring item', self.this_start_log())
        self.client.managed_objects()

    def start_with(self, state, contents):
        for f in glob.glob(state + '.broken-*'):
            os.unlink(f)
        if contents is None:
            if os.path.exists(state):
                os.unlink(state)
        else:
            with open(state, 'wb') as f:
                f.write(contents)
            os.chmod(state, 0o600)
        self.daemon.start()
        self.settle()

    def assert_all_back(self, state, good, before_objects, items):
        self.start_with(state, good)
        self.assertEqual(self.item_paths(), items)
        self.assertEqual(self.manager_prop('StrayKeyringItems'), 0)
        after = self.snapshot()
        self.assertEqual(sorted(before_objects), sorted(after))
        for path in list(self.client.objects('io.github.cmatoken.CloudAccount1')) + \
                list(self.client.objects('io.github.cmatoken.Server1')):
            self.client.check(path)
        self.daemon.stop()

    IDENTITY = {
        'io.github.cmatoken.CloudAccount1': ('Email', 'SiteUrl'),
        'io.github.cmatoken.Server1': ('Product', 'BaseUrl', 'AuthKind', 'Username'),
        'io.github.cmatoken.Connection1': ('Server', 'CloudAccount', 'CloudSiteUrl', 'RenewedAt'),
    }

    def identities(self, objs, ifaces=None):
        """What names each object: its path and the properties that identify it."""
        out = {}
        for path, props in objs.items():
            for iface, names in self.IDENTITY.items():
                if iface in props and (ifaces is None or iface in ifaces):
                    out[path] = tuple(props[iface][n] for n in names)
        return out

    def wait_rebuilt(self, before, ifaces):
        want = self.identities(before, ifaces)
        self.client.wait_until(lambda: self.identities(self.client.managed_objects()) == want, 10,
                               'the objects to be rebuilt from the keyring: %r' % (want,))

    def test_no_state_file_deletes_nothing(self):
        # The state file is gone: the cloud account and both servers (one of
        # them with a replaced secret) come back from their keyring items,
        # under the same paths; nothing is deleted, nothing is left stray.
        state, good = self.populate()
        items = self.item_paths()
        self.assertEqual(len(items), 3)
        self.daemon.start()
        before = self.snapshot()
        self.daemon.stop()
        for name, contents in (('missing', None), ('empty', b'')):
            with self.subTest(name):
                self.start_with(state, contents)
                self.assertEqual(self.item_paths(), items, name)
                self.wait_rebuilt(before, ('io.github.cmatoken.CloudAccount1',
                                           'io.github.cmatoken.Server1'))
                self.assertEqual(self.manager_prop('StrayKeyringItems'), 0)
                for path in self.identities(before):
                    if 'io.github.cmatoken.Connection1' not in before[path]:
                        self.client.check(path)
                        # A rebuilt account's expiry date is not in the keyring.
                        want = ('expiry-unknown' if 'io.github.cmatoken.CloudAccount1' in before[path]
                                else 'valid')
                        self.assertEqual(self.client.props(path)['Status'], want, path)
                self.daemon.stop()
                # What was rebuilt is in the new state file and loads again.
                self.daemon.start()
                self.wait_rebuilt(before, ('io.github.cmatoken.CloudAccount1',
                                           'io.github.cmatoken.Server1'))
                self.daemon.stop()
        self.assert_all_back(state, good, before, items)

    def test_connections_come_back_with_their_rebuilt_objects(self):
        # A state file that lost the account and server groups but kept the
        # connections: the account and servers are rebuilt from the keyring,
        # then the connections that refer to them load.
        state, good = self.populate()
        items = self.item_paths()
        self.daemon.start()
        before = self.snapshot()
        self.daemon.stop()
        kept, keep = [], True
        for line in good.split(b'\n'):
            if line.startswith(b'['):
                keep = line.startswith(b'[Connection ')
            if keep:
                kept.append(line)
        partial = b'\n'.join(kept)
        self.assertIn(b'[Connection ', partial)
        self.assertNotIn(b'[Server ', partial)
        self.start_with(state, partial)
        self.wait_rebuilt(before, None)
        self.assertEqual(self.item_paths(), items)
        self.assertEqual(self.manager_prop('StrayKeyringItems'), 0)
        conn = [p for p in before if 'io.github.cmatoken.Connection1' in before[p]][0]
        self.client.renew(conn)
        self.assertEqual(self.client.props(conn)['Status'], 'valid')
        self.daemon.stop()
        self.assert_all_back(state, good, before, items)

    def test_an_item_of_an_object_added_again_stays_stray(self):
        # The account was added again under another id (after a loss): the
        # old item that describes the same email and site is not turned into
        # a second account.
        self.start_daemon()
        acc = self.add_account('acme')
        p = self.client.props(acc)
        self.daemon.stop()
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': 'Earl1er', 'slot': 'x1', 'stored': '1',
                                  'site': p['SiteUrl'], 'email': p['Email']},
                                 'cmatoken: earlier', secret('earlier'))
        self.daemon.start()
        self.client.wait_until(lambda: self.manager_prop('StrayKeyringItems') == 1, 10,
                               'the earlier item to be counted')
        self.assertEqual(list(self.client.objects('io.github.cmatoken.CloudAccount1')), [acc])
        self.daemon.stop()

    def test_items_that_describe_nothing_stay_stray(self):
        # An item without the describing attributes (an older cmatoken, or
        # another tool) and one whose description does not validate are kept
        # and counted, never turned into objects.
        self.start_daemon()
        self.daemon.stop()
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': 'Old0nes', 'slot': 'x1'},
                                 'cmatoken: old', secret('old'))
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'server',
                                  'object': 'Bad0ne', 'slot': 'x2', 'stored': '1',
                                  'product': 'jira', 'url': 'ftp://evil.example', 'auth': 'pat',
                                  'user': ''},
                                 'cmatoken: bad', secret('bad'))
        self.daemon.start()
        self.client.wait_until(lambda: self.manager_prop('StrayKeyringItems') == 2, 10,
                               'the two items to be counted')
        self.assertEqual([p for p in self.client.managed_objects() if p != MANAGER_PATH], [])
        self.assertIn('Could not rebuild Bad0ne', self.daemon.log_text())
        self.daemon.stop()

    def test_broken_state_is_moved_aside(self):
        state, good = self.populate()
        items = self.item_paths()
        self.daemon.start()
        before = self.snapshot()
        self.daemon.stop()
        rnd = random.Random(4)
        cases = [
            ('random bytes', bytes(rnd.getrandbits(8) for _ in range(4096))),
            ('invalid UTF-8', good.replace(b'=', b'=\xff\xfe', 1)),
            ('a NUL', good[:40] + b'\x00' + good[40:]),
            ('not a key file', b'garbage [[[\nno equals sign here\n'),
        ]
        for name, contents in cases:
            with self.subTest(name):
                self.start_with(state, contents)
                self.assertEqual(self.item_paths(), items, name)
                broken = glob.glob(state + '.broken-*')
                self.assertEqual(len(broken), 1, broken)
                with open(broken[0], 'rb') as f:
                    self.assertEqual(f.read(), contents, 'the broken file was not kept as it was')
                self.assertIn('moved to', self.daemon.log_text())
                self.daemon.stop()
        self.assert_all_back(state, good, before, items)

    def test_truncated_and_duplicated(self):
        state, good = self.populate()
        items = self.item_paths()
        self.daemon.start()
        before = self.snapshot()
        self.daemon.stop()
        boundaries = [i for i in range(len(good)) if good[i:i + 1] == b'[' and (i == 0 or good[i - 1:i] == b'\n')]
        rnd = random.Random(7)
        offsets = sorted(set(boundaries + [b - 1 for b in boundaries if b > 0] +
                             rnd.sample(range(1, len(good)), min(50, len(good) - 1))))
        first_group_end = boundaries[1] if len(boundaries) > 1 else len(good)
        cases = [('truncated at %d' % o, good[:o]) for o in offsets]
        cases.append(('a group duplicated', good + b'\n' + good[:first_group_end]))
        for name, contents in cases:
            with self.subTest(name):
                self.start_with(state, contents)
                self.assertEqual(self.item_paths(), items, name)
                self.daemon.stop()
        self.assert_all_back(state, good, before, items)

    def test_huge_state_file(self):
        state, good = self.populate()
        items = self.item_paths()
        self.daemon.start()
        before = self.snapshot()
        self.daemon.stop()
        huge = b'x' * (100 * 1024 * 1024)
        self.start_with(state, huge)
        self.assertEqual(self.item_paths(), items)
        self.daemon.stop()
        self.assert_all_back(state, good, before, items)

    def test_leftover_temporary_files_are_removed(self):
        state, good = self.populate()
        left = state + '.Ab12Cd'
        keep = state + '.broken-20260101T000000Z'
        for path in (left, keep):
            with open(path, 'wb') as f:
                f.write(good[:10])
            os.chmod(path, 0o600)
        self.daemon.start()
        self.assertFalse(os.path.exists(left), 'a temporary file of an interrupted write is left')
        self.assertTrue(os.path.exists(keep), 'a kept broken copy was removed')
        self.daemon.stop()

    def test_only_superseded_slots_are_deleted(self):
        # Items the state file does not name (an unknown object, a slot of a
        # known one that is not recorded as superseded) are kept and counted;
        # a slot recorded as superseded is deleted.
        self.start_daemon()
        acc = self.add_account('acme')
        aid = acc.rsplit('/', 1)[1]
        self.daemon.stop()
        ghost = self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                          'object': 'Ghost0rphan', 'slot': 'x1'},
                                         'cmatoken: unknown', secret('orphan'))
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': aid, 'slot': 'unrecorded0'},
                                 'cmatoken: unrecorded', secret('unrecorded'))
        self.keyring.create_item({'xdg:schema': Keyring.SCHEMA, 'kind': 'cloud-account',
                                  'object': aid, 'slot': 'retired0'},
                                 'cmatoken: retired', secret('retired'))
        state = os.path.join(self.daemon.state_dir(), 'state.ini')
        with open(state, 'a') as f:
            f.write('\n[Retired]\n%s=retired0;\n' % aid)
        self.daemon.start()
        self.client.wait_until(lambda: not [i for i in self.keyring.items(object=aid)
                                            if i['attributes']['slot'] == 'retired0'], 10,
                               'the superseded slot to be deleted')
        self.client.wait_until(lambda: self.manager_prop('StrayKeyringItems') == 2, 10,
                               'the two unnamed items to be counted')
        self.assertIn(ghost, self.item_paths())
        self.assertEqual(len(self.keyring.items(object=aid)), 2)
        self.client.check(acc)
        self.assertEqual(self.client.props(acc)['Status'], 'valid')
        self.daemon.stop()
        with open(state) as f:
            self.assertNotIn('retired0', f.read(), 'the record outlived its keyring item')


if __name__ == '__main__':
    main()
