# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's yardstick: the least LDAP work a sync cannot avoid, done with plain python-ldap,
so bench_sync.py can print the product's time beside it, measured in the same run on the same data.

It knows nothing of the collection (no module_utils, no decoding into records, no planning): what
it measures is what any client must pay to read those entries from, or add them to, that server.

Reads: one connection, reused for every read; each read is a paged subtree search, 1,000 entries
a page (the most Active Directory sends in one response by default, MaxPageSize: vendor fact
X-4.3 in docs/docsite/rst/vendor_facts.rst)::

    yardstick.py read --uri URI [--bind-dn DN --password-env VAR] [--ca-file PEM] [--start-tls] \\
        --read BASE FILTER ATTRS [--read BASE FILTER ATTRS ...]

ATTRS is comma-separated; ``1.1`` asks for no attributes, an empty string for all of them.

Adds: one connection, one synchronous add after the other, from JSON lines
``{"dn": ..., "attrs": {name: [values]}}`` (values are strings)::

    yardstick.py add --uri URI [...same connection options...] --entries FILE.jsonl

Output: one human line per read (or for the adds), then one line ``RESULT {json}``:
``{"mode", "uri", "entries", "seconds", "reads": [{"base", "filter", "entries", "seconds"}]}``
(``reads`` in read mode only). ``seconds`` covers the LDAP operations only: connecting, TLS and
the bind are excluded, as is reading the entries file. Exit status 0 on success; 1, with the
error on stderr and no RESULT line, when the server refuses or fails anything; 2 for bad usage.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import ldap
from ldap.controls import SimplePagedResultsControl

PAGE_SIZE = 1000


class YardstickError(Exception):
    """A failure worth one line on stderr and exit status 1."""


def open_connection(args):
    """One bound connection. The CA file is set on this connection and followed by NEWCTX: a TLS
    option set on a connection only takes effect in a fresh TLS context (OpenLDAP's rule), and
    setting it globally instead would leak into any other connection of the process."""
    conn = ldap.initialize(args.uri)
    conn.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
    # A referral or continuation reference is counted out, never chased: chasing would bind
    # anonymously to another server and measure that server, not this one.
    conn.set_option(ldap.OPT_REFERRALS, 0)
    if args.ca_file:
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, args.ca_file)
        conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    if args.start_tls:
        conn.start_tls_s()
    if args.bind_dn:
        password = os.environ.get(args.password_env or '')
        if not password:
            # A DN with an empty password is an unauthenticated bind (RFC 4513 5.1.2): it would
            # "succeed" and then read as anonymous, measuring a different result set.
            raise YardstickError(f'--bind-dn needs a password in the environment variable named by --password-env '
                                 f'({args.password_env or "not given"} is unset or empty)')
        conn.simple_bind_s(args.bind_dn, password)
    return conn


def paged_count(conn, base: str, filterstr: str, attrs: list | None) -> int:
    """Read every entry under ``base`` matching ``filterstr``, a page at a time; return how many.
    Each page is requested only when the previous one is in (the plainest client: no pipelining),
    and the entries are only counted, not decoded."""
    control = SimplePagedResultsControl(criticality=True, size=PAGE_SIZE, cookie='')
    count = 0
    while True:
        msgid = conn.search_ext(base, ldap.SCOPE_SUBTREE, filterstr, attrs, serverctrls=[control])
        _rtype, data, _msgid, controls = conn.result3(msgid)
        # Samba answers a search of the domain with continuation references to its DNS
        # partitions: they come back with no DN, and are not entries.
        count += sum(1 for dn, _attrs in data if dn is not None)
        cookie = next((c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType), b'')
        if not cookie:
            return count
        control.cookie = cookie


def attribute_list(text: str) -> list | None:
    """'a,b,c' -> ['a', 'b', 'c']; '' -> None (all user attributes); '1.1' stays ['1.1'] (none)."""
    names = [name.strip() for name in text.split(',') if name.strip()]
    return names or None


