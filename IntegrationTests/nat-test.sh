#!/usr/bin/env bash
# The udpchat binary across real NATs: network namespaces that this script creates and removes.
#
#   "internet" (a bridge, 198.51.100.0/24): the server 198.51.100.1:6000, a public client p 198.51.100.7,
#   and two home routers, A (wan 198.51.100.11) and B (wan 198.51.100.12), that masquerade with nftables
#   (oifname "wan" masquerade: port-preserving, address-and-port-dependent filtering, no hairpinning)
#   and, as home routers do, drop unsolicited datagrams from the wan to the router itself.
#   Home A (10.1.0.0/24) holds x (10.1.0.2) and w (10.1.0.3); home B (10.2.0.0/24) holds y (10.2.0.2),
#   and later v (also 10.2.0.2), once router B is symmetric.
#
# Each run checks, first without loss and then with 10% of forwarded UDP dropped by both routers:
#   - x and y, in two homes: every message ACKed by the peer; without loss none is handed to the server;
#   - x and w, behind one router that does not hairpin: direct, on their local addresses;
#   - p and y, public and home: direct, whoever starts;
#   - then router B turns symmetric (masquerade random) and v starts behind it: every message from x to
#     v still ACKed, live through the server's relay, and nothing stored;
#   - and a router without the wan input filter: its conntrack keeps the unsolicited first datagram, so
#     its own punch leaves from another port (a port clash) and the peers fall back to the relay; every
#     message is still ACKed.
#
# Why the input filter matters: Linux conntrack records an unsolicited datagram to the router itself
# (one with no listener) as a flow. When the inside host then punches toward that sender, masquerade
# finds the port taken and picks another, so the peer's router, expecting the old port, drops the punch.
# Home routers drop unsolicited wan traffic before conntrack confirms it (OpenWrt's wan zone rejects
# input, for one), and then punching works.
# Every message must be shown exactly once. Only addresses inside these namespaces are used.
#
# Usage: IntegrationTests/nat-test.sh   (root; skips with a message otherwise)
set -uo pipefail
cd "$(dirname "$0")/.."

. IntegrationTests/netns-lib.sh
netns_prepare "NAT test"

p="ck$$"
inet=${p}i; srv=${p}s; pub=${p}p; ra=${p}ra; rb=${p}rb; a1=${p}a1; a2=${p}a2; b1=${p}b1
all=("$inet" "$srv" "$pub" "$ra" "$rb" "$a1" "$a2" "$b1")
work=$(mktemp -d)
export XDG_DATA_HOME=$work/share
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    for ns in "${all[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

for ns in "${all[@]}"; do
    ip netns add "$ns" || { echo "SKIP NAT test: cannot create network namespaces here"; exit 0; }
    ip -n "$ns" link set lo up
done
# The internet: one bridge; the server, the public client and the routers' wan ports plug into it.
ip -n "$inet" link add br0 type bridge && ip -n "$inet" link set br0 up
plug() {  # namespace interface-name address/prefix
    ip link add "$2" netns "$1" type veth peer name "$1" netns "$inet"
    ip -n "$inet" link set "$1" master br0 up
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" up
}
plug "$srv" eth0 198.51.100.1/24
plug "$pub" eth0 198.51.100.7/24
plug "$ra" wan 198.51.100.11/24
plug "$rb" wan 198.51.100.12/24
# Each home: a bridge in its router, and a veth to each host, whose default route is the router.
home() {  # router lan-address/prefix gateway host-namespace host-address ...
    local router=$1 lan=$2 gateway=$3
    shift 3
    ip -n "$router" link add lan type bridge
    ip -n "$router" addr add "$lan" dev lan
    ip -n "$router" link set lan up
    while [ $# -gt 0 ]; do
        ip link add eth0 netns "$1" type veth peer name "$1" netns "$router"
        ip -n "$router" link set "$1" master lan up
        ip -n "$1" addr add "$2/24" dev eth0
        ip -n "$1" link set eth0 up
        ip -n "$1" route add default via "$gateway"
        shift 2
    done
    ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
}
home "$ra" 10.1.0.1/24 10.1.0.1 "$a1" 10.1.0.2 "$a2" 10.1.0.3
home "$rb" 10.2.0.1/24 10.2.0.1 "$b1" 10.2.0.2

# Router rules: masquerade (optionally with random ports: a symmetric NAT), loss on forwarded UDP, and
# (unless $4 is "open") the home router's drop of unsolicited wan input.
router_rules() {  # router loss-percent [random|""] [open]
    local input="iifname \"wan\" ct state new drop"
    [ "${4:-}" = open ] && input=""
    ip netns exec "$1" nft flush ruleset
    ip netns exec "$1" nft -f - <<NFT || { echo "FAIL: nftables rules"; exit 1; }
table inet firewall {
    chain input {
        type filter hook input priority 0;
        $input
    }
}
table ip nat {
    chain postrouting {
        type nat hook postrouting priority 100;
        oifname "wan" masquerade ${3:-}
    }
}
table inet loss {
    chain forward {
        type filter hook forward priority 0;
        meta l4proto udp numgen random mod 100 < $2 drop
    }
}
NFT
}

failures=0
fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }

