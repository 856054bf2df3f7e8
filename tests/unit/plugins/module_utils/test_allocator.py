"""allocator.return_large_blocks (issue 17's memory bar): with glibc's mmap threshold fixed, large
blocks freed between live ones go back to the system; with glibc's dynamic threshold they stay
in the heap. Each case runs in a fresh interpreter, so the threshold starts as glibc sets it."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.module import allocator

# A run's pattern in small: one large block freed (glibc then raises its threshold to that
# size), then 64 blocks of 1 MiB each followed by a small block (over pymalloc's 512 bytes, so
# from glibc's heap) that stays alive, then the large ones freed. The resident size that comes
# back is printed in MiB.
PROGRAM = textwrap.dedent('''
    import os, sys
    sys.path[:0] = {path!r}
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.module import allocator
    if {fixed!r}:
        assert allocator.return_large_blocks()
    def resident():
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20
    first = bytearray(8 << 20)
    del first
    large, kept = [], []
    for _ in range(64):
        large.append(bytearray(1 << 20))
        kept.append(bytearray(2048))
    before = resident()
    del large
    print(before - resident())
''')


def returned_mib(fixed: bool) -> float:
    program = PROGRAM.format(path=sys.path, fixed=fixed)
    done = subprocess.run([sys.executable, '-c', program], capture_output=True, text=True, timeout=60, check=True)
    return float(done.stdout.strip())


@pytest.mark.skipif(not allocator.is_glibc(), reason='mallopt(M_MMAP_THRESHOLD) is glibc\'s')
def test_freed_large_blocks_go_back_only_with_the_threshold_fixed():
    assert returned_mib(fixed=True) >= 48          # the 64 MiB freed, nearly all of it
    assert returned_mib(fixed=False) < 16          # glibc's dynamic threshold keeps them in the heap


def test_another_c_library_is_left_alone(monkeypatch):
    monkeypatch.setattr(allocator, 'is_glibc', lambda: False)
    assert allocator.return_large_blocks() is False
