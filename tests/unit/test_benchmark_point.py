"""bench_point.py's pure parts (benchmarks/; issue 17, item 1): the change set written to a kept
lab state avoids every mailbox an earlier change set touched, and the plan's growth is judged on
CPU seconds. No lab, no timing."""
from __future__ import annotations

import pytest

import bench_point  # benchmarks/bench_point.py (pytest.ini: pythonpath = benchmarks)
from coexist_lab import bulk_ad


def test_earlier_change_sets_are_parsed():
    assert bench_point.parse_earlier('99711:1000:0, 99711:1000:50') == [(99711, 1000, 0), (99711, 1000, 50)]
    assert bench_point.parse_earlier('') == []
    with pytest.raises(ValueError):
        bench_point.parse_earlier('99711:1000')


def test_a_fresh_change_set_touches_no_mailbox_an_earlier_one_did():
    # Two earlier sets over 2,000 mailboxes as the kept states hold them (offset 0 and 50, step 20):
    # every offset of a plain bulk_changes(4000, 40, k) meets one of them somewhere.
    earlier = [(2000, 100, 0), (2000, 100, 50)]
    touched = bench_point.earlier_dns(earlier)
    assert len(touched) == 200
    entries = bulk_ad.bulk_mailboxes(4000)
    fresh = bench_point.fresh_changes(entries, 40, touched)
    assert len(fresh) == 40
    assert not {c['dn'] for c in fresh} & touched
    assert [c['kind'] for c in fresh[:3]] == ['title', 'rename', 'mail']
    # spread over the whole source, old and new mailboxes alike
    index = {dn: i for i, (dn, _a) in enumerate(entries)}
    positions = [index[c['dn']] for c in fresh]
    assert positions[0] < 200 and positions[-1] > 3700
    # what the kept states' history would have given without avoiding: a clash
    plain = bulk_ad.bulk_changes(4000, 40, 50)
    assert {c['dn'] for c in plain} & touched


def test_plan_growth_is_judged_on_the_cpu_medians():
    def point(size, cpu, wall):
        return {'size': size, 'noop': {'plan_cpu_s': cpu, 'plan_s': wall}}
    # wall time grew 4x (a busy host), CPU time 2x: CPU passes (allowed 2.65 from 100,000 to 200,000)
    verdict = bench_point.judge([point(200_000, 20.0, 120.0), point(100_000, 10.0, 30.0)], 0.25)
    assert [(v['n1'], v['n2'], v['pass']) for v in verdict] == [(100_000, 200_000, True)]
    assert verdict[0]['ratio'] == pytest.approx(2.0)
    assert not bench_point.judge([point(200_000, 30.0, 30.0), point(100_000, 10.0, 30.0)], 0.25)[0]['pass']


def test_the_change_set_is_the_sources_own(monkeypatch):
    # Pure logic: the seed's mailbox counts come from the lab's manifests, stubbed here.
    monkeypatch.setattr(bench_point.lab, 'directory', lambda name: name)
    monkeypatch.setattr(bench_point.bulk, 'mailboxes_in_seed', lambda source: 2)
    monkeypatch.setattr(bulk_ad, 'mailboxes_in_seed', lambda source: 3)
    d2e = bench_point.DIRECTIONS['domino_to_exchange']
    assert bench_point.change_set(d2e, 4002, []) == bench_point.bulk.bulk_changes(4000, 40)
    with pytest.raises(SystemExit):
        bench_point.change_set(d2e, 4002, [(2000, 100, 0)])
    e2d = bench_point.DIRECTIONS['exchange_to_domino']
    earlier = [(2000, 100, 0)]
    assert bench_point.change_set(e2d, 4003, earlier) == \
        bench_point.fresh_changes(bulk_ad.bulk_mailboxes(4000), 40, bench_point.earlier_dns(earlier))
