"""Writes side by side (write_connections, engine/schedule.py and apply_plan): which writes may run
at the same time, and the applier with several connections.

The schedule's property runs random planner scenarios (AD and Domino contacts) through random
interleavings the schedule allows (lanes of a step mixed in any order, each lane's own order
kept) against the model of the directory (plan_simulator), which refuses any write the directory
would refuse at that moment; every interleaving must end where the plan's own order ends. The
applier tests use a thread-safe fake directory (synthesized: the LDAP calls are recorded, no
server), one fake connection per thread.
"""
from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Operation, Plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.schedule import schedule

from plan_simulator import Container
from test_plan_properties import DOMINO, examples, scenarios


def flat(steps) -> list:
    return [op for lanes in steps for lane in lanes for op in lane]


def interleaved(steps, random) -> list:
    """One order the schedule allows: per step, the lanes' writes mixed at random, each lane's
    order kept."""
    out = []
    for lanes in steps:
        queues = [list(lane) for lane in lanes]
        while queues:
            lane = random.choice(queues)
            out.append(lane.pop(0))
            if not lane:
                queues.remove(lane)
    return out


def same_end_any_interleaving(scenario, random) -> None:
    result = scenario.plan()
    steps = schedule(result.writes)
    assert sorted(map(id, flat(steps))) == sorted(map(id, result.writes))        # every write, once
    serial = Container(scenario.profile, scenario.owned, scenario.foreign_names).run(result.writes)
    mixed = Container(scenario.profile, scenario.owned, scenario.foreign_names).run(interleaved(steps, random))
    assert mixed.snapshot() == serial.snapshot()
    # an address is never on two contacts at once more than in the plan's own order (a ring of
    # trades has one such moment whatever the order; the directory does not refuse it, so the
    # model records it)
    assert sorted((op.anchor, address) for op, address, _dn in mixed.address_overlaps) == \
        sorted((op.anchor, address) for op, address, _dn in serial.address_overlaps)


