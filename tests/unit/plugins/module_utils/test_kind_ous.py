"""An OU per kind of recipient (issue 18, ad_contact_sync ``kind_ous``): where the AD profile places
each kind, that names stay unique across every OU, that a contact in another kind's OU is moved
by a rename the guard counts, that a deleted contact has the kind of its OU when only that kind
lives there, and (property) that the kind decides the parent of a contact's DN and nothing else.

Pure logic: the planner against the in-memory model of AD (plan_simulator), no directory."""
from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions import domino_to_exchange as d2e
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.base import SetupError, kind_counts
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import report as _report
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    RECIPIENT_KINDS, Limits, SourceRecord, guard_counts, plan)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report_html import render_html

from plan_simulator import CONTACTS_OU, Container, ad_profile
from test_plan_properties import examples, scenarios

# One kind's OU inside the contacts OU (read with it), one outside (read on its own); person and
# mailin share the contacts OU.
GROUPS_OU = f'OU=Groups,{CONTACTS_OU}'
RESOURCES_OU = 'OU=Domino Resources,DC=corp,DC=example,DC=com'
PROFILE = ad_profile(kind_ous=(('group', GROUPS_OU), ('resource', RESOURCES_OU)))
ONE_OU = ad_profile()
# The guards wide open: moves are renames, and these tests are about where contacts go.
OPEN = Limits(max_deletes=10 ** 6, max_delete_percent=100.0, max_renames=10 ** 6, max_rename_percent=100.0,
              max_address_changes=10 ** 6, max_address_change_percent=100.0)


def a(n: int) -> str:
    """The anchor of source n: its first eight characters differ from every other's."""
    return f'{n:08X}' + '0' * 24


def record(n, kind, name=None, **extra) -> SourceRecord:
    return SourceRecord(anchor=a(n), dn=f'cn=Source {n},o=Acme', display_name=name or f'Source {n}',
                        mail=f's{n}@example.com', alias=f's{n}', kind=kind, **extra)


def parent(dn: str) -> str:
    return dn.split(',', 1)[1]


def test_the_profile_places_each_kind_in_its_ou():
    assert PROFILE.dn_for('Sales', 'group') == f'CN=Sales,{GROUPS_OU}'
    assert PROFILE.dn_for('Room 1', 'resource') == f'CN=Room 1,{RESOURCES_OU}'
    assert PROFILE.dn_for('Anna', 'person') == PROFILE.dn_for('Helpdesk', 'mailin').replace('Helpdesk', 'Anna') \
        == f'CN=Anna,{CONTACTS_OU}'
    assert PROFILE.containers == (CONTACTS_OU, GROUPS_OU, RESOURCES_OU)
    assert PROFILE.read_bases == (CONTACTS_OU, RESOURCES_OU)        # the groups' OU is read with the contacts OU
    assert PROFILE.kind_of_parent(f'CN=x,{RESOURCES_OU}') == 'resource'
    assert PROFILE.kind_of_parent(f'CN=x,{GROUPS_OU.lower()}') == 'group'
    assert PROFILE.kind_of_parent(f'CN=x,{CONTACTS_OU}') == ''        # person and mailin share it
    assert PROFILE.kind_of_parent(f'CN=x,OU=Moved,{RESOURCES_OU}') == ''
    assert PROFILE.is_inside(f'CN=x,{RESOURCES_OU}') and not PROFILE.is_inside('CN=x,DC=corp,DC=example,DC=com')
    # Without kind_ous: one OU, as before.
    assert ONE_OU.containers == ONE_OU.read_bases == (CONTACTS_OU,) and ONE_OU.kind_of_parent(f'CN=x,{CONTACTS_OU}') == ''


def test_creates_go_to_the_ou_of_their_kind_and_names_stay_unique_across_ous():
    sources = [record(1, 'person', 'Team Alpha'), record(2, 'group', 'Team Alpha'), record(3, 'resource', 'Room One'),
               record(4, 'mailin', 'Helpdesk'), record(5, 'group', 'Board')]
    # A foreign object named Room One directly in the contacts OU: AD would let a contact of that
    # name into the resources' OU; the planner keeps it from every OU (conservative).
    result = plan(sources, [], {}, ['Room One'], PROFILE)
    made = {op.anchor: op.dn for op in result.of_kind('create')}
    assert made[a(1)] == f'CN=Team Alpha ({1:08x}),{CONTACTS_OU}'
    assert made[a(2)] == f'CN=Team Alpha ({2:08x}),{GROUPS_OU}'
    assert made[a(3)] == f'CN=Room One ({3:08x}),{RESOURCES_OU}'
    assert made[a(4)] == f'CN=Helpdesk,{CONTACTS_OU}' and made[a(5)] == f'CN=Board,{GROUPS_OU}'
    # The fallback name of a create (taken after all) stays in its kind's OU.
    assert all(parent(op.fallback_dn) == parent(op.dn) for op in result.of_kind('create'))
    Container(PROFILE, [], ['Room One']).run(result.writes)     # AD's rules hold at every step


