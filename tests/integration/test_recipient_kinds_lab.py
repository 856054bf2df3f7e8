"""Every addressable recipient (issue 18), against the lab. Domino -> Exchange: the seeded groups,
mail-in databases and resources become GAL-visible contacts of their kind; the awkward ones (a
group without an Internet address, one in an unrouted domain, one whose address a mailbox holds,
an ACL-only group, an online meeting place) never do. The groups and the resources each have an
OU of their own (kind_ous: the groups' under the contacts OU, the resources' beside it). Then, in
one more run: a group renamed while the groups' OU changed (moved and renamed in one), a mail-in
database readdressed, a group deleted and the resources switched off (deleted, with the kind
their OU tells). Exchange -> Domino:
the mail-enabled groups become forwarding Persons of the kind 'group' (test at the end).

Two and three playbook runs; the directories are read back through ldap3."""
from __future__ import annotations

import json

import ldap3

import lab_helpers
from coexist_lab import lab as lab_control
from lab_helpers import ldap3_admin, manifest

MARKER = 'coexist.domino_exchange:'


def contacts(lab, base: str = '') -> dict:
    """anchor -> (DN, attributes) of the owned contacts in the contacts OU (or under ``base``)."""
    conn = ldap3_admin(lab, 'ad')
    found = {}
    for e in conn.extend.standard.paged_search(base or lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*)',
                                               attributes=['cn', 'mail', 'targetAddress', 'proxyAddresses', 'displayName',
                                                           'msExchRecipientDisplayType', 'showInAddressBook',
                                                           'adminDescription', 'objectGUID'],
                                               paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            attrs = {k: (list(v) if k in ('proxyAddresses', 'showInAddressBook') else v[0])
                     for k, v in e['attributes'].items() if v}
            found[attrs['adminDescription'].rsplit(':', 1)[-1]] = (e['dn'], attrs)
    return found


def by_category(lab, category: str) -> list:
    return manifest(lab, 'domino')['categories'][category]


