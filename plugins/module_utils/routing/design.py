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

    def configuration_problems(self) -> list:
        """Why the roles must not configure this design (on top of problems()): the guide's "Do not
        use" rows. The Exchange 2003 module, which only verifies, does not refuse these."""
        found = []
        if self.last_hop == 'domino' and not self.exchange_routing_domain:
            found.append('with Domino as the last hop the Domino contacts need coexist_exchange_routing_domain: a '
                         'contact forwarding to its own shared-domain address is a local recipient of Domino, which '
                         'resolves back to the contact or rejects it (Domino is the last hop) instead of sending it '
                         'to Exchange')
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
    problems = design.problems() + design.configuration_problems()
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


def _scope_and_space(text: str) -> tuple:
    """('Local:' or '', the address space without its scope): a scoped connector's spaces keep
    their scope when the role rewrites them (vendor facts X-1.7)."""
    text = str(text).strip()
    if text.lower().startswith('local:'):
        return 'Local:', text[len('local:'):]
    return '', text


def _spaces(values) -> set:
    """Send connector address spaces compared the way Exchange does: type and domain without
    case, 'example.com' meaning 'SMTP:example.com;1', the 'Local:' scope aside."""
    out = set()
    for value in values or ():
        text = _scope_and_space(value)[1]
        kind, _colon, rest = text.rpartition(':') if ':' in text else ('SMTP', '', text)
        domain, _semi, cost = rest.partition(';')
        out.add(f'{(kind or "SMTP").upper()}:{domain.strip().lower()};{cost.strip() or "1"}')
    return out


def _hosts(values) -> list:
    """Smart hosts and server names compared without case, an IP smart host with or without the
    brackets Exchange lists it in ([10.10.1.1] is 10.10.1.1; vendor facts X-1.7)."""
    return sorted(str(v).strip().strip('[]').lower() for v in values or ())


def exchange_desired(design: Design, domino_smtp_hosts: list, connector_name: str, excluded_policies=(),
                     source_transport_servers=()) -> dict:
    """What Exchange needs for ``design``: accepted domains, the send connector to Domino, the
    routing-domain template on every email address policy that applies to mailboxes (except the
    ones the site excludes)."""
    shared_type = 'Authoritative' if design.last_hop == 'exchange' else 'InternalRelay'
    accepted = {design.shared_domain.lower(): shared_type}
    if design.exchange_routing_domain:
        accepted[design.exchange_routing_domain.lower()] = 'Authoritative'
    spaces = [d for d in (design.domino_routing_domain,) if d]
    if design.last_hop != 'exchange':
        spaces.append(design.shared_domain)       # Exchange forwards its unknown recipients to Domino
    return {
        'accepted_domains': accepted,
        'domino_routing_domain': design.domino_routing_domain.lower(),
        'send_connector': {'name': connector_name, 'address_spaces': [_space(d) for d in spaces],
                           'smart_hosts': list(domino_smtp_hosts),
                           'source_transport_servers': list(source_transport_servers or ())},
        'address_policies': {'excluded': [str(n) for n in excluded_policies or ()],
                             'template': f'smtp:%m@{design.exchange_routing_domain}' if design.exchange_routing_domain else ''},
    }


def _covers(accepted: str, domain: str) -> bool:
    accepted, domain = accepted.lower(), domain.lower()
    return accepted == domain or (accepted.startswith('*.') and domain.endswith(accepted[1:]))


def _fail(why: str) -> dict:
    return {'cmdlet': 'fail', 'why': why, 'parameters': {}}


