"""What a real Domino Directory returns and the syncs must be safe under (issue 13): synthesized
mail values, addresses outside the routed domains, several documents under one DN. The lab
emulates each (tests/integration/test_domino_behaviours.py); these are the rules, example by
example."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import domino as _domino
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.exchange_to_domino import (
    ExchangeToDominoOptions)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.dn import dn_key
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    Limits, OwnedContact, SourceRecord, plan)

from plan_simulator import Container, ad_profile

PROFILE = ad_profile()
A = '6F1A2B3C4D5E6F708192A3B4C5D6E7F8'
B = '0B9E8D7C6B5A49382716F5E4D3C2B1A0'
C = 'C3C3C3C3D4D4D4D4E5E5E5E5F6F6F6F6'


def person(dn='cn=Anna Abbott,ou=Sales,o=Acme', **attrs) -> Entry:
    values = {'objectClass': ['dominoPerson'], 'dominoUNID': ['0123456789ABCDEF0123456789ABCDEF'],
              'mail': ['anna.abbott@example.com'], 'mailfile': ['mail\\aabbott.nsf'], 'mailsystem': ['1'],
              'sn': ['Abbott']}
    values.update(attrs)
    return Entry(dn, values)


# --- synthesized and unrouted addresses (vendor facts D-2.2) ---

@pytest.mark.parametrize('address, synthesized', [
    ('John_Q_Public/API@lotus.com', True),                                      # HCL's ldap_msc output
    ('Samantha Daryn/Marketing/East/Renovations%Renovations@renovations.com', True),   # HCL's last resort
    ('David Mercer%Acme@example.com', True),
    ('anna.abbott@example.com', False),
    ("o'brien+news@example.com", False),
])
def test_synthesized_forms_are_recognised(address, synthesized):
    assert _domino.synthesized(address) is synthesized


def test_a_synthesized_mail_is_a_problem_of_the_record():
    record = _domino.record_from_entry(person(mail=['Anna_Abbott/Sales/Acme@example.com']), {})
    assert record.problems and 'synthesized by Domino' in record.problems[0]


def test_an_address_outside_the_routed_domains_is_a_problem_only_when_domains_are_given():
    entry = person(mail=['anna.abbott@legacy.example.org'])
    assert _domino.record_from_entry(entry, {}).problems == ()
    record = _domino.record_from_entry(entry, {}, ('example.com', 'alias.example.com'))
    assert 'not in a domain this sync routes (example.com, alias.example.com' in record.problems[0]
    assert _domino.record_from_entry(person(mail=['anna@ALIAS.example.com']), {}, ('alias.example.com',)).problems == ()


class _Client:
    """Answers every search with the given entries (the dialect's reads, without a server)."""

    def __init__(self, entries):
        self.entries = entries

    def search(self, *_args, **_kwargs):
        return iter(self.entries)


def test_the_address_index_ignores_synthesized_and_unrouted_values():
    profile = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com',
                                           routed_domains=('example.com',))
    entries = [person('cn=No Address,o=Acme', mail=['No_Address/Acme@example.com'], mailfile=[]),
               person('cn=Partner,o=Acme', mail=['someone@partner.example.net'], mailfile=[]),
               person('cn=Forwarded,o=Acme', mail=['fwd@example.com'], mailaddress=['fwd@exchange.example.com']),
               person('cn=Real,o=Acme', mail=['real@example.com'])]
    index = _domino.read_address_index(_Client(entries), '', profile, _domino.MailboxRule())
    assert set(index.addresses) == {'fwd@example.com', 'fwd@exchange.example.com', 'real@example.com'}
    assert index.mailboxes == {'real@example.com'}
    # without routed domains only the synthesized value goes
    profile = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com')
    index = _domino.read_address_index(_Client(entries), '', profile, _domino.MailboxRule())
    assert 'someone@partner.example.net' in index.addresses and 'no_address/acme@example.com' not in index.addresses


def test_the_contact_profile_refuses_a_source_outside_the_routed_domains():
    profile = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com',
                                           routed_domains=('example.com',))
    source = SourceRecord(anchor='guid-1', dn='CN=X,DC=corp', display_name='X', mail='x@other.example.org')
    assert any('not in a domain this sync routes' in p for p in profile.validate(source))


# --- several documents under one DN (vendor facts D-4.3) ---

