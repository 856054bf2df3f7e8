# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The planner: what to create, change, rename and delete so the owned contacts match the sources.

Pure functions, no I/O, one planner for both directions. The direction-specific parts (which
attributes a contact has, how names compare, which values of a multi-valued attribute the
sync owns) come from a *profile* object (:class:`ContactProfile`) supplied by the target
directory's dialect. Read :func:`plan` top to bottom: it is the whole decision.

Rules (DESIGN.md, "Behaviour every sync module has"):

* only owned contacts (those carrying the marker, found in the container) are ever updated,
  renamed or deleted; everything else is only reported or avoided;
* a contact is joined to its source by anchor; a source whose anchor changed is re-joined to
  the orphaned owned contact with the same address;
* an address held by another recipient (``foreign`` addresses), or claimed by two sources, is
  a conflict: nothing is written for it; when a real mailbox holds the address of an owned
  contact, the contact is deleted (a user migrated);
* a source that is present but invalid keeps its existing contact, unchanged, and is reported;
* names are compared the way the target compares them (``profile.name_key``); collisions get a
  suffix derived from the anchor, so the outcome never depends on processing order;
* renames are ordered so swaps, chains and names freed in the same run work;
* the deletion guard blocks the whole plan (nothing written) past its limits.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

# --- inputs ---


@dataclass(frozen=True)
class SourceRecord:
    """One mailbox of the source directory, normalised by the source's dialect."""

    anchor: str                      # stable id: Domino dominoUNID, AD objectGUID (canonical)
    dn: str                          # where it lives in the source (for reports)
    display_name: str
    mail: str                        # its own primary address, never rewritten
    given_name: str = ''
    surname: str = ''
    alias: str = ''                  # mailNickname-style alias
    routing_address: str = ''        # an existing address in the other side's routing domain
    fields: t.Mapping[str, str] = field(default_factory=dict)   # mapped address-book fields (target names)
    problems: tuple = ()             # why the source is invalid (found by its dialect)


@dataclass
class OwnedContact:
    """A contact the sync owns (marker present, inside the container), as read from the target."""

    dn: str
    anchor: str                      # read from the ownership marker
    attrs: dict                      # attribute -> list of str values (the attributes the sync manages)
    object_id: str = ''              # the target's own id (objectGUID, dominoUNID) for reports


class ContactProfile(t.Protocol):
    """What the target's dialect tells the planner. See _ad.py / _domino.py."""

    rdn_attribute: str
    name_limit: int                                   # longest RDN value the target accepts

    def name_key(self, name: str) -> str: ...         # equal keys = same name to the target
    def dn_for(self, name: str) -> str: ...           # the DN of a contact with this RDN value
    def rdn_value(self, dn: str) -> str: ...          # the RDN value of a DN
    def parent_key(self, dn: str) -> str: ...         # the DN's parent, normalised for comparing
    def validate(self, source: SourceRecord) -> list: ...   # what the target would refuse
    alias_attribute: str                              # '' when the target has no alias to keep unique
    alias_limit: int

    def desired(self, source: SourceRecord, alias: str) -> dict: ...   # attr -> list of values (managed attrs)
    def on_create(self, source: SourceRecord) -> dict: ...  # attrs written only by the add (marker, ...)
    def marker(self, anchor: str) -> dict: ...        # the ownership marker attribute(s) for an anchor
    def limits(self) -> dict: ...                     # attr -> max characters of one value
    def merged(self) -> dict: ...                     # attr -> predicate(value) -> bool: values the sync owns
    def compare_keys(self) -> dict: ...               # attr -> function: values equal under it are equal
    def addresses(self, attrs: dict) -> set: ...      # lower-case addresses an entry holds


@dataclass(frozen=True)
class Limits:
    """The deletion guard and the per-operation switches."""

    max_deletes: int = 500
    max_delete_percent: float = 10.0
    allow_create: bool = True
    allow_update: bool = True
    allow_rename: bool = True
    allow_delete: bool = True


# --- outputs ---