def plan_exchange(current: dict, desired: dict) -> list:
    """The cmdlet calls that make ``current`` (as the role's read script returns it: plain
    strings) match ``desired``; [] when nothing differs. Each call is {cmdlet, parameters,
    why}: the role passes the parameters as data (splatted), never as script text.

    Order matters while mail flows: a domain becomes Authoritative before an address space is
    taken off the connector, and the connector to Domino exists before a domain becomes
    InternalRelay (else Exchange briefly rejects, or has no route for, the unknown recipients).
    So: Authoritative domains, then the connector, then InternalRelay domains, then the policies."""
    have = {str(d.get('DomainName', '')).lower(): d for d in current.get('accepted_domains') or []}
    domino = desired.get('domino_routing_domain') or ''
    refused = []
    if domino:
        covering = sorted(str(d.get('DomainName')) for d in have.values()
                          if str(d.get('DomainType')) == 'Authoritative' and _covers(str(d.get('DomainName', '')), domino))
        if covering:
            # KB 321721: no contact may target a domain Exchange is authoritative for (vendor facts ).
            refused.append(_fail(f'the Domino routing domain {domino} is covered by the Authoritative accepted domain(s) '
                                 f'{", ".join(covering)}: the AD contacts target it, and Exchange would reject mail for '
                                 f'them (KB 321721). Remove that accepted domain or choose another Domino routing domain'))
    authoritative, relay = [], []
    for domain, kind in desired['accepted_domains'].items():
        found = have.get(domain)
        if found is None:
            call = {'cmdlet': 'New-AcceptedDomain', 'why': f'{domain} is not an accepted domain',
                    'parameters': {'Name': domain, 'DomainName': domain, 'DomainType': kind}}
        elif str(found.get('DomainType')) != kind:
            call = {'cmdlet': 'Set-AcceptedDomain', 'why': f'{domain} is {found.get("DomainType")}, needs {kind}',
                    'parameters': {'Identity': str(found.get('Name') or domain), 'DomainType': kind}}
        else:
            continue
        (authoritative if kind == 'Authoritative' else relay).append(call)
    return refused + authoritative + _plan_connector(current, desired['send_connector']) + relay + \
        _plan_policies(current, desired['address_policies'])


def _plan_connector(current: dict, wanted: dict) -> list:
    connector = next((c for c in current.get('send_connectors') or [] if c.get('Name') == wanted['name']), None)
    if not wanted['address_spaces']:
        return []
    spec = {'AddressSpaces': wanted['address_spaces'], 'SmartHosts': wanted['smart_hosts'], 'DNSRoutingEnabled': False}
    if wanted['source_transport_servers']:
        spec['SourceTransportServers'] = wanted['source_transport_servers']
    if connector is None:
        return [{'cmdlet': 'New-SendConnector', 'why': f'no send connector named {wanted["name"]!r}',
                 'parameters': dict(spec, Name=wanted['name'], Usage='Custom', SmartHostAuthMechanism='None')}]
    drift = []
    if _spaces(connector.get('AddressSpaces')) != _spaces(wanted['address_spaces']):
        drift.append('address spaces')
    scoped = any(_scope_and_space(a)[0] for a in connector.get('AddressSpaces') or [])
    if scoped:
        spec['AddressSpaces'] = [f'Local:{a}' for a in wanted['address_spaces']]
    if _hosts(connector.get('SmartHosts')) != _hosts(wanted['smart_hosts']):
        drift.append('smart hosts')
    if wanted['source_transport_servers'] and \
            _hosts(connector.get('SourceTransportServers')) != _hosts(wanted['source_transport_servers']):
        drift.append('source transport servers')
    if str(connector.get('DNSRoutingEnabled')).lower() == 'true':
        drift.append('DNS routing on')
    if str(connector.get('Enabled', 'true')).lower() == 'false':
        drift.append('disabled')
        spec['Enabled'] = True
    if not drift:
        return []
    return [{'cmdlet': 'Set-SendConnector', 'why': f'{wanted["name"]}: {", ".join(drift)} differ',
             'parameters': dict(spec, Identity=wanted['name'])}]


