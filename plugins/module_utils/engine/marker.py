# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The ownership marker with the identity of the sync that wrote it.

``<prefix><identity>:<anchor>``, for example
``coexist.domino_exchange:domino1.example.com:6F1A2B3C...``. The identity names the source the
sync reads (the ``instance`` option, else one derived from the source directory), so two syncs
pointed at one container never take each other's contacts. A marker without an identity
(``<prefix><anchor>``, what version 0.1 wrote) belongs to whichever sync reads it first: that run
adopts the contact and rewrites the marker with its identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OWN, ADOPT, OTHER = 'own', 'adopt', 'other'
# The collection's marker prefix, the same in both directories: each direction recognises the
# other's contacts by it (and never reads them as mailboxes), so both dialects take it from here.
DEFAULT_MARKER_PREFIX = 'coexist.domino_exchange:'
_NOT_IN_IDENTITY = re.compile(r'[^a-z0-9._-]+')


def identity_name(text: str) -> str:
    """An identity as a marker carries it: lower case, letters, digits, '.', '_' and '-' only."""
    return _NOT_IN_IDENTITY.sub('-', (text or '').strip().lower()).strip('-')


@dataclass(frozen=True)
class Marker:
    prefix: str
    identity: str = ''          # '' writes and accepts the identity-less 0.1 marker only

    def value(self, anchor: str) -> str:
        return f'{self.prefix}{self.identity}:{anchor}' if self.identity else f'{self.prefix}{anchor}'

    def read(self, value: str) -> tuple:
        """(anchor, OWN | ADOPT | OTHER, the identity found) of a marker value; ('', '', '') when
        it is not a marker of this collection at all."""
        if not value.startswith(self.prefix):
            return '', '', ''
        rest = value[len(self.prefix):]
        identity, sep, anchor = rest.rpartition(':')
        if not sep:                                   # the 0.1 marker: no identity
            return rest, (OWN if not self.identity else ADOPT), ''
        if not self.identity:
            return anchor, OTHER, identity
        return anchor, (OWN if identity == self.identity else OTHER), identity

    def anchor_of(self, value: str) -> str:
        """The anchor when the marker is this sync's (or an identity-less one it adopts), else ''."""
        anchor, state, _identity = self.read(value)
        return anchor if state in (OWN, ADOPT) else ''
