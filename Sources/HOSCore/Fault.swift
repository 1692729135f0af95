// Fault injection (HOS_FAULT): lets tests prove hos-run's failover with real processes.

import Glibc

/// An injected failure: `HOS_FAULT=KIND:AGENT:N[:STARTS]`.
///
/// The agent named AGENT (with or without `hos-`) fails at its Nth input event: `crash` exits at once
/// with status 70 and without flushing its output, `hang` flushes and stops reading forever, `garbage`
/// writes a line that is not JSON and goes on. It fires in the first STARTS starts of the agent
/// (default 1), counted by hos-run in `HOS_RUN_START`, so that a restarted agent recovers unless the
/// fault says otherwise. Outside hos-run, a process is its first start.
public struct Fault: Sendable, Equatable {
    public enum Kind: String, Sendable { case crash, hang, garbage }

    public var kind: Kind
    public var agent: String
    public var atEvent: Int
    public var starts: Int

    /// Parses `KIND:AGENT:N[:STARTS]`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 4, let kind = Kind(rawValue: parts[0]), !parts[1].isEmpty,
            let n = Int(parts[2]), n >= 1
        else { return nil }
        let starts = parts.count == 4 ? Int(parts[3]) : 1
        guard let starts, starts >= 1 else { return nil }
        self.kind = kind
        agent = parts[1].hasPrefix("hos-") ? String(parts[1].dropFirst(4)) : parts[1]
        atEvent = n
        self.starts = starts
    }

    /// The fault that applies to `agent` in this process, from the environment.
    public static func fromEnvironment(agent: String) throws(HOSError) -> Fault? {
        guard let raw = getenv("HOS_FAULT").map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        guard let fault = Fault(raw) else {
            throw HOSError.usage("HOS_FAULT must be KIND:AGENT:N[:STARTS] with KIND crash, hang or garbage")
        }
        let name = agent.hasPrefix("hos-") ? String(agent.dropFirst(4)) : agent
        guard fault.agent == name else { return nil }
        let start = getenv("HOS_RUN_START").flatMap { Int(String(cString: $0)) } ?? 1
        return start <= fault.starts ? fault : nil
    }

    /// Carries the fault out; returns only for `garbage`, after the bad line is written.
    func fire(output: OutputSink) throws {
        switch kind {
        case .crash:
            _exit(70)
        case .hang:
            try? output.flush()
            while true { sleep(3600) }
        case .garbage:
            try output.writeLine(Array("this is not an event {".utf8))
            try output.flush()
        }
    }
}
