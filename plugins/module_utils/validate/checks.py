# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Read-only probes of a real site before the first write: each one a line of a pass / warn /
fail table, naming the server it asked, what it checked, what it found and what to do.

Read-only by construction: the probes get a ReadOnlyDirectory, which exposes the searches of
LdapClient and nothing else, so no write call is reachable from here. A ``fail`` is a finding
that makes the sync unsafe (it fails the play); a ``warn`` is one the admin should look at but
the sync copes with (no paging, routing not configured yet); ``info`` only reports.

The cheap probes (binds, root DSEs, containers, rights, schema) are the sync playbooks'
preflight; the full set adds the reads that cost a full pass over a directory.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import asdict, dataclass

from ..dialects.ad import (
    MAILBOX_FILTER, MANAGED, MSEXCH_VERSION_AUTO, contact_write_rights, deletions_probe, discover_exchange,
    read_effective_rights, read_exchange_servers, resolve_msexch_version, server_major_version)
from ..dialects.domino import CONTACT_CLASSES, CONTACT_MANAGED, contacts_base_missing, forwarding_address, synthesized
from ..directory.client import PAGED_RESULTS_OID, SERVER_SIDE_SORT_OID
from ..directory.connection import connect, connection_settings
from ..directory.dn import dn_key, escape_filter_value
from ..directory.errors import DirectoryError
from ..directory.read_only import ReadOnlyDirectory
from ..engine.plan import RECIPIENT_KINDS
from ..routing.design import address_space_covers
from . import domino_delta, dynamic_groups

PASS, WARN, FAIL, INFO = 'pass', 'warn', 'fail', 'info'


@dataclass
class Check:
    status: str            # pass | warn | fail | info
    server: str            # which server was asked ('' for the site's design)
    check: str             # what was checked
    found: str             # what was found
    todo: str = ''         # what to do (empty when nothing)

    def as_dict(self) -> dict:
        return asdict(self)


# --- both directories ---

def check_bind(settings, label: str) -> tuple:
    """(an open LdapClient or None, [Check]): connect and bind exactly as the sync does."""
    try:
        client = connect(settings)
    except DirectoryError as exc:
        return None, [Check(FAIL, settings.server, f'{label}: connect and bind', exc.message,
                            'fix the connection settings (guide: Connecting to the directories)')]
    who = settings.bind_dn or ('the Kerberos ticket' if settings.sasl_mech else 'anonymous')
    return client, [Check(PASS, settings.server, f'{label}: connect and bind',
                          f'{client.bind_method} bind as {who} over {client.encryption}')]


def check_root_dse(directory: ReadOnlyDirectory, label: str) -> list:
    root = directory.root_dse()
    checks = [Check(INFO, directory.server, f'{label}: root DSE', f'vendor {root.vendor}; naming contexts '
                    f'{", ".join(root.naming_contexts) or "(none: the empty suffix)"}')]
    if PAGED_RESULTS_OID in root.supported_controls:
        checks.append(Check(PASS, directory.server, f'{label}: paged results control', 'advertised'))
    else:
        checks.append(Check(WARN, directory.server, f'{label}: paged results control',
                            'not advertised: the sync reads each container in one search',
                            'make sure no size limit below the directory\'s size applies to the sync account'))
    sort = 'advertised' if SERVER_SIDE_SORT_OID in root.supported_controls else 'not advertised (not needed)'
    checks.append(Check(INFO, directory.server, f'{label}: server-side sort control', sort))
    return checks


def check_paging(directory: ReadOnlyDirectory, label: str, base: str, filterstr: str) -> list:
    """Whether the server pages, asked by an actual paged search (the root DSE line says only what
    it advertises; HCL publishes no list of Domino's controls, vendor facts D-5), and what the sync
    will do with the page_size it is given."""
    advertised = directory.root_dse().supports_paging
    probe = directory.probe_paging(base, filterstr)
    said = {'pages': 'answered with pages', 'ignored': 'answered in one search (the control ignored)',
            'refused': 'refused'}[probe['outcome']]
    found = (f'{"advertised" if advertised else "not advertised"} in the root DSE; a paged search of {base!r} '
             f'{said} ({probe["detail"]})')
    check = f'{label}: paged search'
    unpaged = (f'the sync reads each container in one unpaged search, streamed: each answer must come within the '
               f'operation timeout ({directory.timeout:g} s), however long the whole read takes')
    if directory.page_size == 0:
        return [Check(INFO, directory.server, check, f'{found}; page_size is 0: {unpaged}')]
    if not advertised:
        return [Check(WARN, directory.server, check, f'{found}: {unpaged}',
                      'make sure no size limit below the directory\'s size applies to the sync account')]
    if probe['outcome'] == 'pages':
        return [Check(PASS, directory.server, check, f'{found}: the sync reads in pages of {directory.page_size}')]
    if probe['outcome'] == 'refused':
        return [Check(FAIL, directory.server, check, f'{found}: the sync would send the control and fail',
                      f'set page_size: 0 in the {label} connection settings, so the sync reads without paging')]
    return [Check(WARN, directory.server, check, f'{found}: the sync would wait for each whole "page" (the '
                  f'whole read) within one operation timeout',
                  f'set page_size: 0 in the {label} connection settings: the unpaged read has the timeout per answer')]


