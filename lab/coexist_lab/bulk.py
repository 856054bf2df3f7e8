"""Bulk Domino mailboxes for benchmarks: thousands of Person documents, written offline.

The lab's own seed (``domino.seed``) adds about 330 entries over LDAP, which is right for
tests. A benchmark needs 1,000 to 200,000 mailboxes, and adding them over LDAP (500-1,000 per
second) would cost minutes per state. So this module writes them the way the lab notes describe
for offline seeding: an LDIF file loaded with ``slapadd`` into slapd's mdb database while slapd
is stopped (about 20,000 entries in a few seconds), then slapd is started again.

The entries look like the seed's ``mailboxes`` category (see ``domino.seed``): dominoPerson
with dominoUNID, mail in the shared domain, mailfile, mailserver, maildomain, mailsystem 1,
givenName, sn, uid (short name, then the address's local part), displayName as Domino computes
it, and, as often as in the seed, title and telephonenumber. They are placed under the same
OUs with the same weights (``domino.seed.PLACES``).

Names are deterministic (``random.Random(BULK_SEED)``) and never clash with the seed or the AD
side: "Given X. Surname1-Surname2", a double-barrelled surname from the Domino pool, so the
addresses (given.x.surname1-surname2@example.com) and short names (gxsurname1surname2) are
unique. 26 x 20 x 16 x 16 = 133,120 combinations; past that a number is appended.

``bulk_changes`` describes a deterministic 1 % change set (title, rename, mail), which
``apply_changes`` writes over LDAP as the rootdn (a few hundred operations: fast online).

Nothing here changes what ``lab up`` or ``lab restore`` do; the benchmark calls these functions
and restores the ``seeded`` snapshot when it is done.
"""
from __future__ import annotations

import base64
import json
import random
import tempfile
import time
from pathlib import Path

from . import common
from .domino import DominoSlapd
from .domino.names import MAIL_SERVER_DN, MAILSYSTEM_NOTES, NOTES_DOMAIN
from .domino.seed import PLACES, TITLES, unid

BULK_SEED = 20250101
INITIALS = 'ABCDEFGHJKLMNPRSTVWZ'             # 20 middle initials
SLAPADD = '/usr/sbin/slapadd'
PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']


