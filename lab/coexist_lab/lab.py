"""The lab as a whole: both directories, their packages, snapshots, and the files a playbook needs.

``up()`` is idempotent and fast on a second call: it provisions and seeds only what is missing,
keeps a ``seeded`` snapshot, and otherwise just starts what is stopped. The pytest session
fixture and the demo both go through it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from . import common
from .common import STATE_DIR, LabError, log
from .ad import SambaAD
from .domino import DominoSlapd

SEEDED = 'seeded'                       # the snapshot taken right after seeding


def directories() -> list:
    return [SambaAD(STATE_DIR), DominoSlapd(STATE_DIR)]


def directory(name: str):
    """The lab directory called ``ad`` or ``domino``."""
    return next(d for d in directories() if d.name == name)


def install_packages() -> None:
    """Install the Debian packages both directories need, if any is missing.

    Services are kept from starting while packages install (policy-rc.d) and slapd's package is
    told not to configure its own instance: the lab runs its own servers on its own state dirs.
    """
    wanted = sorted({pkg for d in directories() for pkg in d.APT_PACKAGES})
    missing = [p for p in wanted
               if subprocess.run(['dpkg-query', '-W', '-f=${Status}', p], capture_output=True, text=True,
                                 check=False).stdout.strip() != 'install ok installed']
    if not missing:
        return
    log(f'installing {" ".join(missing)}')
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    common.run(['debconf-set-selections'], input='slapd slapd/no_configuration boolean true\n')
    policy = Path('/usr/sbin/policy-rc.d')
    had_policy = policy.exists()
    if not had_policy:
        policy.write_text('#!/bin/sh\n# coexist lab: no service starts during package installs\nexit 101\n')
        policy.chmod(0o755)
    try:
        common.run(['apt-get', 'update', '-q'], env=env, timeout=600)
        common.run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', *missing], env=env, timeout=1200)
    finally:
        if not had_policy:
            policy.unlink()


def up(fresh: bool = False) -> dict:
    """Bring the lab up: install, provision, seed and start as needed; return its facts."""
    started = time.monotonic()
    install_packages()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    for d in directories():
        t = time.monotonic()
        ready = STATE_DIR / f'{d.name}.ready'      # written only once seeding and the snapshot worked
        if fresh or not d.provisioned() or not ready.exists():
            ready.unlink(missing_ok=True)
            d.provision()
            d.seed()
            _snapshot_one(d, SEEDED)
            ready.touch()
            log(f'{d.name}: provisioned and seeded in {time.monotonic() - t:.1f} s')
        elif not d.running():
            d.start()
            log(f'{d.name}: started in {time.monotonic() - t:.1f} s')
    facts = write_outputs()
    log(f'lab up in {time.monotonic() - started:.1f} s; inventory: {STATE_DIR / "inventory"}')
    return facts


def down() -> None:
    for d in directories():
        if d.running():
            d.stop()
    log('lab stopped (data kept; `up` starts it again)')


def destroy() -> None:
    """Stop both servers and remove every trace of the lab (state dir, /etc/hosts lines)."""
    for d in directories():
        if d.running():
            d.stop()
    if STATE_DIR.exists():
        shutil.rmtree(STATE_DIR)
    common.remove_hosts()
    log(f'lab removed ({STATE_DIR})')


def _snapshot_dir(name: str, d) -> Path:
    return STATE_DIR / 'snapshots' / name / d.name


def _snapshot_one(d, name: str) -> None:
    was_running = d.running()
    if was_running:
        d.stop()
    for i, src in enumerate(d.data_dirs()):
        common.copy_tree(src, _snapshot_dir(name, d) / str(i))
    if was_running:
        d.start()


def _restore_one(d, name: str) -> None:
    if d.running():
        d.stop()
    for i, dst in enumerate(d.data_dirs()):
        common.copy_tree(_snapshot_dir(name, d) / str(i), dst)
    d.start()


def snapshot(name: str) -> None:
    """Save both directories' data under a name (servers are stopped for the copy)."""
    for d in directories():
        _snapshot_one(d, name)
    log(f'snapshot {name!r} saved')


