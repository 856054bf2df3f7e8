"""The routing roles as a user runs them, from the installed tarball. No Exchange or Domino server
runs here: the Domino role talks to a stand-in for the Domino REST API that answers with
SYNTHESIZED documents shaped as HCL's OpenAPI description (auth, query, document GET/PATCH/POST),
and records every write; the Exchange role is exercised up to its input validation and its
planner (tests/unit/.../test_routing.py)."""
from __future__ import annotations

import copy
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lab_helpers import run_ansible_playbook

FIXTURE = Path(__file__).resolve().parents[1] / 'unit' / 'plugins' / 'module_utils' / 'fixtures' / 'domino_state_drifted.json'
TOKEN = 'synthesized-bearer-token'


class FakeDominoRestApi(BaseHTTPRequestHandler):
    """The few Domino REST API calls the role makes, over the documents in ``server.documents``."""

    def _send(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)) or b'{}')

    def _authorised(self) -> bool:
        if self.headers.get('Authorization') != f'Bearer {TOKEN}':
            self._send(401, {'status': 401, 'message': 'Unauthorized'})
            return False
        return True

    def do_POST(self):                                  # noqa: N802 (http.server's naming)
        path = self.path.split('?', 1)[0]
        body = self._body()
        if path == '/api/v1/auth':
            ok = body == {'username': 'drapi-admin', 'password': 'drapi-secret'}
            return self._send(200 if ok else 401, {'bearer': TOKEN} if ok else {'message': 'bad credentials'})
        if not self._authorised():
            return None
        if path == '/api/v1/query':
            query = body.get('query', '')
            # The role's DQL queries: Form = '<form>' and <item> = '<value>'.
            query = ' '.join(query.split())
            found = [d for d in self.server.documents.values()
                     if f"Form = '{d.get('Form')}'" in query
                     and any(f"{item} = '{d.get(item)}'" in query for item in ('DomainType', 'ServerName', 'ConnectionType'))]
            return self._send(200, found)
        if path == '/api/v1/document':
            unid = uuid.uuid4().hex.upper()
            self.server.documents[unid] = dict(body, **{'@meta': {'unid': unid}})
            self.server.writes.append(('POST', unid, body))
            return self._send(201, self.server.documents[unid])
        return self._send(404, {'message': path})

    def do_PATCH(self):                                 # noqa: N802
        if not self._authorised():
            return None
        unid = self.path.split('?', 1)[0].rsplit('/', 1)[-1]
        if unid not in self.server.documents:
            return self._send(404, {'message': unid})
        body = self._body()
        self.server.documents[unid].update(body)
        self.server.writes.append(('PATCH', unid, body))
        return self._send(200, self.server.documents[unid])

    def log_message(self, *args):                       # quiet
        pass


@pytest.fixture()
def drapi():
    state = json.loads(FIXTURE.read_text())
    server = ThreadingHTTPServer(('127.0.0.1', 0), FakeDominoRestApi)
    server.documents = {doc['@meta']['unid']: copy.deepcopy(doc) for doc in (state['global_domain'], state['server_config'])}
    server.writes = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def play(tmp_path, collections_path, playbook: str, *args, extra: dict | None = None):
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(json.dumps({'all': {'children': {
        'domino': {'hosts': {'domino1': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}},
        'exchange': {'hosts': {'ex01': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}},
    }}}))
    return run_ansible_playbook(collections_path, tmp_path, playbook, *args, extra_vars=extra or {}, inventory=inventory)


DESIGN = {'coexist_last_hop': 'domino', 'coexist_shared_domain': 'example.com',
          'coexist_domino_routing_domain': 'domino.example.com', 'coexist_exchange_routing_domain': 'exchange.example.com'}


def domino_vars(server, **changes) -> dict:
    values = dict(DESIGN, domino_smart_host_drapi_url=f'http://127.0.0.1:{server.server_address[1]}',
                  domino_smart_host_username='drapi-admin', domino_smart_host_password='drapi-secret',
                  domino_smart_host_exchange_smtp_host='exchange-smtp.example.com')
    values.update(changes)
    return values


def domino_only(tmp_path) -> str:
    playbook = tmp_path / 'domino.yml'
    playbook.write_text('- hosts: domino\n  gather_facts: false\n  roles:\n    - role: coexist.domino_exchange.domino_smart_host\n')
    return str(playbook)


