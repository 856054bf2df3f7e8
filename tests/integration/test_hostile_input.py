"""Hostile input end to end: hypothesis-generated source names and addresses (control characters,
NUL, filter metacharacters, very long strings, mixed scripts, right-to-left text, look-alikes)
given to the real sync code as source records (the sync modules' ``records`` input) and written to
the lab's real directories. What happened is read back through ldap3, an independent client, never
taken from the plan: each example's contacts in the container (a clean source, one the generator
built valid and unique, has exactly one contact carrying its anchor, its address, its names; any
other source has a contact with its address or an entry of the plan or the outcome), and the
directories dumped whole, minus the contacts the sync owns, before and after all examples: equal.
The planner's 10,000 examples stay in the unit suite."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lab_helpers import LOGON_ATTRIBUTES, ldap3_admin

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.base import SetupError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.prepare import DIRECTIONS, prepare
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError

MARKER = 'coexist.domino_exchange:'
MARKER_ATTRIBUTE = {'ad': 'adminDescription', 'domino': 'employeeType'}
AD_IDENTITY = 'domino1.example.com'    # the AD contacts' marker identity: the lab Domino server's host
DOMINO_IDENTITY = 'corp.example.com'   # the Domino contacts' identity: the lab mailbox base's DC= parts
ROUTING_DOMAIN = {'ad': 'domino.example.com', 'domino': 'exchange.example.com'}   # where each side's contacts forward
# What a server changes by itself on any entry (a read or a bind is no write of the sync).
OPERATIONAL = {'whenchanged', 'usnchanged', 'modifytimestamp', 'entrycsn', 'contextcsn', 'dscorepropagationdata'}

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

# Clean yet hostile: every character above but the ASCII controls, which a directory may refuse
# (DN and filter metacharacters, look-alikes, right-to-left and zero-width marks, emoji); an
# address of RFC 5321 dot-atom characters (filter metacharacters among them) made unique by a
# random part, so no recipient of the lab and no other source holds it.
PRINTABLE = st.text(alphabet=st.sampled_from([c for c in NASTY if c not in '\x00\x01\x1b\n\t'] + list('abcXYZ019')),
                    min_size=0, max_size=40).map(lambda s: ' '.join(s.split()))
ATOM = st.text(alphabet=st.sampled_from(list("*+=#'-/?{}|~!$%&^_`") + list('abcXYZ019')), min_size=1, max_size=30)


def hostile_source(draw) -> dict:
    local, domain = draw(LOCALS), draw(DOMAINS)
    return {'anchor': draw(st.sampled_from([uuid.uuid4().hex.upper(), ''])) or '', 'dn': f'cn=src {uuid.uuid4().hex[:6]}',
            'display_name': draw(NAMES), 'mail': f'{local}@{domain}' if domain else local,
            'given_name': draw(TEXT), 'surname': draw(TEXT), 'alias': draw(LOCALS),
            'fields': {'title': draw(TEXT), 'telephoneNumber': draw(TEXT)}}


def clean_source(draw) -> dict:
    unique = uuid.uuid4().hex[:8]
    local = f'{draw(ATOM)}.{unique}'
    phone = draw(st.sampled_from(['', '+1 555 0100', '0049 30 1234']))   # a telephone number's syntax
    # fields under the attribute names of both sides (AD telephoneNumber, Domino telephonenumber)
    return {'anchor': uuid.uuid4().hex.upper(), 'dn': f'cn=src {unique}',
            'display_name': f'{draw(PRINTABLE)} {unique}'.lstrip(), 'mail': f'{local}@{draw(st.sampled_from(["example.com", "EXAMPLE.COM"]))}',
            'given_name': draw(PRINTABLE), 'surname': draw(PRINTABLE), 'alias': local,
            'fields': dict(title=draw(PRINTABLE), **dict.fromkeys(['telephoneNumber', 'telephonenumber'], phone))}


@st.composite
def records(draw):
    """(sources, anchors of the clean ones): one to three sources, hostile or clean."""
    out, clean = [], set()
    for _unused in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 2)) == 0:
            out.append(clean_source(draw))
            clean.add(out[-1]['anchor'])
        else:
            out.append(hostile_source(draw))
    return out, clean


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
              'marker_prefix': MARKER, 'mailbox_mail_systems': ['1'],
              'ad_marker_attribute': 'adminDescription', 'domino_marker_attribute': 'employeeType',
              'exchange_routing_domain': ROUTING_DOMAIN['domino'], 'max_deletes': 500, 'max_delete_percent': 10.0,
              'allow_create': True, 'allow_update': True, 'allow_rename': True, 'allow_delete': True}
    if direction == 'domino_to_exchange':
        return dict(common, shared_domain='example.com', domino_routing_domain=ROUTING_DOMAIN['ad'],
                    exchange_organization=None, address_lists=None, msexch_version='88218628259840')
    return dict(common, contact_mail_system='5',
                mailbox_types=['user'], include_hidden=False, include_disabled=True)


def container_of(lab, side: str) -> str:
    return lab['ad']['contacts_ou'] if side == 'ad' else lab['domino']['contacts_base']


def rdns(dn: str) -> list:
    """The RDNs of a DN as (attribute, value) pairs, lower case, split at the commas no backslash
    escapes (values stay escaped: enough to compare a DN's tail with a container spelled plainly)."""
    parts, current, i = [], '', 0
    while i < len(dn):
        if dn[i] == '\\':
            current, i = current + dn[i:i + 2], i + 2
            continue
        if dn[i] == ',':
            parts.append(current)
            current = ''
        else:
            current += dn[i]
        i += 1
    parts.append(current)
    return [tuple(x.strip().lower() for x in part.partition('=')[::2]) for part in parts]


def within(dn: str, container: list) -> bool:
    """``dn`` is the container (its RDNs as :func:`rdns` gives them) or below it."""
    inner = rdns(dn)
    return len(inner) >= len(container) and inner[len(inner) - len(container):] == container


def text(values: list) -> list:
    return [v.decode('utf-8', 'replace') if isinstance(v, bytes) else str(v) for v in values]


def entries(conn, base: str, search_filter: str = '(objectClass=*)'):
    """(DN, {lower-case attribute: values as text}) of every entry below base, every user attribute."""
    for e in conn.extend.standard.paged_search(base, search_filter, attributes=['*'], paged_size=500, generator=True):
        if e['type'] == 'searchResEntry':
            yield e['dn'], {k.lower(): text(v) for k, v in e['raw_attributes'].items()}


def outside(lab, side: str, written: str | None) -> dict:
    """One directory whole, read through ldap3, minus what the sync owns: the contacts in the
    ``written`` container that carry the marker. DN -> sorted attributes, what a server changes by
    itself left out (timestamps, USNs, CSNs; the logon counters of the accounts that bind)."""
    f = lab[side]
    base = f['base_dn'] if side == 'ad' else ''
    binders = {f['bind_dn'].lower(), f['admin_bind_dn'].lower()}
    container = rdns(written) if written else None
    marker = MARKER_ATTRIBUTE[side].lower()
    out = {}
    for dn, attrs in entries(ldap3_admin(lab, side), base):
        if container and within(dn, container) and any(v.startswith(MARKER) for v in attrs.get(marker, [])):
            continue
        skip = OPERATIONAL | (LOGON_ATTRIBUTES if dn.lower() in binders else set())
        out[dn.lower()] = sorted((k, sorted(v)) for k, v in attrs.items() if k not in skip)
    return out


def differences(before: dict, after: dict) -> list:
    lines = [f'gone: {dn}' for dn in sorted(before.keys() - after.keys())]
    lines += [f'new: {dn} {after[dn]}' for dn in sorted(after.keys() - before.keys())]
    for dn in sorted(before.keys() & after.keys()):
        if before[dn] != after[dn]:
            old, new = dict(before[dn]), dict(after[dn])
            lines += [f'changed: {dn} {k}: {old.get(k)} -> {new.get(k)}' for k in sorted(old.keys() | new.keys())
                      if old.get(k) != new.get(k)]
    return lines


def owned(conn, side: str, container: str) -> dict:
    """anchor -> [(DN, attributes)] of the contacts carrying the marker in the container."""
    attribute = MARKER_ATTRIBUTE[side]
    found: dict = {}
    for dn, attrs in entries(conn, container, f'({attribute}={MARKER}*)'):
        for value in attrs.get(attribute.lower(), []):
            # AD: <prefix><identity>:<anchor> (issue 12, item 4); Domino: <prefix><anchor>
            found.setdefault(value[len(MARKER):].rsplit(':', 1)[-1], []).append((dn, attrs))
    return found


def expected_contact(side: str, source: dict) -> dict:
    """What the contact of a clean source holds, from the source alone (lower-case attributes;
    a name's control and format characters become spaces in the RDN, spacing collapsed)."""
    local = source['mail'].rsplit('@', 1)[0]
    routing = f'{local}@{ROUTING_DOMAIN[side]}'
    name = ' '.join(''.join(c if c.isprintable() else ' ' for c in source['display_name']).split())
    if side == 'domino':        # / and @ are a Notes name's syntax: replaced before the write (issue 13)
        name = name.replace('/', '-').replace('@', '-')
    optional = {'givenname': source['given_name'], 'title': source['fields']['title'],
                'telephonenumber': source['fields']['telephoneNumber']}
    want = {k: [v] if v else [] for k, v in optional.items()}
    marker = MARKER + (AD_IDENTITY if side == 'ad' else DOMINO_IDENTITY) + ':person:' + source['anchor']
    want.update({'mail': [source['mail']], MARKER_ATTRIBUTE[side].lower(): [marker], 'cn': [name]})
    if side == 'ad':
        want.update({'displayname': [source['display_name']], 'sn': [source['surname']] if source['surname'] else [],
                     'mailnickname': [source['alias']], 'targetaddress': [f'SMTP:{routing}'],
                     'proxyaddresses': sorted([f'SMTP:{source["mail"]}', f'smtp:{routing}'])})
    else:
        want.update({'sn': [source['surname'] or source['display_name']], 'mailaddress': [routing],
                     'mailsystem': ['5']})
    return want


def check_contacts(side: str, found: dict, sources: list, clean: set, container: list, plan, outcome) -> int:
    """Every contact read back belongs to a source of the example and carries its address; a clean
    source has exactly one, as :func:`expected_contact` says; any other source has one or an entry
    of the plan or the outcome. Returns how many sources have a contact."""
    by_anchor = {s['anchor']: s for s in sources if s['anchor']}
    stray = sorted(set(found) - set(by_anchor))
    assert not stray, f'contacts for no source of the example: {[found[a][0][0] for a in stray]}'
    for anchor, contacts in found.items():
        assert len(contacts) == 1, f'{len(contacts)} contacts for {anchor}: {[dn for dn, _attrs in contacts]}'
        dn, attrs = contacts[0]
        assert within(dn, container), f'a contact outside the container: {dn!r}'
        assert attrs.get('mail') == [by_anchor[anchor]['mail'].strip()], (dn, attrs.get('mail'), by_anchor[anchor]['mail'])
    for anchor in sorted(clean):
        assert anchor in found, f'clean source {by_anchor[anchor]!r} has no contact'
        attrs = found[anchor][0][1]
        want = expected_contact(side, by_anchor[anchor])
        got = {k: sorted(attrs.get(k, [])) for k in want}
        assert got == {k: sorted(v) for k, v in want.items()}, f'{by_anchor[anchor]!r}: {got} != {want}'
    reported = {c['anchor'] for c in plan.conflicts} | {s['anchor'] for s in plan.skips}
    reported |= {op.anchor for op, _error in outcome.failed}
    for source in sources:
        assert source['anchor'] in found or source['anchor'] in reported, f'{source!r}: no contact and not reported'
    return len(found)


@pytest.mark.parametrize('direction, side', [('domino_to_exchange', 'ad'), ('exchange_to_domino', 'domino')])
def test_hostile_sources_become_correct_contacts_or_per_object_entries(seeded, direction, side):
    container = container_of(seeded, side)
    container_rdns = rdns(container)
    before = {d: outside(seeded, d, container if d == side else None) for d in ('ad', 'domino')}
    assert before[side] and not owned(ldap3_admin(seeded, side), side, container)
    tried, written, clean_written = [], [], []

    @settings(max_examples=75, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])   # no shrinking: each example writes to the lab
    @given(records())
    def one_example(example):
        sources, clean = example
        tried.append(len(sources))
        try:
            prepared = prepare(DIRECTIONS[direction], DIRECTIONS[direction].options(params(seeded, direction, sources)))
        except SetupError as exc:                     # only a whole-direction refusal may stop it
            raise AssertionError(f'a per-object problem stopped the direction: {exc.message}') from None
        try:
            outcome = apply_plan(prepared.client, prepared.plan, prepared.merged, ownership=prepared.ownership)
        finally:
            prepared.client.close()
        assert outcome.aborted is None, outcome.aborted and outcome.aborted.message
        conn = ldap3_admin(seeded, side)
        found = owned(conn, side, container)
        try:
            written.append(check_contacts(side, found, sources, clean, container_rdns, prepared.plan, outcome))
            clean_written.append(len(clean))
        finally:
            for contacts in found.values():           # the next example starts from an empty container
                for dn, _attrs in contacts:
                    conn.delete(dn)

    try:
        one_example()
    except DirectoryError as exc:
        raise AssertionError(f'a directory error escaped the per-object capture: {exc.message}') from None
    after = {d: outside(seeded, d, container if d == side else None) for d in ('ad', 'domino')}
    for d in ('ad', 'domino'):
        assert before[d] == after[d], '\n'.join([f'{d} changed outside the sync\'s contacts:', *differences(before[d], after[d])[:40]])
    # some hostile sources are valid and were written, and clean ones were generated and checked
    assert len(tried) >= 50 and sum(written) and sum(clean_written) >= 20, (tried, written, clean_written)
    print(f'{direction}: {len(tried)} generated examples, {sum(tried)} sources, {sum(clean_written)} of them clean, '
          f'{sum(written)} written; {len(before[side])} {side} entries outside the sync\'s contacts, unchanged')
