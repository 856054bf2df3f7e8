"""The validate playbook on the lab: it passes and writes nothing; each failing or warning
condition is produced once, and the table names it. Conditions the lab's two servers cannot
show (a schema without Domino's attributes, a server without paging) are produced on throwaway
slapd servers, through the same probes."""
from __future__ import annotations

import json
import uuid

import ldap3
import pytest
from coexist_lab import lab as lab_control
import lab_helpers
from lab_helpers import dump_both, expected_creates, ldap3_admin, manifest
from test_ldap_client_throwaway import NoPagingSlapd, PlainSlapd, _people, _settings

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.read_only import ReadOnlyDirectory
from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import (
    DOMINO_NEEDED, check_domino_schema, check_root_dse)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.domino_delta import (
    CHANGE_TIME, NAME_MATCHING)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.dynamic_groups import (
    CHECK as DYNAMIC_CHECK)


def validate(run_playbook, tmp_path, overrides=None):
    """Run the validate playbook; return (returncode, validate.json or None, output)."""
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    extra = dict(coexist_report_dir=str(report_dir), **(overrides or {}))
    result = run_playbook('coexist.domino_exchange.validate', extra_vars=extra)
    path = report_dir / 'validate' / 'validate.json'
    return result.returncode, json.loads(path.read_text()) if path.exists() else None, result.stdout + result.stderr


def line(report: dict, check: str) -> dict:
    found = [c for c in report['checks'] if c['check'] == check]
    assert len(found) == 1, f'{check!r} is not one line of {[c["check"] for c in report["checks"]]}'
    return found[0]


def test_validate_passes_on_the_lab_and_writes_nothing(seeded, run_playbook, tmp_path):
    before = dump_both(seeded)
    # Each direction's own kinds win over the shared set (issue 18): with coexist_sync_kinds
    # [person] alone, both directions would plan persons only and the counts below would differ.
    rc, report, out = validate(run_playbook, tmp_path, {
        'coexist_last_hop': 'domino', 'coexist_sync_kinds': ['person'],
        'coexist_domino_to_exchange_kinds': ['person', 'group', 'mailin', 'resource'],
        'coexist_exchange_to_domino_kinds': ['person', 'group', 'resource']})
    assert rc == 0, out
    assert dump_both(seeded) == before
    # the lab's Domino holds what a real one returns and the syncs skip (issue 13): mailboxes whose
    # mail Domino synthesized, one outside the routed domains, one replication conflict
    warned = {c['check']: c['found'] for c in report['checks'] if c['status'] == 'warn'}
    assert set(warned) == {'Domino: mailboxes without an Internet address', 'Domino: mailboxes outside the routed domains',
                           'Domino: several documents under one DN'}, warned
    assert warned['Domino: mailboxes without an Internet address'].startswith('3 mailboxes')
    assert warned['Domino: mailboxes outside the routed domains'].startswith('1 mailboxes')
    assert warned['Domino: several documents under one DN'].startswith('1 DNs')
    assert report['counts']['fail'] == 0 and report['counts']['pass'] > 20
    mailboxes = manifest(seeded, 'domino')['mailboxes_total']
    assert line(report, 'Domino: MailSystem on Persons with a mail file')['found'].startswith(f'1: {mailboxes} ')
    assert line(report, 'Domino: dominoUNID returned when asked for')['status'] == 'pass'
    assert line(report, 'Exchange routing: accepted domain example.com')['found'] == 'InternalRelay'
    # every line names the server it asked
    assert all(c['server'].startswith('ldaps://') for c in report['checks'] if c['status'] != 'info' or c['server'])
    # the planned size is what a check-mode sync would plan
    planned = report['planned']
    creates = expected_creates(seeded)
    assert {direction: planned[direction]['create'] for direction in creates} == creates
    # and counts each kind of recipient read, Exchange's groups and rooms included (issue 18)
    ad = manifest(seeded, 'ad')['categories']
    resources = len(ad['room_mailboxes']) + len(ad['equipment_mailboxes'])
    sources = lab_helpers.exchange_sources(seeded)
    groups = len(sources) - sum(len(ad[c]) for c in lab_helpers.EXCHANGE_DEFAULT_KINDS)
    assert set(planned['domino_to_exchange']['kinds']) == {'person', 'group', 'mailin', 'resource'}
    assert planned['exchange_to_domino']['kinds'] == {'person': len(sources) - groups - resources, 'group': groups,
                                                      'resource': resources}
    assert 'PASS  AD: the sync account may create contacts there' in out
    # the lab's dynamic group class lets authenticated users read (issue 18, vendor facts X-9)
    dynamic = line(report, DYNAMIC_CHECK)
    assert dynamic['status'] == 'pass' and dynamic['found'].startswith('1 seen, each with its mailNickname'), dynamic
    # What the delta runs not built yet would need of Domino, asked of the lab's slapd as of a site
    # (issue 17): slapd keeps modifyTimestamp and filters on it; its cn matching folds case, not
    # accents (a real server's answer, which Domino's may differ from: vendor facts D-5).
    changed = line(report, CHANGE_TIME)
    assert changed['status'] == 'info' and 'modifyTimestamp returned (' in changed['found'], changed
    assert ') and filterable' in changed['found'], changed
    names = line(report, NAME_MATCHING)
    assert names['status'] == 'info' and names['found'].startswith('case folded ('), names
    assert '; accents NOT folded (' in names['found'], names


