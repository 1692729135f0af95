import HOSCommandLine

@main extension ReportCommand {}
