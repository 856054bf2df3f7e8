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

Rules (docs/docsite/rst/architecture.rst, "Decisions"):

* only owned contacts (those carrying the marker, found in the container) are ever updated,
  renamed or deleted; everything else is only reported or avoided;
* a contact is joined to its source by anchor; a source whose anchor changed is re-joined to
  the orphaned owned contact with the same address;
* an address held by another recipient (``foreign`` addresses), claimed by two sources, or held
  by a contact kept unchanged, is a conflict: nothing is written for it (every address of the
  desired contact counts, the derived routing address too); when a real mailbox holds the
  address of an owned contact, the contact is deleted (a user migrated);
* a source that is present but invalid keeps its existing contact, unchanged, and is reported;
* names are compared the way the target compares them (``profile.name_key``); collisions get a
  suffix derived from the anchor, so the outcome never depends on processing order;
* renames are ordered so swaps, chains and names freed in the same run work;
* the deletion guard blocks the whole plan (nothing written) past its limits.
"""

from __future__ import annotations

import heapq
import typing as t
from collections.abc import Mapping
from dataclasses import dataclass, field

# --- inputs ---

# The kinds of recipient a source can be (issue 18): a person (a mailbox), a group (a Domino Mail
# only or Multi-purpose group, an Exchange distribution, security or dynamic group), a mail-in
# database, a resource (a room or equipment). Each can be switched off (the ``kinds`` option);
# the planner treats them alike but for where a contact lives (the profile's ``dn_for``: AD can
# have an OU per kind), and carries the kind into the plan and the report.
RECIPIENT_KINDS = ('person', 'group', 'mailin', 'resource')


class MappedFields(Mapping):
    """A source's mapped address-book fields (target attribute -> value), read only, as the reads
    hold them (issue 17): the field names one shared tuple per attribute map, the values a tuple
    per record. A dict per record cost 184 bytes of its own at two fields, this about 104."""

    __slots__ = ('_names', '_values')
    _layouts: dict = {}             # one tuple of names per attribute map (a handful per process)

    def __init__(self, names: tuple, values: tuple):
        self._names = names
        self._values = values

    @classmethod
    def read(cls, field_map: t.Mapping[str, str], value: t.Callable[[str], str]) -> 'MappedFields':
        """The fields of one entry: ``field_map`` target name -> source attribute, ``value`` the
        entry's value of a source attribute ('' when it has none)."""
        names = tuple(field_map)
        names = cls._layouts.setdefault(names, names)
        return cls(names, tuple(value(source) for source in field_map.values()))

    def __getitem__(self, name: str) -> str:
        try:
            return self._values[self._names.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f'MappedFields({dict(self)!r})'


@dataclass(frozen=True, slots=True)     # slots: 100,000s of them per run (issue 17)
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
    # mapped address-book fields (target names): MappedFields from the reads, any Mapping from data
    fields: t.Mapping[str, str] = field(default_factory=dict)
    problems: tuple = ()             # why the source is invalid (found by its dialect)
    kind: str = 'person'             # one of RECIPIENT_KINDS

    def as_dict(self) -> dict:
        """The record as the *_mailbox_info modules return it (and the sync modules take it back)."""
        return {'anchor': self.anchor, 'dn': self.dn, 'display_name': self.display_name, 'mail': self.mail,
                'given_name': self.given_name, 'surname': self.surname, 'alias': self.alias,
                'routing_address': self.routing_address, 'fields': dict(self.fields), 'problems': list(self.problems),
                'kind': self.kind}

    def mapped_values(self, attribute_map: t.Iterable[tuple]) -> dict:
        """The mapped address-book fields as a contact's attribute values, for either target: the
        value stripped; an empty one clears the attribute. ``attribute_map``: (target attribute,
        source field) pairs, as a contact profile holds them."""
        values = {}
        for attribute, _field in attribute_map:
            value = (self.fields.get(attribute) or '').strip()
            values[attribute] = [value] if value else []
        return values

    @classmethod
    def from_dict(cls, data: dict) -> 'SourceRecord':
        """The inverse of :meth:`as_dict`, for records given to a sync module as data."""
        return cls(anchor=str(data.get('anchor') or '').strip(), dn=str(data.get('dn') or ''),
                   display_name=str(data.get('display_name') or ''), mail=str(data.get('mail') or '').strip(),
                   given_name=str(data.get('given_name') or '').strip(), surname=str(data.get('surname') or '').strip(),
                   alias=str(data.get('alias') or '').strip(), fields=dict(data.get('fields') or {}),
                   routing_address=str(data.get('routing_address') or '').strip(),
                   problems=tuple(data.get('problems') or ()), kind=str(data.get('kind') or 'person'))


@dataclass(slots=True)
class OwnedContact:
    """A contact the sync owns (marker present, inside the container), as read from the target."""

    dn: str
    anchor: str                      # read from the ownership marker
    attrs: t.Mapping                 # attribute -> list of str values it manages (reads: ContactAttributes)
    object_id: str | bytes = ''      # the target's own id: Domino's dominoUNID, AD's objectGUID as its 16 bytes
    hold: frozenset = frozenset()    # attributes to leave alone on this contact (e.g. an admin hid it; shared constants)
    kind: str = ''                   # the kind of recipient its marker names ('' in a marker from before kinds)


class ContactAttributes(Mapping):
    """An owned contact's attributes as read: attribute -> list of str values, every attribute of
    the read's ``AttributeLayout`` present ([] when the contact has none), read only.

    Held compactly (issue 17): one tuple per contact, aligned with the layout's names, holding
    None for no value, the value itself for one, a tuple for several; values that repeat from
    contact to contact (``AttributeLayout.repeated``) are one shared copy, and values that the
    contact's other values, its anchor and its kind say exactly (``AttributeLayout.derived``: the marker,
    AD's proxyAddresses as the sync writes them) are not held at all but made when looked up.
    A dict of lists per contact held about 1.5 KB more per contact (150 MB at 100,000). Each
    lookup hands out a new list."""

    __slots__ = ('_layout', '_values', '_anchor', '_kind')

    def __init__(self, layout: 'AttributeLayout', values: tuple, anchor: str = '', kind: str = ''):
        self._layout = layout
        self._values = values
        self._anchor = anchor
        self._kind = kind

    def __getitem__(self, name: str) -> list:
        value = self._values[self._layout.index[name]]
        if value is None:
            return []
        if value is DERIVED:
            return self._layout.derived[name](self.__getitem__, self._anchor, self._kind)
        return [value] if isinstance(value, str) else list(value)

    def __iter__(self):
        return iter(self._layout.names)

    def __len__(self) -> int:
        return len(self._layout.names)

    def __repr__(self) -> str:
        return f'ContactAttributes({dict(self)!r})'


# A ContactAttributes value made on lookup from the contact's other values (one shared object).
DERIVED = type('Derived', (), {'__slots__': (), '__repr__': lambda self: 'DERIVED'})()


class AttributeLayout:
    """The attributes one read keeps of every owned contact (:class:`ContactAttributes`), and
    one copy of each value of the ``repeated`` ones (the address lists, the recipient types, a
    mapped title): at 100,000 contacts, each contact's own copy of two address-list DNs alone
    was about 30 MB.

    ``derived``: attribute -> rule(get, anchor, kind) giving the values the contact's other
    attributes (``get(name)``, a list), its anchor and its kind (both from its marker) say it has,
    or None. A contact whose values as read are
    exactly the rule's (the same values in the same order) holds none of them; any other is held
    as read. The rules may use only attributes that are not derived themselves."""

    def __init__(self, names: t.Iterable[str], repeated: t.Iterable[str] = (),
                 derived: t.Mapping[str, t.Callable] | None = None):
        self.names = tuple(dict.fromkeys(names))
        self.index = {name: i for i, name in enumerate(self.names)}
        repeated = {r.lower() for r in repeated}
        self._repeated = tuple(name.lower() in repeated for name in self.names)
        self.derived = dict(derived or {})
        self._rules = tuple(self.derived.get(name) for name in self.names)
        self._lower = tuple(name.lower() for name in self.names)
        self._shared: dict = {}

    def attributes(self, entry, anchor: str = '', kind: str = '') -> ContactAttributes:
        """The contact's attributes from a read's entry (anything with ``values(name)``); ``anchor``
        and ``kind`` the contact's (from its marker), for the derived rules."""
        shared = self._shared
        values = []
        # A read's Entry: its dict of lower-case names straight (values() lowers the name on
        # each call: a third of this function's time at 20,000 contacts).
        attrs = getattr(entry, 'attrs', None)
        lookup = (lambda lower: attrs.get(lower) or ()) if isinstance(attrs, dict) else None
        for name, lower, repeats, rule in zip(self.names, self._lower, self._repeated, self._rules):
            found = lookup(lower) if lookup is not None else entry.values(name)
            if rule is not None and found and rule(entry.values, anchor, kind) == list(found):
                values.append(DERIVED)
                continue
            if repeats:
                found = [shared.setdefault(v, v) for v in found]
            values.append(None if not found else found[0] if len(found) == 1 and isinstance(found[0], str)
                          else tuple(found))
        return ContactAttributes(self, tuple(values), anchor, kind)


# What a dialect's reads hand to the module, whichever directory: the source's mailboxes, the
# target container's contents, and the target's other recipients.

@dataclass
class MailboxRead:
    records: list          # SourceRecord
    not_mailboxes: dict    # reason -> count of entries read that are not mailboxes
    entries: int           # entries read


@dataclass
class ContainerContents:
    owned: list            # OwnedContact
    foreign: list          # dicts: dn, objectClass (objects in the container the sync does not own)
    foreign_names: list    # RDN values of the container's direct children that are not owned
    frozen: list = field(default_factory=list)      # OwnedContact never written by their DN (see plan())
    duplicates: list = field(default_factory=list)  # dicts: dn, object_ids, anchors (Domino: one DN, two documents)
    # DNs carrying this sync's marker outside the container, when the container's read looked for
    # them too (AD with a Global Catalog, dialects/ad.py read_container); None when it did not.
    marked_outside: list | None = None


@dataclass
class AddressIndex:
    addresses: dict        # lower-case address -> holder description, every recipient but the owned contacts
    aliases: set           # lower-case aliases of those recipients (AD mailNickname; empty for Domino)
    mailboxes: set         # the addresses held by real mailboxes (they supersede contacts)
    marked_outside: list   # DNs carrying this sync's marker outside the container
    names: list = field(default_factory=list)   # Domino: every other entry's common names (name resolution)
    referrals: list = field(default_factory=list)  # search continuation references met, not followed


class ContactProfile(t.Protocol):
    """What the target's dialect tells the planner. See _ad.py / _domino.py."""

    rdn_attribute: str
    name_limit: int                                   # the target's limit, in name_length() units

    # What counts against name_limit: AD the cn's characters, Domino the whole escaped DN.
    def name_length(self, name: str) -> int: ...

    def name_key(self, name: str) -> str: ...         # equal keys = same name to the target
    # The DN of a contact with this RDN value for a recipient of ``kind``: the only thing a kind
    # decides (AD: an OU per kind, kind_ous; Domino: one container for all).
    def dn_for(self, name: str, kind: str = '') -> str: ...
    def rdn_value(self, dn: str) -> str: ...          # the RDN value of a DN
    def parent_key(self, dn: str) -> t.Hashable: ...  # the DN's parent, normalised for comparing
    def container_keys(self) -> frozenset: ...        # parent keys of every container contacts go to
    def kind_of_parent(self, dn: str) -> str: ...     # the kind only a contact of that kind is placed as, or ''
    def validate(self, source: SourceRecord) -> list: ...   # what the target would refuse
    alias_attribute: str                              # '' when the target has no alias to keep unique
    alias_limit: int

    def desired(self, source: SourceRecord, alias: str) -> dict: ...   # attr -> list of values (managed attrs)
    def on_create(self, source: SourceRecord) -> dict: ...  # attrs written only by the add (marker, ...)
    def marker(self, anchor: str, kind: str = '') -> dict: ...  # the ownership marker attribute(s), engine/marker.py
    def limits(self) -> dict: ...                     # attr -> max characters of one value
    def merged(self) -> dict: ...                     # attr -> predicate(value) -> bool: values the sync owns
    def compare_keys(self) -> dict: ...               # attr -> function: values equal under it are equal
    def addresses(self, attrs: dict) -> set: ...      # lower-case addresses an entry holds


@dataclass(frozen=True)
class Limits:
    """The guards (deletes, renames, address changes) and the per-operation switches."""

    max_deletes: int = 500
    max_delete_percent: float = 10.0
    # Mass rewrites: a source-side read problem (a changed name format, a wrong routing domain,
    # a half-read directory) can rename or readdress every contact in one run.
    max_renames: int = 500
    max_rename_percent: float = 10.0
    max_address_changes: int = 500
    max_address_change_percent: float = 10.0
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
    # create: every attribute of the add; the planner's creates hold a CreateAttributes (made when read)
    attrs: t.Mapping = field(default_factory=dict)
    changes: dict = field(default_factory=dict)     # update: attr -> (before list, after list)
    reason: str = ''                 # delete / rename: why
    source_dn: str = ''
    requires: tuple = ()             # anchors whose writes must have succeeded first (else not run)
    # A write outside the container that merges a superseded contact into the mailbox taking its
    # address (AD: supersede: merge): the anchor of that contact. The writes of one merge stand or
    # fall together: one refused, the others already done are taken back (engine/apply.py).
    merge_of: str = ''
    # Why the target would refuse this write, known before sending it (AD: effective rights
    # read): the applier reports it as refused and sends nothing.
    refused: str = ''
    # create: the DN to add under instead when the server says the name is already in use by an
    # object the planner did not know (AD folds names in ways no table covers fully, KB 938447;
    # an object added since the read): the name with the anchor's suffix.
    fallback_dn: str = ''
    # rename of a contact re-joined to a source with another anchor: the anchor its marker still
    # carries when the update rewriting the marker does not run first (allow_update: false).
    marked_as: str = ''
    # The kind of recipient the contact stands for (RECIPIENT_KINDS), from its source; '' when no
    # source names it (a contact whose source is gone or was switched off: the target keeps no kind).
    recipient_kind: str = ''

    def as_dict(self) -> dict:
        out = {'op': self.kind, 'anchor': self.anchor, 'dn': self.dn, 'recipient_kind': self.recipient_kind}
        if self.new_dn:
            out['new_dn'] = self.new_dn
        attrs = dict(self.attrs.items())            # one dict, made once (CreateAttributes)
        if attrs:
            out['attributes'] = attrs
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
    # Contacts a real mailbox superseded (their delete is in operations or suppressed): dicts with
    # anchor, contact (DN), holder (the mailbox, as the address index describes it), address. The
    # target's dialect adds what a merge keeps (AD: the X500 value and the groups).
    supersessions: list = field(default_factory=list)

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
         foreign_aliases: t.Iterable[str] = (), mailbox_addresses: t.AbstractSet[str] | None = None,
         frozen: t.Iterable[OwnedContact] = (), managed: int | None = None) -> Plan:
    """Plan the writes that make the owned contacts match ``sources``.

    ``foreign_addresses`` maps every lower-case address held by a recipient that is not an owned
    contact (mailboxes, groups, other contacts, forest-wide when read from a Global Catalog) to a
    description of its holder. ``foreign_names`` are the RDN values of objects in the container
    that the sync does not own: a contact may not take their names. ``foreign_aliases`` are the
    aliases (mailNickname) of all other recipients, which must stay unique forest-wide.
    ``mailbox_addresses`` are the foreign addresses held by real mailboxes: only those supersede
    (delete) an owned contact; another holder (a group, a contact the sync does not own) leaves
    the contact as it is, in conflict. None treats every foreign holder as a mailbox.
    ``frozen`` are owned contacts that may not be written by their DN (Domino: two documents
    under one DN, a replication conflict, where a write may reach either): never updated,
    renamed or deleted; their source is reported and not written; their names and addresses
    stay taken.
    ``managed``: a delta run (engine/delta.py) plans a closed subset of the sources and owned
    contacts; the guards then count against every owned contact (``managed``), not the subset,
    and an empty subset of sources is not an empty source.
    """
    run = _Run(sources=list(sources), owned=sorted(owned, key=lambda c: (c.anchor, c.dn.lower())),
               foreign_addresses=foreign_addresses, foreign_names=foreign_names, foreign_aliases=foreign_aliases,
               mailbox_addresses=mailbox_addresses, profile=profile, limits=limits,
               frozen=sorted(frozen, key=lambda c: (c.anchor, c.dn.lower())))
    _one_contact_per_anchor(run)     # 1. extra contacts of one anchor are deleted
    _sort_out_sources(run)           # 2. invalid or in conflict: kept as is; the rest is written
    _join(run)                       # 3. each source to be written to its contact, if it has one
    _delete_gone(run)                # 4. contacts whose source is gone, or whose address a mailbox took
    _choose_names(run)               # 5. final names and aliases, collisions resolved from anchors
    _compare(run)                    # 6. updates, renames and creates
    operations = _in_order(run)      # 7. an order the target accepts at every step
    if managed is not None:
        run.result.managed = managed
    _switch_and_guard(run, operations, subset=managed is not None)   # 8. switches, then the guards
    _label_kinds(run)                # 9. each operation, conflict and skip says which kind of recipient
    return run.result


