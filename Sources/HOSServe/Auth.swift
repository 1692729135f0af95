// Bearer tokens and per-token rate limits: who may call the API, for which users, and how often.

import Crypto
import Foundation
import HOSCore
import HOSMemory
import Hummingbird
import HummingbirdAuth

/// The request context of every route: the token that authenticated the request, when one did.
public typealias ServeContext = BasicAuthRequestContext<APIToken>

/// Making and hashing tokens. Only the hash is stored; the token is shown once, when it is made.
public enum Tokens {
    /// A new token: "hos_" and 43 base64url characters of 32 random bytes from the system's generator.
    public static func make() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "hos_" + b64
    }

    /// The stored form: hex SHA-256. A token has 256 random bits, so no salt or slow hash is needed.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Finds the token of `Authorization: Bearer …` in the memory file; no header or an unknown one leaves the
/// request unauthenticated, which the routes that need a token answer with 401.
struct TokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = ServeContext
    let memory: Memory

    func authenticate(request: Request, context: Context) async throws -> APIToken? {
        guard let bearer = request.headers.bearer?.token, !bearer.isEmpty else { return nil }
        return try await memory.token(hash: Tokens.hash(bearer))
    }
}

/// A token bucket per token: `rate` tokens a second, at most `burst` saved up.
actor RateLimiter {
    let rate: Double
    let burst: Double
    private var buckets: [String: (level: Double, at: Double)] = [:]

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one token from `key`'s bucket: nil when there was one, else the seconds until there is.
    func take(_ key: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        var b = buckets[key] ?? (burst, now)
        b.level = min(burst, b.level + (now - b.at) * rate)
        b.at = now
        defer { buckets[key] = b }
        if b.level >= 1 {
            b.level -= 1
            return nil
        }
        return (1 - b.level) / rate
    }
}
