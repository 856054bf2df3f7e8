#!/usr/bin/env bash
# The whole test suite (README, second command; .ci/run runs exactly this), as root on Debian:
# install what the tests need, prove README command 1 on a fresh Debian 12 root, bring the lab
# up, then run
#   pytest (unit and integration, against the lab's real directories),
#   ansible-test sanity (on a copy under ansible_collections/coexist/domino_exchange), on the
#     ansible-core line in .venv (2.19) and on the newest release (.venv-newest, Python 3.12+),
#   ansible-lint (production profile, offline), antsibull-changelog lint,
#   ansible-builder introspect (the execution-environment dependencies),
#   ansible-builder create (the AWX execution environment's build context, offline).
# Fails if any step fails, and if pytest ran no test. Bootstrap and the fresh root stop the run at
# once; from pytest on, every check runs and the end names each one that failed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }

step "bootstrap"
bash scripts/bootstrap.sh

step "ansible-test sanity, both ansible-core lines, started in the background"
# They need no lab and mostly one CPU, while the fresh root below waits on downloads and the lab
# tests on the servers: side by side they save the CI budget (40 min) several minutes. They run
# on the tree as it is now (a tar), and their output is printed, and judged, at the end.
# Every ignore file stays empty: a sanity finding is fixed, not ignored.
for ignore in tests/sanity/ignore-*.txt; do
    if [[ -s $ignore ]]; then echo "$ignore is not empty: fix the findings instead" >&2; exit 1; fi
done
SANITY_DIR="$(mktemp -d)"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf "$SANITY_DIR/tree.tar" 2>/dev/null
(
    export COEXIST_SANITY_TREE="$SANITY_DIR/tree.tar"
    start=$SECONDS
    bash scripts/ansible-test-sanity.sh >"$SANITY_DIR/current.log" 2>&1
    echo "(ansible-core in .venv: $((SECONDS - start)) s)" >>"$SANITY_DIR/current.log"
    start=$SECONDS
    newest=0
    bash scripts/sanity-newest.sh >"$SANITY_DIR/newest.log" 2>&1 || newest=$?
    echo "(newest: $((SECONDS - start)) s)" >>"$SANITY_DIR/newest.log"
    exit "$newest"
) &
SANITY_PID=$!
# A failed step ends this script: the background checks end with it (not left running in CI).
kill_tree() { local child; for child in $(pgrep -P "$1"); do kill_tree "$child"; done; kill "$1" 2>/dev/null || true; }
cleanup() { kill_tree "$SANITY_PID"; rm -rf "$SANITY_DIR" "${BUILDER_ROOT:-}"; }
trap cleanup EXIT
echo "started (pid $SANITY_PID); results after pytest"

step "README command 1 (scripts/demo.sh) on a fresh Debian 12 root"
# A package once installed by hand hides a missing install step on this machine; a fresh root
# does not. It stops this checkout's lab while it runs (same ports). COEXIST_SKIP_FRESH_ROOT=1
# skips it in a local loop; CI never skips it.
if [[ "${COEXIST_SKIP_FRESH_ROOT:-}" == 1 && "${CI:-}" != true ]]; then
    echo "NOT RUN: COEXIST_SKIP_FRESH_ROOT=1 (this is not a pass; CI runs it)"
else
    bash scripts/fresh-root-demo.sh
fi

# From here on every check runs even when one before it failed, and the run fails at the end
# naming each failed check: one CI run shows every finding (a sanity failure once hid an
# ansible-lint finding until the next run).
failed=()
check() {   # check NAME COMMAND...: run it with set -e in a subshell, note a failure, go on
    local name=$1 rc
    shift
    set +e
    (set -e; "$@")
    rc=$?
    set -e
    if ((rc != 0)); then failed+=("$name (exit $rc)"); fi
    return 0
}

step "pytest (unit + integration on the lab)"
# pytest exits 5 when it collected no test: that counts as a failed check.
# --durations: the slowest tests listed, so the CI budget (40 min) is watched where it goes.
check pytest .venv/bin/pytest -p no:cacheprovider --durations=25 "$@"

step "ansible-test sanity (ansible-core in .venv; ran in the background)"
sanity=0
wait "$SANITY_PID" || sanity=$?
cat "$SANITY_DIR/current.log"
step "ansible-test sanity (the newest ansible-core release; ran in the background)"
# The newest line runs only once the first passed: a failure of the first ends the subshell.
if [[ -e $SANITY_DIR/newest.log ]]; then cat "$SANITY_DIR/newest.log"; else echo "(not run: the first failed)"; fi
if ((sanity == 3)) && [[ "${CI:-}" != true ]]; then
    echo "(not run on this machine; CI runs it)"
elif ((sanity != 0)) || [[ ! -e $SANITY_DIR/newest.log ]]; then
    failed+=("ansible-test sanity (exit $sanity)")