def _plan_policies(current: dict, wanted: dict) -> list:
    """Every email address policy that applies to mailboxes gets the routing-domain template
    (the mailboxes of any of them need the routing address, or Domino's forward bounces). A
    legacy (Exchange 2003) policy is explained, not changed: Set-EmailAddressPolicy asks to
    upgrade it, a prompt a non-interactive session cannot answer (vendor facts X-1.7)."""
    if not wanted['template']:
        return []
    policies = [p for p in current.get('address_policies') or [] if str(p.get('Name')) not in wanted['excluded']]
    if not policies:
        return [_fail('no email address policy applies to the mailboxes (or every one is excluded in '
                      'exchange_shared_namespace_address_policies_excluded): the mailboxes would get no address in the '
                      'Exchange routing domain')]
    major = _major(current.get('exchange_version'))
    calls = []
    for policy in sorted(policies, key=lambda p: _priority(p.get('Priority'))):
        name = str(policy.get('Name'))
        templates = [str(t) for t in policy.get('EnabledEmailAddressTemplates') or []]
        if wanted['template'].lower() in (t.lower() for t in templates):
            continue
        if str(policy.get('RecipientFilterType', '')).lower() == 'legacy' or str(policy.get('ExchangeVersion', '')).startswith('0.0'):
            calls.append(_fail(f'email address policy {name!r} was made by Exchange 2003 (RecipientFilterType Legacy): '
                               f'Set-EmailAddressPolicy would ask to upgrade its filter, which the role cannot answer. '
                               f'Upgrade it in the Exchange Management Shell after checking the filter it gets '
                               f'(Set-EmailAddressPolicy "{name}" -IncludedRecipients AllRecipients -ForceUpgrade, or its '
                               f'own -RecipientFilter), or exclude it (exchange_shared_namespace_address_policies_excluded)'))
            continue
        calls.append({'cmdlet': 'Set-EmailAddressPolicy', 'why': f'{name} lacks {wanted["template"]}',
                      'parameters': {'Identity': name, 'EnabledEmailAddressTemplates': templates + [wanted['template']]}})
        update = {'Identity': name}
        if major >= 15:                       # Exchange 2013 and later: the primary addresses are left alone
            update['UpdateSecondaryAddressesOnly'] = True
        calls.append({'cmdlet': 'Update-EmailAddressPolicy', 'why': f'stamp the new address on the recipients of {name}',
                      'parameters': update})
    return calls


def _major(version) -> int:
    """The major version of Exchange from AdminDisplayVersion ('Version 15.2 (Build 1118.7)')."""
    digits = ''.join(ch if ch.isdigit() or ch == '.' else ' ' for ch in str(version or '')).split()
    try:
        return int(digits[0].split('.')[0]) if digits else 0
    except ValueError:
        return 0


def _priority(value) -> int:
    text = str(value or '').strip()
    return int(text) if text.isdigit() else 2 ** 31            # 'Lowest' (the default policy) last


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
                (call['cmdlet'] == 'fail' and 'address polic' in call['why']):
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
#
# Every write is verified against what the Domino REST API returned at run time, or not made
# (docs: guide_routing "Names the roles write"). Documents are read in the explicit mode
# ``default`` (GET /document/{unid}?mode=default): a DQL query returns only the items of the form's
# ``dql`` mode (vendor facts D-7.5), so a missing item is never taken to be empty.

GLOBAL_DOMAIN_ITEMS = ('LocalPrimaryInternetDomain', 'LocalInternetDomainAliases')   # vendor facts D-6.2
ROUTE_KINDS = ('foreign_domain', 'connection')


def domino_desired(design: Design, exchange_smtp_host: str, items: dict, route_name: str = 'CoexistExchange',
                   change_primary: bool = False) -> dict:
    """What Domino needs for ``design``, as document items. ``items`` names the Configuration
    Settings items HCL does not document (the role's variables): smart_host, verify_recipients.
    The shared domain is added as an alias of the Global Domain unless ``change_primary`` lets the
    role make it the primary (a Global Domain's primary domain is the sender domain of its users:
    changing it is the admin's decision). The Exchange routing domain is routed the Domino way: a
    Foreign SMTP Domain document sends it to the destination domain ``route_name``, an SMTP
    Connection document connects that destination to the Exchange host."""
    aliases = [design.domino_routing_domain] if design.domino_routing_domain else []
    config = {items['verify_recipients']: '1' if design.last_hop == 'domino' else '0',
              items['smart_host']: exchange_smtp_host if design.last_hop != 'domino' else ''}
    routes = {}
    if design.exchange_routing_domain:
        routes[design.exchange_routing_domain.lower()] = {'via': route_name, 'relay_host': exchange_smtp_host}
    return {'global_domain': {'primary': design.shared_domain, 'aliases': aliases, 'change_primary': change_primary},
            'server_config': config, 'routes': routes}


