"""An in-memory model of the target container, to run a Plan against: the planner's model of AD.

The container holds owned contacts (dn -> OwnedContact) and foreign objects (names only, never
touched). :meth:`Container.apply` executes one operation the way the directory would and checks,
before and after it, the rules the directory enforces and the ones the design promises:

* update, rename and delete only act on a DN that is present at that moment and owned;
* a create lands directly inside the container (or the OU of its kind), on a free DN, carrying the ownership marker in
  the same add and an RDN attribute that matches its DN;
* an update's "before" values are what the contact holds, it leaves the RDN attribute to
  renames and keeps the marker; its "after" values replace the attribute (none: removed);
* a rename's new DN is free at that moment (a case change of the contact itself is allowed) and
  inside the container; the contact keeps its attributes, its RDN attribute follows the DN;
* names are neither empty nor over the target's limit;
* after every operation no two objects under one parent share a name under
  AD's rule (:func:`ad_name_key`, this model's own: case, accents, and the letters KB 938447
  folds that have no Unicode decomposition) or, for Domino, ``profile.name_key``: AD refuses a
  duplicate RDN that way, Samba does not, so this model is the check the lab cannot make;
* an AD name counts in UTF-16 code units against cn's 64 (:func:`ad_name_length`).

The marker (``profile.marker_attribute``: ``profile.marker_prefix`` + anchor) is what makes a
created or updated contact owned, and by which anchor. A violation raises
:class:`ModelViolation` (an AssertionError, so pytest shows it as a failure). Addresses put on a
contact while another owned contact holds them are not refused (AD does not), only recorded in
``address_overlaps`` for the tests to judge.
"""
from __future__ import annotations

import copy
import functools
import unicodedata

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects.ad import AdContactProfile
from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects.domino import DominoContactProfile
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.dn import normalize_dn
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import OwnedContact


class ModelViolation(AssertionError):
    """An operation the directory would refuse, or one the design forbids."""


