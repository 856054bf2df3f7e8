# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Turn a plan and its outcome into what people read: the module result (counts and capped
samples), the ``--diff`` output (capped), and the report files (the full plan).

``report.json`` follows a versioned schema: docs/report-schema-v1.json, explained in
docs/docsite/rst/guide_report.rst. Change REPORT_VERSION when a field changes meaning or goes.
Reports never contain connection settings, so no password can reach them.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile

from collections.abc import Iterator, Sequence

from .plan import Plan, guard_counts
from .report_html import write_html

REPORT_SCHEMA = 'coexist.domino_exchange.report'
REPORT_VERSION = 1


def _status_map(outcome) -> dict:
    status = {}
    if outcome is None:
        return status
    for op in outcome.done:
        status[id(op)] = ('done', None)
    for op, error in outcome.failed:
        status[id(op)] = ('failed', error)
    for op in outcome.not_attempted:
        status[id(op)] = ('not_attempted', None)
    for op in getattr(outcome, 'undone', ()):
        status[id(op)] = ('undone', None)
    return status


def supersessions(plan: Plan, states: list) -> list:
    """The plan's superseded contacts, each with what became of it: the status of its delete
    and of the merge's writes (``states``: the report's status of each operation, in the plan's
    order; taken without making the entries, whose creates make their attributes)."""
    by_anchor: dict = {}
    for op, state in zip(plan.operations, states):
        if op.merge_of or (op.kind == 'delete' and op.reason.startswith('superseded')):
            by_anchor.setdefault(op.anchor, []).append((op, state))
    out = []
    for item in plan.supersessions:
        writes = by_anchor.get(item['anchor'], [])
        states = {state for _op, state in writes}
        merges = [state for op, state in writes if op.merge_of]
        deleted = any(op.kind == 'delete' and state == 'done' for op, state in writes)
        if not writes:
            result = 'not planned (its delete is switched off)'
        elif states <= {'planned'}:
            result = 'planned'
        elif states & {'blocked'}:
            result = 'blocked by the guard'
        elif deleted:
            result = 'merged and deleted' if merges else 'deleted'
        elif 'failed' in merges or 'undone' in merges:
            result = 'kept: the merge was refused (see errors)'
        else:
            result = 'kept: its delete failed or was not attempted (see errors)'
        out.append(dict(item, result=result))
    return out


class OperationEntries(Sequence):
    """The report's ``operations``: each entry (``Operation.as_dict()`` with its status and error)
    made when it is read, never all of them at once. A first run of 100,000 held 100,000 entry
    dicts (about 36 MB) beside the plan's operations from build_report until the module exited;
    report.json now writes them one at a time (:func:`write_json`), report.html reads them as it
    goes (issue 17)."""

    def __init__(self, operations: list, status: dict, default: str):
        self._operations = operations
        self._status = status
        self._default = default

    def _entry(self, op) -> dict:
        entry = op.as_dict()
        state, error = self._status.get(id(op), (self._default, None))
        entry['status'] = state
        if error is not None:
            entry['error'] = error.message
        return entry

    def status(self, op) -> str:
        return self._status.get(id(op), (self._default, None))[0]

    def op_kinds(self) -> Iterator[str]:
        """Each entry's ``op`` in order, without making the entries (report.html's tables)."""
        return (op.kind for op in self._operations)

    def __len__(self) -> int:
        return len(self._operations)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._entry(op) for op in self._operations[index]]
        return self._entry(self._operations[index])

    def __iter__(self):
        return (self._entry(op) for op in self._operations)

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, (list, tuple, Sequence)) else NotImplemented

    def __repr__(self) -> str:
        return f'OperationEntries({len(self)} operations)'


def as_json_value(value):
    """``value`` with every :class:`OperationEntries` in it made a list: what json.dumps takes
    (report.json itself is written by :func:`write_json` without making that list)."""
    if isinstance(value, OperationEntries):
        return list(value)
    if isinstance(value, dict):
        return {k: as_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_value(v) for v in value]
    return value