def _names(count: int) -> list[tuple[str, str, str, str, int]]:
    """``count`` distinct (given, initial, surname1, surname2, cycle) tuples, deterministic."""
    combos = [(g, i, s1, s2) for g in common.GIVEN_NAMES for i in INITIALS
              for s1 in common.DOMINO_SURNAMES for s2 in common.DOMINO_SURNAMES if s1 != s2]
    random.Random(BULK_SEED).shuffle(combos)
    return [combos[n % len(combos)] + (n // len(combos),) for n in range(count)]


def bulk_mailboxes(count: int) -> list[tuple[str, dict]]:
    """The ``count`` bulk mailboxes as (dn, {attribute: [values]}), the same list every time."""
    rng = random.Random(BULK_SEED + 1)
    weights = [w for _unused, _unused, w in PLACES]
    entries = []
    for given, initial, sn1, sn2, cycle in _names(count):
        number = str(cycle + 1) if cycle else ''          # only past 133,120 mailboxes
        sn = f'{sn1}-{sn2}'
        cn = f'{given} {initial}. {sn}' + (f' {number}' if number else '')
        local = f'{given}.{initial}.{sn}{number}'.lower()
        short = f'{given[0]}{initial}{sn1}{sn2}{number}'.lower()
        parent, hierarchy, _unused = rng.choices(PLACES, weights)[0]
        dn = f'cn={cn}' + (f',{parent}' if parent else '')
        attrs = {
            'objectClass': PERSON_CLASSES,
            'cn': [cn],
            'givenName': [given],
            'sn': [sn],
            'uid': [short, local],
            'mail': [f'{local}@{common.SHARED_DOMAIN}'],
            # Domino's abbreviated name, as it computes displayName: Given X. Sn/Sales/Acme.
            'displayName': [f'{cn}/{hierarchy}' if hierarchy else cn],
            'dominoUNID': [unid(dn)],
            'mailfile': [f'mail\\{short[:8]}.nsf'],
            'mailserver': [MAIL_SERVER_DN],
            'maildomain': [NOTES_DOMAIN],
            'mailsystem': [MAILSYSTEM_NOTES],
            'availablefordirsync': ['1'],
            'checkpassword': ['0'],
        }
        if rng.random() < 0.85:                           # as often as in the lab's seed
            attrs['title'] = [rng.choice(TITLES)]
        if rng.random() < 0.8:
            attrs['telephonenumber'] = [f'+49 30 5550 {rng.randrange(10000):04d}']
        entries.append((dn, attrs))
    return entries


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


def seed_bulk_offline(slapd: DominoSlapd, count: int) -> dict:
    """Add ``count`` bulk mailboxes to the lab's slapd with slapadd (stopped meanwhile).

    Adds to what the database holds (normally the ``seeded`` snapshot): call it once per state.
    Leaves slapd running; returns what it did, which is also written to ``seed/bulk.json`` (the
    seed manifest is left as it is: it describes the hand-made organisation only).
    """
    started = time.monotonic()
    entries = bulk_mailboxes(count)
    was_running = slapd.running()
    if was_running:
        slapd.stop()
    with tempfile.NamedTemporaryFile('w', suffix='.ldif', dir=slapd.dir, delete=False) as f:
        f.write(to_ldif(entries))
        ldif = Path(f.name)
    try:
        # -q: quick mode (no consistency checks while writing: the input is ours and correct);
        # -n 1: the mdb database (0 would be the config database).
        common.run([SLAPADD, '-f', str(slapd.conf), '-n', '1', '-q', '-l', str(ldif)], timeout=1800)
    finally:
        ldif.unlink(missing_ok=True)
        slapd.start()
    info = {'bulk_seed': BULK_SEED, 'count': count, 'seconds': round(time.monotonic() - started, 2),
            'first_dn': entries[0][0] if entries else None}
    (slapd.seed_dir / 'bulk.json').write_text(json.dumps(info, indent=1) + '\n')
    common.log(f'domino: {count} bulk mailboxes added offline (slapadd) in {info["seconds"]:.1f} s')
    return info


def bulk_changes(count: int, changed: int) -> list[dict]:
    """A deterministic change set over ``changed`` of the ``count`` bulk mailboxes, spread evenly:
    one third new title, one third renamed (modrdn: a married name appended to the surname, so
    cn, sn and displayName change), one third new mail address (gx.surname1-surname2@...).
    Each item: {kind, dn, ...} with what apply_changes needs."""
    entries = bulk_mailboxes(count)
    step = max(1, count // max(changed, 1))
    changes = []
    for k, index in enumerate(range(0, count, step)):
        if len(changes) >= changed:
            break
        dn, attrs = entries[index]
        cn, given = attrs['cn'][0], attrs['givenName'][0]
        parent = dn.split(',', 1)[1] if ',' in dn else ''
        kind = ('title', 'rename', 'mail')[k % 3]
        if kind == 'title':
            old = (attrs.get('title') or [''])[0]
            changes.append({'kind': kind, 'dn': dn, 'title': 'Senior ' + (old or 'Consultant')})
        elif kind == 'rename':
            new_cn = f'{cn} Lindqvist'
            hierarchy = attrs['displayName'][0].partition('/')[2]
            changes.append({'kind': kind, 'dn': dn, 'new_rdn': f'cn={new_cn}', 'parent': parent,
                            'sn': attrs['sn'][0] + ' Lindqvist',
                            'displayName': f'{new_cn}/{hierarchy}' if hierarchy else new_cn})
        else:
            local, _at, domain = attrs['mail'][0].partition('@')
            _given, initial, rest = local.split('.', 2)
            changes.append({'kind': kind, 'dn': dn, 'mail': f'{given[0].lower()}{initial}.{rest}@{domain}'})
    return changes


def apply_changes(slapd: DominoSlapd, changes: list[dict]) -> float:
    """Write a change set over LDAPS as the rootdn (bypassing the read-only ACLs, as Domino's own
    server computes displayName); returns the seconds it took."""
    # The lab imports python-ldap lazily (its modules load without the venv).
    import ldap  # pylint: disable=import-outside-toplevel
    started = time.monotonic()
    with slapd.connect() as wrapped:
        conn = wrapped.conn
        for change in changes:
            dn = change['dn']
            if change['kind'] == 'title':
                conn.modify_s(dn, [(ldap.MOD_REPLACE, 'title', [change['title'].encode()])])
            elif change['kind'] == 'mail':
                conn.modify_s(dn, [(ldap.MOD_REPLACE, 'mail', [change['mail'].encode()])])
            else:
                conn.rename_s(dn, change['new_rdn'], None, 1)
                new_dn = change['new_rdn'] + (f',{change["parent"]}' if change['parent'] else '')
                conn.modify_s(new_dn, [(ldap.MOD_REPLACE, 'sn', [change['sn'].encode()]),
                                       (ldap.MOD_REPLACE, 'displayName', [change['displayName'].encode()])])
    return time.monotonic() - started


def mailboxes_in_seed(slapd: DominoSlapd) -> int:
    """How many mailboxes the lab's own seed holds (from its manifest)."""
    return json.loads(slapd.manifest.read_text())['mailboxes_total']
