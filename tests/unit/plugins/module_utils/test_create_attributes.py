"""A planned create's attributes are made when they are read, not held (issue 17: a first run held
every create's attributes, about 3 KB each, until the module exited). What the applier adds,
what report.json says and what ``--diff`` shows must still be exactly the add the planner
decided: for every kind of recipient, on both targets, names and aliases suffixed where they
collide, a value over the target's limit left out, and the add retried under its fallback name.

Pure logic: the planner, the applier with a recording directory, the report; no LDAP."""
from __future__ import annotations

import gc
import json

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import Ownership, apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    RECIPIENT_KINDS, Limits, SourceRecord, plan)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report import (
    build_report, diff, write_report)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.run import GUARD_LIMITS

from plan_simulator import CONTACTS_OU, ad_profile, domino_profile

GROUPS_OU = f'OU=Groups,{CONTACTS_OU}'
RESOURCES_OU = 'OU=Domino Resources,DC=corp,DC=example,DC=com'
AD = ad_profile(kind_ous=(('group', GROUPS_OU), ('resource', RESOURCES_OU)), identity='domino1.example.com')
DOMINO = domino_profile(identity='corp.example.com')
LIMITS = {name: getattr(Limits(), name) for name in GUARD_LIMITS}


def anchor(n: int) -> str:
    return f'{n:08X}' + 'A' * 24


def sources() -> list:
    """Two sources of each kind; 1 and 2 share a display name, 3 and 4 an alias (AD suffixes
    both), 5's title is over AD's 128 characters (left out of its add, with a warning)."""
    found = []
    for n in range(1, 9):
        kind = RECIPIENT_KINDS[(n - 1) % len(RECIPIENT_KINDS)]
        found.append(SourceRecord(
            anchor=anchor(n), dn=f'cn=Source {n},o=Acme', display_name='Team Alpha' if n <= 2 else f'Source {n}',
            mail=f's{n}@example.com', given_name=f'Given{n}' if n % 2 else '', surname=f'Sur{n}',
            alias='shared' if n in (3, 4) else f's{n}', kind=kind,
            fields={'title': 'T' * 129 if n == 5 else f'Title {n}', 'telephoneNumber': '' if n == 6 else f'+1 555 {n}',
                    'telephonenumber': '' if n == 6 else f'+1 555 {n}'}))
    return found


def eager(profile, source: SourceRecord, name: str, alias: str) -> dict:
    """The add as the planner built and held it before (engine/plan.py _compare until issue 17's
    change): the desired values within the target's limits, what only an add writes, the
    marker, the name; no empty attribute."""
    limits = profile.limits()
    attrs = {a: v for a, v in profile.desired(source, alias).items()
             if not (a in limits and any(len(value) > limits[a] for value in v))}
    attrs.update(profile.on_create(source))
    attrs.update(profile.marker(source.anchor, source.kind))
    attrs[profile.rdn_attribute] = [name]
    return {a: v for a, v in attrs.items() if v}


class RecordingDirectory:
    """Records each add, in order; ``taken`` DNs are refused as held by another object."""

    def __init__(self, taken=()):
        self.adds = []
        self.taken = {dn.lower() for dn in taken}

    def add(self, dn, attrs):
        if dn.lower() in self.taken:
            raise DirectoryError(f'{dn} already exists', kind='already_exists', dn=dn)
        self.adds.append((dn, list(attrs.items())))

    def search(self, base, filterstr, attrs, scope='subtree'):
        if base.lower() not in self.taken:
            raise DirectoryError('no such object', kind='no_such_object')
        return [Entry(base, {'cn': ['someone else']})]


def expected_adds(profile, result) -> dict:
    """anchor -> the eager add of its create: the name from the planned DN, the alias as the test
    knows the planner chose it (AD: 3 and 4 collide, each suffixed with its anchor)."""
    by_anchor = {s.anchor: s for s in sources()}
    out = {}
    for op in result.of_kind('create'):
        source = by_anchor[op.anchor]
        alias = ''
        if profile.alias_attribute:
            alias = f'shared-{op.anchor[:8].lower()}' if source.alias == 'shared' else source.alias
        out[op.anchor] = eager(profile, source, profile.rdn_value(op.dn), alias)
    return out