def test_mailboxes_sharing_a_dn_are_both_reported():
    twins = [person(dominoUNID=[A]), person(dominoUNID=[B]), person('cn=Other,o=Acme', dominoUNID=[C])]
    read = _domino.read_mailboxes(_Client(twins), '', _domino.MailboxRule(), {})
    problems = {r.anchor: r.problems for r in read.records}
    assert all('replication or save conflict: 2 documents' in problems[x][0] for x in (A, B))
    assert problems[C] == ()


def test_contacts_sharing_a_dn_are_frozen_and_reported():
    profile = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com')
    marker = {'employeeType': ['coexist.domino_exchange:guid-1'], 'objectClass': ['dominoPerson']}
    entries = [Entry('cn=Twin,ou=Exchange,o=Acme', dict(marker, dominoUNID=[A])),
               Entry('CN=Twin,ou=Exchange,o=Acme', dict(marker, dominoUNID=[B])),
               Entry('cn=Single,ou=Exchange,o=Acme', {'employeeType': ['coexist.domino_exchange:guid-2'],
                                                      'objectClass': ['dominoPerson']})]
    contents = _domino.read_contacts(_Client(entries), profile, [])
    assert [c.anchor for c in contents.owned] == ['guid-2']
    assert [c.object_id for c in contents.frozen] == [A, B]
    assert contents.duplicates == [{'dn': 'cn=Twin,ou=Exchange,o=Acme', 'object_ids': [A, B], 'anchors': ['guid-1']}]


def _synced(sources):
    result = plan(sources, [], {}, [], PROFILE, Limits())
    return Container(PROFILE, [], []).run(result.writes).owned()


def _source(anchor, name, mail):
    return SourceRecord(anchor=anchor, dn=f'CN={name},O=Acme', display_name=name, mail=mail, alias=mail.split('@')[0])


def test_a_frozen_contact_is_never_written_and_its_source_is_reported():
    [first] = _synced([_source(A, 'Anna Abbott', 'anna@example.com')])
    twin = OwnedContact(first.dn, first.anchor, dict(first.attrs), object_id='second-document')
    # the source renamed and readdressed: nothing may be written by that DN
    result = plan([_source(A, 'Anna Abbott-Miller', 'anna.miller@example.com')], [], {}, [], PROFILE, Limits(),
                  frozen=[first, twin])
    assert result.operations == []
    assert 'replication or save conflict' in result.skips[0]['reason'] and result.skips[0]['contact'] == first.dn


def test_a_frozen_contact_whose_source_is_gone_keeps_its_name_and_addresses():
    [first] = _synced([_source(A, 'Anna Abbott', 'anna@example.com')])
    others = [_source(B, 'Anna Abbott', 'other.anna@example.com'), _source(C, 'Carl Cole', 'anna@example.com')]
    result = plan(others, [], {}, [], PROFILE, Limits(), frozen=[first])
    assert not [op for op in result.operations if op.kind != 'create']           # no delete of the frozen one
    [create] = [op for op in result.operations if op.anchor == B]
    assert create.dn != first.dn and PROFILE.rdn_value(create.dn).startswith('Anna Abbott (')
    assert C not in {op.anchor for op in result.operations}                      # its address stays taken
    assert any(s['anchor'] == C for s in result.skips)


# --- groups follow renames and deletes (vendor facts D-7.4, D-11.2) ---

def _op(kind, anchor, dn, new_dn=''):
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Operation
    return Operation(kind, anchor, dn, new_dn=new_dn)


def test_moves_follow_a_swap_through_its_temporary_name():
    ops = [_op('delete', 'gone', 'cn=Gone,ou=X,o=A'),
           _op('rename', 'a', 'cn=Anna,ou=X,o=A', 'cn=Anna (renaming 1),ou=X,o=A'),
           _op('rename', 'b', 'cn=Bert,ou=X,o=A', 'cn=Anna,ou=X,o=A'),
           _op('rename', 'a', 'cn=Anna (renaming 1),ou=X,o=A', 'cn=Bert,ou=X,o=A')]
    moves = _domino.contact_moves(ops)
    assert moves == {dn_key('cn=gone,ou=x,o=a'): ('gone', ''), dn_key('cn=anna,ou=x,o=a'): ('a', 'cn=Bert,ou=X,o=A'),
                     dn_key('cn=bert,ou=x,o=a'): ('b', 'cn=Anna,ou=X,o=A')}


