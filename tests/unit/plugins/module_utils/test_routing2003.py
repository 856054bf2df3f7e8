"""Exchange 2000/2003 routing verified read-only: the checks on what the configuration partition
holds (pure functions) and the module's paths that end before the network. The policies and
connectors below are SYNTHESIZED in the shapes of vendor facts X-1.2 and X-1.5 (gatewayProxy
'SMTP:@example.com', routingList 'SMTP:example.com;1'): no Exchange 2003 runs here; the lab test
tests/integration/test_exchange2003_routing.py reads them from Samba."""
from __future__ import annotations

import copy
import json
import re

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory import connection
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.design import Design
from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.exchange2003 import (
    MISSING, OK, check, configured, esm_steps, policy_from, read_state, smart_hosts)
from ansible_collections.coexist.domino_exchange.plugins.modules import exchange2003_routing_info

ORG = 'CN=Example Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=com'
POLICIES = f'CN=Recipient Policies,{ORG}'
HOSTS = ['domino1.example.com']
RESPONSIBLE = 'This Exchange Organization is responsible for all mail delivery to this address'


def design(**changes) -> Design:
    values = dict(last_hop='domino', shared_domain='example.com', domino_routing_domain='domino.example.com',
                  exchange_routing_domain='exchange.example.com')
    values.update(changes)
    return Design(**values)


def policy(name, proxies, non_authoritative=(), order=1, disabled=()):
    return {'dn': f'CN={name},{POLICIES}', 'name': name, 'gatewayProxy': list(proxies),
            'disabledGatewayProxy': list(disabled), 'msExchNonAuthoritativeDomains': list(non_authoritative),
            'msExchPolicyOrder': str(order)}


def connector(name, spaces, smart_host):
    return {'dn': f'CN={name},CN=Connections,{ORG}', 'name': name, 'routingList': list(spaces),
            'msExchSmtpSmartHost': smart_host}


def configured_2003():
    """The end state of the Default Policy procedure (vendor facts X-1.2) with Domino the last hop: the
    lab's recipient policies and SMTP connector."""
    policies = [
        policy('Default Policy', ['SMTP:@corp.example.com', 'smtp:@example.com', 'smtp:@exchange.example.com',
                                  'X400:c=US;a= ;p=Example Corp;o=Exchange;'], ['smtp:@example.com'], 2147483647),
        policy('Shared example.com', ['SMTP:@example.com', 'smtp:@exchange.example.com'], ['SMTP:@example.com'], 1),
    ]
    connectors = [connector('To Domino', ['SMTP:domino.example.com;1', 'SMTP:example.com;1'], 'domino1.example.com')]
    return policies, connectors


def by_item(findings, item, domain=''):
    found = [f for f in findings if f.item == item and domain in f.check]
    assert len(found) == 1, [f.check for f in findings]
    return found[0]


# --- configured ---

def test_the_default_policy_procedure_end_state_is_configured():
    policies, connectors = configured_2003()
    findings = check(design(), policies, connectors, HOSTS)
    assert configured(findings) and esm_steps(findings) == []
    assert [f.item for f in findings] == ['shared_domain', 'exchange_routing_domain', 'domino_routing_domain',
                                          'connector', 'connector']
    assert all(f.status == OK and f.steps == [] for f in findings)
    assert by_item(findings, 'shared_domain').found == 'non-authoritative on "Shared example.com", "Default Policy"'
    assert by_item(findings, 'connector', 'example.com (the shared').found == '"To Domino" -> domino1.example.com'


def test_the_check_reads_only_what_it_is_given_and_changes_none_of_it():
    policies, connectors = configured_2003()
    before = copy.deepcopy((policies, connectors))
    check(design(), policies, connectors, HOSTS)
    assert (policies, connectors) == before


