#!/bin/bash
# Counts the user-space instructions of one send→ACK round trip with callgrind: the benchmark's two
# clients (and its typing and waiting), not the server, which runs apart. Two runs, with 100 and 2,100
# measured round trips; the difference over 2,000 is one round trip. Deterministic to about 1,000.
# Usage: Benchmarks/count-instructions.sh [path to a release udpchat-bench]
set -euo pipefail
bench=${1:-$(dirname "$0")/.build/release/udpchat-bench}
command -v valgrind >/dev/null || { echo "count-instructions: valgrind is not installed (apt-get install valgrind)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() {
    mkfifo "$work/port" "$work/stdin"
    exec 3<>"$work/stdin"  # the server serves until its standard input closes: held open here
    "$bench" --serve memory <&3 > "$work/port" &
    local server=$!
    read -r port < "$work/port"
    # valgrind keeps descriptors at the top of the limit; a lower limit leaves them out of the clients' way.
    (ulimit -n 1024; UDPCHAT_BENCH_SERVER_PORT=$port UDPCHAT_BENCH_ONLY=latency UDPCHAT_BENCH_LATENCY_ROUNDS=$1 \
        valgrind --tool=callgrind --callgrind-out-file="$work/out.$1" "$bench" > /dev/null 2>&1)
    exec 3>&-
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -f "$work/port" "$work/stdin"
    grep '^summary:' "$work/out.$1" | awk '{print $2}'
}
short=$(count 100)
long=$(count 2100)
echo "instructions per send→ACK round trip: $(( (long - short) / 2000 ))"