class Container:
    """The target container as the planner sees it, changed one operation at a time."""

    def __init__(self, profile, owned=(), foreign_names=()):
        self.profile = profile
        self.container_key = profile.parent_key(f"CN=x,{profile.container}")   # the parent key of a direct child
        # Every container a contact may be placed in: the contacts OU and, with an OU per kind
        # (AD kind_ous), each kind's.
        self.container_keys = {profile.parent_key(f"CN=x,{ou}")
                               for ou in getattr(profile, 'containers', (profile.container,))}
        self.contacts = {}                          # normalised DN -> OwnedContact
        for contact in owned:
            key = _normalized(contact.dn)
            if key in self.contacts:
                raise ModelViolation(f'two owned contacts at {contact.dn}')
            self.contacts[key] = copy.deepcopy(contact)
        self.foreign = {_normalized(profile.dn_for(name)): name for name in foreign_names}
        self.applied = []                            # the operations executed, in order
        self.address_overlaps = []                   # (op, address, DN of another contact holding it then)
        self.check_names('initial state')

    # --- reading the model ---

    def owned(self) -> list:
        """The owned contacts as a fresh read of the container would return them (copies)."""
        return [copy.deepcopy(c) for c in self.contacts.values()]

    def by_anchor(self) -> dict:
        """anchor -> list of owned contacts carrying it."""
        found = {}
        for contact in self.contacts.values():
            found.setdefault(contact.anchor, []).append(contact)
        return found

    def snapshot(self) -> dict:
        """Everything the model holds, comparable with ==."""
        return {key: (c.dn, c.anchor, c.attrs) for key, c in sorted(self.contacts.items())}

    def slot(self, dn: str) -> tuple:
        """What AD keeps unique: the name under one parent, compared the way AD compares names."""
        return _slot(self.profile, dn)

    def holder_of(self, dn: str):
        """The normalised DN of the object holding ``dn``'s slot, or None."""
        wanted = self.slot(dn)
        for key, contact in self.contacts.items():
            if self.slot(contact.dn) == wanted:
                return key
        for key, name in self.foreign.items():
            if self.slot(self.profile.dn_for(name)) == wanted:
                return key
        return None

    def anchor_from_marker(self, attrs: dict) -> str:
        """The anchor the ownership marker records, or '' when the attributes carry none."""
        return self.kind_from_marker(attrs)[0]

    def kind_from_marker(self, attrs: dict) -> tuple:
        """(anchor, kind) the ownership marker records, as a read of the target gives them to the
        planner (OwnedContact.anchor and .kind); ('', '') when the attributes carry none."""
        values = [v for v in attrs.get(self.profile.marker_attribute, []) if v.startswith(self.profile.marker_prefix)]
        if len(values) != 1 or not self.profile.anchor_of(values[0]):   # this sync's marker (identity included)
            return '', ''
        found = self.profile.ownership.read(values[0])
        return found.anchor, found.kind

    # --- checks ---

    def check_names(self, after: str) -> None:
        """No two objects under one parent share a name the way AD compares names."""
        seen = {}
        everything = [c.dn for c in self.contacts.values()] + [self.profile.dn_for(n) for n in self.foreign.values()]
        for dn in everything:
            slot = self.slot(dn)
            if slot in seen:
                raise ModelViolation(f'after {after}: {dn!r} and {seen[slot]!r} share one name under AD\'s rules')
            seen[slot] = dn

    def _owned_at(self, op) -> str:
        """The key of the owned contact ``op`` acts on; refused if there is none at this point."""
        key = _normalized(op.dn)
        if key in self.foreign:
            raise ModelViolation(f'{op.kind} of {op.dn!r}: a foreign object, not owned')
        if key not in self.contacts:
            raise ModelViolation(f'{op.kind} of {op.dn!r}: no owned contact there at this point')
        return key

    def _note_overlaps(self, op, key: str, before: dict, after: dict) -> None:
        """Record every address the operation puts on a contact while another owned contact
        holds it (AD accepts that; the design wants addresses to move, not to be doubled)."""
        added = self.profile.addresses(after) - self.profile.addresses(before)
        for other_key, other in self.contacts.items():
            if other_key != key:
                for address in sorted(added & self.profile.addresses(other.attrs)):
                    self.address_overlaps.append((op, address, other.dn))

    def _check_name(self, dn: str) -> None:
        """The target refuses an empty RDN value and one over its length limit."""
        name = self.profile.rdn_value(dn)
        length = ad_name_length if isinstance(self.profile, AdContactProfile) else self.profile.name_length
        if not name.strip() or length(name) > self.profile.name_limit:
            raise ModelViolation(f'{dn!r}: the name {name!r} is empty or longer than {self.profile.name_limit}')

    def _inside(self, dn: str) -> bool:
        return _slot(self.profile, dn)[0] in self.container_keys

    # --- executing ---

    def run(self, operations) -> 'Container':
        """Apply ``operations`` in their order; returns self for chaining."""
        for op in operations:
            self.apply(op)
        return self

    def apply(self, op) -> None:
        """Execute one operation, then check AD's name rule."""
        getattr(self, f'_{op.kind}')(op)
        self.applied.append(op)
        self.check_names(f'{op.kind} {op.dn!r}')

    def _create(self, op) -> None:
        if not self._inside(op.dn):
            raise ModelViolation(f'create of {op.dn!r}: outside the container {self.profile.container!r}')
        if self.holder_of(op.dn) is not None:
            raise ModelViolation(f'create of {op.dn!r}: the name is taken by {self.holder_of(op.dn)!r}')
        anchor, kind = self.kind_from_marker(op.attrs)
        if not anchor or anchor != op.anchor:
            raise ModelViolation(f'create of {op.dn!r}: marker {op.attrs.get(self.profile.marker_attribute)!r} '
                                 f'does not record the anchor {op.anchor!r} in the same add')
        self._check_name(op.dn)
        rdn_values = op.attrs.get(self.profile.rdn_attribute)
        if rdn_values != [self.profile.rdn_value(op.dn)]:
            raise ModelViolation(f'create of {op.dn!r}: {self.profile.rdn_attribute}={rdn_values!r} does not match the DN')
        self._note_overlaps(op, _normalized(op.dn), {}, op.attrs)
        # the values the add wrote, as a plain dict the later updates change (a planned create's
        # attributes are a read-only CreateAttributes)
        self.contacts[_normalized(op.dn)] = OwnedContact(op.dn, anchor, copy.deepcopy(dict(op.attrs.items())),
                                                         kind=kind)

    def _update(self, op) -> None:
        key = self._owned_at(op)
        contact = self.contacts[key]
        if self.profile.rdn_attribute in op.changes:
            raise ModelViolation(f'update of {op.dn!r} changes the RDN attribute: only a rename may')
        attrs = copy.deepcopy(contact.attrs)
        for attribute, (before, after) in op.changes.items():
            if list(before) != list(contact.attrs.get(attribute, [])):
                raise ModelViolation(f'update of {op.dn!r}: "before" of {attribute} is {before!r}, '
                                     f'the contact holds {contact.attrs.get(attribute, [])!r}')
            if after:
                attrs[attribute] = list(after)
            else:
                attrs.pop(attribute, None)
        anchor, kind = self.kind_from_marker(attrs)
        if not anchor:
            raise ModelViolation(f'update of {op.dn!r} removes the ownership marker')
        self._note_overlaps(op, key, contact.attrs, attrs)
        self.contacts[key] = OwnedContact(contact.dn, anchor, attrs, contact.object_id, kind=kind)

    def _rename(self, op) -> None:
        key = self._owned_at(op)
        if not self._inside(op.new_dn):
            raise ModelViolation(f'rename of {op.dn!r} to {op.new_dn!r}: outside the container')
        self._check_name(op.new_dn)
        holder = self.holder_of(op.new_dn)
        if holder is not None and holder != key:
            raise ModelViolation(f'rename of {op.dn!r} to {op.new_dn!r}: the name is held by {holder!r}')
        contact = self.contacts.pop(key)
        attrs = copy.deepcopy(contact.attrs)
        if self.profile.rdn_attribute in attrs:
            attrs[self.profile.rdn_attribute] = [self.profile.rdn_value(op.new_dn)]
        self.contacts[_normalized(op.new_dn)] = OwnedContact(op.new_dn, contact.anchor, attrs, contact.object_id,
                                                             kind=contact.kind)

    def _delete(self, op) -> None:
        del self.contacts[self._owned_at(op)]


