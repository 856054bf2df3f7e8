# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a sync module's memory goes, without touching the module: bench_sync.py --memtrace puts
this directory on PYTHONPATH with COEXIST_BENCH_TRACEMALLOC=<file>, so every Python process of that
one ansible-playbook run imports it at start-up. In the sync module's process (AnsiballZ) it starts
tracemalloc (one frame per block), watches the traced memory from a thread and keeps a snapshot
each time the traced memory passes its previous high by 10 %; at exit it writes the last one
(the nearest to the peak) to the file as JSON: the peak, and the top allocation sites by line and
by file. Any other process ignores it. tracemalloc slows the module: the traced run's times are
not figures.
"""
from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time
import tracemalloc

_OUT = os.environ.get('COEXIST_BENCH_TRACEMALLOC')


def _top(snapshot, key: str, limit: int) -> list:
    return [{'where': str(stat.traceback[0]) if key == 'lineno' else stat.traceback[0].filename,
             'mb': round(stat.size / 2 ** 20, 1), 'blocks': stat.count}
            for stat in snapshot.statistics(key)[:limit]]


def _watch(state: dict) -> None:
    while True:
        time.sleep(0.5)
        current, _peak = tracemalloc.get_traced_memory()
        if current > state['high'] * 1.1 and current > 32 * 2 ** 20:
            state['high'] = current
            state['snapshot'] = tracemalloc.take_snapshot()
            state['at'] = current


def _dump(state: dict) -> None:
    _current, peak = tracemalloc.get_traced_memory()
    snapshot = state.get('snapshot')
    out = {'pid': os.getpid(), 'argv0': sys.argv[0], 'traced_peak_mb': round(peak / 2 ** 20, 1),
           'snapshot_traced_mb': round(state.get('at', 0) / 2 ** 20, 1)}
    if snapshot is not None:
        # The raw snapshot first (tracemalloc.Snapshot.load reads it): at 100,000 the statistics
        # below take minutes, and a run stopped meanwhile would leave nothing.
        snapshot.dump(_OUT + '.snapshot')
        out['snapshot_file'] = _OUT + '.snapshot'
        out['by_line'] = _top(snapshot, 'lineno', 30)
        out['by_file'] = _top(snapshot, 'filename', 15)
    with open(_OUT, 'w', encoding='utf-8') as f:
        json.dump(out, f, indent=1)


# Only the sync module (AnsiballZ_<name>_contact_sync.py), not the playbook's preflight module.
if _OUT and os.path.basename(sys.argv[0] if sys.argv else '').endswith('_contact_sync.py'):
    tracemalloc.start(1)
    _STATE = {'high': 0}
    threading.Thread(target=_watch, args=(_STATE,), daemon=True).start()
    atexit.register(_dump, _STATE)
