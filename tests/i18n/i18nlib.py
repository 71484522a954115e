# i18nlib.py: the language a localization test runs in (CMT_I18N_LANG) and the words expected in it
"""Shared by the tests in tests/i18n (run inside cmt-session).

``setup_locale()`` makes this process and everything it starts (the daemon,
the app, cmatokenctl) run as a desktop session in $CMT_I18N_LANG would:
LANG set, LANGUAGE and the LC_* overrides unset, and CMT_LOCALEDIR pointing
at the build tree's catalogues (BUILDDIR/po/<lang>/LC_MESSAGES/cmatoken.mo).

``Words`` says what to expect: the English msgid, or its translation from
the built catalogue for ja; ``japanese`` checks that a translated text really
is Japanese (so an untranslated or missing catalogue fails, never passes).
"""

import gettext
import os
import re
import time

LANG = os.environ.get('CMT_I18N_LANG', 'ja_JP.UTF-8')
IS_JA = LANG.startswith('ja')
JAPANESE = re.compile('[\u3040-\u30ff\u3400-\u9fff]')


def builddir():
    path = os.environ.get('CMT_BUILDDIR')
    if not path:
        raise RuntimeError('CMT_BUILDDIR is not set: run the tests inside tests/cmt-session')
    return path


def localedir():
    return os.path.join(builddir(), 'po')


def setup_locale():
    """LANG=$CMT_I18N_LANG, nothing overriding it, the build tree's catalogues."""
    for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LC_TIME', 'LC_CTYPE'):
        os.environ.pop(name, None)
    os.environ['LANG'] = LANG
    os.environ['CMT_LOCALEDIR'] = localedir()
    # Our own strftime() (expected dates) in the same locale.
    import locale
    locale.setlocale(locale.LC_ALL, '')


def mo_path():
    return os.path.join(localedir(), 'ja', 'LC_MESSAGES', 'cmatoken.mo')


def japanese(text):
    return bool(JAPANESE.search(text or ''))


class Words:
    """The texts the programs should show in LANG."""

    def __init__(self):
        if IS_JA:
            if not os.path.exists(mo_path()):
                raise AssertionError('the Japanese catalogue is not built: %s' % mo_path())
            self.cat = gettext.translation('cmatoken', localedir(), languages=['ja'])
        else:
            self.cat = gettext.NullTranslations()

    def _(self, msgid):
        out = self.cat.gettext(msgid)
        if IS_JA and not japanese(out):
            raise AssertionError('po/ja.po does not translate %r (got %r)' % (msgid, out))
        return out

    def tr(self, msgid):
        """The translation, or the msgid where ja.po keeps it (Atlassian's button names)."""
        return self.cat.gettext(msgid)

    def translated_msgids(self):
        """English texts that ja.po translates to something else: none of them should be on screen in ja."""
        catalog = getattr(self.cat, '_catalog', {})
        out = set()
        for key, value in catalog.items():
            if isinstance(key, tuple):  # plural forms
                continue
            msgid = key.split('\x04', 1)[-1]
            if msgid and value and value != msgid and japanese(value):
                out.add(msgid)
        return out

    def C_(self, context, msgid):
        return self.cat.pgettext(context, msgid)

    def n_(self, singular, plural, n):
        return self.cat.ngettext(singular, plural, n)

    # Written out here, not taken from the catalogue, so that a wrong
    # translation or date format is caught too.
    def expires_in_days(self, n):
        return ('あと %d 日で期限切れ' % n) if IS_JA else \
            ('Expires in %d day' % n if n == 1 else 'Expires in %d days' % n)

    def expired_days_ago(self, n):
        return ('%d 日前に期限切れ' % n) if IS_JA else \
            ('Expired %d day ago' % n if n == 1 else 'Expired %d days ago' % n)

    def date(self, when):
        """cmt_expiry_format_date(): "12 月 12 日" / "12 December" (with the year when not this one)."""
        t = time.localtime(when)
        this_year = t.tm_year == time.localtime().tm_year
        if IS_JA:
            return ('%d 月 %d 日' % (t.tm_mon, t.tm_mday)) if this_year else \
                ('%d 年 %d 月 %d 日' % (t.tm_year, t.tm_mon, t.tm_mday))
        english_months = ['January', 'February', 'March', 'April', 'May', 'June', 'July',
                          'August', 'September', 'October', 'November', 'December']
        out = '%d %s' % (t.tm_mday, english_months[t.tm_mon - 1])
        return out if this_year else '%s %d' % (out, t.tm_year)

    # cmatokenctl status: the ISO date and the days left or past.
    def days_left(self, when, n):
        iso = time.strftime('%Y-%m-%d', time.localtime(when))
        return ('%s (あと %d 日)' % (iso, n)) if IS_JA else ('%s (%d d)' % (iso, n))

    def days_ago(self, when, n):
        iso = time.strftime('%Y-%m-%d', time.localtime(when))
        return ('%s (%d 日前)' % (iso, n)) if IS_JA else ('%s (%d d ago)' % (iso, n))

    def valid_until(self, when):
        return ('%sまで有効' % self.date(when)) if IS_JA else ('Valid until %s' % self.date(when))

    def token_expires_in_days(self, product, host, n):
        """The EXPIRING notification's summary."""
        if IS_JA:
            return '%s の %s トークンはあと %d 日で期限切れになります' % (host, product, n)
        return 'The %s token for %s expires in %d day%s' % (product, host, n, '' if n == 1 else 's')


def lang_tag():
    """"ja" or "en", for screenshot names."""
    return LANG.split('_')[0]
