# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Execute a plan: one LDAP operation per planned operation, in the plan's order, each error
captured for its object.

Nothing is half-written: every operation is a single atomic LDAP request (an add carries the
ownership marker; an update is one modify). A refusal for one object is recorded and the run
goes on; only a lost connection (server unreachable, hung, TLS or credentials failing) or a referral
stops the rest, which is then reported as not attempted.
"""

from __future__ import annotations

import queue
import threading
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..directory.client import LdapClient
from ..directory.dn import normalize_dn, parent_dn, parse_dn, rdn
from ..directory.errors import DirectoryError
from .plan import Operation, Plan
from .schedule import schedule

# Errors every later operation would meet the same way: the connection is gone, or the server
# refers writes elsewhere (Domino: the directory is not local to it; all contacts live in one
# container, so every write would get the same referral).
FATAL_KINDS = frozenset({'unreachable', 'timeout', 'credentials', 'certificate', 'tls_required', 'referral'})


@dataclass
class Outcome:
    done: list = field(default_factory=list)          # Operations that succeeded
    failed: list = field(default_factory=list)        # (Operation, DirectoryError)
    not_attempted: list = field(default_factory=list)  # Operations after a fatal error
    undone: list = field(default_factory=list)        # merge writes done, then taken back (one refused)
    aborted: t.Optional[DirectoryError] = None
    seconds: float = 0.0
    connections: int = 1                              # the connections that wrote

    @property
    def changed(self) -> bool:
        return bool(self.done)


def modlist(changes: dict, merged: t.Iterable[str]) -> list:
    """(op, attribute, values) for LDAP modify from planned (before, after) pairs.

    Merged attributes change value by value (delete the old, add the new), so values someone
    else added between our read and our write survive; other attributes are replaced whole.
    """
    merged = {m.lower() for m in merged}
    mods = []
    for attribute, (before, after) in changes.items():
        if not after:
            if before:
                mods.append(('delete', attribute, None))
        elif attribute.lower() in merged:
            removed = [v for v in before if v not in after]
            added = [v for v in after if v not in before]
            if removed:
                mods.append(('delete', attribute, removed))
            if added:
                mods.append(('add', attribute, added))
        else:
            mods.append(('replace', attribute, list(after)))
    return mods


@dataclass(frozen=True)
class Ownership:
    """How to tell, by reading an entry, that it is this sync's contact for an anchor: the marker
    attribute and the function that reads the anchor from one of its values ('' if not ours)."""

    attribute: str
    anchor_of: t.Callable[[str], str]

    def anchor(self, client: LdapClient, dn: str) -> str | None:
        """The anchor of the owned contact at ``dn``; '' for an entry that is not ours; None when
        nothing is there."""
        try:
            found = list(client.search(dn, '(objectClass=*)', [self.attribute], scope='base'))
        except DirectoryError as exc:
            if exc.kind == 'no_such_object':
                return None
            raise
        if not found:
            return None
        return next((self.anchor_of(v) for v in found[0].values(self.attribute) if self.anchor_of(v)), '')


def apply_plan(client: LdapClient, plan: Plan, merged: t.Iterable[str],
               progress: t.Callable[[int, int, int], None] | None = None, ownership: Ownership | None = None,
               writes: list | None = None, connections: int = 1,
               connect: t.Callable[[], LdapClient] | None = None) -> Outcome:
    """Run ``writes`` (by default ``plan.writes``: nothing when the guard blocked the plan; a
    write budget passes the part of it this run does, engine/budget.py).

    ``progress(attempted, total, failed)`` is called after each write.

    With ``ownership``, every write is safe to race with another run of the same sync: an add
    that meets an existing entry, a rename or a delete whose entry moved or went, is checked
    against what the directory holds now, and counts as done when the other run already made it
    so (the same anchor's contact, where the plan wanted it). Anything else is a per-object error.

    ``connections`` > 1 with ``connect`` (opening one more connection to the same server) runs
    independent writes side by side, one connection per thread (a python-ldap connection is not
    shared between threads), in the steps and lanes of engine/schedule.py. A connection that
    cannot be opened leaves the run with fewer (``Outcome.connections`` says how many wrote).
    """
    started = time.monotonic()
    writes = plan.writes if writes is None else writes
    applier = _Applier(list(merged), ownership, len(writes), progress)
    if connections > 1 and connect is not None and len(writes) > 1:
        _apply_side_by_side(client, writes, applier, connections, connect)
    else:
        for index, op in enumerate(writes):
            if applier.one(client, op):
                applier.outcome.not_attempted = writes[index + 1:]
                break
    applier.outcome.seconds = time.monotonic() - started
    return applier.outcome


def _apply_side_by_side(client: LdapClient, writes: list, applier: '_Applier', connections: int,
                        connect: t.Callable[[], LdapClient]) -> None:
    """The steps one after the other; in each, the lanes spread over the connections."""
    clients = [client]
    try:
        for _extra in range(connections - 1):
            try:
                clients.append(connect())
            except DirectoryError:
                break                   # fewer connections: the run goes on with those it has
        applier.outcome.connections = len(clients)
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            for lanes in schedule(writes):
                todo: queue.SimpleQueue = queue.SimpleQueue()
                for lane in lanes:
                    todo.put(lane)

                def work(own: LdapClient, todo=todo) -> None:
                    while applier.outcome.aborted is None:
                        try:
                            lane = todo.get_nowait()
                        except queue.Empty:
                            return
                        for op in lane:
                            if applier.outcome.aborted is not None or applier.one(own, op):
                                break

                for future in [pool.submit(work, c) for c in clients[:max(1, min(len(clients), len(lanes)))]]:
                    future.result()
                if applier.outcome.aborted is not None:
                    break
    finally:
        for extra in clients[1:]:
            extra.close()
    seen = {id(op) for op in applier.outcome.done} | {id(op) for op, _exc in applier.outcome.failed} | \
        {id(op) for op in applier.outcome.undone}
    applier.outcome.not_attempted = [op for op in writes if id(op) not in seen]


class _Applier:
    """One write at a time, whichever thread: the per-object error handling, the merges, the
    writes that follow failed ones; the shared state behind one lock."""

    def __init__(self, merged: list, ownership: Ownership | None, total: int, progress):
        self.merged, self.ownership, self.total, self.progress = merged, ownership, total, progress
        self.outcome = Outcome()
        self.failed_anchors: set = set()
        self.merging: dict = {}          # merge_of -> the writes of that merge done so far
        self.attempted = 0
        self.lock = threading.Lock()

    def one(self, client: LdapClient, op: Operation) -> bool:
        """Write ``op`` on ``client`` and record it; True when the error ends the run."""
        outcome, failed_anchors, ownership = self.outcome, self.failed_anchors, self.ownership
        with self.lock:
            blocked_by = failed_anchors.intersection(op.requires) if op.requires else set()
        if blocked_by and (op.merge_of or op.kind == 'delete'):
            # A supersession whose merge was refused: the contact stays, and the merge's other
            # writes are not sent (the ones already done were taken back).
            what = 'is kept' if op.kind == 'delete' else 'was not changed'
            self._record_failed(op, DirectoryError(
                f'{op.dn} {what}: the merge of the superseded contact ({op.anchor}) was refused',
                kind='not_attempted', dn=op.dn), count=False)
            return False
        if blocked_by:
            # A follow-up write (a Domino group naming a contact) whose contact was not renamed
            # or deleted: the group still names it rightly, so it is left as it is.
            self._record_failed(op, DirectoryError(
                f'{op.dn} was not updated: the write it follows failed ({", ".join(sorted(blocked_by))})',
                kind='not_attempted', dn=op.dn), count=False)
            return False
        try:
            try:
                if op.refused:
                    raise DirectoryError(op.refused, kind='access', dn=op.dn)
                if ownership is not None and op.kind in ('delete', 'rename'):
                    _still_ours(client, op, ownership)
                _execute(client, op, self.merged)
            except DirectoryError as exc:
                if ownership is None or not (_already_done(client, op, exc, ownership)
                                             or _created_elsewhere(client, op, exc)):
                    raise
        except DirectoryError as exc:
            with self.lock:
                failed_anchors.add(op.anchor)
            if exc.kind in FATAL_KINDS:
                with self.lock:
                    if outcome.aborted is None:
                        outcome.aborted = exc
                self._record_failed(op, exc)
                return True
            if op.merge_of:
                with self.lock:
                    done = self.merging.pop(op.merge_of, [])
                exc = _merge_refused(client, op, exc, done, outcome, self.lock)
            elif op.requires and exc.kind == 'access':
                # Domino: changing a Group document needs Editor, or Author with the
                # GroupModifier role, in the Domino Directory's ACL (vendor facts D-11.4).
                exc = DirectoryError(f'the group {op.dn} was not updated and still names the old contact: the sync '
                                     f'account may not change its member item (it needs Editor, or Author with the '
                                     f'GroupModifier role, in the Domino Directory ACL): {exc.message}',
                                     kind=exc.kind, server=exc.server, dn=op.dn)
            elif op.requires and exc.kind == 'schema' and not any(after for _before, after in op.changes.values()):
                # The group's last member was a deleted contact; a server checking groupOfNames'
                # MUST member refuses an empty group (Domino's behaviour is not documented).
                exc = DirectoryError(f'the group {op.dn} still names the deleted contact: it had no other member, and '
                                     f'the server refused a group without members ({exc.message}); delete the group '
                                     f'or give it another member in Domino', kind=exc.kind, server=exc.server, dn=op.dn)
            self._record_failed(op, exc)
            return False
        with self.lock:
            outcome.done.append(op)
            if op.merge_of:
                self.merging.setdefault(op.merge_of, []).append(op)
            self._progressed()
        return False

    def _record_failed(self, op: Operation, exc: DirectoryError, count: bool = True) -> None:
        with self.lock:
            self.outcome.failed.append((op, exc))
            if count:
                self._progressed()

    def _progressed(self) -> None:
        """Called under the lock: one more write attempted."""
        self.attempted += 1
        if self.progress is not None:
            self.progress(self.attempted, self.total, len(self.outcome.failed))


def _merge_refused(client: LdapClient, op: Operation, exc: DirectoryError, done: list, outcome: Outcome,
                   lock: threading.Lock) -> DirectoryError:
    """A merge write refused: take back the writes of the same merge already done (the X500
    value, the groups joined), newest first, so the mailbox and the groups are as they were and
    the contact, kept, still holds what people rely on. Returns the error naming the right."""
    if op.refused:
        message = exc.message
    elif exc.kind == 'access':
        attribute = next(iter(op.changes), '?')
        message = (f'the sync account may not write {attribute} on {op.dn} (supersede: merge needs WriteProperty on '
                   f'{attribute} there): {exc.message}. The contact is kept')
    else:
        message = f'the merge write on {op.dn} was refused: {exc.message}. The contact is kept'
    not_undone = []
    for earlier in reversed(done):
        try:
            # Value by value, never through modlist: an attribute whose values go back to none
            # there would be deleted whole (every member of the group).
            client.modify(earlier.dn, [('delete', a, [v for v in after if v not in before])
                                       for a, (before, after) in earlier.changes.items()])
        except DirectoryError as undo_error:
            not_undone.append(f'{earlier.dn}: {undo_error.message}')
            continue
        with lock:
            outcome.done.remove(earlier)
            outcome.undone.append(earlier)
    if done and not not_undone:
        message += f'; the {len(done)} write(s) of this merge already done were taken back'
    elif not_undone:
        message += f'; NOT taken back (do it by hand): {"; ".join(not_undone)}'
    return DirectoryError(message, kind=exc.kind, server=exc.server, dn=op.dn)


def _still_ours(client: LdapClient, op: Operation, ownership: Ownership) -> None:
    """Re-read the entry a delete or rename acts on: between the run's read and this write,
    someone may have put another object there (never delete or rename what is not ours). An entry
    that is gone is left to the write (a race _already_done settles)."""
    anchor = ownership.anchor(client, op.dn)
    # A re-joined contact's marker names its old anchor until the update rewriting it runs; with
    # allow_update: false that update never runs, and its renames must still go through.
    if anchor is not None and anchor not in (op.anchor, op.marked_as or op.anchor):
        raise DirectoryError(f'refused to {op.kind} {op.dn!r}: it changed since it was read and is no longer the '
                             f'contact of this sync for {op.anchor}', kind='changed', dn=op.dn)


def _already_done(client: LdapClient, op: Operation, exc: DirectoryError, ownership: Ownership) -> bool:
    """Whether a refused write is one another run of this sync already did (a race, not an error)."""
    if op.kind == 'create' and exc.kind == 'already_exists':
        return ownership.anchor(client, op.dn) == op.anchor          # the same contact, made by the other run
    if op.kind == 'delete' and exc.kind == 'no_such_object':
        return ownership.anchor(client, op.dn) is None               # already gone
    if op.kind == 'rename' and exc.kind in ('no_such_object', 'already_exists'):
        # The other run renamed it already: the old name is free and the new one is this contact.
        return ownership.anchor(client, op.dn) is None and \
            ownership.anchor(client, op.new_dn) in (op.anchor, op.marked_as or op.anchor)
    return False


def _created_elsewhere(client: LdapClient, op: Operation, exc: DirectoryError) -> bool:
    """A create whose name is taken by another object (not this sync's contact for the anchor:
    _already_done said so) is added once more under its fallback name, the anchor's suffix: the
    server's idea of "the same name" is the one that counts (AD folds names, KB 938447; an object
    may have been added since the read). The operation then records where the contact went."""
    if op.kind != 'create' or exc.kind != 'already_exists' or not op.fallback_dn:
        return False
    attribute, value, _flags = parse_dn(op.fallback_dn)[0][0]
    attrs = dict(op.attrs.items())            # made once (a planned create's CreateAttributes)
    rdn_attribute = next((a for a in attrs if a.lower() == attribute.lower()), attribute)
    attrs[rdn_attribute] = [value]
    client.add(op.fallback_dn, attrs)
    op.reason = f'created as {op.fallback_dn}: the server said {op.dn} is already in use by another object'
    op.dn, op.attrs, op.fallback_dn = op.fallback_dn, attrs, ''
    return True


def _execute(client: LdapClient, op: Operation, merged: list) -> None:
    if op.kind == 'create':
        client.add(op.dn, op.attrs)
    elif op.kind == 'update':
        client.modify(op.dn, modlist(op.changes, merged))
    elif op.kind == 'rename':
        first = parse_dn(op.new_dn)[0][0]
        new_rdn = rdn(first[0], first[1])
        new_parent = parent_dn(op.new_dn)
        moves = normalize_dn(parent_dn(op.dn)) != normalize_dn(new_parent)
        client.rename(op.dn, new_rdn, new_parent if moves else None, delete_old_rdn=True)
    elif op.kind == 'delete':
        client.delete(op.dn)
    else:                                   # a planner bug, never input: say so loudly
        raise ValueError(f'unknown operation {op.kind!r}')
