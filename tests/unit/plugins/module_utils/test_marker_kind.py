"""The ownership marker names the kind of recipient (issue 18): what it writes and reads, that a
deleted contact in an OU several kinds share (the default) is reported with its kind, that markers
from before the kind rewrite nothing by themselves and gain the kind with the next write, that a
marker naming another kind is rewritten, and that AD's compact read of a contact still holds no
copy of the marker.

Pure logic: the planner against the in-memory model of the target (plan_simulator), no directory."""
from __future__ import annotations

import json

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad as _ad
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.base import kind_counts
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import plan as _plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import report as _report
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.marker import (
    ADOPT, NOT_A_MARKER, OTHER, OWN, Marker)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Limits, SourceRecord, plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report_html import render_html

from plan_simulator import CONTACTS_OU, Container, ad_profile, domino_profile

PREFIX = 'coexist.domino_exchange:'
ANCHOR = '6F1A2B3C4D5E6F708192A3B4C5D6E7F8'
IDENTITY = 'domino1.example.com'
OPEN = Limits(max_deletes=10 ** 6, max_delete_percent=100.0, max_renames=10 ** 6, max_rename_percent=100.0,
              max_address_changes=10 ** 6, max_address_change_percent=100.0)


def a(n: int) -> str:
    return f'{n:08X}' + '0' * 24


def record(n, kind, **extra) -> SourceRecord:
    values = dict(anchor=a(n), dn=f'cn=Source {n},o=Acme', display_name=f'Source {n}', mail=f's{n}@example.com',
                  alias=f's{n}', kind=kind)
    values.update(extra)
    return SourceRecord(**values)


SOURCES = [record(1, 'person'), record(2, 'group'), record(3, 'resource'), record(4, 'mailin')]


# --- the value ---

@pytest.mark.parametrize('value, expected', [
    (f'{PREFIX}{IDENTITY}:group:{ANCHOR}', (ANCHOR, OWN, IDENTITY, 'group')),
    (f'{PREFIX}{IDENTITY}:{ANCHOR}', (ANCHOR, OWN, IDENTITY, '')),                 # from before the kind
    (f'{PREFIX}{ANCHOR}', (ANCHOR, ADOPT, '', '')),                                # 0.1: no identity
    (f'{PREFIX}other.example.com:group:{ANCHOR}', (ANCHOR, OTHER, 'other.example.com', 'group')),
    (f'{PREFIX}other.example.com:{ANCHOR}', (ANCHOR, OTHER, 'other.example.com', '')),
    (f'{PREFIX}{IDENTITY}:Group:{ANCHOR}', ('Group:' + ANCHOR, OWN, IDENTITY, '')),  # not a kind: no guess
    (f'someone.else:{IDENTITY}:group:{ANCHOR}', tuple(NOT_A_MARKER)),
])
def test_what_a_marker_value_says(value, expected):
    assert tuple(Marker(PREFIX, IDENTITY).read(value)) == expected


def test_the_marker_written_carries_the_kind_only_with_an_identity():
    assert Marker(PREFIX, IDENTITY).value(ANCHOR, 'resource') == f'{PREFIX}{IDENTITY}:resource:{ANCHOR}'
    assert Marker(PREFIX, IDENTITY).value(ANCHOR) == f'{PREFIX}{IDENTITY}:{ANCHOR}'
    # without an identity the sync writes the 0.1 marker, which has no room for a kind
    assert Marker(PREFIX).value(ANCHOR, 'group') == f'{PREFIX}{ANCHOR}'
    # each value reads back as what was written
    for kind in _plan.RECIPIENT_KINDS:
        found = Marker(PREFIX, IDENTITY).read(Marker(PREFIX, IDENTITY).value(ANCHOR, kind))
        assert (found.anchor, found.state, found.kind) == (ANCHOR, OWN, kind)


def test_another_syncs_marker_with_a_kind_is_never_this_syncs():
    theirs = Marker(PREFIX, 'domino-test.example.com').value(ANCHOR, 'group')
    assert Marker(PREFIX, IDENTITY).anchor_of(theirs) == ''
    assert Marker(PREFIX).anchor_of(theirs) == ''             # nor an identity-less sync's
    # The identity-less 0.1 reading of it (before identities, every colon was the anchor's) is not
    # this sync's either: the identity part does not match.
    assert Marker(PREFIX, f'{IDENTITY}:group').anchor_of(f'{PREFIX}{IDENTITY}:{ANCHOR}') == ''


# --- the kind of a deleted contact ---

@pytest.mark.parametrize('make_profile', [ad_profile, domino_profile], ids=['ad', 'domino'])
def test_a_deleted_contact_in_an_ou_every_kind_shares_has_the_kind_its_marker_names(make_profile):
    profile = make_profile(identity=IDENTITY)
    owned = Container(profile).run(plan(SOURCES, [], {}, [], profile).writes).owned()
    assert sorted(c.kind for c in owned) == ['group', 'mailin', 'person', 'resource']
    gone = plan(SOURCES[:1], owned, {}, [], profile, OPEN)
    assert [(op.kind, op.anchor, op.recipient_kind) for op in gone.operations] == [
        ('delete', a(2), 'group'), ('delete', a(3), 'resource'), ('delete', a(4), 'mailin')]
    report = _report.build_report('domino_to_exchange', gone, None, check_mode=True,
                                  source={'directory': 'domino', 'kinds': kind_counts(SOURCES[:1], ('person',))},
                                  target={'directory': 'ad'}, limits={'max_deletes': 500, 'max_delete_percent': 10.0})
    assert [op['recipient_kind'] for op in report['operations']] == ['group', 'resource', 'mailin']
    rows = json.loads(render_html([report]).split('<script type="application/json" id="coexist-rows">', 1)[1]
                      .split('</script>', 1)[0])
    assert [r['kind'] for r in rows['domino_to_exchange-delete']] == ['group', 'resource', 'mailin']


