import HOSCommandLine

@main extension MemoryCommand {}
