"""Writes that race with another run of the same sync: what the directory holds decides whether a
refused write was already done (carry on) or is a real per-object error."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import Ownership, apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Operation, Plan

PREFIX = 'coexist.domino_exchange:'
OWNERSHIP = Ownership('employeeType', lambda v: v[len(PREFIX):] if v.startswith(PREFIX) else '')


class RacedDirectory:
    """What the other run left: ``entries`` (DN -> marker value); every write is refused the way
    the directory refuses it after that run."""

    def __init__(self, entries: dict):
        self.entries = {dn.lower(): marker for dn, marker in entries.items()}

    def search(self, base, filterstr, attrs, scope='subtree'):
        if base.lower() not in self.entries:
            raise DirectoryError('no such object', kind='no_such_object')
        return [Entry(base, {'employeeType': [self.entries[base.lower()]]})]

    def add(self, dn, attrs):
        raise DirectoryError(f'{dn} already exists', kind='already_exists')

    def delete(self, dn):
        raise DirectoryError(f'{dn} does not exist', kind='no_such_object')

    def rename(self, dn, new_rdn, new_parent=None, delete_old_rdn=True):
        raise DirectoryError(f'{dn} does not exist', kind='no_such_object')


def run(directory, op):
    return apply_plan(directory, Plan(operations=[op]), [], ownership=OWNERSHIP)


def test_an_add_the_other_run_made_counts_as_done():
    outcome = run(RacedDirectory({'cn=A,ou=X': f'{PREFIX}A1'}), Operation('create', 'A1', 'cn=A,ou=X'))
    assert [op.anchor for op in outcome.done] == ['A1'] and not outcome.failed


@pytest.mark.parametrize('marker', [f'{PREFIX}OTHER', 'someone else'])
def test_an_add_that_meets_another_object_is_a_per_object_error(marker):
    outcome = run(RacedDirectory({'cn=A,ou=X': marker}), Operation('create', 'A1', 'cn=A,ou=X'))
    assert not outcome.done and outcome.failed[0][1].kind == 'already_exists' and outcome.aborted is None


def test_a_delete_of_what_is_already_gone_counts_as_done():
    assert run(RacedDirectory({}), Operation('delete', 'A1', 'cn=A,ou=X')).done


def test_a_rename_the_other_run_made_counts_as_done_and_one_to_another_place_does_not():
    done = run(RacedDirectory({'cn=B,ou=X': f'{PREFIX}A1'}), Operation('rename', 'A1', 'cn=A,ou=X', new_dn='cn=B,ou=X'))
    assert done.done and not done.failed
    elsewhere = run(RacedDirectory({'cn=C,ou=X': f'{PREFIX}A1'}), Operation('rename', 'A1', 'cn=A,ou=X', new_dn='cn=B,ou=X'))
    assert not elsewhere.done and elsewhere.failed


def test_without_ownership_a_refused_write_stays_an_error():
    outcome = apply_plan(RacedDirectory({'cn=A,ou=X': f'{PREFIX}A1'}), Plan(operations=[Operation('create', 'A1', 'cn=A,ou=X')]), [])
    assert outcome.failed and not outcome.done


class ReplacedDirectory(RacedDirectory):
    """Someone put another object where the contact was, after the run read the container."""

    def delete(self, dn):
        raise AssertionError('the replaced object was deleted')

    def rename(self, dn, new_rdn, new_parent=None, delete_old_rdn=True):
        raise AssertionError('the replaced object was renamed')


@pytest.mark.parametrize('op', [Operation('delete', 'A1', 'cn=A,ou=X'),
                                Operation('rename', 'A1', 'cn=A,ou=X', new_dn='cn=B,ou=X')])
def test_deletes_and_renames_re_read_first_and_never_touch_what_is_no_longer_ours(op):
    outcome = run(ReplacedDirectory({'cn=A,ou=X': 'made by hand'}), op)
    assert not outcome.done and outcome.failed[0][1].kind == 'changed'
