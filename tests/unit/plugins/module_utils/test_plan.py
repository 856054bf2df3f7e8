"""The planner, example by example: Domino mailboxes planned as contacts in an AD OU (the AD profile).

Every plan here is also run through the simulated container (plan_simulator), which refuses what
AD would refuse (two names equal accent- and case-insensitively, a write to an object the sync
does not own, a rename onto a name still held), so each test checks the order of the writes too.
"""
from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    Limits, OwnedContact, SourceRecord, plan)

from plan_simulator import ALL_CONTACTS, CONTACTS_OU, GAL, Container, ad_profile

PROFILE = ad_profile()
MARKER = 'coexist.domino_exchange:'
# Domino UNIDs (32 upper-case hex). B sorts before A: orders that merely follow the anchors show.
A = '6F1A2B3C4D5E6F708192A3B4C5D6E7F8'
B = '0B9E8D7C6B5A49382716F5E4D3C2B1A0'
C = 'C3C3C3C3D4D4D4D4E5E5E5E5F6F6F6F6'
D = 'D00DFEEDD00DFEEDD00DFEEDD00DFEED'
MAILBOX = 'CN=Jean Dupont,OU=Exchange Users,DC=corp,DC=example,DC=com (user)'


def source(anchor: str, name: str, mail: str, **extra) -> SourceRecord:
    """A Domino mailbox; its alias is the local part of its mail unless given."""
    extra.setdefault('alias', mail.split('@')[0])
    extra.setdefault('dn', f'CN={name},O=Acme')
    return SourceRecord(anchor=anchor, display_name=name, mail=mail, **extra)


def run(sources, owned=(), foreign_addresses=None, foreign_names=(), limits=Limits(), foreign_aliases=()):
    """Plan, then execute the writes in the simulated container: (plan, the container after)."""
    result = plan(sources, owned, foreign_addresses or {}, foreign_names, PROFILE, limits, foreign_aliases)
    return result, Container(PROFILE, owned, foreign_names).run(result.writes)


def synced(sources, **context) -> list:
    """The owned contacts after a first run of ``sources`` into the empty container."""
    return run(sources, **context)[1].owned()


def contact(container: Container, anchor: str) -> OwnedContact:
    """The one owned contact carrying ``anchor``."""
    [found] = container.by_anchor()[anchor]
    return found


def name(dn_or_contact) -> str:
    """The cn of a contact (or of a DN)."""
    return PROFILE.rdn_value(getattr(dn_or_contact, 'dn', dn_or_contact))


def kinds(result) -> list:
    return [op.kind for op in result.operations]


def as_data(result) -> dict:
    """A plan as plain data, to compare two plans."""
    return {'operations': [op.as_dict() for op in result.operations], 'conflicts': result.conflicts,
            'skips': result.skips, 'warnings': result.warnings, 'suppressed': [op.as_dict() for op in result.suppressed]}


def with_values(contact_: OwnedContact, **values) -> OwnedContact:
    """A copy of a contact with some attributes set (as Exchange or an admin left them)."""
    attrs = {a: list(v) for a, v in contact_.attrs.items()}
    attrs.update(values)
    return OwnedContact(contact_.dn, contact_.anchor, attrs)


def gone(anchor: str, cn: str, mail: str) -> list:
    """Owned contacts for sources that are no longer there."""
    return synced([source(anchor, cn, mail)])


# --- creating, and running again ---

def test_new_source_is_created_with_the_full_exchange_profile_in_one_add():
    result, after = run([source(A, 'René Dupont', 'rene.dupont@example.com', given_name='René', surname='Dupont')])
    [op] = result.operations
    assert op.kind == 'create' and op.dn == f'CN=René Dupont,{CONTACTS_OU}'
    attrs = op.attrs
    assert attrs['objectClass'] == ['top', 'person', 'organizationalPerson', 'contact']
    assert attrs['adminDescription'] == [MARKER + A]                  # the marker is in the add itself
    assert attrs['cn'] == ['René Dupont']
    assert attrs['displayName'] == ['René Dupont'] and attrs['givenName'] == ['René'] and attrs['sn'] == ['Dupont']
    assert attrs['mail'] == ['rene.dupont@example.com']
    assert attrs['mailNickname'] == ['rene.dupont']
    assert attrs['targetAddress'] == ['SMTP:rene.dupont@domino.example.com']
    assert attrs['proxyAddresses'] == ['SMTP:rene.dupont@example.com', 'smtp:rene.dupont@domino.example.com']
    assert attrs['showInAddressBook'] == [GAL, ALL_CONTACTS]
    assert attrs['msExchRecipientDisplayType'] == ['6'] and attrs['msExchRecipientTypeDetails'] == ['64']
    assert attrs['msExchPoliciesExcluded'] == ['{26491cfc-9e50-4857-861b-0cb8df22b5d7}']
    assert attrs['msExchVersion'] == ['88218628259840']
    [legacy] = attrs['legacyExchangeDN']
    assert legacy == '/o=Acme/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=' + A.lower()
    assert re.fullmatch(r'[0-9a-f]{32}', legacy.rsplit('/cn=', 1)[1])
    assert contact(after, A).dn == op.dn


