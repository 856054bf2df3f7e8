"""supersede: merge in the applier and the report (issue 12, item 3): the writes of one merge stand
or fall together, the contact's delete runs only after all of them, and the report says per
superseded contact what was done. The directory is a stand-in recording each write (the logic of
ordering and taking back, not a server's behaviour: test_supersede.py runs it on the lab)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import report as _report
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    Operation, Plan, changes_addresses, guard_counts)

SCHEMA_PATH = Path(__file__).parents[4] / 'docs' / 'report-schema-v1.json'
CONTACT = 'CN=Jean Dupont,OU=Domino Contacts,DC=corp,DC=example,DC=com'
MAILBOX = 'CN=Jean Dupont 2,OU=Exchange Users,DC=corp,DC=example,DC=com'
GROUPS = ['CN=All Staff,OU=Exchange Users,DC=corp,DC=example,DC=com',
          'CN=Board,OU=Other Users,DC=corp,DC=example,DC=com']
X500 = 'X500:/o=Example Corp/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a1'
MERGED = ['proxyAddresses', 'member']


class RecordingDirectory:
    """Records every write; refuses a modify of the DNs in ``refuse`` (insufficient access)."""

    def __init__(self, refuse=()):
        self.refuse = {dn.lower() for dn in refuse}
        self.writes = []

    def modify(self, dn, changes):
        if dn.lower() in self.refuse:
            raise DirectoryError(f'insufficient access to modify {dn}', kind='access', dn=dn)
        self.writes.append(('modify', dn, list(changes)))

    def delete(self, dn):
        self.writes.append(('delete', dn))

    def search(self, base, filterstr, attrs, scope='subtree'):     # the ownership re-read of a delete
        return []


def merge_plan(refused=''):
    writes = [Operation('update', 'A1', MAILBOX, changes={'proxyAddresses': ([], [X500])}, merge_of='A1',
                        refused=refused)]
    writes += [Operation('update', 'A1', g, changes={'member': ([], [MAILBOX])}, merge_of='A1', requires=('A1',))
               for g in GROUPS]
    delete = Operation('delete', 'A1', CONTACT, reason=f'superseded: its address now belongs to {MAILBOX} (mailbox)',
                       requires=('A1',))
    other = Operation('delete', 'B2', 'CN=Gone,OU=Domino Contacts,DC=corp,DC=example,DC=com', reason='source mailbox gone')
    return Plan(operations=writes + [delete, other], supersessions=[
        {'anchor': 'A1', 'contact': CONTACT, 'holder': f'{MAILBOX} (mailbox)', 'address': 'jean@example.com',
         'mailbox': MAILBOX, 'mode': 'merge', 'legacy_exchange_dn': X500[5:], 'x500': X500,
         'groups': [{'dn': g, 'mailbox': 'to add'} for g in GROUPS], 'missing_rights': [],
         'action': 'merge, then delete'}], managed=2, sources=1)


def test_a_merge_runs_its_writes_then_deletes_the_contact():
    directory = RecordingDirectory()
    plan = merge_plan()
    outcome = apply_plan(directory, plan, MERGED)
    assert not outcome.failed and len(outcome.done) == 5
    # value by value: the X500 value and the member are added, never a replace of the attribute
    assert directory.writes[0] == ('modify', MAILBOX, [('add', 'proxyAddresses', [X500])])
    assert [w[2] for w in directory.writes[1:3]] == [[('add', 'member', [MAILBOX])]] * 2
    assert directory.writes[3] == ('delete', CONTACT)


def test_a_refused_group_write_takes_back_the_merge_and_keeps_the_contact():
    directory = RecordingDirectory(refuse=[GROUPS[1]])
    plan = merge_plan()
    outcome = apply_plan(directory, plan, MERGED)
    # The X500 value and the first group were written, the second group refused: both taken back,
    # newest first; the contact is not deleted; the unrelated delete still runs.
    assert directory.writes == [
        ('modify', MAILBOX, [('add', 'proxyAddresses', [X500])]),
        ('modify', GROUPS[0], [('add', 'member', [MAILBOX])]),
        ('modify', GROUPS[0], [('delete', 'member', [MAILBOX])]),
        ('modify', MAILBOX, [('delete', 'proxyAddresses', [X500])]),
        ('delete', 'CN=Gone,OU=Domino Contacts,DC=corp,DC=example,DC=com')]
    [(refused, error), (kept, why)] = outcome.failed
    assert refused.dn == GROUPS[1] and 'member' in error.message and 'kept' in error.message
    assert 'taken back' in error.message
    assert kept.dn == CONTACT and 'kept' in why.message
    assert [op.dn for op in outcome.undone] == [GROUPS[0], MAILBOX] and outcome.done == [plan.operations[-1]]
    report = _report.build_report('domino_to_exchange', plan, outcome, check_mode=False, source={}, target={},
                                  limits={})
    statuses = [op['status'] for op in report['operations']]
    assert statuses == ['undone', 'undone', 'failed', 'failed', 'done']
    assert report['supersessions'][0]['result'] == 'kept: the merge was refused (see errors)'
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding='utf-8')))
    report['source'], report['target'] = {'directory': 'domino'}, {'directory': 'ad'}
    report['guard'] = dict(blocked=False, reason=None, managed=2, deletes=2, renames=0, address_changes=0,
                           max_deletes=500, max_delete_percent=10.0, max_renames=500, max_rename_percent=10.0,
                           max_address_changes=500, max_address_change_percent=10.0)
    errors = list(validator.iter_errors(json.loads(json.dumps(report))))
    assert not errors, [e.message for e in errors]


def test_a_right_ad_says_is_missing_refuses_the_merge_before_anything_is_sent():
    directory = RecordingDirectory()
    outcome = apply_plan(directory, merge_plan(refused='the sync account may not write member on Board'), MERGED)
    assert directory.writes == [('delete', 'CN=Gone,OU=Domino Contacts,DC=corp,DC=example,DC=com')]
    assert [op.dn for op, _error in outcome.failed] == [MAILBOX] + GROUPS + [CONTACT]
    assert outcome.failed[0][1].message == 'the sync account may not write member on Board'


def test_merge_writes_are_not_address_changes_for_the_guard():
    plan = merge_plan()
    assert not any(changes_addresses(op) for op in plan.operations)
    assert guard_counts(plan)['address_changes'] == 0
