"""The routing design, its simulation, and the Exchange and Domino planners (pure functions). The
current states come from fixtures labelled SYNTHESIZED: no Exchange or Domino server runs here."""
from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.design import (
    Design, check_design, domino_desired, exchange_desired, plan_domino, plan_exchange, resolve_server_configs, routing_check,
    routing_problems, unid_of)

FIXTURES = Path(__file__).parent / 'fixtures'
ITEMS = {'smart_host': 'SMTPSmartHost', 'verify_recipients': 'SMTPVerifyAuthenticatedRecipients'}


def design(**changes) -> Design:
    values = dict(last_hop='domino', shared_domain='example.com', domino_routing_domain='domino.example.com',
                  exchange_routing_domain='exchange.example.com')
    values.update(changes)
    return Design(**values)


# --- the routing check: every last hop and every choice of routing domains ---

ROUTING_DOMAINS = [('domino.example.com', 'exchange.example.com'), ('', 'exchange.example.com'),
                   ('domino.example.com', ''), ('', '')]


@pytest.mark.parametrize('last_hop, domains', list(itertools.product(['domino', 'exchange'], ROUTING_DOMAINS)))
def test_one_last_hop_delivers_every_mailbox_and_rejects_the_unknown_once(last_hop, domains):
    d = design(last_hop=last_hop, domino_routing_domain=domains[0], exchange_routing_domain=domains[1])
    if last_hop == 'exchange' and not domains[0]:
        # KB 321721: an AD contact cannot target a domain Exchange is authoritative for
        assert any('KB 321721' in p for p in d.problems())
        return
    if last_hop == 'domino' and not domains[1]:
        # issue 14 item 9: the Domino contacts would forward into Domino's own local domain
        assert d.problems() == [] and any('coexist_exchange_routing_domain' in p for p in d.configuration_problems())
        assert any('coexist_exchange_routing_domain' in p for p in check_design(d)[0])
        return
    assert d.problems() == []
    assert bool(d.warnings()) == (not domains[1] or (last_hop == 'exchange' and bool(domains[0])))
    routes = routing_check(d)
    assert routing_problems(routes) == []
    for route in routes:
        if route.recipient.startswith('nobody.'):
            assert route.outcome == 'rejected' and route.ends_at == last_hop      # at the last hop, once
            assert sum('rejected' in what for _system, what in route.hops) == 1


@pytest.mark.parametrize('domains', ROUTING_DOMAINS)
def test_both_forwarding_unknowns_is_refused_and_shown_to_loop(domains):
    d = design(last_hop='none', domino_routing_domain=domains[0], exchange_routing_domain=domains[1])
    assert any('KB 321721' in p for p in d.problems())
    assert Design(**{**d.__dict__, 'accept_loop_risk': True}).problems() == []      # the explicit opt-in
    unknown = [r for r in routing_check(d) if r.recipient.startswith('nobody.')]
    assert all(r.outcome == 'loop' for r in unknown)
    assert any('loop' in p for p in routing_problems(routing_check(d)))


@pytest.mark.parametrize('changes, message', [
    ({'last_hop': 'both'}, 'must be one of'),
    ({'shared_domain': ''}, 'coexist_shared_domain is empty'),
    ({'domino_routing_domain': 'example.com'}, 'must all differ'),
])
def test_bad_designs_are_refused(changes, message):
    assert any(message in p for p in design(**changes).problems())


# --- Exchange ---

def exchange_plan(d: Design, current: dict, **options) -> list:
    return plan_exchange(current, exchange_desired(d, ['domino1.example.com', 'domino2.example.com'],
                                                   'coexist: to Domino', **options))


