#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: exchange2003_routing_info
short_description: Verify an Exchange 2000/2003 organisation's shared-namespace routing, read-only
version_added: 0.1.0
description:
  - Reads, read-only, the Exchange 2000/2003 routing of the shared SMTP namespace from AD's
    configuration partition and compares it with the routing design. Exchange 2003 has no cmdlets
    to configure it from here, so what is missing comes back as numbered Exchange System Manager
    steps for the admin.
  - Finds the Exchange organisation under C(CN=Microsoft Exchange,CN=Services) of the configuration
    naming context, then reads its recipient policies (C(msExchRecipientPolicy) - C(gatewayProxy),
    C(disabledGatewayProxy), C(msExchNonAuthoritativeDomains), C(msExchPolicyOrder)) and its SMTP
    connectors (C(msExchRoutingSMTPConnector) - C(routingList), C(msExchSmtpSmartHost)).
  - Checks that the shared domain is non-authoritative on every recipient policy that generates it
    when Domino (or, with O(accept_loop_risk), neither system) is the last hop, and authoritative
    when Exchange is. The primary address of the Default Policy cannot be made non-authoritative;
    when the shared domain is that primary, the steps give an internal-only primary to the Default
    Policy and create a second policy with the shared domain as its non-authoritative primary.
  - Checks that an SMTP connector forwards the Domino routing domain, and the shared domain when
    Exchange forwards its unknown recipients, to O(domino_smtp_hosts); that the Exchange routing
    domain is an authoritative address on the policies that stamp the mailboxes; and that no policy
    makes Exchange responsible for the Domino routing domain.
  - Read-only by construction - the connection refuses every write before sending it. Missing
    routing is reported, not a failure; the module fails only on bad input (a refused design, no
    single Exchange organisation) or a directory error.
  - For Exchange 2010 and later use M(coexist.domino_exchange.exchange_routing_plan) and the
    C(exchange_shared_namespace) role, which configure routing live.
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.AD
  - coexist.domino_exchange.routing
  - coexist.domino_exchange.directories.ACTION_GROUP_AD
options:
  domino_smtp_hosts:
    description:
      - The Domino SMTP hosts the SMTP connector must forward to (its smart hosts), by the names or
        IP addresses the connector holds.
    type: list
    elements: str
    required: true
  exchange_organization:
    description: C(coexist_exchange_organization), when the forest holds several organisations.
    type: str
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
seealso:
  - module: coexist.domino_exchange.exchange_routing_plan
  - module: coexist.domino_exchange.validate_site
'''

EXAMPLES = r'''
- name: Verify the Exchange 2003 side of the routing design, read-only
  coexist.domino_exchange.exchange2003_routing_info:
    ad: "{{ coexist_ad }}"
    last_hop: domino
    shared_domain: "{{ coexist_shared_domain }}"
    domino_routing_domain: "{{ coexist_domino_routing_domain }}"
    exchange_routing_domain: "{{ coexist_exchange_routing_domain }}"
    domino_smtp_hosts: [domino1.example.com]
  register: exchange2003

- name: Show the Exchange System Manager steps for what is missing
  ansible.builtin.debug:
    msg: "{{ exchange2003.esm_steps }}"
  when: not exchange2003.configured
'''

RETURN = r'''
configured:
  description: Whether the organisation's routing matches the design (every finding V(ok)).
  returned: success
  type: bool
  sample: false
findings:
  description: One entry per check, in the order of the steps.
  returned: success
  type: list
  elements: dict
  contains:
    item:
      description: >-
        V(shared_domain), V(exchange_routing_domain), V(domino_routing_domain) (the recipient
        policies) or V(connector) (one per address space the SMTP connector needs).
      type: str
    status:
      description: V(ok) or V(missing).
      type: str
    check:
      description: What the design needs, naming the domain.
      type: str
    found:
      description: What the configuration partition holds.
      type: str
    steps:
      description: The Exchange System Manager steps that add what is missing (empty when V(ok)).
      type: list
      elements: str
  sample:
    - item: shared_domain
      status: missing
      check: shared domain example.com non-authoritative on the recipient policies
      found: authoritative on "Default Policy"
      steps: ["In Exchange System Manager, expand Recipients and click Recipient Policies.", "..."]
