"""Pure parts of the LDAP client: escaping, DN handling, error translation, settings checks.
No server: the integration suite covers the wire."""
from __future__ import annotations

import base64
import os

import ldap
import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory import client as _ldap
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory import dn as _dn
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.dn import (
    dn_is_within, dn_key, escape_dn_value, escape_filter_value, filter_equals, normalize_dn, parent_key, parse_dn, rdn)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import (
    DirectoryError, translate_error)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.settings import ConnectionSettings

AD = ConnectionSettings(server='ldaps://dc1.corp.example.com', label='AD', bind_dn='CN=svc,DC=corp', bind_password='s3cret',
                        timeout=7, connect_timeout=3)


# --- filters (RFC 4515) ---

@pytest.mark.parametrize('raw, escaped', [
    ('plain', 'plain'),
    ('a*b', 'a\\2ab'),
    ('(x)', '\\28x\\29'),
    ('back\\slash', 'back\\5cslash'),
    ('nul\x00byte', 'nul\\00byte'),
    ('Müller', 'Müller'),
])
def test_filter_values_are_escaped(raw, escaped):
    assert escape_filter_value(raw) == escaped


@settings(max_examples=500)
@given(st.text())
def test_escaped_filter_is_one_valid_equality_filter(value):
    # Whatever the value, the filter parses as exactly one equality assertion: nothing injected.
    assert filter_equals('mail', value).count('(') == 1
    assert filter_equals('mail', value).count(')') == 1
    assert not any(ch in escape_filter_value(value) for ch in '*()\x00')


# --- DNs (RFC 4514) ---

@pytest.mark.parametrize('value', ['Doe, John', 'A+B', '#hash', ' lead', 'trail ', 'quo"te', 'semi;colon',
                                   'less<more>', 'eq=ual', 'back\\slash', 'Zoë Åsa', '王伟'])
def test_rdn_round_trips_awkward_values(value):
    dn = rdn('CN', value) + ',OU=Domino Contacts,DC=corp,DC=example,DC=com'
    parts = parse_dn(dn)
    assert parts[0][0][1] == value
    assert len(parts) == 5


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(blacklist_categories=('Cs',)), min_size=1, max_size=80))
def test_any_value_round_trips_through_an_rdn(value):
    parts = parse_dn(rdn('cn', value) + ',o=Acme')
    assert parts[0][0][1] == value and parts[1][0][1] == 'Acme'


def test_escape_dn_value_escapes_separators():
    assert escape_dn_value('Doe, John') == 'Doe\\, John'


def test_normalize_dn_ignores_case_and_spacing():
    assert normalize_dn('CN=John Doe, OU=Sales,O=Acme') == normalize_dn('cn=john doe,ou=sales,o=acme')
    assert normalize_dn('cn=a,o=Acme') != normalize_dn('cn=b,o=Acme')


@pytest.mark.parametrize('dn', ['this is not a dn',
                                # a value in RFC 4514's '#' hex form that is not UTF-8: python-ldap
                                # raised UnicodeDecodeError, a traceback instead of a sentence
                                'CN=#aa,OU=Exchange,O=Acme'])
def test_malformed_dn_is_a_clear_error(dn):
    with pytest.raises(DirectoryError) as exc:
        parse_dn(dn)
    assert exc.value.kind == 'configuration'
    assert 'not a valid LDAP distinguished name' in exc.value.message


@pytest.mark.parametrize('dn, container, inside', [
    ('CN=X,OU=Domino Contacts,DC=corp', 'OU=Domino Contacts,DC=corp', True),
    ('CN=X,OU=Sub,OU=Domino Contacts,DC=corp', 'ou=domino contacts,dc=CORP', True),
    ('OU=Domino Contacts,DC=corp', 'OU=Domino Contacts,DC=corp', True),
    ('CN=X,OU=Other,DC=corp', 'OU=Domino Contacts,DC=corp', False),
    ('CN=Domino Contacts,DC=corp', 'OU=Domino Contacts,DC=corp', False),
    ('DC=corp', 'OU=Domino Contacts,DC=corp', False),
    ('cn=Flat User', '', True),                     # Domino's empty suffix holds everything
    ('cn=X,ou=Exchange,o=Acme', 'ou=Exchange,o=Acme', True),
])
def test_dn_is_within(dn, container, inside):
    assert dn_is_within(dn, container) is inside


