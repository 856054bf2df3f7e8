"""Delta runs end to end (architecture.rst "Delta runs"): the exchange_to_domino playbook with
coexist_delta, its watermark kept in Ansible's fact cache (a jsonfile cache here, AWX's fact
storage in production), against the lab's Samba DC and Domino-schema slapd.

One scenario, four playbook runs (CI time): the first run has no watermark and is full (the
"lost watermark" case); a few AD changes (a rename, a new primary address, a deleted mailbox) are
synced by a delta run that reads only them, the deletion found by reading every user's
objectGUID since the sync account may not list CN=Deleted Objects (the probe says so); the lab
then grants it List Contents and Read Property there (Microsoft's KB 892806), and the next
delta finds a deletion from the tombstones, without that read; a run whose cached watermark
carries another invocationId (another DC, or this one restored) is full, in check mode, and plans
nothing, which is also the check that the deltas left what a full run wants.
"""
from __future__ import annotations

import json
import uuid

from coexist_lab import lab as lab_control  # the lab's own package (lab/pyproject.toml)
from lab_helpers import ldap3_admin, routable_ad_mailbox

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.connection import connection_settings
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.read_only import ReadOnlyDirectory
from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import (
    check_delta_deletions, read_only)

MARKER = 'coexist.domino_exchange:'


def run(run_playbook, tmp_path, cache, *args, overrides=None):
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    extra = {'coexist_report_dir': str(report_dir), 'coexist_delta': True}
    extra.update(overrides or {})
    env = {'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(cache)}
    result = run_playbook('coexist.domino_exchange.exchange_to_domino', *args, extra_vars=extra, env=env)
    path = report_dir / 'exchange_to_domino' / 'report.json'
    report = json.loads(path.read_text()) if path.exists() else None
    return result.returncode, report, result.stdout + result.stderr


def untagged(value):
    """A value as ansible-core's jsonfile cache keeps it, without its origin tags."""
    if isinstance(value, dict):
        if '__ansible_type' in value and 'value' in value:
            return untagged(value['value'])
        return {k: untagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untagged(v) for v in value]
    return value


def cached_watermark(cache):
    """The watermark the playbook left in the fact cache (one file for localhost; ansible-core
    2.19 wraps the facts in a tagged payload)."""
    files = sorted(cache.glob('*localhost'))
    assert len(files) == 1, files
    data = json.loads(files[0].read_text())
    facts = json.loads(data['__payload__']) if '__payload__' in data else data
    return untagged(facts)['coexist_exchange_to_domino_watermark']


def validate_deletions(lab) -> dict:
    """validate's 'AD: deletions for delta runs' line, probed as the sync account (read-only)."""
    params = dict(lab_control.playbook_vars(lab)['coexist_ad'], validate_certs=True, start_tls=False,
                  allow_plaintext_bind=False, timeout=30, connect_timeout=5, page_size=1000, sasl_mech=None)
    with LdapClient(connection_settings('ad', read_only(params))) as client:
        [check] = check_delta_deletions(ReadOnlyDirectory(client))
    return check.as_dict()


def contacts(lab) -> dict:
    """anchor -> (DN, mail) of every Person carrying the marker under the contacts base."""
    conn = ldap3_admin(lab, 'domino')
    conn.search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)', attributes=['employeeType', 'mail'])
    return {str(e.employeeType).rsplit(':', 1)[1]: (e.entry_dn, str(e.mail)) for e in conn.entries}


