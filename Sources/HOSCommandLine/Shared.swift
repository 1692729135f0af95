// What every stream command shares: input and error options, the exit-code mapping, running a stage.

import ArgumentParser
import Foundation
import HOSCore
import HOSMemory
import HOSPostgres

extension ErrorPolicy: ExpressibleByArgument {}

/// The help of `--memory-key-file`, the same in every command that opens the memory.
let memoryKeyFileHelp = ArgumentHelp(
    "A file of mode 0600 holding the memory file's key: the file is encrypted (default: $HOS_MEMORY_KEY_FILE; see hos-memory(1), ENCRYPTION).",
    valueName: "file")

/// The memory `flag` names (else HOS_MEMORY, else the default), with the key `keyFile` names (else
/// HOS_MEMORY_KEY_FILE, else none).
func openMemory(_ flag: String?, keyFile: String?, create: Bool = true) throws -> MemoryStore {
    let env = ProcessInfo.processInfo.environment
    return try MemoryStore(
        path: MemoryStore.resolvePath(flag: flag, environment: env), create: create,
        key: MemoryKey.resolve(flag: keyFile, environment: env))
}

/// Inputs, output and bad-input handling, for every command that reads events.
public struct StreamOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Files of JSON-lines events, read in order. None or '-' means standard input.",
            valueName: "file"))
    public var inputs: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write events to this file instead of standard output; it appears only when the run succeeds.",
            valueName: "file"))
    public var output: String?

    @Option(
        name: .customLong("on-error"),
        help: ArgumentHelp(
            "What a bad input line does: fail (stop, exit 65), skip (report and go on), or dead-letter=FILE (also append the line, untouched, to FILE).",
            valueName: "policy"))
    public var onError: ErrorPolicy?

    @Option(
        help: ArgumentHelp(
            "Longest accepted input line, in bytes, counting the event_id hos adds to a line without one.",
            valueName: "n"))
    public var maxLineBytes: Int = RunConfig.defaultMaxLineBytes

    @Flag(help: "At exit, print 'in=N out=M rejected=K' on standard error.")
    public var stats = false

    public init() {}

    public mutating func validate() throws {
        guard maxLineBytes >= 64, maxLineBytes <= 1 << 30 else {
            throw ValidationError("--max-line-bytes must be between 64 and 1073741824")
        }
    }

    /// The input files in order; standard input when none were given.
    public var files: [InputFile] { inputs.isEmpty ? [.stdin] : inputs.map(InputFile.init(argument:)) }
}

/// A `--user` value checked by the user_id rule of hos-events(7), as a usage error (exit 64).
func checkUserOption(_ id: String?, option: String = "--user") throws {
    guard let id else { return }
    do { try UserID.check(id) } catch { throw ValidationError("\(option): \(error.message)") }
}

/// Runs a command body with the shared signal handling and maps errors to the exit codes of hos-events(7).
public func runTool(_ tool: String, _ body: () throws -> Void) throws {
    Signals.install()
    PostgresMemory.install()
    defer { Warnings.flush() }
    do {
        try body()
    } catch is OutputClosed {
        OutputSink.removeUncommitted()
        return
    } catch {
        // Whatever stopped the run, no half-written -o file is left behind.
        OutputSink.removeUncommitted()
        switch error {
        case is Interrupted: throw ArgumentParser.ExitCode(Signals.exitStatus)
        case let error as HOSError:
            printError("\(tool): \(error)")
            throw ArgumentParser.ExitCode(error.exitCode.rawValue)
        default: throw error
        }
    }
}

/// Runs a stage over the inputs with the options' policy, writing events to stdout or `-o`.
@discardableResult
public func runStage<S: Stage>(
    _ stage: S, tool: String, options: StreamOptions,
    configure: (inout RunConfig) -> Void = { _ in }
) throws -> StreamRunner<S> {
    var config = RunConfig(agent: tool, onError: options.onError ?? .fail, maxLineBytes: options.maxLineBytes)
    config.fault = try Fault.fromEnvironment(agent: tool)
    configure(&config)
    let outputs = try RunOutputs(path: options.output, onError: config.onError)
    let runner = StreamRunner(stage: stage, config: config, output: outputs.events, deadLetter: outputs.deadLetter)
    defer {
        Warnings.flush()
        if options.stats { printError("\(tool): \(runner.stats.summary)") }
    }
    try outputs.run { try runner.run(options.files) }
    return runner
}

/// The version every command reports.
public let hosVersion = "0.1.0"

/// A JSON file given on the command line (--truth, --preferences), parsed by `parse`: an unreadable file is
/// missing input (66), a file that does not parse or check is a configuration error (78) naming the path.
func readJSONFile<T>(_ path: String, _ parse: (JSON) throws(EventProblem) -> T) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw HOSError.noInput(path, "cannot read the file")
    }
    do {
        return try parse(try JSONParser.parse(String(decoding: data, as: UTF8.self)))
    } catch let e as EventProblem {
        throw HOSError.config("\(path): \(e.message)")
    } catch let e as JSONSyntaxError {
        throw HOSError.config("\(path): \(e)")
    }
}
