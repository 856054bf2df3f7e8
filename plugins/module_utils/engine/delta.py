# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Delta runs, the pure part: the watermark, when a run must be full, and the closed subset of
sources and owned contacts a delta run plans (docs/docsite/rst/architecture.rst, "Delta runs").

No I/O here: the direction reads what changed since the watermark and hands it in with a
function that reads more sources by anchor; :func:`scope` decides which sources and contacts the
planner must see so that its plan for them is the plan a full run would make.
"""

from __future__ import annotations

import hashlib
import json
import re
import typing as t
from dataclasses import dataclass, field

from .plan import AddressIndex, ContainerContents, Plan, SourceRecord, wanted_name

WATERMARK_VERSION = 1
DEFAULT_FULL_EVERY = '1d'
# Microsoft's shorter default, for a forest whose tombstoneLifetime is unset (vendor facts ).
DEFAULT_TOMBSTONE_DAYS = 60
_DURATION = re.compile(r'^\s*(\d+)\s*([smhdw]?)\s*$')
_UNIT = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
# A name's family: its key without the suffixes the planner adds (' (<hex>)' for a collision,
# ' (renaming <hex>)' for a swap), cut to this many characters, so a name cut to fit its suffix
# stays in the family of the whole name. The closure looks names up by family, then keeps only
# the ones that meet the name it asks for (names_meet()): a family alone is wide ('Anna Everly
# 00012' and 'Anna Everly 00013' share one), and in a bulk estate's repeated given names and
# surnames most families held several mailboxes that can never meet in the planner (issue 17).
_SUFFIX = re.compile(r'\s*\((?:renaming )?[0-9a-f]{1,64}\)\s*$')
FAMILY_WIDTH = 16
# The widest suffix the planner gives a name: a swap's, with a whole anchor (objectGUID and
# dominoUNID are 32 hex digits).
_WIDEST_SUFFIX = ' (renaming ' + 'f' * 32 + ')'
_ALIAS_SUFFIX = re.compile(r'(?:-[0-9a-f]{1,64})+$')


def parse_duration(text) -> int:
    """Seconds of a duration: ``90`` or ``90s``, ``30m``, ``12h``, ``1d``, ``2w``; ValueError else."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f'{text!r} is not a duration (a number with s, m, h, d or w, e.g. 1d)')
    return int(match.group(1)) * _UNIT[match.group(2)]


def fingerprint(settings: dict) -> str:
    """A short digest of the options that shape a plan: a delta planned under other options would
    differ from a full run for sources that did not change, so another fingerprint forces one."""
    text = json.dumps(settings, sort_keys=True, default=str, separators=(',', ':'))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


@dataclass(frozen=True)
class DcState:
    """What the source DC says of itself at the start of a run (its root DSE, its NTDS Settings,
    the forest's tombstone lifetime)."""

    usn: int
    invocation_id: str
    dns_host_name: str
    tombstone_days: int = DEFAULT_TOMBSTONE_DAYS


@dataclass(frozen=True)
class Watermark:
    """Where the previous clean run left off (vendor facts X-4.2, X-4.6)."""

    usn: int
    invocation_id: str
    dns_host_name: str
    time: float                      # seconds since the epoch, when the run started
    fingerprint: str
    full_time: float = 0.0           # when the last full run started (full_every counts from it)
    unresolved: tuple = ()           # anchors the run left in conflict, skipped or suppressed
    version: int = WATERMARK_VERSION

    def as_dict(self) -> dict:
        return {'version': self.version, 'usn': self.usn, 'invocation_id': self.invocation_id,
                'dns_host_name': self.dns_host_name, 'time': self.time, 'full_time': self.full_time,
                'fingerprint': self.fingerprint, 'unresolved': list(self.unresolved)}

    @classmethod
    def from_dict(cls, data) -> 'Watermark':
        """The watermark a playbook handed back; ValueError when it is not one this version wrote."""
        if not isinstance(data, dict) or data.get('version') != WATERMARK_VERSION:
            raise ValueError('not a watermark of this version')
        try:
            return cls(usn=int(data['usn']), invocation_id=str(data['invocation_id']),
                       dns_host_name=str(data['dns_host_name']), time=float(data['time']),
                       full_time=float(data['full_time']), fingerprint=str(data['fingerprint']),
                       unresolved=tuple(str(a) for a in data.get('unresolved') or ()))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f'incomplete watermark ({exc})') from exc