def check_full_read(directory: ReadOnlyDirectory, label: str, base: str, filterstr: str, what: str) -> tuple:
    """(entries, [Check]): one full read as the sync does it, with the pages and limits seen."""
    before = directory.pages_read
    try:
        entries = list(directory.search(base, filterstr, ['objectClass']))
    except DirectoryError as exc:
        return [], [Check(FAIL, directory.server, f'{label}: full read of {what}', exc.message,
                          'raise the size limit for the sync account, or enable paging')]
    pages = directory.pages_read - before
    how = (f'in {pages} page{"s" if pages != 1 else ""} (at most {directory.page_size} entries each)' if pages
           else 'in one search (no paging)')
    return entries, [Check(PASS, directory.server, f'{label}: full read of {what}', f'{len(entries)} entries {how}')]


# --- Domino ---

_NAMES = re.compile(r"NAME\s+(?:'([^']+)'|\(([^)]*)\))", re.IGNORECASE)


def schema_names(directory: ReadOnlyDirectory) -> tuple:
    """(attribute type names, object class names), lower-case, from the subschema entry."""
    root = directory.root_dse()
    subschema = root.entry.get('subschemaSubentry') or 'cn=schema'
    found = list(directory.search(subschema, '(objectClass=*)', ['attributeTypes', 'objectClasses'], scope='base'))
    if not found:
        return set(), set()

    def names(values) -> set:
        out = set()
        for value in values:
            match = _NAMES.search(value)
            if match:
                out.update(n.lower() for n in (match.group(1) or '').split() + re.findall(r"'([^']+)'", match.group(2) or ''))
        return out

    return names(found[0].values('attributeTypes')), names(found[0].values('objectClasses'))


def check_domino_schema(directory: ReadOnlyDirectory, needed_attributes: t.Iterable[str]) -> list:
    attributes, classes = schema_names(directory)
    where = f'{directory.root_dse().entry.get("subschemaSubentry") or "cn=schema"}'
    if not attributes:
        return [Check(WARN, directory.server, 'Domino: schema entry', f'{where} could not be read',
                      'let the sync account read cn=schema, then run validate again')]
    wanted_classes = {c.lower() for c in CONTACT_CLASSES}
    missing = sorted({a.lower() for a in needed_attributes} - attributes) + sorted(wanted_classes - classes)
    # dominoUNID and displayName are operational on Domino: whether cn=schema lists them is not
    # documented, so their absence there is only a warning (the full scope reads dominoUNID).
    operational = [m for m in missing if m in ('dominounid', 'displayname')]
    missing = [m for m in missing if m not in operational]
    checks = []
    if operational:
        checks.append(Check(WARN, directory.server, 'Domino: computed attributes in the schema',
                            f'not listed in {where}: {", ".join(operational)}',
                            'run validate with scope full: it reads dominoUNID from the Persons'))
    if missing:
        return checks + [Check(FAIL, directory.server, 'Domino: schema holds what the sync reads and writes',
                               f'missing in {where}: {", ".join(missing)}',
                               'check the names (attribute_map, domino_marker_attribute) or extend the Domino schema')]
    return checks + [Check(PASS, directory.server, 'Domino: schema holds what the sync reads and writes',
                           f'{len(set(needed_attributes))} attributes and {len(wanted_classes)} object classes '
                           f'found in {where}')]


def check_domino_persons(directory: ReadOnlyDirectory, base: str, mail_systems: t.Sequence[str],
                         contact_mail_system: str, marker_attribute: str, marker_prefix: str) -> list:
    """The MailSystem values on real mailboxes and on forwarding Persons (a histogram; the sync's
    own contacts left out), and whether dominoUNID comes back when asked for."""
    mailboxes, forwarded, with_unid, persons = {}, {}, 0, 0
    attributes = ['mailfile', 'mailsystem', 'mailaddress', 'dominoUNID', marker_attribute]
    for entry in directory.search(base, '(objectClass=dominoPerson)', attributes):
        if any(v.startswith(marker_prefix) for v in entry.values(marker_attribute)):
            continue                                  # a contact of this collection: it proves nothing
        persons += 1
        value = (entry.get('mailsystem') or '(none)').strip()
        if (entry.get('mailaddress') or '').strip():
            forwarded[value] = forwarded.get(value, 0) + 1
        elif (entry.get('mailfile') or '').strip():
            mailboxes[value] = mailboxes.get(value, 0) + 1
            with_unid += 1 if entry.get('dominoUNID') else 0

    def histogram(counts: dict) -> str:
        return ', '.join(f'{value}: {n}' for value, n in sorted(counts.items(), key=lambda kv: -kv[1])) or 'none'

    checks = []
    outside = {v: n for v, n in mailboxes.items() if v not in mail_systems}
    if not mailboxes:
        checks.append(Check(WARN, directory.server, 'Domino: MailSystem on Persons with a mail file',
                            f'no Person with a mail file among {persons}', 'check domino.mailbox_base'))
    elif outside:
        checks.append(Check(WARN, directory.server, 'Domino: MailSystem on Persons with a mail file',
                            f'{histogram(mailboxes)}; {sum(outside.values())} are not in mailbox_mail_systems '
                            f'{list(mail_systems)} and are not synced',
                            'if those are Notes mailboxes, add their value to coexist_domino_mail_systems'))
    else:
        checks.append(Check(PASS, directory.server, 'Domino: MailSystem on Persons with a mail file',
                            f'{histogram(mailboxes)} (value: Persons), all in mailbox_mail_systems {list(mail_systems)}'))
    if contact_mail_system in forwarded:
        checks.append(Check(PASS, directory.server, 'Domino: MailSystem on forwarding Persons',
                            f'{histogram(forwarded)} (value: Persons); the contacts\' value {contact_mail_system} is in '
                            f'use here'))
    else:
        checks.append(Check(WARN, directory.server, 'Domino: MailSystem on forwarding Persons',
                            f'{histogram(forwarded)} (value: Persons); the contacts\' value {contact_mail_system} is '
                            f'not seen',
                            'create one Person with "Other Internet Mail" in Domino Administrator and compare '
                            'its mailsystem with coexist_domino_contact_mail_system'))
    total = sum(mailboxes.values())
    if total and with_unid == total:
        checks.append(Check(PASS, directory.server, 'Domino: dominoUNID returned when asked for',
                            f'on all {total} Persons with a mail file'))
    elif total:
        checks.append(Check(FAIL, directory.server, 'Domino: dominoUNID returned when asked for',
                            f'on {with_unid} of {total} Persons with a mail file',
                            'the sync joins by dominoUNID: let the sync account read it (Domino 7+ directory, '
                            '"tell ldap reloadschema")'))
    return checks


