"""Small helpers shared by the two lab directories: paths, commands, /etc/hosts, TLS."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

LAB_ROOT = Path(__file__).resolve().parent.parent          # <repo>/lab
REPO_ROOT = LAB_ROOT.parent
# Everything the lab creates lives here (gitignored); COEXIST_LAB_DIR moves it.
STATE_DIR = Path(os.environ.get('COEXIST_LAB_DIR', LAB_ROOT / '.state')).resolve()
HOSTS_MARK = '# coexist-lab'

# The names the lab serves. Certificates carry these names, so clients connect by name
# (an /etc/hosts line maps them to 127.0.0.1), never by IP.
SHARED_DOMAIN = 'example.com'
DOMINO_ROUTING_DOMAIN = 'domino.example.com'
EXCHANGE_ROUTING_DOMAIN = 'exchange.example.com'


def python_ldap():
    """python-ldap, imported when first needed (the Domino modules import without the venv)."""
    import ldap  # pylint: disable=import-outside-toplevel
    import ldap.dn  # pylint: disable=import-outside-toplevel
    import ldap.modlist  # pylint: disable=import-outside-toplevel
    return ldap


class LabError(RuntimeError):
    """A lab step failed; the message says which and why."""


def log(msg: str) -> None:
    print(f'[lab] {msg}', flush=True)


def run(cmd: list[str], *, input: str | None = None, check: bool = True, env: dict | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command, capturing output; raise LabError with its output if it fails."""
    # check=False: a failure is raised below as LabError with the command's output.
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise LabError(f'{" ".join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}')
    return proc


def ensure_hosts(names: list[str], ip: str = '127.0.0.1') -> None:
    """Map the lab's host names to loopback in /etc/hosts (idempotent, marked lines)."""
    hosts = Path('/etc/hosts')
    text = hosts.read_text()
    lines = [ln for ln in text.splitlines() if not (ln.endswith(HOSTS_MARK) and any(n in ln.split() for n in names))]
    lines.append(f'{ip} {" ".join(names)} {HOSTS_MARK}')
    new = '\n'.join(lines) + '\n'
    if new != text:
        hosts.write_text(new)


def remove_hosts() -> None:
    hosts = Path('/etc/hosts')
    text = hosts.read_text()
    new = '\n'.join(ln for ln in text.splitlines() if not ln.endswith(HOSTS_MARK)) + '\n'
    if new != text:
        hosts.write_text(new)


def wait_port(host: str, port: int, timeout: float = 30) -> None:
    """Wait until a TCP port accepts connections, or raise LabError."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise LabError(f'{host}:{port} did not open within {timeout} s')
            time.sleep(0.1)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def copy_tree(src: Path, dst: Path) -> None:
    """Replace dst with a copy of src (used for snapshots; servers must be stopped)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


# Name pools for the sample organisations. The two sides draw surnames from disjoint pools so
# that every address collision between them is one of the deliberate ones below.
GIVEN_NAMES = ['Anna', 'Ben', 'Clara', 'David', 'Elena', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas',
               'Karin', 'Lukas', 'Mara', 'Nils', 'Olga', 'Paul', 'Quinn', 'Rosa', 'Simon', 'Tara',
               'Uwe', 'Vera', 'Walter', 'Xenia', 'Yusuf', 'Zoe']
DOMINO_SURNAMES = ['Abbott', 'Barker', 'Carter', 'Dawson', 'Ellis', 'Fletcher', 'Graham', 'Hughes',
                   'Irving', 'Jennings', 'Keller', 'Lambert', 'Mercer', 'Norris', 'Osborne', 'Porter']
AD_SURNAMES = ['Quincey', 'Ramsey', 'Sawyer', 'Thornton', 'Underwood', 'Vaughan', 'Whitaker',
               'Yardley', 'Ashford', 'Bramley', 'Cromwell', 'Dunmore', 'Everly', 'Fairfax',
               'Goodwin', 'Hartley']
# Deliberate cross-directory cases, seeded on both sides:
# - a user mid-migration who has a Domino mailbox and an Exchange mailbox with the same primary
#   address (a real mailbox beats a contact);
MIGRATED_ADDRESS = 'migrated.user@example.com'
# - an address that an AD mailbox holds as a secondary proxy while a Domino mailbox has it as
#   its primary address (a conflict the AD-side sync must report, not write).
CONTESTED_ADDRESS = 'contested.address@example.com'
