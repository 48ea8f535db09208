#!/usr/bin/env bash
# Measures a 3-node rawblock cluster against one node alone, in one run: redis-benchmark SET and
# GET of large values, alternating between `redis-benchmark --cluster` on the three nodes and plain
# redis-benchmark on a standalone node, and prints the medians and the ratio. All processes share
# this machine's disk and cores, so the ratio says what routing costs here, not what three
# machines would give.
#
# Two things make a naive run unfair to the cluster, and are taken out here:
# - JIT warm-up: each of the three JVMs compiles the same hot code, and in a run of a few seconds
#   that costs the cluster up to a third of its CPU on a 2-core machine. Both sides are warmed
#   first so that every JVM has served the same number of requests (the cluster gets three times
#   the single node's warm-up), and what is measured is the steady state an operator sees.
# - redis-benchmark --cluster ends its run on a quarter-second tick (a 64-request run takes
#   0.52 s against 0.35 s for the single node), and its rate is requests over that time. So the
#   rate is taken here as requests over the wall time of the whole run on both sides, and runs are
#   long (REQUESTS default 2048, about 8 GB) so that the tick weighs little.
#
# Usage: scripts/bench-cluster.sh [RUNS] [VALUE_BYTES] [REQUESTS] [CLIENTS]   (defaults 5 4194304 2048 8)
# Scratch files go to ${BENCH_DIR:-./data/bench-cluster} and are removed at the end; SERVE_FLAGS
# adds flags to every serve (e.g. SERVE_FLAGS=--no-flush).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=${1:-5} SIZE=${2:-4194304} REQUESTS=${3:-2048} CLIENTS=${4:-8}
DIR=${BENCH_DIR:-$ROOT/data/bench-cluster}
command -v redis-benchmark >/dev/null || { echo "bench-cluster: redis-benchmark not found (Debian: redis-tools)" >&2; exit 1; }
mkdir -p "$DIR"
PORTS=(7101 7102 7103) SINGLE=7104
NODES="127.0.0.1:${PORTS[0]},127.0.0.1:${PORTS[1]},127.0.0.1:${PORTS[2]}"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

serve() { # name port [more flags]
  local name=$1 port=$2; shift 2
  # shellcheck disable=SC2086 # SERVE_FLAGS is a list of words
  "$ROOT/rawblock" serve --path "$DIR/$name.img" --capacity 2g --port "$port" --lm-port -1 ${SERVE_FLAGS:-} "$@" \
    2>"$DIR/$name.log" &
  PIDS+=($!)
}
ready() { # port
  for _ in $(seq 1 300); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench-cluster: the node on port $1 did not start: $(cat "$DIR"/*.log)" >&2
  exit 1
}

"$ROOT/rawblock" --help >/dev/null # builds the jar once, before four servers start
for i in 0 1 2; do serve "node$i" "${PORTS[$i]}" --cluster-nodes "$NODES"; done
serve single "$SINGLE"
for p in "${PORTS[@]}" "$SINGLE"; do ready "$p"; done

rate() { # test, then redis-benchmark's connection flags; prints requests per second of wall time
  local test=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  redis-benchmark "$@" -t "$test" -n "$REQUESTS" -c "$CLIENTS" -d "$SIZE" -r 64 -q >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v n="$REQUESTS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", n / (b - a) }'
}
warm() { # requests, then connection flags: SET and GET, not measured
  local n=$1; shift
  redis-benchmark "$@" -t set,get -n "$n" -c "$CLIENTS" -d "$SIZE" -r 64 -q >/dev/null 2>&1
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The same warm-up per JVM: 1024 requests of each test for the single node, 3 x 1024 for the cluster.
warm 1024 -p "$SINGLE"
warm 3072 --cluster -p "${PORTS[0]}"
: >"$DIR/one.set"; : >"$DIR/one.get"; : >"$DIR/three.set"; : >"$DIR/three.get"
for run in $(seq 1 "$RUNS"); do
  # Alternate which side goes first: this disk is faster for whatever touched it last.
  for side in $([ $((run % 2)) -eq 1 ] && echo "one three" || echo "three one"); do
    if [ "$side" = one ]; then flags=(-p "$SINGLE"); else flags=(--cluster -p "${PORTS[0]}"); fi
    rate set "${flags[@]}" >>"$DIR/$side.set"
    rate get "${flags[@]}" >>"$DIR/$side.get"
  done
  echo "run $run/$RUNS: one node SET $(tail -1 "$DIR/one.set") GET $(tail -1 "$DIR/one.get") req/s;" \
       "3 nodes SET $(tail -1 "$DIR/three.set") GET $(tail -1 "$DIR/three.get") req/s" >&2
done

gbps() { awk -v r="$1" -v s="$SIZE" 'BEGIN { printf "%.2f", r * s / 1e9 }'; }
for op in set get; do
  one=$(median <"$DIR/one.$op") three=$(median <"$DIR/three.$op")
  printf '%s: one node %s GB/s, 3 nodes %s GB/s, 3 nodes / one %.2f (medians of %d runs, %d-byte values, %d clients, %d requests, after warm-up)\n' \
    "${op^^}" "$(gbps "$one")" "$(gbps "$three")" "$(awk -v a="$three" -v b="$one" 'BEGIN { print a / b }')" \
    "$RUNS" "$SIZE" "$CLIENTS" "$REQUESTS"
done
