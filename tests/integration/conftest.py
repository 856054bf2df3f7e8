"""Fixtures for tests against the lab's real directories (Samba AD DC and the Domino-schema slapd).

The lab is brought up once per test run (``lab`` fixture); the collection is built and its
tarball installed with ``--no-deps`` once per run (``collections_path``), so the playbook tests
exercise what a user would install. Read-backs go through ldap3, a client independent of the
collection's python-ldap layer.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from coexist_lab import lab as lab_control  # the lab's own package (lab/pyproject.toml)

from lab_helpers import run_ansible_playbook

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.lab)


@pytest.fixture(scope='session')
def lab() -> dict:
    """The lab's facts (servers, accounts, CAs, bases), with both servers running."""
    return lab_control.up()


@pytest.fixture()
def seeded(lab) -> dict:
    """The lab as seeded: every sync scenario starts from the same directories."""
    lab_control.restore()
    return lab


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory) -> Path:
    """The collection built with ansible-galaxy and installed from its tarball (no dependencies)."""
    work = tmp_path_factory.mktemp('collection')
    subprocess.run([str(VENV_BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(work), str(REPO)],
                   check=True, capture_output=True, text=True)
    tarball = next(work.glob('coexist-domino_exchange-*.tar.gz'))
    subprocess.run([str(VENV_BIN / 'ansible-galaxy'), 'collection', 'install', '--no-deps', '--force', '-p', str(work / 'collections'),
                    str(tarball)], check=True, capture_output=True, text=True)
    installed = work / 'collections' / 'ansible_collections' / 'coexist' / 'domino_exchange'
    assert (installed / 'plugins' / 'modules' / 'directory_info.py').is_file(), f'{tarball} did not install'
    return work / 'collections'


@pytest.fixture()
def ansible_playbook(collections_path, tmp_path):
    """Run ansible-playbook with the installed collection, against the lab inventory unless another
    is given; the lab itself is not needed (a syntax check, a run against other servers)."""
    def run(playbook: str, *args: str, extra_vars: dict | None = None, env: dict | None = None,
            inventory: Path | None = None):
        return run_ansible_playbook(collections_path, tmp_path, playbook, *args, extra_vars=extra_vars, env=env,
                                    inventory=inventory)
    return run


@pytest.fixture()
def run_playbook(lab, ansible_playbook):
    """Run ansible-playbook against the lab inventory with the installed collection."""
    return ansible_playbook
