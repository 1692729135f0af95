// `hos-import fitbit`: a folder of Fitabase-style CSV exports. (Being written: see AppleHealth.swift's twin.)

import HOSCore

/// Reads a Fitabase export folder into daily records.
public struct FitbitImporter {
    public init() {}

    /// The format's description for --help and the man page.
    public static let documentation = """
    (to be written)
    """

    public func read(directory: String, into records: RecordSet, reporter: ProblemReporter,
                     maxLineBytes: Int = RunConfig.defaultMaxLineBytes) throws {
        throw HOSError.usage("fitbit import is not built yet")
    }
}
