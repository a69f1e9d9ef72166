#!/bin/sh
# balloon_idle_alternate.sh — the cost of an idle balloon measured one VM at a time
# (docs/balloon.md, "Idle overhead"). balloon_idle.sh runs the two VMs side by side, so the
# ratio also carries how the host shared its CPUs between them (±3% on this 2-core host);
# here each pair is two `memvirt run`s one after the other — plain, then with a balloon at
# target=0 (the order swapped every other pair, so a drift of the host does not favour one) —
# on the same sim `churn` VM as experiments/balloon-idle.ini. It prints each pair's ratio of
# ops/s (idle balloon over plain), their median and a 95% bootstrap interval of the median,
# and checks the checksums. Run it on a quiet host: other work's noise is larger than the
# effect.
# Usage: [PLATFORM=sim|kvm] bench/balloon_idle_alternate.sh [PAIRS] [memvirt binary] [OPS]
set -eu
pairs=${1:-15} bin=${2:-build/vmm/memvirt} ops=${3:-4000000}
case "$pairs$ops" in *[!0-9]*|'') echo "balloon_idle_alternate.sh: PAIRS and OPS must be whole numbers (got '$pairs', '$ops')" >&2; exit 2 ;; esac
[ "$pairs" -ge 1 ] || { echo "balloon_idle_alternate.sh: PAIRS must be at least 1" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vm="--platform ${PLATFORM:-sim} --workload churn --mem 32m --guest-mem 64m --ops $ops"
one() { # $1 = plain|idle, $2 = pair
	if [ "$1" = idle ]; then
		$bin run $vm --balloon target=0 --json "$tmp/idle-$2.json" >/dev/null
	else
		$bin run $vm --json "$tmp/plain-$2.json" >/dev/null
	fi
}
i=0
while [ $i -lt "$pairs" ]; do
	if [ $((i % 2)) -eq 0 ]; then one plain $i; one idle $i; else one idle $i; one plain $i; fi
	i=$((i + 1))
done
python3 - "$tmp" "$pairs" <<'PY'
import json, random, statistics, sys
d, pairs = sys.argv[1], int(sys.argv[2])
r = []
for i in range(pairs):
    p, q = (json.load(open(f"{d}/{k}-{i}.json"))["result"] for k in ("plain", "idle"))
    if p["checksum"] != q["checksum"]:
        sys.exit(f"pair {i}: checksums differ")
    r.append(q["ops_per_s"] / p["ops_per_s"])
    print(f"pair {i}: plain {p['ops_per_s']:.4g} ops/s, idle balloon {q['ops_per_s']:.4g} ops/s: ratio {r[-1]:.4f}")
rng = random.Random(1)
meds = sorted(statistics.median(rng.choices(r, k=len(r))) for _ in range(2000))
print(f"median ratio idle/plain over {pairs} pairs: {statistics.median(r):.4f} "
      f"(95% bootstrap interval {meds[50]:.4f}-{meds[1949]:.4f}; spread {min(r):.4f}-{max(r):.4f})")
PY
