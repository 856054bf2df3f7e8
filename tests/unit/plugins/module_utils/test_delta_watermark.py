"""When a delta run may run, and when it must be full (engine/delta.py; architecture.rst "Delta runs")."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.delta import (
    FAMILY_WIDTH, DcState, Watermark, cut_names_obstacle, fingerprint, full_run_reason, parse_duration,
    unresolved_anchors)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import plan as _plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Operation, Plan

from plan_simulator import DOMINO_CONTACTS_BASE, ad_profile, domino_profile

DC = DcState(usn=5000, invocation_id='7e-aa', dns_host_name='dc1.corp.example.com', tombstone_days=180)
NOW = 1_800_000_000.0
PRINT = fingerprint({'bases': ['DC=corp'], 'routing': 'exchange.example.com'})


def mark(**changes) -> dict:
    data = Watermark(usn=4000, invocation_id='7E-AA', dns_host_name='DC1.corp.example.com', time=NOW - 3600,
                     full_time=NOW - 7200, fingerprint=PRINT, unresolved=('A',)).as_dict()
    data.update(changes)
    return data


def test_a_fresh_watermark_of_the_same_dc_allows_a_delta():
    assert full_run_reason(mark(), DC, NOW, parse_duration('1d'), PRINT) == ''
    assert Watermark.from_dict(mark()).unresolved == ('A',)


@pytest.mark.parametrize('stored, words', [
    (None, 'no watermark'),
    ({}, 'no watermark'),
    ({'version': 99}, 'not usable'),
    (mark(usn='x'), 'not usable'),
    (mark(invocation_id='00-bb'), 'another domain controller database'),
    (mark(dns_host_name='dc2.corp.example.com'), 'dc2.corp.example.com'),
    (mark(usn=6000), 'ahead of the DC'),
    (mark(fingerprint='other'), 'options'),
    (mark(time=NOW + 60), 'future'),
    (mark(full_time=NOW - 2 * 86400), 'full_every'),
    (mark(time=NOW - 181 * 86400, full_time=NOW - 182 * 86400), 'tombstone lifetime'),
    (mark(full_time=NOW - 60), 'future'),
])
def test_a_full_run_is_forced_and_says_why(stored, words):
    assert words in full_run_reason(stored, DC, NOW, parse_duration('1d'), PRINT)


def test_a_delta_run_keeps_the_time_of_the_last_full_run():
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.delta import DeltaRun
    delta = DeltaRun('delta', '', DC, PRINT, NOW, given=mark())
    kept = delta.watermark(Plan(), clean=True)
    assert kept['usn'] == 5000 and kept['time'] == NOW and kept['full_time'] == NOW - 7200 and kept['unresolved'] == []
    assert DeltaRun('full', 'x', DC, PRINT, NOW, given=mark()).watermark(Plan(), clean=True)['full_time'] == NOW
    assert delta.watermark(Plan(), clean=False) == mark()      # not clean: the one given, unchanged


def test_durations():
    assert [parse_duration(t) for t in ('90', '90s', '30m', '12h', '1d', '2w', 45)] == [
        90, 90, 1800, 43200, 86400, 1209600, 45]
    with pytest.raises(ValueError):
        parse_duration('1 day')


def test_the_fingerprint_follows_the_options_not_their_order():
    assert fingerprint({'a': 1, 'b': [2]}) == fingerprint({'b': [2], 'a': 1}) != fingerprint({'a': 1, 'b': [3]})


def test_unresolved_are_conflicts_skips_and_suppressed():
    the_plan = Plan(conflicts=[{'anchor': 'C'}], skips=[{'anchor': 'S'}, {'anchor': ''}],
                    suppressed=[Operation('create', 'P', 'CN=x')])
    assert unresolved_anchors(the_plan) == ('C', 'P', 'S')


def test_a_container_too_long_for_the_delta_name_rule_makes_runs_full():
    """A delta relates a name cut to fit a suffix to the whole name by their first FAMILY_WIDTH
    characters (names_meet): a Domino contacts base so long that the widest suffix leaves fewer
    makes every run full, and says why. AD's 64 characters and the usual bases leave enough."""
    assert cut_names_obstacle(ad_profile()) == '' and cut_names_obstacle(domino_profile()) == ''
    assert cut_names_obstacle(domino_profile(contacts_base='OU=Exchange,O=Acme')) == ''
    longer = domino_profile(contacts_base=DOMINO_CONTACTS_BASE.replace('Sync ', 'Sync xx'))
    assert 'runs are full' in cut_names_obstacle(longer)
    # what it guards: the planner's cut to fit the widest suffix keeps fewer characters of the name
    # there than FAMILY_WIDTH, and at least that many where deltas run
    widest = ' (renaming ' + 'f' * 32 + ')'
    for profile, enough in ((longer, False), (domino_profile(), True), (ad_profile(), True)):
        kept = _plan._fitter(profile.name_limit, profile.name_length)('L' * 300, widest)[:-len(widest)]  # pylint: disable=protected-access
        assert (len(kept) >= FAMILY_WIDTH) is enough, (profile.container, len(kept))
