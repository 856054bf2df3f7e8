# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The two directions up to their plan: read the source and the target side by side, check what
must hold before planning, plan. Nothing here writes: the sync modules hand the result to
_sync.finish (which applies it unless check mode), the validate module only counts it.

A setting or a directory state that stops a direction before it can plan raises SetupError
with a sentence for the admin; a directory failure raises DirectoryError. Neither exits the
module, so validate can report them as checks.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ..dialects.ad import (
    AdContactProfile, ExchangeMailboxRule, discover_exchange, plan_supersessions, read_address_index, read_container,
    read_effective_rights, read_exchange_mailboxes, read_marked_outside)
from ..dialects.domino import (
    DominoContactProfile, MailboxRule, CONTACT_MANAGED, NEVER_WRITTEN, contact_moves, contacts_base_missing,
    group_operations, outside_routed_domains, read_groups_naming, read_mailboxes, with_forwarding)
from ..dialects.domino import read_address_index as read_domino_address_index
from ..dialects.domino import read_contacts as read_domino_contacts
from ..directory.client import LdapClient
from ..directory.connection import connect, connection_settings, open_directory
from ..directory.errors import DirectoryError
from ..engine.apply import Ownership
from ..engine.marker import identity_name
from ..engine.plan import Plan, SourceRecord, plan
from ..engine.run import Stopwatch, attribute_fields, finish, limits_from, marked_outside_message


