"""The report: build_report() against docs/report-schema-v1.json, the summary, the capped diff and
samples, the report files, and that no password can reach a report.

Pure: plans come from the real planner with the real AD contact profile, outcomes are small fakes
with the attributes apply_plan's Outcome has; no server is involved.
"""
from __future__ import annotations

import gc
import html.parser
import inspect
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import report as _report
from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects.ad import AdContactProfile
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report_html import (
    COUNT_COLUMNS, _tables, render_html, write_html)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    Limits, OwnedContact, SourceRecord, plan)

SCHEMA_PATH = Path(__file__).parents[4] / 'docs' / 'report-schema-v1.json'

OU = 'OU=Domino Contacts,DC=corp,DC=example,DC=com'
ORG = 'CN=Acme,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=com'
GAL = f'CN=Default Global Address List,CN=All Global Address Lists,CN=Address Lists Container,{ORG}'
ALL_CONTACTS = f'CN=All Contacts,CN=All Address Lists,CN=Address Lists Container,{ORG}'
PROFILE = AdContactProfile(contacts_ou=OU, shared_domain='example.com', domino_routing_domain='domino.example.com',
                           exchange_routing_domain='exchange.example.com', organisation='Acme',
                           address_lists=(GAL, ALL_CONTACTS),
                           attribute_map=(('title', 'title'), ('telephoneNumber', 'telephonenumber')))
LIMITS = {'max_deletes': 500, 'max_delete_percent': 10.0}

# What the module puts in source/target (ad_contact_sync.read_sources / main): no credentials.
SOURCE = {'directory': 'domino', 'server': 'ldaps://domino1.example.com:1636', 'base': '', 'mailboxes': 8,
          'persons': 9, 'not_mailboxes': {'no mail file': 1}}
TARGET = {'directory': 'ad', 'server': 'ldaps://dc1.corp.example.com', 'container': OU, 'organisation': 'Acme',
          'address_lists': [GAL, ALL_CONTACTS],
          'rights': {'checked': True, 'can_create_contacts': True},
          'foreign_objects': [{'dn': f'CN=Manual Contact,{OU}', 'objectClass': ['contact']}], 'global_catalog': True}

A_RENE = 'A0000000000000000000000000000001'
A_RENE2 = 'B0000000000000000000000000000002'
A_KEEP = 'C0000000000000000000000000000003'
A_RENAMED = 'D0000000000000000000000000000004'
A_GONE = 'E0000000000000000000000000000005'
A_MIGRATED = 'F0000000000000000000000000000006'
A_BAD = '10000000000000000000000000000007'
A_TWIN1 = '20000000000000000000000000000008'
A_TWIN2 = '30000000000000000000000000000009'
A_LONG = '4000000000000000000000000000000A'


def source(anchor, name, mail, alias, **kw):
    given, _space, surname = name.partition(' ')
    return SourceRecord(anchor=anchor, dn=f'cn={name},o=Acme', display_name=name, mail=mail, given_name=given,
                        surname=surname, alias=alias, fields=kw.pop('fields', {'title': 'Engineer'}), **kw)


def contact(anchor, name, mail, alias, **attrs):
    """An owned contact as the sync left it (plus whatever ``attrs`` override)."""
    rec = source(anchor, name, mail, alias)
    values = PROFILE.desired(rec, alias)
    values.update(PROFILE.marker(anchor))
    values.update(attrs)
    return OwnedContact(dn=PROFILE.dn_for(name), anchor=anchor, attrs=values)


