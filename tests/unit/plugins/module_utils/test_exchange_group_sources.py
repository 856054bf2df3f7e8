"""Exchange -> Domino, every addressable recipient (issue 18, direction 2): which AD groups are
read as sources and how (the reader's classification, the kinds switch, the routing-proxy rule,
members never read), and the kind each record carries. Pure logic against a fake LDAP client that
answers each search filter with its own entries; the lab test covers the same against Samba."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad as _ad
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.exchange_to_domino import (
    ExchangeToDominoOptions, read_exchange_mailboxes_of)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry

OU = 'OU=Exchange Users,DC=corp,DC=example,DC=com'


def entry(dn, classes, guid, **attrs) -> Entry:
    values = {'objectClass': classes, 'objectGUID': [bytes([guid] * 16)]}
    values.update({k: v for k, v in attrs.items() if v is not None})
    return Entry(dn, values)


def group(name='All Staff', guid=1, rtd='256', alias=None, routing=True, dynamic=False, **attrs) -> Entry:
    alias = alias or name.lower().replace(' ', '.')
    proxies = [f'SMTP:{alias}@example.com'] + ([f'smtp:{alias}@exchange.example.com'] if routing else [])
    classes = ['top', 'msExchDynamicDistributionList'] if dynamic else ['top', 'group']
    values = dict(displayName=[name], mail=[f'{alias}@example.com'], mailNickname=[alias], proxyAddresses=proxies,
                  msExchRecipientTypeDetails=[rtd] if rtd else None)
    values.update(attrs)
    return entry(f'CN={name},{OU}', classes, guid, **values)


def mailbox(name='Anna Hartley', guid=100, rtd='1') -> Entry:
    alias = name.lower().replace(' ', '.')
    return entry(f'CN={name},{OU}', ['top', 'person', 'organizationalPerson', 'user'], guid, displayName=[name],
                 mail=[f'{alias}@example.com'], mailNickname=[alias], msExchRecipientTypeDetails=[rtd],
                 proxyAddresses=[f'SMTP:{alias}@example.com', f'smtp:{alias}@exchange.example.com'],
                 homeMDB=['CN=DB1'], userAccountControl=['66050'])


class FilterClient:
    """Answers MAILBOX_FILTER with the users and GROUP_FILTER with the groups (any other filter is
    an error), and records every search, so a test sees which reads were sent and what they asked."""

    def __init__(self, users, groups):
        self.users, self.groups, self.searches = users, groups, []

    def search(self, base, filterstr, attributes):
        self.searches.append((filterstr, list(attributes)))
        return iter({_ad.MAILBOX_FILTER: self.users, _ad.GROUP_FILTER: self.groups}[filterstr])


@pytest.mark.parametrize('source, reason, kind', [
    (group(rtd='256'), '', 'group'),                                    # mail-enabled universal distribution
    (group(rtd='1024'), '', 'group'),                                   # mail-enabled universal security
    (group(rtd='512'), '', 'group'),                                    # mail-enabled global / domain local
    (group(rtd='268435456'), '', 'group'),                              # room list
    (group(rtd='2048', dynamic=True), '', 'group'),                     # dynamic distribution group
    (group(rtd=None), '', 'group'),                                     # Exchange 2003: mailNickname, no type
    (group(rtd=None, dynamic=True), '', 'group'),                       # 2003 query-based distribution group
    (group(rtd='262144'), 'group without mail (recipient type 262144)', 'group'),
    (group(rtd='524288'), 'group without mail (recipient type 524288)', 'group'),
    (group(rtd='1073741824'), 'group without mail (recipient type 1073741824)', 'group'),   # role group
    (group(rtd=None, mailNickname=None), 'group without mail', 'group'),
    (group(msExchHideFromAddressLists=['TRUE']), 'group hidden from address lists', 'group'),
    (group(adminDescription=['coexist.domino_exchange:X']), "carries this collection's marker", 'group'),
    (mailbox(rtd='1'), '', 'person'),
    (mailbox(rtd='4'), '', 'person'),                                   # shared: a person's kind
    (mailbox(rtd='16'), '', 'resource'),
    (mailbox(rtd='32'), '', 'resource'),
    (mailbox(rtd='8589934592'), '', 'resource'),                        # remote room
    (mailbox(rtd='2199023255552'), '', 'resource'),                     # linked room
])
def test_classification_of_groups_and_mailboxes(source, reason, kind):
    # include_hidden does not reach groups: a hidden group is never published in Domino
    for include_hidden in (False, True):
        assert _ad.ExchangeMailboxRule(include_hidden=include_hidden).why_not(source) == reason
    assert _ad.recipient_kind_of(source) == kind


@pytest.mark.parametrize('kinds, source, reason', [
    (('person', 'resource'), group(), 'group (not in kinds)'),
    (('person', 'group'), mailbox(rtd='16'), 'resource mailbox (not in kinds)'),
    (('group', 'resource'), mailbox(rtd='1'), 'person mailbox (not in kinds)'),
    (('group',), group(rtd='1024'), ''),
])
def test_each_kind_can_be_switched_off(kinds, source, reason):
    assert _ad.ExchangeMailboxRule(recipient_kinds=kinds).why_not(source) == reason


def test_groups_are_read_in_one_more_search_with_the_mailbox_rules_and_without_members():
    users = [mailbox(), mailbox('Room 1', 101, rtd='16')]
    groups = [group('All Staff', 1), group('Approvers', 2, rtd='1024'), group('Berlin Dynamic', 3, rtd='2048', dynamic=True),
              group('Hidden List', 4, msExchHideFromAddressLists=['TRUE']), group('No Route', 5, routing=False)]
    client = FilterClient(users, groups)
    read = _ad.read_exchange_mailboxes(client, [OU], _ad.ExchangeMailboxRule(), {}, 'exchange.example.com')
    assert [f for f, _attrs in client.searches] == [_ad.MAILBOX_FILTER, _ad.GROUP_FILTER]
    # members are never asked for: a group becomes one forwarding Person, Exchange expands it
    assert all('member' not in {a.lower() for a in attrs} for _f, attrs in client.searches)
    records = {r.display_name: r for r in read.records}
    assert {name: r.kind for name, r in records.items()} == {
        'Anna Hartley': 'person', 'Room 1': 'resource', 'All Staff': 'group', 'Approvers': 'group',
        'Berlin Dynamic': 'group', 'No Route': 'group'}
    assert records['Berlin Dynamic'].routing_address == 'berlin.dynamic@exchange.example.com'
    assert records['Berlin Dynamic'].anchor == '03030303-0303-0303-0303-030303030303'     # objectGUID, as mailboxes
    # the routing-proxy rule of mailboxes: no proxy in the Exchange routing domain, a skip (5.1.10)
    (problem,) = records['No Route'].problems
    assert problem.startswith('no proxy address in exchange.example.com') and '5.1.10' in problem
    assert not any(r.problems for name, r in records.items() if name != 'No Route')
    assert read.not_mailboxes == {'group hidden from address lists': 1} and read.entries == 7


def test_with_groups_switched_off_the_group_search_is_not_sent():
    client = FilterClient([mailbox()], [group()])
    read = _ad.read_exchange_mailboxes(client, [OU], _ad.ExchangeMailboxRule(recipient_kinds=('person', 'resource')),
                                       {}, 'exchange.example.com')
    assert [f for f, _attrs in client.searches] == [_ad.MAILBOX_FILTER]
    assert [r.kind for r in read.records] == ['person']


def test_a_delta_run_reads_groups_as_sources_only_when_the_group_kind_is_on():
    assert _ad.source_filter(_ad.ExchangeMailboxRule()) == f'(|{_ad.USER_FILTER}{_ad.GROUP_FILTER})'
    assert _ad.source_filter(_ad.ExchangeMailboxRule(recipient_kinds=('person',))) == _ad.USER_FILTER


def test_the_direction_reads_the_exchange_kinds_and_filters_given_records():
    options = ExchangeToDominoOptions(kinds=('person', 'group', 'mailin', 'resource'))
    assert options.read_kinds == ('person', 'group', 'resource') and options.mailbox_rule().recipient_kinds == options.read_kinds
    records = [{'anchor': a, 'dn': f'CN={a},{OU}', 'display_name': a, 'mail': f'{a}@example.com', 'kind': k}
               for a, k in (('p', 'person'), ('g', 'group'), ('r', 'resource'), ('old', None))]
    given = ExchangeToDominoOptions(kinds=('person', 'group'), records=records)
    found, info = read_exchange_mailboxes_of(given)
    assert [r.anchor for r in found] == ['p', 'g', 'old']            # a record without a kind is a person
    assert info['kinds'] == {'person': 2, 'group': 1}
    # another set of kinds is another plan: a delta run after the change is a full one
    assert options.delta_fingerprint([OU]) != given.delta_fingerprint([OU])
