#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: ad_contact_sync
short_description: Make the mail contacts in a dedicated AD OU match the Domino mailboxes
version_added: 0.1.0
description:
  - Every Domino mailbox becomes a mail-enabled contact in O(ad.contacts_ou) with the full Exchange
    recipient profile, so it appears in the Exchange global address list and "All Contacts" without
    any Exchange-side step; mail sent to it goes to C(<local part>@<domino_routing_domain>).
  - Adds, changes, renames and deletions in Domino flow to AD. A contact is joined to its Domino
    Person by C(dominoUNID), so a rename in Domino renames the contact (its C(objectGUID) stays).
  - Only contacts inside O(ad.contacts_ou) that carry the ownership marker are ever changed or
    deleted; anything else there is reported and left alone. Marked objects found outside the OU
    make the module refuse to run.
  - Addresses are unique forest-wide (read from O(ad.global_catalog) when given). A Domino mailbox
    whose address belongs to another recipient is not written and is reported as a conflict; when
    a real mailbox takes the address of an existing contact (a user migrated), the contact is
    deleted.
  - Reads Domino in the same process (O(domino)), or takes O(records) from
    M(coexist.domino_exchange.domino_mailbox_info).
  - The guide "The AD contact profile" explains each attribute written.
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.AD
  - coexist.domino_exchange.directories.DOMINO
  - coexist.domino_exchange.sync
  - coexist.domino_exchange.directories.ACTION_GROUP_BOTH
options:
  records:
    description:
      - Source records as M(coexist.domino_exchange.domino_mailbox_info) returns them. When given,
        Domino is not read and O(domino) is not needed.
    type: list
    elements: dict
  shared_domain:
    description: The SMTP domain Domino and Exchange share (C(coexist_shared_domain)).
    type: str
    required: true
  domino_routing_domain:
    description:
      - The domain only Domino accepts (C(coexist_domino_routing_domain)); a contact's
        C(targetAddress) is C(SMTP:<local part>@<this domain>).
      - Empty for a same-namespace design, where the target address is the address itself.
    type: str
    default: ''
  exchange_routing_domain:
    description:
      - The domain only Exchange accepts (C(coexist_exchange_routing_domain)). Addresses in it on a
        contact belong to the sync, like those in the shared and Domino routing domains.
    type: str
    default: ''
  attribute_map:
    description:
      - Address-book fields, AD attribute to Domino attribute (C(coexist_attribute_map)). A null
        value stops syncing that field and leaves existing values alone.
    type: dict
    default: {title: title, telephoneNumber: telephonenumber}
  mail_systems:
    description: MailSystem values that make a Domino Person a mailbox (see M(coexist.domino_exchange.domino_mailbox_info)).
    type: list
    elements: str
    default: ['1']
  exchange_organization:
    description:
      - The Exchange organisation name, for C(legacyExchangeDN). Found in the configuration
        partition when not given.
    type: str
  address_lists:
    description:
      - DNs of the address lists the contacts show in (C(showInAddressBook)). By default the
        organisation's "Default Global Address List" and "All Contacts", found by their well-known
        names; give them for translated or multi-GAL sites.
    type: list
    elements: str
  msexch_version:
    description: C(msExchVersion) written on new contacts. The default is the Exchange 2013-and-later value.
    type: str
    default: '88218628259840'
  marker_attribute:
    description: The attribute that marks the contacts this module owns, written in the same add as the contact.
    type: str
    default: adminDescription
  marker_prefix:
    description: The marker's value is this prefix followed by the source anchor.
    type: str
    default: 'coexist.domino_exchange:'
  domino_marker_attribute:
    description: The attribute marking the Domino-side contacts of this collection (never read as mailboxes).
    type: str
    default: employeeType
attributes:
  check_mode:
    support: full
    description: Computes the same plan from the same reads and writes nothing; rights are read, not trial-written.
  diff_mode:
    support: full
    description: Before and after per object, capped at O(diff_limit); the full plan is in the report.
notes:
  - Conflicts and skipped sources are the normal state of a migration; they are reported and the
    task succeeds. Writes the server refuses fail the task at the end, after the other objects.
  - Samba accepts names AD refuses (longer than 64 characters, accent twins); the module follows
    Windows AD's rules.
seealso:
  - module: coexist.domino_exchange.domino_mailbox_info
  - name: The AD contact profile
    description: Each attribute a contact carries, why, and what Exchange would otherwise stamp.
    link: https://github.com/coexist/domino_exchange/blob/main/docs/docsite/rst/guide_ad_contact_profile.rst
'''

EXAMPLES = r'''
- name: Domino mailboxes become contacts in AD (Domino read in the same process)
  coexist.domino_exchange.ad_contact_sync:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    shared_domain: "{{ coexist_shared_domain }}"
    domino_routing_domain: "{{ coexist_domino_routing_domain }}"
    exchange_routing_domain: "{{ coexist_exchange_routing_domain }}"
    max_deletes: "{{ coexist_max_deletes }}"
    max_delete_percent: "{{ coexist_max_delete_percent }}"
    report_dir: "{{ coexist_report_dir }}/domino_to_exchange"
  register: ad_contacts

