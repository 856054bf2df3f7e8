"""The "no faster than n log n" rule of the growth bars (benchmarks/growth_rule.py), on made-up
times: no timing here. Issue 17, item 1."""
from __future__ import annotations

import math

import pytest

import growth_rule  # benchmarks/growth_rule.py (pytest.ini: pythonpath = benchmarks)


def test_the_allowed_ratio_is_n_log_n_with_the_tolerance():
    assert growth_rule.n_log_n_allowed(20_000, 100_000, 0) == pytest.approx(5 * math.log(100_000) / math.log(20_000))
    assert growth_rule.n_log_n_allowed(20_000, 100_000) == pytest.approx(7.27, abs=0.01)
    assert growth_rule.n_log_n_allowed(100_000, 200_000) == pytest.approx(2.65, abs=0.01)


def test_linear_and_n_log_n_pass_quadratic_fails():
    sizes = (20_000, 100_000, 200_000)
    linear = growth_rule.judge_growth([(n, n / 10_000) for n in sizes])
    nlogn = growth_rule.judge_growth([(n, n * math.log(n) / 1e5) for n in sizes], tolerance=0)
    quadratic = growth_rule.judge_growth([(n, (n / 10_000) ** 2) for n in sizes])
    assert [v['pass'] for v in linear] == [True, True] and [v['pass'] for v in nlogn] == [True, True]
    assert [v['pass'] for v in quadratic] == [False, False]
    assert [v['ratio'] for v in quadratic] == pytest.approx([25.0, 4.0])


def test_only_the_step_that_grows_too_fast_fails_and_order_does_not_matter():
    verdicts = growth_rule.judge_growth([(200_000, 30.0), (20_000, 1.0), (100_000, 7.0)])
    assert [(v['n1'], v['n2'], v['pass']) for v in verdicts] == [(20_000, 100_000, True), (100_000, 200_000, False)]
    assert verdicts[1]['ratio'] == pytest.approx(30 / 7)


def test_a_tolerance_just_covers_a_step_at_the_limit():
    limit = growth_rule.n_log_n_allowed(20_000, 100_000, 0.25)
    assert growth_rule.judge_growth([(20_000, 1.0), (100_000, limit)])[0]['pass']
    assert not growth_rule.judge_growth([(20_000, 1.0), (100_000, limit * 1.001)])[0]['pass']


@pytest.mark.parametrize('points', [[(20_000, 0.0), (100_000, 1.0)], [(20_000, 1.0), (20_000, 2.0)]])
def test_bad_points_are_refused(points):
    with pytest.raises(ValueError):
        growth_rule.judge_growth(points)
