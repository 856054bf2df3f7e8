"""The LDAP client layer against the lab's real servers: TLS and CAs, binds, paging, timeouts.

Each test states the behaviour an admin relies on; results are checked against what ldap3 (an
independent client) reads, or against the server's own refusal.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import ldap3
import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError

from coexist_lab import lab as lab_control
from lab_helpers import ldap3_admin, settings_for


def test_ldaps_binds_to_both_directories_in_one_process_with_different_cas(lab):
    assert Path(lab['ad']['ca_file']).read_bytes() != Path(lab['domino']['ca_file']).read_bytes()
    with LdapClient(settings_for(lab, 'ad')) as ad, LdapClient(settings_for(lab, 'domino')) as domino:
        assert ad.encryption == 'ldaps' and domino.encryption == 'ldaps'
        assert ad.bind_method == 'simple' and domino.bind_method == 'simple'
        assert ad.root_dse().vendor == 'active_directory'
        assert domino.root_dse().vendor == 'domino'
        # both connections stay usable side by side: each kept its own TLS context
        assert ad.exists(lab['ad']['contacts_ou'])
        assert domino.exists(lab['domino']['contacts_base'])
    # and again in the other order, in the same process
    with LdapClient(settings_for(lab, 'domino')) as domino, LdapClient(settings_for(lab, 'ad')) as ad:
        assert domino.exists(lab['domino']['contacts_base']) and ad.exists(lab['ad']['contacts_ou'])


@pytest.mark.parametrize('side, other', [('ad', 'domino'), ('domino', 'ad')])
def test_wrong_ca_is_a_certificate_error_naming_the_server(lab, side, other):
    with pytest.raises(DirectoryError) as exc:
        LdapClient(settings_for(lab, side, ca_file=lab[other]['ca_file'])).connect()
    assert exc.value.kind == 'certificate'
    assert lab[side]['server'] in exc.value.message
    assert 'ca_file' in exc.value.message


def test_start_tls_works_and_validates(lab):
    for side in ('ad', 'domino'):
        with LdapClient(settings_for(lab, side, server=lab[side]['start_tls_server'], start_tls=True)) as client:
            assert client.encryption == 'start_tls' and client.root_dse().entry.dn == ''


def test_plain_ldap_simple_bind_to_samba_says_tls_required(lab):
    plain = settings_for(lab, 'ad', server=lab['ad']['start_tls_server'], allow_plaintext_bind=True)
    with pytest.raises(DirectoryError) as exc:
        LdapClient(plain).connect()
    assert exc.value.kind == 'tls_required'
    assert 'requires TLS' in exc.value.message and lab['ad']['start_tls_server'] in exc.value.message
    # without the opt-in, the client refuses before the password leaves the machine
    with pytest.raises(DirectoryError) as exc:
        LdapClient(settings_for(lab, 'ad', server=lab['ad']['start_tls_server'])).connect()
    assert exc.value.kind == 'plaintext_refused'


@pytest.mark.parametrize('side', ['ad', 'domino'])
def test_wrong_password_names_server_and_account(lab, side):
    with pytest.raises(DirectoryError) as exc:
        LdapClient(settings_for(lab, side, bind_password='not-the-password')).connect()
    assert exc.value.kind == 'credentials'
    assert lab[side]['server'] in exc.value.message and lab[side]['bind_dn'] in exc.value.message
    assert 'not-the-password' not in str(exc.value.as_dict())


def test_unreachable_server_is_named(lab):
    with pytest.raises(DirectoryError) as exc:
        LdapClient(settings_for(lab, 'domino', server='ldaps://domino1.example.com:1')).connect()
    assert exc.value.kind == 'unreachable' and 'ldaps://domino1.example.com:1' in exc.value.message


def test_missing_entry_is_named(lab):
    with LdapClient(settings_for(lab, 'ad')) as ad:
        missing = 'OU=Nowhere,' + lab['ad']['base_dn']
        assert not ad.exists(missing)
        with pytest.raises(DirectoryError) as exc:
            list(ad.search(missing, '(objectClass=*)', ['cn']))
    assert exc.value.kind == 'no_such_object' and missing in exc.value.message


def test_kerberos_bind_to_samba_with_a_ticket_from_its_kdc(lab, tmp_path, monkeypatch):
    ccache = tmp_path / 'krb5cc'
    env = dict(os.environ, KRB5_CONFIG=lab['ad']['krb5_conf'], KRB5CCNAME=f'FILE:{ccache}')
    subprocess.run(['kinit', lab['ad']['sync_principal']], input=lab['ad']['bind_password'] + '\n', env=env,
                   check=True, capture_output=True, text=True, timeout=30)
    monkeypatch.setenv('KRB5_CONFIG', lab['ad']['krb5_conf'])
    monkeypatch.setenv('KRB5CCNAME', f'FILE:{ccache}')
    kerberos = settings_for(lab, 'ad', bind_dn=None, bind_password=None, sasl_mech='GSSAPI')
    with LdapClient(kerberos) as ad:
        assert ad.bind_method == 'GSSAPI'
        # an authenticated read: AD shows mailboxes to no anonymous client
        mailboxes = list(ad.search(lab['ad']['mailbox_bases'][0], '(mailNickname=*)', ['mail']))
    assert len(mailboxes) > 100
    # the ticket is what authenticated: with an empty cache the same bind fails, clearly
    monkeypatch.setenv('KRB5CCNAME', f'FILE:{tmp_path / "empty-cache"}')
    with pytest.raises(DirectoryError) as exc:
        LdapClient(kerberos).connect()
    assert exc.value.kind == 'credentials' and 'Kerberos' in exc.value.message


def _count_with_ldap3(conn: ldap3.Connection, base: str, filterstr: str) -> int:
    results = conn.extend.standard.paged_search(base, filterstr, attributes=['1.1'], paged_size=500, generator=True)
    return sum(1 for e in results if e['type'] == 'searchResEntry')


def test_paging_reads_more_than_one_page_from_samba(lab):
    base, filt = lab['ad']['mailbox_bases'][0], '(objectClass=user)'
    expected = _count_with_ldap3(ldap3_admin(lab, 'ad'), base, filt)
    assert expected > 150
    with LdapClient(settings_for(lab, 'ad', page_size=50)) as ad:
        assert ad.root_dse().supports_paging
        found = [e.dn for e in ad.search(base, filt, ['cn'])]
        assert ad.pages_read >= 4           # 50 entries a page
    assert len(found) == len(set(found)) == expected


@pytest.fixture()
def many_domino_entries(lab):
    """1,200 extra entries in a throwaway OU on the Domino slapd, removed afterwards."""
    admin = ldap3_admin(lab, 'domino')
    ou = f'ou=paging-{uuid.uuid4().hex[:8]},o=Acme'
    admin.add(ou, ['organizationalUnit'], {'ou': ou.split(',', maxsplit=1)[0][3:]})
    dns = []
    for i in range(1200):
        dn = f'cn=Page Test {i:04d},{ou}'
        admin.add(dn, ['inetOrgPerson'], {'cn': f'Page Test {i:04d}', 'sn': 'Test'})
        dns.append(dn)
    yield ou, dns
    for dn in dns:
        admin.delete(dn)
    admin.delete(ou)


def test_paging_reads_past_the_1000_entry_limit_on_slapd(lab, many_domino_entries):
    ou, dns = many_domino_entries
    with LdapClient(settings_for(lab, 'domino')) as domino:
        found = [e.dn for e in domino.search(ou, '(objectClass=inetOrgPerson)', ['cn'])]
        assert domino.pages_read == 2       # AD-like 1000-entry pages
        assert len(found) == 1200
        # the same read without paging meets the server's 1000-entry limit, and says so
        with pytest.raises(DirectoryError) as exc:
            list(domino.search(ou, '(objectClass=inetOrgPerson)', ['cn'], page_size=0))
    assert exc.value.kind == 'size_limit' and lab['domino']['server'] in exc.value.message


def _pid_of(side: str) -> int:
    pid = lab_control.directory(side).pid()
    assert pid, f'the lab {side} server is not running'
    return pid


@pytest.mark.slow
@pytest.mark.parametrize('side', ['domino', 'ad'])
def test_a_hung_server_ends_the_call_at_the_timeout(lab, side):
    client = LdapClient(settings_for(lab, side, timeout=3)).connect()
    pid = _pid_of(side)
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    try:
        with pytest.raises(DirectoryError) as exc:
            list(client.search(lab[side]['contacts_ou' if side == 'ad' else 'contacts_base'], '(objectClass=*)', ['cn']))
    finally:
        os.kill(pid, signal.SIGCONT)
        client.close()
    elapsed = time.monotonic() - started
    assert exc.value.kind == 'timeout'
    assert 'did not answer within the operation timeout of 3 s' in exc.value.message
    assert lab[side]['server'] in exc.value.message
    assert 2.5 < elapsed < 15
    # and a hung server that is connected to afresh ends at the timeout too, after the one retry
    # a connection that timed out gets here (connect_retries)
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    try:
        with pytest.raises(DirectoryError) as exc:
            LdapClient(settings_for(lab, side, timeout=3, connect_timeout=3, connect_retries=1,
                                    connect_retry_delay=0.5)).connect()
    finally:
        os.kill(pid, signal.SIGCONT)
    assert exc.value.kind == 'timeout' and lab[side]['server'] in exc.value.message
    assert 'timeout of 3 s' in exc.value.message and '(2 attempts)' in exc.value.message
    assert time.monotonic() - started < 15


_PROBE = '''
import json, sys
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from lab_helpers import settings_for
try:
    LdapClient(settings_for(json.loads(sys.argv[1]), 'ad')).connect()
    print(json.dumps({'kind': None}))
except DirectoryError as exc:
    print(json.dumps(exc.as_dict()))
'''


def test_tls_refused_by_libldap_but_accepted_by_python_says_so(lab):
    """A certificate Python's ssl (OpenSSL) accepts and libldap rejects: the error once read
    "unreachable ... check the firewall". Samba's certificate names the DC in its CN only, with
    no subjectAltName; OpenSSL accepts that, and libldap rejects it when told to require a SAN
    (TLS_REQSAN demand in ldap.conf, here LDAPTLS_REQSAN in the environment of a child process:
    libldap reads it once per process). TCP and Python's validated handshake work, libldap
    refuses: the message must say so and how to see libldap's own reason."""
    # The child imports what this process imports (the collection, lab_helpers, the lab package).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), LDAPTLS_REQSAN='demand')
    # python-ldap's slapdtest (imported by the throwaway-server tests in this session) sets
    # LDAPNOINIT=1 in os.environ at import, and libldap then ignores every LDAPTLS_* variable:
    # the child would connect and this test fail only in a whole-suite run.
    env.pop('LDAPNOINIT', None)
    probe = subprocess.run([sys.executable, '-c', _PROBE, json.dumps(lab)],
                           capture_output=True, text=True, env=env, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr
    error = json.loads(probe.stdout.strip().splitlines()[-1])
    assert error['kind'] == 'certificate', error
    message = error['msg']
    assert 'firewall' not in message and 'unreachable' not in message
    assert "Python's ssl accepts" in message and 'LDAP library' in message
    assert f'LDAPTLS_CACERT={lab["ad"]["ca_file"]}' in message and f'ldapsearch -H {lab["ad"]["server"]}' in message
    # the same connection without the stricter libldap setting works: the certificate itself is fine
    with LdapClient(settings_for(lab, 'ad')) as client:
        assert client.encryption == 'ldaps'
