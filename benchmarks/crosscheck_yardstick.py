# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cross-check of benchmarks/yardstick.py against an independent yardstick, if you have one: a
script with the same command line and RESULT line (see yardstick.py). Both are timed on the same
throwaway slapd (python-ldap's slapdtest; no lab needed, nothing else touched), on the same three
reads and the same adds, alternating, and the figures are printed side by side. A yardstick that
does more (or less) work than the other shows up as a ratio away from 1.

    .venv/bin/python benchmarks/crosscheck_yardstick.py /path/to/other_yardstick.py
    .venv/bin/python benchmarks/crosscheck_yardstick.py OTHER --entries 20000 --adds 20000 --reps 3

Exit status 0 when both agree on the entry counts and every median ratio is within --tolerance
(default 10 %), 1 otherwise. Timings on a busy machine wander: run it when the machine is quiet,
and read the min/median/max, not one figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ldap
import slapdtest

HERE = Path(__file__).resolve().parent
OURS = HERE / 'yardstick.py'
MARKER = 'coexist.domino_exchange:'


class BenchSlapd(slapdtest.SlapdObject):
    """slapdtest's server with room for the data and without per-operation logging."""
    TMPDIR = tempfile.gettempdir()
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')
    # mdb's default map is 10 MiB, too small for 20,000 entries; the database section is last
    # in slapdtest's template, so appended lines land in it. No fsync per write: both scripts
    # send the same adds, and the disk's wait (shared with whatever else the machine does) would
    # only bury the difference between the two clients in noise (--fsync keeps it).
    slapd_conf_template = slapdtest.SlapdObject.slapd_conf_template + 'olcDbMaxSize: 2147483648\nolcDbNoSync: TRUE\n'


class FsyncSlapd(BenchSlapd):
    slapd_conf_template = slapdtest.SlapdObject.slapd_conf_template + 'olcDbMaxSize: 2147483648\n'
    # slapdtest logs every operation ('stats stats2'): that would time slapd's logging too.
    slapd_loglevel = '0'


def person(i: int, base: str, marked: bool = False) -> tuple:
    """One inetOrgPerson shaped like a mailbox (or, marked, like a contact the sync owns)."""
    cn = f'Given{i % 997} Surname{i}'
    attrs = {'objectClass': ['inetOrgPerson'], 'cn': [cn], 'sn': [f'Surname{i}'], 'givenName': [f'Given{i % 997}'],
             'mail': [f'user{i}@example.com'], 'uid': [f'user{i}'], 'displayName': [cn]}
    if i % 100 < 85:
        attrs['title'] = [f'Title {i % 37}']
    if i % 100 < 80:
        attrs['telephoneNumber'] = [f'+49 30 {i:07d}']
    if marked:
        attrs['employeeType'] = [f'{MARKER}{i:08d}']
    return f'cn={cn},{base}', attrs


def load(server, entries: int, contacts: int) -> None:
    """ou=people with ``entries`` mailboxes, ou=contacts with ``contacts`` marked contacts, an empty
    ou=adds: loaded over LDAP with asynchronous adds (the load is not timed)."""
    conn = ldap.initialize(server.ldap_uri)
    conn.simple_bind_s(server.root_dn, server.root_pw)
    suffix = server.suffix
    todo = [(suffix, {'objectClass': ['organization', 'dcObject'], 'dc': ['slapd-test'], 'o': ['test']})]
    todo += [(f'ou={ou},{suffix}', {'objectClass': ['organizationalUnit'], 'ou': [ou]})
             for ou in ('people', 'contacts', 'adds')]
    todo += [person(i, f'ou=people,{suffix}') for i in range(entries)]
    todo += [person(1_000_000 + i, f'ou=contacts,{suffix}', marked=True) for i in range(contacts)]
    window = []
    for dn, attrs in todo:
        window.append(conn.add(dn, [(k, [v.encode() for v in vs]) for k, vs in attrs.items()]))
        if len(window) >= 100 or dn.startswith(('dc=', 'ou=')):     # the parents must exist first
            for msgid in window:
                conn.result(msgid)
            window = []
    for msgid in window:
        conn.result(msgid)
    conn.unbind_s()


def clear_adds(server, dns: list) -> None:
    conn = ldap.initialize(server.ldap_uri)
    conn.simple_bind_s(server.root_dn, server.root_pw)
    # 100 outstanding at a time: slapd drops a connection with too many pending operations.
    for start in range(0, len(dns), 100):
        for msgid in [conn.delete(dn) for dn in dns[start:start + 100]]:
            conn.result(msgid)
    conn.unbind_s()


def run(script: Path, argv: list, env: dict) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script), *argv], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f'{script} {argv[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}')
    return dict(json.loads(line[len('RESULT '):]), wall=round(wall, 4))


