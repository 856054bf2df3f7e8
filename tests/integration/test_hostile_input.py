"""Hostile input end to end: hypothesis-generated source names and addresses (control characters,
NUL, filter metacharacters, very long strings, mixed scripts, right-to-left text, look-alikes)
given to the real sync code as source records (the sync modules' ``records`` input) and written to
the lab's real directories. Each example: no crash, nothing outside the owned container, and each
source either a correct contact or a per-object entry of the plan (skip, conflict, warning) or of
the outcome (a refused write). The planner's 10,000 examples stay in the unit suite."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lab_helpers import ldap3_admin

from ansible_collections.coexist.domino_exchange.plugins.module_utils._apply import apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils._directions import (
    SetupError, prepare_domino_to_exchange, prepare_exchange_to_domino)
from ansible_collections.coexist.domino_exchange.plugins.module_utils._ldap import DirectoryError, dn_is_within

# What hostile means here: the ASCII controls and NUL, LDAP filter and DN metacharacters,
# right-to-left and zero-width marks, look-alikes (Cyrillic а, е, о), other scripts, emoji.
NASTY = ['\x00', '\x01', '\x1b', '\n', '\t', '*', '(', ')', '\\', ',', '+', '"', '<', '>', ';', '=', '#', ' ',
         '\u202e', '\u200b', '\u200f', 'а', 'е', 'о', 'ß', 'İ', '王', 'ع', '🙂', '.', '@', '-', "'"]
TEXT = st.text(alphabet=st.sampled_from(NASTY + list('abcXYZ019')), min_size=0, max_size=80)
LONG = st.builds(lambda s, n: s * n, st.sampled_from(['a', 'ab(', 'Ж*']), st.integers(60, 200))
NAMES = st.one_of(TEXT, LONG, st.just('Plain Name'))
LOCALS = st.one_of(st.text(alphabet=st.sampled_from(NASTY + list('abc019')), min_size=0, max_size=70),
                   st.just('plain'))
DOMAINS = st.sampled_from(['example.com', 'exam*ple.com', 'ex(am)ple.com', 'EXAMPLE.COM', '', 'e\u0445ample.com'])


@st.composite
def records(draw):
    out = []
    for _unused in range(draw(st.integers(1, 3))):
        local, domain = draw(LOCALS), draw(DOMAINS)
        out.append({'anchor': draw(st.sampled_from([uuid.uuid4().hex.upper(), ''])) or '', 'dn': f'cn=src {uuid.uuid4().hex[:6]}',
                    'display_name': draw(NAMES), 'mail': f'{local}@{domain}' if domain else local,
                    'given_name': draw(TEXT), 'surname': draw(TEXT), 'alias': draw(LOCALS),
                    'fields': {'title': draw(TEXT), 'telephoneNumber': draw(TEXT)}})
    return out


def connection(lab, side: str) -> dict:
    f = lab[side]
    return dict(server=f['server'], bind_dn=f['bind_dn'], bind_password=f['bind_password'], ca_file=f['ca_file'],
                validate_certs=True, start_tls=False, allow_plaintext_bind=False, timeout=30, connect_timeout=5,
                page_size=1000, sasl_mech=None)


def params(lab, direction: str, sources: list) -> dict:
    common = {'ad': dict(connection(lab, 'ad'), mailbox_bases=lab['ad']['mailbox_bases'], contacts_ou=lab['ad']['contacts_ou'],
                         global_catalog=None),
              'domino': dict(connection(lab, 'domino'), mailbox_base='', contacts_base=lab['domino']['contacts_base']),
              'records': sources, 'attribute_map': {'title': 'title', 'telephoneNumber': 'telephonenumber'},
              'marker_prefix': 'coexist.domino_exchange:', 'mail_systems': ['1'],
              'exchange_routing_domain': 'exchange.example.com', 'max_deletes': 500, 'max_delete_percent': 10.0,
              'allow_create': True, 'allow_update': True, 'allow_rename': True, 'allow_delete': True}
    if direction == 'domino_to_exchange':
        return dict(common, shared_domain='example.com', domino_routing_domain='domino.example.com',
                    exchange_organization=None, address_lists=None, msexch_version='88218628259840',
                    marker_attribute='adminDescription', domino_marker_attribute='employeeType')
    return dict(common, mail_system='5', marker_attribute='employeeType', ad_marker_attribute='adminDescription',
                mailbox_types=['user'], include_hidden=False, include_disabled=True)


def remove_owned(lab, side: str) -> None:
    base, attribute = ((lab['ad']['contacts_ou'], 'adminDescription') if side == 'ad'
                       else (lab['domino']['contacts_base'], 'employeeType'))
    conn = ldap3_admin(lab, side)
    conn.search(base, f'({attribute}=coexist.domino_exchange:*)', attributes=['1.1'])
    for entry in list(conn.entries):
        conn.delete(entry.entry_dn)


@pytest.mark.parametrize('direction, prepare, side', [
    ('domino_to_exchange', prepare_domino_to_exchange, 'ad'),
    ('exchange_to_domino', prepare_exchange_to_domino, 'domino'),
])
def test_hostile_sources_become_correct_contacts_or_per_object_entries(seeded, direction, prepare, side):
    container = seeded['ad']['contacts_ou'] if side == 'ad' else seeded['domino']['contacts_base']
    tried, written = [], []

    @settings(max_examples=75, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(records())
    def one_example(sources):
        tried.append(len(sources))
        try:
            prepared = prepare(params(seeded, direction, sources))
        except SetupError as exc:                     # only a whole-direction refusal may stop it
            raise AssertionError(f'a per-object problem stopped the direction: {exc.message}') from None
        try:
            outcome = apply_plan(prepared.client, prepared.plan, prepared.merged, ownership=prepared.ownership)
        finally:
            prepared.client.close()
        plan = prepared.plan
        assert outcome.aborted is None, outcome.aborted and outcome.aborted.message
        for op in plan.operations:
            for dn in (op.dn, op.new_dn):
                assert not dn or dn_is_within(dn, container), f'{op.kind} outside the container: {dn!r}'
        accounted = {op.anchor for op in outcome.done} | {op.anchor for op, _error in outcome.failed}
        accounted |= {c['anchor'] for c in plan.conflicts} | {s['anchor'] for s in plan.skips}
        for source in sources:
            assert source['anchor'] in accounted, f'{source!r} was neither written nor reported'
        for op in outcome.done:                       # a written contact carries its source's own address
            written.append(op.anchor)
            if op.kind == 'create':
                source = next(s for s in sources if s['anchor'] == op.anchor)
                assert op.attrs['mail'] == [source['mail'].strip()]
        remove_owned(seeded, side)

    try:
        one_example()
    except DirectoryError as exc:
        raise AssertionError(f'a directory error escaped the per-object capture: {exc.message}') from None
    assert len(tried) >= 50 and written                # some hostile sources are valid and were written
    print(f'{direction}: {len(tried)} generated examples, {sum(tried)} hostile sources, {len(written)} written')
