# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Exchange 2000/2003 routing on the shared namespace, verified read-only (architecture.rst "Routing
design"; vendor facts X-1.2, X-1.5 and X-1.6: docs/docsite/rst/vendor_facts.rst).

Exchange 2003 has no cmdlets to configure it live: what the design needs is read from AD's
configuration partition and what is missing becomes numbered Exchange System Manager steps for
the admin. The design needs, per its last hop:

* the shared domain on the recipient policies, non-authoritative when Domino (or neither) is the
  last hop, authoritative when Exchange is; the Default Policy's primary address cannot be made
  non-authoritative, so a shared domain that is its primary needs the second-policy procedure;
* an SMTP connector whose address spaces are the Domino routing domain (and the shared domain
  when Exchange forwards its unknown recipients) and whose smart hosts are the Domino SMTP hosts;
* the Exchange routing domain an authoritative address on the policies that stamp the mailboxes;
* the Domino routing domain not an authoritative address of Exchange (Exchange would reject the
  contacts' target addresses: KB 321721).

:func:`read_state` only searches (it gets a ReadOnlyDirectory); :func:`check` is pure.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .design import Design, address_space_covers

OK, MISSING = 'ok', 'missing'
DEFAULT_POLICY_ORDER = 2147483647           # msExchPolicyOrder of the Default Policy: the lowest priority
POLICY_ATTRIBUTES = ['cn', 'gatewayProxy', 'disabledGatewayProxy', 'msExchNonAuthoritativeDomains', 'msExchPolicyOrder']
CONNECTOR_ATTRIBUTES = ['cn', 'routingList', 'msExchSmtpSmartHost']
RESPONSIBLE = '"This Exchange Organization is responsible for all mail delivery to this address"'
OPEN_POLICIES = 'In Exchange System Manager, expand Recipients and click Recipient Policies.'


@dataclass
class Finding:
    item: str              # what kind of check: shared_domain, connector, exchange_routing_domain, domino_routing_domain
    status: str            # ok | missing
    check: str             # what the design needs, naming the domain
    found: str             # what the configuration partition holds
    steps: list = field(default_factory=list)      # the ESM steps that add what is missing

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Policy:
    """A recipient policy's SMTP rules, by domain."""

    dn: str
    name: str
    order: int | None
    enabled: dict           # domain -> True when it is the primary (SMTP: upper case) address
    disabled: set           # domains of rules whose check box is cleared (disabledGatewayProxy)
    non_authoritative: set

    @property
    def is_default(self) -> bool:
        if self.order is not None:
            return self.order == DEFAULT_POLICY_ORDER
        return self.name.lower() == 'default policy'

    def authoritative(self, domain: str) -> bool:
        return domain in self.enabled and domain not in self.non_authoritative


def _values(value) -> list:
    if value is None or value == '':
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple, set)) else [str(value)]


def _smtp_template(value: str):
    """(domain, primary) of an SMTP address template ('SMTP:@example.com', 'smtp:%g.%s@example.com'),
    or None for another address type. msExchNonAuthoritativeDomains holds templates of the same
    form (vendor facts X-1.2: a public script compares its values with gatewayProxy's)."""
    text = value.strip()
    kind, colon, rest = text.partition(':')
    if not colon:
        kind, rest = ('smtp', text) if text.startswith('@') else ('', text)
    if kind.lower() != 'smtp':
        return None
    domain = rest.rpartition('@')[2].strip().lower()
    return (domain, kind == 'SMTP') if domain else None


def _space_domain(address_space: str) -> str:
    """The domain of a routingList value ('SMTP:example.com;1', 'Local:SMTP:*;1'), lower case."""
    return address_space.strip().split(':')[-1].split(';', 1)[0].strip().lower()


def _rdn_value(dn: str) -> str:
    first = re.split(r'(?<!\\),', dn, maxsplit=1)[0]
    return first.partition('=')[2].replace('\\', '')