def build_report(direction: str, plan: Plan, outcome, *, check_mode: bool, source: dict, target: dict,
                 limits: dict, refused: str = '', pending: list = (), max_writes: int = 0,
                 progress: str | None = None, lazy: bool = False) -> dict:
    """The whole run as one JSON-serialisable document (schema REPORT_SCHEMA, version REPORT_VERSION).

    ``refused`` is why a real run wrote nothing although the guard allowed it (missing rights).
    ``pending`` are the writes the budget (``max_writes``) leaves for the next run; ``progress``
    the path of the progress file the run wrote. ``lazy``: ``operations`` is an
    :class:`OperationEntries` (the sync modules: report.json written by :func:`write_report` is the
    same, byte for byte), else a list.
    """
    status = _status_map(outcome)
    if not plan.blocked and not (refused and not check_mode):
        for op in pending:
            status[id(op)] = ('pending', None)
    if check_mode:
        default = 'blocked' if plan.blocked else 'planned'
    else:
        default = 'blocked' if plan.blocked or refused else 'not_attempted'
    refused = '' if check_mode or plan.blocked else refused
    entries = OperationEntries(plan.operations, status, default)
    errors = []
    for op in plan.operations:
        error = status.get(id(op), (default, None))[1]
        if error is not None:
            errors.append({'op': op.kind, 'dn': op.dn, 'msg': error.message, 'kind': error.kind})
    states = [entries.status(op) for op in plan.operations]
    counts = plan.counts()
    counts.update(done=len(outcome.done) if outcome else 0, failed=len(outcome.failed) if outcome else 0,
                  not_attempted=states.count('not_attempted'), pending=states.count('pending'))
    superseded = supersessions(plan, states)
    del states
    operations = entries if lazy else list(entries)
    if plan.blocked:
        result = 'guard_blocked'
    elif refused and plan.operations:
        result = 'refused'
    elif outcome is not None and outcome.aborted is not None:
        result = 'aborted'
    elif errors:
        result = 'errors'
    else:
        result = 'ok'
    return {
        'schema': REPORT_SCHEMA,
        'version': REPORT_VERSION,
        'generated': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'direction': direction,
        'mode': 'check' if check_mode else 'apply',
        'outcome': result,
        'source': source,
        'target': target,
        'counts': counts,
        'guard': dict(limits, blocked=bool(plan.blocked), reason=plan.blocked or None, managed=plan.managed,
                      **guard_counts(plan)),
        'refused': refused or None,
        # The write budget: this run's writes and the ones left for the next run.
        'budget': {'max_writes': max_writes or None, 'this_run': len(plan.writes) - counts['pending'],
                   'pending': counts['pending']},
        'progress': os.path.basename(progress) if progress else None,
        'write_connections': outcome.connections if outcome is not None and hasattr(outcome, 'connections') else None,
        'operations': operations,
        'suppressed': [op.as_dict() for op in plan.suppressed],
        'conflicts': plan.conflicts,
        'supersessions': superseded,
        'skips': plan.skips,
        'warnings': plan.warnings,
        'errors': errors,
    }


def summary_lines(report: dict, limit: int = 10) -> list:
    """A short, readable account of the report (the job output shows it)."""
    c = report['counts']
    mode = 'check mode, nothing written' if report['mode'] == 'check' else 'real run'
    kinds = report['source'].get('kinds') or {}
    of_kinds = f" ({', '.join(f'{k} {n}' for k, n in kinds.items())})" if kinds else ''
    lines = [f"{report['direction']} ({mode}): {c['sources']} source mailboxes{of_kinds}, {c['managed']} managed contacts; "
             f"planned: create {c['create']}, update {c['update']}, rename {c['rename']}, delete {c['delete']}; "
             f"{c['unchanged']} unchanged; {c['conflict']} conflicts, {c['skip']} skipped, {c['warning']} warnings"]
    if report['guard']['blocked']:
        lines.append(f"DELETION GUARD, nothing written: {report['guard']['reason']}")
    elif report.get('refused'):
        lines.append(f"NOTHING WRITTEN: {report['refused']}")
    referrals = sorted(set(report['source'].get('skipped_referrals') or []) |
                       set(report['target'].get('skipped_referrals') or []))
    if referrals:
        lines.append(f"referrals not followed (what lives there was not read): {', '.join(referrals[:limit])}")
    if c['suppressed']:
        lines.append(f"{c['suppressed']} operations turned off by allow_* switches")
    if report['mode'] == 'apply' and not report['guard']['blocked'] and not report.get('refused'):
        lines.append(f"written: {c['done']} done, {c['failed']} refused by the server, "
                     f"{c['not_attempted']} not attempted")
    if c.get('pending'):
        budget = report.get('budget') or {}
        verb = 'a real run would leave' if report['mode'] == 'check' else 'left'
        lines.append(f"PENDING: {c['pending']} writes {verb} for the next run (max_writes {budget.get('max_writes')}, "
                     f"{budget.get('this_run')} writes this run); run again until none are pending")
    for title, items, text in (('conflict', report['conflicts'], lambda i: i['reason']),
                               ('superseded', report.get('supersessions', []),
                                lambda i: f"{i['contact']} by {i.get('mailbox') or i['holder']}: {i['result']}"),
                               ('skipped', report['skips'], lambda i: f"{i['source_dn']}: {i['reason']}"),
                               ('error', report['errors'], lambda i: i['msg'])):
        for item in items[:limit]:
            lines.append(f'{title}: {text(item)}')
        if len(items) > limit:
            lines.append(f'... and {len(items) - limit} more {title} entries in the report')
    return lines


