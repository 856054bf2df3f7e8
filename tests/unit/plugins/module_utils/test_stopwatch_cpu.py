"""The run's Stopwatch (engine/run.py): wall seconds and the module process's CPU seconds per
phase. Pure: both clocks are replaced by scripted ones, nothing is timed."""
from __future__ import annotations

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import run


class Clock:
    """A clock that returns the scripted readings one after the other."""

    def __init__(self, readings):
        self.readings = list(readings)

    def __call__(self):
        return self.readings.pop(0)


def test_each_phase_has_its_wall_and_its_cpu_seconds(monkeypatch):
    # wall: start 100, read ends 160, plan ends 190, plan again (a second lap) ends 200, then as_dict
    monkeypatch.setattr(run.time, 'monotonic', Clock([100.0, 160.0, 190.0, 200.0, 205.0]))
    # cpu: start 1, read used 4 s (threads side by side), plan 25 s, the second plan lap 5 s
    monkeypatch.setattr(run.time, 'process_time', Clock([1.0, 5.0, 30.0, 35.0, 36.5]))
    watch = run.Stopwatch()
    watch.lap('read')
    watch.lap('plan')
    watch.lap('plan')
    got = watch.as_dict()
    assert {k: got[k] for k in ('read', 'plan', 'total')} == {'read': 60.0, 'plan': 40.0, 'total': 105.0}
    assert got['cpu'] == {'read': 4.0, 'plan': 30.0, 'total': 35.5}
    assert got['peak_rss_mb'] > 0
