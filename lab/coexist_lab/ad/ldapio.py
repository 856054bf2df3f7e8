"""python-ldap helpers of the lab AD: adds (one, or many pipelined), paged searches, and reading
values, GUIDs, SIDs and DNs the way AD returns them."""
from __future__ import annotations

import uuid

import ldap
import ldap.dn
from ldap.controls import SimplePagedResultsControl

from .. import common


def ldap_message(exc: ldap.LDAPError) -> str:
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return f'{type(exc).__name__}: {info.get("desc", exc)} {info.get("info", "")}'.strip()


def unicode_pwd(password: str) -> bytes:
    """unicodePwd: the password in double quotes, UTF-16LE (only accepted over TLS)."""
    return f'"{password}"'.encode('utf-16-le')


def _values(value) -> list[bytes]:
    if not isinstance(value, (list, tuple)):
        value = [value]
    return [v if isinstance(v, bytes) else str(v).encode('utf-8') for v in value]


def _modlist(attrs: dict) -> list:
    return [(name, _values(value)) for name, value in attrs.items() if value is not None]


def add(conn, dn: str, attrs: dict) -> None:
    try:
        conn.add_s(dn, _modlist(attrs))
    except ldap.LDAPError as exc:
        raise common.LabError(f'ad: adding {dn}: {ldap_message(exc)}') from exc


def add_many(conn, entries: list, window: int = 64) -> None:
    """Add entries pipelined: up to `window` requests in flight on one connection, which spares
    a round trip per entry (samba still applies them one by one, in order)."""
    pending: dict[int, str] = {}

    def collect_one():
        try:
            _unused, _unused, msgid, _unused = conn.result3(ldap.RES_ANY, all=1, timeout=60)
        except ldap.LDAPError as exc:
            info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
            dn = pending.get(info.get('msgid'), '?')
            raise common.LabError(f'ad: adding {dn}: {ldap_message(exc)}') from exc
        pending.pop(msgid, None)

    for dn, attrs in entries:
        pending[conn.add_ext(dn, _modlist(attrs))] = dn
        if len(pending) >= window:
            collect_one()
    while pending:
        collect_one()


def paged_search(conn, base: str, filterstr: str, attrs: list[str], page: int = 1000):
    """Yield (dn, entry) of a paged subtree search (Windows AD would stop at 1000 unpaged)."""
    ctrl = SimplePagedResultsControl(True, size=page, cookie='')
    while True:
        msgid = conn.search_ext(base, ldap.SCOPE_SUBTREE, filterstr, attrs, serverctrls=[ctrl])
        _unused, data, _unused, sctrls = conn.result3(msgid)
        for dn, entry in data:
            if dn:                                   # skip referrals
                yield dn, entry
        cookie = next((c.cookie for c in sctrls if c.controlType == SimplePagedResultsControl.controlType), b'')
        if not cookie:
            return
        ctrl.cookie = cookie


def attr_strs(entry: dict, name: str) -> list[str]:
    for key, values in entry.items():
        if key.lower() == name.lower():
            return [v.decode('utf-8', 'replace') for v in values]
    return []


def attr_str(entry: dict, name: str) -> str | None:
    values = attr_strs(entry, name)
    return values[0] if values else None


def guid_of(entry: dict) -> str | None:
    """objectGUID in its canonical string form (the bytes are little-endian, as on Windows)."""
    for key, values in entry.items():
        if key.lower() == 'objectguid':
            return str(uuid.UUID(bytes_le=values[0]))
    return None


def sid_string(raw: bytes) -> str:
    """A binary SID as S-1-5-21-..."""
    revision, count = raw[0], raw[1]
    authority = int.from_bytes(raw[2:8], 'big')
    subs = [int.from_bytes(raw[8 + 4 * i:12 + 4 * i], 'little') for i in range(count)]
    return f'S-{revision}-{authority}' + ''.join(f'-{s}' for s in subs)


def dn_key(dn: str) -> tuple:
    """A DN compared the way AD compares it: parsed (any escaping style), case-insensitive."""
    return tuple(tuple((a.lower(), v.lower()) for a, v, _unused in rdn) for rdn in ldap.dn.str2dn(dn))
