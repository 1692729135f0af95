// One step of a running pipeline: feeds its process, commits its output an analysis at a time, fails over.

import Foundation
import Glibc
import HOSCore

/// What a step did over a run, for `--status`.
public struct StepStatus: Sendable {
    public var step: String
    public var starts = 0
    public var failures = 0
    public var degraded = 0
    /// Exits with a non-zero status after every analysis was passed on (nothing to replay).
    public var endFailures = 0
    public var analyses = 0
    public var eventsIn = 0
    public var eventsOut = 0
    /// Milliseconds from an analysis' first event written to its request read back, per analysis.
    public var latencies: [Double] = []
}

/// How a step's process is started.
struct Launch: Sendable {
    var argv: [String]
    var environment: [String: String]
}

/// Runs one step's process between two queues of segments.
///
/// Segments are written to the process as fast as it reads them (at most `window` ahead); its output
/// is held until the segment's request comes back, then passed on whole. When the process exits,
/// writes something that is not an event, or holds a request longer than the timeout, it is killed
/// and restarted and every segment not yet passed on is written again; after `retries` restarts for
/// the same segment, that segment is passed on as it came in, with an `agent_error` (degrade), or
/// the run stops (fail). When input is not grouped by user, a user's earlier events may have passed on
/// in another user's segment: those are kept until the user's own request passes and written first on
/// a restart, and what the process forwards of them again is dropped (it went on before).
final class StepNode: @unchecked Sendable {
    let spec: StepSpec
    let launch: Launch
    let input: BoundedQueue<Segment>
    let output: BoundedQueue<Segment>
    let maxLineBytes: Int
    let cancellation: Cancellation
    /// Segments written ahead of the one awaited.
    let window = 4
    /// Output held for one analysis at most; a step writing more without passing its request on has failed.
    let maxPendingBytes = 256 << 20
    private let statusLock = NSLock()
    private var _status: StepStatus
    /// What the step did so far (read by the runner at the end).
    var status: StepStatus {
        statusLock.lock()
        defer { statusLock.unlock() }
        return _status
    }

    /// A segment written to the process and not yet passed on.
    private struct Inflight {
        var segment: Segment
        /// When it was first pulled (kept across restarts: latency includes retries).
        var firstWrite: Double
    }

    private let onStep: (@Sendable (StepProgress) -> Void)?
    private var process: ChildProcess?
    private var inflight: [Inflight] = []
    private var writeBuffer: [UInt8] = []
    private var writeOffset = 0
    private var queued = 0
    private var written = 0
    private var readBuffer: [UInt8] = []
    private var pendingOut: [Line] = []
    private var pendingBytes = 0
    private var attempts = 0
    private var inputClosed = false
    /// Since when the oldest in-flight segment has been awaited: its timeout runs from here.
    private var headSince = 0.0
    /// When the last analysis was passed on: an analysis' time starts at the later of this and its pull.
    private var lastCommit = 0.0
    /// The process died with nothing in flight; it is started again when input comes.
    private var diedIdle = false
    /// Input lines that passed on in another user's segment, kept until their own user's request passes.
    private var carry: [Line] = []
    /// Event ids of carried lines written again on the last restart, whose forwarded copies are dropped.
    private var replayed: [String: Int] = [:]
    /// The lines written to the process since its start, in order, from `expectedHead` on not yet seen
    /// forwarded. An agent forwards its input byte for byte, so an output line equal to the next of them is
    /// that line, already checked: most lines need no scan.
    private var expected: [Line] = []
    private var expectedHead = 0

    init(
        spec: StepSpec, launch: Launch, input: BoundedQueue<Segment>, output: BoundedQueue<Segment>,
        maxLineBytes: Int, cancellation: Cancellation, onStep: (@Sendable (StepProgress) -> Void)? = nil
    ) {
        self.onStep = onStep
        self.spec = spec
        self.launch = launch
        self.input = input
        self.output = output
        self.maxLineBytes = maxLineBytes
        self.cancellation = cancellation
        _status = StepStatus(step: spec.id)
    }

    private func update(_ body: (inout StepStatus) -> Void) {
        statusLock.lock()
        body(&_status)
        statusLock.unlock()
    }

    private var stopping: Bool {
        if Signals.stopRequested { cancellation.cancel(Interrupted()) }
        return cancellation.isCancelled
    }

