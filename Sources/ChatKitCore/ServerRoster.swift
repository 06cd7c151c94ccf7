/// Where servers that share one store find each other: each announces itself now and then, and reads
/// who else was heard from lately. A store several servers share (PostgreSQL) keeps it; others need not.
public protocol ServerRoster: AnyObject, Sendable {
    /// Records that the server listed as `listing` is alive at `microseconds` since 1970.
    func announce(_ listing: ServerListing, atMicroseconds microseconds: Int64) throws(StoreError)
    /// The servers announced at or after `microseconds`, in a stable order (by port, then host).
    func servers(heardSinceMicroseconds microseconds: Int64) throws(StoreError) -> [ServerListing]
}