def check_domino_addresses(directory: ReadOnlyDirectory, base: str, routed_domains: t.Sequence[str],
                           marker_attribute: str, marker_prefix: str, routing_domain: str = '') -> list:
    """What the vendor facts leave to the site (issue 13): mailboxes whose ``mail`` Domino
    synthesized from the Notes name (no Internet address, vendor facts D-11.1), the Internet
    domains of the mailboxes and those outside the routed domains, Persons sharing one DN
    (replication or save conflicts, D-4.3), and (``routing_domain`` given; the first routed domain
    is the shared, primary one) mailboxes no address in the routing domain reaches (D-11.6). Each
    is skipped by the sync; a warning says how many."""
    domains, synthesized_mail, outside, unreachable, persons = {}, [], [], [], 0
    by_dn: dict = {}
    attributes = ['mail', 'mailfile', 'mailaddress', 'cn', marker_attribute]
    routed = {d.lower() for d in routed_domains if d}
    for entry in directory.search(base, '(objectClass=dominoPerson)', attributes):
        by_dn.setdefault(dn_key(entry.dn), []).append(entry.dn)
        if any(v.startswith(marker_prefix) for v in entry.values(marker_attribute)):
            continue
        persons += 1
        mail = (entry.get('mail') or '').strip()
        if not mail or not (entry.get('mailfile') or '').strip() or (entry.get('mailaddress') or '').strip():
            continue                                   # not a mailbox
        if synthesized(mail):
            synthesized_mail.append(entry.dn)
            continue
        if '@' not in mail:
            continue                                   # no address at all: the sync reports it as invalid
        domain = mail.rsplit('@', 1)[-1].lower()
        domains[domain] = domains.get(domain, 0) + 1
        if routed and domain not in routed:
            outside.append(entry.dn)
        elif routing_domain and forwarding_address(mail, entry.values('cn'), (list(routed_domains) or [''])[0],
                                                   routing_domain)[1]:
            unreachable.append(entry.dn)
    shared = [dns[0] for dns in by_dn.values() if len(dns) > 1]
    server = directory.server
    checks = [Check(INFO, server, 'Domino: Internet domains of the mailboxes',
                    ', '.join(f'{d}: {n}' for d, n in sorted(domains.items(), key=lambda kv: -kv[1])) or 'none')]
    if synthesized_mail:
        checks.append(Check(WARN, server, 'Domino: mailboxes without an Internet address',
                            f'{len(synthesized_mail)} mailboxes return a mail Domino synthesized from the Notes name '
                            f'(first: {synthesized_mail[0]}); they are skipped',
                            'give them an Internet address in Domino if Exchange users should find them'))
    else:
        checks.append(Check(PASS, server, 'Domino: mailboxes without an Internet address',
                            'no mailbox returns a mail synthesized from the Notes name (a synthesized short-name '
                            'or conversion-rule address cannot be told over LDAP)'))
    if outside:
        checks.append(Check(WARN, server, 'Domino: mailboxes outside the routed domains',
                            f'{len(outside)} mailboxes have an address outside {sorted(routed)} (first: {outside[0]}); '
                            f'they are skipped',
                            'add the shared domain\'s aliases to coexist_routed_domains'))
    if unreachable:
        checks.append(Check(WARN, server, 'Domino: mailboxes the routing domain does not reach',
                            f'{len(unreachable)} mailboxes have an address in an alias of {routed_domains[0]} and none in '
                            f'{routing_domain} (first: {unreachable[0]}): Domino would look <local part>@{routing_domain} '
                            f'up as <local part>@{routed_domains[0]}, not theirs; they are skipped',
                            f'give them an Internet address in {routed_domains[0]}, or add <local part>@{routing_domain} '
                            f'to their User name field'))
    if shared:
        checks.append(Check(WARN, server, 'Domino: several documents under one DN',
                            f'{len(shared)} DNs return more than one Person (replication or save conflicts; first: '
                            f'{shared[0]}); the sync writes none of them',
                            'resolve the conflict documents in Notes'))
    else:
        checks.append(Check(PASS, server, 'Domino: several documents under one DN', f'none among {persons} Persons'))
    return checks