def _label_kinds(run: '_Run') -> None:
    """9. The kind of recipient of every operation, conflict and skip, from its source (by anchor;
    a source without an anchor by DN). Labels only: no decision above depends on the kind but
    the parent of a contact's DN (_compare). A contact no source names (gone, or its kind switched
    off) has the kind its marker names, else (a marker from before kinds) the kind of the OU it is
    in when that OU is one kind's only, else ''."""
    operations = run.result.operations + run.result.suppressed
    items = run.result.conflicts + run.result.skips
    # Maps of only what is labelled, not of every source and contact: a no-op run at 200,000
    # would otherwise hold three maps of the whole estate at its memory peak for nothing.
    wanted = {op.anchor for op in operations} | {item['anchor'] for item in items}
    by_anchor = {s.anchor: s.kind for s in run.sources if s.anchor and s.anchor in wanted}
    unlabelled_dns = {op.dn for op in operations if not by_anchor.get(op.anchor)}
    marked = {c.dn: c.kind for c in run.owned if c.kind and c.dn in unlabelled_dns}
    source_dns = {item['source_dn'] for item in items if not by_anchor.get(item['anchor'])}
    by_dn = {s.dn: s.kind for s in run.sources if s.dn in source_dns}
    placed = getattr(run.profile, 'kind_of_parent', None)
    for op in operations:
        op.recipient_kind = (by_anchor.get(op.anchor, '') or marked.get(op.dn, '')
                             or (placed(op.dn) if placed is not None else ''))
    for item in items:
        item['recipient_kind'] = by_anchor.get(item['anchor']) or by_dn.get(item['source_dn'], '')


