# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The Domino Directory, both ways (vendor facts D-n.n: docs/docsite/rst/vendor_facts.rst).

As a source: which Person documents are mailboxes, and how one becomes a normalised record.
As a target: what the forwarding Person ("contact") for an Exchange mailbox looks like, and the
reads the sync needs (the contacts base, every address in the directory).

A Domino mailbox is a ``dominoPerson`` with a mail file, a mail system that means Notes and no
forwarding address (a Person a migration tool forwarded is no longer a mailbox). The filter
asks the server only for ``objectClass``: Domino answers filters on other attributes from a
full-text index or a slow view scan (vendor facts D-8.2, pitfall 6), so the rest is checked here.

The contact profile (vendor facts D-3.2 "Contact Person doc recipe", D-4.1; architecture.rst "Addresses"):

==============================  ================================================================
objectClass                     top, person, organizationalPerson, inetOrgPerson, dominoPerson
DN                              CN=<display name>,<contacts_base>: at most 256 characters as
                                escaped (collisions suffixed from the anchor)
cn                              the RDN value (the add); Domino may keep an old one after a
                                rename, so DNs are compared, never cn sets
givenName, sn                   from the mailbox (sn, which person requires: the display name
                                when the mailbox has none, as resource mailboxes do)
mail (InternetAddress)          the mailbox's primary SMTP address
mailaddress (Forwarding)        its proxy in the Exchange routing domain, else
                                <local part>@<Exchange routing domain>
mailsystem                      "5", Other Internet Mail [third-party code; configurable]
employeeType                    the ownership marker, <prefix><identity>:<kind>:<objectGUID> (in the same add)
never                           mailfile, mailserver (a contact has no Notes mail), dominoUNID
                                and displayName (Domino computes them)
==============================  ================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..engine.addresses import address_problem, domain_of, in_domain, is_valid_alias, local_part
from ..directory.client import LdapClient
from ..directory.dn import dn_is_within, dn_key, parse_dn
from ..engine.marker import DEFAULT_MARKER_PREFIX, MarkedProfile
from ..engine.naming import ContainerNaming
from ..engine.plan import AddressIndex, ContainerContents, MailboxRead, MappedFields, Operation, OwnedContact, SourceRecord
from ..engine.plan import AttributeLayout

# The recipients that are not Persons (issue 18; vendor facts D-12): a Group document
# (``dominoGroup``, D-2.1) of type Multi-purpose or Mail only, or without a type (Domino treats an
# untyped group as Multi-purpose); a Mail-In Database document (``dominoServerMailInDatabase``
# [third-party]); a Resource document (a room or equipment; its LDAP object class is not
# published: the class below [unknown], or a Mail-In Database document with a ResourceType). The
# item codes are not published either ([inferred] from the forms' keyword lists); every value is a
# constant here and validate counts each kind, so a site whose directory differs sees it.
GROUP_CLASS = 'dominoGroup'
MAILIN_CLASS = 'dominoServerMailInDatabase'
RESOURCE_CLASS = 'dominoResource'
MAIL_GROUP_TYPES = ('0', '1')        # GroupType: 0 Multi-purpose, 1 Mail only [inferred]; '' untyped
RESOURCE_TYPES = {'1': 'room', '2': 'equipment'}   # ResourceType [inferred]; 3 online meeting: no mail
DEFAULT_MAIL_SYSTEMS = ('1',)        # MailSystem "1" = Notes [inferred]; the LDAP-created default [verified]
DEFAULT_MARKER_ATTRIBUTE = 'employeeType'   # the Domino contacts' ownership marker (standard inetOrgPerson)
DEFAULT_CONTACT_MAIL_SYSTEM = '5'    # "Other Internet Mail" [third-party]; see vendor facts D-3.1
DN_LIMIT = 256                       # Domino's limit on a DN [verified, vendor facts D-4.1 (6)]
CONTACT_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']
# What the sync writes on a contact besides the mapped fields (read back, compared, written).
CONTACT_MANAGED = ['givenName', 'sn', 'mail', 'mailaddress', 'mailsystem']
# Never written on a contact: a contact has no Notes mail; Domino computes the others.
NEVER_WRITTEN = frozenset({'mailfile', 'mailserver', 'maildomain', 'dominounid', 'displayname'})


