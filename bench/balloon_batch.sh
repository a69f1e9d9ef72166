#!/bin/sh
# balloon_batch.sh — the balloon's batch size measured: 256 entries per message (virtio's, the
# default GK_BALLOON_BATCH) against 512 (the most the kvm entry page holds), with two memvirt
# binaries built from the same tree, the second with -DGK_BALLOON_BATCH=512:
#   cmake -S . -B build512 -DCMAKE_C_FLAGS=-DGK_BALLOON_BATCH=512 && cmake --build build512 --target memvirt
# Usage: [RUNS=N] [GUEST=SIZE] [TARGET=SIZE] bench/balloon_batch.sh PLATFORM BIN256 BIN512 [extra run options]
# Each run boots a GUEST (default 8g) guest whose balloon holds TARGET (default 8000m) from
# boot: one inflate round of 2 MiB entries over memory never touched, so releasing costs the
# least it can and a message's fixed part (one exit on kvm) weighs the most it can — the case
# most favourable to a larger batch. The workload (`phases`, 32 MiB) runs beside it. RUNS
# (default 5) runs per binary, alternating; prints each run's messages, inflate_s (from the
# round's first message to its last: the guest filling the first batch is outside it) and
# setup_s (the whole setup phase, boot inflate included: the guest's work for every entry too),
# and their medians.
set -eu
plat=$1 b256=$2 b512=$3
shift 3
runs=${RUNS:-5} guest=${GUEST:-8g} target=${TARGET:-8000m}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common="--platform $plat --workload phases --mem 32m --guest-mem $guest --guest-page 2m
        --ws 32m:100000 --balloon target=$target --no-progress $*"
i=0
while [ $i -lt "$runs" ]; do
	$b256 run $common --json "$tmp/256-$i.json" >/dev/null
	$b512 run $common --json "$tmp/512-$i.json" >/dev/null
	i=$((i + 1))
done
python3 - "$tmp" "$plat" "$runs" "$guest" "$target" <<'PY'
import json, statistics, sys
d, plat, runs, guest, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"{plat}: a {guest} guest, balloon {target} from boot (2 MiB entries, never-touched memory)")
for batch in ("256", "512"):
    docs = [json.load(open(f"{d}/{batch}-{i}.json")) for i in range(runs)]
    s = [x["balloon"]["inflate_s"] * 1e3 for x in docs]
    m = {x["balloon"]["messages"] for x in docs}
    sums = {x["result"]["checksum"] for x in docs}
    setup = [x["result"]["setup_s"] * 1e3 for x in docs]
    print(f"batch {batch}: messages {sorted(m)}, inflate ms " + " ".join(f"{v:.1f}" for v in s)
          + f" (median {statistics.median(s):.1f}); setup phase ms " + " ".join(f"{v:.0f}" for v in setup)
          + f" (median {statistics.median(setup):.0f}); checksums {sorted(sums)}")
PY
