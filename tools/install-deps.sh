#!/usr/bin/env bash
# Installs the Debian packages keel needs that are missing: the one list
# used by the README's quick start and by CI. Runs apt-get directly as
# root, through sudo otherwise; does nothing when all are present.
set -euo pipefail
packages=(gcc cmake ninja-build pkg-config lemon libsqlite3-dev libpq-dev libssl-dev
          # tests/codegen: generated headers compiled as C++ too
          g++
          postgresql libjansson-dev
          # the command line's keel.yaml / sqlc.yaml
          libyaml-dev
          # diun-dashboard: its HTTP server, and what its tests drive it with
          libmicrohttpd-dev curl jq wrk chromium chromium-driver
          # hardening: libFuzzer (clang + its runtime), clang-tidy, valgrind
          clang libclang-rt-14-dev clang-tidy valgrind
          # tests/install: the example's Makefile, keel(1) checked with groff,
          # what install and removal write traced with strace
          make groff-base strace
          # bench/scale: the generator scale benchmark's scripts
          python3)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "keel: all dependencies present"
    exit 0
fi
echo "keel: installing ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
