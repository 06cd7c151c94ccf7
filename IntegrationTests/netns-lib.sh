# Shared by the namespace tests (IntegrationTests/real-loss-test.sh, IntegrationTests/nat-test.sh); source it after `cd`.

# Exits 0 with a SKIP line unless this is root with nft and ip; then builds udpchat and sets $bin.
# $1 names the test in the messages.
netns_prepare() {
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP $1: needs root to create network namespaces"; exit 0
    fi
    if ! command -v nft >/dev/null || ! command -v ip >/dev/null; then
        echo "SKIP $1: nft or ip is missing (apt-get install nftables iproute2)"; exit 0
    fi
    swift build --product udpchat >/dev/null || { echo "FAIL: build"; exit 1; }
    bin=$(swift build --product udpchat --show-bin-path)/udpchat
}

# Waits up to $3 seconds (default 20) for file $1 to hold more than $4 (default 0) lines with the fixed
# string $2.
wait_for() {
    local deadline=$((SECONDS + ${3:-20}))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(grep -cF -- "$2" "$1" 2>/dev/null || true)" -gt "${4:-0}" ] && return 0
        sleep 0.02
    done
    return 1
}

# Ends a run: stops the processes in $pids; on failures (the $failures count), shows the tail of every
# output file in $work and exits 1 with "$1: N failure(s) $2".
netns_end_run() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [ "$failures" -gt 0 ]; then
        for file in "$work"/out-* "$work"/server; do echo "--- $(basename "$file")"; tail -25 "$file"; done
        echo "$1: $failures failure(s) $2"
        exit 1
    fi
}
