"""A paged read that ends without a clean final result fails; it never returns what it got so far.

A throwaway slapd (python-ldap's slapdtest, no lab) behind a small fault-injecting LDAP proxy on relay.py
(synthesized: it stands for a server or a middlebox that loses a paged search, which cannot be
made to happen on demand in a real one). The proxy passes every message through, in 7-byte
pieces so the client's framing is exercised too, except the final result of the second page,
which it alters as each case says."""
from __future__ import annotations

import tempfile

import pytest
import slapdtest
from coexist_lab.ad.gc_front import SEARCH_RESULT_DONE, children, read_tlv, split_message, tlv
from relay import Relay

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.settings import ConnectionSettings

PAGED_OID = b'1.2.840.113556.1.4.319'
PEOPLE = 35


class Slapd(slapdtest.SlapdObject):
    TMPDIR = tempfile.gettempdir()
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')


def message_length(buf: bytes) -> int | None:
    """The length of the first complete LDAP message in ``buf``, or None while it is incomplete."""
    if len(buf) < 2:
        return None
    if buf[1] & 0x80 and len(buf) < 2 + (buf[1] & 0x7F):
        return None
    _tag, start, end = read_tlv(buf, 0)
    return end if len(buf) >= end else None


class FaultProxy(Relay):
    """Relays each connection to slapd (relay.py). ``fault`` alters the final result
    (SearchResultDone) of the second page: 'no_control' drops its paged results control, an int
    replaces its result code."""

    def __init__(self, upstream_port: int, fault):
        self.fault = fault
        self.paged_done = 0
        super().__init__(upstream_port)

    def forward(self, source, sink, from_server: bool) -> None:
        buf = b''
        while chunk := source.recv(65536):
            buf += chunk
            while (n := message_length(buf)) is not None:
                msg, buf = buf[:n], buf[n:]
                if from_server:
                    msg = self._alter(msg)
                for i in range(0, len(msg), 7):
                    sink.sendall(msg[i:i + 7])

    def _alter(self, msg: bytes) -> bytes:
        msgid, op, rest = split_message(msg)
        if op[0] != SEARCH_RESULT_DONE or PAGED_OID not in rest:
            return msg
        self.paged_done += 1
        if self.paged_done != 2 or self.fault is None:
            return msg
        if self.fault == 'no_control':
            return tlv(0x30, msgid + op)
        _tag, start, end = read_tlv(op, 0)
        parts = children(op, start, end)                 # resultCode, matchedDN, diagnosticMessage, ...
        op = tlv(SEARCH_RESULT_DONE, tlv(0x0A, bytes([self.fault])) + b''.join(p[3] for p in parts[1:]))
        return tlv(0x30, msgid + op + rest)


@pytest.fixture(scope='module')
def server():
    with Slapd() as s:
        ldif = [f'dn: {s.suffix}\nobjectClass: organization\nobjectClass: dcObject\ndc: slapd-test\no: test\n',
                f'dn: ou=people,{s.suffix}\nobjectClass: organizationalUnit\nou: people\n']
        ldif += [f'dn: cn=person {i},ou=people,{s.suffix}\nobjectClass: inetOrgPerson\ncn: person {i}\nsn: {i}\n'
                 for i in range(PEOPLE)]
        s.ldapadd('\n'.join(ldif))
        yield s


def read_through(server, fault) -> tuple:
    proxy = FaultProxy(int(server.ldap_uri.rsplit(':', 1)[1].rstrip('/')), fault)
    settings = ConnectionSettings(server=proxy.uri(), label='Domino', bind_dn=server.root_dn,
                                  bind_password=server.root_pw, allow_plaintext_bind=True, timeout=10, page_size=10)
    try:
        with LdapClient(settings) as client:
            found = []
            try:
                for entry in client.search(f'ou=people,{server.suffix}', '(objectClass=inetOrgPerson)', ['cn']):
                    found.append(entry)
            except DirectoryError as exc:
                return found, exc
            return found, None
    finally:
        proxy.close()


def test_the_proxy_alone_changes_nothing(server):
    found, error = read_through(server, fault=None)
    assert error is None and len(found) == PEOPLE


def test_a_page_without_the_paged_control_fails_the_read(server):
    # Before: the read ended there, as if the server had said "last page", with 20 of 35 entries.
    found, error = read_through(server, fault='no_control')
    assert error is not None, f'the read returned {len(found)} of {PEOPLE} entries as if complete'
    assert error.kind == 'incomplete_read'
    assert 'page 2' in error.message and 'before planning' in error.message


@pytest.mark.parametrize('code, kind', [(3, 'timeout'), (4, 'size_limit'), (11, 'size_limit'), (10, 'referral')],
                         ids=['timeLimitExceeded', 'sizeLimitExceeded', 'adminLimitExceeded', 'referral'])
def test_a_page_ending_with_another_result_code_fails_the_read(server, code, kind):
    found, error = read_through(server, fault=code)
    assert error is not None, f'the read returned {len(found)} of {PEOPLE} entries as if complete'
    assert error.kind == kind
