"""Running the templates: values never become YAML structure or template code; the sandbox holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.errors import InputError, TemplateError
from generator.inputs import yamlio
from tests.conftest import edit, write
from tests.render_helpers import rendered

LLAMA = "releases/llama3-8b-chat.yaml"


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
    path = "rendered/dev/llama3-8b-chat/deployment-llama3-8b-chat"
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
        "templates/release/pdb.yaml.j2:5: undefined value: 'no_such_value' is undefined "
        "(rendering release bge-embeddings)"
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
    assert "rendered/prod/bge-embeddings/limitrange-bge-embeddings" in files


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


def test_a_repository_template_that_cannot_be_read_is_refused_not_replaced_by_the_built_in(example: Path) -> None:
    (example / "templates/release").mkdir(parents=True)
    (example / "templates/release/pdb.yaml.j2").write_bytes(b"apiVersion: policy/v1 # caf\xe9\n")
    with pytest.raises(InputError) as info:
        rendered(example)
    assert info.value.diagnostics[0].format() == (
        "templates/release/pdb.yaml.j2:1:28: file is not valid UTF-8 (byte 0xe9)"
    )
