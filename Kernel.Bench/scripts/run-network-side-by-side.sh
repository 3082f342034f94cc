#!/bin/bash
# BioNetGen's run_network and this repository's exact SSA, taking turns on one network.
# Usage: RUN_NETWORK=/path/to/run_network [RNRUNS=2] [CPU=k] run-network-side-by-side.sh ROUNDS NET.net T_END REPEATS ALGORITHM...
# CPU=k runs both on core k only (taskset): on a virtual machine the cores need not be alike (on the 2-core build
# machine one ran both programs 25-40 % slower than the other), and a process that lands on either mixes them. With
# one core the runtime's tiered compilation put the trial loop's optimized code in place only after ~2.5 s (its
# call-counting delay, 100 ms, kept being extended); DOTNET_TC_CallCountingDelayMs=0 is then set so that repeat 1 on
# runs the code the later repeats run.
# run_network (BioNetGen's bng2/Network3, built separately with -O3; nothing of it is in this repository) runs
# its direct method ('-p ssa') RNRUNS times per round and reports the CPU seconds of its propagation; then
# 'Kernel.Bench throughput' runs REPEATS trajectories of each ALGORITHM, with the process's CPU time per run.
# Both sides time only their firing loop (not reading or compiling the network). ALGORITHM may be c or c-spdm, the C
# programs of Kernel.Bench/Baseline (c-spdm fires what spdm fires, and each repeat says so). Build Kernel.Bench first:
# dotnet build Kernel.Bench -c Release.
# The last lines give, per algorithm, firings per CPU second over each round and over all rounds (total firings over
# total CPU seconds; repeat 0 of each process, which includes compiling the code, is left out) and the ratio to
# run_network's firings per CPU second over the same round or rounds.
set -euo pipefail
ROUNDS=$1; NET=$(realpath "$2"); TEND=$3; REPEATS=$4; shift 4
BENCH=$(dirname "$(realpath "$0")")/../bin/Release/net10.0
OUT=$(mktemp -d)
PIN=(); if [ -n "${CPU:-}" ]; then PIN=(taskset -c "$CPU"); export DOTNET_TC_CallCountingDelayMs=0; fi
for r in $(seq "$ROUNDS"); do
  for s in $(seq "${RNRUNS:-2}"); do
    seed=$((41 + s + 2 * r))
    log=$("${PIN[@]}" "$RUN_NETWORK" -o "$OUT/rn" -p ssa -h "$seed" --cdat 0 --fdat 0 "$NET" "$TEND" 1 2>&1)
    steps=$(awk '/TOTAL STEPS/ {print $3}' <<< "$log"); cpu=$(awk '/Propagation took/ {print $3}' <<< "$log")
    awk -v r="$r" -v s="$seed" -v n="$steps" -v c="$cpu" 'BEGIN {printf "round %d run_network seed %d: %d firings, propagation %.2f CPU s = %.3f M firings/s\n", r, s, n, c, n / c / 1e6}'
  done
  (cd "$BENCH" && "${PIN[@]}" dotnet Kernel.Bench.dll throughput "$NET@$TEND" "$REPEATS" "$@" | grep " rep " | sed "s/^/round $r /")
done | tee "$OUT/log"
awk '
  / run_network seed / { f["run_network", $2] += $6; c["run_network", $2] += $9; names["run_network"] = 1; rounds[$2] = 1 }
  / rep [0-9]+: .* events/ && !/ rep 0:/ {
    line = $0; sub(/.*CPU +/, "", line); split(line, w, " ");
    n = $6; gsub(",", "", n); f[$3, $2] += n; c[$3, $2] += w[1]; names[$3] = 1 }
  END {
    for (a in names) if (a != "run_network") {
      F = 0; C = 0; RF = 0; RC = 0; per = "";
      for (r in rounds) {
        F += f[a, r]; C += c[a, r]; RF += f["run_network", r]; RC += c["run_network", r];
        if (c[a, r] > 0) per = per sprintf(" %.1fx", (f[a, r] / c[a, r]) / (f["run_network", r] / c["run_network", r])) }
      printf "%s: %.2f M firings/CPU s, run_network %.2f: %.2fx over all rounds; per round:%s\n", a, F / C / 1e6, RF / RC / 1e6, (F / C) / (RF / RC), per }
  }' "$OUT/log"
rm -rf "$OUT"