def test_rerun_against_the_result_plans_nothing():
    sources = [source(A, 'René Dupont', 'rene@example.com', fields={'title': 'Engineer'}), source(B, 'Rene Dupont', 'rd@example.com'),
               source(C, 'Anna Berg', 'anna@example.com', alias='jo'), source(D, 'Jo', 'jo@other.org', alias='jo')]
    context = dict(foreign_names=['Anna Berg'], foreign_aliases=['anna'], foreign_addresses={'x@example.com': MAILBOX})
    first, after = run(sources, **context)
    assert kinds(first) == ['create'] * 4
    again = plan(sources, after.owned(), context['foreign_addresses'], context['foreign_names'], PROFILE,
                 foreign_aliases=context['foreign_aliases'])
    assert again.operations == [] and again.suppressed == [] and again.conflicts == []
    assert again.unchanged == 4


# --- names: renames, swaps, chains, collisions ---

def test_display_name_change_renames_the_contact_keeping_it():
    owned = synced([source(A, 'Anna Berg', 'anna@example.com')])
    result, after = run([source(A, 'Anna Lind', 'anna@example.com')], owned)
    assert kinds(result) == ['update', 'rename']                      # no delete + add
    update, rename = result.operations
    assert update.changes == {'displayName': (['Anna Berg'], ['Anna Lind'])}
    assert rename.dn == owned[0].dn and rename.new_dn == f'CN=Anna Lind,{CONTACTS_OU}'
    renamed = contact(after, A)
    assert name(renamed) == 'Anna Lind' and renamed.attrs['legacyExchangeDN'] == owned[0].attrs['legacyExchangeDN']


def test_case_only_name_change_is_a_rename_of_the_contact_onto_itself():
    owned = synced([source(A, 'anna berg', 'anna@example.com')])
    result, after = run([source(A, 'Anna Berg', 'anna@example.com')], owned)
    assert [op.kind for op in result.of_kind('rename')] == ['rename']
    assert name(contact(after, A)) == 'Anna Berg'


def test_swapped_names_go_through_a_temporary_name():
    owned = synced([source(A, 'Anna Berg', 'anna@example.com'), source(B, 'Bo Lind', 'bo@example.com')])
    result, after = run([source(A, 'Bo Lind', 'anna@example.com'), source(B, 'Anna Berg', 'bo@example.com')], owned)
    renames = result.of_kind('rename')
    assert len(renames) == 3
    assert '(renaming ' in name(renames[0].new_dn) and renames[0].reason.startswith('temporary name')
    assert name(contact(after, A)) == 'Bo Lind' and name(contact(after, B)) == 'Anna Berg'
    assert not result.of_kind('delete') and not result.of_kind('create')


def test_rename_chain_runs_from_its_free_end():
    owned = synced([source(A, 'Anna', 'a@example.com'), source(B, 'Bo', 'b@example.com'), source(C, 'Cy', 'c@example.com')])
    result, after = run([source(A, 'Bo', 'a@example.com'), source(B, 'Cy', 'b@example.com'),
                         source(C, 'Di', 'c@example.com')], owned)
    assert [(op.anchor, name(op.new_dn)) for op in result.of_kind('rename')] == [(C, 'Di'), (B, 'Cy'), (A, 'Bo')]
    assert [name(contact(after, x)) for x in (A, B, C)] == ['Bo', 'Cy', 'Di']


def test_names_freed_by_deletes_are_taken_by_a_rename_and_a_create():
    owned = gone(C, 'Anna', 'anna@example.com') + gone(D, 'Bo', 'bo@example.com') + synced(
        [source(A, 'Cy', 'cy@example.com')])
    result, after = run([source(A, 'Anna', 'cy@example.com'), source(B, 'Bo', 'new.bo@example.com')], owned)
    assert kinds(result) == ['delete', 'delete', 'update', 'rename', 'create']
    assert name(contact(after, A)) == 'Anna' and name(contact(after, B)) == 'Bo'


