# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The collection's one LDAP client (python-ldap comes in through :mod:`.python_ldap`).

Everything a module needs from a directory goes through :class:`LdapClient`: connecting by URI
with certificate validation, simple or Kerberos binds, paged search that copes with servers that
do not advertise paging, writes, and errors turned into sentences an admin can act on
(:class:`DirectoryError`). Entries come back as :class:`Entry` objects whose attribute names are
case-insensitive, because Domino returns them in lower case and AD in camel case.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import os
import socket
import ssl
import tempfile
import time
import typing as t
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .errors import DirectoryError, error_info, translate_error
from .python_ldap import SimplePagedResultsControl, ldap
from .settings import ConnectionSettings

PAGED_RESULTS_OID = '1.2.840.113556.1.4.319'
SERVER_SIDE_SORT_OID = '1.2.840.113556.1.4.473'

# Attributes whose values are binary: returned as bytes, never decoded. Callers add their own.
BINARY_ATTRIBUTES = frozenset(a.lower() for a in (
    'objectGUID', 'objectSid', 'nTSecurityDescriptor', 'msExchMailboxGuid', 'msExchMasterAccountSid',
    'userCertificate', 'thumbnailPhoto', 'jpegPhoto', 'userPassword', 'unicodePwd', 'msExchArchiveGUID',
    'msExchMailboxSecurityDescriptor', 'replPropertyMetaData', 'tokenGroups', 'sIDHistory', 'msDS-GenerationId',
))

SCOPES = {'base': 0, 'onelevel': 1, 'subtree': 2}   # ldap.SCOPE_BASE/ONELEVEL/SUBTREE


def request_control(oid: str, critical: bool = True):
    """A request control without a value (such as AD's show-deleted control), for ``search``."""
    return ldap.controls.LDAPControl(oid, critical, None)


# A client keytab handed over as text (AWX credential file injectors can only write text).
KEYTAB_ENV = 'COEXIST_KRB5_KEYTAB_BASE64'


class Entry:
    """One search result: its DN and its attributes, looked up case-insensitively.

    Values are ``str`` (UTF-8 decoded) except for binary attributes, which stay ``bytes``.
    Attribute names are kept lower-cased in a plain dict: python-ldap's cidict does the same job
    but cost a third of the Python time of reading 20,000 contacts (measured).
    """

    __slots__ = ('dn', 'attrs')

    def __init__(self, dn: str, attrs: t.Mapping[str, list]):
        self.dn = dn
        self.attrs = {name.lower(): values for name, values in attrs.items()}

    def get(self, name: str, default=None):
        """The first value of an attribute, or ``default``."""
        values = self.attrs.get(name.lower())
        return values[0] if values else default

    def values(self, name: str) -> list:
        """All values of an attribute (an empty list when it is absent). Not a copy: read only."""
        return self.attrs.get(name.lower()) or []

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.attrs

    def __repr__(self) -> str:
        return f'Entry({self.dn!r}, {self.attrs!r})'


@dataclass
class RootDSE:
    """What a directory says about itself before any search (RFC 4512 root DSE)."""

    entry: Entry

    @property
    def supported_controls(self) -> list[str]:
        return self.entry.values('supportedControl')

    @property
    def supports_paging(self) -> bool:
        return PAGED_RESULTS_OID in self.supported_controls

    @property
    def naming_contexts(self) -> list[str]:
        return self.entry.values('namingContexts')

    @property
    def vendor(self) -> str:
        """``active_directory``, ``domino`` or ``other``: how the server identifies itself."""
        if 'forestFunctionality' in self.entry or 'rootDomainNamingContext' in self.entry:
            return 'active_directory'
        if 'dominoMajMinVersion' in self.entry:
            return 'domino'
        return 'other'

    def as_dict(self) -> dict:
        e = self.entry
        return {
            'vendor': self.vendor,
            'vendor_name': e.get('vendorName'),
            'vendor_version': e.get('vendorVersion'),
            'domino_version': e.get('dominoMajMinVersion'),
            'dns_host_name': e.get('dnsHostName'),
            'naming_contexts': self.naming_contexts,
            'default_naming_context': e.get('defaultNamingContext'),
            'configuration_naming_context': e.get('configurationNamingContext'),
            'root_domain_naming_context': e.get('rootDomainNamingContext'),
            'subschema_subentry': e.get('subschemaSubentry'),
            'supported_controls': sorted(self.supported_controls),
            'supported_sasl_mechanisms': sorted(e.values('supportedSASLMechanisms')),
            'supports_paging': self.supports_paging,
            'supports_server_side_sort': SERVER_SIDE_SORT_OID in self.supported_controls,
            'global_catalog_ready': e.get('isGlobalCatalogReady'),
        }


