"""Writing rendered/ and git: the atomic tree writer, commits, pushes, provenance, status, diff.

In: a `render.objects.RenderedTree`.  Out: `writer.Changes` (what a write changed) and
`commits.CommitResult` (the commit made, if any).
"""
