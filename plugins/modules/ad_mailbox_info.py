#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: ad_mailbox_info
short_description: Read the Exchange mailboxes in Active Directory as normalised records
version_added: 0.1.0
description:
  - Reads every Exchange mailbox under O(ad.mailbox_bases) over LDAP and returns one normalised
    record per mailbox, the shape M(coexist.domino_exchange.domino_contact_sync) takes in its
    O(coexist.domino_exchange.domino_contact_sync#module:records) option.
  - A mailbox is a user whose C(msExchRecipientTypeDetails) is one of O(mailbox_types) (user,
    shared, room, equipment, linked, remote (Exchange Online mailboxes of a hybrid organisation) and
    the Exchange 2003-era legacy kind by default), or, for Exchange 2000/2003, a user with C(homeMDB) or C(msExchHomeServerName)
    and no recipient type. Arbitration, discovery, monitoring and other system mailboxes are
    never returned, nor are contacts, groups or mail users.
  - Hidden mailboxes (C(msExchHideFromAddressLists)) are left out unless O(include_hidden);
    disabled accounts are included unless O(include_disabled=false), because shared, room and
    equipment mailboxes are disabled accounts by design.
  - The record's anchor is the C(objectGUID) in its canonical string form; its mail is the
    primary SMTP address (the C(SMTP:) proxy, else C(mail)).
  - For a sync, prefer M(coexist.domino_exchange.domino_contact_sync) reading AD itself, because passing
    tens of thousands of records through Ansible variables costs time and memory.
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.AD
  - coexist.domino_exchange.exchange_mailboxes
  - coexist.domino_exchange.directories.ACTION_GROUP_AD
options:
  exchange_routing_domain:
    description:
      - The domain only Exchange accepts (C(coexist_exchange_routing_domain)). A mailbox's address in
        it, when it has one, is returned as the record's C(routing_address).
    type: str
    default: ''
  attribute_map:
    description:
      - Address-book fields, AD attribute name to Domino attribute name, as C(coexist_attribute_map).
        Each record carries C(fields) keyed by the Domino name. A null value leaves the field out.
    type: dict
    default: {title: title, telephoneNumber: telephonenumber}
  ad_marker_attribute:
    description:
      - The attribute marking the AD contacts of this collection (never returned as mailboxes).
      - O(marker_attribute) is a deprecated alias, removed in version 2.0.0.
    aliases: [marker_attribute]
    type: str
    default: adminDescription
  marker_prefix:
    description: The prefix of the ownership marker's value.
    type: str
    default: 'coexist.domino_exchange:'
  kinds:
    description:
      - The kinds of recipient returned, as M(coexist.domino_exchange.domino_contact_sync) reads them
        (C(coexist_sync_kinds)).
      - V(person) mailboxes, V(resource) room and equipment mailboxes, V(group) mail-enabled groups
        and dynamic distribution groups not hidden from address lists. V(mailin) is Domino's kind only.
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
  - module: coexist.domino_exchange.domino_contact_sync
  - module: coexist.domino_exchange.domino_mailbox_info
'''

EXAMPLES = r'''
- name: Read the Exchange mailboxes
  coexist.domino_exchange.ad_mailbox_info:
    ad: "{{ coexist_ad }}"
    exchange_routing_domain: "{{ coexist_exchange_routing_domain }}"
  register: exchange_mailboxes

- name: Show how many there are and why other users are not mailboxes
  ansible.builtin.debug:
    msg: "{{ exchange_mailboxes.count }} mailboxes; not mailboxes: {{ exchange_mailboxes.not_mailboxes }}"

- name: A hybrid organisation - Exchange Online mailboxes too, enabled accounts only
  coexist.domino_exchange.ad_mailbox_info:
    ad: "{{ coexist_ad }}"
    mailbox_types: [user, shared, room, equipment, remote]
    include_disabled: false
'''

RETURN = r'''
mailboxes:
  description: One record per Exchange mailbox, and per group that takes mail (O(kinds)), sorted by anchor.
  returned: success
  type: list
  elements: dict
  contains:
    anchor:
      description: The user's objectGUID in its canonical string form, the stable join key.
      type: str
      sample: 8c1e2d9a-4b7f-4e0c-9a51-2f6d3b8e7c10
    dn:
      description: The user's DN.
      type: str
      sample: CN=Anna Hartley,OU=Exchange Users,DC=corp,DC=example,DC=com
    display_name:
      description: C(displayName), else the RDN value.
      type: str
      sample: Anna Hartley
    mail:
      description: The primary SMTP address (the C(SMTP:) proxy, else C(mail)).
      type: str
      sample: anna.hartley@example.com
    given_name:
      description: C(givenName).
      type: str
    surname:
      description: C(sn).
      type: str
    alias:
      description: C(mailNickname).
      type: str
      sample: anna.hartley
    routing_address:
      description: The mailbox's address in O(exchange_routing_domain), empty when it has none.
      type: str
      sample: anna.hartley@exchange.example.com
    fields:
      description: The mapped address-book fields, keyed by Domino attribute name.
      type: dict
      sample: {title: Engineer, telephonenumber: '+49 30 5550 1001'}
    problems:
      description: Why the record cannot become a contact (empty when it can).
      type: list
      elements: str
      sample: []
    kind:
      description: The kind of recipient, V(person), V(resource) (a room or equipment mailbox) or V(group).
      type: str
      sample: person
count:
  description: Number of records (mailboxes and groups).
  returned: success
  type: int
  sample: 262
users:
  description: Number of users with Exchange attributes, and of mail-enabled groups, read under the bases.
  returned: success
  type: int
  sample: 281
bases:
  description: The subtrees read (O(ad.mailbox_bases), or the domain when it is empty).
  returned: success
  type: list
  elements: str
  sample: ["OU=Exchange Users,DC=corp,DC=example,DC=com"]
not_mailboxes:
  description: Users read that are not returned, counted by reason.
  returned: success
  type: dict
  sample: {hidden from address lists: 4, arbitration mailbox (never synced): 3, not a mailbox (recipient type 128): 3}
'''

from ..module_utils.dialects.ad import read_exchange_mailboxes
from ..module_utils.directions.exchange_to_domino import ExchangeToDominoOptions
from ..module_utils.directory.errors import DirectoryError
from ..module_utils.module.coexist_module import CoexistModule
from ..module_utils.module.options import EXCHANGE_MAILBOX_OPTIONS, shared_options


def main():
    spec = dict(EXCHANGE_MAILBOX_OPTIONS)
    spec.update(shared_options('exchange_routing_domain', 'attribute_map', 'ad_marker_attribute', 'marker_prefix',
                               'kinds', old_names=('ad_marker_attribute',)))
    cm = CoexistModule(sides=('ad',), supports_check_mode=True, argument_spec=spec)
    # The mailboxes exactly as domino_contact_sync reads them: the same options, the same rule.
    options = ExchangeToDominoOptions.from_params(cm.params)
    client = cm.client('ad')
    try:
        bases = options.ad['mailbox_bases'] or [client.root_dse().entry.get('defaultNamingContext')]
        read = read_exchange_mailboxes(client, bases, options.mailbox_rule(), options.fields('domino'),
                                       options.exchange_routing_domain)
    except DirectoryError as exc:
        cm.fail(exc)
    finally:
        client.close()
    records = sorted(read.records, key=lambda r: r.anchor)
    cm.exit(changed=False, mailboxes=[r.as_dict() for r in records], count=len(records), users=read.entries,
            not_mailboxes=read.not_mailboxes, bases=bases)


if __name__ == '__main__':
    main()
