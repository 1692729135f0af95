// Fuzz target: a JSON-lines stream through the line splitter, the envelope scanner and the agents' runner.
//
// The input is the bytes of one stdin. Beyond "no crash, no leak, no hang", it checks properties that a
// crash alone would not show:
//   - the splitter yields the lines a plain split on LF (less one CR before it) gives, whatever the read size;
//   - Envelope.scan accepts exactly the lines JSONParser.parse reads as an object (but for numbers too
//     large for a double, which the envelope pass does not read, as hos-events(7) says);
//   - the fast health_record decoder agrees with the general one (same event, same record);
//   - a decoded event encodes to one line that decodes back to the same event;
//   - the runner loses nothing (in = forwarded + rejected) and every line it writes passes scan and check.

import FuzzSupport

@testable import HOSCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

nonisolated(unsafe) let input = ScratchFile()
nonisolated(unsafe) let output = ScratchFile()

/// Line-length limits and read sizes, chosen by the input's length so that a seed stays a plain file.
/// The largest of each stands for the defaults (1 MiB): inputs are shorter, and a buffer of the default
/// size, mapped and unmapped at each input, would cost more than the code under test.
let limits = [1 << 14, 48, 5, 300]
let readSizes = [1 << 16, 1, 2, 3, 7, 64, 4096]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLines(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    input.store(bytes)
    let maxLine = limits[size % limits.count]
    let readSize = readSizes[(size / limits.count) % readSizes.count]
    let expected = referenceSplit(bytes, maxLineBytes: maxLine)
    checkSplitter(expected, maxLineBytes: maxLine, readSize: readSize)
    for piece in expected where !piece.oversize {
        piece.bytes.withUnsafeBufferPointer { checkLine($0) }
    }
    checkRunner(expected, maxLineBytes: maxLine)
    return 0
}

/// One line as the splitter should hand it over.
struct Piece: Equatable {
    var number: Int
    var oversize: Bool
    /// The line without LF and CR; for an oversize line, every byte of it but the LF.
    var bytes: [UInt8]
}

func referenceSplit(_ bytes: UnsafeBufferPointer<UInt8>, maxLineBytes: Int) -> [Piece] {
    var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    if parts.last?.isEmpty == true { parts.removeLast() }
    return parts.enumerated().map { k, part in
        let length = part.count - (part.last == 0x0D ? 1 : 0)
        return length > maxLineBytes
            ? Piece(number: k + 1, oversize: true, bytes: Array(part))
            : Piece(number: k + 1, oversize: false, bytes: Array(part.prefix(length)))
    }
}

struct Recorder: LineHandler {
    var pieces: [Piece] = []
    var open: Piece?

    mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if open != nil { propertyFailed("line \(number) began before oversize line \(open!.number) ended") }
        pieces.append(Piece(number: number, oversize: false, bytes: Array(bytes)))
    }

    mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
        var piece = open ?? Piece(number: number, oversize: true, bytes: [])
        if piece.number != number { propertyFailed("oversize line \(piece.number) went on as line \(number)") }
        piece.bytes += bytes
        if isEnd {
            pieces.append(piece)
            open = nil
        } else {
            open = piece
        }
    }
}

func checkSplitter(_ expected: [Piece], maxLineBytes: Int, readSize: Int) {
    var recorder = Recorder()
    do {
        try LineSplitter(fd: input.fd, name: "<fuzz>", maxLineBytes: maxLineBytes, readSize: readSize).run(&recorder)
    } catch {
        propertyFailed("splitter threw \(error)")
    }
    if recorder.open != nil { propertyFailed("oversize line \(recorder.open!.number) never ended") }
    if recorder.pieces != expected {
        propertyFailed("splitter (max \(maxLineBytes), read \(readSize)) gave \(recorder.pieces), expected \(expected)")
    }
}

