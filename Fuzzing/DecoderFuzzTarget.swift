// libFuzzer entry point for the ChatKit wire decoder. Built by Fuzzing/fuzz-decoder.sh together with
// the ChatKitCore sources; not part of the Swift package.

/// Decodes one input; anything that decodes must encode back to the same bytes and decode to the same
/// packet. A crash, a sanitizer report or a broken round trip is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let packet = try? Packet(decoding: bytes) else { return 0 }
    guard let encoded = try? packet.encoded(), encoded == bytes, (try? Packet(decoding: encoded)) == packet else {
        preconditionFailure("round trip broke for \(bytes)")
    }
    return 0
}