def test_a_contact_in_another_kinds_ou_is_moved_by_a_rename_the_guard_counts():
    sources = [record(1, 'person'), record(2, 'group'), record(3, 'resource'), record(4, 'mailin')]
    # Synced before the kinds had OUs of their own: all four in the contacts OU.
    owned = Container(ONE_OU).run(plan(sources, [], {}, [], ONE_OU).writes).owned()
    assert {parent(c.dn) for c in owned} == {CONTACTS_OU}
    result = plan(sources, owned, {}, [], PROFILE, OPEN)
    moves = {op.anchor: op for op in result.of_kind('rename')}
    assert set(moves) == {a(2), a(3)} and not result.of_kind('update') and not result.of_kind('create')
    assert moves[a(2)].new_dn == f'CN=Source 2,{GROUPS_OU}'
    assert moves[a(2)].reason == 'moved to the OU of its kind (group)'
    assert moves[a(3)].new_dn == f'CN=Source 3,{RESOURCES_OU}' and moves[a(3)].recipient_kind == 'resource'
    assert guard_counts(result)['renames'] == 2
    moved = Container(PROFILE, owned).run(result.writes)
    assert sorted(parent(c.dn) for c in moved.owned()) == sorted([CONTACTS_OU, GROUPS_OU, RESOURCES_OU, CONTACTS_OU])
    assert plan(sources, moved.owned(), {}, [], PROFILE).operations == []        # then nothing to do
    # The rename guard stops a mass move like any mass rename.
    assert 'max_renames' in plan(sources, owned, {}, [], PROFILE, Limits(max_renames=1)).blocked
    # A source that changed kind (a resource made a mail-in database) goes back to the contacts OU,
    # renamed in the same move when its name changed too.
    changed = [sources[0], sources[1], record(3, 'mailin', 'Source 3 Desk'), sources[3]]
    back = plan(changed, moved.owned(), {}, [], PROFILE, OPEN)
    assert [(op.kind, op.new_dn, op.reason) for op in back.of_kind('rename')] == [
        ('rename', f'CN=Source 3 Desk,{CONTACTS_OU}', 'moved to the OU of its kind (mailin), name changed')]
    # One in an OU no kind names (a kind's OU before the setting changed, or a sub-OU someone
    # moved it to) goes to its kind's.
    strayed = [dataclasses.replace(c, dn=f'CN=Source 1,OU=Moved,{CONTACTS_OU}') if c.anchor == a(1) else c
               for c in moved.owned()]
    assert [(op.new_dn, op.reason) for op in plan(sources, strayed, {}, [], PROFILE).operations] == [
        (f'CN=Source 1,{CONTACTS_OU}', 'moved to the OU of its kind (person)')]


def test_a_deleted_contact_has_the_kind_of_its_ou():
    sources = [record(1, 'person'), record(2, 'group'), record(3, 'resource'), record(4, 'mailin')]
    owned = Container(PROFILE).run(plan(sources, [], {}, [], PROFILE).writes).owned()
    gone = plan([], owned, {}, [], PROFILE, OPEN)
    # The source read returned nothing at all: the guard's empty-source rule; the labels are there.
    kinds = {op.anchor: op.recipient_kind for op in gone.of_kind('delete')}
    assert kinds == {a(1): '', a(2): 'group', a(3): 'resource', a(4): ''}
    # Kinds switched off (only persons read): the group and the resource deleted with their kinds.
    off = plan([sources[0], sources[3]], owned, {}, [], PROFILE, OPEN)
    assert [(op.kind, op.recipient_kind) for op in off.operations] == [('delete', 'group'), ('delete', 'resource')]
    report = _report.build_report('domino_to_exchange', off, None, check_mode=True,
                                  source={'directory': 'domino', 'kinds': kind_counts(sources[:1], ('person',))},
                                  target={'directory': 'ad'}, limits={'max_deletes': 500, 'max_delete_percent': 10.0})
    assert [op['recipient_kind'] for op in report['operations']] == ['group', 'resource']
    rows = json.loads(render_html([report]).split('<script type="application/json" id="coexist-rows">', 1)[1]
                      .split('</script>', 1)[0])
    assert [r['kind'] for r in rows['domino_to_exchange-delete']] == ['group', 'resource']
    # One OU for every kind: nothing tells the kind of a contact whose source is gone.
    one = Container(ONE_OU).run(plan(sources, [], {}, [], ONE_OU).writes).owned()
    assert {op.recipient_kind for op in plan(sources[:1], one, {}, [], ONE_OU, OPEN).operations} == {''}


