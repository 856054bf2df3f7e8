#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: exchange_routing_plan
short_description: The Exchange changes a shared-namespace routing design needs
version_added: 0.1.0
description:
  - Compares Exchange's current routing (accepted domains, send connectors, email address policies,
    as the C(exchange_shared_namespace) role reads them) with what the design needs, and returns the
    cmdlet calls that close the gap, each with its parameters as data. Runs on the controller and
    changes nothing itself; the role runs the calls.
  - Refuses a design with no single last hop (unless O(accept_loop_risk)), and returns the routing
    check - where mail for a mailbox on each side and for an address that exists nowhere ends.
author: coexist.domino_exchange contributors (@coexist)
extends_documentation_fragment:
  - coexist.domino_exchange.routing
options:
  current:
    description: The system's current state, as the role reads it (plain strings).
    type: dict
    default: {}
  domino_smtp_hosts:
    description: The Domino SMTP hosts the send connector delivers to (its smart hosts).
    type: list
    elements: str
    required: true
  connector_name:
    description: The name of the send connector the role owns.
    type: str
    default: 'coexist: to Domino'
  address_policies_excluded:
    description:
      - Email address policies that do not apply to mailboxes (for example one for contacts only). Every other
        policy gets the Exchange routing domain's template; a legacy (Exchange 2003) policy fails the plan with
        the steps to upgrade it.
    type: list
    elements: str
    default: []
  source_transport_servers:
    description:
      - The Mailbox servers that may use the send connector (C(SourceTransportServers)); compared and set when
        given, left to Exchange when empty.
    type: list
    elements: str
    default: []
  update_recipients:
    description:
      - Identities to run C(Update-Recipient) on after the routing calls (on-premises only). Each run asks for
        them again - this is an action on request, not a state.
    type: list
    elements: str
    default: []
  platform:
    description:
      - V(onprem) (Exchange 2010-2019/SE) or V(online) (Exchange Online - an OnPremises outbound connector
        instead of a send connector; no address policy change).
    type: str
    choices: [onprem, online]
    default: onprem
attributes:
  check_mode:
    support: full
    description: Computes the calls; it never runs them.
  diff_mode:
    support: none
    description: The calls are the difference.
'''

EXAMPLES = r'''
- name: Plan the Exchange side of the routing design
  coexist.domino_exchange.exchange_routing_plan:
    last_hop: domino
    shared_domain: example.com
    domino_routing_domain: domino.example.com
    exchange_routing_domain: exchange.example.com
    domino_smtp_hosts: [domino1.example.com]
    current: "{{ exchange_state.output[0] }}"
  delegate_to: localhost
  register: exchange_plan
'''

RETURN = r'''
calls:
  description: The cmdlet calls, in order; each with C(cmdlet), C(parameters) and C(why).
  returned: always
  type: list
  elements: dict
  sample: [{cmdlet: Set-AcceptedDomain, parameters: {Identity: example.com, DomainType: InternalRelay},
            why: "example.com is Authoritative, needs InternalRelay"}]
routes:
  description: The routing check, one entry per recipient and entry point (recipient, entry, outcome, ends_at, hops).
  returned: always
  type: list
  elements: dict
routing_warnings:
  description: Risks of the design that are reported, not refused, and what the routing check shows for a design kept with O(accept_loop_risk).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.routing.design import (
    CURRENT_OPTION, DESIGN_OPTIONS, check_design, design_from, exchange_desired, for_exchange_online, plan_exchange)


def main():
    spec = dict(DESIGN_OPTIONS, **CURRENT_OPTION)
    spec.update({
        'domino_smtp_hosts': {'type': 'list', 'elements': 'str', 'required': True},
        'connector_name': {'type': 'str', 'default': 'coexist: to Domino'},
        'address_policies_excluded': {'type': 'list', 'elements': 'str', 'default': []},
        'source_transport_servers': {'type': 'list', 'elements': 'str', 'default': []},
        'platform': {'type': 'str', 'choices': ['onprem', 'online'], 'default': 'onprem'},
        'update_recipients': {'type': 'list', 'elements': 'str', 'default': []},
    })
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    design = design_from(p)
    problems, routes, shown = check_design(design)
    if problems:
        module.fail_json(msg='The routing design is refused: ' + ' | '.join(problems), routes=routes)
    calls = plan_exchange(p['current'], exchange_desired(design, p['domino_smtp_hosts'], p['connector_name'],
                                                         p['address_policies_excluded'], p['source_transport_servers']))
    if p['platform'] == 'online':
        calls = for_exchange_online(calls)
    else:
        calls += [{'cmdlet': 'Update-Recipient', 'parameters': {'Identity': identity},
                   'why': f'Update-Recipient asked for {identity}'} for identity in p['update_recipients']]
    refused = [c['why'] for c in calls if c['cmdlet'] == 'fail']
    if refused:
        module.fail_json(msg=' | '.join(refused), routes=routes)
    module.exit_json(changed=bool(calls), calls=calls, routes=routes, routing_warnings=shown)


if __name__ == '__main__':
    main()