def synthesized(address: str) -> bool:
    """Whether a Domino ``mail`` value is one the LDAP service made up from a Notes name, not an
    Internet address anyone gave the document.

    A Person, group or mail-in database without an Internet address still returns ``mail``: its
    short name, its forwarding address, the Global Domain's conversion rules applied to its name,
    or at last ``hierarchical name%Notes domain@host`` (vendor facts D-2.2, D-11.1). The forms from
    the Notes name keep its ``/`` separators (HCL's sample returns ``John_Q_Public/API@lotus.com``)
    or the ``%`` before the Notes domain; no routable Internet address of a person has either.
    Those are recognised here. The others cannot be told from a real address over LDAP, so they
    count as addresses where that is the safe reading (the address index) and ``validate`` reports
    how many Persons return one (vendor facts D-11.1).
    """
    local = local_part(address)
    return '/' in local or '%' in local


def unroutable(address: str, routed_domains: tuple) -> str:
    """Why a Domino address is not one of the shared namespace ('' if it is): synthesized from a
    Notes name, or (``routed_domains`` given) outside the domains this sync routes."""
    if synthesized(address):
        return (f'{address} is synthesized by Domino from the Notes name (the document has no Internet '
                f'address; vendor facts D-2.2): give it an Internet address in Domino')
    if routed_domains and domain_of(address) not in routed_domains:
        return (f'{address} is not in a domain this sync routes ({", ".join(routed_domains)}; add the domain to '
                f'routed_domains if it is an alias of the shared domain)')
    return ''


@dataclass(frozen=True)
class MailboxRule:
    """What makes a Person a mailbox; every value configurable (the codes are partly inferred)."""

    mail_systems: tuple = DEFAULT_MAIL_SYSTEMS
    require_mail_file: bool = True
    exclude_forwarded: bool = True
    contacts_base: str = ''                     # this collection's contacts live here: never sources
    marker_attribute: str = DEFAULT_MARKER_ATTRIBUTE
    marker_prefix: str = DEFAULT_MARKER_PREFIX
    routed_domains: tuple = ()                  # lower case; () = any domain (synthesized still refused)
    primary_domain: str = ''                    # Domino's local primary Internet domain (the shared domain)
    routing_domain: str = ''                    # the Domino routing domain AD contacts forward to ('' = none)
    kinds: tuple = ('person',)                  # the kinds of recipient read (engine/plan.py RECIPIENT_KINDS)

    def why_not(self, entry) -> str:
        """'' if the entry is a mailbox, else the reason it is not (for the counts)."""
        reason = self.not_ours(entry)
        if reason:
            return reason
        if self.require_mail_file and not (entry.get('mailfile') or '').strip():
            return 'no mail file'
        if self.exclude_forwarded and (entry.get('mailaddress') or '').strip():
            return 'forwarded (has a forwarding address)'
        if self.mail_systems and (entry.get('mailsystem') or '').strip() not in self.mail_systems:
            return f'mail system {entry.get("mailsystem")!r} is not Notes'
        return ''

    def not_ours(self, entry) -> str:
        """Why an entry of any kind is never a source: a contact this collection made (a Person, or
        a group standing for an Exchange group), or anything under the contacts base."""
        if any(v.startswith(self.marker_prefix) for v in entry.values(self.marker_attribute)):
            return 'contact made by this collection'
        if self.contacts_base and dn_is_within(entry.dn, self.contacts_base):
            return 'under the contacts base'
        return ''

    def kind_of(self, entry) -> tuple:
        """(kind, '') of a group, mail-in database or resource document that takes mail, or ('',
        why it is not a recipient). The address itself is checked later, as a Person's is."""
        reason = self.not_ours(entry)
        if reason:
            return '', reason
        classes = {c.lower() for c in entry.values('objectClass')}
        if GROUP_CLASS.lower() in classes:
            group_type = (entry.get('grouptype') or '').strip()
            if group_type and group_type not in MAIL_GROUP_TYPES:
                return '', f'group type {group_type!r} does not take mail (ACL, deny or servers only)'
            return 'group', ''
        resource_type = (entry.get('resourcetype') or '').strip()
        if RESOURCE_CLASS.lower() in classes or resource_type:
            if resource_type and resource_type not in RESOURCE_TYPES:
                return '', f'resource type {resource_type!r} takes no mail (an online meeting place)'
            return 'resource', ''
        if MAILIN_CLASS.lower() in classes:
            return 'mailin', ''
        return '', 'not a recipient'


