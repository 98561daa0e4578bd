"""Serving runtimes: what each contributes to a pod (`registry.get(kind)`)."""
