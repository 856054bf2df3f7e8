"""The Domino side as a real Domino Directory behaves, not as slapd does (issue 13): the lab
emulates what HCL documents (vendor facts D-2.2 synthesized mail, D-4.3 replication conflicts,
D-7.4 groups AdminP would maintain) and the syncs must be safe under it. Each scenario starts
from the seeded lab; read-backs go through ldap3."""
from __future__ import annotations

import ldap3
import lab_helpers
from coexist_lab import lab as lab_control
from coexist_lab.common import EXCHANGE_ROUTING_DOMAIN
from coexist_lab.domino.conflicts import conflict_copy
from lab_helpers import dump_both, ldap3_admin, manifest

MARKER = 'coexist.domino_exchange:'


def domino_item(lab, category: str, index: int = 0) -> dict:
    return manifest(lab, 'domino')['categories'][category][index]


ad_item = lab_helpers.routable_ad_mailbox      # a mailbox with a routing proxy: one that gets a contact


def owned_domino_contacts(lab) -> dict:
    """anchor -> list of {'dn', 'attributes'}: every Person carrying the marker under the contacts
    base (a list: a replication conflict shows two under one DN)."""
    conn = ldap3_admin(lab, 'domino')
    found: dict = {}
    for e in conn.extend.standard.paged_search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)',
                                               attributes=['*'], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            attrs = {k.lower(): [str(x) for x in v] for k, v in e['attributes'].items() if v}
            found.setdefault(attrs['employeetype'][0][len(MARKER):].rsplit(':', 1)[-1], []).append({'dn': e['dn'], 'attributes': attrs})
    return found


def test_synthesized_and_unrouted_domino_addresses_never_become_contacts(seeded, run_playbook, tmp_path):
    """A Person without an Internet address returns a mail Domino made up from its Notes name
    (vendor facts D-2.2); one in a domain nobody routes is no address of the shared namespace.
    Neither becomes an AD contact: skipped and reported."""
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange', '--check')
    assert rc == 0, out
    planned = {op['anchor'] for op in report['operations']}
    skips = {s['anchor']: s['reason'] for s in report['skips']}
    public, daryn = domino_item(seeded, 'synthesized_mail', 0), domino_item(seeded, 'synthesized_mail', 1)
    barker = domino_item(seeded, 'invalid_mail', 0)              # no Internet address either
    unrouted = domino_item(seeded, 'unrouted_mail')
    for item in (public, daryn, barker):
        assert item['unid'] not in planned, item
        assert 'synthesized' in skips[item['unid']], skips.get(item['unid'])
    assert unrouted['unid'] not in planned
    assert 'not in a domain this sync routes' in skips[unrouted['unid']]
    assert 'example.com' in skips[unrouted['unid']]
    # nothing planned anywhere carries a Notes-name address
    assert not [op for op in report['operations'] if '/' in str(op.get('attributes', {}).get('mail', ''))]


def test_a_replicated_mailbox_is_reported_not_written(seeded, run_playbook, tmp_path):
    """One Domino mailbox as two documents under one DN (a replication or save conflict): both are
    reported for the Notes administrator, neither becomes a contact."""
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange', '--check')
    assert rc == 0, out
    pair = {item['unid'] for item in manifest(seeded, 'domino')['categories']['replication_conflict']}
    assert len(pair) == 2
    skips = {s['anchor']: s['reason'] for s in report['skips']}
    assert pair <= set(skips) and not pair & {op['anchor'] for op in report['operations']}
    assert all('replication or save conflict' in skips[unid] for unid in pair), skips


def test_synthesized_domino_mail_is_no_conflict_for_an_exchange_mailbox(seeded, run_playbook, tmp_path):
    """The Domino address index counts only addresses in the routed domains that Domino did not
    synthesize: a Person without an Internet address holds nothing."""
    porter = domino_item(seeded, 'no_mailbox', 0)                   # Anna Porter: no Internet address
    domino = ldap3_admin(seeded, 'domino')
    domino.search(porter['dn'], '(objectClass=*)', search_scope=ldap3.BASE, attributes=['mail'])
    synthesized = str(domino.entries[0].mail)
    assert '/' in synthesized and synthesized.endswith('@example.com'), synthesized
    ad = ldap3_admin(seeded, 'ad')
    dn = f'CN=Holds A Notes Name,{seeded["ad"]["mailbox_bases"][0]}'
    assert ad.add(dn, ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'holdsnotesname', 'mail': synthesized.lower(), 'mailNickname': 'holdsnotesname',
                   'proxyAddresses': [f'SMTP:{synthesized.lower()}'], 'msExchRecipientTypeDetails': '1',
                   'displayName': 'Holds A Notes Name'})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino', '--check')
    assert rc == 0, out
    assert not [c for c in report['conflicts'] if c['address'].lower() == synthesized.lower()], report['conflicts']


