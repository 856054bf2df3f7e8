"""The benchmark's verdict (benchmarks/bench_sync.py): the bars computed from a run's figures, the
failed ones listed, and the exit status. Pure: the figures are made up, no lab, no server."""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import bench_sync  # benchmarks/bench_sync.py (pytest.ini: pythonpath = benchmarks)
import pytest

ARGS = Namespace(mailboxes=20000, small=1000)
COUNTS = {'create': 0, 'update': 0, 'rename': 0, 'delete': 0, 'unchanged': 20000, 'conflict': 0, 'skip': 0,
          'failed': 0, 'done': 0}


def product_run(total: float, apply: float = 0.0, done: int = 0, peak: float = 160.0) -> dict:
    """One product run as Bench.run_product records it."""
    return {'wall': total + 2, 'timings': {'total': total, 'apply': apply, 'peak_rss_mb': peak},
            'counts': dict(COUNTS, done=done)}


def direction(noop_s=8.0, noop_reads_s=6.0, creates_per_s=1000.0, yardstick_adds_per_s=1000.0, peak=160.0) -> dict:
    """The figures of one direction at 20,000: three first runs, five no-op reruns beside the
    yardstick's reads, two yardstick adds."""
    creates = 20000
    apply_s = creates / creates_per_s
    return {
        'first_run': {'runs': [product_run(apply_s + 5, apply_s, creates, peak) for _i in range(3)],
                      'yardstick_reads': [{'seconds': 0.5}] * 3},
        'noop': {'runs': [product_run(noop_s, peak=peak) for _i in range(5)],
                 'yardstick_reads': [{'seconds': noop_reads_s}] * 5},
        'yardstick_add': [{'entries': creates, 'seconds': creates / yardstick_adds_per_s,
                           'per_second': yardstick_adds_per_s}] * 2,
    }


def summary(d2e: dict | None = None, e2d: dict | None = None) -> dict:
    res = {'big': d2e or {}, 'small': {}, 'resets': []}
    if e2d is not None:
        res['e2d'] = e2d
    return bench_sync.summarise(res, ARGS)


def test_passing_figures_pass():
    s = summary(direction(), direction())
    assert len(s['bars']) == 3 and len(s['exchange_to_domino']['bars']) == 3
    assert all(check['pass'] for check in s['bars'] + s['exchange_to_domino']['bars'])
    assert not bench_sync.failed_bars(s)
    assert bench_sync.verdict(s) == 0


def test_the_bars_edges_pass():
    # exactly 1.5x the reads, exactly 0.8x the yardstick's adds: both bars say "at most" / "at least"
    s = summary(direction(noop_s=9.0, noop_reads_s=6.0, creates_per_s=800.0, yardstick_adds_per_s=1000.0))
    assert [check['value'] for check in s['bars'][:2]] == [1.5, 0.8]
    assert not bench_sync.failed_bars(s)


@pytest.mark.parametrize('figures, bar_start', [
    ({'noop_s': 9.1, 'noop_reads_s': 6.0}, 'no-op rerun module time'),
    ({'creates_per_s': 790.0, 'yardstick_adds_per_s': 1000.0}, 'first-run add throughput'),
    ({'peak': 300.0}, 'module peak memory'),
])
def test_a_failing_figure_fails_its_bar_only(figures, bar_start):
    s = summary(direction(**figures))
    failed = bench_sync.failed_bars(s)
    assert [check['bar'].split(' <')[0].split(' >')[0] for check in failed] == [bar_start]
    assert failed[0]['direction'] == 'domino_to_exchange'


def test_a_failure_in_the_second_direction_is_named(capsys):
    s = summary(direction(), direction(noop_s=12.0, noop_reads_s=6.0))
    failed = bench_sync.failed_bars(s)
    assert [(check['direction'], check['value']) for check in failed] == [('exchange_to_domino', 2.0)]
    assert bench_sync.verdict(s) == 1
    out = capsys.readouterr().out
    assert 'FAILED: 1 bar(s)' in out
    assert 'exchange_to_domino: no-op rerun module time <= 1.5x yardstick reads: 2.0' in out


def test_several_failures_are_all_listed(capsys):
    s = summary(direction(noop_s=20.0, peak=400.0), direction(creates_per_s=100.0))
    assert len(bench_sync.failed_bars(s)) == 3
    assert bench_sync.verdict(s) == 1
    assert 'FAILED: 3 bar(s)' in capsys.readouterr().out


def test_nothing_measured_is_not_a_failure():
    # --skip-large: no large figures, no bars; the small comparison has no bar
    s = summary()
    assert not s['bars'] and not bench_sync.failed_bars(s)
    assert bench_sync.verdict(s) == 0


def test_the_yardstick_is_the_repositorys_own():
    assert bench_sync.YARDSTICK == Path(bench_sync.__file__).resolve().parent / 'yardstick.py'
    assert bench_sync.YARDSTICK.is_file()
    text = Path(bench_sync.__file__).read_text(encoding='utf-8')
    assert '/work/' not in text and 'shared/' not in text


def test_a_yardstick_that_fails_stops_the_benchmark(tmp_path):
    broken = tmp_path / 'broken.py'
    broken.write_text('import sys\nprint("read 5 entries")\nsys.exit(1)\n')
    with pytest.raises(SystemExit) as exc:
        bench_sync.run_yardstick(broken, ['read'], {})
    assert 'failed (exit status 1)' in str(exc.value.code)
    silent = tmp_path / 'silent.py'
    silent.write_text('print("no result line")\n')
    with pytest.raises(SystemExit):
        bench_sync.run_yardstick(silent, ['read'], {})
