import HOSCommandLine
import HOSServe

/// hos-serve's entry: the command, given the server (the one executable that links HOSServe).
@main struct HosServe {
    static func main() async {
        ServeCommand.engine = ServeEngine(
            run: { try await Server(options: $0).run() }, makeToken: Tokens.make, hash: Tokens.hash)
        await ServeCommand.main()
    }
}