def _change(document: str, action: str, why: str, unid: str = '', items: dict | None = None, restart: bool = False,
            steps: str = '') -> dict:
    return {'document': document, 'action': action, 'unid': unid, 'items': items or {}, 'restart': restart, 'why': why,
            'steps': steps}


def select_global_domain(documents: list, select: dict):
    """(the Global Domain document the role may change, or None; why not). ``select`` names it:
    ``{'@unid': ...}`` or items and values the site confirmed (its name, its default flag).
    Without ``select`` only a directory with exactly one Global Domain document is accepted: with
    several, the Router uses the default one (or, with none flagged, the last alphabetically;
    vendor facts D-6.2), which the role cannot tell from documented items - never "the first"."""
    if select:
        found = [d for d in documents if all(
            (unid_of(d).upper() == str(v).upper()) if k in ('@unid', 'unid') else
            [x.lower() for x in _as_list(d.get(k))] == [x.lower() for x in _as_list(v)] for k, v in select.items())]
        if len(found) == 1:
            return found[0], ''
        return None, (f'{len(found)} Global Domain documents match domino_smart_host_global_domain_select {select!r} '
                      f'(of {len(documents)} read): it must match exactly one')
    if len(documents) == 1:
        return documents[0], ''
    if not documents:
        return None, ('no Global Domain document found (the names scope needs a dql mode for form Domain, and the '
                      'directory a Global Domain document: Domino Administrator, Configuration, Messaging, Domains, '
                      'Add Domain, Domain type Global Domain)')
    return None, (f'{len(documents)} Global Domain documents (UNIDs {", ".join(unid_of(d) for d in documents)}): name '
                  f'the one the SMTP servers use - the one with "Use as default Global Domain" set - in '
                  f'domino_smart_host_global_domain_select ({{"@unid": "<UNID>"}}: Domino Administrator, Configuration, '
                  f'Messaging, Domains, open the document, File > Document Properties, the UNID on the Document IDs tab)')


def _plan_global_domain(current: dict, wanted: dict, select: dict) -> list:
    domain, why = select_global_domain(current.get('global_domains') or [], select)
    if domain is None:
        return [_change('global_domain', 'fail', why)]
    absent = [item for item in GLOBAL_DOMAIN_ITEMS if item not in domain]
    if absent:
        # Absent is not empty: the read did not return the item (a mode without it), and merging
        # into nothing would replace the aliases the site has.
        return [_change('global_domain', 'fail', unid=unid_of(domain),
                        why=f'the Global Domain document {unid_of(domain)} was read without {", ".join(absent)}: add '
                            f'the item(s) to the mode "default" of form Domain in the Domino REST API schema of the '
                            f'names scope (Admin UI, Schemas, the form Domain, mode default, Fields)')]
    items = {}
    have = _as_list(domain.get('LocalInternetDomainAliases'))
    primary = str(domain.get('LocalPrimaryInternetDomain') or '')
    aliases = list(wanted['aliases'])
    if primary.lower() != wanted['primary'].lower():
        if wanted['change_primary']:
            items['LocalPrimaryInternetDomain'] = wanted['primary']
            if primary:
                aliases.append(primary)                     # the old primary stays a local domain
        else:
            aliases.append(wanted['primary'])               # local as an alias; the primary is the site's
    lowered = [h.lower() for h in have]
    missing = []
    for alias in aliases:
        if alias.lower() not in lowered + [m.lower() for m in missing]:
            missing.append(alias)
    if missing:
        items['LocalInternetDomainAliases'] = have + missing         # merged: other aliases stay
    if not items:
        return []
    return [_change('global_domain', 'update', unid=unid_of(domain), items=items, restart=True,
                    why=f'Global Domain {unid_of(domain)}: {", ".join(sorted(items))} differ')]


