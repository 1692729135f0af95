// `hos-import apple-health`: Apple Health export.xml, streamed.

import HOSCore

/// Reads an Apple Health export into one user's daily records.
public struct AppleHealthImporter {
    public let user: String

    public init(user: String) { self.user = user }

    /// The format's description for --help and the man page.
    public static let documentation = """
    (to be written)
    """

    public func read(_ file: InputFile, into records: RecordSet, reporter: ProblemReporter) throws {
        throw HOSError.usage("apple-health import is not built yet")
    }
}
