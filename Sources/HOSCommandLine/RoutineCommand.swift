// hos-routine: being written (issue 3).

import ArgumentParser

public struct RoutineCommand: ParsableCommand {
    public init() {}
}
