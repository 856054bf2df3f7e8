# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Directory failures as sentences an admin can act on: :class:`DirectoryError`, and the
translation of python-ldap's exceptions into it."""

from __future__ import annotations

from .python_ldap import ldap
from .settings import ConnectionSettings


class DirectoryError(Exception):
    """An LDAP failure as a sentence that names the server and, where it matters, the entry.

    ``kind`` is a stable keyword that callers and tests can branch on: ``credentials``,
    ``tls_required``, ``plaintext_refused``, ``certificate``, ``unreachable``, ``timeout``,
    ``no_such_object``, ``already_exists``, ``constraint``, ``schema``, ``access``, ``referral``,
    ``size_limit``, ``incomplete_read``, ``configuration`` or ``ldap`` (anything else).
    """

    def __init__(self, message: str, *, kind: str = 'ldap', server: str | None = None,
                 dn: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.server = server
        self.dn = dn
        self.details = details or {}

    def as_dict(self) -> dict:
        """The error for a module result or a report (no secrets are ever part of it)."""
        return {'msg': self.message, 'kind': self.kind, 'server': self.server, 'dn': self.dn,
                'details': self.details}


def error_info(exc: Exception) -> dict:
    arg = exc.args[0] if exc.args else {}
    return arg if isinstance(arg, dict) else {'desc': str(arg)}


def _referral_target(info: dict) -> str | None:
    """The URL a referral points at ('Referral:\\nldap://host/dn' in python-ldap's info)."""
    for line in (info.get('info') or '').splitlines():
        line = line.strip()
        if '://' in line:
            return line
    return None


def translate_error(exc: Exception, settings: ConnectionSettings, action: str, dn: str | None = None) -> DirectoryError:
    """Turn a python-ldap exception into a DirectoryError that says what to do about it."""
    info = error_info(exc)
    desc = info.get('desc') or type(exc).__name__
    detail = (info.get('info') or '').strip()
    where = settings.where
    said = f'{desc}: {detail}' if detail else desc
    details = {'result': info.get('result'), 'desc': desc, 'info': detail or None,
               'matched': info.get('matched') or None}
    on = f' on {dn}' if dn is not None else ''

    def err(message: str, kind: str) -> DirectoryError:
        return DirectoryError(message, kind=kind, server=settings.server, dn=dn, details=details)

    if action == 'bind' and settings.sasl_mech and isinstance(
            exc, (ldap.LOCAL_ERROR, ldap.AUTH_UNKNOWN, ldap.INAPPROPRIATE_AUTH, ldap.INVALID_CREDENTIALS, ldap.OTHER)):
        return err(f'Kerberos ({settings.sasl_mech}) bind to {where} failed ({said}). Get a ticket first (kinit, '
                   f'or a client keytab in KRB5_CLIENT_KTNAME), check that KRB5CCNAME names it, and that the URI '
                   f'names the host of the server\'s ldap/ service principal', 'credentials')
    if isinstance(exc, ldap.INVALID_CREDENTIALS):
        return err(f'{where} rejected the credentials of {settings.bind_dn or "the bind account"} '
                   f'({said}); check bind_dn and bind_password', 'credentials')
    if isinstance(exc, (ldap.STRONG_AUTH_REQUIRED, ldap.CONFIDENTIALITY_REQUIRED)):
        return err(f'{where} requires TLS for this bind ({said}): use an ldaps:// URI or start_tls: true', 'tls_required')
    if isinstance(exc, ldap.TIMEOUT):
        return err(f'{where} did not answer within the operation timeout of {settings.timeout:g} s while it was '
                   f'asked to {action}{on}; the server may be hung or overloaded (raise timeout if it is just slow)',
                   'timeout')
    if isinstance(exc, ldap.TIMELIMIT_EXCEEDED):
        return err(f'{where} stopped the request to {action}{on} at its time limit ({said})', 'timeout')
    if isinstance(exc, (ldap.SERVER_DOWN, ldap.CONNECT_ERROR)):
        low = detail.lower()
        if 'certificate' in low or 'tls' in low or 'ssl' in low or 'handshake' in low:
            return err(f'TLS with {where} failed: {said}. Check that ca_file holds the CA that signed the '
                       f'server certificate and that the URI names the host the certificate was issued to',
                       'certificate')
        if 'timed out' in low or 'timeout' in low:
            return err(f'{where} did not complete the connection within the connect timeout of '
                       f'{settings.connect_timeout:g} s ({said}): the server is unreachable, hung or overloaded',
                       'timeout')
        return err(f'{where} is unreachable ({said}); check the URI, the port and the firewall', 'unreachable')
    if isinstance(exc, ldap.REFERRAL):
        target = _referral_target(info)
        return err(f'{where} answered the request to {action}{on} with a referral to {target or "another server"}: '
                   f'it does not hold this entry locally (on Domino: a directory that is not local to this server); '
                   f'point the connection at {target or "the server that holds it"}', 'referral')
    if isinstance(exc, ldap.NO_SUCH_OBJECT):
        matched = info.get('matched')
        hint = f' (the nearest existing entry is {matched})' if matched else ''
        return err(f'{dn if dn is not None else "The entry"} does not exist on {where}{hint}', 'no_such_object')
    if isinstance(exc, ldap.ALREADY_EXISTS):
        return err(f'{dn} already exists on {where}', 'already_exists')
    if isinstance(exc, ldap.INSUFFICIENT_ACCESS):
        return err(f'{settings.bind_dn or "The bind account"} lacks the rights to {action}{on} on {where} ({said})',
                   'access')
    if isinstance(exc, (ldap.CONSTRAINT_VIOLATION, ldap.NOT_ALLOWED_ON_RDN, ldap.NOT_ALLOWED_ON_NONLEAF,
                        ldap.UNWILLING_TO_PERFORM, ldap.TYPE_OR_VALUE_EXISTS, ldap.NO_SUCH_ATTRIBUTE)):
        return err(f'{where} refused to {action}{on}: {said}', 'constraint')
    if isinstance(exc, (ldap.OBJECT_CLASS_VIOLATION, ldap.UNDEFINED_TYPE, ldap.INVALID_SYNTAX,
                        ldap.INVALID_DN_SYNTAX, ldap.NAMING_VIOLATION)):
        return err(f'{where} refused to {action}{on} as a schema violation: {said}', 'schema')
    if isinstance(exc, (ldap.SIZELIMIT_EXCEEDED, ldap.ADMINLIMIT_EXCEEDED)):
        return err(f'{where} stopped the search{on} at its size limit ({said})', 'size_limit')
    return err(f'{where} failed to {action}{on}: {said}', 'ldap')
