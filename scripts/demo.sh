#!/usr/bin/env bash
# demo.sh — quick start, first command: set up, build, and run the built-in demo experiment
# (native vs ept vs shadow on every workload); the report lands in results/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./build/vmm/memvirt demo "$@"
