// swift-tools-version:6.0
import PackageDescription

/// udpchat-bench: measures ChatKit against the raw UDP floor and writes docs/BENCHMARKS.md. A package of
/// its own, as swift-nio's benchmarks are, so tooling stays out of the library's product graph:
/// `swift run -c release --package-path Benchmarks udpchat-bench`.
let package = Package(
    name: "ChatKitBenchmarks",
    dependencies: [.package(name: "ChatKit", path: "..")],
    targets: [
        .executableTarget(
            name: "udpchat-bench",
            dependencies: [
                .product(name: "ChatKitCore", package: "ChatKit"), .product(name: "ChatKitRuntime", package: "ChatKit"),
                .product(name: "ChatKitCrypto", package: "ChatKit"), .product(name: "ChatKitTesting", package: "ChatKit"),
                .product(name: "TransportUDP", package: "ChatKit"), .product(name: "StoreFiles", package: "ChatKit"),
                .product(name: "StoreMemory", package: "ChatKit"), .product(name: "StorePostgres", package: "ChatKit"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
