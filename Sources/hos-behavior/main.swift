import HOSCommandLine

@main extension BehaviorCommand {}