# --- markers from before the kind ---

def _without_kinds(profile, owned: list) -> list:
    """The owned contacts as a version from before the kind wrote them: <prefix><identity>:<anchor>."""
    attribute = profile.marker_attribute
    return [_plan.OwnedContact(c.dn, c.anchor, dict(c.attrs, **{attribute: [profile.ownership.value(c.anchor)]}),
                               c.object_id) for c in owned]


@pytest.mark.parametrize('make_profile', [ad_profile, domino_profile], ids=['ad', 'domino'])
def test_markers_from_before_the_kind_rewrite_nothing_until_the_contact_is_written_anyway(make_profile):
    profile = make_profile(identity=IDENTITY)
    synced = Container(profile).run(plan(SOURCES, [], {}, [], profile).writes).owned()
    older = _without_kinds(profile, synced)
    assert {c.kind for c in older} == {''}
    # an upgrade alone: nothing to write (a rewrite of every marker would be a mass update)
    assert plan(SOURCES, older, {}, [], profile).operations == []
    # a change the contact gets anyway carries the marker with the kind along
    retitled = [SOURCES[0], record(2, 'group', fields={'title': 'Sales team'})] + SOURCES[2:]
    container = Container(profile, older)
    result = plan(retitled, older, {}, [], profile)
    (update,) = result.operations
    marker = profile.marker_attribute
    assert update.kind == 'update' and update.changes[marker] == (
        [f'{PREFIX}{IDENTITY}:{a(2)}'], [f'{PREFIX}{IDENTITY}:group:{a(2)}'])
    after = container.run(result.writes).owned()
    assert {c.anchor: c.kind for c in after} == {a(1): '', a(2): 'group', a(3): '', a(4): ''}
    assert plan(retitled, after, {}, [], profile).operations == []
    # gone while its marker has no kind: the report falls back to the OU's kind, here none
    deleted = plan([], after, {}, [], profile, OPEN)
    assert {op.anchor: op.recipient_kind for op in deleted.of_kind('delete')} == {
        a(1): '', a(2): 'group', a(3): '', a(4): ''}


def test_a_marker_naming_another_kind_is_rewritten():
    profile = ad_profile(identity=IDENTITY)
    synced = Container(profile).run(plan(SOURCES, [], {}, [], profile).writes).owned()
    # The resource's source is now a person's mailbox document under the same anchor.
    changed = SOURCES[:2] + [record(3, 'person')] + SOURCES[3:]
    (update,) = plan(changed, synced, {}, [], profile).operations
    assert update.kind == 'update' and update.changes == {
        'adminDescription': ([f'{PREFIX}{IDENTITY}:resource:{a(3)}'], [f'{PREFIX}{IDENTITY}:person:{a(3)}'])}


def test_an_identity_less_marker_is_adopted_with_the_kind():
    legacy_profile, profile = ad_profile(), ad_profile(identity=IDENTITY)
    legacy = Container(legacy_profile).run(plan(SOURCES, [], {}, [], legacy_profile).writes).owned()
    result = plan(SOURCES, legacy, {}, [], profile)
    assert sorted(op.changes['adminDescription'][1][0] for op in result.operations) == sorted(
        f'{PREFIX}{IDENTITY}:{s.kind}:{s.anchor}' for s in SOURCES)


# --- AD's compact read ---

def test_ads_read_of_a_contact_holds_its_kind_and_no_copy_of_a_marker_it_can_make():
    profile = ad_profile(identity=IDENTITY)
    layout = _plan.AttributeLayout(_ad.MANAGED + [profile.marker_attribute], derived=_ad._derived_rules(profile))
    contents = _plan.ContainerContents([], [], [])
    contact = ['top', 'person', 'organizationalPerson', 'contact']
    for name, marker in (('Kind', f'{PREFIX}{IDENTITY}:group:{ANCHOR}'), ('Older', f'{PREFIX}{IDENTITY}:{ANCHOR}')):
        entry = Entry(f'CN={name},{CONTACTS_OU}', {'objectClass': contact, 'mail': ['g@example.com'],
                                                   'adminDescription': [marker]})
        _ad._take_from_container(entry, contents, profile, layout, profile.container_keys())
    kinded, older = contents.owned
    assert (kinded.anchor, kinded.kind, older.anchor, older.kind) == (ANCHOR, 'group', ANCHOR, '')
    assert kinded.attrs['adminDescription'] == [f'{PREFIX}{IDENTITY}:group:{ANCHOR}']
    assert older.attrs['adminDescription'] == [f'{PREFIX}{IDENTITY}:{ANCHOR}']
    marker_at = layout.index[profile.marker_attribute]
    assert kinded.attrs._values[marker_at] is _plan.DERIVED and older.attrs._values[marker_at] is _plan.DERIVED
