"""Report formats for --output, by name (`formats.get(name)`)."""
