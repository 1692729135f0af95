// Fuzz target: a pipeline file through hos-run's loader (Yams, then the spec checks) and its graph views.

import FuzzSupport
import HOSPipeline

nonisolated(unsafe) let file = ScratchFile()
/// `${NAME}` in strings expands from here, as from hos-run's environment.
let environment = ["HOME": "/home/fuzz", "DAYS": "14", "MEMORY": "/tmp/m.sqlite", "EMPTY": ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    file.store(fuzzInput(data, size))
    do {
        // Foundation's String(contentsOfFile:) leaks 4 KiB on an empty file (swift-foundation's
        // readBytesFromFile, Swift 6.3.1); the empty text goes to the parser directly, so that LeakSanitizer
        // keeps watching everything else.
        let spec =
            size == 0
            ? try PipelineSpec.parse("", file: file.path, environment: environment)
            : try PipelineSpec.load(file: file.path, environment: environment)
        // What `hos-run graph` prints, and what a step's process is given.
        _ = spec.graphText()
        _ = spec.graphDOT()
        _ = spec.llm?.environment
        if spec.steps.isEmpty { propertyFailed("a pipeline with no steps was accepted") }
    } catch {
        // Every rejection must say something a person can act on.
        if error.description.isEmpty { propertyFailed("empty error for a rejected pipeline") }
    }
    return 0
}
