# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The read-only guard: what a probe may do with a directory (validate, the Exchange 2003
routing check). Writes are refused twice over: this wrapper has no write method, and the
connections it wraps are opened with ``read_only`` (LdapClient refuses a write before sending it)."""

from __future__ import annotations

from .client import LdapClient


class ReadOnlyDirectory:
    """The read side of an LdapClient, and nothing else: what a probe may do."""

    def __init__(self, client: LdapClient):
        self._client = client
        self.where = client.settings.where
        self.server = client.settings.server

    def root_dse(self):
        return self._client.root_dse()

    def search(self, base: str, filterstr: str = '(objectClass=*)', attrs=None, **kwargs):
        return self._client.search(base, filterstr, attrs, **kwargs)

    def exists(self, dn: str) -> bool:
        return self._client.exists(dn)

    def probe_paging(self, base: str, filterstr: str = '(objectClass=*)', size: int = 1) -> dict:
        return self._client.probe_paging(base, filterstr, size)

    @property
    def timeout(self) -> float:
        return self._client.settings.timeout

    @property
    def bind_method(self) -> str:
        return self._client.bind_method

    @property
    def encryption(self) -> str:
        return self._client.encryption

    @property
    def pages_read(self) -> int:
        return self._client.pages_read

    @property
    def page_size(self) -> int:
        return self._client.settings.page_size
