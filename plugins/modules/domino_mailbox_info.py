#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: domino_mailbox_info
short_description: Read the Domino mailboxes as normalised records
version_added: 0.1.0
description:
  - Reads every Domino mailbox under O(domino.mailbox_base) through the Domino LDAP service and
    returns one normalised record per mailbox, the shape M(coexist.domino_exchange.ad_contact_sync)
    takes in its O(coexist.domino_exchange.ad_contact_sync#module:records) option.
  - A mailbox is a C(dominoPerson) with a mail file, a mail system in O(mailbox_mail_systems) and no
    forwarding address (a Person that a migration tool forwarded is no longer a mailbox). Each
    rule can be changed, because the MailSystem codes are not documented by HCL.
  - Never returns this collection's own contacts (the Persons under O(domino.contacts_base) or
    carrying the ownership marker).
  - For a sync, prefer M(coexist.domino_exchange.ad_contact_sync) reading Domino itself, because passing
    tens of thousands of records through Ansible variables costs time and memory.
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.DOMINO
  - coexist.domino_exchange.directories.ACTION_GROUP_DOMINO
options:
  mailbox_mail_systems:
    description:
      - MailSystem values that mean "Notes mail". V(1) is what a Person created over LDAP gets; the
        C(validate) playbook shows the values found on a real server.
      - An empty list accepts any mail system.
      - O(mail_systems) is a deprecated alias, removed in version 2.0.0.
    aliases: [mail_systems]
    type: list
    elements: str
    default: ['1']
  attribute_map:
    description:
      - Address-book fields, AD attribute name to Domino attribute name, as C(coexist_attribute_map).
        Each record carries C(fields) keyed by the AD name. A null value leaves the field out.
    type: dict
    default: {title: title, telephoneNumber: telephonenumber}
  domino_marker_attribute:
    description:
      - The attribute that marks the Domino contacts this collection owns (never read as mailboxes).
      - O(marker_attribute) is a deprecated alias, removed in version 2.0.0.
    aliases: [marker_attribute]
    type: str
    default: employeeType
  marker_prefix:
    description: The prefix of the ownership marker's value.
    type: str
    default: 'coexist.domino_exchange:'
  kinds:
    description:
      - The kinds of Domino recipient read, as M(coexist.domino_exchange.ad_contact_sync) reads them
        (C(coexist_sync_kinds)); V(person) alone gives the mailboxes only.
      - V(group) Multi-purpose and Mail only groups, V(mailin) mail-in databases, V(resource) rooms
        and equipment; each record says its O(kinds) in RV(mailboxes[].kind).
    type: list
    elements: str
    choices: [person, group, mailin, resource]
    default: [person, group, mailin, resource]
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
seealso:
  - module: coexist.domino_exchange.ad_contact_sync
'''

EXAMPLES = r'''
- name: Read the Domino mailboxes
  coexist.domino_exchange.domino_mailbox_info:
    domino: "{{ coexist_domino }}"
  register: domino_mailboxes

- name: Show how many there are and why other Persons are not mailboxes
  ansible.builtin.debug:
    msg: "{{ domino_mailboxes.count }} mailboxes; not mailboxes: {{ domino_mailboxes.not_mailboxes }}"

- name: Treat MailSystem 0 and 1 as Notes (confirm the codes with the validate playbook first)
  coexist.domino_exchange.domino_mailbox_info:
    domino: "{{ coexist_domino }}"
    mailbox_mail_systems: ['0', '1']
'''

RETURN = r'''
mailboxes:
  description: One record per Domino mailbox, sorted by anchor.
  returned: success
  type: list
  elements: dict
  contains:
    anchor:
      description: The Person document's dominoUNID (32 hex characters), the stable join key.
      type: str
      sample: 6F2B7C1D8E9A0B1C2D3E4F5A6B7C8D9E
    dn:
      description: The entry's DN.
      type: str
      sample: cn=Anna Abbott,ou=Sales,o=Acme
    display_name:
      description: The primary FullName (the DN's first RDN value).
      type: str
      sample: Anna Abbott
    mail:
      description: The Internet address, as stored.
      type: str
      sample: anna.abbott@example.com
    given_name:
      description: FirstName.
      type: str
    surname:
      description: LastName.
      type: str
    alias:
      description: The first C(uid) (ShortName) value that is a valid Exchange alias, else the mail local part.
      type: str
      sample: aabbott
    routing_address:
      description: Always empty for Domino mailboxes (the AD contact's target address is derived).
      type: str
      sample: ''
    fields:
      description: The mapped address-book fields, keyed by AD attribute name.
      type: dict
      sample: {title: Sales Manager, telephoneNumber: '+49 30 1234'}
    problems:
      description: Why the record cannot become a contact (empty when it can).
      type: list
      elements: str
      sample: []
    kind:
      description: The kind of recipient (V(person), V(group), V(mailin), V(resource)).
      type: str
      sample: person
count:
  description: Number of records (every kind read).
  returned: success
  type: int
  sample: 328
persons:
  description: Number of dominoPerson entries read.
  returned: success
  type: int
  sample: 356
not_mailboxes:
  description: Persons that are not mailboxes, counted by reason.
  returned: success
  type: dict
  sample: {no mail file: 6, 'forwarded (has a forwarding address)': 5}
'''

from ..module_utils.dialects.domino import read_mailboxes
from ..module_utils.directions.domino_to_exchange import DominoToExchangeOptions
from ..module_utils.directory.errors import DirectoryError
from ..module_utils.module.coexist_module import CoexistModule
from ..module_utils.module.options import shared_options


def main():
    cm = CoexistModule(sides=('domino',), supports_check_mode=True, argument_spec=shared_options(
        'mailbox_mail_systems', 'attribute_map', 'domino_marker_attribute', 'marker_prefix', 'kinds',
        old_names=('mailbox_mail_systems', 'domino_marker_attribute')))
    # The mailboxes exactly as ad_contact_sync reads them: the same options, the same rule.
    options = DominoToExchangeOptions.from_params(cm.params)
    client = cm.client('domino')
    try:
        read = read_mailboxes(client, options.domino['mailbox_base'], options.mailbox_rule(), options.fields('ad'))
    except DirectoryError as exc:
        cm.fail(exc)
    finally:
        client.close()
    records = sorted(read.records, key=lambda r: r.anchor)
    cm.exit(changed=False, mailboxes=[r.as_dict() for r in records], count=len(records),
            persons=read.entries, not_mailboxes=read.not_mailboxes)


if __name__ == '__main__':
    main()
