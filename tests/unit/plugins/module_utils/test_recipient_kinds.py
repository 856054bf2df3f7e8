"""Every addressable recipient (issue 18): which Domino documents are recipients of which kind,
how the source read hands them on, that the planner carries the kind into every operation,
conflict and skip without deciding anything by it when every kind shares one OU (with an OU per
kind the kind decides the parent of a contact's DN and nothing else: test_kind_ous.py), and that
the report and its HTML page show it.

Pure logic: a fake client stands in for the directory (the lab tests read the real one)."""
from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import domino as _domino
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.base import kind_counts
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine import report as _report
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    RECIPIENT_KINDS, Limits, SourceRecord, plan)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report_html import render_html

from plan_simulator import ad_profile
from test_plan_properties import examples, scenarios

RULE = _domino.MailboxRule(contacts_base='ou=Exchange,o=Acme', routed_domains=('example.com',), kinds=RECIPIENT_KINDS)


def group(cn, group_type=None, mail=None, parent='o=Acme', **extra) -> Entry:
    values = {'objectClass': ['top', 'groupOfNames', 'dominoGroup'], 'cn': [cn], 'dominoUNID': [f'{cn:0<32}'[:32]],
              'mail': [mail or f'{cn.lower().replace(" ", ".")}@example.com'], 'member': ['cn=Someone,o=Acme']}
    if group_type is not None:
        values['grouptype'] = [group_type]
    values.update(extra)
    return Entry(f'cn={cn},{parent}', values)


def mailin(cn, resource_type=None, mail=None) -> Entry:
    values = {'objectClass': ['top', 'dominoServerMailInDatabase'], 'cn': [cn], 'dominoUNID': [f'{cn:0<32}'[:32]],
              'mail': [mail or f'{cn.lower().replace(" ", ".")}@example.com'], 'mailfile': ['x.nsf']}
    if resource_type is not None:
        values['resourcetype'] = [resource_type]
    return Entry(f'cn={cn},o=Acme', values)


def test_which_domino_documents_are_recipients_of_which_kind():
    assert RULE.kind_of(group('Multi', '0')) == ('group', '')
    assert RULE.kind_of(group('Mail Only', '1')) == ('group', '')
    assert RULE.kind_of(group('Untyped')) == ('group', '')          # Domino treats it as Multi-purpose
    assert RULE.kind_of(group('Acl', '2'))[0] == ''
    assert RULE.kind_of(group('Deny', '3'))[0] == '' and RULE.kind_of(group('Servers', '4'))[0] == ''
    assert RULE.kind_of(mailin('Helpdesk')) == ('mailin', '')
    assert RULE.kind_of(mailin('Room', '1')) == ('resource', '')
    assert RULE.kind_of(mailin('Beamer', '2')) == ('resource', '')
    assert RULE.kind_of(mailin('Online', '3'))[0] == ''
    # A group under the contacts base, or carrying this collection's marker, is never a source.
    assert RULE.kind_of(group('Admins', '0', parent='ou=Exchange,o=Acme')) == ('', 'under the contacts base')
    assert RULE.kind_of(group('Ours', '1', employeeType=['coexist.domino_exchange:ABC']))[0] == ''


class FakeClient:
    """A search answering by the object class its filter names first (Persons, or the others)."""

    def __init__(self, persons, others):
        self.persons, self.others = persons, others
        self.filters = []

    def search(self, base, filterstr, attributes):
        self.filters.append(filterstr)
        return iter(self.persons if filterstr == '(objectClass=dominoPerson)' else self.others)


PERSON = Entry('cn=Anna Abbott,ou=Sales,o=Acme', {
    'objectClass': ['dominoPerson'], 'cn': ['Anna Abbott'], 'sn': ['Abbott'], 'dominoUNID': ['A' * 32],
    'mail': ['anna.abbott@example.com'], 'mailfile': ['mail\\aabbott.nsf'], 'mailsystem': ['1']})
OTHERS = [group('Sales Team', '0'), group('Phoenix', '1', mail='Phoenix%Acme@example.com'),
          group('Partners', '0', mail='partners@elsewhere.example.org'), group('Acl', '2'),
          mailin('Helpdesk'), mailin('Room Everest', '1'), mailin('Online', '3')]


def test_the_source_read_gives_every_kind_it_is_asked_for_and_never_reads_members():
    client = FakeClient([PERSON], OTHERS)
    read = _domino.read_mailboxes(client, '', RULE, {})
    kinds = {r.dn: r.kind for r in read.records}
    assert kinds == {PERSON.dn: 'person', 'cn=Sales Team,o=Acme': 'group', 'cn=Phoenix,o=Acme': 'group',
                     'cn=Partners,o=Acme': 'group', 'cn=Helpdesk,o=Acme': 'mailin', 'cn=Room Everest,o=Acme': 'resource'}
    by_dn = {r.dn: r for r in read.records}
    # A group without an Internet address (the mail Domino synthesized) and one outside the routed
    # domains are sources with a problem: reported, never written.
    assert any('synthesized' in p for p in by_dn['cn=Phoenix,o=Acme'].problems)
    assert any('not in a domain this sync routes' in p for p in by_dn['cn=Partners,o=Acme'].problems)
    assert not by_dn['cn=Sales Team,o=Acme'].problems and by_dn['cn=Sales Team,o=Acme'].display_name == 'Sales Team'
    assert read.not_mailboxes["group type '2' does not take mail (ACL, deny or servers only)"] == 1
    assert sum(read.not_mailboxes.values()) == 2
    assert len(client.filters) == 2 and all('member' not in f for f in client.filters)
    assert kind_counts(read.records, RECIPIENT_KINDS) == {'person': 1, 'group': 3, 'mailin': 1, 'resource': 1}


