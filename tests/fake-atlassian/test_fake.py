# test_fake.py: checks every behaviour the fake Atlassian's README promises, over HTTP on 127.0.0.1
import base64
import datetime
import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

FAKE = os.environ.get('CMT_FAKE_ATLASSIAN')
# e.g. "valgrind -q --error-exitcode=99 ..." (see README.md)
WRAPPER = shlex.split(os.environ.get('CMT_FAKE_ATLASSIAN_WRAPPER', ''))

SCENARIO = {
    'auth_token_lifetime_seconds': 300,
    'sites': [
        {'name': 'acme', 'confluence_only': False, 'users': [
            {'email': 'admin@example.com', 'api_token': 'ATATT-admin', 'display_name': 'Ada Admin', 'site_admin': True},
            {'email': 'dev@example.com', 'api_token': 'ATATT-dev', 'display_name': 'Dev Eloper', 'site_admin': False},
        ]},
        {'name': 'beta', 'users': [
            {'email': 'boss@example.com', 'api_token': 'ATATT-boss', 'site_admin': True},
        ]},
        {'name': 'wikionly', 'confluence_only': True, 'users': [
            {'email': 'w@example.com', 'api_token': 'ATATT-w', 'display_name': 'Wiki User', 'site_admin': True},
        ]},
    ],
    'servers': [
        {'name': 'jira', 'product': 'jira', 'migration_api': True, 'pats': ['jira-pat-1'],
         'users': [{'username': 'admin', 'password': 'pw', 'display_name': 'Jira Admin'}]},
        {'name': 'wiki', 'product': 'confluence', 'migration_api': True, 'pats': ['wiki-pat-1'], 'users': []},
        {'name': 'oldjira', 'product': 'jira', 'migration_api': False, 'pats': ['old-pat'], 'users': []},
    ],
}

SECRETS = ['ATSTT-robot', 'ATSTT-w', 'ATATT-admin', 'ATATT-dev', 'ATATT-boss', 'ATATT-w', 'jira-pat-1', 'wiki-pat-1', 'old-pat']

SAVE_PATH = '/rest/migration/latest/cloud/save/token'
TOKEN_PATH = '/api/migrations/public/v1/token'


def basic(user, password):
    return 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


