"""Rendering: effective specs through the Jinja2 templates into Kubernetes objects.

In: `inputs.resolve.Resolved`.  Out: `objects.RenderedObject`s (object, YAML text, file path)
gathered in an `objects.RenderedTree`.  No file is written and nothing is validated here.
"""
