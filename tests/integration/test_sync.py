"""The sync playbook, both directions, as an admin (or AWX) runs it: the collection built and
installed from its tarball (conftest), ansible-playbook coexist.domino_exchange.sync against the
lab. Every report.json is validated against the published schema and its counts against the
directories; the combined report.html is opened in headless Chromium."""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import jsonschema
import yaml
from coexist_lab import lab as lab_control
from lab_helpers import domino_sources, dump_both, ldap3_admin, manifest
from test_report_html import rendered_dom

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / 'docs' / 'report-schema-v1.json').read_text())
DIRECTIONS = ('domino_to_exchange', 'exchange_to_domino')
MARKER = 'coexist.domino_exchange:'


def run_sync(run_playbook, tmp_path, *args, overrides=None, env=None, inventory=None):
    """Run the sync playbook; return (returncode, {direction: report.json}, report dir, output)."""
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    extra = dict(coexist_report_dir=str(report_dir), **(overrides or {}))
    result = run_playbook('coexist.domino_exchange.sync', *args, extra_vars=extra,
                          env=dict({'ANSIBLE_SHOW_CUSTOM_STATS': '1'}, **(env or {})), inventory=inventory)
    reports = {}
    for direction in DIRECTIONS:
        path = report_dir / direction / 'report.json'
        if path.exists():
            reports[direction] = json.loads(path.read_text())
            jsonschema.validate(reports[direction], SCHEMA)
    return result.returncode, reports, report_dir, result.stdout + result.stderr


def owned(lab, side: str) -> int:
    """How many contacts carrying the marker the directory holds in the sync's container."""
    base, attribute = ((lab['ad']['contacts_ou'], 'adminDescription') if side == 'ad'
                       else (lab['domino']['contacts_base'], 'employeeType'))
    conn = ldap3_admin(lab, side)
    found = conn.extend.standard.paged_search(base, f'({attribute}={MARKER}*)', attributes=['1.1'], paged_size=500,
                                              generator=True)
    return sum(1 for e in found if e['type'] == 'searchResEntry')


def test_check_then_real_then_rerun(seeded, run_playbook, tmp_path):
    before = dump_both(seeded)
    rc, check, report_dir, out = run_sync(run_playbook, tmp_path, '--check')
    assert rc == 0, out
    assert dump_both(seeded) == before
    assert set(check) == set(DIRECTIONS) and all(r['mode'] == 'check' for r in check.values())
    # the combined page, in a browser: the counts of both directions
    dom = rendered_dom(report_dir / 'report.html')
    for direction, report in check.items():
        row = re.search(rf'<tr data-direction="{direction}">(.*?)</tr>', dom, re.S).group(1)
        assert dict(re.findall(r'data-count="(\w+)">(\d+)<', row))['create'] == str(report['counts']['create'])
    assert (report_dir / 'summary.txt').read_text().startswith('domino_to_exchange (check mode')
    assert 'coexist_sync' in out and 'CUSTOM STATS' in out

    rc, real, report_dir, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    for direction, side in (('domino_to_exchange', 'ad'), ('exchange_to_domino', 'domino')):
        report = real[direction]
        assert report['mode'] == 'apply' and report['outcome'] == 'ok'
        assert report['counts']['create'] == check[direction]['counts']['create'] == report['counts']['done']
        assert owned(seeded, side) == report['counts']['create']
    # the contacts each direction made are never sources of the other
    assert real['exchange_to_domino']['counts']['sources'] == check['exchange_to_domino']['counts']['sources']
    domino_mailboxes = domino_sources(seeded)         # every kind of recipient (issue 18)
    assert real['domino_to_exchange']['counts']['sources'] == domino_mailboxes

    after = dump_both(seeded)
    rc, again, _report_dir, out = run_sync(run_playbook, tmp_path)
    assert rc == 0, out
    assert re.search(r'localhost\s*:.*changed=0', out)
    assert all(r['operations'] == [] for r in again.values())
    assert again['domino_to_exchange']['counts']['sources'] == domino_mailboxes
    assert dump_both(seeded) == after