def test_contacts_sharing_a_dn_are_reported_and_never_written_by_that_dn(seeded, run_playbook, tmp_path):
    """A replication conflict gives an owned contact a twin under its DN (another dominoUNID, the
    same marker). A write by that DN may reach either document (the lab's reaches the first):
    the sync reports the pair and writes nothing to it, whatever its source does."""
    assert lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')[0] == 0
    renamed, deleted = ad_item(seeded, 'user_mailboxes', 40), ad_item(seeded, 'user_mailboxes', 41)
    contacts = owned_domino_contacts(seeded)
    twins = {item['guid']: contacts[item['guid']][0]['dn'] for item in (renamed, deleted)}
    with lab_control.directory('domino').connect() as conn:
        for dn in twins.values():
            conflict_copy(conn, dn)
    ad = ldap3_admin(seeded, 'ad')
    assert ad.modify_dn(renamed['dn'], 'CN=Renamed While In Conflict')
    assert ad.modify(f'CN=Renamed While In Conflict,{renamed["dn"].split(",", 1)[1]}',
                     {'displayName': [(ldap3.MODIFY_REPLACE, ['Renamed While In Conflict'])]})
    assert ad.delete(deleted['dn'])
    before = owned_domino_contacts(seeded)
    assert all(len(before[guid]) == 2 for guid in twins)
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    touched = {op['dn'].lower() for op in report['operations']} | \
        {op.get('new_dn', '').lower() for op in report['operations']}
    assert not {dn.lower() for dn in twins.values()} & touched, report['operations']
    after = owned_domino_contacts(seeded)
    assert {guid: sorted(map(str, after[guid])) for guid in twins} == \
        {guid: sorted(map(str, before[guid])) for guid in twins}
    reported = {d['dn'].lower(): d for d in report['target']['duplicate_dns']}
    assert {dn.lower() for dn in twins.values()} <= set(reported)
    assert all(len(reported[dn.lower()]['object_ids']) == 2 for dn in twins.values())
    skips = {s['anchor']: s['reason'] for s in report['skips']}
    assert 'replication or save conflict' in skips[renamed['guid']]
    # a second run plans the same nothing
    before = dump_both(seeded)
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out and 'changed=0' in out
    assert dump_both(seeded) == before


def _group(conn, dn: str, members: list) -> None:
    cn = dn.split(',', 1)[0].split('=', 1)[1]
    assert conn.add(dn, ['top', 'groupOfNames', 'dominoGroup'], {'cn': cn, 'member': members})


def _members(conn, dn: str) -> set:
    conn.search(dn, '(objectClass=*)', search_scope=ldap3.BASE, attributes=['member'])
    return {str(v).lower() for v in conn.entries[0].member.values}


