# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Exchange -> Domino: the Exchange mailboxes become forwarding Persons under the Domino
contacts base (domino_contact_sync)."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from ..dialects.ad import (
    DEFAULT_MAILBOX_KINDS, ExchangeMailboxRule, delta_obstacle, deletions_probe, read_changed_mailboxes,
    read_dc_state, read_exchange_mailboxes, read_mailboxes_by_anchor)
from ..dialects.domino import (
    CONTACT_MANAGED, DEFAULT_CONTACT_MAIL_SYSTEM, NEVER_WRITTEN, DominoContactProfile, MailboxRule, contact_moves,
    contacts_base_missing, group_operations, read_address_index, read_contacts, read_groups_naming)
from ..directory.client import LdapClient
from ..directory.connection import connect, open_directory
from ..directory.dn import dns_domain_of
from ..directory.settings import ConnectionSettings
from ..engine.marker import identity_name
from ..engine.delta import (
    DEFAULT_FULL_EVERY, DeltaRun, DeltaSources, Watermark, cut_names_obstacle, fingerprint, full_run_reason,
    parse_duration)
from ..engine.plan import RECIPIENT_KINDS, Plan
from .base import Direction, Site, SetupError, SyncOptions, kind_counts, records_given, skipped_referrals

# The kinds of recipient Exchange has (engine/plan.py RECIPIENT_KINDS): a mail-in database is Domino's only.
EXCHANGE_KINDS = ('person', 'group', 'resource')


@dataclass(frozen=True)
class ExchangeToDominoOptions(SyncOptions):
    """domino_contact_sync's options."""

    contact_mail_system: str = DEFAULT_CONTACT_MAIL_SYSTEM
    mailbox_types: tuple = DEFAULT_MAILBOX_KINDS
    include_hidden: bool = False
    include_disabled: bool = True
    maintain_groups: bool = True
    instance: str | None = None                  # the sync's identity in the marker
    kinds: tuple = RECIPIENT_KINDS               # the kinds of Exchange recipient that become Persons

    @property
    def identity(self) -> str:
        """The identity the Domino-side marker carries (engine/marker.py): ``instance`` when set,
        else the DNS name of the AD domain the mailboxes are read from: from the DC= parts of the
        first mailbox base, else the domain part of the AD server's host name. Not the server's own
        name: a sync moved to another domain controller of the same domain keeps its contacts."""
        if self.instance:
            return identity_name(self.instance)
        ad = self.ad or {}
        for base in ad.get('mailbox_bases') or []:
            if dns_domain_of(base):
                return identity_name(dns_domain_of(base))
        host = urlparse(ad.get('server') or '').hostname or ''
        try:
            ipaddress.ip_address(host)
            return identity_name(host)                  # an address: no domain part to take
        except ValueError:
            return identity_name(host.split('.', 1)[1] if host.count('.') >= 2 else host)
    # Delta runs (architecture.rst "Delta runs"): off by default, every run full.
    delta: bool = False
    watermark: dict | None = None
    full_every: str = DEFAULT_FULL_EVERY
    full_run: bool = False

    def delta_fingerprint(self, bases: list) -> str:
        """A digest of every option that shapes the plan: another one forces a full run."""
        return fingerprint({
            'bases': sorted(b.lower() for b in bases),
            'rule': [sorted(self.mailbox_types), self.include_hidden, self.include_disabled],
            'kinds': sorted(self.read_kinds),
            'fields': self.fields('domino'),
            'marker': [self.marker_prefix, self.ad_marker_attribute, self.domino_marker_attribute, self.identity],
            'domains': [self.shared_domain, list(self.routed), self.exchange_routing_domain],
            'contacts_base': (self.domino or {}).get('contacts_base'), 'mail_system': self.contact_mail_system,
            'mailbox_mail_systems': list(self.mailbox_mail_systems),
            'switches': [self.limits.allow_create, self.limits.allow_update, self.limits.allow_rename,
                         self.limits.allow_delete]})

    def mailbox_rule(self) -> ExchangeMailboxRule:
        """Which AD users are the mailboxes to sync (ad_mailbox_info reads with the same rule)."""
        return ExchangeMailboxRule(kinds=tuple(self.mailbox_types), include_hidden=self.include_hidden,
                                   include_disabled=self.include_disabled, marker_attribute=self.ad_marker_attribute,
                                   marker_prefix=self.marker_prefix, recipient_kinds=self.read_kinds)

    @property
    def read_kinds(self) -> tuple:
        """The kinds of recipient this direction reads: ``kinds`` less 'mailin' (Exchange has none)."""
        return tuple(k for k in EXCHANGE_KINDS if k in (self.kinds or ()))


