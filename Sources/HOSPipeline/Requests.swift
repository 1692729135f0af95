// Event lines cut into analysis requests, as hos-run would run them: each user's events up to and with their
// analysis_request, and at end of input each user's remaining events with the implicit request hos-run makes.

import HOSCore

/// A reader that hands each whole request to `emit` as soon as it is complete: (analysis id, user, lines).
/// With input grouped by user it holds one user's events at a time.
public struct RequestCutter: EventLineReader {
    public var intake: LineIntake
    let emit: (String, String, [String]) throws -> Void
    var open: [String: [String]] = [:]
    var windows = OpenWindows()
    public private(set) var requests = 0

    public init(intake: LineIntake, emit: @escaping (String, String, [String]) throws -> Void) {
        self.intake = intake
        self.emit = emit
    }

    public mutating func accept(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let env = try Envelope.scan(bytes)
        try env.check(in: bytes)
        try EventID.checkForwardedLength(bytes.count, hasID: env.eventID != nil, limit: intake.maxLineBytes)
        let event = try env.decodedEvent(in: bytes)
        let line = String(decoding: env.forwarded(bytes, id: event.eventID), as: UTF8.self)
        if event.eventType == EventType.analysisRequest {
            windows.close(user: event.userID)
            let lines = (open.removeValue(forKey: event.userID) ?? []) + [line]
            requests += 1
            try emit(event.requestAnalysisID, event.userID, lines)
        } else {
            windows.note(event)
            open[event.userID, default: []].append(line)
        }
    }

    /// Ends the input: each user with events after their last request gets hos-run's implicit request.
    public mutating func finish() throws {
        for request in windows.implicitRequests(agent: "hos-run") {
            let lines = (open.removeValue(forKey: request.userID) ?? []) + [request.json.text]
            requests += 1
            try emit(request.requestAnalysisID, request.userID, lines)
        }
    }
}