def test_groups_follow_the_contacts_renames_and_deletes(seeded, run_playbook, tmp_path):
    """LDAP writes bypass AdminP (vendor facts D-7.4): a Domino group naming a contact the sync
    renames or deletes would name a Person that no longer resolves. The sync updates the groups as
    AdminP would; a group it may not change is a per-object error naming the group and the right."""
    assert lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')[0] == 0
    renamed, deleted, locked_member = (ad_item(seeded, 'user_mailboxes', i) for i in (50, 51, 52))
    contacts = owned_domino_contacts(seeded)
    old = {item['guid']: contacts[item['guid']][0]['dn'] for item in (renamed, deleted, locked_member)}
    mailbox = domino_item(seeded, 'mailboxes', 3)['dn']
    domino = ldap3_admin(seeded, 'domino')
    friends, mail_only = 'cn=Exchange Friends,o=Acme', 'cn=Newsletter Readers,ou=Sales,o=Acme'
    restricted = 'cn=Board,ou=Restricted,o=Acme'
    _group(domino, friends, [old[renamed['guid']], old[deleted['guid']], mailbox, old[locked_member['guid']]])
    _group(domino, mail_only, [old[deleted['guid']]])         # one member, deleted: the group empties
    assert domino.add('ou=Restricted,o=Acme', ['top', 'organizationalUnit'], {'ou': 'Restricted'})
    _group(domino, restricted, [old[locked_member['guid']], mailbox])
    ad = ldap3_admin(seeded, 'ad')
    for item, name in ((renamed, 'Renamed Group Member'), (locked_member, 'Renamed Board Member')):
        assert ad.modify_dn(item['dn'], f'CN={name}')
        assert ad.modify(f'CN={name},{item["dn"].split(",", 1)[1]}', {'displayName': [(ldap3.MODIFY_REPLACE, [name])]})
    assert ad.delete(deleted['dn'])
    # check mode: the group updates are planned and nothing is written
    before = dump_both(seeded)
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino', '--check')
    assert rc == 0, out
    assert dump_both(seeded) == before
    planned = {op['dn'].lower(): op for op in report['operations'] if op['op'] == 'update'}
    assert {friends.lower(), mail_only.lower(), restricted.lower()} <= set(planned)
    assert planned[mail_only.lower()]['changes']['member']['after'] == []
    # the real run: the groups follow; the restricted one is refused and says so
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc != 0, out
    now = {guid: entries[0]['dn'] for guid, entries in owned_domino_contacts(seeded).items()}
    assert deleted['guid'] not in now and now[renamed['guid']] != old[renamed['guid']]
    assert _members(domino, friends) == {now[renamed['guid']].lower(), mailbox.lower(), now[locked_member['guid']].lower()}
    assert _members(domino, restricted) == {old[locked_member['guid']].lower(), mailbox.lower()}
    errors = {e['dn'].lower(): e['msg'] for e in report['errors']}
    assert 'GroupModifier' in errors[restricted.lower()] and 'member' in errors[restricted.lower()]
    # groupOfNames must have a member: the lab refuses to empty a group (Domino's answer is not
    # documented); the sync says what to do, and the group still names the deleted contact
    assert 'no other member' in errors[mail_only.lower()]
    assert _members(domino, mail_only) == {old[deleted['guid']].lower()}
    assert set(errors) == {restricted.lower(), mail_only.lower()}


def test_contact_names_are_unique_in_the_whole_directory_and_hold_no_notes_syntax(seeded, run_playbook, tmp_path):
    """A Notes user typing a contact's name must find one entry: names are unique against every
    common name of the directory, not only the contacts base; / and @ (a Notes name's syntax) are
    replaced before the write, which the lab refuses (Domino's answer is not documented)."""
    namesake = domino_item(seeded, 'same_fullname', 1)                # cn=Lukas Osborne,ou=Marketing,...
    ad = ldap3_admin(seeded, 'ad')
    base = seeded['ad']['mailbox_bases'][0]
    for cn, display, sam in (('Desk SM', 'Sales/Marketing Desk', 'desksm'), ('Desk HD', 'Help@Desk Team', 'deskhd'),
                             ('Lukas Osborne X', 'Lukas Osborne', 'lukasosbornex')):
        assert ad.add(f'CN={cn},{base}', ['top', 'person', 'organizationalPerson', 'user'],
                      {'sAMAccountName': sam, 'mail': f'{sam}@example.com', 'mailNickname': sam,
                       # a proxy in the Exchange routing domain, as the address policy stamps (issue 12 (a))
                       'proxyAddresses': [f'SMTP:{sam}@example.com', f'smtp:{sam}@{EXCHANGE_ROUTING_DOMAIN}'],
                       'msExchRecipientTypeDetails': '1', 'displayName': display})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    created = {op['attributes']['mail'][0]: op['dn'] for op in report['operations'] if op['op'] == 'create'}
    assert created['desksm@example.com'].startswith('CN=Sales-Marketing Desk,')
    assert created['deskhd@example.com'].startswith('CN=Help-Desk Team,')
    assert created['lukasosbornex@example.com'].startswith('CN=Lukas Osborne (')
    assert namesake['dn'].lower().startswith('cn=lukas osborne,')