def record_from_entry(entry, field_map: dict, routed_domains: tuple = (), kind: str = 'person') -> SourceRecord:
    """A Domino mailbox as a normalised record. ``field_map`` maps target attribute names to
    Domino attribute names (the playbook's coexist_attribute_map, nulls removed). A mail Domino
    synthesized, or one outside ``routed_domains``, is a problem: the record is reported, never
    written (vendor facts D-2.2)."""
    problems = []
    unid = (entry.get('dominoUNID') or '').strip().upper()
    if not unid:
        problems.append('no dominoUNID (ask the Domino admin to make it readable to the sync account)')
    why = unroutable((entry.get('mail') or '').strip(), routed_domains) if (entry.get('mail') or '').strip() else ''
    if why:
        problems.append(why)
    # The display name is the primary FullName: the entry's RDN value, never cn[0], which may be
    # an older FullName value (Domino keeps several, and the old RDN after a rename).
    display = parse_dn(entry.dn)[0][0][1] if entry.dn else ''
    mail = (entry.get('mail') or '').strip()
    alias = next((u for u in entry.values('uid') if is_valid_alias(u)), '')
    if not alias and mail and is_valid_alias(local_part(mail)):
        alias = local_part(mail)
    fields = MappedFields.read(field_map, lambda source: entry.get(source) or '')
    return SourceRecord(anchor=unid, dn=entry.dn, display_name=display, mail=mail,
                        given_name=(entry.get('givenName') or '').strip(), surname=(entry.get('sn') or '').strip(),
                        alias=alias, fields=fields, problems=tuple(problems), kind=kind)


def read_mailboxes(client: LdapClient, base: str, rule: MailboxRule, field_map: dict) -> MailboxRead:
    """Every Domino mailbox under ``base`` ('' = the whole directory, flat names included), each
    with the address its AD contact forwards to when ``rule.routing_domain`` is set
    (:func:`forwarding_address`)."""
    attributes = sorted({'dominoUNID', 'cn', 'givenName', 'sn', 'mail', 'uid', 'mailfile', 'mailsystem',
                         'mailaddress', rule.marker_attribute} | set(field_map.values()))
    records, reasons, persons = [], {}, 0
    routing = rule.routing_domain.strip().lower()
    holders: dict = {}                           # address in the routing domain -> the Person's DN

    def held(entry) -> None:
        if routing:
            for value in [entry.get('mail') or ''] + entry.values('cn'):
                if '@' in value and domain_of(value.strip()) == routing:
                    holders.setdefault(value.strip().lower(), entry.dn)

    def add(entry, kind: str) -> None:
        record = record_from_entry(entry, field_map, rule.routed_domains, kind)
        if routing:
            record = with_forwarding(record, entry.values('cn'), rule.primary_domain, routing)
        records.append(record)

    # Persons are read alone, as before: the filter names objectClass only (vendor facts D-8.2).
    for entry in client.search(base, '(objectClass=dominoPerson)', attributes) if 'person' in rule.kinds else ():
        persons += 1
        held(entry)
        reason = rule.why_not(entry)
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        add(entry, 'person')
    others = [k for k in rule.kinds if k != 'person']
    if others:
        # Groups, mail-in databases and resources: one more read by object class. Their members
        # are never read (the home system expands a group, vendor facts D-12).
        wanted = sorted(set(attributes) | {'objectClass', 'grouptype', 'resourcetype'})
        for entry in client.search(base, f'(|(objectClass={GROUP_CLASS})(objectClass={MAILIN_CLASS})'
                                         f'(objectClass={RESOURCE_CLASS}))', wanted):
            held(entry)
            kind, reason = rule.kind_of(entry)
            if kind and kind not in others:
                reason = f'{kind}: kind switched off'
            if reason:
                reasons[reason] = reasons.get(reason, 0) + 1
                continue
            add(entry, kind)
    if holders:
        records = [_forwarding_taken(r, holders) for r in records]
    return MailboxRead(_conflicts_reported(records), reasons, persons)


