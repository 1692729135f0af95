import HOSCommandLine

@main extension SynthCommand {}
