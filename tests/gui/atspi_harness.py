# atspi_harness.py: drives the real cmatoken window under Xvfb through AT-SPI, for the end-to-end tests
"""End-to-end GUI harness: a real X server (Xvfb), the real app, AT-SPI.

Run inside ``cmt-session`` (a private session bus that can D-Bus-activate
the accessibility bus, org.a11y.Bus, and the built app), with /usr/bin/python3
(it needs gi and pyatspi). Reuse it from any GUI test::

    from atspi_harness import Display, App, screenshot_dir

    with Display() as display:            # Xvfb on a free display number
        app = App(display).start()        # BUILDDIR/gui/cmatoken
        app.find('label', 'No Connections Yet')
        app.click(app.find('push button', 'Add Connection'))
        app.screenshot('empty')
        app.quit()

The pieces:

``Display(width, height)``
    Starts ``Xvfb`` on a free display (``-displayfd``), sets ``DISPLAY`` in
    this process and in the session bus's activation environment (so that an
    app or service the bus starts finds it), and stops it at ``stop()``.

``App(display, args=(), env=None, lang=None)``
    ``start()`` runs BUILDDIR/gui/cmatoken (or ``activate_action()`` lets
    D-Bus start it, as a notification would); ``accessible()`` is its AT-SPI
    application. Finding: ``find(role, name)`` waits until a widget with that
    role and name is on screen (non-empty extents: GTK 4.8 never sets
    SHOWING), ``find_all()``, ``wait_gone()``, ``texts()`` (the visible
    labels). Acting: ``click()`` (the "click" action), ``set_text()`` and
    ``type_text()`` (EditableText), ``pointer_click()`` (xdotool at the
    widget's centre; check boxes and switches have no action in GTK 4.8),
    ``key()`` (xdotool key names, e.g. "alt+2", "Escape"), ``screenshot()``.
    ``activate_action(name, target)`` calls org.freedesktop.Application
    ActivateAction on io.github.cmatoken (``gapplication action``), which
    D-Bus-activates the app when it is not running. ``quit()`` ends it.

Names: GTK 4.8 sometimes appends a button's own label to its accessible name
("Renew jira.example.com Renew…", "_Retry Retry"); ``name_matches()``
accepts the wanted name as the whole name or as its first or last part.

Screenshots go to $CMT_SCREENSHOT_DIR, else BUILDDIR/tests/screenshots.
Time limits are multiplied by $CMT_TIMEOUT_MULTIPLIER.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import gi
gi.require_version('Atspi', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Atspi, Gio, GLib  # noqa: E402
import pyatspi  # noqa: E402

APP_ID = 'io.github.cmatoken'
APP_PATH = '/io/github/cmatoken'
MULTIPLIER = float(os.environ.get('CMT_TIMEOUT_MULTIPLIER', '1') or '1')


def log(*args):
    print('[atspi %s]' % time.strftime('%H:%M:%S'), *args, file=sys.stderr, flush=True)


def scaled(seconds):
    return seconds * MULTIPLIER


def builddir():
    path = os.environ.get('CMT_BUILDDIR')
    if not path:
        raise RuntimeError('CMT_BUILDDIR is not set: run the tests inside tests/cmt-session')
    return path


def screenshot_dir():
    path = os.environ.get('CMT_SCREENSHOT_DIR') or os.path.join(builddir(), 'tests', 'screenshots')
    os.makedirs(path, exist_ok=True)
    return path


def name_matches(actual, wanted):
    """True when @wanted is @actual, or its first or last space-separated part."""
    if wanted is None:
        return True
    if actual is None:
        return False
    return actual == wanted or actual.startswith(wanted + ' ') or actual.endswith(' ' + wanted)


def iterate(timeout=0.02):
    """Lets AT-SPI events (and anything else on the default context) through."""
    ctx = GLib.MainContext.default()
    end = time.monotonic() + timeout
    while True:
        while ctx.pending():
            ctx.iteration(False)
        if time.monotonic() >= end:
            break
        time.sleep(0.005)


def wait_until(predicate, timeout=10, what='a condition', interval=0.1):
    """Polls @predicate until it returns something true; returns that, or raises."""
    deadline = time.monotonic() + scaled(timeout)
    last_error = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except (GLib.Error, ValueError) as e:  # an accessible that went away while we looked
            last_error = e
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s%s' % (
                timeout, what, (' (last error: %s)' % last_error) if last_error else ''))
        iterate(interval)


def update_activation_environment(**env):
    """Sets variables in the session bus's environment for the services it starts."""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                  'UpdateActivationEnvironment', GLib.Variant('(a{ss})', (env,)),
                  None, Gio.DBusCallFlags.NONE, -1, None)