class Fake:
    """One running fake; stop() checks it exits cleanly (sanitizers make leaks fatal)."""

    def __init__(self, scenario, extra_args=()):
        self.dir = tempfile.TemporaryDirectory(prefix='fake-atlassian-')
        path = os.path.join(self.dir.name, 'scenario.json')
        with open(path, 'w') as f:
            json.dump(scenario, f)
        self.ready_file = os.path.join(self.dir.name, 'ready')
        self.stderr = open(os.path.join(self.dir.name, 'stderr'), 'w+')
        self.proc = subprocess.Popen([*WRAPPER, FAKE, '--scenario', path, '--ready-file', self.ready_file,
                                      '--verbose', *extra_args],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('READY '):
            self.proc.wait(10)
            self.stderr.seek(0)
            raise AssertionError(f'fake did not start: {line!r} {self.stderr.read()}')
        self.base = line.split()[1]
        self.issued = []

    def url(self, path):
        return self.base + path

    def site(self, name):
        return f'{self.base}/site/{name}'

    def request(self, method, path, body=None, headers=None, content_type='application/json',
                timeout=30):
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            if content_type:
                headers['Content-Type'] = content_type
        req = urllib.request.Request(self.url(path), data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def token(self, site='acme', email='admin@example.com', api_token='ATATT-admin', **kw):
        r = self.request('POST', TOKEN_PATH, {'cloudUrl': self.site(site)},
                         {'Authorization': basic(email, api_token), 'Accept': 'application/json'}, **kw)
        if r.status == 200:
            self.issued.append(r.json()['token'])
        return r

    def save(self, server, cloud_url, token, auth='Bearer jira-pat-1'):
        return self.request('POST', f'/server/{server}{SAVE_PATH}', {'cloudUrl': cloud_url, 'token': token},
                            {'Authorization': auth})

    def state(self):
        r = self.request('GET', '/_fake/state')
        assert r.status == 200, r.status
        return r.json()

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(30)
        finally:
            self.proc.stdout.close()
            self.stderr.seek(0)
            log = self.stderr.read()
            self.stderr.close()
            self.dir.cleanup()
        return code, log


@unittest.skipUnless(FAKE, 'CMT_FAKE_ATLASSIAN is not set')
class FakeTestCase(unittest.TestCase):
    scenario = SCENARIO

    def setUp(self):
        self.fake = Fake(self.scenario)

    def tearDown(self):
        code, log = self.fake.stop()
        self.assertEqual(code, 0, log)
        for word in ['CRITICAL', 'WARNING', 'ERROR']:
            self.assertNotIn(word, log)
        for secret in SECRETS + self.fake.issued:
            self.assertNotIn(secret, log)


class TestToken(FakeTestCase):
    def test_success(self):
        r = self.fake.token()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get_content_type(), 'application/json')
        body = r.json()
        self.assertEqual(body['cloudUrl'], self.fake.site('acme'))
        self.assertIsInstance(body['uri'], str)
        self.assertGreaterEqual(len(body['token']), 32)
        second = self.fake.token().json()['token']
        self.assertNotEqual(body['token'], second)
        self.assertEqual(self.fake.state()['tokens_issued'], 2)

    def test_trailing_slash_and_content_type_parameters(self):
        r = self.fake.request('POST', TOKEN_PATH, {'cloudUrl': self.fake.site('acme') + '/'},
                              {'Authorization': basic('admin@example.com', 'ATATT-admin')},
                              content_type='application/json; charset=utf-8')
        self.assertEqual(r.status, 200, r.body)

    def test_unauthorized(self):
        self.assertEqual(self.fake.token(api_token='wrong').status, 401)
        self.assertEqual(self.fake.token(email='nobody@example.com').status, 401)
        # A user of another site is not a user of this one.
        self.assertEqual(self.fake.token(email='boss@example.com', api_token='ATATT-boss').status, 401)
        r = self.fake.request('POST', TOKEN_PATH, {'cloudUrl': self.fake.site('acme')})
        self.assertEqual(r.status, 401)
        self.assertIn('message', r.json())
        r = self.fake.request('POST', TOKEN_PATH, {'cloudUrl': self.fake.site('acme')},
                              {'Authorization': 'Basic !!!not-base64'})
        self.assertEqual(r.status, 401)

    def test_not_admin(self):
        self.assertEqual(self.fake.token(email='dev@example.com', api_token='ATATT-dev').status, 403)

    def test_bad_requests(self):
        auth = {'Authorization': basic('admin@example.com', 'ATATT-admin')}
        cases = [
            ({'cloudUrl': self.fake.site('nosuch')}, 'application/json'),
            ({'cloudUrl': 'https://acme.atlassian.net'}, 'application/json'),
            ({}, 'application/json'),
            ({'cloudUrl': 42}, 'application/json'),
            (b'{"cloudUrl": ', 'application/json'),
            (b'', 'application/json'),
            (b'[1, 2]', 'application/json'),
            ({'cloudUrl': self.fake.site('acme')}, 'text/plain'),
            ({'cloudUrl': self.fake.site('acme')}, None),
        ]
        for body, content_type in cases:
            with self.subTest(body=body, content_type=content_type):
                r = self.fake.request('POST', TOKEN_PATH, body, auth, content_type=content_type)
                self.assertEqual(r.status, 400, r.body)
                self.assertIn('message', r.json())
        self.assertEqual(self.fake.state()['tokens_issued'], 0)

    def test_wrong_method(self):
        r = self.fake.request('GET', TOKEN_PATH, headers={'Authorization': basic('admin@example.com', 'ATATT-admin')})
        self.assertEqual(r.status, 405)

    def test_unknown_path(self):
        self.assertEqual(self.fake.request('GET', '/nothing').status, 404)
        self.assertEqual(self.fake.request('GET', '/site/nosuch/rest/api/3/myself').status, 404)
        self.assertEqual(self.fake.request('GET', '/server/nosuch/rest/api/2/myself').status, 404)


class TestMyself(FakeTestCase):
    def test_cloud(self):
        r = self.fake.request('GET', '/site/acme/rest/api/3/myself',
                              headers={'Authorization': basic('dev@example.com', 'ATATT-dev')})
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body['emailAddress'], 'dev@example.com')
        self.assertEqual(body['displayName'], 'Dev Eloper')
        self.assertTrue(body['accountId'])
        for auth in [basic('dev@example.com', 'nope'), basic('boss@example.com', 'ATATT-boss'), None]:
            with self.subTest(auth=auth):
                headers = {'Authorization': auth} if auth else {}
                self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself', headers=headers).status, 401)

    def test_confluence_only(self):
        auth = {'Authorization': basic('w@example.com', 'ATATT-w')}
        self.assertEqual(self.fake.request('GET', '/site/wikionly/rest/api/3/myself', headers=auth).status, 404)
        r = self.fake.request('GET', '/site/wikionly/wiki/rest/api/user/current', headers=auth)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()['displayName'], 'Wiki User')
        bad = {'Authorization': basic('w@example.com', 'x')}
        self.assertEqual(self.fake.request('GET', '/site/wikionly/wiki/rest/api/user/current', headers=bad).status, 401)
        self.assertEqual(self.fake.state()['requests']['cloud-myself'], 3)

    def test_server(self):
        cases = [
            ('/server/jira/rest/api/2/myself', 'Bearer jira-pat-1', 200),
            ('/server/jira/rest/api/2/myself', basic('admin', 'pw'), 200),
            ('/server/jira/rest/api/2/myself', 'Bearer wiki-pat-1', 401),
            ('/server/jira/rest/api/2/myself', basic('admin', 'wrong'), 401),
            ('/server/jira/rest/api/2/myself', None, 401),
            ('/server/wiki/rest/api/user/current', 'Bearer wiki-pat-1', 200),
            ('/server/wiki/rest/api/user/current', 'Bearer jira-pat-1', 401),
            ('/server/wiki/rest/api/2/myself', 'Bearer wiki-pat-1', 404),
            ('/server/jira/rest/api/user/current', 'Bearer jira-pat-1', 404),
        ]
        for path, auth, status in cases:
            with self.subTest(path=path, auth=auth):
                r = self.fake.request('GET', path, headers={'Authorization': auth} if auth else {})
                self.assertEqual(r.status, status, r.body)
                if status == 200:
                    self.assertIn('name', r.json())
                    self.assertIn('displayName', r.json())
        r = self.fake.request('GET', '/server/jira/rest/api/2/myself', headers={'Authorization': basic('admin', 'pw')})
        self.assertEqual(r.json(), {'name': 'admin', 'displayName': 'Jira Admin'})
        self.assertEqual(self.fake.state()['requests']['server-myself'], 8)


