"""A connection that times out is tried again (connect_retries); nothing else is.

A throwaway slapd (python-ldap's slapdtest, no lab) behind a loopback relay that, for its first
``hang`` connections, accepts and then never answers (synthesized: a domain controller busy with
another client's large search, as the lab's single-process Samba was at 100,000 mailboxes, cannot
be made slow on demand), and relays the later ones to slapd."""
from __future__ import annotations

import socket
import tempfile
import threading
import time

import pytest
import slapdtest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.settings import ConnectionSettings


class Slapd(slapdtest.SlapdObject):
    TMPDIR = tempfile.gettempdir()
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')


class SlowStartRelay:
    def __init__(self, upstream_port: int, hang: int):
        self.upstream_port, self.hang, self.accepted = upstream_port, hang, 0
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.uri = f'ldap://127.0.0.1:{self.listener.getsockname()[1]}'
        self.held: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.accepted <= self.hang:
                self.held.append(client)            # accepted, never answered
                continue
            upstream = socket.create_connection(('127.0.0.1', self.upstream_port))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        self.listener.close()
        for s in self.held:
            s.close()


@pytest.fixture(scope='module')
def server():
    with Slapd() as s:
        s.ldapadd(f'dn: {s.suffix}\nobjectClass: organization\nobjectClass: dcObject\ndc: slapd-test\no: test\n')
        yield s


@pytest.fixture
def relay(server, request):
    r = SlowStartRelay(int(server.ldap_uri.rsplit(':', 1)[1].rstrip('/')), hang=request.param)
    yield r
    r.close()


def settings(server, relay, password=None, retries=2) -> ConnectionSettings:
    return ConnectionSettings(server=relay.uri, label='AD', bind_dn=server.root_dn,
                              bind_password=password or server.root_pw, allow_plaintext_bind=True,
                              timeout=1, connect_timeout=1, connect_retries=retries, connect_retry_delay=0.1)


@pytest.mark.parametrize('relay', [2], indirect=True)
def test_a_server_slow_to_take_the_connection_is_tried_again(server, relay):
    # Before: the first attempt's timeout ended the run.
    with LdapClient(settings(server, relay)) as client:
        assert client.root_dse().entry.dn == ''
        assert client.connect_retries_used == 2
    assert relay.accepted == 3


@pytest.mark.parametrize('relay', [5], indirect=True)
def test_a_hung_server_fails_after_the_retries_and_says_how_many(server, relay):
    started = time.monotonic()
    with pytest.raises(DirectoryError) as exc:
        LdapClient(settings(server, relay, retries=2)).connect()
    assert exc.value.kind == 'timeout' and '(3 attempts)' in exc.value.message and relay.uri in exc.value.message
    assert relay.accepted == 3 and time.monotonic() - started < 30


@pytest.mark.parametrize('relay', [0], indirect=True)
def test_rejected_credentials_are_not_retried(server, relay):
    client = LdapClient(settings(server, relay, password='wrong-password'))
    with pytest.raises(DirectoryError) as exc:
        client.connect()
    assert exc.value.kind == 'credentials' and client.connect_retries_used == 0 and relay.accepted == 1
