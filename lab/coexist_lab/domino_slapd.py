"""The lab's Domino Directory: an OpenLDAP slapd shaped like Domino's LDAP service.

This is NOT a Domino server. HCL Domino cannot run here, so the lab serves the part of Domino
the collection talks to, its LDAP service, from slapd: the Domino LDAP schema
(``lab/domino/domino.schema``, written once from the vendor facts page), Domino's DIT shape and a
Domino-looking root DSE. What slapd does differently is documented where it matters:

* Empty suffix: one back_mdb database with ``suffix ""``. Flat names (``cn=Helpdesk``) and
  ``o=Acme`` trees live side by side, and a subtree search from base ``""`` finds both.
* Root DSE: ``dominoMajMinVersion``, ``vendorName`` and the ``ibm-*Capabilities`` values that
  advertise dominoUNID; the subschema entry is ``cn=schema`` as on Domino.
* ``dominoUNID`` and ``displayName`` are computed by Domino and read-only over LDAP. slapd
  cannot compute them and does not allow user-defined operational attributes, so the seed
  writes them (as the rootdn) and ACLs keep them read-only for the sync account, also on
  adds (``add_content_acl on``). Entries a client adds over LDAP get neither value.
* AD's 1000-entry page limit is emulated here (Samba does not have it): an unpaged search by
  an ordinary account stops at 1000 entries with sizeLimitExceeded, a paged search gets pages
  of at most 1000 and no total limit. The rootdn (test setup) is not limited.
* slapd runs in the foreground of its own session with ``-d stats``; its operation log (one
  line per connection, bind, search, add, modify, ... and result) goes to ``slapd.log``, so
  fault tests can wait for a number of writes.

The sample organisation ``seed()`` writes (deterministic: ``random.Random(SEED)``; names from
``common.GIVEN_NAMES`` and ``common.DOMINO_SURNAMES``), by manifest category:

  mailboxes                 the bulk: ~300 Domino mailboxes (mailfile, mailserver, mailsystem 1,
                            no forwarding address) under ou=Sales, ou=Marketing,ou=Sales,
                            directly under o=Acme and flat at the root; some with a second cn,
                            several uid values, or a first uid that is no valid Exchange alias
  no_mailbox                Persons without a mailbox (no mailfile, mailsystem 100)
  migrated                  migrated Persons: mailfile kept, forwarding mailaddress
                            <local>@exchange.example.com (no longer mailboxes)
  forwarding_contacts       forwarding Persons (mailsystem 5) made by someone else, outside
                            the contacts base
  groups                    dominoGroups with members (most with mail)
  mail_in_databases         dominoServerMailInDatabase entries (helpdesk@example.com, ...)
  invalid_mail              mailboxes whose mail is missing, 'not-an-address', or has two @
  awkward_names             mailboxes whose names hold , + " \\ < > ; = a leading #, leading or
                            trailing spaces, an apostrophe
  non_ascii                 mailboxes named Müller, Zoë, Åsa, Çelik, Ирина, 王伟
  accent_twins              René Dupont / Rene Dupont in one OU (equal names to AD)
  same_fullname             two mailboxes with one FullName under different OUs
  long_name                 a mailbox whose FullName is longer than 64 characters
  migrated_address          a mailbox whose mail is common.MIGRATED_ADDRESS
  contested_address         a mailbox whose mail is common.CONTESTED_ADDRESS
  duplicate_address         two mailboxes claiming the same mail address
  foreign_in_contacts_base  objects in ou=Exchange,o=Acme the sync does not own: a hand-made
                            forwarding Person, a dominoGroup, an organizationalUnit
  base                      what provision() creates: o=Acme, the OUs, the server cn=Mail1,o=Acme
                            and the sync account cn=LDAP Sync,o=Acme

The manifest (``<state>/domino/seed/manifest.json``) lists, per category, ``{dn, mail, unid}``
of every seeded entry (dn as slapd returns it), the counts, and which categories are mailboxes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

from . import common

HOSTNAME = 'domino1.example.com'
LDAP_PORT = 1389
LDAPS_PORT = 1636
LISTEN_URLS = f'ldap://127.0.0.1:{LDAP_PORT}/ ldaps://127.0.0.1:{LDAPS_PORT}/'
SLAPD = '/usr/sbin/slapd'
SCHEMA_FILE = common.LAB_ROOT / 'domino' / 'domino.schema'

ORGANISATION = 'o=Acme'
CONTACTS_BASE = 'ou=Exchange,o=Acme'
MAIL_SERVER_DN = 'cn=Mail1,o=Acme'
SYNC_DN = 'cn=LDAP Sync,o=Acme'
# Lab-only passwords on a loopback server; fixed so a snapshot restored into a fresh
# provision still matches the facts.
SYNC_PASSWORD = 'Lab-Domino-Sync-1'
ADMIN_DN = 'cn=Lab Admin,o=Acme'        # the rootdn: no entry, no ACLs, no limits
ADMIN_PASSWORD = 'Lab-Domino-Admin-1'

DOMINO_VERSION = '120020'               # dominoMajMinVersion for Domino 12.0.2 (see rootdse)
NOTES_DOMAIN = 'Acme'                   # maildomain: the Notes domain of the mail server
SEED = 20240521                         # random.Random seed: the organisation is reproducible
BULK_MAILBOXES = 300
START_TIMEOUT = 15.0

# mailsystem codes (vendor facts D-3.1): Notes [inferred], Other Internet Mail, None [third-party].
MAILSYSTEM_NOTES = '1'
MAILSYSTEM_OTHER_INTERNET = '5'
MAILSYSTEM_NONE = '100'

# Categories whose entries are Domino mailboxes by the collection's definition (mailfile,
# mailsystem Notes, no forwarding address); invalid_mail ones are mailboxes with a bad source.
MAILBOX_CATEGORIES = ['mailboxes', 'invalid_mail', 'awkward_names', 'non_ascii', 'accent_twins',
                      'same_fullname', 'long_name', 'migrated_address', 'contested_address',
                      'duplicate_address']
CATEGORIES = ['base'] + MAILBOX_CATEGORIES + ['no_mailbox', 'migrated', 'forwarding_contacts',
                                              'groups', 'mail_in_databases',
                                              'foreign_in_contacts_base']

# Where bulk mailboxes live (DN suffix after cn=..., the Notes hierarchy for displayName) and
# how often: mostly ou=Sales, some in ou=Marketing,ou=Sales, some /Acme only, some flat.
PLACES = [('ou=Sales,o=Acme', 'Sales/Acme', 55),
          ('ou=Marketing,ou=Sales,o=Acme', 'Marketing/Sales/Acme', 25),
          ('o=Acme', 'Acme', 10),
          ('', '', 10)]
TITLES = ['Account Manager', 'Sales Engineer', 'Marketing Specialist', 'Product Manager',
          'Team Assistant', 'Team Lead', 'Controller', 'Consultant', 'Buyer', 'Analyst']


def _ldap():
    """python-ldap, imported when first needed (the module is importable without the venv)."""
    import ldap
    import ldap.dn
    import ldap.modlist
    return ldap


def _ssha(password: str) -> str:
    """RFC 2307 {SSHA} hash, as slappasswd makes it (no plain passwords in files)."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return '{SSHA}' + base64.b64encode(digest + salt).decode()


