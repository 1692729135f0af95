// Benjamini–Hochberg control of the false discovery rate, as scipy.stats.false_discovery_control(method="bh").

extension Stats {
    /// Benjamini–Hochberg adjusted p-values (q-values), in the input's order: q₍ᵢ₎ = min over j ≥ i of
    /// m·p₍ⱼ₎/j, at most 1. Rejecting every hypothesis with q ≤ α keeps the expected share of false
    /// discoveries at most α for independent (or positively dependent) tests.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = p.count
        guard m > 0 else { return [] }
        let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] < p[$1] : $0 < $1 }
        var q = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let i = order[rank - 1]
            running = min(running, p[i] * Double(m) / Double(rank))
            q[i] = min(1, running)
        }
        return q
    }

    /// Weighted Benjamini–Hochberg (Genovese, Roeder and Wasserman 2006): the weights are scaled to average 1
    /// and the procedure runs on min(1, p / w). With weights fixed before the data are seen, the false discovery
    /// rate stays at most α for independent tests. Returns the scaled weights and the q-values.
    public static func weightedBenjaminiHochberg(_ p: [Double], weights: [Double]) -> (weights: [Double], q: [Double]) {
        precondition(p.count == weights.count)
        let total = weights.reduce(0, +)
        guard total > 0 else { return (weights, benjaminiHochberg(p)) }
        let w = weights.map { $0 * Double(weights.count) / total }
        return (w, benjaminiHochberg(zip(p, w).map { min(1, $0 / $1) }))
    }
}
