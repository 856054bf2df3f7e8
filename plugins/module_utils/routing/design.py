# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Mail routing on the shared SMTP namespace: the design, a simulation of where mail ends, and
what each mail system needs (architecture.rst "Routing design"; vendor facts X-1.2 to X-1.6,
D-3.2 and D-6.1 to D-6.3, both pages in docs/docsite/rst). Pure: no I/O. The roles read each
system's state, these functions say what to change, the roles change it.

The one rule: exactly one last hop. The system named by ``last_hop`` rejects shared-domain
recipients it does not know; the other forwards its unknowns to it. Both forwarding unknowns to
each other (``last_hop`` ``none``) loops for an address that exists nowhere (KB 321721), so it
is refused unless ``accept_loop_risk`` says the admin knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYSTEMS = ('exchange', 'domino')
# The design options both planner modules take (documented in plugins/doc_fragments/routing.py).
DESIGN_OPTIONS = {
    'last_hop': {'type': 'str', 'required': True, 'choices': ['domino', 'exchange', 'none']},
    'shared_domain': {'type': 'str', 'required': True},
    'domino_routing_domain': {'type': 'str', 'default': ''},
    'exchange_routing_domain': {'type': 'str', 'default': ''},
    'accept_loop_risk': {'type': 'bool', 'default': False},
}
# The planners' input: the system's state as the role read it.
CURRENT_OPTION = {'current': {'type': 'dict', 'default': {}}}
LAST_HOPS = ('domino', 'exchange', 'none')
MAX_HOPS = 10                     # a message passed this often between the systems is looping


@dataclass(frozen=True)
class Design:
    """The routing design, from the roles' variables (coexist_*)."""

    last_hop: str                               # domino | exchange | none (both forward: a loop risk)
    shared_domain: str
    domino_routing_domain: str = ''             # AD contacts target user@this; Domino accepts it
    exchange_routing_domain: str = ''           # Domino contacts forward to user@this; Exchange accepts it
    accept_loop_risk: bool = False

    def problems(self) -> list:
        """Why this design must not be applied ([] when it may)."""
        found = []
        if self.last_hop not in LAST_HOPS:
            found.append(f'coexist_last_hop must be one of {", ".join(LAST_HOPS)} (got {self.last_hop!r})')
        if not self.shared_domain:
            found.append('coexist_shared_domain is empty')
        domains = [d.lower() for d in (self.shared_domain, self.domino_routing_domain, self.exchange_routing_domain) if d]
        if len(domains) != len(set(domains)):
            found.append('the shared domain and the two routing domains must all differ (or a routing domain be empty)')
        if self.last_hop == 'none' and not self.accept_loop_risk:
            found.append('coexist_last_hop none makes both systems forward unknown recipients to each other: mail for '
                         'an address that exists nowhere loops until a hop count stops it (KB 321721). Choose a last '
                         'hop, or set coexist_accept_loop_risk: true to keep this design knowingly')
        if self.last_hop == 'exchange' and not self.domino_routing_domain:
            found.append('with Exchange as the last hop the AD contacts need coexist_domino_routing_domain: a '
                         'contact\'s target address cannot be in a domain Exchange is authoritative for (KB 321721)')
        return found

    def warnings(self) -> list:
        """Risks of this design the vendor facts infer but do not prove (reported, not refused)."""
        found = []
        if not self.exchange_routing_domain:
            found.append('no coexist_exchange_routing_domain: the Domino contacts forward to their own address in a '
                         'domain Domino treats as local, which may loop or bounce (vendor facts D-3.2, '
                         'inferred); test it before relying on it')
        if self.last_hop == 'exchange' and self.domino_routing_domain:
            found.append(f'with Exchange as the last hop, Domino\'s smart host also takes unknown recipients of its '
                         f'alias {self.domino_routing_domain}; Exchange must not relay them back to Domino (do not '
                         f'let the Domino hosts relay that domain through Exchange)')
        return found


@dataclass
class Route:
    """Where one message for one recipient ends, hop by hop."""

    recipient: str
    entry: str                                  # the system the message first reached
    hops: list = field(default_factory=list)    # (system, what it did)
    outcome: str = ''                           # delivered | rejected | loop

    @property
    def ends_at(self) -> str:
        return self.hops[-1][0] if self.hops else ''

    def as_dict(self) -> dict:
        return {'recipient': self.recipient, 'entry': self.entry, 'outcome': self.outcome, 'ends_at': self.ends_at,
                'hops': [f'{system}: {what}' for system, what in self.hops]}


