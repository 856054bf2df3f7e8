#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: domino_routing_plan
short_description: The Domino changes a shared-namespace routing design needs
version_added: 0.1.0
description:
  - Compares Domino's current routing documents (the Global Domain documents, the Configuration Settings
    documents, the route for the Exchange routing domain, as the C(domino_smart_host) role reads them from the
    Domino REST API in mode C(default)) with what the design needs, and returns the document changes that close
    the gap. Runs on the controller and changes nothing itself.
  - A change is only planned when the names it writes were verified at run time (the document read back has the
    item) or confirmed by the site (O(confirmed)); otherwise it is returned in RV(manual) with the Domino
    Administrator steps. An item the read did not return is never taken to be empty.
author: coexist.domino_exchange contributors (@coexist)
extends_documentation_fragment:
  - coexist.domino_exchange.routing
options:
  current:
    description:
      - The documents as the role read them (mode C(default)) - C(global_domains), C(server_configs),
        C(foreign_domains), C(connections), each a list.
    type: dict
    default: {}
  exchange_smtp_host:
    description: The Exchange SMTP host Domino forwards to (smart host, route for the Exchange routing domain).
    type: str
    required: true
  items:
    description:
      - The Configuration Settings item names for the smart host (C(smart_host)) and for "Verify that local
        domain recipients exist" (C(verify_recipients)). Not documented by HCL - a document that lacks one is
        not written.
    type: dict
    default: {smart_host: SMTPSmartHost, verify_recipients: SMTPVerifyAuthenticatedRecipients}
  servers:
    description:
      - The Domino SMTP servers the design applies to (Domino names, C(mail1/Acme)). Each one's Configuration
        Settings document is resolved (its own, a group's, the default) and they are the SMTP Connection's
        source servers.
    type: list
    elements: str
    default: []
  server_groups:
    description:
      - The groups each server is in, a mapping of server name to a list of group names, for the Configuration
        Settings documents of groups. A server with no entry is refused when a document names something that may
        be a group.
    type: dict
    default: {}
  global_domain_select:
    description:
      - Which Global Domain document to change when the directory has several - the key C(@unid) with the
        document's UNID, or items and values the site confirmed. With one Global Domain document it may stay empty.
    type: dict
    default: {}
  change_primary:
    description:
      - Make the shared domain the Global Domain's primary Internet domain (the old primary becomes an alias).
        By default the shared domain is added as an alias and the primary is left alone.
    type: bool
    default: false
  confirmed:
    description:
      - The route documents (C(foreign_domain), C(connection)) whose item names the site confirmed (from the form
        design or a document made in Domino Administrator). Without it the names count as confirmed only when a
        document of that kind read at run time has every one of them.
    type: list
    elements: str
    choices: [foreign_domain, connection]
    default: []
  route_name:
    description: The destination domain (a Domino domain name) the Exchange routing domain is routed through.
    type: str
    default: CoexistExchange
  foreign_domain_document:
    description:
      - The Foreign SMTP Domain document that routes the Exchange routing domain to O(route_name) - its
        C(form), the item and value of its type (C(type_item), C(type)), and the items holding the Internet
        domain (C(domain_item)) and the destination domain (C(via_item)). Not documented by HCL.
    type: dict
    default: {form: Domain, type_item: DomainType, type: ForeignSMTPDomain, domain_item: ISP_Domain, via_item: ISP_RouteTo}
  connection_document:
    description:
      - The SMTP Connection document that connects O(route_name) to O(exchange_smtp_host) - its C(form),
        C(type_item), C(type), and the items holding the destination domain (C(destination_item)), the relay
        host (C(relay_host_item)) and the source servers (C(source_server_item)). Not documented by HCL.
    type: dict
    default: {form: Connection, type_item: ConnectionType, type: SMTP, destination_item: Destination,
              relay_host_item: ConnectionHost, source_server_item: Source}
attributes:
  check_mode:
    support: full
    description: Computes the changes; it never makes them.
  diff_mode:
    support: none
    description: The changes are the difference.
'''

EXAMPLES = r'''
- name: Plan the Domino side of the routing design
  coexist.domino_exchange.domino_routing_plan:
    last_hop: domino
    shared_domain: example.com
    domino_routing_domain: domino.example.com
    exchange_routing_domain: exchange.example.com
    exchange_smtp_host: exchange-smtp.example.com
    servers: [mail1/Acme]
    current: "{{ domino_state }}"
  register: domino_plan
'''

RETURN = r'''
changes:
  description: The document changes the role may write (document, action, unid, items, why, restart).
  returned: always
  type: list
  elements: dict
manual:
  description:
    - What the role must not write because a name is not confirmed (why, steps in Domino Administrator). The role
      writes nothing while this is not empty.
  returned: always
  type: list
  elements: dict
restart:
  description: Whether a change needs the Domino servers restarted (Global Domain changes load at start only).
  returned: always
  type: bool
routes:
  description: The routing check (see M(coexist.domino_exchange.exchange_routing_plan)).
  returned: always
  type: list
  elements: dict
routing_warnings:
  description: Risks of the design that are reported, not refused (and a kept loop risk's routes).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.routing.design import (
    CURRENT_OPTION, DESIGN_OPTIONS, SITE_DEFAULTS, check_design, design_from, domino_desired, plan_domino)


def main():
    spec = dict(DESIGN_OPTIONS, **CURRENT_OPTION)
    spec.update({
        'exchange_smtp_host': {'type': 'str', 'required': True},
        'items': {'type': 'dict', 'default': {'smart_host': 'SMTPSmartHost',
                                              'verify_recipients': 'SMTPVerifyAuthenticatedRecipients'}},
        'servers': {'type': 'list', 'elements': 'str', 'default': []},
        'server_groups': {'type': 'dict', 'default': {}},
        'global_domain_select': {'type': 'dict', 'default': {}},
        'change_primary': {'type': 'bool', 'default': False},
        'confirmed': {'type': 'list', 'elements': 'str', 'default': [], 'choices': ['foreign_domain', 'connection']},
        'route_name': {'type': 'str', 'default': 'CoexistExchange'},
        'foreign_domain_document': {'type': 'dict', 'default': dict(SITE_DEFAULTS['foreign_domain_document'])},
        'connection_document': {'type': 'dict', 'default': dict(SITE_DEFAULTS['connection_document'])},
    })
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    missing = [k for k in ('smart_host', 'verify_recipients') if not p['items'].get(k)]
    for kind in ('foreign_domain_document', 'connection_document'):
        missing += [f'{kind}.{k}' for k in SITE_DEFAULTS[kind] if not p[kind].get(k)]
    if missing:
        module.fail_json(msg=f'names missing: {", ".join(missing)}')
    design = design_from(p)
    problems, routes, shown = check_design(design)
    if problems:
        module.fail_json(msg='The routing design is refused: ' + ' | '.join(problems), routes=routes)
    site = {k: p[k] for k in SITE_DEFAULTS}
    planned = plan_domino(p['current'], domino_desired(design, p['exchange_smtp_host'], p['items'], p['route_name'],
                                                       p['change_primary']), site)
    refused = [c['why'] for c in planned if c['action'] == 'fail']
    if refused:
        module.fail_json(msg=' | '.join(refused), routes=routes)
    manual = [{'why': c['why'], 'steps': c['steps']} for c in planned if c['action'] == 'manual']
    changes = [c for c in planned if c['action'] in ('update', 'create')]
    module.exit_json(changed=bool(changes), changes=changes, manual=manual,
                     restart=any(c['restart'] for c in changes), routes=routes, routing_warnings=shown)


if __name__ == '__main__':
    main()
