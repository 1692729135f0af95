// Byte-level input and output: chunked line reading, buffered atomic output, signals, stderr.

import Glibc
import Synchronization

/// Receives the lines of an input, in order.
public protocol LineHandler {
    /// One line without its `\n` (and without a `\r` before it). The bytes live until the call returns.
    mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws
    /// A piece of a line longer than the limit; `isEnd` on its last piece.
    mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws
}

/// An input stream: a named file or standard input.
public struct InputFile: Sendable {
    /// The name for diagnostics (`<stdin>` for standard input).
    public var name: String
    public var path: String?

    public static let stdin = InputFile(name: "<stdin>", path: nil)

    /// `-` means standard input, as in xsv and jq.
    public init(argument: String) {
        if argument == "-" { self = .stdin } else { self.init(name: argument, path: argument) }
    }

    public init(name: String, path: String?) {
        self.name = name
        self.path = path
    }

    /// Fails with exit 66 when the file cannot be read, before any output is written.
    public func checkReadable() throws(HOSError) {
        guard let path else { return }
        var st = stat()
        guard stat(path, &st) == 0 else { throw HOSError.noInput(name, "cannot open: \(errnoText())") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw HOSError.noInput(name, "is a directory") }
        guard access(path, R_OK) == 0 else { throw HOSError.noInput(name, "cannot open: \(errnoText())") }
    }

    /// Reads the input line by line with at most `maxLineBytes` held per line.
    public func readLines<H: LineHandler>(maxLineBytes: Int, into handler: inout H) throws {
        try readLines(maxLineBytes: maxLineBytes, readSize: LineSplitter.defaultReadSize, into: &handler)
    }

    /// As `readLines(maxLineBytes:into:)` with a chosen read size; tests use tiny ones to hit every boundary.
    func readLines<H: LineHandler>(maxLineBytes: Int, readSize: Int, into handler: inout H) throws {
        var fd: Int32 = 0
        if let path {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HOSError.noInput(name, "cannot open: \(errnoText())") }
        }
        defer { if path != nil { close(fd) } }
        try LineSplitter(fd: fd, name: name, maxLineBytes: maxLineBytes, readSize: readSize).run(&handler)
    }
}

/// Splits a file descriptor's bytes into lines, reading large chunks.
struct LineSplitter {
    let fd: Int32
    let name: String
    let maxLineBytes: Int
    var readSize = defaultReadSize
    static let defaultReadSize = 1 << 20

    func run<H: LineHandler>(_ handler: inout H) throws {
        // Room for a whole line at the limit, its CR, and one read.
        let capacity = maxLineBytes + 2 + readSize
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buf.deallocate() }
        var start = 0
        var end = 0
        var scanned = 0
        var lineNumber = 0
        var oversize = false
        while true {
            // Serve every complete line in the buffer.
            while scanned < end {
                let found = memchr(buf + scanned, 0x0A, end - scanned)
                guard let nl = found?.assumingMemoryBound(to: UInt8.self) else {
                    scanned = end
                    break
                }
                let k = buf.distance(to: nl)
                lineNumber += oversize ? 0 : 1
                if oversize {
                    try handler.oversizeChunk(
                        UnsafeBufferPointer(start: buf + start, count: k - start),
                        number: lineNumber, isEnd: true)
                    oversize = false
                } else {
                    try complete(buf + start, count: k - start, number: lineNumber, &handler)
                }
                start = k + 1
                scanned = start
            }
            // A partial line longer than the limit goes out in pieces, so memory stays bounded.
            // A CR at the end may be half of the line's CRLF, so it does not count yet.
            let partial = end - start - (end > start && buf[end - 1] == 0x0D ? 1 : 0)
            if partial > maxLineBytes || (oversize && end > start) {
                if !oversize { lineNumber += 1 }
                oversize = true
                try handler.oversizeChunk(
                    UnsafeBufferPointer(start: buf + start, count: end - start),
                    number: lineNumber, isEnd: false)
                start = end
            }
            if start > 0 {
                memmove(buf, buf + start, end - start)
                end -= start
                scanned -= start
                start = 0
            }
            if Signals.stopRequested { throw Interrupted() }
            let n = read(fd, buf + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw HOSError.io("\(name): read error: \(errnoText())")
            }
            if n == 0 {
                if oversize {
                    try handler.oversizeChunk(
                        UnsafeBufferPointer(start: buf, count: end), number: lineNumber, isEnd: true)
                } else if end > 0 {
                    lineNumber += 1
                    try complete(buf, count: end, number: lineNumber, &handler)
                }
                return
            }
            end += n
        }
    }

    /// A whole line of `count` bytes at `p` (without its LF): the line less a final CR, or, over the limit, one
    /// oversize piece that is also its end.
    @inline(__always)
    func complete<H: LineHandler>(_ p: UnsafeMutablePointer<UInt8>, count: Int, number: Int, _ handler: inout H)
        throws
    {
        var length = count
        if length > 0, p[length - 1] == 0x0D { length -= 1 }
        if length > maxLineBytes {
            try handler.oversizeChunk(UnsafeBufferPointer(start: p, count: count), number: number, isEnd: true)
        } else {
            try handler.line(UnsafeBufferPointer(start: p, count: length), number: number)
        }
    }
}

