"""Integral floats in integer fields become ints; numbers, fractions and other fields are left alone."""

from __future__ import annotations

from typing import Any

import pytest

from generator.schemas import integers, shipped

DOCS: dict[str, dict[str, Any]] = {
    "other.json": {"$defs": {"count": {"type": ["integer", "null"]}}},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "replicas": {"type": "integer"},
        "ratio": {"type": "number"},
        "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "local": {"$ref": "#/$defs/port"},
        "remote": {"$ref": "other.json#/$defs/count"},
        "ports": {"type": "array", "items": {"$ref": "#/$defs/port"}},
        "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
        "free": {},
    },
    "patternProperties": {"^x-": {"type": "integer"}},
    "$defs": {"port": {"allOf": [{"type": "integer", "minimum": 1}]}},
}


def test_integral_floats_in_integer_fields_become_ints() -> None:
    data = {
        "replicas": 6.0,
        "either": 3.0,
        "local": 80.0,
        "remote": 2.0,
        "ports": [1.0, 2.0],
        "limits": {"a": 4.0},
        "x-extra": 7.0,
    }
    found = integers.normalise(data, SCHEMA, DOCS)
    assert data == {
        "replicas": 6,
        "either": 3,
        "local": 80,
        "remote": 2,
        "ports": [1, 2],
        "limits": {"a": 4},
        "x-extra": 7,
    }
    assert all(type(v) is int for v in (data["replicas"], data["ports"][0], data["limits"]["a"]))  # type: ignore[index]
    expected = [("replicas",), ("either",), ("local",), ("remote",), ("ports", 0), ("ports", 1), ("limits", "a")]
    assert sorted(found, key=str) == sorted([*expected, ("x-extra",)], key=str)


@pytest.mark.parametrize(
    "data",
    [
        {"replicas": 6.5},  # not a whole number: the schema refuses it
        {"ratio": 1.0},  # a number field keeps its float
        {"free": 2.0},  # no type says integer
        {"unknown": 3.0},
        {"replicas": float("inf")},
    ],
)
def test_everything_else_is_left_as_it_is(data: dict[str, Any]) -> None:
    before = repr(data)
    assert integers.normalise(data, SCHEMA, DOCS) == []
    assert repr(data) == before


def test_the_release_schema_normalises_through_its_references() -> None:
    data = {
        "spec": {
            "scaling": {"maxReplicas": 6.0},
            "environments": {"prod": {"scaling": {"minReplicas": 2.0}, "rollout": {"maxSurge": 1.0}}},
            "runtime": {"args": {"gpuMemoryUtilization": 1.0}},
        }
    }
    shipped.normalise("modelrelease.schema.json", data)
    spec = data["spec"]
    assert spec["scaling"]["maxReplicas"] == 6 and type(spec["scaling"]["maxReplicas"]) is int
    prod = spec["environments"]["prod"]
    assert type(prod["scaling"]["minReplicas"]) is int and type(prod["rollout"]["maxSurge"]) is int
    assert type(spec["runtime"]["args"]["gpuMemoryUtilization"]) is float
