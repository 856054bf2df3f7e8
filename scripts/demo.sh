#!/usr/bin/env bash
# The demo (README, first command): on a fresh Debian machine, as root, install everything,
# start the lab (a Samba AD DC with Exchange's schema and an OpenLDAP server shaped like the
# Domino Directory's LDAP service), install the collection from its built tarball, and run it
# against the lab: both connections checked, then the sync of both directions (Domino ->
# Exchange, then Exchange -> Domino) as a check-mode report, a real run and a rerun that changes
# nothing, and each direction's own playbook in check mode.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
step() { printf '\n=== %s\n' "$*"; }
elapsed() { printf '    (%d s)\n' "$((SECONDS - $1))"; }

step "Installing what the project needs (apt packages, Python venv in .venv)"
t=$SECONDS; bash scripts/bootstrap.sh; elapsed "$t"

step "Starting the lab: Samba AD DC + Domino-schema slapd, both on loopback"
t=$SECONDS; bash lab/lab.sh up; elapsed "$t"

step "What the lab's directories hold"
bash lab/lab.sh show

step "Building the collection and installing its tarball"
t=$SECONDS
BUILD="$ROOT/lab/.state/demo"
rm -rf "$BUILD" && mkdir -p "$BUILD"
.venv/bin/ansible-galaxy collection build --output-path "$BUILD" . >/dev/null
.venv/bin/ansible-galaxy collection install --no-deps -p "$BUILD/collections" "$BUILD"/coexist-domino_exchange-*.tar.gz >/dev/null
echo "    installed $(basename "$BUILD"/coexist-domino_exchange-*.tar.gz) into $BUILD/collections"
elapsed "$t"

step "Checking both connections through the collection (playbook coexist.domino_exchange.check_connections)"
export ANSIBLE_COLLECTIONS_PATH="$BUILD/collections" ANSIBLE_NOCOLOR=1
.venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.check_connections

# The sync starts from the lab as seeded, so the demo shows the first run every time.
bash lab/lab.sh restore >/dev/null
REPORTS="$ROOT/coexist-reports"
# One line per direction from the report the run just wrote: what a long phase did, in numbers.
progress() {
    .venv/bin/python - "$1" <<'PY'
import json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob('*/report.json')):
    r = json.loads(path.read_text())
    c = r['counts']
    print(f"    {r['direction']}: {r['outcome']}, {c['sources']} sources, create {c['create']}, update {c['update']}, "
          f"rename {c['rename']}, delete {c['delete']}, {c['conflict']} conflicts, {c['skip']} skipped, "
          f"{c['done']} written")
PY
}
run_sync() {   # label, report subdirectory, extra ansible-playbook arguments
    local label=$1 dir=$2; shift 2
    step "$label"
    local t=$SECONDS
    .venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.sync \
        -e coexist_report_dir="$REPORTS/$dir" "$@" | tee "$BUILD/$dir.log"
    progress "$REPORTS/$dir"
    elapsed "$t"
}

run_sync "Both directions, check mode: the report of what would change (nothing is written)" check --check
run_sync "Both directions, for real: Domino mailboxes become contacts in AD, Exchange mailboxes forwarding Persons in Domino" run
run_sync "Both directions, again: nothing left to do (changed=0)" rerun
grep -q 'changed=0' "$BUILD/rerun.log"

for direction in domino_to_exchange exchange_to_domino; do
    step "One direction on its own ($direction), check mode: nothing left to do"
    t=$SECONDS
    .venv/bin/ansible-playbook -i lab/.state/inventory "coexist.domino_exchange.$direction" --check \
        -e coexist_report_dir="$REPORTS/single" | tee "$BUILD/single-$direction.log" | tail -n 3
    grep -q 'changed=0' "$BUILD/single-$direction.log"
    elapsed "$t"
done

step "Done"
cat <<TXT
Reports: open report.html in a browser (both directions; report.json beside it per direction):
  $REPORTS/check/report.html   (check mode: what a real run would do)
  $REPORTS/run/report.html     (the real run)
  $REPORTS/rerun/report.html   (the no-op rerun)
The lab keeps running. Try it yourself:
  export ANSIBLE_COLLECTIONS_PATH=$BUILD/collections
  .venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.sync --check --diff
  lab/lab.sh show | status | down | restore | destroy
The playbook variables are in lab/.state/inventory/group_vars/all.yml (lab passwords only).
TXT