# --- error translation ---

def _exc(cls, **info):
    return cls({'desc': info.pop('desc', cls.__name__), **info})


def test_invalid_credentials_names_server_and_account():
    err = translate_error(_exc(ldap.INVALID_CREDENTIALS, desc='Invalid credentials'), AD, 'bind')
    assert err.kind == 'credentials'
    assert 'ldaps://dc1.corp.example.com' in err.message and 'CN=svc,DC=corp' in err.message
    assert 's3cret' not in err.message and 's3cret' not in repr(err.as_dict())


def test_strong_auth_required_says_tls_required():
    err = translate_error(_exc(ldap.STRONG_AUTH_REQUIRED, info='Transport encryption required.'), AD, 'bind')
    assert err.kind == 'tls_required'
    assert 'requires TLS' in err.message and 'ldaps://' in err.message


def test_certificate_failure_is_named_as_such():
    exc = _exc(ldap.SERVER_DOWN, desc="Can't contact LDAP server",
               info='error:0A000086:SSL routines::certificate verify failed (self-signed certificate in certificate chain)')
    err = translate_error(exc, AD, 'connect')
    assert err.kind == 'certificate'
    assert 'ca_file' in err.message and AD.server in err.message


def test_unreachable_server():
    err = translate_error(_exc(ldap.SERVER_DOWN, desc="Can't contact LDAP server"), AD, 'connect')
    assert err.kind == 'unreachable' and 'unreachable' in err.message and AD.server in err.message


def test_timeout_says_which_timeout_and_what_was_running():
    err = translate_error(_exc(ldap.TIMEOUT, desc='Timed out'), AD, 'search', dn='DC=corp')
    assert err.kind == 'timeout'
    assert 'operation timeout of 7 s' in err.message and 'search' in err.message and 'DC=corp' in err.message


def test_referral_names_the_server_it_points_to():
    exc = _exc(ldap.REFERRAL, desc='Referral', info='Referral:\nldap://admin.example.com/cn=X,o=Acme')
    err = translate_error(exc, AD, 'add an entry', dn='cn=X,o=Acme')
    assert err.kind == 'referral'
    assert 'ldap://admin.example.com/cn=X,o=Acme' in err.message and 'cn=X,o=Acme' in err.message


def test_no_such_object_names_the_dn_and_the_nearest_entry():
    exc = _exc(ldap.NO_SUCH_OBJECT, desc='No such object', matched='DC=corp')
    err = translate_error(exc, AD, 'search', dn='OU=Missing,DC=corp')
    assert err.kind == 'no_such_object'
    assert 'OU=Missing,DC=corp does not exist' in err.message and 'DC=corp' in err.message


@pytest.mark.parametrize('cls, kind', [
    (ldap.CONSTRAINT_VIOLATION, 'constraint'),
    (ldap.OBJECT_CLASS_VIOLATION, 'schema'),
    (ldap.UNDEFINED_TYPE, 'schema'),
    (ldap.INSUFFICIENT_ACCESS, 'access'),
    (ldap.ALREADY_EXISTS, 'already_exists'),
    (ldap.SIZELIMIT_EXCEEDED, 'size_limit'),
    (ldap.OTHER, 'ldap'),
])
def test_write_errors_name_server_and_dn(cls, kind):
    err = translate_error(_exc(cls, info='detail from server'), AD, 'add an entry', dn='CN=X,OU=C,DC=corp')
    assert err.kind == kind
    assert 'CN=X,OU=C,DC=corp' in err.message and AD.server in err.message


# --- settings checked before any network traffic ---

def test_plaintext_simple_bind_is_refused_before_connecting():
    s = ConnectionSettings(server='ldap://dc1.corp.example.com', label='AD', bind_dn='CN=svc', bind_password='pw')
    with pytest.raises(DirectoryError) as exc:
        LdapClient(s).connect()
    assert exc.value.kind == 'plaintext_refused'
    assert 'clear text' in exc.value.message and 'pw' not in exc.value.message.replace('password', '')