def full_run_reason(stored, dc: DcState, now: float, full_every: int, settings_fingerprint: str) -> str:
    """Why this run must read everything ('' when a delta may run). ``stored``: the watermark
    given (a dict, or None)."""
    if not stored:
        return 'no watermark (first run, or the fact cache lost it)'
    try:
        mark = Watermark.from_dict(stored)
    except ValueError as exc:
        return f'the watermark given is not usable: {exc}'
    if mark.invocation_id.lower() != dc.invocation_id.lower():
        return (f'the watermark is of another domain controller database (invocationId {mark.invocation_id}, now '
                f'{dc.invocation_id} on {dc.dns_host_name}): another DC, or this one restored from a backup')
    if mark.dns_host_name.lower() != dc.dns_host_name.lower():
        return f'the watermark is of {mark.dns_host_name}, this run reads {dc.dns_host_name}'
    if mark.usn > dc.usn:
        return f'the watermark ({mark.usn}) is ahead of the DC ({dc.usn}): restored or rolled back'
    if mark.fingerprint != settings_fingerprint:
        return 'the options that shape the plan changed since the watermark'
    age = now - mark.time
    if age < 0 or mark.full_time > mark.time:
        return 'the watermark is dated in the future (clock changed)'
    if age > dc.tombstone_days * 86400:
        return (f'the watermark is older than the tombstone lifetime ({dc.tombstone_days} days): deletions '
                f'since may have no tombstone left')
    if now - mark.full_time > full_every:
        return f'the last full run is older than full_every ({full_every} s): the scheduled full run'
    return ''


def unresolved_anchors(the_plan: Plan) -> tuple:
    """The anchors a run leaves for the next one to retry: in conflict, skipped, or held back by a
    switch. A delta run re-reads them all, as a full run would."""
    found = {c['anchor'] for c in the_plan.conflicts} | {s['anchor'] for s in the_plan.skips}
    found |= {op.anchor for op in the_plan.suppressed}
    return tuple(sorted(a for a in found if a))


def base_key(profile, name: str) -> str:
    """A name's key without the planner's suffixes (a collision's, a swap's), not cut."""
    return _without_suffixes(profile.name_key(name))


def _without_suffixes(key: str) -> str:
    while True:
        stripped = _SUFFIX.sub('', key)
        if stripped == key:
            return key
        key = stripped


def names_meet(one: str, other: str) -> bool:
    """Whether two names (their base_key()) can meet in the planner: the same key, or one at least
    FAMILY_WIDTH long that the other starts with. The planner cuts a name from its end to fit the
    target's limit or a suffix, and the key of a cut name is the start of the whole name's key
    (name_key() folds one character at a time). Names that only begin alike never meet. Both
    ways, names that meet share a family."""
    if len(one) > len(other):
        one, other = other, one
    return one == other or (len(one) >= FAMILY_WIDTH and other.startswith(one))


def cut_names_obstacle(profile) -> str:
    """Why this target cannot be planned by delta runs ('' when it can). names_meet() finds a name
    cut to fit a suffix by its first FAMILY_WIDTH characters: a target whose limit leaves fewer
    beside the widest suffix (on Domino, a contacts base DN of about 190 characters) would cut
    names shorter, and a delta could plan a name a full run would suffix."""
    if profile.name_length('x' * FAMILY_WIDTH + _WIDEST_SUFFIX) > profile.name_limit:
        return (f'the contacts\' container leaves fewer than {FAMILY_WIDTH} characters of a name beside the '
                f'longest suffix the planner adds (a long DN): runs are full')
    return ''


def alias_family(alias: str) -> str:
    """The group of aliases that can collide with ``alias`` (the planner suffixes '-<hex>')."""
    key = (alias or '').lower()
    return _ALIAS_SUFFIX.sub('', key)[:FAMILY_WIDTH]


@dataclass
class Scope:
    """What a delta run plans: a subset of sources and owned contacts closed under everything
    the planner relates (addresses, names, anchors), and what the rest holds (taken)."""

    sources: list                        # SourceRecord of the touched anchors that exist
    owned: list                          # OwnedContact of the touched anchors
    frozen: list                         # the container's frozen contacts (all of them)
    taken_names: list                    # the names of the owned contacts left out
    taken_addresses: dict                # their addresses -> holder description
    taken_aliases: list                  # their aliases (AD mailNickname)
    touched: set = field(default_factory=set)
    changed: int = 0                     # changed or gone anchors (before the closure)
    pulled: int = 0                      # anchors added by the closure (read by anchor)


