"""The benchmark's growth curve (benchmarks/growth.py, bench_sync.py --sizes): the sizes option, the
issue 17 bars judged from a run's figures (made up here: no lab, no server), and the verdict that
counts a failed growth bar like any other."""
from __future__ import annotations

import argparse

import bench_sync  # benchmarks/ (pytest.ini: pythonpath = benchmarks)
import growth
import pytest

COUNTS = {'create': 0, 'update': 0, 'rename': 0, 'delete': 0, 'unchanged': 0, 'conflict': 0, 'skip': 0,
          'failed': 0, 'done': 0}


def run(total: float, plan: float, peak: float) -> dict:
    return {'wall': total + 2, 'timings': {'total': total, 'plan': plan, 'peak_rss_mb': peak}, 'counts': dict(COUNTS)}


def point(size: int, noop_s: float, reads_s: float, plan_s: float, peak: float) -> dict:
    """One growth point: two no-op reruns and two 1 % change runs beside the yardstick's reads."""
    return {'size': size, 'fill': {'method': 'first run', 'run': run(noop_s * 3, plan_s, peak - 10)},
            'noop': {'runs': [run(noop_s, plan_s, peak)] * 2, 'yardstick_reads': [{'seconds': reads_s}] * 2},
            'change': {'runs': [run(noop_s * 1.1, plan_s * 1.1, peak)] * 2,
                       'yardstick_reads': [{'seconds': reads_s}] * 2, 'changed': size // 100}}


def bars_of(points: list) -> dict:
    summary = growth.summarise_growth({'exchange_to_domino': {str(p['size']): p for p in points}})
    return {b['bar']: b for b in summary['exchange_to_domino']['bars']}


def test_sizes_option():
    assert growth.parse_sizes('200000,20_000,100000,20000') == [20000, 100000, 200000]
    with pytest.raises(ValueError):
        growth.parse_sizes('500')
    with pytest.raises(ValueError):
        growth.parse_sizes('')


def test_default_run_has_no_growth_points(monkeypatch):
    """Without --sizes the benchmark runs what it ran before (CI time does not grow)."""
    parser_args = {}
    real = argparse.ArgumentParser.parse_args

    def capture(self, *a, **k):
        ns = real(self, [])
        parser_args.update(vars(ns))
        raise SystemExit(0)
    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', capture)
    with pytest.raises(SystemExit):
        bench_sync.main()
    assert parser_args['sizes'] is None and parser_args['mailboxes'] == 20000


def test_bars_pass():
    bars = bars_of([point(20000, 8.0, 6.5, 1.0, 160.0), point(100000, 40.0, 32.0, 5.5, 390.0),
                    point(200000, 80.0, 64.0, 11.5, 690.0)])
    assert all(b['pass'] for b in bars.values()), bars
    assert set(bars) == {
        'no-op rerun module time <= 1.3x yardstick reads at 100000',
        'module peak RSS < 400 MB at 100000', 'module peak RSS < 700 MB at 200000',
        'plan time grows no faster than n log n from 20000 to 100000 (tolerance 25%)',
        'plan time grows no faster than n log n from 100000 to 200000 (tolerance 25%)'}


def test_bars_fail_and_the_verdict_lists_them(capsys):
    bars = bars_of([point(20000, 8.0, 6.5, 1.0, 160.0), point(100000, 50.0, 32.0, 12.0, 420.0)])
    failed = {name for name, b in bars.items() if not b['pass']}
    assert failed == {'no-op rerun module time <= 1.3x yardstick reads at 100000', 'module peak RSS < 400 MB at 100000',
                      'plan time grows no faster than n log n from 20000 to 100000 (tolerance 25%)'}
    # 12 / 1 = 12 against (1e5 ln 1e5) / (2e4 ln 2e4) * 1.25 = 7.27
    assert bars['plan time grows no faster than n log n from 20000 to 100000 (tolerance 25%)']['value'] == 12.0
    summary = {'rows': [], 'bars': [], 'growth': growth.summarise_growth(
        {'domino_to_exchange': {'20000': point(20000, 8.0, 6.5, 1.0, 160.0),
                                '100000': point(100000, 50.0, 32.0, 12.0, 420.0)}})}
    assert bench_sync.verdict(summary) == 1
    out = capsys.readouterr().out
    assert 'FAILED: 3 bar(s)' in out and 'domino_to_exchange: module peak RSS < 400 MB at 100000' in out


def test_bars_only_for_sizes_run():
    """At 20,000 alone no bar applies: no 1.3x bar, no RSS bar, no growth pair."""
    assert not bars_of([point(20000, 80.0, 6.5, 1.0, 900.0)])
    growth_summary = growth.summarise_growth({'exchange_to_domino': {'20000': point(20000, 80.0, 6.5, 1.0, 900.0)}})
    assert bench_sync.verdict({'rows': [], 'bars': [], 'growth': growth_summary}) == 0


def test_growth_table_prints(capsys):
    growth.print_growth(growth.summarise_growth({'exchange_to_domino': {
        '20000': point(20000, 8.0, 6.5, 1.0, 160.0), '100000': point(100000, 40.0, 32.0, 5.5, 390.0)}}))
    out = capsys.readouterr().out
    assert 'growth curve: exchange_to_domino' in out and '100000' in out and 'PASS' in out


def test_reuse_measures_the_largest_size_first_on_the_labs_state(monkeypatch):
    """--reuse (issue 17): the lab's state (a filled target from a run stopped before its 1 %
    change) is taken for the largest size only, measured first: the smaller sizes start from
    ``seeded``, which would lose it. The result keeps the sizes in order."""
    calls = []

    def fake_point(b, d, n, reps, memtrace, reuse=False):
        calls.append((n, memtrace, reuse))
        return {'size': n}
    monkeypatch.setattr(growth, 'growth_point', fake_point)
    out = growth.scenario_growth(None, bench_sync.E2D, [20000, 100000], 1, True, reuse=True)
    assert calls == [(100000, True, True), (20000, False, False)]
    assert list(out) == ['20000', '100000']
    calls.clear()
    growth.scenario_growth(None, bench_sync.E2D, [20000, 100000], 1, False)
    assert calls == [(20000, False, False), (100000, False, False)]
