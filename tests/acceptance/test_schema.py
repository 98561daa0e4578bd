"""`modelops schema`: self-contained schemas for editors, accepting what modelops accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.schemas import bundle, shipped
from tests.conftest import KIND_FILES, PROJECT, Runner, schema_errors, write


def printed(run: Runner, kind: str) -> dict[str, Any]:
    result = run(None, "schema", kind)
    assert result.exit_code == 0, result.err
    return json.loads(result.out)


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            r for v in node.values() for r in refs(v)
        ]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


@pytest.mark.parametrize("kind", list(bundle.KINDS))
def test_printed_schema_is_self_contained_and_described(run: Runner, kind: str) -> None:
    document = printed(run, kind)
    original = shipped.schema(bundle.KINDS[kind])
    assert document["$schema"] == original["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == original["$id"]
    assert document["title"] and document["description"]
    jsonschema.Draft202012Validator.check_schema(document)
    for ref in refs(document):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/").split("/")[0] in document["$defs"]


@pytest.mark.parametrize("kind", list(bundle.KINDS))
def test_printed_schema_accepts_every_bundled_file(run: Runner, kind: str) -> None:
    document = printed(run, kind)
    assert KIND_FILES[kind]
    for path in KIND_FILES[kind]:
        assert schema_errors(document, yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path


def test_printed_schema_rejects_what_modelops_rejects(run: Runner) -> None:
    release = printed(run, "release")
    spec = yaml.safe_load((PROJECT / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8"))
    spec["spec"]["scaling"]["minReplica"] = 1  # a typo
    assert schema_errors(release, spec)
    assert shipped.validate("modelrelease.schema.json", spec)
    spec = yaml.safe_load((PROJECT / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8"))
    spec["spec"]["resources"]["gpu"]["count"] = "one"
    assert schema_errors(release, spec)
    environment = printed(run, "environment")
    env = yaml.safe_load((PROJECT / "environments/prod.yaml").read_text(encoding="utf-8"))
    env["spec"]["defaults"]["rollout"] = {"strategy": "big-bang"}  # a definition borrowed from the release schema
    assert schema_errors(environment, env)


def test_schema_usage_errors(run: Runner) -> None:
    unknown = run(None, "schema", "deployment")
    assert unknown.exit_code == 2 and "deployment" in unknown.err
    missing = run(None, "schema")
    assert missing.exit_code == 2 and "--write" in missing.err


def test_write_gives_the_printed_bytes_every_time(run: Runner, tmp_path: Path) -> None:
    out = tmp_path / ".schemas"
    assert run(None, "schema", "--write", str(out)).exit_code == 0
    first = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert sorted(first) == sorted(f"{kind}.schema.json" for kind in bundle.KINDS)
    for name, content in first.items():
        assert content == run(None, "schema", name.split(".")[0]).out.encode()
        assert content.endswith(b"}\n") and b"\r" not in content
    assert run(None, "schema", "--write", str(out)).exit_code == 0
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == first  # no leftovers, same bytes
    only = run(None, "schema", "release", "--write", str(tmp_path / "one"))
    assert only.exit_code == 0 and [p.name for p in (tmp_path / "one").iterdir()] == ["release.schema.json"]
    write(tmp_path / "file", "x")
    assert run(None, "schema", "--write", str(tmp_path / "file")).exit_code == 2
