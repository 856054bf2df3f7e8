# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The planner alone (``plugins/module_utils/engine/plan.py``), timed on synthetic data: no LDAP, no lab.

Two cases, both through the AD contact profile (the Domino one names contacts the same way):

* **no-op**: N sources whose contacts are already in sync (the common rerun), planned with
  ``plan()`` at 20,000 / 100,000 / 200,000 sources (``--sizes``), each size in its own python
  process (so its peak RSS is that size's), the median of ``--reps`` (3) timed calls; then the
  plan growth bar of issue 17 judged over the medians of the process's CPU time (``--clock``;
  on a shared machine the wall time of a one-thread planner is mostly its wait for a CPU: at a
  load average of 9 on 2 CPUs three plans of 100,000 took 9.3, 22.9 and 44.4 s) by
  ``growth_rule.py``: between consecutive
  sizes t2/t1 at most (n2 ln n2)/(n1 ln n1) x (1 + ``--tolerance``), 25 % by default (7.27x
  from 20,000 to 100,000, 2.65x from 100,000 to 200,000). ``--growth-only`` runs this case alone;
* **swaps**: N pairs of contacts trading their names (2N renames, every one part of a cycle,
  so each pair goes through a temporary name), ordered by ``_order_renames`` alone at 8,000
  and 200,000 pairs; at 8,000 pairs the whole ``plan()`` is timed too. Every order is checked
  by replaying it on the set of taken names (no rename takes a name still held, every contact
  ends on its name).

For the swaps it prints the seconds, the process's peak RSS so far (``resource.getrusage``; it
only grows, so read it per case in the order printed) and the growth ratio against the smaller
size: time ratio / size ratio, about 1 for linear growth, about the size ratio for quadratic
growth. It exits 1 when the no-op plan time grows faster than n log n (the rule above), a no-op
plans anything, the ordering of 200,000 swaps takes more than ``--limit`` seconds (default 30)
or an order is invalid, 0 otherwise.

Run it from the repository root (about five minutes; ``--quick``, the small sizes only, about
ten seconds)::

    .venv/bin/python benchmarks/bench_plan.py
    .venv/bin/python benchmarks/bench_plan.py --growth-only          # the plan growth bar alone
    .venv/bin/python benchmarks/bench_plan.py --quick

Figures on the development container (2 cores, shared with other work, so +-30 %), before and
after the rename ordering became O(n log n) (issue 16, item 4), ``_order_renames`` alone:

=============  ==========================  =======================
swaps (pairs)  before (passes, quadratic)  after
=============  ==========================  =======================
1,000          11.9 s                      -
2,000          70.8 s                      -
4,000          178.7 s                     -
8,000          757.4 s                     0.5 s
200,000        did not finish              22.1 s
=============  ==========================  =======================

``plan()`` of 8,000 swaps (16,000 sources): 3.5 s after. No-op ``plan()``: 1.3 s / 7.2 s /
16.2 s at 20,000 / 100,000 / 200,000 sources, peak RSS 150 MiB / 640 MiB / 1.3 GiB.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from growth_rule import DEFAULT_TOLERANCE, judge_growth

REPO = Path(__file__).resolve().parent.parent


def _import_collection():
    """Put the checkout on the import path as ansible_collections.coexist.domino_exchange."""
    root = Path(tempfile.mkdtemp(prefix='bench_plan_'))
    (root / 'ansible_collections' / 'coexist').mkdir(parents=True)
    os.symlink(REPO, root / 'ansible_collections' / 'coexist' / 'domino_exchange')
    sys.path.insert(0, str(root))


_import_collection()

# pylint: disable=wrong-import-position
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import plan as planner  # noqa: E402
from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects.ad import AdContactProfile  # noqa: E402

CONTACTS_OU = 'OU=Domino Contacts,DC=corp,DC=example,DC=com'
PROFILE = AdContactProfile(contacts_ou=CONTACTS_OU, shared_domain='example.com',
                           domino_routing_domain='domino.example.com', exchange_routing_domain='exchange.example.com',
                           organisation='Acme', address_lists=(f'CN=Default Global Address List,{CONTACTS_OU}',),
                           attribute_map=(('title', 'title'),))


def peak_rss_mib() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss         # KiB on Linux
    return usage / 1024


