"""Validating: cross-field checks, GPU capacity, policies and waivers.

In: effective specs, the rendered tree and its schema findings.  Out: `report.Report`, which
every reporter (generator.cli.reporters) prints.
"""
