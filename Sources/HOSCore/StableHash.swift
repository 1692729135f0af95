// Deterministic 128-bit content hashes and the event and analysis ids derived from them.

/// FNV-1a over 128 bits: stable across runs, platforms and Swift versions (unlike `Hasher`).
public struct StableHash: Sendable {
    private static let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013B
    private static let offset: UInt128 = 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D

    public private(set) var value: UInt128 = StableHash.offset

    public init() {}

    /// Mixes in raw bytes.
    public mutating func combine(bytes: some Sequence<UInt8>) {
        var h = value
        for b in bytes {
            h ^= UInt128(b)
            h &*= Self.prime
        }
        value = h
    }

    /// Mixes in a string and a separator, so ("ab","c") and ("a","bc") differ.
    public mutating func combine(_ string: String) {
        combine(bytes: string.utf8)
        combine(bytes: CollectionOfOne(0x1F))
    }

    /// The hash of the given parts.
    public static func of(_ parts: String...) -> UInt128 { of(parts) }

    public static func of(_ parts: [String]) -> UInt128 {
        var h = StableHash()
        for p in parts { h.combine(p) }
        return h.value
    }

    /// The shard of `hos-run --jobs` that runs a user's analyses: 0..<`count`, the same on every machine.
    ///
    /// contrib/spark/hos_spark.py partitions users by the same formula; contrib/spark/shard-vectors.tsv holds
    /// examples that both sides' tests check.
    public static func shard(of user: String, among count: Int) -> Int {
        count == 1 ? 0 : Int(of("shard", user) % UInt128(count))
    }

    private static let crockford = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// 26 Crockford base-32 characters, the shape of a ULID.
    public static func base32(_ v: UInt128) -> String {
        var chars = [UInt8](repeating: 0, count: 26)
        var x = v
        for i in stride(from: 25, through: 0, by: -1) {
            chars[i] = crockford[Int(x & 31)]
            x >>= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Lowercase hex, `digits` long (at most 32).
    public static func hex(_ v: UInt128, digits: Int = 16) -> String {
        let full = String(v, radix: 16)
        let padded = String(repeating: "0", count: max(0, 32 - full.count)) + full
        return String(padded.prefix(digits))
    }
}

/// Ids that hos derives from content, so a retried run produces the same ids (and stays idempotent).
public enum EventID {
    /// An event id from the parts that make the event what it is.
    public static func derive(_ parts: String...) -> String { derive(parts) }

    public static func derive(_ parts: [String]) -> String { StableHash.base32(StableHash.of(parts)) }

    /// The bytes that forwarding adds to a line without an id: `"event_id":"<26 characters>",`.
    public static let addedBytes = #""event_id":"","#.utf8.count + 26

    /// Refuses a line that would be longer than `limit` once forwarded, so that what one hos command
    /// writes, the next one accepts with the same limit (hos-events(7), BAD INPUT).
    public static func checkForwardedLength(_ bytes: Int, hasID: Bool, limit: Int) throws(EventProblem) {
        if !hasID, bytes + addedBytes > limit {
            throw EventProblem("line longer than \(limit) bytes once its event_id is added (\(bytes) + \(addedBytes))")
        }
    }

    /// An event id for an input line that came without one: the hash of its bytes.
    public static func forLine(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var h = StableHash()
        h.combine(bytes: bytes)
        return StableHash.base32(h.value)
    }
}