def simulate(design: Design, recipient: str, entry: str, mailboxes: dict) -> Route:
    """Follow a message for ``recipient`` (an address) that first reaches ``entry``.

    ``mailboxes`` maps each system to the local parts of its mailboxes. Each system also knows
    the other's mailboxes as contacts (the GAL sync), which route by their target / forwarding
    address: AD contacts to <local>@<Domino routing domain> (else the address itself), Domino
    contacts to <local>@<Exchange routing domain> (else the address itself).
    """
    route = Route(recipient, entry)
    local, _at, domain = recipient.partition('@')
    domain = domain.lower()
    system = entry
    for _hop in range(MAX_HOPS):
        other = 'domino' if system == 'exchange' else 'exchange'
        own_routing = design.exchange_routing_domain if system == 'exchange' else design.domino_routing_domain
        accepted = {design.shared_domain.lower()} | ({own_routing.lower()} if own_routing else set())
        if domain not in accepted:
            # Not a domain of this system: the routing domain of the other, sent there.
            route.hops.append((system, f'{domain} is routed to {other}'))
            system = other
            continue
        if local in mailboxes.get(system, ()):
            route.hops.append((system, 'delivered to the mailbox'))
            route.outcome = 'delivered'
            return route
        if local in mailboxes.get(other, ()) and domain == design.shared_domain.lower():
            # A contact for the other system's mailbox: sent to its routing address.
            target_domain = (design.domino_routing_domain if other == 'domino' else design.exchange_routing_domain) \
                or design.shared_domain
            route.hops.append((system, f'contact: forwarded to {local}@{target_domain}'))
            domain = target_domain.lower()
            system = other
            continue
        if design.last_hop == system:
            route.hops.append((system, 'unknown recipient: rejected (this system is the last hop)'))
            route.outcome = 'rejected'
            return route
        route.hops.append((system, f'unknown recipient: forwarded to {other}'))
        system = other
    route.outcome = 'loop'
    return route


def routing_check(design: Design) -> list:
    """The routing check: a mailbox on each side, a known contact each way, and an address that
    exists nowhere, each entering at either system. [] of problems when the design is sound."""
    mailboxes = {'exchange': {'ex.user'}, 'domino': {'dom.user'}}
    shared = design.shared_domain
    routes = []
    for entry in SYSTEMS:
        for local in ('ex.user', 'dom.user', 'nobody.anywhere'):
            routes.append(simulate(design, f'{local}@{shared}', entry, mailboxes))
    return routes


def design_from(params: dict) -> Design:
    return Design(last_hop=params['last_hop'], shared_domain=params['shared_domain'],
                  domino_routing_domain=params['domino_routing_domain'] or '',
                  exchange_routing_domain=params['exchange_routing_domain'] or '',
                  accept_loop_risk=params['accept_loop_risk'])


def check_design(design: Design) -> tuple:
    """(problems that refuse the design, the simulated routes as dicts, what the routes show)."""
    routes = routing_check(design)
    shown = routing_problems(routes) + design.warnings()
    problems = design.problems()
    looping = routing_problems(routes)
    if looping and not (design.last_hop == 'none' and design.accept_loop_risk):
        problems += looping
    return problems, [r.as_dict() for r in routes], shown


def routing_problems(routes: list) -> list:
    """What a set of simulated routes shows is wrong: a known mailbox not delivered, an unknown
    recipient looping or not rejected exactly once."""
    problems = []
    for route in routes:
        known = not route.recipient.startswith('nobody.')
        if known and route.outcome != 'delivered':
            problems.append(f'{route.recipient} entering at {route.entry}: {route.outcome}, not delivered')
        if not known and route.outcome != 'rejected':
            problems.append(f'{route.recipient} entering at {route.entry}: {route.outcome}, not rejected once')
    return problems


# --- Exchange 2010-2019/SE (and Exchange Online where the cmdlets agree) ---

