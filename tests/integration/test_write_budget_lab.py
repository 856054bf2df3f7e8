"""A first load in several jobs (max_writes, issue 17 item 3) against the lab: the playbook
exchange_to_domino as an admin runs it, the seeded lab, what slapd holds read back through
ldap3 and what report.json, progress.json and the job output say."""
from __future__ import annotations

import json
from pathlib import Path

import lab_helpers
from lab_helpers import ldap3_admin

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.dn import normalize_dn

MARKER = 'coexist.domino_exchange:'
WRITTEN = ('mail', 'mailaddress', 'sn', 'mailsystem')


def owned(lab, values: dict | None = None) -> dict:
    """anchor -> DN of every Person carrying the marker under the contacts base; ``values``, when
    given, gets anchor -> {attribute: values} of the attributes every create writes."""
    conn = ldap3_admin(lab, 'domino')
    found = {}
    for e in conn.extend.standard.paged_search(lab['domino']['contacts_base'], f'(employeeType={MARKER}*)',
                                               attributes=['employeeType', *WRITTEN], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            anchor = str(e['attributes']['employeeType'][0]).rsplit(':', 1)[1]   # prefix[:instance]:anchor
            found[anchor] = e['dn']
            if values is not None:
                values[anchor] = {a: sorted(v.decode() for v in e['raw_attributes'].get(a, [])) for a in WRITTEN}
    return found


def test_a_first_load_in_two_budgeted_runs_converges(seeded, run_playbook, tmp_path):
    rc, first, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino',
                                          overrides={'coexist_max_writes': 7})
    assert rc == 0, out
    creates = [op for op in first['operations'] if op['op'] == 'create']
    assert len(creates) > 7 and len(first['operations']) == len(creates)      # a first load: creates only
    statuses = [op['status'] for op in first['operations']]
    assert statuses == ['done'] * 7 + ['pending'] * (len(creates) - 7)       # the plan's order, cut after 7
    assert first['counts']['pending'] == len(creates) - 7
    assert first['budget'] == {'max_writes': 7, 'this_run': 7, 'pending': len(creates) - 7}
    assert f'PENDING: {len(creates) - 7} writes left for the next run (max_writes 7' in out
    assert set(owned(seeded)) == {op['anchor'] for op in creates[:7]}
    # the progress file beside the report, linked from the page
    report_dir = Path(next(p for p in tmp_path.glob('reports-*'))) / 'exchange_to_domino'
    progress = json.loads((report_dir / 'progress.json').read_text())
    assert progress['state'] == 'finished' and progress['attempted'] == 7 and progress['total'] == 7
    assert progress['pending_after_run'] == len(creates) - 7 and progress['planned'] == len(creates)
    assert 'href="progress.json"' in (report_dir / 'report.html').read_text()

    # the next run does the rest (no budget) on four connections, and a third run finds nothing
    # to do: the contacts are where the serial plan put them (issue 17, item 4)
    rc, second, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino',
                                           overrides={'coexist_write_connections': 4})
    assert rc == 0, out
    assert [op['anchor'] for op in second['operations']] == [op['anchor'] for op in creates[7:]]
    assert {op['status'] for op in second['operations']} == {'done'} and second['counts']['pending'] == 0
    assert 'PENDING' not in out
    assert second['write_connections'] == 4 and first['write_connections'] == 1
    values: dict = {}
    contacts = owned(seeded, values)
    assert set(contacts) == {op['anchor'] for op in creates}
    planned = {op['anchor']: {k.lower(): v for k, v in op['attributes'].items()} for op in creates}
    assert values == {anchor: {a: sorted(planned[anchor].get(a, [])) for a in WRITTEN} for anchor in planned}
    # each contact where the first run's plan put it: the two runs made what one run would
    assert {anchor: normalize_dn(dn) for anchor, dn in contacts.items()} == \
        {op['anchor']: normalize_dn(op['dn']) for op in creates}
    rc, third, out = lab_helpers.run_sync(run_playbook, tmp_path, 'exchange_to_domino', '--check')
    assert rc == 0, out
    assert third['operations'] == [] and third['counts']['pending'] == 0