class TestScopedAndGateway(FakeTestCase):
    scenario = dict(SCENARIO, sites=[
        {'name': 'acme', 'users': [
            {'email': 'robot@example.com', 'api_token': 'ATSTT-robot', 'site_admin': True, 'scoped': True},
            {'email': 'admin@example.com', 'api_token': 'ATATT-admin', 'site_admin': True}]},
        {'name': 'wikionly', 'confluence_only': True, 'users': [
            {'email': 'w@example.com', 'api_token': 'ATSTT-w', 'site_admin': True, 'scoped': True}]},
    ])

    def test_scoped_tokens(self):
        robot = {'Authorization': basic('robot@example.com', 'ATSTT-robot')}
        self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself', headers=robot).status, 401)
        info = self.fake.request('GET', '/site/acme/_edge/tenant_info')
        self.assertEqual(info.status, 200)
        cloud_id = info.json()['cloudId']
        self.assertRegex(cloud_id, r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
        r = self.fake.request('GET', '/api/ex/jira/%s/rest/api/3/myself' % cloud_id, headers=robot)
        self.assertEqual((r.status, r.json()['emailAddress']), (200, 'robot@example.com'))
        # A classic token works there too; a wrong one does not.
        admin = {'Authorization': basic('admin@example.com', 'ATATT-admin')}
        self.assertEqual(self.fake.request('GET', '/api/ex/jira/%s/rest/api/3/myself' % cloud_id,
                                           headers=admin).status, 200)
        self.assertEqual(self.fake.request('GET', '/api/ex/jira/%s/rest/api/3/myself' % cloud_id,
                                           headers={'Authorization': basic('robot@example.com', 'x')}).status, 401)
        self.assertEqual(self.fake.request('GET', '/api/ex/jira/not-a-site/rest/api/3/myself',
                                           headers=robot).status, 404)
        # Confluence-only: the wiki path at the gateway.
        wid = self.fake.request('GET', '/site/wikionly/_edge/tenant_info').json()['cloudId']
        self.assertNotEqual(wid, cloud_id)
        r = self.fake.request('GET', '/api/ex/confluence/%s/wiki/rest/api/user/current' % wid,
                              headers={'Authorization': basic('w@example.com', 'ATSTT-w')})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.fake.request('GET', '/_fake/state').json()['gateway_requests'], 4)
        # The Migration API refuses a scoped token (undocumented: the worse case).
        r = self.fake.request('POST', TOKEN_PATH, {'cloudUrl': self.fake.site('acme')}, headers=robot)
        self.assertEqual(r.status, 401)

    def test_headers_of_faults(self):
        self.fake.request('POST', '/_fake/faults', {'endpoint': 'server-myself', 'status': 301,
                                                    'location': 'https://elsewhere.example/',
                                                    'count': 1})
        self.fake.request('POST', '/_fake/faults', {'endpoint': 'server-myself', 'status': 429,
                                                    'retry_after': '30', 'count': 1})
        self.fake.request('POST', '/_fake/faults', {'endpoint': 'server-myself', 'body': 'seraph-captcha',
                                                    'count': 1})
        path = '/server/jira/rest/api/2/myself'
        # Not through urllib, which would follow the redirect.
        host, port = self.fake.base.split('://', 1)[1].rsplit(':', 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request('GET', path)
        r = conn.getresponse()
        r.read()
        conn.close()
        self.assertEqual((r.status, r.getheader('Location')), (301, 'https://elsewhere.example/'))
        r = self.fake.request('GET', path)
        self.assertEqual((r.status, r.headers.get('Retry-After')), (429, '30'))
        r = self.fake.request('GET', path)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get('X-Seraph-LoginReason'), 'AUTHENTICATION_DENIED')
        self.assertIn('CAPTCHA', r.headers.get('X-Authentication-Denied-Reason'))


