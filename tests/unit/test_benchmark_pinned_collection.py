"""The benchmark runs the collection from a copy made when it starts (benchmarks/bench_sync.py).

Issue 17: a growth run took 50 minutes with the collection linked to a repository other work
changed meanwhile; the no-op reruns ran newer code than the first run (linked and remote mailboxes
read by default, names unique against the whole Domino directory) and planned 7 creates and 2
renames, which read as a sync that lost entries. A throwaway git repository here, no lab."""
from __future__ import annotations

import subprocess
from pathlib import Path

import bench_sync  # benchmarks/bench_sync.py (pytest.ini: pythonpath = benchmarks)


def git(repo: Path, *argv: str) -> None:
    subprocess.run(['git', '-C', str(repo), '-c', 'user.name=t', '-c', 'user.email=t@example.com', *argv],
                   check=True, capture_output=True)


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / 'repo'
    (repo / 'plugins' / 'module_utils').mkdir(parents=True)
    (repo / 'plugins' / 'module_utils' / 'rule.py').write_text('KINDS = ("user",)\n')
    (repo / '.gitignore').write_text('.venv\nresults/\n')
    git(repo, 'init', '-q')
    git(repo, 'add', '.')
    git(repo, 'commit', '-q', '-m', 'first')
    return repo


def test_the_copy_does_not_follow_later_changes(tmp_path):
    repo = make_repo(tmp_path)
    dest = tmp_path / 'work' / 'ansible_collections' / 'coexist' / 'domino_exchange'
    dest.parent.mkdir(parents=True)
    pinned = bench_sync.pin_collection(repo, dest)
    # what another session does while the benchmark runs: edit a module_utils file, commit
    (repo / 'plugins' / 'module_utils' / 'rule.py').write_text('KINDS = ("user", "linked", "remote")\n')
    git(repo, 'commit', '-q', '-am', 'second')
    assert (dest / 'plugins' / 'module_utils' / 'rule.py').read_text() == 'KINDS = ("user",)\n'
    assert not dest.is_symlink()
    assert pinned['dirty'] is False and pinned['files'] == 2 and len(pinned['commit']) == 40


def test_uncommitted_work_is_copied_and_said(tmp_path):
    repo = make_repo(tmp_path)
    (repo / 'plugins' / 'module_utils' / 'rule.py').write_text('KINDS = ("user", "shared")\n')   # edited
    (repo / 'plugins' / 'module_utils' / 'new.py').write_text('X = 1\n')                        # untracked
    (repo / 'results').mkdir()
    (repo / 'results' / 'old.json').write_text('{}\n')                                          # ignored
    (repo / '.venv').symlink_to(tmp_path)                                                        # ignored link
    dest = tmp_path / 'copy'
    pinned = bench_sync.pin_collection(repo, dest)
    assert pinned['dirty'] is True
    assert (dest / 'plugins' / 'module_utils' / 'rule.py').read_text() == 'KINDS = ("user", "shared")\n'
    assert (dest / 'plugins' / 'module_utils' / 'new.py').exists()
    assert not (dest / 'results').exists() and not (dest / '.venv').exists()