@settings(max_examples=examples(600), deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_any_interleaving_the_schedule_allows_ends_where_the_plan_ends(scenario, random):
    same_end_any_interleaving(scenario, random)


@settings(max_examples=examples(300), deadline=None)
@given(scenarios(DOMINO), st.randoms(use_true_random=False))
def test_any_interleaving_the_schedule_allows_ends_where_the_plan_ends_for_domino(scenario, random):
    same_end_any_interleaving(scenario, random)


def test_dependent_writes_are_serialised_and_the_rest_spread():
    deletes = [Operation('delete', f'D{i}', f'cn=d{i}') for i in range(2)]
    merge = [Operation('update', 'M', 'cn=mailbox', changes={'proxyAddresses': ([], ['X500:/x'])}, merge_of='M'),
             Operation('delete', 'M', 'cn=m', requires=('M',))]
    moves = [Operation('update', 'A', 'cn=a', changes={'mail': (['x@e'], ['y@e'])}),
             Operation('update', 'B', 'cn=b', changes={'title': (['t'], ['u'])}),
             Operation('update', 'C', 'cn=c', changes={'mail': (['z@e'], ['x@e'])})]
    renames = [Operation('rename', 'E', 'cn=e', new_dn='cn=f'), Operation('rename', 'F', 'cn=g', new_dn='cn=e')]
    creates = [Operation('create', f'N{i}', f'cn=n{i}') for i in range(3)]
    group = [Operation('update', 'E', 'cn=group', changes={'member': (['cn=e'], ['cn=f'])}, requires=('E',))]
    steps = schedule(deletes + merge + moves + renames + creates + group)
    assert steps == [
        [[deletes[0]], [deletes[1]], merge],            # the merge and its delete: one lane
        [[moves[0], moves[2]], [moves[1]]],             # address moves in order, the title alone
        [renames],                                      # renames: one lane (chains, swaps)
        [[c] for c in creates],                         # creates: each its own lane
        [group],                                        # the group after every contact write
    ]


# --- the applier with several connections (synthesized directory) ---

class SharedDirectory:
    """A fake directory several fake connections write to: entries by DN, a lock around each
    request, the threads and connections seen; refuses what ``refuse`` names (DN -> kind)."""

    def __init__(self, refuse=None, together=0):
        self.entries, self.lock, self.refuse = {}, threading.Lock(), refuse or {}
        self.threads, self.connections, self.log = set(), set(), []
        # ``together`` connections must each reach their first request before any goes on: proof
        # that they write side by side (a run on fewer threads breaks the barrier: a failure,
        # after its timeout, never a hang).
        self.barrier = threading.Barrier(together, timeout=30) if together else None

    def connection(self):
        return FakeConnection(self)


class FakeConnection:
    def __init__(self, directory):
        self.directory, self.closed, self.thread = directory, False, None

    def _request(self, dn, action):
        d = self.directory
        me = threading.get_ident()
        # one thread per connection, as python-ldap needs
        assert self.thread in (None, me), 'a connection used by two threads'
        if self.thread is None and d.barrier is not None:
            d.barrier.wait()
        self.thread = me
        with d.lock:
            d.threads.add(me)
            d.connections.add(id(self))
            if dn in d.refuse:
                raise DirectoryError(f'{dn} refused', kind=d.refuse[dn], dn=dn)
            action(d)
            d.log.append(dn)

    def add(self, dn, attrs):
        self._request(dn, lambda d: d.entries.__setitem__(dn, attrs))

    def modify(self, dn, changes):
        self._request(dn, lambda d: None)

    def delete(self, dn):
        self._request(dn, lambda d: d.entries.pop(dn))

    def close(self):
        self.closed = True


def creates(n):
    return [Operation('create', f'A{i}', f'cn=p{i},ou=x', attrs={'cn': [f'p{i}']}) for i in range(n)]


def test_several_connections_do_every_write_once_with_errors_per_object():
    directory = SharedDirectory(refuse={'cn=p7,ou=x': 'schema'}, together=4)
    opened = []

    def connect():
        opened.append(directory.connection())
        return opened[-1]

    writes = creates(40)
    seen = []
    outcome = apply_plan(directory.connection(), Plan(operations=writes), [], connections=4, connect=connect,
                         progress=lambda done, total, failed: seen.append((done, total, failed)))
    assert outcome.connections == 4 and len(opened) == 3 and all(c.closed for c in opened)
    assert len(directory.connections) == 4 and len(directory.threads) == 4
    assert sorted(op.dn for op in outcome.done) == sorted(op.dn for op in writes if op.dn != 'cn=p7,ou=x')
    assert [(op.dn, exc.kind) for op, exc in outcome.failed] == [('cn=p7,ou=x', 'schema')]
    assert outcome.not_attempted == [] and outcome.aborted is None
    assert sorted(directory.log) == sorted(op.dn for op in outcome.done)
    assert [done for done, _total, _failed in seen] == list(range(1, 41)) and seen[-1] == (40, 40, 1)


def test_a_lost_connection_stops_the_rest_and_they_are_not_attempted():
    directory = SharedDirectory(refuse={'cn=p0,ou=x': 'unreachable'})
    writes = [Operation('delete', 'D', 'cn=p0,ou=x')] + creates(10)[1:]
    outcome = apply_plan(directory.connection(), Plan(operations=writes), [], connections=3,
                         connect=directory.connection)
    assert outcome.aborted is not None and outcome.aborted.kind == 'unreachable'
    # the delete's step ran alone; the creates' step never started
    assert outcome.done == [] and outcome.not_attempted == writes[1:]


def test_a_connection_that_cannot_be_opened_leaves_fewer():
    directory = SharedDirectory()

    def connect():
        raise DirectoryError('busy', kind='timeout')

    outcome = apply_plan(directory.connection(), Plan(operations=creates(5)), [], connections=4, connect=connect)
    assert outcome.connections == 1 and len(outcome.done) == 5


def test_one_connection_keeps_the_plans_order():
    directory = SharedDirectory()
    writes = creates(6)
    outcome = apply_plan(directory.connection(), Plan(operations=writes), [], connections=1,
                         connect=directory.connection)
    assert directory.log == [op.dn for op in writes] and outcome.connections == 1
