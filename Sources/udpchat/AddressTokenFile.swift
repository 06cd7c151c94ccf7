import Foundation

/// Keeps the server's latest address-validation token beside the client's lock, so the next start from
/// the same port skips the cookie round trip. Best effort: a token that is missing, torn or stale only
/// costs that round trip, so failures to read or write it are not errors.
struct AddressTokenFile: Sendable {
    let path: String

    /// The token kept last time, or none.
    func load() -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 else { return [] }
        return Array(data)
    }

    /// Keeps `token` for the next start, readable only by the user.
    func save(_ token: [UInt8]) {
        let written = FileManager.default.createFile(atPath: path, contents: Data(token), attributes: [.posixPermissions: 0o600])
        if !written { return }  // best effort: the next start answers a challenge instead
    }
}