@dataclass
class _Run:
    """One planning run: the inputs of :func:`plan` and what each of its phases decided."""

    sources: list                    # SourceRecord
    owned: list                      # OwnedContact, by anchor then DN
    foreign_addresses: t.Mapping[str, str]
    foreign_names: t.Iterable[str]
    foreign_aliases: t.Iterable[str]
    mailbox_addresses: t.AbstractSet[str] | None
    profile: ContactProfile
    limits: Limits
    frozen: list = field(default_factory=list)           # OwnedContact never written by DN
    result: Plan = field(init=False)
    deletes: list = field(default_factory=list)          # Operation
    by_anchor: dict = field(default_factory=dict)        # anchor -> the one owned contact kept for it
    present: set = field(default_factory=set)            # the sources' anchors
    orphans_by_mail: dict = field(default_factory=dict)  # primary address -> owned contact no anchor finds
    wants: dict = field(default_factory=dict)            # anchor -> addresses its contact would hold, mail first
    # address -> the valid source wanting it, or a list of them when several do (_claimants):
    # a list per address held about 17 MB more at 100,000 sources (issue 17)
    claims: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)             # (anchor, dn) -> (source, reason, its contact or None)
    kept_contacts: list = field(default_factory=list)    # the contacts in ``kept``: left as they are
    superseded: dict = field(default_factory=dict)       # anchor -> the mailbox holding its address now
    joinable: list = field(default_factory=list)         # the sources written this run
    joined: dict = field(default_factory=dict)           # anchor -> its contact (absent: created)
    rejoined: set = field(default_factory=set)           # old anchors of contacts re-joined by address
    names: dict = field(default_factory=dict)            # anchor -> final RDN value
    aliases: dict = field(default_factory=dict)          # anchor -> final alias
    updates: list = field(default_factory=list)          # Operation
    renames: list = field(default_factory=list)          # Operation
    creates: list = field(default_factory=list)          # Operation

    def __post_init__(self):
        self.result = Plan(managed=len(self.owned), sources=len(self.sources))


