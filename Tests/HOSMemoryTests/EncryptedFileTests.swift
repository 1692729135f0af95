// An encrypted memory file as SQLite holds it while a writer has it open: the WAL's frames are encrypted too.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

/// Whether the loaded SQLite can encrypt; HOS_SQLCIPHER=require (.ci/run) fails instead of skipping.
let canEncrypt = Cipher.isAvailable || ProcessInfo.processInfo.environment["HOS_SQLCIPHER"] == "require"

@Suite(.enabled(if: canEncrypt)) struct EncryptedFileTests {
    /// A key file of 64 hex digits (a raw key) in `dir`.
    func rawKey(_ dir: TempDir) throws -> MemoryKey {
        let path = dir.write("key", String(repeating: "3f", count: 32) + "\n")
        #expect(chmod(path, 0o600) == 0)
        return try MemoryKey.load(file: path)
    }

    @Test func theWALOfAnOpenEncryptedFileShowsNothing() throws {
        let dir = TempDir()
        let key = try rawKey(dir)
        let path = dir.path("m.sqlite")
        let store = try MemoryStore(path: path, key: key)
        try runMemory(
            store,
            (1...20).map { day in
                record("walrus-owl-42", String(format: "2026-01-%02d", day), #"{"weight_kg":77.4321}"#)
            }, emitContext: false)
        // Still open: the rows are in the WAL, not yet in the main file.
        let wal = FileManager.default.contents(atPath: path + "-wal") ?? Data()
        #expect(wal.count > 4096)
        for name in [path, path + "-wal"] {
            let data = FileManager.default.contents(atPath: name) ?? Data()
            #expect(data.range(of: Data("walrus-owl-42".utf8)) == nil, "\(name)")
            #expect(data.range(of: Data("77.4321".utf8)) == nil, "\(name)")
            #expect(data.range(of: withUnsafeBytes(of: (77.4321).bitPattern.bigEndian) { Data($0) }) == nil, "\(name)")
        }
        #expect(try store.testQuery("SELECT count(*) FROM short_term_record") == ["20"])
        #expect(try store.testQuery("PRAGMA cipher_version").first?.isEmpty == false)
    }

    @Test func keyFilesAreReadAsDocumented() throws {
        let dir = TempDir()
        let raw = try rawKey(dir)
        #expect(raw.material == Array(("x'" + String(repeating: "3f", count: 32) + "'").utf8))
        #expect(raw.description == "the key in \(dir.path("key"))")
        let pass = dir.write("pass", "two words\r\n")
        #expect(chmod(pass, 0o400) == 0)
        #expect(try MemoryKey.load(file: pass).material == Array("two words".utf8))
        // 63 hex digits are a passphrase, not a raw key.
        let short = dir.write("short", String(repeating: "a", count: 63))
        #expect(chmod(short, 0o600) == 0)
        #expect(try MemoryKey.load(file: short).material == Array(String(repeating: "a", count: 63).utf8))
        let long = dir.write("long", String(repeating: "a", count: MemoryKey.maxBytes + 1))
        #expect(chmod(long, 0o600) == 0)
        #expect(throws: HOSError.config("memory key file \(long): longer than 4096 bytes")) {
            try MemoryKey.load(file: long)
        }
        #expect(throws: HOSError.config("memory key file \(dir.url.path): not a file")) {
            try MemoryKey.load(file: dir.url.path)
        }
        #expect(try MemoryKey.resolve(flag: nil, environment: [:]) == nil)
        #expect(try MemoryKey.resolve(flag: nil, environment: ["HOS_MEMORY_KEY_FILE": pass])?.file == pass)
        #expect(try MemoryKey.resolve(flag: short, environment: ["HOS_MEMORY_KEY_FILE": pass])?.file == short)
    }
}
