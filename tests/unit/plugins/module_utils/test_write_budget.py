"""The write budget (max_writes, engine/budget.py): which writes a run does and which it leaves
pending, the progress file's figures, and what the report says of pending writes.

Pure: plans from the real planner and the real contact profiles, run against the in-memory model
of the target (plan_simulator), which refuses any write the directory would refuse at that
moment (a create on a name still held, a rename onto a taken name).
"""
from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import report as _report
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.budget import select, units
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    Limits, Operation, SourceRecord, plan)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.progress import (
    ProgressFile, progress_state)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report_html import render_html
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.run import GUARD_LIMITS

from plan_simulator import Container, ad_profile
from test_plan_properties import DOMINO, PROFILE, examples, scenarios

# Guards wide open: the budget's property is about order and convergence; the guards judge the
# whole plan whatever the budget (test_the_guard_judges_the_whole_plan).
OPEN = Limits(max_deletes=10 ** 6, max_delete_percent=100.0, max_renames=10 ** 6, max_rename_percent=100.0,
              max_address_changes=10 ** 6, max_address_change_percent=100.0)


GUARDS = {k: getattr(Limits(), k) for k in GUARD_LIMITS}


def anchor(i: int) -> str:
    return f'{i:032X}'


def person(i: int, name: str, mail: str = '') -> SourceRecord:
    return SourceRecord(anchor(i), f'CN={name},O=Acme', name, mail or f'p{i}@example.com', alias=f'p{i}')


def synced(profile, sources):
    """The owned contacts a full run from an empty container leaves."""
    return Container(profile).run(plan(sources, [], {}, [], profile, OPEN).writes).owned()


def passes(profile, sources, owned, budget, foreign_names=(), limits=OPEN, most=200, planner=None):
    """Budgeted runs until nothing is left: (the model after them, the number of runs, the writes
    each run did). Every write goes through the model, which refuses an out-of-order one.
    ``planner(owned)``: the plan against the contacts owned then (default: no foreign holders)."""
    model = Container(profile, owned, foreign_names)
    planner = planner or (lambda now: plan(sources, now, {}, foreign_names, profile, limits))
    done = []
    for _run in range(most):
        result = planner(model.owned())
        assert not result.blocked, result.blocked
        if not result.writes:
            return model, len(done), done
        this_run, pending = select(result.writes, budget)
        assert this_run, 'a run with writes to do did none'
        assert this_run + pending != [] and len(this_run) + len(pending) == len(result.writes)
        model.run(this_run)
        done.append(this_run)
    raise AssertionError(f'not converged after {most} runs')


# --- selection: the plan's order, whole units ---

def test_no_budget_or_a_large_one_does_everything():
    writes = [Operation('create', anchor(i), f'CN=P{i},OU=X') for i in range(5)]
    assert select(writes, 0) == (writes, [])
    assert select(writes, 5) == (writes, [])
    assert select(writes, -1) == (writes, [])


def test_creates_are_cut_in_the_plans_order():
    writes = [Operation('create', anchor(i), f'CN=P{i},OU=X') for i in range(10)]
    this_run, pending = select(writes, 4)
    assert this_run == writes[:4] and pending == writes[4:]


def test_a_create_never_runs_before_the_rename_freeing_its_name():
    """Anna leaves the name 'Bo' (renamed to 'Anna'), and a new source 'Bo' takes it: with a
    budget of one write per run, Cy's address change first, then Anna's update and rename (one
    unit: the same contact), the create in a later run, and the model (which refuses a create on
    a held name) accepts every step."""
    profile = ad_profile()
    before = [person(1, 'Bo'), person(2, 'Cy')]
    owned = synced(profile, before)
    now = [person(1, 'Anna'), person(2, 'Cy', 'cy.new@example.com'), person(3, 'Bo')]
    full = plan(now, owned, {}, [], profile, OPEN)
    assert [(op.kind, op.anchor) for op in full.writes] == [('update', anchor(1)), ('update', anchor(2)),
                                                            ('rename', anchor(1)), ('create', anchor(3))]
    model, runs, done = passes(profile, now, owned, 1)
    # a cut after the first write would split Anna's update from her rename: the smallest clean
    # cut takes the three writes before the create
    assert [[op.kind for op in run] for run in done] == [['update', 'update', 'rename'], ['create']]
    assert runs == 2
    assert model.snapshot() == Container(profile, owned).run(full.writes).snapshot()