fi

step "ansible-lint (production profile, offline)"
lint() {
    # The playbooks' syntax check resolves coexist.domino_exchange: offline, point it at this tree.
    LINT_ROOT="$(mktemp -d)"
    mkdir -p "$LINT_ROOT/ansible_collections/coexist"
    ln -s "$ROOT" "$LINT_ROOT/ansible_collections/coexist/domino_exchange"
    trap 'rm -rf "$LINT_ROOT"' EXIT
    ANSIBLE_COLLECTIONS_PATH="$LINT_ROOT" PATH="$ROOT/.venv/bin:$PATH" ansible-lint --offline
}
check ansible-lint lint

step "antsibull-changelog lint"
check antsibull-changelog .venv/bin/antsibull-changelog lint

step "ansible-builder introspect"
BUILDER_ROOT="$(mktemp -d)"   # removed by cleanup (the EXIT trap above); made here, not in the check's subshell
builder_checks() {
mkdir -p "$BUILDER_ROOT/ansible_collections/coexist"
ln -s "$ROOT" "$BUILDER_ROOT/ansible_collections/coexist/domino_exchange"
.venv/bin/ansible-builder introspect --sanitize "$BUILDER_ROOT" | tee "$BUILDER_ROOT/introspect.txt"
grep -q 'python-ldap' "$BUILDER_ROOT/introspect.txt"
grep -q 'libldap2-dev' "$BUILDER_ROOT/introspect.txt"

step "ansible-builder create (the AWX execution environment's build context, offline)"
# extensions/awx/execution-environment.yml installs the collection from Galaxy. Check it, then a
# copy that installs a tarball of this checkout instead (type: file, put into the context with
# additional_build_files), so the context is complete without a network. Then run the galaxy
# stage's install from that context and introspect the result, as the image build would.
# Building the image itself needs a container engine, which CI does not have.
EE_ROOT="$BUILDER_ROOT/ee"
mkdir -p "$EE_ROOT"
.venv/bin/ansible-builder create -f extensions/awx/execution-environment.yml -c "$EE_ROOT/shipped" \
  --output-filename Containerfile >/dev/null
grep -q 'coexist.domino_exchange' "$EE_ROOT/shipped/_build/requirements.yml"
.venv/bin/ansible-galaxy collection build --output-path "$EE_ROOT" "$ROOT" >/dev/null
TARBALL="$(ls "$EE_ROOT"/coexist-domino_exchange-*.tar.gz)"
.venv/bin/python - extensions/awx/execution-environment.yml "$TARBALL" "$EE_ROOT/execution-environment.yml" <<'PYEOF'
import os, sys, yaml
src, tarball, dest = sys.argv[1:]
with open(src) as f:
    ee = yaml.safe_load(f)
ee['dependencies']['galaxy'] = {'collections': [{'name': 'collections/' + os.path.basename(tarball), 'type': 'file'}]}
ee.setdefault('additional_build_files', []).append({'src': tarball, 'dest': 'collections'})
with open(dest, 'w') as f:
    yaml.safe_dump(ee, f, sort_keys=False)
PYEOF
.venv/bin/ansible-builder create -f "$EE_ROOT/execution-environment.yml" -c "$EE_ROOT/context" \
  --output-filename Containerfile >/dev/null
CONTEXT="$EE_ROOT/context"
test -s "$CONTEXT/Containerfile"
test -s "$CONTEXT/_build/collections/$(basename "$TARBALL")"
grep -q "collections/$(basename "$TARBALL")" "$CONTEXT/_build/requirements.yml"
grep -q 'ansible-galaxy collection install .*-r requirements.yml' "$CONTEXT/Containerfile"
# The galaxy stage runs that install in /build (= _build); its introspection must find python-ldap.
(cd "$CONTEXT/_build" && ANSIBLE_COLLECTIONS_PATH="$EE_ROOT/installed" \
  "$ROOT/.venv/bin/ansible-galaxy" collection install -r requirements.yml -p "$EE_ROOT/installed" >/dev/null)
.venv/bin/ansible-builder introspect --sanitize "$EE_ROOT/installed" >"$EE_ROOT/introspect.txt"
grep -q 'python-ldap' "$EE_ROOT/introspect.txt"
echo "ansible-builder create: Containerfile ($(grep -c '^FROM' "$CONTEXT/Containerfile") stages," \
  "$(sed -n 's/^ARG EE_BASE_IMAGE="\(.*\)"/\1/p' "$CONTEXT/Containerfile")) and" \
  "_build/collections/$(basename "$TARBALL") ($(du -k "$TARBALL" | cut -f1) KiB), installable offline"
}
check ansible-builder builder_checks

if ((${#failed[@]})); then
    step "FAILED: $(IFS=';'; echo "${failed[*]}")"
    exit 1
fi
step "all checks passed"