def address_space_covers(address_space: str, domain: str) -> bool:
    """Whether a send connector address space (routingList 'SMTP:example.com;1', '*.x', with an
    optional 'Local:' scope) names ``domain``."""
    space = address_space.strip()
    if space.lower().startswith('local:'):             # a scoped connector: the same address space
        space = space[len('local:'):]
    space = space.split(':', 1)[-1].split(';', 1)[0].strip().lower()
    domain = domain.lower()
    # '*' (the Internet connector, usually by DNS) is not a route to Domino: only named spaces count.
    return space == domain or (space.startswith('*.') and domain.endswith(space[1:]))


def _space(domain: str) -> str:
    return f'SMTP:{domain};1'


def _spaces(values) -> set:
    """Send connector address spaces compared the way Exchange does: type and domain without
    case, 'example.com' meaning 'SMTP:example.com;1'."""
    out = set()
    for value in values or ():
        text = str(value).strip()
        kind, _colon, rest = text.rpartition(':') if ':' in text else ('SMTP', '', text)
        domain, _semi, cost = rest.partition(';')
        out.add(f'{(kind or "SMTP").upper()}:{domain.strip().lower()};{cost.strip() or "1"}')
    return out


def exchange_desired(design: Design, domino_smtp_hosts: list, connector_name: str, address_policy: str) -> dict:
    """What Exchange needs for ``design``: accepted domains, the send connector to Domino, the
    routing-domain template on the email address policy."""
    shared_type = 'Authoritative' if design.last_hop == 'exchange' else 'InternalRelay'
    accepted = {design.shared_domain.lower(): shared_type}
    if design.exchange_routing_domain:
        accepted[design.exchange_routing_domain.lower()] = 'Authoritative'
    spaces = [d for d in (design.domino_routing_domain,) if d]
    if design.last_hop != 'exchange':
        spaces.append(design.shared_domain)       # Exchange forwards its unknown recipients to Domino
    return {
        'accepted_domains': accepted,
        'send_connector': {'name': connector_name, 'address_spaces': [_space(d) for d in spaces],
                           'smart_hosts': list(domino_smtp_hosts)},
        'address_policy': {'name': address_policy,
                           'template': f'smtp:%m@{design.exchange_routing_domain}' if design.exchange_routing_domain else ''},
    }


def plan_exchange(current: dict, desired: dict) -> list:
    """The cmdlet calls that make ``current`` (as the role's read script returns it: plain
    strings) match ``desired``; [] when nothing differs. Each call is {cmdlet, parameters,
    why}: the role passes the parameters as data (splatted), never as script text."""
    calls = []
    have = {str(d.get('DomainName', '')).lower(): d for d in current.get('accepted_domains') or []}
    for domain, kind in desired['accepted_domains'].items():
        found = have.get(domain)
        if found is None:
            calls.append({'cmdlet': 'New-AcceptedDomain', 'why': f'{domain} is not an accepted domain',
                          'parameters': {'Name': domain, 'DomainName': domain, 'DomainType': kind}})
        elif str(found.get('DomainType')) != kind:
            calls.append({'cmdlet': 'Set-AcceptedDomain', 'why': f'{domain} is {found.get("DomainType")}, needs {kind}',
                          'parameters': {'Identity': str(found.get('Name') or domain), 'DomainType': kind}})
    wanted = desired['send_connector']
    connector = next((c for c in current.get('send_connectors') or [] if c.get('Name') == wanted['name']), None)
    if wanted['address_spaces']:
        spec = {'AddressSpaces': wanted['address_spaces'], 'SmartHosts': wanted['smart_hosts'],
                'DNSRoutingEnabled': False}
        if connector is None:
            calls.append({'cmdlet': 'New-SendConnector', 'why': f'no send connector named {wanted["name"]!r}',
                          'parameters': dict(spec, Name=wanted['name'], Usage='Custom', SmartHostAuthMechanism='None')})
        else:
            drift = []
            if _spaces(connector.get('AddressSpaces')) != _spaces(wanted['address_spaces']):
                drift.append('address spaces')
            if sorted(h.lower() for h in connector.get('SmartHosts') or []) != sorted(h.lower() for h in wanted['smart_hosts']):
                drift.append('smart hosts')
            if str(connector.get('DNSRoutingEnabled')).lower() == 'true':
                drift.append('DNS routing on')
            if str(connector.get('Enabled', 'true')).lower() == 'false':
                drift.append('disabled')
                spec['Enabled'] = True
            if drift:
                calls.append({'cmdlet': 'Set-SendConnector', 'why': f'{wanted["name"]}: {", ".join(drift)} differ',
                              'parameters': dict(spec, Identity=wanted['name'])})
    policy = desired['address_policy']
    if policy['template']:
        found = next((p for p in current.get('address_policies') or [] if p.get('Name') == policy['name']), None)
        if found is None:
            calls.append({'cmdlet': 'fail', 'why': f'email address policy {policy["name"]!r} not found: name the policy '
                                                   f'that applies to the mailboxes (exchange_shared_namespace_address_policy)',
                          'parameters': {}})
        else:
            templates = [str(t) for t in found.get('EnabledEmailAddressTemplates') or []]
            if policy['template'].lower() not in (t.lower() for t in templates):
                calls.append({'cmdlet': 'Set-EmailAddressPolicy', 'why': f'{policy["name"]} lacks {policy["template"]}',
                              'parameters': {'Identity': policy['name'],
                                             'EnabledEmailAddressTemplates': templates + [policy['template']]}})
                calls.append({'cmdlet': 'Update-EmailAddressPolicy', 'why': 'stamp the new address on the mailboxes',
                              'parameters': {'Identity': policy['name']}})
    return calls


