#!/bin/bash
# BioNetGen's run_network and this repository's exact SSA, taking turns on one network.
# Usage: RUN_NETWORK=/path/to/run_network [RNRUNS=2] run-network-side-by-side.sh ROUNDS NET.net T_END REPEATS ALGORITHM...
# run_network (BioNetGen's bng2/Network3, built separately with -O3; nothing of it is in this repository) runs
# its direct method ('-p ssa') RNRUNS times per round and reports the CPU seconds of its propagation; then
# 'Kernel.Bench throughput' runs REPEATS trajectories of each ALGORITHM, with the process's CPU time per run.
# Both sides time only their firing loop (not reading or compiling the network). Build Kernel.Bench first:
# dotnet build Kernel.Bench -c Release.
set -euo pipefail
ROUNDS=$1; NET=$(realpath "$2"); TEND=$3; REPEATS=$4; shift 4
BENCH=$(dirname "$(realpath "$0")")/../bin/Release/net10.0
OUT=$(mktemp -d)
for r in $(seq "$ROUNDS"); do
  for s in $(seq "${RNRUNS:-2}"); do
    seed=$((41 + s + 2 * r))
    log=$("$RUN_NETWORK" -o "$OUT/rn" -p ssa -h "$seed" --cdat 0 --fdat 0 "$NET" "$TEND" 1 2>&1)
    steps=$(awk '/TOTAL STEPS/ {print $3}' <<< "$log"); cpu=$(awk '/Propagation took/ {print $3}' <<< "$log")
    awk -v r="$r" -v s="$seed" -v n="$steps" -v c="$cpu" 'BEGIN {printf "round %d run_network seed %d: %d firings, propagation %.2f CPU s = %.3f M firings/s\n", r, s, n, c, n / c / 1e6}'
  done
  (cd "$BENCH" && dotnet Kernel.Bench.dll throughput "$NET@$TEND" "$REPEATS" "$@" | grep " rep " | sed "s/^/round $r /")
done
rm -rf "$OUT"
