"""Helpers for tests against the lab: the sync account's settings, an independent ldap3 client,
running a sync playbook, and whole-directory dumps to prove what changed and what did not."""
from __future__ import annotations

import json
import uuid

import ldap3


def settings_for(facts: dict, side: str, **overrides):
    """ConnectionSettings for the sync account of one lab directory."""
    # Imported here: pytest-ansible puts the collection on the path after conftest files load.
    from ansible_collections.coexist.domino_exchange.plugins.module_utils._ldap import ConnectionSettings

    f = facts[side]
    values = dict(server=f['server'], label={'ad': 'AD', 'domino': 'Domino'}[side], bind_dn=f['bind_dn'],
                  bind_password=f['bind_password'], ca_file=f['ca_file'], timeout=30, connect_timeout=5)
    values.update(overrides)
    return ConnectionSettings(**values)


def ldap3_admin(facts: dict, side: str) -> ldap3.Connection:
    """An ldap3 connection as the lab's administrator: the independent read-back and setup client."""
    f = facts[side]
    tls = ldap3.Tls(ca_certs_file=f['ca_file'], validate=2)   # ssl.CERT_REQUIRED
    host, _unused, port = f['server'].removeprefix('ldaps://').partition(':')
    server = ldap3.Server(host, port=int(port or 636), use_ssl=True, tls=tls, get_info=ldap3.NONE)
    return ldap3.Connection(server, f['admin_bind_dn'], f['admin_password'], auto_bind=True, raise_exceptions=True)


def run_sync(run_playbook, tmp_path, direction: str, *args, overrides: dict | None = None):
    """Run the playbook of one direction (its name); return (returncode, report.json as dict or
    None, output)."""
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    extra = {'coexist_report_dir': str(report_dir)}
    extra.update(overrides or {})
    vars_file = tmp_path / f'vars-{uuid.uuid4().hex[:6]}.json'
    vars_file.write_text(json.dumps(extra))
    result = run_playbook(f'coexist.domino_exchange.{direction}', '-e', f'@{vars_file}', *args)
    path = report_dir / direction / 'report.json'
    report = json.loads(path.read_text()) if path.exists() else None
    return result.returncode, report, result.stdout + result.stderr


# What a bind changes by itself on the bind account (AD records logons): not a write of the sync.
LOGON_ATTRIBUTES = {'lastlogon', 'lastlogontimestamp', 'logoncount', 'badpwdcount', 'badpasswordtime',
                    'usnchanged', 'whenchanged'}


def dump(conn: ldap3.Connection, base: str, bind_dn: str = '') -> dict:
    """Every entry below base with every attribute: the whole directory, to prove nothing changed.
    On the bind account's own entry, the attributes AD updates at each logon are left out."""
    out = {}
    for e in conn.extend.standard.paged_search(base, '(objectClass=*)', attributes=['*'], paged_size=500,
                                               generator=True):
        if e['type'] == 'searchResEntry':
            own = e['dn'].lower() == bind_dn.lower()
            out[e['dn'].lower()] = {k: sorted(map(str, v)) for k, v in e['raw_attributes'].items()
                                    if not (own and k.lower() in LOGON_ATTRIBUTES)}
    return out


def dump_both(lab) -> tuple:
    """Both directories, whole."""
    return (dump(ldap3_admin(lab, 'ad'), lab['ad']['base_dn'], lab['ad']['bind_dn']),
            dump(ldap3_admin(lab, 'domino'), ''))


def manifest(lab, side: str) -> dict:
    with open(lab[side]['manifest'], encoding='utf-8') as handle:
        return json.load(handle)
