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

Names are deterministic (``bulk_common.bulk_names`` with ``BULK_SEED``) and never clash with the
seed or the AD side: "Given X. Surname1-Surname2", a double-barrelled surname from the Domino
pool, so the addresses (given.x.surname1-surname2@example.com) and short names
(gxsurname1surname2) are unique. What both bulk loaders share is in ``bulk_common``.

``bulk_changes`` describes a deterministic 1 % change set (title, rename, mail), which
``apply_changes`` writes over LDAP as the rootdn (a few hundred operations: fast online).

Nothing here changes what ``lab up`` or ``lab restore`` do; the benchmark calls these functions
and restores the ``seeded`` snapshot when it is done.
"""
from __future__ import annotations

import json
import random
import time

from . import bulk_common, common
from .bulk_common import RENAME_SUFFIX, bulk_names, load_ldif, new_address, spread_changes
from .domino import DominoSlapd
from .domino.names import MAIL_SERVER_DN, MAILSYSTEM_NOTES, NOTES_DOMAIN
from .domino.seed import PLACES, TITLES, unid

BULK_SEED = 20250101
SLAPADD = '/usr/sbin/slapadd'
PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']


def bulk_mailboxes(count: int) -> list[tuple[str, dict]]:
    """The ``count`` bulk mailboxes as (dn, {attribute: [values]}), the same list every time."""
    rng = random.Random(BULK_SEED + 1)
    weights = [w for _unused, _unused, w in PLACES]
    entries = []
    for name in bulk_names(count, common.DOMINO_SURNAMES, BULK_SEED):
        cn, local = name.display, name.local
        short = name.short_base + name.number
        parent, hierarchy, _unused = rng.choices(PLACES, weights)[0]
        dn = f'cn={cn}' + (f',{parent}' if parent else '')
        attrs = {
            'objectClass': PERSON_CLASSES,
            'cn': [cn],
            'givenName': [name.given],
            'sn': [name.sn],
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
    try:
        # -q: quick mode (no consistency checks while writing: the input is ours and correct);
        # -n 1: the mdb database (0 would be the config database).
        load_ldif([SLAPADD, '-f', str(slapd.conf), '-n', '1', '-q', '-l'], entries, slapd.dir, timeout=1800)
    finally:
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
    changes = []
    for kind, dn, attrs, parent in spread_changes(bulk_mailboxes(count), changed):
        if kind == 'title':
            old = (attrs.get('title') or [''])[0]
            changes.append({'kind': kind, 'dn': dn, 'title': 'Senior ' + (old or 'Consultant')})
        elif kind == 'rename':
            new_cn = attrs['cn'][0] + RENAME_SUFFIX
            hierarchy = attrs['displayName'][0].partition('/')[2]
            changes.append({'kind': kind, 'dn': dn, 'new_rdn': f'cn={new_cn}', 'parent': parent,
                            'sn': attrs['sn'][0] + RENAME_SUFFIX,
                            'displayName': f'{new_cn}/{hierarchy}' if hierarchy else new_cn})
        else:
            changes.append({'kind': kind, 'dn': dn, 'mail': new_address(attrs['mail'][0])})
    return changes


def apply_changes(slapd: DominoSlapd, changes: list[dict]) -> float:
    """Write a change set over LDAPS as the rootdn (bypassing the read-only ACLs, as Domino's own
    server computes displayName); returns the seconds it took."""
    started = time.monotonic()
    with slapd.connect() as wrapped:
        bulk_common.apply_changes(wrapped.conn, changes)
    return time.monotonic() - started


def mailboxes_in_seed(slapd: DominoSlapd) -> int:
    """How many mailboxes the lab's own seed holds (from its manifest)."""
    return json.loads(slapd.manifest.read_text())['mailboxes_total']