class LdapClient:
    """One connection to one directory. Use as a context manager::

        with LdapClient(settings) as client:
            for entry in client.search(base, '(objectClass=contact)', ['cn', 'mail']):
                ...
    """

    def __init__(self, settings: ConnectionSettings):
        self.settings = settings
        self._conn = None
        self._root_dse: RootDSE | None = None
        self.bind_method = 'anonymous'
        # Search continuation references seen (URLs), skipped rather than chased: AD sends them
        # for its application partitions on every subtree search from the domain root.
        self.skipped_references: list[str] = []
        self.searches_sent = 0                 # search requests, paged or not (progress, tests, benchmarks)
        self.pages_read = 0                    # pages received by paged searches
        self.connect_retries_used = 0          # connection attempts that timed out and were tried again
        self.reconnects = 0                    # connections opened again after sitting idle (idle_reconnect)
        self._last_used = time.monotonic()     # when the connection last sent a request or got an answer

    # connection lifecycle

    def __enter__(self) -> 'LdapClient':
        if self._conn is None:              # open_directory hands over clients already connected
            self.connect()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self) -> 'LdapClient':
        """Open the connection, set up TLS and bind; raises DirectoryError.

        A connection that timed out (TCP, the TLS handshake or the bind) is tried again
        ``connect_retries`` times, ``connect_retry_delay`` seconds apart and then twice that: a
        domain controller busy with another client's large search (Samba serves one request at a
        time) can be slow to take a new connection, and a scheduled run should not fail for that.
        Nothing else is retried: refused connections, credentials and certificates fail at once.
        """
        s = self.settings
        for attempt in range(s.connect_retries + 1):
            try:
                return self._connect_once()
            except DirectoryError as exc:
                if exc.kind != 'timeout' or attempt >= s.connect_retries:
                    if attempt:
                        exc.message += f' ({attempt + 1} attempts)'
                        exc.args = (exc.message,)
                    raise
            self.connect_retries_used += 1
            time.sleep(s.connect_retry_delay * (attempt + 1))
        raise AssertionError('unreachable')          # the loop returns or raises

    def _connect_once(self) -> 'LdapClient':
        s = self.settings
        if s.scheme not in ('ldap', 'ldaps', 'ldapi'):
            raise DirectoryError(f'{s.label} server {s.server!r} is not an LDAP URI: use ldaps://host or ldap://host '
                                 f'(with start_tls: true)', kind='configuration', server=s.server)
        if s.start_tls and s.scheme != 'ldap':
            raise DirectoryError(f'start_tls applies to ldap:// URIs only, not to {s.where}', kind='configuration',
                                 server=s.server)
        if s.bind_dn and not s.bind_password and not s.sasl_mech:
            # RFC 4513 "unauthenticated bind": servers treat a DN with an empty password as an
            # anonymous bind and say success, which would hide a missing secret until much later.
            raise DirectoryError(f'bind_password is empty for bind_dn {s.bind_dn} on {s.where}: set it (or '
                                 f'COEXIST_{s.label.upper()}_BIND_PASSWORD); an empty password would be an '
                                 f'anonymous bind', kind='configuration', server=s.server)
        encrypted = s.scheme in ('ldaps', 'ldapi') or s.start_tls
        if (s.bind_dn or s.bind_password) and not s.sasl_mech and not encrypted and not s.allow_plaintext_bind:
            raise DirectoryError(
                f'Refusing to send the bind password for {s.bind_dn} to {s.where} in clear text: use an ldaps:// '
                f'URI or start_tls: true (or set allow_plaintext_bind: true if you really mean it)',
                kind='plaintext_refused', server=s.server)
        if s.sasl_mech and s.sasl_mech.upper() != 'GSSAPI':
            raise DirectoryError(f'sasl_mech {s.sasl_mech!r} is not supported for {s.where}: only GSSAPI (Kerberos)',
                                 kind='configuration', server=s.server)
        try:
            conn = ldap.initialize(s.server)
            conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
            # Never chase referrals: a referral is an error naming where the entry lives, so a
            # write can never land silently on another server.
            conn.set_option(ldap.OPT_REFERRALS, 0)
            conn.set_option(ldap.OPT_NETWORK_TIMEOUT, float(s.connect_timeout))
            # Asynchronous connect: only then does libldap bound the TLS handshake by the network
            # timeout too; otherwise a server that accepts TCP but never answers (hung, paused)
            # blocks the run forever.
            conn.set_option(ldap.OPT_CONNECT_ASYNC, 1)
            conn.set_option(ldap.OPT_TIMEOUT, float(s.timeout))
            conn.timeout = float(s.timeout)          # python-ldap passes it to every synchronous call
            self._configure_tls(conn)
        except ldap.LDAPError as exc:
            raise translate_error(exc, s, 'connect') from None
        self._conn = conn
        self._last_used = time.monotonic()
        try:
            if s.start_tls:
                conn.start_tls_s()
            self._bind()
        except ldap.LDAPError as exc:
            self.close()
            timed_out = 'timed out' in str(error_info(exc).get('info', '')).lower()
            if (isinstance(exc, (ldap.SERVER_DOWN, ldap.CONNECT_ERROR)) and not timed_out
                    and self.encryption in ('ldaps', 'start_tls')):
                diagnosis = self._diagnose_tls_failure(exc)
                if diagnosis is not None:
                    raise diagnosis from None
            raise translate_error(exc, s, 'bind', dn=None) from None
        return self

    def _diagnose_tls_failure(self, exc: Exception) -> DirectoryError | None:
        """Say why a TLS connection failed, without sending any credentials.

        libldap built with GnuTLS (Debian, Ubuntu) reports a rejected certificate as "Can't
        contact LDAP server (unknown error code)". This repeats the steps one at a time: TCP,
        then the TLS handshake (Python's ssl for ldaps://, which names the reason; an unvalidated
        StartTLS for ldap://). When TCP and a validated handshake both work, the LDAP library
        itself refused what Python's OpenSSL accepts (GnuTLS is stricter in places): that is
        said, with the command that shows libldap's own reason. Returns None when the cause
        stays unknown.
        """
        s = self.settings
        parts = urlsplit(s.server)
        host = parts.hostname or 'localhost'
        port = parts.port or (636 if s.scheme == 'ldaps' else 389)

        def err(message: str, kind: str) -> DirectoryError:
            return DirectoryError(message, kind=kind, server=s.server)

        try:
            sock = socket.create_connection((host, port), timeout=s.connect_timeout)
        except OSError as exc:
            return err(f'{s.where} is unreachable ({exc}); check the URI, the port and the firewall', 'unreachable')
        advice = ('Check that ca_file holds the CA that signed the server certificate and that the URI names the '
                  'host the certificate was issued to')
        with sock:
            if not s.validate_certs:
                return None
            if s.scheme == 'ldaps':
                context = ssl.create_default_context(cafile=s.ca_file)
                context.minimum_version = ssl.TLSVersion.TLSv1_2
                sock.settimeout(s.timeout)
                try:
                    with context.wrap_socket(sock, server_hostname=host):
                        return self._library_refused_tls(exc)
                except ssl.SSLCertVerificationError as exc:
                    return err(f'TLS with {s.where} failed: its certificate was not accepted '
                               f'({exc.verify_message}). {advice}', 'certificate')
                except TimeoutError:
                    return err(f'{s.where} accepted the connection but did not complete the TLS handshake within '
                               f'{s.timeout:g} s; the server may be hung', 'timeout')
                except (ssl.SSLError, OSError) as exc:
                    return err(f'TLS handshake with {s.where} failed ({exc})', 'certificate')
        try:
            probe = ldap.initialize(s.server)
            probe.set_option(ldap.OPT_NETWORK_TIMEOUT, float(s.connect_timeout))
            probe.timeout = float(s.timeout)
            probe.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_NEVER)
            probe.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
            probe.start_tls_s()                       # no bind: nothing secret crosses the wire
            probe.unbind_s()
        except ldap.LDAPError:
            return None
        return err(f'TLS with {s.where} failed: its certificate was not accepted (StartTLS works without '
                   f'validation). {advice}', 'certificate')

    def _library_refused_tls(self, exc: Exception) -> DirectoryError:
        """TCP and a validated TLS handshake work from Python, yet libldap could not connect."""
        s = self.settings
        info = error_info(exc)
        said = ': '.join(part for part in (info.get('desc'), (info.get('info') or '').strip()) if part)
        try:
            package = ldap.get_option(ldap.OPT_X_TLS_PACKAGE)
        except (ldap.LDAPError, ValueError, AttributeError):
            package = None
        library = f'libldap built with {package}' if package else 'libldap'
        cacert = f'LDAPTLS_CACERT={s.ca_file} ' if s.ca_file else ''
        return DirectoryError(
            f'TLS with {s.where}: the TCP connection and a TLS handshake work, and Python\'s ssl accepts the '
            f'server certificate{" with ca_file " + s.ca_file if s.ca_file else ""}, but the LDAP library '
            f'({library}) refused the connection ({said or type(exc).__name__}). It most likely rejected the '
            f'certificate, which it checks more strictly than OpenSSL in places. See its own reason with the same '
            f'library and CA: {cacert}ldapsearch -H {s.server} -x -b "" -s base -d 1 '
            f'(for an ldap:// URI with start_tls, add -ZZ)',
            kind='certificate', server=s.server,
            details={'result': info.get('result'), 'desc': info.get('desc'), 'info': info.get('info') or None,
                     'tls_package': package})

    def _configure_tls(self, conn) -> None:
        s = self.settings
        conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND if s.validate_certs else ldap.OPT_X_TLS_NEVER)
        conn.set_option(ldap.OPT_X_TLS_PROTOCOL_MIN, ldap.OPT_X_TLS_PROTOCOL_TLS1_2)
        if s.ca_file:
            conn.set_option(ldap.OPT_X_TLS_CACERTFILE, s.ca_file)
        # A fresh TLS context for this connection, built from the options above: without it,
        # libldap reuses the first context of the process, and a second directory with another
        # CA would fail validation. Must come after the other TLS options.
        conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)

    def _bind(self) -> None:
        s, conn = self.settings, self._conn
        if s.sasl_mech:
            client_keytab_from_environment(s.where)
            # NOCANON: use the host name from the URI for the service principal instead of a
            # reverse lookup of its address (which yields 'localhost' or a wrong name).
            conn.set_option(ldap.OPT_X_SASL_NOCANON, 1)
            if self.encryption in ('ldaps', 'start_tls'):
                # TLS already protects the session; AD refuses GSSAPI signing/sealing on top of it
                # ("Sign or Seal are not allowed if TLS is used").
                conn.set_option(ldap.OPT_X_SASL_SSF_MAX, 0)
            conn.sasl_interactive_bind_s('', ldap.sasl.gssapi())
            self.bind_method = 'GSSAPI'
        elif s.bind_dn:
            conn.simple_bind_s(s.bind_dn, s.bind_password or '')
            self.bind_method = 'simple'

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.unbind_s()
            except ldap.LDAPError:
                pass
            self._conn = None

    @property
    def connection(self):
        if self._conn is None:
            raise DirectoryError(f'not connected to {self.settings.where}', kind='configuration',
                                 server=self.settings.server)
        self.refresh_if_idle()
        self._last_used = time.monotonic()
        return self._conn

    def _sent_on(self):
        """The open connection, as is (answers to requests sent on it are read there)."""
        conn = self._conn
        if conn is None:
            raise DirectoryError(f'not connected to {self.settings.where}', kind='configuration',
                                 server=self.settings.server)
        self._last_used = time.monotonic()
        return conn

    def refresh_if_idle(self) -> bool:
        """Open the connection again (and bind) when it sat idle longer than ``idle_reconnect``;
        True when it did. Checked at every request (``connection``): a search, a read of the root
        DSE, a write. A paged search asks for its pages back to back, so it is renewed mid-search
        only when its reader stalled past the limit, and then the server had dropped the
        connection and its paging state anyway.

        A server may drop a connection that sat idle (AD: MaxConnIdleTime, 900 s by default,
        vendor facts X-6.8) without the client noticing until its next request fails. A write is
        never sent again after a failure: a request whose answer was lost may have been applied
        (a second add, modify or delete would then fail or do it twice), so the connection is
        renewed before the request instead. Nothing of the session is lost: the sync keeps no
        state on the connection between operations (no paging cookie, no transaction)."""
        limit = self.settings.idle_reconnect
        if not limit or self._conn is None or time.monotonic() - self._last_used <= limit:
            return False
        self.close()
        self.connect()
        self.reconnects += 1
        return True

    @property
    def encryption(self) -> str:
        """``ldaps``, ``start_tls``, ``ldapi`` or ``none``: how the connection is protected."""
        if self.settings.start_tls:
            return 'start_tls'
        return self.settings.scheme if self.settings.scheme in ('ldaps', 'ldapi') else 'none'

    # reads

    def root_dse(self) -> RootDSE:
        """The root DSE (read once per connection)."""
        if self._root_dse is None:
            entries = self._search_once('', SCOPES['base'], '(objectClass=*)', ['*', '+'], frozenset(), None)
            if not entries:
                raise DirectoryError(f'{self.settings.where} returned no root DSE', server=self.settings.server)
            self._root_dse = RootDSE(entries[0])
        return self._root_dse

    def search(self, base: str, filterstr: str = '(objectClass=*)', attrs: t.Sequence[str] | None = None, *,
               scope: str = 'subtree', binary_attrs: t.Iterable[str] = (), page_size: int | None = None,
               controls: t.Sequence = ()) -> t.Iterator[Entry]:
        """Yield the entries below ``base`` that match ``filterstr``, page by page.

        Pages with the simple paged results control when the server advertises it in its root
        DSE (sent non-critical, so a server that ignores it still answers); otherwise one plain
        search, streamed (:meth:`_stream`), and a size limit then raises a DirectoryError that says so.
        ``controls``: more request controls (python-ldap LDAPControl) sent with every request.
        """
        size = self.settings.page_size if page_size is None else page_size
        binary = BINARY_ATTRIBUTES | {a.lower() for a in binary_attrs}
        attrlist = list(attrs) if attrs else None
        scope_value = SCOPES[scope]
        if size and self.root_dse().supports_paging:
            yield from self._paged(base, scope_value, filterstr, attrlist, binary, size, list(controls))
        else:
            yield from self._stream(base, scope_value, filterstr, attrlist, binary, list(controls) or None)

    def _paged(self, base, scope, filterstr, attrlist, binary, size, extra=()) -> t.Iterator[Entry]:
        control = SimplePagedResultsControl(criticality=False, size=size, cookie='')
        msgid = self._send(base, scope, filterstr, attrlist, [control, *extra])
        pending = msgid                  # a request sent and not answered yet (abandoned if the reader stops)
        try:
            while True:
                data, controls = self._receive(msgid, base, filterstr, [control])
                pending = None
                self.pages_read += 1
                answer = next((c for c in controls if c.controlType == PAGED_RESULTS_OID), None)
                if answer is None and control.cookie:
                    # A page asked for with a cookie must come back with the control (RFC 2696: an
                    # empty cookie says the last page). Without it the server (or something between)
                    # lost the paged search: what is left of the result set was never sent.
                    raise self._incomplete(base, filterstr, f'page {self.pages_read} came back without the paged '
                                           f'results control, so the server did not say the result set was complete')
                cookie = answer.cookie if answer is not None else b''
                # An entry returned in ranges (vendor facts) has the rest read by further
                # searches, which must not run while the next page is asked for (measured on the
                # lab: the next page's receive then met an entry, not its final result): decode
                # such a page first.
                ranged = any(dn is not None and any(';range=' in name.lower() for name in attrs) for dn, attrs in data)
                decoded = self._entries(data, binary, base, filterstr) if ranged else None
                if cookie:
                    # (The cookie is opaque: Samba hands back the same one for every page.)
                    # Ask for the next page before decoding this one: the server prepares it while
                    # this process decodes (the request carries the cookie as it is now).
                    control.cookie = cookie
                    msgid = pending = self._send(base, scope, filterstr, attrlist, [control, *extra])
                yield from decoded if decoded is not None else self._entries(data, binary, base, filterstr)
                if not cookie:
                    return
        finally:
            if pending is not None:         # the reader stopped early: the server may drop the search's state
                self._abandon(pending)

    def _incomplete(self, base, filterstr, why: str) -> DirectoryError:
        """The error for a read that ended without the whole result: nothing may be planned from it."""
        s = self.settings
        return DirectoryError(f'The search of {base!r} for {filterstr} on {s.where} did not end with a complete '
                              f'result ({why}); the run stops before planning anything, since entries missing '
                              f'from a read would be planned as gone. Run it again; if it recurs, check the '
                              f'server (its logs, limits and load)', kind='incomplete_read', server=s.server, dn=base)

    def _search_once(self, base, scope, filterstr, attrlist, binary, controls) -> list[Entry]:
        return list(self._stream(base, scope, filterstr, attrlist, binary, controls))

    def _stream(self, base, scope, filterstr, attrlist, binary, controls) -> t.Iterator[Entry]:
        """One search without paging, its entries yielded one answer at a time.

        A directory that does not page (Domino does not document paging, vendor facts D-5)
        answers a read of the whole directory in one search. Waiting for all of it in one call
        would hold every entry twice (raw and decoded) and put one operation timeout on the whole
        search, which libldap counts across the entire wait: 200,000 Persons would need a timeout
        as long as the read. Here each answer (an entry, a reference, the final result) must come
        within the operation timeout, and each entry is decoded and handed on as it comes.

        The read is complete only when the server's final result says success: a timeout, a lost
        connection or a final result with an error raises a DirectoryError from the iteration
        (:meth:`_ended_cleanly`), so a caller that reads to the end never takes part of a read
        for all of it. A caller that stops early abandons the search.
        """
        msgid = self._send(base, scope, filterstr, attrlist, controls)
        finished = False
        try:
            while True:
                rtype, data, _unused = self._receive(msgid, base, filterstr, controls, whole=False)
                yield from self._entries(data, binary, base, filterstr)
                if self._ended_cleanly(rtype, base):
                    finished = True
                    return
        finally:
            if not finished:
                self._abandon(msgid)

    def _ended_cleanly(self, rtype, base: str) -> bool:
        """True at the search's final result (python-ldap raises for a final result that is not
        success); False for an entry or a reference; a DirectoryError for anything else, since a
        search stream may only end with its final result."""
        if rtype == ldap.RES_SEARCH_RESULT:
            return True
        if rtype in (ldap.RES_SEARCH_ENTRY, ldap.RES_SEARCH_REFERENCE):
            return False
        raise DirectoryError(f'{self.settings.where} answered a search of {base!r} with a message of type {rtype!r} '
                             f'before its final result: the read is incomplete and nothing read is used',
                             kind='incomplete_read', server=self.settings.server, dn=base)

    def _abandon(self, msgid: int) -> None:
        """Tell the server to stop a search this client no longer reads (best effort)."""
        if self._conn is None:
            return
        try:
            self._conn.abandon_ext(msgid)
        except ldap.LDAPError:
            pass

    def _send(self, base, scope, filterstr, attrlist, controls) -> int:
        try:
            return self.connection.search_ext(base, scope, filterstr, attrlist, serverctrls=controls)
        except ldap.FILTER_ERROR:
            raise DirectoryError(f'{filterstr!r} is not a valid LDAP filter (searching {base!r} on '
                                 f'{self.settings.where})', kind='configuration', server=self.settings.server,
                                 dn=base) from None
        except ldap.LDAPError as exc:
            raise translate_error(exc, self.settings, 'search', dn=base) from None

    def _receive(self, msgid, base, filterstr, controls, whole: bool = True) -> tuple:
        """The raw results and response controls of one search request: all of them (``whole``,
        a page), else the next answer only (the timeout then applies to that answer)."""
        try:
            # The answer to a request already sent: on the connection it was sent on, never renewed.
            rtype, data, _msgid, resp_controls = self._sent_on().result3(msgid, all=int(whole),
                                                                         timeout=self.settings.timeout)
        except ldap.FILTER_ERROR:
            raise DirectoryError(f'{filterstr!r} is not a valid LDAP filter (searching {base!r} on '
                                 f'{self.settings.where})', kind='configuration', server=self.settings.server,
                                 dn=base) from None
        except ldap.SIZELIMIT_EXCEEDED as exc:
            paging = 'with paging' if controls else 'without paging (the server does not advertise it)'
            err = translate_error(exc, self.settings, 'search', dn=base)
            err.message = (f'{self.settings.where} stopped a search of {base!r} {paging} at its size limit; '
                           f'raise the limit for the bind account on the server')
            err.args = (err.message,)
            raise err from None
        except ldap.LDAPError as exc:
            raise translate_error(exc, self.settings, 'search', dn=base) from None
        if whole:
            self.searches_sent += 1
            if rtype != ldap.RES_SEARCH_RESULT:
                # all=1 returns at the SearchResultDone (whose result code python-ldap has checked:
                # any other than success raises above); anything else is not the end of the search.
                raise self._incomplete(base, filterstr, f'the answer ended with LDAP message type {rtype}, '
                                       f'not the search\'s final result')
            return data, resp_controls or []
        if rtype == ldap.RES_SEARCH_RESULT:
            self.searches_sent += 1
        return rtype, data or [], resp_controls or []

    def _entries(self, data, binary, base, filterstr) -> list[Entry]:
        entries = []
        for dn, attrs in data:
            if dn is None:                         # a continuation reference: never chased
                urls = [v.decode() if isinstance(v, bytes) else v for v in (attrs or [])]
                self.skipped_references.extend(urls)
                unseen = [u for u in urls if not holds_no_recipients(u)]
                if unseen:
                    # Part of the subtree lives elsewhere (another domain, another Domino
                    # directory): its entries are not in this read, and would be planned as gone.
                    raise self._incomplete(base, filterstr, f'the server referred part of the subtree to '
                                           f'{", ".join(unseen)}, which this read does not follow; give bases '
                                           f'this server holds (or, for AD, the Global Catalog)')
                continue
            entry = Entry(dn, _decode(attrs, binary))
            if any(';range=' in name for name in entry.attrs):
                self._whole_ranges(entry, binary, base, filterstr)
            entries.append(entry)
        return entries

    def _whole_ranges(self, entry: Entry, binary, base, filterstr) -> None:
        """Read the rest of every attribute the server returned in part.

        AD returns at most MaxValRange values of a multi-valued attribute (1,500 by default) in
        one answer, under ``<attribute>;range=0-1499``, and the plain name then has no values at
        all (vendor facts X-4.5): read as it came, a mailbox with 1,600 proxy addresses has none.
        The remaining ranges are asked for on the entry itself, ``<attribute>;range=<next>-*``,
        until the server answers with a range ending in ``*``; the values go under the plain name."""
        for name in [n for n in entry.attrs if ';range=' in n]:
            attribute, _sep, bounds = name.partition(';range=')
            values = list(entry.attrs.pop(name))
            high = bounds.partition('-')[2]
            if high != '*':
                if not high.isdigit():
                    raise self._incomplete(base, filterstr, f'{entry.dn} returned {name}, a range this client '
                                           f'cannot follow')
                # The answer passes through here too: a further partial range is followed by
                # the same code, and comes back whole under the plain name.
                wanted = f'{attribute};range={int(high) + 1}-*'
                found = self._search_once(entry.dn, SCOPES['base'], '(objectClass=*)', [wanted], binary, None)
                if not found:
                    raise self._incomplete(base, filterstr, f'{entry.dn} returned part of {attribute} ({name}) '
                                           f'and no answer to {wanted}')
                values += found[0].values(attribute)
            entry.attrs[attribute] = entry.attrs.get(attribute, []) + values

    def probe_paging(self, base: str, filterstr: str = '(objectClass=*)', size: int = 1) -> dict:
        """What the server does with a paged search, whatever its root DSE says (validate's probe).

        One search with the paged results control (``size`` entries a page, sent non-critical, as
        the sync sends it), read one answer at a time and abandoned once it proves its point:
        ``pages`` (the answer carries the control back: the server pages), ``ignored`` (more
        entries than a page before the final result, or no control back: the server answers in
        one search), ``refused`` (an error; ``detail`` says which). Only DNs are asked for.
        """
        control = SimplePagedResultsControl(criticality=False, size=size, cookie='')
        entries, finished, outcome, detail = 0, False, '', ''
        try:
            msgid = self._send(base, SCOPES['subtree'], filterstr, ['1.1'], [control])
        except DirectoryError as exc:
            return {'outcome': 'refused', 'entries': 0, 'detail': exc.message}
        try:
            while not outcome:
                rtype, data, controls = self._receive(msgid, base, filterstr, [control], whole=False)
                entries += sum(1 for dn, _unused in data if dn is not None)
                if entries > size:
                    outcome = 'ignored'
                    detail = f'more than {size} entries came in a page of {size}'
                elif self._ended_cleanly(rtype, base):
                    finished = True
                    back = [c for c in controls if c.controlType == PAGED_RESULTS_OID]
                    outcome = 'pages' if back else 'ignored'
                    detail = ('the answer carried the paged results control back' if back
                              else 'the answer carried no paged results control back')
                    if back and back[0].cookie:
                        self._end_paging(base, filterstr, back[0].cookie)
        except DirectoryError as exc:
            finished = True                       # the server ended the search itself
            return {'outcome': 'refused', 'entries': entries, 'detail': exc.message}
        finally:
            if not finished:
                self._abandon(msgid)
        return {'outcome': outcome, 'entries': entries, 'detail': detail}

    def _end_paging(self, base: str, filterstr: str, cookie: bytes) -> None:
        """Release a paged search's state on the server: a page size of 0 with its cookie (RFC 2696)."""
        control = SimplePagedResultsControl(criticality=False, size=0, cookie=cookie)
        try:
            self._search_once(base, SCOPES['subtree'], filterstr, ['1.1'], frozenset(), [control])
        except DirectoryError:
            pass

    def exists(self, dn: str) -> bool:
        """True if the entry exists (a base search that tolerates noSuchObject)."""
        try:
            return bool(self._search_once(dn, SCOPES['base'], '(objectClass=*)', ['1.1'], frozenset(), None))
        except DirectoryError as exc:
            if exc.kind == 'no_such_object':
                return False
            raise

    # writes

    def add(self, dn: str, attrs: t.Mapping[str, t.Iterable]) -> None:
        """Add an entry; ``attrs`` maps attribute names to lists of str/bytes values."""
        modlist = [(name, _encode(values)) for name, values in attrs.items()]
        self._write('add an entry', dn, lambda c: c.add_ext_s(dn, modlist))

    def modify(self, dn: str, changes: t.Iterable[tuple]) -> None:
        """Apply ``(op, attribute, values)`` changes atomically; op is add, delete or replace."""
        ops = {'add': ldap.MOD_ADD, 'delete': ldap.MOD_DELETE, 'replace': ldap.MOD_REPLACE}
        modlist = [(ops[op], name, _encode(values) if values is not None else None) for op, name, values in changes]
        self._write('modify an entry', dn, lambda c: c.modify_ext_s(dn, modlist))

    def rename(self, dn: str, new_rdn: str, new_superior: str | None = None, delete_old_rdn: bool = True) -> None:
        """Rename (modrdn) an entry, optionally moving it under ``new_superior``."""
        self._write('rename an entry', dn, lambda c: c.rename_s(dn, new_rdn, new_superior, int(delete_old_rdn)))

    def delete(self, dn: str) -> None:
        self._write('delete an entry', dn, lambda c: c.delete_ext_s(dn))

    def _write(self, action: str, dn: str, call: t.Callable) -> None:
        if self.settings.read_only:
            # Every write goes through here: a read-only connection (validate) cannot write.
            raise DirectoryError(f'refused to {action} {dn!r} on {self.settings.where}: this connection is read-only',
                                 kind='read_only', server=self.settings.server, dn=dn)
        try:
            call(self.connection)
        except ldap.LDAPError as exc:
            raise translate_error(exc, self.settings, action, dn=dn) from None
        finally:
            self._last_used = time.monotonic()