def _final(container: Container) -> dict:
    """(anchor, name) -> (parent key, attributes) of the contacts a plan left."""
    profile = container.profile
    return {(c.anchor, profile.rdn_value(c.dn)): (profile.parent_key(c.dn), json.dumps(c.attrs, sort_keys=True))
            for c in container.owned()}


@settings(max_examples=examples(150))
@given(scenarios(), st.lists(st.sampled_from(RECIPIENT_KINDS), min_size=1, max_size=12))
def test_with_an_ou_per_kind_the_kind_decides_the_parent_and_nothing_else(scenario, kinds):
    """Property, mixed kinds and an OU per kind: the plan, run against the model of AD (which
    refuses what AD refuses at every step), leaves the same contacts with the same names and
    attributes, the same conflicts and skips, as the plan of the same sources all people in one
    OU; only the parent of each written contact follows its kind. A contact not written (its
    source invalid or in conflict, or a switched-off delete leaves it) stays where it was."""
    scenario = dataclasses.replace(scenario, limits=dataclasses.replace(
        OPEN, **{f'allow_{k}': getattr(scenario.limits, f'allow_{k}') for k in ('create', 'update', 'rename', 'delete')}))
    mixed = [dataclasses.replace(s, kind=kinds[i % len(kinds)]) for i, s in enumerate(scenario.sources)]
    kind_of = {s.anchor: s.kind for s in mixed}
    people = scenario.plan()
    result = dataclasses.replace(scenario, profile=PROFILE).plan(sources=mixed)

    def unlabelled(items):
        return json.dumps([{k: v for k, v in item.items() if k != 'recipient_kind'} for item in items], sort_keys=True)
    assert unlabelled(result.conflicts) == unlabelled(people.conflicts)
    assert unlabelled(result.skips) == unlabelled(people.skips)
    after_people = _final(Container(scenario.profile, scenario.owned, scenario.foreign_names).run(people.writes))
    after = _final(Container(PROFILE, scenario.owned, scenario.foreign_names).run(result.writes))
    assert after.keys() == after_people.keys()
    # Not written this run, so not moved either: a contact kept as it is (its source invalid or in
    # conflict), one a switched-off delete leaves.
    left = {c['anchor'] for c in result.conflicts + result.skips}
    left |= {(op.anchor, PROFILE.rdn_value(op.dn)) for op in result.suppressed if op.kind == 'delete'}
    for (anchor, name), (place, attrs) in after.items():
        assert attrs == after_people[(anchor, name)][1], anchor
        if anchor in left or (anchor, name) in left:
            assert place == after_people[(anchor, name)][0], anchor
        elif anchor in kind_of and scenario.limits.allow_rename:
            assert place == PROFILE.parent_key(PROFILE.dn_for('x', kind_of[anchor])), (anchor, kind_of[anchor])


# --- the reads and the preflight, against a synthesized directory (a stand-in client) ---

MARKED = 'coexist.domino_exchange:'


class Tree:
    """Synthesized: a directory as a list of entries, searched by base and scope (no filter)."""

    def __init__(self, entries, existing=()):
        self.entries = entries
        self.existing = {e.dn.lower() for e in entries} | {dn.lower() for dn in existing}
        self.bases = []
        self.settings = type('Settings', (), {'where': 'ldap://dc.example.com'})()

    def search(self, base, filterstr='(objectClass=*)', attrs=None, scope='subtree', **_kw):
        self.bases.append(base)
        for entry in self.entries:
            if entry.dn.lower().endswith(',' + base.lower()) or not base:
                yield entry

    def exists(self, dn):
        return dn.lower() in self.existing

    def root_dse(self):
        return type('Read', (), {'entry': Entry('', {'defaultNamingContext': ['DC=corp,DC=example,DC=com'],
                                                     'configurationNamingContext': ['CN=Configuration,DC=x']})})()


