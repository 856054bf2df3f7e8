# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Escaping, filters and DNs (RFC 4514 / RFC 4515), all through python-ldap's own functions."""

from __future__ import annotations

import functools

from .errors import DirectoryError
from .python_ldap import ldap


def escape_filter_value(value: str) -> str:
    """Escape a value for use inside a search filter (RFC 4515): ``*()\\`` and NUL."""
    return ldap.filter.escape_filter_chars(value, escape_mode=0)


def filter_equals(attribute: str, value: str) -> str:
    """``(attribute=value)`` with the value escaped."""
    return f'({attribute}={escape_filter_value(value)})'


def escape_dn_value(value: str) -> str:
    """Escape an attribute value for use in a DN (RFC 4514).

    python-ldap escapes the RFC's special characters; control characters are hex-escaped on
    top, because libldap's DN parser would otherwise take a newline or tab for spacing.
    """
    escaped = ldap.dn.escape_dn_chars(value)
    return ''.join(f'\\{ord(ch):02x}' if ord(ch) < 0x20 or ord(ch) == 0x7f else ch for ch in escaped)


def rdn(attribute: str, value: str) -> str:
    """A single-valued RDN such as ``CN=Doe\\, John``."""
    return f'{attribute}={escape_dn_value(value)}'


def parse_dn(dn: str) -> list:
    """Split a DN into RDNs (lists of (type, value, flags)); raises DirectoryError if malformed."""
    try:
        return ldap.dn.str2dn(dn)
    except ldap.DECODING_ERROR:
        raise DirectoryError(f'{dn!r} is not a valid LDAP distinguished name', kind='configuration', dn=dn) from None


@functools.lru_cache(maxsize=65536)
def normalize_dn(dn: str) -> str:
    """A DN in one canonical spelling, for comparing DNs: attribute types lower-cased, values
    re-escaped, spaces around separators dropped, values case-folded (both AD and Domino compare
    DN values case-insensitively).

    Memoised: a run compares the same DNs (the container, the address lists on every contact)
    tens of thousands of times, and parsing and re-escaping dominated a 20,000-contact plan."""
    parts = parse_dn(dn)
    return ldap.dn.dn2str([[(a.lower(), v.casefold(), f) for a, v, f in rdn_] for rdn_ in parts])


@functools.lru_cache(maxsize=262144)
def dn_key(dn: str) -> tuple:
    """A DN as a comparable key, cheaper than normalize_dn (no re-escaping): the RDNs as tuples of
    (type lower-cased, value case-folded)."""
    return tuple(tuple((a.lower(), v.casefold()) for a, v, _f in rdn_) for rdn_ in parse_dn(dn))


def parent_dn(dn: str) -> str:
    """The DN one level up ('' for a single RDN)."""
    return ldap.dn.dn2str(parse_dn(dn)[1:])


def dn_is_within(dn: str, container: str) -> bool:
    """True if ``dn`` is ``container`` or below it (the empty container holds everything)."""
    if '\\' not in dn and '\\' not in container and container:
        # Without escapes the values are spelled literally: a suffix settles "yes", and a DN
        # that does not even contain the container's top value settles "no", without parsing
        # (a read of 40,000 entries asks this for each).
        lowered, top = dn.lower(), container.rsplit('=', 1)[-1].strip().lower()
        if lowered.endswith(',' + container.lower()) or lowered == container.lower():
            return True
        if top not in lowered:
            return False
    inner, outer = parse_dn(dn), parse_dn(container)
    if not outer:
        return True
    if len(inner) < len(outer):
        return False
    return normalize_dn(ldap.dn.dn2str(inner[len(inner) - len(outer):])) == normalize_dn(container)


def dns_domain_of(dn: str) -> str:
    """The DNS name an AD DN's ``DC=`` parts spell (``OU=x,DC=corp,DC=example,DC=com`` ->
    ``corp.example.com``); '' when it has none or does not parse."""
    try:
        parts = parse_dn(dn)
    except DirectoryError:
        return ''
    return '.'.join(value for rdn_ in parts for attribute, value, _flags in rdn_ if attribute.lower() == 'dc').lower()
