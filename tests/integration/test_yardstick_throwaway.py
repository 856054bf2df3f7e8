"""The benchmark's yardstick (benchmarks/yardstick.py) on a throwaway slapd started by python-ldap's
slapdtest (no lab needed): its reads count what the server holds, across pages, on one connection;
its adds land; and it fails loudly (exit status 1, no RESULT line) rather than measure the wrong
thing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import bench_sync  # benchmarks/bench_sync.py and yardstick.py (pytest.ini: pythonpath = benchmarks)
import ldap
import pytest
import slapdtest
import yardstick

MARKER = 'coexist.domino_exchange:'


class PlainSlapd(slapdtest.SlapdObject):
    TMPDIR = tempfile.gettempdir()
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')


def _ldif(suffix: str) -> str:
    """25 people (20 with mail), 3 marked contacts and 2 unmarked ones, an empty OU for adds."""
    ldif = [f'dn: {suffix}\nobjectClass: organization\nobjectClass: dcObject\ndc: slapd-test\no: test\n']
    ldif += [f'dn: ou={ou},{suffix}\nobjectClass: organizationalUnit\nou: {ou}\n' for ou in ('people', 'contacts', 'adds')]
    ldif += [f'dn: cn=person {i},ou=people,{suffix}\nobjectClass: inetOrgPerson\ncn: person {i}\nsn: {i}\n'
             + (f'mail: person{i}@example.com\n' if i < 20 else '') for i in range(25)]
    ldif += [f'dn: cn=contact {i},ou=contacts,{suffix}\nobjectClass: inetOrgPerson\ncn: contact {i}\nsn: {i}\n'
             f'mail: contact{i}@example.org\n' + (f'employeeType: {MARKER}{i}\n' if i < 3 else '') for i in range(5)]
    return '\n'.join(ldif)


@pytest.fixture(scope='module')
def server():
    with PlainSlapd() as s:
        s.ldapadd(_ldif(s.suffix))
        yield s


@pytest.fixture()
def env(server):
    return dict(os.environ, YARDSTICK_TEST_PW=server.root_pw)


def _conn(server) -> list:
    return ['--uri', server.ldap_uri, '--bind-dn', server.root_dn, '--password-env', 'YARDSTICK_TEST_PW']


def _reads(suffix: str) -> list:
    # the shape of a sync's three reads: source mailboxes, owned contacts, the address set
    return ['--read', f'ou=people,{suffix}', '(objectClass=inetOrgPerson)', 'cn,sn,mail',
            '--read', f'ou=contacts,{suffix}', f'(employeeType={MARKER}*)', 'cn,employeeType',
            '--read', suffix, '(mail=*)', 'mail']


def test_read_counts_as_bench_sync_consumes_them(server, env):
    # through bench_sync's own runner: the same subprocess and RESULT contract the benchmark uses
    result = bench_sync.run_yardstick(bench_sync.YARDSTICK, ['read', *_conn(server), *_reads(server.suffix)], env)
    assert result['mode'] == 'read' and result['uri'] == server.ldap_uri
    assert [r['entries'] for r in result['reads']] == [25, 3, 25]
    bases = [f'ou=people,{server.suffix}', f'ou=contacts,{server.suffix}', server.suffix]
    assert [r['base'] for r in result['reads']] == bases
    assert result['entries'] == 53
    assert result['seconds'] == pytest.approx(sum(r['seconds'] for r in result['reads']), abs=1e-3)


def test_reads_page_through_on_one_connection(server, env, monkeypatch, capsys):
    monkeypatch.setattr(yardstick, 'PAGE_SIZE', 4)
    monkeypatch.setenv('YARDSTICK_TEST_PW', server.root_pw)
    opened = []
    real_initialize = ldap.initialize

    def counting_initialize(*args, **kwargs):
        opened.append(args[0])
        return real_initialize(*args, **kwargs)

    monkeypatch.setattr(ldap, 'initialize', counting_initialize)
    assert yardstick.main(['read', *_conn(server), *_reads(server.suffix), '--read', server.suffix, '(cn=person 1*)', '1.1']) == 0
    out = capsys.readouterr().out.splitlines()
    result = json.loads(out[-1][len('RESULT '):])
    # 25 people in 7 pages of 4; "person 1" and "person 10".."person 19"
    assert [r['entries'] for r in result['reads']] == [25, 3, 25, 11]
    assert opened == [server.ldap_uri]


def test_add_then_read_back(server, env, tmp_path):
    suffix = server.suffix
    entries = tmp_path / 'entries.jsonl'
    entries.write_text(''.join(
        json.dumps({'dn': f'cn=added {i},ou=adds,{suffix}',
                    'attrs': {'objectClass': ['inetOrgPerson'], 'cn': [f'added {i}'], 'sn': ['Ä'],
                              'employeeType': [f'{MARKER}added-{i}']}}) + '\n'
        for i in range(7)), encoding='utf-8')
    added = bench_sync.run_yardstick(bench_sync.YARDSTICK, ['add', *_conn(server), '--entries', str(entries)], env)
    assert added['mode'] == 'add' and added['entries'] == 7 and added['seconds'] > 0
    read = bench_sync.run_yardstick(bench_sync.YARDSTICK, ['read', *_conn(server), '--read', f'ou=adds,{suffix}',
                                                           f'(&(sn=Ä)(employeeType={MARKER}added-*))', '1.1'], env)
    assert read['entries'] == 7


def _run(argv: list, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(bench_sync.YARDSTICK), *argv], env=env, capture_output=True, text=True,
                          check=False)


def test_a_wrong_password_fails_without_a_result(server, env):
    proc = _run(['read', *_conn(server), *_reads(server.suffix)], dict(env, YARDSTICK_TEST_PW='wrong'))
    assert proc.returncode == 1
    assert 'RESULT' not in proc.stdout
    assert 'Invalid credentials' in proc.stderr
    with pytest.raises(SystemExit):
        bench_sync.run_yardstick(bench_sync.YARDSTICK, ['read', *_conn(server), *_reads(server.suffix)],
                                 dict(env, YARDSTICK_TEST_PW='wrong'))


def test_a_missing_password_is_not_an_anonymous_read(server, env):
    proc = _run(['read', *_conn(server), *_reads(server.suffix)], {k: v for k, v in env.items() if k != 'YARDSTICK_TEST_PW'})
    assert proc.returncode == 1 and 'RESULT' not in proc.stdout
    assert 'YARDSTICK_TEST_PW is unset or empty' in proc.stderr


def test_a_failed_add_fails_naming_the_entry(server, env, tmp_path):
    entries = tmp_path / 'bad.jsonl'
    entries.write_text(json.dumps({'dn': f'cn=orphan,ou=nowhere,{server.suffix}',
                                   'attrs': {'objectClass': ['person'], 'cn': ['orphan'], 'sn': ['x']}}) + '\n')
    proc = _run(['add', *_conn(server), '--entries', str(entries)], env)
    assert proc.returncode == 1 and 'RESULT' not in proc.stdout
    assert f'add cn=orphan,ou=nowhere,{server.suffix}' in proc.stderr


def test_usage_errors_exit_2():
    assert _run(['read', '--uri', 'ldap://127.0.0.1:1/'], dict(os.environ)).returncode == 2
    assert _run(['add', '--uri', 'ldap://127.0.0.1:1/'], dict(os.environ)).returncode == 2
