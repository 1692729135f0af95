// Fuzz target: a CSV file through `hos-import csv`: the RFC 4180 reader, the importer, the events it writes.
//
// Besides crashes it checks that every event the importer writes passes the checks of the agent that reads
// it next (scan, check, decode): an importer must never write what the toolkit itself rejects.

import FuzzSupport
import HOSCore
import HOSImport

nonisolated(unsafe) let file = ScratchFile()

/// Importer options, chosen by the input's length so that a seed stays a plain file.
nonisolated(unsafe) let importers = [
    CSVImporter(),
    CSVImporter(user: "fuzz-user"),
    CSVImporter(
        map: ["steps": "Steps", "user_id": "who", "date": "day"], ignore: ["note"],
        scales: ["mood": WellnessScale(metric: "mood", from: 0, to: 10)]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    file.store(fuzzInput(data, size))
    let importer = importers[size % importers.count]
    let events: [Event]
    do {
        let reporter = try ProblemReporter(tool: "hos-import", policy: .skip)
        let records = RecordSet(source: "csv", reporter: reporter)
        try importer.read(InputFile(name: "<fuzz>", path: file.path), into: records, reporter: reporter)
        events = records.events(request: RequestOptions(archetype: nil, windowDays: 28))
    } catch let error as HOSError {
        // A file the importer cannot read at all (no header, a broken header): a diagnostic, not a crash.
        if "\(error)".isEmpty { propertyFailed("empty error") }
        return 0
    } catch {
        propertyFailed("importer threw \(error)")
    }
    for event in events {
        event.encoded().withUnsafeBufferPointer { line in
            do {
                let env = try Envelope.scan(line)
                try env.check(in: line)
                _ = try env.decodedEvent(in: line)
            } catch {
                propertyFailed("imported event fails the contract (\(error)): \(String(decoding: line, as: UTF8.self))")
            }
        }
    }
    return 0
}