def _one_contact_per_anchor(run: _Run) -> None:
    """1. Extra owned contacts with the same anchor (a replication conflict, an interrupted
    concurrent run) are deleted, the first by DN is kept."""
    for contact in run.owned:
        if contact.anchor in run.by_anchor:
            run.deletes.append(Operation('delete', contact.anchor, contact.dn, reason='duplicate of the contact '
                                         f'{run.by_anchor[contact.anchor].dn} for the same source'))
        else:
            run.by_anchor[contact.anchor] = contact


def _sort_out_sources(run: _Run) -> None:
    """2. Which sources are written and which keep their contact as it is: an invalid source, an
    address two sources claim or another recipient holds, an address a kept contact holds."""
    profile = run.profile
    run.present = {s.anchor for s in run.sources}
    valid, invalid = [], []
    frozen = {}
    for contact in run.frozen:
        frozen.setdefault(contact.anchor, contact)
    for source in sorted(run.sources, key=lambda s: (s.anchor, s.dn)):   # dn: sources without an anchor
        problems = list(source.problems) + list(profile.validate(source))
        if source.anchor in frozen:
            problems.append(f'its contact {frozen[source.anchor].dn} is several documents under one DN (a replication '
                            f'or save conflict): a Notes administrator resolves it; nothing is written to it until then')
        if not problems and not _clean_name(source.display_name):       # only control or format characters
            problems.append('no printable characters in the name: it cannot be a name in the target')
        (invalid if problems else valid).append((source, problems))
    # Orphans: owned contacts no source's anchor finds (its source is gone, or was re-created
    # under a new anchor), by primary address, for a source with that address to re-join or keep.
    for contact in run.by_anchor.values():
        if contact.anchor not in run.present:
            for address in _primary(contact, profile):
                run.orphans_by_mail.setdefault(address, contact)
    # Every address the desired contact holds counts, not only its mail: the routing address
    # the profile derives (AD: smtp:<local part>@<Domino routing domain>) is a proxy address
    # too, and two sources with one local part in different domains derive the same one.
    # A tuple each, not a list: about 30 bytes less per source, alive until the plan ends (issue 17).
    run.wants = {s.anchor: tuple(sorted(profile.addresses(profile.desired(s, s.alias)),
                                        key=lambda a, s=s: (a != s.mail.lower(), a)))
                 for s, _problems in valid}         # the mail first: the address a conflict reports
    for source, _problems in valid:
        for address in run.wants[source.anchor]:
            held = run.claims.get(address)
            if held is None:
                run.claims[address] = source
            elif isinstance(held, list):
                held.append(source)
            else:
                run.claims[address] = [held, source]
    for source, problems in invalid:
        _keep(run, source, '; '.join(problems))
    for source, _problems in valid:
        _conflict_or_write(run, source)
    for contact in run.frozen:       # whose source is gone: kept all the same (names, addresses)
        if not any(key[0] == contact.anchor for key in run.kept):
            run.kept[(contact.anchor, contact.dn)] = (None, '', contact)
    _spread_kept(run)
    run.kept_contacts = [contact for _source, _reason, contact in run.kept.values() if contact is not None]
    for source, reason, contact in run.kept.values():
        if source is None:
            continue
        run.result.skips.append({'anchor': source.anchor, 'source_dn': source.dn, 'reason': reason,
                                 'contact': contact.dn if contact is not None else None})


def _claimants(run: _Run, address: str) -> list:
    """The valid sources wanting ``address`` (see _Run.claims)."""
    held = run.claims.get(address)
    return [] if held is None else held if isinstance(held, list) else [held]


def _keep(run: _Run, source: SourceRecord, reason: str) -> None:
    """Keep the source's contact as it is: its contact by anchor, else the orphan with its address
    (a source without an anchor, or re-created, still keeps its contact rather than see it deleted
    as gone)."""
    contact = next((c for c in run.frozen if c.anchor == source.anchor), None) \
        or run.by_anchor.get(source.anchor) or run.orphans_by_mail.pop(source.mail.lower(), None)
    run.kept[(source.anchor, source.dn)] = (source, reason, contact)


def _conflict(run: _Run, source: SourceRecord, address: str, holder: str, reason: str) -> None:
    run.result.conflicts.append({'anchor': source.anchor, 'source_dn': source.dn, 'address': address,
                                 'holder': holder, 'reason': reason})


def _shown(source: SourceRecord, address: str) -> str:
    """The address as a conflict reports it: the source's mail as the source spells it."""
    return source.mail if address == source.mail.lower() else address


