#!/usr/bin/env bash
# fuzz.sh — the libFuzzer harnesses of tests/fuzz (docs/hardening.md): built with clang, ASan
# and UBSan in build-fuzz/ (installing clang and its libFuzzer runtime through setup.sh --fuzz
# when missing), then either a smoke run of each (what CI runs) or a long run.
#   fuzz.sh --smoke                 each harness MEMVIRT_FUZZ_SMOKE_RUNS (20000) executions
#                                   from its seed corpus, under ctest (label "fuzz")
#   fuzz.sh [--runs N] [--time S] [--jobs J] [NAME...]
#                                   long runs, all harnesses (or NAME...) at once: N executions
#                                   each (default 10000000) or S seconds (default 3600),
#                                   whichever comes first; the corpus grows in build-fuzz/
#                                   (committed seeds stay as they are), crashes are written to
#                                   build-fuzz/tests/fuzz/work/NAME/ and the summary lists them.
# Without clang or libFuzzer (and no way to install them) it says so and exits 0: skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=long runs=10000000 time=3600 names=()
while (($#)); do
  case "$1" in
    --smoke) mode=smoke ;;
    --runs) runs=$2; shift ;;
    --time) time=$2; shift ;;
    *) names+=("$1") ;;
  esac
  shift
done
all=(reclaim_spec experiment_file result_load merge series_csv hypercall pt_write run_spec balloon_message)
((${#names[@]})) || names=("${all[@]}")

skip() { echo "fuzz: skipped: $*"; exit 0; }
bash scripts/setup.sh --deps-only --fuzz || skip "clang/libFuzzer are absent and cannot be installed here"
CC=$(command -v clang || command -v clang-14 || true)
CXX=$(command -v clang++ || command -v clang++-14 || true)
[ -n "$CC" ] && [ -n "$CXX" ] || skip "no clang"
# cmake forgets every -D option when the compiler of an existing build directory changes:
# start that directory afresh instead.
if [ -f build-fuzz/CMakeCache.txt ] && ! grep -qx "CMAKE_C_COMPILER:[A-Z]*=$CC" build-fuzz/CMakeCache.txt; then
  rm -rf build-fuzz/CMakeCache.txt build-fuzz/CMakeFiles
fi
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
  "$CC" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null || skip "$CC cannot link -fsanitize=fuzzer (libFuzzer runtime missing)"

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DMEMVIRT_SANITIZE=ON -DMEMVIRT_FUZZ=ON -DMEMVIRT_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target memvirt_fuzzers

if [ "$mode" = smoke ]; then
  exec ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$(nproc)"
fi

work=build-fuzz/tests/fuzz/work
seeds() { # a harness's committed seed corpus (the balloon's lives with its subsystem)
  if [ "$1" = balloon_message ]; then echo tests/balloon/fuzz_corpus; else echo "tests/fuzz/corpus/$1"; fi
}
pids=()
for n in "${names[@]}"; do
  mkdir -p "$work/$n/corpus"
  build-fuzz/tests/fuzz/fuzz_"$n" -runs="$runs" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$n/" "$work/$n/corpus" "$(seeds "$n")" \
    >"$work/$n.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!names[@]}"; do
  n=${names[$i]}
  rc=0
  wait "${pids[$i]}" || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$n.log" | awk '{print $2}' | tail -1)
  crashes=$(find "$work/$n" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf 'fuzz %-16s exit %d  executions %s  findings %d\n' "$n" "$rc" "${execs:-?}" "$crashes"
  ((rc == 0 && crashes == 0)) || status=1
done
exit $status
