"""validate's probe that the DC shows dynamic distribution groups to the sync account (issue 18,
vendor facts X-9): the SDDL reading and the decision, pure logic. The lab shows the PASS (its class
gives authenticated users read) and the WARN (the class's default changed online, the group made
again): tests/integration/test_validate.py."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.dynamic_groups import (
    every_account_reads, verdict)

# The group class's default descriptor, as Learn publishes it (c-group): authenticated users read.
GROUP_DEFAULT = ('D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)(A;;RPLCLORC;;;AU)'
                 '(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;AO)(A;;RPLCLORC;;;PS)(OA;;CR;ab721a55-1e2f-11d0-9819-00aa0040529b;;AU)')
ADMINS_ONLY = 'D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)'


@pytest.mark.parametrize('sddl, reads', [
    (GROUP_DEFAULT, True),
    (ADMINS_ONLY, False),
    ('O:DAG:DAD:(A;;GR;;;WD)', True),                                  # Everyone, generic read
    ('D:(A;;0x80000000;;;S-1-5-11)', True),                            # Authenticated Users by SID, hex mask
    ('D:(A;;0x14;;;AU)', True),                                         # RP in a mask (0x10)
    ('D:(A;;LCLO;;;AU)', False),                                        # list only: no attribute read
    ('D:(A;;RP;;;PS)', False),                                          # only the object itself (SELF)
    ('D:(OA;;RP;bf967a86-0de6-11d0-a285-00aa003049e2;;AU)', False),     # one property (set) only
    ('D:(A;CIIO;RP;;;AU)', False),                                      # inherit-only: not the object
    ('D:(A;;RPLCLORC;;;AU)(D;;RP;;;WD)', False),                        # a deny for everyone
    ('D:(A;;GA;;;AU)S:(AU;SA;RP;;;WD)', True),                          # the SACL is not the DACL
    ('', False),
])
def test_every_account_reads(sddl, reads):
    assert every_account_reads(sddl) is reads


@pytest.mark.parametrize('in_schema, default_sd, visible, readable, status, says', [
    (False, None, 0, 0, 'info', 'the schema has no class msExchDynamicDistributionList'),
    (True, GROUP_DEFAULT, 3, 3, 'pass', '3 seen, each with its mailNickname; its default security descriptor lets'),
    (True, GROUP_DEFAULT, 0, 0, 'info', 'none seen; its default security descriptor lets every authenticated account'),
    (True, GROUP_DEFAULT, 3, 1, 'warn', '3 seen, 2 of them without a readable mailNickname'),
    (True, ADMINS_ONLY, 0, 0, 'warn', 'none seen, and its default security descriptor gives authenticated users no read'),
    (True, None, 0, 0, 'warn', 'none seen, and its default security descriptor could not be read'),
    (True, ADMINS_ONLY, 2, 2, 'info', '2 seen, through the rights the containers pass down'),
    (True, None, 2, 2, 'info', 'could not be read, so one made where those rights do not reach'),
    (True, ADMINS_ONLY, 2, 0, 'warn', '2 seen, 2 of them without a readable mailNickname'),
])
def test_verdict_never_passes_when_it_cannot_tell(in_schema, default_sd, visible, readable, status, says):
    found_status, found, todo = verdict(in_schema, default_sd, visible, readable)
    assert (found_status, says in found) == (status, True), found
    # a warning or an unsure count always says what to do; a pass never does
    assert bool(todo) == (status == 'warn' or (status == 'info' and visible > 0)), todo
