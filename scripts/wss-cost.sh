#!/bin/bash
# wss-cost.sh — what the working-set estimator costs the workload: the same `memvirt run`
# without the estimator, with --wss exact and with --wss sampled, interleaved N times (so a
# change in the host's load hits all three alike), and the ratio of each to the run without.
# Throughput is counted per second the workload's thread was on a CPU (the measured phase's
# run_s less its run-queue wait, telemetry.host.worker_wait_us): on a shared host most of the
# wall-clock time of a run can be spent waiting for a CPU, which says nothing about the
# estimator. The estimator's own CPU time (the monitor thread's) is wss.cpu_us in each result.
#
# Usage: scripts/wss-cost.sh [-n N] [-b MEMVIRT] [-o DIR] -- RUN-OPTIONS...
#   e.g. scripts/wss-cost.sh -- --platform sim --workload phases --mem 64m --ws 8m:2000000,56m:4000000,8m:2000000
set -euo pipefail
n=5
bin=build/vmm/memvirt
out=$(mktemp -d /tmp/wss-cost.XXXXXX)
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n=$2; shift 2 ;;
	-b) bin=$2; shift 2 ;;
	-o) out=$2; mkdir -p "$out"; shift 2 ;;
	--) shift; break ;;
	*) echo "wss-cost.sh: unknown argument '$1' (usage: wss-cost.sh [-n N] [-b MEMVIRT] [-o DIR] -- RUN-OPTIONS...)" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "wss-cost.sh: give the run's options after --" >&2; exit 2; }
for i in $(seq "$n"); do
	for mode in off exact sampled; do
		wss=()
		[ "$mode" = off ] || wss=(--wss "$mode")
		"$bin" run "$@" "${wss[@]}" --json "$out/$mode-$i.json" --no-progress >/dev/null
	done
done
python3 - "$out" "$n" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
def load(mode, i):
    d = json.load(open(f"{out}/{mode}-{i}.json"))
    r, w = d["result"], d["telemetry"]["host"]["worker_wait_us"] / 1e6
    cpu = (d.get("wss") or {}).get("cpu_us") or {}
    return r["ops"] / (r["run_s"] - w), r["ops_per_s"], cpu.get("mean", 0.0), cpu.get("max", 0.0)
runs = {m: [load(m, i) for i in range(1, n + 1)] for m in ("off", "exact", "sampled")}
for m, rs in runs.items():
    print(f"{m:8s} ops per on-CPU second: median {statistics.median(r[0] for r in rs):.3g}; wall-clock ops/s median "
          f"{statistics.median(r[1] for r in rs):.3g}" + ("" if m == "off" else
          f"; estimator step CPU mean {statistics.mean(r[2] for r in rs):.0f} us, max {max(r[3] for r in rs):.0f} us"))
for m in ("exact", "sampled"):
    ratios = [a[0] / b[0] for a, b in zip(runs[m], runs["off"])]
    print(f"{m}/off: median of {n} paired ratios {statistics.median(ratios):.3f} (each: "
          + ", ".join(f"{x:.3f}" for x in ratios) + ")")
print(f"(results in {out})")
PY