class TestSave(FakeTestCase):
    def test_success_holds(self):
        token = self.fake.token().json()['token']
        before = datetime.datetime.now(datetime.timezone.utc)
        r = self.fake.save('jira', self.fake.site('acme'), token)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {'cloudUrl': self.fake.site('acme'), 'message': 'Token saved successfully.'})
        state = self.fake.state()
        jira = state['servers']['jira']
        self.assertEqual(jira['save_requests'], 1)
        self.assertEqual(len(jira['holds']), 1)
        hold = jira['holds'][0]
        self.assertEqual(hold['cloudUrl'], self.fake.site('acme'))
        self.assertEqual(hold['email'], 'admin@example.com')
        saved_at = datetime.datetime.fromisoformat(hold['saved_at'].replace('Z', '+00:00'))
        self.assertLessEqual(abs((saved_at - before).total_seconds()), 60)
        self.assertEqual(state['servers']['wiki'], {'holds': [], 'save_requests': 0})
        self.assertEqual(state['requests']['save'], 1)

        # Basic auth works too; saving again for the same site replaces the hold.
        token = self.fake.token().json()['token']
        r = self.fake.save('jira', self.fake.site('acme') + '/', token, auth=basic('admin', 'pw'))
        self.assertEqual(r.status, 200, r.body)
        token = self.fake.token(site='beta', email='boss@example.com', api_token='ATATT-boss').json()['token']
        self.assertEqual(self.fake.save('jira', self.fake.site('beta'), token).status, 200)
        holds = self.fake.state()['servers']['jira']['holds']
        self.assertEqual(sorted(h['cloudUrl'] for h in holds), [self.fake.site('acme'), self.fake.site('beta')])
        self.assertEqual([h['email'] for h in holds if h['cloudUrl'] == self.fake.site('beta')], ['boss@example.com'])

        r = self.fake.save('wiki', self.fake.site('acme'), self.fake.token().json()['token'], auth='Bearer wiki-pat-1')
        self.assertEqual(r.status, 200)

    def assert_save_failed(self, r):
        self.assertEqual(r.status, 500)
        self.assertEqual(r.body.decode(), 'Exception in saving token.')

    def test_wrong_cloud_url_or_token(self):
        token = self.fake.token().json()['token']
        self.assert_save_failed(self.fake.save('jira', self.fake.site('beta'), token))
        self.assert_save_failed(self.fake.save('jira', 'https://acme.atlassian.net', token))
        self.assert_save_failed(self.fake.save('jira', self.fake.site('acme'), token + 'x'))
        self.assert_save_failed(self.fake.save('jira', self.fake.site('acme'), 'made-up'))
        state = self.fake.state()
        self.assertEqual(state['servers']['jira']['holds'], [])
        self.assertEqual(state['servers']['jira']['save_requests'], 4)

    def test_unauthorized_and_bad_requests(self):
        token = self.fake.token().json()['token']
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), token, auth='Bearer wiki-pat-1').status, 401)
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), token, auth=basic('admin', 'x')).status, 401)
        auth = {'Authorization': 'Bearer jira-pat-1'}
        for body, content_type in [({'cloudUrl': self.fake.site('acme')}, 'application/json'),
                                   ({'token': token}, 'application/json'),
                                   (b'not json', 'application/json'),
                                   ({'cloudUrl': self.fake.site('acme'), 'token': token}, 'text/plain')]:
            with self.subTest(body=body, content_type=content_type):
                r = self.fake.request('POST', '/server/jira' + SAVE_PATH, body, auth, content_type=content_type)
                self.assertEqual(r.status, 400, r.body)
                self.assertIn('errorMessages', r.json())
        self.assertEqual(self.fake.request('GET', '/server/jira' + SAVE_PATH, headers=auth).status, 405)
        self.assertEqual(self.fake.state()['servers']['jira']['holds'], [])

    def test_no_migration_api(self):
        token = self.fake.token().json()['token']
        self.assertEqual(self.fake.save('oldjira', self.fake.site('acme'), token, auth='Bearer old-pat').status, 404)
        self.assertEqual(self.fake.save('oldjira', self.fake.site('acme'), token, auth='Bearer x').status, 401)
        self.assertEqual(self.fake.state()['servers']['oldjira']['holds'], [])