@dataclass
class DominoSite(Site):
    rule: MailboxRule | None = None              # what is a mailbox, for the address index's holders


def read_exchange_mailboxes_of(options: ExchangeToDominoOptions) -> tuple:
    """The Exchange mailboxes, from ``records`` or read from AD (a worker thread)."""
    given = records_given(options)
    if given is not None:
        records = [r for r in given[0] if r.kind in options.read_kinds]
        return records, dict(given[1], kinds=kind_counts(records, options.read_kinds))
    with open_directory('ad', options.ad) as client:
        domain = client.root_dse().entry.get('defaultNamingContext')
        bases = options.ad['mailbox_bases'] or [domain]
        run = delta_run(client, options, domain, bases) if options.delta else None
        if run is not None and run.kind == 'delta':
            mark = Watermark.from_dict(options.watermark)
            # Deletions from the tombstones when the account can list them (probed on every
            # delta run, never assumed), else from every user's objectGUID (architecture.rst).
            deletions = deletions_probe(client, domain)
            changed, users, present, deleted = read_changed_mailboxes(
                client, domain, bases, options.mailbox_rule(), options.fields('domino'), options.exchange_routing_domain,
                mark.usn, deletions)

            def read_by_anchor(anchors: set) -> dict:
                with open_directory('ad', options.ad) as reader:
                    return read_mailboxes_by_anchor(reader, domain, bases, options.mailbox_rule(),
                                                    options.fields('domino'), options.exchange_routing_domain, anchors)

            info = {'directory': 'ad', 'server': client.settings.server, 'bases': bases,
                    'skipped_referrals': skipped_referrals(client), 'changed_users': users,
                    'deletions': dict(deletions.as_dict(), found=len(deleted) if deleted is not None else None),
                    'run': run.as_dict(), '_delta_run': run}
            if present is not None:
                info['users'] = len(present)
            return DeltaSources(changed, mark.unresolved, read_by_anchor, present, deleted), info
        read = read_exchange_mailboxes(client, bases, options.mailbox_rule(), options.fields('domino'),
                                       options.exchange_routing_domain)
        settings, referrals = client.settings, skipped_referrals(client)
    kinds = kind_counts(read.records, options.read_kinds)
    # mailboxes: persons and resources (room and equipment mailboxes), as before groups were read.
    info = {'directory': 'ad', 'server': settings.server, 'bases': bases, 'skipped_referrals': referrals,
            'mailboxes': kinds.get('person', 0) + kinds.get('resource', 0), 'kinds': kinds, 'users': read.entries,
            'not_mailboxes': read.not_mailboxes}
    if run is not None:
        info.update(run=run.as_dict(), _delta_run=run)
    return read.records, info


def delta_run(client: LdapClient, options: ExchangeToDominoOptions, domain: str, bases: list) -> DeltaRun:
    """Full or delta, and why, from the watermark given and the DC's state read now (before any
    source read, so the next watermark never passes a change this run did not see)."""
    dc = read_dc_state(client)
    print_ = options.delta_fingerprint(bases)
    try:
        every = parse_duration(options.full_every)
    except ValueError as exc:
        raise SetupError(f'full_every: {exc}') from exc
    why = 'full_run: true' if options.full_run else full_run_reason(options.watermark, dc, time.time(), every, print_)
    why = why or delta_obstacle(domain, bases) or cut_names_obstacle(domino_profile(options))
    return DeltaRun(kind='full' if why else 'delta', why=why, dc=dc, fingerprint=print_, started=time.time(),
                    given=options.watermark)


