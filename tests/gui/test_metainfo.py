#!/usr/bin/python3
"""test_metainfo.py METAINFO: the built AppStream file has what software centres
show: screenshots in English and Japanese that exist under data/screenshots/
with the sizes it states, a developer id, this version in <releases>, a content
rating, and its keywords and captions in Japanese. (appstreamcli validate
--pedantic runs as gui-metainfo.)"""
import os
import struct
import sys
import unittest
import xml.etree.ElementTree as ET

SRCDIR = os.environ.get('CMT_SRCDIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RAW = 'https://raw.githubusercontent.com/cmatoken/cmatoken/main/'
LANG = '{http://www.w3.org/XML/1998/namespace}lang'
METAINFO = None
VERSION = None


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        raise AssertionError('%s is not a PNG' % path)
    return struct.unpack('>II', head[16:24])


class MetainfoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = ET.parse(METAINFO).getroot()

    def test_screenshots_exist_in_both_languages(self):
        shots = self.root.findall('screenshots/screenshot')
        self.assertGreaterEqual(len(shots), 2)
        self.assertEqual(len([s for s in shots if s.get('type') == 'default']), 1)
        for shot in shots:
            images = shot.findall('image')
            self.assertEqual(sorted(i.get(LANG) or 'en' for i in images), ['en', 'ja'])
            for image in images:
                url = image.text.strip()
                self.assertTrue(url.startswith(RAW + 'data/screenshots/'), url)
                path = os.path.join(SRCDIR, url[len(RAW):])
                self.assertTrue(os.path.isfile(path), '%s names %s, which is not in the tree' % (url, path))
                self.assertEqual(png_size(path), (int(image.get('width')), int(image.get('height'))), path)
                lang = image.get(LANG) or 'en'
                self.assertTrue(path.endswith('-%s.png' % lang), '%s: not the %s picture' % (path, lang))
            captions = {c.get(LANG) or 'en': c.text for c in shot.findall('caption')}
            self.assertIn('en', captions)
            self.assertIn('ja', captions, 'the caption "%s" has no Japanese' % captions['en'])

    def test_developer_releases_rating(self):
        developer = self.root.find('developer')
        self.assertIsNotNone(developer)
        self.assertEqual(developer.get('id'), 'io.github.cmatoken')
        self.assertTrue(developer.findtext('name'))
        versions = [r.get('version') for r in self.root.findall('releases/release')]
        self.assertIn(VERSION, versions)
        self.assertEqual(versions[0], VERSION, 'the newest release comes first')
        self.assertEqual(self.root.find('content_rating').get('type'), 'oars-1.1')

    def test_keywords_in_japanese(self):
        keywords = self.root.findall('keywords/keyword')
        english = [k.text for k in keywords if k.get(LANG) is None]
        japanese = [k.text for k in keywords if k.get(LANG) == 'ja']
        self.assertIn('Jira', english)
        self.assertGreaterEqual(len(japanese), 3)
        self.assertTrue(all(any(ord(ch) > 0x3000 for ch in k) for k in japanese), japanese)


if __name__ == '__main__':
    METAINFO, VERSION = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