def forwarding_address(mail: str, names, primary: str, routing: str) -> tuple:
    """(the address an AD contact forwards this Domino mailbox's mail to, '') or ('', why no
    address will reach it).

    Exchange sends the contact's mail to its targetAddress in the Domino routing domain, an alias
    in Domino's Global Domain. Domino's router finds an SMTP recipient in the ``$Users`` view, which
    holds every Person's Internet address and each of its names: first the exact address; only if
    that misses and the domain is an alias, the same local part in the *primary* domain (vendor
    facts D-6.1, D-11.6). So a mailbox whose Internet address is in the primary domain (the shared
    domain) is found as ``<local part>@<routing domain>``; one that holds an address in the routing
    domain itself (its Internet address, or a User name value) is found by that exact address; a
    mailbox whose Internet address is in another alias domain is found by neither, and mail to
    ``<local part>@<routing domain>`` would reach whoever holds ``<local part>@<primary>``, or
    nobody: no contact is written for it.
    """
    if not routing or not mail:
        return '', ''
    routing, primary = routing.lower(), (primary or '').strip().lower()
    local = local_part(mail)
    if domain_of(mail) == routing:
        return mail, ''
    held = sorted((n.strip() for n in names if '@' in n and domain_of(n.strip()) == routing
                   and not address_problem(n.strip())), key=lambda n: (local_part(n).lower() != local.lower(), n.lower()))
    if held:
        return held[0], ''
    if primary and domain_of(mail) == primary:
        return f'{local}@{routing}', ''
    return '', (f'{mail} is in {domain_of(mail)}, not in the Domino primary Internet domain {primary or "(not set)"}: '
                f'mail the AD contact forwards to {local}@{routing} is looked up by Domino as that address, then as '
                f'{local}@{primary or "<primary>"} (vendor facts D-6.1, D-11.6), and neither is this Person\'s; give it '
                f'an Internet address in {primary or "the primary domain"}, or add {local}@{routing} to its User name '
                f'(FullName) field')


def with_forwarding(record: SourceRecord, names, primary: str, routing: str) -> SourceRecord:
    """``record`` with the address its AD contact forwards to, or with the reason there is none
    (a problem: reported, never written). Records that already have a problem are left as they are."""
    if record.problems or not record.mail or synthesized(record.mail):
        return record
    target, why = forwarding_address(record.mail, names, primary, routing)
    if why:
        return replace(record, problems=record.problems + (why,))
    return replace(record, routing_address=target) if target else record


def _forwarding_taken(record: SourceRecord, holders: dict) -> SourceRecord:
    """A derived forwarding address another Person holds exactly would reach that Person: Domino's
    exact match comes before the primary-domain retry (vendor facts D-6.1)."""
    holder = holders.get(record.routing_address.lower()) if record.routing_address else None
    if holder is None or dn_key(holder) == dn_key(record.dn):
        return record
    return replace(record, routing_address='', problems=record.problems + (
        f'{record.routing_address}, where its AD contact would forward, is an address of {holder} in Domino: mail '
        f'would reach that Person (vendor facts D-6.1); no contact is written',))