def do_reads(conn, reads: list) -> dict:
    results = []
    for base, filterstr, attrs in reads:
        started = time.perf_counter()
        count = paged_count(conn, base, filterstr, attribute_list(attrs))
        seconds = time.perf_counter() - started
        results.append({'base': base, 'filter': filterstr, 'entries': count, 'seconds': round(seconds, 4)})
        rate = f'{count / seconds:,.0f}/s' if seconds else '-'
        print(f'read {count:>8} entries in {seconds:8.3f} s ({rate})  base={base!r} filter={filterstr}')
    # The sum of the reads, nothing between them: the figure a benchmark compares against.
    total = sum(r['seconds'] for r in results)
    entries = sum(r['entries'] for r in results)
    print(f'total {entries:>7} entries in {total:8.3f} s')
    return {'entries': entries, 'seconds': round(total, 4), 'reads': results}


def load_entries(path: str) -> list:
    """The entries of the JSON lines file as (dn, {name: [str]}), read and checked before the
    clock starts: reading a file is not LDAP work."""
    entries = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                attrs = {name: [str(v) for v in values] for name, values in entry['attrs'].items()}
                entries.append((str(entry['dn']), attrs))
            except (ValueError, KeyError, AttributeError, TypeError) as exc:
                raise YardstickError(f'{path} line {number}: not a {{"dn", "attrs"}} JSON line ({exc})') from exc
    return entries


def do_adds(conn, entries: list) -> dict:
    started = time.perf_counter()
    for dn, attrs in entries:
        # Building the request's byte values is inside the clock: any client pays it for each
        # add, and the product's apply phase, which the adds are compared with, pays it too.
        modlist = [(name, [v.encode('utf-8') for v in values]) for name, values in attrs.items()]
        try:
            conn.add_s(dn, modlist)
        except ldap.LDAPError as exc:
            raise YardstickError(f'add {dn}: {describe(exc)}') from exc
    seconds = time.perf_counter() - started
    rate = f'{len(entries) / seconds:,.0f}/s' if seconds else '-'
    print(f'added {len(entries)} entries in {seconds:.3f} s ({rate})')
    return {'entries': len(entries), 'seconds': round(seconds, 4)}


def describe(exc: ldap.LDAPError) -> str:
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return ': '.join(str(info[k]) for k in ('desc', 'info') if info.get(k)) or repr(exc)


def parse_args(argv: list | None = None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('mode', choices=['read', 'add'])
    p.add_argument('--uri', required=True, help='ldap:// or ldaps:// URI of one server')
    p.add_argument('--bind-dn', help='simple bind as this DN (default: anonymous)')
    p.add_argument('--password-env', help='name of the environment variable that holds the bind password')
    p.add_argument('--ca-file', help='PEM file of the CA that signed the server certificate')
    p.add_argument('--start-tls', action='store_true', help='StartTLS before binding (ldap:// URIs)')
    p.add_argument('--read', action='append', nargs=3, metavar=('BASE', 'FILTER', 'ATTRS'), default=[],
                   help='one paged subtree read; repeat for several (same connection)')
    p.add_argument('--entries', help='add mode: JSON lines file of {"dn": ..., "attrs": {name: [values]}}')
    args = p.parse_args(argv)
    if args.mode == 'read' and not args.read:
        p.error('read needs at least one --read BASE FILTER ATTRS')
    if args.mode == 'add' and not args.entries:
        p.error('add needs --entries FILE.jsonl')
    return args


def main(argv: list | None = None) -> int:
    args = parse_args(argv)
    try:
        entries = load_entries(args.entries) if args.mode == 'add' else None
        conn = open_connection(args)
        try:
            result = do_reads(conn, args.read) if args.mode == 'read' else do_adds(conn, entries)
        finally:
            conn.unbind_s()
    except YardstickError as exc:
        print(f'yardstick {args.mode}: {exc}', file=sys.stderr)
        return 1
    except ldap.LDAPError as exc:
        print(f'yardstick {args.mode} on {args.uri}: {describe(exc)}', file=sys.stderr)
        return 1
    print('RESULT ' + json.dumps({'mode': args.mode, 'uri': args.uri, **result}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