def test_exchange_from_nothing():
    current = {'accepted_domains': [], 'send_connectors': [],
               'address_policies': [{'Name': 'Default Policy', 'EnabledEmailAddressTemplates': ['SMTP:%m@example.com']}]}
    calls = exchange_plan(design(), current)
    # the connector to Domino exists before the shared domain becomes InternalRelay (issue 14 item 7)
    assert [c['cmdlet'] for c in calls] == ['New-AcceptedDomain', 'New-SendConnector', 'New-AcceptedDomain',
                                            'Set-EmailAddressPolicy', 'Update-EmailAddressPolicy']
    assert calls[2]['parameters'] == {'Name': 'example.com', 'DomainName': 'example.com', 'DomainType': 'InternalRelay'}
    assert calls[0]['parameters']['DomainType'] == 'Authoritative'
    connector = calls[1]['parameters']
    assert connector['AddressSpaces'] == ['SMTP:domino.example.com;1', 'SMTP:example.com;1']
    assert connector['SmartHosts'] == ['domino1.example.com', 'domino2.example.com'] and connector['DNSRoutingEnabled'] is False
    assert calls[3]['parameters']['EnabledEmailAddressTemplates'] == ['SMTP:%m@example.com', 'smtp:%m@exchange.example.com']


def test_exchange_drift_is_corrected_and_other_objects_left_alone():
    current = json.loads((FIXTURES / 'exchange_state_drifted.json').read_text())
    calls = exchange_plan(design(), current)
    by_cmdlet = {c['cmdlet']: c for c in calls}
    assert by_cmdlet['Set-AcceptedDomain']['parameters'] == {'Identity': 'example.com', 'DomainType': 'InternalRelay'}
    fix = by_cmdlet['Set-SendConnector']
    assert fix['parameters']['Identity'] == 'coexist: to Domino' and fix['parameters']['Enabled'] is True
    assert 'address spaces' in fix['why'] and 'smart hosts' in fix['why'] and 'disabled' in fix['why']
    # the Internet connector and the other accepted domain are not the role's
    assert not any('Internet' in json.dumps(c['parameters']) or 'corp.example.com' in json.dumps(c['parameters'])
                   for c in calls)


def test_exchange_converged_state_is_a_no_op_and_the_plan_depends_on_the_state_alone():
    current = json.loads((FIXTURES / 'exchange_state_drifted.json').read_text())
    converged = copy.deepcopy(current)
    converged['accepted_domains'][0]['DomainType'] = 'InternalRelay'
    converged['accepted_domains'].append({'Name': 'exchange', 'DomainName': 'Exchange.Example.com',
                                          'DomainType': 'Authoritative'})
    converged['send_connectors'][1].update(AddressSpaces=['smtp:Example.com;1', 'domino.example.com'],
                                           SmartHosts=['DOMINO2.example.com', 'domino1.example.com'], Enabled='True')
    converged['address_policies'][0]['EnabledEmailAddressTemplates'].append('smtp:%m@exchange.example.com')
    assert exchange_plan(design(), converged) == []
    # the module plans the same in check mode and in a real run because planning reads its
    # inputs only: it leaves them as they were, and the order Exchange lists objects in is no input
    untouched = copy.deepcopy(current)
    calls = exchange_plan(design(), current)
    assert calls and current == untouched
    reordered = {key: list(reversed(value)) if isinstance(value, list) else value for key, value in current.items()}
    assert exchange_plan(design(), reordered) == calls


def test_exchange_last_hop_makes_the_shared_domain_authoritative_and_keeps_it_off_the_connector():
    calls = exchange_plan(design(last_hop='exchange'), {'address_policies': [{'Name': 'Default Policy'}]})
    accepted = [c['parameters'] for c in calls if c['cmdlet'] == 'New-AcceptedDomain']
    assert {'Name': 'example.com', 'DomainName': 'example.com', 'DomainType': 'Authoritative'} in accepted
    connector = next(c['parameters'] for c in calls if c['cmdlet'] == 'New-SendConnector')
    assert connector['AddressSpaces'] == ['SMTP:domino.example.com;1']


def test_a_missing_address_policy_is_an_error_not_a_new_policy():
    calls = exchange_plan(design(), {'address_policies': []})
    assert calls[-1]['cmdlet'] == 'fail' and 'exchange_shared_namespace_address_policies_excluded' in calls[-1]['why']
    calls = exchange_plan(design(), {'address_policies': [{'Name': 'Default Policy'}]}, excluded_policies=['Default Policy'])
    assert calls[-1]['cmdlet'] == 'fail'


