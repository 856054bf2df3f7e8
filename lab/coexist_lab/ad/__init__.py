"""The lab's Active Directory: a Samba AD DC with Exchange's schema (server.py), the Exchange
schema extension and configuration tree (schema.py), the sample organisation and its manifest
(seed.py), the names all three share (names.py) and the python-ldap helpers (ldapio.py)."""
from .server import SambaAD

__all__ = ['SambaAD']
