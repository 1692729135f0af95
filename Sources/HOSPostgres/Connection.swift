// One connection to PostgreSQL for hos's synchronous code: postgres-nio underneath, each call waiting for its
// answer; TLS as libpq's sslmode asks; every failure a short HOSError naming the operation, never the SQL's
// arguments.

import Foundation
import HOSCore
import Logging
import NIOSSL
import PostgresNIO

/// A value bound to a `$n` parameter.
public enum PGValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
}

/// A row of a result: its cells decoded by the type the caller asks for.
public struct PGRow {
    let cells: PostgresRandomAccessRow

    /// Column `i` as text (nil for NULL or another type).
    public func string(_ i: Int) -> String? { try? cells[i].decode(String?.self, context: .default) }
    /// Column `i` as an integer (int2, int4 or int8; nil for NULL).
    public func int(_ i: Int) -> Int? { try? cells[i].decode(Int?.self, context: .default) }
    /// Column `i` as a double (float4 or float8; nil for NULL).
    public func double(_ i: Int) -> Double? { try? cells[i].decode(Double?.self, context: .default) }
    /// Column `i` as a boolean (nil for NULL).
    public func bool(_ i: Int) -> Bool? { try? cells[i].decode(Bool?.self, context: .default) }
}

/// One open connection. Not shared between threads without the caller's own lock.
public final class PGConnection: @unchecked Sendable {
    public let address: PGAddress
    let connection: PostgresConnection
    let logger: Logger

    /// Connects to `address` with the password from PGPASSWORD or .pgpass, and TLS as its sslmode says.
    public init(_ address: PGAddress, environment: [String: String]) throws {
        self.address = address
        var logger = Logger(label: "hos-postgres")
        // postgres-nio logs queries at debug and trace; nothing of a query may reach a log.
        logger.logLevel = .critical
        self.logger = logger
        var config = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user,
            password: address.password(environment: environment), database: address.database,
            tls: try Self.tls(address, environment: environment))
        config.options.connectTimeout = .seconds(Int64(address.connectTimeoutSeconds))
        do {
            connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.next(), configuration: config, id: 1, logger: logger
            ).wait()
        } catch {
            throw Self.failure("connect to \(address.display)", error)
        }
    }

    deinit { try? connection.close().wait() }

    /// The TLS libpq's sslmode asks for: none, opportunistic, required, or required and verified against the
    /// root certificate (verify-ca: the chain; verify-full: the chain and the host name or IP address).
    static func tls(_ address: PGAddress, environment: [String: String]) throws -> PostgresConnection.Configuration.TLS
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch address.sslMode {
        case .disable: return .disable
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA, .verifyFull:
            tls.certificateVerification = address.sslMode == .verifyCA ? .noHostnameVerification : .fullVerification
            let root = address.rootCertificate(environment: environment)
            if root != "system" {
                guard FileManager.default.isReadableFile(atPath: root) else {
                    throw HOSError.config(
                        "memory URL: sslmode=\(address.sslMode.rawValue) needs a root certificate: \(root): "
                            + "not readable (sslrootcert=, PGSSLROOTCERT)")
                }
                tls.trustRoots = .file(root)
            }
        }
        do {
            let context = try NIOSSLContext(configuration: tls)
            return address.sslMode == .allow || address.sslMode == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw HOSError.config("memory URL: tls: \(error)")
        }
    }

    /// Runs `sql` with `binds` as $1, $2, … and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ binds: [PGValue] = [], operation: String = "query") throws -> [PGRow] {
        do {
            let result = try connection.query(Self.query(sql, binds), logger: logger).wait()
            return result.rows.map { PGRow(cells: $0.makeRandomAccess()) }
        } catch {
            throw Self.failure(operation, error)
        }
    }

    /// Runs `sql` and returns how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ binds: [PGValue] = [], operation: String = "query") throws -> Int {
        do {
            let result = try connection.query(Self.query(sql, binds), logger: logger).wait()
            return result.metadata.rows ?? 0
        } catch {
            throw Self.failure(operation, error)
        }
    }

    /// Runs `body` in one transaction (`begin`: BEGIN and its isolation level), retried (up to 40 times, with a
    /// random growing pause) when the server aborts it as a serialization failure or a deadlock victim; any
    /// other failure rolls back and is thrown.
    public func transaction<T>(_ operation: String, begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            try execute(begin, operation: operation)
            do {
                let value = try body()
                try execute("COMMIT", operation: operation)
                return value
            } catch {
                _ = try? execute("ROLLBACK", operation: operation)
                attempt += 1
                guard Self.isRetryable(error), attempt < 40 else { throw error }
                usleep(UInt32.random(in: 0...UInt32(min(100_000, 1000 << min(attempt, 7)))))
            }
        }
    }

    static func query(_ sql: String, _ binds: [PGValue]) -> PostgresQuery {
        var b = PostgresBindings(capacity: binds.count)
        for v in binds {
            switch v {
            case .text(let s): b.append(s)
            case .int(let i): b.append(i)
            case .double(let d): b.append(d)
            case .bool(let x): b.append(x)
            case .null: b.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: b)
    }

    /// SQLSTATEs of a transaction the server aborted that may succeed when run again.
    static let retryableStates: Set<String> = ["40001", "40P01"]

    /// The SQLSTATE a failure carries, when it came from the server.
    static func sqlState(_ error: Error) -> String? {
        if case .io(let message) = error as? HOSError, let r = message.range(of: "(sqlstate ") {
            return String(message[r.upperBound...].prefix(5))
        }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isRetryable(_ error: Error) -> Bool { sqlState(error).map(retryableStates.contains) ?? false }

    /// A short lowercase message naming the operation and the server's reason (its primary message and
    /// SQLSTATE, never the detail, which may quote values); connection failures name their cause.
    static func failure(_ operation: String, _ error: Error) -> HOSError {
        if let e = error as? HOSError { return e }
        guard let e = error as? PSQLError else { return .io("postgresql: \(operation): \(error)") }
        if let info = e.serverInfo, let message = info[.message] {
            return .io("postgresql: \(operation): \(message) (sqlstate \(info[.sqlState] ?? "?"))")
        }
        let cause = e.underlying.map { ": " + Self.cause($0) } ?? ""
        return .io("postgresql: \(operation): \(e.code)\(cause)")
    }

    /// A connection failure's cause in short: BoringSSL's reason ("certificate verify failed") rather than
    /// its error stack, else the error as NIO describes it.
    static func cause(_ error: Error) -> String {
        let text = String(describing: error)
        if let r = text.range(of: #"OPENSSL_internal:[A-Z_]+"#, options: .regularExpression) {
            let reason = text[r].dropFirst("OPENSSL_internal:".count)
            return "tls: " + reason.lowercased().replacingOccurrences(of: "_", with: " ")
        }
        return text
    }
}
