"""The routing design, its simulation, and the Exchange and Domino planners (pure functions). The
current states come from fixtures labelled SYNTHESIZED: no Exchange or Domino server runs here."""
from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.design import (
    Design, domino_desired, exchange_desired, plan_domino, plan_exchange, routing_check, routing_problems)

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

def exchange_plan(d: Design, current: dict) -> list:
    return plan_exchange(current, exchange_desired(d, ['domino1.example.com', 'domino2.example.com'],
                                                   'coexist: to Domino', 'Default Policy'))


def test_exchange_from_nothing():
    current = {'accepted_domains': [], 'send_connectors': [],
               'address_policies': [{'Name': 'Default Policy', 'EnabledEmailAddressTemplates': ['SMTP:%m@example.com']}]}
    calls = exchange_plan(design(), current)
    assert [c['cmdlet'] for c in calls] == ['New-AcceptedDomain', 'New-AcceptedDomain', 'New-SendConnector',
                                            'Set-EmailAddressPolicy', 'Update-EmailAddressPolicy']
    assert calls[0]['parameters'] == {'Name': 'example.com', 'DomainName': 'example.com', 'DomainType': 'InternalRelay'}
    assert calls[1]['parameters']['DomainType'] == 'Authoritative'
    connector = calls[2]['parameters']
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
    assert calls[-1]['cmdlet'] == 'fail' and 'exchange_shared_namespace_address_policy' in calls[-1]['why']


# --- Domino ---

def domino_plan(d: Design, current: dict) -> list:
    return plan_domino(current, domino_desired(d, 'exchange-smtp.example.com', ITEMS))


def test_domino_drift_is_corrected_and_the_restart_asked_for():
    current = json.loads((FIXTURES / 'domino_state_drifted.json').read_text())
    changes = domino_plan(design(), current)
    domain = next(c for c in changes if c['document'] == 'global_domain')
    assert domain['items'] == {'LocalInternetDomainAliases': ['acme.example.org', 'domino.example.com']}   # merged
    assert domain['restart'] is True and domain['unid'] == '8A1F0C2B3D4E5F60718293A4B5C6D7E8'
    config = next(c for c in changes if c['document'] == 'server_config')
    # Domino is the last hop: verify local recipients on, no smart host
    assert config['items'] == {'SMTPVerifyAuthenticatedRecipients': '1', 'SMTPSmartHost': ''}
    routes = {c['document']: c for c in changes if c['document'] in ('foreign_domain', 'connection')}
    assert routes['foreign_domain']['action'] == 'create'
    assert routes['foreign_domain']['items'] == {'domain': 'exchange.example.com', 'via': 'CoexistExchange'}
    assert routes['connection']['items'] == {'destination': 'CoexistExchange', 'relay_host': 'exchange-smtp.example.com'}


def test_domino_converged_is_a_no_op_and_exchange_last_hop_sets_the_smart_host():
    current = json.loads((FIXTURES / 'domino_state_drifted.json').read_text())
    current['global_domain']['LocalInternetDomainAliases'].append('DOMINO.example.com')
    current['server_config'].update(SMTPVerifyAuthenticatedRecipients='1', SMTPSmartHost='')
    current['foreign_domains'] = [{'@unid': 'AB' * 16, 'domain': 'exchange.example.com', 'via': 'CoexistExchange'}]
    current['connections'] = [{'@unid': 'CD' * 16, 'destination': 'CoexistExchange', 'relay_host': 'Exchange-SMTP.example.com'}]
    assert domino_plan(design(), current) == []
    changes = domino_plan(design(last_hop='exchange'), current)
    assert changes == [{'document': 'server_config', 'action': 'update', 'unid': current['server_config']['@meta']['unid'],
                        'items': {'SMTPVerifyAuthenticatedRecipients': '0', 'SMTPSmartHost': 'exchange-smtp.example.com'},
                        'restart': False, 'why': 'SMTPSmartHost, SMTPVerifyAuthenticatedRecipients differ'}]


def test_domino_without_its_documents_is_an_error():
    changes = domino_plan(design(), {})
    assert [c['action'] for c in changes if c['document'] in ('global_domain', 'server_config')] == ['fail', 'fail']


def test_exchange_online_gets_an_onpremises_outbound_connector_and_no_policy_change():
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.design import for_exchange_online
    calls = for_exchange_online(exchange_plan(design(), {'address_policies': []}))
    assert [c['cmdlet'] for c in calls] == ['fail', 'fail', 'New-OutboundConnector']     # domains: admin center
    assert 'Microsoft 365 admin center' in calls[0]['why']
    assert calls[2]['parameters'] == {'RecipientDomains': ['domino.example.com', 'example.com'],
                                      'SmartHosts': ['domino1.example.com', 'domino2.example.com'],
                                      'UseMXRecord': False, 'Name': 'coexist: to Domino', 'ConnectorType': 'OnPremises'}


def test_a_configuration_item_the_document_does_not_have_is_a_wrong_name():
    current = json.loads((FIXTURES / 'domino_state_drifted.json').read_text())
    changes = plan_domino(current, domino_desired(design(), 'exchange-smtp.example.com',
                                                  dict(ITEMS, smart_host='SmartHostGuess')))
    failed = [c for c in changes if c['action'] == 'fail']
    assert len(failed) == 1 and 'SmartHostGuess' in failed[0]['why'] and 'domino_smart_host_item_' in failed[0]['why']
