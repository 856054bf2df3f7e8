"""Range retrieval (issue 12, item 5): AD returns at most MaxValRange values of an attribute in one
answer, as '<attribute>;range=0-1499', and nothing under the plain name; the client must read the
rest and give the whole list under the plain name, or a mailbox with many proxy addresses reads as
having none. Samba does not cut values on its own, but answers a range request the way AD answers
a big attribute, so the tests ask for the first range explicitly: the answer the client gets is
the one AD sends."""
from __future__ import annotations

from lab_helpers import ldap3_admin, manifest, settings_for


def _mailbox_with_proxies(lab) -> tuple:
    conn = ldap3_admin(lab, 'ad')
    for item in manifest(lab, 'ad')['categories']['user_mailboxes']:
        conn.search(item['dn'], '(objectClass=*)', search_scope='BASE', attributes=['proxyAddresses'])
        values = list(conn.entries[0].entry_raw_attributes.get('proxyAddresses', []))
        if len(values) >= 3:
            return item['dn'], sorted(v.decode() for v in values)
    raise AssertionError('no seeded mailbox with three proxy addresses')


def test_a_ranged_attribute_is_read_whole(seeded):
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient

    dn, expected = _mailbox_with_proxies(seeded)
    with LdapClient(settings_for(seeded, 'ad')).connect() as client:
        [entry] = client.search(dn, '(objectClass=*)', ['proxyAddresses;range=0-0'], scope='base')
        # before: the values stayed under 'proxyaddresses;range=0-0' (one of them), none under the name
        assert sorted(entry.values('proxyAddresses')) == expected
        assert not [name for name in entry.attrs if ';range=' in name]
        # ranges of two: three answers for three or more values, through a paged subtree search too
        base = dn.split(',', 1)[1]
        found = [e for e in client.search(base, '(objectClass=user)', ['proxyAddresses;range=0-1'], page_size=50)
                 if e.dn.lower() == dn.lower()]
        assert [sorted(e.values('proxyAddresses')) for e in found] == [expected]
