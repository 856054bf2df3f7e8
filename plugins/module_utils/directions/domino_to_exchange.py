# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Domino -> Exchange: the Domino mailboxes become mail contacts in an AD OU (ad_contact_sync)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

from ..dialects.ad import (
    MANAGED, MSEXCH_VERSION_AUTO, SUPERSEDE_MODES, AdContactProfile, cannot_write_message, contact_write_rights,
    discover_exchange, plan_supersessions, read_address_index, read_container, read_effective_rights,
    read_exchange_servers, read_marked, read_recipients, resolve_msexch_version)
from ..dialects.domino import MailboxRule, outside_routed_domains, read_mailboxes, with_forwarding
from ..directory.client import LdapClient
from ..directory.connection import connect, connection_settings, open_directory
from ..directory.dn import dn_key, parse_dn
from ..directory.errors import DirectoryError
from ..directory.settings import ConnectionSettings
from ..engine.marker import identity_name
from ..engine.plan import RECIPIENT_KINDS, Plan
from .base import Direction, Site, SetupError, SyncOptions, kind_counts, records_given, skipped_referrals


@dataclass(frozen=True)
class DominoToExchangeOptions(SyncOptions):
    """ad_contact_sync's options."""

    domino_routing_domain: str = ''
    exchange_organization: str | None = None     # found in the configuration partition when None
    address_lists: list | None = None            # found by their well-known names when None
    msexch_version: str = MSEXCH_VERSION_AUTO          # auto: the lowest of the organisation's Exchange servers
    instance: str | None = None                  # the sync's identity in the marker
    supersede: str = SUPERSEDE_MODES[0]          # merge: a superseded contact's X500 and groups go to the mailbox
    kinds: tuple = RECIPIENT_KINDS               # the kinds of Domino recipient that become contacts
    kind_ous: dict | None = None                 # kind -> the DN of its OU; a kind not named: contacts_ou

    def ous_of_kinds(self) -> tuple:
        """(kind, OU DN) of every kind given an OU of its own, sorted: the profile's kind_ous.
        An empty value is no OU of its own (the kind goes to contacts_ou)."""
        return tuple(sorted((k, str(v).strip()) for k, v in (self.kind_ous or {}).items() if v and str(v).strip()))

    def mailbox_rule(self) -> MailboxRule:
        """Which Domino Persons are the mailboxes to sync (domino_mailbox_info reads with the same rule)."""
        return MailboxRule(mail_systems=tuple(self.mailbox_mail_systems), contacts_base=self.domino.get('contacts_base') or '',
                           marker_attribute=self.domino_marker_attribute, marker_prefix=self.marker_prefix,
                           routed_domains=self.routed, primary_domain=self.primary_domain,
                           routing_domain=self.forwarding_domain, kinds=tuple(self.kinds or ()))

    @property
    def primary_domain(self) -> str:
        """Domino's local primary Internet domain: the shared domain."""
        return (self.shared_domain or '').strip()

    @property
    def forwarding_domain(self) -> str:
        """The Domino routing domain the AD contacts forward to ('' = none)."""
        return (self.domino_routing_domain or '').strip()

    @property
    def identity(self) -> str:
        """The identity the marker carries (engine/marker.py): ``instance`` when set, else the
        Domino server's host name; '' (the identity-less 0.1 marker) when neither is known."""
        return identity_name(self.instance or urlparse((self.domino or {}).get('server') or '').hostname or '')


@dataclass
class AdSite(Site):
    base: str = ''                               # the domain's naming context
    organisation: str = ''
    address_lists: list = field(default_factory=list)
    rights: dict = field(default_factory=dict)
    global_catalog: ConnectionSettings | None = None
    marked_outside: list = field(default_factory=list)
    not_recipients: dict = field(default_factory=dict)
    msexch: dict = field(default_factory=dict)   # the msExchVersion of new contacts, and why (resolve_msexch_version)


def read_domino_mailboxes(options: DominoToExchangeOptions) -> tuple:
    """The Domino mailboxes, from ``records`` or read from Domino (a worker thread)."""
    # Only addresses of the routed domains are sources: a mail Domino synthesized (the dialect
    # marks it), or one in a domain nobody routes here, is reported instead (vendor facts D-11.1).
    # Each mailbox's forwarding address is one Domino's router will find (vendor facts D-6.1).
    given = records_given(options)
    if given is not None:
        records = outside_routed_domains([r for r in given[0] if r.kind in options.kinds], options.routed)
        return [r if r.routing_address else with_forwarding(r, (), options.primary_domain, options.forwarding_domain)
                for r in records], dict(given[1], kinds=kind_counts(records, options.kinds))
    with open_directory('domino', options.domino) as client:
        read = read_mailboxes(client, options.domino['mailbox_base'], options.mailbox_rule(), options.fields('ad'))
        settings, referrals = client.settings, skipped_referrals(client)
    records = outside_routed_domains(read.records, options.routed)
    kinds = kind_counts(records, options.kinds)
    return records, {'directory': 'domino', 'server': settings.server, 'base': options.domino['mailbox_base'],
                     'mailboxes': kinds.get('person', 0), 'kinds': kinds, 'persons': read.entries,
                     'not_mailboxes': read.not_mailboxes, 'skipped_referrals': referrals}