def test_accent_twins_get_anchor_suffixes_whatever_the_source_order():
    sources = [source(A, 'René Dupont', 'rene@example.com'), source(B, 'Rene Dupont', 'rd@example.com'),
               source(C, 'Anna Berg', 'anna@example.com')]
    result, after = run(sources)
    assert name(contact(after, A)) == 'René Dupont (6f1a2b3c)'
    assert name(contact(after, B)) == 'Rene Dupont (0b9e8d7c)'
    assert name(contact(after, C)) == 'Anna Berg'                     # no twin: no suffix
    for order in itertools.permutations(sources):
        assert as_data(plan(order, [], {}, [], PROFILE)) == as_data(result)


def test_case_twins_get_anchor_suffixes():
    _result, after = run([source(A, 'Anna Berg', 'anna@example.com'), source(B, 'ANNA BERG', 'ab@example.com')])
    assert {name(contact(after, A)), name(contact(after, B))} == {'Anna Berg (6f1a2b3c)', 'ANNA BERG (0b9e8d7c)'}


def test_suffix_widens_when_two_anchors_share_their_first_eight_digits():
    twin = A[:8] + '0' * 24
    _result, after = run([source(A, 'Jo', 'jo@example.com'), source(twin, 'JO', 'j2@example.com')])
    assert {name(contact(after, A)), name(contact(after, twin))} == {f'Jo ({A[:16].lower()})', f'JO ({twin[:16].lower()})'}


def test_name_of_a_foreign_object_in_the_container_forces_a_suffix():
    _result, after = run([source(A, 'René Dupont', 'rene@example.com')], foreign_names=['RENE DUPONT'])
    assert name(contact(after, A)) == 'René Dupont (6f1a2b3c)'


def test_name_over_64_characters_is_cut_and_twins_after_cutting_get_suffixes():
    long_a, long_b = 'L' * 70, 'L' * 64 + 'x'
    _result, after = run([source(A, long_a, 'a@example.com'), source(B, long_b, 'b@example.com')])
    names = {name(contact(after, A)), name(contact(after, B))}
    assert names == {'L' * 53 + ' (6f1a2b3c)', 'L' * 53 + ' (0b9e8d7c)'}
    assert all(len(n) <= 64 for n in names)


def test_name_of_only_control_characters_is_a_skip_not_an_empty_cn():
    # It passed validation and became 'CN=,OU=...', which AD refuses.
    result, _after = run([source(A, '\x07\u200b', 'a@example.com')])
    assert result.operations == []
    assert [s['anchor'] for s in result.skips] == [A] and 'no printable' in result.skips[0]['reason']


# --- addresses: moves and conflicts ---

def test_address_moving_between_owned_contacts_is_a_move_released_before_taken():
    owned = synced([source(A, 'Anna', 'x@example.com'), source(B, 'Bo', 'z@example.com')])
    result, after = run([source(A, 'Anna', 'y@example.com'), source(B, 'Bo', 'x@example.com')], owned)
    assert result.conflicts == []
    assert [op.anchor for op in result.operations] == [A, B]          # A releases x before B takes it
    assert after.address_overlaps == []                               # x was never on both
    assert contact(after, A).attrs['mail'] == ['y@example.com'] and contact(after, B).attrs['mail'] == ['x@example.com']


def test_address_chain_is_updated_from_its_free_end():
    # Every update here both releases and takes an address, so "releasing ones first" put B
    # (first by anchor) onto x while A still held it.
    owned = synced([source(A, 'Anna', 'x@example.com'), source(B, 'Bo', 'w@example.com'), source(C, 'Cy', 'y@example.com')])
    result, after = run([source(A, 'Anna', 'y@example.com'), source(B, 'Bo', 'x@example.com'),
                         source(C, 'Cy', 'v@example.com')], owned)
    assert [op.anchor for op in result.operations] == [C, A, B]
    assert after.address_overlaps == []


def test_contacts_trading_addresses_run_in_anchor_order_as_no_order_avoids_an_overlap():
    owned = synced([source(A, 'Anna', 'x@example.com'), source(B, 'Bo', 'y@example.com')])
    result, after = run([source(A, 'Anna', 'y@example.com'), source(B, 'Bo', 'x@example.com')], owned)
    assert [op.anchor for op in result.operations] == [B, A] and result.conflicts == []
    assert contact(after, A).attrs['mail'] == ['y@example.com'] and contact(after, B).attrs['mail'] == ['x@example.com']