def scope(changed: t.Mapping[str, t.Optional[SourceRecord]], unresolved: t.Iterable[str],
          container: ContainerContents, index: AddressIndex, profile,
          read_sources: t.Callable[[set], dict], present: t.Optional[set] = None,
          deleted: t.Optional[t.Iterable[str]] = None) -> Scope:
    """The subset a delta run plans, from the sources changed since the watermark (anchor ->
    record, or None when it is gone or no longer a source), the anchors left unresolved, the
    target's container and address index, and ``read_sources(anchors) -> {anchor: record or
    None}`` for the sources of contacts the closure pulls in. ``present``: every anchor the
    source holds now, when the direction read them; an owned contact whose anchor is missing
    there is touched as gone (a deletion the changed read cannot show). ``deleted``: instead, the
    anchors the source says were deleted since the watermark (its tombstones); an owned contact
    of one is touched as gone, unless the changed read saw the anchor again (restored).

    Touched are the changed and unresolved anchors, the frozen contacts', every owned contact
    whose address another recipient now holds or whose name key a foreign entry now has, and every
    contact carrying a collision suffix that no other name meeting its own explains any more; then,
    until nothing is added, every owned contact sharing an address with a touched source (its
    desired contact) or a touched contact, or holding a name that meets one of theirs
    (names_meet()). The rest does not interact with the touched ones in the planner: their names
    and addresses are handed in as taken.
    """
    # Each owned contact's name, its key and its addresses, worked out once (the run's largest
    # loops: every owned contact, 100,000s), beside the contact: (contact, name, key, addresses).
    owned_of: dict = {}                  # anchor -> [(contact, name, key, addresses)]
    by_address: dict = {}
    by_family: dict = {}                 # family -> [(base key, anchor)] of the owned contacts' names
    facts = []
    for contact in container.owned:
        name = profile.rdn_value(contact.dn)
        key = profile.name_key(name)
        held = profile.addresses(contact.attrs)
        fact = (contact, name, key, held)
        facts.append(fact)
        owned_of.setdefault(contact.anchor, []).append(fact)
        for address in held:
            by_address.setdefault(address, set()).add(contact.anchor)
        base = _without_suffixes(key)
        by_family.setdefault(base[:FAMILY_WIDTH], []).append((base, contact.anchor))

    alias_attribute = profile.alias_attribute
    by_alias: dict = {}
    if alias_attribute:
        for contact in container.owned:
            for value in contact.attrs.get(alias_attribute, []):
                by_alias.setdefault(alias_family(value), set()).add(contact.anchor)
    foreign_aliases = {alias_family(a) for a in index.aliases}
    records: dict = dict(changed)
    if present is not None:
        records.update({a: None for a in owned_of if a not in present and a not in records})
    for anchor in deleted or ():
        if anchor in owned_of and anchor not in records:
            records[anchor] = None
    changed_count = len(records)
    touched = set(records) | {a for a in unresolved if a} | {c.anchor for c in container.frozen}
    foreign_keys = {profile.name_key(n) for n in list(container.foreign_names) + list(index.names)}
    foreign_by_family: dict = {}         # family -> keys of the foreign names, as read and without suffixes
    for key in foreign_keys | {base_key(profile, n) for n in container.foreign_names}:
        foreign_by_family.setdefault(key[:FAMILY_WIDTH], set()).add(key)
    for contact, _name, key, held in facts:
        if any(a in index.addresses for a in held) or key in foreign_keys:
            touched.add(contact.anchor)
        elif _SUFFIX.search(key) and not _suffix_explained(_without_suffixes(key), contact.anchor, by_family,
                                                           foreign_by_family):
            touched.add(contact.anchor)          # a suffix nothing explains any more: a full run renames it back
        elif alias_attribute and any(alias_family(v) in foreign_aliases for v in contact.attrs.get(alias_attribute, [])):
            touched.add(contact.anchor)
    pulled = touched - set(records)
    done_addresses, done_names, done_aliases = set(), set(), set()
    new = set(touched)
    while new:
        missing = {a for a in new if a not in records}
        if missing:
            found = read_sources(missing)
            records.update({a: found.get(a) for a in missing})
        addresses, names, aliases = set(), set(), set()
        for anchor in new:
            record = records.get(anchor)
            if record is not None:
                addresses |= profile.addresses(profile.desired(record, record.alias))
                addresses.add(record.mail.lower())
                names.add(base_key(profile, wanted_name(profile, record.display_name)))
                aliases.add(alias_family(record.alias))
            for contact, _name, key, held in owned_of.get(anchor, ()):
                addresses |= held
                names.add(_without_suffixes(key))
                aliases |= {alias_family(v) for v in contact.attrs.get(alias_attribute, [])} if alias_attribute else set()
        addresses -= done_addresses
        names -= done_names
        aliases -= done_aliases
        done_addresses |= addresses
        done_names |= names
        done_aliases |= aliases
        related = set()
        for address in addresses:
            related |= by_address.get(address, set())
        for name in names:
            related.update(_meeting(by_family, name))
        for alias in aliases:
            related |= by_alias.get(alias, set())
        new = related - touched
        touched |= new
        pulled |= new
    sources = [records[a] for a in sorted(touched) if records.get(a) is not None]
    owned = [c for c in container.owned if c.anchor in touched]
    rest = [fact for fact in facts if fact[0].anchor not in touched]
    taken_addresses = {}
    for contact, _name, _key, held in rest:
        holder = f'{contact.dn} (contact of this sync, not in this delta)'      # one string for its addresses
        taken_addresses.update(dict.fromkeys(held, holder))
    taken_aliases = [v for c, *_facts in rest for v in c.attrs.get(alias_attribute, [])] if alias_attribute else []
    return Scope(sources=sources, owned=owned, frozen=list(container.frozen),
                 taken_names=[name for _c, name, _key, _held in rest], taken_addresses=taken_addresses,
                 taken_aliases=taken_aliases, touched=touched, changed=changed_count, pulled=len(pulled))


