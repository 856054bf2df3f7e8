# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The ownership marker with the identity of the sync that wrote it and the kind of recipient.

``<prefix><identity>:<kind>:<anchor>``, for example
``coexist.domino_exchange:domino1.example.com:group:6F1A2B3C...``. The identity names the source
the sync reads (the ``instance`` option, else one derived from the source directory), so two syncs
pointed at one container never take each other's contacts. The kind (``person``, ``group``,
``mailin``, ``resource``: engine/plan.py RECIPIENT_KINDS) is what the contact stands for: once its
source is gone, nothing else in the target tells it (every contact's msExchRecipientDisplayType is
the same), and the report of its deletion names it from here.

Older markers stay valid, so an upgrade rewrites nothing by itself:

- ``<prefix><identity>:<anchor>`` (before the kind): this sync's, kind unknown; the marker gains
  its kind with the next write the contact gets anyway (engine/plan.py _compare).
- ``<prefix><anchor>`` (version 0.1, no identity): belongs to whichever sync reads it first; that
  run adopts the contact and rewrites the marker with its identity and kind.

A version of the collection from before the kind reads ``<identity>:<kind>`` as an identity not
its own, so it leaves such a contact alone (never takes or deletes it).
"""

from __future__ import annotations

import re
import sys
import typing as t
from dataclasses import dataclass

OWN, ADOPT, OTHER = 'own', 'adopt', 'other'
# The collection's marker prefix, the same in both directories: each direction recognises the
# other's contacts by it (and never reads them as mailboxes), so both dialects take it from here.
DEFAULT_MARKER_PREFIX = 'coexist.domino_exchange:'
_NOT_IN_IDENTITY = re.compile(r'[^a-z0-9._-]+')
_KIND = re.compile(r'[a-z]{1,32}')           # a kind as the marker carries it


def identity_name(text: str) -> str:
    """An identity as a marker carries it: lower case, letters, digits, '.', '_' and '-' only."""
    return _NOT_IN_IDENTITY.sub('-', (text or '').strip().lower()).strip('-')


class MarkerFields(t.NamedTuple):
    """What a marker value says. ``state``: OWN, ADOPT, OTHER, or '' when the value is not a
    marker of this collection at all (then every field is '')."""

    anchor: str
    state: str
    identity: str
    kind: str


NOT_A_MARKER = MarkerFields('', '', '', '')


@dataclass(frozen=True)
class Marker:
    prefix: str
    identity: str = ''          # '' writes and accepts the identity-less 0.1 marker only (no kind)

    def value(self, anchor: str, kind: str = '') -> str:
        """The marker this sync writes for ``anchor``; with ``kind`` when it has an identity (a
        kind is a name of lower-case letters, engine/plan.py RECIPIENT_KINDS)."""
        if not self.identity:
            return f'{self.prefix}{anchor}'
        if kind and _KIND.fullmatch(kind):
            return f'{self.prefix}{self.identity}:{kind}:{anchor}'
        return f'{self.prefix}{self.identity}:{anchor}'

    def read(self, value: str) -> MarkerFields:
        """What ``value`` says: its anchor, whose it is to this sync (OWN | ADOPT | OTHER), the
        identity found and the kind found ('' when it carries none)."""
        if not value.startswith(self.prefix):
            return NOT_A_MARKER
        rest = value[len(self.prefix):]
        identity, sep, anchor = rest.partition(':')   # an identity never holds ':' (identity_name)
        if not sep:                                   # the 0.1 marker: no identity, no kind
            return MarkerFields(rest, OWN if not self.identity else ADOPT, '', '')
        kind = ''
        maybe_kind, sep, after = anchor.partition(':')
        if sep and _KIND.fullmatch(maybe_kind):        # identity:kind:anchor
            # One string per kind, not one per contact: each owned contact keeps its kind
            # (about 55 bytes each, 11 MB at 200,000 contacts, issue 17).
            kind, anchor = sys.intern(maybe_kind), after
        if not self.identity:
            return MarkerFields(anchor, OTHER, identity, kind)
        return MarkerFields(anchor, OWN if identity == self.identity else OTHER, identity, kind)

    def anchor_of(self, value: str) -> str:
        """The anchor when the marker is this sync's (or an identity-less one it adopts), else ''."""
        found = self.read(value)
        return found.anchor if found.state in (OWN, ADOPT) else ''

    def ours(self, values: t.Iterable[str]) -> MarkerFields:
        """The first of an object's marker values that is this sync's (or one it adopts), else
        NOT_A_MARKER."""
        for value in values:
            found = self.read(value)
            if found.state in (OWN, ADOPT):
                return found
        return NOT_A_MARKER


class MarkedProfile:
    """The marker methods both dialects' contact profiles share (dialects/ad.py AdContactProfile,
    dialects/domino.py DominoContactProfile): the profile supplies ``marker_attribute``,
    ``marker_prefix`` and ``identity``, this reads and writes the marker the same way for both."""

    __slots__ = ()
    marker_attribute: str
    marker_prefix: str
    identity: str

    @property
    def ownership(self) -> Marker:
        return Marker(self.marker_prefix, self.identity)

    def marker(self, anchor: str, kind: str = '') -> dict:
        return {self.marker_attribute: [self.ownership.value(anchor, kind)]}

    def anchor_of(self, marker_value: str) -> str:
        """The anchor of this sync's marker (or of an identity-less 0.1 marker, adopted), else ''."""
        return self.ownership.anchor_of(marker_value)

    def marker_of(self, entry) -> MarkerFields:
        """What ``entry``'s marker says when it is this sync's (or one it adopts), else NOT_A_MARKER."""
        return self.ownership.ours(entry.values(self.marker_attribute))

    def owner_of(self, entry) -> str:
        """The identity of another sync whose marker ``entry`` carries ('(no identity)' for a 0.1
        marker another sync's identity-less run wrote), else ''."""
        for value in entry.values(self.marker_attribute):
            found = self.ownership.read(value)
            if found.state == OTHER:
                return found.identity or '(no identity)'
        return ''
