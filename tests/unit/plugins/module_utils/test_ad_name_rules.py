"""AD's own rules for contact names (issue 12, item 5), checked by the planner's simulator, which
models them on its own (plan_simulator.ad_name_key, ad_name_length): Samba accepts what Windows AD
refuses, so these are the checks the lab cannot make.

* Letters without a Unicode decomposition are folded all the same (KB 938447: Meissner and
  Meißner are one name; ø is o, ł is l, đ is d, æ is ae, œ is oe): two sources whose names differ
  only there get anchor suffixes, as accent twins do.
* cn's rangeUpper 64 counts UTF-16 code units: a character outside the Basic Multilingual Plane
  counts twice.
* A create the server refuses as "already exists" on another object's name is added again under
  the name with the anchor's suffix (the server's folding is the one that counts)."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import Ownership, apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Limits, SourceRecord, plan

from plan_simulator import Container, ad_name_length, ad_profile

PROFILE = ad_profile()
A, B = '6F1A2B3C-0000-4000-8000-000000000001', '0B9E8D7C-0000-4000-8000-000000000002'


def source(anchor: str, name: str, mail: str) -> SourceRecord:
    return SourceRecord(anchor=anchor, display_name=name, mail=mail, alias=mail.split('@')[0], dn=f'CN={name},O=Acme')


def run(sources, owned=(), foreign_names=()):
    result = plan(sources, owned, {}, foreign_names, PROFILE, Limits())
    return result, Container(PROFILE, owned, foreign_names).run(result.writes)


@pytest.mark.parametrize('folded, plain', [('Søren Berg', 'Soren Berg'), ('Łukasz Nowak', 'Lukasz Nowak'),
                                           ('Đorđe Pavić', 'Dorde Pavic'), ('Ægir Olsen', 'Aegir Olsen'),
                                           ('Œlle Martin', 'Oelle Martin'), ('Meißner', 'MEISSNER')])
def test_twins_ad_folds_get_suffixes(folded, plain):
    # before: the planner kept both names (its key left these letters alone) and the simulator,
    # which folds them as AD does, refused the second create ('share one name under AD's rules')
    _result, after = run([source(A, folded, 'a@example.com'), source(B, plain, 'b@example.com')])
    names = sorted(PROFILE.rdn_value(c.dn) for c in after.owned())
    assert names == sorted([f'{folded} (6f1a2b3c)', f'{plain} (0b9e8d7c)'])


def test_a_foreign_object_named_with_the_plain_letters_forces_a_suffix():
    _result, after = run([source(A, 'Jørgen Hansen', 'j@example.com')], foreign_names=['Jorgen Hansen'])
    assert [PROFILE.rdn_value(c.dn) for c in after.owned()] == ['Jørgen Hansen (6f1a2b3c)']


def test_the_cn_limit_counts_utf16_code_units():
    # 40 emoji and 30 letters: 70 characters, 110 UTF-16 code units. Before: cut to 64 characters
    # (104 units), which AD refuses; after: cut to what fits 64 units.
    name = '\U0001F600' * 40 + 'x' * 30
    _result, after = run([source(A, name, 'a@example.com')])
    [contact] = after.owned()
    cn = PROFILE.rdn_value(contact.dn)
    assert ad_name_length(cn) <= 64 and cn == '\U0001F600' * 32
    assert PROFILE.name_length('\U0001F600') == 2


class FoldingDirectory:
    """A directory holding 'CN=Jorgen Hansen' (another object) that refuses an add of any name it
    folds to the same (as Windows AD does for names no table of the planner covers); records adds."""

    def __init__(self):
        self.adds = []

    def search(self, base, filterstr, attrs, scope='subtree'):
        if base.lower().startswith('cn=jørgen hansen,') or base.lower().startswith('cn=jorgen hansen,'):
            return [Entry(base, {'adminDescription': ['someone else']})]
        return []

    def add(self, dn, attrs):
        if dn.lower().startswith('cn=jørgen hansen,'):
            raise DirectoryError(f'{dn} already exists', kind='already_exists', dn=dn)
        self.adds.append((dn, attrs))


def test_a_create_meeting_already_exists_on_another_objects_name_is_retried_with_the_suffix():
    result = plan([source(A, 'Jørgen Hansen', 'j@example.com')], [], {}, [], PROFILE, Limits())
    [create] = result.operations
    directory = FoldingDirectory()
    outcome = apply_plan(directory, result, list(PROFILE.merged()),
                         ownership=Ownership(PROFILE.marker_attribute, PROFILE.anchor_of))
    # before: a per-object error ('already exists'), the source without a contact for good
    assert not outcome.failed and outcome.done == [create]
    [(dn, attrs)] = directory.adds
    assert dn.startswith('CN=Jørgen Hansen (6f1a2b3c),') and attrs['cn'] == ['Jørgen Hansen (6f1a2b3c)']
    assert create.dn == dn and 'already in use' in create.reason
    assert attrs[PROFILE.marker_attribute] == PROFILE.marker(A)[PROFILE.marker_attribute]
