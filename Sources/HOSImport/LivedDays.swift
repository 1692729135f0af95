// Days a person cannot have lived: records dated after their export was made, or far after the rest of the
// user's records (a phone clock set to 2030), found before they become an analysis day.

import Glibc
import HOSCore

/// What makes a record's date one its person cannot have lived, and what is done with it.
public enum LivedDays {
    /// Records after a gap of more than this many days since the user's earlier records…
    public static let farGapDays = 180
    /// …are far from the rest when they are at most this share of the user's days.
    public static let farShare = 0.1

    /// Why a day is not lived: after the export's date, or far after the rest of the user's records.
    public enum Reason: Equatable, Sendable {
        case afterExport(LocalDate)
        case farAfterRest(days: Int)
    }

    /// The user's days that cannot have been lived, each with its reason. A day after `until` (the export's
    /// own date) is one; of the days left, the trailing ones after a gap of more than `farGapDays` are, when
    /// they are at most `farShare` of the user's days.
    public static func notLived(_ days: [LocalDate], until: LocalDate?) -> [LocalDate: Reason] {
        var out: [LocalDate: Reason] = [:]
        var lived: [LocalDate] = []
        for d in days.sorted() {
            if let until, d > until { out[d] = .afterExport(until) } else { lived.append(d) }
        }
        var i = lived.count - 1
        while i > 0 {
            let gap = lived[i].days(since: lived[i - 1])
            if gap > farGapDays {
                let trailing = lived.count - i
                if Double(trailing) <= farShare * Double(lived.count) {
                    for d in lived[i...] { out[d] = .farAfterRest(days: gap) }
                }
                break
            }
            i -= 1
        }
        return out
    }

    /// The day after the file at `path` was last written (UTC; the day after, as a local day may be ahead of
    /// UTC), or nil when the file cannot be examined.
    public static func dayAfterWritten(_ path: String) -> LocalDate? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return LocalDate(daysSinceEpoch: floorDiv(Int(st.st_mtim.tv_sec), 86_400)).adding(days: 1)
    }
}

extension RecordSet {
    /// Notes the last day a source can describe: its export's own date; the latest of all sources read bounds them all.
    public func noteLivedUntil(_ day: LocalDate) {
        livedUntil = max(livedUntil ?? day, day)
    }

    /// Notes a file's time as the last day it can describe (the day after it was written), or, for standard
    /// input, the day after `today`; a source with a date of its own notes that instead.
    public func noteFileTime(_ file: InputFile) {
        if let path = file.path {
            if let day = LivedDays.dayAfterWritten(path) { noteLivedUntil(day) }
        } else if let today {
            noteLivedUntil(today.adding(days: 1))
        }
    }

    /// The user's days to write and the day of its request: days not lived are left out (counted in one
    /// summarised warning) unless `keepFuture`, and are never the request's day after the export's date.
    func lived(user: String, days: [LocalDate]) -> (write: [LocalDate], asOf: LocalDate?) {
        let out = LivedDays.notLived(days, until: livedUntil)
        guard !out.isEmpty else { return (days, days.max()) }
        let keep = keepFuture
        for day in out.keys.sorted() {
            let why =
                switch out[day]! {
                case .afterExport(let until): "dated after its export (\(until))"
                case .farAfterRest(let gap): "\(gap) days after the user's earlier records"
                }
            let done = keep ? "written (--keep-future)" : "left out (--keep-future writes it)"
            reporter.warn(
                place(user: user, date: day), "user \(user) \(day): \(why): \(done)", kind: "not-lived",
                key: "\(user) \(day)"
            ) { n, _ in
                "\(n) user-days dated after their export or far after the user's earlier records: "
                    + (keep ? "written (--keep-future)" : "left out (--keep-future writes them)")
            }
        }
        guard keep else {
            let write = days.filter { out[$0] == nil }
            return (write, write.max())
        }
        let asOf = days.filter { if case .afterExport = out[$0] { false } else { true } }.max()
        return (days, asOf)
    }
}
