"""The one flow every direction runs (directions/prepare.py, issue 16 item 2), with a direction
made of steps that record what they are given. The directory is synthesized (a stand-in client
that only counts its closes): what is checked is the flow itself, the steps' order, who closes
the target connection when, and what the Prepared carries."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects.domino import DominoContactProfile
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions import prepare as flow
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.base import (
    Direction, SetupError, Site, SyncOptions)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import (
    AddressIndex, ContainerContents, SourceRecord)

CONTAINER = 'OU=Exchange,O=Acme'
SOURCE = SourceRecord(anchor='0b6c1f2e-0000-4000-8000-000000000001', dn='CN=Anna Hartley,OU=Users,DC=corp',
                      display_name='Anna Hartley', mail='anna.hartley@example.com', given_name='Anna', surname='Hartley')


@dataclass
class Settings:
    server: str = 'ldap://target.example.com'


class Client:
    """Synthesized: the open target connection, counting how often it is closed."""

    def __init__(self):
        self.settings = Settings()
        self.closed = 0
        self.skipped_references = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.closed += 1


def direction(calls: list, fail_at: str = '', cannot_create: str = '', **overrides) -> Direction:
    def step(name, result=None):
        def run(*args):
            calls.append(name)
            if name == fail_at:
                raise SetupError(f'{name} refused')
            return result(*args) if callable(result) else result
        return run

    def check(options):
        calls.append('check')
        return Site(profile=DominoContactProfile(contacts_base=CONTAINER, exchange_routing_domain='exchange.example.com'),
                    cannot_create=cannot_create)

    steps = dict(
        name='test_direction', target='domino', options_class=SyncOptions, check=check,
        read_source=step('read_source', ([SOURCE], {'directory': 'test'})),
        preflight=step('preflight'),
        read_index=step('read_index', AddressIndex({}, set(), set(), [])),
        read_container=step('read_container', ContainerContents([], [], [])),
        describe=step('describe', lambda client, options, site, container, sources: {'sources': len(sources)}),
        merged_also=('member',))
    steps.update(overrides)
    return Direction(**steps)


@pytest.fixture
def client(monkeypatch):
    opened = Client()
    monkeypatch.setattr(flow, 'open_directory', lambda side, params: opened)
    return opened


def test_a_planned_direction_hands_over_its_open_connection(client):
    calls = []
    prepared = flow.prepare(direction(calls), SyncOptions(domino={}))
    assert client.closed == 0 and prepared.client is client
    assert calls[0] == 'check' and calls[-1] == 'describe'
    assert calls.index('preflight') < calls.index('read_index') and calls.index('preflight') < calls.index('read_container')
    assert prepared.direction == 'test_direction' and prepared.plan.counts()['create'] == 1
    assert prepared.target == {'sources': 1, 'skipped_referrals': []} and prepared.source == {'directory': 'test'}
    assert prepared.merged[-1] == 'member' and prepared.refuse == ''
    assert {'read', 'read_source', 'read_addresses', 'read_container', 'plan'} <= set(prepared.stopwatch.phases)


@pytest.mark.parametrize('fail_at', ['preflight', 'read_container', 'read_index', 'read_source'])
def test_a_direction_that_cannot_plan_closes_its_connection(client, fail_at):
    calls = []
    with pytest.raises(SetupError, match=f'{fail_at} refused'):
        flow.prepare(direction(calls, fail_at=fail_at), SyncOptions(domino={}))
    assert client.closed == 1
    assert 'describe' not in calls


def test_a_refusal_before_any_connection_opens_none(client):
    def check(options):
        raise SetupError('no container')

    with pytest.raises(SetupError):
        flow.prepare(direction([], check=check), SyncOptions(domino={}))
    assert client.closed == 0


def test_a_missing_right_refuses_a_plan_with_creates(client):
    prepared = flow.prepare(direction([], cannot_create='may not create contacts'), SyncOptions(domino={}))
    assert prepared.refuse == 'may not create contacts'


def test_a_missing_right_does_not_refuse_a_plan_without_creates(client):
    none = direction([], cannot_create='may not create contacts', read_source=lambda options: ([], {}))
    assert flow.prepare(none, SyncOptions(domino={})).refuse == ''


def test_the_sync_modules_options_are_the_directions_own():
    """Each registered direction builds its own options class from a module's parameters."""
    for name, registered in flow.DIRECTIONS.items():
        options = registered.options({'ad': {}, 'domino': {}, 'max_deletes': 7, 'mailbox_mail_systems': ['1', '2']})
        assert isinstance(options, registered.options_class) and options.limits.max_deletes == 7
        assert options.mailbox_mail_systems == ('1', '2'), name