def test_group_updates_replace_renamed_and_drop_deleted_members_only():
    moves = {dn_key('cn=anna,ou=x,o=a'): ('a', 'cn=Anna Miller,ou=X,o=A'), dn_key('cn=gone,ou=x,o=a'): ('gone', '')}
    groups = [('cn=G1,o=A', ['CN=Anna,OU=X,O=A', 'cn=Mailbox,o=A', 'cn=Gone,ou=X,o=A']),
              ('cn=G2,o=A', ['cn=Gone,ou=X,o=A'])]
    [g1, g2] = _domino.group_operations(moves, groups)
    assert g1.dn == 'cn=G1,o=A' and g1.changes == {'member': (['CN=Anna,OU=X,O=A', 'cn=Gone,ou=X,o=A'],
                                                              ['cn=Anna Miller,ou=X,o=A'])}
    assert set(g1.requires) == {'a', 'gone'} and g1.kind == 'update'
    assert g2.changes == {'member': (['cn=Gone,ou=X,o=A'], [])}


def test_a_swap_inside_one_group_changes_nothing_and_an_existing_member_is_not_added_twice():
    swap = {dn_key('cn=anna,ou=x,o=a'): ('a', 'cn=Bert,ou=X,o=A'), dn_key('cn=bert,ou=x,o=a'): ('b', 'cn=Anna,ou=X,o=A')}
    assert _domino.group_operations(swap, [('cn=G,o=A', ['cn=Anna,ou=X,o=A', 'cn=Bert,ou=X,o=A'])]) == []
    moves = {dn_key('cn=anna,ou=x,o=a'): ('a', 'cn=Anna Miller,ou=X,o=A')}
    [op] = _domino.group_operations(moves, [('cn=G,o=A', ['cn=Anna,ou=X,o=A', 'cn=anna miller,ou=x,o=a'])])
    assert op.changes == {'member': (['cn=Anna,ou=X,o=A'], [])}


def test_the_groups_are_read_whole_and_compared_here():
    """A filter on member skips Mail only groups (vendor facts D-2.3): the read asks for every group."""
    asked = []

    class Client:
        def search(self, base, filterstr, attributes):
            asked.append(filterstr)
            return iter([Entry('cn=G,o=A', {'member': ['cn=Anna,ou=X,o=A']}), Entry('cn=H,o=A', {'member': ['cn=Z,o=A']})])

    assert _domino.read_groups_naming(Client(), {}) == [] and asked == []
    assert _domino.read_groups_naming(Client(), {dn_key('cn=anna,ou=x,o=a'): ('a', '')}) == [('cn=G,o=A', ['cn=Anna,ou=X,o=A'])]
    assert asked == ['(objectClass=dominoGroup)']


# --- what validate probes at the site (issue 13, item 7) ---

def test_validate_counts_synthesized_unrouted_and_duplicated_persons():
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate import checks as _checks

    class Directory:
        server = 'ldaps://domino.example.com'

        def search(self, base, filterstr, attributes):
            return iter([person('cn=A,o=Acme', mail=['A/Acme@example.com']),
                         person('cn=B,o=Acme', mail=['b@legacy.example.org']),
                         person('cn=C,o=Acme', mail=['c@example.com']),
                         person('cn=C,o=Acme', mail=['c@example.com'], dominoUNID=[B])])

    found = {c.check: c for c in _checks.check_domino_addresses(Directory(), '', ['example.com'], 'employeeType', 'x:')}
    assert found['Domino: Internet domains of the mailboxes'].found == 'example.com: 2, legacy.example.org: 1'
    assert found['Domino: mailboxes without an Internet address'].status == 'warn'
    assert found['Domino: mailboxes outside the routed domains'].found.startswith('1 mailboxes')
    assert found['Domino: several documents under one DN'].found.startswith('1 DNs')


# --- names people can address (issue 13, item 2) ---