# The forest root domain's subordinate naming contexts: a subtree search from its root gets a
# continuation reference to each (vendor facts ). The configuration partition (with the
# schema inside it) and the DNS application partitions hold no users, contacts or groups.
_NO_RECIPIENTS_PARTITIONS = ('cn=configuration,', 'dc=domaindnszones,', 'dc=forestdnszones,')


def holds_no_recipients(url: str) -> bool:
    """True when a continuation reference points at a partition that cannot hold a mailbox,
    contact or address (AD's configuration and DNS partitions): skipping it loses nothing."""
    dn = unquote(urlsplit(url).path.lstrip('/')).lower().replace(', ', ',')
    return dn.startswith(_NO_RECIPIENTS_PARTITIONS)


def _decode(attrs: dict, binary: frozenset) -> dict:
    out = {}
    for name, values in attrs.items():
        if name.lower() in binary:
            out[name] = values
            continue
        try:
            out[name] = [v.decode('utf-8') for v in values]
        except UnicodeDecodeError:                 # an undeclared binary attribute: keep bytes
            out[name] = values
    return out


def _encode(values: t.Iterable) -> list[bytes]:
    if isinstance(values, (str, bytes)):
        values = [values]
    return [v if isinstance(v, bytes) else str(v).encode('utf-8') for v in values]


