#!/bin/sh
# balloon_idle.sh — the cost of an idle balloon (docs/balloon.md, "Idle overhead"): runs the
# host scenario experiments/balloon-idle.ini (two identical VMs, one with a balloon at
# target=0) RUNS times and prints, per run and as medians, the idle-balloon VM's throughput
# over the plain VM's: ops/s, and ops per second of run time the worker was not waiting for a
# CPU (telemetry.host.worker_wait_us) — on a shared 2-core host the two VMs rarely get the
# same CPU share, and the second ratio takes that out.
# Usage: bench/balloon_idle.sh [RUNS] [memvirt binary] [scenario file]
set -eu
runs=${1:-5} bin=${2:-build/vmm/memvirt} ini=${3:-experiments/balloon-idle.ini}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ $i -lt "$runs" ]; do
	$bin host "$ini" --json "$tmp/$i.json" >/dev/null
	i=$((i + 1))
done
python3 - "$tmp" "$runs" <<'PY'
import json, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
r1, r2 = [], []
for i in range(runs):
    v = json.load(open(f"{d}/{i}.json"))["vms"]
    def rates(n):
        r, h = v[n]["result"], v[n]["telemetry"]["host"]
        if r["checksum"] != v["plain"]["result"]["checksum"]:
            sys.exit(f"run {i}: checksums differ")
        return r["ops_per_s"], r["ops"] / (r["run_s"] - h["worker_wait_us"] / 1e6)
    (p1, p2), (b1, b2) = rates("plain"), rates("idle")
    r1.append(b1 / p1); r2.append(b2 / p2)
    print(f"run {i}: plain {p1:.4g} ops/s ({p2:.4g} per CPU-s), idle balloon {b1:.4g} ops/s ({b2:.4g}): "
          f"ratio {b1 / p1:.3f}, per CPU-s {b2 / p2:.3f}")
print(f"median ratio idle/plain over {runs} runs: ops/s {statistics.median(r1):.3f}, "
      f"per CPU-s {statistics.median(r2):.3f} (spread {min(r2):.3f}-{max(r2):.3f})")
PY