def sources():
    return [
        source(A_RENE, 'René Dupont', 'rene.dupont@example.com', 'rdupont'),       # create; accent twin of the next
        source(A_RENE2, 'Rene Dupont', 'rene.dupont2@example.com', 'rdupont2'),   # create
        source(A_KEEP, 'Kim Keep', 'kim.keep@example.com', 'kkeep', fields={'title': 'Director'}),   # update
        source(A_RENAMED, 'Lou New', 'lou@example.com', 'lou'),                  # rename
        source(A_MIGRATED, 'Max Moved', 'max@example.com', 'max'),               # held by a mailbox: conflict, delete
        source(A_BAD, 'Bad Address', 'not-an-address', 'bad'),                   # skip
        source(A_TWIN1, 'Tina One', 'desk@example.com', 'desk1'),                # claimed twice: conflict + skip
        source(A_TWIN2, 'Tom Two', 'desk@example.com', 'desk2'),
        source(A_LONG, 'Len Long', 'len@example.com', 'len', fields={'title': 'T' * 200}),   # warning
    ]


def owned():
    return [
        contact(A_KEEP, 'Kim Keep', 'kim.keep@example.com', 'kkeep',
                proxyAddresses=['SMTP:kim.keep@example.com', 'smtp:kkeep@domino.example.com', 'X500:/o=Acme/cn=kk']),
        contact(A_RENAMED, 'Lou Old', 'lou@example.com', 'lou'),
        contact(A_GONE, 'Gus Gone', 'gus@example.com', 'gus'),
        contact(A_MIGRATED, 'Max Moved', 'max@example.com', 'max'),
    ]


FOREIGN = {'max@example.com': 'CN=Max Moved,OU=Exchange Users,DC=corp,DC=example,DC=com (user)'}


def make_plan(limits=Limits(), srcs=None, own=None):
    return plan(sources() if srcs is None else srcs, owned() if own is None else own, FOREIGN,
                ['Manual Contact'], PROFILE, limits, foreign_aliases=['someone'])


@dataclass
class FakeOutcome:
    """What build_report reads of apply_plan's Outcome."""
    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)            # (Operation, DirectoryError)
    not_attempted: list = field(default_factory=list)
    aborted: object = None


@pytest.fixture(scope='module')
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding='utf-8'))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def build(the_plan, outcome=None, check_mode=False, limits=None):
    return _report.build_report('domino_to_exchange', the_plan, outcome, check_mode=check_mode, source=dict(SOURCE),
                                target=dict(TARGET), limits=dict(limits or LIMITS))


def valid(validator, report):
    """The report as a reader of report.json sees it, checked against the schema."""
    as_json = json.loads(json.dumps(report))
    errors = sorted(validator.iter_errors(as_json), key=lambda e: list(e.path))
    assert not errors, '\n'.join(f'{list(e.path)}: {e.message}' for e in errors)
    return as_json


# --- the plan the tests share covers every kind of entry ---

def test_the_plan_has_every_kind_of_entry():
    p = make_plan()
    kinds = {op.kind for op in p.operations}
    assert kinds == {'create', 'update', 'rename', 'delete'}
    assert p.conflicts and p.skips and p.warnings and not p.blocked
    assert any(op.reason.startswith('superseded') for op in p.of_kind('delete'))


# --- build_report and the schema ---

def test_check_mode_report(validator):
    p = make_plan()
    report = valid(validator, build(p, check_mode=True))
    assert report['schema'] == 'coexist.domino_exchange.report' and report['version'] == _report.REPORT_VERSION == 1
    assert report['mode'] == 'check' and report['outcome'] == 'ok'
    assert {op['status'] for op in report['operations']} == {'planned'}
    assert [op['op'] for op in report['operations']] == [op.kind for op in p.operations]
    counts = report['counts']
    assert counts['done'] == counts['failed'] == counts['not_attempted'] == 0
    assert {k: counts[k] for k in ('create', 'update', 'rename', 'delete')} == \
        {k: len(p.of_kind(k)) for k in ('create', 'update', 'rename', 'delete')}
    assert counts['conflict'] == len(report['conflicts']) and counts['skip'] == len(report['skips'])
    assert counts['warning'] == len(report['warnings']) == 1
    assert report['guard'] == {'max_deletes': 500, 'max_delete_percent': 10.0, 'blocked': False, 'reason': None,
                               'managed': 4, 'deletes': len(p.of_kind('delete')), 'renames': len(p.of_kind('rename')),
                               'address_changes': 1}
    assert report['errors'] == [] and report['suppressed'] == []
    assert report['source'] == SOURCE and report['target'] == TARGET
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', report['generated'])


