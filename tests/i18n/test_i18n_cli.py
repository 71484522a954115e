#!/usr/bin/python3
# test_i18n_cli.py: `cmatokenctl status` speaks the session's language (LANG=$CMT_I18N_LANG), dates included
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'cli'))
sys.path.insert(0, os.path.join(HERE, '..', 'service'))

from i18nlib import IS_JA, LANG, Words, japanese, setup_locale  # noqa: E402

setup_locale()

from cliharness import CliTestCase, ctl_env, ctl_path, main  # noqa: E402
from cmtharness import DAY, IFACE_CONNECTION, now  # noqa: E402

import subprocess  # noqa: E402
import tempfile  # noqa: E402


class TestStatusLanguage(CliTestCase):

    def ctl_in_lang(self, *args):
        """cmatokenctl ARGS as a session in LANG runs it: LANGUAGE and LC_ALL unset."""
        env = ctl_env({'LANG': LANG})
        for name in ('LC_ALL', 'LANGUAGE', 'LC_MESSAGES', 'LC_TIME'):
            env.pop(name, None)
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        proc = subprocess.Popen([ctl_path()] + list(args), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, env=env)
        return self.ctl_wait(proc, (out, err))

    def test_status(self):
        w = Words()
        expiring = self.add_connection('jira', 'acme', renewed_at=now() - 18 * DAY - 3600)
        valid = self.add_connection('wiki', 'acme', renewed_at=now() - 2 * DAY)
        expired = self.add_connection('jira', 'other', renewed_at=now() - 23 * DAY - 3600,
                                      check=False)

        def expires(c):
            return self.client.get_property(c, IFACE_CONNECTION, 'ExpiresAt')
        res = self.ctl_in_lang('status')
        self.assertIn(res.rc, (0, 3), res.err)
        out = res.out
        print(out, file=sys.stderr)
        self.assertIn(w._('Connections'), out)
        # ISO dates, with the days left or past in the language.
        self.assertIn(w.days_left(expires(expiring), 3), out)
        self.assertIn(w.days_left(expires(valid), 19), out)
        self.assertIn(w.days_ago(expires(expired), 2), out)
        if IS_JA:
            self.assertTrue(japanese(out))
            for english in ('Connections', 'Valid until', 'Expires in', 'Expired ',
                            'January', 'February', 'March', 'April', 'June', 'July', 'August',
                            'September', 'October', 'November', 'December'):
                self.assertNotIn(english, out, 'English left in the Japanese status')
        else:
            self.assertFalse(japanese(out), 'Japanese in the English status:\n' + out)


if __name__ == '__main__':
    main()
