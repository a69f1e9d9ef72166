#!/usr/bin/env bash
# test-sanitize.sh — the whole test suite built with AddressSanitizer, UndefinedBehaviorSanitizer
# and LeakSanitizer (MEMVIRT_SANITIZE=ON, warnings fatal) in build-sanitize/, run under ctest.
# The freestanding kvm guest images are built without them. CI (.ci/run) runs this after the
# normal suite. Extra arguments go to ctest (e.g. -R reclaim). See docs/hardening.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --deps-only
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMVIRT_SANITIZE=ON -DMEMVIRT_WERROR=ON >/dev/null
cmake --build build-sanitize -j"$(nproc)"
# Any finding fails the test that made it; leaks are checked at exit. Suppressions (each with
# the issue it waits for) are in tests/sanitize/.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitize/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitize/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ctest --test-dir build-sanitize --output-on-failure -j"$(nproc)" --timeout 900 "$@"
