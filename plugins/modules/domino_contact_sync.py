#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: domino_contact_sync
short_description: Make the forwarding Person contacts under the Domino contacts base match the Exchange mailboxes
version_added: 0.1.0
description:
  - Every Exchange mailbox becomes a forwarding Person ("contact") under O(domino.contacts_base).
    Its C(mail) (the Internet address) is the mailbox's primary address, the forwarding address
    C(mailaddress) is its address in O(exchange_routing_domain), and the mail system is
    "Other Internet Mail", so Domino users find it in the Domino Directory and Domino forwards
    their mail to Exchange.
  - Adds, changes, renames and deletions in Exchange flow to Domino. A contact is joined to its
    mailbox by C(objectGUID), so a rename in AD renames the contact (modrdn), never delete and add.
  - Only Persons under O(domino.contacts_base) that carry the ownership marker are ever changed or
    deleted; anything else there is reported and left alone. Marked Persons found outside the base
    make the module refuse to run.
  - An Internet address is unique in the Domino Directory. A mailbox whose address a Domino
    Person, group or mail-in database already has is not written and is reported as a conflict;
    when a Domino mailbox takes the address of an existing contact, the contact is deleted.
  - Never writes C(mailfile), C(mailserver), C(dominoUNID) or C(displayName) (Domino computes the
    last two). O(domino.contacts_base) must exist; Domino needs every component of a DN to exist
    before an LDAP add.
  - Reads AD in the same process (O(ad)), or takes O(records) from
    M(coexist.domino_exchange.ad_mailbox_info).
  - The guide "The Domino contact profile" explains each attribute and the Domino prerequisites
    (LDAP write access, ACL roles, schema checking).
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.AD
  - coexist.domino_exchange.directories.DOMINO
  - coexist.domino_exchange.exchange_mailboxes
  - coexist.domino_exchange.sync
  - coexist.domino_exchange.directories.ACTION_GROUP_BOTH
