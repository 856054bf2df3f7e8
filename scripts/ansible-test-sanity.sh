#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection placed where ansible-test needs it:
# physically under .../ansible_collections/coexist/domino_exchange (it resolves symlinks).
# Works offline: ansible-test bootstraps pip in its venvs with a script it would download from
# Ansible's CI file server; a stand-in in its cache makes it use ensurepip and the machine's
# configured package index instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${COEXIST_VENV:-$ROOT/.venv}"
PY="$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

# The pip version ansible-test bootstraps, read from the installed ansible-test.
PIP_VERSION="$("$VENV/bin/python" - <<'PYEOF'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / '_internal/python_requirements.py').read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PYEOF
)"
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
cat > "$CACHE/get_pip_${PIP_VERSION//./_}.py" <<'PYEOF'
# Stand-in for get-pip.py (written by coexist.domino_exchange scripts/ansible-test-sanity.sh).
import ensurepip, os, subprocess, sys
ensurepip.bootstrap()
os.environ.pop('PIP_CONFIG_FILE', None)      # ensurepip points it at /dev/null
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args))
PYEOF

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DEST="$WORK/ansible_collections/coexist/domino_exchange"
mkdir -p "$DEST"
# The collection as git would ship it: tracked and new files, not .venv, lab state or outputs;
# or, with COEXIST_SANITY_TREE, that tar of it made earlier (scripts/test.sh freezes the tree
# before the lab tests run beside this, so nothing they write can slip into the copy).
if [[ -n ${COEXIST_SANITY_TREE:-} ]]; then
    tar -xf "$COEXIST_SANITY_TREE" -C "$DEST"
else
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$DEST"
fi
cd "$DEST"
git init -q && git add -A   # ansible-test uses git to list the collection's files
PATH="$VENV/bin:$PATH" ansible-test sanity --python "$PY" --color no "$@"
