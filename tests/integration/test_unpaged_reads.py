"""Reads from a Domino server without paging (issue 13, item 5), against the lab's Domino slapd as
the unpaged account sees it: no paged results control in the root DSE, a paged search refused,
every entry in one search (lab/coexist_lab/domino/schema.py; HCL documents no paging, vendor facts
D-5). Between the client and the server, a TCP relay (relay.py) stands for the network and a
large directory: it passes TLS through untouched and either delivers the server's answer in parts
with pauses between them (an answer that takes longer than the operation timeout as a whole, each
part well within it) or cuts the connection in the middle of the answer."""
from __future__ import annotations

import json
import time
import uuid

import pytest

from lab_helpers import ldap3_admin, run_ansible_playbook, settings_for
from relay import Relay

ENTRIES = 1200                      # more than a page (the lab's pages, like AD's, hold 1000)


class ThrottlingRelay(Relay):
    """A TCP relay (relay.py) to the lab Domino server's LDAPS port. Per connection, the server's
    first ``free`` bytes (TLS handshake, bind, root DSE) pass at once; after them, ``chunk`` bytes
    at a time with ``pause`` seconds between chunks; with ``cut`` set, the connection is closed
    once the server sent that many bytes on it (mid-answer for a large search)."""

    def __init__(self, upstream_port: int, free: int = 48_000, chunk: int = 48_000, pause: float = 0.0,
                 cut: int | None = None):
        self.free, self.chunk, self.pause, self.cut = free, chunk, pause, cut
        self.cuts = 0                               # connections cut mid-answer
        super().__init__(upstream_port)

    def forward(self, source, sink, from_server: bool) -> None:
        if not from_server:
            super().forward(source, sink, from_server)
            return
        sent = 0
        while data := source.recv(65536):
            while data:
                if self.cut is not None and sent + len(data) >= self.cut:
                    sink.sendall(data[:self.cut - sent])
                    self.cuts += 1
                    return                      # both sides are shut down mid-answer
                room = self.free - sent if sent < self.free else self.chunk - (sent - self.free) % self.chunk
                part, data = data[:room], data[room:]
                sink.sendall(part)
                sent += len(part)
                if self.pause and sent >= self.free and (sent - self.free) % self.chunk == 0:
                    time.sleep(self.pause)


@pytest.fixture()
def unpaged_account(lab):
    """The lab state of a Domino server without paging: the unpaged account's entry (the lab's
    rules for it are in slapd.conf), removed afterwards."""
    admin = ldap3_admin(lab, 'domino')
    d = lab['domino']
    account = d['unpaged_bind_dn']
    admin.add(account, ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson'],
              {'cn': 'LDAP Unpaged Reader', 'sn': 'Reader', 'userPassword': d['unpaged_bind_password'],
               'mailsystem': '100'})
    try:
        yield account
    finally:
        admin.delete(account)


@pytest.fixture()
def unpaged(lab, unpaged_account):
    """The unpaged account and 1,200 Persons in a throwaway OU (more than a page), removed afterwards."""
    admin = ldap3_admin(lab, 'domino')
    ou = f'ou=unpaged-{uuid.uuid4().hex[:8]},o=Acme'
    admin.add(ou, ['organizationalUnit'], {'ou': ou.split(',', maxsplit=1)[0][3:]})
    dns = [f'cn=Unpaged Person {i:04d},{ou}' for i in range(ENTRIES)]
    for i, dn in enumerate(dns):
        admin.add(dn, ['inetOrgPerson'], {'cn': f'Unpaged Person {i:04d}', 'sn': 'Person',
                                          'description': 'x' * 60})
    try:
        yield ou, dns
    finally:
        for dn in dns:
            admin.delete(dn)
        admin.delete(ou)


def _unpaged_settings(lab, **overrides):
    d = lab['domino']
    return settings_for(lab, 'domino', bind_dn=d['unpaged_bind_dn'], bind_password=d['unpaged_bind_password'],
                        **overrides)


def _port(lab) -> int:
    return int(lab['domino']['server'].rsplit(':', 1)[1])