def test_a_missing_contacts_base_fails_and_the_sync_preflight_stops(seeded, run_playbook, tmp_path):
    broken = dict(lab_control.playbook_vars(seeded)['coexist_domino'], contacts_base='ou=Not There,o=Acme')
    rc, report, out = validate(run_playbook, tmp_path, {'coexist_domino': broken})
    assert rc != 0
    failed = line(report, 'Domino: contacts base')
    assert failed['status'] == 'fail' and 'OU=Not There/O=Acme' in failed['todo']
    assert 'FAIL  Domino: contacts base: ou=Not There,o=Acme does not exist' in out


def test_a_bind_without_rights_fails_on_the_contacts_ou(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    dn = f'CN=No Rights,OU=Service,{seeded["ad"]["base_dn"]}'
    password = 'No-Rights-Pass-1'
    assert ad.add(dn, ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'norights', 'unicodePwd': f'"{password}"'.encode('utf-16-le'),
                   'userAccountControl': '66048'})
    weak = dict(lab_control.playbook_vars(seeded)['coexist_ad'], bind_dn=dn, bind_password=password)
    rc, report, out = validate(run_playbook, tmp_path, {'coexist_ad': weak})
    assert rc != 0
    failed = line(report, 'AD: the sync account may create contacts there')
    assert failed['status'] == 'fail' and 'does not include contact' in failed['found']
    assert failed['server'] == seeded['ad']['server']


def test_routing_that_contradicts_the_last_hop_is_a_warning(seeded, run_playbook, tmp_path):
    rc, report, out = validate(run_playbook, tmp_path, {'coexist_last_hop': 'exchange'})
    assert rc == 0, out                                     # routing never makes the sync unsafe
    warned = line(report, 'Exchange routing: accepted domain example.com')
    assert warned['status'] == 'warn' and 'InternalRelay, but coexist_last_hop is exchange' in warned['found']
    assert 'WARN  Exchange routing: accepted domain example.com' in out


