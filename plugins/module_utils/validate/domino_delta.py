# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""What the Domino LDAP service offers the delta runs that are decided but not built
(architecture.rst, "Decided, not yet built"), asked read-only at the site, because HCL documents
neither (vendor facts D-5, D-10 item 3):

- **A change time.** A delta run of domino_to_exchange needs the Persons changed since a
  watermark. Whether Domino returns ``modifyTimestamp`` is unknown: one Person is read asking for
  it by name, then a base search of that Person filters on it twice, once to match and once (a
  time no entry can have) to miss, so a server that ignores the term is not taken for one that
  evaluates it.
- **Name matching.** A delta run of exchange_to_domino that read only the Domino entries its
  changes touch would look names up with a ``cn`` filter, and the planner compares names case-
  and accent-insensitively (``name_key``). Whether a ``cn`` search matches a name whatever its
  accents is unknown on Domino (slapd, the lab's stand-in, folds case but not accents): a Person
  with an accented common name is looked up by the same name with its accents taken off, and one
  by its name in the other case.

Both lines are INFO: today every run reads the Domino side in full and relies on neither answer.
A server that refuses a probe's filter answers the question ("not filterable"), it is no failure.
"""

from __future__ import annotations

import re
import typing as t
import unicodedata

from ..directory.dn import dn_key, escape_filter_value, filter_equals
from ..directory.errors import DirectoryError

if t.TYPE_CHECKING:
    from ..directory.read_only import ReadOnlyDirectory

INFO = 'info'
CHANGE_TIME = 'Domino: change time for delta runs'
NAME_MATCHING = 'Domino: cn searches and accents'
# Persons read at most for a value of modifyTimestamp: a server that returns it returns it on
# the first; one that does not should not cost the probe a read of the whole directory.
TIME_SAMPLE = 200
# RFC 4517 GeneralizedTime as directories write it: a date and time to the second, an optional
# fraction, Z or an offset.
_GENERALIZED_TIME = re.compile(r'^\d{14}(?:[.,]\d+)?(?:Z|[+-]\d{4})$')
_NEVER = '99991231235959Z'                    # a change time no entry has


def _finds(directory: ReadOnlyDirectory, dn: str, filterstr: str) -> bool:
    """Whether a base search of ``dn`` with ``filterstr`` returns it."""
    return any(dn_key(e.dn) == dn_key(dn) for e in directory.search(dn, filterstr, ['objectClass'], scope='base'))


def change_time(directory: ReadOnlyDirectory, base: str) -> tuple:
    """(status, server, check, found, todo) for modifyTimestamp on the Persons under ``base``."""
    seen, value, dn = 0, '', ''
    try:
        for entry in directory.search(base, '(objectClass=dominoPerson)', ['modifyTimestamp']):
            seen += 1
            value = entry.get('modifyTimestamp') or ''
            if value or seen >= TIME_SAMPLE:
                dn = entry.dn
                break
    except DirectoryError as exc:                 # information only: never a failed line
        return INFO, directory.server, CHANGE_TIME, f'not asked: the Persons could not be read ({exc.message})', ''
    later = ('domino_to_exchange reads the Domino side in full on every run (delta runs read only '
             'Exchange mailboxes)')
    if not seen:
        return INFO, directory.server, CHANGE_TIME, f'no Person under {base or "the directory root"} to ask', ''
    if not value:
        return (INFO, directory.server, CHANGE_TIME, f'modifyTimestamp not returned on {seen} Persons asked '
                f'for it by name: a delta run of domino_to_exchange would have no change time to read; {later}', '')
    if not _GENERALIZED_TIME.match(value):
        return (INFO, directory.server, CHANGE_TIME, f'modifyTimestamp returned as {value!r}, not a '
                f'GeneralizedTime: no change time a delta run could compare; {later}', '')
    try:
        matched = _finds(directory, dn, f'(modifyTimestamp>={escape_filter_value(value)})')
        missed = not _finds(directory, dn, f'(modifyTimestamp>={_NEVER})')
    except DirectoryError as exc:
        return (INFO, directory.server, CHANGE_TIME, f'modifyTimestamp returned ({value} on {dn}) but a filter on '
                f'it was refused ({exc.message}); {later}', '')
    if matched and missed:
        return (INFO, directory.server, CHANGE_TIME, f'modifyTimestamp returned ({value} on {dn}) and filterable '
                f'(>= its value finds the Person, >= {_NEVER} does not): a delta run of domino_to_exchange could '
                f'read the Persons changed since a watermark; whether every change to a Person moves it is not '
                f'probed (a read cannot tell); {later}', '')
    return (INFO, directory.server, CHANGE_TIME, f'modifyTimestamp returned ({value} on {dn}) but a filter on it '
            f'{"matches a time no entry has" if not missed else "does not find the Person it came from"}: not '
            f'usable as a change time; {later}', '')


def without_accents(name: str) -> str:
    """``name`` with its combining marks taken off (canonical decomposition, NFD), case and every
    other character kept; '' when it has no mark to take off (ø, a letter Unicode does not
    decompose, has none) or nothing but marks."""
    decomposed = unicodedata.normalize('NFD', name)
    kept = ''.join(ch for ch in decomposed if not unicodedata.combining(ch))
    if kept == decomposed or not kept.strip():
        return ''
    return unicodedata.normalize('NFC', kept)


def name_matching(directory: ReadOnlyDirectory, base: str) -> tuple:
    """(status, server, check, found, todo): a ``cn`` search for a Person's common name without its
    accents, and one in the other case, each asked to find that Person again. Reads the Persons'
    ``cn`` until the first accented one (on a site without one, all of them)."""
    accented = cased = None                       # (dn, the cn value as read)
    try:
        for entry in directory.search(base, '(objectClass=dominoPerson)', ['cn']):
            for value in entry.values('cn'):
                if cased is None and value.swapcase() != value and value.isascii():
                    cased = (entry.dn, value)
                if accented is None and without_accents(value):
                    accented = (entry.dn, value)
            if accented and cased:
                break
    except DirectoryError as exc:                 # information only: never a failed line
        return INFO, directory.server, NAME_MATCHING, f'not asked: the Persons could not be read ({exc.message})', ''
    if cased is None and accented is None:
        return (INFO, directory.server, NAME_MATCHING,
                f'no Person under {base or "the directory root"} with a common name to try', '')
    parts = []
    try:
        if cased is not None:
            dn, value = cased
            other = value.swapcase()
            folds = _finds(directory, dn, filter_equals('cn', other))
            parts.append(f'case {"folded" if folds else "NOT folded"} ({other!r} {"finds" if folds else "misses"} '
                         f'{value!r})')
        if accented is None:
            parts.append('accents not tried: no Person with an accented common name')
        else:
            dn, value = accented
            plain = without_accents(value)
            folds = _finds(directory, dn, filter_equals('cn', plain))
            parts.append(f'accents {"folded" if folds else "NOT folded"} ({plain!r} {"finds" if folds else "misses"} '
                         f'{value!r})')
    except DirectoryError as exc:
        parts.append(f'a cn filter was refused ({exc.message})')
    return (INFO, directory.server, NAME_MATCHING, '; '.join(parts) + ': a delta run of exchange_to_domino reads '
            'the Domino side in full, so it relies on neither; reading only the names its changes touch would need '
            'both folded, as the planner compares names', '')
