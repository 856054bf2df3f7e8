#!/usr/bin/env bash
# Everything the project needs to build and test, installed by the project itself (run as
# root on Debian): the system packages to compile python-ldap and run the checks, and a venv
# in .venv with tests/requirements.txt (the lab's package, coexist_lab, among them). Fast and
# silent when nothing changed since the last run (a stamp records what was installed). The lab
# installs its own server packages (lab/lab.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${COEXIST_VENV:-$ROOT/.venv}"
# chromium: the tests open report.html in a headless browser.
APT_PACKAGES=(python3 python3-venv python3-dev gcc libldap2-dev libsasl2-dev git shellcheck ca-certificates chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "[bootstrap] installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

STAMP="$VENV/.coexist-stamp"
# lab/pyproject.toml too: tests/requirements.txt installs the lab package from it.
WANT="$(cat "$ROOT/requirements.txt" "$ROOT/tests/requirements.txt" "$ROOT/lab/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -x "$VENV/bin/python" ]]; then
    exit 0
fi
echo "[bootstrap] creating the Python environment in $VENV"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
(cd "$ROOT/tests" && "$VENV/bin/python" -m pip install -q -r requirements.txt)
echo "$WANT" > "$STAMP"
echo "[bootstrap] ready: $("$VENV/bin/python" -c 'import sys, ansible.release as r; print("Python %d.%d.%d" % sys.version_info[:3], "ansible-core", r.__version__)')"
