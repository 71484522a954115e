# test_man.py: the man pages (data/man/*.scd, built by scdoc) render cleanly and say what --help says
"""Reads the pages the build made (<builddir>/data/man/) and checks them against
the programs themselves:

- each page renders with groff and man(1) without a single warning;
- cmatokenctl.1 documents, under COMMANDS, exactly the commands that
  `cmatokenctl --help` lists, each with the usage line, summary and long options
  (and their descriptions) that `cmatokenctl COMMAND --help` prints; its EXIT
  STATUS lists the codes of --help and of cli/cmtctl-util.h;
- cmatokend.8 and cmatoken.1 list the options of `cmatokend --help` and
  `cmatoken --help-all`; cmatokend.8 every key of the GSettings schema;
- every page's ENVIRONMENT names each variable its program's sources read,
  and no variable of ours that they do not.

A plain unittest: it needs neither the service nor the bus. The pages are
rendered with a very long line, so that a paragraph is one line and a
definition list is a line at one indent followed by lines at a deeper one.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))


def ctl_path():
    path = os.environ.get('CMT_CTL')
    if path:
        return path
    return os.path.join(build_root(), 'cli', 'cmatokenctl')


def build_root():
    if os.environ.get('CMT_BUILDDIR'):
        return os.environ['CMT_BUILDDIR']
    if os.environ.get('CMT_CTL'):
        # <builddir>/cli/cmatokenctl
        return os.path.dirname(os.path.dirname(os.path.abspath(os.environ['CMT_CTL'])))
    raise RuntimeError('set CMT_CTL or CMT_BUILDDIR (meson test does)')


def source_root():
    return os.environ.get('CMT_SRCDIR') or os.path.dirname(os.path.dirname(HERE))


def man_build_dir():
    return os.path.join(build_root(), 'data', 'man')


def man_source_dir():
    return os.path.join(source_root(), 'data', 'man')


def plain_env():
    """English, untranslated output, whatever the caller's locale."""
    env = dict(os.environ)
    env.update({'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8'})
    env.pop('LANGUAGE', None)
    env.pop('CMT_LOCALEDIR', None)
    return env


def run(argv, env=None):
    proc = subprocess.run(argv, env=env or plain_env(), stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=60)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


def normalize(text):
    """Typography aside: --help prints ’ “ … where a man page has ' " ...; groff may
    print a hyphen or a minus sign for -."""
    for a, b in (('\u2019', "'"), ('\u2018', "'"), ('\u201c', '"'), ('\u201d', '"'),
                 ('\u2026', '...'), ('\u2010', '-'), ('\u2011', '-'), ('\u2212', '-')):
        text = text.replace(a, b)
    return ' '.join(text.split())


def indent_of(line):
    return len(line) - len(line.lstrip(' '))


def definitions(lines, indent):
    """[(term, body)] of a definition list: a line at @indent whose next
    non-blank line is deeper is a term; its body runs until the next line at
    @indent or less. Lines at @indent without a body (plain paragraphs) are
    left out."""
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and indent_of(line) == indent:
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and indent_of(lines[j]) > indent:
                k = j
                while k < len(lines) and (not lines[k].strip() or indent_of(lines[k]) > indent):
                    k += 1
                out.append((normalize(line), lines[j:k]))
                i = k
                continue
        i += 1
    return out


def first_paragraph(body):
    """The first non-blank line of @body: with the long line, a whole paragraph."""
    for line in body:
        if line.strip():
            return normalize(line)
    return ''


def terms_of(term):
    """'LANGUAGE, LC_ALL, LANG' -> ['LANGUAGE', 'LC_ALL', 'LANG']."""
    return [t.strip() for t in term.split(',') if t.strip()]


class Page:
    """A built man page, rendered to plain text with a very long line."""

    def __init__(self, name):
        self.name = name
        self.path = os.path.join(man_build_dir(), name)
        rc, out, err = run(['groff', '-k', '-man', '-Tutf8', '-ww', '-rLL=1000n', '-rHY=0',
                            '-P-cbou', self.path])
        if rc != 0 or err.strip():
            raise AssertionError('%s: groff failed (%d): %s' % (name, rc, err))
        self.lines = out.split('\n')
        self.sections = {}
        current = None
        for line in self.lines:
            if re.match(r'^[A-Z][A-Z ]*[A-Z]$', line):
                current = line
                self.sections[current] = []
            elif current is not None and (not line.strip() or indent_of(line) > 0):
                # (Not the footer, the one other line at column 0.)
                self.sections[current].append(line)
        # Section bodies start at the page's base indent (7 with groff's man).
        body = [line for lines in self.sections.values() for line in lines if line.strip()]
        self.base = min(indent_of(line) for line in body)

    def section(self, title):
        if title not in self.sections:
            raise AssertionError('%s has no %s section (it has: %s)'
                                 % (self.name, title, ', '.join(self.sections)))
        return self.sections[title]

    def entries(self, title):
        return definitions(self.section(title), self.base)

    def text(self, title):
        return normalize(' '.join(self.section(title)))