def test_slash_and_at_become_hyphens_before_the_write_and_names_are_unique_directory_wide():
    profile = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com')
    sources = [SourceRecord(anchor='aaaaaaaa-0000-0000-0000-000000000001', dn='CN=1,DC=corp', display_name='Sales/Marketing Desk',
                            mail='desk@example.com'),
               SourceRecord(anchor='bbbbbbbb-0000-0000-0000-000000000002', dn='CN=2,DC=corp', display_name='Help@Desk Team',
                            mail='help@example.com'),
               SourceRecord(anchor='cccccccc-0000-0000-0000-000000000003', dn='CN=3,DC=corp', display_name='Lukas Osborne',
                            mail='lukas@example.com')]
    # the index's names: every common name of the directory (here a Domino mailbox's two FullNames)
    index = _domino.read_address_index(_Client([person('cn=Lukas Osborne,ou=Sales,o=Acme', cn=['Lukas Osborne', 'L. Osborne'])]),
                                       '', profile, _domino.MailboxRule())
    assert index.names == ['Lukas Osborne', 'L. Osborne']
    result = plan(sources, [], {}, index.names, profile, Limits())
    names = sorted(profile.rdn_value(op.dn) for op in result.operations)
    assert names == ['Help-Desk Team', 'Lukas Osborne (cccccccc)', 'Sales-Marketing Desk']


# --- forwarding addresses Domino's router will find (issue 13, item 6; vendor facts D-6.1, D-11.6) ---

PRIMARY, ROUTING = 'example.com', 'domino.example.com'


@pytest.mark.parametrize('mail, names, target, why', [
    # primary domain: found after the alias retry substitutes the primary domain
    ('anna.abbott@example.com', [], 'anna.abbott@domino.example.com', ''),
    # an address in the routing domain itself: found by the exact match
    ('anna@domino.example.com', [], 'anna@domino.example.com', ''),
    # an alias domain: neither the exact address nor the primary-domain retry is this Person's
    ('jane@alias.example.com', ['Jane Alias'], '', 'not in the Domino primary Internet domain example.com'),
    # ... unless a User name value holds an address in the routing domain (the exact match)
    ('kim@alias.example.com', ['Kim Alias', 'kim@DOMINO.example.com'], 'kim@DOMINO.example.com', ''),
    # several such names: the one with the mail's local part first
    ('kim@alias.example.com', ['a@domino.example.com', 'kim@domino.example.com'], 'kim@domino.example.com', ''),
    # no routing domain: nothing derived (the profile falls back to the mail itself)
    ('jane@alias.example.com', [], '', ''),
])
def test_the_forwarding_address_is_one_dominos_router_finds(mail, names, target, why):
    found, reason = _domino.forwarding_address(mail, names, PRIMARY, ROUTING if why or target else '')
    assert found == target
    assert (why in reason) if why else reason == ''


def test_a_mailbox_in_an_alias_domain_is_reported_not_given_an_unroutable_contact():
    rule = _domino.MailboxRule(routed_domains=('example.com', 'alias.example.com'), primary_domain=PRIMARY,
                               routing_domain=ROUTING)
    entries = [person(), person('cn=Jane Alias,o=Acme', mail=['jane@alias.example.com'], dominoUNID=[B]),
               person('cn=Kim Alias,o=Acme', mail=['kim@alias.example.com'], cn=['Kim Alias', 'kim@domino.example.com'],
                      dominoUNID=[C])]
    read = _domino.read_mailboxes(_Client(entries), '', rule, {})
    by = {r.mail: r for r in read.records}
    assert by['anna.abbott@example.com'].routing_address == 'anna.abbott@domino.example.com'
    assert by['anna.abbott@example.com'].problems == ()
    assert by['jane@alias.example.com'].problems and 'D-6.1' in by['jane@alias.example.com'].problems[0]
    assert by['kim@alias.example.com'].routing_address == 'kim@domino.example.com'
    # the AD contact forwards where the dialect said; the unroutable one is a skip, never a contact
    assert PROFILE.routing_address(by['kim@alias.example.com']) == 'kim@domino.example.com'
    result = plan(read.records, [], {}, [], PROFILE, Limits())
    planned = {op.anchor: op for op in result.operations}
    assert B not in planned and B in {s['anchor'] for s in result.skips}
    assert planned[C].attrs['targetAddress'] == ['SMTP:kim@domino.example.com']


def test_a_derived_forwarding_address_another_person_holds_is_reported():
    """Domino's exact match comes first: lee@domino.example.com held by another Person (here as a
    User name value) would take the mail meant for lee@example.com."""
    rule = _domino.MailboxRule(primary_domain=PRIMARY, routing_domain=ROUTING)
    other = person('cn=Lee Other,o=Acme', mail=['lee.other@example.com'], cn=['Lee Other', 'lee@domino.example.com'],
                   mailfile=[], dominoUNID=[C])
    lee = person('cn=Lee,o=Acme', mail=['lee@example.com'], dominoUNID=[B])
    read = _domino.read_mailboxes(_Client([other, lee]), '', rule, {})
    (record,) = read.records
    assert record.routing_address == ''
    assert 'is an address of cn=Lee Other,o=Acme in Domino' in record.problems[0]


