import HOSCommandLine

@main extension ValidateCommand {}
