// A step's process: spawned with its standard input and output on pipes, killed and reaped on demand.

import Foundation
import Glibc
import HOSCore

/// A running child process with a pipe to its stdin and one from its stdout; stderr is shared with hos-run.
final class ChildProcess {
    let pid: pid_t
    /// The write end of the child's stdin, non-blocking; -1 once closed.
    private(set) var stdinFD: Int32
    /// The read end of the child's stdout, non-blocking.
    let stdoutFD: Int32
    private var reaped: Int32?

    /// Starts `argv` with `environment` for the step `step` (named in errors); pipes are close-on-exec so
    /// no other child inherits them.
    init(step: String, argv: [String], environment: [String: String]) throws(PipelineError) {
        // Pipes are made and marked close-on-exec under one lock with the spawn: a child started by
        // another thread in between would otherwise inherit them and keep them open.
        ChildProcess.spawnLock.lock()
        defer { ChildProcess.spawnLock.unlock() }
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        // The failure is the step's (or hos-run's: out of file descriptors), never its program's.
        guard closeOnExecPipe(&inPipe) else {
            throw PipelineError.spawn(step: step, message: "cannot make a pipe: \(errnoText())")
        }
        guard closeOnExecPipe(&outPipe) else {
            let e = errno
            close(inPipe[0])
            close(inPipe[1])
            throw PipelineError.spawn(step: step, message: "cannot make a pipe: \(errnoText(e))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The child starts with default signal handling: hos-run ignores SIGPIPE and SIGXFSZ, a run: step
        // must not inherit that (an agent sets its own).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGXFSZ)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        // Its own process group: a kill reaches a run: step's whole pipeline, and hos-run alone decides
        // what a Ctrl-C does to the steps.
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let args = argv.map { strdup($0) } + [nil]
        let env = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in args { free(p) }
            for p in env { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, argv[0], &actions, &attr, args, env)
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            throw PipelineError.spawn(step: step, message: "\(argv[0]): \(errnoText(rc))")
        }
        pid = child
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(stdoutFD, F_SETFL, fcntl(stdoutFD, F_GETFL) | O_NONBLOCK)
    }

    static let spawnLock = NSLock()

    /// Signals end of input.
    func closeStdin() {
        if stdinFD >= 0 { close(stdinFD) }
        stdinFD = -1
    }

    /// Kills the child's process group (SIGKILL: a hung agent ignores nothing) and reaps the child.
    func kill() {
        if reaped == nil {
            _ = Glibc.kill(-pid, SIGKILL)
            _ = Glibc.kill(pid, SIGKILL)
        }
        _ = waitExit()
        closeStdin()
    }

    /// The exit status once the child has ended, waiting at most `ms`; killed when it has not by then.
    func waitExit(withinMS ms: Double) -> Int32 {
        if let reaped { return reaped }
        let deadline = nowMS() + ms
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                reaped = code
                return code
            }
            if r < 0 && errno != EINTR { return waitExit() }
            if nowMS() >= deadline {
                kill()
                return reaped ?? 137
            }
            usleep(2000)
        }
    }

    /// Waits for the child; its exit status, or 128 + the signal that ended it.
    @discardableResult
    func waitExit() -> Int32 {
        if let reaped { return reaped }
        var status: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &status, 0) } while r < 0 && errno == EINTR
        // A child that cannot be waited for (ECHILD) did not succeed: its status is unknown, never 0.
        let code: Int32 = r < 0 ? 1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        reaped = code
        return code
    }

    deinit {
        kill()
        close(stdoutFD)
    }
}

/// The program a step runs, resolved once.
enum Program {
    /// `hos-NAME` beside this executable first, then on PATH.
    static func agent(_ name: String, path: String?) -> String? {
        let exe = "hos-\(name)"
        if let dir = selfDirectory(), FileManager.default.isExecutableFile(atPath: "\(dir)/\(exe)") {
            return "\(dir)/\(exe)"
        }
        for dir in (path ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(exe)") {
            return "\(dir)/\(exe)"
        }
        return nil
    }

    /// The agent whose name is nearest `name` (at most 2 edits), among the `hos-*` programs beside this
    /// executable and on PATH: what a user who typed `behaviour` meant.
    static func nearest(agent name: String, path: String?) -> String? {
        let dirs = [selfDirectory()].compactMap { $0 } + (path ?? "").split(separator: ":").map(String.init)
        var best: (name: String, distance: Int)?
        for dir in dirs {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            where file.hasPrefix("hos-") && FileManager.default.isExecutableFile(atPath: "\(dir)/\(file)") {
                let candidate = String(file.dropFirst(4))
                let d = editDistance(candidate, name)
                if d <= 2, d < (best?.distance ?? .max) { best = (candidate, d) }
            }
        }
        return best?.name
    }

    /// Levenshtein distance of two short names.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let (x, y) = (Array(a), Array(b))
        guard !x.isEmpty else { return y.count }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[y.count]
    }

    /// The folder of the running executable.
    static func selfDirectory() -> String? {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return CommandLine.arguments.first.map { ($0 as NSString).deletingLastPathComponent }
        }
        return (exe as NSString).deletingLastPathComponent
    }
}

/// A pipe whose two ends are closed on exec.
func closeOnExecPipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}