def test_create_carries_the_whole_profile(validator):
    report = valid(validator, build(make_plan(), check_mode=True))
    create = next(op for op in report['operations'] if op['op'] == 'create' and op['anchor'] == A_RENE)
    attrs = create['attributes']
    assert attrs['objectClass'] == ['top', 'person', 'organizationalPerson', 'contact']
    assert attrs['adminDescription'] == [f'coexist.domino_exchange:{A_RENE}']
    assert attrs['legacyExchangeDN'] == [f'/o=Acme/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/'
                                         f'cn=Recipients/cn={A_RENE.lower()}']
    # Accent twins: both names suffixed with the first 8 hex characters of their anchors.
    assert attrs['cn'] == [f'René Dupont ({A_RENE[:8].lower()})']
    assert create['dn'] == PROFILE.dn_for(attrs['cn'][0])


def test_apply_report_with_failures(validator):
    p = make_plan()
    failing = p.operations[1]
    error = DirectoryError('CN=x: constraint violation (test)', kind='constraint', server='ldaps://dc1', dn=failing.dn)
    outcome = FakeOutcome(done=[op for op in p.operations if op is not failing], failed=[(failing, error)])
    report = valid(validator, build(p, outcome))
    assert report['mode'] == 'apply' and report['outcome'] == 'errors'
    statuses = [op['status'] for op in report['operations']]
    assert statuses[1] == 'failed' and statuses.count('done') == len(p.operations) - 1
    assert report['operations'][1]['error'] == error.message
    assert all('error' not in op for i, op in enumerate(report['operations']) if i != 1)
    assert report['errors'] == [{'op': failing.kind, 'dn': failing.dn, 'msg': error.message, 'kind': 'constraint'}]
    assert report['counts']['done'] == len(p.operations) - 1 and report['counts']['failed'] == 1
    assert report['counts']['not_attempted'] == 0


def test_apply_report_aborted(validator):
    p = make_plan()
    lost = DirectoryError('ldaps://dc1: server unreachable (test)', kind='unreachable')
    outcome = FakeOutcome(done=p.operations[:1], failed=[(p.operations[1], lost)], not_attempted=p.operations[2:],
                          aborted=lost)
    report = valid(validator, build(p, outcome))
    assert report['outcome'] == 'aborted'
    assert [op['status'] for op in report['operations']] == \
        ['done', 'failed'] + ['not_attempted'] * (len(p.operations) - 2)
    assert report['counts']['not_attempted'] == len(p.operations) - 2
    assert report['errors'][0]['kind'] == 'unreachable'


def test_apply_report_without_writes(validator):
    """A real run with nothing to write: no outcome at all."""
    p = make_plan(srcs=[source(A_KEEP, 'Kim Keep', 'kim.keep@example.com', 'kkeep')],
                  own=[contact(A_KEEP, 'Kim Keep', 'kim.keep@example.com', 'kkeep')])
    assert p.operations == [] and p.unchanged == 1
    report = valid(validator, build(p, None))
    assert report['outcome'] == 'ok' and report['operations'] == [] and report['counts']['unchanged'] == 1


def test_guard_blocked_report(validator):
    p = make_plan(Limits(max_deletes=0))
    assert p.blocked and p.writes == []
    for check_mode in (True, False):
        report = valid(validator, build(p, check_mode=check_mode, limits={'max_deletes': 0,
                                                                          'max_delete_percent': 10.0}))
        assert report['outcome'] == 'guard_blocked'
        assert {op['status'] for op in report['operations']} == {'blocked'}
        assert report['guard']['blocked'] is True and report['guard']['reason'] == p.blocked
        assert report['guard']['max_deletes'] == 0


