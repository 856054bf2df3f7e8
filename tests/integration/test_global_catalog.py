"""The AD side as a real forest behaves (issue 12, items 1 and 2), against the lab.

The lab's Global Catalog (``global_catalog`` in its facts and inventory, so every lab test reads
through it) returns only the partial attribute set, as Windows does; Samba's own GC returns
everything. The sync must recognise its contacts from the contacts OU's read, and only Exchange
recipients hold addresses: a logon account whose ``mail`` an HR tool filled in is information.
Read-backs through ldap3, an independent client.
"""
from __future__ import annotations

import json

import ldap3
import lab_helpers
from lab_helpers import ldap3_admin

MARKER = 'coexist.domino_exchange:'


def gc_search(lab, uri: str, filterstr: str, attributes: list) -> list:
    """(dn, attributes) of every entry a Global Catalog returns for a forest-wide search."""
    host, _unused, port = uri.removeprefix('ldaps://').partition(':')
    tls = ldap3.Tls(ca_certs_file=lab['ad']['ca_file'], validate=2)
    server = ldap3.Server(host, port=int(port), use_ssl=True, tls=tls, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, lab['ad']['bind_dn'], lab['ad']['bind_password'], auto_bind=True,
                            raise_exceptions=True)
    found = []
    for e in conn.extend.standard.paged_search('', filterstr, attributes=attributes, paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            found.append((e['dn'], {k.lower(): v for k, v in e['raw_attributes'].items() if v}))
    conn.unbind()
    return found


def test_the_lab_global_catalog_holds_only_the_partial_attribute_set(seeded, run_playbook, tmp_path):
    rc, _report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    ou = seeded['ad']['contacts_ou'].lower()
    wanted = ['adminDescription', 'mail', 'proxyAddresses', 'mailNickname', 'objectGUID']
    samba = gc_search(seeded, seeded['ad']['samba_global_catalog'], f'(adminDescription={MARKER}*)', wanted)
    assert len(samba) > 300                                      # Samba's GC: the marker is there
    assert gc_search(seeded, seeded['ad']['global_catalog'], f'(adminDescription={MARKER}*)', wanted) == []
    owned = {dn.lower() for dn, _attrs in samba if dn.lower().endswith(ou)}
    contacts = [(dn, attrs) for dn, attrs in gc_search(seeded, seeded['ad']['global_catalog'], '(mail=*)', wanted)
                if dn.lower() in owned]
    assert len(contacts) == len(owned) > 300                      # the objects are all there...
    for _dn, attrs in contacts:
        assert 'admindescription' not in attrs                   # ...without "In Global Catalog: False"
        assert {'mail', 'proxyaddresses', 'mailnickname', 'objectguid'} <= set(attrs)


def test_mail_on_a_logon_account_is_information_not_a_conflict(seeded, run_playbook, tmp_path):
    """Most Domino users have an AD logon account whose mail HR filled in; it is not mail-enabled,
    so it must not keep them out of the address book. When it becomes a mailbox it supersedes."""
    manifest = json.loads(open(seeded['domino']['manifest'], encoding='utf-8').read())
    person = manifest['categories'][manifest['mailbox_categories'][0]][3]
    address = person['mail']
    ad = ldap3_admin(seeded, 'ad')
    account = f'CN=Logon Only,{seeded["ad"]["mailbox_bases"][0]}'
    assert ad.add(account, ['top', 'person', 'organizationalPerson', 'user'],
                  {'sAMAccountName': 'logononly', 'mail': address})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    assert not any(address.lower() in c['reason'].lower() for c in report['conflicts'])
    created = [op for op in report['operations'] if op['op'] == 'create' and op['anchor'] == person['unid']]
    assert created and created[0]['status'] == 'done'
    assert {'address': address.lower(), 'holder': account} in report['target']['not_recipients']
    assert ad.search(seeded['ad']['contacts_ou'], f'(&(objectClass=contact)(mail={address}))', attributes=['cn'])
    # The account becomes a mailbox: it supersedes the contact, as any new mailbox does.
    assert ad.modify(account, {'mailNickname': [(ldap3.MODIFY_REPLACE, ['logononly'])],
                               'proxyAddresses': [(ldap3.MODIFY_REPLACE, [f'SMTP:{address}'])],
                               'msExchRecipientTypeDetails': [(ldap3.MODIFY_REPLACE, ['1'])]})
    rc, report, out = lab_helpers.run_sync(run_playbook, tmp_path, 'domino_to_exchange')
    assert rc == 0, out
    assert any(op['op'] == 'delete' and op['anchor'] == person['unid'] and 'superseded' in op['reason']
               for op in report['operations'])
    assert not ad.search(seeded['ad']['contacts_ou'], f'(&(objectClass=contact)(mail={address}))', attributes=['cn'])