    /// The thread body: runs until the input is closed and every segment has been passed on, or the run is cancelled.
    func run() {
        defer {
            process?.kill()
            process = nil
            output.close()
        }
        do {
            try start()
            while !stopping {
                if !inputClosed && inflight.count < window { try pull() }
                if inputClosed && inflight.isEmpty {
                    try finishProcess()
                    return
                }
                try pollOnce()
            }
        } catch {
            cancellation.cancel(error)
        }
    }

    /// Starts (or restarts) the process and writes it every segment not yet passed on.
    private func start() throws(PipelineError) {
        update { $0.starts += 1 }
        var env = launch.environment
        env["HOS_RUN_START"] = String(status.starts)
        process = try ChildProcess(step: spec.id, argv: launch.argv, environment: env)
        diedIdle = false
        writeBuffer = []
        writeOffset = 0
        queued = 0
        written = 0
        readBuffer = []
        pendingOut = []
        pendingBytes = 0
        headSince = nowMS()
        replayed = [:]
        expected = carry
        expectedHead = 0
        if !carry.isEmpty {
            var bytes: [UInt8] = []
            for c in carry {
                bytes += c.bytes
                bytes.append(0x0A)
                if !c.id.isEmpty { replayed[c.id, default: 0] += 1 }
            }
            writeBuffer += bytes
            queued += bytes.count
        }
        for i in inflight.indices { enqueue(i) }
        closeInputIfDone()
    }

    private func enqueue(_ i: Int) {
        if writeOffset == writeBuffer.count {
            writeBuffer.removeAll(keepingCapacity: true)
            writeOffset = 0
        }
        let seg = inflight[i].segment
        let bytes = seg.bytes()
        writeBuffer += bytes
        queued += bytes.count
        if expectedHead > 1024 && expectedHead * 2 > expected.count {
            expected.removeFirst(expectedHead)
            expectedHead = 0
        }
        expected += seg.lines
        if let barrier = seg.barrier {
            expected.append(Line(bytes: barrier, id: seg.barrierID, user: seg.user, isAgentError: false))
        }
    }