@pytest.mark.parametrize('profile', [AD, DOMINO], ids=['ad', 'domino'])
def test_the_applied_reported_and_diffed_attributes_are_the_eager_adds(profile, tmp_path):
    result = plan(sources(), [], {}, [], profile)
    creates = result.of_kind('create')
    assert len(creates) == 8 and len({op.recipient_kind for op in creates}) == len(RECIPIENT_KINDS)
    expected = expected_adds(profile, result)
    # The decisions the expectation takes from the plan, checked on their own: suffixed names
    # (and AD aliases) for the colliding sources, the title over AD's limit left out and warned.
    assert {profile.rdn_value(op.dn) for op in creates if op.anchor in (anchor(1), anchor(2))} == \
        {f'Team Alpha ({anchor(1)[:8].lower()})', f'Team Alpha ({anchor(2)[:8].lower()})'}
    if profile is AD:
        assert [w['anchor'] for w in result.warnings] == [anchor(5)] and 'title' not in expected[anchor(5)]
        assert {tuple(expected[anchor(n)]['mailNickname']) for n in (3, 4)} == {('shared-00000003',), ('shared-00000004',)}
    for op in creates:
        # Read as a whole, by name, and as the report entry makes it: the same values, in the same order.
        assert list(op.attrs.items()) == list(expected[op.anchor].items())
        assert {name: op.attrs[name] for name in op.attrs} == expected[op.anchor]
        assert list(op.as_dict()['attributes'].items()) == list(expected[op.anchor].items())
        assert profile.anchor_of(op.attrs[profile.marker_attribute][0]) == op.anchor
        assert op.attrs[profile.rdn_attribute] == [profile.rdn_value(op.dn)]

    directory = RecordingDirectory()
    outcome = apply_plan(directory, result, [])
    assert directory.adds == [(op.dn, list(expected[op.anchor].items())) for op in creates]
    assert len(outcome.done) == 8 and not outcome.failed

    report = build_report('test', result, outcome, check_mode=False, source={}, target={}, limits=LIMITS, lazy=True)
    write_report(str(tmp_path), report)
    written = json.loads((tmp_path / 'report.json').read_text(encoding='utf-8'))
    assert [(e['anchor'], e['attributes'], e['status']) for e in written['operations']] == \
        [(op.anchor, expected[op.anchor], 'done') for op in creates]
    assert [entry['attributes'] for entry in report['operations']] == [expected[op.anchor] for op in creates]
    for op in creates:
        assert op.attrs['mail'][0] in (tmp_path / 'report.html').read_text(encoding='utf-8')
    shown = diff(result, 100)
    assert [(d['before'], d['after']) for d in shown] == [({}, {'dn': op.dn, **expected[op.anchor]}) for op in creates]


@pytest.mark.parametrize('profile', [AD, DOMINO], ids=['ad', 'domino'])
def test_a_planned_create_holds_no_attribute_values(profile):
    """The plan keeps what decides the add (its source, name, alias), never the add's values:
    no dict, list or made value (the marker, the routing and legacy addresses) per create."""
    result = plan(sources(), [], {}, [], profile)
    for op in result.of_kind('create'):
        held = gc.get_referents(op.attrs)
        assert not any(isinstance(value, (dict, list, tuple)) for value in held), held
        made = op.attrs[profile.marker_attribute][0]
        assert not any(value is made or value == made for value in held if isinstance(value, str))
        with pytest.raises(TypeError):
            op.attrs['title'] = ['changed']                      # read only: a change would be lost


@pytest.mark.parametrize('profile', [AD, DOMINO], ids=['ad', 'domino'])
def test_a_create_whose_name_is_taken_is_added_under_its_fallback_with_the_same_attributes(profile, tmp_path):
    result = plan(sources(), [], {}, [], profile)
    creates = result.of_kind('create')
    expected = expected_adds(profile, result)
    taken = next(op for op in creates if op.anchor == anchor(7))
    planned_dn, fallback = taken.dn, taken.fallback_dn
    directory = RecordingDirectory(taken=[planned_dn])
    outcome = apply_plan(directory, result, [], ownership=Ownership(profile.marker_attribute, profile.anchor_of))
    assert len(outcome.done) == 8 and not outcome.failed
    fallback_name = profile.rdn_value(fallback)
    again = dict(expected[anchor(7)], **{profile.rdn_attribute: [fallback_name]})
    assert (fallback, list(again.items())) in directory.adds and planned_dn not in [dn for dn, _attrs in directory.adds]
    assert taken.dn == fallback and dict(taken.attrs) == again
    report = build_report('test', result, outcome, check_mode=False, source={}, target={}, limits=LIMITS, lazy=True)
    write_report(str(tmp_path), report)
    [entry] = [e for e in json.loads((tmp_path / 'report.json').read_text(encoding='utf-8'))['operations']
               if e['anchor'] == anchor(7)]
    assert entry['dn'] == fallback and entry['attributes'] == again and planned_dn in entry['reason']