# --- what the programs say ---------------------------------------------------------

OPTION_LINE = re.compile(r'^\s+((?:-\w, )?--[\w-]+(?:=\S+)?)\s{2,}(.*)$')


def parse_options(help_text):
    """{'Help Options': [(term, description)], 'Application Options': [...], ...}
    from GOption's --help."""
    groups = {}
    current = None
    for line in help_text.split('\n'):
        # "Help Options:", "Application Options:", "GApplication options", ...
        if re.match(r'^\S', line):
            current = line.rstrip(':')
            groups.setdefault(current, [])
            continue
        m = OPTION_LINE.match(line)
        if m and current is not None:
            groups[current].append((m.group(1), normalize(m.group(2))))
    return groups


def parse_global_help(text):
    """[(command, summary)] and the exit codes of `cmatokenctl --help`."""
    lines = text.split('\n')
    start = lines.index('Commands:') + 1
    commands = []
    for line in lines[start:]:
        m = re.match(r'^  (\S+)\s{2,}(.+)$', line)
        if not m:
            break
        commands.append((m.group(1), normalize(m.group(2))))
    status = [line for line in lines if line.startswith('Exit status:')]
    codes = set(re.findall(r'(?<![\w-])(\d+) ', status[0])) if status else set()
    return commands, codes


def getenv_names(*patterns):
    names = set()
    for pattern in patterns:
        for path in glob.glob(os.path.join(source_root(), pattern), recursive=True):
            with open(path, encoding='utf-8') as f:
                names.update(re.findall(r'getenv\s*\(\s*"([A-Za-z0-9_]+)"', f.read()))
    return names


class ManTestCase(unittest.TestCase):
    maxDiff = None

    def page(self, name):
        if name == 'cmatoken.1' and not os.path.exists(os.path.join(build_root(), 'gui', 'cmatoken')):
            self.skipTest('the app is not built (-Dgui=disabled), nor its page')
        path = os.path.join(man_build_dir(), name)
        self.assertTrue(os.path.exists(path), '%s was not built (ninja -C %s)' % (path, build_root()))
        return Page(name)

    def assertEnvironment(self, page, names):
        """@page's ENVIRONMENT names each of @names, and no CMATOKEN_ or CMT_
        variable beyond them."""
        documented = {t for term, _ in page.entries('ENVIRONMENT') for t in terms_of(term)}
        self.assertEqual(set(names) - documented, set(),
                         '%s: ENVIRONMENT lacks variables the sources read' % page.name)
        ours = {t for t in documented if t.startswith(('CMATOKEN_', 'CMT_'))}
        self.assertEqual(ours - set(names), set(),
                         '%s: ENVIRONMENT documents variables no source reads' % page.name)


