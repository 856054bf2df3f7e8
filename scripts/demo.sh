#!/usr/bin/env bash
# The demo (README, first command): on a fresh Debian machine, as root, install everything,
# start the lab (a Samba AD DC with Exchange's schema and an OpenLDAP server shaped like the
# Domino Directory's LDAP service), install the collection from its built tarball, and run it
# against the lab. It grows with the collection: today it shows the lab's contents and checks
# both connections through the collection.
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
ANSIBLE_COLLECTIONS_PATH="$BUILD/collections" ANSIBLE_NOCOLOR=1 \
    .venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.check_connections

step "Done"
cat <<TXT
The lab keeps running. Try it yourself:
  export ANSIBLE_COLLECTIONS_PATH=$BUILD/collections
  .venv/bin/ansible-playbook -i lab/.state/inventory coexist.domino_exchange.check_connections
  lab/lab.sh show | status | down | restore | destroy
The playbook variables are in lab/.state/inventory/group_vars/all.yml (lab passwords only).
TXT