def test_records_given_as_data_get_the_same_rule():
    given = SourceRecord(anchor=B, dn='cn=Jane Alias,o=Acme', display_name='Jane Alias', mail='jane@alias.example.com')
    assert 'primary Internet domain' in _domino.with_forwarding(given, (), PRIMARY, ROUTING).problems[0]
    ok = SourceRecord(anchor=A, dn='cn=Anna,o=Acme', display_name='Anna', mail='anna@example.com')
    assert _domino.with_forwarding(ok, (), PRIMARY, ROUTING).routing_address == 'anna@domino.example.com'


# --- the Domino contacts' marker carries the forest's identity (issue 12, item 4, on Domino) ---

def _contact(name, marker, mail):
    return Entry(f'cn={name},ou=Exchange,o=Acme', {'objectClass': ['dominoPerson'], 'cn': [name], 'mail': [mail],
                                                   'employeeType': [marker], 'dominoUNID': [A]})


def test_another_forests_contacts_are_foreign_and_hold_their_addresses():
    mine = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com',
                                        identity='corp.example.com')
    entries = [_contact('Own One', 'coexist.domino_exchange:corp.example.com:guid-1', 'own@example.com'),
               _contact('Legacy Two', 'coexist.domino_exchange:guid-2', 'legacy@example.com'),
               _contact('Their Three', 'coexist.domino_exchange:fabrikam.com:guid-3', 'theirs@example.com')]
    contents = _domino.read_contacts(_Client(entries), mine, [])
    assert sorted(c.anchor for c in contents.owned) == ['guid-1', 'guid-2']        # the 0.1 marker adopted
    assert contents.foreign == [{'dn': 'cn=Their Three,ou=Exchange,o=Acme', 'objectClass': ['dominoPerson'],
                                 'owner': 'fabrikam.com'}]
    assert contents.foreign_names == ['Their Three']
    index = _domino.read_address_index(_Client(entries), '', mine, _domino.MailboxRule())
    assert set(index.addresses) == {'theirs@example.com'} and index.marked_outside == []
    assert index.names == ['Their Three']
    # a new contact carries the identity; the planner rewrites an adopted one's marker
    assert mine.marker('guid-9') == {'employeeType': ['coexist.domino_exchange:corp.example.com:guid-9']}


def test_only_this_syncs_marker_outside_the_base_stops_the_run():
    mine = _domino.DominoContactProfile(contacts_base='ou=Exchange,o=Acme', exchange_routing_domain='exchange.example.com',
                                        identity='corp.example.com')
    stray = Entry('cn=Stray,ou=Sales,o=Acme', {'objectClass': ['dominoPerson'], 'mail': ['stray@example.com'],
                                               'employeeType': ['coexist.domino_exchange:corp.example.com:guid-1']})
    other = Entry('cn=Other,ou=Fabrikam,o=Acme', {'objectClass': ['dominoPerson'], 'mail': ['other@example.com'],
                                                  'employeeType': ['coexist.domino_exchange:fabrikam.com:guid-2']})
    index = _domino.read_address_index(_Client([stray, other]), '', mine, _domino.MailboxRule())
    assert index.marked_outside == ['cn=Stray,ou=Sales,o=Acme']
    assert set(index.addresses) == {'other@example.com'}


@pytest.mark.parametrize('instance, ad, identity', [
    ('Acme Prod', {'server': 'ldaps://dc1.corp.example.com'}, 'acme-prod'),
    (None, {'server': 'ldaps://dc1.corp.example.com', 'mailbox_bases': ['OU=Exchange Users,DC=Corp,DC=Example,DC=com']},
     'corp.example.com'),
    (None, {'server': 'ldaps://dc2.corp.example.com:636', 'mailbox_bases': []}, 'corp.example.com'),
    (None, {'server': 'ldaps://10.0.0.5'}, '10.0.0.5'),
    (None, {'server': 'ldap://dc1'}, 'dc1'),
])
def test_the_domino_side_identity_names_the_ad_domain_not_a_domain_controller(instance, ad, identity):
    options = ExchangeToDominoOptions(ad=ad, instance=instance)
    assert options.identity == identity
