"""Two syncs started together against the same servers, and the bind passwords under -vvv and
--diff, in a good run and a failing one (issue: survive concurrency; never print a password)."""
from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter

from coexist_lab import lab as lab_control
from lab_helpers import expected_creates, ldap3_admin, run_ansible_playbook

MARKER = 'coexist.domino_exchange:'


def start_sync(collections_path, tmp_path, *args, extra=None):
    """ansible-playbook coexist.domino_exchange.sync, started and not waited for."""
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    process = run_ansible_playbook(collections_path, tmp_path, 'coexist.domino_exchange.sync', *args,
                                   extra_vars=dict(coexist_report_dir=str(report_dir), **(extra or {})), wait=False)
    return process, report_dir


def anchors(lab, side: str) -> Counter:
    base, attribute = ((lab['ad']['contacts_ou'], 'adminDescription') if side == 'ad'
                       else (lab['domino']['contacts_base'], 'employeeType'))
    conn = ldap3_admin(lab, side)
    found = Counter()
    for e in conn.extend.standard.paged_search(base, f'({attribute}={MARKER}*)', attributes=[attribute], paged_size=500,
                                               generator=True):
        if e['type'] == 'searchResEntry':
            found[e['attributes'][attribute][0] if isinstance(e['attributes'][attribute], list)
                  else e['attributes'][attribute]] += 1
    return found


def test_two_syncs_started_together_leave_the_end_state_of_one(seeded, collections_path, tmp_path):
    runs = [start_sync(collections_path, tmp_path) for _unused in range(2)]
    outputs = [process.communicate(timeout=600)[0] for process, _report_dir in runs]
    for (process, _report_dir), out in zip(runs, outputs):
        assert process.returncode == 0, out                # a race is not an error
    for side in ('ad', 'domino'):
        owned = anchors(seeded, side)
        assert owned and max(owned.values()) == 1, f'{side}: duplicate contacts {[a for a, n in owned.items() if n > 1]}'
    creates = expected_creates(seeded)                      # what one uninterrupted run creates on the seed
    expected = {'ad': creates['domino_to_exchange'], 'domino': creates['exchange_to_domino']}
    assert {side: len(anchors(seeded, side)) for side in expected} == expected
    # They did race: both planned the creates, and the adds the other run had made counted as
    # done. Started together they overlap in the first direction; the second may drift apart
    # (the first ends at different times), so at least one direction must show the overlap.
    overlapped = []
    for direction, count in creates.items():
        done = [json.loads((report_dir / direction / 'report.json').read_text())['counts']['done']
                for _process, report_dir in runs]
        if sum(done) > count:
            overlapped.append(direction)
    assert overlapped, 'the two runs never overlapped: the test did not exercise a race'
    # and a third run finds nothing to do
    process, _report_dir = start_sync(collections_path, tmp_path)
    out = process.communicate(timeout=600)[0]
    assert process.returncode == 0 and 'changed=0' in out, out


def test_no_password_in_output_diffs_or_report_files(seeded, collections_path, tmp_path):
    """The lab's real bind passwords in a good run, and a fresh secret injected as the Domino bind
    password of a run that then fails on it: none appears in the -vvv --diff output or any report
    file, though the output does carry the invocation the passwords were given in (masked)."""
    injected = f'Injected-{secrets.token_hex(12)}'
    real = [seeded['ad']['bind_password'], seeded['domino']['bind_password']]
    process, good_reports = start_sync(collections_path, tmp_path, '-vvv', '--diff')
    good = process.communicate(timeout=600)[0]
    assert process.returncode == 0, good[-3000:]
    wrong = dict(lab_control.playbook_vars(seeded)['coexist_domino'], bind_password=injected)
    process, bad_reports = start_sync(collections_path, tmp_path, '-vvv', '--diff', extra={'coexist_domino': wrong})
    bad = process.communicate(timeout=600)[0]
    assert process.returncode != 0
    assert 'invalid credentials' in bad.lower() or 'bind' in bad.lower(), bad[-3000:]   # it failed on the secret
    written = [p for directory in (good_reports, bad_reports) for p in directory.rglob('*') if p.is_file()]
    assert len(written) >= 7                                # report.json/.html/summary per direction, combined page
    # The searched text is where a leak would be: -vvv prints each module's invocation with its
    # bind_password parameter (masked), so an unmasked password would be on those lines.
    for out in (good, bad):
        assert '"bind_password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in out, 'no invocation in the output'
    for secret in real + [injected]:
        assert secret not in good and secret not in bad
        for path in written:
            assert secret not in path.read_text(encoding='utf-8'), path