def check_domino_groups(directory: ReadOnlyDirectory, contacts_base: str, marker_attribute: str,
                        marker_prefix: str) -> list:
    """How many Domino groups name the sync's contacts: the groups ``maintain_groups`` updates when
    a contact is renamed or deleted. Domino exposes no effective rights over LDAP, so whether the
    sync account may change them (Editor, or Author with GroupModifier, vendor facts D-11.4) is
    shown as unchecked; a refusal is reported per group by the sync."""
    if not contacts_base:
        return []
    contacts = {dn_key(e.dn) for e in directory.search(contacts_base, '(objectClass=dominoPerson)', [marker_attribute])
                if any(v.startswith(marker_prefix) for v in e.values(marker_attribute))}
    groups = [e.dn for e in directory.search('', '(objectClass=dominoGroup)', ['member'])
              if any(dn_key(m) in contacts for m in e.values('member'))] if contacts else []
    return [Check(INFO, directory.server, 'Domino: groups naming the sync\'s contacts',
                  f'{len(groups)} groups name some of the {len(contacts)} contacts'
                  + (f' (first: {groups[0]})' if groups else '')
                  + '; the right to change their members cannot be read over LDAP',
                  'give the sync account Editor, or Author with the GroupModifier role, in the Domino Directory ACL, '
                  'or set coexist_domino_maintain_groups: false' if groups else '')]


def check_domino_contacts_base(directory: ReadOnlyDirectory, contacts_base: str) -> list:
    if not contacts_base:
        return [Check(FAIL, directory.server, 'Domino: contacts base', 'domino.contacts_base is not set',
                      'set it to the OU dedicated to the Exchange contacts')]
    if not directory.exists(contacts_base):
        return [Check(FAIL, directory.server, 'Domino: contacts base', f'{contacts_base} does not exist',
                      contacts_base_missing(contacts_base, directory.where))]
    return [Check(PASS, directory.server, 'Domino: contacts base', f'{contacts_base} exists'),
            Check(INFO, directory.server, 'Domino: rights of the sync account',
                  'not exposed over LDAP (Domino has no effective-rights attribute)',
                  'check the names.nsf ACL: Author with UserCreator and UserModifier and "Delete documents", '
                  'or Editor; and "Allow LDAP users write access" on the server')]


def check_domino_version(directory: ReadOnlyDirectory) -> list:
    version = directory.root_dse().entry.get('dominoMajMinVersion')
    if version:
        return [Check(PASS, directory.server, 'Domino: dominoMajMinVersion', version)]
    return [Check(WARN, directory.server, 'Domino: dominoMajMinVersion', 'not in the root DSE',
                  'is domino.server a Domino server? (Domino publishes it in its root DSE)')]


# --- AD and Exchange ---

AD_NEEDED = sorted(set(MANAGED) | {'targetAddress', 'msExchVersion', 'legacyExchangeDN', 'msExchHideFromAddressLists',
                                   'homeMDB', 'msExchHomeServerName', 'msExchRecipientTypeDetails'})


def check_ad_schema(directory: ReadOnlyDirectory, needed: t.Iterable[str]) -> list:
    schema = directory.root_dse().entry.get('schemaNamingContext')
    needed = sorted(set(needed))
    filterstr = '(|' + ''.join(f'(lDAPDisplayName={escape_filter_value(n)})' for n in needed) + ')'
    found = {(e.get('lDAPDisplayName') or '').lower()
             for e in directory.search(schema, f'(&(objectClass=attributeSchema){filterstr})', ['lDAPDisplayName'],
                                       scope='onelevel')}
    missing = [n for n in needed if n.lower() not in found]
    if missing:
        return [Check(FAIL, directory.server, 'AD: Exchange schema attributes', f'missing: {", ".join(missing)}',
                      'extend the schema with Exchange\'s (setup /PrepareSchema), or correct attribute_map')]
    return [Check(PASS, directory.server, 'AD: Exchange schema attributes', f'all {len(needed)} found in {schema}')]


def check_exchange_organisation(directory: ReadOnlyDirectory, organisation: str | None,
                                address_lists: t.Sequence[str] | None, needed: bool = True) -> tuple:
    """(the organisation's DN or None, [Check]): the organisation, its GAL and All Contacts.
    ``needed``: the AD contacts need them (domino_to_exchange); otherwise a problem is a warning."""
    config = directory.root_dse().entry.get('configurationNamingContext')
    problem = FAIL if needed else WARN
    exchange = discover_exchange(directory, config, organisation)
    if not exchange['organisation']:
        if organisation and address_lists:          # the sync does not look for them either
            return None, [Check(INFO, directory.server, 'AD: Exchange organisation',
                                f'{organisation} (given, with the address lists; not found by that name under '
                                f'CN=Microsoft Exchange,CN=Services: routing is not checked)')]
        return None, [Check(problem, directory.server, 'AD: Exchange organisation',
                            f'no single organisation found (found: {exchange["organisations_found"] or "none"})',
                            'set coexist_exchange_organization')]
    org_dn = f'CN={exchange["organisation"]},CN=Microsoft Exchange,CN=Services,{config}'
    checks = [Check(PASS, directory.server, 'AD: Exchange organisation', exchange['organisation'])]
    lists = list(address_lists or exchange['address_lists'])
    if not address_lists and exchange['missing_lists']:
        checks.append(Check(problem, directory.server, 'AD: address lists (GAL, All Contacts)',
                            f'not found: {", ".join(exchange["missing_lists"])}',
                            'a translated or multi-GAL site: set coexist_address_lists'))
    for dn in lists:
        state = PASS if directory.exists(dn) else problem
        checks.append(Check(state, directory.server, 'AD: address list resolves', dn,
                            '' if state == PASS else 'correct coexist_address_lists'))
    return org_dn, checks