@pytest.mark.parametrize('spaces, smart_host, hosts', [
    (['smtp:domino.example.com;1', 'smtp:example.com;1'], 'domino1.example.com', HOSTS),    # the 2007+ spelling
    (['Local:SMTP:domino.example.com;1', 'SMTP:example.com;10'], 'Domino1.Example.com', HOSTS),
    (['SMTP:*.example.com;1', 'SMTP:example.com;1'], '[10.1.2.3]; domino2.example.com', ['10.1.2.3', 'domino2.example.com']),
])
def test_address_spaces_and_smart_hosts_are_compared_the_way_exchange_stores_them(spaces, smart_host, hosts):
    policies, _connectors = configured_2003()
    assert configured(check(design(), policies, [connector('To Domino', spaces, smart_host)], hosts))


def test_templates_are_compared_without_case_and_other_address_types_are_ignored():
    p = policy_from(policy('Default Policy', ['SMTP:%g.%s@Example.COM', 'X400:c=US;a= ;p=Org;o=Exchange;',
                                              'smtp:@exchange.example.com'], ['SMTP:@EXAMPLE.com'], 2147483647))
    assert p.enabled == {'example.com': True, 'exchange.example.com': False}
    assert p.non_authoritative == {'example.com'} and p.is_default


def test_smart_hosts_split_on_semicolons_and_commas():
    assert smart_hosts('[10.0.0.5]; domino2.example.com,domino3.example.com') == [
        '10.0.0.5', 'domino2.example.com', 'domino3.example.com']
    assert smart_hosts('') == [] and smart_hosts(None) == []


# --- missing ---

def test_nothing_configured_gives_every_step_and_one_new_connector():
    findings = check(design(), [], [], ['domino1.example.com', 'domino2.example.com'], 'corp.example.com')
    assert not configured(findings)
    assert [f.item for f in findings if f.status == OK] == ['domino_routing_domain']     # no policy claims it
    shared = by_item(findings, 'shared_domain')
    assert shared.found == 'no recipient policy found (may the account read the organisation\'s Recipient Policies?)'
    assert any('Recipient Policy' in s for s in shared.steps) and any('Set as Primary' in s for s in shared.steps)
    first = by_item(findings, 'connector', 'domino.example.com')
    second = by_item(findings, 'connector', 'example.com (the shared')
    assert any('New and click SMTP Connector' in s for s in first.steps)
    assert any('domino1.example.com; domino2.example.com' in s for s in first.steps)
    assert any('domino.example.com, example.com' in s for s in first.steps)         # both address spaces, once
    assert any('Allow messages to be relayed' in s for s in first.steps)
    assert second.steps == ['Add it with the new SMTP connector described for domino.example.com: its address '
                            'spaces include example.com.']
    assert first.found == second.found == 'no SMTP connector found'


def test_partly_configured_names_only_what_is_missing():
    policies, _connectors = configured_2003()
    connectors = [connector('To Domino', ['SMTP:domino.example.com;1'], 'domino1.example.com'),
                  connector('Internet', ['SMTP:*;1'], '')]                     # '*' is no route to Domino
    findings = check(design(), policies, connectors, HOSTS)
    missing = [f for f in findings if f.status == MISSING]
    assert [f.check for f in missing] == [
        'SMTP connector to the Domino smart hosts for example.com (the shared domain: Exchange forwards its unknown '
        'recipients to Domino)']
    assert missing[0].found == 'no connector has it as an address space'
    assert missing[0].steps[1] == 'Right-click "To Domino" and click Properties.'
    assert 'type example.com in E-mail domain' in missing[0].steps[2]
    lines = esm_steps(findings)
    assert lines[0].startswith('SMTP connector to the Domino smart hosts for example.com')
    assert lines[1].startswith('  1. In Exchange System Manager') and lines[-1] == '  4. Click OK.'