start_client() {  # namespace nick port fd
    mkfifo "$work/in-$2"
    ip netns exec "$1" "$bin" -c "$2" 198.51.100.1 6000 "$3" <"$work/in-$2" >"$work/out-$2" 2>&1 &
    pids+=($!)
    eval "exec $4>\"$work/in-$2\""
}

out() { echo "$work/out-$1"; }

# Sends $3 messages from $1 to $2 (typing on fd $4) and checks each ends ACKed by the peer; prints the
# milliseconds from typing the first to its ACK.
converse() {  # sender recipient count fd label
    local sender=$1 recipient=$2 count=$3 fd=$4 label=$5 first_ms=""
    for i in $(seq 1 "$count"); do
        local acked
        acked=$(grep -cF "[Message received by <$recipient>.]" "$(out "$sender")" || true)
        local start
        start=$(date +%s%N)
        echo "send $recipient $label $sender-$i" >&"$fd"
        if wait_for "$(out "$sender")" "[Message received by <$recipient>.]" 10 "$acked"; then
            [ -z "$first_ms" ] && first_ms=$((($(date +%s%N) - start) / 1000000))
        else
            fail "$label: $sender's message $i to $recipient was not ACKed"
        fi
        wait_for "$(out "$recipient")" "$label $sender-$i" 10 || fail "$label: $recipient did not show $sender's message $i"
    done
    echo "${first_ms:-none}"
}

# Each message of the run shown exactly once by its recipient.
check_once() {  # label
    for nick in x w y p v u; do
        [ -f "$(out "$nick")" ] || continue
        grep -oE "$1 [a-z]-[0-9]+" "$(out "$nick")" | sort | uniq -d | while read -r dup; do
            fail "$nick showed \"$dup\" more than once"
        done
    done
}

no_ack_lines() { grep -cF "[No ACK from" "$(out "$1")" || true; }

for loss in 0 10; do
    echo "== NAT run with $loss% loss on the routers"
    rm -rf "${work:?}"/*
    pids=()
    router_rules "$ra" "$loss"
    router_rules "$rb" "$loss"
    ip netns exec "$srv" "$bin" -s 6000 --data-dir "$work/data" >"$work/server" 2>&1 &
    pids+=($!)
    sleep 0.3
    start_client "$a1" x 6061 5
    start_client "$a2" w 6062 6
    start_client "$b1" y 6063 7
    start_client "$pub" p 6064 8
    for nick in x w y p; do
        wait_for "$(out "$nick")" "[Welcome, You are registered.]" || fail "$nick was not registered"
    done
    sleep 2

    first=$(converse x y 5 5 "homes$loss")
    echo "  two homes: first message ACKed after ${first} ms (target ≤ 1000)"
    converse y x 5 7 "homes$loss" >/dev/null
    converse x w 3 5 "lan$loss" >/dev/null
    converse w x 3 6 "lan$loss" >/dev/null
    converse p y 3 8 "public$loss" >/dev/null
    converse y p 3 7 "public$loss" >/dev/null
    if [ "$loss" = 0 ]; then
        [ "$first" != none ] && [ "$first" -le 1000 ] || fail "the first message between homes took ${first} ms"
        for nick in x w y p; do
            n=$(no_ack_lines "$nick")
            [ "$n" = 0 ] || fail "$nick handed $n message(s) to the server without loss"
        done
    fi

    echo "  router B turns symmetric (masquerade random); v starts behind it"
    router_rules "$rb" "$loss" random
    start_client "$b1" v 6065 9
    wait_for "$(out v)" "[Welcome, You are registered.]" || fail "v was not registered"
    sleep 1
    before=$(no_ack_lines x)
    converse x v 5 5 "relay$loss" >/dev/null
    after=$(no_ack_lines x)
    echo "  symmetric NAT: $((after - before)) of 5 messages went to the relay after a 500 ms wait; the rest at once"
    [ "$loss" = 0 ] && [ $((after - before)) != 1 ] && fail "behind the symmetric NAT, $((after - before)) messages waited for the relay (1 expected)"
    grep -q "saved a message from x for v" "$work/server" && [ "$loss" = 0 ] && fail "a message to a live v was stored"

    echo "  router A drops its wan input filter (a port clash): messages still ACKed, through the relay"
    router_rules "$ra" "$loss" "" open
    router_rules "$rb" "$loss" "" open
    start_client "$a2" u 6066 10
    wait_for "$(out u)" "[Welcome, You are registered.]" || fail "u was not registered"
    sleep 1
    converse u y 3 10 "clash$loss" >/dev/null
    converse y u 3 7 "clash$loss" >/dev/null
    sleep 2
    for label in "homes$loss" "lan$loss" "public$loss" "relay$loss" "clash$loss"; do check_once "$label"; done

    exec 5>&- 6>&- 7>&- 8>&- 9>&- 10>&-
    netns_end_run "NAT test" "at $loss% loss"
done
echo "NAT test: passed (two homes, one home, public and home, symmetric NAT; 0% and 10% loss)"
