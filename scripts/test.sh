#!/usr/bin/env bash
# test.sh — quick start, second command: set up, build, and run the whole test suite under
# ctest (tests that need /dev/kvm or root say why and are reported as skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
MEMVIRT_SETUP_TESTS=1 bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
