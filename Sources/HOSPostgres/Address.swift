// Where a PostgreSQL server is and how hos reaches it: a postgresql:// URL read as libpq reads it, its
// defaults from the libpq environment (PGHOST, PGPORT, …), and the password from PGPASSWORD or a .pgpass file.

import Foundation
import HOSCore

/// A PostgreSQL server, database and role, from a `postgresql://` URL and the libpq environment.
public struct PGAddress: Sendable, Equatable {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// The CA certificates' PEM file for verify-ca and verify-full ("system": the system's trust store).
    public var rootCert: String?
    public var connectTimeoutSeconds: Int

    /// Whether `text` names a PostgreSQL server rather than a memory file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// The URL's query parameters hos understands; others are errors, as libpq makes them.
    static let parameters: Set<String> = ["sslmode", "sslrootcert", "connect_timeout", "application_name"]

    /// Reads `url`; what it leaves out comes from PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGSSLROOTCERT
    /// and PGCONNECT_TIMEOUT, then libpq's defaults (localhost, 5432, the login name, sslmode=prefer).
    /// A password in the URL is refused: it would show in `ps`, shell history and logs.
    public init(url: String, environment: [String: String]) throws {
        guard Self.isURL(url), let parts = URLComponents(string: url) else {
            throw HOSError.config("memory URL: not a postgresql:// URL")
        }
        if parts.password != nil {
            throw HOSError.config(
                "memory URL: holds a password; put it in PGPASSWORD or ~/.pgpass (it would show in ps and logs)")
        }
        var query: [String: String] = [:]
        for item in parts.queryItems ?? [] {
            guard Self.parameters.contains(item.name) else {
                throw HOSError.config("memory URL: unknown parameter '\(printable(item.name, limit: 40))'")
            }
            query[item.name] = item.value ?? ""
        }
        func pick(_ fromURL: String?, _ variable: String) -> String? {
            if let fromURL, !fromURL.isEmpty { return fromURL }
            if let v = environment[variable], !v.isEmpty { return v }
            return nil
        }
        host = pick(parts.host, "PGHOST") ?? "localhost"
        let portText = pick(parts.port.map(String.init), "PGPORT") ?? "5432"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw HOSError.config("memory URL: port must be from 1 to 65535")
        }
        self.port = port
        user = pick(parts.user, "PGUSER") ?? environment["USER"] ?? "postgres"
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        database = pick(path, "PGDATABASE") ?? user
        let modeText = pick(query["sslmode"], "PGSSLMODE") ?? "prefer"
        guard let mode = SSLMode(rawValue: modeText) else {
            let names = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
            throw HOSError.config("memory URL: sslmode must be one of \(names)")
        }
        sslMode = mode
        rootCert = pick(query["sslrootcert"], "PGSSLROOTCERT")
        let timeout = pick(query["connect_timeout"], "PGCONNECT_TIMEOUT") ?? "10"
        guard let seconds = Int(timeout), seconds >= 0 else {
            throw HOSError.config("memory URL: connect_timeout must be whole seconds")
        }
        connectTimeoutSeconds = seconds == 0 ? 10 : seconds
    }

    /// The address as a URL without secrets, for messages.
    public var display: String { "postgresql://\(user)@\(host):\(port)/\(database)" }

    /// The root certificate file verify-ca and verify-full use: the URL's, PGSSLROOTCERT, else
    /// ~/.postgresql/root.crt as libpq looks for it.
    func rootCertificate(environment: [String: String]) -> String {
        if let rootCert { return rootCert }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.postgresql/root.crt"
    }

    /// The password: PGPASSWORD, else the first matching line of PGPASSFILE or ~/.pgpass (ignored, with a
    /// warning, when group or others may read it, as libpq does); nil when neither has one.
    func password(environment: [String: String]) -> String? {
        if let p = environment["PGPASSWORD"], !p.isEmpty { return p }
        let file = environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
        var st = stat()
        guard stat(file, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        if st.st_mode & 0o077 != 0 {
            printError("hos: warning: \(file): ignored, it may be read by others (chmod 0600)")
            return nil
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            let f = Self.pgpassFields(Substring(line))
            guard f.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(f.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return f[4] }
        }
        return nil
    }

    /// A .pgpass line's five fields: separated by ':', with '\:' and '\\' escapes.
    static func pgpassFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