/// Thrown when SIGINT or SIGTERM asked the run to stop.
public struct Interrupted: Error {
    public init() {}
}

/// The reader of the output went away (EPIPE): a clean end, exit 0.
public struct OutputClosed: Error {
    public init() {}
}

/// Buffered output to stdout or to a file written atomically (temporary file, then rename).
public final class OutputSink {
    private let fd: Int32
    private let finalPath: String?
    private let tempPath: String?
    /// The file's name in error messages.
    private let name: String
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 18
    private var used = 0
    private var closed = false
    /// Lines written so far.
    public private(set) var lines = 0

    /// Standard output.
    public init() {
        fd = 1
        name = "<stdout>"
        finalPath = nil
        tempPath = nil
        buffer = .allocate(capacity: capacity)
    }

    /// A file that appears under `path` only when `commit()` is called; `-` means stdout.
    /// A new file is private (mode 0600: it holds health data); a replaced file keeps its mode.
    public init(path: String) throws(HOSError) {
        name = path == "-" ? "<stdout>" : path
        if path == "-" {
            fd = 1
            finalPath = nil
            tempPath = nil
        } else {
            var st = stat()
            let mode: mode_t = stat(path, &st) == 0 ? st.st_mode & 0o777 : 0o600
            // O_EXCL with an unguessable name: a planted file or symlink at the temporary name is never followed.
            var f: Int32 = -1
            var temp = ""
            for _ in 0..<8 {
                temp = path + ".tmp-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                f = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
                if f >= 0 || errno != EEXIST { break }
            }
            guard f >= 0 else { throw HOSError.io("\(path): cannot create: \(errnoText())") }
            fchmod(f, mode)
            fd = f
            finalPath = path
            tempPath = temp
            Self.uncommitted.withLock { _ = $0.insert(temp) }
        }
        buffer = .allocate(capacity: capacity)
    }

    /// Appends to a file (the dead-letter file), created if missing; no rename.
    public init(appendingTo path: String) throws(HOSError) {
        let f = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard f >= 0 else { throw HOSError.io("\(path): cannot open: \(errnoText())") }
        fd = f
        name = path
        finalPath = nil
        tempPath = nil
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if !closed { dropTemp() }
        if fd > 2 { close(fd) }
    }

    /// Temporary files of sinks neither committed nor abandoned: a run that ends on an error removes them
    /// (`removeUncommitted`), since they hold health data and no one would ever rename them.
    static let uncommitted = Mutex<Set<String>>([])

    /// Removes every temporary output file not yet moved into place; called on every failing exit.
    public static func removeUncommitted() {
        uncommitted.withLock { paths in
            for p in paths { unlink(p) }
            paths.removeAll()
        }
    }