class Display:
    """An Xvfb server on a free display number."""

    def __init__(self, width=1280, height=900, depth=24):
        self.size = (width, height, depth)
        self.proc = None
        self.name = None

    def start(self):
        if not shutil.which('Xvfb'):
            raise RuntimeError('Xvfb is not installed (package xvfb)')
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '%dx%dx%d' % self.size,
             '-nolisten', 'tcp', '-noreset'],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        number = b''
        deadline = time.monotonic() + scaled(20)
        with os.fdopen(read_fd, 'rb') as f:
            while not number.endswith(b'\n'):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError('Xvfb did not start')
                chunk = f.read(1)
                if not chunk:
                    break
                number += chunk
        self.name = ':' + number.decode().strip()
        os.environ['DISPLAY'] = self.name
        os.environ['GDK_BACKEND'] = 'x11'
        os.environ.pop('WAYLAND_DISPLAY', None)
        # Whatever the bus starts (the app by D-Bus activation, the a11y bus) needs the
        # display, and an activated app must be as visible to AT-SPI as one App starts.
        update_activation_environment(DISPLAY=self.name, GDK_BACKEND='x11', GTK_A11Y='atspi',
                                      GDK_DEBUG='gl-disable')
        log('Xvfb on', self.name)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _extents(acc):
    try:
        return acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    except (NotImplementedError, GLib.Error, AttributeError, ValueError):
        return None


def _parent(acc):
    try:
        return acc.get_parent()
    except (GLib.Error, ValueError):
        return None


def _ancestors(acc):
    """@acc's ancestors, nearest first, up to (not including) the application."""
    out = []
    node = _parent(acc)
    while node is not None and role_of(node) != 'application':
        out.append(node)
        node = _parent(node)
    return out


def on_screen(acc, ancestors=None):
    """Whether @acc can be seen now. GTK 4.8 never sets SHOWING; a widget
    never shown has empty extents, one slid out of its window negative ones,
    but one on a stack page that was shown and then hidden keeps its old
    extents. So ask the window what is at @acc's centre (gtk_widget_pick):
    @acc is on screen if the answer is @acc, inside @acc, or one of @acc's
    containers (insensitive and untargetable widgets are not picked), and not
    if it is something else (a widget of the page shown instead).
    @ancestors (nearest first) saves looking them up."""
    ext = _extents(acc)
    if ext is None or ext.width <= 0 or ext.height <= 0 or ext.x + ext.width <= 0 or ext.y + ext.height <= 0:
        return False
    if ancestors is None:
        ancestors = _ancestors(acc)
    if not ancestors:
        return True   # a window
    window = ancestors[-1]
    try:
        hit = window.queryComponent().getAccessibleAtPoint(ext.x + ext.width // 2, ext.y + ext.height // 2,
                                                           pyatspi.WINDOW_COORDS)
    except (NotImplementedError, GLib.Error, AttributeError, ValueError):
        return True
    if hit is None:
        # The point is on something not exposed (an icon inside a button):
        # no answer either way, so the extents decide.
        return True
    if hit == acc or any(hit == a for a in ancestors[:-1]):
        return True
    node = _parent(hit)
    while node is not None and node != window:
        if node == acc:
            return True
        node = _parent(node)
    return False


def _window_shown(window):
    ext = _extents(window)
    return ext is not None and ext.width > 0 and ext.height > 0


def role_of(acc):
    try:
        return acc.getRoleName()
    except (GLib.Error, ValueError):
        return None


