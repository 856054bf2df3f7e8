"""Command line of the lab: ``python -m coexist_lab COMMAND`` (or ``lab/lab.sh COMMAND``)."""
from __future__ import annotations

import argparse
import json
import sys

from . import lab
from .common import STATE_DIR, LabError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='lab', description=(
        'The coexist.domino_exchange lab: a Samba AD DC with the Exchange schema and an OpenLDAP '
        f'server carrying the Domino LDAP schema, on loopback. State: {STATE_DIR}'))
    sub = parser.add_subparsers(dest='command', required=True)
    p_up = sub.add_parser('up', help='install, provision, seed and start what is missing (idempotent)')
    p_up.add_argument('--fresh', action='store_true', help='provision and seed from scratch')
    sub.add_parser('down', help='stop both servers, keep their data')
    sub.add_parser('destroy', help='stop both servers and remove all lab state and /etc/hosts lines')
    sub.add_parser('status', help='which servers run')
    sub.add_parser('show', help="what the directories hold now (counts per kind)")
    sub.add_parser('facts', help='connection facts as JSON (includes the lab passwords)')
    p_snap = sub.add_parser('snapshot', help='save both directories under a name')
    p_snap.add_argument('name')
    p_restore = sub.add_parser('restore', help=f'return both directories to a snapshot (default {lab.SEEDED})')
    p_restore.add_argument('name', nargs='?', default=lab.SEEDED)
    args = parser.parse_args(argv)
    try:
        if args.command == 'up':
            lab.up(fresh=args.fresh)
        elif args.command == 'down':
            lab.down()
        elif args.command == 'destroy':
            lab.destroy()
        elif args.command == 'status':
            for d in lab.directories():
                print(f'{d.name}: {"running" if d.running() else "stopped"}'
                      f'{"" if d.provisioned() else " (not provisioned)"}')
        elif args.command == 'show':
            print('\n'.join(lab.summary()))
        elif args.command == 'facts':
            print(json.dumps(lab.facts(), indent=2))
        elif args.command == 'snapshot':
            lab.snapshot(args.name)
        elif args.command == 'restore':
            lab.restore(args.name)
    except LabError as exc:
        print(f'lab: {exc}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