def test_the_order_keeps_mail_flowing():
    """Issue 14 item 7: before, Set-AcceptedDomain InternalRelay came before the connector had
    the shared domain (unknown recipients without a route), and with Exchange as the new last hop
    the address space went off the connector before the domain was Authoritative."""
    current = json.loads((FIXTURES / 'exchange_state_drifted.json').read_text())
    cmdlets = [c['cmdlet'] for c in exchange_plan(design(), current)]
    assert cmdlets.index('Set-SendConnector') < cmdlets.index('Set-AcceptedDomain')
    current['accepted_domains'][0]['DomainType'] = 'InternalRelay'
    current['send_connectors'][1].update(AddressSpaces=['SMTP:example.com;1', 'SMTP:domino.example.com;1'],
                                         SmartHosts=['domino1.example.com', 'domino2.example.com'], Enabled='True')
    calls = exchange_plan(design(last_hop='exchange'), current)
    cmdlets = [c['cmdlet'] for c in calls]
    assert cmdlets.index('Set-AcceptedDomain') < cmdlets.index('Set-SendConnector')
    assert calls[cmdlets.index('Set-SendConnector')]['parameters']['AddressSpaces'] == ['SMTP:domino.example.com;1']


def converged_exchange() -> dict:
    current = json.loads((FIXTURES / 'exchange_state_drifted.json').read_text())
    current['accepted_domains'][0]['DomainType'] = 'InternalRelay'
    current['accepted_domains'].append({'Name': 'exchange', 'DomainName': 'exchange.example.com', 'DomainType': 'Authoritative'})
    current['send_connectors'][1].update(AddressSpaces=['SMTP:example.com;1', 'SMTP:domino.example.com;1'],
                                         SmartHosts=['domino1.example.com', 'domino2.example.com'], Enabled='True',
                                         SourceTransportServers=['EX01'])
    current['address_policies'][0]['EnabledEmailAddressTemplates'].append('smtp:%m@exchange.example.com')
    return current


def test_connector_details_are_compared_as_exchange_lists_them():
    """Issue 14 item 9: an IP smart host listed in brackets is the same host; a scoped (Local:)
    connector keeps its scope; SourceTransportServers is compared when the site gives it."""
    current = converged_exchange()
    current['send_connectors'][1]['SmartHosts'] = ['[192.0.2.10]', 'domino2.example.com']
    plan = plan_exchange(current, exchange_desired(design(), ['192.0.2.10', 'domino2.example.com'], 'coexist: to Domino'))
    assert plan == []
    current['send_connectors'][1]['AddressSpaces'] = ['Local:SMTP:example.com;1']
    plan = plan_exchange(current, exchange_desired(design(), ['192.0.2.10', 'domino2.example.com'], 'coexist: to Domino'))
    assert plan[0]['parameters']['AddressSpaces'] == ['Local:SMTP:domino.example.com;1', 'Local:SMTP:example.com;1']
    plan = exchange_plan(design(), converged_exchange(), source_transport_servers=['EX01', 'EX02'])
    assert [c['cmdlet'] for c in plan] == ['Set-SendConnector'] and 'source transport servers' in plan[0]['why']
    assert plan[0]['parameters']['SourceTransportServers'] == ['EX01', 'EX02']
    assert exchange_plan(design(), converged_exchange(), source_transport_servers=['ex01']) == []


@pytest.mark.parametrize('accepted', ['domino.example.com', '*.example.com'])
def test_an_authoritative_domain_covering_the_domino_routing_domain_is_refused(accepted):
    current = converged_exchange()
    current['accepted_domains'].append({'Name': 'x', 'DomainName': accepted, 'DomainType': 'Authoritative'})
    calls = exchange_plan(design(), current)
    assert calls[0]['cmdlet'] == 'fail' and 'KB 321721' in calls[0]['why'] and accepted in calls[0]['why']


