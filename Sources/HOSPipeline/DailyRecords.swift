// The records of each analysis as they left the last step, for analysis_complete's `daily` series.

import HOSCore

/// Collects each user's `health_record` events from the output stream and gives, per analysis, the window's
/// daily values (`DailySeries`). Like hos-behavior, it holds a user's records until that user's request and
/// lets them go with it, so memory holds one window per user at most.
struct DailyRecords {
    /// Records of users whose request has not passed yet, met in other users' segments (input not grouped
    /// by user) or in a tail without a request.
    private var waiting: [String: [HealthRecord]] = [:]

    /// The daily series of a segment's analysis; nil for a segment without a request or without records.
    mutating func series(_ seg: Segment) -> DailySeries? {
        var own = waiting.removeValue(forKey: seg.user) ?? []
        for l in seg.lines where !l.isAgentError {
            guard let user = l.user, let record = Self.record(l) else { continue }
            if user == seg.user { own.append(record) } else { waiting[user, default: []].append(record) }
        }
        guard seg.barrier != nil, !own.isEmpty else { return nil }
        let analysis = Self.behavior(seg)
        let (end, days) = Self.window(seg, analysis, latest: own.map(\.date).max())
        return DailySeries.of(own, end: end, days: days, analysis: analysis?.metrics)
    }

    /// A line's record when it is a health_record; the envelope is scanned first, so other events cost little.
    static func record(_ l: Line) -> HealthRecord? {
        let isRecord = l.bytes.withUnsafeBufferPointer { buf in
            (try? Envelope.scan(buf)).map { $0.field($0.eventType, in: buf, equals: "health_record") } ?? false
        }
        guard isRecord, let e = event(l.bytes) else { return nil }
        return try? HealthRecord(payload: e.payload)
    }

    static func event(_ bytes: [UInt8]) -> Event? {
        bytes.withUnsafeBufferPointer { try? Event(json: JSONParser.parse($0), fallbackID: "") }
    }

    /// The behaviour analysis a step wrote for the segment, if one did.
    static func behavior(_ seg: Segment) -> BehaviorAnalysisPayload? {
        for (_, lines) in seg.results {
            for l in lines where !l.isAgentError {
                if let e = event(l.bytes), e.eventType == EventType.behaviorAnalysis {
                    return try? BehaviorAnalysisPayload(payload: e.payload)
                }
            }
        }
        return nil
    }

    /// The analysis window: the behaviour analysis' window when a step wrote one, else the request's as_of
    /// (or the latest record) and window_days, as every agent reads them.
    static func window(_ seg: Segment, _ b: BehaviorAnalysisPayload?, latest: LocalDate?) -> (end: LocalDate, days: Int)
    {
        if let b, let end = b.window?.end ?? b.asOf {
            return (
                end,
                b.window?.start.map { end.days(since: $0) + 1 } ?? b.windowDays ?? AnalysisRequest.defaultWindowDays
            )
        }
        let request = seg.barrier.flatMap(event).flatMap { try? AnalysisRequest(payload: $0.payload) }
        return (
            AnalysisDay.of(requested: request?.asOf, latestRecord: latest, requestDay: nil),
            request?.windowDays ?? AnalysisRequest.defaultWindowDays
        )
    }
}