def _conflict_or_write(run: _Run, source: SourceRecord) -> None:
    """A valid source is written, unless another recipient holds one of its addresses (a real
    mailbox supersedes its contact: a user migrated; another holder leaves the contact as it is)
    or another source claims one too (both keep their contacts)."""
    foreign = [a for a in run.wants[source.anchor] if a in run.foreign_addresses]
    shared = [a for a in run.wants[source.anchor] if isinstance(run.claims[a], list)]
    if foreign:
        address = _shown(source, foreign[0])
        holder = run.foreign_addresses[foreign[0]]
        _conflict(run, source, address, holder, f'{address} belongs to {holder}')
        if run.mailbox_addresses is None or any(a in run.mailbox_addresses for a in foreign):
            run.superseded[source.anchor] = holder       # a real mailbox beats a contact: a user migrated
        else:
            _keep(run, source, f'{address} belongs to {holder}')
    elif shared:
        address = _shown(source, shared[0])
        others = ', '.join(s.dn for s in _claimants(run, shared[0]) if s is not source)
        _conflict(run, source, address, others, f'{address} is also claimed by {others}')
        _keep(run, source, 'address claimed by several sources')
    else:
        run.joinable.append(source)


def _spread_kept(run: _Run) -> None:
    """A contact kept as it is keeps its addresses, so they do not move this run: a source that
    wants one of them is in conflict too (writing it would put one address on two contacts), and
    its own contact is then kept in turn. Repeat until no more; the kept set only grows, so the
    outcome does not depend on the order of the sources."""
    held: dict = {}                # address -> DN of the kept contact holding it
    newly = sorted(run.kept)
    while newly:
        waiting = set()
        for key in newly:
            contact = run.kept[key][2]
            for address in sorted(run.profile.addresses(contact.attrs)) if contact is not None else ():
                held.setdefault(address, contact.dn)
                waiting.update(s.anchor for s in _claimants(run, address))
        newly = []
        for source in run.joinable:
            if source.anchor in waiting:
                address = next(a for a in run.wants[source.anchor] if a in held)
                shown = _shown(source, address)
                _conflict(run, source, shown, held[address], f'{shown} is held by the contact {held[address]}, '
                          f'kept unchanged because its source is invalid or in conflict')
                _keep(run, source, f'address held by the kept contact {held[address]}')
                newly.append((source.anchor, source.dn))
        run.joinable = [s for s in run.joinable if (s.anchor, s.dn) not in run.kept]


def _join(run: _Run) -> None:
    """3. Join: by anchor, else re-join an orphaned owned contact with the same primary address."""
    for source in run.joinable:
        contact = run.by_anchor.get(source.anchor)
        if contact is None:
            contact = run.orphans_by_mail.pop(source.mail.lower(), None)
            if contact is not None:
                run.rejoined.add(contact.anchor)
        if contact is not None:
            run.joined[source.anchor] = contact


def _delete_gone(run: _Run) -> None:
    """4. Deletes: owned contacts whose source is gone, or whose address a real mailbox now holds."""
    taken = {c.anchor for c in run.joined.values()} | {c.anchor for c in run.kept_contacts}
    taken_address = {c['anchor']: c['address'] for c in run.result.conflicts if c['anchor'] in run.superseded}
    for contact in run.by_anchor.values():
        if contact.anchor in run.superseded:
            address = taken_address.get(contact.anchor, '')
            run.result.supersessions.append({'anchor': contact.anchor, 'contact': contact.dn,
                                             'holder': run.superseded[contact.anchor], 'address': address})
            run.deletes.append(Operation('delete', contact.anchor, contact.dn, reason='superseded: its address '
                                         f'now belongs to {run.superseded[contact.anchor]}'))
        elif contact.anchor not in run.present and contact.anchor not in taken:
            run.deletes.append(Operation('delete', contact.anchor, contact.dn, reason='source mailbox gone'))


def _choose_names(run: _Run) -> None:
    """5. Names: the final name (and alias) of every contact that remains, collisions resolved
    from anchors."""
    profile, limits = run.profile, run.limits

    def name_key_of(dn: str) -> str:
        return profile.name_key(profile.rdn_value(dn))

    wanted = {s.anchor: wanted_name(profile, s.display_name) for s in run.joinable}
    blocked = {profile.name_key(n) for n in run.foreign_names}
    blocked |= {name_key_of(c.dn) for c in run.kept_contacts}
    # A contact a switched-off operation leaves where it is keeps its name, and the target would
    # refuse another contact taking it: the names of contacts not deleted, and the current names
    # of contacts not renamed. (One whose name changes only in case or accents needs no block:
    # any other contact wanting that name collides with it, and both get a suffix.)
    if not limits.allow_delete:
        blocked |= {name_key_of(d.dn) for d in run.deletes}
    if not limits.allow_rename:
        blocked |= {name_key_of(c.dn) for anchor, c in run.joined.items()
                    if name_key_of(c.dn) != profile.name_key(wanted[anchor])}
    run.names = _disambiguate(wanted, blocked, profile.name_key, _fitter(profile.name_limit, profile.name_length),
                              ' ({})')
    if profile.alias_attribute:
        wanted = {s.anchor: s.alias[:profile.alias_limit] for s in run.joinable}
        blocked = {a.lower() for a in run.foreign_aliases}
        blocked |= {v.lower() for c in run.kept_contacts for v in c.attrs.get(profile.alias_attribute, [])}
        run.aliases = _disambiguate(wanted, blocked, str.lower, _fitter(profile.alias_limit, len), '-{}')


def wanted_name(profile: ContactProfile, display_name: str) -> str:
    """The name a source's contact would have before collisions are resolved: the display name
    cleaned, as the target can hold it, cut to its limit (engine/delta.py groups names by it)."""
    fit_name = _fitter(profile.name_limit, profile.name_length)
    # A target may need characters replaced that it reads as syntax (Domino: / and @ in a Notes name).
    target_name = getattr(profile, 'clean_name', None) or (lambda name: name)
    return fit_name(target_name(_clean_name(display_name)))


