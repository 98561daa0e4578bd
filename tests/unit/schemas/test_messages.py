"""Schema errors as messages: every problem of a mapping is reported in one run."""

from __future__ import annotations

import jsonschema_rs

from generator.schemas.messages import explain_all

SCHEMA = {
    "type": "object",
    "properties": {
        "scaling": {
            "type": "object",
            "properties": {"minReplicas": {"type": "integer"}, "maxReplicas": {"type": "integer"}},
            "additionalProperties": False,
        }
    },
}


def findings(data: object) -> list[tuple[tuple[str | int, ...], str]]:
    return explain_all(jsonschema_rs.validator_for(SCHEMA).iter_errors(data), [SCHEMA])


def test_every_unknown_key_of_one_mapping_is_a_finding() -> None:
    assert findings({"scaling": {"minReplica": 1, "maxReplica": 3, "cooldown": "30s", "minReplicas": 1}}) == [
        (("scaling", "cooldown"), 'unknown field "cooldown"; allowed fields: maxReplicas, minReplicas'),
        (("scaling", "maxReplica"), 'unknown field "maxReplica" (did you mean "maxReplicas"?)'),
        (("scaling", "minReplica"), 'unknown field "minReplica" (did you mean "minReplicas"?)'),
    ]


def test_one_unknown_key_is_one_finding() -> None:
    assert findings({"scaling": {"minReplica": 1}}) == [
        (("scaling", "minReplica"), 'unknown field "minReplica" (did you mean "minReplicas"?)')
    ]