def check_msexch_version(directory: ReadOnlyDirectory, setting: str) -> list:
    """What msExchVersion new contacts will get (vendor facts X-6.9), as the sync decides it: with
    auto, the Exchange servers' versions read and the lowest taken."""
    config = directory.root_dse().entry.get('configurationNamingContext')
    setting = setting or MSEXCH_VERSION_AUTO
    servers = read_exchange_servers(directory, config) if setting == MSEXCH_VERSION_AUTO else []
    found = resolve_msexch_version(setting, servers)
    unknown = setting == MSEXCH_VERSION_AUTO and not any(server_major_version(s) for _dn, s in servers)
    return [Check(WARN if unknown else INFO, directory.server, 'AD: msExchVersion of new contacts',
                  f'{found["value"]} (Exchange {found["exchange"]}): {found["why"]}',
                  'set msexch_version (coexist_msexch_version) to the oldest Exchange version still in use'
                  if unknown else '')]


def check_ad_contacts_ou(directory: ReadOnlyDirectory, contacts_ou: str, marker_attribute: str,
                         marker_prefix: str, written: t.Sequence[str] = MANAGED, label: str = 'contacts OU') -> list:
    """The OU exists, the sync account may create contacts there and write every attribute the
    sync writes (``written``: the managed ones, the mapped fields, the marker) on its contacts.
    ``label``: which OU the checks name (the contacts OU, or the OU of a kind, kind_ous)."""
    if not contacts_ou:
        return [Check(FAIL, directory.server, f'AD: {label}', 'ad.contacts_ou is not set',
                      'set it to the OU dedicated to the Domino contacts')]
    if not directory.exists(contacts_ou):
        return [Check(FAIL, directory.server, f'AD: {label}', f'{contacts_ou} does not exist',
                      'create it (the sync owns it)')]
    rights = read_effective_rights(directory, contacts_ou)
    where = '' if label == 'contacts OU' else f' ({label})'
    checks = [Check(PASS, directory.server, f'AD: {label}', f'{contacts_ou} exists')]
    if rights.get('can_create_contacts'):
        checks.append(Check(PASS, directory.server, f'AD: the sync account may create contacts there{where}',
                            'allowedChildClassesEffective includes contact'))
    else:
        checks.append(Check(FAIL, directory.server, f'AD: the sync account may create contacts there{where}',
                            'allowedChildClassesEffective does not include contact',
                            'grant it create/delete contact objects on the OU and full control of the contacts'))
    # The same read ad_contact_sync makes before it writes to its contacts.
    owned, missing = contact_write_rights(directory, contacts_ou, marker_attribute, marker_prefix, written)
    if owned is None:
        checks.append(Check(INFO, directory.server, f'AD: the sync account may write the contacts\' attributes{where}',
                            'no contact of the sync yet: checked on one of them once there is one (the sync checks '
                            'it too before it writes to its contacts)'))
    else:
        state = FAIL if missing else PASS
        checks.append(Check(state, directory.server, f'AD: the sync account may write the contacts\' attributes{where}',
                            f'on {owned}: ' + (f'not writable: {", ".join(missing)}' if missing else
                                               'allowedAttributesEffective covers every attribute the sync writes'),
                            'grant write on these attributes of contact objects' if missing else ''))
    return checks


