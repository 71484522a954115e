# cliharness.py: runs cmatokenctl for the CLI tests, on top of the service tests' harness
"""The CLI tests drive the real cmatokenctl against the real cmatokend (started by
tests/service/cmtharness.py, with the fake Atlassian) inside cmt-session.

``CliTestCase.ctl(*args, input=...)`` runs cmatokenctl with the secret, if any, on
its standard input, while this process keeps serving D-Bus (so a test can stand in
for the app), and checks that no secret the tests know appears in what it printed.
"""

import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'service'))

from cmtharness import (  # noqa: E402,F401
    DAY, IFACE_ACCOUNT, IFACE_CONNECTION, IFACE_SERVER, ROOT_PATH, Client, Hygiene,
    Scenario, ServiceTestCase, builddir, log, main, now, scaled, secret)

Result = collections.namedtuple('Result', 'rc out err')

ID_IN_OUTPUT = re.compile(r'\(id ([A-Za-z0-9_]+)\)')


def ctl_path():
    return os.environ.get('CMT_CTL') or os.path.join(builddir(), 'cli', 'cmatokenctl')


def ctl_env(extra=None):
    """English messages, and http:// on loopback accepted (the fake is plain HTTP)."""
    env = dict(os.environ)
    env['CMATOKEN_ALLOW_INSECURE_LOOPBACK'] = '1'
    env['LANG'] = 'C.UTF-8'
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    # Tables are cut to $COLUMNS: the tests choose it.
    env.pop('COLUMNS', None)
    env.update(extra or {})
    return env


BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=%(dir)s</listen>
  <auth>EXTERNAL</auth>
  <servicedir>%(dir)s/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
