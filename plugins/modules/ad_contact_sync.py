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
    merged into the mailbox and deleted (O(supersede)).
  - Before it writes, it reads what the bind account may do, as AD computes it (C(allowedChildClassesEffective)
    on the OU for creates, C(allowedAttributesEffective) on one of its contacts for updates and
    renames). A missing right writes nothing at all (creates included) and fails the task naming the
    attributes; the report's C(target.rights.not_writable) lists them.
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
  - coexist.domino_exchange.sync.KIND_OUS
  - coexist.domino_exchange.directories.ACTION_GROUP_BOTH
options:
  records:
    description:
      - Source records as M(coexist.domino_exchange.domino_mailbox_info) returns them. When given,
        Domino is not read and O(domino) is not needed.
      - Records of a kind O(kinds) leaves out are ignored; a record without C(kind) is a V(person).
    type: list
    elements: dict
  shared_domain:
    description:
      - The SMTP domain Domino and Exchange share (C(coexist_shared_domain)).
      - Only Domino mailboxes whose Internet address is in it or in O(routed_domains) become
        contacts; the rest, and every C(mail) Domino synthesized from a Notes name for a Person
        without an Internet address, are reported as skipped.
    type: str
    required: true
  routed_domains:
    description:
      - Other domains this sync routes besides O(shared_domain), that is its aliases (C(coexist_routed_domains)).
    type: list
    elements: str
    default: []
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
  mailbox_mail_systems:
    description:
      - MailSystem values that make a Domino Person a mailbox (see M(coexist.domino_exchange.domino_mailbox_info)).
      - O(mail_systems) is a deprecated alias, removed in version 2.0.0.
    aliases: [mail_systems]
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
    description:
      - C(msExchVersion) written on new contacts (C(coexist_msexch_version)). An Exchange version's admin
        tools refuse to edit an object stamped by a newer version, so the contacts carry the version
        of the oldest Exchange server of the organisation.
      - V(auto) reads the Exchange servers' versions (C(serialNumber) of the C(msExchExchangeServer)
        objects in the configuration partition) and takes the lowest; the report's
        C(target.msexch_version) says what it found. Without a readable server version it uses the
        Exchange 2013-and-later value.
      - V(2007), V(2010) or V(2013) (2013 and later) name the version; any other value is written as given.
    type: str
    default: auto
  ad_marker_attribute:
    description:
      - The AD attribute that marks the contacts this module owns, written in the same add as the contact.
      - O(marker_attribute) is a deprecated alias, removed in version 2.0.0.
    aliases: [marker_attribute]
    type: str
    default: adminDescription
  marker_prefix:
    description:
      - The marker's value is this prefix, the sync's identity (O(instance)), a colon and the source anchor.
      - A marker of this prefix without an identity (what version 0.1 wrote) is adopted by the first run
        and rewritten with the identity; a marker with another identity is another sync's contact,
        reported and never touched.
    type: str
    default: 'coexist.domino_exchange:'
  instance:
    description:
      - The identity of this sync in the ownership marker (C(coexist_instance)), so that two syncs
        pointed at one contacts OU (two Domino domains, or test and production) never treat each
        other's contacts as their own.
      - Default the host name of O(domino.server). Set it when that name may change (a replacement
        server, a cluster name), and keep it for the life of the sync; contacts marked with another
        identity are foreign to this one.
    type: str
  domino_marker_attribute:
    description: The attribute marking the Domino-side contacts of this collection (never read as mailboxes).
    type: str
    default: employeeType
  supersede:
    description:
      - What happens to a contact when a real mailbox takes its address (the user migrated to
        Exchange), C(coexist_supersede).
      - V(merge) first adds C(X500:<the contact's legacyExchangeDN>) to the mailbox's
        C(proxyAddresses), so replies to old mail (addressed to that legacyExchangeDN) reach the
        mailbox instead of bouncing, and adds the mailbox to every group the contact is a member of;
        then deletes the contact. These are the only writes outside O(ad.contacts_ou). The sync
        account needs WriteProperty on C(proxyAddresses) of the mailboxes and on C(member) of those
        groups; when AD says a right is missing, or the server refuses a merge write, the contact is
        kept, the error names the right, and nothing of that merge stays written on the mailbox or
        the groups.
      - V(delete) deletes the contact; the report still lists its groups and its X500 value.
      - Either way the report lists, per superseded contact, the groups, the X500 value and what was done.
    type: str
    choices: [merge, delete]
    default: merge
  kinds:
    description:
      - The kinds of Domino recipient that become contacts (playbook variable
        C(coexist_domino_to_exchange_kinds), else C(coexist_sync_kinds)).
      - V(person), the mailboxes (Person documents, as before).
      - V(group), Multi-purpose and Mail only groups (and groups without a type) with an Internet
        address in the routed domains; their members are never copied, Domino expands the group.
      - V(mailin), Mail-In Database documents with such an address.
      - V(resource), rooms and equipment (Resource documents) with such an address.
      - A kind left out is not read; the contacts made for it earlier are deleted as gone, counted
        by the deletion guard.
      - Every kind becomes the same mail contact (C(msExchRecipientDisplayType) 6); the report
        gives the kind of each object.
    type: list
    elements: str
    choices: [person, group, mailin, resource]
    default: [person, group, mailin, resource]
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
           managed: 321, sources: 326, done: 4, failed: 0, not_attempted: 0, suppressed: 0, pending: 0}
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
  description: The guards' (deletes, renames, address changes) limits, inputs and decision.
  returned: always
  type: dict
  sample: {blocked: false, reason: null, managed: 321, deletes: 0, renames: 0, address_changes: 0,
           max_deletes: 500, max_delete_percent: 10.0, max_renames: 500, max_rename_percent: 10.0,
           max_address_changes: 500, max_address_change_percent: 10.0}
