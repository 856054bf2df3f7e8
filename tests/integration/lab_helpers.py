"""Helpers for tests against the lab: the sync account's settings, an independent ldap3 client,
running a sync playbook, and whole-directory dumps to prove what changed and what did not."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import ldap3

VENV_BIN = Path(sys.executable).parent


def settings_for(facts: dict, side: str, **overrides):
    """ConnectionSettings for the sync account of one lab directory."""
    # Imported here: pytest-ansible puts the collection on the path after conftest files load.
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.settings import ConnectionSettings

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


def run_ansible_playbook(collections_path: Path, tmp_path: Path, playbook: str, *args: str, extra_vars: dict | None = None,
                         env: dict | None = None, inventory: Path | None = None, wait: bool = True, timeout: int = 300):
    """The one way the tests run ansible-playbook: the installed collection, the lab inventory (or
    ``inventory``), ``extra_vars`` passed as a JSON vars file. ``wait``: a CompletedProcess with
    stdout and stderr captured; else the started Popen (stderr folded into stdout), for runs the
    test interrupts or runs side by side."""
    from coexist_lab import lab as lab_control   # the lab's package, installed by scripts/bootstrap.sh

    if extra_vars is not None:
        vars_file = tmp_path / f'vars-{uuid.uuid4().hex[:6]}.json'
        vars_file.write_text(json.dumps(extra_vars))
        args = ('-e', f'@{vars_file}', *args)
    full_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_NOCOLOR='1',
                    ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCAL_TEMP=str(tmp_path / f'ansible-tmp-{uuid.uuid4().hex[:6]}'),
                    ANSIBLE_RETRY_FILES_ENABLED='0', PATH=f'{VENV_BIN}:{os.environ["PATH"]}')
    full_env.update(env or {})
    argv = [str(VENV_BIN / 'ansible-playbook'), '-i', str(inventory or lab_control.STATE_DIR / 'inventory'), playbook, *args]
    if not wait:
        return subprocess.Popen(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(argv, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)


def run_sync(run_playbook, tmp_path, direction: str, *args, overrides: dict | None = None):
    """Run the playbook of one direction (its name); return (returncode, report.json as dict or
    None, output)."""
    report_dir = tmp_path / f'reports-{uuid.uuid4().hex[:6]}'
    extra = {'coexist_report_dir': str(report_dir)}
    extra.update(overrides or {})
    result = run_playbook(f'coexist.domino_exchange.{direction}', *args, extra_vars=extra)
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


# The AD mailbox kinds exchange_to_domino reads with its default options (mailbox_types user,
# include_disabled, not hidden ones): the lab manifest's categories of them.
EXCHANGE_DEFAULT_KINDS = ['user_mailboxes', 'shared_mailboxes', 'room_mailboxes', 'equipment_mailboxes',
                          'disabled_user_mailboxes', 'legacy_mailboxes', 'linked_mailboxes', 'remote_mailboxes']
# The Domino mailbox categories the seed makes so the sync must not create a contact for them:
# an invalid address, an address an AD mailbox holds (as its mail, or as a secondary proxy),
# one address claimed by two mailboxes, a mail Domino synthesized (no Internet address), an
# address in a domain the sync does not route, one mailbox as two documents under one DN.
DOMINO_NOT_SYNCED = ['invalid_mail', 'migrated_address', 'contested_address', 'duplicate_address',
                     'synthesized_mail', 'unrouted_mail', 'replication_conflict', 'group_collision']


def exchange_group_categories(lab) -> list:
    """The AD seed's categories of groups exchange_to_domino reads as sources with every kind on
    (issue 18): distribution, security and dynamic groups, the one without a routing proxy (a
    skip) and the one whose address a mailbox holds (a conflict). Hidden groups and groups without
    mail (groups_not_read) never are."""
    return manifest(lab, 'ad').get('group_source_categories', [])


def exchange_sources(lab) -> list:
    """The manifest items exchange_to_domino reads as sources with its default options: the
    default mailbox kinds and the groups that take mail."""
    ad = manifest(lab, 'ad')
    return [i for name in EXCHANGE_DEFAULT_KINDS + exchange_group_categories(lab) for i in ad['categories'][name]]


def without_routing_proxy(lab) -> set:
    """objectGUIDs (as the manifest spells them) of the AD mailboxes of the default kinds, and of
    the groups read as sources, that hold no proxy address in the Exchange routing domain, read
    from the seeded DC: the seed gives most mailboxes one, not all (lab/coexist_lab/ad/seed.py).
    exchange_to_domino skips them."""
    from coexist_lab import common as lab_common

    domain = '@' + lab_common.EXCHANGE_ROUTING_DOMAIN.lower()
    ad = ldap3_admin(lab, 'ad')
    found = set()
    for item in exchange_sources(lab):
        assert ad.search(item['dn'], '(objectClass=*)', search_scope=ldap3.BASE, attributes=['proxyAddresses'])
        proxies = [str(v) for v in ad.entries[0]['proxyAddresses'].values]
        if not any(p[:5].lower() == 'smtp:' and p.lower().endswith(domain) for p in proxies):
            found.add(item['guid'])
    return found


_UNROUTABLE: dict = {}          # without_routing_proxy() of each lab's seed, read once per test run


def routable_ad_mailbox(lab, category: str, index: int = 0) -> dict:
    """The index-th AD mailbox of a manifest category among those with an address in the Exchange
    routing domain: the others never get a Domino contact (their derived address would bounce,
    5.1.10), so a test that follows a mailbox's contact picks from these. Read from the seed."""
    key = lab['ad']['manifest']
    if key not in _UNROUTABLE:
        _UNROUTABLE[key] = without_routing_proxy(lab)
    return [i for i in manifest(lab, 'ad')['categories'][category] if i['guid'] not in _UNROUTABLE[key]][index]


