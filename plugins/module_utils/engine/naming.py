# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Names of contacts in a container, the part both targets share: ``CN=<name>,<container>``,
how names compare, and the DN arithmetic the planner asks a profile for (see ContactProfile in
plan.py). Each target's profile (dialects/ad.py, dialects/domino.py) adds its limits and attributes."""

from __future__ import annotations

import functools
import unicodedata

from ..directory.dn import dn_key, parent_key, parse_dn, rdn

# The two caches below serve the repeats within a phase of the planner, not the whole estate: at
# 262,144 entries each they held a key and a node per name and DN for the process's life, about
# 60 MiB at the no-op plan's peak at 200,000 sources, for 1.2 s less CPU (benchmarks/README.md,
# "domino_to_exchange at 200,000"; issue 17).
_CACHED = 8192


@functools.lru_cache(maxsize=_CACHED)
def name_key(name: str) -> str:
    """Names compared case- and accent-insensitively: how Windows AD compares RDN values, and
    how Notes name lookups treat names (so two Domino contacts never differ only in accents).
    Samba and slapd are stricter; the planner follows the looser rule so the lab cannot hide a
    collision."""
    if name.isascii():
        # Most names: NFKD, the marks and the table leave ASCII as it is, and casefold() is lower()
        # (the same key as _folded(); the whole folding was about half of a delta run's scope and plan
        # CPU at 100,000 contacts, profiled).
        return name.lower().strip()
    return _folded(name)


def _folded(name: str) -> str:
    decomposed = unicodedata.normalize('NFKD', name)
    return ''.join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().translate(_FOLDED).strip()


# Letters Unicode does not decompose into a base letter and a mark, which Windows AD still
# compares as their base letters (vendor facts, KB 938447: "Meissner" is taken when
# "Meißner" exists; ø is o). casefold() already makes ß ss and the capitals small.
_FOLDED = str.maketrans({'ø': 'o', 'ł': 'l', 'đ': 'd', 'æ': 'ae', 'œ': 'oe'})


@functools.lru_cache(maxsize=_CACHED)
def first_rdn_value(dn: str) -> str:
    return parse_dn(dn)[0][0][1]


class ContainerNaming:
    """Mixin for a frozen dataclass with a ``container`` DN: contacts are ``CN=<name>`` directly
    inside it. Call :meth:`_init_naming` from ``__post_init__``."""

    container: str
    rdn_attribute = 'cn'

    def _init_naming(self) -> None:
        object.__setattr__(self, '_suffix', ',' + self.container)
        object.__setattr__(self, '_container_key', dn_key(self.container))

    def name_key(self, name: str) -> str:
        return name_key(name)

    def dn_for(self, name: str, kind: str = '') -> str:
        # One container for every kind of recipient; a profile with an OU per kind overrides it.
        return f'{rdn("CN", name)}{self._suffix}'

    def container_keys(self) -> frozenset:
        """The parent keys of every container the profile places contacts in (one here)."""
        return frozenset({self._container_key})

    def kind_of_parent(self, dn: str) -> str:
        """The kind of recipient a contact's place tells, '' when it tells none (one container
        holds every kind)."""
        return ''

    def rdn_value(self, dn: str) -> str:
        return first_rdn_value(dn)

    def parent_key(self, dn: str) -> tuple:
        # Fast path for the usual case, a contact directly in the container as the container is
        # spelled here: one RDN (no unescaped comma) before ",<container>". The rest is parsed.
        suffix = self._suffix
        if dn.endswith(suffix) and ',' not in dn[:-len(suffix)].replace('\\\\', '').replace('\\,', ''):
            return self._container_key
        return parent_key(dn_key(dn))
