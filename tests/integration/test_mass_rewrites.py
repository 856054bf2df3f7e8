"""Guards on mass rewrites (issue 12, item 6), both directions, against the lab.

A source-side or settings problem can rewrite every contact in one run: here a Domino routing
domain typed wrong re-addresses every AD contact (``targetAddress``), and a re-stamped routing
address on every Exchange mailbox every Domino contact (``mailaddress``). Past the
address-change guard a direction writes nothing at all, as past the deletion guard; raising the
limits for one run lets the change through. Read-backs through ldap3 (whole-directory dumps).
"""
from __future__ import annotations

import pytest

import lab_helpers
from lab_helpers import dump_both, ldap3_admin, manifest

WRONG_DOMAIN = {'domino_to_exchange': {'coexist_domino_routing_domain': 'dominno.example.com'},
                'exchange_to_domino': {}}


def readdress_every_mailbox(seeded) -> None:
    """Exchange -> Domino: a mailbox without an address in the routing domain is a skip (a
    mistyped domain skips every mailbox: nothing is rewritten), so the mass change here is an
    email address policy that re-stamped every mailbox's routing address (a new template)."""
    ad = ldap3_admin(seeded, 'ad')
    for item in (i for name in lab_helpers.EXCHANGE_DEFAULT_KINDS for i in manifest(seeded, 'ad')['categories'][name]):
        assert ad.search(item['dn'], '(objectClass=*)', search_scope='BASE', attributes=['proxyAddresses'])
        proxies = [str(v) for v in ad.entries[0]['proxyAddresses'].values]
        moved = [p.replace('@exchange.example.com', '.x@exchange.example.com') if p.startswith('smtp:') else p
                 for p in proxies]
        if moved != proxies:
            assert ad.modify(item['dn'], {'proxyAddresses': [('MODIFY_REPLACE', moved)]})


@pytest.mark.parametrize('direction', ['domino_to_exchange', 'exchange_to_domino'])
def test_a_mistyped_routing_domain_rewrites_nothing(seeded, run_playbook, tmp_path, direction):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, direction)
    assert rc == 0, out
    managed = first['counts']['create']
    if direction == 'exchange_to_domino':
        readdress_every_mailbox(seeded)
    before = dump_both(seeded)
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, direction, overrides=WRONG_DOMAIN[direction])
    assert rc != 0, out
    assert 'are more than max_address_change_percent (10 %)' in out and 'nothing was written' in out
    assert dump_both(seeded) == before
    assert report['guard']['blocked'] and report['counts']['update'] > managed * 0.9
    assert all(op['status'] == 'blocked' for op in report['operations'])
    # a check-mode run shows the same plan and writes nothing either
    rc, checked, out = lab_helpers.run_sync(run_playbook, tmp_path, direction, '--check',
                                            overrides=WRONG_DOMAIN[direction])
    assert checked['counts'] == report['counts'] and dump_both(seeded) == before
    # read the report, then raise the limit for one run: the change goes through
    rc, applied, out = lab_helpers.run_sync(run_playbook, tmp_path, direction, overrides=dict(
        WRONG_DOMAIN[direction], coexist_max_address_change_percent=100))
    assert rc == 0, out
    assert applied['guard']['address_changes'] == report['guard']['address_changes'] > managed * 0.9
    assert applied['counts']['done'] == len(applied['operations'])


def test_renames_past_max_renames_write_nothing(seeded, run_playbook, tmp_path):
    rc, _first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    domino = ldap3_admin(seeded, 'domino')
    people = manifest(seeded, 'domino')['categories']['mailboxes'][20:32]
    for person in people:                                  # a new name format for 12 people
        rdn, _comma, parent = person['dn'].partition(',')
        assert domino.modify_dn(person['dn'], f'{rdn} (Sales)')
    before = dump_both(seeded)
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange',
                                           overrides={'coexist_max_renames': 11})
    assert rc != 0, out
    assert '12 renames exceed max_renames (11)' in out and dump_both(seeded) == before
    assert report['guard']['renames'] == 12 and report['guard']['max_renames'] == 11
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')   # 12 of ~320: allowed
    assert rc == 0, out
    assert report['counts']['rename'] == 12 and report['counts']['done'] == len(report['operations'])
