import CCrypto

/// How libcrypto lives in a process. By default it frees its algorithms in an `atexit` handler, and a
/// thread still sealing, hashing or drawing random bytes while the process exits then reads freed memory
/// and crashes it (a client interrupted while a peer's chat arrived, say).
public enum CryptoLibrary {
    /// Keeps libcrypto whole until the process ends (`OPENSSL_INIT_NO_ATEXIT`). Call it first thing in
    /// `main`, before anything else uses libcrypto: only the first initialisation decides.
    public static func keepUntilExit() {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }
}
