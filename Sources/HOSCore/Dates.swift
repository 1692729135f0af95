// Calendar days, clock times and RFC 3339 instants, without Foundation's locale machinery.

/// A calendar day (the user's local day), stored as days since 1970-01-01.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// The day of a proleptic Gregorian year, month and day; nil when that day does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        daysSinceEpoch = LocalDate.days(year: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) { self.init(utf8: Array(text.utf8)) }

    /// Parses exactly `YYYY-MM-DD` from its UTF-8 bytes.
    init?<C: RandomAccessCollection<UInt8>>(utf8 u: C) where C.Index == Int {
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            let y = digits(u, 0, 4), let m = digits(u, 5, 2), let d = digits(u, 8, 2),
            let date = LocalDate(year: y, month: m, day: d)
        else { return nil }
        self = date
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    /// The day `n` days later (earlier when negative).
    public func adding(days n: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + n) }

    /// Days from `other` to self.
    public func days(since other: LocalDate) -> Int { daysSinceEpoch - other.daysSinceEpoch }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        // 1970-01-01 was a Thursday (4).
        let w = (daysSinceEpoch + 3) % 7
        return (w < 0 ? w + 7 : w) + 1
    }

    /// The weekdays' short names, Monday first: `weekdayNames[weekday - 1]`.
    public static let weekdayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Saturday or Sunday.
    public var isWeekend: Bool { weekday >= 6 }

    public var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var description: String {
        let c = components
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A time of day as minutes after midnight, written `HH:MM`.
public struct ClockTime: Sendable, Hashable, CustomStringConvertible {
    public var minutes: Int

    public init(minutes: Int) {
        let m = minutes % 1440
        self.minutes = m < 0 ? m + 1440 : m
    }

    /// Parses `HH:MM` (00:00–23:59); `H:MM` is accepted too.
    public init?(_ text: some StringProtocol) { self.init(utf8: Array(text.utf8)) }

    /// Parses `HH:MM` or `H:MM` from its UTF-8 bytes.
    init?<C: RandomAccessCollection<UInt8>>(utf8 u: C) where C.Index == Int {
        guard u.count == 5 || u.count == 4 else { return nil }
        let colon = u.count - 3
        guard u[colon] == UInt8(ascii: ":"), let h = digits(u, 0, colon), let m = digits(u, colon + 1, 2),
            h < 24, m < 60
        else { return nil }
        minutes = h * 60 + m
    }

    public var description: String { pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2) }
}

/// RFC 3339 date-times.
public enum Timestamp {
    /// Seconds since the epoch (UTC) and the offset it was written with, or nil when malformed.
    public static func parse(_ text: some StringProtocol) -> (seconds: Int, offsetSeconds: Int)? {
        parse(Array(text.utf8))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `t`/space for `T` and `z` for `Z` are accepted.
    public static func parse<C: RandomAccessCollection<UInt8>>(_ u: C) -> (seconds: Int, offsetSeconds: Int)?
    where C.Index == Int {
        guard u.startIndex == 0, u.count >= 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " "),
            u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
            let y = digits(u, 0, 4), let mo = digits(u, 5, 2), let d = digits(u, 8, 2),
            let h = digits(u, 11, 2), let mi = digits(u, 14, 2), let s = digits(u, 17, 2),
            let date = LocalDate(year: y, month: mo, day: d), h < 24, mi < 60, s <= 60
        else { return nil }
        var i = 19
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > start else { return nil }
        }
        guard i < u.count else { return nil }
        var offset = 0
        if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
            i += 1
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard i + 6 == u.count, u[i + 3] == UInt8(ascii: ":"), let oh = digits(u, i + 1, 2),
                let om = digits(u, i + 4, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 60 + om) * 60 * (u[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let local = date.daysSinceEpoch * 86_400 + h * 3600 + mi * 60 + min(s, 59)
        return (local - offset, offset)
    }

    /// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
    public static func format(seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        return LocalDate(daysSinceEpoch: days).description + "T" + pad(rest / 3600, 2) + ":"
            + pad(rest / 60 % 60, 2) + ":" + pad(rest % 60, 2) + "Z"
    }

    /// The UTC instant at which a day starts, as a timestamp string (`YYYY-MM-DDT00:00:00Z`).
    public static func startOf(_ date: LocalDate) -> String { date.description + "T00:00:00Z" }
}

/// Parses `count` ASCII digits at `start`; nil on any non-digit.
@inline(__always)
func digits<C: RandomAccessCollection<UInt8>>(_ u: C, _ start: Int, _ count: Int) -> Int? where C.Index == Int {
    guard start + count <= u.count, count > 0 else { return nil }
    var v = 0
    for i in start..<start + count {
        let c = u[i]
        guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
        v = v * 10 + Int(c - UInt8(ascii: "0"))
    }
    return v
}

/// Zero-pads a non-negative number to `width` digits.
func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
