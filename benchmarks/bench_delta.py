# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A delta run against the full no-op, exchange_to_domino, in the lab (issue 17 item 2).

Separate from bench_sync.py (which another helper is changing): the lab back to ``seeded``, N
bulk Exchange mailboxes loaded into Samba offline (lab bulk_ad), a first full run with
``coexist_delta`` (fills Domino, leaves a watermark in a jsonfile fact cache), a full no-op
(``coexist_full_run``), the 1 % change set of bench_sync (bulk_ad.bulk_changes) and a 0.1 %
of deletions, then a delta run. By default the sync account may list CN=Deleted Objects (the
lab grants it as Microsoft's KB 892806 does), so the delta finds deletions from the tombstones;
``--no-grant`` measures the fallback (every user's objectGUID read). ``--reuse`` measures a lab
state already loaded and synced at ``--size`` (no restore, no bulk load: the first run is then a
full no-op that leaves the watermark; the change set starts 50 mailboxes later, since such a lab
may hold bench_sync's). Prints the module's ``timings.total`` and the playbook's
wall time for each; the goal is a delta under a tenth of the full no-op. Run inside a private lab:

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
    if not results.exists():
        print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f'{label}: the playbook left no result (rc {done.returncode})')
    line = json.loads(results.read_text().splitlines()[-1])
    report = json.loads((work / 'reports' / label / 'exchange_to_domino' / 'report.json').read_text())
    row = {'label': label, 'rc': done.returncode, 'wall': round(wall, 2), 'module': line['timings']['total'],
           'timings': line['timings'], 'counts': line['counts'], 'run': report['source'].get('run'),
           'changed': report['source'].get('changed'), 'planned': report['source'].get('planned'),
           'deletions': report['source'].get('deletions')}
    print(json.dumps(row), flush=True)
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
    return row


def ad_errors():
    """python-ldap, as the lab loads it."""
    from coexist_lab import common                   # pylint: disable=import-outside-toplevel
    return common.python_ldap()


def apply_where_present(ad, changes: list) -> int:
    """Write ``changes`` one by one; a mailbox gone from its DN (renamed by an earlier change set)
    is skipped. Returns how many were written."""
    from coexist_lab import bulk_common              # pylint: disable=import-outside-toplevel
    ldap = ad_errors()
    conn = ad.connect()
    done = 0
    try:
        for change in changes:
            try:
                bulk_common.apply_changes(conn, [change])
                done += 1
            except ldap.NO_SUCH_OBJECT:
                continue
    finally:
        conn.unbind_s()
    return done


def delete_some(ad, size: int, count: int) -> int:
    """Delete ``count`` bulk mailboxes, spread evenly and apart from those the change set touches
    (it takes every hundredth from the first): what a delta must find gone."""
    entries = bulk_ad.bulk_mailboxes(size)
    step = max(1, size // count)
    conn = ad.connect()
    try:
        done = 0
        for index in range(step // 2 + 1, size, step):
            try:
                conn.delete_s(entries[index][0])
            except ad_errors().NO_SUCH_OBJECT:        # renamed away by an earlier change set
                continue
            done += 1
            if done >= count:
                break
    finally:
        conn.unbind_s()
    return done


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=20000)
    parser.add_argument('--no-grant', action='store_true', help='leave CN=Deleted Objects closed to the sync account')
    parser.add_argument('--reuse', action='store_true', help='the lab already holds --size bulk mailboxes, synced')
    args = parser.parse_args(argv)
    lab.up()
    if not args.reuse:
        lab.restore()
    work = Path(tempfile.mkdtemp(prefix='bench-delta-'))
    (work / 'collections' / 'ansible_collections' / 'coexist').mkdir(parents=True)
    (work / 'collections' / 'ansible_collections' / 'coexist' / 'domino_exchange').symlink_to(REPO)
    results = work / 'results.jsonl'
    ad = lab.directory('ad')
    if not args.reuse:
        print(json.dumps({'seed': bulk_ad.seed_bulk_offline(ad, args.size)}, default=str), flush=True)
    if not args.no_grant:
        ad.grant_sync_deleted_objects()
    delta = {'coexist_delta': True}
    first = playbook(work, 'first', delta, results)
    # On a reused (already synced) lab the first run is a full no-op already.
    full = first if args.reuse else playbook(work, 'full_noop', dict(delta, coexist_full_run=True), results)
    # A lab reused from an earlier 1 % change (bench_sync writes one) holds it already: another one,
    # written change by change, skipping a mailbox an earlier change set renamed away.
    changes = bulk_ad.bulk_changes(args.size, args.size // 100, offset=50 if args.reuse else 0)
    started = time.monotonic()
    if args.reuse:
        applied = apply_where_present(ad, changes)
    else:
        bulk_ad.apply_changes(ad, changes)
        applied = len(changes)
    print(json.dumps({'changes': len(changes), 'applied': applied, 'seconds': round(time.monotonic() - started, 2)}),
          flush=True)
    print(json.dumps({'deleted': delete_some(ad, args.size, max(1, args.size // 1000))}), flush=True)
    fast = playbook(work, 'delta_1pct', delta, results)
    check = playbook(work, 'full_after', dict(delta, coexist_full_run=True), results)
    writes_after = sum(check['counts'].get(k, 0) for k in ('create', 'update', 'rename', 'delete'))
    print(json.dumps({'size': args.size, 'full_noop_module': full['module'], 'delta_module': fast['module'],
                      'full_after_module': check['module'], 'ratio_module': round(fast['module'] / full['module'], 3),
                      'full_noop_wall': full['wall'], 'delta_wall': fast['wall'],
                      'delta_kind': (fast['run'] or {}).get('kind'), 'deletions': fast['deletions'],
                      'full_after_writes': writes_after}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
