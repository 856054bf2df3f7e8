"""Delta runs against full runs, pure (engine/delta.py; architecture.rst "Delta runs").

A model of a source directory (anchor -> record) takes random sequences of changes: adds,
renames, address changes (some to invalid addresses), alias changes, deletions (seen, as on AD,
not as a changed entry but either as an anchor missing from the source's anchors, read in full,
or as a tombstone since the watermark: both ways the product has run), and a foreign
recipient taking or leaving an address in the target. After each batch, a delta run plans the changed anchors (the
scope closes them over addresses, names, aliases and the anchors the previous run left
unresolved) and its plan is applied to the in-memory target (plan_simulator.Container). At every
step the delta plan must be the plan a full run would make on the same state, operation for
operation, with the same conflicts and skips; after the sequence a full run plans nothing.
Names and addresses come from small pools (accent and case twins, shared local parts) so that
collisions, suffixes, swaps and conflicts occur in most examples. Both targets' profiles run.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.delta import (
    scope, unresolved_anchors)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    AddressIndex, ContainerContents, Limits, SourceRecord, plan)

from plan_simulator import Container, ad_profile, domino_profile

PROFILES = {'ad': ad_profile(), 'domino': domino_profile()}
ANCHORS = ['0A1B2C3D4E5F60718293A4B5C6D7E8F9', '0A1B2C3D99999999AAAAAAAAAAAAAAAA', '11111111222222223333333344444444',
           '5EED5EED5EED5EED5EED5EED5EED5EED', '9F8E7D6C5B4A39281706F5E4D3C2B1A0', 'ABCDEF0123456789ABCDEF0123456789',
           'C0FFEE00C0FFEE00C0FFEE00C0FFEE00', 'DEADBEEFDEADBEEFDEADBEEFDEADBEEF', 'F00DF00DF00DF00DF00DF00DF00DF00D',
           '7777777777777777777777777777777A']
NAMES = ['René Dupont', 'Rene Dupont', 'RENÉ DUPONT', 'Anna Öberg', 'Anna Oberg', 'Jo', 'Mia Kim', 'Li Wei',
         'Zoë Hart', 'Zoe Hart', 'L' * 70, 'L' * 64 + 'x', 'Rene Dupont (0a1b2c3d)']
LOCALS = ['rd', 'ao', 'jo', 'zh', 'mk', 'j.doe']
MAILS = [f'{local}@example.com' for local in LOCALS] + ['rd@other.org', 'not an address']
ALIASES = ['rdupont', 'ao', 'jo', 'zhart', 'mk', 'RDupont']
FOREIGN = ['jo@example.com', 'zh@domino.example.com', 'mk@exchange.example.com']
FOREIGN_NAMES = ['Mia Kim', 'Li Wei']

CHANGE = st.tuples(st.sampled_from(['add', 'add', 'rename', 'rename', 'readdress', 'readdress', 'delete', 'realias',
                                    'foreign takes', 'foreign leaves']),
                   st.sampled_from(ANCHORS), st.sampled_from(NAMES), st.sampled_from(MAILS), st.sampled_from(ALIASES))
LIMITS = st.sampled_from([Limits()] * 6 + [Limits(allow_create=False), Limits(allow_delete=False),
                                           Limits(allow_rename=False), Limits(allow_update=False)])


def examples(count: int) -> int:
    return settings.default.max_examples if os.environ.get('COEXIST_HYPOTHESIS') == 'dev' else count


def record(anchor: str, name: str, mail: str, alias: str) -> SourceRecord:
    return SourceRecord(anchor=anchor, dn=f'CN={anchor},OU=Users', display_name=name, mail=mail, alias=alias,
                        given_name='', surname='', fields={'title': '', 'telephoneNumber': '', 'telephonenumber': ''})


class World:
    """The source directory, the target's foreign recipients and the target container."""

    def __init__(self, profile, limits, sources, foreign):
        self.profile, self.limits = profile, limits
        self.sources = dict(sources)
        self.foreign = dict(foreign)                     # address -> holder (real mailboxes)
        self.target = Container(profile, foreign_names=FOREIGN_NAMES)
        self.unresolved: tuple = ()

    def index(self) -> AddressIndex:
        return AddressIndex(addresses=dict(self.foreign), aliases={'ao'}, mailboxes=set(self.foreign),
                            marked_outside=[], names=[])

    def full(self):
        return plan(list(self.sources.values()), self.target.owned(), self.foreign, FOREIGN_NAMES, self.profile,
                    self.limits, foreign_aliases={'ao'}, mailbox_addresses=set(self.foreign))

    def delta(self, changed: set, tombstones=None):
        owned = self.target.owned()
        container = ContainerContents(owned=owned, foreign=[], foreign_names=list(FOREIGN_NAMES))
        reads = []

        def read_sources(anchors):
            reads.append(set(anchors))
            return {a: self.sources.get(a) for a in anchors}

        if tombstones is None:
            found = scope({a: self.sources.get(a) for a in changed}, self.unresolved, container, self.index(),
                          self.profile, read_sources, present=set(self.sources))
        else:
            # As AD lists them: only what is deleted now (a restored object is no tombstone).
            found = scope({a: self.sources.get(a) for a in changed}, self.unresolved, container, self.index(),
                          self.profile, read_sources, deleted={a for a in tombstones if a not in self.sources})
        the_plan = plan(found.sources, found.owned, dict(self.foreign, **found.taken_addresses),
                        FOREIGN_NAMES + found.taken_names, self.profile, self.limits,
                        foreign_aliases={'ao'} | set(found.taken_aliases), mailbox_addresses=set(self.foreign),
                        frozen=found.frozen, managed=len(owned))
        return the_plan, found

    def apply(self, the_plan) -> None:
        self.target.run(the_plan.writes)
        self.unresolved = unresolved_anchors(the_plan)


