# test_many.py: with 10,000 connections cmatokend holds one armed timer and sleeps until something is due
import configparser
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from watchlib import (  # noqa: E402
    DAY, IFACE_CONNECTION, Daemon, SignalRecorder, WatchTestCase, log, main, now, scaled)

N = int(os.environ.get('CMT_WATCH_N', '10000'))
QUIET = 10          # seconds without a single wake-up (the benchmark measures a minute)
LIFETIME = 21 * DAY
WARN = 5 * DAY


def timerfds(pid):
    """[(fd, it_value seconds)] of every timerfd the process holds."""
    out = []
    for path in glob.glob('/proc/%d/fdinfo/*' % pid):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        if 'clockid:' not in text:
            continue
        m = re.search(r'^it_value:\s*\((\d+),\s*(\d+)\)', text, re.M)
        value = int(m.group(1)) + int(m.group(2)) / 1e9 if m else 0
        out.append((int(os.path.basename(path)), value))
    return out


def switches(pid, task=None):
    """Voluntary context switches of the main thread (or of thread @task)."""
    path = '/proc/%d/status' % pid if task is None else '/proc/%d/task/%d/status' % (pid, task)
    with open(path) as f:
        return int(re.search(r'^voluntary_ctxt_switches:\s*(\d+)', f.read(), re.M).group(1))


def all_switches(pid):
    """{thread id: voluntary context switches} of every thread."""
    out = {}
    for task in os.listdir('/proc/%d/task' % pid):
        try:
            out[int(task)] = switches(pid, int(task))
        except OSError:
            pass
    return out


class TestMany(WatchTestCase):
    autostart_daemon = False
    notification_server = False

    def write_state(self, daemon, due_at):
        """N connections in the daemon's key file, as cmtd-store.c writes it
        (no secrets: nothing is renewed). Their next status changes are days
        away, except one, at @due_at."""
        t = now()
        kf = configparser.ConfigParser(interpolation=None)
        kf.optionxform = str
        kf['CloudAccount acc1'] = {
            'email': 'admin@acme.test', 'site_url': self.fake.site_url('acme'),
            'display_name': 'Ada Admin', 'token_expires_at': '0', 'secret_slot': 'slot1',
            'check': 'ok', 'last_checked_at': str(t), 'last_error': ''}
        servers = 100
        for s in range(servers):
            kf['Server srv%d' % s] = {
                'product': 'jira', 'base_url': 'https://jira%03d.example.net' % s,
                'auth_kind': 'pat', 'username': '', 'secret_slot': 'slot_s%d' % s,
                'secret_expires_at': '0', 'check': 'ok', 'last_checked_at': str(t),
                'last_error': ''}
        for i in range(N):
            if i == 0:
                renewed_at = due_at - LIFETIME + WARN
            else:
                # Renewed 1 minute to 12 days ago: warned 4 to 16 days from now.
                renewed_at = t - 60 - (i * 7919) % (12 * DAY)
            kf['Connection c%05d' % i] = {
                'server': 'srv%d' % (i % servers), 'cloud_account': 'acc1',
                'cloud_site_url': 'https://site%05d.atlassian.net' % i,
                'renewed_at': str(renewed_at), 'last_error': '', 'last_error_code': '',
                'auto_renew': 'false', 'auto_renew_consent_at': '0'}
        path = os.path.join(daemon.state_dir(), 'state.ini')
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            kf.write(f, space_around_delimiters=False)
        os.chmod(path, 0o600)

    def settle(self, pid, what):
        """Waits until the main thread has not woken for 2 s (start-up work,
        the keyring's tidy-up, idle worker threads ending)."""
        last, since = switches(pid), time.monotonic()
        deadline = time.monotonic() + scaled(60)
        while time.monotonic() - since < 2:
            time.sleep(0.2)
            cur = switches(pid)
            if cur != last:
                last, since = cur, time.monotonic()
            if time.monotonic() > deadline:
                self.fail('the service never went quiet %s' % what)

    def test_one_armed_timer_and_no_wake_ups_until_due(self):
        # The one early deadline: after the quiet window, with room for the start-up.
        due_at = now() + int(scaled(20)) + QUIET

        daemon = Daemon(self.fake, self.client, env=dict(self.daemon_env))
        self.write_state(daemon, due_at)
        type(self).daemon = daemon
        t0 = time.monotonic()
        daemon.start(timeout=120)
        pid = daemon.proc.pid
        log('%d connections loaded and exported in %.1f s' % (N, time.monotonic() - t0))
        lifetime_check = self.client.manager('ContainerTokenLifetime')
        self.assertEqual(lifetime_check, LIFETIME)
        first = '/io/github/cmatoken/Connections/c00000'
        self.assertEqual(self.client.props(first)['Status'], 'valid')

        if not os.environ.get('CMT_DAEMON_WRAPPER'):
            self.settle(pid, 'after the start')
        else:
            time.sleep(scaled(1))
        self.assertLess(now() + QUIET, due_at, 'the start-up took too long for the quiet window')

        # One timer, armed at the earliest deadline.
        timers = timerfds(pid)
        armed = [t for t in timers if t[1] > 0]
        self.assertEqual(len(armed), 1, 'timerfds: %r' % timers)
        self.assertEqual(len(timers), 1, 'timerfds: %r' % timers)
        self.assertAlmostEqual(armed[0][1], due_at - time.time(), delta=2)

        # A quiet window: the main thread does not wake at all.
        before, threads_before = switches(pid), all_switches(pid)
        time.sleep(QUIET)
        after, threads_after = switches(pid), all_switches(pid)
        others = {t: threads_after[t] - threads_before.get(t, 0) for t in threads_after
                  if threads_after[t] != threads_before.get(t, 0)}
        log('over %d s: main thread %d wake-up(s), other threads %r'
            % (QUIET, after - before, others))
        if os.environ.get('CMT_DAEMON_WRAPPER'):
            # valgrind's own scheduler wakes the threads it runs.
            log('under %s: wake-ups not checked' % os.environ['CMT_DAEMON_WRAPPER'].split()[0])
        else:
            self.assertEqual(after - before, 0, 'the service woke up with nothing due')
            self.assertEqual(others, {}, 'a thread of the service woke up with nothing due')

        # And it does wake when something is due.
        with SignalRecorder(self.client, 'org.freedesktop.DBus.Properties',
                            'PropertiesChanged') as rec:
            self.client.wait_until(
                lambda: any(c.get('Status') == 'expiring'
                            for c in rec.properties_changed(first, IFACE_CONNECTION)),
                due_at - now() + 15, 'the early connection to become expiring')
        self.assertGreaterEqual(now(), due_at)
        timers = timerfds(pid)
        self.assertEqual(len([t for t in timers if t[1] > 0]), 1, 'timerfds: %r' % timers)
        # The next deadline is days away now.
        self.assertGreater(max(t[1] for t in timers), DAY)


if __name__ == '__main__':
    main()