@dataclass
class Operation:
    """One write: create, update, rename or delete of one contact."""

    kind: str                        # create | update | rename | delete
    anchor: str
    dn: str                          # the DN the operation acts on (for create: the new DN)
    new_dn: str = ''                 # rename: where the contact goes
    attrs: dict = field(default_factory=dict)       # create: every attribute of the add
    changes: dict = field(default_factory=dict)     # update: attr -> (before list, after list)
    reason: str = ''                 # delete / rename: why
    source_dn: str = ''

    def as_dict(self) -> dict:
        out = {'op': self.kind, 'anchor': self.anchor, 'dn': self.dn}
        if self.new_dn:
            out['new_dn'] = self.new_dn
        if self.attrs:
            out['attributes'] = self.attrs
        if self.changes:
            out['changes'] = {a: {'before': b, 'after': c} for a, (b, c) in self.changes.items()}
        if self.reason:
            out['reason'] = self.reason
        if self.source_dn:
            out['source_dn'] = self.source_dn
        return out


@dataclass
class Plan:
    operations: list = field(default_factory=list)   # in the order they must run
    conflicts: list = field(default_factory=list)    # dicts: anchor, source_dn, address, holder, reason
    skips: list = field(default_factory=list)        # dicts: anchor, source_dn, reason (contact kept if any)
    warnings: list = field(default_factory=list)     # dicts: anchor, attribute, reason
    suppressed: list = field(default_factory=list)   # operations a per-operation switch turned off
    unchanged: int = 0
    managed: int = 0                 # owned contacts before the run (the guard's base)
    sources: int = 0
    blocked: str = ''                # why the guard stopped the plan ('' = it may run)

    def of_kind(self, kind: str) -> list:
        return [op for op in self.operations if op.kind == kind]

    def counts(self) -> dict:
        counts = {k: len(self.of_kind(k)) for k in ('create', 'update', 'rename', 'delete')}
        counts.update(conflict=len(self.conflicts), skip=len(self.skips), warning=len(self.warnings),
                      suppressed=len(self.suppressed), unchanged=self.unchanged, managed=self.managed,
                      sources=self.sources)
        return counts

    @property
    def writes(self) -> list:
        """The operations to execute: none at all when the guard blocked the plan."""
        return [] if self.blocked else self.operations


# --- the planner ---

