import HOSCommandLine
import HOSPostgres

/// hos-run's entry: the command, given the PostgreSQL work queue (HOSPostgres stays out of the agents).
@main struct HosRun {
    static func main() {
        RunCommand.queueEngine = { try WorkQueue(url: $0, environment: $1) }
        RunCommand.main()
    }
}
