#!/usr/bin/env bash
# Core time (user + system CPU seconds) of one population run against the same run as N shards plus
# `stochastic merge`, and of the run with and without its checkpoint; every pass is repeated and the
# passes interleaved, so that a shared machine's load falls on all of them alike (docs/performance.md,
# "Shards and checkpoints"). Usage: shard-overhead.sh [CELLS] [SHARDS] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cells=${1:-100}; shards=${2:-4}; repeats=${3:-2}
cli="dotnet Cli/bin/Release/net10.0/stochastic.dll"
study=Reactions/il2/study.study
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu() { /usr/bin/time -f "%U %S" -o "$work/t" "$@" > /dev/null 2>&1; awk '{ printf "%.2f", $1 + $2 }' "$work/t"; }
for r in $(seq 1 "$repeats"); do
  plain=$(cpu $cli population $study --cells "$cells" --threads 2 --checkpoint-every 0 --out "$work/plain-$r")
  every10=$(cpu $cli population $study --cells "$cells" --threads 2 --out "$work/ck10-$r")
  every1=$(cpu $cli population $study --cells "$cells" --threads 2 --checkpoint-every 1 --out "$work/ck1-$r")
  total=0
  for i in $(seq 1 "$shards"); do
    t=$(cpu $cli population $study --cells "$cells" --threads 2 --shard "$i/$shards" --out "$work/shards-$r")
    total=$(awk -v a="$total" -v b="$t" 'BEGIN { printf "%.2f", a + b }')
  done
  merge=$(cpu $cli merge "$work/shards-$r" --out "$work/merged-$r")
  for f in "$work/plain-$r"/*; do cmp -s "$f" "$work/merged-$r/$(basename "$f")" || { echo "merged $(basename "$f") differs" >&2; exit 1; }; done
  echo "repeat $r: plain $plain s; checkpoint every 10 s $every10 s; every 1 s $every1 s; $shards shards $total s + merge $merge s"
done
