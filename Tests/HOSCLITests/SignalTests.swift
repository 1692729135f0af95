// SIGTERM and SIGINT stop a command cleanly: output flushed up to the last whole event, status 128+signal.

import Foundation
import HOSTestSupport
import Testing

@Suite struct SignalTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func stopsCleanlyOnSignal(signal: Int32) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDir + "/hos-validate")
        process.arguments = ["--pass"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line =
            #"{"event_id":"e","event_type":"health_record","user_id":"u","timestamp":"2026-01-01T00:00:00Z","payload":{"date":"2026-01-01","metrics":{"steps":1}}}"#
        // Whole events, then half of one: the half must not appear in the output.
        input.fileHandleForWriting.write(Data(String(repeating: line + "\n", count: 100).utf8))
        input.fileHandleForWriting.write(Data(line.prefix(40).utf8))
        // The events stay in the tool's buffer (no barrier, far below a flush), so only the stop writes them.
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, signal)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 128 + signal)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 100)
        #expect(lines.allSatisfy { $0 == line })
    }
}