def check(options: DominoToExchangeOptions) -> AdSite:
    if not options.ad.get('contacts_ou'):
        raise SetupError('ad.contacts_ou is not set: give the DN of the OU dedicated to the Domino contacts')
    unknown = sorted(set(options.kind_ous or {}) - set(RECIPIENT_KINDS))
    if unknown:
        raise SetupError(f'kind_ous names {", ".join(unknown)}, not a kind of recipient: use '
                         f'{", ".join(RECIPIENT_KINDS)}. Nothing was written.')
    for kind, ou in options.ous_of_kinds():
        try:
            parse_dn(ou)
        except DirectoryError:
            raise SetupError(f'kind_ous.{kind} ({ou!r}) is not a DN. Nothing was written.') from None
    return AdSite()


def preflight(client: LdapClient, options: DominoToExchangeOptions, site: AdSite) -> None:
    """The OU exists; the Exchange organisation and its address lists, given or found; the profile."""
    contacts_ou = options.ad['contacts_ou']
    root = client.root_dse().entry
    site.base, config = root.get('defaultNamingContext'), root.get('configurationNamingContext')
    if not client.exists(contacts_ou):
        raise SetupError(f'The contacts OU {contacts_ou} does not exist on {client.settings.where}: create it '
                         f'(the sync owns it), then run again. Nothing was written.')
    for kind, ou in options.ous_of_kinds():
        if not client.exists(ou):
            raise SetupError(f'The OU of the kind {kind} (kind_ous) {ou} does not exist on {client.settings.where}: '
                             f'create it (the sync owns it) and grant the sync account what it has on the contacts OU, '
                             f'then run again. Nothing was written.')
    organisation, address_lists = options.exchange_organization, options.address_lists
    if not (organisation and address_lists):
        exchange = discover_exchange(client, config, organisation)
        if not exchange['organisation']:
            named = f' named {organisation!r}' if organisation else ''
            raise SetupError(f'No single Exchange organisation{named} found under CN=Microsoft Exchange,'
                             f'CN=Services,{config} (found: {exchange["organisations_found"]}); set '
                             f'exchange_organization (and address_lists). Nothing was written.')
        organisation = organisation or exchange['organisation']
        if not address_lists and exchange['missing_lists']:
            raise SetupError(f'Address lists {exchange["missing_lists"]} not found in the Exchange organisation '
                             f'{organisation} (a translated or multi-GAL site?): set address_lists. Nothing was '
                             f'written.')
        address_lists = address_lists or exchange['address_lists']
    site.organisation, site.address_lists = organisation, address_lists
    # What msExchVersion new contacts get: with auto, what the oldest Exchange server's tools
    # can still edit (vendor facts ).
    setting = options.msexch_version or MSEXCH_VERSION_AUTO
    site.msexch = resolve_msexch_version(setting, read_exchange_servers(client, config)
                                         if setting == MSEXCH_VERSION_AUTO else [])
    site.profile = AdContactProfile(
        contacts_ou=contacts_ou, shared_domain=options.shared_domain, domino_routing_domain=options.domino_routing_domain,
        exchange_routing_domain=options.exchange_routing_domain, organisation=organisation,
        address_lists=tuple(address_lists), attribute_map=tuple(options.fields('ad').items()),
        msexch_version=site.msexch['value'], marker_attribute=options.ad_marker_attribute,
        marker_prefix=options.marker_prefix, identity=options.identity, kind_ous=options.ous_of_kinds())
    # Where addresses must be unique: the whole forest through a Global Catalog when given.
    if options.ad.get('global_catalog'):
        site.global_catalog = connection_settings('ad', options.ad, server=options.ad['global_catalog'])


def read_forest_addresses(settings: ConnectionSettings, options: DominoToExchangeOptions, site: AdSite):
    """The forest's addresses (a worker thread): from the Global Catalog when given, else the domain."""
    gc = site.global_catalog
    with connect(gc or settings) as reader:
        read = read_address_index(reader, '' if gc else site.base, site.profile, not gc)
        read.index.referrals = skipped_referrals(reader)
        return read


def read_contacts_ou(client: LdapClient, options: DominoToExchangeOptions, site: AdSite):
    # With a Global Catalog the marker is not in the address read (vendor facts ): the OU's
    # read takes the marked objects from the domain partition that holds the OU, which finds this
    # sync's marker outside the OU in the same read (a moved OU or contact stops the run).
    return read_container(client, site.profile, list(options.fields('ad')),
                          domain=site.base if site.global_catalog else '')