def expected_creates(lab) -> dict:
    """direction -> how many contacts one sync of the seeded lab creates, from the manifests alone:
    Domino's mailboxes minus the categories seeded as conflicts or invalid, plus the groups, mail-in
    databases and resources that take mail; AD's default mailbox kinds and groups that take mail,
    minus those whose address a Domino mailbox holds (a real mailbox beats a contact), those
    without a proxy address in the Exchange routing domain (read from the seeded DC) and those
    whose address another AD source claims too (both are conflicts)."""
    domino, ad = manifest(lab, 'domino'), manifest(lab, 'ad')
    domino_mailboxes = [item for name in domino['mailbox_categories'] for item in domino['categories'][name]]
    kept_back = sum(len(domino['categories'][name]) for name in DOMINO_NOT_SYNCED)
    held_in_domino = {item['mail'].lower() for item in domino_mailboxes if item.get('mail')}
    ad_sources = exchange_sources(lab)
    claims: dict = {}
    for item in ad_sources:
        claims[item['mail'].lower()] = claims.get(item['mail'].lower(), 0) + 1
    # Groups, mail-in databases and resources that take mail become contacts too (issue 18: every
    # kind on by default); the seed's recipients_skipped and not_recipients never do.
    recipients = sum(len(domino['categories'][name]) for name in domino.get('recipient_categories', {}))
    unroutable = without_routing_proxy(lab)
    return {'domino_to_exchange': len(domino_mailboxes) - kept_back + recipients,
            'exchange_to_domino': sum(1 for item in ad_sources
                                      if item['mail'].lower() not in held_in_domino and item['guid'] not in unroutable
                                      and claims[item['mail'].lower()] == 1)}


def domino_sources(lab) -> int:
    """How many source records domino_to_exchange reads from the seeded lab with every kind on:
    the mailboxes, and the groups, mail-in databases and resources that take mail (those seeded to
    be skipped included: they are sources, reported)."""
    domino = manifest(lab, 'domino')
    return sum(len(domino['categories'][name])
               for name in domino['mailbox_categories'] + domino.get('recipient_source_categories', []))
