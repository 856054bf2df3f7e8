"""The lab itself, as later tests rely on it: the seed manifests match the directories, the
directories have the shape the architecture page gives them, and a restore returns to the seeded state."""
from __future__ import annotations

import json
import uuid

import ldap3
import pytest
from coexist_lab import lab as lab_control
from lab_helpers import ldap3_admin


def _exists(conn: ldap3.Connection, dn: str) -> bool:
    try:
        return bool(conn.search(dn, '(objectClass=*)', search_scope=ldap3.BASE, attributes=['1.1']))
    except ldap3.core.exceptions.LDAPNoSuchObjectResult:
        return False


def _entries(conn: ldap3.Connection, base: str, filterstr: str, attrs: list) -> list:
    found = conn.extend.standard.paged_search(base, filterstr, attributes=attrs, paged_size=500, generator=True)
    return [e for e in found if e['type'] == 'searchResEntry']


@pytest.mark.parametrize('side, base, anchor', [('ad', 'base_dn', 'objectGUID'), ('domino', '', 'dominoUNID')])
def test_every_seeded_object_is_in_the_directory(lab, side, base, anchor):
    manifest = json.loads(open(lab[side]['manifest'], encoding='utf-8').read())
    conn = ldap3_admin(lab, side)
    search_base = lab[side][base] if base else ''
    present = {e['dn'].lower() for e in _entries(conn, search_base, '(objectClass=*)', ['1.1'])}
    seeded = [item for items in manifest['categories'].values() for item in items]
    assert len(seeded) > 300
    missing = [item['dn'] for item in seeded if item['dn'].lower() not in present]
    assert not missing


def test_domino_side_has_the_domino_shape(lab):
    conn = ldap3_admin(lab, 'domino')
    conn.search('', '(objectClass=*)', search_scope=ldap3.BASE, attributes=['namingContexts', 'dominoMajMinVersion'])
    root = conn.entries[0]
    assert [v for v in root.namingContexts.values if v] == []          # no suffix, as on Domino
    assert root.dominoMajMinVersion.value
    flat = _entries(conn, '', '(&(objectClass=dominoPerson)(mailfile=*))', ['cn'])
    assert any(',' not in e['dn'] for e in flat)                      # flat names at the root
    assert any(e['dn'].lower().endswith(',o=acme') for e in flat)
    # the sync account may not write what Domino computes
    sync = ldap3.Connection(conn.server, lab['domino']['bind_dn'], lab['domino']['bind_password'], auto_bind=True)
    target = next(e['dn'] for e in flat)
    assert not sync.modify(target, {'dominoUNID': [(ldap3.MODIFY_REPLACE, ['0' * 32])]})
    assert sync.result['description'] == 'insufficientAccessRights'


def test_ad_side_has_the_exchange_configuration(lab):
    conn = ldap3_admin(lab, 'ad')
    for dn in (lab['ad']['exchange_org_dn'], lab['ad']['gal_dn'], lab['ad']['all_contacts_dn']):
        assert _exists(conn, dn), dn
    conn.search('CN=Schema,' + lab['ad']['config_dn'], '(lDAPDisplayName=msExchRecipientTypeDetails)',
                attributes=['attributeID'])
    assert conn.entries[0].attributeID.value == '1.2.840.113556.1.4.7000.102.50855'


@pytest.mark.slow
def test_restore_returns_both_directories_to_the_seeded_state(lab):
    marker = f'restore-probe-{uuid.uuid4().hex[:8]}'
    ad, domino = ldap3_admin(lab, 'ad'), ldap3_admin(lab, 'domino')
    ad_dn = f'CN={marker},{lab["ad"]["contacts_ou"]}'
    domino_dn = f'cn={marker},{lab["domino"]["contacts_base"]}'
    assert ad.add(ad_dn, ['top', 'person', 'organizationalPerson', 'contact'], {'sn': 'probe'})
    assert domino.add(domino_dn, ['inetOrgPerson'], {'sn': 'probe'})
    assert _exists(ad, ad_dn) and _exists(domino, domino_dn)
    lab_control.restore()
    ad, domino = ldap3_admin(lab, 'ad'), ldap3_admin(lab, 'domino')
    assert not _exists(ad, ad_dn) and not _exists(domino, domino_dn)
    assert _exists(ad, lab['ad']['contacts_ou']) and _exists(domino, lab['domino']['contacts_base'])
