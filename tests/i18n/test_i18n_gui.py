#!/usr/bin/python3
# test_i18n_gui.py: the app's main pages and the JCMA renewal flow in the session's language (LANG=$CMT_I18N_LANG), through AT-SPI
"""The real app under Xvfb, the real cmatokend, gnome-keyring and the fake
Atlassian (see tests/gui/atspi_harness.py), run as a session with
LANG=$CMT_I18N_LANG and LANGUAGE unset. Saves screenshots as
i18n-<ja|en>-*.png in $CMT_SCREENSHOT_DIR or BUILDDIR/tests/screenshots.

In Japanese, no English text that po/ja.po translates may be on screen."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'gui'))
sys.path.insert(0, os.path.join(HERE, '..', 'service'))

from i18nlib import IS_JA, LANG, Words, japanese, lang_tag, setup_locale  # noqa: E402

setup_locale()

import subprocess  # noqa: E402

import pyatspi  # noqa: E402

from atspi_harness import (App, Display, iterate, log, name_of, role_of,  # noqa: E402
                           text_of, wait_until)
from cmtharness import DAY, IFACE_CONNECTION, ServiceTestCase, main, now  # noqa: E402


def url_display(url):
    return url.split('://', 1)[1].rstrip('/')


def object_id(path):
    return path.rsplit('/', 1)[1]


class I18nGuiTest(ServiceTestCase):

    @classmethod
    def setUpClass(cls):
        cls.display = Display().start()
        try:
            super().setUpClass()
        except Exception:
            cls.display.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.display.stop()

    def setUp(self):
        super().setUp()
        self.w = Words()
        self.app = None
        self.addCleanup(self.quit_app)

    def quit_app(self):
        if self.app is None:
            return
        result = getattr(self._outcome, 'result', None)
        failed = result is not None and any(t is self for t, _ in result.failures + result.errors)
        if failed:
            log('app log:\n%s' % self.app.log_text()[-6000:])
            if self.app.running():
                self.app.screenshot('FAILED-i18n-%s-%s' % (lang_tag(), self._testMethodName))
        self.app.quit()
        output = self.app.log_text()
        for problem in ('ERROR: AddressSanitizer', 'runtime error:', '-CRITICAL **'):
            self.assertNotIn(problem, output, output[-4000:])
        self.app = None

    def start_app(self):
        # LANG only (the harness's lang= would set LANGUAGE and LC_ALL too).
        self.app = App(self.display, env={'LANG': LANG})
        for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LC_TIME'):
            self.app.env.pop(name, None)
        return self.app.start()

    def shot(self, name, window=None):
        """The screen as i18n-<lang>-NAME.png; with @window, also that window
        alone as i18n-<lang>-NAME-window.png (the AppStream screenshots,
        build-aux/screenshots.sh)."""
        # The pointer off the windows: a tooltip left from a click would cover a row.
        subprocess.run(['xdotool', 'mousemove', '1279', '899'], env=self.app.env, check=True)
        iterate(0.5)
        if window is not None:
            self.app.screenshot('i18n-%s-%s-window' % (lang_tag(), name), window)
        return self.app.screenshot('i18n-%s-%s' % (lang_tag(), name))

    def find_word(self, text, root=None, timeout=10):
        """Anything visible whose text or accessible name is @text (labels, page tabs, titles)."""
        return self.app.find(None, None, root=root, timeout=timeout,
                             match=lambda a: text_of(a) == text or name_of(a) == text,
                             what='"%s" on screen' % text)

    def visible_texts(self, root=None):
        out = []
        for acc in self.app.find_all(None, None, root=root,
                                     match=lambda a: role_of(a) in ('label', 'heading', 'push button', 'page tab',
                                                                    'toggle button', 'check box',
                                                                    'frame', 'filler', 'dialog')):
            for t in (text_of(acc), name_of(acc)):
                if t:
                    out.append(t)
        return out

    def assertLanguage(self, where, root=None):
        """Japanese: no English text ja.po translates; English: no Japanese at all."""
        texts = self.visible_texts(root)
        if IS_JA:
            msgids = self.w.translated_msgids()
            english = sorted({t for t in texts if t in msgids})
            self.assertEqual(english, [], 'untranslated texts on the %s' % where)
            self.assertTrue(any(japanese(t) for t in texts), 'no Japanese on the %s' % where)
        else:
            self.assertEqual(sorted({t for t in texts if japanese(t)}), [],
                             'Japanese on the English %s' % where)

    def add_connections(self):
        t = now()
        self.jira = self.add_connection('jira', 'acme', renewed_at=t - 18 * DAY - 3600)
        self.wiki = self.add_connection('wiki', 'acme', renewed_at=t - 2 * DAY)
        self.old = self.add_connection('jira', 'other', renewed_at=t - 23 * DAY - 3600, check=False)

    def test_main_pages(self):
        w = self.w
        self.add_connections()
        app = self.start_app()
        main_window = app.window(w._('Cloud Migration Tokens'))

        # Connections: the page's name, each row's state in words, the date in the language's form.
        self.find_word(w._('Connections'))
        app.find_text(w.expires_in_days(3))
        app.find_text(w.valid_until(self.client.get_property(self.wiki, IFACE_CONNECTION, 'ExpiresAt')))
        app.find_text(w.expired_days_ago(2))
        app.find_text(w._('Cloud account: %s') % 'admin@acme.test')
        self.shot('connections', main_window)
        self.assertLanguage('connections page', main_window)

        app.key('alt+2')
        self.find_word(w._('Cloud Accounts'))
        app.find_text('admin@acme.test')
        self.shot('accounts')
        self.assertLanguage('cloud accounts page', main_window)

        app.key('alt+3')
        self.find_word(w._('Servers'))
        app.find_text(url_display(self.fake.server_url('wiki')))
        self.shot('servers')
        self.assertLanguage('servers page', main_window)

    def test_jcma_flow(self):
        w = self.w
        self.add_connections()
        app = self.start_app()
        main_window = app.window(w._('Cloud Migration Tokens'))
        app.find_text(w.expires_in_days(3))

        app.activate_action('renew-connection', object_id(self.jira))
        dialog = wait_until(lambda: [x for x in app.windows() if x != main_window], 10, 'the renewal flow')[0]
        title = w._('Renew the %1$s Token').replace('%1$s', 'JCMA')
        self.find_word(title, root=dialog)

        # Atlassian's steps, as the Migration Assistant names them (ja.po keeps
        # the English of some, as Atlassian's Japanese UI does).
        self.find_word(w.tr('How it works'), root=dialog)
        self.shot('jcma-how', dialog)
        self.assertLanguage('renewal flow (how it works)', dialog)
        app.click(app.find('push button', w.tr('Connect to cloud'), root=dialog))

        self.find_word(w.tr('Choose your destination cloud site'), root=dialog)
        self.shot('jcma-site')
        self.assertLanguage('renewal flow (cloud site)', dialog)
        app.click(app.find('push button', w.tr('Choose cloud site'), root=dialog))

        self.find_word(w.tr('Choose your cloud destination'), root=dialog)
        self.shot('jcma-account')
        self.assertLanguage('renewal flow (account)', dialog)
        app.click(app.find('push button', w.tr('Continue'), root=dialog))

        self.find_word(w._('Ready to Renew'), root=dialog)
        confirm = app.find('push button', w.tr('Confirm'), root=dialog)
        self.assertFalse(confirm.getState().contains(pyatspi.STATE_SENSITIVE))
        consent = app.find('check box', w.tr('Allow Atlassian to access migrations data'), root=dialog)
        app.toggle(consent)
        wait_until(lambda: confirm.getState().contains(pyatspi.STATE_SENSITIVE), 5, 'Confirm to be enabled')
        self.shot('jcma-consent', dialog)
        self.assertLanguage('renewal flow (consent)', dialog)
        app.click(confirm)

        self.find_word(w._('Token Renewed'), root=dialog, timeout=30)
        expires = self.client.get_property(self.jira, IFACE_CONNECTION, 'ExpiresAt')
        self.assertGreater(expires, now() + 20 * DAY)
        # "The token on … is valid until 12 月 16 日." with the language's date.
        wait_until(lambda: any(w.date(expires) in t for t in app.texts(dialog)), 5,
                   'the new expiry date (%s) on the success page' % w.date(expires))
        self.shot('jcma-success')
        self.assertLanguage('renewal flow (success)', dialog)


if __name__ == '__main__':
    main()