def settle(client: LdapClient, options: DominoToExchangeOptions, site: AdSite, container, index_read):
    """While the forest's addresses are read: the bind account's rights in each OU, and (with a
    Global Catalog) the marked objects outside them; then the index without the owned contacts."""
    profile = site.profile
    bind = options.ad.get('bind_dn') or 'the bind account'
    # Each OU a contact can go to (contacts_ou, and each kind's): contacts are created there, and
    # moved there from another of them (a modify DN with a new superior: Create Child on the new
    # OU, Delete Child on the old one, vendor facts X-10).
    refused = []
    for ou in profile.containers:
        rights = read_effective_rights(client, ou)
        if ou == profile.contacts_ou:
            site.rights = dict(rights)
        elif rights.get('checked'):
            site.rights.setdefault('kind_ous', {})[ou] = rights.get('can_create_contacts')
        if rights.get('checked') and not rights.get('can_create_contacts'):
            refused.append(ou)
    if refused:
        site.cannot_create = (f'{bind} may not create contact objects in {" and ".join(refused)} '
                              f'(allowedChildClassesEffective): grant it the right to create and delete contacts there')
    # Before the first write to a contact the sync already has: may it write what the sync writes
    # there (the same read as validate's)? A missing right is the OU's grant, the same on every
    # contact, so the run writes nothing and names the attributes, rather than send a write per
    # contact for the server to refuse (vendor facts ). One contact per OU speaks for its OU.
    written = MANAGED + list(options.fields('ad')) + [profile.marker_attribute]
    first_in = {}
    for contact in container.owned:
        first_in.setdefault(profile.parent_key(contact.dn), contact.dn)
    for ou in profile.containers:
        checked, missing = contact_write_rights(client, ou, profile.marker_attribute, profile.marker_prefix, written,
                                                dn=first_in.get(dn_key(ou), ''))
        if checked and ou == profile.contacts_ou:
            site.rights.update(contact_checked=checked, not_writable=missing)
        elif checked:
            site.rights.setdefault('kind_ous_not_writable', {})[ou] = missing
        if missing and not site.cannot_write:
            site.cannot_write = cannot_write_message(options.ad.get('bind_dn') or '', checked, missing)
    if site.global_catalog:
        # Found by the OU's read (read_contacts_ou): the marker outside the OU, in the domain.
        site.marked_outside = container.marked_outside or []
    forest = index_read.result()
    site.not_recipients = forest.not_recipients
    # Owned contacts are those of the contacts OU's read (DN, objectGUID), whatever the address
    # read returned for them. An object the address read found in the OU and the OU's read did
    # not (made between the two reads: another run of this sync racing with this one) is asked
    # for its marker: this sync's contact is not a foreign holder of its address and name, or the
    # two runs would plan different names for one anchor and make two contacts.
    unseen = forest.unseen_by(container)
    ours = site.timed('read_marked', read_marked, client, unseen, site.profile) if unseen else []

    # The objects in the OUs that are neither (another sync's contacts, an admin's) are read again
    # for their addresses (by objectGUID): the address read keeps only the GUID and DN of what is inside.
    def reread(others: list) -> list:
        return site.timed('read_holders', read_recipients, client, others, profile, site.base)

    index = forest.excluding(container.owned, also_ours=ours, reread=reread)
    if site.global_catalog:
        index.marked_outside = site.marked_outside
    return index


def supersessions(client: LdapClient, options: DominoToExchangeOptions, site: AdSite, the_plan: Plan) -> None:
    """What a superseded contact leaves behind (its X500 value, its groups), read and, with
    supersede: merge, kept on the mailbox before the contact goes (vendor facts X-7.1)."""
    plan_supersessions(client, the_plan, options.supersede or SUPERSEDE_MODES[0])


def describe(client: LdapClient, options: DominoToExchangeOptions, site: AdSite, container, sources) -> dict:
    source_addresses = {s.mail.lower() for s in sources if s.mail}
    return {'directory': 'ad', 'server': client.settings.server, 'container': site.profile.contacts_ou,
            'kind_ous': {kind: site.profile.ou_of(kind) for kind in RECIPIENT_KINDS},
            'organisation': site.organisation, 'address_lists': site.address_lists, 'rights': site.rights,
            'foreign_objects': container.foreign, 'global_catalog': bool(site.global_catalog),
            'msexch_version': {k: v for k, v in site.msexch.items() if k != 'servers'},
            # Information, not conflicts: AD objects that are not Exchange recipients whose mail
            # is a source's address (an HR-filled mail on a logon account; vendor facts ).
            'not_recipients': [{'address': a, 'holder': dn} for a, dn in sorted(site.not_recipients.items())
                               if a in source_addresses]}


DOMINO_TO_EXCHANGE = Direction(
    name='domino_to_exchange', target='ad', options_class=DominoToExchangeOptions, check=check,
    read_source=read_domino_mailboxes, preflight=preflight, read_index=read_forest_addresses,
    read_container=read_contacts_ou, settle=settle, after_plan=supersessions, describe=describe,
    # member: a merge adds the mailbox to a group value by value, never replacing its members.
    merged_also=('member',))