- name: A report only (run the task in check mode, with --diff to see each change)
  coexist.domino_exchange.ad_contact_sync:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    shared_domain: example.com
    domino_routing_domain: domino.example.com
  check_mode: true

- name: From records read earlier (small directories only)
  coexist.domino_exchange.ad_contact_sync:
    ad: "{{ coexist_ad }}"
    records: "{{ domino_mailboxes.mailboxes }}"
    shared_domain: example.com
    domino_routing_domain: domino.example.com
    allow_delete: false
'''

RETURN = r'''
counts:
  description: Operations planned (and, in a real run, done, failed, not attempted), conflicts, skips.
  returned: always
  type: dict
  sample: {create: 3, update: 1, rename: 0, delete: 0, conflict: 2, skip: 1, warning: 0, unchanged: 320,
           managed: 321, sources: 326, done: 4, failed: 0, not_attempted: 0, suppressed: 0}
outcome:
  description: V(ok), V(errors) (some writes refused), V(aborted) (connection lost) or V(guard_blocked).
  returned: always
  type: str
  sample: ok
samples:
  description: Up to O(sample_size) DNs per operation, and the first conflicts and skips.
  returned: always
  type: dict
  sample:
    create: ["CN=Anna Abbott,OU=Domino Contacts,DC=corp,DC=example,DC=com"]
    conflicts: ["migrated.user@example.com belongs to CN=Walter Barker,OU=Exchange Users,DC=corp (user)"]
summary:
  description: A few readable lines about the run.
  returned: always
  type: list
  elements: str
guard:
  description: The deletion guard's inputs and decision.
  returned: always
  type: dict
  sample: {blocked: false, reason: null, managed: 321, deletes: 0, max_deletes: 500, max_delete_percent: 10.0}
timings:
  description:
    - Seconds per phase (read, the three reads running side by side; plan; apply; report; total)
      and the peak memory of the module process in MB.
  returned: always
  type: dict
  sample: {read: 0.61, plan: 0.08, apply: 3.1, report: 0.05, total: 3.9, peak_rss_mb: 61.3}
report:
  description: Paths of the report files.
  returned: when O(report_dir) is set
  type: dict
  sample: {report: /runner/project/coexist-reports/domino_to_exchange/report.json}
errors:
  description: The first writes the server refused.
  returned: when writes failed
  type: list
  elements: dict
