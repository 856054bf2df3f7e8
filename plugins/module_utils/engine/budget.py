# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The write budget (``max_writes``): which of a plan's writes this run does, and which it leaves
pending for the next run. Pure: no I/O.

The plan's order is what makes every step acceptable to the target (deletes free names and
addresses, updates release an address before another takes it, renames run from the free end
of a chain, creates come last). A budget that took writes out of that order could create a
contact whose name a rename was still to free, so this run's writes are always a *prefix* of the
plan's contact writes. The cut never splits a unit of writes that stand or fall together:

* the writes of one anchor (an update and a rename of one contact; the temporary rename of a
  swap and its final rename, which would leave a contact under a "(renaming ...)" name);
* a write and the writes it ``requires`` (a Domino group's member update and the renames and
  deletes of the contacts it names; the writes of one supersede: merge and the contact's delete).

Follow-up writes (a group's update after its members') sit at the end of the plan, after the
creates: they go with their unit, not with the prefix, so a budgeted run that renames a contact
also updates the groups naming it, without first doing every create before them.

The budget is a limit where the plan allows one: the run does the longest such prefix costing
at most ``max_writes``. When even the first unit is larger, it does the smallest prefix that
holds a whole unit, so every run makes progress and the next run's plan is smaller.

The guards judge the whole plan, never the budgeted part (engine/plan.py _guard): a budget does
not let more deletes through than the guard allows, and a pending delete is counted again, once,
by the next run's guard.
"""

from __future__ import annotations


def follow_up(op) -> bool:
    """A write that follows others it names in ``requires`` (a Domino group's member update),
    placed after every contact write: not part of the prefix, but of its unit."""
    return bool(op.requires) and not op.merge_of and op.kind != 'delete'


def units(writes: list) -> list:
    """A unit number per write: writes of one anchor, and a write with the writes of the anchors
    it requires, share one (connected components)."""
    parent = list(range(len(writes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first: dict = {}                                 # anchor -> the first write of that anchor
    for i, op in enumerate(writes):
        for anchor in (op.anchor, op.merge_of) if op.merge_of else (op.anchor,):
            join(i, first.setdefault(anchor, i))
    for i, op in enumerate(writes):
        for anchor in op.requires:
            if anchor in first:
                join(i, first[anchor])
    return [root(i) for i in range(len(writes))]


def select(writes: list, max_writes: int) -> tuple:
    """(the writes this run does, the writes left pending), each in the plan's order.

    ``max_writes`` 0 (or negative, or at least the number of writes) does everything."""
    if max_writes <= 0 or max_writes >= len(writes):
        return list(writes), []
    unit_of = units(writes)
    core = [i for i, op in enumerate(writes) if not follow_up(op)]
    # The last prefix position of each unit's contact writes; a unit made only of follow-ups
    # (nothing it requires is in this plan) goes with the last cut.
    last: dict = {}
    start: dict = {}
    for position, i in enumerate(core):
        start.setdefault(unit_of[i], position)
        last[unit_of[i]] = position
    # A cut after ``length`` core writes is clean when no unit has writes on both sides of it.
    straddled = [0] * (len(core) + 2)
    for unit, begin in start.items():
        if last[unit] > begin:                       # the unit spans positions begin..last
            straddled[begin + 1] += 1
            straddled[last[unit] + 1] -= 1
    follow_ups_done_by = [0] * (len(core) + 1)      # follow-ups whose unit is whole once length >= key
    for i, op in enumerate(writes):
        if follow_up(op):
            follow_ups_done_by[last[unit_of[i]] + 1 if unit_of[i] in last else len(core)] += 1
    best = None
    open_units, cost = 0, 0
    for length in range(len(core) + 1):
        open_units += straddled[length]
        cost += follow_ups_done_by[length] + (1 if length else 0)
        if open_units or cost == 0:
            continue
        if cost <= max_writes:
            best = length                            # the longest clean cut within the budget
        else:
            if best is None:
                best = length                        # nothing fits: the smallest clean cut
            break
    if best is None:
        best = len(core)
    done_units = {unit_of[i] for i in core[:best]}
    chosen = set(core[:best])
    chosen.update(i for i, op in enumerate(writes) if follow_up(op) and
                  (unit_of[i] in done_units or (unit_of[i] not in last and best == len(core))))
    return ([op for i, op in enumerate(writes) if i in chosen],
            [op for i, op in enumerate(writes) if i not in chosen])
