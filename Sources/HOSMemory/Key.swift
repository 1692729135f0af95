// The key of an encrypted memory file: read from a file of mode 0600, handed to SQLCipher and to nothing else.

import Foundation
import GRDB
import HOSCore

/// The key of an encrypted memory file (SQLCipher 4), read from a key file.
///
/// Its bytes go to SQLCipher only: `description` names the file, never the key, and no error message holds
/// them. A key file of exactly 64 hex digits (with or without a final newline) is a raw 256-bit key, used as
/// it is; any other content (a final newline dropped) is a passphrase, which SQLCipher stretches with
/// PBKDF2-HMAC-SHA512 (256,000 iterations, about 0.15 s at each open).
public struct MemoryKey: Sendable, CustomStringConvertible {
    /// The environment variable that names the key file.
    public static let environmentVariable = "HOS_MEMORY_KEY_FILE"
    /// The longest key file read (a passphrase longer than this is a mistake, e.g. the wrong file).
    static let maxBytes = 4096

    /// The key file it was read from, as an absolute path (what children are given, never the key).
    public let file: String
    /// What SQLCipher is given: `x'…'` for a raw key, else the passphrase's bytes.
    let material: [UInt8]

    public var description: String { "the key in \(file)" }

    /// The key file `--memory-key-file` names, else `HOS_MEMORY_KEY_FILE`, else nil (a plain file); not read.
    public static func file(flag: String?, environment: [String: String]) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let file = environment[environmentVariable], !file.isEmpty { return file }
        return nil
    }

    /// The key in the file `file(flag:environment:)` names, else nil (a plain file).
    public static func resolve(flag: String?, environment: [String: String]) throws -> MemoryKey? {
        try file(flag: flag, environment: environment).map { try load(file: $0) }
    }

    /// Reads a key file: a regular file that neither group nor others may read or write (exit 78 otherwise).
    public static func load(file: String) throws -> MemoryKey {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HOSError.config("memory key file \(file): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HOSError.config("memory key file \(file): \(errnoText())") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw HOSError.config("memory key file \(file): not a file") }
        guard st.st_mode & 0o077 == 0 else {
            throw HOSError.config(
                "memory key file \(file): group or others may read it (mode 0\(String(st.st_mode & 0o777, radix: 8))); "
                    + "chmod 600 \(file)")
        }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw HOSError.config("memory key file \(file): \(errnoText())") }
            if n == 0 { break }
            count += n
        }
        guard count <= maxBytes else { throw HOSError.config("memory key file \(file): longer than \(maxBytes) bytes") }
        var material = Array(bytes[..<count])
        wipe(&bytes)
        if material.last == 0x0A { material.removeLast() }
        if material.last == 0x0D { material.removeLast() }
        guard !material.isEmpty else { throw HOSError.config("memory key file \(file): empty") }
        if material.count == 64, material.allSatisfy(isHexDigit) {
            material = Array("x'".utf8) + material + Array("'".utf8)
        }
        return MemoryKey(file: absolutePath(file), material: material)
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b)
    }

    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            memset(base, 0, buffer.count)
        }
    }
}

/// SQLCipher, reached through the C API of the SQLite that was loaded.
enum Cipher {
    private typealias KeyFunction =
        @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int32)
        -> Int32

    /// `sqlite3_key_v2` of the loaded SQLite, or nil when it is not SQLCipher. Looked up at run time: the build
    /// compiles against the system's sqlite3.h, which does not declare it.
    private static let keyFunction: KeyFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sqlite3_key_v2") else { return nil }
        return unsafeBitCast(symbol, to: KeyFunction.self)
    }()

    /// Whether the loaded SQLite can encrypt.
    static var isAvailable: Bool { keyFunction != nil }

    /// Why a key cannot be used with this build.
    static func unavailable(_ path: String) -> HOSError {
        .config(
            "memory file \(path): a key was given, but the SQLite this program loaded cannot encrypt (it is not "
                + "SQLCipher); build hos after 'make deps' (see README, Encryption)")
    }

    /// Keys a new connection: SQLCipher's logging off, then the key, then `PRAGMA cipher_version` must answer.
    /// Refused (exit 78) rather than left in the clear when the loaded SQLite has no codec.
    static func apply(_ key: MemoryKey, to db: Database, path: String) throws {
        guard let keyFunction else { throw unavailable(path) }
        // SQLCipher logs to stderr at WARN by default (a wrong key is a warning): hos says it once, itself.
        try db.execute(sql: "PRAGMA cipher_log_level = NONE")
        let rc = key.material.withUnsafeBytes { bytes in
            keyFunction(db.sqliteConnection, "main", bytes.baseAddress, Int32(bytes.count))
        }
        guard rc == 0 else { throw HOSError.io("memory file \(path): sqlite error \(rc) while keying") }
        let version = try String.fetchOne(db, sql: "PRAGMA cipher_version") ?? ""
        guard !version.isEmpty else { throw unavailable(path) }
    }

    /// The error of a key that does not open the file.
    static func wrongKey(_ path: String) -> HOSError {
        .io("memory file \(path): wrong key, or not a hos memory file")
    }
}