class TestExpiry(FakeTestCase):
    scenario = dict(SCENARIO, auth_token_lifetime_seconds=1)

    def test_expired_token(self):
        token = self.fake.token().json()['token']
        time.sleep(1.5)
        r = self.fake.save('jira', self.fake.site('acme'), token)
        self.assertEqual(r.status, 500)
        self.assertEqual(r.body.decode(), 'Exception in saving token.')
        # A fresh one still works.
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), self.fake.token().json()['token']).status, 200)


class TestFaults(FakeTestCase):
    scenario = dict(SCENARIO, faults=[{'endpoint': 'token', 'status': 503, 'count': 2}])

    def add_fault(self, fault):
        r = self.fake.request('POST', '/_fake/faults', fault)
        self.assertEqual(r.status, 200, r.body)

    def test_status_with_count(self):
        self.assertEqual(self.fake.token().status, 503)
        self.assertEqual(self.fake.token().status, 503)
        self.assertEqual(self.fake.token().status, 200)
        state = self.fake.state()
        self.assertEqual(state['token_requests'], 3)
        self.assertEqual(state['requests']['token'], 3)
        self.assertEqual(state['tokens_issued'], 1)

    def test_target_and_forever(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'server-myself', 'target': 'wiki', 'status': 502})
        for _ in range(3):
            self.assertEqual(self.fake.request('GET', '/server/wiki/rest/api/user/current',
                                               headers={'Authorization': 'Bearer wiki-pat-1'}).status, 502)
        self.assertEqual(self.fake.request('GET', '/server/jira/rest/api/2/myself',
                                           headers={'Authorization': 'Bearer jira-pat-1'}).status, 200)
        # A token request's target is the site its cloudUrl names.
        self.add_fault({'endpoint': 'token', 'target': 'beta', 'status': 429, 'count': 1})
        self.assertEqual(self.fake.token().status, 200)
        self.assertEqual(self.fake.token(site='beta', email='boss@example.com', api_token='ATATT-boss').status, 429)
        self.assertEqual(self.fake.token(site='beta', email='boss@example.com', api_token='ATATT-boss').status, 200)

    def test_any(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'any', 'status': 500, 'count': 3})
        self.assertEqual(self.fake.token().status, 500)
        self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself').status, 500)
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), 'x').status, 500)
        self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself').status, 401)
        # Control endpoints are never faulted.
        self.add_fault({'endpoint': 'any', 'status': 500})
        self.assertEqual(self.fake.request('GET', '/_fake/state').status, 200)

    def test_delay_does_not_block(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'save', 'delay_ms': 1500, 'count': 1})
        token = self.fake.token().json()['token']
        finished = []

        def slow():
            r = self.fake.save('jira', self.fake.site('acme'), token)
            finished.append(('slow', r.status))

        start = time.monotonic()
        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.2)
        r = self.fake.request('GET', '/server/jira/rest/api/2/myself', headers={'Authorization': 'Bearer jira-pat-1'})
        finished.append(('fast', r.status))
        thread.join(30)
        self.assertGreaterEqual(time.monotonic() - start, 1.4)
        self.assertEqual(finished, [('fast', 200), ('slow', 200)])
        self.assertEqual(len(self.fake.state()['servers']['jira']['holds']), 1)

    def test_delay_with_status_and_client_leaving(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'cloud-myself', 'delay_ms': 300, 'status': 504, 'count': 1})
        start = time.monotonic()
        self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself').status, 504)
        self.assertGreaterEqual(time.monotonic() - start, 0.25)
        # A client that gives up during a delay must not upset the fake.
        self.add_fault({'endpoint': 'cloud-myself', 'delay_ms': 800, 'count': 1})
        with self.assertRaises(OSError):
            self.fake.request('GET', '/site/acme/rest/api/3/myself', timeout=0.2)
        time.sleep(1.0)
        self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself').status, 401)
        # And a delayed request still pending at shutdown (tearDown) is freed.
        self.add_fault({'endpoint': 'token', 'delay_ms': 60000, 'count': 1})
        threading.Thread(target=lambda: self.assertRaises(Exception, self.fake.token, timeout=5),
                         daemon=True).start()
        time.sleep(0.3)

    def test_malformed(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'token', 'body': 'malformed', 'count': 1})
        r = self.fake.request('POST', TOKEN_PATH, {'cloudUrl': self.fake.site('acme')},
                              {'Authorization': basic('admin@example.com', 'ATATT-admin')})
        self.assertEqual(r.status, 200)
        with self.assertRaises(ValueError):
            json.loads(r.body)
        self.assertEqual(self.fake.token().status, 200)

    def test_huge(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'cloud-myself', 'body': 'huge', 'count': 2})
        # Read a few MiB, then hang up.
        req = urllib.request.Request(self.fake.url('/site/acme/rest/api/3/myself'))
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
            first = r.read(16)
            self.assertEqual(first, b'{"padding":"aaaa')
            got = len(first)
            while got < 8 * 1024 * 1024:
                chunk = r.read(256 * 1024)
                self.assertTrue(chunk)
                got += len(chunk)
        # The whole of it is 64 MiB (and valid JSON).
        r = self.fake.request('GET', '/site/acme/rest/api/3/myself')
        self.assertEqual(r.status, 200)
        self.assertGreaterEqual(len(r.body), 64 * 1024 * 1024)
        self.assertEqual(len(json.loads(r.body)['padding']), 64 * 1024 * 1024)
        self.assertEqual(self.fake.request('GET', '/site/acme/rest/api/3/myself').status, 401)

    def test_drop(self):
        self.fake.request('DELETE', '/_fake/faults')
        self.add_fault({'endpoint': 'save', 'target': 'jira', 'drop': True, 'count': 1})
        token = self.fake.token().json()['token']
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            self.fake.save('jira', self.fake.site('acme'), token)
        self.assertEqual(self.fake.state()['servers']['jira']['holds'], [])
        # Dropped after a delay, too.
        self.add_fault({'endpoint': 'save', 'drop': True, 'delay_ms': 200, 'count': 1})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            self.fake.save('jira', self.fake.site('acme'), token)
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), token).status, 200)
        self.assertEqual(self.fake.state()['servers']['jira']['save_requests'], 3)