def test_groups_mail_in_databases_and_resources_become_contacts_of_their_kind(seeded, run_playbook, tmp_path):
    # An OU per kind (kind_ous): the groups' inside the contacts OU (it inherits the sync account's
    # grant there), the resources' outside it, granted as the contacts OU is.
    contacts_ou, base = seeded['ad']['contacts_ou'], seeded['ad']['base_dn']
    groups_ou, lists_ou = f'OU=Domino Groups,{contacts_ou}', f'OU=Domino Lists,{contacts_ou}'
    resources_ou = f'OU=Domino Resources,{base}'
    ad_lab = lab_control.directory('ad')
    ad_lab.add_sync_ou(groups_ou, grant=False)
    ad_lab.add_sync_ou(lists_ou, grant=False)
    ad_lab.add_sync_ou(resources_ou)
    kind_ous = {'group': groups_ou, 'resource': resources_ou}
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange',
                                           overrides={'coexist_kind_ous': kind_ous})
    assert rc == 0, out
    seeded_manifest = manifest(seeded, 'domino')
    made = contacts(seeded, base)
    where = {'group': groups_ou, 'resource': resources_ou, 'mailin': contacts_ou}
    created = {op['anchor']: op['recipient_kind'] for op in report['operations'] if op['op'] == 'create'}
    for category, kind in seeded_manifest['recipient_categories'].items():
        assert by_category(seeded, category), category
        for item in by_category(seeded, category):
            assert created.get(item['unid']) == kind, (category, item)
            dn, attrs = made[item['unid']]
            assert dn.split(',', 1)[1].lower() == where[kind].lower(), (category, dn)      # the OU of its kind
            local = item['mail'].split('@')[0]
            assert attrs['mail'] == item['mail'] and attrs['targetAddress'] == f'SMTP:{local}@domino.example.com'
            assert attrs['showInAddressBook'] and str(attrs['msExchRecipientDisplayType']) == '6'   # a mail contact
    assert report['source']['kinds'] == {
        'person': len([i for c in seeded_manifest['mailbox_categories'] for i in seeded_manifest['categories'][c]]),
        'group': len(by_category(seeded, 'groups')) + 3,        # recipients_skipped: three groups
        'mailin': len(by_category(seeded, 'mail_in_databases')),
        'resource': len(by_category(seeded, 'resources'))}
    assert report['counts']['create'] == lab_helpers.expected_creates(seeded)['domino_to_exchange']
    # The awkward ones: reported with their kind, never written.
    skipped = {s['anchor']: s for s in report['skips']}
    conflicts = {c['anchor']: c for c in report['conflicts']}
    phoenix, partners, order_desk = by_category(seeded, 'recipients_skipped')
    assert 'synthesized' in skipped[phoenix['unid']]['reason'] and skipped[phoenix['unid']]['recipient_kind'] == 'group'
    assert 'not in a domain this sync routes' in skipped[partners['unid']]['reason']
    collision = by_category(seeded, 'group_collision')[0]
    assert conflicts[order_desk['unid']]['recipient_kind'] == 'group'
    assert conflicts[collision['unid']]['recipient_kind'] == 'person'
    assert conflicts[order_desk['unid']]['address'].lower() == collision['mail'].lower()
    never = [i['unid'] for i in by_category(seeded, 'recipients_skipped') + by_category(seeded, 'not_recipients')]
    assert not set(never) & set(made) and collision['unid'] not in made
    acl_group, online = by_category(seeded, 'not_recipients')
    assert not {acl_group['unid'], online['unid']} & (set(skipped) | set(conflicts))   # not sources at all

    # Changes in Domino, and the resources switched off, in one run.
    domino = ldap3_admin(seeded, 'domino')
    sales_team, marketing = by_category(seeded, 'groups')
    helpdesk = by_category(seeded, 'mail_in_databases')[0]
    guid = made[sales_team['unid']][1]['objectGUID']
    assert domino.modify_dn(sales_team['dn'], 'cn=Sales Crew')
    assert domino.modify(helpdesk['dn'], {'mail': [(ldap3.MODIFY_REPLACE, ['service.desk@example.com'])]})
    assert domino.delete(marketing['dn'])
    # The groups' OU changed too: the renamed group is moved and renamed in one modify DN.
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange', overrides={
        'coexist_sync_kinds': ['person', 'group', 'mailin'], 'coexist_kind_ous': dict(kind_ous, group=lists_ou)})
    assert rc == 0, out
    ops = {(op['op'], op['anchor']): op for op in report['operations']}
    assert ops[('rename', sales_team['unid'])]['recipient_kind'] == 'group'
    assert ops[('rename', sales_team['unid'])]['new_dn'] == f'CN=Sales Crew,{lists_ou}'
    assert ops[('rename', sales_team['unid'])]['reason'] == 'moved to the OU of its kind (group), name changed'
    assert ops[('update', helpdesk['unid'])]['recipient_kind'] == 'mailin'
    assert ('delete', marketing['unid']) in ops
    resources = [i['unid'] for i in by_category(seeded, 'resources')]
    assert all(('delete', unid) in ops for unid in resources)
    # Deleted as switched off or gone, their kind told by their marker (issue 18): also the group
    # deleted from an OU no kind names any more, whose OU tells nothing.
    assert {ops[('delete', unid)]['recipient_kind'] for unid in resources} == {'resource'}
    assert ops[('delete', marketing['unid'])]['recipient_kind'] == 'group'
    (page,) = [p.read_text() for p in tmp_path.glob('reports-*/domino_to_exchange/report.html')
               if 'resource' in p.read_text() and 'Sales Crew' in p.read_text()]
    rows = json.loads(page.split('<script type="application/json" id="coexist-rows">', 1)[1].split('</script>', 1)[0])
    assert sorted(r['kind'] for r in rows['domino_to_exchange-delete']) == ['group'] + ['resource'] * len(resources)
    assert report['source']['kinds'].keys() == {'person', 'group', 'mailin'}
    changed = {sales_team['unid'], helpdesk['unid'], marketing['unid'], *resources}
    assert {op['anchor'] for op in report['operations']} == changed
    after = contacts(seeded, base)
    assert after[sales_team['unid']][1]['cn'] == 'Sales Crew' and after[sales_team['unid']][1]['objectGUID'] == guid
    assert after[sales_team['unid']][0] == f'CN=Sales Crew,{lists_ou}'
    assert after[helpdesk['unid']][1]['mail'] == 'service.desk@example.com'
    assert 'SMTP:service.desk@example.com' in after[helpdesk['unid']][1]['proxyAddresses']
    assert not {marketing['unid'], *resources} & set(after)


# --- Exchange -> Domino (issue 18, direction 2) ---

def forwarding_persons(lab) -> dict:
    """anchor -> (DN, attributes) of the sync's forwarding Persons under the Domino contacts base."""
    conn = ldap3_admin(lab, 'domino')
    found = {}
    for e in conn.extend.standard.paged_search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)',
                                               attributes=['cn', 'mail', 'mailaddress', 'objectClass', 'employeeType'],
                                               paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            attrs = {k.lower(): [str(x) for x in v] for k, v in e['attributes'].items() if v}
            found[attrs['employeetype'][0].rsplit(':', 1)[-1]] = (e['dn'], attrs)
    return found