def test_every_mailbox_policy_gets_the_routing_domain_and_a_legacy_one_is_explained():
    """Issue 14 item 8: before, only the policy named Default Policy was changed, and without
    -UpdateSecondaryAddressesOnly; a legacy policy would have met an upgrade prompt."""
    current = converged_exchange()
    current['exchange_version'] = 'Version 15.2 (Build 1118.7)'
    current['address_policies'].insert(0, {'Name': 'Sales', 'Priority': '1', 'RecipientFilterType': 'Precanned',
                                           'EnabledEmailAddressTemplates': ['SMTP:%m@sales.example.com']})
    calls = exchange_plan(design(), current)
    assert [(c['cmdlet'], c['parameters']) for c in calls] == [
        ('Set-EmailAddressPolicy', {'Identity': 'Sales', 'EnabledEmailAddressTemplates': [
            'SMTP:%m@sales.example.com', 'smtp:%m@exchange.example.com']}),
        ('Update-EmailAddressPolicy', {'Identity': 'Sales', 'UpdateSecondaryAddressesOnly': True})]
    current['exchange_version'] = 'Version 14.3 (Build 123.4)'                 # Exchange 2010: no such switch
    assert exchange_plan(design(), current)[1]['parameters'] == {'Identity': 'Sales'}
    current['address_policies'][0]['RecipientFilterType'] = 'Legacy'
    calls = exchange_plan(design(), current)
    assert [c['cmdlet'] for c in calls] == ['fail'] and 'Exchange 2003' in calls[0]['why'] and '-ForceUpgrade' in calls[0]['why']
    assert exchange_plan(design(), current, excluded_policies=['Sales']) == []


# --- Domino ---

SERVERS = ['mail1/Acme']
CONFIRMED = {'servers': SERVERS, 'confirmed': ['foreign_domain', 'connection']}


def domino_state() -> dict:
    """The SYNTHESIZED fixture as the role hands it to the planner (documents read in mode default)."""
    state = json.loads((FIXTURES / 'domino_state_drifted.json').read_text())
    return {'global_domains': [state['global_domain']], 'server_configs': [state['server_config']],
            'foreign_domains': [], 'connections': []}


def domino_plan(d: Design, current: dict, site: dict | None = None, **desired) -> list:
    return plan_domino(current, domino_desired(d, 'exchange-smtp.example.com', ITEMS, **desired),
                       CONFIRMED if site is None else site)


def test_domino_drift_is_corrected_and_the_restart_asked_for():
    current = domino_state()
    changes = domino_plan(design(), current)
    domain = next(c for c in changes if c['document'] == 'global_domain')
    assert domain['items'] == {'LocalInternetDomainAliases': ['acme.example.org', 'domino.example.com']}   # merged
    assert domain['restart'] is True and domain['unid'] == '8A1F0C2B3D4E5F60718293A4B5C6D7E8'
    config = next(c for c in changes if c['document'] == 'server_config')
    # Domino is the last hop: verify local recipients on, no smart host
    assert config['items'] == {'SMTPVerifyAuthenticatedRecipients': '1', 'SMTPSmartHost': ''}
    routes = {c['document']: c for c in changes if c['document'] in ('foreign_domain', 'connection')}
    assert routes['foreign_domain']['action'] == 'create'
    assert routes['foreign_domain']['items'] == {'Form': 'Domain', 'DomainType': 'ForeignSMTPDomain',
                                                 'ISP_Domain': 'exchange.example.com', 'ISP_RouteTo': 'CoexistExchange'}
    assert routes['connection']['items'] == {'Form': 'Connection', 'ConnectionType': 'SMTP', 'Destination': 'CoexistExchange',
                                             'ConnectionHost': 'exchange-smtp.example.com', 'Source': SERVERS}