    private func dropTemp() {
        guard let tempPath else { return }
        unlink(tempPath)
        _ = Self.uncommitted.withLock { $0.remove(tempPath) }
    }

    /// Appends bytes; flushes when the buffer fills.
    @inline(__always)
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if used + bytes.count > capacity {
            try flush()
            if bytes.count > capacity {
                try writeAll(bytes.baseAddress!, bytes.count)
                return
            }
        }
        if bytes.count > 0 {
            (buffer + used).update(from: bytes.baseAddress!, count: bytes.count)
            used += bytes.count
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try write($0) }
    }

    public func write(_ text: String) throws {
        var t = text
        try t.withUTF8 { try write($0) }
    }

    /// Appends one line and its newline.
    @inline(__always)
    public func writeLine(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if used + bytes.count + 1 > capacity { try flush() }
        if bytes.count + 1 > capacity {
            try writeAll(bytes.baseAddress!, bytes.count)
            try writeAll([0x0A], 1)
        } else {
            if bytes.count > 0 { (buffer + used).update(from: bytes.baseAddress!, count: bytes.count) }
            buffer[used + bytes.count] = 0x0A
            used += bytes.count + 1
        }
        lines += 1
    }

    public func writeLine(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try writeLine($0) }
    }

    /// Writes out everything buffered. Only whole lines are ever buffered, so a flush never cuts an event.
    public func flush() throws {
        guard used > 0 else { return }
        let n = used
        used = 0
        try writeAll(buffer, n)
    }

    private func writeAll(_ p: UnsafePointer<UInt8>, _ count: Int) throws {
        var off = 0
        while off < count {
            let n = systemWrite(fd, p + off, count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw OutputClosed() }
                throw HOSError.io("\(name): write error: \(errnoText())")
            }
            off += n
        }
    }

    /// Flushes and, for a file, moves it into place.
    public func commit() throws {
        try flush()
        guard let tempPath, let finalPath, !closed else { return }
        closed = true
        guard fsync(fd) == 0 || errno == EINVAL, rename(tempPath, finalPath) == 0 else {
            let e = errnoText()
            dropTemp()
            throw HOSError.io("\(finalPath): cannot write: \(e)")
        }
        _ = Self.uncommitted.withLock { $0.remove(tempPath) }
    }

    /// Drops a file being written; stdout is flushed up to the last whole line.
    public func abandon() {
        if tempPath != nil {
            if !closed { dropTemp() }
            closed = true
        } else {
            try? flush()
        }
    }
}

/// Signal handling shared by every command (STYLE.md habit 6).
public enum Signals {
    nonisolated(unsafe) static var caught: sig_atomic_t = 0

    /// Ignores SIGPIPE (writes then fail with EPIPE) and SIGXFSZ (writes past `ulimit -f` then fail with
    /// EFBIG, reported like a full disk: one line, exit 74), and turns SIGINT/SIGTERM into a clean stop.
    public static func install() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        for sig in [SIGINT, SIGTERM] {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = { Signals.caught = $0 }
            sigemptyset(&sa.sa_mask)
            // No SA_RESTART: a blocked read returns EINTR, so the reader notices at once.
            sa.sa_flags = 0
            sigaction(sig, &sa, nil)
        }
        // A parent (a test runner, a supervisor) may have left them blocked; a clean stop needs them delivered.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    public static var stopRequested: Bool { caught != 0 }

    /// 128 + the signal, the shell's convention for a run ended by a signal.
    public static var exitStatus: Int32 { 128 + Int32(caught) }
}

private let systemWrite = Glibc.write

/// Writes one diagnostic line to stderr, unbuffered.
public func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { buf in
        var off = 0
        while off < buf.count {
            let n = systemWrite(2, buf.baseAddress! + off, buf.count - off)
            if n <= 0 { if n < 0, errno == EINTR { continue } else { return } }
            off += n
        }
    }
}

/// The text of an errno value (by default the current one), in lower case.
public func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code)).lowercased()
}
