import HOSCommandLine

@main extension InsightsCommand {}
