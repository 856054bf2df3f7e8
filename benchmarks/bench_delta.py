# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A delta run against the full no-op, exchange_to_domino, in the lab (issue 17 item 2).

Separate from bench_sync.py (which another helper is changing): the lab back to ``seeded``, N
bulk Exchange mailboxes loaded into Samba offline (lab bulk_ad), a first full run with
``coexist_delta`` (fills Domino, leaves a watermark in a jsonfile fact cache), a full no-op
(``coexist_full_run``), the 1 % change set of bench_sync (bulk_ad.bulk_changes), then a delta
run. Prints the module's ``timings.total`` and the playbook's wall time for each; the goal is a
delta under a tenth of the full no-op. Run inside a private lab:

    .venv/bin/python benchmarks/bench_delta.py --size 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coexist_lab import bulk_ad, lab

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / '.venv' / 'bin'


def playbook(work: Path, label: str, extra: dict, results: Path) -> dict:
    vars_file = work / f'{label}.json'
    vars_file.write_text(json.dumps(dict(extra, coexist_report_dir=str(work / 'reports' / label))))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / 'collections'), ANSIBLE_CACHE_PLUGIN='jsonfile',
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(work / 'facts'),
               ANSIBLE_CALLBACK_PLUGINS=str(REPO / 'benchmarks' / 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='coexist_bench', COEXIST_BENCH_RESULT=str(results))
    started = time.monotonic()
    done = subprocess.run([str(VENV_BIN / 'ansible-playbook'), '-i', str(lab.STATE_DIR / 'inventory'),
                           'coexist.domino_exchange.exchange_to_domino', '-e', f'@{vars_file}'],
                          env=env, capture_output=True, text=True, check=False, timeout=3600)
    wall = time.monotonic() - started
    line = json.loads(results.read_text().splitlines()[-1])
    report = json.loads((work / 'reports' / label / 'exchange_to_domino' / 'report.json').read_text())
    row = {'label': label, 'rc': done.returncode, 'wall': round(wall, 2), 'module': line['timings']['total'],
           'timings': line['timings'], 'counts': line['counts'], 'run': report['source'].get('run'),
           'changed': report['source'].get('changed'), 'planned': report['source'].get('planned')}
    print(json.dumps(row), flush=True)
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
    return row


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=20000)
    args = parser.parse_args(argv)
    lab.up()
    lab.restore()
    work = Path(tempfile.mkdtemp(prefix='bench-delta-'))
    (work / 'collections' / 'ansible_collections' / 'coexist').mkdir(parents=True)
    (work / 'collections' / 'ansible_collections' / 'coexist' / 'domino_exchange').symlink_to(REPO)
    results = work / 'results.jsonl'
    ad = lab.directory('ad')
    print(json.dumps({'seed': bulk_ad.seed_bulk_offline(ad, args.size)}, default=str), flush=True)
    delta = {'coexist_delta': True}
    playbook(work, 'first', delta, results)
    full = playbook(work, 'full_noop', dict(delta, coexist_full_run=True), results)
    changes = bulk_ad.bulk_changes(args.size, args.size // 100)
    print(json.dumps({'changes': len(changes), 'seconds': round(bulk_ad.apply_changes(ad, changes), 2)}), flush=True)
    fast = playbook(work, 'delta_1pct', delta, results)
    check = playbook(work, 'full_after', dict(delta, coexist_full_run=True), results)
    writes_after = sum(check['counts'].get(k, 0) for k in ('create', 'update', 'rename', 'delete'))
    print(json.dumps({'size': args.size, 'full_noop_module': full['module'], 'delta_module': fast['module'],
                      'full_after_module': check['module'], 'ratio_module': round(fast['module'] / full['module'], 3),
                      'full_noop_wall': full['wall'], 'delta_wall': fast['wall'],
                      'delta_kind': (fast['run'] or {}).get('kind'), 'full_after_writes': writes_after}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
