"""What the two bulk loaders share (``bulk`` for Domino, ``bulk_ad`` for AD): deterministic names
that clash with nothing seeded, LDIF for the offline loads, the 1 % change set and the LDAP writes
that apply it.

Names: "Given X. Surname1-Surname2", a middle initial and a double-barrelled surname drawn from
one side's surname pool (``common.DOMINO_SURNAMES`` or ``common.AD_SURNAMES``, disjoint), so they
clash neither with the seeds ("Given Surname") nor with the other side. 26 given names x 20
initials x 16 x 15 surname pairs = 124,800 combinations per side; past that a number is appended.
"""
from __future__ import annotations

import base64
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import common

INITIALS = 'ABCDEFGHJKLMNPRSTVWZ'             # 20 middle initials
RENAME_SUFFIX = ' Lindqvist'                  # the married name a rename appends to the surname


@dataclass(frozen=True)
class BulkName:
    """One bulk person's names, the same on both sides but for the surname pool."""
    given: str
    initial: str
    sn: str            # Surname1-Surname2
    display: str       # "Given X. Surname1-Surname2" (+ " N" past the combinations)
    local: str         # given.x.surname1-surname2N: the address's local part, the alias
    short_base: str    # gxsurname1surname2: the short name / sAMAccountName before the number
    number: str        # '' until the combinations run out, then '2', '3', ...


def bulk_names(count: int, surnames: list[str], seed: int) -> list[BulkName]:
    """``count`` distinct names from a surname pool, deterministic for a seed."""
    combos = [(g, i, s1, s2) for g in common.GIVEN_NAMES for i in INITIALS
              for s1 in surnames for s2 in surnames if s1 != s2]
    random.Random(seed).shuffle(combos)
    names = []
    for n in range(count):
        given, initial, sn1, sn2 = combos[n % len(combos)]
        cycle = n // len(combos)
        number = str(cycle + 1) if cycle else ''
        sn = f'{sn1}-{sn2}'
        names.append(BulkName(
            given=given, initial=initial, sn=sn,
            display=f'{given} {initial}. {sn}' + (f' {number}' if number else ''),
            local=f'{given}.{initial}.{sn}{number}'.lower(),
            short_base=f'{given[0]}{initial}{sn1}{sn2}'.lower(), number=number))
    return names


# ------------------------------------------------------------------------------ offline loads
def _ldif_line(name: str, value: str) -> str:
    """One LDIF attribute line; base64 (``::``) when the value is not a plain LDIF SAFE-STRING."""
    safe = value.isascii() and value.isprintable() and not value.startswith((' ', ':', '<')) \
        and not value.endswith(' ')
    if safe:
        return f'{name}: {value}'
    return f'{name}:: {base64.b64encode(value.encode("utf-8")).decode()}'


def to_ldif(entries: list[tuple[str, dict]]) -> str:
    blocks = []
    for dn, attrs in entries:
        lines = [_ldif_line('dn', dn)]
        for name, values in attrs.items():
            lines.extend(_ldif_line(name, v) for v in values)
        blocks.append('\n'.join(lines))
    return '\n\n'.join(blocks) + '\n'


def load_ldif(command: list[str], entries: list[tuple[str, dict]], work_dir: Path, timeout: float) -> float:
    """Write ``entries`` to an LDIF file in ``work_dir``, run ``command`` with the file's path
    appended (slapadd -l, ldbadd), remove the file; return the command's seconds."""
    with tempfile.NamedTemporaryFile('w', suffix='.ldif', dir=work_dir, delete=False, encoding='utf-8') as f:
        f.write(to_ldif(entries))
        ldif = Path(f.name)
    try:
        started = time.monotonic()
        common.run([*command, str(ldif)], timeout=timeout)
        return time.monotonic() - started
    finally:
        ldif.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- the 1 % change
def spread_changes(entries: list[tuple[str, dict]], changed: int):
    """``changed`` of the bulk ``entries``, spread evenly, each with its kind: one third new
    title, one third renamed, one third new mail address. Yields (kind, dn, attrs, parent)."""
    count = len(entries)
    step = max(1, count // max(changed, 1))
    made = 0
    for k, index in enumerate(range(0, count, step)):
        if made >= changed:
            break
        dn, attrs = entries[index]
        parent = dn.split(',', 1)[1] if ',' in dn else ''
        made += 1
        yield ('title', 'rename', 'mail')[k % 3], dn, attrs, parent


def new_address(old: str) -> str:
    """given.x.rest@domain -> gx.rest@domain: the new primary address of a 'mail' change."""
    local, _at, domain = old.partition('@')
    given, initial, rest = local.split('.', 2)
    return f'{given[0]}{initial}.{rest}@{domain}'


def apply_changes(conn, changes: list[dict]) -> None:
    """Write a change set over a bound python-ldap connection: title, the new mail (and, where the
    change names them, proxyAddresses), or a modrdn followed by the new sn and displayName."""
    ldap = common.python_ldap()
    for change in changes:
        dn = change['dn']
        if change['kind'] == 'title':
            conn.modify_s(dn, [(ldap.MOD_REPLACE, 'title', [change['title'].encode()])])
        elif change['kind'] == 'mail':
            mods = [(ldap.MOD_REPLACE, 'mail', [change['mail'].encode()])]
            if 'proxyAddresses' in change:
                mods.append((ldap.MOD_REPLACE, 'proxyAddresses', [p.encode() for p in change['proxyAddresses']]))
            conn.modify_s(dn, mods)
        else:
            conn.rename_s(dn, change['new_rdn'], None, 1)
            new_dn = change['new_rdn'] + (f',{change["parent"]}' if change['parent'] else '')
            conn.modify_s(new_dn, [(ldap.MOD_REPLACE, 'sn', [change['sn'].encode()]),
                                   (ldap.MOD_REPLACE, 'displayName', [change['displayName'].encode()])])
