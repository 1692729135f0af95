// What every analysis agent shares: the result event's envelope, per-user buffers, the request's view.

import HOSCore

/// The analysis id of a request: its payload's, else its envelope's, else one derived from its event id.
public func analysisID(of request: Event) -> String { request.requestAnalysisID }

/// A result event for a request: same user, analysis and time as the request, an id derived from both.
public func resultEvent(
    type: String, agent: String, request: Event, archetype: Archetype,
    payload: [String: JSON]
) -> Event {
    Event(
        id: EventID.derive(agent, type, request.eventID), type: type, user: request.userID,
        timestamp: request.timestamp, source: agent, archetype: archetype.name,
        analysisID: analysisID(of: request), payload: payload)
}

/// The request's payload, decoded; a request whose payload the runtime accepted always decodes.
public func requestPayload(_ request: Event) -> AnalysisRequest {
    (try? AnalysisRequest(payload: request.payload)) ?? AnalysisRequest(analysisID: nil)
}