def outside_routed_domains(records: list, routed_domains: tuple) -> list:
    """``records`` with a problem added to each whose mail is outside ``routed_domains`` (read
    here or handed in by domino_mailbox_info): reported, never written (vendor facts D-11.1)."""
    if not routed_domains:
        return records
    out = []
    for record in records:
        if record.mail and not synthesized(record.mail) and domain_of(record.mail) not in routed_domains:
            why = unroutable(record.mail, routed_domains)
            if why not in record.problems:          # read_mailboxes may have found it already
                record = replace(record, problems=record.problems + (why,))
        out.append(record)
    return out


def _conflicts_reported(records: list) -> list:
    """Mailboxes sharing a DN are a replication or save conflict (vendor facts D-4.3): two documents,
    two dominoUNIDs. Which one is the mailbox is for a Notes administrator to decide: each is
    reported and none written."""
    by_dn: dict = {}
    for record in records:
        by_dn.setdefault(dn_key(record.dn), []).append(record)
    out = []
    for record in records:
        twins = by_dn[dn_key(record.dn)]
        if len(twins) > 1:
            ids = ', '.join(sorted(r.anchor or '?' for r in twins))
            record = replace(record, problems=record.problems + (
                f'replication or save conflict: {len(twins)} documents share the DN {record.dn} (dominoUNID {ids}); '
                f'a Notes administrator resolves it (vendor facts D-4.3)',))
        out.append(record)
    return out


# --- the target side: forwarding Persons for Exchange mailboxes ---

@dataclass(frozen=True)
class DominoContactProfile(MarkedProfile, ContainerNaming):
    """The planner's view of an Exchange mailbox's contact in Domino (see ContactProfile in engine/plan.py)."""

    contacts_base: str
    exchange_routing_domain: str
    attribute_map: tuple = ()          # (Domino attribute, source field) pairs
    mail_system: str = DEFAULT_CONTACT_MAIL_SYSTEM
    marker_attribute: str = DEFAULT_MARKER_ATTRIBUTE
    marker_prefix: str = DEFAULT_MARKER_PREFIX
    identity: str = ''                 # of the source, in the marker (engine/marker.py); '' = the 0.1 marker
    rdn_attribute: str = 'cn'
    name_limit: int = DN_LIMIT         # measured on the whole DN (name_length)
    alias_attribute: str = ''          # Domino has no alias the sync must keep unique
    alias_limit: int = 0
    routed_domains: tuple = ()         # lower case; () = any domain
    _suffix: str = field(default='', compare=False)
    _container_key: tuple = field(default=(), compare=False)

    def __post_init__(self):
        self._init_naming()

    # names (name_key, dn_for, rdn_value, parent_key: ContainerNaming)
    @property
    def container(self) -> str:
        return self.contacts_base

    def clean_name(self, name: str) -> str:
        """The name as a Notes name can hold it: ``/`` separates the parts of a hierarchical name
        and ``@`` a Notes domain (HCL's Notes form of a DN quotes both, vendor facts D-1.1), so a
        common name holding one would not be read back as written; each becomes ``-`` before the
        write ("Sales/Marketing Desk" -> "Sales-Marketing Desk")."""
        return name.replace('/', '-').replace('@', '-') if ('/' in name or '@' in name) else name

    def name_length(self, name: str) -> int:
        # Domino counts the DN; how it counts escapes is not documented, and servers spell them
        # either way (slapd returns a comma as \2C): count every escape in its longest form, so a
        # name full of commas is cut a little early rather than refused.
        return len('CN=') + escaped_length(name) + len(self._suffix)

    # values
    def routing_address(self, source: SourceRecord) -> str:
        """Where Domino forwards: the mailbox's own proxy in the Exchange routing domain (the
        email address policy stamped it), else <local part>@<that domain>, else (same namespace)
        the address itself."""
        return source.routing_address or in_domain(local_part(source.mail), self.exchange_routing_domain, source.mail)

    def validate(self, source: SourceRecord) -> list:
        problems = []
        if not source.anchor:
            problems.append('no anchor (objectGUID not returned)')
        address = address_problem(source.mail)
        if address:
            problems.append(address)
        elif self.routed_domains and domain_of(source.mail) not in self.routed_domains:
            problems.append(unroutable(source.mail, self.routed_domains))
        elif address_problem(self.routing_address(source)):
            problems.append(f'forwarding address: {address_problem(self.routing_address(source))}')
        if not source.display_name.strip():
            problems.append('no name')
        return problems

    def desired(self, source: SourceRecord, alias: str) -> dict:
        display = ' '.join(source.display_name.split())
        values = {
            'givenName': [source.given_name] if source.given_name else [],
            # person requires sn; resource and shared mailboxes have none: their display name
            'sn': [source.surname or display],
            'mail': [source.mail],
            'mailaddress': [self.routing_address(source)],
            'mailsystem': [self.mail_system],
        }
        values.update(source.mapped_values(self.attribute_map))
        return values

    def on_create(self, source: SourceRecord) -> dict:
        return {'objectClass': list(CONTACT_CLASSES)}

    def limits(self) -> dict:
        return {}                      # Domino documents no per-item limits below the DN's

    def merged(self) -> dict:
        return {}                      # every managed item is single-valued and the sync's

    def compare_keys(self) -> dict:
        return {}

    def addresses(self, attrs: dict) -> set:
        # The Internet address, which Domino resolves SMTP mail by, and the forwarding address:
        # two contacts forwarding to one address would put two people's mail in one mailbox
        # (two mailboxes with one local part in different domains derive the same one).
        return {v.lower() for attribute in ('mail', 'mailaddress') for v in attrs.get(attribute, []) if v}