def test_a_swap_is_never_left_half_done():
    """Two contacts trading names: the temporary rename and the final one of the same contact
    go in one run (never a contact left under '(renaming ...)' for a run), with the other
    contact's rename between them."""
    profile = ad_profile()
    owned = synced(profile, [person(1, 'Ann'), person(2, 'Bea')])
    now = [person(1, 'Bea'), person(2, 'Ann')]
    full = plan(now, owned, {}, [], profile, OPEN)
    renames = [op for op in full.writes if op.kind == 'rename']
    assert len(renames) == 3 and 'renaming' in renames[0].new_dn
    this_run, pending = select(full.writes, 1)
    assert this_run == full.writes and pending == []          # the smallest clean cut is the whole swap
    model, runs, _done = passes(profile, now, owned, 1)
    assert runs == 1 and not any('renaming' in c.dn for c in model.owned())


def test_a_group_update_goes_with_the_renames_it_follows_not_after_every_create():
    """Domino: a group's member update follows the renames of the contacts it names and sits
    after the creates in the plan. A budget takes it with those renames, without the creates
    between them."""
    renames = [Operation('rename', anchor(i), f'CN=Old{i},O=Acme', new_dn=f'CN=New{i},O=Acme') for i in (1, 2)]
    creates = [Operation('create', anchor(10 + i), f'CN=P{i},O=Acme') for i in range(50)]
    group = Operation('update', anchor(1), 'CN=Sales,O=Acme', changes={'member': ([], [])},
                      requires=(anchor(1), anchor(2)))
    writes = renames + creates + [group]
    this_run, pending = select(writes, 3)
    assert this_run == renames + [group]
    assert pending == creates
    # a budget of one cannot split the group's unit: the two renames and the group go together
    this_run, pending = select(writes, 1)
    assert this_run == renames + [group]


def test_a_supersede_merge_and_its_delete_stand_together():
    merge = [Operation('update', anchor(1), 'CN=Mailbox,OU=Users', changes={'proxyAddresses': ([], ['X500:/o=x'])},
                       merge_of=anchor(1)),
             Operation('update', anchor(1), 'CN=Group,OU=Groups', changes={'member': ([], ['CN=Mailbox'])},
                       merge_of=anchor(1), requires=(anchor(1),))]
    delete = Operation('delete', anchor(1), 'CN=Contact,OU=C', requires=(anchor(1),), reason='superseded: ...')
    others = [Operation('delete', anchor(i), f'CN=Gone{i},OU=C') for i in range(2, 5)]
    writes = merge + [delete] + others
    assert select(writes, 2) == (merge + [delete], others)
    assert select(writes, 4) == (merge + [delete] + others[:1], others[1:])


def test_units_join_anchors_and_requirements():
    writes = [Operation('update', 'A', 'cn=a'), Operation('rename', 'A', 'cn=a', new_dn='cn=b'),
              Operation('rename', 'C', 'cn=c', new_dn='cn=d'), Operation('create', 'E', 'cn=e'),
              Operation('update', 'A', 'cn=g', requires=('A', 'C'))]
    ids = units(writes)
    assert ids[0] == ids[1] == ids[2] == ids[4] != ids[3]


def test_the_guard_judges_the_whole_plan():
    """A budget does not let a blocked plan through in slices: 30 deletes of 40 contacts are
    blocked whatever max_writes is, and a blocked plan has nothing to select."""
    profile = ad_profile()
    everyone = [person(i, f'Person {i}') for i in range(40)]
    owned = synced(profile, everyone)
    result = plan(everyone[:10], owned, {}, [], profile, Limits())
    assert result.blocked and len(result.of_kind('delete')) == 30
    assert select(result.writes, 5) == ([], [])


# --- the property: budgeted runs converge to the same end as one run ---

@settings(max_examples=examples(400), deadline=None)
@given(scenarios(), st.sampled_from([1, 1, 2, 3, 5]))
def test_budgeted_runs_end_where_one_run_ends(scenario, budget):
    """Random scenarios (renames, swaps and cycles, address moves, re-joins, duplicates, foreign
    names), all switches on: runs of at most ``budget`` writes (more only for a unit that cannot
    be split) reach the end state of one unbudgeted run, every write accepted by the model when
    it runs; each run makes progress."""
    scenario = dataclasses.replace(scenario, limits=OPEN)
    full = scenario.plan()
    if full.blocked:                  # an empty source: nothing is written, budget or not
        return
    one_run = Container(scenario.profile, scenario.owned, scenario.foreign_names).run(full.writes)
    model, _runs, done = passes(scenario.profile, scenario.sources, scenario.owned, budget, scenario.foreign_names,
                                planner=lambda now: scenario.plan(owned=now))
    assert model.snapshot() == one_run.snapshot()