def for_exchange_online(calls: list) -> list:
    """The same plan for Exchange Online: the send connector is an OnPremises outbound connector
    (RecipientDomains, SmartHosts, UseMXRecord off; vendor facts X-1.4), and address
    policies are not the way EXO stamps mailboxes (the on-premises policies of a hybrid do), so
    their calls are left out."""
    out = []
    for call in calls:
        p = call['parameters']
        if call['cmdlet'] in ('New-SendConnector', 'Set-SendConnector'):
            domains = [space.split(':', 1)[-1].split(';', 1)[0] for space in p['AddressSpaces']]
            params = {'RecipientDomains': domains, 'SmartHosts': p['SmartHosts'], 'UseMXRecord': False}
            if call['cmdlet'] == 'New-SendConnector':
                params.update(Name=p['Name'], ConnectorType='OnPremises')
            else:
                params.update(Identity=p['Identity'], **({'Enabled': True} if 'Enabled' in p else {}))
            out.append(dict(call, cmdlet=call['cmdlet'].replace('SendConnector', 'OutboundConnector'), parameters=params))
        elif call['cmdlet'] in ('Set-EmailAddressPolicy', 'Update-EmailAddressPolicy') or \
                (call['cmdlet'] == 'fail' and 'address policy' in call['why']):
            continue
        elif call['cmdlet'] == 'New-AcceptedDomain':
            # A domain joins Microsoft 365 through the admin center (added and verified), not a cmdlet.
            out.append({'cmdlet': 'fail', 'parameters': {},
                        'why': f'{p["DomainName"]} is not an accepted domain of the tenant: add and verify it in the '
                               f'Microsoft 365 admin center, then run again'})
        else:
            out.append(call)
    return out


# --- Domino (Domino REST API 12.0.2+) ---

def domino_desired(design: Design, exchange_smtp_host: str, items: dict, route_name: str = 'CoexistExchange') -> dict:
    """What Domino needs for ``design``, as document items. ``items`` names the items HCL does
    not document (the role's variables with their defaults): smart_host, verify_recipients. The
    Exchange routing domain is routed the Domino way: a Foreign SMTP Domain document sends it to
    the destination ``route_name``, and an SMTP Connection document connects that destination to
    the Exchange host."""
    aliases = [design.domino_routing_domain] if design.domino_routing_domain else []
    config = {items['verify_recipients']: '1' if design.last_hop == 'domino' else '0',
              items['smart_host']: exchange_smtp_host if design.last_hop != 'domino' else ''}
    routes = {}
    if design.exchange_routing_domain:
        routes[design.exchange_routing_domain.lower()] = {'via': route_name, 'relay_host': exchange_smtp_host}
    return {'global_domain': {'LocalPrimaryInternetDomain': design.shared_domain, 'LocalInternetDomainAliases': aliases},
            'server_config': config, 'routes': routes}


