"""One module per command; each exposes a function that returns the process exit code."""