def test_the_shared_domain_authoritative_again_is_named_with_the_policies_and_the_check_box():
    policies, connectors = configured_2003()
    for p in policies:
        p['msExchNonAuthoritativeDomains'] = []
    findings = check(design(), policies, connectors, HOSTS)
    shared = by_item(findings, 'shared_domain')
    assert shared.status == MISSING
    assert shared.found == 'authoritative on "Shared example.com", "Default Policy"'
    assert sum(f'Clear the check box "{RESPONSIBLE}"' in s for s in shared.steps) == 2
    assert any('Select the SMTP address @example.com and click Edit.' == s for s in shared.steps)
    assert shared.steps.count('In Exchange System Manager, expand Recipients and click Recipient Policies.') == 1
    assert [f.item for f in findings if f.status == MISSING] == ['shared_domain']


def test_a_connector_to_another_host_or_by_dns_is_missing_with_the_smart_host_step():
    policies, _connectors = configured_2003()
    connectors = [connector('To Domino', ['SMTP:domino.example.com;1', 'SMTP:example.com;1'], 'relay.example.net')]
    findings = check(design(), policies, connectors, HOSTS)
    found = by_item(findings, 'connector', 'domino.example.com')
    assert found.status == MISSING and found.found.endswith('"To Domino" -> relay.example.net: not to the Domino SMTP hosts')
    assert any('type domino1.example.com' in s for s in found.steps)
    dns = check(design(), policies, [connector('To Domino', ['SMTP:example.com;1', 'SMTP:domino.example.com;1'], '')],
                HOSTS)
    assert '"To Domino" -> DNS' in by_item(dns, 'connector', 'domino.example.com').found


def test_the_internet_connector_keeps_its_smart_host_and_the_domain_moves_to_a_domino_connector():
    policies, _connectors = configured_2003()
    connectors = [connector('Internet', ['SMTP:*;1', 'SMTP:example.com;1'], 'mail.isp.example.net'),
                  connector('To Domino', ['SMTP:domino.example.com;1'], 'domino1.example.com')]
    found = by_item(check(design(), policies, connectors, HOSTS), 'connector', 'example.com (the shared')
    assert found.status == MISSING and found.found == '"Internet" -> mail.isp.example.net: not to the Domino SMTP hosts'
    assert not any('Forward all mail through this connector' in s for s in found.steps)
    assert any('select the SMTP address space example.com and click Remove' in s for s in found.steps)
    assert 'Right-click "To Domino" and click Properties.' in found.steps
    assert any('type example.com in E-mail domain' in s for s in found.steps)


def test_a_second_connector_for_the_domain_that_bypasses_domino_is_to_be_removed():
    policies, connectors = configured_2003()
    connectors.append(connector('Partner relay', ['SMTP:example.com;1'], 'relay.example.net'))
    found = by_item(check(design(), policies, connectors, HOSTS), 'connector', 'example.com (the shared')
    assert found.status == MISSING and 'not every connector for it forwards to Domino' in found.found
    assert any('select the SMTP address space example.com and click Remove' in s for s in found.steps)
    assert 'Right-click "Partner relay" and click Properties.' in found.steps


@pytest.mark.parametrize('change, found, step', [
    (lambda p: p.update(gatewayProxy=['SMTP:@example.com']), 'not on "Shared example.com"', 'type @exchange.example.com'),
    (lambda p: p.update(gatewayProxy=['SMTP:@example.com'], disabledGatewayProxy=['smtp:@exchange.example.com']),
     'a disabled rule on "Shared example.com"', 'Select the check box in front of the SMTP address @exchange.example.com'),
    (lambda p: p.update(msExchNonAuthoritativeDomains=['SMTP:@example.com', 'smtp:@exchange.example.com']),
     'non-authoritative on "Shared example.com"', f'Select the check box "{RESPONSIBLE}"'),
])
def test_the_exchange_routing_domain_must_be_authoritative_on_the_policies_that_stamp_the_mailboxes(change, found, step):
    policies, connectors = configured_2003()
    change(policies[1])
    finding = by_item(check(design(), policies, connectors, HOSTS), 'exchange_routing_domain')
    assert finding.status == MISSING and finding.found == found
    assert any(step in s for s in finding.steps)