def test_suppressed_operations(validator):
    p = make_plan(Limits(allow_delete=False, allow_create=False))
    report = valid(validator, build(p, check_mode=True))
    assert {op['op'] for op in report['suppressed']} == {'create', 'delete'}
    assert all('status' not in op for op in report['suppressed'])
    assert report['counts']['suppressed'] == len(report['suppressed'])
    assert report['counts']['delete'] == report['counts']['create'] == 0


def test_schema_is_not_vacuous(validator):
    """The schema refuses what build_report never writes."""
    good = json.loads(json.dumps(build(make_plan(), check_mode=True)))
    assert validator.is_valid(good)
    broken = [
        lambda r: r.update(surprise=1),
        lambda r: r.pop('errors'),
        lambda r: r.update(mode='dry-run'),
        lambda r: r.update(outcome='fine'),
        lambda r: r.update(version=2),
        lambda r: r['counts'].update(create=-1),
        lambda r: r['guard'].update(extra=True),
        lambda r: r['operations'][0].update(status='skipped'),
        lambda r: r['operations'][0].update(op='move'),
        lambda r: r['operations'][0].update(error='only failed operations carry one'),
        lambda r: r['conflicts'][0].pop('holder'),
        lambda r: r['skips'][0].update(contact=3),
    ]
    for index, breaking in enumerate(broken):
        report = json.loads(json.dumps(good))
        breaking(report)
        assert not validator.is_valid(report), f'change {index} was accepted'
    # Operation shapes: a create without attributes, a rename without new_dn.
    report = json.loads(json.dumps(good))
    create = next(op for op in report['operations'] if op['op'] == 'create')
    del create['attributes']
    assert not validator.is_valid(report)
    report = json.loads(json.dumps(good))
    rename = next(op for op in report['operations'] if op['op'] == 'rename')
    del rename['new_dn']
    assert not validator.is_valid(report)


# --- the summary ---

def test_summary_check_mode_wording():
    p = make_plan()
    lines = _report.summary_lines(build(p, check_mode=True))
    c = p.counts()
    assert lines[0] == (f"domino_to_exchange (check mode, nothing written): {c['sources']} source mailboxes, "
                        f"{c['managed']} managed contacts; planned: create {c['create']}, update {c['update']}, "
                        f"rename {c['rename']}, delete {c['delete']}; {c['unchanged']} unchanged; "
                        f"{c['conflict']} conflicts, {c['skip']} skipped, {c['warning']} warnings")
    assert not any(line.startswith('written: ') for line in lines)
    assert not any('DELETION GUARD' in line for line in lines)
    assert sum(line.startswith('conflict: ') for line in lines) == len(p.conflicts)
    assert sum(line.startswith('skipped: ') for line in lines) == len(p.skips)


def test_summary_apply_mode_wording():
    p = make_plan()
    failing = p.operations[0]
    outcome = FakeOutcome(done=p.operations[1:], failed=[(failing, DirectoryError('refused (test)', kind='access'))])
    lines = _report.summary_lines(build(p, outcome))
    assert lines[0].startswith('domino_to_exchange (real run): ') and '; planned: create ' in lines[0]
    assert f'written: {len(p.operations) - 1} done, 1 refused by the server, 0 not attempted' in lines
    assert 'error: refused (test)' in lines


def test_summary_guard_suppressed_and_limit():
    p = make_plan(Limits(max_deletes=0, allow_create=False))
    lines = _report.summary_lines(build(p, check_mode=True), limit=1)
    assert f'DELETION GUARD, nothing written: {p.blocked}' in lines
    assert f'{len(p.suppressed)} operations turned off by allow_* switches' in lines
    assert sum(line.startswith('conflict: ') for line in lines) == 1
    assert f'... and {len(p.conflicts) - 1} more conflict entries in the report' in lines
    assert f'... and {len(p.skips) - 1} more skipped entries in the report' in lines


# --- diff and samples ---

