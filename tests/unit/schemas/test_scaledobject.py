"""The project's ScaledObject schema (written from KEDA's Go types) checks the rendered ScaledObjects."""

from __future__ import annotations

import copy

from generator.schemas import lookup
from tests.render_helpers import example, obj


def scaled_object() -> dict:
    return copy.deepcopy(obj(example(), "staging", "llama3-70b-instruct", "ScaledObject"))


def test_the_rendered_scaled_objects_are_valid() -> None:
    for path, o in example().items():
        if o["kind"] == "ScaledObject":
            assert lookup.rendered("1.31").findings(o) == [], path


def test_unknown_fields_wrong_types_and_missing_triggers_are_refused() -> None:
    schemas = lookup.rendered("1.31")
    unknown = scaled_object()
    unknown["spec"]["minReplicas"] = 1  # the HPA's spelling, not KEDA's minReplicaCount
    assert any("minReplicas" in message for _, message in schemas.findings(unknown))
    numeric = scaled_object()
    numeric["spec"]["triggers"][0]["metadata"]["threshold"] = 5  # trigger metadata is map[string]string
    assert schemas.findings(numeric)
    no_triggers = scaled_object()
    no_triggers["spec"]["triggers"] = []
    assert schemas.findings(no_triggers)
    negative = scaled_object()
    negative["spec"]["idleReplicaCount"] = -1
    assert schemas.findings(negative)
    bad_type = scaled_object()
    bad_type["spec"]["triggers"][1]["metricType"] = "Average"
    assert schemas.findings(bad_type)