def test_an_unpaged_server_is_read_whole_in_one_streamed_search(lab, unpaged):
    """Paging off on the server: not advertised, a paged search refused; the client reads more
    entries than a page in one search, without paging."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.python_ldap import (
        SimplePagedResultsControl, ldap)

    ou, dns = unpaged
    with LdapClient(_unpaged_settings(lab, page_size=1000)) as client:
        assert not client.root_dse().supports_paging
        found = [e.dn for e in client.search(ou, '(objectClass=inetOrgPerson)', ['cn'])]
        assert client.pages_read == 0 and client.searches_sent == 2      # the root DSE and this read
        # the server refuses the control itself (even sent non-critical), so paging is off there
        control = SimplePagedResultsControl(criticality=False, size=100, cookie='')
        with pytest.raises(ldap.ADMINLIMIT_EXCEEDED):
            client.connection.search_ext_s(ou, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['1.1'], serverctrls=[control])
    assert sorted(found) == sorted(dns) and len(found) == ENTRIES > 1000


def test_each_answer_of_an_unpaged_read_has_the_timeout_not_the_whole_read(lab, unpaged):
    """The answer to one unpaged search arrives in parts with pauses between them, longer in all
    than the operation timeout, each pause far shorter: the read completes. Before (one wait for
    the whole answer, libldap's timeout counted across it): 'did not answer within the operation
    timeout of 3 s'."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient

    ou, dns = unpaged
    relay = ThrottlingRelay(_port(lab), chunk=24_000, pause=0.75)
    try:
        settings = _unpaged_settings(lab, server=relay.uri('ldaps', lab['domino']['hostname']), timeout=3)
        with LdapClient(settings) as client:
            found = [e.dn for e in client.search(ou, '(objectClass=inetOrgPerson)', ['cn', 'description'])]
    finally:
        relay.close()
    assert sorted(found) == sorted(dns)


def test_an_unpaged_read_cut_mid_answer_fails_never_short(lab, unpaged):
    """The connection drops in the middle of the answer: the read raises a DirectoryError naming
    the server; the entries already received are never handed on as the whole directory."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError

    ou, _dns = unpaged
    relay = ThrottlingRelay(_port(lab), cut=60_000)
    seen = []
    try:
        settings = _unpaged_settings(lab, server=relay.uri('ldaps', lab['domino']['hostname']), timeout=10)
        with pytest.raises(DirectoryError) as exc:
            with LdapClient(settings) as client:
                for entry in client.search(ou, '(objectClass=inetOrgPerson)', ['cn', 'description']):
                    seen.append(entry.dn)
    finally:
        relay.close()
    assert relay.cuts == 1
    assert 0 < len(seen) < ENTRIES                 # streamed: some entries came before the cut
    assert exc.value.kind in ('unreachable', 'incomplete_read')
    assert str(relay.port) in exc.value.message


def test_a_sync_whose_unpaged_domino_read_is_cut_writes_nothing(seeded, unpaged_account, collections_path, tmp_path):
    """domino_to_exchange with the Domino read cut mid-answer: the run fails before planning,
    names the Domino server, and AD's contacts OU stays empty (no partial read planned)."""
    from lab_helpers import dump

    before = dump(ldap3_admin(seeded, 'ad'), seeded['ad']['contacts_ou'])
    relay = ThrottlingRelay(_port(seeded), cut=60_000)
    d = seeded['domino']
    try:
        report_dir = tmp_path / 'reports'
        extra = {'coexist_report_dir': str(report_dir),
                 'coexist_domino': {'server': relay.uri('ldaps', d['hostname']), 'bind_dn': d['unpaged_bind_dn'],
                                    'bind_password': d['unpaged_bind_password'], 'ca_file': d['ca_file'],
                                    'mailbox_base': d['mailbox_base'], 'contacts_base': d['contacts_base']}}
        result = run_ansible_playbook(collections_path, tmp_path, 'coexist.domino_exchange.domino_to_exchange',
                                      extra_vars=extra)
    finally:
        relay.close()
    out = result.stdout + result.stderr
    assert relay.cuts >= 1, out
    assert result.returncode != 0, out
    assert str(relay.port) in out
    assert dump(ldap3_admin(seeded, 'ad'), seeded['ad']['contacts_ou']) == before


def test_validate_says_whether_domino_pages_and_what_the_sync_will_do(lab, unpaged_account):
    """validate's paging line asks with an actual paged search, not only the root DSE: the sync
    account's server pages (pass); to the unpaged account paging is neither advertised nor
    accepted (warn), and the line says the sync reads in one streamed search with the timeout per
    answer. Before: no such line (only the root DSE's 'paged results control')."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.read_only import ReadOnlyDirectory
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import check_paging

    with LdapClient(settings_for(lab, 'domino')) as client:
        paged = check_paging(ReadOnlyDirectory(client), 'Domino', '', '(objectClass=dominoPerson)')
    with LdapClient(_unpaged_settings(lab, timeout=30)) as client:
        unpaged_line = check_paging(ReadOnlyDirectory(client), 'Domino', '', '(objectClass=dominoPerson)')
    assert [c.status for c in paged] == ['pass'], paged
    assert 'advertised in the root DSE' in paged[0].found and 'answered with pages' in paged[0].found
    assert 'pages of 1000' in paged[0].found
    assert [c.status for c in unpaged_line] == ['warn'], unpaged_line
    found = unpaged_line[0].found
    assert 'not advertised' in found and 'refused' in found and 'pagedResults control not allowed' in found
    assert 'one unpaged search, streamed' in found and 'timeout (30 s)' in found
    assert unpaged_line[0].server == lab['domino']['server']


def test_a_sync_reads_an_unpaged_domino_whole(seeded, unpaged_account, collections_path, tmp_path):
    """domino_to_exchange (check mode) with the Domino side read by the unpaged account: every
    Domino Person comes in one streamed search, and the plan is the same as with paging."""
    from lab_helpers import expected_creates

    d = seeded['domino']
    extra = {'coexist_report_dir': str(tmp_path / 'reports'),
             'coexist_domino': {'server': d['server'], 'bind_dn': d['unpaged_bind_dn'],
                                'bind_password': d['unpaged_bind_password'], 'ca_file': d['ca_file'],
                                'mailbox_base': d['mailbox_base'], 'contacts_base': d['contacts_base']}}
    result = run_ansible_playbook(collections_path, tmp_path, 'coexist.domino_exchange.domino_to_exchange', '--check',
                                  extra_vars=extra)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    report = json.loads((tmp_path / 'reports' / 'domino_to_exchange' / 'report.json').read_text())
    creates = sum(1 for op in report['operations'] if op['op'] == 'create')
    assert creates == expected_creates(seeded)['domino_to_exchange']
