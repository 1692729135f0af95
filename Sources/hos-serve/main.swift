import HOSCommandLine

@main extension ServeCommand {}
