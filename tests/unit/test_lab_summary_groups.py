"""The lab's `show` summary counts Exchange groups per seeded category, as the manifest does
(issue 18): the summary's categorise() judges each seeded group from its attributes alone, and
must put it where the seed plan put it. Only the collision group (a distribution group whose
address a mailbox holds, which takes a comparison with the mailboxes to tell) counts as a
distribution group."""
from __future__ import annotations

import random

from coexist_lab.ad import seed


def ldap_entry(attrs: dict) -> dict:
    """A seed entry as python-ldap returns it: every value a list of bytes."""
    return {k: [str(v).encode() for v in (vs if isinstance(vs, list) else [vs])] for k, vs in attrs.items()}


def test_every_seeded_group_is_counted_in_its_category():
    plan = seed.SeedPlan(random.Random(seed.SEED))
    groups = {dn: attrs for dn, attrs in plan.entries + plan.late_entries
              if plan.category_of.get(dn) in set(seed.GROUP_SOURCE_CATEGORIES) | {'groups_not_read'}}
    assert len(groups) == 8
    judged = {dn: seed.categorise(ldap_entry(attrs)) for dn, attrs in groups.items()}
    expected = {dn: 'mail_groups' if plan.category_of[dn] == 'group_collision' else plan.category_of[dn]
                for dn in groups}
    assert judged == expected