def test_two_sources_claiming_one_address_conflict_and_neither_is_written():
    owned = synced([source(A, 'Anna', 'x@example.com')])
    result, after = run([source(A, 'Anna Lind', 'x@example.com'), source(B, 'Bo', 'X@example.com')], owned)
    assert result.operations == []
    assert sorted(c['anchor'] for c in result.conflicts) == sorted([A, B])
    assert all('also claimed' in c['reason'] for c in result.conflicts)
    assert contact(after, A) == owned[0]                              # kept exactly as it was
    assert {s['anchor']: s['contact'] for s in result.skips} == {A: owned[0].dn, B: None}


def test_two_sources_deriving_one_routing_address_conflict():
    # The routing address counts too: rd@example.com and rd@other.org both route to
    # rd@domino.example.com, which then sat in the proxyAddresses of two contacts.
    result, _after = run([source(A, 'Anna', 'rd@example.com'), source(B, 'Bo', 'rd@other.org')])
    assert result.operations == []
    assert {c['address'] for c in result.conflicts} == {'rd@domino.example.com'}


def test_source_wanting_the_address_of_a_kept_contact_conflicts():
    # Shrunk from a property run: A's source moved to an address B claims too, so A's contact is
    # kept, still holding x; C, a new source with x, was created beside it.
    owned = synced([source(A, 'Anna', 'x@example.com')])
    result, after = run([source(A, 'Anna', 'y@example.com'), source(B, 'Bo', 'y@example.com'),
                         source(C, 'Cy', 'x@example.com')], owned)
    assert result.operations == []
    conflict = {c['anchor']: c for c in result.conflicts}
    assert set(conflict) == {A, B, C} and conflict[C]['holder'] == owned[0].dn
    assert contact(after, A) == owned[0]


def test_address_of_a_foreign_recipient_is_a_conflict_and_not_written():
    result, _after = run([source(A, 'Anna', 'jean.dupont@example.com')],
                         foreign_addresses={'jean.dupont@example.com': MAILBOX})
    assert result.operations == []
    [conflict] = result.conflicts
    assert conflict['anchor'] == A and conflict['holder'] == MAILBOX


def test_routing_address_of_a_foreign_recipient_is_a_conflict_too():
    # Shrunk from a property run: the contact was created holding smtp:ao@domino.example.com,
    # which a mailbox already held.
    result, _after = run([source(A, 'Anna', 'ao@example.com')], foreign_addresses={'ao@domino.example.com': MAILBOX})
    assert result.operations == []
    assert result.conflicts[0]['address'] == 'ao@domino.example.com'


def test_contact_superseded_by_a_mailbox_is_deleted_and_counted_by_the_guard():
    owned = synced([source(A, 'Jean Dupont', 'jean.dupont@example.com')])
    sources = [source(A, 'Jean Dupont', 'jean.dupont@example.com')]
    migrated = {'jean.dupont@example.com': MAILBOX}
    result, after = run(sources, owned, foreign_addresses=migrated)
    [delete] = result.operations
    assert delete.kind == 'delete' and delete.reason.startswith('superseded') and MAILBOX in delete.reason
    assert result.conflicts[0]['holder'] == MAILBOX and after.contacts == {}
    blocked, _after = run(sources, owned, foreign_addresses=migrated, limits=Limits(max_deletes=0))
    assert blocked.blocked and blocked.writes == [] and blocked.of_kind('delete')


def test_only_a_real_mailbox_supersedes_a_contact():
    owned = synced([source(A, 'Jean Dupont', 'jean.dupont@example.com')])
    sources = [source(A, 'Jean Dupont', 'jean.dupont@example.com')]
    group = 'CN=All Staff,OU=Groups,DC=corp,DC=example,DC=com (group)'
    held = {'jean.dupont@example.com': group}
    # a group (or a contact the sync does not own) taking the address: a conflict, the contact stays
    result = plan(sources, owned, held, (), PROFILE, Limits(), (), mailbox_addresses=set())
    assert result.operations == [] and result.conflicts[0]['holder'] == group
    assert result.skips[0]['contact'] == owned[0].dn
    # the same address on a mailbox: the contact goes
    result = plan(sources, owned, held, (), PROFILE, Limits(), (), mailbox_addresses={'jean.dupont@example.com'})
    assert [op.kind for op in result.operations] == ['delete']


