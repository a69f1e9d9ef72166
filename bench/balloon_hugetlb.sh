#!/bin/sh
# balloon_hugetlb.sh — the balloon on hugetlb guest RAM (kvm --backend hugetlb): the inflate
# rate, and the host's free 2 MiB pages following the balloon both ways (bench/README.md,
# "Balloon on hugetlb").
# Usage: bench/balloon_hugetlb.sh [GUEST_MIB] [BALLOON_MIB] [memvirt] [run options]
#   defaults 4096 and 3584; env OPS (touches of the 32 MiB step, default 400 000 000),
#   DEFLATE_AT (default 3s).
# Lends the hugetlb pool GUEST/2 + 8 pages (/proc/sys/vm/nr_hugepages, machine-wide) and puts
# the value it found back on every path (exit, Ctrl-C, TERM); exits 77 when the pool cannot
# grow by that much. While memvirt runs, free_hugepages is sampled every 10 ms.
# The run: `phases` fills GUEST - 48 MiB, shrinks to 32 MiB while the balloon takes BALLOON_MIB
# (set at the measured phase's start), the target goes back to 0 at DEFLATE_AT and the guest
# deflates at its next check, then the workload grows back to the full size: its first touches
# take huge pages from the pool again. So free pages rise by BALLOON/2 at the inflate and fall
# back as the workload re-touches what the deflate returned.
set -eu
guest=${1:-4096} balloon=${2:-3584} bin=${3:-build/vmm/memvirt}
[ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
ops=${OPS:-400000000} at=${DEFLATE_AT:-3s}
peak=$((guest - 48))
nr=/proc/sys/vm/nr_hugepages free=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
lend=$((guest / 2 + 8))
saved=$(cat $nr)
tmp=$(mktemp -d)
sampler=
restore() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
	echo "$saved" > $nr
	rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
echo $((saved + lend)) > $nr
if [ "$(cat $nr)" -lt $((saved + lend)) ]; then
	echo "balloon_hugetlb: the hugetlb pool could not grow by $lend pages (nr_hugepages $(cat $nr) < $((saved + lend))): skipped" >&2
	exit 77
fi
(while :; do echo "$(date +%s.%N) $(cat $free)"; sleep 0.01; done) > "$tmp/free.txt" &
sampler=$!
$bin run --platform kvm --backend hugetlb --workload phases --mem ${peak}m --guest-mem ${guest}m --guest-page 2m \
	--ws ${peak}m:$((peak * 64)),32m:${ops},${peak}m:$((peak * 16)) --no-progress \
	--balloon "target=${balloon}m,at=0ms" --balloon "target=0,at=$at" --json "$tmp/ball.json" "$@" >/dev/null
kill "$sampler" 2>/dev/null || true
sampler=
python3 - "$tmp" "$guest" "$balloon" "$lend" <<'PY'
import json, sys
d, guest, balloon, lend = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
b = json.load(open(d + "/ball.json")); bl = b["balloon"]; rss = bl.get("vmm_rss") or {}
mib, gib = 1 << 20, 1 << 30
print(f"kvm hugetlb: guest {guest} MiB, {lend} pages lent to the pool; checksum {b['result']['checksum']}, "
      f"status {b['status']['state']}")
inf, dfl = bl["inflated"], bl["deflated"]
if inf and bl["inflate_s"] > 0:
    drop = rss.get("inflate_before", 0) - rss.get("inflate_after", 0)
    print(f"  inflate {inf / mib:.0f} MiB in {bl['inflate_s']:.4f} s = {inf / gib / bl['inflate_s']:.2f} GiB/s "
          f"(7 GiB at this rate {7 * gib * bl['inflate_s'] / inf:.3f} s; anchor 0.49 s); VMM RSS "
          f"{rss.get('inflate_before', 0) / mib:.0f} -> {rss.get('inflate_after', 0) / mib:.0f} MiB "
          f"(drop {100 * drop / inf:.1f}% of the inflated bytes)")
if dfl and bl["deflate_s"] > 0:
    print(f"  deflate {dfl / mib:.0f} MiB in {bl['deflate_s']:.4f} s = {dfl / gib / bl['deflate_s']:.2f} GiB/s")
else:
    print("  no deflate at the target: the 32 MiB step ended first (raise OPS); "
          f"deflated {dfl / mib:.0f} MiB on OOM ({bl['oom_deflates']} rounds)")
rows = [l.split() for l in open(d + "/free.txt") if len(l.split()) == 2]
pts = [(float(t), int(v)) for t, v in rows]
if pts:
    t0 = pts[0][0]; changes = [pts[0]] + [p for i, p in enumerate(pts[1:]) if p[1] != pts[i][1]]
    print(f"  host free 2 MiB pages: {pts[0][1]} as memvirt started, {pts[-1][1]} at the end")
    print("  free pages over time (s: pages; the last sample of each half second that changed):")
    last = {}
    for t, v in changes:
        last[int((t - t0) * 2)] = (t, v)
    print("   " + ", ".join(f"{t - t0:.1f}: {v}" for t, v in sorted(last.values())))
PY