options:
  records:
    description:
      - Source records as M(coexist.domino_exchange.ad_mailbox_info) returns them. When given, AD is
        not read and O(ad) is not needed.
    type: list
    elements: dict
  exchange_routing_domain:
    description:
      - The domain only Exchange accepts (C(coexist_exchange_routing_domain)). A contact forwards to
        the mailbox's own address in it (its proxy address).
      - A mailbox without an address in this domain gets no contact and is reported as a skip
        (RV(samples), the report files), because Exchange would not resolve a derived C(<local part>@<this domain>) and
        mail to it would bounce (5.1.10). An existing contact of such a mailbox is kept as it is.
      - Empty for a same-namespace design, where a contact forwards to the address itself.
    type: str
    default: ''
  attribute_map:
    description:
      - Address-book fields, AD attribute to Domino attribute (C(coexist_attribute_map)). A null
        value stops syncing that field and leaves existing values alone.
      - A Domino attribute the sync manages itself, or one it never writes (C(mailfile),
        C(mailserver), C(maildomain), C(dominoUNID), C(displayName)), is refused.
    type: dict
    default: {title: title, telephoneNumber: telephonenumber}
  contact_mail_system:
    description:
      - The C(mailsystem) value written on contacts (C(coexist_domino_contact_mail_system)). V(5) is
        "Other Internet Mail" in public code; HCL does not document the codes, so confirm it with the
        C(validate) playbook.
      - O(mail_system) is a deprecated alias, removed in version 2.0.0.
    aliases: [mail_system]
    type: str
    default: '5'
  domino_marker_attribute:
    description:
      - The Domino attribute that marks the contacts this module owns, written in the same add as the
        contact. A standard C(inetOrgPerson) attribute, so Domino's schema checking accepts it.
      - O(marker_attribute) is a deprecated alias, removed in version 2.0.0.
    aliases: [marker_attribute]
    type: str
    default: employeeType
  marker_prefix:
    description: The marker's value is this prefix, the sync's identity (O(instance)), a colon and the source anchor.
    type: str
    default: 'coexist.domino_exchange:'
  instance:
    description:
      - The identity of this sync in the Domino-side ownership marker (C(coexist_instance)), so that
        two syncs pointed at one contacts base (two forests, or test and production) never treat
        each other's contacts as their own.
      - Default the DNS name of the AD domain the mailboxes are read from (the C(DC=) parts of the
        first of O(ad.mailbox_bases), else the domain part of O(ad.server)'s host name), so a move to
        another domain controller of that domain keeps the contacts. Keep it for the life of the sync;
        contacts marked with another identity are foreign to this one.
      - A marker of O(marker_prefix) without an identity (what version 0.1 wrote) is adopted by the
        first run and rewritten with the identity.
    type: str
  mailbox_mail_systems:
    description:
      - MailSystem values that make a Domino Person a mailbox (a mailbox supersedes a contact with its address).
      - O(mail_systems) is a deprecated alias, removed in version 2.0.0.
    aliases: [mail_systems]
    type: list
    elements: str
    default: ['1']
  ad_marker_attribute:
    description: The attribute marking the AD contacts of this collection (never read as mailboxes).
    type: str
    default: adminDescription
  kinds:
    description:
      - The kinds of Exchange recipient that become forwarding Persons (playbook variable
        C(coexist_exchange_to_domino_kinds), else C(coexist_sync_kinds), which
        M(coexist.domino_exchange.ad_contact_sync) shares).
      - V(person), the mailboxes O(mailbox_types) takes, rooms and equipment excepted.
      - V(resource), room and equipment mailboxes (when O(mailbox_types) takes them).
      - V(group), mail-enabled distribution and security groups, room lists and dynamic distribution
        groups, with the same anchor (C(objectGUID)) and the same rules as mailboxes; one without an
        address in O(exchange_routing_domain) or outside the routed domains is skipped and reported.
        Groups hidden from address lists are never read (whatever O(include_hidden) says), groups
        without mail are no recipients. Members are never read or copied; Exchange expands the group.
      - V(mailin) is Domino's kind only; here it changes nothing.
      - A kind left out is not read; the Persons made for it earlier are deleted as gone, counted by
        the deletion guard.
    type: list
    elements: str
    choices: [person, group, mailin, resource]
    default: [person, group, mailin, resource]
  shared_domain:
    description:
      - The SMTP domain Domino and Exchange share (C(coexist_shared_domain)). With it, only
        mailboxes whose primary address is in it or in O(routed_domains) become contacts (the rest
        are reported as skipped), and only Domino addresses in those domains or in
        O(exchange_routing_domain) count as held by another recipient.
      - Empty (the default) accepts any domain. Either way a C(mail) Domino synthesized from a Notes
        name (it holds the name's C(/) or a C(%) before the Notes domain) never counts.
    type: str
    default: ''
  routed_domains:
    description:
      - Other domains this sync routes besides O(shared_domain), that is its aliases (C(coexist_routed_domains)).
    type: list
    elements: str
    default: []
  maintain_groups:
    description:
      - Update the Domino groups that name a contact the sync renames or deletes, as AdminP would
        (C(coexist_domino_maintain_groups)); the renamed contact's new name replaces the old one,
        a deleted contact is removed. LDAP writes bypass AdminP, so without this a group keeps a
        name that no longer resolves and mail to it fails for that member.
      - These are the only writes outside O(domino.contacts_base). Each runs after the contact's
        own write succeeded; one the server refuses is a per-object error naming the group and the
        right the sync account lacks. Every group is read (a filter on C(member) would skip Mail
        only groups), only when the run renames or deletes a contact.
    type: bool
    default: true
  delta:
    description:
      - Delta runs (C(coexist_delta)). When true, a run reads in full only the AD users changed since
        O(watermark) (their C(uSNChanged), on the same domain controller), and the C(objectGUID) of
        every user (a deleted mailbox is the one missing), plans them and every contact they touch
        with the same planner, and returns the next O(watermark). The C(exchange_to_domino) playbook
        keeps it in Ansible's fact cache.
      - A full run is made instead, and the result's C(run.why) says why, when there is no usable
        watermark, it is of another domain controller or a restored one (C(invocationId)), older than
        the tombstone lifetime, the options changed, the last full run is older than O(full_every), or
        a mailbox base is outside the DC's domain.
      - The Domino side is still read in full in a delta run; only the AD read shrinks.
      - False (the default) makes every run full and returns no watermark.
    type: bool
    default: false
  watermark:
    description:
      - The C(watermark) the previous run returned (C(coexist_exchange_to_domino_watermark)). Only
        read with O(delta). After restoring the Domino Directory from a backup, leave it out once
        (or set O(full_run)).
    type: dict
  full_every:
    description:
      - With O(delta), the longest time between full runs, which catch what a delta cannot see
        (changes made to the Domino contacts by hand, a Domino recipient taking a name).
        A number of seconds, or a number with V(m), V(h), V(d) or V(w) (C(coexist_full_every)).
    type: str
    default: 1d
  full_run:
    description: With O(delta), make this run full whatever the watermark (C(coexist_full_run)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Computes the same plan from the same reads and writes nothing; Domino does not expose rights, so they show as unchecked.
  diff_mode:
    support: full
    description: Before and after per object, capped at O(diff_limit); the full plan is in the report.
notes:
  - Conflicts and skipped sources are the normal state of a migration; they are reported and the
    task succeeds. Writes the server refuses fail the task at the end, after the other objects.
  - A write that Domino answers with a referral (the directory is not local to that server) stops
    the run, naming the server to point O(domino.server) at.
  - Domino keeps the old name as a second C(cn) value after a rename with C(deleteoldrdn) 0; the
    module renames with C(deleteoldrdn) 1 and compares DNs (the guide says why).
  - Contacts sharing one DN (a Domino replication or save conflict) are never written by that DN;
    the report lists them under C(target.duplicate_dns).
seealso:
  - module: coexist.domino_exchange.ad_mailbox_info
  - module: coexist.domino_exchange.ad_contact_sync
  - name: The Domino contact profile
    description: Each item a contact carries, the Domino prerequisites, and which names are documented by HCL.
    link: https://github.com/coexist/domino_exchange/blob/main/docs/docsite/rst/guide_domino_contact_profile.rst
'''

EXAMPLES = r'''
- name: Exchange mailboxes become forwarding contacts in Domino (AD read in the same process)
  coexist.domino_exchange.domino_contact_sync:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    exchange_routing_domain: "{{ coexist_exchange_routing_domain }}"
    max_deletes: "{{ coexist_max_deletes }}"
    max_delete_percent: "{{ coexist_max_delete_percent }}"
    report_dir: "{{ coexist_report_dir }}/exchange_to_domino"
  register: domino_contacts

- name: A report only (run the task in check mode, with --diff to see each change)
  coexist.domino_exchange.domino_contact_sync:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    exchange_routing_domain: exchange.example.com
  check_mode: true

- name: Hybrid organisation - Exchange Online mailboxes get contacts too
  coexist.domino_exchange.domino_contact_sync:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    exchange_routing_domain: exchange.example.com
    mailbox_types: [user, shared, room, equipment, remote]
'''

RETURN = r'''
counts:
  description: Operations planned (and, in a real run, done, failed, not attempted), conflicts, skips.
  returned: always
  type: dict
  sample: {create: 3, update: 1, rename: 0, delete: 0, conflict: 2, skip: 1, warning: 0, unchanged: 250,
           managed: 251, sources: 257, done: 4, failed: 0, not_attempted: 0, suppressed: 0, pending: 0}
outcome:
  description: V(ok), V(errors) (some writes refused), V(aborted) (connection lost, or writes referred elsewhere) or V(guard_blocked).
  returned: always
  type: str
  sample: ok
samples:
  description: Up to O(sample_size) DNs per operation, and the first conflicts and skips.
  returned: always
  type: dict
  sample:
    create: ["CN=Anna Hartley,ou=Exchange,o=Acme"]
    conflicts: ["quinn.thornton@example.com belongs to cn=Quinn Thornton,ou=Sales,o=Acme (forwarded Person)"]
summary:
  description: A few readable lines about the run.
  returned: always
  type: list
  elements: str
guard:
  description: The guards' (deletes, renames, address changes) limits, inputs and decision.
  returned: always
  type: dict
  sample: {blocked: false, reason: null, managed: 251, deletes: 0, renames: 0, address_changes: 0,
           max_deletes: 500, max_delete_percent: 10.0, max_renames: 500, max_rename_percent: 10.0,
           max_address_changes: 500, max_address_change_percent: 10.0}
timings:
  description:
    - Seconds per phase (read, the three reads running side by side; plan; apply; report; total)
      and the peak memory of the module process in MB; under C(cpu) the module process's CPU
      seconds for the same phases (all its threads).
  returned: always
  type: dict
  sample: {read: 0.4, plan: 0.05, apply: 0.8, report: 0.03, total: 1.3, peak_rss_mb: 58.2,
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
  sample: {report: /runner/project/coexist-reports/exchange_to_domino/report.json}
watermark:
  description:
    - With O(delta), where the next run continues. It holds the DC, its C(invocationId) and highest
      committed USN read at the start of this run, when this and the last full run started, a digest
      of the options, and the anchors left in conflict or skipped (every delta run retries them).
    - Advanced only after a run that wrote all it planned; otherwise the O(watermark) given, unchanged.
  returned: when O(delta) is true
  type: dict
run:
  description: With O(delta), whether this run was V(full) or V(delta), why, and whether the watermark advanced.
  returned: when O(delta) is true
  type: dict
  sample: {kind: full, why: 'no watermark (first run, or the fact cache lost it)', dc: dc1.corp.example.com,
           usn: 4398, watermark_advanced: true}
errors:
  description: The first writes the server refused.
  returned: when writes failed
  type: list
  elements: dict
'''

from ..module_utils.directions.exchange_to_domino import EXCHANGE_TO_DOMINO
from ..module_utils.directions.prepare import run_direction
from ..module_utils.module.coexist_module import CoexistModule
from ..module_utils.module.options import EXCHANGE_MAILBOX_OPTIONS, shared_options
from ..module_utils.engine.delta import DEFAULT_FULL_EVERY
from ..module_utils.engine.run import SYNC_OPTIONS


def main():
    spec = dict(SYNC_OPTIONS)
    spec.update(EXCHANGE_MAILBOX_OPTIONS)
    spec.update(shared_options('exchange_routing_domain', 'attribute_map', 'contact_mail_system',
                               'domino_marker_attribute', 'marker_prefix', 'mailbox_mail_systems', 'ad_marker_attribute',
                               'routed_domains', 'kinds',
                               old_names=('contact_mail_system', 'domino_marker_attribute', 'mailbox_mail_systems')))
    spec.update({
        'records': {'type': 'list', 'elements': 'dict'},
        'shared_domain': {'type': 'str', 'default': ''},
        'maintain_groups': {'type': 'bool', 'default': True},
        'instance': {'type': 'str'},
        'delta': {'type': 'bool', 'default': False},
        'watermark': {'type': 'dict'},
        'full_every': {'type': 'str', 'default': DEFAULT_FULL_EVERY},
        'full_run': {'type': 'bool', 'default': False},
    })
    cm = CoexistModule(argument_spec=spec, supports_check_mode=True)
    run_direction(cm, EXCHANGE_TO_DOMINO)


if __name__ == '__main__':
    main()