def test_a_kind_switched_off_is_not_a_source():
    client = FakeClient([PERSON], OTHERS)
    read = _domino.read_mailboxes(client, '', dataclasses.replace(RULE, kinds=('person', 'mailin')), {})
    assert sorted(r.kind for r in read.records) == ['mailin', 'person']
    assert read.not_mailboxes['group: kind switched off'] == 3
    assert read.not_mailboxes['resource: kind switched off'] == 1
    only_groups = _domino.read_mailboxes(FakeClient([PERSON], OTHERS), '', dataclasses.replace(RULE, kinds=('group',)), {})
    assert {r.kind for r in only_groups.records} == {'group'} and only_groups.entries == 0   # no Person read


PROFILE = ad_profile()


def record(n, kind, mail=None, **extra) -> SourceRecord:
    return SourceRecord(anchor=f'{n:032X}', dn=f'cn=Source {n},o=Acme', display_name=f'Source {n}',
                        mail=mail or f's{n}@example.com', alias=f's{n}', kind=kind, **extra)


def test_the_plan_labels_operations_conflicts_and_skips_with_their_kind():
    sources = [record(1, 'person'), record(2, 'group'), record(3, 'mailin'), record(4, 'resource'),
               record(5, 'group', mail='shared@example.com'), record(6, 'person', mail='shared@example.com'),
               record(7, 'group', problems=('no address',)), record(8, 'resource', mail='taken@example.com')]
    result = plan(sources, [], {'taken@example.com': 'CN=Other,DC=corp (group)'}, [], PROFILE, mailbox_addresses=set())
    assert {op.anchor: op.recipient_kind for op in result.operations} == {
        f'{1:032X}': 'person', f'{2:032X}': 'group', f'{3:032X}': 'mailin', f'{4:032X}': 'resource'}
    # A group and a person claiming one address: both in conflict, each with its kind.
    conflicts = {c['anchor']: c['recipient_kind'] for c in result.conflicts}
    assert conflicts == {f'{5:032X}': 'group', f'{6:032X}': 'person', f'{8:032X}': 'resource'}
    assert {s['anchor']: s['recipient_kind'] for s in result.skips}[f'{7:032X}'] == 'group'
    # A contact whose source is gone has no kind left to tell.
    owned = list(_owned(result))
    gone = plan(sources[1:4], owned, {}, [], PROFILE, Limits(max_delete_percent=100.0))
    assert [(op.kind, op.recipient_kind) for op in gone.operations] == [('delete', '')]


def _owned(result):
    from plan_simulator import Container
    return Container(PROFILE).run(result.writes).owned()


@settings(max_examples=examples(400))
@given(scenarios(), st.lists(st.sampled_from(RECIPIENT_KINDS), min_size=1, max_size=12))
def test_the_kind_labels_the_plan_and_never_changes_it(scenario, kinds):
    """Property, mixed kinds in one OU (no kind_ous): a plan of sources of several kinds is the plan
    of the same sources all people, but for the labels; every label is its source's kind ('' only
    where no source is, and one OU holding every kind tells no kind). With an OU per kind the
    parent of a DN follows the kind: test_kind_ous.py checks that nothing else does."""
    mixed = [dataclasses.replace(s, kind=kinds[i % len(kinds)]) for i, s in enumerate(scenario.sources)]
    of = {s.anchor: s.kind for s in mixed if s.anchor}
    result, people = scenario.plan(sources=mixed), scenario.plan()

    def unlabelled(p):
        return json.dumps([dict(op.as_dict(), recipient_kind='') for op in p.operations + p.suppressed], sort_keys=True)
    assert unlabelled(result) == unlabelled(people)
    for op in result.operations + result.suppressed:
        assert op.recipient_kind == of.get(op.anchor, '')
        assert op.recipient_kind or op.kind == 'delete'
    for item in result.conflicts + result.skips:
        assert item['recipient_kind'] in RECIPIENT_KINDS


def test_the_report_and_its_page_show_the_kind():
    sources = [record(1, 'person'), record(2, 'group'), record(3, 'mailin', problems=('bad',)), record(4, 'resource')]
    result = plan(sources, [], {}, [], PROFILE)
    report = _report.build_report('domino_to_exchange', result, None, check_mode=True,
                                  source={'directory': 'domino', 'kinds': kind_counts(sources, RECIPIENT_KINDS)},
                                  target={'directory': 'ad'}, limits={'max_deletes': 500, 'max_delete_percent': 10.0})
    assert [op['recipient_kind'] for op in report['operations']] == ['person', 'group', 'resource']
    assert report['skips'][0]['recipient_kind'] == 'mailin'
    assert '(person 1, group 1, mailin 1, resource 1)' in _report.summary_lines(report)[0]
    page = render_html([report])
    rows = json.loads(page.split('<script type="application/json" id="coexist-rows">', 1)[1].split('</script>', 1)[0])
    assert [r['kind'] for r in rows['domino_to_exchange-create']] == ['person', 'group', 'resource']
    assert [r['kind'] for r in rows['domino_to_exchange-skips']] == ['mailin']
    assert 'data-columns="kind,dn,status' in page
    assert 'person 1, group 1, mailin 1, resource 1</span>' in page