def escaped_length(value: str) -> int:
    """The length of ``value`` as an RDN value with every RFC 4514 escape written as \\hh."""
    length = sum(3 if ch in ',+"\\<>;=' else 1 for ch in value)
    if value[:1] in ('#', ' '):
        length += 2
    if len(value) > 1 and value.endswith(' '):
        length += 2
    return length


def read_contacts(client: LdapClient, profile: DominoContactProfile, extra_attributes: list) -> ContainerContents:
    """Everything under the contacts base: owned contacts (marker present) and the rest."""
    managed = CONTACT_MANAGED + extra_attributes + [profile.marker_attribute]
    attributes = sorted(set(managed + ['objectClass', 'dominoUNID']))
    owned, owned_keys, foreign, names = [], [], [], []
    container_key = dn_key(profile.contacts_base)
    documents: dict = {}                       # DN key -> [(dn, dominoUNID, anchor or '')]
    layout = AttributeLayout(managed, repeated=('mailsystem',) + tuple(extra_attributes))
    for entry in client.search(profile.contacts_base, '(objectClass=*)', attributes):
        # One key per entry, kept beside its contact: four keys each were a quarter of this
        # read's CPU at 100,000 contacts, on a delta run's critical path (issue 17).
        key = dn_key(entry.dn)
        if key == container_key:
            continue
        ours = profile.marker_of(entry)
        marker = ours.anchor
        classes = {c.lower() for c in entry.values('objectClass')}
        documents.setdefault(key, []).append((entry.dn, entry.get('dominoUNID') or '', marker))
        if marker and 'dominoperson' in classes:
            owned.append(OwnedContact(dn=entry.dn, anchor=marker,
                                      attrs=layout.attributes(entry),
                                      object_id=(entry.get('dominoUNID') or ''), kind=ours.kind))
            owned_keys.append(key)
            continue
        owner = profile.owner_of(entry)
        foreign.append({'dn': entry.dn, 'objectClass': entry.values('objectClass')[-1:] or ['?'],
                        # another sync's contact (two forests, one base): never touched, its name taken
                        **({'owner': owner} if owner else {})})
        if profile.parent_key(entry.dn) == container_key:
            names.append(profile.rdn_value(entry.dn))
    # Two documents under one DN: a replication or save conflict (vendor facts D-4.3). A write by
    # that DN may reach either one (HCL documents nothing), so neither is written: they are handed
    # to the planner as frozen and reported for a Notes administrator.
    shared = {key: docs for key, docs in documents.items() if len(docs) > 1}
    frozen = [c for c, key in zip(owned, owned_keys) if key in shared]
    if frozen:
        owned = [c for c, key in zip(owned, owned_keys) if key not in shared]
    duplicates = [{'dn': docs[0][0], 'object_ids': [unid for _dn, unid, _anchor in docs],
                   'anchors': sorted({anchor for _dn, _unid, anchor in docs if anchor})}
                  for docs in shared.values()]
    return ContainerContents(owned, foreign, names, frozen=frozen, duplicates=duplicates)


