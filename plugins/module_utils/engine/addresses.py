# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""SMTP addresses and Exchange aliases: what is valid, and how to derive one from the other."""

from __future__ import annotations

import re

# An address both Exchange and Domino route: an ASCII dot-atom local part (RFC 5321) and a
# domain of letters, digits and hyphens. Quoted local parts and internationalised addresses are
# valid SMTP but refused by Exchange's proxyAddresses validation, so they are reported instead.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = rf'{_ATOM}(?:\.{_ATOM})*'
_LABEL = r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
_ADDRESS = re.compile(rf'^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$')

# Exchange aliases (mailNickname): the same characters as a dot-atom, at most 64.
_ALIAS = re.compile(rf'^{_LOCAL}$')
ALIAS_LIMIT = 64


def address_problem(address: str) -> str:
    """Why an address cannot be written, or '' when it can."""
    if not address:
        return 'no mail address'
    if len(address) > 256:
        return f'mail address longer than 256 characters ({len(address)})'
    if not _ADDRESS.match(address):
        return f'{address!r} is not a valid SMTP address'
    if len(address.split('@', 1)[0]) > 64:
        return f'the local part of {address!r} is longer than 64 characters'
    return ''


def is_valid_alias(alias: str) -> bool:
    return bool(alias) and len(alias) <= ALIAS_LIMIT and bool(_ALIAS.match(alias))


def local_part(address: str) -> str:
    return address.rsplit('@', 1)[0]


def domain_of(address: str) -> str:
    return address.rsplit('@', 1)[-1].lower() if '@' in address else ''


def in_domain(local: str, domain: str, fallback: str) -> str:
    """``local@domain``, or ``fallback`` itself when no routing domain is set (same namespace)."""
    return f'{local}@{domain}' if domain else fallback