'''

from concurrent.futures import ThreadPoolExecutor

from ..module_utils._ad import (
    AdContactProfile, discover_exchange, read_address_index, read_container, read_effective_rights)
from ..module_utils._domino import MailboxRule, read_mailboxes
from ..module_utils._ldap import DirectoryError, LdapClient
from ..module_utils._module import CoexistModule
from ..module_utils._options import connection_settings
from ..module_utils._plan import SourceRecord, plan
from ..module_utils._sync import DEFAULT_ATTRIBUTE_MAP, SYNC_OPTIONS, Stopwatch, attribute_fields, finish, limits_from, marked_outside_message

DIRECTION = 'domino_to_exchange'


def read_sources(p: dict, settings) -> tuple:
    """The Domino mailboxes: from ``records``, or read from Domino (``settings``) in this process.
    Runs in a worker thread: raises DirectoryError, never exits the module."""
    fields = attribute_fields(p['attribute_map'], 'ad')
    if p['records'] is not None:
        return [SourceRecord.from_dict(r) for r in p['records']], {'directory': 'records', 'mailboxes': len(p['records'])}
    rule = MailboxRule(mail_systems=tuple(p['mail_systems']), contacts_base=p['domino'].get('contacts_base') or '',
                       marker_attribute=p['domino_marker_attribute'], marker_prefix=p['marker_prefix'])
    with LdapClient(settings) as client:
        read = read_mailboxes(client, p['domino']['mailbox_base'], rule, fields)
    return read.records, {'directory': 'domino', 'server': settings.server, 'base': p['domino']['mailbox_base'],
                          'mailboxes': len(read.records), 'persons': read.entries, 'not_mailboxes': read.not_mailboxes}


def read_index(settings, base: str, profile: AdContactProfile):
    """The forest's (or domain's) addresses on a connection of its own (a worker thread)."""
    with LdapClient(settings) as client:
        return read_address_index(client, base, profile)


def main():
    spec = dict(SYNC_OPTIONS)
    spec.update({
        'records': {'type': 'list', 'elements': 'dict'},
        'shared_domain': {'type': 'str', 'required': True},
        'domino_routing_domain': {'type': 'str', 'default': ''},
        'exchange_routing_domain': {'type': 'str', 'default': ''},
        'attribute_map': {'type': 'dict', 'default': DEFAULT_ATTRIBUTE_MAP},
        'mail_systems': {'type': 'list', 'elements': 'str', 'default': ['1']},
        'exchange_organization': {'type': 'str'},
        'address_lists': {'type': 'list', 'elements': 'str'},
        'msexch_version': {'type': 'str', 'default': '88218628259840'},
        'marker_attribute': {'type': 'str', 'default': 'adminDescription'},
        'marker_prefix': {'type': 'str', 'default': 'coexist.domino_exchange:'},
        'domino_marker_attribute': {'type': 'str', 'default': 'employeeType'},
    })
    cm = CoexistModule(argument_spec=spec, supports_check_mode=True)
    p = cm.params
    contacts_ou = p['ad'].get('contacts_ou')
    if not contacts_ou:
        cm.module.fail_json(msg='ad.contacts_ou is not set: give the DN of the OU dedicated to the Domino contacts')
    stopwatch = Stopwatch()
    domino_settings = cm.settings('domino') if p['records'] is None else None
    # The three big reads (the Domino mailboxes, the forest's addresses, the contacts OU) run at
    # the same time on their own connections: most of their time is the servers', and python-ldap
    # lets other threads run while it waits.
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        sources_read = pool.submit(read_sources, p, domino_settings)
        client = cm.client('ad')
        root = client.root_dse().entry
        base, config = root.get('defaultNamingContext'), root.get('configurationNamingContext')
        if not client.exists(contacts_ou):
            cm.module.fail_json(msg=f'The contacts OU {contacts_ou} does not exist on {client.settings.where}: '
                                    f'create it (the sync owns it), then run again. Nothing was written.')
        organisation, address_lists = p['exchange_organization'], p['address_lists']
        if not (organisation and address_lists):
            exchange = discover_exchange(client, config, organisation)
            if not exchange['organisation']:
                named = f' named {organisation!r}' if organisation else ''
                cm.module.fail_json(msg=f'No single Exchange organisation{named} found under CN=Microsoft Exchange,'
                                        f'CN=Services,{config} (found: {exchange["organisations_found"]}); set '
                                        f'exchange_organization (and address_lists). Nothing was written.')
            organisation = organisation or exchange['organisation']
            if not address_lists and exchange['missing_lists']:
                cm.module.fail_json(msg=f'Address lists {exchange["missing_lists"]} not found in the Exchange '
                                        f'organisation {organisation} (a translated or multi-GAL site?): set '
                                        f'address_lists. Nothing was written.')
            address_lists = address_lists or exchange['address_lists']
        profile = AdContactProfile(
            contacts_ou=contacts_ou, shared_domain=p['shared_domain'], domino_routing_domain=p['domino_routing_domain'],
            exchange_routing_domain=p['exchange_routing_domain'], organisation=organisation,
            address_lists=tuple(address_lists), attribute_map=tuple(attribute_fields(p['attribute_map'], 'ad').items()),
            msexch_version=p['msexch_version'], marker_attribute=p['marker_attribute'], marker_prefix=p['marker_prefix'])

        # Where addresses must be unique: the whole forest through a Global Catalog when given.
        gc_settings = connection_settings('ad', dict(p['ad'], server=p['ad']['global_catalog'])) \
            if p['ad'].get('global_catalog') else None
        index_read = pool.submit(read_index, gc_settings or client.settings, '' if gc_settings else base, profile)
        container = read_container(client, profile, list(attribute_fields(p['attribute_map'], 'ad')))
        rights = read_effective_rights(client, contacts_ou)
        index = index_read.result()
        sources, source_info = sources_read.result()
        stopwatch.lap('read')
        if index.marked_outside:
            cm.module.fail_json(msg=marked_outside_message(index.marked_outside, p['marker_attribute'],
                                                           p['marker_prefix'], contacts_ou),
                                outside=index.marked_outside[:p['sample_size']])
        the_plan = plan(sources, container.owned, index.addresses, container.foreign_names, profile,
                        limits_from(p), foreign_aliases=index.aliases, mailbox_addresses=index.mailboxes)
        stopwatch.lap('plan')
    except DirectoryError as exc:
        cm.fail(exc)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    refuse = ''
    if rights.get('checked') and not rights.get('can_create_contacts') and the_plan.of_kind('create'):
        refuse = (f'{p["ad"].get("bind_dn") or "the bind account"} may not create contact objects in {contacts_ou} '
                  f'(allowedChildClassesEffective): grant it the right to create and delete contacts there')
    target = {'directory': 'ad', 'server': client.settings.server, 'container': contacts_ou,
              'organisation': organisation, 'address_lists': address_lists, 'rights': rights,
              'foreign_objects': container.foreign, 'global_catalog': bool(gc_settings)}
    try:
        finish(cm, direction=DIRECTION, plan=the_plan, client=client, merged=profile.merged().keys(),
               source=source_info, target=target, refuse_writes=refuse, stopwatch=stopwatch)
    finally:
        client.close()


if __name__ == '__main__':
    main()