def policy_from(record: dict) -> Policy:
    """A Policy from what was read: {dn, gatewayProxy, disabledGatewayProxy, msExchNonAuthoritativeDomains,
    msExchPolicyOrder} (disabledGatewayProxy optional; values strings or lists)."""
    enabled, disabled, non_authoritative = {}, set(), set()
    for value in _values(record.get('gatewayProxy')):
        parsed = _smtp_template(value)
        if parsed:
            enabled[parsed[0]] = enabled.get(parsed[0], False) or parsed[1]
    for value in _values(record.get('disabledGatewayProxy')):
        parsed = _smtp_template(value)
        if parsed:
            disabled.add(parsed[0])
    for value in _values(record.get('msExchNonAuthoritativeDomains')):
        parsed = _smtp_template(value)
        if parsed:
            non_authoritative.add(parsed[0])
    order = _values(record.get('msExchPolicyOrder'))
    try:
        order_value = int(order[0]) if order else None
    except ValueError:
        order_value = None
    dn = str(record.get('dn') or '')
    return Policy(dn=dn, name=str(record.get('name') or _rdn_value(dn) or dn), order=order_value, enabled=enabled,
                  disabled=disabled, non_authoritative=non_authoritative)


def smart_hosts(value) -> list:
    """msExchSmtpSmartHost as a list: ESM separates several hosts with semicolons (2007+ with
    commas, vendor facts X-1.5); an IP address is in square brackets."""
    hosts = []
    for text in _values(value):
        hosts += [h.strip().strip('[]').lower() for h in re.split(r'[;,]', text) if h.strip().strip('[]')]
    return hosts


# --- ESM steps (the Exchange 2003 SP2 System Manager; vendor facts) ---

def _policy_open(policy: str) -> list:
    return [OPEN_POLICIES, f'Right-click "{policy}", click Properties and open the E-Mail Addresses (Policy) tab.']


def _authority_steps(policy: str, domain: str, authoritative: bool) -> list:
    box = 'Select' if authoritative else 'Clear'
    return _policy_open(policy) + [
        f'Select the SMTP address @{domain} and click Edit.',
        f'{box} the check box {RESPONSIBLE} and click OK. Leave the check box in front of the address selected: '
        f'Exchange ignores a rule whose check box is cleared (KB 823158).',
        'Click OK.',
    ]


def _enable_steps(policy: str, domain: str, authoritative: bool) -> list:
    return _policy_open(policy) + [
        f'Select the check box in front of the SMTP address @{domain}: it is cleared, so Exchange ignores the rule.',
        f'With @{domain} selected, click Edit; {"select" if authoritative else "clear"} the check box '
        f'{RESPONSIBLE} and click OK.',
        f'Click OK; right-click "{policy}" and click Apply this policy now.',
    ]


def _add_steps(policy: str, domain: str, authoritative: bool) -> list:
    return _policy_open(policy) + [
        'Click New, select SMTP Address and click OK.',
        f'In Address, type @{domain}; {"leave" if authoritative else "clear"} the check box {RESPONSIBLE}'
        f'{" selected" if authoritative else ""}, and click OK.',
        f'Click OK; right-click "{policy}" and click Apply this policy now, so the Recipient Update Service '
        f'stamps the address on the recipients.',
    ]


def _second_policy_steps(shared: str, exchange_routing_domain: str) -> list:
    steps = [
        'Right-click Recipient Policies, point to New and click Recipient Policy; select E-Mail Addresses and '
        'click OK.',
        f'On the General tab, name it (for example "Shared {shared}"), click Modify and give it the same filter '
        f'as the Default Policy, so it applies to the same recipients.',
        f'On the E-Mail Addresses (Policy) tab, click New, select SMTP Address, type @{shared}, clear the check '
        f'box {RESPONSIBLE} and click OK; select @{shared} and click Set as Primary.',
    ]
    if exchange_routing_domain:
        steps.append(f'Click New, select SMTP Address, type @{exchange_routing_domain}, leave the check box '
                     f'{RESPONSIBLE} selected and click OK.')
    steps.append(f'Click OK. The Default Policy always has the lowest priority, so the new policy wins for the '
                 f'recipients both filters select; right-click it and click Apply this policy now, so the '
                 f'mailboxes keep @{shared} as their reply address.')
    return steps


def _default_primary_steps(policy: str, shared: str, exchange_routing_domain: str, internal_domain: str) -> list:
    """The procedure for a shared domain that is the Default Policy's primary (aa997194 "Scenario 1",
    bb124073): ESM refuses to make that address non-authoritative."""
    internal = f'@{internal_domain}' if internal_domain else '@ followed by your Active Directory DNS domain'
    return _policy_open(policy) + [
        f'Click New, select SMTP Address, type an address only this organisation uses (for example {internal}), '
        f'leave the check box {RESPONSIBLE} selected and click OK.',
        'Select the new address and click Set as Primary.',
        f'Select @{shared}, click Edit, clear the check box {RESPONSIBLE}, click OK, then OK.',
    ] + _second_policy_steps(shared, exchange_routing_domain)