timings:
  description:
    - Seconds per phase (read, the three reads running side by side; plan; apply; report; total)
      and the peak memory of the module process in MB; under C(cpu) the module process's CPU
      seconds for the same phases (all its threads).
  returned: always
  type: dict
  sample: {read: 0.61, plan: 0.08, apply: 3.1, report: 0.05, total: 3.9, peak_rss_mb: 61.3,
           cpu: {read: 0.3, plan: 0.05, apply: 0.2, report: 0.03, total: 0.6}}
pending:
  description:
    - Writes the write budget (O(max_writes)) left for the next run; 0 when the run did the whole
      plan. In check mode, what a real run would leave.
  returned: always
  type: int
  sample: 15000
write_connections:
  description: How many connections wrote (O(write_connections), fewer when one could not be opened).
  returned: when the run wrote
  type: int
  sample: 4
progress:
  description: The progress file the writes kept up to date while the run went (see O(report_dir)).
  returned: when O(report_dir) is set and the run wrote
  type: str
  sample: /runner/project/coexist-reports/exchange_to_domino/progress.json
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

from ..module_utils.dialects.ad import SUPERSEDE_MODES
from ..module_utils.directions.domino_to_exchange import DOMINO_TO_EXCHANGE
from ..module_utils.directions.prepare import run_direction
from ..module_utils.module.coexist_module import CoexistModule
from ..module_utils.module.options import shared_options
from ..module_utils.engine.run import SYNC_OPTIONS


def main():
    spec = dict(SYNC_OPTIONS)
    spec.update(shared_options('routed_domains', 'exchange_routing_domain', 'attribute_map', 'mailbox_mail_systems',
                               'msexch_version', 'ad_marker_attribute', 'marker_prefix', 'domino_marker_attribute',
                               'kinds', 'kind_ous', old_names=('mailbox_mail_systems', 'ad_marker_attribute')))
    spec.update({
        'records': {'type': 'list', 'elements': 'dict'},
        'shared_domain': {'type': 'str', 'required': True},
        'domino_routing_domain': {'type': 'str', 'default': ''},
        'exchange_organization': {'type': 'str'},
        'address_lists': {'type': 'list', 'elements': 'str'},
        'instance': {'type': 'str'},
        'supersede': {'type': 'str', 'default': SUPERSEDE_MODES[0], 'choices': list(SUPERSEDE_MODES)},
    })
    cm = CoexistModule(argument_spec=spec, supports_check_mode=True)
    run_direction(cm, DOMINO_TO_EXCHANGE)


if __name__ == '__main__':
    main()
