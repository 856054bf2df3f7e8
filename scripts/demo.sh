#!/usr/bin/env bash
# The demo (README, first command): on a fresh Debian machine, as root, install everything,
# start the lab (a Samba AD DC with Exchange's schema and an OpenLDAP server shaped like the
# Domino Directory's LDAP service), install the collection from its built tarball, and run it
# against the lab: both connections checked, then each direction (Domino -> Exchange, then
# Exchange -> Domino) as a check-mode report, a real run and a rerun that changes nothing.
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
for direction in domino_to_exchange exchange_to_domino; do
    case $direction in
        domino_to_exchange) what="Domino -> Exchange"; result="Domino mailboxes become GAL-visible contacts in AD" ;;
        *) what="Exchange -> Domino"; result="Exchange mailboxes become forwarding Person contacts in Domino" ;;
    esac
    step "$what, check mode: the report of what would change (nothing is written)"
    t=$SECONDS
    .venv/bin/ansible-playbook -i lab/.state/inventory "coexist.domino_exchange.$direction" --check \
        -e coexist_report_dir="$REPORTS/check"
    elapsed "$t"

    step "$what, for real: $result"
    t=$SECONDS
    .venv/bin/ansible-playbook -i lab/.state/inventory "coexist.domino_exchange.$direction" \
        -e coexist_report_dir="$REPORTS/run"
    elapsed "$t"

    step "$what, again: nothing left to do (changed=0)"
    t=$SECONDS
    .venv/bin/ansible-playbook -i lab/.state/inventory "coexist.domino_exchange.$direction" \
        -e coexist_report_dir="$REPORTS/rerun" | tee "$BUILD/rerun-$direction.log"
    grep -q 'changed=0' "$BUILD/rerun-$direction.log"
    elapsed "$t"
done

step "Done"
cat <<TXT
Reports (report.json: the full plan and outcome; summary.txt):
  $REPORTS/check/<direction>/   (check mode)
  $REPORTS/run/<direction>/     (the real run)
  $REPORTS/rerun/<direction>/   (the no-op rerun)
  where <direction> is domino_to_exchange or exchange_to_domino
The lab keeps running. Try it yourself:
  export ANSIBLE_COLLECTIONS_PATH=$BUILD/collections
  .venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.domino_to_exchange --check --diff
  .venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.exchange_to_domino --check --diff
  lab/lab.sh show | status | down | restore | destroy
The playbook variables are in lab/.state/inventory/group_vars/all.yml (lab passwords only).
TXT
