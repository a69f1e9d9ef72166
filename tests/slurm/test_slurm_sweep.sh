#!/usr/bin/env bash
# test_slurm_sweep.sh — memvirt sweep --slurm on a real one-node Slurm cluster (slurm_cluster.sh):
# bad uses exit 2 with one line (no sbatch on the PATH, a relative --out, more points than the
# cluster's MaxArraySize); a small sim sweep submitted as a job array finishes, merges complete,
# and its summary of exact counters equals the same sweep run locally; a point lost afterwards
# is named by merge (exit 1) and merged around with --partial. Skips (exit 77) naming what is
# missing: root, or the munge/Slurm packages.
set -u
MEMVIRT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/slurm_cluster.sh"

missing=$(slurm_cluster_missing)
if [ -n "$missing" ]; then
	echo "slurm_sweep: SKIP: a one-node Slurm cluster needs:$missing (scripts/test.sh installs munge, slurmctld, slurmd and slurm-client as root)"
	exit 77
fi
work=$(mktemp -d /tmp/memvirt-slurm-test-XXXXXX)
trap 'slurm_cluster_stop; rm -rf "$work"' EXIT
fail() {
	echo "slurm_sweep: FAIL: $*"
	exit 1
}
# Runs memvirt (with the environment RUN_ENV adds), expecting exit status $1 and (for usage errors) one line on stderr containing $2.
expect() {
	local want=$1 needle=$2
	shift 2
	env ${RUN_ENV:-} "$MEMVIRT" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	[ "$rc" -eq "$want" ] || fail "memvirt $*: exit $rc, expected $want: $(cat "$work/err")"
	if [ -n "$needle" ]; then
		[ "$(wc -l <"$work/err")" -eq 1 ] || fail "memvirt $*: expected one line, got: $(cat "$work/err")"
		grep -qF -- "$needle" "$work/err" || fail "memvirt $*: '$needle' not in: $(cat "$work/err")"
	fi
}

SLURM_MAX_ARRAY=5 slurm_cluster_start || fail "the cluster did not start"

cat >"$work/sweep.ini" <<'INI'
; four sim points, two repetitions each, summarised by exact counters
[global]
platform = sim
mem = 2m
repeat = 2
metrics = mmu.modeled_cycles, exits.total, mmu.walk_refs
[gups]
workload = gups
mmu = ept, shadow
ops = 20000
[churn]
workload = churn
mmu = ept, shadow
INI
cat >"$work/six.ini" <<'INI'
[global]
platform = sim
mem = 2m
[six]
workload = seq, gups, churn
mmu = ept, shadow
INI

# Bad uses, refused before anything is written.
RUN_ENV=PATH=/nonexistent expect 2 "sbatch is not on the PATH" sweep "$work/sweep.ini" --slurm --out "$work/x"
RUN_ENV=
expect 2 "absolute path" sweep "$work/sweep.ini" --slurm --out relative/dir
expect 2 "MaxArraySize is 5" sweep "$work/six.ini" --slurm --out "$work/six"
[ ! -e "$work/x" ] && [ ! -e "$work/six" ] || fail "a refused --slurm wrote files"

# The sweep through Slurm.
start=$(date +%s%N)
expect 0 "" sweep "$work/sweep.ini" --slurm --submit --out "$work/slurm"
job=$(sed -n 's/^submitted job \([0-9]*\):.*/\1/p' "$work/out")
[ -n "$job" ] || fail "no job id in: $(cat "$work/out")"
slurm_wait_job "$job" 300 || fail "job $job did not finish in 300 s"
slurm_ms=$((($(date +%s%N) - start) / 1000000))
[ "$(ls "$work/slurm/points" | wc -l)" -eq 8 ] || fail "expected 8 repetition files, got: $(ls "$work/slurm/points")"
ls "$work/slurm/slurm/${job}_0.out" >/dev/null || fail "no per-task output file"
expect 0 "" merge "$work/slurm"
# What must agree: the exact counters, not the host interference each repetition met (a host
# fact: which repetition another process slowed), nor the column widths that count it.
deterministic() {
	grep -v -e '^summary:' -e '^host interference' -e '^  point .* r[0-9]*: ' -e '^  \.\.\. and ' \
		-e 'repetitions\? flagged' "$1" | sed -e 's/ [0-9]* host / /' | tr -s ' '
}
deterministic "$work/out" >"$work/slurm.txt"

# The same sweep locally.
start=$(date +%s%N)
expect 0 "" sweep "$work/sweep.ini" --out "$work/local"
local_ms=$((($(date +%s%N) - start) / 1000000))
expect 0 "" merge "$work/local"
deterministic "$work/out" >"$work/local.txt"
diff -u "$work/local.txt" "$work/slurm.txt" || fail "the Slurm sweep's summary differs from the local one"

# A lost point is named, and merged around only with --partial.
rm "$work/slurm/points/0002-churn-r1.json" "$work/slurm/points/0002-churn-r2.json"
expect 1 "--partial" merge "$work/slurm"
grep -q "point 2: missing" "$work/out" || fail "merge did not name the missing point: $(cat "$work/out")"
expect 0 "" merge "$work/slurm" --partial

echo "slurm_sweep: Slurm ${slurm_ms} ms, local ${local_ms} ms, summaries equal"
echo "1 passed, 0 failed"
