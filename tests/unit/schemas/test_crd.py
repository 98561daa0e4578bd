"""CustomResourceDefinition to JSON Schema: a pure translation of OpenAPI 3.0 with the Kubernetes extensions."""

from __future__ import annotations

from generator.schemas import crd


def test_crd_conversion_is_a_pure_translation() -> None:
    schemas = crd.convert(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "spec": {
                "group": "g.example.com",
                "names": {"kind": "Thing"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "properties": {
                                            "port": {"x-kubernetes-int-or-string": True},
                                            "note": {"type": "string", "nullable": True},
                                            "any": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                            "alt": {"anyOf": [{"properties": {"a": {"type": "string"}}}]},
                                        },
                                    }
                                },
                            }
                        },
                    }
                ],
            },
        },
        strict=True,
    )
    doc = schemas[("g.example.com/v1", "Thing")]
    spec = doc["properties"]["spec"]
    assert spec["additionalProperties"] is False and doc["additionalProperties"] is False
    assert spec["properties"]["port"] == {"type": ["integer", "string"]}
    assert spec["properties"]["note"] == {"type": ["string", "null"]}
    assert "additionalProperties" not in spec["properties"]["any"]
    assert "additionalProperties" not in spec["properties"]["alt"]["anyOf"][0]  # never closed inside anyOf
    assert doc["properties"]["kind"] == {"const": "Thing"}
    assert doc["properties"]["metadata"] == crd.OBJECT_META