def test_delta_runs_sync_changes_and_distrust_a_watermark_of_another_dc(seeded, run_playbook, tmp_path):
    cache = tmp_path / 'facts'
    rc, report, out = run(run_playbook, tmp_path, cache)
    assert rc == 0, out
    assert report['source']['run']['kind'] == 'full' and 'no watermark' in report['source']['run']['why']
    first = cached_watermark(cache)
    first_count = report['source']['mailboxes']
    assert first['usn'] > 0 and first['invocation_id'] and first['time'] == first['full_time']
    before = contacts(seeded)

    # mailboxes with a routing proxy: the others have no contact to follow (issue 12, item 5)
    renamed, readdressed, deleted = (routable_ad_mailbox(seeded, 'user_mailboxes', i) for i in (1, 2, 3))
    ad = ldap3_admin(seeded, 'ad')
    ad.modify(renamed['dn'], {'displayName': [('MODIFY_REPLACE', ['Delta Renamed Person'])]})
    new_mail = f'delta.{uuid.uuid4().hex[:6]}@example.com'
    ad.modify(readdressed['dn'], {'mail': [('MODIFY_REPLACE', [new_mail])],
                                  'proxyAddresses': [('MODIFY_DELETE', [f'SMTP:{readdressed["mail"]}']),
                                                     ('MODIFY_ADD', [f'SMTP:{new_mail}', f'smtp:{readdressed["mail"]}'])]})
    ad.delete(deleted['dn'])

    rc, report, out = run(run_playbook, tmp_path, cache)
    assert rc == 0, out
    source = report['source']
    assert source['run']['kind'] == 'delta', source['run']
    # Only the changes were read in full: two users changed (the deleted one is found missing
    # from the objectGUIDs read, one attribute per user: the sync account may not list the
    # tombstones, and the probe says so); planned: those and the anchors the first run left in
    # conflict or skipped (retried).
    assert source['changed_users'] == 2 and source['changed'] == 3, source
    assert source['deletions']['via'] == 'every user' and 'cannot read the Deleted Objects' in \
        source['deletions']['why'] and source['users'] > first_count, source
    assert validate_deletions(seeded)['status'] == 'info'
    assert source['planned'] <= 2 + len(first['unresolved']) < first_count, (source, len(first['unresolved']))
    ops = {(op['op'], op['anchor']) for op in report['operations']}
    assert ops == {('rename', renamed['guid']), ('update', readdressed['guid']), ('delete', deleted['guid'])}, ops
    after = contacts(seeded)
    assert after[renamed['guid']][0].startswith('cn=Delta Renamed Person,') or \
        after[renamed['guid']][0].startswith('CN=Delta Renamed Person,')
    assert after[readdressed['guid']][1] == new_mail and deleted['guid'] not in after
    assert {a: v for a, v in after.items() if a not in (renamed['guid'], readdressed['guid'])} == \
        {a: v for a, v in before.items() if a not in (renamed['guid'], readdressed['guid'], deleted['guid'])}
    second = cached_watermark(cache)
    assert second['usn'] > first['usn'] and second['full_time'] == first['full_time']

    # With List Contents and Read Property on CN=Deleted Objects, a deletion comes from the
    # tombstones since the watermark: no objectGUID of every user is read.
    lab_control.directory('ad').grant_sync_deleted_objects()
    assert validate_deletions(seeded)['status'] == 'pass'
    gone = routable_ad_mailbox(seeded, 'user_mailboxes', 4)
    ad.delete(gone['dn'])
    rc, report, out = run(run_playbook, tmp_path, cache)
    assert rc == 0, out
    source = report['source']
    assert source['run']['kind'] == 'delta', source['run']
    assert source['deletions']['via'] == 'tombstones' and source['deletions']['found'] >= 1, source
    assert 'users' not in source and source['changed_users'] == 0, source
    assert {(op['op'], op['anchor']) for op in report['operations']} == {('delete', gone['guid'])}, report['operations']
    after = contacts(seeded)
    assert gone['guid'] not in after and len(after) == len(before) - 2
    second = cached_watermark(cache)

    # The same watermark, as if written by another DC (or this one restored): a full run, which
    # finds nothing left to do after the delta.
    other_dc = dict(second, invocation_id=str(uuid.uuid4()))
    rc, report, out = run(run_playbook, tmp_path, cache, '--check',
                          overrides={'coexist_exchange_to_domino_watermark': other_dc})
    assert rc == 0, out
    assert report['source']['run']['kind'] == 'full'
    assert 'another domain controller database' in report['source']['run']['why']
    assert report['operations'] == [] and report['counts']['managed'] == len(after), report['counts']