def _unid(dn: str) -> str:
    """A deterministic 32-hex upper-case dominoUNID, derived from the entry's DN as seeded."""
    return hashlib.md5(f'dominoUNID:{dn}'.encode()).hexdigest().upper()


def _rdn(attr: str, value: str) -> str:
    return f'{attr}={_ldap().dn.escape_dn_chars(value)}'


class DominoSlapd:
    """slapd standing in for the Domino Directory; everything lives under state_dir/domino."""

    name = 'domino'
    APT_PACKAGES = ['slapd', 'ldap-utils', 'openssl']

    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir) / 'domino'
        self.tls_dir = self.dir / 'tls'
        self.db_dir = self.dir / 'mdb'          # the database: snapshot this ...
        self.seed_dir = self.dir / 'seed'       # ... and the manifest that describes it
        self.conf = self.dir / 'slapd.conf'
        self.rootdse = self.dir / 'rootdse.ldif'
        self.pid_file = self.dir / 'slapd.pid'
        self.log_file = self.dir / 'slapd.log'
        self.manifest = self.seed_dir / 'manifest.json'
        self.ca_file = self.tls_dir / 'ca.crt'
        self._proc: subprocess.Popen | None = None

    # ----------------------------------------------------------------------------- lifecycle
    def provisioned(self) -> bool:
        return (self.dir / 'provisioned').exists() and (self.db_dir / 'data.mdb').exists()

    def provision(self) -> None:
        """From scratch: CA and server certificate, slapd.conf, empty database, base entries."""
        common.ensure_hosts([HOSTNAME])
        if self.running():
            self.stop()
        if self.dir.exists():
            shutil.rmtree(self.dir)
        for d in (self.dir, self.tls_dir, self.db_dir, self.seed_dir):
            d.mkdir(parents=True, mode=0o700)
        self._make_certificates()
        self._write_config()
        # slaptest parses the configuration and the schema (-u: without opening the database,
        # which does not exist yet): a typo fails here with slapd's own message rather than as
        # a start timeout.
        common.run([SLAPD, '-T', 'test', '-u', '-f', str(self.conf)])
        self.start()
        with self._connect() as conn:
            for dn, attrs in self._base_entries():
                conn.add(dn, attrs)
        (self.dir / 'provisioned').write_text(time.strftime('%Y-%m-%dT%H:%M:%S\n'))
        common.log(f'domino: provisioned slapd in {self.dir}')

    def start(self) -> None:
        """Start slapd in the background; return once an LDAPS bind (certificate checked) works."""
        if self.running():
            return
        common.ensure_hosts([HOSTNAME])
        for port in (LDAP_PORT, LDAPS_PORT):
            if common.port_open('127.0.0.1', port):
                raise common.LabError(f'domino: port {port} is in use by another process')
        self.pid_file.unlink(missing_ok=True)
        with open(self.log_file, 'ab') as log:
            offset = log.tell()
            log.write(f'--- lab: slapd start {time.strftime("%Y-%m-%d %H:%M:%S")} ---\n'.encode())
            log.flush()
            # -d stats keeps slapd in the foreground and writes the operation log to stderr;
            # its own session detaches it from our terminal and process group.
            self._proc = subprocess.Popen(
                [SLAPD, '-f', str(self.conf), '-h', LISTEN_URLS, '-d', 'stats'],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.dir, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        last_error = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                with self._connect(timeout=1):
                    return
            except Exception as exc:          # not listening yet, or TLS not ready
                last_error = exc
            time.sleep(0.1)
        proc, self._proc = self._proc, None
        if proc.poll() is None:
            proc.terminate()
            proc.wait(5)
            problem = f'slapd did not accept an LDAPS bind within {START_TIMEOUT:.0f} s ({last_error})'
        else:
            # slapd -d stats does not print configuration errors; slaptest does.
            test = common.run([SLAPD, '-T', 'test', '-u', '-f', str(self.conf)], check=False)
            problem = (f'slapd exited with status {proc.returncode}; slaptest says:\n'
                       f'{(test.stdout + test.stderr).strip()}')
        raise common.LabError(f'domino: {problem}\nlog tail:\n{self._log_tail(offset)}')

    def stop(self) -> None:
        """Stop slapd (SIGTERM: back_mdb closes cleanly) and wait until its ports are closed."""
        pid = self._pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:                 # not running (or not ours: then it is left alone)
            self._proc = None
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while self._alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                common.log(f'domino: slapd {pid} ignored SIGTERM for 15 s; killed')
                deadline = time.monotonic() + 5
                while self._alive(pid):
                    if time.monotonic() > deadline:
                        raise common.LabError(f'domino: slapd {pid} survived SIGKILL')
                    time.sleep(0.05)
            time.sleep(0.05)
        self._proc = None
        deadline = time.monotonic() + 10
        while common.port_open('127.0.0.1', LDAP_PORT) or common.port_open('127.0.0.1', LDAPS_PORT):
            if time.monotonic() > deadline:
                raise common.LabError(f'domino: ports {LDAP_PORT}/{LDAPS_PORT} still open after stop')
            time.sleep(0.05)

    def pid(self) -> int | None:
        """The pid of this lab's running server, or None (fault tests pause it with SIGSTOP)."""
        return self._pid()

    def running(self) -> bool:
        """True if this lab's slapd (pid file, command line naming our slapd.conf) is alive."""
        return self._pid() is not None

    def data_dirs(self) -> list[Path]:
        """The database and its manifest: copied while stopped, they restore the same directory.
        (Certificates and slapd.conf stay as provisioned.)"""
        return [self.db_dir, self.seed_dir]

    def facts(self) -> dict:
        return {
            'server': f'ldaps://{HOSTNAME}:{LDAPS_PORT}',
            'start_tls_server': f'ldap://{HOSTNAME}:{LDAP_PORT}',
            'hostname': HOSTNAME,
            'ca_file': str(self.ca_file),
            'bind_dn': SYNC_DN,
            'bind_password': SYNC_PASSWORD,
            'admin_bind_dn': ADMIN_DN,
            'admin_password': ADMIN_PASSWORD,
            'mailbox_base': '',
            'contacts_base': CONTACTS_BASE,
            'organisation': ORGANISATION,
            'manifest': str(self.manifest),
            'access_log': str(self.log_file),
        }

    # ---------------------------------------------------------------------------- processes
    def _pid(self) -> int | None:
        """The pid of *our* slapd if it is alive (pid file checked against /proc)."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = self._proc.pid if self._proc is not None else None
        if pid is None or not self._alive(pid):
            return None
        try:
            cmdline = Path(f'/proc/{pid}/cmdline').read_bytes().split(b'\0')
        except OSError:
            return None
        return pid if str(self.conf).encode() in cmdline else None

    def _alive(self, pid: int) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            return self._proc.poll() is None          # reaps our own child
        try:
            stat = Path(f'/proc/{pid}/stat').read_text()
        except OSError:
            return False
        return stat.rsplit(')', 1)[1].split()[0] != 'Z'   # a zombie has exited

    def _log_tail(self, offset: int = 0, lines: int = 40) -> str:
        try:
            with open(self.log_file, 'rb') as f:
                f.seek(offset)
                text = f.read().decode(errors='replace')
        except OSError:
            return '(no log)'
        return '\n'.join(text.splitlines()[-lines:])

    # ---------------------------------------------------------------------------- TLS + conf
    def _make_certificates(self) -> None:
        """A lab CA of our own (not Samba's) and a server certificate for domino1.example.com."""
        t = self.tls_dir
        (t / 'openssl.cnf').write_text(
            '# minimal config so the system openssl.cnf cannot add or clash with extensions\n'
            '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n'
            '[ca_ext]\nbasicConstraints = critical, CA:TRUE\n'
            'keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n'
            '[server_ext]\nbasicConstraints = critical, CA:FALSE\n'
            'keyUsage = critical, digitalSignature, keyEncipherment\n'
            'extendedKeyUsage = serverAuth\n'
            f'subjectAltName = DNS:{HOSTNAME}\n'
            'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n')
        cnf = ['-config', str(t / 'openssl.cnf')]
        common.run(['openssl', 'req', '-x509', '-new', '-newkey', 'rsa:2048', '-nodes', *cnf,
                    '-extensions', 'ca_ext', '-days', '3650', '-sha256',
                    '-subj', '/O=Coexist Lab/CN=Coexist Lab Domino CA',
                    '-keyout', str(t / 'ca.key'), '-out', str(self.ca_file)])
        common.run(['openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes', *cnf,
                    '-subj', f'/O=Acme/CN={HOSTNAME}',
                    '-keyout', str(t / 'server.key'), '-out', str(t / 'server.csr')])
        common.run(['openssl', 'x509', '-req', '-in', str(t / 'server.csr'), '-sha256',
                    '-CA', str(self.ca_file), '-CAkey', str(t / 'ca.key'),
                    '-set_serial', f'0x{secrets.token_hex(8)}', '-days', '825',
                    '-extfile', str(t / 'openssl.cnf'), '-extensions', 'server_ext',
                    '-out', str(t / 'server.crt')])
        for key in ('ca.key', 'server.key'):
            (t / key).chmod(0o600)

    def _write_config(self) -> None:
        # The root DSE additions. Domino's namingContexts is the empty string (vendor facts D-1.2);
        # slapd derives it from suffix "" (namingContexts with an empty value), so it is not
        # set here.
        self.rootdse.write_text(
            '# Extra root DSE attributes so the root DSE looks like Domino 12.0.2 (vendor facts D-1.2)\n'
            'dn:\n'
            '# "mmnnq, e.g. 80000 = 8.0.0" [verified]; 120020 for 12.0.2 [inferred]\n'
            f'dominoMajMinVersion: {DOMINO_VERSION}\n'
            '# RFC 3045; Domino supports it [third-party]; the value is [unknown]\n'
            'vendorName: HCL Software\n'
            '# capability OIDs for dominoUNID (1354) and dominoAccessGroups (1355) [verified]\n'
            'ibm-supportedCapabilities: 2.16.840.1.113678.2.2.2.2.1354\n'
            'ibm-supportedCapabilities: 2.16.840.1.113678.2.2.2.2.1355\n'
            'ibm-enabledCapabilities: 2.16.840.1.113678.2.2.2.2.1354\n'
            'ibm-enabledCapabilities: 2.16.840.1.113678.2.2.2.2.1355\n')
        d, t = self.dir, self.tls_dir
        self.conf.write_text(f'''\
# slapd.conf of the coexist lab's Domino Directory stand-in.
# Generated by lab/coexist_lab/domino_slapd.py at provision time; edits are lost then.
# This is OpenLDAP, not Domino: it serves Domino's LDAP schema and DIT shape on loopback.

include  /etc/ldap/schema/core.schema
include  /etc/ldap/schema/cosine.schema
include  /etc/ldap/schema/inetorgperson.schema
include  {SCHEMA_FILE}

modulepath /usr/lib/ldap
moduleload back_mdb

pidfile  {d}/slapd.pid
argsfile {d}/slapd.args

# Root DSE and schema entry as on Domino: extra attributes from rootdse.ldif, and the
# subschema subentry named cn=schema (vendor facts D-1.2) instead of slapd's cn=Subschema.
rootDSE  {self.rootdse}
schemadn cn=schema

# TLS for ldaps:// (1636) and StartTLS on ldap:// (1389), with the lab's own CA.
TLSCACertificateFile  {self.ca_file}
TLSCertificateFile    {t}/server.crt
TLSCertificateKeyFile {t}/server.key

# Anyone may read the root DSE and the schema (clients probe them before binding).
access to dn.base="" by * read
access to dn.base="cn=schema" by * read

#######################################################################
# The Domino Directory: one database with an empty suffix. Domino has no suffix; o=Acme is
# just a top-level node, and flat names (cn=X) sit at the root beside it.
database  mdb
suffix    ""
directory {self.db_dir}
maxsize   4294967296
# The rootdn is for lab setup and test read-back only; it bypasses ACLs and limits.
rootdn    "{ADMIN_DN}"
rootpw    {_ssha(ADMIN_PASSWORD)}

# Equality indexes for what the sync filters on (Domino answers name/mail filters from views).
index objectClass,cn,mail,uid,dominoUNID eq

# AD's MaxPageSize (1000), which Samba lacks, emulated for ordinary accounts: an unpaged
# search stops at 1000 entries with sizeLimitExceeded (size.soft/hard; slapd's default would
# be 500); a paged search gets pages of up to 1000 and may read everything (prtotal unlimited;
# without it size.hard would cap paged searches too). Unlike AD, which caps a larger page
# size at 1000, slapd refuses a page size over 1000 with adminLimitExceeded.
limits users size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited

# Check attribute ACLs on adds too, so the sync account cannot add an entry with dominoUNID
# or displayName (by default slapd checks only the right to create the entry).
add_content_acl on

# Passwords: usable for binds, readable and writable by their owner only.
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none

# Domino computes dominoUNID and displayName: read-only for the sync account (the seed
# writes them as the rootdn).
access to attrs=dominoUNID,displayName
    by users read
    by * none

# The sync account may write everything else (Domino: Editor access, LDAP write allowed);
# any authenticated user may read; anonymous users may only bind.
access to *
    by dn.exact="{SYNC_DN}" write
    by users read
    by anonymous auth
    by * none
''')

    # ------------------------------------------------------------------------------ LDAP
    def _connect(self, timeout: float = 10, bind_dn: str = ADMIN_DN, password: str = ADMIN_PASSWORD):
        """An LDAPS connection by host name, certificate checked against the lab CA."""
        ldap = _ldap()
        conn = ldap.initialize(f'ldaps://{HOSTNAME}:{LDAPS_PORT}', bytes_mode=False)
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
        conn.set_option(ldap.OPT_REFERRALS, 0)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout)
        conn.set_option(ldap.OPT_TIMEOUT, max(timeout, 30))
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, str(self.ca_file))
        conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
        conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)      # must come after the TLS options
        try:
            conn.simple_bind_s(bind_dn, password)
        except Exception:
            conn.unbind_s()
            raise
        return _Conn(conn)

    # -------------------------------------------------------------------------------- data
    def _base_entries(self) -> list[tuple[str, dict]]:
        """The DIT provision() creates: organisation, OUs, the mail server, the sync account."""
        return [
            (ORGANISATION, {'objectClass': ['top', 'organization'], 'o': ['Acme']}),
            ('ou=Sales,o=Acme', {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Sales']}),
            ('ou=Marketing,ou=Sales,o=Acme',
             {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Marketing']}),
            # The contacts base: the sync's container; empty but for foreign objects.
            (CONTACTS_BASE, {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Exchange'],
                             'description': ['Forwarding Persons for Exchange mailboxes']}),
            (MAIL_SERVER_DN, {'objectClass': ['top', 'dominoServer'], 'cn': ['Mail1'],
                              'displayName': ['Mail1/Acme'], 'maildomain': [NOTES_DOMAIN],
                              'dominoUNID': [_unid(MAIL_SERVER_DN)]}),
            # The sync account: a Person with an Internet password and no mail file.
            (SYNC_DN, {'objectClass': ['top', 'person', 'organizationalPerson', 'inetOrgPerson',
                                       'dominoPerson'],
                       'cn': ['LDAP Sync'], 'sn': ['Sync'], 'givenName': ['LDAP'],
                       'uid': ['ldapsync'], 'displayName': ['LDAP Sync/Acme'],
                       'mailsystem': [MAILSYSTEM_NONE], 'userPassword': [_ssha(SYNC_PASSWORD)],
                       'dominoUNID': [_unid(SYNC_DN)]}),
        ]

    def seed(self) -> None:
        """Write the sample organisation (removing any earlier seed first) and its manifest."""
        records = _SampleOrganisation(random.Random(SEED)).build()
        base = {_norm(dn) for dn, _unused in self._base_entries()}
        started = time.monotonic()
        with self._connect() as conn:
            # Back to the provisioned state: delete everything but the base, leaves first.
            old = [dn for dn, _unused in conn.search('', '(objectClass=*)', ['1.1'])
                   if _norm(dn) not in base]
            for dn in sorted(old, key=lambda x: -len(_ldap().dn.str2dn(x))):
                conn.delete(dn)
            for rec in records:
                conn.add(rec.dn, rec.attrs)
            # Read back: the manifest carries DNs in the server's form, keyed by dominoUNID.
            server_dn = {}
            for dn, attrs in conn.search('', '(objectClass=*)', ['dominoUNID']):
                server_dn[(attrs.get('dominoUNID') or [dn])[0].lower()] = dn
                server_dn[_norm(dn)] = dn
        categories: dict[str, list] = {c: [] for c in CATEGORIES}
        for dn, attrs in self._base_entries():
            categories['base'].append({'dn': server_dn.get(_norm(dn), dn), 'mail': None,
                                       'unid': (attrs.get('dominoUNID') or [None])[0]})
        for rec in records:
            key = rec.unid.lower() if rec.unid else _norm(rec.dn)
            if key not in server_dn:
                raise common.LabError(f'domino: seeded entry {rec.dn!r} not found on read-back')
            categories[rec.category].append({'dn': server_dn[key], 'mail': rec.mail,
                                             'unid': rec.unid})
        manifest = {
            'seed': SEED,
            'organisation': ORGANISATION,
            'contacts_base': CONTACTS_BASE,
            'mail_server': MAIL_SERVER_DN,
            'mailbox_categories': MAILBOX_CATEGORIES,
            'categories': categories,
            'counts': {c: len(v) for c, v in categories.items()},
            'mailboxes_total': sum(len(categories[c]) for c in MAILBOX_CATEGORIES),
            'entries_total': sum(len(v) for v in categories.values()),
        }
        self.seed_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest.with_suffix('.tmp')
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + '\n')
        tmp.replace(self.manifest)
        common.log(f'domino: seeded {len(records)} entries in {time.monotonic() - started:.2f} s '
                   f'({manifest["mailboxes_total"]} mailboxes); manifest {self.manifest}')

    def summary(self) -> list[str]:
        """What the directory holds now, read live over LDAPS as the rootdn."""
        with self._connect() as conn:
            entries = conn.search('', '(objectClass=*)',
                                  ['objectClass', 'mail', 'mailfile', 'mailsystem', 'mailaddress',
                                   'dominoUNID'])
        contacts_suffix = ',' + _norm(CONTACTS_BASE)
        count = dict.fromkeys(('mailbox', 'mailbox_bad_mail', 'no_mailbox', 'migrated',
                               'forwarding', 'group', 'mailin', 'server', 'ou', 'org', 'other',
                               'in_contacts', 'contacts_persons'), 0)
        present = set()
        for dn, attrs in entries:
            ndn = _norm(dn)
            present.add(ndn)
            present.update(u.lower() for u in attrs.get('dominoUNID', []))
            kind = _kind(attrs)
            if ndn.endswith(contacts_suffix):
                count['in_contacts'] += 1
                count['contacts_persons'] += kind in ('mailbox', 'no_mailbox', 'migrated', 'forwarding')
                continue
            count[kind] += 1
            if kind == 'mailbox' and not _plausible_address(_first(attrs, 'mail')):
                count['mailbox_bad_mail'] += 1
        c = count
        lines = [
            f'Domino Directory stand-in (OpenLDAP slapd, suffix ""): {self.facts()["server"]}, '
            f'{len(entries)} entries',
            f'  Persons: {c["mailbox"]} mailboxes ({c["mailbox_bad_mail"]} with an invalid or no mail), '
            f'{c["no_mailbox"]} without a mailbox, {c["migrated"]} migrated (mail file + forwarding), '
            f'{c["forwarding"]} forwarding contacts outside {CONTACTS_BASE}',
            f'  {c["group"]} groups, {c["mailin"]} mail-in databases, {c["server"]} servers, '
            f'{c["org"]} organisations, {c["ou"]} OUs, {c["other"]} other entries',
            f'  contacts base {CONTACTS_BASE}: {c["in_contacts"]} entries below it '
            f'({c["contacts_persons"]} Persons)',
        ]
        try:
            manifest = json.loads(self.manifest.read_text())
        except (OSError, ValueError):
            lines.append('  not seeded (no manifest)')
            return lines
        parts = []
        for cat, recs in manifest['categories'].items():
            still = sum(1 for r in recs
                        if (r['unid'] or '').lower() in present or _norm(r['dn']) in present)
            parts.append(f'{cat} {still}/{len(recs)}')
        lines.append('  seeded entries still present: ' + ', '.join(parts))
        return lines


def _first(attrs: dict, name: str) -> str:
    """The first value of an attribute, '' if absent (on Domino the first value counts)."""
    return (attrs.get(name) or [''])[0]


def _kind(attrs: dict) -> str:
    """Classify an entry the way the collection's definitions do (architecture.rst)."""
    ocs = {o.lower() for o in attrs.get('objectClass', [])}
    if 'dominoperson' in ocs:
        if _first(attrs, 'mailaddress'):        # a forwarding address: not a mailbox
            return 'migrated' if _first(attrs, 'mailfile') else 'forwarding'
        if _first(attrs, 'mailfile') and _first(attrs, 'mailsystem') == MAILSYSTEM_NOTES:
            return 'mailbox'
        return 'no_mailbox'
    for oc, kind in (('dominogroup', 'group'), ('dominoservermailindatabase', 'mailin'),
                     ('dominoserver', 'server'), ('organizationalunit', 'ou'),
                     ('organization', 'org')):
        if oc in ocs:
            return kind
    return 'other'


def _plausible_address(mail: str) -> bool:
    local, _unused, domain = mail.partition('@')
    return bool(local) and '@' not in domain and '.' in domain


def _norm(dn: str) -> str:
    """A DN compared loosely: parsed and re-joined, lower case (enough for the lab's names)."""
    ldap = _ldap()
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn)).lower()
    except Exception:
        return dn.lower()


class _Conn:
    """A thin wrapper around a python-ldap connection: str values in, str values out."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.unbind_s()

    def add(self, dn: str, attrs: dict) -> None:
        self.conn.add_s(dn, [(k, [v.encode() for v in vs]) for k, vs in attrs.items() if vs])

    def delete(self, dn: str) -> None:
        self.conn.delete_s(dn)

    def search(self, base: str, filt: str, attrs: list[str]) -> list[tuple[str, dict]]:
        ldap = _ldap()
        res = self.conn.search_ext_s(base, ldap.SCOPE_SUBTREE, filt, attrs)
        return [(dn, {k: [v.decode() for v in vs] for k, vs in a.items()})
                for dn, a in res if dn is not None]


# ===================================================================== the sample organisation
class _Record:
    def __init__(self, category: str, dn: str, attrs: dict, mail: str | None, unid: str | None):
        self.category, self.dn, self.attrs, self.mail, self.unid = category, dn, attrs, mail, unid


class _SampleOrganisation:
    """Builds the seed records. Pure: the same Random seed gives the same organisation."""

    PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.records: list[_Record] = []
        self.used_names: set[tuple[str, str]] = set()   # (given, surname) pairs taken

    def build(self) -> list[_Record]:
        self._special_cases()       # first, so the bulk avoids their names
        self._bulk()
        self._other_recipients()
        self._foreign_in_contacts_base()
        return self.records

    # ------------------------------------------------------------------- building blocks
    def person(self, category: str, cn: str, given: str, sn: str, parent: str, *,
               mail: str | None, short: str, hierarchy: str | None = None,
               mailbox: bool = True, mailsystem: str | None = None, mailaddress: str | None = None,
               extra_cn: list[str] = (), extra_uid: list[str] = (), uid_first: str | None = None,
               title: bool = True) -> _Record:
        """A dominoPerson. mailbox=True gives the Notes mailbox fields (mailfile, mailserver)."""
        dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
        if hierarchy is None:
            hierarchy = _hierarchy(parent)
        uids = ([uid_first] if uid_first else []) + [short] + list(extra_uid)
        attrs = {
            'objectClass': self.PERSON_CLASSES,
            'cn': [cn] + [c for c in extra_cn if c != cn],
            'givenName': [given] if given else [],
            'sn': [sn],
            'uid': uids,
            'mail': [mail] if mail else [],
            # Domino's abbreviated name: John Doe/Sales/Acme (a flat name is just the name).
            'displayName': [f'{cn}/{hierarchy}' if hierarchy else cn],
            'dominoUNID': [_unid(dn)],
            'availablefordirsync': ['1'],      # Person form defaults (vendor facts D-4.1)
            'checkpassword': ['0'],
        }
        if mailbox:
            attrs.update({'mailfile': [f'mail\\{short[:8]}.nsf'], 'mailserver': [MAIL_SERVER_DN],
                          'maildomain': [NOTES_DOMAIN]})
        attrs['mailsystem'] = [mailsystem or (MAILSYSTEM_NOTES if mailbox else MAILSYSTEM_NONE)]
        if mailaddress:
            attrs['mailaddress'] = [mailaddress]
        if title and self.rng.random() < 0.85:
            attrs['title'] = [self.rng.choice(TITLES)]
        if self.rng.random() < 0.8:
            attrs['telephonenumber'] = [f'+49 30 5550 {self.rng.randrange(10000):04d}']
        rec = _Record(category, dn, attrs, mail, attrs['dominoUNID'][0])
        self.records.append(rec)
        return rec

    def named(self, category: str, given: str, sn: str, parent: str = 'ou=Sales,o=Acme', *,
              cn: str | None = None, local: str | None = None, **kw) -> _Record:
        """A Person named from the pools (or given explicitly); mail <local>@example.com."""
        self.used_names.add((given, sn))
        local = local or f'{_ascii(given)}.{_ascii(sn)}'.lower()
        kw.setdefault('mail', f'{local}@{common.SHARED_DOMAIN}')
        kw.setdefault('short', _ascii(f'{given[:1]}{sn}').lower().replace(' ', '').replace("'", ''))
        return self.person(category, cn or f'{given} {sn}', given, sn, parent, **kw)

    def place(self) -> tuple[str, str]:
        weights = [w for _unused, _unused, w in PLACES]
        parent, hierarchy, _unused = self.rng.choices(PLACES, weights)[0]
        return parent, hierarchy

    # ----------------------------------------------------------------------- categories
    def _bulk(self) -> None:
        """~300 plain mailboxes; some with a second cn, several uids, or an awkward first uid."""
        pairs = [(g, s) for g in common.GIVEN_NAMES for s in common.DOMINO_SURNAMES
                 if (g, s) not in self.used_names]
        for given, sn in self.rng.sample(pairs, BULK_MAILBOXES):
            parent, hierarchy = self.place()
            kw = {}
            roll = self.rng.random()
            if roll < 0.10:     # Domino keeps several FullName values: a second cn
                kw['extra_cn'] = [f'{given} {self.rng.choice("ABCDEFGHJKLMNPRSTW")}. {sn}']
            elif roll < 0.20:   # several ShortNames
                kw['extra_uid'] = [f'{given}.{sn}'.lower()]
            elif roll < 0.25:   # first ShortName is not a valid Exchange alias (a space)
                kw['uid_first'] = f'{given} {sn}'
            elif roll < 0.28:   # ... or an @
                kw['uid_first'] = f'{given[:1]}{sn}@acme'.lower()
            self.named('mailboxes', given, sn, parent, hierarchy=hierarchy, **kw)

    def _special_cases(self) -> None:
        n = self.named
        # Keep pool names that would be accidental accent twins of the cases below out of the bulk.
        self.used_names.update({('Zoe', 'Lambert'), ('Rene', 'Dupont')})
        # Persons without a mailbox: no mail file, mailsystem None; some still have an address.
        n('no_mailbox', 'Anna', 'Porter', mailbox=False, mail=None)
        n('no_mailbox', 'Ben', 'Osborne', 'o=Acme', mailbox=False)
        n('no_mailbox', 'Clara', 'Norris', 'ou=Marketing,ou=Sales,o=Acme', mailbox=False)
        n('no_mailbox', 'David', 'Mercer', '', mailbox=False, mail=None)
        n('no_mailbox', 'Elena', 'Lambert', mailbox=False)
        # Migrated Persons: a migration tool set a forwarding address to Exchange; the mail
        # file stays, mailsystem is Notes on some and Other Internet Mail on others.
        for given, sn, parent, system in [
                ('Felix', 'Keller', 'ou=Sales,o=Acme', MAILSYSTEM_NOTES),
                ('Greta', 'Jennings', 'ou=Sales,o=Acme', MAILSYSTEM_OTHER_INTERNET),
                ('Hugo', 'Irving', 'ou=Marketing,ou=Sales,o=Acme', MAILSYSTEM_NOTES),
                ('Ines', 'Hughes', 'o=Acme', MAILSYSTEM_OTHER_INTERNET),
                ('Jonas', 'Graham', '', MAILSYSTEM_NOTES)]:
            local = f'{given}.{sn}'.lower()
            n('migrated', given, sn, parent, mailsystem=system,
              mailaddress=f'{local}@{common.EXCHANGE_ROUTING_DOMAIN}')
        # Forwarding contacts someone made by hand, outside the contacts base: partners.
        for given, sn, parent, addr in [
                ('Karin', 'Fletcher', 'ou=Sales,o=Acme', 'karin.fletcher@partner.example.net'),
                ('Lukas', 'Ellis', '', 'lukas.ellis@supplier.example.org'),
                ('Mara', 'Dawson', 'o=Acme', 'mdawson@partner.example.net'),
                ('Nils', 'Carter', 'ou=Marketing,ou=Sales,o=Acme', 'nils.carter@agency.example.org')]:
            n('forwarding_contacts', given, sn, parent, mailbox=False, mail=addr,
              mailsystem=MAILSYSTEM_OTHER_INTERNET, mailaddress=addr, title=False)
        # Invalid sources: mailboxes whose address is missing or malformed.
        n('invalid_mail', 'Olga', 'Barker', mail=None)
        n('invalid_mail', 'Paul', 'Abbott', mail='not-an-address')
        n('invalid_mail', 'Quinn', 'Porter', mail='quinn@porter@example.com')
        # Awkward names: every character RFC 4514 escapes, leading/trailing spaces, apostrophe.
        for cn, given, sn, local in [
                ('Carter, Rosa', 'Rosa', 'Carter', 'rosa.carter'),
                ('Simon Dawson + Partner', 'Simon', 'Dawson', 'simon.dawson'),
                ('Tara "TJ" Ellis', 'Tara', 'Ellis', 'tara.ellis'),
                ('Uwe Fletcher\\IT', 'Uwe', 'Fletcher', 'uwe.fletcher'),
                ('Vera <Graham>', 'Vera', 'Graham', 'vera.graham'),
                ('Walter Hughes; Sales', 'Walter', 'Hughes', 'walter.hughes'),
                ('Xenia Irving = Lead', 'Xenia', 'Irving', 'xenia.irving'),
                ('#Yusuf Jennings', 'Yusuf', 'Jennings', 'yusuf.jennings'),
                (' Zoe Keller ', 'Zoe', 'Keller', 'zoe.keller'),
                ("Anna O'Brien", 'Anna', "O'Brien", 'anna.obrien')]:
            n('awkward_names', given, sn, cn=cn, local=local)
        # Non-ASCII names (the brief's list; Müller, Çelik, O'Brien, Dupont and 王伟 are not
        # from the surname pool: their addresses are listed in the manifest).
        n('non_ascii', 'Hugo', 'Müller', local='hugo.mueller')
        n('non_ascii', 'Zoë', 'Lambert', 'ou=Marketing,ou=Sales,o=Acme', local='zoe.lambert')
        n('non_ascii', 'Åsa', 'Mercer', 'o=Acme', local='asa.mercer')
        n('non_ascii', 'Ines', 'Çelik', local='ines.celik')
        n('non_ascii', 'Ирина', 'Norris', local='irina.norris', short='inorris')
        n('non_ascii', '伟', '王', '', cn='王伟', local='wang.wei', short='wwang')
        # Accent twins in one OU: AD compares names accent-insensitively, so equal there.
        n('accent_twins', 'René', 'Dupont', local='rene.dupont')
        n('accent_twins', 'Rene', 'Dupont', local='rene.dupont2', short='rdupont2')
        # The same FullName under two OUs (distinct DNs in Domino, one name in a flat OU).
        n('same_fullname', 'Lukas', 'Osborne', 'ou=Sales,o=Acme', local='lukas.osborne')
        n('same_fullname', 'Lukas', 'Osborne', 'ou=Marketing,ou=Sales,o=Acme',
          local='l.osborne', short='losborne2')
        # A FullName longer than AD's 64-character cn limit (and under Domino's 256-char DN).
        n('long_name', 'Maximilian', 'Porter',
          cn='Maximilian Alexander Benedikt Christoph Friedrich von und zu Porter-Abbott',
          local='maximilian.porter')
        # Cross-directory cases shared with the AD side (common.py).
        n('migrated_address', 'Walter', 'Barker', local=common.MIGRATED_ADDRESS.split('@', maxsplit=1)[0])
        n('contested_address', 'Xenia', 'Carter', 'ou=Marketing,ou=Sales,o=Acme',
          local=common.CONTESTED_ADDRESS.split('@', maxsplit=1)[0])
        # Two mailboxes claiming one address (Domino does not enforce uniqueness over LDAP).
        n('duplicate_address', 'Yusuf', 'Abbott', local='sales.desk')
        n('duplicate_address', 'Quinn', 'Lambert', 'o=Acme', local='sales.desk')

    def _other_recipients(self) -> None:
        """Groups and mail-in databases: recipients that are not Persons."""
        mailboxes = [r.dn for r in self.records if r.category == 'mailboxes']
        for cn, parent, mail, members in [
                ('Sales Team', '', 'sales.team@example.com', mailboxes[:12]),
                ('Marketing', '', 'marketing@example.com', mailboxes[12:20]),
                ('Acme Managers', 'o=Acme', None, mailboxes[20:25])]:   # an ACL-only group
            dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
            attrs = {'objectClass': ['top', 'groupOfNames', 'dominoGroup'], 'cn': [cn],
                     'member': members, 'mail': [mail] if mail else [],
                     'displayName': [cn], 'dominoUNID': [_unid(dn)]}
            self.records.append(_Record('groups', dn, attrs, mail, attrs['dominoUNID'][0]))
        for cn, parent, mail, file in [('Helpdesk', '', 'helpdesk@example.com', 'mail\\helpdesk.nsf'),
                                       ('Sales Inbox', 'ou=Sales,o=Acme', 'sales.inbox@example.com',
                                        'mail\\salesin.nsf')]:
            dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
            attrs = {'objectClass': ['top', 'dominoServerMailInDatabase'], 'cn': [cn],
                     'mail': [mail], 'mailfile': [file], 'mailserver': [MAIL_SERVER_DN],
                     'maildomain': [NOTES_DOMAIN], 'displayName': [cn], 'dominoUNID': [_unid(dn)]}
            self.records.append(_Record('mail_in_databases', dn, attrs, mail, attrs['dominoUNID'][0]))

    def _foreign_in_contacts_base(self) -> None:
        """Objects in the contacts base that the sync did not create and must not touch."""
        self.named('foreign_in_contacts_base', 'Karin', 'Abbott', CONTACTS_BASE, mailbox=False,
                   mail='karin.abbott@partner.example.net',
                   mailaddress='karin.abbott@partner.example.net',
                   mailsystem=MAILSYSTEM_OTHER_INTERNET, title=False)
        dn = _rdn('cn', 'Exchange Admins') + f',{CONTACTS_BASE}'
        admins = [r.dn for r in self.records if r.category == 'mailboxes'][25:28]
        attrs = {'objectClass': ['top', 'groupOfNames', 'dominoGroup'], 'cn': ['Exchange Admins'],
                 'member': admins, 'mail': ['exchange.admins@example.com'],
                 'displayName': ['Exchange Admins'], 'dominoUNID': [_unid(dn)]}
        self.records.append(_Record('foreign_in_contacts_base', dn, attrs,
                                    'exchange.admins@example.com', attrs['dominoUNID'][0]))
        dn = f'ou=Archive,{CONTACTS_BASE}'
        self.records.append(_Record('foreign_in_contacts_base', dn,
                                    {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Archive']},
                                    None, None))


def _hierarchy(parent: str) -> str:
    """ou=Marketing,ou=Sales,o=Acme -> Marketing/Sales/Acme (the Notes abbreviated form)."""
    return '/'.join(part.split('=', 1)[1] for part in parent.split(',')) if parent else ''


_FOLD = str.maketrans({'ß': 'ss', 'ä': 'ae', 'ö': 'oe', 'ü': 'ue', 'Ä': 'Ae', 'Ö': 'Oe', 'Ü': 'Ue'})


def _ascii(s: str) -> str:
    """A plain ASCII form for short names (Müller -> Mueller, Çelik -> Celik)."""
    import unicodedata
    s = unicodedata.normalize('NFKD', s.translate(_FOLD))
    return ''.join(c for c in s if c.isascii())
