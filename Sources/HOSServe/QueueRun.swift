// Analyses handed to the PostgreSQL work queue (hos-serve --queue): `hos-run worker`s on any machine run them,
// and the server follows each request's row until it ends.

import Foundation
import HOSCore
import HOSPostgres

/// Runs a batch of analyses by putting their requests on the queue and waiting for the workers' results.
/// The queue reports no step progress: the stream of such an analysis says queued, running and its end.
struct QueueRun: Sendable {
    let queue: WorkQueue
    /// One caller at a time on the queue's connection (its transactions must not interleave).
    let lock = NSLock()
    /// How often a waiting batch looks at the queue.
    let poll: Duration = .milliseconds(200)

    init(url: String, environment: [String: String]) throws {
        queue = try WorkQueue(url: url, environment: environment)
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func callAsFunction(_ requests: [Event]) async -> [String: Outcome] {
        let wanted = requests.compactMap { r in
            r.analysisID.map { QueuedRequest(id: $0, user: r.userID, lines: [r.json.text]) }
        }
        do {
            _ = try locked { try queue.enqueue(wanted) }
            var split: [String: [String]] = [:]
            while split.count < wanted.count, !Task.isCancelled {
                for r in wanted where split[r.id] == nil {
                    if let ended = try locked({ try queue.ended(r.id) }) {
                        split[r.id] = ended.output.split(separator: "\n").map(String.init)
                    }
                }
                if split.count < wanted.count { try await Task.sleep(for: poll) }
            }
            return PipelineRun.outcomes(wanted.map(\.id), split)
        } catch {
            printError("hos-serve: queue: \(error)")
            return PipelineRun.outcomes(wanted.map(\.id), [:])
        }
    }
}
