#!/usr/bin/env bash
# The lab's one entry point: installs what it needs (apt packages, and the Python venv with the
# lab's own package coexist_lab, through scripts/bootstrap.sh), then runs `python -m coexist_lab
# "$@"` (up, down, destroy, status, show, facts, snapshot NAME, restore [NAME]). Run as root: it
# binds Samba's fixed ports and adds the lab's host names to /etc/hosts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
exec "$ROOT/.venv/bin/python" -m coexist_lab "$@"