def test_diff_is_capped_with_a_more_entry():
    p = make_plan()
    total = len(p.operations)
    assert total > 3
    entries = _report.diff(p, 3)
    assert len(entries) == 4
    assert entries[-1] == {'before_header': 'more', 'after_header': 'more', 'before': '',
                           'after': f'... and {total - 3} more operations: see report.json\n'}
    uncapped = _report.diff(p, total)
    assert len(uncapped) == total and all(e['before_header'] != 'more' for e in uncapped)
    assert len(_report.diff(p, total + 5)) == total


def test_diff_entries_per_kind():
    p = make_plan()
    entries = _report.diff(p, len(p.operations))
    by_op = {id(op): entry for op, entry in zip(p.operations, entries)}
    for op in p.operations:
        entry = by_op[id(op)]
        assert entry['before_header'] == f'{op.kind} {op.dn}'
        assert entry['after_header'] == f'{op.kind} {op.new_dn or op.dn}'
        if op.kind == 'create':
            assert entry['before'] == {} and entry['after'] == {'dn': op.dn, **op.attrs}
        elif op.kind == 'delete':
            assert entry['before'] == {'dn': op.dn} and entry['after'] == {}
        elif op.kind == 'rename':
            assert entry['before'] == {'dn': op.dn} and entry['after'] == {'dn': op.new_dn}
        else:
            assert entry['before'] == {'dn': op.dn, **{a: b for a, (b, _after) in op.changes.items()}}
            assert entry['after'] == {'dn': op.dn, **{a: after for a, (_before, after) in op.changes.items()}}
    # A merged attribute keeps the values the sync does not own (the X500 address), and the
    # owned ones follow the source (the routing address built from the mail's local part).
    kim = next(op for op in p.of_kind('update') if op.anchor == A_KEEP)
    after = by_op[id(kim)]['after']
    assert after['proxyAddresses'] == ['X500:/o=Acme/cn=kk', 'SMTP:kim.keep@example.com',
                                       'smtp:kim.keep@domino.example.com']
    assert after['title'] == ['Director']


def test_samples_are_capped():
    p = make_plan()
    full = _report.samples(p, 100)
    assert full['conflicts'] == [c['reason'] for c in p.conflicts]
    assert full['skips'] == [f"{s['source_dn']}: {s['reason']}" for s in p.skips]
    assert full['rename'] == [op.new_dn for op in p.of_kind('rename')]
    assert full['create'] == [op.dn for op in p.of_kind('create')]
    one = _report.samples(p, 1)
    assert set(one) == {'create', 'update', 'rename', 'delete', 'conflicts', 'skips'}
    for key, values in one.items():
        assert values == full[key][:1]
    assert all(v == [] for v in _report.samples(p, 0).values())


# --- the files ---

def test_write_report_atomically(tmp_path, monkeypatch):
    directory = tmp_path / 'reports' / 'domino_to_exchange'          # created if missing
    report = build(make_plan(), check_mode=True)
    replaced = []
    real_replace = os.replace

    def recording_replace(src, dst):
        # Each file is written completely to a temporary file in the same directory, then moved.
        assert os.path.dirname(src) == os.path.dirname(dst) == str(directory)
        assert os.path.basename(src).startswith('.' + os.path.basename(dst) + '.')
        replaced.append(os.path.basename(dst))
        real_replace(src, dst)

    monkeypatch.setattr(_report.os, 'replace', recording_replace)
    paths = _report.write_report(str(directory), report)
    assert sorted(replaced) == ['report.html', 'report.json', 'summary.txt']
    assert paths == {'report': str(directory / 'report.json'), 'html': str(directory / 'report.html'),
                     'summary': str(directory / 'summary.txt')}
    assert json.loads((directory / 'report.json').read_text(encoding='utf-8')) == json.loads(json.dumps(report))
    assert (directory / 'summary.txt').read_text(encoding='utf-8') == \
        '\n'.join(_report.summary_lines(report, limit=50)) + '\n'
    assert 'René Dupont' in (directory / 'report.json').read_text(encoding='utf-8')     # not \u-escaped
    assert sorted(os.listdir(directory)) == ['report.html', 'report.json', 'summary.txt']   # no temporary left
    for name in ('report.html', 'report.json', 'summary.txt'):
        assert (directory / name).stat().st_mode & 0o777 == 0o644

    # A second run replaces both files.
    second = build(make_plan(Limits(max_deletes=0)), check_mode=True)
    _report.write_report(str(directory), second)
    assert json.loads((directory / 'report.json').read_text(encoding='utf-8'))['outcome'] == 'guard_blocked'
    assert 'deletion guard - nothing was written' in (directory / 'report.html').read_text(encoding='utf-8')
    assert sorted(os.listdir(directory)) == ['report.html', 'report.json', 'summary.txt']