def plan(sources: t.Iterable[SourceRecord], owned: t.Iterable[OwnedContact], foreign_addresses: t.Mapping[str, str],
         foreign_names: t.Iterable[str], profile: ContactProfile, limits: Limits = Limits(),
         foreign_aliases: t.Iterable[str] = ()) -> Plan:
    """Plan the writes that make the owned contacts match ``sources``.

    ``foreign_addresses`` maps every lower-case address held by a recipient that is not an owned
    contact (mailboxes, groups, other contacts, forest-wide when read from a Global Catalog) to a
    description of its holder. ``foreign_names`` are the RDN values of objects in the container
    that the sync does not own: a contact may not take their names. ``foreign_aliases`` are the
    aliases (mailNickname) of all other recipients, which must stay unique forest-wide.
    """
    sources = list(sources)
    owned = sorted(owned, key=lambda c: (c.anchor, c.dn.lower()))
    result = Plan(managed=len(owned), sources=len(sources))
    deletes: list = []

    # 1. One contact per anchor: extra owned contacts with the same anchor (a replication
    #    conflict, an interrupted concurrent run) are deleted, the first by DN is kept.
    by_anchor: dict = {}
    for contact in owned:
        if contact.anchor in by_anchor:
            deletes.append(Operation('delete', contact.anchor, contact.dn, reason='duplicate of the contact '
                                     f'{by_anchor[contact.anchor].dn} for the same source'))
        else:
            by_anchor[contact.anchor] = contact

    # 2. Valid sources, and which ones conflict: an address two sources claim, or one another
    #    recipient holds, is written for none of them.
    present = {s.anchor for s in sources}
    valid, invalid = [], []
    for source in sorted(sources, key=lambda s: s.anchor):
        problems = list(source.problems) + list(profile.validate(source))
        (invalid if problems else valid).append((source, problems))
    claims: dict = {}
    for source, _problems in valid:
        claims.setdefault(source.mail.lower(), []).append(source)
    kept = {}                      # anchor -> (source, reason): existing contact kept as it is
    superseded = {}                # anchor -> holder of its address
    joinable = []
    for source, problems in invalid:
        kept[source.anchor] = (source, '; '.join(problems))
    for source, _problems in valid:
        address = source.mail.lower()
        holder = foreign_addresses.get(address)
        if holder is not None:
            result.conflicts.append({'anchor': source.anchor, 'source_dn': source.dn, 'address': source.mail,
                                     'holder': holder, 'reason': f'{source.mail} belongs to {holder}'})
            superseded[source.anchor] = holder
        elif len(claims[address]) > 1:
            others = ', '.join(s.dn for s in claims[address] if s is not source)
            result.conflicts.append({'anchor': source.anchor, 'source_dn': source.dn, 'address': source.mail,
                                     'holder': others, 'reason': f'{source.mail} is also claimed by {others}'})
            kept[source.anchor] = (source, 'address claimed by several sources')
        else:
            joinable.append(source)
    for source, reason in kept.values():
        result.skips.append({'anchor': source.anchor, 'source_dn': source.dn, 'reason': reason,
                             'contact': by_anchor[source.anchor].dn if source.anchor in by_anchor else None})

    # 3. Join: by anchor, else re-join an orphaned owned contact with the same primary address.
    orphans_by_mail = {}
    for contact in by_anchor.values():
        if contact.anchor not in present:
            for address in _primary(contact, profile):
                orphans_by_mail.setdefault(address, contact)
    joined: dict = {}              # anchor -> contact
    rejoined: set = set()
    for source in joinable:
        contact = by_anchor.get(source.anchor)
        if contact is None:
            contact = orphans_by_mail.pop(source.mail.lower(), None)
            if contact is not None:
                rejoined.add(contact.anchor)
        if contact is not None:
            joined[source.anchor] = contact

    # 4. Deletes: owned contacts whose source is gone, or whose address a real mailbox now holds.
    taken = {c.anchor for c in joined.values()}
    for contact in by_anchor.values():
        if contact.anchor in superseded:
            deletes.append(Operation('delete', contact.anchor, contact.dn,
                                     reason=f'superseded: its address now belongs to {superseded[contact.anchor]}'))
        elif contact.anchor not in present and contact.anchor not in taken:
            deletes.append(Operation('delete', contact.anchor, contact.dn, reason='source mailbox gone'))

    # 5. Names: the final name of every contact that remains, collisions resolved from anchors.
    kept_contacts = [by_anchor[a] for a in kept if a in by_anchor and a not in superseded]
    wanted = {s.anchor: _clean_name(s.display_name)[:profile.name_limit].rstrip() for s in joinable}
    blocked = {profile.name_key(n) for n in foreign_names}
    blocked |= {profile.name_key(profile.rdn_value(c.dn)) for c in kept_contacts}
    names = _disambiguate(wanted, blocked, profile.name_key, profile.name_limit, ' ({})')
    aliases = {}
    if profile.alias_attribute:
        wanted = {s.anchor: s.alias[:profile.alias_limit] for s in joinable}
        blocked = {a.lower() for a in foreign_aliases}
        blocked |= {v.lower() for c in kept_contacts for v in c.attrs.get(profile.alias_attribute, [])}
        aliases = _disambiguate(wanted, blocked, str.lower, profile.alias_limit, '-{}')

    # 6. Updates, renames and creates.
    renames, updates, creates = [], [], []
    for source in joinable:
        desired, dropped = _within_limits(profile.desired(source, aliases.get(source.anchor, '')), profile.limits())
        for attribute in dropped:
            result.warnings.append({'anchor': source.anchor, 'attribute': attribute, 'source_dn': source.dn,
                                    'reason': f'value longer than {profile.limits()[attribute]} characters: '
                                              f'not written'})
        new_dn = profile.dn_for(names[source.anchor])
        contact = joined.get(source.anchor)
        if contact is None:
            attrs = dict(desired)
            attrs.update(profile.on_create(source))
            attrs.update(profile.marker(source.anchor))
            attrs[profile.rdn_attribute] = [names[source.anchor]]
            attrs = {a: v for a, v in attrs.items() if v}             # an add may not carry empty attributes
            creates.append(Operation('create', source.anchor, new_dn, attrs=attrs, source_dn=source.dn))
            continue
        changes = _changes(contact.attrs, desired, profile.merged(), profile.compare_keys())
        if contact.anchor != source.anchor:                          # re-joined after an anchor change
            changes.update({a: (contact.attrs.get(a, []), v) for a, v in profile.marker(source.anchor).items()})
        if changes:
            updates.append(Operation('update', source.anchor, contact.dn, changes=changes, source_dn=source.dn,
                                     reason='re-joined by address after the source anchor changed'
                                     if contact.anchor in rejoined else ''))
        # Compare the RDN value exactly (a case change is a rename) and the parent normalised (a
        # contact someone moved into a sub-OU comes back).
        moved = profile.parent_key(contact.dn) != profile.parent_key(new_dn)
        if moved or profile.rdn_value(contact.dn) != names[source.anchor]:
            renames.append(Operation('rename', source.anchor, contact.dn, new_dn=new_dn, source_dn=source.dn,
                                     reason='moved back into the container' if moved else 'name changed'))
        elif not changes:
            result.unchanged += 1
    result.unchanged += len(kept_contacts)

    # 7. Order: deletes free names and addresses; updates (on the current DNs), those releasing
    #    addresses before those taking them; renames in an order that never takes a name still
    #    held; creates last, once every name and address they need is free.
    deleted = {d.dn for d in deletes}
    remaining = [c for c in owned if c.dn not in deleted]
    ordered_renames = _order_renames(renames, remaining, profile)
    updates.sort(key=lambda op: (not _releases_addresses(op, profile), op.anchor))
    operations = deletes + updates + ordered_renames + sorted(creates, key=lambda op: op.anchor)

    # 8. Per-operation switches, then the guard.
    allowed = {'create': limits.allow_create, 'update': limits.allow_update,
               'rename': limits.allow_rename, 'delete': limits.allow_delete}
    for op in operations:
        (result.operations if allowed[op.kind] else result.suppressed).append(op)
    result.blocked = _guard(result, len(sources), limits)
    return result


