/// The fixed numbers of the wire format.
public enum WireLimits {
    /// No datagram, sent or accepted, is longer than this; it stays under common path MTUs.
    public static let maxDatagramBytes = 1_200
    /// The header: magic (2), version (1), kind (1), message id (8).
    public static let headerBytes = 12
    /// The two magic bytes, "CK".
    public static let magic: (UInt8, UInt8) = (0x43, 0x4B)
    /// What sealing adds to a packet sent to a peer: the outer header, the receiver's index and the tag.
    public static let sealingOverheadBytes = headerBytes + 4 + 16
    /// Most chat ids one `chat-acks` carries, sealed: header, count, then 8 bytes each, inside a `sealed`.
    public static let maxAcksPerDatagram = (maxDatagramBytes - sealingOverheadBytes - headerBytes - 2) / 8
    /// The protocol version this build speaks.
    public static let version: UInt8 = 12
}
