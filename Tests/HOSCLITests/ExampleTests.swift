// Examples under examples/<name>/ run as tests: `run.sh` in its folder must print `expected.out`.
// RECORD_CASES=1 rewrites expected.out, as for the CLI cases.

import Foundation
import HOSTestSupport
import Testing

let examplesDir = packageRoot.appendingPathComponent("examples")

func allExamples() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDir.path)) ?? []
    return names.filter {
        FileManager.default.fileExists(atPath: examplesDir.appendingPathComponent("\($0)/run.sh").path)
    }
    .sorted()
}

@Suite struct ExampleTests {
    @Test(arguments: allExamples())
    func runExample(_ name: String) throws {
        let dir = examplesDir.appendingPathComponent(name)
        let result = try shell("sh ./run.sh", in: dir)
        let expectedPath = dir.appendingPathComponent("expected.out").path
        if ProcessInfo.processInfo.environment["RECORD_CASES"] == "1" {
            _ = FileManager.default.createFile(atPath: expectedPath, contents: result.stdout)
            return
        }
        #expect(result.status == 0, "\(name): \(String(decoding: result.stderr, as: UTF8.self))")
        let expected = FileManager.default.contents(atPath: expectedPath) ?? Data()
        #expect(String(decoding: result.stdout, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test func everyExampleHasAReadme() {
        for name in allExamples() {
            #expect(
                FileManager.default.fileExists(atPath: examplesDir.appendingPathComponent("\(name)/README.md").path),
                "examples/\(name)/README.md")
        }
    }
}

@Suite struct ManPageTests {
    /// hos-events(7) is written by hand; its metric table must say what the code enforces.
    @Test func eventsPageListsTheVocabulary() throws {
        let page = try String(contentsOf: packageRoot.appendingPathComponent("man/hos-events.7"), encoding: .utf8)
        let listing = try shell("hos-validate --list-metrics", in: packageRoot)
        let rows = String(decoding: listing.stdout, as: UTF8.self).split(separator: "\n")
        #expect(rows.count == 43)
        for row in rows {
            let cells = row.split(separator: " ", omittingEmptySubsequences: true)
            let manRow = [cells[0], cells[1], cells[2], cells[3]].joined(separator: "\t").replacingOccurrences(
                of: "–", with: "\\(en")
            #expect(page.contains(manRow + "\t"), "man/hos-events.7 lacks or misstates \(cells[0])")
        }
    }

    @Test func everyCommandHasAPage() {
        for tool in [
            "hos-validate", "hos-import", "hos-synth", "hos-behavior", "hos-nutrition", "hos-routine",
            "hos-memory", "hos-insights", "hos-adapt", "hos-report", "hos-run",
        ] {
            #expect(
                FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("man/\(tool).1").path),
                "\(tool)")
        }
    }
}
