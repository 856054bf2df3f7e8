# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The progress file: how far a long run's writes are, while it runs.

An Ansible module cannot print to the job output before it returns (its result is one JSON
document at the end), so a first load of 200,000 contacts would show nothing for most of an
hour. The sync writes ``progress.json`` next to its report instead, replaced whole (never half
written) at the start of the writes, every PROGRESS_EVERY_WRITES writes or PROGRESS_EVERY_SECONDS
seconds, whichever comes first, and at the end: writes done, failed, this run's total, the
rate and the estimated end. The report links it; docs/docsite/rst/guide_awx.rst says where to
watch it in AWX.
"""

from __future__ import annotations

import datetime
import json
import os
import time
import typing as t

from .report import write_text_atomically

PROGRESS_FILE = 'progress.json'
PROGRESS_EVERY_WRITES = 500
PROGRESS_EVERY_SECONDS = 10.0


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def progress_state(direction: str, *, done: int, failed: int, total: int, planned: int, pending: int,
                   elapsed: float, now: float, state: str) -> dict:
    """What the progress file says at one moment (pure, for the tests): ``done`` writes attempted
    so far of ``total`` this run, ``pending`` left for the next run, of ``planned`` in the plan."""
    rate = done / elapsed if elapsed > 0 and done else 0.0
    left = max(total - done, 0)
    eta = left / rate if rate else None
    return {
        'direction': direction,
        'state': state,                          # running | finished | stopped (a lost connection)
        'updated': _iso(now),
        'started': _iso(now - elapsed),
        'elapsed_seconds': round(elapsed, 1),
        'attempted': done,
        'failed': failed,
        'total': total,                          # the writes of this run (max_writes)
        'planned': planned,                      # the writes of the whole plan
        'pending_after_run': pending,            # left for the next run
        'percent': round(100.0 * done / total, 1) if total else 100.0,
        'writes_per_second': round(rate, 1),
        'eta_seconds': round(eta) if eta is not None and state == 'running' else None,
        'eta': _iso(now + eta) if eta is not None and state == 'running' else None,
    }


class ProgressFile:
    """The progress callback of apply_plan, writing ``progress.json`` into ``directory``."""

    def __init__(self, directory: str, direction: str, *, total: int, planned: int, pending: int,
                 every_writes: int = PROGRESS_EVERY_WRITES, every_seconds: float = PROGRESS_EVERY_SECONDS,
                 clock: t.Callable[[], float] = time.monotonic, wall: t.Callable[[], float] = time.time):
        os.makedirs(directory, exist_ok=True)
        self.directory, self.direction = directory, direction
        self.total, self.planned, self.pending = total, planned, pending
        self.every_writes, self.every_seconds = every_writes, every_seconds
        self.clock, self.wall = clock, wall
        self.started = clock()
        self.last_written = (self.started, 0)
        self.path = self._write(0, 0, 'running')

    def __call__(self, done: int, total: int, failed: int = 0) -> None:
        at, written = self.last_written
        now = self.clock()
        if done - written >= self.every_writes or now - at >= self.every_seconds:
            self._write(done, failed, 'running')

    def finish(self, done: int, failed: int, stopped: bool = False) -> str:
        return self._write(done, failed, 'stopped' if stopped else 'finished')

    def _write(self, done: int, failed: int, state: str) -> str:
        now = self.clock()
        self.last_written = (now, done)
        body = progress_state(self.direction, done=done, failed=failed, total=self.total, planned=self.planned,
                              pending=self.pending, elapsed=now - self.started, now=self.wall(), state=state)
        return write_text_atomically(self.directory, PROGRESS_FILE, json.dumps(body, indent=1) + '\n')
