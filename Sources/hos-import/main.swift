import HOSCommandLine

@main extension ImportCommand {}
