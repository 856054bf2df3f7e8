"""Domino mailboxes become GAL-visible contacts in AD: the playbook domino_to_exchange run the way an
admin runs it, against the lab's Samba DC and Domino-schema slapd. Each scenario starts from the
seeded lab (restored) and checks what the directories hold afterwards through ldap3, an
independent client, and what report.json says."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import ldap3
from coexist_lab import lab as lab_control
from coexist_lab.ad.schema import EXCHANGE_SERVERS
import lab_helpers
from lab_helpers import dump, ldap3_admin

MARKER = 'coexist.domino_exchange:'


def run_sync(run_playbook, tmp_path, lab, *args, overrides: dict | None = None):
    """Run domino_to_exchange; return (returncode, report.json as dict or None, output)."""
    return lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange', *args, overrides=overrides)


MULTI_VALUED = {'proxyAddresses', 'showInAddressBook', 'objectClass', 'msExchPoliciesExcluded'}


def owned_contacts(lab) -> dict:
    """anchor -> {'dn', 'attributes'} for every contact carrying the marker in the contacts OU
    (single-valued attributes as one value; ldap3 without the schema returns lists)."""
    conn = ldap3_admin(lab, 'ad')
    found = {}
    for e in conn.extend.standard.paged_search(lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*)',
                                               attributes=['*', 'objectGUID'], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            attrs = {k: (list(v) if k in MULTI_VALUED else v[0]) for k, v in e['attributes'].items() if v}
            # <prefix><identity>:<anchor>, the identity the lab Domino server's host (issue 12, item 4)
            found[attrs['adminDescription'][len(MARKER):].rsplit(':', 1)[-1]] = {'dn': e['dn'], 'attributes': attrs}
    return found


def domino_mailboxes(lab) -> list:
    manifest = json.loads(open(lab['domino']['manifest'], encoding='utf-8').read())
    return [item for name in manifest['mailbox_categories'] for item in manifest['categories'][name]]


def test_check_mode_writes_nothing_and_plans_every_eligible_mailbox(seeded, run_playbook, tmp_path):
    ad, domino = ldap3_admin(seeded, 'ad'), ldap3_admin(seeded, 'domino')
    before = dump(ad, seeded['ad']['base_dn'], seeded['ad']['bind_dn']), dump(domino, '')
    rc, report, out = run_sync(run_playbook, tmp_path, seeded, '--check', '--diff')
    assert rc == 0, out
    assert (dump(ad, seeded['ad']['base_dn'], seeded['ad']['bind_dn']), dump(domino, '')) == before
    assert report['mode'] == 'check' and report['outcome'] == 'ok'
    creates = {op['anchor'] for op in report['operations'] if op['op'] == 'create'}
    conflicted = {c['anchor'] for c in report['conflicts']} | {s['anchor'] for s in report['skips']}
    mailboxes = {m['unid'] for m in domino_mailboxes(seeded) if m['unid']}
    # every mailbox is either planned or reported, never silently dropped
    assert mailboxes <= creates | conflicted
    assert len(creates) > 300 and not creates & conflicted
    assert all(op['status'] == 'planned' for op in report['operations'])
    assert 'check mode, nothing written' in out
    # --diff shows before/after per object, capped (50 by default), with a count of the rest
    assert out.count('+++ after: create CN=') == 50 and f'and {len(creates) - 50} more operations' in out


def test_real_run_creates_the_full_profile_and_a_rerun_changes_nothing(seeded, run_playbook, tmp_path):
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    planned = [op for op in report['operations'] if op['op'] == 'create']
    assert planned and all(op['status'] == 'done' for op in planned)
    contacts = owned_contacts(seeded)
    assert set(contacts) == {op['anchor'] for op in planned}
    gal, all_contacts = seeded['ad']['gal_dn'].lower(), seeded['ad']['all_contacts_dn'].lower()
    # msExchVersion: the oldest of the lab organisation's Exchange servers (an Exchange 2010 one
    # beside Exchange 2016), so Exchange 2010's tools can still edit the contacts (vendor facts X-6.9)
    oldest = next(server for server in EXCHANGE_SERVERS if server[0] == 'EX2010')
    for anchor, entry in contacts.items():
        a = entry['attributes']
        assert [v.lower() for v in a['showInAddressBook']] == [gal, all_contacts] or \
            sorted(v.lower() for v in a['showInAddressBook']) == sorted([gal, all_contacts])
        assert a['msExchRecipientDisplayType'] == '6' and a['msExchRecipientTypeDetails'] == '64'
        assert a['targetAddress'].startswith('SMTP:') and a['targetAddress'].endswith('@domino.example.com')
        assert f"SMTP:{a['mail']}" in a['proxyAddresses']
        assert a['msExchPoliciesExcluded'] == ['{26491cfc-9e50-4857-861b-0cb8df22b5d7}']
        assert a['legacyExchangeDN'].endswith(f'/cn=Recipients/cn={anchor.lower()}')
        assert a['mailNickname'] and len(a['cn']) <= 64
        assert str(a['msExchVersion']) == str(oldest[2])
    assert report['target']['msexch_version']['exchange'] == '2010' and oldest[0] in \
        report['target']['msexch_version']['why']
    # the accent twins: AD would treat their names as one, so both carry an anchor suffix
    names = [e['attributes']['cn'] for e in contacts.values()]
    dupont = [n for n in names if n.lower().startswith(('rene dupont', 'rené dupont'))]
    assert len(dupont) == 2 and all(n.endswith(')') for n in dupont)
    ad = ldap3_admin(seeded, 'ad')
    before = dump(ad, seeded['ad']['base_dn'], seeded['ad']['bind_dn'])
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    assert 'changed=0' in out
    assert report['operations'] == [] and report['counts']['unchanged'] == len(contacts)
    assert dump(ad, seeded['ad']['base_dn'], seeded['ad']['bind_dn']) == before


def test_foreign_objects_in_the_ou_are_reported_and_untouched(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    manifest = json.loads(open(seeded['ad']['manifest'], encoding='utf-8').read())
    foreign = [item['dn'] for item in manifest['categories']['foreign_objects']]
    before = {dn.lower(): v for dn, v in dump(ad, seeded['ad']['contacts_ou']).items()
              if dn in {f.lower() for f in foreign}}
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    after = dump(ad, seeded['ad']['contacts_ou'])
    assert {dn: after[dn] for dn in before} == before
    reported = {f['dn'].lower() for f in report['target']['foreign_objects']}
    assert {f.lower() for f in foreign} <= reported


def test_an_address_held_by_another_syncs_contact_in_the_ou_is_a_conflict(seeded, run_playbook, tmp_path):
    """A contact in the contacts OU that is not this sync's (another sync's, by its own marker) holds
    the address of a Domino mailbox as a secondary proxy: that mailbox is a conflict, never a
    second holder of the address. The address read keeps only the objectGUID and DN of what is in
    the OU (issue 17) and reads the ones not owned again: this checks that their addresses still
    reach the conflict index on a real DC."""
    ad = ldap3_admin(seeded, 'ad')
    manifest = json.loads(open(seeded['ad']['manifest'], encoding='utf-8').read())
    theirs = next(item['dn'] for item in manifest['categories']['foreign_objects'] if 'partner.example.net' in (item.get('mail') or ''))
    mailbox = _domino_person(seeded, 'mailboxes', 5)
    assert ad.modify(theirs, {'proxyAddresses': [(ldap3.MODIFY_ADD, [f"smtp:{mailbox['mail']}"])]}), ad.result
    before = dump(ad, seeded['ad']['contacts_ou'])[theirs.lower()]
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    conflict = [c for c in report['conflicts'] if c['anchor'] == mailbox['unid']]
    assert conflict and f"{mailbox['mail']} belongs to" in conflict[0]['reason'], report['conflicts']
    assert theirs.lower() in conflict[0]['reason'].lower()
    assert mailbox['unid'] not in owned_contacts(seeded)
    assert dump(ad, seeded['ad']['contacts_ou'])[theirs.lower()] == before


def test_conflicts_and_bad_sources_are_reported_not_written(seeded, run_playbook, tmp_path):
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    reasons = ' '.join(c['reason'] for c in report['conflicts'])
    assert 'migrated.user@example.com belongs to' in reasons          # an Exchange mailbox holds it
    assert 'contested.address@example.com belongs to' in reasons      # held as a secondary proxy
    skipped = ' '.join(s['reason'] for s in report['skips'])
    # a Person without an Internet address returns a synthesized mail (vendor facts D-11.1), never none
    assert 'not a valid SMTP address' in skipped and 'synthesized by Domino' in skipped
    assert 'claimed by several sources' in skipped
    contacts = owned_contacts(seeded)
    mails = [e['attributes']['mail'].lower() for e in contacts.values()]
    assert 'migrated.user@example.com' not in mails and 'contested.address@example.com' not in mails
    assert len(mails) == len(set(mails))


def _domino_person(lab, category: str, index: int = 0) -> dict:
    manifest = json.loads(open(lab['domino']['manifest'], encoding='utf-8').read())
    return manifest['categories'][category][index]


def test_changes_in_domino_propagate_and_a_rename_keeps_the_contact(seeded, run_playbook, tmp_path):
    rc, _report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    contacts = owned_contacts(seeded)
    domino = ldap3_admin(seeded, 'domino')
    renamed, readdressed, deleted = (_domino_person(seeded, 'mailboxes', i) for i in (3, 4, 5))
    guid_before = contacts[renamed['unid']]['attributes']['objectGUID']
    assert domino.modify_dn(renamed['dn'], 'cn=Renamed Person Example')
    assert domino.modify(readdressed['dn'], {'mail': [(ldap3.MODIFY_REPLACE, ['moved.address@example.com'])]})
    assert domino.delete(deleted['dn'])
    new_unid = uuid.uuid4().hex.upper()
    person_classes = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']
    assert domino.add('cn=Brand New,ou=Sales,o=Acme', person_classes,
                      {'sn': 'New', 'givenName': 'Brand', 'mail': 'brand.new@example.com', 'uid': 'bnew',
                       'dominoUNID': new_unid, 'mailfile': 'mail\\bnew.nsf', 'mailsystem': '1'})
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    kinds = {(op['op'], op['anchor']) for op in report['operations']}
    assert ('rename', renamed['unid']) in kinds and ('update', readdressed['unid']) in kinds
    assert ('delete', deleted['unid']) in kinds and ('create', new_unid) in kinds
    after = owned_contacts(seeded)
    assert after[renamed['unid']]['attributes']['cn'] == 'Renamed Person Example'
    assert after[renamed['unid']]['attributes']['objectGUID'] == guid_before        # renamed, not re-created
    moved = after[readdressed['unid']]['attributes']
    assert moved['mail'] == 'moved.address@example.com'
    assert 'SMTP:moved.address@example.com' in moved['proxyAddresses']
    assert not any(v.lower() == f"smtp:{readdressed['mail'].lower()}" for v in moved['proxyAddresses'])
    assert deleted['unid'] not in after and new_unid in after


def test_values_exchange_adds_survive_and_a_new_mailbox_supersedes_a_contact(seeded, run_playbook, tmp_path):
    rc, _report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    contacts = owned_contacts(seeded)
    ad = ldap3_admin(seeded, 'ad')
    kept, superseded = (contacts[_domino_person(seeded, 'mailboxes', i)['unid']] for i in (6, 7))
    x500 = 'X500:/o=Example Corp/ou=Exchange Administrative Group/cn=Recipients/cn=legacy1234'
    assert ad.modify(kept['dn'], {'proxyAddresses': [(ldap3.MODIFY_ADD, [x500, 'smtp:alias@partner.example.net'])]})
    address = superseded['attributes']['mail']
    mailbox_dn = f'CN=Migrated Mailbox Test,{seeded["ad"]["mailbox_bases"][0]}'
    assert ad.add(mailbox_dn, ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'migratedtest', 'mail': address, 'mailNickname': 'migratedtest',
                   'proxyAddresses': [f'SMTP:{address}'], 'msExchRecipientTypeDetails': '1'})
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)
    assert rc == 0, out
    after = owned_contacts(seeded)
    assert x500 in after[_domino_person(seeded, 'mailboxes', 6)['unid']]['attributes']['proxyAddresses']
    assert 'smtp:alias@partner.example.net' in after[_domino_person(seeded, 'mailboxes', 6)['unid']]['attributes'][
        'proxyAddresses']
    gone = _domino_person(seeded, 'mailboxes', 7)['unid']
    assert gone not in after
    delete = next(op for op in report['operations'] if op['op'] == 'delete' and op['anchor'] == gone)
    assert 'superseded' in delete['reason'] and mailbox_dn.lower() in delete['reason'].lower()
    assert any(address.lower() in c['reason'].lower() for c in report['conflicts'])


def _nothing_written(lab, run_playbook, tmp_path, overrides, expect_in_output):
    ad = ldap3_admin(lab, 'ad')
    before = dump(ad, lab['ad']['base_dn'], lab['ad']['bind_dn'])
    rc, report, out = run_sync(run_playbook, tmp_path, lab, overrides=overrides)
    assert rc != 0, out
    assert expect_in_output in out
    assert dump(ad, lab['ad']['base_dn'], lab['ad']['bind_dn']) == before
    return report


def test_guard_blocks_an_empty_source(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path, seeded)[0] == 0
    empty = dict(lab_control.playbook_vars(seeded)['coexist_domino'], mailbox_base='ou=Exchange,o=Acme')
    report = _nothing_written(seeded, run_playbook, tmp_path, {'coexist_domino': empty}, 'source returned no mailboxes')
    assert report['guard']['blocked'] and all(op['status'] == 'blocked' for op in report['operations'])


def test_guard_blocks_too_many_deletes_by_count_and_by_percent(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path, seeded)[0] == 0
    domino = ldap3_admin(seeded, 'domino')
    for i in range(10, 22):                                   # 12 Domino mailboxes go away
        assert domino.delete(_domino_person(seeded, 'mailboxes', i)['dn'])
    # ...and a new one arrives: a blocked plan must not create it either
    assert domino.add('cn=Blocked Newcomer,ou=Sales,o=Acme', ['inetOrgPerson', 'dominoPerson'],
                      {'sn': 'Newcomer', 'mail': 'blocked.newcomer@example.com', 'dominoUNID': uuid.uuid4().hex.upper(),
                       'mailfile': 'mail\\newcomer.nsf', 'mailsystem': '1'})
    _nothing_written(seeded, run_playbook, tmp_path, {'coexist_max_deletes': 11}, 'exceed max_deletes (11)')
    _nothing_written(seeded, run_playbook, tmp_path, {'coexist_max_delete_percent': 3},
                     'more than max_delete_percent (3 %)')
    rc, report, out = run_sync(run_playbook, tmp_path, seeded)             # the defaults allow 12 of ~320
    assert rc == 0, out
    assert report['counts']['delete'] == 12 and report['counts']['create'] == 1


def test_marker_outside_the_ou_refuses_to_run(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    stray = f'CN=Stray Contact,OU=External Contacts,{seeded["ad"]["base_dn"]}'
    assert ad.add(stray, ['top', 'person', 'organizationalPerson', 'contact'],
                  {'adminDescription': f'{MARKER}{"0" * 32}'})
    _nothing_written(seeded, run_playbook, tmp_path, {}, 'outside')


def test_records_from_domino_mailbox_info_plan_the_same_as_reading_domino_in_process(seeded, run_playbook, tmp_path):
    rc, report, out = run_sync(run_playbook, tmp_path, seeded, '--check')
    assert rc == 0, out
    records_dir = tmp_path / 'records-run'
    result = run_playbook(str(Path(__file__).parent / 'playbooks' / 'records_path.yml'),
                          '-e', f'coexist_report_dir={records_dir}')
    assert result.returncode == 0, result.stdout + result.stderr
    mailboxes = lab_helpers.domino_sources(seeded)          # every kind, as ad_contact_sync reads them
    assert f'mailboxes={mailboxes} ' in result.stdout, [line for line in result.stdout.splitlines() if 'mailboxes=' in line]
    via_records = json.loads((records_dir / 'records' / 'report.json').read_text())
    assert via_records['source']['directory'] == 'records'
    assert [op['dn'] for op in via_records['operations']] == [op['dn'] for op in report['operations']]
    assert via_records['conflicts'] == report['conflicts'] and via_records['skips'] == report['skips']