def _connector_open(connector: str) -> list:
    return ['In Exchange System Manager, expand Administrative Groups, the administrative group, Routing Groups, '
            'the routing group and Connectors (without routing groups displayed: the administrative group, then '
            'Connectors).',
            f'Right-click "{connector}" and click Properties.']


def _new_connector_steps(domains: list, hosts: list, shared: str) -> list:
    steps = [
        'In Exchange System Manager, expand Administrative Groups, the administrative group, Routing Groups and '
        'the routing group (without routing groups displayed: the administrative group); right-click Connectors, '
        'point to New and click SMTP Connector.',
        f'On the General tab, name it (for example "To Domino"), click "Forward all mail through this connector to '
        f'the following smart hosts" and type {"; ".join(hosts) or "the Domino SMTP hosts"} (several hosts separated '
        f'by semicolons, an IP address in square brackets).',
        'Under Local bridgeheads, click Add and select the SMTP virtual servers that may send to Domino.',
        f'On the Address Space tab, for each of {", ".join(domains)}: click Add, select SMTP, type the domain in '
        f'E-mail domain, leave Cost at 1 and click OK. Leave Connector scope at Entire organization.',
    ]
    if shared.lower() in (d.lower() for d in domains):
        steps.append(f'Select "Allow messages to be relayed to these domains" (TechNet aa997194: the connector '
                     f'relays messages for {shared}).')
    steps.append('Click OK.')
    return steps


def _add_space_steps(connector: str, domain: str) -> list:
    return _connector_open(connector) + [
        f'On the Address Space tab, click Add, select SMTP, type {domain} in E-mail domain, leave Cost at 1 and '
        f'click OK.',
        'Click OK.',
    ]


def _smart_host_steps(connector: str, hosts: list) -> list:
    return _connector_open(connector) + [
        f'On the General tab, click "Forward all mail through this connector to the following smart hosts" and type '
        f'{"; ".join(hosts) or "the Domino SMTP hosts"} (several hosts separated by semicolons).',
        'Click OK.',
    ]


def _remove_space_steps(connector: str, domain: str) -> list:
    return _connector_open(connector) + [
        f'On the Address Space tab, select the SMTP address space {domain} and click Remove.',
        'Click OK.',
    ]


def _join(groups) -> list:
    """Step lists one after the other, the navigation a group starts with given only once."""
    steps = []
    for group in groups:
        steps += [step for n, step in enumerate(group) if not (n == 0 and step in steps)]
    return steps


# --- the checks ---

def _names(policies) -> str:
    return ', '.join(f'"{p.name}"' for p in policies)


def _check_shared(design: Design, policies: list, internal_domain: str) -> Finding:
    shared = design.shared_domain.lower()
    relay = design.last_hop != 'exchange'           # Exchange forwards its unknown recipients
    check = f'shared domain {shared} {"non-authoritative" if relay else "authoritative"} on the recipient policies'
    carrying = [p for p in policies if shared in p.enabled]
    default = next((p for p in policies if p.is_default), None)
    if not carrying:
        disabled = [p for p in policies if shared in p.disabled]
        if disabled:
            steps = _join(_enable_steps(p.name, shared, not relay) for p in disabled)
            return Finding('shared_domain', MISSING, check, f'@{shared} is a disabled rule on {_names(disabled)}: '
                           f'Exchange ignores it', steps)
        target = default.name if default else 'Default Policy'
        steps = _add_steps(target, shared, not relay)
        if relay:
            steps += _second_policy_steps(shared, design.exchange_routing_domain)
        # None at all is what an account without read access to the policies sees, too.
        found = (f'no recipient policy generates @{shared} addresses' if policies else
                 'no recipient policy found (may the account read the organisation\'s Recipient Policies?)')
        return Finding('shared_domain', MISSING, check, found, steps)
    if relay:
        if default is not None and default.enabled.get(shared):
            found = f'@{shared} is the primary address of "{default.name}", which cannot be non-authoritative'
            if shared in default.non_authoritative:
                found += ' (it is marked non-authoritative in AD, which ESM does not allow: written outside ESM?)'
            steps = _join([_default_primary_steps(default.name, shared, design.exchange_routing_domain, internal_domain)]
                          + [_authority_steps(p.name, shared, False) for p in carrying
                             if p is not default and p.authoritative(shared)])
            return Finding('shared_domain', MISSING, check, found, steps)
        wrong = [p for p in carrying if p.authoritative(shared)]
    else:
        wrong = [p for p in carrying if not p.authoritative(shared)]
    if wrong:
        steps = _join(_authority_steps(p.name, shared, not relay) for p in wrong)
        return Finding('shared_domain', MISSING, check,
                       f'{"authoritative" if relay else "non-authoritative"} on {_names(wrong)}', steps)
    return Finding('shared_domain', OK, check, f'{"non-authoritative" if relay else "authoritative"} on '
                   f'{_names(carrying)}')