def holder_kind(entry, rule: MailboxRule) -> str:
    classes = {c.lower() for c in entry.values('objectClass')}
    if 'dominogroup' in classes:
        return 'group'
    if 'dominoservermailindatabase' in classes:
        return 'mail-in database'
    if 'dominoperson' in classes:
        if not rule.why_not(entry):
            return 'mailbox'
        if (entry.get('mailaddress') or '').strip():
            return 'forwarded Person'
        return 'Person'
    return 'recipient'


def read_address_index(client: LdapClient, base: str, profile: DominoContactProfile, rule: MailboxRule) -> AddressIndex:
    """Every Internet and forwarding address in the Domino Directory except those of the owned
    contacts, in one read (``base`` '': the whole directory), and the Persons carrying the marker
    outside the contacts base (a moved or renamed OU), which make the sync refuse to run.

    The filter names objectClass and mail only, the attributes Domino answers from its views;
    a filter on the marker would be a full-text or view scan (vendor facts D-5, D-8.2). Persons and
    every entry with an address (groups, mail-in databases) are read, the rest is decided here.
    """
    index = AddressIndex({}, set(), set(), [])
    marker = profile.marker_attribute
    domains = profile.routed_domains + ((profile.exchange_routing_domain.lower(),)
                                        if profile.routed_domains and profile.exchange_routing_domain else ())
    attributes = ['mail', 'objectClass', 'mailfile', 'mailsystem', 'mailaddress', 'cn', marker]
    for entry in client.search(base, '(|(objectClass=dominoPerson)(objectClass=dominoGroup)(mail=*))', attributes):
        # This sync's marker (or an identity-less one it adopts): its contacts are not "another
        # recipient", and outside the base the sync refuses to run. Another sync's contacts (another
        # identity: a second forest synced into the same base) hold their addresses like any entry.
        if any(profile.anchor_of(v) for v in entry.values(marker)):
            if dn_is_within(entry.dn, profile.contacts_base):
                if 'dominoperson' in {c.lower() for c in entry.values('objectClass')}:
                    continue                              # an owned contact: not "another recipient"
            else:
                index.marked_outside.append(entry.dn)
                continue
        # Every common name (each FullName value, a group's name) is a name Notes users type and
        # the Router resolves: a contact taking one makes it ambiguous (vendor facts D-11.3).
        index.names.extend(entry.values('cn'))
        # Only addresses of the namespace this sync writes count (vendor facts D-2.2): a mail
        # Domino synthesized from a Notes name, or one outside the routed and routing domains,
        # can never be a contact's address.
        held = [v.lower() for v in entry.values('mail') + entry.values('mailaddress')
                if v and not unroutable(v, domains)]
        if not held:
            continue
        # One description per holder, shared by its addresses (a Person with a forwarding address
        # held two equal strings); only a conflict prints it.
        kind = holder_kind(entry, rule)
        holder = f'{entry.dn} ({kind})'
        for address in dict.fromkeys(held):
            index.addresses.setdefault(address, holder)
        if kind == 'mailbox':                         # a mailbox has no forwarding address
            index.mailboxes.update(held)
    return index


