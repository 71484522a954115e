#!/usr/bin/python3
# test_i18n_notify.py: cmatokend's desktop notifications speak the session's language (LANG=$CMT_I18N_LANG)
"""The daemon runs with LANG=$CMT_I18N_LANG (LANGUAGE unset) and the build
tree's catalogues; python-dbusmock's notification server on the private bus
records what it posts. A connection added with a renewal date that puts it
inside the warning window already is announced as expiring at once."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'watch'))
sys.path.insert(0, os.path.join(HERE, '..', 'service'))

from i18nlib import IS_JA, LANG, Words, japanese, localedir, setup_locale  # noqa: E402

setup_locale()

from watchlib import DAY, WatchTestCase, main, now  # noqa: E402


class TestNotificationLanguage(WatchTestCase):
    # Inherited by the daemon from this process too; said again for clarity.
    daemon_env = {'LANG': LANG, 'CMT_LOCALEDIR': localedir()}

    def host(self, server):
        # As cmt_url_display() shows a server: host:port/path.
        return self.fake.server_url(server).split('://', 1)[1]

    def test_expiring_connection(self):
        w = Words()
        self.assertNotIn('LANGUAGE', self.daemon.env())
        self.assertNotIn('LC_ALL', self.daemon.env())
        lifetime, warn = self.times()
        conn = self.add_connection('jira', 'acme', renewed_at=now() - lifetime + warn - 60,
                                   check=False)
        expires = self.client.props(conn)['ExpiresAt']
        n = self.notifications.wait_notifies(1, 10, 'the expiring announcement')[0]
        print('notification:', n['summary'], '|', n['body'], '|', n['actions'], file=sys.stderr)
        self.assertEqual(n['summary'], w.token_expires_in_days('JCMA', self.host('jira'), warn // DAY))
        # The buttons (the "default" action is a click on the bubble, no label shown).
        # The day it stops working, in the language's date format ("11 月 30 日", "30 November").
        self.assertIn(w.date(expires), n['body'])
        actions = [n['actions'][k] for k in ('renew', 'later')]
        if IS_JA:
            self.assertTrue(japanese(n['body']), 'the body is not Japanese: %r' % n['body'])
            for label in actions:
                self.assertTrue(japanese(label), 'an action is not translated: %r' % (actions,))
        else:
            for text in [n['summary'], n['body']] + actions:
                self.assertFalse(japanese(text), 'Japanese in an English notification: %r' % text)
            self.assertIn('Renew…', actions)


if __name__ == '__main__':
    main()