def _check_exchange_routing_domain(design: Design, policies: list) -> Finding:
    domain = design.exchange_routing_domain.lower()
    shared = design.shared_domain.lower()
    check = f'Exchange routing domain {domain} an authoritative address on the policies that stamp the mailboxes'
    # The policies that give the mailboxes their shared addresses give them this one too.
    targets = [p for p in policies if shared in p.enabled] or [p for p in policies if p.enabled]
    if not targets:
        target = next((p.name for p in policies if p.is_default), 'Default Policy')
        return Finding('exchange_routing_domain', MISSING, check, 'no recipient policy generates SMTP addresses',
                       _add_steps(target, domain, True))
    groups, problems = [], []
    for p in targets:
        if domain in p.enabled and domain not in p.non_authoritative:
            continue
        if domain in p.enabled:
            problems.append(f'non-authoritative on "{p.name}"')
            groups.append(_authority_steps(p.name, domain, True))
        elif domain in p.disabled:
            problems.append(f'a disabled rule on "{p.name}"')
            groups.append(_enable_steps(p.name, domain, True))
        else:
            problems.append(f'not on "{p.name}"')
            groups.append(_add_steps(p.name, domain, True))
    if problems:
        return Finding('exchange_routing_domain', MISSING, check, '; '.join(problems), _join(groups))
    return Finding('exchange_routing_domain', OK, check, f'authoritative on {_names(targets)}')


def _check_domino_routing_domain(design: Design, policies: list) -> Finding:
    domain = design.domino_routing_domain.lower()
    check = f'Domino routing domain {domain} not an authoritative address of Exchange'
    wrong = [p for p in policies if p.authoritative(domain)]
    if not wrong:
        return Finding('domino_routing_domain', OK, check, 'no recipient policy is responsible for it')
    # Exchange would reject mail to the contacts' target addresses (vendor facts X-1.2, KB 321721).
    steps = _join(_authority_steps(p.name, domain, False) for p in wrong)
    return Finding('domino_routing_domain', MISSING, check, f'authoritative on {_names(wrong)}: Exchange would reject '
                   f'mail for the contacts\' target addresses', steps)


def _check_connectors(design: Design, connectors: list, domino_smtp_hosts: list) -> list:
    domino = {h.strip().strip('[]').lower() for h in domino_smtp_hosts if h.strip()}

    def to_domino(hosts: list) -> bool:
        return bool(hosts) and (not domino or all(h in domino for h in hosts))

    spaces = [d.lower() for d in (design.domino_routing_domain,) if d]
    if design.last_hop != 'exchange':
        spaces.append(design.shared_domain.lower())      # Exchange forwards its unknown recipients to Domino
    read = [(str(c.get('name') or _rdn_value(str(c.get('dn') or ''))), _values(c.get('routingList')),
             smart_hosts(c.get('msExchSmtpSmartHost'))) for c in connectors]
    to_domino_connectors = [name for name, _spaces, hosts in read if to_domino(hosts)]
    hosts_wanted = [h.strip() for h in domino_smtp_hosts if h.strip()]
    missing_new = [d for d in spaces if not any(any(address_space_covers(s, d) for s in routing) for _n, routing, _h in read)]
    nowhere = 'no connector has it as an address space' if read else 'no SMTP connector found'
    findings = []
    for domain in spaces:
        why = ('the Domino routing domain' if domain == design.domino_routing_domain.lower()
               else 'the shared domain: Exchange forwards its unknown recipients to Domino')
        check = f'SMTP connector to the Domino smart hosts for {domain} ({why})'
        covering = [(name, routing, hosts) for name, routing, hosts in read if any(address_space_covers(s, domain) for s in routing)]
        good = [name for name, _routing, hosts in covering if to_domino(hosts)]
        elsewhere = [(name, routing) for name, routing, hosts in covering if not to_domino(hosts)]
        shown = '; '.join(f'"{name}" -> {", ".join(hosts) or "DNS"}' for name, _routing, hosts in covering)
        if good and not elsewhere:
            findings.append(Finding('connector', OK, check, shown))
        elif good:
            steps = _join(_remove_space_steps(name, domain) for name, _routing in elsewhere)
            findings.append(Finding('connector', MISSING, check, f'{shown}: not every connector for it forwards to '
                                    f'Domino', steps))
        elif elsewhere:
            groups = []
            for name, routing in elsewhere:
                if any(_space_domain(space) == '*' for space in routing):
                    # The Internet connector: its smart host must stay; the domain moves to a Domino connector.
                    groups.append(_remove_space_steps(name, domain))
                    if to_domino_connectors:
                        groups.append(_add_space_steps(to_domino_connectors[0], domain))
                    else:
                        groups.append(_new_connector_steps([domain], hosts_wanted, design.shared_domain))
                else:
                    groups.append(_smart_host_steps(name, hosts_wanted))
            findings.append(Finding('connector', MISSING, check, f'{shown}: not to the Domino SMTP hosts', _join(groups)))
        elif to_domino_connectors:
            findings.append(Finding('connector', MISSING, check, nowhere,
                                    _add_space_steps(to_domino_connectors[0], domain)))
        elif domain == missing_new[0]:
            # One new connector carries every missing address space: its steps are given once.
            findings.append(Finding('connector', MISSING, check, nowhere,
                                    _new_connector_steps(missing_new, hosts_wanted, design.shared_domain)))
        else:
            findings.append(Finding('connector', MISSING, check, nowhere,
                                    [f'Add it with the new SMTP connector described for {missing_new[0]}: its '
                                     f'address spaces include {domain}.']))
    return findings