def check_supersede_rights(directory: ReadOnlyDirectory, contacts_ou: str, marker_attribute: str, marker_prefix: str,
                           mailbox_bases: t.Sequence[str], supersede: str, limit: int = 50) -> list:
    """What ``supersede: merge`` needs (vendor facts X-6.4): WriteProperty on proxyAddresses of the
    mailboxes (the X500 value) and on member of the groups the sync's contacts are in (the mailbox
    takes the contact's place). Read as AD computes it (allowedAttributesEffective), on one mailbox
    per base and on the groups of up to ``limit`` contacts; a missing right is a warning: that
    contact's merge is refused and the contact kept, the rest of the sync runs."""
    needs = ('supersede: merge needs WriteProperty on proxyAddresses of the mailboxes and on member of the groups '
             'the sync\'s contacts are in')
    if supersede != 'merge':
        return [Check(INFO, directory.server, 'AD: rights for supersede', f'supersede: {supersede}: a superseded '
                      f'contact is deleted, its X500 value and groups are only reported ({needs})')]
    checks = []
    for base in mailbox_bases:
        mailbox = next(iter(directory.search(base, MAILBOX_FILTER, ['allowedAttributesEffective'], page_size=1)), None)
        if mailbox is None:
            continue
        writable = {a.lower() for a in mailbox.values('allowedAttributesEffective')}
        ok = 'proxyaddresses' in writable
        checks.append(Check(PASS if ok else WARN, directory.server, 'AD: supersede: merge may write a mailbox\'s '
                            'proxyAddresses', f'on {mailbox.dn}: ' + ('writable' if ok else 'not writable'),
                            '' if ok else f'grant the sync account WriteProperty on proxyAddresses of user objects '
                                          f'under {base} (or set coexist_supersede: delete)'))
    groups: dict = {}
    for contact in directory.search(contacts_ou, f'({marker_attribute}={escape_filter_value(marker_prefix)}*)',
                                    ['memberOf'], scope='onelevel'):
        for group in contact.values('memberOf'):
            groups.setdefault(dn_key(group), group)
        if len(groups) >= limit:
            break
    closed = []
    for group in list(groups.values())[:limit]:
        found = next(iter(directory.search(group, '(objectClass=*)', ['allowedAttributesEffective'], scope='base')), None)
        if found is not None and 'member' not in {a.lower() for a in found.values('allowedAttributesEffective')}:
            closed.append(group)
    if not groups:
        checks.append(Check(INFO, directory.server, 'AD: supersede: merge may write the groups\' member',
                            'no group has a contact of the sync as a member yet'))
    else:
        checks.append(Check(WARN if closed else PASS, directory.server,
                            'AD: supersede: merge may write the groups\' member',
                            f'{len(groups)} groups have contacts of the sync as members; ' +
                            (f'member not writable on {len(closed)}: {", ".join(closed[:5])}' if closed else
                             'member is writable on every one'),
                            f'grant the sync account WriteProperty on member of these groups, or their contacts are '
                            f'kept when their mailbox arrives ({needs})' if closed else ''))
    return checks


def check_delta_deletions(directory: ReadOnlyDirectory) -> list:
    """How a delta run of exchange_to_domino would find deleted mailboxes: from the tombstones
    when the sync account can list CN=Deleted Objects (the same probe the delta run makes), else
    by reading every user's objectGUID, which costs about as much as a full read (architecture.rst
    "Delta runs")."""
    found = deletions_probe(directory, directory.root_dse().entry.get('defaultNamingContext'))
    if found.container:
        return [Check(PASS, directory.server, 'AD: deletions for delta runs',
                      f'tombstones listed in {found.container}: a delta run reads only those since its watermark')]
    return [Check(INFO, directory.server, 'AD: deletions for delta runs',
                  f'{found.why}; a delta run finds deleted mailboxes by reading every user\'s objectGUID instead, '
                  f'which costs about as much as a full read', 'only for fast delta runs (coexist_delta): grant the '
                  'right named, on the domain of the mailbox bases')]


def direction_kinds(p: dict, name: str) -> list:
    """The kinds direction ``name`` reads: its own set when the playbook gives one
    (coexist_<direction>_kinds), else the shared one (coexist_sync_kinds), as the sync playbooks
    hand them to each direction's sync module."""
    own = p.get(f'{name}_kinds')
    return p.get('kinds') if own is None else own


def check_domino_change_time(directory: ReadOnlyDirectory, base: str) -> list:
    """Whether Domino gives a change time a delta run could read (domino_delta.py)."""
    return [Check(*domino_delta.change_time(directory, base))]


def check_domino_name_matching(directory: ReadOnlyDirectory, base: str) -> list:
    """Whether a cn search on Domino folds case and accents (domino_delta.py)."""
    return [Check(*domino_delta.name_matching(directory, base))]


def check_dynamic_groups(directory: ReadOnlyDirectory, bases: t.Sequence[str]) -> list:
    """Whether the DC shows dynamic distribution groups to the sync account (dynamic_groups.py)."""
    return [Check(*dynamic_groups.probe(directory, bases))]


def check_global_catalog(settings) -> list:
    if settings is None:
        return [Check(INFO, '', 'AD: Global Catalog', 'not configured: addresses are unique in the domain read')]
    try:
        with connect(settings) as client:
            ready = (client.root_dse().entry.get('isGlobalCatalogReady') or '').upper() == 'TRUE'
    except DirectoryError as exc:
        return [Check(FAIL, settings.server, 'AD: Global Catalog answers', exc.message, 'fix ad.global_catalog')]
    if not ready:
        return [Check(WARN, settings.server, 'AD: Global Catalog answers', 'it answers, but its root DSE does not say '
                      'isGlobalCatalogReady: TRUE', 'point ad.global_catalog at a Global Catalog (port 3268/3269)')]
    return [Check(PASS, settings.server, 'AD: Global Catalog answers', 'bound; isGlobalCatalogReady: TRUE')]


# --- Exchange routing (configuration partition) ---

ACCEPTED_TYPES = {0: 'Authoritative', 1: 'ExternalRelay', 2: 'InternalRelay'}


