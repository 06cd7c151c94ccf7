/// C strings from static string literals, for the names libcrypto's parameters point at.
extension StaticString {
    /// The string as a C string: static storage, NUL-terminated, valid for the life of the process.
    var pointer: UnsafePointer<CChar> { UnsafeRawPointer(utf8Start).assumingMemoryBound(to: CChar.self) }

    /// The same, for C functions that take a `char *` they only read.
    var mutablePointer: UnsafeMutablePointer<CChar> { UnsafeMutablePointer(mutating: pointer) }
}
