#!/usr/bin/env bash
# ansible-test sanity on the newest ansible-core release, beside the 2.19 line that .venv holds.
# The newest lines need a newer Python than Debian 12's 3.11 (ansible-core 2.21: 3.12+), so this
# looks for a Python 3.12 or later (on PATH, or installed through pyenv) and builds .venv-newest
# with it. On a machine that has none, it says so and exits 3 (CI, CI=true, treats that as a
# failure: its machines have pyenv's 3.12 and 3.13).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv-newest"

newest_python() {
    local candidate best="" best_minor=0 minor
    for candidate in python3.14 python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
        candidate="$(command -v "$candidate" 2>/dev/null)" || continue
        minor="$("$candidate" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else 0)' 2>/dev/null)" || continue
        "$candidate" -c 'import ensurepip, venv' 2>/dev/null || continue
        if ((minor >= 12 && minor > best_minor)); then best="$candidate"; best_minor=$minor; fi
    done
    [[ -n $best ]] && echo "$best"
}

PY="$(newest_python)" || {
    echo "sanity on the newest ansible-core: NOT RUN - no Python 3.12 or later here (the newest ansible-core needs one)."
    echo "Install one (for example with pyenv) to run it; CI's machines have it."
    exit 3
}
if [[ ! -x "$VENV/bin/python" ]] || [[ "$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')" != "$("$PY" -c 'import sys; print(sys.version.split()[0])')" ]]; then
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi
# The newest release each time (quick when it is already there).
"$VENV/bin/python" -m pip install -q --upgrade pip ansible-core 2>&1 | grep -v 'is ignored' || true
"$VENV/bin/python" -c 'import ansible.release' >/dev/null   # the install above must have worked
echo "newest ansible-core: $("$VENV/bin/python" -c 'import ansible.release as r, sys; print(r.__version__, "on Python", sys.version.split()[0])')"
COEXIST_VENV="$VENV" bash "$ROOT/scripts/ansible-test-sanity.sh"