def test_exchange_responsible_for_the_domino_routing_domain_is_missing():
    policies, connectors = configured_2003()
    policies[0]['gatewayProxy'].append('smtp:@domino.example.com')
    finding = by_item(check(design(), policies, connectors, HOSTS), 'domino_routing_domain')
    assert finding.status == MISSING and finding.found.startswith('authoritative on "Default Policy"')
    assert any(f'Clear the check box "{RESPONSIBLE}"' in s for s in finding.steps)


def test_a_disabled_shared_domain_rule_is_missing_because_exchange_ignores_it():
    policies, connectors = configured_2003()
    policies[0]['gatewayProxy'].remove('smtp:@example.com')
    policies[0]['disabledGatewayProxy'] = ['smtp:@example.com']
    del policies[1]
    finding = by_item(check(design(), policies, connectors, HOSTS), 'shared_domain')
    assert finding.status == MISSING and 'a disabled rule on "Default Policy"' in finding.found


# --- the Default Policy's primary ---

def test_the_shared_domain_as_the_default_policys_primary_needs_the_second_policy_procedure():
    policies = [policy('Default Policy', ['SMTP:@example.com', 'smtp:@exchange.example.com'], [], 2147483647)]
    _policies, connectors = configured_2003()
    findings = check(design(), policies, connectors, HOSTS, 'corp.example.com')
    shared = by_item(findings, 'shared_domain')
    assert shared.status == MISSING
    assert shared.found == '@example.com is the primary address of "Default Policy", which cannot be non-authoritative'
    steps = shared.steps
    assert 'type an address only this organisation uses (for example @corp.example.com)' in steps[2]
    assert steps[3] == 'Select the new address and click Set as Primary.'
    assert f'Select @example.com, click Edit, clear the check box "{RESPONSIBLE}", click OK, then OK.' == steps[4]
    assert any('point to New and click Recipient Policy' in s for s in steps)
    assert any('the same filter as the Default Policy' in s for s in steps)
    assert any('type @example.com, clear the check box' in s and 'Set as Primary' in s for s in steps)
    assert any('type @exchange.example.com, leave the check box' in s for s in steps)
    assert steps[-1].endswith('so the mailboxes keep @example.com as their reply address.')
    lines = esm_steps(findings)
    assert lines[0].startswith('shared domain example.com non-authoritative on the recipient policies: @example.com is')
    assert [line.split('.')[0].strip() for line in lines[1:len(steps) + 1]] == [str(n) for n in range(1, len(steps) + 1)]


def test_a_default_policy_primary_marked_non_authoritative_outside_esm_is_not_trusted():
    policies = [policy('Default Policy', ['SMTP:@example.com', 'smtp:@exchange.example.com'], ['SMTP:@example.com'],
                       2147483647)]
    _policies, connectors = configured_2003()
    shared = by_item(check(design(), policies, connectors, HOSTS), 'shared_domain')
    assert shared.status == MISSING and 'which ESM does not allow' in shared.found
    assert 'for example @ followed by your Active Directory DNS domain' in shared.steps[2]


def test_the_default_policy_is_found_by_its_priority_or_else_by_its_name():
    assert policy_from(policy('Standardrichtlinie', ['SMTP:@example.com'], order=2147483647)).is_default
    unordered = policy('Default Policy', ['SMTP:@example.com'])
    unordered['msExchPolicyOrder'] = None
    assert policy_from(unordered).is_default
    assert not policy_from(policy('Shared example.com', ['SMTP:@example.com'], order=1)).is_default


# --- the last hop decides ---

