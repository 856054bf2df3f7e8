# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One growth point measured on the lab as it is (issue 17, item 1): a kept, already loaded lab
state (a copy of an earlier benchmark's /tmp/privlab-NAME, grown offline to the size), never
reset to ``seeded``. What growth.py measures per point, with bench_sync.py's Bench methods:

1. a catch-up run of the sync (fills the target with what the state lacks: the mailboxes added
   since it was synced, and whatever the code changed since), then the target snapshotted
   (the direction's ``bench-*-synced``);
2. ``--noop-reps`` times: the yardstick's reads of that state, a no-op rerun;
3. a fresh 1 % change set written to the source, avoiding every mailbox an earlier change set
   (``--earlier-changes``) touched (its renamed mailboxes are gone from their DNs);
4. ``--change-reps`` times: the target reset to the snapshot, the yardstick's reads, a change run;
5. ``--memtrace``: one more no-op run with tracemalloc in the module (its times are no figures).

The load average (1, 5, 15 min) is recorded before and after every run and read, and the plan's
CPU seconds (``timings.cpu.plan``) beside its wall seconds. ``--against OTHER.json`` judges the
plan's growth from another point's file (growth_rule.py: no faster than n log n, on the CPU
medians of the no-op reruns). Run inside a private lab, as root, from the repository root:

    .venv/bin/python benchmarks/bench_point.py --size 200000 --earlier-changes 99711:1000:0,99711:1000:50
    .venv/bin/python benchmarks/bench_point.py --direction domino_to_exchange --size 100000

Either direction: exchange_to_domino (the default) writes bulk_ad's change set to AD and can
avoid earlier ones; domino_to_exchange writes bulk's (Domino) change set, ``bulk.bulk_changes``,
and takes no ``--earlier-changes`` (a Domino source with a change set in it needs a fresh copy).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from coexist_lab import bulk, bulk_ad, bulk_common, lab

import bench_sync as bs                       # beside this file
from growth_rule import judge_growth


def parse_earlier(text: str) -> list[tuple[int, int, int]]:
    """'99711:1000:0,99711:1000:50' -> [(99711, 1000, 0), (99711, 1000, 50)]: the change sets
    already in the source, each as bulk_ad.bulk_changes(count, changed, offset) made it."""
    out = []
    for part in (p.strip() for p in (text or '').split(',')):
        if part:
            count, changed, offset = (int(x) for x in part.split(':'))
            out.append((count, changed, offset))
    return out


def fresh_changes(entries: list, changed: int, earlier_dns: set) -> list[dict]:
    """A 1 % change set as bulk_ad.bulk_changes makes it (title, rename, mail, spread evenly) over
    the bulk ``entries`` that no earlier change set touched (``earlier_dns``: their original DNs)."""
    untouched = [(dn, attrs) for dn, attrs in entries if dn not in earlier_dns]
    changes = []
    for kind, dn, attrs, parent in bulk_common.spread_changes(untouched, changed):
        if kind == 'title':
            changes.append({'kind': kind, 'dn': dn, 'title': 'Senior ' + attrs['title'][0]})
        elif kind == 'rename':
            display = attrs['displayName'][0] + bulk_common.RENAME_SUFFIX
            changes.append({'kind': kind, 'dn': dn, 'new_rdn': f'CN={display}', 'parent': parent,
                            'sn': attrs['sn'][0] + bulk_common.RENAME_SUFFIX, 'displayName': display})
        else:
            old = attrs['mail'][0]
            new = bulk_common.new_address(old)
            proxies = [f'SMTP:{new}', f'smtp:{old}'] + [p for p in attrs['proxyAddresses'] if not p.startswith('SMTP:')]
            changes.append({'kind': kind, 'dn': dn, 'mail': new, 'proxyAddresses': proxies})
    return changes


def earlier_dns(earlier: list[tuple[int, int, int]]) -> set:
    return {c['dn'] for count, changed, offset in earlier for c in bulk_ad.bulk_changes(count, changed, offset)}


DIRECTIONS = {bs.E2D.name: bs.E2D, bs.D2E.name: bs.D2E}


def change_set(d, size: int, earlier: list[tuple[int, int, int]]) -> list[dict]:
    """The 1 % change set for a point of ``size`` source mailboxes of direction ``d``: AD's
    (``fresh_changes``, avoiding ``earlier`` sets) or Domino's (``bulk.bulk_changes``; an earlier
    set there is refused: its renamed mailboxes would be gone from their DNs)."""
    source = lab.directory(d.source)
    count = size - d.bulk.mailboxes_in_seed(source)
    changed = max(1, size // 100)
    if d.bulk is bulk_ad:
        return fresh_changes(bulk_ad.bulk_mailboxes(count), changed, earlier_dns(earlier))
    if earlier:
        raise SystemExit(f'--earlier-changes: not for a {d.source} source (copy a state without a change set)')
    return bulk.bulk_changes(count, changed)


def load() -> list:
    return [round(x, 2) for x in os.getloadavg()]


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def summary(point: dict) -> dict:
    """Medians over a point's runs (peak RSS the max), as growth.py's table has them, plus CPU."""
    out = {'size': point['size']}
    for key in ('noop', 'change'):
        runs = point.get(key) or []
        reads = point.get(f'{key}_reads') or []
        out[key] = {'n': len(runs),
                    'module_s': _median([r['timings']['total'] for r in runs]),
                    'reads_s': _median([r['seconds'] for r in reads]),
                    'plan_s': _median([r['timings'].get('plan') for r in runs]),
                    'plan_cpu_s': _median([(r['timings'].get('cpu') or {}).get('plan') for r in runs]),
                    'module_cpu_s': _median([(r['timings'].get('cpu') or {}).get('total') for r in runs]),
                    'peak_rss_mb': max((r['timings']['peak_rss_mb'] for r in runs), default=None)}
    runs = [r for key in ('catch_up', 'noop', 'change') for r in ((point.get(key) or []) if key != 'catch_up'
                                                                  else [point[key]] if point.get(key) else [])]
    out['peak_rss_mb'] = max((r['timings']['peak_rss_mb'] for r in runs), default=None)
    return out


def judge(points: list[dict], tolerance: float) -> list[dict]:
    """growth_rule over the no-op plan CPU medians of ``points`` (summaries)."""
    timed = [(p['size'], p['noop']['plan_cpu_s']) for p in points if p['noop'].get('plan_cpu_s')]
    return judge_growth(timed, tolerance)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--size', type=int, required=True, help='the source mailboxes the lab holds (seed + bulk)')
    p.add_argument('--direction', choices=sorted(DIRECTIONS), default=bs.E2D.name)
    p.add_argument('--noop-reps', type=int, default=2)
    p.add_argument('--change-reps', type=int, default=1)
    p.add_argument('--no-catch-up', action='store_true',
                   help='the target is synced already and snapshotted (the direction\'s bench-*-synced)')
    p.add_argument('--earlier-changes', type=parse_earlier, default=[],
                   help='change sets already in the source, COUNT:CHANGED:OFFSET as bulk_ad.bulk_changes made them')
    p.add_argument('--memtrace', action='store_true', help='one more no-op run with tracemalloc in the module')
    p.add_argument('--yardstick', type=Path, default=bs.YARDSTICK)
    p.add_argument('--against', type=Path, help='another point\'s output file: judge the plan growth against it')
    p.add_argument('--tolerance', type=float, default=0.25)
    p.add_argument('--output', type=Path, required=True)
    args = p.parse_args()
    d = DIRECTIONS[args.direction]
    bargs = argparse.Namespace(yardstick=args.yardstick, keep_work=True, mailboxes=args.size, ad_load='auto',
                               ad_load_connections=1)
    lab.up()
    b = bs.Bench(bargs)
    out = {'size': args.size, 'direction': d.name, 'collection': b.collection, 'yardstick': str(args.yardstick),
           'work': str(b.work), 'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    bs.log(f'work dir {b.work}; collection {b.collection["commit"][:12]} dirty={b.collection["dirty"]}')

    def save() -> None:
        args.output.write_text(json.dumps(out, indent=1) + '\n')

    def run(label: str, extra: tuple = ()) -> dict:
        before = load()
        r = b.run_product(f'{d.prefix}{args.size} {label}', d.name, extra=list(extra))
        r['load'] = {'before': before, 'after': load()}
        return r

    def reads(label: str) -> dict:
        before = load()
        r = b.yardstick_reads(d, f'{d.prefix}{args.size} {label}')
        r['load'] = {'before': before, 'after': load()}
        return r

    if not args.no_catch_up:
        out['catch_up'] = run('catch-up run')
        save()
        lab.drop_snapshot(d.synced)
        lab.snapshot_directory(d.synced, d.target)
    out['noop'], out['noop_reads'] = [], []
    for i in range(args.noop_reps):
        out['noop_reads'].append(reads(f'no-op {i + 1} state'))
        out['noop'].append(run(f'no-op rerun {i + 1}'))
        save()
    if args.change_reps:
        changes = change_set(d, args.size, args.earlier_changes)
        seconds = d.bulk.apply_changes(lab.directory(d.source), changes)
        os.sync()
        out['changed'] = {'count': len(changes), 'seconds': round(seconds, 1),
                          'kinds': {k: sum(1 for c in changes if c['kind'] == k) for k in ('title', 'rename', 'mail')}}
        bs.log(f'{len(changes)} {bs.SIDES[d.source]} mailboxes changed in {seconds:.1f} s')
        save()
        # The guards' absolute defaults (500 renames, 500 address changes) block a third of a
        # 1 % change from 150,000 sources on (at 200,000: 667 renames): raised for these runs only.
        guards = ('-e', f'coexist_max_renames={len(changes)}', '-e', f'coexist_max_address_changes={len(changes)}')
        out['change'], out['change_reads'] = [], []
        for i in range(args.change_reps):
            b.reset(d.synced, d.target)
            out['change_reads'].append(reads(f'1% change {i + 1} state'))
            out['change'].append(run(f'1% change {i + 1}', guards))
            save()
    if args.memtrace:
        # After the change runs the target holds the last one's result: this run is a no-op too.
        out['memtrace'] = b.memtrace_run(f'{d.prefix}{args.size} no-op, traced', d.name)
        save()
    out['summary'] = summary(out)
    points = [out['summary']]
    if args.against:
        other = json.loads(args.against.read_text())
        points.append(other.get('summary') or summary(other))
        out['plan_growth_cpu'] = judge(points, args.tolerance)
    out['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    save()
    print(json.dumps({k: out[k] for k in ('summary', 'plan_growth_cpu') if k in out}, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
