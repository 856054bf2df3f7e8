"""proxyAddresses values that differ only in letter case are one value to AD (its directory
strings compare case-insensitively; a second one is refused as "attribute or value exists"), so the
planner never plans both (issue 12, item 5). The case that did: a contact whose primary address,
in a domain the sync does not count as its own (an alias of the shared domain), is now held as a
secondary, 'smtp:' (Exchange or an admin demoted it): the value was kept as someone else's and the
desired 'SMTP:' one added beside it, every run."""
from __future__ import annotations

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Limits, SourceRecord, plan

from plan_simulator import Container, ad_profile

PROFILE = ad_profile()
A = '6F1A2B3C-0000-4000-8000-000000000001'


def source(mail: str) -> SourceRecord:
    return SourceRecord(anchor=A, display_name='Jean Dupont', mail=mail, alias='jean', dn='CN=x,O=Acme')


def with_proxies(contact, values):
    attrs = {a: list(v) for a, v in contact.attrs.items()}
    attrs['proxyAddresses'] = values
    return type(contact)(contact.dn, contact.anchor, attrs)


def test_a_demoted_primary_is_replaced_not_doubled():
    wanted = source('jean@alias.example')
    [contact] = Container(PROFILE).run(plan([wanted], [], {}, [], PROFILE).writes).owned()
    primary = 'SMTP:jean@alias.example'
    assert primary in contact.attrs['proxyAddresses']
    demoted = with_proxies(contact, [v if v != primary else 'smtp:jean@alias.example'
                                     for v in contact.attrs['proxyAddresses']] + ['X500:/o=Old/cn=jean'])
    result = plan([wanted], [demoted], {}, [], PROFILE, Limits())
    [update] = result.operations
    _before, after = update.changes['proxyAddresses']
    # before: after held 'smtp:jean@alias.example' and 'SMTP:jean@alias.example'
    assert len({v.lower() for v in after}) == len(after), after
    assert primary in after and 'X500:/o=Old/cn=jean' in after
    [settled] = Container(PROFILE, [demoted]).run(result.writes).owned()
    assert plan([wanted], [settled], {}, [], PROFILE).operations == []


def test_values_of_one_address_in_two_cases_on_the_contact_become_one():
    wanted = source('jean@example.com')
    [contact] = Container(PROFILE).run(plan([wanted], [], {}, [], PROFILE).writes).owned()
    twice = with_proxies(contact, contact.attrs['proxyAddresses'] + ['smtp:JEAN@ALIAS.EXAMPLE', 'SMTP:jean@alias.example'])
    result = plan([source('jean@alias.example')], [twice], {}, [], PROFILE, Limits())
    after = next(op for op in result.operations if op.kind == 'update').changes['proxyAddresses'][1]
    assert len({v.lower() for v in after}) == len(after), after