class TestRendering(ManTestCase):
    """Every page the build made renders without a warning, and is not older than its source."""

    def pages(self):
        sources = sorted(glob.glob(os.path.join(man_source_dir(), '*.scd')))
        self.assertTrue(sources, 'no data/man/*.scd in ' + source_root())
        return [os.path.basename(s)[:-len('.scd')] for s in sources]

    def test_built_from_current_source(self):
        for name in self.pages():
            with self.subTest(page=name):
                page = self.page(name)
                source = os.path.join(man_source_dir(), name + '.scd')
                self.assertGreaterEqual(os.path.getmtime(page.path), os.path.getmtime(source),
                                        '%s is older than %s: run ninja -C %s'
                                        % (page.path, source, build_root()))

    def test_groff_has_no_warnings(self):
        for name in self.pages():
            with self.subTest(page=name):
                page = self.page(name)
                rc, out, err = run(['groff', '-k', '-man', '-Tutf8', '-ww', '-z', page.path])
                self.assertEqual((rc, err), (0, ''), 'groff -ww warns about ' + page.path)

    @unittest.skipUnless(shutil.which('man'), 'man(1) is not installed')
    def test_man_has_no_warnings(self):
        # As a reader sees it, at 80 and 60 columns: a line that cannot be
        # broken or adjusted is a warning there.
        for name in self.pages():
            for width in ('80', '60'):
                with self.subTest(page=name, width=width):
                    page = self.page(name)
                    env = plain_env()
                    env.update({'MANWIDTH': width, 'MANPAGER': 'cat', 'PAGER': 'cat'})
                    rc, out, err = run(['man', '--warnings=w', '-l', page.path], env)
                    self.assertEqual((rc, err), (0, ''), 'man -l warns about ' + page.path)
                    self.assertIn('NAME', out)

    def test_see_also_names_the_other_pages(self):
        pages = self.pages()
        for name in pages:
            with self.subTest(page=name):
                page = self.page(name)
                see_also = page.text('SEE ALSO')
                for other in pages:
                    if other != name:
                        ref = '%s(%s)' % tuple(other.rsplit('.', 1))
                        self.assertIn(ref, see_also, '%s: SEE ALSO lacks %s' % (name, ref))

    def test_unit_documentation_names_pages_that_exist(self):
        with open(os.path.join(source_root(), 'data', 'cmatokend.service.in'), encoding='utf-8') as f:
            lines = [line for line in f.read().split('\n') if line.startswith('Documentation=')]
        self.assertEqual(len(lines), 1)
        refs = re.findall(r'man:([\w.-]+)\((\d)\)', lines[0])
        self.assertIn(('cmatokend', '8'), refs)
        for page, section in refs:
            self.assertTrue(os.path.exists(os.path.join(man_source_dir(), '%s.%s.scd' % (page, section))),
                            'Documentation=man:%s(%s): no such page in data/man/' % (page, section))


class TestCmatokenctl(ManTestCase):
    """cmatokenctl.1 says what cmatokenctl --help says."""

    @classmethod
    def setUpClass(cls):
        rc, out, err = run([ctl_path(), '--help'])
        if rc != 0:
            raise AssertionError('cmatokenctl --help: exit %d: %s' % (rc, err))
        cls.commands, cls.codes = parse_global_help(out)
        if not cls.commands:
            raise AssertionError('no command in cmatokenctl --help:\n' + out)

    def setUp(self):
        self.man = self.page('cmatokenctl.1')
        # {command: (heading, body)} of the COMMANDS section
        self.man_commands = {}
        for term, body in self.man.entries('COMMANDS'):
            self.man_commands[term.split()[0]] = (term, body)

    def command_help(self, command):
        rc, out, err = run([ctl_path(), command, '--help'])
        self.assertEqual(rc, 0, 'cmatokenctl %s --help: %s' % (command, err))
        usage = re.search(r'^Usage:\n\s+cmatokenctl (\S+) \[OPTION\u2026\] ?(.*)$', out, re.M)
        self.assertIsNotNone(usage, 'no usage line in cmatokenctl %s --help:\n%s' % (command, out))
        self.assertEqual(usage.group(1), command)
        return normalize(usage.group(2)), parse_options(out).get('Application Options', [])

    def test_every_command_is_documented(self):
        listed = [name for name, _ in self.commands]
        self.assertEqual(sorted(set(listed) - set(self.man_commands)), [],
                         'commands of cmatokenctl --help missing from COMMANDS in cmatokenctl.1')
        self.assertEqual(sorted(set(self.man_commands) - set(listed)), [],
                         'COMMANDS in cmatokenctl.1 documents commands that cmatokenctl --help does not list')

    def test_each_command_matches_its_help(self):
        for name, summary in self.commands:
            with self.subTest(command=name):
                if name not in self.man_commands:
                    self.fail('%s is not documented' % name)
                heading, body = self.man_commands[name]
                parameters, options = self.command_help(name)

                # The heading is the usage line: "remove [options] OBJECT | --all".
                expected = ' '.join(filter(None, [name, '[options]' if options else '', parameters]))
                self.assertEqual(heading, expected, 'the heading of %s in cmatokenctl.1' % name)

                # The description starts with the summary of --help.
                self.assertTrue(first_paragraph(body).startswith(summary.rstrip('.')),
                                '%s: the description does not start with the summary of --help, %r:\n%r'
                                % (name, summary, first_paragraph(body)))

                # Exactly the long options of --help, as it spells them
                # ("--basic=USERNAME"), each described as --help does.
                documented = dict((term, first_paragraph(b))
                                  for term, b in definitions(body, self.man.base + 4)
                                  if term.startswith('-'))
                self.assertEqual(sorted(documented), sorted(term for term, _ in options),
                                 'the options of %s in cmatokenctl.1 and in cmatokenctl %s --help'
                                 % (name, name))
                for term, description in options:
                    if term in documented:
                        self.assertTrue(documented[term].startswith(description.rstrip('.')),
                                        '%s %s: the man page says %r, --help %r'
                                        % (name, term, documented[term], description))

    def test_global_options(self):
        terms = {t for term, _ in self.man.entries('OPTIONS') for t in terms_of(term)}
        for option in ('-h', '--help', 'help', '--version'):
            with self.subTest(option=option):
                self.assertIn(option, terms)
                rc, out, err = run([ctl_path(), option])
                self.assertEqual(rc, 0, err)

    def test_exit_status(self):
        documented = {term for term, _ in self.man.entries('EXIT STATUS')}
        self.assertEqual(self.codes - documented, set(),
                         'exit codes of cmatokenctl --help missing from EXIT STATUS')
        with open(os.path.join(source_root(), 'cli', 'cmtctl-util.h'), encoding='utf-8') as f:
            in_code = set(re.findall(r'CMTCTL_EXIT_\w+\s*=\s*(\d+)', f.read()))
        self.assertTrue(in_code)
        self.assertEqual(in_code, self.codes, 'cli/cmtctl-util.h and cmatokenctl --help')
        self.assertEqual(documented, in_code, 'EXIT STATUS in cmatokenctl.1 and cli/cmtctl-util.h')

    def test_environment(self):
        self.assertEnvironment(self.man, getenv_names('cli/*.c', 'lib/*.c'))

    def test_files(self):
        files = self.man.text('FILES')
        for needle in ('state.ini', 'history.jsonl', 'io.github.cmatoken.Credential'):
            self.assertIn(needle, files)