def test_domino_converged_is_a_no_op_and_exchange_last_hop_sets_the_smart_host():
    current = domino_state()
    current['global_domains'][0]['LocalInternetDomainAliases'].append('DOMINO.example.com')
    current['server_configs'][0].update(SMTPVerifyAuthenticatedRecipients='1', SMTPSmartHost='')
    current['foreign_domains'] = [{'@unid': 'AB' * 16, 'ISP_Domain': 'exchange.example.com', 'ISP_RouteTo': 'CoexistExchange'}]
    current['connections'] = [{'@unid': 'CD' * 16, 'Destination': 'CoexistExchange', 'ConnectionHost': 'Exchange-SMTP.example.com',
                               'Source': ['CN=mail1/O=Acme', 'mail2/Acme']}]
    assert domino_plan(design(), current) == []
    changes = domino_plan(design(last_hop='exchange'), current)
    assert [(c['document'], c['action'], c['items']) for c in changes] == [
        ('server_config', 'update', {'SMTPVerifyAuthenticatedRecipients': '0', 'SMTPSmartHost': 'exchange-smtp.example.com'})]


def test_domino_without_its_documents_is_an_error():
    changes = domino_plan(design(), {})
    assert [c['action'] for c in changes if c['document'] in ('global_domain', 'server_config')] == ['fail', 'fail']


def test_an_item_the_read_did_not_return_is_never_taken_as_empty():
    """Issue 14 item 1: a DQL read returns only the dql mode's items; the aliases absent are not
    'no aliases' (before: ['acme.example.org'] was replaced by ['domino.example.com'])."""
    current = domino_state()
    del current['global_domains'][0]['LocalInternetDomainAliases']
    changes = domino_plan(design(), current)
    domain = [c for c in changes if c['document'] == 'global_domain']
    assert [c['action'] for c in domain] == ['fail'] and 'read without LocalInternetDomainAliases' in domain[0]['why']


def test_the_global_domain_is_selected_by_unid_or_confirmed_items_never_the_first():
    current = domino_state()
    first = current['global_domains'][0]
    other = dict(first, **{'@meta': {'unid': 'C0' * 16}, 'LocalPrimaryInternetDomain': 'acme.example.org',
                           'LocalInternetDomainAliases': [], 'DomainName': 'Acme'})
    current['global_domains'] = [first, other]
    failed = domino_plan(design(), current)[0]
    assert failed['action'] == 'fail' and '2 Global Domain documents' in failed['why']
    for select in ({'@unid': 'c0' * 16}, {'DomainName': 'acme'}):
        changed = domino_plan(design(), current, dict(CONFIRMED, global_domain_select=select))[0]
        assert changed['unid'] == 'C0' * 16
        # the site's primary stays; the shared domain becomes an alias
        assert changed['items'] == {'LocalInternetDomainAliases': ['domino.example.com', 'example.com']}
    failed = domino_plan(design(), current, dict(CONFIRMED, global_domain_select={'DomainName': 'nope'}))[0]
    assert failed['action'] == 'fail' and 'must match exactly one' in failed['why']


def test_the_primary_is_changed_only_when_the_admin_opts_in():
    current = domino_state()
    current['global_domains'][0]['LocalPrimaryInternetDomain'] = 'acme.example.org'
    current['global_domains'][0]['LocalInternetDomainAliases'] = []
    kept = domino_plan(design(), current)[0]
    assert kept['items'] == {'LocalInternetDomainAliases': ['domino.example.com', 'example.com']}
    changed = domino_plan(design(), current, change_primary=True)[0]
    assert changed['items'] == {'LocalPrimaryInternetDomain': 'example.com',
                                'LocalInternetDomainAliases': ['domino.example.com', 'acme.example.org']}


def config_doc(unid: str, names, **items) -> dict:
    return dict({'@meta': {'unid': unid}, 'Form': 'ServerConfig', 'ServerName': names,
                 'SMTPVerifyAuthenticatedRecipients': '0', 'SMTPSmartHost': 'x'}, **items)


@pytest.mark.parametrize('documents, servers, groups, expected', [
    # own document beats group and default; names compared canonical = abbreviated, no case
    ([config_doc('A', '*'), config_doc('B', ['CN=Mail1/O=Acme'])], ['mail1/Acme'], None, {'mail1/Acme': 'B'}),
    # a group document applies before the default, when the site says which groups
    ([config_doc('A', '*'), config_doc('G', ['EuropeServers'])], ['mail1/Acme'], {'mail1/Acme': ['EuropeServers']},
     {'mail1/Acme': 'G'}),
    ([config_doc('A', '*'), config_doc('G', ['EuropeServers'])], ['mail1/Acme'], {'mail1/Acme': []}, {'mail1/Acme': 'A'}),
    # UseAsDefault is a default document too
    ([config_doc('A', '', UseAsDefault='1')], ['mail1/Acme', 'mail2/Acme'], None, {'mail1/Acme': 'A', 'mail2/Acme': 'A'}),
])
def test_the_configuration_settings_document_that_applies_to_each_server(documents, servers, groups, expected):
    resolved, problems = resolve_server_configs(documents, servers, groups)
    assert problems == [] and {s: unid_of(d) for s, d in resolved.items()} == expected


