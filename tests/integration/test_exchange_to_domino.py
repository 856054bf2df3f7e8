"""Exchange mailboxes become forwarding Person contacts in the Domino Directory: the playbook
exchange_to_domino run the way an admin runs it, against the lab's Samba DC and Domino-schema
slapd. The same list as test_domino_to_exchange.py, mirrored. Each scenario starts from the seeded
lab (restored) and checks what the directories hold afterwards through ldap3, an independent
client, and what report.json says."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import ldap3
import lab_helpers
from coexist_lab import lab as lab_control
from lab_helpers import dump, dump_both, ldap3_admin, manifest

MARKER = 'coexist.domino_exchange:'
PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']
# Every category of the AD seed that is an Exchange mailbox the defaults take, and the rest.
# Linked (resource forest) and remote (hybrid, Exchange Online) mailboxes are people's mailboxes
# too: read by default (issue 12, item 5).
DEFAULT_KINDS = ['user_mailboxes', 'shared_mailboxes', 'room_mailboxes', 'equipment_mailboxes',
                 'disabled_user_mailboxes', 'legacy_mailboxes', 'linked_mailboxes', 'remote_mailboxes']
NEVER = ['arbitration_mailboxes', 'discovery_mailboxes', 'users_without_mailbox', 'mail_users', 'groups_not_read',
         'mailboxes_outside_bases', 'mail_contacts', 'foreign_objects']


def group_guids(lab) -> set:
    """The groups that take mail: sources too, every kind being on by default (issue 18)."""
    return guids(lab, *lab_helpers.exchange_group_categories(lab))


def run_sync(run_playbook, tmp_path, *args, overrides: dict | None = None):
    """Run exchange_to_domino; return (returncode, report.json as dict or None, output)."""
    return lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino', *args, overrides=overrides)


def guids(lab, *categories) -> set:
    found = manifest(lab, 'ad')['categories']
    return {item['guid'] for name in categories for item in found[name]}


ad_item = lab_helpers.routable_ad_mailbox      # a mailbox with a routing proxy: one that gets a contact


def owned_contacts(lab) -> dict:
    """anchor -> {'dn', 'attributes'} for every Person carrying the marker under the contacts base
    (values as lists; operational attributes too, for entryUUID)."""
    conn = ldap3_admin(lab, 'domino')
    found = {}
    for e in conn.extend.standard.paged_search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)',
                                               attributes=['*', '+'], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            attrs = {k.lower(): [str(x) for x in v] for k, v in e['attributes'].items() if v}
            found[attrs['employeetype'][0][len(MARKER):].rsplit(':', 1)[-1]] = {'dn': e['dn'], 'attributes': attrs}
    return found


def planned(report: dict, kind: str) -> set:
    return {op['anchor'] for op in report['operations'] if op['op'] == kind}


def test_check_mode_writes_nothing_and_plans_every_eligible_mailbox(seeded, run_playbook, tmp_path):
    before = dump_both(seeded)
    rc, report, out = run_sync(run_playbook, tmp_path, '--check', '--diff')
    assert rc == 0, out
    assert dump_both(seeded) == before
    assert report['mode'] == 'check' and report['outcome'] == 'ok' and report['direction'] == 'exchange_to_domino'
    creates = planned(report, 'create')
    reported = {c['anchor'] for c in report['conflicts']} | {s['anchor'] for s in report['skips']}
    eligible = guids(seeded, *DEFAULT_KINDS) | group_guids(seeded)
    # every default mailbox and group is planned or reported, never silently dropped; nothing else is read
    assert eligible == creates | reported and not creates & reported
    assert not creates & guids(seeded, 'hidden_mailboxes', *NEVER)
    assert report['source']['mailboxes'] == len(guids(seeded, *DEFAULT_KINDS))
    # a mailbox without a proxy address in the Exchange routing domain is a skip, with the reason
    unroutable = lab_helpers.without_routing_proxy(seeded)
    skipped = {s['anchor']: s['reason'] for s in report['skips']}
    assert unroutable and not unroutable & creates
    assert all('no proxy address in exchange.example.com' in skipped[g] and '5.1.10' in skipped[g] for g in unroutable)
    assert len(creates) == lab_helpers.expected_creates(seeded)['exchange_to_domino']
    assert 'check mode, nothing written' in out
    assert out.count('+++ after: create CN=') == 50 and f'and {len(creates) - 50} more operations' in out


def test_real_run_creates_forwarding_persons_and_a_rerun_changes_nothing(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    own_proxy, no_proxy = ad_item(seeded, 'user_mailboxes', 5), ad_item(seeded, 'user_mailboxes', 6)
    for item, proxies in ((own_proxy, [f'SMTP:{own_proxy["mail"]}', 'smtp:own.routing.proxy@exchange.example.com']),
                          (no_proxy, [f'SMTP:{no_proxy["mail"]}'])):
        assert ad.modify(item['dn'], {'proxyAddresses': [(ldap3.MODIFY_REPLACE, proxies)]})
    rc, report, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    creates = [op for op in report['operations'] if op['op'] == 'create']
    assert creates and all(op['status'] == 'done' for op in creates)
    contacts = owned_contacts(seeded)
    assert set(contacts) == {op['anchor'] for op in creates}
    ad_mail = {item['guid']: item['mail'] for item in lab_helpers.exchange_sources(seeded)}
    for anchor, entry in contacts.items():
        a = entry['attributes']
        assert sorted(a['objectclass']) == sorted(PERSON_CLASSES)
        assert a['mail'] == [ad_mail[anchor]]
        assert a['mailsystem'] == ['5']
        assert len(a['mailaddress']) == 1 and a['mailaddress'][0].endswith('@exchange.example.com')
        assert a['sn'] and len(entry['dn']) <= 256
        # nothing a Notes mailbox has, nothing Domino computes
        assert not {'mailfile', 'mailserver', 'maildomain', 'dominounid', 'displayname'} & set(a)
        assert entry['dn'].lower().endswith(',' + seeded['domino']['contacts_base'].lower())
    # the forwarding address is the mailbox's own proxy in the routing domain; a mailbox without
    # one gets no contact (its derived address would bounce: 5.1.10) and is listed in both reports
    assert contacts[own_proxy['guid']]['attributes']['mailaddress'] == ['own.routing.proxy@exchange.example.com']
    assert no_proxy['guid'] not in contacts
    (skip,) = [s for s in report['skips'] if s['anchor'] == no_proxy['guid']]
    assert skip['source_dn'] == no_proxy['dn'] and '5.1.10' in skip['reason'] and skip['contact'] is None
    (page,) = [p.read_text() for p in tmp_path.glob('reports-*/exchange_to_domino/report.html')]
    assert no_proxy['dn'] in page and 'no proxy address in exchange.example.com' in page
    # names Domino would treat as one (accents, namesakes) carry an anchor suffix; long ones fit 256
    cases = manifest(seeded, 'ad')['cases']
    by_source = {op['source_dn'].lower(): op for op in creates}
    for case in ('accent_twins', 'same_display_name'):
        names = [by_source[item['dn'].lower()]['attributes']['cn'][0] for item in cases[case]]
        assert len(names) == 2 and all(n.endswith(')') for n in names), names
    long_dn = by_source[cases['dn_over_256'][0]['dn'].lower()]['dn']
    assert 240 < len(long_dn) <= 256
    before = dump_both(seeded)
    rc, report, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    assert 'changed=0' in out
    assert report['operations'] == [] and report['counts']['unchanged'] == len(contacts)
    assert dump_both(seeded) == before


def test_the_sync_account_could_not_write_what_domino_computes(seeded, run_playbook, tmp_path):
    """The lab refuses the sync account a write to dominoUNID or displayName, also on a contact it
    made itself: a module that tried would fail this suite."""
    assert run_sync(run_playbook, tmp_path)[0] == 0
    contact = next(iter(owned_contacts(seeded).values()))
    admin = ldap3_admin(seeded, 'domino')
    sync = ldap3.Connection(admin.server, seeded['domino']['bind_dn'], seeded['domino']['bind_password'], auto_bind=True)
    for attribute in ('dominoUNID', 'displayName'):
        assert not sync.modify(contact['dn'], {attribute: [(ldap3.MODIFY_REPLACE, ['0' * 32])]})
        assert sync.result['description'] == 'insufficientAccessRights'


def test_foreign_objects_under_the_contacts_base_are_reported_and_untouched(seeded, run_playbook, tmp_path):
    domino = ldap3_admin(seeded, 'domino')
    foreign = {item['dn'].lower() for item in manifest(seeded, 'domino')['categories']['foreign_in_contacts_base']}
    before = {dn: v for dn, v in dump(domino, seeded['domino']['contacts_base']).items() if dn in foreign}
    assert len(before) == len(foreign)
    rc, report, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    after = dump(domino, seeded['domino']['contacts_base'])
    assert {dn: after[dn] for dn in before} == before
    assert foreign <= {f['dn'].lower() for f in report['target']['foreign_objects']}


def test_conflicts_and_bad_sources_are_reported_not_written(seeded, run_playbook, tmp_path):
    ad = ldap3_admin(seeded, 'ad')
    base = seeded['ad']['mailbox_bases'][0]
    group_owner = ad_item(seeded, 'user_mailboxes', 3)
    # a Domino group holds one mailbox's address; two mailboxes claim one; one address is invalid
    assert ldap3_admin(seeded, 'domino').add('cn=Group Holding An Address,o=Acme', ['dominoGroup'],
                                             {'cn': 'Group Holding An Address', 'mail': group_owner['mail'],
                                              'member': seeded['domino']['bind_dn']})
    for name, mail in [('Twin One', 'twin.address@example.com'), ('Twin Two', 'twin.address@example.com'),
                       ('Bad Address', 'not-an-address')]:
        sam = name.replace(' ', '').lower()
        assert ad.add(f'CN={name},{base}', ['top', 'person', 'organizationalPerson', 'user'],
                      {'sAMAccountName': sam, 'mail': mail, 'mailNickname': sam, 'msExchRecipientTypeDetails': '1',
                       'displayName': name, 'proxyAddresses': [f'smtp:{sam}@exchange.example.com']})
    rc, report, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    reasons = ' '.join(c['reason'] for c in report['conflicts'])
    assert 'migrated.user@example.com belongs to' in reasons and '(mailbox)' in reasons    # a Domino mailbox
    assert f'{group_owner["mail"]} belongs to cn=Group Holding An Address,o=Acme (group)' in reasons
    skipped = ' '.join(s['reason'] for s in report['skips'])
    assert 'not a valid SMTP address' in skipped and 'claimed by several sources' in skipped
    mails = [e['attributes']['mail'][0].lower() for e in owned_contacts(seeded).values()]
    assert 'migrated.user@example.com' not in mails and group_owner['mail'].lower() not in mails
    assert 'twin.address@example.com' not in mails and len(mails) == len(set(mails))


def test_mailbox_options_pick_what_is_synced(seeded, run_playbook, tmp_path):
    groups = group_guids(seeded)
    defaults = guids(seeded, *DEFAULT_KINDS) | groups
    hidden, linked, remote = (guids(seeded, c) for c in ('hidden_mailboxes', 'linked_mailboxes', 'remote_mailboxes'))
    resources = guids(seeded, 'shared_mailboxes', 'room_mailboxes', 'equipment_mailboxes')
    disabled, legacy = guids(seeded, 'disabled_user_mailboxes'), guids(seeded, 'legacy_mailboxes')

    def sources(**overrides) -> set:
        rc, report, out = run_sync(run_playbook, tmp_path, '--check', overrides=overrides)
        assert rc == 0, out
        return planned(report, 'create') | {c['anchor'] for c in report['conflicts']} | \
            {s['anchor'] for s in report['skips']}

    assert sources(coexist_include_hidden_mailboxes=True) == defaults | hidden
    # disabled accounts out: resource and shared mailboxes go with them (they are disabled by design)
    assert sources(coexist_include_disabled_mailboxes=False) == defaults - resources - disabled - linked
    assert sources(coexist_exchange_mailbox_types=['user', 'linked', 'remote']) == defaults - resources - legacy
    # user only: Exchange 2000/2003 mailboxes need pre2007
    assert sources(coexist_exchange_mailbox_types=['user']) == defaults - resources - legacy - linked - remote
    assert sources(coexist_exchange_mailbox_types=['pre2007']) == legacy | groups


def test_changes_in_exchange_propagate_and_a_rename_keeps_the_contact(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path)[0] == 0
    contacts = owned_contacts(seeded)
    ad = ldap3_admin(seeded, 'ad')
    renamed, readdressed, deleted = (ad_item(seeded, 'user_mailboxes', i) for i in (10, 11, 12))
    uuid_before = contacts[renamed['guid']]['attributes']['entryuuid']
    assert ad.modify_dn(renamed['dn'], 'CN=Renamed Mailbox Example')
    renamed_dn = f'CN=Renamed Mailbox Example,{renamed["dn"].split(",", 1)[1]}'
    assert ad.modify(renamed_dn, {'displayName': [(ldap3.MODIFY_REPLACE, ['Renamed Mailbox Example'])],
                                  'sn': [(ldap3.MODIFY_REPLACE, ['Example'])]})
    old_primary = f'SMTP:{readdressed["mail"]}'
    assert ad.modify(readdressed['dn'], {'proxyAddresses': [(ldap3.MODIFY_DELETE, [old_primary]),
                                                            (ldap3.MODIFY_ADD, ['SMTP:moved.mailbox@example.com',
                                                                                f'smtp:{readdressed["mail"]}'])],
                                         'mail': [(ldap3.MODIFY_REPLACE, ['moved.mailbox@example.com'])]})
    assert ad.delete(deleted['dn'])
    new_dn = f'CN=Brand New Mailbox,{seeded["ad"]["mailbox_bases"][0]}'
    assert ad.add(new_dn, ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'brandnewmbx', 'mail': 'brand.new.mailbox@example.com', 'mailNickname': 'bnm',
                   'proxyAddresses': ['SMTP:brand.new.mailbox@example.com', 'smtp:bnm@exchange.example.com'],
                   'msExchRecipientTypeDetails': '1',
                   'displayName': 'Brand New Mailbox', 'givenName': 'Brand', 'sn': 'Mailbox'})
    rc, report, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    kinds = {(op['op'], op['anchor']) for op in report['operations']}
    assert ('rename', renamed['guid']) in kinds and ('update', readdressed['guid']) in kinds
    assert ('delete', deleted['guid']) in kinds and len(planned(report, 'create')) == 1
    after = owned_contacts(seeded)
    moved = after[renamed['guid']]
    assert moved['dn'].lower().startswith('cn=renamed mailbox example,') and moved['attributes']['sn'] == ['Example']
    assert moved['attributes']['entryuuid'] == uuid_before                      # renamed, not re-created
    assert after[readdressed['guid']]['attributes']['mail'] == ['moved.mailbox@example.com']
    assert deleted['guid'] not in after
    assert any(e['attributes']['mail'] == ['brand.new.mailbox@example.com'] for e in after.values())


def test_values_admins_add_survive_and_a_new_domino_mailbox_supersedes_a_contact(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path)[0] == 0
    contacts = owned_contacts(seeded)
    domino = ldap3_admin(seeded, 'domino')
    kept, superseded = (contacts[ad_item(seeded, 'user_mailboxes', i)['guid']] for i in (20, 21))
    # what an admin adds, and the second cn value Domino keeps after a rename, are not the sync's
    assert domino.modify(kept['dn'], {'description': [(ldap3.MODIFY_ADD, ['added in Domino Administrator'])],
                                      'uid': [(ldap3.MODIFY_ADD, ['kept.shortname'])],
                                      'cn': [(ldap3.MODIFY_ADD, ['An Older Name'])]})
    address = superseded['attributes']['mail'][0]
    mailbox_dn = 'cn=Migrated Back Mailbox,ou=Sales,o=Acme'
    assert domino.add(mailbox_dn, PERSON_CLASSES, {'cn': 'Migrated Back Mailbox', 'sn': 'Mailbox', 'mail': address,
                                                   'dominoUNID': uuid.uuid4().hex.upper(), 'mailfile': 'mail\\mbm.nsf',
                                                   'mailsystem': '1'})
    rc, report, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    after = owned_contacts(seeded)
    kept_after = after[ad_item(seeded, 'user_mailboxes', 20)['guid']]['attributes']
    assert kept_after['description'] == ['added in Domino Administrator'] and kept_after['uid'] == ['kept.shortname']
    assert 'An Older Name' in kept_after['cn']
    assert not [op for op in report['operations'] if op['dn'].lower() == kept['dn'].lower()]
    gone = ad_item(seeded, 'user_mailboxes', 21)['guid']
    assert gone not in after
    delete = next(op for op in report['operations'] if op['op'] == 'delete' and op['anchor'] == gone)
    assert 'superseded' in delete['reason'] and mailbox_dn in delete['reason']


def _nothing_written(lab, run_playbook, tmp_path, overrides, expect_in_output):
    before = dump_both(lab)
    rc, report, out = run_sync(run_playbook, tmp_path, overrides=overrides)
    assert rc != 0, out
    assert expect_in_output in out
    assert dump_both(lab) == before
    return report


def test_guard_blocks_an_empty_source(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path)[0] == 0
    empty = dict(lab_control.playbook_vars(seeded)['coexist_ad'], mailbox_bases=[seeded['ad']['contacts_ou']])
    report = _nothing_written(seeded, run_playbook, tmp_path, {'coexist_ad': empty}, 'source returned no mailboxes')
    assert report['guard']['blocked'] and all(op['status'] == 'blocked' for op in report['operations'])


def test_guard_blocks_too_many_deletes_by_count_and_by_percent(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path)[0] == 0
    ad = ldap3_admin(seeded, 'ad')
    for i in range(30, 42):                                   # 12 Exchange mailboxes go away
        assert ad.delete(ad_item(seeded, 'user_mailboxes', i)['dn'])
    # ...and a new one arrives: a blocked plan must not create it either
    assert ad.add(f'CN=Blocked Newcomer,{seeded["ad"]["mailbox_bases"][0]}', ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'blockednewcomer', 'mail': 'blocked.newcomer@example.com', 'mailNickname': 'bn',
                   'msExchRecipientTypeDetails': '1', 'proxyAddresses': ['smtp:bn@exchange.example.com']})
    _nothing_written(seeded, run_playbook, tmp_path, {'coexist_max_deletes': 11}, 'exceed max_deletes (11)')
    _nothing_written(seeded, run_playbook, tmp_path, {'coexist_max_delete_percent': 3},
                     'more than max_delete_percent (3 %)')
    rc, report, out = run_sync(run_playbook, tmp_path)                  # the defaults allow 12 of ~270
    assert rc == 0, out
    assert report['counts']['delete'] == 12 and report['counts']['create'] == 1


def test_marker_outside_the_contacts_base_refuses_to_run(seeded, run_playbook, tmp_path):
    assert ldap3_admin(seeded, 'domino').add('cn=Stray Contact,ou=Sales,o=Acme', PERSON_CLASSES,
                                             {'cn': 'Stray Contact', 'sn': 'Contact',
                                              'employeeType': f'{MARKER}00000000-0000-0000-0000-000000000000'})
    _nothing_written(seeded, run_playbook, tmp_path, {}, 'outside')


def test_a_missing_contacts_base_stops_the_preflight_saying_what_to_create(seeded, run_playbook, tmp_path):
    missing = dict(lab_control.playbook_vars(seeded)['coexist_domino'], contacts_base='ou=Not There,o=Acme')
    _nothing_written(seeded, run_playbook, tmp_path, {'coexist_domino': missing}, 'OU=Not There/O=Acme')


def test_the_two_directions_never_read_each_others_contacts(seeded, run_playbook, tmp_path):
    """No loops: after both directions ran, neither reads the other's contacts as mailboxes, and a
    second round changes nothing in either directory."""
    assert run_sync(run_playbook, tmp_path)[0] == 0
    rc, d2e, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    domino_mailboxes = sum(len(manifest(seeded, 'domino')['categories'][c])
                           for c in manifest(seeded, 'domino')['mailbox_categories'])
    assert d2e['source']['mailboxes'] == domino_mailboxes
    assert d2e['source']['not_mailboxes']['contact made by this collection'] == len(owned_contacts(seeded))
    before = dump_both(seeded)
    rc, e2d, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    assert e2d['operations'] == [] and e2d['source']['mailboxes'] == len(guids(seeded, *DEFAULT_KINDS))
    rc, d2e, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    assert d2e['operations'] == []
    assert dump_both(seeded) == before


def test_records_from_ad_mailbox_info_plan_the_same_as_reading_ad_in_process(seeded, run_playbook, tmp_path):
    rc, report, out = run_sync(run_playbook, tmp_path, '--check')
    assert rc == 0, out
    records_dir = tmp_path / 'records-run'
    result = run_playbook(str(Path(__file__).parent / 'playbooks' / 'records_path_exchange.yml'),
                          '-e', f'coexist_report_dir={records_dir}')
    assert result.returncode == 0, result.stdout + result.stderr
    assert f'mailboxes={len(guids(seeded, *DEFAULT_KINDS) | group_guids(seeded))} ' in result.stdout
    via_records = json.loads((records_dir / 'records' / 'report.json').read_text())
    assert via_records['source']['directory'] == 'records'
    assert [op['dn'] for op in via_records['operations']] == [op['dn'] for op in report['operations']]
    assert via_records['conflicts'] == report['conflicts'] and via_records['skips'] == report['skips']