def _compare(run: _Run) -> None:
    """6. Updates, renames and creates: each source written against its contact, if any."""
    profile = run.profile
    attribute_limits, merged, compare_keys = profile.limits(), profile.merged(), profile.compare_keys()
    for source in run.joinable:
        desired, dropped = _within_limits(profile.desired(source, run.aliases.get(source.anchor, '')),
                                          attribute_limits)
        for attribute in dropped:
            run.result.warnings.append({'anchor': source.anchor, 'attribute': attribute, 'source_dn': source.dn,
                                        'reason': f'value longer than {attribute_limits[attribute]} characters: '
                                                  f'not written'})
        name = run.names[source.anchor]
        new_dn = profile.dn_for(name, source.kind)     # the kind's OU: the one thing the kind decides
        contact = run.joined.get(source.anchor)
        if contact is None:
            attrs = CreateAttributes(profile, source, name, run.aliases.get(source.anchor, ''))
            run.creates.append(Operation('create', source.anchor, new_dn, attrs=attrs, source_dn=source.dn,
                                         fallback_dn=_fallback_dn(run, source, name), recipient_kind=source.kind))
            continue
        held_back = {a: v for a, v in desired.items() if a not in contact.hold}
        changes = _changes(contact.attrs, held_back, merged, compare_keys)
        marker = profile.marker(source.anchor, source.kind)
        # The marker is rewritten when the contact was re-joined after an anchor change, when it
        # lacks the sync's identity (0.1, adopted) or names another kind. One from before kinds
        # (this sync's, for this anchor, no kind) is current enough: it gains the kind with a write
        # the contact gets anyway, so an upgrade alone rewrites nothing (engine/marker.py).
        if contact.anchor != source.anchor or (_stale(contact, marker) and (
                changes or contact.kind or _stale(contact, profile.marker(source.anchor)))):
            changes.update({a: (contact.attrs.get(a, []), v) for a, v in marker.items()})
        if changes:
            run.updates.append(Operation('update', source.anchor, contact.dn, changes=changes, source_dn=source.dn,
                                         reason='re-joined by address after the source anchor changed'
                                         if contact.anchor in run.rejoined else ''))
        # Compare the RDN value exactly (a case change is a rename) and the parent normalised (a
        # contact someone moved into a sub-OU comes back). With an OU per kind (AD kind_ous) a
        # contact elsewhere than its kind's OU goes there: the OU of its kind changed in the
        # settings, its source changed kind, or someone moved it.
        moved = profile.parent_key(contact.dn) != profile.parent_key(new_dn)
        if moved or profile.rdn_value(contact.dn) != name:
            reason = 'name changed'
            if moved:
                reason = (f'moved to the OU of its kind ({source.kind})' if len(profile.container_keys()) > 1
                          else 'moved back into the container')
                if profile.rdn_value(contact.dn) != name:
                    reason += ', name changed'
            run.renames.append(Operation('rename', source.anchor, contact.dn, new_dn=new_dn, source_dn=source.dn,
                                         marked_as=contact.anchor if contact.anchor != source.anchor else '',
                                         reason=reason, recipient_kind=source.kind))
        elif not changes:
            run.result.unchanged += 1
    run.result.unchanged += len(run.kept_contacts)


def _stale(contact: OwnedContact, marker: dict) -> bool:
    """True when the contact's marker attribute (if read) lacks the value ``marker`` gives it."""
    return any(a in contact.attrs and not set(v) <= set(contact.attrs[a]) for a, v in marker.items())


def create_attributes(profile: ContactProfile, source: SourceRecord, name: str, alias: str) -> dict:
    """Every attribute of the add that creates ``source``'s contact under the RDN value ``name``
    with ``alias``: the desired values within the target's limits (_compare warns of those
    dropped), what only an add writes, the ownership marker, the name; no empty attribute (an
    add may not carry one)."""
    desired, _dropped = _within_limits(profile.desired(source, alias), profile.limits())
    attrs = dict(desired)
    attrs.update(profile.on_create(source))
    attrs.update(profile.marker(source.anchor, source.kind))
    attrs[profile.rdn_attribute] = [name]
    return {a: v for a, v in attrs.items() if v}


class CreateAttributes(Mapping):
    """A planned create's attributes (:func:`create_attributes`), made from its source and what the
    planner decided for it (its name and alias) each time they are read, never held (issue 17): a
    first run's creates held about 3 KB of attributes each until the module exited (a dict of
    lists, the marker and the derived addresses as new strings), 300 MB at 100,000. The applier
    and the report read them one create at a time. Read only; ``items()`` makes them once, a
    lookup by name once per lookup."""

    __slots__ = ('_profile', '_source', '_name', '_alias')

    def __init__(self, profile: ContactProfile, source: SourceRecord, name: str, alias: str):
        self._profile = profile
        self._source = source
        self._name = name
        self._alias = alias

    def made(self) -> dict:
        return create_attributes(self._profile, self._source, self._name, self._alias)

    def items(self):
        return self.made().items()

    def __getitem__(self, name: str) -> list:
        return self.made()[name]

    def __iter__(self):
        return iter(self.made())

    def __len__(self) -> int:
        return len(self.made())

    def __repr__(self) -> str:
        return f'CreateAttributes({self.made()!r})'


def _fallback_dn(run: _Run, source: SourceRecord, name: str) -> str:
    """The DN a create retries under when its name turns out to be taken: the name with the
    suffix from the anchor that collisions get (wider when the name has that suffix already)."""
    profile = run.profile
    fit_name = _fitter(profile.name_limit, profile.name_length)
    target_name = getattr(profile, 'clean_name', None) or (lambda value: value)
    base = fit_name(target_name(_clean_name(source.display_name)))
    for width in (8, 16, 32, 64):
        candidate = fit_name(base, ' ({})'.format(source.anchor.replace('-', '')[:width].lower()))
        if profile.name_key(candidate) != profile.name_key(name):
            return profile.dn_for(candidate, source.kind)
    return ''


def _in_order(run: _Run) -> list:
    """7. Order: deletes free names and addresses; updates (on the current DNs), those releasing
    addresses before those taking them; renames in an order that never takes a name still held;
    creates last, once every name and address they need is free."""
    deleted = {d.dn for d in run.deletes} if run.limits.allow_delete else set()
    remaining = [c for c in run.owned if c.dn not in deleted]
    renames = _order_renames(run.renames, remaining, run.profile)
    updates = _order_updates(run.updates, run.profile)
    return run.deletes + updates + renames + sorted(run.creates, key=lambda op: op.anchor)


