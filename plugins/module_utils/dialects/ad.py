# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Active Directory with Exchange, both ways.

As a target: what a GAL-visible mail contact looks like, and the reads the sync needs (owned
contacts, the forest's addresses, the Exchange organisation and address lists, effective rights).
As a source (at the end of this file): which users are Exchange mailboxes, and how one becomes a
normalised record.

The contact profile (vendor facts X-2.1, X-2.2 and architecture.rst "GAL visibility", in docs/docsite/rst):

==============================  ================================================================
objectClass                     top, person, organizationalPerson, contact (on create)
cn                              from the display name (64 characters, collisions suffixed)
displayName, givenName, sn      from the source
mail                            the source's own primary address
mailNickname                    alias, unique forest-wide
targetAddress                   SMTP:<local part>@<Domino routing domain>: where Exchange sends
                                (or the Person's own address in that domain; dialects/domino.py)
proxyAddresses                  SMTP:<mail> and smtp:<target address>, merged with other values
msExchRecipientDisplayType      6 (mail contact)
msExchRecipientTypeDetails      64 (MailContact)
msExchVersion                   the Exchange 2013+ value (on create; Exchange may raise it)
msExchPoliciesExcluded          {26491cfc-...}: email address policies leave the contact alone
showInAddressBook               the default GAL and "All Contacts" (merged)
legacyExchangeDN                /o=<org>/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/
                                cn=Recipients/cn=<anchor as 32 hex> (on create, never rewritten)
adminDescription                the ownership marker, <prefix><identity>:<kind>:<anchor> (in the same add)
==============================  ================================================================
"""

from __future__ import annotations

import re
import typing as t
import uuid
from dataclasses import dataclass, field, replace

from ..engine.addresses import address_problem, domain_of, in_domain, is_valid_alias, local_part
from ..directory.client import LdapClient, request_control
from ..directory.errors import DirectoryError
from ..directory.dn import dn_is_within, dn_key, escape_filter_value, normalize_dn, parse_dn, rdn
from ..engine.delta import DEFAULT_TOMBSTONE_DAYS, DcState
from ..engine.marker import DEFAULT_MARKER_PREFIX, MarkedProfile
from ..engine.naming import ContainerNaming, first_rdn_value
from ..engine.plan import (RECIPIENT_KINDS, AddressIndex, ContainerContents, MailboxRead, Operation, OwnedContact, Plan,
                           SourceRecord)
from ..engine.plan import AttributeLayout, MappedFields

POLICY_EXCLUDED = '{26491cfc-9e50-4857-861b-0cb8df22b5d7}'   # email address policies: not applied
# msExchVersion, the Exchange object version stamped on a recipient (vendor facts ): an
# Exchange version's admin tools may edit objects of their own version or older, not newer.
MSEXCH_VERSION_2007 = '4535486012416'                         # "0.1 (8.0.535.0)"
MSEXCH_VERSION_2010 = '44220983382016'                        # "0.10 (14.0.100.0)"
MSEXCH_VERSION_2013 = '88218628259840'                        # "0.20 (15.0.0.0)": Exchange 2013 and later
MSEXCH_VERSION_AUTO = 'auto'          # the lowest version among the organisation's Exchange servers
MSEXCH_VERSIONS = {'2007': MSEXCH_VERSION_2007, '2010': MSEXCH_VERSION_2010, '2013': MSEXCH_VERSION_2013}
RECIPIENT_DISPLAY_TYPE_CONTACT = '6'
RECIPIENT_TYPE_DETAILS_CONTACT = '64'
ADMIN_GROUP = 'Exchange Administrative Group (FYDIBOHF23SPDLT)'
DEFAULT_MARKER_ATTRIBUTE = 'adminDescription'
NAME_LIMIT = 64                                               # AD's cn (rangeUpper 64)

# rangeUpper of the attributes a contact may carry (Windows AD schema); values over it are
# dropped with a warning rather than refused by the server.
LIMITS = {
    'displayName': 256, 'givenName': 64, 'sn': 64, 'initials': 6, 'mail': 256, 'mailNickname': 64,
    'targetAddress': 1123, 'title': 128, 'department': 64, 'company': 64, 'telephoneNumber': 64,
    'mobile': 64, 'facsimileTelephoneNumber': 64, 'homePhone': 64, 'pager': 64, 'ipPhone': 64,
    'physicalDeliveryOfficeName': 128, 'streetAddress': 1024, 'l': 128, 'st': 128, 'postalCode': 40,
    'co': 128, 'c': 3, 'description': 1024, 'info': 1024, 'wWWHomePage': 2048, 'employeeID': 16,
    'extensionAttribute1': 1024, 'extensionAttribute2': 1024, 'extensionAttribute3': 1024,
}

# msExchRecipientTypeDetails of real mailboxes (vendor facts X-3): user, linked, shared,
# legacy, room, equipment, and the remote (Exchange Online) and linked-room kinds. A mailbox
# holding a contact's address supersedes the contact; other recipients only conflict with it.
MAILBOX_TYPES = frozenset({'1', '2', '4', '8', '16', '32', '2147483648', '8589934592', '17179869184',
                           '34359738368', '2199023255552'})
# The same, by the names the mailbox_types option uses (the remote kinds: Exchange Online
# mailboxes of a hybrid organisation; linked rooms count as linked).
MAILBOX_KINDS = {
    'user': ('1',), 'linked': ('2', '2199023255552'), 'shared': ('4',), 'legacy': ('8',), 'room': ('16',),
    'equipment': ('32',), 'remote': ('2147483648', '8589934592', '17179869184', '34359738368'),
}
PRE_2007 = 'pre2007'      # the mailbox_types name of Exchange 2000/2003 mailboxes (no recipient type)
# Linked (the account in a resource forest) and remote (hybrid: moved to Exchange Online) mailboxes
# are people's mailboxes like any other (vendor facts X-3): read by default.
DEFAULT_MAILBOX_KINDS = ('user', 'shared', 'room', 'equipment', 'legacy', 'linked', 'remote', PRE_2007)
# Mailboxes that are never anyone's: Exchange's system, discovery, monitoring, audit and similar
# mailboxes, never synced whatever mailbox_types says.
SYSTEM_TYPES = {'8388608': 'arbitration', '16777216': 'mailbox plan', '536870912': 'discovery',
                '68719476736': 'public folder', '549755813888': 'monitoring', '1099511627776': 'group',
                '4398046511104': 'audit log', '137438953472': 'team'}
SYSTEM_NAME_PREFIXES = ('systemmailbox{', 'cas_{', 'discoverysearchmailbox{', 'federatedemail.', 'migration.',
                        'healthmailbox')
UAC_ACCOUNTDISABLE = 0x2
# Room and equipment mailboxes (local, remote, linked) are the 'resource' kind of recipient
# (engine/plan.py RECIPIENT_KINDS); every other mailbox is a 'person'.
RESOURCE_MAILBOX_TYPES = frozenset({'16', '32', '8589934592', '17179869184', '2199023255552'})

# Groups that take mail (issue 18; vendor facts ): msExchRecipientTypeDetails of the
# mail-enabled universal distribution and security groups, the non-universal (global or domain
# local) mail-enabled groups older Exchange made, the dynamic distribution groups and room lists
# (a distribution group of rooms). The same groups without mail (262144, 524288, 1048576) and
# role groups (1073741824) are no recipients. Exchange 2000/2003 groups have no recipient type:
# one with a mailNickname is mail-enabled (the Recipient Update Service's rule, X-6.2).
GROUP_TYPES = {'256': 'distribution group', '512': 'non-universal group', '1024': 'security group',
               '2048': 'dynamic distribution group', '268435456': 'room list'}
DYNAMIC_GROUP_CLASS = 'msExchDynamicDistributionList'
# Only mail-enabled groups are read: objectCategory and mailNickname are indexed in AD, and a
# forest's many security groups without mail never leave the server.
GROUP_FILTER = f'(&(|(objectCategory=group)(objectClass={DYNAMIC_GROUP_CLASS}))(mailNickname=*))'

# The attributes the sync manages on a contact (read back, compared, written).
MANAGED = ['displayName', 'givenName', 'sn', 'mail', 'mailNickname', 'targetAddress', 'proxyAddresses',
           'msExchRecipientDisplayType', 'msExchRecipientTypeDetails', 'msExchPoliciesExcluded',
           'showInAddressBook']


# Managed attributes whose values are the same on most contacts (one copy each per run).
REPEATED_VALUES = ('showInAddressBook', 'msExchRecipientDisplayType', 'msExchRecipientTypeDetails',
                   'msExchPoliciesExcluded')


# OwnedContact.hold, shared by every contact (one frozenset each was 200 bytes a contact).
HOLD_ADDRESS_LISTS, NOTHING_HELD = frozenset({'showInAddressBook'}), frozenset()


def guid_to_string(raw: bytes) -> str:
    """objectGUID (16 bytes, little-endian fields) in its canonical string form."""
    return str(uuid.UUID(bytes_le=raw))


@dataclass(frozen=True)
class AdContactProfile(MarkedProfile, ContainerNaming):
    """The planner's view of a Domino user's contact in AD (see ContactProfile in engine/plan.py)."""

    contacts_ou: str
    shared_domain: str
    domino_routing_domain: str
    exchange_routing_domain: str
    organisation: str
    address_lists: tuple
    attribute_map: tuple = ()          # (AD attribute, source field) pairs
    msexch_version: str = MSEXCH_VERSION_2013
    marker_attribute: str = DEFAULT_MARKER_ATTRIBUTE
    marker_prefix: str = DEFAULT_MARKER_PREFIX
    identity: str = ''                  # of the source, in the marker (engine/marker.py); '' = the 0.1 marker
    rdn_attribute: str = 'cn'
    name_limit: int = NAME_LIMIT
    alias_attribute: str = 'mailNickname'
    alias_limit: int = 64
    # (kind, OU DN) pairs: the OU of each kind of recipient that does not go to contacts_ou
    # (the kind_ous option; issue 18). Every kind not named here goes to contacts_ou.
    kind_ous: tuple = ()
    _address_list_keys: frozenset = field(default=frozenset(), compare=False)
    _suffix: str = field(default='', compare=False)
    _container_key: tuple = field(default=(), compare=False)
    _kind_suffix: dict = field(default_factory=dict, compare=False)     # kind -> ',<its OU>'
    _kind_of_key: dict = field(default_factory=dict, compare=False)     # OU key -> its one kind, '' if shared

    def __post_init__(self):
        object.__setattr__(self, '_address_list_keys', frozenset(normalize_dn(d) for d in self.address_lists))
        self._init_naming()
        ous = dict(self.kind_ous)
        suffixes, kinds_of = {}, {}
        for kind in RECIPIENT_KINDS:
            ou = ous.get(kind) or self.contacts_ou
            suffixes[kind] = ',' + ou
            kinds_of.setdefault(dn_key(ou), []).append(kind)
        self._kind_suffix.update(suffixes)
        self._kind_of_key.update({key: kinds[0] if len(kinds) == 1 else '' for key, kinds in kinds_of.items()})

    # names (name_key, dn_for, rdn_value, parent_key: ContainerNaming)
    @property
    def container(self) -> str:
        return self.contacts_ou

    def dn_for(self, name: str, kind: str = '') -> str:
        # The OU of the recipient's kind (contacts_ou unless kind_ous names another).
        return f'{rdn("CN", name)}{self._kind_suffix.get(kind, self._suffix)}'

    def ou_of(self, kind: str) -> str:
        """The OU the contacts of a kind of recipient live in."""
        return self._kind_suffix.get(kind, self._suffix)[1:]

    @property
    def containers(self) -> tuple:
        """Every OU the sync places contacts in, contacts_ou first, each once."""
        seen = {}
        for ou in [self.contacts_ou] + [self.ou_of(kind) for kind in RECIPIENT_KINDS]:
            seen.setdefault(dn_key(ou), ou)
        return tuple(seen.values())

    @property
    def read_bases(self) -> tuple:
        """The OUs whose subtrees hold every contact of the sync: the containers, less those
        inside another (a kind's OU under contacts_ou is read with it)."""
        ous = self.containers
        return tuple(ou for ou in ous if not any(other != ou and dn_is_within(ou, other) for other in ous))

    def is_inside(self, dn: str) -> bool:
        """Whether ``dn`` is one of the containers or below one."""
        return any(dn_is_within(dn, ou) for ou in self.read_bases)

    def container_keys(self) -> frozenset:
        return frozenset(self._kind_of_key) | {self._container_key}

    def kind_of_parent(self, dn: str) -> str:
        """The kind whose OU a contact is directly in, when that OU is one kind's only ('' when
        kinds share it, or the contact is elsewhere): the kind a deleted contact stood for."""
        return self._kind_of_key.get(self.parent_key(dn), '')

    def name_length(self, name: str) -> int:
        # AD limits the cn itself (rangeUpper 64) in UTF-16 code units, as Windows stores strings:
        # a character outside the Basic Multilingual Plane (an emoji) counts twice (vendor facts ).
        return len(name.encode('utf-16-le')) // 2

    # values
    def routing_address(self, source: SourceRecord) -> str:
        # The Domino dialect derives the address Domino's router will find (dialects/domino.py
        # forwarding_address); records handed in as data without one get the same primary-domain form.
        return source.routing_address or in_domain(local_part(source.mail), self.domino_routing_domain, source.mail)

    def validate(self, source: SourceRecord) -> list:
        problems = []
        if not source.anchor:
            problems.append('no anchor (dominoUNID not returned to the sync account)')
        address = address_problem(source.mail)
        if address:
            problems.append(address)
        if not source.display_name.strip():
            problems.append('no name')
        elif len(source.display_name) > LIMITS['displayName']:
            problems.append(f'display name longer than {LIMITS["displayName"]} characters')
        if not is_valid_alias(source.alias):
            problems.append(f'no valid Exchange alias ({source.alias!r})')
        return problems

    def desired(self, source: SourceRecord, alias: str) -> dict:
        target = self.routing_address(source)
        values = {
            'displayName': [source.display_name],
            'givenName': [source.given_name] if source.given_name else [],
            'sn': [source.surname] if source.surname else [],
            'mail': [source.mail],
            'mailNickname': [alias or source.alias],
            'targetAddress': [f'SMTP:{target}'],
            'proxyAddresses': [f'SMTP:{source.mail}'] + ([f'smtp:{target}'] if target.lower() != source.mail.lower() else []),
            'msExchRecipientDisplayType': [RECIPIENT_DISPLAY_TYPE_CONTACT],
            'msExchRecipientTypeDetails': [RECIPIENT_TYPE_DETAILS_CONTACT],
            'msExchPoliciesExcluded': [POLICY_EXCLUDED],
            'showInAddressBook': list(self.address_lists),
        }
        values.update(source.mapped_values(self.attribute_map))
        return values

    def on_create(self, source: SourceRecord) -> dict:
        return {
            'objectClass': ['top', 'person', 'organizationalPerson', 'contact'],
            'msExchVersion': [self.msexch_version],
            'legacyExchangeDN': [f'/o={self.organisation}/ou={ADMIN_GROUP}/cn=Recipients/'
                                 f'cn={source.anchor.replace("-", "").lower()}'],
        }

    def limits(self) -> dict:
        return LIMITS

    def merged(self) -> dict:
        owned_domains = {d.lower() for d in (self.shared_domain, self.domino_routing_domain,
                                             self.exchange_routing_domain) if d}

        def owns_proxy(value: str) -> bool:
            # The primary (SMTP:, upper case) and smtp: values in the domains the sync owns;
            # X500:, X400: and other domains belong to Exchange or the admin.
            return value.startswith('SMTP:') or (value[:5].lower() == 'smtp:' and domain_of(value[5:]) in owned_domains)

        return {
            'proxyAddresses': owns_proxy,
            'msExchPoliciesExcluded': lambda v: v.lower() == POLICY_EXCLUDED,
            'showInAddressBook': lambda v: normalize_dn(v) in self._address_list_keys,
        }

    def compare_keys(self) -> dict:
        return {'showInAddressBook': normalize_dn}

    def addresses(self, attrs: dict) -> set:
        found = {v.lower() for v in attrs.get('mail', []) if v}
        found |= {v[5:].lower() for v in attrs.get('proxyAddresses', []) if v[:5].lower() == 'smtp:'}
        return found


# --- reads ---

def read_container(client: LdapClient, profile: AdContactProfile, extra_attributes: list,
                   domain: str = '') -> ContainerContents:
    """Everything in the contacts OU, and in the OU of each kind (kind_ous): owned contacts
    (marker present) and the rest. An OU inside another is read with it, each object once.

    ``domain`` (given when the addresses are read through a Global Catalog, which does not hold
    the marker, vendor facts X-6.1): the domain partition that holds the OUs. The marked objects
    are then read from the whole domain in one search, so the same read that returns the owned
    contacts also finds this sync's marker outside the OUs (``marked_outside``), and each OU is
    read once more only for what carries no marker of this collection. Two reads of every owned
    contact (the OU's, then the domain's for the marker) cost the run about a fifth of its reads
    at 100,000 contacts (issue 17); the filters are each other's negation, so every object in
    the OUs comes from exactly one of them.
    """
    wanted = MANAGED + extra_attributes + [profile.marker_attribute, 'objectClass', 'objectGUID',
                                           'msExchHideFromAddressLists']
    attributes = sorted(set(wanted))
    contents = ContainerContents([], [], [])
    bases = profile.read_bases
    base_keys = {dn_key(ou) for ou in bases}
    suffixes = tuple(',' + ou.lower() for ou in bases)
    # Names are blocked by what sits directly in any OU a contact can go to: the planner keeps
    # names unique across all of them (architecture.rst, "Every addressable recipient").
    container_keys = profile.container_keys()
    layout = AttributeLayout(MANAGED + extra_attributes + [profile.marker_attribute],
                             repeated=REPEATED_VALUES + tuple(extra_attributes), derived=_derived_rules(profile))

    def take(entry) -> None:
        # A base OU is the one object read that is not below a base (parsing every DN to tell it
        # apart cost 20 % of the OU read's own Python time at 20,000).
        lower = entry.dn.lower()
        if not any(_ends_with_rdns(lower, suffix) for suffix in suffixes) and dn_key(entry.dn) in base_keys:
            return
        _take_from_container(entry, contents, profile, layout, container_keys)

    if not domain:
        for base in bases:
            for entry in client.search(base, '(objectClass=*)', attributes):
                take(entry)
        return contents
    marked = f'({profile.marker_attribute}={escape_filter_value(profile.marker_prefix)}*)'
    contents.marked_outside = []
    for entry in client.search(domain, marked, attributes):
        lower = entry.dn.lower()
        if any(_ends_with_rdns(lower, suffix) for suffix in suffixes) or profile.is_inside(entry.dn):
            take(entry)
        elif any(profile.anchor_of(v) for v in entry.values(profile.marker_attribute)):
            contents.marked_outside.append(entry.dn)
    for base in bases:
        for entry in client.search(base, f'(!{marked})', attributes):
            take(entry)
    return contents


def _derived_rules(profile: AdContactProfile) -> dict:
    """What an owned contact's own values say of two of its attributes, so a contact the sync
    wrote holds neither (engine/plan.py AttributeLayout; issue 17, about 330 bytes a contact):
    its marker (this sync's, for its anchor and kind) and its proxyAddresses as desired() writes them
    (SMTP:<mail>, then smtp:<the targetAddress's address> unless that is the mail)."""
    ownership = profile.ownership

    def marker(get, anchor: str, kind: str):
        return [ownership.value(anchor, kind)] if anchor else None

    def proxies(get, anchor: str, kind: str):
        mail, target = get('mail'), get('targetAddress')
        if len(mail) != 1 or len(target) != 1 or target[0][:5] != 'SMTP:':
            return None
        routed = target[0][5:]
        return [f'SMTP:{mail[0]}'] + ([f'smtp:{routed}'] if routed.lower() != mail[0].lower() else [])

    return {profile.marker_attribute: marker, 'proxyAddresses': proxies}


def _ends_with_rdns(dn_lower: str, suffix: str) -> bool:
    """True when ``dn_lower`` ends with ``suffix`` (',' and a DN, lower case) at an RDN boundary:
    the comma not escaped (``CN=a\\,OU=x,DC=y`` is not below ``OU=x,DC=y``). The server spells a DN
    the same way in every read, so this settles nearly every entry without parsing it."""
    if not dn_lower.endswith(suffix):
        return False
    before = len(dn_lower) - len(suffix)
    escapes = before - len(dn_lower[:before].rstrip('\\'))
    return escapes % 2 == 0


def _take_from_container(entry, contents: ContainerContents, profile: AdContactProfile, layout: AttributeLayout,
                         container_keys) -> None:
    """One object of the OUs' read: an owned contact, or a foreign object (and its name)."""
    ours = profile.marker_of(entry)
    marker = ours.anchor
    classes = [c.lower() for c in entry.values('objectClass')]
    if marker and 'contact' in classes:
        attrs = layout.attributes(entry, marker, ours.kind)
        guid = entry.get('objectGUID')
        # An admin who hid the contact in Exchange (msExchHideFromAddressLists) wins: its
        # address lists are left as Exchange set them, so the two never fight.
        hidden = (entry.get('msExchHideFromAddressLists') or '').upper() == 'TRUE'
        # The objectGUID as its 16 bytes, as the address read keeps it (the text only to report).
        contents.owned.append(OwnedContact(dn=entry.dn, anchor=marker, attrs=attrs,
                                           object_id=guid if isinstance(guid, bytes) and len(guid) == 16 else b'',
                                           hold=HOLD_ADDRESS_LISTS if hidden else NOTHING_HELD, kind=ours.kind))
        return
    owner = profile.owner_of(entry)
    contents.foreign.append({'dn': entry.dn, 'objectClass': entry.values('objectClass')[-1:] or ['?'],
                             # another sync's contact (two syncs, one OU): never touched, its name taken
                             **({'owner': owner} if owner else {})})
    if profile.parent_key(entry.dn) in container_keys:
        contents.foreign_names.append(profile.rdn_value(entry.dn))


def is_mailbox(entry) -> bool:
    """A real Exchange mailbox: by recipient type (2007+), else by homeMDB / home server (2000/2003)."""
    kind = entry.get('msExchRecipientTypeDetails')
    if kind is not None:
        return kind in MAILBOX_TYPES
    return bool(entry.get('homeMDB') or entry.get('msExchHomeServerName'))


# Exchange recipients: only these hold an address (vendor facts ). A user whose mail an
# HR or identity tool filled in, without any of them, is not mail-enabled: its mail is reported
# as information, never a conflict.
RECIPIENT_ATTRIBUTES = ('mailNickname', 'proxyAddresses', 'targetAddress', 'homeMDB')
# The address read: what it asks for (recipients and anything with mail), what it reads of each.
RECIPIENT_TERMS = '(mail=*)(proxyAddresses=*)(mailNickname=*)(targetAddress=*)'
ADDRESS_ATTRIBUTES = ('mail', 'proxyAddresses', 'mailNickname', 'targetAddress', 'msExchRecipientTypeDetails',
                      'homeMDB', 'msExchHomeServerName', 'objectGUID')


def is_recipient(entry) -> bool:
    return any(entry.values(a) for a in RECIPIENT_ATTRIBUTES)


@dataclass
class ForestAddresses:
    """The forest's addresses as read, before the contacts OU's read says which of the objects
    inside the OU are the owned contacts (the two reads run side by side).

    Owned contacts are known by place and object id, never by their marker as read here: through
    a Global Catalog the marker (adminDescription) is not returned (vendor facts X-6.1).
    """

    index: AddressIndex
    # (objectGUID as read, DN) of each recipient inside the OUs: the GUID's 16 bytes (compared with
    # the owned contacts' bytes). Nearly all are owned contacts, whose addresses the index leaves
    # out anyway: their addresses and aliases are not kept (about 80 MB at 200,000 contacts, at the
    # reads' peak, issue 17). The few that turn out not to be owned are read again (excluding()).
    in_container: list = field(default_factory=list)
    not_recipients: dict = field(default_factory=dict)   # lower-case mail -> DN of a non-recipient

    def excluding(self, owned: list, also_ours: t.Iterable[str] = (),
                  reread: t.Callable[[list], t.Iterable] | None = None) -> AddressIndex:
        """The index of every recipient but the owned contacts (by objectGUID, else by DN) and
        ``also_ours`` (DNs of this sync's contacts the OU's read did not see, see unseen_by()).
        The objects inside the OUs that are neither (another sync's contacts, an admin's) hold
        their addresses as read again by ``reread`` ((objectGUID, DN) pairs -> entries with
        ADDRESS_ATTRIBUTES: read_recipients()), found by objectGUID, else by DN."""
        guids = {c.object_id for c in owned if c.object_id}        # both reads keep the GUID's bytes
        dns = {dn_key(c.dn) for c in owned} | {dn_key(dn) for dn in also_ours}
        others = [(guid, dn) for guid, dn in self.in_container if not ((guid and guid in guids) or dn_key(dn) in dns)]
        self.in_container = []
        if others:
            if reread is None:
                raise ValueError(f'{len(others)} objects in the contacts OU are not owned: excluding() needs reread')
            wanted_guids = {guid for guid, _dn in others if guid}
            wanted_dns = {dn_key(dn) for guid, dn in others if not guid}
            for entry in reread(others):
                guid = entry.get('objectGUID')
                if (guid in wanted_guids) if guid else (dn_key(entry.dn) in wanted_dns):
                    _take_recipient(self, entry)       # (one deleted since holds nothing)
        return self.index

    def unseen_by(self, container: ContainerContents) -> list:
        """DNs of the objects this read found inside the contacts OU that the OU's own read did not
        return at all: made between the two reads, which run side by side (another run of this
        sync racing with this one, or an admin). Their owner is not in what a Global Catalog
        returns (the marker, vendor facts X-6.1): read_marked() asks the domain partition."""
        seen = {dn_key(c.dn) for c in container.owned} | {dn_key(f['dn']) for f in container.foreign}
        return [dn for _guid, dn in self.in_container if dn_key(dn) not in seen]


def read_marked(client: LdapClient, dns: list, profile: AdContactProfile) -> list:
    """Those of ``dns`` that carry this sync's marker, read one by one from the domain partition.
    Few or none in a run: only objects made in the contacts OU while this run read it."""
    ours = []
    for dn in dns:
        try:
            found = list(client.search(dn, '(objectClass=*)', [profile.marker_attribute], scope='base'))
        except DirectoryError as exc:
            if exc.kind == 'no_such_object':
                continue                 # gone again: holds nothing
            raise
        if found and any(profile.anchor_of(v) for v in found[0].values(profile.marker_attribute)):
            ours.append(dn)
    return ours


def _hold(index: AddressIndex, dn: str, held: list, aliases: list, mailbox: bool) -> None:
    holder = f'{dn} ({"mailbox" if mailbox else "recipient"})'
    for address in held:
        index.addresses.setdefault(address, holder)
    if mailbox:
        index.mailboxes.update(held)
    index.aliases.update(aliases)


def read_address_index(client: LdapClient, base: str, profile: AdContactProfile,
                       find_marked: bool = True) -> ForestAddresses:
    """Every Exchange recipient's addresses and aliases, in one read.

    ``base`` is the domain, or "" on a Global Catalog for the whole forest. Objects inside the
    contacts OU are kept aside until ForestAddresses.excluding() is given the owned contacts.
    ``find_marked`` (a read of the domain partition, not a Global Catalog): the same read finds
    objects carrying the marker outside the contacts OU (a moved or renamed OU), which make the
    sync refuse to run; through a Global Catalog the marker is not there to find, and
    read_container() reads the domain partition instead.
    """
    read = ForestAddresses(AddressIndex({}, set(), set(), []))
    marker = profile.marker_attribute
    # Inside: in the contacts OU or the OU of a kind (kind_ous), each read with its subtree.
    bases = [(ou, ',' + ou.lower(), first_rdn_value(ou).lower()) for ou in profile.read_bases]
    terms = RECIPIENT_TERMS
    attributes = list(ADDRESS_ATTRIBUTES)
    if find_marked:
        terms += f'({marker}={escape_filter_value(profile.marker_prefix)}*)'
        attributes.append(marker)
    for entry in client.search(base, f'(|{terms})', attributes):
        # The server spells DNs the same way in both reads, so a suffix test settles most;
        # the parsed comparison covers the rest (spacing, case, escaping).
        lower = entry.dn.lower()
        # (an escaped comma before the suffix is no boundary: CN=a\\,OU=x,... is not in OU=x)
        inside = any(_ends_with_rdns(lower, suffix) or (rdn_value in lower and dn_is_within(entry.dn, ou))
                     for ou, suffix, rdn_value in bases)
        if find_marked and not inside and any(profile.anchor_of(v) for v in entry.values(marker)):
            read.index.marked_outside.append(entry.dn)
            continue
        if inside and is_recipient(entry):
            guid = entry.get('objectGUID')
            read.in_container.append((guid if isinstance(guid, bytes) and len(guid) == 16 else b'', entry.dn))
            continue
        _take_recipient(read, entry)
    return read


def _take_recipient(read: ForestAddresses, entry) -> None:
    """One object of the address read outside the OUs (or inside and not owned): a recipient holds
    its addresses and aliases; any other object's mail is only noted (vendor facts X-6.2)."""
    if not is_recipient(entry):
        for value in entry.values('mail'):
            read.not_recipients.setdefault(value.lower(), entry.dn)
        return
    held = [v.lower() for v in entry.values('mail')]
    held += [v[5:].lower() for v in entry.values('proxyAddresses') if v[:5].lower() == 'smtp:']
    _hold(read.index, entry.dn, list(dict.fromkeys(held)), [v.lower() for v in entry.values('mailNickname')],
          is_mailbox(entry))


# How more objects than this inside the OUs that are not owned (another sync's contacts in a
# shared OU) are read again: by a read of the OUs rather than one base search each.
REREAD_ONE_BY_ONE = 100


def guid_term(raw: bytes) -> str:
    """A filter term matching one objectGUID: every byte of the binary value escaped (RFC 4515)."""
    return '(objectGUID=' + ''.join(f'\\{b:02x}' for b in raw) + ')'


def read_recipients(client: LdapClient, others: list, profile: AdContactProfile, domain: str) -> list:
    """The objects ``others`` ((objectGUID bytes, DN) as the address read kept them) read again
    with the address read's attributes from the domain partition (which holds everything a Global
    Catalog returns, vendor facts X-6.1). Few, nearly always: by objectGUID in the whole domain
    (indexed; one renamed or moved since the address read is found too), GUIDS_PER_SEARCH to a
    search, and one without a GUID by its DN. Many (another sync's contacts sharing the OU): one
    read of each OU, keeping only those asked for (the owned contacts come back too, and are
    dropped as they come), then the GUIDs that read did not return by objectGUID in the domain as
    above (moved out of the OUs since the address read, they still hold their addresses). An
    objectGUID never changes through a rename or a move (vendor facts X-6.10)."""
    attributes = list(ADDRESS_ATTRIBUTES)
    guids = {guid for guid, _dn in others if guid}
    found = []
    by_dn = [dn for guid, dn in others if not guid]
    if len(others) > REREAD_ONE_BY_ONE:
        dns = {dn_key(dn) for dn in by_dn}
        found = [entry for ou in profile.read_bases for entry in client.search(ou, f'(|{RECIPIENT_TERMS})', attributes)
                 if (entry.get('objectGUID') in guids) or dn_key(entry.dn) in dns]
        guids -= {entry.get('objectGUID') for entry in found}
        by_dn = []                       # (without a GUID, one moved away cannot be told from one deleted)
    ordered = sorted(guids)
    for start in range(0, len(ordered), GUIDS_PER_SEARCH):
        terms = ''.join(guid_term(guid) for guid in ordered[start:start + GUIDS_PER_SEARCH])
        found.extend(client.search(domain, f'(|{terms})', attributes))
    for dn in by_dn:
        try:
            found.extend(client.search(dn, '(objectClass=*)', attributes, scope='base'))
        except DirectoryError as exc:
            if exc.kind != 'no_such_object':
                raise                    # (gone since the address read: holds nothing)
    return found


def discover_exchange(client: LdapClient, config_dn: str, organisation: str | None = None) -> dict:
    """The Exchange organisation (the only one, or the one named) and its default GAL and "All
    Contacts", found by their well-known names in the configuration partition."""
    services = f'CN=Microsoft Exchange,CN=Services,{config_dn}'
    orgs = list(client.search(services, '(objectClass=msExchOrganizationContainer)', ['cn'], scope='onelevel'))
    if organisation:
        orgs = [o for o in orgs if (o.get('cn') or '').lower() == organisation.lower()]
    if len(orgs) != 1:
        return {'organisation': None, 'address_lists': [], 'organisations_found': [o.dn for o in orgs]}
    org = orgs[0]
    lists = {}
    for entry in client.search(f'CN=Address Lists Container,{org.dn}',
                               '(&(objectClass=addressBookContainer)(|(cn=Default Global Address List)(cn=All Contacts)))',
                               ['cn']):
        lists[entry.get('cn').lower()] = entry.dn
    return {'organisation': org.get('cn') or parse_dn(org.dn)[0][0][1],
            'address_lists': [lists[k] for k in ('default global address list', 'all contacts') if k in lists],
            'missing_lists': [k for k in ('Default Global Address List', 'All Contacts') if k.lower() not in lists]}


def server_major_version(serial_number: str) -> int | None:
    """The major version of an Exchange server from its ``serialNumber`` ("Version 14.3 (Build
    123.4)", "Version 15.1 (Build 2507.6)"; Exchange 2003: "Version 6.5 (Build 7638.2: Service
    Pack 2)"), or None when the value does not read that way."""
    match = re.match(r'\s*version\s+(\d+)(?:\.\d+)?', serial_number or '', re.IGNORECASE)
    return int(match.group(1)) if match else None


def msexch_version_for(majors: t.Iterable[int]) -> tuple:
    """(msExchVersion, the Exchange version it belongs to) for the lowest server version in
    ``majors``: what every admin tool of the organisation can still edit (vendor facts X-6.9).
    Exchange 2003 servers (6.x) get the 2007 value, the oldest a 2007+ tool stamps [inferred];
    no known server: the 2013-and-later value (the collection's 0.1 constant)."""
    known = [m for m in majors if m is not None]
    if not known:
        return MSEXCH_VERSION_2013, '2013'
    lowest = min(known)
    if lowest >= 15:
        return MSEXCH_VERSION_2013, '2013'
    if lowest == 14:
        return MSEXCH_VERSION_2010, '2010'
    return MSEXCH_VERSION_2007, '2007'


def read_exchange_servers(client: LdapClient, config_dn: str) -> list:
    """[(server DN, serialNumber)] of the Exchange servers in the configuration partition."""
    services = f'CN=Microsoft Exchange,CN=Services,{config_dn}'
    return sorted((e.dn, e.get('serialNumber') or '')
                  for e in client.search(services, '(objectClass=msExchExchangeServer)', ['serialNumber']))


def resolve_msexch_version(setting: str, servers: list) -> dict:
    """The msExchVersion new contacts get: ``setting`` is 'auto', '2007', '2010', '2013' or a
    value as AD stores it; ``servers`` what read_exchange_servers found (read for 'auto').
    Returns {'value', 'exchange', 'setting', 'why'} for the report and validate."""
    if setting and setting != MSEXCH_VERSION_AUTO:
        value = MSEXCH_VERSIONS.get(setting, setting)
        named = next((name for name, v in MSEXCH_VERSIONS.items() if v == value), 'as given')
        return {'setting': setting, 'value': value, 'exchange': named, 'why': f'msexch_version: {setting}'}
    majors = [(dn, serial, server_major_version(serial)) for dn, serial in servers]
    value, exchange = msexch_version_for(m for _dn, _serial, m in majors)
    unread = [dn for dn, _serial, m in majors if m is None]
    if not any(m is not None for _dn, _serial, m in majors):
        why = (f'auto: no Exchange server with a readable version found ({len(servers)} server objects): '
               f'the Exchange 2013 and later value; set msexch_version if older servers remain')
    else:
        lowest = min((m, dn, serial) for dn, serial, m in majors if m is not None)
        why = (f'auto: the lowest of {len(servers) - len(unread)} Exchange servers is {lowest[2]!r} '
               f'({parse_dn(lowest[1])[0][0][1]}): Exchange {exchange}')
        if unread:
            why += f'; {len(unread)} server objects without a readable version ignored'
    return {'setting': MSEXCH_VERSION_AUTO, 'value': value, 'exchange': exchange, 'why': why,
            'servers': [{'dn': dn, 'serialNumber': serial} for dn, serial in servers]}


def read_effective_rights(client: LdapClient, contacts_ou: str) -> dict:
    """What the bind account may do in the contacts OU, as AD computes it (no trial write).

    Creating contacts is the decisive right: the creator owns a new child, so its attributes
    follow (allowedAttributesEffective on the OU would speak for the OU itself only).
    """
    entries = list(client.search(contacts_ou, '(objectClass=*)', ['allowedChildClassesEffective'], scope='base'))
    if not entries:
        return {'checked': False}
    children = {v.lower() for v in entries[0].values('allowedChildClassesEffective')}
    return {'checked': True, 'can_create_contacts': 'contact' in children}


def contact_write_rights(client: LdapClient, contacts_ou: str, marker_attribute: str, marker_prefix: str,
                         written: t.Sequence[str], dn: str = '') -> tuple:
    """(DN of one of the sync's contacts, the attributes of ``written`` the bind account may not
    write on it), as AD computes it (allowedAttributesEffective; no trial write); (None, []) when
    the sync has no contact in the OU yet. The creator of a contact is not granted WriteProperty
    on its attributes by the class's default security descriptor (vendor facts X-6.7): what the
    sync may write on its contacts comes from the grants on the OU, inherited alike by all of
    them, so one contact speaks for all. ``dn``: that contact (one the caller has read), else the
    first marked one the OU returns."""
    if dn:
        owned = _base_read(client, dn, ['allowedAttributesEffective'])
    else:
        owned = next(iter(client.search(contacts_ou, f'({marker_attribute}={escape_filter_value(marker_prefix)}*)',
                                        ['allowedAttributesEffective'], scope='onelevel', page_size=1)), None)
    if owned is None:
        return None, []
    allowed = _writable(owned)
    return owned.dn, sorted({a for a in written if a.lower() not in allowed})


def cannot_write_message(bind_dn: str, dn: str, missing: list) -> str:
    """Why a run that would write to existing contacts writes nothing: the attributes by name."""
    return (f'{bind_dn or "the bind account"} may not write {", ".join(missing)} on the sync\'s contacts '
            f'(allowedAttributesEffective on {dn}): grant it WriteProperty on these attributes of contact '
            f'objects in the contacts OU (or full control of the contacts there)')


# --- supersession: a real mailbox takes an owned contact's address (the migration moment) ---

# supersede: merge keeps what people rely on (vendor facts ): replies to old mail, addressed
# to the contact's legacyExchangeDN, reach the mailbox through an X500 proxy address, and the
# mailbox takes the contact's place in its distribution groups. delete drops both (reported).
SUPERSEDE_MODES = ('merge', 'delete')
# The rights a merge needs, as validate and the errors name them: WriteProperty on these
# attributes of the mailbox and of each group (dsacls: WP;proxyAddresses, WP;member).
MERGE_RIGHTS = {'proxyAddresses': 'the mailbox', 'member': 'the group'}


def holder_dn(holder: str) -> str:
    """The DN of an address holder as the address index describes it (``<DN> (mailbox)``)."""
    return holder.rsplit(' (', 1)[0]


def _writable(entry) -> set:
    """The attributes the bind account may write on an entry, as AD computes them
    (allowedAttributesEffective: absent when it may write none)."""
    return {a.lower() for a in entry.values('allowedAttributesEffective')}


def _base_read(client: LdapClient, dn: str, attributes: list):
    return next(iter(client.search(dn, '(objectClass=*)', attributes, scope='base')), None)


def merge_refusal(missing: list) -> str:
    """The per-object error of a merge the sync account has no right to write."""
    rights = '; '.join(f'WriteProperty on {attr} of {dn}' for attr, dn in missing)
    return (f'the sync account may not write what supersede: merge needs ({rights}): grant it (guide: AD '
            f'prerequisites), or set supersede: delete. The contact is kept; nothing was written to the mailbox '
            f'or its groups')


def plan_supersessions(client: LdapClient, the_plan: Plan, mode: str) -> None:
    """What a superseded contact leaves behind, in the plan's supersession entries (the report
    lists them), and with ``mode`` merge the writes that keep it, before the contact's delete.

    Per contact: its legacyExchangeDN (the X500 value) and its groups (memberOf, the domain the
    contact is in), read with the mailbox's proxyAddresses, groups and the effective rights on the
    mailbox and each group. The writes: the X500 value added to the mailbox, then the mailbox
    added to each group it is not in yet; the delete runs only once they all succeeded
    (``requires``). A right that AD says is missing refuses the first write before anything is
    sent (``refused``), so nothing of the merge is written and the contact stays; a refusal the
    server gives anyway is taken back by the applier (engine/apply.py).
    """
    deletes = {op.anchor: op for op in the_plan.operations
               if op.kind == 'delete' and op.reason.startswith('superseded')}
    planned_members: set = set()        # (group, mailbox): two contacts of one mailbox in one group
    merges: dict = {}                   # anchor -> the writes going before its delete
    for entry in the_plan.supersessions:
        anchor, mailbox = entry['anchor'], holder_dn(entry['holder'])
        entry.update(mailbox=mailbox, mode=mode, legacy_exchange_dn='', x500='', groups=[], missing_rights=[])
        delete = deletes.get(anchor)
        try:
            contact = _base_read(client, entry['contact'], ['legacyExchangeDN', 'memberOf'])
            holder = _base_read(client, mailbox, ['proxyAddresses', 'memberOf', 'allowedAttributesEffective'])
        except DirectoryError as exc:
            contact = holder = None
            entry['problem'] = f'not read: {exc.message}'
        legacy = (contact.get('legacyExchangeDN') or '') if contact is not None else ''
        entry['legacy_exchange_dn'] = legacy
        entry['x500'] = f'X500:{legacy}' if legacy else ''
        proxies = {v.lower() for v in holder.values('proxyAddresses')} if holder is not None else set()
        member_of = {dn_key(g) for g in holder.values('memberOf')} if holder is not None else set()
        missing = []
        if legacy and holder is not None and entry['x500'].lower() not in proxies and 'proxyaddresses' not in _writable(holder):
            missing.append(('proxyAddresses', mailbox))
        for group in sorted(contact.values('memberOf') if contact is not None else [], key=dn_key):
            if dn_key(group) in member_of:
                entry['groups'].append({'dn': group, 'mailbox': 'already a member'})
                continue
            if (dn_key(group), dn_key(mailbox)) in planned_members:
                entry['groups'].append({'dn': group, 'mailbox': 'added by the merge of another contact'})
                continue
            planned_members.add((dn_key(group), dn_key(mailbox)))
            entry['groups'].append({'dn': group, 'mailbox': 'to add'})
            try:
                found = _base_read(client, group, ['allowedAttributesEffective'])
            except DirectoryError:
                found = None            # not readable here: the write will tell
            if found is not None and 'member' not in _writable(found):
                missing.append(('member', group))
        entry['missing_rights'] = [f'WriteProperty on {attr} of {dn}' for attr, dn in missing]
        if delete is None:
            entry['action'] = 'none: the delete is switched off (allow_delete: false)'
            continue
        if mode == 'delete':
            entry['action'] = 'delete (supersede: delete): the X500 value and the groups are not kept'
            continue
        entry['action'] = 'merge, then delete'
        if holder is None:
            delete.refused = (f'the contact {delete.dn} is kept: supersede: merge could not read it or the mailbox '
                              f'{mailbox} ({entry.get("problem", "not found")})')
            continue
        writes = []
        if legacy and entry['x500'].lower() not in proxies:
            writes.append(Operation('update', anchor, mailbox, changes={'proxyAddresses': ([], [entry['x500']])},
                                    reason=f'supersede: merge: the X500 value of the superseded contact {delete.dn}',
                                    merge_of=anchor))
        for group in entry['groups']:
            if group['mailbox'] == 'to add':
                writes.append(Operation('update', anchor, group['dn'], changes={'member': ([], [mailbox])},
                                        reason=f'supersede: merge: {mailbox} takes the place of the superseded '
                                               f'contact {delete.dn}', merge_of=anchor))
        if not writes:
            continue
        if missing:
            writes[0].refused = merge_refusal(missing)
        for later in writes[1:]:
            later.requires = (anchor,)
        delete.requires = (anchor,)
        merges[anchor] = writes
    if merges:
        ordered = []
        for op in the_plan.operations:
            if op.kind == 'delete' and op.anchor in merges and op is deletes.get(op.anchor):
                ordered.extend(merges[op.anchor])
            ordered.append(op)
        the_plan.operations[:] = ordered


# --- the source side: Exchange mailboxes ---

@dataclass(frozen=True)
class ExchangeMailboxRule:
    """Which users are Exchange mailboxes, and which groups take mail, for the sync (vendor facts
    X-3, X-9)."""

    kinds: tuple = DEFAULT_MAILBOX_KINDS     # names from MAILBOX_KINDS, and PRE_2007
    include_hidden: bool = False             # msExchHideFromAddressLists TRUE
    include_disabled: bool = True            # resource and shared mailboxes are disabled accounts
    marker_attribute: str = DEFAULT_MARKER_ATTRIBUTE
    marker_prefix: str = DEFAULT_MARKER_PREFIX
    # The kinds of recipient read (engine/plan.py RECIPIENT_KINDS): person (mailboxes), resource
    # (room and equipment mailboxes), group (groups that take mail). 'mailin' has no Exchange kind.
    recipient_kinds: tuple = RECIPIENT_KINDS
    _types: frozenset = field(default=frozenset(), compare=False)

    def __post_init__(self):
        object.__setattr__(self, '_types', frozenset(t for k in self.kinds for t in MAILBOX_KINDS.get(k, ())))

    @property
    def reads_groups(self) -> bool:
        return 'group' in self.recipient_kinds

    def why_not(self, entry) -> str:
        """'' if the entry is a recipient to sync, else the reason it is not (for the counts). The
        search filters (MAILBOX_FILTER, GROUP_FILTER) already keep it to users and mail-enabled
        groups, never contacts or computers."""
        if any(v.startswith(self.marker_prefix) for v in entry.values(self.marker_attribute)):
            return 'carries this collection\'s marker'
        if is_group(entry):
            return self.why_not_group(entry)
        if first_rdn_value(entry.dn).lower().startswith(SYSTEM_NAME_PREFIXES):
            return 'Exchange system mailbox'
        kind = entry.get('msExchRecipientTypeDetails')
        if kind is not None:
            if kind in SYSTEM_TYPES:
                return f'{SYSTEM_TYPES[kind]} mailbox (never synced)'
            if kind not in MAILBOX_TYPES:
                return f'not a mailbox (recipient type {kind})'
            if kind not in self._types:
                name = next((k for k, values in MAILBOX_KINDS.items() if kind in values), kind)
                return f'{name} mailbox (not in mailbox_types)'
        elif entry.get('homeMDB') or entry.get('msExchHomeServerName'):
            if PRE_2007 not in self.kinds:
                return 'Exchange 2000/2003 mailbox (pre2007 not in mailbox_types)'
        else:
            return 'no mailbox'
        recipient = recipient_kind_of(entry)
        if recipient not in self.recipient_kinds:
            return f'{recipient} mailbox (not in kinds)'
        if not self.include_hidden and (entry.get('msExchHideFromAddressLists') or '').upper() == 'TRUE':
            return 'hidden from address lists'
        if not self.include_disabled and int(entry.get('userAccountControl') or 0) & UAC_ACCOUNTDISABLE:
            return 'disabled account'
        return ''

    def why_not_group(self, entry) -> str:
        """'' if a group (or dynamic group) takes mail and is to be synced, else why not. A group
        hidden from address lists never is, whatever include_hidden says: its owner chose that
        nobody looks it up, and a Domino Person would publish it in the Domino Directory."""
        if not self.reads_groups:
            return 'group (not in kinds)'
        kind = entry.get('msExchRecipientTypeDetails')
        if kind is not None and kind not in GROUP_TYPES:
            return f'group without mail (recipient type {kind})'
        if kind is None and not entry.get('mailNickname'):
            return 'group without mail'
        if (entry.get('msExchHideFromAddressLists') or '').upper() == 'TRUE':
            return 'group hidden from address lists'
        return ''


def is_group(entry) -> bool:
    """A group or a dynamic distribution group (objectClass holds every class of the chain)."""
    classes = {c.lower() for c in entry.values('objectClass')}
    return 'group' in classes or DYNAMIC_GROUP_CLASS.lower() in classes


def recipient_kind_of(entry) -> str:
    """The kind of recipient (engine/plan.py RECIPIENT_KINDS) of an Exchange recipient the rule
    took: a group, a resource (room or equipment mailbox), else a person."""
    if is_group(entry):
        return 'group'
    return 'resource' if entry.get('msExchRecipientTypeDetails') in RESOURCE_MAILBOX_TYPES else 'person'


def primary_address(entry) -> tuple:
    """(the primary SMTP address, problem): the one ``SMTP:`` proxy, else ``mail``."""
    primaries = [v[5:] for v in entry.values('proxyAddresses') if v.startswith('SMTP:')]
    if len(primaries) > 1:
        return primaries[0], f'several primary SMTP addresses ({", ".join(primaries)})'
    if primaries:
        return primaries[0].strip(), ''
    return (entry.get('mail') or '').strip(), ''


def routing_proxy(entry, routing_domain: str) -> str:
    """The mailbox's own address in the Exchange routing domain (its email address policy
    stamped it), or '' when it has none.

    With several (a policy changed, an alias added), the choice does not depend on the order the
    server returns the values in, which LDAP leaves undefined (vendor facts X-6.3): the one whose
    local part is the primary address's, else the lowest, case-insensitively.
    """
    if not routing_domain:
        return ''
    found = sorted((v[5:] for v in entry.values('proxyAddresses')
                    if v[:5].lower() == 'smtp:' and domain_of(v[5:]) == routing_domain.lower()),
                   key=lambda a: (a.lower(), a))
    primary = local_part(primary_address(entry)[0]).lower()
    return next((a for a in found if local_part(a).lower() == primary), found[0] if found else '')


def mailbox_record(entry, field_map: dict, routing_domain: str) -> SourceRecord:
    """An Exchange mailbox as a normalised record. ``field_map`` maps target (Domino) attribute
    names to AD attribute names."""
    problems = []
    guid = entry.get('objectGUID')
    anchor = guid_to_string(guid) if isinstance(guid, bytes) and len(guid) == 16 else ''
    if not anchor:
        problems.append('no objectGUID returned')
    name = first_rdn_value(entry.dn)
    if '\nCNF:' in name:         # how AD renames the loser of a replication conflict (<name>\0ACNF:<guid>)
        problems.append('replication conflict object (CNF): resolve it in AD')
    mail, problem = primary_address(entry)
    if problem:
        problems.append(problem)
    display = (entry.get('displayName') or '').strip() or name.strip()
    fields = MappedFields.read(field_map, lambda source: entry.get(source) or '')
    return SourceRecord(anchor=anchor, dn=entry.dn, display_name=display, mail=mail,
                        given_name=(entry.get('givenName') or '').strip(), surname=(entry.get('sn') or '').strip(),
                        alias=(entry.get('mailNickname') or ''), routing_address=routing_proxy(entry, routing_domain),
                        fields=fields, problems=tuple(problems), kind=recipient_kind_of(entry))


# Users with any trace of Exchange; the kind is decided by ExchangeMailboxRule. objectCategory
# and objectClass are indexed in AD; contacts and groups never match.
MAILBOX_FILTER = ('(&(objectCategory=person)(objectClass=user)'
                  '(|(msExchRecipientTypeDetails=*)(homeMDB=*)(msExchHomeServerName=*)))')


def read_exchange_mailboxes(client: LdapClient, bases: list, rule: ExchangeMailboxRule, field_map: dict,
                            routing_domain: str) -> MailboxRead:
    """Every Exchange mailbox under ``bases`` (subtrees; nested bases are read once), and every
    group that takes mail when the rule reads groups (one more search, GROUP_FILTER)."""
    attributes = _source_attributes(rule, field_map)
    outermost = [b for b in bases if not any(o != b and dn_is_within(b, o) for o in bases)]
    records, reasons, users, seen = [], {}, 0, set()
    routing_proxies = {}           # lower-case address in the routing domain -> DN of its holder
    searches = [MAILBOX_FILTER] + ([GROUP_FILTER] if rule.reads_groups else [])
    for base in dict.fromkeys(outermost):
        for search in searches:
            for entry in client.search(base, search, attributes):
                key = entry.get('objectGUID') or entry.dn.lower()
                if key in seen:
                    continue
                seen.add(key)
                users += 1
                own = routing_proxy(entry, routing_domain)
                if own:
                    routing_proxies.setdefault(own.lower(), entry.dn)
                reason = rule.why_not(entry)
                if reason:
                    reasons[reason] = reasons.get(reason, 0) + 1
                    continue
                records.append(mailbox_record(entry, field_map, routing_domain))
    if routing_domain:
        records = [_check_derived_routing(r, routing_domain, routing_proxies) for r in records]
    return MailboxRead(records, reasons, users)


def _check_derived_routing(record: SourceRecord, routing_domain: str, routing_proxies: dict) -> SourceRecord:
    """A mailbox needs its own address in the Exchange routing domain: its Domino contact forwards
    there, and Exchange delivers mail for an address only to the recipient holding it as a proxy
    address. A derived <local part>@<domain> no recipient holds bounces with 5.1.10 (vendor facts
    X-6.6); one another user holds reaches that user. Either way the mailbox is a skip until its
    email address policy (or an admin) gives it such an address."""
    if record.routing_address or '@' not in record.mail:
        return record
    derived = f'{local_part(record.mail)}@{routing_domain}'.lower()
    holder = routing_proxies.get(derived)
    if holder is not None and dn_key(holder) != dn_key(record.dn):
        problem = f'no address in {routing_domain}, and {derived} (where its contact would forward) belongs to {holder}'
    else:
        problem = (f'no proxy address in {routing_domain}: Exchange would not resolve {derived}, where its contact '
                   f'would forward, and mail sent to the contact would bounce (5.1.10 RecipientNotFound); once '
                   f'the mailbox has an address in {routing_domain} (its email address policy), the next run '
                   f'syncs it')
    return replace(record, problems=record.problems + (problem,))


def source_filter(rule: ExchangeMailboxRule) -> str:
    """What a delta run reads as sources: users, and the groups that take mail when the rule
    reads groups (the same objects as a full read's MAILBOX_FILTER and GROUP_FILTER)."""
    return f'(|{USER_FILTER}{GROUP_FILTER})' if rule.reads_groups else USER_FILTER


# --- the source side, delta runs (engine/delta.py; vendor facts) ---

USER_FILTER = '(&(objectCategory=person)(objectClass=user))'
# objectGUIDs per search when reading sources by anchor: one filter of ORed equality terms.
GUIDS_PER_SEARCH = 100


def read_dc_state(client: LdapClient) -> DcState:
    """What the DC says of itself now: its highest committed USN (read fresh, not from the cached
    root DSE), its DNS name, the invocationId of its database (on its NTDS Settings object) and
    the forest's tombstone lifetime (60 days when unset, vendor facts X-4.6)."""
    root = _base_read(client, '', ['highestCommittedUSN', 'dnsHostName', 'dsServiceName',
                                   'configurationNamingContext'])
    if root is None or not root.get('highestCommittedUSN') or not root.get('dsServiceName'):
        raise DirectoryError(f'{client.settings.where} does not say its highestCommittedUSN and dsServiceName: not an '
                             f'Active Directory domain controller a delta run can follow', kind='configuration',
                             server=client.settings.server)
    settings = _base_read(client, root.get('dsServiceName'), ['invocationId'])
    raw = settings.get('invocationId') if settings is not None else None
    if not isinstance(raw, bytes) or len(raw) != 16:
        raise DirectoryError(f'the invocationId of {root.get("dsServiceName")} could not be read on '
                             f'{client.settings.where}', kind='configuration', server=client.settings.server)
    days = DEFAULT_TOMBSTONE_DAYS
    config = root.get('configurationNamingContext')
    if config:
        try:
            found = _base_read(client, f'CN=Directory Service,CN=Windows NT,CN=Services,{config}', ['tombstoneLifetime'])
        except DirectoryError:
            found = None
        if found is not None and str(found.get('tombstoneLifetime') or '').isdigit():
            days = int(found.get('tombstoneLifetime')) or DEFAULT_TOMBSTONE_DAYS
    return DcState(usn=int(root.get('highestCommittedUSN')), invocation_id=guid_to_string(raw),
                   dns_host_name=str(root.get('dnsHostName') or client.settings.server), tombstone_days=days)


def delta_obstacle(domain: str, bases: list) -> str:
    """Why the changes under ``bases`` cannot be read as a delta on this DC ('' when they can): a
    base outside the DC's domain (the uSNChanged of another domain's objects is another DC's)."""
    outside = [b for b in bases if not dn_is_within(b, domain)]
    if outside:
        return f'mailbox base {outside[0]} is outside the domain {domain} of this domain controller'
    return ''


def _source_attributes(rule: ExchangeMailboxRule, field_map: dict) -> list:
    return sorted({'objectGUID', 'objectClass', 'displayName', 'givenName', 'sn', 'mail', 'proxyAddresses',
                   'mailNickname', 'msExchRecipientTypeDetails', 'homeMDB', 'msExchHomeServerName',
                   'msExchHideFromAddressLists', 'userAccountControl', rule.marker_attribute} | set(field_map.values()))


def _as_source(entry, bases: list, rule: ExchangeMailboxRule, field_map: dict, routing_domain: str):
    """(anchor, the record, or None when the user is not a mailbox to sync under ``bases``)."""
    guid = entry.get('objectGUID')
    anchor = guid_to_string(guid) if isinstance(guid, bytes) and len(guid) == 16 else ''
    if not any(dn_is_within(entry.dn, b) for b in bases) or rule.why_not(entry):
        return anchor, None
    return anchor, mailbox_record(entry, field_map, routing_domain)


def _checked_routing(client: LdapClient, domain: str, records: dict, routing_domain: str) -> dict:
    """The derived-routing check of a full read (_check_derived_routing), for a few records: the
    holder of each derived address is asked for (AD compares proxyAddresses case-insensitively)."""
    if not routing_domain:
        return records
    checked = {}
    for anchor, record in records.items():
        if record is not None and not record.routing_address and '@' in record.mail:
            derived = f'{local_part(record.mail)}@{routing_domain}'
            holders = {e.dn: e for e in client.search(domain, f'(&(|{USER_FILTER}{GROUP_FILTER})(proxyAddresses=smtp:'
                                                      f'{escape_filter_value(derived)}))', ['proxyAddresses'])}
            own = {dn: routing_proxy(e, routing_domain) for dn, e in holders.items()}
            holder = next((dn for dn, address in sorted(own.items()) if address.lower() == derived.lower()), None)
            # Without a routing proxy the record is a skip either way; the holder makes the reason.
            record = _check_derived_routing(record, routing_domain, {derived.lower(): holder} if holder else {})
        checked[anchor] = record
    return checked


SHOW_DELETED_OID = '1.2.840.113556.1.4.417'
SHOW_RECYCLED_OID = '1.2.840.113556.1.4.2064'
# The well-known GUID of a domain's Deleted Objects container (MS-ADTS, GUID_DELETED_OBJECTS_CONTAINER_W).
DELETED_OBJECTS_WKGUID = '18e2ea80684f11d2b9aa00c04f79f805'
DELETED_OBJECTS_RIGHT = ('grant the sync account List Contents and Read Property on the Deleted Objects container, '
                         'as Microsoft\'s KB 892806 shows (dsacls "CN=Deleted Objects,<domain>" /takeownership, then '
                         '/G <domain>\\<account>:LCRP)')


@dataclass(frozen=True)
class Deletions:
    """How a delta run finds the users deleted since its watermark (architecture.rst "Delta runs")."""

    container: str = ''                  # the Deleted Objects container, when its tombstones can be listed
    control: str = ''                    # the control that shows them
    why: str = ''                        # why not, when they cannot (the run then reads every user's anchor)

    def as_dict(self) -> dict:
        if self.container:
            return {'via': 'tombstones', 'container': self.container}
        return {'via': 'every user', 'why': self.why}


def deletions_probe(client, domain: str) -> Deletions:
    """Whether the bind account can list the domain's tombstones, decided, never assumed: AD (and
    Samba) answer a show-deleted search by an account without rights with no entries and no error
    (vendor facts X-4.6). It can when the Deleted Objects container shows the account its
    ``isDeleted`` (Read Property) and lists at least one tombstone with its objectGUID (List
    Contents); an empty container cannot tell, and counts as cannot."""
    supported = client.root_dse().supported_controls
    oid = SHOW_RECYCLED_OID if SHOW_RECYCLED_OID in supported else SHOW_DELETED_OID
    if oid not in supported:
        return Deletions(why='the domain controller does not offer the show-deleted control')
    control = [request_control(oid)]
    try:
        found = list(client.search(f'<WKGUID={DELETED_OBJECTS_WKGUID},{domain}>', '(objectClass=*)', ['isDeleted'],
                                   scope='base', controls=control))
    except DirectoryError as exc:
        return Deletions(why=f'the Deleted Objects container could not be read ({exc.message}): {DELETED_OBJECTS_RIGHT}')
    if not found or str(found[0].get('isDeleted') or '').upper() != 'TRUE':
        return Deletions(why=f'the sync account cannot read the Deleted Objects container: {DELETED_OBJECTS_RIGHT}')
    container = found[0].dn
    listed = None
    try:
        for entry in client.search(container, '(isDeleted=TRUE)', ['objectGUID'], scope='onelevel', page_size=1,
                                   controls=control):
            listed = entry
            break                                          # one is enough (the search is abandoned)
    except DirectoryError as exc:
        return Deletions(why=f'the Deleted Objects container could not be listed ({exc.message}): {DELETED_OBJECTS_RIGHT}')
    guid = listed.get('objectGUID') if listed is not None else None
    if not isinstance(guid, bytes) or len(guid) != 16:
        return Deletions(why=f'the Deleted Objects container lists no tombstone to the sync account: no right to list '
                             f'it, or nothing deleted yet; cannot tell which, so not relied on ({DELETED_OBJECTS_RIGHT})')
    return Deletions(container=container, control=oid)


def read_deleted_anchors(client: LdapClient, deletions: Deletions, usn: int) -> set:
    """The objectGUIDs of the objects deleted on this DC since ``usn`` (tombstones, deleted and,
    with the Recycle Bin, recycled objects: their uSNChanged moves with each state)."""
    found = set()
    for entry in client.search(deletions.container, f'(&(isDeleted=TRUE)(uSNChanged>={usn + 1}))', ['objectGUID'],
                               scope='onelevel', controls=[request_control(deletions.control)]):
        guid = entry.get('objectGUID')
        if isinstance(guid, bytes) and len(guid) == 16:
            found.add(guid_to_string(guid))
    return found


def read_changed_mailboxes(client: LdapClient, domain: str, bases: list, rule: ExchangeMailboxRule,
                           field_map: dict, routing_domain: str, usn: int,
                           deletions: Deletions | None = None) -> tuple:
    """(anchor -> record or None, users read, every user's anchor or None, deleted anchors or
    None): every user changed on this DC since ``usn`` (one that is no longer a mailbox to sync,
    or left the bases, is None, as a full read would not find it); then the deletions: the
    tombstones since ``usn`` when ``deletions`` says they can be listed, else the objectGUID of
    every user of the domain, one attribute each, a deleted user being the one missing (vendor
    facts X-4.6: a tombstone is invisible to an account without rights on CN=Deleted Objects,
    and AD says nothing, it just returns none)."""
    changed: dict = {}
    users = 0
    for entry in client.search(domain, f'(&{source_filter(rule)}(uSNChanged>={usn + 1}))',
                               _source_attributes(rule, field_map)):
        users += 1
        anchor, record = _as_source(entry, bases, rule, field_map, routing_domain)
        if anchor:
            changed[anchor] = record
    present = deleted = None
    if deletions is not None and deletions.container:
        deleted = read_deleted_anchors(client, deletions, usn)
    else:
        present = set()
        for entry in client.search(domain, source_filter(rule), ['objectGUID']):
            guid = entry.get('objectGUID')
            if isinstance(guid, bytes) and len(guid) == 16:
                present.add(guid_to_string(guid))
    return _checked_routing(client, domain, changed, routing_domain), users, present, deleted


def read_mailboxes_by_anchor(client: LdapClient, domain: str, bases: list, rule: ExchangeMailboxRule,
                             field_map: dict, routing_domain: str, anchors: t.Iterable[str]) -> dict:
    """anchor -> record, or None when no user with that objectGUID is a mailbox to sync under
    ``bases`` (the sources of the contacts a delta run pulls in)."""
    wanted = sorted(set(anchors))
    found: dict = {a: None for a in wanted}
    for start in range(0, len(wanted), GUIDS_PER_SEARCH):
        terms = []
        for anchor in wanted[start:start + GUIDS_PER_SEARCH]:
            try:
                raw = uuid.UUID(anchor).bytes_le
            except ValueError:
                continue                               # not a GUID: no user has it
            terms.append(guid_term(raw))
        if not terms:
            continue
        for entry in client.search(domain, f'(&{source_filter(rule)}(|{"".join(terms)}))',
                                   _source_attributes(rule, field_map)):
            anchor, record = _as_source(entry, bases, rule, field_map, routing_domain)
            if anchor in found:
                found[anchor] = record
    return _checked_routing(client, domain, found, routing_domain)