class SetupError(Exception):
    """What stops a direction before it plans, as a sentence for the admin."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass
class Prepared:
    """A direction read and planned: what _sync.finish needs, and the open target connection."""

    direction: str
    plan: Plan
    client: LdapClient
    source: dict
    target: dict
    merged: list
    refuse: str = ''
    stopwatch: Stopwatch = field(default_factory=Stopwatch)
    ownership: Ownership | None = None       # how a write checks a race with another run


def _timed(phases: dict, name: str, function, *args):
    """Run ``function`` and record its seconds in ``phases`` (the reads overlap: each one's own
    time shows which one the read phase waited for)."""
    started = time.monotonic()
    try:
        return function(*args)
    finally:
        phases[name] = round(time.monotonic() - started, 3)


# --- Domino -> Exchange ---

def routed_domains(p: dict) -> tuple:
    """The domains this sync routes, lower case: the shared domain and its aliases
    (``routed_domains``); () when the module has no shared domain (any domain is accepted)."""
    shared = (p.get('shared_domain') or '').strip()
    if not shared:
        return ()
    return tuple(dict.fromkeys(d.strip().lower() for d in [shared] + list(p.get('routed_domains') or []) if d.strip()))


def _read_domino_mailboxes(p: dict) -> tuple:
    """The Domino mailboxes, from ``records`` or read from Domino (a worker thread)."""
    fields = attribute_fields(p['attribute_map'], 'ad')
    # Only addresses of the routed domains are sources: a mail Domino synthesized (the dialect
    # marks it), or one in a domain nobody routes here, is reported instead (vendor facts D-11.1).
    # Each mailbox's forwarding address is one Domino's router will find (vendor facts D-6.1).
    primary, routing = (p.get('shared_domain') or '').strip(), (p.get('domino_routing_domain') or '').strip()
    if p.get('records') is not None:
        records = outside_routed_domains([SourceRecord.from_dict(r) for r in p['records']], routed_domains(p))
        records = [r if r.routing_address else with_forwarding(r, (), primary, routing) for r in records]
        return records, {'directory': 'records', 'mailboxes': len(p['records'])}
    rule = MailboxRule(mail_systems=tuple(p['mailbox_mail_systems']), contacts_base=p['domino'].get('contacts_base') or '',
                       marker_attribute=p['domino_marker_attribute'], marker_prefix=p['marker_prefix'],
                       routed_domains=routed_domains(p), primary_domain=primary, routing_domain=routing)
    with open_directory('domino', p['domino']) as client:
        read = read_mailboxes(client, p['domino']['mailbox_base'], rule, fields)
        settings, referrals = client.settings, skipped_referrals(client)
    records = outside_routed_domains(read.records, routed_domains(p))
    return records, {'directory': 'domino', 'server': settings.server, 'base': p['domino']['mailbox_base'],
                     'mailboxes': len(read.records), 'persons': read.entries, 'not_mailboxes': read.not_mailboxes,
                     'skipped_referrals': referrals}


def skipped_referrals(client: LdapClient) -> list:
    """The search continuation references a client's reads met and did not follow (URLs, once
    each): what lives there was not read, so the report says where (another domain's subtree, a
    Domino directory that is not local; AD's own Configuration partition is harmless)."""
    return sorted(set(client.skipped_references))


def source_identity(instance, server) -> str:
    """The identity the marker carries (engine/marker.py): ``instance`` when set, else the source
    directory's host name; '' (the identity-less 0.1 marker) when neither is known."""
    return identity_name(instance or urlparse(server or '').hostname or '')


def _read_ad_index(settings, base: str, profile: AdContactProfile, find_marked: bool):
    with connect(settings) as client:
        read = read_address_index(client, base, profile, find_marked)
        read.index.referrals = skipped_referrals(client)
        return read


def prepare_domino_to_exchange(p: dict) -> Prepared:
    """``p``: ad_contact_sync's parameters. The returned client is open: the caller closes it."""
    contacts_ou = p['ad'].get('contacts_ou')
    if not contacts_ou:
        raise SetupError('ad.contacts_ou is not set: give the DN of the OU dedicated to the Domino contacts')
    stopwatch = Stopwatch()
    fields = attribute_fields(p['attribute_map'], 'ad')
    # The three big reads (the Domino mailboxes, the forest's addresses, the contacts OU) run at
    # the same time on their own connections: most of their time is the servers', and python-ldap
    # lets other threads run while it waits.
    pool = ThreadPoolExecutor(max_workers=2)
    client = None
    try:
        reads: dict = {}
        sources_read = pool.submit(_timed, reads, 'read_source', _read_domino_mailboxes, p)
        client = open_directory('ad', p['ad'])
        root = client.root_dse().entry
        base, config = root.get('defaultNamingContext'), root.get('configurationNamingContext')
        if not client.exists(contacts_ou):
            raise SetupError(f'The contacts OU {contacts_ou} does not exist on {client.settings.where}: create it '
                             f'(the sync owns it), then run again. Nothing was written.')
        organisation, address_lists = p['exchange_organization'], p['address_lists']
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
        profile = AdContactProfile(
            contacts_ou=contacts_ou, shared_domain=p['shared_domain'], domino_routing_domain=p['domino_routing_domain'],
            exchange_routing_domain=p['exchange_routing_domain'], organisation=organisation,
            address_lists=tuple(address_lists), attribute_map=tuple(fields.items()),
            msexch_version=p['msexch_version'], marker_attribute=p['ad_marker_attribute'], marker_prefix=p['marker_prefix'],
            identity=source_identity(p.get('instance'), p['domino'].get('server')))
        # Where addresses must be unique: the whole forest through a Global Catalog when given.
        gc_settings = connection_settings('ad', p['ad'], server=p['ad']['global_catalog']) \
            if p['ad'].get('global_catalog') else None
        index_read = pool.submit(_timed, reads, 'read_addresses', _read_ad_index, gc_settings or client.settings,
                                 '' if gc_settings else base, profile, not gc_settings)
        container = _timed(reads, 'read_container', read_container, client, profile, list(fields))
        rights = read_effective_rights(client, contacts_ou)
        if gc_settings:
            # The marker is not in the Global Catalog: look for it outside the OU in the domain
            # partition that holds the OU (vendor facts ).
            marked_outside = _timed(reads, 'read_marked_outside', read_marked_outside, client, base, profile)
        forest = index_read.result()
        # Owned contacts are those of the contacts OU's read (DN, objectGUID), whatever the
        # address read returned for them.
        index = forest.excluding(container.owned)
        if gc_settings:
            index.marked_outside = marked_outside
        sources, source_info = sources_read.result()
        source_addresses = {s.mail.lower() for s in sources if s.mail}
        not_recipients = [{'address': a, 'holder': dn} for a, dn in sorted(forest.not_recipients.items())
                          if a in source_addresses]
        stopwatch.lap('read')
        stopwatch.phases.update(reads)
        if index.marked_outside:
            raise SetupError(marked_outside_message(index.marked_outside, p['ad_marker_attribute'], p['marker_prefix'],
                                                    contacts_ou), outside=index.marked_outside)
        the_plan = plan(sources, container.owned, index.addresses, container.foreign_names, profile,
                        limits_from(p), foreign_aliases=index.aliases, mailbox_addresses=index.mailboxes)
        # What a superseded contact leaves behind (its X500 value, its groups), read and, with
        # supersede: merge, kept on the mailbox before the contact goes (vendor facts ).
        plan_supersessions(client, the_plan, p.get('supersede') or 'merge')
        stopwatch.lap('plan')
    except BaseException:
        if client is not None:
            client.close()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    refuse = ''
    if rights.get('checked') and not rights.get('can_create_contacts') and the_plan.of_kind('create'):
        refuse = (f'{p["ad"].get("bind_dn") or "the bind account"} may not create contact objects in {contacts_ou} '
                  f'(allowedChildClassesEffective): grant it the right to create and delete contacts there')
    target = {'directory': 'ad', 'server': client.settings.server, 'container': contacts_ou,
              'organisation': organisation, 'address_lists': address_lists, 'rights': rights,
              'foreign_objects': container.foreign, 'global_catalog': bool(gc_settings),
              # Information, not conflicts: AD objects that are not Exchange recipients whose mail
              # is a source's address (an HR-filled mail on a logon account; vendor facts ).
              'not_recipients': not_recipients,
              'skipped_referrals': sorted(set(index.referrals) | set(skipped_referrals(client)))}
    # member: a merge adds the mailbox to a group value by value, never replacing its members.
    return Prepared('domino_to_exchange', the_plan, client, source_info, target, list(profile.merged()) + ['member'],
                    refuse, stopwatch, Ownership(profile.marker_attribute, profile.anchor_of))


# --- Exchange -> Domino ---

def _read_exchange_mailboxes(p: dict) -> tuple:
    """The Exchange mailboxes, from ``records`` or read from AD (a worker thread)."""
    if p.get('records') is not None:
        return [SourceRecord.from_dict(r) for r in p['records']], {'directory': 'records', 'mailboxes': len(p['records'])}
    rule = ExchangeMailboxRule(kinds=tuple(p['mailbox_types']), include_hidden=p['include_hidden'],
                               include_disabled=p['include_disabled'], marker_attribute=p['ad_marker_attribute'],
                               marker_prefix=p['marker_prefix'])
    with open_directory('ad', p['ad']) as client:
        bases = p['ad']['mailbox_bases'] or [client.root_dse().entry.get('defaultNamingContext')]
        read = read_exchange_mailboxes(client, bases, rule, attribute_fields(p['attribute_map'], 'domino'),
                                       p['exchange_routing_domain'])
        settings, referrals = client.settings, skipped_referrals(client)
    return read.records, {'directory': 'ad', 'server': settings.server, 'bases': bases, 'skipped_referrals': referrals,
                          'mailboxes': len(read.records), 'users': read.entries, 'not_mailboxes': read.not_mailboxes}


def _read_domino_index(settings, profile: DominoContactProfile, rule: MailboxRule):
    with connect(settings) as client:
        index = read_domino_address_index(client, '', profile, rule)
        index.referrals = skipped_referrals(client)
        return index


def domino_profile(p: dict) -> DominoContactProfile:
    """The Domino contact profile from domino_contact_sync's parameters, checked."""
    contacts_base = p['domino'].get('contacts_base')
    if not contacts_base:
        raise SetupError('domino.contacts_base is not set: give the DN of the OU dedicated to the Exchange contacts '
                         '(for example OU=Exchange,O=Acme)')
    fields = attribute_fields(p['attribute_map'], 'domino')
    # A map onto an item the sync manages itself, or must never write, is refused.
    reserved = {a.lower() for a in CONTACT_MANAGED} | NEVER_WRITTEN | {'cn', 'objectclass', p['domino_marker_attribute'].lower()}
    bad = sorted(a for a in fields if a.lower() in reserved)
    if bad:
        raise SetupError(f'attribute_map maps onto Domino attributes the sync manages itself or never writes: '
                         f'{", ".join(bad)}. Map them to null (or remove them). Nothing was written.')
    profile = DominoContactProfile(contacts_base=contacts_base, exchange_routing_domain=p['exchange_routing_domain'],
                                   attribute_map=tuple(fields.items()), mail_system=p['contact_mail_system'],
                                   marker_attribute=p['domino_marker_attribute'], marker_prefix=p['marker_prefix'],
                                   routed_domains=routed_domains(p))
    if profile.name_length('X' * 20) > profile.name_limit:
        raise SetupError(f'domino.contacts_base is too long: a contact\'s DN under it would pass Domino\'s '
                         f'{profile.name_limit}-character limit with a 20-character name')
    return profile


def prepare_exchange_to_domino(p: dict) -> Prepared:
    """``p``: domino_contact_sync's parameters. The returned client is open: the caller closes it."""
    profile = domino_profile(p)
    contacts_base = profile.contacts_base
    rule = MailboxRule(mail_systems=tuple(p['mailbox_mail_systems']), contacts_base=contacts_base,
                       marker_attribute=p['domino_marker_attribute'], marker_prefix=p['marker_prefix'])
    stopwatch = Stopwatch()
    # The three reads (the Exchange mailboxes, every Domino address, the contacts base) run at the
    # same time on their own connections: most of their time is the servers'.
    pool = ThreadPoolExecutor(max_workers=2)
    client = None
    try:
        reads: dict = {}
        sources_read = pool.submit(_timed, reads, 'read_source', _read_exchange_mailboxes, p)
        client = open_directory('domino', p['domino'])
        if not client.exists(contacts_base):
            raise SetupError(contacts_base_missing(contacts_base, client.settings.where))
        index_read = pool.submit(_timed, reads, 'read_addresses', _read_domino_index, client.settings, profile, rule)
        container = _timed(reads, 'read_container', read_domino_contacts, client, profile,
                           [a for a, _source in profile.attribute_map])
        index = index_read.result()
        sources, source_info = sources_read.result()
        stopwatch.lap('read')
        stopwatch.phases.update(reads)
        if index.marked_outside:
            raise SetupError(marked_outside_message(index.marked_outside, p['domino_marker_attribute'], p['marker_prefix'],
                                                    contacts_base), outside=index.marked_outside)
        # Names are unique in the whole directory, not only in the contacts base: a Notes user
        # typing a contact's name must not meet a Domino mailbox of the same name (D-11.3).
        the_plan = plan(sources, container.owned, index.addresses, container.foreign_names + index.names, profile,
                        limits_from(p), mailbox_addresses=index.mailboxes, frozen=container.frozen)
        if p.get('maintain_groups', True):
            # LDAP writes bypass AdminP (vendor facts D-7.4): the groups naming a contact renamed
            # or deleted here are updated as AdminP would, after the contact's own write.
            moves = contact_moves(the_plan.operations)
            groups = _timed(stopwatch.phases, 'read_groups', read_groups_naming, client, moves)
            the_plan.operations.extend(group_operations(moves, groups))
        stopwatch.lap('plan')
    except BaseException:
        if client is not None:
            client.close()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    target = {'directory': 'domino', 'server': client.settings.server, 'container': contacts_base,
              'rights': {'checked': False, 'why': 'Domino does not expose effective rights over LDAP'},
              'foreign_objects': container.foreign,
              # Several documents under one DN (replication or save conflicts, vendor facts D-4.3):
              # never written by that DN; for a Notes administrator to resolve.
              'duplicate_dns': container.duplicates,
              'skipped_referrals': sorted(set(index.referrals) | set(skipped_referrals(client)))}
    # member: a group update changes only the values naming the sync's contacts, value by value.
    return Prepared('exchange_to_domino', the_plan, client, source_info, target, list(profile.merged()) + ['member'],
                    '', stopwatch, Ownership(profile.marker_attribute, profile.anchor_of))


def run_direction(cm, prepare) -> None:
    """The whole of a sync module after its argument spec: prepare (read, check, plan), then
    finish (guard, apply unless check mode, report, exit). Fails the module with the admin's
    sentence when the direction cannot plan."""
    p = cm.params
    try:
        prepared = prepare(p)
    except SetupError as exc:
        details = {k: (v[:p['sample_size']] if isinstance(v, list) else v) for k, v in exc.details.items()}
        cm.module.fail_json(msg=exc.message, **details)
    except DirectoryError as exc:
        cm.fail(exc)
    try:
        finish(cm, direction=prepared.direction, plan=prepared.plan, client=prepared.client, merged=prepared.merged,
               source=prepared.source, target=prepared.target, refuse_writes=prepared.refuse,
               stopwatch=prepared.stopwatch, ownership=prepared.ownership)
    finally:
        prepared.client.close()