def _primary(contact: OwnedContact, profile: ContactProfile) -> list:
    return [v.lower() for v in contact.attrs.get('mail', [])] or sorted(profile.addresses(contact.attrs))


def _clean_name(name: str) -> str:
    """A display name as an RDN value: control characters dropped, spacing collapsed."""
    printable = ''.join(ch if ch.isprintable() else ' ' for ch in name)
    return ' '.join(printable.split())


def _disambiguate(wanted: dict, blocked: set, key: t.Callable, limit: int, suffix_format: str) -> dict:
    """anchor -> final value: the wanted value where it is unique under ``key`` and not blocked;
    where values collide, each colliding one gets a suffix from its anchor (longer if it still
    collides). Deterministic: the result depends only on the set of values and anchors, never on
    their order."""
    def suffixed(anchor: str, width: int) -> str:
        suffix = suffix_format.format(anchor.replace('-', '')[:width].lower())
        return wanted[anchor][:max(limit - len(suffix), 0)].rstrip() + suffix

    groups: dict = {}
    for anchor, value in wanted.items():
        groups.setdefault(key(value), []).append(anchor)
    final = {}
    for value_key, anchors in groups.items():
        if len(anchors) == 1 and value_key not in blocked:
            final[anchors[0]] = wanted[anchors[0]]
        else:
            final.update((anchor, suffixed(anchor, 8)) for anchor in anchors)
    # A suffixed value can meet another value by chance: widen the suffix of every value that
    # is still not unique (sorted, so the outcome does not depend on dict order).
    for width in (16, 32, 64):
        counts: dict = {}
        for value in final.values():
            counts[key(value)] = counts.get(key(value), 0) + 1
        clashing = sorted(a for a, v in final.items() if counts[key(v)] > 1 or key(v) in blocked)
        if not clashing:
            break
        final.update((anchor, suffixed(anchor, width)) for anchor in clashing)
    return final


