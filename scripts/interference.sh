#!/bin/bash
# scripts/interference.sh [REPEAT [ROUNDS]] — what one repetition disturbed by another process
# does to a sweep's mean and median (docs/experiment-files.md, "Host interference and re-runs").
# Each round runs three sweeps of the same sim gups point, REPEAT repetitions each (default 9):
#   A  undisturbed;
#   B  with CPU hogs (2 x CPUs + 2 busy loops, started and killed by pid here) for exactly its
#      second repetition: from the moment r1's file appears until r2's does;
#   C  B's files with r2 run again undisturbed (a copy: B itself is kept).
# B against C isolates the disturbed repetition (the other repetitions are the same files); A
# against C is the host's own drift between sweeps. It prints the figures; it asserts nothing
# (tests/sweep/test_sweep_interference.c checks the flag). Needs jq and a built memvirt
# (MEMVIRT, default build/vmm/memvirt).
set -euo pipefail
bin=${MEMVIRT:-build/vmm/memvirt}
rep=${1:-9}
rounds=${2:-3}
command -v jq >/dev/null || { echo "interference.sh: needs jq (apt-get install jq)" >&2; exit 2; }
[ -x "$bin" ] || { echo "interference.sh: no memvirt at $bin (build first, or set MEMVIRT)" >&2; exit 2; }
[[ "$rep" =~ ^[0-9]+$ && "$rep" -ge 4 && "$rep" -le 100 ]] || { echo "interference.sh: REPEAT '$rep': expected 4 to 100" >&2; exit 2; }
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 1 ]] || { echo "interference.sh: ROUNDS '$rounds': expected a number" >&2; exit 2; }
work=$(mktemp -d /tmp/memvirt-interference-XXXXXX)
hogs=()
stop_hogs() {
	for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${hogs[@]}"; do wait "$p" 2>/dev/null || true; done
	hogs=()
}
cleanup() { stop_hogs; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/i.ini" <<EOF
[global]
platform = sim
mem = 4m
ops = 1000000
seed = 5
repeat = $rep
metrics = result.run_s
[j]
workload = gups
EOF
nhogs=$((2 * $(nproc) + 2))
raw() { jq -r ".points[0].metrics[\"result.run_s\"].$2" "$1/summary.json"; }
fig() { printf '%.4g' "$(raw "$1" "$2")"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a - b) / b * 100 }'; }
wait_for() { while [ ! -e "$1" ]; do kill -0 "$2" 2>/dev/null || [ -e "$1" ] || return 1; sleep 0.002; done; }

echo "sim gups, mem 4m, 1000000 ops, $rep repetitions; $nhogs CPU hogs during B's r2; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
	a=$work/A$round b=$work/B$round c=$work/C$round
	"$bin" sweep "$work/i.ini" --out "$a" >/dev/null
	"$bin" sweep "$work/i.ini" --out "$b" >/dev/null &
	sweep=$!
	wait_for "$b/points/0000-j-r1.json" "$sweep"
	for _ in $(seq 1 "$nhogs"); do (while :; do :; done) & hogs+=($!); done
	wait_for "$b/points/0000-j-r2.json" "$sweep" || true
	stop_hogs
	wait "$sweep"
	cp -r "$b" "$c"
	rm "$c/points/0000-j-r2.json"
	"$bin" sweep "$work/i.ini" --out "$c" --resume >/dev/null
	r2=$(jq -r '.points[0].repetitions[] | select(.repetition == 2) |
		"cpu wait \(.interference.cpu_wait_frac * 100 | floor)%, flagged \(.interference.flagged), outlier \(.outlier | length > 0)"' "$b/summary.json")
	flagged=$(jq -r '.points[0].flagged' "$b/summary.json")
	echo "round $round: disturbed r2 took $(printf '%.4g' "$(jq -r '.result.run_s' "$b/points/0000-j-r2.json")") s ($r2; $flagged of $rep flagged in B)"
	echo "  mean:   B $(fig "$b" mean) s, C $(fig "$c" mean) s: B $(pct "$(raw "$b" mean)" "$(raw "$c" mean)") against C"
	echo "  median: B $(fig "$b" median) s, C $(fig "$c" median) s: B $(pct "$(raw "$b" median)" "$(raw "$c" median)") against C;" \
	     "A (a separate undisturbed sweep) $(fig "$a" median) s: B $(pct "$(raw "$b" median)" "$(raw "$a" median)"), C $(pct "$(raw "$c" median)" "$(raw "$a" median)") against A"
done
