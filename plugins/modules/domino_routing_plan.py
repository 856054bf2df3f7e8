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
  - Compares Domino's current routing documents (the Global Domain, the Configuration Settings for
    all servers, the route for the Exchange routing domain, as the C(domino_smart_host) role reads
    them from the Domino REST API) with what the design needs, and returns the document changes
    that close the gap. Runs on the controller and changes nothing itself.
  - The Configuration Settings item names are not documented by HCL; they come from O(items).
author: coexist.domino_exchange contributors (@coexist)
extends_documentation_fragment:
  - coexist.domino_exchange.routing
options:
  current:
    description: The system's current state, as the role reads it (plain strings).
    type: dict
    default: {}
  exchange_smtp_host:
    description: The Exchange SMTP host Domino forwards to (smart host, route for the Exchange routing domain).
    type: str
    required: true
  items:
    description:
      - The Configuration Settings item names for the smart host (C(smart_host)) and for "Verify that local
        domain recipients exist" (C(verify_recipients)).
    type: dict
    default: {smart_host: SMTPSmartHost, verify_recipients: SMTPVerifyAuthenticatedRecipients}
  route_name:
    description: The destination (a Domino domain name) the Exchange routing domain is routed through.
    type: str
    default: CoexistExchange
  foreign_domain_document:
    description:
      - The Foreign SMTP Domain document that routes the Exchange routing domain to O(route_name) - its
        C(form), the item and value of its type (C(type_item), C(type)), and the items holding the Internet
        domain (C(domain_item)) and the destination (C(via_item)). Not documented by HCL; confirm the names.
    type: dict
    default: {form: Domain, type_item: DomainType, type: ForeignSMTPDomain, domain_item: ISP_Domain, via_item: ISP_RouteTo}
  connection_document:
    description:
      - The SMTP Connection document that connects O(route_name) to O(exchange_smtp_host) - its C(form),
        C(type_item), C(type), and the items holding the destination (C(destination_item)) and the relay
        host (C(relay_host_item)). Not documented by HCL; confirm the names.
    type: dict
    default: {form: Connection, type_item: ConnectionType, type: SMTP, destination_item: Destination,
              relay_host_item: ConnectionHost}
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
    current: "{{ domino_state }}"
  register: domino_plan
'''

RETURN = r'''
changes:
  description: The document changes (document, action, unid, items, why, restart).
  returned: always
  type: list
  elements: dict
restart:
  description: Whether a change needs the Domino server restarted (Global Domain changes load at start only).
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
    CURRENT_OPTION, DESIGN_OPTIONS, check_design, design_from, domino_desired, plan_domino, unid_of)


def main():
    spec = dict(DESIGN_OPTIONS, **CURRENT_OPTION)
    spec.update({
        'exchange_smtp_host': {'type': 'str', 'required': True},
        'items': {'type': 'dict', 'default': {'smart_host': 'SMTPSmartHost',
                                              'verify_recipients': 'SMTPVerifyAuthenticatedRecipients'}},
        'route_name': {'type': 'str', 'default': 'CoexistExchange'},
        'foreign_domain_document': {'type': 'dict', 'default': {
            'form': 'Domain', 'type_item': 'DomainType', 'type': 'ForeignSMTPDomain', 'domain_item': 'ISP_Domain',
            'via_item': 'ISP_RouteTo'}},
        'connection_document': {'type': 'dict', 'default': {
            'form': 'Connection', 'type_item': 'ConnectionType', 'type': 'SMTP', 'destination_item': 'Destination',
            'relay_host_item': 'ConnectionHost'}},
    })
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    missing = [k for k in ('smart_host', 'verify_recipients') if not p['items'].get(k)]
    if missing:
        module.fail_json(msg=f'items needs the item names {missing}')
    design = design_from(p)
    problems, routes, shown = check_design(design)
    if problems:
        module.fail_json(msg='The routing design is refused: ' + ' | '.join(problems), routes=routes)
    # The route documents as the planner sees them (abstract keys), and its changes back in the
    # documents' own items: the names are the role's variables.
    maps = {'foreign_domain': (p['foreign_domain_document'], {'domain': 'domain_item', 'via': 'via_item'}),
            'connection': (p['connection_document'], {'destination': 'destination_item', 'relay_host': 'relay_host_item'})}
    current = dict(p['current'])
    for kind, key in (('foreign_domain', 'foreign_domains'), ('connection', 'connections')):
        document, names = maps[kind]
        current[key] = [dict({'@unid': unid_of(doc)}, **{k: doc.get(document[item], '') for k, item in names.items()})
                        for doc in current.get(key) or []]
    changes = plan_domino(current, domino_desired(design, p['exchange_smtp_host'], p['items'], p['route_name']))
    for change in changes:
        if change['document'] in maps:
            document, names = maps[change['document']]
            change['items'] = {document[names[k]]: v for k, v in change['items'].items()}
            if change['action'] == 'create':
                change['items'] = dict({'Form': document['form'], document['type_item']: document['type']}, **change['items'])
    refused = [c['why'] for c in changes if c['action'] == 'fail']
    if refused:
        module.fail_json(msg=' | '.join(refused), routes=routes)
    module.exit_json(changed=bool(changes), changes=changes, restart=any(c['restart'] for c in changes), routes=routes,
                     routing_warnings=shown)


if __name__ == '__main__':
    main()