def contact(name, ou, anchor='', **extra) -> Entry:
    values = {'objectClass': ['top', 'person', 'organizationalPerson', 'contact'], 'cn': [name], **extra}
    if anchor:
        values['adminDescription'] = [MARKED + anchor]
    return Entry(f'CN={name},{ou}', values)


def test_every_ou_is_read_once_and_blocks_its_direct_childrens_names():
    tree = Tree([Entry(GROUPS_OU, {'objectClass': ['organizationalUnit']}),
                 contact('Anna', CONTACTS_OU, a(1)), contact('Board', GROUPS_OU, a(2)),
                 contact('Room 1', RESOURCES_OU, a(3)), contact('Printer', RESOURCES_OU),     # a foreign contact
                 contact('Deep', f'OU=Sub,{RESOURCES_OU}')])
    read = ad.read_container(tree, PROFILE, [])
    assert tree.bases == [CONTACTS_OU, RESOURCES_OU]                 # the groups' OU is under the contacts OU
    assert sorted(c.anchor for c in read.owned) == [a(1), a(2), a(3)]
    # Names directly in any OU a contact can go to are blocked; one in a sub-OU is not; the
    # groups' OU object itself is a child of the contacts OU (AD keeps RDN values unique there).
    assert sorted(read.foreign_names) == ['Groups', 'Printer']


def test_the_address_read_and_the_marker_check_take_every_ou_as_inside():
    mail = {'mail': ['room1@example.com'], 'mailNickname': ['room1'], 'targetAddress': ['SMTP:room1@d.example.com']}
    tree = Tree([contact('Room 1', RESOURCES_OU, a(3), **mail),
                 contact('Lost', 'OU=Elsewhere,DC=corp,DC=example,DC=com', a(4))])
    forest = ad.read_address_index(tree, 'DC=corp,DC=example,DC=com', PROFILE)
    assert [dn for _g, dn, *_rest in forest.in_container] == [f'CN=Room 1,{RESOURCES_OU}']
    assert forest.index.marked_outside == ['CN=Lost,OU=Elsewhere,DC=corp,DC=example,DC=com']
    # with a Global Catalog: the OUs' read looks for the marker in the domain (issue 17)
    assert ad.read_container(tree, PROFILE, [], domain='DC=corp,DC=example,DC=com').marked_outside == \
        ['CN=Lost,OU=Elsewhere,DC=corp,DC=example,DC=com']


def test_a_kinds_ou_that_does_not_exist_stops_the_run_before_anything_is_read_or_written():
    options = d2e.DominoToExchangeOptions(ad={'contacts_ou': CONTACTS_OU}, shared_domain='example.com',
                                          kind_ous={'group': GROUPS_OU, 'resource': None})
    assert options.ous_of_kinds() == (('group', GROUPS_OU),)
    tree = Tree([], existing=[CONTACTS_OU])
    with pytest.raises(SetupError, match=f'The OU of the kind group \\(kind_ous\\) {GROUPS_OU} does not exist'):
        d2e.preflight(tree, options, d2e.check(options))
    assert tree.bases == []                                           # nothing read, nothing written
    with pytest.raises(SetupError, match='not a DN'):
        d2e.check(dataclasses.replace(options, kind_ous={'group': 'no equals sign'}))
    with pytest.raises(SetupError, match='shelf, not a kind'):
        d2e.check(dataclasses.replace(options, kind_ous={'shelf': GROUPS_OU}))


def test_the_marker_outside_every_ou_names_every_ou_and_the_likely_cause():
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.prepare import outside_message
    stray = ['CN=Room 1,OU=Old Rooms,DC=corp,DC=example,DC=com']
    message = outside_message(stray, PROFILE)
    assert f'outside {CONTACTS_OU} and {RESOURCES_OU}, e.g. {stray[0]}' in message
    assert 'that kind_ous no longer names' in message and 'Nothing was written' in message
    # One OU: the message as before, without the kind_ous sentence.
    assert 'kind_ous' not in outside_message(stray, ONE_OU) and f'outside {CONTACTS_OU},' in outside_message(stray, ONE_OU)