def test_credentials_only_from_the_environment(seeded, run_playbook, tmp_path):
    vars_ = lab_control.playbook_vars(seeded)
    env = {}
    for side, prefix in (('coexist_ad', 'COEXIST_AD_'), ('coexist_domino', 'COEXIST_DOMINO_')):
        env[prefix + 'BIND_DN'] = vars_[side].pop('bind_dn')
        env[prefix + 'BIND_PASSWORD'] = vars_[side].pop('bind_password')
    inventory = tmp_path / 'inventory'
    (inventory / 'group_vars').mkdir(parents=True)
    (inventory / 'hosts.yml').write_text((lab_control.STATE_DIR / 'inventory' / 'hosts.yml').read_text())
    (inventory / 'group_vars' / 'all.yml').write_text(yaml.safe_dump(vars_))
    rc, reports, _report_dir, out = run_sync(run_playbook, tmp_path, '--check', env=env, inventory=inventory)
    assert rc == 0, out
    assert all(r['outcome'] == 'ok' and r['counts']['create'] > 200 for r in reports.values())
    assert env['COEXIST_AD_BIND_PASSWORD'] not in out and env['COEXIST_DOMINO_BIND_PASSWORD'] not in out


def test_a_failed_direction_does_not_stop_the_other_and_fails_the_job(seeded, run_playbook, tmp_path):
    broken = dict(lab_control.playbook_vars(seeded)['coexist_domino'], contacts_base='ou=Not There,o=Acme')
    # the site's hook runs before the verdict, also when a direction failed
    hook, seen = tmp_path / 'keep_reports.yml', tmp_path / 'hook-saw.txt'
    hook.write_text(yaml.safe_dump([{'name': 'Note what the sync left', 'ansible.builtin.copy': {
        'dest': str(seen), 'mode': '0644',
        'content': "{{ coexist_sync_report.failed_directions | join(',') }} {{ coexist_sync_report.files.html }}"}}]))
    overrides = {'coexist_domino': broken, 'coexist_sync_post_tasks': str(hook)}
    rc, reports, report_dir, out = run_sync(run_playbook, tmp_path, overrides=overrides)
    assert rc != 0, out
    assert 'exchange_to_domino' not in reports
    assert reports['domino_to_exchange']['outcome'] == 'ok' and owned(seeded, 'ad') > 200     # it still ran
    assert '1 of 2 directions failed: exchange_to_domino' in out and 'OU=Not There/O=Acme' in out
    page = (report_dir / 'report.html').read_text()
    assert 'data-failed="exchange_to_domino"' in page and 'data-direction="domino_to_exchange"' in page
    assert seen.read_text() == f'exchange_to_domino {report_dir / "report.html"}'


def test_a_tripped_guard_and_an_unreachable_directory_fail_with_distinct_messages(seeded, run_playbook, tmp_path):
    assert run_sync(run_playbook, tmp_path)[0] == 0
    domino = ldap3_admin(seeded, 'domino')
    for item in manifest(seeded, 'domino')['categories']['mailboxes'][:12]:
        assert domino.delete(item['dn'])
    rc, reports, _report_dir, out = run_sync(run_playbook, tmp_path, overrides={'coexist_max_deletes': 11})
    assert rc != 0
    assert reports['domino_to_exchange']['outcome'] == 'guard_blocked'
    assert 'domino_to_exchange: Deletion guard (domino_to_exchange): 12 deletes exceed max_deletes (11)' in out
    assert reports['exchange_to_domino']['outcome'] == 'ok'                                # the other ran
    unreachable = dict(lab_control.playbook_vars(seeded)['coexist_ad'], server='ldaps://dc1.corp.example.com:1',
                       connect_timeout=3)
    rc, reports, _report_dir, out = run_sync(run_playbook, tmp_path, overrides={'coexist_ad': unreachable})
    assert rc != 0 and reports == {}
    failure = out.split('TASK [Fail the job')[-1]
    assert '2 of 2 directions failed' in failure and 'ldaps://dc1.corp.example.com:1 is unreachable' in failure
    assert 'check the URI, the port and the firewall' in failure and 'Deletion guard' not in failure
