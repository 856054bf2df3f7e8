"""ad_contact_sync checks that it may write its contacts before it writes to them (issue 12,
item 5): the right to create contacts in the OU is not the right to write their attributes later
(vendor facts X-6.7). With WriteProperty on one mapped attribute taken away in the lab's ACLs, a
run that would update a contact writes nothing, not even its creates, and names the attribute.
Read-backs through ldap3 (whole-directory dumps)."""
from __future__ import annotations

import json
from pathlib import Path

import ldap3

import lab_helpers
from coexist_lab import lab as lab_control
from lab_helpers import dump_both, ldap3_admin, manifest


def test_a_missing_write_right_on_the_contacts_fails_the_run_before_anything_is_written(seeded, run_playbook, tmp_path):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    ad, domino = ldap3_admin(seeded, 'ad'), ldap3_admin(seeded, 'domino')
    creates = {op['anchor'].lower(): op['dn'] for op in first['operations'] if op['op'] == 'create'}
    people = [p for p in manifest(seeded, 'domino')['categories']['mailboxes'] if p['unid'].lower() in creates][:2]
    retitled, removed = people
    # An update (a new title in Domino) and a create (an admin deleted a contact in AD) to plan.
    assert domino.modify(retitled['dn'], {'title': [(ldap3.MODIFY_REPLACE, ['Head of Rights'])]})
    assert ad.delete(creates[removed['unid'].lower()])
    lab_control.directory('ad').deny_sync_write(seeded['ad']['contacts_ou'], ['title'])
    before = dump_both(seeded)

    # The module itself (the playbook's validate preflight would stop the run before it: the
    # same read, the same function).
    report_dir = tmp_path / 'alone'
    result = run_playbook(str(Path(__file__).parent / 'playbooks' / 'ad_contact_sync_alone.yml'),
                          extra_vars={'coexist_report_dir': str(report_dir)})
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert dump_both(seeded) == before                                    # not even the create
    assert 'nothing was written' in out and 'may not write title on the sync\'s contacts' in out
    report = json.loads((report_dir / 'domino_to_exchange' / 'report.json').read_text())
    assert report['target']['rights']['not_writable'] == ['title']
    assert {op['op'] for op in report['operations']} == {'create', 'update'}
    assert all(op['status'] == 'blocked' for op in report['operations'])