def _switch_and_guard(run: _Run, operations: list, subset: bool = False) -> None:
    """8. Per-operation switches (a switched-off operation is reported as suppressed), then the
    guard."""
    allowed = {'create': run.limits.allow_create, 'update': run.limits.allow_update,
               'rename': run.limits.allow_rename, 'delete': run.limits.allow_delete}
    for op in operations:
        (run.result.operations if allowed[op.kind] else run.result.suppressed).append(op)
    run.result.blocked = _guard(run.result, None if subset else len(run.sources), run.limits)


def _primary(contact: OwnedContact, profile: ContactProfile) -> list:
    return [v.lower() for v in contact.attrs.get('mail', [])] or sorted(profile.addresses(contact.attrs))


def _clean_name(name: str) -> str:
    """A display name as an RDN value: control characters dropped, spacing collapsed."""
    if not name.isprintable():
        name = ''.join(ch if ch.isprintable() else ' ' for ch in name)
    return ' '.join(name.split())


def _fitter(limit: int, length: t.Callable[[str], int]) -> t.Callable[..., str]:
    """A function cutting a value (from its end, then trailing spaces) so that ``value + suffix``
    measures at most ``limit`` under ``length``: AD counts a cn's characters, Domino the whole
    escaped DN, where a comma costs two."""
    def fit(value: str, suffix: str = '') -> str:
        if length(value + suffix) <= limit:
            return value + suffix
        low, high = 0, len(value)                 # the longest prefix that fits: length grows with it
        while low < high:
            middle = (low + high + 1) // 2
            if length(value[:middle].rstrip() + suffix) <= limit:
                low = middle
            else:
                high = middle - 1
        return value[:low].rstrip() + suffix
    return fit


def _disambiguate(wanted: dict, blocked: set, key: t.Callable, fit: t.Callable[..., str], suffix_format: str) -> dict:
    """anchor -> final value: the wanted value where it is unique under ``key`` and not blocked;
    where values collide, each colliding one gets a suffix from its anchor (longer if it still
    collides). Deterministic: the result depends only on the set of values and anchors, never on
    their order."""
    def suffixed(anchor: str, width: int) -> str:
        return fit(wanted[anchor], suffix_format.format(anchor.replace('-', '')[:width].lower()))

    # key -> the anchor wanting it, or a list of them when several do. A list for every value cost
    # about 100 bytes per source at the plan's peak (200,000 lists at 200,000 sources, issue 17).
    groups: dict = {}
    for anchor, value in wanted.items():
        value_key = key(value)
        held = groups.get(value_key)
        if held is None:
            groups[value_key] = anchor
        elif isinstance(held, list):
            held.append(anchor)
        else:
            groups[value_key] = [held, anchor]
    final = {}
    for value_key, held in groups.items():
        if not isinstance(held, list) and value_key not in blocked:
            final[held] = wanted[held]
        else:
            final.update((anchor, suffixed(anchor, 8)) for anchor in (held if isinstance(held, list) else [held]))
    del groups                           # gone before the widening's counts: not both at the peak
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
        if have == want:                  # the common case of a rerun: equal, value for value
            continue
        key = compare_keys.get(attribute, _same)
        owns = merged.get(attribute)
        after = list(want)
        if owns is not None:
            # A value kept as someone else's that equals a desired one but for letter case (a
            # primary 'SMTP:' someone demoted to 'smtp:') is the same value to AD, whose strings
            # compare case-insensitively: the desired spelling replaces it, never both.
            wanted = {key(v).lower() for v in want}
            after = [v for v in have if not owns(v) and key(v).lower() not in wanted] + after
            after = _one_per_value(after, key)
        if sorted({key(v) for v in have}) != sorted({key(v) for v in after}) or len(have) != len(set(map(key, have))):
            changes[attribute] = (have, list(dict.fromkeys(after)))
    return changes


def _one_per_value(values: list, key: t.Callable) -> list:
    """The values without later ones equal to an earlier one but for letter case."""
    seen, out = set(), []
    for value in values:
        if key(value).lower() not in seen:
            seen.add(key(value).lower())
            out.append(value)
    return out


def _same(value: str) -> str:
    return value


def _address_moves(op: Operation, profile) -> tuple:
    """(addresses an update releases, addresses it takes)."""
    before = {a for attr, (b, _a) in op.changes.items() for a in profile.addresses({attr: b})}
    after = {a for attr, (_b, a_) in op.changes.items() for a in profile.addresses({attr: a_})}
    return before - after, after - before


def _order_updates(updates: list, profile) -> list:
    """Order updates so the one releasing an address runs before the one taking it: an address
    moving between two contacts is never on both at once, not even for a moment (an update that
    releases one address usually takes another, so "releasing ones first" is not enough).

    Contacts trading addresses in a ring cannot avoid that moment: the ring starts at its first
    anchor, and only updates inside the ring run before one they wait for."""
    ops = sorted(updates, key=lambda op: op.anchor)
    moves = [_address_moves(op, profile) for op in ops]
    releaser = {address: i for i, (released, _taken) in enumerate(moves) for address in released}
    waits = [{releaser[a] for a in taken if a in releaser} - {i} for i, (_released, taken) in enumerate(moves)]
    followers: list = [[] for _op in ops]
    for i, before in enumerate(waits):
        for j in before:
            followers[j].append(i)
    ready = [i for i, before in enumerate(waits) if not before]
    heapq.heapify(ready)
    ordered, done = [], [False] * len(ops)
    while len(ordered) < len(ops):
        if not ready:                  # every update left waits for another: a ring
            heapq.heappush(ready, _ring_start(waits, done))
        i = heapq.heappop(ready)
        if done[i]:
            continue
        done[i] = True
        ordered.append(ops[i])
        for k in followers[i]:
            waits[k].discard(i)
            if not waits[k] and not done[k]:
                heapq.heappush(ready, k)
    return ordered


def _ring_start(waits: list, done: list) -> int:
    """The first update of a ring that waits for nothing outside itself (a ring can wait for
    another ring; that one must go first)."""
    def upstream(i: int) -> set:               # every update that must run before i
        found, todo = set(), [i]
        while todo:
            for j in waits[todo.pop()]:
                if j not in found:
                    found.add(j)
                    todo.append(j)
        return found

    i = done.index(False)
    while True:
        before = upstream(i)
        outside = sorted(j for j in before if i not in upstream(j))
        if not outside:                        # everything before i is in i's own ring
            return min(before | {i})
        i = outside[0]