esm_steps:
  description: The steps for everything missing as text lines, a heading per finding and its steps numbered; empty when configured.
  returned: success
  type: list
  elements: str
  sample:
    - "shared domain example.com non-authoritative on the recipient policies: authoritative on \"Default Policy\""
    - "  1. In Exchange System Manager, expand Recipients and click Recipient Policies."
exchange_organization:
  description: The Exchange organisation read (the name O(exchange_organization) takes).
  returned: success
  type: str
  sample: Example Corp
organisation:
  description:
    - The same as RV(exchange_organization), under its old name.
    - Deprecated, removed in version 2.0.0; use RV(exchange_organization).
  returned: success
  type: str
  sample: Example Corp
policies:
  description: The recipient policies as read (C(dn), C(name), C(gatewayProxy), C(disabledGatewayProxy),
    C(msExchNonAuthoritativeDomains), C(msExchPolicyOrder)).
  returned: success
  type: list
  elements: dict
connectors:
  description: The SMTP connectors as read (C(dn), C(name), C(routingList), C(msExchSmtpSmartHost)).
  returned: success
  type: list
  elements: dict
'''

from ..module_utils.dialects.ad import discover_exchange
from ..module_utils.directory.dn import parse_dn, rdn
from ..module_utils.directory.errors import DirectoryError
from ..module_utils.module.coexist_module import CoexistModule
from ..module_utils.directory.connection import open_directory
from ..module_utils.routing.design import DESIGN_OPTIONS, design_from
from ..module_utils.routing.exchange2003 import check, configured, esm_steps, read_state
from ..module_utils.directory.read_only import ReadOnlyDirectory


def argument_spec() -> dict:
    # The design options without 'current': this module reads the current state itself.
    spec = {name: dict(option) for name, option in DESIGN_OPTIONS.items()}
    spec.update({
        'domino_smtp_hosts': {'type': 'list', 'elements': 'str', 'required': True},
        'exchange_organization': {'type': 'str'},
    })
    return spec


def dns_domain(naming_context: str) -> str:
    """corp.example.com from DC=corp,DC=example,DC=com ('' when it has no DC components)."""
    return '.'.join(value for rdn_ in parse_dn(naming_context) for kind, value, _flags in rdn_ if kind.lower() == 'dc')


def main():
    cm = CoexistModule(argument_spec=argument_spec(), sides=('ad',), supports_check_mode=True)
    p = cm.params
    design = design_from(p)
    problems = design.problems()
    if problems:
        cm.module.fail_json(msg='The routing design is refused: ' + ' | '.join(problems))
    hosts = [h.strip() for h in p['domino_smtp_hosts'] if h and h.strip()]
    if not hosts:
        cm.module.fail_json(msg='domino_smtp_hosts is empty: name the Domino SMTP hosts the SMTP connector forwards to')
    # read_only: the connection refuses every write before it is sent (see LdapClient._write).
    try:
        with open_directory('ad', p['ad'], read_only=True) as client:
            directory = ReadOnlyDirectory(client)
            root = directory.root_dse().entry
            config = root.get('configurationNamingContext')
            if not config:
                cm.module.fail_json(msg=f'{client.settings.where} has no configurationNamingContext in its root DSE: is it an '
                                        f'Active Directory domain controller?')
            exchange = discover_exchange(directory, config, p['exchange_organization'])
            if not exchange['organisation']:
                cm.module.fail_json(msg=f'no single Exchange organisation found under CN=Microsoft Exchange,CN=Services,'
                                        f'{config} (found: {exchange["organisations_found"] or "none"}); set '
                                        f'exchange_organization', organisations_found=exchange['organisations_found'])
            org_dn = f'{rdn("CN", exchange["organisation"])},CN=Microsoft Exchange,CN=Services,{config}'
            policies, connectors = read_state(directory, org_dn)
            internal = dns_domain(root.get('defaultNamingContext') or '')
    except DirectoryError as exc:
        cm.fail(exc)
    findings = check(design, policies, connectors, hosts, internal)
    cm.exit(changed=False, configured=configured(findings), findings=[f.as_dict() for f in findings],
            esm_steps=esm_steps(findings), exchange_organization=exchange['organisation'],
            organisation=exchange['organisation'], policies=policies,
            connectors=connectors)


if __name__ == '__main__':
    main()
