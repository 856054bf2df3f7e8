# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write rate with one and with several write connections (issue 17, item 4), on the lab.

For each size and each number of connections: the target directory back to the lab's ``seeded``
snapshot, then one real run of the sync module (through ansible-playbook, from a pinned copy of
the collection) creating ``size`` contacts from records handed to it (so the source side's read
costs nothing and the figure is the writes'), ``write_connections`` set. Printed per run: the
apply phase's seconds and writes per second; per size: the speed-up over one connection and
whether every run of that size left the same contacts (DN and attributes, read back).

    .venv/bin/python benchmarks/bench_write_connections.py                       # slapd, 2000 and 5000
    .venv/bin/python benchmarks/bench_write_connections.py --target ad --sizes 500

``--target domino`` (default) is exchange_to_domino writing Persons into the lab's slapd with the
Domino schema; ``--target ad`` is domino_to_exchange writing contacts into Samba, which serves one
request at a time (its figures show what more connections do against a single-process server).
Needs the lab up (``python -m coexist_lab up``), as root; run it in a private lab namespace.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import ldap3
from coexist_lab import lab            # the lab's package (lab/pyproject.toml), installed in .venv

from bench_sync import VENV_BIN, pin_collection

REPO = Path(__file__).resolve().parents[1]

PLAYBOOK = """
- name: Write-connection benchmark
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: One sync run from records
      {module}:
        {side}: "{{{{ coexist_{side} }}}}"
        records: "{{{{ bench_records }}}}"
        write_connections: "{{{{ bench_connections }}}}"
        report_dir: "{{{{ bench_report_dir }}}}"
{extra}
      register: bench
    - name: The result for the benchmark
      ansible.builtin.copy:
        content: "{{{{ bench | to_json }}}}"
        dest: "{{{{ bench_result }}}}"
        mode: "0644"
"""

TARGETS = {
    'domino': dict(module='coexist.domino_exchange.domino_contact_sync', side='domino', source_side='ad',
                   extra='        exchange_routing_domain: exchange.example.com\n',
                   base=lambda facts: facts['domino']['contacts_base'], marker='employeeType'),
    'ad': dict(module='coexist.domino_exchange.ad_contact_sync', side='ad', source_side='domino',
               extra='        shared_domain: example.com\n        domino_routing_domain: domino.example.com\n',
               base=lambda facts: facts['ad']['contacts_ou'], marker='adminDescription'),
}


def records(size: int, target: str) -> list:
    """``size`` source mailboxes nobody in the seed has (addresses and names of their own)."""
    out = []
    for i in range(size):
        anchor = str(uuid.UUID(int=0xBE7C_0000_0000_0000_0000_0000_0000_0000 + i)) if target == 'domino' \
            else f'{0xBE7C0000000000000000000000000000 + i:032X}'
        out.append({'anchor': anchor, 'dn': f'CN=Bench {i:05d},OU=Bench', 'display_name': f'Bench Writer {i:05d}',
                    'mail': f'bench.writer{i:05d}@example.com', 'given_name': 'Bench', 'surname': f'Writer {i:05d}',
                    'alias': f'benchw{i:05d}', 'fields': {}, 'problems': []})
    return out


def end_state(facts: dict, target: str) -> tuple:
    """(count, digest) of the contacts carrying the marker: DN and attributes, read with ldap3."""
    side = facts[target]
    host, _colon, port = side['server'].removeprefix('ldaps://').partition(':')
    tls = ldap3.Tls(ca_certs_file=side['ca_file'], validate=2)        # ssl.CERT_REQUIRED
    server = ldap3.Server(host, port=int(port or 636), use_ssl=True, tls=tls, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, side['admin_bind_dn'], side['admin_password'], auto_bind=True)
    spec = TARGETS[target]
    rows = []
    skip = {'whenchanged', 'whencreated', 'usnchanged', 'usncreated', 'objectguid', 'entryuuid', 'createtimestamp',
            'modifytimestamp', 'entrycsn', 'dscorepropagationdata', 'instancetype', 'objectcategory',
            'dominounid', 'name', 'distinguishedname', 'creatorsname', 'modifiersname', 'entrydn',
            'subschemasubentry', 'hassubordinates', 'structuralobjectclass'}
    for e in conn.extend.standard.paged_search(spec['base'](facts), f'({spec["marker"]}=coexist.domino_exchange:*)',
                                               attributes=['*'], paged_size=1000, generator=True):
        if e['type'] == 'searchResEntry':
            attrs = {k.lower(): sorted(str(v) for v in (vs if isinstance(vs, list) else [vs]))
                     for k, vs in e['raw_attributes'].items() if k.lower() not in skip}
            rows.append((e['dn'].lower(), json.dumps(attrs, sort_keys=True)))
    conn.unbind()
    rows.sort()
    return len(rows), hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--target', choices=sorted(TARGETS), default='domino')
    parser.add_argument('--sizes', default='2000,5000', help='contacts created per run (comma-separated)')
    parser.add_argument('--connections', default='1,4', help='write_connections values (comma-separated)')
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    counts = [int(c) for c in args.connections.split(',')]
    facts = lab.up()
    spec = TARGETS[args.target]
    work = Path(tempfile.mkdtemp(prefix='bench-writes-'))
    pinned = pin_collection(REPO, work / 'ansible_collections' / 'coexist' / 'domino_exchange')
    playbook = work / 'bench.yml'
    playbook.write_text(PLAYBOOK.format(module=spec['module'], side=spec['side'], extra=spec['extra'].rstrip('\n')))
    print(f'collection {pinned["commit"][:10]}{" (dirty)" if pinned["dirty"] else ""}; target {args.target}; '
          f'work {work}', flush=True)
    figures = []
    for size in sizes:
        vars_file = work / f'records-{size}.json'
        vars_file.write_text(json.dumps({'bench_records': records(size, args.target)}))
        states = {}
        for connections in counts:
            lab.restore_directory('seeded', args.target)
            result_file = work / f'result-{size}-{connections}.json'
            env = {'ANSIBLE_COLLECTIONS_PATH': str(work), 'ANSIBLE_NOCOLOR': '1', 'PATH': f'{VENV_BIN}:/usr/bin:/bin'}
            cmd = [str(VENV_BIN / 'ansible-playbook'), '-i', str(lab.STATE_DIR / 'inventory'), str(playbook),
                   '-e', f'@{vars_file}', '-e', f'bench_connections={connections}',
                   '-e', f'bench_report_dir={work / f"report-{size}-{connections}"}', '-e', f'bench_result={result_file}']
            started = time.monotonic()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            wall = time.monotonic() - started
            if done.returncode != 0 or not result_file.exists():
                print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
                return 1
            result = json.loads(result_file.read_text())
            apply_s = result['timings']['apply']
            written = result['counts']['done']
            states[connections] = end_state(facts, args.target)
            row = {'size': size, 'connections': connections, 'used': result.get('write_connections'),
                   'written': written, 'failed': result['counts']['failed'], 'apply_s': apply_s,
                   'rate': round(written / apply_s, 1) if apply_s else None, 'wall_s': round(wall, 1),
                   'contacts': states[connections][0]}
            figures.append(row)
            print(f'size {size:6d}  connections {connections} (used {row["used"]})  written {written:6d}  '
                  f'failed {row["failed"]}  apply {apply_s:8.2f} s  {row["rate"]:8.1f} writes/s  '
                  f'(playbook wall {row["wall_s"]} s)', flush=True)
        base = next(r for r in figures if r['size'] == size and r['connections'] == counts[0])
        for r in figures:
            if r['size'] == size and r['connections'] != counts[0]:
                print(f'size {size}: {r["connections"]} connections {r["rate"] / base["rate"]:.2f}x the rate of '
                      f'{counts[0]}', flush=True)
        same = len(set(states.values())) == 1
        print(f'size {size}: same end state with every connection count: {"yes" if same else "NO"} '
              f'({states[counts[0]][0]} contacts)', flush=True)
        if not same:
            return 1
    lab.restore_directory('seeded', args.target)
    print('FIGURES ' + json.dumps(figures), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