class TestCmatokend(ManTestCase):
    def setUp(self):
        self.man = self.page('cmatokend.8')

    def test_options(self):
        daemon = os.environ.get('CMT_DAEMON') or os.path.join(build_root(), 'service', 'cmatokend')
        rc, out, err = run([daemon, '--help'])
        self.assertEqual(rc, 0, err)
        groups = parse_options(out)
        options = [o for group in groups.values() for o in group]
        self.assertTrue(options, out)
        documented = dict((term, first_paragraph(body)) for term, body in self.man.entries('OPTIONS'))
        self.assertEqual(sorted(documented), sorted(term for term, _ in options),
                         'OPTIONS in cmatokend.8 and cmatokend --help')
        for term, description in groups.get('Application Options', []):
            self.assertTrue(documented.get(term, '').startswith(description.rstrip('.')),
                            '%s: the man page says %r, --help %r' % (term, documented.get(term), description))

    def test_settings(self):
        schema = ET.parse(os.path.join(source_root(), 'data', 'io.github.cmatoken.gschema.xml'))
        terms = [term for term, _ in self.man.entries('SETTINGS')]
        keys = set()
        for key in schema.iter('key'):
            name = key.get('name')
            keys.add(name)
            with self.subTest(key=name):
                term = [t for t in terms if t.split()[0] == name]
                self.assertEqual(len(term), 1, 'SETTINGS in cmatokend.8 has no entry for ' + name)
                self.assertIn('default %s' % key.find('default').text.strip(), term[0])
                r = key.find('range')
                if r is not None:
                    self.assertIn('%s to %s' % (r.get('min'), r.get('max')), term[0])
        documented = {t.split()[0] for t in terms if re.match(r'^[a-z]+(-[a-z]+)+ ', t)}
        self.assertEqual(documented - keys, set(), 'SETTINGS documents keys the schema does not have')

    def test_environment(self):
        self.assertEnvironment(self.man, getenv_names('service/*.c', 'lib/*.c'))

    def test_names(self):
        text = normalize(' '.join(self.man.lines))
        for needle in ('io.github.cmatoken.Daemon', 'cmatokend.service',
                       'io.github.cmatoken.Daemon.desktop', 'watch-in-background',
                       'systemctl --user stop cmatokend.service', 'cmatokend --login'):
            self.assertIn(needle, text)


class TestCmatoken(ManTestCase):
    def setUp(self):
        self.man = self.page('cmatoken.1')

    def test_options(self):
        rc, out, err = run([os.path.join(build_root(), 'gui', 'cmatoken'), '--help-all'])
        self.assertEqual(rc, 0, err)
        options = [term for group in parse_options(out).values() for term, _ in group]
        self.assertTrue(options, out)
        documented = [term for term, _ in self.man.entries('OPTIONS')]
        self.assertEqual(sorted(documented), sorted(options), 'OPTIONS in cmatoken.1 and cmatoken --help-all')

    def test_environment(self):
        self.assertEnvironment(self.man, getenv_names('gui/**/*.c', 'lib/*.c'))


if __name__ == '__main__':
    unittest.main(verbosity=2)
