#!/bin/sh
# balloon_vs_pageout.sh — the balloon against blind host reclaim (VSwapper's argument):
# the same guest and workload give up the same host memory once through the balloon (the
# guest chooses: free frames) and once by host page-out to zram (the host chooses: random
# 4 KiB pages of guest RAM, not knowing which the guest still uses). docs/balloon.md,
# "Balloon against host page-out".
# Usage: [OPS=N] [AT=TIME] [OUT=DIR] bench/balloon_vs_pageout.sh PLATFORM [memvirt binary] [extra run options]
# OPS: touches of the 32 MiB step (default 3000000: ~2 s on sim; kvm does ~25 Mops/s, use
# 60000000); AT: when the page-out acts (default 300ms); OUT: keep the three result documents.
# `phases` in a 128 MiB guest touches 112 MiB in its setup, then (20 000 touches into the
# measured phase) shrinks to 32 MiB and touches that for OPS operations. Runs:
#   plain    — nothing taken;
#   balloon  — target 80 MiB at the measured phase's start (the guest takes the 80 MiB the
#              workload freed; 16 MiB of it were never touched, so the host drops 64 MiB);
#   pageout  — MADV_PAGEOUT of random 4 KiB pages, each with probability 0.8, of the VM's
#              published guest RAM at 300 ms (about the 64 MiB the balloon gives: never-touched
#              pages free nothing; the event's resident pages before/after say what it freed), with
#              `--swap zram:256m` (root; /dev/zram0 is machine-wide: a busy device is waited
#              for up to 120 s, then the script exits 77 saying so).
# Prints per run: checksum, host-resident bytes at the end, the bytes given up, ops/s of the measured phase, ops
# lost in dips (all, and in dips attributed to reclaim), the VMM's major faults and the
# host's swap-ins/outs over the measured phase.
set -eu
plat=$1 bin=${2:-build/vmm/memvirt}
shift; [ $# -gt 0 ] && shift
ops=${OPS:-3000000} at=${AT:-300ms}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common="--platform $plat --workload phases --mem 112m --guest-mem 128m --guest-page 2m
        --ws 112m:20000+32m:$ops --no-progress $*"
$bin run $common --json "$tmp/plain.json" >/dev/null
$bin run $common --balloon target=80m,at=0ms --json "$tmp/balloon.json" >/dev/null
waited=0
until $bin run $common --swap zram:256m --reclaim pageout:at=$at,frac=0.8,pattern=random \
	--json "$tmp/pageout.json" >/dev/null 2>"$tmp/err"; do
	if ! grep -q 'already in use' "$tmp/err" || [ $waited -ge 120 ]; then
		cat "$tmp/err" >&2
		grep -q 'already in use' "$tmp/err" && { echo "skipped: /dev/zram0 busy for 120 s" >&2; exit 77; }
		exit 1
	fi
	sleep 5; waited=$((waited + 5))
done
[ -n "${OUT:-}" ] && mkdir -p "$OUT" && cp "$tmp"/*.json "$OUT"/
python3 - "$tmp" "$plat" <<'PY'
import json, sys
d, plat = sys.argv[1], sys.argv[2]
mib = 1 << 20
runs = {n: json.load(open(f"{d}/{n}.json")) for n in ("plain", "balloon", "pageout")}
base = runs["plain"]["memory"]["host_resident_bytes"]
print(f"{plat}: phases 112m -> 32m in a 128 MiB guest; host resident without reclaim {base / mib:.1f} MiB")
print(f"{'run':8} {'checksum':18} {'resident MiB':>12} {'given up MiB':>12} {'Mops/s':>7} "
      f"{'ops lost':>9} {'in reclaim dips':>15} {'major faults':>12} {'swap in':>8} {'swap out':>8}")
for n, r in runs.items():
    res = r["memory"]["host_resident_bytes"]
    ev = (r.get("reclaim") or {}).get("events") or []
    # given up: the balloon's is what the host holds less at the end; page-out's is what the
    # event freed (the guest faults part of it back, and sim's resident figure is its p2m's)
    gave = sum((e["resident_pages_before"] - e["resident_pages_after"]) * 4096 for e in ev) if ev else base - res
    h = r["telemetry"]["host"]
    dips = r.get("dips") or []
    lost = sum(x["ops_lost"] for x in dips)
    rlost = sum(x["ops_lost"] for x in dips if x["cause"] == "reclaim")
    ops_s = r["result"]["ops_per_s"]
    print(f"{n:8} {r['result']['checksum']:18} {res / mib:12.1f} {gave / mib:12.1f} {ops_s / 1e6:7.3f} "
          f"{lost:9.0f} {rlost:15.0f} {h['major_faults']:12} {h['pswpin']:8} {h['pswpout']:8}")
b = runs["balloon"].get("balloon") or {}
ev = (runs["pageout"].get("reclaim") or {}).get("events") or []
print(f"balloon: {b.get('actual', 0) / mib:.0f} MiB in {b.get('inflate_s', 0):.4f} s, {b.get('messages', 0)} messages; "
      + "; ".join(f"pageout {e['status']}: {e['bytes'] / mib:.0f} MiB advised, resident pages "
                  f"{e.get('resident_pages_before')} -> {e.get('resident_pages_after')}, "
                  f"{e['end_ms'] - e['start_ms']:.0f} ms long" for e in ev))
PY
