#!/usr/bin/env bash
# Fuzzes the wire decoder with libFuzzer for a given time.
#   scripts/fuzz-decoder.sh [seconds]   (default 60)
# Builds ChatKitCore's sources with the fuzz target under -sanitize=fuzzer,address into .build/fuzz,
# seeds the corpus with one valid datagram of every kind, and runs. Findings land in .build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build/fuzz
mkdir -p "$out/corpus"

mapfile -t sources < <(find Sources/ChatKitCore -name '*.swift' | sort)
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name ChatKitFuzz \
    "${sources[@]}" scripts/fuzz/DecoderFuzzTarget.swift -o "$out/decoder-fuzzer" 2>&1 \
    | grep -v 'ld.gold: warning: Cannot export local symbol' || true

# Seeds: one datagram per kind, header 43 4B 02 <kind> and a zero id, then a plausible body.
printf 'CK\x02\x01\0\0\0\0\0\0\0\x01\0\x01x\0\0\0\0\0\0\0\0' > "$out/corpus/register"
printf 'CK\x02\x06\0\0\0\0\0\0\0\x2a\0\x01x\0\x05hello' > "$out/corpus/chat"
printf 'CK\x02\x05\0\0\0\0\0\0\0\x10\1\2\3\4\5\6\7\x08\0\0\0\0\0\0\0\x03\0\0\0\x01\0\x01\0\x01x\0\x03::1\x17\xad\x01' > "$out/corpus/table"
printf 'CK\x02\x0a\0\0\0\0\0\0\0\x11\1\2\3\4\5\6\7\x08\0\x01\0\x01y\0\0\0\0\0\0\0\x2b\0\x05\x51\xe2\x78\xf7\x8b\x87\0\x08offline?' > "$out/corpus/batch"

cd "$out"
./decoder-fuzzer -max_total_time="$seconds" -max_len=1400 -print_final_stats=1 corpus 2>&1 | tail -n 25