def test_attributes_held_on_a_contact_are_left_alone():
    [owned] = synced([source(A, 'Anna', 'anna@example.com')])
    hidden = OwnedContact(owned.dn, owned.anchor, dict(owned.attrs, showInAddressBook=[]),
                          hold=frozenset({'showInAddressBook'}))
    result = plan([source(A, 'Anna', 'anna@example.com')], [hidden], {}, (), PROFILE)
    assert result.operations == []
    result = plan([source(A, 'Anna', 'anna@example.com')], [dataclasses.replace(hidden, hold=frozenset())], {}, (),
                  PROFILE)
    assert [(op.kind, list(op.changes)) for op in result.operations] == [('update', ['showInAddressBook'])]


@pytest.mark.parametrize('change, problem', [
    (dict(mail='not-an-address'), 'not a valid SMTP address'),
    (dict(display_name='   '), 'no name'),
    (dict(alias='bad alias'), 'no valid Exchange alias'),
    (dict(problems=('replication conflict',)), 'replication conflict'),
])
def test_invalid_source_keeps_its_contact_unchanged_and_is_a_skip(change, problem):
    owned = synced([source(A, 'Anna', 'anna@example.com')])
    bad = dataclasses.replace(source(A, 'Anna Lind', 'anna@example.com'), **change)
    result, after = run([bad], owned)
    assert result.operations == [] and result.unchanged == 1
    [skip] = result.skips
    assert skip['anchor'] == A and problem in skip['reason'] and skip['contact'] == owned[0].dn
    assert contact(after, A) == owned[0]


def test_source_without_an_anchor_keeps_the_contact_with_its_address():
    # The contact's anchor is no longer present: without this it was deleted as "source gone".
    owned = synced([source(A, 'Anna', 'anna@example.com')])
    result, after = run([source('', 'Anna', 'anna@example.com'), source(B, 'Bo', 'bo@example.com')], owned)
    assert kinds(result) == ['create']
    [skip] = result.skips
    assert skip['anchor'] == '' and 'no anchor' in skip['reason'] and skip['contact'] == owned[0].dn
    assert contact(after, A) == owned[0]


def test_every_source_without_an_anchor_is_reported():
    result, _after = run([source('', 'Bo', 'bo@example.com'), source('', 'Anna', 'anna@example.com')])
    assert [s['source_dn'] for s in result.skips] == ['CN=Anna,O=Acme', 'CN=Bo,O=Acme'] and result.operations == []


def test_anchor_change_rejoins_the_orphaned_contact():
    owned = synced([source(A, 'Anna', 'anna@example.com')])
    result, after = run([source(B, 'Anna', 'anna@example.com')], owned)
    [update] = result.operations
    assert update.kind == 'update' and update.dn == owned[0].dn and 're-joined' in update.reason
    assert update.changes == {'adminDescription': ([MARKER + A], [MARKER + B])}
    rejoined = contact(after, B)
    assert rejoined.dn == owned[0].dn and rejoined.attrs['legacyExchangeDN'] == owned[0].attrs['legacyExchangeDN']


# --- attribute values ---

def test_mapped_field_over_its_limit_is_dropped_with_a_warning_and_the_rest_written():
    result, after = run([source(A, 'Anna', 'anna@example.com', fields={'title': 'T' * 129, 'telephoneNumber': '+1 555'})])
    [op] = result.operations
    assert 'title' not in op.attrs and op.attrs['telephoneNumber'] == ['+1 555'] and op.attrs['mail']
    [warning] = result.warnings
    assert warning['anchor'] == A and warning['attribute'] == 'title' and '128' in warning['reason']
    assert 'title' not in contact(after, A).attrs


def test_mapped_field_at_its_limit_is_written():
    result, _after = run([source(A, 'Anna', 'anna@example.com', fields={'title': 'T' * 128})])
    assert result.operations[0].attrs['title'] == ['T' * 128] and result.warnings == []


def test_proxy_addresses_merge_keeps_values_the_sync_does_not_own():
    [synced_contact] = synced([source(A, 'Anna', 'anna@example.com')])
    foreign_values = ['X500:/o=Acme/ou=First Administrative Group/cn=Recipients/cn=anna', 'smtp:anna@legacy.example.net',
                      'X400:c=US;a= ;p=Acme;o=Exchange;s=Berg;g=Anna;']
    owned = [with_values(synced_contact, proxyAddresses=synced_contact.attrs['proxyAddresses'] + foreign_values + [
        'smtp:anna.berg@example.com', 'smtp:anna@exchange.example.com'])]   # shared and routing domain: owned
    result, after = run([source(A, 'Anna', 'anna.lind@example.com')], owned)
    [update] = result.operations
    assert sorted(contact(after, A).attrs['proxyAddresses']) == sorted(
        foreign_values + ['SMTP:anna.lind@example.com', 'smtp:anna.lind@domino.example.com'])
    assert update.changes['proxyAddresses'][0] == owned[0].attrs['proxyAddresses']