def name_of(acc):
    try:
        return acc.name
    except (GLib.Error, ValueError):
        return None


def text_of(acc):
    """The text of a label or entry (its Text interface), else its name."""
    try:
        text = acc.queryText()
        return text.getText(0, text.characterCount)
    except (NotImplementedError, GLib.Error, AttributeError, ValueError):
        return name_of(acc)


def children_of(acc):
    """@acc's children; none for an accessible that went away meanwhile."""
    try:
        n = acc.get_child_count()
    except (GLib.Error, ValueError):
        return []
    out = []
    for i in range(max(n, 0)):
        try:
            child = acc.get_child_at_index(i)
        except (GLib.Error, ValueError):
            continue
        if child is not None:
            out.append(child)
    return out


def walk(acc, depth=0, max_depth=60, ancestors=()):
    """Every accessible under @acc, depth first."""
    for node, _ancestors_of_node in walk_with_ancestors(acc, depth, max_depth, ancestors):
        yield node


def walk_with_ancestors(acc, depth=0, max_depth=60, ancestors=()):
    """(accessible, its ancestors nearest first) for everything under @acc."""
    if acc is None or depth > max_depth:
        return
    yield acc, ancestors
    inner = (acc,) + ancestors
    for child in children_of(acc):
        yield from walk_with_ancestors(child, depth + 1, max_depth, inner)


def dump(acc, out=sys.stderr, only_on_screen=True):
    """Prints the tree, for debugging a test."""
    def rec(a, depth):
        if a is None:
            return
        if only_on_screen and depth > 1 and not on_screen(a) and role_of(a) not in ('panel', 'filler'):
            return
        ext = _extents(a)
        print('%s%s "%s" %s' % ('  ' * depth, role_of(a), name_of(a),
                                '(%d,%d %dx%d)' % (ext.x, ext.y, ext.width, ext.height) if ext else ''),
              file=out)
        for c in children_of(a):
            rec(c, depth + 1)
    rec(acc, 0)


