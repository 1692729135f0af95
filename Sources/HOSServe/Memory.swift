// The memory file as the server uses it: one MemoryStore, its calls made one at a time by an actor.

import Foundation
import HOSCore
import HOSMemory

/// The server's one connection to the memory file. MemoryStore is made for one thread; the actor gives it
/// one caller at a time. Agents of running analyses open the file themselves (it is WAL: many processes).
actor Memory {
    let store: MemoryStore

    init(path: String, key: MemoryKey?) throws {
        store = try MemoryStore(path: path, create: true, key: key)
        let env = ProcessInfo.processInfo.environment
        store.actor = "hos-serve (" + (env["USER"] ?? env["LOGNAME"] ?? "uid \(getuid())") + ")"
    }

    func token(hash: String) throws -> APIToken? { try store.token(hash: hash) }

    /// Stores checked events as `hos-memory store` does (idempotent by event id); how many were new.
    func store(_ events: [Event]) throws -> Int { try store.store(events) }

    /// Every user whose events the file holds, sorted.
    func users() throws -> [String] { try store.users() }

    func recall(user: String, layer: String?, at: String) throws -> [TableRow] {
        try store.recall(user: user, layer: layer, at: at)
    }

    func forget(user: String, at: String) throws -> [String: Int] { try store.forget(user: user, at: at).rows }
}