def _within_limits(desired: dict, limits: dict) -> tuple:
    """Drop values over an attribute's limit (the whole attribute, with a warning)."""
    kept, dropped = {}, []
    for attribute, values in desired.items():
        limit = limits.get(attribute)
        if limit is not None and any(len(v) > limit for v in values):
            dropped.append(attribute)
        else:
            kept[attribute] = values
    return kept, dropped


def _changes(current: dict, desired: dict, merged: dict, compare_keys: dict) -> dict:
    """attr -> (before, after) for every managed attribute whose values differ.

    Merged attributes (proxyAddresses) keep every value the sync does not own; only the owned
    values are replaced by the desired ones. Values compare exactly unless the profile gives a
    key (DN-valued attributes compare normalised).
    """
    changes = {}
    for attribute, want in desired.items():
        have = list(current.get(attribute, []))
        key = compare_keys.get(attribute, _same)
        owns = merged.get(attribute)
        after = list(want)
        if owns is not None:
            after = [v for v in have if not owns(v)] + after
        if sorted({key(v) for v in have}) != sorted({key(v) for v in after}) or len(have) != len(set(map(key, have))):
            changes[attribute] = (have, list(dict.fromkeys(after)))
    return changes


def _same(value: str) -> str:
    return value


def _releases_addresses(op: Operation, profile) -> bool:
    before = {a for attr, (b, _a) in op.changes.items() for a in profile.addresses({attr: b})}
    after = {a for attr, (_b, a_) in op.changes.items() for a in profile.addresses({attr: a_})}
    return bool(before - after)


def _order_renames(renames: list, remaining: list, profile) -> list:
    """Order renames so none takes a name another contact still holds: chains run from their
    free end, cycles (swaps) go through a temporary name first."""
    def slot(dn: str) -> tuple:                       # what must be unique: the name under one parent
        return profile.parent_key(dn), profile.name_key(profile.rdn_value(dn))

    holder = {slot(c.dn): c.dn for c in remaining}
    pending = sorted(renames, key=lambda op: op.anchor)
    ordered = []
    while pending:
        progressed = False
        for op in list(pending):
            if holder.get(slot(op.new_dn), op.dn) == op.dn:   # free, or only a case change of itself
                holder.pop(slot(op.dn), None)
                holder[slot(op.new_dn)] = op.new_dn
                ordered.append(op)
                pending.remove(op)
                progressed = True
        if progressed:
            continue
        # Every pending rename waits for another: a cycle. Park the first under a temporary name.
        op = pending[0]
        base = profile.rdn_value(op.dn)
        for width in (8, 16, 32, len(op.anchor)):
            suffix = f' (renaming {op.anchor.replace("-", "")[:width].lower()})'
            temp_dn = profile.dn_for(base[:max(profile.name_limit - len(suffix), 0)].rstrip() + suffix)
            if slot(temp_dn) not in holder:
                break
        ordered.append(Operation('rename', op.anchor, op.dn, new_dn=temp_dn, source_dn=op.source_dn,
                                 reason='temporary name, to free its name for another contact'))
        holder.pop(slot(op.dn), None)
        holder[slot(temp_dn)] = temp_dn
        op.dn = temp_dn
    return ordered


def _guard(result: Plan, source_count: int, limits: Limits) -> str:
    """Why the plan must not run at all, or '' when it may."""
    deletes = len(result.of_kind('delete'))
    if source_count == 0 and result.managed:
        return (f'the source returned no mailboxes while {result.managed} contacts are managed: refusing to '
                f'delete them all (check the source connection and mailbox_base)')
    if deletes > limits.max_deletes:
        return (f'{deletes} deletes exceed max_deletes ({limits.max_deletes}) out of {result.managed} managed '
                f'contacts: nothing was written; review the report, then raise max_deletes for one run')
    if deletes > 10 and deletes * 100 > limits.max_delete_percent * result.managed:
        return (f'{deletes} deletes are more than max_delete_percent ({limits.max_delete_percent:g} %) of '
                f'{result.managed} managed contacts: nothing was written; review the report, then raise '
                f'max_delete_percent for one run')
    return ''