def _meeting(by_family: dict, name: str) -> t.Iterator[str]:
    """The anchors of the owned contacts whose names meet ``name`` (a base_key())."""
    return (anchor for key, anchor in by_family.get(name[:FAMILY_WIDTH], ()) if names_meet(name, key))


def _suffix_explained(base: str, anchor: str, by_family: dict, foreign_by_family: dict) -> bool:
    """Whether a name other than the contact's own meets its name without the suffix: another owned
    contact's, or a foreign one's (then the suffix still has a reason)."""
    return (any(names_meet(base, key) for key in foreign_by_family.get(base[:FAMILY_WIDTH], ()))
            or any(other != anchor for other in _meeting(by_family, base)))


@dataclass
class DeltaRun:
    """What a run with delta runs on knows of itself: full or delta, why, and the DC state the
    next watermark records (read before the source reads: a change made during the run is read
    again next time, never lost)."""

    kind: str                            # 'full' or 'delta'
    why: str                             # why full ('' for a delta)
    dc: DcState
    fingerprint: str
    started: float
    given: t.Optional[dict] = None       # the watermark handed in (returned as is when this run is not clean)

    def watermark(self, the_plan: Plan, clean: bool) -> t.Optional[dict]:
        """The watermark to keep: advanced after a clean run, else the one given."""
        if not clean:
            return self.given
        full_time = self.started if self.kind == 'full' else Watermark.from_dict(self.given).full_time
        return Watermark(usn=self.dc.usn, invocation_id=self.dc.invocation_id, dns_host_name=self.dc.dns_host_name,
                         time=self.started, full_time=full_time, fingerprint=self.fingerprint,
                         unresolved=unresolved_anchors(the_plan)).as_dict()

    def as_dict(self) -> dict:
        return {'kind': self.kind, 'why': self.why or 'changes since the watermark', 'dc': self.dc.dns_host_name,
                'usn': self.dc.usn}


@dataclass
class DeltaSources:
    """A delta read of the source: the changed anchors, the unresolved ones of the watermark, and
    how to read more sources by anchor (directions/prepare.py hands them to :func:`scope`)."""

    changed: dict                        # anchor -> SourceRecord or None
    unresolved: tuple
    read_by_anchor: t.Callable[[set], dict]
    present: t.Optional[set] = None      # every anchor the source holds now (deletions: the ones missing)
    deleted: t.Optional[set] = None      # or: the anchors deleted since the watermark (the source's tombstones)
