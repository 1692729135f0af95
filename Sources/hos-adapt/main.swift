import HOSCommandLine

@main extension AdaptCommand {}