def fmt(values: list) -> str:
    return f'{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}'


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('other', type=Path, help='the independent yardstick script to compare with')
    p.add_argument('--entries', type=int, default=20000, help='mailboxes under ou=people (default 20000)')
    p.add_argument('--contacts', type=int, default=1000, help='marked contacts under ou=contacts (default 1000)')
    p.add_argument('--adds', type=int, default=20000, help='entries each add run creates (default 20000)')
    p.add_argument('--reps', type=int, default=3, help='runs of each script, read and add (default 3)')
    p.add_argument('--fsync', action='store_true',
                   help="keep slapd's fsync after every write (closer to a real server's adds, and noisier)")
    p.add_argument('--tolerance', type=float, default=0.10, help='allowed median ratio distance from 1 (default 0.10)')
    a = p.parse_args()
    if not a.other.is_file():
        print(f'no script at {a.other}', file=sys.stderr)
        return 2
    scripts = {'ours': OURS, 'other': a.other}

    with (FsyncSlapd if a.fsync else BenchSlapd)() as server:
        t = time.perf_counter()
        load(server, a.entries, a.contacts)
        print(f'slapd {server.ldap_uri}: loaded {a.entries} mailboxes and {a.contacts} contacts '
              f'in {time.perf_counter() - t:.1f} s')
        env = dict(os.environ, CROSSCHECK_PW=server.root_pw)
        conn = ['--uri', server.ldap_uri, '--bind-dn', server.root_dn, '--password-env', 'CROSSCHECK_PW']
        suffix = server.suffix
        # A sync's three reads: the source mailboxes, the owned contacts, the target's address set.
        reads = ['--read', f'ou=people,{suffix}', '(objectClass=inetOrgPerson)',
                 'cn,givenName,sn,displayName,mail,uid,title,telephoneNumber,employeeType',
                 '--read', f'ou=contacts,{suffix}', f'(employeeType={MARKER}*)', 'cn,givenName,sn,mail,title,employeeType',
                 '--read', suffix, '(mail=*)', 'mail']
        adds = [person(2_000_000 + i, f'ou=adds,{suffix}', marked=True) for i in range(a.adds)]
        with tempfile.NamedTemporaryFile('w', suffix='.jsonl', delete=False, encoding='utf-8') as f:
            for dn, attrs in adds:
                f.write(json.dumps({'dn': dn, 'attrs': attrs}) + '\n')
            entries_file = f.name
        figures = {name: {'read': [], 'read_entries': set(), 'add': [], 'add_entries': set()} for name in scripts}
        try:
            for rep in range(a.reps):
                # Alternating, and each repetition in the other order, so a drift of the machine
                # (other work, page cache) lands on both scripts alike.
                order = ['ours', 'other'] if rep % 2 == 0 else ['other', 'ours']
                for name in order:
                    r = run(scripts[name], ['read', *conn, *reads], env)
                    figures[name]['read'].append(r['seconds'])
                    figures[name]['read_entries'].add(tuple(x['entries'] for x in r['reads']))
                    print(f'rep {rep + 1} read  {name:<5}: {r["seconds"]:.3f} s, entries {[x["entries"] for x in r["reads"]]}, '
                          f'process wall {r["wall"]:.3f} s')
                for name in order:
                    r = run(scripts[name], ['add', *conn, '--entries', entries_file], env)
                    figures[name]['add'].append(r['seconds'])
                    figures[name]['add_entries'].add(r['entries'])
                    print(f'rep {rep + 1} add   {name:<5}: {r["seconds"]:.3f} s for {r["entries"]} '
                          f'({r["entries"] / r["seconds"]:.0f}/s), process wall {r["wall"]:.3f} s')
                    clear_adds(server, [dn for dn, _attrs in adds])       # the next add meets the same tree
        finally:
            os.unlink(entries_file)

    print(f'\n=== {a.reps} runs each, alternating; seconds min / median / max (LDAP operations only) ===')
    print(f'machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end; '
          f'slapd {"with" if a.fsync else "without"} fsync per write')
    ok = True
    for kind in ('read', 'add'):
        ours, other = figures['ours'][kind], figures['other'][kind]
        ratio = statistics.median(ours) / statistics.median(other)
        within = abs(ratio - 1) <= a.tolerance
        ok &= within
        print(f'{kind:<5} ours {fmt(ours)}   other {fmt(other)}   ratio of medians {ratio:.3f} '
              f'({"within" if within else "OUTSIDE"} {a.tolerance:.0%})')
    for kind in ('read_entries', 'add_entries'):
        counts = figures['ours'][kind] | figures['other'][kind]
        same = len(counts) == 1
        ok &= same
        print(f'{kind.replace("_", " ")}: {"the same" if same else "DIFFER"}: {sorted(counts)}')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