def test_proxy_addresses_an_exchange_added_value_alone_changes_nothing():
    [synced_contact] = synced([source(A, 'Anna', 'anna@example.com')])
    owned = [with_values(synced_contact, proxyAddresses=synced_contact.attrs['proxyAddresses'] + ['X500:/o=Acme/cn=anna'])]
    result, _after = run([source(A, 'Anna', 'anna@example.com')], owned)
    assert result.operations == [] and result.unchanged == 1


def test_address_list_added_by_exchange_is_kept():
    sales = f'CN=Sales,CN=All Address Lists,CN=Address Lists Container,CN=Acme,{CONTACTS_OU}'
    [synced_contact] = synced([source(A, 'Anna', 'anna@example.com')])
    owned = [with_values(synced_contact, showInAddressBook=[ALL_CONTACTS.upper(), sales])]   # GAL missing, one respelt
    result, after = run([source(A, 'Anna', 'anna@example.com')], owned)
    [update] = result.operations
    assert set(update.changes) == {'showInAddressBook'}
    assert sorted(contact(after, A).attrs['showInAddressBook']) == sorted([sales, GAL, ALL_CONTACTS])
    unchanged = plan([source(A, 'Anna', 'anna@example.com')], after.owned(), {}, [], PROFILE)
    assert unchanged.operations == []


def test_alias_taken_by_another_recipient_gets_a_suffix():
    _result, after = run([source(A, 'Jean', 'jean.dupont@example.com', alias='jdupont')], foreign_aliases=['JDupont'])
    assert contact(after, A).attrs['mailNickname'] == ['jdupont-6f1a2b3c']


def test_alias_claimed_by_two_sources_gets_suffixes_on_both():
    _result, after = run([source(A, 'Jo A', 'a@example.com', alias='jo'), source(B, 'Jo B', 'b@example.com', alias='JO')])
    assert contact(after, A).attrs['mailNickname'] == ['jo-6f1a2b3c']
    assert contact(after, B).attrs['mailNickname'] == ['JO-0b9e8d7c']


# --- owned contacts ---

def test_duplicate_owned_contacts_for_one_anchor_keep_one_and_delete_the_rest():
    [original] = synced([source(A, 'Anna', 'anna@example.com')])
    conflict = OwnedContact(PROFILE.dn_for(f'Anna\nCNF:{A.lower()}'), A, dict(original.attrs))   # AD's replication loser
    result, after = run([source(A, 'Anna', 'anna@example.com')], [conflict, original])
    [delete] = result.operations
    assert delete.kind == 'delete' and delete.dn == conflict.dn and 'duplicate' in delete.reason
    assert contact(after, A) == original


def test_contact_moved_into_a_sub_ou_is_renamed_back_into_the_container():
    [original] = synced([source(A, 'Anna', 'anna@example.com')])
    moved = OwnedContact(f'CN=Anna,OU=Sub,{CONTACTS_OU}', A, original.attrs)
    result, after = run([source(A, 'Anna', 'anna@example.com')], [moved])
    [rename] = result.operations
    assert rename.reason == 'moved back into the container' and rename.new_dn == original.dn
    assert contact(after, A).dn == original.dn


def test_contact_of_a_gone_source_is_deleted():
    owned = gone(A, 'Anna', 'anna@example.com') + synced([source(B, 'Bo', 'bo@example.com')])
    result, after = run([source(B, 'Bo', 'bo@example.com')], owned)
    assert [(op.kind, op.anchor, op.reason) for op in result.operations] == [('delete', A, 'source mailbox gone')]
    assert set(after.by_anchor()) == {B}


# --- the deletion guard ---

def population(count: int) -> tuple:
    """``count`` sources and their synced contacts (anchors 0..count-1 as 32 hex)."""
    sources = [source(f'{i:032X}', f'Person {i}', f'p{i}@example.com') for i in range(count)]
    return sources, synced(sources)


def test_guard_blocks_an_empty_source_while_contacts_are_managed():
    _sources, owned = population(3)
    result, after = run([], owned)
    assert 'no mailboxes' in result.blocked and result.writes == []
    assert len(result.of_kind('delete')) == 3                         # still listed, for the report
    assert len(after.contacts) == 3


def test_guard_lets_an_empty_source_pass_on_an_empty_container():
    result, _after = run([])
    assert result.blocked == '' and result.operations == []