/// The per-line path of every agent: scan, check, decode; compared with the general decoder.
func checkLine(_ line: UnsafeBufferPointer<UInt8>) {
    let scanned = Result { () throws(JSONSyntaxError) in try Envelope.scan(line) }
    let parsed = Result { () throws(JSONSyntaxError) in try JSONParser.parse(line) }
    switch (scanned, parsed) {
    case (.success, .success(.object)), (.failure, .failure), (.failure, .success):
        break
    case (.success, .failure(let error)) where error.message == "number out of range":
        // As hos-events(7) says: the envelope pass reads no value outside the envelope, so a number too
        // large for a double (1e400) passes it, and only a command that reads the field rejects it.
        break
    case (.success, .success(let value)):
        propertyFailed("scan accepted a line that parses as \(value.typeName)")
    case (.success, .failure(let error)):
        propertyFailed("scan accepted a line that parse rejects: \(error)")
    }
    if case .failure(let error) = scanned, case .success(.object) = parsed {
        propertyFailed("parse read an object that scan rejects: \(error)")
    }
    guard case .success(let env) = scanned, case .success(let json) = parsed else { return }
    do throws(EventProblem) {
        try env.check(in: line)
    } catch {
        return
    }
    let fallback = EventID.forLine(line)
    let general = Result { () throws(EventProblem) in
        try ContractCheck.decoded(Event(json: json, fallbackID: fallback))
    }
    if env.field(env.eventType, in: line, equals: "health_record"),
        let fast = env.plainHealthRecord(in: line, fallbackID: fallback)
    {
        guard case .success(let event) = general else {
            propertyFailed("fast health_record decoder accepted a line the general one rejects: \(general)")
        }
        if fast != event || fast.record != event.record {
            propertyFailed("fast decoder gave \(fast), general gave \(event)")
        }
        if env.checkedPlainHealthRecord(in: line, fallbackID: fallback) == nil {
            propertyFailed("checkedPlainHealthRecord rejects a line plainHealthRecord accepts")
        }
    }
    let decoded: Event
    do {
        decoded = try env.decodedEvent(in: line)
    } catch {
        if case .success(let event) = general { propertyFailed("decodedEvent threw \(error); general gave \(event)") }
        return
    }
    guard case .success(let event) = general, event == decoded else {
        propertyFailed("decodedEvent gave \(decoded); general gave \(general)")
    }
    checkRoundTrip(decoded)
}

/// An event written out is one valid line that reads back as the same event.
func checkRoundTrip(_ event: Event) {
    let text = event.encoded()
    if text.contains(0x0A) { propertyFailed("encoded event spans lines: \(event)") }
    text.withUnsafeBufferPointer { line in
        do {
            let env = try Envelope.scan(line)
            try env.check(in: line)
            let again = try env.decodedEvent(in: line)
            if again != event { propertyFailed("round trip changed \(event) into \(again)") }
        } catch {
            propertyFailed("encoded event does not read back (\(error)): \(String(decoding: text, as: UTF8.self))")
        }
    }
}

/// The whole stream through hos-validate's runner, which decodes every line, under `--on-error skip`.
func checkRunner(_ expected: [Piece], maxLineBytes: Int) {
    output.store(UnsafeBufferPointer(start: nil, count: 0))
    var config = RunConfig(agent: "hos-validate", onError: .skip, maxLineBytes: maxLineBytes)
    config.printProblems = false
    let runner: StreamRunner<ValidateStage>
    do {
        let sink = try OutputSink(appendingTo: output.path)
        runner = StreamRunner(stage: ValidateStage(), config: config, output: sink)
        lseek(input.fd, 0, SEEK_SET)
        var handler = runner
        try LineSplitter(fd: input.fd, name: "<fuzz>", maxLineBytes: maxLineBytes, readSize: 1 << 16).run(&handler)
        try runner.finishInput()
    } catch {
        propertyFailed("runner threw under --on-error skip: \(error)")
    }
    let stats = runner.stats
    let events = expected.filter { $0.oversize || $0.bytes.contains { $0 != 0x20 && $0 != 0x09 } }.count
    if stats.linesIn != events { propertyFailed("runner counted \(stats.linesIn) lines of \(events)") }
    if stats.linesIn != stats.forwarded + stats.rejected { propertyFailed("runner lost lines: \(stats.summary)") }
    let written = readAll(output.fd)
    let lines = written.split(separator: 0x0A, omittingEmptySubsequences: false)
    if written.last != nil, written.last != 0x0A { propertyFailed("output does not end in a newline") }
    if lines.count - 1 != stats.out, !(written.isEmpty && stats.out == 0) {
        propertyFailed("runner wrote \(lines.count - 1) lines, counted \(stats.out)")
    }
    for line in lines.dropLast() {
        Array(line).withUnsafeBufferPointer { line in
            do {
                try Envelope.scan(line).check(in: line)
            } catch {
                propertyFailed("runner wrote a line that fails its own check (\(error)): \(Array(line))")
            }
        }
    }
}

func readAll(_ fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var off = 0
    while true {
        let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(off)) }
        if n <= 0 { return out }
        out += chunk[..<n]
        off += n
    }
}
