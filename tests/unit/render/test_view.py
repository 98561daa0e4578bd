"""The renderer's view of a unit: sorted keys, and nothing the render cache's key does not hold."""

from __future__ import annotations

import json

import pytest

from generator.inputs import resolve, spec
from generator.inputs.resolve import Resolved
from generator.inputs.sources import WorkTree
from generator.render import view
from tests.conftest import PROJECT


def _example() -> list[Resolved]:
    return resolve.resolve_all(spec.load_inputs(WorkTree(PROJECT)))


def _keys_in_order(value: object) -> list[list[str]]:
    """The key order of every mapping in `value`, depth first."""
    found: list[list[str]] = []
    if isinstance(value, dict):
        found.append(list(value))
        for child in value.values():
            found += _keys_in_order(child)
    elif isinstance(value, list):
        for child in value:
            found += _keys_in_order(child)
    return found


def test_canonical_sorts_every_mapping_and_keeps_list_order() -> None:
    data = {"b": [{"z": 1, "a": {"y": 2, "x": 3}}, "second", "first"], "a": None}
    assert json.dumps(view.canonical(data)) == (
        '{"a": null, "b": [{"a": {"x": 3, "y": 2}, "z": 1}, "second", "first"]}'
    )
    assert view.canonical(data) == data  # the same data, only the order differs


def test_a_unit_holds_the_parts_of_its_key_with_sorted_keys() -> None:
    for item in _example():
        unit = view.unit(item)
        parts = view.key_parts(unit)
        assert json.dumps(parts, sort_keys=True) == json.dumps(view.key_parts(item), sort_keys=True)
        assert all(keys == sorted(keys) for keys in _keys_in_order(parts))


def test_a_unit_holds_nothing_its_key_leaves_out() -> None:
    """The renderer cannot read the raw spec (other environments' overrides, say), so it cannot depend on it."""
    unit = view.unit(_example()[0])
    with pytest.raises(KeyError):
        _ = unit.release.spec
    assert unit.release.doc.positions == {} and unit.env.doc.positions == {}
    assert unit.merged.origins == {}
    assert set(unit.release.doc.data) == {"metadata"} and set(unit.env.doc.data) == {"spec"}


def test_the_environment_view_sorts_its_spec() -> None:
    env = spec.load_inputs(WorkTree(PROJECT)).environments["prod"]
    seen = view.environment(env)
    assert (seen.name, seen.file, seen.spec) == (env.name, env.file, env.spec)
    assert list(seen.spec) == sorted(env.spec) != list(env.spec)