@pytest.mark.parametrize('server, extra, words', [
    ('http://dc1', {}, 'not an LDAP URI'),
    ('ldaps://dc1', {'start_tls': True}, 'start_tls applies to ldap://'),
    ('ldaps://dc1', {'sasl_mech': 'DIGEST-MD5'}, 'only GSSAPI'),
])
def test_bad_settings_are_configuration_errors(server, extra, words):
    with pytest.raises(DirectoryError) as exc:
        LdapClient(ConnectionSettings(server=server, label='AD', **extra)).connect()
    assert exc.value.kind == 'configuration' and words in exc.value.message


def test_password_is_not_in_settings_repr():
    assert 's3cret' not in repr(AD)


def test_entry_attribute_names_are_case_insensitive():
    e = _ldap.Entry('cn=x', {'givenname': ['Zoë'], 'mailSystem': ['1']})
    assert e.get('givenName') == 'Zoë' and e.values('MAILSYSTEM') == ['1'] and 'GIVENNAME' in e
    assert e.get('missing') is None and e.values('missing') == []


def test_decode_keeps_binary_values_as_bytes():
    raw = {'objectGUID': [b'\x01\xff'], 'cn': ['Zoë'.encode()], 'odd': [b'\xff\xfe']}
    out = _ldap._decode(raw, _ldap.BINARY_ATTRIBUTES)
    assert out == {'objectGUID': [b'\x01\xff'], 'cn': ['Zoë'], 'odd': [b'\xff\xfe']}


def test_bind_dn_without_password_is_refused_not_turned_into_an_anonymous_bind():
    s = ConnectionSettings(server='ldaps://dc1.corp.example.com', label='AD', bind_dn='CN=svc', bind_password='')
    with pytest.raises(DirectoryError) as exc:
        LdapClient(s).connect()
    assert exc.value.kind == 'configuration'
    assert 'bind_password is empty' in exc.value.message and 'COEXIST_AD_BIND_PASSWORD' in exc.value.message


# --- a client keytab from the environment (AWX credential types inject text only) ---

def test_keytab_from_the_environment_becomes_a_private_client_keytab(monkeypatch):
    monkeypatch.delenv('KRB5_CLIENT_KTNAME', raising=False)
    monkeypatch.delenv('KRB5CCNAME', raising=False)
    monkeypatch.setenv(_ldap.KEYTAB_ENV, base64.b64encode(b'\x05\x02keytab bytes').decode())
    path = _ldap.client_keytab_from_environment()
    try:
        with open(path, 'rb') as handle:
            assert handle.read() == b'\x05\x02keytab bytes'
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert os.environ['KRB5_CLIENT_KTNAME'] == path and os.environ['KRB5CCNAME'] == 'MEMORY:coexist'
    finally:
        os.unlink(path)


def test_keytab_variable_that_is_not_base64_is_a_clear_error(monkeypatch):
    monkeypatch.delenv('KRB5_CLIENT_KTNAME', raising=False)
    monkeypatch.setenv(_ldap.KEYTAB_ENV, 'this is not base64!')
    with pytest.raises(DirectoryError) as exc:
        _ldap.client_keytab_from_environment('AD server ldaps://dc1')
    assert exc.value.kind == 'credentials' and _ldap.KEYTAB_ENV in exc.value.message and 'dc1' in exc.value.message


def test_without_the_variable_nothing_changes(monkeypatch):
    monkeypatch.delenv(_ldap.KEYTAB_ENV, raising=False)
    monkeypatch.delenv('KRB5_CLIENT_KTNAME', raising=False)
    assert _ldap.client_keytab_from_environment() is None and 'KRB5_CLIENT_KTNAME' not in os.environ


@pytest.mark.parametrize('dn, container, within', [
    ('cn=A,ou=Exchange,o=Acme', 'ou=Exchange,o=Acme', True),
    ('CN=A,OU=Exchange,O=Acme', 'ou=exchange, o=acme', True),          # spacing and case: parsed
    ('cn=A,ou=Sales,o=Acme', 'ou=Exchange,o=Acme', False),
    ('cn=A,o=Other', 'ou=Exchange,o=Acme', False),                      # the fast "no"
    ('cn=A\\,B,ou=Exchange,o=Acme', 'ou=Exchange,o=Acme', True),        # escapes: parsed
    ('cn=Acme,o=Other', 'o=Acme', False),                               # the top value elsewhere: parsed
    ('ou=Exchange,o=Acme', 'ou=Exchange,o=Acme', True),
    ('cn=x', '', True),
])
def test_dn_is_within_fast_paths_agree_with_parsing(dn, container, within):
    assert dn_is_within(dn, container) is within


