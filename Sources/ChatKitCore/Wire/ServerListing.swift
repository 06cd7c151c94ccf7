import ChatKitCrypto

/// One server of a group that shares a database, as clients learn it: where it listens and its key. An
/// empty host means "the host you reach the listing server at" (servers on one machine, other ports).
public struct ServerListing: Equatable, Hashable, Sendable {
    /// The host, or empty for the listing server's own host.
    public var host: String
    /// The UDP port.
    public var port: UInt16
    /// The server's 32-byte Ed25519 public key, which the client pins when it moves there.
    public var key: [UInt8]

    /// Makes a listing.
    public init(host: String, port: UInt16, key: [UInt8]) {
        self.host = host
        self.port = port
        self.key = key
    }

    /// The address to reach this server at, for a client that reaches the listing server at `current`.
    public func address(besides current: Address) -> Address {
        Address(host: host.isEmpty ? current.host : host, port: port)
    }

    /// What the listing server signs for the client holding `token`: a fixed context, the token and every
    /// listing, so a list is good for no other session and no one can slip a server into it.
    public static func signedBytes(_ servers: [ServerListing], token: UInt64) -> [UInt8] {
        var writer = ByteWriter()
        writer.raw(Array("chatkit v11 servers".utf8) + [0])
        writer.u64(token)
        encode(servers, into: &writer)
        return writer.bytes
    }

    /// The list's bytes: a count, then each host, port and key.
    static func encode(_ servers: [ServerListing], into writer: inout ByteWriter) {
        writer.u8(UInt8(min(servers.count, maxListed)))
        for server in servers.prefix(maxListed) {
            writer.string(server.host)
            writer.u16(server.port)
            writer.shortBytes(server.key)
        }
    }

    /// The list read back; each key must be 32 bytes.
    static func decodeList(from reader: inout ByteReader) throws(WireError) -> [ServerListing] {
        let count = Int(try reader.u8("server count"))
        var servers: [ServerListing] = []
        for _ in 0..<count {
            let (host, port, key) = (try reader.string("server host"), try reader.u16("server port"), try reader.shortBytes("server key"))
            guard key.count == 32 else { throw .invalidValue(field: "server key length", value: UInt64(key.count)) }
            servers.append(ServerListing(host: host, port: port, key: key))
        }
        return servers
    }

    /// A list's bytes as the wire carries them, for keeping it in a file.
    public static func bytes(of servers: [ServerListing]) -> [UInt8] {
        var writer = ByteWriter()
        encode(servers, into: &writer)
        return writer.bytes
    }

    /// A list read back from `bytes(of:)`; nil when the bytes are not one.
    public static func list(from bytes: [UInt8]) -> [ServerListing]? {
        var reader = ByteReader(bytes, offset: 0)
        do {
            let servers = try decodeList(from: &reader)
            try reader.expectEnd()
            return servers
        } catch {
            return nil
        }
    }

    /// The most servers one list carries (it must fit a datagram with its signature).
    public static let maxListed = 8
}