def _server_names(document: dict) -> list:
    return [_short_name(n) for n in _as_list(document.get('ServerName'))]


def _short_name(name: str) -> str:
    """A Domino name compared the way it is written in the abbreviated form, without case:
    CN=mail1/O=Acme and mail1/Acme are the same server."""
    parts = [p.split('=', 1)[-1] if '=' in p else p for p in str(name).strip().split('/')]
    return '/'.join(parts).lower()


def resolve_server_configs(documents: list, servers: list, server_groups: dict | None = None) -> tuple:
    """({server: the Configuration Settings document that applies to it}, [why a server has none]).
    A server reads the document naming it, else one naming a group it is in, else the default
    (``*`` or "Use these settings as the default settings for all servers"); several group
    documents for one server give undefined results (vendor facts D-6.4). ``server_groups`` says
    which groups each server is in; without it, a document naming anything but ``*`` and the
    play's servers could be a group the server is in, and the server is refused."""
    server_groups = server_groups or {}
    known = {_short_name(s) for s in servers}
    resolved, problems = {}, []

    def settled(server: str, applying: list, several: str) -> bool:
        """One level (the server's own documents, then its groups'): one document applies and is
        the server's, several are a problem; False when none, and the next level decides."""
        if len(applying) > 1:
            problems.append(several)
        elif applying:
            resolved[server] = applying[0]
        return bool(applying)

    for server in servers:
        name = _short_name(server)
        own = [d for d in documents if name in _server_names(d)]
        if settled(server, own, f'{server}: {len(own)} Configuration Settings documents name it '
                                f'({", ".join(unid_of(d) for d in own)}); keep one'):
            continue
        if server in server_groups or name in {_short_name(k) for k in server_groups}:
            groups = {_short_name(g) for k, v in server_groups.items() if _short_name(k) == name for g in v or []}
            in_group = [d for d in documents if groups & set(_server_names(d))]
            if settled(server, in_group, f'{server}: {len(in_group)} group Configuration Settings documents apply to '
                                         f'it, which HCL calls undefined; keep one'):
                continue
        else:
            unsure = sorted({n for d in documents for n in _server_names(d) if n != '*' and n not in known})
            if unsure:
                problems.append(f'{server}: Configuration Settings documents name {", ".join(unsure)}, which may be '
                                f'groups {server} is in (a group document applies before the default one): list its '
                                f'groups in domino_smart_host_server_groups ({{"{server}": []}} when it is in none of '
                                f'them)')
                continue
        default = [d for d in documents if '*' in _server_names(d) or str(d.get('UseAsDefault', '')) == '1']
        if len(default) == 1:
            resolved[server] = default[0]
        else:
            problems.append(f'{server}: {len(default)} default Configuration Settings documents (* - [All Servers]); '
                            f'the role needs exactly one, or one naming the server')
    return resolved, problems


def _plan_server_configs(current: dict, wanted: dict, servers: list, server_groups: dict) -> list:
    if not servers:
        return [_change('server_config', 'fail', 'no Domino servers named (domino_smart_host_servers): the role '
                                                 'cannot tell which Configuration Settings documents apply')]
    resolved, problems = resolve_server_configs(current.get('server_configs') or [], servers, server_groups)
    changes = [_change('server_config', 'fail', why) for why in problems]
    seen = {}
    for server, document in resolved.items():
        seen.setdefault(unid_of(document), (document, []))[1].append(server)
    for unid, (document, applies_to) in seen.items():
        # HCL does not document these item names: one the document (read in mode default) does
        # not have is unconfirmed, and writing it would add an item the Router never reads.
        unknown = sorted(k for k in wanted if k not in document)
        if unknown:
            changes.append(_change('server_config', 'manual', unid=unid,
                                   why=f'the Configuration Settings document {unid} ({", ".join(applies_to)}) has no '
                                       f'item {", ".join(unknown)}: the item names are not confirmed',
                                   steps=config_steps(wanted, applies_to)))
            continue
        items = {k: v for k, v in wanted.items() if _as_list(document.get(k)) != _as_list(v)}
        if items:
            changes.append(_change('server_config', 'update', unid=unid, items=items,
                                   why=f'Configuration Settings {unid} ({", ".join(applies_to)}): '
                                       f'{", ".join(sorted(items))} differ'))
    return changes


