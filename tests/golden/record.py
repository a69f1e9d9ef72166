#!/usr/bin/env python3
# record.py — regenerates tests/golden/single_vm.json: runs every command line of cases.txt
# with a given memvirt binary (--runs times each), keeps the deterministic fields of each
# result document, and refuses to record a field that differs between the runs.
# Only for re-recording (python3, standard library); the test itself is C (test_golden.c).
#
#   tests/golden/record.py /tmp/memvirt-before/build/vmm/memvirt > tests/golden/single_vm.json
#
# What is recorded, per platform (docs/result-schema.md names the fields):
#   every platform  result.checksum, result.ops
#   sim             mmu.* and mmu.kernel.* (modeled_cycles included), exits.*, faults.guest,
#                   memory.frames.*, shadow.* (shadow strategy)
#   kvm             exits.*, faults.guest
# Left out as timing- or host-dependent: times and rates (result.*_s, ops_per_s), exit_costs,
# kvm_stats (host KVM counters: preemption, host interrupts), faults.host_*, memory.host_* and,
# on kvm, memory.frames (found by pagemap passes: host THP and khugepaged decide what is mapped),
# telemetry, dips, context. Kept with a caveat: kvm shadow's exits.hidden_fault (and so
# exits.total) also counts spurious faults retried after a host MMU flush (vmm/kvm/kvm_shadow.c);
# none occurred here (3 runs per case, on a loaded 2-CPU host), a host whose flushes behave
# differently could see some.
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOTS = {
    "native": ["result.checksum", "result.ops"],
    "sim": ["result.checksum", "result.ops", "mmu", "exits", "faults.guest", "memory.frames", "shadow"],
    "kvm": ["result.checksum", "result.ops", "exits", "faults.guest"],
}


def lookup(doc, path):
    for key in path.split("."):
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def leaves(value, path, out):
    """Every non-null integer or string under value, keyed by its dotted path."""
    if isinstance(value, dict):
        for k, v in value.items():
            leaves(v, path + "." + k, out)
    elif isinstance(value, (int, str)) and not isinstance(value, bool):
        out[path] = value


def run_once(binary, args, tmp):
    path = os.path.join(tmp, "r.json")
    proc = subprocess.run([binary] + args + ["--json", path, "--no-progress"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit("record.py: memvirt %s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr))
    with open(path) as f:
        return json.load(f)


def record(binary, args, runs, tmp):
    platform = args[args.index("--platform") + 1] if "--platform" in args else "native"
    seen, tool = [], None
    for _ in range(runs):
        doc = run_once(binary, args, tmp)
        tool = doc["tool"]["git"]
        fields = {}
        for root in ROOTS[platform]:
            leaves(lookup(doc, root), root, fields)
        seen.append(fields)
    for path in seen[0]:
        values = [f.get(path) for f in seen]
        if any(v != values[0] for v in values):
            sys.exit("record.py: memvirt %s: %s differs between runs (%s): not deterministic" %
                     (" ".join(args), path, values))
    return {"args": args, "platform": platform, "expect": seen[0]}, tool


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: record.py MEMVIRT [CASES [RUNS]]  > single_vm.json")
    binary = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    cases_file = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "cases.txt")
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    cases, tools = [], set()
    with tempfile.TemporaryDirectory(prefix="memvirt-record-") as tmp, open(cases_file) as f:
        for line in f:
            args = shlex.split(line, comments=True)
            if args:
                case, tool = record(binary, args, runs, tmp)
                cases.append(case)
                tools.add(tool)
    doc = {
        "about": "Checksums and counters of single-VM runs, recorded by tests/golden/record.py from "
                 "cases.txt (each run %d times, every recorded field equal in all); checked by "
                 "tests/golden/test_golden.c." % runs,
        "recorded_with": sorted(tools),
        "cases": cases,
    }
    write(doc, sys.stdout)


def write(doc, out):
    """indent-2 JSON, but each case's args on one line: one field per line in the diffs."""
    text = json.dumps(doc, indent=2)
    out.write(re.sub(r'"args": \[[^\]]*\]', lambda m: json.dumps(json.loads("{" + m.group(0) + "}"))[1:-1],
                     text) + "\n")


if __name__ == "__main__":
    main()