def sources(count: int, name=lambda i: f'User {i:07d}') -> list:
    return [planner.SourceRecord(anchor=f'{i:032X}', dn=f'CN=User {i},O=Acme', display_name=name(i),
                                 mail=f'user{i}@example.com', given_name='User', surname=str(i), alias=f'user{i}',
                                 fields={'title': 'Engineer'}) for i in range(count)]


def synced(records: list) -> list:
    """The owned contacts a first run of ``records`` into an empty container leaves."""
    first = planner.plan(records, [], {}, [], PROFILE)
    return [planner.OwnedContact(op.dn, op.anchor, {a: list(v) for a, v in op.attrs.items()}) for op in first.operations]


def swap_renames(pairs: int) -> tuple:
    """(renames, remaining contacts): contact 2k takes the name of 2k+1 and the reverse."""
    contacts = [planner.OwnedContact(PROFILE.dn_for(f'User {i:07d}'), f'{i:032X}', {}) for i in range(2 * pairs)]
    renames = [planner.Operation('rename', c.anchor, c.dn, new_dn=contacts[i ^ 1].dn) for i, c in enumerate(contacts)]
    return renames, contacts


def check_order(ordered: list, renames: list, remaining: list) -> str:
    """'' when ``ordered`` (planned from ``renames``) never takes a held name and ends with
    every contact on its name; else what went wrong."""
    def slot(dn):
        return PROFILE.parent_key(dn), PROFILE.name_key(PROFILE.rdn_value(dn))

    goal = {op.anchor: slot(op.new_dn) for op in renames}
    taken = {slot(c.dn) for c in remaining}
    at = {c.anchor: slot(c.dn) for c in remaining}
    for op in ordered:
        if slot(op.dn) != at[op.anchor]:
            return f'{op.anchor} renamed from {op.dn!r}, where it is not'
        if slot(op.new_dn) in taken and slot(op.new_dn) != slot(op.dn):
            return f'{op.anchor} renamed onto {op.new_dn!r}, still taken'
        taken.discard(slot(op.dn))
        taken.add(slot(op.new_dn))
        at[op.anchor] = slot(op.new_dn)
    wrong = [a for a, s in goal.items() if at[a] != s]
    return f'{len(wrong)} contacts not on their names, e.g. {wrong[0]}' if wrong else ''


def timed(function, *args):
    gc.collect()                                   # not the previous case's garbage
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def report(case: str, size: int, seconds: float, previous) -> tuple:
    growth = ''
    if previous is not None:
        size0, seconds0 = previous
        growth = f'   growth x{(seconds / seconds0) / (size / size0):.2f} of linear from {size0:,}'
    print(f'{case:<28} {size:>9,}  {seconds:8.2f} s   peak RSS {peak_rss_mib():7.0f} MiB{growth}', flush=True)
    return size, seconds


def noop_point(size: int, reps: int) -> dict:
    """One size of the no-op case, in this process (a fresh one per size, see growth()): the
    median of ``reps`` timed plan() calls over the same inputs, and this process's peak RSS."""
    records = sources(size)
    owned = synced(records)
    times, cpu, problem = [], [], ''
    for _rep in range(reps):
        cpu0 = time.process_time()
        result, seconds = timed(planner.plan, records, owned, {}, [], PROFILE)
        cpu.append(time.process_time() - cpu0)
        times.append(seconds)
        if result.operations or result.unchanged != size:
            problem = f'no-op at {size:,}: {len(result.operations)} operations, {result.unchanged} unchanged'
        del result
    return {'size': size, 'seconds': statistics.median(times), 'runs': times, 'cpu_seconds': statistics.median(cpu),
            'cpu_runs': cpu, 'peak_rss_mib': peak_rss_mib(), 'problem': problem}


