#!/usr/bin/env bash
# The udpchat binary, as a server and three clients, in a network namespace whose loopback drops 20% (or the given percent) of
# UDP datagrams at random (nftables: meta l4proto udp numgen random mod 100 < 20 drop). It checks
# registration, chat both ways with each message shown once, the offline store and re-registration, and
# a live holder keeping its nickname against a second process. Traffic stays inside the namespace.
#
# Usage: IntegrationTests/real-loss-test.sh [runs] [loss-percent]   (root; skips with a message otherwise)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
loss=${2:-20}

. IntegrationTests/netns-lib.sh
netns_prepare "real-loss test"

ns="ckloss$$"
work=$(mktemp -d)
export XDG_DATA_HOME=$work/share  # keys and outboxes stay in the test's folder
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns" || { echo "SKIP real-loss test: cannot create a network namespace here"; exit 0; }
ip -n "$ns" link set lo up
ip netns exec "$ns" nft -f - <<NFT || { echo "FAIL: nftables rule"; exit 1; }
table inet loss {
    chain out {
        type filter hook output priority 0;
        meta l4proto udp numgen random mod 100 < $loss drop
    }
}
NFT

failures=0
fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }

# Waits up to 20 seconds for file $1 to contain more than $3 lines with the fixed string $2.
wait_for_more() { wait_for "$1" "$2" 20 "$3"; }

# Starts a client whose input is a FIFO kept open on file descriptor $3.
start_client() {  # nick port fd
    mkfifo "$work/in-$1-$2"
    ip netns exec "$ns" "$bin" -c "$1" 127.0.0.1 6000 "$2" <"$work/in-$1-$2" >"$work/out-$1-$2" 2>&1 &
    pids+=($!)
    eval "exec $3>\"$work/in-$1-$2\""
}


for run in $(seq 1 "$runs"); do
    echo "== real loss run $run of $runs ($loss% of UDP dropped)"
    rm -rf "$work"/*
    pids=()
    ip netns exec "$ns" "$bin" -s 6000 --data-dir "$work/data" >"$work/server" 2>&1 &
    pids+=($!)
    sleep 0.3
    start_client x 6061 5
    start_client y 6062 6
    start_client z 6063 7
    for nick in x y z; do
        port=$((6061 + $(printf '%d' "'$nick") - 120))
        wait_for "$work/out-$nick-$port" "[Welcome, You are registered.]" || fail "$nick was not registered"
    done
    # Everyone must see everyone before chatting: tables converge under loss.
    sleep 3

    echo "send y hello from x $run" >&5
    echo "send x hello from y $run" >&6
    # A chat whose two direct tries are both lost (4% at 20% loss) arrives from the server instead, shown
    # with the time it was saved ("y: <time> text"): either form counts, but only once.
    wait_for "$work/out-y-6062" "hello from x $run" || fail "y did not show x's message"
    wait_for "$work/out-x-6061" "hello from y $run" || fail "x did not show y's message"
    wait_for "$work/out-x-6061" "[Message received by <y>.]" 10 || wait_for "$work/out-x-6061" "[Messages received by the server and saved.]" 10 \
        || fail "x's send ended in no outcome"

    echo "dereg z" >&7
    wait_for "$work/out-z-6063" "[You are Offline. Bye.]" || fail "z did not go offline"
    # x may have seen "saved" already (a chat to y whose ACK was lost): wait for one more.
    saved=$(grep -cF "[Messages received by the server and saved.]" "$work/out-x-6061" || true)
    echo "send z stored for z $run" >&5
    wait_for_more "$work/out-x-6061" "[Messages received by the server and saved.]" "$saved" || fail "x's message to z was not saved"
    echo "reg z" >&7
    wait_for "$work/out-z-6063" "[Welcome back, you are re-registered.]" || fail "z did not re-register"
    wait_for "$work/out-z-6063" "> stored for z $run" || fail "z did not get its stored message"

    # A second process under x's nickname, while x is up and answering: on this host x's lock refuses it at once.
    mkfifo "$work/in-x-6071"
    ip netns exec "$ns" "$bin" -c x 127.0.0.1 6000 6071 <"$work/in-x-6071" >"$work/out-x-6071" 2>&1 &
    impostor=$!
    pids+=($impostor)
    exec 8>"$work/in-x-6071"
    wait_for "$work/out-x-6071" "already" 15 || fail "a second x was not refused (here at once: x is already running here; from elsewhere after the probes: already in use)"
    grep -qF "[Welcome" "$work/out-x-6071" && fail "a second x took the nickname from the live holder"
    exec 8>&-
    echo "send x still yours $run" >&6
    wait_for "$work/out-x-6061" "still yours $run" || fail "x no longer receives its messages"

    sleep 2
    for file in "$work"/out-x-6061 "$work"/out-y-6062 "$work"/out-z-6063; do
        for text in "hello from x $run" "hello from y $run" "still yours $run"; do
            n=$(grep -cF -- "$text" "$file" || true)
            [ "${n:-0}" -le 1 ] || fail "$(basename "$file") showed \"$text\" $n times"
        done
        n=$(grep -cF "> stored for z $run" "$file" || true)
        [ "${n:-0}" -le 1 ] || fail "$(basename "$file") showed the stored message $n times"
    done
    exec 5>&- 6>&- 7>&-
    netns_end_run "real-loss test" "in run $run"
done
echo "real-loss test: $runs passed, 0 failed"