def check_routing(directory: ReadOnlyDirectory, org_dn: str, shared_domain: str, domino_routing_domain: str,
                  exchange_routing_domain: str, last_hop: str | None) -> list:
    """The shared domain's accepted-domain type and the send connectors for the shared and
    routing domains, against ``last_hop`` when given. Never a fail: routing does not make the
    sync unsafe, and a site may configure it after the first sync."""
    server = directory.server
    accepted = {}
    for entry in directory.search(org_dn, '(objectClass=msExchAcceptedDomain)',
                                  ['msExchAcceptedDomainName', 'msExchAcceptedDomainFlags']):
        name = (entry.get('msExchAcceptedDomainName') or '').lower()
        accepted[name] = int(entry.get('msExchAcceptedDomainFlags') or 0) & 3
    connectors = [(entry.get('cn') or entry.dn, entry.values('routingList'), entry.get('msExchSmtpSmartHost') or '')
                  for entry in directory.search(org_dn, '(objectClass=msExchRoutingSMTPConnector)',
                                                ['cn', 'routingList', 'msExchSmtpSmartHost'])]
    checks = []
    if not accepted and not connectors:
        return [Check(WARN, server, 'Exchange routing', 'no accepted domain and no send connector found in '
                      f'{org_dn}', 'configure routing (the mail_routing playbook), or check read access to the '
                      'configuration partition')]
    kind = accepted.get(shared_domain.lower())
    if kind is None:
        checks.append(Check(WARN, server, f'Exchange routing: accepted domain {shared_domain}', 'not found',
                            'add the shared domain as an accepted domain'))
    else:
        found = ACCEPTED_TYPES.get(kind, str(kind))
        expected = {'domino': 'InternalRelay', 'exchange': 'Authoritative'}.get(last_hop or '')
        if expected and found != expected:
            checks.append(Check(WARN, server, f'Exchange routing: accepted domain {shared_domain}',
                                f'{found}, but coexist_last_hop is {last_hop}, which needs {expected}',
                                f'set {shared_domain} to {expected} (mail_routing playbook), or correct '
                                f'coexist_last_hop'))
        else:
            checks.append(Check(PASS if expected else INFO, server, f'Exchange routing: accepted domain {shared_domain}',
                                found + ('' if expected else ' (coexist_last_hop not given: reported only)')))
    for domain, why in ((domino_routing_domain, 'Domino routing domain'),
                        (shared_domain if last_hop == 'domino' else '', 'shared domain, Domino is the last hop')):
        if not domain:
            continue
        covering = [f'{name} -> {smart_host or "DNS"}' for name, spaces, smart_host in connectors
                    if any(address_space_covers(space, domain) for space in spaces)]
        checks.append(Check(PASS if covering else WARN, server, f'Exchange routing: send connector for {domain} ({why})',
                            '; '.join(covering) or 'none covers it',
                            '' if covering else 'add a send connector to the Domino SMTP hosts for it'))
    if exchange_routing_domain:
        kind = accepted.get(exchange_routing_domain.lower())
        state = PASS if kind == 0 else WARN
        checks.append(Check(state, server, f'Exchange routing: accepted domain {exchange_routing_domain}',
                            'not found' if kind is None else ACCEPTED_TYPES.get(kind, str(kind)),
                            '' if state == PASS else 'make the Exchange routing domain an authoritative accepted '
                                                     'domain stamped on every mailbox by an email address policy'))
    return checks


DOMINO_NEEDED = sorted({'dominoUNID', 'mailfile', 'mailsystem', 'mailaddress', 'mail', 'cn', 'sn', 'givenName', 'uid',
                        'displayName'} | set(CONTACT_MANAGED))


# --- the whole validation ---

def read_only(side_params: dict) -> dict:
    """A connection option dict whose connections refuse every write (see LdapClient._write)."""
    return dict(side_params or {}, read_only=True)


def _probe(checks: list, label: str, server: str, function, *args):
    """Run one probe; a directory error becomes its own FAIL line and the other probes go on."""
    try:
        found = function(*args)
    except DirectoryError as exc:
        checks.append(Check(FAIL, exc.server or server, label, exc.message, 'see the message'))
        return None
    if isinstance(found, tuple):                      # (value, checks) probes
        checks.extend(found[1])
        return found[0]
    checks.extend(found)
    return found


