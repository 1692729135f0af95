// hos-serve's bearer tokens in the memory file: only a hash of each is kept, with its name and its scope.

import GRDB
import HOSCore

/// A bearer token as stored: never the token itself, only its hash (hex SHA-256, made by the caller).
public struct APIToken: Sendable, Equatable {
    public var name: String
    /// The users it may read and write; empty with `admin`: every user.
    public var users: [String]
    public var admin: Bool
    public var createdAt: String
    public var revokedAt: String?

    public init(name: String, users: [String], admin: Bool, createdAt: String, revokedAt: String? = nil) {
        self.name = name
        self.users = users
        self.admin = admin
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may touch `user`'s data.
    public func allows(_ user: String) -> Bool { admin || users.contains(user) }
}

extension Schema {
    /// Tokens are not a user's data: no user_id column, so forget and export leave them (a token scoped to a
    /// forgotten user then reaches nothing); revoke them by name.
    static let apiTokens1: String = """
        CREATE TABLE api_token (
            name TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL UNIQUE, users TEXT NOT NULL,
            admin INTEGER NOT NULL CHECK (admin IN (0, 1)), created_at TEXT NOT NULL, revoked_at TEXT
        ) WITHOUT ROWID;
        """
}

extension MemoryStore {
    /// Stores a new token's hash under `name`; a name in use (even revoked) is refused.
    public func createToken(_ token: APIToken, hash: String) throws {
        try write("create token") { db in
            guard
                try db.one(Bool.self, "SELECT EXISTS (SELECT 1 FROM api_token WHERE name = ?)", [token.name]) != true
            else { throw HOSError.usage("a token named '\(printable(token.name))' exists already") }
            try db.execute(
                "INSERT INTO api_token (name, hash, users, admin, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    token.name, hash, JSON.array(token.users.map { .string($0) }).stored, token.admin ? 1 : 0,
                    token.createdAt,
                ])
        }
    }

    /// The live (not revoked) token whose hash is `hash`.
    public func token(hash: String) throws -> APIToken? {
        try read("read token") { db in
            try db.rows("SELECT * FROM api_token WHERE hash = ? AND revoked_at IS NULL", [hash]).first.map(Self.token)
        }
    }

    /// Every token, by name (revoked ones too, with their time).
    public func tokens() throws -> [APIToken] {
        try read("list tokens") { db in
            try db.rows("SELECT * FROM api_token ORDER BY name", []).map(Self.token)
        }
    }

    /// Revokes the token `name`; false when there is no live token of that name.
    @discardableResult
    public func revokeToken(name: String, at: String) throws -> Bool {
        try write("revoke token") { db in
            try db.execute("UPDATE api_token SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [at, name]) > 0
        }
    }

    static func token(_ row: SQLRow) -> APIToken {
        let users = JSON.parseStored(row["users"]).arrayValue?.compactMap(\.stringValue) ?? []
        return APIToken(
            name: row["name"], users: users, admin: (row["admin"] as Int) == 1, createdAt: row["created_at"],
            revokedAt: row["revoked_at"])
    }
}
