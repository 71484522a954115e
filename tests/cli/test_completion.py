# test_completion.py: "cmatokenctl __complete" and the bash and zsh completion scripts on top of it
"""The completion asks the real cmatokenctl, which asks the real service on the
private bus: commands and options from cmatokenctl itself, object names (ids,
URLs, emails) from the service, nothing (and the service not started) when it
is not running. bash runs the installed-to-be script with bash-completion's
own helpers, words split as readline splits them (a URL's ':' included); zsh
runs its script with compadd standing in for the completion system."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cliharness import CliTestCase, ctl_env, ctl_path, main  # noqa: E402

SRCDIR = os.environ.get('CMT_SRCDIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASH_SCRIPT = os.path.join(SRCDIR, 'data', 'completion', 'cmatokenctl.bash')
ZSH_SCRIPT = os.path.join(SRCDIR, 'data', 'completion', '_cmatokenctl')
BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'
# readline's default COMP_WORDBREAKS, less the blanks.
BREAKS = '"\'><=;|&(:'


def help_commands():
    out = subprocess.run([ctl_path(), '--help'], env=ctl_env(), capture_output=True, text=True).stdout
    section = out.split('Commands:\n', 1)[1].split('\n\n', 1)[0]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


def comp_words(line):
    """COMP_WORDS and COMP_CWORD as bash makes them for @line (cursor at its end)."""
    # A backslash keeps the next character in the word ("本番\\ J" is one word).
    words = re.findall(r'(?:\\.|[^\s%s])+|[%s]+' % (re.escape(BREAKS), re.escape(BREAKS)), line)
    if line.endswith(' ') or not words:
        words.append('')
    return words, len(words) - 1


class TestComplete(CliTestCase):

    def complete(self, *args):
        res = self.ctl('__complete', *args)
        self.assertEqual((res.rc, res.err), (0, ''))
        return res.out.splitlines()

    def bash(self, line):
        """What bash offers for @line (the program is the built cmatokenctl)."""
        words, cword = comp_words(line.replace('cmatokenctl', ctl_path(), 1))
        script = '''
source %s
source %s
COMP_WORDS=(%s)
COMP_CWORD=%d
COMP_LINE=%s
COMP_POINT=${#COMP_LINE}
_cmatokenctl
printf '%%s\\n' "${COMPREPLY[@]}"
''' % (BASH_COMPLETION, BASH_SCRIPT, ' '.join("'%s'" % w for w in words), cword,
           "'%s'" % line.replace('cmatokenctl', ctl_path(), 1))
        res = subprocess.run(['bash', '--norc', '--noprofile', '-c', script], env=ctl_env(),
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(res.stderr, '')
        return [w for w in res.stdout.splitlines() if w]

    def zsh(self, line):
        """What the zsh script hands compadd for @line."""
        words = line.replace('cmatokenctl', ctl_path(), 1).split(' ')
        script = '''
compadd() {
  while (( $# )); do
    case $1 in
      -P|-S) shift 2 ;;
      --) shift; print -rl -- "$@"; return ;;
      *) shift ;;
    esac
  done
}
words=(%s)
CURRENT=%d
source %s
''' % (' '.join("'%s'" % w for w in words), len(words), ZSH_SCRIPT)
        res = subprocess.run(['zsh', '-f', '-c', script], env=ctl_env(),
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(res.stderr, '')
        return [w for w in res.stdout.splitlines() if w]

    def test_commands_and_options(self):
        commands = help_commands()
        self.assertIn('renew', commands)
        self.assertEqual(self.complete('commands'), commands)
        self.assertNotIn('__complete', self.ctl('--help').out)
        self.assertEqual(sorted(self.complete('options', 'renew')),
                         ['--all', '--allow-migrations-data-access', '--cloud-account=', '--dry-run',
                          '--expiring', '--help'])
        self.assertEqual(sorted(self.complete('options', 'remove')), ['--all', '--help', '--yes'])
        self.assertIn('--format=', self.complete('options', 'export'))
        self.assertEqual(self.complete('value', 'export', '--format'), ['csv', 'json'])
        self.assertEqual(self.complete('arg', 'add-server', '1'), ['jira', 'confluence'])
        self.assertEqual(self.complete('arg', 'auto-renew', '2'), ['on', 'off'])
        # Nothing to offer is no error.
        for args in (['options', 'no-such-command'], ['arg', 'renew', '9'], ['arg', 'status', '1'],
                     ['what'], []):
            self.assertEqual(self.complete(*args), [], args)

    def test_object_names_from_the_service(self):
        conn = self.cli_add_connection('jira', 'acme')
        self.cli_add_account('other')
        jira = self.fake.server_url('jira')
        conn_id = conn.rsplit('/', 1)[1]
        names = self.complete('arg', 'renew', '1')
        self.assertEqual(names, [conn_id, jira])
        servers = self.complete('arg', 'add-connection', '1')
        self.assertIn(jira, servers)
        self.assertNotIn('admin@acme.test', servers)
        self.assertEqual(sorted(n for n in self.complete('arg', 'add-connection', '2') if '@' in n),
                         ['admin@acme.test', 'admin@other.test'])
        self.assertEqual(sorted(n for n in self.complete('value', 'renew', '--cloud-account') if '@' in n),
                         ['admin@acme.test', 'admin@other.test'])
        anything = self.complete('arg', 'remove', '1')
        for name in (conn_id, jira, 'admin@acme.test', 'admin@other.test'):
            self.assertIn(name, anything)
        # Every name offered is one cmatokenctl accepts.
        for name in names:
            self.assertEqual(self.ctl('history', name).rc, 0, name)

    def test_labels_are_offered_and_stay_one_word(self):
        conn = self.cli_add_connection('jira', 'acme')
        srv = self.client.props(conn)['Server']
        self.client.set_label(srv, '本番 Jira')
        self.assertIn('本番 Jira', self.complete('arg', 'label', '1'))
        self.assertIn('本番 Jira', self.complete('arg', 'check', '1'))
        # A connection command is offered connections, not the server's label.
        self.assertNotIn('本番 Jira', self.complete('arg', 'renew', '1'))
        # bash: the space escaped, so that the label stays one word.
        self.assertEqual(self.bash('cmatokenctl check 本'), ['本番\\ Jira'])
        self.assertEqual(self.bash('cmatokenctl check 本番\\ J'), ['本番\\ Jira'])
        # zsh quotes what compadd is given itself.
        self.assertIn('本番 Jira', self.zsh('cmatokenctl check '))

    def test_silent_and_not_started_without_the_service(self):
        self.cli_add_connection('jira', 'acme')
        self.daemon.stop()
        self.addCleanup(self.daemon.start)
        self.assertIsNone(self.client.name_owner())
        self.assertEqual(self.complete('arg', 'renew', '1'), [])
        self.assertEqual(self.complete('arg', 'remove', '1'), [])
        # The service is activatable on this bus, but a key press never starts it.
        self.assertIsNone(self.client.name_owner())
        self.assertEqual(self.complete('commands'), help_commands())
        self.assertEqual(self.bash('cmatokenctl renew '), [])
        self.assertIsNone(self.client.name_owner())

    def test_bash(self):
        conn = self.cli_add_connection('jira', 'acme')
        jira = self.fake.server_url('jira')
        self.assertEqual(self.bash('cmatokenctl re'), ['renew', 'replace-secret', 'remove'])
        self.assertEqual(self.bash('cmatokenctl remove --'), ['--help', '--all', '--yes'])
        self.assertEqual(sorted(self.bash('cmatokenctl renew --')),
                         ['--all', '--allow-migrations-data-access', '--cloud-account=', '--dry-run',
                          '--expiring', '--help'])
        self.assertEqual(self.bash('cmatokenctl renew --e'), ['--expiring'])
        self.assertEqual(self.bash('cmatokenctl renew --allow-migrations-data-access '),
                         [conn.rsplit('/', 1)[1], jira])
        # A URL: bash splits the word at each ':'; what it offers replaces
        # only the part after the last one.
        typed = jira[:-2]
        self.assertEqual(self.bash('cmatokenctl renew ' + typed), [jira.rsplit(':', 1)[1]])
        self.assertEqual(self.bash('cmatokenctl renew --cloud-account adm'), ['admin@acme.test'])
        self.assertEqual(self.bash('cmatokenctl renew --cloud-account=adm'), ['admin@acme.test'])
        # An option's value is not an argument: the connection is still the first.
        self.assertEqual(self.bash('cmatokenctl renew --cloud-account admin@acme.test ' + typed),
                         [jira.rsplit(':', 1)[1]])
        self.assertEqual(self.bash('cmatokenctl add-server c'), ['confluence'])
        self.assertEqual(self.bash('cmatokenctl auto-renew %s o' % conn.rsplit('/', 1)[1]), ['on', 'off'])

    def test_zsh(self):
        res = subprocess.run(['zsh', '-n', ZSH_SCRIPT], capture_output=True, text=True)
        self.assertEqual((res.returncode, res.stderr), (0, ''))
        with open(ZSH_SCRIPT) as f:
            self.assertEqual(f.readline().strip(), '#compdef cmatokenctl')
        conn = self.cli_add_connection('jira', 'acme')
        jira = self.fake.server_url('jira')
        self.assertIn('renew', self.zsh('cmatokenctl '))
        self.assertIn('--help', self.zsh('cmatokenctl '))
        self.assertEqual(sorted(self.zsh('cmatokenctl remove --')), ['--all', '--help', '--yes'])
        self.assertEqual(self.zsh('cmatokenctl renew '), [conn.rsplit('/', 1)[1], jira])
        self.assertEqual(self.zsh('cmatokenctl renew --cloud-account '),
                         self.complete('value', 'renew', '--cloud-account'))
        self.assertEqual(self.zsh('cmatokenctl renew --cloud-account=adm'),
                         self.complete('value', 'renew', '--cloud-account'))
        self.assertEqual(self.zsh('cmatokenctl auto-renew x '), ['on', 'off'])


if __name__ == '__main__':
    main()
