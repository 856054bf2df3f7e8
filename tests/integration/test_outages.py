"""Outages in the middle of a large sync: the directory written to goes away after a number of
writes (triggered by write progress, read back independently through ldap3, never by a sleep).
The run fails naming the directory, no contact is half-written, and the next run converges to
the end state of an uninterrupted run (whole OU dumps compared after dropping what the server
generates: GUIDs, USNs, timestamps)."""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from coexist_lab import bulk
from coexist_lab import lab as lab_control
from lab_helpers import ldap3_admin, run_ansible_playbook

MARKER = 'coexist.domino_exchange:'
BULK = 1200                                       # Domino mailboxes added to the seed: 1,200+ writes to AD
GENERATED = {'objectguid', 'usnchanged', 'usncreated', 'whenchanged', 'whencreated', 'dscorepropagationdata',
             'objectsid', 'replpropertymetadata'}


def start(collections_path, tmp_path, playbook='coexist.domino_exchange.domino_to_exchange', **extra):
    """The playbook started and not waited for (output and errors in ``stdout``)."""
    extra_vars = dict(coexist_report_dir=str(tmp_path / f'reports-{uuid.uuid4().hex[:6]}'), **extra)
    return run_ansible_playbook(collections_path, tmp_path, playbook, extra_vars=extra_vars, wait=False)


def owned_ou(lab) -> dict:
    """The contacts OU's owned contacts, every attribute, minus what the server generates."""
    conn = ldap3_admin(lab, 'ad')
    out = {}
    for e in conn.extend.standard.paged_search(lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*)',
                                               attributes=['*'], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            out[e['dn'].lower()] = {k.lower(): sorted(map(str, v)) for k, v in e['raw_attributes'].items()
                                    if k.lower() not in GENERATED}
    return out


def count_owned(lab) -> int:
    conn = ldap3_admin(lab, 'ad')
    conn.search(lab['ad']['contacts_ou'], f'(adminDescription={MARKER}*)', attributes=['1.1'], paged_size=2000)
    return len(conn.entries)


@pytest.fixture()
def large(seeded):
    """The seed plus 1,200 Domino mailboxes: a first sync with 1,500+ pending AD adds."""
    bulk.seed_bulk_offline(lab_control.directory('domino'), BULK)
    return seeded


def test_samba_stopped_mid_run_fails_clearly_and_the_next_run_converges(large, collections_path, tmp_path):
    lab = large
    # The end state of an uninterrupted run, from the same start (AD restored after it).
    lab_control.snapshot_directory('before-outage', 'ad')
    try:
        process = start(collections_path, tmp_path)
        out = process.communicate(timeout=900)[0]
        assert process.returncode == 0, out[-3000:]
        reference = owned_ou(lab)
        assert len(reference) > 1500
        lab_control.restore_directory('before-outage', 'ad')
        samba = lab_control.directory('ad')
        for kill_at in (200, 900):                   # two points in the run
            process = start(collections_path, tmp_path)
            while count_owned(lab) < kill_at:        # write progress, read back independently
                assert process.poll() is None, 'the run ended before the kill point'
                time.sleep(0.05)
            samba.stop()
            out = process.communicate(timeout=900)[0]
            samba.start()
            assert process.returncode != 0
            assert lab['ad']['server'] in out and ('unreachable' in out or 'timed out' in out), out[-3000:]
            assert 'stopped after' in out                # the writes done are counted, the rest not attempted
            partial = owned_ou(lab)
            assert kill_at <= len(partial) < len(reference)
            # no object half-written: every contact there is exactly the reference's
            assert {dn: partial[dn] == reference.get(dn) for dn in partial} == dict.fromkeys(partial, True)
        process = start(collections_path, tmp_path)
        out = process.communicate(timeout=900)[0]
        assert process.returncode == 0, out[-3000:]
        assert owned_ou(lab) == reference
    finally:
        lab_control.drop_snapshot('before-outage')


def test_a_hung_samba_mid_run_ends_at_the_operation_timeout_and_says_so(large, collections_path, tmp_path):
    lab = large
    samba = lab_control.directory('ad')
    vars_ = lab_control.playbook_vars(lab)
    process = start(collections_path, tmp_path, coexist_ad=dict(vars_['coexist_ad'], timeout=5))
    while count_owned(lab) < 300:
        assert process.poll() is None, 'the run ended before the hang'
        time.sleep(0.05)
    pid = samba.pid()
    os.kill(pid, 19)                                   # SIGSTOP: the server hangs, the socket stays open
    try:
        started = time.monotonic()
        out = process.communicate(timeout=300)[0]
        waited = time.monotonic() - started
    finally:
        os.kill(pid, 18)                               # SIGCONT
    assert process.returncode != 0
    assert 'did not answer within the operation timeout of 5 s' in out and lab['ad']['server'] in out, out[-3000:]
    assert waited < 60                                 # the 5-second operation timeout, not a hang
    assert 'stopped after' in out


def domino_contacts(lab) -> dict:
    """The Domino contacts base's owned contacts, every attribute, minus what the server generates."""
    conn = ldap3_admin(lab, 'domino')
    out = {}
    for e in conn.extend.standard.paged_search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)',
                                               attributes=['*'], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            out[e['dn'].lower()] = {k.lower(): sorted(map(str, v)) for k, v in e['raw_attributes'].items()}
    return out


def adds_logged(lab, since: int) -> int:
    """ADD operations slapd has logged after byte ``since`` of its operation log (cheap to poll:
    slapd adds about 1,000 entries a second, faster than a read-back of the contacts)."""
    with open(lab['domino']['access_log'], 'rb') as log:
        log.seek(since)
        return sum(1 for line in log if b' ADD dn="' in line)


def test_slapd_stopped_mid_run_fails_clearly_and_the_next_run_converges(seeded, collections_path, tmp_path):
    """The other direction: Exchange -> Domino with 1,200 more Exchange mailboxes, the Domino side
    (slapd) stopped after a number of writes, read back independently."""
    from coexist_lab import bulk_ad

    lab = seeded
    bulk_ad.seed_bulk_online(lab_control.directory('ad'), 1200)
    lab_control.snapshot_directory('before-domino-outage', 'domino')
    try:
        process = start(collections_path, tmp_path, 'coexist.domino_exchange.exchange_to_domino')
        out = process.communicate(timeout=900)[0]
        assert process.returncode == 0, out[-3000:]
        reference = domino_contacts(lab)
        assert len(reference) > 1400
        lab_control.restore_directory('before-domino-outage', 'domino')
        slapd = lab_control.directory('domino')
        for kill_at in (300, 700):                       # two points in the run
            log_start = Path(lab['domino']['access_log']).stat().st_size
            process = start(collections_path, tmp_path, 'coexist.domino_exchange.exchange_to_domino')
            while adds_logged(lab, log_start) < kill_at:  # write progress, from the server's own log
                assert process.poll() is None, 'the run ended before the kill point'
                time.sleep(0.01)
            slapd.stop()
            out = process.communicate(timeout=900)[0]
            slapd.start()
            assert process.returncode != 0
            assert lab['domino']['server'] in out and 'stopped after' in out, out[-3000:]
            partial = domino_contacts(lab)
            assert kill_at <= len(partial) < len(reference)
            assert all(partial[dn] == reference.get(dn) for dn in partial)      # nothing half-written
        process = start(collections_path, tmp_path, 'coexist.domino_exchange.exchange_to_domino')
        out = process.communicate(timeout=900)[0]
        assert process.returncode == 0, out[-3000:]
        assert domino_contacts(lab) == reference
    finally:
        lab_control.drop_snapshot('before-domino-outage')
