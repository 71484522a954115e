#!/usr/bin/python3
"""test_po.py: every translatable string is in po/POTFILES.in and translated in po/ja.po."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

SRCDIR = os.environ.get('CMT_SRCDIR') or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOMS = ['data', 'lib', 'service', 'gui', 'cli']
MARKERS = re.compile(r'(\b_\(|\bN_\(|\bC_\(|\bNC_\(|ngettext\s*\(|g_dngettext\s*\(|translatable="yes"|<summary>|^_?Name=|<_?name>)', re.M)
SUFFIXES = ('.c', '.h', '.ui', '.desktop.in', '.metainfo.xml.in', '.gschema.xml')
XGETTEXT_KEYWORDS = ['--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
                     '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
                     '--keyword=g_dpgettext2:2c,3', '--keyword=ngettext:1,2']


def potfiles():
    with open(os.path.join(SRCDIR, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.startswith('#')]


class PoTest(unittest.TestCase):
    def test_potfiles_complete(self):
        listed = set(potfiles())
        missing = []
        for room in ROOMS:
            for dirpath, _dirs, files in os.walk(os.path.join(SRCDIR, room)):
                for name in files:
                    if not name.endswith(SUFFIXES):
                        continue
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, SRCDIR)
                    with open(path, encoding='utf-8', errors='replace') as f:
                        text = f.read()
                    if name.endswith('.h') and rel not in listed:
                        continue  # headers rarely hold strings; listed ones are checked below
                    if MARKERS.search(text) and rel not in listed:
                        missing.append(rel)
        self.assertEqual(missing, [], 'files with translatable strings missing from po/POTFILES.in')

    def test_potfiles_exist(self):
        for rel in potfiles():
            self.assertTrue(os.path.exists(os.path.join(SRCDIR, rel)), f'{rel} is listed in POTFILES.in but does not exist')

    def test_ja_complete(self):
        po = os.path.join(SRCDIR, 'po', 'ja.po')
        res = subprocess.run(['msgfmt', '--check', '--statistics', '-o', '/dev/null', po],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertNotIn('fuzzy', res.stderr, res.stderr)
        self.assertNotIn('untranslated', res.stderr, res.stderr)

    def test_ja_covers_sources(self):
        with tempfile.TemporaryDirectory() as tmp:
            pot = os.path.join(tmp, 'cmatoken.pot')
            subprocess.run(['xgettext', '--from-code=UTF-8', '--add-comments=Translators',
                            '--package-name=cmatoken', '-o', pot, '--directory', SRCDIR]
                           + XGETTEXT_KEYWORDS + potfiles(), check=True, capture_output=True)
            res = subprocess.run(['msgcmp', os.path.join(SRCDIR, 'po', 'ja.po'), pot],
                                 capture_output=True, text=True)
            self.assertEqual(res.returncode, 0,
                             'po/ja.po lacks translations of current source strings:\n' + res.stderr[-4000:])


if __name__ == '__main__':
    unittest.main(verbosity=2)
