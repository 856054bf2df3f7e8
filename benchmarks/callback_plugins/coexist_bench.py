# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper callback (not part of the collection): appends the result of every
coexist.domino_exchange sync task (timings, counts, outcome, report path) as one JSON line to
the file named by COEXIST_BENCH_RESULT. Enabled by benchmarks/bench_sync.py with
ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED; the normal stdout callback still runs."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: coexist_bench
type: aggregate
short_description: write the sync modules' timings and counts to a JSON lines file (benchmarks)
description:
  - For benchmarks/bench_sync.py only.
requirements:
  - enable in ANSIBLE_CALLBACKS_ENABLED; COEXIST_BENCH_RESULT names the output file
'''

KEPT = ('timings', 'counts', 'outcome', 'changed', 'failed', 'msg', 'report', 'guard')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'coexist_bench'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, failed: bool) -> None:
        task = getattr(result, 'task', None) or getattr(result, '_task', None)
        action = getattr(task, 'action', '') or ''
        if not action.endswith('_contact_sync'):
            return
        data = getattr(result, 'result', None)
        if data is None:
            data = getattr(result, '_result', {})
        line = {k: data.get(k) for k in KEPT if k in data}
        line.update(task=task.get_name(), action=action, failed=failed or bool(data.get('failed')))
        path = os.environ.get('COEXIST_BENCH_RESULT')
        if path:
            with open(path, 'a', encoding='utf-8') as out:
                out.write(json.dumps(line, default=str) + '\n')

    def v2_runner_on_ok(self, result, *args, **kwargs):
        self._record(result, False)

    def v2_runner_on_failed(self, result, *args, **kwargs):
        self._record(result, True)
