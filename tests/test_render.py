"""Rendering: deterministic bytes, values never become YAML structure or template code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.inputs import yamlio
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import edit, write

LLAMA = "releases/llama3-8b-chat.yaml"


def rendered(repo: Path) -> dict[str, bytes]:
    """The manifests by path (each release's modelops.metadata aside: tests/test_provenance.py)."""
    return {p: data for p, data in compose.build(WorkTree(repo)).tree.files().items() if p.endswith(".yaml")}


def test_same_input_same_bytes(example: Path, tmp_path: Path) -> None:
    first = rendered(example)
    second = rendered(example)
    assert first == second
    assert all(data.endswith(b"\n") and b"\r" not in data for data in first.values())
    # Reordering keys in a spec changes nothing in the output.
    text = (example / LLAMA).read_text()
    reordered = text.replace('    cpu: "4"\n    memory: 32Gi\n', '    memory: 32Gi\n    cpu: "4"\n')
    assert reordered != text
    (example / LLAMA).write_text(reordered)
    assert rendered(example) == first


def test_file_layout_and_names(example: Path) -> None:
    files = rendered(example)
    assert "rendered/dev/llama3-8b-chat/deployment-llama3-8b-chat.yaml" in files
    assert "rendered/prod/_argocd/application-llama3-8b-chat-prod.yaml" in files
    assert "rendered/prod/_argocd/appproject-modelops-prod.yaml" in files
    for path, data in files.items():
        obj = yamlio.load(data, path).data  # exactly one document per file
        assert path.rsplit("/", 1)[1] == f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
        assert list(obj)[:3] == ["apiVersion", "kind", "metadata"]


@pytest.mark.parametrize(
    "hostile",
    [
        "x\n---\nkind: Secret",
        "x: y\nkind: Secret",
        "{{ 7 * 7 }}",
        "{% raw %}x{% endraw %}",
        "#not-a-comment",
        "a' or 'b",
        "'\"\\",
    ],
)
def test_spec_values_stay_literal_strings(example: Path, hostile: str) -> None:
    quoted = json.dumps(hostile)  # a JSON string is a YAML double-quoted scalar
    edit(example / LLAMA, "        value: INFO", f"        value: {quoted}")
    files = rendered(example)
    path = "rendered/dev/llama3-8b-chat/deployment-llama3-8b-chat.yaml"
    obj = yamlio.load(files[path], path).data
    env = obj["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "VLLM_LOGGING_LEVEL", "value": hostile} in env
    assert set(obj) == {"apiVersion", "kind", "metadata", "spec"}
    # Every file still holds exactly one document, and no value turned into a Secret.
    assert all(yamlio.load(data, p).data["kind"] != "Secret" for p, data in files.items())


def test_template_override_with_undefined_variable_names_file_and_line(example: Path) -> None:
    write(
        example / "templates/release/pdb.yaml.j2",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
        "metadata:\n  name: {{ names.workload }}\n  labels: {{ no_such_value }}\n",
    )
    with pytest.raises(TemplateError) as info:
        rendered(example)
    assert info.value.diagnostics[0].format() == (
        "templates/release/pdb.yaml.j2:5: undefined value: 'no_such_value' is undefined"
    )


def test_value_spliced_into_a_longer_string_is_refused(example: Path) -> None:
    write(
        example / "templates/release/pdb.yaml.j2",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {{ names.workload }}-pdb\n",
    )
    with pytest.raises(TemplateError) as info:
        rendered(example)
    assert "part of a longer string" in info.value.diagnostics[0].message


def test_repository_template_can_add_an_object(example: Path) -> None:
    write(
        example / "templates/release/limitrange.yaml.j2",
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: {{ names.workload }}\n"
        "  namespace: {{ env.namespace }}\nspec:\n  limits:\n    - type: Container\n",
    )
    files = rendered(example)
    assert "rendered/prod/bge-embeddings/limitrange-bge-embeddings.yaml" in files


def test_sandbox_blocks_python_internals(example: Path) -> None:
    write(
        example / "templates/release/evil.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
        "data:\n  x: {{ names.__class__.__mro__[1].__subclasses__() }}\n",
    )
    with pytest.raises(TemplateError) as info:
        rendered(example)
    assert "templates/release/evil.yaml.j2" in info.value.diagnostics[0].format()


def test_include_cannot_leave_the_templates_directory(example: Path) -> None:
    write(example / "secret.txt", "apiVersion: v1\nkind: Secret\n")
    write(example / "templates/release/evil.yaml.j2", "{% include '../../secret.txt' %}\n")
    with pytest.raises(TemplateError) as info:
        rendered(example)
    assert "templates/release/evil.yaml.j2" in info.value.diagnostics[0].format()


def test_same_bytes_in_separate_processes_with_different_hash_seeds(example: Path, tmp_path: Path) -> None:
    trees = []
    for seed in ("1", "2"):
        copy = tmp_path / f"seed{seed}"
        shutil.copytree(example, copy)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(["modelops", "--repo", str(copy), "render", "-q"], env=env, capture_output=True)
        assert done.returncode == 0, done.stderr
        trees.append({p.relative_to(copy).as_posix(): p.read_bytes() for p in (copy / "rendered").rglob("*.yaml")})
    assert trees[0] == trees[1]
