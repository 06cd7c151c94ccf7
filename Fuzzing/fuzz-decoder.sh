#!/usr/bin/env bash
# Fuzzes the wire decoder with libFuzzer for a given time.
#   Fuzzing/fuzz-decoder.sh [seconds]   (default 60)
# Builds ChatKitCore's sources with the fuzz target under -sanitize=fuzzer,address into .build/fuzz,
# seeds the corpus with the protocol document's test vectors, and runs. Findings land in .build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build/fuzz
mkdir -p "$out/corpus"

# ChatKitCore imports ChatKitCrypto (on the system's libcrypto): build it as a module of its own first.
swiftc -O -sanitize=address -parse-as-library -module-name ChatKitCrypto -I Sources/CCrypto \
    -emit-module -emit-module-path "$out/ChatKitCrypto.swiftmodule" -emit-library -static \
    -o "$out/libChatKitCrypto.a" Sources/ChatKitCrypto/*.swift
mapfile -t sources < <(find Sources/ChatKitCore -name '*.swift' | sort)
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name ChatKitFuzz -I "$out" -I Sources/CCrypto \
    "${sources[@]}" Fuzzing/DecoderFuzzTarget.swift -L "$out" -lChatKitCrypto -lcrypto -o "$out/decoder-fuzzer" 2>&1 \
    | grep -v 'ld.gold: warning: Cannot export local symbol' || true

# Seeds: every test vector in docs/PROTOCOL.md (one valid datagram of every kind, in the current
# protocol version), so the corpus never falls behind the format.
python3 - "$out/corpus" <<'PY'
import pathlib, re, sys
text = pathlib.Path("docs/PROTOCOL.md").read_text()
for name, block in re.findall(r"<!-- vector: (\S+) -->\n```\n(.*?)```", text, re.S):
    pathlib.Path(sys.argv[1], name).write_bytes(bytes.fromhex(block))
PY

cd "$out"
./decoder-fuzzer -max_total_time="$seconds" -max_len=1400 -print_final_stats=1 corpus 2>&1 | tail -n 25