'''


def run_on_empty_bus(args, services=None, before=None):
    """Runs cmatokenctl ARGS on a bus of its own where nothing runs and only
    @services ({name: Exec line}) can be activated; @before (a program)
    is started in the background first. Returns (rc, out, err)."""
    tmp = tempfile.mkdtemp(dir=os.environ.get('CMT_SESSION_DIR'))
    try:
        os.makedirs(os.path.join(tmp, 'services'))
        for name, exec_line in (services or {}).items():
            with open(os.path.join(tmp, 'services', name + '.service'), 'w') as f:
                f.write('[D-BUS Service]\nName=%s\nExec=%s\n' % (name, exec_line))
        conf = os.path.join(tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG % {'dir': tmp})
        command = [ctl_path()] + list(args)
        if before is not None:
            # The background program is ended with the bus when the client is done.
            command = ['sh', '-c', '"$0" & pid=$!; "$@"; rc=$?; kill $pid; wait $pid; exit $rc',
                       before] + command
        env = ctl_env({'XDG_DATA_HOME': os.path.join(tmp, 'data'),
                       'XDG_STATE_HOME': os.path.join(tmp, 'state'),
                       'XDG_CONFIG_HOME': os.path.join(tmp, 'config')})
        proc = subprocess.run(['dbus-run-session', '--config-file=' + conf, '--'] + command,
                              env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=120)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def display_width(text):
    """Terminal columns, as a CJK-aware terminal counts them."""
    w = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        w += 2 if unicodedata.east_asian_width(c) in ('W', 'F') else 1
    return w


def table_section(out, title):
    """The lines of the table under @title in `status` output (up to the blank line)."""
    lines = out.split('\n')
    start = lines.index(title) + 1
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return lines[start:end]


def parse_table(lines):
    """[{heading: cell}] for a table printed by cmatokenctl. Columns are found in the
    heading line (runs of two spaces separate headings) and cut from each row by
    display column, so a row whose wide characters were counted wrongly shows up
    as cells cut in the wrong place."""
    header = lines[0]
    # Headings may be wide (Japanese): their start is a display column too.
    starts = [(display_width(header[:m.start()]), m.group(0))
              for m in re.finditer(r'\S+(?: \S+)*', header)]
    rows = []
    for line in lines[1:]:
        cols = []  # (display column, char)
        col = 0
        for c in line:
            cols.append((col, c))
            col += display_width(c)
        # The first column, without a heading, marks what needs attention.
        row = {'!': line.startswith('!')}
        for i, (start, name) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else 10 ** 6
            cell = ''.join(c for (x, c) in cols if start <= x < end)
            # A cell must start exactly at its column: the char before is a space.
            before = [c for (x, c) in cols if x == start - 1]
            row[name] = (cell.strip(), not before or before[0] == ' ')
        rows.append(row)
    return rows


class CliTestCase(ServiceTestCase):
    """A ServiceTestCase that also runs cmatokenctl."""

    def setUp(self):
        # cmatokenctl starts the service by D-Bus activation when it is not running
        # (after a crash, say): such a daemon knows no fake and must not outlive its test.
        if not self.daemon_per_class:
            self._stop_stray_daemon()
        super().setUp()

    def _stop_stray_daemon(self):
        if self.client.name_owner() is None:
            return
        pid = self.client.owner_pid()
        log('stopping a cmatokend (pid %d) that D-Bus activated' % pid)
        os.kill(pid, signal.SIGTERM)
        self.client.wait_until(lambda: self.client.name_owner() is None, 20,
                               'the activated cmatokend to stop')

    def ctl(self, *args, input=None, env=None, timeout=120):
        """Runs cmatokenctl ARGS; @input (str) goes to its stdin (else /dev/null)."""
        proc, files = self.ctl_start(*args, input=input, env=env)
        return self.ctl_wait(proc, files, timeout)

    def ctl_start(self, *args, input=None, env=None):
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen([ctl_path()] + [str(a) for a in args],
                                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=out, stderr=err, env=ctl_env(env))
        if input is not None:
            # It may exit (a usage error) before it reads: that is no failure here.
            try:
                proc.stdin.write(input.encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass
        return proc, (out, err)

    def ctl_wait(self, proc, files, timeout=120):
        """Waits for it while serving this process's D-Bus objects."""
        deadline = time.monotonic() + scaled(timeout)
        while proc.poll() is None:
            Client.iterate()
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                self.fail('cmatokenctl %s did not finish within %.0f s'
                          % (' '.join(proc.args[1:]), scaled(timeout)))
            time.sleep(0.01)
        out, err = files
        out.seek(0)
        err.seek(0)
        res = Result(proc.returncode, out.read().decode('utf-8', 'replace'),
                     err.read().decode('utf-8', 'replace'))
        out.close()
        err.close()
        self.assertNoSecrets(res.out, 'the standard output of cmatokenctl %s' % ' '.join(proc.args[1:]))
        self.assertNoSecrets(res.err, 'the standard error of cmatokenctl %s' % ' '.join(proc.args[1:]))
        return res

    def assertCtl(self, res, rc, *needles, stream='err'):
        """Exit status @rc, and each needle in stderr (or stdout)."""
        text = res.err if stream == 'err' else res.out
        self.assertEqual(res.rc, rc, 'exit status %d, not %d\nstdout:\n%s\nstderr:\n%s'
                         % (res.rc, rc, res.out, res.err))
        for n in needles:
            self.assertIn(n, text, 'no %r in\n%s' % (n, text))

    def assertFailed(self, res, *needles):
        """Exit 1 with the program's name first and a D-Bus error's prefix gone."""
        self.assertCtl(res, 1, *needles)
        # Progress lines (renew) may come first.
        self.assertTrue(any(line.startswith('cmatokenctl: ') for line in res.err.split('\n')),
                        res.err)
        self.assertNotIn('GDBus.Error', res.err)
        self.assertNotIn('io.github.cmatoken.Error', res.err)
        self.assertEqual(res.out, '')

    def assertUsage(self, res, *needles):
        self.assertCtl(res, 2, *needles)
        self.assertTrue(res.err.startswith('cmatokenctl: '), res.err)
        self.assertIn('--help', res.err)

    # --- status -----------------------------------------------------------
    def status_json(self):
        res = self.ctl('status', '--json')
        self.assertIn(res.rc, (0, 3), res.err)
        data = json.loads(res.out)
        self.assertEqual(res.rc == 3, data['attention_needed'])
        return data

    def json_object(self, kind, path):
        for o in self.status_json()[kind]:
            if o['path'] == path:
                return o
        self.fail('%s is not in status --json' % path)

    def rotate_token(self, site='acme', email=None):
        """The user's API token changes at Atlassian (the fake), for this test only:
        the fake outlives the test. Returns the new token."""
        original = dict(self.sc.user(site, email))
        rotated = dict(original, api_token=secret('ATATT-rotated'))
        self.fake.set_user(site, rotated)
        self.addCleanup(self.fake.set_user, site, original)
        return rotated['api_token']

    # --- adding through the CLI --------------------------------------------
    def new_id(self, res):
        m = ID_IN_OUTPUT.search(res.out)
        self.assertIsNotNone(m, 'no id in %r' % res.out)
        return m.group(1)

    def cli_add_account(self, site='acme', email=None, *extra, expires=True):
        u = self.sc.user(site, email)
        if expires and not any(e.startswith('--expires') for e in extra):
            # As an admin enters it; without one the account is "expiry unknown".
            extra = extra + ('--expires', time.strftime('%Y-%m-%d', time.localtime(now() + 180 * DAY)))
        res = self.ctl('add-cloud-account', u['email'], self.fake.site_url(site), *extra,
                       input=u['api_token'] + '\n')
        self.assertCtl(res, 0, 'Added cloud account', stream='out')
        return ROOT_PATH + '/CloudAccounts/' + self.new_id(res)

    def cli_add_server(self, name='jira', kind='pat', *extra):
        if kind == 'pat':
            res = self.ctl('add-server', self.sc.product(name), self.fake.server_url(name), '--pat',
                           *extra, input=self.sc.pat(name) + '\n')
        else:
            u = self.sc.server_user(name)
            res = self.ctl('add-server', self.sc.product(name), self.fake.server_url(name),
                           '--basic', u['username'], *extra, input=u['password'] + '\n')
        self.assertCtl(res, 0, 'Added', stream='out')
        return ROOT_PATH + '/Servers/' + self.new_id(res)

    def cli_add_connection(self, server='jira', site='acme', email=None, renewed_at=None):
        if self.find_account(site, email) is None:
            self.cli_add_account(site, email)
        if self.find_server(server) is None:
            self.cli_add_server(server)
        email = email or self.sc.user(site)['email']
        args = ['add-connection', self.fake.server_url(server), email, self.fake.site_url(site)]
        if renewed_at is not None:
            args += ['--renewed-at', str(renewed_at)]
        res = self.ctl(*args)
        self.assertCtl(res, 0, 'Added', 'connection', stream='out')
        return ROOT_PATH + '/Connections/' + self.new_id(res)
