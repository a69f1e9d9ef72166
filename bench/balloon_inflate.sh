#!/bin/sh
# balloon_inflate.sh — inflate speed and host memory given back (bench/README.md, "Balloon").
# Usage: bench/balloon_inflate.sh PLATFORM GUEST_MIB [memvirt binary] [extra run options]
# A `phases` workload touches PEAK = GUEST - 48 MiB of a GUEST MiB guest (6 random touches per
# page: ~99.8% of its pages), then shrinks to 32 MiB; a balloon of PEAK - 32 MiB (every frame
# the workload freed) is set at the measured phase's start and taken as the workload frees its
# chunks. Prints, for the run without and with the balloon: checksum, host-resident bytes at
# the end (mincore of guest memory on kvm, the p2m's backed bytes on sim), the balloon's bytes
# and inflate time (summed rounds), and the rate. A third run holds the same balloon from boot:
# the workload's peak then needs the frames back (deflate on OOM, 16 MiB per round): deflated
# bytes, deflate time and rate, and the checksum.
set -eu
plat=$1 guest=$2 bin=${3:-build/vmm/memvirt}
shift 2; [ $# -gt 0 ] && shift
peak=$((guest - 48)) target=$((guest - 80))
ops=$((peak * 256 * 6))
tmp=$(mktemp -d)
common="--platform $plat --workload phases --mem ${peak}m --guest-mem ${guest}m --guest-page 2m
        --ws ${peak}m:${ops},32m:1000 --no-progress $*"
$bin run $common --json "$tmp/plain.json" >/dev/null
$bin run $common --balloon "target=${target}m,at=0ms" --json "$tmp/ball.json" >/dev/null
$bin run $common --balloon "target=${target}m" --json "$tmp/oom.json" >/dev/null
python3 - "$tmp" "$plat" "$guest" <<'PY'
import json, sys
d, plat, guest = sys.argv[1], sys.argv[2], sys.argv[3]
p = json.load(open(d + "/plain.json")); b = json.load(open(d + "/ball.json"))
bl = b["balloon"]; mib = 1 << 20
rp, rb = p["memory"]["host_resident_bytes"], b["memory"]["host_resident_bytes"]
print(f"{plat} guest {guest} MiB backend {b['memory']['backend']}: checksum {p['result']['checksum']} / "
      f"{b['result']['checksum']}; host resident {rp / mib:.0f} -> {rb / mib:.0f} MiB "
      f"(drop {(rp - rb) / mib:.0f} MiB = {100 * (rp - rb) / bl['actual']:.1f}% of the balloon); "
      f"balloon {bl['actual'] / mib:.0f} MiB in {bl['inflate_s']:.4f} s = "
      f"{bl['actual'] / (1 << 30) / bl['inflate_s']:.2f} GiB/s, {bl['messages']} messages, "
      f"oom_deflates {bl['oom_deflates']}; frames ballooned {b['memory']['frames']['ballooned']}")
o = json.load(open(d + "/oom.json")); ob = o["balloon"]
print(f"  deflate on OOM (balloon from boot): checksum {o['result']['checksum']}; deflated "
      f"{ob['deflated'] / mib:.0f} MiB in {ob['deflate_s']:.4f} s = {ob['deflated'] / (1 << 30) / ob['deflate_s']:.2f} GiB/s "
      f"({ob['oom_deflates']} OOM rounds); inflated {ob['inflated'] / mib:.0f} MiB in {ob['inflate_s']:.4f} s "
      f"(boot: never-touched memory)")
PY
rm -rf "$tmp"
