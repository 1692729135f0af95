// The shard of a user under hos-run --jobs, against the vectors contrib/spark/hos_spark.py --self-test checks
// too: the Spark driver partitions users as hos-run shards them, and a change on either side fails one test.

import Foundation
import HOSCore
import Testing

private let vectorsFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("contrib/spark/shard-vectors.tsv")

@Suite struct StableHashTests {
    /// user, jobs, shard, hash of ("shard", user) in hex; comment lines start with #.
    static let vectors: [(user: String, jobs: Int, shard: Int, hash: String)] = {
        let text = try! String(contentsOf: vectorsFile, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return (f[0], Int(f[1])!, Int(f[2])!, f[3])
        }
    }()

    @Test func sparkDriverShardsUsersAsHosRunDoes() {
        #expect(Self.vectors.count >= 10)
        // Users of more than one shard, so a constant answer cannot pass.
        #expect(Set(Self.vectors.map(\.shard)).count >= 3)
        for v in Self.vectors {
            #expect(StableHash.hex(StableHash.of("shard", v.user), digits: 32) == v.hash, "\(v.user)")
            #expect(StableHash.shard(of: v.user, among: v.jobs) == v.shard, "\(v.user) among \(v.jobs)")
        }
    }

    @Test func oneShardTakesEveryone() {
        #expect(StableHash.shard(of: "u-0001", among: 1) == 0)
        #expect(StableHash.shard(of: "", among: 1) == 0)
    }
}
