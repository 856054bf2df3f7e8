"""exchange2003_routing_info on the lab. The lab's Samba carries Exchange 2003's recipient policy
class and the 2003 view of its Domino-last-hop routing (lab/coexist_lab/ad/schema.py: the Default
Policy with example.com a non-authoritative secondary, a second policy with it as non-authoritative
primary, the SMTP connector "To Domino"). The module reports that configured; a shared domain made
authoritative again (as the administrator, through ldap3) is reported with Exchange System
Manager steps that name it; and the module writes nothing: both directories and AD's
configuration partition are dumped whole before and after."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import ldap3
from lab_helpers import dump, dump_both, ldap3_admin

PLAYBOOK = Path(__file__).parent / 'playbooks' / 'exchange2003_routing.yml'
DOMINO_SMTP_HOSTS = ['domino1.example.com']            # the smart host of the lab's connector "To Domino"
SHARED = 'example.com'
RESPONSIBLE = 'This Exchange Organization is responsible for all mail delivery to this address'


def whole(lab) -> tuple:
    """Both directories whole, and AD's configuration partition, where the module reads (a subtree
    search of the domain does not descend into it)."""
    return dump_both(lab), dump(ldap3_admin(lab, 'ad'), lab['ad']['config_dn'])


def verify(run_playbook, tmp_path, **overrides):
    """Run the playbook; return (returncode, the module's result or None, output)."""
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    report_dir.mkdir()
    extra = {'coexist_report_dir': str(report_dir), 'coexist_last_hop': 'domino',
             'coexist_domino_smtp_hosts': DOMINO_SMTP_HOSTS}
    extra.update(overrides)
    result = run_playbook(str(PLAYBOOK), extra_vars=extra)
    path = report_dir / 'exchange2003_routing.json'
    return result.returncode, json.loads(path.read_text()) if path.exists() else None, result.stdout + result.stderr


def finding(result: dict, item: str) -> dict:
    found = [f for f in result['findings'] if f['item'] == item]
    assert len(found) == 1, result['findings']
    return found[0]


def test_the_seeded_lab_is_configured_for_domino_as_the_last_hop(seeded, run_playbook, tmp_path):
    before = whole(seeded)
    rc, result, out = verify(run_playbook, tmp_path)
    assert rc == 0, out
    assert result['configured'] is True and result['esm_steps'] == [] and result['changed'] is False, result['findings']
    assert result['exchange_organization'] == result['organisation'] == seeded['ad']['exchange_organisation']
    assert sorted(p['name'] for p in result['policies']) == ['Default Policy', 'Shared example.com']
    assert [c['name'] for c in result['connectors']] == ['To Domino']
    assert [f['item'] for f in result['findings']] == ['shared_domain', 'exchange_routing_domain',
                                                       'domino_routing_domain', 'connector', 'connector']
    assert all(f['status'] == 'ok' for f in result['findings'])
    assert finding(result, 'shared_domain')['found'] == 'non-authoritative on "Shared example.com", "Default Policy"'
    assert whole(seeded) == before


def test_a_shared_domain_made_authoritative_again_is_reported_with_the_esm_steps(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    ad.search(seeded['ad']['exchange_org_dn'], '(objectClass=msExchRecipientPolicy)',
              attributes=['msExchNonAuthoritativeDomains'])
    removed = 0
    for entry in [r for r in ad.response if r['type'] == 'searchResEntry']:
        raw = {k.lower(): v for k, v in entry['raw_attributes'].items()}
        values = [v.decode() for v in raw.get('msexchnonauthoritativedomains', [])]
        shared = [v for v in values if v.lower().endswith(f'@{SHARED}')]
        if shared:
            assert ad.modify(entry['dn'], {'msExchNonAuthoritativeDomains': [(ldap3.MODIFY_DELETE, shared)]})
            removed += 1
    assert removed == 2                                      # both recipient policies of the lab
    before = whole(seeded)
    rc, result, out = verify(run_playbook, tmp_path)
    assert rc == 0, out                                      # missing routing is reported, not a failure
    assert result['configured'] is False
    shared = finding(result, 'shared_domain')
    assert shared['status'] == 'missing'
    assert shared['check'] == f'shared domain {SHARED} non-authoritative on the recipient policies'
    assert shared['found'] == 'authoritative on "Shared example.com", "Default Policy"'
    assert [f['item'] for f in result['findings'] if f['status'] == 'missing'] == ['shared_domain']
    steps = result['esm_steps']
    assert steps[0] == (f'shared domain {SHARED} non-authoritative on the recipient policies: authoritative on '
                        f'"Shared example.com", "Default Policy"')
    assert f'  3. Select the SMTP address @{SHARED} and click Edit.' in steps
    assert sum(f'Clear the check box "{RESPONSIBLE}"' in line for line in steps) == 2
    assert any('Right-click "Default Policy", click Properties' in line for line in steps)
    assert f'Select the SMTP address @{SHARED} and click Edit.' in out          # the debug task shows them
    assert whole(seeded) == before


def test_the_lab_is_not_configured_for_exchange_as_the_last_hop(seeded, run_playbook, tmp_path):
    before = whole(seeded)
    rc, result, out = verify(run_playbook, tmp_path, coexist_last_hop='exchange')
    assert rc == 0, out
    assert result['configured'] is False
    shared = finding(result, 'shared_domain')
    assert shared['status'] == 'missing' and shared['found'].startswith('non-authoritative on')
    assert any(f'Select the check box "{RESPONSIBLE}"' in line for line in result['esm_steps'])
    # Exchange rejects its unknown recipients itself: only the Domino routing domain needs the connector.
    assert [f['check'].split(' (')[0] for f in result['findings'] if f['item'] == 'connector'] == [
        'SMTP connector to the Domino smart hosts for domino.example.com']
    assert whole(seeded) == before