class App:
    """The cmatoken app, seen through AT-SPI."""

    def __init__(self, display, args=(), env=None, lang=None):
        self.display = display
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update({
            'DISPLAY': display.name,
            'GDK_BACKEND': 'x11',
            'GTK_A11Y': 'atspi',
            # No GL under Xvfb: cairo draws the same, and sanitizer runs stay clean.
            'GDK_DEBUG': 'gl-disable',
            'NO_AT_BRIDGE': '0',
            'GSETTINGS_BACKEND': os.environ.get('GSETTINGS_BACKEND', 'keyfile'),
            'CMT_LOCALEDIR': os.path.join(builddir(), 'po'),
        })
        if lang:
            self.env.update({'LANG': lang, 'LC_ALL': lang, 'LANGUAGE': lang.split('.')[0].split('_')[0]})
        if env:
            self.env.update(env)
        self.proc = None
        self.pid = None
        self._app = None
        self.log_path = None
        self._log = None

    # --- starting and stopping ---

    def start(self, timeout=30):
        """Runs BUILDDIR/gui/cmatoken and waits for its window."""
        binary = os.path.join(builddir(), 'gui', 'cmatoken')
        session_dir = os.environ.get('CMT_SESSION_DIR') or '/tmp'
        self.log_path = os.path.join(session_dir, 'cmatoken-%d.log' % int(time.time() * 1000))
        self._log = open(self.log_path, 'w')
        self.proc = subprocess.Popen([binary] + self.args, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        log('started', binary, 'pid', self.pid)
        self.window(timeout=timeout)
        return self

    def activate_action(self, action, target=None, platform_data=None):
        """ActivateAction on io.github.cmatoken: starts the app by D-Bus activation if needed."""
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        params = [GLib.Variant('s', target)] if target is not None else []
        bus.call_sync(APP_ID, APP_PATH, 'org.freedesktop.Application', 'ActivateAction',
                      GLib.Variant('(sava{sv})', (action, params, platform_data or {})),
                      None, Gio.DBusCallFlags.NONE, int(scaled(30) * 1000), None)
        if self.pid is None:
            reply = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                  'GetConnectionUnixProcessID', GLib.Variant('(s)', (APP_ID,)),
                                  GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE, -1, None)
            self.pid = reply.unpack()[0]
            log('the app runs as pid', self.pid, '(D-Bus activated)')
        return self

    def running(self):
        if self.proc is not None:
            return self.proc.poll() is None
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def quit(self, timeout=20):
        """Asks the app to quit (app.quit), then makes sure it is gone."""
        if not self.running():
            return
        try:
            self.activate_action('quit')
        except GLib.Error as e:
            log('quit through D-Bus failed:', e.message)
        deadline = time.monotonic() + scaled(timeout)
        while self.running() and time.monotonic() < deadline:
            if self.proc is not None:
                try:
                    self.proc.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.1)
        if self.running():
            log('the app did not quit; killing it')
            os.kill(self.pid, signal.SIGKILL)
            if self.proc is not None:
                self.proc.wait()
        self._app = None
        self.pid = None
        self.proc = None
        if getattr(self, '_log', None) is not None:
            self._log.close()
            self._log = None

    def log_text(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ''
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()

    # --- finding ---

    def accessible(self, timeout=30):
        """The app's AT-SPI application object."""
        def lookup():
            if self._app is not None:
                try:
                    if self._app.get_process_id() == self.pid:
                        return self._app
                except GLib.Error:
                    self._app = None
            desktop = pyatspi.Registry.getDesktop(0)
            for app in children_of(desktop):
                try:
                    if app is not None and app.get_process_id() == self.pid:
                        self._app = app
                        return app
                except GLib.Error:
                    continue
            return None
        return wait_until(lookup, timeout, 'the app on the accessibility bus (pid %s)' % self.pid)

    def windows(self):
        """The app's windows on screen, in the order the app lists them (the
        main window is a "frame"; AdwWindow dialogs show up as "filler",
        message dialogs as "dialog")."""
        return [w for w in children_of(self.accessible()) if _window_shown(w)]

    def window(self, title=None, timeout=30):
        """A window of the app, on screen, by title (the first one without)."""
        def lookup():
            for child in self.windows():
                if title is None or name_matches(name_of(child), title):
                    return child
            return None
        return wait_until(lookup, timeout, 'a window%s' % (' "%s"' % title if title else ''))

    def wait_window_gone(self, window, timeout=10):
        wait_until(lambda: window not in self.windows(), timeout,
                   'the window "%s" to close' % name_of(window))

    def find_all(self, role=None, name=None, root=None, visible=True, match=None):
        """Every accessible with @role and @name (see name_matches) now; @match(acc) filters further."""
        found = []
        start = root if root is not None else self.accessible()
        # Ancestors up to the window (the application itself is left out).
        base = tuple(_ancestors(start)) if root is not None else ()
        for acc, ancestors in walk_with_ancestors(start, ancestors=base):
            if acc == start and root is None:
                continue
            if role is not None and role_of(acc) != role:
                continue
            if name is not None and not name_matches(name_of(acc), name):
                continue
            if match is not None and not match(acc):
                continue
            if visible and not on_screen(acc, list(a for a in ancestors if a != self._app)):
                continue
            found.append(acc)
        return found

    def find(self, role=None, name=None, root=None, timeout=10, visible=True, match=None, what=None):
        """Waits for one accessible with @role and @name; returns the first."""
        def lookup():
            found = self.find_all(role, name, root, visible, match)
            return found[0] if found else None
        return wait_until(lookup, timeout, what or '%s "%s"' % (role or 'anything', name))

    def find_text(self, text, role='label', root=None, timeout=10):
        """Waits for a visible @role whose text is @text."""
        return self.find(role, None, root, timeout, match=lambda a: text_of(a) == text,
                         what='%s with the text "%s"' % (role, text))

    def wait_gone(self, role=None, name=None, root=None, timeout=10, match=None):
        wait_until(lambda: not self.find_all(role, name, root, match=match), timeout,
                   '%s "%s" to go away' % (role or 'anything', name))

    def wait_text_gone(self, text, role='label', root=None, timeout=10):
        wait_until(lambda: not self.find_all(role, None, root, match=lambda a: text_of(a) == text),
                   timeout, '%s with the text "%s" to go away' % (role, text))

    def texts(self, root=None, role='label'):
        """The visible texts of every @role under @root (default: the whole app)."""
        return [text_of(a) for a in self.find_all(role, None, root)]

    CONTROL_ROLES = ('push button', 'toggle button', 'check box', 'radio button', 'text',
                     'password text', 'spin button', 'switch', 'combo box', 'page tab',
                     'slider', 'entry', 'level bar', 'menu item', 'calendar')

    def unnamed_controls(self, root=None):
        """Controls on screen without an accessible name (what a screen reader
        could not announce), as "role at (x, y)" strings."""
        out = []
        for acc in self.find_all(None, None, root, match=lambda a: role_of(a) in self.CONTROL_ROLES):
            if not (name_of(acc) or '').strip():
                ext = _extents(acc)
                out.append('%s at (%d, %d)' % (role_of(acc), ext.x, ext.y))
        return out

    def has_state(self, acc, state):
        try:
            return acc.getState().contains(state)
        except GLib.Error:
            return False

    # --- acting ---

    def do_action(self, acc, action='click'):
        actions = acc.queryAction()
        for i in range(actions.nActions):
            if actions.getName(i) == action:
                actions.doAction(i)
                iterate(0.1)
                return
        raise AssertionError('%s "%s" has no action %s (it has %s)' % (
            role_of(acc), name_of(acc), action,
            [actions.getName(i) for i in range(actions.nActions)]))

    def click(self, acc):
        """Clicks a button through its AT-SPI "click" action."""
        self.do_action(acc, 'click')

    def press(self, role, name, timeout=10):
        """Finds and clicks."""
        acc = self.find(role, name, timeout=timeout)
        self.click(acc)
        return acc

    def set_text(self, acc, text):
        """Replaces the text of an entry (AdwEntryRow, AdwPasswordEntryRow: role "text")."""
        acc.queryEditableText().setTextContents(text)
        iterate(0.1)

    def type_text(self, acc, text):
        """Inserts @text at the end of an entry's text."""
        editable = acc.queryEditableText()
        editable.insertText(acc.queryText().characterCount, text, len(text))
        iterate(0.1)

    def pointer_click(self, acc):
        """Clicks with the pointer at the centre of @acc (no window manager: screen coordinates)."""
        ext = _extents(acc)
        if ext is None or ext.width <= 0:
            raise AssertionError('%s "%s" is not on screen' % (role_of(acc), name_of(acc)))
        x, y = ext.x + ext.width // 2, ext.y + ext.height // 2
        subprocess.run(['xdotool', 'mousemove', '--sync', str(x), str(y), 'click', '1'],
                       env=self.env, check=True)
        iterate(0.2)

    def toggle(self, acc):
        """Toggles a check box or switch (they expose no action in GTK 4.8)."""
        self.pointer_click(acc)

    def key(self, *keys):
        """Sends keys to the focused window, e.g. key('alt+2'), key('Escape')."""
        subprocess.run(['xdotool', 'key', '--clearmodifiers'] + list(keys), env=self.env, check=True)
        iterate(0.2)

    def screenshot(self, name, window=None):
        """Saves the whole screen as NAME.png in screenshot_dir(), or only
        @window (an accessible from windows()) cut out of it; returns the path."""
        path = os.path.join(screenshot_dir(), name + '.png')
        iterate(0.3)  # let the last frame reach the screen
        crop = []
        if window is not None:
            # No window manager: each window's size is its extents, at its
            # position on the screen.
            ext = window.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
            if ext.width <= 0 or ext.height <= 0:
                raise AssertionError('the window "%s" has no size to capture' % name_of(window))
            crop = ['-crop', '%dx%d+%d+%d' % (ext.width, ext.height, max(ext.x, 0), max(ext.y, 0)), '+repage']
        subprocess.run(['import', '-window', 'root'] + crop + [path], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log('screenshot', path)
        return path
