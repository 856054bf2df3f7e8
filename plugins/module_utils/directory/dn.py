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
import re

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
    except (ldap.DECODING_ERROR, UnicodeDecodeError):
        # A value spelled as '#' and hex (RFC 4514's BER form) that is not UTF-8 ('CN=#aa'):
        # python-ldap decodes it and lets the UnicodeDecodeError out (found by the property test).
        raise DirectoryError(f'{dn!r} is not a valid LDAP distinguished name', kind='configuration', dn=dn) from None


@functools.lru_cache(maxsize=8192)
def normalize_dn(dn: str) -> str:
    """A DN in one canonical spelling, for comparing DNs: attribute types lower-cased, values
    re-escaped, spaces around separators dropped, values case-folded (both AD and Domino compare
    DN values case-insensitively).

    Memoised: a run compares the same few DNs (the container, the address lists on every
    contact) tens of thousands of times, and parsing and re-escaping dominated a 20,000-contact
    plan. Bounded small: DNs met once each (every contact's own) are compared with
    :func:`dn_key`, which needs no cache."""
    parts = parse_dn(dn)
    return ldap.dn.dn2str([[(a.lower(), v.casefold(), f) for a, v, f in rdn_] for rdn_ in parts])


# dn_key's separators: between RDNs, and between the attribute-value pairs of a multi-valued RDN.
# Neither can be in a key's values (escaped, _key_value); an attribute type never holds them.
_KEY_RDN, _KEY_AVA = '\x00', '\x01'
# A DN with none of these is spelled plainly: every comma separates RDNs, every value is literal.
_NOT_PLAIN = re.compile(r'[\\"+;#<>\x00-\x1f\x7f]')
_PLAIN_TYPE = re.compile(r'[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*')


def _key_value(value: str) -> str:
    value = value.casefold()
    if '\\' in value or _KEY_RDN in value or _KEY_AVA in value:
        value = value.replace('\\', '\\\\').replace(_KEY_RDN, '\\0').replace(_KEY_AVA, '\\1')
    return value


def _plain_key(dn: str) -> str | None:
    """dn_key of a DN spelled plainly (no escapes, quotes, multi-valued RDNs, hex values), by
    splitting, as RFC 4514 parsing would; None for any other DN (parse it)."""
    if _NOT_PLAIN.search(dn):
        return None
    parts = []
    for component in dn.split(','):
        attribute, equals, value = component.partition('=')
        attribute = attribute.strip()
        if not equals or not _PLAIN_TYPE.fullmatch(attribute):
            return None
        parts.append(f'{attribute.lower()}={_key_value(value.strip())}')
    return _KEY_RDN.join(parts)


@functools.lru_cache(maxsize=4096)
def _parsed_key(dn: str) -> str:
    return _KEY_RDN.join(_KEY_AVA.join(f'{a.lower()}={_key_value(v)}' for a, v, _f in rdn_) for rdn_ in parse_dn(dn))


def dn_key(dn: str) -> str:
    """A DN as a comparable key, cheaper than normalize_dn (no re-escaping): the RDNs' attribute
    types lower-cased and values case-folded, in one string (RDNs apart by a character no value
    holds in the key, so two DNs have one key exactly when their parsed RDNs compare equal).

    A run computes this for every contact and mailbox (100,000s of DNs, each met once or twice):
    a plainly spelled DN is split rather than parsed, and nothing is memoised for it; a tuple
    of tuples per DN, memoised, held about 870 bytes per DN for the whole run (35 MB at 20,000,
    issue 17). DNs with escapes are parsed (python-ldap), the last few thousand memoised."""
    if not dn:
        return ''
    key = _plain_key(dn)
    return key if key is not None else _parsed_key(dn)


def parent_key(key: str) -> str:
    """The dn_key of the parent, from a DN's dn_key ('' for a single RDN)."""
    return key.partition(_KEY_RDN)[2]


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
