# test_ja.py: cmatokenctl in Japanese (LANG=ja_JP.UTF-8, the build tree's catalogue): words, dates, aligned columns
import gettext
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import (  # noqa: E402
    DAY, CliTestCase, builddir, main, now, parse_table, table_section)

LOCALEDIR = os.environ.get('CMT_LOCALEDIR') or os.path.join(builddir(), 'po')
JA = {'LANG': 'ja_JP.UTF-8', 'LC_ALL': 'ja_JP.UTF-8', 'LANGUAGE': 'ja', 'CMT_LOCALEDIR': LOCALEDIR}


def catalogue():
    try:
        return gettext.translation('cmatoken', LOCALEDIR, languages=['ja'])
    except OSError:
        return None


def pgettext(cat, context, msgid):
    return cat.pgettext(context, msgid)


class TestJapanese(CliTestCase):

    def setUp(self):
        super().setUp()
        self.cat = catalogue()
        # Until po/ja.po covers cmatokenctl there is nothing to check; the
        # localization test (tests/test_po.py) fails meanwhile.
        if self.cat is None or self.cat.gettext('Connections') == 'Connections':
            self.skipTest('po/ja.po does not translate cmatokenctl yet')

    def test_status_in_japanese(self):
        self.cli_add_connection('jira', 'acme', renewed_at=now() - 18 * DAY)
        self.cli_add_connection('wiki', 'acme', renewed_at=now() - 2 * DAY)
        res = self.ctl('status', env=JA)
        self.assertIn(res.rc, (0, 3), res.err)
        title = self.cat.gettext('Connections')
        self.assertIn(title, res.out)
        lines = table_section(res.out, title)
        heading = lines[0]
        for column in ('ID', 'STATUS', 'EXPIRY', 'AUTO-RENEW'):
            self.assertIn(pgettext(self.cat, 'column', column), heading)
        rows = parse_table(lines)
        self.assertEqual(len(rows), 2)
        for r in rows:
            for name, (cell, aligned) in ((h, v) for h, v in r.items() if h != '!'):
                self.assertTrue(aligned, 'column %s is misaligned in %r' % (name, r))
        expiry = pgettext(self.cat, 'column', 'EXPIRY')
        texts = [r[expiry][0] for r in rows]
        # "2026-12-10 (あと 3 日)": the ISO date, the days left in Japanese.
        self.assertTrue(any(t.endswith('(あと 3 日)') for t in texts), texts)
        for t in texts:
            self.assertRegex(t, r'^\d{4}-\d\d-\d\d \(あと \d+ 日\)$')
        self.assertFalse(any(' d)' in t or 'Expires in' in t for t in texts), texts)

    def test_errors_in_japanese(self):
        res = self.ctl('renew', 'x', env=JA)
        self.assertEqual(res.rc, 2)
        self.assertNotIn('Renewing lets Atlassian', res.err)


if __name__ == '__main__':
    main()