def client_keytab_from_environment(where: str = 'the directory') -> str | None:
    """Make a keytab given base64-encoded in COEXIST_KRB5_KEYTAB_BASE64 usable by GSSAPI.

    Decoded once per process into a private file (mode 0600, removed at exit), which MIT
    Kerberos then uses as its client keytab (KRB5_CLIENT_KTNAME): the bind gets a ticket for the
    keytab's first principal by itself, no kinit. Without KRB5CCNAME the ticket stays in this
    process's memory (MEMORY:), never in a file cache another job could read. An explicit
    KRB5_CLIENT_KTNAME wins. Returns the keytab path, or None when the variable is not set.
    """
    encoded = os.environ.get(KEYTAB_ENV, '').strip()
    if not encoded:
        return None
    if os.environ.get('KRB5_CLIENT_KTNAME'):
        return os.environ['KRB5_CLIENT_KTNAME']
    try:
        data = base64.b64decode(''.join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise DirectoryError(f'{KEYTAB_ENV} is not valid base64: cannot make a keytab for the Kerberos bind to '
                             f'{where} (encode it with: base64 -w0 FILE.keytab)', kind='credentials') from None
    handle, path = tempfile.mkstemp(prefix='coexist-', suffix='.keytab')
    with os.fdopen(handle, 'wb') as out:
        out.write(data)
    atexit.register(_remove_quietly, path)
    os.environ['KRB5_CLIENT_KTNAME'] = path
    if not os.environ.get('KRB5CCNAME'):
        os.environ['KRB5CCNAME'] = 'MEMORY:coexist'
    return path


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
