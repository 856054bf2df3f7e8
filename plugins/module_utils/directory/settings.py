# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""How to reach and bind to one directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ConnectionSettings:
    """How to reach and bind to one directory; built from a module's ``ad``/``domino`` option."""

    server: str
    label: str = 'LDAP'                      # 'AD' or 'Domino': named in every message
    bind_dn: str | None = None
    bind_password: str | None = field(default=None, repr=False)
    sasl_mech: str | None = None             # 'GSSAPI' for Kerberos
    ca_file: str | None = None
    validate_certs: bool = True
    start_tls: bool = False
    timeout: float = 60                      # seconds one operation (a bind, a page, a write) may take
    connect_timeout: float = 10              # seconds to open the TCP connection (and the TLS handshake)
    connect_retries: int = 2                 # further attempts after a connection that timed out
    connect_retry_delay: float = 5           # seconds before the first retry (twice that before the next)
    # A connection idle longer than this is closed and opened again (bound anew) before its next
    # search or write: AD drops connections idle past MaxConnIdleTime (900 s by default), and a
    # long read of the other directory must not make the first write fail. 0: never.
    idle_reconnect: float = 600
    allow_plaintext_bind: bool = False
    page_size: int = 1000                    # AD's MaxPageSize; 0 turns paging off
    read_only: bool = False                  # True: every write is refused before it is sent (validate)

    @property
    def scheme(self) -> str:
        return urlsplit(self.server).scheme.lower()

    @property
    def where(self) -> str:
        """How messages name this server, e.g. ``AD server ldaps://dc1.corp.example.com``."""
        return f'{self.label} server {self.server}'