def test_exchange_as_the_last_hop_needs_the_shared_domain_authoritative_and_no_connector_for_it():
    policies, connectors = configured_2003()
    findings = check(design(last_hop='exchange'), policies, connectors, HOSTS)
    shared = by_item(findings, 'shared_domain')
    assert shared.status == MISSING and shared.check.endswith('authoritative on the recipient policies')
    assert shared.found == 'non-authoritative on "Shared example.com", "Default Policy"'
    assert sum(f'Select the check box "{RESPONSIBLE}"' in s for s in shared.steps) == 2
    assert [f.check.split(' (')[0] for f in findings if f.item == 'connector'] == [
        'SMTP connector to the Domino smart hosts for domino.example.com']
    for p in policies:
        p['msExchNonAuthoritativeDomains'] = []
    assert configured(check(design(last_hop='exchange'), policies, connectors, HOSTS))


def test_the_default_policys_primary_may_stay_when_exchange_is_the_last_hop():
    policies = [policy('Default Policy', ['SMTP:@example.com', 'smtp:@exchange.example.com'], [], 2147483647)]
    _policies, connectors = configured_2003()
    assert configured(check(design(last_hop='exchange'), policies, connectors, HOSTS))


def test_without_routing_domains_only_the_shared_domain_is_checked():
    policies, _connectors = configured_2003()
    connectors = [connector('To Domino', ['SMTP:example.com;1'], 'domino1.example.com')]
    findings = check(design(domino_routing_domain='', exchange_routing_domain=''), policies, connectors, HOSTS)
    assert [f.item for f in findings] == ['shared_domain', 'connector'] and configured(findings)


# --- reading: searches only ---

class SearchOnly:
    """What read_state may use: search, and nothing else (no write method exists here)."""

    def __init__(self, entries):
        self.entries = entries
        self.searches = []

    def search(self, base, filterstr='(objectClass=*)', attrs=None, **kwargs):
        self.searches.append((base, filterstr))
        wanted = filterstr.split('=', 1)[1].rstrip(')').lower()
        return iter([e for e in self.entries if wanted in (c.lower() for c in e.values('objectClass'))])


def test_read_state_returns_what_check_takes():
    policies, connectors = configured_2003()
    entries = [Entry(p['dn'], {'objectClass': ['top', 'msExchRecipientPolicy'], 'cn': [p['name']],
                               'gatewayProxy': p['gatewayProxy'],
                               'msExchNonAuthoritativeDomains': p['msExchNonAuthoritativeDomains'],
                               'msExchPolicyOrder': [p['msExchPolicyOrder']]}) for p in policies]
    entries += [Entry(c['dn'], {'objectClass': ['top', 'msExchRoutingSMTPConnector'], 'cn': [c['name']],
                                'routingList': c['routingList'], 'msExchSmtpSmartHost': [c['msExchSmtpSmartHost']]})
                for c in connectors]
    directory = SearchOnly(entries)
    read_policies, read_connectors = read_state(directory, ORG)
    assert [b for b, _f in directory.searches] == [ORG, ORG]
    assert [p['name'] for p in read_policies] == ['Default Policy', 'Shared example.com']
    assert read_policies[0]['disabledGatewayProxy'] == [] and read_policies[0]['msExchPolicyOrder'] == '2147483647'
    assert read_connectors[0]['routingList'] == connectors[0]['routingList']
    assert configured(check(design(), read_policies, read_connectors, HOSTS))


# --- the module, up to the network ---

