"""A connection that times out is tried again (connect_retries); nothing else is.

A throwaway slapd (python-ldap's slapdtest, no lab) behind a loopback relay (relay.py) that, for its
first ``hold`` connections, accepts and then never answers (synthesized: a domain controller busy with
another client's large search, as the lab's single-process Samba was at 100,000 mailboxes, cannot
be made slow on demand), and relays the later ones to slapd."""
from __future__ import annotations

import tempfile
import time

import pytest
import slapdtest
from relay import Relay

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.settings import ConnectionSettings


class Slapd(slapdtest.SlapdObject):
    TMPDIR = tempfile.gettempdir()
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')


@pytest.fixture(scope='module')
def server():
    with Slapd() as s:
        s.ldapadd(f'dn: {s.suffix}\nobjectClass: organization\nobjectClass: dcObject\ndc: slapd-test\no: test\n')
        yield s


@pytest.fixture
def relay(server, request):
    r = Relay(int(server.ldap_uri.rsplit(':', 1)[1].rstrip('/')), hold=request.param)
    yield r
    r.close()


def settings(server, relay, password=None, retries=2) -> ConnectionSettings:
    return ConnectionSettings(server=relay.uri(), label='AD', bind_dn=server.root_dn,
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
    assert exc.value.kind == 'timeout' and '(3 attempts)' in exc.value.message and relay.uri() in exc.value.message
    assert relay.accepted == 3 and time.monotonic() - started < 30


@pytest.mark.parametrize('relay', [0], indirect=True)
def test_rejected_credentials_are_not_retried(server, relay):
    client = LdapClient(settings(server, relay, password='wrong-password'))
    with pytest.raises(DirectoryError) as exc:
        client.connect()
    assert exc.value.kind == 'credentials' and client.connect_retries_used == 0 and relay.accepted == 1
