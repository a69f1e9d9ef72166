#!/usr/bin/env bash
# test.sh — quick start, second command: set up, build, and run the whole test suite under
# ctest (tests that need /dev/kvm or root say why and are reported as skipped). Warnings are
# errors here (MEMVIRT_WERROR), as in CI, which runs this; a plain build leaves them warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMVIRT_SETUP_TESTS=1 bash scripts/setup.sh -DMEMVIRT_WERROR=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
