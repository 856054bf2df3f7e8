"""The order of renames (``_order_renames``): swaps, chains and cycles of names, large and random.

An order is checked by replaying it on the names taken in the container: no rename may take a
name another contact holds at that moment (a case change of the contact itself is allowed),
each rename starts where its contact is, and every contact ends on its new name. These are tests
of correctness, not of time (benchmarks/bench_plan.py times the same case).
"""
from __future__ import annotations

import random as random_module

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    Operation, OwnedContact, _order_renames)

from plan_simulator import ad_profile, domino_profile

PROFILE = ad_profile()


def slot(profile, dn: str) -> tuple:
    return profile.parent_key(dn), profile.name_key(profile.rdn_value(dn))


def world(moves: dict, profile=PROFILE, staying=()) -> tuple:
    """(renames, the contacts present) for ``moves``: current name -> new name, one contact
    each, anchors in name order; ``staying`` are contacts not renamed."""
    contacts = [OwnedContact(profile.dn_for(name), f'{i:032X}', {}) for i, name in enumerate(sorted(moves))]
    contacts += [OwnedContact(profile.dn_for(name), f'F{i:031X}', {}) for i, name in enumerate(staying)]
    renames = [Operation('rename', c.anchor, c.dn, new_dn=profile.dn_for(moves[profile.rdn_value(c.dn)]))
               for c in contacts[:len(moves)]]
    return renames, contacts


def replay(ordered: list, moves: dict, profile=PROFILE, staying=()) -> None:
    """Run ``ordered`` on the taken names; fail at the first rename the target would refuse."""
    at = {f'{i:032X}': slot(profile, profile.dn_for(name)) for i, name in enumerate(sorted(moves))}
    taken = set(at.values()) | {slot(profile, profile.dn_for(name)) for name in staying}
    assert len(taken) == len(moves) + len(staying)
    for step, op in enumerate(ordered):
        here, there = slot(profile, op.dn), slot(profile, op.new_dn)
        assert here == at[op.anchor], f'step {step}: {op.anchor} is not at {op.dn!r}'
        assert there == here or there not in taken, f'step {step}: {op.new_dn!r} is still taken'
        taken.remove(here)
        taken.add(there)
        at[op.anchor] = there
    goal = {f'{i:032X}': slot(profile, profile.dn_for(moves[name])) for i, name in enumerate(sorted(moves))}
    assert at == goal


def cycles(moves: dict) -> int:
    """How many cycles of two or more names ``moves`` has (each costs one temporary rename)."""
    seen, found = set(), 0
    for start in moves:
        if start in seen:
            continue
        name = start
        while name in moves and name not in seen:
            seen.add(name)
            name = moves[name]
        found += name == start and moves[start] != start
    return found


def test_thousands_of_swaps_chains_and_long_cycles_run_in_a_valid_order():
    moves = {}
    for k in range(8000):                                     # 8,000 pairs trading names
        moves[f'Swap {k} a'], moves[f'Swap {k} b'] = f'Swap {k} b', f'Swap {k} a'
    for k in range(20):                                       # chains of 500 toward a free name
        for i in range(500):
            moves[f'Chain {k} {i}'] = f'Chain {k} {i + 1}'
    for k in range(5):                                        # cycles of 2,000
        for i in range(2000):
            moves[f'Ring {k} {i}'] = f'Ring {k} {(i + 1) % 2000}'
    for k in range(100):                                      # case changes: onto themselves
        moves[f'case {k}'] = f'Case {k}'
    renames, contacts = world(moves, staying=['Somebody Else'])
    ordered = _order_renames(renames, contacts, PROFILE)
    assert len(ordered) == len(moves) + 8000 + 5              # one temporary name per cycle
    assert sum(op.reason.startswith('temporary name') for op in ordered) == 8005
    replay(ordered, moves, staying=['Somebody Else'])


def test_a_chain_runs_from_its_free_end_whatever_the_anchors():
    moves = {'Anna': 'Bo', 'Bo': 'Cy', 'Cy': 'Di'}
    renames, contacts = world(moves)
    ordered = _order_renames(renames, contacts, PROFILE)
    assert [PROFILE.rdn_value(op.new_dn) for op in ordered] == ['Di', 'Cy', 'Bo']


def test_a_swap_parks_the_first_anchor_under_a_temporary_name():
    renames, contacts = world({'Anna': 'Bo', 'Bo': 'Anna'})
    ordered = _order_renames(renames, contacts, PROFILE)
    assert [(op.anchor, PROFILE.rdn_value(op.new_dn)) for op in ordered] == [
        (f'{0:032X}', f'Anna (renaming {0:08x})'), (f'{1:032X}', 'Anna'), (f'{0:032X}', 'Bo')]


def test_a_temporary_name_is_never_a_name_some_contact_is_renamed_to():
    anchor = f'{0:032X}'
    temporary = f'Anna (renaming {anchor[:8].lower()})'
    moves = {'Anna': 'Bo', 'Bo': 'Anna', 'Cy': temporary}
    renames, contacts = world(moves)
    ordered = _order_renames(renames, contacts, PROFILE)
    replay(ordered, moves)
    assert PROFILE.rdn_value(ordered[1].new_dn) == f'Anna (renaming {anchor[:16].lower()})'


NAMES = [f'Name {i}' for i in range(40)] + ['Zoë', 'ZOE', 'Renée', 'rené']


@st.composite
def permutations(draw) -> dict:
    """current name -> new name: a random partial permutation of a pool of names (swaps, chains,
    cycles, names left free, case-only changes), the names unique as the target compares them."""
    pool = sorted({PROFILE.name_key(n): n for n in NAMES}.values())
    current = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=30, unique=True))
    new = draw(st.permutations(pool))[:len(current)]
    moves = dict(zip(current, new))
    for name in current:
        if moves[name] == name and draw(st.booleans()):
            moves[name] = name.swapcase()                 # a case change: a rename onto itself
    return {old: new for old, new in moves.items() if old != new}


@settings(max_examples=300, deadline=None)
@given(permutations(), st.randoms(use_true_random=False), st.sampled_from(['ad', 'domino']))
def test_random_permutations_of_names_run_in_a_valid_order_independent_of_input_order(moves, random, target):
    profile = PROFILE if target == 'ad' else domino_profile()
    renames, contacts = world(moves, profile)
    shuffled, contacts_shuffled = world(moves, profile)
    random.shuffle(shuffled)
    random.shuffle(contacts_shuffled)
    ordered = _order_renames(renames, contacts, profile)
    replay(ordered, moves, profile)
    assert sum(op.reason.startswith('temporary name') for op in ordered) == cycles(moves)
    again = _order_renames(shuffled, contacts_shuffled, profile)
    assert [(op.anchor, op.dn, op.new_dn) for op in again] == [(op.anchor, op.dn, op.new_dn) for op in ordered]


def test_random_large_permutation_runs_in_a_valid_order():
    rng = random_module.Random(16)
    names = [f'Person {i}' for i in range(30000)]
    current = rng.sample(names, 20000)
    moves = dict(zip(current, rng.sample(names, 20000)))
    renames, contacts = world(moves)
    ordered = _order_renames(renames, contacts, PROFILE)
    replay(ordered, moves)
    assert sum(op.reason.startswith('temporary name') for op in ordered) == cycles(moves)
