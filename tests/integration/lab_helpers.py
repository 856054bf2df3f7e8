"""Helpers for tests against the lab: the sync account's settings, an independent ldap3 client."""
from __future__ import annotations

import ldap3


def settings_for(facts: dict, side: str, **overrides):
    """ConnectionSettings for the sync account of one lab directory."""
    # Imported here: pytest-ansible puts the collection on the path after conftest files load.
    from ansible_collections.coexist.domino_exchange.plugins.module_utils._ldap import ConnectionSettings

    f = facts[side]
    values = dict(server=f['server'], label={'ad': 'AD', 'domino': 'Domino'}[side], bind_dn=f['bind_dn'],
                  bind_password=f['bind_password'], ca_file=f['ca_file'], timeout=30, connect_timeout=5)
    values.update(overrides)
    return ConnectionSettings(**values)


def ldap3_admin(facts: dict, side: str) -> ldap3.Connection:
    """An ldap3 connection as the lab's administrator: the independent read-back and setup client."""
    f = facts[side]
    tls = ldap3.Tls(ca_certs_file=f['ca_file'], validate=2)   # ssl.CERT_REQUIRED
    host, _unused, port = f['server'].removeprefix('ldaps://').partition(':')
    server = ldap3.Server(host, port=int(port or 636), use_ssl=True, tls=tls, get_info=ldap3.NONE)
    return ldap3.Connection(server, f['admin_bind_dn'], f['admin_password'], auto_bind=True, raise_exceptions=True)
