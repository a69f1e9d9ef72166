#!/usr/bin/env bash
# setup.sh — install what a fresh Debian 12 machine lacks and build memvirt into build/.
# Used by the quick start (scripts/demo.sh, scripts/test.sh), by CI (.ci/run) and by the
# hardening scripts (scripts/test-sanitize.sh, scripts/fuzz.sh; docs/hardening.md).
#   setup.sh [--deps-only] [--fuzz] [cmake -D options...]
#     --deps-only  install packages, build nothing
#     --fuzz       also install clang and its libFuzzer runtime (asked for by scripts/fuzz.sh only)
#     -D...        passed to cmake when configuring build/ (scripts/test.sh: -DMEMVIRT_WERROR=ON)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libnuma-dev libhwloc-dev libjemalloc-dev
          libbenchmark-dev libcmocka-dev libjansson-dev libinih-dev libxxhash-dev)
# What only the tests use (MEMVIRT_SETUP_TESTS=1, set by scripts/test.sh): a one-node Slurm
# cluster for tests/slurm. Best effort: without them (not root, no network) that test skips
# and says why.
TEST_PACKAGES=(munge slurmctld slurmd slurm-client)
build=1
cmake_args=()
for a in "$@"; do
  case "$a" in
    --deps-only) build=0 ;;
    --fuzz) PACKAGES+=(clang-14 libclang-rt-14-dev) ;; # -fsanitize=fuzzer: libclang_rt.fuzzer
    -D*) cmake_args+=("$a") ;;
    *) echo "setup: unknown argument $a" >&2; exit 2 ;;
  esac
done

# The packages of the list named $1 that are not installed, into the array `missing`.
find_missing() {
  local -n list=$1
  missing=()
  for p in "${list[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
}

find_missing PACKAGES
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${MEMVIRT_SETUP_TESTS:-0}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
  find_missing TEST_PACKAGES
  if ((${#missing[@]})); then
    echo "setup: installing for the tests: ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
      echo "setup: could not install ${missing[*]}: the Slurm test will skip" >&2
  fi
fi

if ((build)); then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}" >/dev/null
  cmake --build build -j"$(nproc)"
fi
