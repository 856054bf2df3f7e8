"""Ownership belongs to one sync (issue 12, item 4), against the lab.

The marker carries the identity of the sync's source (``coexist_instance``, else on AD the
Domino server's host name, on Domino the AD domain's DNS name): two syncs pointed at one
container (two Domino domains or two forests, or test and production) never take each other's
contacts; contacts with the identity-less 0.1 marker are adopted once. Read-backs through ldap3 (whole-directory dumps, the markers themselves).
"""
from __future__ import annotations

import ldap3
from coexist_lab import lab as lab_control

import lab_helpers
from lab_helpers import dump_both, ldap3_admin

MARKER = 'coexist.domino_exchange:'


def markers(lab) -> dict:
    """DN -> adminDescription of every contact in the contacts OU carrying this collection's prefix."""
    conn = ldap3_admin(lab, 'ad')
    conn.search(lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*)', attributes=['adminDescription'])
    return {e.entry_dn: e['adminDescription'].value for e in conn.entries}


def test_a_second_sync_on_the_same_ou_never_takes_the_first_ones_contacts(seeded, run_playbook, tmp_path):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    managed = first['counts']['create']
    assert set(markers(seeded).values()) == {f'{MARKER}domino1.example.com:{op["recipient_kind"]}:{op["anchor"]}'
                                             for op in first['operations']}
    before = dump_both(seeded)
    # Another sync (a test instance reading one OU of the directory) pointed at the same OU.
    other = dict(lab_control.playbook_vars(seeded)['coexist_domino'], mailbox_base='ou=Marketing,ou=Sales,o=Acme')
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange',
                                           overrides={'coexist_instance': 'acme-test', 'coexist_domino': other})
    assert rc == 0, out
    assert report['counts']['managed'] == 0
    assert {k: report['counts'][k] for k in ('create', 'update', 'rename', 'delete')} == \
        {'create': 0, 'update': 0, 'rename': 0, 'delete': 0}
    assert report['counts']['conflict'] >= 80                      # its addresses are the first sync's
    theirs = [f for f in report['target']['foreign_objects'] if f.get('owner') == 'domino1.example.com']
    assert len(theirs) == managed
    assert dump_both(seeded) == before
    # ...and the first sync still owns all of them.
    rc, again, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    assert again['counts']['managed'] == managed and again['counts']['unchanged'] == managed


def test_contacts_with_the_identity_less_marker_are_adopted_once(seeded, run_playbook, tmp_path):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    ad = ldap3_admin(seeded, 'ad')
    found = markers(seeded)
    legacy, before_kinds = sorted(found)[:5], sorted(found)[5:10]
    for dn in legacy:                                         # as version 0.1 wrote them
        anchor = found[dn].rsplit(':', 1)[1]
        assert ad.modify(dn, {'adminDescription': [(ldap3.MODIFY_REPLACE, [f'{MARKER}{anchor}'])]})
    for dn in before_kinds:                                   # as versions before the kind wrote them
        anchor = found[dn].rsplit(':', 1)[1]
        assert ad.modify(dn, {'adminDescription': [(ldap3.MODIFY_REPLACE, [f'{MARKER}domino1.example.com:{anchor}'])]})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    # the 0.1 markers adopted with the identity and the kind; those from before the kind are the
    # sync's as they are: an upgrade alone rewrites nothing
    updates = [op for op in report['operations'] if op['op'] == 'update']
    assert sorted(op['dn'] for op in updates) == legacy
    assert all(set(op['changes']) == {'adminDescription'} for op in updates)
    assert markers(seeded) == dict(found, **{dn: f'{MARKER}domino1.example.com:{found[dn].rsplit(":", 1)[1]}'
                                             for dn in before_kinds})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    assert report['operations'] == []


# --- the Domino side: the contacts' marker carries the forest's identity ---

LAB_FOREST = 'corp.example.com'        # the DC= parts of the lab's mailbox base


def domino_markers(lab) -> dict:
    """DN -> employeeType of every Person under the Domino contacts base carrying the prefix."""
    conn = ldap3_admin(lab, 'domino')
    conn.search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)', attributes=['employeeType'])
    return {e.entry_dn: e['employeeType'].value for e in conn.entries}


def test_a_second_sync_on_the_same_domino_base_never_takes_the_first_ones_contacts(seeded, run_playbook, tmp_path):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    managed = first['counts']['create']
    assert managed > 0
    assert set(domino_markers(seeded).values()) == {f'{MARKER}{LAB_FOREST}:{op["recipient_kind"]}:{op["anchor"]}'
                                                    for op in first['operations'] if op['op'] == 'create'}
    before = dump_both(seeded)
    # Another forest's sync (here: the same mailboxes under another identity) on the same base.
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino',
                                           overrides={'coexist_instance': 'fabrikam'})
    assert rc == 0, out
    assert report['counts']['managed'] == 0
    assert {k: report['counts'][k] for k in ('create', 'update', 'rename', 'delete')} == \
        {'create': 0, 'update': 0, 'rename': 0, 'delete': 0}
    assert report['counts']['conflict'] >= managed                  # its addresses are the first sync's
    theirs = [f for f in report['target']['foreign_objects'] if f.get('owner') == LAB_FOREST]
    assert len(theirs) == managed
    assert dump_both(seeded) == before


def test_domino_contacts_with_the_identity_less_marker_are_adopted_once(seeded, run_playbook, tmp_path):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    domino = ldap3_admin(seeded, 'domino')
    found = domino_markers(seeded)
    legacy = sorted(found)[:5]
    for dn in legacy:                                         # as version 0.1 wrote them
        anchor = found[dn].rsplit(':', 1)[1]
        assert domino.modify(dn, {'employeeType': [(ldap3.MODIFY_REPLACE, [f'{MARKER}{anchor}'])]})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    updates = [op for op in report['operations'] if op['op'] == 'update']
    assert sorted(op['dn'].lower() for op in updates) == sorted(dn.lower() for dn in legacy)
    assert all(set(op['changes']) == {'employeeType'} for op in updates)
    assert domino_markers(seeded) == found