@settings(max_examples=examples(200), deadline=None)
@given(scenarios(DOMINO), st.sampled_from([1, 2, 4]))
def test_budgeted_runs_end_where_one_run_ends_for_domino_contacts(scenario, budget):
    scenario = dataclasses.replace(scenario, limits=OPEN)
    if scenario.plan().blocked:
        return
    one_run = Container(scenario.profile, scenario.owned, scenario.foreign_names).run(scenario.plan().writes)
    model, _runs, _done = passes(scenario.profile, scenario.sources, scenario.owned, budget, scenario.foreign_names,
                                 planner=lambda now: scenario.plan(owned=now))
    assert model.snapshot() == one_run.snapshot()


def test_a_first_load_in_runs_of_max_writes():
    """25 creates with max_writes 10: runs of 10, 10 and 5, then nothing to do."""
    profile = PROFILE
    sources = [person(i, f'Person {i}') for i in range(25)]
    model, runs, done = passes(profile, sources, [], 10)
    assert [len(run) for run in done] == [10, 10, 5] and runs == 3
    assert len(model.owned()) == 25


# --- the report and the progress file ---

def test_pending_writes_in_the_report_summary_and_page(tmp_path):
    profile = ad_profile()
    sources = [person(i, f'Person {i}') for i in range(6)]
    result = plan(sources, [], {}, [], profile, OPEN)
    this_run, pending = select(result.writes, 4)

    @dataclasses.dataclass
    class Done:
        done: list
        failed: list = dataclasses.field(default_factory=list)
        not_attempted: list = dataclasses.field(default_factory=list)
        aborted: object = None

        @property
        def changed(self):
            return bool(self.done)

    report = _report.build_report('domino_to_exchange', result, Done(list(this_run)), check_mode=False,
                                  source={}, target={}, limits=GUARDS, pending=pending, max_writes=4,
                                  progress=str(tmp_path / 'progress.json'))
    assert report['counts']['pending'] == 2 and report['counts']['done'] == 4
    assert [op['status'] for op in report['operations']] == ['done'] * 4 + ['pending'] * 2
    assert report['budget'] == {'max_writes': 4, 'this_run': 4, 'pending': 2}
    assert report['progress'] == 'progress.json'
    lines = _report.summary_lines(report)
    assert any(line.startswith('PENDING: 2 writes left for the next run (max_writes 4, 4 writes this run)')
               for line in lines)
    page = render_html([report])
    assert 'data-pending="domino_to_exchange"' in page and 'href="progress.json"' in page
    # check mode: the same cut, said as what a real run would leave
    checked = _report.build_report('domino_to_exchange', result, None, check_mode=True, source={}, target={},
                                   limits=GUARDS, pending=pending, max_writes=4)
    assert [op['status'] for op in checked['operations']] == ['planned'] * 4 + ['pending'] * 2
    assert any('a real run would leave' in line for line in _report.summary_lines(checked))
    # no budget: no pending line, no banner
    plain = _report.build_report('domino_to_exchange', result, Done(list(result.writes)), check_mode=False,
                                 source={}, target={}, limits=GUARDS)
    assert plain['counts']['pending'] == 0 and not any('PENDING' in line for line in _report.summary_lines(plain))
    assert 'data-pending' not in render_html([plain])


def test_progress_figures():
    state = progress_state('exchange_to_domino', done=300, failed=2, total=1200, planned=5000, pending=3800,
                           elapsed=60.0, now=1_700_000_000.0, state='running')
    assert state['writes_per_second'] == 5.0 and state['eta_seconds'] == 180 and state['percent'] == 25.0
    assert state['started'] == '2023-11-14T22:12:20Z' and state['eta'] == '2023-11-14T22:16:20Z'
    finished = progress_state('exchange_to_domino', done=1200, failed=2, total=1200, planned=5000, pending=3800,
                              elapsed=240.0, now=1_700_000_180.0, state='finished')
    assert finished['eta'] is None and finished['percent'] == 100.0


def test_progress_file_written_every_n_writes_or_seconds(tmp_path):
    clock = [0.0]
    progress = ProgressFile(str(tmp_path), 'exchange_to_domino', total=10, planned=30, pending=20, every_writes=4,
                            every_seconds=5.0, clock=lambda: clock[0], wall=lambda: 1_700_000_000.0 + clock[0])

    def read():
        return json.loads((tmp_path / 'progress.json').read_text())

    assert read()['attempted'] == 0 and read()['state'] == 'running'
    for done in (1, 2, 3):
        clock[0] += 0.1
        progress(done, 10)
    assert read()['attempted'] == 0                 # fewer than 4 writes and 5 seconds since the last
    progress(4, 10)
    assert read()['attempted'] == 4
    clock[0] += 6.0
    progress(5, 10, 1)
    assert read()['attempted'] == 5 and read()['failed'] == 1
    progress.finish(10, 1)
    assert read()['state'] == 'finished' and read()['pending_after_run'] == 20
    assert not [p for p in tmp_path.iterdir() if p.name != 'progress.json']     # no temporary file left