def test_exchange_groups_become_forwarding_persons_of_their_kind(seeded, run_playbook, tmp_path):
    """Mail-enabled distribution and security groups and a dynamic distribution group become
    forwarding Persons labelled 'group', rooms and equipment 'resource'; a hidden group and a
    security group without mail are not read; a group without a routing proxy is a skip, one whose
    address a mailbox holds a conflict (the mailbox too). Then a group renamed, one readdressed,
    one deleted; then groups switched off: the rest deleted as gone. Three playbook runs."""
    ad_seed = manifest(seeded, 'ad')

    def items(*categories):
        return [i for c in categories for i in ad_seed['categories'][c]]
    group_sources = items(*ad_seed['group_source_categories'])
    groups_made = items('mail_groups', 'mail_security_groups', 'dynamic_groups')
    (no_route,), (collision,), rooms = items('groups_skipped'), items('group_collision'), \
        items('room_mailboxes', 'equipment_mailboxes')

    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    assert report['counts']['create'] == lab_helpers.expected_creates(seeded)['exchange_to_domino']
    created = {op['anchor']: op['recipient_kind'] for op in report['operations'] if op['op'] == 'create'}
    made = forwarding_persons(seeded)
    for item in groups_made:
        assert created[item['guid']] == 'group', item
        _dn, attrs = made[item['guid']]
        assert 'dominoPerson' in attrs['objectclass'] and attrs['mail'] == [item['mail']]
        assert attrs['mailaddress'] == [item['mail'].replace('@example.com', '@exchange.example.com')]
    unroutable = lab_helpers.without_routing_proxy(seeded)
    assert {created[i['guid']] for i in rooms if i['guid'] not in unroutable} == {'resource'}
    mailboxes = items(*lab_helpers.EXCHANGE_DEFAULT_KINDS)
    assert report['source']['kinds'] == {'person': len(mailboxes) - len(rooms), 'group': len(group_sources),
                                         'resource': len(rooms)}
    # never read: the hidden group and the security group without mail (not even counted as sources)
    never = {i['guid'] for i in items('groups_not_read')}
    reported = {c['anchor'] for c in report['conflicts']} | {s['anchor'] for s in report['skips']}
    assert not never & (set(created) | reported | set(made))
    assert report['source']['not_mailboxes']['group hidden from address lists'] == 1
    skips = {s['anchor']: s for s in report['skips']}
    assert skips[no_route['guid']]['recipient_kind'] == 'group' and '5.1.10' in skips[no_route['guid']]['reason']
    conflicts = {c['anchor']: c for c in report['conflicts']}
    (holder,) = [i for i in mailboxes if i['mail'].lower() == collision['mail'].lower()]
    assert conflicts[collision['guid']]['recipient_kind'] == 'group'
    assert conflicts[holder['guid']]['recipient_kind'] == 'person'
    assert not {no_route['guid'], collision['guid'], holder['guid']} & set(made)
    (page,) = [p.read_text() for p in tmp_path.glob('reports-*/exchange_to_domino/report.html')]
    assert f'data-kinds="exchange_to_domino">person {len(mailboxes) - len(rooms)}, group {len(group_sources)}' in page
    assert no_route['dn'] in page

    # In Exchange: a group renamed, a security group readdressed, the dynamic group deleted.
    ad = ldap3_admin(seeded, 'ad')
    staff, _project = items('mail_groups')
    (approvers,), (dynamic,) = items('mail_security_groups'), items('dynamic_groups')
    assert ad.modify_dn(staff['dn'], 'CN=All Staff Berlin Mitte')
    assert ad.modify(f'CN=All Staff Berlin Mitte,{staff["dn"].split(",", 1)[1]}',
                     {'displayName': [(ldap3.MODIFY_REPLACE, ['All Staff Berlin Mitte'])]})
    assert ad.modify(approvers['dn'], {'mail': [(ldap3.MODIFY_REPLACE, ['approvals@example.com'])],
                                       'proxyAddresses': [(ldap3.MODIFY_DELETE, [f'SMTP:{approvers["mail"]}']),
                                                          (ldap3.MODIFY_ADD, ['SMTP:approvals@example.com'])]})
    assert ad.delete(dynamic['dn'])
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino')
    assert rc == 0, out
    ops = {(op['op'], op['anchor']): op for op in report['operations']}
    # the rename comes with an update of sn (a group's sn is its display name, as for shared mailboxes)
    assert {('rename', staff['guid']), ('update', approvers['guid']), ('delete', dynamic['guid'])} <= set(ops)
    assert {anchor for _op, anchor in ops} == {staff['guid'], approvers['guid'], dynamic['guid']}
    assert ops[('rename', staff['guid'])]['recipient_kind'] == ops[('update', approvers['guid'])]['recipient_kind'] == 'group'
    # gone from AD: its kind from its marker, in the one contacts base every kind shares
    assert ops[('delete', dynamic['guid'])]['recipient_kind'] == 'group'
    after = forwarding_persons(seeded)
    assert after[staff['guid']][1]['cn'][0] == 'All Staff Berlin Mitte'
    assert after[approvers['guid']][1]['mail'] == ['approvals@example.com']
    assert dynamic['guid'] not in after

    # Groups switched off: not read, their Persons deleted as gone (within the deletion guard).
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino',
                                           overrides={'coexist_sync_kinds': ['person', 'resource']})
    assert rc == 0, out
    assert report['source']['kinds'].keys() == {'person', 'resource'}
    gone = {i['guid'] for i in groups_made} - {dynamic['guid']}
    # and the mailbox whose address the colliding group claimed is no longer in conflict: created
    assert {(op['op'], op['anchor']) for op in report['operations']} == \
        {('delete', g) for g in gone} | {('create', holder['guid'])}
    assert {op['recipient_kind'] for op in report['operations'] if op['op'] == 'delete'} == {'group'}
    after = forwarding_persons(seeded)
    assert not gone & set(after) and holder['guid'] in after