def plan_domino(current: dict, desired: dict) -> list:
    """The document changes that make ``current`` (the Domino REST API's documents: the Global
    Domain, the Configuration Settings, the Foreign SMTP Domain and SMTP Connection documents of
    the route to Exchange) match ``desired``. Each
    change is {document, action, unid, items, why, restart}: ``restart`` says the server must
    restart for it (Global Domain changes load at start only, vendor facts D-6.2)."""
    changes = []
    domain = current.get('global_domain')
    wanted = desired['global_domain']
    if domain is None:
        changes.append({'document': 'global_domain', 'action': 'fail', 'unid': '', 'items': {}, 'restart': False,
                        'why': 'no Global Domain document found: create one in Domino Administrator first'})
    else:
        items = {}
        if str(domain.get('LocalPrimaryInternetDomain', '')).lower() != wanted['LocalPrimaryInternetDomain'].lower():
            items['LocalPrimaryInternetDomain'] = wanted['LocalPrimaryInternetDomain']
        have = _as_list(domain.get('LocalInternetDomainAliases'))
        missing = [a for a in wanted['LocalInternetDomainAliases'] if a.lower() not in (h.lower() for h in have)]
        if missing:
            items['LocalInternetDomainAliases'] = have + missing           # merged: other aliases stay
        if items:
            changes.append({'document': 'global_domain', 'action': 'update', 'unid': unid_of(domain),
                            'items': items, 'restart': True, 'why': f'{", ".join(sorted(items))} differ'})
    config = current.get('server_config')
    if config is None:
        changes.append({'document': 'server_config', 'action': 'fail', 'unid': '', 'items': {}, 'restart': False,
                        'why': 'no Configuration Settings document for all servers (* - [All Servers]) found'})
    else:
        # The item names are not documented by HCL: one the document does not have is a wrong
        # name, and writing it would add an item the router never reads.
        unknown = sorted(k for k in desired['server_config'] if k not in config)
        if unknown:
            changes.append({'document': 'server_config', 'action': 'fail', 'unid': unid_of(config), 'items': {},
                            'restart': False, 'why': f'the Configuration Settings document has no item {", ".join(unknown)}: '
                                                     f'check the item names (domino_smart_host_item_*)'})
        items = {k: v for k, v in desired['server_config'].items() if k in config and str(config[k]) != v}
        if items:
            changes.append({'document': 'server_config', 'action': 'update', 'unid': unid_of(config),
                            'items': items, 'restart': False, 'why': f'{", ".join(sorted(items))} differ'})
    domains = {str(d.get('domain', '')).lower(): d for d in current.get('foreign_domains') or []}
    connections = {str(c.get('destination', '')).lower(): c for c in current.get('connections') or []}
    for route_domain, route in desired['routes'].items():
        found = domains.get(route_domain)
        if found is None:
            changes.append({'document': 'foreign_domain', 'action': 'create', 'unid': '', 'restart': False,
                            'items': {'domain': route_domain, 'via': route['via']},
                            'why': f'mail for {route_domain} has no Foreign SMTP Domain document'})
        elif str(found.get('via', '')).lower() != route['via'].lower():
            changes.append({'document': 'foreign_domain', 'action': 'update', 'unid': unid_of(found),
                            'restart': False, 'items': {'via': route['via']},
                            'why': f'{route_domain} is routed to {found.get("via")}, not {route["via"]}'})
        connection = connections.get(route['via'].lower())
        if connection is None:
            changes.append({'document': 'connection', 'action': 'create', 'unid': '', 'restart': False,
                            'items': {'destination': route['via'], 'relay_host': route['relay_host']},
                            'why': f'no SMTP connection for {route["via"]} to {route["relay_host"]}'})
        elif str(connection.get('relay_host', '')).lower() != route['relay_host'].lower():
            changes.append({'document': 'connection', 'action': 'update', 'unid': unid_of(connection),
                            'restart': False, 'items': {'relay_host': route['relay_host']},
                            'why': f'{route["via"]} connects to {connection.get("relay_host")}, not {route["relay_host"]}'})
    return changes


def unid_of(document: dict) -> str:
    """A document's UNID as the Domino REST API returns it: in ``@meta`` (``unid``), or ``@unid``
    (bulk and list responses)."""
    return str(document.get('@unid') or (document.get('@meta') or {}).get('unid') or '')


def _as_list(value) -> list:
    if value is None or value == '':
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
