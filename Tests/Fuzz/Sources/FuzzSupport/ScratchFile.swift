// One temporary file per fuzz process, rewritten with each input, for code that reads a path or a descriptor.

import CLibFuzzer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private temporary file that holds the current input; removed from the directory at once, reached by
/// its descriptor or through `/proc/self/fd` (Linux) while the process lives.
public final class ScratchFile {
    public let fd: Int32
    /// A path that opens this file afresh, at offset 0.
    public let path: String

    public init() {
        var template = Array("/tmp/hos-fuzz-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0, "mkstemp failed")
        let name = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #if os(Linux)
            unlink(name)
            path = "/proc/self/fd/\(fd)"
        #else
            path = name
        #endif
    }

    /// Replaces the file's content with `bytes` and rewinds the descriptor.
    public func store(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(ftruncate(fd, 0) == 0, "ftruncate failed")
        var off = 0
        while off < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + off, bytes.count - off, off_t(off))
            precondition(n > 0 || (n < 0 && errno == EINTR), "pwrite failed")
            if n > 0 { off += n }
        }
        lseek(fd, 0, SEEK_SET)
    }
}

/// The input of one `LLVMFuzzerTestOneInput` call as a buffer (an empty input may come with a nil pointer).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// Stops the run with a message naming a broken property, so libFuzzer keeps the input as a crash.
public func propertyFailed(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError("fuzz property broken: \(message)", file: file, line: line)
}

/// Hands the process to libFuzzer with `callback` as the target. SwiftPM links an executable target's own
/// entry point as `main`, so each target has a main.swift that calls this instead of using libFuzzer's main.
public func runLibFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}
