#!/bin/sh
# free_page_reporting.sh — free page reporting without any balloon target: `phases` fills
# 512 MiB of guest memory, then drops to 32 MiB and stays there; with `--balloon report=on`
# the free 2 MiB chunks it left are reported after report_delay (default 2 s) and leave the
# host, so the host-resident bytes behind guest RAM follow the guest down. docs/balloon.md,
# "Free page reporting".
# Usage: [OPS=N] [DELAY=TIME] [OUT=DIR] bench/free_page_reporting.sh PLATFORM [memvirt binary] [extra run options]
# OPS: touches of the 32 MiB step (default 30000000: ~10 s on sim; kvm does ~10 Mops/s here
# with the system calls, use 100000000); DELAY: report_delay (default 2s); OUT: keep the
# documents and series. The workload makes a system call every 4096 touches (--sys-every:
# this guest kernel has no timer tick, and runs only when the workload enters it).
# Runs: plain (no balloon) and report; prints for each the checksum and the resident bytes at
# their peak and 5 s after the drop (mincore, refreshed 512 pages a sample: a figure lags up to
# ~0.3 s at 512 MiB), and for report: when the guest's used memory fell, when the
# chunks were reported, and when resident memory came within 10% of the new level.
set -eu
plat=$1 bin=${2:-build/vmm/memvirt}
shift; [ $# -gt 0 ] && shift
ops=${OPS:-30000000} delay=${DELAY:-2s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common="--platform $plat --workload phases --mem 512m --guest-page 2m
        --ws 512m:200000,32m:$ops --sys-every 4096 --no-progress $*"
$bin run $common --timeseries "$tmp/plain.csv" --json "$tmp/plain.json" >/dev/null
$bin run $common --balloon report=on,report_delay=$delay,stats=100ms --timeseries "$tmp/report.csv" \
	--json "$tmp/report.json" >/dev/null
[ -n "${OUT:-}" ] && mkdir -p "$OUT" && cp "$tmp"/* "$OUT"/
python3 - "$tmp" "$plat" "$delay" <<'PY'
import csv, json, sys
d, plat, delay = sys.argv[1:4]
mib = 1 << 20
def series(name):
    out = []
    for r in csv.DictReader(open(f"{d}/{name}.csv")):
        g = lambda k: int(r[k]) if r.get(k) not in (None, "") else None
        out.append((float(r["time_ms"]), g("guest_used_bytes"), g("guest_resident_bytes"), g("balloon_reported_bytes")))
    return out
def drop_time(s):
    peak = max(u or 0 for _, u, _, _ in s)
    t_peak = next(t for t, u, _, _ in s if u == peak)
    t = next(t for t, u, _, _ in s if t > t_peak and u is not None and u < peak / 2)
    low = next(u for tt, u, _, _ in s if tt >= t + 1000 and u is not None)  # settled (the end unmaps all)
    return t, low
def at(s, t):
    return next(r for tt, _, r, _ in s if tt >= t)
print(f"{plat}: phases 512m -> 32m, report_delay {delay}, a system call every 4096 touches")
for name in ("plain", "report"):
    s, doc = series(name), json.load(open(f"{d}/{name}.json"))
    t, low = drop_time(s)
    peak_res = max(r or 0 for _, _, r, _ in s)
    line = (f"{name:7} checksum {doc['result']['checksum']}: used fell to {low / mib:.0f} MiB at {t / 1e3:.2f} s; "
            f"resident at most {peak_res / mib:.1f} MiB, 5 s after the drop {at(s, t + 5000) / mib:.1f} MiB")
    if name == "report":
        rep = next((tt for tt, _, _, rb in s if tt >= t and rb), None)
        fol = next((tt for tt, _, r, _ in s if tt >= t and r is not None and r <= low + 0.1 * (peak_res - low)), None)
        b = doc["balloon"]
        line += (f"; reported {b['reported'] / mib:.0f} MiB in {b['report_messages']} messages "
                 f"({b['report_s'] * 1e3:.1f} ms) {(rep - t) / 1e3:.2f} s after the drop; resident within 10% of "
                 f"the new level {(fol - t) / 1e3:.2f} s after the drop" if rep and fol else "; never reported")
    print(line)
PY
