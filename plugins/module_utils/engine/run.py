# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The end of every sync module, whichever direction: the guard, check mode, applying, the
report, the result. A sync module reads its source and target, builds a plan, then calls
:func:`finish`."""

from __future__ import annotations

import dataclasses
import resource
import time
import typing as t
from dataclasses import dataclass, field

from ..directory.client import LdapClient
from ..directory.connection import connect
from .apply import Ownership, apply_plan
from .budget import select
from .plan import Limits, Plan
from .progress import ProgressFile
from .report import build_report, diff, samples, summary_lines, write_report

# The guards' limits, in the order the report lists them (deletes, renames, address changes).
GUARD_LIMITS = ('max_deletes', 'max_delete_percent', 'max_renames', 'max_rename_percent', 'max_address_changes',
                'max_address_change_percent')

# Options every sync module takes (documented in plugins/doc_fragments/sync.py): the guards and
# switches default to the planner's own Limits.
SYNC_OPTIONS = dict(
    {name: {'type': type(default).__name__, 'default': default} for name, default in
     ((f.name, f.default) for f in dataclasses.fields(Limits))},
    report_dir={'type': 'path'},
    sample_size={'type': 'int', 'default': 10},
    diff_limit={'type': 'int', 'default': 50},
    max_writes={'type': 'int', 'default': 0},
    write_connections={'type': 'int', 'default': 1},
)


DEFAULT_ATTRIBUTE_MAP = {'title': 'title', 'telephoneNumber': 'telephonenumber'}


def attribute_fields(attribute_map: dict, target: str) -> dict:
    """The playbook's coexist_attribute_map (AD attribute -> Domino attribute) for one direction:
    {target attribute: source attribute}, ``target`` 'ad' or 'domino'. A null value stops syncing
    that field (and leaves the values already there alone)."""
    pairs = [(ad, domino) for ad, domino in (attribute_map or {}).items() if ad and domino]
    return dict(pairs) if target == 'ad' else {domino: ad for ad, domino in pairs}


def marked_outside_message(outside: list, marker_attribute: str, marker_prefix: str, container: str) -> str:
    """Why a sync refuses to run when objects carrying its marker live outside its container."""
    return (f'{len(outside)} objects carrying this sync\'s marker ({marker_attribute}={marker_prefix}...) are outside '
            f'{container}, e.g. {outside[0]}: was the container moved or renamed? Refusing to run rather than '
            f'create a second set. Nothing was written.')


class Stopwatch:
    """Seconds per phase of a run, for the result and the benchmarks: wall time, and the module
    process's CPU time (``cpu``: all its threads), which a shared or throttled host does not
    stretch the way it stretches wall time (the benchmarks judge the plan's growth on it)."""

    def __init__(self):
        self.started = time.monotonic()
        self.last = self.started
        self.cpu_started = time.process_time()
        self.cpu_last = self.cpu_started
        self.phases: dict = {}
        self.cpu: dict = {}

    def lap(self, phase: str) -> None:
        now, cpu = time.monotonic(), time.process_time()
        self.phases[phase] = round(self.phases.get(phase, 0) + now - self.last, 3)
        self.cpu[phase] = round(self.cpu.get(phase, 0) + cpu - self.cpu_last, 3)
        self.last, self.cpu_last = now, cpu

    def as_dict(self) -> dict:
        # ru_maxrss is in KiB on Linux: the module process's peak memory so far.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu = dict(self.cpu, total=round(time.process_time() - self.cpu_started, 3))
        return dict(self.phases, total=round(time.monotonic() - self.started, 3), peak_rss_mb=round(peak, 1), cpu=cpu)


@dataclass
class Prepared:
    """A direction read and planned (directions/prepare.py): all :func:`finish` needs."""

    direction: str                           # its name, for the messages and the report
    options: t.Any                           # its typed options (directions/base.py SyncOptions)
    plan: Plan
    client: LdapClient                       # the open target connection
    source: dict                             # what the report says of the source
    target: dict                             # and of the target
    merged: list                             # attributes merged value by value (apply.modlist)
    refuse: str = ''                         # a reason found before planning that makes writing unsafe
    stopwatch: Stopwatch = field(default_factory=Stopwatch)
    ownership: Ownership | None = None       # how a write checks a race with another run
    delta_run: t.Any = None                  # engine/delta.py DeltaRun when delta runs are on


def finish(cm, prepared: Prepared) -> None:
    """Apply the plan (unless check mode, a blocked guard or ``prepared.refuse``), report, exit.

    ``prepared.refuse`` is a reason found before planning that makes writing unsafe (missing
    rights): the plan is still reported, nothing is written, the task fails.
    """
    direction, plan, refuse_writes, stopwatch = prepared.direction, prepared.plan, prepared.refuse, prepared.stopwatch
    options = prepared.options
    outcome = None
    # The write budget: this run's part of the plan, the rest pending for the next run. The guard
    # has judged the whole plan already (plan.blocked), never this part (engine/budget.py).
    this_run, pending = select(plan.writes, options.max_writes)
    progress = None
    if not cm.check_mode and not plan.blocked and not refuse_writes and plan.writes:
        if options.report_dir:
            progress = ProgressFile(options.report_dir, direction, total=len(this_run), planned=len(plan.writes),
                                    pending=len(pending))
        # More connections to the same server the reads and the plan used (its settings), one
        # per writing thread: python-ldap connections are not shared between threads.
        outcome = apply_plan(prepared.client, plan, prepared.merged, ownership=prepared.ownership, writes=this_run,
                             progress=progress, connections=max(1, options.write_connections),
                             connect=lambda: connect(prepared.client.settings))
        if progress is not None:
            progress.finish(len(outcome.done) + len(outcome.failed), len(outcome.failed),
                            stopped=outcome.aborted is not None)
    stopwatch.lap('apply')
    limits = {k: getattr(options.limits, k) for k in GUARD_LIMITS}
    report = build_report(direction, plan, outcome, check_mode=cm.check_mode, source=prepared.source,
                          target=prepared.target, limits=limits, refused=refuse_writes, pending=pending,
                          max_writes=options.max_writes, progress=progress.path if progress is not None else None,
                          lazy=True)
    result = {
        'changed': bool(plan.writes) if cm.check_mode else bool(outcome and outcome.changed),
        'counts': report['counts'],
        'outcome': report['outcome'],
        'samples': samples(plan, options.sample_size),
        'summary': summary_lines(report, limit=options.sample_size),
        'guard': report['guard'],
        'pending': report['counts']['pending'],
    }
    if progress is not None:
        result['progress'] = progress.path
    if prepared.delta_run is not None:
        # The watermark advances only after a run that wrote all it planned (architecture.rst
        # "Delta runs"): not with writes refused, stopped or left pending by max_writes; otherwise
        # the one given goes back, and the next run reads the same changes again.
        clean = (not cm.check_mode and not plan.blocked and not refuse_writes and not pending
                 and (outcome is None or (not outcome.failed and outcome.aborted is None)))
        result['watermark'] = prepared.delta_run.watermark(plan, clean)
        result['run'] = dict(prepared.delta_run.as_dict(), watermark_advanced=clean)
    if outcome is not None:
        result['write_connections'] = outcome.connections
    if options.report_dir:
        result['report'] = write_report(options.report_dir, report)
    stopwatch.lap('report')
    result['timings'] = stopwatch.as_dict()
    if cm.module._diff:
        result['diff'] = diff(plan, options.diff_limit)
    if plan.blocked:
        cm.module.fail_json(msg=f'Deletion guard ({direction}): {plan.blocked}', **result)
    if refuse_writes and plan.writes and not cm.check_mode:
        cm.module.fail_json(msg=f'{direction}: nothing was written: {refuse_writes}', **result)
    if outcome is not None and outcome.aborted is not None:
        result['errors'] = report['errors'][:options.sample_size]
        cm.module.fail_json(msg=f'{direction}: stopped after {len(outcome.done)} of {len(this_run)} writes: '
                                f'{outcome.aborted.message}', **result)
    if outcome is not None and outcome.failed:
        result['errors'] = report['errors'][:options.sample_size]
        cm.module.fail_json(msg=f'{direction}: {len(outcome.failed)} of {len(this_run)} writes were refused by '
                                f'the server (the others were done): {outcome.failed[0][1].message}', **result)
    cm.exit(**result)
