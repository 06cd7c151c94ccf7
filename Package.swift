// swift-tools-version:6.0
import PackageDescription

/// ChatKit: a peer-to-peer UDP chat with a rendezvous server.
///
/// ChatKitCore holds the protocols, the wire codec and the pure client/server state machines; the other
/// library targets are pluggable transports and offline stores; `udpchat` composes real UDP and files.
/// The benchmark is a package of its own, in `Benchmarks/` (as swift-nio's is), outside the product graph.
let package = Package(
    name: "ChatKit",
    products: [
        .library(name: "ChatKitCore", targets: ["ChatKitCore"]),
        .library(name: "ChatKitRuntime", targets: ["ChatKitRuntime"]),
        .library(name: "TransportUDP", targets: ["TransportUDP"]),
        .library(name: "TransportLoopback", targets: ["TransportLoopback"]),
        .library(name: "TransportUnix", targets: ["TransportUnix"]),
        .library(name: "StoreFiles", targets: ["StoreFiles"]),
        .library(name: "StoreMemory", targets: ["StoreMemory"]),
        .library(name: "StorePostgres", targets: ["StorePostgres"]),
        .library(name: "ChatKitTesting", targets: ["ChatKitTesting"]),
        .library(name: "ChatKitCrypto", targets: ["ChatKitCrypto"]),
        .library(name: "ChatKitTerminal", targets: ["ChatKitTerminal"]),
        .executable(name: "udpchat", targets: ["udpchat"]),
    ],
    targets: [
        .target(name: "ChatKitCore", dependencies: ["ChatKitCrypto"]),
        // The impure half: drivers (locks, timers), the system clock and the embedding API.
        .target(name: "ChatKitRuntime", dependencies: ["ChatKitCore"]),
        .target(name: "TransportUDP", dependencies: ["ChatKitCore", "CUDPBatch"]),
        // recvmmsg/sendmmsg, which Swift's Glibc module does not export.
        .target(name: "CUDPBatch"),
        // The system's OpenSSL 3 libcrypto (Debian: libssl-dev), for keys and MACs; no package, no hand-written primitive.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "ChatKitCrypto", dependencies: ["CCrypto"]),
        .target(name: "TransportLoopback", dependencies: ["ChatKitCore"]),
        .target(name: "ChatKitTesting", dependencies: ["ChatKitCore", "ChatKitRuntime", "ChatKitCrypto", "TransportLoopback", "StoreMemory"]),
        .target(name: "TransportUnix", dependencies: ["ChatKitCore"]),
        .target(name: "StoreFiles", dependencies: ["ChatKitCore", "ChatKitCrypto"]),
        .target(name: "StoreMemory", dependencies: ["ChatKitCore"]),
        // The system's PostgreSQL client library (Debian: libpq-dev), for a store several servers share.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "StorePostgres", dependencies: ["ChatKitCore", "CLibPQ"]),
        .target(name: "ChatKitTerminal", dependencies: ["ChatKitCore"]),
        .executableTarget(name: "udpchat", dependencies: ["ChatKitCore", "ChatKitCrypto", "ChatKitRuntime", "ChatKitTerminal", "TransportUDP", "StoreFiles", "StorePostgres"]),
        .executableTarget(
            name: "EmbeddedChat", dependencies: ["ChatKitCore", "ChatKitCrypto", "ChatKitRuntime", "StoreMemory", "TransportUnix"],
            path: "Examples/EmbeddedChat"),
        // One test target per library module, as swift-nio has; the simulations and the program's own
        // end-to-end tests have one each.
        .testTarget(name: "ChatKitCoreTests", dependencies: ["ChatKitCore", "ChatKitCrypto", "ChatKitTesting"]),
        .testTarget(name: "ChatKitCryptoTests", dependencies: ["ChatKitCrypto", "ChatKitTesting"]),
        .testTarget(name: "ChatKitTestingTests", dependencies: ["ChatKitCore", "ChatKitTesting", "StoreMemory"]),
        .testTarget(
            name: "ChatKitRuntimeTests",
            dependencies: ["ChatKitCore", "ChatKitRuntime", "ChatKitTesting", "TransportLoopback", "TransportUDP", "StoreMemory"]),
        .testTarget(name: "ChatKitTerminalTests", dependencies: ["ChatKitCore", "ChatKitTerminal"]),
        .testTarget(name: "TransportUDPTests", dependencies: ["ChatKitCore", "ChatKitTesting", "TransportUDP"]),
        .testTarget(name: "TransportLoopbackTests", dependencies: ["ChatKitCore", "ChatKitTesting", "TransportLoopback"]),
        .testTarget(name: "TransportUnixTests", dependencies: ["ChatKitCore", "ChatKitTesting", "TransportUnix"]),
        .testTarget(name: "StoreFilesTests", dependencies: ["ChatKitCore", "ChatKitTesting", "StoreFiles"]),
        .testTarget(name: "StoreMemoryTests", dependencies: ["ChatKitCore", "ChatKitTesting", "StoreMemory"]),
        .testTarget(name: "StorePostgresTests", dependencies: ["ChatKitCore", "ChatKitTesting", "StorePostgres"]),
        .testTarget(
            name: "ChatKitSimulationTests",
            dependencies: ["ChatKitCore", "ChatKitRuntime", "ChatKitCrypto", "ChatKitTesting", "TransportLoopback", "StoreMemory", "StoreFiles"]),
        .testTarget(
            name: "udpchatTests",
            dependencies: [
                "ChatKitCore", "ChatKitCrypto", "ChatKitTesting", "TransportUDP", "StoreFiles",
                // Listed so `swift test` builds the binary that the end-to-end tests run.
                "udpchat",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
