"""The directory dialects' pure parts: Domino entries as records, the mailbox rule, addresses and
aliases, AD's name comparison and contact profile, and how planned changes become LDAP modify
operations. The lab tests cover the same code against real servers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils import _ad, _addresses, _apply, _domino, _naming
from ansible_collections.coexist.domino_exchange.plugins.module_utils._ldap import Entry, dn_key
from ansible_collections.coexist.domino_exchange.plugins.module_utils._plan import SourceRecord


def person(dn='cn=Anna Abbott,ou=Sales,o=Acme', **attrs) -> Entry:
    values = {'objectClass': ['dominoPerson'], 'dominoUNID': ['0123456789abcdef0123456789ABCDEF'],
              'cn': ['Anna Abbott', 'Anna M. Abbott'], 'mail': ['anna.abbott@example.com'], 'uid': ['aabbott'],
              'mailfile': ['mail\\aabbott.nsf'], 'mailsystem': ['1'], 'givenname': ['Anna'], 'sn': ['Abbott'],
              'title': ['Manager']}
    values.update({k: v for k, v in attrs.items() if v is not None})
    for k in [k for k, v in attrs.items() if v is None]:
        values.pop(k, None)
    return Entry(dn, values)


# --- Domino: the mailbox rule ---

@pytest.mark.parametrize('changes, reason', [
    ({}, ''),
    ({'mailfile': None}, 'no mail file'),
    ({'mailaddress': ['anna@exchange.example.com']}, 'forwarded (has a forwarding address)'),
    ({'mailsystem': ['5']}, "mail system '5' is not Notes"),
    ({'employeeType': ['coexist.domino_exchange:C0FFEE']}, 'contact made by this collection'),
])
def test_mailbox_rule(changes, reason):
    assert _domino.MailboxRule().why_not(person(**changes)) == reason


def test_entries_under_the_contacts_base_are_never_mailboxes():
    rule = _domino.MailboxRule(contacts_base='ou=Exchange,o=Acme')
    assert rule.why_not(person('cn=X,ou=Exchange,o=Acme')) == 'under the contacts base'
    assert rule.why_not(person('cn=X,ou=Sales,o=Acme')) == ''


def test_mail_systems_are_configurable():
    assert _domino.MailboxRule(mail_systems=('0', '1')).why_not(person(mailsystem=['0'])) == ''
    assert _domino.MailboxRule(mail_systems=()).why_not(person(mailsystem=['42'])) == ''


# --- Domino: records ---

def test_record_takes_the_name_from_the_dn_not_from_cn():
    record = _domino.record_from_entry(person('cn=Anna Abbott-Miller,ou=Sales,o=Acme'), {'title': 'title'})
    assert record.display_name == 'Anna Abbott-Miller'       # the primary FullName, after a rename
    assert record.anchor == '0123456789ABCDEF0123456789ABCDEF'
    assert record.mail == 'anna.abbott@example.com' and record.alias == 'aabbott'
    assert record.given_name == 'Anna' and record.surname == 'Abbott'
    assert record.fields == {'title': 'Manager'} and record.problems == ()


def test_alias_is_the_first_valid_uid_else_the_mail_local_part():
    assert _domino.record_from_entry(person(uid=['Anna Abbott', 'a@b', 'aabbott2']), {}).alias == 'aabbott2'
    assert _domino.record_from_entry(person(uid=['Anna Abbott']), {}).alias == 'anna.abbott'
    assert _domino.record_from_entry(person(uid=None), {}).alias == 'anna.abbott'


def test_missing_unid_is_a_problem_of_the_record():
    record = _domino.record_from_entry(person(dominoUNID=None), {})
    assert record.anchor == '' and 'dominoUNID' in record.problems[0]


def test_records_round_trip_through_module_results():
    record = _domino.record_from_entry(person(), {'title': 'title', 'telephoneNumber': 'telephonenumber'})
    assert SourceRecord.from_dict(record.as_dict()) == record


# --- addresses and aliases ---

@pytest.mark.parametrize('address, ok', [
    ('anna.abbott@example.com', True), ("o'brien@example.com", True), ('a+b@sub.example.com', True),
    ('', False), ('not-an-address', False), ('two@@example.com', False), ('a@b@example.com', False),
    ('space in@example.com', False), ('dot.@example.com', False), ('.dot@example.com', False),
    ('müller@example.com', False), ('x@localhost', False), ('x' * 65 + '@example.com', False),
])
def test_address_validity(address, ok):
    assert (_addresses.address_problem(address) == '') is ok


@pytest.mark.parametrize('alias, ok', [('jdoe', True), ('j.doe', True), ("o'brien", True), ('j doe', False),
                                       ('j@doe', False), ('', False), ('x' * 65, False), ('Zoë', False)])
def test_alias_validity(alias, ok):
    assert _addresses.is_valid_alias(alias) is ok


def test_routing_address_falls_back_to_the_address_itself_without_a_routing_domain():
    assert _addresses.in_domain('jdoe', 'domino.example.com', 'jdoe@example.com') == 'jdoe@domino.example.com'
    assert _addresses.in_domain('jdoe', '', 'jdoe@example.com') == 'jdoe@example.com'


# --- AD ---

def profile(**overrides) -> _ad.AdContactProfile:
    values = dict(contacts_ou='OU=Domino Contacts,DC=corp,DC=example,DC=com', shared_domain='example.com',
                  domino_routing_domain='domino.example.com', exchange_routing_domain='exchange.example.com',
                  organisation='Example Corp', address_lists=('CN=Default Global Address List,CN=x',
                                                              'CN=All Contacts,CN=x'),
                  attribute_map=(('title', 'title'),))
    values.update(overrides)
    return _ad.AdContactProfile(**values)


@pytest.mark.parametrize('a, b', [('René Dupont', 'Rene Dupont'), ('ZOË', 'zoe'), ('Åsa', 'asa'), ('Straße', 'STRASSE')])
def test_ad_compares_names_without_case_and_accents(a, b):
    assert _naming.name_key(a) == _naming.name_key(b)


def test_ad_tells_different_names_apart():
    assert _naming.name_key('Anna') != _naming.name_key('Anne')


def test_guid_canonical_form():
    raw = bytes.fromhex('78563412 3412 7856 9abcdef012345678'.replace(' ', ''))   # little-endian fields
    assert _ad.guid_to_string(raw) == '12345678-1234-5678-9abc-def012345678'


def test_contact_profile_values():
    record = SourceRecord('AB' * 16, 'cn=Anna,o=Acme', 'Anna Abbott', 'anna.abbott@example.com', 'Anna', 'Abbott',
                          'aabbott', fields={'title': 'Manager'})
    p = profile()
    desired = p.desired(record, 'aabbott')
    assert desired['targetAddress'] == ['SMTP:anna.abbott@domino.example.com']
    assert desired['proxyAddresses'] == ['SMTP:anna.abbott@example.com', 'smtp:anna.abbott@domino.example.com']
    assert desired['showInAddressBook'] == list(p.address_lists) and desired['title'] == ['Manager']
    created = p.on_create(record)
    assert created['legacyExchangeDN'] == [
        '/o=Example Corp/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=' + 'ab' * 16]
    assert p.marker('X') == {'adminDescription': ['coexist.domino_exchange:X']}
    assert p.anchor_of('coexist.domino_exchange:X') == 'X' and p.anchor_of('other:X') == ''
    assert p.dn_for('Doe, John') == 'CN=Doe\\, John,OU=Domino Contacts,DC=corp,DC=example,DC=com'
    assert p.rdn_value(p.dn_for('Doe, John')) == 'Doe, John'


def test_same_namespace_design_targets_the_address_itself():
    record = SourceRecord('AB' * 16, 'cn=A,o=Acme', 'A', 'a@example.com', alias='a')
    desired = profile(domino_routing_domain='').desired(record, 'a')
    assert desired['targetAddress'] == ['SMTP:a@example.com'] and desired['proxyAddresses'] == ['SMTP:a@example.com']


def test_proxy_addresses_the_sync_owns():
    owns = profile().merged()['proxyAddresses']
    assert owns('SMTP:anyone@anywhere.org')                    # the primary is always the sync's
    assert owns('smtp:a@example.com') and owns('smtp:a@domino.example.com') and owns('smtp:a@exchange.example.com')
    assert not owns('smtp:a@partner.example.net') and not owns('X500:/o=Org/cn=a') and not owns('X400:c=DE;')


def test_address_lists_compare_as_dns():
    p = profile()
    assert p.merged()['showInAddressBook']('cn=default global address list, cn=X')
    assert not p.merged()['showInAddressBook']('CN=Other List,CN=x')


# --- planned changes as LDAP modify operations ---

def test_merged_attributes_change_value_by_value():
    mods = _apply.modlist({'proxyAddresses': (['SMTP:old@example.com', 'X500:/o=x'],
                                              ['X500:/o=x', 'SMTP:new@example.com'])}, ['proxyAddresses'])
    assert mods == [('delete', 'proxyAddresses', ['SMTP:old@example.com']),
                    ('add', 'proxyAddresses', ['SMTP:new@example.com'])]


def test_plain_attributes_are_replaced_or_deleted():
    assert _apply.modlist({'title': (['Old'], ['New'])}, []) == [('replace', 'title', ['New'])]
    assert _apply.modlist({'title': (['Old'], [])}, []) == [('delete', 'title', None)]
    assert _apply.modlist({'title': ([], ['New'])}, ['proxyAddresses']) == [('replace', 'title', ['New'])]
    # a merged attribute believed empty is added to, never replaced: values that appeared since
    # the read survive
    assert _apply.modlist({'proxyAddresses': ([], ['SMTP:a@b.c'])}, ['proxyAddresses']) == [
        ('add', 'proxyAddresses', ['SMTP:a@b.c'])]


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(blacklist_categories=('Cs',)), min_size=1, max_size=40))
def test_parent_key_fast_path_agrees_with_parsing(name):
    p = profile()
    for dn in (p.dn_for(name), f'{p.dn_for(name)[:-len(p.contacts_ou)]}OU=Sub,{p.contacts_ou}'):
        assert p.parent_key(dn) == dn_key(dn)[1:]
