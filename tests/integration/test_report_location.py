"""Reports land where the user expects them: under the directory the job runs in.

AWX runs a job through ansible-runner, which starts ansible-playbook in the project directory
but leaves the PWD environment variable as it found it (where the runner itself was started).
The playbooks once resolved a relative ``coexist_report_dir`` against $PWD and wrote the reports
there, outside the project the guide points to. This runs the AWX wrapper playbook the way AWX
does, through ansible-runner, with a PWD that names another directory.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import ansible_runner

from coexist_lab import lab as lab_control

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _lay_out(tmp_path: Path) -> Path:
    """A private data directory as AWX lays it out: project/ with the wrapper, inventory/."""
    private = tmp_path / 'runner'
    (private / 'project').mkdir(parents=True)
    shutil.copy(REPO / 'extensions' / 'awx' / 'project' / 'sync.yml', private / 'project' / 'sync.yml')
    shutil.copytree(lab_control.STATE_DIR / 'inventory', private / 'inventory')
    return private


def _run_check(private: Path, collections_path: Path, pwd: Path):
    """The wrapper in check mode through ansible-runner, its PWD naming another directory."""
    result = ansible_runner.run(
        private_data_dir=str(private), playbook='sync.yml', cmdline='--check', quiet=True,
        envvars={'ANSIBLE_COLLECTIONS_PATH': str(collections_path), 'PWD': str(pwd),
                 'PATH': f'{VENV_BIN}:{os.environ["PATH"]}', 'ANSIBLE_NOCOLOR': '1'})
    assert result.rc == 0, result.stdout.read()[-3000:]


def test_relative_report_dir_lands_in_the_project_directory(seeded, collections_path, tmp_path):
    private = _lay_out(tmp_path)
    elsewhere = tmp_path / 'where-the-runner-started'
    elsewhere.mkdir()
    _run_check(private, collections_path, elsewhere)
    reports = private / 'project' / 'coexist-reports'
    assert (reports / 'report.html').is_file(), \
        f'no report in the project directory; found: {sorted(str(p) for p in tmp_path.rglob("report.html"))}'
    for direction in ('domino_to_exchange', 'exchange_to_domino'):
        assert (reports / direction / 'report.json').is_file()
    assert not (elsewhere / 'coexist-reports').exists(), 'reports followed $PWD, not the project directory'


def test_report_dir_set_in_the_inventory_is_used(seeded, collections_path, tmp_path):
    private = _lay_out(tmp_path)
    target = tmp_path / 'reports-share'
    # An inventory variable, as an AWX inventory would set it (the guide once said it could not).
    inventory_vars = private / 'inventory' / 'group_vars' / 'all.yml'
    inventory_vars.write_text(inventory_vars.read_text() + f'\ncoexist_report_dir: {target}\n')
    _run_check(private, collections_path, tmp_path)
    assert (target / 'report.html').is_file(), 'coexist_report_dir set in the inventory was not used'
    assert not (private / 'project' / 'coexist-reports').exists()
