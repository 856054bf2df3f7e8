#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: sync_report
short_description: One report for a sync run of both directions
version_added: 0.1.0
description:
  - Reads the C(report.json) files the sync modules wrote in this run and writes one combined
    C(report.html) and C(summary.txt) into O(report_dir), with a banner for every direction that
    failed, also one that failed before it could plan (an unreachable directory, a failed
    preflight).
  - Returns what a scheduler acts on (outcome and counts per direction, which directions failed),
    ready for M(ansible.builtin.set_stats), so AWX keeps it with the job after the job's files
    are gone.
  - Used by the C(coexist.domino_exchange.sync) playbook; it reads and writes files on the
    controller only and never connects to a directory.
author: coexist.domino_exchange contributors (@coexist)
options:
  report_dir:
    description: Where to write the combined C(report.html) and C(summary.txt). Created if missing.
    type: path
    required: true
  reports:
    description:
      - The C(report.json) files written in this run, one per direction that got as far as a plan
        (the C(report.report) value a sync module returns).
    type: list
    elements: path
    default: []
  failures:
    description:
      - Direction name to the reason it failed, for every direction that failed (its task or its
        preflight). A direction listed here and in O(reports) shows both.
    type: dict
    default: {}
  summary_limit:
    description: How many conflicts, skips and errors per direction the summary lines show.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description: Writes the report files in check mode too; they are the check-mode report.
  diff_mode:
    support: none
    description: Nothing in a directory changes.
seealso:
  - module: coexist.domino_exchange.ad_contact_sync
  - module: coexist.domino_exchange.domino_contact_sync
'''

EXAMPLES = r'''
- name: One report for both directions
  coexist.domino_exchange.sync_report:
    report_dir: "{{ coexist_report_dir }}"
    reports: "{{ [d2e.report.report | default(''), e2d.report.report | default('')] | select | list }}"
    failures: "{{ coexist_sync_failures }}"
  register: combined

- name: Keep the outcome with the AWX job
  ansible.builtin.set_stats:
    data:
      coexist_sync: "{{ combined.stats }}"
'''

RETURN = r'''
stats:
  description: Per direction, what a scheduler or a notification acts on. Small, for set_stats.
  returned: always
  type: dict
  sample:
    domino_to_exchange: {outcome: ok, mode: apply, create: 3, update: 1, rename: 0, delete: 0, conflict: 2, skip: 1,
                         failed: 0, report: /runner/project/coexist-reports/domino_to_exchange/report.json}
    exchange_to_domino: {outcome: failed, message: "Domino server ldaps://domino1.example.com:636 is unreachable"}
failed_directions:
  description: The directions that failed, in run order.
  returned: always
  type: list
  elements: str
  sample: [exchange_to_domino]
summary:
  description: The summary lines of every direction (capped per O(summary_limit)), then one line per failure.
  returned: always
  type: list
  elements: str
files:
  description: Paths of the combined report files.
  returned: always
  type: dict
  sample: {html: /runner/project/coexist-reports/report.html, summary: /runner/project/coexist-reports/summary.txt}
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.engine.report import summary_lines, write_text_atomically
from ..module_utils.engine.report_html import render_html

ORDER = ['domino_to_exchange', 'exchange_to_domino']   # the classic run-profile order


def main():
    module = AnsibleModule(argument_spec={
        'report_dir': {'type': 'path', 'required': True},
        'reports': {'type': 'list', 'elements': 'path', 'default': []},
        'failures': {'type': 'dict', 'default': {}},
        'summary_limit': {'type': 'int', 'default': 10},
    }, supports_check_mode=True)
    p = module.params
    reports = []
    for path in p['reports']:
        try:
            with open(path, encoding='utf-8') as handle:
                reports.append((path, json.load(handle)))
        except (OSError, ValueError) as exc:
            module.fail_json(msg=f'Cannot read the report {path}: {exc}')
    reports.sort(key=lambda item: ORDER.index(item[1]['direction']) if item[1]['direction'] in ORDER else len(ORDER))
    failures = {str(k): str(v) for k, v in p['failures'].items() if v}
    stats, lines = {}, []
    for path, report in reports:
        c = report['counts']
        stats[report['direction']] = {
            'outcome': report['outcome'], 'mode': report['mode'], 'report': path,
            **{k: c.get(k, 0) for k in ('sources', 'create', 'update', 'rename', 'delete', 'conflict', 'skip',
                                        'warning', 'done', 'failed', 'not_attempted', 'pending')}}
        lines += summary_lines(report, limit=p['summary_limit'])
    for direction, message in failures.items():
        stats.setdefault(direction, {'outcome': 'failed'})
        stats[direction]['message'] = message
        lines.append(f'{direction} FAILED: {message}')
    failed = [d for d in ORDER + sorted(set(failures) - set(ORDER)) if d in failures]
    directory = p['report_dir']
    os.makedirs(directory, exist_ok=True)
    for path, report in reports:
        if report.get('progress'):
            # The direction's progress file sits beside its report.json: the link from this page.
            report['progress_href'] = os.path.relpath(os.path.join(os.path.dirname(os.path.abspath(path)),
                                                                   report['progress']), os.path.abspath(directory))
    files = {
        'html': write_text_atomically(directory, 'report.html',
                                      render_html([r for _path, r in reports], failures=failures)),
        'summary': write_text_atomically(directory, 'summary.txt', '\n'.join(lines) + '\n'),
    }
    module.exit_json(changed=False, stats=stats, failed_directions=failed, summary=lines, files=files)


if __name__ == '__main__':
    main()
