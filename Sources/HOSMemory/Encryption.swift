// encrypt, decrypt and rekey: the file written anew under another key (or none) and put in its place.

import Foundation
import GRDB
import HOSCore

extension MemoryStore {
    /// How long `transcribe` waits for other processes to close the file.
    static let transcribeWaitSeconds = 2.0

    /// Writes the file's content anew under `newKey` (nil: in the clear) and puts it in the file's place, then
    /// closes this store: encrypt (a plain file and a key), decrypt (an encrypted file and nil), rekey (an
    /// encrypted file and another key).
    ///
    /// The copy is SQLCipher's `sqlcipher_export` into a new file beside this one (mode 0600), verified with
    /// `check` under the new key before it replaces anything. Refused (exit 74) while another process has the
    /// file open: leaving WAL mode needs every other connection closed, and from then on this process holds
    /// the file's exclusive lock, so no write can land in the old file after the copy. The old file's bytes
    /// are then overwritten with zeros, so a process that opened it meanwhile fails rather than writing into
    /// a file nobody will read again, and the old key's (or the clear) pages do not stay in its blocks (on a
    /// file system that writes in place; not on copy-on-write ones, and not in backups or older copies).
    public func transcribe(to newKey: MemoryKey?, operation: String) throws {
        guard let lite, !isReadOnly else { throw HOSError.usage("\(operation): needs a memory file it may write") }
        guard Cipher.isAvailable else { throw Cipher.unavailable(path) }
        let temp = path + ".tmp-\(getpid())"
        unlink(temp)
        defer { unlink(temp) }
        let fd = open(temp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HOSError.io("\(operation) \(path): \(temp): \(errnoText())") }
        close(fd)
        try takeExclusively(operation)
        try withoutTransaction(operation) { db in
            let keyValue: DatabaseValueConvertible = newKey.map { Data($0.material) } ?? ""
            try db.execute(sql: "ATTACH DATABASE ? AS hos_transcribed KEY ?", arguments: [temp, keyValue])
            try db.execute(sql: "SELECT sqlcipher_export('hos_transcribed')")
            try db.execute(sql: "DETACH DATABASE hos_transcribed")
        }
        try verifyCopy(temp, key: newKey, operation: operation)
        let old = open(path, O_RDWR | O_CLOEXEC)
        guard old >= 0 else { throw HOSError.io("\(operation) \(path): \(errnoText())") }
        defer { close(old) }
        guard fsyncPath(temp), rename(temp, path) == 0 else {
            throw HOSError.io("\(operation) \(path): replace: \(errnoText())")
        }
        let folder = (path as NSString).deletingLastPathComponent
        _ = fsyncPath(folder.isEmpty ? "." : folder)
        unlink(path + "-wal")
        unlink(path + "-shm")
        Self.zero(old)
        try? lite.close()
    }

    /// Switches the file out of WAL mode (only possible when no other connection has it open) and keeps its
    /// exclusive lock until this store is closed.
    private func takeExclusively(_ operation: String) throws {
        let waited = busyLimit.seconds
        busyLimit.seconds = Self.transcribeWaitSeconds
        defer { busyLimit.seconds = waited }
        let inUse = HOSError.io(
            "\(operation) \(path): the file is open in another process (hos-serve, hos-run, an agent); "
                + "stop it and run again")
        do {
            try withoutTransaction(operation) { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                guard mode == "delete" else { throw inUse }
                try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                // The lock is taken by a write transaction and, in exclusive locking mode, kept after it.
                try db.execute(sql: "BEGIN EXCLUSIVE; COMMIT")
            }
        } catch let e as HOSError where e.description.contains("database is locked") {
            throw inUse
        }
    }

    /// Opens the copy under its key and runs `check`; any problem stops the command before the file changes.
    private func verifyCopy(_ temp: String, key: MemoryKey?, operation: String) throws {
        let problems: [String]
        do {
            problems = try Self.checkFile(temp, options: options, key: key).problems
        } catch {
            throw HOSError.io("\(operation) \(path): the copy does not open: \(error); nothing changed")
        }
        if let first = problems.first {
            throw HOSError.io("\(operation) \(path): the copy fails check: \(first); nothing changed")
        }
    }

    /// Overwrites the whole file behind `fd` with zeros and syncs it.
    static func zero(_ fd: Int32) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        let block = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while offset < st.st_size {
            let n = block.withUnsafeBytes {
                pwrite(fd, $0.baseAddress, min($0.count, Int(st.st_size - offset)), offset)
            }
            guard n > 0 else { return }
            offset += off_t(n)
        }
        fsync(fd)
    }
}

/// fsync of a file or folder by path; false when it cannot be opened or synced.
func fsyncPath(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return fsync(fd) == 0
}