# --- Domino groups naming the contacts (AdminP does not act on LDAP writes) ---

def contact_moves(operations: list) -> dict:
    """DN key of each contact as it was read -> (its anchor, the DN it ends at, '' when deleted),
    for the renames and deletes among ``operations`` (a swap's temporary names followed through)."""
    origin: dict = {}                          # DN key now -> the DN the contact had when read
    moves: dict = {}
    for op in operations:
        if op.kind not in ('rename', 'delete'):
            continue
        first = origin.pop(dn_key(op.dn), op.dn)
        moves[dn_key(first)] = (op.anchor, op.new_dn if op.kind == 'rename' else '')
        if op.kind == 'rename':
            origin[dn_key(op.new_dn)] = first
    return moves


def read_groups_naming(client: LdapClient, moves: dict) -> list:
    """(group DN, its member values) for every ``dominoGroup`` naming a contact in ``moves``.

    Every group is read and its members compared here: a filter on ``member`` would skip Mail only
    groups and groups without a type, the ones that matter for mail (vendor facts D-2.3)."""
    if not moves:
        return []
    found = []
    for entry in client.search('', '(objectClass=dominoGroup)', ['member']):
        members = entry.values('member')
        if any(dn_key(m) in moves for m in members):
            found.append((entry.dn, list(members)))
    return found


def group_operations(moves: dict, groups: list) -> list:
    """One update of ``member`` per group, as AdminP would make it (vendor facts D-7.4, D-11.2): a
    renamed contact's old DN replaced by its new one, a deleted contact's removed. Only the values
    that change are in the update, and the applier writes them value by value, so members someone
    else adds meanwhile survive. Each update runs only after the contact writes it follows
    succeeded (``requires``)."""
    operations = []
    for group_dn, members in groups:
        keys = {dn_key(m): m for m in members}
        before = [m for m in members if dn_key(m) in moves]
        after, anchors = [], []
        for member in before:
            anchor, new_dn = moves[dn_key(member)]
            anchors.append(anchor)
            if new_dn and dn_key(new_dn) not in {dn_key(a) for a in after}:
                # keep the server's spelling when the value stays (a swap)
                after.append(keys.get(dn_key(new_dn), new_dn) if dn_key(new_dn) in keys and
                             dn_key(new_dn) in moves else new_dn)
        # a new DN already listed and not leaving is no change
        after = [a for a in after if not (dn_key(a) in keys and dn_key(a) not in moves)]
        if {dn_key(b) for b in before} == {dn_key(a) for a in after}:
            continue
        renamed = sum(1 for m in before if moves[dn_key(m)][1])
        operations.append(Operation('update', anchors[0], group_dn, changes={'member': (before, after)},
                                    reason=f'group membership: {renamed} renamed and {len(before) - renamed} deleted '
                                           f'contacts (AdminP does not act on LDAP writes)',
                                    requires=tuple(dict.fromkeys(anchors))))
    return operations


def contacts_base_missing(contacts_base: str, where: str) -> str:
    """What to tell the admin when the contacts base does not exist: Domino needs every DN
    component to exist before an LDAP add (vendor facts D-4.1 (6), D-8.2 pitfall 15), and creating
    one over LDAP is unverified, so the collection does not try."""
    notes_name = '/'.join(f'{attr.upper()}={value}' for attr, value, _flags in
                          (rdn_[0] for rdn_ in parse_dn(contacts_base)))
    return (f'The contacts base {contacts_base} does not exist on {where}. Domino needs it before the first '
            f'contact can be added: in Domino Administrator register the organizational unit certifier '
            f'{notes_name} (Configuration > Registration > Organizational Unit), or choose an existing '
            f'OU for domino.contacts_base; then run again. Nothing was written.')