def operations(ops) -> list:
    """Operations as comparable data (order aside: the subset's order among the touched is the
    full order restricted)."""
    return sorted((op.kind, op.anchor, op.dn, op.new_dn,
                   tuple(sorted((a, tuple(b), tuple(c)) for a, (b, c) in op.changes.items())),
                   tuple(sorted((a, tuple(v)) for a, v in op.attrs.items())))
                  for op in ops)


def signature(the_plan) -> tuple:
    """What a run writes and reports per source: its operations, conflicts and skips."""
    conflicts = sorted((c['anchor'], c['address'], c['reason']) for c in the_plan.conflicts)
    skips = sorted((s['anchor'], s['reason'], s['contact'] or '') for s in the_plan.skips)
    return operations(the_plan.operations), conflicts, skips


def run_sequence(profile, limits, initial, batches, foreign, via='every user') -> None:
    world = World(profile, limits, {a: record(a, n, m, al) for a, n, m, al in initial}, foreign)
    world.apply(world.full())                             # the first run is full
    pending: set = set()
    deleted: set = set()                                   # tombstones since the watermark
    settled = True
    for batch in batches:
        for kind, anchor, name, mail, alias in batch:
            current = world.sources.get(anchor)
            if kind == 'add' and current is None:
                world.sources[anchor] = record(anchor, name, mail, alias)
            elif kind == 'delete':
                # Not a changed anchor on AD: a missing objectGUID, or (with rights on CN=Deleted
                # Objects) a tombstone since the watermark.
                if world.sources.pop(anchor, None) is not None:
                    deleted.add(anchor)
                continue
            elif kind in ('rename', 'readdress', 'realias') and current is not None:
                world.sources[anchor] = record(anchor, name if kind == 'rename' else current.display_name,
                                               mail if kind == 'readdress' else current.mail,
                                               alias if kind == 'realias' else current.alias)
            elif kind == 'foreign takes':
                world.foreign[mail.lower()] = 'CN=Someone,O=Acme (mailbox)'
                continue                                   # a target-side change: no source changed
            elif kind == 'foreign leaves':
                world.foreign.pop(mail.lower(), None)
                continue
            else:
                continue
            pending.add(anchor)
        full_before = world.full()
        delta_plan, found = world.delta(pending, deleted if via == 'tombstones' else None)
        assert signature(delta_plan) == signature(full_before), (
            f'delta (touched {sorted(found.touched)}) differs from the full plan')
        # A switched-off operation writes nothing either way. The planner can hold one back that
        # no change caused (allow_rename: false blocks a contact's own current name): a full
        # run lists it, a delta only when its anchor is touched.
        assert set(operations(delta_plan.suppressed)) <= set(operations(full_before.suppressed))
        if full_before.blocked:
            assert delta_plan.blocked
        settled = not delta_plan.blocked
        if delta_plan.blocked:
            # The product fails the run and asks for a full run (the watermark stays): do it.
            if not full_before.blocked:
                world.apply(full_before)
                pending, deleted, settled = set(), set(), True
            continue
        world.apply(delta_plan)
        pending, deleted = set(), set()
    if settled and not pending:                            # the last run wrote: a full run has nothing to do
        final = world.full()
        assert not final.operations, [op.as_dict() for op in final.operations]


INITIAL = st.lists(st.tuples(st.sampled_from(ANCHORS), st.sampled_from(NAMES), st.sampled_from(MAILS),
                             st.sampled_from(ALIASES)), unique_by=lambda t: t[0], max_size=7)
BATCHES = st.lists(st.lists(CHANGE, min_size=1, max_size=3), min_size=1, max_size=5)
FOREIGN_SETS = st.lists(st.sampled_from(FOREIGN), unique=True, max_size=2)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PROFILES)), LIMITS, INITIAL, BATCHES, FOREIGN_SETS,
       st.sampled_from(['every user', 'tombstones']))
