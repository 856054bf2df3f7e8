# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the growth bars judge "no faster than n log n" (issue 17, item 1), one rule for the planner
alone (bench_plan.py) and the lab's growth curve (growth.py). Pure: no lab, no collection.

Between consecutive sizes n1 < n2 with times t1, t2 the time may grow by at most

    t2 / t1  <=  (n2 ln n2) / (n1 ln n1) x (1 + tolerance)

(from 20,000 to 100,000: 5.81 x 1.25 = 7.27 with the default tolerance of 25 %, a shared
machine's wander; from 100,000 to 200,000: 2.12 x 1.25 = 2.65). Quadratic growth (25 and 4)
fails both; linear growth (5 and 2) passes.
"""
from __future__ import annotations

import math

DEFAULT_TOLERANCE = 0.25


def n_log_n_allowed(n1: int, n2: int, tolerance: float = DEFAULT_TOLERANCE) -> float:
    """The largest t2/t1 allowed from size n1 to size n2 (n2 > n1 > 1)."""
    if not 1 < n1 < n2:
        raise ValueError(f'sizes must grow and exceed 1, not {n1} -> {n2}')
    return (n2 * math.log(n2)) / (n1 * math.log(n1)) * (1 + tolerance)


def judge_growth(points, tolerance: float = DEFAULT_TOLERANCE) -> list[dict]:
    """``points``: (size, seconds) pairs, in any order. One verdict per pair of consecutive
    sizes: n1, n2, t1, t2, ratio (t2/t1), allowed, pass."""
    ordered = sorted(points)
    if len({n for n, _t in ordered}) != len(ordered):
        raise ValueError('one time per size')
    out = []
    for (n1, t1), (n2, t2) in zip(ordered, ordered[1:]):
        if t1 <= 0:
            raise ValueError(f'no time to compare with at {n1}: {t1}')
        allowed = n_log_n_allowed(n1, n2, tolerance)
        ratio = t2 / t1
        out.append({'n1': n1, 'n2': n2, 't1': t1, 't2': t2, 'ratio': ratio, 'allowed': allowed,
                    'pass': ratio <= allowed})
    return out
