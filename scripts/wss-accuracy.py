#!/usr/bin/env python3
"""wss-accuracy.py — the working-set estimator's error: estimates of runs (time-series CSVs of
`memvirt run --wss ... --timeseries FILE`) against a reference run of the same `phases`
schedule (normally sim with --wss exact), step by step of the schedule.

Why by progress and not by time: a `phases` schedule counts operations, so the same step lasts
0.2 s on kvm and 5 s on sim; an estimate is assigned to the step whose operations it covers.
Each estimate covers the operations between two estimator steps. The monitor steps the
estimator at the first sample at least one period after the previous step, and the CSV holds
every sample's time, so the step samples are found again exactly from the first estimate on.
An estimate counts for schedule step k when its operations lie in the step, past its first
5% (the shrink or growth itself, and the guest zeroing new memory) and short of its last 1%
(the kvm progress counter lags by up to 500 us). A period in which the workload made fewer
than 5 touches per page of the step (plus the progress counter's lag, --lag-ops, at both ends)
is left out (its thread hardly got a CPU on a loaded host,
or the estimator itself slowed it): with random touches a fraction exp(-touches/pages) of the
step's pages is left untouched, under 1% from 5 per page on, so the step's whole working set
is what a kept period should show; a starved period's small figure is true of that period but
says nothing about the schedule's step.

Usage: wss-accuracy.py --ws 8m:N,56m:N,8m:N --period-ms 100 --ref SIM.csv RUN.csv [RUN.csv ...]
Prints, per step, the reference mean, the runs' mean and the mean absolute error of the runs'
single estimates against the reference mean (MiB and relative), then the same over all steps.
"""
import argparse
import csv
import sys

MIB = 1 << 20
UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_ws(text):
    steps, start = [], 0
    for item in text.split(","):
        size, ops = item.split(":")
        b = int(size[:-1]) * UNITS[size[-1].lower()] if size[-1].lower() in UNITS else int(size)
        steps.append((b, start, start + int(ops)))
        start += int(ops)
    return steps


def estimates(path, period_ms):
    """(progress at the previous step, progress at this step, estimate) for each estimate."""
    rows = list(csv.DictReader(open(path)))
    first = next((i for i, r in enumerate(rows) if r["wss_bytes"] != ""), None)
    if first is None:
        sys.exit(f"{path}: no wss_bytes figure (was the run made with --wss?)")
    out, prev = [], first
    t_next = float(rows[first]["time_ms"]) + period_ms
    for i in range(first + 1, len(rows)):
        t = float(rows[i]["time_ms"])
        if t < t_next:
            continue
        t_next = t + period_ms
        if rows[i]["phase"] == "1" and rows[i]["wss_bytes"] != "":
            out.append((int(rows[prev]["progress"]), int(rows[i]["progress"]), int(rows[i]["wss_bytes"])))
        prev = i
    return out


def by_step(ests, steps, lag):
    per = [[] for _ in steps]
    for p0, p1, v in ests:
        for k, (size, s, e) in enumerate(steps):
            if p1 - p0 >= 5 * size // 4096 + 2 * lag and p0 >= s + (e - s) // 20 and p1 <= e - (e - s) // 100:
                per[k].append(v)
    return per


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ws", required=True)
    ap.add_argument("--period-ms", type=float, default=100.0)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--lag-ops", type=int, default=20000,
                    help="how far behind the progress column may be (kvm: 500 us of touches)")
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args()
    steps = parse_ws(a.ws)
    ref = by_step(estimates(a.ref, a.period_ms), steps, a.lag_ops)
    runs = [by_step(estimates(p, a.period_ms), steps, a.lag_ops) for p in a.runs]
    all_err, all_ref = [], []
    print(f"{'step':>4} {'size':>8} {'ref n':>5} {'ref MiB':>8} {'run n':>5} {'run MiB':>8} {'MAE MiB':>8} {'MAE rel':>8}")
    for k, (size, _, _) in enumerate(steps):
        vals = [v for r in runs for v in r[k]]
        if not ref[k] or not vals:
            print(f"{k + 1:>4} {size / MIB:>7.0f}m {len(ref[k]):>5} {'-':>8} {len(vals):>5}   (no estimate in this step)")
            continue
        rm = sum(ref[k]) / len(ref[k])
        err = [abs(v - rm) for v in vals]
        all_err += err
        all_ref += [rm] * len(err)
        mae = sum(err) / len(err)
        print(f"{k + 1:>4} {size / MIB:>7.0f}m {len(ref[k]):>5} {rm / MIB:>8.2f} {len(vals):>5} "
              f"{sum(vals) / len(vals) / MIB:>8.2f} {mae / MIB:>8.2f} {mae / rm:>8.3f}")
    if not all_err:
        sys.exit("no step had estimates from both the reference and the runs")
    mae = sum(all_err) / len(all_err)
    print(f"all: {len(all_err)} estimates, MAE {mae / MIB:.2f} MiB, relative {mae / (sum(all_ref) / len(all_ref)):.3f} "
          f"(of the mean reference figure)")


if __name__ == "__main__":
    main()
