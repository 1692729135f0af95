// hos-serve's settings, here in the module every other shares: the command (HOSCommandLine) fills them
// without linking the HTTP server (HOSServe), which hos-serve's executable alone links.

import Foundation

/// How the server is set up (hos-serve's options, checked by the command).
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8787
    public var pipeline: String
    public var memory: String
    /// The memory key's file (the server reads it; its steps get its name, never the key); nil: a plain file.
    public var memoryKeyFile: String?
    public var tlsCert: String?
    public var tlsKey: String?
    public var maxBody = 8 << 20
    public var rate = 10.0
    public var burst = 20.0
    public var maxConcurrent = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var maxQueue = 64
    /// Queued analyses that one pipeline run takes at once.
    public var maxBatch = 16
    /// A PostgreSQL work queue to hand analyses to (`hos-run worker`s run them); nil: run them here.
    public var queue: String?
    /// Finished analyses the server keeps in memory for their status, stream and report.
    public var keepAnalyses = 10_000
    /// Seconds between the comments that keep a quiet event stream open through proxies.
    public var heartbeat = 15.0
    public var grace = 30.0
    /// Called with the bound port once the server listens.
    public var onReady: (@Sendable (Int) -> Void)?

    public init(pipeline: String, memory: String) {
        self.pipeline = pipeline
        self.memory = memory
    }
}