def write_text_atomically(directory: str, name: str, text=None, writer=None) -> str:
    """Write ``text`` (or call ``writer(handle)``) to ``directory/name`` through a temporary file
    in the same directory, renamed over the old file: a reader sees the old file or the new
    one, never half of one. Returns the absolute path."""
    path = os.path.join(directory, name)
    handle, temporary = tempfile.mkstemp(prefix=f'.{name}.', dir=directory)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            if writer is not None:
                writer(out)
            else:
                out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return os.path.abspath(path)


def write_json(out, report: dict) -> None:
    """report.json: the report as ``json.dump(report, indent=1, ensure_ascii=False)`` writes it
    (and a newline), but each of the ``operations`` on one line of its own, written one at a time
    (an :class:`OperationEntries` makes each when it is written; json.dumps would first hold every
    piece of the text in one list, about 170 MB more at 20,000 creates, then the whole text).

    One line per operation, by the json module's C encoder: its indenting encoder is pure Python.
    Writing 200,000 create entries took 15.3 s of CPU with it, 4.6 s now, making the entries
    included (issue 17). A line per operation also reads well with grep and diff."""
    encoder = json.JSONEncoder(indent=1, ensure_ascii=False)
    line = json.JSONEncoder(ensure_ascii=False, separators=(', ', ': '))

    def value(item, indent: str) -> None:
        # JSON text has no raw newline but its indentation: nested one level deeper, each line
        # starts ``indent`` further in.
        for chunk in encoder.iterencode(item):
            out.write(chunk.replace('\n', '\n' + indent))

    out.write('{')
    for i, (key, item) in enumerate(report.items()):
        out.write(f'{"," if i else ""}\n {encoder.encode(key)}: ')
        if key == 'operations' and isinstance(item, (OperationEntries, list)):
            if not len(item):
                out.write('[]')
                continue
            out.write('[')
            for j, entry in enumerate(item):
                out.write(',\n  ' if j else '\n  ')
                out.write(line.encode(entry))          # encode(): the C encoder (iterencode is not)
            out.write('\n ]')
        else:
            value(item, ' ')
    out.write('\n}\n' if report else '}\n')


def write_report(directory: str, report: dict) -> dict:
    """Write report.json, report.html and summary.txt into ``directory`` (created if missing)."""
    os.makedirs(directory, exist_ok=True)

    return {
        'report': write_text_atomically(directory, 'report.json', writer=lambda out: write_json(out, report)),
        'html': write_text_atomically(directory, 'report.html', writer=lambda out: write_html(
            out, [report], title=f'coexist.domino_exchange: {report["direction"]}')),
        'summary': write_text_atomically(directory, 'summary.txt', '\n'.join(summary_lines(report, limit=50)) + '\n'),
    }


def samples(plan: Plan, size: int) -> dict:
    """Up to ``size`` DNs per operation kind, and the first conflicts and skips (module result)."""
    out = {kind: [op.new_dn or op.dn if kind == 'rename' else op.dn for op in plan.of_kind(kind)][:size]
           for kind in ('create', 'update', 'rename', 'delete')}
    out['conflicts'] = [c['reason'] for c in plan.conflicts[:size]]
    out['skips'] = [f"{s['source_dn']}: {s['reason']}" for s in plan.skips[:size]]
    return out


def diff(plan: Plan, limit: int) -> list:
    """``--diff`` output: before/after per object, capped at ``limit`` objects plus a count."""
    entries = []
    for op in plan.operations[:limit]:
        if op.kind == 'create':
            before, after = {}, {'dn': op.dn, **dict(op.attrs.items())}
        elif op.kind == 'delete':
            before, after = {'dn': op.dn}, {}
        elif op.kind == 'rename':
            before, after = {'dn': op.dn}, {'dn': op.new_dn}
        else:
            before = {'dn': op.dn, **{a: b for a, (b, _a) in op.changes.items()}}
            after = {'dn': op.dn, **{a: a2 for a, (_b, a2) in op.changes.items()}}
        entries.append({'before_header': f'{op.kind} {op.dn}', 'after_header': f'{op.kind} {op.new_dn or op.dn}',
                        'before': before, 'after': after})
    rest = len(plan.operations) - limit
    if rest > 0:
        entries.append({'before_header': 'more', 'after_header': 'more', 'before': '',
                        'after': f'... and {rest} more operations: see report.json\n'})
    return entries
