"""Run the deliberate mutations in mutations.yml against the test suite: each must make a test fail.

For each mutation: copy the checkout (tracked and new files, without .venv, the lab's state or
build output) to a scratch directory, apply the one change, run pytest there with this
checkout's .venv, and record the outcome:

  KILLED    pytest failed: at least one test caught the bug
  SURVIVED  pytest passed: no test notices this bug (the suite has a hole)
  ERROR     the mutation no longer applies, or pytest could not run (collection error, no test)

Tests under tests/integration need the lab (scripts/bootstrap.sh, then the suite's own fixture
brings it up); one lab per machine, so run this with nothing else using the lab.

    .venv/bin/python tests/mutations/run_mutations.py                 # all, default tests
    .venv/bin/python tests/mutations/run_mutations.py --only plan-skips-renames --tests tests/unit
    .venv/bin/python tests/mutations/run_mutations.py --list
    .venv/bin/python tests/mutations/run_mutations.py --ref HEAD       # the last commit, not the work tree

Exit status: 0 when every mutation was killed, 1 when one survived, 2 on an error.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_PYTHON = REPO / '.venv' / 'bin' / 'python'
# Never copied: the environment, the lab's running state, build and test output.
SKIPPED = {'.venv', '.venv-newest', '.git', 'collections', 'coexist-reports', 'tests/output', 'lab/.state'}


def load(path: Path) -> tuple:
    data = yaml.safe_load(path.read_text())
    return data['mutations'], data['default_tests']


def copy_checkout(target: Path, ref: str | None) -> None:
    """The files git knows of or would add (tracked, and untracked but not ignored); with
    ``ref``, the files of that commit instead (a run not disturbed by edits in progress)."""
    if ref:
        archive = subprocess.run(['git', '-C', str(REPO), 'archive', '--format=tar', ref],
                                 capture_output=True, check=True).stdout
        subprocess.run(['tar', '-x', '-C', str(target)], input=archive, check=True)
        return
    listed = subprocess.run(['git', '-C', str(REPO), 'ls-files', '--cached', '--others', '--exclude-standard', '-z'],
                            capture_output=True, check=True).stdout.decode().split('\0')
    for name in filter(None, listed):
        if any(name == s or name.startswith(s + '/') for s in SKIPPED):
            continue
        source = REPO / name
        if not source.exists():                       # deleted in the work tree, not yet committed
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name, follow_symlinks=False)


def apply(mutation: dict, root: Path) -> str:
    """Apply one mutation in ``root``; '' when done, else why it could not be."""
    path = root / mutation['file']
    if not path.is_file():
        return f"{mutation['file']} does not exist"
    text = path.read_text()
    found = text.count(mutation['find'])
    if found != 1:
        return f"its find text occurs {found} times in {mutation['file']} (must be once)"
    path.write_text(text.replace(mutation['find'], mutation['replace']))
    return ''


def run_one(mutation: dict, tests: list, verbose: bool, ref: str | None) -> tuple:
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutation['id']}-") as scratch:
        root = Path(scratch) / 'checkout'
        root.mkdir()
        copy_checkout(root, ref)
        problem = apply(mutation, root) if 'file' in mutation else ''
        if problem:
            return 'ERROR', problem, 0.0
        started = time.monotonic()
        # -x: the first failing test settles it. -p no:cacheprovider: nothing written beside the copy.
        proc = subprocess.run([str(VENV_PYTHON), '-m', 'pytest', '-p', 'no:cacheprovider', '-x', '-q',
                               '--no-header', '-rfE', *tests], cwd=root, capture_output=True, text=True,
                              check=False)
        seconds = time.monotonic() - started
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        last = lines[-1] if lines else proc.stderr.strip().splitlines()[-1:] or ['(no output)']
        if verbose:
            print(proc.stdout[-4000:], proc.stderr[-2000:], sep='\n')
        if proc.returncode == 0:
            return 'SURVIVED', last, seconds
        # 1: a test failed; 2: a test module failed to import (the mutant broke what it runs at
        # import). Both count only because the unmutated baseline passed the same tests.
        if proc.returncode in (1, 2):
            failed = next((line for line in lines if line.startswith(('FAILED', 'ERROR'))), last)
            return 'KILLED', failed, seconds
        return 'ERROR', f'pytest exit {proc.returncode}: {last}', seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--only', nargs='+', metavar='ID', help='run these mutations only')
    parser.add_argument('--tests', nargs='+', metavar='PATH', help='pytest paths instead of each mutation\'s own')
    parser.add_argument('--list', action='store_true', help='list the mutations and exit')
    parser.add_argument('--ref', metavar='COMMIT', help='mutate this commit instead of the work tree (e.g. HEAD)')
    parser.add_argument('--verbose', action='store_true', help="print the end of each pytest run's output")
    args = parser.parse_args()
    mutations, default_tests = load(HERE / 'mutations.yml')
    if args.only:
        unknown = set(args.only) - {m['id'] for m in mutations}
        if unknown:
            parser.error(f'unknown mutation ids: {", ".join(sorted(unknown))}')
        mutations = [m for m in mutations if m['id'] in args.only]
    if args.list:
        for m in mutations:
            print(f"{m['id']:40} {m['why']}")
        return 0
    # The control: the same tests on an unmutated copy must pass, or no verdict below means anything.
    baseline_tests = args.tests or sorted({t for m in mutations for t in (m.get('tests') or default_tests)})
    verdict, detail, seconds = run_one({'id': 'baseline'}, baseline_tests, args.verbose, args.ref)
    print(f"{'PASSED' if verdict == 'SURVIVED' else 'FAILED':8} {'(baseline, no mutation)':40} {seconds:6.0f} s  "
          f"{detail}", flush=True)
    if verdict != 'SURVIVED':
        print('The unmutated checkout fails these tests: fix that first.', file=sys.stderr)
        return 2
    results = []
    for m in mutations:
        tests = args.tests or m.get('tests') or default_tests
        verdict, detail, seconds = run_one(m, tests, args.verbose, args.ref)
        results.append(verdict)
        print(f"{verdict:8} {m['id']:40} {seconds:6.0f} s  {detail}", flush=True)
    print(f"\n{results.count('KILLED')} killed, {results.count('SURVIVED')} survived, "
          f"{results.count('ERROR')} errors, of {len(results)} mutations")
    if 'ERROR' in results:
        return 2
    return 1 if 'SURVIVED' in results else 0


if __name__ == '__main__':
    sys.exit(main())