def domino_profile(options: ExchangeToDominoOptions) -> DominoContactProfile:
    """The Domino contact profile from the options, checked."""
    contacts_base = (options.domino or {}).get('contacts_base')
    if not contacts_base:
        raise SetupError('domino.contacts_base is not set: give the DN of the OU dedicated to the Exchange contacts '
                         '(for example OU=Exchange,O=Acme)')
    fields = options.fields('domino')
    # A map onto an item the sync manages itself, or must never write, is refused.
    reserved = {a.lower() for a in CONTACT_MANAGED} | NEVER_WRITTEN | {'cn', 'objectclass', options.domino_marker_attribute.lower()}
    bad = sorted(a for a in fields if a.lower() in reserved)
    if bad:
        raise SetupError(f'attribute_map maps onto Domino attributes the sync manages itself or never writes: '
                         f'{", ".join(bad)}. Map them to null (or remove them). Nothing was written.')
    profile = DominoContactProfile(contacts_base=contacts_base, exchange_routing_domain=options.exchange_routing_domain,
                                   attribute_map=tuple(fields.items()), mail_system=options.contact_mail_system,
                                   marker_attribute=options.domino_marker_attribute, marker_prefix=options.marker_prefix,
                                   identity=options.identity, routed_domains=options.routed)
    if profile.name_length('X' * 20) > profile.name_limit:
        raise SetupError(f'domino.contacts_base is too long: a contact\'s DN under it would pass Domino\'s '
                         f'{profile.name_limit}-character limit with a 20-character name')
    return profile


def check(options: ExchangeToDominoOptions) -> DominoSite:
    profile = domino_profile(options)
    rule = MailboxRule(mail_systems=tuple(options.mailbox_mail_systems), contacts_base=profile.contacts_base,
                       marker_attribute=options.domino_marker_attribute, marker_prefix=options.marker_prefix)
    return DominoSite(profile=profile, rule=rule)


def preflight(client: LdapClient, options: ExchangeToDominoOptions, site: DominoSite) -> None:
    if not client.exists(site.profile.contacts_base):
        raise SetupError(contacts_base_missing(site.profile.contacts_base, client.settings.where))


def read_domino_addresses(settings: ConnectionSettings, options: ExchangeToDominoOptions, site: DominoSite):
    """Every address (and common name) in the Domino Directory (a worker thread)."""
    with connect(settings) as reader:
        index = read_address_index(reader, '', site.profile, site.rule)
        index.referrals = skipped_referrals(reader)
        return index


def read_contacts_base(client: LdapClient, options: ExchangeToDominoOptions, site: DominoSite):
    return read_contacts(client, site.profile, [a for a, _source in site.profile.attribute_map])


def maintain_groups(client: LdapClient, options: ExchangeToDominoOptions, site: DominoSite, the_plan: Plan) -> None:
    """LDAP writes bypass AdminP (vendor facts D-7.4): the groups naming a contact renamed or
    deleted here are updated as AdminP would, after the contact's own write."""
    if options.maintain_groups:
        moves = contact_moves(the_plan.operations)
        groups = site.timed('read_groups', read_groups_naming, client, moves)
        the_plan.operations.extend(group_operations(moves, groups))


def describe(client: LdapClient, options: ExchangeToDominoOptions, site: DominoSite, container, sources) -> dict:
    return {'directory': 'domino', 'server': client.settings.server, 'container': site.profile.contacts_base,
            'rights': {'checked': False, 'why': 'Domino does not expose effective rights over LDAP'},
            'foreign_objects': container.foreign,
            # Several documents under one DN (replication or save conflicts, vendor facts D-4.3):
            # never written by that DN; for a Notes administrator to resolve.
            'duplicate_dns': container.duplicates}


EXCHANGE_TO_DOMINO = Direction(
    name='exchange_to_domino', target='domino', options_class=ExchangeToDominoOptions, check=check,
    read_source=read_exchange_mailboxes_of, preflight=preflight, read_index=read_domino_addresses,
    read_container=read_contacts_base, after_plan=maintain_groups, describe=describe,
    # member: a group update changes only the values naming the sync's contacts, value by value.
    merged_also=('member',))