def growth(sizes: tuple, reps: int, tolerance: float, clock: str = 'cpu') -> list:
    """The plan growth bar without a lab (issue 17, item 1): each size's no-op plan() in its own
    python process (so each peak RSS is that size's alone, not the largest so far), then the
    n log n rule of growth_rule.py over the medians. Returns the failures."""
    failures, points = [], []
    for size in sizes:
        child = subprocess.run([sys.executable, __file__, '--noop-point', str(size), '--reps', str(reps)],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            failures.append(f'no-op at {size:,}: the process exited {child.returncode}: {child.stderr[-2000:]}')
            continue
        point = json.loads(child.stdout.splitlines()[-1])
        if point['problem']:
            failures.append(point['problem'])
        runs = ', '.join(f'{t:.2f}' for t in point['runs'])
        cpu_runs = ', '.join(f'{t:.2f}' for t in point['cpu_runs'])
        print(f'{"plan(), no-op":<28} {size:>9,}  {point["seconds"]:8.2f} s   peak RSS {point["peak_rss_mib"]:7.0f} MiB'
              f'   (wall, median of {runs} s; CPU median {point["cpu_seconds"]:.2f} s of {cpu_runs}; its own process)',
              flush=True)
        points.append((size, point['cpu_seconds' if clock == 'cpu' else 'seconds']))
    for v in judge_growth(points, tolerance):
        print(f'{"PASS" if v["pass"] else "FAIL"}  plan {clock} time no faster than n log n from {v["n1"]:,} to {v["n2"]:,}: '
              f'{v["t1"]:.2f} s -> {v["t2"]:.2f} s, ratio {v["ratio"]:.2f}, at most {v["allowed"]:.2f} '
              f'((n2 ln n2)/(n1 ln n1) x {1 + tolerance:g})', flush=True)
        if not v['pass']:
            failures.append(f'plan time from {v["n1"]:,} to {v["n2"]:,} grew {v["ratio"]:.2f}x, over n log n '
                            f'({v["allowed"]:.2f}x with {tolerance:.0%} tolerance)')
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--quick', action='store_true', help='the small sizes only (20,000 no-op, 8,000 swaps)')
    parser.add_argument('--limit', type=float, default=30.0, help='seconds the 200,000-swap ordering may take')
    parser.add_argument('--sizes', default='20000,100000,200000',
                        help='no-op plan() sizes for the growth bar (default 20000,100000,200000)')
    parser.add_argument('--reps', type=int, default=3, help='timed no-op plan() calls per size, median (default 3)')
    parser.add_argument('--tolerance', type=float, default=DEFAULT_TOLERANCE,
                        help=f'the n log n rule\'s tolerance (default {DEFAULT_TOLERANCE})')
    parser.add_argument('--clock', choices=['cpu', 'wall'], default='cpu',
                        help='the time the growth bar judges: the process\'s CPU time (default: the planner is one '
                             'thread, and on a shared machine its wall time is mostly waiting for a CPU) or wall time')
    parser.add_argument('--growth-only', action='store_true', help='only the no-op growth bar, no swaps')
    parser.add_argument('--noop-point', type=int, help=argparse.SUPPRESS)       # one size, in a child process
    args = parser.parse_args()
    if args.noop_point:
        print(json.dumps(noop_point(args.noop_point, args.reps)))
        return 0
    sizes = (20_000,) if args.quick else tuple(sorted({int(n.replace('_', '')) for n in args.sizes.split(',')}))
    failures = growth(sizes, args.reps, args.tolerance, args.clock)
    if args.growth_only:
        for failure in failures:
            print(f'FAILED: {failure}')
        return 1 if failures else 0

    previous = None
    for pairs in (8_000,) if args.quick else (8_000, 200_000):
        renames, remaining = swap_renames(pairs)
        ordered, seconds = timed(planner._order_renames, list(renames), remaining, PROFILE)  # pylint: disable=protected-access
        renames, remaining = swap_renames(pairs)                     # the ordering moved the parked ones
        problem = check_order(ordered, renames, remaining)
        if problem or len(ordered) != 3 * pairs:
            failures.append(f'ordering of {pairs:,} swaps: {problem or f"{len(ordered)} renames"}')
        previous = report('_order_renames, swaps', pairs, seconds, previous)
        if pairs == 200_000 and seconds > args.limit:
            failures.append(f'ordering of 200,000 swaps took {seconds:.1f} s, over {args.limit:g} s')
        del renames, remaining, ordered

    pairs = 8_000
    records = sources(2 * pairs)
    owned = synced(records)
    swapped = sources(2 * pairs, name=lambda i: f'User {i ^ 1:07d}')
    result, seconds = timed(planner.plan, swapped, owned, {}, [], PROFILE)
    if len(result.of_kind('rename')) != 3 * pairs:
        failures.append(f'plan() of {pairs:,} swaps: {len(result.of_kind("rename"))} renames, not {3 * pairs}')
    report('plan(), swaps', pairs, seconds, None)

    for failure in failures:
        print(f'FAILED: {failure}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