def run_checks(p: dict, full: bool, directions: t.Sequence[str] = ('domino_to_exchange', 'exchange_to_domino')) -> list:
    """Every probe for the parameters of the validate module (the sync's variables), in the order
    of the table: both directories, Domino, AD and Exchange, routing. ``full`` adds the probes
    that read a directory in full (limits, MailSystem histogram, dominoUNID). The container a
    direction writes to, and what only that direction needs, are checked only for the
    ``directions`` given. Every connection is read-only."""
    checks = []
    directories = {}
    for side, label in (('ad', 'AD'), ('domino', 'Domino')):
        settings = connection_settings(side, p[side], read_only=True)
        if settings is None:
            checks.append(Check(FAIL, '', f'{label}: connection', f'{side}.server is not set',
                                f'set coexist_{side}.server or COEXIST_{side.upper()}_SERVER'))
            continue
        client, found = check_bind(settings, label)
        checks += found
        if client is not None:
            directories[side] = (client, ReadOnlyDirectory(client))
    d2e, e2d = 'domino_to_exchange' in directions, 'exchange_to_domino' in directions
    try:
        if 'domino' in directories:
            domino = directories['domino'][1]
            server = domino.server
            _probe(checks, 'Domino: root DSE', server, check_root_dse, domino, 'Domino')
            _probe(checks, 'Domino: paged search', server, check_paging, domino, 'Domino',
                   p['domino']['mailbox_base'], '(objectClass=dominoPerson)')
            _probe(checks, 'Domino: dominoMajMinVersion', server, check_domino_version, domino)
            mapped = [d for _ad_name, d in (p['attribute_map'] or {}).items() if d]
            _probe(checks, 'Domino: schema', server, check_domino_schema, domino,
                   DOMINO_NEEDED + [p['domino_marker_attribute']] + mapped)
            if e2d:
                _probe(checks, 'Domino: contacts base', server, check_domino_contacts_base, domino,
                       p['domino'].get('contacts_base') or '')
            if full:
                _probe(checks, 'Domino: full read of the Persons', server, check_full_read, domino, 'Domino',
                       p['domino']['mailbox_base'], '(objectClass=dominoPerson)', 'the Persons')
                _probe(checks, 'Domino: Persons', server, check_domino_persons, domino, p['domino']['mailbox_base'],
                       p['mailbox_mail_systems'], p['contact_mail_system'], p['domino_marker_attribute'], p['marker_prefix'])
                _probe(checks, 'Domino: addresses', server, check_domino_addresses, domino, p['domino']['mailbox_base'],
                       [p['shared_domain']] + list(p.get('routed_domains') or []), p['domino_marker_attribute'],
                       p['marker_prefix'], p.get('domino_routing_domain') or '')
                if e2d:
                    _probe(checks, 'Domino: groups', server, check_domino_groups, domino,
                           p['domino'].get('contacts_base') or '', p['domino_marker_attribute'], p['marker_prefix'])
                # What the delta runs not built yet would need of Domino (domino_delta.py): a change
                # time for a Domino source, cn searches that fold accents for a Domino target.
                if d2e:
                    _probe(checks, domino_delta.CHANGE_TIME, server, check_domino_change_time, domino,
                           p['domino']['mailbox_base'])
                if e2d:
                    _probe(checks, domino_delta.NAME_MATCHING, server, check_domino_name_matching, domino,
                           p['domino']['mailbox_base'])
        if 'ad' in directories:
            ad = directories['ad'][1]
            server = ad.server
            _probe(checks, 'AD: root DSE', server, check_root_dse, ad, 'AD')
            mapped = [a for a, d in (p['attribute_map'] or {}).items() if d]
            _probe(checks, 'AD: Exchange schema attributes', server, check_ad_schema, ad,
                   AD_NEEDED + [p['ad_marker_attribute']] + mapped)
            org_dn = _probe(checks, 'AD: Exchange organisation', server, check_exchange_organisation, ad,
                            p['exchange_organization'], p['address_lists'], d2e)
            if d2e:
                _probe(checks, 'AD: msExchVersion of new contacts', server, check_msexch_version, ad,
                       p.get('msexch_version') or MSEXCH_VERSION_AUTO)
                _probe(checks, 'AD: contacts OU', server, check_ad_contacts_ou, ad, p['ad'].get('contacts_ou') or '',
                       p['ad_marker_attribute'], p['marker_prefix'], MANAGED + mapped + [p['ad_marker_attribute']])
                # The OU of each kind given one (kind_ous): checked as the contacts OU is.
                for kind, ou in sorted((k, v) for k, v in (p.get('kind_ous') or {}).items() if v):
                    _probe(checks, f'AD: OU of the kind {kind}', server, check_ad_contacts_ou, ad, ou,
                           p['ad_marker_attribute'], p['marker_prefix'], MANAGED + mapped + [p['ad_marker_attribute']],
                           f'OU of the kind {kind}')
                if full and p['ad'].get('contacts_ou') and ad.exists(p['ad']['contacts_ou']):
                    _probe(checks, 'AD: rights for supersede', server, check_supersede_rights, ad,
                           p['ad']['contacts_ou'], p['ad_marker_attribute'], p['marker_prefix'],
                           p['ad'].get('mailbox_bases') or [ad.root_dse().entry.get('defaultNamingContext')],
                           p.get('supersede') or 'merge')
            if e2d:
                _probe(checks, 'AD: deletions for delta runs', server, check_delta_deletions, ad)
            e2d_kinds = direction_kinds(p, 'exchange_to_domino')
            if e2d and full and 'group' in (RECIPIENT_KINDS if e2d_kinds is None else e2d_kinds):
                _probe(checks, dynamic_groups.CHECK, server, check_dynamic_groups, ad,
                       p['ad'].get('mailbox_bases') or [ad.root_dse().entry.get('defaultNamingContext')])
            gc = p['ad'].get('global_catalog')
            checks += check_global_catalog(connection_settings('ad', p['ad'], server=gc, read_only=True) if gc else None)
            if full:
                for base in p['ad']['mailbox_bases'] or [ad.root_dse().entry.get('defaultNamingContext')]:
                    _probe(checks, f'AD: full read of the users under {base}', server, check_full_read, ad, 'AD', base,
                           '(&(objectCategory=person)(objectClass=user))', f'the users under {base}')
            if org_dn and full:
                _probe(checks, 'Exchange routing', server, check_routing, ad, org_dn, p['shared_domain'],
                       p['domino_routing_domain'], p['exchange_routing_domain'], p['last_hop'])
    finally:
        for client, _directory in directories.values():
            client.close()
    return checks


def table(checks: list) -> list:
    """The checks as aligned text lines, for the job output and validate.txt."""
    lines = []
    for c in checks:
        line = f'{c.status.upper():4}  {c.check}: {c.found}'
        if c.server:
            line += f'  [{c.server}]'
        if c.todo:
            line += f'  -> {c.todo}'
        lines.append(line)
    return lines
