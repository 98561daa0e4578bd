"""SARIF locations: artifact URIs are escaped URI references."""

from __future__ import annotations


def test_sarif_uris_are_escaped_uri_references() -> None:
    from generator.cli.reporters import sarif
    from generator.errors import Location

    where = sarif._physical(Location("policies/waivers 2027.yaml", 3, 1))["physicalLocation"]["artifactLocation"]
    assert where["uri"] == "policies/waivers%202027.yaml"