def test_domino_role_check_mode_reads_and_plans_then_applies_then_changes_nothing(drapi, tmp_path, collections_path):
    result = play(tmp_path, collections_path, domino_only(tmp_path), '--check', extra=domino_vars(drapi))
    assert result.returncode == 0, result.stdout + result.stderr
    assert drapi.writes == []                                         # check mode: read and plan only
    assert 'LocalInternetDomainAliases differ' in result.stdout and 'has no Foreign SMTP Domain document' in result.stdout
    assert 'drapi-secret' not in result.stdout + result.stderr

    result = play(tmp_path, collections_path, domino_only(tmp_path), extra=domino_vars(drapi))
    assert result.returncode == 0, result.stdout + result.stderr
    written = {(method, body.get('Form', '')): body for method, _unid, body in drapi.writes}
    patched = {unid: body for method, unid, body in drapi.writes if method == 'PATCH'}
    assert set(patched) == {'8A1F0C2B3D4E5F60718293A4B5C6D7E8', '0F1E2D3C4B5A69788796A5B4C3D2E1F0'}, drapi.writes
    assert patched['8A1F0C2B3D4E5F60718293A4B5C6D7E8']['LocalInternetDomainAliases'] == ['acme.example.org', 'domino.example.com']
    domain = drapi.documents['8A1F0C2B3D4E5F60718293A4B5C6D7E8']
    assert domain['LocalInternetDomainAliases'] == ['acme.example.org', 'domino.example.com']   # merged, not replaced
    config = drapi.documents['0F1E2D3C4B5A69788796A5B4C3D2E1F0']
    assert config['SMTPVerifyAuthenticatedRecipients'] == '1' and config['SMTPSmartHost'] == ''
    assert written[('POST', 'Domain')] == {'Form': 'Domain', 'DomainType': 'ForeignSMTPDomain',
                                           'ISP_Domain': 'exchange.example.com', 'ISP_RouteTo': 'CoexistExchange'}
    assert written[('POST', 'Connection')] == {'Form': 'Connection', 'ConnectionType': 'SMTP', 'Destination': 'CoexistExchange',
                                               'ConnectionHost': 'exchange-smtp.example.com'}
    assert 'Restart the Domino server' in result.stdout                # the Global Domain changed: handler

    writes = len(drapi.writes)
    result = play(tmp_path, collections_path, domino_only(tmp_path), extra=domino_vars(drapi))
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(drapi.writes) == writes and 'changed=0' in result.stdout


def test_the_loop_design_is_refused_unless_accepted(drapi, tmp_path, collections_path):
    result = play(tmp_path, collections_path, domino_only(tmp_path), extra=domino_vars(drapi, coexist_last_hop='none'))
    assert result.returncode != 0 and 'KB 321721' in result.stdout and drapi.writes == []
    accepted = domino_vars(drapi, coexist_last_hop='none', coexist_accept_loop_risk=True)
    result = play(tmp_path, collections_path, domino_only(tmp_path), '--check', extra=accepted)
    assert result.returncode == 0, result.stdout + result.stderr
    # both forward unknowns: Domino gets the Exchange smart host (the fixture's is another host) and
    # keeps not verifying recipients
    assert 'SMTPSmartHost differ' in result.stdout and 'SMTPVerifyAuthenticatedRecipients' not in result.stdout


@pytest.mark.parametrize('role, bad, named', [
    ('exchange_shared_namespace', {'coexist_last_hop': 'both'}, 'coexist_last_hop'),
    ('exchange_shared_namespace', {'exchange_shared_namespace_domino_smtp_hosts': 'not-a-list',
                                   'exchange_shared_namespace_platform': 'cloud'}, 'exchange_shared_namespace_platform'),
    ('domino_smart_host', {'domino_smart_host_restart': 'perhaps'}, 'domino_smart_host_restart'),
    ('domino_smart_host', {'coexist_shared_domain': None}, 'coexist_shared_domain'),
])
def test_the_roles_validate_their_inputs(tmp_path, collections_path, role, bad, named):
    values = dict(DESIGN, exchange_shared_namespace_domino_smtp_hosts=['domino1.example.com'],
                  domino_smart_host_drapi_url='https://127.0.0.1:1', domino_smart_host_username='u',
                  domino_smart_host_password='p', domino_smart_host_exchange_smtp_host='ex.example.com')
    values.update({k: v for k, v in bad.items() if v is not None})
    for key in [k for k, v in bad.items() if v is None]:
        values.pop(key)
    group = 'exchange' if role.startswith('exchange') else 'domino'
    playbook = tmp_path / 'role.yml'
    playbook.write_text(f'- hosts: {group}\n  gather_facts: false\n  roles:\n    - role: coexist.domino_exchange.{role}\n')
    result = play(tmp_path, collections_path, str(playbook), extra=values)
    assert result.returncode != 0
    assert 'Validation of arguments failed' in result.stdout + result.stderr and named in result.stdout + result.stderr


def test_the_mail_routing_playbook_passes_a_syntax_check(tmp_path, collections_path):
    result = play(tmp_path, collections_path, 'coexist.domino_exchange.mail_routing', '--syntax-check')
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_exchange_planner_module_from_a_playbook(tmp_path, collections_path):
    """The module the Exchange role runs on the controller, given a SYNTHESIZED current state."""
    current = json.loads((FIXTURE.parent / 'exchange_state_drifted.json').read_text())
    playbook = tmp_path / 'plan.yml'
    playbook.write_text(json.dumps([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'Plan', 'register': 'plan', 'coexist.domino_exchange.exchange_routing_plan': {
            'last_hop': 'domino', 'shared_domain': 'example.com', 'domino_routing_domain': 'domino.example.com',
            'exchange_routing_domain': 'exchange.example.com', 'domino_smtp_hosts': ['domino1.example.com'],
            'update_recipients': ['CN=Anna Abbott,OU=Domino Contacts,DC=corp,DC=example,DC=com'],
            'current': current}},
        {'name': 'Show', 'ansible.builtin.debug': {'msg': "CALLS={{ plan.calls | map(attribute='cmdlet') | join(',') }}"}},
    ]}]))
    result = play(tmp_path, collections_path, str(playbook), extra={'ansible_python_interpreter': sys.executable})
    assert result.returncode == 0, result.stdout + result.stderr
    assert ('CALLS=Set-AcceptedDomain,New-AcceptedDomain,Set-SendConnector,Set-EmailAddressPolicy,'
            'Update-EmailAddressPolicy,Update-Recipient') in result.stdout
