#!/usr/bin/env bash
# README command 1 on a fresh Debian 12 machine, every time the test suite runs.
#
# A package installed by hand once stays on a developer's (or CI's) machine and hides a missing
# install step: the demo once passed in CI only because samba-ad-provision happened to be there.
# So this builds a brand-new Debian 12 root (mmdebstrap, bookworm, minbase, from the Debian
# archive this machine's apt uses), clones the committed checkout into it and runs
#     bash scripts/demo.sh
# inside it, then the sanity bootstrap (`scripts/ansible-test-sanity.sh`), the one install the
# test suite makes that the demo does not. The root gets only the host's package access: its
# extra CA certificates, its pip configuration and resolv.conf.
#
# It runs under `unshare --mount --pid --fork` with /proc, /dev and /sys mounted for it, so every
# server the demo starts (Samba, slapd) dies with it and no mount outlives it.
#
# THE HOST'S LAB MUST NOT BE RUNNING: the root shares the host's network, and both labs listen on
# the same fixed ports (Samba's 88, 389, 636, 3268). This script stops the host's lab first
# (`lab/lab.sh down` keeps its state; the test suite starts it again) and refuses to run while
# anything else listens on those ports.
#
# What it tests is the committed HEAD (a clone), as CI does: commit before you run it.
# Usage: bash scripts/fresh-root-demo.sh        (as root, on Debian; about 5 minutes)
# Environment: COEXIST_FRESH_ROOT_DIR (default /var/tmp/coexist-fresh-root), kept on failure
# for a look inside, removed on success; COEXIST_FRESH_ROOT_REF (default HEAD), the commit to
# test (an older one shows what a fresh machine made of it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FRESH="${COEXIST_FRESH_ROOT_DIR:-/var/tmp/coexist-fresh-root}"
REF="${COEXIST_FRESH_ROOT_REF:-HEAD}"
SUITE=bookworm
LAB_PORTS=(88 389 636 3268)
step() { printf '\n--- fresh root: %s\n' "$*"; }

[[ $(id -u) == 0 ]] || { echo "fresh root: run as root (mmdebstrap, chroot, unshare)" >&2; exit 2; }

step "installing mmdebstrap on the host"
if ! command -v mmdebstrap >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null
fi

step "stopping the host's lab (it uses the same ports)"
if [[ -d "$ROOT/lab/.state" && -x "$ROOT/.venv/bin/python" ]]; then
    (cd "$ROOT/lab" && "$ROOT/.venv/bin/python" -m coexist_lab down) || true
fi
busy=()
for port in "${LAB_PORTS[@]}"; do
    ss -Hltn "sport = :$port" | grep -q . && busy+=("$port")
done
if ((${#busy[@]})); then
    echo "fresh root: ports ${busy[*]} are in use on this machine; the root's lab needs them." >&2
    ss -Hltnp | grep -E ":($(IFS='|'; echo "${busy[*]}")) " >&2 || true
    echo "Stop whatever listens there (another checkout's lab: lab/lab.sh down) and run again." >&2
    exit 1
fi

# Leftovers of an earlier run: never delete through a mount that is still there.
if [[ -e "$FRESH" ]]; then
    if findmnt -rn -o TARGET | grep -q "^$FRESH"; then
        echo "fresh root: something is still mounted under $FRESH; unmount it first" >&2
        exit 1
    fi
    rm -rf --one-file-system "$FRESH"
fi

step "building a Debian 12 root in $FRESH (mmdebstrap $SUITE, minbase)"
t=$SECONDS
# The Debian archive this machine's apt uses: its deb822 sources file if there is one.
MIRROR=()
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [[ -s $f ]] && grep -q 'debian' "$f"; then MIRROR=("$f"); break; fi
done
mmdebstrap --quiet --variant=minbase --include=ca-certificates "$SUITE" "$FRESH" "${MIRROR[@]}"
echo "    root built in $((SECONDS - t)) s ($(du -sm --one-file-system "$FRESH" | cut -f1) MB)"

step "giving it the host's package access (CA certificates, pip configuration, resolv.conf)"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$FRESH/usr/local/share/ca-certificates/"
fi
chroot "$FRESH" update-ca-certificates >/dev/null 2>&1
for f in /etc/pip.conf /etc/xdg/pip /root/.config/pip /root/.pip; do
    if [[ -e $f ]]; then mkdir -p "$FRESH$(dirname "$f")"; cp -a "$f" "$FRESH$f"; fi
done
cp -L /etc/resolv.conf "$FRESH/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$FRESH/etc/hosts"

step "cloning the committed checkout ($REF) into it"
git clone -q "$ROOT" "$FRESH/root/coexist"
git -C "$FRESH/root/coexist" checkout -q --detach "$(git -C "$ROOT" rev-parse "$REF")"
echo "    $(git -C "$FRESH/root/coexist" log -1 --format='%h %s')"

# The environment inside: a clean one, plus the host's pip and CA settings (they name paths that
# exist in the root too, or that pip skips with a warning).
ENV_ARGS=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
          TERM=dumb CI="${CI:-}")
while IFS='=' read -r name _; do
    case $name in
        PIP_*|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|http_proxy|https_proxy|no_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY)
            ENV_ARGS+=("$name=${!name}") ;;
    esac
done < <(env)

step "running README command 1 inside (bash scripts/demo.sh), then the sanity bootstrap"
t=$SECONDS
LOG="$FRESH.log"
set +e
# shellcheck disable=SC2016  # the inner script is meant to expand inside the namespace, not here
unshare --mount --pid --fork --propagation private -- bash -euo pipefail -c '
    r=$1; shift
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount -t sysfs sysfs "$r/sys"
    mount -t tmpfs tmpfs "$r/tmp"
    exec chroot "$r" /usr/bin/env -i "$@" bash -euo pipefail -c "
        cd /root/coexist
        bash scripts/demo.sh
        echo; echo \"--- fresh root: the test suite'"'"'s extra install: ansible-test sanity'"'"'s venvs\"
        bash scripts/ansible-test-sanity.sh --test compile >/dev/null
        echo \"    ansible-test sanity bootstrapped and ran (compile)\"
    "
' fresh-root "$FRESH" "${ENV_ARGS[@]}" 2>&1 | tee "$LOG" | grep --line-buffered -v 'is ignored' | sed -u 's/^/    | /'
rc=${PIPESTATUS[0]}
set -e
echo "    inside the root: $((SECONDS - t)) s, exit $rc; the log: $LOG"
if ((rc != 0)); then
    echo "fresh root: README command 1 FAILED on a fresh Debian 12 root (exit $rc)." >&2
    echo "The last lines:" >&2
    tail -n 25 "$LOG" | sed 's/^/    /' >&2
    echo "The root is kept for a look inside: chroot $FRESH bash" >&2
    exit 1
fi
rm -rf --one-file-system "$FRESH"
step "README command 1 passed on a fresh Debian 12 root"
