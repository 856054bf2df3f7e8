"""Supersession keeps what people rely on (issue 12, item 3): when a real mailbox takes an owned
contact's address (the user migrated to Exchange), supersede: merge puts the contact's
legacyExchangeDN on the mailbox as an X500 proxy address (replies to old mail reach it; KB 2807779)
and the mailbox in the contact's groups, then deletes the contact. A merge the sync account may
not write keeps the contact and changes nothing on the mailbox or the groups.

On the lab: the sync account may write proxyAddresses and member in OU=Exchange Users (where the
seeded groups live), not in OU=Other Users; the tests add the contact to groups as the admin, as
an Exchange admin does with a GAL contact, and create the mailbox that takes its address."""
from __future__ import annotations

import json

import ldap3
import lab_helpers
from coexist_lab import lab as lab_control
from lab_helpers import ldap3_admin

MARKER = 'coexist.domino_exchange:'


def _person(lab, index: int) -> dict:
    manifest = json.loads(open(lab['domino']['manifest'], encoding='utf-8').read())
    return manifest['categories']['mailboxes'][index]


def _contact(lab, unid: str):
    """(DN, attributes) of the owned contact of a Domino Person, or None."""
    conn = ldap3_admin(lab, 'ad')
    conn.search(lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*{unid})',
                attributes=['legacyExchangeDN', 'memberOf', 'mail'])
    return (conn.entries[0].entry_dn, conn.entries[0].entry_attributes_as_dict) if conn.entries else None


def _entry(conn, dn: str) -> dict:
    """Every attribute of one entry, values sorted: to prove what changed and what did not."""
    conn.search(dn, '(objectClass=*)', search_scope=ldap3.BASE, attributes=['*'])
    return {k.lower(): sorted(v.decode('utf-8', 'backslashreplace') for v in values)
            for k, values in conn.entries[0].entry_raw_attributes.items()}


def _setup(lab, run_playbook, tmp_path, groups: list) -> dict:
    """A first sync (the contacts exist), the contact of Domino mailbox 9 in ``groups`` (added by the
    admin), then a new Exchange mailbox with that contact's address: the migration moment."""
    rc, _report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    ad = ldap3_admin(lab, 'ad')
    unid = _person(lab, 9)['unid']
    contact_dn, attrs = _contact(lab, unid)
    legacy = attrs['legacyExchangeDN'][0]
    assert legacy.startswith('/o=') and attrs['memberOf'] == []
    for group in groups:
        assert ad.modify(group, {'member': [(ldap3.MODIFY_ADD, [contact_dn])]}), ad.result
    address = attrs['mail'][0]
    mailbox = f'CN=Migrated Person,{lab["ad"]["mailbox_bases"][0]}'
    assert ad.add(mailbox, ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'migratedperson', 'mail': address, 'mailNickname': 'migratedperson',
                   'proxyAddresses': [f'SMTP:{address}', 'smtp:migratedperson@exchange.example.com'],
                   'msExchRecipientTypeDetails': '1'})
    return {'unid': unid, 'contact': contact_dn, 'legacy': legacy, 'mailbox': mailbox, 'address': address}


def _groups(lab) -> list:
    base = lab['ad']['mailbox_bases'][0]
    return [f'CN=All Staff Berlin,{base}', f'CN=Project Coexistence,{base}']


def _entry_of(report: dict, unid: str) -> dict:
    return next(s for s in report['supersessions'] if s['anchor'] == unid)


def test_merge_keeps_the_x500_address_and_the_groups_then_deletes_the_contact(seeded, run_playbook, tmp_path):
    groups = _groups(seeded)
    case = _setup(seeded, run_playbook, tmp_path, groups)
    ad = ldap3_admin(seeded, 'ad')
    mailbox_before = _entry(ad, case['mailbox'])

    rc, check, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange', '--check')
    assert rc == 0, out
    planned = _entry_of(check, case['unid'])
    assert planned['x500'] == f'X500:{case["legacy"]}' and planned['result'] == 'planned'
    assert [g['dn'].lower() for g in planned['groups']] == sorted(g.lower() for g in groups)
    assert _entry(ad, case['mailbox']) == mailbox_before            # check mode: nothing written

    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    assert _contact(seeded, case['unid']) is None                 # superseded: deleted
    after = _entry(ad, case['mailbox'])
    assert f'x500:{case["legacy"]}'.lower() in {v.lower() for v in after['proxyaddresses']}
    assert {g.lower() for g in after['memberof']} == {g.lower() for g in groups}
    # nothing else about the mailbox changed: the X500 value, and the group back-links
    changed = {k for k in set(after) | set(mailbox_before) if after.get(k) != mailbox_before.get(k)}
    assert changed <= {'proxyaddresses', 'memberof', 'usnchanged', 'whenchanged'}
    assert sorted(set(after['proxyaddresses']) - set(mailbox_before['proxyaddresses'])) == [f'X500:{case["legacy"]}']
    entry = _entry_of(report, case['unid'])
    assert entry['result'] == 'merged and deleted' and entry['mailbox'].lower() == case['mailbox'].lower()
    assert all(g['mailbox'] == 'to add' for g in entry['groups']) and not entry['missing_rights']
    html = (tmp_path.glob('reports-*/domino_to_exchange/report.html'))
    assert any(f'X500:{case["legacy"]}' in p.read_text() for p in html)

    # The next run has nothing left to do for it.
    rc, rerun, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0 and not rerun['supersessions'] and 'changed=0' in out, out


