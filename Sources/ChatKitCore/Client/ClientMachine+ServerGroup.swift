import ChatKitCrypto

/// Several servers, one database: the client keeps the list its server signs, and when that server stays
/// silent for the silence limit it registers at the next one, with the same identity, and goes on.
extension ClientMachine {
    /// The current server listed the others; kept only when its pinned key signed it for this session.
    mutating func serverListArrived(_ servers: [ServerListing], signature: [UInt8]) {
        guard let key = serverKeys.pinned,
            IdentityKey.verify(signature, of: ServerListing.signedBytes(servers, token: token), publicKey: key)
        else { return drop() }
        let group = servers.filter { $0.address(besides: server) != server && $0.key.count == 32 }
        // The list of the server the user named is kept for the next start (hosts "" mean its host).
        if server == config.server, group != serverGroup { emit(.keepServerGroup(group)) }
        serverGroup = group
        watch.triesFastWhileQuiet = !serverGroup.isEmpty
    }

    /// Moves to the next server of the group, if there is one: it is pinned by the key the old server
    /// vouched for, the old one goes to the end of the list, and the client registers there quietly.
    /// False when there is nowhere to go (the seed's `[Server not responding]` follows).
    mutating func moveToNextServer() -> Bool {
        // A registration not yet welcomed (the start, a `reg`) says its welcome there; one already
        // welcomed, or an online client's, is quiet (found by the group chaos, seed 1468).
        let quiet: Bool
        switch phase {
        case .online: quiet = true
        case .registering(_, let replied, let wasQuiet): quiet = wasQuiet || replied
        case .notStarted, .deregistering, .offline, .exited: return false
        }
        guard !serverGroup.isEmpty else { return false }
        if case .registering(let id, _, _) = phase { requests.finish(id) }
        let next = serverGroup.removeFirst()
        if let oldKey = serverKeys.pinned { serverGroup.append(ServerListing(host: server.host, port: server.port, key: oldKey)) }
        server = next.address(besides: server)
        serverKeys = ServerKeyPin(pinned: next.key)
        show(.movedToServer(server))
        requests.forgiveSilence(now)
        // What waited for the old server goes to the new one once registered there.
        requests.parkAll()
        watch.stop()
        beginRegistration(quiet: quiet)
        return true
    }
}