@pytest.mark.parametrize('documents, groups, message', [
    ([config_doc('A', '*'), config_doc('G', ['EuropeServers'])], None, 'may be groups'),
    ([config_doc('A', '*'), config_doc('G', ['G1']), config_doc('H', ['G2'])], {'mail1/Acme': ['G1', 'G2']}, 'undefined'),
    ([config_doc('A', '*'), config_doc('B', '*')], {'mail1/Acme': []}, '2 default'),
    ([config_doc('B', 'mail1/Acme'), config_doc('C', 'CN=mail1/O=Acme')], None, 'keep one'),
])
def test_a_server_whose_configuration_settings_document_is_unclear_is_refused(documents, groups, message):
    resolved, problems = resolve_server_configs(documents, ['mail1/Acme'], groups)
    assert resolved == {} and message in problems[0]
    assert any(c['action'] == 'fail' and message in c['why']
               for c in domino_plan(design(), dict(domino_state(), server_configs=documents),
                                    dict(CONFIRMED, server_groups=groups or {})))


def test_route_documents_are_created_only_with_confirmed_names():
    """Issue 14 item 2: without the site's confirmation or a document showing the names, the
    plan is the Domino Administrator steps (before: two documents with guessed names)."""
    changes = domino_plan(design(), domino_state(), {'servers': SERVERS})
    manual = [c for c in changes if c['document'] in ('foreign_domain', 'connection')]
    assert [c['action'] for c in manual] == ['manual', 'manual']
    assert 'Destination domain: CoexistExchange; SMTP MTA relay host: exchange-smtp.example.com' in manual[0]['steps']
    # a Foreign SMTP Domain document made in Domino Administrator shows the names: that kind is confirmed
    current = dict(domino_state(), foreign_domains=[{'@unid': 'AB' * 16, 'Form': 'Domain', 'DomainType': 'ForeignSMTPDomain',
                                                     'ISP_Domain': 'other.example.net', 'ISP_RouteTo': 'Elsewhere'}])
    kinds = {c['document']: c['action'] for c in domino_plan(design(), current, {'servers': SERVERS})
             if c['document'] in ('foreign_domain', 'connection')}
    assert kinds == {'foreign_domain': 'create', 'connection': 'manual'}


def test_exchange_online_gets_an_onpremises_outbound_connector_and_no_policy_change():
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.design import for_exchange_online
    calls = for_exchange_online(exchange_plan(design(), {'address_policies': []}))
    assert [c['cmdlet'] for c in calls] == ['fail', 'New-OutboundConnector', 'fail']     # domains: admin center
    assert 'Microsoft 365 admin center' in calls[0]['why']
    assert calls[1]['parameters'] == {'RecipientDomains': ['domino.example.com', 'example.com'],
                                      'SmartHosts': ['domino1.example.com', 'domino2.example.com'],
                                      'UseMXRecord': False, 'Name': 'coexist: to Domino', 'ConnectorType': 'OnPremises'}


def test_a_configuration_item_the_document_does_not_have_is_not_written():
    changes = plan_domino(domino_state(), domino_desired(design(), 'exchange-smtp.example.com',
                                                         dict(ITEMS, smart_host='SmartHostGuess')), CONFIRMED)
    config = [c for c in changes if c['document'] == 'server_config']
    assert [c['action'] for c in config] == ['manual'] and 'SmartHostGuess' in config[0]['why']
    assert 'Local Internet domain smart host' in config[0]['steps'] and config[0]['items'] == {}