def test_a_refused_merge_keeps_the_contact_and_changes_nothing(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    # A group the sync account may not write (another department's, in OU=Other Users).
    closed = f'CN=Board Distribution,OU=Other Users,{seeded["ad"]["base_dn"]}'
    assert ad.add(closed, ['top', 'group'],
                  {'sAMAccountName': 'boarddist', 'groupType': 8, 'mailNickname': 'boarddist', 'mail': 'board@example.com'})
    groups = _groups(seeded) + [closed]
    case = _setup(seeded, run_playbook, tmp_path, groups)
    watched = [case['mailbox'], case['contact']] + groups
    before = {dn: _entry(ad, dn) for dn in watched}

    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc != 0, out                                    # a refused write fails the task at the end
    assert _contact(seeded, case['unid']) is not None     # kept
    assert {dn: _entry(ad, dn) for dn in watched} == before   # nothing half-written
    entry = _entry_of(report, case['unid'])
    assert entry['result'].startswith('kept') and entry['missing_rights'] == [f'WriteProperty on member of {closed}']
    error = next(e for e in report['errors'] if e['kind'] == 'access')
    assert 'member' in error['msg'] and closed in error['msg'] and 'kept' in error['msg']
    assert any(op['op'] == 'delete' and op['anchor'] == case['unid'] and op['status'] == 'failed'
               for op in report['operations'])


def test_supersede_delete_reports_what_it_drops(seeded, run_playbook, tmp_path):
    groups = _groups(seeded)[:1]
    case = _setup(seeded, run_playbook, tmp_path, groups)
    ad = ldap3_admin(seeded, 'ad')
    mailbox_before = _entry(ad, case['mailbox'])
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange',
                                           overrides={'coexist_supersede': 'delete'})
    assert rc == 0, out
    assert _contact(seeded, case['unid']) is None
    after = _entry(ad, case['mailbox'])
    assert after['proxyaddresses'] == mailbox_before['proxyaddresses'] and 'memberof' not in after
    entry = _entry_of(report, case['unid'])
    assert entry['mode'] == 'delete' and entry['result'] == 'deleted'
    assert entry['x500'] == f'X500:{case["legacy"]}' and [g['dn'].lower() for g in entry['groups']] == [groups[0].lower()]


def test_validate_says_which_rights_merge_needs(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    closed = f'CN=Board Distribution,OU=Other Users,{seeded["ad"]["base_dn"]}'
    assert ad.add(closed, ['top', 'group'], {'sAMAccountName': 'boarddist', 'groupType': 8})
    rc, _report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    contact_dn, _attrs = _contact(seeded, _person(seeded, 9)['unid'])
    for group in _groups(seeded) + [closed]:
        assert ad.modify(group, {'member': [(ldap3.MODIFY_ADD, [contact_dn])]}), ad.result
    report_dir = tmp_path / 'validate-reports'
    result = run_playbook('coexist.domino_exchange.validate',
                          extra_vars={'coexist_report_dir': str(report_dir), 'coexist_last_hop': 'domino'})
    assert result.returncode == 0, result.stdout      # a warning: the sync copes (the contact is kept)
    checks = json.loads((report_dir / 'validate' / 'validate.json').read_text())['checks']
    [groups] = [c for c in checks if c['check'] == "AD: supersede: merge may write the groups' member"]
    assert groups['status'] == 'warn' and closed in groups['found'] and groups['found'].startswith('3 groups')
    assert 'WriteProperty on member' in groups['todo']
    mailboxes = [c for c in checks if c['check'] == "AD: supersede: merge may write a mailbox's proxyAddresses"]
    assert mailboxes and all(c['status'] == 'pass' for c in mailboxes)


def test_skipped_referrals_are_reported(seeded, run_playbook, tmp_path):
    """Issue 12, item 5: a search continuation reference the reads do not follow is named in the
    report. With no mailbox base, exchange_to_domino reads the whole domain, and AD (Samba too)
    answers with its Configuration partition's URL. Before: not in the report."""
    ad = dict(lab_control.playbook_vars(seeded)['coexist_ad'], mailbox_bases=[])
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino', '--check',
                                           overrides={'coexist_ad': ad})
    assert rc == 0, out
    configuration = f'CN=Configuration,{seeded["ad"]["base_dn"]}'.lower()
    assert any(url.lower().endswith(configuration) for url in report['source']['skipped_referrals'])
    assert 'referrals not followed' in out