def _order_renames(renames: list, remaining: list, profile) -> list:
    """Order renames so none takes a name another contact still holds: chains run from their
    free end, cycles (swaps) go through a temporary name first.

    Final names are unique, so a rename waits for at most one other (the one moving the holder
    of its new name away) and at most one waits for it: the renames form chains and cycles. The
    order is that of passes over the renames sorted by anchor, each pass running every rename
    whose name is free by then, a cycle broken only when a pass runs none: the chains first, by
    pass then anchor; then each cycle, the one with the first anchor first, that rename going
    through a temporary name. Computed from the chains, not pass by pass: O(n log n).
    """
    def slot(dn: str) -> tuple:                       # what must be unique: the name under one parent
        return profile.parent_key(dn), profile.name_key(profile.rdn_value(dn))

    current = {c.dn: slot(c.dn) for c in remaining}
    holder = {name: dn for dn, name in current.items()}
    pending = sorted(renames, key=lambda op: op.anchor)
    at = [current[op.dn] if op.dn in current else slot(op.dn) for op in pending]   # each slot computed once
    to = [slot(op.new_dn) for op in pending]
    position = {op.dn: i for i, op in enumerate(pending)}
    n = len(pending)
    waits: list = [None] * n                          # i -> the rename that frees i's new name
    follower: dict = {}                               # the inverse: j -> the rename waiting for j
    free = []
    for i, op in enumerate(pending):
        held_by = holder.get(to[i], op.dn)
        if held_by == op.dn:                          # free, or only a case change of itself
            free.append(i)
        elif position.get(held_by, i) != i and position[held_by] not in follower:
            waits[i] = position[held_by]
            follower[position[held_by]] = i
        # else the name stays held (by a contact not renamed, or wanted twice): such renames run
        # last, and the target refuses them.

    ordered: list = []

    def run(i: int) -> None:
        op = pending[i]
        holder.pop(at[i], None)
        holder[to[i]] = op.new_dn
        ordered.append(op)

    def run_chains(starts: list, last: int = -1) -> None:
        # A rename runs in the pass of the one it waits for if it comes after it by anchor, else
        # in the next pass; within a pass, by anchor.
        steps = []                                    # pass * n + anchor position: one int each
        for i in starts:
            step = 0
            while True:
                steps.append(step + i)
                j = follower.get(i)
                if i == last or j is None:
                    break
                step += n if j < i else 0
                i = j
        for step in sorted(steps):
            run(step % n)

    run_chains(free)
    seen = [False] * n
    for i in free:
        j = i
        while j is not None:
            seen[j] = True
            j = follower.get(j)
    cycles = []
    for i in range(n):                                # by anchor: each cycle by its first rename
        if seen[i]:
            continue
        j = i
        while j is not None and not seen[j]:
            seen[j] = True
            j = waits[j]
        if j == i:
            cycles.append(i)
    fit_name = _fitter(profile.name_limit, profile.name_length)
    targets = set(to)
    for first in cycles:
        # Park the first rename of the cycle under a temporary name: the rest is then a chain
        # from the rename waiting for its name, back to it.
        op = pending[first]
        base = profile.rdn_value(op.dn)
        for width in (8, 16, 32, len(op.anchor)):
            suffix = f' (renaming {op.anchor.replace("-", "")[:width].lower()})'
            temp_dn = profile.dn_for(fit_name(base, suffix), op.recipient_kind)   # in the OU it goes to
            temp = slot(temp_dn)
            if temp not in holder and temp not in targets:
                break
        ordered.append(Operation('rename', op.anchor, op.dn, new_dn=temp_dn, source_dn=op.source_dn,
                                 reason='temporary name, to free its name for another contact'))
        holder.pop(at[first], None)
        holder[temp] = temp_dn
        op.dn, at[first] = temp_dn, temp
        run_chains([follower[first]], last=first)
    placed = {id(op) for op in ordered}
    for i, op in enumerate(pending):
        if id(op) not in placed:
            run(i)
    return ordered


# The attributes that carry a contact's addresses, on either target (lower case): an update that
# changes one of them re-routes mail and counts for the address-change guard.
ADDRESS_ATTRIBUTES = frozenset({'mail', 'proxyaddresses', 'targetaddress', 'mailaddress'})


def changes_addresses(op: Operation) -> bool:
    """Whether an update changes where mail for the contact goes (an address attribute)."""
    # A merge's X500 value on a mailbox re-routes nothing: the superseded contact's delete, which
    # the deletion guard counts, is the change.
    return op.kind == 'update' and not op.merge_of and any(a.lower() in ADDRESS_ATTRIBUTES for a in op.changes)


def guard_counts(result: Plan) -> dict:
    """What each guard counts in a plan: deletes, renames, address-changing updates."""
    return {'deletes': len(result.of_kind('delete')), 'renames': len(result.of_kind('rename')),
            'address_changes': sum(1 for op in result.operations if changes_addresses(op))}


def _guard(result: Plan, source_count: int | None, limits: Limits) -> str:
    """Why the plan must not run at all, or '' when it may. ``source_count`` None: a delta run's
    subset, where no sources is no sign of a broken read; a delta deleting every managed contact
    is stopped instead (a full run decides that, with the empty-source rule)."""
    gone = len(result.of_kind('delete')) + sum(1 for op in result.suppressed if op.kind == 'delete')
    if source_count is None and result.managed and gone >= result.managed:
        return (f'a delta run would delete all {result.managed} managed contacts: nothing was written; run a full '
                f'run (full_run: true), which checks the source is not empty')
    if source_count == 0 and result.managed:
        return (f'the source returned no mailboxes while {result.managed} contacts are managed: refusing to '
                f'delete them all (check the source connection and mailbox_base)')
    counts = guard_counts(result)
    # Each guard: more than its count, or more than 10 and more than its share of the managed set.
    for what, label, count_limit, percent_limit in (
            ('deletes', 'delete', limits.max_deletes, limits.max_delete_percent),
            ('renames', 'rename', limits.max_renames, limits.max_rename_percent),
            ('address_changes', 'address_change', limits.max_address_changes, limits.max_address_change_percent)):
        n, shown = counts[what], what.replace('_', ' ')
        if n > count_limit:
            return (f'{n} {shown} exceed max_{what} ({count_limit}) out of {result.managed} managed '
                    f'contacts: nothing was written; review the report, then raise max_{what} for one run')
        if n > 10 and n * 100 > percent_limit * result.managed:
            return (f'{n} {shown} are more than max_{label}_percent ({percent_limit:g} %) of '
                    f'{result.managed} managed contacts: nothing was written; review the report, then raise '
                    f'max_{label}_percent for one run')
    return ''
