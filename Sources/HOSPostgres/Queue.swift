// The work queue many machines share: analysis requests as rows, claimed with FOR UPDATE SKIP LOCKED under a
// lease that a live worker renews and a dead one lets expire, completed only by the claim that still holds it.

import Foundation
import HOSCore

/// The queue table of one database, seen through one connection.
public struct WorkQueue: Sendable {
    public let connection: PGConnection

    /// Connects and applies the schema's migrations.
    public init(url: String, environment: [String: String]) throws {
        connection = try PGConnection(PGAddress(url: url, environment: environment), environment: environment)
        try PGSchema.migrate(connection)
    }

    /// Adds the requests not already on the queue (by id) and returns which were new.
    public func enqueue(_ requests: [QueuedRequest]) throws -> [Bool] {
        try connection.transaction("enqueue") {
            try requests.map { r in
                let body = r.lines.map { $0 + "\n" }.joined()
                return try connection.execute(
                    """
                    INSERT INTO hos_queue (request_id, user_id, body, events) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (request_id) DO NOTHING
                    """, [.text(r.id), .text(r.user), .text(body), .int(r.lines.count)], operation: "enqueue") == 1
            }
        }
    }

    /// Claims up to `limit` requests for `worker` for `leaseSeconds`: pending ones, and running ones whose
    /// lease expired (their worker died), oldest first, at most one per user and none of a user whose earlier
    /// request is still open, so that each user's analyses run in the order they were queued. Requests whose
    /// lease expired `maxAttempts` times fail instead.
    public func claim(worker: String, limit: Int, leaseSeconds: Double, maxAttempts: Int) throws -> [QueuedRequest] {
        try connection.transaction("claim") {
            try connection.execute(
                """
                UPDATE hos_queue SET state = 'failed', finished_at = clock_timestamp(), lease_until = NULL,
                       error = 'abandoned: lease expired after ' || attempts || ' attempts'
                WHERE state = 'running' AND lease_until < clock_timestamp() AND attempts >= $1
                """, [.int(maxAttempts)], operation: "claim")
            let rows = try connection.query(
                """
                WITH open AS (
                    SELECT request_id, seq, user_id FROM hos_queue
                    WHERE state = 'pending' OR (state = 'running' AND lease_until < clock_timestamp())
                    ORDER BY seq FOR UPDATE SKIP LOCKED LIMIT $2 * 4),
                first AS (
                    SELECT DISTINCT ON (o.user_id) o.request_id, o.seq FROM open o
                    WHERE NOT EXISTS (
                        SELECT 1 FROM hos_queue e
                        WHERE e.user_id = o.user_id AND e.seq < o.seq AND e.state IN ('pending', 'running'))
                    ORDER BY o.user_id, o.seq),
                picked AS (SELECT request_id FROM first ORDER BY seq LIMIT $2)
                UPDATE hos_queue q SET state = 'running', attempts = q.attempts + 1, worker = $1,
                       lease_until = clock_timestamp() + make_interval(secs => $3)
                FROM picked WHERE q.request_id = picked.request_id
                RETURNING q.request_id, q.user_id, q.body, q.attempts, q.seq
                """, [.text(worker), .int(limit), .double(leaseSeconds)], operation: "claim")
            return rows.sorted { ($0.int(4) ?? 0) < ($1.int(4) ?? 0) }.map { row in
                QueuedRequest(
                    id: row.string(0) ?? "", user: row.string(1) ?? "",
                    lines: (row.string(2) ?? "").split(separator: "\n").map(String.init), attempt: row.int(3) ?? 0)
            }
        }
    }

    /// Extends the lease of every request `worker` holds; returns how many it holds.
    @discardableResult
    public func renew(worker: String, leaseSeconds: Double) throws -> Int {
        try connection.execute(
            """
            UPDATE hos_queue SET lease_until = clock_timestamp() + make_interval(secs => $2)
            WHERE worker = $1 AND state = 'running'
            """, [.text(worker), .double(leaseSeconds)], operation: "renew lease")
    }

    /// Records a request's end (done with its output lines, or failed with a reason) if `worker` still holds
    /// this attempt's claim; false when the claim was lost (its lease expired and another worker took it).
    public func finish(
        _ request: QueuedRequest, worker: String, done: Bool, output: [String], error: String?
    ) throws -> Bool {
        let text = output.map { $0 + "\n" }.joined()
        return try connection.execute(
            """
            UPDATE hos_queue SET state = $4, output = $5, error = $6, finished_at = clock_timestamp(),
                   lease_until = NULL
            WHERE request_id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'
            """,
            [
                .text(request.id), .text(worker), .int(request.attempt), .text(done ? "done" : "failed"),
                .text(text), error.map(PGValue.text) ?? .null,
            ], operation: "finish") == 1
    }

    /// How many requests are in each state.
    public func counts() throws -> QueueCounts {
        var c = QueueCounts()
        for row in try connection.query(
            "SELECT state, count(*)::int8 FROM hos_queue GROUP BY state", operation: "count")
        {
            let n = row.int(1) ?? 0
            switch row.string(0) {
            case "pending": c.pending = n
            case "running": c.running = n
            case "done": c.done = n
            case "failed": c.failed = n
            default: break
            }
        }
        return c
    }

    /// The request `id` once it has ended (done or failed); nil while it is pending or running, or unknown.
    public func ended(_ id: String) throws -> FinishedRequest? {
        try connection.query(
            """
            SELECT seq, request_id, user_id, state, coalesce(output, ''), error, attempts FROM hos_queue
            WHERE request_id = $1 AND state IN ('done', 'failed')
            """, [.text(id)], operation: "read result"
        ).first.map(Self.finishedRequest)
    }

    static func finishedRequest(_ row: PGRow) -> FinishedRequest {
        FinishedRequest(
            seq: row.int(0) ?? 0, id: row.string(1) ?? "", user: row.string(2) ?? "",
            done: row.string(3) == "done", output: row.string(4) ?? "", error: row.string(5),
            attempts: row.int(6) ?? 0)
    }

    /// Finished requests after `seq` in queue order, at most `limit`: (seq, id, user, state, output, error).
    public func finished(after seq: Int, limit: Int) throws -> [FinishedRequest] {
        try connection.query(
            """
            SELECT seq, request_id, user_id, state, coalesce(output, ''), error, attempts FROM hos_queue
            WHERE seq > $1 AND state IN ('done', 'failed') ORDER BY seq LIMIT $2
            """, [.int(seq), .int(limit)], operation: "read results"
        ).map(Self.finishedRequest)
    }
}