@pytest.mark.parametrize('write', [
    lambda c: c.add('cn=x,o=Acme', {'objectClass': ['person'], 'cn': ['x'], 'sn': ['x']}),
    lambda c: c.modify('cn=x,o=Acme', [('replace', 'sn', ['y'])]),
    lambda c: c.rename('cn=x,o=Acme', 'cn=y'),
    lambda c: c.delete('cn=x,o=Acme'),
])
def test_a_read_only_connection_refuses_every_write_before_sending_it(write):
    client = LdapClient(ConnectionSettings(server='ldaps://nowhere.invalid', read_only=True))
    with pytest.raises(DirectoryError) as exc:
        write(client)                  # never connected: the refusal comes before any I/O
    assert exc.value.kind == 'read_only' and 'read-only' in exc.value.message


# --- dn_key: one string per DN, equal exactly when the parsed DNs compare equal (issue 17) ---

def _parsed(dn: str) -> tuple:
    """What dn_key must agree with: the DN parsed, types lower-cased, values case-folded."""
    return tuple(tuple((a.lower(), v.casefold()) for a, v, _f in rdn_) for rdn_ in parse_dn(dn))


_DN_PIECES = st.sampled_from(['CN', 'cn', 'OU', 'o', 'DC', '2.5.4.3', ' ', '=', ',', '+', ';', '\\', '\\,', '\\2C',
                              '"', '#', '#41', 'a', 'B', 'é', 'E\u0301', 'ß', 'SS', 'İ', '\x00', '\x01', '\n', '<'])


@settings(max_examples=600)
@given(st.lists(_DN_PIECES, min_size=1, max_size=14).map(''.join))
def test_dn_key_agrees_with_parsing_on_any_string(dn):
    # The split of plainly spelled DNs gives what parsing gives, and fails where parsing fails.
    try:
        parse_dn(dn)
    except DirectoryError:
        with pytest.raises(DirectoryError):
            dn_key(dn)
        return
    assert dn_key(dn) == _dn._parsed_key(dn)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(['cn', 'CN', 'ou', 'O']), st.text(max_size=12)), min_size=1, max_size=4),
       st.lists(st.tuples(st.sampled_from(['cn', 'CN', 'ou', 'O']), st.text(max_size=12)), min_size=1, max_size=4))
def test_dn_keys_are_equal_exactly_when_the_parsed_dns_are(one, two):
    dn1 = ','.join(rdn(a, v) for a, v in one)
    dn2 = ','.join(rdn(a, v) for a, v in two)
    assert (dn_key(dn1) == dn_key(dn2)) == (_parsed(dn1) == _parsed(dn2))


def test_dn_key_plain_and_escaped_spellings_meet():
    assert dn_key('CN=Müller, OU=Sales,O=Acme') == dn_key('cn=M\\C3\\BCller,ou=sales,o=acme')
    assert dn_key('CN=Doe\\, John,O=Acme') == dn_key('cn="Doe, John",o=ACME')
    assert dn_key('CN=Doe\\, John,O=Acme') != dn_key('CN=Doe,CN=John,O=Acme')
    assert dn_key('cn=a=b,o=x') != dn_key('cn=a,b=,o=x')
    assert dn_key('CN=a+SN=b,O=x') != dn_key('CN=a,SN=b,O=x')
    assert parent_key(dn_key('CN=A,OU=Sales,O=Acme')) == dn_key('ou=sales, o=acme')
    assert parent_key(dn_key('O=Acme')) == '' == dn_key('')
    with pytest.raises(DirectoryError):
        dn_key('CN=Foo,,O=x')


def test_dn_key_memoises_only_parsed_dns():
    # Plainly spelled DNs (every contact's) are split, never cached: the cache stayed full of
    # them for the whole run (262,144 entries, about 870 bytes each, at 100,000 contacts).
    _dn._parsed_key.cache_clear()
    for i in range(1000):
        dn_key(f'CN=User {i},OU=Contacts,DC=example,DC=com')
    assert _dn._parsed_key.cache_info().currsize == 0
    dn_key('CN=Doe\\, John,O=Acme')
    assert _dn._parsed_key.cache_info().currsize == 1