def test_delta_runs_plan_what_a_full_run_plans(target, limits, initial, batches, foreign, via):
    run_sequence(PROFILES[target], limits, initial, batches, {a: 'CN=Someone,O=Acme (mailbox)' for a in foreign}, via)


# Long names, for the cuts: the planner cuts a name from its end to fit the target's limit (AD's
# 64-character cn, Domino's 256-character DN) and to fit a suffix, so a suffixed contact's name
# without its suffix is only the start of the name its source wants. The closure must relate the
# two (names_meet()), and only through a start at least FAMILY_WIDTH long.
LONG_NAMES = ['L' * 70, 'L' * 64 + 'x', 'L' * 64, 'L' * 63, 'L' * 40 + ' Mé', 'L' * 40 + ' ME', 'L' * 16, 'L' * 17,
              'M' * 260, 'M' * 250 + 'y', 'M' * 244, 'Rene Dupont']
LONG_CHANGE = st.tuples(st.sampled_from(['add', 'add', 'rename', 'rename', 'rename', 'delete']), st.sampled_from(ANCHORS),
                        st.sampled_from(LONG_NAMES), st.sampled_from(MAILS), st.sampled_from(ALIASES))
LONG_INITIAL = st.lists(st.tuples(st.sampled_from(ANCHORS), st.sampled_from(LONG_NAMES), st.sampled_from(MAILS),
                                  st.sampled_from(ALIASES)), unique_by=lambda t: t[0], max_size=7)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PROFILES)), LONG_INITIAL,
       st.lists(st.lists(LONG_CHANGE, min_size=1, max_size=3), min_size=1, max_size=4),
       st.sampled_from(['every user', 'tombstones']))
def test_delta_runs_with_names_cut_to_fit_plan_what_a_full_run_plans(target, initial, batches, via):
    run_sequence(PROFILES[target], Limits(), initial, batches, {}, via)


def test_a_source_wanting_the_whole_name_pulls_in_the_twins_cut_to_fit_their_suffixes():
    """A worked case (AD, names of at most 64 characters): two sources whose names fit to the same
    64 L's carry suffixes, each cut to 54 L's. A third one is added wanting the 64 L's: a full run
    suffixes it too. The twins' names without suffix (54 L's) are only the start of its name, and
    the delta must still pull them in (a closure by whole names alone would not)."""
    a, b, c = ANCHORS[2], ANCHORS[3], ANCHORS[4]
    run_sequence(PROFILES['ad'], Limits(), [(a, 'L' * 70, 'rd@example.com', 'rdupont'),
                                            (b, 'L' * 64 + 'x', 'ao@example.com', 'li')],
                 [[('add', c, 'L' * 64, 'mk@example.com', 'mk')]], {})


def test_names_that_only_begin_alike_are_not_pulled_in():
    """'Anna Everly 00012' and 'Anna Everly 00013' share their first 16 characters (a family) but
    can never meet in the planner: renaming one plans it alone, the other is not read again."""
    profile = PROFILES['domino']
    a, b = ANCHORS[2], ANCHORS[3]
    world = World(profile, Limits(), {a: record(a, 'Anna Everly 00012', 'rd@example.com', 'rdupont'),
                                      b: record(b, 'Anna Everly 00013', 'ao@example.com', 'li')}, {})
    world.apply(world.full())
    world.sources[a] = record(a, 'Anna Everly 00014', 'rd@example.com', 'rdupont')
    delta_plan, found = world.delta({a})
    assert found.touched == {a} and found.pulled == 0
    assert signature(delta_plan) == signature(world.full())
    assert {op.kind for op in delta_plan.operations} == {'rename', 'update'} and {op.anchor for op in delta_plan.operations} == {a}


def test_a_deletion_seen_as_a_tombstone_deletes_only_that_contact():
    """A worked case: two sources, one deleted; the delta learns it from the tombstones alone
    (no read of every anchor) and deletes its contact, and nothing else."""
    profile = PROFILES['domino']
    a, b = ANCHORS[2], ANCHORS[3]
    run_sequence(profile, Limits(), [(a, 'Rene Dupont', 'rd@example.com', 'rdupont'),
                                     (b, 'Li Wei', 'ao@example.com', 'li')],
                 [[('delete', a, '', '', '')]], {}, via='tombstones')


def test_a_rename_into_a_collision_pulls_in_the_untouched_twin():
    """A worked case: 'Rene Dupont' exists; a second source is renamed to its accent twin. A full
    run suffixes both; the delta must pull the untouched one in by its name family."""
    profile = PROFILES['domino']
    a, b = ANCHORS[2], ANCHORS[3]
    run_sequence(profile, Limits(), [(a, 'Rene Dupont', 'rd@example.com', 'rdupont'),
                                     (b, 'Li Wei', 'ao@example.com', 'li')],
                 [[('rename', b, 'René Dupont', '', '')]], {})
