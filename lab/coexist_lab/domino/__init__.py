"""The lab's Domino Directory: an OpenLDAP slapd shaped like Domino's LDAP service (server.py),
Domino's schema, root DSE and access rules (schema.py), the sample organisation and its manifest
(seed.py), and the names all three share (names.py)."""
from .server import DominoSlapd

__all__ = ['DominoSlapd']