def restore(name: str = SEEDED) -> None:
    """Put both directories back to a snapshot (``seeded`` by default) and start them."""
    for d in directories():
        if not _snapshot_dir(name, d).exists():
            raise LabError(f'no snapshot {name!r} for {d.name}; `up` makes {SEEDED!r}, `snapshot NAME` others')
    for d in directories():
        _restore_one(d, name)
    log(f'snapshot {name!r} restored')


def snapshot_directory(name: str, which: str) -> None:
    """Save one directory (``ad`` or ``domino``) under a snapshot name (benchmarks reset one side)."""
    _snapshot_one(directory(which), name)


def restore_directory(name: str, which: str) -> None:
    """Put one directory back to a snapshot and start it; the other one is left running as it is."""
    d = directory(which)
    if not _snapshot_dir(name, d).exists():
        raise LabError(f'no snapshot {name!r} for {d.name}')
    _restore_one(d, name)


def snapshot_exists(name: str, which: str) -> bool:
    """Whether one directory has a snapshot of that name."""
    return _snapshot_dir(name, directory(which)).exists()


def drop_snapshot(name: str) -> None:
    """Remove a snapshot (never the ``seeded`` one, which ``restore`` needs)."""
    if name == SEEDED:
        raise LabError(f'the {SEEDED!r} snapshot is the lab\'s reference state: not removed')
    shutil.rmtree(STATE_DIR / 'snapshots' / name, ignore_errors=True)


def facts() -> dict:
    return {d.name: d.facts() for d in directories()}


def playbook_vars(f: dict) -> dict:
    """The playbook variables of the README, pointing at the lab."""
    ad, domino = f['ad'], f['domino']
    return {
        'coexist_ad': {
            'server': ad['server'], 'bind_dn': ad['bind_dn'], 'bind_password': ad['bind_password'],
            'ca_file': ad['ca_file'], 'global_catalog': ad['global_catalog'],
            'mailbox_bases': ad['mailbox_bases'], 'contacts_ou': ad['contacts_ou'],
        },
        'coexist_domino': {
            'server': domino['server'], 'bind_dn': domino['bind_dn'], 'bind_password': domino['bind_password'],
            'ca_file': domino['ca_file'], 'mailbox_base': domino['mailbox_base'],
            'contacts_base': domino['contacts_base'],
        },
        'coexist_shared_domain': common.SHARED_DOMAIN,
        'coexist_domino_routing_domain': common.DOMINO_ROUTING_DOMAIN,
        'coexist_exchange_routing_domain': common.EXCHANGE_ROUTING_DOMAIN,
        'coexist_max_deletes': 500,
        'coexist_max_delete_percent': 10,
        'coexist_report_dir': 'coexist-reports',
        'coexist_attribute_map': {'title': 'title', 'telephoneNumber': 'telephonenumber'},
    }


def write_outputs() -> dict:
    """lab.json (all facts), an inventory with the playbook variables, and env.sh."""
    f = facts()
    (STATE_DIR / 'lab.json').write_text(json.dumps(f, indent=2) + '\n')
    inv = STATE_DIR / 'inventory'
    (inv / 'group_vars').mkdir(parents=True, exist_ok=True)
    (inv / 'hosts.yml').write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local',
        # Discovery can pick a pyenv shim of a Python that is not installed: use ansible's own.
        'ansible_python_interpreter': '{{ ansible_playbook_python }}',
    }}}}, sort_keys=False))
    header = '# The lab\'s playbook variables (README). Lab passwords only: never reuse them.\n'
    vars_file = inv / 'group_vars' / 'all.yml'
    vars_file.write_text(header + yaml.safe_dump(playbook_vars(f), sort_keys=False, allow_unicode=True))
    vars_file.chmod(0o600)
    (STATE_DIR / 'env.sh').write_text(
        '# source this file: Kerberos for the lab realm, without touching /etc/krb5.conf\n'
        f'export KRB5_CONFIG={f["ad"]["krb5_conf"]}\n'
        f'export KRB5CCNAME=FILE:{STATE_DIR / "krb5cc_lab"}\n')
    return f


def summary() -> list[str]:
    lines = []
    for d in directories():
        if d.running():
            lines.extend(d.summary())
        else:
            lines.append(f'{d.name}: not running')
    return lines
