"""Bulk Exchange mailboxes in the lab's AD for benchmarks: thousands of enabled user mailboxes.

The lab's own seed (``ad.seed``) adds about 300 recipients over LDAP, which is
right for tests. The Exchange -> Domino benchmark needs 20,000 to 200,000 Exchange mailboxes
(and the Domino -> Exchange one as many contacts in AD). This module computes them
deterministically and writes them to Samba in one of two ways:

* ``seed_bulk_offline`` (``add_offline`` for any entries): an LDIF file loaded with one
  ``ldbadd -H <state>/samba/private/sam.ldb -o batch_mode:1`` while samba is stopped. The adds go
  through Samba's own dsdb module stack (objectGUID, objectSid from the DC's RID pool, uSNs,
  replPropertyMetaData, security descriptors, the schema checks) in one transaction, all or
  nothing. Before a load of more than ``REHASH_ABOVE`` entries the domain partition's tdb is
  copied into one with ``REHASH_CHAINS`` hash chains (``tdbbackup -n``; Samba makes it with
  10,000, too few from about 100,000 objects on);
* ``seed_bulk_online``: LDAPS adds as Administrator, pipelined, over several connections in
  parallel (``ad.ldapio.add_many``).

``seed_bulk`` tries the offline load and falls back to the online one if ldbadd fails (the
database is put back first, so a half load is never kept).

Why batch mode. Without it every add is a nested transaction inside the outer one, and committing
it copies each index list the add touched (objectClass=user, objectCategory, ... : one entry per
user) into the transaction's index cache, so an add costs time in proportion to the users
already there and a load is quadratic (a perf profile: ldb_kv_index_sub_transaction_commit ->
tdb_traverse -> talloc_memdup). ``batch_mode:1`` (the ldb option ``samba-tool domain join`` uses
for the same reason) drops the nested transactions: a failed add then fails the whole load.
``transaction_index_cache_size`` sizes the index cache as provisioning does for 100,000 users.
Measured on the lab machine (2 CPUs, shared with other work, Samba 4.17), offline:

==========================================  ==================  ==================
load                                        5,000 mailboxes     20,000 mailboxes
==========================================  ==================  ==================
ldbadd, 1,000 per call (before)             -                   282 s (70/s)
ldbadd, one call                            86 s (58/s)         over 4 minutes
ldbadd --nosync, 250 per call               48 s (104/s)        -
ldbadd -o batch_mode:1, one call            13 s (380/s)        56 s (359/s)
online, LDAPS, one pipelined connection     -                   305 s (65/s)
==========================================  ==================  ==================

(--nosync changes nothing that matters: the time is CPU in the index cache, not fsync.) Online
adds have the same nested-transaction cost, which is why Samba's LDAP add rate falls as the
domain grows.

The entries look like the seed's ``user_mailboxes`` (``ad.seed.SeedPlan``): objectClass user,
sAMAccountName, userPrincipalName, displayName, givenName, sn, title, telephoneNumber,
userAccountControl enabled (no password: seeded people never log on, and hashing one makes an
add about 6 times slower), and Exchange's recipient attributes for msExchRecipientTypeDetails 1
(mail, mailNickname, proxyAddresses SMTP:<mail> + smtp:<alias>@<Exchange routing domain>,
msExchRecipientDisplayType 1073741824, msExchVersion, homeMDB, msExchHomeServerName,
legacyExchangeDN, showInAddressBook GAL + All Users). One in nine is in OU=Berlin, as in the seed.

Names are deterministic (``bulk_common.bulk_names`` with ``BULK_SEED``) and never clash with
the seed or the Domino side: "Given X. Surname1-Surname2", a middle initial and a
double-barrelled surname from the AD pool (``common.AD_SURNAMES``; the seed uses "Given Surname"
only, and the Domino side, seed and bulk, draws surnames from a disjoint pool), so cn, the
address (given.x.surname1-surname2@example.com), mailNickname and sAMAccountName
(gxsurname1surname2, at most 19 characters; the seed's all contain a dot) are unique. What both
bulk loaders share is in ``bulk_common``.

``bulk_changes`` describes a deterministic 1 % change set (title, rename, primary address),
which ``apply_changes`` writes over LDAPS as Administrator (a few hundred operations).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import struct
import tempfile
import threading
import time
from pathlib import Path

from . import bulk_common, common
from .ad import SambaAD
from .ad.ldapio import add_many
from .ad.names import (ADMIN_GROUP_NAME, ALL_USERS_DN, BASE_DN, DATABASE_DN, DISPLAY_TYPE, EXCHANGE_ORG, GAL_DN, HOME_SERVER,
                       MAILBOX_OU, MAILBOX_SUB_OU, MSEXCH_VERSION_2013, RTD, UAC_ENABLED, UPN_SUFFIX)
from .ad.seed import SeedPlan
from .bulk_common import RENAME_SUFFIX, bulk_names, load_ldif, new_address, spread_changes

BULK_SEED = 20250202
# The seed's Exchange mailbox categories under OU=Exchange Users (its manifest's names).
SEED_MAILBOX_CATEGORIES = ('user_mailboxes', 'shared_mailboxes', 'room_mailboxes', 'equipment_mailboxes',
                           'disabled_user_mailboxes', 'hidden_mailboxes', 'linked_mailboxes',
                           'remote_mailboxes', 'arbitration_mailboxes', 'discovery_mailboxes',
                           'legacy_mailboxes')
LDBADD = '/usr/bin/ldbadd'
# ldb connect options for an offline load: no nested transaction per add (see the docstring) and
# an index cache sized as ``samba-tool domain provision --batch-mode`` sizes it (a prime that
# suits 100,000 users for the default 8 GB store).
BATCH_OPTIONS = ['-o', 'batch_mode:1', '-o', 'transaction_index_cache_size:202481']
OFFLINE_CHUNK = 0                     # entries per ldbadd call: 0 = all in one call (one transaction)
TDBBACKUP = '/usr/bin/tdbbackup'      # Debian package tdb-tools (SambaAD.APT_PACKAGES)
# Samba makes its partitions' tdb files with 10,000 hash chains. Every object of the domain
# partition is a record in it (DN key) and so is every index list, so at 100,000 objects and more
# a chain holds dozens of records and each lookup walks them: before a load of more than
# REHASH_ABOVE entries the domain partition is copied into a tdb of REHASH_CHAINS chains (a prime,
# as tdb's own defaults are). Measured on the lab machine: 2,000 adds to a copy of a 100,000-user
# partition 21.6 s with 10,000 chains, 11.2 s with 1,000,003; the copy of the 2.9 GB partition at
# 200,000 took 15 s. Below the threshold the copy costs more than it saves.
REHASH_ABOVE = 20_000
REHASH_CHAINS = 1_000_003
_TDB_MAGIC = b'TDB file\n'
_TDB_VERSION = 0x26011967 + 6


def bulk_mailboxes(count: int) -> list[tuple[str, dict]]:
    """The ``count`` bulk Exchange user mailboxes as (dn, {attribute: [values]}), the same list
    every time (str values, as LDIF and python-ldap both take them once encoded)."""
    rng = random.Random(BULK_SEED + 1)
    entries = []
    for n, name in enumerate(bulk_names(count, common.AD_SURNAMES, BULK_SEED)):
        given, display, alias, number = name.given, name.display, name.local, name.number
        sam = name.short_base[:20 - len(number)] + number
        mail = f'{alias}@{common.SHARED_DOMAIN}'
        parent = MAILBOX_SUB_OU if n % 9 == 4 else MAILBOX_OU
        dn = f'CN={display},{parent}'                      # no DN special characters in these names
        hex32 = '%032x' % rng.getrandbits(128)
        attrs = {
            'objectClass': ['user'],
            'sAMAccountName': [sam],
            'userPrincipalName': [f'{sam}@{UPN_SUFFIX}'],
            'displayName': [display],
            'givenName': [given],
            'sn': [name.sn],
            'title': [rng.choice(SeedPlan.TITLES)],
            'telephoneNumber': [f'+49 40 5550 {n % 10000:04d}'],
            'userAccountControl': [str(UAC_ENABLED)],
            'mail': [mail],
            'mailNickname': [alias],
            'proxyAddresses': [f'SMTP:{mail}', f'smtp:{alias}@{common.EXCHANGE_ROUTING_DOMAIN}'],
            'legacyExchangeDN': [f'/o={EXCHANGE_ORG}/ou={ADMIN_GROUP_NAME}'
                                 f'/cn=Recipients/cn={hex32}-{alias}'],
            'msExchRecipientTypeDetails': [str(RTD['user'])],
            'msExchRecipientDisplayType': [str(DISPLAY_TYPE['user'])],
            'msExchVersion': [str(MSEXCH_VERSION_2013)],
            'homeMDB': [DATABASE_DN],
            'msExchHomeServerName': [HOME_SERVER],
            'showInAddressBook': [GAL_DN, ALL_USERS_DN],
        }
        entries.append((dn, attrs))
    return entries


def mailboxes_in_seed(ad: SambaAD) -> int:
    """How many Exchange mailboxes (of any kind, synced or not) the lab's seed holds under
    OU=Exchange Users, from its manifest."""
    counts = json.loads(ad.manifest.read_text())['counts']
    return sum(counts.get(c, 0) for c in SEED_MAILBOX_CATEGORIES)


def _record(ad: SambaAD, info: dict) -> dict:
    (ad.dir / 'bulk.json').write_text(json.dumps(info, indent=1) + '\n')
    common.log(f'ad: {info["count"]} bulk Exchange mailboxes added {info["method"]} in {info["seconds"]:.1f} s '
               f'({info["per_second"]}/s)')
    return info


def domain_partition(ad: SambaAD) -> Path:
    """The tdb file of the domain partition (``sam.ldb.d/DC=CORP,DC=EXAMPLE,DC=COM.ldb``)."""
    return ad.sam_ldb.parent / 'sam.ldb.d' / f'{BASE_DN.upper()}.ldb'


def tdb_hash_size(path: Path) -> int:
    """The number of hash chains in a tdb file's header (magic, version, hash_size: tdb's
    ``struct tdb_header``, in the byte order of the machine that wrote it)."""
    with open(path, 'rb') as f:
        head = f.read(40)
    if len(head) < 40 or not head.startswith(_TDB_MAGIC):
        raise common.LabError(f'ad: {path} is not a tdb file')
    for order in ('<', '>'):
        version, hash_size = struct.unpack(order + 'II', head[32:40])
        if version == _TDB_VERSION:
            return hash_size
    raise common.LabError(f'ad: {path}: unknown tdb version')


def rehash_tdb(path: Path, chains: int = REHASH_CHAINS) -> bool:
    """Copy the tdb at ``path`` into one of ``chains`` hash chains (tdbbackup -n), replacing it,
    if it has fewer; the server using it must be stopped. Returns whether it was rehashed."""
    if tdb_hash_size(path) >= chains:
        return False
    copy = path.with_name(path.name + '.rehash')
    copy.unlink(missing_ok=True)
    started = time.monotonic()
    common.run([TDBBACKUP, '-n', str(chains), '-s', '.rehash', str(path)], timeout=3600)
    if tdb_hash_size(copy) != chains:
        copy.unlink(missing_ok=True)
        raise common.LabError(f'ad: tdbbackup did not give {path} {chains} hash chains')
    os.chmod(copy, path.stat().st_mode & 0o7777)
    os.replace(copy, path)
    common.log(f'ad: {path.name} rehashed to {chains} chains in {time.monotonic() - started:.1f} s')
    return True


def add_offline(ad: SambaAD, entries: list[tuple[str, dict]], chunk: int = OFFLINE_CHUNK,
                rehash_above: int = REHASH_ABOVE) -> float:
    """Add ``entries`` (dn, {attribute: [str values]}) to sam.ldb with ldbadd in batch mode,
    samba stopped meanwhile (left running afterwards), ``chunk`` entries per call (0: one call,
    one transaction). A load of more than ``rehash_above`` entries first gives the domain
    partition's tdb ``REHASH_CHAINS`` hash chains (``rehash_tdb``; see REHASH_ABOVE). Returns the
    seconds the ldbadd calls took. Raises LabError if one fails (that call's transaction is
    rolled back; earlier calls' entries stay)."""
    if ad.running():
        ad.stop()
    load = 0.0
    step = chunk or max(len(entries), 1)
    try:
        if len(entries) > rehash_above:
            rehash_tdb(domain_partition(ad))
        for i in range(0, len(entries), step):
            load += load_ldif([LDBADD, '-H', str(ad.sam_ldb), *BATCH_OPTIONS], entries[i:i + step], ad.dir,
                              timeout=4 * 3600)
    finally:
        ad.start()
    return load


def seed_bulk_offline(ad: SambaAD, count: int, chunk: int = OFFLINE_CHUNK) -> dict:
    """Add ``count`` bulk mailboxes with ldbadd into sam.ldb (``add_offline``: batch mode, samba
    stopped meanwhile). Leaves samba running; raises LabError if an ldbadd fails (``seed_bulk``
    puts the database back)."""
    started = time.monotonic()
    entries = bulk_mailboxes(count)
    load = add_offline(ad, entries, chunk)
    seconds = time.monotonic() - started
    per_call = f'{chunk} per call' if chunk else 'one call'
    return _record(ad, {'bulk_seed': BULK_SEED, 'count': count, 'method': f'offline (ldbadd batch mode, {per_call})',
                        'seconds': round(seconds, 2), 'load_seconds': round(load, 2),
                        'per_second': round(count / load, 1) if load else None,
                        'first_dn': entries[0][0] if entries else None})


def seed_bulk_online(ad: SambaAD, count: int, connections: int = 4) -> dict:
    """Add ``count`` bulk mailboxes over LDAPS as Administrator: ``connections`` connections in
    parallel, each pipelining its share of the adds. Samba must be running."""
    entries = bulk_mailboxes(count)
    started = time.monotonic()
    errors: list = []

    def worker(part: list) -> None:
        try:
            conn = ad.connect()
            try:
                add_many(conn, part)
            finally:
                conn.unbind_s()
        except Exception as exc:                         # pylint: disable=broad-exception-caught
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(entries[i::connections],)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise common.LabError(f'ad: bulk online adds failed: {errors[0]}')
    seconds = time.monotonic() - started
    return _record(ad, {'bulk_seed': BULK_SEED, 'count': count, 'method': f'online (LDAPS, {connections} connections)',
                        'seconds': round(seconds, 2), 'load_seconds': round(seconds, 2),
                        'per_second': round(count / seconds, 1) if seconds else None,
                        'first_dn': entries[0][0] if entries else None})


def seed_bulk(ad: SambaAD, count: int, method: str = 'auto', connections: int = 4) -> dict:
    """Add ``count`` bulk mailboxes to what AD holds now: ``offline``, ``online``, or ``auto``
    (offline, and online if ldbadd fails; AD is put back as it was first). Leaves samba running."""
    if count <= 0:
        return {'bulk_seed': BULK_SEED, 'count': 0, 'method': 'none', 'seconds': 0.0, 'per_second': None}
    if method == 'online':
        return seed_bulk_online(ad, count, connections)
    if method == 'offline':
        return seed_bulk_offline(ad, count)
    backup = Path(tempfile.mkdtemp(prefix='bulk-ad-', dir=ad.dir.parent))
    try:
        ad.stop()
        shutil.copytree(ad.dir, backup / 'samba', symlinks=True)
        try:
            return seed_bulk_offline(ad, count)
        except common.LabError as exc:
            common.log(f'ad: offline bulk load failed, adding online instead: {str(exc)[:500]}')
            ad.stop()
            common.copy_tree(backup / 'samba', ad.dir)
            ad.start()
            return seed_bulk_online(ad, count, connections)
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def bulk_changes(count: int, changed: int, offset: int = 0) -> list[dict]:
    """A deterministic change set over ``changed`` of the ``count`` bulk mailboxes, spread evenly:
    one third new title, one third renamed (modrdn: a married name appended to the surname, so
    cn, sn and displayName change), one third a new primary SMTP address (mail and the SMTP:
    proxy; the old address stays as a secondary smtp: proxy, as Exchange keeps it). ``offset``
    starts the spread that many mailboxes later: another change set, for a lab that already
    holds the first one (its renamed mailboxes are gone from their DNs)."""
    changes = []
    entries = bulk_mailboxes(count)
    for kind, dn, attrs, parent in spread_changes(entries[offset:] + entries[:offset], changed):
        if kind == 'title':
            changes.append({'kind': kind, 'dn': dn, 'title': 'Senior ' + attrs['title'][0]})
        elif kind == 'rename':
            display = attrs['displayName'][0] + RENAME_SUFFIX
            changes.append({'kind': kind, 'dn': dn, 'new_rdn': f'CN={display}', 'parent': parent,
                            'sn': attrs['sn'][0] + RENAME_SUFFIX, 'displayName': display})
        else:
            old = attrs['mail'][0]
            new = new_address(old)
            proxies = [f'SMTP:{new}', f'smtp:{old}'] + [p for p in attrs['proxyAddresses'] if not p.startswith('SMTP:')]
            changes.append({'kind': kind, 'dn': dn, 'mail': new, 'proxyAddresses': proxies})
    return changes


def apply_changes(ad: SambaAD, changes: list[dict]) -> float:
    """Write a change set over LDAPS as Administrator; returns the seconds it took."""
    started = time.monotonic()
    conn = ad.connect()
    try:
        bulk_common.apply_changes(conn, changes)
    finally:
        conn.unbind_s()
    return time.monotonic() - started