    /// The written line that `bytes` forwards, if it is the next one expected (or the one after, when the
    /// process dropped one); nil for a line of its own, or one it changed.
    private func forwarded(_ bytes: [UInt8]) -> Line? {
        for k in expectedHead..<min(expectedHead + 2, expected.count) where Self.same(expected[k].bytes, bytes) {
            expectedHead = k + 1
            return expected[k]
        }
        return nil
    }

    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 }
        }
    }

    private func closeInputIfDone() {
        if inputClosed && written == queued { process?.closeStdin() }
    }

    private func pull() throws(PipelineError) {
        input.drainWake()
        while inflight.count < window {
            switch input.tryPop() {
            case .item(let seg):
                if inflight.isEmpty { headSince = nowMS() }
                inflight.append(Inflight(segment: seg, firstWrite: nowMS()))
                if seg.barrier != nil {
                    onStep?(
                        StepProgress(
                            step: spec.id, phase: .started, user: seg.user,
                            analysisID: seg.analysisID ?? seg.barrierID))
                }
                update { $0.eventsIn += seg.lines.count + (seg.barrier == nil ? 0 : 1) }
                if process == nil {
                    try start()
                } else {
                    enqueue(inflight.count - 1)
                }
            case .empty:
                return
            case .closed:
                inputClosed = true
                closeInputIfDone()
                return
            }
        }
    }

    /// Waits at most 200 ms for the process or the input, so that a stop or a timeout is noticed.
    private func pollOnce() throws(PipelineError) {
        guard let p = process else {
            var fd = pollfd(fd: input.wakeRead, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, 200)
            return
        }
        var fds: [pollfd] = [pollfd(fd: p.stdoutFD, events: Int16(POLLIN), revents: 0)]
        let wantWrite = writeOffset < writeBuffer.count && p.stdinFD >= 0
        if wantWrite { fds.append(pollfd(fd: p.stdinFD, events: Int16(POLLOUT), revents: 0)) }
        if !inputClosed && inflight.count < window {
            fds.append(pollfd(fd: input.wakeRead, events: Int16(POLLIN), revents: 0))
        }
        var timeout: Int32 = 200
        if !inflight.isEmpty {
            timeout = Int32(max(0, min(200, headSince + spec.policy.timeout * 1000 - nowMS())))
        }
        let n = poll(&fds, nfds_t(fds.count), timeout)
        if n < 0 && errno != EINTR { throw .io("poll failed: \(String(cString: strerror(errno)))") }
        if n > 0 {
            if wantWrite, fds[1].revents != 0 { writeSome() }
            if fds[0].revents != 0 { try readSome() }
        }
        // Checked after every wake, not only on a silent poll: a step may write for ever and never answer.
        if process === p, !inflight.isEmpty, nowMS() >= headSince + spec.policy.timeout * 1000 {
            try failure("passed no analysis_request on within its timeout of \(spec.policy.timeoutText)")
        }
    }

    private func writeSome() {
        guard let p = process, p.stdinFD >= 0 else { return }
        let n = writeBuffer.withUnsafeBytes { buf in
            Glibc.write(p.stdinFD, buf.baseAddress! + writeOffset, writeBuffer.count - writeOffset)
        }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            // The process no longer reads (it died): its output, or its end, tells the rest.
            p.closeStdin()
            writeOffset = writeBuffer.count
            return
        }
        writeOffset += n
        written += n
        closeInputIfDone()
    }

    private func readSome() throws(PipelineError) {
        guard let p = process else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(p.stdoutFD, $0.baseAddress!, 65536) }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            throw .io("read failed: \(String(cString: strerror(errno)))")
        }
        if n == 0 {
            try endOfOutput()
            return
        }
        readBuffer += chunk[0..<n]
        var start = 0
        while let nl = Self.newline(in: readBuffer, from: start) {
            let line = Array(readBuffer[start..<nl])
            start = nl + 1
            try take(line)
            if process !== p { return }
        }
        readBuffer.removeFirst(start)
        if readBuffer.count > maxLineBytes { try failure("wrote a line longer than \(maxLineBytes) bytes") }
    }

    /// The index of the first newline at or after `from`, found by memchr rather than by a byte-wise search
    /// through array slices.
    static func newline(in buffer: [UInt8], from: Int) -> Int? {
        buffer.withUnsafeBufferPointer { b -> Int? in
            guard from < b.count, let base = b.baseAddress,
                let hit = memchr(base + from, 0x0A, b.count - from)
            else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// One output line of the process.
    private func take(_ line: [UInt8]) throws(PipelineError) {
        if line.isEmpty { return }
        guard let line = forwarded(line) ?? Line(checking: line) else {
            try failure("wrote a line that is not an event")
            return
        }
        let id = line.id
        if let first = inflight.first, first.segment.barrier != nil, id == first.segment.barrierID {
            commit(line.bytes)
        } else if !replayed.isEmpty, let n = replayed[id] {
            // A carried line forwarded again after a restart: it went on the first time.
            replayed[id] = n > 1 ? n - 1 : nil
        } else {
            pendingOut.append(line)
            pendingBytes += line.bytes.count + 1
            if pendingBytes > maxPendingBytes {
                try failure(
                    "wrote more than \(maxPendingBytes >> 20) MiB for one analysis without passing its request on")
            }
        }
    }

    /// The awaited request came back: its segment goes on with what the step wrote for it.
    private func commit(_ barrier: [UInt8]) {
        let done = inflight.removeFirst()
        var seg = done.segment
        if !carry.isEmpty { carry.removeAll { $0.user == seg.user } }
        if seg.mixed {
            for l in seg.lines where l.user != nil && l.user != seg.user { carry.append(l) }
        }
        let created = Self.created(pendingOut, input: seg.lines)
        seg.results.append((spec.id, created))
        seg.lines = pendingOut
        seg.barrier = barrier
        let now = nowMS()
        let ms = now - max(done.firstWrite, lastCommit)
        lastCommit = now
        seg.timings.append((spec.id, ms))
        onStep?(
            StepProgress(
                step: spec.id, phase: .finished, user: seg.user, analysisID: seg.analysisID ?? seg.barrierID, ms: ms))
        let out = pendingOut.count + 1
        update {
            $0.latencies.append(ms)
            $0.analyses += 1
            $0.eventsOut += out
        }
        pendingOut = []
        pendingBytes = 0
        attempts = 0
        output.push(seg)
        // The next analysis' clock starts now, not before a push that may have waited on the next step.
        headSince = nowMS()
    }

    /// What a step wrote that it was not given: its output less the input it forwarded.
    static func created(_ output: [Line], input: [Line]) -> [Line] {
        // Agents forward their input in order and add a few events: the forwarded ones are met walking
        // both lists together, and only the rest are looked up, in a set once they are many.
        var next = 0
        var ids: Set<String>? = nil
        var looked = 0
        return output.filter { line in
            if line.id.isEmpty { return true }
            while next < input.count, input[next].id.isEmpty { next += 1 }
            if next < input.count, input[next].id == line.id {
                next += 1
                return false
            }
            looked += 1
            if ids == nil, looked > 8 { ids = Set(input.lazy.filter { !$0.id.isEmpty }.map(\.id)) }
            if let ids { return !ids.contains(line.id) }
            return !input.contains { $0.id == line.id }
        }
    }

    private func endOfOutput() throws(PipelineError) {
        guard let p = process else { return }
        let code = p.waitExit(withinMS: spec.policy.timeout * 1000)
        if inputClosed && !inflight.contains(where: { $0.segment.barrier != nil }) {
            // Every request was answered; what came after the last one goes on as it is.
            process = nil
            if !inflight.isEmpty || !pendingOut.isEmpty {
                var tail =
                    inflight.first?.segment
                    ?? Segment(seq: Int.max, lines: [], barrier: nil, barrierID: "", user: "", timestamp: "")
                tail.lines = pendingOut
                inflight.removeAll()
                pendingOut = []
                output.push(tail)
            }
            if code != 0 { try endFailure("exited with status \(code) at end of input") }
            return
        }
        process = nil
        try failure(
            code == 0 ? "closed its output before passing every analysis_request on" : "exited with status \(code)")
    }

    private func endFailure(_ message: String) throws(PipelineError) {
        update {
            $0.failures += 1
            $0.endFailures += 1
        }
        printError("hos-run: warning: step \(spec.id) \(message)")
        if spec.policy.onFailure == .fail { throw .stepFailed(step: spec.id, message: message) }
    }

    /// The process failed: restart and replay, or give the oldest segment up.
    private func failure(_ reason: String) throws(PipelineError) {
        update { $0.failures += 1 }
        process?.kill()
        process = nil
        if stopping { return }
        guard !inflight.isEmpty else {
            // Nothing to replay: start again when input comes, so a step that cannot start does not spin.
            printError(
                "hos-run: step \(spec.id) \(reason) with no analysis in flight; it starts again with the next one")
            diedIdle = true
            return
        }
        attempts += 1
        let retrying = attempts <= spec.policy.retries
        let analysis = inflight.first.map { $0.segment.analysisID ?? $0.segment.barrierID } ?? "-"
        printError(
            "hos-run: step \(spec.id) \(reason)"
                + (retrying
                    ? "; restarting it (retry \(attempts) of \(spec.policy.retries))"
                    : spec.policy.onFailure == .degrade ? "; analysis \(analysis) completes without it" : ""))
        if !retrying {
            if spec.policy.onFailure == .fail { throw .stepFailed(step: spec.id, message: reason) }
            var seg = inflight.removeFirst().segment
            seg.degraded.append(spec.id)
            seg.lines.append(
                Line(
                    bytes: agentError(for: seg, reason: reason),
                    id: EventID.derive("agent_error", spec.id, seg.barrierID), user: seg.user,
                    isAgentError: true))
            update { $0.degraded += 1 }
            attempts = 0
            output.push(seg)
        } else {
            // A short pause, longer at each retry, so a failing dependency has a moment to recover.
            usleep(useconds_t(min(1_000_000, 50_000 * attempts)))
        }
        if !inflight.isEmpty { try start() }
    }

    private func agentError(for seg: Segment, reason: String) -> [UInt8] {
        let event = Event(
            id: EventID.derive("agent_error", spec.id, seg.barrierID), type: EventType.agentError, user: seg.user,
            timestamp: seg.timestamp, source: "hos-run", archetype: seg.archetype, analysisID: seg.analysisID,
            payload: [
                "agent": .string(spec.id), "code": "step_failed",
                "message": .string("\(reason); the analysis completes without it after \(spec.policy.retries) retries"),
                "event_id": .string(seg.barrierID),
            ])
        return event.encoded()
    }

    /// End of input: close the process's input and read the rest, within the step's timeout.
    private func finishProcess() throws(PipelineError) {
        guard let p = process else {
            if diedIdle { try endFailure("failed with no analysis in flight and was not needed again") }
            return
        }
        p.closeStdin()
        let deadline = nowMS() + spec.policy.timeout * 1000
        while process === p {
            if stopping { return }
            let remaining = deadline - nowMS()
            if remaining <= 0 {
                p.kill()
                process = nil
                try endFailure("did not end within its timeout of \(spec.policy.timeoutText) after its input ended")
                return
            }
            var fd = pollfd(fd: p.stdoutFD, events: Int16(POLLIN), revents: 0)
            if poll(&fd, 1, Int32(min(200, remaining))) > 0 { try readSome() }
        }
    }
}