def test_routing_not_configured_at_all_is_a_warning(seeded, run_playbook, tmp_path):
    """Routing gone; in the same run (one validate run for both), a site whose dynamic distribution
    group class gives authenticated users no read (vendor facts X-9): its admins change the class's
    default security descriptor, the dynamic group is made again and the sync account no longer
    sees it. validate warns instead of reporting an empty count as fine."""
    ad = ldap3_admin(seeded, 'ad')
    schema_class = f'CN=ms-Exch-Dynamic-Distribution-List,CN=Schema,CN=Configuration,{seeded["ad"]["base_dn"]}'
    assert ad.modify(schema_class, {'defaultSecurityDescriptor': [(ldap3.MODIFY_REPLACE, [
        'D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)'])]})
    (dynamic,) = manifest(seeded, 'ad')['categories']['dynamic_groups']
    ad.search(dynamic['dn'], '(objectClass=*)', search_scope=ldap3.BASE, attributes=[
        'displayName', 'mail', 'mailNickname', 'proxyAddresses', 'legacyExchangeDN', 'msExchRecipientTypeDetails',
        'msExchRecipientDisplayType', 'msExchVersion', 'msExchDynamicDLBaseDN', 'msExchDynamicDLFilter',
        'showInAddressBook'])
    attributes = {k: v for k, v in ad.entries[0].entry_attributes_as_dict.items() if v}
    assert ad.delete(dynamic['dn'])
    assert ad.add(dynamic['dn'], ['top', 'msExchDynamicDistributionList'], attributes)
    org = f'CN=Example Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,{seeded["ad"]["base_dn"]}'
    ad.search(org, '(|(objectClass=msExchAcceptedDomain)(objectClass=msExchRoutingSMTPConnector))',
              attributes=['1.1'])
    routing = [e.entry_dn for e in ad.entries]
    assert len(routing) == 3
    for dn in routing:
        assert ad.delete(dn)
    rc, report, out = validate(run_playbook, tmp_path, {'coexist_last_hop': 'domino'})
    assert rc == 0, out
    assert line(report, 'Exchange routing')['status'] == 'warn'
    assert 'no accepted domain and no send connector' in line(report, 'Exchange routing')['found']
    hidden = line(report, DYNAMIC_CHECK)
    assert hidden['status'] == 'warn', hidden
    assert hidden['found'].startswith('none seen, and its default security descriptor gives authenticated users '
                                      'no read'), hidden
    assert 'Get-DynamicDistributionGroup' in hidden['todo']
    # and the sync would indeed plan without it: one group fewer than the lab's
    ad_categories = manifest(seeded, 'ad')['categories']
    sources = lab_helpers.exchange_sources(seeded)
    groups = len(sources) - sum(len(ad_categories[c]) for c in lab_helpers.EXCHANGE_DEFAULT_KINDS)
    assert report['planned']['exchange_to_domino']['kinds']['group'] == groups - 1


def test_a_schema_without_dominos_attributes_fails(tmp_path):
    """A server whose schema lacks Domino's attributes (a scratch slapd with the standard schema
    only): the schema line fails and names what is missing."""
    with PlainSlapd() as server:
        server.ldapadd(_people(server.suffix, 1))
        with LdapClient(_settings(server, server.root_dn, server.root_pw)) as client:
            found = check_domino_schema(ReadOnlyDirectory(client), DOMINO_NEEDED + ['employeeType'])
    failed = [c for c in found if c.status == 'fail']
    assert len(failed) == 1 and failed[0].server == server.ldap_uri
    for missing in ('mailfile', 'mailsystem', 'mailaddress', 'dominoperson'):
        assert missing in failed[0].found
    assert 'employeetype' not in failed[0].found                  # standard inetOrgPerson: present


def test_a_server_without_paging_is_a_warning(tmp_path):
    with NoPagingSlapd() as server:
        server.ldapadd(_people(server.suffix, 3))
        with LdapClient(_settings(server, f'cn=reader,{server.suffix}', 'reader-pw')) as client:
            found = check_root_dse(ReadOnlyDirectory(client), 'Domino')
    paging = next(c for c in found if c.check == 'Domino: paged results control')
    assert paging.status == 'warn' and 'not advertised' in paging.found and paging.server == server.ldap_uri


def test_validate_connections_cannot_write(seeded):
    """Read-only by construction: the connections validate builds refuse a write before sending it."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.connection import (
        connection_settings)
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import read_only

    vars_ = lab_control.playbook_vars(seeded)['coexist_domino']
    params = dict(vars_, validate_certs=True, start_tls=False, allow_plaintext_bind=False, timeout=30,
                  connect_timeout=5, page_size=1000, sasl_mech=None)
    before = dump_both(seeded)
    with LdapClient(connection_settings('domino', read_only(params))) as client:
        with pytest.raises(DirectoryError) as exc:
            client.add('cn=Should Not Exist,ou=Exchange,o=Acme', {'objectClass': ['person'], 'cn': ['x'], 'sn': ['x']})
    assert exc.value.kind == 'read_only'
    assert dump_both(seeded) == before