class TestControl(FakeTestCase):
    scenario = dict(SCENARIO, faults=[{'endpoint': 'token', 'status': 503}])

    def test_faults_post_delete(self):
        self.assertEqual(self.fake.token().status, 503)
        self.assertEqual(self.fake.request('DELETE', '/_fake/faults').status, 200)
        self.assertEqual(self.fake.token().status, 200)
        r = self.fake.request('POST', '/_fake/faults', [{'endpoint': 'token', 'status': 401, 'count': 1},
                                                       {'endpoint': 'token', 'status': 418, 'count': 1}])
        self.assertEqual(r.status, 200)
        self.assertEqual(self.fake.token().status, 401)
        self.assertEqual(self.fake.token().status, 418)
        self.assertEqual(self.fake.token().status, 200)

    def test_bad_faults(self):
        self.fake.request('DELETE', '/_fake/faults')
        for fault in [{'endpoint': 'nosuch', 'status': 500}, {'endpoint': 'token'},
                      {'endpoint': 'token', 'status': '500'}, {'endpoint': 'token', 'status': 500, 'count': 0},
                      {'endpoint': 'token', 'drop': True, 'status': 500}, {'endpoint': 'token', 'body': 'odd'},
                      {'endpoint': 'token', 'delay': 5}, [{'endpoint': 'token', 'status': 500}, {}], 'x']:
            with self.subTest(fault=fault):
                r = self.fake.request('POST', '/_fake/faults', fault)
                self.assertEqual(r.status, 400, r.body)
                self.assertTrue(r.json()['message'])
        self.assertEqual(self.fake.request('POST', '/_fake/faults', b'{', content_type=None).status, 400)
        # Nothing of a refused array was added.
        self.assertEqual(self.fake.token().status, 200)

    def test_users(self):
        self.fake.request('DELETE', '/_fake/faults')
        r = self.fake.request('POST', '/_fake/sites/acme/users',
                              {'email': 'new@example.com', 'api_token': 'ATATT-new', 'site_admin': True})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.fake.token(email='new@example.com', api_token='ATATT-new').status, 200)
        # Rotate the admin's API token.
        r = self.fake.request('POST', '/_fake/sites/acme/users',
                              {'email': 'admin@example.com', 'api_token': 'ATATT-rotated', 'site_admin': True})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.fake.token().status, 401)
        self.assertEqual(self.fake.token(api_token='ATATT-rotated').status, 200)
        # Demote: still a user, no longer an admin.
        self.fake.request('POST', '/_fake/sites/acme/users', {'email': 'new@example.com', 'api_token': 'ATATT-new'})
        self.assertEqual(self.fake.token(email='new@example.com', api_token='ATATT-new').status, 403)
        self.assertEqual(self.fake.request('POST', '/_fake/sites/nosuch/users',
                                           {'email': 'a@b', 'api_token': 't'}).status, 404)
        self.assertEqual(self.fake.request('POST', '/_fake/sites/acme/users', {'email': 'a@b'}).status, 400)

    def test_reset(self):
        self.fake.request('POST', '/_fake/sites/acme/users',
                          {'email': 'new@example.com', 'api_token': 'ATATT-new', 'site_admin': True})
        self.assertEqual(self.fake.token().status, 503)
        self.fake.request('DELETE', '/_fake/faults')
        token = self.fake.token().json()['token']
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), token).status, 200)
        self.fake.request('POST', '/_fake/faults', {'endpoint': 'save', 'status': 500})
        self.assertEqual(self.fake.request('POST', '/_fake/reset').status, 200)
        state = self.fake.state()
        self.assertEqual(state['servers']['jira'], {'holds': [], 'save_requests': 0})
        self.assertEqual(state['requests'], {'token': 0, 'cloud-myself': 0, 'server-myself': 0, 'save': 0})
        self.assertEqual(state['token_requests'], 0)
        self.assertEqual(state['tokens_issued'], 0)
        # Faults are gone, users kept.
        token = self.fake.token(email='new@example.com', api_token='ATATT-new').json()['token']
        self.assertEqual(self.fake.save('jira', self.fake.site('acme'), token).status, 200)
        self.assertEqual(self.fake.state()['requests']['save'], 1)