def config_steps(wanted: dict, servers: list) -> str:
    smart_host = next((v for v in wanted.values() if v not in ('0', '1')), '')
    verify = next((v for v in wanted.values() if v in ('0', '1')), '0')
    return (f'In Domino Administrator: Configuration, Messaging, Configurations; open the Configuration Settings '
            f'document that applies to {", ".join(servers)}; Router/SMTP, Basics: "Local Internet domain smart host" '
            f'= {smart_host or "(empty)"}; Router/SMTP, Restrictions and Controls, SMTP Inbound Controls: "Verify that '
            f'local domain recipients exist in the Domino Directory" = {"Enabled" if verify == "1" else "Disabled"}. '
            f'Save, then "tell router update config". To let the role do it, confirm the two item names '
            f'(File > Document Properties, Fields tab) in domino_smart_host_item_smart_host and '
            f'domino_smart_host_item_verify_recipients, and add them to the mode "default" of form ServerConfig')


def route_steps(route_domain: str, route: dict, servers: list) -> str:
    return (f'In Domino Administrator: Configuration, Messaging, Domains, Add Domain: Domain type "Foreign SMTP '
            f'Domain"; Messages addressed to - Internet Domain: {route_domain}; Should be routed to - Domain name: '
            f'{route["via"]}. Save. Then Configuration, Messaging, Connections, Add Connection: Connection type '
            f'"SMTP"; Source server: {", ".join(servers) or "<your SMTP server>"}; Connect via: Direct connection; '
            f'Destination domain: {route["via"]}; SMTP MTA relay host: {route["relay_host"]}. Save. The role then '
            f'reads both documents and confirms its item names from them (domino_smart_host_foreign_domain_document, '
            f'domino_smart_host_connection_document)')


def _confirmed(kind: str, documents: list, names: dict, confirmed: list) -> bool:
    """Whether the item names of ``kind`` are confirmed: by the site (``confirmed``), or at run
    time by a document the admin made (read in mode default) that has every one of them."""
    if kind in confirmed:
        return True
    wanted = [v for k, v in names.items() if k.endswith('_item')]
    return any(all(item in d for item in wanted) for d in documents)


