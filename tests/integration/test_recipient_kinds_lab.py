"""Every addressable recipient, Domino -> Exchange (issue 18), against the lab: the seeded groups,
mail-in databases and resources become GAL-visible contacts of their kind; the awkward ones (a
group without an Internet address, one in an unrouted domain, one whose address a mailbox holds,
an ACL-only group, an online meeting place) never do. Then, in one more run: a group renamed, a
mail-in database readdressed, a group deleted and the resources switched off.

Two playbook runs in all; the directories are read back through ldap3."""
from __future__ import annotations

import ldap3

import lab_helpers
from lab_helpers import ldap3_admin, manifest

MARKER = 'coexist.domino_exchange:'


def contacts(lab) -> dict:
    """anchor -> (DN, attributes) of the owned contacts in the contacts OU."""
    conn = ldap3_admin(lab, 'ad')
    found = {}
    for e in conn.extend.standard.paged_search(lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*)',
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
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    seeded_manifest = manifest(seeded, 'domino')
    made = contacts(seeded)
    created = {op['anchor']: op['recipient_kind'] for op in report['operations'] if op['op'] == 'create'}
    for category, kind in seeded_manifest['recipient_categories'].items():
        assert by_category(seeded, category), category
        for item in by_category(seeded, category):
            assert created.get(item['unid']) == kind, (category, item)
            _dn, attrs = made[item['unid']]
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
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange',
                                           overrides={'coexist_sync_kinds': ['person', 'group', 'mailin']})
    assert rc == 0, out
    ops = {(op['op'], op['anchor']): op for op in report['operations']}
    assert ops[('rename', sales_team['unid'])]['recipient_kind'] == 'group'
    assert ops[('update', helpdesk['unid'])]['recipient_kind'] == 'mailin'
    assert ('delete', marketing['unid']) in ops
    resources = [i['unid'] for i in by_category(seeded, 'resources')]
    assert all(('delete', unid) in ops for unid in resources)
    assert report['source']['kinds'].keys() == {'person', 'group', 'mailin'}
    changed = {sales_team['unid'], helpdesk['unid'], marketing['unid'], *resources}
    assert {op['anchor'] for op in report['operations']} == changed
    after = contacts(seeded)
    assert after[sales_team['unid']][1]['cn'] == 'Sales Crew' and after[sales_team['unid']][1]['objectGUID'] == guid
    assert after[helpdesk['unid']][1]['mail'] == 'service.desk@example.com'
    assert 'SMTP:service.desk@example.com' in after[helpdesk['unid']][1]['proxyAddresses']
    assert not {marketing['unid'], *resources} & set(after)
