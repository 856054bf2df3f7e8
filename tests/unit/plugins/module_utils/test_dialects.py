"""The directory dialects' pure parts: Domino entries as records, the mailbox rule, addresses and
aliases, AD's name comparison and contact profile, and how planned changes become LDAP modify
operations. The lab tests cover the same code against real servers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad as _ad, domino as _domino
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import addresses as _addresses, apply as _apply, naming as _naming
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.dn import dn_key, parent_dn
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import plan as _plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import SourceRecord


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


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_an_ascii_name_has_the_key_the_whole_folding_gives(name):
    """name_key's shortcut for ASCII names (lower() and strip()) is the key NFKD, the marks and
    the table would give."""
    assert _naming.name_key(name) == _naming._folded(name)          # pylint: disable=protected-access


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
        assert p.parent_key(dn) == dn_key(parent_dn(dn))


# --- AD as a source: which users are Exchange mailboxes ---

GUID = bytes(range(16))


def ad_user(dn='CN=Anna Hartley,OU=Exchange Users,DC=corp,DC=example,DC=com', **attrs) -> Entry:
    values = {'objectClass': ['top', 'person', 'organizationalPerson', 'user'], 'objectGUID': [GUID],
              'displayName': ['Anna Hartley'], 'givenName': ['Anna'], 'sn': ['Hartley'], 'mail': ['anna.hartley@example.com'],
              'mailNickname': ['anna.hartley'], 'msExchRecipientTypeDetails': ['1'], 'userAccountControl': ['66048'],
              'proxyAddresses': ['smtp:anna.hartley@exchange.example.com', 'SMTP:anna.hartley@example.com',
                                 'X500:/o=Old/cn=anna'],
              'homeMDB': ['CN=DB1,CN=Databases,CN=Exchange'], 'title': ['Engineer']}
    values.update({k: v for k, v in attrs.items() if v is not None})
    for k in [k for k, v in attrs.items() if v is None]:
        values.pop(k, None)
    return Entry(dn, values)


@pytest.mark.parametrize('changes, reason', [
    ({}, ''),
    ({'msExchRecipientTypeDetails': ['4'], 'userAccountControl': ['66050']}, ''),       # shared: a disabled account
    ({'msExchRecipientTypeDetails': ['16']}, ''),
    ({'msExchRecipientTypeDetails': ['32']}, ''),
    ({'msExchRecipientTypeDetails': ['8']}, ''),                                         # legacy (on Exchange 2003)
    ({'msExchRecipientTypeDetails': None, 'homeMDB': None, 'msExchHomeServerName': ['/o=Org/cn=EX2003']}, ''),
    ({'msExchRecipientTypeDetails': None}, ''),                                          # 2003: homeMDB only
    ({'msExchRecipientTypeDetails': ['2']}, ''),                      # linked: by default (issue 12, item 5)
    ({'msExchRecipientTypeDetails': ['2147483648']}, ''),             # remote (hybrid): by default
    ({'msExchRecipientTypeDetails': ['8388608']}, 'arbitration mailbox (never synced)'),
    ({'msExchRecipientTypeDetails': ['536870912']}, 'discovery mailbox (never synced)'),
    ({'msExchRecipientTypeDetails': ['549755813888']}, 'monitoring mailbox (never synced)'),
    ({'msExchRecipientTypeDetails': ['128']}, 'not a mailbox (recipient type 128)'),
    ({'msExchRecipientTypeDetails': None, 'homeMDB': None}, 'no mailbox'),
    ({'msExchHideFromAddressLists': ['TRUE']}, 'hidden from address lists'),
    ({'adminDescription': ['coexist.domino_exchange:ABC']}, "carries this collection's marker"),
])
def test_exchange_mailbox_rule_defaults(changes, reason):
    assert _ad.ExchangeMailboxRule().why_not(ad_user(**changes)) == reason


def test_system_mailboxes_are_never_synced_even_without_a_type():
    rule = _ad.ExchangeMailboxRule(kinds=tuple(_ad.MAILBOX_KINDS) + (_ad.PRE_2007,), include_hidden=True)
    dn = 'CN=SystemMailbox{1f05a927-3be2-4fb9-aa03-b59fe3b56f4c},CN=Users,DC=corp,DC=example,DC=com'
    assert rule.why_not(ad_user(dn, msExchRecipientTypeDetails=None)) == 'Exchange system mailbox'


@pytest.mark.parametrize('options, changes, reason', [
    ({'kinds': ('user', 'linked')}, {'msExchRecipientTypeDetails': ['2']}, ''),
    ({'kinds': ('user', 'linked')}, {'msExchRecipientTypeDetails': ['2199023255552']}, ''),   # linked room
    ({'kinds': ('user', 'remote')}, {'msExchRecipientTypeDetails': ['34359738368']}, ''),     # remote shared
    ({'kinds': ('user',)}, {'msExchRecipientTypeDetails': ['16']}, 'room mailbox (not in mailbox_types)'),
    ({'kinds': ('user',)}, {'msExchRecipientTypeDetails': None},
     'Exchange 2000/2003 mailbox (pre2007 not in mailbox_types)'),
    ({'include_hidden': True}, {'msExchHideFromAddressLists': ['TRUE']}, ''),
    ({'include_disabled': False}, {'userAccountControl': ['66050']}, 'disabled account'),
    ({'include_disabled': False}, {'userAccountControl': ['66048']}, ''),
])
def test_exchange_mailbox_rule_options(options, changes, reason):
    assert _ad.ExchangeMailboxRule(**options).why_not(ad_user(**changes)) == reason


def test_mailbox_record_takes_the_primary_smtp_proxy_and_the_routing_proxy():
    record = _ad.mailbox_record(ad_user(mail=['stale@example.com']), {'title': 'title'}, 'Exchange.Example.com')
    assert record.anchor == '03020100-0504-0706-0809-0a0b0c0d0e0f'
    assert record.mail == 'anna.hartley@example.com'                       # SMTP: wins over a stale mail
    assert record.routing_address == 'anna.hartley@exchange.example.com'
    assert (record.display_name, record.given_name, record.surname, record.alias) == \
        ('Anna Hartley', 'Anna', 'Hartley', 'anna.hartley')
    assert record.fields == {'title': 'Engineer'} and record.problems == ()


def test_mailbox_record_falls_back_to_mail_and_the_rdn():
    record = _ad.mailbox_record(ad_user(proxyAddresses=None, displayName=None), {}, 'exchange.example.com')
    assert record.mail == 'anna.hartley@example.com' and record.routing_address == ''
    assert record.display_name == 'Anna Hartley'


def test_mailbox_record_problems():
    two = ad_user(proxyAddresses=['SMTP:a@example.com', 'SMTP:b@example.com'])
    assert 'several primary SMTP addresses' in _ad.mailbox_record(two, {}, '').problems[0]
    conflict = ad_user('CN=Anna Hartley\\0ACNF:0f0e0d0c-0b0a-0908-0706-050403020100,OU=Exchange Users,DC=corp')
    assert 'replication conflict' in _ad.mailbox_record(conflict, {}, '').problems[0]
    assert _ad.mailbox_record(ad_user(objectGUID=None), {}, '').problems == ('no objectGUID returned',)


# --- Domino as a target: the forwarding Person ---

def domino_profile(**overrides) -> _domino.DominoContactProfile:
    values = dict(contacts_base='OU=Exchange,O=Acme', exchange_routing_domain='exchange.example.com',
                  attribute_map=(('title', 'title'),))
    values.update(overrides)
    return _domino.DominoContactProfile(**values)


def exchange_source(**changes) -> SourceRecord:
    values = dict(anchor='03020100-0504-0706-0809-0a0b0c0d0e0f', dn='CN=Anna Hartley,OU=Exchange Users,DC=corp',
                  display_name='Anna Hartley', mail='anna.hartley@example.com', given_name='Anna', surname='Hartley',
                  alias='anna.hartley', fields={'title': 'Engineer'})
    values.update(changes)
    return SourceRecord(**values)


def test_domino_contact_values():
    p = domino_profile()
    assert p.desired(exchange_source(), '') == {
        'givenName': ['Anna'], 'sn': ['Hartley'], 'mail': ['anna.hartley@example.com'],
        'mailaddress': ['anna.hartley@exchange.example.com'], 'mailsystem': ['5'], 'title': ['Engineer']}
    assert p.on_create(exchange_source()) == {'objectClass': ['top', 'person', 'organizationalPerson', 'inetOrgPerson',
                                                              'dominoPerson']}
    assert p.marker('X') == {'employeeType': ['coexist.domino_exchange:X']}
    assert p.dn_for('Hartley, Anna') == 'CN=Hartley\\, Anna,OU=Exchange,O=Acme'
    # never anything Domino computes or a Notes mailbox has
    written = set(p.desired(exchange_source(), '')) | set(p.on_create(exchange_source())) | set(p.marker('X'))
    assert not {a.lower() for a in written} & _domino.NEVER_WRITTEN


def test_domino_contact_forwards_to_the_mailboxs_own_routing_proxy_when_it_has_one():
    p = domino_profile()
    assert p.routing_address(exchange_source(routing_address='ahartley@exchange.example.com')) == \
        'ahartley@exchange.example.com'
    assert domino_profile(exchange_routing_domain='').routing_address(exchange_source()) == 'anna.hartley@example.com'


def test_a_resource_without_a_surname_gets_its_display_name_as_sn():
    values = domino_profile().desired(exchange_source(display_name='Room  Berlin 1.01', given_name='', surname=''), '')
    assert values['sn'] == ['Room Berlin 1.01'] and values['givenName'] == []


def test_domino_validation():
    p = domino_profile()
    assert p.validate(exchange_source()) == []
    assert p.validate(exchange_source(anchor='')) == ['no anchor (objectGUID not returned)']
    assert 'not a valid SMTP address' in p.validate(exchange_source(mail='not an address'))[0]
    assert p.validate(exchange_source(display_name=' ')) == ['no name']


def test_domino_names_are_limited_by_the_escaped_dn():
    p = domino_profile()
    assert p.name_length('Anna') == len('CN=Anna,OU=Exchange,O=Acme')
    # every escape counted in its longest form (slapd spells a comma \\2C)
    assert p.name_length('a,b') == len('CN=a\\2Cb,OU=Exchange,O=Acme')
    assert p.name_length('#1 x ') == len('CN=\\231 x\\20,OU=Exchange,O=Acme')


def test_contacts_base_missing_says_what_to_create_in_domino_administrator():
    message = _domino.contacts_base_missing('ou=Exchange,o=Acme', 'Domino server ldaps://d1')
    assert 'OU=Exchange/O=Acme' in message and 'Domino Administrator' in message and 'Nothing was written' in message


def test_domino_address_holders_are_described():
    rule = _domino.MailboxRule(contacts_base='ou=Exchange,o=Acme')
    assert _domino.holder_kind(person(), rule) == 'mailbox'
    assert _domino.holder_kind(person(mailaddress=['a@exchange.example.com']), rule) == 'forwarded Person'
    group = Entry('cn=Sales,o=Acme', {'objectClass': ['dominoGroup'], 'mail': ['s@x.com']})
    assert _domino.holder_kind(group, rule) == 'group'


def test_the_attribute_map_turns_round_per_direction():
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.run import attribute_fields
    mapping = {'title': 'title', 'telephoneNumber': 'telephonenumber', 'department': None}
    assert attribute_fields(mapping, 'ad') == {'title': 'title', 'telephoneNumber': 'telephonenumber'}
    assert attribute_fields(mapping, 'domino') == {'title': 'title', 'telephonenumber': 'telephoneNumber'}


def test_a_domino_contact_holds_its_internet_and_its_forwarding_address():
    assert domino_profile().addresses({'mail': ['A@example.com'], 'mailaddress': ['a@Exchange.example.com']}) == \
        {'a@example.com', 'a@exchange.example.com'}


class FakeClient:
    """Just enough of LdapClient for a reader: one search answering every base with ``entries``."""

    def __init__(self, entries):
        self.entries = entries

    def search(self, base, filterstr, attributes):
        return iter(self.entries)


def test_the_contacts_base_read_owns_only_marked_persons():
    """Ownership on Domino: a forwarding Person under the contacts base is the sync's only with its
    marker; an unmarked Person (a Notes admin's own contact) and a marked group are foreign."""
    base = 'OU=Exchange,O=Acme'
    person = {'objectClass': ['top', 'person', 'dominoPerson'], 'mail': ['x@example.com']}
    entries = [Entry(base, {'objectClass': ['organizationalUnit']}),
               Entry(f'cn=Mine,{base}', dict(person, dominoUNID=['A' * 32], employeeType=['coexist.domino_exchange:AAA'])),
               Entry(f'cn=Admins Own,{base}', dict(person, dominoUNID=['B' * 32])),
               Entry(f'cn=Other Marker,{base}', dict(person, dominoUNID=['C' * 32], employeeType=['someone.else:CCC'])),
               Entry(f'cn=Group,{base}', {'objectClass': ['dominoGroup'], 'dominoUNID': ['D' * 32],
                                          'employeeType': ['coexist.domino_exchange:DDD']})]
    read = _domino.read_contacts(FakeClient(entries), domino_profile(contacts_base=base), [])
    assert [(c.dn, c.anchor, c.object_id) for c in read.owned] == [(f'cn=Mine,{base}', 'AAA', 'A' * 32)]
    assert sorted(f['dn'] for f in read.foreign) == sorted(f'cn={n},{base}' for n in ('Admins Own', 'Other Marker', 'Group'))
    assert sorted(read.foreign_names) == ['Admins Own', 'Group', 'Other Marker']


def test_a_mailbox_without_its_own_address_in_the_routing_domain_is_a_problem():
    """Its contact would forward to a derived <local part>@<routing domain>: held by another user,
    mail reaches that user; held by nobody, Exchange bounces it (5.1.10). Either way a skip;
    only a mailbox with its own proxy there is synced (issue 12, item 5)."""
    owner = ad_user('CN=Jo Other,OU=Exchange Users,DC=corp', objectGUID=[bytes(16)], mail=['jo.other@example.com'],
                    proxyAddresses=['SMTP:jo.other@example.com', 'smtp:jo@exchange.example.com'])
    derived = ad_user('CN=Jo,OU=Exchange Users,DC=corp', mail=['jo@example.com'], proxyAddresses=['SMTP:jo@example.com'])
    bare = ad_user('CN=Al,OU=Exchange Users,DC=corp', objectGUID=[bytes(range(1, 17))], mail=['al@example.com'],
                   proxyAddresses=['SMTP:al@example.com'])
    own = ad_user('CN=Bo,OU=Exchange Users,DC=corp', objectGUID=[bytes(range(2, 18))], mail=['bo@example.com'],
                  proxyAddresses=['SMTP:bo@example.com', 'smtp:bo.b@Exchange.Example.com'])
    read = _ad.read_exchange_mailboxes(FakeClient([owner, derived, bare, own]), ['OU=Exchange Users,DC=corp'],
                                       _ad.ExchangeMailboxRule(), {}, 'exchange.example.com')
    problems = {r.dn: r.problems for r in read.records}
    assert problems['CN=Jo Other,OU=Exchange Users,DC=corp'] == ()
    assert problems['CN=Bo,OU=Exchange Users,DC=corp'] == ()
    assert 'jo@exchange.example.com (where its contact would forward) belongs to CN=Jo Other' in \
        problems['CN=Jo,OU=Exchange Users,DC=corp'][0]
    (bounce,) = problems['CN=Al,OU=Exchange Users,DC=corp']
    assert bounce.startswith('no proxy address in exchange.example.com') and 'al@exchange.example.com' in bounce
    assert '5.1.10' in bounce
    assert read.entries == 4 and read.not_mailboxes == {}
    # without a routing domain (records read for another purpose) nothing is judged
    read = _ad.read_exchange_mailboxes(FakeClient([bare]), ['OU=Exchange Users,DC=corp'], _ad.ExchangeMailboxRule(), {}, '')
    assert read.records[0].problems == ()


# --- AD: the forest's address read (issue 12, items 1 and 2) ---

OU = 'OU=Domino Contacts,DC=corp,DC=example,DC=com'
DOMAIN = 'DC=corp,DC=example,DC=com'
OWNED_GUID = bytes(range(16, 32))


def forest_entries(marker=True):
    """What the address read returns: an owned contact (its marker gone when read through a Global
    Catalog), a foreign contact in the OU, a mailbox, and a logon account whose mail HR filled in."""
    owned = {'mail': ['kim.owned@example.com'], 'proxyAddresses': ['SMTP:kim.owned@example.com'],
             'mailNickname': ['kim.owned'], 'targetAddress': ['SMTP:kim.owned@domino.example.com'],
             'objectGUID': [OWNED_GUID]}
    if marker:
        owned['adminDescription'] = ['coexist.domino_exchange:C0FFEE']
    return [
        Entry(f'CN=Kim Owned,{OU}', owned),
        Entry(f'CN=By Hand,{OU}', {'mail': ['by.hand@example.com'], 'targetAddress': ['SMTP:x@partner.example.net'],
                                   'objectGUID': [bytes(16)]}),
        ad_user(),
        Entry('CN=Lee Logon,OU=Staff,DC=corp,DC=example,DC=com',
              {'mail': ['lee.logon@example.com'], 'objectGUID': [bytes(range(1, 17))]}),
    ]


@pytest.mark.parametrize('through_gc', [False, True])
def test_owned_contacts_are_known_by_the_container_read_not_by_a_marker_read_through_the_gc(through_gc):
    read = _ad.read_address_index(FakeClient(forest_entries(marker=not through_gc)), '', profile(),
                                  find_marked=not through_gc)
    owned = [_plan.OwnedContact(dn=f'CN=Kim Owned,{OU}', anchor='C0FFEE', attrs={},
                                object_id=OWNED_GUID)]
    index = read.excluding(owned, reread=lambda dns: forest_entries())
    assert 'kim.owned@example.com' not in index.addresses and 'kim.owned' not in index.aliases
    assert index.addresses['by.hand@example.com'].startswith(f'CN=By Hand,{OU}')     # foreign: a holder
    assert 'anna.hartley@example.com' in index.mailboxes
    assert index.marked_outside == []


class DnClient:
    """A base search by DN, as Ownership and read_marked send it; the DNs asked are recorded."""

    def __init__(self, entries):
        self.entries = {e.dn.lower(): e for e in entries}
        self.asked = []

    def search(self, base, filterstr, attributes, scope='subtree'):
        self.asked.append(base)
        return iter([self.entries[base.lower()]] if base.lower() in self.entries else [])


def test_contacts_made_in_the_ou_between_the_two_reads_are_asked_for_their_marker():
    """Two runs of one sync racing: the other run's new contact shows in this run's address read
    (through a GC, without its marker) but not in its OU read. Counted as a foreign holder, it
    made this run plan another name for the same anchor: two contacts for one source (the lab's
    two-syncs race test, on twins AD folds). It is asked for its marker instead; an object another
    tool made meanwhile stays a holder."""
    mine = profile(identity='domino1.example.com')
    contact = {'objectClass': ['contact'], 'targetAddress': ['SMTP:x@domino.example.com']}
    racing = Entry(f'CN=Rene Dupont (00c721e9),{OU}', dict(contact, mail=['rene.dupont2@example.com']))
    other = Entry(f'CN=Someone Else,{OU}', dict(contact, mail=['someone@example.com']))
    read = _ad.read_address_index(FakeClient(forest_entries(marker=False) + [racing, other]), '', mine, find_marked=False)
    owned = [_plan.OwnedContact(dn=f'CN=Kim Owned,{OU}', anchor='C0FFEE', attrs={},
                                object_id=OWNED_GUID)]
    container = _plan.ContainerContents(owned=owned, foreign=[{'dn': f'CN=By Hand,{OU}', 'objectClass': ['contact']}],
                                        foreign_names=['By Hand'])
    unseen = read.unseen_by(container)
    assert unseen == [racing.dn, other.dn]
    marked = DnClient([Entry(racing.dn, {'adminDescription': ['coexist.domino_exchange:domino1.example.com:00C721E9']}),
                       Entry(other.dn, {'adminDescription': ['coexist.domino_exchange:domino-test.example.com:AB']})])
    ours = _ad.read_marked(marked, unseen + [f'CN=Gone Again,{OU}'], mine)
    assert ours == [racing.dn] and len(marked.asked) == 3
    index = read.excluding(owned, also_ours=ours, reread=lambda dns: forest_entries(marker=False) + [racing, other])
    assert 'rene.dupont2@example.com' not in index.addresses
    assert index.addresses['someone@example.com'].startswith(f'CN=Someone Else,{OU}')
    assert index.addresses['by.hand@example.com'].startswith(f'CN=By Hand,{OU}')


def test_an_owned_contact_is_recognised_by_its_dn_when_the_read_has_no_guid():
    entries = forest_entries()
    entries[0].attrs.pop('objectguid')
    index = _ad.read_address_index(FakeClient(entries), '', profile()).excluding(
        [_plan.OwnedContact(dn=f'cn=kim owned,{OU.lower()}', anchor='C0FFEE', attrs={})], reread=lambda dns: entries)
    assert 'kim.owned@example.com' not in index.addresses


def test_mail_alone_does_not_hold_an_address():
    read = _ad.read_address_index(FakeClient(forest_entries()), '', profile())
    index = read.excluding([], reread=lambda dns: forest_entries())
    assert 'lee.logon@example.com' not in index.addresses
    assert read.not_recipients == {'lee.logon@example.com': 'CN=Lee Logon,OU=Staff,DC=corp,DC=example,DC=com'}
    # every one of Exchange's recipient attributes makes a holder
    for attribute, value in [('mailNickname', 'lee'), ('proxyAddresses', 'SMTP:lee.logon@example.com'),
                             ('targetAddress', 'SMTP:lee@elsewhere.example.net'), ('homeMDB', 'CN=DB1')]:
        entry = Entry('CN=Lee Logon,OU=Staff,DC=corp', {'mail': ['lee.logon@example.com'], attribute: [value]})
        assert 'lee.logon@example.com' in _ad.read_address_index(FakeClient([entry]), '', profile()).excluding([]).addresses


class SubtreeClient:
    """A directory for readers that send several searches: each search answers the entries under
    its base (subtree) matching its filter, which may be ``(objectClass=*)``, ``(attr=prefix*)``
    or ``(!(attr=prefix*))`` (case-insensitive, as AD matches adminDescription); every search is
    recorded with the entries it returned."""

    def __init__(self, entries):
        self.entries = entries
        self.searches = []

    def search(self, base, filterstr, attributes):
        negated = filterstr.startswith('(!(')
        term = filterstr[3:-2] if negated else filterstr[1:-1]
        name, _eq, value = term.partition('=')

        def matches(entry):
            if name.lower() == 'objectclass' and value == '*':
                return True
            assert value.endswith('*') and '*' not in value[:-1], filterstr
            return any(v.lower().startswith(value[:-1].lower()) for v in entry.values(name))

        found = [e for e in self.entries if (e.dn.lower() == base.lower() or e.dn.lower().endswith(',' + base.lower()))
                 and matches(e) != negated]
        self.searches.append((base, filterstr, len(found)))
        return iter(found)


def test_the_marker_outside_the_ou_is_found_on_the_domain_read_and_by_the_ous_read_with_a_global_catalog():
    moved = Entry('CN=Kim Owned,OU=Moved,DC=corp,DC=example,DC=com',
                  {'mail': ['kim.owned@example.com'], 'adminDescription': ['coexist.domino_exchange:C0FFEE']})
    inside = Entry(f'CN=Kim Two,{OU}', {'adminDescription': ['coexist.domino_exchange:BEEF']})
    index = _ad.read_address_index(FakeClient([moved, inside]), 'DC=corp,DC=example,DC=com', profile()).excluding([])
    assert index.marked_outside == [moved.dn]
    read = _ad.read_container(SubtreeClient([moved, inside]), profile(), [], domain='DC=corp,DC=example,DC=com')
    assert read.marked_outside == [moved.dn]
    assert _ad.read_container(SubtreeClient([moved, inside]), profile(), []).marked_outside is None   # not looked for


def test_a_dn_that_only_looks_inside_the_ou_is_outside_it_for_the_address_read():
    """An escaped comma is no RDN boundary: CN=Fake\\,OU=Domino Contacts,... is a child of the
    domain, not of the OU. The address read kept it aside as inside the OU, so this sync's marker
    there was never reported outside (and the run went on)."""
    lookalike = Entry(f'CN=Fake\\,{OU}', {'mail': ['fake@example.com'],
                                          'adminDescription': ['coexist.domino_exchange:C0FFEE']})
    assert lookalike.dn.endswith(',' + OU)
    read = _ad.read_address_index(FakeClient([lookalike]), 'DC=corp,DC=example,DC=com', profile())
    assert read.in_container == [] and read.excluding([]).marked_outside == [lookalike.dn]


def test_with_a_global_catalog_each_owned_contact_is_read_once_for_the_ou_and_the_marker_outside_it():
    """Issue 17: with a Global Catalog the OU was read whole (every owned contact) and then the
    domain again for the marker (every owned contact once more, to find the few outside the OU):
    at 100,000 contacts that second read was about a fifth of the run's reads. Now the marked
    objects come from one read of the domain and the OU is read again only for what carries no
    marker; the contents are what the single OU read found."""
    domain = 'DC=corp,DC=example,DC=com'
    contact = ['top', 'person', 'organizationalPerson', 'contact']
    ours = [Entry(f'CN=Owned {i},{OU}', {'objectClass': contact, 'mail': [f'owned{i}@example.com'],
                                         'adminDescription': [f'coexist.domino_exchange:{i:032X}']}) for i in range(50)]
    others = [
        Entry(OU, {'objectClass': ['top', 'organizationalUnit']}),
        Entry(f'CN=Admins Own,{OU}', {'objectClass': contact, 'mail': ['admins.own@example.com']}),
        Entry(f'CN=Theirs,{OU}', {'objectClass': contact, 'adminDescription': ['coexist.domino_exchange:other.example:AB']}),
        Entry(f'CN=Marked Group,{OU}', {'objectClass': ['top', 'group'], 'adminDescription': ['coexist.domino_exchange:CD']}),
        Entry(f'CN=Deeper,OU=Sub,{OU}', {'objectClass': contact, 'adminDescription': ['COEXIST.domino_exchange:EF']}),
        Entry(f'CN=Stray,OU=External Contacts,{domain}', {'objectClass': contact,
                                                          'adminDescription': [f'coexist.domino_exchange:{7:032X}']}),
        Entry(f'CN=Elsewhere Theirs,OU=External Contacts,{domain}',
              {'objectClass': contact, 'adminDescription': ['coexist.domino_exchange:other.example:AB']}),
        Entry(f'CN=Plain User,CN=Users,{domain}', {'objectClass': ['top', 'user'], 'mail': ['plain@example.com']}),
    ]
    mine = profile(identity='domino1.example.com')

    def summary(read):
        return (sorted((c.dn, c.anchor) for c in read.owned), sorted(f['dn'] for f in read.foreign),
                sorted(read.foreign_names))

    once = _ad.read_container(SubtreeClient(ours + others), mine, [])
    client = SubtreeClient(ours + others)
    read = _ad.read_container(client, mine, [], domain=domain)
    assert summary(read) == summary(once)
    assert len(read.owned) == 50 and f'CN=Admins Own,{OU}' in summary(read)[1]
    assert read.marked_outside == [f'CN=Stray,OU=External Contacts,{domain}']
    # a DN that only looks as if it ended with the OU's (an escaped comma: its RDN holds the text)
    # is not in the OU: this sync's marker there is outside it, never an owned contact
    lookalike = Entry(f'CN=Fake\\,{OU}', {'objectClass': contact, 'adminDescription': [f'coexist.domino_exchange:{8:032X}']})
    assert lookalike.dn.endswith(',' + OU)
    tricked = _ad.read_container(SubtreeClient(ours + [lookalike]), mine, [], domain=domain)
    assert tricked.marked_outside == [lookalike.dn] and len(tricked.owned) == 50
    # every object of the OU came back once, and nothing else was read twice
    assert sum(found for _base, _filter, found in client.searches) == len(ours) + len(others) - 1


def test_the_contacts_ou_read_takes_only_this_syncs_and_identity_less_markers():
    mine = profile(identity='domino1.example.com')
    contact = {'objectClass': ['top', 'person', 'organizationalPerson', 'contact'], 'mail': ['x@example.com']}
    entries = [Entry(f'CN=Mine,{OU}', dict(contact, adminDescription=['coexist.domino_exchange:domino1.example.com:AAA'])),
               Entry(f'CN=Old,{OU}', dict(contact, adminDescription=['coexist.domino_exchange:BBB'])),
               Entry(f'CN=Theirs,{OU}', dict(contact, adminDescription=['coexist.domino_exchange:domino-test.example.com:CCC']))]
    read = _ad.read_container(FakeClient(entries), mine, [])
    assert sorted(c.anchor for c in read.owned) == ['AAA', 'BBB']
    assert read.foreign == [{'dn': f'CN=Theirs,{OU}', 'objectClass': ['contact'], 'owner': 'domino-test.example.com'}]
    assert read.foreign_names == ['Theirs']
    # another sync's contact elsewhere in the domain is not "this sync's marker outside its OU"
    elsewhere = Entry('CN=Theirs,OU=Test Contacts,DC=corp,DC=example,DC=com', entries[2].attrs)
    assert _ad.read_container(SubtreeClient([elsewhere]), mine, [], domain='DC=corp,DC=example,DC=com').marked_outside == []


def test_the_routing_proxy_does_not_depend_on_the_order_ad_returns_values_in():
    """Issue 12, item 5: a mailbox with several addresses in the routing domain (vendor facts X-6.3)."""
    values = ['SMTP:anna.hartley@example.com', 'smtp:ahartley@exchange.example.com',
              'smtp:anna.hartley@exchange.example.com', 'smtp:anna@exchange.example.com']
    chosen = {_ad.routing_proxy(ad_user(proxyAddresses=order), 'exchange.example.com')
              for order in (values, values[::-1], values[1:] + values[:1])}
    assert chosen == {'anna.hartley@exchange.example.com'}            # the primary's local part
    others = ['SMTP:anna.hartley@example.com', 'smtp:zz@exchange.example.com', 'smtp:Ab@exchange.example.com']
    assert {_ad.routing_proxy(ad_user(proxyAddresses=o), 'exchange.example.com')
            for o in (others, others[::-1])} == {'Ab@exchange.example.com'}   # else the lowest


def test_repeated_values_of_owned_contacts_are_held_once():
    """Issue 17: every owned contact held its own decoded copy of the address-list DNs, the
    recipient type and the mapped fields (100,000 copies each at 100,000 contacts). The reads
    keep one copy of each; the values themselves are unchanged."""
    def ad_contact(i):
        return Entry(f'CN=C{i},{OU}', {
            'objectClass': ['top', 'contact'], 'mail': [f'c{i}@example.com'],
            'adminDescription': [f'coexist.domino_exchange:A{i}'],
            'showInAddressBook': [''.join(['CN=All Contacts,', 'CN=Address Lists'])],   # a new string each time
            'msExchRecipientDisplayType': [str(6)], 'title': [''.join(['Engi', 'neer'])]})
    read = _ad.read_container(FakeClient([ad_contact(i) for i in range(3)]), profile(), ['title'])
    one, two, three = read.owned
    for attribute in ('showInAddressBook', 'msExchRecipientDisplayType', 'title'):
        assert one.attrs[attribute] == two.attrs[attribute] == three.attrs[attribute]
        assert one.attrs[attribute][0] is two.attrs[attribute][0] is three.attrs[attribute][0]
    assert one.attrs['mail'] == ['c0@example.com'] and three.attrs['mail'] == ['c2@example.com']
    assert isinstance(one.attrs['title'], list)

    base = 'OU=Exchange,O=Acme'

    def domino_contact(i):
        return Entry(f'CN=P{i},{base}', {'objectClass': ['dominoPerson'], 'mail': [f'p{i}@example.com'],
                                         'employeeType': [f'coexist.domino_exchange:B{i}'],
                                         'mailsystem': [str(100)], 'title': [''.join(['Sa', 'les'])]})
    read = _domino.read_contacts(FakeClient([domino_contact(i) for i in range(2)]),
                                 domino_profile(contacts_base=base), ['title'])
    first, second = read.owned
    assert first.attrs['mailsystem'][0] is second.attrs['mailsystem'][0] and first.attrs['mailsystem'] == ['100']
    assert first.attrs['title'][0] is second.attrs['title'][0]


def test_records_and_owned_contacts_have_no_instance_dict():
    """Issue 17: slots, not a dict per record (100,000s of each in a run)."""
    record = SourceRecord(anchor='A', dn='cn=a', display_name='A', mail='a@example.com')
    assert not hasattr(record, '__dict__')
    assert not hasattr(_plan.OwnedContact(dn='cn=a', anchor='A', attrs={}), '__dict__')


def test_mapped_fields_are_not_a_dict_per_record():
    """Issue 17: the reads held a dict of mapped fields per record (184 bytes at two fields, 100,000s
    per run); now one tuple of names per attribute map and a tuple of values. It reads as before."""
    field_map = {'title': 'title', 'telephoneNumber': 'telephonenumber'}
    one = _domino.record_from_entry(person(telephonenumber=['+1 555']), field_map)
    two = _domino.record_from_entry(person('cn=Bo Berg,ou=Sales,o=Acme', title=None), dict(field_map))
    assert not isinstance(one.fields, dict) and not hasattr(one.fields, '__dict__')
    assert one.fields._names is two.fields._names                      # pylint: disable=protected-access
    assert one.fields == {'title': 'Manager', 'telephoneNumber': '+1 555'} and two.fields['title'] == ''
    assert list(one.fields) == ['title', 'telephoneNumber'] and one.fields.get('missing') is None
    with pytest.raises(KeyError):
        one.fields['missing']                                           # pylint: disable=pointless-statement
    assert one.as_dict()['fields'] == {'title': 'Manager', 'telephoneNumber': '+1 555'}
    assert SourceRecord.from_dict(one.as_dict()) == one
    mailbox = _ad.mailbox_record(ad_user(title=['Chef']), {'title': 'title'}, '')
    assert not isinstance(mailbox.fields, dict) and mailbox.fields == {'title': 'Chef'}


def test_objects_in_the_contacts_ou_are_kept_by_guid_and_dn_only_and_the_others_read_again():
    """Issue 17: each object inside the OU (nearly all owned contacts) was kept with its addresses
    and aliases until settle, about 80 MB at 200,000 contacts at the reads' peak. Only its GUID's
    bytes and DN now; the ones the OU's read does not own are read again by DN, and hold their
    addresses as before; the owned ones are never asked for."""
    read = _ad.read_address_index(FakeClient(forest_entries(marker=False)), '', profile(), find_marked=False)
    hand_guid = bytes(16)
    assert read.in_container == [(OWNED_GUID, f'CN=Kim Owned,{OU}'), (hand_guid, f'CN=By Hand,{OU}')]
    owned = _plan.OwnedContact(f'CN=Kim Owned,{OU}', 'C0FFEE', {}, object_id=OWNED_GUID)
    searches = []

    class Domain:
        # renamed since the address read: found by its objectGUID, under its new DN
        def search(self, base, filterstr, attributes, scope='subtree'):
            searches.append((base, filterstr, scope))
            return iter([Entry(f'CN=By Hand (renamed),{OU}', {'mail': ['by.hand@example.com'], 'targetAddress': ['SMTP:x@y'],
                                                              'objectGUID': [hand_guid]})])

    index = read.excluding([owned], reread=lambda others: _ad.read_recipients(Domain(), others, profile(), DOMAIN))
    assert searches == [(DOMAIN, '(|(objectGUID=' + '\\00' * 16 + '))', 'subtree')]     # only the one not owned
    assert 'kim.owned@example.com' not in index.addresses and 'kim.owned' not in index.aliases
    assert index.addresses['by.hand@example.com'] == f'CN=By Hand (renamed),{OU} (recipient)'
    assert read.in_container == []
    # deleted since the address read: holds nothing, and is no error
    read = _ad.read_address_index(FakeClient(forest_entries(marker=False)), '', profile(), find_marked=False)
    index = read.excluding([owned], reread=lambda others: _ad.read_recipients(FakeClient([]), others, profile(), DOMAIN))
    assert 'by.hand@example.com' not in index.addresses
    # without a way to read them again, objects that are not owned are an error, never dropped
    read = _ad.read_address_index(FakeClient(forest_entries(marker=False)), '', profile(), find_marked=False)
    with pytest.raises(ValueError, match='needs reread'):
        read.excluding([owned])


def test_many_objects_in_the_ou_that_are_not_owned_are_read_again_with_one_read_of_the_ou():
    """Another sync's contacts sharing the OU: more than REREAD_ONE_BY_ONE of them are read again
    by one read of each OU, not one base search each; only those asked for hold addresses."""
    count = _ad.REREAD_ONE_BY_ONE + 1
    theirs = [Entry(f'CN=Theirs {i},{OU}',
                    {'mail': [f'theirs{i}@example.com'], 'mailNickname': [f'theirs{i}'], 'objectGUID': [bytes([i % 256]) * 16]})
              for i in range(count)]
    later = Entry(f'CN=Made Later,{OU}', {'mail': ['later@example.com'], 'mailNickname': ['later']})
    read = _ad.read_address_index(FakeClient(theirs), '', profile(), find_marked=False)
    searches = []

    class Directory:
        def search(self, base, filterstr, attributes, scope='subtree'):
            searches.append((base, scope))
            return iter(theirs + [later])

    index = read.excluding([], reread=lambda others: _ad.read_recipients(Directory(), others, profile(), DOMAIN))
    assert searches == [(OU, 'subtree')]
    assert len(index.addresses) == count and 'later@example.com' not in index.addresses
    assert index.addresses['theirs0@example.com'] == f'CN=Theirs 0,{OU} (recipient)'


def test_one_of_many_not_owned_moved_out_of_the_ou_is_found_by_guid_in_the_domain():
    """The read of the OU for many objects that are not owned misses one moved out of the OUs since
    the address read: it is then asked for by objectGUID in the whole domain and still holds its
    addresses (it was missing from the conflict index before)."""
    count = _ad.REREAD_ONE_BY_ONE + 1
    theirs = [Entry(f'CN=Theirs {i},{OU}',
                    {'mail': [f'theirs{i}@example.com'], 'mailNickname': [f'theirs{i}'], 'objectGUID': [bytes([i % 256]) * 16]})
              for i in range(count)]
    moved = Entry('CN=Theirs 7,OU=Elsewhere,DC=corp,DC=example,DC=com',
                  {'mail': ['theirs7@example.com'], 'mailNickname': ['theirs7'], 'objectGUID': [bytes([7]) * 16]})
    read = _ad.read_address_index(FakeClient(theirs), '', profile(), find_marked=False)
    searches = []

    class Directory:
        def search(self, base, filterstr, attributes, scope='subtree'):
            searches.append((base, filterstr))
            if base == OU:
                return iter(theirs[:7] + theirs[8:])
            return iter([moved] if '\\07' * 16 in filterstr else [])

    index = read.excluding([], reread=lambda others: _ad.read_recipients(Directory(), others, profile(), DOMAIN))
    assert [base for base, _filter in searches] == [OU, DOMAIN]
    assert searches[1][1] == '(|(objectGUID=' + '\\07' * 16 + '))'              # only the one the OU missed
    assert index.addresses['theirs7@example.com'] == f'{moved.dn} (recipient)' and 'theirs7' in index.aliases
    assert len(index.addresses) == count


def test_a_domino_holder_is_described_once_for_all_its_addresses():
    """Issue 17: the Domino address read made one description string per address; a holder's
    addresses now share one."""
    forwarded = Entry('cn=Fay Forward,ou=Sales,o=Acme',
                      {'objectClass': ['dominoPerson'], 'mail': ['fay@example.com'], 'mailaddress': ['fay@exchange.example.com']})
    index = _domino.read_address_index(FakeClient([forwarded]), '', domino_profile(), _domino.MailboxRule())
    assert index.addresses['fay@example.com'] is index.addresses['fay@exchange.example.com']
    assert index.addresses['fay@example.com'] == 'cn=Fay Forward,ou=Sales,o=Acme (forwarded Person)'


def test_an_owned_contact_holds_no_marker_or_proxy_addresses_its_other_values_say():
    """Issue 17: every owned contact held its marker (its anchor once more, with the prefix) and
    its proxyAddresses (its mail and targetAddress once more), about 330 bytes a contact, and its
    objectGUID as text. A contact whose marker and proxyAddresses are exactly what the sync
    writes now holds neither (they are made when looked up); any other keeps them as read; the
    GUID is kept as its 16 bytes, as the address read keeps it."""
    mine = profile(identity='domino1.example.com')
    contact = ['top', 'person', 'organizationalPerson', 'contact']

    def entry(name, marker, proxies, guid):
        return Entry(f'CN={name},{OU}', {'objectClass': contact, 'mail': [f'{name.lower()}@example.com'],
                                         'targetAddress': [f'SMTP:{name.lower()}@domino.example.com'],
                                         'proxyAddresses': proxies, 'adminDescription': [marker], 'objectGUID': [guid]})
    written = entry('Ann', 'coexist.domino_exchange:domino1.example.com:AAA',
                    ['SMTP:ann@example.com', 'smtp:ann@domino.example.com'], bytes(range(16)))
    reordered = entry('Bob', 'coexist.domino_exchange:domino1.example.com:BBB',
                      ['smtp:bob@domino.example.com', 'SMTP:bob@example.com', 'X500:/o=Old/cn=bob'], bytes(range(1, 17)))
    adopted = entry('Cy', 'coexist.domino_exchange:CCC', ['SMTP:cy@example.com', 'smtp:cy@domino.example.com'],
                    bytes(range(2, 18)))
    read = _ad.read_container(FakeClient([written, reordered, adopted]), mine, [])
    ann, bob, cy = read.owned
    layout_index = ann.attrs._layout.index
    for contact_read, entry_read in zip((ann, bob, cy), (written, reordered, adopted)):
        for attribute in ('adminDescription', 'proxyAddresses', 'mail', 'targetAddress'):
            assert contact_read.attrs[attribute] == entry_read.values(attribute), attribute   # the values as read
        assert contact_read.object_id == entry_read.get('objectGUID')                           # the GUID's bytes
    assert ann.attrs._values[layout_index['adminDescription']] is _plan.DERIVED
    assert ann.attrs._values[layout_index['proxyAddresses']] is _plan.DERIVED
    assert ann.anchor == 'AAA'
    assert bob.attrs._values[layout_index['adminDescription']] is _plan.DERIVED
    assert bob.attrs._values[layout_index['proxyAddresses']] == tuple(reordered.values('proxyAddresses'))
    assert cy.attrs._values[layout_index['adminDescription']] == 'coexist.domino_exchange:CCC'   # rewritten by the plan
    assert cy.attrs._values[layout_index['proxyAddresses']] is _plan.DERIVED
