#!/bin/sh
# balloon_rate.sh — the ballooning issue's benchmark (bench/README.md, "Balloon: 7 GiB of an
# 8 GiB guest"): BALLOON_MIB of a GUEST_MIB guest inflated and released to the host, then
# deflated, timed, with the VMM process's resident set (/proc/self/statm, read by the balloon
# device as its first round of each kind begins and as its last ends) beside the 0.49 s
# batched-virtio anchor (7 GB).
# Usage: bench/balloon_rate.sh PLATFORM [GUEST_MIB] [BALLOON_MIB] [memvirt] [run options]
#   defaults 8192 and 7168; env OPS (the touches of the 32 MiB step, which must outlast the
#   deflate's at=: default 40 000 000 on sim, 400 000 000 on kvm), DEFLATE_AT (default 3s).
# A `phases` workload fills GUEST - 48 MiB (every page written once in its setup), touches it
# 64 times per MiB more (long enough for the balloon's schedule thread to set the target), then
# shrinks to 32 MiB: the target BALLOON_MIB, set as the measured phase starts, is met as it
# frees its chunks (the guest checks its target at each unmap); at DEFLATE_AT the target goes back to 0 and the guest deflates at its next check (the
# workload's end mark). A second run without a balloon gives the checksum to compare.
# Exit 0 when the figures were taken (RSS drop and checksums are printed, and flagged when they
# miss: RSS drop < 95% of the inflated bytes, or a different checksum), 1 on a failed run,
# 77 when the host has not the memory for it.
set -eu
plat=$1 guest=${2:-8192} balloon=${3:-7168} bin=${4:-build/vmm/memvirt}
shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
[ "$plat" = kvm ] && dops=400000000 || dops=40000000
ops=${OPS:-$dops} at=${DEFLATE_AT:-3s}
peak=$((guest - 48))
need_kib=$(((guest + 1024) * 1024))
avail_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ "$avail_kib" -lt "$need_kib" ]; then
	echo "balloon_rate: MemAvailable $((avail_kib / 1024)) MiB < guest + 1 GiB ($((need_kib / 1024)) MiB): skipped" >&2
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common="--platform $plat --workload phases --mem ${peak}m --guest-mem ${guest}m --guest-page 2m
        --ws ${peak}m:$((peak * 64)),32m:${ops} --no-progress $*"
$bin run $common --json "$tmp/plain.json" >/dev/null
$bin run $common --balloon "target=${balloon}m,at=0ms" --balloon "target=0,at=$at" --json "$tmp/ball.json" >/dev/null
python3 - "$tmp" "$plat" "$guest" "$balloon" "$*" <<'PY'
import json, sys
d, plat, guest, balloon, opts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
p = json.load(open(d + "/plain.json")); b = json.load(open(d + "/ball.json"))
bl = b["balloon"]
rss = bl.get("vmm_rss") or {}  # an older memvirt has no vmm_rss: its figures print as 0
mib, gib, anchor = 1 << 20, 1 << 30, 0.49
same = p["result"]["checksum"] == b["result"]["checksum"]
print(f"{plat} {opts or '(defaults)'}: guest {guest} MiB, backend {b['memory']['backend']}, "
      f"checksum {b['result']['checksum']} ({'same as' if same else 'DIFFERS FROM'} the run without a balloon)")
inf, dfl = bl["inflated"], bl["deflated"]
if inf and bl["inflate_s"] > 0:
    # given back by the rounds themselves (summed round by round), else first-before less last-after
    drop = rss.get("inflate_drop", rss.get("inflate_before", 0) - rss.get("inflate_after", 0))
    t7 = 7 * gib / (inf / bl["inflate_s"])
    print(f"  inflate {inf / mib:.0f} MiB in {bl['inflate_s']:.4f} s = {inf / gib / bl['inflate_s']:.2f} GiB/s "
          f"(7 GiB at this rate {t7:.3f} s; anchor 7 GB in {anchor} s: {'faster' if t7 < anchor else 'slower'}); "
          f"VMM RSS {rss.get('inflate_before', 0) / mib:.0f} -> {rss.get('inflate_after', 0) / mib:.0f} MiB, "
          f"drop {drop / mib:.0f} MiB = {100 * drop / inf:.1f}% of the inflated bytes"
          f"{'' if drop >= 0.95 * inf else ' (UNDER 95%)'}")
else:
    print("  no inflate happened")
if dfl and bl["deflate_s"] > 0:
    print(f"  deflate {dfl / mib:.0f} MiB in {bl['deflate_s']:.4f} s = {dfl / gib / bl['deflate_s']:.2f} GiB/s; "
          f"VMM RSS {rss.get('deflate_before', 0) / mib:.0f} -> {rss.get('deflate_after', 0) / mib:.0f} MiB "
          f"(deflated frames come back on the guest's next touch)")
else:
    print("  no deflate happened: the 32 MiB step ended before the deflate target (raise OPS)")
print(f"  guest RAM resident at the end: {p['memory']['host_resident_bytes'] / mib:.0f} MiB without a balloon, "
      f"{b['memory']['host_resident_bytes'] / mib:.0f} MiB with ({'mincore' if plat == 'kvm' else 'p2m backed bytes'}); "
      f"{bl['messages']} messages, oom_deflates {bl['oom_deflates']}")
PY
