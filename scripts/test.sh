#!/usr/bin/env bash
# The whole test suite (README, second command; .ci/run runs exactly this), as root on Debian:
# install what the tests need, bring the lab up, then run
#   pytest (unit and integration, against the lab's real directories),
#   ansible-test sanity (on a copy under ansible_collections/coexist/domino_exchange),
#   ansible-lint (production profile, offline), antsibull-changelog lint,
#   ansible-builder introspect (the execution-environment dependencies).
# Fails if any step fails, and if pytest ran no test.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
step() { printf '\n=== %s\n' "$*"; }

step "bootstrap"
bash scripts/bootstrap.sh

step "pytest (unit + integration on the lab)"
# pytest exits 5 when it collected no test: set -e turns that into a failed run.
.venv/bin/pytest -p no:cacheprovider "$@"

step "ansible-test sanity"
bash scripts/ansible-test-sanity.sh

step "ansible-lint (production profile, offline)"
# The playbooks' syntax check resolves coexist.domino_exchange: offline, point it at this tree.
LINT_ROOT="$(mktemp -d)"
mkdir -p "$LINT_ROOT/ansible_collections/coexist"
ln -s "$ROOT" "$LINT_ROOT/ansible_collections/coexist/domino_exchange"
ANSIBLE_COLLECTIONS_PATH="$LINT_ROOT" PATH="$ROOT/.venv/bin:$PATH" ansible-lint --offline
rm -rf "$LINT_ROOT"

step "antsibull-changelog lint"
.venv/bin/antsibull-changelog lint

step "ansible-builder introspect"
BUILDER_ROOT="$(mktemp -d)"
trap 'rm -rf "$BUILDER_ROOT"' EXIT
mkdir -p "$BUILDER_ROOT/ansible_collections/coexist"
ln -s "$ROOT" "$BUILDER_ROOT/ansible_collections/coexist/domino_exchange"
.venv/bin/ansible-builder introspect --sanitize "$BUILDER_ROOT" | tee "$BUILDER_ROOT/introspect.txt"
grep -q 'python-ldap' "$BUILDER_ROOT/introspect.txt"
grep -q 'libldap2-dev' "$BUILDER_ROOT/introspect.txt"

step "all checks passed"
