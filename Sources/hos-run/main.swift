import HOSCommandLine

@main extension RunCommand {}
