# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Opening a directory connection from a module's ``ad``/``domino`` option: the one path every
module, direction and probe takes to reach a directory."""

from __future__ import annotations

from .client import LdapClient
from .errors import DirectoryError
from .settings import ConnectionSettings

SIDES = {'ad': 'AD', 'domino': 'Domino'}


def missing_server(side: str) -> str:
    """What to say when a side's server is not configured."""
    return (f'{side}.server is not set: give the {SIDES[side]} directory URI in the {side} option or in '
            f'COEXIST_{side.upper()}_SERVER')


def connection_settings(side: str, params: dict | None, *, server: str | None = None,
                        read_only: bool = False) -> ConnectionSettings | None:
    """ConnectionSettings from a validated ``ad``/``domino`` option, or None when no server is set.

    ``server`` reaches another server with the same credentials (AD's Global Catalog);
    ``read_only`` (or the option dict's own ``read_only`` key, which validate sets on the dicts it
    hands to the directions) makes the connection refuse every write before it is sent."""
    server = server or (params or {}).get('server')
    if not server:
        return None
    return ConnectionSettings(
        server=server,
        label=SIDES[side],
        bind_dn=params.get('bind_dn'),
        bind_password=params.get('bind_password'),
        sasl_mech=params.get('sasl_mech'),
        ca_file=params.get('ca_file'),
        validate_certs=params['validate_certs'],
        start_tls=params['start_tls'],
        allow_plaintext_bind=params['allow_plaintext_bind'],
        timeout=params['timeout'],
        connect_timeout=params['connect_timeout'],
        connect_retries=params.get('connect_retries', 2),
        idle_reconnect=params.get('idle_reconnect', 600),
        page_size=params['page_size'],
        read_only=read_only or bool(params.get('read_only', False)),
    )


def connect(settings: ConnectionSettings) -> LdapClient:
    """A connected, bound client; raises DirectoryError. The caller closes it (or uses it as a
    context manager)."""
    return LdapClient(settings).connect()


def open_directory(side: str, params: dict | None, *, server: str | None = None,
                   read_only: bool = False) -> LdapClient:
    """A connected, bound client for one side; raises DirectoryError (kind ``configuration`` when
    no server is set)."""
    settings = connection_settings(side, params, server=server, read_only=read_only)
    if settings is None:
        raise DirectoryError(missing_server(side), kind='configuration')
    return connect(settings)
