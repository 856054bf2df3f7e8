"""The lab Domino Directory's server: an OpenLDAP slapd shaped like Domino's LDAP service, and
its life cycle (certificates, provision, start, stop, the data a snapshot copies).

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
* Paging off: to the account ``names.UNPAGED_DN`` (tests create its entry) the server is a
  Domino without paging: no paged results control in the root DSE, a paged search refused,
  every entry in one search.
* slapd runs in the foreground of its own session with ``-d stats``; its operation log (one
  line per connection, bind, search, add, modify, ... and result) goes to ``slapd.log``, so
  fault tests can wait for a number of writes.


Domino's schema, root DSE and access rules (slapd.conf) are in schema.py; the sample organisation
and its manifest in seed.py; the names in names.py.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .. import common
from ..common import python_ldap
from . import schema, seed
from .names import (ADMIN_DN, ADMIN_PASSWORD, CONTACTS_BASE, HOSTNAME, LDAP_PORT, LDAPS_PORT, ORGANISATION, SYNC_DN,
                    SYNC_PASSWORD, UNPAGED_DN, UNPAGED_PASSWORD)

LISTEN_URLS = f'ldap://127.0.0.1:{LDAP_PORT}/ ldaps://127.0.0.1:{LDAPS_PORT}/'
SLAPD = '/usr/sbin/slapd'
START_TIMEOUT = 15.0


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
        schema.write_config(self)
        # slaptest parses the configuration and the schema (-u: without opening the database,
        # which does not exist yet): a typo fails here with slapd's own message rather than as
        # a start timeout.
        common.run([SLAPD, '-T', 'test', '-u', '-f', str(self.conf)])
        self.start()
        with self.connect() as conn:
            for dn, attrs in seed.base_entries():
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
                with self.connect(timeout=1):
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
            # An account that meets a Domino server without paging (tests create its entry).
            'unpaged_bind_dn': UNPAGED_DN,
            'unpaged_bind_password': UNPAGED_PASSWORD,
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

    # ------------------------------------------------------------------------------ LDAP
    def connect(self, timeout: float = 10, bind_dn: str = ADMIN_DN, password: str = ADMIN_PASSWORD):
        """An LDAPS connection by host name, certificate checked against the lab CA."""
        ldap = python_ldap()
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

    # ------------------------------------------------------------------------ data (seed.py)
    def seed(self) -> None:
        """Write the sample organisation (removing any earlier seed first) and its manifest."""
        seed.seed(self)

    def summary(self) -> list[str]:
        """What the directory holds now, read live over LDAPS as the rootdn."""
        return seed.summary(self)


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

    def search(self, base: str, filt: str, attrs: list[str], scope: int | None = None) -> list[tuple[str, dict]]:
        ldap = python_ldap()
        res = self.conn.search_ext_s(base, ldap.SCOPE_SUBTREE if scope is None else scope, filt, attrs)
        return [(dn, {k: [v.decode() for v in vs] for k, vs in a.items()})
                for dn, a in res if dn is not None]