@functools.lru_cache(maxsize=1 << 16)
def _normalized(dn: str) -> str:
    return normalize_dn(dn)


# Letters Windows AD folds to base letters although Unicode gives them no decomposition (KB 938447:
# Meissner and Meißner are one name; ø is o, æ is ae), written here apart from the planner's own
# table so that a gap in the planner's model shows as a collision in this one.
_AD_FOLDED_LETTERS = {'ß': 'ss', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'æ': 'ae', 'œ': 'oe'}


@functools.lru_cache(maxsize=1 << 16)
def ad_name_key(name: str) -> str:
    """How AD compares two RDN values, in this model: case, accents and the letters above folded."""
    bare = ''.join(ch for ch in unicodedata.normalize('NFD', name) if not unicodedata.combining(ch))
    return ''.join(_AD_FOLDED_LETTERS.get(ch, ch) for ch in bare.lower()).casefold().strip()


def ad_name_length(name: str) -> int:
    """AD's count of a cn against its rangeUpper 64: UTF-16 code units (a character outside the
    Basic Multilingual Plane, an emoji, counts twice)."""
    return len(name.encode('utf-16-le')) // 2


@functools.lru_cache(maxsize=1 << 16)
def _slot(profile, dn: str) -> tuple:
    # Cached: the property tests compute the slots of the same few hundred DNs millions of times.
    key = ad_name_key if isinstance(profile, AdContactProfile) else profile.name_key
    return profile.parent_key(dn), key(profile.rdn_value(dn))


# --- scenario helpers shared by test_plan.py and test_plan_properties.py ---

CONTACTS_OU = 'OU=Domino Contacts,DC=corp,DC=example,DC=com'
ORG_DN = 'CN=Acme,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=com'
GAL = f'CN=Default Global Address List,CN=All Global Address Lists,CN=Address Lists Container,{ORG_DN}'
ALL_CONTACTS = f'CN=All Contacts,CN=All Address Lists,CN=Address Lists Container,{ORG_DN}'


def ad_profile(**overrides):
    """The AD contact profile the tests drive the planner with (title and telephoneNumber mapped)."""
    settings = dict(contacts_ou=CONTACTS_OU, shared_domain='example.com', domino_routing_domain='domino.example.com',
                    exchange_routing_domain='exchange.example.com', organisation='Acme',
                    address_lists=(GAL, ALL_CONTACTS),
                    attribute_map=(('title', 'title'), ('telephoneNumber', 'telephonenumber')))
    settings.update(overrides)
    return AdContactProfile(**settings)


# A contacts base long enough that Domino's 256-character DN limit bites at about 60 characters
# of name (a comma in a name costs two), so the planner's fitting is exercised as AD's 64 is.
DOMINO_CONTACTS_BASE = 'OU=Exchange Mailboxes Forwarded By The Coexistence Sync ' + 'x' * 129 + ',O=Acme'


def domino_profile(**overrides):
    """The Domino contact profile the tests drive the planner with (title and telephonenumber mapped)."""
    settings = dict(contacts_base=DOMINO_CONTACTS_BASE, exchange_routing_domain='exchange.example.com',
                    attribute_map=(('title', 'title'), ('telephonenumber', 'telephoneNumber')))
    settings.update(overrides)
    return DominoContactProfile(**settings)