@unittest.skipUnless(FAKE, 'CMT_FAKE_ATLASSIAN is not set')
class TestProcess(unittest.TestCase):
    def start_bad(self, content, name='scenario.json'):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, name)
            if content is not None:
                with open(path, 'w') as f:
                    f.write(content if isinstance(content, str) else json.dumps(content))
            p = subprocess.run([*WRAPPER, FAKE, '--scenario', path], capture_output=True, text=True, timeout=30)
            return p, path

    def test_bad_scenarios(self):
        cases = [
            (None, 'No such file'),
            ('{"sites": [', ''),
            ('[]', 'object'),
            ({'sites': {}}, '"sites"'),
            ({'sites': [{'name': 'a', 'users': [{'email': 'e', 'api_token': 't', 'site_admin': 'yes'}]}]}, 'site_admin'),
            ({'sites': [{'users': []}]}, '"name"'),
            ({'sites': [{'name': 'a/b'}]}, 'a/b'),
            ({'sites': [{'name': 'a'}, {'name': 'a'}]}, 'twice'),
            ({'servers': [{'name': 'j', 'product': 'bamboo'}]}, 'product'),
            ({'servers': [{'name': 'j', 'product': 'jira', 'pats': [1]}]}, 'pats'),
            ({'faults': [{'endpoint': 'token', 'status': 99}]}, 'status'),
            ({'faults': [{'endpoint': 'tokens', 'status': 500}]}, 'endpoint'),
            ({'auth_token_lifetime_seconds': 'soon'}, 'auth_token_lifetime_seconds'),
            ({'auth_token_lifetime_seconds': 0}, 'auth_token_lifetime_seconds'),
            ({'site': []}, 'site'),
        ]
        for content, word in cases:
            with self.subTest(content=content):
                p, path = self.start_bad(content)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertEqual(p.stdout, '')
                self.assertIn(path, p.stderr)
                self.assertIn(word, p.stderr)

    def test_usage(self):
        p = subprocess.run([*WRAPPER, FAKE], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn('--scenario', p.stderr)

    def test_loopback_only_and_sigint(self):
        fake = Fake({'_comment': 'empty world'})
        try:
            self.assertTrue(fake.base.startswith('http://127.0.0.1:'))
            with open(fake.ready_file) as f:
                self.assertEqual(f.read().strip(), fake.base)
            port = int(fake.base.rsplit(':', 1)[1])
            with self.assertRaises(OSError):
                socket.create_connection(('::1', port), timeout=5).close()
            self.assertEqual(fake.request('GET', '/_fake/state').json(),
                             {'servers': {}, 'token_requests': 0, 'tokens_issued': 0, 'gateway_requests': 0,
                              'requests': {'token': 0, 'cloud-myself': 0, 'server-myself': 0, 'save': 0}})
        finally:
            code, log = fake.stop(signal.SIGINT)
        self.assertEqual(code, 0, log)

    def test_fixed_port(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        fake = Fake({}, ['--port', str(port)])
        try:
            self.assertEqual(fake.base, f'http://127.0.0.1:{port}')
            # A second one cannot take the same port.
            with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
                f.write('{}')
                f.flush()
                p = subprocess.run([*WRAPPER, FAKE, '--scenario', f.name, '--port', str(port)],
                                   capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn(str(port), p.stderr)
        finally:
            code, log = fake.stop()
        self.assertEqual(code, 0, log)

    def test_demo_scenario(self):
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'demo-scenario.json')) as f:
            demo = json.load(f)
        fake = Fake(demo)
        try:
            for email, api_token in [('admin@example.com', 'demo-admin-token'), ('ops@example.com', 'demo-ops-token')]:
                r = fake.token(email=email, api_token=api_token)
                self.assertEqual(r.status, 200)
            for server, pat in [('jira', 'demo-jira-pat'), ('wiki', 'demo-wiki-pat')]:
                r = fake.save(server, fake.site('acme'), fake.issued[0], auth='Bearer ' + pat)
                self.assertEqual(r.status, 200, r.body)
        finally:
            code, log = fake.stop()
        self.assertEqual(code, 0, log)


if __name__ == '__main__':
    unittest.main(verbosity=2)
