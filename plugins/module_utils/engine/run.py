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

import resource
import time

from .apply import apply_plan
from .plan import Limits, Plan
from .report import build_report, diff, samples, summary_lines, write_report

# The guards' limits, in the order the report lists them (deletes, renames, address changes).
GUARD_LIMITS = ('max_deletes', 'max_delete_percent', 'max_renames', 'max_rename_percent', 'max_address_changes',
                'max_address_change_percent')

# Options every sync module takes (documented in plugins/doc_fragments/sync.py).
SYNC_OPTIONS = {
    'max_deletes': {'type': 'int', 'default': 500},
    'max_delete_percent': {'type': 'float', 'default': 10.0},
    'max_renames': {'type': 'int', 'default': 500},
    'max_rename_percent': {'type': 'float', 'default': 10.0},
    'max_address_changes': {'type': 'int', 'default': 500},
    'max_address_change_percent': {'type': 'float', 'default': 10.0},
    'allow_create': {'type': 'bool', 'default': True},
    'allow_update': {'type': 'bool', 'default': True},
    'allow_rename': {'type': 'bool', 'default': True},
    'allow_delete': {'type': 'bool', 'default': True},
    'report_dir': {'type': 'path'},
    'sample_size': {'type': 'int', 'default': 10},
    'diff_limit': {'type': 'int', 'default': 50},
}


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


def limits_from(params: dict) -> Limits:
    # The rewrite guards' limits: validate_site plans with the deletion guard's alone (Limits' defaults).
    rewrites = {k: params[k] for k in GUARD_LIMITS[2:] if params.get(k) is not None}
    return Limits(max_deletes=params['max_deletes'], max_delete_percent=params['max_delete_percent'], **rewrites,
                  allow_create=params['allow_create'], allow_update=params['allow_update'],
                  allow_rename=params['allow_rename'], allow_delete=params['allow_delete'])


class Stopwatch:
    """Seconds per phase of a run, for the result and the benchmarks."""

    def __init__(self):
        self.started = time.monotonic()
        self.last = self.started
        self.phases: dict = {}

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.phases[phase] = round(self.phases.get(phase, 0) + now - self.last, 3)
        self.last = now

    def as_dict(self) -> dict:
        # ru_maxrss is in KiB on Linux: the module process's peak memory so far.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return dict(self.phases, total=round(time.monotonic() - self.started, 3), peak_rss_mb=round(peak, 1))


def finish(cm, *, direction: str, plan: Plan, client, merged, source: dict, target: dict,
           refuse_writes: str = '', stopwatch: Stopwatch | None = None, ownership=None) -> None:
    """Apply the plan (unless check mode, a blocked guard or ``refuse_writes``), report, exit.

    ``refuse_writes`` is a reason found before planning that makes writing unsafe (missing
    rights): the plan is still reported, nothing is written, the task fails.
    """
    p = cm.params
    outcome = None
    if not cm.check_mode and not plan.blocked and not refuse_writes and plan.writes:
        outcome = apply_plan(client, plan, merged, ownership=ownership)
    if stopwatch is not None:
        stopwatch.lap('apply')
    limits = {k: p[k] for k in GUARD_LIMITS}
    report = build_report(direction, plan, outcome, check_mode=cm.check_mode, source=source, target=target,
                          limits=limits, refused=refuse_writes)
    result = {
        'changed': bool(plan.writes) if cm.check_mode else bool(outcome and outcome.changed),
        'counts': report['counts'],
        'outcome': report['outcome'],
        'samples': samples(plan, p['sample_size']),
        'summary': summary_lines(report, limit=p['sample_size']),
        'guard': report['guard'],
    }
    if p['report_dir']:
        result['report'] = write_report(p['report_dir'], report)
    if stopwatch is not None:
        stopwatch.lap('report')
        result['timings'] = stopwatch.as_dict()
    if cm.module._diff:
        result['diff'] = diff(plan, p['diff_limit'])
    if plan.blocked:
        cm.module.fail_json(msg=f'Deletion guard ({direction}): {plan.blocked}', **result)
    if refuse_writes and plan.writes and not cm.check_mode:
        cm.module.fail_json(msg=f'{direction}: nothing was written: {refuse_writes}', **result)
    if outcome is not None and outcome.aborted is not None:
        result['errors'] = report['errors'][:p['sample_size']]
        cm.module.fail_json(msg=f'{direction}: stopped after {len(outcome.done)} of {len(plan.writes)} writes: '
                                f'{outcome.aborted.message}', **result)
    if outcome is not None and outcome.failed:
        result['errors'] = report['errors'][:p['sample_size']]
        cm.module.fail_json(msg=f'{direction}: {len(outcome.failed)} of {len(plan.writes)} writes were refused by '
                                f'the server (the others were done): {outcome.failed[0][1].message}', **result)
    cm.exit(**result)
