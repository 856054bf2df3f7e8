"""The AD bulk loader's offline load (lab/coexist_lab/bulk_ad.py ``add_offline``) gives the domain
partition's tdb more hash chains before a large load, and only then: with the real ldbadd and
tdbbackup on small plain ldb files laid out as Samba's (``private/sam.ldb`` and
``private/sam.ldb.d/<domain DN>.ldb``), no Samba running. The threshold is lowered so that a
load of three entries counts as large: what is checked is the partition's hash size read back
from its header after the load, and that its records survived the copy."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from coexist_lab import bulk_ad, lab
from coexist_lab.ad.names import BASE_DN


class OfflineAD:
    """What add_offline uses of the lab's SambaAD: its directory, sam.ldb, and a server to stop
    and start (none here: the files are never served)."""

    def __init__(self, root: Path):
        self.dir = root
        self.sam_ldb = root / 'private' / 'sam.ldb'
        self.started = 0

    def running(self) -> bool:
        return False

    def stop(self) -> None:
        pass

    def start(self) -> None:
        self.started += 1


def _ldbadd(url: Path, entries: list[tuple[str, dict]]) -> None:
    ldif = ''.join(f'dn: {dn}\n' + ''.join(f'{k}: {v}\n' for k, vs in attrs.items() for v in vs) + '\n'
                   for dn, attrs in entries)
    subprocess.run(['ldbadd', '-H', str(url)], input=ldif, text=True, check=True, capture_output=True)


def _count(url: Path) -> int:
    out = subprocess.run(['ldbsearch', '-H', str(url), '(cn=*)', 'cn'], text=True, check=True,
                         capture_output=True).stdout
    return sum(1 for line in out.splitlines() if line.startswith('dn: '))


def _people(prefix: str, n: int) -> list[tuple[str, dict]]:
    return [(f'CN={prefix}{i},{BASE_DN}', {'objectClass': ['person'], 'cn': [f'{prefix}{i}']}) for i in range(n)]


@pytest.fixture(name='offline_ad')
def _offline_ad(tmp_path) -> OfflineAD:
    lab.install_packages()                     # ldb-tools and tdb-tools, as the lab installs them
    ad = OfflineAD(tmp_path / 'samba')
    (ad.sam_ldb.parent / 'sam.ldb.d').mkdir(parents=True)
    _ldbadd(ad.sam_ldb, _people('top', 1))
    _ldbadd(bulk_ad.domain_partition(ad), _people('partition', 5))
    return ad


def test_a_large_offline_load_rehashes_the_domain_partition_first(offline_ad):
    partition = bulk_ad.domain_partition(offline_ad)
    assert partition.name == 'DC=CORP,DC=EXAMPLE,DC=COM.ldb'
    assert bulk_ad.tdb_hash_size(partition) < bulk_ad.REHASH_CHAINS         # ldb's default, as Samba's
    mode = partition.stat().st_mode
    bulk_ad.add_offline(offline_ad, _people('bulk', 3), rehash_above=2)
    assert bulk_ad.tdb_hash_size(partition) == bulk_ad.REHASH_CHAINS
    assert _count(partition) == 5 and partition.stat().st_mode == mode       # the same records, same mode
    assert not partition.with_name(partition.name + '.rehash').exists()
    assert _count(offline_ad.sam_ldb) == 4 and offline_ad.started == 1         # the load itself went in


def test_a_small_offline_load_leaves_the_partition_as_it_is(offline_ad):
    partition = bulk_ad.domain_partition(offline_ad)
    before = bulk_ad.tdb_hash_size(partition)
    bulk_ad.add_offline(offline_ad, _people('bulk', 3), rehash_above=3)
    assert bulk_ad.tdb_hash_size(partition) == before
    assert _count(offline_ad.sam_ldb) == 4
