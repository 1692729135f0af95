// The one error enum of HOSCore, and the exit codes of hos-events(7).

/// Exit statuses shared by every hos command (hos-events(7), EXIT STATUS, after sysexits.h).
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case badInput = 65
    case noInput = 66
    case ioError = 74
    case config = 78
}

/// Where an input line came from, for diagnostics: `name:line`.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The file name as the user gave it, or `<stdin>`.
    public var file: String
    /// 1-based line number; 0 when the problem is not tied to a line.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

/// Errors of HOSCore: short lowercase messages that carry their context.
public enum HOSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line or record that breaks the contract; the run goes on or stops per `--on-error`.
    case badInput(SourceLocation, String)
    /// An input file that cannot be opened or read.
    case noInput(String, String)
    /// A write or read failure that is not the input's fault.
    case io(String)
    /// A bad flag or argument value.
    case usage(String)
    /// A bad configuration file or setting.
    case config(String)

    /// The exit status this error ends a run with.
    public var exitCode: ExitCode {
        switch self {
        case .badInput: .badInput
        case .noInput: .noInput
        case .io: .ioError
        case .usage: .usage
        case .config: .config
        }
    }

    public var description: String {
        switch self {
        case .badInput(let location, let message): "\(location): \(message)"
        case .noInput(let file, let reason): "\(file): \(reason)"
        case .io(let message): message
        case .usage(let message): message
        case .config(let message): message
        }
    }
}

/// A problem with one event's content, before it is tied to a file and line.
public struct EventProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Text from the input made safe for a one-line message: control and format characters escaped,
/// cut to `limit` characters. Names from input (metric keys, column headers) go through this.
public func printable(_ s: String, limit: Int = 40) -> String {
    var out = ""
    for (i, scalar) in s.unicodeScalars.enumerated() {
        if i == limit {
            out += "…"
            break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator:
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
