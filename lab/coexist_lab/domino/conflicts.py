"""Replication and save conflicts in the lab Domino Directory (vendor facts D-4.3): a second
document under the DN of an existing one, as Domino returns after a conflict.

slapd cannot hold two entries with one DN: the copy is stored below ``ou=lab-conflicts`` under
the DN's parent and the rwm overlay shows it under the original's DN (names.CONFLICTS_OU,
schema.py). A search returns both; a modify, rename or delete by that DN reaches the original.
"""
from __future__ import annotations

from ..common import python_ldap
from .names import CONFLICTS_OU
from .seed import unid


def conflict_copy(conn, dn: str, changes: dict | None = None) -> str:
    """Add a conflict document for the entry at ``dn`` (``conn``: a DominoSlapd.connect() as the
    rootdn): the same attributes, a new dominoUNID, ``changes`` (attribute -> values) on top.
    Returns the DN the copy is stored under."""
    ldap = python_ldap()
    raw = conn.conn
    found = raw.search_ext_s(dn, ldap.SCOPE_BASE, '(objectClass=*)', ['*'])
    attrs = {k: [v.decode() for v in vs] for k, vs in found[0][1].items()}
    parts = ldap.dn.str2dn(dn)
    parent = ldap.dn.dn2str(parts[1:])
    container = f'ou={CONFLICTS_OU},{parent}' if parent else f'ou={CONFLICTS_OU}'
    try:
        conn.add(container, {'objectClass': ['top', 'organizationalUnit'], 'ou': [CONFLICTS_OU]})
    except ldap.ALREADY_EXISTS:
        pass
    stored = f'{ldap.dn.dn2str(parts[:1])},{container}'
    attrs['dominoUNID'] = [unid(f'conflict:{stored}')]
    attrs.update(changes or {})
    conn.add(stored, attrs)
    return stored