def run_module(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        exchange2003_routing_info.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def no_env(monkeypatch):
    monkeypatch.delenv('COEXIST_AD_SERVER', raising=False)


MODULE_ARGS = {'last_hop': 'domino', 'shared_domain': 'example.com', 'domino_smtp_hosts': HOSTS}


def test_the_module_refuses_a_design_without_a_last_hop(no_env, capsys):
    result = run_module(dict(MODULE_ARGS, last_hop='none', ad={'server': 'ldaps://dc1.invalid'}), capsys)
    assert result['failed'] and 'The routing design is refused' in result['msg'] and 'KB 321721' in result['msg']


def test_the_module_needs_the_domino_smtp_hosts_and_a_server(no_env, capsys):
    result = run_module(dict(MODULE_ARGS, domino_smtp_hosts=[' '], ad={'server': 'ldaps://dc1.invalid'}), capsys)
    assert result['failed'] and 'domino_smtp_hosts is empty' in result['msg']
    result = run_module(dict(MODULE_ARGS), capsys)
    assert result['failed'] and 'ad.server is not set' in result['msg']


def test_the_module_documents_exactly_its_argument_spec():
    from ansible_collections.coexist.domino_exchange.plugins.doc_fragments.routing import ModuleDocFragment
    documented = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'],        # the design options
                      **yaml.safe_load(exchange2003_routing_info.DOCUMENTATION)['options'])
    spec = exchange2003_routing_info.argument_spec()
    assert set(documented) == set(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc.get('type') == option.get('type'), name
        assert doc.get('required', False) == option.get('required', False), name
        assert doc.get('default') == option.get('default'), name
        assert doc.get('choices') == option.get('choices'), name
        assert doc.get('elements') == option.get('elements'), name


class FakeClient:
    """An LdapClient stand-in holding the lab's entries: the module's whole path, no server. Any
    write fails the test."""

    def __init__(self, settings):
        assert settings.read_only                               # built read-only, before any search
        self.settings = settings
        policies, connectors = configured_2003()
        self.entries = [Entry(ORG, {'objectClass': ['msExchOrganizationContainer'], 'cn': ['Example Corp']})]
        self.entries += [Entry(p['dn'], {'objectClass': ['msExchRecipientPolicy'], 'cn': [p['name']],
                                         'gatewayProxy': p['gatewayProxy'],
                                         'msExchNonAuthoritativeDomains': p['msExchNonAuthoritativeDomains'],
                                         'msExchPolicyOrder': [p['msExchPolicyOrder']]}) for p in policies]
        self.entries += [Entry(c['dn'], {'objectClass': ['msExchRoutingSMTPConnector'], 'cn': [c['name']],
                                         'routingList': c['routingList'],
                                         'msExchSmtpSmartHost': [c['msExchSmtpSmartHost']]}) for c in connectors]

    def connect(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def root_dse(self):
        class Root:
            entry = Entry('', {'configurationNamingContext': ['CN=Configuration,DC=corp,DC=example,DC=com'],
                               'defaultNamingContext': ['DC=corp,DC=example,DC=com']})
        return Root()

    def search(self, base, filterstr='(objectClass=*)', attrs=None, **kwargs):
        wanted = {c.lower() for c in re.findall(r'\(objectClass=([^)]+)\)', filterstr)}
        return iter([e for e in self.entries if e.dn.lower().endswith(base.lower()) and e.dn.lower() != base.lower()
                     and wanted & {c.lower() for c in e.values('objectClass')}])

    def __getattr__(self, name):
        raise AssertionError(f'the module used LdapClient.{name}')


def test_the_module_reads_through_a_read_only_connection_and_reports(no_env, capsys, monkeypatch):
    monkeypatch.setattr(connection, 'LdapClient', FakeClient)
    result = run_module(dict(MODULE_ARGS, domino_routing_domain='domino.example.com',
                             exchange_routing_domain='exchange.example.com',
                             ad={'server': 'ldaps://dc1.corp.example.com'}), capsys)
    assert not result.get('failed'), result
    assert result['changed'] is False and result['configured'] is True and result['esm_steps'] == []
    assert result['exchange_organization'] == result['organisation'] == 'Example Corp'
    assert [p['name'] for p in result['policies']] == ['Default Policy', 'Shared example.com']
    assert len(result['findings']) == 5


def test_the_module_fails_without_an_exchange_organisation(no_env, capsys, monkeypatch):
    class NoExchange(FakeClient):
        def __init__(self, settings):
            super().__init__(settings)
            self.entries = []
    monkeypatch.setattr(connection, 'LdapClient', NoExchange)
    result = run_module(dict(MODULE_ARGS, ad={'server': 'ldaps://dc1.corp.example.com'}), capsys)
    assert result['failed'] and 'no single Exchange organisation found' in result['msg']
