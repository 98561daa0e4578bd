"""The layered merge: mappings merge key by key, lists replace, atomic paths replace whole."""

from __future__ import annotations

from generator.inputs.merge import Layer, merge


def test_lists_replace_and_mappings_merge() -> None:
    low = Layer("low", {"a": {"x": 1, "y": [1, 2]}, "m": {"type": "cpu", "target": 80}})
    high = Layer("high", {"a": {"y": [3]}, "m": {"type": "pods", "name": "q"}})
    assert merge([low, high]).data == {"a": {"x": 1, "y": [3]}, "m": {"type": "pods", "target": 80, "name": "q"}}
    atomic = merge([low, high], frozenset({("m",)})).data
    assert atomic["m"] == {"type": "pods", "name": "q"}