@pytest.mark.parametrize('max_deletes, blocked', [(2, True), (3, False)])
def test_guard_blocks_more_deletes_than_max_deletes(max_deletes, blocked):
    sources, owned = population(40)
    result, after = run(sources[3:], owned, limits=Limits(max_deletes=max_deletes))
    assert bool(result.blocked) is blocked and len(result.of_kind('delete')) == 3
    assert len(after.contacts) == (40 if blocked else 37)
    assert result.writes == ([] if blocked else result.operations)


@pytest.mark.parametrize('managed, deletes, blocked', [
    (100, 11, True),      # more than 10 and 11 % > 10 %
    (110, 11, False),     # exactly 10 %: allowed
    (50, 10, False),      # 20 %, but not more than 10 deletes
])
def test_guard_blocks_more_than_ten_deletes_past_the_percentage(managed, deletes, blocked):
    sources, owned = population(managed)
    result, _after = run(sources[deletes:], owned, limits=Limits(max_delete_percent=10))
    assert len(result.of_kind('delete')) == deletes and bool(result.blocked) is blocked
    if blocked:
        assert 'max_delete_percent' in result.blocked and result.writes == [] and result.operations


def test_blocked_plan_writes_nothing_but_lists_every_operation():
    sources, owned = population(3)
    result, after = run(sources[1:] + [source(A, 'New', 'new@example.com')], owned, limits=Limits(max_deletes=0))
    assert result.blocked and result.writes == []
    assert kinds(result) == ['delete', 'create']
    assert len(after.applied) == 0


# --- the guards on mass rewrites (issue 12, item 6) ---

def renamed_all(sources):
    """Every source's display name rewritten (a name format changed at the source)."""
    return [dataclasses.replace(s, display_name=f'{s.display_name} (Sales)') for s in sources]


def readdressed_all(sources):
    """Every source's address rewritten (a half-read or misconfigured source)."""
    return [dataclasses.replace(s, mail=s.mail.replace('@example.com', '@example.org')) for s in sources]


@pytest.mark.parametrize('rewrite, limit, label', [
    (renamed_all, 'max_renames', 'max_renames (29)'),
    (readdressed_all, 'max_address_changes', 'max_address_changes (29)'),
])
def test_mass_rewrites_past_their_count_write_nothing(rewrite, limit, label):
    sources, owned = population(30)
    percent = limit.replace('changes', 'change').replace('renames', 'rename') + '_percent'
    result, after = run(rewrite(sources), owned, limits=Limits(**{limit: 29, percent: 100}))
    assert label in result.blocked and 'nothing was written' in result.blocked
    assert result.writes == [] and len(after.applied) == 0
    assert len(result.operations) >= 30                                 # still listed, for the report
    allowed, _after = run(rewrite(sources), owned, limits=Limits(**{limit: 30, percent: 100}))
    assert allowed.blocked == ''


@pytest.mark.parametrize('rewrite, label', [(renamed_all, 'max_rename_percent'),
                                            (readdressed_all, 'max_address_change_percent')])
@pytest.mark.parametrize('managed, changed, blocked', [(100, 11, True), (110, 11, False), (50, 10, False)])
def test_mass_rewrites_past_their_percentage_write_nothing(rewrite, label, managed, changed, blocked):
    sources, owned = population(managed)
    result, after = run(rewrite(sources[:changed]) + sources[changed:], owned)       # the defaults: 500, 10 %
    assert bool(result.blocked) is blocked
    if blocked:
        assert label in result.blocked and result.writes == [] and len(after.applied) == 0


def test_updates_that_keep_the_addresses_are_not_address_changes():
    sources, owned = population(30)
    retitled = [dataclasses.replace(s, given_name='Changed') for s in sources]
    result, _after = run(retitled, owned, limits=Limits(max_address_changes=0, max_renames=0))
    assert len(result.of_kind('update')) == 30 and result.blocked == ''


# --- ownership carries the source's identity (issue 12, item 4) ---

def test_identity_less_markers_are_adopted_once_and_rewritten_with_the_identity():
    sources = [source(A, 'Anna', 'anna@example.com'), source(B, 'Bo', 'bo@example.com')]
    legacy = synced(sources)                                   # written by 0.1: prefix + anchor
    assert contact_marker(legacy[0]) == f'{MARKER}{legacy[0].anchor}'
    mine = ad_profile(identity='domino1.example.com')
    result = plan(sources, legacy, {}, (), mine)
    assert kinds(result) == ['update', 'update']
    assert all(set(op.changes) == {'adminDescription'} for op in result.operations)
    after = Container(mine, legacy).run(result.writes)
    assert sorted(contact_marker(c) for c in after.owned()) == sorted(
        f'{MARKER}domino1.example.com:person:{anchor}' for anchor in (A, B))
    assert plan(sources, after.owned(), {}, (), mine).operations == []          # once


