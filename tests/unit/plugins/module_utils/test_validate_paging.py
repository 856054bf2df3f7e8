"""validate's paging line (issue 13, item 7): what it says for each answer a server may give to a
paged search, and what the sync will then do. The lab shows two of them (a server that pages, and
one without paging that refuses the control: tests/integration/test_unpaged_reads.py); the others
(advertised but refused or ignored) come from a stand-in directory here: pure logic, synthesized."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import check_paging


class _Root:
    def __init__(self, advertised):
        self.supports_paging = advertised


class _Directory:
    """A stand-in for ReadOnlyDirectory: the root DSE's word and the paged search's outcome."""

    server = 'ldaps://domino.example.test'

    def __init__(self, advertised, outcome, page_size=1000):
        self._root, self._outcome = _Root(advertised), outcome
        self.page_size, self.timeout = page_size, 30.0

    def root_dse(self):
        return self._root

    def probe_paging(self, base, filterstr):
        return {'outcome': self._outcome, 'entries': 2, 'detail': 'stand-in'}


@pytest.mark.parametrize('advertised, outcome, page_size, status, says', [
    (True, 'pages', 1000, 'pass', 'the sync reads in pages of 1000'),
    (True, 'refused', 1000, 'fail', 'the sync would send the control and fail'),
    (True, 'ignored', 1000, 'warn', 'within one operation timeout'),
    (False, 'refused', 1000, 'warn', 'one unpaged search, streamed'),
    (False, 'ignored', 1000, 'warn', 'one unpaged search, streamed'),
    (True, 'refused', 0, 'info', 'page_size is 0'),
])
def test_the_paging_line_says_what_the_sync_will_do(advertised, outcome, page_size, status, says):
    found = check_paging(_Directory(advertised, outcome, page_size), 'Domino', '', '(objectClass=dominoPerson)')
    assert len(found) == 1
    assert found[0].status == status and says in found[0].found, found[0]
    assert found[0].found.startswith('advertised in the root DSE' if advertised else 'not advertised in the root DSE')
    if status == 'fail' or (status == 'warn' and advertised):
        assert 'page_size: 0' in found[0].todo