# --- no password can enter ---

SECRET_KEY = re.compile(r'pass|pwd|secret|credential|token', re.IGNORECASE)


def keys_of(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_of(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from keys_of(item)


def test_no_password_like_key_anywhere():
    # The report is built from the plan, the outcome and plain descriptions: no connection settings.
    assert set(inspect.signature(_report.build_report).parameters) == \
        {'direction', 'plan', 'outcome', 'check_mode', 'source', 'target', 'limits', 'refused', 'pending', 'max_writes', 'lazy',
         'progress'}
    p = make_plan()
    error = DirectoryError('refused (test)', kind='access')
    applied = FakeOutcome(done=p.operations[1:], failed=[(p.operations[0], error)])
    reports = [build(p, check_mode=True), build(p, applied), build(make_plan(Limits(max_deletes=0)), check_mode=True)]
    for report in reports:
        suspicious = [k for k in keys_of(report) if SECRET_KEY.search(str(k))]
        assert suspicious == [], suspicious
        for extra in (_report.samples(p, 10), _report.diff(p, 50), _report.summary_lines(report)):
            assert [k for k in keys_of(extra) if SECRET_KEY.search(str(k))] == []


def test_a_refused_real_run_says_nothing_was_written(validator):
    p = make_plan()
    report = _report.build_report('domino_to_exchange', p, None, check_mode=False, source={}, target={},
                                  limits={'max_deletes': 500, 'max_delete_percent': 10.0},
                                  refused='the bind account may not create contacts')
    valid(validator, report)
    assert report['outcome'] == 'refused' and report['refused'] == 'the bind account may not create contacts'
    assert {op['status'] for op in report['operations']} == {'blocked'}
    assert report['counts']['done'] == 0 and report['counts']['not_attempted'] == 0
    assert 'NOTHING WRITTEN: the bind account may not create contacts' in _report.summary_lines(report)


# --- report.html (the page itself is checked in a browser by tests/integration/test_report_html.py) ---

class PageParser(html.parser.HTMLParser):
    """The summary cells, the row tables and the embedded rows of a report.html."""

    def __init__(self):
        super().__init__()
        self.counts, self.tables, self.rows_json, self._cell, self._direction, self._script = {}, {}, '', None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'tr' and 'data-direction' in attrs:
            self._direction = attrs['data-direction']
        elif tag == 'td' and 'data-count' in attrs:
            self._cell = (self._direction, attrs['data-count'])
        elif tag == 'div' and 'data-table' in attrs:
            self.tables[attrs['data-table']] = int(attrs['data-total'])
        elif tag == 'script' and attrs.get('id') == 'coexist-rows':
            self._script = True

    def handle_endtag(self, tag):
        self._cell = None if tag == 'td' else self._cell
        self._script = False if tag == 'script' else self._script

    def handle_data(self, data):
        if self._cell:
            self.counts[self._cell] = int(data)
        if self._script:
            self.rows_json += data


def test_report_html_shows_every_count_and_carries_every_row():
    report = build(make_plan(), check_mode=True)
    page = PageParser()
    page.feed(render_html([report]))
    for name, value in report['counts'].items():
        if name in COUNT_COLUMNS:
            assert page.counts[('domino_to_exchange', name)] == value, name
    rows = json.loads(page.rows_json)
    for kind in ('create', 'update', 'rename', 'delete'):
        table = f'domino_to_exchange-{kind}'
        assert page.tables[table] == len(rows[table]) == report['counts'][kind]
    assert len(rows['domino_to_exchange-conflicts']) == len(report['conflicts'])
    assert len(rows['domino_to_exchange-skips']) == len(report['skips'])


def test_report_html_escapes_what_the_directories_hold():
    """A DN or reason is data, never markup: not in the page's HTML, not able to end its script."""
    report = build(make_plan(), check_mode=True)
    hostile = '</script><script>alert(1)</script><!--'
    report['conflicts'].append({'anchor': 'X', 'source_dn': f'CN={hostile}', 'address': 'a@b.c', 'holder': hostile,
                                'reason': hostile})
    report['source']['server'] = '<b>ldaps://evil</b>'
    text = render_html([report])
    assert '<script>alert(1)' not in text and '<b>ldaps://evil</b>' not in text
    assert text.count('<script') == 2                       # the rows, the code: nothing injected
    page = PageParser()
    page.feed(text)
    assert hostile in [c['reason'] for c in json.loads(page.rows_json)['domino_to_exchange-conflicts']]


class _Writes:
    """A text file that keeps the size of each write."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)


def test_report_html_rows_are_written_one_at_a_time():
    """Issue 17: the page's rows (one per operation) were one JSON text, escaped into a second
    copy and rendered into a third, beside the whole page. write_html writes them row by row;
    the rows' JSON is the same text as before, byte for byte."""
    report = build(make_plan(), check_mode=True)
    hostile = '</script><!--<b>'
    report['conflicts'].append({'anchor': 'X', 'source_dn': f'CN={hostile}', 'address': 'a@b.c', 'holder': hostile,
                                'reason': 'Ünïcode ' + hostile})
    report['operations'] = report['operations'] * 200
    out = _Writes()
    write_html(out, [report])
    text = ''.join(out.parts)
    assert text == render_html([report])
    page = PageParser()
    page.feed(text)
    whole = {table_id: [{c: row.get(c) for c in columns} for row in rows]
             for table_id, _title, columns, rows in _tables(report)}
    expected = json.dumps(whole, ensure_ascii=False, separators=(',', ':')).replace('<', '\\u003c')
    assert page.rows_json == expected and '<' not in page.rows_json
    rows_parts = [p for p in out.parts if p.startswith(('{"', ',{"'))]
    assert len(rows_parts) >= len(report['operations'])          # a write per row, not one for all
    assert max(len(p) for p in out.parts[1:-1]) < len(expected) / 100     # between the page's head and tail


def test_report_html_makes_each_operation_row_when_it_writes_it(monkeypatch):
    """Issue 17: report.html's tables made a row dict per operation (and the report entry it came
    from, once per kind of operation) before writing the page, and held them all while it was
    written: at a first run of 100,000 the check-mode fill's peak. The tables now count the
    operations by kind without making entries, and each entry is made once, when its row is
    written; the page is the same, byte for byte."""
    eager, lazy = _reports_both_ways(make_plan(), check_mode=True)
    made = []
    real_entry = _report.OperationEntries._entry
    monkeypatch.setattr(_report.OperationEntries, '_entry', lambda self, op: made.append(op) or real_entry(self, op))
    tables = _tables(lazy)
    assert made == []                                                       # counted, nothing made
    assert [len(rows) for _id, _title, _columns, rows in tables] == \
        [len(rows) for _id, _title, _columns, rows in _tables(eager)]
    assert render_html([lazy]) == render_html([eager])
    assert sorted(map(id, made)) == sorted(map(id, make_plan_ops(lazy)))    # each entry made once


def make_plan_ops(report):
    return report['operations']._operations


def _reports_both_ways(the_plan, outcome=None, check_mode=False):
    args = dict(check_mode=check_mode, source=dict(SOURCE), target=dict(TARGET), limits=dict(LIMITS))
    eager = _report.build_report('domino_to_exchange', the_plan, outcome, **args)
    lazy = _report.build_report('domino_to_exchange', the_plan, outcome, lazy=True, **args)
    lazy['generated'] = eager['generated']             # the same second, whatever the clock did
    return eager, lazy


@pytest.mark.parametrize('case', ['check', 'failed', 'blocked', 'nothing'])
def test_report_json_written_entry_by_entry_is_json_dump_with_one_line_per_operation(tmp_path, case):
    """Issue 17: the sync modules' report keeps no list of operation entries (100,000 dicts at a
    first run of 100,000), and writes each operation on one line with the C encoder (15.3 s of CPU
    with the indenting one at 200,000 creates, 4.6 s now). report.json holds what json.dump wrote before, hostile
    and non-ASCII text included: the same JSON, laid out as json.dump(indent=1) but for one line
    per operation; the report.html from it is the same page."""
    if case == 'nothing':
        p = plan([], [], {}, [], PROFILE)
    else:
        srcs = sources() + [source('50000000000000000000000000000010', 'Zoë "Q" <\\/script>', 'zoe@example.com', 'zoe',
                                   fields={'title': 'Line\nbreak\t\u2028 </script><!--'})]
        p = make_plan(Limits(max_deletes=0) if case == 'blocked' else Limits(), srcs=srcs)
    outcome = None
    if case == 'failed':
        outcome = FakeOutcome(done=p.operations[1:], failed=[(p.operations[0], DirectoryError('refused «x»', kind='access'))])
    eager, lazy = _reports_both_ways(p, outcome, check_mode=case in ('check', 'blocked', 'nothing'))
    assert isinstance(lazy['operations'], _report.OperationEntries) and isinstance(eager['operations'], list)
    assert lazy['operations'] == eager['operations'] and {k: v for k, v in lazy.items() if k != 'operations'} == \
        {k: v for k, v in eager.items() if k != 'operations'}
    old_way = tmp_path / 'old.json'
    with open(old_way, 'w', encoding='utf-8') as out:
        json.dump(eager, out, indent=1, ensure_ascii=False, sort_keys=False)
        out.write('\n')
    _report.write_report(str(tmp_path / 'lazy'), lazy)
    _report.write_report(str(tmp_path / 'eager'), eager)
    written = (tmp_path / 'lazy' / 'report.json').read_text(encoding='utf-8')
    assert written == (tmp_path / 'eager' / 'report.json').read_text(encoding='utf-8')
    assert json.loads(written) == json.loads(old_way.read_text(encoding='utf-8'))
    lines = written.split('\n')
    operations = eager['operations']
    if operations:
        start = lines.index(' "operations": [')
        assert [json.loads(text.strip().rstrip(',')) for text in lines[start + 1:start + 1 + len(operations)]] == operations
        assert lines[start + 1 + len(operations)] == ' ],'
        lines[start:start + 2 + len(operations)] = [' "operations": [],']
    assert '\n'.join(lines) == json.dumps(dict(eager, operations=[]), indent=1, ensure_ascii=False) + '\n'
    assert (tmp_path / 'lazy' / 'report.html').read_bytes() == (tmp_path / 'eager' / 'report.html').read_bytes()
    assert json.loads(json.dumps(_report.as_json_value(lazy))) == json.loads(old_way.read_text(encoding='utf-8'))


def test_the_sync_modules_report_holds_no_operation_entries():
    """Issue 17: entries are made when read, one at a time; the report handed to write_report holds
    none (the old build_report kept one dict per operation until the module exited)."""
    p = make_plan()
    lazy = _report.build_report('domino_to_exchange', p, None, check_mode=True, source=dict(SOURCE),
                                target=dict(TARGET), limits=dict(LIMITS), lazy=True)
    held = [o for o in gc.get_referents(*gc.get_referents(lazy)) if isinstance(o, dict) and 'status' in o and 'op' in o]
    assert held == []
    assert len(lazy['operations']) == len(p.operations) and lazy['operations'][0] is not lazy['operations'][0]
    assert [e['op'] for e in lazy['operations'][:2]] == [op.kind for op in p.operations[:2]]
