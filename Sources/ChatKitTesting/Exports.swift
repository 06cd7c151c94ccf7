// ChatKitTesting is what an embedder's tests import: the loopback network, its fault plans and the
// virtual clock (from TransportLoopback, re-exported here), recording consoles and logs, and the
// scenarios the benchmark and scale tests run.
@_exported import TransportLoopback
