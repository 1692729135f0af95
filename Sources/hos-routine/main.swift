import HOSCommandLine

@main extension RoutineCommand {}
