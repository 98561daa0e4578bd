"""The command line: click parsing (main), one module per command returning an exit code, reporters."""