def test_a_contact_of_another_identity_is_never_this_syncs():
    mine, theirs = ad_profile(identity='domino1.example.com'), ad_profile(identity='domino-test.example.com')
    value = theirs.marker(A)['adminDescription'][0]
    assert mine.anchor_of(value) == '' and theirs.anchor_of(value) == A
    assert mine.anchor_of(f'{MARKER}{A}') == A                 # identity-less: adopted


def contact_marker(contact) -> str:
    return contact.attrs['adminDescription'][0]


# --- per-operation switches ---

@pytest.mark.parametrize('kind, count', [('create', 1), ('update', 2), ('rename', 1), ('delete', 1)])
def test_switched_off_operations_move_to_suppressed(kind, count):
    owned = synced([source(A, 'Anna', 'anna@example.com'), source(B, 'Bo', 'bo@example.com'),
                    source(C, 'Cy', 'cy@example.com')])
    sources = [source(A, 'Anna', 'anna.lind@example.com'),         # update A
               source(B, 'Bob', 'bo@example.com'),                 # update and rename B
               source(D, 'Di', 'di@example.com')]                  # create D; C is gone: delete C
    result, _after = run(sources, owned, limits=Limits(**{f'allow_{kind}': False}))
    assert [op.kind for op in result.suppressed] == [kind] * count
    assert kind not in kinds(result) and len(result.operations) == 5 - count


def test_with_deletes_off_a_create_does_not_take_the_name_of_the_contact_left_in_place():
    # Shrunk from a property run: the undeleted contact still held 'Anna', and AD refused the add.
    owned = gone(A, 'Anna', 'anna@example.com')
    result, after = run([source(B, 'Anna', 'anna.new@example.com')], owned, limits=Limits(allow_delete=False))
    assert [op.kind for op in result.suppressed] == ['delete']
    assert name(contact(after, B)) == 'Anna (0b9e8d7c)' and name(contact(after, A)) == 'Anna'


def test_with_renames_off_a_create_does_not_take_the_name_of_a_contact_not_renamed():
    owned = synced([source(A, 'Anna', 'anna@example.com')])
    result, after = run([source(A, 'Anna Lind', 'anna@example.com'), source(B, 'Anna', 'b@example.com')], owned,
                        limits=Limits(allow_rename=False))
    assert [op.kind for op in result.suppressed] == ['rename']
    assert name(contact(after, A)) == 'Anna' and name(contact(after, B)) == 'Anna (0b9e8d7c)'


def test_an_address_claimed_once_holds_its_source_not_a_list():
    """Issue 17: every address a source wants had a list of its claimants (two or three lists per
    source, about 17 MB at 100,000); the run now keeps the source itself unless several claim it,
    with the same outcome (the conflict names the other claimant)."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import plan as _plan
    sources = [source(A, 'Anna', 'x@example.com'), source(B, 'Bo', 'X@example.com'), source(C, 'Cy', 'c@example.com')]
    state = _plan._Run(sources=sources, owned=[], foreign_addresses={}, foreign_names=[], foreign_aliases=[],
                       mailbox_addresses=None, profile=PROFILE, limits=Limits())
    _plan._sort_out_sources(state)
    assert sorted(s.anchor for s in state.claims['x@example.com']) == sorted([A, B])
    assert state.claims['c@example.com'] is sources[2]
    assert [c['reason'] for c in state.result.conflicts if c['anchor'] == A] == \
        [f'x@example.com is also claimed by {sources[1].dn}']


def test_the_addresses_a_source_wants_are_a_tuple_mail_first():
    """Issue 17: ``wants`` held a list per source until the plan ended; a tuple now, in the same
    order (the mail first: the address a conflict reports)."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import plan as _plan
    sources = [source(A, 'Anna', 'zz@example.com'), source(C, 'Cy', 'c@example.com')]
    state = _plan._Run(sources=sources, owned=[], foreign_addresses={}, foreign_names=[], foreign_aliases=[],
                       mailbox_addresses=None, profile=PROFILE, limits=Limits())
    _plan._sort_out_sources(state)
    assert all(isinstance(wanted, tuple) for wanted in state.wants.values())     # not a list
    assert state.wants[A][0] == 'zz@example.com' and list(state.wants[A][1:]) == sorted(state.wants[A][1:])