def _plan_routes(current: dict, routes: dict, site: dict) -> list:
    changes = []
    names = {'foreign_domain': site['foreign_domain_document'], 'connection': site['connection_document']}
    documents = {'foreign_domain': current.get('foreign_domains') or [], 'connection': current.get('connections') or []}
    confirmed = {k: _confirmed(k, documents[k], names[k], site.get('confirmed') or []) for k in ROUTE_KINDS}
    fd, cn = names['foreign_domain'], names['connection']
    servers = list(site.get('servers') or [])
    for route_domain, route in routes.items():
        steps = route_steps(route_domain, route, servers)
        domain = next((d for d in documents['foreign_domain']
                       if route_domain in (x.lower() for x in _as_list(d.get(fd['domain_item'])))), None)
        connection = next((c for c in documents['connection']
                           if route['via'].lower() in (x.lower() for x in _as_list(c.get(cn['destination_item'])))), None)
        wants = {'foreign_domain': {fd['domain_item']: route_domain, fd['via_item']: route['via']},
                 'connection': {cn['destination_item']: route['via'], cn['relay_host_item']: route['relay_host'],
                                cn['source_server_item']: servers}}
        for kind, found in (('foreign_domain', domain), ('connection', connection)):
            names_of = names[kind]
            if found is None:
                if not confirmed[kind]:
                    changes.append(_change(kind, 'manual', steps=steps,
                                           why=f'no {kind.replace("_", " ")} document routes {route_domain}, and its '
                                               f'item names are not confirmed: the role does not create it'))
                    continue
                if kind == 'connection' and not servers:
                    changes.append(_change(kind, 'fail', 'an SMTP Connection document needs its source server(s): '
                                                         'set domino_smart_host_servers'))
                    continue
                items = dict({'Form': names_of['form'], names_of['type_item']: names_of['type']}, **wants[kind])
                changes.append(_change(kind, 'create', items=items,
                                       why=f'mail for {route_domain} has no {kind.replace("_", " ")} document'))
                continue
            absent = [item for item in wants[kind] if item not in found]
            if absent:
                changes.append(_change(kind, 'manual', unid=unid_of(found), steps=steps,
                                       why=f'the {kind.replace("_", " ")} document {unid_of(found)} was read without '
                                           f'{", ".join(absent)}: its item names are not confirmed'))
                continue
            items = {k: v for k, v in wants[kind].items()
                     if sorted(x.lower() for x in _as_list(found.get(k))) != sorted(x.lower() for x in _as_list(v))}
            if kind == 'connection' and cn['source_server_item'] in items:
                # Source servers the admin added stay: the role adds the play's servers.
                have = _as_list(found.get(cn['source_server_item']))
                items[cn['source_server_item']] = have + [s for s in servers if _short_name(s) not in
                                                          {_short_name(h) for h in have}]
                if len(items[cn['source_server_item']]) == len(have):
                    del items[cn['source_server_item']]
            if items:
                changes.append(_change(kind, 'update', unid=unid_of(found), items=items,
                                       why=f'{kind.replace("_", " ")} {unid_of(found)}: {", ".join(sorted(items))} differ'))
    return changes


def plan_domino(current: dict, desired: dict, site: dict | None = None) -> list:
    """The document changes that make ``current`` (the documents the Domino REST API returned in
    mode default: ``global_domains``, ``server_configs``, ``foreign_domains``, ``connections``)
    match ``desired``. ``site`` holds what the site confirmed: ``global_domain_select``,
    ``servers`` (the SMTP servers the play configures), ``server_groups``, ``confirmed`` (document
    kinds whose item names the admin confirmed) and the route documents' names. Each change is
    {document, action, unid, items, why, restart, steps}: action ``update``/``create`` is written,
    ``manual`` is printed with its Domino Administrator steps (the role then writes nothing),
    ``fail`` refuses; ``restart``: Global Domain changes load at server start only (vendor facts
    D-6.2)."""
    site = dict(SITE_DEFAULTS, **(site or {}))
    changes = _plan_global_domain(current, desired['global_domain'], site['global_domain_select'] or {})
    changes += _plan_server_configs(current, desired['server_config'], list(site['servers'] or []),
                                    site['server_groups'] or {})
    changes += _plan_routes(current, desired['routes'], site)
    return changes


SITE_DEFAULTS = {
    'global_domain_select': {}, 'servers': [], 'server_groups': {}, 'confirmed': [],
    'foreign_domain_document': {'form': 'Domain', 'type_item': 'DomainType', 'type': 'ForeignSMTPDomain',
                                'domain_item': 'ISP_Domain', 'via_item': 'ISP_RouteTo'},
    'connection_document': {'form': 'Connection', 'type_item': 'ConnectionType', 'type': 'SMTP',
                            'destination_item': 'Destination', 'relay_host_item': 'ConnectionHost',
                            'source_server_item': 'Source'},
}


def unid_of(document: dict) -> str:
    """A document's UNID as the Domino REST API returns it: in ``@meta`` (``unid``), or ``@unid``
    (bulk and list responses)."""
    return str(document.get('@unid') or (document.get('@meta') or {}).get('unid') or '')


def _as_list(value) -> list:
    if value is None or value == '':
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
