"""Forwarding addresses Domino's router will find (issue 13, item 6), against the lab. An AD
contact for a Domino mailbox forwards to an address in the Domino routing domain (an alias of
Domino's Global Domain); Domino finds it by the exact address, else, for an alias domain, by the
same local part in the primary domain (vendor facts D-6.1, D-11.6). Mailboxes added here: one
whose Internet address is in another alias of the shared domain (found by neither: reported,
never given a contact), one of those that also has its routing-domain address as a User name
value (found exactly: its contact forwards there), and one whose derived address another Person
holds (the exact match would reach that Person: reported). The lab routes no mail, so what
Domino would do is the documented rule; the test checks the sync follows it."""
from __future__ import annotations

import uuid

import lab_helpers
from lab_helpers import ldap3_admin

ALIAS = 'alias.example.com'


def _person(admin, cn: str, mail: str, names=(), mailbox: bool = True) -> str:
    dn = f'cn={cn},ou=Sales,o=Acme'
    unid = uuid.uuid4().hex.upper()
    attrs = {'cn': [cn, *names], 'sn': cn.split()[-1], 'givenName': cn.split()[0], 'mail': mail,
             'mailsystem': '1', 'dominoUNID': unid, 'displayName': f'{cn}/Sales/Acme'}
    if mailbox:
        attrs.update({'mailfile': f'mail\\{cn.split()[0].lower()}.nsf', 'mailserver': 'cn=Mail1,o=Acme'})
    admin.add(dn, ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson'], attrs)
    return unid


def test_contacts_forward_only_to_addresses_domino_finds(seeded, run_playbook, tmp_path):
    admin = ldap3_admin(seeded, 'domino')
    jane = _person(admin, 'Jane Aliasdomain', f'jane.aliasdomain@{ALIAS}')
    kim = _person(admin, 'Kim Aliasdomain', f'kim.aliasdomain@{ALIAS}', names=['kim.aliasdomain@domino.example.com'])
    lee = _person(admin, 'Lee Primary', 'lee.primary@example.com')
    _person(admin, 'Lee Holder', 'lee.holder@example.com', names=['lee.primary@domino.example.com'], mailbox=False)

    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange', '--check',
                                           overrides={'coexist_routed_domains': [ALIAS]})
    assert rc == 0, out
    creates = {op['anchor']: op for op in report['operations'] if op['op'] == 'create'}
    skips = {s['anchor']: s['reason'] for s in report['skips']}
    # the alias-domain mailbox: reported, no contact that forwards to an address Domino cannot find
    assert jane not in creates, creates.get(jane)
    assert 'not in the Domino primary Internet domain example.com' in skips[jane]
    assert 'jane.aliasdomain@domino.example.com' in skips[jane]
    # the one holding its routing-domain address as a User name value: forwards there
    assert creates[kim]['attributes']['targetAddress'] == ['SMTP:kim.aliasdomain@domino.example.com']
    assert creates[kim]['attributes']['mail'] == [f'kim.aliasdomain@{ALIAS}']
    # the derived address another Person holds exactly: reported, never written
    assert lee not in creates
    assert 'is an address of cn=Lee Holder,ou=Sales,o=Acme in Domino' in skips[lee]
    # every other contact still forwards to <local part>@<routing domain> of its primary-domain address
    for op in creates.values():
        mail, target = op['attributes']['mail'][0], op['attributes']['targetAddress'][0]
        if mail.lower().endswith('@example.com'):
            assert target.lower() == f'smtp:{mail.split("@")[0]}@domino.example.com'.lower(), op


def test_validate_counts_the_mailboxes_the_routing_domain_does_not_reach(seeded):
    """validate's Domino address line: the alias-domain mailbox without a routing-domain name is
    counted and named; the one with such a name is not. Before: no such line."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.read_only import ReadOnlyDirectory
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import check_domino_addresses
    from lab_helpers import settings_for

    admin = ldap3_admin(seeded, 'domino')
    _person(admin, 'Jane Aliasdomain', f'jane.aliasdomain@{ALIAS}')
    _person(admin, 'Kim Aliasdomain', f'kim.aliasdomain@{ALIAS}', names=['kim.aliasdomain@domino.example.com'])
    with LdapClient(settings_for(seeded, 'domino')) as client:
        found = check_domino_addresses(ReadOnlyDirectory(client), '', ['example.com', ALIAS], 'employeeType',
                                       'coexist.domino_exchange:', 'domino.example.com')
    (line,) = [c for c in found if c.check == 'Domino: mailboxes the routing domain does not reach']
    assert line.status == 'warn' and line.found.startswith('1 mailboxes') and 'cn=Jane Aliasdomain' in line.found
    assert 'User name' in line.todo
