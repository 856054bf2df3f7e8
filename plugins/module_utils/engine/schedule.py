# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Which of a plan's writes may run side by side (``write_connections`` > 1). Pure: no I/O.

The plan's order matters only between writes that touch the same thing: a delete frees a name or
an address a later write takes, an update releases an address another update takes, a rename
frees the name the next rename of its chain (or a create) takes, a Domino group's update follows
its members' renames and deletes, a supersede merge's writes come before the contact's delete.
The schedule keeps every such order and nothing more:

* **steps** run one after the other, each waiting for the one before to finish: the plan's
  phases in their order (deletes with the merges before them; updates; renames; creates; the
  follow-up writes such as group updates). Whatever a write needs freed, an earlier step freed;
* in a step, **lanes** run side by side, each lane's writes one after the other in the plan's
  order: a merge and its delete are one lane; every update that changes an address is in one
  lane (the planner ordered them so an address is released before it is taken); every rename
  is in one lane (chains and swaps); any other write (a plain delete, an update of other
  attributes, a create, a group update) is a lane of its own, since the planner gave each
  contact a name and addresses no other write of that step takes.

With one connection the applier runs the plan's order as it is; the steps and lanes of a plan,
read in order, are that same order.
"""

from __future__ import annotations

from .budget import follow_up
from .plan import changes_addresses


def phase(op) -> str:
    """The step a write belongs to."""
    if follow_up(op):
        return 'follow-up'
    if op.kind == 'delete' or op.merge_of:
        return 'delete'
    return op.kind


def lane_key(op) -> object:
    """Writes with one key run in one lane, in order; None: a lane of its own."""
    if op.merge_of or (op.kind == 'delete' and op.requires):
        return ('merge', op.merge_of or op.requires[0])
    if op.kind == 'rename':
        return 'renames'
    if op.kind == 'update' and changes_addresses(op) and not follow_up(op):
        return 'address updates'
    return None


def schedule(writes: list) -> list:
    """The writes as steps, each a list of lanes, each lane a list of writes (plan order kept
    within a lane; lanes ordered by their first write)."""
    steps: list = []
    current = None
    for op in writes:
        if current is None or phase(op) != current:
            current = phase(op)
            steps.append(({}, []))            # (lane key -> lane, lanes in order)
        keyed, lanes = steps[-1]
        key = lane_key(op)
        if key is None:
            lanes.append([op])
        elif key in keyed:
            keyed[key].append(op)
        else:
            keyed[key] = [op]
            lanes.append(keyed[key])
    return [lanes for _keyed, lanes in steps]