def check(design: Design, policies: list, connectors: list, domino_smtp_hosts: list, internal_domain: str = '') -> list:
    """The findings for what was read against ``design`` (a design whose problems() is empty).

    ``policies``: [{dn, gatewayProxy, disabledGatewayProxy, msExchNonAuthoritativeDomains,
    msExchPolicyOrder}], ``connectors``: [{name, routingList, msExchSmtpSmartHost}], both as
    :func:`read_state` returns them; ``domino_smtp_hosts``: the smart hosts the connector must
    forward to (empty: any smart host counts); ``internal_domain``: the AD DNS domain, offered as
    the Default Policy's internal-only primary when the procedure needs one. Pure: nothing is read
    or written here."""
    # By priority, so findings and steps name the policies in the order ESM lists them.
    parsed = sorted((policy_from(p) for p in policies), key=lambda p: (p.order is None, p.order or 0, p.name.lower()))
    findings = [_check_shared(design, parsed, internal_domain)]
    if design.exchange_routing_domain:
        findings.append(_check_exchange_routing_domain(design, parsed))
    if design.domino_routing_domain:
        findings.append(_check_domino_routing_domain(design, parsed))
    findings += _check_connectors(design, connectors, domino_smtp_hosts)
    return findings


def configured(findings: list) -> bool:
    return all(f.status == OK for f in findings)


def esm_steps(findings: list) -> list:
    """The steps for what is missing, as text lines: a heading per finding, its steps numbered."""
    lines = []
    for f in findings:
        if f.status == OK:
            continue
        lines.append(f'{f.check}: {f.found}')
        lines += [f'  {n}. {step}' for n, step in enumerate(f.steps, 1)]
    return lines


def read_state(directory, org_dn: str) -> tuple:
    """(policies, connectors) under the Exchange organisation ``org_dn``, as :func:`check` takes
    them. ``directory`` is a ReadOnlyDirectory: searches are all it can do."""
    policies = [{'dn': e.dn, 'name': e.get('cn') or _rdn_value(e.dn), 'gatewayProxy': list(e.values('gatewayProxy')),
                 'disabledGatewayProxy': list(e.values('disabledGatewayProxy')),
                 'msExchNonAuthoritativeDomains': list(e.values('msExchNonAuthoritativeDomains')),
                 'msExchPolicyOrder': e.get('msExchPolicyOrder')}
                for e in directory.search(org_dn, '(objectClass=msExchRecipientPolicy)', POLICY_ATTRIBUTES)]
    connectors = [{'dn': e.dn, 'name': e.get('cn') or _rdn_value(e.dn), 'routingList': list(e.values('routingList')),
                   'msExchSmtpSmartHost': e.get('msExchSmtpSmartHost') or ''}
                  for e in directory.search(org_dn, '(objectClass=msExchRoutingSMTPConnector)', CONNECTOR_ATTRIBUTES)]
    return policies, connectors
